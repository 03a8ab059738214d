/*
 * Division of 64-bit signed integers by a divisor fixed for many rows
 * (`x % 3` over a column) as a multiplication by a "magic" reciprocal and
 * shifts, after Hacker's Delight (Warren, 2nd ed., section 10-4): a
 * hardware 64-bit division costs tens of cycles, the multiply a few. The
 * quotient truncates toward zero, as C's and Java's `/`.
 */
#include "expr_int.h"

void em_divmagic_init(em_divmagic *m, int64_t d) {
  m->d = d;
  if (d == 1 || d == -1 || d == 0) {
    m->mul = 0;
    m->shift = 0;
    return;
  }
  const uint64_t two63 = (uint64_t)1 << 63;
  uint64_t ad = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
  uint64_t t = two63 + ((uint64_t)d >> 63);
  uint64_t anc = t - 1 - t % ad; /* |nc| */
  int p = 63;
  uint64_t q1 = two63 / anc, r1 = two63 - q1 * anc;
  uint64_t q2 = two63 / ad, r2 = two63 - q2 * ad;
  uint64_t delta;
  do {
    p++;
    q1 *= 2;
    r1 *= 2;
    if (r1 >= anc) {
      q1++;
      r1 -= anc;
    }
    q2 *= 2;
    r2 *= 2;
    if (r2 >= ad) {
      q2++;
      r2 -= ad;
    }
    delta = ad - r2;
  } while (q1 < delta || (q1 == delta && r1 == 0));
  uint64_t mag = q2 + 1;
  m->mul = (int64_t)(d < 0 ? 0 - mag : mag);
  m->shift = p - 64;
}
