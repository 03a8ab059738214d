/*
 * The JSON lines reader and schema inference, as Spark's JacksonParser and
 * JsonInferSchema.
 *
 * Inference: each record's type (objects become structs with fields sorted
 * by name, integers long or decimal when wider, floats double or decimal
 * with prefersDecimal, everything primitive a string with
 * primitivesAsString), merged across records (long+double=double,
 * decimals widened, double over decimal, structs merged by field name,
 * arrays by element, anything else string), nulls and empty arrays left as
 * string at the end, empty nested structs dropped. A record that does not
 * parse adds _corrupt_record (columnNameOfCorruptRecord) in PERMISSIVE mode.
 *
 * Reading: a line holds an object (one row) or an array of objects (a row
 * each); multiLine reads a whole file as one such value. Fields convert by
 * the schema's types (a string column takes any value, non-strings as
 * their JSON text); a value that does not convert makes the record
 * malformed: PERMISSIVE keeps what converts (partial results, below) and
 * the line in the corrupt-record column, DROPMALFORMED drops it, FAILFAST
 * fails.
 */
#include "json_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* json_write.c */
const char *em_json_extension(const em_options *o, em_error *err);
int em_json_write_check(const em_type *schema, const em_options *o, em_error *err);
int em_json_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                       void **writer, em_error *err);
int em_json_write_batch(void *writer, const em_batch *b, em_error *err);
int em_json_write_close(void *writer, int commit, em_error *err);

typedef struct jopts {
  em_json_opts j;
  bool prims_as_string, prefers_decimal, multiline;
  int mode;
  const char *corrupt_col;
  const char *date_format, *ts_format, *ts_ntz_format;
  em_dtfmt date, ts, ts_ntz;
  const em_tz *tz;
  const char *charset, *line_sep;
} jopts;

static int jopts_init(jopts *o, const em_options *eo, const char *session_tz, em_error *err) {
  memset(o, 0, sizeof *o);
  em_json_opts_init(&o->j, eo);
  o->prims_as_string = em_opt_bool(eo, "primitivesAsString", false, NULL, NULL);
  o->prefers_decimal = em_opt_bool(eo, "prefersDecimal", false, NULL, NULL);
  o->multiline = em_opt_bool(eo, "multiLine", false, NULL, NULL);
  o->mode = em_opt_mode(eo);
  o->corrupt_col = em_opt_str(eo, "columnNameOfCorruptRecord", "_corrupt_record");
  o->date_format = em_options_get(eo, "dateFormat");
  o->ts_format = em_options_get(eo, "timestampFormat");
  o->ts_ntz_format = em_options_get(eo, "timestampNTZFormat");
  if (em_dtfmt_compile(o->date_format, &o->date, err) || em_dtfmt_compile(o->ts_format, &o->ts, err) ||
      em_dtfmt_compile(o->ts_ntz_format, &o->ts_ntz, err))
    return -1;
  const char *tzname = em_options_get(eo, "timeZone");
  o->tz = em_tz_get(tzname ? tzname : session_tz ? session_tz : "UTC", err);
  if (!o->tz) return -1;
  o->charset = em_options_get(eo, "encoding");
  if (!o->charset) o->charset = em_options_get(eo, "charset");
  o->line_sep = em_options_get(eo, "lineSep");
  return 0;
}

/* ---- inference ---- */

static em_type *merge(em_type *a, em_type *b);

static em_type *decimal_for(const char *s, int32_t n, bool allow_float) {
  __int128 v;
  int p, sc;
  if (!em_java_parse_bigdecimal(s, (size_t)n, &v, &p, &sc) || sc < 0) return NULL;
  int prec = p > sc ? p : sc;
  if (prec > 38) return NULL;
  (void)allow_float;
  return em_type_decimal(prec, sc);
}

static em_type *infer_node(const jopts *o, const em_jnode *x) {
  switch (x->kind) {
  case EM_J_NULL: return em_type_null();
  case EM_J_TRUE: case EM_J_FALSE: return o->prims_as_string ? em_type_string() : em_type_boolean();
  case EM_J_INT: {
    if (o->prims_as_string) return em_type_string();
    int64_t v;
    if (em_java_parse_long(x->s, (size_t)x->len, INT64_MIN, INT64_MAX, &v)) return em_type_long();
    em_type *d = decimal_for(x->s, x->len, false);
    return d ? d : em_type_double();
  }
  case EM_J_FLOAT: {
    if (o->prims_as_string) return em_type_string();
    if (o->prefers_decimal) {
      em_type *d = decimal_for(x->s, x->len, true);
      if (d) return d;
    }
    return em_type_double();
  }
  case EM_J_NONNUM: return o->prims_as_string ? em_type_string() : em_type_double();
  case EM_J_STRING: return em_type_string();
  case EM_J_ARRAY: {
    em_type *e = em_type_null();
    for (int32_t i = 0; i < x->n && e; i++) e = merge(e, infer_node(o, x->items[i]));
    return e ? em_type_array(e, true) : NULL;
  }
  case EM_J_OBJECT: {
    /* Fields sorted by name; a repeated name merges its types. */
    em_type *st = em_type_struct_new(0);
    for (int32_t i = 0; i < x->n && st; i++) {
      em_type *one = em_type_struct_new(1);
      em_type *ft = infer_node(o, x->items[i]);
      if (!one || !ft) {
        if (one) em_type_unref(one);
        if (ft) em_type_unref(ft);
        em_type_unref(st);
        return NULL;
      }
      em_type_struct_set(one, 0, x->keys[i], ft, true, NULL);
      st = merge(st, one);
    }
    return st;
  }
  }
  return NULL;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(((const em_field *)a)->name, ((const em_field *)b)->name);
}

static bool integral(const em_type *t) { return t->id == EM_T_LONG || t->id == EM_T_INT; }

/* JsonInferSchema.compatibleType; takes both references. */
static em_type *merge(em_type *a, em_type *b) {
  if (!a || !b) {
    if (a) em_type_unref(a);
    if (b) em_type_unref(b);
    return NULL;
  }
  em_type *r = NULL;
  if (em_type_equal(a, b, true)) r = em_type_ref(a);
  else if (a->id == EM_T_NULL) r = em_type_ref(b);
  else if (b->id == EM_T_NULL) r = em_type_ref(a);
  else if ((integral(a) || a->id == EM_T_DOUBLE) && (integral(b) || b->id == EM_T_DOUBLE))
    r = em_type_ref(a->id == EM_T_DOUBLE || b->id == EM_T_DOUBLE ? em_type_double() : em_type_long());
  else if ((a->id == EM_T_DOUBLE && b->id == EM_T_DECIMAL) || (a->id == EM_T_DECIMAL && b->id == EM_T_DOUBLE))
    r = em_type_double();
  else if (a->id == EM_T_DECIMAL && (b->id == EM_T_DECIMAL || integral(b))) {
    int bp = b->id == EM_T_DECIMAL ? b->u.dec.precision : 20, bs = b->id == EM_T_DECIMAL ? b->u.dec.scale : 0;
    int scale = a->u.dec.scale > bs ? a->u.dec.scale : bs;
    int ra = a->u.dec.precision - a->u.dec.scale, rb = bp - bs;
    int range = ra > rb ? ra : rb;
    r = range + scale > 38 ? em_type_double() : em_type_decimal(range + scale, scale);
  } else if (integral(a) && b->id == EM_T_DECIMAL) {
    em_type_unref(a);
    return merge(b, em_type_long());
  } else if (a->id == EM_T_STRUCT && b->id == EM_T_STRUCT) {
    int n = a->u.st.nfields + b->u.st.nfields;
    em_field *fs = em_calloc((size_t)n + 1, sizeof *fs);
    int k = 0;
    for (int i = 0; fs && i < a->u.st.nfields; i++) fs[k++] = a->u.st.fields[i];
    for (int i = 0; fs && i < b->u.st.nfields; i++) {
      int f = -1;
      for (int j = 0; j < k && f < 0; j++)
        if (strcmp(fs[j].name, b->u.st.fields[i].name) == 0) f = j;
      if (f < 0) fs[k++] = b->u.st.fields[i];
    }
    if (fs) qsort(fs, (size_t)k, sizeof *fs, cmp_name);
    r = fs ? em_type_struct_new(k) : NULL;
    for (int i = 0; r && i < k; i++) {
      em_type *fa = NULL, *fb = NULL;
      for (int j = 0; j < a->u.st.nfields; j++)
        if (strcmp(a->u.st.fields[j].name, fs[i].name) == 0) fa = a->u.st.fields[j].type;
      for (int j = 0; j < b->u.st.nfields; j++)
        if (strcmp(b->u.st.fields[j].name, fs[i].name) == 0) fb = b->u.st.fields[j].type;
      em_type *ft = fa && fb ? merge(em_type_ref(fa), em_type_ref(fb)) : em_type_ref(fa ? fa : fb);
      if (!ft || em_type_struct_set(r, i, fs[i].name, ft, true, NULL)) {
        em_type_unref(r);
        r = NULL;
      }
    }
    em_free(fs);
  } else if (a->id == EM_T_ARRAY && b->id == EM_T_ARRAY) {
    em_type *e = merge(em_type_ref(a->u.array.elem), em_type_ref(b->u.array.elem));
    r = e ? em_type_array(e, a->u.array.contains_null || b->u.array.contains_null) : NULL;
  } else {
    r = em_type_string();
  }
  em_type_unref(a);
  em_type_unref(b);
  return r;
}

/* canonicalizeType: null -> string, empty nested structs dropped (NULL). */
static em_type *canonical(const em_type *t, bool root) {
  switch (t->id) {
  case EM_T_NULL: return em_type_string();
  case EM_T_ARRAY: {
    em_type *e = canonical(t->u.array.elem, false);
    return e ? em_type_array(e, t->u.array.contains_null) : NULL;
  }
  case EM_T_STRUCT: {
    em_type **fts = em_calloc((size_t)t->u.st.nfields + 1, sizeof *fts);
    int k = 0;
    for (int i = 0; fts && i < t->u.st.nfields; i++)
      if (*t->u.st.fields[i].name && (fts[i] = canonical(t->u.st.fields[i].type, false))) k++;
    em_type *r = (fts && (k > 0 || root)) ? em_type_struct_new(k) : NULL;
    int j = 0;
    for (int i = 0; fts && i < t->u.st.nfields; i++) {
      if (!fts[i]) continue;
      if (r) em_type_struct_set(r, j++, t->u.st.fields[i].name, fts[i], true, NULL);
      else em_type_unref(fts[i]);
    }
    em_free(fts);
    return r;
  }
  default: return em_type_ref((em_type *)t);
  }
}

static em_type *corrupt_struct(const char *name) {
  em_type *t = em_type_struct_new(1);
  if (t) em_type_struct_set(t, 0, name, em_type_string(), true, NULL);
  return t;
}

/* The root type of one record (NULL type for nothing). *bad on parse error. */
static em_type *record_type(const jopts *o, const char *p, size_t n, em_arena *a, bool *bad) {
  bool empty;
  *bad = false;
  em_jnode *x = em_json_parse(&o->j, p, n, a, &empty);
  if (empty) return em_type_null();
  if (!x || (x->kind != EM_J_OBJECT && x->kind != EM_J_ARRAY)) {
    *bad = true;
    return NULL;
  }
  if (x->kind == EM_J_OBJECT) return infer_node(o, x);
  em_type *t = em_type_null();
  for (int32_t i = 0; i < x->n && t; i++) {
    if (x->items[i]->kind != EM_J_OBJECT) {
      em_type_unref(t);
      *bad = true;
      return NULL;
    }
    t = merge(t, infer_node(o, x->items[i]));
  }
  return t;
}

static int json_infer(const em_file *files, int nfiles, const em_options *eo, const char *session_tz, em_type **out,
                      em_error *err) {
  jopts o;
  if (jopts_init(&o, eo, session_tz, err)) return -1;
  em_type *root = em_type_null();
  em_arena a;
  em_arena_init(&a, 1 << 16);
  int rc = 0;
  for (int f = 0; !rc && f < nfiles; f++) {
    em_split sp = {.file = &files[f], .start = 0, .length = -1};
    em_text_in in;
    rc = em_text_in_open(&in, &sp, o.charset, o.multiline ? NULL : o.line_sep, err);
    for (;;) {
      if (rc) break;
      const char *p;
      size_t n;
      if (o.multiline) {
        const uint8_t *all;
        rc = em_text_in_all(&in, &all, &n, err);
        p = (const char *)all;
      } else {
        int got = em_text_in_line(&in, err);
        if (got < 0) rc = -1;
        if (got <= 0) break;
        p = in.line.data ? in.line.data : "";
        n = in.line.len;
      }
      if (rc) break;
      bool bad;
      em_type *t = record_type(&o, p, n, &a, &bad);
      em_arena_reset(&a);
      if (bad) {
        if (o.mode == 2) rc = em_malformed_error(err, p, n);
        else if (o.mode == 0) t = corrupt_struct(o.corrupt_col);
      }
      if (t) root = merge(root, t);
      if (!root) rc = em_error_internal(err, "out of memory");
      if (o.multiline) break;
    }
    em_text_in_close(&in);
  }
  em_arena_destroy(&a);
  if (rc) {
    if (root) em_type_unref(root);
    return -1;
  }
  em_type *r = root->id == EM_T_STRUCT ? canonical(root, true) : em_type_struct_new(0);
  em_type_unref(root);
  if (!r) return em_error_internal(err, "out of memory");
  *out = r;
  return 0;
}

/* ---- reading ---- */

struct em_format_reader {
  jopts o;
  em_text_in in;
  em_type *out_schema;
  int ncols;
  int *field;  /* per requested column: data schema field, -1 = corrupt column */
  const em_type *data_schema;
  em_arena arena;
  int64_t batch_rows;
  bool done;
  em_strbuf tmp;
  const em_jnode **vals;
};

static bool str_eq(const char *s, int32_t n, const char *lit) { return (size_t)n == strlen(lit) && !memcmp(s, lit, (size_t)n); }

/* Converts x to the non-nested type t, appending to v (v NULL: only
 * checks). Nested types: check() and put() below. */
static bool conv(em_format_reader *r, const em_jnode *x, const em_type *t, em_vec *v) {
  if (x->kind == EM_J_NULL) return v ? em_vec_append_null(v) == 0 : true;
  int64_t i64;
  switch (t->id) {
  case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR:
    if (!v) return true;
    if (x->kind == EM_J_STRING) return em_vec_append_bytes(v, x->s, (size_t)x->len) == 0;
    em_strbuf_reset(&r->tmp);
    em_json_write_node(x, &r->tmp);
    return em_vec_append_bytes(v, r->tmp.data ? r->tmp.data : "", r->tmp.len) == 0;
  case EM_T_BOOLEAN:
    if (x->kind != EM_J_TRUE && x->kind != EM_J_FALSE) return false;
    return v ? em_vec_append_bool(v, x->kind == EM_J_TRUE) == 0 : true;
  case EM_T_BYTE: case EM_T_SHORT: case EM_T_INT: case EM_T_LONG: {
    int64_t lo = t->id == EM_T_BYTE ? INT8_MIN : t->id == EM_T_SHORT ? INT16_MIN : t->id == EM_T_INT ? INT32_MIN : INT64_MIN;
    int64_t hi = t->id == EM_T_BYTE ? INT8_MAX : t->id == EM_T_SHORT ? INT16_MAX : t->id == EM_T_INT ? INT32_MAX : INT64_MAX;
    if (x->kind != EM_J_INT || !em_java_parse_long(x->s, (size_t)x->len, lo, hi, &i64)) return false;
    if (!v) return true;
    if (t->id == EM_T_BYTE) { int8_t b = (int8_t)i64; return em_vec_append_fixed(v, &b) == 0; }
    if (t->id == EM_T_SHORT) { int16_t b = (int16_t)i64; return em_vec_append_fixed(v, &b) == 0; }
    if (t->id == EM_T_INT) { int32_t b = (int32_t)i64; return em_vec_append_fixed(v, &b) == 0; }
    return em_vec_append_fixed(v, &i64) == 0;
  }
  case EM_T_FLOAT: case EM_T_DOUBLE: {
    double d;
    if (x->kind == EM_J_INT || x->kind == EM_J_FLOAT) {
      if (!em_java_parse_double(x->s, (size_t)x->len, &d)) return false;
    } else if (x->kind == EM_J_NONNUM || x->kind == EM_J_STRING) {
      if (str_eq(x->s, x->len, "NaN")) d = NAN;
      else if (str_eq(x->s, x->len, "Infinity") || str_eq(x->s, x->len, "+Infinity") || str_eq(x->s, x->len, "+INF") ||
               str_eq(x->s, x->len, "INF"))
        d = INFINITY;
      else if (str_eq(x->s, x->len, "-Infinity") || str_eq(x->s, x->len, "-INF")) d = -INFINITY;
      else return false;
    } else return false;
    if (!v) return true;
    if (t->id == EM_T_FLOAT) { float f = (float)d; return em_vec_append_fixed(v, &f) == 0; }
    return em_vec_append_fixed(v, &d) == 0;
  }
  case EM_T_DECIMAL: {
    __int128 u, out;
    int p, sc;
    if (x->kind != EM_J_INT && x->kind != EM_J_FLOAT && x->kind != EM_J_STRING) return false;
    if (!em_java_parse_bigdecimal(x->s, (size_t)x->len, &u, &p, &sc) || p > 38 ||
        !em_decimal_fit(u, sc, t->u.dec.precision, t->u.dec.scale, &out))
      return false;
    return v ? em_vec_append_fixed(v, &out) == 0 : true;
  }
  case EM_T_DATE: {
    int32_t d;
    if (x->kind != EM_J_STRING) return false;
    if (!em_dtfmt_parse_date(&r->o.date, x->s, (size_t)x->len, &d) &&
        (r->o.date_format || !em_spark_parse_date(x->s, (size_t)x->len, &d)))
      return false;
    return v ? em_vec_append_fixed(v, &d) == 0 : true;
  }
  case EM_T_TIMESTAMP: case EM_T_TIMESTAMP_NTZ: {
    bool ntz = t->id == EM_T_TIMESTAMP_NTZ;
    const em_tz *tz = ntz ? NULL : r->o.tz;
    if (x->kind == EM_J_INT && !ntz) {
      if (!em_java_parse_long(x->s, (size_t)x->len, INT64_MIN / 1000000, INT64_MAX / 1000000, &i64)) return false;
      i64 *= 1000000;
    } else if (x->kind == EM_J_STRING) {
      const em_dtfmt *f = ntz ? &r->o.ts_ntz : &r->o.ts;
      const char *given = ntz ? r->o.ts_ntz_format : r->o.ts_format;
      if (!em_dtfmt_parse_ts(f, x->s, (size_t)x->len, tz, &i64) &&
          (given || !em_spark_parse_ts(x->s, (size_t)x->len, tz, &i64)))
        return false;
    } else return false;
    return v ? em_vec_append_fixed(v, &i64) == 0 : true;
  }
  default: return false;
  }
}

static void json_close(em_format_reader *r) {
  if (!r) return;
  em_text_in_close(&r->in);
  if (r->out_schema) em_type_unref(r->out_schema);
  em_free(r->field);
  em_free(r->vals);
  em_strbuf_free(&r->tmp);
  em_arena_destroy(&r->arena);
  em_free(r);
}

static int json_open(const em_read_request *req, em_format_reader **out, em_error *err) {
  em_format_reader *r = em_calloc(1, sizeof *r);
  if (!r) return em_error_internal(err, "out of memory");
  em_arena_init(&r->arena, 1 << 16);
  em_strbuf_init(&r->tmp);
  if (jopts_init(&r->o, req->options, req->session_tz, err)) {
    json_close(r);
    return -1;
  }
  r->data_schema = req->data_schema;
  r->ncols = req->ncolumns;
  r->field = em_calloc((size_t)r->ncols + 1, sizeof *r->field);
  r->vals = em_calloc((size_t)r->ncols + 1, sizeof *r->vals);
  r->out_schema = em_type_struct_new(r->ncols);
  if (!r->field || !r->vals || !r->out_schema) {
    json_close(r);
    return em_error_internal(err, "out of memory");
  }
  for (int k = 0; k < r->ncols; k++) {
    const em_field *f = &req->data_schema->u.st.fields[req->columns[k]];
    em_type_struct_set(r->out_schema, k, f->name, em_type_ref(f->type), f->nullable, f->metadata);
    r->field[k] = strcmp(f->name, r->o.corrupt_col) == 0 && em_type_is_string_like(f->type) ? -1 : req->columns[k];
  }
  r->batch_rows = req->batch_rows > 0 ? req->batch_rows : 4096;
  if (r->o.multiline && req->split->start != 0) r->done = true;
  else if (em_text_in_open(&r->in, req->split, r->o.charset, r->o.multiline ? NULL : r->o.line_sep, err)) {
    json_close(r);
    return -1;
  }
  *out = r;
  return 0;
}

/* ---- partial results ----
 * Spark's JacksonParser (spark.sql.json.enablePartialResults, on by
 * default) keeps what converts of a malformed record: a top-level field or
 * a struct field that does not convert is null and the others keep their
 * values; a struct with such a field is kept partially; an array is
 * kept when only partial structs spoil it, and is null when an element
 * does not convert at all; a map is null when a value does not convert.
 * The record still counts as malformed (corrupt-record column, DROPMALFORMED,
 * FAILFAST). */
enum { CV_OK, CV_PARTIAL, CV_FAIL };

static int check(em_format_reader *r, const em_jnode *x, const em_type *t);

/* The value field `name` of object x ends with, as Spark's convertObject
 * leaves it: each occurrence converts in turn, one that does not convert
 * keeps the value before it (NULL: none). *st: CV_OK when every occurrence
 * converts, else CV_PARTIAL. */
static const em_jnode *field_of(em_format_reader *r, const em_jnode *x, const char *name, const em_type *t,
                                int *st) {
  const em_jnode *v = NULL;
  *st = CV_OK;
  for (int32_t i = 0; i < x->n; i++) {
    if (strcmp(x->keys[i], name) != 0) continue;
    int s = check(r, x->items[i], t);
    if (s != CV_OK) *st = CV_PARTIAL;
    if (s != CV_FAIL) v = x->items[i];
  }
  return v;
}

static int check(em_format_reader *r, const em_jnode *x, const em_type *t) {
  if (x->kind == EM_J_NULL) return CV_OK;
  int worst = CV_OK, st;
  switch (t->id) {
  case EM_T_STRUCT:
    if (x->kind != EM_J_OBJECT) return CV_FAIL;
    for (int f = 0; f < t->u.st.nfields; f++) {
      field_of(r, x, t->u.st.fields[f].name, t->u.st.fields[f].type, &st);
      if (st != CV_OK) worst = CV_PARTIAL;
    }
    return worst;
  case EM_T_ARRAY:
    if (x->kind != EM_J_ARRAY) return CV_FAIL;
    for (int32_t i = 0; i < x->n; i++) {
      int s = check(r, x->items[i], t->u.array.elem);
      if (s == CV_FAIL) return CV_FAIL;
      if (s == CV_PARTIAL) worst = CV_PARTIAL;
    }
    return worst;
  case EM_T_MAP:
    if (x->kind != EM_J_OBJECT || !em_type_is_string_like(t->u.map.key)) return CV_FAIL;
    for (int32_t i = 0; i < x->n; i++) {
      int s = check(r, x->items[i], t->u.map.value);
      if (s == CV_FAIL) return CV_FAIL;
      if (s == CV_PARTIAL) worst = CV_PARTIAL;
    }
    return worst;
  default: return conv(r, x, t, NULL) ? CV_OK : CV_FAIL;
  }
}

/* Appends x as type t, keeping partial values (check(x) != CV_FAIL). */
static bool put(em_format_reader *r, const em_jnode *x, const em_type *t, em_vec *v) {
  if (x->kind == EM_J_NULL) return em_vec_append_null(v) == 0;
  switch (t->id) {
  case EM_T_STRUCT:
    for (int f = 0; f < t->u.st.nfields; f++) {
      int st;
      const em_type *ft = t->u.st.fields[f].type;
      const em_jnode *fv = field_of(r, x, t->u.st.fields[f].name, ft, &st);
      bool ok = fv ? put(r, fv, ft, v->children[f]) : em_vec_append_null(v->children[f]) == 0;
      if (!ok) return false;
    }
    return em_vec_append_struct_end(v, true) == 0;
  case EM_T_ARRAY:
    for (int32_t i = 0; i < x->n; i++)
      if (!put(r, x->items[i], t->u.array.elem, v->children[0])) return false;
    return em_vec_append_list_end(v) == 0;
  case EM_T_MAP: {
    em_vec *ent = v->children[0];
    for (int32_t i = 0; i < x->n; i++)
      if (em_vec_append_bytes(ent->children[0], x->keys[i], (size_t)x->key_lens[i]) ||
          !put(r, x->items[i], t->u.map.value, ent->children[1]) || em_vec_append_struct_end(ent, true))
        return false;
    return em_vec_append_list_end(v) == 0;
  }
  default: return conv(r, x, t, v);
  }
}

/* Matches the requested columns to the fields of object x (NULL: the
 * record is not an object): r->vals[k] the value to put (NULL: null).
 * Returns CV_OK, CV_PARTIAL (some values dropped or partial) or CV_FAIL
 * (not an object: nothing kept). */
static int match_row(em_format_reader *r, const em_jnode *x, const em_jnode **vals) {
  if (!x || x->kind != EM_J_OBJECT) {
    for (int k = 0; k < r->ncols; k++) vals[k] = NULL;
    return CV_FAIL;
  }
  int worst = CV_OK;
  for (int k = 0; k < r->ncols; k++) {
    vals[k] = NULL;
    if (r->field[k] < 0) continue;
    const em_field *f = &r->data_schema->u.st.fields[r->field[k]];
    int s;
    vals[k] = field_of(r, x, f->name, f->type, &s);
    if (s != CV_OK) worst = CV_PARTIAL;
  }
  return worst;
}

/* Appends one row of the values matched by match_row; `bad` puts the raw
 * record text into the corrupt-record column. */
static int put_row(em_format_reader *r, const em_jnode **vals, bool bad, const char *raw, size_t rn, em_vec **cols,
                   int64_t *rows, em_error *err) {
  for (int k = 0; k < r->ncols; k++) {
    bool ok;
    if (r->field[k] < 0) ok = bad ? em_vec_append_bytes(cols[k], raw, rn) == 0 : em_vec_append_null(cols[k]) == 0;
    else if (vals[k]) ok = put(r, vals[k], r->data_schema->u.st.fields[r->field[k]].type, cols[k]);
    else ok = em_vec_append_null(cols[k]) == 0;
    if (!ok) return em_error_internal(err, "out of memory");
  }
  (*rows)++;
  return 0;
}

/* Appends the rows of one record x (NULL: not valid JSON): an object is a
 * row, an array of objects a row per element. A record with a bad part
 * marks every row it makes as corrupt (Spark's PartialResultArrayException);
 * an array element that is not an object spoils the whole record. */
static int add_record(em_format_reader *r, const em_jnode *x, const char *raw, size_t rn, em_vec **cols,
                      int64_t *rows, em_error *err) {
  const em_jnode *one = x;
  int32_t n = 1;
  if (x && x->kind == EM_J_ARRAY) {
    n = x->n;
    for (int32_t i = 0; i < n; i++)
      if (x->items[i]->kind != EM_J_OBJECT) {
        one = NULL;
        n = 1;
        break;
      }
  }
  bool array = one && one->kind == EM_J_ARRAY;
  int worst = CV_OK;
  for (int32_t i = 0; i < n && worst != CV_FAIL; i++) {
    int s = match_row(r, array ? one->items[i] : one, r->vals);
    if (s > worst) worst = s;
  }
  if (worst != CV_OK && r->o.mode == 1) return 0;
  if (worst != CV_OK && r->o.mode == 2) return em_malformed_error(err, raw, rn);
  if (worst == CV_FAIL) {
    match_row(r, NULL, r->vals);
    return put_row(r, r->vals, true, raw, rn, cols, rows, err);
  }
  for (int32_t i = 0; i < n; i++) {
    match_row(r, array ? one->items[i] : one, r->vals);
    if (put_row(r, r->vals, worst != CV_OK, raw, rn, cols, rows, err)) return -1;
  }
  return 0;
}

static int json_next(em_format_reader *r, em_batch **out, em_error *err) {
  *out = NULL;
  if (r->done) return 0;
  em_vec **cols = em_calloc((size_t)r->ncols + 1, sizeof *cols);
  int rc = cols ? 0 : em_error_internal(err, "out of memory");
  for (int k = 0; !rc && k < r->ncols; k++)
    if (!(cols[k] = em_vec_new(r->out_schema->u.st.fields[k].type, 256))) rc = em_error_internal(err, "out of memory");
  int64_t rows = 0;
  while (!rc && rows < r->batch_rows && !r->done) {
    const char *p;
    size_t n;
    if (r->o.multiline) {
      const uint8_t *all;
      rc = em_text_in_all(&r->in, &all, &n, err);
      p = (const char *)all;
      r->done = true;
    } else {
      int got = em_text_in_line(&r->in, err);
      if (got < 0) rc = -1;
      if (got <= 0) {
        r->done = true;
        break;
      }
      p = r->in.line.data ? r->in.line.data : "";
      n = r->in.line.len;
    }
    if (rc) break;
    em_arena_reset(&r->arena);
    bool empty;
    em_jnode *x = em_json_parse(&r->o.j, p, n, &r->arena, &empty);
    if (empty) continue;
    rc = add_record(r, x, p, n, cols, &rows, err);
  }
  if (!rc && rows > 0) {
    *out = em_batch_new(em_type_ref(r->out_schema), r->ncols, cols, rows);
    em_free(cols);
    return *out ? 0 : em_error_internal(err, "out of memory");
  }
  for (int k = 0; cols && k < r->ncols; k++)
    if (cols[k]) em_vec_unref(cols[k]);
  em_free(cols);
  return rc;
}

static int json_splittable(const em_file *f, const em_options *o) {
  const char *ml = em_options_get(o, "multiLine");
  if (ml && strcasecmp(ml, "true") == 0) return 0;
  return !em_text_whole_file(f->path, o);
}

const em_format em_format_json = {
    .name = "json",
    .infer_schema = json_infer,
    .splittable = json_splittable,
    .open = json_open,
    .next = json_next,
    .close = json_close,
    .extension = em_json_extension,
    .write_open = em_json_write_open,
    .write_batch = em_json_write_batch,
    .write_close = em_json_write_close,
    .write_check = em_json_write_check,
};
