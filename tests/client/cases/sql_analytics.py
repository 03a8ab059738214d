"""spark.sql over the engine's analytics: window functions (frames, the
WINDOW clause, QUALIFY), GROUPING SETS / ROLLUP / CUBE with grouping(),
LATERAL VIEW, TABLESAMPLE, correlated subqueries, and the names Spark
gives these expressions and interval literals; runtime errors with their
SQL query context."""

from sqlcaselib import sql_cases, sql_error_cases

T = ("(SELECT * FROM VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', NULL), (4, 'b', 40), (5, NULL, 50) "
     "AS t(id, g, v)) t")
U = "(SELECT * FROM VALUES (1, 'a', 100), (2, 'b', 200), (3, 'c', 300) AS u(uid, g, w)) u"

sql_cases(globals(), {
    "window_rows_frame": f"SELECT id, sum(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM {T} ORDER BY id",
    "window_range_frame": f"SELECT id, sum(v) OVER (ORDER BY v RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) FROM {T} ORDER BY id",
    "window_rows_shorthand": f"SELECT id, count(v) OVER (ORDER BY id ROWS 2 PRECEDING) FROM {T} ORDER BY id",
    "window_ranking_names": f"SELECT id, row_number() OVER (ORDER BY id), rank() OVER (PARTITION BY g ORDER BY v), dense_rank() OVER (ORDER BY g) FROM {T} ORDER BY id",
    "window_clause": f"SELECT id, sum(v) OVER w, max(v) OVER w AS m FROM {T} WINDOW w AS (PARTITION BY g ORDER BY id) ORDER BY id",
    "window_clause_chained": f"SELECT id, rank() OVER w2 AS r FROM {T} WINDOW w1 AS (ORDER BY id DESC), w2 AS w1 ORDER BY id",
    "window_over_aggregate": f"SELECT g, count(*) AS c, sum(count(*)) OVER () AS total FROM {T} GROUP BY g ORDER BY g",
    "qualify": f"SELECT id, g FROM {T} QUALIFY row_number() OVER (PARTITION BY g ORDER BY id DESC) = 1 ORDER BY id",
    "qualify_alias": f"SELECT id, rank() OVER (ORDER BY id) AS r FROM {T} QUALIFY r > 3 ORDER BY id",
    "grouping_sets": f"SELECT g, v > 20 AS big, count(*) FROM {T} GROUP BY GROUPING SETS ((g, v > 20), (g), ()) ORDER BY 1, 2, 3",
    "rollup_names": f"SELECT g, grouping(g), grouping_id(), sum(v) FROM {T} GROUP BY ROLLUP(g) ORDER BY 1",
    "cube_mixed": f"SELECT g, id > 2 AS k, count(*) FROM {T} GROUP BY g, CUBE(id > 2) ORDER BY 1, 2",
    "rollup_tuple": f"SELECT g, v, count(*) FROM {T} GROUP BY ROLLUP((g, v)) ORDER BY 1, 2",
    "group_by_expression": f"SELECT v % 20, count(*) FROM {T} GROUP BY v % 20 ORDER BY 1",
    "lateral_view": "SELECT k, x FROM (SELECT 1 AS k, array(1, 2) AS xs) LATERAL VIEW explode(xs) e AS x",
    "lateral_view_outer": "SELECT k, p, x FROM (SELECT 1 AS k, array() AS xs) LATERAL VIEW OUTER posexplode(xs) e AS p, x",
    "lateral_view_default_names": "SELECT * FROM (SELECT 1 AS k, map('a', 1) AS m) LATERAL VIEW explode(m) e",
    "tablesample_rows": f"SELECT count(*) FROM (SELECT * FROM range(10)) TABLESAMPLE (3 ROWS)",
    "correlated_exists": f"SELECT id FROM {T} WHERE EXISTS (SELECT 1 FROM {U} WHERE u.g = t.g) ORDER BY id",
    "correlated_not_exists": f"SELECT id FROM {T} WHERE NOT EXISTS (SELECT 1 FROM {U} WHERE u.g = t.g) ORDER BY id",
    "correlated_in": f"SELECT id FROM {T} WHERE id IN (SELECT uid FROM {U} WHERE u.g = t.g) ORDER BY id",
    "correlated_not_in_nulls": f"SELECT id FROM {T} WHERE v NOT IN (SELECT w / 10 FROM {U} WHERE u.g = t.g) ORDER BY id",
    "correlated_scalar_select": f"SELECT id, (SELECT max(w) FROM {U} WHERE u.g = t.g) FROM {T} ORDER BY id",
    "correlated_scalar_count": f"SELECT id, (SELECT count(*) FROM {U} WHERE u.g = t.g) AS c FROM {T} ORDER BY id",
    "correlated_scalar_where": f"SELECT id FROM {T} WHERE v * 10 < (SELECT sum(w) FROM {U} WHERE u.g = t.g) ORDER BY id",
})

sql_error_cases(globals(), {
    "tablesample_out_of_range": f"SELECT * FROM (SELECT * FROM range(3)) TABLESAMPLE (150 PERCENT)",
    "runtime_error_context": "SELECT id, 10 / (id - 2) AS q FROM range(4)",
}, full=True)


# Year-month intervals do not convert to Arrow in PySpark: the names only.
INTERVALS = ["INTERVAL 3 DAYS", "INTERVAL '1-2' YEAR TO MONTH", "INTERVAL 2 HOURS 30 MINUTES", "INTERVAL '10' SECOND",
             "INTERVAL 1 YEAR", "INTERVAL 5 MONTHS", "INTERVAL '1 02:03:04' DAY TO SECOND", "INTERVAL -2 DAYS",
             "INTERVAL 1 DAY 2 HOURS", "INTERVAL '10:20' HOUR TO MINUTE", "INTERVAL 1.5 SECONDS", "INTERVAL 90 MINUTES",
             "INTERVAL 1 WEEK", "INTERVAL '-1' DAY", "INTERVAL 1 YEAR 2 MONTHS", "INTERVAL '1 day 2 hours'"]


def case_interval_names(spark):
    return spark.sql("SELECT " + ", ".join(INTERVALS)).columns


def case_interval_types(spark):
    return [f.dataType.simpleString() for f in spark.sql("SELECT " + ", ".join(INTERVALS)).schema.fields]
