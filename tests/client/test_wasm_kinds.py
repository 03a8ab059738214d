"""WebAssembly user code beyond scalar UDFs (ABI v2), from an unmodified
PySpark client (Ember only): aggregates registered with registerJavaUDAF,
table functions used as generators, lists and structs as arguments and
results, fuel, and CloneSession keeping the functions. The module is the C
SDK example sdk/c/examples/kinds.c the build compiles into <build>/wasm/.
Results are compared with the same functions written in Python.
"""
import math
import os

import pytest

from pyspark.sql import functions as F

from test_wasm_udf import _condition, _wasm_dir

N = 200_000


@pytest.fixture(scope="module")
def kinds(spark, server):
    if server.is_spark:
        pytest.skip("Ember-specific: Spark has no WebAssembly UDFs")
    d = _wasm_dir()
    paths = [os.path.join(d, m + ".wasm") for m in ("kinds", "sandbox", "udfs")]
    if not all(os.path.isfile(p) for p in paths):
        pytest.skip(f"WASM example modules not built ({paths[0]}): clang and wasm-ld are needed")
    for p in paths:
        spark.addArtifact(p, file=True)
    try:
        spark.udf.registerJavaUDAF("isum2", "wasm:kinds.wasm#isum2")
    except Exception as e:  # noqa: BLE001
        if "built without the wasmtime runtime" in str(e):
            pytest.skip("this Ember was built without the wasmtime runtime (run scripts/setup-wasm)")
        raise
    spark.udf.registerJavaUDAF("wavg", "wasm:kinds.wasm#wavg")
    for f in ("tokens", "arr_sum", "split_words", "pair", "pair_n"):
        spark.udf.registerJavaFunction(f, f"wasm:kinds.wasm#{f}")
    spark.udf.registerJavaFunction("spin2", "wasm:sandbox.wasm#spin")
    spark.udf.registerJavaFunction("ident2", "wasm:sandbox.wasm#ident")
    return spark


def v_of(i):
    return None if i % 7 == 0 else (i % 1000) - 300


def w_of(i):
    return None if i % 11 == 0 else (i % 13) * 0.5


def _agg_input(spark):
    i = F.col("id")
    # Several partitions, so partial states are merged across them.
    return spark.range(0, N, 1, 4).select(
        (i % 37).alias("k"),
        F.when(i % 7 == 0, F.lit(None)).otherwise((i % 1000) - 300).alias("v"),
        F.when(i % 11 == 0, F.lit(None)).otherwise((i % 13) * F.lit(0.5)).alias("w"))


def _expected_groups():
    exp = {}
    for i in range(N):
        k = i % 37
        s = exp.setdefault(k, [0, 0, 0.0, 0.0])
        v, w = v_of(i), w_of(i)
        if v is not None:
            s[0] += v * v
            s[1] += 1
        if v is not None and w is not None:
            s[2] += w
            s[3] += v * w
    return exp


def test_aggregate_in_group_by_matches_python(kinds):
    df = _agg_input(kinds).groupBy("k").agg(F.call_function("isum2", "v").alias("s2"),
                                           F.call_function("wavg", F.col("v").cast("double"), "w").alias("wa"))
    assert [f.dataType.simpleString() for f in df.schema.fields] == ["bigint", "bigint", "double"]
    got = {r["k"]: (r["s2"], r["wa"]) for r in df.collect()}
    exp = _expected_groups()
    assert set(got) == set(exp)
    for k, (s2, cnt, sw, svw) in exp.items():
        assert got[k][0] == (s2 if cnt else None), k
        e = svw / sw if sw else None
        assert (got[k][1] is None) == (e is None) and (e is None or math.isclose(got[k][1], e, rel_tol=1e-9)), k


def test_global_aggregate(kinds):
    row = _agg_input(kinds).agg(F.call_function("isum2", "v").alias("s2")).collect()[0]
    assert row["s2"] == sum(v_of(i) ** 2 for i in range(N) if v_of(i) is not None)
    # On no rows: the initial state, finished (NULL here).
    assert kinds.range(0).agg(F.call_function("isum2", "id")).collect()[0][0] is None
    # The column is named as Spark names calls.
    df = kinds.range(10).agg(F.call_function("isum2", "id"))
    assert df.columns == ["isum2(id)"]
    assert df.collect()[0][0] == sum(i * i for i in range(10))


def test_aggregate_registration_errors(kinds):
    # A scalar export registered as an aggregate.
    with pytest.raises(Exception) as ei:
        kinds.udf.registerJavaUDAF("bad_agg", "wasm:kinds.wasm#arr_sum")
    assert _condition(ei.value) == "CANNOT_LOAD_FUNCTION_CLASS"
    assert "state N" in str(ei.value)


def test_table_function_as_generator(kinds):
    rows = kinds.createDataFrame([(1, "a bb  ccc"), (2, None), (3, ""), (4, "x")], "id int, s string") \
        .select("id", F.call_function("tokens", "s")).collect()
    assert [tuple(r) for r in rows] == [(1, "a", 0), (1, "bb", 1), (1, "ccc", 2), (4, "x", 0)]
    # Column names come from the declaration; an alias renames them.
    df = kinds.range(1).select(F.call_function("tokens", F.lit("p q")).alias("t", "n"))
    assert df.columns == ["t", "n"]
    assert [tuple(r) for r in df.collect()] == [("p", 0), ("q", 1)]


def test_table_function_over_many_rows(kinds):
    n = 100_000
    df = kinds.range(n).select(
        "id", F.when(F.col("id") % 9 == 0, F.lit(None)).otherwise(
            F.concat(F.lit("w "), (F.col("id") % 4).cast("string"))).alias("s"))
    out = df.select("id", F.call_function("tokens", "s")).groupBy("pos").count().orderBy("pos").collect()
    nonnull = sum(1 for i in range(n) if i % 9 != 0)
    assert [(r["pos"], r["count"]) for r in out] == [(0, nonnull), (1, nonnull)]


def test_table_function_outside_select_is_refused(kinds):
    with pytest.raises(Exception) as ei:
        kinds.range(3).filter(F.call_function("tokens", F.lit("a")) == "a").collect()
    assert _condition(ei.value) == "UNSUPPORTED_GENERATOR.OUTSIDE_SELECT"


def test_lists_and_structs(kinds):
    df = kinds.createDataFrame(
        [([1, 2, None, 4], "a  b", "x", 5), (None, None, None, None), ([], "one", "y", -1)],
        "a array<bigint>, s string, p string, n bigint")
    rows = df.select(
        F.call_function("arr_sum", "a").alias("t"),
        F.call_function("split_words", "s").alias("w"),
        F.call_function("pair", "p", "n").alias("pr"),
        F.call_function("pair_n", F.call_function("pair", "p", "n")).alias("pn")).collect()
    assert [r["t"] for r in rows] == [7, None, 0]
    assert [r["w"] for r in rows] == [["a", "b"], None, ["one"]]
    assert [(r["pr"]["s"], r["pr"]["n"]) for r in rows] == [("x", 5), (None, None), ("y", -1)]
    assert [r["pn"] for r in rows] == [5, None, -1]
    assert df.select(F.call_function("pair", "p", "n")).schema.fields[0].dataType.simpleString() == \
        "struct<s:string,n:bigint>"


def test_lists_over_many_rows_match_python(kinds):
    n = 300_000
    df = kinds.range(n).select(
        "id", F.when(F.col("id") % 10 == 0, F.lit(None)).otherwise(
            F.sequence(F.lit(0), F.col("id") % 5)).alias("a"))
    got = df.select("id", F.call_function("arr_sum", "a").alias("t")).orderBy("id").collect()
    for i, r in enumerate(got):
        e = None if i % 10 == 0 else sum(range(i % 5 + 1))
        assert r["t"] == e, (i, r["t"], e)


def test_fuel_is_deterministic_and_bounds_a_call(kinds, server_alive):
    kinds.conf.set("ember.wasm.fuel", "100000")
    try:
        with pytest.raises(Exception) as ei:
            kinds.range(10).select(F.call_function("spin2", F.col("id").cast("int"))).collect()
        assert _condition(ei.value) == "FAILED_EXECUTE_UDF"
        assert "ran out of fuel" in str(ei.value)
        # Within its fuel a call goes through, metered.
        rows = kinds.range(5).select(F.call_function("ident2", F.col("id").cast("int"))).collect()
        assert [r[0] for r in rows] == [0, 1, 2, 3, 4]
        assert kinds.range(100).agg(F.call_function("isum2", "id")).collect()[0][0] == sum(i * i for i in range(100))
    finally:
        kinds.conf.unset("ember.wasm.fuel")
    server_alive()


def test_clone_session_keeps_the_functions(kinds):
    # (The clone is left to the server: PySpark's stop() of a cloned session fails client-side.)
    clone = kinds.cloneSession()
    assert clone.range(4).agg(F.call_function("isum2", "id")).collect()[0][0] == 14
    assert clone.range(1).select(F.call_function("arr_sum", F.array(F.lit(2), F.lit(3)))).collect()[0][0] == 5
    # Registering in the clone leaves the original alone.
    clone.udf.registerJavaFunction("only_in_clone", "wasm:kinds.wasm#arr_sum")
    with pytest.raises(Exception) as ei:
        kinds.range(1).select(F.call_function("only_in_clone", F.array(F.lit(1)))).collect()
    assert _condition(ei.value) == "UNRESOLVED_ROUTINE"


def test_rust_sdk_aggregate_matches_c(kinds):
    path = os.path.join(_wasm_dir(), "udfs_rs.wasm")
    if not os.path.isfile(path):
        pytest.skip("the Rust SDK example was not built (cargo + the wasm32-unknown-unknown target)")
    kinds.addArtifact(path, file=True)
    kinds.udf.registerJavaUDAF("rs_isum2", "wasm:udfs_rs.wasm#isum2")
    got = {r["k"]: (r["c"], r["rs"]) for r in _agg_input(kinds).groupBy("k").agg(
        F.call_function("isum2", "v").alias("c"), F.call_function("rs_isum2", "v").alias("rs")).collect()}
    exp = _expected_groups()
    assert {k: v[1] for k, v in got.items()} == {k: (s[0] if s[1] else None) for k, s in exp.items()}
    assert all(c == rs for c, rs in got.values())
