"""Raw Spark Connect calls through the client's generated stubs, for protocol
tests the DataFrame API cannot express (reattach, duplicate operation ids,
session handles, artifacts, error details)."""

from __future__ import annotations

import json
import uuid
import zlib
from dataclasses import dataclass, field

import grpc
import pyarrow as pa
from google.rpc import error_details_pb2, status_pb2
from pyspark.sql.connect.proto import base_pb2 as pb
from pyspark.sql.connect.proto import base_pb2_grpc as pbg
from pyspark.sql.connect.proto import relations_pb2 as rel

MAX_MSG = 128 * 1024 * 1024
USER = "ember-test"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class RpcFailure:
    """A failed call: gRPC code, status message and the ErrorInfo (if any)."""
    code: grpc.StatusCode
    message: str
    reason: str | None = None
    domain: str | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def error_class(self) -> str | None:
        return self.metadata.get("errorClass")

    @property
    def sql_state(self) -> str | None:
        return self.metadata.get("sqlState")

    @property
    def params(self) -> dict:
        return json.loads(self.metadata.get("messageParameters", "{}"))

    @property
    def classes(self) -> list:
        return json.loads(self.metadata.get("classes", "[]"))


def failure(e: grpc.RpcError) -> RpcFailure:
    out = RpcFailure(e.code(), e.details() or "")
    for k, v in e.trailing_metadata() or ():
        if k == "grpc-status-details-bin":
            st = status_pb2.Status.FromString(v)
            for d in st.details:
                if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    d.Unpack(info)
                    out.reason, out.domain, out.metadata = info.reason, info.domain, dict(info.metadata)
                    break
    return out


def expect_failure(fn, *args, **kwargs) -> RpcFailure:
    """Call fn; it must fail with an RpcError (streams are drained)."""
    try:
        res = fn(*args, **kwargs)
        if hasattr(res, "__iter__") and not isinstance(res, (bytes, str)) and not hasattr(res, "DESCRIPTOR"):
            list(res)
    except grpc.RpcError as e:
        return failure(e)
    raise AssertionError(f"{getattr(fn, '_method', fn)} did not fail")


def range_relation(start: int, end: int, step: int = 1, partitions: int | None = None) -> rel.Relation:
    r = rel.Relation()
    r.range.start = start
    r.range.end = end
    r.range.step = step
    if partitions is not None:
        r.range.num_partitions = partitions
    return r


def batch_table(resp) -> pa.Table:
    """The Arrow data of one ArrowBatch response (one IPC stream)."""
    return pa.ipc.open_stream(resp.arrow_batch.data).read_all()


class Raw:
    """One session handle (session_id + user) over a gRPC channel."""

    def __init__(self, channel: grpc.Channel, session_id: str | None = None, user: str = USER):
        self.channel = channel
        self.stub = pbg.SparkConnectServiceStub(channel)
        self.session_id = session_id or new_id()
        self.user = user
        self.server_side_session_id: str | None = None

    def uc(self) -> pb.UserContext:
        return pb.UserContext(user_id=self.user)

    # ---- requests
    def execute_request(self, relation: rel.Relation, operation_id: str | None = None,
                        reattachable: bool = True, tags=()) -> pb.ExecutePlanRequest:
        req = pb.ExecutePlanRequest(session_id=self.session_id, user_context=self.uc(),
                                    client_type="ember-tests")
        if operation_id is not None:
            req.operation_id = operation_id
        req.plan.root.CopyFrom(relation)
        if reattachable:
            req.request_options.add().reattach_options.reattachable = True
        req.tags.extend(tags)
        return req

    def execute(self, relation: rel.Relation, operation_id: str | None = None,
                reattachable: bool = True, timeout: float = 120, **kw):
        """Start ExecutePlan; returns the response stream (a grpc call object)."""
        return self.stub.ExecutePlan(self.execute_request(relation, operation_id, reattachable, **kw),
                                     timeout=timeout)

    def reattach(self, operation_id: str, last_response_id: str | None = None, timeout: float = 120):
        req = pb.ReattachExecuteRequest(session_id=self.session_id, user_context=self.uc(),
                                        operation_id=operation_id, client_type="ember-tests")
        if last_response_id is not None:
            req.last_response_id = last_response_id
        return self.stub.ReattachExecute(req, timeout=timeout)

    def release_all(self, operation_id: str):
        req = pb.ReleaseExecuteRequest(session_id=self.session_id, user_context=self.uc(),
                                       operation_id=operation_id, client_type="ember-tests")
        req.release_all.SetInParent()
        return self.stub.ReleaseExecute(req, timeout=30)

    def release_until(self, operation_id: str, response_id: str):
        req = pb.ReleaseExecuteRequest(session_id=self.session_id, user_context=self.uc(),
                                       operation_id=operation_id, client_type="ember-tests")
        req.release_until.response_id = response_id
        return self.stub.ReleaseExecute(req, timeout=30)

    def config(self, op: pb.ConfigRequest.Operation, observed: str | None = None) -> pb.ConfigResponse:
        req = pb.ConfigRequest(session_id=self.session_id, user_context=self.uc(), operation=op,
                               client_type="ember-tests")
        if observed is not None:
            req.client_observed_server_side_session_id = observed
        return self.stub.Config(req, timeout=30)

    def conf_get_with_default(self, key: str, default: str, observed: str | None = None) -> pb.ConfigResponse:
        op = pb.ConfigRequest.Operation()
        op.get_with_default.pairs.add(key=key, value=default)
        return self.config(op, observed)

    def conf_set(self, key: str, value: str) -> pb.ConfigResponse:
        op = pb.ConfigRequest.Operation()
        op.set.pairs.add(key=key, value=value)
        return self.config(op)

    def conf_get(self, key: str) -> str:
        op = pb.ConfigRequest.Operation()
        op.get.keys.append(key)
        return self.config(op).pairs[0].value

    def touch(self) -> str:
        """Create/get the session with a harmless Config call; returns the server-side id."""
        resp = self.conf_get_with_default("spark.ember.test.touch", "x")
        self.server_side_session_id = resp.server_side_session_id
        return resp.server_side_session_id

    def release_session(self) -> pb.ReleaseSessionResponse:
        return self.stub.ReleaseSession(
            pb.ReleaseSessionRequest(session_id=self.session_id, user_context=self.uc(),
                                     client_type="ember-tests"), timeout=30)

    def interrupt_all(self) -> pb.InterruptResponse:
        return self.stub.Interrupt(pb.InterruptRequest(
            session_id=self.session_id, user_context=self.uc(), client_type="ember-tests",
            interrupt_type=pb.InterruptRequest.INTERRUPT_TYPE_ALL), timeout=30)

    def interrupt_operation(self, operation_id: str) -> pb.InterruptResponse:
        return self.stub.Interrupt(pb.InterruptRequest(
            session_id=self.session_id, user_context=self.uc(), client_type="ember-tests",
            interrupt_type=pb.InterruptRequest.INTERRUPT_TYPE_OPERATION_ID, operation_id=operation_id),
            timeout=30)

    def get_status(self, operation_ids=None) -> pb.GetStatusResponse:
        req = pb.GetStatusRequest(session_id=self.session_id, user_context=self.uc(), client_type="ember-tests")
        if operation_ids is not None:
            req.operation_status.operation_ids.extend(operation_ids)
        return self.stub.GetStatus(req, timeout=30)

    def clone(self, new_session_id: str | None = None) -> pb.CloneSessionResponse:
        req = pb.CloneSessionRequest(session_id=self.session_id, user_context=self.uc(), client_type="python")
        if new_session_id is not None:
            req.new_session_id = new_session_id
        return self.stub.CloneSession(req, timeout=30)

    def add_artifacts_batch(self, items, crcs=None) -> pb.AddArtifactsResponse:
        """items: [(name, bytes)] sent as one `batch` message."""
        def gen():
            req = pb.AddArtifactsRequest(session_id=self.session_id, user_context=self.uc(),
                                         client_type="ember-tests")
            for i, (name, data) in enumerate(items):
                a = req.batch.artifacts.add()
                a.name = name
                a.data.data = data
                a.data.crc = zlib.crc32(data) if crcs is None or crcs[i] is None else crcs[i]
            yield req
        return self.stub.AddArtifacts(gen(), timeout=60)

    def add_artifact_chunked(self, name: str, data: bytes, chunk: int = 32 * 1024) -> pb.AddArtifactsResponse:
        parts = [data[i:i + chunk] for i in range(0, len(data), chunk)] or [b""]

        def gen():
            first = pb.AddArtifactsRequest(session_id=self.session_id, user_context=self.uc(),
                                           client_type="ember-tests")
            first.begin_chunk.name = name
            first.begin_chunk.total_bytes = len(data)
            first.begin_chunk.num_chunks = len(parts)
            first.begin_chunk.initial_chunk.data = parts[0]
            first.begin_chunk.initial_chunk.crc = zlib.crc32(parts[0])
            yield first
            for p in parts[1:]:
                r = pb.AddArtifactsRequest(session_id=self.session_id, user_context=self.uc(),
                                           client_type="ember-tests")
                r.chunk.data = p
                r.chunk.crc = zlib.crc32(p)
                yield r
        return self.stub.AddArtifacts(gen(), timeout=60)

    def artifact_status(self, names) -> pb.ArtifactStatusesResponse:
        return self.stub.ArtifactStatus(pb.ArtifactStatusesRequest(
            session_id=self.session_id, user_context=self.uc(), names=list(names), client_type="ember-tests"),
            timeout=30)

    def fetch_error_details(self, error_id: str) -> pb.FetchErrorDetailsResponse:
        return self.stub.FetchErrorDetails(pb.FetchErrorDetailsRequest(
            session_id=self.session_id, user_context=self.uc(), error_id=error_id, client_type="ember-tests"),
            timeout=30)

    def spark_version(self) -> str:
        req = pb.AnalyzePlanRequest(session_id=self.session_id, user_context=self.uc(), client_type="ember-tests")
        req.spark_version.SetInParent()
        return self.stub.AnalyzePlan(req, timeout=30).spark_version.version


def open_channel(host: str, port: int) -> grpc.Channel:
    return grpc.insecure_channel(f"{host}:{port}", options=[
        ("grpc.max_send_message_length", MAX_MSG), ("grpc.max_receive_message_length", MAX_MSG)])
