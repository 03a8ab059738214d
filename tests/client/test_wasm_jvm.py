"""A non-Python client registering and calling a WebAssembly UDF (Ember only):
Spark's JVM client (spark-connect-client-jvm 4.2.0, tests/clients/jvm) runs
EmberWasmClient.java, which uploads the C SDK's example module with
addArtifact, registers two functions with udf().registerJava(name,
"wasm:udfs.wasm#export", DataType) and calls them with call_function and
callUDF. Skipped with a message when Maven or a JDK is missing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "clients"))

import jvmclient  # noqa: E402
from test_wasm_udf import _wasm_dir  # noqa: E402


@pytest.fixture(scope="module")
def steps(server_url, server):
    if server.is_spark:
        pytest.skip("Ember-specific: Spark has no WebAssembly UDFs")
    if not jvmclient.available():
        pytest.skip("Maven and a JDK are needed for the JVM client test")
    module = os.path.join(_wasm_dir(), "udfs.wasm")
    if not os.path.isfile(module):
        pytest.skip(f"WASM example modules not built ({module}): clang and wasm-ld are needed")
    try:
        jvmclient.build()
    except subprocess.CalledProcessError as e:
        pytest.fail(f"building the JVM client failed:\n{(e.stdout or '')[-2000:]}\n{(e.stderr or '')[-2000:]}")
    out = jvmclient.run(server_url, main="EmberWasmClient", args=[module])
    got = {r["step"]: r for r in out}
    reg = got.get("register", {})
    if "built without the wasmtime runtime" in reg.get("error", ""):
        pytest.skip("this Ember was built without the wasmtime runtime (run scripts/setup-wasm)")
    return got


def test_jvm_client_registers_and_calls_wasm_udfs(steps):
    assert steps["register"] == {"step": "register", "rows": []}
    assert steps["call_function"]["rows"] == [["hello jvm"], ["hello jvm"], [None], ["hello jvm"], ["hello jvm"]]
    # add_or: id + (id * 10 when odd, else NULL -> id alone).
    assert steps["callUDF"]["rows"] == [["0", "0"], ["1", "11"], ["2", "2"], ["3", "33"]]
    assert steps["count"]["rows"] == [[str(sum(1 for i in range(100000) if i + 1 > 50000))]]
