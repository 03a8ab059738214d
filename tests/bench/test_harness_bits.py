"""Engine-free tests of the benchmark harness pieces: query catalogue and report helpers."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from bench.lib import report as rp  # noqa: E402
from bench.tpch import queries  # noqa: E402


def test_all_22_sql_files_and_order_keys():
    assert queries.QUERY_IDS == list(range(1, 23))
    for q in queries.QUERY_IDS:
        text = queries.sql(q)
        assert text.lower().startswith(("select", "with")), q
        assert "--" not in text  # comments stripped
        assert q in queries.ORDER_KEYS
        keys = queries.ORDER_KEYS[q]
        assert (keys is None) == ("order by" not in text.lower()), q


def test_q11_fraction_scales_with_sf():
    assert "* 0.0001\n" in queries.sql(11, 1)
    assert "* 0.00001\n" in queries.sql(11, 10)
    assert "0.0000001" in queries.sql(11, 1000)
    assert queries.Q11_FRACTION_LITERAL not in queries.sql(11, 1)


def test_parse_query_list():
    assert queries.parse_query_list(None) == list(range(1, 23))
    assert queries.parse_query_list("all") == list(range(1, 23))
    assert queries.parse_query_list("1-3,q7, 5") == [1, 2, 3, 5, 7]
    with pytest.raises(ValueError):
        queries.parse_query_list("23")


def test_stats_and_format():
    assert rp.median([3, 1, 2]) == 2
    assert rp.percentile(list(range(1, 101)), 99) == 99
    assert rp.percentile(list(range(1, 101)), 50) == 50
    assert abs(rp.geomean([1, 4]) - 2) < 1e-12
    assert rp.ratio(1, 0) is None and rp.ratio(None, 1) is None
    assert rp.fmt_ratio(2) == "2.00x"
    t = rp.md_table(["Q", "a"], [["Q01", "1|2"]])
    assert "1\\|2" in t and t.splitlines()[1] == "| --- | ---: |"


def test_update_doc_section(tmp_path):
    doc = tmp_path / "b.md"
    doc.write_text("# Benchmarks\n\nhand-written\n")
    rp.update_doc_section("x", "## X\nfirst", doc)
    rp.update_doc_section("y", "## Y\nother", doc)
    rp.update_doc_section("x", "## X\nsecond", doc)
    text = doc.read_text()
    assert "hand-written" in text and "second" in text and "first" not in text and "other" in text
    assert text.index("## X") < text.index("## Y")


def test_scan_rounds_merge_medians_and_keep_failures():
    from types import SimpleNamespace

    from bench.lib.rounds import merge_rounds

    def res(engine, metrics, rss=100, ok=True):
        return SimpleNamespace(engine=engine, ok=ok, peak_rss=rss, ready_seconds=0.1, wall_seconds=1.0,
                               cpu_util=0.5, metrics=metrics)

    rounds = [
        {"ember": res("ember", {"q": (("1",), 0.30, 10), "e": (("1",), 0.1, 5)}),
         "duckdb": res("duckdb", {"q": (("1",), 0.2, 7), "e": ("error", "boom")})},
        {"ember": res("ember", {"q": (("1",), 0.10, 30), "e": (("2",), 0.1, 5)}, rss=300),
         "duckdb": res("duckdb", {"q": (("1",), 0.4, 9), "e": (("1",), 0.1, 5)})},
        {"ember": res("ember", {"q": (("1",), 0.20, 20), "e": (("1",), 0.1, 5)}),
         "duckdb": res("duckdb", {"q": (("1",), 0.3, 8), "e": (("1",), 0.1, 5)}, ok=False)},
    ]
    m = merge_rounds(rounds, ["ember", "duckdb"], ["q", "e"])
    assert m["ember"].metrics["q"] == (("1",), 0.20, 30)
    assert m["ember"].peak_rss == 300
    assert m["ember"].metrics["e"][0] == "error"  # answers differ between rounds
    assert not m["duckdb"].ok  # failed in a round
