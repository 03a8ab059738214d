"""TPC-H: Ember side by side with Sail, Spark and DuckDB.

    bench/run [--sf 1] [--engines ember,sail,spark,duckdb] [--queries 1-22]
              [--runs 3] [--form sql|dataframe|both] [--url sc://host:port]

DuckDB runs first (natively, in a child process, over the same Parquet
files): its answers are the reference every other engine is checked against.
Then each Spark Connect engine in turn runs ALONE on the machine: start the
server, register the tables (temp views over spark.read.parquet(dir)), run
every query 1 cold + N hot times, stop it, next engine. A query's time is
the wall time of building the DataFrame and collect() on the client,
including the transfer of the (small) answer.

Per query and engine the outcome is one of: ok, mismatch (answer differs from
DuckDB's), unsupported (the engine raised an error; its error class is kept),
timeout, crash (server died), unavailable (the server could not be started).
Results go to stdout, to docs/benchmarks.md (section `tpch-sf<SF>`), and as
JSON to ~/.cache/ember/bench-results/.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bench.lib import check as checker
from bench.lib import report as rp
from bench.lib.servers import (ALL_ENGINES, CONNECT_ENGINES, EngineUnavailable, ProcessTreeSampler,
                               Server, connect, engine_version, start_server)
from bench.tpch import datagen, queries
from bench.tpch.queries import ORDER_KEYS, dataframe

RESULTS_DIR = Path(os.environ.get("EMBER_BENCH_RESULTS", Path.home() / ".cache" / "ember" / "bench-results"))
STATUS_OK = "ok"
NCORES = os.cpu_count() or 1


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------
# errors


def error_info(e: BaseException) -> tuple:
    """(error class, one-line message) of an exception from any client.

    The class is Spark's error condition when the server sent one
    (PySparkException.getCondition(), formerly getErrorClass()), else the gRPC
    status code of a bare RPC failure, else the exception's type name."""
    cls = ""
    getter = getattr(e, "getCondition", None) or getattr(e, "getErrorClass", None)
    if callable(getter):
        try:
            cls = getter() or ""
        except Exception:
            cls = ""
    text = " ".join(str(e).split())
    m = re.search(r"status = StatusCode\.(\w+)", text)
    if m:
        d = re.search(r'details = "(.*?)"', text)
        text = f"gRPC {m.group(1)}: {d.group(1) if d else ''}".strip()
        cls = cls or m.group(1)
    if not cls:
        cls = type(e).__name__
    return cls, (text or repr(e))[:400]


class _Timeout(Exception):
    pass


def call_with_timeout(fn: Callable[[], Any], timeout: float, on_timeout: Callable[[], None]) -> Any:
    """Run fn in a thread; on timeout call on_timeout (interrupt) and raise _Timeout."""
    box: Dict[str, Any] = {}

    def target():
        try:
            box["v"] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            box["e"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(timeout)
    if th.is_alive():
        try:
            on_timeout()
        except Exception:
            pass
        th.join(30)
        raise _Timeout(th.is_alive())
    if "e" in box:
        raise box["e"]
    return box.get("v")


# --------------------------------------------------------------------------
# DuckDB (reference)


def run_duckdb(args, qids: List[int], runs: int) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ember-bench-duckdb-") as tmp:
        out = Path(tmp) / "res.pkl"
        cmd = [sys.executable, "-m", "bench.tpch.duckdb_worker", "--sf", f"{args.sf:g}",
               "--queries", ",".join(map(str, qids)), "--runs", str(runs), "--out", str(out)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=str(rp.REPO))
        sampler = ProcessTreeSampler(proc.pid).start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        sampler.stop()
        if rc != 0 or not out.exists():
            return {"status": "unavailable", "reason": f"duckdb worker exited with {rc}", "queries": {}}
        with open(out, "rb") as f:
            res = pickle.load(f)
    res["status"] = "ok"
    res["peak_rss"] = sampler.peak_rss
    res["wall_seconds"] = wall
    cpu = sum(q.get("cpu_seconds", 0) for q in res["queries"].values())
    qwall = sum(q.get("wall_seconds", 0) for q in res["queries"].values())
    res["cpu_util"] = cpu / (qwall * NCORES) if qwall else None
    for q in res["queries"].values():
        q["cpu_util"] = q["cpu_seconds"] / (q["wall_seconds"] * NCORES) if q.get("wall_seconds") else None
        q["peak_rss"] = None
    return res


# --------------------------------------------------------------------------
# Spark Connect engines


class ConnectRunner:
    """Runs the queries on one Spark Connect engine, restarting a crashed server."""

    MAX_RESTARTS = 2

    def __init__(self, engine: str, args, url: Optional[str] = None):
        self.engine = engine
        self.args = args
        self.url = url  # an already running server (no start/stop, no RSS)
        self.srv: Optional[Server] = None
        self.spark = None
        self.restarts = 0
        self.views_error: Optional[tuple] = None
        self.info: Dict[str, Any] = {"status": "ok", "reason": "", "ready_seconds": None,
                                     "restarts": 0, "degraded": ""}

    # lifecycle -------------------------------------------------------------
    def start(self) -> None:
        if self.url:
            self.spark = connect(self.url)
        else:
            self.srv = start_server(self.engine)
            if self.info["ready_seconds"] is None:
                self.info["ready_seconds"] = self.srv.ready_seconds
                self.info["degraded"] = self.srv.degraded
                self.info["log"] = str(self.srv.log_path)
            self.spark = self.srv.session()
        self.register_views()

    def stop(self) -> None:
        if self.spark is not None:
            try:
                self.spark.stop()
            except Exception:
                pass
            self.spark = None
        if self.srv is not None:
            s = self.srv.sampler
            if s:
                self.info["peak_rss"] = max(self.info.get("peak_rss") or 0, s.peak_rss)
            self.srv.stop()
            self.srv = None

    def alive(self) -> bool:
        return self.srv is None or self.srv.alive()

    def restart(self) -> bool:
        if self.url or self.restarts >= self.MAX_RESTARTS:
            return False
        self.restarts += 1
        self.info["restarts"] = self.restarts
        self.stop()
        try:
            self.start()
            return True
        except EngineUnavailable as e:
            self.info["reason"] = f"restart failed: {e}"
            return False

    def register_views(self) -> None:
        self.views_error = None
        for t in datagen.TABLES:
            try:
                self.spark.read.parquet(str(datagen.table_path(self.args.sf, t))).createOrReplaceTempView(t)
            except Exception as e:  # noqa: BLE001
                self.views_error = error_info(e)
                return

    # measurement -----------------------------------------------------------
    def cpu(self) -> float:
        return self.srv.sampler.cpu_seconds() if self.srv and self.srv.sampler else 0.0

    def builder(self, qid: int, form: str) -> Callable[[], Any]:
        spark = self.spark
        if form == "sql":
            text = queries.sql(qid, self.args.sf)
            return lambda: spark.sql(text)
        fn = dataframe.QUERIES[qid]

        def loader(name: str):
            return spark.read.parquet(str(datagen.table_path(self.args.sf, name)))

        loader.sf = self.args.sf
        return lambda: fn(spark, loader)

    def run_query(self, qid: int, form: str, runs: int) -> Dict[str, Any]:
        r: Dict[str, Any] = {"status": STATUS_OK, "error_class": "", "message": "", "cold": None,
                             "hot": [], "rows": None, "cpu_util": None, "peak_rss": None}
        if form == "sql" and self.views_error:
            r.update(status="unsupported", error_class=self.views_error[0],
                     message="registering the tables failed: " + self.views_error[1])
            return r
        sampler = self.srv.sampler if self.srv else None
        if sampler:
            sampler.reset_window()
        c0, w0 = self.cpu(), time.perf_counter()
        try:
            for i in range(1 + runs):
                build = self.builder(qid, form)

                def once():
                    s = time.perf_counter()
                    rows = build().collect()
                    return rows, time.perf_counter() - s

                rows, dt = call_with_timeout(once, self.args.timeout, self.interrupt)
                if i == 0:
                    r["cold"], r["rows"] = dt, [list(x) for x in rows]
                else:
                    r["hot"].append(dt)
        except _Timeout as t:
            r.update(status="timeout", error_class="TIMEOUT",
                     message=f"no answer within {rp.fmt_s(self.args.timeout)} s" + (" (stuck)" if t.args[0] else ""))
            if t.args[0] or not self.alive():  # the client thread is stuck: restart the server
                self.restart()
        except Exception as e:  # noqa: BLE001
            cls, msg = error_info(e)
            if not self.alive():
                r.update(status="crash", error_class=cls,
                         message=f"server died (exit {self.srv.proc.returncode}): {msg}")
                self.restart()
            else:
                r.update(status="unsupported", error_class=cls, message=msg)
        wall = time.perf_counter() - w0
        if self.srv and self.srv.alive():
            r["cpu_util"] = (self.cpu() - c0) / (wall * NCORES) if wall > 0 else None
            r["cpu_seconds"] = self.cpu() - c0
        r["wall_seconds"] = wall
        if sampler:
            r["peak_rss"] = sampler.window_peak_rss
        return r

    def interrupt(self) -> None:
        if self.spark is not None:
            self.spark.interruptAll()


def run_connect_engine(engine: str, args, qids: List[int], forms: List[str], ref: Dict[int, Any]) -> Dict[str, Any]:
    runner = ConnectRunner(engine, args, url=args.url if args.url else None)
    out: Dict[str, Any] = {"info": runner.info, "queries": {f: {} for f in forms}}
    t0 = time.perf_counter()
    try:
        runner.start()
    except EngineUnavailable as e:
        runner.info.update(status="unavailable", reason=str(e))
        log(f"[{engine}] unavailable: {e}")
        for f in forms:
            for q in qids:
                out["queries"][f][q] = {"status": "unavailable", "error_class": "UNAVAILABLE",
                                        "message": str(e).splitlines()[0], "hot": []}
        return out
    log(f"[{engine}] ready in {runner.info['ready_seconds'] or 0:.2f} s"
        + (f" ({runner.info['degraded']})" if runner.info["degraded"] else ""))
    if runner.views_error:
        log(f"[{engine}] registering tables failed: {runner.views_error[0]}: {runner.views_error[1]}")
    cpu_total = wall_total = 0.0
    try:
        for q in qids:
            for f in forms:
                if runner.spark is None or (runner.srv is not None and not runner.srv.alive()):
                    r = {"status": "crash", "error_class": "SERVER_DOWN",
                         "message": runner.info.get("reason") or "server is down", "hot": []}
                else:
                    r = runner.run_query(q, f, args.runs)
                if r["status"] == STATUS_OK:
                    if q in ref:
                        c = checker.compare(r["rows"], ref[q], order_keys=ORDER_KEYS[q])
                        if not c.ok:
                            r.update(status="mismatch", error_class="MISMATCH", message=c.reason)
                    else:
                        r["unchecked"] = True
                cpu_total += r.get("cpu_seconds") or 0
                wall_total += r.get("wall_seconds") or 0
                r.pop("rows", None)
                out["queries"][f][q] = r
                log(f"[{engine}] q{q:02d} {f:9s} {describe(r)}")
    finally:
        runner.stop()
    runner.info["cpu_util"] = cpu_total / (wall_total * NCORES) if wall_total else None
    runner.info["wall_seconds"] = time.perf_counter() - t0
    return out


def describe(r: Dict[str, Any]) -> str:
    if r["status"] == STATUS_OK or r["status"] == "mismatch":
        hot = " ".join(rp.fmt_s(x) for x in r["hot"])
        s = f"cold {rp.fmt_s(r['cold'])} s, hot {hot} s"
        if r.get("peak_rss"):
            s += f", rss {rp.fmt_mib(r['peak_rss'])} MiB"
        if r["status"] != STATUS_OK:
            s += f"  MISMATCH: {r['message']}"
        elif r.get("unchecked"):
            s += "  (unchecked: no reference answer)"
        return s
    return f"{r['status'].upper()}: {r['error_class']}: {r['message'][:200]}"


# --------------------------------------------------------------------------
# report


def short_message(msg: str, limit: int = 240) -> str:
    """One line without the server's stack trace and SQLSTATE tail."""
    for cut in (" JVM stacktrace", " SQLSTATE:"):
        i = msg.find(cut)
        if i > 0:
            msg = msg[:i]
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def query_ranges(ids: List[int]) -> str:
    """[1, 2, 3, 5] -> 'Q01-Q03, Q05'."""
    out, i = [], 0
    ids = sorted(ids)
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(f"Q{ids[i]:02d}" + (f"-Q{ids[j]:02d}" if j > i else ""))
        i = j + 1
    return ", ".join(out)


def build_report(res: Dict[str, Any]) -> tuple:
    """(text for the terminal, markdown for docs/benchmarks.md)."""
    meta = res["meta"]
    engines = meta["engines"]
    qids = meta["queries"]
    text_parts, md_parts = [], []
    versions = meta.get("versions") or {e: engine_version(e) for e in engines}
    md_parts.append(rp.header_md(
        f"TPC-H SF{meta['sf']:g}" + (", SQL form" if doc_key(meta).endswith("-sql") else ""),
        versions,
        {"Runs": f"1 cold + {meta['runs']} hot per query; times are the median of the hot runs, "
                 f"in seconds, measured by the client (build + collect). Whole run: "
                 f"{meta['wall_seconds'] / 60:.1f} min. Command: `{meta['command']}`."},
        started=meta.get("date"),
        load_text=(f"1-min load average {meta['load'][0]:.2f} at start, {meta['load'][1]:.2f} at the end"
                   if meta.get("load") else None),
    ))
    if meta.get("noisy"):
        md_parts.append("\n" + meta["noisy"])

    def q(engine, form, qid):
        e = res["engines"].get(engine, {})
        if engine == "duckdb":
            return e.get("queries", {}).get(qid)
        return e.get("queries", {}).get(form, {}).get(qid)

    def hot(engine, form, qid):
        r = q(engine, form, qid)
        return rp.median(r["hot"]) if r and r["status"] == STATUS_OK and r.get("hot") else None

    def cold(engine, form, qid):
        r = q(engine, form, qid)
        return r.get("cold") if r and r["status"] == STATUS_OK else None

    def cell(engine, form, qid, value):
        r = q(engine, form, qid)
        if r is None:
            return "—"
        if r["status"] != STATUS_OK:
            return r["status"]
        return rp.fmt_s(value)

    peers = [e for e in ("sail", "spark", "duckdb") if e in engines]
    for form in meta["forms"]:
        title = f"TPC-H SF{meta['sf']:g}, {'SQL' if form == 'sql' else 'DataFrame API'} form"
        if form == "dataframe" and "duckdb" in engines:
            title += " (DuckDB column: its SQL times)"
        headers = ["Query"] + engines + [f"ember/{p}" for p in peers if "ember" in engines]
        rows = []
        for qid in qids:
            row = [f"Q{qid:02d}"] + [cell(e, form, qid, hot(e, form, qid)) for e in engines]
            if "ember" in engines:
                row += [rp.fmt_ratio(rp.ratio(hot("ember", form, qid), hot(p, form, qid))) for p in peers]
            rows.append(row)
        # totals over each engine's ok queries, ratios over the queries both answered correctly
        tot = ["Total"]
        for e in engines:
            vals = [hot(e, form, x) for x in qids]
            ok = [v for v in vals if v is not None]
            tot.append(rp.fmt_s(sum(ok)) + ("" if len(ok) == len(qids) else f" ({len(ok)}/{len(qids)})") if ok else "—")
        gm = ["Geomean"] + [rp.fmt_s(rp.geomean(hot(e, form, x) for x in qids)) for e in engines]
        if "ember" in engines:
            for p in peers:
                common = [x for x in qids if hot("ember", form, x) is not None and hot(p, form, x) is not None]
                tot.append(rp.fmt_ratio(rp.ratio(sum(hot("ember", form, x) for x in common),
                                                 sum(hot(p, form, x) for x in common))) if common else "—")
                gm.append(rp.fmt_ratio(rp.geomean(hot("ember", form, x) / hot(p, form, x) for x in common))
                          if common else "—")
        rows += [tot, gm]
        text_parts.append(f"\n{title}: median hot time (s)\n" + rp.text_table(headers, rows))
        md_parts.append(f"\n### {title}: median hot time (s)\n\n" + rp.md_table(headers, rows))

        # cold times and per-query peak RSS
        headers2 = ["Query"] + [f"{e} cold" for e in engines] + [f"{e} RSS MiB" for e in engines if e != "duckdb"]
        rows2 = []
        for qid in qids:
            row = [f"Q{qid:02d}"] + [cell(e, form, qid, cold(e, form, qid)) for e in engines]
            for e in engines:
                if e == "duckdb":
                    continue
                r = q(e, form, qid)
                row.append(rp.fmt_mib(r.get("peak_rss")) if r else "—")
            rows2.append(row)
        md_parts.append(f"\n<details><summary>Cold (first) run times (s) and peak RSS of the server tree "
                        f"per query, {form} form</summary>\n\n" + rp.md_table(headers2, rows2) + "\n\n</details>")

    # per-engine summary
    headers = ["Engine", "status", "start→ready s", "ok", "mismatch", "unsupported", "other",
               "peak RSS MiB", "CPU util", "engine wall s"]
    rows = []
    for e in engines:
        info = res["engines"].get(e, {})
        statuses = []
        if e == "duckdb":
            statuses = [r["status"] for r in info.get("queries", {}).values()]
        else:
            for f in meta["forms"]:
                statuses += [r["status"] for r in info.get("queries", {}).get(f, {}).values()]
        inf = info.get("info", info)
        n_ok = statuses.count("ok")
        rows.append([
            e,
            inf.get("status", "?") + (" (degraded)" if inf.get("degraded") else ""),
            rp.fmt_s(inf.get("ready_seconds")),
            f"{n_ok}/{len(statuses)}" if statuses else "—",
            str(statuses.count("mismatch")),
            str(statuses.count("unsupported")),
            str(len(statuses) - n_ok - statuses.count("mismatch") - statuses.count("unsupported")),
            rp.fmt_mib(inf.get("peak_rss")),
            rp.fmt_pct(inf.get("cpu_util")),
            rp.fmt_s(inf.get("wall_seconds")),
        ])
    text_parts.append("\nPer engine (CPU util = CPU time of the server tree / (wall time x "
                      f"{NCORES} cores) while queries ran)\n" + rp.text_table(headers, rows))
    md_parts.append("\n### Per engine\n\nPeak RSS is the largest sum of RSS over the server's process tree "
                    "(sampled every 50 ms from /proc; for DuckDB the child process running it); CPU util is the "
                    f"CPU time of that tree divided by wall time x {NCORES} cores while the queries ran.\n\n"
                    + rp.md_table(headers, rows))

    # failures, grouped by engine, form, status, error class and message
    fails = []
    for e in engines:
        info = res["engines"].get(e, {})
        inf = info.get("info", info)
        if inf.get("status") == "unavailable":
            fails.append(f"- {e}: unavailable: {(inf.get('reason') or '').splitlines()[0] if inf.get('reason') else ''}")
            continue
        per_form = {"sql": info.get("queries", {})} if e == "duckdb" else info.get("queries", {})
        for f, qs in per_form.items():
            groups: Dict[tuple, List[int]] = {}
            for qid, r in sorted(qs.items()):
                if r["status"] != STATUS_OK:
                    msg = short_message(r.get("message") or "")
                    key = (r["status"], r.get("error_class", ""), msg if r["status"] != "mismatch" else "")
                    groups.setdefault(key, []).append(qid)
            for (status, cls, msg), ids in groups.items():
                detail = msg or "; ".join(short_message(qs[i].get("message") or "", 120) for i in ids[:3])
                fails.append(f"- {e}, {f} form, {query_ranges(ids)}: {status}: {cls}: {detail}")
    if fails:
        text_parts.append("\nNot ok:\n" + "\n".join(fails))
        md_parts.append("\n### Not ok\n\n" + "\n".join(fails))
    return "\n".join(text_parts), "\n".join(md_parts)


# --------------------------------------------------------------------------


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sf", type=float, default=1.0, help="scale factor (default 1)")
    ap.add_argument("--engines", default=",".join(ALL_ENGINES),
                    help="comma list of ember,sail,spark,duckdb (default all)")
    ap.add_argument("--queries", default="all", help="e.g. 1-5,7 (default all 22)")
    ap.add_argument("--runs", type=int, default=3, help="hot runs after the cold one (default 3)")
    ap.add_argument("--form", choices=["sql", "dataframe", "both"], default="both",
                    help="query form(s) to run on the Spark Connect engines (default both)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per query execution (default 300)")
    ap.add_argument("--url", help="use an already running Spark Connect server (only with one connect engine)")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--from-json", metavar="PATH",
                    help="only rebuild the report (stdout and docs) from a results JSON of an earlier run")
    args = ap.parse_args(argv)
    args.engine_list = [e.strip() for e in args.engines.split(",") if e.strip()]
    bad = [e for e in args.engine_list if e not in ALL_ENGINES]
    if bad:
        ap.error(f"unknown engine(s) {bad}; choose from {ALL_ENGINES}")
    if args.url and len([e for e in args.engine_list if e in CONNECT_ENGINES]) != 1:
        ap.error("--url needs exactly one of ember/sail/spark in --engines")
    args.qids = queries.parse_query_list(args.queries)
    args.forms = ["sql", "dataframe"] if args.form == "both" else [args.form]
    return args


def load_results(path: str) -> Dict[str, Any]:
    """A results JSON back into the in-memory shape (query ids as ints)."""
    res = json.loads(Path(path).read_text())
    for e, info in res["engines"].items():
        qs = info.get("queries", {})
        if e == "duckdb":
            info["queries"] = {int(k): v for k, v in qs.items()}
        else:
            info["queries"] = {f: {int(k): v for k, v in per.items()} for f, per in qs.items()}
    return res


def doc_key(meta: Dict[str, Any]) -> str:
    """docs/benchmarks.md section of a run: `tpch-sf<SF>`, or `tpch-sf<SF>-sql` for a
    run of the SQL form alone (so that it does not replace the DataFrame form's numbers)."""
    key = "tpch-sf{:g}".format(meta["sf"])
    return key + "-sql" if list(meta.get("forms") or []) == ["sql"] else key


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.from_json:
        res = load_results(args.from_json)
        text, md = build_report(res)
        print(text)
        if not args.no_doc:
            log(f"report: {rp.update_doc_section(doc_key(res['meta']), md)}")
        return 0
    t_start = time.perf_counter()
    load0 = os.getloadavg()[0]
    datagen.ensure_data(args.sf)
    engines = [e for e in ALL_ENGINES if e in args.engine_list]
    res: Dict[str, Any] = {"meta": {"sf": args.sf, "engines": engines, "queries": args.qids,
                                    "runs": args.runs, "forms": args.forms,
                                    "command": ("bench/run " + " ".join(argv if argv is not None else sys.argv[1:])).strip(),
                                    "versions": {e: engine_version(e) for e in engines},
                                    "machine": rp.machine_info(), "date": rp.now_str()},
                           "engines": {}}

    # reference answers (and DuckDB's own timings when it is benchmarked)
    duck_runs = args.runs if "duckdb" in engines else 0
    log(f"[duckdb] running {len(args.qids)} queries ({'reference + timing' if duck_runs else 'reference only'})")
    duck = run_duckdb(args, args.qids, duck_runs)
    ref = {q: r["rows"] for q, r in duck.get("queries", {}).items() if r["status"] == STATUS_OK}
    for qid, r in duck.get("queries", {}).items():
        if "duckdb" in engines:
            log(f"[duckdb] q{qid:02d} sql       {describe(r)}")
        r.pop("rows", None)
    if duck["status"] != "ok":
        log(f"[duckdb] {duck.get('reason')}: answers of the other engines are unchecked")
    if "duckdb" in engines:
        res["engines"]["duckdb"] = duck

    for e in engines:
        if e in CONNECT_ENGINES:
            log(f"[{e}] starting")
            res["engines"][e] = run_connect_engine(e, args, args.qids, args.forms, ref)

    res["meta"]["wall_seconds"] = time.perf_counter() - t_start
    load1 = os.getloadavg()[0]
    res["meta"]["load"] = [load0, load1]
    if max(load0, os.getloadavg()[1]) > 0.5:
        res["meta"]["noisy"] = (f"Note: the machine was shared while this ran (load average {load0:.2f} at start, "
                                f"{load1:.2f} at the end, {NCORES} cores), so absolute times are noisy; "
                                "the engines ran one after another, so each saw similar noise.")
    text, md = build_report(res)
    print(text)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    jpath = RESULTS_DIR / f"tpch-sf{args.sf:g}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    jpath.write_text(json.dumps(res, indent=1, default=str))
    log(f"\nresults: {jpath}")
    if not args.no_doc:
        doc = rp.update_doc_section(doc_key(res["meta"]), md)
        log(f"report: {doc}")
    log(f"total run time: {res['meta']['wall_seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
