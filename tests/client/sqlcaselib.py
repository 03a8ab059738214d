"""Builds SQL client cases from tables of queries: each entry becomes a
case_<name> function of the calling module, in table order.

    sql_cases(globals(), {"name": "SELECT ...", ...})          result(spark.sql(q))
    sql_error_cases(globals(), {"name": "SELECT ..."})          error(...) of spark.sql(q).collect()
"""

from caselib import error, result


def _res(q, kw):
    def case(spark):
        return result(spark.sql(q, **kw))
    return case


def _err(q, kw, full):
    def case(spark):
        return error(lambda: spark.sql(q, **kw).collect(), full=full)
    return case


def sql_cases(ns, table, **kw):
    for name, q in table.items():
        ns["case_" + name] = _res(q, kw)


def sql_error_cases(ns, table, full=False, **kw):
    for name, q in table.items():
        ns["case_" + name] = _err(q, kw, full)
