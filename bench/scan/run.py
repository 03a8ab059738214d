"""Scan benchmarks: reading TPC-H `lineitem` files, each engine alone on the
machine, ratios printed and written to docs/benchmarks.md.

    bench/run scan [--sf 1,10] [--engines ember,sail,duckdb] [--runs 3] [--rounds 1] [--no-csv]

Queries (every engine reads the same files; answers compared with DuckDB's):
  sum-sfN      full scan of lineitem (Parquet) + count(*) and the sums of
               l_quantity, l_extendedprice, l_discount, l_tax
  filter-sfN   l_orderkey < 60000 (about 0.25% of the rows): lineitem is
               written in l_orderkey order, so row-group statistics can skip
               almost every row group; count(*) and sum(l_extendedprice)
  csv-sf1      the same sums over lineitem as CSV (header, explicit schema)
With --rounds N every engine runs N times, the engines' order reversed
each round (this machine's speed drifts for seconds at a time; rounds
spread the drift over every engine), and a query's time is the median of
its per-round medians. Peak RSS per query is the server's (DuckDB: the benchmark process) highest
resident set size while that query ran, warm-up included. Data: Parquet of
bench/tpch/datagen.py for SF1; lineitem alone for other scale factors and
the CSV copy, generated once with tpchgen-cli under
${EMBER_BENCH_DATA:-~/.cache/ember/tpch}/scan/.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.lib.harness import Bench
from bench.lib.rounds import merge_rounds
from bench.tpch import datagen

SUM_COLS = ["l_quantity", "l_extendedprice", "l_discount", "l_tax"]
FILTER_KEY = 60000
LINEITEM_DDL = (
    "l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber INT, l_quantity DECIMAL(15,2), "
    "l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2), l_tax DECIMAL(15,2), l_returnflag STRING, "
    "l_linestatus STRING, l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE, l_shipinstruct STRING, "
    "l_shipmode STRING, l_comment STRING"
)


def lineitem_dir(sf: float, fmt: str) -> Path:
    """The lineitem files of one scale factor and format, generated once."""
    if fmt == "parquet" and sf == 1:
        return datagen.ensure_data(1) / "lineitem"
    out = datagen.base_dir() / "scan" / f"{datagen.sf_name(sf)}-{fmt}"
    if (out / "_SUCCESS").exists():
        return out / "lineitem"
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.mkdir(parents=True)
    parts = max(2, math.ceil(2 * sf))
    cmd = [datagen.tpchgen(), fmt, "-s", f"{sf:g}", "--tables", "lineitem", "--parts", str(parts),
           "-o", str(tmp)]
    print(f"generating lineitem SF{sf:g} as {fmt} into {out} ...", flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    (tmp / "_SUCCESS").write_text(" ".join(cmd) + "\n")
    tmp.rename(out)
    print(f"generated in {time.time() - t0:.1f} s", flush=True)
    return out / "lineitem"


def plan(sfs, csv: bool):
    """(name, kind, path) of each query."""
    qs = []
    for sf in sfs:
        p = lineitem_dir(sf, "parquet")
        qs.append((f"sum-{datagen.sf_name(sf)}", "sum", "parquet", p))
        qs.append((f"filter-{datagen.sf_name(sf)}", "filter", "parquet", p))
    if csv:
        qs.append(("csv-sf1", "sum", "csv", lineitem_dir(1, "csv")))
    return qs


def spark_query(spark, kind: str, fmt: str, path: Path):
    from pyspark.sql import functions as F
    if fmt == "csv":
        df = spark.read.csv(str(path), header=True, schema=LINEITEM_DDL)
    else:
        df = spark.read.parquet(str(path))
    if kind == "sum":
        q = df.agg(F.count(F.lit(1)), *[F.sum(c) for c in SUM_COLS])
    else:
        q = df.filter(F.col("l_orderkey") < FILTER_KEY).agg(F.count(F.lit(1)), F.sum("l_extendedprice"))
    return lambda: tuple(q.collect()[0])


def duckdb_query(con, kind: str, fmt: str, path: Path):
    if fmt == "csv":
        src = f"read_csv('{path}/*.csv', header = true, columns = {{{_duck_columns()}}})"
    else:
        src = f"read_parquet('{path}/*.parquet')"
    if kind == "sum":
        q = f"SELECT count(*), {', '.join(f'sum({c})' for c in SUM_COLS)} FROM {src}"
    else:
        q = f"SELECT count(*), sum(l_extendedprice) FROM {src} WHERE l_orderkey < {FILTER_KEY}"
    return lambda: tuple(con.execute(q).fetchone())


def _duck_columns() -> str:
    out = []
    for part in LINEITEM_DDL.split(", "):
        name, ty = part.split(" ", 1)
        out.append(f"'{name}': '{ty.replace('STRING', 'VARCHAR')}'")
    return ", ".join(out)


def norm(v):
    return tuple(str(x) for x in v)


def timed(fn, runs: int, sampler):
    if sampler is not None:
        sampler.reset_window()
    ans = fn()  # warm-up, and the answer
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    rss = sampler.window_peak_rss if sampler is not None else None
    return norm(ans), statistics.median(ts), rss


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run scan", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", default="1,10", help="comma-separated scale factors of the Parquet queries")
    ap.add_argument("--engines", default="ember,sail,duckdb")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1, help="run every engine this many times, order reversed each round")
    ap.add_argument("--no-csv", action="store_true")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    sfs = [float(s) for s in args.sf.split(",") if s]
    engines = args.engines.split(",")
    queries = plan(sfs, not args.no_csv)
    names = [q[0] for q in queries]

    def workload(spark, ctx):
        out = {}
        for name, kind, fmt, path in queries:
            try:
                out[name] = timed(spark_query(spark, kind, fmt, path), args.runs, ctx.sampler)
            except Exception as e:  # noqa: BLE001 - an unsupported query is a result
                out[name] = ("error", str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__)
            print(f"[{ctx.engine}] {name}: {out[name]}", flush=True)
        return out

    def duck_workload(ctx):
        import duckdb
        con = duckdb.connect()
        con.execute("SET threads = 2")
        out = {}
        for name, kind, fmt, path in queries:
            try:
                out[name] = timed(duckdb_query(con, kind, fmt, path), args.runs, ctx.sampler)
            except Exception as e:  # noqa: BLE001
                out[name] = ("error", str(e).strip().splitlines()[0][:120])
            print(f"[duckdb] {name}: {out[name]}", flush=True)
        return out

    b = Bench("scan", "Scans of TPC-H lineitem (Parquet and CSV)", engines)
    rounds = []
    for r in range(max(1, args.rounds)):
        b.engines = engines if r % 2 == 0 else list(reversed(engines))
        b.results = {}
        b.run(workload, duck_workload)
        rounds.append(b.results)
    b.engines = engines
    b.results = merge_rounds(rounds, engines, names)
    ref = b.results.get("duckdb")

    def wrong(q, v):
        return ref is not None and ref.ok and isinstance(ref.metrics.get(q), tuple) and \
            ref.metrics[q][0] != "error" and _num(ref.metrics[q][0]) != _num(v[0])

    def metric(q, i):
        def f(r):
            v = r.metrics.get(q)
            if not v or v[0] == "error" or wrong(q, v):
                return None
            return v[i]
        return f

    b.ratio_table([(q, metric(q, 1)) for q in names], base="ember", peers=("sail", "duckdb"),
                  caption="Median seconds (lower is better)")
    b.ratio_table([(q, metric(q, 2)) for q in names], base="ember", peers=("sail", "duckdb"),
                  fmt=lambda x: "—" if x is None else f"{x / 2**20:,.0f}",
                  caption="Peak RSS MiB during each query (warm-up included)")
    notes = []
    for e, r in b.results.items():
        for q in names:
            v = r.metrics.get(q)
            if v and v[0] == "error":
                notes.append(f"- {e} {q}: not run: {v[1]}")
            elif v and wrong(q, v):
                notes.append(f"- {e} {q}: answer {v[0]} differs from DuckDB's {ref.metrics[q][0]}")
    b.engine_table()
    b.print()
    if notes:
        print("\n".join(notes))
    if not args.no_doc:
        b.write_doc(__doc__.split("\n\n", 1)[1].split("Data:")[0] + "\n" + "\n".join(notes))
    return 0


def _num(ans):
    """An answer as numbers (engines print decimals differently: 1.50 / 1.5)."""
    from decimal import Decimal
    out = []
    for x in ans:
        try:
            out.append(Decimal(x).normalize())
        except Exception:  # noqa: BLE001
            out.append(x)
    return tuple(out)


if __name__ == "__main__":
    sys.exit(main())
