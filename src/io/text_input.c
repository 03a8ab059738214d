/*
 * Reading the bytes of a split for the line-based formats.
 *
 * Splits follow Hadoop's LineRecordReader: a split that does not start at
 * offset 0 first skips through the first line terminator at or after its
 * start (that partial line belongs to the previous split), then returns
 * every line that starts at or before its end, reading past the end to
 * finish the last one. So each line is read by exactly one split.
 *
 * Plain files stream through a 1 MiB buffer. Compressed files (.gz, .zst)
 * and files in a charset other than UTF-8 are decoded whole into memory
 * first (Spark reads them unsplit as well); converting to UTF-8 uses iconv.
 */
#include "io_int.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#define BUF_CAP (1u << 20)

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && strcasecmp(s + n - k, suf) == 0;
}

static bool is_utf8(const char *cs) {
  return !cs || strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0;
}

bool em_text_whole_file(const char *path, const em_options *o) {
  const char *cs = em_options_get(o, "encoding");
  if (!cs) cs = em_options_get(o, "charset");
  return ends_with(path, ".gz") || ends_with(path, ".zst") || ends_with(path, ".deflate") || !is_utf8(cs);
}

static int io_error(em_error *err, const char *what, const char *path) {
  em_error_internal(err, "%s %s: %s", what, path, strerror(errno));
  return -1;
}

static int slurp(FILE *f, const char *path, uint8_t **out, size_t *n, em_error *err) {
  size_t cap = 1 << 16, len = 0;
  uint8_t *b = em_malloc(cap);
  if (!b) return em_error_internal(err, "out of memory reading %s", path);
  for (;;) {
    if (len == cap) {
      uint8_t *nb = em_realloc(b, cap * 2);
      if (!nb) {
        em_free(b);
        return em_error_internal(err, "out of memory reading %s", path);
      }
      b = nb;
      cap *= 2;
    }
    size_t got = fread(b + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    em_free(b);
    return io_error(err, "cannot read", path);
  }
  *out = b;
  *n = len;
  return 0;
}

static int gunzip(const uint8_t *in, size_t n, const char *path, uint8_t **out, size_t *outn, em_error *err) {
  z_stream z;
  memset(&z, 0, sizeof z);
  bool raw_zlib = ends_with(path, ".deflate");
  if (inflateInit2(&z, raw_zlib ? 15 : 15 + 32) != Z_OK) return em_error_internal(err, "zlib init failed");
  size_t cap = n * 4 + 1024, len = 0;
  uint8_t *b = em_malloc(cap);
  if (!b) {
    inflateEnd(&z);
    return em_error_internal(err, "out of memory");
  }
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  int rc = Z_OK;
  while (rc != Z_STREAM_END || z.avail_in > 0) {
    if (rc == Z_STREAM_END) { /* concatenated gzip members */
      if (inflateReset(&z) != Z_OK) break;
    }
    if (len == cap) {
      uint8_t *nb = em_realloc(b, cap * 2);
      if (!nb) {
        rc = Z_MEM_ERROR;
        break;
      }
      b = nb;
      cap *= 2;
    }
    z.next_out = b + len;
    z.avail_out = (uInt)(cap - len);
    rc = inflate(&z, Z_NO_FLUSH);
    len = cap - z.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END) {
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
      break;
    }
    if (rc == Z_STREAM_END && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && z.avail_in == 0 && len > 0)) {
    em_free(b);
    return em_error_internal(err, "cannot decompress %s: corrupt or truncated data", path);
  }
  *out = b;
  *outn = len;
  return 0;
}

static int unzstd(const uint8_t *in, size_t n, const char *path, uint8_t **out, size_t *outn, em_error *err) {
  ZSTD_DStream *ds = ZSTD_createDStream();
  if (!ds) return em_error_internal(err, "out of memory");
  size_t cap = n * 4 + 1024, len = 0;
  uint8_t *b = em_malloc(cap);
  ZSTD_inBuffer ib = {in, n, 0};
  size_t rc = 0;
  while (b && ib.pos < ib.size) {
    if (len == cap) {
      uint8_t *nb = em_realloc(b, cap * 2);
      if (!nb) break;
      b = nb;
      cap *= 2;
    }
    ZSTD_outBuffer ob = {b + len, cap - len, 0};
    rc = ZSTD_decompressStream(ds, &ob, &ib);
    len += ob.pos;
    if (ZSTD_isError(rc)) break;
  }
  ZSTD_freeDStream(ds);
  if (!b || ZSTD_isError(rc) || ib.pos < ib.size) {
    em_free(b);
    return em_error_internal(err, "cannot decompress %s: corrupt or truncated data", path);
  }
  *out = b;
  *outn = len;
  return 0;
}

static int to_utf8(const char *cs, uint8_t **data, size_t *n, em_error *err) {
  iconv_t cd = iconv_open("UTF-8", cs);
  if (cd == (iconv_t)-1)
    return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Unsupported encoding", NULL),
           em_error_append(err, ": %s", cs), -1;
  size_t cap = *n * 4 + 16;
  uint8_t *out = em_malloc(cap);
  if (!out) {
    iconv_close(cd);
    return em_error_internal(err, "out of memory");
  }
  char *ip = (char *)*data, *op = (char *)out;
  size_t il = *n, ol = cap;
  while (il > 0) {
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (r == (size_t)-1) {
      if (errno == E2BIG) break; /* cannot happen with 4x room */
      /* An invalid sequence becomes U+FFFD, as Java's decoder does. */
      if (ol < 3) break;
      memcpy(op, "\xEF\xBF\xBD", 3);
      op += 3;
      ol -= 3;
      ip++;
      il--;
    }
  }
  iconv_close(cd);
  em_free(*data);
  *data = out;
  *n = cap - ol;
  return 0;
}

int em_read_file_bytes(const char *path, const char *charset, uint8_t **out, size_t *n, em_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return io_error(err, "cannot open", path);
  uint8_t *raw;
  size_t rn;
  int rc = slurp(f, path, &raw, &rn, err);
  fclose(f);
  if (rc) return -1;
  if (ends_with(path, ".gz") || ends_with(path, ".deflate") || ends_with(path, ".zst")) {
    uint8_t *d = NULL;
    size_t dn = 0;
    rc = ends_with(path, ".zst") ? unzstd(raw, rn, path, &d, &dn, err) : gunzip(raw, rn, path, &d, &dn, err);
    em_free(raw);
    if (rc) return -1;
    raw = d;
    rn = dn;
  }
  if (!is_utf8(charset) && to_utf8(charset, &raw, &rn, err)) {
    em_free(raw);
    return -1;
  }
  *out = raw;
  *n = rn;
  return 0;
}

int em_text_in_open(em_text_in *in, const em_split *s, const char *charset, const char *line_sep, em_error *err) {
  memset(in, 0, sizeof *in);
  em_strbuf_init(&in->line);
  if (line_sep && *line_sep) {
    in->sep = em_strdup(line_sep);
    in->sep_len = strlen(line_sep);
    if (!in->sep) return em_error_internal(err, "out of memory");
  }
  em_options none = {0};
  em_options cs = {.n = 1, .keys = (const char *[]){"encoding"}, .values = (const char *[]){charset}};
  bool whole = em_text_whole_file(s->file->path, charset ? &cs : &none);
  if (whole) {
    if (s->start != 0) { /* the whole file belongs to the split at 0 */
      in->eof = true;
      return 0;
    }
    if (em_read_file_bytes(s->file->path, charset, &in->whole, &in->whole_len, err)) return -1;
    in->buf = in->whole;
    in->buf_len = in->whole_len;
    in->end = INT64_MAX;
    in->eof = true;
    return 0;
  }
  in->f = fopen(s->file->path, "rb");
  if (!in->f) return io_error(err, "cannot open", s->file->path);
  if (s->start > 0 && fseeko(in->f, s->start, SEEK_SET)) return io_error(err, "cannot seek", s->file->path);
  in->pos = s->start;
  in->end = s->length < 0 ? INT64_MAX : s->start + s->length;
  in->buf = em_malloc(BUF_CAP);
  in->buf_cap = BUF_CAP;
  if (!in->buf) return em_error_internal(err, "out of memory");
  in->skip_first = s->start != 0;
  return 0;
}

/* Makes at least one more byte available; false at end of input. */
static bool fill(em_text_in *in) {
  if (in->buf_pos < in->buf_len) return true;
  if (in->eof || !in->f) return false;
  in->buf_len = fread(in->buf, 1, in->buf_cap, in->f);
  in->buf_pos = 0;
  if (in->buf_len == 0) {
    in->eof = true;
    return false;
  }
  return true;
}

/* Reads one line into in->line; returns bytes consumed (with the
 * terminator) or 0 at end of input. */
static int64_t read_line(em_text_in *in) {
  em_strbuf_reset(&in->line);
  int64_t consumed = 0;
  for (;;) {
    if (!fill(in)) return consumed;
    uint8_t *p = in->buf + in->buf_pos;
    size_t avail = in->buf_len - in->buf_pos;
    if (!in->sep) {
      /* The first '\n' or '\r' (two vectorized searches). */
      const uint8_t *nl = memchr(p, '\n', avail);
      size_t k = nl ? (size_t)(nl - p) : avail;
      const uint8_t *cr0 = k ? memchr(p, '\r', k) : NULL;
      if (cr0) k = (size_t)(cr0 - p);
      em_strbuf_append(&in->line, (const char *)p, k);
      in->buf_pos += k;
      consumed += (int64_t)k;
      in->pos += (int64_t)k;
      if (k < avail) {
        bool cr = p[k] == '\r';
        in->buf_pos++;
        in->pos++;
        consumed++;
        if (cr && fill(in) && in->buf[in->buf_pos] == '\n') {
          in->buf_pos++;
          in->pos++;
          consumed++;
        }
        return consumed;
      }
    } else {
      /* Custom separator: byte at a time against the separator's tail. */
      for (size_t k = 0; k < avail; k++) {
        em_strbuf_putc(&in->line, (char)p[k]);
        if (in->line.len >= in->sep_len &&
            memcmp(in->line.data + in->line.len - in->sep_len, in->sep, in->sep_len) == 0) {
          in->line.len -= in->sep_len;
          in->line.data[in->line.len] = '\0';
          in->buf_pos += k + 1;
          in->pos += (int64_t)k + 1;
          return consumed + (int64_t)k + 1;
        }
      }
      in->buf_pos += avail;
      in->pos += (int64_t)avail;
      consumed += (int64_t)avail;
    }
  }
}

int em_text_in_line(em_text_in *in, em_error *err) {
  if (in->skip_first) {
    in->skip_first = false;
    read_line(in);
  }
  if (in->pos > in->end) return 0;
  int64_t got = read_line(in);
  if (in->line.oom) return em_error_internal(err, "out of memory reading a line");
  return got > 0 ? 1 : 0;
}

int em_text_in_all(em_text_in *in, const uint8_t **p, size_t *n, em_error *err) {
  if (in->whole || !in->f) {
    *p = in->buf ? in->buf + in->buf_pos : (const uint8_t *)"";
    *n = in->buf ? in->buf_len - in->buf_pos : 0;
    return 0;
  }
  /* A plain file read whole (not splittable by the caller's options). */
  uint8_t *rest;
  size_t rn;
  if (slurp(in->f, "input", &rest, &rn, err)) return -1;
  size_t have = in->buf_len - in->buf_pos;
  uint8_t *all = em_malloc(have + rn + 1);
  if (!all) {
    em_free(rest);
    return em_error_internal(err, "out of memory");
  }
  memcpy(all, in->buf + in->buf_pos, have);
  memcpy(all + have, rest, rn);
  em_free(rest);
  em_free(in->whole);
  in->whole = all;
  in->whole_len = have + rn;
  *p = all;
  *n = have + rn;
  return 0;
}

void em_text_in_close(em_text_in *in) {
  if (in->f) fclose(in->f);
  if (in->buf != in->whole) em_free(in->buf);
  em_free(in->whole);
  em_free(in->sep);
  em_strbuf_free(&in->line);
  memset(in, 0, sizeof *in);
}
