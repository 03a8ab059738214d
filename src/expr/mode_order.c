/*
 * The order in which Spark's Mode iterates its counts, to break ties as
 * Spark does when mode() is not deterministic. Mode counts in an
 * OpenHashMap (initial capacity 64, load factor 0.7) keyed by the boxed
 * Catalyst values and returns the first value of highest count the map
 * iterates; the map iterates its slots in index order. A key's slot is
 * murmur3_32 (Guava, seed 0) of the key's Java hashCode, masked by the
 * capacity, then probed at +1, +2, +3... past occupied slots; when the
 * size exceeds 0.7 x capacity the capacity doubles and the keys are
 * reinserted in slot order.
 *
 * The final map of an aggregation is built in three steps, each
 * inserting the keys in the previous one's iteration order into a fresh
 * map: the partial aggregation (keys in the order first seen), its
 * deserialization, and the final merge. Keys are Java-hashed as
 * Integer/Long/Float/Double/Boolean (Byte and Short like Integer) and
 * UTF8String (Spark's Murmur3_x86_32.hashUnsafeBytes, seed 42, which mixes
 * each trailing byte as a signed int).
 */
#include "agg_fn.h"

#include <string.h>

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static uint32_t mix_k1(uint32_t k) { return rotl32(k * 0xcc9e2d51u, 15) * 0x1b873593u; }
static uint32_t mix_h1(uint32_t h, uint32_t k) { return rotl32(h ^ k, 13) * 5 + 0xe6546b64u; }
static uint32_t fmix(uint32_t h, uint32_t len) {
  h ^= len;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

static uint32_t utf8_hash(const uint8_t *p, uint32_t n) {
  uint32_t h = 42, aligned = n - n % 4;
  for (uint32_t i = 0; i < aligned; i += 4)
    h = mix_h1(h, mix_k1((uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24));
  for (uint32_t i = aligned; i < n; i++) h = mix_h1(h, mix_k1((uint32_t)(int32_t)(int8_t)p[i]));
  return fmix(h, n);
}

static uint32_t long_hash(uint64_t v) { return (uint32_t)(v ^ (v >> 32)); }

/* The Java hashCode of a key; false for types not reproduced. */
static bool java_hash(const em_aggval *k, const em_type *t, uint32_t *out) {
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
    uint64_t x;
    memcpy(&x, b, 8);
    *out = long_hash(x);
    return true;
  }
  case EM_T_FLOAT: {
    float f;
    memcpy(&f, b, 4);
    uint32_t bits;
    if (f != f) bits = 0x7fc00000u;
    else memcpy(&bits, &f, 4);
    *out = bits;
    return true;
  }
  case EM_T_DOUBLE: {
    double d;
    memcpy(&d, b, 8);
    uint64_t bits;
    if (d != d) bits = 0x7ff8000000000000ull;
    else memcpy(&bits, &d, 8);
    *out = long_hash(bits);
    return true;
  }
  case EM_T_STRING:
    if (!k->heap || k->len < 5) return false;
    *out = utf8_hash(k->u.bytes + 5, k->len - 5);
    return true;
  default: return false;
  }
}

/* Inserts keys (by hash) in the order `in` into a fresh map; writes the
 * iteration order to out. slots: scratch of at least 2 * n + 128. */
static bool one_map(const uint32_t *hash, const int64_t *in, int64_t n, int64_t *out, int64_t *slots, int64_t cap_max) {
  int64_t cap = 64, size = 0;
  for (int64_t i = 0; i < cap; i++) slots[i] = -1;
  for (int64_t k = 0; k < n; k++) {
    int64_t key = in[k];
    int64_t mask = cap - 1, pos = fmix(mix_h1(0, mix_k1(hash[key])), 4) & (uint32_t)mask, delta = 1;
    while (slots[pos] >= 0) {
      pos = (pos + delta) & mask;
      delta++;
    }
    slots[pos] = key;
    size++;
    if (size > (int64_t)(0.7 * (double)cap)) {
      /* Rehash into twice the capacity, in slot order. */
      int64_t ncap = cap * 2, w = 0;
      if (ncap > cap_max) return false;
      for (int64_t i = 0; i < cap; i++)
        if (slots[i] >= 0) out[w++] = slots[i];
      for (int64_t i = 0; i < ncap; i++) slots[i] = -1;
      int64_t nmask = ncap - 1;
      for (int64_t i = 0; i < w; i++) {
        int64_t p = fmix(mix_h1(0, mix_k1(hash[out[i]])), 4) & (uint32_t)nmask, d = 1;
        while (slots[p] >= 0) {
          p = (p + d) & nmask;
          d++;
        }
        slots[p] = out[i];
      }
      cap = ncap;
    }
  }
  int64_t w = 0;
  for (int64_t i = 0; i < cap; i++)
    if (slots[i] >= 0) out[w++] = slots[i];
  return true;
}

bool em_mode_spark_order(const em_aggval *const *keys, int64_t n, const em_type *t, int64_t *out);
bool em_mode_spark_order(const em_aggval *const *keys, int64_t n, const em_type *t, int64_t *out) {
  uint32_t *hash = em_malloc(sizeof *hash * (size_t)(n + 1));
  int64_t cap_max = 128;
  while (cap_max < 4 * n) cap_max *= 2;
  int64_t *slots = em_malloc(sizeof *slots * (size_t)cap_max);
  int64_t *a = em_malloc(sizeof *a * (size_t)(n + 1));
  bool ok = hash && slots && a;
  for (int64_t i = 0; ok && i < n; i++) ok = java_hash(keys[i], t, &hash[i]);
  if (ok) {
    for (int64_t i = 0; i < n; i++) a[i] = i;
    /* partial map, its deserialization, the final merge */
    ok = one_map(hash, a, n, out, slots, cap_max) && one_map(hash, out, n, a, slots, cap_max) &&
         one_map(hash, a, n, out, slots, cap_max);
  }
  em_free(hash);
  em_free(slots);
  em_free(a);
  return ok;
}
