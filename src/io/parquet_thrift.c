/*
 * Thrift's compact protocol, as much of it as Parquet's footer and page
 * headers use: a cursor over bytes that never reads past its end. Any
 * malformed input sets `failed` and makes every later read return zero, so
 * decoders can read a whole struct and check once.
 */
#include "parquet_int.h"

#include <string.h>

void em_pq_tc_init(em_tc *t, const uint8_t *p, size_t n) {
  memset(t, 0, sizeof *t);
  t->p = p;
  t->end = p + n;
}

static void fail(em_tc *t) {
  t->failed = true;
  t->p = t->end;
}

void em_pq_tc_struct_begin(em_tc *t) {
  if (t->depth >= 63) {
    fail(t);
    return;
  }
  t->depth++;
  t->last_fid[t->depth] = 0;
}

void em_pq_tc_struct_end(em_tc *t) {
  if (t->depth > 0) t->depth--;
}

int64_t em_pq_tc_varint(em_tc *t) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (t->p >= t->end) {
      fail(t);
      return 0;
    }
    uint8_t b = *t->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return (int64_t)v;
  }
  fail(t);
  return 0;
}

int64_t em_pq_tc_zigzag(em_tc *t) {
  uint64_t v = (uint64_t)em_pq_tc_varint(t);
  return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

bool em_pq_tc_field(em_tc *t, int16_t *fid, int *type) {
  if (t->failed || t->p >= t->end) {
    fail(t);
    return false;
  }
  uint8_t b = *t->p++;
  if (b == EM_TC_STOP) return false;
  int ty = b & 0x0f, delta = b >> 4;
  int16_t id;
  if (delta) {
    id = (int16_t)(t->last_fid[t->depth] + delta);
  } else {
    id = (int16_t)em_pq_tc_zigzag(t);
  }
  t->last_fid[t->depth] = id;
  if (ty == EM_TC_TRUE || ty == EM_TC_FALSE) {
    t->bool_pending = true;
    t->bool_value = ty == EM_TC_TRUE;
  }
  if (ty < EM_TC_TRUE || ty > EM_TC_STRUCT) {
    fail(t);
    return false;
  }
  *fid = id;
  *type = ty;
  return !t->failed;
}

bool em_pq_tc_bool(em_tc *t, int type) {
  if (type == EM_TC_TRUE || type == EM_TC_FALSE) {
    t->bool_pending = false;
    return type == EM_TC_TRUE;
  }
  /* A list element: one byte. */
  if (t->p >= t->end) {
    fail(t);
    return false;
  }
  return *t->p++ == 1;
}

const uint8_t *em_pq_tc_binary(em_tc *t, size_t *len) {
  int64_t n = em_pq_tc_varint(t);
  if (t->failed || n < 0 || n > t->end - t->p) {
    fail(t);
    *len = 0;
    return NULL;
  }
  const uint8_t *p = t->p;
  t->p += n;
  *len = (size_t)n;
  return p;
}

int64_t em_pq_tc_list(em_tc *t, int *etype) {
  if (t->p >= t->end) {
    fail(t);
    return 0;
  }
  uint8_t b = *t->p++;
  int64_t n = b >> 4;
  *etype = b & 0x0f;
  if (n == 15) n = em_pq_tc_varint(t);
  /* Every element takes at least one byte, except booleans packed... which
   * also take one byte each in a compact list. */
  if (t->failed || n < 0 || n > t->end - t->p) {
    fail(t);
    return 0;
  }
  return n;
}

void em_pq_tc_skip(em_tc *t, int type) {
  if (t->failed) return;
  switch (type) {
  case EM_TC_TRUE:
  case EM_TC_FALSE:
    t->bool_pending = false;
    break;
  case EM_TC_BYTE:
    if (t->p >= t->end) fail(t);
    else t->p++;
    break;
  case EM_TC_I16:
  case EM_TC_I32:
  case EM_TC_I64:
    em_pq_tc_varint(t);
    break;
  case EM_TC_DOUBLE:
    if (t->end - t->p < 8) fail(t);
    else t->p += 8;
    break;
  case EM_TC_BINARY: {
    size_t n;
    em_pq_tc_binary(t, &n);
    break;
  }
  case EM_TC_LIST:
  case EM_TC_SET: {
    int et;
    int64_t n = em_pq_tc_list(t, &et);
    if (t->depth >= 62) {
      fail(t);
      return;
    }
    t->depth++;
    for (int64_t i = 0; i < n && !t->failed; i++) {
      if (et == EM_TC_TRUE || et == EM_TC_FALSE) em_pq_tc_bool(t, EM_TC_BYTE);
      else em_pq_tc_skip(t, et);
    }
    t->depth--;
    break;
  }
  case EM_TC_MAP: {
    int64_t n = em_pq_tc_varint(t);
    if (n == 0) break;
    if (t->failed || n < 0 || n > t->end - t->p || t->p >= t->end) {
      fail(t);
      return;
    }
    uint8_t kv = *t->p++;
    int kt = kv >> 4, vt = kv & 0x0f;
    if (t->depth >= 62) {
      fail(t);
      return;
    }
    t->depth++;
    for (int64_t i = 0; i < n && !t->failed; i++) {
      if (kt == EM_TC_TRUE || kt == EM_TC_FALSE) em_pq_tc_bool(t, EM_TC_BYTE);
      else em_pq_tc_skip(t, kt);
      if (vt == EM_TC_TRUE || vt == EM_TC_FALSE) em_pq_tc_bool(t, EM_TC_BYTE);
      else em_pq_tc_skip(t, vt);
    }
    t->depth--;
    break;
  }
  case EM_TC_STRUCT: {
    em_pq_tc_struct_begin(t);
    int16_t fid;
    int ft;
    while (em_pq_tc_field(t, &fid, &ft)) em_pq_tc_skip(t, ft);
    em_pq_tc_struct_end(t);
    break;
  }
  default:
    fail(t);
  }
}
