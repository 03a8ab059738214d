/*
 * The protocol's Catalog relation (spark.catalog.*): the call runs when
 * the relation is converted, and its answer becomes local rows with the
 * schema Spark's planner gives it (a Dataset of a string or boolean is one
 * column `value`; Database rows are name, catalog, description,
 * locationUri; Table rows name, catalog, namespace, description,
 * tableType, isTemporary).
 */
#include "connect_int.h"

#include "../catalog/catalog.h"

#include <string.h>

typedef struct rows {
  em_type *schema;
  em_vec **cols;
  int ncols;
  int64_t n;
} rows;

static int rows_init(rows *r, const char *const *names, const char *types, em_error *err) {
  memset(r, 0, sizeof *r);
  r->ncols = (int)strlen(types);
  r->schema = em_type_struct_new(r->ncols);
  r->cols = em_calloc((size_t)r->ncols + 1, sizeof *r->cols);
  if (!r->schema || !r->cols) return em_error_internal(err, "out of memory");
  for (int i = 0; i < r->ncols; i++) {
    em_type *t = types[i] == 'b'   ? em_type_boolean()
                 : types[i] == 'a' ? em_type_array(em_type_string(), true)
                                   : em_type_string();
    em_type_struct_set(r->schema, i, names[i], em_type_ref(t), types[i] != 'b', NULL);
    r->cols[i] = em_vec_new(t, 8);
    em_type_unref(t);
    if (!r->cols[i]) return em_error_internal(err, "out of memory");
  }
  return 0;
}

static void rows_free(rows *r) {
  for (int i = 0; r->cols && i < r->ncols; i++)
    if (r->cols[i]) em_vec_unref(r->cols[i]);
  em_free(r->cols);
  if (r->schema) em_type_unref(r->schema);
}

static void put_str(rows *r, int c, const char *s) {
  if (s) em_vec_append_bytes(r->cols[c], s, strlen(s));
  else em_vec_append_null(r->cols[c]);
}

static em_spec_rel *rows_rel(rows *r, em_spec *spec, em_error *err) {
  em_spec_rel *rel = em_spec_rel_new(spec, EM_SR_LOCAL);
  em_batch **bs = em_spec_array(spec, 1, sizeof *bs);
  if (!rel || !bs) {
    rows_free(r);
    return em_error_internal(err, "out of memory"), NULL;
  }
  em_batch *b = em_batch_new(em_type_ref(r->schema), r->ncols, r->cols, r->n);
  em_free(r->cols); /* the batch holds the vectors */
  r->cols = NULL;
  if (!b || em_spec_own_batch(spec, b) || em_spec_own_type(spec, r->schema)) {
    rows_free(r);
    return em_error_internal(err, "out of memory"), NULL;
  }
  rel->u.local.schema = r->schema;
  bs[0] = b;
  rel->u.local.batches = bs;
  rel->u.local.nbatches = 1;
  return rel;
}

static em_spec_rel *one_value(em_spec *spec, const char *s, int b, em_error *err) {
  static const char *const names[] = {"value"};
  rows r;
  if (rows_init(&r, names, s ? "s" : "b", err)) {
    rows_free(&r);
    return NULL;
  }
  if (s) put_str(&r, 0, s);
  else em_vec_append_bool(r.cols[0], b != 0);
  r.n = 1;
  return rows_rel(&r, spec, err);
}

static em_spec_rel *empty(em_spec *spec, em_error *err) {
  em_spec_rel *rel = em_spec_rel_new(spec, EM_SR_LOCAL);
  em_type *st = em_type_struct_new(0);
  if (!rel || !st || em_spec_own_type(spec, st)) return em_error_internal(err, "out of memory"), NULL;
  rel->u.local.schema = st;
  return rel;
}

static int schema_not_found(const char *db, em_error *err) {
  char q[EM_ERROR_VAL_MAX];
  snprintf(q, sizeof q, "`spark_catalog`.`%s`", db);
  return em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", q, NULL);
}

static em_spec_rel *list_databases(em_session *sess, em_catalog *cat, const char *pattern, em_spec *spec,
                                   em_error *err) {
  static const char *const names[] = {"name", "catalog", "description", "locationUri"};
  char **dbs;
  int n;
  if (em_catalog_list_dbs(cat, &dbs, &n, err)) return NULL;
  rows r;
  int rc = rows_init(&r, names, "ssss", err);
  for (int i = 0; !rc && i < n; i++) {
    (void)pattern;
    em_cat_db d;
    if (em_catalog_get_db(cat, dbs[i], &d, err) != 1) continue;
    put_str(&r, 0, d.name);
    put_str(&r, 1, "spark_catalog");
    put_str(&r, 2, d.comment);
    char uri[4200];
    snprintf(uri, sizeof uri, "file:%s", d.location);
    put_str(&r, 3, uri);
    r.n++;
    em_cat_db_free(&d);
  }
  for (int i = 0; i < n; i++) em_free(dbs[i]);
  em_free(dbs);
  if (rc) {
    rows_free(&r);
    return NULL;
  }
  return rows_rel(&r, spec, err);
}

static em_spec_rel *list_tables(em_session *sess, em_catalog *cat, const char *dbname, em_spec *spec, em_error *err) {
  static const char *const names[] = {"name", "catalog", "namespace", "description", "tableType", "isTemporary"};
  char *db = dbname ? em_strdup(dbname) : em_session_current_db(sess);
  if (!em_catalog_db_exists(cat, db)) {
    schema_not_found(db, err);
    em_free(db);
    return NULL;
  }
  em_cat_table *ts;
  int n;
  if (em_catalog_list_tables(cat, db, &ts, &n, err)) {
    em_free(db);
    return NULL;
  }
  rows r;
  int rc = rows_init(&r, names, "ssassb", err);
  for (int i = 0; !rc && i < n; i++) {
    put_str(&r, 0, ts[i].name);
    put_str(&r, 1, "spark_catalog");
    em_vec_append_bytes(r.cols[2]->children[0], ts[i].db, strlen(ts[i].db));
    em_vec_append_list_end(r.cols[2]);
    put_str(&r, 3, ts[i].comment);
    put_str(&r, 4, ts[i].type);
    em_vec_append_bool(r.cols[5], false);
    r.n++;
  }
  /* Then the session's temp views. */
  pthread_mutex_lock(&sess->views->mu);
  for (int i = 0; !rc && i < sess->views->n; i++) {
    put_str(&r, 0, sess->views->v[i].name);
    put_str(&r, 1, NULL);
    em_vec_append_list_end(r.cols[2]);
    put_str(&r, 3, NULL);
    put_str(&r, 4, "TEMPORARY");
    em_vec_append_bool(r.cols[5], true);
    r.n++;
  }
  pthread_mutex_unlock(&sess->views->mu);
  for (int i = 0; i < n; i++) em_cat_table_free(&ts[i]);
  em_free(ts);
  em_free(db);
  if (rc) {
    rows_free(&r);
    return NULL;
  }
  return rows_rel(&r, spec, err);
}

static bool table_exists(em_session *sess, em_catalog *cat, const char *db, const char *name) {
  em_view v;
  if (!db && em_views_get(sess->views, name, &v)) {
    em_view_free(&v);
    return true;
  }
  if (db && em_strcaseeq(db, "global_temp") && em_views_get(sess->svc->global_views, name, &v)) {
    em_view_free(&v);
    return true;
  }
  char *d = db ? em_strdup(db) : em_session_current_db(sess);
  em_cat_table t;
  em_error err;
  int rc = em_catalog_get_table(cat, d, name, &t, &err);
  if (rc == 1) em_cat_table_free(&t);
  em_free(d);
  return rc == 1;
}

static em_spec_rel *unsupported(const char *what, em_error *err) {
  char f[128];
  snprintf(f, sizeof f, "spark.catalog.%s", what);
  em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", f, NULL);
  return NULL;
}

em_spec_rel *em_connect_catalog_rel(em_session *sess, const Spark__Connect__Catalog *c, em_spec *spec, em_error *err);
em_spec_rel *em_connect_catalog_rel(em_session *sess, const Spark__Connect__Catalog *c, em_spec *spec, em_error *err) {
  bool handled;
  em_spec_rel *meta = em_connect_catalog_meta(sess, c, spec, &handled, err);
  if (handled) return meta;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return NULL;
  switch (c->cat_type_case) {
  case SPARK__CONNECT__CATALOG__CAT_TYPE_CURRENT_DATABASE: {
    char *db = em_session_current_db(sess);
    em_spec_rel *r = one_value(spec, db, 0, err);
    em_free(db);
    return r;
  }
  case SPARK__CONNECT__CATALOG__CAT_TYPE_SET_CURRENT_DATABASE: {
    const char *db = c->set_current_database->db_name;
    if (!em_catalog_db_exists(cat, db)) return schema_not_found(db, err), NULL;
    char *d = em_strdup(db);
    for (char *p = d; p && *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    pthread_mutex_lock(&sess->mu);
    em_free(sess->current_db);
    sess->current_db = d;
    pthread_mutex_unlock(&sess->mu);
    return empty(spec, err);
  }
  case SPARK__CONNECT__CATALOG__CAT_TYPE_DATABASE_EXISTS:
    return one_value(spec, NULL, em_catalog_db_exists(cat, c->database_exists->db_name), err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_TABLE_EXISTS: {
    const Spark__Connect__TableExists *t = c->table_exists;
    const char *db = t->_db_name_case ? t->db_name : NULL;
    const char *name = t->table_name;
    char buf[512];
    const char *dot = db ? NULL : strchr(name, '.');
    if (dot) {
      snprintf(buf, sizeof buf, "%.*s", (int)(dot - name), name);
      db = buf;
      name = dot + 1;
    }
    return one_value(spec, NULL, table_exists(sess, cat, db, name), err);
  }
  case SPARK__CONNECT__CATALOG__CAT_TYPE_DROP_TEMP_VIEW:
    return one_value(spec, NULL, em_views_drop(sess->views, c->drop_temp_view->view_name), err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_DROP_GLOBAL_TEMP_VIEW:
    return one_value(spec, NULL, em_views_drop(sess->svc->global_views, c->drop_global_temp_view->view_name), err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_CURRENT_CATALOG: return one_value(spec, "spark_catalog", 0, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_SET_CURRENT_CATALOG:
    if (!em_strcaseeq(c->set_current_catalog->catalog_name, "spark_catalog")) return unsupported("setCurrentCatalog", err);
    return empty(spec, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_CATALOGS: {
    static const char *const names[] = {"name", "description"};
    rows r;
    if (rows_init(&r, names, "ss", err)) {
      rows_free(&r);
      return NULL;
    }
    put_str(&r, 0, "spark_catalog");
    put_str(&r, 1, NULL);
    r.n = 1;
    return rows_rel(&r, spec, err);
  }
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_DATABASES:
    return list_databases(sess, cat, c->list_databases->_pattern_case ? c->list_databases->pattern : NULL, spec, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_TABLES:
    if (c->list_tables->_pattern_case) return unsupported("listTables with a pattern", err);
    return list_tables(sess, cat, c->list_tables->_db_name_case ? c->list_tables->db_name : NULL, spec, err);
  default: return unsupported("call", err);
  }
}
