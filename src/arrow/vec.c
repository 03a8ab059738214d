/*
 * em_vec: one column in the Arrow memory layout, its lifetime, and the
 * appenders builders use (row by row, or a range of another vector at once).
 *
 * Invariants kept by every function here, and relied on by the IPC writer:
 *  - offsets are zero-based (o[0] == 0) and o[len] is the child length
 *    (ARRAY/MAP) or the data length (STRING/BINARY);
 *  - STRUCT children have exactly the parent's length (a null struct row
 *    still has a (null) row in every child);
 *  - buf->len is kept at the bytes that hold `len` rows, so em_batch_bytes
 *    and the writer need not recompute it;
 *  - a bit of the validity bitmap is always written explicitly when its row
 *    is appended, so stale bits past len never leak into rows.
 */
#include "arrow_int.h"

#include <stdatomic.h>
#include <string.h>

/* ---- bitmaps ---- */

void em_arrow_bits_copy(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff, int64_t n) {
  if (n <= 0) return;
  if ((doff & 7) == 0 && (soff & 7) == 0) {
    int64_t whole = n >> 3;
    memcpy(dst + (doff >> 3), src + (soff >> 3), (size_t)whole);
    for (int64_t i = whole << 3; i < n; i++) {
      if (em_bit_get(src, soff + i))
        em_bit_set(dst, doff + i);
      else
        em_bit_clear(dst, doff + i);
    }
    return;
  }
  /* Unaligned: assemble each destination byte from two source bytes where
   * the destination is byte aligned, otherwise go bit by bit to alignment. */
  int64_t i = 0;
  while (i < n && ((doff + i) & 7)) {
    if (em_bit_get(src, soff + i))
      em_bit_set(dst, doff + i);
    else
      em_bit_clear(dst, doff + i);
    i++;
  }
  int shift = (int)((soff + i) & 7);
  while (n - i >= 8) {
    int64_t sb = (soff + i) >> 3;
    unsigned v = src[sb] >> shift;
    if (shift) v |= (unsigned)src[sb + 1] << (8 - shift);
    dst[(doff + i) >> 3] = (uint8_t)v;
    i += 8;
  }
  for (; i < n; i++) {
    if (em_bit_get(src, soff + i))
      em_bit_set(dst, doff + i);
    else
      em_bit_clear(dst, doff + i);
  }
}

int64_t em_arrow_bits_count(const uint8_t *bits, int64_t off, int64_t n) {
  int64_t c = 0, i = 0;
  while (i < n && ((off + i) & 7)) c += em_bit_get(bits, off + i++);
  const uint8_t *p = bits + ((off + i) >> 3);
  while (n - i >= 64) {
    uint64_t w;
    memcpy(&w, p, 8);
    c += __builtin_popcountll(w);
    p += 8;
    i += 64;
  }
  while (n - i >= 8) {
    c += __builtin_popcount(*p++);
    i += 8;
  }
  while (i < n) c += em_bit_get(bits, off + i++);
  return c;
}

void em_arrow_bits_set_range(uint8_t *bits, int64_t off, int64_t n) {
  int64_t i = 0;
  while (i < n && ((off + i) & 7)) em_bit_set(bits, off + i++);
  if (n - i >= 8) {
    memset(bits + ((off + i) >> 3), 0xff, (size_t)((n - i) >> 3));
    i += (n - i) & ~(int64_t)7;
  }
  while (i < n) em_bit_set(bits, off + i++);
}

/* ---- construction and lifetime ---- */

static size_t bitbytes(int64_t rows);
static size_t values_bytes(const em_type *t, int64_t rows);

em_type *em_arrow_map_entries_type(const em_type *map) {
  em_type *st = em_type_struct_new(2);
  if (!st) return NULL;
  if (em_type_struct_set(st, 0, "key", em_type_ref(map->u.map.key), false, NULL) ||
      em_type_struct_set(st, 1, "value", em_type_ref(map->u.map.value), map->u.map.value_contains_null, NULL)) {
    em_type_unref(st);
    return NULL;
  }
  return st;
}

em_vec *em_arrow_vec_shell(em_type *type, int nchildren) {
  em_vec *v = em_calloc(1, sizeof *v);
  if (!v) return NULL;
  atomic_store(&v->refcnt, 1);
  v->type = em_type_ref(type);
  if (nchildren > 0) {
    v->children = em_calloc((size_t)nchildren, sizeof(em_vec *));
    if (!v->children) {
      em_type_unref(v->type);
      em_free(v);
      return NULL;
    }
    v->nchildren = nchildren;
  }
  return v;
}

static int nchildren_of(const em_type *t) {
  switch (t->id) {
  case EM_T_ARRAY:
  case EM_T_MAP: return 1;
  case EM_T_STRUCT: return t->u.st.nfields;
  default: return 0;
  }
}

em_vec *em_vec_new(em_type *type, int64_t cap) {
  if (cap < 0) cap = 0;
  if (cap > ((int64_t)1 << 40)) return NULL;
  em_vec *v = em_arrow_vec_shell(type, nchildren_of(type));
  if (!v) return NULL;
  int w = em_type_fixed_width(type);
  size_t ucap = (size_t)cap;
  if (em_arrow_has_offsets(type)) {
    if (!(v->values = em_buf_new((ucap + 1) * 4))) goto oom;
    v->values->len = 4;
  } else if (w > 0) {
    if (!(v->values = em_buf_new(ucap * (size_t)w))) goto oom;
  } else if (type->id == EM_T_BOOLEAN) {
    if (!(v->values = em_buf_new((ucap + 7) / 8))) goto oom;
  }
  if (em_arrow_has_data(type) && !(v->data = em_buf_new(ucap * 8))) goto oom;
  switch (type->id) {
  case EM_T_ARRAY:
    if (!(v->children[0] = em_vec_new(type->u.array.elem, cap))) goto oom;
    break;
  case EM_T_MAP: {
    em_type *et = em_arrow_map_entries_type(type);
    if (!et) goto oom;
    v->children[0] = em_vec_new(et, cap);
    em_type_unref(et);
    if (!v->children[0]) goto oom;
    break;
  }
  case EM_T_STRUCT:
    for (int i = 0; i < v->nchildren; i++)
      if (!(v->children[i] = em_vec_new(type->u.st.fields[i].type, cap))) goto oom;
    break;
  default: break;
  }
  return v;
oom:
  em_vec_unref(v);
  return NULL;
}

em_vec *em_vec_new_uninit(em_type *type, int64_t n) {
  int w = em_type_fixed_width(type);
  if (w <= 0 || n < 0 || n > ((int64_t)1 << 40)) return NULL;
  em_vec *v = em_arrow_vec_shell(type, 0);
  if (!v) return NULL;
  if (!(v->values = em_arrow_buf_new_uninit((size_t)n * (size_t)w))) {
    em_vec_unref(v);
    return NULL;
  }
  v->len = n;
  return v;
}

em_vec *em_vec_new_nulls(em_type *type, int64_t n) {
  /* Built in bulk (outer joins pad whole batches with it): zeroed values
   * and offsets, an all-clear bitmap, struct children of nulls. */
  em_vec *v = em_vec_new(type, n);
  if (!v || n <= 0 || type->id == EM_T_NULL) {
    if (v && type->id == EM_T_NULL) v->len = v->null_count = n;
    return v;
  }
  if (type->id == EM_T_STRUCT)
    for (int i = 0; i < v->nchildren; i++) {
      em_vec_unref(v->children[i]);
      if (!(v->children[i] = em_vec_new_nulls(type->u.st.fields[i].type, n))) goto oom;
    }
  if (v->values) {
    size_t need = values_bytes(type, n);
    if (em_arrow_buf_grow(&v->values, need)) goto oom;
    memset(v->values->data, 0, need);
    v->values->len = need;
  }
  if (!(v->validity = em_buf_new(bitbytes(n)))) goto oom;
  v->validity->len = bitbytes(n);
  v->len = n;
  v->null_count = n;
  return v;
oom:
  em_vec_unref(v);
  return NULL;
}

em_vec *em_vec_ref(em_vec *v) {
  if (v) atomic_fetch_add(&v->refcnt, 1);
  return v;
}

void em_vec_unref(em_vec *v) {
  if (!v) return;
  if (atomic_fetch_sub(&v->refcnt, 1) != 1) return;
  for (int i = 0; i < v->nchildren; i++) em_vec_unref(v->children[i]);
  em_free(v->children);
  em_buf_unref(v->validity);
  em_buf_unref(v->values);
  em_buf_unref(v->data);
  em_type_unref(v->type);
  em_free(v);
}

/* ---- capacity ---- */

static size_t bitbytes(int64_t rows) { return (size_t)((rows + 7) >> 3); }

/* Bytes of the values buffer that hold `rows` rows. */
static size_t values_bytes(const em_type *t, int64_t rows) {
  if (em_arrow_has_offsets(t)) return (size_t)(rows + 1) * 4;
  if (t->id == EM_T_BOOLEAN) return bitbytes(rows);
  return (size_t)rows * (size_t)em_type_fixed_width(t);
}

static bool has_values(const em_type *t) {
  return em_arrow_has_offsets(t) || t->id == EM_T_BOOLEAN || em_type_fixed_width(t) > 0;
}

int em_vec_reserve(em_vec *v, int64_t cap, size_t data_cap) {
  if (cap < 0 || cap > ((int64_t)1 << 40)) return -1;
  if (has_values(v->type) && em_arrow_buf_grow(&v->values, values_bytes(v->type, cap))) return -1;
  if (v->validity && em_buf_reserve(v->validity, bitbytes(cap))) return -1;
  if (em_arrow_has_data(v->type) && data_cap && em_arrow_buf_grow(&v->data, data_cap)) return -1;
  if (v->type->id == EM_T_STRUCT)
    for (int i = 0; i < v->nchildren; i++)
      if (em_vec_reserve(v->children[i], cap, 0)) return -1;
  return 0;
}

int em_vec_ensure_validity(em_vec *v) {
  if (v->validity || v->type->id == EM_T_NULL) return 0;
  em_buf *b = em_buf_new(bitbytes(v->len + 64));
  if (!b) return -1;
  em_arrow_bits_set_range(b->data, 0, v->len);
  b->len = bitbytes(v->len);
  v->validity = b;
  return 0;
}

/* Records the validity of row v->len (the row being appended) and counts
 * the null; the caller increments len afterwards. */
static int push_validity(em_vec *v, bool valid) {
  if (!valid) {
    if (em_vec_ensure_validity(v)) return -1;
    v->null_count++;
  }
  if (v->validity) {
    if (em_arrow_buf_grow(&v->validity, bitbytes(v->len + 1))) return -1;
    if (valid)
      em_bit_set(v->validity->data, v->len);
    else
      em_bit_clear(v->validity->data, v->len);
    v->validity->len = bitbytes(v->len + 1);
  }
  return 0;
}

/* Grows the values buffer for one more row. */
static int grow_one(em_vec *v) {
  if (!has_values(v->type)) return 0;
  return em_arrow_buf_grow(&v->values, values_bytes(v->type, v->len + 1));
}

static void finish_row(em_vec *v) {
  v->len++;
  if (v->values) v->values->len = values_bytes(v->type, v->len);
}

/* ---- appenders ---- */

int em_vec_append_null(em_vec *v) {
  if (v->type->id == EM_T_NULL) {
    v->len++;
    v->null_count++;
    return 0;
  }
  if (grow_one(v)) return -1;
  if (v->type->id == EM_T_STRUCT)
    for (int i = 0; i < v->nchildren; i++)
      if (em_vec_append_null(v->children[i])) return -1;
  if (em_arrow_has_offsets(v->type)) {
    int32_t *o = (int32_t *)v->values->data;
    o[v->len + 1] = o[v->len];
  } else if (v->type->id == EM_T_BOOLEAN) {
    em_bit_clear(v->values->data, v->len);
  } else if (v->values) {
    int w = em_type_fixed_width(v->type);
    memset(v->values->data + (size_t)v->len * (size_t)w, 0, (size_t)w);
  }
  if (push_validity(v, false)) return -1;
  finish_row(v);
  return 0;
}

int em_vec_append_fixed(em_vec *v, const void *value) {
  int w = em_type_fixed_width(v->type);
  if (w <= 0 || grow_one(v) || push_validity(v, true)) return -1;
  memcpy(v->values->data + (size_t)v->len * (size_t)w, value, (size_t)w);
  finish_row(v);
  return 0;
}

int em_vec_append_bool(em_vec *v, bool b) {
  if (v->type->id != EM_T_BOOLEAN || grow_one(v) || push_validity(v, true)) return -1;
  if (b)
    em_bit_set(v->values->data, v->len);
  else
    em_bit_clear(v->values->data, v->len);
  finish_row(v);
  return 0;
}

int em_vec_append_bytes(em_vec *v, const void *p, size_t n) {
  if (!em_arrow_has_data(v->type) || grow_one(v)) return -1;
  int32_t *o = (int32_t *)v->values->data;
  size_t end = (size_t)o[v->len] + n;
  if (end > INT32_MAX) return -1;
  if (em_arrow_buf_grow(&v->data, end) || push_validity(v, true)) return -1;
  o = (int32_t *)v->values->data;
  if (n) memcpy(v->data->data + o[v->len], p, n);
  o[v->len + 1] = (int32_t)end;
  v->data->len = end;
  finish_row(v);
  return 0;
}

int em_vec_append_list_end(em_vec *v) {
  if ((v->type->id != EM_T_ARRAY && v->type->id != EM_T_MAP) || grow_one(v)) return -1;
  int32_t *o = (int32_t *)v->values->data;
  int64_t clen = v->children[0]->len;
  if (clen < o[v->len] || clen > INT32_MAX) return -1;
  if (push_validity(v, true)) return -1;
  o[v->len + 1] = (int32_t)clen;
  finish_row(v);
  return 0;
}

int em_vec_append_struct_end(em_vec *v, bool valid) {
  if (v->type->id != EM_T_STRUCT || push_validity(v, valid)) return -1;
  finish_row(v);
  return 0;
}

/* ---- ranges ---- */

int em_vec_append_range(em_vec *dst, const em_vec *src, int64_t start, int64_t n) {
  if (n <= 0) return n == 0 ? 0 : -1;
  if (start < 0 || start > src->len - n || dst->type->id != src->type->id) return -1;
  if (dst->type->id == EM_T_NULL) {
    dst->len += n;
    dst->null_count += n;
    return 0;
  }
  int64_t nulls = 0;
  if (src->validity && src->null_count > 0) nulls = n - em_arrow_bits_count(src->validity->data, start, n);
  if (nulls > 0 && em_vec_ensure_validity(dst)) return -1;
  if (dst->validity) {
    if (em_arrow_buf_grow(&dst->validity, bitbytes(dst->len + n))) return -1;
    if (nulls > 0)
      em_arrow_bits_copy(dst->validity->data, dst->len, src->validity->data, start, n);
    else
      em_arrow_bits_set_range(dst->validity->data, dst->len, n);
    dst->validity->len = bitbytes(dst->len + n);
  }
  if (has_values(dst->type) && em_arrow_buf_grow(&dst->values, values_bytes(dst->type, dst->len + n))) return -1;

  const em_type *t = dst->type;
  if (em_arrow_has_offsets(t)) {
    const int32_t *so = em_vec_offsets(src);
    int32_t *d = (int32_t *)dst->values->data;
    int64_t s0 = so[start], s1 = so[start + n];
    int64_t base = d[dst->len];
    if (s1 < s0 || base + (s1 - s0) > INT32_MAX) return -1;
    if (em_arrow_has_data(t)) {
      if (em_arrow_buf_grow(&dst->data, (size_t)(base + (s1 - s0)))) return -1;
      if (s1 > s0) memcpy(dst->data->data + base, src->data->data + s0, (size_t)(s1 - s0));
      dst->data->len = (size_t)(base + (s1 - s0));
    } else {
      if (dst->children[0]->len != base) return -1;
      if (em_vec_append_range(dst->children[0], src->children[0], s0, s1 - s0)) return -1;
    }
    d = (int32_t *)dst->values->data;
    int32_t delta = (int32_t)(base - s0);
    for (int64_t i = 1; i <= n; i++) d[dst->len + i] = so[start + i] + delta;
  } else if (t->id == EM_T_BOOLEAN) {
    em_arrow_bits_copy(dst->values->data, dst->len, src->values->data, start, n);
  } else if (t->id == EM_T_STRUCT) {
    for (int i = 0; i < dst->nchildren; i++)
      if (em_vec_append_range(dst->children[i], src->children[i], start, n)) return -1;
  } else if (dst->values) {
    size_t w = (size_t)em_type_fixed_width(t);
    memcpy(dst->values->data + (size_t)dst->len * w, src->values->data + (size_t)start * w, (size_t)n * w);
  }
  dst->len += n;
  dst->null_count += nulls;
  if (dst->values) dst->values->len = values_bytes(t, dst->len);
  return 0;
}

em_vec *em_vec_slice_copy(const em_vec *src, int64_t start, int64_t n) {
  if (start < 0 || n < 0 || start > src->len - n) return NULL;
  em_vec *v = em_vec_new(src->type, n);
  if (!v) return NULL;
  if (em_vec_append_range(v, src, start, n)) {
    em_vec_unref(v);
    return NULL;
  }
  return v;
}
