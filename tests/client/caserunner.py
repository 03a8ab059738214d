"""Discovering and running client cases (shared by record.py and test_cases.py).

A case module is tests/client/cases/<module>.py; its cases are the functions
named `case_*`, in definition order. Each case module runs on ONE fresh session
(created before its first case, stopped after its last), in the same order when
recording and when testing, so cases must leave the session as they found it.

Optional module attributes:
    INEXACT = "reason"   output that is not expected to match Spark byte for
                         byte (e.g. explain text); test_cases.py marks these
                         xfail (non-strict) unless the server under test is Spark.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")
EXPECTED_DIR = os.path.join(HERE, "expected")

if HERE not in sys.path:
    sys.path.insert(0, HERE)

import caselib  # noqa: E402


def load_module(name: str):
    path = os.path.join(CASES_DIR, name + ".py")
    spec = importlib.util.spec_from_file_location(f"ember_cases.{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    check_no_import_time_api(name)
    return mod


def check_no_import_time_api(name: str) -> None:
    """PySpark decides once per process whether DataFrame call sites (the
    query contexts of errors) are sent, at the first API call: "no" when no
    session exists yet. A case module that calls a PySpark API at import time
    (a module-level Window spec, F.col(...)) would silently turn them off for
    every case, in tests and in recordings alike, so it is refused."""
    try:
        import pyspark.errors.utils as pu
    except ImportError:
        return
    if getattr(pu, "_enable_debugging_cache", None) is False:
        raise RuntimeError(f"case module {name} calls a PySpark API at import time; build such objects inside "
                           "the case functions (it disables DataFrame query contexts for the whole run)")


def module_names() -> list[str]:
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(CASES_DIR, "*.py"))
                  if not os.path.basename(p).startswith("_"))


def cases_of(mod) -> list[tuple[str, object]]:
    """(name, function) of every case_* function, in source order."""
    fns = [(n, f) for n, f in vars(mod).items() if n.startswith("case_") and callable(f)]
    fns.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
    return fns


def discover() -> list[tuple[str, object, list[tuple[str, object]]]]:
    out = []
    for name in module_names():
        mod = load_module(name)
        out.append((name, mod, cases_of(mod)))
    return out


def run_case(fn, spark):
    """Run one case; returns its result in canonical JSON-decoded form."""
    res = caselib.plain(fn(spark))
    # Round trip so that what we compare is exactly what a file would hold.
    return json.loads(caselib.canonical_json(res))


def expected_path(module: str) -> str:
    return os.path.join(EXPECTED_DIR, module + ".json")


def load_expected(module: str) -> dict:
    path = expected_path(module)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save_expected(module: str, data: dict) -> None:
    os.makedirs(EXPECTED_DIR, exist_ok=True)
    with open(expected_path(module), "w", encoding="utf-8") as f:
        f.write(caselib.canonical_json(data))
        f.write("\n")
