#!/usr/bin/env python3
"""Records Apache Spark 4.2's text forms of data types for tests/unit/test_types.c.

Run with the oracle's Python (full pyspark 4.2.0 + Java 17):
    /root/.cache/ember/oracle-venv/bin/python tests/oracle/types/gen_types_expected.py
It rewrites tests/oracle/types/types_expected.inc next to this script.

DDL strings are parsed the way Spark Connect's AnalyzePlan.DdlParse does
(SparkConnectPlanner.parseDatatypeString): parseTableSchema, else
parseDataType, else parseDataType("struct<...>"), reporting the first error.
"""
import os
from pyspark.sql import SparkSession

HERE = os.path.dirname(os.path.abspath(__file__))

DDL_CASES = [
    # every primitive, every alias, case-insensitive keywords
    "a int", "int", "INT", "a tinyint, b byte, c smallint, d short, e integer, f bigint, g long",
    "h float, i real, j double", "a boolean, b string, c binary, d date",
    "a timestamp, b timestamp_ltz, c timestamp_ntz", "a void", "a variant", "a interval",
    "a decimal, b dec(5), c numeric(7,2), d DECIMAL(38, 38), e decimal(0)",
    "a char(3), b varchar(4), c CHAR(0), d varchar(65536)",
    "a time, b time(3), c time(0)",
    "a interval year, b interval month, c interval year to month",
    "a interval day, b interval hour, c interval minute, d interval second",
    "a interval day to hour, b interval day to minute, c interval day to second",
    "a interval hour to minute, b interval hour to second, c interval minute to second",
    "interval", "interval year", "interval minute", "interval day to second",
    "boolean", "tinyint", "smallint", "bigint", "float", "double", "string", "binary", "date",
    "timestamp", "timestamp_ntz", "decimal(12,4)", "char(5)", "varchar(7)", "void", "variant", "time(4)",
    # nested
    "array<int>", "ARRAY<STRING>", "map<string,int>", "Map<int, array<string>>",
    "struct<a:int>", "struct<a int>", "struct<>", "a struct<>",
    "struct<a: int not null comment 'x', `b c`: string>",
    "a array<int>, m map<string, int> not null",
    "a int, b struct<c int, d array<map<string,int>>>",
    "m map<string, array<struct<x: int, `y``z` string not null comment 'c'>>>",
    "a struct<x: int not null comment 'q'>",
    "array<array<map<int,struct<a:decimal(5,2),b:interval day to second>>>>",
    # names, nullability, comments
    "a int not null, b string comment 'hi'", "A INT, B Int", "`a b` int", "`a``b` int",
    "1a int", "_a int", "a int, `b` string", "a int, a string", "a  int  not  null",
    "a:int", "a: int, b: string", "a int NOT NULL COMMENT 'it''s'", "a string comment 'x\\'y'",
    "a string comment \"dq\"", "a int comment ''", "a string comment 'a\\nb\\tc\\u0041'",
    "a string comment 'caf\u00e9 \u65e5\u672c'", " a int ", "a int\n, b string", "", "  ",
    "select int, from string, `order` int", "a int comment 'x' 'y'", "a int -- c\n, b string /* x */",
]

DDL_ERRORS = [
    "a int, b", "a int,", "a in t", "array<int", "a map<int>", "a map<int>, b int", "a int b int",
    "a string comment 'x' comment 'y'", "x int not null not null", "a int comment 'x' not null",
    "a int not null comment", "a decimal(3,", "a map<int,string,int>", "a array<>", "select",
    "a int)", "a date default 1", "a int generated always as (1)", "a long long",
    "a interval second to day", "a interval year to day", "a varchar(-1)", "a decimal(a)",
    "a int comment 5", "a int,,b int", ",a int", "a.b int", "a struct<x int,>", "a struct<x>",
    "a array<array<int>", "a struct<x: int", "a array<int not null>",
    "a int comment 'unterminated", "`a int", "a int, b string comment 'x",
    "a int not", "a int not 5", "a int not t", "a int t", "a foo t", "a int 5", "a decimal(2) t",
    "a int not null t", "a b c", "a int comment 'x' t", "a array<int> t", "a interval day t",
    "a char(3) t", "a timestamp t", "a decimal t", "a interval t", "a map<string,int> 5", "struct",
    # semantic errors
    "a array", "a map", "a struct", "a interval minute to hour", "a interval month to month",
    "a foo", "a `int`", "a int\n, b foo", "a array<foo>", "a map<int, foo>", "a struct<x foo>",
    "a timestamp(3)", "a timestamp_ntz(3)", "a binary(3)", "a int(3)", "a decimal(5,2,1)",
    "a varchar(10, 2)", "a char(3,4)", "a varchar", "a char", "a-b int",
    "a decimal(40,2)", "a decimal(39)", "a array<decimal(40)>", "a decimal(5,6)", "a time(10)",
]

TREE_CASES = [
    ("a int not null, b string, c struct<x: int not null, y: array<struct<z: map<string, int>>>>, "
     "d map<string, struct<k: int>>, e array<array<int>>", [0, 1, 2, 3, 4]),
    ("id bigint not null, name string, scores array<double>, attrs map<string,string>", [0, 1]),
    ("a decimal(10,2), b char(3), c varchar(5), d interval day to second, e interval year, "
     "f timestamp_ntz, g timestamp, h date, i binary, j boolean, k tinyint, l smallint, m float, "
     "n void, o variant, p interval, q time(6)", [0]),
    ("`a b` int, `c.d` struct<`e f`: int>", [0]),
    ("m map<struct<a:int>, array<map<int,int>>>", [0, 2]),
    ("", [0]),
]

JSON_CASES = [
    '{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{}}]}',
    '{"fields":[{"metadata":{},"name":"a","nullable":true,"type":"integer"}],"type":"struct"}',
    ' { "type" : "struct" , "fields" : [ { "name" : "a" , "type" : "long" , "nullable" : false , '
    '"metadata" : { "comment" : "x y" , "n" : [ 1 , 2 ] } } ] } ',
    '{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true}]}',
    '"integer"', '"long"', '"decimal"', '"decimal(10,2)"', '"decimal(10, 2)"', '"char(3)"',
    '"varchar(9)"', '"interval day to second"', '"interval year"', '"interval"', '"time(6)"',
    '"void"', '"null"', '"variant"', '"timestamp_ntz"', '"binary"', '"date"', '"short"', '"byte"',
    '{"type":"array","elementType":"string","containsNull":false}',
    '{"type":"map","keyType":"string","valueType":{"type":"array","elementType":"integer",'
    '"containsNull":true},"valueContainsNull":false}',
    '{"type":"struct","fields":[{"name":"s","type":{"type":"struct","fields":[{"name":"x",'
    '"type":"double","nullable":false,"metadata":{"comment":"caf\\u00e9\\n"}}]},"nullable":true,'
    '"metadata":{"k":{"nested":[1,2]}}}]}',
]

JSON_ERRORS = ['{"type":"foo"}', '"foo"', '"decimal(40,2)"']


def cstr(s):
    if s is None:
        return "NULL"
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def main():
    spark = SparkSession.builder.master("local[1]").getOrCreate()
    spark.sparkContext.setLogLevel("OFF")
    parser = spark._jsparkSession.sessionState().sqlParser()
    jtypes = spark._jvm.org.apache.spark.sql.types

    def ddl_parse(d):
        try:
            return parser.parseTableSchema(d)
        except Exception as e0:
            try:
                return parser.parseDataType(d)
            except Exception:
                try:
                    return parser.parseDataType("struct<" + d.strip() + ">")
                except Exception:
                    raise e0

    def err_of(e):
        # PySpark converts ParseException & co.; other Java errors stay Py4J errors.
        origin = getattr(e, "_origin", None) or getattr(e, "java_exception", None)
        msg = origin.getMessage()
        cls = origin.getCondition() if hasattr(origin, "getCondition") else None
        if msg.startswith("\n"):
            msg = msg[1:]
        return cls, msg

    lines = ["/* Generated by tests/oracle/types/gen_types_expected.py from Apache Spark "
             + spark.version + "; do not edit. */", ""]
    lines.append("static const struct ddl_ok_case { const char *ddl, *simple, *sql, *json, *tree; } ddl_ok_cases[] = {")
    for d in DDL_CASES:
        t = ddl_parse(d)
        tree = t.treeString() if t.typeName() == "struct" else None
        lines.append("  {%s,\n   %s,\n   %s,\n   %s,\n   %s}," % (cstr(d), cstr(t.simpleString()), cstr(t.sql()),
                                                       cstr(t.json()), cstr(tree)))
    lines.append("};")
    lines.append("")
    lines.append("static const struct ddl_err_case { const char *ddl, *cls, *msg; } ddl_err_cases[] = {")
    for d in DDL_ERRORS:
        try:
            ddl_parse(d)
            raise SystemExit("expected an error for " + d)
        except SystemExit:
            raise
        except Exception as e:
            cls, msg = err_of(e)
            lines.append("  {%s, %s,\n   %s}," % (cstr(d), cstr(cls), cstr(msg)))
    lines.append("};")
    lines.append("")
    lines.append("static const struct tree_case { const char *ddl; int level; const char *tree; } tree_cases[] = {")
    for d, levels in TREE_CASES:
        t = ddl_parse(d)
        for lv in levels:
            lines.append("  {%s, %d,\n   %s}," % (cstr(d), lv, cstr(t.treeString(lv) if lv else t.treeString())))
    lines.append("};")
    lines.append("")
    lines.append("static const struct json_case { const char *in, *out; } json_cases[] = {")
    for j in JSON_CASES:
        t = jtypes.DataType.fromJson(j)
        lines.append("  {%s,\n   %s}," % (cstr(j), cstr(t.json())))
    lines.append("};")
    lines.append("")
    lines.append("static const struct json_err_case { const char *in, *cls, *msg; } json_err_cases[] = {")
    for j in JSON_ERRORS:
        try:
            jtypes.DataType.fromJson(j)
            raise SystemExit("expected an error for " + j)
        except SystemExit:
            raise
        except Exception as e:
            cls, msg = err_of(e)
            lines.append("  {%s, %s,\n   %s}," % (cstr(j), cstr(cls), cstr(msg)))
    lines.append("};")
    with open(os.path.join(HERE, "types_expected.inc"), "w") as f:
        f.write("\n".join(lines) + "\n")
    spark.stop()


if __name__ == "__main__":
    main()
