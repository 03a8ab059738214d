"""The sqllogictest files of tests/slt/sql, each on a fresh session of the
server under test. Records that Ember cannot pass yet are listed in
tests/slt/not_yet.txt ("file.slt:N reason"), strictly: a listed record that
passes fails the test, so the list shrinks as features land."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SLT = os.path.join(HERE, "..", "slt")
sys.path.insert(0, SLT)

import slt  # noqa: E402

FILES = sorted(f for f in os.listdir(os.path.join(SLT, "sql")) if f.endswith(".slt"))


def _not_yet():
    known = {}
    path = os.path.join(SLT, "not_yet.txt")
    if os.path.exists(path):
        for ln in open(path, encoding="utf-8"):
            ln = ln.strip()
            if ln and not ln.startswith("#"):
                key, _, reason = ln.partition(" ")
                known[key] = reason
    return known


@pytest.mark.parametrize("name", FILES)
def test_slt(name, server, server_url):
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.remote(server_url).create()
    try:
        bad = slt.check(spark, os.path.join(SLT, "sql", name))
    finally:
        spark.stop()
    known = {k for k in _not_yet() if k.startswith(name + ":")} if not server.is_spark else set()
    failing = {f"{name}:{b.split(':', 1)[0].split()[1]}" for b in bad}
    unexpected = [b for b in bad if f"{name}:{b.split(':', 1)[0].split()[1]}" not in known]
    fixed = sorted(known - failing)
    assert not unexpected, "\n".join(unexpected)
    assert not fixed, f"records listed in tests/slt/not_yet.txt now pass: {fixed}"
