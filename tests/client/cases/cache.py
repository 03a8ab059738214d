"""cache / persist / unpersist / storageLevel / is_cached: the storage level
a DataFrame reports through AnalyzePlan, and that persisted DataFrames
return the same rows as before."""

from pyspark import StorageLevel
from pyspark.sql import functions as F

from caselib import result


def level(df):
    sl = df.storageLevel
    return {"useDisk": sl.useDisk, "useMemory": sl.useMemory, "useOffHeap": sl.useOffHeap,
            "deserialized": sl.deserialized, "replication": sl.replication, "is_cached": df.is_cached}


def case_not_cached(spark):
    return level(spark.range(5))


def case_cache_level(spark):
    df = spark.range(7).select((F.col("id") * 2).alias("x"))
    df.cache()
    out = level(df)
    df.unpersist()
    return out


def case_cache_returns_same_rows(spark):
    df = spark.range(10).filter(F.col("id") % 3 == 1)
    before = result(df)
    df.cache()
    after = result(df)
    after_filter = result(df.filter(F.col("id") > 3))
    df.unpersist()
    return {"before": before, "after": after, "after_filter": after_filter}


def case_persist_levels(spark):
    out = {}
    for name in ["MEMORY_ONLY", "MEMORY_AND_DISK", "DISK_ONLY", "MEMORY_ONLY_2", "MEMORY_AND_DISK_DESER", "OFF_HEAP"]:
        df = spark.range(3).withColumn("tag", F.lit(name))
        df.persist(getattr(StorageLevel, name))
        out[name] = level(df)
        df.unpersist()
    return out


def case_unpersist_resets(spark):
    df = spark.range(4)
    df.persist(StorageLevel.DISK_ONLY)
    cached = level(df)
    df.unpersist()
    return {"cached": cached, "after": level(df)}


def case_persist_twice_keeps_first(spark):
    df = spark.range(6).select("id")
    df.persist(StorageLevel.MEMORY_ONLY)
    df.persist(StorageLevel.DISK_ONLY)
    out = level(df)
    df.unpersist()
    return out


def case_derived_not_cached(spark):
    df = spark.range(8)
    df.cache()
    derived = df.select((F.col("id") + 1).alias("y"))
    out = {"derived": level(derived), "rows": result(derived)}
    df.unpersist()
    return out


def case_unpersist_not_cached(spark):
    df = spark.range(2)
    df.unpersist()
    return level(df)
