/*
 * CSV schema inference, as Spark's CSVInferSchema: the first record of
 * the first file gives the column count and (header=true) the names, made
 * safe as Spark does (empty -> _c<i>, duplicates get their index
 * appended); without inferSchema every column is a string. With it, each
 * field's type is guessed by the chain int -> long -> decimal (no
 * fractional digits) -> double -> date (preferDate) -> timestamp ->
 * boolean -> string, starting from the type found so far, and types merge
 * with TypeCoercion's tightest common type plus CSV's rules (decimal
 * widening, double over decimal, dates with lenient timestamps, anything
 * else string). Columns with no value at all become strings.
 */
#include "csv_int.h"

#include <math.h>
#include <string.h>
#include <strings.h>

enum { T_NULL, T_INT, T_LONG, T_DEC, T_DOUBLE, T_DATE, T_TS, T_BOOL, T_STRING };

typedef struct itype {
  int id;
  int p, s; /* decimal */
} itype;

static bool eq_str(const char *s, size_t n, const char *lit) { return strlen(lit) == n && memcmp(s, lit, n) == 0; }

static itype mk(int id) { return (itype){id, 0, 0}; }

static itype try_bool(const char *s, size_t n) {
  if ((n == 4 && strncasecmp(s, "true", 4) == 0) || (n == 5 && strncasecmp(s, "false", 5) == 0)) return mk(T_BOOL);
  return mk(T_STRING);
}

static itype try_ts(const em_csv_opts *c, const char *s, size_t n) {
  int64_t us;
  if (em_dtfmt_parse_ts(&c->ts, s, n, c->tz, &us)) return mk(T_TS);
  return try_bool(s, n);
}

static itype try_date(const em_csv_opts *c, const char *s, size_t n) {
  int32_t d;
  if (em_dtfmt_parse_date(&c->date, s, n, &d)) return mk(T_DATE);
  return try_ts(c, s, n);
}

static itype try_double(const em_csv_opts *c, const char *s, size_t n) {
  double d;
  if (em_java_parse_double(s, n, &d) || eq_str(s, n, c->nan_value) || eq_str(s, n, c->pos_inf) ||
      eq_str(s, n, c->neg_inf))
    return mk(T_DOUBLE);
  return c->prefer_date ? try_date(c, s, n) : try_ts(c, s, n);
}

static itype try_decimal(const em_csv_opts *c, const char *s, size_t n) {
  __int128 v;
  int p, sc;
  if (em_java_parse_bigdecimal(s, n, &v, &p, &sc)) {
    if (sc <= 0) {
      /* DecimalType(precision, scale) refuses a negative scale and
       * precisions over 38: such values fall through to double. */
      if (sc == 0 && p <= 38) return (itype){T_DEC, p, 0};
    }
  }
  return try_double(c, s, n);
}

static itype try_long(const em_csv_opts *c, const char *s, size_t n) {
  int64_t v;
  if (em_java_parse_long(s, n, INT64_MIN, INT64_MAX, &v)) return mk(T_LONG);
  return try_decimal(c, s, n);
}

static itype try_int(const em_csv_opts *c, const char *s, size_t n) {
  int64_t v;
  if (em_java_parse_long(s, n, INT32_MIN, INT32_MAX, &v)) return mk(T_INT);
  return try_long(c, s, n);
}

static bool is_integral(int id) { return id == T_INT || id == T_LONG; }

static itype dec_of(itype t) {
  if (t.id == T_INT) return (itype){T_DEC, 10, 0};
  if (t.id == T_LONG) return (itype){T_DEC, 20, 0};
  return t;
}

static bool lenient_date_format(const em_csv_opts *c) {
  static const char *const ok[] = {"yyyy-MM-dd", "yyyy-M-d", "yyyy-M-dd", "yyyy-MM-d", "yyyy-MM", "yyyy-M", "yyyy"};
  const char *df = c->date_format ? c->date_format : "yyyy-MM-dd";
  for (size_t i = 0; i < EM_ARRAY_LEN(ok); i++)
    if (strcmp(df, ok[i]) == 0) return true;
  return false;
}

/* compatibleType: Some(type) or {-1} for None. */
static itype compatible(const em_csv_opts *c, itype a, itype b) {
  if ((a.id == T_DATE && b.id == T_TS) || (a.id == T_TS && b.id == T_DATE))
    return !c->ts_format && lenient_date_format(c) ? mk(T_TS) : mk(T_STRING);
  /* findTightestCommonType */
  if (a.id == b.id && (a.id != T_DEC || (a.p == b.p && a.s == b.s))) return a;
  if (a.id == T_NULL) return b;
  if (b.id == T_NULL) return a;
  if ((is_integral(a.id) || a.id == T_DOUBLE) && (is_integral(b.id) || b.id == T_DOUBLE))
    return mk(a.id > b.id ? a.id : b.id);
  /* CSV's rules */
  if (a.id == T_STRING || b.id == T_STRING) return mk(T_STRING);
  if (is_integral(a.id) && b.id == T_DEC) return compatible(c, dec_of(a), b);
  if (a.id == T_DEC && is_integral(b.id)) return compatible(c, a, dec_of(b));
  if ((a.id == T_DOUBLE && b.id == T_DEC) || (a.id == T_DEC && b.id == T_DOUBLE)) return mk(T_DOUBLE);
  if (a.id == T_DEC && b.id == T_DEC) {
    int scale = a.s > b.s ? a.s : b.s;
    int range = a.p - a.s > b.p - b.s ? a.p - a.s : b.p - b.s;
    if (range + scale > 38) return mk(T_DOUBLE);
    return (itype){T_DEC, range + scale, scale};
  }
  return (itype){-1, 0, 0};
}

static itype infer_field(const em_csv_opts *c, itype so_far, const char *s, int32_t len) {
  if (len <= 0 || eq_str(s, (size_t)len, c->null_value)) return so_far;
  size_t n = (size_t)len;
  itype t;
  switch (so_far.id) {
  case T_NULL: case T_INT: t = try_int(c, s, n); break;
  case T_LONG: t = try_long(c, s, n); break;
  case T_DEC: t = try_decimal(c, s, n); break;
  case T_DOUBLE: t = try_double(c, s, n); break;
  case T_DATE: t = try_date(c, s, n); break;
  case T_TS: t = try_ts(c, s, n); break;
  case T_BOOL: t = try_bool(s, n); break;
  default: t = mk(T_STRING); break;
  }
  itype r = compatible(c, so_far, t);
  return r.id < 0 ? mk(T_STRING) : r;
}

static em_type *to_type(itype t) {
  switch (t.id) {
  case T_INT: return em_type_int();
  case T_LONG: return em_type_long();
  case T_DEC: return em_type_decimal(t.p, t.s);
  case T_DOUBLE: return em_type_double();
  case T_DATE: return em_type_date();
  case T_TS: return em_type_timestamp();
  case T_BOOL: return em_type_boolean();
  default: return em_type_string();
  }
}

typedef struct infer_state {
  em_csv_opts c;
  bool have_first;
  char *first_line;
  size_t first_len;
  int ncols;
  char **names;
  itype *types;
} infer_state;

static int on_record(infer_state *st, em_csv_tokens *t, const char *raw, size_t raw_len, em_error *err) {
  if (!st->have_first) {
    st->have_first = true;
    st->ncols = t->n;
    st->first_line = em_strndup(raw, raw_len);
    st->first_len = raw_len;
    st->names = em_calloc((size_t)t->n + 1, sizeof *st->names);
    st->types = em_calloc((size_t)t->n + 1, sizeof *st->types);
    if (!st->first_line || !st->names || !st->types) return em_error_internal(err, "out of memory");
    for (int i = 0; i < t->n; i++) {
      char tmp[32];
      const char *nm = NULL;
      size_t nl = 0;
      if (st->c.header && t->len[i] > 0) {
        nm = t->buf.data + t->start[i];
        nl = (size_t)t->len[i];
        if (eq_str(nm, nl, st->c.null_value)) nm = NULL;
      }
      if (!nm) {
        snprintf(tmp, sizeof tmp, "_c%d", i);
        nm = tmp;
        nl = strlen(tmp);
      }
      if (!(st->names[i] = em_strndup(nm, nl))) return em_error_internal(err, "out of memory");
    }
    if (st->c.header) {
      /* makeSafeHeader: duplicate names (case-insensitive) get their index. */
      bool *dup = em_calloc((size_t)t->n + 1, sizeof *dup);
      if (!dup) return em_error_internal(err, "out of memory");
      for (int i = 0; i < t->n; i++)
        for (int j = 0; j < t->n; j++)
          if (j != i && t->len[i] > 0 && strcasecmp(st->names[i], st->names[j]) == 0) dup[i] = true;
      for (int i = 0; i < t->n; i++) {
        if (!dup[i]) continue;
        char *nn = em_malloc(strlen(st->names[i]) + 16);
        if (!nn) {
          em_free(dup);
          return em_error_internal(err, "out of memory");
        }
        sprintf(nn, "%s%d", st->names[i], i);
        em_free(st->names[i]);
        st->names[i] = nn;
      }
      em_free(dup);
      return 0;
    }
  } else if (st->c.header && raw_len == st->first_len && memcmp(raw, st->first_line, raw_len) == 0) {
    return 0;
  }
  if (!st->c.infer) return 0;
  int m = t->n < st->ncols ? t->n : st->ncols;
  for (int i = 0; i < m; i++)
    st->types[i] = infer_field(&st->c, st->types[i], t->len[i] >= 0 ? t->buf.data + t->start[i] : NULL, t->len[i]);
  return 0;
}

static int scan_file(infer_state *st, const em_file *f, em_error *err) {
  em_split sp = {.file = f, .start = 0, .length = -1};
  em_text_in in;
  em_csv_tokens tok = {0};
  int rc = em_text_in_open(&in, &sp, st->c.charset, st->c.multiline ? NULL : st->c.line_sep, err);
  if (!rc && st->c.multiline) {
    const uint8_t *p;
    size_t n, pos = 0;
    rc = em_text_in_all(&in, &p, &n, err);
    const char *s = (const char *)p;
    while (!rc && pos < n) {
      size_t e = pos;
      while (e < n && s[e] != '\n' && s[e] != '\r') e++;
      if (em_csv_skip_line(&st->c, s + pos, e - pos)) {
        pos = e < n ? e + 1 : e;
        continue;
      }
      size_t startp = pos;
      rc = em_csv_tokenize(&st->c, s, n, &pos, true, &tok, err);
      size_t end = pos;
      while (end > startp && (s[end - 1] == '\n' || s[end - 1] == '\r')) end--;
      if (!rc) rc = on_record(st, &tok, s + startp, end - startp, err);
    }
  } else {
    while (!rc) {
      int got = em_text_in_line(&in, err);
      if (got < 0) rc = -1;
      if (got <= 0) break;
      const char *s = in.line.data ? in.line.data : "";
      if (em_csv_skip_line(&st->c, s, in.line.len)) continue;
      size_t pos = 0;
      rc = em_csv_tokenize(&st->c, s, in.line.len, &pos, false, &tok, err);
      if (!rc) rc = on_record(st, &tok, s, in.line.len, err);
      if (!st->c.infer && st->have_first) break; /* only the first record matters */
    }
  }
  em_text_in_close(&in);
  em_csv_tokens_free(&tok);
  return rc;
}

int em_csv_infer_schema(const em_file *files, int nfiles, const em_options *o, const char *session_tz,
                        em_type **out, em_error *err) {
  infer_state st;
  memset(&st, 0, sizeof st);
  int rc = em_csv_opts_init(&st.c, o, session_tz, err);
  for (int i = 0; !rc && i < nfiles; i++) {
    if (!st.c.infer && st.have_first) break;
    rc = scan_file(&st, &files[i], err);
  }
  em_type *t = NULL;
  if (!rc) {
    t = em_type_struct_new(st.ncols);
    if (!t) rc = em_error_internal(err, "out of memory");
    for (int i = 0; !rc && i < st.ncols; i++)
      if (em_type_struct_set(t, i, st.names[i], to_type(st.types[i]), true, NULL))
        rc = em_error_internal(err, "out of memory");
  }
  for (int i = 0; i < st.ncols; i++) em_free(st.names ? st.names[i] : NULL);
  em_free(st.names);
  em_free(st.types);
  em_free(st.first_line);
  em_csv_opts_free(&st.c);
  if (rc) {
    if (t) em_type_unref(t);
    return -1;
  }
  *out = t;
  return 0;
}
