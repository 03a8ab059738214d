"""WebAssembly UDFs bound through SQL (Ember only: Spark cannot load a WASM
module, so these are not oracle cases; the statements' schemas and errors
for built-ins are oracle cases in cases/catalog_describe.py).

`CREATE TEMPORARY FUNCTION name AS 'export' USING FILE 'udfs.wasm'` binds an
export of a module uploaded with spark.addArtifact, the same registration
as registerJavaFunction(name, "wasm:udfs.wasm#export"). The functions are
then called from spark.sql, F.expr, selectExpr and F.call_function over a
million rows with nulls and compared with the same functions computed in
Python on the client (test_wasm_udf.py's definitions). Then SHOW / DESCRIBE
FUNCTION, listFunctions, functionExists and DROP FUNCTION see them.
"""
import os

import pytest

from pyspark.sql import functions as F

from conftest import new_session
from test_wasm_udf import N, _condition, _inputs, _is_null, _wasm_dir, a_of, b_of, h_of, norm_py, s_of, w_of


@pytest.fixture(scope="module")
def wsql(spark, server):
    if server.is_spark:
        pytest.skip("Ember-specific: Spark has no WebAssembly UDFs")
    path = os.path.join(_wasm_dir(), "udfs.wasm")
    if not os.path.isfile(path):
        pytest.skip(f"WASM example modules not built ({path}): clang and wasm-ld are needed")
    spark.addArtifact(path, file=True)
    try:
        spark.sql("CREATE TEMPORARY FUNCTION sq_norm AS 'norm' USING FILE 'udfs.wasm'")
    except Exception as e:  # noqa: BLE001
        if "built without the wasmtime runtime" in str(e):
            pytest.skip("this Ember was built without the wasmtime runtime (run scripts/setup-wasm)")
        raise
    spark.sql("CREATE TEMPORARY FUNCTION sq_bmi AS 'bmi' USING FILE 'udfs.wasm'")
    spark.sql("CREATE OR REPLACE TEMPORARY FUNCTION sq_add_or AS 'wasm:udfs.wasm#add_or'")
    _inputs(spark).createOrReplaceTempView("wsql_inputs")
    return spark


def _check(pdf):
    assert len(pdf) == N
    assert pdf["id"].tolist() == list(range(N))
    got_n, got_m, got_x = pdf["n"].tolist(), pdf["m"].tolist(), pdf["x"].tolist()
    for i in range(N):
        en = norm_py(s_of(i))
        h = h_of(i)
        em = None if h is None else w_of(i) / (h * h)
        a, b = a_of(i), b_of(i)
        ex = None if a is None and b is None else (a or 0) + (b or 0)
        ok = (got_n[i] == en and (em is None) == _is_null(got_m[i]) and (em is None or got_m[i] == em)
              and (ex is None) == _is_null(got_x[i]) and (ex is None or int(got_x[i]) == ex))
        if not ok:
            pytest.fail(f"row {i}: got {got_n[i]!r}, {got_m[i]!r}, {got_x[i]!r}; expected {en!r}, {em!r}, {ex!r}")
    assert sum(v is None for v in got_n) == len(range(0, N, 11))


def test_sql_registered_functions_over_a_million_rows_match_python(wsql):
    df = wsql.sql("SELECT id, sq_norm(s) AS n, sq_bmi(w, h) AS m, sq_add_or(a, b) AS x FROM wsql_inputs")
    assert [f.dataType.simpleString() for f in df.schema.fields] == ["bigint", "string", "double", "bigint"]
    _check(df.toPandas().sort_values("id"))


# The other SDKs' example modules, bound through SQL too (the C module is
# above): (file, whether it exports add_or).
SDK_MODULES = {"rust": ("udfs_rs.wasm", False), "go": ("udfs_go.wasm", True), "assemblyscript": ("udfs_as.wasm", True)}


@pytest.mark.parametrize("sdk", sorted(SDK_MODULES))
def test_each_sdk_module_bound_through_sql(wsql, server_url, sdk):
    file, has_add_or = SDK_MODULES[sdk]
    path = os.path.join(_wasm_dir(), file)
    if not os.path.isfile(path):
        pytest.skip(f"{file} was not built (the {sdk} toolchain is missing; see scripts/setup-wasm)")
    # A session of its own, so the other tests' listings stay as they are.
    spark = new_session(server_url)
    try:
        spark.addArtifact(path, file=True)
        spark.sql(f"CREATE TEMPORARY FUNCTION {sdk}_norm AS 'norm' USING FILE '{file}'")
        spark.sql(f"CREATE TEMPORARY FUNCTION {sdk}_bmi AS 'wasm:{file}#bmi'")
        x = "a + b"
        if has_add_or:
            spark.sql(f"CREATE TEMPORARY FUNCTION {sdk}_add_or AS 'add_or' USING FILE '{file}'")
            x = f"{sdk}_add_or(a, b)"
        _inputs(spark).createOrReplaceTempView("sdk_inputs")
        df = spark.sql(f"SELECT id, {sdk}_norm(s) AS n, {sdk}_bmi(w, h) AS m, {x} AS x FROM sdk_inputs")
        pdf = df.toPandas().sort_values("id")
    finally:
        spark.stop()
    if has_add_or:
        _check(pdf)
        return
    # Without add_or only the module's two functions are compared.
    assert pdf["id"].tolist() == list(range(N))
    for i, (n, m) in enumerate(zip(pdf["n"].tolist(), pdf["m"].tolist())):
        h = h_of(i)
        em = None if h is None else w_of(i) / (h * h)
        if n != norm_py(s_of(i)) or (em is None) != _is_null(m) or (em is not None and m != em):
            pytest.fail(f"row {i}: got {n!r}, {m!r}; expected {norm_py(s_of(i))!r}, {em!r}")


def test_expr_select_expr_and_call_function(wsql):
    df = wsql.table("wsql_inputs")
    a = df.select("id", F.expr("sq_norm(s)").alias("n"), F.call_function("sq_bmi", "w", "h").alias("m"),
                  F.expr("sq_add_or(a, b) AS x"))
    _check(a.toPandas().sort_values("id"))
    b = df.selectExpr("id", "sq_norm(s) AS n", "sq_bmi(w, h) AS m", "sq_add_or(a, b) AS x")
    _check(b.toPandas().sort_values("id"))
    # Spark's column name for a call.
    assert wsql.range(1).selectExpr("sq_add_or(id, id)").columns == ["sq_add_or(id, id)"]


def test_in_where_and_aggregate(wsql):
    n = wsql.sql("SELECT count(*) FROM wsql_inputs WHERE sq_norm(s) = 'item 7 abc def'").collect()[0][0]
    assert n == sum(1 for i in range(N) if s_of(i) is not None and norm_py(s_of(i)) == "item 7 abc def")
    t = wsql.sql("SELECT sum(sq_add_or(a, b)) FROM wsql_inputs").collect()[0][0]
    assert t == sum((a_of(i) or 0) + (b_of(i) or 0) for i in range(N) if a_of(i) is not None or b_of(i) is not None)


def test_listed_and_described(wsql):
    users = [r[0] for r in wsql.sql("SHOW USER FUNCTIONS").collect()]
    assert users == ["sq_add_or", "sq_bmi", "sq_norm"]
    assert [r[0] for r in wsql.sql("SHOW FUNCTIONS LIKE 'sq_n*'").collect()] == ["sq_norm"]
    everything = [r[0] for r in wsql.sql("SHOW FUNCTIONS").collect()]
    assert "sq_bmi" in everything and "abs" in everything and everything == sorted(everything)
    assert "sq_bmi" not in [r[0] for r in wsql.sql("SHOW SYSTEM FUNCTIONS").collect()]
    desc = [r[0] for r in wsql.sql("DESCRIBE FUNCTION sq_norm").collect()]
    assert desc == ["Function: sq_norm", "Class: wasm:udfs.wasm#norm", "Usage: N/A."]
    assert wsql.catalog.functionExists("sq_bmi") and wsql.catalog.functionExists("SQ_BMI")
    fs = {f.name: f for f in wsql.catalog.listFunctions(pattern="sq_*")}
    assert sorted(fs) == ["sq_add_or", "sq_bmi", "sq_norm"]
    assert fs["sq_bmi"].isTemporary and fs["sq_bmi"].className == "wasm:udfs.wasm#bmi"
    assert wsql.catalog.getFunction("sq_norm").name == "sq_norm"


def test_create_errors(wsql):
    with pytest.raises(Exception) as ei:
        wsql.sql("CREATE TEMPORARY FUNCTION sq_norm AS 'norm' USING FILE 'udfs.wasm'")
    assert _condition(ei.value) == "ROUTINE_ALREADY_EXISTS"
    with pytest.raises(Exception) as ei:
        wsql.sql("CREATE TEMPORARY FUNCTION IF NOT EXISTS sq_norm AS 'bmi' USING FILE 'udfs.wasm'")
    assert _condition(ei.value) == "INVALID_SQL_SYNTAX.CREATE_TEMP_FUNC_WITH_IF_NOT_EXISTS"
    assert wsql.sql("SELECT sq_norm('  A  b ')").collect()[0][0] == "a b"  # unchanged
    for q, text in [("CREATE TEMPORARY FUNCTION sq_x AS 'norm' USING FILE 'nope.wasm'", "No artifact `nope.wasm`"),
                    ("CREATE TEMPORARY FUNCTION sq_x AS 'missing' USING FILE 'udfs.wasm'", "no export `missing`"),
                    ("CREATE TEMPORARY FUNCTION sq_x AS 'com.example.Udf'", "com.example.Udf")]:
        with pytest.raises(Exception) as ei:
            wsql.sql(q)
        assert _condition(ei.value) == "CANNOT_LOAD_FUNCTION_CLASS", str(ei.value)
        assert text in str(ei.value)
    assert not wsql.catalog.functionExists("sq_x")


def test_replace_and_drop(wsql):
    wsql.sql("CREATE TEMPORARY FUNCTION sq_tmp AS 'norm' USING FILE 'udfs.wasm'")
    assert wsql.sql("SELECT sq_tmp(' X ')").collect()[0][0] == "x"
    wsql.sql("CREATE OR REPLACE TEMPORARY FUNCTION sq_tmp AS 'add_or' USING FILE 'udfs.wasm'")
    assert wsql.sql("SELECT sq_tmp(2L, 3L)").collect()[0][0] == 5
    wsql.sql("DROP TEMPORARY FUNCTION sq_tmp")
    with pytest.raises(Exception) as ei:
        wsql.sql("SELECT sq_tmp(2L, 3L)").collect()
    assert _condition(ei.value) == "UNRESOLVED_ROUTINE"
    assert not wsql.catalog.functionExists("sq_tmp")
    with pytest.raises(Exception) as ei:
        wsql.sql("DROP TEMPORARY FUNCTION sq_tmp")
    assert _condition(ei.value) == "ROUTINE_NOT_FOUND"
    wsql.sql("DROP TEMPORARY FUNCTION IF EXISTS sq_tmp")
    # Registered again after a drop.
    wsql.sql("CREATE TEMPORARY FUNCTION sq_tmp AS 'norm' USING FILE 'udfs.wasm'")
    assert wsql.sql("SELECT sq_tmp(' Y ')").collect()[0][0] == "y"
    wsql.sql("DROP TEMPORARY FUNCTION sq_tmp")


def test_functions_are_per_session(wsql, server_url):
    other = new_session(server_url)
    try:
        assert not other.catalog.functionExists("sq_norm")
        with pytest.raises(Exception) as ei:
            other.sql("SELECT sq_norm('a')").collect()
        assert _condition(ei.value) == "UNRESOLVED_ROUTINE"
    finally:
        other.stop()


# ---- persistent functions (CREATE FUNCTION without TEMPORARY) ----

def test_persistent_function_in_the_catalog(wsql, server_url):
    wsql.sql("CREATE FUNCTION sq_pnorm AS 'norm' USING FILE 'udfs.wasm'")
    try:
        assert wsql.sql("SELECT sq_pnorm('  P  Q ')").collect()[0][0] == "p q"
        assert "spark_catalog.default.sq_pnorm" in [r[0] for r in wsql.sql("SHOW USER FUNCTIONS").collect()]
        assert [r[0] for r in wsql.sql("SHOW FUNCTIONS LIKE 'sq_pn*'").collect()] == ["spark_catalog.default.sq_pnorm"]
        assert [r[0] for r in wsql.sql("DESCRIBE FUNCTION sq_pnorm").collect()] == [
            "Function: spark_catalog.default.sq_pnorm", "Class: norm", "Usage: N/A."]
        f = wsql.catalog.getFunction("sq_pnorm")
        assert (f.name, f.catalog, f.namespace, f.className, f.isTemporary) == (
            "sq_pnorm", "spark_catalog", ["default"], "norm", False)
        assert [g.name for g in wsql.catalog.listFunctions(pattern="sq_pn*")] == ["sq_pnorm"]
        with pytest.raises(Exception) as ei:
            wsql.sql("CREATE FUNCTION sq_pnorm AS 'bmi' USING FILE 'udfs.wasm'")
        assert _condition(ei.value) == "ROUTINE_ALREADY_EXISTS"
        wsql.sql("CREATE FUNCTION IF NOT EXISTS sq_pnorm AS 'bmi' USING FILE 'udfs.wasm'")
        # Another session sees it without the artifact; a temporary function shadows it.
        other = new_session(server_url)
        try:
            assert other.catalog.functionExists("sq_pnorm")
            assert other.sql("SELECT sq_pnorm(' R ')").collect()[0][0] == "r"
            other.addArtifact(os.path.join(_wasm_dir(), "udfs.wasm"), file=True)
            other.sql("CREATE TEMPORARY FUNCTION sq_pnorm AS 'add_or' USING FILE 'udfs.wasm'")
            assert other.sql("SELECT sq_pnorm(1L, 2L)").collect()[0][0] == 3
            other.sql("DROP TEMPORARY FUNCTION sq_pnorm")
            assert other.sql("SELECT sq_pnorm(' S ')").collect()[0][0] == "s"
        finally:
            other.stop()
        wsql.sql("CREATE OR REPLACE FUNCTION sq_pnorm AS 'add_or' USING FILE 'udfs.wasm'")
        assert wsql.sql("SELECT sq_pnorm(4L, 5L)").collect()[0][0] == 9
    finally:
        wsql.sql("DROP FUNCTION IF EXISTS sq_pnorm")
    with pytest.raises(Exception) as ei:
        wsql.sql("SELECT sq_pnorm(4L, 5L)").collect()
    assert _condition(ei.value) == "UNRESOLVED_ROUTINE"
    with pytest.raises(Exception) as ei:
        wsql.sql("DROP FUNCTION sq_pnorm")
    assert _condition(ei.value) == "ROUTINE_NOT_FOUND"


def test_persistent_function_survives_a_restart(server):
    if server.is_spark:
        pytest.skip("Ember-specific")
    import shutil
    import tempfile

    from test_catalog_persist import start_server, stop
    wh = tempfile.mkdtemp(prefix="ember-wasm-sql-")
    path = os.path.join(_wasm_dir(), "udfs.wasm")
    try:
        proc, url = start_server(wh)
        try:
            s = new_session(url)
            s.addArtifact(path, file=True)
            s.sql("CREATE DATABASE fdb")
            s.sql("CREATE FUNCTION fdb.f_norm AS 'norm' USING FILE 'udfs.wasm'")
            s.sql("CREATE FUNCTION f_bmi AS 'wasm:udfs.wasm#bmi'")
            s.stop()
        finally:
            stop(proc)
        proc, url = start_server(wh)
        try:
            s = new_session(url)
            # Not in the current database until USE.
            with pytest.raises(Exception) as ei:
                s.sql("SELECT f_norm('a')").collect()
            assert _condition(ei.value) == "UNRESOLVED_ROUTINE"
            assert s.sql("SELECT f_bmi(80.0D, 2.0D)").collect()[0][0] == 20.0
            s.sql("USE fdb")
            rows = s.sql("SELECT id, f_norm(CASE WHEN id % 3 = 0 THEN NULL ELSE concat(' X  ', id) END) AS n "
                         "FROM range(1000)").collect()
            assert [r["n"] for r in rows] == [None if i % 3 == 0 else f"x {i}" for i in range(1000)]
            s.sql("DROP FUNCTION f_norm")
            s.stop()
        finally:
            stop(proc)
    finally:
        shutil.rmtree(wh, ignore_errors=True)
