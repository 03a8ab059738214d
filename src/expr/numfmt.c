/*
 * Text forms of numbers as the JVM prints them, shared by literal names,
 * casts to STRING and error messages. Spark prints doubles with Java's
 * Double.toString and decimals with BigDecimal.toPlainString.
 */
#include "expr_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Java's Double.toString / Float.toString: the shortest decimal that reads
 * back to the same value, in plain notation for 1e-3 <= |x| < 1e7 and in
 * computerized scientific notation (1.0E10) otherwise. */
void em_fmt_double(double d, bool is_float, em_strbuf *sb) {
  if (isnan(d)) {
    em_strbuf_puts(sb, "NaN");
    return;
  }
  if (isinf(d)) {
    em_strbuf_puts(sb, d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  if (d == 0) {
    em_strbuf_puts(sb, signbit(d) ? "-0.0" : "0.0");
    return;
  }
  char digits[40];
  int exp10 = 0;
  /* Shortest %e representation that round-trips. */
  for (int prec = 1; prec <= 17; prec++) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    bool same = is_float ? (float)strtod(buf, NULL) == (float)d : strtod(buf, NULL) == d;
    if (same || prec == 17) {
      /* buf = [-]D.DDDDe[+-]XX */
      char *e = strchr(buf, 'e');
      exp10 = atoi(e + 1);
      int k = 0;
      for (char *p = buf; p < e; p++)
        if (*p >= '0' && *p <= '9') digits[k++] = *p;
      digits[k] = '\0';
      break;
    }
  }
  /* Trim trailing zeros (keep one digit). */
  size_t nd = strlen(digits);
  while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = '\0';
  if (d < 0) em_strbuf_putc(sb, '-');
  double ad = fabs(d);
  if (ad >= 1e-3 && ad < 1e7) {
    if (exp10 >= 0) {
      for (int i = 0; i <= exp10; i++) em_strbuf_putc(sb, i < (int)nd ? digits[i] : '0');
      em_strbuf_putc(sb, '.');
      if ((int)nd > exp10 + 1)
        em_strbuf_puts(sb, digits + exp10 + 1);
      else
        em_strbuf_putc(sb, '0');
    } else {
      em_strbuf_puts(sb, "0.");
      for (int i = 0; i < -exp10 - 1; i++) em_strbuf_putc(sb, '0');
      em_strbuf_puts(sb, digits);
    }
  } else {
    em_strbuf_putc(sb, digits[0]);
    em_strbuf_putc(sb, '.');
    em_strbuf_puts(sb, nd > 1 ? digits + 1 : "0");
    em_strbuf_printf(sb, "E%d", exp10);
  }
}

void em_fmt_decimal(__int128 v, int scale, em_strbuf *sb) {
  char buf[64];
  int k = 0;
  bool neg = v < 0;
  unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
  do {
    buf[k++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  while (k <= scale) buf[k++] = '0';
  if (neg) em_strbuf_putc(sb, '-');
  for (int i = k - 1; i >= 0; i--) {
    em_strbuf_putc(sb, buf[i]);
    if (i == scale && scale > 0) em_strbuf_putc(sb, '.');
  }
}

