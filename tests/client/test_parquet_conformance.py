"""Parquet conformance against files nobody here wrote.

Every Parquet file of parquet-testing/data is read through the server
(spark.read.parquet(path) fetched as Arrow) and compared, column names and
values, with pyarrow's reading of the same file. Encrypted files must fail
with UNSUPPORTED_FEATURE. Every file of parquet-testing/bad_data and of
arrow-testing/data/parquet (many of them fuzz-found) must give an error or
a result, and the server must survive.

The test data lives beside the repository (../shared/testdata, see
/work/shared/testdata/README.md); EMBER_TESTDATA overrides the location.
Files that cannot match pyarrow are listed in ALLOWED with the reason, and
each must be documented in docs/compatibility.md.
"""
import datetime
import decimal
import math
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.environ.get("EMBER_TESTDATA") or os.path.join(ROOT, "..", "shared", "testdata")
PQ_DATA = os.path.join(TESTDATA, "parquet-testing", "data")
BAD_DIRS = [os.path.join(TESTDATA, "parquet-testing", "bad_data"), os.path.join(TESTDATA, "arrow-testing", "data", "parquet")]

# file (relative to parquet-testing/data) -> why Ember cannot agree with pyarrow.
ALLOWED = {
    "incorrect_map_schema.parquet": "pyarrow refuses it (map keys not annotated required); nothing to compare with",
    "map_no_value.parquet": "a MAP whose key_value group has no value field: Spark refuses such a map type, so does Ember",
    "large_string_map.brotli.parquet": "a 2 GiB string column chunk: beyond the reader's 1 GiB page limit",
    "int96_from_spark.parquet": "pyarrow overflows on year 290000 (test_int96_beyond_pyarrow checks Spark's value)",
}


def _files(top, pred):
    out = []
    for d, _, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            if pred(p):
                out.append(os.path.relpath(p, top))
    return sorted(out)


def _data_files():
    if not os.path.isdir(PQ_DATA):
        return []
    return _files(PQ_DATA, lambda p: p.endswith(".parquet"))


def _norm(v):
    """A comparable form of a value from pyarrow's to_pylist."""
    if isinstance(v, float):
        return "nan" if math.isnan(v) else v
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, decimal.Decimal):
        return v
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_norm(x) for x in v)
    if type(v).__name__ == "float16":
        return _norm(float(v))
    return v


def _arrow_rows(table):
    import pyarrow as pa
    import pyarrow.compute as pc  # noqa: F401

    cols = []
    for col in table.columns:
        cols.append(_cast_for_compare(col))
    t = pa.table(cols, names=table.column_names)
    return [_norm(list(r.values())) for r in t.to_pylist()]


def _cast_for_compare(arr):
    """Timestamps to microseconds and float16 to float32 so that both
    sides compare as Python values the same way."""
    import pyarrow as pa

    def conv(t):
        if pa.types.is_timestamp(t):
            return pa.int64()  # microseconds (compared as numbers: years past 9999 exist)
        if pa.types.is_float16(t):
            return pa.float32()
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return pa.list_(pa.field(t.value_field.name, conv(t.value_type), t.value_field.nullable))
        if pa.types.is_map(t):
            return pa.map_(conv(t.key_type), conv(t.item_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, conv(f.type), f.nullable) for f in t])
        if pa.types.is_dictionary(t):
            return conv(t.value_type)
        if pa.types.is_large_string(t):
            return pa.string()
        if pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            return pa.binary()
        if pa.types.is_uint64(t):
            return pa.decimal128(20, 0)
        return t

    target = conv(arr.type)
    if target == arr.type:
        return arr
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.timestamp("us", tz=arr.type.tz), safe=False)
    return arr.cast(target, safe=False)


def _compare(spark, rel):
    import pyarrow.parquet as pq

    path = os.path.join(PQ_DATA, rel)
    import pyarrow as pa

    f = pq.ParquetFile(path, coerce_int96_timestamp_unit="us")  # ns overflows past year 2262
    batches = list(f.iter_batches(batch_size=65536))
    expected_table = pa.Table.from_batches(batches, schema=f.schema_arrow) if batches else f.schema_arrow.empty_table()
    got_table = spark.read.parquet(path).toArrow()
    if got_table.column_names != expected_table.column_names:
        return f"columns {got_table.column_names} != {expected_table.column_names}"
    got, exp = _arrow_rows(got_table), _arrow_rows(expected_table)
    if len(got) != len(exp):
        return f"{len(got)} rows != {len(exp)}"
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            return f"row {i}: {g!r:.300} != {e!r:.300}"
    return None


@pytest.mark.skipif(not os.path.isdir(PQ_DATA), reason=f"no test data at {PQ_DATA}")
def test_parquet_testing_data_matches_pyarrow(spark, ember_only, server_alive):
    failures = {}
    for rel in _data_files():
        if rel in ALLOWED:
            continue
        try:
            msg = _compare(spark, rel)
        except Exception as e:  # noqa: BLE001 - any failure is listed by file
            msg = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
        if msg:
            failures[rel] = msg
    server_alive()
    assert not failures, "files that differ from pyarrow:\n" + "\n".join(f"  {k}: {v}" for k, v in failures.items())


@pytest.mark.skipif(not os.path.isdir(PQ_DATA), reason=f"no test data at {PQ_DATA}")
def test_allowed_failures_are_documented():
    doc = open(os.path.join(ROOT, "docs", "compatibility.md")).read()
    missing = [f for f in ALLOWED if f not in doc]
    assert not missing, f"allowed Parquet conformance failures not documented in docs/compatibility.md: {missing}"
    present = set(_data_files())
    stale = [f for f in ALLOWED if f not in present]
    assert not stale, f"ALLOWED names files that do not exist: {stale}"


@pytest.mark.skipif(not os.path.isdir(PQ_DATA), reason=f"no test data at {PQ_DATA}")
def test_encrypted_parquet_is_unsupported(spark, ember_only, server_alive):
    files = _files(PQ_DATA, lambda p: p.endswith(".parquet.encrypted"))
    assert files
    for rel in files:
        with pytest.raises(Exception) as ei:
            spark.read.parquet(os.path.join(PQ_DATA, rel)).collect()
        assert "UNSUPPORTED_FEATURE" in str(ei.value), (rel, str(ei.value)[:300])
    server_alive()


@pytest.mark.skipif(not all(os.path.isdir(d) for d in BAD_DIRS), reason="no test data")
def test_bad_parquet_files_error_or_result(spark, ember_only, server_alive):
    count = 0
    for top in BAD_DIRS:
        for rel in _files(top, lambda p: not p.endswith((".md", ".txt"))):
            count += 1
            try:
                spark.read.format("parquet").load(os.path.join(top, rel)).collect()
            except Exception as e:  # noqa: BLE001 - a clean error is the expected outcome
                # A clean error is a Spark-style error class, not a lost connection.
                assert "UNAVAILABLE" not in str(e) and "Connection" not in str(e), (rel, str(e)[:300])
            server_alive()
    assert count > 100


def _days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@pytest.mark.skipif(not os.path.isdir(PQ_DATA), reason=f"no test data at {PQ_DATA}")
def test_int96_beyond_pyarrow(spark, ember_only):
    """int96_from_spark.parquet (see its .md): Spark's INT96 values in
    microseconds, up to 290000-12-31T01:00:00+02:00, which 64-bit
    nanoseconds (pyarrow) cannot hold. Rows pyarrow can hold are also
    compared with pyarrow."""
    import pyarrow as pa

    import pyarrow.parquet as pq

    path = os.path.join(PQ_DATA, "int96_from_spark.parquet")
    t = spark.read.parquet(path).toArrow()
    got = t.column(0).cast(pa.int64()).to_pylist()
    ref = pq.read_table(path, coerce_int96_timestamp_unit="us").column(0).cast(pa.int64()).to_pylist()
    assert got[:2] + got[3:5] == ref[:2] + ref[3:5]
    us = 1_000_000

    def ts(y, mo, d, h, mi, s, frac=0, off_h=0):
        return (_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off_h * 3600) * us + frac

    # Zone-less strings were cast in the writing shell's zone, UTC-8.
    assert got == [ts(2024, 1, 1, 12, 34, 56, 123456, off_h=-8), ts(2024, 1, 1, 1, 0, 0), ts(9999, 12, 31, 1, 0, 0, off_h=-2),
                   ts(2024, 12, 31, 1, 0, 0, off_h=2), None, ts(290000, 12, 31, 1, 0, 0, off_h=2)]
