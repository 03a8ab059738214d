"""df._repr_html_() (the HtmlString relation notebooks use with eager evaluation)."""

import datetime
import decimal

from pyspark.sql import Row

TYPES_DDL = "b boolean, i int, d double, dec decimal(10,2), s string, da date, ts timestamp, a array<int>, " \
            "m map<string,int>, st struct<x:int,y:string>"
TYPES_ROWS = [
    (True, 1, 1.5, decimal.Decimal("12.34"), "x<y", datetime.date(2024, 2, 29),
     datetime.datetime(2024, 2, 29, 1, 2, 3), [1, None], {"k": 1}, Row(x=1, y="a")),
    (None,) * 10,
]


def _eager(spark):
    spark.conf.set("spark.sql.repl.eagerEval.enabled", "true")


def case_html_escaping_and_nulls(spark):
    _eager(spark)
    return spark.createDataFrame([(1, "<a&b>\"q\""), (2, None)], "id int, s string")._repr_html_()


def case_html_more_rows_than_shown(spark):
    _eager(spark)
    return spark.range(30)._repr_html_()


def case_html_all_types(spark):
    _eager(spark)
    return spark.createDataFrame(TYPES_ROWS, TYPES_DDL)._repr_html_()


def case_html_truncate_setting(spark):
    _eager(spark)
    spark.conf.set("spark.sql.repl.eagerEval.truncate", "5")
    try:
        return spark.createDataFrame([("a long string value",)], "s string")._repr_html_()
    finally:
        spark.conf.unset("spark.sql.repl.eagerEval.truncate")
