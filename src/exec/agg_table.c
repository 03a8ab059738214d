/*
 * The grouping hash table of the hash aggregate.
 *
 * Algorithm. Open addressing with linear probing over a power-of-two slot
 * array kept at most half full. Lookups are done a batch at a time: first
 * the hash of every row (a multiply-xorshift finalizer for single integer
 * keys, XXH3 over the canonical row-key bytes otherwise), then one probe
 * loop that prefetches the slot of the row 16 ahead (for tables beyond the
 * L1/L2 caches), so the cache misses of a large table overlap instead of
 * queueing. Single integer keys take two passes: a branch-free one for the
 * rows whose key sits in its home slot, then the probe loop for the rest.
 *
 * Layout. Groups are numbered densely 0..ngroups-1 in order of first
 * appearance; everything about a group is columnar and indexed by its id:
 * its hash (kept so that growing and merging never rehash keys), its key
 * (int64 bits for EM_AT_INT, an offset into one byte heap for EM_AT_BYTES)
 * and one state array per aggregate. INT slots hold the key inline next to
 * the group id (16 bytes), so a probe usually touches one cache line; BYTES
 * slots hold 32 hash bits as a tag so that key bytes are compared only on
 * a likely match. The NULL key of an INT table is a group without a slot.
 *
 * Memory. Every array growth is charged to the query's memtracker before
 * it happens; when the budget refuses, the lookup fails with
 * UNABLE_TO_ACQUIRE_MEMORY and the table stays consistent (see the spill
 * design in op_hash_agg.c). States that own heap memory (collect_list,
 * DISTINCT sets) are not charged yet.
 */
#include "agg_int.h"

#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#define MIN_SLOTS 1024

static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

static int charge(em_aggtable *t, int64_t bytes, em_error *err) {
  if (bytes <= 0 || !t->mem) return 0;
  if (em_memtracker_reserve(t->mem, bytes, err)) return -1;
  t->charged += bytes;
  return 0;
}

static size_t slot_size(const em_aggtable *t) {
  return t->mode == EM_AT_INT ? sizeof(em_at_islot) : sizeof(em_at_bslot);
}

static int oom(em_error *err) { return em_error_internal(err, "out of memory in hash aggregate"); }

/* Grows the per-group arrays to hold `need` groups. */
static int grow_groups(em_aggtable *t, uint32_t need, em_error *err) {
  if (need <= t->capgroups) return 0;
  uint32_t nc = t->capgroups ? t->capgroups : 256;
  while (nc < need) nc *= 2;
  size_t per = 8 + (t->mode == EM_AT_INT ? 8 : 0) + (t->mode == EM_AT_BYTES ? 4 : 0);
  for (int a = 0; a < t->naggs; a++) per += t->aggs[a]->u.fn.agg->state_size;
  if (charge(t, (int64_t)per * (nc - t->capgroups), err)) return -1;
  uint64_t *h = em_realloc(t->hashes, sizeof(uint64_t) * nc);
  if (!h) return oom(err);
  t->hashes = h;
  if (t->mode == EM_AT_INT) {
    int64_t *k = em_realloc(t->ikeys, sizeof(int64_t) * nc);
    if (!k) return oom(err);
    t->ikeys = k;
  }
  if (t->mode == EM_AT_BYTES) {
    uint32_t *o = em_realloc(t->koffs, sizeof(uint32_t) * ((size_t)nc + 1));
    if (!o) return oom(err);
    t->koffs = o;
  }
  for (int a = 0; a < t->naggs; a++) {
    size_t ss = t->aggs[a]->u.fn.agg->state_size;
    uint8_t *s = em_realloc(t->states[a], ss * nc + 1);
    if (!s) return oom(err);
    /* Zero-initialised states (init == NULL) start zeroed in bulk. */
    memset(s + ss * t->capgroups, 0, ss * (nc - t->capgroups));
    t->states[a] = s;
  }
  t->capgroups = nc;
  return 0;
}

/* A zeroed slot array of n bytes; *mem receives what to free. Big arrays
 * are aligned to 2 MiB and marked for transparent huge pages: probes read
 * them at random, and with 4 KiB pages most of those reads would miss the
 * TLB too. They are zeroed by writing (memset), not calloc: calloc's fresh
 * pages are mapped to the shared zero page on a probe's first read and then
 * copied on the first write, and each of those copies flushes the TLB of
 * every core running the query. */
static void *slots_alloc(size_t n, void **mem) {
  const size_t huge = (size_t)2 << 20;
  if (n < 2 * huge) return *mem = em_calloc(1, n);
  uint8_t *raw = em_malloc(n + huge);
  if (!(*mem = raw)) return NULL;
  uint8_t *p = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
  madvise(p, n & ~(huge - 1), MADV_HUGEPAGE);
  memset(p, 0, n);
  return p;
}

static int resize_slots(em_aggtable *t, uint64_t nslots, em_error *err) {
  size_t ss = slot_size(t);
  if (charge(t, (int64_t)(ss * nslots) - (int64_t)(t->slots ? ss * (t->mask + 1) : 0), err)) return -1;
  void *nmem;
  void *ns = slots_alloc(nslots * ss, &nmem);
  if (!ns) return oom(err);
  uint64_t mask = nslots - 1;
  if (t->mode == EM_AT_INT) {
    em_at_islot *s = ns;
    for (uint32_t g = 0; g < t->ngroups; g++) {
      if ((int64_t)g == t->null_gid) continue;
      uint64_t i = t->hashes[g] & mask;
      while (s[i].gid1) i = (i + 1) & mask;
      s[i].key = t->ikeys[g];
      s[i].gid1 = g + 1;
    }
  } else {
    em_at_bslot *s = ns;
    for (uint32_t g = 0; g < t->ngroups; g++) {
      uint64_t i = t->hashes[g] & mask;
      while (s[i].gid1) i = (i + 1) & mask;
      s[i].tag = (uint32_t)(t->hashes[g] >> 32);
      s[i].gid1 = g + 1;
    }
  }
  em_free(t->slots_mem);
  t->slots = ns;
  t->slots_mem = nmem;
  t->mask = mask;
  return 0;
}

/* Creates group ngroups (arrays already grown): states initialised. */
static inline void init_group(em_aggtable *t, uint32_t g) {
  for (int a = 0; a < t->naggs; a++) {
    const em_agg_def *d = t->aggs[a]->u.fn.agg;
    if (d->init) d->init(t->aggs[a], t->states[a] + (size_t)g * d->state_size);
  }
}

em_aggtable *em_aggtable_new(em_at_mode mode, int nkeys, em_type *const *key_types, int naggs,
                             em_expr *const *aggs, em_memtracker *mem, em_error *err) {
  em_aggtable *t = em_calloc(1, sizeof *t);
  if (!t) return oom(err), NULL;
  t->mode = mode;
  t->nkeys = nkeys;
  t->key_types = key_types;
  t->naggs = naggs;
  t->aggs = aggs;
  t->mem = mem;
  t->null_gid = -1;
  t->states = em_calloc((size_t)(naggs ? naggs : 1), sizeof *t->states);
  if (!t->states) {
    em_free(t);
    return oom(err), NULL;
  }
  if (mode == EM_AT_NONE) {
    if (grow_groups(t, 1, err)) goto fail;
    init_group(t, 0);
    t->hashes[0] = 0;
    t->ngroups = 1;
  } else {
    if (mode == EM_AT_BYTES) {
      if (grow_groups(t, 1, err)) goto fail;
      t->koffs[0] = 0;
    }
    if (resize_slots(t, MIN_SLOTS, err)) goto fail;
  }
  return t;
fail:
  em_aggtable_free(t);
  return NULL;
}

void em_aggtable_free(em_aggtable *t) {
  if (!t) return;
  for (int a = 0; a < t->naggs; a++) {
    const em_agg_def *d = t->aggs[a]->u.fn.agg;
    if (d->destroy && t->states[a])
      for (uint32_t g = 0; g < t->ngroups; g++) d->destroy(t->aggs[a], t->states[a] + (size_t)g * d->state_size);
    em_free(t->states[a]);
  }
  em_free(t->states);
  em_free(t->slots_mem);
  em_free(t->hashes);
  em_free(t->ikeys);
  em_free(t->koffs);
  em_free(t->kheap);
  em_free(t->bh);
  em_free(t->bk);
  em_free(t->bm);
  em_rowkeys_free(&t->rk);
  if (t->mem && t->charged) em_memtracker_release(t->mem, t->charged);
  em_free(t);
}

static int scratch(em_aggtable *t, int64_t n, em_error *err) {
  if (n <= t->bcap) return 0;
  em_free(t->bh);
  em_free(t->bk);
  em_free(t->bm);
  t->bh = em_malloc(sizeof(uint64_t) * (size_t)n);
  t->bk = em_malloc(sizeof(int64_t) * (size_t)n);
  t->bm = em_malloc(sizeof(uint32_t) * (size_t)n);
  if (!t->bh || !t->bk || !t->bm) {
    em_free(t->bh);
    em_free(t->bk);
    em_free(t->bm);
    t->bh = NULL;
    t->bk = NULL;
    t->bm = NULL;
    t->bcap = 0;
    return oom(err);
  }
  t->bcap = n;
  return 0;
}

/* Loads a fixed-width key column as int64 bits (floats normalised). */
static void load_ikeys(const em_vec *v, int64_t n, int64_t *out) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN:
    for (int64_t i = 0; i < n; i++) out[i] = em_bit_get(p, i);
    break;
  case EM_T_BYTE:
    for (int64_t i = 0; i < n; i++) out[i] = ((const int8_t *)p)[i];
    break;
  case EM_T_SHORT:
    for (int64_t i = 0; i < n; i++) out[i] = ((const int16_t *)p)[i];
    break;
  case EM_T_FLOAT:
    for (int64_t i = 0; i < n; i++) {
      float f = em_norm_float(((const float *)p)[i]);
      int32_t b;
      memcpy(&b, &f, 4);
      out[i] = b;
    }
    break;
  case EM_T_DOUBLE:
    for (int64_t i = 0; i < n; i++) {
      double d = em_norm_double(((const double *)p)[i]);
      memcpy(&out[i], &d, 8);
    }
    break;
  default:
    if (em_type_fixed_width(v->type) == 4)
      for (int64_t i = 0; i < n; i++) out[i] = ((const int32_t *)p)[i];
    else
      memcpy(out, p, sizeof(int64_t) * (size_t)n);
    break;
  }
}

static inline int new_group_check(em_aggtable *t, em_error *err) {
  if ((uint64_t)(t->ngroups + 1) * 2 > t->mask + 1 && resize_slots(t, (t->mask + 1) * 2, err)) return -1;
  if (t->ngroups + 1 >= t->capgroups && grow_groups(t, t->ngroups + 2, err)) return -1;
  if (t->ngroups == UINT32_MAX - 2) return em_error_internal(err, "too many groups");
  return 0;
}

/* Finds or inserts an INT key with hash h; returns the group or -1. */
static inline int64_t int_find(em_aggtable *t, int64_t key, uint64_t h, em_error *err) {
  em_at_islot *s = t->slots;
  uint64_t i = h & t->mask;
  for (;;) {
    if (!s[i].gid1) break;
    if (s[i].key == key) return s[i].gid1 - 1;
    i = (i + 1) & t->mask;
  }
  if (new_group_check(t, err)) return -1;
  if (s != t->slots) { /* resized: find the empty slot again */
    s = t->slots;
    i = h & t->mask;
    while (s[i].gid1) i = (i + 1) & t->mask;
  }
  uint32_t g = t->ngroups++;
  s[i].key = key;
  s[i].gid1 = g + 1;
  t->hashes[g] = h;
  t->ikeys[g] = key;
  init_group(t, g);
  return g;
}

/* int_find's insert, out of line for em_aggtable_lookup's loop. */
static __attribute__((noinline)) int64_t int_insert(em_aggtable *t, int64_t key, uint64_t h, em_error *err) {
  return int_find(t, key, h, err);
}

static int64_t int_null_group(em_aggtable *t, em_error *err) {
  if (t->null_gid >= 0) return t->null_gid;
  if (new_group_check(t, err)) return -1;
  uint32_t g = t->ngroups++;
  t->hashes[g] = 0;
  t->ikeys[g] = 0;
  init_group(t, g);
  t->null_gid = g;
  return g;
}

static inline int64_t bytes_find(em_aggtable *t, const uint8_t *key, uint32_t len, uint64_t h, em_error *err) {
  em_at_bslot *s = t->slots;
  uint32_t tag = (uint32_t)(h >> 32);
  uint64_t i = h & t->mask;
  for (;;) {
    if (!s[i].gid1) break;
    if (s[i].tag == tag) {
      uint32_t g = s[i].gid1 - 1;
      if (t->koffs[g + 1] - t->koffs[g] == len && memcmp(t->kheap + t->koffs[g], key, len) == 0) return g;
    }
    i = (i + 1) & t->mask;
  }
  if (new_group_check(t, err)) return -1;
  size_t used = t->koffs[t->ngroups];
  if ((uint64_t)used + len > UINT32_MAX) return em_error_internal(err, "group keys exceed 4 GiB"), -1;
  if (used + len > t->kheap_cap) {
    size_t nc = t->kheap_cap ? t->kheap_cap : 4096;
    while (nc < used + len) nc *= 2;
    if (charge(t, (int64_t)(nc - t->kheap_cap), err)) return -1;
    uint8_t *nh = em_realloc(t->kheap, nc);
    if (!nh) return oom(err), -1;
    t->kheap = nh;
    t->kheap_cap = nc;
  }
  if (s != t->slots) {
    s = t->slots;
    i = h & t->mask;
    while (s[i].gid1) i = (i + 1) & t->mask;
  }
  uint32_t g = t->ngroups++;
  memcpy(t->kheap + used, key, len);
  t->koffs[g + 1] = (uint32_t)(used + len);
  s[i].tag = tag;
  s[i].gid1 = g + 1;
  t->hashes[g] = h;
  init_group(t, g);
  return g;
}

int em_aggtable_reserve(em_aggtable *t, uint64_t ngroups, em_error *err) {
  if (t->mode == EM_AT_NONE) return 0;
  uint64_t slots = t->mask + 1;
  while (slots < ngroups * 2) slots *= 2;
  if (slots > t->mask + 1 && resize_slots(t, slots, err)) return -1;
  if (ngroups + 2 > t->capgroups && ngroups < UINT32_MAX - 2 && grow_groups(t, (uint32_t)ngroups + 2, err)) return -1;
  return 0;
}

#define PREFETCH_AHEAD 16
#define SMALL_SLOTS 8192 /* 128 KiB of INT slots */

int em_aggtable_lookup(em_aggtable *t, em_vec *const *keys, int64_t n, uint32_t *groups, em_error *err) {
  if (t->mode == EM_AT_NONE) {
    memset(groups, 0, sizeof(uint32_t) * (size_t)n);
    return 0;
  }
  if (scratch(t, n, err)) return -1;
  uint64_t *h = t->bh;
  if (t->mode == EM_AT_INT) {
    const em_vec *v = keys[0];
    int64_t *k = t->bk;
    load_ikeys(v, n, k);
    for (int64_t i = 0; i < n; i++) h[i] = mix64((uint64_t)k[i]);
    const uint8_t *valid = v->validity && v->null_count ? v->validity->data : NULL;
    /* Two passes. The first, without branches, takes every row whose key
     * sits in its home slot (most rows of a table kept half empty) and
     * lists the others; the second probes and inserts those, in row
     * order, so new groups are numbered by first appearance as before.
     * The first pass sees the table as it was before the batch: a key new
     * in the batch misses on every row and is inserted by its first one. */
    em_at_islot *s = t->slots;
    uint64_t mask = t->mask;
    uint32_t *miss = t->bm;
    int64_t nmiss = 0;
    bool prefetch = mask >= SMALL_SLOTS;
    for (int64_t i = 0; i < n; i++) {
      if (prefetch && i + PREFETCH_AHEAD < n) __builtin_prefetch(s + (h[i + PREFETCH_AHEAD] & mask));
      const em_at_islot *e = &s[h[i] & mask];
      bool hit = (e->gid1 != 0) & (e->key == k[i]);
      if (valid) hit &= em_bit_get(valid, i);
      groups[i] = e->gid1 - 1;
      miss[nmiss] = (uint32_t)i;
      nmiss += !hit;
    }
    for (int64_t m = 0; m < nmiss; m++) {
      int64_t i = miss[m];
      if (prefetch && m + PREFETCH_AHEAD < nmiss) __builtin_prefetch(s + (h[miss[m + PREFETCH_AHEAD]] & mask));
      int64_t g = -1;
      if (valid && !em_bit_get(valid, i)) {
        g = int_null_group(t, err);
      } else {
        int64_t key = k[i];
        for (uint64_t j = h[i] & mask; s[j].gid1; j = (j + 1) & mask)
          if (s[j].key == key) {
            g = s[j].gid1 - 1;
            break;
          }
        if (g < 0) g = int_insert(t, key, h[i], err);
      }
      if (g < 0) return -1;
      groups[i] = (uint32_t)g;
      if (s != t->slots) { /* grown */
        s = t->slots;
        mask = t->mask;
        prefetch = mask >= SMALL_SLOTS;
      }
    }
    return 0;
  }
  if (em_rowkeys_encode(&t->rk, keys, t->nkeys, n)) return oom(err);
  const uint32_t *o = t->rk.offs;
  const uint8_t *d = t->rk.data;
  for (int64_t i = 0; i < n; i++) h[i] = XXH3_64bits(d + o[i], o[i + 1] - o[i]);
  for (int64_t i = 0; i < n; i++) {
    if (i + PREFETCH_AHEAD < n) __builtin_prefetch((em_at_bslot *)t->slots + (h[i + PREFETCH_AHEAD] & t->mask));
    int64_t g = bytes_find(t, d + o[i], o[i + 1] - o[i], h[i], err);
    if (g < 0) return -1;
    groups[i] = (uint32_t)g;
  }
  return 0;
}

/* t's group of src's group sg (created when new); -1 on error. */
static int64_t group_of(em_aggtable *t, const em_aggtable *src, uint32_t sg, em_error *err) {
  if (t->mode == EM_AT_NONE) return 0;
  if (t->mode == EM_AT_INT)
    return (int64_t)sg == src->null_gid ? int_null_group(t, err) : int_find(t, src->ikeys[sg], src->hashes[sg], err);
  return bytes_find(t, src->kheap + src->koffs[sg], src->koffs[sg + 1] - src->koffs[sg], src->hashes[sg], err);
}

int em_aggtable_merge(em_aggtable *t, em_aggtable *src, const uint32_t *src_gids, int64_t n, uint32_t *scratch_gids,
                      em_error *err) {
  for (int64_t i = 0; i < n; i++) {
    int64_t g = group_of(t, src, src_gids[i], err);
    if (g < 0) return -1;
    scratch_gids[i] = (uint32_t)g;
  }
  for (int a = 0; a < t->naggs; a++) {
    const em_agg_def *d = t->aggs[a]->u.fn.agg;
    if (d->merge(t->aggs[a], t->states[a], d->state_size, scratch_gids, src->states[a], d->state_size, src_gids, n,
                 err))
      return -1;
  }
  return 0;
}

int em_aggtable_move_groups(em_aggtable *t, em_aggtable *src, const uint32_t *src_gids, int64_t n, em_error *err) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t sg = src_gids[i];
    int64_t g = group_of(t, src, sg, err);
    if (g < 0) return -1;
    for (int a = 0; a < t->naggs; a++) {
      const em_agg_def *d = t->aggs[a]->u.fn.agg;
      size_t ss = d->state_size;
      uint8_t *from = src->states[a] + (size_t)sg * ss, *to = t->states[a] + (size_t)g * ss;
      if (d->destroy) d->destroy(t->aggs[a], to); /* the new group's initial state */
      memcpy(to, from, ss);
      if (d->destroy) memset(from, 0, ss); /* what it owned moved: zeroed, still destroyable */
    }
  }
  return 0;
}

/* Builds a key vector of type kt from int64 bits. */
static em_vec *emit_ikeys(const em_aggtable *t, em_type *kt, int64_t start, int64_t n) {
  em_vec *v = em_vec_new(kt, n);
  if (!v) return NULL;
  bool has_null = t->null_gid >= start && t->null_gid < start + n;
  if (kt->id == EM_T_BOOLEAN) {
    for (int64_t i = 0; i < n; i++) {
      int rc = (start + i == t->null_gid) ? em_vec_append_null(v) : em_vec_append_bool(v, t->ikeys[start + i] != 0);
      if (rc) {
        em_vec_unref(v);
        return NULL;
      }
    }
    return v;
  }
  int w = em_type_fixed_width(kt);
  uint8_t *dst = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) {
    int64_t x = t->ikeys[start + i];
    switch (w) {
    case 1: dst[i] = (uint8_t)x; break;
    case 2: ((int16_t *)dst)[i] = (int16_t)x; break;
    case 4: ((int32_t *)dst)[i] = (int32_t)x; break;
    default: ((int64_t *)dst)[i] = x; break;
    }
  }
  v->len = n;
  v->values->len = (size_t)n * (size_t)w;
  if (has_null) {
    if (em_vec_ensure_validity(v)) {
      em_vec_unref(v);
      return NULL;
    }
    em_bit_clear(v->validity->data, t->null_gid - start);
    v->null_count = 1;
  }
  return v;
}

int em_aggtable_emit(em_aggtable *t, int64_t start, int64_t n, em_vec **cols, em_error *err) {
  int nk = t->mode == EM_AT_NONE ? 0 : t->nkeys;
  int made = 0;
  if (t->mode == EM_AT_INT) {
    if (!(cols[0] = emit_ikeys(t, t->key_types[0], start, n))) return oom(err);
    made = 1;
  } else if (t->mode == EM_AT_BYTES) {
    for (int k = 0; k < nk; k++, made++)
      if (!(cols[k] = em_vec_new(t->key_types[k], n))) goto fail_oom;
    for (int64_t g = start; g < start + n; g++) {
      const uint8_t *p = t->kheap + t->koffs[g], *end = t->kheap + t->koffs[g + 1];
      for (int k = 0; k < nk; k++)
        if (em_rowkey_decode(cols[k], &p, end)) goto fail_oom;
    }
  }
  for (int a = 0; a < t->naggs; a++) {
    const em_agg_def *d = t->aggs[a]->u.fn.agg;
    if (d->finish(t->aggs[a], t->states[a] + (size_t)start * d->state_size, d->state_size, n, &cols[nk + a], err))
      goto fail;
    made++;
  }
  return 0;
fail_oom:
  oom(err);
fail:
  for (int i = 0; i < made; i++) em_vec_unref(cols[i]);
  memset(cols, 0, sizeof(em_vec *) * (size_t)made);
  return -1;
}

/* ---- spilling support (spill_agg.c) ---- */

int em_aggtable_hash(em_aggtable *t, em_vec *const *keys, int64_t n, uint64_t *h, em_error *err) {
  if (t->mode == EM_AT_NONE) {
    memset(h, 0, sizeof(uint64_t) * (size_t)n);
    return 0;
  }
  if (scratch(t, n, err)) return -1;
  if (t->mode == EM_AT_INT) {
    const em_vec *v = keys[0];
    load_ikeys(v, n, t->bk);
    const uint8_t *valid = v->validity && v->null_count ? v->validity->data : NULL;
    for (int64_t i = 0; i < n; i++) h[i] = valid && !em_bit_get(valid, i) ? 0 : mix64((uint64_t)t->bk[i]);
    return 0;
  }
  if (em_rowkeys_encode(&t->rk, keys, t->nkeys, n)) return oom(err);
  for (int64_t i = 0; i < n; i++) h[i] = XXH3_64bits(t->rk.data + t->rk.offs[i], t->rk.offs[i + 1] - t->rk.offs[i]);
  return 0;
}

int em_aggtable_stored_key(const em_aggtable *t, uint32_t g, em_strbuf *out) {
  if (t->mode == EM_AT_INT) {
    uint8_t k[9];
    k[0] = (int64_t)g == t->null_gid;
    memcpy(k + 1, &t->ikeys[g], 8);
    return em_strbuf_append(out, (const char *)k, 9);
  }
  if (t->mode == EM_AT_BYTES)
    return em_strbuf_append(out, (const char *)t->kheap + t->koffs[g], t->koffs[g + 1] - t->koffs[g]);
  return 0;
}

int64_t em_aggtable_find_stored(em_aggtable *t, uint64_t h, const uint8_t *key, uint32_t len, em_error *err) {
  if (t->mode == EM_AT_NONE) return 0;
  if (t->mode == EM_AT_INT) {
    if (len != 9) return em_error_internal(err, "corrupt spilled group key"), -1;
    if (key[0]) return int_null_group(t, err);
    int64_t k;
    memcpy(&k, key + 1, 8);
    return int_find(t, k, h, err);
  }
  return bytes_find(t, key, len, h, err);
}

int em_aggtable_update(em_aggtable *t, const uint32_t *groups, const em_batch *b, em_exec_ctx *ctx, em_error *err) {
  int rc = 0;
  for (int a = 0; !rc && a < t->naggs; a++) {
    const em_expr *call = t->aggs[a];
    em_vec *abuf[4];
    em_vec **args = call->nargs <= 4 ? abuf : em_calloc((size_t)call->nargs, sizeof *args);
    if (!args) return em_error_internal(err, "out of memory in aggregate");
    const em_agg_def *d = call->u.fn.agg;
    int na = 0;
    for (; na < call->nargs; na++) {
      if (call->args[na]->kind == EM_EX_LITERAL && em_agg_scalar_args(d)) {
        args[na] = em_vec_ref(call->args[na]->u.lit);
        continue;
      }
      if (em_expr_eval(call->args[na], b, &ctx->eval, &args[na], err)) {
        rc = -1;
        break;
      }
    }
    if (!rc) rc = d->update(call, t->states[a], d->state_size, groups, args, b->nrows, err);
    for (int k = 0; k < na; k++) em_vec_unref(args[k]);
    if (args != abuf) em_free(args);
  }
  return rc;
}

int em_agg_emit_batch(em_sink *s, em_agg_src_local *l, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  int64_t n = l->end - l->pos;
  if (n > ctx->batch_rows) n = ctx->batch_rows;
  int ncols = s->out_schema->u.st.nfields;
  em_vec **cols = em_calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory in aggregate");
  if (em_aggtable_emit(l->t, l->pos, n, cols, err)) {
    em_free(cols);
    return -1;
  }
  l->pos += n;
  *out = em_batch_new(em_type_ref(s->out_schema), ncols, cols, n);
  em_free(cols);
  return *out ? 0 : em_error_internal(err, "out of memory in aggregate");
}

int em_agg_bucket_next(em_sink *s, void *arg, em_agg_bucket_fn build, int per_out, em_agg_src_local *l, int part,
                       em_batch **out, em_exec_ctx *ctx, em_error *err) {
  *out = NULL;
  while (!l->t || l->pos >= l->end) {
    if (l->t) {
      em_aggtable_free(l->t);
      l->t = NULL;
      l->t_owned = false;
    }
    if (l->bucket >= per_out) return 0;
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    int b = part * per_out + l->bucket++;
    em_error_clear(err);
    em_aggtable *t = build(s, arg, b, ctx, err);
    if (!t) {
      if (err->cls != EM_ERR_NONE) return -1;
      continue;
    }
    l->t = t;
    l->t_owned = true;
    l->pos = 0;
    l->end = t->ngroups;
  }
  return em_agg_emit_batch(s, l, out, ctx, err);
}

int em_agg_scatter_order(const em_hash_agg_cfg *cfg, em_aggtable *t, const em_batch *b, em_exec_ctx *ctx,
                         em_vec **cols, uint64_t *h, uint32_t *idx, int bits, int64_t *cnt, em_error *err) {
  int c = 0;
  for (int k = 0; k < cfg->nkeys; k++, c++)
    if (em_expr_eval(cfg->keys[k], b, &ctx->eval, &cols[c], err)) return -1;
  for (int a = 0; a < cfg->naggs; a++)
    for (int i = 0; i < cfg->aggs[a]->nargs; i++, c++)
      if (em_expr_eval(cfg->aggs[a]->args[i], b, &ctx->eval, &cols[c], err)) return -1;
  int64_t n = b->nrows;
  if (em_aggtable_hash(t, cols, n, h, err)) return -1;
  int nb = 1 << bits;
  memset(cnt, 0, sizeof *cnt * (size_t)(nb + 1));
  for (int64_t i = 0; i < n; i++) cnt[(h[i] >> (64 - bits)) + 1]++;
  for (int k = 0; k < nb; k++) cnt[k + 1] += cnt[k];
  int64_t *fill = em_malloc(sizeof *fill * (size_t)nb);
  if (!fill) return em_error_internal(err, "out of memory in aggregate");
  memcpy(fill, cnt, sizeof *fill * (size_t)nb);
  for (int64_t i = 0; i < n; i++) idx[fill[h[i] >> (64 - bits)]++] = (uint32_t)i;
  em_free(fill);
  return 0;
}

int em_aggtable_absorb(em_aggtable *m, em_aggtable *t, em_error *err) {
  uint32_t *gids = em_malloc(sizeof *gids * (size_t)(t->ngroups + 1));
  uint32_t *scratch = em_malloc(sizeof *scratch * (size_t)(t->ngroups + 1));
  int rc = gids && scratch ? 0 : em_error_internal(err, "out of memory in aggregate");
  if (!rc) {
    for (uint32_t g = 0; g < t->ngroups; g++) gids[g] = g;
    rc = em_aggtable_merge(m, t, gids, t->ngroups, scratch, err);
  }
  em_free(gids);
  em_free(scratch);
  em_aggtable_free(t);
  return rc;
}
