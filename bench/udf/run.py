#!/usr/bin/env python3
"""UDF throughput (not a timed test): rows/s of a WebAssembly scalar UDF on
Ember against the same computation as built-in expressions, and of the same
functions as Python UDFs on the peers, in one run:

    .venv/bin/python bench/udf/run.py [--rows 10000000] [--repeat 3] [--remote sc://host:port]
    ~/.cache/ember/bench-venv/bin/python bench/udf/run.py --engines ember,spark,sail

Without --remote, Ember is build/ember (EMBER_BIN) on a free port; with
--engines the servers come from the bench harness (bench/lib/servers.py:
`spark` is Apache Spark 4.2 from the pyspark package, `sail` Sail from the
bench venv; run it with the bench venv's Python, which has pandas and
pyarrow for their Python workers). On Spark the functions are
`pandas_udf`s (vectorized, Arrow batches); on Sail its Python UDFs
(`pandas_udf` as well). The WASM modules are the C SDK examples the build
compiles (<build>/wasm/udfs.wasm). Each query folds its result with
sum(length(...)) / sum(...), so only the computation is measured, not the
transfer to the client. The summary prints rows/s and the ratios of the
WASM UDF to the built-in and to each peer's Python UDF.
"""
import argparse
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ember_cases(spark, base, binary):
    from pyspark.sql import functions as F

    wasm = os.path.join(os.path.dirname(binary), "wasm", "udfs.wasm")
    spark.addArtifact(wasm, file=True)
    spark.udf.registerJavaFunction("norm", "wasm:udfs.wasm#norm")
    spark.udf.registerJavaFunction("bmi", "wasm:udfs.wasm#bmi")
    return [
        ("string", "wasm", base.agg(F.sum(F.length(F.call_function("norm", "s"))))),
        ("string", "builtin", base.agg(F.sum(F.length(F.lower(F.trim("s")))))),
        ("string", "input", base.agg(F.sum(F.length("s")))),
        ("numeric", "wasm", base.agg(F.sum(F.call_function("bmi", "w", "h")))),
        ("numeric", "builtin", base.agg(F.sum(F.col("w") / (F.col("h") * F.col("h"))))),
        ("numeric", "input", base.agg(F.sum(F.col("w") + F.col("h")))),
    ]


def python_cases(base):
    """The same two functions as pandas UDFs (Spark's vectorized Python UDFs)."""
    import pandas as pd
    from pyspark.sql import functions as F

    @F.pandas_udf("string")
    def norm_py(s: pd.Series) -> pd.Series:
        return s.str.split().str.join(" ").str.lower()

    @F.pandas_udf("double")
    def bmi_py(w: pd.Series, h: pd.Series) -> pd.Series:
        return w / (h * h)

    return [
        ("string", "python", base.agg(F.sum(F.length(norm_py("s"))))),
        ("string", "input", base.agg(F.sum(F.length("s")))),
        ("numeric", "python", base.agg(F.sum(bmi_py("w", "h")))),
        ("numeric", "input", base.agg(F.sum(F.col("w") + F.col("h")))),
    ]


def inputs(spark, rows):
    from pyspark.sql import functions as F

    i = F.col("id")
    return spark.range(rows).select(
        F.concat(F.lit("  Item "), (i % 1000).cast("string"), F.lit(" ABC  ")).alias("s"),
        ((i % 97) + F.lit(40.5)).alias("w"), ((i % 50) * F.lit(0.01) + F.lit(1.4)).alias("h"))


def measure(cases, rows, repeat, engine, results):
    for fn, kind, df in cases:
        best = None
        try:
            for _ in range(repeat):
                t0 = time.perf_counter()
                df.collect()
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
        except Exception as e:  # noqa: BLE001 - a peer's failure is reported, not fatal
            print(f"  {engine:6s} {fn:8s} {kind:8s} failed: {str(e).splitlines()[0][:150]}")
            continue
        results[(engine, fn, kind)] = rows / best
        print(f"  {engine:6s} {fn:8s} {kind:8s} {best:8.3f} s  {rows / best / 1e6:8.2f} M rows/s", flush=True)


def summary(results):
    print("\nratios (rows/s of the WASM UDF over the other):")
    for fn in ("string", "numeric"):
        w = results.get(("ember", fn, "wasm"))
        if not w:
            continue
        for key, label in ((("ember", fn, "builtin"), "Ember built-in"), (("spark", fn, "python"), "Spark pandas_udf"),
                           (("sail", fn, "python"), "Sail Python UDF")):
            if key in results:
                print(f"  {fn:8s} WASM / {label:18s} {w / results[key]:8.2f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--remote")
    ap.add_argument("--engines", default="ember", help="comma-separated: ember, spark, sail")
    ap.add_argument("--python-rows", type=int, default=0,
                    help="rows for the peers' Python UDFs (default: --rows)")
    a = ap.parse_args()
    from pyspark.sql import SparkSession

    binary = os.environ.get("EMBER_BIN", os.path.join(ROOT, "build", "ember"))
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    results = {}
    print(f"{a.rows:,} rows, best of {a.repeat}")
    for engine in engines:
        proc = server = None
        url = a.remote if engine == "ember" else None
        try:
            if engine == "ember" and not url and engines == ["ember"]:
                port = free_port()
                proc = subprocess.Popen([binary, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
                url = f"sc://127.0.0.1:{port}"
                time.sleep(0.5)
            elif not url:
                sys.path.insert(0, ROOT)
                from bench.lib import servers

                try:
                    server = servers.start_server(engine, sample=False)
                except servers.EngineUnavailable as e:
                    print(f"  {engine}: unavailable ({e})")
                    continue
                url = server.url
            spark = SparkSession.builder.remote(url).getOrCreate()
            rows = a.rows if engine == "ember" else (a.python_rows or a.rows)
            base = inputs(spark, rows)
            cases = ember_cases(spark, base, binary) if engine == "ember" else python_cases(base)
            measure(cases, rows, a.repeat, engine, results)
            spark.stop()
        finally:
            if proc:
                proc.terminate()
                proc.wait(timeout=10)
            if server:
                server.stop()
    summary(results)


if __name__ == "__main__":
    sys.exit(main())
