/*
 * count, count_if, sum, avg, bool_and/every, bool_or/any/some.
 *
 * Result types and nullability are Spark's (recorded in
 * tests/client/expected/aggregate.json): count and count_if are bigint NOT
 * NULL; sum is bigint for integral input, double for floating point,
 * decimal(min(38, p + 10), s) for decimals, NULL without input; avg is
 * double, or decimal(p + 4, s + 4) bounded to 38 for decimals.
 *
 * Integral sums follow Spark's ANSI mode: a long overflow raises
 * ARITHMETIC_OVERFLOW (legacy mode wraps, like Java's long). Decimal sums
 * keep 128 bits and raise NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION when
 * the result does not fit its precision (legacy mode: NULL). Floating
 * point and integral averages sum in double, as Spark's Average does.
 *
 * Update loops are written once per source type with X-macros.
 */
#include "agg_fn.h"

#include <stdio.h>
#include <string.h>

/* The integral source types: (suffix, C type). */
#define EM_INTEGRAL_TYPES(X) X(BYTE, int8_t) X(SHORT, int16_t) X(INT, int32_t) X(LONG, int64_t)

/* ---- count ---- */

static int count_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                        int64_t n, em_error *err) {
  (void)err;
  bool all_valid = true;
  for (int a = 0; a < c->nargs; a++) {
    if (args[a]->len != n && n > 0) {
      /* A literal (em_agg_scalar_args): a NULL one leaves every row uncounted. */
      if (args[a]->type->id == EM_T_NULL || em_vec_is_null(args[a], 0)) return 0;
      continue;
    }
    if (args[a]->type->id == EM_T_NULL || (args[a]->validity && args[a]->null_count)) all_valid = false;
  }
  if (all_valid) {
    /* Runs of one group count at once. */
    int64_t i = 0;
    while (i < n) {
      uint32_t grp = g[i];
      int64_t j = em_agg_run_end(g, i, n);
      *(int64_t *)(st + grp * stride) += j - i;
      i = j;
    }
    return 0;
  }
  for (int64_t i = 0; i < n; i++) {
    bool ok = true;
    for (int a = 0; a < c->nargs && ok; a++) ok = !em_vec_is_null(args[a], i);
    if (ok) (*(int64_t *)(st + g[i] * stride))++;
  }
  return 0;
}

static int count_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                       size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  (void)err;
  for (int64_t i = 0; i < n; i++)
    *(int64_t *)(dst + g[i] * stride) += *(const int64_t *)EM_AGG_SRC(src, sstride, rows, i);
  return 0;
}

static int count_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  (void)c;
  em_vec *v = em_vec_new(em_type_long(), n);
  if (!v) return em_error_internal(err, "out of memory");
  int64_t *d = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) d[i] = *(const int64_t *)(st + (size_t)i * stride);
  v->len = n;
  v->values->len = (size_t)n * 8;
  *out = v;
  return 0;
}

static const em_agg_def count_def = {8, NULL, count_update, count_merge, count_finish, NULL};

bool em_agg_scalar_args(const em_agg_def *d) { return d == &count_def; }

int em_fn_count(em_func_call *call, em_error *err);
int em_fn_count(em_func_call *call, em_error *err) {
  if (call->nargs < 1) return em_agg_check_nargs(call, 1, 1 << 20, err);
  call->type = em_type_long();
  call->nullable = false;
  call->agg = &count_def;
  if (!em_agg_cfg_new(call, err)) return -1;
  if (em_agg_name(call, "count", call->nargs, err)) return -1;
  return em_agg_wrap_distinct(call, err);
}

/* count_if(cond): rows where cond is true. */
static int count_if_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                           int64_t n, em_error *err) {
  (void)c;
  (void)err;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const uint8_t *b = em_vec_values(v);
  for (int64_t i = 0; i < n; i++)
    if (em_bit_get(b, i) && !em_vec_is_null(v, i)) (*(int64_t *)(st + g[i] * stride))++;
  return 0;
}

static const em_agg_def count_if_def = {8, NULL, count_if_update, count_merge, count_finish, NULL};

int em_fn_count_if(em_func_call *call, em_error *err);
int em_fn_count_if(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  if (call->args[0]->type->id != EM_T_BOOLEAN && call->args[0]->type->id != EM_T_NULL)
    return em_agg_type_error(call, 0, "\"BOOLEAN\"", err);
  call->type = em_type_long();
  call->nullable = false;
  call->agg = &count_if_def;
  if (!em_agg_cfg_new(call, err) || em_agg_name(call, "count_if", 1, err)) return -1;
  return em_agg_wrap_distinct(call, err);
}

/* ---- sum ---- */

typedef struct sum_long {
  int64_t sum;
  uint8_t has;
} sum_long;

typedef struct sum_double {
  double sum;
  int64_t count;
} sum_double;

typedef struct sum_dec {
  __int128 sum;
  int64_t count;
  uint8_t overflow;
} sum_dec;

/* Spark raises aggregate overflows with an empty SQL query context. */
static int overflow_error(em_error *err) {
  em_error_set(err, EM_ERR_ARITHMETIC_OVERFLOW, "message", "overflow", "alternative",
               " Use 'try_add' to tolerate overflow and return NULL instead.", "config", "\"spark.sql.ansi.enabled\"",
               NULL);
  em_error_set_sql_context(err, "");
  return -1;
}

static int sum_long_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                           int64_t n, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const bool nulls = v->validity && v->null_count;
  const void *p = em_vec_values(v);
  switch (v->type->id) {
#define X(ID, CT)                                                                   \
  case EM_T_##ID:                                                                   \
    for (int64_t i = 0; i < n; i++) {                                               \
      if (nulls && !em_bit_get(v->validity->data, i)) continue;                     \
      sum_long *s = (sum_long *)(st + g[i] * stride);                               \
      int64_t x = ((const CT *)p)[i];                                               \
      if (__builtin_add_overflow(s->sum, x, &s->sum) && cfg->ansi) return overflow_error(err); \
      s->has = 1;                                                                   \
    }                                                                               \
    break;
    EM_INTEGRAL_TYPES(X)
#undef X
  default: return em_error_internal(err, "sum over an unexpected type");
  }
  return 0;
}

static int sum_long_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                          size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    const sum_long *s = (const sum_long *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->has) continue;
    sum_long *d = (sum_long *)(dst + g[i] * stride);
    if (__builtin_add_overflow(d->sum, s->sum, &d->sum) && cfg->ansi) return overflow_error(err);
    d->has = 1;
  }
  return 0;
}

static int sum_long_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out,
                           em_error *err) {
  (void)c;
  em_vec *v = em_vec_new(em_type_long(), n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const sum_long *s = (const sum_long *)(st + (size_t)i * stride);
    if ((s->has ? em_vec_append_fixed(v, &s->sum) : em_vec_append_null(v))) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def sum_long_def = {sizeof(sum_long), NULL, sum_long_update, sum_long_merge,
                                        sum_long_finish, NULL};

/* Double sums (sum of float/double) and averages of non-decimals share a
 * state: the running double sum and the count of values. */
static int sum_double_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                             int64_t n, em_error *err) {
  (void)c;
  (void)err;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const bool nulls = v->validity && v->null_count;
  const void *p = em_vec_values(v);
  switch (v->type->id) {
#define X(ID, CT)                                                   \
  case EM_T_##ID:                                                   \
    for (int64_t i = 0; i < n; i++) {                               \
      if (nulls && !em_bit_get(v->validity->data, i)) continue;     \
      sum_double *s = (sum_double *)(st + g[i] * stride);           \
      s->sum += (double)((const CT *)p)[i];                         \
      s->count++;                                                   \
    }                                                               \
    break;
    EM_INTEGRAL_TYPES(X)
    X(FLOAT, float)
    X(DOUBLE, double)
#undef X
  default:
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(v, i)) continue;
      sum_double *s = (sum_double *)(st + g[i] * stride);
      s->sum += em_agg_num_as_double(v, i);
      s->count++;
    }
  }
  return 0;
}

static int sum_double_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                            size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  (void)err;
  for (int64_t i = 0; i < n; i++) {
    const sum_double *s = (const sum_double *)EM_AGG_SRC(src, sstride, rows, i);
    sum_double *d = (sum_double *)(dst + g[i] * stride);
    d->sum += s->sum;
    d->count += s->count;
  }
  return 0;
}

/* kind 0: the sum; kind 1: the average. */
static int sum_double_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out,
                             em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(em_type_double(), n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const sum_double *s = (const sum_double *)(st + (size_t)i * stride);
    double x = cfg->kind == 1 && s->count ? s->sum / (double)s->count : s->sum;
    if ((s->count ? em_vec_append_fixed(v, &x) : em_vec_append_null(v))) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def sum_double_def = {sizeof(sum_double), NULL, sum_double_update, sum_double_merge,
                                          sum_double_finish, NULL};

/* Decimal sums in 64-bit words: a chunk of at most SUM_DEC_CHUNK values
 * that all lie in [-2^55, 2^55) (every decimal of precision 16 or less)
 * sums exactly in an int64, with no overflow test per value. Decided per
 * chunk: false (and nothing summed) when a value is wider. */
enum { SUM_DEC_CHUNK = 256 };

static bool sum_dec_narrow(const uint8_t *p, int64_t k0, int64_t k1, __int128 *out) {
  /* Two values a step in vectors of two words: their low words L and
   * high words H. Narrow: H is L's sign (H + (L >> 63) == 0, unsigned
   * shift) and L + 2^55 < 2^56. */
  typedef uint64_t v2 __attribute__((vector_size(16)));
  const v2 bias = {UINT64_C(1) << 55, UINT64_C(1) << 55};
  v2 acc = {0, 0}, wide = {0, 0};
  int64_t k = k0;
  for (; k + 2 <= k1; k += 2) {
    v2 a, b;
    memcpy(&a, p + 16 * k, 16);
    memcpy(&b, p + 16 * k + 16, 16);
    v2 L = __builtin_shufflevector(a, b, 0, 2), H = __builtin_shufflevector(a, b, 1, 3);
    acc += L;
    wide |= (H + (L >> 63)) | ((L + bias) >> 56);
  }
  uint64_t s = acc[0] + acc[1], w = wide[0] | wide[1];
  for (; k < k1; k++) {
    uint64_t lo, hi;
    memcpy(&lo, p + 16 * k, 8);
    memcpy(&hi, p + 16 * k + 8, 8);
    w |= (hi + (lo >> 63)) | ((lo + (UINT64_C(1) << 55)) >> 56);
    s += lo;
  }
  if (w) return false;
  *out = (int64_t)s;
  return true;
}

static int sum_dec_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                          int64_t n, em_error *err) {
  (void)c;
  (void)err;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const bool nulls = v->validity && v->null_count;
  const uint8_t *p = em_vec_values(v);
  /* Runs of rows of one group (all rows, without grouping keys) add in
   * registers: the same additions in the same order as one state update
   * per row, without a store and reload of the state per row. */
  int64_t i = 0;
  while (i < n) {
    uint32_t grp = g[i];
    sum_dec *s = (sum_dec *)(st + grp * stride);
    __int128 acc = s->sum;
    int64_t cnt = 0;
    bool ovf = false;
    if (nulls) {
      for (; i < n && g[i] == grp; i++) {
        if (!em_bit_get(v->validity->data, i)) continue;
        __int128 x;
        memcpy(&x, p + 16 * i, 16);
        ovf |= __builtin_add_overflow(acc, x, &acc);
        cnt++;
      }
    } else {
      int64_t j = em_agg_run_end(g, i, n);
      for (int64_t k0 = i; k0 < j; k0 += SUM_DEC_CHUNK) {
        int64_t k1 = j - k0 < SUM_DEC_CHUNK ? j : k0 + SUM_DEC_CHUNK;
        __int128 part;
        if (sum_dec_narrow(p, k0, k1, &part)) {
          ovf |= __builtin_add_overflow(acc, part, &acc);
          continue;
        }
        for (int64_t k = k0; k < k1; k++) {
          __int128 x;
          memcpy(&x, p + 16 * k, 16);
          ovf |= __builtin_add_overflow(acc, x, &acc);
        }
      }
      cnt = j - i;
      i = j;
    }
    s->sum = acc;
    s->count += cnt;
    if (ovf) s->overflow = 1;
  }
  return 0;
}

static int sum_dec_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                         size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  (void)err;
  for (int64_t i = 0; i < n; i++) {
    const sum_dec *s = (const sum_dec *)EM_AGG_SRC(src, sstride, rows, i);
    sum_dec *d = (sum_dec *)(dst + g[i] * stride);
    if (__builtin_add_overflow(d->sum, s->sum, &d->sum) || s->overflow) d->overflow = 1;
    d->count += s->count;
  }
  return 0;
}

static int dec_range_error(__int128 v, int precision, int scale, em_error *err) {
  char val[64], p[8], s[8];
  em_dec128_str(v, scale, val, sizeof val);
  snprintf(p, sizeof p, "%d", precision);
  snprintf(s, sizeof s, "%d", scale);
  em_error_set(err, EM_ERR_NUMERIC_VALUE_OUT_OF_RANGE_WITH_SUGGESTION, "value", val, "precision", p, "scale", s,
               "config", "\"spark.sql.ansi.enabled\"", NULL);
  em_error_set_sql_context(err, "");
  return -1;
}

/* Divides with HALF_UP rounding. */
static __int128 div_half_up(__int128 a, __int128 b) {
  __int128 q = a / b, r = a % b;
  if (r < 0) r = -r;
  if (2 * r >= (b < 0 ? -b : b)) q += (a < 0) != (b < 0) ? -1 : 1;
  return q;
}

/* kind 0: sum; kind 1: average (scale grows by out_scale - scale). */
static int sum_dec_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out,
                          em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return em_error_internal(err, "out of memory");
  __int128 lim = em_pow10_128(cfg->out_precision);
  for (int64_t i = 0; i < n; i++) {
    const sum_dec *s = (const sum_dec *)(st + (size_t)i * stride);
    int rc;
    if (!s->count) {
      rc = em_vec_append_null(v);
    } else {
      __int128 x = s->sum;
      bool bad = s->overflow;
      if (!bad && cfg->kind == 1) {
        __int128 m = em_pow10_128(cfg->out_scale - cfg->scale), y;
        if (__builtin_mul_overflow(x, m, &y))
          bad = true;
        else
          x = div_half_up(y, s->count);
      }
      if (!bad && (x >= lim || x <= -lim)) bad = true;
      if (bad && cfg->ansi) {
        em_vec_unref(v);
        return dec_range_error(x, cfg->out_precision, cfg->out_scale, err);
      }
      rc = bad ? em_vec_append_null(v) : em_vec_append_fixed(v, &x);
    }
    if (rc) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def sum_dec_def = {sizeof(sum_dec), NULL, sum_dec_update, sum_dec_merge, sum_dec_finish,
                                       NULL};

/* sum and avg accept numbers; strings are cast to double (Spark's implicit
 * cast, which raises CAST_INVALID_INPUT on bad text under ANSI). */
static int numeric_arg(em_func_call *call, em_error *err) {
  em_expr *a = call->args[0];
  if (a->type->id == EM_T_STRING || a->type->id == EM_T_NULL) {
    em_expr *c = em_expr_cast(call->arena, a, em_type_double(), call->ansi);
    if (!c) return em_error_internal(err, "out of memory");
    c->nullable = true;
    call->args[0] = c;
    return 0;
  }
  if (!em_type_is_numeric(a->type)) return em_agg_type_error(call, 0, "\"NUMERIC\" or \"ANSI INTERVAL\"", err);
  return 0;
}

static int sum_avg_resolve(em_func_call *call, bool avg, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  /* Name before the implicit cast: Spark shows the argument as written. */
  if (em_agg_name(call, avg ? "avg" : "sum", 1, err)) return -1;
  if (numeric_arg(call, err)) return -1;
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = avg ? 1 : 0;
  const em_type *t = call->args[0]->type;
  call->nullable = true;
  if (t->id == EM_T_DECIMAL) {
    int p = t->u.dec.precision, s = t->u.dec.scale;
    cfg->scale = s;
    if (avg) {
      cfg->out_precision = p + 4 > 38 ? 38 : p + 4;
      cfg->out_scale = s + 4 > 38 ? 38 : s + 4;
    } else {
      cfg->out_precision = p + 10 > 38 ? 38 : p + 10;
      cfg->out_scale = s;
    }
    em_type *rt = em_type_decimal(cfg->out_precision, cfg->out_scale);
    if (!rt) return em_error_internal(err, "out of memory");
    call->type = rt;
    call->type_owned = true;
    call->agg = &sum_dec_def;
  } else if (!avg && em_type_is_integral(t)) {
    call->type = em_type_long();
    call->agg = &sum_long_def;
  } else {
    call->type = em_type_double();
    call->agg = &sum_double_def;
  }
  return em_agg_wrap_distinct(call, err);
}

int em_fn_sum(em_func_call *call, em_error *err);
int em_fn_sum(em_func_call *call, em_error *err) { return sum_avg_resolve(call, false, err); }
int em_fn_avg(em_func_call *call, em_error *err);
int em_fn_avg(em_func_call *call, em_error *err) {
  int rc = sum_avg_resolve(call, true, err);
  /* mean() is avg() under another name, and Spark names it avg(x). */
  return rc;
}

/* ---- bool_and / bool_or ---- */

typedef struct bool_state {
  uint8_t has, val;
} bool_state;

static int bool_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                       int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const uint8_t *b = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    bool_state *s = (bool_state *)(st + g[i] * stride);
    uint8_t x = em_bit_get(b, i);
    s->val = s->has ? (cfg->kind ? (s->val | x) : (s->val & x)) : x;
    s->has = 1;
  }
  return 0;
}

static int bool_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                      const uint32_t *rows, int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    const bool_state *s = (const bool_state *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->has) continue;
    bool_state *d = (bool_state *)(dst + g[i] * stride);
    d->val = d->has ? (cfg->kind ? (d->val | s->val) : (d->val & s->val)) : s->val;
    d->has = 1;
  }
  return 0;
}

static int bool_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  (void)c;
  em_vec *v = em_vec_new(em_type_boolean(), n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const bool_state *s = (const bool_state *)(st + (size_t)i * stride);
    if (s->has ? em_vec_append_bool(v, s->val) : em_vec_append_null(v)) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def bool_def = {sizeof(bool_state), NULL, bool_update, bool_merge, bool_finish, NULL};

static int bool_resolve(em_func_call *call, int kind, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  if (call->args[0]->type->id != EM_T_BOOLEAN && call->args[0]->type->id != EM_T_NULL)
    return em_agg_type_error(call, 0, "\"BOOLEAN\"", err);
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = kind;
  call->type = em_type_boolean();
  call->nullable = true;
  call->agg = &bool_def;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  return em_agg_wrap_distinct(call, err);
}

int em_fn_bool_and(em_func_call *call, em_error *err);
int em_fn_bool_and(em_func_call *call, em_error *err) { return bool_resolve(call, 0, err); }
int em_fn_bool_or(em_func_call *call, em_error *err);
int em_fn_bool_or(em_func_call *call, em_error *err) { return bool_resolve(call, 1, err); }
