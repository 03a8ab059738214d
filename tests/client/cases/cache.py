"""cache / persist / unpersist / storageLevel / is_cached: the storage level
a DataFrame reports through AnalyzePlan, which plans count as the cached
one (Spark matches analyzed plans: a DataFrame built again the same way,
or renamed, is cached too), and that cached DataFrames return the same rows,
partitions and order as before, also when queries build on them."""

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


def pid():
    return F.spark_partition_id().alias("pid")


def case_equal_plan_is_cached(spark):
    df = spark.range(10).withColumn("y", F.col("id") + 1)
    df.cache()
    out = {
        "rebuilt": spark.range(10).withColumn("y", F.col("id") + 1).is_cached,
        "other_alias": spark.range(10).withColumn("z", F.col("id") + 1).is_cached,
        "select_form": spark.range(10).select("id", (F.col("id") + 1).alias("y")).is_cached,
        "renamed": spark.range(10).withColumn("y", F.col("id") + 1).toDF("a", "b").is_cached,
        "other_constant": spark.range(10).withColumn("y", F.col("id") + 2).is_cached,
        "other_range": spark.range(11).withColumn("y", F.col("id") + 1).is_cached,
        "filtered": spark.range(10).withColumn("y", F.col("id") + 1).filter(F.col("y") > 3).is_cached,
    }
    df.unpersist()
    out["after_unpersist"] = spark.range(10).withColumn("y", F.col("id") + 1).is_cached
    return out


def case_unpersist_through_equal_plan(spark):
    df = spark.range(6).select((F.col("id") * 3).alias("t"))
    df.persist(StorageLevel.MEMORY_ONLY)
    other = spark.range(6).select((F.col("id") * 3).alias("t"))
    level_other = level(other)
    other.unpersist()
    return {"other": level_other, "df_after": level(df)}


def case_cached_queries(spark):
    df = spark.range(0, 40, 3, numPartitions=3).select(F.col("id"), (F.col("id") % 4).alias("k"), pid())
    df.cache()
    first = result(df)
    again = result(df)
    out = {
        "first": first,
        "again": again,
        "count": df.count(),
        "filter": result(df.filter(F.col("k") == 1)),
        "agg": result(df.groupBy("k").agg(F.sum("id").alias("s"), F.count("*").alias("n")).orderBy("k")),
        "pids_on_top": result(df.select("id", pid().alias("p2"))),
        "join": result(df.alias("a").join(df.alias("b"), "id").select("id", "a.k", "b.pid").orderBy("id")),
        "limit": result(df.limit(4)),
        "sorted_desc": result(df.orderBy(F.col("id").desc()).limit(5)),
        "union": result(df.union(df).groupBy("k").count().orderBy("k")),
    }
    df.unpersist()
    out["after_unpersist"] = result(df.filter(F.col("k") == 1))
    return out


def case_cached_local_relation(spark):
    df = spark.createDataFrame([(i, f"s{i}", i / 4) for i in range(9)], "i int, s string, d double")
    df.cache()
    out = {
        "rows": result(df),
        "pids": result(df.select("i", pid())),
        "sum": result(df.agg(F.sum("d").alias("sd"), F.max("s").alias("ms"))),
    }
    df.unpersist()
    return out


def case_persist_levels_results(spark):
    out = {}
    for name in ["MEMORY_ONLY", "MEMORY_AND_DISK", "DISK_ONLY", "MEMORY_AND_DISK_DESER"]:
        df = spark.range(50, numPartitions=4).select(F.col("id"), F.concat(F.lit(name), F.col("id").cast("string")).alias("x"))
        df.persist(getattr(StorageLevel, name))
        out[name] = {
            "first": result(df.filter(F.col("id") % 7 == 0)),
            "second": result(df.filter(F.col("id") % 9 == 0).select(pid(), "x")),
            "count": df.count(),
            "level": level(df),
        }
        df.unpersist()
    return out


def case_cache_over_cache(spark):
    base = spark.range(20, numPartitions=2).select(F.col("id"), (F.col("id") % 3).alias("g"))
    base.cache()
    top = base.groupBy("g").agg(F.sum("id").alias("s"))
    top.cache()
    out = {
        "base": level(base),
        "top": level(top),
        "top_rows": result(top.orderBy("g")),
        "base_rows": result(base.filter(F.col("g") == 2)),
    }
    base.unpersist()
    out["top_after_base_unpersist"] = {"level": level(top), "rows": result(top.orderBy("g"))}
    top.unpersist()
    return out
