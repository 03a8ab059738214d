/*
 * Unit tests for the SQLite metastore (src/catalog): databases, tables and
 * their lists, persistence across a reopen, rename and drop.
 */
#include "runner.h"

#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"

static char dir[64];

static em_catalog *open_cat(void) {
  if (!dir[0]) {
    strcpy(dir, "/tmp/em_test_catalog_XXXXXX");
    CHECK(mkdtemp(dir));
  }
  em_catalog *cat = NULL;
  em_error err;
  CHECK(em_catalog_open(dir, &cat, &err) == 0);
  return cat;
}

static void cleanup(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK(system(cmd) == 0);
}

TEST(databases) {
  em_catalog *cat = open_cat();
  em_error err;
  CHECK(em_catalog_db_exists(cat, "default"));
  CHECK(em_catalog_db_exists(cat, "DEFAULT"));
  CHECK(!em_catalog_db_exists(cat, "sales"));
  CHECK(em_catalog_create_db(cat, "Sales", "the sales", NULL, false, &err) == 0);
  CHECK(em_catalog_create_db(cat, "sales", NULL, NULL, false, &err) == -1);
  CHECK(err.cls == EM_ERR_SCHEMA_ALREADY_EXISTS);
  CHECK(em_catalog_create_db(cat, "sales", NULL, NULL, true, &err) == 0);
  char **names;
  int n;
  CHECK(em_catalog_list_dbs(cat, &names, &n, &err) == 0);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_STR(names[0], "default");
  CHECK_EQ_STR(names[1], "sales");
  for (int i = 0; i < n; i++) em_free(names[i]);
  em_free(names);
  em_cat_db d;
  CHECK(em_catalog_get_db(cat, "sales", &d, &err) == 1);
  CHECK_EQ_STR(d.comment, "the sales");
  char want[128];
  snprintf(want, sizeof want, "%s/sales.db", dir);
  CHECK_EQ_STR(d.location, want);
  CHECK(access(want, F_OK) == 0);
  em_cat_db_free(&d);
  CHECK(em_catalog_drop_db(cat, "nope", false, false, &err) == -1);
  CHECK(err.cls == EM_ERR_SCHEMA_NOT_FOUND);
  CHECK(em_catalog_drop_db(cat, "nope", true, false, &err) == 0);
  CHECK(em_catalog_drop_db(cat, "sales", false, false, &err) == 0);
  CHECK(!em_catalog_db_exists(cat, "sales"));
  em_catalog_close(cat);
  cleanup();
}

TEST(tables_persist) {
  em_catalog *cat = open_cat();
  em_error err;
  em_cat_table t;
  memset(&t, 0, sizeof t);
  t.db = "default";
  t.name = "T1";
  t.type = "MANAGED";
  t.provider = "parquet";
  t.location = em_catalog_table_dir(cat, "default", "T1");
  t.schema = "{\"type\":\"struct\",\"fields\":[]}";
  char *pc[] = {"p", "q"};
  t.partcols = pc;
  t.npartcols = 2;
  t.comment = "c";
  t.created_ms = 42;
  CHECK(em_catalog_create_table(cat, &t, false, &err) == 0);
  CHECK(em_catalog_create_table(cat, &t, false, &err) == -1);
  CHECK(err.cls == EM_ERR_TABLE_OR_VIEW_ALREADY_EXISTS);
  em_free(t.location);
  em_catalog_close(cat);

  cat = open_cat();
  em_cat_table g;
  CHECK(em_catalog_get_table(cat, "DEFAULT", "t1", &g, &err) == 1);
  CHECK_EQ_STR(g.name, "t1");
  CHECK_EQ_STR(g.provider, "parquet");
  CHECK_EQ_INT(g.npartcols, 2);
  CHECK_EQ_STR(g.partcols[1], "q");
  CHECK_EQ_INT(g.created_ms, 42);
  CHECK(em_cat_kv_put(&g.props, "k", "v") == 0);
  CHECK(em_cat_kv_put(&g.props, "k2", "") == 0);
  CHECK(em_catalog_update_table(cat, &g, &err) == 0);
  em_cat_table_free(&g);
  CHECK(em_catalog_get_table(cat, "default", "t1", &g, &err) == 1);
  CHECK_EQ_INT(g.props.n, 2);
  CHECK_EQ_STR(em_cat_kv_get(&g.props, "k"), "v");
  CHECK_EQ_STR(em_cat_kv_get(&g.props, "k2"), "");
  em_cat_table_free(&g);
  CHECK(em_catalog_rename_table(cat, "default", "t1", "t2", NULL, &err) == 0);
  CHECK(em_catalog_get_table(cat, "default", "t1", &g, &err) == 0);
  em_cat_table *ts;
  int n;
  CHECK(em_catalog_list_tables(cat, "default", &ts, &n, &err) == 0);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_STR(ts[0].name, "t2");
  em_cat_table_free(&ts[0]);
  em_free(ts);
  CHECK(em_catalog_drop_db(cat, "default", false, false, &err) == -1);
  CHECK(err.cls == EM_ERR_SCHEMA_NOT_EMPTY);
  CHECK(em_catalog_drop_table(cat, "default", "t2", &err) == 1);
  CHECK(em_catalog_drop_table(cat, "default", "t2", &err) == 0);
  em_catalog_close(cat);
  cleanup();
}

TEST(functions_persist) {
  em_catalog *cat = open_cat();
  em_error err;
  uint64_t g0 = em_catalog_function_gen(cat);
  CHECK(g0 != 0);
  static const uint8_t mod[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
  em_cat_function f = {.db = "Default", .name = "Norm", .class_name = "norm", .resource = "udfs.wasm",
                       .module = (uint8_t *)mod, .module_len = sizeof mod, .created_ms = 5};
  CHECK(em_catalog_create_function(cat, &f, false, &err) == 0);
  CHECK(em_catalog_function_gen(cat) != g0);
  CHECK(em_catalog_create_function(cat, &f, false, &err) == -1);
  CHECK(err.cls == EM_ERR_ROUTINE_ALREADY_EXISTS);
  f.class_name = "bmi";
  CHECK(em_catalog_create_function(cat, &f, true, &err) == 0);
  em_cat_function g = {.db = "nodb", .name = "x", .class_name = "x"};
  CHECK(em_catalog_create_function(cat, &g, false, &err) == -1);
  CHECK(err.cls == EM_ERR_SCHEMA_NOT_FOUND);
  em_catalog_close(cat);
  /* Reopened: the function and its module's bytes are there. */
  cat = open_cat();
  em_cat_function *fs;
  int n;
  CHECK(em_catalog_list_functions(cat, "DEFAULT", true, &fs, &n, &err) == 0);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_STR(fs[0].name, "norm");
  CHECK_EQ_STR(fs[0].class_name, "bmi");
  CHECK_EQ_STR(fs[0].resource, "udfs.wasm");
  CHECK(fs[0].module_len == sizeof mod && memcmp(fs[0].module, mod, sizeof mod) == 0);
  em_cat_function_free(&fs[0]);
  em_free(fs);
  CHECK(em_catalog_list_functions(cat, "default", false, &fs, &n, &err) == 0);
  CHECK(n == 1 && fs[0].module == NULL);
  em_cat_function_free(&fs[0]);
  em_free(fs);
  CHECK(em_catalog_drop_function(cat, "default", "NORM", &err) == 1);
  CHECK(em_catalog_drop_function(cat, "default", "norm", &err) == 0);
  CHECK(em_catalog_list_functions(cat, "default", false, &fs, &n, &err) == 0);
  CHECK_EQ_INT(n, 0);
  em_free(fs);
  em_catalog_close(cat);
  cleanup();
}

TEST_LIST{TEST_ENTRY(databases), TEST_ENTRY(tables_persist), TEST_ENTRY(functions_persist), TEST_END};
