"""PIVOT (groupBy().pivot(col[, values])) and UNPIVOT (unpivot / melt):
column names of pivoted aggregates, distinct values computed first when
none are given (spark.sql.pivotMaxValues), Spark's type coercion of
unpivoted values, and the errors.

Group order is not defined by Spark, so results are sorted on the client;
unpivot keeps the input order (one row per input row and value column)."""

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import error, result, schema_json, rows


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


def wide(spark):
    schema = T.StructType([
        T.StructField("id", T.IntegerType(), False),
        T.StructField("a", T.IntegerType(), True),
        T.StructField("b", T.LongType(), True),
        T.StructField("c", T.DoubleType(), False),
        T.StructField("s", T.StringType(), True),
    ])
    return spark.createDataFrame([(1, 10, 100, 0.5, "x"), (2, None, 200, 1.5, None), (3, 30, None, 2.5, "z")], schema)


# ---- pivot ----

def case_pivot_values_sum(spark):
    return sorted_result(sales(spark).groupBy("city").pivot("year", [2023, 2024]).sum("amount"))


def case_pivot_no_values_sum(spark):
    return sorted_result(sales(spark).groupBy("city").pivot("year").sum("amount"))


def case_pivot_count(spark):
    return sorted_result(sales(spark).groupBy("city").pivot("kind").count())


def case_pivot_string_values(spark):
    return sorted_result(sales(spark).groupBy("year").pivot("city", ["Oslo", "Bergen", "Nowhere"]).agg(
        F.sum("amount")))


def case_pivot_two_aggregates(spark):
    return sorted_result(sales(spark).groupBy("city").pivot("year", [2023, 2024]).agg(
        F.sum("amount"), F.max("price")))


def case_pivot_two_aggregates_aliased(spark):
    return sorted_result(sales(spark).groupBy("city").pivot("year", [2023, 2024]).agg(
        F.sum("amount").alias("s"), F.count("amount").alias("n")))


def case_pivot_one_aggregate_aliased(spark):
    return sorted_result(sales(spark).groupBy("city").pivot("year", [2023]).agg(F.sum("amount").alias("s")))


def case_pivot_avg_no_group(spark):
    return sorted_result(sales(spark).groupBy().pivot("city").avg("amount"))


def case_pivot_values_cast(spark):
    # The values are cast to the pivot column's type.
    return sorted_result(sales(spark).groupBy("city").pivot("year", ["2023", "2025"]).sum("amount"))


def case_pivot_no_values_with_null(spark):
    return sorted_result(sales(spark).groupBy("year").pivot("kind").agg(F.count("amount")))


def case_pivot_min_string(spark):
    return sorted_result(sales(spark).groupBy("year").pivot("city").agg(F.min("kind")))


def case_pivot_max_values_error(spark):
    spark.conf.set("spark.sql.pivotMaxValues", "2")
    try:
        return error(lambda: sales(spark).groupBy("year").pivot("city").count().collect())
    finally:
        spark.conf.unset("spark.sql.pivotMaxValues")


def case_pivot_error_unknown_column(spark):
    return error(lambda: sales(spark).groupBy("city").pivot("nope", [1]).count().collect())


# ---- unpivot ----

def case_unpivot_basic(spark):
    return result(wide(spark).unpivot("id", ["a", "b"], "var", "val"))


def case_unpivot_all_other_columns(spark):
    return result(wide(spark).select("id", "a", "b", "c").unpivot(["id"], None, "var", "val"))


def case_melt(spark):
    return result(wide(spark).melt(["id"], ["a", "c"], "variable", "value"))


def case_unpivot_no_ids(spark):
    return result(wide(spark).unpivot([], ["a", "b"], "k", "v"))


def case_unpivot_expressions(spark):
    df = wide(spark)
    return result(df.unpivot([F.col("id")], [F.col("a"), (F.col("b") * 2).alias("b2")], "var", "val"))


def case_unpivot_string_column(spark):
    return result(wide(spark).unpivot(["id"], ["s"], "var", "val"))


def case_unpivot_error_incompatible(spark):
    return error(lambda: wide(spark).unpivot(["id"], ["a", "s"], "var", "val").collect())


def case_unpivot_error_no_values(spark):
    return error(lambda: wide(spark).unpivot(["id", "a", "b", "c", "s"], None, "var", "val").collect())


def case_unpivot_error_empty_values(spark):
    return error(lambda: wide(spark).unpivot(["id"], [], "var", "val").collect())


def case_unpivot_then_aggregate(spark):
    df = wide(spark).unpivot("id", ["a", "b"], "var", "val")
    return sorted_result(df.groupBy("var").agg(F.sum("val"), F.count("val")))
