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
    em_fmt_date(((const int32_t *)p)[0], sb);
    return em_strbuf_putc(sb, '\'');
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
    em_strbuf_puts(sb, lit->type->id == EM_T_TIMESTAMP ? "TIMESTAMP '" : "TIMESTAMP_NTZ '");
    em_fmt_timestamp(((const int64_t *)p)[0], sb);
    return em_strbuf_putc(sb, '\'');
  case EM_T_DT_INTERVAL:
  case EM_T_YM_INTERVAL: {
    /* INTERVAL '1 02:03:04' DAY TO SECOND, as show() prints them. */
    em_error ferr;
    return em_format_value(lit, 0, NULL, sb, &ferr);
  }
  default:
    /* Nested and interval literals: Spark's SQL text, simplified. */
    em_strbuf_puts(sb, "literal(");
    em_type_simple_string(lit->type, sb);
    return em_strbuf_putc(sb, ')');
  }
}
