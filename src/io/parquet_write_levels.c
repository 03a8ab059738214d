/*
 * Shredding: Arrow-layout vectors into the (definition level, repetition
 * level, value) entries of their Parquet leaves (the Dremel encoding).
 *
 * A value walks down the write tree: a null at an optional node becomes
 * one entry at definition level node.def - 1 in every leaf below it; a
 * struct passes its row to each child; a list (map) emits its elements
 * (entries) in order, the first at the repetition level it was reached
 * with and the others at the element's own repetition level, and an empty
 * list one entry at the list's definition level in every leaf below; a
 * leaf converts its value to the physical form (see parquet_write_int.h's
 * em_pqw_conv) and emits it at its full definition level.
 */
#include "parquet_write_int.h"

#include <string.h>

static int put_nulls(const em_pqw_node *n, em_pqw_col **cols, int16_t d, int16_t r, em_error *err) {
  for (int l = n->first_leaf; l < n->first_leaf + n->nleaves; l++)
    if (em_pqw_col_put(cols[l], d, r, NULL, 0, err)) return -1;
  return 0;
}

/* Floor division of microseconds by a positive unit. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int leaf_value(const em_pqw_node *n, const em_pqw_leaf *lf, em_pqw_col *c, const em_vec *v, int64_t i,
                      int16_t r, em_error *err) {
  uint8_t buf[16];
  const uint8_t *vals = em_vec_values(v);
  const void *p = buf;
  size_t len;
  switch (lf->conv) {
  case EM_PQW_BOOL:
    buf[0] = em_bit_get(vals, i);
    len = 1;
    break;
  case EM_PQW_I8: {
    int32_t x = ((const int8_t *)vals)[i];
    memcpy(buf, &x, 4);
    len = 4;
    break;
  }
  case EM_PQW_I16: {
    int32_t x = ((const int16_t *)vals)[i];
    memcpy(buf, &x, 4);
    len = 4;
    break;
  }
  case EM_PQW_I32: case EM_PQW_F32:
    p = vals + 4 * i;
    len = 4;
    break;
  case EM_PQW_I64: case EM_PQW_F64:
    p = vals + 8 * i;
    len = 8;
    break;
  case EM_PQW_TS_MILLIS: {
    int64_t us;
    memcpy(&us, vals + 8 * i, 8);
    int64_t ms = floor_div(us, 1000);
    memcpy(buf, &ms, 8);
    len = 8;
    break;
  }
  case EM_PQW_TS_INT96: { /* nanoseconds of the day, then the Julian day number */
    int64_t us;
    memcpy(&us, vals + 8 * i, 8);
    int64_t day = floor_div(us, 86400000000LL);
    int64_t nanos = (us - day * 86400000000LL) * 1000;
    int32_t julian = (int32_t)(day + 2440588);
    memcpy(buf, &nanos, 8);
    memcpy(buf + 8, &julian, 4);
    len = 12;
    break;
  }
  case EM_PQW_DEC32: /* the low bytes of the little-endian 128-bit value */
    p = vals + 16 * i;
    len = 4;
    break;
  case EM_PQW_DEC64:
    p = vals + 16 * i;
    len = 8;
    break;
  case EM_PQW_DECFLBA: { /* big-endian, the value's low type_length bytes */
    const uint8_t *src = vals + 16 * i;
    len = (size_t)lf->type_length;
    for (size_t k = 0; k < len; k++) buf[k] = src[len - 1 - k];
    break;
  }
  case EM_PQW_BYTES: {
    int32_t l;
    p = em_vec_str(v, i, &l);
    len = (size_t)l;
    break;
  }
  default: return em_error_internal(err, "Parquet writer: bad conversion");
  }
  return em_pqw_col_put(c, (int16_t)n->def, r, p, len, err);
}

static int shred(const em_pqw_node *n, const em_pqw_leaf *leaves, em_pqw_col **cols, const em_vec *v, int64_t i,
                 int16_t r, em_error *err) {
  if (em_vec_is_null(v, i)) {
    if (!n->optional) return em_error_internal(err, "Parquet writer: a null value in a non-nullable field");
    return put_nulls(n, cols, (int16_t)(n->def - 1), r, err);
  }
  switch (n->kind) {
  case EM_PQW_LEAF: return leaf_value(n, &leaves[n->leaf], cols[n->leaf], v, i, r, err);
  case EM_PQW_STRUCT:
    for (int k = 0; k < n->nchildren; k++)
      if (shred(n->children[k], leaves, cols, v->children[k], i, r, err)) return -1;
    return 0;
  case EM_PQW_LIST: {
    const int32_t *off = em_vec_offsets(v);
    int32_t s = off[i], e = off[i + 1];
    if (s == e) return put_nulls(n, cols, (int16_t)n->def, r, err);
    const em_pqw_node *el = n->children[0];
    for (int32_t j = s; j < e; j++)
      if (shred(el, leaves, cols, v->children[0], j, j == s ? r : (int16_t)el->rep, err)) return -1;
    return 0;
  }
  case EM_PQW_MAP: {
    const int32_t *off = em_vec_offsets(v);
    int32_t s = off[i], e = off[i + 1];
    if (s == e) return put_nulls(n, cols, (int16_t)n->def, r, err);
    const em_vec *entries = v->children[0];
    const em_pqw_node *k = n->children[0], *val = n->children[1];
    for (int32_t j = s; j < e; j++) {
      int16_t rr = j == s ? r : (int16_t)k->rep;
      if (shred(k, leaves, cols, entries->children[0], j, rr, err)) return -1;
      if (shred(val, leaves, cols, entries->children[1], j, rr, err)) return -1;
    }
    return 0;
  }
  }
  return em_error_internal(err, "Parquet writer: bad node");
}

int em_pqw_shred(const em_pqw_node *node, const em_pqw_leaf *leaves, em_pqw_col **cols, const em_vec *v,
                 int64_t start, int64_t end, em_error *err) {
  for (int64_t i = start; i < end; i++)
    if (shred(node, leaves, cols, v, i, 0, err)) return -1;
  return 0;
}
