/*
 * Parquet's integer encodings (Encodings.md): the RLE / bit-packed hybrid
 * that carries levels, dictionary indices and RLE booleans; the deprecated
 * BIT_PACKED levels; DELTA_BINARY_PACKED. Value encodings built on them
 * (DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, PLAIN)
 * are applied in parquet_column.c. Each decoder stops with -1 where the
 * input ends early or declares impossible widths.
 */
#include "parquet_int.h"

#include <string.h>

/* Bits [bit, bit + width) of p[0..n), LSB first; width <= 64. */
static inline uint64_t get_bits(const uint8_t *p, size_t n, uint64_t bit, int width) {
  size_t byte = (size_t)(bit >> 3);
  int shift = (int)(bit & 7);
  if (byte + 16 <= n) {
    uint64_t lo;
    memcpy(&lo, p + byte, 8);
    uint64_t v = lo >> shift;
    if (shift + width > 64) {
      uint64_t hi;
      memcpy(&hi, p + byte + 8, 8);
      v |= hi << (64 - shift);
    }
    return width == 64 ? v : v & ((UINT64_C(1) << width) - 1);
  }
  uint64_t v = 0;
  for (int i = 0; i < width; i++) {
    uint64_t b = bit + (uint64_t)i;
    size_t by = (size_t)(b >> 3);
    if (by < n && (p[by] >> (b & 7)) & 1) v |= UINT64_C(1) << i;
  }
  return v;
}

static int64_t uvarint(const uint8_t **pp, const uint8_t *end, bool *ok) {
  uint64_t v = 0;
  const uint8_t *p = *pp;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) {
      *ok = false;
      return 0;
    }
    uint8_t b = *p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *pp = p;
      return (int64_t)v;
    }
  }
  *ok = false;
  return 0;
}

void em_pq_rle_init(em_pq_rle *d, const uint8_t *p, size_t n, int bit_width) {
  memset(d, 0, sizeof *d);
  d->p = p;
  d->end = p + n;
  d->bit_width = bit_width;
}

static int next_run(em_pq_rle *d) {
  bool ok = true;
  int64_t h = uvarint(&d->p, d->end, &ok);
  if (!ok || h < 0) return -1;
  if (h & 1) {
    int64_t groups = h >> 1;
    if (groups <= 0 || groups > (int64_t)1 << 28) return -1;
    int64_t bytes = groups * d->bit_width;
    int64_t avail = d->end - d->p;
    int64_t count = groups * 8;
    if (bytes > avail) {
      /* A truncated last run: only the values whose bits are present. */
      bytes = avail;
      count = d->bit_width ? avail * 8 / d->bit_width : count;
    }
    d->packed = true;
    d->bp = d->p;
    d->bp_pos = 0;
    d->bp_count = bytes;
    d->run_left = count;
    d->p += bytes;
  } else {
    int64_t count = h >> 1;
    int nb = (d->bit_width + 7) / 8;
    if (d->end - d->p < nb) return -1;
    uint32_t v = 0;
    for (int i = 0; i < nb; i++) v |= (uint32_t)d->p[i] << (8 * i);
    d->p += nb;
    d->packed = false;
    d->rle_value = v;
    d->run_left = count;
  }
  return 0;
}

/* Eight values of a constant width from the w bytes at p (8 more bytes
 * readable after them): every shift and offset a constant (the loop is
 * unrolled, as -O2 would not). */
#define UNPACK8(W)                                                                   \
  static void unpack8_##W(const uint8_t *p, uint32_t *o) {                           \
    _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {                            \
      uint64_t x;                                                                    \
      memcpy(&x, p + (k * W) / 8, 8);                                                \
      o[k] = (uint32_t)((x >> ((k * W) & 7)) & ((UINT64_C(1) << W) - 1));            \
    }                                                                                \
  }
UNPACK8(1) UNPACK8(2) UNPACK8(3) UNPACK8(4) UNPACK8(5) UNPACK8(6) UNPACK8(7) UNPACK8(8)
UNPACK8(9) UNPACK8(10) UNPACK8(11) UNPACK8(12) UNPACK8(13) UNPACK8(14) UNPACK8(15) UNPACK8(16)
UNPACK8(17) UNPACK8(18) UNPACK8(19) UNPACK8(20) UNPACK8(21) UNPACK8(22) UNPACK8(23) UNPACK8(24)
UNPACK8(25) UNPACK8(26) UNPACK8(27) UNPACK8(28) UNPACK8(29) UNPACK8(30) UNPACK8(31) UNPACK8(32)
#undef UNPACK8

/* Four groups of eight at once (one indirect call per 32 values). */
#define UNPACK32(W)                                                                  \
  static void unpack32_##W(const uint8_t *p, uint32_t *o) {                          \
    unpack8_##W(p, o);                                                               \
    unpack8_##W(p + W, o + 8);                                                       \
    unpack8_##W(p + 2 * W, o + 16);                                                  \
    unpack8_##W(p + 3 * W, o + 24);                                                  \
  }
UNPACK32(1) UNPACK32(2) UNPACK32(3) UNPACK32(4) UNPACK32(5) UNPACK32(6) UNPACK32(7) UNPACK32(8)
UNPACK32(9) UNPACK32(10) UNPACK32(11) UNPACK32(12) UNPACK32(13) UNPACK32(14) UNPACK32(15) UNPACK32(16)
UNPACK32(17) UNPACK32(18) UNPACK32(19) UNPACK32(20) UNPACK32(21) UNPACK32(22) UNPACK32(23) UNPACK32(24)
UNPACK32(25) UNPACK32(26) UNPACK32(27) UNPACK32(28) UNPACK32(29) UNPACK32(30) UNPACK32(31) UNPACK32(32)
#undef UNPACK32

typedef void (*unpack8_fn)(const uint8_t *, uint32_t *);
static const unpack8_fn unpack32[33] = {
    NULL,         unpack32_1,  unpack32_2,  unpack32_3,  unpack32_4,  unpack32_5,  unpack32_6,  unpack32_7,
    unpack32_8,   unpack32_9,  unpack32_10, unpack32_11, unpack32_12, unpack32_13, unpack32_14, unpack32_15,
    unpack32_16,  unpack32_17, unpack32_18, unpack32_19, unpack32_20, unpack32_21, unpack32_22, unpack32_23,
    unpack32_24,  unpack32_25, unpack32_26, unpack32_27, unpack32_28, unpack32_29, unpack32_30, unpack32_31,
    unpack32_32,
};
static const unpack8_fn unpack8[33] = {
    NULL,        unpack8_1,  unpack8_2,  unpack8_3,  unpack8_4,  unpack8_5,  unpack8_6,  unpack8_7,  unpack8_8,
    unpack8_9,   unpack8_10, unpack8_11, unpack8_12, unpack8_13, unpack8_14, unpack8_15, unpack8_16, unpack8_17,
    unpack8_18,  unpack8_19, unpack8_20, unpack8_21, unpack8_22, unpack8_23, unpack8_24, unpack8_25, unpack8_26,
    unpack8_27,  unpack8_28, unpack8_29, unpack8_30, unpack8_31, unpack8_32,
};

int em_pq_rle_get(em_pq_rle *d, uint32_t *out, int64_t n) {
  if (d->bit_width < 0 || d->bit_width > 32) return -1;
  int64_t i = 0;
  while (i < n) {
    if (d->run_left == 0) {
      if (d->bit_width == 0) {
        /* Width 0: every value is 0 (no bytes needed). */
        for (; i < n; i++) out[i] = 0;
        return 0;
      }
      if (next_run(d)) return -1;
      continue;
    }
    int64_t take = d->run_left < n - i ? d->run_left : n - i;
    if (d->packed) {
      int w = d->bit_width;
      int64_t k = 0;
      /* While 8 bytes can be loaded at the value's first byte, one load
       * holds it (shift <= 7, width <= 32). */
      const uint8_t *bp = d->bp;
      /* Loads may read past the run into the bytes after it (the input
       * continues to d->end); only the run's bits are kept. */
      int64_t avail = d->end - d->bp;
      if (w > 0 && (d->bp_pos & 7) == 0 && take >= 8) {
        /* Whole groups of eight, while w + 8 bytes remain from a group's start. */
        int64_t g0 = d->bp_pos / 8, groups = take / 8;
        int64_t room = avail >= w + 8 ? (avail - w - 8) / w + 1 - g0 : 0;
        if (groups > room) groups = room > 0 ? room : 0;
        unpack8_fn f = unpack8[w], f32 = unpack32[w];
        int64_t g = 0;
        for (; g + 4 <= groups; g += 4) f32(bp + (g0 + g) * w, out + i + g * 8);
        for (; g < groups; g++) f(bp + (g0 + g) * w, out + i + g * 8);
        k = groups * 8;
      }
      uint64_t bit = (uint64_t)(d->bp_pos + k) * (uint64_t)w, mask = (UINT64_C(1) << w) - 1;
      size_t safe = avail >= 8 ? (size_t)avail - 8 : 0;
      if (avail >= 8 && w > 0) {
        /* Values whose first byte is at most `safe`: no bound check inside. */
        uint64_t last = (uint64_t)safe * 8 + 7;
        int64_t fast = k + (bit <= last ? (int64_t)((last - bit) / (uint64_t)w) + 1 : 0);
        if (fast > take) fast = take;
        uint32_t *o = out + i;
        for (; k < fast; k++, bit += (uint64_t)w) {
          uint64_t word;
          memcpy(&word, bp + (bit >> 3), 8);
          o[k] = (uint32_t)((word >> (bit & 7)) & mask);
        }
      }
      for (; k < take; k++)
        out[i + k] = (uint32_t)get_bits(d->bp, (size_t)avail, (uint64_t)(d->bp_pos + k) * (uint64_t)w, w);
      d->bp_pos += take;
    } else {
      for (int64_t k = 0; k < take; k++) out[i + k] = d->rle_value;
    }
    d->run_left -= take;
    i += take;
  }
  return 0;
}

int em_pq_rle_get16(em_pq_rle *d, int16_t *out, int64_t n) {
  uint32_t buf[256];
  for (int64_t i = 0; i < n;) {
    int64_t k = n - i < 256 ? n - i : 256;
    if (em_pq_rle_get(d, buf, k)) return -1;
    for (int64_t j = 0; j < k; j++) {
      if (buf[j] > 0x7fff) return -1;
      out[i + j] = (int16_t)buf[j];
    }
    i += k;
  }
  return 0;
}

int em_pq_bitpacked_levels(const uint8_t *p, size_t n, int bw, int16_t *out, int64_t count) {
  if (bw < 0 || bw > 16) return -1;
  if ((uint64_t)count * (uint64_t)bw > (uint64_t)n * 8) return -1;
  for (int64_t i = 0; i < count; i++) {
    uint32_t v = 0;
    for (int b = 0; b < bw; b++) {
      uint64_t bit = (uint64_t)i * (uint64_t)bw + (uint64_t)b;
      int set = (p[bit >> 3] >> (7 - (bit & 7))) & 1;
      v = v << 1 | (uint32_t)set;
    }
    out[i] = (int16_t)v;
  }
  return 0;
}

typedef struct delta_hdr {
  int64_t block_size, miniblocks, total;
  int64_t first;
} delta_hdr;

static int read_delta_hdr(const uint8_t **p, const uint8_t *end, delta_hdr *h) {
  bool ok = true;
  h->block_size = uvarint(p, end, &ok);
  h->miniblocks = uvarint(p, end, &ok);
  h->total = uvarint(p, end, &ok);
  uint64_t z = (uint64_t)uvarint(p, end, &ok);
  h->first = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  if (!ok || h->block_size <= 0 || h->block_size % 128 != 0 || h->block_size > (1 << 20) || h->miniblocks <= 0 ||
      h->block_size % h->miniblocks != 0 || (h->block_size / h->miniblocks) % 32 != 0 || h->total < 0)
    return -1;
  return 0;
}

int em_pq_delta_count(const uint8_t *p, size_t n, int64_t *count) {
  delta_hdr h;
  if (read_delta_hdr(&p, p + n, &h)) return -1;
  *count = h.total;
  return 0;
}

int em_pq_delta_decode(const uint8_t *p, size_t n, int64_t *out, int64_t count, size_t *used, bool is32) {
  if (!p) return -1;
  const uint8_t *start = p, *end = p + n;
  delta_hdr h;
  if (read_delta_hdr(&p, end, &h)) return -1;
  if (count != h.total) return -1; /* also bounds the work by the caller's count */
  int64_t per_mini = h.block_size / h.miniblocks;
  uint64_t prev = (uint64_t)h.first;
  int64_t got = 0;
  if (h.total > 0) {
    if (count > 0) out[got] = is32 ? (int64_t)(int32_t)prev : (int64_t)prev;
    got = 1;
  }
  while (got < h.total) {
    bool ok = true;
    uint64_t z = (uint64_t)uvarint(&p, end, &ok);
    if (!ok) return -1;
    uint64_t min_delta = (uint64_t)((int64_t)(z >> 1) ^ -(int64_t)(z & 1));
    if (end - p < h.miniblocks) return -1;
    const uint8_t *widths = p;
    p += h.miniblocks;
    for (int64_t m = 0; m < h.miniblocks && got < h.total; m++) {
      int w = widths[m];
      if (w > 64) return -1;
      size_t bytes = (size_t)(per_mini * w / 8);
      if ((size_t)(end - p) < bytes) return -1;
      for (int64_t k = 0; k < per_mini && got < h.total; k++) {
        uint64_t d = w ? get_bits(p, bytes, (uint64_t)k * (uint64_t)w, w) : 0;
        prev = prev + min_delta + d;
        if (is32) prev = (uint64_t)(uint32_t)prev;
        if (got < count) out[got] = is32 ? (int64_t)(int32_t)prev : (int64_t)prev;
        got++;
      }
      p += bytes;
    }
  }
  *used = (size_t)(p - start);
  return 0;
}
