"""Errors a client sees: exception type, error condition, SQLSTATE, message
parameters, first message line, query contexts; and the session keeps working."""

from pyspark.sql import functions as F

from caselib import collect, error


def case_unresolved_column(spark):
    return error(lambda: spark.range(3).select("nope").collect())


def case_unresolved_column_then_query_ok(spark):
    e = error(lambda: spark.range(3).select("nope").collect(), message=False)
    return {"error": e["condition"], "after": collect(spark.range(3))}


def case_unresolved_column_via_schema(spark):
    # The same error through AnalyzePlan (schema) instead of ExecutePlan.
    return error(lambda: spark.range(3).select("nope").schema)


def case_unresolved_column_via_columns(spark):
    return error(lambda: spark.range(3).select(F.col("nope") + 1).columns)


def case_unresolved_column_df_attr(spark):
    df = spark.range(3)
    return error(lambda: df.select(df["nope"]).collect())


def case_unresolved_column_several_candidates(spark):
    df = spark.range(1).select(F.lit(1).alias("alpha"), F.lit(2).alias("beta"), F.lit(3).alias("alpine"))
    return error(lambda: df.select("alp").collect())


def case_unresolved_column_show(spark):
    return error(lambda: spark.range(3).select("nope").show())


def case_unresolved_column_filter(spark):
    return error(lambda: spark.range(3).filter(F.col("nope") > 1).collect())


def case_table_not_found(spark):
    return error(lambda: spark.sql("SELECT * FROM nonexistent_table"))


def case_parse_error(spark):
    return error(lambda: spark.sql("SELEC 1"), full=True)


def case_parse_error_select_expr(spark):
    return error(lambda: spark.range(1).selectExpr("id +").collect(), full=True)


def case_divide_by_zero(spark):
    return error(lambda: spark.sql("SELECT 1/0 AS x").collect(), full=True)


def case_divide_by_zero_dataframe(spark):
    return error(lambda: spark.range(3).select((F.lit(1) / (F.col("id") - F.col("id"))).alias("x")).collect())


def case_cast_invalid_input(spark):
    return error(lambda: spark.sql("SELECT CAST('abc' AS INT) AS x").collect())


def case_unresolved_function(spark):
    return error(lambda: spark.range(1).selectExpr("no_such_function(id)").collect())


def case_long_overflow(spark):
    return error(lambda: spark.range(1).select((F.lit(2**62) * 4).alias("x")).collect())


def case_error_then_many_queries_ok(spark):
    errs = []
    for _ in range(3):
        errs.append(error(lambda: spark.range(3).select("nope").collect(), message=False)["condition"])
    return {"errors": errs, "after": collect(spark.range(2)), "version": spark.version}


def case_error_types_hierarchy(spark):
    """isinstance checks users write against the pyspark.errors classes."""
    from pyspark.errors import AnalysisException, PySparkException
    try:
        spark.range(3).select("nope").collect()
    except Exception as e:  # noqa: BLE001
        return {"AnalysisException": isinstance(e, AnalysisException),
                "PySparkException": isinstance(e, PySparkException),
                "mro": [c.__name__ for c in type(e).__mro__]}
    return "no error"
