/*
 * Normalized sort keys: an order-preserving 64-bit prefix per row of a sort
 * key, and a stable radix sort of (prefix, row) pairs.
 *
 * The prefix of a non-null value maps Spark's order onto unsigned integer
 * order: integers (and dates, timestamps, intervals, decimals of at most 18
 * digits) with their sign bit flipped; floating point as its IEEE bits made
 * monotone (negative values inverted, positive ones with the sign bit set)
 * after folding -0.0 onto 0.0 and every NaN onto one NaN above +Infinity,
 * which is Spark's SQLOrderingUtil order; strings and binaries by their
 * first 8 bytes, big-endian, zero padded; wider decimals by their high 64
 * bits. Descending order inverts every bit. Nulls get no prefix: the sort
 * puts them in a block of their own, first or last.
 *
 * A prefix is "exact" when equal prefixes mean equal values (everything
 * except strings, binaries and wide decimals); otherwise rows with equal
 * prefixes are ordered by the full comparison afterwards (op_sort.c).
 *
 * The radix sort is least-significant-digit first over 8-bit digits, so it
 * is stable; a single counting pass builds all eight histograms and digits
 * in which every row falls into one bucket are skipped (small integers
 * sort in two or three passes).
 */
#include "sort_int.h"

#include <math.h>
#include <string.h>

bool em_sort_key_supported(const em_type *t, bool *exact) {
  *exact = true;
  switch (t->id) {
  case EM_T_BOOLEAN:
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL:
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME:
  case EM_T_FLOAT:
  case EM_T_DOUBLE: return true;
  case EM_T_DECIMAL: *exact = t->u.dec.precision <= 18; return true;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: *exact = false; return true;
  default: *exact = false; return false;
  }
}

#define SIGN64 ((uint64_t)1 << 63)

static inline uint64_t enc_double(double d) {
  if (d != d) d = NAN; /* one NaN, the positive quiet one, above +Infinity */
  if (d == 0) d = 0.0; /* -0.0 == 0.0 */
  uint64_t u;
  memcpy(&u, &d, 8);
  return (u & SIGN64) ? ~u : u | SIGN64;
}

static inline uint64_t enc_bytes(const uint8_t *p, int32_t n) {
  uint64_t k = 0;
  int32_t m = n < 8 ? n : 8;
  for (int32_t i = 0; i < m; i++) k |= (uint64_t)p[i] << (56 - 8 * i);
  return k;
}

void em_sort_key_encode(const em_vec *v, const uint32_t *rows, int64_t n, bool asc, uint64_t *out) {
  const void *vals = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN:
    for (int64_t i = 0; i < n; i++) out[i] = em_bit_get(vals, rows[i]);
    break;
#define ENC_INT(ID, T)                                                                     \
  case ID:                                                                                 \
    for (int64_t i = 0; i < n; i++) out[i] = (uint64_t)(int64_t)((const T *)vals)[rows[i]] ^ SIGN64; \
    break;
    ENC_INT(EM_T_BYTE, int8_t)
    ENC_INT(EM_T_SHORT, int16_t)
    ENC_INT(EM_T_INT, int32_t)
    ENC_INT(EM_T_DATE, int32_t)
    ENC_INT(EM_T_YM_INTERVAL, int32_t)
    ENC_INT(EM_T_LONG, int64_t)
    ENC_INT(EM_T_TIMESTAMP, int64_t)
    ENC_INT(EM_T_TIMESTAMP_NTZ, int64_t)
    ENC_INT(EM_T_DT_INTERVAL, int64_t)
    ENC_INT(EM_T_TIME, int64_t)
#undef ENC_INT
  case EM_T_FLOAT:
    for (int64_t i = 0; i < n; i++) out[i] = enc_double((double)((const float *)vals)[rows[i]]);
    break;
  case EM_T_DOUBLE:
    for (int64_t i = 0; i < n; i++) out[i] = enc_double(((const double *)vals)[rows[i]]);
    break;
  case EM_T_DECIMAL: {
    bool narrow = v->type->u.dec.precision <= 18;
    for (int64_t i = 0; i < n; i++) {
      __int128 x;
      memcpy(&x, (const uint8_t *)vals + (size_t)rows[i] * 16, 16);
      /* At most 18 digits: the value itself fits 64 bits. */
      int64_t p = narrow ? (int64_t)x : (int64_t)(x >> 64);
      out[i] = (uint64_t)p ^ SIGN64;
    }
    break;
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    const int32_t *o = em_vec_offsets(v);
    const uint8_t *d = v->data ? v->data->data : NULL;
    for (int64_t i = 0; i < n; i++) {
      uint32_t r = rows[i];
      out[i] = enc_bytes(d + o[r], o[r + 1] - o[r]);
    }
    break;
  }
  default:
    memset(out, 0, sizeof *out * (size_t)n);
    break;
  }
  if (!asc)
    for (int64_t i = 0; i < n; i++) out[i] = ~out[i];
}

static void insertion_sort(em_sort_item *a, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    em_sort_item x = a[i];
    int64_t j = i - 1;
    while (j >= 0 && a[j].key > x.key) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/* LSD radix sort of a[0..n) by bits [lo, lo+bits) of each element (the
 * bits below lo are already in order: stable). Returns a or tmp, NULL on
 * OOM. */
uint64_t *em_sort_radix_u64(uint64_t *a, uint64_t *tmp, int64_t n, int lo, int bits) {
  int passes = (bits + 10) / 11, width = passes ? (bits + passes - 1) / passes : 0;
  size_t nb = (size_t)1 << width;
  int64_t *h = em_malloc(sizeof *h * nb);
  if (!h) return NULL;
  uint64_t *src = a, *dst = tmp;
  for (int p = 0; p < passes; p++) {
    int shift = lo + p * width;
    uint64_t mask = nb - 1;
    memset(h, 0, sizeof *h * nb);
    for (int64_t i = 0; i < n; i++) h[(src[i] >> shift) & mask]++;
    int64_t sum = 0;
    for (size_t b = 0; b < nb; b++) {
      int64_t c = h[b];
      h[b] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; i++) dst[h[(src[i] >> shift) & mask]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  em_free(h);
  return src;
}

int em_sort_by_prefix(uint64_t *keys, uint32_t *idx, int64_t n) {
  if (n <= 1) return 0;
  uint64_t mn = keys[0], mx = keys[0];
  for (int64_t i = 1; i < n; i++) {
    mn = keys[i] < mn ? keys[i] : mn;
    mx = keys[i] > mx ? keys[i] : mx;
  }
  if (mn == mx) return 0; /* all equal: input order is the stable order */
  int bits = 64 - __builtin_clzll(mx - mn);
  if (bits <= 32) {
    /* (key - min) above the row index in one word: half the memory
     * traffic of (key, index) pairs, and the index bits are already in
     * order, so only the key bits are sorted. */
    uint64_t *w = em_malloc(sizeof *w * 2 * (size_t)n);
    if (!w) return -1;
    for (int64_t i = 0; i < n; i++) w[i] = (keys[i] - mn) << 32 | idx[i];
    uint64_t *r = em_sort_radix_u64(w, w + n, n, 32, bits);
    if (!r) {
      em_free(w);
      return -1;
    }
    for (int64_t i = 0; i < n; i++) {
      keys[i] = (r[i] >> 32) + mn;
      idx[i] = (uint32_t)r[i];
    }
    em_free(w);
    return 0;
  }
  em_sort_item *items = em_malloc(sizeof *items * 2 * (size_t)n);
  if (!items) return -1;
  for (int64_t i = 0; i < n; i++) items[i] = (em_sort_item){keys[i], idx[i]};
  em_sort_item *r = em_sort_radix(items, items + n, n);
  for (int64_t i = 0; i < n; i++) {
    keys[i] = r[i].key;
    idx[i] = r[i].idx;
  }
  em_free(items);
  return 0;
}
em_sort_item *em_sort_radix(em_sort_item *a, em_sort_item *tmp, int64_t n) {
  if (n <= 48) {
    insertion_sort(a, n);
    return a;
  }
  /* All eight histograms in one pass. */
  int64_t (*hist)[256] = em_calloc(8, sizeof *hist);
  if (!hist) {
    insertion_sort(a, n); /* out of memory: slow but correct */
    return a;
  }
  for (int64_t i = 0; i < n; i++) {
    uint64_t k = a[i].key;
    for (int d = 0; d < 8; d++) hist[d][(k >> (8 * d)) & 0xff]++;
  }
  em_sort_item *src = a, *dst = tmp;
  for (int d = 0; d < 8; d++) {
    int64_t *h = hist[d];
    /* A digit every row shares orders nothing. */
    if (h[(src[0].key >> (8 * d)) & 0xff] == n) continue;
    int64_t sum = 0;
    for (int b = 0; b < 256; b++) {
      int64_t c = h[b];
      h[b] = sum;
      sum += c;
    }
    int shift = 8 * d;
    for (int64_t i = 0; i < n; i++) dst[h[(src[i].key >> shift) & 0xff]++] = src[i];
    em_sort_item *t = src;
    src = dst;
    dst = t;
  }
  em_free(hist);
  return src;
}

bool em_sort_key_decodable(const em_type *t) {
  switch (t->id) {
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL:
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME: return true;
  default: return false;
  }
}

void em_sort_key_decode(const em_type *t, const uint64_t *pk, int64_t n, bool asc, void *out) {
  uint64_t flip = asc ? SIGN64 : ~SIGN64;
  switch (em_type_fixed_width(t)) {
#define DEC_INT(W, T)                                                                        \
  case W:                                                                                    \
    for (int64_t i = 0; i < n; i++) ((T *)out)[i] = (T)(int64_t)(pk[i] ^ flip);                \
    break;
    DEC_INT(1, int8_t)
    DEC_INT(2, int16_t)
    DEC_INT(4, int32_t)
    DEC_INT(8, int64_t)
#undef DEC_INT
  default: break;
  }
}
