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

