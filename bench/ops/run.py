"""Operator benchmarks: the engine's core operators on generated data, each
engine alone on the machine, ratios printed and written to docs/benchmarks.md.

    bench/run ops [--rows 10000000] [--engines ember,ember-1core,sail,duckdb] [--runs 3]

Queries (the same data everywhere, generated from a range of N ids; the
grouped/joined/windowed results are folded to one row so result transfer is
not what is measured):
  agg-low    GROUP BY id % 100:           count(*), sum(id)   -> count, sum(c)
  agg-high   GROUP BY id % (N/10):        count(*), sum(id)   -> count, sum(c)
  join       range(N) JOIN range(N/10) ON a.id % (N/10) = b.id -> count(*)
  sort       ORDER BY a pseudo-random key, the full result fetched as Arrow
  window     row_number() OVER (PARTITION BY id % 1000 ORDER BY key) -> sum
`ember-1core` is Ember pinned to one core with taskset: ember-1core/ember is
the speedup from the second core. Each engine's answers are compared with
DuckDB's; a differing answer is reported as failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.lib.harness import Bench

# A pseudo-random, deterministic sort key every engine computes the same way.
KEY_MUL, KEY_MOD = 2654435761, 1000003


def queries(n: int):
    return ["agg-low", "agg-high", "join", "sort", "window"]


def spark_query(spark, name: str, n: int):
    from pyspark.sql import Window, functions as F
    ids = spark.range(0, n, 1, 2)
    key = ((F.col("id") * KEY_MUL) % KEY_MOD).alias("k")
    if name == "agg-low" or name == "agg-high":
        g = 100 if name == "agg-low" else n // 10
        return lambda: (ids.groupBy((F.col("id") % g).alias("g")).agg(F.count("*").alias("c"), F.sum("id").alias("s"))
                        .agg(F.count("*"), F.sum("c"), F.sum("s")).collect()[0])
    if name == "join":
        m = n // 10
        a = ids.select((F.col("id") % m).alias("ka"))
        b = spark.range(0, m, 1, 2).select(F.col("id").alias("kb"))
        return lambda: a.join(b, F.col("ka") == F.col("kb")).agg(F.count("*")).collect()[0]
    if name == "sort":
        df = ids.select(key).orderBy("k")

        def run():
            t = df.toArrow()
            col = t.column(0).to_pylist()
            return (len(col), col[0], col[len(col) // 2], col[-1])
        return run
    if name == "window":
        w = Window.partitionBy((F.col("id") % 1000)).orderBy(key)
        return lambda: ids.select(F.row_number().over(w).alias("rn")).agg(F.sum("rn"), F.max("rn")).collect()[0]
    raise ValueError(name)


def duckdb_query(con, name: str, n: int):
    key = f"(range * {KEY_MUL}) % {KEY_MOD}"
    if name in ("agg-low", "agg-high"):
        g = 100 if name == "agg-low" else n // 10
        q = (f"SELECT count(*), sum(c), sum(s) FROM (SELECT range % {g} AS g, count(*) c, sum(range) s "
             f"FROM range({n}) GROUP BY g)")
        return lambda: con.execute(q).fetchone()
    if name == "join":
        m = n // 10
        q = f"SELECT count(*) FROM (SELECT range % {m} AS ka FROM range({n})) a JOIN range({m}) b ON a.ka = b.range"
        return lambda: con.execute(q).fetchone()
    if name == "sort":
        q = f"SELECT {key} AS k FROM range({n}) ORDER BY k"

        def run():
            col = con.execute(q).to_arrow_table().column(0).to_pylist()
            return (len(col), col[0], col[len(col) // 2], col[-1])
        return run
    if name == "window":
        q = (f"SELECT sum(rn), max(rn) FROM (SELECT row_number() OVER (PARTITION BY range % 1000 ORDER BY {key}) rn "
             f"FROM range({n}))")
        return lambda: con.execute(q).fetchone()
    raise ValueError(name)


def norm(v):
    return tuple(int(x) for x in v)


def timed(fn, runs: int):
    ans = fn()  # warm-up, and the answer
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return norm(ans), statistics.median(ts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run ops", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--engines", default="ember,ember-1core,sail,duckdb")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    n = args.rows
    engines = args.engines.split(",")
    names = queries(n)

    def workload(spark, ctx):
        out = {}
        for q in names:
            try:
                out[q] = timed(spark_query(spark, q, n), args.runs)
            except Exception as e:  # noqa: BLE001 - an unsupported query is a result
                out[q] = ("error", str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__)
            print(f"[{ctx.engine}] {q}: {out[q]}", flush=True)
        return out

    def duck_workload(ctx):
        import duckdb
        con = duckdb.connect()
        con.execute("SET threads = 2")
        out = {}
        for q in names:
            try:
                out[q] = timed(duckdb_query(con, q, n), args.runs)
            except Exception as e:  # noqa: BLE001
                out[q] = ("error", str(e).strip().splitlines()[0][:120])
            print(f"[duckdb] {q}: {out[q]}", flush=True)
        return out

    b = Bench("ops", f"Operators over {n:,} generated rows", engines)
    b.run(workload, duck_workload)
    ref = b.results.get("duckdb")

    def metric(q):
        def f(r):
            v = r.metrics.get(q)
            if not v or v[0] == "error":
                return None
            if ref is not None and ref.ok and q in ref.metrics and ref.metrics[q][0] != v[0]:
                return None  # a wrong answer has no time
            return v[1]
        return f

    b.ratio_table([(q, metric(q)) for q in names], base="ember", peers=("sail", "spark", "duckdb"),
                  extra_pairs=(("ember-1core", "ember"),),
                  caption="Median seconds (lower is better); ember-1core/ember = speedup from the 2nd core")
    notes = []
    for e, r in b.results.items():
        for q in names:
            v = r.metrics.get(q)
            if v and v[0] == "error":
                notes.append(f"- {e} {q}: not run: {v[1]}")
            elif v and ref is not None and ref.ok and q in ref.metrics and ref.metrics[q][0] != v[0]:
                notes.append(f"- {e} {q}: answer {v[0]} differs from DuckDB's {ref.metrics[q][0]}")
    b.engine_table()
    b.print()
    if notes:
        print("\n".join(notes))
    if not args.no_doc:
        b.write_doc(__doc__.split("\n\n", 1)[1].split("`ember-1core`")[0] + "\n" + "\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
