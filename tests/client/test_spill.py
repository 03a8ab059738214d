"""Spilling under a small memory budget, through the PySpark client.

The budget is a session conf (spark.ember.memory.queryBudget), so each test
runs the same query with and without it on the server under test and
compares the results exactly; with spilling turned off the same budget must
fail with UNABLE_TO_ACQUIRE_MEMORY, which proves the budget binds and that
spilling is what makes the query succeed. The spill directory is a fresh
temporary directory that must be empty afterwards. Ember-only: the keys
are Ember's own.
"""
import os
import tempfile

import pytest
from pyspark.errors import PySparkException
from pyspark.sql import functions as F

BUDGET = "2m"


@pytest.fixture
def budget(spark, ember_only):
    d = tempfile.mkdtemp(prefix="ember-spill-client-")

    def set_budget(on: bool, spill: bool = True):
        if on:
            spark.conf.set("spark.ember.memory.queryBudget", BUDGET)
            spark.conf.set("spark.ember.spill.dir", d)
            spark.conf.set("spark.ember.spill.enabled", "true" if spill else "false")
        else:
            spark.conf.unset("spark.ember.memory.queryBudget")
            spark.conf.unset("spark.ember.spill.dir")
            spark.conf.unset("spark.ember.spill.enabled")

    yield set_budget
    set_budget(False)
    left = os.listdir(d)
    os.rmdir(d) if not left else None
    assert left == [], f"spill files left behind: {left}"


def _both(spark, budget, make, ordered):
    budget(False)
    plain = make().toArrow()
    budget(True)
    spilled = make().toArrow()
    budget(True, spill=False)
    with pytest.raises(PySparkException) as e:
        make().toArrow()
    assert "UNABLE_TO_ACQUIRE_MEMORY" in str(e.value)
    budget(False)
    if not ordered:
        keys = [(c, "ascending") for c in plain.column_names]
        plain, spilled = plain.sort_by(keys), spilled.sort_by(keys)
    assert plain.num_rows == spilled.num_rows
    assert plain.schema == spilled.schema
    assert plain.equals(spilled)
    return plain


def test_sort_spills(spark, budget):
    def q():
        df = spark.range(0, 400_000, 1, 4)
        return df.select("id", ((F.col("id") * 7919) % 100_003).alias("k"), F.col("id").cast("string").alias("s")).orderBy("k")

    t = _both(spark, budget, q, ordered=True)
    assert t.num_rows == 400_000
    ks = t.column("k").to_pylist()
    assert ks == sorted(ks)


def test_group_by_spills(spark, budget):
    def q():
        df = spark.range(0, 400_000, 1, 4).select(((F.col("id") * 7919) % 100_000).alias("k"), (F.col("id") / 3).alias("d"))
        return df.groupBy("k").agg(F.sum("d").alias("s"), F.count("*").alias("n"), F.max("d").alias("mx"), F.avg("d").alias("a"))

    t = _both(spark, budget, q, ordered=False)
    assert t.num_rows == 100_000
    assert sum(t.column("n").to_pylist()) == 400_000


def test_join_spills(spark, budget):
    def q():
        left = spark.range(0, 400_000, 1, 4).select(F.col("id").alias("lid"), (F.col("id") % 150_000).alias("k"))
        right = spark.range(0, 150_000, 1, 2).select(((F.col("id") * 7919) % 150_000).alias("k"), F.col("id").alias("rid"))
        return left.join(right, "k", "left")

    t = _both(spark, budget, q, ordered=False)
    assert t.num_rows == 400_000


def test_repartition_spills(spark, budget):
    # A hash exchange over the budget: same rows in the same partitions and
    # order (compared in output order, with the partition id).
    def q():
        df = spark.range(0, 400_000, 1, 4).select("id", ((F.col("id") * 7919) % 100_003).alias("k"),
                                                 F.col("id").cast("string").alias("s"))
        return df.repartition(6, "k").withColumn("p", F.spark_partition_id())

    t = _both(spark, budget, q, ordered=True)
    assert t.num_rows == 400_000
    assert len(set(t.column("p").to_pylist())) == 6
