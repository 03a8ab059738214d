/*
 * The CSV reader: one split of one file into batches of the requested
 * columns, with Spark's conversion of each field (UnivocityParser) and its
 * handling of malformed records (FailureSafeParser):
 *
 *  - a field equal to nullValue (or an unquoted empty field) is null;
 *  - numbers follow Java's parsers; doubles also take nanValue,
 *    positiveInf and negativeInf; dates and timestamps take the
 *    dateFormat/timestampFormat patterns or, without them, Spark's lenient
 *    parsers;
 *  - a record with a different number of fields than the schema, or with a
 *    field that does not convert, is malformed: PERMISSIVE keeps the row
 *    (unconvertible fields null) and puts the record's text in the
 *    corrupt-record column when the schema has it; DROPMALFORMED drops
 *    the row; FAILFAST fails the query with MALFORMED_RECORD_IN_PARSING.
 *
 * Lines come from text_input.c (Hadoop's split rule); with multiLine the
 * file is read whole and quoted fields may span lines. The header line
 * (header=true) is dropped in the split that starts the file; blank and
 * comment lines are skipped.
 */
#include "csv_int.h"

#include <math.h>
#include <string.h>

typedef struct cell {
  bool null;
  union {
    int64_t i;
    double d;
    __int128 dec;
  } u;
  const char *s;
  int32_t len;
} cell;

struct em_format_reader {
  em_csv_opts c;
  em_text_in in;
  const em_type *data_schema;
  em_type *out_schema;
  int ncols;
  int *phys;    /* per requested column: physical field index, -1 = corrupt column */
  em_type **types;
  int nphys;    /* physical fields (data schema without the corrupt column) */
  bool want_corrupt;
  int64_t batch_rows;
  bool header_pending;
  bool multiline;
  const uint8_t *all;
  size_t all_len, all_pos;
  bool done;
  em_csv_tokens tok;
  cell *cells;
  em_strbuf record; /* multiLine: the raw text of the current record */
};

/* Converts one field; false when it is malformed for the type. */
static bool convert(const em_csv_opts *c, const em_type *t, const char *s, int32_t len, cell *out) {
  out->null = false;
  out->s = s;
  out->len = len;
  switch (t->id) {
  case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR: return true;
  case EM_T_BYTE: return em_java_parse_long(s, (size_t)len, INT8_MIN, INT8_MAX, &out->u.i);
  case EM_T_SHORT: return em_java_parse_long(s, (size_t)len, INT16_MIN, INT16_MAX, &out->u.i);
  case EM_T_INT: case EM_T_YM_INTERVAL: return em_java_parse_long(s, (size_t)len, INT32_MIN, INT32_MAX, &out->u.i);
  case EM_T_LONG: return em_java_parse_long(s, (size_t)len, INT64_MIN, INT64_MAX, &out->u.i);
  case EM_T_FLOAT: case EM_T_DOUBLE:
    if ((size_t)len == strlen(c->nan_value) && memcmp(s, c->nan_value, (size_t)len) == 0) out->u.d = NAN;
    else if ((size_t)len == strlen(c->pos_inf) && memcmp(s, c->pos_inf, (size_t)len) == 0) out->u.d = INFINITY;
    else if ((size_t)len == strlen(c->neg_inf) && memcmp(s, c->neg_inf, (size_t)len) == 0) out->u.d = -INFINITY;
    else return em_java_parse_double(s, (size_t)len, &out->u.d);
    return true;
  case EM_T_BOOLEAN:
    if (len == 4 && strncasecmp(s, "true", 4) == 0) out->u.i = 1;
    else if (len == 5 && strncasecmp(s, "false", 5) == 0) out->u.i = 0;
    else return false;
    return true;
  case EM_T_DECIMAL: {
    __int128 v;
    int p, sc;
    int simple = em_decimal_parse_simple(s, (size_t)len, t->u.dec.precision, t->u.dec.scale, &out->u.dec);
    if (simple >= 0) return simple == 1;
    if (!em_java_parse_bigdecimal(s, (size_t)len, &v, &p, &sc) || p > 38) return false;
    return em_decimal_fit(v, sc, t->u.dec.precision, t->u.dec.scale, &out->u.dec);
  }
  case EM_T_DATE: {
    int32_t d;
    if (!em_dtfmt_parse_date(&c->date, s, (size_t)len, &d)) {
      if (c->date_format || !em_spark_parse_date(s, (size_t)len, &d)) return false;
    }
    out->u.i = d;
    return true;
  }
  case EM_T_TIMESTAMP:
    if (em_dtfmt_parse_ts(&c->ts, s, (size_t)len, c->tz, &out->u.i)) return true;
    return !c->ts_format && em_spark_parse_ts(s, (size_t)len, c->tz, &out->u.i);
  case EM_T_TIMESTAMP_NTZ:
    if (em_dtfmt_parse_ts(&c->ts_ntz, s, (size_t)len, NULL, &out->u.i)) return true;
    return !c->ts_ntz_format && em_spark_parse_ts(s, (size_t)len, NULL, &out->u.i);
  default: return false;
  }
}

/* A non-null fixed-width value into room the vector already has, while it
 * has no validity bitmap: what em_vec_append_fixed does, without its
 * checks per value. false: use the general appender. */
static inline bool put_fixed(em_vec *v, const void *src, size_t w) {
  if (v->validity || !v->values || (size_t)(v->len + 1) * w > v->values->cap) return false;
  memcpy(v->values->data + (size_t)v->len * w, src, w);
  v->len++;
  v->values->len = (size_t)v->len * w;
  return true;
}

static int append_cell(em_vec *v, const cell *x) {
  if (x->null) return em_vec_append_null(v);
  switch (v->type->id) {
  case EM_T_DECIMAL:
    if (put_fixed(v, &x->u.dec, 16)) return 0;
    break;
  case EM_T_LONG:
    if (put_fixed(v, &x->u.i, 8)) return 0;
    break;
  case EM_T_INT: case EM_T_DATE: {
    int32_t b = (int32_t)x->u.i;
    if (put_fixed(v, &b, 4)) return 0;
    break;
  }
  case EM_T_DOUBLE:
    if (put_fixed(v, &x->u.d, 8)) return 0;
    break;
  default: break;
  }
  switch (v->type->id) {
  case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR: case EM_T_BINARY:
    return em_vec_append_bytes(v, x->s, (size_t)x->len);
  case EM_T_BOOLEAN: return em_vec_append_bool(v, x->u.i != 0);
  case EM_T_BYTE: { int8_t b = (int8_t)x->u.i; return em_vec_append_fixed(v, &b); }
  case EM_T_SHORT: { int16_t b = (int16_t)x->u.i; return em_vec_append_fixed(v, &b); }
  case EM_T_INT: case EM_T_DATE: case EM_T_YM_INTERVAL: { int32_t b = (int32_t)x->u.i; return em_vec_append_fixed(v, &b); }
  case EM_T_FLOAT: { float f = (float)x->u.d; return em_vec_append_fixed(v, &f); }
  case EM_T_DOUBLE: return em_vec_append_fixed(v, &x->u.d);
  case EM_T_DECIMAL: return em_vec_append_fixed(v, &x->u.dec);
  default: return em_vec_append_fixed(v, &x->u.i);
  }
}

static void csv_close(em_format_reader *r);

static int csv_open(const em_read_request *req, em_format_reader **out, em_error *err) {
  em_format_reader *r = em_calloc(1, sizeof *r);
  if (!r) return em_error_internal(err, "out of memory");
  em_strbuf_init(&r->record);
  if (em_csv_opts_init(&r->c, req->options, req->session_tz, err)) goto fail;
  const em_type *ds = req->data_schema;
  r->data_schema = ds;
  int corrupt = -1;
  for (int i = 0; i < ds->u.st.nfields; i++)
    if (strcmp(ds->u.st.fields[i].name, r->c.corrupt_col) == 0 && em_type_is_string_like(ds->u.st.fields[i].type))
      corrupt = i;
  r->nphys = ds->u.st.nfields - (corrupt >= 0);
  r->ncols = req->ncolumns;
  r->phys = em_calloc((size_t)r->ncols + 1, sizeof *r->phys);
  r->types = em_calloc((size_t)r->ncols + 1, sizeof *r->types);
  r->cells = em_calloc((size_t)r->ncols + 1, sizeof *r->cells);
  r->out_schema = em_type_struct_new(r->ncols);
  if (!r->phys || !r->types || !r->cells || !r->out_schema) {
    em_error_internal(err, "out of memory");
    goto fail;
  }
  for (int k = 0; k < r->ncols; k++) {
    int f = req->columns[k];
    const em_field *fd = &ds->u.st.fields[f];
    if (em_type_struct_set(r->out_schema, k, fd->name, em_type_ref(fd->type), fd->nullable, fd->metadata)) {
      em_error_internal(err, "out of memory");
      goto fail;
    }
    r->types[k] = fd->type;
    r->phys[k] = f == corrupt ? -1 : (corrupt >= 0 && f > corrupt ? f - 1 : f);
    if (f == corrupt) r->want_corrupt = true;
  }
  r->batch_rows = req->batch_rows > 0 ? req->batch_rows : 4096;
  r->multiline = r->c.multiline;
  if (r->multiline && req->split->start != 0) {
    r->done = true;
  } else {
    if (em_text_in_open(&r->in, req->split, r->c.charset, r->multiline ? NULL : r->c.line_sep, err)) goto fail;
    if (r->multiline && em_text_in_all(&r->in, &r->all, &r->all_len, err)) goto fail;
  }
  r->header_pending = r->c.header && req->split->start == 0;
  *out = r;
  return 0;
fail:
  r->done = true;
  *out = NULL;
  csv_close(r);
  return -1;
}

/* The next record's tokens; 1 = got one, 0 = end. */
static int next_record(em_format_reader *r, const char **raw, size_t *raw_len, em_error *err) {
  for (;;) {
    if (r->multiline) {
      const char *p = (const char *)r->all;
      /* Skip blank lines and comments between records. */
      while (r->all_pos < r->all_len) {
        size_t e = r->all_pos;
        while (e < r->all_len && p[e] != '\n' && p[e] != '\r') e++;
        if (!em_csv_skip_line(&r->c, p + r->all_pos, e - r->all_pos)) break;
        r->all_pos = e < r->all_len ? e + 1 : e;
      }
      if (r->all_pos >= r->all_len) return 0;
      size_t st = r->all_pos;
      if (em_csv_tokenize(&r->c, p, r->all_len, &r->all_pos, true, &r->tok, err)) return -1;
      size_t e = r->all_pos;
      while (e > st && (p[e - 1] == '\n' || p[e - 1] == '\r')) e--;
      *raw = p + st;
      *raw_len = e - st;
    } else {
      int got = em_text_in_line(&r->in, err);
      if (got <= 0) return got;
      const char *p = r->in.line.data ? r->in.line.data : "";
      size_t n = r->in.line.len;
      if (em_csv_skip_line(&r->c, p, n)) continue;
      size_t pos = 0;
      if (em_csv_tokenize(&r->c, p, n, &pos, false, &r->tok, err)) return -1;
      *raw = p;
      *raw_len = n;
    }
    if (r->header_pending) {
      r->header_pending = false;
      if (!r->c.enforce_schema) {
        /* CSVHeaderChecker: the header must name the schema's fields. */
        int phys = 0;
        for (int i = 0; i < r->data_schema->u.st.nfields; i++) {
          const char *name = r->data_schema->u.st.fields[i].name;
          if (strcmp(name, r->c.corrupt_col) == 0) continue;
          if (phys >= r->tok.n || r->tok.len[phys] < 0 || strlen(name) != (size_t)r->tok.len[phys] ||
              strncasecmp(name, r->tok.buf.data + r->tok.start[phys], (size_t)r->tok.len[phys]) != 0) {
            em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "CSV header does not conform to the schema.",
                         NULL);
            return -1;
          }
          phys++;
        }
      }
      continue;
    }
    return 1;
  }
}

static int csv_next(em_format_reader *r, em_batch **out, em_error *err) {
  *out = NULL;
  if (r->done) return 0;
  em_vec **cols = em_calloc((size_t)r->ncols + 1, sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory");
  int rc = 0;
  for (int k = 0; k < r->ncols; k++)
    if (!(cols[k] = em_vec_new(r->types[k], em_type_fixed_width(r->types[k]) > 0 || r->batch_rows < 1024
                                                 ? r->batch_rows
                                                 : 1024)))
      rc = -1;
  size_t nv = strlen(r->c.null_value);
  if (rc) em_error_internal(err, "out of memory");
  int64_t rows = 0;
  while (!rc && rows < r->batch_rows) {
    const char *raw = NULL;
    size_t raw_len = 0;
    int got = next_record(r, &raw, &raw_len, err);
    if (got < 0) {
      rc = -1;
      break;
    }
    if (got == 0) {
      r->done = true;
      break;
    }
    bool bad = r->tok.n != r->nphys;
    for (int k = 0; k < r->ncols; k++) {
      cell *x = &r->cells[k];
      int p = r->phys[k];
      memset(x, 0, sizeof *x);
      x->null = true;
      if (p < 0 || p >= r->tok.n) continue;
      int32_t len = r->tok.len[p];
      const char *s = len >= 0 ? r->tok.buf.data + r->tok.start[p] : NULL;
      if (!s) continue;
      if ((size_t)len == nv && memcmp(s, r->c.null_value, nv) == 0) continue;
      if (!convert(&r->c, r->types[k], s, len, x)) {
        x->null = true;
        bad = true;
      }
    }
    if (bad) {
      if (r->c.mode == 1) continue;
      if (r->c.mode == 2) {
        rc = em_malformed_error(err, raw, raw_len);
        break;
      }
      for (int k = 0; k < r->ncols; k++)
        if (r->phys[k] < 0) {
          r->cells[k].null = false;
          r->cells[k].s = raw;
          r->cells[k].len = (int32_t)raw_len;
        }
    }
    for (int k = 0; !rc && k < r->ncols; k++)
      if (append_cell(cols[k], &r->cells[k])) rc = em_error_internal(err, "out of memory");
    rows++;
  }
  if (!rc && rows > 0) {
    *out = em_batch_new(em_type_ref(r->out_schema), r->ncols, cols, rows);
    em_free(cols);
    if (!*out) return em_error_internal(err, "out of memory");
    return 0;
  }
  for (int k = 0; k < r->ncols; k++)
    if (cols[k]) em_vec_unref(cols[k]);
  em_free(cols);
  return rc;
}

static void csv_close(em_format_reader *r) {
  if (!r) return;
  em_text_in_close(&r->in);
  em_csv_opts_free(&r->c);
  em_csv_tokens_free(&r->tok);
  em_strbuf_free(&r->record);
  if (r->out_schema) em_type_unref(r->out_schema);
  em_free(r->phys);
  em_free(r->types);
  em_free(r->cells);
  em_free(r);
}

static int csv_splittable(const em_file *f, const em_options *o) {
  const char *ml = em_options_get(o, "multiLine");
  if (ml && strcasecmp(ml, "true") == 0) return 0;
  return !em_text_whole_file(f->path, o);
}

const em_format em_format_csv = {
    .name = "csv",
    .infer_schema = em_csv_infer_schema,
    .splittable = csv_splittable,
    .open = csv_open,
    .next = csv_next,
    .close = csv_close,
    .extension = em_csv_extension,
    .write_open = em_csv_write_open,
    .write_batch = em_csv_write_batch,
    .write_close = em_csv_write_close,
    .write_check = em_csv_write_check,
};
