"""Structs: struct() and named_struct() with Spark's field names, field
access (getField, col("s.a"), df.s.a), withField / dropFields, nested
fields in filters, sorts, groupBy and joins, and their errors."""

from pyspark.sql import functions as F

from caselib import error, print_schema, result, show


def people(spark):
    return spark.createDataFrame([
        (1, ("ann", 30, ("x", 1.5))),
        (2, ("bob", None, None)),
        (3, None),
        (4, ("cid", 25, ("y", None))),
    ], "id int, p struct<name:string, age:int, inner:struct<tag:string, w:double>>")


def sel(df, *cols):
    return result(df.select("id", *cols).orderBy("id"))


def case_struct_constructor(spark):
    df = spark.createDataFrame([(1, "a"), (2, None)], "x int, y string")
    return result(df.select(F.struct("x", "y"), F.struct(F.col("x").alias("z"), F.lit(1), (F.col("x") + 1))))


def case_struct_schema(spark):
    df = spark.createDataFrame([(1, "a")], "x int, y string not null")
    return print_schema(df.select(F.struct("x", "y").alias("s"), F.struct(F.lit(None), "y")))


def case_named_struct(spark):
    df = spark.createDataFrame([(1, "a")], "x int, y string")
    return result(df.select(F.named_struct(F.lit("p"), "x", F.lit("q"), F.col("y"))))


def case_named_struct_odd(spark):
    return error(lambda: spark.range(1).select(F.named_struct(F.lit("p"))).collect())


def case_get_field(spark):
    df = people(spark)
    return sel(df, F.col("p").getField("name"), F.col("p")["age"], F.col("p.inner.tag"), df.p.inner.w)


def case_get_field_star(spark):
    return result(people(spark).select("p.*").orderBy("name"))


def case_get_field_missing(spark):
    return error(lambda: people(spark).select(F.col("p").getField("nope")).collect())


def case_get_field_missing_dotted(spark):
    return error(lambda: people(spark).select(F.col("p.nope")).collect())


def case_get_field_on_int(spark):
    return error(lambda: people(spark).select(F.col("id").getField("x")).collect())


def case_nested_filter(spark):
    df = people(spark)
    return result(df.filter(F.col("p.age") > 26).select("id", "p.name"))


def case_nested_sort(spark):
    df = people(spark)
    return result(df.orderBy(F.col("p.age").desc_nulls_last(), "id").select("id", "p.age"))


def case_sort_by_struct(spark):
    return result(people(spark).orderBy("p", "id").select("id"))


def case_group_by_struct_field(spark):
    df = people(spark)
    return result(df.groupBy(F.col("p.inner.tag")).count().orderBy("tag"))


def case_group_by_struct(spark):
    df = spark.createDataFrame([((1, "a"), 1), ((1, "a"), 2), ((2, "b"), 3)], "s struct<i:int,t:string>, v int")
    return result(df.groupBy("s").agg(F.sum("v")).orderBy("s"))


def case_with_field_add(spark):
    return sel(people(spark), F.col("p").withField("city", F.lit("rome")).alias("q"))


def case_with_field_replace(spark):
    return sel(people(spark), F.col("p").withField("age", F.col("id") * 10).alias("q"))


def case_with_field_nested(spark):
    return sel(people(spark), F.col("p").withField("inner.w", F.lit(0.0)).alias("q"))


def case_with_field_schema(spark):
    return print_schema(people(spark).select(F.col("p").withField("inner.z", F.lit(1)).alias("q")))


def case_drop_fields(spark):
    return sel(people(spark), F.col("p").dropFields("age").alias("q"), F.col("p").dropFields("inner.tag", "name").alias("r"))


def case_drop_fields_all(spark):
    return error(lambda: people(spark).select(F.col("p").dropFields("name", "age", "inner")).collect())


def case_with_field_not_struct(spark):
    return error(lambda: people(spark).select(F.col("id").withField("a", F.lit(1))).collect())


def case_with_field_unaliased_name(spark):
    return result(people(spark).select(F.col("p").withField("age", F.lit(1))).limit(0))


def case_show_structs(spark):
    return show(people(spark).orderBy("id"), truncate=False)


def case_struct_equality(spark):
    df = spark.createDataFrame([(1, (1, "a")), (2, (1, None)), (3, None)], "id int, s struct<i:int,t:string>")
    return sel(df, (F.col("s") == F.struct(F.lit(1).alias("i"), F.lit("a").alias("t"))).alias("eq"))


def case_join_on_struct(spark):
    a = spark.createDataFrame([((1, "a"), 1), ((2, "b"), 2)], "k struct<i:int,t:string>, x int")
    b = spark.createDataFrame([((1, "a"), 10), ((3, "c"), 30)], "k struct<i:int,t:string>, y int")
    return result(a.join(b, "k").orderBy("x"))


def case_struct_in_array_field(spark):
    df = spark.createDataFrame([(1, [(1, "a"), (2, None)])], "id int, v array<struct<i:int,t:string>>")
    return sel(df, F.col("v.t"), F.col("v")["i"])


def case_cast_struct(spark):
    df = spark.createDataFrame([(1, (1, "2"))], "id int, s struct<a:int,b:string>")
    return sel(df, F.col("s").cast("struct<x:bigint,y:int>"), F.col("s").cast("string"))


def case_struct_compare_ops(spark):
    df = spark.createDataFrame([(1, (1, "a")), (2, (1, None)), (3, None), (4, (0, "z"))],
                               "id int, s struct<i:int,t:string>")
    other = F.struct(F.lit(1).alias("q"), F.lit("a"))
    return sel(df, F.col("s") < other, F.col("s") >= other, F.col("s").eqNullSafe(other), F.col("s") == other)


def case_struct_compare_widened(spark):
    df = spark.createDataFrame([(1, (1, "x")), (2, (2, None))], "id int, s struct<i:int,t:string>")
    return sel(df, F.col("s") == F.struct(F.lit(1).cast("long").alias("I"), F.lit("x").alias("t")))


def case_struct_compare_names_and_types_differ(spark):
    df = spark.createDataFrame([(1, (1, "x"))], "id int, s struct<i:int,t:string>")
    return error(lambda: df.select(F.col("s") == F.named_struct(F.lit("q"), F.lit(1).cast("long"),
                                                                F.lit("t"), F.lit("x"))).collect())


def case_struct_join_condition_and_group(spark):
    a = spark.createDataFrame([((1, "a"), 1), ((2, "b"), 2), ((1, "a"), 3), (None, 4)], "k struct<i:int,t:string>, x int")
    b = spark.createDataFrame([((1, "a"), 10), ((3, "c"), 30), (None, 40)], "k struct<i:int,t:string>, y int")
    return {"join": result(a.join(b, a.k == b.k, "full").select("x", "y").orderBy("x", "y")),
            "group": result(a.groupBy("k").agg(F.sum("x")).orderBy("k")),
            "sort": result(a.orderBy(F.col("k").desc(), "x"))}


def case_struct_star_nested_and_mixed(spark):
    df = spark.createDataFrame([(1, ((1, "a"), 2.5)), (2, None)], "id int, s struct<p:struct<i:int,t:string>,d:double>")
    return {"top": result(df.select("id", "s.*").orderBy("id")),
            "nested": result(df.select("s.p.*", "id").orderBy("id")),
            "col": result(df.select(F.col("s.p.*")).orderBy("i"))}


def case_struct_star_not_struct(spark):
    df = spark.createDataFrame([(1, (1, "a"))], "id int, s struct<i:int,t:string>")
    return error(lambda: df.select("id.*").collect())
