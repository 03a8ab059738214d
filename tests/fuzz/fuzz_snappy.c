/*
 * Fuzz target: the Snappy block decoder (src/io/snappy_decode.c), against
 * libsnappy's. Two ways each input: as a block to decode (both decoders
 * must accept or refuse it alike and, when they accept, produce the same
 * bytes), and as data to compress with libsnappy and decode with ours
 * (the original bytes must come back). A prefix decode of a block both
 * accept (its length from the input's last byte) must make at least that
 * many bytes, the block's own. A disagreement aborts.
 */
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/snappy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t ulen;
  if (snappy_uncompressed_length((const char *)data, size, &ulen) == SNAPPY_OK && ulen <= (1u << 20)) {
    uint8_t *a = malloc(ulen + 1), *b = malloc(ulen + 1);
    size_t an = ulen;
    int ra = snappy_uncompress((const char *)data, size, (char *)a, &an) == SNAPPY_OK && an == ulen ? 0 : -1;
    int rb = em_snappy_decode(data, size, b, ulen);
    if (ra != rb || (ra == 0 && ulen && memcmp(a, b, ulen) != 0)) abort();
    /* One byte short of the block's length: always refused. */
    if (ulen && em_snappy_decode(data, size, b, ulen - 1) == 0) abort();
    size_t want = size ? (size_t)data[size - 1] * ulen / 255 : 0, got = 0;
    int rp = em_snappy_decode_prefix(data, size, b, ulen, want, &got);
    if (ra == 0 && (rp != 0 || got < want || got > ulen || (got && memcmp(a, b, got) != 0))) abort();
    free(a);
    free(b);
  } else {
    uint8_t one[1];
    if (em_snappy_decode(data, size, one, 0) == 0 && !(size == 1 && data[0] == 0)) abort();
  }
  size_t cap = snappy_max_compressed_length(size);
  char *c = malloc(cap + 1);
  uint8_t *back = malloc(size + 1);
  size_t cn = cap;
  if (snappy_compress((const char *)data, size, c, &cn) != SNAPPY_OK) abort();
  if (em_snappy_decode((const uint8_t *)c, cn, back, size) != 0 || (size && memcmp(back, data, size) != 0)) abort();
  free(c);
  free(back);
  return 0;
}
