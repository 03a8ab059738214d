/*
 * Aggregates with variable-size states: collect_list, collect_set, the
 * DISTINCT adapter (count(DISTINCT ...), sum(DISTINCT ...), ...) and
 * approx_count_distinct.
 *
 * A state is a pointer to a heap object created on first use and freed by
 * destroy; merge moves the source's object when the destination has none
 * and otherwise appends. Sets (collect_set, DISTINCT) are small
 * open-addressing hash sets over the canonical row-key bytes of the values
 * (rowkey.h), which also keep first-seen order for the output.
 *
 * DISTINCT: the adapter keeps the set of distinct argument tuples (rows
 * with a NULL argument are skipped, as Spark's distinct aggregates do) and
 * at finish feeds every group's tuples to the wrapped function's own
 * init/update/finish. Spark plans this with an Expand; the result is the
 * same.
 *
 * approx_count_distinct is Spark's HyperLogLog++ (dense registers,
 * p = ceil(2 log2(1.106 / rsd)), XXH64 of the value with seed 42): the
 * same registers and, for cardinalities in the linear-counting range
 * (below about 2.5 m), the same estimate. Spark's empirical bias
 * correction table is not included: between 2.5 m and 5 m estimates may
 * differ from Spark's by the bias term.
 */
#include "agg_fn.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

/* ---- a set of byte strings in insertion order ---- */

typedef struct valset {
  uint32_t n, cap;     /* values, slot count (power of two) */
  uint32_t *slots;     /* index + 1, 0 = empty */
  uint64_t *hashes;    /* per value */
  uint32_t *offs;      /* n + 1 */
  uint8_t *heap;
  size_t heap_cap;
  uint32_t offs_cap;
} valset;

static void valset_free(valset *s) {
  if (!s) return;
  em_free(s->slots);
  em_free(s->hashes);
  em_free(s->offs);
  em_free(s->heap);
  em_free(s);
}

static valset *valset_new(void) {
  valset *s = em_calloc(1, sizeof *s);
  if (!s) return NULL;
  s->cap = 8;
  s->slots = em_calloc(s->cap, sizeof *s->slots);
  s->offs = em_calloc(9, sizeof *s->offs);
  s->hashes = em_calloc(8, sizeof *s->hashes);
  s->offs_cap = 8;
  if (!s->slots || !s->offs || !s->hashes) {
    valset_free(s);
    return NULL;
  }
  return s;
}

static int valset_rehash(valset *s, uint32_t ncap) {
  uint32_t *ns = em_calloc(ncap, sizeof *ns);
  if (!ns) return -1;
  for (uint32_t k = 0; k < s->n; k++) {
    uint32_t i = (uint32_t)s->hashes[k] & (ncap - 1);
    while (ns[i]) i = (i + 1) & (ncap - 1);
    ns[i] = k + 1;
  }
  em_free(s->slots);
  s->slots = ns;
  s->cap = ncap;
  return 0;
}

/* Adds the bytes unless present. 1 = added, 0 = present, -1 = OOM. */
static int valset_add(valset *s, const uint8_t *p, uint32_t len, uint64_t h) {
  uint32_t i = (uint32_t)h & (s->cap - 1);
  while (s->slots[i]) {
    uint32_t k = s->slots[i] - 1;
    if (s->hashes[k] == h && s->offs[k + 1] - s->offs[k] == len && memcmp(s->heap + s->offs[k], p, len) == 0)
      return 0;
    i = (i + 1) & (s->cap - 1);
  }
  if ((s->n + 1) * 2 > s->cap) {
    if (valset_rehash(s, s->cap * 2)) return -1;
    i = (uint32_t)h & (s->cap - 1);
    while (s->slots[i]) i = (i + 1) & (s->cap - 1);
  }
  if (s->n + 1 > s->offs_cap) {
    uint32_t nc = s->offs_cap * 2;
    uint32_t *no = em_realloc(s->offs, sizeof *no * (nc + 1));
    if (!no) return -1;
    s->offs = no;
    uint64_t *nh = em_realloc(s->hashes, sizeof *nh * nc);
    if (!nh) return -1;
    s->hashes = nh;
    s->offs_cap = nc;
  }
  size_t used = s->offs[s->n];
  if (used + len > s->heap_cap) {
    size_t nc = s->heap_cap ? s->heap_cap : 64;
    while (nc < used + len) nc *= 2;
    uint8_t *nh = em_realloc(s->heap, nc);
    if (!nh) return -1;
    s->heap = nh;
    s->heap_cap = nc;
  }
  memcpy(s->heap + used, p, len);
  s->hashes[s->n] = h;
  s->offs[s->n + 1] = (uint32_t)(used + len);
  s->slots[i] = ++s->n;
  return 1;
}

static int valset_union(valset **dst, valset **src) {
  if (!*src) return 0;
  if (!*dst) {
    *dst = *src;
    *src = NULL;
    return 0;
  }
  valset *s = *src;
  for (uint32_t k = 0; k < s->n; k++)
    if (valset_add(*dst, s->heap + s->offs[k], s->offs[k + 1] - s->offs[k], s->hashes[k]) < 0) return -1;
  return 0;
}

static int oom(em_error *err) { return em_error_internal(err, "out of memory in an aggregate"); }

/* Adds row i of the columns (one tuple) to the set of state s. */
static int add_tuple(valset **sp, em_vec *const *cols, int ncols, int64_t i, uint8_t *buf, size_t cap) {
  size_t len = 0;
  for (int c = 0; c < ncols; c++) len += em_rowkey_size(cols[c], i);
  uint8_t *p = len <= cap ? buf : em_malloc(len);
  if (!p) return -1;
  uint8_t *e = p;
  for (int c = 0; c < ncols; c++) e = em_rowkey_write(e, cols[c], i);
  if (!*sp && !(*sp = valset_new())) {
    if (p != buf) em_free(p);
    return -1;
  }
  int rc = valset_add(*sp, p, (uint32_t)len, XXH3_64bits(p, len));
  if (p != buf) em_free(p);
  return rc < 0 ? -1 : 0;
}

static int set_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                      int64_t n, em_error *err) {
  uint8_t buf[256];
  for (int64_t i = 0; i < n; i++) {
    bool ok = true;
    for (int a = 0; a < c->nargs && ok; a++) ok = !em_vec_is_null(args[a], i);
    if (!ok) continue;
    if (add_tuple((valset **)(st + g[i] * stride), args, c->nargs, i, buf, sizeof buf)) return oom(err);
  }
  return 0;
}

static int set_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                     const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  for (int64_t i = 0; i < n; i++)
    if (valset_union((valset **)(dst + g[i] * stride), (valset **)EM_AGG_SRC(src, sstride, rows, i)))
      return oom(err);
  return 0;
}

static void set_destroy(const em_expr *c, uint8_t *s) {
  (void)c;
  valset **sp = (valset **)s;
  valset_free(*sp);
  *sp = NULL;
}

/* ---- collect_set ---- */

static int collect_set_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out,
                              em_error *err) {
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    const valset *s = *(valset *const *)(st + (size_t)i * stride);
    for (uint32_t k = 0; s && k < s->n; k++) {
      const uint8_t *p = s->heap + s->offs[k];
      if (em_rowkey_decode(v->children[0], &p, s->heap + s->offs[k + 1])) goto fail;
    }
    if (em_vec_append_list_end(v)) goto fail;
  }
  *out = v;
  return 0;
fail:
  em_vec_unref(v);
  return oom(err);
}

static const em_agg_def collect_set_def = {sizeof(void *), NULL, set_update, set_merge, collect_set_finish,
                                           set_destroy};

/* ---- collect_list: a vector of the element type per group ---- */

static int list_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                       int64_t n, em_error *err) {
  const em_vec *v = args[0];
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    em_vec **sp = (em_vec **)(st + g[i] * stride);
    if (!*sp && !(*sp = em_vec_new(c->type->u.array.elem, 4))) return oom(err);
    if (em_vec_append_range(*sp, v, i, 1)) return oom(err);
  }
  return 0;
}

static int list_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                      size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  for (int64_t i = 0; i < n; i++) {
    em_vec **s = (em_vec **)EM_AGG_SRC(src, sstride, rows, i);
    em_vec **d = (em_vec **)(dst + g[i] * stride);
    if (!*s) continue;
    if (!*d) {
      *d = *s;
      *s = NULL;
    } else if (em_vec_append_range(*d, *s, 0, (*s)->len)) {
      return oom(err);
    }
  }
  return 0;
}

static int list_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    const em_vec *s = *(em_vec *const *)(st + (size_t)i * stride);
    if ((s && em_vec_append_range(v->children[0], s, 0, s->len)) || em_vec_append_list_end(v)) {
      em_vec_unref(v);
      return oom(err);
    }
  }
  *out = v;
  return 0;
}

static void list_destroy(const em_expr *c, uint8_t *s) {
  (void)c;
  em_vec **sp = (em_vec **)s;
  em_vec_unref(*sp);
  *sp = NULL;
}

static const em_agg_def collect_list_def = {sizeof(void *), NULL, list_update, list_merge, list_finish,
                                            list_destroy};

static int collect_resolve(em_func_call *call, bool set, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  if (!em_agg_cfg_new(call, err)) return -1;
  em_type *t = em_type_array(em_type_ref(call->args[0]->type), false);
  if (!t) return oom(err);
  call->type = t;
  call->type_owned = true;
  call->nullable = false;
  call->agg = set ? &collect_set_def : &collect_list_def;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  /* collect_set is already distinct; collect_list(DISTINCT x) is a set. */
  if (call->distinct) {
    call->agg = &collect_set_def;
  }
  return 0;
}

int em_fn_collect_list(em_func_call *call, em_error *err);
int em_fn_collect_list(em_func_call *call, em_error *err) { return collect_resolve(call, false, err); }
int em_fn_collect_set(em_func_call *call, em_error *err);
int em_fn_collect_set(em_func_call *call, em_error *err) { return collect_resolve(call, true, err); }

/* ---- the DISTINCT adapter ---- */

static int distinct_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out,
                           em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_expr *in = cfg->inner;
  const em_agg_def *d = in->u.fn.agg;
  int na = c->nargs;
  int64_t total = 0;
  for (int64_t i = 0; i < n; i++) {
    const valset *s = *(valset *const *)(st + (size_t)i * stride);
    if (s) total += s->n;
  }
  em_vec **cols = em_calloc((size_t)(na ? na : 1), sizeof *cols);
  uint32_t *groups = em_malloc(sizeof(uint32_t) * (size_t)(total ? total : 1));
  uint8_t *states = em_malloc(d->state_size * (size_t)(n ? n : 1));
  int rc = -1;
  int64_t inited = 0;
  if (!cols || !groups || !states) goto done;
  for (int a = 0; a < na; a++)
    if (!(cols[a] = em_vec_new(c->args[a]->type, total))) goto done;
  int64_t row = 0;
  for (int64_t i = 0; i < n; i++) {
    const valset *s = *(valset *const *)(st + (size_t)i * stride);
    for (uint32_t k = 0; s && k < s->n; k++) {
      const uint8_t *p = s->heap + s->offs[k], *e = s->heap + s->offs[k + 1];
      for (int a = 0; a < na; a++)
        if (em_rowkey_decode(cols[a], &p, e)) goto done;
      groups[row++] = (uint32_t)i;
    }
  }
  for (; inited < n; inited++) {
    uint8_t *x = states + (size_t)inited * d->state_size;
    if (d->init)
      d->init(in, x);
    else
      memset(x, 0, d->state_size);
  }
  if (d->update(in, states, d->state_size, groups, cols, total, err)) goto fail;
  if (d->finish(in, states, d->state_size, n, out, err)) goto fail;
  rc = 0;
  goto cleanup;
done:
  oom(err);
fail:
  rc = -1;
cleanup:
  if (states && d->destroy)
    for (int64_t i = 0; i < inited; i++) d->destroy(in, states + (size_t)i * d->state_size);
  for (int a = 0; cols && a < na; a++) em_vec_unref(cols[a]);
  em_free(cols);
  em_free(groups);
  em_free(states);
  return rc;
}

static const em_agg_def distinct_def = {sizeof(void *), NULL, set_update, set_merge, distinct_finish,
                                        set_destroy};

int em_agg_wrap_distinct(em_func_call *call, em_error *err) {
  if (!call->distinct) return 0;
  em_expr *in = em_arena_calloc(call->arena, sizeof *in);
  em_agg_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!in || !cfg) return oom(err);
  in->kind = EM_EX_AGG;
  in->type = call->type;
  in->nullable = call->nullable;
  in->nargs = call->nargs;
  in->args = call->args;
  in->u.fn.name = call->name;
  in->u.fn.agg = call->agg;
  in->u.fn.data = call->data;
  cfg->inner = in;
  cfg->ansi = call->ansi;
  call->data = cfg;
  call->agg = &distinct_def;
  return 0;
}

/* ---- approx_count_distinct (HyperLogLog++) ---- */

typedef struct hll_cfg {
  em_agg_cfg base;
  int p;
} hll_cfg;

static uint64_t spark_xxh64(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  const uint64_t seed = 42;
  switch (v->type->id) {
  case EM_T_BOOLEAN: {
    int32_t x = em_bit_get(p, i) ? 1 : 0;
    return XXH64(&x, 4, seed);
  }
  case EM_T_BYTE: {
    int32_t x = ((const int8_t *)p)[i];
    return XXH64(&x, 4, seed);
  }
  case EM_T_SHORT: {
    int32_t x = ((const int16_t *)p)[i];
    return XXH64(&x, 4, seed);
  }
  case EM_T_FLOAT: {
    float f = ((const float *)p)[i];
    if (f == 0.0f) f = 0.0f;
    if (f != f) f = __builtin_nanf("");
    return XXH64(&f, 4, seed);
  }
  case EM_T_DOUBLE: {
    double d = ((const double *)p)[i];
    if (d == 0.0) d = 0.0;
    if (d != d) d = __builtin_nan("");
    return XXH64(&d, 8, seed);
  }
  case EM_T_DECIMAL: {
    __int128 x;
    memcpy(&x, (const uint8_t *)p + 16 * i, 16);
    if (v->type->u.dec.precision <= 18) {
      int64_t l = (int64_t)x;
      return XXH64(&l, 8, seed);
    }
    /* Java's BigInteger.toByteArray: minimal big-endian two's complement. */
    uint8_t be[16];
    for (int k = 0; k < 16; k++) be[k] = (uint8_t)(x >> (8 * (15 - k)));
    int s = 0;
    while (s < 15 && ((be[s] == 0 && !(be[s + 1] & 0x80)) || (be[s] == 0xff && (be[s + 1] & 0x80)))) s++;
    return XXH64(be + s, (size_t)(16 - s), seed);
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    return XXH64(s, (size_t)len, seed);
  }
  default: {
    int w = em_type_fixed_width(v->type);
    if (w == 4 || w == 8) return XXH64((const uint8_t *)p + (size_t)i * (size_t)w, (size_t)w, seed);
    size_t n = em_rowkey_size(v, i);
    uint8_t buf[512];
    uint8_t *b = n <= sizeof buf ? buf : em_malloc(n);
    if (!b) return 0;
    em_rowkey_write(b, v, i);
    uint64_t h = XXH64(b, n, seed);
    if (b != buf) em_free(b);
    return h;
  }
  }
}

static int hll_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                      int64_t n, em_error *err) {
  const hll_cfg *cfg = c->u.fn.data;
  int p = cfg->p;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    uint8_t **sp = (uint8_t **)(st + g[i] * stride);
    if (!*sp && !(*sp = em_calloc((size_t)1 << p, 1))) return oom(err);
    uint64_t h = spark_xxh64(v, i);
    uint64_t idx = h >> (64 - p);
    uint64_t w = (h << p) | ((uint64_t)1 << (p - 1));
    uint8_t pw = (uint8_t)(__builtin_clzll(w) + 1);
    if (pw > (*sp)[idx]) (*sp)[idx] = pw;
  }
  return 0;
}

static int hll_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                     const uint32_t *rows, int64_t n, em_error *err) {
  (void)err;
  const hll_cfg *cfg = c->u.fn.data;
  size_t m = (size_t)1 << cfg->p;
  for (int64_t i = 0; i < n; i++) {
    uint8_t **s = (uint8_t **)EM_AGG_SRC(src, sstride, rows, i);
    uint8_t **d = (uint8_t **)(dst + g[i] * stride);
    if (!*s) continue;
    if (!*d) {
      *d = *s;
      *s = NULL;
      continue;
    }
    for (size_t k = 0; k < m; k++)
      if ((*s)[k] > (*d)[k]) (*d)[k] = (*s)[k];
  }
  return 0;
}

static const double hll_thresholds[] = {10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000,
                                        120000, 350000};

static int hll_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const hll_cfg *cfg = c->u.fn.data;
  int p = cfg->p;
  double m = (double)((int64_t)1 << p);
  double alpha = p == 4 ? 0.673 : p == 5 ? 0.697 : p == 6 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  em_vec *v = em_vec_new(em_type_long(), n);
  if (!v) return oom(err);
  int64_t *d = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) {
    const uint8_t *r = *(uint8_t *const *)(st + (size_t)i * stride);
    if (!r) {
      d[i] = 0;
      continue;
    }
    double zinv = 0, zeros = 0;
    for (int64_t k = 0; k < (int64_t)m; k++) {
      zinv += 1.0 / (double)((uint64_t)1 << r[k]);
      if (!r[k]) zeros++;
    }
    double e = alpha * m * m / zinv;
    double est = e;
    if (zeros > 0) {
      double h = m * log(m / zeros);
      if ((p < 19 && h <= hll_thresholds[p - 4]) || e <= 2.5 * m) est = h;
    }
    d[i] = llround(est);
  }
  v->len = n;
  v->values->len = (size_t)n * 8;
  *out = v;
  return 0;
}

static void hll_destroy(const em_expr *c, uint8_t *s) {
  (void)c;
  uint8_t **sp = (uint8_t **)s;
  em_free(*sp);
  *sp = NULL;
}

static const em_agg_def hll_def = {sizeof(void *), NULL, hll_update, hll_merge, hll_finish, hll_destroy};

int em_agg_hll_precision(const em_expr *e) {
  return e->kind == EM_EX_AGG && e->u.fn.agg == &hll_def && e->u.fn.data ? ((const hll_cfg *)e->u.fn.data)->p : 0;
}

int em_fn_approx_count_distinct(em_func_call *call, em_error *err);
int em_fn_approx_count_distinct(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 1, 2, err)) return -1;
  double rsd = 0.05;
  if (call->nargs == 2) {
    const em_expr *a = call->args[1];
    if (a->kind != EM_EX_LITERAL || em_vec_is_null(a->u.lit, 0) || !em_type_is_numeric(a->type))
      return em_agg_type_error(call, 1, "\"DOUBLE\"", err);
    rsd = em_agg_num_as_double(a->u.lit, 0);
  }
  hll_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return oom(err);
  cfg->base.ansi = call->ansi;
  cfg->p = (int)ceil(2.0 * log(1.106 / rsd) / log(2.0));
  if (cfg->p < 4) cfg->p = 4;
  if (cfg->p > 18) cfg->p = 18;
  call->data = cfg;
  call->type = em_type_long();
  call->nullable = false;
  call->agg = &hll_def;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  call->nargs = 1;
  return 0;
}
