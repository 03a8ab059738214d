"""Partitioning as a client can see it: which rows land in which partition
(spark_partition_id()) and the order collect() returns them in, for
repartition(n) (round robin, with Spark's sort before dealing),
repartition(n, cols) (Murmur3 hash), repartitionByRange, the adaptive
coalescing of shuffles without a partition count, coalesce(n), unions,
local relations (split over the default parallelism of 2), and the hash()
function over every type.

The oracle runs local[2]: spark.range without numPartitions has 2
partitions, as Ember's test server (2 cores) does."""

import datetime
import decimal

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import collect, error, result


def pid():
    return F.spark_partition_id().alias("pid")


def mixed(spark):
    schema = T.StructType([
        T.StructField("i", T.IntegerType(), True),
        T.StructField("s", T.StringType(), True),
        T.StructField("d", T.DoubleType(), True),
        T.StructField("b", T.BooleanType(), True),
        T.StructField("dec", T.DecimalType(10, 2), True),
        T.StructField("big", T.DecimalType(30, 3), True),
        T.StructField("dt", T.DateType(), True),
        T.StructField("ts", T.TimestampType(), True),
        T.StructField("bin", T.BinaryType(), True),
    ])
    data = []
    for k in range(23):
        data.append((
            None if k % 7 == 3 else k * 3 - 20,
            None if k % 5 == 1 else "s" * (k % 11) + str(k),
            None if k % 6 == 2 else k / 4 - 2.0,
            None if k % 4 == 0 else k % 3 == 0,
            None if k % 9 == 5 else decimal.Decimal(k * 37 - 300) / 100,
            None if k % 8 == 6 else decimal.Decimal(k * 10**20 + 17) / 1000,
            None if k % 10 == 7 else datetime.date(2000 + k, 1 + k % 12, 1 + k),
            None if k % 3 == 1 else datetime.datetime(2020, 1, 1, k % 24, k, k),
            None if k % 6 == 0 else bytes(range(k % 13)),
        ))
    return spark.createDataFrame(data, schema)


# ---- spark_partition_id() without a shuffle ----

def case_pid_range_default(spark):
    return collect(spark.range(7).select("id", pid()))


def case_pid_range_parts(spark):
    return collect(spark.range(0, 11, 1, 3).select("id", pid()))


def case_pid_local_folded(spark):
    # A projection of a local relation is folded into it: partition 0.
    return collect(spark.createDataFrame([(i,) for i in range(5)], "a int").select("a", pid()))


def case_pid_name_type(spark):
    return result(spark.range(2).select(F.spark_partition_id()))


# ---- round robin: repartition(n) ----

def case_rr_range(spark):
    return collect(spark.range(10).repartition(3).select("id", pid()))


def case_rr_range_one_input(spark):
    return collect(spark.range(0, 10, 1, 1).repartition(3).select("id", pid()))


def case_rr_range_4(spark):
    return collect(spark.range(20).repartition(4).select("id", pid()))


def case_rr_power_of_two(spark):
    return collect(spark.range(0, 64, 1, 4).repartition(8).select("id", pid()))


def case_rr_more_partitions_than_rows(spark):
    return collect(spark.range(3).repartition(8).select("id", pid()))


def case_rr_one(spark):
    return collect(spark.range(0, 6, 1, 3).repartition(1).select("id", pid()))


def case_rr_withcolumn(spark):
    return collect(spark.range(12).repartition(5).withColumn("pid", F.spark_partition_id()))


def case_rr_local_pruned(spark):
    # Only `a` reaches the shuffle (column pruning): Spark sorts by it alone.
    df = spark.createDataFrame([(i, str(i)) for i in range(7)], "a int, s string")
    return collect(df.repartition(3).select("a", pid()))


def case_rr_local_all_columns(spark):
    df = spark.createDataFrame([(i, str(i)) for i in range(7)], "a int, s string")
    return collect(df.repartition(3).withColumn("pid", F.spark_partition_id()))


def case_rr_local_types(spark):
    return collect(mixed(spark).repartition(4).withColumn("pid", F.spark_partition_id()))


def case_rr_local_filtered(spark):
    df = spark.createDataFrame([(i,) for i in range(9)], "a int")
    return collect(df.filter(F.col("a") > 2).repartition(3).select("a", pid()))


def case_rr_local_one_row(spark):
    return collect(spark.createDataFrame([(1,)], "a int").repartition(3).select("a", pid()))


def case_rr_nested(spark):
    schema = "a array<int>, m map<string,int>, st struct<x:int,y:string>, l long"
    data = [([i, None, i * 2], {"k" + str(i): i}, (i, "y" * i), i) for i in range(9)]
    data.append((None, None, None, 99))
    df = spark.createDataFrame(data, schema)
    return collect(df.repartition(3).withColumn("pid", F.spark_partition_id()))


def case_rr_unsorted_conf(spark):
    spark.conf.set("spark.sql.execution.sortBeforeRepartition", "false")
    try:
        return collect(spark.range(12).repartition(5).select("id", pid()))
    finally:
        spark.conf.unset("spark.sql.execution.sortBeforeRepartition")


# ---- hash: repartition(n, cols) ----

def case_hash_range(spark):
    return collect(spark.range(20).repartition(4, "id").select("id", pid()))


def case_hash_two_columns(spark):
    df = spark.createDataFrame([(i % 3, "k" + str(i % 4)) for i in range(12)], "a int, s string")
    return collect(df.repartition(3, "a", "s").withColumn("pid", F.spark_partition_id()))


def case_hash_types(spark):
    df = mixed(spark)
    out = {}
    for c in df.columns:
        out[c] = [r.pid for r in df.repartition(5, c).select(pid()).collect()]
    return out


def case_hash_expression(spark):
    return collect(spark.range(10).repartition(3, F.col("id") % 4).select("id", pid()))


def case_hash_one(spark):
    return collect(spark.range(0, 6, 1, 3).repartition(1, "id").select("id", pid()))


def case_hash_adaptive(spark):
    # No count: 200 shuffle partitions that AQE merges into one.
    return collect(spark.range(10).repartition("id").select("id", pid()))


def case_hash_not_adaptive(spark):
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    spark.conf.set("spark.sql.shuffle.partitions", "5")
    try:
        return collect(spark.range(12).repartition("id").select("id", pid()))
    finally:
        spark.conf.unset("spark.sql.adaptive.enabled")
        spark.conf.unset("spark.sql.shuffle.partitions")


def case_hash_map_column(spark):
    df = spark.createDataFrame([({"a": i},) for i in range(5)], "m map<string,int>")
    return collect(df.repartition(2, "m").select("m", pid()))


# ---- range: repartitionByRange ----

def case_range_asc(spark):
    return collect(spark.range(20).repartitionByRange(3, "id").select("id", pid()))


def case_range_desc(spark):
    return collect(spark.range(20).repartitionByRange(3, F.col("id").desc()).select("id", pid()))


def case_range_few_distinct(spark):
    # Fewer distinct keys than partitions: fewer partitions.
    df = spark.range(12).select((F.col("id") % 2).alias("k"), "id")
    return collect(df.repartitionByRange(4, "k").select("k", "id", pid()))


def case_range_strings_nulls(spark):
    df = spark.createDataFrame([(None if i % 5 == 0 else "v%02d" % ((i * 7) % 13), i) for i in range(15)],
                               "s string, i int")
    return collect(df.repartitionByRange(3, "s").withColumn("pid", F.spark_partition_id()))


def case_range_nulls_last(spark):
    df = spark.createDataFrame([(None if i % 4 == 0 else i,) for i in range(10)], "a int")
    return collect(df.repartitionByRange(3, F.col("a").asc_nulls_last()).select("a", pid()))


def case_range_two_keys(spark):
    df = spark.createDataFrame([(i % 3, 10 - i) for i in range(10)], "a int, b int")
    return collect(df.repartitionByRange(4, "a", F.col("b").desc()).withColumn("pid", F.spark_partition_id()))


def case_range_adaptive(spark):
    return collect(spark.range(10).repartitionByRange("id").select("id", pid()))


def case_range_many_partitions(spark):
    return collect(spark.range(0, 50, 1, 3).repartitionByRange(7, "id").select("id", pid()))


def case_range_map_error(spark):
    df = spark.createDataFrame([({"a": 1},)], "m map<string,int>")
    return error(lambda: df.repartitionByRange(2, "m").collect())


# ---- coalesce ----

def case_coalesce_range(spark):
    return collect(spark.range(0, 20, 1, 5).coalesce(2).select("id", pid()))


def case_coalesce_more(spark):
    return collect(spark.range(0, 20, 1, 5).coalesce(7).select("id", pid()))


def case_coalesce_one(spark):
    return collect(spark.range(0, 9, 1, 3).coalesce(1).select("id", pid()))


def case_coalesce_after_shuffle(spark):
    out = {}
    for p in [4, 5, 6, 7, 9]:
        for n in [2, 3, 4]:
            df = spark.range(0, 40).repartition(p).coalesce(n).select("id", pid())
            out["%d_%d" % (p, n)] = [[r.id, r.pid] for r in df.collect()]
    return out


def case_coalesce_after_shuffle_with_empty(spark):
    # Some shuffle partitions are empty: they have no preferred location.
    df = spark.range(3).repartition(6).coalesce(4).select("id", pid())
    return collect(df)


def case_coalesce_local(spark):
    df = spark.createDataFrame([(i,) for i in range(5)], "a int")
    return collect(df.coalesce(1).select("a", pid()))


def case_collapse_coalesce_over_repartition(spark):
    # coalesce(8) over repartition(4) is dropped; coalesce(2) stays.
    a = spark.range(20).repartition(4).coalesce(8).select("id", pid())
    b = spark.range(20).repartition(4).coalesce(2).select("id", pid())
    return [collect(a), collect(b)]


def case_collapse_repartition_over_repartition(spark):
    df = spark.range(20).repartition(5).repartition(2).select("id", pid())
    return collect(df)


def case_collapse_repartition_over_sort(spark):
    df = spark.range(10).orderBy(F.col("id").desc()).repartition(2, "id").select("id", pid())
    return collect(df)


# ---- unions and partition numbering ----

def case_union_pids(spark):
    return collect(spark.range(3).union(spark.range(5, 8, 1, 3)).select("id", pid()))


def case_union_local_pids(spark):
    a = spark.createDataFrame([(i,) for i in range(5)], "a int")
    b = spark.createDataFrame([(i,) for i in range(10, 13)], "a int")
    return collect(a.union(b).select("a", pid()))


def case_union_then_repartition(spark):
    df = spark.range(4).union(spark.range(10, 14)).repartition(3).select("id", pid())
    return collect(df)


def case_sort_within_partitions_local(spark):
    df = spark.createDataFrame([(i,) for i in [5, 3, 1, 4, 2, 0]], "a int")
    return collect(df.sortWithinPartitions("a"))


def case_repartition_count(spark):
    return [spark.range(100).repartition(7).count(), spark.range(50).repartition(3, "id").count(),
            spark.range(30).repartitionByRange(4, "id").count(), spark.range(40, numPartitions=6).coalesce(2).count()]


def case_repartition_empty(spark):
    return [collect(spark.range(0).repartition(3)), collect(spark.range(5).filter(F.col("id") > 10).repartition(2, "id"))]


def case_hint_repartition(spark):
    return collect(spark.range(3).hint("repartition", 3).select("id", pid()))


def case_hint_coalesce(spark):
    return collect(spark.range(0, 6, 1, 3).hint("coalesce", 1).select("id", pid()))


def case_hint_coalesce_error(spark):
    return error(lambda: spark.range(3).hint("coalesce").collect())


def case_hint_broadcast_noop(spark):
    return result(spark.range(4).hint("broadcast").select("id"))


def case_hint_unknown_ignored(spark):
    return result(spark.range(3).hint("no_such_hint", 1, "x"))


# ---- hash() ----

def case_hash_function_types(spark):
    df = mixed(spark)
    return collect(df.select(*[F.hash(c).alias(c) for c in df.columns], F.hash(*df.columns).alias("all")))


def case_hash_function_literals(spark):
    cols = [F.hash(F.lit(1)), F.hash(F.lit(1).cast("long")), F.hash(F.lit("")), F.hash(F.lit("abc")),
            F.hash(F.lit("héllo wörld, ça va")), F.hash(F.lit(0.0)), F.hash(F.lit(-0.0)),
            F.hash(F.lit(float("nan"))), F.hash(F.lit(float("inf"))), F.hash(F.lit(1.5).cast("float")),
            F.hash(F.lit(True)), F.hash(F.lit(None)), F.hash(F.lit(1), F.lit("a"), F.lit(None)),
            F.hash(F.lit(decimal.Decimal("12345678901234567890.123"))),
            F.hash(F.lit(decimal.Decimal("-0.01"))),
            F.hash(F.lit(datetime.date(2024, 2, 29))),
            F.hash(F.lit(datetime.datetime(2024, 2, 29, 12, 30, 45, 123456))),
            F.hash(F.lit(bytearray(b"\x00\xff\x10")))]
    return result(spark.range(1).select(*cols))


def case_hash_function_nested(spark):
    schema = "a array<int>, st struct<x:int,y:string>, aa array<array<string>>"
    data = [([1, None, 3], (1, "b"), [["x"], [], None]), ([], None, None), (None, (None, None), [[None]])]
    df = spark.createDataFrame(data, schema)
    return collect(df.select(F.hash("a").alias("a"), F.hash("st").alias("st"), F.hash("aa").alias("aa"),
                             F.hash("a", "st", "aa").alias("all")))


def case_hash_function_strings(spark):
    df = spark.createDataFrame([("x" * n + "é" * (n % 3),) for n in range(12)], "s string")
    return collect(df.select("s", F.hash("s").alias("h")))


def case_hash_function_longs(spark):
    return collect(spark.range(-5, 5).select("id", F.hash("id").alias("h"), F.hash("id", "id").alias("h2")))


def case_hash_no_args(spark):
    return error(lambda: spark.range(1).select(F.hash()).collect())


def case_hash_map_error(spark):
    df = spark.createDataFrame([({"a": 1},)], "m map<string,int>")
    return error(lambda: df.select(F.hash("m")).collect())


# ---- optimizer rules that change the dealing ----

def case_rr_filter_pushed_below(spark):
    df = spark.createDataFrame([(i, str(i)) for i in range(12)], "a int, s string")
    return collect(df.repartition(3).filter(F.col("a") > 2).select("a", pid()))


def case_rr_filter_range(spark):
    return collect(spark.range(20).repartition(3).filter(F.col("id") % 3 != 0).select("id", pid()))


def case_range_filter_pushed_below(spark):
    return collect(spark.range(20).repartitionByRange(3, "id").filter(F.col("id") > 8).select("id", pid()))


def case_rr_filter_through_projection(spark):
    df = spark.range(20).repartition(3).withColumn("x", F.col("id") * 2).filter(F.col("x") > 20)
    return collect(df.select("id", pid()))


def case_rr_filter_above_partition_id(spark):
    # A projection with spark_partition_id() keeps the filter above it.
    return collect(spark.range(20).repartition(3).select("id", pid()).filter(F.col("id") > 10))


def case_rr_filter_through_union(spark):
    df = spark.range(10).repartition(3).union(spark.range(20, 30).repartition(2))
    return collect(df.filter(F.col("id") % 2 == 0).select("id", pid()))


def case_rr_filter_through_coalesce(spark):
    df = spark.range(30).repartition(5).coalesce(2).filter(F.col("id") > 4)
    return collect(df.select("id", pid()))


def case_rr_pruned_through_projections(spark):
    df = spark.createDataFrame([(i, "v%d" % (i * 7 % 5), i * 0.5) for i in range(15)], "a int, s string, d double")
    out = df.repartition(4).select("a", "s").select(F.col("a"), pid())
    return collect(out)


def case_rr_limit_sort_sample(spark):
    return [collect(spark.range(20).repartition(3).limit(5).select("id", pid())),
            collect(spark.range(20).repartition(3).sortWithinPartitions(F.col("id").desc()).select("id", pid())),
            collect(spark.range(20).repartition(3).sample(fraction=0.5, seed=1).select("id", pid())),
            collect(spark.range(20).repartition(3).offset(15))]
