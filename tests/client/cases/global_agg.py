"""Aggregate functions in select() without groupBy: Spark's GlobalAggregates
turns the projection into an aggregation with no grouping (one row), and a
non-aggregated column next to an aggregate is an error."""

from pyspark.sql import functions as F

from caselib import error, result


def data(spark):
    return spark.createDataFrame([(1, 2.5, "a"), (2, None, "b"), (None, 4.0, "a")], "i int, d double, s string")


def case_select_sum(spark):
    return result(data(spark).select(F.sum("i")))


def case_select_several(spark):
    return result(data(spark).select(F.count("*"), F.max("d").alias("mx"), F.avg("i"), F.countDistinct("s")))


def case_select_agg_expression(spark):
    return result(data(spark).select((F.sum("i") + F.lit(1)).alias("x"), F.sum("d") * 2))


def case_select_agg_over_empty(spark):
    return result(data(spark).filter(F.col("i") > 100).select(F.sum("i"), F.count("*")))


def case_select_agg_and_column_error(spark):
    return error(lambda: data(spark).select(F.sum("i"), "s").collect())


def case_select_agg_literal(spark):
    return result(data(spark).select(F.lit(7).alias("seven"), F.min("s")))
