"""The persistent catalog through SQL: CREATE/DROP DATABASE, USE, CREATE
TABLE (columns, AS SELECT, PARTITIONED BY, OPTIONS, IF NOT EXISTS), INSERT
INTO / OVERWRITE, SHOW DATABASES/TABLES, TRUNCATE, DROP TABLE, and reading
tables by name. Tables use JSON/CSV (Ember writes no Parquet yet). Every
name is unique to this module; the last case drops what the others made."""

from caselib import error, result


def case_create_database(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS cat_sql_db COMMENT 'for tests'")
    return result(spark.sql("SHOW DATABASES LIKE 'cat_sql*'"))


def case_create_database_exists(spark):
    return error(lambda: spark.sql("CREATE DATABASE cat_sql_db"))


def case_create_database_if_not_exists(spark):
    return result(spark.sql("CREATE DATABASE IF NOT EXISTS cat_sql_db"))


def case_create_table_columns(spark):
    spark.sql("CREATE TABLE cat_sql_db.people (name STRING, age INT) USING json")
    return result(spark.sql("SELECT * FROM cat_sql_db.people"))


def case_insert_values(spark):
    spark.sql("INSERT INTO cat_sql_db.people VALUES ('ann', 31), ('bob', 27)")
    spark.sql("INSERT INTO TABLE cat_sql_db.people SELECT 'cy', 40")
    return result(spark.sql("SELECT * FROM cat_sql_db.people ORDER BY name"))


def case_insert_casts_by_position(spark):
    spark.sql("INSERT INTO cat_sql_db.people SELECT 'dee' AS x, CAST(19 AS BIGINT) AS y")
    return result(spark.sql("SELECT name, age FROM cat_sql_db.people WHERE age < 20"))


def case_table_schema(spark):
    return result(spark.table("cat_sql_db.people").orderBy("age"))


def case_use_database(spark):
    spark.sql("USE cat_sql_db")
    out = result(spark.sql("SELECT count(*) AS n FROM people"))
    spark.sql("USE default")
    return out


def case_use_missing_database(spark):
    return error(lambda: spark.sql("USE cat_sql_nope"))


def case_ctas_partitioned(spark):
    spark.sql("CREATE TABLE cat_sql_db.parts USING json PARTITIONED BY (p) "
              "AS SELECT id, id % 3 AS p, CAST(id AS STRING) AS s FROM range(7)")
    return result(spark.sql("SELECT * FROM cat_sql_db.parts ORDER BY id"))


def case_ctas_partition_filter(spark):
    return result(spark.sql("SELECT p, count(*) AS n FROM cat_sql_db.parts WHERE p > 0 GROUP BY p ORDER BY p"))


def case_ctas_csv_options(spark):
    spark.sql("CREATE TABLE cat_sql_db.csvt USING csv OPTIONS (header 'true', sep ';') "
              "AS SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'")
    return result(spark.sql("SELECT * FROM cat_sql_db.csvt ORDER BY a"))


def case_create_table_exists(spark):
    return error(lambda: spark.sql("CREATE TABLE cat_sql_db.people (x INT) USING json"))


def case_create_table_if_not_exists(spark):
    spark.sql("CREATE TABLE IF NOT EXISTS cat_sql_db.people (x INT) USING json")
    return result(spark.sql("SELECT count(*) AS n FROM cat_sql_db.people"))


def case_show_tables(spark):
    return result(spark.sql("SHOW TABLES IN cat_sql_db"))


def case_show_tables_like(spark):
    return result(spark.sql("SHOW TABLES FROM cat_sql_db LIKE 'p*'"))


def case_show_tables_with_temp_view(spark):
    spark.range(1).createOrReplaceTempView("cat_sql_tmp")
    out = result(spark.sql("SHOW TABLES IN cat_sql_db LIKE 'cat_sql_tmp|people'"))
    spark.catalog.dropTempView("cat_sql_tmp")
    return out


def case_insert_overwrite(spark):
    spark.sql("INSERT OVERWRITE TABLE cat_sql_db.people SELECT 'zed', 99")
    return result(spark.sql("SELECT * FROM cat_sql_db.people"))


def case_truncate(spark):
    spark.sql("TRUNCATE TABLE cat_sql_db.people")
    return result(spark.sql("SELECT count(*) AS n FROM cat_sql_db.people"))


def case_temp_view_shadows_table(spark):
    spark.sql("USE cat_sql_db")
    spark.range(2).createOrReplaceTempView("people")
    out = result(spark.sql("SELECT * FROM people ORDER BY id"))
    spark.catalog.dropTempView("people")
    spark.sql("USE default")
    return out


def case_missing_table(spark):
    return error(lambda: spark.sql("SELECT * FROM cat_sql_db.nope"))


def case_missing_database_table(spark):
    return error(lambda: spark.sql("SELECT * FROM cat_sql_nope.t"))


def case_drop_table(spark):
    spark.sql("DROP TABLE cat_sql_db.csvt")
    return result(spark.sql("SHOW TABLES IN cat_sql_db"))


def case_drop_missing_table(spark):
    return error(lambda: spark.sql("DROP TABLE cat_sql_db.csvt"))


def case_drop_missing_table_if_exists(spark):
    return result(spark.sql("DROP TABLE IF EXISTS cat_sql_db.csvt"))


def case_drop_database_not_empty(spark):
    return error(lambda: spark.sql("DROP DATABASE cat_sql_db"))


def case_drop_database_cascade(spark):
    spark.sql("DROP DATABASE cat_sql_db CASCADE")
    return result(spark.sql("SHOW DATABASES LIKE 'cat_sql*'"))


def case_drop_missing_database(spark):
    return error(lambda: spark.sql("DROP DATABASE cat_sql_db"))
