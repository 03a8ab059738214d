"""Record what the non-Python client programs (tests/clients: the Go client
and Spark's JVM client) print against real Spark 4.2 into
tests/client/expected/<name>_client.json.

    .venv/bin/python tests/oracle/record_clients.py [--remote sc://127.0.0.1:15102] [go] [jvm]
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
import jvmclient  # noqa: E402
from spark_server import SparkConnectOracle  # noqa: E402

CLIENTS = {"go": goclient, "jvm": jvmclient}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--remote", help="a running Spark server (sc://host:port)")
    ap.add_argument("clients", nargs="*", default=list(CLIENTS))
    args = ap.parse_args()
    for c in args.clients:
        CLIENTS[c].build()
    oracle = None
    url = args.remote
    if not url:
        oracle = SparkConnectOracle().start()
        url = oracle.url
    rc = 0
    try:
        for c in args.clients:
            results = CLIENTS[c].run(url)
            errs = [r for r in results if "error" in r]
            if errs:
                print(f"{c}: steps failed on Spark: {errs}", file=sys.stderr)
                rc = 1
                continue
            out = os.path.join(ROOT, "tests", "client", "expected", f"{c}_client.json")
            with open(out, "w") as f:
                json.dump(results, f, indent=1)
                f.write("\n")
            print(f"{c}: recorded {len(results)} steps into {out}")
    finally:
        if oracle:
            oracle.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
