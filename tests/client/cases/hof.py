"""Higher-order functions with lambdas: transform, filter, exists, forall,
aggregate/reduce, zip_with, array_sort with a comparator, map_filter,
map_zip_with, transform_keys, transform_values; null handling, lambdas
over outer columns, nested lambdas, generated names and errors.

PySpark names lambda variables from a process-wide counter (x_0, x_1...),
so the fixtures reset the counter first."""

from pyspark.sql import functions as F

from caselib import error, result


def reset_names():
    from pyspark.sql.connect.expressions import UnresolvedNamedLambdaVariable
    UnresolvedNamedLambdaVariable._nextVarNameId = 0


def arrs(spark):
    reset_names()
    return spark.createDataFrame([
        (1, [1, 2, 3], 10),
        (2, [4, None], 20),
        (3, [], 30),
        (4, None, None),
    ], "id int, a array<int>, k int")


def maps(spark):
    reset_names()
    return spark.createDataFrame([
        (1, {"a": 1, "b": 2}),
        (2, {"c": None}),
        (3, None),
    ], "id int, m map<string,int>")


def sel(df, **cols):
    return result(df.select("id", *[c.alias(n) for n, c in cols.items()]).orderBy("id"))


def case_transform(spark):
    return sel(arrs(spark), t=F.transform("a", lambda x: x * 2), u=F.transform("a", lambda x: F.concat(x.cast("string"), F.lit("!"))))


def case_transform_index(spark):
    return sel(arrs(spark), t=F.transform("a", lambda x, i: x + i))


def case_transform_outer_column(spark):
    return sel(arrs(spark), t=F.transform("a", lambda x: x + F.col("k")))


def case_transform_nested(spark):
    df = spark.createDataFrame([(1, [[1, 2], [3]]), (2, [None, []])], "id int, n array<array<int>>")
    return sel(df, t=F.transform("n", lambda x: F.transform(x, lambda y: y + F.size(x))))


def case_filter(spark):
    return sel(arrs(spark), f=F.filter("a", lambda x: x > 1), g=F.filter("a", lambda x: x.isNull()))


def case_filter_index(spark):
    return sel(arrs(spark), f=F.filter("a", lambda x, i: i % 2 == 0))


def case_exists_forall(spark):
    return sel(arrs(spark), e=F.exists("a", lambda x: x > 3), f=F.forall("a", lambda x: x > 0),
               g=F.exists("a", lambda x: x.isNull()))


def case_exists_null_semantics(spark):
    df = spark.createDataFrame([(1, [1, None]), (2, [5, None]), (3, [None])], "id int, a array<int>")
    return sel(df, e=F.exists("a", lambda x: x > 3), f=F.forall("a", lambda x: x > 3), g=F.forall("a", lambda x: x < 9))


def case_aggregate(spark):
    return sel(arrs(spark), s=F.aggregate("a", F.lit(0), lambda acc, x: acc + x),
               t=F.aggregate("a", F.lit(0).cast("long"), lambda acc, x: acc + F.coalesce(x, F.lit(0)), lambda acc: acc * 10))


def case_reduce(spark):
    return sel(arrs(spark), s=F.reduce("a", F.lit(1).cast("long"), lambda acc, x: acc * x))


def case_aggregate_type_error(spark):
    return error(lambda: arrs(spark).select(F.aggregate("a", F.lit(0), lambda acc, x: F.lit("s"))).collect())


def case_zip_with(spark):
    df = spark.createDataFrame([(1, [1, 2, 3], ["a", "b"]), (2, [], ["x"]), (3, None, ["y"])], "id int, a array<int>, s array<string>")
    return sel(df, z=F.zip_with("a", "s", lambda x, y: F.concat(x.cast("string"), y)))


def case_array_sort_comparator(spark):
    df = arrs(spark)
    return sel(df, d=F.array_sort("a", lambda l, r: F.when(l.isNull() | r.isNull(), F.lit(0)).otherwise(r - l)))


def case_map_filter(spark):
    return sel(maps(spark), f=F.map_filter("m", lambda k, v: (k != "a") & v.isNotNull()))


def case_transform_keys_values(spark):
    return sel(maps(spark), k=F.transform_keys("m", lambda k, v: F.upper(k)), v=F.transform_values("m", lambda k, v: v * 100))


def case_transform_keys_null(spark):
    return error(lambda: maps(spark).select(F.transform_keys("m", lambda k, v: v)).collect())


def case_map_zip_with(spark):
    df = spark.createDataFrame([(1, {"a": 1, "b": 2}, {"b": 3, "c": 4}), (2, None, {"x": 1})],
                               "id int, m1 map<string,int>, m2 map<string,int>")
    return sel(df, z=F.map_zip_with("m1", "m2", lambda k, v1, v2: F.coalesce(v1, F.lit(0)) + F.coalesce(v2, F.lit(0))))


def case_hof_names(spark):
    df = arrs(spark).select(F.transform("a", lambda x: x + 1), F.filter("a", lambda x, i: i > 0),
                            F.aggregate("a", F.lit(0), lambda acc, x: acc + x))
    return result(df.limit(0))


def case_hof_not_array(spark):
    return error(lambda: arrs(spark).select(F.transform("id", lambda x: x)).collect())


def case_filter_not_boolean(spark):
    return error(lambda: arrs(spark).select(F.filter("a", lambda x: x + 1)).collect())


def case_collect_list_transform(spark):
    df = spark.createDataFrame([("a", 1), ("a", 2), ("b", 5)], "g string, v int")
    agg = df.groupBy("g").agg(F.collect_list("v").alias("l")).orderBy("g")
    return result(agg.select("g", F.transform(F.sort_array("l"), lambda x: x * x).alias("sq")))
