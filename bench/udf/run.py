#!/usr/bin/env python3
"""WASM UDF throughput on Ember (not a timed test): rows/s of a WebAssembly
scalar UDF against the same computation as built-in expressions, in one run.

    .venv/bin/python bench/udf/run.py [--rows 10000000] [--repeat 3] [--remote sc://host:port]

Without --remote it starts build/ember (EMBER_BIN) on a free port. The
modules are the C SDK examples the build compiles (<build>/wasm/udfs.wasm).
Peers (a pandas_udf on Apache Spark, Sail's Python UDFs) are not run yet.
Each query folds its result with sum(length(...)) / sum(...), so only the
computation is measured, not the transfer to the client.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--remote")
    a = ap.parse_args()
    from pyspark.sql import SparkSession, functions as F

    proc = None
    url = a.remote
    binary = os.environ.get("EMBER_BIN", os.path.join(ROOT, "build", "ember"))
    if not url:
        port = free_port()
        proc = subprocess.Popen([binary, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = f"sc://127.0.0.1:{port}"
        time.sleep(0.5)
    try:
        spark = SparkSession.builder.remote(url).getOrCreate()
        wasm = os.path.join(os.path.dirname(binary), "wasm", "udfs.wasm")
        spark.addArtifact(wasm, file=True)
        spark.udf.registerJavaFunction("norm", "wasm:udfs.wasm#norm")
        spark.udf.registerJavaFunction("bmi", "wasm:udfs.wasm#bmi")
        i = F.col("id")
        base = spark.range(a.rows).select(
            F.concat(F.lit("  Item "), (i % 1000).cast("string"), F.lit(" ABC  ")).alias("s"),
            ((i % 97) + F.lit(40.5)).alias("w"), ((i % 50) * F.lit(0.01) + F.lit(1.4)).alias("h"))
        cases = [
            ("string: norm(s) [WASM]", base.agg(F.sum(F.length(F.call_function("norm", "s"))))),
            ("string: lower(trim(s)) [built-in]", base.agg(F.sum(F.length(F.lower(F.trim("s")))))),
            ("string: input only", base.agg(F.sum(F.length("s")))),
            ("numeric: bmi(w, h) [WASM]", base.agg(F.sum(F.call_function("bmi", "w", "h")))),
            ("numeric: w / (h * h) [built-in]", base.agg(F.sum(F.col("w") / (F.col("h") * F.col("h"))))),
            ("numeric: input only", base.agg(F.sum(F.col("w") + F.col("h")))),
        ]
        print(f"{a.rows:,} rows, best of {a.repeat}")
        for name, df in cases:
            best = None
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                df.collect()
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            print(f"  {name:38s} {best:7.3f} s  {a.rows / best / 1e6:8.1f} M rows/s")
        spark.stop()
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
