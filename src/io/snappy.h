/*
 * Snappy block decompression (the raw format of Parquet's SNAPPY pages).
 * Compression stays with Debian's libsnappy; see snappy_decode.c for why
 * decoding is our own.
 */
#ifndef EM_IO_SNAPPY_H
#define EM_IO_SNAPPY_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the block src[0..n) into dst, which must be exactly dn bytes
 * long (the block's own length preamble must say dn). 0 on success, -1
 * for a corrupt block or a length that differs; never reads or writes
 * outside the two buffers. */
int em_snappy_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t dn);

/* The same, stopping once at least `want` bytes of dst are made (*got of
 * them; the rest of dst is unwritten): for a reader that needs only the
 * start of a block. The part decoded is checked as em_snappy_decode checks
 * it; what follows is not looked at. want >= dn decodes the whole block. */
int em_snappy_decode_prefix(const uint8_t *src, size_t n, uint8_t *dst, size_t dn, size_t want, size_t *got);

#endif
