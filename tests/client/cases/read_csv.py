"""spark.read.csv over files written with plain Python: schema inference
and widening, options, malformed-record modes."""

import os
import tempfile

from caselib import error, result

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
