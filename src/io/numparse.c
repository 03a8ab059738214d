/*
 * Java's number syntax, as Spark's CSV and JSON readers inherit it:
 * Integer/Long.parseLong (sign and digits only), Double.parseDouble
 * (surrounding control characters and spaces trimmed, NaN, Infinity, an
 * optional d/f suffix) and new BigDecimal(String) (precision and scale
 * kept, the scale may be negative with an exponent).
 */
#include "io_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool em_java_parse_long(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (n > 0 && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
  if (i == n) return false;
  unsigned __int128 v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (unsigned)(s[i] - '0');
    if (v > ((unsigned __int128)1 << 64)) return false;
  }
  __int128 sv = neg ? -(__int128)v : (__int128)v;
  if (sv < lo || sv > hi) return false;
  *out = (int64_t)sv;
  return true;
}

bool em_java_parse_double(const char *s, size_t n, double *out) {
  while (n > 0 && (unsigned char)s[0] <= ' ') s++, n--;
  while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
  if (n == 0 || n > 400) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
  if (n - i == 3 && memcmp(s + i, "NaN", 3) == 0) return *out = NAN, true;
  if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0) return *out = neg ? -INFINITY : INFINITY, true;
  size_t digits = 0, start = i;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t ed = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, ed++;
    if (ed == 0) return false;
  }
  size_t numend = i;
  if (i < n && (s[i] == 'd' || s[i] == 'D' || s[i] == 'f' || s[i] == 'F')) i++;
  if (i != n) return false;
  char buf[420];
  memcpy(buf, s + start, numend - start);
  buf[numend - start] = '\0';
  double d = strtod(buf, NULL);
  *out = neg ? -d : d;
  return true;
}

bool em_java_parse_bigdecimal(const char *s, size_t n, __int128 *unscaled, int *precision, int *scale) {
  size_t i = 0;
  bool neg = false;
  if (n > 0 && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
  __int128 v = 0;
  int nd = 0, frac = 0, sig = 0;
  bool any = false, dot = false, overflow = false;
  for (; i < n; i++) {
    char c = s[i];
    if (c == '.') {
      if (dot) return false;
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any = true;
    nd++;
    if (dot) frac++;
    if (sig > 0 || c != '0') sig++;
    if (sig > 38) overflow = true;
    else v = v * 10 + (c - '0');
  }
  if (!any) return false;
  int64_t exp = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    size_t ed = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++) {
      exp = exp * 10 + (s[i] - '0');
      if (exp > 1000000000) return false;
    }
    if (ed == 0) return false;
    if (eneg) exp = -exp;
  }
  if (i != n) return false;
  *precision = sig == 0 ? 1 : sig;
  *scale = (int)(frac - exp);
  if (overflow) *precision = 39; /* too wide for a decimal: callers treat as not fitting */
  *unscaled = neg ? -v : v;
  return true;
}

/* 10^k for 0 <= k <= 38 (constant expressions, folded by the compiler). */
static const __int128 pow10_tab[39] = {
    (__int128)1ULL,
    (__int128)10ULL,
    (__int128)100ULL,
    (__int128)1000ULL,
    (__int128)10000ULL,
    (__int128)100000ULL,
    (__int128)1000000ULL,
    (__int128)10000000ULL,
    (__int128)100000000ULL,
    (__int128)1000000000ULL,
    (__int128)10000000000ULL,
    (__int128)100000000000ULL,
    (__int128)1000000000000ULL,
    (__int128)10000000000000ULL,
    (__int128)100000000000000ULL,
    (__int128)1000000000000000ULL,
    (__int128)10000000000000000ULL,
    (__int128)100000000000000000ULL,
    (__int128)1000000000000000000ULL,
    (__int128)10000000000000000000ULL,
    (__int128)10000000000000000000ULL * 10ULL,
    (__int128)10000000000000000000ULL * 100ULL,
    (__int128)10000000000000000000ULL * 1000ULL,
    (__int128)10000000000000000000ULL * 10000ULL,
    (__int128)10000000000000000000ULL * 100000ULL,
    (__int128)10000000000000000000ULL * 1000000ULL,
    (__int128)10000000000000000000ULL * 10000000ULL,
    (__int128)10000000000000000000ULL * 100000000ULL,
    (__int128)10000000000000000000ULL * 1000000000ULL,
    (__int128)10000000000000000000ULL * 10000000000ULL,
    (__int128)10000000000000000000ULL * 100000000000ULL,
    (__int128)10000000000000000000ULL * 1000000000000ULL,
    (__int128)10000000000000000000ULL * 10000000000000ULL,
    (__int128)10000000000000000000ULL * 100000000000000ULL,
    (__int128)10000000000000000000ULL * 1000000000000000ULL,
    (__int128)10000000000000000000ULL * 10000000000000000ULL,
    (__int128)10000000000000000000ULL * 100000000000000000ULL,
    (__int128)10000000000000000000ULL * 1000000000000000000ULL,
    (__int128)10000000000000000000ULL * 10000000000000000000ULL,
};

static __int128 pow10_128(int k) { return pow10_tab[k < 0 ? 0 : k > 38 ? 38 : k]; }

bool em_decimal_fit(__int128 v, int from, int precision, int scale, __int128 *out) {
  if (scale > from) {
    int k = scale - from;
    if (k > 38) return v == 0 ? (*out = 0, true) : false;
    __int128 p = pow10_128(k), lim = pow10_128(38);
    if (v > lim / p || v < -lim / p) return false;
    v *= p;
  } else if (scale < from) {
    int k = from - scale;
    if (k > 38) v = 0;
    else {
      __int128 p = pow10_128(k);
      __int128 q = v / p, r = v % p;
      if (r < 0) r = -r;
      if (r * 2 >= p) q += v < 0 ? -1 : 1;
      v = q;
    }
  }
  __int128 lim = pow10_128(precision);
  if (v >= lim || v <= -lim) return false;
  *out = v;
  return true;
}

int em_decimal_parse_simple(const char *s, size_t n, int precision, int scale, __int128 *out) {
  /* [+-]digits[.digits], at most 18 digits, no more fraction digits than
   * the scale: what em_java_parse_bigdecimal and em_decimal_fit give,
   * without their general cases. Anything else answers -1. */
  size_t i = 0;
  bool neg = false;
  if (n > 0 && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  uint64_t v = 0;
  size_t d0 = i;
  while (i < n && (unsigned)(s[i] - '0') < 10) v = v * 10 + (uint64_t)(s[i++] - '0');
  size_t ndig = i - d0, frac = 0;
  if (ndig == 0) return -1;
  if (i < n && s[i] == '.') {
    size_t f0 = ++i;
    while (i < n && (unsigned)(s[i] - '0') < 10) v = v * 10 + (uint64_t)(s[i++] - '0');
    frac = i - f0;
    if (frac == 0) return -1;
    ndig += frac;
  }
  if (i != n || ndig > 18 || (int)frac > scale || scale > 38 || precision > 38) return -1;
  if ((int)ndig + scale - (int)frac > 38) return -1; /* past 10^38: the general rule decides */
  __int128 x = (__int128)v * pow10_tab[scale - (int)frac];
  if (x >= pow10_tab[precision]) return 0;
  *out = neg ? -x : x;
  return 1;
}

void em_io_fmt_decimal(__int128 v, int scale, em_strbuf *sb) {
  char d[48];
  int nd = 0;
  bool neg = v < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-v) : (unsigned __int128)v;
  do {
    d[nd++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  while (nd <= scale) d[nd++] = '0';
  if (neg) em_strbuf_putc(sb, '-');
  for (int k = nd - 1; k >= 0; k--) {
    em_strbuf_putc(sb, d[k]);
    if (k == scale && scale > 0) em_strbuf_putc(sb, '.');
  }
}
