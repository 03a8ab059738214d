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
# Exchanges, set operations, sampling and the small relations.
rep = relations_pb2.Relation()
rep.repartition.input.CopyFrom(rng(0, 20, 1, 2))
rep.repartition.num_partitions = 3
rep.repartition.shuffle = True
seeds["repartition"] = req(rep)
rbe = relations_pb2.Relation()
rbe.repartition_by_expression.input.CopyFrom(rng(0, 20))
so = rbe.repartition_by_expression.partition_exprs.add().sort_order
so.child.unresolved_attribute.unparsed_identifier = "id"
so.direction = expressions_pb2.Expression.SortOrder.SORT_DIRECTION_DESCENDING
rbe.repartition_by_expression.num_partitions = 4
seeds["repartition_by_range"] = req(rbe)
rbh = relations_pb2.Relation()
rbh.repartition_by_expression.input.CopyFrom(rng(0, 20))
rbh.repartition_by_expression.partition_exprs.add().unresolved_attribute.unparsed_identifier = "id"
seeds["repartition_by_hash"] = req(rbh)
for kind, all_ in [(2, True), (1, False), (3, True)]:
    sop = relations_pb2.Relation()
    sop.set_op.left_input.CopyFrom(rng(0, 10))
    sop.set_op.right_input.CopyFrom(rng(5, 15))
    sop.set_op.set_op_type = kind
    sop.set_op.is_all = all_
    seeds["set_op_%d" % kind] = req(sop)
smp = relations_pb2.Relation()
smp.sample.input.CopyFrom(rng(0, 30))
smp.sample.upper_bound = 0.5
smp.sample.with_replacement = True
smp.sample.seed = 7
seeds["sample"] = req(smp)
hint = relations_pb2.Relation()
hint.hint.input.CopyFrom(rng(0, 3))
hint.hint.name = "repartition"
hint.hint.parameters.add().literal.integer = 2
seeds["hint"] = req(hint)
fill = relations_pb2.Relation()
fill.fill_na.input.CopyFrom(rng(0, 3))
fill.fill_na.values.add().long = 5
seeds["fill_na"] = req(fill)
rpl = relations_pb2.Relation()
rpl.replace.input.CopyFrom(rng(0, 3))
r1 = rpl.replace.replacements.add()
r1.old_value.long = 1
r1.new_value.long = 2
seeds["replace"] = req(rpl)
drp = relations_pb2.Relation()
drp.drop_na.input.CopyFrom(rng(0, 3))
drp.drop_na.min_non_nulls = 1
seeds["drop_na"] = req(drp)
tos = relations_pb2.Relation()
tos.to_schema.input.CopyFrom(rng(0, 3))
f = tos.to_schema.schema.struct.fields.add()
f.name = "id"
f.data_type.integer.SetInParent()
f.nullable = True
seeds["to_schema"] = req(tos)
for name, r in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(r.SerializeToString())
print("wrote", len(seeds), "seeds to", out)
