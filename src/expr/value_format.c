/*
 * One value of a vector as Spark's show() prints it: Spark 4 casts every
 * cell with ToPrettyString, which is Cast-to-string except that nulls,
 * also nested ones, print as NULL and binary prints as hex bytes.
 *
 * Dates and timestamps are proleptic Gregorian (java.time); years beyond
 * 9999 get a '+' and years before 0001 a '-' (ISO style, as Spark prints
 * them). Timestamps are shifted into the session zone with em_tz_offset.
 * ANSI intervals print as SQL literals (INTERVAL '1 02:03:04' DAY TO
 * SECOND) and the legacy calendar interval as "1 years 2 days 3.5 seconds".
 */
#include "format.h"

#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && ((a < 0) != (b < 0))); }

/* Proleptic Gregorian date of days since 1970-01-01 (Hinnant's algorithm). */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static void put_date(em_strbuf *out, int64_t days) {
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  if (y > 9999) em_strbuf_printf(out, "+%lld", (long long)y);
  else if (y < 0) em_strbuf_printf(out, "-%04lld", (long long)-y);
  else em_strbuf_printf(out, "%04lld", (long long)y);
  em_strbuf_printf(out, "-%02d-%02d", m, d);
}

/* ".ffffff" with trailing zeros removed; nothing when frac is 0. `digits`
 * is the width of frac (6 for micros, 9 for nanos). */
static void put_fraction(em_strbuf *out, int64_t frac, int digits) {
  if (frac == 0) return;
  char buf[16];
  snprintf(buf, sizeof buf, "%0*lld", digits, (long long)frac);
  int n = digits;
  while (n > 0 && buf[n - 1] == '0') n--;
  em_strbuf_putc(out, '.');
  em_strbuf_append(out, buf, (size_t)n);
}

/* Local microseconds since the epoch -> "yyyy-MM-dd HH:mm:ss[.ffffff]". */
static void put_timestamp(em_strbuf *out, int64_t local_us) {
  int64_t days = floor_div(local_us, 86400000000LL);
  int64_t tod = local_us - days * 86400000000LL;
  put_date(out, days);
  int64_t secs = tod / 1000000;
  em_strbuf_printf(out, " %02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  put_fraction(out, tod % 1000000, 6);
}

/* Unsigned magnitude and sign of an int64 (safe for INT64_MIN). */
static uint64_t magnitude(int64_t v, const char **sign) {
  *sign = v < 0 ? "-" : "";
  return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static void put_ym_interval(em_strbuf *out, int32_t months, int start, int end) {
  const char *sign;
  uint64_t m = magnitude(months, &sign);
  em_strbuf_puts(out, "INTERVAL '");
  if (start == EM_YM_YEAR && end == EM_YM_MONTH)
    em_strbuf_printf(out, "%s%llu-%llu' YEAR TO MONTH", sign, (unsigned long long)(m / 12), (unsigned long long)(m % 12));
  else if (start == EM_YM_YEAR)
    em_strbuf_printf(out, "%s%llu' YEAR", sign, (unsigned long long)(m / 12));
  else
    em_strbuf_printf(out, "%s%llu' MONTH", sign, (unsigned long long)m);
}

/* Spark's toDayTimeIntervalString: the leading field holds the total
 * (days unpadded, others %02d), later fields their remainder; seconds keep
 * the microseconds with trailing zeros removed. */
static void put_dt_interval(em_strbuf *out, int64_t micros, int start, int end) {
  static const char *const names[] = {"DAY", "HOUR", "MINUTE", "SECOND"};
  static const uint64_t unit[] = {86400000000ULL, 3600000000ULL, 60000000ULL, 1000000ULL};
  const char *sign;
  uint64_t rest = magnitude(micros, &sign);
  em_strbuf_printf(out, "INTERVAL '%s", sign);
  for (int f = start; f <= end; f++) {
    uint64_t v = rest / unit[f];
    rest %= unit[f];
    if (f == start) em_strbuf_printf(out, f == EM_DT_DAY ? "%llu" : "%02llu", (unsigned long long)v);
    else em_strbuf_printf(out, f == EM_DT_HOUR ? " %02llu" : ":%02llu", (unsigned long long)v);
    if (f == EM_DT_SECOND) put_fraction(out, (int64_t)rest, 6);
  }
  if (start == end) em_strbuf_printf(out, "' %s", names[start]);
  else em_strbuf_printf(out, "' %s TO %s", names[start], names[end]);
}

/* CalendarInterval.toString. */
static void put_cal_interval(em_strbuf *out, int32_t months, int32_t days, int64_t nanos) {
  int64_t micros = nanos / 1000;
  if (months == 0 && days == 0 && micros == 0) {
    em_strbuf_puts(out, "0 seconds");
    return;
  }
  size_t start = out->len;
  if (months / 12) em_strbuf_printf(out, "%d years ", months / 12);
  if (months % 12) em_strbuf_printf(out, "%d months ", months % 12);
  if (days) em_strbuf_printf(out, "%d days ", days);
  if (micros) {
    int64_t h = micros / 3600000000LL, rest = micros % 3600000000LL;
    if (h) em_strbuf_printf(out, "%lld hours ", (long long)h);
    int64_t mi = rest / 60000000LL;
    rest %= 60000000LL;
    if (mi) em_strbuf_printf(out, "%lld minutes ", (long long)mi);
    if (rest) {
      const char *sign;
      uint64_t r = magnitude(rest, &sign);
      em_strbuf_printf(out, "%s%llu", sign, (unsigned long long)(r / 1000000));
      put_fraction(out, (int64_t)(r % 1000000), 6);
      em_strbuf_puts(out, " seconds ");
    }
  }
  if (out->len > start && !out->oom) out->data[--out->len] = '\0'; /* the last space */
}

/* A 128-bit two's complement unscaled value with `scale` as plain text. */
static void put_decimal(em_strbuf *out, const uint8_t *p, int scale) {
  unsigned __int128 u = 0;
  for (int k = 15; k >= 0; k--) u = (u << 8) | p[k];
  bool neg = (p[15] & 0x80) != 0;
  if (neg) u = ~u + 1;
  char digits[48];
  int n = 0;
  do {
    digits[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  while (n <= scale) digits[n++] = '0';
  if (neg) em_strbuf_putc(out, '-');
  for (int k = n - 1; k >= 0; k--) {
    em_strbuf_putc(out, digits[k]);
    if (k == scale && scale > 0) em_strbuf_putc(out, '.');
  }
}

static int put_value(const em_vec *v, int64_t i, const em_format_opts *o, em_strbuf *out, em_error *err);

static int put_list(const em_vec *v, int64_t i, const em_format_opts *o, em_strbuf *out, em_error *err) {
  const int32_t *off = em_vec_offsets(v);
  const em_vec *child = v->children[0];
  bool is_map = v->type->id == EM_T_MAP;
  em_strbuf_putc(out, is_map ? '{' : '[');
  for (int32_t k = off[i]; k < off[i + 1]; k++) {
    if (k > off[i]) em_strbuf_puts(out, ", ");
    if (is_map) {
      if (put_value(child->children[0], k, o, out, err)) return -1;
      em_strbuf_puts(out, " -> ");
      if (put_value(child->children[1], k, o, out, err)) return -1;
    } else if (put_value(child, k, o, out, err)) {
      return -1;
    }
  }
  return em_strbuf_putc(out, is_map ? '}' : ']');
}

static int put_value(const em_vec *v, int64_t i, const em_format_opts *o, em_strbuf *out, em_error *err) {
  if (em_vec_is_null(v, i)) return em_strbuf_puts(out, o && o->cast ? "null" : "NULL");
  const em_type *t = v->type;
  const uint8_t *vals = em_vec_values(v);
  switch (t->id) {
  case EM_T_BOOLEAN: em_strbuf_puts(out, em_bit_get(vals, i) ? "true" : "false"); break;
  case EM_T_BYTE: em_strbuf_printf(out, "%d", ((const int8_t *)vals)[i]); break;
  case EM_T_SHORT: em_strbuf_printf(out, "%d", ((const int16_t *)vals)[i]); break;
  case EM_T_INT: em_strbuf_printf(out, "%d", ((const int32_t *)vals)[i]); break;
  case EM_T_LONG: em_strbuf_printf(out, "%lld", (long long)((const int64_t *)vals)[i]); break;
  case EM_T_FLOAT: em_format_float(((const float *)vals)[i], out); break;
  case EM_T_DOUBLE: em_format_double(((const double *)vals)[i], out); break;
  case EM_T_DECIMAL: put_decimal(out, vals + i * 16, t->u.dec.scale); break;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR: {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    em_strbuf_append(out, s, (size_t)len);
    break;
  }
  case EM_T_BINARY: {
    int32_t len;
    const uint8_t *s = (const uint8_t *)em_vec_str(v, i, &len);
    if (o && o->cast) {
      em_strbuf_append(out, (const char *)s, (size_t)len);
      break;
    }
    em_strbuf_putc(out, '[');
    for (int32_t k = 0; k < len; k++) em_strbuf_printf(out, k ? " %02X" : "%02X", s[k]);
    em_strbuf_putc(out, ']');
    break;
  }
  case EM_T_DATE: put_date(out, ((const int32_t *)vals)[i]); break;
  case EM_T_TIMESTAMP: {
    int64_t us = ((const int64_t *)vals)[i];
    int64_t off = em_tz_offset(o ? o->tz : NULL, floor_div(us, 1000000));
    put_timestamp(out, us + off * 1000000);
    break;
  }
  case EM_T_TIMESTAMP_NTZ: put_timestamp(out, ((const int64_t *)vals)[i]); break;
  case EM_T_TIME: {
    int64_t ns = ((const int64_t *)vals)[i];
    int64_t secs = floor_div(ns, 1000000000LL);
    em_strbuf_printf(out, "%02d:%02d:%02d", (int)(secs / 3600 % 24), (int)(secs / 60 % 60), (int)(secs % 60));
    put_fraction(out, ns - secs * 1000000000LL, 9);
    break;
  }
  case EM_T_YM_INTERVAL:
    put_ym_interval(out, ((const int32_t *)vals)[i], t->u.interval.start, t->u.interval.end);
    break;
  case EM_T_DT_INTERVAL:
    put_dt_interval(out, ((const int64_t *)vals)[i], t->u.interval.start, t->u.interval.end);
    break;
  case EM_T_CAL_INTERVAL: {
    const uint8_t *p = vals + i * 16;
    int32_t months, days;
    int64_t nanos;
    memcpy(&months, p, 4);
    memcpy(&days, p + 4, 4);
    memcpy(&nanos, p + 8, 8);
    put_cal_interval(out, months, days, nanos);
    break;
  }
  case EM_T_ARRAY:
  case EM_T_MAP: return put_list(v, i, o, out, err);
  case EM_T_STRUCT:
    em_strbuf_putc(out, '{');
    for (int k = 0; k < v->nchildren; k++) {
      if (k) em_strbuf_puts(out, ", ");
      if (put_value(v->children[k], i, o, out, err)) return -1;
    }
    em_strbuf_putc(out, '}');
    break;
  default: {
    em_strbuf name;
    em_strbuf_init(&name);
    em_type_simple_string(t, &name);
    em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", name.data ? name.data : "?", NULL);
    em_strbuf_free(&name);
    return -1;
  }
  }
  if (out->oom) {
    em_error_set(err, EM_ERR_MEMORY_LIMIT, "requestedBytes", "?", "receivedBytes", "0", NULL);
    return -1;
  }
  return 0;
}

int em_format_value(const em_vec *v, int64_t i, const em_format_opts *opts, em_strbuf *out, em_error *err) {
  if (!v || i < 0 || i >= v->len) return em_error_internal(err, "row %lld out of range", (long long)i);
  return put_value(v, i, opts, out, err);
}
