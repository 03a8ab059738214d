/*
 * Row keys: a canonical byte encoding of values, so that values Spark
 * considers equal for grouping (NULL = NULL, NaN = NaN, -0.0 = 0.0) encode
 * to equal bytes and unequal values to unequal bytes. The hash aggregate
 * uses it for keys that are not a single fixed-width column, and aggregate
 * functions use it to hold values of any type (min/max/first of strings and
 * nested values, DISTINCT sets, collect_set).
 *
 * Encoding of one value: a byte 0 (null) or 1 (valid), then for a valid
 * value: fixed-width types their little-endian bytes (floats normalized,
 * booleans one byte); STRING/BINARY a uint32 length and the bytes; ARRAY a
 * uint32 count and the elements; MAP a uint32 count and key, value pairs;
 * STRUCT each field in order.
 */
#ifndef EM_EXPR_ROWKEY_H
#define EM_EXPR_ROWKEY_H

#include "expr.h"

/* Encoded keys of n rows: row i is data[offs[i] .. offs[i+1]). */
typedef struct em_rowkeys {
  uint32_t *offs; /* n + 1 */
  uint8_t *data;
  size_t cap_offs, cap_data;
} em_rowkeys;

/* Encodes rows [0, n) of the columns (one key = all columns of a row) into
 * rk, reusing its buffers. -1 on out-of-memory or a key over 4 GiB. */
int em_rowkeys_encode(em_rowkeys *rk, em_vec *const *cols, int ncols, int64_t n);
void em_rowkeys_free(em_rowkeys *rk);

/* Bytes of the encoding of value i of v. */
size_t em_rowkey_size(const em_vec *v, int64_t i);
/* Writes value i of v at p; returns the end. */
uint8_t *em_rowkey_write(uint8_t *p, const em_vec *v, int64_t i);
/* Decodes one value at *p into v (appending a row); advances *p. -1 on
 * out-of-memory or malformed input. */
int em_rowkey_decode(em_vec *v, const uint8_t **p, const uint8_t *end);

/* Canonical form of a float/double for grouping and hashing. */
static inline double em_norm_double(double d) { return d != d ? __builtin_nan("") : d == 0.0 ? 0.0 : d; }
static inline float em_norm_float(float f) { return f != f ? __builtin_nanf("") : f == 0.0f ? 0.0f : f; }

#endif
