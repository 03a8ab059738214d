/*
 * Functions in SQL: CREATE [OR REPLACE] TEMPORARY FUNCTION name AS
 * 'export' USING FILE 'module.wasm' binds a WebAssembly UDF exactly as
 * registerJavaFunction(name, "wasm:module.wasm#export") does
 * (udf_register.c); DROP [TEMPORARY] FUNCTION [IF EXISTS]; SHOW
 * [USER|SYSTEM|ALL] FUNCTIONS [LIKE p]; DESCRIBE FUNCTION. Built-ins are
 * the names of src/expr/functions.def; the session's functions are its
 * WASM registry. CREATE FUNCTION without TEMPORARY stores the function,
 * with its module's bytes, in the catalog (persistent_fn.c loads it into
 * sessions); it is shown as `spark_catalog.<db>.<name>` as Spark shows it.
 */
#include "connect_int.h"

#include "../catalog/catalog.h"
#include "../expr/func.h"
#include "../sql/sql.h"
#include "../wasm/wasm.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEARCH_PATH "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]"

bool em_connect_show_like(const char *pattern, const char *name) {
  if (!pattern) return true;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", pattern);
  char *save = NULL;
  for (char *alt = strtok_r(buf, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
    while (*alt == ' ') alt++;
    size_t l = strlen(alt);
    while (l && alt[l - 1] == ' ') alt[--l] = '\0';
    if (!fnmatch(alt, name, FNM_CASEFOLD)) return true;
  }
  return false;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Built-in names as Spark lists them: lower case, without duplicates. */
int em_connect_builtin_names(char ***out, int *n);
int em_connect_builtin_names(char ***out, int *n) {
  int cap = 0;
  while (em_func_at(cap)) cap++;
  char **xs = em_calloc((size_t)cap + 1, sizeof *xs);
  if (!xs) return -1;
  int k = 0;
  for (int i = 0; i < cap; i++) {
    char *s = em_strdup(em_func_at(i)->name);
    if (!s) continue;
    for (char *c = s; *c; c++) *c = (char)tolower((unsigned char)*c);
    xs[k++] = s;
  }
  qsort(xs, (size_t)k, sizeof *xs, cmp_str);
  int m = 0;
  for (int i = 0; i < k; i++) {
    if (m && !strcmp(xs[m - 1], xs[i])) em_free(xs[i]);
    else xs[m++] = xs[i];
  }
  *out = xs;
  *n = m;
  return 0;
}

void em_persistent_fn_label(const em_cat_function *f, char *buf, size_t cap);
int em_persistent_fn_bind(em_udf_registry *r, const em_cat_function *f, em_error *err);

/* The persistent functions of the session's current database (none when
 * the catalog was never used). */
static int persistent_fns(em_session *sess, em_cat_function **fs, int *n, char **db, em_error *err) {
  *fs = NULL;
  *n = 0;
  *db = em_session_current_db(sess);
  em_session_sync_functions(sess);
  if (!sess->svc->catalog) return 0;
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  return em_catalog_list_functions(cat, *db, false, fs, n, err);
}

static void free_fns(em_cat_function *fs, int n) {
  for (int i = 0; i < n; i++) em_cat_function_free(&fs[i]);
  em_free(fs);
}

static void free_names(char **xs, int n) {
  for (int i = 0; i < n; i++) em_free(xs[i]);
  em_free(xs);
}

static int show_functions(em_operation *op, const em_sql_stmt *st, em_error *err) {
  bool user = !strcasecmp(st->key, "USER") || !strcasecmp(st->key, "ALL");
  bool sys = !strcasecmp(st->key, "SYSTEM") || !strcasecmp(st->key, "ALL");
  char **names = NULL;
  int n = 0;
  if (sys && em_connect_builtin_names(&names, &n)) return em_error_internal(err, "out of memory");
  em_udf_registry *r = em_session_udfs(op->sess, false);
  int nu = 0;
  while (user && em_udf_name_at(r, nu)) nu++;
  char **all = em_realloc(names, sizeof *all * (size_t)(n + nu + 1));
  if (!all) {
    free_names(names, n);
    return em_error_internal(err, "out of memory");
  }
  for (int i = 0; i < nu; i++) {
    const char *u = em_udf_name_at(r, i);
    if (u) all[n++] = em_strdup(u);
  }
  em_cat_function *fs = NULL;
  int nf = 0;
  char *db = NULL;
  if (user && persistent_fns(op->sess, &fs, &nf, &db, err)) {
    em_free(db);
    free_names(all, n);
    return -1;
  }
  char **more = nf ? em_realloc(all, sizeof *all * (size_t)(n + nf + 1)) : all;
  if (!more) {
    free_fns(fs, nf);
    em_free(db);
    free_names(all, n);
    return em_error_internal(err, "out of memory");
  }
  all = more;
  for (int i = 0; i < nf; i++) {
    /* LIKE matches the function's own name. */
    if (!em_connect_show_like(st->pattern, fs[i].name)) continue;
    char q[1200];
    snprintf(q, sizeof q, "spark_catalog.%s.%s", fs[i].db, fs[i].name);
    all[n++] = em_strdup(q);
  }
  free_fns(fs, nf);
  em_free(db);
  qsort(all, (size_t)n, sizeof *all, cmp_str);
  int k = 0;
  for (int i = 0; i < n; i++) {
    bool keep = all[i] && (!strncmp(all[i], "spark_catalog.", 14) || em_connect_show_like(st->pattern, all[i])) &&
                !(k && !strcmp(all[k - 1], all[i]));
    if (keep) all[k++] = all[i];
    else em_free(all[i]);
  }
  static const char *const cols[] = {"function"};
  int rc = em_sql_reply_typed(op, cols, "S", 1, all, k, err);
  free_names(all, k);
  return rc;
}

static void quoted(char *buf, size_t cap, char *const *parts, int n) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && k < cap; i++) k += (size_t)snprintf(buf + k, cap - k, "%s`%s`", i ? "." : "", parts[i]);
}

static int describe_function(em_operation *op, const em_sql_stmt *st, em_error *err) {
  const char *name = st->name[st->nname - 1];
  static const char *const cols[] = {"function_desc"};
  char l1[600], l2[1200], l3[64];
  const char *label, *ex;
  em_udf_registry *r = em_session_udfs(op->sess, false);
  em_cat_function *fs = NULL;
  int nf = 0, pi = -1;
  char *db = NULL;
  if (persistent_fns(op->sess, &fs, &nf, &db, err)) {
    em_free(db);
    return -1;
  }
  bool in_db = st->nname == 1 || (st->nname == 2 && em_strcaseeq(st->name[0], db ? db : "default"));
  for (int i = 0; in_db && i < nf && pi < 0; i++)
    if (em_strcaseeq(fs[i].name, name)) pi = i;
  if (st->nname == 1 && em_udf_is_own(r, name) && em_udf_binding(r, name, &label, &ex)) {
    snprintf(l1, sizeof l1, "Function: %s", name);
    snprintf(l2, sizeof l2, "Class: %s", label);
  } else if (st->nname == 1 && em_func_lookup(name)) {
    char *low = em_strdup(name);
    for (char *c = low; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    snprintf(l1, sizeof l1, "Function: %s", low ? low : name);
    em_free(low);
    /* Ember's built-ins are not JVM classes; the usage text is Spark's own. */
    snprintf(l2, sizeof l2, "Class: N/A.");
  } else if (pi >= 0) {
    snprintf(l1, sizeof l1, "Function: spark_catalog.%s.%s", fs[pi].db, fs[pi].name);
    snprintf(l2, sizeof l2, "Class: %s", fs[pi].class_name);
  } else {
    free_fns(fs, nf);
    em_free(db);
    char q[EM_ERROR_VAL_MAX];
    quoted(q, sizeof q, st->name, st->nname);
    em_error_set(err, EM_ERR_UNRESOLVED_ROUTINE, "routineName", q, "searchPath", SEARCH_PATH, NULL);
    if (st->name_text) em_error_set_sql_context(err, st->name_text);
    return -1;
  }
  free_fns(fs, nf);
  em_free(db);
  snprintf(l3, sizeof l3, "Usage: N/A.");
  char *vals[] = {l1, l2, l3};
  return em_sql_reply_typed(op, cols, "S", 1, vals, 3, err);
}

/* CREATE FUNCTION without TEMPORARY: the module is checked now (Spark
 * loads the class lazily, at the first call) and its bytes stored. */
static int create_persistent(em_operation *op, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  if (st->nname > 2 && !(st->nname == 3 && em_strcaseeq(st->name[0], "spark_catalog")))
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a function name with more than 3 parts", NULL);
  em_catalog *cat = em_connect_catalog(sess, err);
  if (!cat) return -1;
  em_cat_function f;
  memset(&f, 0, sizeof f);
  f.db = st->nname >= 2 ? em_strdup(st->name[st->nname - 2]) : em_session_current_db(sess);
  f.name = em_strdup(st->name[st->nname - 1]);
  f.class_name = em_strdup(st->value);
  f.resource = st->location ? em_strdup(st->location) : NULL;
  f.created_ms = 0;
  int rc = f.db && f.name && f.class_name ? 0 : em_error_internal(err, "out of memory");
  if (!rc && st->if_not_exists) {
    em_cat_function *fs;
    int n;
    rc = em_catalog_list_functions(cat, f.db, false, &fs, &n, err);
    bool exists = false;
    for (int i = 0; !rc && i < n; i++) exists |= em_strcaseeq(fs[i].name, f.name);
    if (!rc) free_fns(fs, n);
    if (!rc && exists) {
      em_cat_function_free(&f);
      return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    }
  }
  char label[1200];
  if (!rc) {
    em_persistent_fn_label(&f, label, sizeof label);
    if (strncmp(label, "wasm:", 5) != 0 || !strrchr(label, '#') ||
        (st->provider && !em_strcaseeq(st->provider, "FILE"))) {
      char q[EM_ERROR_VAL_MAX];
      quoted(q, sizeof q, st->name, st->nname);
      rc = em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", st->value, "functionName", q, NULL);
    }
  }
  if (!rc) {
    /* The artifact, as registerJavaFunction finds it. */
    const char *spec = label + 5, *hash = strrchr(label, '#');
    char artifact[600], files[620];
    snprintf(artifact, sizeof artifact, "%.*s", (int)(hash - spec), spec);
    snprintf(files, sizeof files, "files/%s", artifact);
    em_buf *bytes = em_session_find_artifact(sess, artifact);
    if (!bytes) bytes = em_session_find_artifact(sess, files);
    if (!bytes) {
      em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", label, "functionName", f.name, NULL);
      em_error_append(err, " No artifact `%s` in this session: upload it first with "
                           "spark.addArtifact(path, file=True).", artifact);
      rc = -1;
    } else {
      f.module = em_malloc(bytes->len + 1);
      if (f.module) {
        memcpy(f.module, bytes->data, bytes->len);
        f.module_len = bytes->len;
      } else {
        rc = em_error_internal(err, "out of memory");
      }
      em_buf_unref(bytes);
    }
  }
  if (!rc) {
    /* Checked by binding it once, in a scratch registry. */
    em_udf_registry *scratch = em_udf_registry_new();
    rc = scratch ? em_persistent_fn_bind(scratch, &f, err) : em_error_internal(err, "out of memory");
    em_udf_registry_free(scratch);
  }
  if (!rc) rc = em_catalog_create_function(cat, &f, st->replace, err);
  em_cat_function_free(&f);
  return rc ? -1 : em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int create_function(em_operation *op, const em_sql_stmt *st, em_error *err) {
  char q[EM_ERROR_VAL_MAX];
  quoted(q, sizeof q, st->name, st->nname);
  if (!st->temporary) return create_persistent(op, st, err);
  const char *name = st->name[st->nname - 1];
  if (st->nname != 1)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a qualified name for a temporary function",
                        NULL);
  em_udf_registry *r = em_session_udfs(op->sess, false);
  if (em_udf_is_own(r, name)) {
    if (st->if_not_exists) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    if (!st->replace)
      return em_error_set(err, EM_ERR_ROUTINE_ALREADY_EXISTS, "newRoutineType", "routine", "routineName", q,
                          "existingRoutineType", "routine", NULL);
  }
  /* AS 'export' USING FILE 'module.wasm', or AS 'wasm:module.wasm#export'. */
  char cls[1200];
  if (!strncmp(st->value, "wasm:", 5)) {
    snprintf(cls, sizeof cls, "%s", st->value);
  } else if (st->location && st->provider && em_strcaseeq(st->provider, "FILE")) {
    const char *loc = st->location;
    if (!strncmp(loc, "file:", 5)) loc += 5;
    snprintf(cls, sizeof cls, "wasm:%s#%s", loc, st->value);
  } else {
    return em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", st->value, "functionName", q, NULL);
  }
  if (em_connect_register_wasm(op->sess, name, cls, NULL, true, false, err)) return -1;
  return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int drop_function(em_operation *op, const em_sql_stmt *st, em_error *err) {
  char q[EM_ERROR_VAL_MAX];
  quoted(q, sizeof q, st->name, st->nname);
  const char *name = st->name[st->nname - 1];
  if (st->temporary) {
    em_udf_registry *r = em_session_udfs(op->sess, false);
    if (st->nname == 1 && em_udf_unregister(r, name)) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    if (st->nname == 1 && em_func_lookup(name))
      return em_error_set(err, EM_ERR_FORBIDDEN_OPERATION, "statement", "DROP", "objectType", "FUNCTION", "objectName",
                          q, NULL);
    if (st->if_exists) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    return em_error_set(err, EM_ERR_ROUTINE_NOT_FOUND, "routineName", q, NULL);
  }
  /* A persistent function. */
  if (st->nname <= 2 || (st->nname == 3 && em_strcaseeq(st->name[0], "spark_catalog"))) {
    em_catalog *cat = em_connect_catalog(op->sess, err);
    if (!cat) return -1;
    char *db = st->nname >= 2 ? em_strdup(st->name[st->nname - 2]) : em_session_current_db(op->sess);
    int rc = em_catalog_drop_function(cat, db ? db : "default", name, err);
    em_free(db);
    if (rc < 0) return -1;
    if (rc > 0) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  }
  if (st->if_exists) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  if (st->nname == 1) {
    char *db = em_session_current_db(op->sess);
    snprintf(q, sizeof q, "`%s`.`%s`", db ? db : "default", name);
    em_free(db);
  }
  return em_error_set(err, EM_ERR_ROUTINE_NOT_FOUND, "routineName", q, NULL);
}

int em_run_function_stmt(em_operation *op, const em_sql_stmt *st, em_error *err) {
  switch (st->kind) {
  case EM_SQL_CREATE_FUNCTION: return create_function(op, st, err);
  case EM_SQL_DROP_FUNCTION: return drop_function(op, st, err);
  case EM_SQL_SHOW_FUNCTIONS: return show_functions(op, st, err);
  case EM_SQL_DESCRIBE_FUNCTION: return describe_function(op, st, err);
  default: return em_error_internal(err, "not a function statement");
  }
}
