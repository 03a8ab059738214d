/*
 * Column narrowing (Spark's ColumnPruning that inserts projections): the
 * columns nobody above uses are removed from the plan's intermediate rows,
 * so that joins gather, sorts and exchanges copy, and scans decode only
 * what the query needs.
 *
 * narrow() walks the plan top-down with, for each node, which of its
 * output columns are needed above. A node may then change its output to a
 * narrower list that still holds every needed column (possibly more) and
 * reports, through `map`, where each needed column went; its parent
 * rewrites its own expressions (fresh copies: expressions can be shared
 * between nodes) to the new positions:
 *  - a projection keeps only its needed expressions;
 *  - a filter, sort, limit, hash/range exchange passes its child's narrowed
 *    output on, needing also its own condition's or keys' columns;
 *  - an aggregate keeps its output and narrows its input to the columns its
 *    keys and aggregate calls use;
 *  - a join narrows both inputs to what is needed above plus what its
 *    condition uses; its output is the narrowed left then right columns;
 *  - a scan records the columns to read, and a projection selecting them
 *    goes on top of it.
 * Nodes whose results depend on the exact columns (a round-robin exchange
 * sorts rows by their bytes first), or not covered here, fall back to the
 * marking-only pruning of optimize.c below them, with their output kept.
 *
 * When every column of a node is needed, its output is unchanged, so the
 * root keeps its schema.
 */
#include "analyzer_int.h"

#include <stdint.h>
#include <string.h>

static void mark(const em_expr *x, bool *need, int n) {
  if (x->kind == EM_EX_COLUMN && x->u.column >= 0 && x->u.column < n) need[x->u.column] = true;
  for (int i = 0; i < x->nargs; i++) mark(x->args[i], need, n);
}

/* A copy of x with column c turned into map[c]; NULL on out-of-memory or
 * a reference to a column the map lost (never expected). */
static em_expr *remap(em_az *az, const em_expr *x, const int *map, int n) {
  em_expr *y = em_arena_alloc(&az->plan->arena, sizeof *y);
  if (!y) return NULL;
  *y = *x;
  if (x->kind == EM_EX_COLUMN) {
    if (x->u.column < 0 || x->u.column >= n || map[x->u.column] < 0) return NULL;
    y->u.column = map[x->u.column];
    return y;
  }
  if (x->nargs) {
    y->args = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)x->nargs);
    if (!y->args) return NULL;
    for (int i = 0; i < x->nargs; i++)
      if (!(y->args[i] = remap(az, x->args[i], map, n))) return NULL;
  }
  return y;
}

/* *xs replaced by a fresh array of the k expressions remapped (arrays may
 * be shared between nodes too). */
static int remap_all(em_az *az, em_expr ***xs, int k, const int *map, int n) {
  if (k <= 0) return 0;
  em_expr **ys = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)k);
  if (!ys) return -1;
  for (int i = 0; i < k; i++)
    if (!(ys[i] = (*xs)[i] ? remap(az, (*xs)[i], map, n) : NULL) && (*xs)[i]) return -1;
  *xs = ys;
  return 0;
}

static bool *bools(em_az *az, int n) { return em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(n + 1)); }
static int *ints(em_az *az, int n) { return em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(n + 1)); }

static void identity(int *map, int n) {
  for (int i = 0; i < n; i++) map[i] = i;
}

static int narrow(em_az *az, em_lplan **slot, const bool *need, int *map, int depth);

/* Narrows n's child under the needs cn and rewrites k expressions of n
 * over it; *cmap_out receives the child's map. */
static int narrow_child(em_az *az, em_lplan *n, const bool *cn, em_expr ***xs, int k, int **cmap_out, int depth) {
  int nc = n->child->nout;
  int *cmap = ints(az, nc);
  if (!cmap) return -1;
  if (narrow(az, &n->child, cn, cmap, depth + 1)) return -1;
  if (remap_all(az, xs, k, cmap, nc)) return -1;
  if (cmap_out) *cmap_out = cmap;
  return 0;
}

static int narrow_project(em_az *az, em_lplan *n, const bool *need, int *map, int depth) {
  int nc = n->child->nout, keep = 0;
  bool *cn = bools(az, nc);
  em_expr **xs = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n->nout + 1));
  em_attr *out = em_arena_alloc(&az->plan->arena, sizeof(em_attr) * (size_t)(n->nout + 1));
  if (!cn || !xs || !out) return -1;
  for (int i = 0; i < n->nout; i++) {
    /* At least one column stays, so that rows keep a shape. */
    bool k = need[i] || (i == n->nout - 1 && keep == 0);
    map[i] = -1;
    if (!k) continue;
    mark(n->u.project.exprs[i], cn, nc);
    map[i] = keep;
    xs[keep] = n->u.project.exprs[i];
    out[keep++] = n->out[i];
  }
  if (narrow_child(az, n, cn, &xs, keep, NULL, depth)) return -1;
  n->u.project.exprs = xs;
  n->out = out;
  n->nout = keep;
  return 0;
}

/* Filter, sort, limit, exchange: the output is the child's. */
static int narrow_pass(em_az *az, em_lplan *n, const bool *need, int *map, em_expr ***xs, int k, int depth) {
  int nc = n->child->nout;
  bool *cn = bools(az, nc);
  if (!cn) return -1;
  memcpy(cn, need, sizeof(bool) * (size_t)nc);
  for (int i = 0; i < k; i++) mark((*xs)[i], cn, nc);
  int *cmap;
  if (narrow_child(az, n, cn, xs, k, &cmap, depth)) return -1;
  memcpy(map, cmap, sizeof(int) * (size_t)nc);
  n->out = n->child->out;
  n->nout = n->child->nout;
  return 0;
}

static int narrow_agg(em_az *az, em_lplan *n, int *map, int depth) {
  int nc = n->child->nout;
  bool *cn = bools(az, nc);
  if (!cn) return -1;
  for (int k = 0; k < n->u.agg.nkeys; k++) mark(n->u.agg.keys[k], cn, nc);
  for (int k = 0; k < n->u.agg.naggs; k++) mark(n->u.agg.aggs[k], cn, nc);
  int *cmap = ints(az, nc);
  if (!cmap || narrow(az, &n->child, cn, cmap, depth + 1) ||
      remap_all(az, &n->u.agg.keys, n->u.agg.nkeys, cmap, nc) || remap_all(az, &n->u.agg.aggs, n->u.agg.naggs, cmap, nc))
    return -1;
  identity(map, n->nout);
  return 0;
}

static int narrow_join(em_az *az, em_lplan *n, const bool *need, int *map, int depth) {
  em_lplan *l = n->child, *r = n->u.join.right;
  int nl = l->nout, nr = r->nout;
  bool semi = n->u.join.type == EM_JOIN_LEFT_SEMI || n->u.join.type == EM_JOIN_LEFT_ANTI;
  bool *all = bools(az, nl + nr);
  int *lmap = ints(az, nl), *rmap = ints(az, nr), *m = ints(az, nl + nr);
  if (!all || !lmap || !rmap || !m) return -1;
  for (int i = 0; i < n->nout; i++) all[i] = need[i];
  if (n->u.join.cond) mark(n->u.join.cond, all, nl + nr);
  if (narrow(az, &n->child, all, lmap, depth + 1) || narrow(az, &n->u.join.right, all + nl, rmap, depth + 1))
    return -1;
  l = n->child;
  r = n->u.join.right;
  for (int i = 0; i < nl; i++) m[i] = all[i] ? lmap[i] : -1;
  for (int j = 0; j < nr; j++) m[nl + j] = all[nl + j] ? l->nout + rmap[j] : -1;
  if (n->u.join.cond && !(n->u.join.cond = remap(az, n->u.join.cond, m, nl + nr))) return -1;
  int nout = l->nout + (semi ? 0 : r->nout);
  em_attr *out = em_arena_alloc(&az->plan->arena, sizeof(em_attr) * (size_t)(nout + 1));
  if (!out) return -1;
  em_join_type t = n->u.join.type;
  bool left_null = t == EM_JOIN_RIGHT_OUTER || t == EM_JOIN_FULL_OUTER;
  bool right_null = t == EM_JOIN_LEFT_OUTER || t == EM_JOIN_FULL_OUTER;
  for (int i = 0; i < l->nout; i++) {
    out[i] = l->out[i];
    out[i].nullable |= left_null;
  }
  for (int j = 0; !semi && j < r->nout; j++) {
    out[l->nout + j] = r->out[j];
    out[l->nout + j].nullable |= right_null;
  }
  for (int i = 0; i < n->nout; i++) map[i] = need[i] ? m[i] : -1;
  n->out = out;
  n->nout = nout;
  return 0;
}

static int narrow_scan(em_az *az, em_lplan **slot, const bool *need, int *map) {
  em_lplan *n = *slot;
  bool *nd = bools(az, n->nout);
  if (!nd) return -1;
  memcpy(nd, need, sizeof(bool) * (size_t)n->nout);
  n->u.scan->needed = nd;
  int k = 0;
  for (int i = 0; i < n->nout; i++) k += need[i];
  if (k == n->nout || k == 0) {
    identity(map, n->nout);
    return 0;
  }
  em_lplan *p = em_arena_calloc(&az->plan->arena, sizeof *p);
  em_expr **xs = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)k);
  em_attr *out = em_arena_alloc(&az->plan->arena, sizeof(em_attr) * (size_t)k);
  if (!p || !xs || !out) return -1;
  k = 0;
  for (int i = 0; i < n->nout; i++) {
    map[i] = -1;
    if (!need[i]) continue;
    em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
    if (!x) return -1;
    x->kind = EM_EX_COLUMN;
    x->u.column = i;
    x->type = n->out[i].type;
    x->nullable = n->out[i].nullable;
    map[i] = k;
    xs[k] = x;
    out[k++] = n->out[i];
  }
  p->kind = EM_LP_PROJECT;
  p->plan_id = -1;
  p->child = n;
  p->nout = k;
  p->out = out;
  p->u.project.exprs = xs;
  p->u.project.no_hidden = true;
  *slot = p;
  return 0;
}

static int narrow(em_az *az, em_lplan **slot, const bool *need, int *map, int depth) {
  em_lplan *n = *slot;
  if (depth > 2000) {
    identity(map, n->nout);
    return em_az_prune(az, n, need);
  }
  switch (n->kind) {
  case EM_LP_PROJECT:
    if (n->child) return narrow_project(az, n, need, map, depth);
    break;
  case EM_LP_FILTER: {
    em_expr **c = &n->u.filter.cond;
    if (narrow_pass(az, n, need, map, &c, 1, depth)) return -1;
    n->u.filter.cond = c[0];
    return 0;
  }
  case EM_LP_SORT: return narrow_pass(az, n, need, map, &n->u.sort.keys, n->u.sort.nkeys, depth);
  case EM_LP_LIMIT:
  case EM_LP_OFFSET:
  case EM_LP_TAIL:
  case EM_LP_COALESCE: return narrow_pass(az, n, need, map, NULL, 0, depth);
  case EM_LP_EXCHANGE:
    if (n->u.exchange.mode != EM_PART_ROUND_ROBIN)
      return narrow_pass(az, n, need, map, &n->u.exchange.keys, n->u.exchange.nkeys, depth);
    break;
  case EM_LP_AGGREGATE: return narrow_agg(az, n, map, depth);
  case EM_LP_JOIN:
    if (n->nout == n->child->nout + n->u.join.right->nout ||
        ((n->u.join.type == EM_JOIN_LEFT_SEMI || n->u.join.type == EM_JOIN_LEFT_ANTI) && n->nout == n->child->nout))
      return narrow_join(az, n, need, map, depth);
    break;
  case EM_LP_SCAN: return narrow_scan(az, slot, need, map);
  case EM_LP_SHOW_STRING: {
    /* Shows every column of its input. */
    bool *cn = bools(az, n->child->nout);
    if (!cn) return -1;
    for (int i = 0; i < n->child->nout; i++) cn[i] = true;
    identity(map, n->nout);
    return narrow_child(az, n, cn, NULL, 0, NULL, depth);
  }
  default: break;
  }
  identity(map, n->nout);
  return em_az_prune(az, n, need);
}

/* ---- a plan reached twice ---- */

/* Narrowing rewrites nodes for the one parent it came from: a node shared
 * by two parents (not made by the analyzer today) disables it. */
typedef struct nodeset {
  const em_lplan **slots;
  size_t cap;
} nodeset;

static int count_nodes(const em_lplan *n, int depth) {
  if (!n || depth > 4096) return 0;
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids), c = 1;
  for (int i = 0; i < k; i++) c += count_nodes(kids[i], depth + 1);
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right)
    c += count_nodes(n->u.set_op.right, depth + 1);
  return c;
}

/* True when some node is met twice (or the walk is too deep). */
static bool shared(nodeset *s, const em_lplan *n, int depth) {
  if (!n) return false;
  if (depth > 4096) return true;
  size_t h = ((uintptr_t)n >> 4) * 0x9E3779B97F4A7C15u;
  for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
    if (s->slots[i] == n) return true;
    if (!s->slots[i]) {
      s->slots[i] = n;
      break;
    }
  }
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++)
    if (shared(s, kids[i], depth + 1)) return true;
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right)
    return shared(s, n->u.set_op.right, depth + 1);
  return false;
}

int em_az_narrow(em_az *az, em_lplan **root) {
  em_lplan *r = *root;
  nodeset set = {0};
  size_t nn = (size_t)count_nodes(r, 0);
  set.cap = 16;
  while (set.cap < 2 * nn + 2) set.cap *= 2;
  set.slots = em_arena_calloc(&az->plan->arena, sizeof *set.slots * set.cap);
  if (!set.slots) return -1;
  if (shared(&set, r, 0)) {
    bool *all = bools(az, r->nout);
    if (!all) return -1;
    for (int i = 0; i < r->nout; i++) all[i] = true;
    return em_az_prune(az, r, all);
  }
  bool *need = bools(az, r->nout);
  int *map = ints(az, r->nout);
  if (!need || !map) return -1;
  for (int i = 0; i < r->nout; i++) need[i] = true;
  if (narrow(az, root, need, map, 0)) return -1;
  return (*root)->nout == r->nout ? 0 : -1;
}
