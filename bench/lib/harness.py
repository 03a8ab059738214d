"""A small template for micro-benchmarks (latency, operators, UDFs, shuffle ...).

    from bench.lib.harness import Bench

    def workload(spark, ctx):
        # warm up, then time whatever you measure; return named metrics
        return {"seconds": [t1, t2, ...], "rows": 1000}

    b = Bench("udf-throughput", "UDF throughput", engines=["ember", "sail", "spark"])
    b.run(workload)                     # each engine alone: start, workload, stop
    b.table(["p50 ms", ...], lambda m: [...])   # or b.ratio_table(metric=...)
    b.write_doc(extra_markdown)         # replaces its section in docs/benchmarks.md

Each engine is started with bench.lib.servers.start_server (so it runs alone
on the machine), its process tree's RSS and CPU are sampled while the
workload runs, and a missing or failing engine is recorded as unavailable /
failed instead of stopping the run. A workload for DuckDB (native, no Spark
Connect) can be given as ``duckdb_workload(ctx)``; it runs in this process.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

from bench.lib import report as rp
from bench.lib.servers import (CONNECT_ENGINES, EngineUnavailable, ProcessTreeSampler, Server,
                               engine_version, start_server)

NCORES = os.cpu_count() or 1


@dataclass
class EngineResult:
    engine: str
    status: str = "ok"  # ok | unavailable | failed
    reason: str = ""
    ready_seconds: Optional[float] = None
    peak_rss: Optional[int] = None
    cpu_util: Optional[float] = None
    wall_seconds: Optional[float] = None
    metrics: Dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Context:
    """What a workload gets besides the session."""
    engine: str
    server: Optional[Server]
    sampler: Optional[ProcessTreeSampler]


class Bench:
    def __init__(self, key: str, title: str, engines: Sequence[str]):
        self.key = key
        self.title = title
        self.engines = list(engines)
        self.results: Dict[str, EngineResult] = {}
        self.t0 = time.perf_counter()
        self.load0 = os.getloadavg()[0]
        self.tables_md: List[str] = []
        self.tables_txt: List[str] = []
        self.started = rp.now_str()
        self.versions = {e: engine_version(e) for e in self.engines}

    # -- running -------------------------------------------------------------
    def run(self, workload: Callable[[Any, Context], Dict[str, Any]],
            duckdb_workload: Optional[Callable[[Context], Dict[str, Any]]] = None) -> Dict[str, EngineResult]:
        for e in self.engines:
            if e == "duckdb":
                if duckdb_workload is not None:
                    self.results[e] = self._run_local(e, duckdb_workload)
                continue
            if e not in CONNECT_ENGINES:
                raise ValueError(f"unknown engine {e}")
            self.results[e] = self._run_connect(e, workload)
        return self.results

    def _run_connect(self, engine: str, workload) -> EngineResult:
        res = EngineResult(engine)
        print(f"[{engine}] starting", flush=True)
        try:
            srv = start_server(engine)
        except EngineUnavailable as ex:
            res.status, res.reason = "unavailable", str(ex).splitlines()[0]
            print(f"[{engine}] unavailable: {res.reason}", flush=True)
            return res
        res.ready_seconds = srv.ready_seconds
        print(f"[{engine}] ready in {srv.ready_seconds:.2f} s", flush=True)
        spark = None
        try:
            spark = srv.session()
            ctx = Context(engine, srv, srv.sampler)
            c0, w0 = srv.sampler.cpu_seconds(), time.perf_counter()
            res.metrics = workload(spark, ctx) or {}
            res.wall_seconds = time.perf_counter() - w0
            res.cpu_util = (srv.sampler.cpu_seconds() - c0) / (res.wall_seconds * NCORES)
        except Exception as ex:  # noqa: BLE001 - a failing engine is a result
            res.status = "failed"
            res.reason = f"{type(ex).__name__}: {str(ex).strip().splitlines()[0] if str(ex).strip() else ''}"[:300]
            print(f"[{engine}] failed: {res.reason}", flush=True)
            if os.environ.get("EMBER_BENCH_DEBUG"):
                traceback.print_exc()
        finally:
            if spark is not None:
                try:
                    spark.stop()
                except Exception:
                    pass
            res.peak_rss = srv.sampler.peak_rss if srv.sampler else None
            srv.stop()
        return res

    def _run_local(self, engine: str, workload) -> EngineResult:
        res = EngineResult(engine)
        sampler = ProcessTreeSampler(os.getpid()).start()
        try:
            c0, w0 = sampler.cpu_seconds(), time.perf_counter()
            res.metrics = workload(Context(engine, None, sampler)) or {}
            res.wall_seconds = time.perf_counter() - w0
            res.cpu_util = (sampler.cpu_seconds() - c0) / (res.wall_seconds * NCORES)
        except Exception as ex:  # noqa: BLE001
            res.status, res.reason = "failed", f"{type(ex).__name__}: {ex}"[:300]
        finally:
            sampler.stop()
            res.peak_rss = sampler.peak_rss
        return res

    # -- reporting -----------------------------------------------------------
    def ratio_table(self, rows: Sequence[tuple], base: str = "ember",
                    peers: Sequence[str] = ("sail", "spark", "duckdb"), fmt=rp.fmt_s,
                    extra_pairs: Sequence[tuple] = (), caption: str = "") -> None:
        """rows: (label, metric_fn(EngineResult) -> float|None). Adds a table with one
        column per engine, base/peer ratio columns and any ``extra_pairs`` (a, b) ratios."""
        engines = [e for e in self.engines if e in self.results]
        pairs = [(base, p) for p in peers if p in engines and p != base] if base in engines else []
        pairs += [(a, b) for a, b in extra_pairs if a in engines and b in engines]
        headers = ["Metric"] + engines + [f"{a}/{b}" for a, b in pairs]
        out = []
        for label, fn in rows:
            vals = {e: (fn(self.results[e]) if self.results[e].ok else None) for e in engines}
            row = [label] + [fmt(vals[e]) if self.results[e].ok else self.results[e].status for e in engines]
            row += [rp.fmt_ratio(rp.ratio(vals[a], vals[b])) for a, b in pairs]
            out.append(row)
        self.add_table(headers, out, caption=caption)

    def engine_table(self) -> None:
        headers = ["Engine", "status", "start→ready s", "peak RSS MiB", "CPU util", "version"]
        rows = []
        for e in self.engines:
            r = self.results.get(e)
            if r is None:
                continue
            rows.append([e, r.status + (f" ({r.reason[:80]})" if r.reason else ""), rp.fmt_s(r.ready_seconds),
                         rp.fmt_mib(r.peak_rss), rp.fmt_pct(r.cpu_util), self.versions.get(e, "")])
        self.add_table(headers, rows, caption="Per engine")

    def add_table(self, headers, rows, caption: str = "") -> None:
        self.tables_txt.append((f"\n{caption}\n" if caption else "\n") + rp.text_table(headers, rows))
        self.tables_md.append((f"\n{caption}:\n\n" if caption else "\n") + rp.md_table(headers, rows))

    def print(self) -> None:
        print("\n".join(self.tables_txt), flush=True)

    def markdown(self, intro: str = "") -> str:
        md = rp.header_md(self.title, self.versions, started=self.started)
        load1 = os.getloadavg()[0]
        if max(self.load0, load1) > 0.5:
            md += (f"\n\nNote: the machine was shared while this ran (load average {self.load0:.2f} at start, "
                   f"{load1:.2f} at the end, {NCORES} cores); numbers are noisy.")
        if intro:
            md += "\n\n" + intro.strip()
        return md + "\n" + "\n".join(self.tables_md)

    def write_doc(self, intro: str = "") -> None:
        path = rp.update_doc_section(self.key, self.markdown(intro))
        print(f"report: {path}", flush=True)
