"""spark.sql(q, args=...): named (:name) and positional (?) parameters."""

import datetime

from caselib import error, result


def case_named_int(spark):
    return result(spark.sql("SELECT :x + 1 AS v", args={"x": 41}))


def case_named_several(spark):
    return result(spark.sql("SELECT id FROM range(10) WHERE id > :lo AND id < :hi ORDER BY id", args={"lo": 3, "hi": 7}))


def case_named_string(spark):
    return result(spark.sql("SELECT upper(:s) AS u", args={"s": "abc"}))


def case_named_reused(spark):
    return result(spark.sql("SELECT :a * :a AS sq, :a AS a", args={"a": 7}))


def case_named_date(spark):
    return result(spark.sql("SELECT :d AS d", args={"d": datetime.date(2020, 1, 2)}))


def case_named_null_and_bool(spark):
    return result(spark.sql("SELECT :n IS NULL AS a, :b AS b", args={"n": None, "b": True}))


def case_named_in_limit_query(spark):
    return result(spark.sql("SELECT id FROM range(5) WHERE id IN (:a, :b) ORDER BY id", args={"a": 1, "b": 3}))


def case_positional(spark):
    return result(spark.sql("SELECT ? + ? AS s", args=[1, 2]))


def case_positional_strings(spark):
    return result(spark.sql("SELECT concat(?, ?) AS c", args=["x", "y"]))


def case_positional_where(spark):
    return result(spark.sql("SELECT id FROM range(10) WHERE id BETWEEN ? AND ? ORDER BY id", args=[2, 4]))


def case_named_float_decimal(spark):
    import decimal
    return result(spark.sql("SELECT :f AS f, :d AS d", args={"f": 1.5, "d": decimal.Decimal("1.25")}))


def case_unbound_named(spark):
    return error(lambda: spark.sql("SELECT :missing AS v").collect())


def case_unbound_named_with_args(spark):
    return error(lambda: spark.sql("SELECT :a + :b", args={"a": 1}).collect())
