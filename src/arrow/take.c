/*
 * take: a new vector of src's rows at the given indexes, in that order
 * (the gather step of sort, join, filter and shuffle), and its multi-source
 * form that picks each row from one of several vectors of the same type
 * (the output of a merge). Fixed-width and string columns are gathered
 * directly into buffers that are not zero-filled first (every byte is
 * written); nested columns row by row through em_vec_append_range.
 */
#include "arrow_int.h"

#include <string.h>

/* 16 bytes moved as a unit (8-byte alignment is all Arrow promises). */
typedef struct take_u128 {
  uint64_t lo, hi;
} take_u128;

/* The source of output row i. */
#define SRC(i) (sel ? srcs[sel[i]] : srcs[0])

/* One loop per case, with the single-source form hoisted out so that it
 * stays a plain indexed copy the compiler vectorizes. */
#define FOR_ROWS(...)                                    \
  do {                                                   \
    if (!sel) {                                          \
      const em_vec *s_ = srcs[0];                        \
      for (int64_t i = 0; i < n; i++) {                  \
        const em_vec *s = s_;                            \
        __VA_ARGS__;                                     \
      }                                                  \
    } else {                                             \
      for (int64_t i = 0; i < n; i++) {                  \
        const em_vec *s = srcs[sel[i]];                  \
        __VA_ARGS__;                                     \
      }                                                  \
    }                                                    \
  } while (0)

static em_vec *take_rows(em_vec *const *srcs, int nsrcs, const uint32_t *sel, const uint32_t *idx, int64_t n) {
  const em_type *t = srcs[0]->type;
  int w = em_type_fixed_width(t);
  if (t->id == EM_T_NULL) {
    em_vec *dst = em_vec_new(srcs[0]->type, 0);
    if (dst) dst->len = dst->null_count = n;
    return dst;
  }
  if (em_type_is_nested(t)) {
    em_vec *dst = em_vec_new(srcs[0]->type, n);
    if (!dst) return NULL;
    for (int64_t i = 0; i < n; i++)
      if (em_vec_append_range(dst, SRC(i), idx[i], 1)) {
        em_vec_unref(dst);
        return NULL;
      }
    return dst;
  }
  em_vec *dst = em_arrow_vec_shell(srcs[0]->type, 0);
  if (!dst) return NULL;
  bool any_nulls = false;
  for (int k = 0; k < nsrcs; k++)
    if (srcs[k]->validity && srcs[k]->null_count > 0) any_nulls = true;
  int64_t nulls = 0;
  size_t nbytes = (size_t)(n + 7) / 8;
  if (any_nulls) {
    if (!(dst->validity = em_arrow_buf_new_uninit(nbytes))) goto oom;
    uint8_t *dv = dst->validity->data;
    memset(dv, 0, nbytes);
    FOR_ROWS({
      if (!s->validity || em_bit_get(s->validity->data, idx[i]))
        em_bit_set(dv, i);
      else
        nulls++;
    });
  }
  if (t->id == EM_T_BOOLEAN) {
    if (!(dst->values = em_arrow_buf_new_uninit(nbytes))) goto oom;
    uint8_t *dv = dst->values->data;
    memset(dv, 0, nbytes);
    FOR_ROWS({
      if (em_bit_get(s->values->data, idx[i])) em_bit_set(dv, i);
    });
  } else if (w > 0) {
    if (!(dst->values = em_arrow_buf_new_uninit((size_t)n * (size_t)w))) goto oom;
    uint8_t *d = dst->values->data;
    switch (w) {
#define TAKE_W(W, T)                                                      \
  case W:                                                                 \
    FOR_ROWS(((T *)d)[i] = ((const T *)s->values->data)[idx[i]]);        \
    break;
      TAKE_W(1, uint8_t)
      TAKE_W(2, uint16_t)
      TAKE_W(4, uint32_t)
      TAKE_W(8, uint64_t)
      TAKE_W(16, take_u128) /* decimals: a move, not a memcpy call a row */
#undef TAKE_W
    default:
      FOR_ROWS(memcpy(d + i * w, s->values->data + (int64_t)idx[i] * w, (size_t)w));
      break;
    }
  } else {
    /* STRING/BINARY: offsets then bytes. */
    int64_t total = 0;
    FOR_ROWS({
      const int32_t *so = em_vec_offsets(s);
      total += so[idx[i] + 1] - so[idx[i]];
    });
    if (total > INT32_MAX) goto oom;
    if (!(dst->values = em_arrow_buf_new_uninit((size_t)(n + 1) * 4)) ||
        !(dst->data = em_arrow_buf_new_uninit((size_t)(total ? total : 1))))
      goto oom;
    int32_t *o = (int32_t *)dst->values->data;
    uint8_t *d = dst->data->data;
    int32_t pos = 0;
    o[0] = 0;
    FOR_ROWS({
      const int32_t *so = em_vec_offsets(s);
      int32_t a = so[idx[i]], b = so[idx[i] + 1];
      if (b - a == 1) d[pos] = s->data->data[a]; /* flags and codes: no call */
      else memcpy(d + pos, s->data->data + a, (size_t)(b - a));
      pos += b - a;
      o[i + 1] = pos;
    });
    dst->data->len = (size_t)pos;
  }
  dst->len = n;
  dst->null_count = nulls;
  return dst;
oom:
  em_vec_unref(dst);
  return NULL;
}

em_vec *em_vec_take(const em_vec *src, const uint32_t *idx, int64_t n) {
  em_vec *const srcs[1] = {(em_vec *)src};
  return take_rows(srcs, 1, NULL, idx, n);
}

em_vec *em_vec_take_multi(em_vec *const *srcs, int nsrcs, const uint32_t *sel, const uint32_t *idx, int64_t n) {
  return take_rows(srcs, nsrcs, sel, idx, n);
}
