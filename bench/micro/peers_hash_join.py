"""The peers' times for bench/micro/hash_join.c's joins: DuckDB (in process)
and Sail (Spark Connect server, `sail spark server`), on the same 2 cores.
Each query folds the join's output to one row (count and a sum over a build
column, so the join must produce its rows) so that result transfer is not
measured:
    SELECT count(*), sum(b) FROM (SELECT id % M AS k, id AS a FROM range(N)) p
                            [LEFT|SEMI] JOIN (SELECT id * S AS k, id AS b FROM range(N / 10)) q USING (k)
Run with the bench venv:  ~/.cache/ember/bench-venv/bin/python bench/micro/peers_hash_join.py
"""
import os
import socket
import subprocess
import sys
import time

N = int(os.environ.get("ROWS", 10_000_000))
B = N // 10
CASES = [("fk (1 match/row)", B, 1, "inner"), ("sparse (10% match)", N, 10, "inner"),
         ("semi (1 match/row)", B, 1, "semi"), ("left outer (10% match)", N, 10, "left")]


def best(fn, reps=3):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t)


def duckdb_times(tables=False):
    """DuckDB on the same generated inputs; with tables=True on inputs
    materialized beforehand (DuckDB's range() does not run in parallel under
    a join, so this is the fairer measure of its join)."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 2")
    out = {}
    for name, m, s, how in CASES:
        kind = {"inner": "JOIN", "semi": "SEMI JOIN", "left": "LEFT JOIN"}[how]
        agg = "count(*), sum(a)" if how == "semi" else "count(*), sum(b)"
        p = f"(SELECT range % {m} AS k, range AS a FROM range({N}))"
        q = f"(SELECT range * {s} AS k, range AS b FROM range({B}))"
        if tables:
            con.execute(f"CREATE OR REPLACE TABLE p AS {p}")
            con.execute(f"CREATE OR REPLACE TABLE q AS {q}")
            p, q = "p", "q"
        sql = f"SELECT {agg} FROM {p} p {kind} {q} q USING (k)"
        out[name] = best(lambda: con.execute(sql).fetchall())
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
        for name, m, s, how in CASES:
            p = spark.range(0, N, 1, 2).select((F.col("id") % m).alias("k"), F.col("id").alias("a"))
            q = spark.range(0, B, 1, 2).select((F.col("id") * s).alias("k"), F.col("id").alias("b"))
            j = p.join(q, "k", {"inner": "inner", "semi": "left_semi", "left": "left"}[how])
            df = j.agg(F.count("*"), F.sum("a" if how == "semi" else "b"))
            df.collect()
            out[name] = best(lambda: df.collect())
        spark.stop()
        return out
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    d = duckdb_times()
    dt = duckdb_times(tables=True)
    try:
        s = sail_times()
    except Exception as e:  # noqa: BLE001
        print("sail failed:", e)
        s = {}
    for name, _, _, _ in CASES:
        sv = s.get(name)
        print(f"{name:26s} duckdb {d[name]:7.3f} s ({N / d[name] / 1e6:6.1f} M rows/s)   "
              f"duckdb(tables) {dt[name]:7.3f} s   sail {sv if sv is None else round(sv, 3)} s")
