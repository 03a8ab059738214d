/*
 * Casts to and from STRING with Spark's text forms: integers in decimal,
 * doubles and floats as Java's Double/Float.toString, decimals as
 * BigDecimal.toPlainString under ANSI and BigDecimal.toString (which goes
 * scientific below 1E-6) in legacy mode, booleans as true/false, dates as
 * yyyy-MM-dd and timestamps as yyyy-MM-dd HH:mm:ss[.ffffff].
 *
 * Parsing trims ASCII whitespace and follows Spark's rules per target:
 * integers take an optional sign and digits (legacy mode also drops a
 * fractional part), doubles take Java's syntax plus inf/infinity/nan in
 * any case, booleans take t/true/y/yes/1 and f/false/n/no/0. A malformed
 * value is NULL in legacy mode and CAST_INVALID_INPUT under ANSI.
 *
 * Not done: time zones other than UTC for timestamps (the session zone is
 * assumed to be UTC), and the rarer date/timestamp input forms.
 */
#include "expr_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- to string ---- */

static void civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void em_fmt_date(int64_t days, em_strbuf *sb) {
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  em_strbuf_printf(sb, "%04" PRId64 "-%02d-%02d", y, m, d);
}

void em_fmt_timestamp(int64_t us, em_strbuf *sb) {
  int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
  int64_t rem = us - days * 86400000000LL;
  em_fmt_date(days, sb);
  int64_t secs = rem / 1000000, frac = rem % 1000000;
  em_strbuf_printf(sb, " %02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  if (frac) {
    char f[8];
    snprintf(f, sizeof f, "%06d", (int)frac);
    int k = 6;
    while (k > 0 && f[k - 1] == '0') f[--k] = '\0';
    em_strbuf_printf(sb, ".%s", f);
  }
}

/* BigDecimal.toString: scientific when the adjusted exponent is < -6. */
static void put_decimal_java(__int128 v, int scale, em_strbuf *sb) {
  char digits[48];
  int nd = 0;
  unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
  do {
    digits[nd++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  int adjusted = -scale + (nd - 1);
  if (scale <= 0 || adjusted >= -6) {
    em_fmt_decimal(v, scale, sb);
    return;
  }
  if (v < 0) em_strbuf_putc(sb, '-');
  em_strbuf_putc(sb, digits[nd - 1]);
  if (nd > 1) {
    em_strbuf_putc(sb, '.');
    for (int i = nd - 2; i >= 0; i--) em_strbuf_putc(sb, digits[i]);
  }
  em_strbuf_printf(sb, "E%d", adjusted);
}

/* Decimal digits of x (any int64, INT64_MIN included) at p, two digits a
 * step from a table; returns the byte count. */
static size_t put_long(char *p, int64_t x) {
  static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                              "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";
  char tmp[20];
  char *t = tmp + sizeof tmp;
  uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
  while (u >= 100) {
    unsigned d = (unsigned)(u % 100) * 2;
    u /= 100;
    *--t = pairs[d + 1];
    *--t = pairs[d];
  }
  if (u >= 10) {
    *--t = pairs[u * 2 + 1];
    *--t = pairs[u * 2];
  } else {
    *--t = (char)('0' + u);
  }
  size_t k = (size_t)(tmp + sizeof tmp - t), sign = x < 0;
  if (sign) p[0] = '-';
  memcpy(p + sign, t, k);
  return k + sign;
}

/* BYTE/SHORT/INT/LONG to their decimal text, written in place. */
static int integers_to_string(const em_vec *v, em_type *to, em_vec **out, em_error *err) {
  int64_t n = v->len;
  em_vec *const srcs[1] = {(em_vec *)v};
  em_fn_strout o;
  if (em_fn_strout_init(&o, to, n, srcs, 1, (size_t)n * 4)) return em_error_internal(err, "out of memory in cast");
  const void *p = em_vec_values(v);
  const uint8_t *valid = o.v->validity ? o.v->validity->data : NULL;
  for (int64_t i = 0; i < n; i++) {
    if (valid && !em_bit_get(valid, i)) {
      em_fn_strout_put(&o, i, 0);
      continue;
    }
    char *d = em_fn_strout_room(&o, 20);
    if (!d) {
      em_fn_strout_abort(&o);
      return em_error_internal(err, "out of memory in cast");
    }
    int64_t x;
    switch (v->type->id) {
    case EM_T_BYTE: x = ((const int8_t *)p)[i]; break;
    case EM_T_SHORT: x = ((const int16_t *)p)[i]; break;
    case EM_T_INT: x = ((const int32_t *)p)[i]; break;
    default: x = ((const int64_t *)p)[i]; break;
    }
    em_fn_strout_put(&o, i, put_long(d, x));
  }
  return em_fn_strout_finish(&o, out, err);
}

int em_cast_to_string(const em_vec *v, em_type *to, bool ansi, em_vec **out, em_error *err) {
  int64_t n = v->len;
  switch (v->type->id) {
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_LONG: return integers_to_string(v, to, out, err);
  default: break;
  }
  em_vec *r = em_vec_new(to, n);
  if (!r) return em_error_internal(err, "out of memory in cast");
  em_strbuf sb;
  em_strbuf_init(&sb);
  const void *p = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) {
      if (em_vec_append_null(r)) goto oom;
      continue;
    }
    em_strbuf_reset(&sb);
    switch (v->type->id) {
    case EM_T_BOOLEAN: em_strbuf_puts(&sb, em_bit_get(p, i) ? "true" : "false"); break;
    case EM_T_BYTE: em_strbuf_printf(&sb, "%d", ((const int8_t *)p)[i]); break;
    case EM_T_SHORT: em_strbuf_printf(&sb, "%d", ((const int16_t *)p)[i]); break;
    case EM_T_INT: em_strbuf_printf(&sb, "%d", ((const int32_t *)p)[i]); break;
    case EM_T_LONG: em_strbuf_printf(&sb, "%" PRId64, ((const int64_t *)p)[i]); break;
    case EM_T_FLOAT: em_format_float(((const float *)p)[i], &sb); break;
    case EM_T_DOUBLE: em_format_double(((const double *)p)[i], &sb); break;
    case EM_T_DECIMAL: {
      __int128 x;
      memcpy(&x, (const uint8_t *)p + i * 16, 16);
      if (ansi)
        em_fmt_decimal(x, v->type->u.dec.scale, &sb);
      else
        put_decimal_java(x, v->type->u.dec.scale, &sb);
      break;
    }
    case EM_T_DATE: em_fmt_date(((const int32_t *)p)[i], &sb); break;
    case EM_T_TIMESTAMP:
    case EM_T_TIMESTAMP_NTZ: em_fmt_timestamp(((const int64_t *)p)[i], &sb); break;
    case EM_T_STRING:
    case EM_T_CHAR:
    case EM_T_VARCHAR: {
      int32_t len;
      const char *s = em_vec_str(v, i, &len);
      em_strbuf_append(&sb, s, (size_t)len);
      break;
    }
    default:
      em_strbuf_free(&sb);
      em_vec_unref(r);
      return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "cast of this type to STRING", NULL);
    }
    if (sb.oom || em_vec_append_bytes(r, sb.data ? sb.data : "", sb.len)) goto oom;
  }
  em_strbuf_free(&sb);
  *out = r;
  return 0;
oom:
  em_strbuf_free(&sb);
  em_vec_unref(r);
  return em_error_internal(err, "out of memory in cast");
}

int em_cast_nested_to_string(const em_vec *v, em_type *to, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  em_format_opts fo = {.tz = NULL, .cast = true};
  if (ctx && ctx->timezone && !(fo.tz = em_tz_get(ctx->timezone, err))) return -1;
  em_vec *r = em_vec_new(to, v->len);
  if (!r) return em_error_internal(err, "out of memory in cast");
  em_strbuf sb;
  em_strbuf_init(&sb);
  for (int64_t i = 0; i < v->len; i++) {
    if (em_vec_is_null(v, i)) {
      if (em_vec_append_null(r)) goto oom;
      continue;
    }
    em_strbuf_reset(&sb);
    if (em_format_value(v, i, &fo, &sb, err)) goto fail;
    if (em_vec_append_bytes(r, sb.data ? sb.data : "", sb.len)) goto oom;
  }
  em_strbuf_free(&sb);
  *out = r;
  return 0;
oom:
  em_error_internal(err, "out of memory in cast");
fail:
  em_strbuf_free(&sb);
  em_vec_unref(r);
  return -1;
}

/* ---- from string ---- */

static void trim(const char **s, int32_t *n) {
  while (*n > 0 && (unsigned char)**s <= ' ') (*s)++, (*n)--;
  while (*n > 0 && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

static bool ieq(const char *s, int32_t n, const char *lit) {
  return (size_t)n == strlen(lit) && strncasecmp(s, lit, (size_t)n) == 0;
}

static bool parse_long(const char *s, int32_t n, bool ansi, int64_t lo, int64_t hi, int64_t *out) {
  int32_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i >= n) return false;
  unsigned __int128 acc = 0;
  int digits = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    acc = acc * 10 + (unsigned)(s[i] - '0');
    if (acc > ((unsigned __int128)1 << 64)) return false;
    digits++;
  }
  if (i < n) {
    /* Legacy casts drop a fractional part ("2.5" -> 2); ANSI rejects it. */
    if (ansi || s[i] != '.') return false;
    for (i++; i < n; i++)
      if (s[i] < '0' || s[i] > '9') return false;
  }
  if (digits == 0) return false;
  __int128 v = neg ? -(__int128)acc : (__int128)acc;
  if (v < lo || v > hi) return false;
  *out = (int64_t)v;
  return true;
}

static bool parse_double(const char *s, int32_t n, double *out) {
  char buf[128];
  if (n <= 0 || n >= (int32_t)sizeof buf) return false;
  if (ieq(s, n, "inf") || ieq(s, n, "+inf") || ieq(s, n, "infinity") || ieq(s, n, "+infinity")) {
    *out = INFINITY;
    return true;
  }
  if (ieq(s, n, "-inf") || ieq(s, n, "-infinity")) {
    *out = -INFINITY;
    return true;
  }
  if (ieq(s, n, "nan")) {
    *out = NAN;
    return true;
  }
  memcpy(buf, s, (size_t)n);
  buf[n] = '\0';
  /* Java accepts a trailing d/f type suffix; C's strtod does not. */
  if (n > 1 && strchr("dDfF", buf[n - 1])) buf[n - 1] = '\0';
  for (char *c = buf; *c; c++)
    if (!strchr("0123456789+-.eE", *c)) return false;
  char *end;
  errno = 0;
  double d = strtod(buf, &end);
  if (end == buf || *end) return false;
  *out = d;
  return true;
}

static bool parse_decimal(const char *s, int32_t n, int precision, int scale, __int128 *out) {
  int32_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  __int128 acc = 0;
  int frac = 0, digits = 0;
  bool dot = false;
  int exp = 0;
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (acc > em_dec_pow10(37)) return false;
      acc = acc * 10 + (c - '0');
      digits++;
      if (dot) frac++;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if (c == 'e' || c == 'E') {
      int64_t e;
      if (!parse_long(s + i + 1, n - i - 1, true, -1000, 1000, &e)) return false;
      exp = (int)e;
      i = n;
      break;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  __int128 v;
  if (!em_dec_rescale(acc, frac - exp, scale, &v)) return false;
  if (!em_dec_fits(v, precision)) return false;
  *out = neg ? -v : v;
  return true;
}

static bool parse_2digits(const char *s, int32_t n, int32_t *i, int *out) {
  int v = 0, k = 0;
  while (*i < n && k < 2 && s[*i] >= '0' && s[*i] <= '9') v = v * 10 + (s[(*i)++] - '0'), k++;
  *out = v;
  return k > 0;
}

/* yyyy[-[m]m[-[d]d]] then, for a date, anything after ' ' or 'T'. Sets *i
 * past the date part. */
static bool parse_date_part(const char *s, int32_t n, int32_t *i, int64_t *days) {
  int64_t y = 0;
  int k = 0, m = 1, d = 1;
  bool neg = false;
  if (*i < n && (s[*i] == '-' || s[*i] == '+')) neg = s[(*i)++] == '-';
  while (*i < n && s[*i] >= '0' && s[*i] <= '9' && k < 7) y = y * 10 + (s[(*i)++] - '0'), k++;
  if (k < 4) return false;
  if (*i < n && s[*i] == '-') {
    (*i)++;
    if (!parse_2digits(s, n, i, &m)) return false;
    if (*i < n && s[*i] == '-') {
      (*i)++;
      if (!parse_2digits(s, n, i, &d)) return false;
    }
  }
  if (neg) y = -y;
  if (m < 1 || m > 12 || d < 1) return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap)) return false;
  *days = days_from_civil(y, m, d);
  return true;
}

static bool parse_date(const char *s, int32_t n, int32_t *out) {
  int32_t i = 0;
  int64_t days;
  if (!parse_date_part(s, n, &i, &days)) return false;
  if (i < n && s[i] != ' ' && s[i] != 'T') return false;
  *out = (int32_t)days;
  return true;
}

static bool parse_timestamp(const char *s, int32_t n, int64_t *out) {
  int32_t i = 0;
  int64_t days;
  if (!parse_date_part(s, n, &i, &days)) return false;
  int hh = 0, mi = 0, ss = 0;
  int64_t frac = 0;
  if (i < n) {
    if (s[i] != ' ' && s[i] != 'T') return false;
    i++;
    if (!parse_2digits(s, n, &i, &hh)) return false;
    if (i < n && s[i] == ':') {
      i++;
      if (!parse_2digits(s, n, &i, &mi)) return false;
      if (i < n && s[i] == ':') {
        i++;
        if (!parse_2digits(s, n, &i, &ss)) return false;
        if (i < n && s[i] == '.') {
          i++;
          int k = 0;
          while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (k < 6) frac = frac * 10 + (s[i] - '0');
            k++, i++;
          }
          for (; k < 6; k++) frac *= 10;
        }
      }
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) i++;
    if (i != n || hh > 23 || mi > 59 || ss > 59) return false;
  }
  // Years far outside the microsecond range (Spark accepts up to six year
  // digits) do not fit: Spark's exact arithmetic rejects them as invalid.
  int64_t minutes = (days * 24 + hh) * 60 + mi, us;
  if (__builtin_mul_overflow(minutes, 60000000LL, &us) || __builtin_add_overflow(us, ss * 1000000LL + frac, &us))
    return false;
  *out = us;
  return true;
}

static int invalid_input(const char *s, int32_t n, const em_type *to, em_error *err) {
  em_strbuf val, tt;
  em_strbuf_init(&val);
  em_strbuf_init(&tt);
  em_strbuf_putc(&val, '\'');
  em_strbuf_append(&val, s, (size_t)n);
  em_strbuf_putc(&val, '\'');
  em_fn_quoted_type(to, &tt);
  em_error_set(err, EM_ERR_CAST_INVALID_INPUT, "expression", val.data ? val.data : "", "sourceType", "\"STRING\"",
               "targetType", tt.data ? tt.data : "", "ansiConfig", "\"spark.sql.ansi.enabled\"", NULL);
  em_strbuf_free(&val);
  em_strbuf_free(&tt);
  return -1;
}

int em_cast_from_string(const em_vec *v, em_type *to, bool ansi, em_vec **out, em_error *err) {
  int64_t n = v->len;
  em_vec *r = em_fn_result(to, n, (em_vec *const *)&v, 1);
  if (!r) return em_error_internal(err, "out of memory in cast");
  void *dst = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    const char *orig = s;
    int32_t orig_len = len;
    trim(&s, &len);
    bool ok = true;
    switch (to->id) {
    case EM_T_BOOLEAN:
      if (ieq(s, len, "t") || ieq(s, len, "true") || ieq(s, len, "y") || ieq(s, len, "yes") || ieq(s, len, "1"))
        em_bit_set(dst, i);
      else if (!(ieq(s, len, "f") || ieq(s, len, "false") || ieq(s, len, "n") || ieq(s, len, "no") ||
                 ieq(s, len, "0")))
        ok = false;
      break;
#define INT_CASE(ID, CT, LO, HI)                                    \
  case ID: {                                                        \
    int64_t x;                                                      \
    ok = parse_long(s, len, ansi, LO, HI, &x);                      \
    if (ok) ((CT *)dst)[i] = (CT)x;                                 \
    break;                                                          \
  }
      INT_CASE(EM_T_BYTE, int8_t, INT8_MIN, INT8_MAX)
      INT_CASE(EM_T_SHORT, int16_t, INT16_MIN, INT16_MAX)
      INT_CASE(EM_T_INT, int32_t, INT32_MIN, INT32_MAX)
      INT_CASE(EM_T_LONG, int64_t, INT64_MIN, INT64_MAX)
#undef INT_CASE
    case EM_T_FLOAT:
    case EM_T_DOUBLE: {
      double d;
      ok = parse_double(s, len, &d);
      if (ok && to->id == EM_T_FLOAT) ((float *)dst)[i] = (float)d;
      if (ok && to->id == EM_T_DOUBLE) ((double *)dst)[i] = d;
      break;
    }
    case EM_T_DECIMAL: {
      __int128 x;
      ok = parse_decimal(s, len, to->u.dec.precision, to->u.dec.scale, &x);
      if (ok) memcpy((uint8_t *)dst + i * 16, &x, 16);
      break;
    }
    case EM_T_DATE: ok = parse_date(s, len, &((int32_t *)dst)[i]); break;
    case EM_T_TIMESTAMP:
    case EM_T_TIMESTAMP_NTZ: ok = parse_timestamp(s, len, &((int64_t *)dst)[i]); break;
    default:
      em_vec_unref(r);
      return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "cast of STRING to this type", NULL);
    }
    if (!ok) {
      if (ansi) {
        em_vec_unref(r);
        return invalid_input(orig, orig_len, to, err);
      }
      if (em_fn_set_null(r, i)) {
        em_vec_unref(r);
        return em_error_internal(err, "out of memory in cast");
      }
    }
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}
