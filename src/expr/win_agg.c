/*
 * Aggregate functions over window frames, through the aggregate's own
 * state machine (init / update / merge / finish), so every aggregate of
 * the registry works over any frame with the same types and results.
 *
 * Three strategies, by the shape of the frames:
 *  - whole partition (every row's frame is its partition): one update over
 *    the run with the partition as group, one finish, spread by a take;
 *  - growing (every frame starts at its partition's start, ends move
 *    forward): one running state per partition, fed the rows that enter
 *    in input order (exactly the sequence of updates Spark's
 *    UnboundedPreceding frame makes), and a snapshot per row;
 *  - otherwise (sliding or shrinking frames): when the state is plain bytes
 *    (no destroy: count, sum, avg, bool_and/or, the moments) a segment tree
 *    of states over the run: leaves by one update with a group per row,
 *    inner nodes by merges, and each row's frame as the merge of O(log n)
 *    nodes, done level by level in batched merge calls. Aggregates with
 *    owned state (min/max of any type, collect_list/set,
 *    approx_count_distinct) recompute each frame from its rows, except
 *    min/max over frames that only move forward: a monotonic deque
 *    (win_minmax.c).
 *
 * Floating-point sums over sliding frames merge partial sums in tree order,
 * where Spark re-adds the frame's rows one by one: the last bits may differ.
 */
#include "win.h"

#include "func.h"

#include <string.h>

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a window aggregate"); }

typedef struct states {
  uint8_t *mem;
  size_t stride;
  int64_t n;
} states;

static int states_new(const em_expr *call, states *s, int64_t n) {
  const em_agg_def *d = call->u.fn.agg;
  s->stride = (d->state_size + 15) & ~(size_t)15;
  s->n = n;
  s->mem = em_calloc((size_t)(n ? n : 1), s->stride);
  if (!s->mem) return -1;
  if (d->init)
    for (int64_t i = 0; i < n; i++) d->init(call, s->mem + (size_t)i * s->stride);
  return 0;
}

static void states_free(const em_expr *call, states *s) {
  const em_agg_def *d = call->u.fn.agg;
  if (d->destroy && s->mem)
    for (int64_t i = 0; i < s->n; i++) d->destroy(call, s->mem + (size_t)i * s->stride);
  em_free(s->mem);
  s->mem = NULL;
}

/* Rows [a, b) of every argument, as new vectors. */
static em_vec **slice_args(const em_expr *call, em_vec *const *args, const uint32_t *iota, int64_t a, int64_t b) {
  em_vec **out = em_calloc((size_t)call->nargs + 1, sizeof *out);
  if (!out) return NULL;
  for (int i = 0; i < call->nargs; i++) {
    if (args[i]->type->id == EM_T_NULL) out[i] = em_vec_new_nulls(args[i]->type, b - a);
    else out[i] = em_vec_take(args[i], iota + a, b - a);
    if (!out[i]) {
      for (int j = 0; j < i; j++) em_vec_unref(out[j]);
      em_free(out);
      return NULL;
    }
  }
  return out;
}

static void free_vecs(em_vec **v, int n) {
  if (!v) return;
  for (int i = 0; i < n; i++)
    if (v[i]) em_vec_unref(v[i]);
  em_free(v);
}

/* Feeds rows [a, b) into one state. */
static int update_range(const em_expr *call, uint8_t *state, em_vec *const *args, const uint32_t *iota,
                        const uint32_t *zeros, int64_t a, int64_t b, em_error *err) {
  if (b <= a) return 0;
  em_vec **sl = slice_args(call, args, iota, a, b);
  if (!sl) return oom(err);
  int rc = call->u.fn.agg->update(call, state, 0, zeros, sl, b - a, err);
  free_vecs(sl, call->nargs);
  return rc;
}

static int whole(const em_expr *call, em_vec *const *args, const em_win_run *run, em_vec **out, em_error *err) {
  states st;
  if (states_new(call, &st, run->npart)) return oom(err);
  em_vec *fin = NULL;
  int rc = call->u.fn.agg->update(call, st.mem, st.stride, run->part, args, run->n, err);
  if (!rc) rc = call->u.fn.agg->finish(call, st.mem, st.stride, run->npart, &fin, err);
  states_free(call, &st);
  if (rc) return -1;
  *out = em_vec_take(fin, run->part, run->n);
  em_vec_unref(fin);
  return *out ? 0 : oom(err);
}

/* Appends the finished value of one state to res. */
static int finish_one(const em_expr *call, const uint8_t *state, em_vec *res, em_error *err) {
  em_vec *one = NULL;
  if (call->u.fn.agg->finish(call, state, 0, 1, &one, err)) return -1;
  int rc = em_vec_append_range(res, one, 0, 1);
  em_vec_unref(one);
  return rc ? oom(err) : 0;
}

static int growing(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *hi,
                   const uint32_t *iota, const uint32_t *zeros, em_vec **out, em_error *err) {
  const em_agg_def *d = call->u.fn.agg;
  bool plain = d->destroy == NULL;
  states snap = {0}, cur = {0};
  em_vec *res = NULL;
  if (plain ? states_new(call, &snap, run->n) : !(res = em_vec_new(call->type, run->n))) return oom(err);
  int rc = 0;
  for (int p = 0; !rc && p < run->npart; p++) {
    int64_t s = run->pstart[p], e = run->pstart[p + 1], fed = s;
    if (states_new(call, &cur, 1)) {
      rc = oom(err);
      break;
    }
    for (int64_t i = s; !rc && i < e; i++) {
      if (hi[i] > fed) {
        rc = update_range(call, cur.mem, args, iota, zeros, fed, hi[i], err);
        fed = hi[i];
      }
      if (rc) break;
      if (plain) memcpy(snap.mem + (size_t)i * snap.stride, cur.mem, d->state_size);
      else rc = finish_one(call, cur.mem, res, err);
    }
    states_free(call, &cur);
  }
  if (!rc && plain) rc = d->finish(call, snap.mem, snap.stride, run->n, &res, err);
  if (plain) states_free(call, &snap);
  if (rc) {
    if (res) em_vec_unref(res);
    return -1;
  }
  *out = res;
  return 0;
}

/* Every frame recomputed from its rows (aggregates with owned state). */
static int recompute(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *lo,
                     const int64_t *hi, const uint32_t *iota, const uint32_t *zeros, em_vec **out, em_error *err) {
  em_vec *res = em_vec_new(call->type, run->n);
  if (!res) return oom(err);
  int rc = 0;
  for (int64_t i = 0; !rc && i < run->n; i++) {
    states st;
    if (states_new(call, &st, 1)) {
      rc = oom(err);
      break;
    }
    rc = update_range(call, st.mem, args, iota, zeros, lo[i], hi[i], err);
    if (!rc) rc = finish_one(call, st.mem, res, err);
    states_free(call, &st);
  }
  if (rc) {
    em_vec_unref(res);
    return -1;
  }
  *out = res;
  return 0;
}

/* Segment tree over plain states: node i (1 <= i < n) merges 2i and 2i+1,
 * leaves are nodes [n, 2n). */
static int tree(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *lo, const int64_t *hi,
                em_vec **out, em_error *err) {
  const em_agg_def *d = call->u.fn.agg;
  int64_t n = run->n;
  states nodes = {0}, res = {0};
  uint32_t *g = em_malloc(sizeof *g * (size_t)(2 * n + 2)), *src = em_malloc(sizeof *src * (size_t)(2 * n + 2));
  int64_t *l = em_malloc(sizeof *l * (size_t)(n + 1)), *r = em_malloc(sizeof *r * (size_t)(n + 1));
  int rc = 0;
  if (!g || !src || !l || !r || states_new(call, &nodes, 2 * n) || states_new(call, &res, n)) rc = oom(err);
  /* Leaves. */
  for (int64_t i = 0; !rc && i < n; i++) g[i] = (uint32_t)(n + i);
  if (!rc) rc = d->update(call, nodes.mem, nodes.stride, g, args, n, err);
  /* Inner nodes, in batches whose children are all computed. */
  for (int64_t top = n; !rc && top > 1;) {
    int64_t bot = (top + 1) / 2, m = 0;
    for (int64_t i = bot; i < top; i++) {
      memcpy(nodes.mem + (size_t)i * nodes.stride, nodes.mem + (size_t)(2 * i) * nodes.stride, d->state_size);
      g[m] = (uint32_t)i;
      src[m++] = (uint32_t)(2 * i + 1);
    }
    rc = d->merge(call, nodes.mem, nodes.stride, g, nodes.mem, nodes.stride, src, m, err);
    top = bot;
  }
  /* Queries, one merge batch per side and level. */
  for (int64_t i = 0; !rc && i < n; i++) {
    l[i] = lo[i] + n;
    r[i] = hi[i] + n;
  }
  for (bool more = true; !rc && more;) {
    more = false;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
      if (l[i] < r[i] && (l[i] & 1)) {
        g[m] = (uint32_t)i;
        src[m++] = (uint32_t)l[i]++;
      }
    if (m) rc = d->merge(call, res.mem, res.stride, g, nodes.mem, nodes.stride, src, m, err);
    m = 0;
    for (int64_t i = 0; !rc && i < n; i++)
      if (l[i] < r[i] && (r[i] & 1)) {
        g[m] = (uint32_t)i;
        src[m++] = (uint32_t)--r[i];
      }
    if (!rc && m) rc = d->merge(call, res.mem, res.stride, g, nodes.mem, nodes.stride, src, m, err);
    for (int64_t i = 0; i < n; i++) {
      l[i] >>= 1;
      r[i] >>= 1;
      if (l[i] < r[i]) more = true;
    }
  }
  if (!rc) rc = d->finish(call, res.mem, res.stride, n, out, err);
  states_free(call, &nodes);
  states_free(call, &res);
  em_free(g);
  em_free(src);
  em_free(l);
  em_free(r);
  return rc;
}

int em_win_agg_eval(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *lo,
                    const int64_t *hi, em_vec **out, em_error *err) {
  int64_t n = run->n;
  bool is_whole = true, is_growing = true;
  for (int64_t i = 0; i < n; i++) {
    int64_t s = run->pstart[run->part[i]], e = run->pstart[run->part[i] + 1];
    if (lo[i] != s) is_whole = is_growing = false;
    if (hi[i] != e) is_whole = false;
    if (i > s && hi[i] < hi[i - 1]) is_growing = false;
  }
  if (is_whole) return whole(call, args, run, out, err);
  uint32_t *iota = em_malloc(sizeof *iota * (size_t)(n + 1)), *zeros = em_calloc((size_t)(n + 1), sizeof *zeros);
  if (!iota || !zeros) {
    em_free(iota);
    em_free(zeros);
    return oom(err);
  }
  for (int64_t i = 0; i < n; i++) iota[i] = (uint32_t)i;
  int rc;
  if (is_growing) rc = growing(call, args, run, hi, iota, zeros, out, err);
  else if (!call->u.fn.agg->destroy) rc = tree(call, args, run, lo, hi, out, err);
  else if ((rc = em_win_minmax(call, args, run, lo, hi, out, err)) > 0)
    rc = recompute(call, args, run, lo, hi, iota, zeros, out, err);
  em_free(iota);
  em_free(zeros);
  return rc;
}
