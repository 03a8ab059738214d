"""A sqllogictest runner over the PySpark client (SQLite's format as DuckDB
uses it), for Spark SQL semantics.

Records, separated by blank lines; `#` starts a comment line:

    statement ok
    <sql>

    statement error <SPARK_ERROR_CLASS>
    <sql>

    query <types> [rowsort]
    <sql>
    ----
    <row: values separated by tabs>

Types are one letter per column: I (integral), R (floating point or
decimal), T (text and anything else), B (boolean). Values print as: NULL,
true/false, repr() for floats, str() otherwise, hex for binary. Each file
runs on one fresh session.

    python tests/slt/slt.py record [--remote URL] [files...]   # fill in expected results from the oracle
Expected results are always written by `record` from real Spark 4.2, never
by hand: a source record may leave the result (and the error class) empty.
"""

from __future__ import annotations

import decimal
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse(text: str):
    recs, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        ln = lines[i].rstrip()
        if not ln or ln.startswith("#"):
            i += 1
            continue
        head = ln.split()
        i += 1
        sql = []
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            sql.append(lines[i])
            i += 1
        rec = {"kind": head[0], "args": head[1:], "sql": "\n".join(sql), "result": []}
        if i < len(lines) and lines[i].strip() == "----":
            i += 1
            while i < len(lines) and lines[i].strip():
                rec["result"].append(lines[i])
                i += 1
        recs.append(rec)
    return recs


def fmt(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, decimal.Decimal):
        return str(v)
    s = str(v)
    return s if s else "(empty)"


def type_letter(dt) -> str:
    n = dt.typeName()
    if n in ("byte", "short", "integer", "long"):
        return "I"
    if n in ("float", "double", "decimal"):
        return "R"
    if n == "boolean":
        return "B"
    return "T"


def run_record(spark, rec):
    """Runs one record; returns what the record should read (kind, args, result)."""
    if rec["kind"] == "statement":
        try:
            spark.sql(rec["sql"]).collect()
            return ["ok"], []
        except Exception as e:  # noqa: BLE001
            cond = getattr(e, "getCondition", lambda: None)() or type(e).__name__
            return ["error", cond], []
    df = spark.sql(rec["sql"])
    rows = [[fmt(v) for v in r] for r in df.collect()]
    out = ["\t".join(r) for r in rows]
    if "rowsort" in rec["args"]:
        out.sort()
    types = "".join(type_letter(f.dataType) for f in df.schema.fields)
    return [types] + [a for a in rec["args"][1:] if a == "rowsort"], out


def render(recs) -> str:
    parts = []
    for r in recs:
        s = " ".join([r["kind"]] + r["args"]) + "\n" + r["sql"]
        if r["kind"] == "query":
            s += "\n----" + ("\n" + "\n".join(r["result"]) if r["result"] else "")
        parts.append(s)
    return "\n\n".join(parts) + "\n"


def files(args):
    if args:
        return args
    d = os.path.join(HERE, "sql")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".slt"))


def record(url: str, paths) -> None:
    from pyspark.sql import SparkSession
    for path in paths:
        recs = parse(open(path, encoding="utf-8").read())
        spark = SparkSession.builder.remote(url).create()
        try:
            for r in recs:
                try:
                    args, result = run_record(spark, r)
                except Exception as e:  # noqa: BLE001
                    # A query Spark rejects is recorded as the error it raises.
                    r["kind"], r["result"] = "statement", []
                    args, result = ["error", getattr(e, "getCondition", lambda: None)() or type(e).__name__], []
                if r["kind"] == "statement":
                    r["args"] = args
                else:
                    r["args"], r["result"] = args, result
        finally:
            spark.stop()
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(recs))
        print(f"{os.path.basename(path)}: {len(recs)} records")


def check(spark, path) -> list[str]:
    """Runs a file; returns the mismatches (empty when all records pass)."""
    bad = []
    for n, r in enumerate(parse(open(path, encoding="utf-8").read())):
        try:
            args, result = run_record(spark, r)
        except Exception as e:  # noqa: BLE001
            bad.append(f"record {n}: {r['sql']!r} raised {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        want_args = r["args"] if r["kind"] == "statement" else [r["args"][0]] + [a for a in r["args"][1:] if a == "rowsort"]
        if args != want_args or (r["kind"] == "query" and result != r["result"]):
            bad.append(f"record {n}: {r['sql']!r}\n  want {want_args} {r['result']}\n  got  {args} {result}")
    return bad


if __name__ == "__main__":
    argv = sys.argv[1:]
    if not argv or argv[0] != "record":
        sys.exit(__doc__)
    argv = argv[1:]
    url = None
    if argv[:1] == ["--remote"]:
        url, argv = argv[1], argv[2:]
    if url:
        record(url, files(argv))
    else:
        sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
        from spark_server import SparkConnectOracle
        with SparkConnectOracle() as srv:
            record(srv.url, files(argv))
