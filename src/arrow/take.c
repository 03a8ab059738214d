/*
 * take: a new vector of src's rows at the given indexes, in that order
 * (the gather step of sort, join and shuffle). Fixed-width and string
 * columns are gathered directly; nested columns row by row through
 * em_vec_append_range.
 */
#include "arrow_int.h"

#include <string.h>

em_vec *em_vec_take(const em_vec *src, const uint32_t *idx, int64_t n) {
  em_vec *dst = em_vec_new(src->type, n);
  if (!dst) return NULL;
  const em_type *t = src->type;
  int w = em_type_fixed_width(t);
  bool nested = em_type_is_nested(t);
  if (t->id == EM_T_NULL) {
    dst->len = n;
    dst->null_count = n;
    return dst;
  }
  if (nested) {
    for (int64_t i = 0; i < n; i++)
      if (em_vec_append_range(dst, src, idx[i], 1)) {
        em_vec_unref(dst);
        return NULL;
      }
    return dst;
  }
  int64_t nulls = 0;
  if (src->validity && src->null_count > 0) {
    if (em_vec_ensure_validity(dst)) goto oom;
    if (em_buf_reserve(dst->validity, (size_t)(n + 7) / 8)) goto oom;
    uint8_t *dv = dst->validity->data;
    memset(dv, 0, (size_t)(n + 7) / 8);
    const uint8_t *sv = src->validity->data;
    for (int64_t i = 0; i < n; i++) {
      if (em_bit_get(sv, idx[i]))
        em_bit_set(dv, i);
      else
        nulls++;
    }
    dst->validity->len = (size_t)(n + 7) / 8;
  }
  if (t->id == EM_T_BOOLEAN) {
    if (em_buf_reserve(dst->values, (size_t)(n + 7) / 8)) goto oom;
    uint8_t *dv = dst->values->data;
    memset(dv, 0, (size_t)(n + 7) / 8);
    const uint8_t *sv = src->values->data;
    for (int64_t i = 0; i < n; i++)
      if (em_bit_get(sv, idx[i])) em_bit_set(dv, i);
    dst->values->len = (size_t)(n + 7) / 8;
  } else if (w > 0) {
    if (em_buf_reserve(dst->values, (size_t)(n * w))) goto oom;
    uint8_t *d = dst->values->data;
    const uint8_t *s = src->values->data;
    switch (w) {
#define TAKE_W(W, T)                                                        \
  case W:                                                                   \
    for (int64_t i = 0; i < n; i++) ((T *)d)[i] = ((const T *)s)[idx[i]]; \
    break;
      TAKE_W(1, uint8_t)
      TAKE_W(2, uint16_t)
      TAKE_W(4, uint32_t)
      TAKE_W(8, uint64_t)
#undef TAKE_W
    default:
      for (int64_t i = 0; i < n; i++) memcpy(d + i * w, s + (int64_t)idx[i] * w, (size_t)w);
      break;
    }
    dst->values->len = (size_t)(n * w);
  } else {
    /* STRING/BINARY: offsets then bytes. */
    const int32_t *so = em_vec_offsets(src);
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) total += so[idx[i] + 1] - so[idx[i]];
    if (total > INT32_MAX) goto oom;
    if (em_buf_reserve(dst->values, (size_t)(n + 1) * 4) || em_buf_reserve(dst->data, (size_t)(total ? total : 1)))
      goto oom;
    int32_t *o = (int32_t *)dst->values->data;
    uint8_t *d = dst->data->data;
    int32_t pos = 0;
    o[0] = 0;
    for (int64_t i = 0; i < n; i++) {
      int32_t a = so[idx[i]], b = so[idx[i] + 1];
      memcpy(d + pos, src->data->data + a, (size_t)(b - a));
      pos += b - a;
      o[i + 1] = pos;
    }
    dst->values->len = (size_t)(n + 1) * 4;
    dst->data->len = (size_t)pos;
  }
  dst->len = n;
  dst->null_count = nulls;
  return dst;
oom:
  em_vec_unref(dst);
  return NULL;
}
