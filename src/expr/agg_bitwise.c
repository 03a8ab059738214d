/*
 * bit_and, bit_or, bit_xor: the bitwise AND / OR / XOR of the non-NULL
 * values of an integral column, of the column's type; NULL for a group
 * without one.
 */
#include "agg_fn.h"

enum { K_AND, K_OR, K_XOR };

typedef struct bits_state {
  int64_t val;
  uint8_t has;
} bits_state;

static int64_t combine(int kind, int64_t a, int64_t b) {
  return kind == K_AND ? (a & b) : kind == K_OR ? (a | b) : (a ^ b);
}

static int64_t get_int(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: return ((const int8_t *)p)[i];
  case EM_T_SHORT: return ((const int16_t *)p)[i];
  case EM_T_INT: return ((const int32_t *)p)[i];
  default: return ((const int64_t *)p)[i];
  }
}

static int bits_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                       int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    bits_state *s = (bits_state *)(st + g[i] * stride);
    int64_t x = get_int(v, i);
    s->val = s->has ? combine(cfg->kind, s->val, x) : x;
    s->has = 1;
  }
  return 0;
}

static int bits_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                      const uint32_t *rows, int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    const bits_state *s = (const bits_state *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->has) continue;
    bits_state *d = (bits_state *)(dst + g[i] * stride);
    d->val = d->has ? combine(cfg->kind, d->val, s->val) : s->val;
    d->has = 1;
  }
  return 0;
}

static int bits_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const bits_state *s = (const bits_state *)(st + (size_t)i * stride);
    int rc;
    if (!s->has) {
      rc = em_vec_append_null(v);
    } else {
      int8_t b = (int8_t)s->val;
      int16_t h = (int16_t)s->val;
      int32_t w = (int32_t)s->val;
      const void *p = c->type->id == EM_T_BYTE ? (const void *)&b
                    : c->type->id == EM_T_SHORT ? (const void *)&h
                    : c->type->id == EM_T_INT ? (const void *)&w : (const void *)&s->val;
      rc = em_vec_append_fixed(v, p);
    }
    if (rc) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def bits_def = {sizeof(bits_state), NULL, bits_update, bits_merge, bits_finish, NULL};

static int bits_resolve(em_func_call *call, int kind, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  em_type *t = call->args[0]->type;
  if (t->id == EM_T_NULL || em_type_is_string_like(t)) {
    if (em_coerce_arg(call, 0, em_type_long(), err)) return -1;
  } else if (!em_type_is_integral(t)) {
    return em_agg_type_error(call, 0, "\"INTEGRAL\"", err);
  }
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = kind;
  call->type = call->args[0]->type;
  call->nullable = true;
  call->agg = &bits_def;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  return em_agg_wrap_distinct(call, err);
}

int em_fn_bit_and_agg(em_func_call *call, em_error *err);
int em_fn_bit_or_agg(em_func_call *call, em_error *err);
int em_fn_bit_xor_agg(em_func_call *call, em_error *err);
int em_fn_bit_and_agg(em_func_call *call, em_error *err) { return bits_resolve(call, K_AND, err); }
int em_fn_bit_or_agg(em_func_call *call, em_error *err) { return bits_resolve(call, K_OR, err); }
int em_fn_bit_xor_agg(em_func_call *call, em_error *err) { return bits_resolve(call, K_XOR, err); }
