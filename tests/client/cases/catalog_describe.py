"""Catalog introspection and alteration through SQL and spark.catalog:
DESCRIBE [TABLE] [EXTENDED] (tables, persistent views, temp views, one
column), SHOW CREATE TABLE, SHOW COLUMNS, SHOW TBLPROPERTIES, ALTER TABLE
RENAME TO / ADD COLUMNS / SET / UNSET TBLPROPERTIES, persistent CREATE /
DROP VIEW, spark.catalog listColumns / getTable / getDatabase, and the
function listings (SHOW FUNCTIONS, DESCRIBE FUNCTION, listFunctions,
functionExists, DROP FUNCTION errors). Built-in function lists differ
between Spark and Ember, so those cases record schemas and the presence of
chosen names, not the lists. Rows that name times or paths are left out.
Every name is unique to this module; the last cases drop what the others
made."""

from caselib import collect, error, result, schema_json

VOLATILE = ("Created Time", "Location")


def _described(spark, q):
    df = spark.sql(q)
    rs = [r for r in df.collect() if r[0] not in VOLATILE]
    return {"schema": schema_json(df), "rows": [list(r) for r in rs]}


def case_setup(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS cat_desc_db COMMENT 'describe tests'")
    spark.sql("CREATE TABLE cat_desc_db.t1 (name STRING COMMENT 'the name', age INT, p INT) USING json "
              "PARTITIONED BY (p) COMMENT 'tbl comment' TBLPROPERTIES ('k1'='v1', 'k2'='v2')")
    spark.sql("CREATE TABLE cat_desc_db.t2 (a INT, b STRING) USING csv OPTIONS (header 'true')")
    spark.sql("INSERT INTO cat_desc_db.t1 VALUES ('ann', 31, 1), ('bob', 27, 2)")
    return result(spark.sql("SHOW TABLES IN cat_desc_db"))


def case_describe_table(spark):
    return _described(spark, "DESCRIBE TABLE cat_desc_db.t1")


def case_desc_short(spark):
    return _described(spark, "DESC cat_desc_db.t2")


def case_describe_extended(spark):
    return _described(spark, "DESCRIBE TABLE EXTENDED cat_desc_db.t1")


def case_describe_extended_options(spark):
    return _described(spark, "DESCRIBE TABLE EXTENDED cat_desc_db.t2")


def case_show_create_table_options(spark):
    return result(spark.sql("SHOW CREATE TABLE cat_desc_db.t2"))


def case_external_table(spark):
    import tempfile
    d = tempfile.mkdtemp(prefix="cat_desc_ext_")
    spark.sql(f"CREATE TABLE cat_desc_db.ext (a INT) USING json LOCATION '{d}'")
    text = spark.sql("SHOW CREATE TABLE cat_desc_db.ext").collect()[0][0].replace(d, "<dir>")
    rows = [list(r) for r in spark.sql("DESCRIBE EXTENDED cat_desc_db.ext").collect() if r[0] != "Created Time"]
    rows = [[c.replace(d, "<dir>") if isinstance(c, str) else c for c in r] for r in rows]
    spark.sql("DROP TABLE cat_desc_db.ext")
    return {"create": text, "describe": rows}


def case_describe_column(spark):
    return result(spark.sql("DESCRIBE cat_desc_db.t1 name"))


def case_describe_column_no_comment(spark):
    return result(spark.sql("DESCRIBE cat_desc_db.t1 age"))


def case_describe_column_extended(spark):
    return result(spark.sql("DESCRIBE EXTENDED cat_desc_db.t1 name"))


def case_describe_column_missing(spark):
    return error(lambda: spark.sql("DESCRIBE cat_desc_db.t1 nope"), message=False)


def case_describe_column_nested(spark):
    return error(lambda: spark.sql("DESCRIBE cat_desc_db.t1 name.x"), message=False)


def case_describe_database(spark):
    df = spark.sql("DESCRIBE DATABASE EXTENDED cat_desc_db")
    return {"schema": schema_json(df),
            "rows": [list(r) for r in df.collect() if r[0] not in ("Location", "Owner")]}


def case_describe_database_missing(spark):
    return error(lambda: spark.sql("DESCRIBE DATABASE cat_desc_nope"), message=False)


def case_describe_temp_view(spark):
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW cat_desc_tv AS SELECT 1 AS a, 'x' AS b")
    return _described(spark, "DESCRIBE EXTENDED cat_desc_tv")


def case_describe_missing(spark):
    return error(lambda: spark.sql("DESCRIBE cat_desc_db.nope"), message=False)


def case_show_create_table(spark):
    return result(spark.sql("SHOW CREATE TABLE cat_desc_db.t1"))


def case_show_create_table_temp_view(spark):
    return error(lambda: spark.sql("SHOW CREATE TABLE cat_desc_tv"), message=False)


def case_show_columns(spark):
    return result(spark.sql("SHOW COLUMNS IN cat_desc_db.t1"))


def case_show_columns_from_in(spark):
    return result(spark.sql("SHOW COLUMNS FROM t2 IN cat_desc_db"))


def case_show_columns_temp_view(spark):
    return result(spark.sql("SHOW COLUMNS IN cat_desc_tv"))


def case_show_tblproperties(spark):
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_db.t1"))


def case_show_tblproperties_key(spark):
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_db.t1 ('k2')"))


def case_show_tblproperties_missing_key(spark):
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_db.t1 ('nokey')"))


def case_show_tblproperties_temp_view(spark):
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_tv"))


def case_set_tblproperties(spark):
    spark.sql("ALTER TABLE cat_desc_db.t1 SET TBLPROPERTIES ('k3'='v3', 'k1'='new')")
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_db.t1"))


def case_unset_tblproperties(spark):
    spark.sql("ALTER TABLE cat_desc_db.t1 UNSET TBLPROPERTIES ('k3')")
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_db.t1"))


def case_add_columns(spark):
    spark.sql("ALTER TABLE cat_desc_db.t1 ADD COLUMNS (extra DOUBLE COMMENT 'x', more STRING)")
    return _described(spark, "DESCRIBE cat_desc_db.t1")


def case_add_columns_reads_nulls(spark):
    return result(spark.sql("SELECT * FROM cat_desc_db.t1 ORDER BY name"))


def case_add_columns_existing(spark):
    return error(lambda: spark.sql("ALTER TABLE cat_desc_db.t1 ADD COLUMNS (age INT)"), message=False)


def case_show_create_after_alter(spark):
    return result(spark.sql("SHOW CREATE TABLE cat_desc_db.t1"))


def case_rename_table(spark):
    spark.sql("ALTER TABLE cat_desc_db.t1 RENAME TO t1r")
    return result(spark.sql("SHOW TABLES IN cat_desc_db"))


def case_renamed_table_reads(spark):
    return result(spark.sql("SELECT name, age, p FROM cat_desc_db.t1r ORDER BY name"))


def case_rename_missing(spark):
    return error(lambda: spark.sql("ALTER TABLE cat_desc_db.t1 RENAME TO t9"), message=False)


def case_rename_temp_view(spark):
    spark.sql("ALTER TABLE cat_desc_tv RENAME TO cat_desc_tv2")
    return result(spark.sql("SELECT * FROM cat_desc_tv2"))


def case_create_view(spark):
    spark.sql("CREATE VIEW cat_desc_db.v1 AS SELECT name, age FROM cat_desc_db.t1r WHERE age > 28")
    return result(spark.sql("SELECT * FROM cat_desc_db.v1"))


def case_describe_view_extended(spark):
    return _described(spark, "DESCRIBE TABLE EXTENDED cat_desc_db.v1")


def case_show_create_view(spark):
    return result(spark.sql("SHOW CREATE TABLE cat_desc_db.v1"))


def case_create_view_exists(spark):
    return error(lambda: spark.sql("CREATE VIEW cat_desc_db.v1 AS SELECT 1"), message=False)


def case_create_view_if_not_exists(spark):
    spark.sql("CREATE VIEW IF NOT EXISTS cat_desc_db.v1 AS SELECT 1 AS z")
    return result(spark.sql("SELECT * FROM cat_desc_db.v1"))


def case_create_or_replace_view_columns(spark):
    spark.sql("CREATE OR REPLACE VIEW cat_desc_db.v2 (x, y) AS SELECT 1, 'b'")
    return result(spark.sql("SELECT * FROM cat_desc_db.v2"))


def case_view_in_show_tables(spark):
    return result(spark.sql("SHOW TABLES IN cat_desc_db"))


def case_view_tblproperties(spark):
    return result(spark.sql("SHOW TBLPROPERTIES cat_desc_db.v1"))


def case_view_show_columns(spark):
    return result(spark.sql("SHOW COLUMNS IN cat_desc_db.v2"))


def case_catalog_list_columns_view(spark):
    return [list(c) for c in spark.catalog.listColumns("cat_desc_db.v2")]


def case_alter_view_rename(spark):
    spark.sql("ALTER VIEW cat_desc_db.v2 RENAME TO cat_desc_db.v3")
    out = result(spark.sql("SELECT * FROM cat_desc_db.v3"))
    spark.sql("ALTER VIEW cat_desc_db.v3 RENAME TO cat_desc_db.v2")
    return out


def case_rename_to_existing(spark):
    return error(lambda: spark.sql("ALTER TABLE cat_desc_db.t2 RENAME TO cat_desc_db.t1r"), message=False)


def case_view_add_columns(spark):
    return error(lambda: spark.sql("ALTER TABLE cat_desc_db.v1 ADD COLUMNS (z INT)"), message=False)


def case_catalog_list_columns(spark):
    return [list(c) for c in spark.catalog.listColumns("t1r", "cat_desc_db")]


def case_catalog_list_columns_qualified(spark):
    return [list(c) for c in spark.catalog.listColumns("cat_desc_db.t2")]


def case_catalog_list_columns_missing(spark):
    return error(lambda: spark.catalog.listColumns("nope_t"), message=False)


def case_catalog_get_table(spark):
    return list(spark.catalog.getTable("cat_desc_db.t1r"))


def case_catalog_get_view(spark):
    return list(spark.catalog.getTable("cat_desc_db.v1"))


def case_catalog_get_table_missing(spark):
    return error(lambda: spark.catalog.getTable("nope_t"), message=False)


def case_catalog_get_database(spark):
    d = spark.catalog.getDatabase("cat_desc_db")
    return [d.name, d.catalog, d.description, d.locationUri.startswith("file:")]


def case_catalog_get_database_missing(spark):
    return error(lambda: spark.catalog.getDatabase("cat_desc_nope"), message=False)


def case_catalog_exists(spark):
    return [spark.catalog.tableExists("t1r", "cat_desc_db"), spark.catalog.tableExists("cat_desc_db.v1"),
            spark.catalog.tableExists("cat_desc_db.nope"), spark.catalog.databaseExists("cat_desc_db"),
            spark.catalog.databaseExists("cat_desc_nope")]


# ---- functions ----

def case_show_functions_schema(spark):
    df = spark.sql("SHOW FUNCTIONS")
    names = {r[0] for r in df.collect()}
    return {"schema": schema_json(df),
            "present": sorted(n for n in ("abs", "upper", "sum", "coalesce", "concat") if n in names)}


def case_show_functions_like(spark):
    return result(spark.sql("SHOW FUNCTIONS LIKE 'upper'"))


def case_show_functions_like_alternatives(spark):
    return result(spark.sql("SHOW FUNCTIONS LIKE 'lower|upper'"))


def case_show_system_functions(spark):
    return result(spark.sql("SHOW SYSTEM FUNCTIONS LIKE 'abs'"))


def case_show_user_functions(spark):
    return result(spark.sql("SHOW USER FUNCTIONS"))


def case_describe_function_schema(spark):
    df = spark.sql("DESCRIBE FUNCTION abs")
    rs = [r[0] for r in df.collect()]
    return {"schema": schema_json(df), "first": rs[0], "prefixes": [r.split(":")[0] for r in rs]}


def case_describe_function_missing(spark):
    return error(lambda: spark.sql("DESCRIBE FUNCTION cat_desc_nope_fn"), message=False)


def case_catalog_function_exists(spark):
    return [spark.catalog.functionExists("abs"), spark.catalog.functionExists("UPPER"),
            spark.catalog.functionExists("cat_desc_nope_fn")]


def case_catalog_list_functions(spark):
    fs = spark.catalog.listFunctions()
    byname = {f.name: f for f in fs}
    return [[n, byname[n].catalog, byname[n].namespace, byname[n].isTemporary] for n in ("abs", "upper", "sum")]


def case_catalog_list_functions_pattern(spark):
    return [[f.name, f.isTemporary] for f in spark.catalog.listFunctions(pattern="uppe*")]


def case_catalog_get_function(spark):
    f = spark.catalog.getFunction("abs")
    return [f.name, f.catalog, f.namespace, f.isTemporary]


def case_drop_temporary_function_missing(spark):
    return error(lambda: spark.sql("DROP TEMPORARY FUNCTION cat_desc_nope_fn"))


def case_drop_temporary_function_if_exists(spark):
    return result(spark.sql("DROP TEMPORARY FUNCTION IF EXISTS cat_desc_nope_fn"))


def case_drop_function_missing(spark):
    return error(lambda: spark.sql("DROP FUNCTION cat_desc_nope_fn"))


def case_drop_function_if_exists(spark):
    return result(spark.sql("DROP FUNCTION IF EXISTS cat_desc_nope_fn"))


def case_drop_builtin_function(spark):
    return error(lambda: spark.sql("DROP TEMPORARY FUNCTION abs"))


def case_create_temporary_function_unknown_class(spark):
    return error(lambda: spark.sql("CREATE TEMPORARY FUNCTION cat_desc_f AS 'com.example.NoSuchUdf'"),
                 message=False)


def case_create_temp_function_if_not_exists(spark):
    return error(lambda: spark.sql("CREATE TEMPORARY FUNCTION IF NOT EXISTS cat_desc_f AS 'com.example.F'"),
                 full=True)


def case_create_or_replace_function_if_not_exists(spark):
    return error(lambda: spark.sql("CREATE OR REPLACE FUNCTION IF NOT EXISTS cat_desc_f AS 'com.example.F'"),
                 full=True)


def case_create_temp_function_qualified(spark):
    return error(lambda: spark.sql("CREATE TEMPORARY FUNCTION cat_desc_db.cat_desc_f AS 'com.example.F'"),
                 full=True)


# ---- cleanup ----

def case_drop_view(spark):
    spark.sql("DROP VIEW cat_desc_db.v2")
    spark.sql("DROP VIEW IF EXISTS cat_desc_db.v2")
    return result(spark.sql("SHOW TABLES IN cat_desc_db"))


def case_drop_view_missing(spark):
    return error(lambda: spark.sql("DROP VIEW cat_desc_db.v2"), message=False)


def case_cleanup(spark):
    spark.sql("DROP VIEW IF EXISTS cat_desc_tv2")
    spark.sql("DROP DATABASE cat_desc_db CASCADE")
    return result(spark.sql("SHOW DATABASES LIKE 'cat_desc*'"))
