"""Results of a benchmark run several times ("rounds") merged into one per
engine. Kept free of the harness's imports so that engine-free tests can
use it."""

from __future__ import annotations

import copy
import statistics


def merge_rounds(rounds, engines, names):
    """One EngineResult per engine from several rounds: per query the first
    answer, the median of the rounds' median times and the highest peak
    RSS; an engine that failed or errored in any round keeps that."""
    out = {}
    for e in engines:
        runs = [r[e] for r in rounds if e in r]
        if not runs:
            continue
        bad = next((x for x in runs if not x.ok), None)
        if bad is not None or len(runs) == 1:
            out[e] = bad or runs[0]
            continue
        m = copy.copy(runs[0])
        m.metrics = {}
        for q in names:
            vals = [x.metrics.get(q) for x in runs]
            err = next((v for v in vals if not v or v[0] == "error"), None)
            if err is not None or any(v[0] != vals[0][0] for v in vals):
                m.metrics[q] = err or ("error", "answers differ between rounds")
                continue
            rss = [v[2] for v in vals if v[2] is not None]
            m.metrics[q] = (vals[0][0], statistics.median(v[1] for v in vals), max(rss) if rss else None)
        m.peak_rss = max((x.peak_rss for x in runs if x.peak_rss is not None), default=None)
        m.ready_seconds = statistics.median(x.ready_seconds for x in runs) if runs[0].ready_seconds is not None else None
        m.wall_seconds = sum(x.wall_seconds or 0 for x in runs)
        cpu = [x.cpu_util for x in runs if x.cpu_util is not None]
        m.cpu_util = statistics.median(cpu) if cpu else None
        out[e] = m
    return out
