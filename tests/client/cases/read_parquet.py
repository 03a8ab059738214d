"""spark.read of Parquet files that real Spark 4.2 wrote (tests/data/parquet,
made by tests/oracle/write_parquet_data.py): every type, timestamps as
INT96 / micros / millis, the legacy layout, each codec, partition discovery
of key=value directories (typed values, the default partition as null),
column pruning, filters, options and the errors of a bad read."""

import json
import os
import shutil
import tempfile

from pyspark.sql import functions as F

from caselib import collect, error, print_schema, result

DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "data", "parquet"))


def p(name):
    return os.path.join(DATA, name)


def case_all_types(spark):
    return result(spark.read.parquet(p("all_types")).orderBy("id"))


def case_all_types_schema(spark):
    return print_schema(spark.read.parquet(p("all_types")))


def case_all_types_gzip(spark):
    return result(spark.read.parquet(p("all_types_gzip")).orderBy("id"))


def case_all_types_zstd(spark):
    return result(spark.read.parquet(p("all_types_zstd")).orderBy("id"))


def case_all_types_uncompressed(spark):
    return result(spark.read.format("parquet").load(p("all_types_none")).orderBy("id"))


def case_timestamp_micros(spark):
    return result(spark.read.parquet(p("ts_micros")).select("id", "ts", "ntz").orderBy("id"))


def case_timestamp_millis(spark):
    return result(spark.read.parquet(p("ts_millis")).orderBy("id"))


def case_legacy_format(spark):
    return result(spark.read.parquet(p("legacy")).orderBy("id"))


def case_file_order_without_sort(spark):
    return collect(spark.read.parquet(p("all_types")).select("id", "s"))


def case_projection(spark):
    return result(spark.read.parquet(p("all_types")).select("m", "id", "st").where(F.col("id") % 5 == 1).orderBy("id"))


def case_filter_pushdown_values(spark):
    df = spark.read.parquet(p("all_types"))
    return result(df.where((F.col("i32") > 100000) & (F.col("s") >= "str") & F.col("i64").isNotNull())
                  .select("id", "i32", "s", "i64").orderBy("id"))


def case_count(spark):
    return collect(spark.read.parquet(p("all_types")).groupBy().count())


def case_partitioned(spark):
    return result(spark.read.parquet(p("partitioned")).orderBy("id"))


def case_partitioned_schema(spark):
    return print_schema(spark.read.parquet(p("partitioned")))


def case_partitioned_filter_on_partition(spark):
    return result(spark.read.parquet(p("partitioned")).where((F.col("p") == 1) & F.col("q").isNull()).orderBy("id"))


def case_partitioned_no_type_inference(spark):
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    try:
        return print_schema(spark.read.parquet(p("partitioned")))
    finally:
        spark.conf.unset("spark.sql.sources.partitionColumnTypeInference.enabled")


def case_partition_directory_with_base_path(spark):
    df = spark.read.option("basePath", p("partitioned")).parquet(p("partitioned") + "/p=2")
    return result(df.orderBy("id"))


def case_partition_directory_alone(spark):
    return result(spark.read.parquet(p("partitioned") + "/p=2").orderBy("id"))


def case_recursive_lookup(spark):
    return result(spark.read.option("recursiveFileLookup", "true").parquet(p("partitioned")).orderBy("id"))


def case_glob(spark):
    return result(spark.read.parquet(p("partitioned") + "/p=*/q=v1").orderBy("id"))


def case_multi_files(spark):
    df = spark.read.parquet(p("multi"))
    return collect(df.groupBy().agg(F.count("*"), F.sum("id"), F.sum("x"), F.max("s")))


def case_multi_partitions(spark):
    return collect(spark.read.parquet(p("multi")).select(F.spark_partition_id().alias("pid"))
                   .groupBy("pid").count().orderBy("pid"))


def case_two_paths(spark):
    df = spark.read.parquet(p("ts_millis"), p("ts_millis"))
    return collect(df.groupBy().count())


def case_user_schema(spark):
    df = spark.read.schema("id INT, s STRING, missing DOUBLE, i64 BIGINT").parquet(p("all_types"))
    return result(df.orderBy("id"))


def case_user_schema_widening(spark):
    df = spark.read.schema("id BIGINT, i32 BIGINT, f32 DOUBLE").parquet(p("all_types"))
    return result(df.orderBy("id"))


def case_path_not_found(spark):
    return error(lambda: spark.read.parquet("/nonexistent/ember/path").collect())


def case_unknown_format(spark):
    return error(lambda: spark.read.format("nosuchformat").load(p("all_types")).collect())


def redact(obj):
    """The repository's data directory as <DATA>."""
    return json.loads(json.dumps(obj).replace(DATA, "<DATA>"))


def case_input_file_name(spark):
    df = spark.read.parquet(p("multi"))
    agg = df.groupBy(F.input_file_name().alias("f"), F.input_file_block_start().alias("start"),
                     F.input_file_block_length().alias("len")).agg(F.count("*").alias("n"), F.min("id"))
    return redact(result(agg.orderBy("f")))


def case_input_file_name_partitioned(spark):
    df = spark.read.parquet(p("partitioned"))
    return redact(result(df.select("id", F.input_file_name().alias("f")).orderBy("id")))


def case_metadata_column(spark):
    d = tempfile.mkdtemp(prefix="ember_read_parquet_")
    src = os.path.join(p("all_types"), sorted(f for f in os.listdir(p("all_types")) if f.endswith(".parquet"))[0])
    dst = os.path.join(d, "one.parquet")
    shutil.copyfile(src, dst)
    os.utime(dst, (1700000000.25, 1700000000.25))
    df = spark.read.parquet(dst)
    out = df.select("id", "_metadata.file_name", "_metadata.file_size", "_metadata.file_block_start",
                    "_metadata.file_block_length", "_metadata.file_modification_time",
                    F.col("_metadata.file_path").endswith("/one.parquet").alias("path_ok")).orderBy("id")
    return {"rows": result(out), "fields": spark.read.parquet(dst).select("_metadata").schema["_metadata"]
            .dataType.fieldNames()}


def case_metadata_row_index(spark):
    # rowgroups.parquet holds 4 row groups of 100 rows: row_index counts across
    # them, also when a filter lets the reader skip some.
    df = spark.read.parquet(p("rowgroups.parquet"))
    whole = df.select("id", "_metadata.row_index")
    part = df.filter(F.col("id") >= 250).select("id", "_metadata.row_index")
    return {"count": whole.count(),
            "sample": collect(whole.filter(F.col("row_index") % 37 == 0).orderBy("row_index")),
            "agg": collect(whole.groupBy().agg(F.max("row_index"), F.sum("row_index"))),
            "filtered": collect(part.filter(F.col("row_index") % 23 == 0).orderBy("row_index"))}


def case_dictionary_filter_values(spark):
    # Row groups skipped by their dictionaries (tests/unit/test_parquet_dict_filter.c)
    # leave the same answers.
    df = spark.read.parquet(p("dict_rowgroups.parquet"))
    return {"c20": collect(df.filter(F.col("c") == 20).groupBy().agg(F.count("*"), F.sum("id"))),
            "c15": collect(df.filter(F.col("c") == 15).groupBy().agg(F.count("*"))),
            "sb": collect(df.filter(F.col("s") == "b").groupBy().agg(F.count("*"), F.min("id"), F.max("id"))),
            "null": collect(df.filter(F.col("c").isNull()).groupBy().agg(F.count("*")))}


def case_metadata_in_filters(spark):
    df = spark.read.parquet(p("rowgroups.parquet"))
    d2 = df.filter(F.col("_metadata.row_index") > 395)
    d3 = df.filter(F.col("_metadata.file_name") == "rowgroups.parquet").select("id").filter("id > 397")
    return {"hidden": d2.columns, "by_row_index": collect(d2.orderBy("id")),
            "by_name": collect(d3.orderBy("id")),
            "selected": collect(df.select("*", "_metadata.row_index").filter("row_index > 397").orderBy("id")),
            "expr": collect(df.selectExpr("_metadata.row_index + 1 AS r").filter("r > 399"))}


def case_filter_rows_left_out_by_reader(spark):
    # Row groups of 100 rows; n is NULL for ids 200..299: the reader leaves
    # out the rows the pushed comparisons reject, nulls included.
    df = spark.read.parquet(p("rowgroups.parquet"))
    return result(df.where((F.col("n") > 150) & (F.col("s") >= "k2") & (F.col("id") <= 350))
                  .select("id", "s", "n", "d").orderBy("id"))


def case_filter_rows_with_rand_in_the_filter(spark):
    # rand() draws once per row it is evaluated on: with it in the filter,
    # the reader must hand over every row of the kept row groups.
    df = spark.read.parquet(p("rowgroups.parquet"))
    return collect(df.where((F.col("id") >= 250) & (F.rand(3) < 0.5)).select("id"))


def case_filter_in_lists(spark):
    # IN lists reach the reader: row groups, pages and rows they rule out
    # are skipped; a NULL in the list matches nothing.
    df = spark.read.parquet(p("rowgroups.parquet"))
    a = df.where(F.col("id").isin(5, 150, 399, 1000)).select("id", "s", "n").orderBy("id")
    b = df.where(F.col("n").isin(7, 250, 301, None)).select("id", "n").orderBy("id")
    c = df.where(F.col("s").isin("k010", "k399", "zzz") & (F.col("id") > 5)).select("id", "s").orderBy("id")
    return [result(a), result(b), result(c)]


def case_filter_not_equal(spark):
    # col != literal reaches the reader (NULL rows fail it, as in Spark).
    df = spark.read.parquet(p("rowgroups.parquet"))
    a = df.where((F.col("n") != 7) & (F.col("id") < 12)).select("id", "n").orderBy("id")
    b = df.where((F.col("s") != "k001") & (F.col("id") < 4)).select("id", "s").orderBy("id")
    df.createOrReplaceTempView("rowgroups_ne")
    c = spark.sql("SELECT count(*) FROM rowgroups_ne WHERE n <> 150 AND id <> 3")
    return [result(a), result(b), collect(c)]
