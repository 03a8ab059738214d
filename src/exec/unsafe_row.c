/*
 * Spark's UnsafeRow bytes of a row, for the one place where Spark's result
 * depends on them: with spark.sql.execution.sortBeforeRepartition (the
 * default) round-robin repartitioning first sorts every input partition by
 * (Murmur3 of the row's bytes, then the bytes themselves), so which rows
 * land in which partition follows from this encoding.
 *
 * Layout (UnsafeRowWriter): a null bitset of whole 8-byte words, one 8-byte
 * little-endian slot per field, then the variable-length part, each piece
 * padded with zeros to 8 bytes. Fixed-width values sit in their slot
 * (zero-extended); NULL sets the bit and zeroes the slot. Variable-length
 * values (strings, binary, decimals over 18 digits, intervals, nested
 * values) store (offset << 32 | size) in the slot, the offset counted from
 * the row start. A decimal over 18 digits always reserves 16 bytes, even
 * when NULL (its slot then keeps the offset with size 0). Arrays are
 * UnsafeArrayData (element count, null bits, packed elements, variable
 * part); maps are the key array's size followed by the key and value
 * arrays; structs are nested rows.
 *
 * Sizing walks the row once; writing walks it again into a zeroed buffer.
 */
#include "exec_int.h"

#include <string.h>

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

static size_t bitset_bytes(int64_t n) { return (size_t)((n + 63) / 64) * 8; }

static bool big_decimal(const em_type *t) { return t->id == EM_T_DECIMAL && t->u.dec.precision > 18; }

/* Bytes of a fixed-width value in its slot; 0 for variable-length types. */
static int fixed_size(const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN:
  case EM_T_BYTE: return 1;
  case EM_T_SHORT: return 2;
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL:
  case EM_T_FLOAT: return 4;
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME:
  case EM_T_DOUBLE: return 8;
  case EM_T_DECIMAL: return t->u.dec.precision <= 18 ? 8 : 0;
  case EM_T_NULL: return 8;
  default: return 0;
  }
}

/* Element size in an UnsafeArrayData (variable-length elements: 8). */
static int elem_size(const em_type *t) {
  int s = fixed_size(t);
  return s && t->id != EM_T_NULL ? s : 8;
}

static size_t var_size(const em_vec *v, int64_t i);

static size_t row_size(em_vec *const *cols, const bool *used, int ncols, int64_t row) {
  int nf = 0;
  size_t var = 0;
  for (int c = 0; c < ncols; c++) {
    if (used && !used[c]) continue;
    nf++;
    const em_vec *v = cols[c];
    if (big_decimal(v->type))
      var += 16;
    else if (!fixed_size(v->type) && !em_vec_is_null(v, row))
      var += round8(var_size(v, row));
  }
  return bitset_bytes(nf) + 8 * (size_t)nf + var;
}

static size_t array_size(const em_vec *elems, int64_t from, int64_t n) {
  size_t sz = 8 + bitset_bytes(n) + round8((size_t)elem_size(elems->type) * (size_t)n);
  if (!fixed_size(elems->type) || elems->type->id == EM_T_NULL)
    for (int64_t k = 0; k < n; k++)
      if (!em_vec_is_null(elems, from + k) && elems->type->id != EM_T_NULL) sz += round8(var_size(elems, from + k));
  return sz;
}

/* Unpadded bytes of the variable-length part of value i. */
static size_t var_size(const em_vec *v, int64_t i) {
  switch (v->type->id) {
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t len;
    em_vec_str(v, i, &len);
    return (size_t)len;
  }
  case EM_T_DECIMAL: {
    uint8_t b[16];
    __int128 d;
    memcpy(&d, (const uint8_t *)em_vec_values(v) + i * 16, 16);
    return (size_t)em_decimal_to_java_bytes(d, b);
  }
  case EM_T_CAL_INTERVAL: return 16;
  case EM_T_STRUCT: return row_size(v->children, NULL, v->nchildren, i);
  case EM_T_ARRAY: {
    const int32_t *o = em_vec_offsets(v);
    return array_size(v->children[0], o[i], o[i + 1] - o[i]);
  }
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    const em_vec *e = v->children[0];
    return 8 + array_size(e->children[0], o[i], o[i + 1] - o[i]) + array_size(e->children[1], o[i], o[i + 1] - o[i]);
  }
  default: return 0;
  }
}

size_t em_unsafe_row_size(em_vec *const *cols, const bool *used, int ncols, int64_t row) {
  return row_size(cols, used, ncols, row);
}

static void put_fixed(uint8_t *slot, const em_vec *v, int64_t i) {
  const uint8_t *vals = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: slot[0] = em_bit_get(vals, i) ? 1 : 0; return;
  case EM_T_DECIMAL: {
    __int128 d;
    memcpy(&d, vals + i * 16, 16);
    int64_t l = (int64_t)d;
    memcpy(slot, &l, 8);
    return;
  }
  case EM_T_NULL: return;
  default: {
    int w = em_type_fixed_width(v->type);
    memcpy(slot, vals + i * w, (size_t)w);
    return;
  }
  }
}

static size_t write_var(uint8_t *dst, const em_vec *v, int64_t i);

static void set_offset_size(uint8_t *slot, size_t offset, size_t size) {
  uint64_t x = (uint64_t)offset << 32 | (uint64_t)(uint32_t)size;
  memcpy(slot, &x, 8);
}

/* Writes a row at dst; returns its size. */
static size_t write_row(uint8_t *dst, em_vec *const *cols, const bool *used, int ncols, int64_t row) {
  int nf = 0;
  for (int c = 0; c < ncols; c++) nf += !used || used[c];
  size_t fixed0 = bitset_bytes(nf), cursor = fixed0 + 8 * (size_t)nf;
  int f = 0;
  for (int c = 0; c < ncols; c++) {
    if (used && !used[c]) continue;
    const em_vec *v = cols[c];
    uint8_t *slot = dst + fixed0 + 8 * (size_t)f;
    bool null = em_vec_is_null(v, row);
    if (null) dst[f / 8] |= (uint8_t)(1u << (f % 8));
    if (big_decimal(v->type)) {
      size_t n = null ? 0 : write_var(dst + cursor, v, row);
      set_offset_size(slot, cursor, n);
      cursor += 16;
    } else if (!null) {
      if (fixed_size(v->type)) {
        put_fixed(slot, v, row);
      } else {
        size_t n = write_var(dst + cursor, v, row);
        set_offset_size(slot, cursor, n);
        cursor += round8(n);
      }
    }
    f++;
  }
  return cursor;
}

static size_t write_array(uint8_t *dst, const em_vec *elems, int64_t from, int64_t n) {
  int64_t cnt = n;
  memcpy(dst, &cnt, 8);
  size_t head = 8 + bitset_bytes(n);
  int es = elem_size(elems->type);
  size_t cursor = head + round8((size_t)es * (size_t)n);
  bool var = !fixed_size(elems->type);
  for (int64_t k = 0; k < n; k++) {
    uint8_t *slot = dst + head + (size_t)es * (size_t)k;
    if (elems->type->id == EM_T_NULL || em_vec_is_null(elems, from + k)) {
      dst[8 + k / 8] |= (uint8_t)(1u << (k % 8));
      continue;
    }
    if (var) {
      size_t sz = write_var(dst + cursor, elems, from + k);
      set_offset_size(slot, cursor, sz);
      cursor += round8(sz);
    } else if (es == 8) {
      put_fixed(slot, elems, from + k);
    } else {
      uint8_t tmp[8] = {0};
      put_fixed(tmp, elems, from + k);
      memcpy(slot, tmp, (size_t)es);
    }
  }
  return cursor;
}

static size_t write_var(uint8_t *dst, const em_vec *v, int64_t i) {
  switch (v->type->id) {
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t len;
    const char *s = em_vec_str(v, i, &len);
    if (len) memcpy(dst, s, (size_t)len);
    return (size_t)len;
  }
  case EM_T_DECIMAL: {
    __int128 d;
    memcpy(&d, (const uint8_t *)em_vec_values(v) + i * 16, 16);
    uint8_t b[16];
    int n = em_decimal_to_java_bytes(d, b);
    memcpy(dst, b, (size_t)n);
    return (size_t)n;
  }
  case EM_T_CAL_INTERVAL: {
    const uint8_t *p = (const uint8_t *)em_vec_values(v) + i * 16;
    int64_t nanos;
    memcpy(dst, p, 8); /* months, days */
    memcpy(&nanos, p + 8, 8);
    int64_t micros = nanos / 1000;
    memcpy(dst + 8, &micros, 8);
    return 16;
  }
  case EM_T_STRUCT: return write_row(dst, v->children, NULL, v->nchildren, i);
  case EM_T_ARRAY: {
    const int32_t *o = em_vec_offsets(v);
    return write_array(dst, v->children[0], o[i], o[i + 1] - o[i]);
  }
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    const em_vec *e = v->children[0];
    int64_t n = o[i + 1] - o[i];
    size_t ks = write_array(dst + 8, e->children[0], o[i], n);
    int64_t k64 = (int64_t)ks;
    memcpy(dst, &k64, 8);
    return 8 + ks + write_array(dst + 8 + ks, e->children[1], o[i], n);
  }
  default: return 0;
  }
}

void em_unsafe_row_write(uint8_t *dst, em_vec *const *cols, const bool *used, int ncols, int64_t row) {
  write_row(dst, cols, used, ncols, row);
}
