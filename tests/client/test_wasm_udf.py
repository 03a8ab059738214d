"""WebAssembly UDFs from an unmodified PySpark client (Ember only: Spark has
no WASM UDFs, so these are not oracle cases).

Modules are the SDK examples the build compiles into <build>/wasm/
(sdk/c/examples; sdk/rust/examples when cargo has the wasm32 target): uploaded with addArtifact, registered with
registerJavaFunction("name", "wasm:<file>#<export>"), called with
F.call_function. Results are compared with the same functions written in
Python on the client side. The sandbox tests check that a runaway guest is
stopped and that the same session then runs a normal query.
"""
import math
import os
import time

import pytest

from pyspark.sql import functions as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = 1_000_000


def _wasm_dir():
    d = os.environ.get("EMBER_WASM_DIR")
    if d:
        return d
    bin_path = os.environ.get("EMBER_BIN", os.path.join(ROOT, "build", "ember"))
    if not os.path.isabs(bin_path):
        bin_path = os.path.join(ROOT, bin_path)
    return os.path.join(os.path.dirname(bin_path), "wasm")


def _condition(exc):
    get = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    return get() if get else None


@pytest.fixture(scope="module")
def wasm(spark, server):
    """The session with the example modules uploaded and registered."""
    if server.is_spark:
        pytest.skip("Ember-specific: Spark has no WebAssembly UDFs")
    d = _wasm_dir()
    mods = {m: os.path.join(d, m + ".wasm") for m in ("udfs", "sandbox", "forbidden")}
    missing = [p for p in mods.values() if not os.path.isfile(p)]
    if missing:
        pytest.skip(f"WASM example modules not built ({missing[0]}): clang and wasm-ld are needed")
    for p in mods.values():
        spark.addArtifact(p, file=True)
    try:
        spark.udf.registerJavaFunction("norm", "wasm:udfs.wasm#norm")
    except Exception as e:  # noqa: BLE001
        if "built without the wasmtime runtime" in str(e):
            pytest.skip("this Ember was built without the wasmtime runtime (run scripts/setup-wasm)")
        raise
    spark.udf.registerJavaFunction("bmi", "wasm:udfs.wasm#bmi")
    spark.udf.registerJavaFunction("add_or", "wasm:udfs.wasm#add_or")
    spark.udf.registerJavaFunction("initials", "wasm:udfs.wasm#initials", "string")
    for f in ("spin", "bomb", "crash", "refuse", "ident"):
        spark.udf.registerJavaFunction(f, f"wasm:sandbox.wasm#{f}")
    rust = os.path.join(d, "udfs_rs.wasm")
    if os.path.isfile(rust):
        spark.addArtifact(rust, file=True)
        spark.udf.registerJavaFunction("rs_norm", "wasm:udfs_rs.wasm#norm")
        spark.udf.registerJavaFunction("rs_bmi", "wasm:udfs_rs.wasm#bmi")
    return spark


# ---- the same functions in Python ----

def norm_py(s):
    return None if s is None else " ".join(s.split()).lower()


def s_of(i):
    return None if i % 11 == 0 else f"  Item {i % 1000}   ABC  def "


def w_of(i):
    return (i % 97) + 40.5


def h_of(i):
    return None if i % 13 == 0 else (i % 50) * 0.01 + 1.4


def a_of(i):
    return None if i % 5 == 0 else i


def b_of(i):
    return None if i % 3 == 0 else i * 2


def _inputs(spark):
    i = F.col("id")
    return spark.range(N).select(
        i,
        F.when(i % 11 == 0, F.lit(None)).otherwise(
            F.concat(F.lit("  Item "), (i % 1000).cast("string"), F.lit("   ABC  def "))).alias("s"),
        ((i % 97) + F.lit(40.5)).alias("w"),
        F.when(i % 13 == 0, F.lit(None)).otherwise((i % 50) * F.lit(0.01) + F.lit(1.4)).alias("h"),
        F.when(i % 5 == 0, F.lit(None)).otherwise(i).alias("a"),
        F.when(i % 3 == 0, F.lit(None)).otherwise(i * 2).alias("b"))


def _is_null(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def test_scalar_udfs_over_a_million_rows_match_python(wasm):
    df = _inputs(wasm).select(
        "id", F.call_function("norm", "s").alias("n"), F.call_function("bmi", "w", "h").alias("m"),
        F.call_function("add_or", "a", "b").alias("x"))
    assert [f.dataType.simpleString() for f in df.schema.fields] == ["bigint", "string", "double", "bigint"]
    pdf = df.toPandas().sort_values("id")
    assert len(pdf) == N
    ids = pdf["id"].tolist()
    assert ids == list(range(N))
    got_n, got_m, got_x = pdf["n"].tolist(), pdf["m"].tolist(), pdf["x"].tolist()
    bad = 0
    for i in range(N):
        en = norm_py(s_of(i))
        h = h_of(i)
        em = None if h is None else w_of(i) / (h * h)
        a, b = a_of(i), b_of(i)
        ex = None if a is None and b is None else (a or 0) + (b or 0)
        if got_n[i] != en:
            bad += 1
        if (em is None) != _is_null(got_m[i]) or (em is not None and got_m[i] != em):
            bad += 1
        if (ex is None) != _is_null(got_x[i]) or (ex is not None and int(got_x[i]) != ex):
            bad += 1
        if bad:
            pytest.fail(f"row {i}: got {got_n[i]!r}, {got_m[i]!r}, {got_x[i]!r}; expected {en!r}, {em!r}, {ex!r}")
    # Nulls really are there.
    assert sum(v is None for v in got_n) == len(range(0, N, 11))


def test_rust_sdk_udfs_over_a_million_rows_match_python(wasm):
    if not os.path.isfile(os.path.join(_wasm_dir(), "udfs_rs.wasm")):
        pytest.skip("the Rust SDK example was not built (cargo + the wasm32-unknown-unknown target)")
    df = _inputs(wasm).select("id", F.call_function("rs_norm", "s").alias("n"),
                              F.call_function("rs_bmi", "w", "h").alias("m"))
    pdf = df.toPandas().sort_values("id")
    assert pdf["id"].tolist() == list(range(N))
    got_n, got_m = pdf["n"].tolist(), pdf["m"].tolist()
    for i in range(N):
        en = norm_py(s_of(i))
        h = h_of(i)
        em = None if h is None else w_of(i) / (h * h)
        if got_n[i] != en or (em is None) != _is_null(got_m[i]) or (em is not None and got_m[i] != em):
            pytest.fail(f"row {i}: got {got_n[i]!r}, {got_m[i]!r}; expected {en!r}, {em!r}")


def test_udf_in_filter_and_aggregate(wasm):
    df = _inputs(wasm)
    got = df.filter(F.call_function("norm", "s") == "item 7 abc def").count()
    assert got == sum(1 for i in range(N) if s_of(i) is not None and norm_py(s_of(i)) == "item 7 abc def")
    row = df.agg(F.sum(F.call_function("add_or", "a", "b")).alias("t"),
                 F.count(F.call_function("norm", "s")).alias("c")).collect()[0]
    assert row["t"] == sum((a_of(i) or 0) + (b_of(i) or 0) for i in range(N) if a_of(i) is not None or b_of(i) is not None)
    assert row["c"] == sum(1 for i in range(N) if s_of(i) is not None)


def test_return_type_from_client_and_declared_argument_casts(wasm):
    df = wasm.createDataFrame([("Ada  Lovelace",), (None,), ("x",)], "s string")
    rows = df.select(F.call_function("initials", "s").alias("i")).collect()
    assert [r["i"] for r in rows] == ["AL", None, "x"]
    # bmi declares (double, double): integer arguments are cast.
    rows = wasm.createDataFrame([(80, 2)], "w int, h int").select(F.call_function("bmi", "w", "h")).collect()
    assert rows[0][0] == 20.0
    assert wasm.createDataFrame([(80, 2)], "w int, h int").select(
        F.call_function("bmi", "w", "h")).columns == ["bmi(w, h)"]


def test_registration_errors(wasm):
    cases = [
        (lambda: wasm.udf.registerJavaFunction("f1", "wasm:nope.wasm#norm"), "No artifact `nope.wasm`"),
        (lambda: wasm.udf.registerJavaFunction("f2", "com.example.Upper", "string"), "com.example.Upper"),
        (lambda: wasm.udf.registerJavaFunction("f3", "wasm:udfs.wasm#missing", "int"), "no export `missing`"),
        (lambda: wasm.udf.registerJavaFunction("f4", "wasm:udfs.wasm#initials"), "No return type"),
        (lambda: wasm.udf.registerJavaFunction("f5", "wasm:forbidden.wasm#now", "int"), "env.host_clock"),
    ]
    for call, text in cases:
        with pytest.raises(Exception) as ei:
            call()
        assert _condition(ei.value) == "CANNOT_LOAD_FUNCTION_CLASS", str(ei.value)
        assert text in str(ei.value)
    # Nothing was registered.
    with pytest.raises(Exception) as ei:
        wasm.range(1).select(F.call_function("f5", "id")).collect()
    assert _condition(ei.value) == "UNRESOLVED_ROUTINE"


def test_wrong_argument_count(wasm):
    with pytest.raises(Exception) as ei:
        wasm.range(1).select(F.call_function("bmi", "id")).collect()
    assert _condition(ei.value) == "WRONG_NUM_ARGS.WITHOUT_SUGGESTION"


def test_functions_are_session_scoped(wasm, server_url):
    from conftest import new_session
    other = new_session(server_url)
    try:
        with pytest.raises(Exception) as ei:
            other.range(1).select(F.call_function("norm", F.lit("A"))).collect()
        assert _condition(ei.value) == "UNRESOLVED_ROUTINE"
    finally:
        other.stop()


def _still_works(spark):
    assert spark.range(5).count() == 5
    rows = spark.range(3).select(F.call_function("ident", F.col("id").cast("int"))).collect()
    assert [r[0] for r in rows] == [0, 1, 2]


def _udf_failure(spark, fn, conf=None):
    for k, v in (conf or {}).items():
        spark.conf.set(k, v)
    try:
        t0 = time.monotonic()
        with pytest.raises(Exception) as ei:
            spark.range(10).select(F.call_function(fn, F.col("id").cast("int"))).collect()
        return ei.value, time.monotonic() - t0
    finally:
        for k in (conf or {}):
            spark.conf.unset(k)


def test_infinite_loop_stopped_by_the_deadline(wasm, server_alive):
    e, took = _udf_failure(wasm, "spin", {"ember.wasm.timeout": "300ms"})
    assert _condition(e) == "FAILED_EXECUTE_UDF"
    assert "`spin`" in str(e) or "spin" in str(e)
    assert "deadline of 300 ms" in str(e)
    assert took < 10
    server_alive()
    _still_works(wasm)


def test_memory_bomb_stopped_at_the_limit(wasm, server_alive):
    e, _ = _udf_failure(wasm, "bomb", {"ember.wasm.memoryLimit": "16m"})
    assert _condition(e) == "FAILED_EXECUTE_UDF"
    assert "bomb" in str(e) and "memory limit of 16777216 bytes" in str(e)
    server_alive()
    _still_works(wasm)


def test_trap_names_the_function(wasm, server_alive):
    e, _ = _udf_failure(wasm, "crash")
    assert _condition(e) == "FAILED_EXECUTE_UDF"
    assert "crash" in str(e) and "trapped" in str(e) and "rows 0.." in str(e)
    server_alive()
    _still_works(wasm)


def test_guest_reported_error(wasm, server_alive):
    e, _ = _udf_failure(wasm, "refuse")
    assert _condition(e) == "FAILED_EXECUTE_UDF"
    assert "refused on purpose" in str(e)
    server_alive()
    _still_works(wasm)


def test_reregistering_replaces(wasm):
    wasm.udf.registerJavaFunction("alias_fn", "wasm:udfs.wasm#norm")
    assert wasm.range(1).select(F.call_function("alias_fn", F.lit(" A  B "))).collect()[0][0] == "a b"
    wasm.udf.registerJavaFunction("alias_fn", "wasm:udfs.wasm#initials", "string")
    assert wasm.range(1).select(F.call_function("alias_fn", F.lit("Ab Cd"))).collect()[0][0] == "AC"
