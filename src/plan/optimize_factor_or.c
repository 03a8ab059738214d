/*
 * Common conjuncts out of disjunctions (part of Spark's
 * BooleanSimplification): (a AND b) OR (a AND c) becomes a AND (b OR c),
 * and (a AND b) OR a becomes a. Kleene's three-valued AND / OR distribute,
 * so the value is the same for every row, NULLs included.
 *
 * It matters for joins written as a comma join whose equality is repeated
 * in every branch of an OR (TPC-H Q19): once factored out, the equality is
 * a conjunct the join pushdown turns into a hash key, instead of a
 * condition over every pair of rows.
 *
 * Filter and join conditions are rewritten in place, before the pushdowns.
 * Only deterministic conjuncts are factored (a nondeterministic one is
 * evaluated once per branch as written).
 */
#include "analyzer_int.h"

#include <string.h>


static int flatten(em_az *az, em_expr *x, const char *op, em_az_xlist *out, const em_expr **tmpl, int depth) {
  if (em_az_is_call2(x, op) && depth < 500) {
    if (tmpl && !*tmpl) *tmpl = x;
    if (flatten(az, x->args[0], op, out, tmpl, depth + 1)) return -1;
    return flatten(az, x->args[1], op, out, tmpl, depth + 1);
  }
  return em_az_xlist_push(az, out, x);
}

/* op(v[0], op(v[1], ...)) from the template node of op; v[0] alone for n == 1. */
static em_expr *combine(em_az *az, const em_expr *tmpl, em_expr **v, int n) {
  em_expr *r = v[n - 1];
  for (int i = n - 2; i >= 0; i--) {
    em_expr *y = em_arena_alloc(&az->plan->arena, sizeof *y);
    em_expr **args = em_arena_alloc(&az->plan->arena, sizeof *args * 2);
    if (!y || !args) return NULL;
    *y = *tmpl;
    args[0] = v[i];
    args[1] = r;
    y->args = args;
    y->nargs = 2;
    y->nullable = v[i]->nullable || r->nullable;
    r = y;
  }
  return r;
}

static bool member(em_expr *x, const em_az_xlist *l) {
  for (int i = 0; i < l->n; i++)
    if (em_az_expr_equal(x, l->v[i])) return true;
  return false;
}

/* The factored form of x (x itself when nothing is common); NULL on
 * out-of-memory. */
static em_expr *factor(em_az *az, em_expr *x, int depth) {
  if (depth > 500) return x;
  if (em_az_is_call2(x, "and")) {
    em_expr *a = factor(az, x->args[0], depth + 1), *b = factor(az, x->args[1], depth + 1);
    if (!a || !b) return NULL;
    x->args[0] = a;
    x->args[1] = b;
    return x;
  }
  if (!em_az_is_call2(x, "or")) return x;
  em_az_xlist ds = {0};
  if (flatten(az, x, "or", &ds, NULL, 0)) return NULL;
  const em_expr *and_tmpl = NULL;
  em_az_xlist *cs = em_arena_calloc(&az->plan->arena, sizeof *cs * (size_t)ds.n);
  if (!cs) return NULL;
  for (int i = 0; i < ds.n; i++) {
    if (!(ds.v[i] = factor(az, ds.v[i], depth + 1))) return NULL;
    if (flatten(az, ds.v[i], "and", &cs[i], &and_tmpl, 0)) return NULL;
  }
  /* The conjuncts of the first branch every other branch has too. */
  em_az_xlist common = {0};
  for (int k = 0; k < cs[0].n; k++) {
    em_expr *c = cs[0].v[k];
    if (!em_az_deterministic(c) || member(c, &common)) continue;
    bool all = true;
    for (int i = 1; i < ds.n && all; i++) all = member(c, &cs[i]);
    if (all && em_az_xlist_push(az, &common, c)) return NULL;
  }
  if (!common.n || !and_tmpl) return x;
  /* Each branch without the common conjuncts; a branch left empty is TRUE,
   * which makes the whole disjunction TRUE. */
  em_az_xlist rest = {0};
  bool any_empty = false;
  for (int i = 0; i < ds.n; i++) {
    em_az_xlist keep = {0};
    for (int k = 0; k < cs[i].n; k++)
      if (!member(cs[i].v[k], &common) && em_az_xlist_push(az, &keep, cs[i].v[k])) return NULL;
    if (!keep.n) {
      any_empty = true;
      break;
    }
    em_expr *b = combine(az, and_tmpl, keep.v, keep.n);
    if (!b || em_az_xlist_push(az, &rest, b)) return NULL;
  }
  if (!any_empty) {
    em_expr *o = combine(az, x, rest.v, rest.n);
    if (!o || em_az_xlist_push(az, &common, o)) return NULL;
  }
  em_expr *r = combine(az, and_tmpl, common.v, common.n);
  if (!r) return NULL;
  /* Rewrite in place, so that every reference to x sees the new form. */
  *x = *r;
  return x;
}

static void walk(em_az *az, em_lplan *n, int depth) {
  if (!n || depth > 4096) return;
  em_expr *r;
  if (n->kind == EM_LP_FILTER && n->u.filter.cond && (r = factor(az, n->u.filter.cond, 0))) n->u.filter.cond = r;
  if (n->kind == EM_LP_JOIN && n->u.join.cond && (r = factor(az, n->u.join.cond, 0))) n->u.join.cond = r;
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++) walk(az, kids[i], depth + 1);
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right) walk(az, n->u.set_op.right, depth + 1);
}

void em_az_factor_disjunctions(em_az *az, em_lplan *root) { walk(az, root, 0); }
