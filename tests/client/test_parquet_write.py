"""Parquet files written by Ember, read by other readers.

* pyarrow sees what a Parquet reader relies on for pruning and speed:
  dictionary-encoded columns (with a dictionary page), min/max/null-count
  statistics with the format's rules (NaN left out, strings in unsigned
  byte order, oversized values dropped), several row groups when the
  block size says so.
* Real Apache Spark 4.2 (the oracle) reads Ember's files, every type
  including nested ones and nulls, every codec, the timestamp output
  types and partitioned output, with the same values and schema as Ember
  reads them and as the data written. Runs when the oracle's venv exists
  (it starts in ~30 s); skipped under the ASan build to keep `make test`
  short (the release run covers it).

The client cases in cases/write_parquet.py compare pyarrow's view of
Ember's files with its view of Spark's own files (recorded)."""

import math
import os
import shutil
import sys
import tempfile

import pytest

from conftest import ROOT, new_session

sys.path.insert(0, os.path.join(ROOT, "tests", "client", "cases"))
import write_parquet as wp  # noqa: E402

pq = pytest.importorskip("pyarrow.parquet")
from pyspark.sql import functions as F  # noqa: E402

pytestmark = pytest.mark.usefixtures("ember_only")


@pytest.fixture
def tmpdir_path():
    d = tempfile.mkdtemp(prefix="ember_pqw_")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def files_of(p):
    return wp.part_files(p)


def test_dictionary_and_statistics_visible_to_pyarrow(spark, tmpdir_path):
    p = os.path.join(tmpdir_path, "o")
    df = spark.range(20000).select(
        F.col("id"),
        (F.col("id") % 10).cast("int").alias("k"),
        (F.col("id") % 7).cast("string").alias("s"),
        F.when(F.col("id") % 3 == 0, None).otherwise(F.col("id") * 0.5).alias("d"))
    df.repartition(1).write.parquet(p)
    fs = files_of(p)
    assert len(fs) == 1
    md = pq.ParquetFile(fs[0]).metadata
    assert md.num_rows == 20000
    assert md.created_by.startswith("ember version")
    seen = {}
    for g in range(md.num_row_groups):
        for c in range(md.num_columns):
            cc = md.row_group(g).column(c)
            seen.setdefault(cc.path_in_schema, []).append(cc)
    for name in ("k", "s"):
        for cc in seen[name]:
            assert "PLAIN_DICTIONARY" in cc.encodings, (name, cc.encodings)
            assert cc.has_dictionary_page
    for cc in seen["id"]:  # all distinct: the dictionary does not pay
        assert "PLAIN_DICTIONARY" not in cc.encodings
        assert not cc.has_dictionary_page
    k = seen["k"][0].statistics
    assert k.has_min_max and (k.min, k.max, k.null_count) == (0, 9, 0)
    s = seen["s"][0].statistics
    assert s.has_min_max and (s.min, s.max) == ("0", "6")
    d = seen["d"][0].statistics
    assert d.null_count == 6667 and d.min == 0.5 and d.max == 19999 * 0.5
    # A reader prunes with them: pyarrow's filter on statistics agrees.
    t = pq.read_table(p, filters=[("k", "=", 3)])
    assert t.num_rows == 2000


def test_float_statistics_leave_out_nan(spark, tmpdir_path):
    p = os.path.join(tmpdir_path, "o")
    df = spark.createDataFrame([(float("nan"),), (-1.0,), (2.0,), (None,), (-0.0,)], "x double").repartition(1)
    df.write.parquet(p)
    st = pq.ParquetFile(files_of(p)[0]).metadata.row_group(0).column(0).statistics
    assert st.has_min_max and st.min == -1.0 and st.max == 2.0 and st.null_count == 1
    q = os.path.join(tmpdir_path, "nan")
    spark.createDataFrame([(float("nan"),), (None,)], "x double").repartition(1).write.parquet(q)
    st = pq.ParquetFile(files_of(q)[0]).metadata.row_group(0).column(0).statistics
    assert not st.has_min_max and st.null_count == 1
    z = os.path.join(tmpdir_path, "zero")
    spark.createDataFrame([(0.0,), (-0.0,)], "x double").repartition(1).write.parquet(z)
    st = pq.ParquetFile(files_of(z)[0]).metadata.row_group(0).column(0).statistics
    assert math.copysign(1, st.min) == -1 and math.copysign(1, st.max) == 1


def test_oversized_binary_statistics_dropped(spark, tmpdir_path):
    p = os.path.join(tmpdir_path, "o")
    spark.createDataFrame([("a" * 5000,), ("b",)], "s string").repartition(1).write.parquet(p)
    st = pq.ParquetFile(files_of(p)[0]).metadata.row_group(0).column(0).statistics
    assert not st.has_min_max and st.null_count == 0
    assert sorted(pq.read_table(p).column("s").to_pylist()) == ["a" * 5000, "b"]


def test_row_groups_follow_block_size(spark, tmpdir_path):
    p = os.path.join(tmpdir_path, "o")
    n = 200000
    df = spark.range(n).select(F.col("id"), F.concat(F.lit("x"), F.col("id").cast("string")).alias("s"))
    df.repartition(1).write.option("parquet.block.size", str(256 * 1024)).parquet(p)
    md = pq.ParquetFile(files_of(p)[0]).metadata
    assert md.num_row_groups > 3
    assert sum(md.row_group(g).num_rows for g in range(md.num_row_groups)) == n
    t = pq.read_table(p)
    ids = t.column("id").to_pylist()
    assert ids == list(range(n))
    assert t.column("s").to_pylist()[12345] == "x12345"


# ---- real Spark reads Ember's files ----

ORACLE_VENV = os.environ.get("EMBER_ORACLE_VENV", "/root/.cache/ember/oracle-venv")


@pytest.fixture(scope="module")
def oracle():
    if "asan" in os.environ.get("EMBER_BIN", ""):
        pytest.skip("the oracle round trip runs in the release client run only")
    if not os.path.isdir(ORACLE_VENV) or os.environ.get("EMBER_SKIP_ORACLE"):
        pytest.skip("no Spark oracle venv (tests/oracle/spark_server.py)")
    from spark_server import SparkConnectOracle
    srv = SparkConnectOracle()
    srv.start()
    try:
        yield new_session(srv.url)
    finally:
        srv.stop()


def rows_of(df):
    return [r.asDict(recursive=True) for r in df.orderBy("id").collect()]


def same(a, b):
    """Row lists equal, NaN equal to NaN."""
    def norm(v):
        if isinstance(v, float) and math.isnan(v):
            return "NaN"
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return norm(a) == norm(b)


@pytest.mark.parametrize("variant", ["snappy", "none", "gzip", "zstd", "lz4", "lz4_raw", "ts_micros", "ts_millis",
                                     "partitioned"])
def test_spark_reads_embers_files(spark, oracle, tmpdir_path, variant):
    rows = wp.all_types_rows(40)
    if variant == "ts_millis":  # millisecond files hold whole milliseconds
        ts = wp.ALL_TYPES.names.index("ts")
        rows = [r[:ts] + (r[ts] and r[ts].replace(microsecond=r[ts].microsecond // 1000 * 1000),) + r[ts + 1:]
                for r in rows]
    df = spark.createDataFrame(rows, wp.ALL_TYPES)
    p = os.path.join(tmpdir_path, "o")
    w = df.write
    if variant in ("ts_micros", "ts_millis"):
        spark.conf.set("spark.sql.parquet.outputTimestampType",
                       "TIMESTAMP_MICROS" if variant == "ts_micros" else "TIMESTAMP_MILLIS")
    elif variant == "partitioned":
        w = w.partitionBy("i8")
    else:
        w = w.option("compression", variant)
    try:
        w.parquet(p)
    finally:
        spark.conf.unset("spark.sql.parquet.outputTimestampType")
    by_spark = oracle.read.parquet(p)
    by_ember = spark.read.parquet(p)
    assert by_spark.schema == by_ember.schema
    expected = rows_of(df)
    got_spark, got_ember = rows_of(by_spark), rows_of(by_ember)
    if variant == "partitioned":  # the partition column moves to the end
        assert [f.name for f in by_spark.schema.fields][-1] == "i8"
    else:
        assert by_spark.schema.names == df.schema.names
    assert same(got_spark, expected)
    assert same(got_ember, expected)


def test_spark_reads_embers_intervals_and_void(spark, oracle, tmpdir_path):
    import datetime
    from pyspark.sql import types as T
    schema = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("dt", T.DayTimeIntervalType())])
    df = spark.createDataFrame([(1, datetime.timedelta(days=1, seconds=5)), (2, None)], schema) \
        .select("id", "dt", F.lit(None).alias("v"))
    p = os.path.join(tmpdir_path, "o")
    df.write.parquet(p)
    by_spark = oracle.read.parquet(p)
    by_ember = spark.read.parquet(p)
    assert by_spark.schema == by_ember.schema == df.schema
    assert rows_of(by_spark) == rows_of(by_ember) == rows_of(df)
