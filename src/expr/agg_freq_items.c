/*
 * collect_frequent_items(col, size): the aggregate behind
 * DataFrame.stat.freqItems (Spark's CollectFrequentItems, the one-pass
 * frequent-items algorithm of Karp, Schenker and Papadimitriou). A group
 * keeps at most `size` (value, count) pairs, NULL being a value like any
 * other. Adding `count` of a value: a kept value's count grows; a new one
 * is kept while there is room; otherwise, with m the smallest kept count,
 * a count >= m adds the value, drops every value whose count is <= m and
 * lowers the others by m, and a smaller count lowers every kept count by
 * it. Merging adds the other side's pairs one by one. The result is the
 * kept values as an array (never NULL; elements nullable as the column).
 *
 * The values are listed in the order Spark's final map (a Scala 2.13
 * mutable.HashMap, filled from the partial maps) iterates them: by bucket
 * (the improved hash h ^ (h >>> 16) of the key's Scala ## hash, masked by
 * the table length), then by improved hash, then in insertion order. The
 * table starts at 16 slots and doubles when an insertion reaches 0.75 of
 * it; its final length follows from the most keys the final map ever
 * held, taken as the most a merge held (or the kept count). Keys hash as
 * Scala's ## does: integral values, floats and doubles by their numeric
 * value (whole numbers as ints or longs), strings as UTF8String (Murmur3,
 * seed 42), booleans 1231/1237, NULL 0; other types keep first-kept order.
 * Not in the registry: the analyzer calls it.
 */
#include "agg_fn.h"

#include <stdlib.h>
#include <string.h>

typedef struct fi_state {
  em_aggval *v;
  int64_t *n;
  int len, cap;
  int peak; /* the most pairs held while merging (Spark's final map) */
} fi_state;

typedef struct fi_cfg {
  const em_type *in;
  int size;
} fi_cfg;

static bool same(const em_aggval *a, const em_aggval *b, const em_type *t) {
  if (a->null || b->null) return a->null && b->null;
  if (a->heap != b->heap) return false;
  return em_aggval_cmp2(a, b, t) == 0;
}

/* Drops the pairs with count <= m (keeping the order) and lowers the rest. */
static void drop_at_most(fi_state *s, int64_t m) {
  int k = 0;
  for (int i = 0; i < s->len; i++) {
    if (s->n[i] > m) {
      if (k != i) {
        s->v[k] = s->v[i];
        memset(&s->v[i], 0, sizeof s->v[i]);
      }
      s->n[k++] = s->n[i] - m;
    } else {
      em_aggval_free(&s->v[i]);
    }
  }
  s->len = k;
}

/* Adds `count` of value *val, taking it (left empty when kept). */
static int fi_add(fi_state *s, const fi_cfg *cfg, em_aggval *val, int64_t count, bool merging) {
  for (int i = 0; i < s->len; i++)
    if (same(&s->v[i], val, cfg->in)) {
      s->n[i] += count;
      return 0;
    }
  if (s->len < cfg->size || count >= 0) {
    int64_t m = 0;
    bool full = s->len >= cfg->size;
    if (full) {
      m = s->n[0];
      for (int i = 1; i < s->len; i++)
        if (s->n[i] < m) m = s->n[i];
      if (count - m < 0) {
        for (int i = 0; i < s->len; i++) s->n[i] -= count;
        return 0;
      }
    }
    if (s->len == s->cap) {
      int nc = s->cap ? s->cap * 2 : 8;
      em_aggval *nv = em_realloc(s->v, sizeof *nv * (size_t)nc);
      if (!nv) return -1;
      s->v = nv;
      int64_t *nn = em_realloc(s->n, sizeof *nn * (size_t)nc);
      if (!nn) return -1;
      s->n = nn;
      s->cap = nc;
    }
    s->v[s->len] = *val;
    memset(val, 0, sizeof *val);
    s->n[s->len++] = count;
    if (merging && s->len > s->peak) s->peak = s->len;
    if (full) drop_at_most(s, m);
  }
  return 0;
}

static fi_state *state_of(uint8_t *slot) {
  fi_state **sp = (fi_state **)slot;
  if (!*sp) *sp = em_calloc(1, sizeof **sp);
  return *sp;
}

static int fi_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args, int64_t n,
                     em_error *err) {
  const fi_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  for (int64_t i = 0; i < n; i++) {
    fi_state *s = state_of(st + g[i] * stride);
    em_aggval val = {0};
    if (!s || em_aggval_store(&val, v, i)) return em_error_internal(err, "out of memory");
    int rc = fi_add(s, cfg, &val, 1, false);
    em_aggval_free(&val);
    if (rc) return em_error_internal(err, "out of memory");
  }
  return 0;
}

static int fi_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                    const uint32_t *rows, int64_t n, em_error *err) {
  const fi_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    fi_state **sp = (fi_state **)EM_AGG_SRC(src, sstride, rows, i);
    fi_state *s = *sp;
    if (!s) continue;
    fi_state **dp = (fi_state **)(dst + g[i] * stride);
    if (!*dp) {
      /* Spark's final map takes these pairs without evicting any. */
      s->peak = s->len;
      *dp = s;
      *sp = NULL;
      continue;
    }
    for (int k = 0; k < s->len; k++)
      if (fi_add(*dp, cfg, &s->v[k], s->n[k], true)) return em_error_internal(err, "out of memory");
  }
  return 0;
}

/* ---- Spark's iteration order ---- */

typedef struct fi_slot {
  uint32_t bucket;
  int32_t hash;
  int pos;
} fi_slot;

static int slot_cmp(const void *a, const void *b) {
  const fi_slot *x = a, *y = b;
  if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The positions of s's pairs in Spark's order, in order[]; false to keep
 * the kept order. */
static bool spark_order(const fi_state *s, const em_type *t, int *order) {
  int most = s->peak > s->len ? s->peak : s->len;
  int64_t len = 16;
  for (int k = 1; k <= most; k++)
    if (k >= (int)((double)len * 0.75)) len *= 2;
  fi_slot *sl = em_malloc(sizeof *sl * (size_t)(s->len + 1));
  if (!sl) return false;
  for (int i = 0; i < s->len; i++) {
    uint32_t h;
    if (!em_jvm_key_hash(&s->v[i], t, true, &h)) {
      em_free(sl);
      return false;
    }
    h ^= h >> 16;
    sl[i] = (fi_slot){h & (uint32_t)(len - 1), (int32_t)h, i};
  }
  qsort(sl, (size_t)s->len, sizeof *sl, slot_cmp);
  for (int i = 0; i < s->len; i++) order[i] = sl[i].pos;
  em_free(sl);
  return true;
}

static int fi_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const fi_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return em_error_internal(err, "out of memory");
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    const fi_state *s = *(fi_state *const *)(st + (size_t)i * stride);
    int *order = s && s->len ? em_malloc(sizeof *order * (size_t)s->len) : NULL;
    if (s && s->len && !order) {
      rc = -1;
      break;
    }
    if (order && !spark_order(s, cfg->in, order))
      for (int k = 0; k < s->len; k++) order[k] = k;
    for (int k = 0; s && k < s->len && !rc; k++) rc = em_aggval_emit(&s->v[order[k]], v->children[0]);
    em_free(order);
    if (!rc) rc = em_vec_append_list_end(v);
  }
  if (rc) {
    em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  *out = v;
  return 0;
}

static void fi_destroy(const em_expr *c, uint8_t *slot) {
  (void)c;
  fi_state **sp = (fi_state **)slot;
  fi_state *s = *sp;
  if (!s) return;
  for (int k = 0; k < s->len; k++) em_aggval_free(&s->v[k]);
  em_free(s->v);
  em_free(s->n);
  em_free(s);
  *sp = NULL;
}

static const em_agg_def fi_def = {sizeof(void *), NULL, fi_update, fi_merge, fi_finish, fi_destroy};

/* (column, INT literal size). */
static int fi_resolve(em_func_call *call, em_error *err) {
  if (call->nargs != 2 || call->args[1]->kind != EM_EX_LITERAL || call->args[1]->type->id != EM_T_INT)
    return em_error_internal(err, "collect_frequent_items takes a column and an INT size");
  fi_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  cfg->in = call->args[0]->type;
  cfg->size = *(const int32_t *)em_vec_values(call->args[1]->u.lit);
  if (cfg->size < 1) cfg->size = 1;
  call->nargs = 1;
  em_type *t = em_type_array(em_type_ref(call->args[0]->type), call->args[0]->nullable);
  if (!t) return em_error_internal(err, "out of memory");
  call->type = t;
  call->type_owned = true;
  call->nullable = false;
  call->sql = em_arena_printf(call->arena, "collect_frequent_items(%s)", call->arg_sql ? call->arg_sql[0] : "");
  if (!call->sql) return em_error_internal(err, "out of memory");
  call->data = cfg;
  call->agg = &fi_def;
  return 0;
}

const em_func_def em_fn_collect_frequent_items = {"collect_frequent_items", EM_FN_AGGREGATE, fi_resolve};
