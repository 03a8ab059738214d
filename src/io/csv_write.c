/*
 * The CSV writer, as Spark's UnivocityGenerator with its writer settings:
 * values trimmed of leading/trailing whitespace (ignoreLeading/Trailing-
 * WhiteSpace default true on write), quoted when they hold the delimiter,
 * the quote character or a line break (every value with quoteAll), quotes
 * inside escaped with the escape character, null written as nullValue and
 * the empty string as emptyValue (`""`), one record per line ending in
 * lineSep ("\n"), an optional header of column names.
 */
#include "csv_int.h"

#include <string.h>
#include <strings.h>

typedef struct csv_writer {
  em_csv_opts c;
  em_value_fmt vf;
  em_text_out *out;
  em_strbuf line, val;
  const char *line_sep;
  int ncols;
} csv_writer;

static const char *codec_opt(const em_options *o) {
  const char *c = em_options_get(o, "compression");
  return c ? c : em_options_get(o, "codec");
}

const char *em_csv_extension(const em_options *o, em_error *err) {
  const char *ext;
  if (em_text_codec_check(codec_opt(o), &ext, err)) return NULL;
  if (!*ext) return ".csv";
  if (strcmp(ext, ".gz") == 0) return ".csv.gz";
  if (strcmp(ext, ".deflate") == 0) return ".csv.deflate";
  return ".csv.zst";
}

static bool csv_type_ok(const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN: case EM_T_BYTE: case EM_T_SHORT: case EM_T_INT: case EM_T_LONG: case EM_T_FLOAT:
  case EM_T_DOUBLE: case EM_T_DECIMAL: case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR: case EM_T_DATE:
  case EM_T_TIMESTAMP: case EM_T_TIMESTAMP_NTZ: case EM_T_NULL:
    return true;
  default: return false;
  }
}

int em_io_unsupported_column(const char *format, const em_field *f, em_error *err) {
  em_strbuf n, t;
  em_strbuf_init(&n);
  em_strbuf_init(&t);
  em_strbuf_printf(&n, "`%s`", f->name);
  em_strbuf_putc(&t, '"');
  em_type_sql(f->type, &t);
  em_strbuf_putc(&t, '"');
  em_error_set(err, EM_ERR_UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE, "columnName", n.data ? n.data : "", "columnType",
               t.data ? t.data : "", "format", format, NULL);
  em_strbuf_free(&n);
  em_strbuf_free(&t);
  return -1;
}

static void put_value(csv_writer *w, const char *s, size_t n) {
  const em_csv_opts *c = &w->c;
  size_t a = 0, b = n;
  if (c->ignore_lead_w)
    while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  if (c->ignore_trail_w)
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
  s += a;
  n = b - a;
  if (n == 0) {
    em_strbuf_puts(&w->line, c->empty_value_write);
    return;
  }
  bool q = c->quote_all;
  for (size_t i = 0; !q && i < n; i++) {
    char ch = s[i];
    if (ch == '\n' || ch == '\r' || (c->quote && ch == c->quote && c->escape_quotes) ||
        (ch == c->sep[0] && i + c->sep_len <= n && memcmp(s + i, c->sep, c->sep_len) == 0))
      q = true;
  }
  if (!q || !c->quote) {
    em_strbuf_append(&w->line, s, n);
    return;
  }
  em_strbuf_putc(&w->line, c->quote);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == c->quote) em_strbuf_putc(&w->line, c->escape ? c->escape : c->quote);
    em_strbuf_putc(&w->line, s[i]);
  }
  em_strbuf_putc(&w->line, c->quote);
}

static int end_line(csv_writer *w, em_error *err) {
  em_strbuf_puts(&w->line, w->line_sep);
  if (w->line.oom) return em_error_internal(err, "out of memory");
  int rc = em_text_out_write(w->out, w->line.data, w->line.len, err);
  em_strbuf_reset(&w->line);
  return rc;
}

static void free_writer(csv_writer *w) {
  em_csv_opts_free(&w->c);
  em_strbuf_free(&w->line);
  em_strbuf_free(&w->val);
  em_free(w);
}

int em_csv_write_check(const em_type *schema, const em_options *o, em_error *err) {
  for (int i = 0; i < schema->u.st.nfields; i++)
    if (!csv_type_ok(schema->u.st.fields[i].type)) return em_io_unsupported_column("CSV", &schema->u.st.fields[i], err);
  return 0;
}

int em_csv_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                      void **writer, em_error *err) {
  for (int i = 0; i < schema->u.st.nfields; i++)
    if (!csv_type_ok(schema->u.st.fields[i].type)) return em_io_unsupported_column("CSV", &schema->u.st.fields[i], err);
  csv_writer *w = em_calloc(1, sizeof *w);
  if (!w) return em_error_internal(err, "out of memory");
  em_strbuf_init(&w->line);
  em_strbuf_init(&w->val);
  if (em_csv_opts_init(&w->c, o, session_tz, err) || em_value_fmt_init(&w->vf, o, session_tz, err)) {
    free_writer(w);
    return -1;
  }
  w->line_sep = w->c.line_sep ? w->c.line_sep : "\n";
  w->ncols = schema->u.st.nfields;
  if (em_text_out_open(path, codec_opt(o), w->c.charset, &w->out, err)) {
    free_writer(w);
    return -1;
  }
  if (w->c.header) {
    for (int i = 0; i < w->ncols; i++) {
      if (i) em_strbuf_append(&w->line, w->c.sep, w->c.sep_len);
      put_value(w, schema->u.st.fields[i].name, strlen(schema->u.st.fields[i].name));
    }
    if (end_line(w, err)) {
      em_text_out_close(w->out, 0, NULL);
      free_writer(w);
      return -1;
    }
  }
  *writer = w;
  return 0;
}

int em_csv_write_batch(void *writer, const em_batch *b, em_error *err) {
  csv_writer *w = writer;
  for (int64_t r = 0; r < b->nrows; r++) {
    for (int i = 0; i < w->ncols; i++) {
      if (i) em_strbuf_append(&w->line, w->c.sep, w->c.sep_len);
      const em_vec *v = b->cols[i];
      if (em_vec_is_null(v, r)) {
        /* univocity quotes the null value too under quoteAll. */
        if (w->c.quote_all && w->c.quote) em_strbuf_putc(&w->line, w->c.quote);
        em_strbuf_puts(&w->line, w->c.null_value);
        if (w->c.quote_all && w->c.quote) em_strbuf_putc(&w->line, w->c.quote);
        continue;
      }
      em_strbuf_reset(&w->val);
      if (em_value_text(&w->vf, v, r, &w->val, err)) return -1;
      put_value(w, w->val.data ? w->val.data : "", w->val.len);
    }
    if (end_line(w, err)) return -1;
  }
  return 0;
}

int em_csv_write_close(void *writer, int commit, em_error *err) {
  csv_writer *w = writer;
  int rc = em_text_out_close(w->out, commit, err);
  free_writer(w);
  return rc;
}
