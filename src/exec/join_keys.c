/*
 * Join keys: hashing and equality of key values as Spark's hash joins see
 * them. Keys are compared after NormalizeFloatingNumbers (NaN equals NaN,
 * -0.0 equals 0.0), strings and binaries byte by byte, nested values field
 * by field and element by element with NULL equal to NULL inside them (the
 * UnsafeRow bytes Spark compares); a NULL key matches nothing under `=` and
 * another NULL under `<=>`.
 *
 * Every kernel is one loop per physical type (X-macros over the fixed-width
 * types), run over a whole batch or a whole list of candidate pairs, so the
 * type dispatch is paid once per vector, not per row. Nested types take a
 * generic row-at-a-time path.
 */
#include "join_int.h"

#include <math.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define NULL_HASH 0x6c62272e07bb0142ULL
#define HASH_K 0x9e3779b97f4a7c15ULL

static inline uint64_t combine(uint64_t h, uint64_t v) { return ((h << 5 | h >> 59) ^ v) * HASH_K; }

static inline uint64_t norm_double_bits(double d) {
  if (d != d) d = __builtin_nan("");
  if (d == 0.0) d = 0.0;
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}

static inline uint64_t norm_float_bits(float f) {
  if (f != f) f = __builtin_nanf("");
  if (f == 0.0f) f = 0.0f;
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* Integer-like fixed-width types: id, C type. */
#define INT_TYPES(X)                   \
  X(EM_T_BYTE, int8_t)                 \
  X(EM_T_SHORT, int16_t)               \
  X(EM_T_INT, int32_t)                 \
  X(EM_T_DATE, int32_t)                \
  X(EM_T_YM_INTERVAL, int32_t)         \
  X(EM_T_LONG, int64_t)                \
  X(EM_T_TIMESTAMP, int64_t)           \
  X(EM_T_TIMESTAMP_NTZ, int64_t)       \
  X(EM_T_DT_INTERVAL, int64_t)         \
  X(EM_T_TIME, int64_t)

bool em_join_int_key_type(const em_type *t) {
  switch (t->id) {
#define CASE(ID, T) case ID:
    INT_TYPES(CASE)
#undef CASE
  case EM_T_FLOAT:
  case EM_T_DOUBLE:
    return true;
  default:
    return false;
  }
}

bool em_join_dense_key_type(const em_type *t) { return em_join_int_key_type(t) && t->id != EM_T_FLOAT && t->id != EM_T_DOUBLE; }

void em_join_int_keys(const em_vec *v, int64_t from, int64_t to, uint64_t *out) {
  const void *vals = em_vec_values(v);
  switch (v->type->id) {
#define CASE(ID, T)                                                            \
  case ID:                                                                     \
    for (int64_t i = from; i < to; i++) out[i] = (uint64_t)(int64_t)((const T *)vals)[i]; \
    return;
    INT_TYPES(CASE)
#undef CASE
  case EM_T_FLOAT:
    for (int64_t i = from; i < to; i++) out[i] = norm_float_bits(((const float *)vals)[i]);
    return;
  case EM_T_DOUBLE:
    for (int64_t i = from; i < to; i++) out[i] = norm_double_bits(((const double *)vals)[i]);
    return;
  default:
    memset(out + from, 0, sizeof *out * (size_t)(to - from));
    return;
  }
}

/* ---- hashing ---- */

static uint64_t hash_value(const em_vec *v, int64_t i);

static uint64_t hash_nonnull(const em_vec *v, int64_t i) {
  const void *vals = em_vec_values(v);
  switch (v->type->id) {
#define CASE(ID, T) \
  case ID: return em_join_mix((uint64_t)(int64_t)((const T *)vals)[i]);
    INT_TYPES(CASE)
#undef CASE
  case EM_T_FLOAT: return em_join_mix(norm_float_bits(((const float *)vals)[i]));
  case EM_T_DOUBLE: return em_join_mix(norm_double_bits(((const double *)vals)[i]));
  case EM_T_BOOLEAN: return em_join_mix(em_bit_get(vals, i) ? 2 : 1);
  case EM_T_DECIMAL: {
    __int128 x = ((const __int128 *)vals)[i];
    return combine(em_join_mix((uint64_t)x), (uint64_t)(x >> 64));
  }
  case EM_T_CAL_INTERVAL: {
    const uint8_t *p = (const uint8_t *)vals + i * 16;
    return XXH3_64bits(p, 16);
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    return XXH3_64bits(s, (size_t)len);
  }
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    uint64_t h = (uint64_t)(o[i + 1] - o[i]);
    for (int32_t k = o[i]; k < o[i + 1]; k++) h = combine(h, hash_value(v->children[0], k));
    return h;
  }
  case EM_T_STRUCT: {
    uint64_t h = 0;
    for (int k = 0; k < v->nchildren; k++) h = combine(h, hash_value(v->children[k], i));
    return h;
  }
  default:
    return 0;
  }
}

static uint64_t hash_value(const em_vec *v, int64_t i) {
  return em_vec_is_null(v, i) ? NULL_HASH : hash_nonnull(v, i);
}

void em_join_hash(const em_vec *v, int64_t from, int64_t to, uint64_t *h) {
  const void *vals = em_vec_values(v);
  switch (v->type->id) {
#define CASE(ID, T)                                                                        \
  case ID:                                                                                 \
    for (int64_t i = from; i < to; i++) h[i] = combine(h[i], (uint64_t)(int64_t)((const T *)vals)[i]); \
    break;
    INT_TYPES(CASE)
#undef CASE
  case EM_T_FLOAT:
    for (int64_t i = from; i < to; i++) h[i] = combine(h[i], norm_float_bits(((const float *)vals)[i]));
    break;
  case EM_T_DOUBLE:
    for (int64_t i = from; i < to; i++) h[i] = combine(h[i], norm_double_bits(((const double *)vals)[i]));
    break;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    const int32_t *o = em_vec_offsets(v);
    const char *d = (const char *)v->data->data;
    for (int64_t i = from; i < to; i++) h[i] = combine(h[i], XXH3_64bits(d + o[i], (size_t)(o[i + 1] - o[i])));
    break;
  }
  case EM_T_NULL:
    for (int64_t i = from; i < to; i++) h[i] = combine(h[i], NULL_HASH);
    return;
  default:
    for (int64_t i = from; i < to; i++) h[i] = combine(h[i], hash_nonnull(v, i));
    break;
  }
  /* NULL rows: the values under them are arbitrary, so re-hash them. */
  if (v->validity && v->null_count > 0) {
    const uint8_t *bits = v->validity->data;
    for (int64_t i = from; i < to; i++)
      if (!em_bit_get(bits, i)) h[i] = combine(h[i], NULL_HASH);
  }
}

/* ---- equality ---- */

static bool value_eq(const em_vec *a, int64_t i, const em_vec *b, int64_t j);

static bool nonnull_eq(const em_vec *a, int64_t i, const em_vec *b, int64_t j) {
  const void *x = em_vec_values(a), *y = em_vec_values(b);
  switch (a->type->id) {
#define CASE(ID, T) \
  case ID: return ((const T *)x)[i] == ((const T *)y)[j];
    INT_TYPES(CASE)
#undef CASE
  case EM_T_FLOAT: return norm_float_bits(((const float *)x)[i]) == norm_float_bits(((const float *)y)[j]);
  case EM_T_DOUBLE: return norm_double_bits(((const double *)x)[i]) == norm_double_bits(((const double *)y)[j]);
  case EM_T_BOOLEAN: return em_bit_get(x, i) == em_bit_get(y, j);
  case EM_T_DECIMAL: return ((const __int128 *)x)[i] == ((const __int128 *)y)[j];
  case EM_T_CAL_INTERVAL: return memcmp((const uint8_t *)x + i * 16, (const uint8_t *)y + j * 16, 16) == 0;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t la, lb;
    const char *sa = em_vec_str(a, i, &la), *sb = em_vec_str(b, j, &lb);
    return la == lb && memcmp(sa, sb, (size_t)la) == 0;
  }
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *oa = em_vec_offsets(a), *ob = em_vec_offsets(b);
    int32_t la = oa[i + 1] - oa[i], lb = ob[j + 1] - ob[j];
    if (la != lb) return false;
    for (int32_t k = 0; k < la; k++)
      if (!value_eq(a->children[0], oa[i] + k, b->children[0], ob[j] + k)) return false;
    return true;
  }
  case EM_T_STRUCT:
    for (int k = 0; k < a->nchildren; k++)
      if (!value_eq(a->children[k], i, b->children[k], j)) return false;
    return true;
  default:
    return false;
  }
}

static bool value_eq(const em_vec *a, int64_t i, const em_vec *b, int64_t j) {
  bool na = em_vec_is_null(a, i), nb = em_vec_is_null(b, j);
  if (na || nb) return na && nb;
  return nonnull_eq(a, i, b, j);
}

int64_t em_join_keys_equal(const em_vec *a, const em_vec *bv, bool null_safe, uint32_t *p, uint32_t *b,
                           int64_t n) {
  int64_t m = 0;
  bool nulls = (a->validity && a->null_count > 0) || (bv->validity && bv->null_count > 0) ||
               a->type->id == EM_T_NULL;
  if (nulls) {
    for (int64_t i = 0; i < n; i++) {
      bool na = em_vec_is_null(a, p[i]), nb = em_vec_is_null(bv, b[i]);
      bool eq = (na || nb) ? null_safe && na && nb : nonnull_eq(a, p[i], bv, b[i]);
      if (eq) {
        p[m] = p[i];
        b[m] = b[i];
        m++;
      }
    }
    return m;
  }
  const void *x = em_vec_values(a), *y = em_vec_values(bv);
  switch (a->type->id) {
#define CASE(ID, T)                                              \
  case ID:                                                       \
    for (int64_t i = 0; i < n; i++) {                            \
      uint32_t pi = p[i], bi = b[i];                             \
      p[m] = pi;                                                 \
      b[m] = bi;                                                 \
      m += ((const T *)x)[pi] == ((const T *)y)[bi];             \
    }                                                            \
    return m;
    INT_TYPES(CASE)
#undef CASE
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    const int32_t *oa = em_vec_offsets(a), *ob = em_vec_offsets(bv);
    const char *da = (const char *)a->data->data, *db = (const char *)bv->data->data;
    for (int64_t i = 0; i < n; i++) {
      uint32_t pi = p[i], bi = b[i];
      int32_t la = oa[pi + 1] - oa[pi], lb = ob[bi + 1] - ob[bi];
      if (la == lb && memcmp(da + oa[pi], db + ob[bi], (size_t)la) == 0) {
        p[m] = pi;
        b[m] = bi;
        m++;
      }
    }
    return m;
  }
  default:
    for (int64_t i = 0; i < n; i++)
      if (nonnull_eq(a, p[i], bv, b[i])) {
        p[m] = p[i];
        b[m] = b[i];
        m++;
      }
    return m;
  }
}

void em_join_null_rows(em_vec *const *keys, const bool *null_safe, int nkeys, int64_t from, int64_t to, uint8_t *bad) {
  for (int k = 0; k < nkeys; k++) {
    const em_vec *v = keys[k];
    if (null_safe[k]) continue;
    if (v->type->id == EM_T_NULL) {
      memset(bad + from, 1, (size_t)(to - from));
      return;
    }
    if (!v->validity || v->null_count == 0) continue;
    const uint8_t *bits = v->validity->data;
    for (int64_t i = from; i < to; i++) bad[i] |= !em_bit_get(bits, i);
  }
}
