"""spark.sql: uncorrelated scalar, IN and EXISTS subqueries."""

from sqlcaselib import sql_cases, sql_error_cases

sql_cases(globals(), {
    "scalar_in_select": "SELECT (SELECT max(id) FROM range(5)) AS m",
    "scalar_in_where": "SELECT id FROM range(10) WHERE id > (SELECT avg(id) FROM range(10)) ORDER BY id",
    "scalar_name": "SELECT (SELECT 1)",
    "scalar_empty_is_null": "SELECT (SELECT id FROM range(0)) AS v",
    "scalar_in_expression": "SELECT id + (SELECT 100) AS v FROM range(2)",
    "in_subquery": "SELECT id FROM range(6) WHERE id IN (SELECT id * 2 FROM range(3)) ORDER BY id",
    "not_in_subquery": "SELECT id FROM range(6) WHERE id NOT IN (SELECT id * 2 FROM range(3)) ORDER BY id",
    "in_subquery_in_select": "SELECT id, id IN (SELECT 1) AS hit FROM range(3)",
    "in_subquery_empty": "SELECT id FROM range(3) WHERE id IN (SELECT id FROM range(0))",
    "exists": "SELECT id FROM range(3) WHERE EXISTS (SELECT 1)",
    "not_exists": "SELECT id FROM range(3) WHERE NOT EXISTS (SELECT id FROM range(0))",
    "exists_in_select": "SELECT EXISTS (SELECT id FROM range(2) WHERE id > 5) AS e",
    "nested_subqueries": "SELECT (SELECT max(id) FROM range(10) WHERE id < (SELECT 4)) AS v",
    "subquery_with_cte": "WITH t AS (SELECT id FROM range(4)) SELECT id FROM t WHERE id IN (SELECT max(id) FROM t)",
})

sql_error_cases(globals(), {
    "scalar_too_many_columns": "SELECT (SELECT 1, 2)",
    "scalar_too_many_rows": "SELECT (SELECT id FROM range(3)) AS v",
})
