"""Tables, ratios, machine/version facts and docs/benchmarks.md sections."""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
import re
import statistics
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "benchmarks.md"


# --------------------------------------------------------------------------
# numbers


def median(xs: Sequence[float]) -> Optional[float]:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def percentile(xs: Sequence[float], p: float) -> Optional[float]:
    """Nearest-rank percentile (p in 0..100)."""
    xs = sorted(xs)
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, math.ceil(p / 100.0 * len(xs)) - 1))
    return xs[k]


def geomean(xs: Iterable[float]) -> Optional[float]:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_s(x: Optional[float]) -> str:
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def fmt_ms(x: Optional[float]) -> str:
    return "—" if x is None else f"{x * 1000:.2f}"


def fmt_ratio(x: Optional[float]) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}x" if x < 0.1 else f"{x:.2f}x"


def fmt_mib(x: Optional[int]) -> str:
    return "—" if not x else f"{x / 2**20:,.0f}"


def fmt_pct(x: Optional[float]) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


# --------------------------------------------------------------------------
# tables


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cols = len(headers)
    widths = [len(h) for h in headers]
    for r in rows:
        for i in range(cols):
            widths[i] = max(widths[i], len(str(r[i])))
    def line(cells):
        return "  ".join(
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(c):
        return str(c).replace("|", "\\|").replace("\n", " ")
    out = ["| " + " | ".join(esc(h) for h in headers) + " |",
           "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(headers))) + " |"]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------
# machine and versions


def machine_info() -> Dict[str, str]:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    try:
        import psutil

        mem = psutil.virtual_memory().total
    except ImportError:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem / 2**30:.1f} GiB",
        "cpu": cpu or platform.processor() or "?",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


def now_str() -> str:
    return _dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def header_md(title: str, versions: Dict[str, str], extra: Dict[str, str] | None = None,
              started: str | None = None, load_text: str | None = None) -> str:
    m = machine_info()
    lines = [
        f"## {title}",
        "",
        f"Run {started or now_str()} on {m['cores']} cores, {m['memory']} ({m['cpu']}; {m['os']}); "
        + (load_text or f"load average (1/5/15 min) when it ended: {m['load']}") + ".",
        "",
        "Versions: " + "; ".join(f"{k}: {v}" for k, v in versions.items()) + ".",
    ]
    if extra:
        lines += [""] + [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# docs/benchmarks.md sections

_DOC_HEAD = """# Benchmarks

Measured results of `bench/` (see bench/README.md for how to run them and
the settings section below for how each engine is configured). Each section
between `<!-- bench:NAME -->` markers is rewritten by the script that
produced it; the rest of the page is hand-written.
"""


def update_doc_section(key: str, markdown: str, doc: Path = DOC) -> Path:
    """Replace (or append) the section marked ``<!-- bench:key -->``."""
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{begin}\n{markdown.rstrip()}\n{end}"
    text = doc.read_text() if doc.exists() else _DOC_HEAD
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pat.search(text):
        text = pat.sub(lambda _m: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text if text.endswith("\n") else text + "\n")
    return doc
