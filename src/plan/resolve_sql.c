/*
 * What the analyzer resolves for SQL text only (src/sql produces these
 * spec nodes; the DataFrame path never does):
 *  - a table name: the session's lookup (temp views) yields the view's
 *    spec, resolved here and qualified by the name, as Spark's
 *    ResolveRelations + SubqueryAlias;
 *  - NATURAL JOIN: USING the columns both sides have, in the left's order;
 *  - ORDER BY ordinals: the child's output column at a position;
 *  - SQL forms that are not registry functions: BETWEEN (Spark 4.2 names
 *    it `between(a, lo, hi)`), ILIKE;
 *  - uncorrelated subqueries (scalar, EXISTS, IN): the subquery is resolved
 *    and run during analysis (ctx->run_subquery) and replaced by its value,
 *    a literal, or an IN list of its distinct values;
 *  - the SQL query context of analysis errors: the fragment, and Spark's
 *    "; line L pos P" after the message.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

void em_az_sql_context(em_az *az, const em_spec_expr *e) {
  if (az->err->has_context) return;
  em_error_set_sql_context(az->err, e->origin_fragment);
  em_error_append(az->err, "; line %d pos %d", e->sql_line, e->sql_pos);
}

em_lplan *em_az_resolve_named_table(em_az *az, const em_spec_rel *r, int depth) {
  em_spec_rel *def = NULL;
  int rc = -1;
  if (!az->plan->views) {
    az->plan->views = em_calloc(1, sizeof *az->plan->views);
    if (!az->plan->views) return oom(az), NULL;
    em_spec_init(az->plan->views);
  }
  if (az->ctx->lookup_table)
    rc = az->ctx->lookup_table(az->ctx->lookup_user, az->plan->views, r->u.named_table.parts, r->u.named_table.nparts,
                               &def, az->err);
  else
    em_error_internal(az->err, "no table lookup");
  if (rc) {
    if (r->u.named_table.sql_line && !az->err->has_context && az->err->cls == EM_ERR_TABLE_OR_VIEW_NOT_FOUND) {
      em_error_set_sql_context(az->err, r->u.named_table.sql_fragment);
      em_error_append(az->err, "; line %d pos %d", r->u.named_table.sql_line, r->u.named_table.sql_pos);
    }
    return NULL;
  }
  if (depth > 100) {
    em_error_internal(az->err, "views nested deeper than 100 levels");
    return NULL;
  }
  em_lplan *child = em_az_resolve_rel(az, def, depth + 1);
  if (!child) return NULL;
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(child->nout + 1));
  if (!idx) return oom(az), NULL;
  for (int i = 0; i < child->nout; i++) idx[i] = i;
  em_lplan *n = em_az_project_columns(az, r, child, idx, child->nout);
  if (!n) return NULL;
  char *q = r->u.named_table.parts[r->u.named_table.nparts - 1];
  for (int i = 0; i < n->nout; i++) n->out[i].qualifier = q;
  n->u.project.no_hidden = true;
  return n;
}

const em_spec_rel *em_az_natural_join(em_az *az, const em_spec_rel *r, const em_lplan *left, const em_lplan *right) {
  em_spec_rel *c = em_arena_calloc(&az->plan->arena, sizeof *c);
  char **cols = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(left->nout + 1));
  if (!c || !cols) return oom(az), NULL;
  *c = *r;
  int n = 0;
  for (int i = 0; i < left->nout; i++) {
    if (left->out[i].hidden) continue;
    for (int j = 0; j < right->nout; j++)
      if (!right->out[j].hidden && em_az_name_eq(az, left->out[i].name, right->out[j].name)) {
        cols[n++] = left->out[i].name;
        break;
      }
  }
  c->u.join.using_cols = cols;
  c->u.join.nusing = n;
  c->u.join.natural = false;
  return c;
}

/* ---- subqueries ---- */

static em_expr *lit_expr(em_az *az, em_vec *v) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return oom(az), NULL;
  if (em_az_own_vec(az, v)) return oom(az), NULL;
  x->kind = EM_EX_LITERAL;
  x->u.lit = v;
  x->type = v->type;
  x->nullable = em_vec_is_null(v, 0);
  return x;
}

/* Runs a resolved subquery; fills bs and nb (references owned by the plan). */
static int run_sub(em_az *az, em_lplan *sub, em_batch ***bs, int *nb) {
  if (!az->ctx->run_subquery) {
    em_error_set(az->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "subqueries here", NULL);
    return -1;
  }
  em_az_optimize(az, &sub);
  em_plan tmp = *az->plan;
  tmp.root = sub;
  tmp.schema = em_lplan_schema(sub);
  if (!tmp.schema) return oom(az);
  em_batch **got = NULL;
  int n = 0;
  int rc = az->ctx->run_subquery(az->ctx->run_user, &tmp, &got, &n, az->err);
  em_type_unref(tmp.schema);
  /* The executor may have grown the plan's arena and reference arrays
   * through the copy: take them back. */
  tmp.root = az->plan->root;
  tmp.schema = az->plan->schema;
  *az->plan = tmp;
  if (rc) return -1;
  for (int i = 0; i < n; i++)
    if (em_az_own_batch(az, got[i])) {
      for (int k = i + 1; k < n; k++) em_batch_unref(got[k]);
      em_free(got);
      return oom(az);
    }
  em_batch **keep = em_arena_calloc(&az->plan->arena, sizeof *keep * (size_t)(n + 1));
  if (!keep) {
    em_free(got);
    return oom(az);
  }
  if (n) memcpy(keep, got, sizeof *keep * (size_t)n);
  em_free(got);
  *bs = keep;
  *nb = n;
  return 0;
}

static em_expr *resolve_subquery(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  em_lplan *sub = em_az_resolve_rel(az, e->u.subquery.rel, 1);
  if (!sub) {
    /* A name the subquery cannot resolve may be an outer reference. */
    if (az->err->cls == EM_ERR_UNRESOLVED_COLUMN_WITH_SUGGESTION ||
        az->err->cls == EM_ERR_UNRESOLVED_COLUMN_WITHOUT_SUGGESTION) {
      em_error_clear(az->err);
      em_error_set(az->err, EM_ERR_UNSUPPORTED_SUBQUERY_CORRELATED, "feature", "correlated subqueries", NULL);
    }
    return NULL;
  }
  em_subquery_kind kind = e->u.subquery.kind;
  if (kind == EM_SUBQUERY_SCALAR && sub->nout != 1) {
    char num[16];
    snprintf(num, sizeof num, "%d", sub->nout);
    em_error_set(az->err, EM_ERR_INVALID_SUBQUERY_EXPRESSION_SCALAR_COLUMNS, "number", num, NULL);
    return NULL;
  }
  em_expr *left = NULL;
  char *left_sql = NULL;
  if (kind == EM_SUBQUERY_IN) {
    char *meta = NULL;
    if (e->u.subquery.nvalues != 1 || sub->nout != 1) {
      em_error_set(az->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "IN subqueries over several columns", NULL);
      return NULL;
    }
    if (!(left = em_az_resolve_expr(az, e->u.subquery.values[0], scope, &left_sql, &meta))) return NULL;
  }
  em_batch **bs = NULL;
  int nb = 0;
  if (run_sub(az, sub, &bs, &nb)) return NULL;
  int64_t rows = 0;
  for (int i = 0; i < nb; i++) rows += bs[i]->nrows;
  if (kind == EM_SUBQUERY_EXISTS) {
    em_vec *v = em_vec_new(em_type_boolean(), 1);
    if (!v || em_vec_append_bool(v, rows > 0)) {
      if (v) em_vec_unref(v);
      return oom(az), NULL;
    }
    *name = "exists()";
    return lit_expr(az, v);
  }
  if (kind == EM_SUBQUERY_SCALAR) {
    if (rows > 1) {
      em_error_set(az->err, EM_ERR_SCALAR_SUBQUERY_TOO_MANY_ROWS, NULL);
      return NULL;
    }
    em_vec *v = NULL;
    for (int i = 0; i < nb && !v; i++)
      if (bs[i]->nrows) v = em_vec_slice_copy(bs[i]->cols[0], 0, 1);
    if (!v) v = em_vec_new_nulls(sub->out[0].type, 1);
    if (!v) return oom(az), NULL;
    *name = "scalarsubquery()";
    em_expr *x = lit_expr(az, v);
    if (x) x->nullable = true;
    return x;
  }
  /* IN: value IN (the distinct values of the subquery). */
  int n = 0;
  em_expr **args = em_arena_calloc(&az->plan->arena, sizeof *args * (size_t)(rows + 2));
  char **sqls = em_arena_calloc(&az->plan->arena, sizeof *sqls * (size_t)(rows + 2));
  if (!args || !sqls) return oom(az), NULL;
  args[n] = left;
  sqls[n++] = left_sql;
  for (int i = 0; i < nb; i++)
    for (int64_t r = 0; r < bs[i]->nrows; r++) {
      em_vec *v = em_vec_slice_copy(bs[i]->cols[0], r, 1);
      if (!v) return oom(az), NULL;
      if (!(args[n] = lit_expr(az, v))) return NULL;
      sqls[n++] = "listquery()";
    }
  em_expr *x;
  if (n == 1) {
    em_vec *v = em_vec_new(em_type_boolean(), 1);
    if (!v || em_vec_append_bool(v, false)) {
      if (v) em_vec_unref(v);
      return oom(az), NULL;
    }
    x = lit_expr(az, v);
  } else {
    x = em_az_call(az, "in", args, sqls, n, name);
  }
  if (!x) return NULL;
  *name = em_arena_printf(&az->plan->arena, "(%s IN (listquery()))", left_sql);
  return x;
}

/* ---- SQL-only expression forms ---- */

static em_expr *resolve_between(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  em_expr *a[3];
  char *s[3], *meta;
  for (int i = 0; i < 3; i++)
    if (!(a[i] = em_az_resolve_expr(az, e->u.func.args[i], scope, &s[i], &meta))) return NULL;
  char *n1, *n2, *n3;
  em_expr *ge_args[2] = {a[0], a[1]}, *le_args[2] = {a[0], a[2]};
  char *ge_sql[2] = {s[0], s[1]}, *le_sql[2] = {s[0], s[2]};
  em_expr *ge = em_az_call(az, ">=", ge_args, ge_sql, 2, &n1);
  if (!ge) return NULL;
  em_expr *le = em_az_call(az, "<=", le_args, le_sql, 2, &n2);
  if (!le) return NULL;
  em_expr *both[2] = {ge, le};
  char *both_sql[2] = {n1, n2};
  em_expr *x = em_az_call(az, "and", both, both_sql, 2, &n3);
  if (!x) return NULL;
  *name = em_arena_printf(&az->plan->arena, "between(%s, %s, %s)", s[0], s[1], s[2]);
  return x;
}

static em_expr *resolve_ilike(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  int n = e->u.func.nargs;
  em_expr *a[3];
  char *s[3], *meta, *dummy;
  for (int i = 0; i < n; i++) {
    if (!(a[i] = em_az_resolve_expr(az, e->u.func.args[i], scope, &s[i], &meta))) return NULL;
    if (i < 2 && !(a[i] = em_az_call(az, "lower", &a[i], &s[i], 1, &dummy))) return NULL;
  }
  char *ls[3] = {s[0], s[1], n > 2 ? s[2] : NULL};
  em_expr *x = em_az_call(az, "like", a, ls, n, &dummy);
  if (!x) return NULL;
  *name = n > 2 ? em_arena_printf(&az->plan->arena, "ilike(%s, %s, %s)", s[0], s[1], s[2])
                : em_arena_printf(&az->plan->arena, "ilike(%s, %s)", s[0], s[1]);
  return x;
}

em_expr *em_az_resolve_sql_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  switch (e->kind) {
  case EM_SE_ORDINAL: {
    int i = e->u.ordinal.index;
    if (!scope || i < 0 || i >= scope->nout) {
      em_error_internal(az->err, "ordinal %d out of range", i + 1);
      return NULL;
    }
    em_expr *x = em_az_col(az, scope, i);
    if (x) *name = scope->out[i].name;
    return x;
  }
  case EM_SE_SUBQUERY:
    return resolve_subquery(az, e, scope, name);
  case EM_SE_FUNC:
    if (em_strcaseeq(e->u.func.name, "between") && e->u.func.nargs == 3) return resolve_between(az, e, scope, name);
    if (em_strcaseeq(e->u.func.name, "ilike") && (e->u.func.nargs == 2 || e->u.func.nargs == 3))
      return resolve_ilike(az, e, scope, name);
    break;
  default:
    break;
  }
  return NULL;
}

bool em_az_is_sql_func(const char *name) {
  return !em_func_lookup(name) && (em_strcaseeq(name, "between") || em_strcaseeq(name, "ilike"));
}
