"""Temp views: createOrReplaceTempView / createTempView / global temp views,
spark.table / spark.read.table, CREATE TEMPORARY VIEW, DROP VIEW, and SQL
SET / RESET."""

from caselib import collect, error, result


def case_temp_view_roundtrip(spark):
    spark.range(5).createOrReplaceTempView("v_range")
    return result(spark.sql("SELECT id * 2 AS d FROM v_range WHERE id > 1 ORDER BY d"))


def case_temp_view_qualified(spark):
    return result(spark.sql("SELECT v_range.id FROM v_range ORDER BY 1 LIMIT 2"))


def case_spark_table(spark):
    return result(spark.table("v_range").orderBy("id"))


def case_read_table(spark):
    return result(spark.read.table("v_range").filter("id < 2").orderBy("id"))


def case_view_of_dataframe_ops(spark):
    df = spark.createDataFrame([(1, "a"), (2, "b"), (3, "a")], "n int, s string")
    df.createOrReplaceTempView("v_people")
    return result(spark.sql("SELECT s, sum(n) AS total FROM v_people GROUP BY s ORDER BY s"))


def case_view_case_insensitive(spark):
    return result(spark.sql("SELECT count(*) FROM V_PEOPLE"))


def case_view_replace(spark):
    spark.range(2).createOrReplaceTempView("v_rep")
    spark.range(7).createOrReplaceTempView("v_rep")
    return result(spark.sql("SELECT count(*) AS c FROM v_rep"))


def case_create_temp_view_exists(spark):
    spark.range(1).createOrReplaceTempView("v_once")
    return error(lambda: spark.range(2).createTempView("v_once"))


def case_view_join(spark):
    return result(spark.sql("SELECT p.s, r.id FROM v_people p JOIN v_range r ON p.n = r.id ORDER BY r.id"))


def case_sql_create_temp_view(spark):
    spark.sql("CREATE TEMPORARY VIEW v_sql AS SELECT id, id * id AS sq FROM range(4)")
    return result(spark.sql("SELECT * FROM v_sql ORDER BY id"))


def case_sql_create_or_replace_view_columns(spark):
    spark.sql("CREATE OR REPLACE TEMP VIEW v_sql (a, b) AS SELECT id, -id FROM range(2)")
    return result(spark.sql("SELECT * FROM v_sql ORDER BY a"))


def case_sql_create_view_result(spark):
    return result(spark.sql("CREATE OR REPLACE TEMPORARY VIEW v_tmp AS SELECT 1 AS one"))


def case_sql_create_view_exists_error(spark):
    return error(lambda: spark.sql("CREATE TEMPORARY VIEW v_sql AS SELECT 1"))


def case_sql_create_temp_view_if_not_exists_error(spark):
    return error(lambda: spark.sql("CREATE TEMPORARY VIEW IF NOT EXISTS v_sql AS SELECT 99 AS z"))


def case_view_on_view(spark):
    spark.sql("CREATE OR REPLACE TEMP VIEW v_top AS SELECT a + 100 AS big FROM v_sql")
    return result(spark.sql("SELECT * FROM v_top ORDER BY big"))


def case_drop_view(spark):
    spark.sql("CREATE OR REPLACE TEMP VIEW v_drop AS SELECT 1")
    spark.sql("DROP VIEW v_drop")
    return error(lambda: spark.sql("SELECT * FROM v_drop"))


def case_drop_view_missing(spark):
    return error(lambda: spark.sql("DROP VIEW no_such_view"))


def case_drop_view_if_exists(spark):
    return result(spark.sql("DROP VIEW IF EXISTS no_such_view"))


def case_table_not_found(spark):
    return error(lambda: spark.sql("SELECT * FROM missing_table"))


def case_table_not_found_qualified(spark):
    return error(lambda: spark.sql("SELECT * FROM default.missing_table"))


def case_spark_table_not_found(spark):
    return error(lambda: spark.table("missing_table").collect())


def case_global_temp_view(spark):
    spark.range(3).createOrReplaceGlobalTempView("g_range")
    return result(spark.sql("SELECT * FROM global_temp.g_range ORDER BY id"))


def case_global_view_needs_prefix(spark):
    return error(lambda: spark.sql("SELECT * FROM g_range"))


def case_drop_global_view(spark):
    spark.sql("DROP VIEW global_temp.g_range")
    return error(lambda: spark.sql("SELECT * FROM global_temp.g_range"))


def case_set_value(spark):
    out = collect(spark.sql("SET spark.sql.shuffle.partitions=7"))
    got = spark.conf.get("spark.sql.shuffle.partitions")
    spark.sql("RESET spark.sql.shuffle.partitions")
    return {"set": out, "conf": got, "after_reset": spark.conf.get("spark.sql.shuffle.partitions")}


def case_set_show_key(spark):
    spark.conf.set("spark.sql.ansi.enabled", "true")
    out = result(spark.sql("SET spark.sql.ansi.enabled"))
    spark.conf.unset("spark.sql.ansi.enabled")
    return out


def case_set_custom_key(spark):
    out = collect(spark.sql("SET my.custom.key = hello world"))
    got = spark.conf.get("my.custom.key")
    spark.conf.unset("my.custom.key")
    return {"set": out, "conf": got}


def case_set_static_error(spark):
    return error(lambda: spark.sql("SET spark.sql.warehouse.dir=/tmp/x"))


def case_view_schema(spark):
    spark.sql("CREATE OR REPLACE TEMP VIEW v_types AS SELECT 1 AS i, 'x' AS s, 1.5 AS d, DATE '2020-01-01' AS dt")
    return spark.table("v_types").schema.json()


def case_dataframe_of_sql_result(spark):
    df = spark.sql("SELECT id, id % 2 AS odd FROM range(6)")
    return result(df.filter("odd = 1").select("id").orderBy("id"))
