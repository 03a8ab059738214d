"""df.write.parquet as a client sees it: each case writes with the DataFrame
API, then reads the files back with spark.read.parquet AND with pyarrow on
the client. Recorded on Spark, the pyarrow side shows what Spark's files
look like (the Parquet schema with its annotations, the Arrow schema, the
footer's Spark metadata, the values); run on Ember, the same must come out
of Ember's files, so pyarrow (and Spark's own reader, see
test_parquet_write.py) read both alike. File names hold a random job UUID
and file counts follow the partitioning: cases return extensions and
sorted rows, never raw names or per-file splits."""

import datetime
import decimal
import os
import re
import shutil
import tempfile

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import error, result

NAME = re.compile(r"^part-\d{5}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}([-.]c000(\.[a-z0-9.]+))$")


def tmp():
    return tempfile.mkdtemp(prefix="ember_pq_case_")


def part_files(path):
    out = []
    for root, _dirs, names in os.walk(path):
        for n in names:
            if not (n.startswith(".") or n.startswith("_")):
                out.append(os.path.join(root, n))
    return sorted(out)


def exts(path):
    res = set()
    for f in part_files(path):
        m = NAME.match(os.path.basename(f))
        res.add(m.group(2) if m else "BAD NAME")
    return sorted(res)


def parquet_schema_text(f):
    import pyarrow.parquet as pq
    # The first line names the Python object (an address): drop it.
    return str(pq.ParquetFile(f).schema).splitlines()[1:]


def footer_kv(f):
    import pyarrow.parquet as pq
    md = pq.ParquetFile(f).metadata.metadata or {}
    return {k.decode(): v.decode() for k, v in sorted(md.items())}


def arrow_view(path, sort_key="id"):
    """The files as pyarrow reads them: Arrow schema, Parquet schema of the
    first file, footer metadata, and every row (sorted)."""
    import pyarrow.parquet as pq
    files = part_files(path)
    tables = [pq.read_table(f) for f in files]
    rows = []
    for t in tables:
        rows.extend(t.to_pylist())
    rows.sort(key=lambda r: (r[sort_key] is None, r[sort_key]))
    schema = tables[0].schema.remove_metadata() if tables else None
    return {
        "arrow_schema": str(schema).splitlines() if schema is not None else None,
        "parquet_schema": parquet_schema_text(files[0]) if files else None,
        "footer": footer_kv(files[0]) if files else None,
        "rows": [[[k, v] for k, v in r.items()] for r in rows],
    }


def roundtrip(spark, df, sort_key="id", writer=None):
    d = tmp()
    try:
        p = os.path.join(d, "out")
        w = df.write if writer is None else writer(df.write)
        w.parquet(p)
        back = spark.read.parquet(p)
        return {
            "exts": exts(p),
            "success": os.path.exists(os.path.join(p, "_SUCCESS")),
            "spark": result(back.orderBy(sort_key)),
            "pyarrow": arrow_view(p, sort_key),
        }
    finally:
        shutil.rmtree(d, ignore_errors=True)


ALL_TYPES = T.StructType([
    T.StructField("id", T.IntegerType(), False),
    T.StructField("b", T.BooleanType()),
    T.StructField("i8", T.ByteType()),
    T.StructField("i16", T.ShortType()),
    T.StructField("i32", T.IntegerType()),
    T.StructField("i64", T.LongType()),
    T.StructField("f32", T.FloatType()),
    T.StructField("f64", T.DoubleType()),
    T.StructField("d9", T.DecimalType(9, 2)),
    T.StructField("d18", T.DecimalType(18, 4)),
    T.StructField("d20", T.DecimalType(20, 0)),
    T.StructField("d38", T.DecimalType(38, 10)),
    T.StructField("s", T.StringType()),
    T.StructField("bin", T.BinaryType()),
    T.StructField("dt", T.DateType()),
    T.StructField("ts", T.TimestampType()),
    T.StructField("ntz", T.TimestampNTZType()),
    T.StructField("ai", T.ArrayType(T.IntegerType())),
    T.StructField("as_req", T.ArrayType(T.StringType(), False)),
    T.StructField("m", T.MapType(T.StringType(), T.LongType())),
    T.StructField("m_req", T.MapType(T.IntegerType(), T.ArrayType(T.StringType()), False)),
    T.StructField("st", T.StructType([T.StructField("x", T.IntegerType()), T.StructField("y", T.StringType(), False)])),
    T.StructField("aas", T.ArrayType(T.ArrayType(T.StringType()))),
    T.StructField("ast", T.ArrayType(T.StructType([T.StructField("k", T.StringType()),
                                                  T.StructField("v", T.DoubleType())]))),
    T.StructField("stm", T.StructType([T.StructField("mm", T.MapType(T.StringType(), T.DateType()))])),
])


def all_types_rows(n=24):
    rows = []
    for k in range(n):
        def nul(m, v, r=k):
            return None if r % m == m - 1 else v
        rows.append((
            k,
            nul(3, k % 2 == 0),
            nul(4, [-128, 127, 0, k][k % 4]),
            nul(5, (k * 1000) % 32000 - 16000),
            nul(6, [-2147483648, 2147483647, k * 7919][k % 3]),
            nul(7, [-(2 ** 63), 2 ** 63 - 1, k * 10 ** 12][k % 3]),
            nul(5, [float("nan"), float("inf"), float("-inf"), -0.0, 1.5, k / 3][k % 6]),
            nul(4, [float("nan"), 0.0, -0.0, 1e300, -1e-300, k * 2.5][k % 6]),
            nul(5, decimal.Decimal(k * 123 - 1000) / 100),
            nul(6, decimal.Decimal("-99999999999999.9999") if k == 1 else decimal.Decimal(k * 7777777) / 10000),
            nul(7, decimal.Decimal("-99999999999999999999") if k == 2 else decimal.Decimal(k * 10 ** 15)),
            nul(5, decimal.Decimal("-9999999999999999999999999999.9999999999") if k == 3
                else decimal.Decimal(k * 31) / 10 ** 9),
            nul(4, ["", "a", "é中", "zz" * 20, str(k)][k % 5]),
            nul(5, bytes([k % 256, 255, 0]) if k % 2 else b""),
            nul(6, [datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(1970, 1, 1),
                    datetime.date(1582, 10, 15), datetime.date(2024, 2, 29) + datetime.timedelta(days=k)][k % 5]),
            nul(5, [datetime.datetime(1900, 1, 1, 0, 0, 0, 1), datetime.datetime(1969, 12, 31, 23, 59, 59, 999999),
                    datetime.datetime(2024, 1, 1, 12, 30, 45, 123456) + datetime.timedelta(hours=k)][k % 3]),
            nul(6, datetime.datetime(2000, 2, 29, 1, 2, 3, k)),
            nul(4, [] if k % 5 == 0 else [k, None, -k][: 1 + k % 3]),
            nul(7, [str(k), ""] if k % 2 else []),
            nul(3, {} if k % 4 == 0 else {"a": k, "b": None} if k % 2 else {"k%d" % k: -k}),
            {k: [str(k), None]} if k % 3 else {},
            nul(4, (None if k % 5 == 0 else k, "y%d" % k)),
            nul(5, [[], None, ["p", None]] if k % 2 else [["q%d" % k]]),
            nul(3, [(None, 0.5), ("k%d" % k, None)] if k % 2 else []),
            nul(4, ({"d": datetime.date(2020, 1, 1 + k % 28)} if k % 2 else None,)),
        ))
    return rows


def case_all_types(spark):
    df = spark.createDataFrame(all_types_rows(), ALL_TYPES)
    return roundtrip(spark, df)


def case_codecs(spark):
    out = {}
    for codec in ("none", "uncompressed", "snappy", "gzip", "zstd", "lz4", "lz4_raw", "NONE", "Zstd"):
        d = tmp()
        try:
            import pyarrow.parquet as pq
            p = os.path.join(d, "o")
            spark.range(5).write.option("compression", codec).parquet(p)
            comps = sorted({pq.ParquetFile(f).metadata.row_group(0).column(0).compression
                            for f in part_files(p) if pq.ParquetFile(f).metadata.num_row_groups})
            out[codec] = {"exts": exts(p), "compression": comps,
                          "rows": result(spark.read.parquet(p).orderBy("id"))}
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return out


def case_codec_conf_and_precedence(spark):
    d = tmp()
    out = {}
    try:
        spark.conf.set("spark.sql.parquet.compression.codec", "gzip")
        p = os.path.join(d, "conf")
        spark.range(3).write.parquet(p)
        out["conf_gzip"] = exts(p)
        p = os.path.join(d, "opt")
        spark.range(3).write.option("compression", "zstd").parquet(p)
        out["option_wins"] = exts(p)
        p = os.path.join(d, "hadoop")
        spark.range(3).write.option("parquet.compression", "uncompressed").parquet(p)
        out["parquet_compression_option"] = exts(p)
        out["conf_value"] = spark.conf.get("spark.sql.parquet.compression.codec")
    finally:
        spark.conf.unset("spark.sql.parquet.compression.codec")
        shutil.rmtree(d, ignore_errors=True)
    out["default"] = spark.conf.get("spark.sql.parquet.compression.codec")
    return out


def case_unknown_codec(spark):
    d = tmp()
    try:
        return error(lambda: spark.range(3).write.option("compression", "foo").parquet(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def ts_frame(spark):
    schema = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("ts", T.TimestampType()),
                           T.StructField("ntz", T.TimestampNTZType())])
    return spark.createDataFrame([
        (1, datetime.datetime(2024, 5, 6, 7, 8, 9, 123456), datetime.datetime(2024, 5, 6, 7, 8, 9, 654321)),
        (2, datetime.datetime(1965, 1, 1, 0, 0, 0, 999), None),
        (3, None, datetime.datetime(1, 1, 1, 0, 0, 0)),
    ], schema)


def case_timestamp_output_types(spark):
    out = {"default": spark.conf.get("spark.sql.parquet.outputTimestampType")}
    for kind in ("INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS"):
        spark.conf.set("spark.sql.parquet.outputTimestampType", kind)
        try:
            out[kind] = roundtrip(spark, ts_frame(spark))
        finally:
            spark.conf.unset("spark.sql.parquet.outputTimestampType")
    return out


def case_partitioned(spark):
    schema = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("k", T.StringType()),
                           T.StructField("n", T.IntegerType()), T.StructField("v", T.DoubleType())])
    rows = [(i, [None, "a", "b c", ""][i % 4], None if i % 5 == 0 else i % 3, i * 0.5) for i in range(20)]
    df = spark.createDataFrame(rows, schema)
    d = tmp()
    try:
        p = os.path.join(d, "o")
        df.write.partitionBy("k", "n").parquet(p)
        dirs = sorted({os.path.relpath(os.path.dirname(f), p) for f in part_files(p)})
        back = spark.read.parquet(p)
        import pyarrow.parquet as pq
        # Data files hold only the data columns.
        file_cols = sorted({tuple(pq.read_schema(f).names) for f in part_files(p)})
        return {"dirs": dirs, "exts": exts(p), "file_columns": [list(c) for c in file_cols],
                "spark": result(back.orderBy("id"))}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_modes(spark):
    d = tmp()
    try:
        p = os.path.join(d, "o")
        out = {}
        spark.range(3).write.parquet(p)
        out["first"] = result(spark.read.parquet(p).orderBy("id"))
        e = error(lambda: spark.range(3).write.mode("error").parquet(p))
        params = e.pop("params", {})
        e.pop("message_head", None)
        e["outputPath_is_target"] = params.get("outputPath") == "file:" + p
        out["error"] = e
        spark.range(10, 12).write.mode("append").parquet(p)
        out["append"] = result(spark.read.parquet(p).orderBy("id"))
        spark.range(100, 101).write.mode("ignore").parquet(p)
        out["ignore"] = result(spark.read.parquet(p).orderBy("id"))
        spark.range(20, 22).write.mode("overwrite").parquet(p)
        out["overwrite"] = result(spark.read.parquet(p).orderBy("id"))
        out["exts"] = exts(p)
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_write_empty(spark):
    schema = T.StructType([T.StructField("id", T.LongType()), T.StructField("s", T.StringType())])
    d = tmp()
    try:
        p = os.path.join(d, "o")
        spark.createDataFrame([], schema).write.parquet(p)
        back = spark.read.parquet(p)
        files = part_files(p)
        return {"nfiles_positive": len(files) > 0, "exts": exts(p), "spark": result(back),
                "parquet_schema": parquet_schema_text(files[0]) if files else None}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_stats_and_dictionary(spark):
    """What pyarrow sees of statistics and encodings, summed over files."""
    import pyarrow.parquet as pq
    d = tmp()
    try:
        p = os.path.join(d, "o")
        df = spark.range(3000).select(
            F.col("id"), (F.col("id") % 10).cast("int").alias("k"), (F.col("id") % 7).cast("string").alias("s"),
            F.when(F.col("id") % 3 == 0, None).otherwise(F.col("id").cast("string")).alias("u"))
        df.write.parquet(p)
        cols = {}
        for f in part_files(p):
            md = pq.ParquetFile(f).metadata
            for g in range(md.num_row_groups):
                for c in range(md.num_columns):
                    cc = md.row_group(g).column(c)
                    st = cc.statistics
                    e = cols.setdefault(cc.path_in_schema, {"dictionary": set(), "min": None, "max": None,
                                                            "nulls": 0, "has_stats": True})
                    e["dictionary"].add("PLAIN_DICTIONARY" in cc.encodings or "RLE_DICTIONARY" in cc.encodings)
                    if st is None or not st.has_min_max:
                        e["has_stats"] = False
                        continue
                    e["nulls"] += st.null_count
                    e["min"] = st.min if e["min"] is None else min(e["min"], st.min)
                    e["max"] = st.max if e["max"] is None else max(e["max"], st.max)
        for e in cols.values():
            e["dictionary"] = sorted(e["dictionary"])
        return cols
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_string_stats_unsigned_order(spark):
    """Strings compare as unsigned bytes: 'é' (0xc3..) sorts after 'z'."""
    import pyarrow.parquet as pq
    d = tmp()
    try:
        p = os.path.join(d, "o")
        df = spark.createDataFrame([("z",), ("é",), ("A",), (None,)], "s string").repartition(1)
        df.write.parquet(p)
        out = []
        for f in part_files(p):
            md = pq.ParquetFile(f).metadata
            for g in range(md.num_row_groups):
                st = md.row_group(g).column(0).statistics
                out.append([st.min, st.max, st.null_count])
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_intervals_and_void_files(spark):
    """Spark writes ANSI intervals as plain INT64 (day-time) and void as an
    all-null BOOLEAN annotated UNKNOWN; its schema in the footer keeps the
    Spark types."""
    schema = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("dt", T.DayTimeIntervalType())])
    df = spark.createDataFrame([(1, datetime.timedelta(days=1, seconds=5)), (2, None)], schema) \
        .select("id", "dt", F.lit(None).alias("v"))
    d = tmp()
    try:
        p = os.path.join(d, "o")
        df.write.parquet(p)
        f = part_files(p)
        f = [x for x in f if __import__("pyarrow.parquet").parquet.ParquetFile(x).metadata.num_rows][0]
        return {"parquet_schema": parquet_schema_text(f), "footer": footer_kv(f)}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_intervals_and_void_read_back(spark):
    schema = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("dt", T.DayTimeIntervalType())])
    df = spark.createDataFrame([(1, datetime.timedelta(days=1, seconds=5)), (2, None)], schema) \
        .select("id", "dt", F.lit(None).alias("v"))
    d = tmp()
    try:
        p = os.path.join(d, "o")
        df.write.parquet(p)
        return result(spark.read.parquet(p).orderBy("id"))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_empty_struct_unsupported(spark):
    d = tmp()
    try:
        df = spark.range(1).select(F.col("id"), F.struct().alias("e"))
        return error(lambda: df.write.parquet(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_no_columns_unsupported(spark):
    d = tmp()
    try:
        return error(lambda: spark.range(1).select().write.parquet(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_many_rows_small_pages(spark):
    """Small page and row-group sizes (options go to parquet-mr's config):
    many pages and row groups, read back exactly."""
    d = tmp()
    try:
        p = os.path.join(d, "o")
        df = spark.range(30000).select(F.col("id"), (F.col("id") % 100).alias("k"),
                                       F.concat(F.lit("v"), (F.col("id") % 1000).cast("string")).alias("s"))
        df.write.option("parquet.block.size", "65536").option("parquet.page.size", "4096").parquet(p)
        back = spark.read.parquet(p)
        agg = back.agg(F.count("*").alias("n"), F.sum("id").alias("sid"), F.sum("k").alias("sk"),
                       F.countDistinct("s").alias("ds"), F.max("s").alias("ms"))
        return result(agg)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_input_files(spark):
    """df.inputFiles(): every data file of the scans, as file: URIs."""
    d = tmp()
    try:
        p = os.path.join(d, "o")
        spark.range(10).select("id", (F.col("id") % 3).alias("k")).write.partitionBy("k") \
            .parquet(os.path.join(d, "part"))
        spark.range(3).write.parquet(p)
        files = spark.read.parquet(p).inputFiles()
        both = spark.read.parquet(p).union(spark.read.parquet(os.path.join(d, "part")).select("id")).inputFiles()

        def shape(fs):
            """(scheme prefix, directory under the temp dir, extension) of each file."""
            out = []
            for f in fs:
                i = f.find(d)
                rest = f[i + len(d):] if i >= 0 else f
                m = NAME.match(os.path.basename(rest))
                out.append([f[:i] if i >= 0 else "NOT UNDER TMP", os.path.dirname(rest), m.group(2) if m else rest])
            return sorted(out)
        return {"files": shape(files), "n_disk": len(part_files(p)), "union": shape(both),
                "n_disk_union": len(part_files(p)) + len(part_files(os.path.join(d, "part"))),
                "local": list(spark.range(3).inputFiles())}
    finally:
        shutil.rmtree(d, ignore_errors=True)
