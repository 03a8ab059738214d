"""The Go and AssemblyScript SDK examples (sdk/go, sdk/assemblyscript) from
an unmodified PySpark client (Ember only): each module is uploaded with
addArtifact, registered with and without a return type, and called over 1M
rows with NULLs; results must equal the same functions in Python
(test_wasm_udf's). Also each SDK's aggregate (registerJavaUDAF) and table
function. A module whose toolchain is missing was not built: its tests skip
with a message.
"""
import os

import pytest

from pyspark.sql import functions as F

from test_wasm_udf import N, _inputs, _is_null, _wasm_dir, a_of, b_of, h_of, norm_py, s_of, w_of

SDKS = {"go": "udfs_go.wasm", "as": "udfs_as.wasm"}
WHY = {"go": "the Go toolchain (go >= 1.24) was not found at build time",
       "as": "AssemblyScript is not installed (scripts/setup-wasm installs it with npm into ~/.cache/ember)"}


@pytest.fixture(scope="module", params=sorted(SDKS))
def sdk(request, spark, server):
    if server.is_spark:
        pytest.skip("Ember-specific: Spark has no WebAssembly UDFs")
    name = request.param
    path = os.path.join(_wasm_dir(), SDKS[name])
    if not os.path.isfile(path):
        pytest.skip(f"{SDKS[name]} not built: {WHY[name]}")
    spark.addArtifact(path, file=True)
    p = name + "_"
    try:
        # Both ways: the return type from the module's declaration, or given.
        spark.udf.registerJavaFunction(p + "norm", f"wasm:{SDKS[name]}#norm")
    except Exception as e:  # noqa: BLE001
        if "built without the wasmtime runtime" in str(e):
            pytest.skip("this Ember was built without the wasmtime runtime (run scripts/setup-wasm)")
        raise
    spark.udf.registerJavaFunction(p + "bmi", f"wasm:{SDKS[name]}#bmi", "double")
    spark.udf.registerJavaFunction(p + "add_or", f"wasm:{SDKS[name]}#add_or")
    spark.udf.registerJavaUDAF(p + "isum2", f"wasm:{SDKS[name]}#isum2")
    spark.udf.registerJavaFunction(p + "tokens", f"wasm:{SDKS[name]}#tokens")
    return spark, p


def test_scalars_over_a_million_rows_match_python(sdk):
    spark, p = sdk
    df = _inputs(spark).select(
        "id", F.call_function(p + "norm", "s").alias("n"), F.call_function(p + "bmi", "w", "h").alias("m"),
        F.call_function(p + "add_or", "a", "b").alias("x"))
    assert [f.dataType.simpleString() for f in df.schema.fields] == ["bigint", "string", "double", "bigint"]
    pdf = df.toPandas().sort_values("id")
    assert pdf["id"].tolist() == list(range(N))
    got_n, got_m, got_x = pdf["n"].tolist(), pdf["m"].tolist(), pdf["x"].tolist()
    for i in range(N):
        en = norm_py(s_of(i))
        h = h_of(i)
        em = None if h is None else w_of(i) / (h * h)
        a, b = a_of(i), b_of(i)
        ex = None if a is None and b is None else (a or 0) + (b or 0)
        ok = got_n[i] == en and (em is None) == _is_null(got_m[i]) and (em is None or got_m[i] == em) and \
            (ex is None) == _is_null(got_x[i]) and (ex is None or int(got_x[i]) == ex)
        if not ok:
            pytest.fail(f"row {i}: got {got_n[i]!r}, {got_m[i]!r}, {got_x[i]!r}; expected {en!r}, {em!r}, {ex!r}")
    assert sum(v is None for v in got_n) == len(range(0, N, 11))


def test_aggregate_matches_python(sdk):
    spark, p = sdk
    n = 300_000
    i = F.col("id")
    df = spark.range(0, n, 1, 3).select((i % 10).alias("k"), F.when(i % 4 == 0, F.lit(None)).otherwise(i % 100).alias("v"))
    got = {r["k"]: r["s"] for r in df.groupBy("k").agg(F.call_function(p + "isum2", "v").alias("s")).collect()}
    exp = {}
    for j in range(n):
        if j % 4:
            exp[j % 10] = exp.get(j % 10, 0) + (j % 100) ** 2
    assert got == {k: exp.get(k) for k in range(10)}


def test_table_function(sdk):
    spark, p = sdk
    rows = spark.createDataFrame([(1, " go  wasm "), (2, None), (3, "x")], "id int, s string") \
        .select("id", F.call_function(p + "tokens", "s")).collect()
    assert [tuple(r) for r in rows] == [(1, "go", 0), (1, "wasm", 1), (3, "x", 0)]
