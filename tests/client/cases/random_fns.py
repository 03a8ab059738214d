"""rand / random / randn: seeded columns give Spark's values for the same
partitioning (XORShiftRandom(seed + partition index) per partition),
unseeded ones draw a seed; the seed must be an INT or BIGINT constant."""

from pyspark.sql import functions as F

from caselib import collect, error


def case_rand_seeded(spark):
    df = spark.range(0, 20, 1, 3).select("id", F.rand(42), F.rand(-7).alias("neg"))
    return collect(df)


def case_randn_seeded(spark):
    df = spark.range(0, 25, 1, 2).select("id", F.randn(7), F.randn(0).alias("z"))
    return collect(df)


def case_rand_sql_forms(spark):
    df = spark.range(0, 8, 1, 2).selectExpr("id", "rand(3L)", "random(3)", "rand(NULL)", "rand(0)", "randn(CAST(5 AS INT))")
    return collect(df)


def case_rand_unseeded_bounds(spark):
    df = spark.range(0, 5000, 1, 4).select(F.rand().alias("r"), F.randn().alias("g"))
    row = df.agg(F.min("r") >= 0, F.max("r") < 1, F.count("*"), F.countDistinct("r") > 4900,
                 F.abs(F.avg("g")) < 0.2).collect()[0]
    return [bool(row[0]), bool(row[1]), row[2], bool(row[3]), bool(row[4])]


def case_rand_in_filter_and_arith(spark):
    df = spark.range(0, 30, 1, 2).filter(F.rand(11) < 0.5).select("id", (F.rand(5) * 10).cast("int").alias("k"))
    return collect(df)


def case_rand_error_column_seed(spark):
    return error(lambda: spark.range(3).selectExpr("rand(id)").collect())


def case_rand_error_string_seed(spark):
    return error(lambda: spark.range(3).selectExpr("rand('a')").collect())


def case_rand_error_two_args(spark):
    return error(lambda: spark.range(3).selectExpr("rand(1, 2)").collect())


def case_rand_right_of_and_draws_for_open_rows(spark):
    # Spark computes the right side of AND only where the left is not
    # false (OR: not true), so the generator advances for those rows only.
    df = spark.range(0, 40, 1, 2)
    a = df.where((F.col("id") % 3 != 0) & (F.rand(5) < 0.5)).select("id")
    o = df.where((F.col("id") % 4 == 0) | (F.rand(9) < 0.3)).select("id")
    return [collect(a), collect(o)]


def case_and_or_right_side_errors_only_for_open_rows(spark):
    # ANSI division by zero on rows the left side decides is never computed.
    df = spark.range(0, 10).selectExpr("id", "id - 5 AS z")
    out = []
    for cond in ["z <> 0 AND 10 / z > 1", "z = 0 OR 10 DIV z > 1", "z <> 0 AND (z = 1 OR 10 % z = 0)"]:
        out.append(collect(df.where(cond)))
    return out
