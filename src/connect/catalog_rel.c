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

static em_spec_rel *one_value(em_spec *spec, const char *s, int b, em_error *err) {
  static const char *const names[] = {"value"};
  em_catrows r;
  if (em_catrows_init(&r, names, s ? "s" : "b", err)) {
    em_catrows_free(&r);
    return NULL;
  }
  if (s) em_catrows_put_str(&r, 0, s);
  else em_vec_append_bool(r.cols[0], b != 0);
  r.n = 1;
  return em_catrows_rel(&r, spec, err);
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
  em_catrows r;
  int rc = em_catrows_init(&r, names, "ssss", err);
  for (int i = 0; !rc && i < n; i++) {
    (void)pattern;
    em_cat_db d;
    if (em_catalog_get_db(cat, dbs[i], &d, err) != 1) continue;
    em_catrows_put_str(&r, 0, d.name);
    em_catrows_put_str(&r, 1, "spark_catalog");
    em_catrows_put_str(&r, 2, d.comment);
    char uri[4200];
    snprintf(uri, sizeof uri, "file:%s", d.location);
    em_catrows_put_str(&r, 3, uri);
    r.n++;
    em_cat_db_free(&d);
  }
  for (int i = 0; i < n; i++) em_free(dbs[i]);
  em_free(dbs);
  if (rc) {
    em_catrows_free(&r);
    return NULL;
  }
  return em_catrows_rel(&r, spec, err);
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
  em_catrows r;
  int rc = em_catrows_init(&r, names, "ssassb", err);
  for (int i = 0; !rc && i < n; i++) {
    em_catrows_put_str(&r, 0, ts[i].name);
    em_catrows_put_str(&r, 1, "spark_catalog");
    em_vec_append_bytes(r.cols[2]->children[0], ts[i].db, strlen(ts[i].db));
    em_vec_append_list_end(r.cols[2]);
    em_catrows_put_str(&r, 3, ts[i].comment);
    em_catrows_put_str(&r, 4, ts[i].type);
    em_vec_append_bool(r.cols[5], false);
    r.n++;
  }
  /* Then the session's temp views. */
  pthread_mutex_lock(&sess->views->mu);
  for (int i = 0; !rc && i < sess->views->n; i++) {
    em_catrows_put_str(&r, 0, sess->views->v[i].name);
    em_catrows_put_str(&r, 1, NULL);
    em_vec_append_list_end(r.cols[2]);
    em_catrows_put_str(&r, 3, NULL);
    em_catrows_put_str(&r, 4, "TEMPORARY");
    em_vec_append_bool(r.cols[5], true);
    r.n++;
  }
  pthread_mutex_unlock(&sess->views->mu);
  for (int i = 0; i < n; i++) em_cat_table_free(&ts[i]);
  em_free(ts);
  em_free(db);
  if (rc) {
    em_catrows_free(&r);
    return NULL;
  }
  return em_catrows_rel(&r, spec, err);
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
    em_catrows r;
    if (em_catrows_init(&r, names, "ss", err)) {
      em_catrows_free(&r);
      return NULL;
    }
    em_catrows_put_str(&r, 0, "spark_catalog");
    em_catrows_put_str(&r, 1, NULL);
    r.n = 1;
    return em_catrows_rel(&r, spec, err);
  }
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_DATABASES:
    return list_databases(sess, cat, c->list_databases->_pattern_case ? c->list_databases->pattern : NULL, spec, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_TABLES:
    if (c->list_tables->_pattern_case) return unsupported("listTables with a pattern", err);
    return list_tables(sess, cat, c->list_tables->_db_name_case ? c->list_tables->db_name : NULL, spec, err);
  default: return unsupported("call", err);
  }
}
