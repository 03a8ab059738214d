"""Protocol-level behaviour of the server, checked with raw gRPC (the client's
generated stubs) where the DataFrame API cannot express it. Every assertion
here was validated against real Spark 4.2.0 (EMBER_TEST_REMOTE pointing at the
oracle); the facts they pin down are noted in each test."""

from __future__ import annotations

import os
import threading
import time

import grpc
import pytest

from rawclient import Raw, batch_table, expect_failure, new_id, open_channel, range_relation

# A query that runs for minutes on Spark (range(10**12) with a filter: ~3 min
# on local[2]) and that no engine can short-cut: used for interrupts.
LONG_QUERY_ROWS = 10**12


@pytest.fixture(scope="module")
def channel(server):
    ch = open_channel(server.host, server.port)
    yield ch
    ch.close()


@pytest.fixture
def raw(channel):
    r = Raw(channel)
    yield r
    try:
        r.release_session()
    except grpc.RpcError:
        pass


def _kind(resp):
    return resp.WhichOneof("response_type")


def _rows_of(resps):
    ids = []
    for r in resps:
        if _kind(r) == "arrow_batch":
            t = batch_table(r)
            assert t.num_rows == r.arrow_batch.row_count
            ids.extend(t.column(0).to_pylist())
    return ids


# --------------------------------------------------------------------- ExecutePlan basics

def test_spark_version(raw):
    assert raw.spark_version() == "4.2.0"


def test_execute_response_sequence(raw):
    """The schema comes before the first batch or with it (execution_progress
    messages may come anywhere, even first, on Spark); every response carries
    session_id, server_side_session_id, operation_id and a unique response_id;
    the last one is result_complete (reattachable); rows arrive complete and in
    order."""
    op = new_id()
    resps = list(raw.execute(range_relation(0, 25_000), operation_id=op))
    non_progress = [r for r in resps if _kind(r) != "execution_progress"]
    first_batch = next(i for i, r in enumerate(non_progress) if _kind(r) == "arrow_batch")
    with_schema = [i for i, r in enumerate(non_progress) if r.HasField("schema")]
    assert with_schema == [0] and first_batch <= 1
    assert non_progress[0].schema.struct.fields[0].name == "id"
    assert _kind(resps[-1]) == "result_complete"
    assert all(r.session_id == raw.session_id for r in resps)
    assert all(r.operation_id == op for r in resps)
    ssid = resps[0].server_side_session_id
    assert ssid and all(r.server_side_session_id == ssid for r in resps)
    rids = [r.response_id for r in resps]
    assert all(rids) and len(set(rids)) == len(rids)
    assert _rows_of(resps) == list(range(25_000))
    kinds = [_kind(r) for r in resps]
    assert kinds.count("result_complete") == 1
    raw.release_all(op)


def test_quick_result_schema_rides_on_first_batch(raw, ember_only):
    """Ember: a result whose first batch is ready within the schema's hold
    time sends the schema in the first batch's message (Spark sends it alone
    first): one message, and one ReleaseExecute of the client, fewer."""
    op = new_id()
    resps = list(raw.execute(range_relation(0, 10), operation_id=op))
    kinds = [_kind(r) for r in resps]
    assert kinds[-1] == "result_complete" and set(kinds[:-1]) == {"arrow_batch"}
    assert resps[0].HasField("schema") and resps[0].schema.struct.fields[0].name == "id"
    assert not any(r.HasField("schema") for r in resps[1:])
    assert _rows_of(resps) == list(range(10))
    raw.release_all(op)


def test_slow_result_schema_comes_alone_first(raw, ember_only):
    """Ember: a query still running when the schema's hold time is over
    announces its schema alone, early, as Spark does; a query that fails
    sends its schema before the error too."""
    op = new_id()
    call = raw.execute(_long_relation(), operation_id=op, timeout=90)
    try:
        t0 = time.monotonic()
        first = next(iter(call))
        assert time.monotonic() - t0 < 5
        assert first.HasField("schema") and _kind(first) is None
        assert first.schema.struct.fields[0].name == "count(1)"
    finally:
        call.cancel()
        raw.interrupt_all()
        raw.release_all(op)

    from pyspark.sql.connect.proto import relations_pb2 as rel
    r = rel.Relation()
    r.project.input.CopyFrom(range_relation(0, 10))
    div = r.project.expressions.add().unresolved_function
    div.function_name = "/"
    div.arguments.add().unresolved_attribute.unparsed_identifier = "id"
    div.arguments.add().literal.integer = 0
    op = new_id()
    got = []
    with pytest.raises(grpc.RpcError) as ei:
        for resp in raw.execute(r, operation_id=op):
            got.append(resp)
    from rawclient import failure
    assert failure(ei.value).error_class == "DIVIDE_BY_ZERO"
    assert len(got) == 1 and got[0].HasField("schema") and _kind(got[0]) is None
    raw.release_all(op)


def test_execute_non_reattachable_has_no_result_complete(raw):
    resps = list(raw.execute(range_relation(0, 10), operation_id=new_id(), reattachable=False))
    assert "result_complete" not in [_kind(r) for r in resps]
    assert _rows_of(resps) == list(range(10))


def test_execute_without_operation_id_gets_one(raw):
    resps = list(raw.execute(range_relation(0, 3), operation_id=None, reattachable=False))
    op = resps[0].operation_id
    assert op and all(r.operation_id == op for r in resps)
    assert len(op) == 36 and op.count("-") == 4


def test_empty_result_has_one_empty_batch(raw):
    op = new_id()
    resps = list(raw.execute(range_relation(5, 5), operation_id=op))
    batches = [r for r in resps if _kind(r) == "arrow_batch"]
    assert len(batches) >= 1 and sum(b.arrow_batch.row_count for b in batches) == 0
    assert batch_table(batches[0]).schema.names == ["id"]
    raw.release_all(op)


def test_invalid_operation_id_format(raw):
    f = expect_failure(raw.execute, range_relation(0, 3), operation_id="not-a-uuid")
    assert f.code == grpc.StatusCode.INTERNAL
    assert f.error_class == "INVALID_HANDLE.FORMAT"
    assert f.message.startswith("[INVALID_HANDLE.FORMAT] The handle not-a-uuid is invalid.")


def test_error_status_shape(raw):
    """Errors: INTERNAL + ErrorInfo{reason = Java class, domain org.apache.spark,
    classes, errorClass, sqlState, messageParameters, errorId}."""
    r = range_relation(0, 3)
    from pyspark.sql.connect.proto import relations_pb2 as rel
    proj = rel.Relation()
    proj.project.input.CopyFrom(r)
    proj.project.expressions.add().unresolved_attribute.unparsed_identifier = "nope"
    f = expect_failure(raw.execute, proj, operation_id=new_id())
    assert f.code == grpc.StatusCode.INTERNAL
    assert f.message.startswith("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter "
                                "with name `nope` cannot be resolved. Did you mean one of the following? [`id`]. "
                                "SQLSTATE: 42703")
    assert f.domain == "org.apache.spark"
    assert f.reason == "org.apache.spark.sql.catalyst.ExtendedAnalysisException"
    assert f.classes[:2] == ["org.apache.spark.sql.catalyst.ExtendedAnalysisException",
                             "org.apache.spark.sql.AnalysisException"]
    assert f.error_class == "UNRESOLVED_COLUMN.WITH_SUGGESTION"
    assert f.sql_state == "42703"
    assert f.params == {"objectName": "`nope`", "proposal": "`id`"}
    assert f.metadata.get("errorId")


def test_fetch_error_details(raw):
    from pyspark.sql.connect.proto import relations_pb2 as rel
    proj = rel.Relation()
    proj.project.input.CopyFrom(range_relation(0, 3))
    proj.project.expressions.add().unresolved_attribute.unparsed_identifier = "nope"
    f = expect_failure(raw.execute, proj, operation_id=new_id())
    err_id = f.metadata["errorId"]
    det = raw.fetch_error_details(err_id)
    assert det.HasField("root_error_idx") and det.root_error_idx == 0
    assert len(det.errors) >= 1
    root = det.errors[det.root_error_idx]
    assert root.error_type_hierarchy[0] == "org.apache.spark.sql.catalyst.ExtendedAnalysisException"
    assert "org.apache.spark.sql.AnalysisException" in root.error_type_hierarchy
    assert root.message.startswith("[UNRESOLVED_COLUMN.WITH_SUGGESTION]")
    assert root.spark_throwable.error_class == "UNRESOLVED_COLUMN.WITH_SUGGESTION"
    assert root.spark_throwable.sql_state == "42703"
    assert dict(root.spark_throwable.message_parameters) == {"objectName": "`nope`", "proposal": "`id`"}
    # Each error id can be fetched once; afterwards (and for unknown ids) the answer is empty.
    again = raw.fetch_error_details(err_id)
    assert len(again.errors) == 0 and not again.HasField("root_error_idx")
    unknown = raw.fetch_error_details(new_id())
    assert len(unknown.errors) == 0 and not unknown.HasField("root_error_idx")


# --------------------------------------------------------------------- reattach

def test_reattach_after_stream_cut(raw):
    """Read a few batches of a 3M-row result, cut the stream (cancel the RPC),
    ReattachExecute from the last response id: the rest arrives without
    duplicates or gaps and ends with result_complete. (Spark: 300 ArrowBatch
    responses of 10000 rows for range(0, 3_000_000) on 2 partitions.)"""
    n = 3_000_000
    op = new_id()
    call = raw.execute(range_relation(0, n), operation_id=op)
    seen = []
    batches = 0
    for resp in call:
        seen.append(resp)
        if _kind(resp) == "arrow_batch":
            batches += 1
            if batches == 5:
                break
    call.cancel()
    last = seen[-1].response_id
    rows = _rows_of(seen)
    resp_ids = [r.response_id for r in seen]
    got_complete = False
    last_id = last
    attempts = 0
    total_batches = batches
    while not got_complete:
        attempts += 1
        assert attempts <= 5, "reattach did not reach result_complete"
        more = []
        for resp in raw.reattach(op, last_id):
            more.append(resp)
            if _kind(resp) == "result_complete":
                got_complete = True
        if more:
            last_id = more[-1].response_id
        assert all(r.operation_id == op for r in more)
        resp_ids += [r.response_id for r in more]
        rows += _rows_of(more)
        total_batches += sum(1 for r in more if _kind(r) == "arrow_batch")
    assert len(set(resp_ids)) == len(resp_ids), "duplicate responses after reattach"
    assert len(rows) == n and rows[0] == 0 and rows[-1] == n - 1
    assert rows == list(range(n)), "gap or duplicate rows after reattach"
    assert total_batches > 10
    raw.release_all(op)
    # Released: reattaching now fails.
    f = expect_failure(raw.reattach, op)
    assert f.error_class in ("INVALID_HANDLE.OPERATION_NOT_FOUND", "INVALID_HANDLE.OPERATION_ABANDONED")


def test_reattach_with_release_until(raw):
    """release_until drops responses up to an id; reattaching after it still works."""
    op = new_id()
    call = raw.execute(range_relation(0, 50_000, 1, 1), operation_id=op)
    first = []
    for resp in call:
        first.append(resp)
        if _kind(resp) == "arrow_batch":
            break
    call.cancel()
    raw.release_until(op, first[-1].response_id)
    rest = list(raw.reattach(op, first[-1].response_id))
    assert _kind(rest[-1]) == "result_complete"
    assert _rows_of(first) + _rows_of(rest) == list(range(50_000))
    raw.release_all(op)


def test_reattach_unknown_operation(raw):
    raw.touch()
    f = expect_failure(raw.reattach, new_id())
    assert f.error_class == "INVALID_HANDLE.OPERATION_NOT_FOUND"
    assert f.message.startswith("[INVALID_HANDLE.OPERATION_NOT_FOUND] The handle ")
    assert f.message.endswith("is invalid. Operation not found. SQLSTATE: HY000")


def test_reattach_unknown_session(channel):
    other = Raw(channel)
    f = expect_failure(other.reattach, new_id())
    assert f.error_class == "INVALID_HANDLE.SESSION_NOT_FOUND"
    assert f.message == f"[INVALID_HANDLE.SESSION_NOT_FOUND] The handle {other.session_id} is invalid. " \
                        "Session not found. SQLSTATE: HY000"


def test_release_execute_unknown_operation_succeeds(raw):
    raw.touch()
    resp = raw.release_all(new_id())
    assert resp.session_id == raw.session_id
    assert resp.server_side_session_id == raw.server_side_session_id
    assert not resp.HasField("operation_id")


def test_release_execute_unknown_session(channel):
    other = Raw(channel)
    f = expect_failure(other.release_all, new_id())
    assert f.error_class == "INVALID_HANDLE.SESSION_NOT_FOUND"


def test_release_execute_twice(raw):
    op = new_id()
    list(raw.execute(range_relation(0, 10), operation_id=op))
    r1 = raw.release_all(op)
    assert r1.operation_id == op
    r2 = raw.release_all(op)  # already gone: still success
    assert r2.session_id == raw.session_id


# --------------------------------------------------------------------- duplicate operation ids

def test_duplicate_operation_id_same_plan_replays(raw):
    """Spark 4.2.0: an ExecutePlan whose operation_id names a finished but not yet
    released operation with the *same* plan replays the held responses, with
    identical response ids."""
    op = new_id()
    first = list(raw.execute(range_relation(0, 10), operation_id=op))
    second = list(raw.execute(range_relation(0, 10), operation_id=op))
    assert [r.response_id for r in second] == [r.response_id for r in first]
    assert [_kind(r) for r in second] == [_kind(r) for r in first]
    assert _rows_of(second) == list(range(10))
    raw.release_all(op)


def test_duplicate_operation_id_different_plan(raw):
    op = new_id()
    list(raw.execute(range_relation(0, 10), operation_id=op))
    f = expect_failure(raw.execute, range_relation(0, 20), operation_id=op)
    assert f.error_class == "INVALID_HANDLE.OPERATION_ALREADY_EXISTS"
    assert f.message == f"[INVALID_HANDLE.OPERATION_ALREADY_EXISTS] The handle {op} is invalid. " \
                        "Operation already exists. SQLSTATE: HY000"
    raw.release_all(op)


def test_duplicate_operation_id_after_release(raw):
    """A released operation id is remembered: reusing it fails (OPERATION_ABANDONED)."""
    op = new_id()
    list(raw.execute(range_relation(0, 10), operation_id=op))
    raw.release_all(op)
    f = expect_failure(raw.execute, range_relation(0, 10), operation_id=op)
    assert f.error_class == "INVALID_HANDLE.OPERATION_ABANDONED"
    assert f.message == f"[INVALID_HANDLE.OPERATION_ABANDONED] The handle {op} is invalid. " \
                        "Operation was considered abandoned because of inactivity and removed. SQLSTATE: HY000"


def test_duplicate_operation_id_evicted_responses(raw):
    """Same plan, but the early responses were dropped from the retry buffer
    (Spark keeps ~10 MiB): INVALID_CURSOR.POSITION_NOT_AVAILABLE."""
    op = new_id()
    list(raw.execute(range_relation(0, 3_000_000), operation_id=op))
    f = expect_failure(raw.execute, range_relation(0, 3_000_000), operation_id=op)
    assert f.error_class == "INVALID_CURSOR.POSITION_NOT_AVAILABLE"
    assert f.sql_state == "HY109"
    raw.release_all(op)


# --------------------------------------------------------------------- sessions

def test_server_side_session_id_stable(channel):
    a, b = Raw(channel), Raw(channel)
    ida = [a.touch() for _ in range(3)]
    idb = b.touch()
    assert ida[0] and len(set(ida)) == 1
    assert idb and idb != ida[0]
    # Execute and Analyze answer with the same id.
    resps = list(a.execute(range_relation(0, 1), operation_id=new_id(), reattachable=False))
    assert {r.server_side_session_id for r in resps} == {ida[0]}
    a.release_session()
    b.release_session()


def test_session_key_includes_user(channel):
    """Same session_id, different user_id: a different session."""
    sid = new_id()
    a, b = Raw(channel, sid, user="alice"), Raw(channel, sid, user="bob")
    assert a.touch() != b.touch()
    a.conf_set("spark.sql.shuffle.partitions", "3")
    assert b.conf_get("spark.sql.shuffle.partitions") == "200"
    a.release_session()
    b.release_session()


def test_sessions_isolated_config(server_url):
    from conftest import new_session
    s1, s2 = new_session(server_url), new_session(server_url)
    try:
        s1.conf.set("spark.sql.shuffle.partitions", "3")
        s1.conf.set("spark.ember.test.isolation", "one")
        assert s1.conf.get("spark.sql.shuffle.partitions") == "3"
        assert s2.conf.get("spark.sql.shuffle.partitions") == "200"
        assert s2.conf.get("spark.ember.test.isolation", "unset") == "unset"
    finally:
        s1.stop()
        s2.stop()


def test_release_session_then_reuse(channel):
    r = Raw(channel)
    ssid = r.touch()
    resp = r.release_session()
    assert resp.session_id == r.session_id and resp.server_side_session_id == ssid
    f = expect_failure(r.touch)
    assert f.error_class == "INVALID_HANDLE.SESSION_CLOSED"
    assert f.message == f"[INVALID_HANDLE.SESSION_CLOSED] The handle {r.session_id} is invalid. " \
                        "Session was closed. SQLSTATE: HY000"
    assert f.reason == "org.apache.spark.SparkSQLException"
    f2 = expect_failure(r.execute, range_relation(0, 1), operation_id=new_id())
    assert f2.error_class == "INVALID_HANDLE.SESSION_CLOSED"
    # Releasing again succeeds (no server-side id in the answer).
    again = r.release_session()
    assert again.session_id == r.session_id and again.server_side_session_id == ""


def test_release_session_never_created(channel):
    r = Raw(channel)
    resp = r.release_session()
    assert resp.session_id == r.session_id and resp.server_side_session_id == ""


def test_release_session_high_level_then_reuse(server_url):
    """spark.stop() releases; a new client with the same session_id gets SESSION_CLOSED
    (PySpark maps SparkSQLException to UnknownException)."""
    from pyspark.sql import SparkSession
    sid = new_id()
    s = SparkSession.builder.remote(f"{server_url}/;session_id={sid}").create()
    s.range(1).collect()
    s.stop()
    s2 = SparkSession.builder.remote(f"{server_url}/;session_id={sid}").create()
    with pytest.raises(Exception) as ei:
        s2.range(1).collect()
    e = ei.value
    assert type(e).__name__ == "UnknownException"
    assert e.getCondition() == "INVALID_HANDLE.SESSION_CLOSED"
    assert str(e).startswith(f"(org.apache.spark.SparkSQLException) [INVALID_HANDLE.SESSION_CLOSED] "
                             f"The handle {sid} is invalid. Session was closed. SQLSTATE: HY000")


def test_session_id_not_uuid(channel):
    r = Raw(channel, session_id="not-a-uuid")
    f = expect_failure(r.touch)
    assert f.error_class == "INVALID_HANDLE.FORMAT"
    assert f.message == "[INVALID_HANDLE.FORMAT] The handle not-a-uuid is invalid. Handle must be an UUID " \
                        "string of the format '00112233-4455-6677-8899-aabbccddeeff' SQLSTATE: HY000"


def test_wrong_observed_server_side_session_id(raw):
    raw.touch()
    f = expect_failure(raw.conf_get_with_default, "k", "v", observed=new_id())
    assert f.error_class == "INVALID_HANDLE.SESSION_CHANGED"
    assert f.message == f"[INVALID_HANDLE.SESSION_CHANGED] The handle {raw.session_id} is invalid. " \
                        "The existing Spark server driver instance has restarted. Please reconnect. SQLSTATE: HY000"
    # The right one is accepted.
    raw.conf_get_with_default("k", "v", observed=raw.server_side_session_id)


def test_wrong_observed_id_on_execute(raw):
    raw.touch()
    req = raw.execute_request(range_relation(0, 1), operation_id=new_id())
    req.client_observed_server_side_session_id = new_id()
    f = expect_failure(raw.stub.ExecutePlan, req)
    assert f.error_class == "INVALID_HANDLE.SESSION_CHANGED"


def test_clone_session(raw):
    raw.touch()
    raw.conf_set("spark.sql.shuffle.partitions", "5")
    resp = raw.clone()
    assert resp.session_id == raw.session_id
    assert resp.server_side_session_id == raw.server_side_session_id
    assert resp.new_session_id and resp.new_session_id != raw.session_id
    assert resp.new_server_side_session_id and resp.new_server_side_session_id != raw.server_side_session_id
    cloned = Raw(raw.channel, resp.new_session_id)
    assert cloned.conf_get("spark.sql.shuffle.partitions") == "5"  # config is copied
    raw.conf_set("spark.sql.shuffle.partitions", "6")              # and then independent
    assert cloned.conf_get("spark.sql.shuffle.partitions") == "5"
    cloned.release_session()


def test_clone_session_with_target_id(raw):
    raw.touch()
    target = new_id()
    resp = raw.clone(target)
    assert resp.new_session_id == target
    f = expect_failure(raw.clone, target)
    assert f.error_class == "INVALID_CLONE_SESSION_REQUEST.TARGET_SESSION_ID_ALREADY_EXISTS"
    assert f.sql_state == "42K04"
    f = expect_failure(raw.clone, "bad")
    assert f.error_class == "INVALID_CLONE_SESSION_REQUEST.TARGET_SESSION_ID_FORMAT"
    Raw(raw.channel, target).release_session()


def test_clone_unknown_session(channel):
    f = expect_failure(Raw(channel).clone)
    assert f.error_class == "INVALID_HANDLE.SESSION_NOT_FOUND"


# --------------------------------------------------------------------- GetStatus

def test_get_status(raw):
    op = new_id()
    list(raw.execute(range_relation(0, 10), operation_id=op))
    unknown = new_id()
    resp = raw.get_status([op, unknown])
    states = {s.operation_id: s.state for s in resp.operation_statuses}
    from pyspark.sql.connect.proto import base_pb2 as pb
    St = pb.GetStatusResponse.OperationStatus.OperationState
    # Spark 4.2.0: finished but not released -> TERMINATING; unknown id -> UNKNOWN.
    assert states == {op: St.Value("OPERATION_STATE_TERMINATING"), unknown: St.Value("OPERATION_STATE_UNKNOWN")}
    assert resp.session_id == raw.session_id and resp.server_side_session_id
    # Empty list = all operations of the session.
    all_ops = {s.operation_id for s in raw.get_status([]).operation_statuses}
    assert op in all_ops
    # Without operation_status: no statuses at all.
    assert len(raw.get_status(None).operation_statuses) == 0
    raw.release_all(op)


# --------------------------------------------------------------------- artifacts

def test_add_artifacts_small_and_status(raw):
    import hashlib
    data = b"hello artifact\n"
    resp = raw.add_artifacts_batch([("files/hello.txt", data)])
    assert [(a.name, a.is_crc_successful) for a in resp.artifacts] == [("files/hello.txt", True)]
    assert resp.session_id == raw.session_id and resp.server_side_session_id
    bad = raw.add_artifacts_batch([("files/bad.txt", data)], crcs=[123])
    assert [(a.name, a.is_crc_successful) for a in bad.artifacts] == [("files/bad.txt", False)]
    h = hashlib.sha256(data).hexdigest()
    raw.add_artifacts_batch([(f"cache/{h}", data)])
    st = raw.artifact_status([f"cache/{h}", "cache/" + "0" * 64])
    assert {k: v.exists for k, v in st.statuses.items()} == {f"cache/{h}": True, "cache/" + "0" * 64: False}
    # Same name, same content: fine. Same name, other content: ARTIFACT_ALREADY_EXISTS.
    same = raw.add_artifacts_batch([("files/hello.txt", data)])
    assert same.artifacts[0].is_crc_successful
    f = expect_failure(raw.add_artifacts_batch, [("files/hello.txt", b"other")])
    assert f.error_class == "ARTIFACT_ALREADY_EXISTS"
    assert f.sql_state == "42713"
    f = expect_failure(raw.add_artifacts_batch, [("files/../../etc/x", data)])
    assert f.error_class == "INVALID_ARTIFACT_PATH"


def test_add_artifacts_several_in_one_batch(raw):
    resp = raw.add_artifacts_batch([("files/a.txt", b"a"), ("files/b.txt", b"bb"), ("files/c.txt", b"")])
    assert [(a.name, a.is_crc_successful) for a in resp.artifacts] == \
        [("files/a.txt", True), ("files/b.txt", True), ("files/c.txt", True)]


def test_add_artifact_chunked(raw):
    import hashlib
    data = os.urandom(100_000)
    h = hashlib.sha256(data).hexdigest()
    resp = raw.add_artifact_chunked(f"cache/{h}", data)
    assert [(a.name, a.is_crc_successful) for a in resp.artifacts] == [(f"cache/{h}", True)]
    assert raw.artifact_status([f"cache/{h}"]).statuses[f"cache/{h}"].exists


def test_add_artifacts_high_level(spark, tmp_path, server_alive):
    p = tmp_path / "ember_test_file.txt"
    p.write_text("contents\n")
    spark.addArtifacts(str(p), file=True)
    server_alive()


def test_artifact_status_unknown_session_creates_nothing_bad(channel):
    r = Raw(channel)
    st = r.artifact_status(["cache/" + "1" * 64])
    assert not st.statuses["cache/" + "1" * 64].exists


# --------------------------------------------------------------------- interrupts

def _run_long_query(spark, tag, box):
    try:
        spark.addTag(tag)
        t0 = time.monotonic()
        try:
            # The condition as DataFrame API calls (not a SQL string), so the
            # test needs no SQL parser: same query, same plan shape.
            from pyspark.sql import functions as F
            box["value"] = spark.range(LONG_QUERY_ROWS).filter(F.col("id") % 3 == 1).count()
        except Exception as e:  # noqa: BLE001
            box["error"] = e
        box["elapsed"] = time.monotonic() - t0
    finally:
        spark.removeTag(tag)


def _interrupt_until(fn, timeout=20.0):
    """Call fn (an interrupt) until it reports an interrupted operation."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        ids = fn()
        if ids:
            return ids, time.monotonic()
        time.sleep(0.2)
    raise AssertionError("the long query never showed up as interruptible")


def _check_canceled(box, t_interrupt, th):
    th.join(30)
    assert time.monotonic() - t_interrupt < 30
    assert not th.is_alive(), "query did not stop after interrupt"
    assert "error" in box, f"query finished instead of being canceled: {box}"
    e = box["error"]
    assert type(e).__name__ == "UnknownException"
    assert e.getCondition() == "OPERATION_CANCELED"
    assert e.getSqlState() == "HY008"
    assert str(e).startswith("(org.apache.spark.SparkSQLException) [OPERATION_CANCELED] Operation has been "
                             "canceled. SQLSTATE: HY008")


@pytest.mark.parametrize("how", ["tag", "all"])
def test_interrupt_long_query(server_url, server_alive, how):
    """A long query in a thread; interruptTag / interruptAll from the main thread:
    the query fails within seconds with OPERATION_CANCELED (PySpark:
    UnknownException, since SparkSQLException has no Python mapping), the
    session keeps working and the server stays up."""
    from conftest import new_session
    spark = new_session(server_url)
    try:
        box = {}
        th = threading.Thread(target=_run_long_query, args=(spark, "ember-long", box), daemon=True)
        th.start()
        time.sleep(3.0)  # let the job start (see test_interrupt_raw_operation)
        if how == "tag":
            ids, t_int = _interrupt_until(lambda: spark.interruptTag("ember-long"))
        else:
            ids, t_int = _interrupt_until(spark.interruptAll)
        assert len(ids) == 1
        _check_canceled(box, t_int, th)
        assert box["elapsed"] < 60
        # The session still works.
        assert spark.range(3).count() == 3
        assert spark.interruptAll() == []
    finally:
        try:
            spark.interruptAll()  # never leave the long query running
        finally:
            spark.stop()
    server_alive()


def test_interrupt_when_idle(raw):
    raw.touch()
    resp = raw.interrupt_all()
    assert list(resp.interrupted_ids) == []
    assert resp.session_id == raw.session_id and resp.server_side_session_id == raw.server_side_session_id


def test_interrupt_raw_operation(raw):
    """Raw: interrupt an operation by id while its stream is open; the stream
    ends with OPERATION_CANCELED. (We wait ~3 s after the first response so
    the query is really running: Spark 4.2.0 loses an interrupt that arrives
    before the job is submitted, and then runs the job to the end.)"""
    op = new_id()
    call = raw.execute(_long_relation(), operation_id=op, timeout=90)
    try:
        it = iter(call)
        first = next(it)  # schema: the operation exists now
        assert first.operation_id == op
        time.sleep(3)
        t0 = time.monotonic()
        ids = []
        while not ids and time.monotonic() - t0 < 20:
            ids = list(raw.interrupt_operation(op).interrupted_ids)
            if not ids:
                time.sleep(0.2)
        assert ids == [op]
        with pytest.raises(grpc.RpcError) as ei:
            for _ in it:
                pass
        assert time.monotonic() - t0 < 30
        from rawclient import failure
        f = failure(ei.value)
        assert f.error_class == "OPERATION_CANCELED"
        assert f.message == "[OPERATION_CANCELED] Operation has been canceled. SQLSTATE: HY008"
        assert f.reason == "org.apache.spark.SparkSQLException"
        assert f.sql_state == "HY008"
    finally:
        call.cancel()
        raw.interrupt_all()  # never leave the long query running
        raw.release_all(op)


def _long_relation():
    from pyspark.sql.connect.proto import relations_pb2 as rel
    from pyspark.sql.connect.proto import expressions_pb2 as ex
    r = rel.Relation()
    r.filter.input.CopyFrom(range_relation(0, LONG_QUERY_ROWS))
    # id % 3 == 1, as the DataFrame API sends it.
    mod = ex.Expression()
    mod.unresolved_function.function_name = "%"
    mod.unresolved_function.arguments.add().unresolved_attribute.unparsed_identifier = "id"
    mod.unresolved_function.arguments.add().literal.integer = 3
    eq = ex.Expression()
    eq.unresolved_function.function_name = "=="
    eq.unresolved_function.arguments.add().CopyFrom(mod)
    eq.unresolved_function.arguments.add().literal.integer = 1
    r.filter.condition.CopyFrom(eq)
    agg = rel.Relation()
    agg.aggregate.input.CopyFrom(r)
    agg.aggregate.group_type = rel.Aggregate.GROUP_TYPE_GROUPBY
    fn = agg.aggregate.aggregate_expressions.add().unresolved_function
    fn.function_name = "count"
    fn.arguments.add().literal.integer = 1
    return agg


def _long_join_relation():
    """range(10**12) joined with a small range on id and counted: a probe
    side that runs for minutes (the build side, 1000 rows, is broadcast)."""
    from pyspark.sql.connect.proto import relations_pb2 as rel
    j = rel.Relation()
    j.join.left.CopyFrom(range_relation(0, LONG_QUERY_ROWS))
    j.join.right.CopyFrom(range_relation(0, 1000))
    j.join.join_type = rel.Join.JOIN_TYPE_INNER
    j.join.using_columns.append("id")
    agg = rel.Relation()
    agg.aggregate.input.CopyFrom(j)
    agg.aggregate.group_type = rel.Aggregate.GROUP_TYPE_GROUPBY
    fn = agg.aggregate.aggregate_expressions.add().unresolved_function
    fn.function_name = "count"
    fn.arguments.add().literal.integer = 1
    return agg


def test_interrupt_long_join_fast(raw, ember_only, server_alive):
    """Ember's promise (issue 3): Interrupt stops a running hash join within
    100 ms, measured from the Interrupt call to the end of the result stream."""
    op = new_id()
    call = raw.execute(_long_join_relation(), operation_id=op, timeout=90)
    try:
        it = iter(call)
        assert next(it).operation_id == op  # the schema: the query runs
        time.sleep(1.0)
        t0 = time.monotonic()
        ids = list(raw.interrupt_operation(op).interrupted_ids)
        assert ids == [op]
        with pytest.raises(grpc.RpcError) as ei:
            for _ in it:
                pass
        elapsed = time.monotonic() - t0
        from rawclient import failure
        assert failure(ei.value).error_class == "OPERATION_CANCELED"
        print(f"interrupt-to-end {elapsed * 1000:.1f} ms")
        assert elapsed < 0.100, f"join stopped {elapsed * 1000:.1f} ms after the interrupt"
    finally:
        call.cancel()
        raw.interrupt_all()
        raw.release_all(op)
    server_alive()


def test_failing_queries_under_concurrency(server_url, server_alive):
    """Many failing queries on two sessions at once (each error is stored for
    FetchErrorDetails while the client releases responses concurrently): every
    one fails with its own error class and nothing hangs (a lock-order
    deadlock between these paths once stalled the server)."""
    from conftest import new_session
    from pyspark.sql import functions as F

    errors = []

    def work():
        spark = new_session(server_url)
        try:
            df = spark.range(1, 4).select((F.lit(1) / (F.col("id") - 1)).alias("x"))
            for _ in range(40):
                try:
                    df.collect()
                    errors.append("no error")
                except Exception as e:  # noqa: BLE001
                    errors.append(getattr(e, "getCondition", lambda: type(e).__name__)())
        finally:
            spark.stop()

    ths = [threading.Thread(target=work, daemon=True) for _ in range(2)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(120)
    assert not any(t.is_alive() for t in ths), "failing queries hung"
    assert errors == ["DIVIDE_BY_ZERO"] * 80
    server_alive()


# --------------------------------------------------------------------- unsupported relations

def _map_in_pandas_df(spark):
    def f(it):
        for pdf in it:
            yield pdf

    return spark.range(3).mapInPandas(f, "id long")


def test_unsupported_relation_ember(spark, ember_only, server_alive):
    """Ember does not run Python UDFs yet: mapInPandas (Relation.map_partitions)
    must fail with an error that names the relation kind, and the server stays up."""
    with pytest.raises(Exception) as ei:
        _map_in_pandas_df(spark).collect()
    text = str(ei.value).lower().replace("_", "").replace(" ", "")
    assert "mappartitions" in text, str(ei.value)
    server_alive()
    assert spark.range(2).count() == 2


def test_unsupported_relation_spark_succeeds(spark, spark_only):
    """The same plan works on Spark (validates the Ember test above)."""
    assert [r.id for r in _map_in_pandas_df(spark).collect()] == [0, 1, 2]


def test_server_alive_at_end(server_alive):
    server_alive()


def test_ml_clean_cache_at_client_exit(raw):
    """PySpark sends MlCommand.clean_cache when its process exits; Spark
    answers with the number of models it dropped (none here), then
    result_complete; other ML commands stay unsupported on Ember."""
    op = new_id()
    req = raw.execute_request(range_relation(0, 1), operation_id=op)
    req.plan.ClearField("root")
    req.plan.command.ml_command.clean_cache.SetInParent()
    resps = [r for r in raw.stub.ExecutePlan(req, timeout=30) if _kind(r) != "execution_progress"]
    assert [_kind(r) for r in resps] == ["ml_command_result", "result_complete"]
    assert resps[0].ml_command_result.WhichOneof("result_type") == "param"
    assert resps[0].ml_command_result.param.WhichOneof("literal_type") == "integer"
    assert resps[0].ml_command_result.param.integer == 0
    raw.release_all(op)
