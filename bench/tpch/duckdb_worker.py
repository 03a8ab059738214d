"""Run TPC-H SQL on DuckDB over the Parquet files; a child process of run.py.

It runs in its own process so the parent can sample DuckDB's RSS and CPU
alone (the parent also holds PySpark, pandas, ...). Writes a pickle:
{"version": str, "setup_seconds": float,
 "queries": {qid: {"status", "error_class", "message", "cold", "hot", "rows", "cpu_seconds", "wall_seconds"}}}

    python -m bench.tpch.duckdb_worker --sf 1 --queries 1-22 --runs 3 --out res.pkl
"""

from __future__ import annotations

import argparse
import pickle
import time

import duckdb

from bench.tpch import datagen, queries


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--queries", default="all")
    ap.add_argument("--runs", type=int, default=3, help="hot runs after one cold run")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    data = datagen.data_dir(args.sf)
    t0 = time.perf_counter()
    con = duckdb.connect()  # defaults: threads = cores, memory_limit = 80% of RAM
    for t in datagen.TABLES:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{data / t}/*.parquet')")
    out = {"version": duckdb.__version__, "setup_seconds": time.perf_counter() - t0, "queries": {}}
    for qid in queries.parse_query_list(args.queries):
        text = queries.sql(qid, args.sf)
        r = {"status": "ok", "error_class": "", "message": "", "cold": None, "hot": [], "rows": None}
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            for i in range(1 + args.runs):
                s = time.perf_counter()
                rows = con.execute(text).fetchall()
                dt = time.perf_counter() - s
                if i == 0:
                    r["cold"], r["rows"] = dt, rows
                else:
                    r["hot"].append(dt)
        except Exception as e:  # an error is a result, not a crash
            r.update(status="unsupported", error_class=type(e).__name__, message=str(e).splitlines()[0][:500])
        r["cpu_seconds"] = time.process_time() - c0
        r["wall_seconds"] = time.perf_counter() - w0
        out["queries"][qid] = r
    with open(args.out, "wb") as f:
        pickle.dump(out, f)


if __name__ == "__main__":
    main()
