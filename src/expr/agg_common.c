/*
 * Helpers shared by the aggregate functions (agg_fn.h): naming, argument
 * checks, numeric reads and the any-type value holder.
 */
#include "agg_fn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int em_agg_name(em_func_call *call, const char *name, int nshown, em_error *err) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "%s(%s", name, call->distinct ? "DISTINCT " : "");
  for (int i = 0; i < nshown && i < call->nargs; i++)
    em_strbuf_printf(&sb, "%s%s", i ? ", " : "", call->arg_sql[i] ? call->arg_sql[i] : "");
  em_strbuf_putc(&sb, ')');
  call->sql = sb.oom ? NULL : em_arena_strdup(call->arena, sb.data);
  em_strbuf_free(&sb);
  return call->sql ? 0 : em_error_internal(err, "out of memory");
}

em_agg_cfg *em_agg_cfg_new(em_func_call *call, em_error *err) {
  em_agg_cfg *c = em_arena_calloc(call->arena, sizeof *c);
  if (!c) return em_error_internal(err, "out of memory"), NULL;
  c->ansi = call->ansi;
  call->data = c;
  return c;
}

int em_agg_check_nargs(em_func_call *call, int lo, int hi, em_error *err) {
  if (call->nargs >= lo && call->nargs <= hi) return 0;
  char fn[96], exp[32], act[16];
  snprintf(fn, sizeof fn, "`%s`", call->name);
  if (lo == hi)
    snprintf(exp, sizeof exp, "%d", lo);
  else
    snprintf(exp, sizeof exp, "[%d, %d]", lo, hi);
  snprintf(act, sizeof act, "%d", call->nargs);
  return em_error_set(err, EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION, "functionName", fn, "expectedNum", exp, "actualNum", act,
                      "docroot", "https://spark.apache.org/docs/latest", NULL);
}

int em_agg_type_error(em_func_call *call, int idx, const char *required, em_error *err) {
  static const char *ord[] = {"first", "second", "third", "fourth", "fifth"};
  em_strbuf sql, isql, ity;
  em_strbuf_init(&sql);
  em_strbuf_init(&isql);
  em_strbuf_init(&ity);
  em_strbuf_putc(&sql, '"');
  em_strbuf_printf(&sql, "%s(", call->name);
  for (int i = 0; i < call->nargs; i++) em_strbuf_printf(&sql, "%s%s", i ? ", " : "", call->arg_sql[i]);
  em_strbuf_puts(&sql, ")\"");
  em_strbuf_printf(&isql, "\"%s\"", call->arg_sql[idx]);
  em_strbuf_putc(&ity, '"');
  em_type_sql(call->args[idx]->type, &ity);
  em_strbuf_putc(&ity, '"');
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr", sql.data ? sql.data : "", "paramIndex",
               idx < 5 ? ord[idx] : "", "inputSql", isql.data ? isql.data : "", "inputType",
               ity.data ? ity.data : "", "requiredType", required, NULL);
  em_strbuf_free(&sql);
  em_strbuf_free(&isql);
  em_strbuf_free(&ity);
  return -1;
}

int em_agg_bool_literal(em_func_call *call, int idx, bool *out, em_error *err) {
  *out = false;
  if (idx >= call->nargs) return 0;
  const em_expr *a = call->args[idx];
  if (a->kind != EM_EX_LITERAL || a->type->id != EM_T_BOOLEAN || em_vec_is_null(a->u.lit, 0))
    return em_agg_type_error(call, idx, "\"BOOLEAN\"", err);
  *out = em_bit_get(em_vec_values(a->u.lit), 0);
  return 0;
}

__int128 em_pow10_128(int k) {
  __int128 r = 1;
  for (int i = 0; i < k; i++) r *= 10;
  return r;
}

void em_dec128_str(__int128 v, int scale, char *buf, size_t cap) {
  char tmp[64];
  int n = 0;
  bool neg = v < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
  do {
    tmp[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  while (n <= scale) tmp[n++] = '0';
  size_t o = 0;
  if (neg && o + 1 < cap) buf[o++] = '-';
  for (int i = n - 1; i >= 0 && o + 2 < cap; i--) {
    buf[o++] = tmp[i];
    if (i == scale && scale > 0) buf[o++] = '.';
  }
  buf[o] = '\0';
}

double em_agg_num_as_double(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: return em_bit_get(p, i) ? 1.0 : 0.0;
  case EM_T_BYTE: return ((const int8_t *)p)[i];
  case EM_T_SHORT: return ((const int16_t *)p)[i];
  case EM_T_INT: return ((const int32_t *)p)[i];
  case EM_T_LONG: return (double)((const int64_t *)p)[i];
  case EM_T_FLOAT: return ((const float *)p)[i];
  case EM_T_DOUBLE: return ((const double *)p)[i];
  case EM_T_DECIMAL: {
    __int128 x;
    memcpy(&x, (const uint8_t *)p + 16 * i, 16);
    /* Exact for |x| < 2^53; otherwise long double keeps 64 bits. */
    return (double)((long double)x / (long double)em_pow10_128(v->type->u.dec.scale));
  }
  default: return 0;
  }
}

/* ---- the value holder ---- */

void em_aggval_free(em_aggval *s) {
  if (s->heap) em_free(s->u.bytes);
  memset(s, 0, sizeof *s);
}

int em_aggval_store(em_aggval *s, const em_vec *v, int64_t i) {
  if (s->heap) em_free(s->u.bytes);
  memset(s, 0, sizeof *s);
  s->set = 1;
  if (em_vec_is_null(v, i)) {
    s->null = 1;
    return 0;
  }
  int w = em_type_fixed_width(v->type);
  if (w > 0 && w <= 16) {
    memcpy(s->u.inl, (const uint8_t *)em_vec_values(v) + (size_t)i * (size_t)w, (size_t)w);
    s->len = (uint32_t)w;
    return 0;
  }
  if (v->type->id == EM_T_BOOLEAN) {
    s->u.inl[0] = em_bit_get(em_vec_values(v), i);
    s->len = 1;
    return 0;
  }
  size_t n = em_rowkey_size(v, i);
  uint8_t *b = em_malloc(n);
  if (!b) {
    s->set = 0;
    return -1;
  }
  em_rowkey_write(b, v, i);
  s->u.bytes = b;
  s->len = (uint32_t)n;
  s->heap = 1;
  return 0;
}

void em_aggval_move(em_aggval *dst, em_aggval *src) {
  if (dst->heap) em_free(dst->u.bytes);
  *dst = *src;
  memset(src, 0, sizeof *src);
}

int em_aggval_emit(const em_aggval *s, em_vec *out) {
  if (!s->set || s->null) return em_vec_append_null(out);
  if (s->heap) {
    const uint8_t *p = s->u.bytes;
    return em_rowkey_decode(out, &p, s->u.bytes + s->len);
  }
  if (out->type->id == EM_T_BOOLEAN) return em_vec_append_bool(out, s->u.inl[0] != 0);
  return em_vec_append_fixed(out, s->u.inl);
}

static int cmp_bytes(const uint8_t *a, size_t la, const uint8_t *b, size_t lb) {
  size_t m = la < lb ? la : lb;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int cmp_fixed(const uint8_t *a, const uint8_t *b, const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN: return CMP(a[0], b[0]);
  case EM_T_BYTE: return CMP(*(const int8_t *)a, *(const int8_t *)b);
  case EM_T_FLOAT:
  case EM_T_DOUBLE: {
    double x, y;
    if (t->id == EM_T_FLOAT) {
      float fx, fy;
      memcpy(&fx, a, 4);
      memcpy(&fy, b, 4);
      x = fx;
      y = fy;
    } else {
      memcpy(&x, a, 8);
      memcpy(&y, b, 8);
    }
    if (isnan(x)) return isnan(y) ? 0 : 1;
    if (isnan(y)) return -1;
    return CMP(x, y);
  }
  case EM_T_DECIMAL: {
    __int128 x, y;
    memcpy(&x, a, 16);
    memcpy(&y, b, 16);
    return CMP(x, y);
  }
  case EM_T_CAL_INTERVAL: return memcmp(a, b, 16);
  default: break;
  }
  switch (em_type_fixed_width(t)) {
  case 2: {
    int16_t x, y;
    memcpy(&x, a, 2);
    memcpy(&y, b, 2);
    return CMP(x, y);
  }
  case 4: {
    int32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return CMP(x, y);
  }
  default: {
    int64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return CMP(x, y);
  }
  }
}

int em_aggval_cmp(const em_aggval *s, const em_vec *v, int64_t i) {
  const em_type *t = v->type;
  if (s->heap) {
    /* Strings and binaries: tag byte, u32 length, bytes. */
    int32_t len;
    const char *p = em_vec_str(v, i, &len);
    return cmp_bytes(s->u.bytes + 5, s->len - 5, (const uint8_t *)p, (size_t)len);
  }
  uint8_t tmp[16];
  if (t->id == EM_T_BOOLEAN)
    tmp[0] = em_bit_get(em_vec_values(v), i);
  else
    memcpy(tmp, (const uint8_t *)em_vec_values(v) + (size_t)i * (size_t)em_type_fixed_width(t),
           (size_t)em_type_fixed_width(t));
  return cmp_fixed(s->u.inl, tmp, t);
}

int em_aggval_cmp2(const em_aggval *a, const em_aggval *b, const em_type *t) {
  if (a->heap) return cmp_bytes(a->u.bytes + 5, a->len - 5, b->u.bytes + 5, b->len - 5);
  return cmp_fixed(a->u.inl, b->u.inl, t);
}

em_expr *em_expr_literal_long(em_arena *a, int64_t v) {
  em_expr *x = em_arena_calloc(a, sizeof *x);
  if (!x) return NULL;
  em_vec *lit = em_vec_new(em_type_long(), 1);
  if (!lit || em_vec_append_fixed(lit, &v)) {
    em_vec_unref(lit);
    return NULL;
  }
  x->kind = EM_EX_LITERAL;
  x->type = em_type_long();
  x->u.lit = lit;
  return x;
}
