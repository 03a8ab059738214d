"""Latency micro-benchmarks: Spark Connect round trip and server start-to-ready.

    bench/run latency [--engines ember,sail,spark] [--calls 1000] [--warmup 100] [--starts 3]

- Round trip: ``spark.range(1).collect()`` from the PySpark Connect client,
  ``--calls`` times after ``--warmup`` untimed calls; p50 / p90 / p99 / mean.
- Start to ready: from the server process's start (just before exec) until the
  first successful Spark Connect RPC (ExecutePlan of range(1) over gRPC,
  polled every 50 ms); median of ``--starts`` starts.
Each engine runs alone. Prints the table with Ember/Sail and Ember/Spark
ratios (and Sail/Spark) and rewrites the `latency` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.lib import report as rp
from bench.lib.harness import Bench
from bench.lib.servers import CONNECT_ENGINES, EngineUnavailable, start_server


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run latency", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="ember,sail,spark")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--starts", type=int, default=3, help="server starts timed per engine (default 3)")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    engines = [e for e in CONNECT_ENGINES if e in args.engines.split(",")]

    # start-to-ready: extra starts (the benchmark's own start below is one more)
    ready = {e: [] for e in engines}
    for e in engines:
        for _ in range(max(0, args.starts - 1)):
            try:
                srv = start_server(e, sample=False)
            except EngineUnavailable:
                break
            ready[e].append(srv.ready_seconds)
            srv.stop()

    def workload(spark, ctx):
        for _ in range(args.warmup):
            spark.range(1).collect()
        times = []
        for _ in range(args.calls):
            t = time.perf_counter()
            spark.range(1).collect()
            times.append(time.perf_counter() - t)
        return {"rt": times}

    b = Bench("latency", "Latency: Spark Connect round trip and start-to-ready", engines)
    b.run(workload)
    for e, r in b.results.items():
        if r.ready_seconds is not None:
            ready[e].append(r.ready_seconds)
        r.metrics["ready"] = ready[e]

    def rt(p):
        return lambda r: rp.percentile(r.metrics["rt"], p) if r.metrics.get("rt") else None

    rows = [
        ("range(1).collect() p50 ms", rt(50)),
        ("range(1).collect() p90 ms", rt(90)),
        ("range(1).collect() p99 ms", rt(99)),
        ("range(1).collect() mean ms", lambda r: (sum(r.metrics["rt"]) / len(r.metrics["rt"])) if r.metrics.get("rt") else None),
    ]
    b.ratio_table(rows, peers=("sail", "spark"), fmt=rp.fmt_ms, extra_pairs=[("sail", "spark")],
                  caption=f"Round trip, {args.calls} calls after {args.warmup} warm-up calls (ms)")
    b.ratio_table([("start → ready s (median)", lambda r: rp.median(r.metrics.get("ready") or [])),
                   ("start → ready s (min)", lambda r: min(r.metrics["ready"]) if r.metrics.get("ready") else None)],
                  peers=("sail", "spark"), extra_pairs=[("sail", "spark")],
                  caption=f"Server start to first successful RPC, {args.starts} starts (s)")
    b.engine_table()
    b.print()
    if not args.no_doc:
        b.write_doc("Round trip is the PySpark Connect client's `spark.range(1).collect()` on the same machine "
                    "(loopback); start to ready is process start until the first successful ExecutePlan.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
