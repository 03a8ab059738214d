/*
 * Join order of inner-join trees with a cross product in them (Spark's
 * ReorderJoin without cost-based optimization): a comma join lists its
 * tables in the user's order, and `FROM part, supplier, lineitem WHERE ...`
 * would pair part with supplier, which no condition relates. The tree of
 * inner and cross joins is flattened into its inputs and the conjuncts of
 * its conditions, then rebuilt left-deep as Spark's createOrderedJoin
 * does: starting from the first input, the next one is the first of the
 * remaining inputs that some not yet placed conjunct relates to the
 * inputs joined so far (the first remaining one when none is), and each
 * join gets the conjuncts whose columns it then has. A projection on top
 * restores the original column order.
 *
 * Only trees that have a join without a condition and three inputs or more
 * are rebuilt (the others keep their written order), and only over
 * deterministic conditions, without strategy hints. Runs after the join
 * filter pushdown, which has moved the WHERE conjuncts into the joins.
 * Rows are the same; their order within the output may change, which an
 * inner join does not define.
 */
#include "analyzer_int.h"

#include <string.h>

typedef struct jr {
  em_az *az;
  em_lplan ***slots; /* where each input hangs in the original tree */
  em_lplan **leaves;
  int nleaves, capleaves;
  em_expr **conds; /* over the global columns: the leaves' outputs in order */
  int nconds, capconds;
  bool has_cross;
  em_lplan *tmpl; /* a join node to copy */
} jr;

static int grow(em_az *az, void ***v, int *n, int *cap, void *x) {
  if (*n == *cap) {
    int c = *cap ? 2 * *cap : 8;
    void **nv = em_arena_alloc(&az->plan->arena, sizeof *nv * (size_t)c);
    if (!nv) return -1;
    if (*n) memcpy(nv, *v, sizeof *nv * (size_t)*n);
    *v = nv;
    *cap = c;
  }
  (*v)[(*n)++] = x;
  return 0;
}

static bool is_and(const em_expr *x) {
  return x->kind == EM_EX_CALL && x->u.fn.name && strcmp(x->u.fn.name, "and") == 0 && x->nargs == 2;
}

static bool joinable(const em_lplan *n) {
  return n->kind == EM_LP_JOIN && (n->u.join.type == EM_JOIN_INNER || n->u.join.type == EM_JOIN_CROSS) &&
         !n->hints && n->nout == n->child->nout + n->u.join.right->nout &&
         (!n->u.join.cond || em_az_deterministic(n->u.join.cond));
}

/* x with column references shifted by `by` (fresh nodes). */
static em_expr *remap(em_az *az, const em_expr *x, int by, const int *map) {
  em_expr *y = em_arena_alloc(&az->plan->arena, sizeof *y);
  if (!y) return NULL;
  *y = *x;
  if (x->kind == EM_EX_COLUMN) {
    y->u.column = map ? map[x->u.column] : x->u.column + by;
    return y;
  }
  if (x->nargs) {
    y->args = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)x->nargs);
    if (!y->args) return NULL;
    for (int i = 0; i < x->nargs; i++)
      if (!(y->args[i] = remap(az, x->args[i], by, map))) return NULL;
  }
  return y;
}

static int add_conjuncts(jr *r, em_expr *x, int base, int depth) {
  if (is_and(x) && depth < 256)
    return add_conjuncts(r, x->args[0], base, depth + 1) || add_conjuncts(r, x->args[1], base, depth + 1) ? -1 : 0;
  em_expr *y = remap(r->az, x, base, NULL);
  return y ? grow(r->az, (void ***)&r->conds, &r->nconds, &r->capconds, y) : -1;
}

/* Flattens the join tree at *slot whose output starts at global column base. */
static int flatten(jr *r, em_lplan **slot, int base, int depth) {
  em_lplan *n = *slot;
  if (depth > 256 || !joinable(n)) return grow(r->az, (void ***)&r->slots, &r->nleaves, &r->capleaves, slot);
  r->tmpl = n;
  if (!n->u.join.cond) r->has_cross = true;
  if (flatten(r, &n->child, base, depth + 1) || flatten(r, &n->u.join.right, base + n->child->nout, depth + 1))
    return -1;
  return n->u.join.cond ? add_conjuncts(r, n->u.join.cond, base, 0) : 0;
}

/* Bit set of the leaves x's columns belong to (leaf_of: global column -> leaf). */
static void leaves_of(const em_expr *x, const int *leaf_of, uint8_t *set) {
  if (x->kind == EM_EX_COLUMN) set[leaf_of[x->u.column]] = 1;
  for (int i = 0; i < x->nargs; i++) leaves_of(x->args[i], leaf_of, set);
}

static int rebuild(jr *r, em_lplan **slot) {
  em_az *az = r->az;
  em_lplan *top = *slot;
  int k = r->nleaves, ncols = top->nout;
  int *leaf_of = em_arena_alloc(&az->plan->arena, sizeof(int) * (size_t)(ncols + 1));
  int *base = em_arena_alloc(&az->plan->arena, sizeof(int) * (size_t)(k + 1));
  uint8_t *uses = em_arena_calloc(&az->plan->arena, (size_t)r->nconds * (size_t)k + 1);
  bool *placed = em_arena_calloc(&az->plan->arena, (size_t)r->nconds + 1);
  bool *in = em_arena_calloc(&az->plan->arena, (size_t)k + 1);
  int *order = em_arena_alloc(&az->plan->arena, sizeof(int) * (size_t)(k + 1));
  int *newpos = em_arena_alloc(&az->plan->arena, sizeof(int) * (size_t)(ncols + 1));
  if (!leaf_of || !base || !uses || !placed || !in || !order || !newpos) return -1;
  for (int i = 0, c = 0; i < k; i++) {
    base[i] = c;
    for (int j = 0; j < r->leaves[i]->nout; j++) leaf_of[c++] = i;
  }
  for (int c = 0; c < r->nconds; c++) leaves_of(r->conds[c], leaf_of, uses + (size_t)c * (size_t)k);
  /* Spark's createOrderedJoin: the first remaining input that a conjunct
   * (over neither side alone) relates to the inputs joined so far. */
  order[0] = 0;
  in[0] = true;
  for (int s = 1; s < k; s++) {
    int pick = -1, first = -1;
    for (int cand = 0; cand < k && pick < 0; cand++) {
      if (in[cand]) continue;
      if (first < 0) first = cand;
      for (int c = 0; c < r->nconds && pick < 0; c++) {
        const uint8_t *u = uses + (size_t)c * (size_t)k;
        bool on_cand = false, on_in = false, outside = false;
        for (int l = 0; l < k; l++) {
          if (!u[l]) continue;
          if (l == cand) on_cand = true;
          else if (in[l]) on_in = true;
          else outside = true;
        }
        if (on_cand && on_in && !outside) pick = cand;
      }
    }
    order[s] = pick >= 0 ? pick : first;
    in[order[s]] = true;
  }
  bool same = true;
  for (int s = 0; s < k; s++) same &= order[s] == s;
  if (same) return 0;
  for (int s = 0, c = 0; s < k; s++) {
    int l = order[s];
    for (int j = 0; j < r->leaves[l]->nout; j++) newpos[base[l] + j] = c++;
  }
  /* The left-deep joins, each with the conjuncts it has the columns of. */
  memset(in, 0, (size_t)k);
  em_lplan *cur = r->leaves[order[0]];
  in[order[0]] = true;
  for (int s = 1; s < k; s++) {
    em_lplan *right = r->leaves[order[s]];
    in[order[s]] = true;
    em_expr *cond = NULL;
    for (int c = 0; c < r->nconds; c++) {
      if (placed[c]) continue;
      const uint8_t *u = uses + (size_t)c * (size_t)k;
      bool ok = true;
      for (int l = 0; l < k && ok; l++) ok = !u[l] || in[l];
      if (!ok) continue;
      placed[c] = true;
      em_expr *x = remap(az, r->conds[c], 0, newpos);
      if (!x) return -1;
      if (!cond) {
        cond = x;
      } else {
        em_expr *args[2] = {cond, x};
        char *name = NULL;
        if (!(cond = em_az_call(az, "and", args, NULL, 2, &name))) return -1;
      }
    }
    em_lplan *j = em_arena_alloc(&az->plan->arena, sizeof *j);
    em_attr *out = em_arena_alloc(&az->plan->arena, sizeof(em_attr) * (size_t)(cur->nout + right->nout + 1));
    if (!j || !out) return -1;
    memcpy(out, cur->out, sizeof(em_attr) * (size_t)cur->nout);
    memcpy(out + cur->nout, right->out, sizeof(em_attr) * (size_t)right->nout);
    *j = *r->tmpl;
    j->plan_id = -1;
    j->hints = 0;
    j->child = cur;
    j->u.join.right = right;
    j->u.join.cond = cond;
    j->u.join.type = cond ? EM_JOIN_INNER : EM_JOIN_CROSS;
    j->nout = cur->nout + right->nout;
    j->out = out;
    cur = j;
  }
  /* The original column order on top. */
  em_lplan *p = em_arena_calloc(&az->plan->arena, sizeof *p);
  em_expr **xs = em_arena_alloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(ncols + 1));
  if (!p || !xs) return -1;
  for (int i = 0; i < ncols; i++) {
    em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
    if (!x) return -1;
    x->kind = EM_EX_COLUMN;
    x->u.column = newpos[i];
    x->type = top->out[i].type;
    x->nullable = top->out[i].nullable;
    xs[i] = x;
  }
  *p = *top;
  p->kind = EM_LP_PROJECT;
  p->child = cur;
  p->hints = 0;
  memset(&p->u, 0, sizeof p->u);
  p->u.project.exprs = xs;
  p->u.project.no_hidden = true;
  *slot = p;
  return 0;
}

static int walk(em_az *az, em_lplan **slot, int depth) {
  em_lplan *n = *slot;
  if (!n || depth > 4096) return 0;
  if (joinable(n)) {
    jr r;
    memset(&r, 0, sizeof r);
    r.az = az;
    if (flatten(&r, slot, 0, 0)) return -1;
    /* The inputs first (in place in the tree); their widths do not change. */
    for (int i = 0; i < r.nleaves; i++)
      if (walk(az, r.slots[i], depth + 1)) return -1;
    if (!r.has_cross || r.nleaves < 3 || !r.nconds) return 0;
    r.leaves = em_arena_alloc(&az->plan->arena, sizeof *r.leaves * (size_t)r.nleaves);
    if (!r.leaves) return -1;
    for (int i = 0; i < r.nleaves; i++) r.leaves[i] = *r.slots[i];
    return rebuild(&r, slot);
  }
  if (n->child && walk(az, &n->child, depth + 1)) return -1;
  if (n->kind == EM_LP_JOIN && walk(az, &n->u.join.right, depth + 1)) return -1;
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right)
    return walk(az, &n->u.set_op.right, depth + 1);
  return 0;
}

int em_az_reorder_joins(em_az *az, em_lplan **root) { return walk(az, root, 0); }
