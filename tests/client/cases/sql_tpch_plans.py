"""spark.sql: the query shapes of TPC-H whose plans Ember rewrites for
speed, checked for their answers: comma joins listed in an order that
pairs unrelated tables (the inner joins are reordered), join equalities
repeated in every branch of an OR (factored out), IN over a list of
constants or an uncorrelated IN subquery (a hash set), with NULLs."""

from sqlcaselib import sql_cases

A = "VALUES (1, 'x', 10), (2, 'y', 20), (3, 'z', NULL) AS a(a_key, a_name, a_val)"
B = "VALUES (100, 'n1'), (200, 'n2') AS b(b_key, b_name)"
C = "VALUES (1, 100, 5), (1, 200, 6), (2, 100, 7), (3, 200, 8), (4, 100, 9) AS c(c_a, c_b, c_q)"
D = "VALUES ('n1', 'EU'), ('n2', 'US') AS d(d_name, d_region)"

sql_cases(globals(), {
    # a and b share no condition: written order would cross them first.
    "comma_join_reordered": f"SELECT a_key, b_key, c_q FROM {A}, {B}, {C} WHERE a_key = c_a AND b_key = c_b ORDER BY a_key, b_key",
    "comma_join_four_tables": f"SELECT a_name, d_region, sum(c_q) AS q FROM {A}, {B}, {D}, {C} WHERE a_key = c_a AND b_key = c_b AND b_name = d_name GROUP BY a_name, d_region ORDER BY a_name, d_region",
    "comma_join_columns_in_written_order": f"SELECT * FROM {A}, {B}, {C} WHERE a_key = c_a AND b_key = c_b ORDER BY a_key, b_key",
    "comma_join_with_real_cross": f"SELECT a_key, d_region FROM {A}, {D}, {C} WHERE a_key = c_a AND c_q > 6 ORDER BY a_key, d_region",
    "or_with_common_equality": f"SELECT a_key, c_q FROM {A}, {C} WHERE (a_key = c_a AND a_name = 'x' AND c_q < 6) OR (a_key = c_a AND a_name = 'y' AND c_q > 6) OR (a_key = c_a AND c_q = 8) ORDER BY a_key, c_q",
    "or_branch_is_common_part": f"SELECT a_key, c_q FROM {A}, {C} WHERE (a_key = c_a AND c_q > 6) OR a_key = c_a ORDER BY a_key, c_q",
    "or_with_nulls": f"SELECT a_key FROM {A} WHERE (a_val > 5 AND a_key < 3) OR (a_val > 5 AND a_val IS NULL) OR (a_val > 5 AND a_name = 'z') ORDER BY a_key",
    "or_in_select_list": f"SELECT a_key, (a_val > 5 AND a_key = 1) OR (a_val > 5 AND a_key = 3) AS f FROM {A} ORDER BY a_key",
    "in_long_int_list": "SELECT id FROM range(30) WHERE id IN (1, 3, 5, 7, 11, 13, 17, 19, 23, 29) ORDER BY id",
    "in_long_list_with_null": "SELECT id, id IN (1, 2, 3, 4, NULL) AS r FROM range(6) ORDER BY id",
    "not_in_long_list": "SELECT id FROM range(10) WHERE id NOT IN (1, 2, 3, 4, 5) ORDER BY id",
    "in_long_string_list": "SELECT s, s IN ('a', 'bb', 'ccc', '', 'eeeee') AS r FROM VALUES ('a'), ('b'), (''), (NULL), ('ccc') AS t(s)",
    "in_long_date_list": "SELECT d IN (DATE '2000-01-01', DATE '2000-01-02', DATE '2000-01-03', DATE '2000-01-04') AS r FROM VALUES (DATE '2000-01-02'), (DATE '1999-01-01'), (NULL) AS t(d)",
    "in_mixed_types_list": "SELECT id IN (1, 2L, 3S, 4Y, 5) AS r FROM range(7)",
    "in_subquery_many_values": "SELECT count(*) FROM range(1000) WHERE id IN (SELECT id * 7 FROM range(100))",
    "in_subquery_strings": f"SELECT a_key FROM {A} WHERE a_name IN (SELECT d_name FROM {D} UNION ALL SELECT 'x' UNION ALL SELECT 'y' UNION ALL SELECT 'q') ORDER BY a_key",
    "in_literal_value_long_list": "SELECT 3 IN (1, 2, 3, 4, 5), 9 IN (1, 2, 3, 4, 5), CAST(NULL AS INT) IN (1, 2, 3, 4, 5)",
})
