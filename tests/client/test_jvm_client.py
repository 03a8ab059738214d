"""Spark's own JVM client (org.apache.spark:spark-connect-client-jvm_2.13:4.2.0,
from Maven Central, run on Java 17) against the server under test: a Java
program (tests/clients/jvm/src/EmberJvmClient.java) runs DataFrame steps and
SQL steps; each step's columns and rows must equal what the same program
printed against real Spark 4.2 (tests/client/expected/jvm_client.json,
recorded by tests/oracle/record_clients.py). Skipped with a message when
Maven or a JDK is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "clients"))

import jvmclient  # noqa: E402

EXPECTED = os.path.join(HERE, "expected", "jvm_client.json")
NOT_YET: dict = {}


def _expected():
    with open(EXPECTED) as f:
        return {r["step"]: r for r in json.load(f)}


@pytest.fixture(scope="module")
def jvm_results(server_url):
    if not jvmclient.available():
        pytest.skip("Maven and a JDK are needed for the JVM client test")
    try:
        jvmclient.build()
    except subprocess.CalledProcessError as e:
        pytest.fail(f"building the JVM client failed:\n{(e.stdout or '')[-2000:]}\n{(e.stderr or '')[-2000:]}")
    return {r["step"]: r for r in jvmclient.run(server_url)}


@pytest.mark.parametrize("step", list(_expected()))
def test_jvm_client_step(jvm_results, step, server):
    want = _expected()[step]
    got = jvm_results.get(step)
    if step in NOT_YET and not server.is_spark:
        if got == want:
            pytest.fail(f"step {step} passes now: remove it from NOT_YET")
        pytest.xfail(NOT_YET[step])
    assert got == want
