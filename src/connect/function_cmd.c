/*
 * Functions in SQL: CREATE [OR REPLACE] TEMPORARY FUNCTION name AS
 * 'export' USING FILE 'module.wasm' binds a WebAssembly UDF exactly as
 * registerJavaFunction(name, "wasm:module.wasm#export") does
 * (udf_register.c); DROP [TEMPORARY] FUNCTION [IF EXISTS]; SHOW
 * [USER|SYSTEM|ALL] FUNCTIONS [LIKE p]; DESCRIBE FUNCTION. Built-ins are
 * the names of src/expr/functions.def; the session's functions are its
 * WASM registry. Functions are session-scoped: CREATE FUNCTION without
 * TEMPORARY (a persistent function of the catalog) is refused.
 */
#include "connect_int.h"

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

/* Spark's SHOW ... LIKE: '*' any characters, '|' alternatives, case-insensitive. */
static bool like(const char *pattern, const char *name) {
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
  qsort(all, (size_t)n, sizeof *all, cmp_str);
  int k = 0;
  for (int i = 0; i < n; i++) {
    bool keep = all[i] && like(st->pattern, all[i]) && !(k && !strcmp(all[k - 1], all[i]));
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
  if (st->nname == 1 && em_udf_binding(r, name, &label, &ex)) {
    snprintf(l1, sizeof l1, "Function: %s", name);
    snprintf(l2, sizeof l2, "Class: %s", label);
  } else if (st->nname == 1 && em_func_lookup(name)) {
    char *low = em_strdup(name);
    for (char *c = low; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    snprintf(l1, sizeof l1, "Function: %s", low ? low : name);
    em_free(low);
    /* Ember's built-ins are not JVM classes; the usage text is Spark's own. */
    snprintf(l2, sizeof l2, "Class: N/A.");
  } else {
    char q[EM_ERROR_VAL_MAX];
    quoted(q, sizeof q, st->name, st->nname);
    em_error_set(err, EM_ERR_UNRESOLVED_ROUTINE, "routineName", q, "searchPath", SEARCH_PATH, NULL);
    if (st->name_text) em_error_set_sql_context(err, st->name_text);
    return -1;
  }
  snprintf(l3, sizeof l3, "Usage: N/A.");
  char *vals[] = {l1, l2, l3};
  return em_sql_reply_typed(op, cols, "S", 1, vals, 3, err);
}

static int create_function(em_operation *op, const em_sql_stmt *st, em_error *err) {
  char q[EM_ERROR_VAL_MAX];
  quoted(q, sizeof q, st->name, st->nname);
  if (!st->temporary)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                        "persistent functions (CREATE FUNCTION without TEMPORARY; Ember's functions are "
                        "session-scoped)",
                        NULL);
  const char *name = st->name[st->nname - 1];
  if (st->nname != 1)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a qualified name for a temporary function",
                        NULL);
  em_udf_registry *r = em_session_udfs(op->sess, false);
  if (em_udf_lookup(r, name)) {
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
  /* A persistent function: Ember's catalog holds none. */
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
