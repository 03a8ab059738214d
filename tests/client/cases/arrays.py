"""Arrays: construction, element access (ANSI errors), the array function
library, and arrays through sort, group-by, show and collect. Rows are
ordered by an id column so results are deterministic."""

from pyspark.sql import functions as F

from caselib import collect, error, result, show


def arrs(spark):
    return spark.createDataFrame([
        (1, [1, 2, 3], ["a", "b"], [1.5, None]),
        (2, [3, None, 1, 3], ["c", None, "c"], []),
        (3, [], [], None),
        (4, None, None, [float("nan"), 0.0, -0.0, float("nan")]),
    ], "id int, a array<int>, s array<string>, d array<double>")


def sel(df, *cols):
    return result(df.select("id", *cols).orderBy("id"))


def case_array_constructor(spark):
    df = spark.range(2).select(F.array("id", F.lit(2)), F.array(F.lit(1), F.lit(2.5)),
                               F.array(F.lit("x"), F.lit(None)))
    return result(df)


def case_array_constructor_empty_and_null(spark):
    return result(spark.range(1).select(F.array(), F.array(F.lit(None)), F.array(F.array(F.lit(1)))))


def case_array_constructor_type_mismatch(spark):
    return error(lambda: spark.range(1).select(F.array(F.lit(1), F.lit(True))).collect())


def case_array_schema_nullability(spark):
    df = spark.range(1).select(F.array("id").alias("nn"), F.array("id", F.lit(None)).alias("wn"))
    return result(df)


def case_get_item(spark):
    return sel(arrs(spark).filter(F.col("id") != 3), F.col("a")[0], F.col("a").getItem(1), F.col("s")[0].alias("s0"))


def case_get_item_out_of_range(spark):
    return error(lambda: arrs(spark).select(F.col("a")[3]).collect())


def case_get_item_negative(spark):
    return error(lambda: arrs(spark).select(F.col("a")[-1]).collect())


def case_element_at(spark):
    return sel(arrs(spark).filter(F.col("id") <= 2), F.element_at("a", 1), F.element_at("a", -1), F.element_at("s", 2))


def case_element_at_out_of_range(spark):
    return error(lambda: arrs(spark).select(F.element_at("a", 4)).collect())


def case_element_at_zero(spark):
    return error(lambda: arrs(spark).select(F.element_at("a", 0)).collect())


def case_try_element_at(spark):
    return sel(arrs(spark), F.try_element_at("a", F.lit(4)), F.try_element_at("a", F.lit(-2)))


def case_get(spark):
    return sel(arrs(spark), F.get("a", 0), F.get("a", 3), F.get("a", -1))


def case_size(spark):
    return sel(arrs(spark), F.size("a"), F.cardinality("s"), F.size("d"))


def case_size_legacy(spark):
    spark.conf.set("spark.sql.ansi.enabled", "false")
    try:
        return sel(arrs(spark), F.size("a"))
    finally:
        spark.conf.unset("spark.sql.ansi.enabled")


def case_array_contains(spark):
    return sel(arrs(spark), F.array_contains("a", 3), F.array_contains("s", "c"), F.array_contains("d", 0.0))


def case_array_contains_nan(spark):
    return sel(arrs(spark), F.array_contains("d", float("nan")))


def case_array_position(spark):
    return sel(arrs(spark), F.array_position("a", 3), F.array_position("s", "z"))


def case_array_distinct(spark):
    return sel(arrs(spark), F.array_distinct("a"), F.array_distinct("s"), F.array_distinct("d"))


def case_array_union(spark):
    df = arrs(spark)
    return sel(df, F.array_union("a", F.array(F.lit(5), F.lit(1))), F.array_union("s", "s"))


def case_array_intersect(spark):
    return sel(arrs(spark), F.array_intersect("a", F.array(F.lit(3), F.lit(None), F.lit(1))))


def case_array_except(spark):
    return sel(arrs(spark), F.array_except("a", F.array(F.lit(3))), F.array_except("s", F.array(F.lit("a"))))


def case_array_join(spark):
    return sel(arrs(spark), F.array_join("s", ","), F.array_join("s", "-", "NULL"), F.array_join("a", "+"))


def case_array_max_min(spark):
    return sel(arrs(spark), F.array_max("a"), F.array_min("a"), F.array_max("s"), F.array_min("d"), F.array_max("d"))


def case_array_remove(spark):
    return sel(arrs(spark), F.array_remove("a", 3), F.array_remove("s", "c"))


def case_array_repeat(spark):
    return sel(arrs(spark), F.array_repeat("id", 2), F.array_repeat(F.lit("x"), F.col("id") - 2))


def case_arrays_overlap(spark):
    df = arrs(spark)
    return sel(df, F.arrays_overlap("a", F.array(F.lit(2), F.lit(7))), F.arrays_overlap("a", F.array(F.lit(9))))


def case_arrays_zip(spark):
    return sel(arrs(spark), F.arrays_zip("a", "s"))


def case_arrays_zip_schema(spark):
    return result(arrs(spark).select(F.arrays_zip("a", F.col("s").alias("t"), F.array(F.lit(1)))).limit(0))


def case_concat_arrays(spark):
    return sel(arrs(spark), F.concat("a", F.array(F.lit(9))), F.concat("s", "s", "s"))


def case_flatten(spark):
    df = spark.createDataFrame([(1, [[1, 2], [3]]), (2, [[], None]), (3, None), (4, [[None], []])],
                               "id int, n array<array<int>>")
    return sel(df, F.flatten("n"))


def case_reverse(spark):
    return sel(arrs(spark), F.reverse("a"), F.reverse("s"))


def case_sequence(spark):
    df = spark.createDataFrame([(1, 1, 5), (2, 5, 1), (3, 2, 2), (4, None, 3)], "id int, x int, y int")
    return sel(df, F.sequence("x", "y"), F.sequence(F.col("x").cast("long"), F.lit(10).cast("long"), F.lit(3).cast("long")))


def case_sequence_wrong_step(spark):
    return error(lambda: spark.range(1).select(F.sequence(F.lit(1), F.lit(5), F.lit(-1))).collect())


def case_slice(spark):
    return sel(arrs(spark), F.slice("a", 2, 2), F.slice("a", -2, 5), F.slice("s", 1, 0))


def case_slice_zero_start(spark):
    return error(lambda: arrs(spark).select(F.slice("a", 0, 1)).collect())


def case_sort_array(spark):
    return sel(arrs(spark), F.sort_array("a"), F.sort_array("a", asc=False), F.sort_array("d"), F.sort_array("s", False))


def case_array_sort(spark):
    return sel(arrs(spark), F.array_sort("a"), F.array_sort("s"), F.array_sort("d"))


def case_array_append_prepend(spark):
    return sel(arrs(spark), F.array_append("a", 7), F.array_prepend("a", 0), F.array_append("s", F.lit(None)))


def case_array_insert(spark):
    return sel(arrs(spark), F.array_insert("a", 2, F.lit(9)), F.array_insert("a", -1, F.lit(8)),
               F.array_insert("a", 6, F.lit(7)))


def case_array_insert_zero(spark):
    return error(lambda: arrs(spark).select(F.array_insert("a", 0, F.lit(9))).collect())


def case_array_compact(spark):
    return sel(arrs(spark), F.array_compact("a"), F.array_compact("s"))


def case_nested_arrays(spark):
    df = spark.createDataFrame([(1, [[3, 1], None, [2]]), (2, [])], "id int, n array<array<int>>")
    return sel(df, F.get("n", 0), F.size("n"), F.sort_array("n"), F.array_distinct(F.concat("n", "n")))


def case_array_of_structs(spark):
    df = spark.createDataFrame([(1, [(1, "x"), (2, "y")]), (2, None)], "id int, v array<struct<p:int,q:string>>")
    return sel(df, F.col("v")[1], F.col("v")["p"], F.col("v.q"))


def case_orderby_array(spark):
    df = arrs(spark)
    return result(df.select("id", "a").orderBy(F.col("a").desc_nulls_last(), "id"))


def case_groupby_array(spark):
    df = spark.createDataFrame([([1, 2], 1), ([1, 2], 2), ([], 3), (None, 4), ([1], 5)], "a array<int>, v int")
    return result(df.groupBy("a").agg(F.sum("v").alias("s")).orderBy("a"))


def case_distinct_arrays(spark):
    df = spark.createDataFrame([([1, 2],), ([1, 2],), ([2, 1],)], "a array<int>")
    return result(df.distinct().orderBy("a"))


def case_show_arrays(spark):
    return show(arrs(spark).orderBy("id"))


def case_collect_list_then_sort(spark):
    df = spark.createDataFrame([("a", 3), ("a", 1), ("b", 2), ("a", None)], "k string, v int")
    res = df.groupBy("k").agg(F.sort_array(F.collect_list("v")).alias("l"),
                              F.array_max(F.collect_set("v")).alias("m")).orderBy("k")
    return result(res)


def case_cast_array(spark):
    return sel(arrs(spark), F.col("a").cast("array<string>"), F.col("a").cast("array<long>"), F.col("s").cast("string"))


def case_array_equality(spark):
    df = arrs(spark)
    return sel(df, (F.col("a") == F.array(F.lit(1), F.lit(2), F.lit(3))).alias("eq"),
               F.col("a").eqNullSafe(F.array(F.lit(1), F.lit(2), F.lit(3))).alias("ns"))


def case_array_function_type_error(spark):
    return error(lambda: spark.range(1).select(F.array_distinct("id")).collect())


def case_split(spark):
    df = spark.createDataFrame([(1, "a,b,,c"), (2, ""), (3, None)], "id int, t string")
    return sel(df, F.split("t", ","), F.split("t", ",", 2))


def case_array_ordering_ops(spark):
    df = arrs(spark)
    one_three = F.array(F.lit(1), F.lit(3))
    return sel(df, F.col("a") < one_three, F.col("a") <= one_three, F.col("a") > one_three,
               F.col("a") >= one_three, F.col("a") != one_three)


def case_array_compare_widened(spark):
    df = arrs(spark)
    return sel(df, F.col("a") == F.array(F.lit(1).cast("long"), F.lit(2), F.lit(3)),
               F.col("a") == F.array(F.lit(1.5)), F.col("a") == F.array(F.lit(None)), F.col("a") == F.lit(None),
               F.col("d") == F.array(F.lit(float("nan")), F.lit(0.0), F.lit(0.0), F.lit(float("nan"))))


def case_array_compare_string_elems(spark):
    return error(lambda: arrs(spark).select(F.col("a") == F.array(F.lit("1"))).collect())


def case_array_compare_atomic(spark):
    return error(lambda: arrs(spark).select(F.col("a") == F.lit(1)).collect())


def case_array_isin(spark):
    df = arrs(spark)
    return sel(df, F.col("a").isin(F.array(F.lit(1), F.lit(2), F.lit(3)), F.array()))


def case_array_join_key(spark):
    a = spark.createDataFrame([(1, [1, 2]), (2, [3]), (3, None), (4, [None])], "x int, k array<int>")
    b = spark.createDataFrame([([1, 2], "p"), ([None], "q"), (None, "r"), ([3, 4], "s")], "k array<int>, y string")
    return {"using": result(a.join(b, "k").orderBy("x")),
            "cond": result(a.join(b, a.k == b.k, "left").select("x", "y").orderBy("x")),
            "nullsafe": result(a.join(b, a.k.eqNullSafe(b.k)).select("x", "y").orderBy("x"))}


def case_array_filter_compare(spark):
    df = arrs(spark)
    return result(df.filter(F.col("a") >= F.array(F.lit(1))).select("id").orderBy("id"))


def case_cast_nested_to_string(spark):
    df = spark.createDataFrame([
        (1, [1.5, None, float("nan")], [[1, None], None, []], [b"ab", None], {"k": [1, None]},
         ((1, None), [None, "x"]), ["2024-01-02"]),
        (2, [], None, [], {}, None, None),
    ], "id int, d array<double>, n array<array<int>>, b array<binary>, m map<string,array<int>>, "
       "s struct<p:struct<i:int,j:string>,a:array<string>>, dt array<string>")
    return sel(df, F.col("d").cast("string"), F.col("n").cast("string"), F.col("b").cast("string"),
               F.col("m").cast("string"), F.col("s").cast("string"),
               F.col("dt").cast("array<date>").cast("string"),
               F.col("dt").cast("array<timestamp>").cast("string"),
               F.concat(F.col("n").cast("string"), F.lit("!")))


def case_cast_names_inside_functions(spark):
    df = spark.createDataFrame([(1, "2"), (2, None)], "id int, t string")
    return result(df.select("id", F.hash(F.col("id").cast("int")), F.col("id").cast("long").cast("string"),
                            F.col("t").cast("int"), F.coalesce(F.col("t").cast("int"), F.lit(0)),
                            F.array(F.col("id").cast("long"))).orderBy("id"))


def case_cast_names_in_aggregates(spark):
    df = spark.createDataFrame([(1, "2"), (2, None), (1, "5")], "id int, t string")
    return result(df.groupBy(F.col("id").cast("string")).agg(F.sum(F.col("t").cast("int")),
                                                             F.max(F.col("t").cast("long"))).orderBy("id"))


def temporal(spark):
    import datetime as dt
    return spark.createDataFrame([
        (1, dt.date(2024, 1, 30), dt.date(2024, 2, 3), dt.datetime(2024, 1, 1, 0, 0), dt.datetime(2024, 1, 3, 3, 0)),
        (2, dt.date(2024, 2, 3), dt.date(2024, 1, 30), dt.datetime(2024, 1, 3, 3, 0), dt.datetime(2024, 1, 1, 0, 0)),
        (3, None, dt.date(2024, 1, 1), None, dt.datetime(2024, 1, 1)),
    ], "id int, d1 date, d2 date, t1 timestamp, t2 timestamp")


def case_sequence_dates(spark):
    import datetime as dt
    return sel(temporal(spark), F.sequence("d1", "d2"), F.sequence("t1", "t2"),
               F.sequence("d1", "d1", F.lit(dt.timedelta(days=2))))


def case_sequence_interval_steps(spark):
    import datetime as dt
    df = temporal(spark).where(F.col("id") == 1)
    return sel(df, F.sequence("t1", "t2", F.lit(dt.timedelta(hours=12))), F.sequence("d1", "d2", F.lit(dt.timedelta(days=2))),
               F.sequence("t2", "t1", F.lit(dt.timedelta(days=-1))), F.sequence("t1", "d1", F.lit(dt.timedelta(days=7, hours=30))))


def case_sequence_timestamp_in_zone(spark):
    import datetime as dt
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    try:
        df = spark.createDataFrame([(1, dt.datetime(2024, 3, 9, 12, 0), dt.datetime(2024, 3, 12, 13, 0))],
                                   "id int, a timestamp, b timestamp")
        return sel(df, F.sequence("a", "b"), F.sequence("a", "b", F.lit(dt.timedelta(days=1))))
    finally:
        spark.conf.unset("spark.sql.session.timeZone")


def case_sequence_date_step_not_days(spark):
    import datetime as dt
    return error(lambda: temporal(spark).select(F.sequence("d1", "d2", F.lit(dt.timedelta(hours=2)))).collect())


def case_sequence_timestamp_wrong_direction(spark):
    import datetime as dt
    return error(lambda: temporal(spark).select(F.sequence("t1", "t2", F.lit(dt.timedelta(hours=1)))).collect())


def case_shuffle_seeded(spark):
    df = spark.createDataFrame([(1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ["a", None, "c"]), (2, [1, 2, 3], None),
                                (3, None, []), (4, [], ["x", "y"])], "id int, a array<int>, s array<string>")
    return sel(df, F.shuffle("a", 42), F.shuffle("s", 7))


def case_shuffle_partitions(spark):
    df = spark.range(0, 12, 1, 3).select("id", F.shuffle(F.array(F.lit(1), F.lit(2), F.lit(3), F.lit(4), "id"), 11).alias("s"))
    return result(df.orderBy("id"))


def case_shuffle_many_batches(spark):
    # 30000 rows in two partitions: the generator runs on across batches.
    df = spark.range(0, 30000, 1, 2).select("id", F.shuffle(F.array("id", F.lit(-1), F.lit(-2), F.lit(-3)), 5).alias("s"))
    return result(df.agg(F.sum(F.hash("s")).alias("h"), F.count("*").alias("n")))


def case_shuffle_unseeded_schema(spark):
    df = spark.range(2).select(F.shuffle(F.array("id")))
    sizes = spark.range(2).select(F.size(F.shuffle(F.array("id", "id")))).collect()
    return {"columns": df.columns, "sizes": [r[0] for r in sizes]}
