/*
 * Private helpers shared by the text formats (csv, json, text) and the
 * write path: byte input over a split with Hadoop's line rule, byte output
 * with compression, Spark's date/time text forms, Java's number syntax;
 * and the helpers of listing, partition discovery and splits.
 */
#ifndef EM_IO_INT_H
#define EM_IO_INT_H

#include <stdio.h>

#include "../expr/format.h"
#include "format.h"
#include "io.h"

#define EM_IO_HIDDEN __attribute__((visibility("hidden")))

/* ---- input (text_input.c) ---- */

/* Bytes of one split. Plain files are read with a buffer from the split's
 * start; compressed files (by extension: .gz, .zst) and files in another
 * charset are decoded whole (such files are not splittable). */
typedef struct em_text_in {
  FILE *f;
  uint8_t *whole; /* decoded whole-file bytes (em_malloc'd), or NULL */
  size_t whole_len;
  uint8_t *buf;
  size_t buf_len, buf_pos, buf_cap;
  int64_t pos;   /* file offset of buf[buf_pos] */
  int64_t end;   /* split end (start + length); lines starting after it are not ours */
  bool eof;
  /* line separator: NULL = any of \n, \r\n, \r (Hadoop's default) */
  char *sep;
  size_t sep_len;
  em_strbuf line; /* the current line (without its terminator) */
  bool skip_first; /* the split does not start at 0: skip the partial first line */
} em_text_in;

/* Whether a file needs decoding whole (compressed, or charset not UTF-8). */
EM_IO_HIDDEN bool em_text_whole_file(const char *path, const em_options *o);
/* Opens the split; `charset` NULL/UTF-8 means no conversion. */
EM_IO_HIDDEN int em_text_in_open(em_text_in *in, const em_split *s, const char *charset, const char *line_sep,
                                 em_error *err);
/* Next line of the split into in->line; 1 = got one, 0 = end, -1 = error. */
EM_IO_HIDDEN int em_text_in_line(em_text_in *in, em_error *err);
/* The rest of the split's bytes (whole files: all of them): *p points into
 * the reader's memory, valid until close. */
EM_IO_HIDDEN int em_text_in_all(em_text_in *in, const uint8_t **p, size_t *n, em_error *err);
EM_IO_HIDDEN void em_text_in_close(em_text_in *in);
/* Reads a whole file (decompressing by extension, converting the charset). */
EM_IO_HIDDEN int em_read_file_bytes(const char *path, const char *charset, uint8_t **out, size_t *n, em_error *err);

/* ---- output (text_output.c) ---- */

typedef struct em_text_out em_text_out;
/* codec: NULL/"none"/"uncompressed", "gzip", "deflate", "zstd". */
EM_IO_HIDDEN int em_text_codec_check(const char *codec, const char **ext, em_error *err);
EM_IO_HIDDEN int em_text_out_open(const char *path, const char *codec, const char *charset, em_text_out **out,
                                  em_error *err);
EM_IO_HIDDEN int em_text_out_write(em_text_out *o, const void *p, size_t n, em_error *err);
/* commit = 0 aborts (the file is removed). Always frees. */
EM_IO_HIDDEN int em_text_out_close(em_text_out *o, int commit, em_error *err);

/* ---- date and time text (datetime_text.c) ---- */

/* A compiled Java DateTimeFormatter-style pattern: y M d H h m s S a E
 * X x Z z 'literal' [optional] and punctuation. */
#define EM_DTFMT_MAX 48
typedef struct em_dtfmt_item {
  char letter; /* 0 = literal text, '[' / ']' optional section */
  uint8_t count;
  char lit[16];
} em_dtfmt_item;
typedef struct em_dtfmt {
  em_dtfmt_item items[EM_DTFMT_MAX];
  int n;
  bool lenient; /* no pattern given: Spark's default parser (stringToTimestamp) */
} em_dtfmt;

EM_IO_HIDDEN int em_dtfmt_compile(const char *pattern, em_dtfmt *f, em_error *err);
/* Formats a timestamp (us UTC) shown in tz, or a date (days; tz NULL). */
EM_IO_HIDDEN int em_dtfmt_format_ts(const em_dtfmt *f, int64_t us, const em_tz *tz, em_strbuf *sb);
EM_IO_HIDDEN int em_dtfmt_format_date(const em_dtfmt *f, int32_t days, em_strbuf *sb);
/* Parses the whole string; false when it does not match. A text without
 * a zone is read in tz (NULL: as NTZ, no conversion). */
EM_IO_HIDDEN bool em_dtfmt_parse_ts(const em_dtfmt *f, const char *s, size_t n, const em_tz *tz, int64_t *us);
EM_IO_HIDDEN bool em_dtfmt_parse_date(const em_dtfmt *f, const char *s, size_t n, int32_t *days);
/* Spark's lenient stringToTimestamp / stringToDate. */
EM_IO_HIDDEN bool em_spark_parse_ts(const char *s, size_t n, const em_tz *tz, int64_t *us);
EM_IO_HIDDEN bool em_spark_parse_date(const char *s, size_t n, int32_t *days);
EM_IO_HIDDEN int64_t em_io_days_from_civil(int64_t y, int m, int d);
EM_IO_HIDDEN void em_io_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* ---- Java number syntax (numparse.c) ---- */

/* Integer.parseInt / Long.parseLong within [lo, hi]. */
EM_IO_HIDDEN bool em_java_parse_long(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out);
/* Double.parseDouble (trims chars <= ' ', accepts NaN, Infinity, d/f suffix). */
EM_IO_HIDDEN bool em_java_parse_double(const char *s, size_t n, double *out);
/* new java.math.BigDecimal(s): unscaled value (when it fits 38 digits),
 * precision and scale (scale may be negative). */
EM_IO_HIDDEN bool em_java_parse_bigdecimal(const char *s, size_t n, __int128 *unscaled, int *precision, int *scale);
/* The value rescaled to `scale` with HALF_UP rounding, if it fits precision. */
/* A plain decimal literal ([+-]digits[.digits], at most 18 digits, no
 * more fraction digits than `scale`) as DECIMAL(precision, scale): 1 and
 * *out when it fits, 0 when it does not fit, -1 when the text is not that
 * simple (use em_java_parse_bigdecimal and em_decimal_fit). */
EM_IO_HIDDEN int em_decimal_parse_simple(const char *s, size_t n, int precision, int scale, __int128 *out);
EM_IO_HIDDEN bool em_decimal_fit(__int128 unscaled, int from_scale, int precision, int scale, __int128 *out);
EM_IO_HIDDEN void em_io_fmt_decimal(__int128 v, int scale, em_strbuf *sb);

/* ---- options (text_options.c) ---- */

EM_IO_HIDDEN bool em_opt_bool(const em_options *o, const char *key, bool dflt, em_error *err, int *bad);
EM_IO_HIDDEN const char *em_opt_str(const em_options *o, const char *key, const char *dflt);
/* Spark's mode option: 0 PERMISSIVE, 1 DROPMALFORMED, 2 FAILFAST. */
EM_IO_HIDDEN int em_opt_mode(const em_options *o);

/* Appends a value of `v` (any non-nested type) as Spark's writers show it
 * (numbers as Java prints them, dates/timestamps with the formats). */
typedef struct em_value_fmt {
  em_dtfmt date, ts, ts_ntz;
  const em_tz *tz;
} em_value_fmt;
EM_IO_HIDDEN int em_value_fmt_init(em_value_fmt *vf, const em_options *o, const char *session_tz, em_error *err);
EM_IO_HIDDEN int em_value_text(const em_value_fmt *vf, const em_vec *v, int64_t i, em_strbuf *sb, em_error *err);

/* The row-level error of a FAILFAST read (Spark's MALFORMED_RECORD_IN_PARSING). */
EM_IO_HIDDEN int em_malformed_error(em_error *err, const char *record, size_t n);

/* UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE for a column a format cannot hold. */
EM_IO_HIDDEN int em_io_unsupported_column(const char *format, const em_field *f, em_error *err);

/* ---- listing and partitions (files.c, partition.c) ---- */
/* An absolute, lexically normalised form of p ("file:" prefix dropped),
 * in arena a. NULL on OOM. */
char *em_io_abs_path(em_arena *a, const char *p);

/* Fills ix->part_schema and ix->part_values from the key=value directories
 * between each file and its base path (roots[], or o->base_path). */
int em_io_discover_partitions(em_file_index *ix, const char *const *roots, int nroots, const em_list_opts *o,
                              em_error *err);

#endif

