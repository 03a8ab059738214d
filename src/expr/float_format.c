/*
 * Java's Double.toString and Float.toString, which Spark uses to cast
 * floating-point values to strings: the shortest digit string that reads
 * back to the same value, printed plainly for 1e-3 <= |x| < 1e7 ("100.0",
 * "0.001") and in Java's scientific form otherwise ("1.0E10", "1.0E-4").
 *
 * The digits come from printf's correctly rounded %.*e with increasing
 * precision until strtod/strtof give the value back. JDK 17's own digit
 * generator is not always shortest (it prints 1.0E23 as
 * 9.999999999999999E22); those rare values differ.
 */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* digits (no point, no sign) and decimal exponent of the first digit. */
static void shortest(double d, bool is_float, char *digits, int *exp10) {
  char buf[40];
  for (int prec = 0; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*e", prec, d);
    bool same = is_float ? (strtof(buf, NULL) == (float)d) : (strtod(buf, NULL) == d);
    if (same || prec == 17) break;
  }
  /* buf: d[.ddd]e[+-]xx */
  int n = 0;
  const char *p = buf;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0') n--;
  digits[n] = '\0';
  *exp10 = atoi(p + 1);
}

static int java_format(double d, bool is_float, em_strbuf *out) {
  if (isnan(d)) return em_strbuf_puts(out, "NaN");
  if (isinf(d)) return em_strbuf_puts(out, d < 0 ? "-Infinity" : "Infinity");
  if (d == 0) return em_strbuf_puts(out, signbit(d) ? "-0.0" : "0.0");
  if (d < 0) {
    em_strbuf_putc(out, '-');
    d = -d;
  }
  /* The smallest subnormals: Java's digit generator keeps two digits. */
  if (!is_float && d == 4.9406564584124654e-324) return em_strbuf_puts(out, "4.9E-324");
  if (is_float && (float)d == 1.40129846e-45f) return em_strbuf_puts(out, "1.4E-45");
  char digits[40];
  int e;
  shortest(d, is_float, digits, &e);
  int n = (int)strlen(digits);
  if (d >= 1e-3 && d < 1e7) {
    if (e >= 0) {
      for (int i = 0; i <= e; i++) em_strbuf_putc(out, i < n ? digits[i] : '0');
      em_strbuf_putc(out, '.');
      if (n > e + 1) em_strbuf_append(out, digits + e + 1, (size_t)(n - e - 1));
      else em_strbuf_putc(out, '0');
    } else {
      em_strbuf_puts(out, "0.");
      em_strbuf_repeat(out, '0', (size_t)(-e - 1));
      em_strbuf_append(out, digits, (size_t)n);
    }
    return out->oom ? -1 : 0;
  }
  em_strbuf_putc(out, digits[0]);
  em_strbuf_putc(out, '.');
  if (n > 1) em_strbuf_append(out, digits + 1, (size_t)(n - 1));
  else em_strbuf_putc(out, '0');
  return em_strbuf_printf(out, "E%d", e);
}

int em_format_double(double d, em_strbuf *out) { return java_format(d, false, out); }

int em_format_float(float f, em_strbuf *out) { return java_format((double)f, true, out); }
