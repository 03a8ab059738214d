#!/usr/bin/env python3
"""The protocol coverage table of docs/compatibility.md, generated.

Every kind of Relation (rel_type), Expression (expr_type), Command
(command_type) and Catalog call (cat_type) of Spark Connect 4.2, as the
installed pyspark-client's descriptors list them, with Ember's status:
  supported  the server plans it (a case of src/connect/*.c names it) and
             nothing below marks it partial
  partial    planned, with the limits noted (NOTES below)
  not yet    refused with CONNECT_INVALID_PLAN.INVALID_ONE_OF_FIELD_NOT_SUPPORTED

    python3 scripts/protocol_coverage.py            # print the table
    python3 scripts/protocol_coverage.py --check    # exit 1 if the doc differs
    python3 scripts/protocol_coverage.py --write    # rewrite the doc's section
Run with the client venv (.venv/bin/python).
"""

from __future__ import annotations

import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "compatibility.md")
BEGIN, END = "<!-- protocol-coverage:begin -->", "<!-- protocol-coverage:end -->"

# Kinds that are planned but with known limits (kept short; details in the
# sections of docs/compatibility.md).
NOTES = {
    ("Relation", "read"): "Parquet/CSV/JSON/text as merged; see Data sources",
    ("Relation", "sql"): "see SQL",
    ("Relation", "aggregate"): "see Relations (grouping sets, pivot)",
    ("Expression", "expression_string"): "needs the SQL parser",
    ("Command", "register_function"): "WebAssembly UDFs only (wasm:...); Python UDFs not yet",
    ("Command", "ml_command"): "clean_cache only (PySpark sends it at exit; no ML models here)",
}


def kinds():
    from pyspark.sql.connect.proto import base_pb2, catalog_pb2, commands_pb2, expressions_pb2, relations_pb2
    out = []
    for title, msg, oneof in (("Relation", relations_pb2.Relation, "rel_type"),
                              ("Expression", expressions_pb2.Expression, "expr_type"),
                              ("Command", commands_pb2.Command, "command_type"),
                              ("Catalog", catalog_pb2.Catalog, "cat_type")):
        fields = msg.DESCRIPTOR.oneofs_by_name[oneof].fields
        out.append((title, msg.DESCRIPTOR.name, oneof, [(f.name, f.number) for f in fields]))
    del base_pb2
    return out


def handled_constants() -> set:
    text = ""
    for p in glob.glob(os.path.join(ROOT, "src", "connect", "*.c")):
        with open(p) as f:
            text += f.read()
    return set(re.findall(r"SPARK__CONNECT__[A-Z_]+__(?:REL_TYPE|EXPR_TYPE|COMMAND_TYPE|CAT_TYPE)_[A-Z0-9_]+", text))


def table() -> str:
    have = handled_constants()
    lines = []
    for title, msgname, oneof, fields in kinds():
        prefix = {"Relation": "SPARK__CONNECT__RELATION__REL_TYPE_",
                  "Expression": "SPARK__CONNECT__EXPRESSION__EXPR_TYPE_",
                  "Command": "SPARK__CONNECT__COMMAND__COMMAND_TYPE_",
                  "Catalog": "SPARK__CONNECT__CATALOG__CAT_TYPE_"}[title]
        n_ok = 0
        rows = []
        for name, num in fields:
            planned = (prefix + name.upper()) in have
            note = NOTES.get((title, name), "")
            status = ("partial" if note else "supported") if planned else "not yet"
            n_ok += planned
            rows.append(f"| `{name}` ({num}) | {status} | {note if planned else ''} |")
        lines.append(f"\n**{msgname}.{oneof}**: {n_ok} of {len(fields)} kinds planned.\n")
        lines.append("| kind (field) | status | notes |")
        lines.append("|---|---|---|")
        lines.extend(rows)
    return "\n".join(lines).strip() + "\n"


def main() -> int:
    t = table()
    if len(sys.argv) > 1 and sys.argv[1] in ("--check", "--write"):
        with open(DOC) as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            print(f"{DOC}: no {BEGIN} ... {END} section", file=sys.stderr)
            return 1
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = head + BEGIN + "\n" + t + END + tail
        if sys.argv[1] == "--write":
            with open(DOC, "w") as f:
                f.write(new)
            return 0
        if new != doc:
            print("docs/compatibility.md's protocol coverage table is stale: run "
                  ".venv/bin/python scripts/protocol_coverage.py --write", file=sys.stderr)
            return 1
        return 0
    print(t, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
