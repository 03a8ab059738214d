/*
 * Casts between Spark types, vectorized. This file covers the numeric,
 * decimal and boolean matrix, date to timestamp, identity casts and Spark's
 * Cast.forceNullable; casts to and from STRING are in cast_string.c.
 *
 * ANSI mode (spark.sql.ansi.enabled, Spark 4's default) raises
 * CAST_OVERFLOW where a value does not fit; legacy mode wraps integers the
 * way Java's narrowing conversions do and saturates floating point to
 * integral conversions like Java's (long) cast.
 */
#include "expr_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int cast_error_unsupported(const em_type *from, const em_type *to, em_error *err) {
  em_strbuf a, b;
  em_strbuf_init(&a);
  em_strbuf_init(&b);
  em_type_sql(from, &a);
  em_type_sql(to, &b);
  char msg[256];
  snprintf(msg, sizeof msg, "cast from %s to %s", a.data ? a.data : "?", b.data ? b.data : "?");
  em_strbuf_free(&a);
  em_strbuf_free(&b);
  return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", msg, NULL);
}

/* Reads value i of a numeric or boolean vector as long double (exact for
 * every integer type and for double). */
static long double get_num(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: return em_bit_get(p, i) ? 1 : 0;
  case EM_T_BYTE: return ((const int8_t *)p)[i];
  case EM_T_SHORT: return ((const int16_t *)p)[i];
  case EM_T_INT: return ((const int32_t *)p)[i];
  case EM_T_LONG: return ((const int64_t *)p)[i];
  case EM_T_FLOAT: return ((const float *)p)[i];
  case EM_T_DOUBLE: return ((const double *)p)[i];
  default: return 0;
  }
}

static int64_t get_int(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: return em_bit_get(p, i) ? 1 : 0;
  case EM_T_BYTE: return ((const int8_t *)p)[i];
  case EM_T_SHORT: return ((const int16_t *)p)[i];
  case EM_T_INT: return ((const int32_t *)p)[i];
  case EM_T_LONG: return ((const int64_t *)p)[i];
  default: return 0;
  }
}

static bool is_num_or_bool(const em_type *t) { return t->id == EM_T_BOOLEAN || em_type_is_numeric(t); }

static int overflow(const em_vec *v, int64_t i, const em_type *to, em_error *err) {
  em_strbuf val, st, tt;
  em_strbuf_init(&val);
  em_strbuf_init(&st);
  em_strbuf_init(&tt);
  if (em_type_is_integral(v->type)) /* Spark's toSQLValue: 1Y, 1S, 1, 1L */
    em_strbuf_printf(&val, "%lld%s", (long long)get_int(v, i),
                     v->type->id == EM_T_BYTE ? "Y" : v->type->id == EM_T_SHORT ? "S" : v->type->id == EM_T_LONG ? "L" : "");
  else
    em_strbuf_printf(&val, "%.17g", (double)get_num(v, i));
  em_strbuf_putc(&st, '"');
  em_type_sql(v->type, &st);
  em_strbuf_putc(&st, '"');
  em_strbuf_putc(&tt, '"');
  em_type_sql(to, &tt);
  em_strbuf_putc(&tt, '"');
  em_error_set(err, EM_ERR_CAST_OVERFLOW, "value", val.data ? val.data : "", "sourceType", st.data ? st.data : "",
               "targetType", tt.data ? tt.data : "", "ansiConfig", "\"spark.sql.ansi.enabled\"", NULL);
  em_strbuf_free(&val);
  em_strbuf_free(&st);
  em_strbuf_free(&tt);
  return -1;
}

static int cast_numeric(const em_vec *v, em_type *to, bool ansi, em_vec **out, em_error *err) {
  int64_t n = v->len;
  em_vec *r = em_vec_new(to, n);
  if (!r) return em_error_internal(err, "out of memory in cast");
  if (v->validity) {
    /* r is empty: its new bitmap must be grown to n rows before the copy. */
    if (em_vec_ensure_validity(r) || em_buf_reserve(r->validity, (size_t)(n + 7) / 8 + 1)) {
      em_vec_unref(r);
      return em_error_internal(err, "out of memory in cast");
    }
    memcpy(r->validity->data, v->validity->data, (size_t)(n + 7) / 8);
    r->null_count = v->null_count;
  }
  void *dst = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    if (v->validity && !em_bit_get(v->validity->data, i)) continue;
    switch (to->id) {
    case EM_T_BOOLEAN:
      if (get_num(v, i) != 0) em_bit_set(dst, i);
      break;
    case EM_T_FLOAT:
      ((float *)dst)[i] = (float)get_num(v, i);
      break;
    case EM_T_DOUBLE:
      ((double *)dst)[i] = (double)get_num(v, i);
      break;
    case EM_T_BYTE:
    case EM_T_SHORT:
    case EM_T_INT:
    case EM_T_LONG: {
      int bits = to->id == EM_T_BYTE ? 8 : to->id == EM_T_SHORT ? 16 : to->id == EM_T_INT ? 32 : 64;
      int64_t lo = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
      int64_t hi = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
      int64_t x;
      if (v->type->id == EM_T_FLOAT || v->type->id == EM_T_DOUBLE) {
        long double d = get_num(v, i);
        if (isnan(d) || d < (long double)lo - 1 + (bits == 64 ? 1 : 0) || d >= (long double)hi + 1) {
          if (ansi) {
            em_vec_unref(r);
            return overflow(v, i, to, err);
          }
          /* Java: NaN -> 0; long saturates; narrower types go through int. */
          if (isnan(d))
            x = 0;
          else if (bits == 64)
            x = d < 0 ? INT64_MIN : INT64_MAX;
          else {
            int32_t asint = d < (long double)INT32_MIN ? INT32_MIN : d > (long double)INT32_MAX ? INT32_MAX : (int32_t)d;
            x = asint;
          }
        } else {
          x = (int64_t)d;
        }
      } else {
        x = get_int(v, i);
        if (x < lo || x > hi) {
          if (ansi) {
            em_vec_unref(r);
            return overflow(v, i, to, err);
          }
        }
      }
      switch (bits) {
      case 8: ((int8_t *)dst)[i] = (int8_t)x; break;
      case 16: ((int16_t *)dst)[i] = (int16_t)x; break;
      case 32: ((int32_t *)dst)[i] = (int32_t)x; break;
      default: ((int64_t *)dst)[i] = x; break;
      }
      break;
    }
    default:
      break;
    }
  }
  r->len = n;
  int w = em_type_fixed_width(to);
  r->values->len = w ? (size_t)(n * w) : (size_t)(n + 7) / 8;
  *out = r;
  return 0;
}

/* Decimal targets and sources. Values go through the 128-bit unscaled
 * form; rounding is HALF_UP as Java's BigDecimal.setScale, and a value
 * that does not fit the target precision is NULL (legacy) or
 * NUMERIC_VALUE_OUT_OF_RANGE (ANSI). Decimal to integral truncates toward
 * zero like BigDecimal.longValue. */
static int dec_out_of_range(__int128 v, int scale, const em_type *to, em_error *err) {
  em_strbuf val;
  em_strbuf_init(&val);
  em_fmt_decimal(v, scale, &val);
  char p[8], s[8];
  snprintf(p, sizeof p, "%d", to->u.dec.precision);
  snprintf(s, sizeof s, "%d", to->u.dec.scale);
  em_error_set(err, EM_ERR_NUMERIC_VALUE_OUT_OF_RANGE_WITH_SUGGESTION, "value", val.data ? val.data : "",
               "precision", p, "scale", s, "config", "\"spark.sql.ansi.enabled\"", NULL);
  em_strbuf_free(&val);
  return -1;
}

static int cast_decimal(const em_vec *v, em_type *to, bool ansi, em_vec **out, em_error *err) {
  int64_t n = v->len;
  em_vec *r = em_fn_result(to, n, (em_vec *const *)&v, 1);
  if (!r) return em_error_internal(err, "out of memory in cast");
  const uint8_t *src = em_vec_values(v);
  uint8_t *dst = em_vec_values(r);
  bool from_dec = v->type->id == EM_T_DECIMAL;
  int fs = from_dec ? v->type->u.dec.scale : 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    bool ok = true;
    if (to->id == EM_T_DECIMAL) {
      __int128 x = 0, y = 0;
      if (from_dec) {
        memcpy(&x, src + i * 16, 16);
        ok = em_dec_rescale(x, fs, to->u.dec.scale, &y);
      } else if (v->type->id == EM_T_FLOAT || v->type->id == EM_T_DOUBLE) {
        ok = em_dec_from_double((double)get_num(v, i), to->u.dec.scale, to->u.dec.precision, &y);
        x = 0;
      } else {
        x = get_int(v, i);
        ok = em_dec_rescale(x, 0, to->u.dec.scale, &y);
      }
      if (ok && !em_dec_fits(y, to->u.dec.precision)) ok = false;
      if (!ok) {
        if (ansi) {
          em_vec_unref(r);
          if (from_dec || em_type_is_integral(v->type)) return dec_out_of_range(x, fs, to, err);
          return overflow(v, i, to, err);
        }
        if (em_fn_set_null(r, i)) goto oom;
        continue;
      }
      memcpy(dst + i * 16, &y, 16);
      continue;
    }
    /* From decimal to a number or boolean. */
    __int128 x;
    memcpy(&x, src + i * 16, 16);
    switch (to->id) {
    case EM_T_BOOLEAN:
      if (x != 0) em_bit_set(dst, i);
      break;
    case EM_T_FLOAT: ((float *)dst)[i] = (float)em_dec_to_double(x, fs); break;
    case EM_T_DOUBLE: ((double *)dst)[i] = em_dec_to_double(x, fs); break;
    default: {
      __int128 t = x / em_dec_pow10(fs);
      int bits = to->id == EM_T_BYTE ? 8 : to->id == EM_T_SHORT ? 16 : to->id == EM_T_INT ? 32 : 64;
      __int128 lo = -((__int128)1 << (bits - 1)), hi = ((__int128)1 << (bits - 1)) - 1;
      if (t < lo || t > hi) {
        if (ansi) {
          em_vec_unref(r);
          em_strbuf val, st, tt;
          em_strbuf_init(&val);
          em_strbuf_init(&st);
          em_strbuf_init(&tt);
          em_fmt_decimal(x, fs, &val);
          em_strbuf_putc(&val, 'B');
          em_strbuf_putc(&val, 'D');
          em_fn_quoted_type(v->type, &st);
          em_fn_quoted_type(to, &tt);
          em_error_set(err, EM_ERR_CAST_OVERFLOW, "value", val.data ? val.data : "", "sourceType",
                       st.data ? st.data : "", "targetType", tt.data ? tt.data : "", "ansiConfig",
                       "\"spark.sql.ansi.enabled\"", NULL);
          em_strbuf_free(&val);
          em_strbuf_free(&st);
          em_strbuf_free(&tt);
          return -1;
        }
        /* Legacy: Java's narrowing of the long value. */
        t = (int64_t)(uint64_t)(unsigned __int128)t;
      }
      switch (bits) {
      case 8: ((int8_t *)dst)[i] = (int8_t)t; break;
      case 16: ((int16_t *)dst)[i] = (int16_t)t; break;
      case 32: ((int32_t *)dst)[i] = (int32_t)t; break;
      default: ((int64_t *)dst)[i] = (int64_t)t; break;
      }
      break;
    }
    }
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
oom:
  em_vec_unref(r);
  return em_error_internal(err, "out of memory in cast");
}

bool em_cast_force_nullable(const em_type *from, const em_type *to) {
  if (from->id == EM_T_NULL) return false;
  if (em_type_equal(from, to, true)) return false;
  if (em_type_is_string_like(to) || to->id == EM_T_BINARY) return false;
  if (em_type_is_string_like(from)) return true;
  if ((from->id == EM_T_FLOAT || from->id == EM_T_DOUBLE) && em_type_is_integral(to)) return true;
  if (to->id == EM_T_DECIMAL) {
    if (from->id == EM_T_DECIMAL)
      return to->u.dec.precision - to->u.dec.scale < from->u.dec.precision - from->u.dec.scale ||
             to->u.dec.scale < from->u.dec.scale;
    if (from->id == EM_T_BOOLEAN) return to->u.dec.precision - to->u.dec.scale < 1;
    const em_type *f = em_decimal_for(from);
    if (!f) return true;
    if (from->id == EM_T_FLOAT || from->id == EM_T_DOUBLE) return true;
    return to->u.dec.precision - to->u.dec.scale < f->u.dec.precision - f->u.dec.scale;
  }
  if (from->id == EM_T_DECIMAL && em_type_is_integral(to)) return true;
  return false;
}

/* Date to timestamp: midnight of the day (the session zone is taken to be
 * UTC; other zones are not done yet). */
static int cast_date_to_ts(const em_vec *v, em_type *to, em_vec **out, em_error *err) {
  int64_t n = v->len;
  em_vec *r = em_fn_result(to, n, (em_vec *const *)&v, 1);
  if (!r) return em_error_internal(err, "out of memory in cast");
  const int32_t *src = em_vec_values(v);
  int64_t *dst = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    /* Years beyond the microsecond range (DATE '2020401-02'): Spark's
     * daysToMicros fails with a long overflow. */
    if (__builtin_mul_overflow((int64_t)src[i], 86400000000LL, &dst[i]) && !em_vec_is_null(v, i)) {
      em_vec_unref(r);
      return em_fn_overflow(err, "long overflow", NULL);
    }
  }
  *out = r;
  return 0;
}

static bool nested_castable(const em_type *from, const em_type *to) {
  return (from->id == EM_T_ARRAY && to->id == EM_T_ARRAY) || (from->id == EM_T_MAP && to->id == EM_T_MAP) ||
         (from->id == EM_T_STRUCT && to->id == EM_T_STRUCT && from->u.st.nfields == to->u.st.nfields);
}

static em_buf *buf_copy(const em_buf *b) {
  em_buf *c = em_buf_new(b->len ? b->len : 1);
  if (c) {
    memcpy(c->data, b->data, b->len);
    c->len = b->len;
  }
  return c;
}

/* Arrays, maps and structs (by position, names from the target) cast
 * element by element: the offsets and validity are kept, the children are
 * cast with the same mode. */
static int cast_nested(const em_vec *v, em_type *to, bool ansi, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  em_vec *r = em_vec_new(to, 0);
  if (!r) return em_error_internal(err, "out of memory in cast");
  if (v->values) {
    em_buf *o = buf_copy(v->values);
    if (!o) goto oom;
    em_buf_unref(r->values);
    r->values = o;
  }
  if (v->validity && !(r->validity = buf_copy(v->validity))) goto oom;
  r->len = v->len;
  r->null_count = v->null_count;
  for (int i = 0; i < r->nchildren; i++) {
    em_vec *c = NULL;
    if (em_cast_vec(v->children[i], r->children[i]->type, ansi, ctx, &c, err)) {
      em_vec_unref(r);
      return -1;
    }
    em_vec_unref(r->children[i]);
    r->children[i] = c;
  }
  *out = r;
  return 0;
oom:
  em_vec_unref(r);
  return em_error_internal(err, "out of memory in cast");
}

int em_cast_vec(const em_vec *v, em_type *to, bool ansi, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  if (em_type_equal(v->type, to, true)) {
    *out = em_vec_ref((em_vec *)v);
    return 0;
  }
  if (v->type->id == EM_T_NULL) {
    *out = em_vec_new_nulls(to, v->len);
    return *out ? 0 : em_error_internal(err, "out of memory in cast");
  }
  /* Same physical layout, other name: timestamps with and without zone
   * share microseconds (the zone only matters for display and parsing). */
  if (is_num_or_bool(v->type) && is_num_or_bool(to)) {
    if (v->type->id == EM_T_DECIMAL || to->id == EM_T_DECIMAL) return cast_decimal(v, to, ansi, out, err);
    return cast_numeric(v, to, ansi, out, err);
  }
  if (em_type_is_string_like(to) && em_type_is_nested(v->type)) return em_cast_nested_to_string(v, to, ctx, out, err);
  if (em_type_is_string_like(to)) return em_cast_to_string(v, to, ansi, out, err);
  if (em_type_is_string_like(v->type)) return em_cast_from_string(v, to, ansi, out, err);
  if (v->type->id == EM_T_DATE && (to->id == EM_T_TIMESTAMP || to->id == EM_T_TIMESTAMP_NTZ))
    return cast_date_to_ts(v, to, out, err);
  if ((v->type->id == EM_T_TIMESTAMP || v->type->id == EM_T_TIMESTAMP_NTZ) &&
      (to->id == EM_T_TIMESTAMP || to->id == EM_T_TIMESTAMP_NTZ)) {
    *out = NULL;
    em_vec *r = em_vec_slice_copy(v, 0, v->len);
    if (!r) return em_error_internal(err, "out of memory in cast");
    em_type_unref(r->type);
    r->type = em_type_ref(to);
    *out = r;
    return 0;
  }
  if (nested_castable(v->type, to)) return cast_nested(v, to, ansi, ctx, out, err);
  return cast_error_unsupported(v->type, to, err);
}
