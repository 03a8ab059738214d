"""Generators: explode, explode_outer, posexplode, posexplode_outer,
inline, inline_outer and stack in select and withColumn, with Spark's
column names (col, pos, key, value), aliases, and the errors Spark raises
for misplaced or multiple generators."""

from pyspark.sql import functions as F

from caselib import error, result


def data(spark):
    return spark.createDataFrame([
        (1, [1, 2], {"a": 1}),
        (2, [], {}),
        (3, None, None),
        (4, [None, 4], {"b": None, "c": 3}),
    ], "id int, a array<int>, m map<string,int>")


def case_explode_array(spark):
    return result(data(spark).select("id", F.explode("a")).orderBy("id", "col"))


def case_explode_array_order(spark):
    return result(data(spark).orderBy("id").select(F.explode("a")))


def case_explode_outer(spark):
    return result(data(spark).select("id", F.explode_outer("a")).orderBy("id", "col"))


def case_explode_map(spark):
    return result(data(spark).select("id", F.explode("m")).orderBy("id", "key"))


def case_explode_outer_map(spark):
    return result(data(spark).select(F.explode_outer("m"), "id").orderBy("id", "key"))


def case_posexplode(spark):
    return result(data(spark).select("id", F.posexplode("a")).orderBy("id", "pos"))


def case_posexplode_outer(spark):
    return result(data(spark).select("id", F.posexplode_outer("a")).orderBy("id", "pos"))


def case_posexplode_map(spark):
    return result(data(spark).select("id", F.posexplode("m")).orderBy("id", "pos"))


def case_explode_alias(spark):
    return result(data(spark).select("id", F.explode("a").alias("x")).orderBy("id", "x"))


def case_posexplode_alias(spark):
    return result(data(spark).select("id", F.posexplode("a").alias("p", "v")).orderBy("id", "p"))


def case_explode_map_alias(spark):
    return result(data(spark).select("id", F.explode("m").alias("k", "v")).orderBy("id", "k"))


def case_explode_alias_wrong_count(spark):
    return error(lambda: data(spark).select(F.explode("m").alias("k")).collect())


def case_explode_with_column(spark):
    return result(data(spark).withColumn("e", F.explode("a")).orderBy("id", "e"))


def case_explode_literal(spark):
    return result(spark.range(2).select("id", F.explode(F.array(F.lit("x"), F.lit("y")))).orderBy("id", "col"))


def case_explode_then_aggregate(spark):
    df = data(spark).select("id", F.explode("a").alias("x"))
    return result(df.groupBy("id").agg(F.sum("x"), F.count("x")).orderBy("id"))


def case_explode_then_filter(spark):
    return result(data(spark).select("id", F.explode("a")).filter(F.col("col") > 1).orderBy("id"))


def case_explode_nested(spark):
    df = spark.createDataFrame([(1, [[1, 2], [3]]), (2, [None])], "id int, n array<array<int>>")
    return result(df.select("id", F.explode("n")).orderBy("id", "col"))


def case_inline(spark):
    df = spark.createDataFrame([(1, [(1, "a"), (2, None)]), (2, []), (3, None)], "id int, v array<struct<p:int,q:string>>")
    return result(df.select("id", F.inline("v")).orderBy("id", "p"))


def case_inline_outer(spark):
    df = spark.createDataFrame([(1, [(1, "a"), None]), (2, []), (3, None)], "id int, v array<struct<p:int,q:string>>")
    return result(df.select("id", F.inline_outer("v")).orderBy("id", "p"))


def case_stack(spark):
    df = spark.createDataFrame([(1, 10, 20)], "id int, x int, y int")
    return result(df.select("id", F.stack(F.lit(2), "x", "y")).orderBy("col0"))


def case_two_generators(spark):
    return result(data(spark).select("id", F.explode("a").alias("x"), F.explode("a").alias("y")).orderBy("id", "x", "y"))


def case_generator_nested(spark):
    return error(lambda: data(spark).select(F.explode("a") + 1).collect())


def case_explode_not_array(spark):
    return error(lambda: data(spark).select(F.explode("id")).collect())


def case_explode_in_filter(spark):
    return error(lambda: data(spark).filter(F.explode("a") > 1).collect())


def case_explode_schema(spark):
    return result(data(spark).select(F.posexplode_outer("m")).limit(0))


def case_explode_large(spark):
    df = spark.range(0, 3000, 1, 3).select("id", F.array_repeat(F.col("id"), 3).alias("r"))
    out = df.select("id", F.explode("r"))
    return result(out.groupBy().agg(F.count("*"), F.sum("col"), F.max("id")))


def agg_gen_data(spark):
    return spark.createDataFrame([(1, [1, 2], "a"), (2, [3], "b"), (1, [4], "c")], "id int, a array<int>, s string")


def case_generator_in_agg(spark):
    df = agg_gen_data(spark).groupBy("id").agg(F.count("*"), F.explode(F.collect_list("s")), F.max("s"))
    return result(df.orderBy("id", "col"))


def case_generator_in_agg_aliased_and_global(spark):
    df = agg_gen_data(spark)
    return {"pos": result(df.groupBy("id").agg(F.posexplode(F.collect_list("s")).alias("p", "v")).orderBy("id", "p")),
            "global": result(df.agg(F.explode(F.collect_set("id")).alias("x")).orderBy("x")),
            "over_aggs": result(df.groupBy("id").agg(F.explode(F.array(F.max("s"), F.min("s"))).alias("m"))
                                .orderBy("id", "m"))}


def case_generator_in_agg_two(spark):
    return error(lambda: agg_gen_data(spark).groupBy("id").agg(F.explode(F.collect_list("s")),
                                                               F.explode(F.collect_list("s"))).collect())


def case_generator_in_agg_not_grouped(spark):
    return error(lambda: agg_gen_data(spark).groupBy("id").agg(F.explode("a")).collect())
