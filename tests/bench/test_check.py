"""Unit tests of the benchmark answer checker (bench/lib/check.py).

Needs no engine: the answers are literal rows. Run with
    .venv/bin/python -m pytest tests/bench
"""

import datetime as dt
import os
import sys
from decimal import Decimal

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from bench.lib.check import compare, values_equal  # noqa: E402

# A Q1-like answer: strings, money sums (Decimal scale 2 and 4), averages, a count.
Q1 = [
    ("A", "F", Decimal("37734107.00"), Decimal("53758257134.8700"), 25.522005853257337, 1478493),
    ("N", "F", Decimal("991417.00"), Decimal("1487504710.3800"), 25.516471920522985, 38854),
    ("N", "O", Decimal("74476040.00"), Decimal("106310978468.7500"), 25.502226769584993, 2920374),
    ("R", "F", Decimal("37719753.00"), Decimal("53741292684.6040"), 25.50579361269077, 1478870),
]
Q1_KEYS = [0, 1]


def test_equal_answers_pass():
    assert compare(Q1, list(Q1), order_keys=Q1_KEYS)
    assert compare(Q1, list(Q1))


def test_within_tolerance_passes():
    # Spark returns avg(decimal) as a rounded decimal, DuckDB as a double;
    # sums computed in double differ in the last digits.
    other = [
        (r[0], r[1], float(r[2]) * (1 + 1e-12), r[3], Decimal(str(round(r[4], 6))), r[5])
        for r in Q1
    ]
    assert compare(other, Q1, order_keys=Q1_KEYS)
    # money rounded differently by one cent
    assert values_equal(Decimal("1487504710.38"), Decimal("1487504710.37"))
    assert values_equal(Decimal("0.05"), 0.0499999999)


def test_changed_value_is_mismatch():
    bad = list(Q1)
    bad[2] = bad[2][:5] + (bad[2][5] + 1,)  # count off by one: integers are exact
    r = compare(bad, Q1, order_keys=Q1_KEYS)
    assert not r.ok and "2920375" in r.reason

    bad = list(Q1)
    bad[0] = bad[0][:2] + (Decimal("37734207.00"),) + bad[0][3:]  # a sum off by 100.00 (2.7e-6)
    assert not compare(bad, Q1, order_keys=Q1_KEYS).ok
    assert not compare(bad, Q1).ok

    bad = list(Q1)
    bad[1] = (bad[1][0], "X") + bad[1][2:]  # a string changed
    assert not compare(bad, Q1, order_keys=Q1_KEYS).ok
    assert not compare(bad, Q1).ok


def test_small_values_are_not_swallowed_by_money_tolerance():
    assert not values_equal(0.049985295838397614, 0.0509)
    assert not values_equal(0.05, 0.06)


def test_missing_row_is_mismatch():
    r = compare(Q1[:3], Q1, order_keys=Q1_KEYS)
    assert not r.ok and "rows" in r.reason
    assert not compare(Q1[1:], Q1).ok


def test_extra_or_duplicated_row_is_mismatch():
    assert not compare(Q1 + [Q1[0]], Q1).ok
    dup = [Q1[0], Q1[0], Q1[2], Q1[3]]  # same length, one row replaced by a duplicate
    assert not compare(dup, Q1).ok


def test_reordered_ordered_result_is_mismatch():
    swapped = [Q1[1], Q1[0], Q1[2], Q1[3]]
    r = compare(swapped, Q1, order_keys=Q1_KEYS)
    assert not r.ok and "order" in r.reason
    assert not compare(swapped, Q1, ordered=True).ok
    # without ORDER BY the same rows in another order are fine
    assert compare(swapped, Q1)


def test_ties_on_order_keys_may_come_in_any_order():
    exp = [(10, "a"), (10, "b"), (7, "c")]
    act = [(10, "b"), (10, "a"), (7, "c")]
    assert compare(act, exp, order_keys=[0])
    assert not compare(act, exp, order_keys=[0, 1]).ok


def test_wrong_type_is_mismatch():
    bad = [r[:5] + (str(r[5]),) for r in Q1]  # count as a string
    assert not compare(bad, Q1, order_keys=Q1_KEYS).ok
    assert not compare(bad, Q1).ok
    assert not values_equal("42", 42)
    assert not values_equal(42, "42")
    assert not values_equal("1995-03-05", dt.date(1995, 3, 5))
    assert not values_equal(True, 1)
    assert not values_equal(None, 0)


def test_column_count_mismatch():
    bad = [r[:5] for r in Q1]
    assert not compare(bad, Q1).ok


def test_dates_normalised():
    assert values_equal(dt.datetime(1995, 3, 5), dt.date(1995, 3, 5))
    assert not values_equal(dt.datetime(1995, 3, 5, 1), dt.date(1995, 3, 5))
    assert not values_equal(dt.date(1995, 3, 6), dt.date(1995, 3, 5))
    exp = [(1, dt.date(1995, 3, 5)), (2, dt.date(1996, 1, 1))]
    act = [(2, dt.datetime(1996, 1, 1)), (1, dt.datetime(1995, 3, 5))]
    assert compare(act, exp)


def test_nulls_and_nan():
    assert compare([(None, 1.0)], [(None, 1.0)])
    assert not compare([(None,)], [(0,)]).ok
    assert values_equal(float("nan"), float("nan"))
    assert not values_equal(float("nan"), 1.0)


def test_unordered_with_float_noise_and_duplicates():
    exp = [("x", 1.0), ("x", 2.0), ("y", 1.0), ("x", 1.0)]
    act = [("x", 2.0 + 1e-9), ("x", 1.0), ("y", 1.0 - 1e-9), ("x", 1.0 + 1e-9)]
    assert compare(act, exp)
    act[1] = ("y", 1.0)
    assert not compare(act, exp).ok


def test_empty_results():
    assert compare([], [])
    assert not compare([], [(1,)]).ok


@pytest.mark.parametrize("n", [1, 1000])
def test_large_unordered_result(n):
    exp = [(i % 7, f"s{i}", Decimal(i) / 3) for i in range(n)]
    act = list(reversed(exp))
    assert compare(act, exp)
