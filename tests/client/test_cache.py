"""The cache is really used: persisted DataFrames are computed once and read
back afterwards, evicted under a small cache budget (to disk for levels
with disk, recomputed for memory-only ones) with unchanged results, and
freed by unpersist, RemoveCachedRemoteRelation and the end of the session.

Ember-only: it reads Ember's diagnostic conf spark.ember.cache.stats (JSON
counters of the session's cache: partsComputed — partitions computed and
stored —, scans — queries that read a complete cached relation —,
evictions, diskWrites, memBytes, persisted, checkpoints). What a client can
compare with Spark (levels, rows, partitions) is in cases/cache.py and
cases/checkpoint.py.
"""
import gc
import json
import os
import tempfile

import pytest
from pyspark import StorageLevel
from pyspark.sql import functions as F

from conftest import new_session


def stats(spark):
    return json.loads(spark.conf.get("spark.ember.cache.stats"))


@pytest.fixture
def fresh(server_url, ember_only):
    s = new_session(server_url)
    yield s
    s.stop()


def make(spark, n=20000, parts=4, tag=0):
    return spark.range(n, numPartitions=parts).select(
        F.col("id"), (F.col("id") * 7 + tag).alias("v"), F.spark_partition_id().alias("pid"))


def test_cache_computed_once_then_read(fresh):
    df = make(fresh)
    expected = make(fresh).toArrow()
    df.cache()
    assert stats(fresh)["partsComputed"] == 0  # lazy: persist computes nothing
    assert df.toArrow().equals(expected)
    s1 = stats(fresh)
    assert s1["partsComputed"] == 4 and s1["scans"] == 0 and s1["memBytes"] > 0
    assert df.toArrow().equals(expected)
    assert df.filter(F.col("v") % 3 == 0).count() == sum(1 for x in expected["v"].to_pylist() if x % 3 == 0)
    # A DataFrame built the same way again reads the same cache.
    assert make(fresh).agg(F.sum("v")).collect()[0][0] == sum(expected["v"].to_pylist())
    s2 = stats(fresh)
    assert s2["partsComputed"] == 4 and s2["scans"] == 3
    df.unpersist()
    s3 = stats(fresh)
    assert s3["persisted"] == 0 and s3["memBytes"] == 0
    assert df.toArrow().equals(expected)
    assert stats(fresh)["scans"] == 3


def test_memory_only_evicted_and_recomputed(fresh):
    fresh.conf.set("spark.ember.cache.memoryBudget", "64k")
    df = make(fresh, tag=1)
    expected = make(fresh, tag=1).toArrow()
    df.persist(StorageLevel.MEMORY_ONLY)
    assert df.toArrow().equals(expected)
    s1 = stats(fresh)
    assert s1["partsComputed"] == 4 and s1["evictions"] >= 3 and s1["diskWrites"] == 0
    assert s1["memBytes"] <= 64 * 1024
    # Lost partitions are recomputed from the lineage: same rows.
    assert df.toArrow().equals(expected)
    s2 = stats(fresh)
    assert s2["partsComputed"] > 4 and s2["scans"] == 0
    df.unpersist()


def test_memory_and_disk_evicted_to_disk(fresh):
    d = tempfile.mkdtemp(prefix="ember-cache-client-")
    fresh.conf.set("spark.ember.spill.dir", d)
    fresh.conf.set("spark.ember.cache.memoryBudget", "64k")
    try:
        df = make(fresh, tag=2)
        expected = make(fresh, tag=2).toArrow()
        df.persist(StorageLevel.MEMORY_AND_DISK)
        assert df.toArrow().equals(expected)
        s1 = stats(fresh)
        assert s1["partsComputed"] == 4 and s1["diskWrites"] >= 3 and s1["diskBytes"] > 0
        # Read back from disk and memory, not recomputed.
        assert df.toArrow().equals(expected)
        got = df.groupBy("pid").count().orderBy("pid").collect()
        assert [r[1] for r in got] == [5000] * 4
        s2 = stats(fresh)
        assert s2["partsComputed"] == 4 and s2["scans"] == 2
        disk_only = make(fresh, tag=3)
        want = make(fresh, tag=3).toArrow()  # before persisting: computed
        disk_only.persist(StorageLevel.DISK_ONLY)
        assert disk_only.toArrow().equals(want)
        assert disk_only.toArrow().equals(want)
        s3 = stats(fresh)
        assert s3["diskWrites"] >= s2["diskWrites"] + 4 and s3["scans"] == 3
        df.unpersist()
        disk_only.unpersist()
    finally:
        fresh.conf.unset("spark.ember.spill.dir")
        fresh.conf.unset("spark.ember.cache.memoryBudget")
    # Spill files are unlinked at creation: nothing is ever left.
    assert os.listdir(d) == []
    os.rmdir(d)


def test_lru_keeps_recently_used(fresh):
    fresh.conf.set("spark.ember.cache.memoryBudget", "1m")
    a = make(fresh, n=20000, parts=2, tag=4)  # ~480 KB
    b = make(fresh, n=20000, parts=2, tag=5)
    a.persist(StorageLevel.MEMORY_ONLY)
    b.persist(StorageLevel.MEMORY_ONLY)
    a.count()
    b.count()
    assert stats(fresh)["evictions"] == 0
    c = make(fresh, n=20000, parts=2, tag=6)
    c.persist(StorageLevel.MEMORY_ONLY)
    a.count()  # a is the most recently used: b goes first when c comes
    c.count()
    s = stats(fresh)
    assert s["evictions"] >= 1
    before = s["partsComputed"]
    a.count()
    assert stats(fresh)["partsComputed"] == before  # a stayed
    b.count()
    assert stats(fresh)["partsComputed"] > before  # b was evicted: recomputed


def test_local_checkpoint_truncates_and_frees(fresh):
    df = make(fresh, n=1000, parts=2, tag=7)
    cp = df.localCheckpoint()
    s1 = stats(fresh)
    assert s1["checkpoints"] == 1 and s1["partsComputed"] == 2  # eager
    assert cp.toArrow().equals(df.toArrow())
    assert stats(fresh)["partsComputed"] == 2
    lazy = df.localCheckpoint(eager=False)
    assert stats(fresh)["partsComputed"] == 2
    assert lazy.count() == 1000
    assert stats(fresh)["partsComputed"] == 4
    del cp, lazy
    gc.collect()  # PySpark sends RemoveCachedRemoteRelationCommand
    assert stats(fresh)["checkpoints"] == 0


def test_reliable_checkpoint_with_dir(fresh):
    d = tempfile.mkdtemp(prefix="ember-ckpt-client-")
    fresh.conf.set("spark.checkpoint.dir", d)
    try:
        df = make(fresh, n=3000, parts=3, tag=8)
        cp = df.checkpoint()
        files = os.listdir(d)
        assert len(files) == 1 and os.path.getsize(os.path.join(d, files[0])) > 0
        assert cp.toArrow().equals(df.toArrow())
        assert cp.filter(F.col("pid") == 1).count() == 1000
        del cp
        gc.collect()
        assert os.listdir(d) == []
    finally:
        fresh.conf.unset("spark.checkpoint.dir")
        os.rmdir(d)


def test_session_end_frees(server_url, ember_only, server_alive):
    s = new_session(server_url)
    df = make(s, tag=9)
    df.cache()
    df.count()
    cp = make(s, n=100, parts=1, tag=10).localCheckpoint()
    assert stats(s)["memBytes"] > 0 and stats(s)["checkpoints"] == 1
    s.stop()
    del cp
    gc.collect()
    server_alive()
