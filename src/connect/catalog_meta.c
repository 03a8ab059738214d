/*
 * spark.catalog calls about functions, columns, single tables and
 * databases: listFunctions, functionExists, getFunction, listColumns,
 * getTable, getDatabase. Each answer becomes local rows with the schema
 * Spark's planner gives the Dataset the client decodes (Function rows:
 * name, catalog, namespace, description, className, isTemporary; Column
 * rows: name, description, dataType, nullable, isPartition, isBucket,
 * isCluster).
 */
#include "connect_int.h"

#include "../catalog/catalog.h"
#include "../expr/func.h"
#include "../wasm/wasm.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int em_connect_builtin_names(char ***out, int *n); /* function_cmd.c */

/* ---- functions ---- */

static const char *const FN_COLS[] = {"name", "catalog", "namespace", "description", "className", "isTemporary"};

static void put_function(em_catrows *r, em_session *sess, const char *name) {
  const char *label = NULL, *ex = NULL;
  bool udf = em_udf_binding(em_session_udfs(sess, false), name, &label, &ex);
  em_catrows_put_str(r, 0, name);
  em_catrows_put_str(r, 1, NULL);
  em_catrows_put_list(r, 2, NULL, 0);
  em_catrows_put_str(r, 3, udf ? "N/A." : NULL);
  em_catrows_put_str(r, 4, udf ? label : NULL);
  em_vec_append_bool(r->cols[5], true);
  r->n++;
}

/* The persistent functions of the current database (if the catalog is open). */
static int persistent(em_session *sess, em_cat_function **fs, int *n, em_error *err) {
  *fs = NULL;
  *n = 0;
  if (!sess->svc->catalog) return 0;
  em_catalog *cat = em_connect_catalog(sess, err);
  char *db = em_session_current_db(sess);
  int rc = cat && db ? em_catalog_list_functions(cat, db, false, fs, n, err) : -1;
  em_free(db);
  return rc;
}

static void put_persistent(em_catrows *r, const em_cat_function *f) {
  em_catrows_put_str(r, 0, f->name);
  em_catrows_put_str(r, 1, "spark_catalog");
  const char *ns[] = {f->db};
  em_catrows_put_list(r, 2, ns, 1);
  em_catrows_put_str(r, 3, "N/A.");
  em_catrows_put_str(r, 4, f->class_name);
  em_vec_append_bool(r->cols[5], false);
  r->n++;
}

static em_spec_rel *list_functions(em_session *sess, const char *pattern, em_spec *spec, em_error *err) {
  char **names;
  int n;
  if (em_connect_builtin_names(&names, &n)) return em_error_internal(err, "out of memory"), NULL;
  em_udf_registry *reg = em_session_udfs(sess, false);
  em_catrows r;
  int rc = em_catrows_init(&r, FN_COLS, "ssassb", err);
  /* Built-ins and the session's functions, in name order. */
  int nu = 0;
  while (em_udf_name_at(reg, nu)) nu++;
  int i = 0, u = 0;
  char **us = em_calloc((size_t)nu + 1, sizeof *us);
  for (int k = 0; us && k < nu; k++) us[k] = (char *)em_udf_name_at(reg, k);
  for (int a = 0; us && a < nu; a++)
    for (int b = a + 1; b < nu; b++)
      if (strcmp(us[b], us[a]) < 0) {
        char *t = us[a];
        us[a] = us[b];
        us[b] = t;
      }
  while (!rc && us && (i < n || u < nu)) {
    const char *next;
    if (u >= nu || (i < n && strcmp(names[i], us[u]) <= 0)) {
      next = names[i++];
      if (u < nu && !strcmp(next, us[u])) u++;
    } else {
      next = us[u++];
    }
    if (em_connect_show_like(pattern, next)) put_function(&r, sess, next);
  }
  if (!us) rc = em_error_internal(err, "out of memory");
  em_free(us);
  em_cat_function *fs;
  int nf;
  if (!rc && !persistent(sess, &fs, &nf, err)) {
    for (int k = 0; k < nf; k++) {
      if (em_connect_show_like(pattern, fs[k].name) && !em_udf_is_own(reg, fs[k].name)) put_persistent(&r, &fs[k]);
      em_cat_function_free(&fs[k]);
    }
    em_free(fs);
  } else if (!rc) {
    rc = -1;
  }
  for (int k = 0; k < n; k++) em_free(names[k]);
  em_free(names);
  if (rc) {
    em_catrows_free(&r);
    return NULL;
  }
  return em_catrows_rel(&r, spec, err);
}

static bool function_exists(em_session *sess, const char *name) {
  return em_func_lookup(name) || em_udf_lookup(em_session_udfs(sess, false), name);
}

static em_spec_rel *get_function(em_session *sess, const char *name, em_spec *spec, em_error *err) {
  if (!function_exists(sess, name)) {
    char q[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`%s`", name);
    em_error_set(err, EM_ERR_UNRESOLVED_ROUTINE, "routineName", q, "searchPath",
                 "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]", NULL);
    return NULL;
  }
  em_catrows r;
  if (em_catrows_init(&r, FN_COLS, "ssassb", err)) {
    em_catrows_free(&r);
    return NULL;
  }
  em_cat_function *fs;
  int nf, found = -1;
  if (em_func_lookup(name) || em_udf_is_own(em_session_udfs(sess, false), name) || persistent(sess, &fs, &nf, err)) {
    char *low = em_strdup(name);
    for (char *c = low; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    put_function(&r, sess, low ? low : name);
    em_free(low);
    return em_catrows_rel(&r, spec, err);
  }
  for (int k = 0; k < nf; k++) {
    if (found < 0 && em_strcaseeq(fs[k].name, name)) {
      found = k;
      put_persistent(&r, &fs[k]);
    }
  }
  for (int k = 0; k < nf; k++) em_cat_function_free(&fs[k]);
  em_free(fs);
  if (found < 0) put_function(&r, sess, name);
  return em_catrows_rel(&r, spec, err);
}

/* ---- tables, columns, databases ---- */

/* "db.t" in table_name when db_name is unset. */
static void split_name(const char *table, const char *dbname, char *dbbuf, size_t cap, const char **db,
                       const char **name) {
  *db = dbname;
  *name = table;
  const char *dot = dbname ? NULL : strrchr(table, '.');
  if (dot) {
    snprintf(dbbuf, cap, "%.*s", (int)(dot - table), table);
    char *p = strrchr(dbbuf, '.'); /* spark_catalog.db.t */
    *db = p ? p + 1 : dbbuf;
    *name = dot + 1;
  }
}

static int not_found(em_session *sess, const char *db, const char *name, em_error *err) {
  char q[EM_ERROR_VAL_MAX], path[EM_ERROR_VAL_MAX];
  if (db) snprintf(q, sizeof q, "`%s`.`%s`", db, name);
  else snprintf(q, sizeof q, "`%s`", name);
  char *cur = em_session_current_db(sess);
  snprintf(path, sizeof path, "[`system`.`session`, `spark_catalog`.`%s`]", cur ? cur : "default");
  em_free(cur);
  return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", q, "searchPath", path, NULL);
}

/* A temp view's name (kind 2) or a catalog table (kind 1, *t filled). */
static int find_table(em_session *sess, em_catalog *cat, const char *db, const char *name, em_cat_table *t,
                      em_error *err) {
  em_view v;
  em_views *vs = !db ? sess->views : em_strcaseeq(db, "global_temp") ? sess->svc->global_views : NULL;
  if (vs && em_views_get(vs, name, &v)) {
    em_view_free(&v);
    return 2;
  }
  char *d = db ? em_strdup(db) : em_session_current_db(sess);
  int rc = em_catalog_get_table(cat, d, name, t, err);
  em_free(d);
  if (rc < 0) return -1;
  if (rc == 0) return not_found(sess, db, name, err);
  return 1;
}

static em_spec_rel *get_table(em_session *sess, em_catalog *cat, const char *table, const char *dbname,
                              em_spec *spec, em_error *err) {
  static const char *const names[] = {"name", "catalog", "namespace", "description", "tableType", "isTemporary"};
  char dbbuf[512];
  const char *db, *name;
  split_name(table, dbname, dbbuf, sizeof dbbuf, &db, &name);
  em_cat_table t;
  int k = find_table(sess, cat, db, name, &t, err);
  if (k < 0) return NULL;
  em_catrows r;
  if (em_catrows_init(&r, names, "ssassb", err)) {
    em_catrows_free(&r);
    if (k == 1) em_cat_table_free(&t);
    return NULL;
  }
  if (k == 1) {
    em_catrows_put_str(&r, 0, t.name);
    em_catrows_put_str(&r, 1, "spark_catalog");
    const char *ns[] = {t.db};
    em_catrows_put_list(&r, 2, ns, 1);
    em_catrows_put_str(&r, 3, t.comment);
    em_catrows_put_str(&r, 4, t.type);
    em_vec_append_bool(r.cols[5], false);
    em_cat_table_free(&t);
  } else {
    em_catrows_put_str(&r, 0, name);
    em_catrows_put_str(&r, 1, NULL);
    const char *ns[] = {"global_temp"};
    em_catrows_put_list(&r, 2, db ? ns : NULL, db ? 1 : 0);
    em_catrows_put_str(&r, 3, NULL);
    em_catrows_put_str(&r, 4, "TEMPORARY");
    em_vec_append_bool(r.cols[5], true);
  }
  r.n = 1;
  return em_catrows_rel(&r, spec, err);
}

static em_spec_rel *list_columns(em_session *sess, em_catalog *cat, const char *table, const char *dbname,
                                 em_spec *spec, em_error *err) {
  static const char *const names[] = {"name", "description", "dataType", "nullable", "isPartition", "isBucket",
                                      "isCluster"};
  char dbbuf[512];
  const char *db, *name;
  split_name(table, dbname, dbbuf, sizeof dbbuf, &db, &name);
  em_cat_table t;
  memset(&t, 0, sizeof t);
  int k = find_table(sess, cat, db, name, &t, err);
  if (k < 0) return NULL;
  em_type *schema = NULL;
  if (k == 1) {
    schema = em_type_parse_json(t.schema, strlen(t.schema), err);
  } else {
    /* A temp view: its analyzed schema. */
    em_spec s2;
    em_spec_init(&s2);
    em_spec_rel *nr = em_connect_named_table(sess, table, &s2, err);
    if (nr) {
      em_analyze_ctx ctx;
      em_session_analyze_ctx(sess, &ctx);
      em_plan *plan = NULL;
      if (!em_analyze(nr, &ctx, &plan, err)) schema = em_type_ref(plan->schema);
      em_plan_free(plan);
    }
    em_spec_release(&s2);
  }
  em_catrows r;
  int rc = schema ? em_catrows_init(&r, names, "sssbbbb", err) : -1;
  for (int i = 0; !rc && i < schema->u.st.nfields; i++) {
    const em_field *f = &schema->u.st.fields[i];
    em_catrows_put_str(&r, 0, f->name);
    char *cm = em_connect_field_comment(f->metadata);
    em_catrows_put_str(&r, 1, cm);
    em_free(cm);
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_type_simple_string(f->type, &sb);
    em_catrows_put_str(&r, 2, sb.data ? sb.data : "");
    em_strbuf_free(&sb);
    bool part = false;
    for (int j = 0; k == 1 && j < t.npartcols; j++) part |= em_strcaseeq(t.partcols[j], f->name);
    em_vec_append_bool(r.cols[3], f->nullable);
    em_vec_append_bool(r.cols[4], part);
    em_vec_append_bool(r.cols[5], false);
    em_vec_append_bool(r.cols[6], false);
    r.n++;
  }
  if (k == 1) em_cat_table_free(&t);
  if (schema) em_type_unref(schema);
  if (rc) {
    if (schema) em_catrows_free(&r);
    return NULL;
  }
  return em_catrows_rel(&r, spec, err);
}

static em_spec_rel *get_database(em_catalog *cat, const char *name, em_spec *spec, em_error *err) {
  static const char *const names[] = {"name", "catalog", "description", "locationUri"};
  const char *dot = strrchr(name, '.');
  if (dot) name = dot + 1;
  em_cat_db d;
  int rc = em_catalog_get_db(cat, name, &d, err);
  if (rc < 0) return NULL;
  if (rc == 0) {
    char q[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`", name);
    em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", q, NULL);
    return NULL;
  }
  em_catrows r;
  if (em_catrows_init(&r, names, "ssss", err)) {
    em_catrows_free(&r);
    em_cat_db_free(&d);
    return NULL;
  }
  em_catrows_put_str(&r, 0, d.name);
  em_catrows_put_str(&r, 1, "spark_catalog");
  em_catrows_put_str(&r, 2, d.comment ? d.comment : "");
  char uri[4200];
  snprintf(uri, sizeof uri, "file:%s", d.location);
  em_catrows_put_str(&r, 3, uri);
  r.n = 1;
  em_cat_db_free(&d);
  return em_catrows_rel(&r, spec, err);
}

static em_spec_rel *one_bool(em_spec *spec, bool b, em_error *err) {
  static const char *const names[] = {"value"};
  em_catrows r;
  if (em_catrows_init(&r, names, "b", err)) {
    em_catrows_free(&r);
    return NULL;
  }
  em_vec_append_bool(r.cols[0], b);
  r.n = 1;
  return em_catrows_rel(&r, spec, err);
}

em_spec_rel *em_connect_catalog_meta(em_session *sess, const Spark__Connect__Catalog *c, em_spec *spec, bool *handled,
                                     em_error *err) {
  *handled = true;
  switch (c->cat_type_case) {
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_FUNCTIONS:
  case SPARK__CONNECT__CATALOG__CAT_TYPE_FUNCTION_EXISTS:
  case SPARK__CONNECT__CATALOG__CAT_TYPE_GET_FUNCTION: em_session_sync_functions(sess); break;
  default: break;
  }
  switch (c->cat_type_case) {
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_FUNCTIONS:
    return list_functions(sess, c->list_functions->_pattern_case ? c->list_functions->pattern : NULL, spec, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_FUNCTION_EXISTS:
    return one_bool(spec, function_exists(sess, c->function_exists->function_name), err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_GET_FUNCTION:
    return get_function(sess, c->get_function->function_name, spec, err);
  default: break;
  }
  em_catalog *cat;
  switch (c->cat_type_case) {
  case SPARK__CONNECT__CATALOG__CAT_TYPE_LIST_COLUMNS:
    if (!(cat = em_connect_catalog(sess, err))) return NULL;
    return list_columns(sess, cat, c->list_columns->table_name,
                        c->list_columns->_db_name_case ? c->list_columns->db_name : NULL, spec, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_GET_TABLE:
    if (!(cat = em_connect_catalog(sess, err))) return NULL;
    return get_table(sess, cat, c->get_table->table_name, c->get_table->_db_name_case ? c->get_table->db_name : NULL,
                     spec, err);
  case SPARK__CONNECT__CATALOG__CAT_TYPE_GET_DATABASE:
    if (!(cat = em_connect_catalog(sess, err))) return NULL;
    return get_database(cat, c->get_database->db_name, spec, err);
  default: *handled = false; return NULL;
  }
}
