"""spark.sql parse errors: ParseException classes, parameters, positions
and the "== SQL ==" caret excerpt, as Spark prints them."""

from caselib import error


def _parse(q):
    def case(spark):
        return error(lambda: spark.sql(q), full=True)
    return case


for _name, _q in {
    "misspelled_keyword": "SELEC 1",
    "trailing_operator": "SELECT 1 +",
    "unclosed_paren": "SELECT (1",
    "extra_paren": "SELECT 1)",
    "unclosed_string": "SELECT 'abc",
    "unclosed_backquote": "SELECT `abc",
    "bad_character": "SELECT #",
    "double_equals_operator": "SELECT 1\nFROM range(2) WHERE\nid = = 1",
    "group_without_by": "SELECT * FROM range(1) WHERE id = 1 GROUP",
    "two_aliases": "SELECT a b c FROM range(1)",
    "cast_unclosed": "SELECT CAST(1 AS INT",
    "join_without_relation": "SELECT 1 FROM range(3) x JOIN",
    "only_semicolon": ";",
    "empty_statement": "",
    "blank_statement": "   ",
    "unclosed_comment": "SELECT 1 /* unclosed",
    "from_without_relation": "SELECT * FROM",
    "missing_select_list": "SELECT FROM range(1)",
    "order_by_missing": "SELECT 1 ORDER BY",
    "values_missing_row": "VALUES",
    "comma_at_end": "SELECT 1,",
    "in_empty_list": "SELECT 1 IN ()",
    "case_without_when": "SELECT CASE END",
    "interval_bad": "SELECT INTERVAL 'x' DAY",
    "bad_cast_type": "SELECT CAST(1 AS FOO)",
    "second_line_error": "SELECT 1,\n  2 +\nFROM range(1)",
}.items():
    globals()["case_" + _name] = _parse(_q)


def case_expr_string_error(spark):
    return error(lambda: spark.range(1).selectExpr("id +").collect(), full=True)


def case_filter_string_error(spark):
    return error(lambda: spark.range(1).filter("id >").collect(), full=True)


def case_expr_extra_input(spark):
    return error(lambda: spark.range(1).selectExpr("id id id").collect(), full=True)
