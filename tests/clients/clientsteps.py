"""What the client-program tests (test_go_client.py, test_jvm_client.py)
share: each runs a program written against another Spark Connect client,
which prints one JSON record per step (its columns and rows), and compares
every step with what the same program printed against real Spark 4.2
(tests/client/expected/<name>.json, recorded by tests/oracle/record_clients.py)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

EXPECTED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "client", "expected")


def expected(name: str) -> dict:
    """The recorded steps of client program `name`, by step name."""
    with open(os.path.join(EXPECTED_DIR, f"{name}.json")) as f:
        return {r["step"]: r for r in json.load(f)}


def results(client, server_url: str, missing: str) -> dict:
    """Builds and runs a client program module (available/build/run); skips
    with `missing` when its toolchain is absent."""
    if not client.available():
        pytest.skip(missing)
    try:
        client.build()
    except subprocess.CalledProcessError as e:
        pytest.fail(f"building the client program failed:\n{(e.stdout or '')[-2000:]}\n{(e.stderr or '')[-3000:]}")
    return {r["step"]: r for r in client.run(server_url)}


def check_step(name: str, got_all: dict, step: str, not_yet: dict, server) -> None:
    """A step's record must equal the recorded one; steps in `not_yet` are
    strict expected failures on Ember."""
    want = expected(name)[step]
    got = got_all.get(step)
    if step in not_yet and not server.is_spark:
        if got == want:
            pytest.fail(f"step {step} passes now: remove it from NOT_YET")
        pytest.xfail(not_yet[step])
    assert got == want
