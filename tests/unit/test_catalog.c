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

TEST_LIST{TEST_ENTRY(databases), TEST_ENTRY(tables_persist), TEST_END};
