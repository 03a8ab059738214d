"""The column names (and schemas) Spark generates for SQL expressions, in
spark.sql, selectExpr and F.expr."""

from pyspark.sql import functions as F

from sqlcaselib import sql_cases
from caselib import error, result

sql_cases(globals(), {
    "operators": "SELECT id + 1, id - 1, id * 2, id / 2, id % 2, -id, id = 1, id <> 1, NOT (id = 1) FROM range(1)",
    "logic": "SELECT id > 0 AND id < 5, id > 0 OR id < 5 FROM range(1)",
    "aggregates": "SELECT count(*), count(id), sum(id + 1), max(id) AS m FROM range(3)",
    "literals": "SELECT 1, 1L, 1.50, 'str', true, NULL, DATE '2020-01-01', X'AB'",
    "predicates": "SELECT id IN (1, 2), id IS NULL, id BETWEEN 0 AND 1, id <=> 0 FROM range(1)",
    "case_when": "SELECT CASE WHEN id = 0 THEN 'z' ELSE 'nz' END FROM range(1)",
    "alias_wins": "SELECT id + 1 AS plus FROM range(1)",
    "column_as_written": "SELECT ID, Id FROM range(1)",
    "qualified_column_name": "SELECT t.id FROM range(1) t",
    "function_upper": "SELECT UPPER('a'), coalesce(NULL, 1)",
})


def case_select_expr_names(spark):
    return result(spark.range(3).selectExpr("id", "id * 2", "id + 1 AS plus", "CAST(id AS STRING)", "id > 1"))


def case_select_expr_star(spark):
    return result(spark.range(2).selectExpr("*", "id * 10 AS t"))


def case_expr_function(spark):
    return result(spark.range(3).select(F.expr("id * id").alias("sq"), F.expr("id % 2 = 0")))


def case_filter_string(spark):
    return result(spark.range(10).filter("id % 3 = 0 AND id > 0"))


def case_where_string(spark):
    return result(spark.range(5).where("id IN (1, 4)"))


def case_select_expr_aggregate(spark):
    return result(spark.range(5).selectExpr("sum(id)", "count(*) AS n"))


def case_agg_expr_strings(spark):
    df = spark.range(6).selectExpr("id % 2 AS k", "id")
    return result(df.groupBy("k").agg(F.expr("sum(id)"), F.expr("max(id) AS mx")).orderBy("k"))


def case_expr_unresolved_column(spark):
    return error(lambda: spark.range(1).selectExpr("nope + 1").collect())


def case_sql_unresolved_column(spark):
    return error(lambda: spark.sql("SELECT nope FROM range(1)"))


def case_sql_unresolved_in_where(spark):
    return error(lambda: spark.sql("SELECT id FROM range(1) WHERE missing > 0"))


def case_sql_unresolved_function(spark):
    return error(lambda: spark.sql("SELECT no_such_fn(1)"))


def case_sql_type_mismatch(spark):
    return error(lambda: spark.sql("SELECT true + 1"))


def case_sql_schema_metadata(spark):
    return spark.sql("SELECT id + 1, id AS a, upper('x'), count(1) FROM range(1) GROUP BY id").schema.json()
