"""df.write as a client sees it: the files a write leaves behind, read back
with plain Python (csv/json/gzip), for CSV, JSON lines and text, with
options, compression, partitionBy (directory layout, escaping, nulls) and
the save modes. File names hold a random job UUID and the number of files
follows the partitioning, so a case returns the layout (partition
directories, _SUCCESS, file name pattern) and the sorted records, never
raw names or per-file splits."""

import datetime
import decimal
import gzip
import os
import re
import shutil
import tempfile

from pyspark.sql import types as T

from caselib import error

NAME = re.compile(r"^part-\d{5}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}([-.]c000\.[a-z.]+)$")


def tmp():
    return tempfile.mkdtemp(prefix="ember_write_case_")


def files(path):
    """(relative dir, extension, bytes) of every part file, sorted."""
    out = []
    for root, _dirs, names in os.walk(path):
        for n in names:
            if n.startswith(".") or n.startswith("_"):
                continue
            m = NAME.match(n)
            data = open(os.path.join(root, n), "rb").read()
            ext = m.group(1) if m else "BAD NAME " + n
            if ext.endswith(".gz"):
                data = gzip.decompress(data)
            out.append((os.path.relpath(root, path), ext, data.decode("utf-8")))
    return sorted(out)


def layout(path, header=False):
    fs = files(path)
    lines = []
    headers = set()
    for _d, _e, text in fs:
        ls = text.splitlines(keepends=True)
        if header and ls:
            headers.add(ls[0])
            ls = ls[1:]
        lines.extend((_d, l) for l in ls)
    hidden = sorted(n for n in os.listdir(path) if n.startswith("_") or n.startswith("."))
    return {
        "dirs": sorted({d for d, _e, _t in fs}),
        "exts": sorted({e for _d, e, _t in fs}),
        "success": os.path.exists(os.path.join(path, "_SUCCESS")),
        # Hadoop's .crc checksum files are not compared (Ember writes none).
        "hidden_besides_success": [n for n in hidden if n != "_SUCCESS" and not n.startswith(".")],
        "headers": sorted(headers),
        "records": sorted(lines),
    }


def written(fn, header=False):
    d = tmp()
    try:
        path = os.path.join(d, "out")
        fn(path)
        return layout(path, header)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def typed(spark):
    schema = T.StructType([
        T.StructField("i", T.IntegerType()),
        T.StructField("s", T.StringType()),
        T.StructField("d", T.DoubleType()),
        T.StructField("n", T.StringType()),
        T.StructField("t", T.TimestampType()),
        T.StructField("dt", T.DateType()),
        T.StructField("dec", T.DecimalType(5, 2)),
        T.StructField("b", T.BooleanType()),
        T.StructField("e", T.StringType()),
        T.StructField("l", T.LongType()),
        T.StructField("f", T.FloatType()),
    ])
    return spark.createDataFrame([
        (1, " a ", 1.5, None, datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), datetime.date(2024, 1, 2),
         decimal.Decimal("1.50"), True, "", 10**12, 0.25),
        (2, 'q"x,y', float("nan"), "n", datetime.datetime(2024, 1, 2), datetime.date(1, 1, 1), None, None, "e",
         -1, float("inf")),
        (3, "multi\nline", -0.0, "tab\there", datetime.datetime(1969, 12, 31, 23, 59, 59, 999999),
         datetime.date(2000, 2, 29), decimal.Decimal("-999.99"), False, "back\\slash", None, 1e10),
    ], schema)


# ---- CSV ----

def case_csv_defaults(spark):
    return written(lambda p: typed(spark).write.csv(p))


def case_csv_header_and_options(spark):
    return written(lambda p: typed(spark).write.option("header", True).option("sep", ";").option("quote", "'")
                   .option("escape", "|").option("nullValue", "NULL").option("emptyValue", "EMPTY").csv(p),
                   header=True)


def case_csv_quote_all_and_multichar_sep(spark):
    return written(lambda p: typed(spark).select("i", "s", "n").write.option("quoteAll", True)
                   .option("sep", "::").csv(p))


def case_csv_date_timestamp_formats(spark):
    return written(lambda p: typed(spark).select("t", "dt").write.option("dateFormat", "dd/MM/yyyy")
                   .option("timestampFormat", "yyyy-MM-dd HH:mm:ss").csv(p))


def case_csv_gzip(spark):
    return written(lambda p: spark.range(5).write.option("compression", "gzip").csv(p))


def case_csv_unknown_codec(spark):
    d = tmp()
    try:
        return error(lambda: spark.range(1).write.option("compression", "nope").csv(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_csv_array_unsupported(spark):
    d = tmp()
    try:
        df = spark.createDataFrame([([1, 2],)], "a array<int>")
        return error(lambda: df.write.csv(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_csv_many_partitions(spark):
    return written(lambda p: spark.range(0, 1000, 1, 4).write.csv(p))


# ---- partitionBy ----

def case_partition_by_layout_and_escaping(spark):
    df = spark.createDataFrame(
        [(1, "a/b", 1), (2, "x=y:z", 1), (3, None, 2), (4, "", 2), (5, "sp ace%#?", None), (6, "é", 3)],
        "v int, k string, n int")
    return written(lambda p: df.write.partitionBy("k", "n").csv(p))


def case_partition_by_types(spark):
    df = spark.createDataFrame(
        [(1, datetime.date(2024, 1, 2), True, decimal.Decimal("1.50"), 2.5),
         (2, None, False, None, None)],
        "v int, d date, b boolean, dec decimal(4,2), x double")
    return written(lambda p: df.write.partitionBy("d", "b", "dec", "x").json(p))


def case_partition_by_unknown_column(spark):
    d = tmp()
    try:
        return error(lambda: spark.range(3).write.partitionBy("nope").csv(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_partition_by_all_columns(spark):
    d = tmp()
    try:
        return error(lambda: spark.range(3).write.partitionBy("id").csv(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- modes ----

def case_modes(spark):
    d = tmp()
    try:
        p = os.path.join(d, "o")
        out = {}
        spark.range(3).write.csv(p)
        out["first"] = layout(p)
        # The message names the (random) path: keep the class and check the path.
        for mode in ("error", "errorifexists"):
            e = error(lambda: spark.range(3).write.mode(mode).csv(p))
            params = e.pop("params", {})
            e.pop("message_head", None)
            e["outputPath_is_target"] = params.get("outputPath") == "file:" + p
            out[mode] = e
        spark.range(10, 12).write.mode("append").csv(p)
        out["append"] = layout(p)
        spark.range(100, 101).write.mode("ignore").csv(p)
        out["ignore"] = layout(p)
        spark.range(20, 22).write.mode("overwrite").csv(p)
        out["overwrite"] = layout(p)
        q = os.path.join(d, "fresh")
        spark.range(7, 8).write.mode("ignore").csv(q)
        out["ignore_new"] = layout(q)
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_write_empty(spark):
    return written(lambda p: spark.range(0).write.csv(p))


# ---- JSON ----

def case_json_defaults(spark):
    return written(lambda p: typed(spark).write.json(p))


def case_json_keep_nulls_and_formats(spark):
    return written(lambda p: typed(spark).write.option("ignoreNullFields", False)
                   .option("timestampFormat", "yyyy-MM-dd HH:mm:ss.SSSSSS").option("dateFormat", "yyyyMMdd").json(p))


def case_json_nested(spark):
    df = spark.createDataFrame(
        [(1, [1, None, 3], {"k": 1.5}, (2, "x"), [[("a", None)]]),
         (2, None, {}, None, [])],
        "i int, a array<int>, m map<string,double>, s struct<x:int,y:string>, "
        "deep array<array<struct<p:string,q:int>>>")
    return written(lambda p: df.write.json(p))


def case_json_strings_escaped(spark):
    df = spark.createDataFrame([("quote\" back\\ nl\n tab\t ctl\x01 uni é ☃",)], "s string")
    return written(lambda p: df.write.json(p))


def case_json_gzip(spark):
    return written(lambda p: spark.range(3).write.option("compression", "gzip").json(p))


# ---- text ----

def case_text_write(spark):
    df = spark.createDataFrame([("a",), (None,), ("",), ("x y",)], "s string")
    return written(lambda p: df.write.text(p))


def case_text_partitioned(spark):
    df = spark.createDataFrame([("a", 1), ("b", 2)], "s string, k int")
    return written(lambda p: df.write.partitionBy("k").text(p))


def case_text_two_columns(spark):
    d = tmp()
    try:
        df = spark.createDataFrame([("a", "b")], "s string, t string")
        return error(lambda: df.write.text(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_text_non_string(spark):
    d = tmp()
    try:
        return error(lambda: spark.range(1).write.text(os.path.join(d, "o")))
    finally:
        shutil.rmtree(d, ignore_errors=True)
