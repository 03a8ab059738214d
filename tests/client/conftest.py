"""pytest fixtures for the client suite: the server under test and sessions on it.

Server under test:
  * default: `$EMBER_BIN serve --host 127.0.0.1 --port <free>` (EMBER_BIN
    defaults to build/ember under the repo root), started once per session with
    TZ=UTC, ready when a Spark Connect call answers (EMBER_STARTUP_TIMEOUT,
    default 10 s); stopped with SIGTERM (SIGKILL after 5 s). A crash, a
    non-zero exit or a hang on shutdown fails the run, with the server's stderr.
  * EMBER_TEST_REMOTE=sc://host:port: use that server instead (e.g. the real
    Spark oracle from tests/oracle/spark_server.py, to validate the tests).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))

import caselib  # noqa: E402,F401  (sets TZ=UTC for the client process)
from spark_server import free_port, spark_connect_ready  # noqa: E402


def _parse_url(url: str):
    assert url.startswith("sc://"), url
    hostport = url[len("sc://"):].split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    return host, int(port)


class ServerUnderTest:
    """The running server: its URL and (when started here) its process."""

    def __init__(self, url: str, proc: subprocess.Popen | None = None,
                 stderr_path: str | None = None):
        self.url = url
        self.host, self.port = _parse_url(url)
        self.proc = proc
        self.stderr_path = stderr_path

    @property
    def remote(self) -> bool:
        return self.proc is None

    @property
    def is_spark(self) -> bool:
        """True when testing against a remote server that reports Spark's own
        version string and is not Ember (EMBER_TEST_REMOTE_IS_EMBER=1 overrides)."""
        return self.remote and os.environ.get("EMBER_TEST_REMOTE_IS_EMBER") != "1"

    def stderr_tail(self, n: int = 80) -> str:
        if not self.stderr_path:
            return ""
        try:
            with open(self.stderr_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def check_alive(self) -> None:
        """Fail the current test if the server process died or stopped answering."""
        if self.proc is not None and self.proc.poll() is not None:
            pytest.fail(f"server exited with code {self.proc.returncode}; stderr:\n{self.stderr_tail()}",
                        pytrace=False)
        if not spark_connect_ready(self.host, self.port, timeout=10):
            pytest.fail("server no longer answers Spark Connect calls", pytrace=False)


def _start_ember() -> ServerUnderTest:
    bin_path = os.environ.get("EMBER_BIN", os.path.join(ROOT, "build", "ember"))
    if not os.path.isabs(bin_path):
        bin_path = os.path.join(ROOT, bin_path)
    timeout = float(os.environ.get("EMBER_STARTUP_TIMEOUT", "10"))
    if not (os.path.isfile(bin_path) and os.access(bin_path, os.X_OK)):
        pytest.exit(f"server did not start: EMBER_BIN={bin_path} is not an executable file "
                    "(build it, or set EMBER_TEST_REMOTE=sc://host:port)", returncode=3)
    port = free_port()
    fd, err_path = tempfile.mkstemp(prefix="ember-test-", suffix=".stderr")
    env = dict(os.environ, TZ="UTC")
    # The oracle runs local[2]: the same default parallelism, so partition
    # counts (range, local relations) and spark_partition_id() agree on any
    # machine.
    # Catalog tables go to a warehouse of this run, not the repository.
    warehouse = tempfile.mkdtemp(prefix="ember-test-warehouse-")
    cmd = [bin_path, "serve", "--host", "127.0.0.1", "--port", str(port), "--conf", "spark.master=local[2]",
           "--conf", f"spark.sql.warehouse.dir={warehouse}"]
    with os.fdopen(fd, "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                env=env, cwd=ROOT, start_new_session=True)
    srv = ServerUnderTest(f"sc://127.0.0.1:{port}", proc, err_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.exit(f"server did not start: {' '.join(cmd)} exited with code {proc.returncode}; "
                        f"output:\n{srv.stderr_tail()}", returncode=3)
        if spark_connect_ready("127.0.0.1", port, timeout=1.0):
            return srv
        time.sleep(0.05)
    _stop(proc)
    pytest.exit(f"server did not start: {' '.join(cmd)} did not answer a Spark Connect call "
                f"within {timeout:g}s; output:\n{srv.stderr_tail()}", returncode=3)


def _stop(proc: subprocess.Popen) -> tuple[int | None, bool]:
    """SIGTERM, wait 5 s, SIGKILL. Returns (exit code, needed_kill)."""
    if proc.poll() is not None:
        return proc.returncode, False
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=5), False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return proc.wait(timeout=5), True


@pytest.fixture(scope="session")
def server():
    remote = os.environ.get("EMBER_TEST_REMOTE")
    if remote:
        srv = ServerUnderTest(remote.rstrip("/"))
        if not spark_connect_ready(srv.host, srv.port, timeout=10):
            pytest.exit(f"server did not start: EMBER_TEST_REMOTE={remote} does not answer", returncode=3)
        yield srv
        return
    srv = _start_ember()
    yield srv
    crashed = srv.proc.poll() is not None
    _close_clients(server_dead=crashed)
    code, killed = _stop(srv.proc)
    if crashed or killed or code != 0:
        why = ("crashed/exited early" if crashed else
               "did not exit within 5 s of SIGTERM (killed)" if killed else "exited non-zero")
        pytest.fail(f"ember server {why}: exit code {code}; stderr:\n{srv.stderr_tail()}", pytrace=False)


def _close_clients(server_dead: bool = False):
    """Closes every PySpark Connect client a test left open, while the server
    still runs: at interpreter exit PySpark sends each open client's cleanup
    command, and against a stopped server its retries keep the process alive
    for minutes. When the server is already gone, only the channels are
    closed (no call could be answered)."""
    import gc
    try:
        from pyspark.sql.connect.client.core import SparkConnectClient
    except ImportError:
        return
    for obj in gc.get_objects():
        if isinstance(obj, SparkConnectClient) and not getattr(obj, "_closed", True):
            try:
                if server_dead:
                    obj._channel.close()
                    obj._closed = True
                else:
                    obj.close()
            except Exception:  # noqa: BLE001 - best effort
                pass


@pytest.fixture(autouse=True)
def _server_still_up(request):
    """Ends the run at once, with the server's output, when the shared test
    server has died (a crash, a sanitizer report): every later test would
    only wait for the client's retries against a dead port."""
    if "server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("server")
    if srv.proc is not None and srv.proc.poll() is not None:
        _close_clients(server_dead=True)
        pytest.exit(f"the ember server died (exit code {srv.proc.returncode}) before {request.node.nodeid}; "
                    f"its output:\n{srv.stderr_tail()}", returncode=1)
    yield


@pytest.fixture(scope="session")
def server_url(server) -> str:
    return server.url


def new_session(url: str):
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.session import SparkSession as ConnectSession
    import pyspark.errors.utils as pe_utils
    s = SparkSession.builder.remote(url).create()
    # The new session becomes the active one: PySpark looks the active
    # session up for time zones, schemas and more, and create() leaves an
    # older one active (even one a protocol test closed on the server).
    ConnectSession._active_session.session = s
    # PySpark also decides once per process, from the session active at that
    # moment, whether DataFrame calls carry their call sites (the DataFrame
    # query contexts of errors): decided again here, from this session.
    pe_utils._enable_debugging_cache = (
        s.conf.get("spark.python.sql.dataFrameDebugging.enabled", "true").lower() == "true")
    return s


@pytest.fixture(scope="module")
def spark(server):
    """A fresh Spark Connect session per test module."""
    s = new_session(server.url)
    yield s
    if server.proc is not None and server.proc.poll() is not None:
        return  # the server died: nothing would answer the release
    try:
        s.stop()
    except Exception:  # noqa: BLE001 - the session may have been closed by the test
        pass


@pytest.fixture
def server_alive(server):
    """Call `server_alive()` to assert the server still runs and answers."""
    return server.check_alive


@pytest.fixture
def spark_only(server):
    """Skip unless the server under test is the real Spark (EMBER_TEST_REMOTE)."""
    if not server.is_spark:
        pytest.skip("documents real Spark behaviour only")


@pytest.fixture
def ember_only(server):
    """Skip when the server under test is the real Spark."""
    if server.is_spark:
        pytest.skip("Ember-specific behaviour (differs from Spark by design)")


def pytest_report_header(config):
    remote = os.environ.get("EMBER_TEST_REMOTE")
    if remote:
        return f"server under test: EMBER_TEST_REMOTE={remote}"
    return f"server under test: {os.environ.get('EMBER_BIN', 'build/ember')} (started per run)"


def random_session_id() -> str:
    return str(uuid.uuid4())


def pytest_collection_finish(session):
    """PySpark decides once per process whether DataFrame call sites (the
    query contexts of errors) are sent: at the first API call, and "no" if
    no session exists yet. A case module that calls a PySpark API at import
    time (e.g. a module-level Window spec) silently turns them off for the
    whole run, so it is refused here."""
    try:
        import pyspark.errors.utils as pu
    except ImportError:
        return
    if getattr(pu, "_enable_debugging_cache", None) is False:
        raise pytest.UsageError("a test module called a PySpark API at import time (before any session): "
                                "this disables DataFrame query contexts for the whole run; build such objects "
                                "inside the case functions")
