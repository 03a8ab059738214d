/*
 * CSV internals: Spark's CSVOptions and the record tokenizer shared by
 * the reader, schema inference and the writer.
 */
#ifndef EM_IO_CSV_INT_H
#define EM_IO_CSV_INT_H

#include "io_int.h"

typedef struct em_csv_opts {
  char *sep;   /* delimiter, possibly several characters */
  size_t sep_len;
  char quote;  /* '\0' = no quoting */
  char escape;
  char comment; /* '\0' = no comments */
  const char *null_value, *empty_value_read, *empty_value_write, *nan_value, *pos_inf, *neg_inf;
  bool header, infer, multiline, ignore_lead, ignore_trail, enforce_schema, prefer_date;
  bool ignore_lead_w, ignore_trail_w, quote_all, escape_quotes;
  int mode;
  const char *corrupt_col;
  const char *date_format, *ts_format, *ts_ntz_format; /* NULL = Spark's lenient default */
  em_dtfmt date, ts, ts_ntz;
  const em_tz *tz;
  const char *charset, *line_sep;
  int max_columns;
} em_csv_opts;

EM_IO_HIDDEN int em_csv_opts_init(em_csv_opts *c, const em_options *o, const char *session_tz, em_error *err);
EM_IO_HIDDEN void em_csv_opts_free(em_csv_opts *c);

/* One record's fields: field i is bytes [start[i], start[i]+len[i]) of
 * buf, or null when len[i] < 0 (an unquoted empty field). */
typedef struct em_csv_tokens {
  em_strbuf buf;
  int n, cap;
  int32_t *start, *len;
} em_csv_tokens;

EM_IO_HIDDEN void em_csv_tokens_free(em_csv_tokens *t);
/* Tokenizes one record starting at p[*pos] (n bytes available). In
 * single-line mode the record is the whole input. In multiLine mode a
 * record ends at a newline outside quotes; *pos advances past it.
 * Returns 0 or -1 (out of memory / too many columns). */
EM_IO_HIDDEN int em_csv_tokenize(const em_csv_opts *c, const char *p, size_t n, size_t *pos, bool multiline,
                                 em_csv_tokens *t, em_error *err);
/* Whether a line is skipped: blank (only chars <= ' ') or a comment. */
EM_IO_HIDDEN bool em_csv_skip_line(const em_csv_opts *c, const char *p, size_t n);

/* Defined in csv_infer.c and csv_write.c. */
EM_IO_HIDDEN int em_csv_infer_schema(const em_file *files, int nfiles, const em_options *o, const char *session_tz,
                                     em_type **out, em_error *err);
EM_IO_HIDDEN const char *em_csv_extension(const em_options *o, em_error *err);
EM_IO_HIDDEN int em_csv_write_open(const char *path, const em_type *schema, const em_options *o,
                                   const char *session_tz, void **writer, em_error *err);
EM_IO_HIDDEN int em_csv_write_check(const em_type *schema, const em_options *o, em_error *err);
EM_IO_HIDDEN int em_csv_write_batch(void *writer, const em_batch *b, em_error *err);
EM_IO_HIDDEN int em_csv_write_close(void *writer, int commit, em_error *err);

#endif
