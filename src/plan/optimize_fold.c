/*
 * Constant folding (Spark's ConstantFolding), in place, once at planning
 * instead of for every batch:
 *  - a cast of a literal, which type coercion puts on the literal side of
 *    comparisons and arithmetic (l_quantity < 24 compares with CAST(24 AS
 *    DECIMAL(15,2)));
 *  - a call of a deterministic built-in scalar function whose arguments are
 *    all literals (date '1996-01-01' + interval '3' month, 1 - 0.05), once
 *    its arguments are folded. Functions without arguments (current_date,
 *    pi, rand) and the non-deterministic ones are left alone, as are user
 *    functions (not in the built-in registry).
 * Evaluation runs with the session's settings; one that fails (an ANSI
 * error, raise_error) is left to run, and fail, where Spark would.
 *
 * A folded node means the same value wherever it is shared. Column names
 * were fixed by the analyzer before.
 */
#include "analyzer_int.h"

#include "../expr/func.h"

static bool foldable_call(const em_expr *x) {
  if (x->kind != EM_EX_CALL || x->nargs == 0 || !x->u.fn.name) return false;
  const em_func_def *f = em_func_lookup(x->u.fn.name);
  if (!f || f->kind != EM_FN_SCALAR || !em_az_deterministic(x)) return false;
  for (int i = 0; i < x->nargs; i++)
    if (x->args[i]->kind != EM_EX_LITERAL) return false;
  return true;
}

static void fold(em_az *az, em_expr *x, int depth) {
  if (!x || depth > 1000) return;
  for (int i = 0; i < x->nargs; i++) fold(az, x->args[i], depth + 1);
  bool cast = x->kind == EM_EX_CAST && x->nargs == 1 && x->args[0]->kind == EM_EX_LITERAL;
  if (!cast && !foldable_call(x)) return;
  em_eval_ctx ctx = {.timezone = az->ctx->timezone, .ansi = az->ctx->ansi, .map_last_win = az->ctx->map_last_win};
  em_vec *v = NULL;
  em_error err;
  if (cast) {
    if (em_cast_vec(x->args[0]->u.lit, x->type, az->ctx->ansi, &ctx, &v, &err)) return;
  } else {
    em_type *schema = em_type_struct_new(0);
    em_batch *one = schema ? em_batch_new(schema, 0, NULL, 1) : NULL;
    int rc = one ? em_expr_eval(x, one, &ctx, &v, &err) : -1;
    if (one) em_batch_unref(one);
    if (rc) return;
  }
  if (!v || v->len != 1 || v->type->id != x->type->id || em_az_own_vec(az, v)) {
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
