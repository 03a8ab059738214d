/*
 * The JSON lines writer, as Spark's JacksonGenerator: one object per row,
 * fields in schema order, null fields left out (ignoreNullFields=true) or
 * written as null, strings with Jackson's escapes (\" \\ \b \f \n \r \t,
 * other control characters \u00XX, everything else raw UTF-8), numbers as
 * Java prints them (NaN and infinities as strings), decimals plain, dates
 * and timestamps with dateFormat/timestampFormat, binary as base64,
 * arrays, maps (keys as text, null values kept) and nested structs.
 */
#include "io_int.h"

#include <string.h>
#include <strings.h>

typedef struct json_writer {
  em_value_fmt vf;
  em_text_out *out;
  em_strbuf line, val;
  const char *line_sep;
  bool keep_nulls;
  const em_type *schema;
} json_writer;

static const char *codec_opt(const em_options *o) {
  const char *c = em_options_get(o, "compression");
  return c ? c : em_options_get(o, "codec");
}

const char *em_json_extension(const em_options *o, em_error *err);
const char *em_json_extension(const em_options *o, em_error *err) {
  const char *ext;
  if (em_text_codec_check(codec_opt(o), &ext, err)) return NULL;
  if (!*ext) return ".json";
  return strcmp(ext, ".gz") == 0 ? ".json.gz" : ".json.deflate";
}

void em_json_put_string(em_strbuf *sb, const char *s, size_t n);
void em_json_put_string(em_strbuf *sb, const char *s, size_t n) {
  em_strbuf_putc(sb, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"': em_strbuf_puts(sb, "\\\""); break;
    case '\\': em_strbuf_puts(sb, "\\\\"); break;
    case '\b': em_strbuf_puts(sb, "\\b"); break;
    case '\f': em_strbuf_puts(sb, "\\f"); break;
    case '\n': em_strbuf_puts(sb, "\\n"); break;
    case '\r': em_strbuf_puts(sb, "\\r"); break;
    case '\t': em_strbuf_puts(sb, "\\t"); break;
    default:
      if (c < 0x20) em_strbuf_printf(sb, "\\u%04X", c);
      else em_strbuf_putc(sb, (char)c);
    }
  }
  em_strbuf_putc(sb, '"');
}

static void put_base64(em_strbuf *sb, const uint8_t *p, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  em_strbuf_putc(sb, '"');
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    em_strbuf_putc(sb, tab[v >> 18 & 63]);
    em_strbuf_putc(sb, tab[v >> 12 & 63]);
    em_strbuf_putc(sb, i + 1 < n ? tab[v >> 6 & 63] : '=');
    em_strbuf_putc(sb, i + 2 < n ? tab[v & 63] : '=');
  }
  em_strbuf_putc(sb, '"');
}

static int put_value(json_writer *w, const em_vec *v, int64_t i, em_strbuf *sb, em_error *err);

static int put_struct(json_writer *w, const em_type *t, em_vec *const *children, int64_t i, em_strbuf *sb,
                      em_error *err) {
  em_strbuf_putc(sb, '{');
  bool first = true;
  for (int f = 0; f < t->u.st.nfields; f++) {
    const em_vec *c = children[f];
    bool null = em_vec_is_null(c, i);
    if (null && !w->keep_nulls) continue;
    if (!first) em_strbuf_putc(sb, ',');
    first = false;
    em_json_put_string(sb, t->u.st.fields[f].name, strlen(t->u.st.fields[f].name));
    em_strbuf_putc(sb, ':');
    if (null) em_strbuf_puts(sb, "null");
    else if (put_value(w, c, i, sb, err)) return -1;
  }
  em_strbuf_putc(sb, '}');
  return 0;
}

static int put_value(json_writer *w, const em_vec *v, int64_t i, em_strbuf *sb, em_error *err) {
  if (em_vec_is_null(v, i)) {
    em_strbuf_puts(sb, "null");
    return 0;
  }
  switch (v->type->id) {
  case EM_T_BOOLEAN: case EM_T_BYTE: case EM_T_SHORT: case EM_T_INT: case EM_T_LONG: case EM_T_DECIMAL:
    return em_value_text(&w->vf, v, i, sb, err);
  case EM_T_FLOAT: case EM_T_DOUBLE: {
    double d = v->type->id == EM_T_FLOAT ? ((const float *)em_vec_values(v))[i] : ((const double *)em_vec_values(v))[i];
    if (d != d || d == 1.0 / 0.0 || d == -1.0 / 0.0) em_strbuf_putc(sb, '"');
    int rc = em_value_text(&w->vf, v, i, sb, err);
    if (d != d || d == 1.0 / 0.0 || d == -1.0 / 0.0) em_strbuf_putc(sb, '"');
    return rc;
  }
  case EM_T_BINARY: {
    int32_t n;
    const char *s = em_vec_str(v, i, &n);
    put_base64(sb, (const uint8_t *)s, (size_t)n);
    return 0;
  }
  case EM_T_ARRAY: {
    const int32_t *o = em_vec_offsets(v);
    em_strbuf_putc(sb, '[');
    for (int32_t k = o[i]; k < o[i + 1]; k++) {
      if (k > o[i]) em_strbuf_putc(sb, ',');
      if (put_value(w, v->children[0], k, sb, err)) return -1;
    }
    em_strbuf_putc(sb, ']');
    return 0;
  }
  case EM_T_MAP: {
    const int32_t *o = em_vec_offsets(v);
    const em_vec *entries = v->children[0];
    em_strbuf_putc(sb, '{');
    for (int32_t k = o[i]; k < o[i + 1]; k++) {
      if (k > o[i]) em_strbuf_putc(sb, ',');
      em_strbuf_reset(&w->val);
      if (em_value_text(&w->vf, entries->children[0], k, &w->val, err)) return -1;
      em_json_put_string(sb, w->val.data ? w->val.data : "", w->val.len);
      em_strbuf_putc(sb, ':');
      if (put_value(w, entries->children[1], k, sb, err)) return -1;
    }
    em_strbuf_putc(sb, '}');
    return 0;
  }
  case EM_T_STRUCT: return put_struct(w, v->type, v->children, i, sb, err);
  default: {
    em_strbuf t;
    em_strbuf_init(&t);
    if (em_value_text(&w->vf, v, i, &t, err)) {
      em_strbuf_free(&t);
      return -1;
    }
    em_json_put_string(sb, t.data ? t.data : "", t.len);
    em_strbuf_free(&t);
    return 0;
  }
  }
}

static bool json_type_ok(const em_type *t) {
  switch (t->id) {
  case EM_T_VARIANT: case EM_T_CAL_INTERVAL: case EM_T_DT_INTERVAL: case EM_T_YM_INTERVAL: case EM_T_TIME: return false;
  case EM_T_ARRAY: return json_type_ok(t->u.array.elem);
  case EM_T_MAP: return json_type_ok(t->u.map.key) && json_type_ok(t->u.map.value);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (!json_type_ok(t->u.st.fields[i].type)) return false;
    return true;
  default: return true;
  }
}

int em_json_write_check(const em_type *schema, const em_options *o, em_error *err);
int em_json_write_check(const em_type *schema, const em_options *o, em_error *err) {
  for (int i = 0; i < schema->u.st.nfields; i++)
    if (!json_type_ok(schema->u.st.fields[i].type))
      return em_io_unsupported_column("JSON", &schema->u.st.fields[i], err);
  return 0;
}

int em_json_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                       void **writer, em_error *err);
int em_json_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                       void **writer, em_error *err) {
  json_writer *w = em_calloc(1, sizeof *w);
  if (!w) return em_error_internal(err, "out of memory");
  em_strbuf_init(&w->line);
  em_strbuf_init(&w->val);
  int bad = 0;
  w->keep_nulls = !em_opt_bool(o, "ignoreNullFields", true, err, &bad);
  w->line_sep = em_opt_str(o, "lineSep", "\n");
  w->schema = schema;
  const char *cs = em_options_get(o, "encoding");
  if (bad || em_value_fmt_init(&w->vf, o, session_tz, err) ||
      em_text_out_open(path, codec_opt(o), cs ? cs : em_options_get(o, "charset"), &w->out, err)) {
    em_strbuf_free(&w->line);
    em_strbuf_free(&w->val);
    em_free(w);
    return -1;
  }
  *writer = w;
  return 0;
}

int em_json_write_batch(void *writer, const em_batch *b, em_error *err);
int em_json_write_batch(void *writer, const em_batch *b, em_error *err) {
  json_writer *w = writer;
  for (int64_t r = 0; r < b->nrows; r++) {
    em_strbuf_reset(&w->line);
    if (put_struct(w, b->schema, b->cols, r, &w->line, err)) return -1;
    em_strbuf_puts(&w->line, w->line_sep);
    if (w->line.oom) return em_error_internal(err, "out of memory");
    if (em_text_out_write(w->out, w->line.data, w->line.len, err)) return -1;
  }
  return 0;
}

int em_json_write_close(void *writer, int commit, em_error *err);
int em_json_write_close(void *writer, int commit, em_error *err) {
  json_writer *w = writer;
  int rc = em_text_out_close(w->out, commit, err);
  em_strbuf_free(&w->line);
  em_strbuf_free(&w->val);
  em_free(w);
  return rc;
}
