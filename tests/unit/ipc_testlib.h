/*
 * Test helpers for the Arrow IPC tests (header-only: each test file is its
 * own executable): logical vector equality, file and .gz loading, a compact
 * JSON DOM parser, and a comparer that checks decoded vectors against the
 * Arrow integration-test JSON files (schema + batches + dictionaries),
 * applying the same conversions as our reader (units to micro/nanoseconds,
 * date64 to days, widened unsigned integers, decimal to 128 bits).
 */
#ifndef EM_TEST_IPC_TESTLIB_H
#define EM_TEST_IPC_TESTLIB_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arrow/arrow.h"

#define EM_TL static __attribute__((unused))

/* ---- vector equality ---- */

EM_TL bool em_test_row_equal(const em_vec *a, int64_t i, const em_vec *b, int64_t j);

EM_TL bool em_test_range_equal(const em_vec *a, int64_t i, const em_vec *b, int64_t j, int64_t n) {
  for (int64_t k = 0; k < n; k++)
    if (!em_test_row_equal(a, i + k, b, j + k)) return false;
  return true;
}

EM_TL bool em_test_row_equal(const em_vec *a, int64_t i, const em_vec *b, int64_t j) {
  bool an = em_vec_is_null(a, i), bn = em_vec_is_null(b, j);
  if (an != bn) return false;
  if (an) return true;
  const em_type *t = a->type;
  switch (t->id) {
  case EM_T_BOOLEAN: return em_bit_get(a->values->data, i) == em_bit_get(b->values->data, j);
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t n1, n2;
    const char *p1 = em_vec_str(a, i, &n1), *p2 = em_vec_str(b, j, &n2);
    return n1 == n2 && memcmp(p1, p2, (size_t)n1) == 0;
  }
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *o1 = em_vec_offsets(a), *o2 = em_vec_offsets(b);
    int64_t n1 = o1[i + 1] - o1[i], n2 = o2[j + 1] - o2[j];
    return n1 == n2 && em_test_range_equal(a->children[0], o1[i], b->children[0], o2[j], n1);
  }
  case EM_T_STRUCT:
    if (a->nchildren != b->nchildren) return false;
    for (int k = 0; k < a->nchildren; k++)
      if (!em_test_row_equal(a->children[k], i, b->children[k], j)) return false;
    return true;
  default: {
    int w = em_type_fixed_width(t);
    return memcmp(a->values->data + i * w, b->values->data + j * w, (size_t)w) == 0;
  }
  }
}

/* Same type id, length and rows. */
EM_TL bool em_test_vec_equal(const em_vec *a, const em_vec *b) {
  if (a->type->id != b->type->id && !(em_type_is_string_like(a->type) && em_type_is_string_like(b->type)))
    return false;
  return a->len == b->len && em_test_range_equal(a, 0, b, 0, a->len);
}

/* ---- files ---- */

EM_TL uint8_t *em_test_read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  uint8_t *d = malloc(cap);
  for (;;) {
    if (len == cap) d = realloc(d, cap *= 2);
    size_t r = fread(d + len, 1, cap - len, f);
    if (r == 0) break;
    len += r;
  }
  fclose(f);
  *n = len;
  return d;
}

EM_TL char *em_test_read_gz(const char *path, size_t *n) {
  gzFile g = gzopen(path, "rb");
  if (!g) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *d = malloc(cap + 1);
  for (;;) {
    if (len == cap) d = realloc(d, (cap *= 2) + 1);
    int r = gzread(g, d + len, (unsigned)(cap - len));
    if (r <= 0) break;
    len += (size_t)r;
  }
  gzclose(g);
  d[len] = 0;
  *n = len;
  return d;
}

/* ---- JSON ---- */

typedef enum { JNULL, JBOOL, JNUM, JSTR, JARR, JOBJ } jkind;
typedef struct jv jv;
struct jv {
  jkind k;
  bool b;
  char *s;      /* JSTR: decoded UTF-8 (slen bytes); JNUM: the literal */
  size_t slen;
  int n;        /* JARR/JOBJ element count */
  jv **items;   /* JARR elements / JOBJ values */
  char **keys;  /* JOBJ keys */
};

typedef struct jparser {
  const char *p, *end;
  bool bad;
} jparser;

EM_TL void jfree(jv *v) {
  if (!v) return;
  for (int i = 0; i < v->n; i++) {
    jfree(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->s);
  free(v);
}

EM_TL void jws(jparser *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

EM_TL void jput_utf8(char **o, unsigned cp) {
  char *q = *o;
  if (cp < 0x80) *q++ = (char)cp;
  else if (cp < 0x800) *q++ = (char)(0xC0 | (cp >> 6)), *q++ = (char)(0x80 | (cp & 0x3F));
  else if (cp < 0x10000)
    *q++ = (char)(0xE0 | (cp >> 12)), *q++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *q++ = (char)(0x80 | (cp & 0x3F));
  else
    *q++ = (char)(0xF0 | (cp >> 18)), *q++ = (char)(0x80 | ((cp >> 12) & 0x3F)),
    *q++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *q++ = (char)(0x80 | (cp & 0x3F));
  *o = q;
}

EM_TL char *jstring(jparser *j, size_t *len) {
  j->p++; /* opening quote */
  char *out = malloc((size_t)(j->end - j->p) + 1), *q = out;
  while (j->p < j->end && *j->p != '"') {
    if (*j->p != '\\') {
      *q++ = *j->p++;
      continue;
    }
    j->p++;
    char c = *j->p++;
    switch (c) {
    case 'n': *q++ = '\n'; break;
    case 't': *q++ = '\t'; break;
    case 'r': *q++ = '\r'; break;
    case 'b': *q++ = '\b'; break;
    case 'f': *q++ = '\f'; break;
    case 'u': {
      unsigned cp = (unsigned)strtoul((char[5]){j->p[0], j->p[1], j->p[2], j->p[3], 0}, NULL, 16);
      j->p += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && j->p[0] == '\\' && j->p[1] == 'u') {
        unsigned lo = (unsigned)strtoul((char[5]){j->p[2], j->p[3], j->p[4], j->p[5], 0}, NULL, 16);
        j->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      jput_utf8(&q, cp);
      break;
    }
    default: *q++ = c; break;
    }
  }
  j->p++;
  *q = 0;
  *len = (size_t)(q - out);
  return out;
}

EM_TL jv *jparse_value(jparser *j, int depth) {
  jws(j);
  if (j->p >= j->end || depth > 200) {
    j->bad = true;
    return NULL;
  }
  jv *v = calloc(1, sizeof *v);
  char c = *j->p;
  if (c == '{' || c == '[') {
    v->k = c == '{' ? JOBJ : JARR;
    j->p++;
    int cap = 0;
    for (;;) {
      jws(j);
      if (j->p < j->end && *j->p == (c == '{' ? '}' : ']')) {
        j->p++;
        break;
      }
      if (v->n == cap) {
        cap = cap ? cap * 2 : 8;
        v->items = realloc(v->items, (size_t)cap * sizeof *v->items);
        if (c == '{') v->keys = realloc(v->keys, (size_t)cap * sizeof *v->keys);
      }
      if (c == '{') {
        size_t kl;
        jws(j);
        if (j->p >= j->end || *j->p != '"') {
          j->bad = true;
          return v;
        }
        v->keys[v->n] = jstring(j, &kl);
        jws(j);
        j->p++; /* ':' */
      }
      v->items[v->n++] = jparse_value(j, depth + 1);
      if (j->bad) return v;
      jws(j);
      if (j->p < j->end && *j->p == ',') j->p++;
    }
  } else if (c == '"') {
    v->k = JSTR;
    v->s = jstring(j, &v->slen);
  } else if (c == 't' || c == 'f') {
    v->k = JBOOL;
    v->b = c == 't';
    j->p += c == 't' ? 4 : 5;
  } else if (c == 'n') {
    v->k = JNULL;
    j->p += 4;
  } else {
    v->k = JNUM;
    const char *s = j->p;
    while (j->p < j->end && strchr("+-0123456789.eE", *j->p)) j->p++;
    v->slen = (size_t)(j->p - s);
    v->s = malloc(v->slen + 1);
    memcpy(v->s, s, v->slen);
    v->s[v->slen] = 0;
  }
  return v;
}

EM_TL jv *jparse(const char *s, size_t n) {
  jparser j = {s, s + n, false};
  jv *v = jparse_value(&j, 0);
  if (j.bad) {
    jfree(v);
    return NULL;
  }
  return v;
}

EM_TL jv *jget(const jv *o, const char *key) {
  if (!o || o->k != JOBJ) return NULL;
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->keys[i], key) == 0) return o->items[i];
  return NULL;
}

EM_TL const char *jstr(const jv *o, const char *key) {
  jv *v = jget(o, key);
  return v && v->k == JSTR ? v->s : NULL;
}

/* Integer value of a number or a numeric string. */
EM_TL int64_t jint(const jv *v) {
  if (!v || (v->k != JNUM && v->k != JSTR)) return 0;
  return (int64_t)strtoll(v->s, NULL, 10);
}

EM_TL int64_t jint_key(const jv *o, const char *key, int64_t dflt) {
  jv *v = jget(o, key);
  return v ? jint(v) : dflt;
}

/* A decimal integer string as 128-bit two's complement (lo, hi). */
EM_TL void jdec128(const char *s, uint64_t out[2]) {
  bool neg = *s == '-';
  if (neg || *s == '+') s++;
  unsigned __int128 x = 0;
  for (; *s >= '0' && *s <= '9'; s++) x = x * 10 + (unsigned)(*s - '0');
  if (neg) x = ~x + 1;
  out[0] = (uint64_t)x;
  out[1] = (uint64_t)(x >> 64);
}

/* ---- comparing decoded vectors with the integration JSON ---- */

typedef struct jcmp {
  const jv *dicts;  /* the "dictionaries" array */
  char why[512];    /* first mismatch */
} jcmp;

static bool jrow_match(jcmp *c, const jv *field, const jv *col, int64_t jr, const em_vec *v, int64_t vr, bool dict);

EM_TL bool jfail(jcmp *c, const jv *field, int64_t row, const char *what) {
  if (!c->why[0])
    snprintf(c->why, sizeof c->why, "field %s row %lld: %s", jstr(field, "name") ? jstr(field, "name") : "?",
             (long long)row, what);
  return false;
}

EM_TL const jv *jdict_column(jcmp *c, int64_t id) {
  for (int i = 0; c->dicts && i < c->dicts->n; i++) {
    const jv *d = c->dicts->items[i];
    if (jint_key(d, "id", -1) == id) {
      const jv *cols = jget(jget(d, "data"), "columns");
      return cols && cols->n > 0 ? cols->items[0] : NULL;
    }
  }
  return NULL;
}

EM_TL int time_unit(const char *u) {
  if (!u) return -1;
  if (!strcmp(u, "SECOND")) return 0;
  if (!strcmp(u, "MILLISECOND")) return 1;
  if (!strcmp(u, "MICROSECOND")) return 2;
  return 3;
}

EM_TL int64_t jfloordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* x in unit u converted to target unit t (floor when coarser). */
EM_TL int64_t to_unit(int64_t x, int u, int t) {
  static const int64_t per[4] = {1, 1000, 1000000, 1000000000};
  if (u == t) return x;
  if (u < t) return x * (per[t] / per[u]);
  return jfloordiv(x, per[u] / per[t]);
}

EM_TL int hexval(char ch) { return ch <= '9' ? ch - '0' : (ch | 32) - 'a' + 10; }

EM_TL bool jrow_match(jcmp *c, const jv *field, const jv *col, int64_t jr, const em_vec *v, int64_t vr, bool dict) {
  const jv *type = jget(field, "type");
  const char *tn = jstr(type, "name");
  const jv *validity = jget(col, "VALIDITY");
  const jv *data = jget(col, "DATA");
  bool jvalid = !validity || (jr < validity->n && jint(validity->items[jr]) != 0);
  if (!tn) return jfail(c, field, jr, "no type name");
  if (!strcmp(tn, "null")) return em_vec_is_null(v, vr) ? true : jfail(c, field, jr, "null type row not null");
  if (!jvalid) return em_vec_is_null(v, vr) ? true : jfail(c, field, jr, "expected null");
  const jv *de = jget(field, "dictionary");
  if (de && !dict) { /* a valid index: the row is the dictionary's value */
    const jv *dcol = jdict_column(c, jint_key(de, "id", -1));
    if (!dcol || !data || jr >= data->n) return jfail(c, field, jr, "dictionary missing");
    return jrow_match(c, field, dcol, jint(data->items[jr]), v, vr, true);
  }
  if (em_vec_is_null(v, vr)) return jfail(c, field, jr, "unexpected null");
  const jv *children = jget(field, "children");
  const jv *ccols = jget(col, "children");
  if (!strcmp(tn, "struct")) {
    if (!children || !ccols || v->nchildren != children->n) return jfail(c, field, jr, "struct shape");
    for (int k = 0; k < children->n; k++)
      if (!jrow_match(c, children->items[k], ccols->items[k], jr, v->children[k], vr, false)) return false;
    return true;
  }
  if (!strcmp(tn, "list") || !strcmp(tn, "largelist") || !strcmp(tn, "map") || !strcmp(tn, "fixedsizelist")) {
    int64_t s, e;
    if (!strcmp(tn, "fixedsizelist")) {
      int64_t n = jint_key(type, "listSize", 0);
      s = jr * n;
      e = s + n;
    } else {
      const jv *off = jget(col, "OFFSET");
      if (!off || jr + 1 >= off->n) return jfail(c, field, jr, "offsets");
      s = jint(off->items[jr]);
      e = jint(off->items[jr + 1]);
    }
    const int32_t *o = em_vec_offsets(v);
    if (o[vr + 1] - o[vr] != e - s) return jfail(c, field, jr, "list length");
    const em_vec *cv = v->children[0];
    for (int64_t k = 0; k < e - s; k++)
      if (!jrow_match(c, children->items[0], ccols->items[0], s + k, cv, o[vr] + k, false)) return false;
    return true;
  }
  if (!data || jr >= data->n) return jfail(c, field, jr, "no data");
  const jv *d = data->items[jr];
  const uint8_t *vals = v->values ? v->values->data : NULL;
  if (!strcmp(tn, "bool")) return em_bit_get(vals, vr) == d->b ? true : jfail(c, field, jr, "bool");
  if (!strcmp(tn, "int")) {
    bool sgn = jget(type, "isSigned") && jget(type, "isSigned")->b;
    int bw = (int)jint_key(type, "bitWidth", 0);
    if (!sgn && bw == 64) {
      uint64_t want[2] = {strtoull(d->s, NULL, 10), 0};
      return memcmp(vals + vr * 16, want, 16) == 0 ? true : jfail(c, field, jr, "uint64");
    }
    int w = em_type_fixed_width(v->type);
    int64_t got = 0;
    if (w == 1) got = ((const int8_t *)vals)[vr];
    else if (w == 2) got = ((const int16_t *)vals)[vr];
    else if (w == 4) got = ((const int32_t *)vals)[vr];
    else got = ((const int64_t *)vals)[vr];
    int64_t want = sgn ? jint(d) : (int64_t)strtoull(d->s, NULL, 10);
    return got == want ? true : jfail(c, field, jr, "int");
  }
  if (!strcmp(tn, "floatingpoint")) {
    double want = strtod(d->s, NULL);
    double got = v->type->id == EM_T_FLOAT ? ((const float *)vals)[vr] : ((const double *)vals)[vr];
    double tol = v->type->id == EM_T_FLOAT ? 1e-3 : 1e-9;
    return fabs(got - want) <= tol * (1 + fabs(want)) ? true : jfail(c, field, jr, "float");
  }
  if (!strcmp(tn, "utf8") || !strcmp(tn, "largeutf8") || !strcmp(tn, "binary") || !strcmp(tn, "largebinary") ||
      !strcmp(tn, "fixedsizebinary")) {
    int32_t n;
    const char *p = em_vec_str(v, vr, &n);
    if (!strcmp(tn, "utf8") || !strcmp(tn, "largeutf8"))
      return (size_t)n == d->slen && memcmp(p, d->s, d->slen) == 0 ? true : jfail(c, field, jr, "string");
    if ((size_t)n * 2 != d->slen) return jfail(c, field, jr, "binary length");
    for (int32_t k = 0; k < n; k++)
      if ((uint8_t)p[k] != (uint8_t)(hexval(d->s[2 * k]) * 16 + hexval(d->s[2 * k + 1])))
        return jfail(c, field, jr, "binary bytes");
    return true;
  }
  if (!strcmp(tn, "decimal")) {
    uint64_t want[2];
    jdec128(d->s, want);
    return memcmp(vals + vr * 16, want, 16) == 0 ? true : jfail(c, field, jr, "decimal");
  }
  if (!strcmp(tn, "date")) {
    int64_t x = jint(d);
    if (!strcmp(jstr(type, "unit"), "MILLISECOND")) x = jfloordiv(x, 86400000);
    return ((const int32_t *)vals)[vr] == x ? true : jfail(c, field, jr, "date");
  }
  if (!strcmp(tn, "time") || !strcmp(tn, "timestamp") || !strcmp(tn, "duration")) {
    int target = !strcmp(tn, "time") ? 3 : 2;
    int64_t want = to_unit(jint(d), time_unit(jstr(type, "unit")), target);
    return ((const int64_t *)vals)[vr] == want ? true : jfail(c, field, jr, tn);
  }
  if (!strcmp(tn, "interval")) {
    const char *u = jstr(type, "unit");
    if (!strcmp(u, "YEAR_MONTH")) return ((const int32_t *)vals)[vr] == jint(d) ? true : jfail(c, field, jr, "ym");
    int32_t months = (int32_t)jint_key(d, "months", 0), days = (int32_t)jint_key(d, "days", 0);
    int64_t ns = !strcmp(u, "DAY_TIME") ? jint_key(d, "milliseconds", 0) * 1000000 : jint_key(d, "nanoseconds", 0);
    const uint8_t *p = vals + vr * 16;
    int32_t gm, gd;
    int64_t gn;
    memcpy(&gm, p, 4);
    memcpy(&gd, p + 4, 4);
    memcpy(&gn, p + 8, 8);
    return gm == months && gd == days && gn == ns ? true : jfail(c, field, jr, "interval");
  }
  return jfail(c, field, jr, "type not compared");
}

/* Compares a decoded stream with the integration JSON; returns the number
 * of rows compared, or -1 with c->why set. */
EM_TL int64_t em_test_compare_json(const jv *root, const em_type *schema, em_batch **batches, int nb, jcmp *c) {
  const jv *fields = jget(jget(root, "schema"), "fields");
  const jv *jb = jget(root, "batches");
  c->dicts = jget(root, "dictionaries");
  c->why[0] = 0;
  if (!fields || !jb) return snprintf(c->why, sizeof c->why, "bad json"), -1;
  if (schema->u.st.nfields != fields->n) return snprintf(c->why, sizeof c->why, "field count"), -1;
  for (int i = 0; i < fields->n; i++) {
    const char *nm = jstr(fields->items[i], "name");
    if (!nm || strcmp(nm, schema->u.st.fields[i].name) != 0) return snprintf(c->why, sizeof c->why, "field name"), -1;
    const jv *nl = jget(fields->items[i], "nullable");
    if (nl && nl->b != schema->u.st.fields[i].nullable) return snprintf(c->why, sizeof c->why, "nullability"), -1;
  }
  if (jb->n != nb) return snprintf(c->why, sizeof c->why, "batch count %d vs %d", jb->n, nb), -1;
  int64_t rows = 0;
  for (int b = 0; b < nb; b++) {
    const jv *cols = jget(jb->items[b], "columns");
    int64_t count = jint_key(jb->items[b], "count", -1);
    if (count != batches[b]->nrows) return snprintf(c->why, sizeof c->why, "row count"), -1;
    for (int k = 0; k < fields->n; k++)
      for (int64_t r = 0; r < count; r++)
        if (!jrow_match(c, fields->items[k], cols->items[k], r, batches[b]->cols[k], r, false)) return -1;
    rows += count;
  }
  return rows;
}

#endif
