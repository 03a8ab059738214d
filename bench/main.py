"""Entry point of bench/run.

    bench/run [TPC-H options]            TPC-H, then the latency benchmark
    bench/run tpch [TPC-H options]       TPC-H only      (bench/tpch/run.py --help)
    bench/run latency [options]          latency only    (bench/latency/run.py --help)
    bench/run ops [options]              operator benchmarks (bench/ops/run.py --help)
    bench/run scan [options]             Parquet/CSV scan benchmarks (bench/scan/run.py --help)

`bench/run` alone also accepts --no-latency. The engines of --engines that
speak Spark Connect (ember, sail, spark) are the ones the latency run uses.
"""

from __future__ import annotations

import sys
import time


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        from bench.tpch import run as tpch

        tpch.parse_args(["--help"])
        return 0
    if argv and argv[0] == "tpch":
        from bench.tpch import run as tpch

        return tpch.main(argv[1:])
    if argv and argv[0] == "ops":
        from bench.ops import run as ops

        return ops.main(argv[1:])
    if argv and argv[0] == "scan":
        from bench.scan import run as scan

        return scan.main(argv[1:])
    if argv and argv[0] == "latency":
        from bench.latency import run as latency

        return latency.main(argv[1:])

    from bench.latency import run as latency
    from bench.tpch import run as tpch

    t0 = time.perf_counter()
    no_latency = "--no-latency" in argv
    argv = [a for a in argv if a != "--no-latency"]
    rc = tpch.main(argv)
    if not no_latency:
        args = tpch.parse_args(argv)
        engines = [e for e in args.engine_list if e in ("ember", "sail", "spark")]
        if engines and not args.url:
            print("\n== latency ==", flush=True)
            rc = latency.main(["--engines", ",".join(engines)] + (["--no-doc"] if args.no_doc else [])) or rc
    print(f"bench/run: done in {(time.perf_counter() - t0) / 60:.1f} min", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
