"""checkpoint / localCheckpoint: the Checkpoint command, the
CachedRemoteRelation the client refers to afterwards, and queries over it.

The oracle runs without a checkpoint directory, so a reliable checkpoint
fails there as in Spark (_LEGACY_ERROR_TEMP_3016); local checkpoints keep
their partitions in the cache."""

from pyspark import StorageLevel
from pyspark.sql import functions as F

from caselib import error, error_info, result


def pid():
    return F.spark_partition_id().alias("pid")


def level(df):
    sl = df.storageLevel
    return {"useDisk": sl.useDisk, "useMemory": sl.useMemory, "useOffHeap": sl.useOffHeap,
            "deserialized": sl.deserialized, "replication": sl.replication, "is_cached": df.is_cached}


def case_checkpoint_needs_dir(spark):
    return error(lambda: spark.range(5).checkpoint())


def case_checkpoint_lazy_needs_dir(spark):
    return error(lambda: spark.range(5).checkpoint(eager=False))


def case_local_checkpoint(spark):
    df = spark.range(0, 30, 2, numPartitions=3).select(F.col("id"), (F.col("id") % 5).alias("m"))
    cp = df.localCheckpoint()
    return {
        "rows": result(cp),
        "schema": cp.schema.simpleString(),
        "level": level(cp),
        "pids": result(cp.select("id", pid())),
        "filter": result(cp.filter(F.col("m") > 2)),
        "agg": result(cp.groupBy("m").agg(F.count("*").alias("n")).orderBy("m")),
        "again": result(cp),
    }


def case_local_checkpoint_lazy_levels(spark):
    out = {}
    for name in ["MEMORY_ONLY", "DISK_ONLY", "MEMORY_AND_DISK"]:
        df = spark.range(12, numPartitions=2).select(F.col("id"), F.concat(F.lit(name), F.col("id").cast("string")).alias("s"))
        cp = df.localCheckpoint(eager=False, storageLevel=getattr(StorageLevel, name))
        out[name] = {"rows": result(cp.filter(F.col("id") % 3 == 0)), "count": cp.count(), "level": level(cp)}
    return out


def case_local_checkpoint_join_and_union(spark):
    cp = spark.range(8).select(F.col("id"), (F.col("id") * 10).alias("v")).localCheckpoint()
    other = spark.range(4, 12).select(F.col("id"), F.lit("o").alias("tag"))
    return {
        "join": result(cp.join(other, "id").orderBy("id")),
        "union": result(cp.union(cp).groupBy("id").count().orderBy("id")),
        "checkpoint_of_checkpoint": result(cp.filter(F.col("id") > 2).localCheckpoint().orderBy("id")),
    }


def case_local_checkpoint_local_relation(spark):
    df = spark.createDataFrame([(1, "a"), (2, None), (3, "c")], "k int, v string")
    cp = df.localCheckpoint()
    return {"rows": result(cp), "pids": result(cp.select("k", pid()))}


def case_unknown_relation_id(spark):
    from pyspark.sql.connect.dataframe import DataFrame
    from pyspark.sql.connect.plan import CachedRemoteRelation

    df = DataFrame(plan=CachedRemoteRelation("no-such-relation", None), session=spark)
    try:
        df.collect()
    except Exception as e:  # noqa: BLE001
        info = error_info(e, message=False)
        # The session id in the parameters is random.
        info["params"] = {"dfId": info["params"]["dfId"]} if info["params"] else None
        return info
    raise AssertionError("no error")
