/*
 * Spark's DataType JSON: the writer (DataType.json) and the parser
 * (DataType.fromJson) used for LocalRelation schemas and Arrow field
 * metadata.
 *
 * The parser first reads the text into a small JSON tree held in an arena
 * (depth-limited, every byte checked), then builds the em_type from it.
 * Struct field metadata is kept as JSON text: compact, keys in input order,
 * strings re-escaped the way Spark's json4s writer does (so "\u00e9" comes
 * back as the raw UTF-8 character, control characters as \u001F). Spark
 * itself re-orders the keys of multi-key metadata objects by hash; we keep
 * the input order.
 */
#include "types.h"
#include "types_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON tree ---- */

typedef enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ } jkind;

typedef struct jval jval;
struct jval {
  jkind k;
  const char *s; /* J_STR: decoded UTF-8; J_NUM: the literal text */
  size_t n;
  int count;      /* J_ARR items / J_OBJ members */
  jval **items;   /* values */
  jval **keys;    /* J_OBJ: keys as J_STR values */
};

#define JSON_MAX_DEPTH 200

typedef struct jparser {
  const char *p, *end;
  em_arena *arena;
  bool oom;
} jparser;

static void skip_ws(jparser *jp) {
  while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r')) jp->p++;
}

static jval *jnew(jparser *jp, jkind k) {
  jval *v = em_arena_calloc(jp->arena, sizeof *v);
  if (!v) {
    jp->oom = true;
    return NULL;
  }
  v->k = k;
  return v;
}

static int hex4(const char *p, const char *end, unsigned *out) {
  if (end - p < 4) return -1;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static size_t utf8_put(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* At the opening quote. Decoded text is never longer than the source. */
static jval *parse_string(jparser *jp) {
  const char *p = jp->p + 1;
  const char *close = p;
  while (close < jp->end && *close != '"') close += (*close == '\\') ? 2 : 1;
  if (close >= jp->end) return NULL;
  char *out = em_arena_alloc(jp->arena, (size_t)(close - p) + 1);
  if (!out) {
    jp->oom = true;
    return NULL;
  }
  size_t n = 0;
  while (p < close) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20) return NULL;
    if (c != '\\') {
      out[n++] = (char)c;
      p++;
      continue;
    }
    p++;
    switch (*p) {
    case '"': out[n++] = '"'; break;
    case '\\': out[n++] = '\\'; break;
    case '/': out[n++] = '/'; break;
    case 'b': out[n++] = '\b'; break;
    case 'f': out[n++] = '\f'; break;
    case 'n': out[n++] = '\n'; break;
    case 'r': out[n++] = '\r'; break;
    case 't': out[n++] = '\t'; break;
    case 'u': {
      unsigned cp;
      if (hex4(p + 1, close, &cp)) return NULL;
      p += 4;
      if (cp >= 0xD800 && cp < 0xDC00) {
        unsigned lo;
        if (close - p < 7 || p[1] != '\\' || p[2] != 'u' || hex4(p + 3, close, &lo) || lo < 0xDC00 || lo > 0xDFFF)
          return NULL;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return NULL;
      }
      n += utf8_put(out + n, cp);
      break;
    }
    default: return NULL;
    }
    p++;
  }
  out[n] = '\0';
  jval *v = jnew(jp, J_STR);
  if (!v) return NULL;
  v->s = out;
  v->n = n;
  jp->p = close + 1;
  return v;
}

static jval *parse_value(jparser *jp, int depth);

/* Collects items into a growing array in the arena (old copies are left
 * behind; schemas are small). */
static bool push(jparser *jp, jval ***arr, int *count, int *cap, jval *v) {
  if (*count == *cap) {
    int ncap = *cap ? *cap * 2 : 8;
    jval **na = em_arena_alloc(jp->arena, sizeof(jval *) * (size_t)ncap);
    if (!na) {
      jp->oom = true;
      return false;
    }
    if (*count) memcpy(na, *arr, sizeof(jval *) * (size_t)*count);
    *arr = na;
    *cap = ncap;
  }
  (*arr)[(*count)++] = v;
  return true;
}

static jval *parse_container(jparser *jp, int depth, bool is_obj) {
  jval *v = jnew(jp, is_obj ? J_OBJ : J_ARR);
  if (!v) return NULL;
  int cap = 0, kcap = 0, kcount = 0;
  jp->p++;
  skip_ws(jp);
  if (jp->p < jp->end && *jp->p == (is_obj ? '}' : ']')) {
    jp->p++;
    return v;
  }
  for (;;) {
    skip_ws(jp);
    if (is_obj) {
      if (jp->p >= jp->end || *jp->p != '"') return NULL;
      jval *k = parse_string(jp);
      if (!k || !push(jp, &v->keys, &kcount, &kcap, k)) return NULL;
      skip_ws(jp);
      if (jp->p >= jp->end || *jp->p != ':') return NULL;
      jp->p++;
    }
    jval *item = parse_value(jp, depth + 1);
    if (!item || !push(jp, &v->items, &v->count, &cap, item)) return NULL;
    skip_ws(jp);
    if (jp->p >= jp->end) return NULL;
    if (*jp->p == ',') {
      jp->p++;
      continue;
    }
    if (*jp->p == (is_obj ? '}' : ']')) {
      jp->p++;
      return v;
    }
    return NULL;
  }
}

static bool word_at(jparser *jp, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, w, n) != 0) return false;
  jp->p += n;
  return true;
}

static jval *parse_number(jparser *jp) {
  const char *s = jp->p, *p = s;
  if (p < jp->end && *p == '-') p++;
  const char *digits = p;
  while (p < jp->end && *p >= '0' && *p <= '9') p++;
  if (p == digits) return NULL;
  if (p < jp->end && *p == '.') {
    const char *f = ++p;
    while (p < jp->end && *p >= '0' && *p <= '9') p++;
    if (p == f) return NULL;
  }
  if (p < jp->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < jp->end && (*p == '+' || *p == '-')) p++;
    const char *e = p;
    while (p < jp->end && *p >= '0' && *p <= '9') p++;
    if (p == e) return NULL;
  }
  jval *v = jnew(jp, J_NUM);
  if (!v) return NULL;
  v->s = s;
  v->n = (size_t)(p - s);
  jp->p = p;
  return v;
}

static jval *parse_value(jparser *jp, int depth) {
  if (depth > JSON_MAX_DEPTH) return NULL;
  skip_ws(jp);
  if (jp->p >= jp->end) return NULL;
  switch (*jp->p) {
  case '{': return parse_container(jp, depth, true);
  case '[': return parse_container(jp, depth, false);
  case '"': return parse_string(jp);
  case 't': return word_at(jp, "true") ? jnew(jp, J_TRUE) : NULL;
  case 'f': return word_at(jp, "false") ? jnew(jp, J_FALSE) : NULL;
  case 'n': return word_at(jp, "null") ? jnew(jp, J_NULL) : NULL;
  default: return parse_number(jp);
  }
}

/* Parses a whole document; NULL on a syntax error (jp->oom tells OOM). */
static jval *parse_document(jparser *jp, const char *text, size_t len, em_arena *arena) {
  jp->p = text;
  jp->end = text + len;
  jp->arena = arena;
  jp->oom = false;
  jval *v = parse_value(jp, 0);
  if (!v) return NULL;
  skip_ws(jp);
  return jp->p == jp->end ? v : NULL;
}

/* ---- JSON writing ---- */

int em_types_json_quote(em_strbuf *sb, const char *s, size_t n) {
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
  return em_strbuf_putc(sb, '"');
}

static void render(const jval *v, em_strbuf *sb) {
  switch (v->k) {
  case J_NULL: em_strbuf_puts(sb, "null"); break;
  case J_FALSE: em_strbuf_puts(sb, "false"); break;
  case J_TRUE: em_strbuf_puts(sb, "true"); break;
  case J_NUM: em_strbuf_append(sb, v->s, v->n); break;
  case J_STR: em_types_json_quote(sb, v->s, v->n); break;
  case J_ARR:
  case J_OBJ:
    em_strbuf_putc(sb, v->k == J_ARR ? '[' : '{');
    for (int i = 0; i < v->count; i++) {
      if (i) em_strbuf_putc(sb, ',');
      if (v->k == J_OBJ) {
        em_types_json_quote(sb, v->keys[i]->s, v->keys[i]->n);
        em_strbuf_putc(sb, ':');
      }
      render(v->items[i], sb);
    }
    em_strbuf_putc(sb, v->k == J_ARR ? ']' : '}');
    break;
  }
}

static const jval *member(const jval *obj, const char *key) {
  if (!obj || obj->k != J_OBJ) return NULL;
  for (int i = 0; i < obj->count; i++)
    if (strlen(key) == obj->keys[i]->n && memcmp(obj->keys[i]->s, key, obj->keys[i]->n) == 0) return obj->items[i];
  return NULL;
}

bool em_types_metadata_comment(const char *metadata, em_strbuf *out) {
  if (!metadata || !*metadata) return false;
  em_arena arena;
  em_arena_init(&arena, 1024);
  jparser jp = {0};
  const jval *doc = parse_document(&jp, metadata, strlen(metadata), &arena);
  const jval *c = member(doc, "comment");
  bool found = c && c->k == J_STR;
  if (found) em_strbuf_append(out, c->s, c->n);
  em_arena_destroy(&arena);
  return found;
}

int em_type_json(const em_type *t, em_strbuf *sb) {
  switch (t->id) {
  case EM_T_ARRAY:
    em_strbuf_puts(sb, "{\"type\":\"array\",\"elementType\":");
    em_type_json(t->u.array.elem, sb);
    return em_strbuf_printf(sb, ",\"containsNull\":%s}", t->u.array.contains_null ? "true" : "false");
  case EM_T_MAP:
    em_strbuf_puts(sb, "{\"type\":\"map\",\"keyType\":");
    em_type_json(t->u.map.key, sb);
    em_strbuf_puts(sb, ",\"valueType\":");
    em_type_json(t->u.map.value, sb);
    return em_strbuf_printf(sb, ",\"valueContainsNull\":%s}", t->u.map.value_contains_null ? "true" : "false");
  case EM_T_STRUCT:
    em_strbuf_puts(sb, "{\"type\":\"struct\",\"fields\":[");
    for (int i = 0; i < t->u.st.nfields; i++) {
      const em_field *f = &t->u.st.fields[i];
      if (i) em_strbuf_putc(sb, ',');
      em_strbuf_puts(sb, "{\"name\":");
      em_types_json_quote(sb, f->name, strlen(f->name));
      em_strbuf_puts(sb, ",\"type\":");
      em_type_json(f->type, sb);
      em_strbuf_printf(sb, ",\"nullable\":%s,\"metadata\":", f->nullable ? "true" : "false");
      em_strbuf_puts(sb, f->metadata ? f->metadata : "{}");
      em_strbuf_putc(sb, '}');
    }
    return em_strbuf_puts(sb, "]}");
  default:
    em_strbuf_putc(sb, '"');
    em_types_type_name(t, sb);
    return em_strbuf_putc(sb, '"');
  }
}

/* ---- JSON -> em_type ---- */

typedef struct jbuild {
  em_error *err;
  bool oom;
} jbuild;

static em_type *invalid_json(jbuild *b, const jval *v) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (v->k == J_STR) em_strbuf_append(&sb, v->s, v->n);
  else render(v, &sb);
  em_error_set(b->err, EM_ERR_INVALID_JSON_DATA_TYPE, "invalidType", sb.data ? sb.data : "", NULL);
  em_strbuf_free(&sb);
  return NULL;
}

/* Reads a non-negative decimal integer at *p, skipping spaces around it. */
static bool read_uint(const char **p, const char *end, long *out) {
  while (*p < end && **p == ' ') (*p)++;
  const char *s = *p;
  long v = 0;
  while (*p < end && **p >= '0' && **p <= '9') {
    if (v > 100000000) return false;
    v = v * 10 + (**p - '0');
    (*p)++;
  }
  while (*p < end && **p == ' ') (*p)++;
  *out = v;
  return *p > s;
}

/* "name(12)" or "name(12, 4)": fills a[0..*na) and checks the tail. */
static bool paren_args(const char *s, size_t n, size_t prefix, long *a, int max, int *na) {
  const char *p = s + prefix, *end = s + n;
  if (p >= end || *p != '(') return false;
  p++;
  *na = 0;
  for (;;) {
    if (*na == max || !read_uint(&p, end, &a[*na])) return false;
    (*na)++;
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    return p + 1 == end && *p == ')';
  }
}

static bool name_is(const jval *v, const char *name) { return strlen(name) == v->n && memcmp(v->s, name, v->n) == 0; }

static em_type *oom_type(jbuild *b) {
  b->oom = true;
  em_error_set(b->err, EM_ERR_MEMORY_LIMIT, "requestedBytes", "?", "receivedBytes", "0", NULL);
  return NULL;
}

static em_type *checked(jbuild *b, em_type *t) { return t ? t : oom_type(b); }

static em_type *decimal_checked(jbuild *b, long p, long s) {
  char pb[24], sb[24];
  if (p > 38) {
    snprintf(pb, sizeof pb, "%ld", p);
    em_error_set(b->err, EM_ERR_DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION, "precision", pb, "maxPrecision", "38", NULL);
    return NULL;
  }
  if (s > p) {
    snprintf(pb, sizeof pb, "%ld", p);
    snprintf(sb, sizeof sb, "%ld", s);
    em_error_set(b->err, EM_ERR_DECIMAL_SCALE_GT_PRECISION, "scale", sb, "precision", pb, NULL);
    snprintf(b->err->msg, sizeof b->err->msg, "Decimal scale (%ld) cannot be greater than precision (%ld).", s, p);
    return NULL;
  }
  return checked(b, em_type_decimal((int)p, (int)s));
}

static em_type *type_from_name(jbuild *b, const jval *v) {
  static const struct {
    const char *name;
    em_type_id id;
  } prims[] = {
      {"boolean", EM_T_BOOLEAN}, {"byte", EM_T_BYTE},   {"short", EM_T_SHORT},       {"integer", EM_T_INT},
      {"long", EM_T_LONG},       {"float", EM_T_FLOAT}, {"double", EM_T_DOUBLE},     {"string", EM_T_STRING},
      {"binary", EM_T_BINARY},   {"date", EM_T_DATE},   {"timestamp", EM_T_TIMESTAMP}, {"timestamp_ntz", EM_T_TIMESTAMP_NTZ},
      {"void", EM_T_NULL},       {"null", EM_T_NULL},   {"interval", EM_T_CAL_INTERVAL}, {"variant", EM_T_VARIANT},
  };
  for (size_t i = 0; i < EM_ARRAY_LEN(prims); i++)
    if (name_is(v, prims[i].name)) return em_type_primitive(prims[i].id);
  long a[3];
  int na;
  if (name_is(v, "decimal")) return decimal_checked(b, 10, 0);
  if (v->n > 7 && memcmp(v->s, "decimal", 7) == 0 && paren_args(v->s, v->n, 7, a, 2, &na) && na == 2)
    return decimal_checked(b, a[0], a[1]);
  if (v->n > 4 && memcmp(v->s, "char", 4) == 0 && paren_args(v->s, v->n, 4, a, 1, &na))
    return checked(b, em_type_char((int)a[0]));
  if (v->n > 7 && memcmp(v->s, "varchar", 7) == 0 && paren_args(v->s, v->n, 7, a, 1, &na))
    return checked(b, em_type_varchar((int)a[0]));
  if (v->n > 4 && memcmp(v->s, "time", 4) == 0 && paren_args(v->s, v->n, 4, a, 1, &na)) {
    if (a[0] > 6) {
      char pb[24];
      snprintf(pb, sizeof pb, "%ld", a[0]);
      em_error_set(b->err, EM_ERR_UNSUPPORTED_TIME_PRECISION, "precision", pb, NULL);
      return NULL;
    }
    return checked(b, em_type_time((int)a[0]));
  }
  /* ANSI intervals: "interval <from>[ to <to>]". */
  static const char *const units[] = {"year", "month", "day", "hour", "minute", "second"};
  if (v->n > 9 && memcmp(v->s, "interval ", 9) == 0) {
    char buf[64];
    for (int s = 0; s < 6; s++)
      for (int e = s; e < 6; e++) {
        if ((s < 2) != (e < 2)) continue;
        if (s == e) snprintf(buf, sizeof buf, "interval %s", units[s]);
        else snprintf(buf, sizeof buf, "interval %s to %s", units[s], units[e]);
        if (!name_is(v, buf)) continue;
        return checked(b, s < 2 ? em_type_ym_interval(s, e) : em_type_dt_interval(s - 2, e - 2));
      }
  }
  return invalid_json(b, v);
}

static em_type *type_from_json(jbuild *b, const jval *v);

static bool get_bool(const jval *obj, const char *key, bool *out) {
  const jval *v = member(obj, key);
  if (!v || (v->k != J_TRUE && v->k != J_FALSE)) return false;
  *out = v->k == J_TRUE;
  return true;
}

static em_type *struct_from_json(jbuild *b, const jval *obj) {
  const jval *fields = member(obj, "fields");
  if (!fields || fields->k != J_ARR) return invalid_json(b, obj);
  em_type *st = em_type_struct_new(fields->count);
  if (!st) return oom_type(b);
  em_strbuf md;
  em_strbuf_init(&md);
  for (int i = 0; i < fields->count; i++) {
    const jval *f = fields->items[i];
    const jval *name = member(f, "name"), *ft = member(f, "type"), *meta = member(f, "metadata");
    bool nullable;
    if (!name || name->k != J_STR || !ft || !get_bool(f, "nullable", &nullable) || (meta && meta->k != J_OBJ) ||
        memchr(name->s, '\0', name->n)) {
      invalid_json(b, f);
      goto fail;
    }
    em_type *t = type_from_json(b, ft);
    if (!t) goto fail;
    em_strbuf_reset(&md);
    if (meta && meta->count) render(meta, &md);
    if (md.oom) em_type_unref(t); /* struct_set takes t only when called */
    if (md.oom || em_type_struct_set(st, i, name->s, t, nullable, md.len ? md.data : NULL)) {
      oom_type(b);
      goto fail;
    }
  }
  em_strbuf_free(&md);
  return st;
fail:
  em_strbuf_free(&md);
  em_type_unref(st);
  return NULL;
}

static em_type *type_from_json(jbuild *b, const jval *v) {
  if (v->k == J_STR) return type_from_name(b, v);
  const jval *tn = member(v, "type");
  if (!tn || tn->k != J_STR) return invalid_json(b, v);
  if (name_is(tn, "struct")) return struct_from_json(b, v);
  if (name_is(tn, "array")) {
    const jval *et = member(v, "elementType");
    bool cn;
    if (!et || !get_bool(v, "containsNull", &cn)) return invalid_json(b, v);
    em_type *e = type_from_json(b, et);
    return e ? checked(b, em_type_array(e, cn)) : NULL;
  }
  if (name_is(tn, "map")) {
    const jval *kt = member(v, "keyType"), *vt = member(v, "valueType");
    bool vcn;
    if (!kt || !vt || !get_bool(v, "valueContainsNull", &vcn)) return invalid_json(b, v);
    em_type *k = type_from_json(b, kt);
    if (!k) return NULL;
    em_type *val = type_from_json(b, vt);
    if (!val) {
      em_type_unref(k);
      return NULL;
    }
    return checked(b, em_type_map(k, val, vcn));
  }
  return invalid_json(b, v);
}

em_type *em_type_parse_json(const char *json, size_t len, em_error *err) {
  em_arena arena;
  em_arena_init(&arena, 4096);
  jparser jp = {0};
  jbuild b = {err, false};
  em_type *t = NULL;
  const jval *doc = json ? parse_document(&jp, json, len, &arena) : NULL;
  if (!doc) {
    if (jp.oom) {
      oom_type(&b);
    } else {
      /* Not JSON at all: report the text as Spark reports an unknown type. */
      char shown[EM_ERROR_VAL_MAX];
      size_t n = json ? (len < sizeof shown - 1 ? len : sizeof shown - 1) : 0;
      if (n) memcpy(shown, json, n);
      shown[n] = '\0';
      em_error_set(err, EM_ERR_INVALID_JSON_DATA_TYPE, "invalidType", shown, NULL);
    }
  } else {
    t = type_from_json(&b, doc);
  }
  em_arena_destroy(&arena);
  return t;
}
