"""createDataFrame round trips: pandas (inferred and explicit schemas), lists of
tuples / Rows / dicts with DDL and StructType schemas, every Spark type with
nulls, toPandas() back, and a large frame that goes through the artifact cache
(chunked_cached_local_relation)."""

import datetime
import decimal
import hashlib

import numpy as np
import pandas as pd
from pyspark.sql import Row
from pyspark.sql import types as T

from caselib import collect, error, norm, result, schema_json

D = decimal.Decimal
dt = datetime.datetime
date = datetime.date
td = datetime.timedelta


def pandas_result(pdf):
    """dtypes + values of a pandas DataFrame, exactly."""
    return {
        "columns": [str(c) for c in pdf.columns],
        "dtypes": [str(t) for t in pdf.dtypes],
        "values": [[norm(v) for v in row] for row in pdf.itertuples(index=False, name=None)],
    }


# ---------------------------------------------------------------- pandas, inferred schema

def case_pandas_ints(spark):
    pdf = pd.DataFrame({
        "i64": np.array([1, -2, 2**62], dtype="int64"),
        "i32": np.array([1, -2, 2**30], dtype="int32"),
        "i16": np.array([1, -2, 300], dtype="int16"),
        "i8": np.array([1, -2, 100], dtype="int8"),
    })
    return result(spark.createDataFrame(pdf))


def case_pandas_unsigned_error(spark):
    # Spark rejects unsigned Arrow types (UNSUPPORTED_ARROWTYPE).
    pdf = pd.DataFrame({"u8": np.array([0, 1, 255], dtype="uint8")})
    return error(lambda: spark.createDataFrame(pdf).collect())


def case_pandas_nullable_ints(spark):
    pdf = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"),
                        "b": pd.array([None, 2, None], dtype="Int32")})
    return result(spark.createDataFrame(pdf))


def case_pandas_floats(spark):
    pdf = pd.DataFrame({
        "f64": [1.5, float("nan"), float("inf"), -0.0, 1e-310, None],
        "f32": np.array([1.5, float("nan"), 3.4e38, -0.0, 0.1, 2.0], dtype="float32"),
    })
    return result(spark.createDataFrame(pdf))


def case_pandas_bools(spark):
    pdf = pd.DataFrame({"b": [True, False, True], "ob": [True, None, False],
                        "nb": pd.array([True, None, False], dtype="boolean")})
    return result(spark.createDataFrame(pdf))


def case_pandas_strings(spark):
    pdf = pd.DataFrame({"s": ["a", "", "h\u00e9llo \u4e16\u754c \U0001F600", None, "tab\tnew\nline"]})
    return result(spark.createDataFrame(pdf))


def case_pandas_bytes(spark):
    pdf = pd.DataFrame({"b": [b"\x00\x01", b"", None, bytes(range(256))]})
    return result(spark.createDataFrame(pdf))


def case_pandas_datetime_naive(spark):
    pdf = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00", "1970-01-01 00:00:00.000001",
                                             None, "1900-03-04 05:06:07.123456"], format="ISO8601")})
    return result(spark.createDataFrame(pdf))


def case_pandas_datetime_tz_utc(spark):
    pdf = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00", None, "2024-07-01 12:30:00"]).tz_localize("UTC")})
    return result(spark.createDataFrame(pdf))


def case_pandas_datetime_tz_other(spark):
    pdf = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00", "2024-07-01 12:30:00"])
                        .tz_localize("America/New_York")})
    return result(spark.createDataFrame(pdf))


def case_pandas_dates(spark):
    pdf = pd.DataFrame({"d": [date(2024, 2, 29), None, date(1, 1, 1), date(9999, 12, 31)]})
    return result(spark.createDataFrame(pdf))


def case_pandas_timedelta(spark):
    pdf = pd.DataFrame({"d": pd.to_timedelta(["1 days 02:03:04.000005", "-1 days", None])})
    return result(spark.createDataFrame(pdf))


def case_pandas_decimals(spark):
    pdf = pd.DataFrame({"d": [D("1.5"), D("-123.456"), None, D("0.000001")]})
    return result(spark.createDataFrame(pdf))


def case_pandas_lists(spark):
    pdf = pd.DataFrame({"l": [[1, 2], [], None, [3, None]],
                        "ls": [["a"], ["b", "c"], [None], []]})
    return result(spark.createDataFrame(pdf))


def case_pandas_nested_lists(spark):
    pdf = pd.DataFrame({"ll": [[[1], [2, 3]], [[]], None]})
    return result(spark.createDataFrame(pdf))


def case_pandas_dicts(spark):
    # What does Spark infer for a column of dicts (inferPandasDictAsMap is false)?
    pdf = pd.DataFrame({"m": [{"a": 1, "b": 2}, {"c": 3}, None]})
    try:
        return result(spark.createDataFrame(pdf))
    except Exception as e:  # noqa: BLE001 - the failure is the answer
        from caselib import error_info
        return {"error": error_info(e)}


def case_pandas_mixed_with_schema_ddl(spark):
    pdf = pd.DataFrame({"a": [1, 2, None], "b": ["x", None, "z"], "c": [1.5, None, 2.5]})
    return result(spark.createDataFrame(pdf, "a int, b string, c double"))


def case_pandas_dicts_with_map_schema(spark):
    pdf = pd.DataFrame({"m": [{"a": 1, "b": 2}, {"c": 3}, None]})
    return result(spark.createDataFrame(pdf, "m map<string,int>"))


def case_pandas_struct_with_schema(spark):
    pdf = pd.DataFrame({"s": [{"x": 1, "y": "a"}, None, {"x": None, "y": "c"}]})
    return result(spark.createDataFrame(pdf, "s struct<x:int,y:string>"))


def case_pandas_index_ignored(spark):
    pdf = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 20, 30])
    return result(spark.createDataFrame(pdf))


def case_pandas_non_string_column_names(spark):
    pdf = pd.DataFrame({0: [1], 1: ["a"]})
    return result(spark.createDataFrame(pdf))


def case_pandas_empty_with_schema(spark):
    pdf = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="object")})
    return result(spark.createDataFrame(pdf, "a long, b string"))


def case_pandas_roundtrip_to_pandas(spark):
    pdf = pd.DataFrame({
        "i": [1, 2, 3], "f": [1.5, float("nan"), None], "s": ["a", None, "c"],
        "b": [True, False, True], "t": pd.to_datetime(["2024-01-01", None, "2024-01-03 04:05:06"], format="ISO8601"),
        "d": [date(2024, 1, 1), None, date(2024, 1, 3)],
    })
    out = spark.createDataFrame(pdf).toPandas()
    return pandas_result(out)


# ---------------------------------------------------------------- lists with explicit schemas

ALL_TYPES_DDL = (
    "bo boolean, by tinyint, sh smallint, i int, l bigint, f float, d double, "
    "dec decimal(10,2), dec38 decimal(38,18), s string, bi binary, da date, ts timestamp, "
    "tsn timestamp_ntz, dti interval day to second"
)

ALL_TYPES_ROWS = [
    (True, 1, 2, 3, 4, 1.5, 2.5, D("12.34"), D("12345678901234567890.123456789012345678"), "a",
     b"\x01\x02", date(2024, 2, 29), dt(2024, 2, 29, 1, 2, 3, 456789), dt(2024, 2, 29, 1, 2, 3, 456789),
     td(days=1, seconds=2, microseconds=3)),
    (False, -128, -32768, -2**31, -2**63, -0.0, float("nan"), D("-99999999.99"),
     D("-99999999999999999999.999999999999999999"), "", b"", date(1582, 10, 10), dt(1000, 1, 1, 0, 0, 0),
     dt(1000, 1, 1, 0, 0, 0), td(0)),
    (True, 127, 32767, 2**31 - 1, 2**63 - 1, float("inf"), float("-inf"), D("0.01"), D("0E-18"),
     "\u4e16\u754c \U0001F600", bytes(range(256)), date(9999, 12, 31), dt(9999, 12, 31, 23, 59, 59, 999999),
     dt(9999, 12, 31, 23, 59, 59, 999999), td(days=-3, microseconds=1)),
    (None,) * 15,
]


def case_all_types_ddl(spark):
    return result(spark.createDataFrame(ALL_TYPES_ROWS, ALL_TYPES_DDL))


def case_all_types_struct_type(spark):
    schema = T.StructType([
        T.StructField("bo", T.BooleanType()), T.StructField("by", T.ByteType()),
        T.StructField("sh", T.ShortType()), T.StructField("i", T.IntegerType()),
        T.StructField("l", T.LongType()), T.StructField("f", T.FloatType()),
        T.StructField("d", T.DoubleType()), T.StructField("dec", T.DecimalType(10, 2)),
        T.StructField("dec38", T.DecimalType(38, 18)), T.StructField("s", T.StringType()),
        T.StructField("bi", T.BinaryType()), T.StructField("da", T.DateType()),
        T.StructField("ts", T.TimestampType()), T.StructField("tsn", T.TimestampNTZType()),
        T.StructField("dti", T.DayTimeIntervalType()),
    ])
    return result(spark.createDataFrame(ALL_TYPES_ROWS, schema))


def case_all_types_to_pandas(spark):
    # Rows 1 and 2 hold timestamps outside pandas' datetime64[ns] range.
    rows = [ALL_TYPES_ROWS[0], ALL_TYPES_ROWS[3]]
    return pandas_result(spark.createDataFrame(rows, ALL_TYPES_DDL).toPandas())


def case_to_pandas_out_of_range_timestamp(spark):
    return error(lambda: spark.createDataFrame([(dt(1000, 1, 1),)], "t timestamp").toPandas())


def case_non_nullable_schema(spark):
    schema = T.StructType([T.StructField("a", T.IntegerType(), False), T.StructField("b", T.StringType(), True)])
    return result(spark.createDataFrame([(1, "x"), (2, None)], schema))


def case_ddl_not_null(spark):
    return result(spark.createDataFrame([(1, "x")], "a int not null, b string"))


def case_float_precision(spark):
    # FloatType keeps float32 precision: 0.1 comes back as 0.10000000149011612.
    return result(spark.createDataFrame([(0.1, 0.1), (1 / 3, 1 / 3), (16777217.0, 16777217.0)], "f float, d double"))


def case_decimal_38_18(spark):
    vals = [(D("99999999999999999999.999999999999999999"),), (D("-0.000000000000000001"),),
            (D("1"),), (D("0"),), (None,)]
    return result(spark.createDataFrame(vals, "d decimal(38,18)"))


def case_decimal_scales(spark):
    vals = [(D("1.1"), D("1"), D("123456789012345678"))]
    return result(spark.createDataFrame(vals, "a decimal(5,3), b decimal(1,0), c decimal(18,0)"))


def case_timestamps_tz_aware_input(spark):
    tz = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    vals = [(dt(2024, 1, 1, 12, 0, tzinfo=tz), dt(2024, 1, 1, 12, 0))]
    return result(spark.createDataFrame(vals, "ts timestamp, tsn timestamp_ntz"))


def case_timestamp_ntz_inferred(spark):
    # Without a schema, naive datetimes infer as TIMESTAMP (spark.sql.timestampType = TIMESTAMP_LTZ).
    return result(spark.createDataFrame([(dt(2024, 5, 6, 7, 8, 9),)], ["t"]))


def case_day_time_interval_fields_error(spark):
    # Spark 4.2 rejects a local relation whose day-time interval has other
    # start/end fields than DAY TO SECOND (the Arrow data is DAY TO SECOND).
    vals = [(td(days=1, hours=2), td(hours=3, minutes=4), td(seconds=5, microseconds=6))]
    return error(lambda: spark.createDataFrame(
        vals, "a interval day to hour, b interval hour to minute, c interval second").collect())


def case_year_month_interval_collect(spark):
    # PySpark 4.2 cannot collect year-month intervals.
    df = spark.sql("SELECT INTERVAL '1-2' YEAR TO MONTH AS ym")
    return {"schema": schema_json(df), "collect": error(df.collect)}


def case_year_month_interval_schema_only(spark):
    df = spark.sql("SELECT INTERVAL '3' YEAR AS y, INTERVAL '4' MONTH AS m, INTERVAL '1-2' YEAR TO MONTH AS ym")
    return {"schema": schema_json(df), "dtypes": df.dtypes}


def case_null_type(spark):
    schema = T.StructType([T.StructField("n", T.NullType()), T.StructField("i", T.IntegerType())])
    return result(spark.createDataFrame([(None, 1), (None, None)], schema))


def case_null_type_ddl(spark):
    return result(spark.createDataFrame([(None,)], "n void"))


def case_null_type_inferred(spark):
    # A column that is None everywhere.
    return error(lambda: spark.createDataFrame([(None, 1)], ["n", "i"]).collect())


def case_arrays(spark):
    vals = [([1, 2, None], [["a"], [], None], [1.5]),
            ([], None, []),
            (None, [[None, "b"]], None)]
    return result(spark.createDataFrame(vals, "a array<int>, aa array<array<string>>, ad array<double>"))


def case_arrays_not_null_elements(spark):
    schema = T.StructType([T.StructField("a", T.ArrayType(T.IntegerType(), containsNull=False))])
    return result(spark.createDataFrame([([1, 2],), (None,)], schema))


def case_arrays_of_types(spark):
    vals = [([D("1.10"), None], [date(2020, 1, 1)], [dt(2020, 1, 1, 1, 1, 1)], [b"\x01", None], [True, None])]
    return result(spark.createDataFrame(
        vals, "dec array<decimal(5,2)>, d array<date>, t array<timestamp>, b array<binary>, bo array<boolean>"))


def case_maps(spark):
    vals = [({"a": 1, "b": None}, {1: ["x"]}),
            ({}, None),
            (None, {2: [], 3: None})]
    return result(spark.createDataFrame(vals, "m map<string,int>, mi map<int,array<string>>"))


def case_map_nested_values(spark):
    vals = [({"k": {"x": 1.5}}, {"k": Row(a=1, b="z")})]
    return result(spark.createDataFrame(vals, "mm map<string,map<string,double>>, ms map<string,struct<a:int,b:string>>"))


def case_structs(spark):
    vals = [(Row(a=1, b="x"), Row(p=Row(q=1.5, r=[1, 2]), s=None)),
            (None, Row(p=None, s="t")),
            (Row(a=None, b=None), None)]
    return result(spark.createDataFrame(
        vals, "s struct<a:int,b:string>, n struct<p:struct<q:double,r:array<int>>,s:string>"))


def case_structs_from_tuples(spark):
    return result(spark.createDataFrame([((1, "x"),), ((2, None),)], "s struct<a:int,b:string>"))


def case_struct_type_nested_non_nullable(spark):
    schema = T.StructType([
        T.StructField("s", T.StructType([
            T.StructField("a", T.IntegerType(), False),
            T.StructField("b", T.ArrayType(T.StringType(), False), True),
        ]), True)
    ])
    return result(spark.createDataFrame([((1, ["x"]),), (None,)], schema))


def case_field_metadata(spark):
    schema = T.StructType([T.StructField("a", T.IntegerType(), True, {"comment": "hello", "k": 1})])
    return result(spark.createDataFrame([(1,)], schema))


def case_rows_inferred(spark):
    rs = [Row(a=1, b="x", c=1.5, d=True), Row(a=2, b=None, c=None, d=None)]
    return result(spark.createDataFrame(rs))


def case_tuples_with_column_names(spark):
    return result(spark.createDataFrame([(1, "a"), (2, "b")], ["n", "s"]))


def case_tuples_no_names(spark):
    return result(spark.createDataFrame([(1, "a"), (2, "b")]))


def case_dicts_inferred(spark):
    return result(spark.createDataFrame([{"x": 1, "y": "a"}, {"x": 2, "y": None}]))


def case_inferred_nested(spark):
    rs = [Row(l=[1, 2], m={"a": 1.5}, s=Row(x=1, y=[Row(z="q")]), d=date(2020, 1, 1), b=bytearray(b"\x00"),
              dec=D("1.25"))]
    return result(spark.createDataFrame(rs))


def case_inferred_int_overflow_long(spark):
    return result(spark.createDataFrame([(2**40,), (1,)], ["v"]))


def case_single_value_list(spark):
    return result(spark.createDataFrame([1, 2, 3], "int"))


def case_empty_list_with_schema(spark):
    return result(spark.createDataFrame([], "a int, b string"))


def case_empty_list_struct_type(spark):
    schema = T.StructType([T.StructField("a", T.LongType())])
    return result(spark.createDataFrame([], schema))


def case_schema_mismatch_error(spark):
    return error(lambda: spark.createDataFrame([(1, 2)], "a int"), message=False)


def case_duplicate_column_names(spark):
    return result(spark.createDataFrame([(1, 2)], ["a", "a"]))


def case_column_names_special(spark):
    return result(spark.createDataFrame([(1, 2, 3)], ["a b", "a.b", "`c`"]))


# ---------------------------------------------------------------- large frames (artifact cache)

def case_large_pandas_cached_relation(spark):
    n = 200_000
    rng = np.random.default_rng(1234)
    pdf = pd.DataFrame({
        "id": np.arange(n, dtype="int64"),
        "x": rng.standard_normal(n),
        "s": [f"row-{i:07d}" for i in range(n)],
        "b": (np.arange(n) % 3 == 0),
    })
    df = spark.createDataFrame(pdf)
    back = df.toPandas()
    same = bool(back.equals(pdf))
    head = df.limit(3).collect()
    digest = hashlib.sha256(pd.util.hash_pandas_object(back, index=False).values.tobytes()).hexdigest()
    return {"same_as_input": same, "rows": len(back), "head": head, "dtypes": [str(t) for t in back.dtypes],
            "digest": digest, "schema": schema_json(df)}


def case_large_list_rows(spark):
    # Above localRelationCacheThreshold (1 MiB) from a list of tuples with a schema.
    n = 60_000
    data = [(i, f"value-{i}", float(i) / 7) for i in range(n)]
    df = spark.createDataFrame(data, "i long, s string, f double")
    rs = df.collect()
    ok = all(r.i == i and r.s == f"value-{i}" and r.f == float(i) / 7 for i, r in enumerate(rs))
    return {"n": len(rs), "all_equal": ok, "last": rs[-1]}


def case_large_pandas_twice_same_data(spark):
    # The second upload of the same data hits the artifact cache (no re-upload).
    n = 150_000
    pdf = pd.DataFrame({"a": np.arange(n, dtype="int64"), "b": np.arange(n, dtype="float64") * 0.5})
    same1 = spark.createDataFrame(pdf).toPandas().equals(pdf)
    same2 = spark.createDataFrame(pdf).toPandas().equals(pdf)
    return [same1, same2]
