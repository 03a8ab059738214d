"""Grouping and aggregation: groupBy/agg, global aggregates, df.count(),
every aggregate function's result names, types, nullability and values
(including empty input, nulls, n=1 statistics, overflow), distinct and
dropDuplicates, and the analysis errors Spark raises for them.

Group order is not defined by Spark, so grouped results are sorted here on
the client (rows compared by their encoded text)."""

import datetime
import decimal

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import collect, error, schema_json, rows


def sorted_result(df):
    rs = df.collect()
    cols = list(df.columns)
    body = sorted(rows(rs), key=lambda r: repr(r))
    return {"columns": cols, "rows": body, "schema": schema_json(df)}


def kv(spark):
    schema = T.StructType([
        T.StructField("k", T.StringType(), True),
        T.StructField("v", T.LongType(), True),
        T.StructField("d", T.DoubleType(), True),
        T.StructField("b", T.BooleanType(), True),
    ])
    data = [
        ("a", 1, 1.5, True),
        ("b", 2, 2.5, False),
        ("a", 3, None, True),
        (None, 4, 4.0, None),
        ("b", None, -1.0, True),
        (None, 6, 0.5, False),
        ("c", None, None, None),
        ("a", 8, 8.0, True),
    ]
    return spark.createDataFrame(data, schema)


def typed(spark):
    schema = T.StructType([
        T.StructField("by", T.ByteType(), True),
        T.StructField("sh", T.ShortType(), True),
        T.StructField("i", T.IntegerType(), True),
        T.StructField("l", T.LongType(), True),
        T.StructField("f", T.FloatType(), True),
        T.StructField("db", T.DoubleType(), True),
        T.StructField("dec", T.DecimalType(10, 2), True),
        T.StructField("dec38", T.DecimalType(38, 4), True),
        T.StructField("s", T.StringType(), True),
        T.StructField("bo", T.BooleanType(), True),
        T.StructField("dt", T.DateType(), True),
        T.StructField("ts", T.TimestampType(), True),
    ])
    data = [
        (1, 10, 100, 1000, 1.5, 2.25, decimal.Decimal("1.10"), decimal.Decimal("12345.6789"), "pear", True,
         datetime.date(2020, 1, 2), datetime.datetime(2020, 1, 2, 3, 4, 5)),
        (-7, -70, -700, -7000, -0.5, 1e10, decimal.Decimal("-3.35"), decimal.Decimal("0.0001"), "apple", False,
         datetime.date(1999, 12, 31), datetime.datetime(1999, 12, 31, 23, 59, 59)),
        (None, None, None, None, None, None, None, None, None, None, None, None),
        (3, 30, 300, 3000, 2.0, -4.5, decimal.Decimal("99.99"), decimal.Decimal("-1.5"), "zebra", True,
         datetime.date(2021, 6, 1), datetime.datetime(2021, 6, 1, 0, 0, 0)),
    ]
    return spark.createDataFrame(data, schema)


TYPED_COLS = ["by", "sh", "i", "l", "f", "db", "dec", "dec38", "s", "bo", "dt", "ts"]
NUMERIC_COLS = ["by", "sh", "i", "l", "f", "db", "dec", "dec38"]


# ---- df.count() and global aggregates ----

def case_df_count(spark):
    return spark.range(10).count()


def case_df_count_empty(spark):
    return spark.range(0).count()


def case_global_count_1(spark):
    df = spark.range(10).groupBy().agg(F.count(F.lit(1)))
    return sorted_result(df)


def case_global_count_star(spark):
    return sorted_result(spark.range(7).agg(F.count("*")))


def case_grouped_count(spark):
    return sorted_result(spark.range(5).groupBy().count())


def case_global_basic(spark):
    df = spark.range(100).agg(F.count("id"), F.sum("id"), F.avg("id"), F.min("id"), F.max("id"), F.mean("id"))
    return sorted_result(df)


def case_global_empty(spark):
    df = spark.range(0).agg(F.count("id"), F.count(F.lit(1)), F.sum("id"), F.avg("id"), F.min("id"),
                            F.max("id"), F.first("id"), F.last("id"), F.stddev("id"), F.variance("id"),
                            F.collect_list("id"), F.collect_set("id"), F.count_if(F.lit(True)),
                            F.bool_and(F.lit(True)), F.bool_or(F.lit(True)),
                            F.approx_count_distinct("id"), F.countDistinct("id"), F.any_value("id"))
    return sorted_result(df)


def case_grouped_empty(spark):
    df = kv(spark).limit(0).groupBy("k").agg(F.sum("v"))
    return sorted_result(df)


def case_global_alias(spark):
    return sorted_result(spark.range(4).agg(F.sum("id").alias("total"), F.max("id").alias("top")))


def case_agg_dict(spark):
    return sorted_result(spark.range(4).agg({"id": "sum"}))


def case_agg_dict_count(spark):
    return sorted_result(spark.range(4).agg({"id": "count"}))


# ---- groupBy ----

def case_group_string_keys(spark):
    df = kv(spark).groupBy("k").agg(F.count("*"), F.count("v"), F.sum("v"), F.avg("d"), F.min("v"), F.max("d"))
    return sorted_result(df)


def case_group_two_keys(spark):
    return sorted_result(kv(spark).groupBy("k", "b").agg(F.sum("v")))


def case_group_count_method(spark):
    return sorted_result(kv(spark).groupBy("k").count())


def case_group_sum_method(spark):
    return sorted_result(kv(spark).groupBy("k").sum("v", "d"))


def case_group_avg_method(spark):
    return sorted_result(kv(spark).groupBy("k").avg("v"))


def case_group_min_max_methods(spark):
    return sorted_result(kv(spark).groupBy("k").min("v"))


def case_group_max_method(spark):
    return sorted_result(kv(spark).groupBy("k").max("d"))


def case_group_mean_all_numeric(spark):
    return sorted_result(kv(spark).groupBy("k").mean())


def case_group_key_in_aggs(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.col("k"), F.sum("v")))


def case_group_key_only(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.col("k")))


def case_group_agg_plus_one(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.sum("v") + 1, F.col("k")))


def case_group_by_bool(spark):
    return sorted_result(kv(spark).groupBy("b").agg(F.count("*")))


def case_group_by_double(spark):
    schema = "d double, v int"
    data = [(0.0, 1), (-0.0, 2), (float("nan"), 3), (float("nan"), 4), (None, 5), (1.5, 6)]
    return sorted_result(spark.createDataFrame(data, schema).groupBy("d").agg(F.sum("v")))


def case_group_by_decimal(spark):
    return sorted_result(typed(spark).groupBy("dec").agg(F.count("*")))


def case_group_by_date(spark):
    return sorted_result(typed(spark).groupBy("dt").agg(F.count("*")))


def case_group_by_column_object(spark):
    df = kv(spark)
    return sorted_result(df.groupBy(df["k"]).agg(F.max("v")))


def case_group_by_case_insensitive(spark):
    return sorted_result(kv(spark).groupBy("K").agg(F.sum("V")))


def case_group_many_partitions(spark):
    return sorted_result(spark.range(0, 1000, 1, 7).groupBy().agg(F.sum("id"), F.count("*"), F.avg("id")))


# ---- functions, per input type ----

def case_types_sum(spark):
    df = typed(spark)
    return sorted_result(df.agg(*[F.sum(c) for c in NUMERIC_COLS]))


def case_types_avg(spark):
    df = typed(spark)
    return sorted_result(df.agg(*[F.avg(c) for c in NUMERIC_COLS]))


def case_types_min(spark):
    df = typed(spark)
    return sorted_result(df.agg(*[F.min(c) for c in TYPED_COLS]))


def case_types_max(spark):
    df = typed(spark)
    return sorted_result(df.agg(*[F.max(c) for c in TYPED_COLS]))


def case_types_first_last(spark):
    df = typed(spark)
    return sorted_result(df.agg(*[F.first(c) for c in TYPED_COLS], *[F.last(c) for c in TYPED_COLS]))


def case_first_last_ignorenulls(spark):
    schema = "v int"
    df = spark.createDataFrame([(None,), (1,), (2,), (None,)], schema)
    return sorted_result(df.agg(F.first("v"), F.first("v", True), F.last("v"), F.last("v", True)))


def case_any_value(spark):
    schema = "v int"
    df = spark.createDataFrame([(None,), (1,), (2,), (None,)], schema)
    return sorted_result(df.agg(F.any_value("v"), F.any_value("v", True)))


def case_types_stddev(spark):
    df = typed(spark)
    return sorted_result(df.agg(*[F.stddev(c) for c in NUMERIC_COLS]))


def case_stat_functions(spark):
    df = kv(spark)
    return sorted_result(df.groupBy("k").agg(F.stddev("d"), F.stddev_samp("d"), F.stddev_pop("d"),
                                             F.variance("d"), F.var_samp("d"), F.var_pop("d"), F.std("d")))


def case_stat_functions_long(spark):
    df = spark.range(10)
    return sorted_result(df.agg(F.stddev("id"), F.stddev_pop("id"), F.variance("id"), F.var_pop("id")))


def case_stat_n1(spark):
    df = spark.range(1)
    return sorted_result(df.agg(F.stddev("id"), F.stddev_samp("id"), F.stddev_pop("id"), F.variance("id"),
                                F.var_samp("id"), F.var_pop("id")))


def case_count_literals(spark):
    """count of a literal counts every row (NULL: none), grouped and not,
    over batches of several thousand rows."""
    df = spark.range(0, 25000, 1, 3).withColumn("k", F.col("id") % 3)
    g = df.groupBy("k").agg(F.count(F.lit(1)), F.count(F.lit(None)), F.count(F.lit("x")), F.count("*"))
    whole = df.agg(F.count(F.lit(1)), F.count(F.lit(None)), F.expr("count(1, NULL)"), F.expr("count(id, 1)"))
    return {"grouped": sorted_result(g), "whole": sorted_result(whole)}


def case_count_if(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.count_if("b")))


def case_bool_and_or(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.bool_and("b"), F.bool_or("b"), F.every("b"),
                                                    F.some("b")))


def case_bool_any_sql(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.expr("any(b)"), F.expr("bool_or(b)")))


def case_collect_list(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.collect_list("v"), F.collect_list("k")))


def case_collect_set(spark):
    df = spark.createDataFrame([("a", 1), ("a", 1), ("a", 2), ("b", None), ("b", 3)], "k string, v int")
    res = df.groupBy("k").agg(F.sort_array(F.collect_set("v")).alias("s"), F.size(F.collect_set("v")))
    return sorted_result(res)


def case_collect_set_schema(spark):
    df = spark.createDataFrame([("a", 1)], "k string, v int")
    return schema_json(df.groupBy("k").agg(F.collect_set("v"), F.collect_list("v")))


def case_count_distinct(spark):
    return sorted_result(kv(spark).agg(F.countDistinct("k"), F.count_distinct("k", "b"), F.countDistinct("v")))


def case_count_distinct_grouped(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.countDistinct("b")))


def case_sum_distinct(spark):
    df = spark.createDataFrame([(1,), (1,), (2,), (None,)], "v int")
    return sorted_result(df.agg(F.sum_distinct("v"), F.count("v")))


def case_approx_count_distinct(spark):
    return sorted_result(spark.range(1000).agg(F.approx_count_distinct("id"),
                                               F.approx_count_distinct("id", 0.1)))


def case_approx_count_distinct_small(spark):
    return sorted_result(kv(spark).groupBy("k").agg(F.approx_count_distinct("v")))


def case_approx_count_distinct_strings(spark):
    return sorted_result(kv(spark).agg(F.approx_count_distinct("k"), F.approx_count_distinct("d")))


# ---- overflow and numeric edge cases ----

def case_sum_long_overflow(spark):
    df = spark.createDataFrame([(9223372036854775807,), (1,)], "v long")
    return error(lambda: df.agg(F.sum("v")).collect())


def case_sum_long_overflow_grouped(spark):
    df = spark.createDataFrame([("a", 9223372036854775807), ("a", 1)], "k string, v long")
    return error(lambda: df.groupBy("k").agg(F.sum("v")).collect())


def case_sum_int_no_overflow(spark):
    df = spark.createDataFrame([(2147483647,), (2147483647,)], "v int")
    return sorted_result(df.agg(F.sum("v"), F.avg("v")))


def case_avg_long_large(spark):
    df = spark.createDataFrame([(9223372036854775807,), (9223372036854775807,)], "v long")
    return sorted_result(df.agg(F.avg("v")))


def case_sum_decimal_38(spark):
    df = spark.createDataFrame([(decimal.Decimal("9" * 34 + ".9999"),), (decimal.Decimal("1"),)], "v decimal(38,4)")
    return error(lambda: df.agg(F.sum("v")).collect())


def case_avg_decimal(spark):
    df = spark.createDataFrame([(decimal.Decimal("1.00"),), (decimal.Decimal("2.00"),),
                                (decimal.Decimal("2.00"),)], "v decimal(5,2)")
    return sorted_result(df.agg(F.avg("v"), F.sum("v")))


def case_sum_double_nan_inf(spark):
    df = spark.createDataFrame([(1.0,), (float("inf"),), (float("nan"),)], "v double")
    return sorted_result(df.agg(F.sum("v"), F.avg("v"), F.min("v"), F.max("v")))


def case_min_max_nan(spark):
    df = spark.createDataFrame([(1.0,), (float("nan"),), (-0.0,), (0.0,)], "v double")
    return sorted_result(df.agg(F.min("v"), F.max("v")))


def case_min_max_strings(spark):
    df = spark.createDataFrame([("b",), ("a",), ("ab",), ("",), (None,), ("é",), ("z",)], "s string")
    return sorted_result(df.agg(F.min("s"), F.max("s"), F.count("s")))


# ---- distinct / dropDuplicates ----

def case_distinct(spark):
    df = spark.createDataFrame([(1, "a"), (1, "a"), (2, "b"), (None, None), (None, None)], "x int, y string")
    return sorted_result(df.distinct())


def case_drop_duplicates_all(spark):
    df = spark.createDataFrame([(1, "a"), (1, "a"), (2, "b")], "x int, y string")
    return sorted_result(df.dropDuplicates())


def case_drop_duplicates_subset(spark):
    df = spark.createDataFrame([(1, "a", 10), (1, "a", 20), (2, "b", 30), (1, "c", 40)], "x int, y string, z int")
    return sorted_result(df.dropDuplicates(["x", "y"]))


def case_drop_duplicates_subset_first(spark):
    df = spark.createDataFrame([(1, 10), (1, 20), (2, 30), (1, 40)], "x int, z int")
    return sorted_result(df.dropDuplicates(["x"]))


def case_drop_duplicates_schema(spark):
    df = spark.createDataFrame([(1, "a", 10)], "x int not null, y string, z int")
    return schema_json(df.dropDuplicates(["y"]))


def case_drop_duplicates_unknown(spark):
    df = spark.createDataFrame([(1, "a")], "x int, y string")
    return error(lambda: df.dropDuplicates(["nope"]).collect())


def case_drop_duplicates_case(spark):
    df = spark.createDataFrame([(1, "a"), (1, "b")], "x int, y string")
    return sorted_result(df.dropDuplicates(["X"]))


# ---- schemas and nullability ----

def case_schema_nullability(spark):
    df = spark.range(3).agg(F.count("id"), F.sum("id"), F.min("id"), F.collect_list("id"), F.count_if(F.lit(True)),
                            F.approx_count_distinct("id"), F.first("id"), F.stddev("id"))
    return schema_json(df)


def case_schema_grouped_nullability(spark):
    df = spark.range(3).groupBy("id").agg(F.min("id"), F.sum("id"), F.first("id"))
    return schema_json(df)


def case_columns_names(spark):
    df = kv(spark)
    return df.groupBy("k").agg(F.sum("v"), F.count("*"), F.count(F.lit(1)), F.countDistinct("v"),
                               F.first("v", True), F.last("v"), F.approx_count_distinct("v"),
                               F.stddev("d"), F.mean("d"), F.bool_and("b"), F.every("b"),
                               F.some("b"), F.collect_set("v")).columns


# ---- errors ----

def case_error_missing_aggregation(spark):
    return error(lambda: kv(spark).groupBy("k").agg(F.col("v")).collect())


def case_error_missing_aggregation_schema(spark):
    return error(lambda: kv(spark).groupBy("k").agg(F.col("v")).schema)


def case_error_global_non_agg(spark):
    return error(lambda: kv(spark).agg(F.sum("v"), F.col("k")).collect())


def case_error_nested_aggregate(spark):
    return error(lambda: kv(spark).agg(F.sum(F.max("v"))).collect())


def case_error_unknown_group_column(spark):
    return error(lambda: kv(spark).groupBy("nope").agg(F.sum("v")).collect())


def case_error_unknown_agg_column(spark):
    return error(lambda: kv(spark).groupBy("k").agg(F.sum("nope")).collect())


def case_error_sum_string(spark):
    return error(lambda: kv(spark).agg(F.sum("k")).collect())


def case_error_avg_bool(spark):
    return error(lambda: kv(spark).agg(F.avg("b")).collect())


def case_error_bool_and_long(spark):
    return error(lambda: kv(spark).agg(F.bool_and("v")).collect())


def case_error_agg_in_group_by(spark):
    return error(lambda: kv(spark).groupBy(F.sum("v")).agg(F.count("*")).collect())


def case_error_rollup_unsupported_in_ember(spark):
    # Spark supports rollup; Ember raises UNSUPPORTED for now. Recorded for
    # the day Ember implements it.
    return sorted_result(kv(spark).rollup("k").agg(F.count("*")))


def high_cardinality(spark, key):
    # 600k rows in 2 partitions into 300k keys: each partition's first rows
    # are all new keys (Ember switches to its partitioned aggregation); the
    # groups are folded into one row.
    ids = spark.range(0, 600000, 1, 2)
    g = ids.groupBy(key.alias("g")).agg(F.count("*").alias("c"), F.sum("id").alias("s"),
                                        F.min("id").alias("mn"), F.max("id").alias("mx"))
    return collect(g.agg(F.count("*"), F.sum("c"), F.sum("s"), F.sum("mn"), F.max("mx"),
                         F.sum(F.col("mx") - F.col("mn")), F.count("g")))


def case_high_cardinality_int_keys(spark):
    return high_cardinality(spark, F.col("id") % 300000)


def case_high_cardinality_string_keys_with_null(spark):
    k = F.when(F.col("id") % 7 == 0, F.lit(None)).otherwise((F.col("id") % 300000).cast("string"))
    return high_cardinality(spark, k)
