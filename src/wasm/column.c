/*
 * Columns across the sandbox boundary: writing an Ember vector into guest
 * memory in the ABI's Arrow layout, and reading a column the guest
 * described back into a vector after validating it.
 *
 * A column is an 8-word descriptor (wasm_int.h) plus its buffers. Lists
 * (ABI v2) have int32 offsets and one child column whose descriptor lives
 * at `values` (`values_len` = the child's rows); structs have `values_len`
 * child descriptors, one per field, contiguous at `values`, each with as
 * many rows as the struct. Reading is driven by the expected type, never by
 * what the guest claims, so a hostile descriptor graph (cycles, huge
 * counts) cannot make the host recurse or allocate more than the type and
 * the guest's memory size allow: every address and length is checked to
 * lie inside the memory before anything is copied or allocated.
 */
#include "wasm_int.h"

#include <stdio.h>
#include <string.h>

int em_wasm_type_code(const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN: return EM_WASM_T_BOOLEAN;
  case EM_T_BYTE: return EM_WASM_T_INT8;
  case EM_T_SHORT: return EM_WASM_T_INT16;
  case EM_T_INT: return EM_WASM_T_INT32;
  case EM_T_LONG: return EM_WASM_T_INT64;
  case EM_T_FLOAT: return EM_WASM_T_FLOAT32;
  case EM_T_DOUBLE: return EM_WASM_T_FLOAT64;
  case EM_T_STRING: return EM_WASM_T_STRING;
  case EM_T_BINARY: return EM_WASM_T_BINARY;
  case EM_T_DATE: return EM_WASM_T_DATE32;
  case EM_T_TIMESTAMP: return EM_WASM_T_TIMESTAMP_US;
  case EM_T_TIMESTAMP_NTZ: return EM_WASM_T_TIMESTAMP_NTZ_US;
  case EM_T_DECIMAL: return EM_WASM_T_DECIMAL128;
  case EM_T_ARRAY: return EM_WASM_T_LIST;
  case EM_T_STRUCT: return EM_WASM_T_STRUCT;
  default: return 0;
  }
}

static bool supported(const em_type *t, int depth) {
  if (depth > EM_WASM_MAX_DEPTH) return false;
  switch (em_wasm_type_code(t)) {
  case 0: return false;
  case EM_WASM_T_LIST: return supported(t->u.array.elem, depth + 1);
  case EM_WASM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (!supported(t->u.st.fields[i].type, depth + 1)) return false;
    return true;
  default: return true;
  }
}

bool em_wasm_type_supported(const em_type *t) { return supported(t, 0); }

static inline size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }
static inline size_t bitbytes(int64_t n) { return (size_t)((n + 7) / 8); }

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static bool var_width(int code) { return code == EM_WASM_T_STRING || code == EM_WASM_T_BINARY; }

/* Bytes of a fixed-width column of n rows (bit-packed for BOOLEAN). */
static size_t fixed_bytes(int code, int64_t n) {
  switch (code) {
  case EM_WASM_T_BOOLEAN: return bitbytes(n);
  case EM_WASM_T_INT8: return (size_t)n;
  case EM_WASM_T_INT16: return (size_t)n * 2;
  case EM_WASM_T_INT32:
  case EM_WASM_T_FLOAT32:
  case EM_WASM_T_DATE32: return (size_t)n * 4;
  case EM_WASM_T_DECIMAL128: return (size_t)n * 16;
  default: return (size_t)n * 8;
  }
}

size_t em_wasm_col_bytes(const em_vec *v, int64_t n) {
  int code = em_wasm_type_code(v->type);
  size_t b = v->null_count > 0 ? align8(bitbytes(n)) : 0;
  if (var_width(code)) {
    b += align8(((size_t)n + 1) * 4);
    b += align8((size_t)em_vec_offsets(v)[n]);
  } else if (code == EM_WASM_T_LIST) {
    b += align8(((size_t)n + 1) * 4) + 4 * EM_WASM_COL_WORDS;
    b += em_wasm_col_bytes(v->children[0], em_vec_offsets(v)[n]);
  } else if (code == EM_WASM_T_STRUCT) {
    b += (size_t)v->nchildren * 4 * EM_WASM_COL_WORDS;
    for (int i = 0; i < v->nchildren; i++) b += em_wasm_col_bytes(v->children[i], n);
  } else {
    b += align8(fixed_bytes(code, n));
  }
  return b;
}

void em_wasm_col_put_type(uint8_t *col, const em_type *t) {
  put32(col + 4 * EM_WASM_COL_TYPE, (uint32_t)em_wasm_type_code(t));
  if (t->id == EM_T_DECIMAL) {
    put32(col + 4 * EM_WASM_COL_PRECISION, (uint32_t)t->u.dec.precision);
    put32(col + 4 * EM_WASM_COL_SCALE, (uint32_t)t->u.dec.scale);
  }
}

void em_wasm_col_put(uint8_t *mem, uint8_t *col, const em_vec *v, int64_t n, uint32_t *at) {
  int code = em_wasm_type_code(v->type);
  memset(col, 0, 4 * EM_WASM_COL_WORDS);
  em_wasm_col_put_type(col, v->type);
  /* A validity bitmap may be present with no nulls: pass it only when needed. */
  int64_t nulls = v->null_count;
  put32(col + 4 * EM_WASM_COL_NULL_COUNT, (uint32_t)nulls);
  if (nulls > 0) {
    memcpy(mem + *at, v->validity->data, bitbytes(n));
    put32(col + 4 * EM_WASM_COL_VALIDITY, *at);
    *at += (uint32_t)align8(bitbytes(n));
  }
  if (var_width(code) || code == EM_WASM_T_LIST) {
    size_t ob = ((size_t)n + 1) * 4;
    memcpy(mem + *at, v->values->data, ob);
    put32(col + 4 * EM_WASM_COL_OFFSETS, *at);
    *at += (uint32_t)align8(ob);
  }
  if (var_width(code)) {
    size_t nb = (size_t)em_vec_offsets(v)[n];
    if (nb) memcpy(mem + *at, v->data->data, nb);
    put32(col + 4 * EM_WASM_COL_VALUES, *at);
    put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)nb);
    *at += (uint32_t)align8(nb);
  } else if (code == EM_WASM_T_LIST) {
    int64_t cn = em_vec_offsets(v)[n];
    uint32_t child = *at;
    *at += 4 * EM_WASM_COL_WORDS;
    put32(col + 4 * EM_WASM_COL_VALUES, child);
    put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)cn);
    em_wasm_col_put(mem, mem + child, v->children[0], cn, at);
  } else if (code == EM_WASM_T_STRUCT) {
    uint32_t kids = *at;
    *at += (uint32_t)(4 * EM_WASM_COL_WORDS * v->nchildren);
    put32(col + 4 * EM_WASM_COL_VALUES, kids);
    put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)v->nchildren);
    for (int i = 0; i < v->nchildren; i++)
      em_wasm_col_put(mem, mem + kids + 4 * EM_WASM_COL_WORDS * i, v->children[i], n, at);
  } else {
    size_t nb = fixed_bytes(code, n);
    memcpy(mem + *at, v->values->data, nb);
    put32(col + 4 * EM_WASM_COL_VALUES, *at);
    put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)nb);
    *at += (uint32_t)align8(nb);
  }
}

/* True when [p, p + len) lies within memory of size `size`. */
static bool in_bounds(uint32_t p, uint64_t len, size_t size) { return (uint64_t)p + len <= size; }

static bool dec_fits(__int128 v, int precision) {
  __int128 lim = 1;
  for (int i = 0; i < precision; i++) lim *= 10;
  return v < lim && v > -lim;
}

typedef struct rd {
  const uint8_t *mem;
  size_t size;
  char *why; /* EM_ERROR_VAL_MAX bytes: the first problem found */
} rd;

static int bad(rd *r, const char *what) {
  snprintf(r->why, EM_ERROR_VAL_MAX, "%s", what);
  return -1;
}

/* Reads validity for n rows into v; the null count is recounted. */
static int read_validity(rd *r, uint32_t validity, int64_t n, em_vec *v) {
  if (!validity) return 0;
  if (!in_bounds(validity, bitbytes(n), r->size)) return bad(r, "the result's validity bitmap lies outside the module's memory");
  em_buf *b = em_buf_new(bitbytes(n) + 8);
  if (!b) return bad(r, "out of memory");
  memcpy(b->data, r->mem + validity, bitbytes(n));
  b->len = bitbytes(n);
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) nulls += !em_bit_get(b->data, i);
  if (nulls) {
    if (v->validity) em_buf_unref(v->validity);
    v->validity = b;
    v->null_count = nulls;
  } else {
    em_buf_unref(b);
  }
  return 0;
}

/* Reads n+1 offsets at `offsets` that must ascend within `limit`; writes
 * them zero-based into dst. Returns the last (zero-based) offset, -1 bad. */
static int64_t read_offsets(rd *r, uint32_t offsets, int64_t n, uint32_t limit, bool zero_based, int32_t *dst,
                            int32_t *base_out) {
  if (!in_bounds(offsets, ((uint64_t)n + 1) * 4, r->size)) return -1;
  const uint8_t *op = r->mem + offsets;
  int32_t base = (int32_t)get32(op);
  if (base < 0 || (zero_based && base != 0)) return -1;
  int32_t prev = base;
  for (int64_t i = 0; i <= n; i++) {
    int32_t o = (int32_t)get32(op + 4 * i);
    if (o < prev || (uint32_t)o > limit) return -1;
    dst[i] = o - base;
    prev = o;
  }
  *base_out = base;
  return prev - base;
}

static int read_col(rd *r, em_type *t, const uint8_t *col, int64_t n, int depth, em_vec **out) {
  if (depth > EM_WASM_MAX_DEPTH) return bad(r, "the result nests too deeply");
  int code = em_wasm_type_code(t);
  if (depth > 0 && get32(col + 4 * EM_WASM_COL_TYPE) != (uint32_t)code)
    return bad(r, "a child column of the result has the wrong type code");
  uint32_t validity = get32(col + 4 * EM_WASM_COL_VALIDITY), offsets = get32(col + 4 * EM_WASM_COL_OFFSETS),
           values = get32(col + 4 * EM_WASM_COL_VALUES), values_len = get32(col + 4 * EM_WASM_COL_VALUES_LEN);
  /* Bounds first: nothing is allocated from lengths the guest claims
   * before they are known to lie within its memory. */
  if (validity && !in_bounds(validity, bitbytes(n), r->size))
    return bad(r, "the result's validity bitmap lies outside the module's memory");
  if ((var_width(code) || code == EM_WASM_T_LIST) && !in_bounds(offsets, ((uint64_t)n + 1) * 4, r->size))
    return bad(r, "the result's offsets lie outside the module's memory");
  if (var_width(code) && !in_bounds(values, values_len, r->size))
    return bad(r, "the result's bytes lie outside the module's memory");
  em_vec *v = em_vec_new(t, 0);
  if (!v) return bad(r, "out of memory");
  int rc = 0;
  if (var_width(code)) {
    if (em_vec_reserve(v, n, values_len + 1)) rc = bad(r, "out of memory");
    int32_t base = 0;
    int64_t nbytes = rc ? -1 : read_offsets(r, offsets, n, values_len, false, (int32_t *)v->values->data, &base);
    if (!rc && nbytes < 0) rc = bad(r, "the result's offsets are not ascending within its bytes");
    if (!rc) {
      if (nbytes) memcpy(v->data->data, r->mem + values + base, (size_t)nbytes);
      v->data->len = (size_t)nbytes;
      v->values->len = ((size_t)n + 1) * 4;
    }
  } else if (code == EM_WASM_T_LIST) {
    /* The child's descriptor and its row count (values_len). */
    if (!in_bounds(values, 4 * EM_WASM_COL_WORDS, r->size) || values_len > (1u << 28))
      rc = bad(r, "the result's child column lies outside the module's memory");
    else if (em_vec_reserve(v, n, 0)) rc = bad(r, "out of memory");
    int32_t base = 0;
    int64_t last = rc ? -1 : read_offsets(r, offsets, n, values_len, true, (int32_t *)v->values->data, &base);
    if (!rc && last < 0) rc = bad(r, "the result's list offsets do not start at 0 and ascend within its child");
    if (!rc) {
      v->values->len = ((size_t)n + 1) * 4;
      em_vec *child = NULL;
      if (read_col(r, t->u.array.elem, r->mem + values, last, depth + 1, &child)) rc = -1;
      else {
        em_vec_unref(v->children[0]);
        v->children[0] = child;
      }
    }
  } else if (code == EM_WASM_T_STRUCT) {
    int nf = t->u.st.nfields;
    if (values_len != (uint32_t)nf || !in_bounds(values, (uint64_t)nf * 4 * EM_WASM_COL_WORDS, r->size))
      rc = bad(r, "the result's struct fields do not match its type or lie outside the module's memory");
    for (int i = 0; !rc && i < nf; i++) {
      em_vec *child = NULL;
      if (read_col(r, t->u.st.fields[i].type, r->mem + values + 4 * EM_WASM_COL_WORDS * i, n, depth + 1, &child))
        rc = -1;
      else {
        em_vec_unref(v->children[i]);
        v->children[i] = child;
      }
    }
  } else {
    size_t nb = fixed_bytes(code, n);
    if (!values || !in_bounds(values, nb, r->size) || values_len < nb)
      rc = bad(r, "the result's values lie outside the module's memory or are too short");
    else if (em_vec_reserve(v, n, 0)) rc = bad(r, "out of memory");
    else {
      memcpy(v->values->data, r->mem + values, nb);
      v->values->len = nb;
    }
  }
  if (!rc) {
    v->len = n;
    rc = read_validity(r, validity, n, v);
  }
  if (!rc && code == EM_WASM_T_DECIMAL128) {
    const uint8_t *vals = v->values->data;
    for (int64_t i = 0; i < n && !rc; i++) {
      __int128 d;
      memcpy(&d, vals + 16 * i, 16);
      if (!em_vec_is_null(v, i) && !dec_fits(d, t->u.dec.precision)) {
        snprintf(r->why, EM_ERROR_VAL_MAX, "row %lld of the result does not fit its decimal type", (long long)i);
        rc = -1;
      }
    }
  }
  if (rc) {
    em_vec_unref(v);
    return -1;
  }
  *out = v;
  return 0;
}

int em_wasm_col_get(em_type *t, const uint8_t *mem, size_t size, uint32_t col, int64_t n, em_vec **out, char *why) {
  rd r = {mem, size, why};
  if (!in_bounds(col, 4 * EM_WASM_COL_WORDS, size)) return bad(&r, "the result's descriptor lies outside memory");
  return read_col(&r, t, mem + col, n, 0, out);
}
