/*
 * Constant folding of casts (part of Spark's ConstantFolding): a cast of a
 * literal, which type coercion puts on the literal side of comparisons and
 * arithmetic (l_quantity < 24 compares with CAST(24 AS DECIMAL(15,2))),
 * becomes the literal it evaluates to, once at planning instead of for
 * every batch. The cast runs with the session's settings; a cast that
 * fails (an ANSI error) is left to run, and fail, where Spark would.
 *
 * The rewrite is in place: a folded node means the same value wherever it
 * is shared. Column names were fixed by the analyzer before.
 */
#include "analyzer_int.h"

static void fold(em_az *az, em_expr *x, int depth) {
  if (!x || depth > 1000) return;
  for (int i = 0; i < x->nargs; i++) fold(az, x->args[i], depth + 1);
  if (x->kind != EM_EX_CAST || x->nargs != 1 || x->args[0]->kind != EM_EX_LITERAL) return;
  em_eval_ctx ctx = {.timezone = az->ctx->timezone, .ansi = az->ctx->ansi};
  em_vec *v = NULL;
  em_error err;
  if (em_cast_vec(x->args[0]->u.lit, x->type, az->ctx->ansi, &ctx, &v, &err)) return;
  if (!v || v->len != 1 || em_az_own_vec(az, v)) {
    em_vec_unref(v);
    return;
  }
  x->kind = EM_EX_LITERAL;
  x->u.lit = v;
  x->nargs = 0;
  x->args = NULL;
  x->nullable = em_vec_is_null(v, 0);
}

static void fold_all(em_az *az, em_expr **xs, int n) {
  for (int i = 0; xs && i < n; i++) fold(az, xs[i], 0);
}

static void walk(em_az *az, em_lplan *n, int depth) {
  if (!n || depth > 4096) return;
  switch (n->kind) {
  case EM_LP_PROJECT: fold_all(az, n->u.project.exprs, n->nout); break;
  case EM_LP_FILTER: fold(az, n->u.filter.cond, 0); break;
  case EM_LP_AGGREGATE:
    fold_all(az, n->u.agg.keys, n->u.agg.nkeys);
    fold_all(az, n->u.agg.aggs, n->u.agg.naggs);
    break;
  case EM_LP_SORT: fold_all(az, n->u.sort.keys, n->u.sort.nkeys); break;
  case EM_LP_JOIN: fold(az, n->u.join.cond, 0); break;
  default: break;
  }
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++) walk(az, kids[i], depth + 1);
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right) walk(az, n->u.set_op.right, depth + 1);
}

void em_az_fold_constants(em_az *az, em_lplan *root) { walk(az, root, 0); }
