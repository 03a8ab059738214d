/*
 * `v IN (c1, c2, ...)` over a list of constants: a hash set of the list's
 * values instead of one comparison per item and row. An uncorrelated IN
 * subquery becomes such a list (plan/resolve_sql.c), thousands of values
 * long in TPC-H Q20, where comparing every row with every item costs
 * seconds.
 *
 * Used for integral, date, timestamp and string values (after IN's type
 * coercion; floats and decimals keep the general kernel, whose equality
 * rules for NaN, -0.0 and scales it would have to repeat). Results are the
 * general kernel's: TRUE when the value is in the set; otherwise NULL when
 * the value is NULL or the list has a NULL, else FALSE (a NULL value with
 * an empty list is FALSE under ANSI, as there).
 */
#include "expr_int.h"

#include <string.h>

#define MIN_ITEMS 4

static bool set_type(const em_type *t) {
  switch (t->id) {
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_LONG:
  case EM_T_DATE:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_STRING: return true;
  default: return false;
  }
}

static bool constant(const em_expr *x) {
  while (x->kind == EM_EX_CAST && x->nargs == 1) x = x->args[0];
  return x->kind == EM_EX_LITERAL;
}

static int64_t int_at(const em_vec *v, int64_t i) {
  switch (v->type->id) {
  case EM_T_BYTE: return ((const int8_t *)em_vec_values(v))[i];
  case EM_T_SHORT: return ((const int16_t *)em_vec_values(v))[i];
  case EM_T_INT:
  case EM_T_DATE: return ((const int32_t *)em_vec_values(v))[i];
  default: return ((const int64_t *)em_vec_values(v))[i];
  }
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= UINT64_C(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

static uint64_t str_hash(const char *s, int32_t n) {
  uint64_t h = UINT64_C(1469598103934665603);
  for (int32_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * UINT64_C(1099511628211);
  return mix(h);
}

typedef struct set {
  size_t mask;
  uint8_t *used;
  int64_t *ints;
  const char **strs;
  int32_t *lens;
  bool is_str;
} set;

static bool set_has(const set *s, const em_vec *v, int64_t i) {
  if (!s->is_str) {
    int64_t k = int_at(v, i);
    for (size_t p = mix((uint64_t)k) & s->mask;; p = (p + 1) & s->mask) {
      if (!s->used[p]) return false;
      if (s->ints[p] == k) return true;
    }
  }
  int32_t n;
  const char *str = em_vec_str(v, i, &n);
  for (size_t p = str_hash(str, n) & s->mask;; p = (p + 1) & s->mask) {
    if (!s->used[p]) return false;
    if (s->lens[p] == n && (n == 0 || memcmp(s->strs[p], str, (size_t)n) == 0)) return true;
  }
}

static void set_add(set *s, const em_vec *v, int64_t i) {
  if (!s->is_str) {
    int64_t k = int_at(v, i);
    size_t p = mix((uint64_t)k) & s->mask;
    for (; s->used[p]; p = (p + 1) & s->mask)
      if (s->ints[p] == k) return;
    s->used[p] = 1;
    s->ints[p] = k;
    return;
  }
  int32_t n;
  const char *str = em_vec_str(v, i, &n);
  size_t p = str_hash(str, n) & s->mask;
  for (; s->used[p]; p = (p + 1) & s->mask)
    if (s->lens[p] == n && (n == 0 || memcmp(s->strs[p], str, (size_t)n) == 0)) return;
  s->used[p] = 1;
  s->strs[p] = str;
  s->lens[p] = n;
}

static int in_set_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  int nitems = e->nargs - 1;
  if (n == 0) { /* no rows: the arguments may have none either */
    *out = em_fn_result(e->type, 0, NULL, 0);
    return *out ? 0 : em_error_internal(err, "out of memory");
  }
  set s;
  memset(&s, 0, sizeof s);
  s.is_str = args[0]->type->id == EM_T_STRING;
  size_t cap = 16;
  while (cap < (size_t)nitems * 2) cap *= 2;
  s.mask = cap - 1;
  s.used = em_calloc(cap, 1);
  if (s.is_str) {
    s.strs = em_malloc(sizeof *s.strs * cap);
    s.lens = em_malloc(sizeof *s.lens * cap);
  } else {
    s.ints = em_malloc(sizeof *s.ints * cap);
  }
  em_vec *val = NULL, *r = NULL;
  int rc = -1;
  if (!s.used || (s.is_str ? !s.strs || !s.lens : !s.ints)) goto oom;
  bool list_null = false;
  for (int k = 1; k < e->nargs; k++) {
    /* A constant argument arrives as one row (eval.c). */
    if (em_vec_is_null(args[k], 0)) list_null = true;
    else set_add(&s, args[k], 0);
  }
  if (args[0]->len != n) {
    if (em_fn_expand_scalars(args, 1, n, &val)) goto oom;
  } else {
    val = em_vec_ref(args[0]);
  }
  if (!(r = em_fn_result(e->type, n, NULL, 0))) goto oom;
  uint8_t *bits = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    bool vnull = em_vec_is_null(val, i);
    if (!vnull && set_has(&s, val, i)) {
      em_bit_set(bits, i);
      continue;
    }
    bool null = list_null || (vnull && (nitems > 0 || !fi->ansi));
    if (null && em_fn_set_null(r, i)) goto oom;
  }
  em_fn_finish(r, n);
  *out = r;
  r = NULL;
  rc = 0;
  goto done;
oom:
  em_error_internal(err, "out of memory");
done:
  if (r) em_vec_unref(r);
  if (val) em_vec_unref(val);
  em_free(s.used);
  em_free(s.ints);
  em_free((void *)s.strs);
  em_free(s.lens);
  return rc;
}

bool em_fn_is_in_set_kernel(em_kernel_fn k) { return k == in_set_kernel; }

void em_fn_in_use_set(em_func_call *call) {
  if (call->nargs - 1 < MIN_ITEMS || !set_type(call->args[0]->type)) return;
  for (int i = 1; i < call->nargs; i++)
    if (!constant(call->args[i]) || call->args[i]->type->id != call->args[0]->type->id) return;
  call->kernel = in_set_kernel;
}
