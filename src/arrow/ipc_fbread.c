/*
 * A bounds-checked reader for the flatbuffers that carry Arrow IPC
 * metadata, written from the flatbuffers binary format: a root uoffset, tables
 * that start with a signed offset to their vtable (uint16 vtable size,
 * uint16 table size, uint16 field offsets), forward uoffsets to sub-tables,
 * vectors and strings (uint32 count first).
 *
 * Nothing here trusts the input: each read is checked against the buffer
 * and a failure sets fb->bad (sticky) and yields a default. Because every
 * uoffset is unsigned and added to its own position, references strictly
 * increase, so no walk can loop.
 */
#include "ipc_int.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static em_fbt table_at(em_fb *fb, uint64_t pos) {
  em_fbt t = {0};
  if (fb->len < 4 || pos > fb->len - 4) goto bad;
  int64_t vt = (int64_t)pos - (int32_t)rd32(fb->buf + pos);
  if (vt < 0 || (uint64_t)vt > fb->len - 4) goto bad;
  uint16_t vtlen = rd16(fb->buf + vt), tlen = rd16(fb->buf + vt + 2);
  if (vtlen < 4 || (vtlen & 1) || (uint64_t)vt + vtlen > fb->len) goto bad;
  if (tlen < 4 || pos + tlen > fb->len) goto bad;
  t.pos = (uint32_t)pos;
  t.vt = (uint32_t)vt;
  t.vtlen = vtlen;
  t.tlen = tlen;
  t.ok = true;
  return t;
bad:
  fb->bad = true;
  return t;
}

/* Absolute position of slot's value of `size` bytes, or 0 when absent. */
static uint64_t slot_pos(em_fb *fb, const em_fbt *t, int slot, int size) {
  if (!t->ok || slot < 0) return 0;
  uint32_t idx = 4 + 2 * (uint32_t)slot;
  if (idx + 2 > t->vtlen) return 0;
  uint16_t off = rd16(fb->buf + t->vt + idx);
  if (off == 0) return 0;
  if ((uint32_t)off + (uint32_t)size > t->tlen) {
    fb->bad = true;
    return 0;
  }
  return (uint64_t)t->pos + off;
}

/* Target of the uoffset in slot, checked to leave room for 4 bytes; 0 when
 * absent or invalid. */
static uint64_t ref_target(em_fb *fb, uint64_t p) {
  if (!p) return 0;
  uint64_t target = p + rd32(fb->buf + p);
  if (target > fb->len - 4) {
    fb->bad = true;
    return 0;
  }
  return target;
}

em_fbt em_ipc_fb_root(em_fb *fb) {
  if (fb->len < 8) {
    fb->bad = true;
    em_fbt t = {0};
    return t;
  }
  return table_at(fb, rd32(fb->buf));
}

em_fbt em_ipc_fb_table(em_fb *fb, const em_fbt *t, int slot) {
  uint64_t target = ref_target(fb, slot_pos(fb, t, slot, 4));
  if (!target) {
    em_fbt none = {0};
    return none;
  }
  return table_at(fb, target);
}

int64_t em_ipc_fb_int(em_fb *fb, const em_fbt *t, int slot, int size, int64_t dflt) {
  uint64_t p = slot_pos(fb, t, slot, size);
  if (!p) return dflt;
  const uint8_t *q = fb->buf + p;
  switch (size) {
  case 1: return (int8_t)q[0];
  case 2: return (int16_t)rd16(q);
  case 4: return (int32_t)rd32(q);
  default: {
    int64_t v;
    memcpy(&v, q, 8);
    return v;
  }
  }
}

static bool vector_at(em_fb *fb, uint64_t target, size_t elem_size, em_fbv *v) {
  v->pos = 0;
  v->n = 0;
  if (!target) return false;
  uint32_t n = rd32(fb->buf + target);
  if ((uint64_t)n * elem_size > fb->len - target - 4) {
    fb->bad = true;
    return false;
  }
  v->pos = (uint32_t)target;
  v->n = n;
  return true;
}

bool em_ipc_fb_vector(em_fb *fb, const em_fbt *t, int slot, size_t elem_size, em_fbv *v) {
  return vector_at(fb, ref_target(fb, slot_pos(fb, t, slot, 4)), elem_size, v);
}

const char *em_ipc_fb_string(em_fb *fb, const em_fbt *t, int slot, uint32_t *n) {
  em_fbv v;
  if (!em_ipc_fb_vector(fb, t, slot, 1, &v)) {
    *n = 0;
    return NULL;
  }
  *n = v.n;
  return (const char *)fb->buf + v.pos + 4;
}

em_fbt em_ipc_fb_vector_table(em_fb *fb, const em_fbv *v, uint32_t i) {
  em_fbt none = {0};
  if (i >= v->n) {
    fb->bad = true;
    return none;
  }
  uint64_t target = ref_target(fb, (uint64_t)v->pos + 4 + 4 * (uint64_t)i);
  return target ? table_at(fb, target) : none;
}

const char *em_ipc_fb_vector_string(em_fb *fb, const em_fbv *v, uint32_t i, uint32_t *n) {
  *n = 0;
  if (i >= v->n) {
    fb->bad = true;
    return NULL;
  }
  em_fbv s;
  if (!vector_at(fb, ref_target(fb, (uint64_t)v->pos + 4 + 4 * (uint64_t)i), 1, &s)) return NULL;
  *n = s.n;
  return (const char *)fb->buf + s.pos + 4;
}
