/*
 * SQL text carried by the protocol: the SQL relation (spark.sql's query,
 * with named or positional parameters given as literals or expressions),
 * expression strings (F.expr, selectExpr, filter("...")) and table names
 * (spark.table, spark.read.table). Each is parsed by src/sql into the spec
 * being built, with the session's time zone for TIMESTAMP literals.
 */
#include "connect_int.h"

#include "../sql/sql.h"

#include <string.h>

/* The deprecated literal-only parameters are still read. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* The parser's em_sql_columns_fn: the relation analyzed on its own. */
static int rel_columns(void *user, em_spec *spec, const em_spec_rel *rel, char ***names, int *n) {
  em_session *sess = user;
  em_error *err = em_calloc(1, sizeof *err);
  if (!err) return -1;
  em_analyze_ctx ctx;
  em_session_analyze_ctx(sess, &ctx);
  em_plan *plan = NULL;
  int rc = em_analyze(rel, &ctx, &plan, err);
  em_free(err);
  if (rc || !plan) return -1;
  const em_lplan *root = plan->root; /* in the plan's arena */
  int nout = root->nout;
  char **v = em_spec_array(spec, (size_t)nout + 1, sizeof(char *));
  rc = v ? 0 : -1;
  for (int i = 0; !rc && i < nout; i++)
    if (!(v[i] = em_spec_strdup(spec, root->out[i].name))) rc = -1;
  em_plan_free(plan);
  if (rc) return -1;
  *names = v;
  *n = nout;
  return 0;
}

static void sql_opts(em_session *sess, em_spec *spec, em_sql_opts *o) {
  memset(o, 0, sizeof *o);
  o->columns = rel_columns;
  o->columns_user = sess;
  char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
  o->timezone = tz ? em_spec_strdup(spec, tz) : NULL;
  em_free(tz);
}

static int parse_sql(em_session *sess, const Spark__Connect__SQL *sql, em_spec *spec, em_sql_stmt *st,
                     em_error *err) {
  em_sql_opts o;
  sql_opts(sess, spec, &o);
  em_sql_params pa;
  memset(&pa, 0, sizeof pa);
  size_t nn = sql->n_named_arguments + sql->n_args, np = sql->n_pos_arguments + sql->n_pos_args;
  pa.names = em_spec_array(spec, nn, sizeof(char *));
  pa.named = em_spec_array(spec, nn, sizeof(em_spec_expr *));
  pa.pos = em_spec_array(spec, np, sizeof(em_spec_expr *));
  if (!pa.names || !pa.named || !pa.pos) return em_error_internal(err, "out of memory");
  for (size_t i = 0; i < sql->n_named_arguments; i++) {
    const Spark__Connect__SQL__NamedArgumentsEntry *e = sql->named_arguments[i];
    if (!e->value) continue;
    pa.names[pa.nnamed] = em_spec_strdup(spec, e->key);
    if (!(pa.named[pa.nnamed] = em_proto_expr_to_spec(sess, e->value, spec, err))) return -1;
    pa.nnamed++;
  }
  for (size_t i = 0; i < sql->n_args; i++) {
    const Spark__Connect__SQL__ArgsEntry *e = sql->args[i];
    if (!e->value) continue;
    pa.names[pa.nnamed] = em_spec_strdup(spec, e->key);
    if (!(pa.named[pa.nnamed] = em_proto_literal_to_spec(sess, e->value, spec, err))) return -1;
    pa.nnamed++;
  }
  for (size_t i = 0; i < sql->n_pos_arguments; i++)
    if (!(pa.pos[pa.npos++] = em_proto_expr_to_spec(sess, sql->pos_arguments[i], spec, err))) return -1;
  for (size_t i = 0; i < sql->n_pos_args; i++)
    if (!(pa.pos[pa.npos++] = em_proto_literal_to_spec(sess, sql->pos_args[i], spec, err))) return -1;
  o.params = &pa;
  return em_sql_parse_statement(spec, sql->query, &o, st, err);
}

int em_connect_sql_statement(em_session *sess, const Spark__Connect__SQL *sql, em_spec *spec, void *stmt_out,
                             em_error *err) {
  return parse_sql(sess, sql, spec, stmt_out, err);
}

em_spec_rel *em_connect_sql_rel(em_session *sess, const Spark__Connect__SQL *sql, em_spec *spec, em_error *err) {
  em_sql_stmt st;
  if (parse_sql(sess, sql, spec, &st, err)) return NULL;
  if (st.kind != EM_SQL_QUERY) {
    em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a SQL command as a relation", NULL);
    return NULL;
  }
  return st.rel;
}

em_spec_expr *em_connect_expr_string(em_session *sess, const char *text, em_spec *spec, em_error *err) {
  em_sql_opts o;
  sql_opts(sess, spec, &o);
  em_spec_expr *e = NULL;
  if (em_sql_parse_expr(spec, text, &o, &e, err)) return NULL;
  return e;
}

em_spec_rel *em_connect_named_table(em_session *sess, const char *name, em_spec *spec, em_error *err) {
  (void)sess;
  em_spec_rel *r = em_spec_rel_new(spec, EM_SR_NAMED_TABLE);
  if (!r) return em_error_internal(err, "out of memory"), NULL;
  if (em_sql_parse_table_name(spec, name, &r->u.named_table.parts, &r->u.named_table.nparts, err)) return NULL;
  return r;
}
