/*
 * The contract between the data-source layer (file listing, splits, scans,
 * the write commit protocol) and the file formats (parquet, csv, json,
 * text). A format is a table of functions; the layer owns paths, splits,
 * partition columns, threads and commit; a format only turns the bytes of
 * one split into batches, and batches into the bytes of one file.
 *
 * Registry: em_format_find("parquet") etc. (format.c, owned by the
 * data-source layer); each format defines one `const em_format em_format_X`.
 */
#ifndef EM_IO_FORMAT_H
#define EM_IO_FORMAT_H

#include <stdint.h>

#include "../arrow/arrow.h"
#include "../base/base.h"
#include "../types/types.h"

/* Reader/writer options as the client sent them: keys are compared
 * case-insensitively, as Spark's CaseInsensitiveMap does. */
typedef struct em_options {
  int n;
  const char **keys, **values;
} em_options;

/* The value of `key` (case-insensitive) or NULL. */
const char *em_options_get(const em_options *o, const char *key);

/* One input file. */
typedef struct em_file {
  const char *path;
  int64_t size;
  int64_t mtime_ms;
} em_file;

/* A piece of one file to read: bytes [start, start + length). A format
 * that cannot split (or a compressed text file) reads the whole file
 * when start == 0 and nothing otherwise. Line-based formats follow
 * Hadoop's rule: a split skips its first partial line unless start == 0,
 * and reads through the end of the line that crosses its end. */
typedef struct em_split {
  const em_file *file;
  int64_t start, length;
} em_split;

/* A pushed-down predicate a format may use to skip data (row groups,
 * pages); the scan re-applies every filter, so using none is correct. */
typedef enum em_pushed_op {
  EM_PUSH_EQ, EM_PUSH_LT, EM_PUSH_LE, EM_PUSH_GT, EM_PUSH_GE,
  EM_PUSH_IS_NULL, EM_PUSH_IS_NOT_NULL,
  EM_PUSH_IN, /* equal to one of values[0..nvalues) */
  EM_PUSH_NE, /* not equal (NOT (col = value)) */
} em_pushed_op;
typedef struct em_pushed_filter {
  int column;           /* index into the data schema */
  em_pushed_op op;
  const em_vec *value;  /* 1-row vector of the column's type; NULL for IS [NOT] NULL and IN */
  const em_vec *const *values; /* IN: 1-row vectors of the column's type, none NULL */
  int nvalues;
} em_pushed_filter;

/* Row-level evaluation of a pushed filter (pushed_filter.c): whether it
 * can be evaluated over a column of type t, and keep[i] &= whether row i
 * of v passes (returns the rows kept). */
bool em_pushed_filter_supported(const em_pushed_filter *f, const em_type *t);
int64_t em_pushed_filter_rows(const em_pushed_filter *f, const em_vec *v, uint8_t *keep, int64_t n);

typedef struct em_format_reader em_format_reader; /* a format's own state */

typedef int (*em_task_submit_fn)(void (*fn)(void *), void *arg);

typedef struct em_read_request {
  const em_split *split;
  const em_type *data_schema;  /* STRUCT: the file's columns as the query sees them */
  const int *columns;          /* the data_schema fields to produce, in this order */
  int ncolumns;
  const em_pushed_filter *filters;
  int nfilters;
  /* The reader may leave out rows the filters reject, not only skip
   * data by statistics (the filter above drops them anyway). */
  bool filter_rows;
  const em_options *options;
  const char *session_tz;      /* spark.sql.session.timeZone */
  int64_t batch_rows;          /* target rows per batch */
  /* Starts fn(arg) on another worker (0) for work inside one split, e.g.
   * Parquet row groups decoded ahead; NULL: the reader works alone. */
  em_task_submit_fn submit;
} em_read_request;

typedef struct em_format {
  const char *name; /* "parquet", "csv", "json", "text" */
  /* The schema of the files when the user gave none, with Spark's
   * inference and merge rules for the format. *out is a STRUCT type. */
  int (*infer_schema)(const em_file *files, int nfiles, const em_options *o, const char *session_tz,
                      em_type **out, em_error *err);
  /* Whether a split may start in the middle of this file. */
  int (*splittable)(const em_file *f, const em_options *o);
  int (*open)(const em_read_request *req, em_format_reader **out, em_error *err);
  /* Next batch of the requested columns (STRUCT of those fields), or
   * *out = NULL at the end of the split. */
  int (*next)(em_format_reader *r, em_batch **out, em_error *err);
  void (*close)(em_format_reader *r);
  /* Optional: the row index in the file of the first row of the batch
   * next() returned last (Parquet's _metadata.row_index); -1 unknown. */
  int64_t (*row_index)(const em_format_reader *r);

  /* Writing: one output file per task. `schema` excludes partition
   * columns. The file name's extension (".snappy.parquet", ".csv") comes
   * from extension(). */
  const char *(*extension)(const em_options *o, em_error *err);
  int (*write_open)(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                    void **writer, em_error *err);
  int (*write_batch)(void *writer, const em_batch *b, em_error *err);
  /* Finishes (footer, flush, fsync) and frees; commit = 0 aborts. */
  int (*write_close)(void *writer, int commit, em_error *err);
  /* Optional: refuses a schema the format cannot write (checked once,
   * before any task runs), e.g. UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE. */
  int (*write_check)(const em_type *schema, const em_options *o, em_error *err);
} em_format;

const em_format *em_format_find(const char *name); /* case-insensitive; NULL if unknown */

#endif
