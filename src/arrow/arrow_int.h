/*
 * Private helpers shared by the files of src/arrow: buffer growth, bitmap
 * copying and counting, and the per-type layout questions (does this type
 * have offsets? a data buffer?). Not for use outside the layer.
 */
#ifndef EM_ARROW_INT_H
#define EM_ARROW_INT_H

#include "arrow.h"

/* Grows *bp (creating it when NULL) so that it holds at least `need`
 * bytes, doubling to keep appends amortised O(1). -1 on OOM. */
int em_arrow_buf_grow(em_buf **bp, size_t need);

/* A buffer of n bytes (len = n) whose contents the caller overwrites
 * completely: not zero-filled, except its last 8 bytes and the padding.
 * NULL on OOM. */
em_buf *em_arrow_buf_new_uninit(size_t n);

/* Copies n bits from src (starting at bit soff) to dst (at bit doff). */
void em_arrow_bits_copy(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff, int64_t n);
/* Number of set bits in [off, off+n). */
int64_t em_arrow_bits_count(const uint8_t *bits, int64_t off, int64_t n);
/* Sets bits [off, off+n) to 1. */
void em_arrow_bits_set_range(uint8_t *bits, int64_t off, int64_t n);

/* STRING/CHAR/VARCHAR/BINARY/ARRAY/MAP: values holds int32 offsets. */
static inline bool em_arrow_has_offsets(const em_type *t) {
  switch (t->id) {
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY:
  case EM_T_ARRAY:
  case EM_T_MAP: return true;
  default: return false;
  }
}

/* STRING/CHAR/VARCHAR/BINARY: data holds the bytes. */
static inline bool em_arrow_has_data(const em_type *t) {
  return t->id == EM_T_STRING || t->id == EM_T_CHAR || t->id == EM_T_VARCHAR || t->id == EM_T_BINARY;
}

/* The struct type of a MAP vector's single child: <key not null, value>.
 * A new reference, NULL on OOM. */
em_type *em_arrow_map_entries_type(const em_type *map);

/* An empty vector shell (refcount 1, type referenced, no buffers, children
 * array of n NULLs). NULL on OOM. */
em_vec *em_arrow_vec_shell(em_type *type, int nchildren);

#endif
