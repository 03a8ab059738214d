/*
 * 128-bit decimal arithmetic with Java BigDecimal's rounding, for Spark's
 * DecimalType (unscaled two's complement value + a scale from the type).
 *
 * Sums and rescaling fit 128 bits. Products of two 38-digit values and
 * quotients computed at scale 39 (Spark divides with
 * BigDecimal.divide(x, 39, HALF_UP) and then rounds to the result scale)
 * need more: those go through a small fixed-width unsigned integer of
 * eight 64-bit limbs (512 bits), with schoolbook multiplication and, for
 * divisors wider than 64 bits, binary long division. The wide path is
 * only taken when the native 128-bit one would overflow.
 */
#include "expr_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(hi, lo) (((__int128)(hi) << 64) | (__int128)(lo))
static const __int128 pow10_tab[39] = {
    P(0x0000000000000000ULL, 0x0000000000000001ULL), /* 1e0 */
    P(0x0000000000000000ULL, 0x000000000000000aULL), /* 1e1 */
    P(0x0000000000000000ULL, 0x0000000000000064ULL), /* 1e2 */
    P(0x0000000000000000ULL, 0x00000000000003e8ULL), /* 1e3 */
    P(0x0000000000000000ULL, 0x0000000000002710ULL), /* 1e4 */
    P(0x0000000000000000ULL, 0x00000000000186a0ULL), /* 1e5 */
    P(0x0000000000000000ULL, 0x00000000000f4240ULL), /* 1e6 */
    P(0x0000000000000000ULL, 0x0000000000989680ULL), /* 1e7 */
    P(0x0000000000000000ULL, 0x0000000005f5e100ULL), /* 1e8 */
    P(0x0000000000000000ULL, 0x000000003b9aca00ULL), /* 1e9 */
    P(0x0000000000000000ULL, 0x00000002540be400ULL), /* 1e10 */
    P(0x0000000000000000ULL, 0x000000174876e800ULL), /* 1e11 */
    P(0x0000000000000000ULL, 0x000000e8d4a51000ULL), /* 1e12 */
    P(0x0000000000000000ULL, 0x000009184e72a000ULL), /* 1e13 */
    P(0x0000000000000000ULL, 0x00005af3107a4000ULL), /* 1e14 */
    P(0x0000000000000000ULL, 0x00038d7ea4c68000ULL), /* 1e15 */
    P(0x0000000000000000ULL, 0x002386f26fc10000ULL), /* 1e16 */
    P(0x0000000000000000ULL, 0x016345785d8a0000ULL), /* 1e17 */
    P(0x0000000000000000ULL, 0x0de0b6b3a7640000ULL), /* 1e18 */
    P(0x0000000000000000ULL, 0x8ac7230489e80000ULL), /* 1e19 */
    P(0x0000000000000005ULL, 0x6bc75e2d63100000ULL), /* 1e20 */
    P(0x0000000000000036ULL, 0x35c9adc5dea00000ULL), /* 1e21 */
    P(0x000000000000021eULL, 0x19e0c9bab2400000ULL), /* 1e22 */
    P(0x000000000000152dULL, 0x02c7e14af6800000ULL), /* 1e23 */
    P(0x000000000000d3c2ULL, 0x1bcecceda1000000ULL), /* 1e24 */
    P(0x0000000000084595ULL, 0x161401484a000000ULL), /* 1e25 */
    P(0x000000000052b7d2ULL, 0xdcc80cd2e4000000ULL), /* 1e26 */
    P(0x00000000033b2e3cULL, 0x9fd0803ce8000000ULL), /* 1e27 */
    P(0x00000000204fce5eULL, 0x3e25026110000000ULL), /* 1e28 */
    P(0x00000001431e0faeULL, 0x6d7217caa0000000ULL), /* 1e29 */
    P(0x0000000c9f2c9cd0ULL, 0x4674edea40000000ULL), /* 1e30 */
    P(0x0000007e37be2022ULL, 0xc0914b2680000000ULL), /* 1e31 */
    P(0x000004ee2d6d415bULL, 0x85acef8100000000ULL), /* 1e32 */
    P(0x0000314dc6448d93ULL, 0x38c15b0a00000000ULL), /* 1e33 */
    P(0x0001ed09bead87c0ULL, 0x378d8e6400000000ULL), /* 1e34 */
    P(0x0013426172c74d82ULL, 0x2b878fe800000000ULL), /* 1e35 */
    P(0x00c097ce7bc90715ULL, 0xb34b9f1000000000ULL), /* 1e36 */
    P(0x0785ee10d5da46d9ULL, 0x00f436a000000000ULL), /* 1e37 */
    P(0x4b3b4ca85a86c47aULL, 0x098a224000000000ULL), /* 1e38 */
};
#undef P

__int128 em_dec_pow10(int k) { return pow10_tab[k < 0 ? 0 : k > 38 ? 38 : k]; }

static unsigned __int128 uabs128(__int128 v) { return v < 0 ? -(unsigned __int128)v : (unsigned __int128)v; }

bool em_dec_fits(__int128 v, int precision) {
  if (precision >= 39) return true;
  return uabs128(v) < (unsigned __int128)pow10_tab[precision < 0 ? 0 : precision];
}

bool em_dec_rescale(__int128 v, int from, int to, __int128 *out) {
  if (to == from) {
    *out = v;
    return true;
  }
  if (to > from) {
    if (to - from > 38) {
      if (v == 0) return (*out = 0), true;
      return false;
    }
    return !__builtin_mul_overflow(v, pow10_tab[to - from], out);
  }
  int k = from - to;
  if (k > 38) {
    *out = 0; /* |v| < 10^39 / 2 * 10^k: rounds to zero */
    return true;
  }
  __int128 p = pow10_tab[k];
  __int128 q = v / p, r = v % p;
  /* HALF_UP: away from zero when the dropped part is at least half. */
  if (uabs128(r) * 2 >= (unsigned __int128)p) q += v < 0 ? -1 : 1;
  *out = q;
  return true;
}

bool em_dec_from_double(double d, int scale, int precision, __int128 *out) {
  if (isnan(d) || isinf(d)) return false;
  /* Java's BigDecimal(double) is exact; long double carries enough of it
   * for the digits a decimal(38) can hold when printed with %.*Lf. */
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%.*Lf", scale + 1, (long double)d);
  if (n <= 0 || n >= (int)sizeof buf) return false;
  __int128 v = 0;
  bool neg = false;
  int digits_after = -1;
  for (const char *p = buf; *p; p++) {
    if (*p == '-') neg = true;
    else if (*p == '.') digits_after = 0;
    else if (*p >= '0' && *p <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v)) return false;
      if (digits_after >= 0) digits_after++;
    }
  }
  /* v has scale+1 fractional digits: round the last one away. */
  __int128 r;
  if (!em_dec_rescale(v, scale + 1, scale, &r)) return false;
  if (neg) r = -r;
  if (!em_dec_fits(r, precision)) return false;
  *out = r;
  return true;
}

double em_dec_to_double(__int128 v, int scale) {
  /* Through the decimal text, so the result is the correctly rounded
   * double, as Java's BigDecimal.doubleValue is. */
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_fmt_decimal(v, scale, &sb);
  double d = sb.data ? strtod(sb.data, NULL) : 0;
  em_strbuf_free(&sb);
  return d;
}

/* ---- wide unsigned integers ---- */

#define WL 8
typedef struct wide {
  uint64_t l[WL]; /* little-endian limbs */
} wide;

static wide w_from(unsigned __int128 v) {
  wide w;
  memset(&w, 0, sizeof w);
  w.l[0] = (uint64_t)v;
  w.l[1] = (uint64_t)(v >> 64);
  return w;
}

static bool w_fits128(const wide *w) {
  for (int i = 2; i < WL; i++)
    if (w->l[i]) return false;
  return true;
}

static unsigned __int128 w_lo128(const wide *w) { return ((unsigned __int128)w->l[1] << 64) | w->l[0]; }

static void w_mul_small(wide *w, uint64_t m) {
  unsigned __int128 carry = 0;
  for (int i = 0; i < WL; i++) {
    unsigned __int128 t = (unsigned __int128)w->l[i] * m + carry;
    w->l[i] = (uint64_t)t;
    carry = t >> 64;
  }
}

/* w *= 10^k */
static void w_mul_pow10(wide *w, int k) {
  while (k > 0) {
    int s = k > 19 ? 19 : k;
    w_mul_small(w, (uint64_t)pow10_tab[s]);
    k -= s;
  }
}

/* w /= d, returns the remainder. */
static uint64_t w_div_small(wide *w, uint64_t d) {
  unsigned __int128 rem = 0;
  for (int i = WL - 1; i >= 0; i--) {
    unsigned __int128 cur = (rem << 64) | w->l[i];
    w->l[i] = (uint64_t)(cur / d);
    rem = cur % d;
  }
  return (uint64_t)rem;
}

static bool w_is_zero(const wide *w) {
  for (int i = 0; i < WL; i++)
    if (w->l[i]) return false;
  return true;
}

static int w_cmp(const wide *a, const wide *b) {
  for (int i = WL - 1; i >= 0; i--)
    if (a->l[i] != b->l[i]) return a->l[i] < b->l[i] ? -1 : 1;
  return 0;
}

static void w_sub(wide *a, const wide *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < WL; i++) {
    uint64_t x = a->l[i], y = b->l[i];
    uint64_t d = x - y - borrow;
    borrow = (x < y || (x == y && borrow)) ? 1 : 0;
    a->l[i] = d;
  }
}

static void w_shl1(wide *a, int bit) {
  for (int i = WL - 1; i > 0; i--) a->l[i] = (a->l[i] << 1) | (a->l[i - 1] >> 63);
  a->l[0] = (a->l[0] << 1) | (uint64_t)bit;
}

static int w_bits(const wide *a) {
  for (int i = WL - 1; i >= 0; i--)
    if (a->l[i]) return i * 64 + 64 - __builtin_clzll(a->l[i]);
  return 0;
}

/* q = n / d, r = n % d (d != 0). */
static void w_divmod(const wide *n, const wide *d, wide *q, wide *r) {
  memset(q, 0, sizeof *q);
  memset(r, 0, sizeof *r);
  int d_bits = w_bits(d);
  if (d_bits <= 64) {
    *q = *n;
    *r = w_from(w_div_small(q, d->l[0]));
    return;
  }
  for (int b = w_bits(n) - 1; b >= 0; b--) {
    w_shl1(r, (int)((n->l[b / 64] >> (b % 64)) & 1));
    w_shl1(q, 0);
    if (w_cmp(r, d) >= 0) {
      w_sub(r, d);
      q->l[0] |= 1;
    }
  }
}

static void w_inc(wide *w) {
  for (int i = 0; i < WL; i++)
    if (++w->l[i]) break;
}

/* w = round_half_up(w / 10^k). */
static void w_div_pow10_round(wide *w, int k) {
  if (k <= 0) return;
  int rest = k - 1;
  while (rest > 0) {
    int s = rest > 19 ? 19 : rest;
    w_div_small(w, (uint64_t)pow10_tab[s]);
    rest -= s;
  }
  uint64_t digit = w_div_small(w, 10);
  if (digit >= 5) w_inc(w);
}

static bool w_to_signed(const wide *w, bool neg, __int128 *out) {
  if (!w_fits128(w)) return false;
  unsigned __int128 u = w_lo128(w);
  if (u > ((unsigned __int128)1 << 127) - (neg ? 0 : 1)) return false;
  *out = (__int128)(neg ? (unsigned __int128)0 - u : u);
  return true;
}

static int w_digits(const wide *w) {
  if (w_fits128(w)) {
    /* Below 10^38 the table answers without dividing. */
    unsigned __int128 u = w_lo128(w);
    int d = 0;
    while (d < 38 && u >= (unsigned __int128)pow10_tab[d]) d++;
    if (d < 38 || u < (unsigned __int128)pow10_tab[38]) return d;
  }
  wide t = *w;
  int d = 0;
  while (!w_is_zero(&t)) {
    w_div_small(&t, 10);
    d++;
  }
  return d;
}

/* Plain text of a wide unsigned value with `scale` fractional digits
 * (negative: trailing zeros), as BigDecimal.toPlainString. */
static void w_plain(const wide *w, bool neg, int scale, em_strbuf *sb) {
  char digits[200];
  int nd = 0;
  wide t = *w;
  do {
    digits[nd++] = (char)('0' + (int)w_div_small(&t, 10));
  } while (!w_is_zero(&t) && nd < (int)sizeof digits);
  if (neg) em_strbuf_putc(sb, '-');
  if (scale <= 0) {
    for (int i = nd - 1; i >= 0; i--) em_strbuf_putc(sb, digits[i]);
    for (int i = 0; i < -scale; i++) em_strbuf_putc(sb, '0');
    return;
  }
  while (nd <= scale) digits[nd++] = '0';
  for (int i = nd - 1; i >= 0; i--) {
    em_strbuf_putc(sb, digits[i]);
    if (i == scale) em_strbuf_putc(sb, '.');
  }
}

bool em_dec_mul(__int128 a, __int128 b, int from_scale, int to_scale, __int128 *out, em_strbuf *overflow_text) {
  /* Spark multiplies with MathContext(38, HALF_UP): the exact product is
   * first rounded to 38 significant digits, then to the result scale. */
  bool neg = (a < 0) != (b < 0);
  unsigned __int128 ua = uabs128(a), ub = uabs128(b);
  /* Fast path: an exact product of at most 38 digits needs no rounding,
   * and at the same scale it is the answer. */
  unsigned __int128 p;
  if (to_scale == from_scale && !__builtin_mul_overflow(ua, ub, &p) && p < (unsigned __int128)pow10_tab[38]) {
    *out = neg ? -(__int128)p : (__int128)p;
    return true;
  }
  /* 128 x 128 -> 256 via four 64 x 64 partial products. */
  wide w;
  memset(&w, 0, sizeof w);
  uint64_t pa[2] = {(uint64_t)ua, (uint64_t)(ua >> 64)}, pb[2] = {(uint64_t)ub, (uint64_t)(ub >> 64)};
  for (int i = 0; i < 2; i++) {
    unsigned __int128 carry = 0;
    for (int j = 0; j < 2; j++) {
      unsigned __int128 t = (unsigned __int128)pa[i] * pb[j] + w.l[i + j] + carry;
      w.l[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    w.l[i + 2] += (uint64_t)carry;
  }
  int scale = from_scale;
  int d = w_digits(&w);
  if (d > 38) {
    w_div_pow10_round(&w, d - 38);
    scale -= d - 38;
    if (w_digits(&w) > 38) { /* 99..9 rounded up to 10^38 */
      w_div_small(&w, 10);
      scale--;
    }
  }
  wide r = w;
  if (to_scale >= scale)
    w_mul_pow10(&r, to_scale - scale);
  else
    w_div_pow10_round(&r, scale - to_scale);
  if (w_to_signed(&r, neg, out)) return true;
  if (overflow_text) w_plain(&w, neg, scale, overflow_text);
  return false;
}

bool em_dec_div(__int128 a, int sa, __int128 b, int sb, int scale, __int128 *out) {
  /* q39 = round_half_up(a / b at scale 39), then to `scale`. a/b at scale
   * 39 is (|a| * 10^(39 - sa + sb)) / |b| when the exponent is >= 0,
   * else |a| / (|b| * 10^-(...)). */
  bool neg = (a < 0) != (b < 0);
  int e = 39 - sa + sb;
  wide n = w_from(uabs128(a)), d = w_from(uabs128(b));
  if (e >= 0)
    w_mul_pow10(&n, e);
  else
    w_mul_pow10(&d, -e);
  wide q, r;
  w_divmod(&n, &d, &q, &r);
  /* HALF_UP: 2r >= d. */
  w_shl1(&r, 0);
  if (!w_is_zero(&r) && w_cmp(&r, &d) >= 0) w_inc(&q);
  if (scale < 39)
    w_div_pow10_round(&q, 39 - scale);
  return w_to_signed(&q, neg, out);
}
