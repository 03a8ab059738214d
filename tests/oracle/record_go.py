"""Record what the Go client program prints against real Spark 4.2 into
tests/client/expected/go_client.json.

    .venv/bin/python tests/oracle/record_go.py [--remote sc://127.0.0.1:15102]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "clients"))
sys.path.insert(0, HERE)

import goclient  # noqa: E402
from spark_server import SparkConnectOracle  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--remote", help="a running Spark server (sc://host:port)")
    args = ap.parse_args()
    goclient.build()
    oracle = None
    url = args.remote
    if not url:
        oracle = SparkConnectOracle().start()
        url = oracle.url
    try:
        results = goclient.run(url)
    finally:
        if oracle:
            oracle.stop()
    errs = [r for r in results if "error" in r]
    if errs:
        print("steps failed on Spark:", errs, file=sys.stderr)
        return 1
    out = os.path.join(ROOT, "tests", "client", "expected", "go_client.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    print(f"recorded {len(results)} steps into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
