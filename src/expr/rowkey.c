/*
 * The canonical row-key encoding (see rowkey.h). Batches are encoded a
 * column at a time: first every row's length, then the bytes, so the inner
 * loops of the common cases (fixed-width and string columns) are tight.
 * Nested values go through the recursive per-value writer.
 */
#include "rowkey.h"

#include <string.h>

static bool is_varlen(const em_type *t) {
  return t->id == EM_T_STRING || t->id == EM_T_CHAR || t->id == EM_T_VARCHAR || t->id == EM_T_BINARY;
}

size_t em_rowkey_size(const em_vec *v, int64_t i) {
  if (em_vec_is_null(v, i)) return 1;
  const em_type *t = v->type;
  int w = em_type_fixed_width(t);
  if (w > 0) return 1 + (size_t)w;
  if (t->id == EM_T_BOOLEAN) return 2;
  if (is_varlen(t)) {
    int32_t len;
    em_vec_str(v, i, &len);
    return 5 + (size_t)len;
  }
  size_t n = 1;
  switch (t->id) {
  case EM_T_ARRAY: {
    const int32_t *o = em_vec_offsets(v);
    n += 4;
    for (int32_t k = o[i]; k < o[i + 1]; k++) n += em_rowkey_size(v->children[0], k);
    return n;
  }
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    const em_vec *e = v->children[0];
    n += 4;
    for (int32_t k = o[i]; k < o[i + 1]; k++) n += em_rowkey_size(e->children[0], k) + em_rowkey_size(e->children[1], k);
    return n;
  }
  case EM_T_STRUCT:
    for (int f = 0; f < v->nchildren; f++) n += em_rowkey_size(v->children[f], i);
    return n;
  default:
    return n;
  }
}

static uint8_t *put_u32(uint8_t *p, uint32_t x) {
  memcpy(p, &x, 4);
  return p + 4;
}

/* Writes a fixed-width value, normalizing floating point. */
static uint8_t *put_fixed(uint8_t *p, const em_vec *v, int64_t i, int w) {
  const uint8_t *src = (const uint8_t *)em_vec_values(v) + (size_t)i * (size_t)w;
  if (v->type->id == EM_T_DOUBLE) {
    double d;
    memcpy(&d, src, 8);
    d = em_norm_double(d);
    memcpy(p, &d, 8);
  } else if (v->type->id == EM_T_FLOAT) {
    float f;
    memcpy(&f, src, 4);
    f = em_norm_float(f);
    memcpy(p, &f, 4);
  } else {
    memcpy(p, src, (size_t)w);
  }
  return p + w;
}

uint8_t *em_rowkey_write(uint8_t *p, const em_vec *v, int64_t i) {
  if (em_vec_is_null(v, i)) {
    *p++ = 0;
    return p;
  }
  *p++ = 1;
  const em_type *t = v->type;
  int w = em_type_fixed_width(t);
  if (w > 0) return put_fixed(p, v, i, w);
  if (t->id == EM_T_BOOLEAN) {
    *p++ = em_bit_get(em_vec_values(v), i) ? 1 : 0;
    return p;
  }
  if (is_varlen(t)) {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    p = put_u32(p, (uint32_t)len);
    memcpy(p, s, (size_t)len);
    return p + len;
  }
  switch (t->id) {
  case EM_T_ARRAY: {
    const int32_t *o = em_vec_offsets(v);
    p = put_u32(p, (uint32_t)(o[i + 1] - o[i]));
    for (int32_t k = o[i]; k < o[i + 1]; k++) p = em_rowkey_write(p, v->children[0], k);
    return p;
  }
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    const em_vec *e = v->children[0];
    p = put_u32(p, (uint32_t)(o[i + 1] - o[i]));
    for (int32_t k = o[i]; k < o[i + 1]; k++) {
      p = em_rowkey_write(p, e->children[0], k);
      p = em_rowkey_write(p, e->children[1], k);
    }
    return p;
  }
  case EM_T_STRUCT:
    for (int f = 0; f < v->nchildren; f++) p = em_rowkey_write(p, v->children[f], i);
    return p;
  default:
    return p;
  }
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : 1024;
  while (nc < need) nc *= 2;
  void *np = em_realloc(*p, nc * elem);
  if (!np) return -1;
  *p = np;
  *cap = nc;
  return 0;
}

int em_rowkeys_encode(em_rowkeys *rk, em_vec *const *cols, int ncols, int64_t n) {
  if (grow((void **)&rk->offs, &rk->cap_offs, (size_t)n + 1, sizeof(uint32_t))) return -1;
  uint32_t *offs = rk->offs;
  /* Pass 1: lengths (in offs[i + 1]), then prefix sums. */
  memset(offs, 0, sizeof(uint32_t) * ((size_t)n + 1));
  for (int c = 0; c < ncols; c++) {
    const em_vec *v = cols[c];
    int w = em_type_fixed_width(v->type);
    if (w > 0 && !v->validity && v->type->id != EM_T_NULL) {
      for (int64_t i = 0; i < n; i++) offs[i + 1] += 1 + (uint32_t)w;
    } else if (is_varlen(v->type) && !v->validity) {
      const int32_t *o = em_vec_offsets(v);
      for (int64_t i = 0; i < n; i++) offs[i + 1] += 5 + (uint32_t)(o[i + 1] - o[i]);
    } else {
      for (int64_t i = 0; i < n; i++) offs[i + 1] += (uint32_t)em_rowkey_size(v, i);
    }
  }
  uint64_t total = 0;
  for (int64_t i = 0; i < n; i++) {
    total += offs[i + 1];
    if (total > UINT32_MAX) return -1;
    offs[i + 1] = (uint32_t)total;
  }
  if (grow((void **)&rk->data, &rk->cap_data, total ? (size_t)total : 1, 1)) return -1;
  /* Pass 2: bytes, a column at a time; cur[i] is row i's write position,
   * kept in offs[i] and restored at the end. */
  uint8_t *d = rk->data;
  for (int c = 0; c < ncols; c++) {
    const em_vec *v = cols[c];
    int w = em_type_fixed_width(v->type);
    if (w > 0 && !v->validity && v->type->id != EM_T_NULL && v->type->id != EM_T_FLOAT && v->type->id != EM_T_DOUBLE) {
      const uint8_t *src = em_vec_values(v);
      for (int64_t i = 0; i < n; i++) {
        uint8_t *p = d + offs[i];
        *p = 1;
        memcpy(p + 1, src + (size_t)i * (size_t)w, (size_t)w);
        offs[i] += 1 + (uint32_t)w;
      }
    } else {
      for (int64_t i = 0; i < n; i++) {
        uint8_t *p = d + offs[i];
        uint8_t *e = em_rowkey_write(p, v, i);
        offs[i] += (uint32_t)(e - p);
      }
    }
  }
  /* offs[i] now holds row i's end = offs[i + 1] originally; shift back. */
  memmove(offs + 1, offs, sizeof(uint32_t) * (size_t)n);
  offs[0] = 0;
  return 0;
}

void em_rowkeys_free(em_rowkeys *rk) {
  em_free(rk->offs);
  em_free(rk->data);
  memset(rk, 0, sizeof *rk);
}

static int get_u32(const uint8_t **p, const uint8_t *end, uint32_t *x) {
  if (end - *p < 4) return -1;
  memcpy(x, *p, 4);
  *p += 4;
  return 0;
}

int em_rowkey_decode(em_vec *v, const uint8_t **p, const uint8_t *end) {
  if (*p >= end) return -1;
  uint8_t tag = *(*p)++;
  if (tag == 0) return em_vec_append_null(v);
  const em_type *t = v->type;
  int w = em_type_fixed_width(t);
  if (w > 0) {
    if (end - *p < w) return -1;
    int rc = em_vec_append_fixed(v, *p);
    *p += w;
    return rc;
  }
  if (t->id == EM_T_BOOLEAN) {
    if (*p >= end) return -1;
    return em_vec_append_bool(v, *(*p)++ != 0);
  }
  if (is_varlen(t)) {
    uint32_t len;
    if (get_u32(p, end, &len) || (size_t)(end - *p) < len) return -1;
    int rc = em_vec_append_bytes(v, *p, len);
    *p += len;
    return rc;
  }
  switch (t->id) {
  case EM_T_ARRAY: {
    uint32_t cnt;
    if (get_u32(p, end, &cnt)) return -1;
    for (uint32_t k = 0; k < cnt; k++)
      if (em_rowkey_decode(v->children[0], p, end)) return -1;
    return em_vec_append_list_end(v);
  }
  case EM_T_MAP: {
    uint32_t cnt;
    if (get_u32(p, end, &cnt)) return -1;
    em_vec *e = v->children[0];
    for (uint32_t k = 0; k < cnt; k++) {
      if (em_rowkey_decode(e->children[0], p, end) || em_rowkey_decode(e->children[1], p, end)) return -1;
      if (em_vec_append_struct_end(e, true)) return -1;
    }
    return em_vec_append_list_end(v);
  }
  case EM_T_STRUCT:
    for (int f = 0; f < v->nchildren; f++)
      if (em_rowkey_decode(v->children[f], p, end)) return -1;
    return em_vec_append_struct_end(v, true);
  default:
    return em_vec_append_null(v);
  }
}
