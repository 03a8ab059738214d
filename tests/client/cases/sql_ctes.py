"""spark.sql: common table expressions (WITH)."""

from sqlcaselib import sql_cases, sql_error_cases

sql_cases(globals(), {
    "simple": "WITH t AS (SELECT id FROM range(3)) SELECT * FROM t ORDER BY id",
    "two_ctes": "WITH a AS (SELECT id FROM range(3)), b AS (SELECT id * 10 AS v FROM a) SELECT * FROM b ORDER BY v",
    "column_list": "WITH t(x, y) AS (SELECT id, id * 2 FROM range(2)) SELECT x, y FROM t ORDER BY x",
    "used_twice": "WITH t AS (SELECT id FROM range(3)) SELECT a.id, b.id FROM t a JOIN t b ON a.id = b.id ORDER BY 1",
    "alias_over_cte": "WITH t AS (SELECT 1 AS v) SELECT q.v FROM t q",
    "nested_with": "WITH t AS (WITH u AS (SELECT 5 AS v) SELECT v + 1 AS w FROM u) SELECT * FROM t",
    "shadowing": "WITH t AS (SELECT 1 AS v) SELECT * FROM (WITH t AS (SELECT 2 AS v) SELECT * FROM t)",
    "cte_in_subquery": "SELECT * FROM (WITH t AS (SELECT 7 AS v) SELECT v FROM t)",
    "cte_aggregate": "WITH t AS (SELECT id % 2 AS k, id FROM range(6)) SELECT k, sum(id) FROM t GROUP BY k ORDER BY k",
    "cte_union": "WITH t AS (SELECT 1 AS v) SELECT v FROM t UNION ALL SELECT v + 1 FROM t",
    "cte_case_insensitive": "WITH Tab AS (SELECT 3 AS v) SELECT * FROM tab",
})

sql_error_cases(globals(), {
    "duplicate_names": "WITH t AS (SELECT 1), t AS (SELECT 2) SELECT * FROM t",
    "cte_out_of_scope": "SELECT * FROM (WITH t AS (SELECT 1 AS v) SELECT * FROM t) x JOIN t ON true",
})
