"""Run every client case (cases/*.py) against the server under test and compare
with the answer recorded from real Spark (expected/<module>.json, written only
by tests/oracle/record.py).

Each case module gets one fresh session, reused by its cases in source order
(the same way record.py ran them).
"""

from __future__ import annotations

import difflib

import pytest

import caselib
import caserunner
from conftest import new_session
from not_yet import NOT_YET

_MODULES = caserunner.discover()
_PARAMS = []
for _mod_name, _mod, _cases in _MODULES:
    _inexact = getattr(_mod, "INEXACT", None)
    for _case_name, _fn in _cases:
        _PARAMS.append(pytest.param(_mod_name, _case_name, _fn, _inexact,
                                    id=f"{_mod_name}::{_case_name}"))


@pytest.fixture(scope="session")
def case_sessions(server_url):
    """get(module) -> a session for that case module; a new module stops the
    previous module's session and starts a fresh one."""
    state = {"module": None, "spark": None}

    def get(module: str):
        if state["module"] != module:
            if state["spark"] is not None:
                try:
                    state["spark"].stop()
                except Exception:  # noqa: BLE001
                    pass
            state["spark"] = new_session(server_url)
            state["module"] = module
        return state["spark"]

    yield get
    if state["spark"] is not None:
        try:
            state["spark"].stop()
        except Exception:  # noqa: BLE001
            pass


_expected_cache: dict[str, dict] = {}


def _expected(module: str) -> dict:
    if module not in _expected_cache:
        _expected_cache[module] = caserunner.load_expected(module)
    return _expected_cache[module]


def _diff(expected, actual) -> str:
    a = caselib.canonical_json(expected).splitlines()
    b = caselib.canonical_json(actual).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "expected (Spark)", "actual", lineterm="", n=4))


@pytest.mark.parametrize("module,case,fn,inexact", _PARAMS)
def test_case(module, case, fn, inexact, case_sessions, server, request):
    exp = _expected(module)
    if case not in exp:
        pytest.fail(f"no recorded answer for {module}::{case}; run tests/oracle/record.py -k {case}",
                    pytrace=False)
    if inexact and not server.is_spark:
        request.applymarker(pytest.mark.xfail(reason=f"inexact output: {inexact}", strict=False))
    gap = NOT_YET.get(f"{module}::{case}")
    if gap and not server.is_spark:
        request.applymarker(pytest.mark.xfail(reason=f"not yet in Ember: {gap}", strict=True))
    spark = case_sessions(module)
    try:
        actual = caserunner.run_case(fn, spark)
    finally:
        if server.proc is not None and server.proc.poll() is not None:
            pytest.fail(f"server exited (code {server.proc.returncode}) during {module}::{case}; "
                        f"stderr:\n{server.stderr_tail()}", pytrace=False)
    if actual != exp[case]:
        pytest.fail(f"{module}::{case} differs from Spark:\n{_diff(exp[case], actual)}", pytrace=False)
