"""Start, probe and stop the Spark Connect servers the benchmarks compare.

Engines
- ``ember``: ``$EMBER_BIN serve --host 127.0.0.1 --port P`` (without EMBER_BIN:
  <this repo>/build/ember if built, else /work/main/build/ember). A missing binary, a
  process that exits, or one that never answers makes the engine
  *unavailable*: reported, never fatal.
- ``sail``: ``sail spark server --port P`` from the bench venv (defaults).
- ``spark``: Apache Spark 4.2 from the ``pyspark`` package: ``spark-submit
  --class org.apache.spark.sql.connect.service.SparkConnectServer`` with
  ``local[*]`` and the driver memory of ``SPARK_DRIVER_MEMORY`` (default 8g),
  run in the foreground so its JVM is our child.

Every server runs in its own process group with a scratch working directory
(Spark's spark-warehouse/ and Sail's files land there, not in the repo) and a
log file. ``ProcessTreeSampler`` samples RSS and CPU time of a process and all
of its descendants every 50 ms (psutil over /proc).

Ready means: a Spark Connect ExecutePlan of ``range(1)`` succeeded (sent over
raw gRPC with a short deadline, so the PySpark client's retry/backoff does not
blur the start-to-ready time). A server that answers RPCs but fails that plan
is taken as ready after ``ANSWERING_GRACE`` seconds and marked ``degraded``,
so per-query errors are recorded rather than the whole engine skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import psutil

REPO = Path(__file__).resolve().parents[2]
CONNECT_ENGINES = ("ember", "sail", "spark", "ember-1core")
ALL_ENGINES = ("ember", "sail", "spark", "duckdb")
START_TIMEOUT = float(os.environ.get("EMBER_BENCH_START_TIMEOUT", "180"))
ANSWERING_GRACE = 10.0
SPARK_DRIVER_MEMORY = os.environ.get("SPARK_DRIVER_MEMORY", "8g")
LOG_DIR = Path(os.environ.get("EMBER_BENCH_LOGS", Path.home() / ".cache" / "ember" / "bench-logs"))


class EngineUnavailable(Exception):
    """The engine cannot be started (missing, crashed, never ready)."""


def venv_bin(name: str) -> str:
    """A console script of the venv this Python runs in (the bench venv)."""
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    found = shutil.which(name)
    if found:
        return found
    raise EngineUnavailable(f"{name} not found next to {sys.executable} nor on PATH (run bench/setup)")


def ember_bin() -> Path:
    env = os.environ.get("EMBER_BIN")
    if env:
        return Path(env)
    for cand in (REPO / "build" / "ember", Path("/work/main/build/ember")):
        if cand.exists():
            return cand
    return Path("/work/main/build/ember")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# Resource sampling


class ProcessTreeSampler:
    """Samples RSS (sum over the tree) and CPU time of a process tree.

    ``peak_rss`` is the maximum sum seen since start (or the last
    ``reset_peak``); ``cpu_seconds()`` is user+system time consumed by the
    tree so far (processes that ended between samples lose their last ~50 ms).
    """

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid = pid
        self.interval = interval
        self.peak_rss = 0
        self.window_peak_rss = 0
        self.last_rss = 0
        self._cpu: Dict[tuple, float] = {}
        self._procs: Dict[int, psutil.Process] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sampler-{pid}", daemon=True)

    def start(self) -> "ProcessTreeSampler":
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _tree(self) -> List[psutil.Process]:
        try:
            root = self._procs.get(self.pid) or psutil.Process(self.pid)
            self._procs[self.pid] = root
            procs = [root]
            for c in root.children(recursive=True):
                # keep Process objects so create_time identifies them
                procs.append(self._procs.setdefault(c.pid, c))
            return procs
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return []

    def sample(self) -> None:
        rss = 0
        with self._lock:
            for p in self._tree():
                try:
                    with p.oneshot():
                        rss += p.memory_info().rss
                        ct = p.cpu_times()
                        key = (p.pid, p.create_time())
                        self._cpu[key] = ct.user + ct.system
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
            self.last_rss = rss
            self.peak_rss = max(self.peak_rss, rss)
            self.window_peak_rss = max(self.window_peak_rss, rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def cpu_seconds(self) -> float:
        self.sample()
        with self._lock:
            return sum(self._cpu.values())

    def reset_window(self) -> None:
        with self._lock:
            self.window_peak_rss = self.last_rss


# --------------------------------------------------------------------------
# Readiness probe over raw gRPC


def probe(port: int, timeout: float = 2.0) -> str:
    """One readiness probe: 'ok', 'answering' (an RPC error came back) or 'down'."""
    import grpc
    from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc, relations_pb2

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = base_pb2_grpc.SparkConnectServiceStub(channel)
        req = base_pb2.ExecutePlanRequest(
            session_id=str(uuid.uuid4()),
            user_context=base_pb2.UserContext(user_id="ember-bench"),
            client_type="ember-bench-probe",
            plan=base_pb2.Plan(root=relations_pb2.Relation(range=relations_pb2.Range(start=0, end=1, step=1))),
        )
        try:
            for _ in stub.ExecutePlan(req, timeout=timeout):
                pass
            return "ok"
        except grpc.RpcError as e:
            code = e.code() if hasattr(e, "code") else None
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, None):
                return "down"
            return "answering"
    finally:
        channel.close()


# --------------------------------------------------------------------------
# Servers


@dataclass
class Server:
    engine: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    workdir: Path
    started_at: float  # time.perf_counter() just before Popen
    ready_seconds: Optional[float] = None
    degraded: str = ""
    sampler: Optional[ProcessTreeSampler] = None
    _own_workdir: bool = True

    @property
    def url(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, n: int = 15) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def session(self):
        """A PySpark Connect session with a short retry policy (a dead server
        fails fast instead of after PySpark's ~10 minutes of backoff)."""
        return connect(self.url)

    def stop(self, timeout: float = 20.0) -> None:
        if self.sampler:
            self.sampler.stop()
        _kill_group(self.proc, timeout)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def connect(url: str):
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(url).create()
    try:
        from pyspark.sql.connect.client.retries import DefaultPolicy

        spark.client.set_retry_policies(
            [DefaultPolicy(max_retries=4, initial_backoff=100, max_backoff=2000, backoff_multiplier=2.0)]
        )
    except Exception:  # older/newer client without this API: keep its default
        pass
    return spark


def _kill_group(proc: subprocess.Popen, timeout: float) -> None:
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # the group may still hold children (e.g. a JVM whose launcher exited)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def server_command(engine: str, port: int) -> List[str]:
    if engine == "ember-1core":  # Ember pinned to one core (its pool follows the CPU affinity)
        if not shutil.which("taskset"):
            raise EngineUnavailable("taskset not found")
        return ["taskset", "-c", "0"] + server_command("ember", port)
    if engine == "ember":
        b = ember_bin()
        if not b.exists():
            raise EngineUnavailable(f"Ember binary not found at {b} (set EMBER_BIN or build with `make build`)")
        return [str(b), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if engine == "sail":
        return [venv_bin("sail"), "spark", "server", "--ip", "127.0.0.1", "--port", str(port)]
    if engine == "spark":
        if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
            raise EngineUnavailable("no java on PATH and no JAVA_HOME (Spark needs Java 17)")
        return [
            venv_bin("spark-submit"),
            "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--name", "ember-bench-spark-connect",
            "--master", "local[*]",
            "--driver-memory", SPARK_DRIVER_MEMORY,
            "--conf", f"spark.connect.grpc.binding.port={port}",
            "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf", "spark.connect.grpc.port.maxRetries=0",
            "--conf", "spark.ui.showConsoleProgress=false",
        ]
    raise ValueError(f"not a Spark Connect engine: {engine}")


def spark_home() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent)


def engine_env(engine: str) -> Dict[str, str]:
    env = dict(os.environ)
    if engine == "spark":
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        env["SPARK_HOME"] = spark_home()  # the pyspark package's own Spark
        env["PYSPARK_PYTHON"] = sys.executable
        env.pop("PYSPARK_SUBMIT_ARGS", None)
        env.pop("SPARK_CONF_DIR", None)
    return env


def start_server(engine: str, port: Optional[int] = None, start_timeout: float = START_TIMEOUT,
                 sample: bool = True) -> Server:
    """Start ``engine`` and wait until it is ready; raises EngineUnavailable."""
    port = port or free_port()
    cmd = server_command(engine, port)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{engine}-{time.strftime('%Y%m%d-%H%M%S')}-{port}.log"
    workdir = Path(tempfile.mkdtemp(prefix=f"ember-bench-{engine}-"))
    log = open(log_path, "wb")
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, cwd=workdir, env=engine_env(engine), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
        raise EngineUnavailable(f"cannot start {cmd[0]}: {e}") from e
    log.close()
    srv = Server(engine, port, proc, log_path, workdir, t0)
    if sample:
        srv.sampler = ProcessTreeSampler(proc.pid).start()
    answering_since = None
    deadline = t0 + start_timeout
    while True:
        if proc.poll() is not None:
            srv.stop()
            tail = [l for l in srv.log_tail(8).splitlines() if l.strip()]
            raise EngineUnavailable(
                f"{engine} server exited with code {proc.returncode} before answering"
                + (f"; last output: {tail[-1].strip()[:200]}" if tail else " (no output)")
                + f" (log: {srv.log_path})"
            )
        state = probe(port, timeout=2.0)
        now = time.perf_counter()
        if state == "ok":
            srv.ready_seconds = now - t0
            return srv
        if state == "answering":
            answering_since = answering_since or now
            if now - answering_since >= ANSWERING_GRACE:
                srv.ready_seconds = answering_since - t0
                srv.degraded = "answers RPCs but fails range(1)"
                return srv
        if now > deadline:
            srv.stop()
            raise EngineUnavailable(f"{engine} not ready after {start_timeout:.0f} s; log: {log_path}")
        time.sleep(0.05)


# --------------------------------------------------------------------------
# Versions


def engine_version(engine: str) -> str:
    import importlib.metadata as md

    try:
        if engine == "sail":
            return "pysail " + md.version("pysail")
        if engine == "spark":
            return "pyspark " + md.version("pyspark") + " (" + java_version() + ")"
        if engine == "duckdb":
            return "duckdb " + md.version("duckdb")
        if engine in ("ember", "ember-1core"):
            b = ember_bin()
            if not b.exists():
                return "not built"
            try:
                rev = subprocess.run(["git", "-C", str(b.parent), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True, timeout=10).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                rev = ""
            return f"{b}" + (f" (its checkout's HEAD {rev})" if rev else "")
    except md.PackageNotFoundError:
        return "not installed"
    return "?"


def java_version() -> str:
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30).stderr
        first = out.splitlines()[0] if out else ""
        return first.replace('"', "").strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return "java ?"
