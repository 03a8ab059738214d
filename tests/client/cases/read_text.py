"""spark.read.text: lines, wholetext, lineSep."""

import os
import tempfile

from caselib import result

DIR = tempfile.mkdtemp(prefix="ember_read_text_")


def put(name, text):
    p = os.path.join(DIR, name)
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return p


def case_lines(spark):
    return result(spark.read.text(put("a.txt", "a\r\nb\n\nc")))


def case_wholetext(spark):
    return result(spark.read.option("wholetext", True).text(put("b.txt", "x\ny\n")))


def case_line_sep(spark):
    return result(spark.read.option("lineSep", ";").text(put("c.txt", "1;2;;3")))
