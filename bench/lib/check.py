"""Compare a query answer against the reference answer (DuckDB's).

An answer is a sequence of rows, each row a sequence of plain Python values as
PySpark's ``Row`` / DuckDB's ``fetchall()`` give them: None, bool, int, float,
Decimal, str, bytes, datetime.date, datetime.datetime (numpy / pandas scalars
are accepted too).

Rules
- Same number of rows and of columns, else mismatch.
- Integers and strings compare exactly; a string never equals a number, a date
  never equals a string (a wrong type is a mismatch).
- Non-integer numbers (float, Decimal, or an int against one of those) compare
  with a tolerance: |a - b| <= max(rel_tol * max(|a|, |b|), abs_tol), where
  abs_tol is raised to one unit of the last decimal place when a Decimal with
  few decimals is involved (0.01 for money with scale 2), so engines that round
  a decimal result differently by one cent still agree. NaN equals NaN.
- Dates: a date equals a datetime at midnight of that day (engines differ on
  date vs timestamp results of date arithmetic); otherwise exact.
- Ordered results (``order_keys`` given, or ``ordered=True``): the values of
  the ORDER BY columns must match row by row, and the rows as a multiset must
  match. Rows that tie on the order keys may come in any order, as SQL allows.
  ``ordered=True`` without keys compares the full rows position by position.
- Unordered results compare as sorted multisets.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Optional, Sequence

REL_TOL = 1e-6
ABS_TOL = 1e-6


@dataclass
class CheckResult:
    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:  # so `assert check(...)` reads naturally
        return self.ok


# --------------------------------------------------------------------------
# Value normalisation

_INT, _NUM, _STR, _BYTES, _BOOL, _DATE, _TS, _NULL, _LIST, _DICT, _OTHER = (
    "int", "num", "str", "bytes", "bool", "date", "timestamp", "null", "list", "dict", "other",
)


def _kind(v: Any) -> str:
    if v is None:
        return _NULL
    if isinstance(v, bool):
        return _BOOL
    if isinstance(v, int):
        return _INT
    if isinstance(v, (float, Decimal)):
        return _NUM
    if isinstance(v, str):
        return _STR
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _BYTES
    if isinstance(v, _dt.datetime):  # before date: datetime is a date subclass
        return _TS
    if isinstance(v, _dt.date):
        return _DATE
    if isinstance(v, (list, tuple)):
        return _LIST
    if isinstance(v, dict):
        return _DICT
    return _OTHER


def normalize(v: Any) -> Any:
    """Turn numpy/pandas scalars and Rows into plain Python values."""
    if v is None or isinstance(v, (bool, int, float, Decimal, str, bytes, _dt.date)):
        if isinstance(v, float) and math.isnan(v):
            return float("nan")
        return v
    mod = type(v).__module__
    if mod.startswith("numpy"):
        import numpy as np

        if isinstance(v, np.generic):
            if isinstance(v, np.datetime64):
                import pandas as pd

                return None if pd.isna(v) else pd.Timestamp(v).to_pydatetime()
            return normalize(v.item())
        if isinstance(v, np.ndarray):
            return [normalize(x) for x in v.tolist()]
    if mod.startswith("pandas"):
        import pandas as pd

        if v is pd.NaT or (not isinstance(v, (list, tuple)) and pd.isna(v) is True):
            return None
        if isinstance(v, pd.Timestamp):
            return v.to_pydatetime()
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    if hasattr(v, "asDict") and callable(v.asDict):  # pyspark Row (struct)
        return [normalize(x) for x in v]
    if isinstance(v, dict):
        return {normalize(k): normalize(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [normalize(x) for x in v]
    return v


def _to_float(v: Any) -> float:
    return float(v)


def _decimal_unit(v: Any) -> Optional[float]:
    """One unit of the last place of a Decimal (0.01 for scale 2), else None."""
    if isinstance(v, Decimal) and v.is_finite():
        exp = v.as_tuple().exponent
        if isinstance(exp, int):
            return 10.0 ** exp
    return None


def values_equal(a: Any, b: Any, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """True when actual value ``a`` matches expected value ``b`` (see module doc)."""
    a, b = normalize(a), normalize(b)
    ka, kb = _kind(a), _kind(b)
    if ka == _NULL or kb == _NULL:
        return ka == kb
    if ka == _INT and kb == _INT:
        return a == b
    if ka in (_INT, _NUM) and kb in (_INT, _NUM):
        fa, fb = _to_float(a), _to_float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        if math.isinf(fa) or math.isinf(fb):
            return fa == fb
        tol = abs_tol
        units = [u for u in (_decimal_unit(a), _decimal_unit(b)) if u is not None]
        if units:
            tol = max(tol, max(units))
        return abs(fa - fb) <= max(rel_tol * max(abs(fa), abs(fb)), tol)
    if {ka, kb} <= {_DATE, _TS}:
        if ka == kb:
            return a == b
        d, ts = (a, b) if ka == _DATE else (b, a)
        return ts.time() == _dt.time(0) and ts.tzinfo is None and ts.date() == d
    if ka != kb:
        return False
    if ka == _LIST:
        return len(a) == len(b) and all(values_equal(x, y, rel_tol, abs_tol) for x, y in zip(a, b))
    if ka == _DICT:
        if len(a) != len(b):
            return False
        bs = sorted(b.items(), key=lambda kv: _sort_key(kv[0]))
        as_ = sorted(a.items(), key=lambda kv: _sort_key(kv[0]))
        return all(
            values_equal(k1, k2, rel_tol, abs_tol) and values_equal(v1, v2, rel_tol, abs_tol)
            for (k1, v1), (k2, v2) in zip(as_, bs)
        )
    return a == b


# --------------------------------------------------------------------------
# Row / result comparison

_KIND_ORDER = {k: i for i, k in enumerate([_NULL, _BOOL, _INT, _NUM, _STR, _BYTES, _DATE, _TS, _LIST, _DICT, _OTHER])}


def _sort_key(v: Any):
    """A total order over normalised values of any kind (numbers by value)."""
    k = _kind(v)
    if k in (_INT, _NUM):
        f = float(v)
        return (1, 0 if not math.isnan(f) else 1, 0.0 if math.isnan(f) else f)
    if k == _NULL:
        return (0, 0, 0)
    if k == _TS and v.time() == _dt.time(0) and v.tzinfo is None:
        v, k = v.date(), _DATE
    if k == _TS:
        return (2, _KIND_ORDER[k], v.isoformat())
    if k == _DATE:
        return (2, _KIND_ORDER[k], v.isoformat())
    if k in (_LIST,):
        return (2, _KIND_ORDER[k], tuple(_sort_key(x) for x in v))
    if k == _DICT:
        return (2, _KIND_ORDER[k], tuple(sorted((_sort_key(x), _sort_key(y)) for x, y in v.items())))
    return (2, _KIND_ORDER[k], repr(v) if k == _OTHER else v)


def _exact_key(v: Any):
    """Grouping key for a value in a column where tolerance does not apply."""
    return _sort_key(v)


def rows_equal(a: Sequence[Any], b: Sequence[Any], rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    return len(a) == len(b) and all(values_equal(x, y, rel_tol, abs_tol) for x, y in zip(a, b))


def _fmt_row(r: Sequence[Any], limit: int = 200) -> str:
    s = "(" + ", ".join(repr(normalize(v)) for v in r) + ")"
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _numeric_columns(rows_a, rows_b, ncols: int) -> set:
    """Columns holding non-integer numbers on either side (compared with tolerance)."""
    cols = set()
    for rows in (rows_a, rows_b):
        for r in rows:
            for i in range(ncols):
                if i not in cols and _kind(normalize(r[i])) == _NUM:
                    cols.add(i)
    return cols


def _multiset_diff(actual, expected, rel_tol, abs_tol) -> Optional[str]:
    """None when the rows are equal as multisets, else a description."""
    ncols = len(expected[0]) if expected else (len(actual[0]) if actual else 0)
    tol_cols = _numeric_columns(actual, expected, ncols)

    def key(r):
        exact = tuple(_exact_key(normalize(r[i])) for i in range(ncols) if i not in tol_cols)
        approx = tuple(_sort_key(normalize(r[i])) for i in sorted(tol_cols))
        return (exact, approx)

    sa = sorted(actual, key=key)
    sb = sorted(expected, key=key)
    bad = None
    for i, (x, y) in enumerate(zip(sa, sb)):
        if not rows_equal(x, y, rel_tol, abs_tol):
            bad = i
            break
    if bad is None:
        return None
    # Sorting can separate rows whose tolerance-compared numbers differ in
    # the last digits; match within groups of equal exact-columns instead.
    groups: dict = {}
    for r in expected:
        groups.setdefault(key(r)[0], []).append(r)
    for r in actual:
        g = groups.get(key(r)[0])
        if not g:
            return f"row {_fmt_row(r)} is not in the expected answer"
        for j, y in enumerate(g):
            if rows_equal(r, y, rel_tol, abs_tol):
                g.pop(j)
                break
        else:
            return f"row {_fmt_row(r)} differs from expected {_fmt_row(g[0])}"
    missing = [r for g in groups.values() for r in g]
    if missing:
        return f"expected row {_fmt_row(missing[0])} is missing"
    return None


def compare(
    actual: Iterable[Sequence[Any]],
    expected: Iterable[Sequence[Any]],
    *,
    order_keys: Optional[Sequence[int]] = None,
    ordered: bool = False,
    rel_tol: float = REL_TOL,
    abs_tol: float = ABS_TOL,
) -> CheckResult:
    """Check ``actual`` against ``expected``; see the module docstring."""
    actual = [list(r) for r in actual]
    expected = [list(r) for r in expected]
    if len(actual) != len(expected):
        return CheckResult(False, f"{len(actual)} rows, expected {len(expected)}")
    if not expected:
        return CheckResult(True)
    ncols = len(expected[0])
    for i, r in enumerate(actual):
        if len(r) != ncols:
            return CheckResult(False, f"row {i} has {len(r)} columns, expected {ncols}")
    if order_keys:
        for i, (x, y) in enumerate(zip(actual, expected)):
            for k in order_keys:
                if not values_equal(x[k], y[k], rel_tol, abs_tol):
                    return CheckResult(
                        False,
                        f"order: row {i} column {k} is {normalize(x[k])!r}, expected {normalize(y[k])!r}",
                    )
    elif ordered:
        for i, (x, y) in enumerate(zip(actual, expected)):
            if not rows_equal(x, y, rel_tol, abs_tol):
                return CheckResult(False, f"row {i} is {_fmt_row(x)}, expected {_fmt_row(y)}")
        return CheckResult(True)
    diff = _multiset_diff(actual, expected, rel_tol, abs_tol)
    if diff:
        return CheckResult(False, diff)
    return CheckResult(True)
