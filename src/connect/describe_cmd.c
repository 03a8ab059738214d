/*
 * Catalog introspection and alteration in SQL: DESCRIBE [TABLE]
 * [EXTENDED] t [col], SHOW CREATE TABLE, SHOW COLUMNS, SHOW TBLPROPERTIES,
 * ALTER TABLE|VIEW t RENAME TO u, ALTER TABLE t ADD COLUMNS (...), ALTER
 * TABLE|VIEW t SET|UNSET TBLPROPERTIES, and persistent CREATE VIEW (the
 * view's SQL text and schema kept in the metastore). Output rows and
 * column names are Spark 4.2's (DescribeTableCommand, ShowCreateTableExec,
 * ShowColumnsCommand, ShowTablePropertiesCommand). Names resolve as in
 * queries: temp views first, then the catalog.
 */
#include "connect_int.h"

#include "../catalog/catalog.h"
#include "../sql/sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

/* ---- rows of string cells ---- */

typedef struct rowset {
  char **v;
  int ncols, n, cap;
} rowset;

static int rs_add(rowset *r, const char *a, const char *b, const char *c) {
  if (r->n == r->cap) {
    int nc = r->cap ? r->cap * 2 : 16;
    char **nv = em_realloc(r->v, sizeof *nv * (size_t)nc * (size_t)r->ncols);
    if (!nv) return -1;
    r->v = nv;
    r->cap = nc;
  }
  const char *cells[3] = {a, b, c};
  for (int i = 0; i < r->ncols; i++) r->v[r->n * r->ncols + i] = cells[i] ? em_strdup(cells[i]) : NULL;
  r->n++;
  return 0;
}

static void rs_free(rowset *r) {
  for (int i = 0; i < r->n * r->ncols; i++) em_free(r->v[i]);
  em_free(r->v);
}

static int rs_reply(em_operation *op, rowset *r, const char *const *cols, const char *types, em_error *err) {
  int rc = em_sql_reply_typed_md(op, cols, types, NULL, r->ncols, r->v, r->n, err);
  rs_free(r);
  return rc;
}

/* The same with the column comments Spark's command outputs carry. */
static int rs_reply_md(em_operation *op, rowset *r, const char *const *cols, const char *types,
                       const char *const *mds, em_error *err) {
  int rc = em_sql_reply_typed_md(op, cols, types, mds, r->ncols, r->v, r->n, err);
  rs_free(r);
  return rc;
}

/* ---- names ---- */

static void quoted(char *buf, size_t cap, char *const *parts, int n) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && k < cap; i++) k += (size_t)snprintf(buf + k, cap - k, "%s`%s`", i ? "." : "", parts[i]);
}

static void lower(char *s) {
  for (; s && *s; s++)
    if (*s >= 'A' && *s <= 'Z') *s = (char)(*s + 32);
}

typedef struct target {
  int kind;        /* 1 catalog table or view, 2 temp view */
  em_cat_table t;  /* kind 1 */
  em_views *views; /* kind 2: where the view lives */
  char *vname;     /* kind 2 */
} target;

static void target_free(target *x) {
  if (x->kind == 1) em_cat_table_free(&x->t);
  em_free(x->vname);
}

/* Finds a table or view; TABLE_OR_VIEW_NOT_FOUND (with Spark's search path
 * for the statement: `builtin` says whether system.builtin is listed). */
static int find(em_session *sess, em_catalog *cat, char *const *parts, int n, bool temp_ok, bool builtin, target *x,
                em_error *err) {
  memset(x, 0, sizeof *x);
  em_views *vs = n == 1 ? sess->views : (n == 2 && em_strcaseeq(parts[0], "global_temp")) ? sess->svc->global_views
                                                                                          : NULL;
  em_view v;
  if (temp_ok && vs && em_views_get(vs, parts[n - 1], &v)) {
    em_view_free(&v);
    x->kind = 2;
    x->views = vs;
    x->vname = em_strdup(parts[n - 1]);
    return 0;
  }
  if (n == 1 || n == 2 || (n == 3 && em_strcaseeq(parts[0], "spark_catalog"))) {
    char *db = n >= 2 ? em_strdup(parts[n - 2]) : em_session_current_db(sess);
    int rc = em_catalog_get_table(cat, db, parts[n - 1], &x->t, err);
    em_free(db);
    if (rc < 0) return -1;
    if (rc == 1) {
      x->kind = 1;
      return 0;
    }
  }
  char q[EM_ERROR_VAL_MAX], path[EM_ERROR_VAL_MAX];
  quoted(q, sizeof q, parts, n);
  char *cur = em_session_current_db(sess);
  snprintf(path, sizeof path, "[%s`system`.`session`, `spark_catalog`.`%s`]", builtin ? "`system`.`builtin`, " : "",
           cur ? cur : "default");
  em_free(cur);
  return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", q, "searchPath", path, NULL);
}

/* The schema of a name as a query sees it (temp views). */
static em_type *analyzed_schema(em_session *sess, char *const *parts, int n, em_error *err) {
  em_spec spec;
  em_spec_init(&spec);
  em_spec_rel *r = em_spec_rel_new(&spec, EM_SR_NAMED_TABLE);
  char **ps = em_spec_array(&spec, (size_t)n, sizeof(char *));
  em_type *res = NULL;
  if (!r || !ps) {
    em_error_internal(err, "out of memory");
  } else {
    for (int i = 0; i < n; i++) ps[i] = em_spec_strdup(&spec, parts[i]);
    r->u.named_table.parts = ps;
    r->u.named_table.nparts = n;
    em_analyze_ctx ctx;
    em_session_analyze_ctx(sess, &ctx);
    em_plan *plan = NULL;
    if (!em_analyze(r, &ctx, &plan, err)) res = em_type_ref(plan->schema);
    em_plan_free(plan);
  }
  em_spec_release(&spec);
  return res;
}

static em_type *target_schema(em_session *sess, const target *x, char *const *parts, int n, em_error *err) {
  if (x->kind == 1 && x->t.schema) return em_type_parse_json(x->t.schema, strlen(x->t.schema), err);
  return analyzed_schema(sess, parts, n, err);
}

char *em_connect_field_comment(const char *md) {
  const char *p = md ? strstr(md, "\"comment\"") : NULL;
  if (!p) return NULL;
  p += 9;
  while (*p == ' ' || *p == ':') p++;
  if (*p != '"') return NULL;
  p++;
  em_strbuf sb;
  em_strbuf_init(&sb);
  for (; *p && *p != '"'; p++) {
    if (*p != '\\') {
      em_strbuf_putc(&sb, *p);
      continue;
    }
    p++;
    switch (*p) {
    case 'n': em_strbuf_putc(&sb, '\n'); break;
    case 't': em_strbuf_putc(&sb, '\t'); break;
    case 'r': em_strbuf_putc(&sb, '\r'); break;
    case 'u': {
      unsigned cp = 0;
      for (int i = 1; i <= 4 && p[i]; i++) {
        char h = p[i];
        cp = cp * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
      }
      p += 4;
      if (cp < 0x80) em_strbuf_putc(&sb, (char)cp);
      else if (cp < 0x800) {
        em_strbuf_putc(&sb, (char)(0xC0 | (cp >> 6)));
        em_strbuf_putc(&sb, (char)(0x80 | (cp & 0x3F)));
      } else {
        em_strbuf_putc(&sb, (char)(0xE0 | (cp >> 12)));
        em_strbuf_putc(&sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
        em_strbuf_putc(&sb, (char)(0x80 | (cp & 0x3F)));
      }
      break;
    }
    case '\0': p--; break;
    default: em_strbuf_putc(&sb, *p); break;
    }
  }
  char *s = em_strbuf_take(&sb);
  return s ? s : em_strdup("");
}

static char *type_string(const em_type *t) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_type_simple_string(t, &sb);
  char *s = em_strbuf_take(&sb);
  return s ? s : em_strdup("");
}

static bool is_partcol(const em_cat_table *t, const char *name) {
  for (int i = 0; t && i < t->npartcols; i++)
    if (em_strcaseeq(t->partcols[i], name)) return true;
  return false;
}

/* "[k1=v1, k2=v2]" */
static char *kv_bracket(const em_cat_kv *kv) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_putc(&sb, '[');
  for (int i = 0; i < kv->n; i++) em_strbuf_printf(&sb, "%s%s=%s", i ? ", " : "", kv->keys[i], kv->vals[i]);
  em_strbuf_putc(&sb, ']');
  return em_strbuf_take(&sb);
}

/* The metastore's keys of a view that are not user properties. */
#define VIEW_COLUMNS_KEY "view.columns"
#define VIEW_OUTPUT_KEY "view.query.out"
#define VIEW_NS_KEY "view.current.db"

static int describe_table(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  target x;
  if (find(sess, cat, st->name, st->nname, true, true, &x, err)) return -1;
  em_type *schema = target_schema(sess, &x, st->name, st->nname, err);
  if (!schema) {
    target_free(&x);
    return -1;
  }
  const em_cat_table *t = x.kind == 1 ? &x.t : NULL;
  int rc = 0;
  rowset r = {.ncols = st->key ? 2 : 3};
  if (st->key) {
    /* DESCRIBE t col */
    int i = 0, nf = schema->u.st.nfields;
    while (i < nf && !em_strcaseeq(schema->u.st.fields[i].name, st->key)) i++;
    size_t head = strcspn(st->key, ".");
    int b = 0;
    while (st->cascade && b < nf && !(strlen(schema->u.st.fields[b].name) == head &&
                                      !strncasecmp(schema->u.st.fields[b].name, st->key, head)))
      b++;
    if (st->cascade && b < nf && schema->u.st.fields[b].type->id != EM_T_STRUCT) {
      /* Spark resolves a.b as a field of a: not a struct. */
      char base[EM_ERROR_VAL_MAX];
      snprintf(base, sizeof base, "\"%s\"", schema->u.st.fields[b].name);
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_putc(&sb, '"');
      em_type_sql(schema->u.st.fields[b].type, &sb);
      em_strbuf_putc(&sb, '"');
      rc = em_error_set(err, EM_ERR_INVALID_EXTRACT_BASE_FIELD_TYPE, "base", base, "other", sb.data ? sb.data : "",
                        NULL);
      em_strbuf_free(&sb);
      if (st->query_text) em_error_set_sql_context(err, st->query_text);
    } else if (st->cascade && b < nf) {
      rc = em_error_set(err, EM_ERR_DESC_NESTED_COLUMN, "command", "DESC TABLE COLUMN", "column", st->key, NULL);
    } else if (i == nf) {
      char q[EM_ERROR_VAL_MAX];
      snprintf(q, sizeof q, "`%s`", st->key);
      rc = em_error_set(err, EM_ERR_COLUMN_NOT_FOUND, "colName", q, "caseSensitiveConfig",
                        "\"spark.sql.caseSensitive\"", NULL);
    } else {
      const em_field *f = &schema->u.st.fields[i];
      char *ty = type_string(f->type), *cm = em_connect_field_comment(f->metadata);
      rc = rs_add(&r, "col_name", f->name, NULL) || rs_add(&r, "data_type", ty, NULL) ||
           rs_add(&r, "comment", cm ? cm : "NULL", NULL);
      /* EXTENDED: the column's statistics, which Ember does not collect. */
      static const char *const stats[] = {"min", "max", "num_nulls", "distinct_count", "avg_col_len", "max_col_len",
                                          "histogram"};
      for (size_t k = 0; !rc && st->verbose && k < EM_ARRAY_LEN(stats); k++) rc = rs_add(&r, stats[k], "NULL", NULL);
      em_free(ty);
      em_free(cm);
      if (rc) rc = em_error_internal(err, "out of memory");
    }
    em_type_unref(schema);
    target_free(&x);
    static const char *const icols[] = {"info_name", "info_value"};
    static const char *const imds[] = {"{\"comment\":\"name of the column info\"}",
                                       "{\"comment\":\"value of the column info\"}"};
    if (rc) {
      rs_free(&r);
      return -1;
    }
    return rs_reply_md(op, &r, icols, "SS", imds, err);
  }
  for (int i = 0; !rc && i < schema->u.st.nfields; i++) {
    const em_field *f = &schema->u.st.fields[i];
    char *ty = type_string(f->type), *cm = em_connect_field_comment(f->metadata);
    rc = rs_add(&r, f->name, ty, cm);
    em_free(ty);
    em_free(cm);
  }
  if (!rc && t && t->npartcols) {
    rc = rs_add(&r, "# Partition Information", "", "") || rs_add(&r, "# col_name", "data_type", "comment");
    for (int i = 0; !rc && i < schema->u.st.nfields; i++) {
      const em_field *f = &schema->u.st.fields[i];
      if (!is_partcol(t, f->name)) continue;
      char *ty = type_string(f->type), *cm = em_connect_field_comment(f->metadata);
      rc = rs_add(&r, f->name, ty, cm);
      em_free(ty);
      em_free(cm);
    }
  }
  if (!rc && t && st->verbose) {
    char when[64] = "UNKNOWN";
    time_t secs = (time_t)(t->created_ms / 1000);
    struct tm tmv;
    if (localtime_r(&secs, &tmv)) strftime(when, sizeof when, "%a %b %d %H:%M:%S %Z %Y", &tmv);
    bool view = !strcmp(t->type, "VIEW");
    rc = rs_add(&r, "", "", "") || rs_add(&r, "# Detailed Table Information", "", "") ||
         rs_add(&r, "Catalog", "spark_catalog", "") || rs_add(&r, "Database", t->db, "") ||
         rs_add(&r, "Table", t->name, "") || rs_add(&r, "Created Time", when, "") ||
         rs_add(&r, "Last Access", "UNKNOWN", "") || rs_add(&r, "Created By", "Spark 4.2.0", "") ||
         rs_add(&r, "Type", t->type, "");
    if (!rc && view) {
      char ns[600];
      const char *vdb = em_cat_kv_get(&t->options, VIEW_NS_KEY);
      snprintf(ns, sizeof ns, "spark_catalog.%s", vdb ? vdb : t->db);
      const char *out = em_cat_kv_get(&t->options, VIEW_OUTPUT_KEY);
      rc = rs_add(&r, "View Text", t->view_text, "") || rs_add(&r, "View Original Text", t->view_text, "") ||
           rs_add(&r, "View Schema Mode", "COMPENSATION", "") || rs_add(&r, "View Catalog and Namespace", ns, "") ||
           rs_add(&r, "View Query Output Columns", out ? out : "[]", "");
    } else if (!rc) {
      rc = rs_add(&r, "Provider", t->provider, "");
      if (!rc && t->comment) rc = rs_add(&r, "Comment", t->comment, "");
      if (!rc && t->props.n) {
        char *p = kv_bracket(&t->props);
        rc = rs_add(&r, "Table Properties", p, "");
        em_free(p);
      }
      if (!rc && t->location) {
        char loc[4200];
        snprintf(loc, sizeof loc, "file:%s", t->location);
        rc = rs_add(&r, "Location", loc, "");
      }
      if (!rc && t->options.n) {
        char *p = kv_bracket(&t->options);
        rc = rs_add(&r, "Storage Properties", p, "");
        em_free(p);
      }
      if (!rc && t->npartcols) rc = rs_add(&r, "Partition Provider", "Catalog", "");
    }
  }
  em_type_unref(schema);
  target_free(&x);
  if (rc) {
    rs_free(&r);
    return em_error_internal(err, "out of memory");
  }
  static const char *const cols[] = {"col_name", "data_type", "comment"};
  static const char *const mds[] = {"{\"comment\":\"name of the column\"}", "{\"comment\":\"data type of the column\"}",
                                    "{\"comment\":\"comment of the column\"}"};
  return rs_reply_md(op, &r, cols, "SSs", mds, err);
}

/* 'text' with quotes and backslashes escaped as Spark prints them. */
static void sql_quote(em_strbuf *sb, const char *s) {
  em_strbuf_putc(sb, '\'');
  for (; *s; s++) {
    if (*s == '\'' || *s == '\\') em_strbuf_putc(sb, '\\');
    em_strbuf_putc(sb, *s);
  }
  em_strbuf_putc(sb, '\'');
}

static void kv_block(em_strbuf *sb, const char *head, const em_cat_kv *kv) {
  if (!kv->n) return;
  em_strbuf_printf(sb, "%s (\n", head);
  for (int i = 0; i < kv->n; i++) {
    em_strbuf_puts(sb, "  ");
    sql_quote(sb, kv->keys[i]);
    em_strbuf_puts(sb, " = ");
    sql_quote(sb, kv->vals[i]);
    em_strbuf_puts(sb, i + 1 < kv->n ? ",\n" : ")\n");
  }
}

static int show_create_table(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  target x;
  if (find(sess, cat, st->name, st->nname, true, false, &x, err)) return -1;
  if (x.kind == 2) {
    char q[EM_ERROR_VAL_MAX];
    quoted(q, sizeof q, st->name, st->nname);
    target_free(&x);
    return em_error_set(err, EM_ERR_EXPECT_PERMANENT_VIEW_NOT_TEMP, "operation", "SHOW CREATE TABLE", "viewName", q,
                        NULL);
  }
  const em_cat_table *t = &x.t;
  em_type *schema = em_type_parse_json(t->schema, strlen(t->schema), err);
  if (!schema) {
    target_free(&x);
    return -1;
  }
  em_strbuf sb;
  em_strbuf_init(&sb);
  int nf = schema->u.st.nfields;
  if (!strcmp(t->type, "VIEW")) {
    em_strbuf_printf(&sb, "CREATE VIEW %s.%s (\n", t->db, t->name);
    for (int i = 0; i < nf; i++) {
      const em_field *f = &schema->u.st.fields[i];
      char *cm = em_connect_field_comment(f->metadata);
      em_strbuf_printf(&sb, "  %s", f->name);
      if (cm) {
        em_strbuf_puts(&sb, " COMMENT ");
        sql_quote(&sb, cm);
      }
      em_free(cm);
      em_strbuf_puts(&sb, i + 1 < nf ? ",\n" : ")\n");
    }
    em_strbuf_printf(&sb, "WITH SCHEMA COMPENSATION\nAS %s\n", t->view_text);
  } else {
    em_strbuf_printf(&sb, "CREATE TABLE spark_catalog.%s.%s (\n", t->db, t->name);
    for (int i = 0; i < nf; i++) {
      const em_field *f = &schema->u.st.fields[i];
      char *cm = em_connect_field_comment(f->metadata);
      em_strbuf_printf(&sb, "  %s ", f->name);
      em_type_sql(f->type, &sb);
      if (f->type->id == EM_T_STRING) em_strbuf_puts(&sb, " COLLATE UTF8_BINARY");
      if (!f->nullable) em_strbuf_puts(&sb, " NOT NULL");
      if (cm) {
        em_strbuf_puts(&sb, " COMMENT ");
        sql_quote(&sb, cm);
      }
      em_free(cm);
      em_strbuf_puts(&sb, i + 1 < nf ? ",\n" : ")\n");
    }
    em_strbuf_printf(&sb, "USING %s\n", t->provider);
    kv_block(&sb, "OPTIONS", &t->options);
    if (t->npartcols) {
      em_strbuf_puts(&sb, "PARTITIONED BY (");
      for (int i = 0; i < t->npartcols; i++) em_strbuf_printf(&sb, "%s%s", i ? ", " : "", t->partcols[i]);
      em_strbuf_puts(&sb, ")\n");
    }
    if (!strcmp(t->type, "EXTERNAL") && t->location) em_strbuf_printf(&sb, "LOCATION 'file:%s'\n", t->location);
    if (t->comment) {
      em_strbuf_puts(&sb, "COMMENT ");
      sql_quote(&sb, t->comment);
      em_strbuf_putc(&sb, '\n');
    }
    kv_block(&sb, "TBLPROPERTIES", &t->props);
  }
  em_type_unref(schema);
  target_free(&x);
  char *text = em_strbuf_take(&sb);
  if (!text) return em_error_internal(err, "out of memory");
  static const char *const cols[] = {"createtab_stmt"};
  char *vals[] = {text};
  int rc = em_sql_reply_typed(op, cols, "S", 1, vals, 1, err);
  em_free(text);
  return rc;
}

static int show_columns(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  char *parts[2];
  char *const *name = st->name;
  int n = st->nname;
  if (st->value) {
    /* SHOW COLUMNS FROM t IN db */
    parts[0] = st->value;
    parts[1] = st->name[st->nname - 1];
    name = parts;
    n = 2;
  }
  target x;
  if (find(op->sess, cat, name, n, true, true, &x, err)) return -1;
  em_type *schema = target_schema(op->sess, &x, name, n, err);
  target_free(&x);
  if (!schema) return -1;
  rowset r = {.ncols = 1};
  int rc = 0;
  for (int i = 0; !rc && i < schema->u.st.nfields; i++) rc = rs_add(&r, schema->u.st.fields[i].name, NULL, NULL);
  em_type_unref(schema);
  if (rc) {
    rs_free(&r);
    return em_error_internal(err, "out of memory");
  }
  static const char *const cols[] = {"col_name"};
  return rs_reply(op, &r, cols, "S", err);
}

static bool internal_key(const char *k) {
  return !strcmp(k, VIEW_COLUMNS_KEY) || !strcmp(k, VIEW_OUTPUT_KEY) || !strcmp(k, VIEW_NS_KEY);
}

static int show_tblproperties(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  target x;
  if (find(op->sess, cat, st->name, st->nname, true, false, &x, err)) return -1;
  rowset r = {.ncols = 2};
  int rc = 0;
  if (x.kind == 1) {
    const em_cat_kv *kv = &x.t.props;
    if (st->key) {
      const char *v = em_cat_kv_get(kv, st->key);
      char msg[1200];
      if (!v) {
        snprintf(msg, sizeof msg, "Table spark_catalog.%s.%s does not have property: %s", x.t.db, x.t.name, st->key);
        v = msg;
      }
      rc = rs_add(&r, st->key, v, NULL);
    } else {
      for (int i = 0; !rc && i < kv->n; i++)
        if (!internal_key(kv->keys[i])) rc = rs_add(&r, kv->keys[i], kv->vals[i], NULL);
    }
  }
  target_free(&x);
  if (rc) {
    rs_free(&r);
    return em_error_internal(err, "out of memory");
  }
  static const char *const cols[] = {"key", "value"};
  return rs_reply(op, &r, cols, "SS", err);
}

static int rename_table(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  target x;
  if (find(sess, cat, st->name, st->nname, true, false, &x, err)) return -1;
  const char *to = st->columns[st->ncolumns - 1];
  int rc = 0;
  if (x.kind == 2) {
    em_view v;
    if (!em_views_get(x.views, x.vname, &v)) {
      target_free(&x);
      return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    }
    em_view probe;
    if (em_views_get(x.views, to, &probe)) {
      em_view_free(&probe);
      em_view_free(&v);
      char q[EM_ERROR_VAL_MAX];
      quoted(q, sizeof q, st->columns, st->ncolumns);
      target_free(&x);
      return em_error_set(err, EM_ERR_TEMP_TABLE_OR_VIEW_ALREADY_EXISTS, "relationName", q, NULL);
    }
    em_views_drop(x.views, x.vname);
    em_free(v.name);
    v.name = em_strdup(to);
    rc = em_views_put(x.views, &v, false, err);
    target_free(&x);
    return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  }
  if (st->ncolumns >= 2 && !em_strcaseeq(st->columns[st->ncolumns - 2], x.t.db)) {
    target_free(&x);
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "renaming a table to another database", NULL);
  }
  em_cat_table old;
  int found = em_catalog_get_table(cat, x.t.db, to, &old, err);
  if (found != 0) {
    if (found > 0) {
      em_cat_table_free(&old);
      char q[EM_ERROR_VAL_MAX], db[EM_ERROR_VAL_MAX];
      snprintf(db, sizeof db, "%s", x.t.db);
      char *parts[2] = {db, (char *)to};
      quoted(q, sizeof q, parts, 2);
      rc = em_error_set(err, EM_ERR_TABLE_OR_VIEW_ALREADY_EXISTS, "relationName", q, NULL);
    }
    target_free(&x);
    return -1;
  }
  /* A managed table's directory follows its name. */
  char *newloc = NULL;
  if (!strcmp(x.t.type, "MANAGED") && x.t.location) {
    char *low = em_strdup(to);
    lower(low);
    newloc = em_catalog_table_dir(cat, x.t.db, low);
    em_free(low);
    if (newloc && rename(x.t.location, newloc) != 0) {
      em_free(newloc);
      newloc = NULL;
    }
  }
  rc = em_catalog_rename_table(cat, x.t.db, x.t.name, to, newloc, err);
  if (rc && newloc) rename(newloc, x.t.location);
  em_free(newloc);
  target_free(&x);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int expect_table(const em_cat_table *t, const char *operation, em_error *err) {
  char q[EM_ERROR_VAL_MAX];
  snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", t->db, t->name);
  return em_error_set(err, EM_ERR_EXPECT_TABLE_NOT_VIEW_NO_ALTERNATIVE, "operation", operation, "viewName", q, NULL);
}

static int add_columns(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  target x;
  if (find(op->sess, cat, st->name, st->nname, true, false, &x, err)) return -1;
  if (x.kind == 2 || !strcmp(x.t.type, "VIEW")) {
    int rc = x.kind == 2 ? em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "ALTER TABLE on a temp view", NULL)
                         : expect_table(&x.t, "ALTER TABLE ... ADD COLUMNS", err);
    target_free(&x);
    return rc;
  }
  em_type *old = em_type_parse_json(x.t.schema, strlen(x.t.schema), err);
  em_type *add = old ? em_type_parse_ddl(st->columns_ddl, err) : NULL;
  em_type *nt = NULL;
  int rc = add ? 0 : -1;
  int no = old ? old->u.st.nfields : 0, na = add ? add->u.st.nfields : 0;
  for (int i = 0; !rc && i < na; i++) {
    for (int j = 0; !rc && j < no + i; j++) {
      const char *a = add->u.st.fields[i].name;
      const char *b = j < no ? old->u.st.fields[j].name : add->u.st.fields[j - no].name;
      if (em_strcaseeq(a, b)) {
        char q[EM_ERROR_VAL_MAX];
        snprintf(q, sizeof q, "`%s`", a);
        lower(q);
        rc = em_error_set(err, EM_ERR_COLUMN_ALREADY_EXISTS, "columnName", q, NULL);
      }
    }
  }
  if (!rc && !(nt = em_type_struct_new(no + na))) rc = em_error_internal(err, "out of memory");
  if (!rc) {
    /* New data columns go before the partition columns. */
    int k = 0;
    for (int pass = 0; pass < 3; pass++) {
      const em_type *src = pass == 1 ? add : old;
      for (int i = 0; i < src->u.st.nfields; i++) {
        const em_field *f = &src->u.st.fields[i];
        if (pass != 1 && is_partcol(&x.t, f->name) != (pass == 2)) continue;
        em_type_struct_set(nt, k++, f->name, em_type_ref(f->type), f->nullable, f->metadata);
      }
    }
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_type_json(nt, &sb);
    em_free(x.t.schema);
    x.t.schema = em_strbuf_take(&sb);
    rc = x.t.schema ? em_catalog_update_table(cat, &x.t, err) : em_error_internal(err, "out of memory");
  }
  if (nt) em_type_unref(nt);
  if (add) em_type_unref(add);
  if (old) em_type_unref(old);
  target_free(&x);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int set_props(em_operation *op, em_catalog *cat, const em_sql_stmt *st, bool unset, em_error *err) {
  target x;
  if (find(op->sess, cat, st->name, st->nname, false, false, &x, err)) return -1;
  int rc = 0;
  em_cat_kv kv = {0};
  for (int i = 0; !rc && i < x.t.props.n; i++) {
    bool removed = false;
    for (int j = 0; unset && j < st->nprops; j++) removed |= !strcmp(st->prop_keys[j], x.t.props.keys[i]);
    if (!removed) rc = em_cat_kv_put(&kv, x.t.props.keys[i], x.t.props.vals[i]);
  }
  for (int j = 0; !rc && !unset && j < st->nprops; j++) rc = em_cat_kv_put(&kv, st->prop_keys[j], st->prop_vals[j]);
  if (rc) rc = em_error_internal(err, "out of memory");
  em_cat_kv_free(&x.t.props);
  x.t.props = kv;
  if (!rc) rc = em_catalog_update_table(cat, &x.t, err);
  target_free(&x);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int describe_db(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  const char *name = st->name[st->nname - 1];
  em_cat_db d;
  int found = em_catalog_get_db(cat, name, &d, err);
  if (found < 0) return -1;
  if (!found) {
    char q[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`", name);
    return em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", q, NULL);
  }
  char loc[4200];
  snprintf(loc, sizeof loc, "file:%s", d.location ? d.location : "");
  struct passwd *pw = getpwuid(getuid());
  rowset r = {.ncols = 2};
  int rc = rs_add(&r, "Catalog Name", "spark_catalog", NULL) || rs_add(&r, "Namespace Name", d.name, NULL) ||
           rs_add(&r, "Comment", d.comment ? d.comment : "", NULL) || rs_add(&r, "Location", loc, NULL) ||
           rs_add(&r, "Owner", pw && pw->pw_name ? pw->pw_name : "", NULL);
  if (!rc && st->verbose) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    for (int i = 0; i < d.props.n; i++)
      em_strbuf_printf(&sb, "%s(%s,%s)%s", i ? ", " : "(", d.props.keys[i], d.props.vals[i],
                       i + 1 == d.props.n ? ")" : "");
    rc = rs_add(&r, "Properties", sb.data ? sb.data : "", NULL);
    em_strbuf_free(&sb);
  }
  em_cat_db_free(&d);
  if (rc) {
    rs_free(&r);
    return em_error_internal(err, "out of memory");
  }
  static const char *const cols[] = {"info_name", "info_value"};
  static const char *const mds[] = {"{\"comment\":\"name of the namespace info\"}",
                                    "{\"comment\":\"value of the namespace info\"}"};
  return rs_reply_md(op, &r, cols, "Ss", mds, err);
}

static int run(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  switch (st->kind) {
  case EM_SQL_DESCRIBE_DB: return describe_db(op, cat, st, err);
  case EM_SQL_DESCRIBE_TABLE: return describe_table(op, cat, st, err);
  case EM_SQL_SHOW_CREATE_TABLE: return show_create_table(op, cat, st, err);
  case EM_SQL_SHOW_COLUMNS: return show_columns(op, cat, st, err);
  case EM_SQL_SHOW_TBLPROPERTIES: return show_tblproperties(op, cat, st, err);
  case EM_SQL_ALTER_RENAME: return rename_table(op, cat, st, err);
  case EM_SQL_ALTER_ADD_COLUMNS: return add_columns(op, cat, st, err);
  case EM_SQL_ALTER_SET_PROPS: return set_props(op, cat, st, false, err);
  case EM_SQL_ALTER_UNSET_PROPS: return set_props(op, cat, st, true, err);
  default: return em_error_internal(err, "not a catalog statement");
  }
}

int em_run_describe_stmt(em_operation *op, em_catalog *cat, const em_sql_stmt *st, em_error *err) {
  int rc = run(op, cat, st, err);
  /* Spark points at the unresolved name in the statement. */
  if (rc && st->name_text &&
      (err->cls == EM_ERR_TABLE_OR_VIEW_NOT_FOUND || err->cls == EM_ERR_EXPECT_PERMANENT_VIEW_NOT_TEMP ||
       err->cls == EM_ERR_EXPECT_TABLE_NOT_VIEW_NO_ALTERNATIVE))
    em_error_set_sql_context(err, st->name_text);
  return rc;
}

/* ---- persistent views ---- */

int em_create_persistent_view(em_operation *op, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  int n = st->nname;
  if (!(n == 1 || n == 2 || (n == 3 && em_strcaseeq(st->name[0], "spark_catalog")))) {
    char q[EM_ERROR_VAL_MAX];
    quoted(q, sizeof q, st->name, n);
    return em_error_set(err, EM_ERR_REQUIRES_SINGLE_PART_NAMESPACE, "sessionCatalog", "spark_catalog", "identifier", q,
                        NULL);
  }
  em_cat_table t;
  memset(&t, 0, sizeof t);
  t.db = n >= 2 ? em_strdup(st->name[n - 2]) : em_session_current_db(sess);
  t.name = em_strdup(st->name[n - 1]);
  lower(t.db);
  lower(t.name);
  em_cat_table old;
  int found = em_catalog_get_table(cat, t.db, t.name, &old, err);
  if (found < 0) {
    em_cat_table_free(&t);
    return -1;
  }
  if (found) {
    em_cat_table_free(&old);
    if (st->if_not_exists) {
      em_cat_table_free(&t);
      return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    }
  }
  em_analyze_ctx ctx;
  em_session_analyze_ctx(sess, &ctx);
  em_plan *plan = NULL;
  int rc = em_analyze(st->rel, &ctx, &plan, err);
  em_type *schema = NULL;
  if (!rc) {
    const em_type *qs = plan->schema;
    int nf = qs->u.st.nfields;
    if (st->ncolumns && st->ncolumns != nf) {
      char q[EM_ERROR_VAL_MAX];
      snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", t.db, t.name);
      rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                        "a view column list whose length differs from the query's columns", NULL);
    }
    em_strbuf out;
    em_strbuf_init(&out);
    em_strbuf_putc(&out, '[');
    schema = rc ? NULL : em_type_struct_new(nf);
    for (int i = 0; schema && i < nf; i++) {
      const em_field *f = &qs->u.st.fields[i];
      em_strbuf_printf(&out, "%s`%s`", i ? ", " : "", f->name);
      em_type_struct_set(schema, i, st->ncolumns ? st->columns[i] : f->name, em_type_ref(f->type), f->nullable,
                         st->ncolumns ? NULL : f->metadata);
    }
    em_strbuf_putc(&out, ']');
    char *outs = em_strbuf_take(&out);
    char *cur = em_session_current_db(sess);
    if (!rc && (!schema || !outs || !cur || em_cat_kv_put(&t.options, VIEW_OUTPUT_KEY, outs) ||
                em_cat_kv_put(&t.options, VIEW_NS_KEY, cur) ||
                (st->ncolumns && em_cat_kv_put(&t.options, VIEW_COLUMNS_KEY, "1"))))
      rc = em_error_internal(err, "out of memory");
    em_free(outs);
    em_free(cur);
  }
  em_plan_free(plan);
  if (!rc) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_type_json(schema, &sb);
    t.schema = em_strbuf_take(&sb);
    t.type = em_strdup("VIEW");
    t.view_text = em_strdup(st->query_text);
    t.created_ms = (int64_t)time(NULL) * 1000;
    if (!t.schema || !t.type || !t.view_text) rc = em_error_internal(err, "out of memory");
  }
  if (!rc) rc = em_catalog_create_table(cat, &t, st->replace, err);
  if (schema) em_type_unref(schema);
  em_cat_table_free(&t);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

int em_drop_persistent_view(em_session *sess, char *const *parts, int n, em_error *err) {
  if (!(n == 1 || n == 2 || (n == 3 && em_strcaseeq(parts[0], "spark_catalog")))) return 0;
  if (n == 2 && em_strcaseeq(parts[0], "global_temp")) return 0;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  char *db = n >= 2 ? em_strdup(parts[n - 2]) : em_session_current_db(sess);
  em_cat_table t;
  int rc = em_catalog_get_table(cat, db, parts[n - 1], &t, err);
  em_free(db);
  if (rc <= 0) return rc;
  if (strcmp(t.type, "VIEW") != 0) {
    char q[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", t.db, t.name);
    em_cat_table_free(&t);
    return em_error_set(err, EM_ERR_EXPECT_VIEW_NOT_TABLE_NO_ALTERNATIVE, "tableName", q, "operation", "DROP VIEW",
                        NULL);
  }
  rc = em_catalog_drop_table(cat, t.db, t.name, err);
  em_cat_table_free(&t);
  return rc < 0 ? -1 : 1;
}
