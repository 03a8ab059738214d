/*
 * Page compression for the writer, and the codec a write uses. Spark's
 * names (ParquetOptions): none/uncompressed, snappy (the default), gzip,
 * lz4 (parquet-mr's LZ4: Hadoop framing, codec 5), lz4_raw (codec 7),
 * zstd; lzo and brotli are known names whose codecs Ember does not carry.
 * File name infixes are parquet-mr's CompressionCodecName extensions.
 */
#include "parquet_write_int.h"

#include <lz4.h>
#include <snappy-c.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

static const struct {
  const char *name;
  int codec;
  const char *ext;
} codecs[] = {
    {"none", EM_PQC_NONE, ""},          {"uncompressed", EM_PQC_NONE, ""}, {"snappy", EM_PQC_SNAPPY, ".snappy"},
    {"gzip", EM_PQC_GZIP, ".gz"},       {"lzo", EM_PQC_LZO, ".lzo"},       {"brotli", EM_PQC_BROTLI, ".br"},
    {"lz4", EM_PQC_LZ4, ".lz4hadoop"},  {"zstd", EM_PQC_ZSTD, ".zstd"},    {"lz4_raw", EM_PQC_LZ4_RAW, ".lz4raw"},
};

int em_pqw_codec(const em_options *o, int *codec, const char **ext, em_error *err) {
  const char *name = em_options_get(o, "compression");
  if (!name) name = em_options_get(o, "parquet.compression");
  if (!name) name = em_options_get(o, "spark.sql.parquet.compression.codec");
  if (!name) name = "snappy";
  for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
    if (strcasecmp(name, codecs[i].name) != 0) continue;
    if (codecs[i].codec == EM_PQC_LZO || codecs[i].codec == EM_PQC_BROTLI) {
      char f[96];
      snprintf(f, sizeof f, "the Parquet %s compression codec for writing", codecs[i].name);
      return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", f, NULL);
    }
    *codec = codecs[i].codec;
    if (ext) *ext = codecs[i].ext;
    return 0;
  }
  char lower[128];
  size_t n = strlen(name);
  if (n >= sizeof lower) n = sizeof lower - 1;
  for (size_t i = 0; i < n; i++) lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
  lower[n] = 0;
  return em_error_set(err, EM_ERR_CODEC_NOT_AVAILABLE_WITH_AVAILABLE_CODECS_SUGGESTION, "codecName", lower,
                      "availableCodecs", "brotli, uncompressed, lzo, snappy, lz4_raw, none, zstd, lz4, gzip", NULL);
}

static int gzip(const uint8_t *src, size_t n, em_pqw_buf *out) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
  size_t bound = deflateBound(&z, (uLong)n) + 32;
  if (em_pqw_buf_reserve(out, bound)) {
    deflateEnd(&z);
    return -1;
  }
  z.next_in = (Bytef *)(uintptr_t)src;
  z.avail_in = (uInt)n;
  z.next_out = out->p + out->len;
  z.avail_out = (uInt)bound;
  int rc = deflate(&z, Z_FINISH);
  size_t produced = bound - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return -1;
  out->len += produced;
  return 0;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

int em_pqw_compress(int codec, const uint8_t *src, size_t n, em_pqw_buf *out, em_error *err) {
  if (n > 0x7fffffff) return em_error_internal(err, "Parquet page too large");
  switch (codec) {
  case EM_PQC_NONE:
    em_pqw_buf_put(out, src, n);
    break;
  case EM_PQC_SNAPPY: {
    size_t cap = snappy_max_compressed_length(n);
    if (em_pqw_buf_reserve(out, cap)) break;
    size_t len = cap;
    if (snappy_compress((const char *)src, n, (char *)out->p + out->len, &len) != SNAPPY_OK)
      return em_error_internal(err, "snappy compression failed");
    out->len += len;
    break;
  }
  case EM_PQC_GZIP:
    if (gzip(src, n, out) && !out->oom) return em_error_internal(err, "gzip compression failed");
    break;
  case EM_PQC_LZ4:
  case EM_PQC_LZ4_RAW: {
    int cap = LZ4_compressBound((int)n);
    size_t hdr = codec == EM_PQC_LZ4 ? 8 : 0;
    if (em_pqw_buf_reserve(out, (size_t)cap + hdr)) break;
    int len = LZ4_compress_default((const char *)src, (char *)out->p + out->len + hdr, (int)n, cap);
    if (len <= 0 && n > 0) return em_error_internal(err, "lz4 compression failed");
    if (hdr) { /* Hadoop's block framing: uncompressed length, compressed length */
      be32(out->p + out->len, (uint32_t)n);
      be32(out->p + out->len + 4, (uint32_t)len);
    }
    out->len += hdr + (size_t)len;
    break;
  }
  case EM_PQC_ZSTD: {
    size_t cap = ZSTD_compressBound(n);
    if (em_pqw_buf_reserve(out, cap)) break;
    size_t len = ZSTD_compress(out->p + out->len, cap, src, n, 3);
    if (ZSTD_isError(len)) return em_error_internal(err, "zstd compression failed");
    out->len += len;
    break;
  }
  default:
    return em_error_internal(err, "unsupported Parquet codec %d", codec);
  }
  if (out->oom) return em_error_internal(err, "out of memory");
  return 0;
}
