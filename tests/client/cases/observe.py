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
