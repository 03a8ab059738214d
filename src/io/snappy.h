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

#endif
