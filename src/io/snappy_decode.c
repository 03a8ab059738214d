/*
 * Snappy block decoding, written from the format description (Google's
 * format_description.txt): a varint of the uncompressed length, then tags
 * whose low two bits say what follows:
 *   00 literal: length-1 in the upper six bits, or 60..63 there meaning
 *      1..4 little-endian bytes of length-1 follow; then the bytes;
 *   01 copy: length 4..11 in bits 2..4, an 11-bit offset (bits 5..7 high,
 *      one byte low);
 *   10 copy: length 1..64 in the upper six bits, a 2-byte offset;
 *   11 copy: the same with a 4-byte offset.
 * A copy repeats `length` bytes starting `offset` bytes back in the output;
 * it may overlap itself (offset < length repeats a pattern).
 *
 * Why not libsnappy: Debian's build (1.1.9) calls the out-of-line memmove
 * for every copy tag; on TPC-H decimals (three random bytes, five zero
 * bytes a value: a 3-byte literal and a 5-byte copy in turn) that call was
 * a quarter of a whole Parquet scan's CPU. Here a tag far from both ends
 * of the buffers copies in fixed 8- and 16-byte moves that may write past
 * its end (bytes the next tags overwrite); near the ends every length and
 * offset is checked and bytes move one by one. The decoder accepts
 * exactly the blocks libsnappy accepts (tests/unit/test_snappy.c and
 * fuzz_snappy compare the two).
 */
#include "io/snappy.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef uint8_t em_v16 __attribute__((vector_size(16)));

static inline void copy8(uint8_t *d, const uint8_t *s) {
  uint64_t x;
  memcpy(&x, s, 8);
  memcpy(d, &x, 8);
}

static inline void copy16(uint8_t *d, const uint8_t *s) {
  em_v16 x;
  memcpy(&x, s, 16);
  memcpy(d, &x, 16);
}

static inline uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

static inline uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The length of a long literal: k (1..4) little-endian bytes at p, plus 1,
 * in 32 bits as libsnappy computes it (0xffffffff + 1 is a literal of no
 * bytes there, so here too). */
static inline size_t long_literal(const uint8_t *p, size_t k) {
  uint32_t v = 0;
  for (size_t b = 0; b < k; b++) v |= (uint32_t)p[b] << (8 * b);
  return (size_t)(uint32_t)(v + 1);
}

/* The bytes after a copy tag (1, 2 or 4). */
static inline size_t copy_header_len(uint32_t tag) { return (tag & 3) == 1 ? 1 : (tag & 3) == 2 ? 2 : 4; }

/* A copy tag's length and offset from the bytes after it at p; returns
 * how many of them it used. */
static inline size_t copy_header(uint32_t tag, const uint8_t *p, size_t *l, size_t *off) {
  switch (tag & 3) {
  case 1:
    *l = 4 + ((tag >> 2) & 7);
    *off = (size_t)(tag >> 5) << 8 | p[0];
    return 1;
  case 2:
    *l = 1 + (tag >> 2);
    *off = le16(p);
    return 2;
  default:
    *l = 1 + (tag >> 2);
    *off = le32(p);
    return 4;
  }
}

/* Decodes into dst (dn bytes, as the preamble must say) until the output
 * holds at least `want` bytes (want >= dn: the whole block, which must
 * then end exactly there); *got: the bytes made. -1 for a corrupt block. */
static inline int decode(const uint8_t *src, size_t n, uint8_t *dst, size_t dn, size_t want, size_t *got) {
  const uint8_t *ip = src, *const ie = src + n;
  uint64_t len = 0;
  for (int shift = 0;; shift += 7) {
    if (ip == ie || shift > 28) return -1;
    uint8_t b = *ip++;
    len |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (len > 0xffffffffu || len != dn) return -1;
  uint8_t *op = dst, *const oe = dst + dn;
  const bool prefix = want < dn;
  uint8_t *const stop = prefix ? dst + want : oe;

  /* The fast region: a tag's header (at most 5 bytes) and a 16-byte read
   * of a short literal stay inside src; 64 bytes from op stay inside dst
   * (and, for a prefix, it ends at the prefix). */
  const uint8_t *const ip_fast = ie - ip > 21 ? ie - 21 : ip;
  uint8_t *op_fast = dn > 64 ? oe - 64 : dst;
  if (op_fast > stop) op_fast = stop;
  while (ip < ip_fast && op < op_fast) {
    uint32_t tag = *ip++;
    size_t l, off;
    switch (tag & 3) {
    case 0:
      l = (tag >> 2) + 1;
      if (l <= 16) {
        copy16(op, ip);
        op += l;
        ip += l;
        continue;
      }
      if (l > 60) {
        size_t k = l - 60;
        l = long_literal(ip, k);
        ip += k;
      }
      if (l > (size_t)(ie - ip) || l > (size_t)(oe - op)) return -1;
      memcpy(op, ip, l);
      op += l;
      ip += l;
      continue;
    default:
      ip += copy_header(tag, ip, &l, &off);
      break;
    }
    /* Offset 0 or before the start of the output: corrupt. */
    if (off - 1 >= (size_t)(op - dst)) return -1;
    const uint8_t *from = op - off;
    if (off >= 16) {
      /* Each 16-byte move reads only bytes before the one it writes. */
      copy16(op, from);
      if (l > 16) {
        copy16(op + 16, from + 16);
        if (l > 32) {
          copy16(op + 32, from + 32);
          copy16(op + 48, from + 48);
        }
      }
    } else if (off >= 8) {
      for (size_t k = 0; k < l; k += 8) copy8(op + k, from + k);
    } else {
      for (size_t k = 0; k < l; k++) op[k] = from[k];
    }
    op += l;
  }

  /* The rest, every bound checked. */
  while (ip < ie && !(prefix && op >= stop)) {
    uint32_t tag = *ip++;
    size_t l, off;
    switch (tag & 3) {
    case 0:
      l = (tag >> 2) + 1;
      if (l > 60) {
        size_t k = l - 60;
        if ((size_t)(ie - ip) < k) return -1;
        l = long_literal(ip, k);
        ip += k;
      }
      if (l > (size_t)(ie - ip) || l > (size_t)(oe - op)) return -1;
      memcpy(op, ip, l);
      op += l;
      ip += l;
      continue;
    default:
      if (ie - ip < (ptrdiff_t)copy_header_len(tag)) return -1;
      ip += copy_header(tag, ip, &l, &off);
      break;
    }
    if (off - 1 >= (size_t)(op - dst) || l > (size_t)(oe - op)) return -1;
    const uint8_t *from = op - off;
    for (size_t k = 0; k < l; k++) op[k] = from[k];
    op += l;
  }
  *got = (size_t)(op - dst);
  if (prefix) return op >= stop ? 0 : -1;
  return op == oe ? 0 : -1;
}

int em_snappy_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t dn) {
  size_t got;
  return decode(src, n, dst, dn, dn, &got);
}

int em_snappy_decode_prefix(const uint8_t *src, size_t n, uint8_t *dst, size_t dn, size_t want, size_t *got) {
  return decode(src, n, dst, dn, want, got);
}
