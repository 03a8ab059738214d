"""The 22 TPC-H queries: SQL text (sql/qNN.sql) and DataFrame form (dataframe.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
QUERY_IDS = list(range(1, 23))

# Output column positions of each query's ORDER BY keys (None: no ORDER BY,
# a single-row answer). The checker requires these columns to match row by
# row and the rows to match as a multiset, so ties may come in any order.
ORDER_KEYS = {
    1: [0, 1],
    2: [0, 2, 1, 3],
    3: [1, 2],
    4: [0],
    5: [1],
    6: None,
    7: [0, 1, 2],
    8: [0],
    9: [0, 1],
    10: [2],
    11: [1],
    12: [0],
    13: [1, 0],
    14: None,
    15: [0],
    16: [3, 0, 1, 2],
    17: None,
    18: [4, 3],
    19: None,
    20: [0],
    21: [1, 0],
    22: [0],
}

Q11_FRACTION_LITERAL = "0.0001000000"


def sql(qid: int, sf: float = 1) -> str:
    """The SQL text of query ``qid`` for scale factor ``sf`` (Q11's FRACTION is 0.0001 / SF)."""
    text = (SQL_DIR / f"q{qid:02d}.sql").read_text()
    if qid == 11:
        frac = Decimal("0.0001") / Decimal(str(sf))
        text = text.replace("* " + Q11_FRACTION_LITERAL, "* " + format(frac.normalize(), "f"))
    # comments are kept out of what is sent (some servers echo the text in errors)
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("--")]
    return "\n".join(lines).strip()


def parse_query_list(spec: str | None) -> list:
    """'1-5,7,q9' -> [1, 2, 3, 4, 5, 7, 9]; None or 'all' -> 1..22."""
    if not spec or spec == "all":
        return list(QUERY_IDS)
    out = []
    for part in spec.split(","):
        part = part.strip().lower().lstrip("q")
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out += list(range(int(a), int(b.lstrip("q")) + 1))
        else:
            out.append(int(part))
    bad = [q for q in out if q not in QUERY_IDS]
    if bad:
        raise ValueError(f"no such TPC-H query: {bad}")
    return sorted(dict.fromkeys(out))
