/*
 * em_buf: reference-counted, 64-byte aligned, zero-filled byte buffers, the
 * storage under every column.
 *
 * Alignment comes from over-allocating through em_malloc (so allocations are
 * counted and fault injection reaches them) and rounding up; the distance
 * back to the block start (1..64) is kept in the byte just before `data`.
 * Capacity is always a multiple of 64 so SIMD loops may read whole lanes.
 */
#include "arrow_int.h"

#include <stdatomic.h>
#include <string.h>

#define EM_BUF_ALIGN 64

static uint8_t *aligned_alloc_zero(size_t cap) {
  if (cap > SIZE_MAX - 2 * EM_BUF_ALIGN) return NULL;
  uint8_t *raw = em_malloc(cap + EM_BUF_ALIGN);
  if (!raw) return NULL;
  uintptr_t p = ((uintptr_t)raw + EM_BUF_ALIGN) & ~(uintptr_t)(EM_BUF_ALIGN - 1);
  uint8_t *data = (uint8_t *)p;
  data[-1] = (uint8_t)(data - raw);
  memset(data, 0, cap);
  return data;
}

static void aligned_free(uint8_t *data) {
  if (data) em_free(data - data[-1]);
}

static size_t round_cap(size_t cap) {
  if (cap > SIZE_MAX - 2 * EM_BUF_ALIGN) return 0;
  return (cap + EM_BUF_ALIGN - 1) & ~(size_t)(EM_BUF_ALIGN - 1);
}

em_buf *em_buf_new(size_t cap) {
  em_buf *b = em_malloc(sizeof *b);
  if (!b) return NULL;
  size_t rc = round_cap(cap);
  b->data = (cap && !rc) ? NULL : aligned_alloc_zero(rc);
  if (!b->data) {
    em_free(b);
    return NULL;
  }
  atomic_store(&b->refcnt, 1);
  b->len = 0;
  b->cap = rc;
  return b;
}

em_buf *em_buf_ref(em_buf *b) {
  if (b) atomic_fetch_add(&b->refcnt, 1);
  return b;
}

void em_buf_unref(em_buf *b) {
  if (!b) return;
  if (atomic_fetch_sub(&b->refcnt, 1) != 1) return;
  aligned_free(b->data);
  em_free(b);
}

int em_buf_reserve(em_buf *b, size_t cap) {
  if (cap <= b->cap) return 0;
  size_t rc = round_cap(cap);
  if (!rc) return -1;
  uint8_t *nd = aligned_alloc_zero(rc);
  if (!nd) return -1;
  /* All of the old capacity is copied, not just len: builders may have
   * written ahead of len (bitmaps, offsets). */
  if (b->cap) memcpy(nd, b->data, b->cap);
  aligned_free(b->data);
  b->data = nd;
  b->cap = rc;
  return 0;
}

em_buf *em_arrow_buf_new_uninit(size_t n) {
  em_buf *b = em_malloc(sizeof *b);
  size_t rc = round_cap(n);
  if (!b || (n && !rc)) {
    em_free(b);
    return NULL;
  }
  uint8_t *raw = em_malloc(rc + EM_BUF_ALIGN);
  if (!raw) {
    em_free(b);
    return NULL;
  }
  b->data = (uint8_t *)(((uintptr_t)raw + EM_BUF_ALIGN) & ~(uintptr_t)(EM_BUF_ALIGN - 1));
  b->data[-1] = (uint8_t)(b->data - raw);
  /* Zero the last word of the contents and the padding after it, so a
   * partly written final byte (bitmaps) never exposes garbage. */
  size_t z = n >= 8 ? n - 8 : 0;
  memset(b->data + z, 0, rc - z);
  atomic_store(&b->refcnt, 1);
  b->len = n;
  b->cap = rc;
  return b;
}

int em_arrow_buf_grow(em_buf **bp, size_t need) {
  if (!*bp) {
    size_t cap = need < 64 ? 64 : need;
    *bp = em_buf_new(cap);
    return *bp ? 0 : -1;
  }
  em_buf *b = *bp;
  if (need <= b->cap) return 0;
  size_t ncap = b->cap * 2;
  if (ncap < need) ncap = need;
  return em_buf_reserve(b, ncap);
}
