/*
 * INTERSECT / EXCEPT (DISTINCT or ALL) and DISTINCT over whole rows.
 *
 * Spark rewrites these into joins and aggregates (ReplaceIntersectWithSemiJoin,
 * ReplaceExceptWithAntiJoin, RewriteExceptAll/IntersectAll); the results
 * are multisets whose order Spark does not define. We compute them
 * directly: the second input is collected by a collect sink (run first, as
 * a dependency); the first input's pipeline ends in the set-op sink, which
 * keeps its batches per partition. finalize then:
 *   1. encodes every row of the second input into a canonical key (rows
 *      equal under Spark's null-safe equality, with NaN = NaN and
 *      -0.0 = 0.0 as grouping normalizes floats, get equal bytes) and
 *      counts them in a hash table;
 *   2. walks the first input in partition order and keeps
 *        INTERSECT: first occurrences present on the right,
 *        EXCEPT: first occurrences absent on the right,
 *        INTERSECT ALL: each occurrence while the right count lasts
 *                       (min(l, r) copies),
 *        EXCEPT ALL: each occurrence once the right count is used up
 *                    (l - r copies),
 *        DISTINCT: first occurrences;
 *   3. serves the kept rows, in that order, as one output partition.
 * Memory: both inputs and their keys are held in memory until the end of
 * the query.
 */
#include "exec_int.h"

#include <string.h>

/* ---- collecting a pipeline's output per partition ---- */

typedef struct collected {
  em_batch ***parts; /* per input partition */
  int *nb;
  int nparts;
} collected;

typedef struct collect_local {
  em_batch **b;
  int n, cap;
} collect_local;

static int c_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  (void)s, (void)part, (void)ctx;
  collect_local *st = local;
  if (st->n == st->cap) {
    int ncap = st->cap ? st->cap * 2 : 8;
    em_batch **nb = em_realloc(st->b, sizeof *nb * (size_t)ncap);
    if (!nb) return em_error_internal(err, "out of memory in set operation");
    st->b = nb;
    st->cap = ncap;
  }
  st->b[st->n++] = em_batch_ref(b);
  return 0;
}

static void c_close_local(em_sink *s, void *local) {
  (void)s;
  collect_local *st = local;
  for (int i = 0; i < st->n; i++) em_batch_unref(st->b[i]);
  em_free(st->b);
  memset(st, 0, sizeof *st);
}

static collected *collected_of(em_sink *s, size_t size, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) {
    collected *c = em_calloc(1, size);
    int n = s->in_parts > 0 ? s->in_parts : 1;
    if (c && (c->parts = em_calloc((size_t)n, sizeof *c->parts)) && (c->nb = em_calloc((size_t)n, sizeof *c->nb))) {
      c->nparts = n;
      s->state = c;
    } else if (c) {
      em_free(c->parts);
      em_free(c);
    }
  }
  collected *r = s->state;
  pthread_mutex_unlock(&s->mu);
  if (!r) em_error_internal(err, "out of memory in set operation");
  return r;
}

static int collect_combine(em_sink *s, void *local, size_t size, int part, em_error *err) {
  collect_local *st = local;
  collected *c = collected_of(s, size, err);
  if (!c) return -1;
  if (part < 0 || part >= c->nparts) return em_error_internal(err, "set operation: partition out of range");
  c->parts[part] = st->b;
  c->nb[part] = st->n;
  memset(st, 0, sizeof *st);
  return 0;
}

static void collected_free(collected *c) {
  for (int p = 0; p < c->nparts; p++) {
    for (int i = 0; i < c->nb[p]; i++) em_batch_unref(c->parts[p][i]);
    em_free(c->parts[p]);
  }
  em_free(c->parts);
  em_free(c->nb);
}

static int c_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  return collect_combine(s, local, sizeof(collected), part, err);
}

static int c_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  if (!collected_of(s, sizeof(collected), err)) return -1;
  s->out_parts = 0;
  return 0;
}

static void c_destroy(em_sink *s) {
  collected *c = s->state;
  if (!c) return;
  collected_free(c);
  em_free(c);
  s->state = NULL;
}

static const em_sink_vt collect_vt = {
    .name = "Collect",
    .local_size = sizeof(collect_local),
    .sink = c_sink,
    .combine = c_combine,
    .close_local = c_close_local,
    .finalize = c_finalize,
    .destroy = c_destroy,
};

em_sink *em_sink_collect_new(em_arena *a, em_type *in_schema) {
  return em_sink_new(a, &collect_vt, NULL, in_schema, in_schema);
}

/* ---- canonical row keys ---- */

typedef struct keybuf {
  uint8_t *d;
  size_t n, cap;
} keybuf;

static int kb_put(keybuf *k, const void *p, size_t n) {
  if (k->n + n > k->cap) {
    size_t ncap = k->cap ? k->cap * 2 : 4096;
    while (ncap < k->n + n) ncap *= 2;
    uint8_t *nd = em_realloc(k->d, ncap);
    if (!nd) return -1;
    k->d = nd;
    k->cap = ncap;
  }
  if (n) memcpy(k->d + k->n, p, n);
  k->n += n;
  return 0;
}

static int key_value(keybuf *k, const em_vec *v, int64_t i) {
  uint8_t tag = em_vec_is_null(v, i) ? 0 : 1;
  if (kb_put(k, &tag, 1)) return -1;
  if (!tag) return 0;
  const uint8_t *vals = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: {
    uint8_t b = em_bit_get(vals, i);
    return kb_put(k, &b, 1);
  }
  case EM_T_FLOAT: {
    float f = ((const float *)vals)[i];
    if (f != f) f = __builtin_nanf("");
    if (f == 0.0f) f = 0.0f;
    return kb_put(k, &f, 4);
  }
  case EM_T_DOUBLE: {
    double d = ((const double *)vals)[i];
    if (d != d) d = __builtin_nan("");
    if (d == 0.0) d = 0.0;
    return kb_put(k, &d, 8);
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    return kb_put(k, &len, 4) || kb_put(k, s, (size_t)len) ? -1 : 0;
  }
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    int32_t n = o[i + 1] - o[i];
    if (kb_put(k, &n, 4)) return -1;
    const em_vec *c = v->children[0];
    for (int32_t j = o[i]; j < o[i + 1]; j++) {
      if (v->type->id == EM_T_ARRAY) {
        if (key_value(k, c, j)) return -1;
      } else if (key_value(k, c->children[0], j) || key_value(k, c->children[1], j)) {
        return -1;
      }
    }
    return 0;
  }
  case EM_T_STRUCT:
    for (int f = 0; f < v->nchildren; f++)
      if (key_value(k, v->children[f], i)) return -1;
    return 0;
  case EM_T_NULL: return 0;
  default: {
    int w = em_type_fixed_width(v->type);
    return w > 0 ? kb_put(k, vals + i * w, (size_t)w) : 0;
  }
  }
}

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h ^= w * 0xc4ceb9fe1a85ec53ull;
    h = (h << 31 | h >> 33) * 0x9e3779b97f4a7c15ull;
  }
  uint64_t t = 0;
  memcpy(&t, p + i, n - i);
  h ^= t * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

/* Open-addressing table of keys (stored in one buffer) with counts. */
typedef struct ktable {
  keybuf keys;
  uint64_t *hash;
  size_t *off, *len;
  int64_t *count;
  size_t cap, n;
} ktable;

static void kt_free(ktable *t) {
  em_free(t->keys.d);
  em_free(t->hash);
  em_free(t->off);
  em_free(t->len);
  em_free(t->count);
  memset(t, 0, sizeof *t);
}

static int kt_grow(ktable *t) {
  size_t ncap = t->cap ? t->cap * 2 : 1024;
  ktable nt = {.keys = t->keys, .cap = ncap};
  nt.hash = em_calloc(ncap, sizeof *nt.hash);
  nt.off = em_malloc(ncap * sizeof *nt.off);
  nt.len = em_malloc(ncap * sizeof *nt.len);
  nt.count = em_calloc(ncap, sizeof *nt.count);
  if (!nt.hash || !nt.off || !nt.len || !nt.count) {
    em_free(nt.hash);
    em_free(nt.off);
    em_free(nt.len);
    em_free(nt.count);
    return -1;
  }
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->count[i]) continue;
    size_t j = t->hash[i] & (ncap - 1);
    while (nt.count[j]) j = (j + 1) & (ncap - 1);
    nt.hash[j] = t->hash[i];
    nt.off[j] = t->off[i];
    nt.len[j] = t->len[i];
    nt.count[j] = t->count[i];
  }
  nt.n = t->n;
  em_free(t->hash);
  em_free(t->off);
  em_free(t->len);
  em_free(t->count);
  *t = nt;
  return 0;
}

/* The slot of key (p, n); *found tells whether it is there (a free slot,
 * count 0, otherwise). */
static size_t kt_find(const ktable *t, const uint8_t *p, size_t n, uint64_t h, bool *found) {
  size_t j = h & (t->cap - 1);
  while (t->count[j]) {
    if (t->hash[j] == h && t->len[j] == n && memcmp(t->keys.d + t->off[j], p, n) == 0) {
      *found = true;
      return j;
    }
    j = (j + 1) & (t->cap - 1);
  }
  *found = false;
  return j;
}

/* Adds the key just appended to t->keys at offset `start` (or counts it). */
static int kt_add(ktable *t, size_t start) {
  if ((t->n + 1) * 2 > t->cap && kt_grow(t)) return -1;
  size_t n = t->keys.n - start;
  uint64_t h = hash_bytes(t->keys.d + start, n);
  bool found;
  size_t j = kt_find(t, t->keys.d + start, n, h, &found);
  if (found) {
    t->count[j]++;
    t->keys.n = start; /* the key is stored once */
    return 0;
  }
  t->hash[j] = h;
  t->off[j] = start;
  t->len[j] = n;
  t->count[j] = 1;
  t->n++;
  return 0;
}

static int encode_row(keybuf *k, const em_batch *b, int64_t i) {
  for (int c = 0; c < b->ncols; c++)
    if (key_value(k, b->cols[c], i)) return -1;
  return 0;
}

/* ---- the set-op sink ---- */

typedef struct setop_cfg {
  em_setop op;
  bool all;
  em_sink *right;
} setop_cfg;

typedef struct setop_state {
  collected left; /* first: collected_of allocates the whole struct */
  /* Kept rows as (partition, batch, row). */
  uint32_t *kp, *kb, *kr;
  int64_t nkept;
} setop_state;

typedef struct setop_out_local {
  int64_t pos;
} setop_out_local;

static int s_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  return collect_combine(s, local, sizeof(setop_state), part, err);
}

static int keep(setop_state *st, int64_t *cap, int p, int b, int64_t r) {
  if (st->nkept == *cap) {
    int64_t ncap = *cap ? *cap * 2 : 1024;
    uint32_t *a = em_realloc(st->kp, sizeof *a * (size_t)ncap);
    if (a) st->kp = a;
    uint32_t *bb = a ? em_realloc(st->kb, sizeof *bb * (size_t)ncap) : NULL;
    if (bb) st->kb = bb;
    uint32_t *c = bb ? em_realloc(st->kr, sizeof *c * (size_t)ncap) : NULL;
    if (c) st->kr = c;
    if (!c) return -1;
    *cap = ncap;
  }
  st->kp[st->nkept] = (uint32_t)p;
  st->kb[st->nkept] = (uint32_t)b;
  st->kr[st->nkept] = (uint32_t)r;
  st->nkept++;
  return 0;
}

static int s_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  const setop_cfg *cfg = s->cfg;
  setop_state *st = (setop_state *)collected_of(s, sizeof(setop_state), err);
  if (!st) return -1;
  s->out_parts = 1;
  ktable right = {0}, seen = {0};
  keybuf row = {0};
  int rc = 0;
  const collected *rc_in = cfg->right ? cfg->right->state : NULL;
  /* 1. The right side's keys with counts. */
  for (int p = 0; rc_in && !rc && p < rc_in->nparts; p++)
    for (int b = 0; !rc && b < rc_in->nb[p]; b++) {
      const em_batch *bt = rc_in->parts[p][b];
      for (int64_t i = 0; !rc && i < bt->nrows; i++) {
        size_t start = right.keys.n;
        if (!right.cap && kt_grow(&right)) rc = -1;
        if (!rc && (encode_row(&right.keys, bt, i) || kt_add(&right, start))) rc = -1;
      }
      if (em_exec_cancelled(ctx)) rc = -2;
    }
  /* 2. Walk the left side (ALL: counting down what the right has left). */
  int64_t cap = 0;
  int64_t *remaining = NULL;
  if (!rc && cfg->all && right.cap) {
    if (!(remaining = em_malloc(sizeof *remaining * right.cap))) rc = -1;
    else memcpy(remaining, right.count, sizeof *remaining * right.cap);
  }
  if (!rc && kt_grow(&seen)) rc = -1;
  for (int p = 0; !rc && p < st->left.nparts; p++)
    for (int b = 0; !rc && b < st->left.nb[p]; b++) {
      const em_batch *bt = st->left.parts[p][b];
      for (int64_t i = 0; !rc && i < bt->nrows; i++) {
        row.n = 0;
        if (encode_row(&row, bt, i)) {
          rc = -1;
          break;
        }
        uint64_t h = hash_bytes(row.d, row.n);
        bool in_right = false;
        size_t rj = right.cap ? kt_find(&right, row.d, row.n, h, &in_right) : 0;
        bool emit;
        if (cfg->all) {
          bool avail = in_right && remaining[rj] > 0;
          if (avail) remaining[rj]--;
          emit = cfg->op == EM_SETOP_INTERSECT ? avail : !avail;
        } else {
          bool want = cfg->op == EM_SETOP_INTERSECT ? in_right : cfg->op == EM_SETOP_EXCEPT ? !in_right : true;
          emit = false;
          if (want) {
            size_t start = seen.keys.n;
            size_t before = seen.n;
            if (kb_put(&seen.keys, row.d, row.n) || kt_add(&seen, start)) {
              rc = -1;
              break;
            }
            emit = seen.n > before;
          }
        }
        if (emit && keep(st, &cap, p, b, i)) rc = -1;
      }
      if (!rc && em_exec_cancelled(ctx)) rc = -2;
    }
  kt_free(&right);
  kt_free(&seen);
  em_free(row.d);
  em_free(remaining);
  if (rc == -2) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  return rc ? em_error_internal(err, "out of memory in set operation") : 0;
}

/* Spark's set operations output the grouping keys of an aggregate, which
 * NormalizeFloatingNumbers rewrites: NaN is the canonical NaN and -0.0 is
 * 0.0 (also inside arrays and structs). v is a fresh copy. */
static void normalize_floats(em_vec *v) {
  if (v->type->id == EM_T_FLOAT) {
    float *f = em_vec_values(v);
    for (int64_t i = 0; i < v->len; i++) {
      if (f[i] != f[i]) f[i] = __builtin_nanf("");
      else if (f[i] == 0.0f) f[i] = 0.0f;
    }
  } else if (v->type->id == EM_T_DOUBLE) {
    double *d = em_vec_values(v);
    for (int64_t i = 0; i < v->len; i++) {
      if (d[i] != d[i]) d[i] = __builtin_nan("");
      else if (d[i] == 0.0) d[i] = 0.0;
    }
  }
  for (int c = 0; c < v->nchildren; c++) normalize_floats(v->children[c]);
}

static int s_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  setop_state *st = s->state;
  setop_out_local *ol = local;
  *out = NULL;
  if (!st || part != 0 || ol->pos >= st->nkept) return 0;
  int64_t m = st->nkept - ol->pos < ctx->batch_rows ? st->nkept - ol->pos : ctx->batch_rows;
  int ncols = s->in_schema->u.st.nfields;
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  uint32_t *idx = em_malloc(sizeof *idx * (size_t)m);
  int rc = cols && idx ? 0 : -1;
  for (int c = 0; !rc && c < ncols; c++) {
    int64_t i = 0;
    while (!rc && i < m) {
      int64_t j = i, at = ol->pos + i;
      uint32_t p = st->kp[at], b = st->kb[at];
      while (j < m && st->kp[ol->pos + j] == p && st->kb[ol->pos + j] == b) {
        idx[j - i] = st->kr[ol->pos + j];
        j++;
      }
      em_vec *piece = em_vec_take(st->left.parts[p][b]->cols[c], idx, j - i);
      if (!piece) rc = -1;
      else if (!cols[c]) cols[c] = piece;
      else {
        rc = em_vec_append_range(cols[c], piece, 0, piece->len);
        em_vec_unref(piece);
      }
      i = j;
    }
  }
  em_free(idx);
  for (int c = 0; !rc && c < ncols; c++) normalize_floats(cols[c]);
  if (!rc) {
    *out = em_batch_new(em_type_ref(s->in_schema), ncols, cols, m);
    if (!*out) rc = -1;
  } else {
    for (int c = 0; cols && c < ncols; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  }
  em_free(cols);
  if (rc) return em_error_internal(err, "out of memory in set operation");
  ol->pos += m;
  return 0;
}

static void s_destroy(em_sink *s) {
  setop_state *st = s->state;
  if (!st) return;
  collected_free(&st->left);
  em_free(st->kp);
  em_free(st->kb);
  em_free(st->kr);
  em_free(st);
  s->state = NULL;
}

static const em_sink_vt setop_vt = {
    .name = "SetOperation",
    .local_size = sizeof(collect_local),
    .sink = c_sink,
    .combine = s_combine,
    .close_local = c_close_local,
    .finalize = s_finalize,
    .source_local_size = sizeof(setop_out_local),
    .next = s_next,
    .destroy = s_destroy,
};

em_sink *em_sink_setop_new(em_arena *a, const em_lplan *n, em_type *in_schema, em_sink *right) {
  setop_cfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return NULL;
  cfg->op = n->u.set_op.op;
  cfg->all = n->u.set_op.all;
  cfg->right = right;
  return em_sink_new(a, &setop_vt, cfg, in_schema, in_schema);
}
