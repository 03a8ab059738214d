"""Maps: construction (create_map, map_from_arrays, map_from_entries,
str_to_map), lookups (getItem, element_at, try_element_at), the map
function library, duplicate/null key errors, and maps through collect and
show."""

from pyspark.sql import functions as F

from caselib import error, result, show


def maps(spark):
    return spark.createDataFrame([
        (1, {"a": 1, "b": 2}),
        (2, {"c": None}),
        (3, {}),
        (4, None),
    ], "id int, m map<string,int>")


def sel(df, *cols):
    return result(df.select("id", *cols).orderBy("id"))


def case_create_map(spark):
    df = spark.range(2).select(F.create_map(F.lit("k"), "id"), F.create_map(F.lit(1), F.lit("x"), F.lit(2), F.lit(None)))
    return result(df)


def case_create_map_empty(spark):
    return result(spark.range(1).select(F.create_map()))


def case_create_map_odd_args(spark):
    return error(lambda: spark.range(1).select(F.create_map(F.lit(1))).collect())


def case_create_map_duplicate_key(spark):
    return error(lambda: spark.range(1).select(F.create_map(F.lit(1), F.lit(2), F.lit(1), F.lit(3))).collect())


def case_create_map_last_wins(spark):
    spark.conf.set("spark.sql.mapKeyDedupPolicy", "LAST_WIN")
    try:
        return result(spark.range(1).select(F.create_map(F.lit(1), F.lit(2), F.lit(1), F.lit(3))))
    finally:
        spark.conf.unset("spark.sql.mapKeyDedupPolicy")


def case_create_map_null_key(spark):
    return error(lambda: spark.range(1).select(F.create_map(F.lit(None).cast("int"), F.lit(2))).collect())


def case_map_get_item(spark):
    return sel(maps(spark), F.col("m")["a"], F.col("m").getItem("c"), F.col("m")["zz"])


def case_map_element_at(spark):
    return sel(maps(spark), F.element_at("m", F.lit("b")), F.try_element_at("m", F.lit("zz")))


def case_map_element_at_missing_key(spark):
    return sel(maps(spark), F.element_at("m", F.lit("zz")))


def case_map_keys_values_entries(spark):
    return sel(maps(spark), F.map_keys("m"), F.map_values("m"), F.map_entries("m"))


def case_map_size(spark):
    return sel(maps(spark), F.size("m"))


def case_map_contains_key(spark):
    return sel(maps(spark), F.map_contains_key("m", "a"), F.map_contains_key("m", "c"))


def case_map_from_arrays(spark):
    df = spark.createDataFrame([(1, [1, 2], ["x", "y"]), (2, [], []), (3, None, ["z"])], "id int, k array<int>, v array<string>")
    return sel(df, F.map_from_arrays("k", "v"))


def case_map_from_arrays_length_mismatch(spark):
    return error(lambda: spark.range(1).select(F.map_from_arrays(F.array(F.lit(1)), F.array())).collect())


def case_map_from_entries(spark):
    df = spark.createDataFrame([(1, [(1, "a"), (2, None)]), (2, []), (3, None)], "id int, e array<struct<k:int,v:string>>")
    return sel(df, F.map_from_entries("e"))


def case_map_concat(spark):
    df = maps(spark)
    return sel(df, F.map_concat("m", F.create_map(F.lit("z"), F.lit(9))))


def case_map_concat_duplicate(spark):
    return error(lambda: maps(spark).select(F.map_concat("m", "m")).collect())


def case_str_to_map(spark):
    df = spark.createDataFrame([(1, "a:1,b:2"), (2, "x"), (3, None)], "id int, t string")
    return sel(df, F.str_to_map("t"), F.str_to_map("t", F.lit(";"), F.lit("=")))


def case_show_maps(spark):
    return show(maps(spark).orderBy("id"))


def case_map_schema(spark):
    return result(maps(spark).select(F.create_map(F.lit("k"), F.col("id")), F.map_keys("m")).limit(0))


def case_map_of_arrays(spark):
    df = spark.createDataFrame([(1, {"a": [1, 2]}), (2, {"b": None})], "id int, m map<string,array<int>>")
    return sel(df, F.col("m")["a"], F.col("m")["a"][1], F.map_values("m"))


def case_map_cast(spark):
    return sel(maps(spark), F.col("m").cast("map<string,bigint>"), F.col("m").cast("string"))


def case_map_orderby_error(spark):
    return error(lambda: maps(spark).orderBy("m").collect())


def case_map_equality_refused(spark):
    df = spark.createDataFrame([(1, {"a": 1})], "id int, m map<string,int>")
    return error(lambda: df.select(F.col("m") == F.create_map(F.lit("a"), F.lit(1))).collect())


def case_last_win_other_builders(spark):
    spark.conf.set("spark.sql.mapKeyDedupPolicy", "LAST_WIN")
    try:
        df = spark.createDataFrame([(1, ["a", "b", "a"], [1, 2, 3], "x:1,y:2,x:3")], "id int, k array<string>, v array<int>, t string")
        return sel(df, F.map_from_arrays("k", "v"), F.map_concat(F.create_map(F.lit("a"), F.lit(0)), F.map_from_arrays("k", "v")),
                   F.str_to_map("t"), F.map_from_entries(F.arrays_zip("k", "v")))
    finally:
        spark.conf.unset("spark.sql.mapKeyDedupPolicy")


def case_map_group_by_allowed_distinct_refused(spark):
    df = spark.createDataFrame([(1, {"a": 1}), (2, {"a": 1}), (3, {"b": 2})], "id int, m map<string,int>")
    return {"group": result(df.groupBy("m").agg(F.sum("id").alias("s")).orderBy("s")),
            "distinct": error(lambda: df.distinct().collect()),
            "drop_dup": error(lambda: df.dropDuplicates(["m"]).collect())}
