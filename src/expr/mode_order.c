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

/* A key's slot hash: Guava's murmur3_32 (seed 0) of its 4-byte hashCode. */
static uint32_t slot_hash(uint32_t h) { return em_jvm_fmix(em_jvm_mix(0, h), 4); }

/* Inserts keys (by hash) in the order `in` into a fresh map; writes the
 * iteration order to out. slots: scratch of at least 2 * n + 128. */
static bool one_map(const uint32_t *hash, const int64_t *in, int64_t n, int64_t *out, int64_t *slots, int64_t cap_max) {
  int64_t cap = 64, size = 0;
  for (int64_t i = 0; i < cap; i++) slots[i] = -1;
  for (int64_t k = 0; k < n; k++) {
    int64_t key = in[k];
    int64_t mask = cap - 1, pos = slot_hash(hash[key]) & (uint32_t)mask, delta = 1;
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
        int64_t p = slot_hash(hash[out[i]]) & (uint32_t)nmask, d = 1;
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
  for (int64_t i = 0; ok && i < n; i++) ok = em_jvm_key_hash(keys[i], t, false, &hash[i]);
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
