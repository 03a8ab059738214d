"""Atomic writes: a server killed (SIGKILL) in the middle of an overwrite or
an append leaves the target with exactly the old data once the next job on
it has recovered the leftovers; a commit killed half-way is rolled forward
to exactly the new data; a failing task leaves no part files behind.

The kill tests start their own Ember server processes (the shared fixture's
server must not be killed), each with timeouts on every wait."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT, new_session
from spark_server import free_port, spark_connect_ready


def start_server(env_extra=None):
    bin_path = os.environ.get("EMBER_BIN", os.path.join(ROOT, "build", "ember"))
    port = free_port()
    env = dict(os.environ, TZ="UTC")
    env.update(env_extra or {})
    proc = subprocess.Popen([bin_path, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
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


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def snapshot(path):
    """Every file under path (relative name -> bytes), hidden ones included."""
    out = {}
    for root, _dirs, names in os.walk(path):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, path)] = open(p, "rb").read()
    return out


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


def staged_files(target):
    tmp = os.path.join(target, "_temporary")
    n = 0
    for _root, _dirs, names in os.walk(tmp):
        n += sum(1 for x in names if x.startswith("part-"))
    return n


def recover(url, target):
    """A job on the target (mode ignore writes nothing) runs recovery first."""
    s = new_session(url)
    try:
        s.range(1).write.mode("ignore").csv(target)
    finally:
        s.stop()


def test_failing_task_leaves_nothing(spark, ember_only):
    from pyspark.errors import PySparkException  # noqa: F401
    d = tempfile.mkdtemp(prefix="ember_atomic_")
    try:
        fresh = os.path.join(d, "fresh")
        old = os.path.join(d, "old")
        spark.range(5).write.csv(old)
        before = snapshot(old)
        from pyspark.sql import functions as F
        bad = spark.range(0, 1000, 1, 4).select((F.lit(1) / (F.col("id") - 900)).alias("x"))
        with pytest.raises(Exception):
            bad.write.csv(fresh)
        assert not os.path.exists(fresh)
        with pytest.raises(Exception):
            bad.write.mode("overwrite").csv(old)
        assert snapshot(old) == before
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_save_as_table_parquet_and_insert_into_missing(spark, ember_only):
    """saveAsTable in the default format (parquet) writes a catalog table that
    reads back; insertInto a missing table is Spark's TABLE_OR_VIEW_NOT_FOUND."""
    spark.sql("DROP TABLE IF EXISTS atomic_parquet_t")
    try:
        spark.range(3).write.saveAsTable("atomic_parquet_t")
        assert sorted(r.id for r in spark.table("atomic_parquet_t").collect()) == [0, 1, 2]
    finally:
        spark.sql("DROP TABLE IF EXISTS atomic_parquet_t")
    with pytest.raises(Exception) as e:
        spark.range(1).write.insertInto("atomic_missing_t")
    assert e.value.getCondition() == "TABLE_OR_VIEW_NOT_FOUND"


def kill_during_write(mode, ember_only):
    d = tempfile.mkdtemp(prefix="ember_atomic_")
    target = os.path.join(d, "t")
    proc, url = start_server()
    try:
        s = new_session(url)
        s.range(0, 1000, 1, 2).write.csv(target)
        before = snapshot(target)
        # A write big enough to be killed mid-way; the client call fails
        # when the server dies, in its own thread.
        s.stop()
        writer = spawn_writer(url, "range(0, 400_000_000, 1, 8)", mode, target)
        assert wait_for(lambda: staged_files(target) > 0, 30), "the write never started"
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        writer.kill()
        writer.wait(timeout=10)
        # The old files are untouched; only the hidden staging is new.
        after_kill = snapshot(target)
        assert {k: v for k, v in after_kill.items() if not k.startswith("_temporary")} == before
        proc, url = start_server()
        recover(url, target)
        assert snapshot(target) == before
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def spawn_writer(url, expr, mode, target):
    """The doomed write runs in a client process of its own, killed with the
    server (a client left retrying a dead server would hang the run's end)."""
    import sys
    code = ("from pyspark.sql import SparkSession\n"
            f"s = SparkSession.builder.remote({url!r}).getOrCreate()\n"
            f"s.{expr}.write.mode({mode!r}).csv({target!r})\n")
    # A script file, not -c: PySpark looks for a Spark home when run with -c.
    script = os.path.join(os.path.dirname(target), "writer.py")
    with open(script, "w") as f:
        f.write(code)
    return subprocess.Popen([sys.executable, script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_during_overwrite_keeps_old_data(ember_only):
    kill_during_write("overwrite", ember_only)


def test_kill_during_append_keeps_old_data(ember_only):
    kill_during_write("append", ember_only)


def test_kill_during_commit_rolls_forward(ember_only):
    """A commit interrupted between its renames is finished by recovery:
    the target then holds exactly the new data."""
    d = tempfile.mkdtemp(prefix="ember_atomic_")
    target = os.path.join(d, "t")
    ref = os.path.join(d, "ref")
    proc, url = start_server({"EMBER_TEST_COMMIT_DELAY_MS": "200"})
    try:
        s = new_session(url)
        s.range(0, 10, 1, 4).write.csv(target)
        s.stop()
        writer = spawn_writer(url, "range(100, 140, 1, 6)", "overwrite", target)
        journal = lambda: any(n.endswith(".commit") for n in os.listdir(os.path.join(target, "_temporary"))) \
            if os.path.isdir(os.path.join(target, "_temporary")) else False
        assert wait_for(journal, 30), "the commit never started"
        time.sleep(0.5)  # some renames done, others not
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        writer.kill()
        writer.wait(timeout=10)
        proc, url = start_server()
        recover(url, target)
        s = new_session(url)
        new_df = s.range(100, 140, 1, 6)
        new_df.write.csv(ref)
        lines = lambda p: sorted(l for k, v in snapshot(p).items() if k.startswith("part-")
                                 for l in v.decode().splitlines())
        assert lines(target) == lines(ref)
        s.stop()  # clears the client's active session (the killed server's one is gone)
        assert os.path.exists(os.path.join(target, "_SUCCESS"))
        assert not os.path.exists(os.path.join(target, "_temporary"))
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)
