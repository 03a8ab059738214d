/*
 * Conjunctive filters as chains: a filter `a AND b AND c` becomes a filter
 * on a, under a filter on b, under a filter on c, so that each conjunct is
 * evaluated only on the rows the ones before it kept (the filter operator
 * evaluates its whole condition on every row of a batch; a chain gives the
 * short-circuit of Spark's And, batch-wise). The conjuncts keep their
 * order, so a conjunct that would fail (an ANSI error) is reached by no
 * more rows than under Spark.
 *
 * Runs after scan filters are collected (which look at the filter directly
 * above a scan) and before column narrowing (which then keeps for each
 * link only what it and the links above use).
 */
#include "analyzer_int.h"

#include <string.h>

#define MAX_LINKS 16

static bool is_and(const em_expr *x) {
  return x->kind == EM_EX_CALL && x->u.fn.name && strcmp(x->u.fn.name, "and") == 0 && x->nargs == 2;
}

static int flatten(em_expr *x, em_expr **out, int *n, int depth) {
  if (is_and(x) && depth < 64) {
    if (flatten(x->args[0], out, n, depth + 1)) return -1;
    return flatten(x->args[1], out, n, depth + 1);
  }
  if (*n >= MAX_LINKS) return -1;
  out[(*n)++] = x;
  return 0;
}

/* The filter at *slot as a chain; unchanged when not a conjunction (or
 * one of too many conjuncts, or on out-of-memory). */
static void chain(em_az *az, em_lplan *f) {
  em_expr *cs[MAX_LINKS];
  int n = 0;
  if (!is_and(f->u.filter.cond) || flatten(f->u.filter.cond, cs, &n, 0) || n < 2) return;
  em_lplan *links = em_arena_calloc(&az->plan->arena, sizeof *links * (size_t)(n - 1));
  if (!links) return;
  /* links[0] is the bottom (first conjunct); f keeps the last one. */
  em_lplan *below = f->child;
  for (int i = 0; i < n - 1; i++) {
    links[i] = *f;
    links[i].plan_id = -1;
    links[i].child = below;
    links[i].u.filter.cond = cs[i];
    below = &links[i];
  }
  f->child = below;
  f->u.filter.cond = cs[n - 1];
}

static void walk(em_az *az, em_lplan *n, int depth) {
  if (!n || depth > 4096) return;
  if (n->kind == EM_LP_FILTER && em_az_deterministic(n->u.filter.cond)) chain(az, n);
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++) walk(az, kids[i], depth + 1);
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right) walk(az, n->u.set_op.right, depth + 1);
}

void em_az_chain_filters(em_az *az, em_lplan *root) { walk(az, root, 0); }
