"""Joins: every join type over keys with NULLs and duplicates, USING columns
(one output column per key, coalesced for full outer), expression conditions
with residual predicates, null-safe keys, non-equi and cross joins, self
joins through aliases, df["col"] disambiguation (plan ids on both sides, the
hidden key columns of a USING join), key types and coercion, larger generated
inputs, and the analysis errors Spark raises.

Spark does not define the order of a join's output, so rows are sorted on the
client (by their encoded text); large results are returned as a row count and
a digest of the sorted rows."""

import datetime
import decimal

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import digest, error, rows, schema_json, show

HOWS = ["inner", "left", "right", "full", "left_semi", "left_anti"]


def sorted_result(df):
    rs = df.collect()
    return {"columns": list(df.columns), "rows": sorted(rows(rs), key=repr), "schema": schema_json(df)}


def sorted_digest(df):
    rs = sorted(rows(df.collect()), key=repr)
    return {"columns": list(df.columns), "count": len(rs), "digest": digest(rs), "schema": schema_json(df)}


def left(spark):
    return spark.createDataFrame(
        [(1, "a"), (2, "b"), (None, "c"), (3, "d"), (1, "e"), (None, None)], "k int, v string")


def right(spark):
    return spark.createDataFrame(
        [(1, "x"), (1, "y"), (None, "z"), (4, "w"), (3, None)], "k int, w string")


# ---- USING joins ----

def case_using_inner(spark):
    return sorted_result(left(spark).join(right(spark), "k"))


def case_using_left(spark):
    return sorted_result(left(spark).join(right(spark), "k", "left"))


def case_using_right(spark):
    return sorted_result(left(spark).join(right(spark), "k", "right"))


def case_using_full(spark):
    return sorted_result(left(spark).join(right(spark), "k", "full"))


def case_using_semi(spark):
    return sorted_result(left(spark).join(right(spark), "k", "left_semi"))


def case_using_anti(spark):
    return sorted_result(left(spark).join(right(spark), "k", "left_anti"))


def case_using_cross(spark):
    return sorted_result(left(spark).join(right(spark), "k", "cross"))


def case_using_list_one(spark):
    return sorted_result(left(spark).join(right(spark), ["k"], "outer"))


def case_using_how_aliases(spark):
    out = {}
    for how in ["outer", "full_outer", "fullouter", "leftouter", "left_outer", "rightouter", "right_outer",
                "semi", "leftsemi", "anti", "leftanti"]:
        out[how] = sorted_result(left(spark).join(right(spark), "k", how))
    return out


def case_using_key_order_semi(spark):
    # Semi and anti joins put the USING keys first, then the other left columns.
    r = right(spark).select("w", "k")
    return {"semi": sorted_result(r.join(left(spark), "k", "left_semi")),
            "anti": sorted_result(r.join(left(spark), "k", "left_anti"))}


def case_using_non_null_keys(spark):
    # Key nullability: taken from the side that keeps the key; full outer is nullable.
    a, b = spark.range(5), spark.range(3, 8)
    return {how: sorted_result(a.join(b, "id", how)) for how in HOWS}


def case_using_key_types_widen(spark):
    # int and bigint keys: the key column takes the kept side's type (full outer: the wider one).
    a = spark.range(4).withColumnRenamed("id", "k")
    b = left(spark)
    return {how: sorted_result(a.join(b, "k", how)) for how in HOWS}


def case_using_multi_key(spark):
    l = spark.createDataFrame([(1, "p", 10), (1, "q", 11), (2, "p", 12), (None, "p", 13), (2, None, 14)],
                              "a int, b string, x int")
    r = spark.createDataFrame([(1, "p", 20), (1, "p", 21), (2, "q", 22), (None, "p", 23), (2, None, 24)],
                              "a int, b string, y int")
    return {how: sorted_result(l.join(r, ["a", "b"], how)) for how in HOWS}


def case_using_self(spark):
    l = left(spark)
    return sorted_result(l.join(l, "k"))


def case_using_then_using(spark):
    l, r = left(spark), right(spark)
    third = spark.createDataFrame([(1, 100), (4, 400), (None, 0)], "k int, z int")
    return sorted_result(l.join(r, "k", "full").join(third, "k", "left"))


# ---- condition joins ----

def case_cond_types(spark):
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, l.k == r.k, how)) for how in HOWS + ["cross"]}


def case_cond_string_how_outer(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.join(r, l.k == r.k, "outer"))


def case_cond_reversed_sides(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.join(r, r.k == l.k, "left"))


def case_cond_multi_key(spark):
    l = spark.createDataFrame([(1, "p", 10), (1, "q", 11), (2, "p", 12), (None, "p", 13)], "a int, b string, x int")
    r = spark.createDataFrame([(1, "p", 20), (1, "p", 21), (2, "q", 22), (None, "p", 23)], "a int, b string, y int")
    cond = (l.a == r.a) & (l.b == r.b)
    return {how: sorted_result(l.join(r, cond, how)) for how in HOWS}


def case_cond_list_of_columns(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.join(r, [l.k == r.k, r.w > "x"]))


def case_cond_residual(spark):
    # An equi-key plus a residual predicate on the candidate pairs.
    l, r = left(spark), right(spark)
    cond = (l.k == r.k) & (l.v < r.w)
    return {how: sorted_result(l.join(r, cond, how)) for how in HOWS}


def case_cond_residual_null(spark):
    # A residual that is NULL for some pairs rejects them (outer rows come back padded).
    l, r = left(spark), right(spark)
    cond = (l.k == r.k) & (r.w != "x")
    return {how: sorted_result(l.join(r, cond, how)) for how in HOWS}


def case_cond_null_safe(spark):
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, l.k.eqNullSafe(r.k), how)) for how in HOWS}


def case_cond_expression_keys(spark):
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, (l.k + 1) == r.k, how)) for how in ["inner", "left", "full"]}


def case_cond_non_equi(spark):
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, l.k < r.k, how)) for how in HOWS}


def case_cond_or(spark):
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, (l.k == r.k) | (l.v == "c"), how)) for how in ["inner", "left", "full"]}


def case_cond_literal_true(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.join(r, F.lit(True)).select(l.v, r.w))


def case_cond_literal_false(spark):
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, F.lit(False), how)) for how in HOWS}


def case_cond_one_side_only(spark):
    # A conjunct over one input only is a residual too.
    l, r = left(spark), right(spark)
    return {how: sorted_result(l.join(r, (l.k == r.k) & (l.v != "e"), how)) for how in ["inner", "left", "right"]}


def case_cond_key_coercion(spark):
    a = spark.range(5)
    b = spark.createDataFrame([(1, 1.0), (2, 2.5), (3, 3.0)], "i int, d double")
    return {"long_int": sorted_result(a.join(b, a.id == b.i)),
            "long_double": sorted_result(a.join(b, a.id == b.d, "left"))}


# ---- cross joins ----

def case_cross_join(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.crossJoin(r))


def case_join_without_condition(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.join(r))


def case_cross_join_range(spark):
    return sorted_digest(spark.range(40).crossJoin(spark.range(30).withColumnRenamed("id", "j")))


# ---- empty inputs ----

def case_empty_right(spark):
    l, r = left(spark), right(spark).filter(F.lit(False))
    return {how: sorted_result(l.join(r, l.k == r.k, how)) for how in HOWS}


def case_empty_left(spark):
    l, r = left(spark).filter(F.lit(False)), right(spark)
    return {how: sorted_result(l.join(r, l.k == r.k, how)) for how in HOWS}


def case_empty_using_full(spark):
    l, r = left(spark).limit(0), right(spark)
    return sorted_result(l.join(r, "k", "full"))


# ---- self joins, aliases, df["col"] ----

def case_self_join_aliases(spark):
    l = left(spark)
    a, b = l.alias("a"), l.alias("b")
    return sorted_result(a.join(b, F.col("a.k") == F.col("b.k")).select("a.k", "a.v", F.col("b.v").alias("bv")))


def case_self_join_alias_star(spark):
    l = left(spark)
    j = l.alias("a").join(l.alias("b"), F.col("a.k") == F.col("b.k"), "left")
    return {"a": sorted_result(j.select("a.*")), "b": sorted_result(j.select("b.*")),
            "both": sorted_result(j.select("b.*", "a.v"))}


def case_alias_star_using(spark):
    # USING joins keep the dropped key reachable by qualified name and star.
    l, r = left(spark).alias("a"), right(spark).alias("b")
    return {"full_a": sorted_result(l.join(r, "k", "full").select("a.*")),
            "left_b": sorted_result(l.join(r, "k", "left").select("b.*")),
            "left_bk": sorted_result(l.join(r, "k", "left").select("b.k", "k"))}


def case_df_col_disambiguation(spark):
    l, r = left(spark), right(spark)
    j = l.join(r, l.k == r.k, "full")
    return {"select": sorted_result(j.select(l["k"], r["k"], l.v, r.w)),
            "filter": sorted_result(j.filter(r["k"].isNull()).select(l.v)),
            "with_column": sorted_result(j.withColumn("kk", F.coalesce(l["k"], r["k"]))),
            "order": [list(x) for x in rows(j.orderBy(l["k"].asc_nulls_last(), r["w"].desc_nulls_first(),
                                                       l["v"].asc_nulls_first()).collect())]}


def case_df_col_drop(spark):
    l, r = left(spark), right(spark)
    return {"drop_right": sorted_result(l.join(r, l.k == r.k).drop(r.k)),
            "drop_left": sorted_result(l.join(r, l.k == r.k, "left").drop(l.k)),
            "drop_name": sorted_result(l.join(r, l.k == r.k).drop("k"))}


def case_df_col_using_hidden(spark):
    # df["k"] of either input still names its own key after a USING join.
    l, r = left(spark), right(spark)
    out = {}
    for how in ["inner", "left", "right", "full"]:
        j = l.join(r, "k", how)
        out[how] = sorted_result(j.select("k", l["k"], r["k"]))
    return out


def case_df_col_using_hidden_through(spark):
    l, r = left(spark), right(spark)
    j = l.join(r, "k", "full")
    return {"filter": sorted_result(j.filter(r["k"].isNull())),
            "filter_select": sorted_result(j.filter(r["k"].isNull()).select(r["k"], "v")),
            "select_select": sorted_result(j.select("k", "v").select(r["k"])),
            "with_column": sorted_result(j.withColumn("rk", r["k"])),
            "drop": sorted_result(j.drop(r["k"])),
            "join_cond": sorted_result(j.join(spark.range(1, 5).withColumnRenamed("id", "q"),
                                              r["k"] == F.col("q")))}


def case_derived_self_join(spark):
    l = left(spark)
    l2 = l.select("k", F.col("v").alias("v2"))
    l3 = l.select((F.col("k") + 1).alias("k"), "v")
    return {"join_l2": sorted_result(l.join(l2, l.k == l2.k)),
            "join_l2_reversed": sorted_result(l2.join(l, l.k == l2.k)),
            "select_l2": sorted_result(l.join(l2, l.k == l2.k).select(l2["k"], "v2")),
            "join_l3": sorted_result(l.join(l3, l.k == l3.k).select(l["k"], l3["k"]))}


def case_semi_join_then_df_col(spark):
    l = left(spark)
    l2 = l.select("k", F.col("v").alias("v2"))
    return sorted_result(l.join(l2, l.k == l2.k, "left_semi").select(l["k"], l["v"]))


def case_broadcast_hint(spark):
    # Join hints change the physical plan only; df["col"] of the hinted
    # DataFrame and of the original both resolve.
    l, r = left(spark), right(spark)
    rb = F.broadcast(r)
    return {"hinted_cols": sorted_result(l.join(rb, l.k == rb.k).select(l.v, rb.w)),
            "original_cols": sorted_result(l.join(rb, l.k == r.k, "left").select(l.v, r.w)),
            "named_hints": sorted_result(l.hint("merge").join(r.hint("shuffle_hash"), "k")),
            "unknown_hint": sorted_result(l.hint("no_such_hint")),
            # A broadcast left side: built instead of the right one.
            "left_broadcast": sorted_result(F.broadcast(l).join(r, l.k == r.k)),
            "left_broadcast_residual": sorted_result(F.broadcast(l).join(r, (l.k == r.k) & (l.v < r.w))),
            "left_broadcast_using": sorted_result(F.broadcast(l).join(r, "k"))}


def case_three_way_join(spark):
    l, r = left(spark), right(spark)
    t = spark.createDataFrame([(1, True), (3, False), (4, True)], "id int, flag boolean")
    j = l.join(r, l.k == r.k, "left").join(t, l.k == t.id, "full")
    return sorted_result(j.select(l.v, r.w, t.id, t.flag))


def case_full_join_under_set_operations(spark):
    # A full outer join's unmatched build rows arrive after all its
    # partitions: they must reach unions, coalesce, exchanges and set ops too.
    l, r = left(spark), right(spark)
    j = l.join(r, "k", "full")
    return {"union": sorted_result(j.union(j)),
            "coalesce": sorted_result(j.coalesce(1)),
            "repartition": sorted_result(j.repartition(3)),
            "intersect": sorted_result(j.intersect(j)),
            "range_union": sorted_result(spark.range(3).join(spark.range(2, 6), "id", "full").union(spark.range(2)))}


def case_join_then_aggregate(spark):
    l, r = left(spark), right(spark)
    return sorted_result(l.join(r, "k", "full").groupBy("k").agg(F.count("*").alias("n"), F.max("w").alias("mw")))


def case_join_limit_sort(spark):
    l, r = left(spark), right(spark)
    j = l.join(r, l.k == r.k, "full")
    return [list(x) for x in rows(j.orderBy(l.v.asc_nulls_last(), r.w.asc_nulls_last()).limit(4).collect())]


def case_join_show(spark):
    l, r = left(spark), right(spark)
    return show(l.join(r, "k", "full").orderBy(F.col("k").asc_nulls_first(), "v", "w"))


def case_join_columns_and_schema(spark):
    l, r = left(spark), right(spark)
    return {"cond": l.join(r, l.k == r.k, "right").columns,
            "using": l.join(r, "k", "right").columns,
            "schema": schema_json(l.join(r, l.k == r.k, "right"))}


# ---- key types ----

def case_key_strings(spark):
    l = spark.createDataFrame([("a", 1), ("", 2), (None, 3), ("ü", 4), ("a" * 40, 5)], "s string, x int")
    r = spark.createDataFrame([("a", 10), ("", 20), (None, 30), ("ü", 40), ("a" * 40, 50), ("A", 60)],
                              "s string, y int")
    return {how: sorted_result(l.join(r, "s", how)) for how in HOWS}


def case_key_doubles_nan_zero(spark):
    # Join keys are normalized: NaN matches NaN and -0.0 matches 0.0.
    l = spark.createDataFrame([(float("nan"), 1), (-0.0, 2), (1.5, 3), (None, 4)], "d double, x int")
    r = spark.createDataFrame([(float("nan"), 10), (0.0, 20), (1.5, 30), (None, 40)], "d double, y int")
    return {"using": sorted_result(l.join(r, "d", "full")),
            "cond": sorted_result(l.join(r, l.d == r.d)),
            "null_safe": sorted_result(l.join(r, l.d.eqNullSafe(r.d)))}


def case_key_decimal_date_bool(spark):
    l = spark.createDataFrame([(decimal.Decimal("1.50"), datetime.date(2024, 1, 1), True, 1),
                               (decimal.Decimal("2.00"), datetime.date(2024, 1, 2), False, 2),
                               (None, None, None, 3)],
                              "dec decimal(10,2), dt date, b boolean, x int")
    r = spark.createDataFrame([(decimal.Decimal("1.50"), datetime.date(2024, 1, 2), True, 10),
                               (decimal.Decimal("3.00"), datetime.date(2024, 1, 1), True, 20)],
                              "dec decimal(10,2), dt date, b boolean, y int")
    return {"decimal": sorted_result(l.join(r, "dec", "full")),
            "date": sorted_result(l.join(r, "dt", "full")),
            "bool": sorted_result(l.join(r, "b", "full")),
            "all": sorted_result(l.join(r, ["dec", "dt", "b"], "left"))}


def case_key_timestamps(spark):
    t1, t2 = datetime.datetime(2024, 3, 1, 12, 0, 0), datetime.datetime(2024, 3, 1, 12, 0, 1)
    l = spark.createDataFrame([(t1, 1), (t2, 2)], "t timestamp, x int")
    r = spark.createDataFrame([(t1, 10), (t1, 11)], "t timestamp, y int")
    return sorted_result(l.join(r, "t", "full"))


# ---- larger inputs ----

def case_large_modulo_inner(spark):
    a = spark.range(100000).select(F.col("id").alias("a_id"), (F.col("id") % 1000).alias("k"))
    b = spark.range(3000).select(F.col("id").alias("b_id"), (F.col("id") % 1500).alias("k"))
    return sorted_digest(a.join(b, "k"))


def case_large_modulo_types(spark):
    a = spark.range(20000).select(F.col("id").alias("a_id"), (F.col("id") % 997).alias("k"))
    b = spark.range(2000).select(F.col("id").alias("b_id"), ((F.col("id") * 7) % 1500).alias("k"))
    return {how: sorted_digest(a.join(b, "k", how)) for how in HOWS}


def case_large_one_to_one(spark):
    a = spark.range(200000)
    b = spark.range(50000, 150000).select(F.col("id"), (F.col("id") * 2).alias("twice"))
    return {how: sorted_digest(a.join(b, "id", how)) for how in ["inner", "left", "full", "left_anti"]}


def case_large_residual(spark):
    a = spark.range(30000).select(F.col("id").alias("a_id"), (F.col("id") % 100).alias("k"))
    b = spark.range(500).select(F.col("id").alias("b_id"), (F.col("id") % 100).alias("k2"))
    cond = (a.k == b.k2) & ((a.a_id % 7) == (b.b_id % 7))
    return {how: sorted_digest(a.join(b, cond, how)) for how in ["inner", "left", "full", "left_semi"]}


def case_large_non_equi(spark):
    a = spark.range(300).withColumnRenamed("id", "x")
    b = spark.range(200).withColumnRenamed("id", "y")
    return {how: sorted_digest(a.join(b, a.x < b.y - 150, how)) for how in ["inner", "left", "full", "left_anti"]}


def case_large_join_aggregate(spark):
    a = spark.range(100000).select((F.col("id") % 1000).alias("k"), F.col("id").alias("v"))
    b = spark.range(1000).select(F.col("id").alias("k"), (F.col("id") % 10).alias("g"))
    return sorted_result(a.join(b, "k").groupBy("g").agg(F.count("*").alias("n"), F.sum("v").alias("s")))


# ---- errors ----

def case_error_ambiguous_reference(spark):
    l, r = left(spark), right(spark)
    return error(lambda: l.join(r, l.k == r.k).select("k").collect())


def case_error_ambiguous_reference_aliases(spark):
    l, r = left(spark), right(spark)
    return error(lambda: l.alias("a").join(r.alias("b"), F.col("a.k") == F.col("b.k")).select("k").collect())


def case_error_ambiguous_in_condition(spark):
    l, r = left(spark), right(spark)
    return error(lambda: l.join(r, F.col("k") == F.col("k")).collect())


def case_error_self_join_df_col(spark):
    l = left(spark)
    return error(lambda: l.join(l, l.k == l.k).collect())


def case_error_derived_self_join_select(spark):
    l = left(spark)
    l2 = l.select("k", F.col("v").alias("v2"))
    return error(lambda: l.join(l2, l.k == l2.k).select(l["k"]).collect())


def case_error_derived_self_join_passed_column(spark):
    # l3 passes l's column v through: both sides have it.
    l = left(spark)
    l3 = l.select((F.col("k") + 1).alias("k"), "v")
    return error(lambda: l.join(l3, l.k == l3.k).select(l["v"]).collect())


def case_error_using_column_left(spark):
    return error(lambda: left(spark).join(right(spark), "zz").collect())


def case_error_using_column_right(spark):
    return error(lambda: left(spark).join(right(spark), "v").collect())


def case_error_using_column_sorted_suggestion(spark):
    l = spark.range(1).select(F.lit(1).alias("zeta"), F.lit(2).alias("alpha"), F.lit(3).alias("mid"))
    return error(lambda: l.join(right(spark), "nope").collect())


def case_error_condition_not_boolean(spark):
    l, r = left(spark), right(spark)
    return error(lambda: l.join(r, l.k + r.k).collect())


def case_error_foreign_df_col(spark):
    l, r = left(spark), right(spark)
    return error(lambda: l.join(r, l.k == r.k).select(spark.range(1)["id"]).collect())


def case_error_df_col_not_in_output(spark):
    l = left(spark)
    l3 = l.select((F.col("k") + 1).alias("k"), "v")
    return error(lambda: l3.select(l["k"]).collect())


def case_error_alias_star_unknown(spark):
    return error(lambda: left(spark).alias("a").select("zz.*").collect())


def case_error_unknown_column_in_condition(spark):
    l, r = left(spark), right(spark)
    return error(lambda: l.join(r, F.col("nope") == r.k).collect())


def case_error_via_schema(spark):
    # The same analysis errors through AnalyzePlan.
    l, r = left(spark), right(spark)
    return {"ambiguous": error(lambda: l.join(r, l.k == r.k).select("k").schema, message=False),
            "using": error(lambda: l.join(r, "zz").columns, message=False)}
