/*
 * mode(col [, deterministic]): Spark's Mode, the most frequent non-NULL
 * value of a group (NULL when there is none), of the input's type.
 *
 * Values are counted per group in a list of (value, count, first seen)
 * triples that is sorted and merged whenever it doubles past its last
 * compacted size. Of several values with the highest count Spark returns
 * the smallest one when deterministic is true (Spark names that call
 * mode() WITHIN GROUP (ORDER BY c DESC)); otherwise the first one its
 * OpenHashMap iterates, which is reproduced (mode_order.c) for booleans,
 * numbers but decimals, dates, timestamps and strings from the order the
 * values were first seen; for other types the smallest one is returned.
 */
#include "agg_fn.h"

#include <stdlib.h>
#include <string.h>

typedef struct xm_state {
  em_aggval *v;
  int64_t *n;
  int64_t *seq; /* when the value was first seen in the group */
  int64_t len, cap, compacted, next_seq;
} xm_state;

typedef struct xm_cfg {
  em_type *in;
  bool deterministic;
} xm_cfg;

/* Positions of `keys` (n values of type t, in the order Spark's map first
 * saw them) in the order Spark's Mode iterates its final map: out[i] is
 * the i-th value iterated. Returns false when the type's hashing is not
 * reproduced or on out-of-memory (mode_order.c). */
bool em_mode_spark_order(const em_aggval *const *keys, int64_t n, const em_type *t, int64_t *out);

/* Stable merge sort of positions [lo, hi) of s by value, through tmp. */
static void sort_range(xm_state *s, em_aggval *tv, int64_t *tn, int64_t *ts, int64_t lo, int64_t hi,
                       const em_type *t) {
  if (hi - lo < 2) return;
  int64_t mid = lo + (hi - lo) / 2;
  sort_range(s, tv, tn, ts, lo, mid, t);
  sort_range(s, tv, tn, ts, mid, hi, t);
  if (em_aggval_cmp2(&s->v[mid - 1], &s->v[mid], t) <= 0) return;
  int64_t a = lo, b = mid, k = lo;
#define TAKE(i) (tv[k] = s->v[i], tn[k] = s->n[i], ts[k++] = s->seq[i], (i)++)
  while (a < mid && b < hi) {
    if (em_aggval_cmp2(&s->v[a], &s->v[b], t) <= 0) TAKE(a);
    else TAKE(b);
  }
  while (a < mid) TAKE(a);
  while (b < hi) TAKE(b);
#undef TAKE
  memcpy(s->v + lo, tv + lo, sizeof *tv * (size_t)(hi - lo));
  memcpy(s->n + lo, tn + lo, sizeof *tn * (size_t)(hi - lo));
  memcpy(s->seq + lo, ts + lo, sizeof *ts * (size_t)(hi - lo));
}

static int compact(xm_state *s, const em_type *t) {
  if (s->len < 2) {
    s->compacted = s->len;
    return 0;
  }
  em_aggval *tv = em_malloc(sizeof *tv * (size_t)s->len);
  int64_t *tn = em_malloc(sizeof *tn * (size_t)s->len);
  int64_t *ts = em_malloc(sizeof *ts * (size_t)s->len);
  if (!tv || !tn || !ts) {
    em_free(tv);
    em_free(tn);
    em_free(ts);
    return -1;
  }
  sort_range(s, tv, tn, ts, 0, s->len, t);
  em_free(tv);
  em_free(tn);
  em_free(ts);
  int64_t k = 0;
  for (int64_t i = 1; i < s->len; i++) {
    if (em_aggval_cmp2(&s->v[k], &s->v[i], t) == 0) {
      s->n[k] += s->n[i];
      if (s->seq[i] < s->seq[k]) s->seq[k] = s->seq[i];
      em_aggval_free(&s->v[i]);
    } else {
      k++;
      if (k != i) {
        s->v[k] = s->v[i];
        s->n[k] = s->n[i];
        s->seq[k] = s->seq[i];
        memset(&s->v[i], 0, sizeof s->v[i]);
      }
    }
  }
  s->len = k + 1;
  s->compacted = s->len;
  return 0;
}

/* Room for one more pair. */
static int reserve(xm_state *s, const em_type *t) {
  if (s->len < s->cap) return 0;
  if (s->len >= 1024 && s->len >= 2 * s->compacted) {
    if (compact(s, t)) return -1;
    if (s->len * 4 <= s->cap * 3) return 0;
  }
  int64_t nc = s->cap ? s->cap * 2 : 8;
  em_aggval *nv = em_realloc(s->v, sizeof *nv * (size_t)nc);
  if (!nv) return -1;
  s->v = nv;
  int64_t *nn = em_realloc(s->n, sizeof *nn * (size_t)nc);
  if (!nn) return -1;
  s->n = nn;
  int64_t *ns = em_realloc(s->seq, sizeof *ns * (size_t)nc);
  if (!ns) return -1;
  s->seq = ns;
  s->cap = nc;
  return 0;
}

static xm_state *state_of(uint8_t *slot) {
  xm_state **sp = (xm_state **)slot;
  if (!*sp) *sp = em_calloc(1, sizeof **sp);
  return *sp;
}

static int xm_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args, int64_t n,
                     em_error *err) {
  const xm_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    xm_state *s = state_of(st + g[i] * stride);
    if (!s || reserve(s, cfg->in)) return em_error_internal(err, "out of memory");
    memset(&s->v[s->len], 0, sizeof s->v[s->len]);
    if (em_aggval_store(&s->v[s->len], v, i)) return em_error_internal(err, "out of memory");
    s->seq[s->len] = s->next_seq++;
    s->n[s->len++] = 1;
  }
  return 0;
}

static int xm_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                    const uint32_t *rows, int64_t n, em_error *err) {
  const xm_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    xm_state **sp = (xm_state **)EM_AGG_SRC(src, sstride, rows, i);
    xm_state *s = *sp;
    if (!s || s->len == 0) continue;
    xm_state **dp = (xm_state **)(dst + g[i] * stride);
    if (!*dp) {
      *dp = s;
      *sp = NULL;
      continue;
    }
    for (int64_t k = 0; k < s->len; k++) {
      if (reserve(*dp, cfg->in)) return em_error_internal(err, "out of memory");
      (*dp)->v[(*dp)->len] = s->v[k];
      memset(&s->v[k], 0, sizeof s->v[k]);
      (*dp)->seq[(*dp)->len] = (*dp)->next_seq + s->seq[k];
      (*dp)->n[(*dp)->len++] = s->n[k];
    }
    (*dp)->next_seq += s->next_seq;
    s->len = 0;
  }
  return 0;
}

static _Thread_local const int64_t *seq_of;

static int by_seq(const void *a, const void *b) {
  int64_t x = seq_of[*(const int64_t *)a], y = seq_of[*(const int64_t *)b];
  return x < y ? -1 : x > y;
}

/* Of the values with count `top`, the one Spark's map iterates first
 * (fallback: the smallest, at index `smallest`). */
static int64_t spark_pick(const xm_state *s, const em_type *t, int64_t top, int64_t smallest) {
  int64_t n = s->len;
  const em_aggval **keys = em_malloc(sizeof *keys * (size_t)n);
  int64_t *idx = em_malloc(sizeof *idx * (size_t)n);
  int64_t *ord = em_malloc(sizeof *ord * (size_t)n);
  int64_t pick = smallest;
  if (keys && idx && ord) {
    /* The values in the order first seen (seq numbers are distinct). */
    for (int64_t i = 0; i < n; i++) ord[i] = i;
    seq_of = s->seq;
    qsort(ord, (size_t)n, sizeof *ord, by_seq);
    memcpy(idx, ord, sizeof *idx * (size_t)n);
    for (int64_t i = 0; i < n; i++) keys[i] = &s->v[idx[i]];
    if (em_mode_spark_order(keys, n, t, ord))
      for (int64_t i = 0; i < n; i++)
        if (s->n[idx[ord[i]]] == top) {
          pick = idx[ord[i]];
          break;
        }
  }
  em_free(keys);
  em_free(idx);
  em_free(ord);
  return pick;
}

static int xm_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const xm_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return em_error_internal(err, "out of memory");
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    xm_state *s = *(xm_state *const *)(st + (size_t)i * stride);
    if (!s || s->len == 0) {
      rc = em_vec_append_null(v);
      continue;
    }
    if ((rc = compact(s, cfg->in))) break;
    int64_t best = 0, ties = 1;
    for (int64_t k = 1; k < s->len; k++) {
      if (s->n[k] > s->n[best]) best = k, ties = 1;
      else if (s->n[k] == s->n[best]) ties++;
    }
    if (ties > 1 && !cfg->deterministic) best = spark_pick(s, cfg->in, s->n[best], best);
    rc = em_aggval_emit(&s->v[best], v);
  }
  if (rc) {
    em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  *out = v;
  return 0;
}

static void xm_destroy(const em_expr *c, uint8_t *slot) {
  (void)c;
  xm_state **sp = (xm_state **)slot;
  xm_state *s = *sp;
  if (!s) return;
  for (int64_t k = 0; k < s->len; k++) em_aggval_free(&s->v[k]);
  em_free(s->v);
  em_free(s->n);
  em_free(s->seq);
  em_free(s);
  *sp = NULL;
}

static const em_agg_def xm_def = {sizeof(void *), NULL, xm_update, xm_merge, xm_finish, xm_destroy};

int em_fn_mode(em_func_call *call, em_error *err);
int em_fn_mode(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 1, 2, err)) return -1;
  bool deterministic = false;
  if (em_agg_bool_literal(call, 1, &deterministic, err)) return -1;
  xm_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  cfg->in = call->args[0]->type;
  cfg->deterministic = deterministic;
  /* A deterministic mode is Spark's mode() WITHIN GROUP (ORDER BY c DESC). */
  if (deterministic)
    call->sql = em_arena_printf(call->arena, "mode() WITHIN GROUP (ORDER BY %s DESC)", call->arg_sql[0]);
  else if (em_agg_name(call, call->name, 1, err))
    return -1;
  if (!call->sql) return em_error_internal(err, "out of memory");
  call->type = call->args[0]->type;
  call->nullable = true;
  call->data = cfg;
  call->agg = &xm_def;
  return 0;
}
