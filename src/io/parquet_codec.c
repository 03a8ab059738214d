/*
 * Page decompression with Debian's libraries (snappy with our own decoder,
 * io/snappy_decode.c). Parquet codecs:
 * 0 UNCOMPRESSED, 1 SNAPPY, 2 GZIP, 3 LZO, 4 BROTLI, 5 LZ4, 6 ZSTD,
 * 7 LZ4_RAW. Every codec must produce exactly the page's uncompressed size.
 *
 * LZ4 (codec 5) is ambiguous in the wild: Hadoop's framing (blocks of
 * big-endian u32 uncompressed length, u32 compressed length, raw LZ4
 * block) as parquet-mr writes it, or a bare LZ4 block as old Arrow wrote
 * it; like Arrow, the framing is tried first, then a raw block.
 * GZIP pages may hold several concatenated gzip members.
 */
#include "parquet_int.h"
#include "io/snappy.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static int gzip_inflate(const uint8_t *src, size_t n, uint8_t *dst, size_t dn) {
  size_t out = 0, in = 0;
  while (in < n) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) return -1;
    z.next_in = (Bytef *)(uintptr_t)(src + in);
    z.avail_in = (uInt)(n - in > 0x7fffffff ? 0x7fffffff : n - in);
    z.next_out = dst + out;
    z.avail_out = (uInt)(dn - out);
    int rc = inflate(&z, Z_FINISH);
    size_t consumed = (size_t)(z.next_in - (src + in));
    size_t produced = (size_t)(z.next_out - (dst + out));
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return -1;
    in += consumed;
    out += produced;
    if (out == dn) {
      /* Trailing zero padding after the last member is tolerated. */
      while (in < n && src[in] == 0) in++;
      return in == n || out == dn ? 0 : -1;
    }
    if (consumed == 0) return -1;
  }
  return out == dn ? 0 : -1;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int lz4_hadoop(const uint8_t *src, size_t n, uint8_t *dst, size_t dn) {
  size_t in = 0, out = 0;
  while (in < n) {
    if (n - in < 8) return -1;
    uint32_t ulen = be32(src + in), clen = be32(src + in + 4);
    in += 8;
    if (clen > n - in || ulen > dn - out) return -1;
    int r = LZ4_decompress_safe((const char *)src + in, (char *)dst + out, (int)clen, (int)ulen);
    if (r < 0 || (uint32_t)r != ulen) return -1;
    in += clen;
    out += ulen;
  }
  return out == dn ? 0 : -1;
}

int em_pq_decompress(int codec, const uint8_t *src, size_t n, uint8_t *dst, size_t dn, em_error *err) {
  if (n > 0x7fffffff || dn > 0x7fffffff) return em_error_internal(err, "Parquet page too large");
  switch (codec) {
  case 0:
    if (n != dn) break;
    memcpy(dst, src, n);
    return 0;
  case 1:
    if (em_snappy_decode(src, n, dst, dn)) break;
    return 0;
  case 2:
    if (gzip_inflate(src, n, dst, dn)) break;
    return 0;
  case 4: {
    size_t out = dn;
    if (BrotliDecoderDecompress(n, src, &out, dst) != BROTLI_DECODER_RESULT_SUCCESS || out != dn) break;
    return 0;
  }
  case 5:
    if (lz4_hadoop(src, n, dst, dn) == 0) return 0;
    __attribute__((fallthrough)); /* a raw block */
  case 7: {
    int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dn);
    if (r < 0 || (size_t)r != dn) break;
    return 0;
  }
  case 6: {
    size_t r = ZSTD_decompress(dst, dn, src, n);
    if (ZSTD_isError(r) || r != dn) break;
    return 0;
  }
  case 3:
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "the Parquet LZO codec", NULL);
  default:
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "an unknown Parquet compression codec", NULL);
  }
  return em_error_internal(err, "corrupt compressed Parquet page (codec %d)", codec);
}
