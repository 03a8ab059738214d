"""spark.catalog.* (the protocol's Catalog relation) and DataFrame tables:
current/set database, exists checks, listDatabases/listTables, temp view
drops, current catalog. Names are unique to this module; the last case
drops what the others made."""

from caselib import collect, error, result


def case_current_database(spark):
    return spark.catalog.currentDatabase()


def case_current_catalog(spark):
    return spark.catalog.currentCatalog()


def case_database_exists(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS cat_api_db")
    return [spark.catalog.databaseExists("default"), spark.catalog.databaseExists("cat_api_db"),
            spark.catalog.databaseExists("cat_api_nope")]


def case_set_current_database(spark):
    spark.catalog.setCurrentDatabase("cat_api_db")
    out = spark.catalog.currentDatabase()
    spark.catalog.setCurrentDatabase("default")
    return out


def case_set_missing_database(spark):
    return error(lambda: spark.catalog.setCurrentDatabase("cat_api_nope"))


def case_table_exists(spark):
    spark.sql("CREATE TABLE cat_api_db.t1 (a INT) USING json")
    spark.range(1).createOrReplaceTempView("cat_api_tmp")
    out = [spark.catalog.tableExists("cat_api_db.t1"), spark.catalog.tableExists("t1", "cat_api_db"),
           spark.catalog.tableExists("t1"), spark.catalog.tableExists("cat_api_tmp"),
           spark.catalog.tableExists("cat_api_nope")]
    return out


def case_drop_temp_view(spark):
    return [spark.catalog.dropTempView("cat_api_tmp"), spark.catalog.dropTempView("cat_api_tmp")]


def case_drop_global_temp_view(spark):
    spark.range(1).createOrReplaceGlobalTempView("cat_api_gtmp")
    return [spark.catalog.dropGlobalTempView("cat_api_gtmp"), spark.catalog.dropGlobalTempView("cat_api_gtmp")]


def case_list_tables(spark):
    return [[t.name, t.catalog, t.namespace, t.description, t.tableType, t.isTemporary]
            for t in spark.catalog.listTables("cat_api_db")]


def case_list_databases_names(spark):
    return sorted(d.name for d in spark.catalog.listDatabases() if d.name.startswith("cat_api") or d.name == "default")


def case_save_as_table(spark):
    spark.range(3).write.format("json").saveAsTable("cat_api_db.saved")
    return result(spark.table("cat_api_db.saved").orderBy("id"))


def case_save_as_table_exists(spark):
    return error(lambda: spark.range(3).write.format("json").saveAsTable("cat_api_db.saved"))


def case_save_as_table_append(spark):
    spark.range(3, 5).write.format("json").mode("append").saveAsTable("cat_api_db.saved")
    return result(spark.table("cat_api_db.saved").orderBy("id"))


def case_save_as_table_overwrite(spark):
    spark.range(7, 9).write.format("json").mode("overwrite").saveAsTable("cat_api_db.saved")
    return result(spark.read.table("cat_api_db.saved").orderBy("id"))


def case_save_as_table_ignore(spark):
    spark.range(100, 101).write.format("json").mode("ignore").saveAsTable("cat_api_db.saved")
    return result(spark.table("cat_api_db.saved").orderBy("id"))


def case_insert_into(spark):
    spark.createDataFrame([(5,)], "x long").write.insertInto("cat_api_db.saved")
    return result(spark.table("cat_api_db.saved").orderBy("id"))


def case_insert_into_overwrite(spark):
    spark.range(1).write.insertInto("cat_api_db.saved", overwrite=True)
    return collect(spark.table("cat_api_db.saved"))


def case_insert_into_missing(spark):
    return error(lambda: spark.range(1).write.insertInto("cat_api_db.nope"))


def case_cleanup(spark):
    spark.sql("DROP DATABASE cat_api_db CASCADE")
    return spark.catalog.databaseExists("cat_api_db")


def case_list_catalogs(spark):
    return [[c.name, c.description] for c in spark.catalog.listCatalogs()]
