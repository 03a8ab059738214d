"""df.observe with an Observation: metrics computed while the query runs and
returned in the ExecutePlanResponse's observed_metrics."""

from pyspark.sql import Observation
from pyspark.sql import functions as F

from caselib import collect, error


def case_observe_collect(spark):
    obs = Observation("stats")
    df = spark.range(10).observe(obs, F.count(F.lit(1)).alias("rows"), F.max("id").alias("maxid"),
                                 F.sum("id").alias("total"))
    out = collect(df)
    return {"result": out, "metrics": obs.get}


def case_observe_filtered(spark):
    obs = Observation("f")
    df = spark.range(20).observe(obs, F.count(F.lit(1)).alias("n")).filter(F.col("id") % 3 == 0)
    out = collect(df)
    return {"result": out, "metrics": obs.get}


def case_observe_named_string(spark):
    df = spark.range(5).observe("named", F.avg("id").alias("avg"))
    return collect(df)


def case_observe_error_not_aggregate(spark):
    obs = Observation("bad")
    return error(lambda: spark.range(3).observe(obs, F.col("id").alias("x")).collect())


def case_observe_then_aggregate(spark):
    obs = Observation("agg")
    df = spark.range(0, 12).observe(obs, F.count(F.lit(1)).alias("n"), F.min("id").alias("lo"))
    out = collect(df.groupBy((F.col("id") % 3).alias("k")).agg(F.sum("id").alias("s")).orderBy("k"))
    return {"result": out, "metrics": obs.get}


def case_observe_two(spark):
    o1, o2 = Observation("before"), Observation("after")
    df = spark.range(30).observe(o1, F.count(F.lit(1)).alias("n")).filter("id % 2 = 0") \
        .observe(o2, F.count(F.lit(1)).alias("n"), F.sum("id").alias("s"))
    out = collect(df)
    return {"result": out, "before": o1.get, "after": o2.get}


def case_observe_nulls_types(spark):
    obs = Observation("types")
    df = spark.createDataFrame([(1, "a", 1.5), (None, "b", None), (3, None, 2.5)], "i int, s string, d double")
    df = df.observe(obs, F.count("i").alias("ci"), F.sum("i").alias("si"), F.max("s").alias("ms"),
                    F.avg("d").alias("ad"), (F.max("i") + 1).alias("expr"),
                    F.sum(F.col("i").cast("decimal(10,2)")).alias("dec"), F.min("d").alias("md"))
    out = collect(df)
    return {"result": out, "metrics": obs.get}


def case_observe_empty(spark):
    obs = Observation("empty")
    df = spark.range(5).filter("id > 10").observe(obs, F.count(F.lit(1)).alias("n"), F.max("id").alias("m"))
    out = collect(df)
    return {"result": out, "metrics": obs.get}


def case_observe_error_distinct(spark):
    obs = Observation("d")
    return error(lambda: spark.range(3).observe(obs, F.count_distinct("id").alias("c")).collect())


def case_observe_count_and_unaliased(spark):
    obs = Observation("cnt")
    df = spark.range(0, 25).observe(obs, F.sum("id"), F.count(F.lit(1)), F.max(F.col("id") * 2))
    n = df.count()
    return {"count": n, "metrics": obs.get}


def case_observe_join(spark):
    obs = Observation("left")
    left = spark.range(0, 10).observe(obs, F.count(F.lit(1)).alias("n"), F.avg("id").alias("a"))
    right = spark.range(5, 15).withColumnRenamed("id", "rid")
    out = collect(left.join(right, left.id == right.rid).orderBy("id"))
    return {"result": out, "metrics": obs.get}


def case_observe_grouped_metrics_error(spark):
    obs = Observation("g")
    return error(lambda: spark.range(3).observe(obs, (F.col("id") + F.sum("id")).alias("x")).collect())


def case_observe_nondeterministic_input(spark):
    # The metrics describe the rows the query returned: one computation of
    # a non-deterministic input (a second run would draw other values).
    obs = Observation("nd")
    df = spark.range(0, 3000, 1, 3).select((F.rand() * 1000).alias("r")) \
        .observe(obs, F.count(F.lit(1)).alias("n"), F.max("r").alias("hi"), F.min("r").alias("lo"))
    rows = df.collect()
    m = obs.get
    vals = [r.r for r in rows]
    return {"n": m["n"], "same_max": m["hi"] == max(vals), "same_min": m["lo"] == min(vals)}


def case_observe_many_partitions_expression(spark):
    obs = Observation("expr")
    df = spark.range(0, 5000, 1, 4).observe(
        obs, (F.sum("id") * 2 + F.count(F.lit(1))).alias("mix"), F.avg(F.col("id") % 7).alias("a"),
        F.lit(3).alias("three"))
    out = collect(df.filter("id < 5"))
    return {"result": out, "metrics": obs.get}
