"""spark.sql: UNION / INTERSECT / EXCEPT / MINUS with ALL and DISTINCT, and
Spark's precedence (INTERSECT binds tighter)."""

from sqlcaselib import sql_cases

sql_cases(globals(), {
    "union_distinct_default": "SELECT * FROM (SELECT 1 AS a UNION SELECT 1 UNION SELECT 2) ORDER BY a",
    "union_all": "SELECT * FROM (SELECT 1 AS a UNION ALL SELECT 1 UNION ALL SELECT 2) ORDER BY a",
    "union_distinct_keyword": "SELECT * FROM (SELECT 1 AS a UNION DISTINCT SELECT 1) ORDER BY a",
    "union_order_limit": "SELECT id FROM range(3) UNION ALL SELECT id FROM range(2) ORDER BY id DESC LIMIT 3",
    "union_widening": "SELECT 1 AS x UNION ALL SELECT 2.5 UNION ALL SELECT NULL",
    "union_names_from_first": "SELECT 1 AS first UNION ALL SELECT 2 AS second",
    "intersect": "SELECT id FROM range(5) INTERSECT SELECT id FROM range(3, 8) ORDER BY id",
    "intersect_all": "SELECT * FROM VALUES 1, 1, 2 AS t(a) INTERSECT ALL SELECT * FROM VALUES 1, 1, 1 AS u(a)",
    "except": "SELECT id FROM range(5) EXCEPT SELECT id FROM range(2) ORDER BY id",
    "minus": "SELECT id FROM range(5) MINUS SELECT id FROM range(3) ORDER BY id",
    "except_all": "SELECT * FROM VALUES 1, 1, 2, 2 AS t(a) EXCEPT ALL SELECT * FROM VALUES 1 AS u(a) ORDER BY a",
    "precedence_intersect_first": "SELECT 1 AS a UNION SELECT 2 INTERSECT SELECT 1",
    "precedence_left_assoc": "SELECT * FROM (SELECT 1 AS a UNION ALL SELECT 2 EXCEPT SELECT 2) ORDER BY a",
    "parenthesized_setop": "SELECT * FROM ((SELECT 1 AS a UNION ALL SELECT 2) EXCEPT (SELECT 2)) ORDER BY a",
    "values_union": "VALUES (1) UNION ALL VALUES (2)",
    "setop_in_subquery": "SELECT count(*) FROM (SELECT id FROM range(10) EXCEPT SELECT id FROM range(4))",
})
