"""The peers' times for bench/micro/hash_agg.c's queries: DuckDB (in process)
and Sail (Spark Connect server, `sail spark server`), on the same 2 cores.
Each query folds the grouped result to one row so that result transfer is
not measured:
    SELECT count(*), sum(c) FROM (SELECT id % K AS k, count(*) c, sum(id) s FROM range(N) GROUP BY k)
Run with the bench venv:  ~/.cache/ember/bench-venv/bin/python bench/micro/peers_hash_agg.py
"""
import os
import socket
import subprocess
import sys
import time

N = int(os.environ.get("ROWS", 10_000_000))
CASES = [("low (100 groups)", 100, False), ("high (1M groups)", 1_000_000, False),
         ("distinct (10M groups)", N, False), ("string keys (1000 groups)", 1000, True)]


def best(fn, reps=3):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t)


def duckdb_times():
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 2")
    out = {}
    for name, k, s in CASES:
        key = f"'k' || (range % {k})" if s else f"range % {k}"
        q = f"SELECT count(*), sum(c) FROM (SELECT {key} AS k, count(*) c, sum(range) s FROM range({N}) GROUP BY k)"
        out[name] = best(lambda: con.execute(q).fetchall())
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sail_times():
    from pyspark.sql import SparkSession, functions as F
    port = free_port()
    env = dict(os.environ, SAIL_EXECUTION__DEFAULT_PARALLELISM="2")
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "sail"), "spark", "server",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        spark = SparkSession.builder.remote(f"sc://127.0.0.1:{port}").getOrCreate()
        out = {}
        for name, k, s in CASES:
            key = F.concat(F.lit("k"), (F.col("id") % k).cast("string")) if s else F.col("id") % k
            df = (spark.range(0, N, 1, 2).groupBy(key.alias("k")).agg(F.count("*").alias("c"), F.sum("id").alias("s"))
                  .agg(F.count("*"), F.sum("c")))
            df.collect()
            out[name] = best(lambda: df.collect())
        spark.stop()
        return out
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    d = duckdb_times()
    try:
        s = sail_times()
    except Exception as e:  # noqa: BLE001
        print("sail failed:", e)
        s = {}
    for name, _, _ in CASES:
        sv = s.get(name)
        print(f"{name:28s} duckdb {d[name]:7.3f} s ({N / d[name] / 1e6:6.1f} M rows/s)   "
              f"sail {sv if sv is None else round(sv, 3)} s")
