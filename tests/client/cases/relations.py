"""Relations built on other operators: union / unionAll / unionByName (with
allowMissingColumns), intersect / intersectAll / subtract / exceptAll, sample
and randomSplit (seeded: Spark's generators), hints, to(schema),
withWatermark, and the na functions (fillna, dropna, replace): values, output
names, types and nullability, and the errors Spark raises.

Set operations other than union do not define an order: those results are
sorted on the client."""

import datetime
import decimal
import math

from pyspark.sql import functions as F
from pyspark.sql import types as T

from caselib import collect, error, result, rows, schema_json


def sorted_result(df):
    rs = df.collect()
    body = sorted(rows(rs), key=lambda r: repr(r))
    return {"columns": list(df.columns), "rows": body, "schema": schema_json(df)}


def people(spark):
    return spark.createDataFrame(
        [(1, "a", 1.5), (2, "b", None), (2, "b", None), (3, None, float("nan")), (None, "c", 0.0),
         (None, "c", -0.0), (4, "d", 4.0)],
        "id int, name string, score double")


def others(spark):
    return spark.createDataFrame(
        [(2, "b", None), (3, None, float("nan")), (None, "c", 0.0), (5, "e", 5.0), (2, "b", None), (2, "b", None)],
        "id int, name string, score double")


# ---- union ----

def case_union_all(spark):
    return result(spark.range(3).union(spark.range(10, 12)))


def case_union_all_alias(spark):
    return result(spark.range(2).unionAll(spark.range(2)))


def case_union_three(spark):
    return collect(spark.range(2).union(spark.range(5, 6)).union(spark.range(9, 11)))


def case_union_names_from_left(spark):
    a = spark.range(2).select(F.col("id").alias("x"))
    b = spark.range(2).select(F.col("id").alias("y"))
    return result(a.union(b))


def case_union_widen_int_long(spark):
    a = spark.range(2).select(F.col("id").cast("int").alias("v"))
    b = spark.range(5, 7).select(F.col("id").alias("v"))
    return result(a.union(b))


def case_union_widen_int_double(spark):
    a = spark.createDataFrame([(1,), (2,)], "v int")
    b = spark.createDataFrame([(1.5,)], "v double")
    return result(a.union(b))


def case_union_widen_string_long(spark):
    a = spark.createDataFrame([("7",), ("8",)], "v string")
    b = spark.range(2).select(F.col("id").alias("v"))
    return result(a.union(b))


def case_union_widen_decimals(spark):
    a = spark.createDataFrame([(decimal.Decimal("1.25"),)], "v decimal(5,2)")
    b = spark.createDataFrame([(decimal.Decimal("123456.5"),)], "v decimal(10,1)")
    return result(a.union(b))


def case_union_widen_date_timestamp(spark):
    a = spark.createDataFrame([(datetime.date(2024, 1, 2),)], "v date")
    b = spark.createDataFrame([(datetime.datetime(2024, 1, 2, 3, 4, 5),)], "v timestamp")
    return result(a.union(b))


def case_union_nullability(spark):
    a = spark.range(2)
    b = spark.createDataFrame([(None,), (5,)], "id long")
    return result(a.union(b))


def case_union_nested_nullability(spark):
    a = spark.createDataFrame([([1, 2],)], T.StructType([T.StructField("a", T.ArrayType(T.IntegerType(), False))]))
    b = spark.createDataFrame([([3, None],)], "a array<int>")
    return result(a.union(b))


def case_union_with_nulls_and_strings(spark):
    return result(people(spark).union(others(spark)))


def case_union_num_columns_error(spark):
    return error(lambda: spark.range(3).union(spark.range(3).select("id", "id")).collect())


def case_union_incompatible_error(spark):
    m = spark.createDataFrame([({"a": 1},)], "m map<string,int>")
    return error(lambda: spark.range(1).union(m).collect())


def case_union_then_filter(spark):
    return collect(spark.range(5).union(spark.range(3, 8)).filter(F.col("id") % 2 == 0))


def case_union_limit(spark):
    return collect(spark.range(100).union(spark.range(1000, 2000)).limit(3))


# ---- unionByName ----

def case_union_by_name(spark):
    a = spark.createDataFrame([(1, "x")], "a int, b string")
    b = spark.createDataFrame([("y", 2)], "b string, a int")
    return result(a.unionByName(b))


def case_union_by_name_case_insensitive(spark):
    a = spark.createDataFrame([(1, "x")], "a int, b string")
    b = spark.createDataFrame([("y", 2)], "B string, A int")
    return result(a.unionByName(b))


def case_union_by_name_missing_error(spark):
    a = spark.createDataFrame([(1, "x")], "a int, b string")
    b = spark.createDataFrame([(2,)], "a int")
    return error(lambda: a.unionByName(b).collect())


def case_union_by_name_extra_error(spark):
    a = spark.createDataFrame([(2,)], "a int")
    b = spark.createDataFrame([(1, "x")], "a int, b string")
    return error(lambda: a.unionByName(b).collect())


def case_union_by_name_allow_missing(spark):
    a = spark.createDataFrame([(1, "x")], "a int, b string")
    b = spark.createDataFrame([(2.5, 2)], "c double, a int")
    return result(a.unionByName(b, allowMissingColumns=True))


def case_union_by_name_allow_missing_reverse(spark):
    a = spark.createDataFrame([(2.5, 2)], "c double, a int")
    b = spark.createDataFrame([(1, "x")], "a int, b string")
    return result(a.unionByName(b, allowMissingColumns=True))


def case_union_by_name_widen(spark):
    a = spark.createDataFrame([(1, "x")], "a int, b string")
    b = spark.createDataFrame([("y", 2**40)], "b string, a long")
    return result(a.unionByName(b))


# ---- intersect / except ----

def case_intersect(spark):
    return sorted_result(people(spark).intersect(others(spark)))


def case_intersect_all(spark):
    return sorted_result(people(spark).intersectAll(others(spark)))


def case_subtract(spark):
    return sorted_result(people(spark).subtract(others(spark)))


def case_except_all(spark):
    return sorted_result(people(spark).exceptAll(others(spark)))


def case_except_all_reverse(spark):
    return sorted_result(others(spark).exceptAll(people(spark)))


def case_intersect_nullability(spark):
    a = spark.range(5)
    b = spark.createDataFrame([(None,), (3,), (4,)], "id long")
    return [sorted_result(a.intersect(b)), sorted_result(b.intersect(a)), sorted_result(a.subtract(b)),
            sorted_result(b.exceptAll(a))]


def case_intersect_widen(spark):
    a = spark.range(6).select(F.col("id").cast("int").alias("v"))
    b = spark.createDataFrame([(2.0,), (3.5,), (5.0,)], "v double")
    return sorted_result(a.intersect(b))


def case_intersect_ranges(spark):
    a = spark.range(0, 1000, 3)
    b = spark.range(0, 1000, 5)
    return [a.intersect(b).count(), a.subtract(b).count(), a.exceptAll(b).count(), a.intersectAll(b).count()]


def case_intersect_empty(spark):
    return [sorted_result(spark.range(3).intersect(spark.range(0))),
            sorted_result(spark.range(3).subtract(spark.range(0))),
            sorted_result(spark.range(0).exceptAll(spark.range(3)))]


def case_intersect_map_error(spark):
    m = spark.createDataFrame([({"a": 1},)], "m map<string,int>")
    return error(lambda: m.intersect(m).collect())


def case_except_num_columns_error(spark):
    return error(lambda: spark.range(3).exceptAll(spark.range(3).select("id", "id")).collect())


def case_intersect_num_columns_error(spark):
    return error(lambda: spark.range(3).intersect(spark.range(3).select("id", "id")).collect())


# ---- sample ----

def case_sample_bernoulli(spark):
    return collect(spark.range(30).sample(fraction=0.3, seed=7))


def case_sample_bernoulli_one_partition(spark):
    return collect(spark.range(0, 30, 1, 1).sample(fraction=0.5, seed=-3))


def case_sample_bernoulli_many_partitions(spark):
    return collect(spark.range(0, 100, 1, 7).sample(fraction=0.25, seed=123456789))


def case_sample_fraction_zero_one(spark):
    return [collect(spark.range(10).sample(fraction=0.0, seed=1)), collect(spark.range(10).sample(fraction=1.0, seed=1))]


def case_sample_with_replacement(spark):
    return collect(spark.range(30).sample(withReplacement=True, fraction=0.5, seed=7))


def case_sample_with_replacement_big_fraction(spark):
    return collect(spark.range(0, 30, 1, 3).sample(withReplacement=True, fraction=2.5, seed=11))


def case_sample_local(spark):
    df = spark.createDataFrame([(i, "r%d" % i) for i in range(20)], "i int, s string")
    return collect(df.sample(fraction=0.4, seed=42))


def case_sample_then_pid(spark):
    return collect(spark.range(20).sample(fraction=0.5, seed=3).select("id", F.spark_partition_id().alias("pid")))


def case_sample_fraction_error(spark):
    return error(lambda: spark.range(3).sample(fraction=1.5, seed=1).collect())


def case_sample_negative_error(spark):
    return error(lambda: spark.range(3).sample(fraction=-0.5, seed=1).collect())


def case_random_split(spark):
    return [collect(d) for d in spark.range(20).randomSplit([1.0, 2.0], seed=5)]


def case_random_split_three(spark):
    df = spark.createDataFrame([(i % 4, i) for i in range(24)], "k int, v int")
    return [collect(d) for d in df.randomSplit([0.2, 0.3, 0.5], seed=17)]


# ---- hints, to(schema), withWatermark ----

def case_hint_broadcast(spark):
    return result(spark.range(3).hint("broadcast"))


def case_hint_shuffle_hash(spark):
    return result(spark.range(3).hint("shuffle_hash").select(F.col("id") + 1))


def case_to_schema_reorder_cast(spark):
    df = spark.range(3).select("id", (F.col("id") * 2).alias("x"))
    return result(df.to(T.StructType.fromDDL("x int, id long")))


def case_to_schema_missing_nullable(spark):
    df = spark.range(2)
    return result(df.to(T.StructType.fromDDL("id long, extra string")))


def case_to_schema_not_null(spark):
    return result(spark.range(2).to(T.StructType.fromDDL("id long not null")))


def case_to_schema_case_insensitive(spark):
    return result(spark.range(2).to(T.StructType.fromDDL("ID string")))


def case_to_schema_missing_error(spark):
    df = spark.range(3).select("id", (F.col("id") * 2).alias("x"))
    return error(lambda: df.to(T.StructType.fromDDL("y long not null")).collect())


def case_to_schema_nullable_error(spark):
    df = spark.createDataFrame([(1,)], "a int")
    return error(lambda: df.to(T.StructType.fromDDL("a int not null")).collect())


def case_to_schema_type_error(spark):
    return error(lambda: spark.range(1).to(T.StructType.fromDDL("id map<int,int>")).collect())


def case_with_watermark(spark):
    df = spark.createDataFrame([(datetime.datetime(2024, 1, 1, 0, 0, 5), 1)], "t timestamp, v int")
    return result(df.withWatermark("t", "10 seconds"))


def case_with_watermark_unknown_column(spark):
    return result(spark.range(2).withWatermark("nope", "1 minute"))


def case_with_watermark_bad_delay(spark):
    return error(lambda: spark.range(2).withWatermark("id", "xx").collect())


def case_with_watermark_negative(spark):
    return error(lambda: spark.range(2).withWatermark("id", "-1 minute").collect())


# ---- na ----

def nulls(spark):
    schema = T.StructType([
        T.StructField("i", T.IntegerType(), True),
        T.StructField("l", T.LongType(), True),
        T.StructField("d", T.DoubleType(), True),
        T.StructField("f", T.FloatType(), True),
        T.StructField("s", T.StringType(), True),
        T.StructField("b", T.BooleanType(), True),
        T.StructField("dec", T.DecimalType(10, 2), True),
    ])
    data = [
        (1, 10, 1.5, 2.5, "x", True, decimal.Decimal("1.25")),
        (None, None, None, None, None, None, None),
        (3, None, float("nan"), float("nan"), "", False, None),
        (None, 40, -0.0, None, "y", None, decimal.Decimal("-3.50")),
    ]
    return spark.createDataFrame(data, schema)


def case_fillna_int(spark):
    return result(nulls(spark).fillna(5))


def case_fillna_double(spark):
    return result(nulls(spark).fillna(0.5))


def case_fillna_string(spark):
    return result(nulls(spark).fillna("z"))


def case_fillna_bool(spark):
    return result(nulls(spark).fillna(True))


def case_fillna_subset(spark):
    return result(nulls(spark).fillna(7, subset=["i", "d", "s"]))


def case_fillna_dict(spark):
    return result(nulls(spark).fillna({"i": 9, "s": "none", "d": 1.25, "b": False}))


def case_fillna_unknown_column(spark):
    return error(lambda: nulls(spark).fillna(1, subset=["nope"]).collect())


def case_fillna_overflow(spark):
    df = spark.createDataFrame([(None,)], "i int")
    return error(lambda: df.fillna(2**40).collect())


def case_dropna_any(spark):
    return result(nulls(spark).dropna())


def case_dropna_all(spark):
    return result(nulls(spark).dropna(how="all"))


def case_dropna_thresh(spark):
    return [collect(nulls(spark).dropna(thresh=k)) for k in range(0, 8, 2)]


def case_dropna_subset(spark):
    return [collect(nulls(spark).dropna(subset=["i"])), collect(nulls(spark).dropna(how="all", subset=["l", "d"])),
            collect(nulls(spark).dropna(subset=["d", "f"]))]


def case_dropna_unknown_column(spark):
    return error(lambda: nulls(spark).dropna(subset=["nope"]).collect())


def case_replace_numbers(spark):
    return result(nulls(spark).replace(1, 100))


def case_replace_double(spark):
    return result(nulls(spark).replace(1.5, 9.0))


def case_replace_list(spark):
    return result(nulls(spark).replace([10, 40], [11, 41], subset=["l", "i"]))


def case_replace_strings(spark):
    return result(nulls(spark).replace({"x": "X", "": "empty"}))


def case_replace_to_none(spark):
    return result(nulls(spark).replace("x", None))


def case_replace_bool(spark):
    return result(nulls(spark).replace(True, False))


def case_replace_nan(spark):
    return result(nulls(spark).replace(float("nan"), 0.0))


def case_replace_unknown_column(spark):
    return error(lambda: nulls(spark).replace(1, 5, subset=["nope"]).collect())


def case_offset_after_union(spark):
    return collect(spark.range(3).union(spark.range(10, 13)).offset(2))


# ---- nested types in set operations ----

def case_union_widen_array(spark):
    a = spark.createDataFrame([([1, 2],)], "a array<int>")
    b = spark.createDataFrame([([3, 2**40],)], "a array<bigint>")
    return result(a.union(b))


def case_union_widen_struct(spark):
    a = spark.createDataFrame([((1, "x"),)], "s struct<a:int,b:string>")
    b = spark.createDataFrame([((2, "y"),)], "s struct<a:bigint,b:string>")
    return result(a.union(b))


def case_union_widen_map(spark):
    a = spark.createDataFrame([({"k": 1},)], "m map<string,int>")
    b = spark.createDataFrame([({"k": 1.5},)], "m map<string,double>")
    return result(a.union(b))


def case_union_struct_field_names(spark):
    a = spark.createDataFrame([((1, "x"),)], "s struct<a:int,b:string>")
    b = spark.createDataFrame([((2, "y"),)], "s struct<c:int,b:string>")
    return result(a.union(b))


def case_intersect_struct_field_names(spark):
    a = spark.createDataFrame([((1, "x"),)], "s struct<a:int,b:string>")
    b = spark.createDataFrame([((1, "x"),)], "s struct<c:int,b:string>")
    return error(lambda: a.intersect(b).collect())


def case_intersect_structs(spark):
    a = spark.createDataFrame([((1, "x"),), ((1, "x"),), ((2, None),), (None,)], "s struct<a:int,b:string>")
    b = spark.createDataFrame([((1, "x"),), ((2, None),), (None,)], "s struct<a:int,b:string>")
    return [sorted_result(a.intersectAll(b)), sorted_result(a.exceptAll(b)), sorted_result(a.subtract(b))]


def case_union_incompatible_second_column(spark):
    a = spark.createDataFrame([(1, [1])], "x int, a array<int>")
    b = spark.createDataFrame([(1, {"k": 1})], "x int, m map<string,int>")
    return error(lambda: a.union(b).collect())
