/*
 * Writing one output file of a text format: buffered, optionally
 * compressed (gzip and deflate with zlib, zstd frames), optionally in
 * another charset (iconv). The file is flushed and fsync'ed on commit;
 * an aborted file is removed.
 */
#include "io_int.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

enum { C_NONE, C_GZIP, C_DEFLATE, C_ZSTD };

struct em_text_out {
  FILE *f;
  char *path;
  int codec;
  z_stream z;
  ZSTD_CStream *zs;
  iconv_t cd;
  uint8_t *obuf;
  size_t ocap;
};

static int codec_id(const char *c) {
  if (!c || !*c || strcasecmp(c, "none") == 0 || strcasecmp(c, "uncompressed") == 0) return C_NONE;
  if (strcasecmp(c, "gzip") == 0) return C_GZIP;
  if (strcasecmp(c, "deflate") == 0) return C_DEFLATE;
  return -1;
}

int em_text_codec_check(const char *codec, const char **ext, em_error *err) {
  static const char *const exts[] = {"", ".gz", ".deflate", ".zst"};
  int id = codec_id(codec);
  if (id < 0 && codec && (strcasecmp(codec, "bzip2") == 0 || strcasecmp(codec, "lz4") == 0 ||
                          strcasecmp(codec, "snappy") == 0)) {
    em_strbuf f;
    em_strbuf_init(&f);
    em_strbuf_printf(&f, "the %s compression codec for text files", codec);
    em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", f.data ? f.data : codec, NULL);
    em_strbuf_free(&f);
    return -1;
  }
  if (id < 0) {
    /* Spark's CompressionCodecs.getCodecClassName error. */
    return em_error_set(err, EM_ERR_CODEC_NOT_AVAILABLE_WITH_AVAILABLE_CODECS_SUGGESTION, "codecName", codec,
                        "availableCodecs", "bzip2, deflate, uncompressed, snappy, none, lz4, gzip", NULL);
  }
  if (ext) *ext = exts[id];
  return 0;
}

int em_text_out_open(const char *path, const char *codec, const char *charset, em_text_out **out, em_error *err) {
  int id = codec_id(codec);
  if (id < 0) return em_text_codec_check(codec, NULL, err);
  em_text_out *o = em_calloc(1, sizeof *o);
  if (!o) return em_error_internal(err, "out of memory");
  o->cd = (iconv_t)-1;
  o->codec = id;
  o->path = em_strdup(path);
  o->ocap = 1 << 16;
  o->obuf = em_malloc(o->ocap);
  if (!o->path || !o->obuf) goto oom;
  if (charset && strcasecmp(charset, "UTF-8") != 0 && strcasecmp(charset, "UTF8") != 0) {
    o->cd = iconv_open(charset, "UTF-8");
    if (o->cd == (iconv_t)-1) {
      em_free(o->path);
      em_free(o->obuf);
      em_free(o);
      return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Unsupported encoding", NULL),
             em_error_append(err, ": %s", charset), -1;
    }
  }
  if (id == C_GZIP || id == C_DEFLATE) {
    if (deflateInit2(&o->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, id == C_GZIP ? 15 + 16 : 15, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      goto oom;
  } else if (id == C_ZSTD) {
    o->zs = ZSTD_createCStream();
    if (!o->zs) goto oom;
    ZSTD_initCStream(o->zs, 3);
  }
  o->f = fopen(path, "wbx");
  if (!o->f) {
    em_error_internal(err, "cannot create %s: %s", path, strerror(errno));
    em_text_out_close(o, 0, NULL);
    return -1;
  }
  setvbuf(o->f, NULL, _IOFBF, 1 << 16);
  *out = o;
  return 0;
oom:
  if (o->cd != (iconv_t)-1) iconv_close(o->cd);
  em_free(o->path);
  em_free(o->obuf);
  em_free(o);
  return em_error_internal(err, "out of memory opening an output file");
}

static int raw_write(em_text_out *o, const void *p, size_t n, em_error *err) {
  if (n && fwrite(p, 1, n, o->f) != n) return em_error_internal(err, "cannot write %s: %s", o->path, strerror(errno));
  return 0;
}

static int compress_write(em_text_out *o, const void *p, size_t n, bool finish, em_error *err) {
  if (o->codec == C_NONE) return raw_write(o, p, n, err);
  if (o->codec == C_ZSTD) {
    ZSTD_inBuffer ib = {p, n, 0};
    for (;;) {
      ZSTD_outBuffer ob = {o->obuf, o->ocap, 0};
      size_t r = finish ? ZSTD_endStream(o->zs, &ob) : ZSTD_compressStream(o->zs, &ob, &ib);
      if (ZSTD_isError(r)) return em_error_internal(err, "zstd compression failed");
      if (raw_write(o, o->obuf, ob.pos, err)) return -1;
      if (finish ? r == 0 : ib.pos == ib.size) return 0;
    }
  }
  o->z.next_in = (Bytef *)p;
  o->z.avail_in = (uInt)n;
  for (;;) {
    o->z.next_out = o->obuf;
    o->z.avail_out = (uInt)o->ocap;
    int r = deflate(&o->z, finish ? Z_FINISH : Z_NO_FLUSH);
    if (r == Z_STREAM_ERROR) return em_error_internal(err, "deflate failed");
    if (raw_write(o, o->obuf, o->ocap - o->z.avail_out, err)) return -1;
    if (finish ? r == Z_STREAM_END : (o->z.avail_in == 0 && o->z.avail_out != 0)) return 0;
  }
}

int em_text_out_write(em_text_out *o, const void *p, size_t n, em_error *err) {
  if (o->cd == (iconv_t)-1) return compress_write(o, p, n, false, err);
  char *ip = (char *)p;
  size_t il = n;
  char tmp[8192];
  while (il > 0) {
    char *op = tmp;
    size_t ol = sizeof tmp;
    size_t r = iconv(o->cd, &ip, &il, &op, &ol);
    if (compress_write(o, tmp, sizeof tmp - ol, false, err)) return -1;
    if (r == (size_t)-1 && errno != E2BIG) {
      if (compress_write(o, "?", 1, false, err)) return -1; /* unmappable: Java writes '?' */
      ip++;
      il--;
    }
  }
  return 0;
}

int em_text_out_close(em_text_out *o, int commit, em_error *err) {
  int rc = 0;
  if (commit && o->f) {
    rc = compress_write(o, NULL, 0, true, err);
    if (!rc && fflush(o->f)) rc = em_error_internal(err, "cannot write %s: %s", o->path, strerror(errno));
    if (!rc && fsync(fileno(o->f))) rc = em_error_internal(err, "cannot sync %s: %s", o->path, strerror(errno));
  }
  if (o->f && fclose(o->f) && !rc && commit) rc = em_error_internal(err, "cannot close %s", o->path);
  if (o->f && (!commit || rc)) unlink(o->path);
  if (o->codec == C_GZIP || o->codec == C_DEFLATE) deflateEnd(&o->z);
  if (o->zs) ZSTD_freeCStream(o->zs);
  if (o->cd != (iconv_t)-1) iconv_close(o->cd);
  em_free(o->path);
  em_free(o->obuf);
  em_free(o);
  return rc;
}
