/*
 * The SqlCommand and CreateDataFrameViewCommand commands.
 *
 * spark.sql(q) is eager (SparkConnectPlanner.handleSqlCommand): the text is
 * parsed and, for a query, analyzed at once (so a bad query fails at
 * spark.sql()), and the reply is one SqlCommandResult whose relation the
 * client sends back to run it: the SQL relation itself for a query, or a
 * LocalRelation holding the output of a command that ran (SET, CREATE VIEW,
 * DROP VIEW ...), as Arrow IPC.
 */
#include "connect_int.h"

#include "../sql/sql.h"

/* Older clients send the query in SqlCommand's deprecated fields. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <stdio.h>
#include <string.h>

/* A LocalRelation with the rows of a command's output (string columns). */
int em_sql_reply_rows(em_operation *op, const char *const *cols, int ncols, char *const *vals, int nrows,
                      em_error *err) {
  return em_sql_reply_typed(op, cols, NULL, ncols, vals, nrows, err);
}

/* types: 's' string, 'S' string not null, 'b' boolean (not null). */
int em_sql_reply_typed(em_operation *op, const char *const *cols, const char *types, int ncols, char *const *vals,
                       int nrows, em_error *err) {
  return em_sql_reply_typed_md(op, cols, types, NULL, ncols, vals, nrows, err);
}

int em_sql_reply_typed_md(em_operation *op, const char *const *cols, const char *types, const char *const *mds,
                          int ncols, char *const *vals, int nrows, em_error *err) {
  em_type *st = em_type_struct_new(ncols);
  if (!st) return em_error_internal(err, "out of memory");
  for (int i = 0; i < ncols; i++)
    em_type_struct_set(st, i, cols[i], types && types[i] == 'b' ? em_type_boolean() : em_type_string(),
                       !types || types[i] == 's', mds ? mds[i] : NULL);
  em_vec **vs = em_calloc((size_t)ncols + 1, sizeof *vs);
  int rc = vs ? 0 : -1;
  for (int c = 0; !rc && c < ncols; c++) {
    bool b = types && types[c] == 'b';
    if (!(vs[c] = em_vec_new(b ? em_type_boolean() : em_type_string(), nrows))) rc = -1;
    for (int r = 0; !rc && r < nrows; r++) {
      const char *v = vals[r * ncols + c];
      rc = b  ? em_vec_append_bool(vs[c], v && !strcmp(v, "true"))
           : v ? em_vec_append_bytes(vs[c], v, strlen(v))
               : em_vec_append_null(vs[c]);
    }
  }
  em_batch *b = NULL;
  if (!rc) {
    b = em_batch_new(em_type_ref(st), ncols, vs, nrows);
    if (!b) rc = -1;
  } else {
    for (int c = 0; vs && c < ncols; c++)
      if (vs[c]) em_vec_unref(vs[c]);
  }
  em_free(vs);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_ipc_write_opts o = {0};
  if (rc) rc = em_error_internal(err, "out of memory");
  else rc = em_ipc_write_stream(st, &b, 1, &o, &sb, err);
  if (b) em_batch_unref(b);
  em_type_unref(st);
  if (!rc) {
    Spark__Connect__ExecutePlanResponse r;
    char id[37];
    em_execute_resp_init(op, &r, id);
    Spark__Connect__LocalRelation lr;
    spark__connect__local_relation__init(&lr);
    lr._data_case = SPARK__CONNECT__LOCAL_RELATION___DATA_DATA;
    lr.data.data = (uint8_t *)sb.data;
    lr.data.len = sb.len;
    Spark__Connect__Relation rel = SPARK__CONNECT__RELATION__INIT;
    rel.rel_type_case = SPARK__CONNECT__RELATION__REL_TYPE_LOCAL_RELATION;
    rel.local_relation = &lr;
    Spark__Connect__ExecutePlanResponse__SqlCommandResult res =
        SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__SQL_COMMAND_RESULT__INIT;
    res.relation = &rel;
    r.response_type_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESPONSE_TYPE_SQL_COMMAND_RESULT;
    r.sql_command_result = &res;
    rc = em_execute_push(op, &r, id, err);
  }
  em_strbuf_free(&sb);
  return rc;
}

static int reply_relation(em_operation *op, Spark__Connect__Relation *rel, em_error *err) {
  Spark__Connect__ExecutePlanResponse r;
  char id[37];
  em_execute_resp_init(op, &r, id);
  Spark__Connect__ExecutePlanResponse__SqlCommandResult res =
      SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__SQL_COMMAND_RESULT__INIT;
  res.relation = rel;
  r.response_type_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESPONSE_TYPE_SQL_COMMAND_RESULT;
  r.sql_command_result = &res;
  return em_execute_push(op, &r, id, err);
}

/* Resolves rel once, for its errors. */
static int check_analysis(em_session *sess, const em_spec_rel *rel, em_error *err) {
  em_analyze_ctx ctx;
  em_session_analyze_ctx(sess, &ctx);
  em_plan *plan = NULL;
  if (em_analyze(rel, &ctx, &plan, err)) return -1;
  em_plan_free(plan);
  return 0;
}

static int set_conf(em_operation *op, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  static const char *const kv[] = {"key", "value"};
  if (!st->key) {
    /* SET: every explicitly set key. */
    pthread_mutex_lock(&sess->mu);
    int n = sess->conf.n;
    char **vals = em_calloc((size_t)n * 2 + 1, sizeof *vals);
    for (int i = 0; vals && i < n; i++) {
      vals[2 * i] = em_strdup(sess->conf.keys[i]);
      vals[2 * i + 1] = em_strdup(sess->conf.vals[i]);
    }
    pthread_mutex_unlock(&sess->mu);
    if (!vals) return em_error_internal(err, "out of memory");
    int rc = em_sql_reply_rows(op, kv, 2, vals, n, err);
    for (int i = 0; i < 2 * n; i++) em_free(vals[i]);
    em_free(vals);
    return rc;
  }
  if (st->value) {
    em_conf_kind kind;
    em_conf_default(st->key, &kind);
    char q[600];
    snprintf(q, sizeof q, "\"%s\"", st->key);
    if (kind == EM_CONF_STATIC) return em_error_set(err, EM_ERR_CANNOT_MODIFY_STATIC_CONFIG, "key", q, NULL);
    if (kind == EM_CONF_CORE)
      return em_error_set(err, EM_ERR_CANNOT_MODIFY_CONFIG, "key", q, "docroot", "https://spark.apache.org/docs/latest",
                          NULL);
    if (em_conf_check(st->key, st->value, err)) return -1;
    pthread_mutex_lock(&sess->mu);
    int rc = em_conf_put(&sess->conf, st->key, st->value);
    pthread_mutex_unlock(&sess->mu);
    if (rc) return em_error_internal(err, "out of memory");
    char *vals[2] = {st->key, st->value};
    return em_sql_reply_rows(op, kv, 2, vals, 1, err);
  }
  char *v = em_session_conf_dup(sess, st->key);
  char *vals[2] = {st->key, v ? v : "<undefined>"};
  int rc = em_sql_reply_rows(op, kv, 2, vals, 1, err);
  em_free(v);
  return rc;
}

static int create_view(em_operation *op, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  char name[EM_ERROR_VAL_MAX];
  size_t k = 0;
  for (int i = 0; i < st->nname; i++) k += (size_t)snprintf(name + k, sizeof name - k, "%s`%s`", i ? "." : "", st->name[i]);
  bool global = st->global;
  if (st->nname > 1 && !(global && st->nname == 2 && em_strcaseeq(st->name[0], "global_temp")))
    return em_error_set(err, EM_ERR_TEMP_VIEW_NAME_TOO_MANY_NAME_PARTS, "actualName", name, NULL);
  {
    /* Analysed once, for its errors and Spark's column checks (view_columns.c). */
    em_analyze_ctx ctx;
    em_session_analyze_ctx(sess, &ctx);
    em_plan *plan = NULL;
    if (em_analyze(st->rel, &ctx, &plan, err)) return -1;
    int crc = em_view_check_columns(plan, name, st->columns, st->ncolumns, ctx.case_sensitive, err);
    em_plan_free(plan);
    if (crc) return -1;
  }
  em_view v;
  memset(&v, 0, sizeof v);
  v.name = em_strdup(st->name[st->nname - 1]);
  v.is_sql = true;
  v.sql = em_strdup(st->query_text);
  if (st->ncolumns) {
    v.columns = em_calloc((size_t)st->ncolumns, sizeof(char *));
    for (int i = 0; v.columns && i < st->ncolumns; i++) v.columns[i] = em_strdup(st->columns[i]);
    v.ncolumns = v.columns ? st->ncolumns : 0;
  }
  if (!v.name || !v.sql) {
    em_view_free(&v);
    return em_error_internal(err, "out of memory");
  }
  em_views *vs = global ? sess->svc->global_views : sess->views;
  if (st->if_not_exists) {
    em_view old;
    if (em_views_get(vs, v.name, &old)) {
      em_view_free(&old);
      em_view_free(&v);
      return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
    }
  }
  if (em_views_put(vs, &v, st->replace, err)) return -1;
  return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
}

static int drop_view(em_operation *op, const em_sql_stmt *st, em_error *err) {
  em_session *sess = op->sess;
  em_views *vs = st->nname == 1 ? sess->views
                 : (st->nname == 2 && em_strcaseeq(st->name[0], "global_temp")) ? sess->svc->global_views
                                                                               : NULL;
  if (vs && em_views_drop(vs, st->name[st->nname - 1])) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  int prc = em_drop_persistent_view(sess, st->name, st->nname, err);
  if (prc < 0) return -1;
  if (prc > 0 || st->if_exists) return em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
  if (st->nname == 2 && !em_strcaseeq(st->name[0], "global_temp")) {
    /* A qualified name is looked up in its database only. */
    char q[EM_ERROR_VAL_MAX], path[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", st->name[0], st->name[1]);
    snprintf(path, sizeof path, "[`spark_catalog`.`%s`]", st->name[0]);
    return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", q, "searchPath", path, NULL);
  }
  char name[EM_ERROR_VAL_MAX];
  size_t k = 0;
  for (int i = 0; i < st->nname; i++) k += (size_t)snprintf(name + k, sizeof name - k, "%s`%s`", i ? "." : "", st->name[i]);
  return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", name, "searchPath",
                      "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]", NULL);
}

int em_run_sql_command(em_operation *op, const Spark__Connect__SqlCommand *cmd, em_error *err) {
  em_session *sess = op->sess;
  /* The query: the input relation (4.x clients), else the legacy fields. */
  Spark__Connect__SQL legacy = SPARK__CONNECT__SQL__INIT;
  const Spark__Connect__SQL *sql;
  if (cmd->input && cmd->input->rel_type_case == SPARK__CONNECT__RELATION__REL_TYPE_SQL) {
    sql = cmd->input->sql;
  } else if (cmd->input) {
    return em_error_set(err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.SqlCommand", "name", "input",
                        "number", "6", NULL);
  } else {
    legacy.query = cmd->sql;
    /* The entry messages of SqlCommand and SQL have the same layout. */
    legacy.n_args = cmd->n_args;
    legacy.args = (Spark__Connect__SQL__ArgsEntry **)cmd->args;
    legacy.n_pos_args = cmd->n_pos_args;
    legacy.pos_args = cmd->pos_args;
    legacy.n_named_arguments = cmd->n_named_arguments;
    legacy.named_arguments = (Spark__Connect__SQL__NamedArgumentsEntry **)cmd->named_arguments;
    legacy.n_pos_arguments = cmd->n_pos_arguments;
    legacy.pos_arguments = cmd->pos_arguments;
    sql = &legacy;
  }
  em_spec spec;
  em_spec_init(&spec);
  em_sql_stmt st;
  int rc = em_connect_sql_statement(sess, sql, &spec, &st, err);
  if (!rc) {
    switch (st.kind) {
    case EM_SQL_QUERY:
      rc = check_analysis(sess, st.rel, err);
      if (!rc) {
        if (cmd->input) {
          rc = reply_relation(op, cmd->input, err);
        } else {
          Spark__Connect__Relation rel = SPARK__CONNECT__RELATION__INIT;
          rel.rel_type_case = SPARK__CONNECT__RELATION__REL_TYPE_SQL;
          rel.sql = &legacy;
          rc = reply_relation(op, &rel, err);
        }
      }
      break;
    case EM_SQL_SET:
      if (st.verbose) rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "SET -v", NULL);
      else rc = set_conf(op, &st, err);
      break;
    case EM_SQL_RESET:
      pthread_mutex_lock(&sess->mu);
      if (st.key) em_conf_remove(&sess->conf, st.key);
      else {
        em_conf_free(&sess->conf);
        em_conf_init(&sess->conf);
      }
      pthread_mutex_unlock(&sess->mu);
      rc = em_sql_reply_rows(op, NULL, 0, NULL, 0, err);
      break;
    case EM_SQL_CREATE_VIEW:
      rc = st.temporary ? create_view(op, &st, err) : em_create_persistent_view(op, &st, err);
      break;
    case EM_SQL_DROP_VIEW:
      rc = drop_view(op, &st, err);
      break;
    default:
      rc = em_run_catalog_stmt(op, &st, err);
      break;
    }
  }
  em_spec_release(&spec);
  return rc;
}

int em_run_create_view(em_operation *op, const Spark__Connect__CreateDataFrameViewCommand *cmd, em_error *err) {
  em_session *sess = op->sess;
  if (!cmd->input) return em_error_set(err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.CreateDataFrameViewCommand",
                                       "name", "input", NULL);
  em_spec spec;
  em_spec_init(&spec);
  char **parts = NULL;
  int nparts = 0;
  int rc = em_sql_parse_table_name(&spec, cmd->name, &parts, &nparts, err);
  if (!rc && (nparts > 2 || (nparts == 2 && !(cmd->is_global && em_strcaseeq(parts[0], "global_temp"))))) {
    char name[EM_ERROR_VAL_MAX];
    size_t k = 0;
    for (int i = 0; i < nparts; i++) k += (size_t)snprintf(name + k, sizeof name - k, "%s`%s`", i ? "." : "", parts[i]);
    rc = em_error_set(err, EM_ERR_TEMP_VIEW_NAME_TOO_MANY_NAME_PARTS, "actualName", name, NULL);
  }
  em_spec_rel *rel = NULL;
  if (!rc) rc = em_proto_to_spec(sess, cmd->input, &spec, &rel, err);
  if (!rc) rc = check_analysis(sess, rel, err);
  if (!rc) {
    em_view v;
    memset(&v, 0, sizeof v);
    v.name = em_strdup(parts[nparts - 1]);
    v.proto_len = spark__connect__relation__get_packed_size(cmd->input);
    v.proto = em_malloc(v.proto_len + 1);
    if (!v.name || !v.proto) {
      em_view_free(&v);
      rc = em_error_internal(err, "out of memory");
    } else {
      spark__connect__relation__pack(cmd->input, v.proto);
      rc = em_views_put(cmd->is_global ? sess->svc->global_views : sess->views, &v, cmd->replace, err);
    }
  }
  em_spec_release(&spec);
  return rc;
}

/* ---- subqueries run for the analyzer ---- */

typedef struct collect {
  em_batch **bs;
  int n, cap;
} collect;

static int on_batch(void *user, em_batch *b, em_error *err) {
  collect *c = user;
  if (c->n == c->cap) {
    int ncap = c->cap ? c->cap * 2 : 8;
    em_batch **nb = em_realloc(c->bs, sizeof *nb * (size_t)ncap);
    if (!nb) return em_error_internal(err, "out of memory");
    c->bs = nb;
    c->cap = ncap;
  }
  c->bs[c->n++] = em_batch_ref(b);
  return 0;
}

int em_session_run_subquery(void *user, em_plan *plan, em_batch ***batches, int *nbatches, em_error *err) {
  em_session *sess = user;
  char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, 0);
  _Atomic bool cancel = false;
  em_exec_ctx ctx = {
      .cancel = &cancel,
      .mem = &mem,
      .eval = {.timezone = tz, .ansi = em_session_conf_bool(sess, "spark.sql.ansi.enabled", true)},
      .batch_rows = 10000,
      .threads = 0,
  };
  collect c = {0};
  int rc = em_exec_run(plan, &ctx, on_batch, &c, err);
  em_free(tz);
  if (rc) {
    for (int i = 0; i < c.n; i++) em_batch_unref(c.bs[i]);
    em_free(c.bs);
    return -1;
  }
  *batches = c.bs;
  *nbatches = c.n;
  return 0;
}
