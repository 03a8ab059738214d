/*
 * The two optimizer rules whose effect a client can see in results: where
 * Spark pushes a filter and which columns it prunes decide, for a
 * round-robin repartition, which rows are dealt to which partition (the
 * dealing follows the input order after Spark's sort by row bytes, over
 * the rows and columns that reach the shuffle). Other rewrites of Spark's
 * optimizer change no result and are left to later work.
 *
 *  - Filter pushdown (PushPredicateThroughNonJoin, CombineFilters): a
 *    deterministic filter moves below an exchange, a coalesce, a sort, a union
 *    (into both sides), and below a projection of deterministic
 *    expressions (its column references replaced by their definitions).
 *  - Column pruning (ColumnPruning): each node requires of its input only
 *    the columns its output users need; a round-robin exchange records the
 *    columns that reach it (EM_LP_EXCHANGE.used).
 *
 * Both run once over the resolved plan, in place; outputs (names, types,
 * ids) do not change. em_az_optimize runs them with the rules of the
 * optimize_*.c files (constant folding, join filter pushdown, build sides,
 * scan filters, column narrowing, which uses this file's pruning where it
 * does not narrow).
 */
#include "analyzer_int.h"

#include <string.h>

static bool deterministic(const em_expr *x);
bool em_az_deterministic(const em_expr *x) { return deterministic(x); }

static bool deterministic(const em_expr *x) {
  if (x->kind == EM_EX_CALL || x->kind == EM_EX_AGG) {
    static const char *const nondet[] = {"spark_partition_id", "rand", "randn", "random", "uuid", "shuffle",
                                         "monotonically_increasing_id", "input_file_name", "input_file_block_start",
                                         "input_file_block_length", NULL};
    for (const char *const *n = nondet; *n; n++)
      if (x->u.fn.name && em_strcaseeq(x->u.fn.name, *n)) return false;
  }
  for (int i = 0; i < x->nargs; i++)
    if (!deterministic(x->args[i])) return false;
  return true;
}

/* x with every column reference i replaced by defs[i] (fresh nodes along
 * the way; the definitions are shared). */
static em_expr *substitute(em_az *az, const em_expr *x, em_expr *const *defs) {
  if (x->kind == EM_EX_COLUMN) return defs[x->u.column];
  em_expr *y = em_arena_alloc(&az->plan->arena, sizeof *y);
  if (!y) return NULL;
  *y = *x;
  if (x->nargs) {
    y->args = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)x->nargs);
    if (!y->args) return NULL;
    for (int i = 0; i < x->nargs; i++)
      if (!(y->args[i] = substitute(az, x->args[i], defs))) return NULL;
  }
  return y;
}

/* A filter with condition cond over n (a copy of the filter node f). */
static em_lplan *filter_over(em_az *az, const em_lplan *f, em_expr *cond, em_lplan *n) {
  em_lplan *g = em_arena_alloc(&az->plan->arena, sizeof *g);
  if (!g) return NULL;
  *g = *f;
  g->plan_id = -1;
  g->child = n;
  g->nout = n->nout;
  g->out = n->out;
  g->u.filter.cond = cond;
  return g;
}

/* Pushes the filter at *slot down as far as Spark would. Returns -1 on
 * out-of-memory (the plan is then left valid, just less pushed). */
static int push_filter(em_az *az, em_lplan **slot);
int em_az_push_filter(em_az *az, em_lplan **slot) { return push_filter(az, slot); }

static int push_filter(em_az *az, em_lplan **slot) {
  em_lplan *f = *slot, *c = f->child;
  if (!c || !deterministic(f->u.filter.cond)) return 0;
  switch (c->kind) {
  case EM_LP_EXCHANGE:
  case EM_LP_COALESCE:
  case EM_LP_SORT: {
    /* Swap: the exchange (coalesce, sort) goes on top, the filter below it. Both
     * keep their child's attributes, so only kinds and parameters move. */
    em_lplan tmp = *f;
    f->kind = c->kind;
    f->u = c->u;
    f->hints = c->hints;
    c->kind = EM_LP_FILTER;
    c->u.filter.cond = tmp.u.filter.cond;
    c->hints = tmp.hints;
    return push_filter(az, &f->child);
  }
  case EM_LP_UNION: {
    em_lplan *l = filter_over(az, f, f->u.filter.cond, c->child);
    em_lplan *r = filter_over(az, f, f->u.filter.cond, c->u.set_op.right);
    if (!l || !r) return -1;
    c->child = l;
    c->u.set_op.right = r;
    *slot = c; /* the filter node is dropped; the union keeps its output */
    c->plan_id = c->plan_id >= 0 ? c->plan_id : f->plan_id;
    if (push_filter(az, &c->child)) return -1;
    return push_filter(az, &c->u.set_op.right);
  }
  case EM_LP_PROJECT: {
    for (int i = 0; i < c->nout; i++)
      if (!deterministic(c->u.project.exprs[i])) return 0;
    if (!c->child) return 0;
    em_expr *cond = substitute(az, f->u.filter.cond, c->u.project.exprs);
    if (!cond) return -1;
    /* The projection moves up into the filter's node; a new filter sits
     * between it and the projection's input. */
    em_lplan *g = filter_over(az, f, cond, c->child);
    if (!g) return -1;
    f->kind = EM_LP_PROJECT;
    f->u = c->u;
    f->hints = c->hints;
    f->child = g;
    f->nout = c->nout;
    f->out = c->out;
    return push_filter(az, &f->child);
  }
  default:
    return 0;
  }
}

static int push_filters(em_az *az, em_lplan **slot) {
  em_lplan *n = *slot;
  if (!n) return 0;
  if (n->child && push_filters(az, &n->child)) return -1;
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right &&
      push_filters(az, &n->u.set_op.right))
    return -1;
  if (n->kind == EM_LP_JOIN && n->u.join.right && push_filters(az, &n->u.join.right)) return -1;
  if (n->kind == EM_LP_FILTER) return push_filter(az, slot);
  return 0;
}

/* ---- column pruning ---- */

static void mark(const em_expr *x, bool *need, int n) {
  if (x->kind == EM_EX_COLUMN && x->u.column >= 0 && x->u.column < n) need[x->u.column] = true;
  for (int i = 0; i < x->nargs; i++) mark(x->args[i], need, n);
}

/* need[i]: whether output column i of n is used above. */
static int prune(em_az *az, em_lplan *n, const bool *need);
int em_az_prune(em_az *az, em_lplan *n, const bool *need) { return prune(az, n, need); }

static int prune(em_az *az, em_lplan *n, const bool *need) {
  em_lplan *c = n->child;
  int nc = c ? c->nout : 0;
  bool *cn = NULL;
  if (c) {
    cn = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(nc + 1));
    if (!cn) return -1;
  }
  switch (n->kind) {
  case EM_LP_PROJECT:
    for (int i = 0; i < n->nout; i++)
      if (need[i]) mark(n->u.project.exprs[i], cn, nc);
    break;
  case EM_LP_FILTER:
    memcpy(cn, need, sizeof(bool) * (size_t)nc);
    mark(n->u.filter.cond, cn, nc);
    break;
  case EM_LP_LIMIT:
  case EM_LP_OFFSET:
  case EM_LP_TAIL:
  case EM_LP_COALESCE:
  case EM_LP_SAMPLE:
    memcpy(cn, need, sizeof(bool) * (size_t)nc);
    break;
  case EM_LP_SORT:
    memcpy(cn, need, sizeof(bool) * (size_t)nc);
    for (int k = 0; k < n->u.sort.nkeys; k++) mark(n->u.sort.keys[k], cn, nc);
    break;
  case EM_LP_EXCHANGE: {
    memcpy(cn, need, sizeof(bool) * (size_t)nc);
    for (int k = 0; k < n->u.exchange.nkeys; k++) mark(n->u.exchange.keys[k], cn, nc);
    if (n->u.exchange.mode == EM_PART_ROUND_ROBIN) {
      bool all = true;
      for (int i = 0; i < nc; i++) all &= cn[i];
      n->u.exchange.used = all ? NULL : cn;
    }
    break;
  }
  case EM_LP_UNION: {
    em_lplan *r = n->u.set_op.right;
    bool *rn = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(r->nout + 1));
    if (!rn) return -1;
    memcpy(cn, need, sizeof(bool) * (size_t)nc);
    memcpy(rn, need, sizeof(bool) * (size_t)r->nout);
    if (prune(az, r, rn)) return -1;
    break;
  }
  case EM_LP_SET_OP: {
    /* Rows are compared whole. */
    for (int i = 0; i < nc; i++) cn[i] = true;
    em_lplan *r = n->u.set_op.right;
    if (r) {
      bool *rn = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(r->nout + 1));
      if (!rn) return -1;
      for (int i = 0; i < r->nout; i++) rn[i] = true;
      if (prune(az, r, rn)) return -1;
    }
    break;
  }
  case EM_LP_AGGREGATE:
    for (int k = 0; k < n->u.agg.nkeys; k++) mark(n->u.agg.keys[k], cn, nc);
    for (int k = 0; k < n->u.agg.naggs; k++) mark(n->u.agg.aggs[k], cn, nc);
    break;
  case EM_LP_JOIN: {
    /* Conservatively: every column of both sides. */
    for (int i = 0; i < nc; i++) cn[i] = true;
    em_lplan *r = n->u.join.right;
    bool *rn = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(r->nout + 1));
    if (!rn) return -1;
    for (int i = 0; i < r->nout; i++) rn[i] = true;
    if (prune(az, r, rn)) return -1;
    break;
  }
  case EM_LP_SCAN: {
    /* The scan reads only the columns used above it. */
    bool *nd = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(n->nout + 1));
    if (!nd) return -1;
    memcpy(nd, need, sizeof(bool) * (size_t)n->nout);
    n->u.scan->needed = nd;
    break;
  }
  default:
    for (int i = 0; i < nc; i++) cn[i] = true;
    break;
  }
  return c ? prune(az, c, cn) : 0;
}

int em_az_optimize(em_az *az, em_lplan **root) {
  /* The pushdowns only refine the plan: when memory runs out half way,
   * what is done stays valid. Narrowing rewrites expressions as it goes,
   * so a failure there fails the analysis. */
  em_az_fold_constants(az, *root);
  em_az_factor_disjunctions(az, *root);
  if (push_filters(az, root) || em_az_push_join_filters(az, root)) return 0;
  if (em_az_reorder_joins(az, root)) return 0; /* what is rebuilt is complete: the plan stays valid */
  (void)em_az_choose_build_sides(az, root); /* on failure the plan is unchanged */
  em_az_push_scan_filters(az, *root);
  em_az_chain_filters(az, *root);
  if (em_az_narrow(az, root)) return em_error_internal(az->err, "out of memory optimizing the plan");
  return 0;
}
