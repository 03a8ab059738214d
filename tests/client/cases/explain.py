"""df.explain() texts. Spark's plan text is an implementation detail (operator
names, expression ids, codegen stages), so these answers are recorded for
reference and compared after normalising expression ids (#123 -> #N), but the
suite treats them as inexact on Ember."""

import re

from caselib import capture_stdout, lines

INEXACT = "explain text is Spark's physical plan; Ember's plans differ by design"


def _norm(text: str):
    text = re.sub(r"#\d+L?", "#N", text)
    text = re.sub(r"plan_id=\d+", "plan_id=N", text)
    text = re.sub(r"\[id=#?\d+\]", "[id=N]", text)
    return lines(text)


def _explain(df, *args):
    return _norm(capture_stdout(df.explain, *args))


def case_explain_simple(spark):
    return _explain(spark.range(10))


def case_explain_extended(spark):
    return _explain(spark.range(10).selectExpr("id + 1 AS x"), True)


def case_explain_formatted(spark):
    return _explain(spark.range(10).filter("id > 3"), "formatted")


def case_explain_cost(spark):
    return _explain(spark.range(10), "cost")


def case_explain_local_relation(spark):
    return _explain(spark.createDataFrame([(1, "a")], "a int, b string"))
