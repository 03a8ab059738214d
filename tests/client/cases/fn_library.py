"""Functions added to the library, called from the DataFrame API: bitwise
operators (Column.bitwiseAND/OR/XOR, bitwise_not), shifts, bit_count,
bit_get/getbit (and its position error), typeof, greatest/least (NULLs
skipped, wider common type), concat_ws (strings and string arrays), the
aggregates bit_and/bit_or/bit_xor, max_by/min_by and string_agg/listagg;
Spark's names, types, null behaviour and errors."""

from pyspark.sql import functions as F

from caselib import error, result


def nums(spark):
    return spark.createDataFrame([
        (1, 5, 3, "a", 10.5), (2, -256, 2, "a", None), (3, None, 1, "b", 2.0), (4, 7, None, "b", -1.0),
        (5, 2147483647, 31, None, 0.0),
    ], "id int, x int, y int, g string, d double")


def sel(df, *cols):
    return result(df.select("id", *cols).orderBy("id"))


def case_bitwise_operators(spark):
    df = nums(spark)
    return sel(df, F.col("x").bitwiseAND(F.col("y")), F.col("x").bitwiseOR(F.col("y")),
               F.col("x").bitwiseXOR(F.col("y")), F.bitwise_not("x"), F.col("x").bitwiseAND(F.lit(3).cast("long")),
               F.col("y").cast("tinyint").bitwiseOR(F.lit(4).cast("tinyint")))


def case_shifts(spark):
    df = nums(spark)
    return sel(df, F.shiftleft("x", 1), F.shiftright("x", 2), F.shiftrightunsigned("x", 2),
               F.shiftleft(F.col("x").cast("long"), 33), F.shiftright("x", F.col("y")),
               F.shiftleft(F.col("y").cast("smallint"), 14))


def case_bit_count_and_get(spark):
    df = nums(spark)
    return sel(df, F.bit_count("x"), F.bit_count(F.col("x").cast("long")), F.bit_count(F.col("x") > 0),
               F.bit_get("x", F.lit(0)), F.getbit("x", F.lit(31)), F.bit_get(F.col("y").cast("tinyint"), F.lit(1)))


def case_bit_get_out_of_range(spark):
    return error(lambda: nums(spark).select(F.bit_get("x", F.lit(32))).collect())


def case_typeof(spark):
    df = nums(spark)
    return sel(df, F.typeof("x"), F.typeof("d"), F.typeof(F.col("x") * 1.5), F.typeof(F.array("x", "y")),
               F.typeof(F.struct("x", "g")), F.typeof(F.lit(None)), F.typeof(F.create_map(F.lit("k"), "d")))


def case_greatest_least(spark):
    df = nums(spark)
    return sel(df, F.greatest("x", "y"), F.least("x", "y"), F.greatest("x", "y", "d"), F.least("x", "d"),
               F.greatest("g", F.lit("aa")), F.least(F.lit(None).cast("int"), "y"))


def case_concat_ws(spark):
    df = nums(spark)
    return sel(df, F.concat_ws("-", "g", "x", "d"), F.concat_ws("", "g", "g"), F.concat_ws(",", F.array("g", "g"), "g"),
               F.concat_ws("/"))


def case_bitwise_aggregates(spark):
    df = nums(spark)
    return result(df.groupBy("g").agg(F.bit_and("x"), F.bit_or("x"), F.bit_xor("x"), F.bit_or("y")).orderBy("g"))


def case_max_by_min_by(spark):
    df = nums(spark)
    return result(df.groupBy("g").agg(F.max_by("id", "d"), F.min_by("id", "d"), F.max_by("d", "id"),
                                      F.min_by("g", "x")).orderBy("g"))


def case_string_agg(spark):
    df = spark.createDataFrame([(1, "a", "x"), (1, "a", "y"), (2, "b", None), (3, None, "z")], "k int, g string, s string")
    agg = df.groupBy("k").agg(F.string_agg("s", ",").alias("sa"), F.listagg("s").alias("la"))
    # The concatenation order is not defined: compare the sorted parts.
    return result(agg.select("k", F.array_sort(F.split("sa", ",")).alias("sa"), F.length("la").alias("la"))
                  .orderBy("k"))
