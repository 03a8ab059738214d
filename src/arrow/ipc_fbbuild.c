/*
 * A small flatbuffer builder for Arrow IPC metadata. Unlike the usual
 * back-to-front flatbuffers builder it writes front to back: a table is
 * emitted with placeholder offset slots, its children follow and the slots
 * are patched, which keeps every uoffset pointing forward as the format
 * requires. Each table's vtable sits just before it (a positive soffset).
 *
 * Alignment (readers such as Arrow C++ verify it): tables start at 4 mod 8
 * so their 8-byte fields, placed first, land on 8-byte boundaries; vectors
 * of 8-byte structs put their count at 4 mod 8.
 */
#include "ipc_int.h"

#include <string.h>

void em_ipc_fbb_init(em_fbb *b) { memset(b, 0, sizeof *b); }

void em_ipc_fbb_free(em_fbb *b) {
  em_free(b->d);
  em_ipc_fbb_init(b);
}

/* Appends n zero bytes; returns their position (garbage after OOM, which
 * callers see through b->oom). */
static uint32_t grow(em_fbb *b, size_t n) {
  if (b->oom) return 0;
  if (b->len + n > b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 1024;
    while (ncap < b->len + n) ncap *= 2;
    uint8_t *nd = ncap > UINT32_MAX ? NULL : em_realloc(b->d, ncap);
    if (!nd) {
      b->oom = true;
      return 0;
    }
    b->d = nd;
    b->cap = ncap;
  }
  uint32_t pos = (uint32_t)b->len;
  memset(b->d + b->len, 0, n);
  b->len += n;
  return pos;
}

void em_ipc_fbb_put(em_fbb *b, uint32_t pos, const void *v, size_t n) {
  if (!b->oom) memcpy(b->d + pos, v, n);
}

static void pad_to(em_fbb *b, size_t align, size_t rem) {
  while (!b->oom && b->len % align != rem) grow(b, 1);
}

void em_ipc_fbb_start(em_fbb *b) { grow(b, 4); }

uint32_t em_ipc_fbb_table(em_fbb *b, int nfields, em_fbb_field *f) {
  pad_to(b, 2, 0);
  uint16_t vtsize = (uint16_t)(4 + 2 * nfields);
  uint32_t vt = grow(b, vtsize);
  pad_to(b, 8, 4);
  uint32_t tpos = grow(b, 4);
  uint16_t off = 4;
  static const uint8_t order[] = {8, EM_FBB_REF, 4, 2, 1};
  for (size_t k = 0; k < sizeof order; k++) {
    for (int i = 0; i < nfields; i++) {
      if (f[i].size != order[k]) continue;
      size_t sz = f[i].size == EM_FBB_REF ? 4 : f[i].size;
      uint32_t p = grow(b, sz);
      f[i].slot = p;
      if (f[i].size != EM_FBB_REF) em_ipc_fbb_put(b, p, &f[i].value, sz); /* little endian */
      em_ipc_fbb_put(b, vt + 4 + 2 * (uint32_t)i, &off, 2);
      off = (uint16_t)(off + sz);
    }
  }
  em_ipc_fbb_put(b, vt, &vtsize, 2);
  em_ipc_fbb_put(b, vt + 2, &off, 2);
  int32_t soff = (int32_t)(tpos - vt);
  em_ipc_fbb_put(b, tpos, &soff, 4);
  return tpos;
}

void em_ipc_fbb_patch(em_fbb *b, uint32_t slot, uint32_t target) {
  uint32_t rel = target - slot;
  em_ipc_fbb_put(b, slot, &rel, 4);
}

uint32_t em_ipc_fbb_string(em_fbb *b, const char *s, size_t n) {
  pad_to(b, 4, 0);
  uint32_t pos = grow(b, 4 + n + 1);
  uint32_t n32 = (uint32_t)n;
  em_ipc_fbb_put(b, pos, &n32, 4);
  if (n) em_ipc_fbb_put(b, pos + 4, s, n);
  return pos;
}

uint32_t em_ipc_fbb_vector(em_fbb *b, uint32_t n, size_t elem_size, size_t align) {
  if (align > 4)
    pad_to(b, align, align - 4);
  else
    pad_to(b, 4, 0);
  uint32_t pos = grow(b, 4 + (size_t)n * elem_size);
  em_ipc_fbb_put(b, pos, &n, 4);
  return pos;
}
