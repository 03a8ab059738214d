"""spark.sql: correlated subqueries whose outer references are unqualified
column names (as the TPC-H queries write them): a name the subquery's FROM
does not have is looked up in the outer query's FROM; a name both have is
the subquery's own."""

from sqlcaselib import sql_cases

O = "VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, NULL) AS o(o_key, o_val, o_tag)"
L = "VALUES (1, 5), (1, 7), (2, 9), (3, NULL), (5, 1) AS l(l_key, l_qty)"
P = "VALUES (1, 'x'), (2, 'y'), (3, 'x') AS p(p_key, p_kind)"
O2 = "VALUES (1, 10), (1, 15), (2, 30), (2, 20), (3, 5) AS o2(o_key, o_val)"
S = "VALUES (1, 100), (2, 200) AS s(s_key, s_val)"

sql_cases(globals(), {
    "exists_unqualified": f"SELECT o_key FROM {O} WHERE EXISTS (SELECT * FROM {L} WHERE l_key = o_key AND l_qty > 6) ORDER BY o_key",
    "not_exists_unqualified": f"SELECT o_key FROM {O} WHERE NOT EXISTS (SELECT * FROM {L} WHERE l_key = o_key) ORDER BY o_key",
    "in_unqualified": f"SELECT o_key FROM {O} WHERE o_val IN (SELECT l_qty * 2 FROM {L} WHERE l_key = o_key) ORDER BY o_key",
    "scalar_where_unqualified": f"SELECT o_key FROM {O} WHERE o_val > (SELECT 2 * avg(l_qty) FROM {L} WHERE l_key = o_key) ORDER BY o_key",
    "scalar_select_unqualified": f"SELECT o_key, (SELECT sum(l_qty) FROM {L} WHERE l_key = o_key) AS s FROM {O} ORDER BY o_key",
    "scalar_count_unqualified": f"SELECT o_key, (SELECT count(*) FROM {L} WHERE l_key = o_key) AS c FROM {O} ORDER BY o_key",
    "scalar_over_comma_join": f"SELECT p_key, p_kind FROM {P}, {O} WHERE p_key = o_key AND o_val = (SELECT min(o_val) FROM {O2}, {S} WHERE s_key = o2.o_key AND o2.o_key = p_key) ORDER BY p_key",
    "outer_over_comma_join": f"SELECT o_key, p_kind FROM {O}, {P} WHERE o_key = p_key AND EXISTS (SELECT 1 FROM {L} WHERE l_key = p_key) ORDER BY o_key",
    "inner_name_wins": f"SELECT o_key FROM {O} WHERE EXISTS (SELECT 1 FROM VALUES (2), (3) AS x(o_key) WHERE o_key = 3) ORDER BY o_key",
    "nested_levels": f"SELECT s_key FROM {S} WHERE s_key IN (SELECT l_key FROM {L} WHERE l_qty > (SELECT 0.5 * sum(o_val) FROM {O} WHERE o_key = l_key)) ORDER BY s_key",
    "over_ctes": "WITH c AS (SELECT id AS c_key FROM range(5)), l AS (SELECT id % 3 AS l_key FROM range(10)) SELECT c_key FROM c WHERE EXISTS (SELECT 1 FROM l WHERE l_key = c_key) ORDER BY c_key",
    "same_name_both_sides_is_inner": "SELECT id FROM range(5) WHERE EXISTS (SELECT 1 FROM range(3) r2 WHERE r2.id = id) ORDER BY id",
    "in_view_of_tables": f"SELECT count(*) FROM {O} WHERE EXISTS (SELECT 1 FROM {L} WHERE l_key = o_key)",
})
