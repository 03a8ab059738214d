#!/usr/bin/env python3
"""Records Apache Spark 4.2's Dataset.show() text for tests/unit/test_show.c.

Run with the oracle's Python (full pyspark 4.2.0 + Java 17):
    /root/.cache/ember/oracle-venv/bin/python tests/oracle/types/gen_show_expected.py
It rewrites tests/oracle/types/show_expected.inc: for each case, C code that
builds the same data as Arrow-layout vectors (physical values computed here
from the Python values given to Spark) and the exact text Spark printed.
"""
import contextlib
import datetime as dt
import decimal
import io
import os
import struct
from decimal import Decimal

from pyspark.sql import SparkSession
from pyspark.sql import types as T

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def ts(*a):
    return dt.datetime(*a, tzinfo=UTC)


# (name, ddl, rows, [(show kwargs, session tz)])
# Zones whose pre-1970 history differs between JDK 17's tzdb and Debian's
# tzdata (e.g. Europe/Amsterdam, which the JDK links to Europe/Brussels) are
# not used here: Ember reads the system tz database.
DEFAULT = [({}, "UTC")]
ALL_MODES = [({}, "UTC"), ({"truncate": False}, "UTC"), ({"truncate": 3}, "UTC"), ({"truncate": 5}, "UTC"),
             ({"vertical": True}, "UTC"), ({"n": 1}, "UTC"), ({"n": 2, "vertical": True}, "UTC"),
             ({"n": 0}, "UTC")]

CASES = [
    ("ints", "a tinyint, b smallint, c int, d bigint",
     [(1, 2, 3, 4), (-128, -32768, -2147483648, -9223372036854775808), (127, 32767, 2147483647, 9223372036854775807),
      (None, None, None, None)], ALL_MODES),
    ("doubles", "d double",
     [(x,) for x in [1.0, 0.1, 1e10, 1e-4, float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1e7, 9999999.0,
                     1e-3, 0.00099, 123456789.123, 1e21, 1e22, 5e-324, 1.7976931348623157e308, 2.0 / 3, 100.0,
                     12345.678, 1.2345678901234567e-7, 4.35, 0.3, 2e-3, -1.5e300, 9007199254740993.0, None]],
     # 1e23 is left out: JDK 17's Double.toString prints 9.999999999999999E22, not the shortest form.
     [({"truncate": False, "n": 50}, "UTC"), ({}, "UTC")]),
    ("floats", "f float",
     [(x,) for x in [1.0, 0.1, 1e10, 3.4028235e38, 1e-45, 0.3, 16777216.0, 1.1, 3.14159, 1e7, 1e-3, None]],
     [({"truncate": False}, "UTC")]),
    ("decimals", "a decimal(10,2), b decimal(38,38), c decimal(5,0), d decimal(38,0), e decimal(20,10)",
     [(Decimal("1.50"), Decimal("0.00000001"), Decimal("12345"), Decimal("-" + "9" * 38), Decimal("-0.0000000001")),
      (Decimal("-12.5"), Decimal("-0.5"), Decimal("0"), Decimal("1"), Decimal("1234567890.0123456789")),
      (None, None, None, None, Decimal("0"))], DEFAULT),
    ("bool_string_binary", "b boolean, s string, x binary",
     [(True, "hello", bytearray(b"\x01\x02\xff")), (False, "", bytearray(b"")),
      (None, "a\nb\tc\\d\re", None), (True, "tab\tend", bytearray(b"\x00"))], ALL_MODES),
    ("dates", "d date",
     [(x,) for x in [dt.date(2024, 1, 2), dt.date(1970, 1, 1), dt.date(1, 1, 1), dt.date(999, 3, 4),
                     dt.date(9999, 12, 31), dt.date(1582, 10, 4), dt.date(1582, 10, 15), dt.date(1969, 12, 31),
                     dt.date(2000, 2, 29), None]], DEFAULT),
    ("timestamps", "t timestamp, n timestamp_ntz",
     [(ts(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(2024, 1, 2, 3, 4, 5, 120000)),
      (ts(2024, 7, 2, 3, 4, 5), dt.datetime(2024, 7, 2, 3, 4, 5)),
      (ts(1970, 1, 1), dt.datetime(1969, 12, 31, 23, 59, 59, 999999)),
      (ts(1900, 1, 1, 12), dt.datetime(1900, 1, 1, 12)),
      (ts(1800, 6, 1), dt.datetime(1, 1, 1)),
      (ts(2024, 3, 10, 10, 30), dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
      (ts(2024, 11, 3, 8, 30), None),
      (ts(2038, 6, 1, 12), dt.datetime(2038, 6, 1, 12)),
      (ts(2100, 1, 1, 0, 0, 0, 1), dt.datetime(2100, 1, 1, 0, 0, 0, 1)),
      (None, dt.datetime(1582, 10, 10))],
     [({}, "UTC"), ({}, "America/Los_Angeles"), ({}, "Asia/Kolkata"), ({}, "Europe/Berlin"),
      ({}, "Australia/Lord_Howe"), ({}, "Asia/Kathmandu"), ({}, "+05:30"), ({}, "Etc/GMT+3")]),
    ("day_time_intervals", "a interval day to second, b interval day, c interval hour to minute, "
                           "d interval minute to second, e interval second, f interval hour, g interval day to hour, "
                           "h interval hour to second, i interval minute, j interval day to minute",
     [tuple([dt.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=500000)] * 10),
      tuple([-dt.timedelta(days=1, hours=2, minutes=3, seconds=4)] * 10),
      tuple([dt.timedelta(seconds=5)] * 10),
      tuple([dt.timedelta(0)] * 10),
      tuple([dt.timedelta(days=100, microseconds=1)] * 10),
      tuple([None] * 10)], [({"truncate": False}, "UTC")]),
    ("arrays", "a array<int>, b array<string>, c array<array<double>>",
     [([1, 2, None], ["x", None, "NULL"], [[1.0, None], [], None]), ([], [], []), (None, None, None)], ALL_MODES),
    ("maps", "m map<string,int>, n map<int,array<string>>",
     [({"a": 1, "b": None}, {1: ["x"], 2: None}), ({}, {}), (None, None)], DEFAULT),
    ("structs", "s struct<x: int, y: string>, t struct<a: struct<b: array<int>>, m: map<string, date>>",
     [((1, "a"), (([1, 2],), {"k": dt.date(2020, 1, 1)})), ((None, None), ((None,), None)), (None, None)],
     ALL_MODES),
    ("unicode", "a string, b string",
     [("日本語", "abc"), ("ｱｲｳ", "x"), ("한국어 텍스트입니다", "é"), ("\U0001F600", "中文字符串很长很长很长很长很长很长")],
     [({}, "UTC"), ({"truncate": False}, "UTC"), ({"truncate": 4}, "UTC"), ({"vertical": True}, "UTC")]),
    ("long_strings", "`a long column name` string, b string",
     [("x" * 30, "abcd"), ("y" * 19, "abcdefghijklmnopqrstuvwxyz")], ALL_MODES),
    ("empty", "a int, b string", [], [({}, "UTC"), ({"vertical": True}, "UTC"), ({"truncate": False}, "UTC")]),
]

# Types PySpark cannot create from Python values: built from SQL literals;
# the physical values are Spark's (months; {months, days, nanoseconds}; ns of day).
SQL_CASES = [
    ("year_month_intervals",
     "a interval year to month, b interval year, c interval month",
     [("interval '1-2' year to month", "interval '3' year", "interval '5' month"),
      ("interval '-1-2' year to month", "interval '-3' year", "interval '-25' month"),
      ("interval '0-0' year to month", "interval '0' year", "interval '0' month"),
      ("cast(null as interval year to month)", "cast(null as interval year)", "cast(null as interval month)")],
     [(14, 36, 5), (-14, -36, -25), (0, 0, 0), (None, None, None)]),
    ("calendar_intervals", "c interval",
     [("make_interval(1, 2, 3, 4, 5, 6, 7.000008)",), ("make_interval(0, 0, 0, 0, 0, 0, 0)",),
      ("make_interval(-1, 0, 0, -1, 0, 0, -0.5)",), ("make_interval(0, 13, 0, 0, 25, 0, 0)",),
      ("make_interval(0, 0, 0, 0, 0, 0, 59.999999)",), ("cast(null as interval)",)],
     [((14, 25, 18367000008000),), ((0, 0, 0),), ((-12, -1, -500000000),), ((13, 0, 90000000000000),),
      ((0, 0, 59999999000),), (None,)]),
    ("times", "t time(6)",
     [("time'12:34:56.123'",), ("time'00:00:00'",), ("time'23:59:59.999999'",), ("time'01:02:03.4'",),
      ("if(false, time'00:00:00', null)",)],
     [(45296123000000,), (0,), (86399999999000,), (3723400000000,), (None,)]),
]


def cstr(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif 0x20 <= b < 0x7F and c != "?":
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def cbytes(b):
    return '"' + "".join("\\%03o" % x for x in b) + '", %d' % len(b)


def micros(d):
    delta = d - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def emit(dtype, v, val, out, indent="  "):
    """C statements appending Python value val (of Spark type dtype) to vector expression v."""
    if val is None:
        out.append(f"{indent}CHECK(em_vec_append_null({v}) == 0);")
        return
    if isinstance(dtype, T.ByteType):
        out.append(f"{indent}ap_i8({v}, {val});")
    elif isinstance(dtype, T.ShortType):
        out.append(f"{indent}ap_i16({v}, {val});")
    elif isinstance(dtype, T.IntegerType):
        out.append(f"{indent}ap_i32({v}, {val});")
    elif isinstance(dtype, T.LongType):
        out.append(f"{indent}ap_i64({v}, INT64_C({val}));" if val != -2**63 else f"{indent}ap_i64({v}, INT64_MIN);")
    elif isinstance(dtype, T.FloatType):
        out.append(f"{indent}ap_f32bits({v}, 0x%08xu);" % struct.unpack("<I", struct.pack("<f", val))[0])
    elif isinstance(dtype, T.DoubleType):
        out.append(f"{indent}ap_f64bits({v}, UINT64_C(0x%016x));" % struct.unpack("<Q", struct.pack("<d", val))[0])
    elif isinstance(dtype, T.DecimalType):
        unscaled = int(val.scaleb(dtype.scale, context=decimal.Context(prec=100)))
        out.append(f'{indent}ap_dec({v}, "{unscaled}");')
    elif isinstance(dtype, T.BooleanType):
        out.append(f"{indent}CHECK(em_vec_append_bool({v}, {'true' if val else 'false'}) == 0);")
    elif isinstance(dtype, T.StringType):
        out.append(f"{indent}ap_str({v}, {cstr(val)});")
    elif isinstance(dtype, T.BinaryType):
        out.append(f"{indent}ap_bytes({v}, {cbytes(bytes(val))});")
    elif isinstance(dtype, T.DateType):
        out.append(f"{indent}ap_i32({v}, {(val - dt.date(1970, 1, 1)).days});")
    elif isinstance(dtype, T.TimestampType):
        out.append(f"{indent}ap_i64({v}, INT64_C({micros(val)}));")
    elif isinstance(dtype, T.TimestampNTZType):
        out.append(f"{indent}ap_i64({v}, INT64_C({micros(val.replace(tzinfo=UTC))}));")
    elif isinstance(dtype, T.DayTimeIntervalType):
        us = (val.days * 86400 + val.seconds) * 1000000 + val.microseconds
        out.append(f"{indent}ap_i64({v}, INT64_C({us}));")
    elif isinstance(dtype, T.ArrayType):
        for x in val:
            emit(dtype.elementType, f"{v}->children[0]", x, out, indent)
        out.append(f"{indent}CHECK(em_vec_append_list_end({v}) == 0);")
    elif isinstance(dtype, T.MapType):
        e = f"{v}->children[0]"
        for k, x in val.items():
            emit(dtype.keyType, f"{e}->children[0]", k, out, indent)
            emit(dtype.valueType, f"{e}->children[1]", x, out, indent)
            out.append(f"{indent}CHECK(em_vec_append_struct_end({e}, true) == 0);")
        out.append(f"{indent}CHECK(em_vec_append_list_end({v}) == 0);")
    elif isinstance(dtype, T.StructType):
        for i, f in enumerate(dtype.fields):
            emit(f.dataType, f"{v}->children[{i}]", val[i], out, indent)
        out.append(f"{indent}CHECK(em_vec_append_struct_end({v}, true) == 0);")
    else:
        raise TypeError(dtype)


def emit_raw(ddl_type, v, val, out):
    if val is None:
        out.append(f"  CHECK(em_vec_append_null({v}) == 0);")
    elif ddl_type.startswith("interval year") or ddl_type.startswith("interval month"):
        out.append(f"  ap_i32({v}, {val});")
    elif ddl_type == "interval":
        out.append(f"  ap_cal({v}, {val[0]}, {val[1]}, INT64_C({val[2]}));")
    elif ddl_type.startswith("time"):
        out.append(f"  ap_i64({v}, INT64_C({val}));")
    else:
        raise TypeError(ddl_type)


def capture_show(df, kwargs):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        df.show(**kwargs)
    text = buf.getvalue()
    # PySpark print()s showString, which already ends in a newline.
    assert text.endswith("\n")
    return text[:-1]


def main():
    spark = SparkSession.builder.master("local[1]").getOrCreate()
    spark.sparkContext.setLogLevel("OFF")
    spark.conf.set("spark.sql.timeType.enabled", "true")
    parser = spark._jsparkSession.sessionState().sqlParser()
    out = ["/* Generated by tests/oracle/types/gen_show_expected.py from Apache Spark " + spark.version
           + "; do not edit. */", ""]
    entries = []
    for idx, (name, ddl, rows, modes) in enumerate(CASES):
        schema = T._parse_datatype_json_string(parser.parseTableSchema(ddl).json())
        df = spark.createDataFrame(rows, schema)
        fn = f"build_{name}"
        out.append(f"static em_batch *{fn}(void) {{")
        out.append(f"  em_type *schema = ddl({cstr(ddl)});")
        out.append(f"  em_vec *cols[{len(schema.fields)}];")
        for i, f in enumerate(schema.fields):
            out.append(f"  cols[{i}] = em_vec_new(schema->u.st.fields[{i}].type, 0);")
            out.append(f"  CHECK(cols[{i}] != NULL);")
            for r in rows:
                emit(f.dataType, f"cols[{i}]", r[i], out)
        out.append(f"  return em_batch_new(schema, {len(schema.fields)}, cols, {len(rows)});")
        out.append("}")
        out.append("")
        for kwargs, tz in modes:
            spark.conf.set("spark.sql.session.timeZone", tz)
            entries.append((fn, len(rows), kwargs, tz, capture_show(df, kwargs)))
    for name, ddl, exprs, phys in SQL_CASES:
        types = [t.strip().split(" ", 1)[1] for t in ddl.split(",")]
        names = [t.strip().split(" ", 1)[0] for t in ddl.split(",")]
        sel = " union all ".join("select " + ", ".join(f"{e} as {n}" for e, n in zip(r, names)) for r in exprs)
        df = spark.sql(sel)
        fn = f"build_{name}"
        out.append(f"static em_batch *{fn}(void) {{")
        out.append(f"  em_type *schema = ddl({cstr(ddl)});")
        out.append(f"  em_vec *cols[{len(types)}];")
        for i, t in enumerate(types):
            out.append(f"  cols[{i}] = em_vec_new(schema->u.st.fields[{i}].type, 0);")
            out.append(f"  CHECK(cols[{i}] != NULL);")
            for r in phys:
                emit_raw(t, f"cols[{i}]", r[i], out)
        out.append(f"  return em_batch_new(schema, {len(types)}, cols, {len(phys)});")
        out.append("}")
        out.append("")
        for kwargs, tz in [({"truncate": False}, "UTC"), ({}, "UTC")]:
            spark.conf.set("spark.sql.session.timeZone", tz)
            entries.append((fn, len(phys), kwargs, tz, capture_show(df, kwargs)))
    out.append("static const struct show_case {")
    out.append("  em_batch *(*build)(void);")
    out.append("  int64_t nrows, num_rows;")
    out.append("  int truncate;")
    out.append("  bool vertical;")
    out.append("  const char *tz, *expected;")
    out.append("} show_cases[] = {")
    for fn, nrows, kwargs, tz, text in entries:
        n = kwargs.get("n", 20)
        tr = kwargs.get("truncate", True)
        tr = 20 if tr is True else (0 if tr is False else tr)
        vert = "true" if kwargs.get("vertical", False) else "false"
        out.append(f"  {{{fn}, {nrows}, {n}, {tr}, {vert}, {cstr(tz)},\n   {cstr(text)}}},")
    out.append("};")
    with open(os.path.join(HERE, "show_expected.inc"), "w") as f:
        f.write("\n".join(out) + "\n")
    spark.stop()


if __name__ == "__main__":
    main()
