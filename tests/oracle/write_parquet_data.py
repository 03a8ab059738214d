"""Writes the Parquet files of tests/data/parquet with real Apache Spark 4.2
(the oracle), so that client cases read files Spark itself wrote.

    /work/main/.venv/bin/python tests/oracle/write_parquet_data.py

Every type Spark can store in Parquet, with nulls; timestamps as INT96
(Spark's default), as TIMESTAMP_MICROS and TIMESTAMP_MILLIS; the legacy
(writeLegacyFormat) layout of lists, maps and decimals; snappy, gzip, zstd
and uncompressed; and partitioned output (partitionBy on an int and a
string column, with nulls in the default partition). Each output is one
small file (coalesce(1)); checksum files are removed. The output is
committed; rerun only to change it.
"""
import datetime
import decimal
import glob
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "parquet")
sys.path.insert(0, HERE)

from spark_server import SparkConnectOracle  # noqa: E402


def all_types(spark):
    from pyspark.sql import types as T

    schema = T.StructType([
        T.StructField("id", T.IntegerType(), False),
        T.StructField("b", T.BooleanType()),
        T.StructField("i8", T.ByteType()),
        T.StructField("i16", T.ShortType()),
        T.StructField("i32", T.IntegerType()),
        T.StructField("i64", T.LongType()),
        T.StructField("f32", T.FloatType()),
        T.StructField("f64", T.DoubleType()),
        T.StructField("d9", T.DecimalType(9, 2)),
        T.StructField("d18", T.DecimalType(18, 4)),
        T.StructField("d38", T.DecimalType(38, 10)),
        T.StructField("s", T.StringType()),
        T.StructField("bin", T.BinaryType()),
        T.StructField("dt", T.DateType()),
        T.StructField("ts", T.TimestampType()),
        T.StructField("ntz", T.TimestampNTZType()),
        T.StructField("ai", T.ArrayType(T.IntegerType())),
        T.StructField("as", T.ArrayType(T.StringType())),
        T.StructField("m", T.MapType(T.StringType(), T.LongType())),
        T.StructField("st", T.StructType([T.StructField("x", T.IntegerType()), T.StructField("y", T.StringType())])),
        T.StructField("aas", T.ArrayType(T.ArrayType(T.StringType()))),
        T.StructField("ast", T.ArrayType(T.StructType([T.StructField("k", T.StringType()),
                                                      T.StructField("v", T.DoubleType())]))),
    ])
    rows = []
    for k in range(40):
        def n(m, v, r=k):
            return None if r % m == m - 1 else v
        rows.append((
            k,
            n(5, k % 3 == 0),
            n(6, (k * 7) % 256 - 128),
            n(7, k * 1000 - 20000),
            n(4, k * 100003 - 2000000),
            n(3, k * 10**15 - 2 * 10**16),
            n(8, k / 3.0 - 5),
            n(9, k * 1.5e10 - 3e11 if k != 17 else float("nan")),
            n(5, decimal.Decimal(k * 1234 - 30000) / 100),
            n(6, decimal.Decimal(k * 10**12 + 7) / 10000),
            n(7, decimal.Decimal(k * 10**25 - 10**26 + 3) / 10**10),
            n(4, "" if k == 5 else "str" * (k % 4) + "é" * (k % 3) + str(k)),
            n(5, bytes(range(k % 9))),
            n(6, datetime.date(1990 + k, 1 + k % 12, 1 + k % 28)),
            n(7, datetime.datetime(2001, 2, 3, k % 24, k, k, k * 1000)),
            n(8, datetime.datetime(1999, 12, 31, 23, 59, k, 999)),
            n(5, [j - 2 if j != 3 else None for j in range(k % 6)]),
            n(6, ["a" * j for j in range(k % 4)]),
            n(7, {f"k{j}": (j * k if j != 1 else None) for j in range(k % 4)}),
            n(4, (n(3, k, k + 1), n(5, f"y{k}", k + 2))),
            n(5, [[f"{i}{j}" for j in range(i)] if i != 2 else None for i in range(k % 5)]),
            n(6, [(f"k{j}", j / 2) for j in range(k % 3)]),
        ))
    return spark.createDataFrame(rows, schema)


def write(df, name, **opts):
    path = os.path.join(OUT, name)
    w = df.coalesce(1).write.mode("overwrite")
    for k, v in opts.items():
        w = w.option(k, v)
    w.parquet(path)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    with SparkConnectOracle() as srv:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.remote(srv.url).getOrCreate()
        df = all_types(spark)
        write(df, "all_types")
        write(df, "all_types_gzip", compression="gzip")
        write(df, "all_types_zstd", compression="zstd")
        write(df, "all_types_none", compression="none")
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        write(df, "ts_micros")
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS")
        write(df.select("id", "ts"), "ts_millis")
        spark.conf.unset("spark.sql.parquet.outputTimestampType")
        spark.conf.set("spark.sql.parquet.writeLegacyFormat", "true")
        write(df, "legacy")
        spark.conf.unset("spark.sql.parquet.writeLegacyFormat")
        # Partitioned output: one file per partition directory.
        part = df.selectExpr("id", "s", "i64", "CAST(id % 3 AS INT) AS p",
                             "CASE WHEN id % 4 = 0 THEN NULL ELSE concat('v', CAST(id % 2 AS STRING)) END AS q")
        part.repartition(1).write.mode("overwrite").partitionBy("p", "q").parquet(os.path.join(OUT, "partitioned"))
        # Several files in one directory (two row groups' worth of rows each).
        spark.range(0, 3000, 1, 3).selectExpr("id", "CAST(id * 2 AS INT) AS x", "CAST(id AS STRING) AS s") \
            .write.mode("overwrite").parquet(os.path.join(OUT, "multi"))
        spark.stop()
    for crc in glob.glob(os.path.join(OUT, "**", ".*.crc"), recursive=True):
        os.remove(crc)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
