/*
 * Spark's Murmur3 hash: the `hash(...)` SQL function and hash partitioning
 * (repartition(n, cols)) share this code, so both give Spark's numbers.
 *
 * Spark hashes a row by folding its values left to right into a running
 * 32-bit hash that starts at the seed 42 (Murmur3Hash): each value is
 * hashed with Murmur3_x86_32 using the running hash as its seed. A NULL
 * value leaves the running hash unchanged. Per type, as Spark's
 * InterpretedHashFunction does it:
 *   boolean          hashInt(1 or 0)
 *   byte .. int,     hashInt(value) (date: days; year-month interval: months)
 *   long, timestamp, hashLong(value) (also day-time interval, time)
 *   float            hashInt(floatToIntBits(f)), but -0.0 and 0.0 hash as 0
 *   double           hashLong(doubleToLongBits(d)), -0.0 and 0.0 as 0
 *   decimal          precision <= 18: hashLong(unscaled); else the bytes of
 *                    BigInteger.toByteArray (big-endian, minimal two's
 *                    complement) with hashUnsafeBytes
 *   string, binary   hashUnsafeBytes: whole 4-byte little-endian words,
 *                    then each remaining byte (sign-extended) mixed on its
 *                    own, a quirk Spark keeps for compatibility
 *   interval         hashInt(months, hashInt(days, hashLong(micros, h)))
 *   array            elements folded in order (NULL elements skipped)
 *   map              key, value, key, value ... folded in order
 *   struct           fields folded in order
 * floatToIntBits/doubleToLongBits turn every NaN into the canonical NaN.
 *
 * Top-level columns of fixed-width types run in tight per-type loops (an
 * X-macro instantiates one per physical width); nested values go through
 * one recursive function per value.
 */
#include "expr_int.h"

#include <string.h>

/* ---- Murmur3_x86_32 as Spark's Murmur3_x86_32.java ---- */

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t mix_k1(uint32_t k1) {
  k1 *= 0xcc9e2d51u;
  k1 = rotl32(k1, 15);
  return k1 * 0x1b873593u;
}

static inline uint32_t mix_h1(uint32_t h1, uint32_t k1) {
  h1 ^= k1;
  h1 = rotl32(h1, 13);
  return h1 * 5 + 0xe6546b64u;
}

static inline uint32_t fmix(uint32_t h1, uint32_t len) {
  h1 ^= len;
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6bu;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35u;
  h1 ^= h1 >> 16;
  return h1;
}

static inline uint32_t hash_int(uint32_t v, uint32_t seed) { return fmix(mix_h1(seed, mix_k1(v)), 4); }

static inline uint32_t hash_long(uint64_t v, uint32_t seed) {
  uint32_t h1 = mix_h1(seed, mix_k1((uint32_t)v));
  h1 = mix_h1(h1, mix_k1((uint32_t)(v >> 32)));
  return fmix(h1, 8);
}

static inline uint32_t load_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t hash_bytes(const uint8_t *p, size_t len, uint32_t seed) {
  size_t aligned = len - len % 4;
  uint32_t h1 = seed;
  for (size_t i = 0; i < aligned; i += 4) h1 = mix_h1(h1, mix_k1(load_le32(p + i)));
  for (size_t i = aligned; i < len; i++) h1 = mix_h1(h1, mix_k1((uint32_t)(int32_t)(int8_t)p[i]));
  return fmix(h1, (uint32_t)len);
}

int32_t em_murmur3_words(const uint8_t *p, size_t len, int32_t seed) {
  uint32_t h1 = (uint32_t)seed;
  for (size_t i = 0; i + 4 <= len; i += 4) h1 = mix_h1(h1, mix_k1(load_le32(p + i)));
  return (int32_t)fmix(h1, (uint32_t)len);
}

int em_decimal_to_java_bytes(__int128 v, uint8_t out[16]) {
  uint8_t be[16];
  unsigned __int128 u = (unsigned __int128)v;
  for (int i = 15; i >= 0; i--) {
    be[i] = (uint8_t)u;
    u >>= 8;
  }
  /* Drop leading sign bytes that the next byte's top bit repeats. */
  int start = 0;
  while (start < 15 && ((be[start] == 0x00 && !(be[start + 1] & 0x80)) || (be[start] == 0xff && (be[start + 1] & 0x80))))
    start++;
  memcpy(out, be + start, (size_t)(16 - start));
  return 16 - start;
}

static inline uint32_t float_bits(float f) {
  if (f == 0.0f) return 0; /* 0.0 and -0.0 both hash as hashInt(0) */
  if (f != f) return 0x7fc00000u;
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}

static inline uint64_t double_bits(double d) {
  if (d == 0.0) return 0;
  if (d != d) return 0x7ff8000000000000ull;
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

/* The running hash after folding value i of v into h (v not of a NULL type). */
static uint32_t hash_value(const em_vec *v, int64_t i, uint32_t h) {
  if (em_vec_is_null(v, i)) return h;
  const void *vals = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: return hash_int(em_bit_get(vals, i) ? 1 : 0, h);
  case EM_T_BYTE: return hash_int((uint32_t)(int32_t)((const int8_t *)vals)[i], h);
  case EM_T_SHORT: return hash_int((uint32_t)(int32_t)((const int16_t *)vals)[i], h);
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL: return hash_int((uint32_t)((const int32_t *)vals)[i], h);
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME: return hash_long((uint64_t)((const int64_t *)vals)[i], h);
  case EM_T_FLOAT: return hash_int(float_bits(((const float *)vals)[i]), h);
  case EM_T_DOUBLE: return hash_long(double_bits(((const double *)vals)[i]), h);
  case EM_T_DECIMAL: {
    __int128 d;
    memcpy(&d, (const uint8_t *)vals + i * 16, 16);
    if (v->type->u.dec.precision <= 18) return hash_long((uint64_t)(int64_t)d, h);
    uint8_t b[16];
    int n = em_decimal_to_java_bytes(d, b);
    return hash_bytes(b, (size_t)n, h);
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    return hash_bytes((const uint8_t *)s, (size_t)len, h);
  }
  case EM_T_CAL_INTERVAL: {
    const uint8_t *p = (const uint8_t *)vals + i * 16;
    int32_t months, days;
    int64_t nanos;
    memcpy(&months, p, 4);
    memcpy(&days, p + 4, 4);
    memcpy(&nanos, p + 8, 8);
    return hash_int((uint32_t)months, hash_int((uint32_t)days, hash_long((uint64_t)(nanos / 1000), h)));
  }
  case EM_T_ARRAY: {
    const int32_t *o = em_vec_offsets(v);
    for (int32_t k = o[i]; k < o[i + 1]; k++) h = hash_value(v->children[0], k, h);
    return h;
  }
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    const em_vec *entries = v->children[0];
    for (int32_t k = o[i]; k < o[i + 1]; k++) {
      h = hash_value(entries->children[0], k, h);
      h = hash_value(entries->children[1], k, h);
    }
    return h;
  }
  case EM_T_STRUCT:
    for (int f = 0; f < v->nchildren; f++) h = hash_value(v->children[f], i, h);
    return h;
  default:
    return h;
  }
}

/* One loop per fixed-width physical type: read T, widen, hash. */
#define EM_HASH_FIXED(X)                          \
  X(int8_t, hash_int((uint32_t)(int32_t)x, h[i])) \
  X(int16_t, hash_int((uint32_t)(int32_t)x, h[i])) \
  X(int32_t, hash_int((uint32_t)x, h[i]))         \
  X(int64_t, hash_long((uint64_t)x, h[i]))        \
  X(float, hash_int(float_bits(x), h[i]))         \
  X(double, hash_long(double_bits(x), h[i]))

#define EM_HASH_LOOP(T, EXPR)                                                   \
  static void fold_##T(const em_vec *v, uint32_t *h, int64_t n) {              \
    const T *vals = em_vec_values(v);                                           \
    const uint8_t *valid = v->validity ? v->validity->data : NULL;              \
    for (int64_t i = 0; i < n; i++) {                                           \
      if (valid && !em_bit_get(valid, i)) continue;                             \
      T x = vals[i];                                                            \
      h[i] = EXPR;                                                              \
    }                                                                           \
  }
EM_HASH_FIXED(EM_HASH_LOOP)
#undef EM_HASH_LOOP

void em_murmur3_fold(const em_vec *v, int32_t *hashes, int64_t n) {
  uint32_t *h = (uint32_t *)hashes;
  switch (v->type->id) {
  case EM_T_NULL: return;
  case EM_T_BYTE: fold_int8_t(v, h, n); return;
  case EM_T_SHORT: fold_int16_t(v, h, n); return;
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL: fold_int32_t(v, h, n); return;
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME: fold_int64_t(v, h, n); return;
  case EM_T_FLOAT: fold_float(v, h, n); return;
  case EM_T_DOUBLE: fold_double(v, h, n); return;
  default:
    for (int64_t i = 0; i < n; i++) h[i] = hash_value(v, i, h[i]);
    return;
  }
}

/* ---- hash(...) ---- */

static int hash_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  em_vec *r = em_fn_result(e->type, n, NULL, 0);
  if (!r) return em_error_internal(err, "out of memory");
  int32_t *h = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) h[i] = EM_MURMUR3_SEED;
  for (int k = 0; k < e->nargs; k++) em_murmur3_fold(args[k], h, n);
  *out = r;
  return 0;
}

static bool contains_type(const em_type *t, em_type_id id) {
  if (t->id == id) return true;
  switch (t->id) {
  case EM_T_ARRAY: return contains_type(t->u.array.elem, id);
  case EM_T_MAP: return contains_type(t->u.map.key, id) || contains_type(t->u.map.value, id);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (contains_type(t->u.st.fields[i].type, id)) return true;
    return false;
  default: return false;
  }
}

int em_fn_resolve_hash(em_func_call *call, em_error *err);
int em_fn_resolve_hash(em_func_call *call, em_error *err) {
  if (call->nargs < 1) {
    /* Spark throws this from the type check itself: a plain
     * AnalysisException, without the plan. */
    em_fn_wrong_num_args(call, "> 0", err);
    err->cls = EM_ERR_PLAIN_WRONG_NUM_ARGS_WITHOUT_SUGGESTION;
    return -1;
  }
  call->sql = em_fn_sql_call(call, "hash");
  if (!call->sql) return em_error_internal(err, "out of memory");
  for (int i = 0; i < call->nargs; i++) {
    const em_type *t = call->args[i]->type;
    if (contains_type(t, EM_T_MAP) || contains_type(t, EM_T_VARIANT)) {
      bool map = contains_type(t, EM_T_MAP);
      return em_error_set(err, map ? EM_ERR_DATATYPE_MISMATCH_HASH_MAP_TYPE : EM_ERR_DATATYPE_MISMATCH_HASH_VARIANT_TYPE,
                          "sqlExpr", em_arena_printf(call->arena, "\"%s\"", call->sql), "functionName", "`hash`",
                          NULL);
    }
  }
  call->type = em_type_int();
  call->nullable = false;
  call->kernel = hash_kernel;
  return 0;
}
