#!/usr/bin/env python3
"""Records Apache Spark 4.2's answers for tests/unit/test_strings.c.

Run with the oracle's Python (full pyspark 4.2.0 + Java 17):
    /root/.cache/ember/oracle-venv/bin/python tests/oracle/strings/gen_strings_expected.py
It rewrites strings_expected.inc and strings_expected.py next to this script,
in the format and expression syntax of ../functions/gen_functions_expected.py
(whose recorder it reuses). Names are the ones PySpark sends: Column.startswith
sends "startsWith", Column.substr sends "substr", Column.like sends "like".
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functions"))
import gen_functions_expected as gen  # noqa: E402

# s: text (multi-byte UTF-8, spaces, LIKE metacharacters); p: LIKE patterns;
# i, j: positions and lengths; dt, ts: dates and UTC timestamps.
TABLES = {
    "s": ("s string, p string, i int, j int, dt date, ts timestamp",
          [("Hello World", "H%", 1, 3, "2020-02-29", "2020-02-29 23:59:59"),
           ("  padded  ", "%d%", -3, 2, "1969-12-31", "1969-12-31 23:59:59.5"),
           (None, None, None, None, None, None),
           ("a\u00e9\u65e5\u672cx", "_\u00e9%", 0, 10, "2000-01-01", "2000-01-01 00:00:00"),
           ("", "", 5, -1, "2024-12-31", "2024-12-31 12:30:00"),
           ("a_b%c\\d", "a\\_b\\%c%", 2, 0, "1900-03-01", "1900-03-01 01:02:03"),
           # longer than a machine word, with the characters around A-Z and a-z, and non-ASCII past byte 8
           ("  @AZ[`az{ Hello WORLD 0123456789 ~  ", "%O%", 3, 40, "2016-02-29", "2016-02-29 10:00:00"),
           ("ABCDEFGHIJ \u00c0\u00c9\u00ce\u00d5\u00dc \u0436\u0416 \u0250\u0250\u0250\u0250 abcdefghij \u65e5\u672c",
            "%\u0250%", -5, 7, "1999-12-31", "1999-12-31 23:00:00")]),
}

CASES = [
    # ---- case mapping ----
    ("s", "(upper s)"), ("s", "(lower s)"), ("s", "(upper 'aBc')"), ("s", "(lower i)"), ("s", "(upper null)"),
    ("s", "(upper s p)"), ("s", "(ucase s)"), ("s", "(lcase s)"),
    # ---- length ----
    ("s", "(length s)"), ("s", "(length p)"), ("s", "(length i)"), ("s", "(length null)"),
    ("s", "(char_length s)"), ("s", "(character_length s)"), ("s", "(length dt)"),
    # ---- concat ----
    ("s", "(concat s p)"), ("s", "(concat s '-' i)"), ("s", "(concat s)"), ("s", "(concat)"),
    ("s", "(concat s null)"), ("s", "(concat i j)"), ("s", "(concat 'a' dt)"),
    ("s", "(concat '<' s '>' i)"), ("s", "(concat s s s)"), ("s", "(concat 'x' null s)"), ("s", "(lower (trim s))"),
    ("s", "(length (concat s s))"), ("s", "(upper (concat s ' ' p))"),
    # ---- substring ----
    ("s", "(substring s i j)"), ("s", "(substring s 1 2)"), ("s", "(substring s -3 2)"),
    ("s", "(substring s 0 2)"), ("s", "(substring s i)"), ("s", "(substr s i j)"), ("s", "(substring s 2 -1)"),
    ("s", "(substring s -100 3)"), ("s", "(substring s -100 200)"), ("s", "(substring s 3)"),
    ("s", "(substring s 1L 2)"), ("s", "(substring s '2' 2)"), ("s", "(substring s null 2)"),
    ("s", "(substr s 2)"), ("s", "(substring s)"), ("s", "(substring i 1 1)"), ("s", "(substring s 1.5 2)"),
    ("s", "(substring s 2147483647 2147483647)"), ("s", "(substring s -2147483648 2147483647)"),
    # ---- trim ----
    ("s", "(trim s)"), ("s", "(ltrim s)"), ("s", "(rtrim s)"), ("s", "(trim i)"), ("s", "(trim null)"),
    ("s", "(trim ' \t x \t ')"),
    # ---- startsWith / endsWith / contains ----
    ("s", "(startsWith s 'He')"), ("s", "(startsWith s p)"), ("s", "(endsWith s 'x')"), ("s", "(endsWith s '')"),
    ("s", "(contains s 'l')"), ("s", "(contains s p)"), ("s", "(contains s null)"), ("s", "(contains i 1)"),
    ("s", "(startswith s 'a')"), ("s", "(contains s '')"), ("s", "(endsWith s 'd')"),
    # ---- like ----
    ("s", "(like s p)"), ("s", "(like s 'H%')"), ("s", "(like s '%')"), ("s", "(like s '_')"),
    ("s", "(like s '%l_o%')"), ("s", "(like s 'a\\_b%')"), ("s", "(like s 'a\\\\d')"), ("s", "(like s null)"),
    ("s", "(like s 'a\\')"), ("s", "(like s '%\\%c%')"), ("s", "(like s 'a___x')"), ("s", "(like i '1%')"),
    ("s", "(like s '\\a%')"), ("s", "(like s '')"), ("s", "(like s '  %  ')"), ("s", "(like s '%.%')"),
    # ---- dates ----
    ("s", "(year dt)"), ("s", "(month dt)"), ("s", "(dayofmonth dt)"), ("s", "(year ts)"), ("s", "(month ts)"),
    ("s", "(dayofmonth ts)"), ("s", "(day dt)"), ("s", "(year '2021-05-06')"), ("s", "(year i)"),
    ("s", "(year null)"), ("s", "(year s)"),
    ("s", "(date_add dt 1)"), ("s", "(date_add dt i)"), ("s", "(date_sub dt j)"), ("s", "(date_add ts 1)"),
    ("s", "(date_add dt 1L)"), ("s", "(date_add dt '1')"), ("s", "(date_sub dt -1)"), ("s", "(date_add dt null)"),
    ("s", "(date_add '2020-01-31' 1)"), ("s", "(date_add dt 1.5)"), ("s", "(date_add i 1)"),
    ("s", "(date_add dt 1Y)"), ("s", "(date_add dt 2147483647)"),
]

if __name__ == "__main__":
    gen.record(TABLES, CASES, HERE, "strings", "strings/gen_strings_expected.py")
