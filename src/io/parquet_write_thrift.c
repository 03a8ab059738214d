/*
 * The Thrift compact protocol, writing side, as Parquet's footer and page
 * headers use it: field headers carry the field id as a delta from the
 * previous one (1..15 packed into the type byte, else a zigzag i16),
 * integers are zigzag varints, booleans live in the field header's type
 * nibble (1 true, 2 false), binaries are a varint length and the bytes,
 * lists a size/type byte (size >= 15: 0xF? then a varint size). Also the
 * growable byte buffer every writer file uses; a failed allocation sets
 * `oom` once and later writes are dropped, so callers check once at the end.
 */
#include "parquet_write_int.h"

#include <string.h>

int em_pqw_buf_reserve(em_pqw_buf *b, size_t extra) {
  if (b->oom) return -1;
  if (b->cap - b->len >= extra) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra) cap *= 2;
  uint8_t *p = em_realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void em_pqw_buf_put(em_pqw_buf *b, const void *p, size_t n) {
  if (!n || em_pqw_buf_reserve(b, n)) return;
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void em_pqw_buf_free(em_pqw_buf *b) {
  em_free(b->p);
  memset(b, 0, sizeof *b);
}

void em_pq_tw_init(em_tw *w, em_pqw_buf *out) {
  memset(w, 0, sizeof *w);
  w->out = out;
}

static void varint(em_tw *w, uint64_t v) {
  uint8_t tmp[10];
  int n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  em_pqw_buf_put(w->out, tmp, (size_t)n);
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

void em_pq_tw_field(em_tw *w, int fid, int type) {
  int16_t *last = &w->last_fid[w->depth];
  int delta = fid - *last;
  if (delta > 0 && delta <= 15) {
    em_pqw_buf_byte(w->out, (uint8_t)(delta << 4 | type));
  } else {
    em_pqw_buf_byte(w->out, (uint8_t)type);
    varint(w, zigzag(fid));
  }
  *last = (int16_t)fid;
}

void em_pq_tw_i32(em_tw *w, int fid, int32_t v) {
  em_pq_tw_field(w, fid, EM_TC_I32);
  varint(w, zigzag(v));
}

void em_pq_tw_i64(em_tw *w, int fid, int64_t v) {
  em_pq_tw_field(w, fid, EM_TC_I64);
  varint(w, zigzag(v));
}

void em_pq_tw_i8(em_tw *w, int fid, int8_t v) {
  em_pq_tw_field(w, fid, EM_TC_BYTE);
  em_pqw_buf_byte(w->out, (uint8_t)v);
}

void em_pq_tw_bool(em_tw *w, int fid, bool v) { em_pq_tw_field(w, fid, v ? EM_TC_TRUE : EM_TC_FALSE); }

void em_pq_tw_bin(em_tw *w, int fid, const void *p, size_t n) {
  em_pq_tw_field(w, fid, EM_TC_BINARY);
  em_pq_tw_elem_bin(w, p, n);
}

void em_pq_tw_begin(em_tw *w) {
  if (w->depth + 1 < (int)(sizeof w->last_fid / sizeof w->last_fid[0])) w->depth++;
  w->last_fid[w->depth] = 0;
}

void em_pq_tw_struct(em_tw *w, int fid) {
  em_pq_tw_field(w, fid, EM_TC_STRUCT);
  em_pq_tw_begin(w);
}

void em_pq_tw_end(em_tw *w) {
  em_pqw_buf_byte(w->out, EM_TC_STOP);
  if (w->depth > 0) w->depth--;
}

void em_pq_tw_list(em_tw *w, int fid, int etype, int64_t n) {
  em_pq_tw_field(w, fid, EM_TC_LIST);
  if (n < 15) {
    em_pqw_buf_byte(w->out, (uint8_t)(n << 4 | etype));
  } else {
    em_pqw_buf_byte(w->out, (uint8_t)(0xF0 | etype));
    varint(w, (uint64_t)n);
  }
}

void em_pq_tw_elem_i32(em_tw *w, int32_t v) { varint(w, zigzag(v)); }

void em_pq_tw_elem_bin(em_tw *w, const void *p, size_t n) {
  varint(w, n);
  em_pqw_buf_put(w->out, p, n);
}
