"""Statistics: describe(), summary() (custom statistics and percentiles),
crosstab, cov, corr, approxQuantile, freqItems, sampleBy, and the aggregate
functions behind them (percentile_approx, percentile, median, mode,
count_distinct, kurtosis, skewness, covar_pop/covar_samp, corr)."""

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import collect, error, result, schema_json, rows


def sorted_result(df):
    rs = df.collect()
    body = sorted(rows(rs), key=lambda r: repr(r))
    return {"columns": list(df.columns), "rows": body, "schema": schema_json(df)}


def people(spark):
    schema = T.StructType([
        T.StructField("name", T.StringType(), True),
        T.StructField("age", T.IntegerType(), True),
        T.StructField("height", T.DoubleType(), True),
        T.StructField("score", T.LongType(), True),
        T.StructField("ok", T.BooleanType(), True),
        T.StructField("num", T.StringType(), True),
    ])
    data = [
        ("Ann", 31, 1.65, 10, True, "1.5"),
        ("Bob", 25, 1.80, 20, False, "x"),
        ("Cid", None, 1.72, 20, True, "3"),
        ("Dee", 40, None, 5, None, None),
        ("Eve", 25, 1.58, 7, True, "10"),
        (None, 33, 1.91, None, False, "2"),
    ]
    return spark.createDataFrame(data, schema)


def nums(spark, n=100):
    return spark.range(n).select(
        F.col("id"), (F.col("id") % 7).alias("m7"), (F.col("id") * 1.5 - 10).alias("x"),
        ((F.col("id") * 37) % 101).alias("y"))


# ---- describe / summary ----

def case_describe_all(spark):
    return result(people(spark).describe())


def case_describe_columns(spark):
    return result(people(spark).describe("age", "height"))


def case_describe_string_only(spark):
    return result(people(spark).describe("name"))


def case_describe_no_eligible_columns(spark):
    return result(people(spark).select("ok").describe())


def case_summary_default(spark):
    return result(people(spark).summary())


def case_summary_custom(spark):
    return result(people(spark).summary("count", "min", "max", "count_distinct", "approx_count_distinct"))


def case_summary_percentiles(spark):
    return result(nums(spark).summary("10%", "50%", "99.5%", "mean"))


def case_summary_empty(spark):
    return result(people(spark).filter(F.col("age") > 100).summary())


def case_summary_error_statistic(spark):
    return error(lambda: people(spark).summary("nope").collect())


# ---- cov / corr ----

def case_cov(spark):
    return people(spark).stat.cov("age", "score")


def case_cov_range(spark):
    return nums(spark).stat.cov("id", "y")


def case_corr(spark):
    return nums(spark).stat.corr("x", "y")


def case_corr_people(spark):
    return people(spark).stat.corr("age", "height")


def case_cov_error_string(spark):
    return error(lambda: people(spark).stat.cov("name", "age"))


# ---- approxQuantile ----

def case_approx_quantile_exact(spark):
    return nums(spark).approxQuantile("x", [0.0, 0.25, 0.5, 0.75, 1.0], 0.0)


def case_approx_quantile_relative(spark):
    return nums(spark, 1000).approxQuantile(["id", "y"], [0.1, 0.5, 0.9], 0.05)


def case_approx_quantile_nulls(spark):
    return people(spark).approxQuantile(["age", "height"], [0.5], 0.01)


def case_approx_quantile_empty(spark):
    return people(spark).filter("false" == "true").approxQuantile("age", [0.5], 0.1) \
        if False else people(spark).filter(F.col("age") > 100).approxQuantile("age", [0.5], 0.1)


# ---- crosstab ----

def case_crosstab(spark):
    df = people(spark).stat.crosstab("age", "ok")
    return sorted_result(df)


def case_crosstab_strings(spark):
    df = spark.createDataFrame([("a", "x"), ("a", "y"), ("b", "x"), (None, "x"), ("a", None)], "k string, v string")
    return sorted_result(df.stat.crosstab("k", "v"))


# ---- freqItems ----

def case_freq_items(spark):
    df = spark.createDataFrame([(1, "a"), (1, "b"), (1, "a"), (2, "a"), (3, "c")], "i int, s string")
    out = df.stat.freqItems(["i", "s"], 0.5)
    rs = out.collect()
    return {"columns": list(out.columns), "schema": schema_json(out),
            "values": [sorted(repr(x) for x in rs[0][c]) for c in out.columns]}


# ---- sampleBy ----

def case_sample_by(spark):
    df = spark.range(0, 100).select((F.col("id") % 3).alias("key"), F.col("id"))
    return result(df.stat.sampleBy("key", fractions={0: 0.1, 1: 0.2}, seed=0))


def case_sample_by_strings(spark):
    df = spark.range(0, 50).select(F.when(F.col("id") % 2 == 0, "even").otherwise("odd").alias("k"), F.col("id"))
    return result(df.stat.sampleBy("k", fractions={"even": 0.5, "odd": 1.0}, seed=42))


# ---- aggregate functions ----

def case_percentile_approx(spark):
    return result(nums(spark).agg(
        F.percentile_approx("x", 0.5), F.percentile_approx("id", [0.25, 0.75], 100),
        F.percentile_approx("y", 0.9, 10)))


def case_percentile_approx_grouped(spark):
    return sorted_result(nums(spark).groupBy("m7").agg(F.percentile_approx("y", 0.5).alias("p")))


def case_percentile(spark):
    return result(nums(spark).agg(F.percentile("x", 0.5), F.percentile("y", [0.1, 0.9]), F.median("y")))


def case_median_grouped(spark):
    return sorted_result(nums(spark).groupBy("m7").agg(F.median("x")))


def case_mode(spark):
    return result(people(spark).agg(F.mode("age"), F.mode("score")))


def case_count_distinct(spark):
    return result(people(spark).agg(F.count_distinct("age"), F.countDistinct("age", "score"),
                                    F.approx_count_distinct("score")))


def case_moments(spark):
    return result(nums(spark).agg(F.kurtosis("y"), F.skewness("y"), F.kurtosis("x"), F.skewness("x")))


def case_covariance_functions(spark):
    return result(nums(spark).agg(F.covar_pop("x", "y"), F.covar_samp("x", "y"), F.corr("x", "y")))


def case_covariance_people(spark):
    return result(people(spark).agg(F.covar_pop("age", "score"), F.covar_samp("age", "height"),
                                    F.corr("age", "score")))


# ---- exact percentiles and mode: grouped, NULLs, frequencies, errors ----

def case_percentile_grouped_nulls(spark):
    df = people(spark).groupBy("ok").agg(
        F.percentile("age", 0.5), F.percentile("height", [0.25, 0.75]), F.median("score"),
        F.mode("name"), F.mode("age"))
    return sorted_result(df)


def case_percentile_frequency(spark):
    df = spark.createDataFrame(
        [(1, 3), (2, 1), (3, None), (4, 0), (None, 5), (10, 2)], "v int, f int")
    return result(df.agg(F.percentile("v", 0.5, F.col("f")), F.percentile("v", [0.0, 1.0], 2),
                         F.percentile(F.col("v").cast("decimal(10,2)"), 0.3)))


def case_percentile_empty(spark):
    df = people(spark).filter(F.col("age") > 100)
    return result(df.agg(F.percentile("age", 0.5), F.median("height"), F.mode("name"),
                         F.percentile("score", [0.5])))


def case_percentile_error_range(spark):
    return error(lambda: nums(spark).agg(F.percentile("x", 1.5)).collect())


def case_percentile_error_negative_frequency(spark):
    df = spark.createDataFrame([(1, 1), (2, -1)], "v int, f int")
    return error(lambda: df.agg(F.percentile("v", 0.5, F.col("f"))).collect())


def case_mode_deterministic(spark):
    df = spark.createDataFrame([("b", 1), ("a", 2), ("b", 2), ("a", 1), (None, 3), (None, 3), (None, 3)],
                               "s string, i int")
    return result(df.agg(F.mode("s", True), F.mode("i", True), F.mode("s")))


def case_mode_grouped(spark):
    df = spark.range(0, 40).select((F.col("id") % 4).alias("g"),
                                   F.when(F.col("id") % 5 == 0, None).otherwise(F.col("id") % 3).alias("v"))
    return sorted_result(df.groupBy("g").agg(F.mode("v", True), F.median("v")))


def case_percentile_sql(spark):
    return result(spark.sql(
        "SELECT percentile(id, 0.25), median(id), mode(id % 3), percentile(id, array(0.5, 0.9), 2) "
        "FROM range(10)"))


# ---- freqItems and sampleBy: NULLs, several columns, missing strata ----

def case_freq_items_nulls(spark):
    df = spark.createDataFrame([(1, None, 1.5), (None, "x", 1.5), (None, "x", 2.5), (None, None, 1.5),
                                (2, "y", None)], "i int, s string, d double")
    out = df.stat.freqItems(["i", "s", "d"])
    rs = out.collect()
    return {"columns": list(out.columns), "schema": schema_json(out),
            "values": [sorted(repr(x) for x in rs[0][c]) for c in out.columns]}


def case_freq_items_range(spark):
    df = spark.range(0, 1000).select((F.col("id") % 10).alias("a"), (F.col("id") % 3 == 0).alias("b"))
    out = df.stat.freqItems(["a", "b"], 0.3)
    rs = out.collect()
    return {"columns": list(out.columns), "schema": schema_json(out),
            "values": [sorted(repr(x) for x in rs[0][c]) for c in out.columns]}


def case_freq_items_error_support(spark):
    return error(lambda: people(spark).stat.freqItems(["age"], 2.0).collect())


def case_sample_by_nulls(spark):
    df = spark.range(0, 60).select(F.when(F.col("id") % 4 == 0, None).otherwise(F.col("id") % 2).alias("k"),
                                   F.col("id"))
    return result(df.stat.sampleBy("k", fractions={0: 0.5, 1: 0.0, 7: 1.0}, seed=7))


def case_sample_by_partitions(spark):
    df = spark.range(0, 200, 1, 4).select((F.col("id") % 2).alias("k"), F.col("id"))
    return result(df.stat.sampleBy(F.col("k"), fractions={0: 0.3, 1: 0.6}, seed=123))


def case_freq_items_order(spark):
    df = spark.createDataFrame([(i % 7, "k%d" % (i % 5), float(i % 4) / 2, i % 3 == 0) for i in range(40)],
                               "a int, s string, d double, b boolean")
    return result(df.stat.freqItems(["a", "s", "d", "b"], 0.1))


def case_freq_items_order_range(spark):
    df = spark.range(0, 300).select((F.col("id") % 13).alias("a"), (F.col("id") * 1000003 % 40).alias("b"),
                                    F.concat(F.lit("v"), (F.col("id") % 17).cast("string")).alias("s"))
    return result(df.stat.freqItems(["a", "b", "s"], 0.02))


def case_sample_by_error_fraction(spark):
    df = spark.range(0, 10).select((F.col("id") % 2).alias("k"))
    return error(lambda: df.stat.sampleBy("k", fractions={0: 1.5, 1: 0.2, "x": 0.1}, seed=1).collect())


def case_sample_by_float_strata(spark):
    df = spark.range(0, 80).select((F.col("id") % 3).alias("k"), (F.col("id") % 3 * 0.5).alias("h"), F.col("id"))
    return {"by_long": result(df.stat.sampleBy("k", fractions={1.0: 0.5, 2: 0.9}, seed=11)),
            "by_double": result(df.stat.sampleBy("h", fractions={0.5: 0.7, 1: 0.4, 0: 0.2}, seed=5))}


def case_percentile_intervals(spark):
    return result(spark.sql(
        "SELECT percentile(x, 0.5), median(x), percentile(x, array(0.1, 0.75)) FROM VALUES "
        "(INTERVAL '1 00:00:00' DAY TO SECOND), (INTERVAL '3 00:00:00' DAY TO SECOND), "
        "(INTERVAL '2 03:04:05.5' DAY TO SECOND), (NULL) AS t(x)"))


def case_percentile_approx_decimal(spark):
    df = nums(spark).select(F.col("x").cast("decimal(10,3)").alias("d"), (F.col("y") / 7).cast("decimal(6,2)").alias("e"),
                            F.col("m7"))
    return sorted_result(df.groupBy("m7").agg(F.percentile_approx("d", 0.5), F.percentile_approx("e", [0.1, 0.9]),
                                              F.percentile("d", 0.5)))


def case_sample_by_large(spark):
    df = spark.range(0, 60000).select((F.col("id") % 5).alias("k"), F.col("id"))
    out = df.stat.sampleBy("k", fractions={0: 0.3, 3: 0.05, 4: 1.0}, seed=99)
    return result(out.groupBy("k").agg(F.count(F.lit(1)).alias("n"), F.sum("id").alias("s")).orderBy("k"))


def case_freq_items_empty(spark):
    return result(people(spark).filter(F.col("age") > 100).stat.freqItems(["name", "age"]))


def case_percentile_window(spark):
    from pyspark.sql import Window
    df = nums(spark, 30)
    w = Window.partitionBy("m7")
    return result(df.select("id", "m7", F.median("y").over(w).alias("med"),
                            F.percentile("x", [0.25, 0.5]).over(w).alias("p"),
                            F.mode("m7").over(w).alias("mo")).orderBy("id"))


def case_percentile_window_frame(spark):
    from pyspark.sql import Window
    w = Window.partitionBy("m7").orderBy("id").rowsBetween(-2, 0)
    return result(nums(spark, 30).select("id", F.percentile("x", 0.5).over(w).alias("p")).orderBy("id"))


def case_median_window_order_error(spark):
    from pyspark.sql import Window
    w = Window.partitionBy("m7").orderBy("id")
    return error(lambda: nums(spark, 30).select(F.median("y").over(w)).collect())


def case_mode_window_ordered(spark):
    from pyspark.sql import Window
    w = Window.partitionBy("m7").orderBy("id")
    return result(nums(spark, 30).select("id", F.mode(F.col("y") % 4, True).over(w).alias("mo")).orderBy("id"))
