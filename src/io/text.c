/*
 * The text format: every line of the input is a row of one string column
 * `value` (wholetext=true: every file is one row), lines split at \n, \r\n
 * or \r or at lineSep, with Hadoop's split rule; writing takes a single
 * string column and writes each value as a line (null as an empty line).
 */
#include "io_int.h"

#include <string.h>
#include <strings.h>

struct em_format_reader {
  em_text_in in;
  em_type *out_schema;
  bool want_value, wholetext, done;
  int64_t batch_rows;
};

static int text_infer(const em_file *files, int nfiles, const em_options *o, const char *session_tz, em_type **out,
                      em_error *err) {
  em_type *t = em_type_struct_new(1);
  if (!t || em_type_struct_set(t, 0, "value", em_type_string(), true, NULL)) {
    if (t) em_type_unref(t);
    return em_error_internal(err, "out of memory");
  }
  *out = t;
  return 0;
}

static bool wholetext(const em_options *o) {
  const char *w = em_options_get(o, "wholetext");
  return w && strcasecmp(w, "true") == 0;
}

static int text_splittable(const em_file *f, const em_options *o) {
  return !wholetext(o) && !em_text_whole_file(f->path, o);
}

static void text_close(em_format_reader *r) {
  if (!r) return;
  em_text_in_close(&r->in);
  if (r->out_schema) em_type_unref(r->out_schema);
  em_free(r);
}

static int text_open(const em_read_request *req, em_format_reader **out, em_error *err) {
  em_format_reader *r = em_calloc(1, sizeof *r);
  if (!r) return em_error_internal(err, "out of memory");
  r->wholetext = wholetext(req->options);
  r->batch_rows = req->batch_rows > 0 ? req->batch_rows : 4096;
  r->out_schema = em_type_struct_new(req->ncolumns);
  if (!r->out_schema) {
    text_close(r);
    return em_error_internal(err, "out of memory");
  }
  for (int k = 0; k < req->ncolumns; k++) {
    const em_field *f = &req->data_schema->u.st.fields[req->columns[k]];
    if (em_type_struct_set(r->out_schema, k, f->name, em_type_ref(f->type), f->nullable, f->metadata)) {
      text_close(r);
      return em_error_internal(err, "out of memory");
    }
  }
  r->want_value = req->ncolumns > 0;
  if (r->wholetext && req->split->start != 0) r->done = true;
  else if (em_text_in_open(&r->in, req->split, NULL, r->wholetext ? NULL : em_options_get(req->options, "lineSep"),
                           err)) {
    text_close(r);
    return -1;
  }
  *out = r;
  return 0;
}

static int text_next(em_format_reader *r, em_batch **out, em_error *err) {
  *out = NULL;
  if (r->done) return 0;
  em_vec *v = r->want_value ? em_vec_new(em_type_string(), 256) : NULL;
  if (r->want_value && !v) return em_error_internal(err, "out of memory");
  int64_t rows = 0;
  int rc = 0;
  if (r->wholetext) {
    const uint8_t *p;
    size_t n;
    rc = em_text_in_all(&r->in, &p, &n, err);
    if (!rc && v && em_vec_append_bytes(v, p, n)) rc = em_error_internal(err, "out of memory");
    rows = 1;
    r->done = true;
  } else {
    while (!rc && rows < r->batch_rows) {
      int got = em_text_in_line(&r->in, err);
      if (got < 0) rc = -1;
      if (got <= 0) {
        r->done = true;
        break;
      }
      if (v && em_vec_append_bytes(v, r->in.line.data ? r->in.line.data : "", r->in.line.len))
        rc = em_error_internal(err, "out of memory");
      rows++;
    }
  }
  if (rc || rows == 0) {
    if (v) em_vec_unref(v);
    return rc;
  }
  em_vec *cols[1] = {v};
  *out = em_batch_new(em_type_ref(r->out_schema), v ? 1 : 0, cols, rows);
  return *out ? 0 : em_error_internal(err, "out of memory");
}

static const char *codec_opt(const em_options *o) {
  const char *c = em_options_get(o, "compression");
  return c ? c : em_options_get(o, "codec");
}

static const char *text_extension(const em_options *o, em_error *err) {
  const char *ext;
  if (em_text_codec_check(codec_opt(o), &ext, err)) return NULL;
  if (!*ext) return ".txt";
  return strcmp(ext, ".gz") == 0 ? ".txt.gz" : ".txt.deflate";
}

static int text_write_check(const em_type *schema, const em_options *o, em_error *err) {
  if (schema->u.st.nfields != 1) {
    char n[16];
    snprintf(n, sizeof n, "%d", schema->u.st.nfields);
    return em_error_set(err, EM_ERR_LEGACY_TEXT_SINGLE_COLUMN, "schemaSize", n, NULL);
  }
  if (!em_type_is_string_like(schema->u.st.fields[0].type))
    return em_io_unsupported_column("Text", &schema->u.st.fields[0], err);
  return 0;
}

typedef struct text_writer {
  em_text_out *out;
  const char *sep;
} text_writer;

static int text_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                           void **writer, em_error *err) {
  if (text_write_check(schema, o, err)) return -1;
  text_writer *w = em_calloc(1, sizeof *w);
  if (!w) return em_error_internal(err, "out of memory");
  w->sep = em_opt_str(o, "lineSep", "\n");
  if (em_text_out_open(path, codec_opt(o), NULL, &w->out, err)) {
    em_free(w);
    return -1;
  }
  *writer = w;
  return 0;
}

static int text_write_batch(void *writer, const em_batch *b, em_error *err) {
  text_writer *w = writer;
  size_t sl = strlen(w->sep);
  for (int64_t r = 0; r < b->nrows; r++) {
    if (!em_vec_is_null(b->cols[0], r)) {
      int32_t n;
      const char *s = em_vec_str(b->cols[0], r, &n);
      if (em_text_out_write(w->out, s, (size_t)n, err)) return -1;
    }
    if (em_text_out_write(w->out, w->sep, sl, err)) return -1;
  }
  return 0;
}

static int text_write_close(void *writer, int commit, em_error *err) {
  text_writer *w = writer;
  int rc = em_text_out_close(w->out, commit, err);
  em_free(w);
  return rc;
}

const em_format em_format_text = {
    .name = "text",
    .infer_schema = text_infer,
    .splittable = text_splittable,
    .open = text_open,
    .next = text_next,
    .close = text_close,
    .extension = text_extension,
    .write_open = text_write_open,
    .write_batch = text_write_batch,
    .write_close = text_write_close,
    .write_check = text_write_check,
};
