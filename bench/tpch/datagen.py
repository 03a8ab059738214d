"""TPC-H data in Parquet, generated once per scale factor with tpchgen-cli.

Layout: ${EMBER_BENCH_DATA:-~/.cache/ember/tpch}/sf<SF>/<table>/<table>.<part>.parquet
(a directory per table, as Spark, Sail, DuckDB and Ember all read; the number
of parts is max(2, 2 * SF) so every engine can read a table in parallel).
A `_SUCCESS` file marks a complete generation; an incomplete one is redone.

    python -m bench.tpch.datagen --sf 1
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

TABLES = ["region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"]


def base_dir() -> Path:
    return Path(os.environ.get("EMBER_BENCH_DATA", Path.home() / ".cache" / "ember" / "tpch"))


def sf_name(sf: float) -> str:
    return f"sf{sf:g}"


def data_dir(sf: float) -> Path:
    return base_dir() / sf_name(sf)


def table_path(sf: float, table: str) -> Path:
    return data_dir(sf) / table


def tpchgen() -> str:
    cand = Path(sys.executable).parent / "tpchgen-cli"
    if cand.exists():
        return str(cand)
    found = shutil.which("tpchgen-cli")
    if not found:
        raise SystemExit("tpchgen-cli not found: run bench/setup")
    return found


def ensure_data(sf: float, quiet: bool = False) -> Path:
    out = data_dir(sf)
    if (out / "_SUCCESS").exists() and all((out / t).is_dir() for t in TABLES):
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if out.exists():
        shutil.rmtree(out)
    tmp.mkdir(parents=True)
    parts = max(2, math.ceil(2 * sf))
    cmd = [tpchgen(), "parquet", "-s", f"{sf:g}", "--parts", str(parts), "-o", str(tmp), "-q"]
    if not quiet:
        print(f"generating TPC-H SF{sf:g} into {out} ({parts} parts per table) ...", flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    (tmp / "_SUCCESS").write_text(" ".join(cmd) + "\n")
    tmp.rename(out)
    if not quiet:
        print(f"generated in {time.time() - t0:.1f} s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0)
    args = ap.parse_args()
    print(ensure_data(args.sf))


if __name__ == "__main__":
    main()
