/*
 * Filter pushdown through joins (Spark's PushPredicateThroughJoin and
 * PushExtraPredicateThroughJoin), in place over the resolved plan:
 *
 *  - the conjuncts of a filter directly above a join that use the columns
 *    of one input only move into a filter on that input, when the join
 *    type keeps that input's rows as they are (both sides of an inner
 *    join, the left of a left outer/semi/anti join, the right of a right
 *    outer join); above an inner join the other conjuncts join the join's
 *    condition (so that equalities become hash keys);
 *  - the conjuncts of a join's own condition that use one input only move
 *    into that input when the join type allows it (both sides of an inner
 *    or semi join, the right of a left outer or anti join, the left of a
 *    right outer join);
 *  - from a disjunction whose every branch has conjuncts over one input
 *    (TPC-H Q19's (p_brand = 'Brand#12' AND l_quantity >= 1 ...) OR ...),
 *    the disjunction of those conjuncts is derived and pushed into that
 *    input too; the original disjunction stays where it was.
 *
 * Only deterministic conditions move. A pushed filter then sinks further
 * (through projections, exchanges, into lower joins and scans). Rows and
 * their order are unchanged: a filter on a join input drops only rows the
 * join or the filter above would have dropped.
 */
#include "analyzer_int.h"

#include <string.h>

enum { USE_LEFT = 1, USE_RIGHT = 2 };

static int uses(const em_expr *x, int nl) {
  int u = 0;
  if (x->kind == EM_EX_COLUMN) u |= x->u.column < nl ? USE_LEFT : USE_RIGHT;
  for (int i = 0; i < x->nargs; i++) u |= uses(x->args[i], nl);
  return u;
}

bool em_az_is_call2(const em_expr *x, const char *name) {
  return x->kind == EM_EX_CALL && x->u.fn.name && strcmp(x->u.fn.name, name) == 0 && x->nargs == 2;
}

int em_az_xlist_push(em_az *az, em_az_xlist *l, em_expr *x) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    em_expr **v = em_arena_alloc(&az->plan->arena, sizeof *v * (size_t)cap);
    if (!v) return -1;
    if (l->n) memcpy(v, l->v, sizeof *v * (size_t)l->n);
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
  return 0;
}

/* The leaves of a tree of `op` calls, left to right. */
static int flatten(em_az *az, em_expr *x, const char *op, em_az_xlist *out, int depth) {
  if (em_az_is_call2(x, op) && depth < 256)
    return flatten(az, x->args[0], op, out, depth + 1) || flatten(az, x->args[1], op, out, depth + 1) ? -1 : 0;
  return em_az_xlist_push(az, out, x);
}

static em_expr *combine(em_az *az, const char *op, em_expr **xs, int n) {
  em_expr *acc = n ? xs[0] : NULL;
  for (int i = 1; i < n && acc; i++) {
    em_expr *args[2] = {acc, xs[i]};
    char *name = NULL;
    acc = em_az_call(az, op, args, NULL, 2, &name);
  }
  return acc;
}

/* x with column references shifted by -by (right-side conjuncts). */
static em_expr *shift(em_az *az, const em_expr *x, int by) {
  em_expr *y = em_arena_alloc(&az->plan->arena, sizeof *y);
  if (!y) return NULL;
  *y = *x;
  if (x->kind == EM_EX_COLUMN) {
    y->u.column -= by;
    return y;
  }
  if (x->nargs) {
    y->args = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)x->nargs);
    if (!y->args) return NULL;
    for (int i = 0; i < x->nargs; i++)
      if (!(y->args[i] = shift(az, x->args[i], by))) return NULL;
  }
  return y;
}

/* From a disjunction, the disjunction over each branch's conjuncts that
 * use only `side`; NULL when some branch has none (or on out-of-memory,
 * which only loses the derivation). */
static em_expr *derive(em_az *az, em_expr *x, int nl, int side) {
  em_az_xlist branches = {0};
  if (flatten(az, x, "or", &branches, 0) || branches.n < 2) return NULL;
  em_expr **parts = em_arena_alloc(&az->plan->arena, sizeof *parts * (size_t)branches.n);
  if (!parts) return NULL;
  for (int b = 0; b < branches.n; b++) {
    em_az_xlist cs = {0}, mine = {0};
    if (flatten(az, branches.v[b], "and", &cs, 0)) return NULL;
    for (int i = 0; i < cs.n; i++)
      if (uses(cs.v[i], nl) == side && em_az_xlist_push(az, &mine, cs.v[i])) return NULL;
    if (!mine.n || !(parts[b] = combine(az, "and", mine.v, mine.n))) return NULL;
  }
  return combine(az, "or", parts, branches.n);
}

/* Puts a filter of the conjuncts xs (over the join's columns; right-side
 * ones shifted by nl) on top of *slot and sinks it. */
static int add_filter(em_az *az, em_lplan **slot, em_expr **xs, int n, int nl) {
  if (!n) return 0;
  em_expr **ys = em_arena_alloc(&az->plan->arena, sizeof *ys * (size_t)n);
  if (!ys) return -1;
  for (int i = 0; i < n; i++)
    if (!(ys[i] = nl ? shift(az, xs[i], nl) : xs[i])) return -1;
  em_expr *cond = combine(az, "and", ys, n);
  em_lplan *f = em_arena_calloc(&az->plan->arena, sizeof *f);
  if (!cond || !f) return -1;
  f->kind = EM_LP_FILTER;
  f->plan_id = -1;
  f->child = *slot;
  f->nout = (*slot)->nout;
  f->out = (*slot)->out;
  f->u.filter.cond = cond;
  *slot = f;
  return em_az_push_filter(az, slot);
}

/* Which sides a filter above a join of type t may move into. */
static int filter_sides(em_join_type t) {
  switch (t) {
  case EM_JOIN_INNER:
  case EM_JOIN_CROSS: return USE_LEFT | USE_RIGHT;
  case EM_JOIN_LEFT_OUTER:
  case EM_JOIN_LEFT_SEMI:
  case EM_JOIN_LEFT_ANTI: return USE_LEFT;
  case EM_JOIN_RIGHT_OUTER: return USE_RIGHT;
  default: return 0;
  }
}

/* Which sides a join condition's one-sided conjuncts may move into. */
static int cond_sides(em_join_type t) {
  switch (t) {
  case EM_JOIN_INNER:
  case EM_JOIN_CROSS:
  case EM_JOIN_LEFT_SEMI: return USE_LEFT | USE_RIGHT;
  case EM_JOIN_LEFT_OUTER:
  case EM_JOIN_LEFT_ANTI: return USE_RIGHT;
  case EM_JOIN_RIGHT_OUTER: return USE_LEFT;
  default: return 0;
  }
}

/* Sorts the conjuncts cs into the pushed lists or `keep`, deriving
 * one-sided disjunctions for the allowed sides. */
static int split(em_az *az, const em_az_xlist *cs, int nl, int sides, em_az_xlist *to_left, em_az_xlist *to_right, em_az_xlist *keep) {
  for (int i = 0; i < cs->n; i++) {
    em_expr *x = cs->v[i];
    int u = uses(x, nl);
    if (u == USE_LEFT && (sides & USE_LEFT)) {
      if (em_az_xlist_push(az, to_left, x)) return -1;
      continue;
    }
    if (u == USE_RIGHT && (sides & USE_RIGHT)) {
      if (em_az_xlist_push(az, to_right, x)) return -1;
      continue;
    }
    if (em_az_xlist_push(az, keep, x)) return -1;
    if (u == (USE_LEFT | USE_RIGHT) && em_az_is_call2(x, "or")) {
      em_expr *d;
      if ((sides & USE_LEFT) && (d = derive(az, x, nl, USE_LEFT)) && em_az_xlist_push(az, to_left, d)) return -1;
      if ((sides & USE_RIGHT) && (d = derive(az, x, nl, USE_RIGHT)) && em_az_xlist_push(az, to_right, d)) return -1;
    }
  }
  return 0;
}

static int walk(em_az *az, em_lplan **slot, int depth);

/* A join with the filter f (or none) above it at *slot. */
static int push_join(em_az *az, em_lplan **slot, em_lplan *f, em_lplan *j, int depth) {
  int nl = j->child->nout;
  em_join_type t = j->u.join.type;
  em_az_xlist to_left = {0}, to_right = {0}, keep_f = {0}, keep_c = {0};
  if (j->u.join.cond && em_az_deterministic(j->u.join.cond)) {
    em_az_xlist cs = {0};
    if (flatten(az, j->u.join.cond, "and", &cs, 0) ||
        split(az, &cs, nl, cond_sides(t), &to_left, &to_right, &keep_c))
      return -1;
  } else if (j->u.join.cond && em_az_xlist_push(az, &keep_c, j->u.join.cond)) {
    return -1;
  }
  if (f) {
    em_az_xlist cs = {0};
    if (flatten(az, f->u.filter.cond, "and", &cs, 0) ||
        split(az, &cs, nl, filter_sides(t), &to_left, &to_right, &keep_f))
      return -1;
  }
  bool merge = f && (t == EM_JOIN_INNER || t == EM_JOIN_CROSS) &&
               (!j->u.join.cond || em_az_deterministic(j->u.join.cond));
  if (merge) {
    /* The remaining filter conjuncts become part of the condition. */
    for (int i = 0; i < keep_f.n; i++)
      if (em_az_xlist_push(az, &keep_c, keep_f.v[i])) return -1;
    keep_f.n = 0;
  }
  if (!to_left.n && !to_right.n && !merge) goto below;
  em_expr *cond = keep_c.n ? combine(az, "and", keep_c.v, keep_c.n) : NULL;
  em_expr *fcond = keep_f.n ? combine(az, "and", keep_f.v, keep_f.n) : NULL;
  if ((keep_c.n && !cond) || (keep_f.n && !fcond)) return -1;
  if (add_filter(az, &j->child, to_left.v, to_left.n, 0) || add_filter(az, &j->u.join.right, to_right.v, to_right.n, nl))
    return -1;
  j->u.join.cond = cond;
  if (t == EM_JOIN_CROSS && cond) j->u.join.type = EM_JOIN_INNER;
  if (f) {
    if (fcond) {
      f->u.filter.cond = fcond;
    } else {
      j->plan_id = j->plan_id >= 0 ? j->plan_id : f->plan_id;
      *slot = j; /* the filter is gone; the join keeps its output */
    }
  }
below:
  if (walk(az, &j->child, depth + 1)) return -1;
  return walk(az, &j->u.join.right, depth + 1);
}

static int walk(em_az *az, em_lplan **slot, int depth) {
  em_lplan *n = *slot;
  if (!n || depth > 4096) return 0;
  if (n->kind == EM_LP_FILTER && n->child && n->child->kind == EM_LP_JOIN && em_az_deterministic(n->u.filter.cond))
    return push_join(az, slot, n, n->child, depth);
  if (n->kind == EM_LP_JOIN) return push_join(az, slot, NULL, n, depth);
  if (n->child && walk(az, &n->child, depth + 1)) return -1;
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right)
    return walk(az, &n->u.set_op.right, depth + 1);
  return 0;
}

int em_az_push_join_filters(em_az *az, em_lplan **root) { return walk(az, root, 0); }
