"""Window functions: every ranking, offset and value function, aggregates
over row and range frames (growing, shrinking, sliding), Spark's default
frames, partitions with NULL keys and ties, several window specifications
in one select, windows over aggregates, windows inside expressions, the
generated names, types and nullability, and the analysis errors.

Row order after a window is not defined without orderBy, so results are
sorted on the client (by their encoded text) unless the query sorts."""

from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql import Window as W

from caselib import collect, error, rows, schema_json


def sorted_result(df):
    rs = df.collect()
    body = sorted(rows(rs), key=lambda r: repr(r))
    return {"columns": list(df.columns), "rows": body, "schema": schema_json(df)}


def data(spark):
    schema = T.StructType([
        T.StructField("k", T.StringType(), True),
        T.StructField("v", T.IntegerType(), True),
        T.StructField("d", T.DoubleType(), True),
        T.StructField("s", T.StringType(), True),
    ])
    return spark.createDataFrame([
        ("a", 1, 1.5, "x"),
        ("a", 2, None, "y"),
        ("a", 2, 3.0, None),
        ("a", 5, 2.5, "z"),
        ("a", None, 0.5, "w"),
        ("b", 3, 2.0, "p"),
        ("b", 3, None, "q"),
        ("b", 7, -1.0, "r"),
        (None, 4, 4.0, "n"),
        (None, None, None, None),
        ("c", 10, 8.0, "c"),
    ], schema)


def w_kv():
    return W.partitionBy("k").orderBy("v")


def case_row_number(spark):
    return sorted_result(data(spark).select("k", "v", "s", F.row_number().over(W.partitionBy("k").orderBy("v", "s"))))


def case_rank_family(spark):
    return sorted_result(data(spark).select(
        "k", "v", F.rank().over(w_kv()), F.dense_rank().over(w_kv()), F.percent_rank().over(w_kv()),
        F.cume_dist().over(w_kv())))


def case_ntile(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select("k", "v", "s", F.ntile(2).over(w), F.ntile(3).over(w),
                                            F.ntile(100).over(w)))


def case_lag_lead(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select(
        "k", "v", "s", F.lag("v").over(w), F.lead("v").over(w), F.lag("d", 2).over(w), F.lead("s", 2, "none").over(w),
        F.lag("v", 1, 0).over(w), F.lag("v", -1).over(w), F.lead("d", 1, 9.5).over(w)))


def case_lag_default_cast(spark):
    w = W.orderBy("id")
    return sorted_result(spark.range(5).select("id", F.lag("id", 1, 0).over(w), F.lead("id", 2, -1).over(w)))


def case_nth_value(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select(
        "k", "v", "s", F.nth_value("d", 2).over(w), F.nth_value("d", 2, True).over(w),
        F.nth_value("s", 1).over(w.rowsBetween(W.unboundedPreceding, W.unboundedFollowing)),
        F.nth_value("d", 3, True).over(w.rowsBetween(-1, 3))))


def case_first_last(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select(
        "k", "v", "s", F.first("d").over(w), F.first("d", True).over(w), F.last("d").over(w),
        F.last("d", True).over(w), F.last("s", True).over(w.rowsBetween(W.unboundedPreceding, W.unboundedFollowing)),
        F.first("d", True).over(w.rowsBetween(-1, 1)).alias("f11"), F.last("d").over(w.rowsBetween(0, 2)).alias("l02")))


def case_default_frames(spark):
    return sorted_result(data(spark).select(
        "k", "v", F.sum("v").over(w_kv()), F.sum("v").over(W.partitionBy("k")), F.count("*").over(w_kv()),
        F.avg("d").over(W.orderBy("v")), F.max("s").over(W.partitionBy("k"))))


def case_rows_frames(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select(
        "k", "v", "s",
        F.sum("v").over(w.rowsBetween(-1, 1)).alias("s11"),
        F.sum("v").over(w.rowsBetween(W.unboundedPreceding, W.currentRow)).alias("run"),
        F.sum("v").over(w.rowsBetween(W.currentRow, W.unboundedFollowing)).alias("rest"),
        F.count("v").over(w.rowsBetween(-2, -1)).alias("c21"),
        F.sum("d").over(w.rowsBetween(1, 3)).alias("d13"),
        F.avg("v").over(w.rowsBetween(-3, W.unboundedFollowing)).alias("a3"),
        F.max("s").over(w.rowsBetween(-1, 0)).alias("m10"),
        F.min("d").over(w.rowsBetween(0, 1)).alias("mn01")))


def case_rows_frame_names(spark):
    w = W.partitionBy("k").orderBy("v")
    return data(spark).select(
        F.sum("v").over(w.rowsBetween(-1, 1)), F.sum("v").over(w.rowsBetween(W.unboundedPreceding, 2)),
        F.sum("v").over(w.rowsBetween(W.currentRow, W.unboundedFollowing)),
        F.count("v").over(w.rangeBetween(-2, W.currentRow))).columns


def case_range_frames(spark):
    w = W.partitionBy("k").orderBy("v")
    return sorted_result(data(spark).select(
        "k", "v",
        F.sum("v").over(w.rangeBetween(-1, 1)).alias("r11"),
        F.count("*").over(w.rangeBetween(W.unboundedPreceding, 0)).alias("c_up"),
        F.count("*").over(w.rangeBetween(0, W.unboundedFollowing)).alias("c_uf"),
        F.max("d").over(w.rangeBetween(1, W.unboundedFollowing)).alias("mx1"),
        F.sum("d").over(w.rangeBetween(-3, -1)).alias("d31"),
        F.collect_list("v").over(w.rangeBetween(-2, 0)).alias("cl")))


def case_range_desc(spark):
    w = W.partitionBy("k").orderBy(F.desc("v"))
    return sorted_result(data(spark).select(
        "k", "v", F.sum("v").over(w.rangeBetween(-1, 0)).alias("a"), F.count("*").over(w.rangeBetween(0, 2)).alias("b"),
        F.rank().over(w).alias("r")))


def case_range_double_key(spark):
    w = W.orderBy("d")
    return sorted_result(data(spark).select(
        "d", F.count("*").over(w.rangeBetween(-1, 1)).alias("c"), F.sum("v").over(w.rangeBetween(-2, 0)).alias("s")))


def case_range_nulls_last(spark):
    w = W.partitionBy("k").orderBy(F.col("v").asc_nulls_last())
    return sorted_result(data(spark).select(
        "k", "v", F.count("*").over(w.rangeBetween(-1, 1)).alias("c"), F.sum("v").over(w).alias("s"),
        F.count("*").over(w.rangeBetween(W.unboundedPreceding, 1)).alias("u")))


def case_aggregates_growing(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select(
        "k", "v", "s", F.sum("v").over(w), F.avg("v").over(w), F.min("s").over(w), F.max("d").over(w),
        F.count("d").over(w), F.collect_list("s").over(w), F.stddev("v").over(w), F.var_pop("v").over(w),
        F.bool_or(F.col("v") > 2).over(w).alias("bo")))


def case_aggregates_whole_partition(spark):
    w = W.partitionBy("k")
    return sorted_result(data(spark).select(
        "k", "v", F.sum("v").over(w), F.avg("d").over(w), F.min("v").over(w), F.max("s").over(w),
        F.count("*").over(w), F.stddev_samp("d").over(w), F.variance("v").over(w),
        F.count("s").over(w)))


def case_sum_types(spark):
    df = spark.createDataFrame([(1, 2, 3.0, 1), (1, 5, 1.5, 2), (2, 7, 0.25, 3)], "g int, i int, f double, b tinyint")
    df = df.withColumn("dec", F.col("f").cast("decimal(10,2)")).withColumn("l", F.col("i").cast("long"))
    w = W.partitionBy("g").orderBy("i")
    return sorted_result(df.select(
        "g", "i", F.sum("i").over(w), F.sum("b").over(w), F.sum("dec").over(w), F.avg("dec").over(w),
        F.sum("f").over(w.rowsBetween(-1, 0)), F.sum("l").over(w.rowsBetween(0, 1)), F.count("i").over(w)))


def case_null_partition_keys(spark):
    df = spark.createDataFrame([(None, 1), (None, 2), ("x", 3), (None, 3), ("x", None)], "k string, v int")
    w = W.partitionBy("k").orderBy("v")
    return sorted_result(df.select("k", "v", F.row_number().over(w), F.sum("v").over(W.partitionBy("k")),
                                   F.rank().over(w)))


def case_ties(spark):
    df = spark.createDataFrame([(1, 5), (1, 5), (1, 5), (1, 6), (1, 4), (2, 1), (2, 1)], "g int, v int")
    w = W.partitionBy("g").orderBy("v")
    return sorted_result(df.select("g", "v", F.rank().over(w), F.dense_rank().over(w), F.cume_dist().over(w),
                                   F.percent_rank().over(w), F.sum("v").over(w), F.count("*").over(w)))


def case_multi_key_partition(spark):
    df = spark.createDataFrame([(1, "a", 1), (1, "a", 2), (1, "b", 3), (2, "a", 4), (2, "a", 5)], "x int, y string, v int")
    w = W.partitionBy("x", "y").orderBy(F.desc("v"))
    return sorted_result(df.select("x", "y", "v", F.row_number().over(w), F.sum("v").over(W.partitionBy("x", "y"))))


def case_no_partition(spark):
    return data(spark).select("v", "s", F.row_number().over(W.orderBy("v", "s")).alias("rn"),
                              F.sum("v").over(W.orderBy("v", "s")).alias("run")).orderBy("rn").collect()


def case_several_specs(spark):
    df = data(spark)
    return sorted_result(df.select(
        "k", "v", "s", F.row_number().over(W.partitionBy("k").orderBy("v", "s")).alias("a"),
        F.row_number().over(W.partitionBy("s").orderBy("v")).alias("b"),
        F.sum("v").over(W.orderBy("s")).alias("c"), F.count("*").over(W.partitionBy("k")).alias("d"),
        F.rank().over(W.partitionBy("k").orderBy("v", "s")).alias("e")))


def case_window_in_expression(spark):
    w = W.partitionBy("k")
    return sorted_result(data(spark).select(
        "k", "v", (F.col("v") / F.sum("v").over(w)), (F.sum("v").over(w_kv()) + 1).alias("x"),
        (F.row_number().over(W.partitionBy("k").orderBy("v", "s")) * 10 - F.count("*").over(w)).alias("y")))


def case_with_column(spark):
    df = data(spark).withColumn("rn", F.row_number().over(W.partitionBy("k").orderBy("v", "s")))
    df = df.withColumn("v", F.sum("v").over(W.partitionBy("k")))
    return sorted_result(df)


def case_window_then_filter(spark):
    df = data(spark).withColumn("rn", F.row_number().over(W.partitionBy("k").orderBy(F.desc("v"), "s")))
    return sorted_result(df.where(F.col("rn") == 1).select("k", "v", "s"))


def case_window_over_aggregate(spark):
    agg = data(spark).groupBy("k").agg(F.sum("v").alias("t"), F.count("*").alias("n"))
    return sorted_result(agg.select("k", "t", "n", F.rank().over(W.orderBy(F.desc("t"))).alias("r"),
                                    F.sum("t").over(W.orderBy("k")).alias("run")))


def case_orderby_after_window(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return collect(data(spark).select("k", "v", "s", F.row_number().over(w).alias("rn"))
                   .orderBy(F.col("k").asc_nulls_first(), "rn"))


def case_types_and_nullability(spark):
    df = spark.range(4)
    w = W.orderBy("id")
    return schema_json(df.select(
        F.row_number().over(w), F.rank().over(w), F.dense_rank().over(w), F.percent_rank().over(w),
        F.cume_dist().over(w), F.ntile(2).over(w), F.lag("id").over(w), F.lag("id", 1, 0).over(w),
        F.lead("id").over(w), F.nth_value("id", 1).over(w), F.sum("id").over(w), F.count("id").over(w),
        F.min("id").over(w), F.avg("id").over(w), F.first("id").over(w), F.collect_list("id").over(w)))


def case_same_window_twice(spark):
    w = W.partitionBy("k").orderBy("v", "s")
    return sorted_result(data(spark).select("k", F.row_number().over(w).alias("a"), F.row_number().over(w).alias("b")))


def case_empty_input(spark):
    df = data(spark).where(F.col("v") > 100)
    return sorted_result(df.select("k", F.row_number().over(w_kv()), F.sum("v").over(W.partitionBy("k"))))


def case_large_generated(spark):
    """200k rows over many partitions: a digest of every window column."""
    df = spark.range(0, 200000, 1, 4).select(
        (F.col("id") % 997).alias("k"), ((F.col("id") * 7919) % 10007).alias("v"), F.col("id"))
    w = W.partitionBy("k").orderBy("v", "id")
    out = df.select(
        "k", "v", F.row_number().over(w).alias("rn"), F.rank().over(W.partitionBy("k").orderBy("v")).alias("rk"),
        F.sum("v").over(w).alias("run"), F.sum("v").over(w.rowsBetween(-5, 5)).alias("slide"),
        F.lag("v", 3, -1).over(w).alias("lg"), F.max("v").over(w.rowsBetween(-2, 0)).alias("mx"),
        F.count("*").over(W.partitionBy("k").orderBy("v").rangeBetween(-100, 100)).alias("rc"))
    agg = out.agg(F.sum("rn"), F.sum("rk"), F.sum("run"), F.sum("slide"), F.sum("lg"), F.sum("mx"), F.sum("rc"),
                  F.count("*"))
    return collect(agg)


def case_large_no_partition(spark):
    df = spark.range(0, 50000, 1, 3).select(((F.col("id") * 31) % 1009).alias("v"))
    w = W.orderBy("v")
    out = df.select(F.row_number().over(w).alias("rn"), F.sum("v").over(w).alias("run"),
                    F.dense_rank().over(w).alias("dr"), F.ntile(7).over(w).alias("nt"))
    return collect(out.agg(F.sum("rn"), F.sum("run"), F.max("dr"), F.sum("nt")))


# ---- errors ----

def case_error_rank_without_order(spark):
    return error(lambda: data(spark).select(F.rank().over(W.partitionBy("k"))).collect())


def case_error_row_number_without_order(spark):
    return error(lambda: data(spark).select(F.row_number().over(W.partitionBy("k"))).collect())


def case_error_lag_without_order(spark):
    return error(lambda: data(spark).select(F.lag("v").over(W.partitionBy("k"))).collect())


def case_error_ranking_frame_mismatch(spark):
    return error(lambda: data(spark).select(F.row_number().over(w_kv().rowsBetween(-1, 1))).collect())


def case_error_rank_range_frame(spark):
    return error(lambda: data(spark).select(
        F.rank().over(w_kv().rangeBetween(W.unboundedPreceding, W.currentRow))).collect())


def case_error_lag_with_frame(spark):
    return error(lambda: data(spark).select(F.lag("v").over(w_kv().rowsBetween(-1, 1))).collect())


def case_error_scalar_over(spark):
    return error(lambda: data(spark).select(F.upper("k").over(w_kv())).collect())


def case_error_ntile_zero(spark):
    return error(lambda: data(spark).select(F.ntile(0).over(w_kv())).collect())


def case_error_distinct(spark):
    return error(lambda: data(spark).select(F.count_distinct("v").over(w_kv())).collect())


def case_error_inverted_frame(spark):
    return error(lambda: data(spark).select(F.sum("v").over(w_kv().rowsBetween(1, -1))).collect())


def case_error_range_without_order(spark):
    return error(lambda: data(spark).select(F.sum("v").over(W.partitionBy("k").rangeBetween(-1, 1))).collect())


def case_error_window_function_without_over(spark):
    return error(lambda: data(spark).select(F.row_number()).collect())


def case_error_unresolved_in_window(spark):
    return error(lambda: data(spark).select(F.sum("zz").over(w_kv())).collect())


def case_error_unresolved_partition(spark):
    return error(lambda: data(spark).select(F.sum("v").over(W.partitionBy("zz"))).collect())


def case_sliding_min_max(spark):
    rows = [(i % 3, i, float("nan") if i % 7 == 0 else (None if i % 5 == 0 else float((i * 37) % 11 - 5)),
             None if i % 4 == 0 else chr(97 + (i * 13) % 26)) for i in range(60)]
    df = spark.createDataFrame(rows, "g int, o int, d double, s string")
    from caselib import result
    w = W.partitionBy("g").orderBy("o")
    wd = W.partitionBy("g").orderBy(F.col("o").desc())
    return result(df.select("g", "o",
                            F.min("d").over(w.rowsBetween(-2, 1)), F.max("d").over(w.rowsBetween(-3, -1)),
                            F.max("s").over(w.rowsBetween(0, 4)), F.min("s").over(wd.rowsBetween(-1, 2)),
                            F.max("d").over(w.rangeBetween(-6, 3)), F.min("o").over(wd.rangeBetween(-4, 0)),
                            F.max("s").over(w.rowsBetween(2, 5)))
                  .orderBy("g", "o"))


def agg_data(spark):
    return spark.createDataFrame([("a", 1, 10), ("a", 2, 20), ("b", 3, 30), ("c", 4, None), ("c", 5, 7)],
                                 "k string, x int, v int")


def case_window_in_agg_rank(spark):
    from caselib import result
    df = agg_data(spark).groupBy("k").agg(F.sum("v").alias("s"), F.rank().over(W.orderBy("k")).alias("r"))
    return result(df.orderBy("k"))


def case_window_in_agg_over_aggregates(spark):
    from caselib import result
    df = agg_data(spark).groupBy("k").agg(F.sum("v"), F.sum(F.sum("v")).over(W.orderBy("k")),
                                          F.rank().over(W.orderBy(F.sum("v").desc())),
                                          (F.sum("v") / F.sum(F.sum("v")).over(W.partitionBy())).alias("share"),
                                          F.lag("k").over(W.orderBy(F.max("x"))), F.count("*"))
    return result(df.orderBy("k"))


def case_window_in_global_agg(spark):
    from caselib import result
    return result(agg_data(spark).agg(F.sum("v"), F.max(F.sum("v")).over(W.partitionBy())))


def case_window_in_agg_partitioned(spark):
    from caselib import result
    df = agg_data(spark).withColumn("g", F.col("x") % 2).groupBy("g", "k").agg(
        F.count("*").alias("n"), F.dense_rank().over(W.partitionBy("g").orderBy(F.count("*").desc(), "k")).alias("dr"))
    return result(df.orderBy("g", "k"))


def case_window_in_agg_missing_aggregation(spark):
    return error(lambda: agg_data(spark).groupBy("k").agg(F.row_number().over(W.orderBy("x"))).collect())
