/*
 * Build side of inner joins: the hash join builds its table from the
 * right input (exec/op_hash_join.c), so an inner join whose right input is
 * estimated much larger than its left has its inputs swapped, with a
 * projection on top that restores the column order (Spark's planner picks
 * the smaller side to build the same way, from size estimates).
 *
 * Estimates are in bytes, as Spark's sizeInBytes without column
 * statistics: a file scan is the size of its files; a filter halves its input (Spark
 * keeps it whole; halving favours building on filtered inputs); a join is
 * the larger of its inputs (a semi or anti join its left); other nodes are
 * their input. A subtree with a node of another kind (local relations and
 * ranges included: plans over in-memory data keep the join as written) has
 * no estimate, and joins over it are left alone, as are joins with
 * strategy hints.
 *
 * Only the order of rows within the join's output changes (the probe side
 * streams), which Spark does not define either.
 */
#include "analyzer_int.h"

/* Bytes of n's output, or -1 when unknown. */
static double estimate(const em_lplan *n, int depth) {
  if (!n || depth > 2000) return -1;
  switch (n->kind) {
  case EM_LP_SCAN: {
    double b = 0;
    for (int i = 0; i < n->u.scan->nfiles; i++) b += (double)n->u.scan->files[i].size;
    return b;
  }
  case EM_LP_FILTER: {
    double c = estimate(n->child, depth + 1);
    return c < 0 ? c : c / 2;
  }
  case EM_LP_PROJECT:
  case EM_LP_AGGREGATE:
  case EM_LP_SORT:
  case EM_LP_LIMIT:
  case EM_LP_EXCHANGE:
  case EM_LP_COALESCE: return n->child ? estimate(n->child, depth + 1) : -1;
  case EM_LP_UNION: {
    double l = estimate(n->child, depth + 1), r = estimate(n->u.set_op.right, depth + 1);
    return l < 0 || r < 0 ? -1 : l + r;
  }
  case EM_LP_JOIN: {
    double l = estimate(n->child, depth + 1);
    if (n->u.join.type == EM_JOIN_LEFT_SEMI || n->u.join.type == EM_JOIN_LEFT_ANTI) return l;
    double r = estimate(n->u.join.right, depth + 1);
    return l < 0 || r < 0 ? -1 : l > r ? l : r;
  }
  default: return -1;
  }
}

static em_expr *column(em_az *az, const em_attr *a, int idx) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return NULL;
  x->kind = EM_EX_COLUMN;
  x->u.column = idx;
  x->type = a->type;
  x->nullable = a->nullable;
  return x;
}

/* x over [left, right] rewritten over [right, left] (fresh nodes). */
static em_expr *swap_cols(em_az *az, const em_expr *x, int nl, int nr) {
  em_expr *y = em_arena_alloc(&az->plan->arena, sizeof *y);
  if (!y) return NULL;
  *y = *x;
  if (x->kind == EM_EX_COLUMN) {
    y->u.column = x->u.column < nl ? x->u.column + nr : x->u.column - nl;
    return y;
  }
  if (x->nargs) {
    y->args = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)x->nargs);
    if (!y->args) return NULL;
    for (int i = 0; i < x->nargs; i++)
      if (!(y->args[i] = swap_cols(az, x->args[i], nl, nr))) return NULL;
  }
  return y;
}

/* Swaps the inputs of the inner join at *slot under a restoring
 * projection. All allocations come first: on failure the plan is as it
 * was. */
static int swap(em_az *az, em_lplan **slot) {
  em_lplan *j = *slot, *l = j->child, *r = j->u.join.right;
  int nl = l->nout, nr = r->nout, n = nl + nr;
  em_expr *cond = swap_cols(az, j->u.join.cond, nl, nr);
  em_lplan *p = em_arena_calloc(&az->plan->arena, sizeof *p);
  em_attr *out = em_arena_alloc(&az->plan->arena, sizeof(em_attr) * (size_t)(n + 1));
  em_expr **xs = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  if (!cond || !p || !out || !xs) return -1;
  for (int i = 0; i < n; i++) {
    /* Output i of the join is column (i < nl ? nr + i : i - nl) of the swapped one. */
    int k = i < nl ? nr + i : i - nl;
    if (!(xs[i] = column(az, &j->out[i], k))) return -1;
    out[k] = j->out[i];
  }
  *p = *j;
  p->kind = EM_LP_PROJECT;
  p->child = j;
  p->hints = 0;
  p->u.project.exprs = xs;
  p->u.project.hidden = NULL;
  p->u.project.nhidden = 0;
  p->u.project.no_hidden = true;
  j->plan_id = -1;
  j->child = r;
  j->u.join.right = l;
  j->u.join.cond = cond;
  j->out = out;
  *slot = p;
  return 0;
}

static int walk(em_az *az, em_lplan **slot, int depth) {
  em_lplan *n = *slot;
  if (!n || depth > 4096) return 0;
  if (n->child && walk(az, &n->child, depth + 1)) return -1;
  if (n->kind == EM_LP_JOIN && walk(az, &n->u.join.right, depth + 1)) return -1;
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && walk(az, &n->u.set_op.right, depth + 1)) return -1;
  if (n->kind != EM_LP_JOIN || n->u.join.type != EM_JOIN_INNER || !n->u.join.cond) return 0;
  em_lplan *l = n->child, *r = n->u.join.right;
  if (n->hints || l->hints || r->hints || n->nout != l->nout + r->nout) return 0;
  double el = estimate(l, 0), er = estimate(r, 0);
  if (el < 0 || er < 0 || er <= 2 * el) return 0;
  return swap(az, slot);
}

int em_az_choose_build_sides(em_az *az, em_lplan **root) { return walk(az, root, 0); }
