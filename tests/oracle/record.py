"""Record the expected answers of the client cases from real Apache Spark.

Runs every case of tests/client/cases/*.py (or the subset selected with -k)
with the CLIENT under test (the pyspark-client in /work/main/.venv, the same
one that tests Ember) against a real Spark Connect server, and writes
tests/client/expected/<module>.json (sorted keys, one entry per case).

    /work/main/.venv/bin/python tests/oracle/record.py            # starts the oracle itself
    /work/main/.venv/bin/python tests/oracle/record.py -k show    # only matching cases
    /work/main/.venv/bin/python tests/oracle/record.py --remote sc://127.0.0.1:15002

-k matches a substring of "<module>::<case>" (several -k = any of them).
Recording a whole module drops entries of cases that no longer exist;
recording a subset updates only those entries. A case that raises fails the
run and is not written. Expected files are never edited by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "client"))
sys.path.insert(0, HERE)

import caserunner  # noqa: E402  (imports caselib: client TZ=UTC)
from spark_server import SparkConnectOracle  # noqa: E402


def check_client() -> None:
    from importlib import metadata
    try:
        metadata.distribution("pyspark-client")
    except metadata.PackageNotFoundError:
        sys.exit("record.py must run with the client venv (pyspark-client), e.g. "
                 "/work/main/.venv/bin/python tests/oracle/record.py")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", action="append", default=[], help="substring of module::case (repeatable)")
    ap.add_argument("--remote", help="record against this running Spark server (sc://host:port)")
    ap.add_argument("--dry-run", action="store_true", help="run and print, write nothing")
    args = ap.parse_args()
    check_client()

    from pyspark.sql import SparkSession

    selected = []
    for mod_name, mod, cases in caserunner.discover():
        picked = [(n, f) for n, f in cases
                  if not args.k or any(k in f"{mod_name}::{n}" for k in args.k)]
        if picked:
            selected.append((mod_name, picked, len(picked) == len(cases), [n for n, _ in cases]))
    if not selected:
        print("no cases selected", file=sys.stderr)
        return 2

    oracle = None
    url = args.remote
    if not url:
        oracle = SparkConnectOracle().start()
        url = oracle.url
        print(f"oracle: {url} (log {oracle.log_path})", flush=True)
    failures = 0
    try:
        for mod_name, picked, whole, all_names in selected:
            old = caserunner.load_expected(mod_name)
            new = {} if whole else dict(old)
            if not whole:
                # Keep entries only for cases that still exist.
                new = {k: v for k, v in new.items() if k in all_names}
            spark = SparkSession.builder.remote(url).create()
            t0 = time.monotonic()
            try:
                for name, fn in picked:
                    try:
                        new[name] = caserunner.run_case(fn, spark)
                        status = "changed" if old.get(name) != new[name] else "same"
                        if name not in old:
                            status = "new"
                        print(f"  {mod_name}::{name}: {status}", flush=True)
                    except Exception:  # noqa: BLE001
                        failures += 1
                        if name in old:
                            new[name] = old[name]  # keep the previous answer
                        print(f"  {mod_name}::{name}: FAILED\n{traceback.format_exc()}", flush=True)
            finally:
                try:
                    spark.stop()
                except Exception:  # noqa: BLE001
                    pass
            print(f"{mod_name}: {len(picked)} cases in {time.monotonic() - t0:.1f}s", flush=True)
            if not args.dry_run:
                caserunner.save_expected(mod_name, new)
    finally:
        if oracle is not None:
            oracle.stop()
    if failures:
        print(f"{failures} case(s) failed; their entries were not (re)written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
