/*
 * The RLE / bit-packed hybrid encoding (Parquet's Encodings.md), used for
 * definition and repetition levels and for dictionary indices. A run of
 * eight or more equal values becomes an RLE run (varint header run<<1, the
 * value in ceil(bit_width/8) little-endian bytes); everything else goes in
 * bit-packed runs (varint header groups<<1 | 1, then groups of eight
 * values, bit_width bits each, least significant bit first). Bit-packed
 * runs are capped at 63 groups, as parquet-mr writes them, so that every
 * reader's buffer assumptions hold.
 */
#include "parquet_write_int.h"

#include <string.h>

int em_pq_bit_width(uint32_t max) {
  int w = 0;
  while (max) {
    w++;
    max >>= 1;
  }
  return w;
}

static void put_varint(em_pqw_buf *out, uint64_t v) {
  while (v >= 0x80) {
    em_pqw_buf_byte(out, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  em_pqw_buf_byte(out, (uint8_t)v);
}

static int64_t run_at(const uint32_t *v, int64_t i, int64_t n) {
  int64_t j = i + 1;
  while (j < n && v[j] == v[i]) j++;
  return j - i;
}

/* Packs 8 values of bw bits, LSB first, into bw bytes. */
static void pack8(em_pqw_buf *out, const uint32_t *v, int bw) {
  uint8_t bytes[32];
  int nb = 0, nbits = 0;
  uint64_t acc = 0;
  uint64_t mask = bw >= 32 ? 0xffffffffu : ((1u << bw) - 1);
  for (int k = 0; k < 8; k++) {
    acc |= ((uint64_t)v[k] & mask) << nbits;
    nbits += bw;
    while (nbits >= 8) {
      bytes[nb++] = (uint8_t)acc;
      acc >>= 8;
      nbits -= 8;
    }
  }
  em_pqw_buf_put(out, bytes, (size_t)bw);
}

void em_pq_rle_encode(em_pqw_buf *out, const uint32_t *v, int64_t n, int bw) {
  int vbytes = (bw + 7) / 8;
  int64_t i = 0;
  while (i < n) {
    int64_t run = run_at(v, i, n);
    if (run >= 8) {
      put_varint(out, (uint64_t)run << 1);
      uint32_t x = v[i];
      for (int b = 0; b < vbytes; b++) em_pqw_buf_byte(out, (uint8_t)(x >> (8 * b)));
      i += run;
      continue;
    }
    /* Bit-packed groups until a long run starts at a group boundary. */
    int64_t k = i;
    int groups = 0;
    do {
      k += 8;
      groups++;
    } while (k < n && groups < 63 && run_at(v, k, n) < 8);
    put_varint(out, (uint64_t)groups << 1 | 1);
    for (int g = 0; g < groups; g++) {
      uint32_t tmp[8] = {0};
      int64_t s = i + 8 * g;
      for (int t = 0; t < 8 && s + t < n; t++) tmp[t] = v[s + t];
      pack8(out, tmp, bw);
    }
    i = k < n ? k : n;
  }
}

void em_pq_put_levels(em_pqw_buf *out, const int16_t *lv, int64_t n, int max_level) {
  size_t at = out->len;
  uint8_t zero[4] = {0};
  em_pqw_buf_put(out, zero, 4);
  uint32_t *tmp = em_malloc((size_t)(n ? n : 1) * sizeof *tmp);
  if (!tmp) {
    out->oom = true;
    return;
  }
  for (int64_t i = 0; i < n; i++) tmp[i] = (uint32_t)lv[i];
  em_pq_rle_encode(out, tmp, n, em_pq_bit_width((uint32_t)max_level));
  em_free(tmp);
  if (out->oom) return;
  uint32_t len = (uint32_t)(out->len - at - 4);
  for (int b = 0; b < 4; b++) out->p[at + (size_t)b] = (uint8_t)(len >> (8 * b));
}
