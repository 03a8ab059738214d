"""spark.read.json over JSON lines written with plain Python: inference
(type merging, sorted fields, corrupt records), options, modes."""

import json
import os
import tempfile

from caselib import error, result

DIR = tempfile.mkdtemp(prefix="ember_read_json_")


def put(name, text):
    p = os.path.join(DIR, name)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)
    return p


def case_infer_merge(spark):
    p = put("m.json", '{"b":1,"a":"x"}\n{"b":2.5,"c":[1,2],"d":{"y":1,"x":null}}\n{"c":[],"e":null}\n'
                      '{"f":12345678901234567890123}\n')
    return result(spark.read.json(p))


def case_corrupt_record(spark):
    p = put("c.json", '{"a":1}\nnot json\n{"a":"s"}\n')
    return result(spark.read.json(p))


def case_schema_conversions(spark):
    p = put("s.json", '{"i":1,"s":{"k":[1,2]},"d":"2024-01-02","t":"2024-01-02T03:04:05Z","x":"NaN"}\n'
                      '{"i":"bad","s":"str","d":null}\n')
    return result(spark.read.schema("i int, s string, d date, t timestamp, x double, _corrupt_record string")
                  .json(p))


def case_primitives_as_string_and_decimal(spark):
    p = put("p.json", '{"a":1,"b":1.25,"c":true}\n')
    return {"pas": result(spark.read.option("primitivesAsString", True).json(p)),
            "dec": result(spark.read.option("prefersDecimal", True).json(p))}


def case_lenient_options(spark):
    p = put("l.json", "{a:01, 'b':'x' /* c */}\n")
    return result(spark.read.option("allowUnquotedFieldNames", True).option("allowNumericLeadingZeros", True)
                  .option("allowComments", True).json(p))


def case_multiline_array(spark):
    p = put("ml.json", '[\n {"a":1},\n {"a":2,"b":"x"}\n]\n')
    return result(spark.read.option("multiLine", True).json(p))


def case_dropmalformed(spark):
    p = put("d.json", '{"a":1}\n{"a":\n{"a":3}\n')
    return result(spark.read.schema("a int").option("mode", "DROPMALFORMED").json(p))


def redact(obj):
    """The case's data directory (a fresh temporary name) as <DIR>."""
    return json.loads(json.dumps(obj).replace(DIR, "<DIR>"))


def case_partial_nested(spark):
    # Bad values at the top, inside a struct, inside an array (of ints and
    # of structs) and inside a map: what Spark keeps of each record.
    p = put("pn.json", '{"a":"x","s":{"u":1,"v":"bad","w":"ok"},"b":2}\n'
                       '{"a":1,"arr":[1,"two",3],"b":"three"}\n'
                       '{"a":2,"sa":[{"u":1},{"u":"no","v":5}]}\n'
                       '{"a":3,"m":{"k1":1,"k2":"z","k3":3}}\n'
                       '{"a":4,"s":"notastruct","b":4}\n'
                       '{"a":5,"s":{"u":"bad"},"b":"bad"}\n')
    schema = ("a int, s struct<u:int,v:int,w:string>, arr array<int>, sa array<struct<u:int,v:int>>, "
              "m map<string,int>, b int, _corrupt_record string")
    return result(spark.read.schema(schema).json(p))


def case_partial_root_array(spark):
    p = put("pa.json", '[{"a":1,"b":"x"},{"a":"y","b":2}]\n')
    return result(spark.read.schema("a int, b int, _corrupt_record string").json(p))


def case_partial_without_corrupt_column(spark):
    p = put("pw.json", '{"a":"x","b":2}\n{"a":1,"b":"y"}\n')
    return result(spark.read.schema("a int, b int").json(p))


def case_failfast_error(spark):
    p = put("ff.json", '{"a":1}\n{"a":"x"}\n')
    return redact(error(lambda: spark.read.schema("a int").option("mode", "FAILFAST").json(p).collect()))


def case_failfast_syntax_error(spark):
    p = put("ffs.json", '{"a":1}\n{"a":\n')
    return redact(error(lambda: spark.read.schema("a int").option("mode", "FAILFAST").json(p).collect()))


def case_partial_map_of_structs(spark):
    p = put("pm.json", '{"m":{"x":{"u":1,"v":"bad"},"y":{"u":2,"v":3}}}\n{"m":{"x":{"u":"bad"}},"n":[[1,"a"],[2]]}\n')
    return result(spark.read.schema("m map<string,struct<u:int,v:int>>, n array<array<int>>, "
                                    "_corrupt_record string").json(p))


def case_input_file_name_json(spark):
    p = put("ifn.json", '{"a":1}\n{"a":2}\n')
    from pyspark.sql import functions as F
    df = spark.read.schema("a int").json(p)
    return redact(result(df.select("a", F.input_file_name(), "_metadata.file_name").orderBy("a")))


def case_partial_duplicate_keys(spark):
    p = put("dup.json", '{"a":"x","a":1,"b":1}\n{"a":2,"a":"y","b":2}\n{"s":{"u":"z","u":3},"b":3}\n{"b":4,"b":5}\n')
    return result(spark.read.schema("a int, s struct<u:int>, b int, _corrupt_record string").json(p))
