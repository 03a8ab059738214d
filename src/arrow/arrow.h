/*
 * Columnar data in the Arrow memory layout, and Arrow IPC streams.
 *
 * em_buf    a reference-counted, 64-byte aligned byte buffer.
 * em_vec    one column: validity bitmap (bit i set = row i valid; NULL
 *           buffer = all valid), a values buffer (fixed-width values, or
 *           int32 offsets for STRING/BINARY/ARRAY/MAP), a data buffer (bytes
 *           of STRING/BINARY), children (ARRAY: 1 element vector; MAP: 1
 *           struct vector of key,value; STRUCT: one per field). Offsets are
 *           always zero-based: vectors are never slices of others.
 * em_batch  a set of equal-length columns with their schema (a STRUCT type).
 *
 * Layout per type (as Arrow's): BOOLEAN bit-packed; BYTE..LONG, FLOAT,
 * DOUBLE, DATE(int32), TIMESTAMP(_NTZ)(int64 us), DT_INTERVAL(int64 us),
 * YM_INTERVAL(int32), TIME(int64 ns) fixed width; DECIMAL 16-byte
 * little-endian two's complement; CAL_INTERVAL 16 bytes {int32 months,
 * int32 days, int64 nanoseconds} as Arrow's month_day_nano; NULL has no
 * buffers; STRING/CHAR/VARCHAR/BINARY int32 offsets (len+1) + data.
 *
 * Ownership: em_vec and em_batch are reference counted. A function that
 * returns one hands the caller a reference; em_*_unref releases it.
 * Vectors are mutable only while a single owner builds them.
 */
#ifndef EM_ARROW_H
#define EM_ARROW_H

#include "../base/base.h"
#include "../types/types.h"

typedef struct em_buf {
  _Atomic int64_t refcnt;
  uint8_t *data;
  size_t len; /* bytes in use */
  size_t cap; /* bytes allocated */
} em_buf;

/* A zeroed buffer of cap bytes (len 0). NULL on out-of-memory. */
em_buf *em_buf_new(size_t cap);
em_buf *em_buf_ref(em_buf *b);
void em_buf_unref(em_buf *b);
/* Grows capacity to at least cap (zero-filling the new part); -1 on OOM. */
int em_buf_reserve(em_buf *b, size_t cap);

typedef struct em_vec em_vec;
struct em_vec {
  _Atomic int refcnt;
  em_type *type;      /* owned reference */
  int64_t len;        /* rows */
  int64_t null_count; /* exact */
  em_buf *validity;   /* NULL = no nulls */
  em_buf *values;
  em_buf *data;
  int nchildren;
  em_vec **children;
};

typedef struct em_batch {
  _Atomic int refcnt;
  em_type *schema; /* STRUCT; owned reference */
  int64_t nrows;
  int ncols;
  em_vec **cols; /* owned references */
} em_batch;

/* ---- vectors ---- */

/* A new empty vector of `type` (takes a new reference to it) with room for
 * `cap` rows; children are created recursively. NULL on OOM. */
em_vec *em_vec_new(em_type *type, int64_t cap);
/* A fixed-width vector of n rows (len = n, no nulls) whose values the
 * caller overwrites completely: not zero-filled. NULL on OOM or for a type
 * that is not fixed width. */
em_vec *em_vec_new_uninit(em_type *type, int64_t n);
/* A vector of n nulls. */
em_vec *em_vec_new_nulls(em_type *type, int64_t n);
em_vec *em_vec_ref(em_vec *v);
void em_vec_unref(em_vec *v);

/* Makes room for `cap` rows (and, for STRING/BINARY, `data_cap` bytes). */
int em_vec_reserve(em_vec *v, int64_t cap, size_t data_cap);
/* Ensures a validity bitmap exists (all bits set for existing rows). */
int em_vec_ensure_validity(em_vec *v);

static inline bool em_bit_get(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
static inline void em_bit_set(uint8_t *bits, int64_t i) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void em_bit_clear(uint8_t *bits, int64_t i) { bits[i >> 3] &= (uint8_t)~(1u << (i & 7)); }

static inline bool em_vec_is_null(const em_vec *v, int64_t i) {
  return v->type->id == EM_T_NULL || (v->validity && !em_bit_get(v->validity->data, i));
}
static inline void *em_vec_values(const em_vec *v) { return v->values ? v->values->data : NULL; }
static inline const int32_t *em_vec_offsets(const em_vec *v) { return (const int32_t *)v->values->data; }
static inline const char *em_vec_str(const em_vec *v, int64_t i, int32_t *len) {
  const int32_t *o = em_vec_offsets(v);
  *len = o[i + 1] - o[i];
  return (const char *)v->data->data + o[i];
}

/* Appenders for building a vector row by row (builders and tests; kernels
 * write buffers directly). Each grows buffers as needed; -1 on OOM. */
int em_vec_append_null(em_vec *v);
int em_vec_append_fixed(em_vec *v, const void *value); /* width = em_type_fixed_width */
int em_vec_append_bool(em_vec *v, bool b);
int em_vec_append_bytes(em_vec *v, const void *p, size_t n); /* STRING/BINARY */
/* ARRAY/MAP: call after appending `n` elements to the child (entries child
 * for MAP): closes the current list at the child's length. */
int em_vec_append_list_end(em_vec *v);
/* STRUCT: call after appending one value to every child. */
int em_vec_append_struct_end(em_vec *v, bool valid);

/* Copies rows [start, start+n) of src into a new vector. */
em_vec *em_vec_slice_copy(const em_vec *src, int64_t start, int64_t n);
/* Appends rows [start, start+n) of src to dst (same type). */
int em_vec_append_range(em_vec *dst, const em_vec *src, int64_t start, int64_t n);

/* A new vector of src's rows idx[0..n) in that order (idx < src->len). */
em_vec *em_vec_take(const em_vec *src, const uint32_t *idx, int64_t n);
/* A new vector whose row i is row idx[i] of srcs[sel[i]] (sel NULL: of
 * srcs[0]). All nsrcs sources have the same type. */
em_vec *em_vec_take_multi(em_vec *const *srcs, int nsrcs, const uint32_t *sel, const uint32_t *idx, int64_t n);

/* ---- batches ---- */

/* A batch over `cols` (takes the references to schema and each column).
 * NULL on OOM (references released). */
em_batch *em_batch_new(em_type *schema, int ncols, em_vec **cols, int64_t nrows);
em_batch *em_batch_ref(em_batch *b);
void em_batch_unref(em_batch *b);
/* Rows [start, start+n) copied. */
em_batch *em_batch_slice_copy(const em_batch *b, int64_t start, int64_t n);
/* Bytes held by the batch's buffers (for batching by size and accounting). */
size_t em_batch_bytes(const em_batch *b);

/* ---- Arrow IPC (streaming format) ---- */

/* Options for writing. */
typedef struct em_ipc_write_opts {
  const char *timezone; /* session time zone for TIMESTAMP (e.g. "Etc/UTC") */
  bool large_var_types; /* large_utf8/large_binary (useLargeVarTypes) */
} em_ipc_write_opts;

/* Writes one complete IPC stream: schema message, one record batch per
 * given batch (all with `schema`), end-of-stream marker. nbatches may be 0
 * (schema + EOS). Appends to out. Field metadata (em_field.metadata) goes
 * under "SPARK::metadata::json" as Spark does. */
int em_ipc_write_stream(const em_type *schema, em_batch *const *batches, int nbatches,
                        const em_ipc_write_opts *opts, em_strbuf *out, em_error *err);

/* Reads a whole IPC stream from memory. On success *schema_out gets the
 * schema (Spark types mapped from Arrow types; Arrow timestamp with a zone
 * -> TIMESTAMP, without -> TIMESTAMP_NTZ) and *batches_out an em_malloc'd
 * array of *nbatches_out batches. Every offset, length and buffer is
 * validated against the message body: hostile input yields an error, never
 * an out-of-bounds access. Dictionary-encoded columns are decoded;
 * LZ4_FRAME/ZSTD body compression is supported. */
int em_ipc_read_stream(const uint8_t *data, size_t len, em_type **schema_out, em_batch ***batches_out,
                       int *nbatches_out, em_error *err);

/* The same, but unsigned integers are widened (uint8 -> short ... uint64 ->
 * decimal(20,0)) instead of refused: for reading foreign files, where
 * em_ipc_read_stream follows Spark's refusal of unsigned client data. */
int em_ipc_read_stream_any(const uint8_t *data, size_t len, em_type **schema_out, em_batch ***batches_out,
                           int *nbatches_out, em_error *err);

/* Frees an array returned by em_ipc_read_stream. */
void em_batches_free(em_batch **batches, int n);

#endif
