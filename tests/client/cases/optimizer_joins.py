"""Filters and joins whose results the optimizer's rewrites must not change
(src/plan/optimize_*.c): filter conjuncts pushed into join inputs only where
the join type allows it, join-condition conjuncts pushed into inputs,
disjunctions with one-sided parts (TPC-H Q19's shape), a cross join whose
filter becomes its condition, inner joins over Parquet whose inputs are
swapped to build the smaller side, and column narrowing below joins,
aggregates and sorts. Answers recorded from Spark."""

import os

from pyspark.sql import functions as F

from caselib import result

DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "data", "parquet"))
col = F.col


def left(spark):
    return spark.createDataFrame(
        [(1, "a", 10, None), (2, "b", 20, 1.5), (3, "c", 30, 2.5), (4, None, 40, 3.5), (5, "e", None, 4.5),
         (6, "f", 60, 5.5)],
        "lk int, ls string, lv int, ld double")


def right(spark):
    return spark.createDataFrame(
        [(1, "x", 100), (2, "y", 200), (2, "yy", 210), (3, None, 300), (7, "z", 700), (None, "n", 0)],
        "rk int, rs string, rv int")


def case_inner_filter_each_side_and_both(spark):
    j = left(spark).join(right(spark), col("lk") == col("rk"))
    return result(j.filter((col("lv") > 10) & (col("rv") < 700) & (col("lv") * 10 < col("rv")))
                  .orderBy("lk", "rs"))


def case_inner_or_with_one_sided_parts(spark):
    j = left(spark).join(right(spark), col("lk") == col("rk"))
    cond = ((col("ls") == "b") & (col("rv") >= 200)) | ((col("lv") >= 30) & (col("rs").isNull()))
    return result(j.filter(cond).orderBy("lk", "rs"))


def case_inner_or_with_a_branch_on_both_sides(spark):
    j = left(spark).join(right(spark), col("lk") == col("rk"))
    cond = (col("ls") == "a") | (col("lv") + col("rv") > 220)
    return result(j.filter(cond).orderBy("lk", "rs"))


def case_left_outer_filter_on_right_is_null(spark):
    # The classic anti-join: the right-side test must stay above the join.
    j = left(spark).join(right(spark), col("lk") == col("rk"), "left")
    return result(j.filter(col("rs").isNull() & (col("lk") > 1)).orderBy("lk"))


def case_left_outer_condition_with_one_sided_conjuncts(spark):
    # A left-only conjunct of the condition must not drop left rows.
    j = left(spark).join(right(spark), (col("lk") == col("rk")) & (col("lv") > 15) & (col("rv") > 150), "left")
    return result(j.orderBy("lk", "rs"))


def case_right_outer_filter_both_sides(spark):
    j = left(spark).join(right(spark), col("lk") == col("rk"), "right")
    return result(j.filter((col("rv") > 0) & (col("lv").isNull() | (col("lv") < 30))).orderBy("rk", "rs"))


def case_full_outer_filter(spark):
    j = left(spark).join(right(spark), col("lk") == col("rk"), "full")
    return result(j.filter(col("lv").isNull() | col("rv").isNull()).orderBy("lk", "rk", "rs"))


def case_semi_and_anti_conditions(spark):
    cond = (col("lk") == col("rk")) & (col("rv") >= 200) & (col("lv") < 60)
    semi = left(spark).join(right(spark), cond, "left_semi").orderBy("lk")
    anti = left(spark).join(right(spark), cond, "left_anti").orderBy("lk")
    return {"semi": result(semi), "anti": result(anti)}


def case_cross_join_filter_becomes_condition(spark):
    j = left(spark).crossJoin(right(spark))
    return result(j.filter((col("lk") == col("rk")) & (col("ld") > 2.0)).orderBy("lk", "rs"))


def case_narrowed_join_then_aggregate(spark):
    j = left(spark).join(right(spark), col("lk") == col("rk"))
    return result(j.groupBy("ls").agg(F.sum("rv").alias("s"), F.count(F.lit(1)).alias("n")).orderBy("ls"))


def case_three_way_join_select_subset(spark):
    third = spark.createDataFrame([(100, "p"), (200, "q"), (300, "r")], "tv int, tn string")
    j = (left(spark).join(right(spark), col("lk") == col("rk"))
         .join(third, col("rv") == col("tv"))
         .select("tn", "ls")
         .orderBy("tn", "ls"))
    return result(j)


def case_parquet_self_join_smaller_side_built(spark):
    # The left input is filtered three times (estimated an eighth of the
    # file), the right once (a half): the join builds the left side.
    t = spark.read.parquet(os.path.join(DATA, "rowgroups.parquet"))
    a = t.filter(col("id") < 120).filter(col("id") % 3 == 0).filter(col("s") != "k000").select(col("id").alias("a_id"), col("s").alias("a_s"))
    b = t.select(col("id").alias("b_id"), col("n").alias("b_n"), col("d").alias("b_d"))
    j = a.join(b, (col("a_id") + 1 == col("b_id")) & (col("b_d") > 0.5))
    return result(j.orderBy("a_id"))


def case_parquet_filter_pushed_through_join_to_scan(spark):
    t = spark.read.parquet(os.path.join(DATA, "rowgroups.parquet"))
    small = spark.createDataFrame([(250, "x"), (399, "y"), (5, "z")], "k long, tag string")
    j = t.join(small, col("id") == col("k")).filter((col("id") >= 200) & (col("n").isNull() | (col("tag") == "y")))
    return result(j.select("id", "s", "n", "tag").orderBy("id"))
