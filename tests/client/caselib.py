"""Helpers for client cases: turn what PySpark hands back into exact, JSON-able data.

A case (see cases/*.py) is `def case_xxx(spark): ... return <result>`. The
result is passed through `norm()` by the runner, so a case may return Python
values directly; the helpers below exist for the common shapes:

    collect(df)         {"columns": [...], "rows": [[v, ...], ...]} from df.collect()
    result(df)          collect(df) plus the schema as JSON (df.schema.json())
    show(df, ...)       the text df.show(...) prints, as a list of lines
    print_schema(df)    the text df.printSchema(...) prints, as a list of lines
    error(fn)           the exception fn() raises: type, condition, sqlState, params, ...

Values are encoded so that type and value are both exact:
    None                -> null
    scalars             -> "<type name>:<value>" strings: "int:1", "bool:True",
                           "float:0.1" (repr, so nan/inf/-0.0 are exact),
                           "str:abc", "Decimal:1.50", "bytes:00ff" (hex),
                           "datetime:2020-01-01T00:00:00" (isoformat, with offset
                           if aware), "date:...", "timedelta:<days>d<secs>s<us>us"
    list / tuple        -> {"list": [...]} / {"tuple": [...]}
    dict                -> {"dict": [[k, v], ...]} (insertion order kept)
    Row                 -> {"Row": [[name, v], ...]}
    numpy / pandas      -> "<dtype or type>:<value>", ndarray -> {"ndarray:<dtype>": [...]}
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import hashlib
import io
import json
import math
import os
import time

# The client process runs in UTC so that naive datetimes (PySpark converts
# TIMESTAMP values to local naive datetimes) are reproducible. The servers
# (Spark oracle, Ember) are also started with TZ=UTC.
os.environ["TZ"] = "UTC"
time.tzset()


def _float_repr(x: float) -> str:
    return repr(float(x))


def norm(v):
    """Exact, JSON-able, type-tagged encoding of a value returned by PySpark."""
    if v is None:
        return None
    # Row before tuple: Row is a tuple subclass.
    try:
        from pyspark.sql import Row
    except Exception:  # pragma: no cover
        Row = None
    if Row is not None and isinstance(v, Row):
        if hasattr(v, "__fields__"):
            return {"Row": [[k, norm(x)] for k, x in zip(v.__fields__, v)]}
        return {"Row": [[None, norm(x)] for x in v]}
    if isinstance(v, bool):
        return f"bool:{v}"
    if isinstance(v, int) and type(v) is int:
        return f"int:{v}"
    if type(v) is float:
        return f"float:{_float_repr(v)}"
    if isinstance(v, str) and type(v) is str:
        return f"str:{v}"
    if isinstance(v, decimal.Decimal):
        return f"Decimal:{v}"
    if isinstance(v, bytes):
        return f"bytes:{v.hex()}"
    if isinstance(v, bytearray):
        return f"bytearray:{bytes(v).hex()}"
    if isinstance(v, memoryview):
        return f"memoryview:{v.tobytes().hex()}"
    try:
        import pandas as pd
        import numpy as np
    except Exception:  # pragma: no cover
        pd = np = None
    if pd is not None:
        if v is pd.NaT:
            return "NaT"
        if v is pd.NA:
            return "NA"
        if isinstance(v, pd.Timestamp):
            return f"Timestamp:{v.isoformat()}"
        if isinstance(v, pd.Timedelta):
            return f"Timedelta:{v.value}ns"
        if isinstance(v, np.ndarray):
            return {f"ndarray:{v.dtype}": [norm(x) for x in v.tolist()]}
        if isinstance(v, np.floating):
            return f"{type(v).__name__}:{_float_repr(v)}"
        if isinstance(v, np.generic):
            return f"{type(v).__name__}:{v.item()!r}" if not isinstance(v, (np.datetime64, np.timedelta64)) \
                else f"{type(v).__name__}:{v}"
    if isinstance(v, datetime.datetime):
        return f"datetime:{v.isoformat()}"
    if isinstance(v, datetime.date):
        return f"date:{v.isoformat()}"
    if isinstance(v, datetime.time):
        return f"time:{v.isoformat()}"
    if isinstance(v, datetime.timedelta):
        return f"timedelta:{v.days}d{v.seconds}s{v.microseconds}us"
    if isinstance(v, list):
        return {"list": [norm(x) for x in v]}
    if isinstance(v, tuple):
        return {"tuple": [norm(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": [[norm(k), norm(x)] for k, x in v.items()]}
    if isinstance(v, float):
        return f"{type(v).__name__}:{_float_repr(v)}"
    if isinstance(v, int):
        return f"{type(v).__name__}:{int(v)}"
    if isinstance(v, str):
        return f"{type(v).__name__}:{str(v)}"
    return f"{type(v).__name__}:{v!r}"


def plain(v):
    """Like norm() for a case's *own* structure: dicts with string keys and lists
    stay JSON objects/arrays; leaves are norm()-encoded unless they are already
    JSON strings/ints/bools produced by the helpers."""
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if v is None or isinstance(v, (str, bool, int)) and type(v) in (str, bool, int):
        return v
    return norm(v)


def rows(rs):
    """Rows (as returned by collect/take/head) -> list of lists of encoded values."""
    return [[norm(x) for x in r] for r in rs]


def collect(df):
    rs = df.collect()
    cols = list(rs[0].__fields__) if rs else None
    return {"columns": cols, "rows": rows(rs)}


def schema_json(df_or_schema):
    s = df_or_schema.schema if hasattr(df_or_schema, "schema") else df_or_schema
    return json.loads(s.json())


def result(df):
    """Schema (analyzed) + collected rows of a DataFrame."""
    out = collect(df)
    out["schema"] = schema_json(df)
    return out


def capture_stdout(fn, *args, **kwargs):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(*args, **kwargs)
    return buf.getvalue()


def lines(text: str):
    """Multi-line text as a list of lines (keeps a trailing "" when text ends in \\n)."""
    return text.split("\n")


def show(df, *args, **kwargs):
    return lines(capture_stdout(df.show, *args, **kwargs))


def print_schema(df, *args):
    return lines(capture_stdout(df.printSchema, *args))


def error_info(e: BaseException, message: bool = True, full: bool = False):
    """The parts of a PySpark exception a user sees: type, module, error
    condition, SQLSTATE, message parameters, the first non-empty line of the
    message and the query-context fragments (call sites are left out: they
    name files/lines). full=True also records the whole message up to the
    JVM stacktrace, as lines (for deterministic texts such as parse errors)."""
    out = {"type": type(e).__name__, "module": type(e).__module__}
    get = lambda name: getattr(e, name)() if hasattr(e, name) else None  # noqa: E731
    out["condition"] = get("getCondition")
    out["sqlState"] = get("getSqlState")
    params = get("getMessageParameters")
    out["params"] = dict(sorted(params.items())) if params is not None else None
    if message:
        msg = (e.getMessage() if hasattr(e, "getMessage") else str(e)) or ""
        out["message_head"] = next((ln for ln in msg.split("\n") if ln.strip()), "")
        if full:
            out["message"] = lines(msg.split("\n\nJVM stacktrace:", 1)[0])
    ctx = get("getQueryContext")
    if ctx:
        out["contexts"] = [{"type": str(c.contextType()), "fragment": c.fragment()} for c in ctx]
    return out


class NoErrorRaised(AssertionError):
    pass


def error(fn, *args, message: bool = True, full: bool = False, **kwargs):
    """Run fn(*args, **kwargs); it must raise. Returns error_info() of the exception."""
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        return error_info(e, message=message, full=full)
    raise NoErrorRaised(f"{getattr(fn, '__name__', fn)} did not raise")


def digest(obj) -> str:
    """sha256 of the canonical JSON of norm(obj): for results too big to store."""
    data = json.dumps(plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def canonical_json(obj, indent: int = 0, width: int = 100) -> str:
    """The stable text form of a recorded result (used by record.py and the diff):
    sorted keys, one-space indentation, and any value whose compact form fits
    in `width` columns kept on one line (so a row is one line)."""
    flat = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    if len(flat) + indent <= width or not isinstance(obj, (dict, list)) or not obj:
        return flat
    pad = " " * (indent + 1)
    if isinstance(obj, list):
        items = [pad + canonical_json(x, indent + 1, width) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    items = [pad + json.dumps(k, ensure_ascii=False) + ": " + canonical_json(obj[k], indent + 1, width)
             for k in sorted(obj)]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


def is_nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)
