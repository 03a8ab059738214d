"""rand / random / randn: seeded columns give Spark's values for the same
partitioning (XORShiftRandom(seed + partition index) per partition),
unseeded ones draw a seed; the seed must be an INT or BIGINT constant."""

from pyspark.sql import functions as F

from caselib import collect, error


def case_rand_seeded(spark):
    df = spark.range(0, 20, 1, 3).select("id", F.rand(42), F.rand(-7).alias("neg"))
    return collect(df)


def case_randn_seeded(spark):
    df = spark.range(0, 25, 1, 2).select("id", F.randn(7), F.randn(0).alias("z"))
    return collect(df)


def case_rand_sql_forms(spark):
    df = spark.range(0, 8, 1, 2).selectExpr("id", "rand(3L)", "random(3)", "rand(NULL)", "rand(0)", "randn(CAST(5 AS INT))")
    return collect(df)


def case_rand_unseeded_bounds(spark):
    df = spark.range(0, 5000, 1, 4).select(F.rand().alias("r"), F.randn().alias("g"))
    row = df.agg(F.min("r") >= 0, F.max("r") < 1, F.count("*"), F.countDistinct("r") > 4900,
                 F.abs(F.avg("g")) < 0.2).collect()[0]
    return [bool(row[0]), bool(row[1]), row[2], bool(row[3]), bool(row[4])]


def case_rand_in_filter_and_arith(spark):
    df = spark.range(0, 30, 1, 2).filter(F.rand(11) < 0.5).select("id", (F.rand(5) * 10).cast("int").alias("k"))
    return collect(df)


def case_rand_error_column_seed(spark):
    return error(lambda: spark.range(3).selectExpr("rand(id)").collect())


def case_rand_error_string_seed(spark):
    return error(lambda: spark.range(3).selectExpr("rand('a')").collect())


def case_rand_error_two_args(spark):
    return error(lambda: spark.range(3).selectExpr("rand(1, 2)").collect())
