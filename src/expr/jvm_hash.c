/*
 * JVM hashes of aggregate keys, for reproducing the iteration order of the
 * hash maps Spark's aggregates keep (mode_order.c: OpenHashMap, Java's
 * hashCode; agg_freq_items.c: Scala's mutable.Map, Scala's ##), and
 * Murmur3_x86_32's mixing steps that both maps and UTF8String use.
 *
 * Java's hashCode and Scala's ## agree on booleans, bytes, shorts, ints and
 * strings. They differ on numbers that Scala hashes as the narrowest type
 * holding the value: Scala's ## of a long that fits an int is that int (Java
 * folds the high word in), and of a float or double with a whole value is
 * that of the int or long it equals.
 */
#include "agg_fn.h"

#include <string.h>

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

uint32_t em_jvm_mix(uint32_t h, uint32_t k) {
  k = rotl32(k * 0xcc9e2d51u, 15) * 0x1b873593u;
  return rotl32(h ^ k, 13) * 5 + 0xe6546b64u;
}

uint32_t em_jvm_fmix(uint32_t h, uint32_t len) {
  h ^= len;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

uint32_t em_jvm_utf8_hash(const uint8_t *p, uint32_t n) {
  uint32_t h = 42, aligned = n - n % 4;
  for (uint32_t i = 0; i < aligned; i += 4)
    h = em_jvm_mix(h, (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24);
  for (uint32_t i = aligned; i < n; i++) h = em_jvm_mix(h, (uint32_t)(int32_t)(int8_t)p[i]);
  return em_jvm_fmix(h, n);
}

static uint32_t java_long(uint64_t v) { return (uint32_t)(v ^ (v >> 32)); }

static uint32_t scala_long(int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) return (uint32_t)(int32_t)v;
  return java_long((uint64_t)v);
}

static uint32_t float_bits(float f) {
  uint32_t bits = 0x7fc00000u; /* Java's canonical NaN */
  if (f == f) memcpy(&bits, &f, 4);
  return bits;
}

static uint32_t double_bits(double d) {
  uint64_t bits = 0x7ff8000000000000ull;
  if (d == d) memcpy(&bits, &d, 8);
  return java_long(bits);
}

static uint32_t scala_float(float f) {
  if (f == f && f >= -2147483648.0f && f < 2147483648.0f && (float)(int32_t)f == f) return (uint32_t)(int32_t)f;
  if (f == f && f >= -9.2233720368547758e18f && f < 9.2233720368547758e18f && (float)(int64_t)f == f)
    return scala_long((int64_t)f);
  return float_bits(f);
}

/* Scala's ## of a double: as an int, a long, a float, else Double.hashCode. */
static uint32_t scala_double(double d) {
  if (d == d && d >= -2147483648.0 && d <= 2147483647.0 && (double)(int32_t)d == d) return (uint32_t)(int32_t)d;
  if (d == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 && (double)(int64_t)d == d)
    return scala_long((int64_t)d);
  if (d != d || (double)(float)d == d) return float_bits((float)d);
  return double_bits(d);
}

bool em_jvm_key_hash(const em_aggval *k, const em_type *t, bool scala, uint32_t *out) {
  if (k->null) {
    *out = 0;
    return true;
  }
  const uint8_t *b = k->u.inl;
  switch (t->id) {
  case EM_T_BOOLEAN: *out = b[0] ? 1231u : 1237u; return true;
  case EM_T_BYTE: *out = (uint32_t)(int32_t)*(const int8_t *)b; return true;
  case EM_T_SHORT: {
    int16_t x;
    memcpy(&x, b, 2);
    *out = (uint32_t)(int32_t)x;
    return true;
  }
  case EM_T_INT:
  case EM_T_DATE: {
    int32_t x;
    memcpy(&x, b, 4);
    *out = (uint32_t)x;
    return true;
  }
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ: {
    int64_t x;
    memcpy(&x, b, 8);
    *out = scala ? scala_long(x) : java_long((uint64_t)x);
    return true;
  }
  case EM_T_FLOAT: {
    float f;
    memcpy(&f, b, 4);
    *out = scala ? scala_float(f) : float_bits(f);
    return true;
  }
  case EM_T_DOUBLE: {
    double d;
    memcpy(&d, b, 8);
    *out = scala ? scala_double(d) : double_bits(d);
    return true;
  }
  case EM_T_STRING:
    if (!k->heap || k->len < 5) return false;
    *out = em_jvm_utf8_hash(k->u.bytes + 5, k->len - 5);
    return true;
  default: return false;
  }
}
