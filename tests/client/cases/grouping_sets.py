"""ROLLUP, CUBE and GROUPING SETS: Spark's Expand-based semantics, grouping()
and grouping_id() (bit order: the first grouping column is the most
significant bit), nullability of grouping columns, duplicate grouping
expressions, aggregates over grouping columns, and the errors.

Group order is not defined by Spark, so results are sorted on the client."""

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import error, schema_json, rows, show


def sorted_result(df):
    rs = df.collect()
    body = sorted(rows(rs), key=lambda r: repr(r))
    return {"columns": list(df.columns), "rows": body, "schema": schema_json(df)}


def sales(spark):
    schema = T.StructType([
        T.StructField("city", T.StringType(), False),
        T.StructField("year", T.IntegerType(), False),
        T.StructField("kind", T.StringType(), True),
        T.StructField("amount", T.LongType(), True),
        T.StructField("price", T.DoubleType(), True),
    ])
    data = [
        ("Oslo", 2023, "a", 10, 1.5),
        ("Oslo", 2023, "b", 20, 2.5),
        ("Oslo", 2024, "a", 5, None),
        ("Bergen", 2023, None, 7, 4.0),
        ("Bergen", 2024, "b", None, 0.25),
        ("Bergen", 2024, "b", 3, 8.0),
        ("Tromso", 2025, "c", 1, 1.0),
    ]
    return spark.createDataFrame(data, schema)


def case_rollup_count(spark):
    return sorted_result(sales(spark).rollup("city", "year").count())


def case_rollup_agg(spark):
    return sorted_result(sales(spark).rollup("city", "year").agg(
        F.sum("amount"), F.avg("price"), F.max("kind")))


def case_rollup_one_column(spark):
    return sorted_result(sales(spark).rollup("city").agg(F.sum("amount").alias("total")))


def case_cube_count(spark):
    return sorted_result(sales(spark).cube("city", "year").count())


def case_cube_three(spark):
    return sorted_result(sales(spark).cube("city", "year", "kind").agg(F.count("*").alias("n")))


def case_cube_grouping(spark):
    return sorted_result(sales(spark).cube("city", "year").agg(
        F.grouping("city"), F.grouping("year"), F.grouping_id(), F.sum("amount")))


def case_rollup_grouping_id(spark):
    return sorted_result(sales(spark).rollup("city", "kind").agg(
        F.grouping_id().alias("gid"), F.count("amount")))


def case_grouping_id_with_args(spark):
    return sorted_result(sales(spark).cube("city", "year").agg(
        F.grouping_id("city", "year"), F.count("*")))


def case_grouping_sets(spark):
    df = sales(spark)
    return sorted_result(df.groupingSets([["city"], ["year"], []], "city", "year").agg(
        F.sum("amount"), F.grouping_id()))


def case_grouping_sets_both(spark):
    df = sales(spark)
    return sorted_result(df.groupingSets([["city", "year"], ["city"]], "city", "year").agg(
        F.count("*"), F.grouping("year")))


def case_grouping_sets_expression(spark):
    df = sales(spark)
    return sorted_result(df.groupingSets([[F.col("year") % 2], []], F.col("year") % 2).agg(
        F.count("*")))


def case_rollup_aggregate_over_grouping_column(spark):
    # The aggregate sees the original values, not the nulled-out copies.
    return sorted_result(sales(spark).rollup("year").agg(F.sum("year"), F.count("year"), F.min("year")))


def case_rollup_expression_key(spark):
    return sorted_result(sales(spark).rollup((F.col("year") + 1).alias("next"), F.upper("city")).agg(
        F.sum("amount")))


def case_rollup_key_in_expression(spark):
    return sorted_result(sales(spark).rollup("year").agg(
        (F.col("year") * 10).alias("y10"), F.sum("amount")))


def case_cube_duplicate_columns(spark):
    return sorted_result(sales(spark).cube("city", "city").count())


def case_rollup_duplicate_columns(spark):
    return sorted_result(sales(spark).rollup("year", "year").agg(F.grouping_id(), F.count("*")))


def case_rollup_no_columns(spark):
    return sorted_result(sales(spark).rollup().agg(F.count("*")))


def case_cube_empty_input(spark):
    return sorted_result(sales(spark).filter(F.col("year") > 3000).cube("city").count())


def case_rollup_nullable_key(spark):
    return sorted_result(sales(spark).rollup("kind").agg(F.grouping("kind"), F.count("*")))


def case_rollup_schema(spark):
    df = sales(spark).rollup("city", "year").agg(F.grouping_id(), F.grouping("city"), F.sum("amount"))
    return schema_json(df)


def case_rollup_then_filter_sort(spark):
    df = sales(spark).rollup("city", "year").agg(F.sum("amount").alias("s"))
    return sorted_result(df.filter(F.col("year").isNull()).orderBy("city"))


def case_cube_show(spark):
    df = sales(spark).cube("city").agg(F.sum("amount").alias("s")).orderBy(F.col("city").asc_nulls_first())
    return show(df)


def case_error_grouping_in_group_by(spark):
    return error(lambda: sales(spark).groupBy("city").agg(F.grouping("city")).collect())


def case_error_grouping_id_in_group_by(spark):
    return error(lambda: sales(spark).groupBy("city").agg(F.grouping_id()).collect())


def case_error_grouping_not_a_key(spark):
    return error(lambda: sales(spark).rollup("city").agg(F.grouping("year")).collect())


def case_error_grouping_id_mismatch(spark):
    return error(lambda: sales(spark).cube("city", "year").agg(F.grouping_id("year")).collect())


def case_error_rollup_missing_aggregation(spark):
    return error(lambda: sales(spark).rollup("city").agg(F.col("year")).collect())


def case_error_rollup_unknown_column(spark):
    return error(lambda: sales(spark).rollup("nope").count().collect())
