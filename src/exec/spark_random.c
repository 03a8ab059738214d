/*
 * The random number generators Spark's partitioning and sampling use,
 * reproduced bit for bit so that Ember picks the same rows and partitions:
 *
 *  - XORShiftRandom (Spark): 64-bit xorshift (21, 35, 4) whose seed is
 *    first scrambled with Scala's MurmurHash3.bytesHash of the seed's 8
 *    big-endian bytes (low word with the array seed 0x3c074a61, high word
 *    seeded with the low one). Round-robin repartitioning starts each input
 *    partition at XORShiftRandom(partition).nextInt(n); Bernoulli sampling
 *    draws nextDouble() per row from XORShiftRandom(seed + partition).
 *  - java.util.Random: the 48-bit LCG (0x5DEECE66D, 11). Poisson sampling
 *    seeds partition i with the (i+1)-th nextLong() of Random(seed); the
 *    partition coalescer is driven by Random(7919).
 *  - Well19937c (Apache Commons Math), the generator behind the
 *    PoissonDistribution Spark samples with replacement from; its
 *    nextDouble takes 52 bits from two 26-bit draws.
 * nextInt(bound) and nextDouble follow java.util.Random's definitions,
 * including the rejection loop for bounds that are not powers of two.
 */
#include "exec_int.h"

#include <math.h>
#include <string.h>

/* ---- Scala MurmurHash3.bytesHash ---- */

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t scala_mix_last(uint32_t h, uint32_t k) {
  k *= 0xcc9e2d51u;
  k = rotl32(k, 15);
  k *= 0x1b873593u;
  return h ^ k;
}

static uint32_t scala_mix(uint32_t h, uint32_t k) {
  h = scala_mix_last(h, k);
  h = rotl32(h, 13);
  return h * 5 + 0xe6546b64u;
}

static uint32_t scala_avalanche(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static uint32_t scala_bytes_hash(const uint8_t *d, int len, uint32_t seed) {
  uint32_t h = seed;
  int i = 0, n = len;
  for (; n >= 4; i += 4, n -= 4)
    h = scala_mix(h, (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 | (uint32_t)d[i + 3] << 24);
  uint32_t k = 0;
  if (n == 3) k ^= (uint32_t)d[i + 2] << 16;
  if (n >= 2) k ^= (uint32_t)d[i + 1] << 8;
  if (n >= 1) {
    k ^= d[i];
    h = scala_mix_last(h, k);
  }
  return scala_avalanche(h ^ (uint32_t)len);
}

/* ---- XORShiftRandom ---- */

void em_xorshift_init(em_xorshift *r, int64_t seed) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)seed >> (56 - 8 * i));
  uint32_t lo = scala_bytes_hash(b, 8, 0x3c074a61u);
  uint32_t hi = scala_bytes_hash(b, 8, lo);
  r->seed = (uint64_t)hi << 32 | lo;
}

static int32_t xorshift_next(em_xorshift *r, int bits) {
  uint64_t x = r->seed;
  x ^= x << 21;
  x ^= x >> 35;
  x ^= x << 4;
  r->seed = x;
  return (int32_t)(x & ((1ull << bits) - 1));
}

/* java.util.Random.nextInt(bound) over any next(bits). */
#define NEXT_INT_BODY(NEXT)                                            \
  int32_t rr = NEXT(r, 31);                                            \
  int32_t m = bound - 1;                                               \
  if ((bound & m) == 0) return (int32_t)(((int64_t)bound * rr) >> 31); \
  for (int32_t u = rr; (int64_t)u - (rr = u % bound) + m > INT32_MAX; u = NEXT(r, 31)) { \
  }                                                                    \
  return rr;

int32_t em_xorshift_next_int(em_xorshift *r, int32_t bound) { NEXT_INT_BODY(xorshift_next) }

double em_xorshift_next_double(em_xorshift *r) {
  int64_t a = xorshift_next(r, 26), b = xorshift_next(r, 27);
  return (double)((a << 27) + b) * 0x1.0p-53;
}

/* ---- java.util.Random ---- */

#define JR_MULT 0x5DEECE66Dull
#define JR_MASK ((1ull << 48) - 1)

void em_jrandom_init(em_jrandom *r, int64_t seed) { r->seed = ((uint64_t)seed ^ JR_MULT) & JR_MASK; }

static int32_t jrandom_next(em_jrandom *r, int bits) {
  r->seed = (r->seed * JR_MULT + 0xB) & JR_MASK;
  return (int32_t)(int64_t)(r->seed >> (48 - bits));
}

int32_t em_jrandom_next_int(em_jrandom *r, int32_t bound) { NEXT_INT_BODY(jrandom_next) }

int64_t em_jrandom_next_long(em_jrandom *r) {
  int64_t hi = jrandom_next(r, 32), lo = jrandom_next(r, 32);
  return (int64_t)((uint64_t)hi << 32) + lo;
}

/* ---- Well19937c ---- */

enum { WELL_R = 624, WELL_M1 = 70, WELL_M2 = 179, WELL_M3 = 449 };

void em_well_init(em_well *w, int64_t seed) {
  w->v[0] = (int32_t)((uint64_t)seed >> 32);
  w->v[1] = (int32_t)seed;
  for (int i = 2; i < WELL_R; i++) {
    int64_t l = w->v[i - 2];
    w->v[i] = (int32_t)(uint32_t)((1812433253ll * (l ^ (l >> 30)) + i) & 0xffffffffll);
  }
  w->index = 0;
}

static int32_t well_next(em_well *w, int bits) {
  int32_t *v = w->v;
  int idx = w->index;
  int rm1 = (idx + WELL_R - 1) % WELL_R, rm2 = (idx + WELL_R - 2) % WELL_R;
  uint32_t v0 = (uint32_t)v[idx], vm1 = (uint32_t)v[(idx + WELL_M1) % WELL_R];
  uint32_t vm2 = (uint32_t)v[(idx + WELL_M2) % WELL_R], vm3 = (uint32_t)v[(idx + WELL_M3) % WELL_R];
  uint32_t z0 = (0x80000000u & (uint32_t)v[rm1]) ^ (0x7fffffffu & (uint32_t)v[rm2]);
  uint32_t z1 = (v0 ^ (v0 << 25)) ^ (vm1 ^ (vm1 >> 27));
  uint32_t z2 = (vm2 >> 9) ^ (vm3 ^ (vm3 >> 1));
  uint32_t z3 = z1 ^ z2;
  uint32_t z4 = z0 ^ (z1 ^ (z1 << 9)) ^ (z2 ^ (z2 << 21)) ^ (z3 ^ (z3 >> 21));
  v[idx] = (int32_t)z3;
  v[rm1] = (int32_t)z4;
  v[rm2] = (int32_t)((uint32_t)v[rm2] & 0x80000000u);
  w->index = rm1;
  z4 ^= (z4 << 7) & 0xe46e1700u;
  z4 ^= (z4 << 15) & 0x9b868000u;
  return (int32_t)(z4 >> (32 - bits));
}

double em_well_next_double(em_well *w) {
  int64_t hi = (int64_t)well_next(w, 26) << 26;
  int64_t lo = well_next(w, 26);
  return (double)(hi | lo) * 0x1.0p-52;
}

int64_t em_poisson_sample(em_well *w, double mean) {
  /* PoissonDistribution.nextPoisson for means below 40: multiply uniform
   * draws until the product falls under exp(-mean). Larger means (sampling
   * a row 40+ times on average) use the same method, where Commons Math
   * switches to a rejection sampler; the counts then differ from Spark's. */
  double p = exp(-mean), r = 1.0;
  int64_t n = 0;
  while ((double)n < 1000 * mean) {
    r *= em_well_next_double(w);
    if (r >= p)
      n++;
    else
      return n;
  }
  return n;
}
