#!/usr/bin/env python3
"""Records Apache Spark 4.2's answers for tests/unit/test_functions.c.

Run with the oracle's Python (full pyspark 4.2.0 + Java 17):
    /root/.cache/ember/oracle-venv/bin/python tests/oracle/functions/gen_functions_expected.py
It rewrites functions_expected.inc (for the C test) and functions_expected.py
(the same records as a Python list, for the client suite) next to this script.

Every expression is sent the way a Spark Connect client sends it: an
UnresolvedFunction under the name PySpark uses ("+", "==", "when", ...), over
column references and typed literals, against an in-memory table. The
server is Spark Connect itself (remote("local[1]")), so names, types and
errors are exactly what a PySpark 4.2 client sees. For each case and each
ANSI setting we record the output column name, type (simpleString),
nullability, and either every row's value as Spark casts it to STRING (NULL
for null) or the error class and message parameters.

Expression syntax (also parsed by the C test): (fn arg ...) calls fn; a bare
name is a column; literals: 1 (int, or bigint when it does not fit), 1L,
1Y (tinyint), 1S (smallint), 1.5 (double), 1.5F (float), 1.50BD (decimal
with the digits as written), 'text', true, false, null.
"""
import datetime
import math
import os
import re
from decimal import Decimal

from pyspark.sql import SparkSession
from pyspark.sql.connect.column import Column
from pyspark.sql.connect.expressions import ColumnReference, LiteralExpression, UnresolvedFunction
from pyspark.sql.types import (BooleanType, ByteType, DecimalType, DoubleType, FloatType, IntegerType,
                               LongType, NullType, ShortType, StringType)

HERE = os.path.dirname(os.path.abspath(__file__))
NAN = float("nan")
INF = float("inf")

# Tables: (schema DDL, rows). Dates/timestamps are written as text and
# converted on both sides (timestamps are UTC; the session zone is UTC).
TABLES = {
    "n": ("b tinyint, s smallint, i int, l bigint, f float, d double, m decimal(5,2), str string, "
          "bo boolean, dt date, ts timestamp, m2 decimal(38,10), sn string, bo2 boolean",
          [(1, 2, 3, 4, 1.5, 2.25, "1.25", "1", True, "2020-01-01", "2020-01-01 00:00:00", "12345.6789",
            "abc", True),
           (-7, 300, -10, 10000000000, -0.5, 1e10, "-3.10", "2.5", False, "1969-12-31",
            "1969-12-31 23:59:59.5", "-1.5", "", None),
           (None, None, None, None, None, None, None, None, None, None, None, None, None, False),
           (5, -1, 7, -3, NAN, NAN, "0.01", "-3", True, "2020-01-02", "2021-06-01 12:00:00", "0.0000000001",
            "Abc", False),
           (127, 32767, 2147483, 1000000, 3.4028235e38, -1e-300, "999.99", "1e3", None, "2020-01-01",
            "2020-01-01 00:00:00", "99999999999999999999999999.9999999999", "a\u00e9", None)]),
    "z": ("i int, l bigint, d double, m decimal(5,2), b tinyint, s smallint",
          [(0, 0, 0.0, "0.00", 0, 0),
           (2147483647, 9223372036854775807, INF, "999.99", 127, 32767),
           (-2147483648, -9223372036854775808, -INF, "-999.99", -128, -32768),
           (None, None, None, None, None, None),
           (-1, -1, -0.0, "-0.01", -1, -1)]),
}

BOTH = (True, False)

CASES = [
    # ---- arithmetic: result types, names, widening ----
    ("n", "(+ i 1)"), ("n", "(+ b b)"), ("n", "(+ b s)"), ("n", "(+ s i)"), ("n", "(+ i l)"),
    ("n", "(+ i f)"), ("n", "(+ l d)"), ("n", "(+ f f)"), ("n", "(+ f d)"), ("n", "(- i 1L)"),
    ("n", "(- l i)"), ("n", "(* i 2)"), ("n", "(* d f)"), ("n", "(* b 2Y)"), ("n", "(* s 3S)"),
    ("n", "(/ i 2)"), ("n", "(/ l i)"), ("n", "(/ d 4.0)"), ("n", "(/ f 2.0F)"), ("n", "(/ b s)"),
    ("n", "(% i 3)"), ("n", "(% l 7L)"), ("n", "(% d 2.0)"), ("n", "(% i -3)"), ("n", "(% f 0.5F)"),
    ("n", "(div i 3)"), ("n", "(div l -3)"), ("n", "(div b 2Y)"),
    ("n", "(pmod i 3)"), ("n", "(pmod i -3)"), ("n", "(pmod l 7)"), ("n", "(pmod d 2.0)"),
    ("n", "(negative i)"), ("n", "(negative d)"), ("n", "(negative b)"), ("n", "(negative m)"),
    ("n", "(positive l)"), ("n", "(abs i)"), ("n", "(abs d)"), ("n", "(abs m)"), ("n", "(abs f)"),
    ("n", "(+ (* i 2) (- l 1))"), ("n", "(+ i null)"), ("n", "(+ null null)"), ("n", "(* null i)"),
    ("n", "(- i i)"), ("n", "(/ i null)"),
    # ---- decimals ----
    ("n", "(+ m m)"), ("n", "(- m 1)"), ("n", "(+ m 100)"), ("n", "(* m m)"), ("n", "(/ m 3)"),
    ("n", "(/ m m)"), ("n", "(+ m i)"), ("n", "(* m l)"), ("n", "(+ m d)"), ("n", "(- m f)"),
    ("n", "(% m 2)"), ("n", "(pmod m 2)"), ("n", "(div m 2)"), ("n", "(+ m2 m)"), ("n", "(* m2 m)"),
    ("n", "(/ m2 m)"), ("n", "(+ m 1.5BD)"), ("n", "(* m 0.001BD)"), ("n", "(/ i m)"), ("n", "(- m2 m2)"),
    ("n", "(* m2 m2)"), ("n", "(/ 1.00BD m)"), ("n", "(% m2 m)"), ("n", "(+ b m)"),
    # ---- overflow and division by zero ----
    ("z", "(+ i 1)"), ("z", "(- i 1)"), ("z", "(* i 2)"), ("z", "(+ l 1L)"), ("z", "(* l 2L)"),
    ("z", "(- l 1L)"), ("z", "(+ b 1Y)"), ("z", "(* s 2S)"), ("z", "(negative i)"), ("z", "(negative l)"),
    ("z", "(abs i)"), ("z", "(abs l)"), ("z", "(abs b)"), ("z", "(negative s)"),
    ("z", "(/ 1 i)"), ("z", "(/ 1.0 d)"), ("z", "(% 5 i)"), ("z", "(% 5.0 d)"), ("z", "(div 5 i)"),
    ("z", "(div l -1L)"), ("z", "(% l -1L)"), ("z", "(pmod 5 i)"), ("z", "(/ m m)"), ("z", "(% m m)"),
    ("z", "(+ m m)"), ("z", "(* m m)"), ("z", "(/ d 2.0)"), ("z", "(* d 0.0)"), ("z", "(+ d 1.0)"),
    ("z", "(div i -1)"), ("z", "(+ i 1L)"),
    # ---- strings in arithmetic ----
    ("n", "(+ str 1)"), ("n", "(+ i '1')"), ("n", "(* str 2.0)"), ("n", "(negative str)"),
    ("n", "(+ sn 1)"), ("n", "(/ str 2)"),
    # ---- comparisons ----
    ("n", "(== i 3)"), ("n", "(== i l)"), ("n", "(== b s)"), ("n", "(< i d)"), ("n", "(<= f d)"),
    ("n", "(> l 5)"), ("n", "(>= m 1)"), ("n", "(> m d)"), ("n", "(== m m2)"), ("n", "(< str sn)"),
    ("n", "(>= sn 'abc')"), ("n", "(== bo true)"), ("n", "(< bo bo2)"), ("n", "(== dt dt)"),
    ("n", "(< dt '2020-01-01')"), ("n", "(> ts '2020-01-01 00:00:00')"), ("n", "(== d d)"),
    ("n", "(< d 1.0)"), ("n", "(> d 1.0)"), ("n", "(== f f)"), ("n", "(<=> i 3)"), ("n", "(<=> i null)"),
    ("n", "(<=> str sn)"), ("n", "(<=> d d)"), ("n", "(== i null)"), ("n", "(== i '3')"),
    ("n", "(== i str)"), ("n", "(< d str)"), ("n", "(== m '1.25')"), ("n", "(== str 1)"),
    ("n", "(== bo 'true')"), ("n", "(== i true)"), ("n", "(== ts dt)"), ("n", "(< dt ts)"),
    ("n", "(== sn str)"), ("n", "(> i 1.5BD)"), ("n", "(< b 100)"),
    ("n", "(in i 3 7)"), ("n", "(in i 3 null)"), ("n", "(in str '1' 'x')"), ("n", "(in d 2.25 1)"),
    ("n", "(in i l 1L)"), ("n", "(in m 1.25BD 0.01BD)"), ("n", "(in i)"), ("n", "(in i '3')"),
    ("n", "(in null 1 2)"), ("n", "(in sn 'abc' null)"),
    # ---- boolean logic ----
    ("n", "(and bo bo2)"), ("n", "(or bo bo2)"), ("n", "(not bo)"), ("n", "(not bo2)"),
    ("n", "(and (> i 1) (< i 5))"), ("n", "(or (> i 1) (isNull i))"), ("n", "(not (== i 3))"),
    ("n", "(and bo null)"), ("n", "(or null bo)"), ("n", "(and i bo)"), ("n", "(not i)"),
    ("n", "(and bo 'true')"), ("n", "(not str)"),
    # ---- null functions ----
    ("n", "(isNull i)"), ("n", "(isNotNull str)"), ("n", "(isnull d)"), ("n", "(isnotnull bo)"),
    ("n", "(isNaN d)"), ("n", "(isnan f)"), ("n", "(isnan i)"), ("n", "(isnan str)"),
    ("n", "(coalesce i 0)"), ("n", "(coalesce i l)"), ("n", "(coalesce null i)"),
    ("n", "(coalesce str sn 'z')"), ("n", "(coalesce i d)"), ("n", "(coalesce i m)"), ("n", "(coalesce i)"),
    ("n", "(coalesce i str)"), ("n", "(coalesce bo i)"), ("n", "(coalesce)"), ("n", "(coalesce null)"),
    ("n", "(nvl i 0)"), ("n", "(ifnull str 'x')"), ("n", "(nvl d i)"), ("n", "(nullif i 3)"),
    ("n", "(nullif str '1')"), ("n", "(nullif i l)"), ("n", "(nullif d d)"), ("n", "(nvl2 i 1 2)"),
    ("n", "(nanvl d 0.0)"), ("n", "(nanvl f d)"),
    # ---- conditionals ----
    ("n", "(when (> i 1) 1 0)"), ("n", "(when (> i 1) 1)"), ("n", "(when (> i 1) i (< i 0) l 0)"),
    ("n", "(when bo str 'no')"), ("n", "(when bo i d)"), ("n", "(when bo i str)"),
    ("n", "(when bo null 1)"), ("n", "(when (isNull i) 'null' (> i 0) 'pos')"), ("n", "(when i 1 0)"),
    ("n", "(when bo m i)"), ("n", "(if (> i 1) 1 2)"), ("n", "(if bo str i)"), ("n", "(if bo null d)"),
    ("n", "(if i 1 2)"), ("n", "(if null 1 2)"), ("n", "(when bo2 (/ 1 0) 1)"),
    ("z", "(when (== i 0) 0 (/ 10 i))"), ("z", "(if (== i 0) null (div 10 i))"),
    ("z", "(coalesce (+ i 1) 0)"), ("n", "(when bo 1 'x')"),
    # ---- errors at analysis ----
    ("n", "(+ str str)"), ("n", "(- bo 1)"), ("n", "(+ dt 1)"), ("n", "(< i bo)"), ("n", "(abs bo)"),
    ("n", "(nosuchfn i)"),
]


def parse(text):
    toks = re.findall(r"\(|\)|'(?:[^'\\]|\\.)*'|[^\s()]+", text)
    pos = 0

    def node():
        nonlocal pos
        t = toks[pos]
        pos += 1
        if t == "(":
            name = toks[pos]
            pos += 1
            args = []
            while toks[pos] != ")":
                args.append(node())
            pos += 1
            return ("call", name, args)
        return ("atom", t)

    return node()


def literal(t):
    if t == "null":
        return LiteralExpression(None, NullType())
    if t in ("true", "false"):
        return LiteralExpression(t == "true", BooleanType())
    if t.startswith("'"):
        return LiteralExpression(t[1:-1], StringType())
    if t.endswith("BD"):
        d = Decimal(t[:-2])
        digits = t[:-2].lstrip("-")
        scale = len(digits.split(".")[1]) if "." in digits else 0
        prec = max(len(digits.replace(".", "").lstrip("0")), scale, 1)
        return LiteralExpression(d, DecimalType(prec, scale))
    if t.endswith("L"):
        return LiteralExpression(int(t[:-1]), LongType())
    if t.endswith("Y"):
        return LiteralExpression(int(t[:-1]), ByteType())
    if t.endswith("S"):
        return LiteralExpression(int(t[:-1]), ShortType())
    if t.endswith("F"):
        return LiteralExpression(float(t[:-1]), FloatType())
    if re.fullmatch(r"-?\d+", t):
        v = int(t)
        return LiteralExpression(v, IntegerType() if -2**31 <= v < 2**31 else LongType())
    if re.fullmatch(r"-?[\d.]+(e-?\d+)?", t):
        return LiteralExpression(float(t), DoubleType())
    return None


def to_column(n):
    if n[0] == "call":
        return Column(UnresolvedFunction(n[1], [to_column(a)._expr for a in n[2]]))
    lit = literal(n[1])
    if lit is not None:
        return Column(lit)
    return Column(ColumnReference(n[1]))


def table_rows(ddl, rows):
    fields = [f.strip().split(" ", 1) for f in re.split(r",(?![^(]*\))", ddl)]
    out = []
    for r in rows:
        vals = []
        for (name, typ), v in zip(fields, r):
            if v is None:
                vals.append(None)
            elif typ.startswith("decimal"):
                vals.append(Decimal(v))
            elif typ == "date":
                vals.append(datetime.date.fromisoformat(v))
            elif typ == "timestamp":
                vals.append(datetime.datetime.fromisoformat(v).replace(tzinfo=datetime.timezone.utc))
            else:
                vals.append(v)
        out.append(tuple(vals))
    return out


def c_str(s):
    if s is None:
        return "NULL"
    out = '"'
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out += "\\" + c
        elif 32 <= ch < 127:
            out += c
        else:
            out += "\\%03o" % ch
    return out + '"'


def fmt_value(v):
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        return repr(v)
    return str(v)


def record(tables, cases, here, stem, script):
    """Runs every case against Spark Connect and writes <stem>_expected.inc and
    <stem>_expected.py into `here`. Shared with the other generators under
    tests/oracle/ (they import this module), so all record one format."""
    spark = SparkSession.builder.remote("local[1]").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    dfs = {k: spark.createDataFrame(table_rows(ddl, rows), ddl) for k, (ddl, rows) in tables.items()}
    lines = ["/* Generated by tests/oracle/%s from Apache Spark 4.2.0; do not edit. */" % script, ""]
    # Tables.
    lines.append("static const struct fn_table { const char *name, *ddl; int nrows; const char *rows[8][16]; }"
                 " fn_tables[] = {")
    for k, (ddl, rows) in tables.items():
        lines.append("  {%s, %s, %d, {" % (c_str(k), c_str(ddl), len(rows)))
        for r in rows:
            lines.append("    {" + ", ".join(c_str(fmt_value(v)) for v in r) + "},")
        lines.append("  }},")
    lines.append("};")
    lines.append("")
    lines.append("static const struct fn_case {\n  const char *table, *expr;\n  int ansi;\n"
                 "  const char *name, *type; int nullable;\n  const char *error; /* class or NULL */\n"
                 "  const char *params[8][2];\n  int nrows;\n  const char *values[8];\n} fn_cases[] = {")
    records = []
    for table, text in cases:
        col = to_column(parse(text))
        for ansi in BOTH:
            spark.conf.set("spark.sql.ansi.enabled", "true" if ansi else "false")
            df = dfs[table].select(col)
            rec = {"name": None, "type": None, "nullable": 0, "error": None, "params": {}, "values": []}
            try:
                f = df.schema.fields[0]
                rec["name"], rec["type"], rec["nullable"] = f.name, f.dataType.simpleString(), int(f.nullable)
                rows = dfs[table].select(col.cast("string")).collect()
                rec["values"] = [r[0] for r in rows]
            except Exception as e:  # noqa: BLE001 - we record whatever Spark raises
                cond = e.getCondition() if hasattr(e, "getCondition") else None
                rec["error"] = cond or type(e).__name__
                rec["params"] = dict(e.getMessageParameters() or {}) if hasattr(e, "getMessageParameters") else {}
            records.append(dict(table=table, expr=text, ansi=ansi, **rec))
            params = sorted(rec["params"].items())
            lines.append("  {%s, %s, %d,\n   %s, %s, %d,\n   %s, {%s},\n   %d, {%s}}," % (
                c_str(table), c_str(text), int(ansi), c_str(rec["name"]), c_str(rec["type"]), rec["nullable"],
                c_str(rec["error"]), ", ".join("{%s, %s}" % (c_str(k), c_str(v)) for k, v in params),
                len(rec["values"]), ", ".join(c_str(v) for v in rec["values"])))
            print(table, text, ansi, rec["name"], rec["type"], rec["error"], rec["params"], rec["values"],
                  flush=True)
    lines.append("};")
    with open(os.path.join(here, stem + "_expected.py"), "w") as f:
        f.write('"""Generated by %s from' % os.path.basename(script) + ' Apache Spark 4.2.0; do not edit.\n\n'
                'TABLES: name -> (DDL, rows as text). CASES: one dict per (table, expression, ANSI\n'
                'setting): the output column name, type (simpleString) and nullability, and either\n'
                'the values as Spark casts them to STRING (None for NULL) or the error class and\n'
                'message parameters. The expression syntax is described in the generator."""\n\n')
        f.write("TABLES = %r\n\n" % ({k: (ddl, [[fmt_value(v) for v in r] for r in rows])
                                      for k, (ddl, rows) in tables.items()},))
        f.write("CASES = [\n")
        for rec in records:
            f.write("    %r,\n" % (rec,))
        f.write("]\n")
    with open(os.path.join(here, stem + "_expected.inc"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    record(TABLES, CASES, HERE, "functions", "functions/gen_functions_expected.py")


if __name__ == "__main__":
    main()
