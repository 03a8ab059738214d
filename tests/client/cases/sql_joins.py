"""spark.sql: every join form (INNER, LEFT/RIGHT/FULL OUTER, SEMI, ANTI,
CROSS, NATURAL, USING, comma joins) and derived tables in joins."""

from sqlcaselib import sql_cases

L = "VALUES (1, 'a'), (2, 'b'), (3, 'c') AS l(id, x)"
R = "VALUES (2, 'B'), (3, 'C'), (4, 'D') AS r(id, y)"

sql_cases(globals(), {
    "inner_on": f"SELECT l.id, x, y FROM {L} JOIN {R} ON l.id = r.id ORDER BY l.id",
    "inner_keyword": f"SELECT l.id, y FROM {L} INNER JOIN {R} ON l.id = r.id ORDER BY 1",
    "left_outer": f"SELECT l.id, y FROM {L} LEFT JOIN {R} ON l.id = r.id ORDER BY l.id",
    "left_outer_keyword": f"SELECT l.id, y FROM {L} LEFT OUTER JOIN {R} ON l.id = r.id ORDER BY l.id",
    "right_outer": f"SELECT r.id, x FROM {L} RIGHT JOIN {R} ON l.id = r.id ORDER BY r.id",
    "full_outer": f"SELECT l.id AS lid, r.id AS rid FROM {L} FULL OUTER JOIN {R} ON l.id = r.id ORDER BY lid, rid",
    "left_semi": f"SELECT * FROM {L} LEFT SEMI JOIN {R} ON l.id = r.id ORDER BY id",
    "semi_short": f"SELECT * FROM {L} SEMI JOIN {R} ON l.id = r.id ORDER BY id",
    "left_anti": f"SELECT * FROM {L} LEFT ANTI JOIN {R} ON l.id = r.id",
    "anti_short": f"SELECT * FROM {L} ANTI JOIN {R} ON l.id = r.id",
    "cross_join": f"SELECT l.id, r.id FROM {L} CROSS JOIN {R} ORDER BY 1, 2",
    "comma_join": f"SELECT l.id, r.id FROM {L}, {R} WHERE l.id = r.id ORDER BY 1",
    "comma_join_no_condition": "SELECT a.id, b.id FROM range(2) a, range(2) b ORDER BY 1, 2",
    "using": f"SELECT * FROM {L} JOIN {R} USING (id) ORDER BY id",
    "using_left": f"SELECT * FROM {L} LEFT JOIN {R} USING (id) ORDER BY id",
    "using_full": f"SELECT * FROM {L} FULL JOIN {R} USING (id) ORDER BY id",
    "using_qualified_access": f"SELECT id, l.id, r.id FROM {L} JOIN {R} USING (id) ORDER BY id",
    "natural_join": f"SELECT * FROM {L} NATURAL JOIN {R} ORDER BY id",
    "natural_left_join": f"SELECT * FROM {L} NATURAL LEFT JOIN {R} ORDER BY id",
    "three_way": "SELECT a.id, b.id, c.id FROM range(3) a JOIN range(3) b ON a.id = b.id JOIN range(3) c ON b.id = c.id ORDER BY 1",
    "join_derived_tables": "SELECT s.v, t.w FROM (SELECT id AS v FROM range(3)) s JOIN (SELECT id AS w FROM range(1, 4)) t ON s.v = t.w ORDER BY 1",
    "join_non_equi": "SELECT a.id, b.id FROM range(3) a JOIN range(3) b ON a.id < b.id ORDER BY 1, 2",
    "join_and_condition": f"SELECT l.id FROM {L} JOIN {R} ON l.id = r.id AND r.y <> 'C'",
    "self_join_aliases": "SELECT a.id, b.id FROM range(3) a JOIN range(3) b ON a.id = b.id + 1 ORDER BY 1",
    "parenthesized_join": "SELECT * FROM (range(2) a JOIN range(2) b ON a.id = b.id) ORDER BY 1",
    "join_then_aggregate": f"SELECT y, count(*) FROM {L} JOIN {R} ON l.id = r.id GROUP BY y ORDER BY y",
    "join_where": f"SELECT x, y FROM {L} LEFT JOIN {R} ON l.id = r.id WHERE y IS NULL",
    "join_star_qualified": f"SELECT r.*, l.x FROM {L} JOIN {R} ON l.id = r.id ORDER BY r.id",
})
