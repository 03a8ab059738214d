"""Foundation: spark.version, spark.range in all its forms, toDF, select with
aliases and literals of every type, columns / schema / dtypes."""

import datetime
import decimal

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import collect, norm, result, schema_json


def case_version(spark):
    return spark.version


def case_range_10(spark):
    return result(spark.range(10))


def case_range_start_end(spark):
    return result(spark.range(5, 12))


def case_range_step(spark):
    return collect(spark.range(0, 20, 3))


def case_range_step_not_dividing(spark):
    return collect(spark.range(1, 10, 4))


def case_range_num_partitions(spark):
    return collect(spark.range(0, 10, 1, 4))


def case_range_partition_ids(spark):
    # How Spark splits a range over numPartitions (visible via spark_partition_id()).
    return collect(spark.range(0, 10, 1, 4).select("id", F.spark_partition_id().alias("pid")))


def case_range_num_partitions_many(spark):
    # More partitions than rows: order of collect() must still be ascending.
    return collect(spark.range(0, 7, 1, 16))


def case_range_negative_step(spark):
    return collect(spark.range(10, 0, -1))


def case_range_negative_step_3(spark):
    return collect(spark.range(10, -10, -3))


def case_range_negative_values(spark):
    return collect(spark.range(-5, 5))


def case_range_empty_equal(spark):
    return result(spark.range(5, 5))


def case_range_empty_wrong_direction(spark):
    return result(spark.range(10, 0))


def case_range_empty_wrong_direction_neg_step(spark):
    return collect(spark.range(0, 10, -1))


def case_range_zero(spark):
    return result(spark.range(0))


def case_range_single(spark):
    return collect(spark.range(1))


def case_range_large_limit(spark):
    return result(spark.range(10**7).limit(5))


def case_range_big_values(spark):
    return collect(spark.range(2**62, 2**62 + 3))


def case_range_near_long_max(spark):
    m = 2**63 - 1
    return collect(spark.range(m - 3, m))


def case_range_near_long_min(spark):
    m = -(2**63)
    return collect(spark.range(m, m + 3))


def case_range_count(spark):
    return [spark.range(1000).count(), spark.range(0, 100, 7).count(), spark.range(5, 5).count()]


def case_range_take_head_first(spark):
    df = spark.range(100)
    return {"take": df.take(3), "head": df.head(), "head2": df.head(2), "first": df.first(),
            "tail": df.tail(2)}


def case_range_empty_first(spark):
    df = spark.range(0)
    return {"first": df.first(), "head": df.head(), "take": df.take(2), "isEmpty": df.isEmpty()}


def case_range_is_empty(spark):
    return [spark.range(3).isEmpty(), spark.range(3, 3).isEmpty()]


def case_range_collect_5000_batches(spark):
    # Enough rows for several Arrow batches (Spark: maxRecordsPerBatch 10000).
    rs = spark.range(0, 25001, 1, 3).collect()
    ids = [r.id for r in rs]
    return {"n": len(ids), "ordered": ids == list(range(25001)), "last": rs[-1]}


def case_to_df_rename(spark):
    return result(spark.range(3).toDF("x"))


def case_columns_schema_dtypes(spark):
    df = spark.range(3).toDF("x")
    return {"columns": df.columns, "dtypes": df.dtypes, "schema": schema_json(df),
            "simpleString": df.schema.simpleString(), "repr": repr(df)}


def case_schema_of_range(spark):
    df = spark.range(1)
    return {"columns": df.columns, "dtypes": df.dtypes, "schema": schema_json(df),
            "treeString": df.schema.treeString()}


def case_select_aliases(spark):
    df = spark.range(3)
    return result(df.select(df.id.alias("a"), F.col("id").alias("b"), (F.col("id") + 1).alias("c"), "id"))


def case_select_expressions_names(spark):
    # Spark's auto-generated column names.
    df = spark.range(3)
    return result(df.select(df.id + 1, F.col("id") * 2, -F.col("id"), F.col("id") == 1))


def case_select_star_and_id(spark):
    return result(spark.range(2).select("*", "id"))


LITERALS = [
    ("l_none", None),
    ("l_true", True),
    ("l_false", False),
    ("l_int", 1),
    ("l_int_neg", -7),
    ("l_big", 2**40),
    ("l_long_max", 2**63 - 1),
    ("l_float", 1.5),
    ("l_float_neg_zero", -0.0),
    ("l_float_nan", float("nan")),
    ("l_float_inf", float("inf")),
    ("l_float_ninf", float("-inf")),
    ("l_str", "hello"),
    ("l_str_empty", ""),
    ("l_str_unicode", "h\u00e9llo \u4e16\u754c \U0001F600"),
    ("l_bytes", b"\x00\x01\xff"),
    ("l_bytearray", bytearray(b"ab")),
    ("l_decimal", decimal.Decimal("1.50")),
    ("l_decimal_neg", decimal.Decimal("-12345678901234567890.123456789")),
    ("l_decimal_int", decimal.Decimal("42")),
    ("l_date", datetime.date(2024, 2, 29)),
    ("l_datetime", datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)),
    ("l_datetime_tz", datetime.datetime(2024, 2, 29, 13, 14, 15, tzinfo=datetime.timezone.utc)),
    ("l_timedelta", datetime.timedelta(days=1, hours=2, microseconds=3)),
    ("l_timedelta_neg", datetime.timedelta(days=-1, seconds=5)),
    ("l_list", [1, 2, 3]),
    ("l_list_str", ["a", None, "c"]),
]


def _lit_case(spark, names):
    cols = [F.lit(v).alias(n) for n, v in LITERALS if n in names]
    return result(spark.range(1).select(*cols))


def case_literals_scalars(spark):
    return _lit_case(spark, {"l_none", "l_true", "l_false", "l_int", "l_int_neg", "l_big", "l_long_max",
                             "l_float", "l_float_neg_zero", "l_float_nan", "l_float_inf", "l_float_ninf"})


def case_literals_strings_bytes(spark):
    return _lit_case(spark, {"l_str", "l_str_empty", "l_str_unicode", "l_bytes", "l_bytearray"})


def case_literals_decimals(spark):
    return _lit_case(spark, {"l_decimal", "l_decimal_neg", "l_decimal_int"})


def case_literals_datetime(spark):
    return _lit_case(spark, {"l_date", "l_datetime", "l_datetime_tz", "l_timedelta", "l_timedelta_neg"})


def case_literals_arrays(spark):
    return _lit_case(spark, {"l_list", "l_list_str"})


def case_literals_unaliased_names(spark):
    # Without alias: Spark's names for literal columns.
    df = spark.range(1).select(F.lit(1), F.lit("a"), F.lit(None), F.lit(True), F.lit(1.5),
                               F.lit(decimal.Decimal("1.50")), F.lit(datetime.date(2020, 1, 2)),
                               F.lit(b"\x01"))
    return result(df)


def case_literals_typed_casts(spark):
    df = spark.range(1).select(
        F.lit(1).cast("tinyint").alias("b"), F.lit(1).cast("smallint").alias("s"),
        F.lit(1).cast("int").alias("i"), F.lit(1).cast("bigint").alias("l"),
        F.lit(1.25).cast("float").alias("f"), F.lit(0.1).cast("double").alias("d"),
        F.lit(None).cast("string").alias("ns"), F.lit(None).cast(T.IntegerType()).alias("ni"),
        F.lit("1.5").cast("decimal(10,3)").alias("dec"),
    )
    return result(df)


def case_literal_with_range_rows(spark):
    return result(spark.range(3).select("id", F.lit("x").alias("c"), F.lit(None).alias("n")))


def case_select_expr_strings(spark):
    return result(spark.range(3).selectExpr("id", "id * 2 AS twice", "'a' AS s", "NULL AS n"))


def case_with_column(spark):
    return result(spark.range(3).withColumn("y", F.col("id") + 10).withColumnRenamed("id", "x"))


def case_drop_column(spark):
    return result(spark.range(2).withColumn("y", F.lit(1)).drop("id"))


def case_filter_where(spark):
    return collect(spark.range(10).filter(F.col("id") % 3 == 0).where("id > 0"))


def case_compare_columns_and_constants(spark):
    """Every comparison operator over byte, short, int, long, date,
    timestamp and decimal columns (with NULLs, over more rows than a byte of
    result bits) against a constant on either side and against another
    column; the results are filtered and counted."""
    df = spark.range(0, 203, 1, 2).select(
        F.col("id"),
        F.when(F.col("id") % 7 == 3, None).otherwise(F.col("id") % 100).alias("l"),
        (F.col("id") % 50).cast("byte").alias("b"),
        (F.col("id") * 3 % 1000).cast("short").alias("s"),
        (F.col("id") % 90).cast("int").alias("i"),
        F.expr("date_add(DATE'2020-01-01', CAST(id % 40 AS INT))").alias("d"),
        F.expr("CAST(date_add(DATE'2020-01-01', CAST(id % 30 AS INT)) AS TIMESTAMP)").alias("t"),
        (F.col("id") / 8).cast("decimal(10,2)").alias("m"),
        (F.col("id") % 13).cast("decimal(10,2)").alias("m2"))
    preds = {
        "l_lt": F.col("l") < 40, "l_le": F.col("l") <= 40, "l_gt": F.col("l") > 40, "l_ge": F.col("l") >= 40,
        "l_eq": F.col("l") == 40, "l_ne": F.col("l") != 40, "lit_lt_l": F.lit(40) < F.col("l"),
        "b_lt": F.col("b") < 10, "s_ge": F.col("s") >= 500, "i_eq": F.col("i") == 7, "i_gt_l": F.col("i") > F.col("l"),
        "d_le": F.col("d") <= F.lit(datetime.date(2020, 1, 20)), "t_gt": F.col("t") > F.lit(datetime.datetime(2020, 1, 10, 12)),
        "m_lt": F.col("m") < decimal.Decimal("10.5"), "m_eq_m2": F.col("m") == F.col("m2"),
        "m2_ge_m": F.col("m2") >= F.col("m"), "l_eq_id": F.col("l") == F.col("id"),
    }
    out = {k: df.filter(p).count() for k, p in preds.items()}
    out["flags"] = collect(df.select("id", *[p.alias(k) for k, p in preds.items()]).orderBy("id").limit(20))
    return out


def case_sql_select_literals(spark):
    return result(spark.sql("SELECT 1 AS a, 'x' AS b, CAST(NULL AS INT) AS c, 2.5 AS d, true AS e"))


def case_sql_select_range(spark):
    return result(spark.sql("SELECT id FROM range(3)"))


def case_to_pandas_range(spark):
    pdf = spark.range(0, 5, 2).toPandas()
    return {"columns": list(pdf.columns), "dtypes": [str(t) for t in pdf.dtypes],
            "values": [[norm(x) for x in row] for row in pdf.itertuples(index=False, name=None)]}


def case_to_pandas_empty(spark):
    pdf = spark.range(0).toPandas()
    return {"columns": list(pdf.columns), "dtypes": [str(t) for t in pdf.dtypes], "len": len(pdf)}


def case_to_arrow_range(spark):
    t = spark.range(3).select("id", F.lit("a").alias("s"), F.lit(None).cast("int").alias("n")).toArrow()
    return {"schema": str(t.schema), "rows": [[norm(v) for v in r.values()] for r in t.to_pylist()]}


def case_analyze_flags(spark):
    df = spark.range(3)
    return {"isLocal": df.isLocal(), "isStreaming": df.isStreaming, "inputFiles": list(df.inputFiles()),
            "local_isLocal": spark.createDataFrame([(1,)], "a int").isLocal()}


def case_same_semantics(spark):
    a = spark.range(3)
    return [a.sameSemantics(spark.range(3)), a.sameSemantics(spark.range(4)),
            a.select("id").sameSemantics(spark.range(3).select("id"))]
