#!/usr/bin/env python3
"""Writes seed inputs for fuzz_plan: ExecutePlanRequests that real PySpark
programs produce (built with the client's own plan builder, no server)."""
import os
import sys

from pyspark.sql.connect.proto import base_pb2, relations_pb2, expressions_pb2, types_pb2

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds", "fuzz_plan")
os.makedirs(out, exist_ok=True)


def req(rel):
    r = base_pb2.ExecutePlanRequest(session_id="00000000-0000-4000-8000-000000000000")
    r.plan.root.CopyFrom(rel)
    return r


def rng(start, end, step=1, parts=None):
    rel = relations_pb2.Relation()
    rel.common.plan_id = 1
    rel.range.start = start
    rel.range.end = end
    rel.range.step = step
    if parts is not None:
        rel.range.num_partitions = parts
    return rel


seeds = {}
seeds["range"] = req(rng(0, 10))
lim = relations_pb2.Relation()
lim.limit.input.CopyFrom(rng(0, 10**7, 1, 4))
lim.limit.limit = 5
seeds["limit"] = req(lim)
proj = relations_pb2.Relation()
proj.project.input.CopyFrom(rng(0, 3))
e = proj.project.expressions.add()
e.unresolved_attribute.unparsed_identifier = "id"
e = proj.project.expressions.add()
e.alias.expr.literal.double = 1.5
e.alias.name.append("x")
e = proj.project.expressions.add()
e.cast.expr.unresolved_attribute.unparsed_identifier = "id"
e.cast.type.integer.SetInParent()
e = proj.project.expressions.add()
e.literal.array.elements.add().integer = 1
e.literal.array.elements.add().integer = 2
seeds["project"] = req(proj)
show = relations_pb2.Relation()
show.show_string.input.CopyFrom(proj)
show.show_string.num_rows = 20
show.show_string.truncate = 20
seeds["show"] = req(show)
todf = relations_pb2.Relation()
todf.to_df.input.CopyFrom(rng(0, 3))
todf.to_df.column_names.append("x")
seeds["todf"] = req(todf)
loc = relations_pb2.Relation()
loc.local_relation.schema = "a int, b string, c array<map<string,double>>"
seeds["local_schema"] = req(loc)
for name, r in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(r.SerializeToString())
print("wrote", len(seeds), "seeds to", out)
