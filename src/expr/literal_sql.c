/*
 * The SQL text of literal values, as Spark uses it to name unaliased
 * columns: numbers and strings print as their value (lit(1) -> "1",
 * lit("a") -> "a"), NULL as "NULL", booleans as true/false, dates and
 * timestamps as typed literals (DATE '2020-01-01').
 */
#include "expr_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Civil date from days since the epoch (proleptic Gregorian). */
static void civil(int64_t days, int64_t *y, int *m, int *d) {
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

static void put_date(int64_t days, em_strbuf *sb) {
  int64_t y;
  int m, d;
  civil(days, &y, &m, &d);
  em_strbuf_printf(sb, "%04" PRId64 "-%02d-%02d", y, m, d);
}

static void put_timestamp(int64_t us, em_strbuf *sb) {
  int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
  int64_t rem = us - days * 86400000000LL;
  put_date(days, sb);
  int64_t secs = rem / 1000000, frac = rem % 1000000;
  em_strbuf_printf(sb, " %02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  if (frac) {
    char f[8];
    snprintf(f, sizeof f, "%06d", (int)frac);
    int n = 6;
    while (n > 0 && f[n - 1] == '0') f[--n] = '\0';
    em_strbuf_printf(sb, ".%s", f);
  }
}

int em_literal_sql(const em_vec *lit, bool for_name, em_strbuf *sb) {
  if (em_vec_is_null(lit, 0)) return em_strbuf_puts(sb, "NULL");
  const void *p = em_vec_values(lit);
  switch (lit->type->id) {
  case EM_T_BOOLEAN: return em_strbuf_puts(sb, em_bit_get(p, 0) ? "true" : "false");
  case EM_T_BYTE: return em_strbuf_printf(sb, "%d", ((const int8_t *)p)[0]);
  case EM_T_SHORT: return em_strbuf_printf(sb, "%d", ((const int16_t *)p)[0]);
  case EM_T_INT: return em_strbuf_printf(sb, "%d", ((const int32_t *)p)[0]);
  case EM_T_LONG: return em_strbuf_printf(sb, "%lld", (long long)((const int64_t *)p)[0]);
  case EM_T_FLOAT: em_format_float(((const float *)p)[0], sb); return 0;
  case EM_T_DOUBLE: em_format_double(((const double *)p)[0], sb); return 0;
  case EM_T_DECIMAL: {
    __int128 v;
    memcpy(&v, p, sizeof v);
    em_fmt_decimal(v, lit->type->u.dec.scale, sb);
    return 0;
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR: {
    int32_t n;
    const char *s = em_vec_str(lit, 0, &n);
    if (for_name) return em_strbuf_append(sb, s, (size_t)n);
    em_strbuf_putc(sb, '\'');
    for (int32_t i = 0; i < n; i++) {
      if (s[i] == '\'' || s[i] == '\\') em_strbuf_putc(sb, '\\');
      em_strbuf_putc(sb, s[i]);
    }
    return em_strbuf_putc(sb, '\'');
  }
  case EM_T_BINARY: {
    int32_t n;
    const char *s = em_vec_str(lit, 0, &n);
    em_strbuf_puts(sb, "X'");
    for (int32_t i = 0; i < n; i++) em_strbuf_printf(sb, "%02X", (unsigned char)s[i]);
    return em_strbuf_putc(sb, '\'');
  }
  case EM_T_DATE:
    em_strbuf_puts(sb, "DATE '");
    put_date(((const int32_t *)p)[0], sb);
    return em_strbuf_putc(sb, '\'');
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
    em_strbuf_puts(sb, lit->type->id == EM_T_TIMESTAMP ? "TIMESTAMP '" : "TIMESTAMP_NTZ '");
    put_timestamp(((const int64_t *)p)[0], sb);
    return em_strbuf_putc(sb, '\'');
  default:
    /* Nested and interval literals: Spark's SQL text, simplified. */
    em_strbuf_puts(sb, "literal(");
    em_type_simple_string(lit->type, sb);
    return em_strbuf_putc(sb, ')');
  }
}
