"""spark.read.csv over files written with plain Python: schema inference
and widening, options, malformed-record modes."""

import json
import os
import tempfile

from pyspark.sql import functions as F

from caselib import error, print_schema, result

DIR = tempfile.mkdtemp(prefix="ember_read_csv_")


def put(name, text, encoding="utf-8"):
    p = os.path.join(DIR, name)
    with open(p, "w", encoding=encoding, newline="") as f:
        f.write(text)
    return p


def case_infer_types(spark):
    p = put("types.csv", "a,b,c,d,e,f,g,h\n1,1,1,x,true,2024-01-02,2024-01-02 03:04:05,\n"
                         "2,3000000000,1.5,y,false,2024-02-03,2024-01-02T00:00:00Z,\n")
    return result(spark.read.option("header", True).option("inferSchema", True).csv(p))


def case_infer_widening(spark):
    p = put("wide.csv", "12345678901234567890,1,NaN,2024-01-01,1\n1,123456789012345678901234,-Inf,"
                        "2024-01-01 10:00:00,true\n")
    return result(spark.read.option("inferSchema", True).csv(p))


def case_no_header_strings(spark):
    p = put("plain.csv", "1,\"a,b\",\"q\"\"x\"\n,\"\",z\n")
    return result(spark.read.csv(p))


def case_header_dupes(spark):
    p = put("dupes.csv", "a,,A,b\n1,2,3,4\n")
    return result(spark.read.option("header", True).csv(p))


def case_options(spark):
    p = put("opts.csv", "# comment\n1;NA;'x;y'\n2;;'z'\n")
    return result(spark.read.schema("i int, s string, t string").option("sep", ";").option("quote", "'")
                  .option("comment", "#").option("nullValue", "NA").csv(p))


def case_permissive_corrupt(spark):
    p = put("bad.csv", "1,2\nx,3\n4\n5,6,7\n")
    return result(spark.read.schema("a int, b int, _corrupt_record string").csv(p))


def case_dropmalformed(spark):
    p = put("bad2.csv", "1,2\nx,3\n4\n5,6\n")
    return result(spark.read.schema("a int, b int").option("mode", "DROPMALFORMED").csv(p))


def case_multiline(spark):
    p = put("ml.csv", "1,\"x\ny\"\n2,z\n")
    return result(spark.read.schema("a int, b string").option("multiLine", True).csv(p))


def case_date_formats(spark):
    p = put("dates.csv", "02/01/2024,2024-01-02 10:11:12\n")
    return result(spark.read.schema("d date, t timestamp").option("dateFormat", "dd/MM/yyyy")
                  .option("timestampFormat", "yyyy-MM-dd HH:mm:ss").csv(p))


def case_encoding_latin1(spark):
    p = put("latin1.csv", "café,1\n", encoding="latin-1")
    return result(spark.read.option("encoding", "ISO-8859-1").csv(p))


def case_failfast(spark):
    p = put("bad3.csv", "1\nx\n")
    e = error(lambda: spark.read.schema("a int").option("mode", "FAILFAST").csv(p).collect())
    return {"type": e.get("type")}


def redact(obj):
    """The case's data directory (a fresh temporary name) as <DIR>."""
    return json.loads(json.dumps(obj).replace(DIR, "<DIR>"))


def case_partial_middle_field(spark):
    p = put("pm.csv", "1,x,3\ny,2,z\n")
    return result(spark.read.schema("a int, b int, c int, _corrupt_record string").csv(p))


def case_failfast_error(spark):
    p = put("ff.csv", "1\nx\n")
    return redact(error(lambda: spark.read.schema("a int").option("mode", "FAILFAST").csv(p).collect()))


def case_failfast_columns_error(spark):
    p = put("ffc.csv", "1,2\n3\n")
    return redact(error(lambda: spark.read.schema("a int, b int").option("mode", "FAILFAST").csv(p).collect()))


def files_dir():
    d = os.path.join(DIR, "files")
    os.makedirs(d, exist_ok=True)
    for name, text in (("f1.csv", "1,a\n2,b\n"), ("f2.csv", "3,c\n")):
        path = os.path.join(d, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.utime(path, (1700000000.5, 1700000000.5))
    return d


def case_input_file_name(spark):
    df = spark.read.schema("i int, s string").csv(files_dir())
    return redact(result(df.select("i", F.input_file_name(), F.input_file_block_start(),
                                   F.input_file_block_length()).orderBy("i")))


def case_input_file_name_grouped(spark):
    df = spark.read.schema("i int, s string").csv(files_dir())
    return redact(result(df.groupBy(F.input_file_name().alias("f")).agg(F.sum("i")).orderBy("f")))


def case_input_file_name_sql(spark):
    spark.read.schema("i int, s string").csv(files_dir()).createOrReplaceTempView("ifn")
    try:
        return redact(result(spark.sql("SELECT i, input_file_name() AS f, input_file_block_length() AS l "
                                       "FROM ifn WHERE i > 1 ORDER BY i")))
    finally:
        spark.catalog.dropTempView("ifn")


def case_input_file_name_no_scan(spark):
    return result(spark.range(2).select("id", F.input_file_name(), F.input_file_block_start(),
                                        F.input_file_block_length()))


def case_input_file_name_after_sort(spark):
    df = spark.read.schema("i int, s string").csv(files_dir()).orderBy("i")
    return redact(result(df.select("i", F.input_file_name())))


def case_metadata_column(spark):
    df = spark.read.schema("i int, s string").csv(files_dir())
    return redact(result(df.select("i", "_metadata.file_path", "_metadata.file_name", "_metadata.file_size",
                                   "_metadata.file_block_start", "_metadata.file_block_length",
                                   "_metadata.file_modification_time").orderBy("i")))


def case_metadata_struct(spark):
    df = spark.read.schema("i int, s string").csv(files_dir())
    out = df.select("*", "_metadata").orderBy("i")
    return redact({"schema": print_schema(out), "rows": result(out)})


def case_metadata_not_in_star(spark):
    df = spark.read.schema("i int, s string").csv(files_dir())
    return {"columns": df.columns, "star": df.select("*").columns}


def case_metadata_sql_view(spark):
    # A temporary view does not pass the metadata column on (Spark's View node).
    spark.read.schema("i int, s string").csv(files_dir()).createOrReplaceTempView("mdv")
    try:
        return error(lambda: spark.sql("SELECT i, _metadata.file_name FROM mdv").collect(), message=False)
    finally:
        spark.catalog.dropTempView("mdv")


def case_metadata_after_filter(spark):
    df = spark.read.schema("i int, s string").csv(files_dir()).filter("i >= 2")
    return redact(result(df.select("i", F.col("_metadata.file_name").alias("n"), "_metadata.file_block_length")
                         .orderBy("i")))


def case_metadata_unknown_field(spark):
    df = spark.read.schema("i int, s string").csv(files_dir())
    return redact(error(lambda: df.select("_metadata.nope").collect(), message=False))


def case_input_file_name_union(spark):
    a = spark.read.schema("i int, s string").csv(os.path.join(files_dir(), "f1.csv"))
    b = spark.read.schema("i int, s string").csv(os.path.join(files_dir(), "f2.csv"))
    return redact(result(a.union(b).select("i", F.input_file_name().alias("f")).orderBy("i")))


def case_input_file_name_split(spark):
    # A file cut into several splits: each row names its own block.
    p = put("big.csv", "".join(f"{i},{'x' * 40}\n" for i in range(400)))
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4096")
    try:
        df = spark.read.schema("i int, s string").csv(p)
        return redact(result(df.groupBy(F.input_file_block_start().alias("start"),
                                        F.input_file_block_length().alias("len"))
                             .agg(F.count("*").alias("n"), F.min("i"), F.max("i")).orderBy("start")))
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")


def case_input_file_name_quoting(spark):
    d = os.path.join(DIR, "odd dir")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "a b%c#d é.csv"), "w", encoding="utf-8") as f:
        f.write("1\n")
    df = spark.read.schema("i int").csv(d)
    return redact(result(df.select(F.input_file_name(), "_metadata.file_path", "_metadata.file_name")))
