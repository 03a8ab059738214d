/*
 * catalog: the persistent session catalog (Spark's `spark_catalog`) kept in
 * a SQLite metastore under the warehouse directory
 * (spark.sql.warehouse.dir, `spark-warehouse` by default, as Spark). The
 * database file is `<warehouse>/.ember_metastore.sqlite` (a dot file, so
 * file listings of the warehouse skip it), in WAL mode, with a versioned
 * schema; every DDL is one transaction. Databases (`default` always
 * exists), tables (managed ones live in `<warehouse>/<table>` for
 * `default` and `<warehouse>/<db>.db/<table>` otherwise, as Spark; external
 * ones at their LOCATION), persistent views (their SQL text), and
 * persistent WASM functions (their module's bytes). Names compare
 * case-insensitively and are stored lower-cased, as Spark's session
 * catalog does. One connection guarded by a mutex: thread-safe for every
 * session of the server.
 */
#ifndef EM_CATALOG_H
#define EM_CATALOG_H

#include "../base/base.h"

typedef struct em_catalog em_catalog;

typedef struct em_cat_kv {
  char **keys, **vals;
  int n;
} em_cat_kv;

typedef struct em_cat_db {
  char *name, *comment, *location;
  em_cat_kv props;
} em_cat_db;

typedef struct em_cat_table {
  char *db, *name;
  char *type;      /* "MANAGED", "EXTERNAL" or "VIEW" */
  char *provider;  /* parquet, csv, json, text; NULL for views */
  char *location;  /* absolute directory; NULL for views */
  char *schema;    /* the table's schema as a JSON struct type (data then partition columns) */
  char **partcols; /* partition column names */
  int npartcols;
  em_cat_kv options, props;
  char *comment;
  char *view_text; /* VIEW: the query's SQL text */
  int64_t created_ms;
} em_cat_table;

int em_catalog_open(const char *warehouse, em_catalog **out, em_error *err);
void em_catalog_close(em_catalog *cat);
/* The absolute warehouse directory. */
const char *em_catalog_warehouse(const em_catalog *cat);
/* The directory of a managed table. em_malloc'd. */
char *em_catalog_table_dir(const em_catalog *cat, const char *db, const char *name);

int em_catalog_create_db(em_catalog *cat, const char *name, const char *comment, const char *location,
                         bool if_not_exists, em_error *err);
/* cascade: drops its tables too (their managed files are the caller's). */
int em_catalog_drop_db(em_catalog *cat, const char *name, bool if_exists, bool cascade, em_error *err);
bool em_catalog_db_exists(em_catalog *cat, const char *name);
/* 1 found, 0 not found, -1 error. */
int em_catalog_get_db(em_catalog *cat, const char *name, em_cat_db *out, em_error *err);
/* Sorted names. */
int em_catalog_list_dbs(em_catalog *cat, char ***names, int *n, em_error *err);

/* Stores t (a new table or view). replace: an existing VIEW of that name
 * is replaced. TABLE_OR_VIEW_ALREADY_EXISTS otherwise. */
int em_catalog_create_table(em_catalog *cat, const em_cat_table *t, bool replace, em_error *err);
/* 1 found, 0 not found, -1 error. */
int em_catalog_get_table(em_catalog *cat, const char *db, const char *name, em_cat_table *out, em_error *err);
/* 1 dropped, 0 not found, -1 error. */
int em_catalog_drop_table(em_catalog *cat, const char *db, const char *name, em_error *err);
/* Updates every field of the stored t (same db and name). */
int em_catalog_update_table(em_catalog *cat, const em_cat_table *t, em_error *err);
int em_catalog_rename_table(em_catalog *cat, const char *db, const char *from, const char *to, const char *new_location,
                            em_error *err);
/* The tables and views of db, sorted by name. */
int em_catalog_list_tables(em_catalog *cat, const char *db, em_cat_table **out, int *n, em_error *err);

/* A persistent function (CREATE FUNCTION without TEMPORARY): a WASM
 * export, with the module's bytes copied into the metastore. */
typedef struct em_cat_function {
  char *db, *name;
  char *class_name; /* AS '...': the export (or a full `wasm:file#export`) */
  char *resource;   /* USING FILE '...', or NULL */
  uint8_t *module;  /* the module's bytes (em_catalog_list_functions with_module) */
  size_t module_len;
  int64_t created_ms;
} em_cat_function;

/* ROUTINE_ALREADY_EXISTS when it exists and !replace; SCHEMA_NOT_FOUND. */
int em_catalog_create_function(em_catalog *cat, const em_cat_function *f, bool replace, em_error *err);
/* 1 dropped, 0 not found, -1 error. */
int em_catalog_drop_function(em_catalog *cat, const char *db, const char *name, em_error *err);
/* The functions of db sorted by name (modules too when with_module);
 * em_cat_function_free each and em_free the array. */
int em_catalog_list_functions(em_catalog *cat, const char *db, bool with_module, em_cat_function **out, int *n,
                              em_error *err);
void em_cat_function_free(em_cat_function *f);
/* Changes whenever a function is created or dropped (through this catalog
 * object); never 0. Sessions compare it to know when to reload. */
uint64_t em_catalog_function_gen(em_catalog *cat);

void em_cat_table_free(em_cat_table *t);
void em_cat_db_free(em_cat_db *d);
void em_cat_kv_free(em_cat_kv *kv);
int em_cat_kv_put(em_cat_kv *kv, const char *key, const char *val);
const char *em_cat_kv_get(const em_cat_kv *kv, const char *key);

#endif
