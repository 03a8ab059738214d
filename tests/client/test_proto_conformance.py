"""Our .proto files against the descriptors shipped in the installed pyspark-client.

Every message, field (name, number, label, type, type name), oneof and enum
value of the Spark Connect protocol must match, so nothing a client sends is
dropped as an unknown field. proto3 `optional` fields are written in our files
as one-field oneofs named `_<field>` (protobuf-c 1.4.1 lacks `optional`); on
the wire they are identical, so that difference alone is accepted.
"""
import os
import sys
import shutil
import subprocess
import tempfile

import pytest
from google.protobuf import descriptor_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO = os.path.join(ROOT, "proto")
SPARK_FILES = ["base", "catalog", "commands", "common", "expressions", "ml", "ml_common", "pipelines",
               "relations", "types"]


def compiled_descriptors():
    protoc = shutil.which("protoc-c")
    if not protoc:
        pytest.skip("protoc-c is not installed")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "set.pb")
        files = [f"spark/connect/{n}.proto" for n in SPARK_FILES]
        subprocess.run([protoc, f"--proto_path={PROTO}", f"--descriptor_set_out={out}", "--include_imports"] + files,
                       check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
    return {f.name: f for f in fds.file}


def client_descriptors():
    import importlib
    out = {}
    for n in SPARK_FILES:
        m = importlib.import_module(f"pyspark.sql.connect.proto.{n}_pb2")
        fd = descriptor_pb2.FileDescriptorProto()
        m.DESCRIPTOR.CopyToProto(fd)
        out[fd.name] = fd
    return out


def normalize_message(m, prefix, out):
    """Flattens a message into comparable facts, folding proto3 optional into oneofs."""
    name = f"{prefix}.{m.name}"
    oneofs = [o.name for o in m.oneof_decl]
    for f in m.field:
        oneof = oneofs[f.oneof_index] if f.HasField("oneof_index") else None
        out.add(("field", name, f.name, f.number, f.label, f.type, f.type_name, oneof))
    for o in oneofs:
        out.add(("oneof", name, o))
    for e in m.enum_type:
        normalize_enum(e, name, out)
    for n in m.nested_type:
        normalize_message(n, name, out)
    out.add(("message", name))


def normalize_enum(e, prefix, out):
    name = f"{prefix}.{e.name}"
    out.add(("enum", name))
    for v in e.value:
        out.add(("enum_value", name, v.name, v.number))


def facts(fd):
    out = set()
    for m in fd.message_type:
        normalize_message(m, fd.package, out)
    for e in fd.enum_type:
        normalize_enum(e, fd.package, out)
    for s in fd.service:
        for meth in s.method:
            out.add(("rpc", s.name, meth.name, meth.input_type, meth.output_type, meth.client_streaming,
                     meth.server_streaming))
    return out


@pytest.mark.parametrize("name", SPARK_FILES)
def test_proto_file_matches_client(name):
    ours = compiled_descriptors()[f"spark/connect/{name}.proto"]
    theirs = client_descriptors()[f"spark/connect/{name}.proto"]
    a, b = facts(ours), facts(theirs)
    missing = sorted(map(str, b - a))
    extra = sorted(map(str, a - b))
    assert not missing and not extra, f"missing from ours: {missing[:20]}\nonly in ours: {extra[:20]}"
    assert list(ours.dependency) == list(theirs.dependency)


def test_every_client_file_is_covered():
    import pyspark.sql.connect.proto as p
    pkg = os.path.dirname(p.__file__)
    shipped = sorted(f[:-7] for f in os.listdir(pkg) if f.endswith("_pb2.py"))
    # example_plugins is a sample for server plugin authors, not part of the protocol.
    shipped = [s for s in shipped if s != "example_plugins"]
    assert shipped == sorted(SPARK_FILES)


def test_protocol_coverage_doc_is_current():
    """docs/compatibility.md's protocol coverage table matches what the
    planner handles (scripts/protocol_coverage.py --write regenerates it)."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = subprocess.run([sys.executable, os.path.join(root, "scripts", "protocol_coverage.py"), "--check"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
