/*
 * The persistent catalog's SQL statements (CREATE/DROP DATABASE, USE,
 * CREATE TABLE [AS SELECT], INSERT INTO/OVERWRITE, SHOW DATABASES/TABLES/
 * VIEWS, TRUNCATE TABLE, DROP TABLE of a catalog table) and name
 * resolution of catalog tables: a table is a Read of its files with its
 * stored schema and format. Data goes through the atomic write job, so an
 * INSERT that fails or is killed leaves the table as it was.
 */
#include "connect_int.h"

#include "../catalog/catalog.h"
#include "../sql/sql.h"
#include "write_plan.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SEARCH_PATH "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]"

em_catalog *em_connect_catalog(em_session *sess, em_error *err) {
  em_connect_state *s = sess->svc;
  char *wh = em_session_conf_dup(sess, "spark.sql.warehouse.dir");
  pthread_mutex_lock(&s->mu);
  if (!s->catalog) em_catalog_open(wh ? wh : "spark-warehouse", &s->catalog, err);
  em_catalog *c = s->catalog;
  pthread_mutex_unlock(&s->mu);
  em_free(wh);
  return c;
}

char *em_session_current_db(em_session *sess) {
  pthread_mutex_lock(&sess->mu);
  char *d = em_strdup(sess->current_db ? sess->current_db : "default");
  pthread_mutex_unlock(&sess->mu);
  return d;
}

static void quote_parts(char *const *parts, int n, char *buf, size_t cap) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && k < cap; i++) k += (size_t)snprintf(buf + k, cap - k, "%s`%s`", i ? "." : "", parts[i]);
}

static int not_found(char *const *parts, int n, em_error *err) {
  char name[EM_ERROR_VAL_MAX];
  quote_parts(parts, n, name, sizeof name);
  return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", name, "searchPath", SEARCH_PATH, NULL);
}

static int schema_not_found(const char *db, em_error *err) {
  char q[EM_ERROR_VAL_MAX];
  snprintf(q, sizeof q, "`spark_catalog`.`%s`", db);
  return em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", q, NULL);
}

/* The database of a 1- or 2-part name (spark_catalog.db.t also). */
static char *db_of(em_session *sess, char *const *parts, int n) {
  if (n >= 2) return em_strdup(parts[n - 2]);
  return em_session_current_db(sess);
}

static bool valid_parts(char *const *parts, int n) {
  return n == 1 || n == 2 || (n == 3 && em_strcaseeq(parts[0], "spark_catalog"));
}

int em_catalog_lookup(em_session *sess, em_spec *spec, char *const *parts, int nparts, em_spec_rel **out,
                      em_error *err) {
  if (!valid_parts(parts, nparts)) return 1;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  char *db = db_of(sess, parts, nparts);
  em_cat_table t;
  int rc = em_catalog_get_table(cat, db, parts[nparts - 1], &t, err);
  em_free(db);
  if (rc <= 0) return rc < 0 ? -1 : 1;
  if (t.view_text) {
    em_sql_opts o;
    memset(&o, 0, sizeof o);
    char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
    o.timezone = tz ? em_spec_strdup(spec, tz) : NULL;
    em_free(tz);
    rc = em_sql_parse_query(spec, t.view_text, &o, out, err);
    /* CREATE VIEW v(a, b): the stored schema names the columns. */
    if (!rc && em_cat_kv_get(&t.options, "view.columns") && t.schema) {
      em_type *vs = em_type_parse_json(t.schema, strlen(t.schema), err);
      em_spec_rel *td = vs ? em_spec_rel_new(spec, EM_SR_TO_DF) : NULL;
      char **names = vs ? em_spec_array(spec, (size_t)vs->u.st.nfields + 1, sizeof(char *)) : NULL;
      if (!td || !names) rc = vs ? em_error_internal(err, "out of memory") : -1;
      for (int i = 0; !rc && i < vs->u.st.nfields; i++) names[i] = em_spec_strdup(spec, vs->u.st.fields[i].name);
      if (!rc) {
        td->input = *out;
        td->u.to_df.names = names;
        td->u.to_df.nnames = vs->u.st.nfields;
        *out = td;
      }
      if (vs) em_type_unref(vs);
    }
    em_cat_table_free(&t);
    return rc;
  }
  em_spec_rel *r = em_spec_rel_new(spec, EM_SR_READ);
  char **paths = em_spec_array(spec, 1, sizeof(char *));
  char **keys = em_spec_array(spec, (size_t)t.options.n + 1, sizeof(char *));
  char **vals = em_spec_array(spec, (size_t)t.options.n + 1, sizeof(char *));
  if (!r || !paths || !keys || !vals) {
    em_cat_table_free(&t);
    return em_error_internal(err, "out of memory");
  }
  /* Empty managed tables may have no directory yet. */
  mkdir(t.location, 0777);
  paths[0] = em_spec_strdup(spec, t.location);
  r->u.read.paths = paths;
  r->u.read.npaths = 1;
  r->u.read.format = em_spec_strdup(spec, t.provider);
  r->u.read.schema = em_spec_strdup(spec, t.schema);
  for (int i = 0; i < t.options.n; i++) {
    keys[i] = em_spec_strdup(spec, t.options.keys[i]);
    vals[i] = em_spec_strdup(spec, t.options.vals[i]);
  }
  r->u.read.keys = keys;
  r->u.read.values = vals;
  r->u.read.nopts = t.options.n;
  em_cat_table_free(&t);
  *out = r;
  return 0;
}

/* ---- statements ---- */

static bool like(const char *pattern, const char *name) {
  if (!pattern) return true;
  /* Spark's SHOW ... LIKE: '*' any characters, '|' alternatives, case-insensitive. */
  char buf[512];
  snprintf(buf, sizeof buf, "%s", pattern);
  for (char *alt = strtok(buf, "|"); alt; alt = strtok(NULL, "|")) {
    while (*alt == ' ') alt++;
    size_t l = strlen(alt);
    while (l && alt[l - 1] == ' ') alt[--l] = '\0';
    if (!fnmatch(alt, name, FNM_CASEFOLD)) return true;
  }
  return false;
}

static int show_dbs(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  char **names;
  int n;
  if (em_catalog_list_dbs(cat, &names, &n, err)) return -1;
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (like(st->pattern, names[i])) names[k++] = names[i];
    else em_free(names[i]);
  }
  static const char *const cols[] = {"namespace"};
  int rc = em_sql_reply_typed(op, cols, "S", 1, names, k, err);
  for (int i = 0; i < k; i++) em_free(names[i]);
  em_free(names);
  return rc;
}

static int show_tables(em_operation *op, em_catalog *cat, const em_sql_stmt *st, bool views_only, em_error *err) {
  em_session *sess = op->sess;
  char *db = st->nname ? em_strdup(st->name[st->nname - 1]) : em_session_current_db(sess);
  if (!em_catalog_db_exists(cat, db)) {
    int rc = schema_not_found(db, err);
    em_free(db);
    return rc;
  }
  em_cat_table *ts;
  int n;
  if (em_catalog_list_tables(cat, db, &ts, &n, err)) {
    em_free(db);
    return -1;
  }
  /* Temp views follow the database's tables. */
  pthread_mutex_lock(&sess->views->mu);
  int nv = sess->views->n;
  char **vnames = em_calloc((size_t)nv + 1, sizeof(char *));
  for (int i = 0; vnames && i < nv; i++) vnames[i] = em_strdup(sess->views->v[i].name);
  pthread_mutex_unlock(&sess->views->mu);
  char **vals = em_calloc((size_t)(n + nv) * 3 + 1, sizeof(char *));
  int rows = 0;
  for (int i = 0; vals && i < n; i++) {
    if (views_only && strcmp(ts[i].type, "VIEW")) continue;
    if (!like(st->pattern, ts[i].name)) continue;
    vals[rows * 3] = ts[i].db;
    vals[rows * 3 + 1] = ts[i].name;
    vals[rows * 3 + 2] = "false";
    rows++;
  }
  for (int i = 0; vals && vnames && i < nv; i++) {
    if (!like(st->pattern, vnames[i])) continue;
    vals[rows * 3] = "";
    vals[rows * 3 + 1] = vnames[i];
    vals[rows * 3 + 2] = "true";
    rows++;
  }
  static const char *const cols[] = {"namespace", "tableName", "isTemporary"};
  static const char *const vcols[] = {"namespace", "viewName", "isTemporary"};
  int rc = vals ? em_sql_reply_typed(op, views_only ? vcols : cols, "SSb", 3, vals, rows, err)
                : em_error_internal(err, "out of memory");
  em_free(vals);
  for (int i = 0; vnames && i < nv; i++) em_free(vnames[i]);
  em_free(vnames);
  for (int i = 0; i < n; i++) em_cat_table_free(&ts[i]);
  em_free(ts);
  em_free(db);
  return rc;
}

/* Resolves rel. */
static int analyze(em_session *sess, const em_spec_rel *rel, em_plan **plan, em_error *err) {
  em_analyze_ctx ctx;
  em_session_analyze_ctx(sess, &ctx);
  return em_analyze(rel, &ctx, plan, err);
}

/* The schema with the partition columns moved to the end (Spark's table
 * schema order), as JSON. */
static char *table_schema_json(const em_type *schema, char *const *partcols, int np, em_error *err) {
  int nf = schema->u.st.nfields;
  em_type *st = em_type_struct_new(nf);
  if (!st) return em_error_internal(err, "out of memory"), NULL;
  int k = 0;
  for (int i = 0; i < nf; i++) {
    const em_field *f = &schema->u.st.fields[i];
    bool part = false;
    for (int j = 0; j < np; j++) part |= em_strcaseeq(partcols[j], f->name);
    if (!part) em_type_struct_set(st, k++, f->name, em_type_ref(f->type), f->nullable, f->metadata);
  }
  for (int j = 0; j < np; j++) {
    int i = 0;
    while (i < nf && !em_strcaseeq(partcols[j], schema->u.st.fields[i].name)) i++;
    if (i == nf) {
      em_type_unref(st);
      char q[EM_ERROR_VAL_MAX];
      snprintf(q, sizeof q, "partition column %s is not in the table's schema", partcols[j]);
      em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", q, NULL);
      return NULL;
    }
    const em_field *f = &schema->u.st.fields[i];
    em_type_struct_set(st, k++, f->name, em_type_ref(f->type), f->nullable, f->metadata);
  }
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_type_json(st, &sb);
  em_type_unref(st);
  char *r = em_strdup(sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return r;
}

static int kv_from(em_cat_kv *kv, char *const *keys, char *const *vals, int n) {
  for (int i = 0; i < n; i++)
    if (em_cat_kv_put(kv, keys[i], vals[i])) return -1;
  return 0;
}

static em_options options_of(const em_cat_kv *kv) {
  em_options o = {kv->n, (const char **)kv->keys, (const char **)kv->vals};
  return o;
}

/* CREATE TABLE; *existed tells IF NOT EXISTS found the table. */
static int create_table_impl(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  if (!valid_parts(st->name, st->nname)) return not_found(st->name, st->nname, err);
  em_cat_table t;
  memset(&t, 0, sizeof t);
  t.db = db_of(sess, st->name, st->nname);
  t.name = em_strdup(st->name[st->nname - 1]);
  if (!em_catalog_db_exists(cat, t.db)) {
    int rc = schema_not_found(t.db, err);
    em_cat_table_free(&t);
    return rc;
  }
  em_cat_table old;
  int rc = em_catalog_get_table(cat, t.db, t.name, &old, err);
  if (rc == 1) {
    em_cat_table_free(&old);
    if (st->if_not_exists) {
      em_cat_table_free(&t);
      return 0;
    }
    char q[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", t.db, t.name);
    for (char *c = q; *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    em_cat_table_free(&t);
    return em_error_set(err, EM_ERR_TABLE_OR_VIEW_ALREADY_EXISTS, "relationName", q, NULL);
  }
  char *dflt = NULL;
  const char *provider = st->provider;
  if (!provider) provider = dflt = em_session_conf_dup(sess, "spark.sql.sources.default");
  const em_format *fmt = em_format_find(provider ? provider : "parquet");
  em_free(dflt);
  if (!fmt || (!fmt->write_open && st->rel)) {
    char fs[256];
    snprintf(fs, sizeof fs, fmt ? "writing %s files (not implemented in Ember yet)" : "tables of data source %s",
             fmt ? fmt->name : st->provider ? st->provider : "");
    em_cat_table_free(&t);
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", fs, NULL);
  }
  t.type = em_strdup(st->location ? "EXTERNAL" : "MANAGED");
  t.provider = em_strdup(fmt->name);
  t.location = st->location ? em_strdup(st->location) : em_catalog_table_dir(cat, t.db, t.name);
  t.partcols = em_calloc((size_t)st->npartcols + 1, sizeof(char *));
  for (int i = 0; t.partcols && i < st->npartcols; i++) t.partcols[t.npartcols++] = em_strdup(st->partcols[i]);
  t.comment = st->comment ? em_strdup(st->comment) : NULL;
  t.created_ms = (int64_t)time(NULL) * 1000;
  rc = kv_from(&t.options, st->opt_keys, st->opt_vals, st->nopts) ||
               kv_from(&t.props, st->prop_keys, st->prop_vals, st->nprops)
           ? em_error_internal(err, "out of memory")
           : 0;
  em_plan *plan = NULL;
  em_type *schema = NULL;
  if (!rc && st->rel) {
    rc = analyze(sess, st->rel, &plan, err);
    if (!rc) schema = em_type_ref(plan->schema);
  } else if (!rc && st->columns_ddl) {
    schema = em_type_parse_ddl(st->columns_ddl, err);
    if (!schema) rc = -1;
  } else if (!rc && st->location) {
    /* An external table over existing files: their inferred schema. */
    em_spec spec;
    em_spec_init(&spec);
    em_spec_rel *r = em_spec_rel_new(&spec, EM_SR_READ);
    char **paths = em_spec_array(&spec, 1, sizeof(char *));
    paths[0] = em_spec_strdup(&spec, st->location);
    r->u.read.paths = paths;
    r->u.read.npaths = 1;
    r->u.read.format = em_spec_strdup(&spec, fmt->name);
    r->u.read.keys = st->opt_keys;
    r->u.read.values = st->opt_vals;
    r->u.read.nopts = st->nopts;
    em_plan *p2 = NULL;
    rc = analyze(sess, r, &p2, err);
    if (!rc) schema = em_type_ref(p2->schema);
    em_plan_free(p2);
    em_spec_release(&spec);
  } else if (!rc) {
    schema = em_type_struct_new(0);
  }
  if (!rc) {
    t.schema = table_schema_json(schema, t.partcols, t.npartcols, err);
    if (!t.schema) rc = -1;
  }
  if (!rc && plan) {
    em_options o = options_of(&t.options);
    rc = em_connect_write_plan(op, plan, t.location, fmt, EM_WRITE_OVERWRITE, &o, (const char *const *)t.partcols,
                               t.npartcols, err);
  } else if (!rc && !st->location) {
    mkdir(t.location, 0777);
  }
  if (!rc) rc = em_catalog_create_table(cat, &t, false, err);
  em_type_unref(schema);
  em_plan_free(plan);
  em_cat_table_free(&t);
  return rc ? -1 : 0;
}

static int create_table(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  return create_table_impl(op, cat, st, err) ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

/* Writes rel into the table t (INSERT, insertInto, saveAsTable append):
 * the query's columns by position, cast to the table's types. */
int em_catalog_insert(em_operation *op, em_spec *spec, em_spec_rel *rel, const em_cat_table *t, bool overwrite,
                      em_error *err);
int em_catalog_insert(em_operation *op, em_spec *spec, em_spec_rel *rel, const em_cat_table *t, bool overwrite,
                      em_error *err) {
  em_session *sess = op->sess;
  const em_format *fmt = em_format_find(t->provider);
  if (!fmt || !fmt->write_open) {
    char fs[256];
    snprintf(fs, sizeof fs, "writing %s files (not implemented in Ember yet)", t->provider);
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", fs, NULL);
  }
  em_type *ts = em_type_parse_json(t->schema, strlen(t->schema), err);
  if (!ts) return -1;
  em_plan *plan = NULL;
  int rc = analyze(sess, rel, &plan, err);
  int nf = ts->u.st.nfields;
  if (!rc && plan->schema->u.st.nfields != nf) {
    char q[EM_ERROR_VAL_MAX], a[32], b[32];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", t->db, t->name);
    snprintf(a, sizeof a, "%d", nf);
    snprintf(b, sizeof b, "%d", plan->schema->u.st.nfields);
    rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                      "INSERT with a different number of columns than the table has", NULL);
    (void)q;
  }
  em_plan_free(plan);
  plan = NULL;
  if (!rc) {
    /* Rename by position, then cast each column to the table's type. */
    em_spec_rel *td = em_spec_rel_new(spec, EM_SR_TO_DF);
    char **names = em_spec_array(spec, (size_t)nf + 1, sizeof(char *));
    em_spec_rel *pr = em_spec_rel_new(spec, EM_SR_PROJECT);
    em_spec_expr **exprs = em_spec_array(spec, (size_t)nf + 1, sizeof(em_spec_expr *));
    for (int i = 0; i < nf; i++) {
      const em_field *f = &ts->u.st.fields[i];
      names[i] = em_spec_strdup(spec, f->name);
      em_spec_expr *col = em_spec_expr_new(spec, EM_SE_ATTR);
      col->u.attr.parts = em_spec_array(spec, 1, sizeof(char *));
      col->u.attr.parts[0] = names[i];
      col->u.attr.nparts = 1;
      col->u.attr.plan_id = -1;
      em_spec_expr *cast = em_spec_expr_new(spec, EM_SE_CAST);
      cast->u.cast.child = col;
      cast->u.cast.type = em_type_ref(f->type);
      cast->u.cast.mode = EM_CAST_ANSI;
      em_spec_expr *al = em_spec_expr_new(spec, EM_SE_ALIAS);
      al->u.alias.child = cast;
      al->u.alias.names = em_spec_array(spec, 1, sizeof(char *));
      al->u.alias.names[0] = names[i];
      al->u.alias.nnames = 1;
      exprs[i] = al;
    }
    td->input = rel;
    td->u.to_df.names = names;
    td->u.to_df.nnames = nf;
    pr->input = td;
    pr->u.project.exprs = exprs;
    pr->u.project.nexprs = nf;
    rc = analyze(sess, pr, &plan, err);
  }
  if (!rc) {
    em_cat_kv opts = t->options;
    em_options o = options_of(&opts);
    mkdir(t->location, 0777);
    rc = em_connect_write_plan(op, plan, t->location, fmt, overwrite ? EM_WRITE_OVERWRITE : EM_WRITE_APPEND, &o,
                               (const char *const *)t->partcols, t->npartcols, err);
  }
  em_plan_free(plan);
  em_type_unref(ts);
  return rc;
}

static int get_table_or_fail(em_session *sess, em_catalog *cat, char *const *parts, int n, em_cat_table *t,
                             em_error *err) {
  if (!valid_parts(parts, n)) return not_found(parts, n, err);
  char *db = db_of(sess, parts, n);
  int rc = em_catalog_get_table(cat, db, parts[n - 1], t, err);
  em_free(db);
  if (rc == 0) return not_found(parts, n, err);
  return rc < 0 ? -1 : 0;
}

static int insert(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  if (st->nparts) return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "INSERT ... PARTITION (...)", NULL);
  em_cat_table t;
  if (get_table_or_fail(op->sess, cat, st->name, st->nname, &t, err)) return -1;
  em_spec spec;
  em_spec_init(&spec);
  int rc = em_catalog_insert(op, &spec, st->rel, &t, st->overwrite, err);
  em_spec_release(&spec);
  em_cat_table_free(&t);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int rm_tree(const char *path) {
  char cmd[4200];
  if (strchr(path, '\'')) return -1;
  snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", path);
  return system(cmd);
}

static int drop_table(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  if (st->nname == 1 && em_views_drop(sess->views, st->name[0])) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  if (st->nname == 2 && em_strcaseeq(st->name[0], "global_temp") && em_views_drop(sess->svc->global_views, st->name[1]))
    return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  em_cat_table t;
  int rc = -1;
  if (valid_parts(st->name, st->nname)) {
    char *db = db_of(sess, st->name, st->nname);
    rc = em_catalog_get_table(cat, db, st->name[st->nname - 1], &t, err);
    em_free(db);
  }
  if (rc < 0 && err->cls == EM_ERR_INTERNAL) return -1;
  if (rc <= 0 && st->if_exists) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  if (rc <= 0 && st->nname == 2) {
    char name[EM_ERROR_VAL_MAX], path[EM_ERROR_VAL_MAX];
    snprintf(name, sizeof name, "`spark_catalog`.`%s`.`%s`", st->name[0], st->name[1]);
    snprintf(path, sizeof path, "[`spark_catalog`.`%s`]", st->name[0]);
    return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", name, "searchPath", path, NULL);
  }
  if (rc <= 0) return not_found(st->name, st->nname, err);
  rc = em_catalog_drop_table(cat, t.db, t.name, err);
  if (rc >= 0 && !strcmp(t.type, "MANAGED") && t.location) rm_tree(t.location);
  em_cat_table_free(&t);
  return rc < 0 ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int truncate_table(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  em_cat_table t;
  if (get_table_or_fail(op->sess, cat, st->name, st->nname, &t, err)) return -1;
  int rc = 0;
  if (t.location) {
    rm_tree(t.location);
    mkdir(t.location, 0777);
  }
  em_cat_table_free(&t);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

int em_run_catalog_stmt(em_operation *op, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  switch (st->kind) {
  case EM_SQL_CREATE_DB:
    if (st->nname != 1) return schema_not_found(st->name[st->nname - 1], err);
    if (em_catalog_create_db(cat, st->name[0], st->comment, st->location, st->if_not_exists, err)) return -1;
    return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  case EM_SQL_DROP_DB:
    if (em_catalog_drop_db(cat, st->name[st->nname - 1], st->if_exists, st->cascade, err)) return -1;
    return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  case EM_SQL_USE: {
    const char *db = st->name[st->nname - 1];
    if (!em_catalog_db_exists(cat, db)) return schema_not_found(db, err);
    char *d = em_strdup(db);
    for (char *c = d; c && *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    pthread_mutex_lock(&sess->mu);
    em_free(sess->current_db);
    sess->current_db = d;
    pthread_mutex_unlock(&sess->mu);
    return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  }
  case EM_SQL_CREATE_TABLE: return create_table(op, cat, st, err);
  case EM_SQL_INSERT: return insert(op, cat, st, err);
  case EM_SQL_SHOW_DBS: return show_dbs(op, cat, st, err);
  case EM_SQL_SHOW_TABLES: return show_tables(op, cat, st, false, err);
  case EM_SQL_SHOW_VIEWS: return show_tables(op, cat, st, true, err);
  case EM_SQL_TRUNCATE: return truncate_table(op, cat, st, err);
  case EM_SQL_DROP_TABLE: return drop_table(op, cat, st, err);
  case EM_SQL_CREATE_FUNCTION:
  case EM_SQL_DROP_FUNCTION:
  case EM_SQL_SHOW_FUNCTIONS:
  case EM_SQL_DESCRIBE_FUNCTION: return em_run_function_stmt(op, st, err);
  default: return em_run_describe_stmt(op, cat, st, err);
  }
}

/* ---- DataFrameWriter.saveAsTable / insertInto ---- */

int em_catalog_write_table(em_operation *op, const Spark__Connect__WriteOperation *w, em_error *err) {
  em_session *sess = op->sess;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  if (!w->input)
    return em_error_set(err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.WriteOperation", "name", "input",
                        NULL);
  em_spec spec;
  em_spec_init(&spec);
  char **parts = NULL;
  int nparts = 0;
  em_spec_rel *rel = NULL;
  int rc = em_sql_parse_table_name(&spec, w->table->table_name, &parts, &nparts, err);
  if (!rc) rc = em_proto_to_spec(sess, w->input, &spec, &rel, err);
  bool insert_into = w->table->save_method ==
                     SPARK__CONNECT__WRITE_OPERATION__SAVE_TABLE__TABLE_SAVE_METHOD__TABLE_SAVE_METHOD_INSERT_INTO;
  em_cat_table t;
  int found = 0;
  if (!rc && valid_parts(parts, nparts)) {
    char *db = db_of(sess, parts, nparts);
    found = em_catalog_get_table(cat, db, parts[nparts - 1], &t, err);
    em_free(db);
    if (found < 0) rc = -1;
  }
  if (!rc && insert_into) {
    if (!found) rc = not_found(parts, nparts, err);
    else rc = em_catalog_insert(op, &spec, rel, &t, w->mode == SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_OVERWRITE, err);
  } else if (!rc) {
    switch (w->mode) {
    case SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_APPEND:
      if (found) {
        rc = em_catalog_insert(op, &spec, rel, &t, false, err);
        goto done;
      }
      break;
    case SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_IGNORE:
      if (found) goto done;
      break;
    case SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_OVERWRITE:
      if (found) {
        /* Replaced: the old table's metadata and managed files go. */
        rc = em_catalog_drop_table(cat, t.db, t.name, err) < 0 ? -1 : 0;
        if (!rc && !strcmp(t.type, "MANAGED") && t.location) rm_tree(t.location);
      }
      break;
    default: break; /* error if exists: create_table_impl raises it */
    }
    if (!rc) {
      em_sql_stmt st;
      memset(&st, 0, sizeof st);
      st.kind = EM_SQL_CREATE_TABLE;
      st.name = parts;
      st.nname = nparts;
      st.rel = rel;
      st.provider = w->_source_case && w->source && *w->source ? w->source : NULL;
      st.partcols = w->partitioning_columns;
      st.npartcols = (int)w->n_partitioning_columns;
      char **keys = em_spec_array(&spec, w->n_options + 1, sizeof(char *));
      char **vals = em_spec_array(&spec, w->n_options + 1, sizeof(char *));
      for (size_t i = 0; keys && vals && i < w->n_options; i++) {
        if (em_strcaseeq(w->options[i]->key, "path")) {
          st.location = w->options[i]->value;
          continue;
        }
        keys[st.nopts] = w->options[i]->key;
        vals[st.nopts++] = w->options[i]->value;
      }
      st.opt_keys = keys;
      st.opt_vals = vals;
      rc = create_table_impl(op, cat, &st, err);
    }
  }
done:
  if (found == 1) em_cat_table_free(&t);
  em_spec_release(&spec);
  return rc;
}
