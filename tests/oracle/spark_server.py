"""Start and stop a real Apache Spark 4.2 Spark Connect server (the oracle).

The oracle is the full `pyspark` 4.2.0 package in its own venv (bundled jars,
Java 17). We run Spark's own `SparkConnectServer` main class through
`spark-submit` in the foreground, in a new process group, so that stopping it
kills the whole JVM tree. The JVM runs with TZ=UTC and -Duser.timezone=UTC, so
Spark's default session time zone is UTC-like; everything else keeps Spark's
defaults (the point is to record what Spark does out of the box).

Usage:
    with SparkConnectOracle() as srv:          # free port, waits until ready
        url = srv.url                           # "sc://127.0.0.1:<port>"

    python tests/oracle/spark_server.py --port 15003   # runs until killed

Only the standard library is required. Readiness is "a Spark Connect call
answers": when the generated stubs (pyspark.sql.connect.proto) and grpc are
importable an AnalyzePlan(spark_version) is sent, otherwise a TCP connect is
the best we can do.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

ORACLE_VENV = os.environ.get("EMBER_ORACLE_VENV", "/root/.cache/ember/oracle-venv")


def find_spark_home(venv: str = ORACLE_VENV) -> str:
    """The pyspark package directory of the oracle venv (it is a SPARK_HOME)."""
    lib = os.path.join(venv, "lib")
    for entry in sorted(os.listdir(lib)):
        cand = os.path.join(lib, entry, "site-packages", "pyspark")
        if os.path.isfile(os.path.join(cand, "bin", "spark-submit")):
            return cand
    raise RuntimeError(f"no pyspark with bin/spark-submit under {lib}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def spark_connect_ready(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when the server answers AnalyzePlan(spark_version) (or, without
    grpc/stubs available, when the port accepts TCP connections)."""
    if not tcp_open(host, port):
        return False
    try:
        import grpc  # noqa: F401
        from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc
    except Exception:  # pragma: no cover - fallback for bare interpreters
        return True
    import grpc

    ch = grpc.insecure_channel(f"{host}:{port}")
    try:
        stub = base_pb2_grpc.SparkConnectServiceStub(ch)
        req = base_pb2.AnalyzePlanRequest(session_id=str(uuid.uuid4()))
        req.user_context.user_id = "ember-readiness"
        req.spark_version.SetInParent()
        stub.AnalyzePlan(req, timeout=timeout)
        return True
    except grpc.RpcError:
        return False
    finally:
        ch.close()


def kill_process_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        # The leader is gone, but children may linger in its group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


class SparkConnectOracle:
    """A real Spark Connect server in a child process group."""

    def __init__(self, port: int | None = None, host: str = "127.0.0.1",
                 startup_timeout: float = 180.0, driver_memory: str = "4g",
                 log_path: str | None = None, extra_conf: dict | None = None):
        self.host = host
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.driver_memory = driver_memory
        self.extra_conf = dict(extra_conf or {})
        self.proc: subprocess.Popen | None = None
        self._own_log = log_path is None
        self.log_path = log_path or tempfile.mkstemp(prefix="spark-oracle-", suffix=".log")[1]
        self._log = None
        self._workdir = None

    @property
    def url(self) -> str:
        return f"sc://{self.host}:{self.port}"

    def command(self) -> list[str]:
        home = find_spark_home()
        conf = {
            "spark.master": "local[2]",
            "spark.connect.grpc.binding.address": self.host,
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        }
        conf.update(self.extra_conf)
        cmd = [os.path.join(home, "bin", "spark-submit"),
               "--driver-memory", self.driver_memory,
               "--driver-java-options", "-Duser.timezone=UTC",
               "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
               "--name", "ember-oracle"]
        for k, v in conf.items():
            cmd += ["--conf", f"{k}={v}"]
        cmd.append("spark-internal")
        return cmd

    def start(self) -> "SparkConnectOracle":
        home = find_spark_home()
        env = dict(os.environ)
        env.update({
            "SPARK_HOME": home,
            "TZ": "UTC",
            "PYSPARK_PYTHON": os.path.join(ORACLE_VENV, "bin", "python"),
            "SPARK_LOCAL_IP": "127.0.0.1",
        })
        env.pop("PYSPARK_SUBMIT_ARGS", None)
        self._workdir = tempfile.mkdtemp(prefix="spark-oracle-wd-")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), env=env, cwd=self._workdir,
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"Spark Connect server exited with {self.proc.returncode}:\n{tail}")
            if spark_connect_ready(self.host, self.port):
                return self
            time.sleep(0.5)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"Spark Connect server not ready after {self.startup_timeout}s:\n{tail}")

    def log_tail(self, n: int = 60) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            kill_process_group(self.proc)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._workdir is not None:
            import shutil
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> "SparkConnectOracle":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--log", default=None, help="server log file (default: a temp file)")
    ap.add_argument("--driver-memory", default="4g")
    args = ap.parse_args()

    srv = SparkConnectOracle(port=args.port or None, host=args.host, log_path=args.log,
                             driver_memory=args.driver_memory)

    def on_signal(signum, _frame):
        # A requested stop is a clean exit (status 0), like a server's graceful shutdown.
        srv.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t0 = time.monotonic()
    srv.start()
    print(f"ready {srv.url} ({time.monotonic() - t0:.1f}s) log={srv.log_path}", flush=True)
    try:
        while srv.proc.poll() is None:
            time.sleep(1)
        print(f"server exited with {srv.proc.returncode}", file=sys.stderr)
        return 1
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
