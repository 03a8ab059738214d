"""df.show() in all its forms and df.printSchema(), on data with every type."""

import datetime
import decimal

from pyspark.sql import Row
from pyspark.sql import functions as F

from caselib import print_schema, show

D = decimal.Decimal
dt = datetime.datetime
date = datetime.date
td = datetime.timedelta

TYPES_DDL = (
    "bo boolean, by tinyint, sh smallint, i int, l bigint, f float, d double, dec decimal(10,2), "
    "dec38 decimal(38,18), s string, bi binary, da date, ts timestamp, tsn timestamp_ntz, "
    "dti interval day to second, a array<int>, m map<string,int>, st struct<x:int,y:string>"
)
TYPES_ROWS = [
    (True, 1, 2, 3, 4, 1.5, 2.5, D("12.34"), D("12345678901234567890.123456789012345678"), "short",
     b"\x01\x02\xff", date(2024, 2, 29), dt(2024, 2, 29, 1, 2, 3, 456789), dt(2024, 2, 29, 1, 2, 3),
     td(days=1, seconds=2, microseconds=3), [1, None, 3], {"k": 1, "n": None}, Row(x=1, y="a")),
    (False, -128, -32768, -2**31, -2**63, float("nan"), float("-inf"), D("-99999999.99"), D("0E-18"),
     "a string that is definitely longer than twenty characters", b"", date(1970, 1, 1),
     dt(1970, 1, 1), dt(1970, 1, 1), td(0), [], {}, Row(x=None, y=None)),
    (None,) * 18,
    (True, 127, 32767, 2**31 - 1, 2**63 - 1, 1e20, 1e-7, D("0.01"), D("1"), "\u4e16\u754c\U0001F600 wide",
     bytes(range(20)), date(9999, 12, 31), dt(2000, 6, 15, 12, 0, 0, 1), dt(2000, 6, 15, 12, 0, 0, 100000),
     td(days=-3, hours=-4), [None], {"z": None}, None),
]


def _types_df(spark):
    return spark.createDataFrame(TYPES_ROWS, TYPES_DDL)


def case_show_range_default(spark):
    return show(spark.range(5))


def case_show_range_more_than_20(spark):
    return show(spark.range(25))


def case_show_n_smaller(spark):
    return show(spark.range(10), 3)


def case_show_n_one(spark):
    return show(spark.range(10), 1)


def case_show_n_zero(spark):
    return show(spark.range(10), 0)


def case_show_n_negative(spark):
    return show(spark.range(3), -1)


def case_show_empty(spark):
    return show(spark.range(0))


def case_show_empty_no_columns(spark):
    return show(spark.range(3).select())


def case_show_all_types(spark):
    return show(_types_df(spark))


def case_show_all_types_truncate_false(spark):
    return show(_types_df(spark), truncate=False)


def case_show_all_types_truncate_5(spark):
    return show(_types_df(spark), truncate=5)


def case_show_all_types_truncate_3(spark):
    return show(_types_df(spark), truncate=3)


def case_show_all_types_vertical(spark):
    return show(_types_df(spark), vertical=True)


def case_show_all_types_vertical_truncate_false(spark):
    return show(_types_df(spark), n=2, truncate=False, vertical=True)


def case_show_vertical_n(spark):
    return show(spark.range(10), 2, vertical=True)


def case_show_vertical_empty(spark):
    return show(spark.range(0), vertical=True)


def case_show_strings_alignment(spark):
    df = spark.createDataFrame([("a", 1), ("\u00e9\u00e9", 22), ("\u4e16\u754c", 333), ("", None), (None, -1)],
                               "s string, n int")
    return show(df)


def case_show_long_string_truncation(spark):
    df = spark.createDataFrame([("x" * 19,), ("y" * 20,), ("z" * 21,), ("w" * 40,)], "s string")
    return {"default": show(df), "t10": show(df, truncate=10), "t0": show(df, truncate=0),
            "t1": show(df, truncate=1), "t4": show(df, truncate=4)}


def case_show_newlines_tabs(spark):
    df = spark.createDataFrame([("line1\nline2",), ("tab\there",), ("cr\rx",)], "s string")
    return show(df, truncate=False)


def case_show_column_name_truncation(spark):
    df = spark.range(2).select(F.col("id").alias("a_very_long_column_name_exceeding_twenty"))
    return {"default": show(df), "t5": show(df, truncate=5), "vertical": show(df, vertical=True)}


def case_show_doubles(spark):
    df = spark.createDataFrame([(0.1,), (1e16,), (1.0,), (-0.0,), (123456789.123,), (1e-5,), (float("nan"),),
                                (float("inf"),), (2.5e-300,)], "d double")
    return show(df)


def case_show_floats(spark):
    df = spark.createDataFrame([(0.1,), (1e10,), (3.4e38,), (1.0,), (1e-5,)], "f float")
    return show(df)


def case_show_decimals(spark):
    df = spark.createDataFrame([(D("0.00"),), (D("-1.50"),), (D("12345678.90"),), (None,)], "d decimal(10,2)")
    return show(df)


def case_show_timestamps(spark):
    df = spark.createDataFrame([(dt(2024, 1, 1, 0, 0, 0), dt(2024, 1, 1, 0, 0, 0)),
                                (dt(2024, 1, 1, 0, 0, 0, 500000), dt(2024, 1, 1, 0, 0, 0, 120)),
                                (dt(1000, 1, 1, 0, 0, 0), dt(1000, 1, 1, 0, 0, 0))], "ts timestamp, tsn timestamp_ntz")
    return show(df, truncate=False)


def case_show_intervals(spark):
    df = spark.sql("SELECT INTERVAL '1 02:03:04.5' DAY TO SECOND AS dts, INTERVAL '1-2' YEAR TO MONTH AS ym, "
                   "INTERVAL '-3' HOUR AS h, INTERVAL '5' MONTH AS mo")
    return show(df, truncate=False)


def case_show_binary(spark):
    df = spark.createDataFrame([(b"\x00\x01\xab",), (b"",), (bytes(range(30)),), (None,)], "b binary")
    return {"default": show(df), "full": show(df, truncate=False)}


def case_show_nested(spark):
    df = spark.createDataFrame(
        [([[1, 2], [3]], {"a": [1]}, Row(p=Row(q=1.5, r=[1, 2]), s="x"), [Row(k=1, v=None)]),
         (None, {}, Row(p=None, s=None), []),
         ([[], None], {"b": None}, None, [None])],
        "aa array<array<int>>, m map<string,array<int>>, n struct<p:struct<q:double,r:array<int>>,s:string>, "
        "ast array<struct<k:int,v:string>>")
    return {"default": show(df, truncate=False), "vertical": show(df, truncate=False, vertical=True)}


def case_show_booleans_and_nulls(spark):
    df = spark.createDataFrame([(True, None), (False, "null"), (None, "NULL")], "b boolean, s string")
    return show(df)


def case_show_sql_literals(spark):
    return show(spark.sql("SELECT 1, 'a', NULL, 1.5, true, DATE '2020-01-01', X'0A'"), truncate=False)


def case_show_after_limit(spark):
    return show(spark.range(100).limit(4))


# ---------------------------------------------------------------- printSchema

NESTED_DDL = (
    "a int not null, s struct<x:int,y:struct<z:array<map<string,struct<w:double>>>>>, "
    "arr array<struct<p:int,q:array<int>>>, m map<int,map<string,binary>>, dec decimal(38,18), "
    "ts timestamp, tsn timestamp_ntz, dti interval day to second, da date, bi binary"
)


def _nested_df(spark):
    return spark.createDataFrame([], NESTED_DDL)


def case_print_schema_range(spark):
    return print_schema(spark.range(1))


def case_print_schema_all_types(spark):
    return print_schema(_types_df(spark))


def case_print_schema_nested(spark):
    return print_schema(_nested_df(spark))


def case_print_schema_levels(spark):
    df = _nested_df(spark)
    return {str(level): print_schema(df, level) for level in (1, 2, 3, 4, 5)}


def case_print_schema_level_zero_negative(spark):
    df = _nested_df(spark)
    return {"0": print_schema(df, 0), "-1": print_schema(df, -1)}


def case_print_schema_intervals_void(spark):
    df = spark.sql("SELECT NULL AS n, INTERVAL '1-2' YEAR TO MONTH AS ym, INTERVAL '3' DAY AS d, "
                   "INTERVAL '4' HOUR AS h")
    return print_schema(df)


def case_print_schema_empty(spark):
    return print_schema(spark.range(1).select())


def case_print_schema_names_special(spark):
    df = spark.createDataFrame([(1, 2)], ["a b", "c.d"])
    return print_schema(df)


def case_schema_tree_string(spark):
    df = _nested_df(spark)
    return {"treeString": df.schema.treeString(), "level2": df.schema.treeString(2),
            "simpleString": df.schema.simpleString()}
