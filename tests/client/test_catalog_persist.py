"""The persistent catalog across servers and sessions (Ember only; each test
starts its own server on a temporary warehouse, with timeouts on every
wait): tables survive a restart, a server killed (SIGKILL) in the middle of
an INSERT leaves the table as it was, and two sessions share catalog tables
but not temp views."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import ROOT, new_session
from spark_server import free_port, spark_connect_ready


def start_server(warehouse):
    bin_path = os.environ.get("EMBER_BIN", os.path.join(ROOT, "build", "ember"))
    if not os.path.isabs(bin_path):
        bin_path = os.path.join(ROOT, bin_path)
    port = free_port()
    env = dict(os.environ, TZ="UTC")
    proc = subprocess.Popen([bin_path, "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--conf", f"spark.sql.warehouse.dir={warehouse}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        if spark_connect_ready("127.0.0.1", port, timeout=1.0):
            return proc, f"sc://127.0.0.1:{port}"
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    pytest.fail("own ember server did not start")


def stop(proc, graceful=True):
    if proc.poll() is None:
        if graceful:
            proc.terminate()
            try:
                proc.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                pass
        proc.kill()
    proc.wait(timeout=10)


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_tables_survive_restart(ember_only):
    wh = tempfile.mkdtemp(prefix="ember_wh_")
    proc, url = start_server(wh)
    try:
        s = new_session(url)
        s.sql("CREATE DATABASE keep_db")
        s.sql("CREATE TABLE keep_db.t (a INT, b STRING) USING json")
        s.sql("INSERT INTO keep_db.t VALUES (1, 'x'), (2, 'y')")
        s.range(4).selectExpr("id", "id % 2 AS p").write.format("csv").partitionBy("p").saveAsTable("kept")
        s.stop()
        stop(proc)
        assert proc.returncode == 0
        proc, url = start_server(wh)
        s = new_session(url)
        assert [tuple(r) for r in s.sql("SELECT * FROM keep_db.t ORDER BY a").collect()] == [(1, "x"), (2, "y")]
        assert sorted(r.id for r in s.table("kept").collect()) == [0, 1, 2, 3]
        assert [r.tableName for r in s.sql("SHOW TABLES IN keep_db").collect()] == ["t"]
        assert s.catalog.databaseExists("keep_db")
        s.stop()
    finally:
        stop(proc)
        shutil.rmtree(wh, ignore_errors=True)


def test_kill_during_insert_keeps_table(ember_only):
    wh = tempfile.mkdtemp(prefix="ember_wh_")
    proc, url = start_server(wh)
    writer = None
    try:
        s = new_session(url)
        s.sql("CREATE TABLE killed (id BIGINT) USING csv")
        s.sql("INSERT INTO killed SELECT id FROM range(10)")
        s.stop()
        code = ("from pyspark.sql import SparkSession\n"
                f"s = SparkSession.builder.remote({url!r}).getOrCreate()\n"
                "s.sql('INSERT INTO killed SELECT id FROM range(0, 400000000, 1, 8)')\n")
        script = os.path.join(wh, "writer.py")
        with open(script, "w") as f:
            f.write(code)
        writer = subprocess.Popen([sys.executable, script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        staging = os.path.join(wh, "killed", "_temporary")

        def staged():
            return any(n.startswith("part-") for _r, _d, ns in os.walk(staging) for n in ns)
        assert wait_for(staged, 30), "the insert never started"
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        writer.kill()
        writer.wait(timeout=10)
        proc, url = start_server(wh)
        s = new_session(url)
        assert sorted(r.id for r in s.table("killed").collect()) == list(range(10))
        s.stop()
    finally:
        if writer and writer.poll() is None:
            writer.kill()
        stop(proc)
        shutil.rmtree(wh, ignore_errors=True)


def test_sessions_share_tables_not_temp_views(ember_only):
    wh = tempfile.mkdtemp(prefix="ember_wh_")
    proc, url = start_server(wh)
    try:
        a = new_session(url)
        b = new_session(url)
        assert a.client._session_id != b.client._session_id
        a.sql("CREATE TABLE shared_t USING json AS SELECT 7 AS v")
        a.range(1).createOrReplaceTempView("private_v")
        assert [r.v for r in b.table("shared_t").collect()] == [7]
        assert b.catalog.tableExists("shared_t")
        assert not b.catalog.tableExists("private_v")
        with pytest.raises(Exception) as e:
            b.table("private_v").collect()
        assert e.value.getCondition() == "TABLE_OR_VIEW_NOT_FOUND"
        b.sql("USE default")
        b.sql("DROP TABLE shared_t")
        assert not a.catalog.tableExists("shared_t")
        a.stop()
        b.stop()
    finally:
        stop(proc)
        shutil.rmtree(wh, ignore_errors=True)
