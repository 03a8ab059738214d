/*
 * A JSON parser into an arena DOM, with the leniency switches of Jackson
 * that Spark's JSON options expose: comments (allowComments), unquoted
 * field names, single quotes, leading zeros, NaN/Infinity
 * (allowNonNumericNumbers, on by default), backslash before any character
 * and raw control characters in strings. Depth is bounded (1000) so hostile
 * input cannot exhaust the stack.
 */
#include "json_int.h"

#include <string.h>
#include <strings.h>

#define MAX_DEPTH 1000

void em_json_opts_init(em_json_opts *j, const em_options *o) {
  memset(j, 0, sizeof *j);
  j->allow_comments = em_opt_bool(o, "allowComments", false, NULL, NULL);
  j->unquoted_names = em_opt_bool(o, "allowUnquotedFieldNames", false, NULL, NULL);
  j->single_quotes = em_opt_bool(o, "allowSingleQuotes", true, NULL, NULL);
  j->leading_zeros = em_opt_bool(o, "allowNumericLeadingZeros", false, NULL, NULL);
  j->non_numeric = em_opt_bool(o, "allowNonNumericNumbers", true, NULL, NULL);
  j->backslash_any = em_opt_bool(o, "allowBackslashEscapingAnyCharacter", false, NULL, NULL);
  j->control_chars = em_opt_bool(o, "allowUnquotedControlChars", false, NULL, NULL);
}

typedef struct jp {
  const em_json_opts *o;
  const char *p;
  size_t n, i;
  em_arena *a;
  int depth;
} jp;

static bool skip_ws(jp *s) {
  for (;;) {
    while (s->i < s->n && (s->p[s->i] == ' ' || s->p[s->i] == '\t' || s->p[s->i] == '\n' || s->p[s->i] == '\r'))
      s->i++;
    if (s->o->allow_comments && s->i + 1 < s->n && s->p[s->i] == '/') {
      if (s->p[s->i + 1] == '/') {
        while (s->i < s->n && s->p[s->i] != '\n') s->i++;
        continue;
      }
      if (s->p[s->i + 1] == '*') {
        size_t k = s->i + 2;
        while (k + 1 < s->n && !(s->p[k] == '*' && s->p[k + 1] == '/')) k++;
        if (k + 1 >= s->n) return false;
        s->i = k + 2;
        continue;
      }
    }
    if (s->o->allow_comments && s->i < s->n && s->p[s->i] == '#') { /* YAML-style, Jackson's ALLOW_YAML_COMMENTS */
      while (s->i < s->n && s->p[s->i] != '\n') s->i++;
      continue;
    }
    return true;
  }
}

static em_jnode *node(jp *s, em_jkind k) {
  em_jnode *x = em_arena_calloc(s->a, sizeof *x);
  if (x) x->kind = k;
  return x;
}

static void put_utf8(em_strbuf *sb, uint32_t cp) {
  if (cp < 0x80) em_strbuf_putc(sb, (char)cp);
  else if (cp < 0x800) {
    em_strbuf_putc(sb, (char)(0xC0 | (cp >> 6)));
    em_strbuf_putc(sb, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    em_strbuf_putc(sb, (char)(0xE0 | (cp >> 12)));
    em_strbuf_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
    em_strbuf_putc(sb, (char)(0x80 | (cp & 0x3F)));
  } else {
    em_strbuf_putc(sb, (char)(0xF0 | (cp >> 18)));
    em_strbuf_putc(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
    em_strbuf_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
    em_strbuf_putc(sb, (char)(0x80 | (cp & 0x3F)));
  }
}

static int hex4(const char *p) {
  int v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  return v;
}

/* A quoted string at s->i; decoded into the arena. */
static bool parse_string(jp *s, const char **out, int32_t *len) {
  char q = s->p[s->i];
  if (q != '"' && !(q == '\'' && s->o->single_quotes)) return false;
  s->i++;
  em_strbuf sb;
  em_strbuf_init(&sb);
  bool ok = false;
  while (s->i < s->n) {
    char c = s->p[s->i++];
    if (c == q) {
      ok = true;
      break;
    }
    if ((unsigned char)c < 0x20 && !s->o->control_chars) break;
    if (c != '\\') {
      em_strbuf_putc(&sb, c);
      continue;
    }
    if (s->i >= s->n) break;
    char e = s->p[s->i++];
    switch (e) {
    case '"': case '\\': case '/': em_strbuf_putc(&sb, e); break;
    case 'b': em_strbuf_putc(&sb, '\b'); break;
    case 'f': em_strbuf_putc(&sb, '\f'); break;
    case 'n': em_strbuf_putc(&sb, '\n'); break;
    case 'r': em_strbuf_putc(&sb, '\r'); break;
    case 't': em_strbuf_putc(&sb, '\t'); break;
    case 'u': {
      if (s->i + 4 > s->n) goto done;
      int cp = hex4(s->p + s->i);
      if (cp < 0) goto done;
      s->i += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && s->i + 6 <= s->n && s->p[s->i] == '\\' && s->p[s->i + 1] == 'u') {
        int lo = hex4(s->p + s->i + 2);
        if (lo >= 0xDC00 && lo < 0xE000) {
          s->i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
      }
      put_utf8(&sb, (uint32_t)cp);
      break;
    }
    default:
      if (e == '\'' || s->o->backslash_any) em_strbuf_putc(&sb, e);
      else goto done;
    }
  }
done:
  if (ok && !sb.oom) {
    *len = (int32_t)sb.len;
    *out = em_arena_strndup(s->a, sb.data ? sb.data : "", sb.len);
    if (!*out) ok = false;
  } else {
    ok = false;
  }
  em_strbuf_free(&sb);
  return ok;
}

static bool match_word(jp *s, const char *w) {
  size_t k = strlen(w);
  if (s->i + k > s->n || memcmp(s->p + s->i, w, k) != 0) return false;
  s->i += k;
  return true;
}

static em_jnode *parse_number(jp *s) {
  size_t st = s->i;
  bool neg = false;
  if (s->p[s->i] == '-' || (s->p[s->i] == '+' && s->o->non_numeric)) neg = s->p[s->i++] == '-';
  if (s->o->non_numeric) {
    if (match_word(s, "Infinity") || match_word(s, "INF")) {
      em_jnode *x = node(s, EM_J_NONNUM);
      if (x) {
        x->s = neg ? "-Infinity" : "Infinity";
        x->len = (int32_t)strlen(x->s);
      }
      return x;
    }
  }
  size_t ds = s->i;
  while (s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9') s->i++;
  size_t nd = s->i - ds;
  if (nd == 0) return NULL;
  if (nd > 1 && s->p[ds] == '0' && !s->o->leading_zeros) return NULL;
  bool is_float = false;
  if (s->i < s->n && s->p[s->i] == '.') {
    is_float = true;
    s->i++;
    size_t fs = s->i;
    while (s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9') s->i++;
    if (s->i == fs) return NULL;
  }
  if (s->i < s->n && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
    is_float = true;
    s->i++;
    if (s->i < s->n && (s->p[s->i] == '+' || s->p[s->i] == '-')) s->i++;
    size_t es = s->i;
    while (s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9') s->i++;
    if (s->i == es) return NULL;
  }
  em_jnode *x = node(s, is_float ? EM_J_FLOAT : EM_J_INT);
  if (!x) return NULL;
  /* A leading '+' is not part of the number's text. */
  if (s->p[st] == '+') st++;
  x->s = s->p + st;
  x->len = (int32_t)(s->i - st);
  return x;
}

static em_jnode *parse_value(jp *s);

static bool push(jp *s, em_jnode *x, int32_t *cap, em_jnode *item, const char *key, int32_t klen) {
  if (x->n == *cap) {
    int32_t nc = *cap ? *cap * 2 : 4;
    em_jnode **ni = em_arena_alloc(s->a, (size_t)nc * sizeof *ni);
    if (!ni) return false;
    if (x->n) memcpy(ni, x->items, (size_t)x->n * sizeof *ni);
    x->items = ni;
    if (x->kind == EM_J_OBJECT) {
      const char **nk = em_arena_alloc(s->a, (size_t)nc * sizeof *nk);
      int32_t *nl = em_arena_alloc(s->a, (size_t)nc * sizeof *nl);
      if (!nk || !nl) return false;
      if (x->n) {
        memcpy(nk, x->keys, (size_t)x->n * sizeof *nk);
        memcpy(nl, x->key_lens, (size_t)x->n * sizeof *nl);
      }
      x->keys = nk;
      x->key_lens = nl;
    }
    *cap = nc;
  }
  if (x->kind == EM_J_OBJECT) {
    x->keys[x->n] = key;
    x->key_lens[x->n] = klen;
  }
  x->items[x->n++] = item;
  return true;
}

static em_jnode *parse_container(jp *s, bool object) {
  if (++s->depth > MAX_DEPTH) return NULL;
  s->i++;
  em_jnode *x = node(s, object ? EM_J_OBJECT : EM_J_ARRAY);
  if (!x) return NULL;
  int32_t cap = 0;
  if (!skip_ws(s)) return NULL;
  if (s->i < s->n && s->p[s->i] == (object ? '}' : ']')) {
    s->i++;
    s->depth--;
    return x;
  }
  for (;;) {
    const char *key = NULL;
    int32_t klen = 0;
    if (object) {
      if (!skip_ws(s) || s->i >= s->n) return NULL;
      if (!parse_string(s, &key, &klen)) {
        if (!s->o->unquoted_names) return NULL;
        size_t st = s->i;
        while (s->i < s->n && (s->p[s->i] == '_' || s->p[s->i] == '$' || (s->p[s->i] >= '0' && s->p[s->i] <= '9') ||
                               ((s->p[s->i] | 32) >= 'a' && (s->p[s->i] | 32) <= 'z') ||
                               (unsigned char)s->p[s->i] >= 0x80))
          s->i++;
        if (s->i == st) return NULL;
        key = em_arena_strndup(s->a, s->p + st, s->i - st);
        klen = (int32_t)(s->i - st);
        if (!key) return NULL;
      }
      if (!skip_ws(s) || s->i >= s->n || s->p[s->i] != ':') return NULL;
      s->i++;
    }
    em_jnode *v = parse_value(s);
    if (!v || !push(s, x, &cap, v, key, klen)) return NULL;
    if (!skip_ws(s) || s->i >= s->n) return NULL;
    char c = s->p[s->i++];
    if (c == ',') continue;
    if (c == (object ? '}' : ']')) break;
    return NULL;
  }
  s->depth--;
  return x;
}

static em_jnode *parse_value(jp *s) {
  if (!skip_ws(s) || s->i >= s->n) return NULL;
  char c = s->p[s->i];
  if (c == '{') return parse_container(s, true);
  if (c == '[') return parse_container(s, false);
  if (c == '"' || c == '\'') {
    em_jnode *x = node(s, EM_J_STRING);
    if (!x || !parse_string(s, &x->s, &x->len)) return NULL;
    return x;
  }
  if (match_word(s, "true")) return node(s, EM_J_TRUE);
  if (match_word(s, "false")) return node(s, EM_J_FALSE);
  if (match_word(s, "null")) return node(s, EM_J_NULL);
  if (s->o->non_numeric && match_word(s, "NaN")) {
    em_jnode *x = node(s, EM_J_NONNUM);
    if (x) {
      x->s = "NaN";
      x->len = 3;
    }
    return x;
  }
  if (c == '-' || c == '+' || (c >= '0' && c <= '9') || c == 'I') return parse_number(s);
  return NULL;
}

em_jnode *em_json_parse(const em_json_opts *j, const char *p, size_t n, em_arena *a, bool *empty) {
  jp s = {.o = j, .p = p, .n = n, .a = a};
  *empty = false;
  if (!skip_ws(&s)) return NULL;
  if (s.i >= n) {
    *empty = true;
    return NULL;
  }
  em_jnode *x = parse_value(&s);
  if (!x || !skip_ws(&s) || s.i != n) return NULL;
  return x;
}

void em_json_write_node(const em_jnode *x, em_strbuf *sb) {
  switch (x->kind) {
  case EM_J_NULL: em_strbuf_puts(sb, "null"); break;
  case EM_J_TRUE: em_strbuf_puts(sb, "true"); break;
  case EM_J_FALSE: em_strbuf_puts(sb, "false"); break;
  case EM_J_INT: case EM_J_FLOAT: case EM_J_NONNUM: em_strbuf_append(sb, x->s, (size_t)x->len); break;
  case EM_J_STRING: em_json_put_string(sb, x->s, (size_t)x->len); break;
  case EM_J_ARRAY:
    em_strbuf_putc(sb, '[');
    for (int32_t i = 0; i < x->n; i++) {
      if (i) em_strbuf_putc(sb, ',');
      em_json_write_node(x->items[i], sb);
    }
    em_strbuf_putc(sb, ']');
    break;
  case EM_J_OBJECT:
    em_strbuf_putc(sb, '{');
    for (int32_t i = 0; i < x->n; i++) {
      if (i) em_strbuf_putc(sb, ',');
      em_json_put_string(sb, x->keys[i], (size_t)x->key_lens[i]);
      em_strbuf_putc(sb, ':');
      em_json_write_node(x->items[i], sb);
    }
    em_strbuf_putc(sb, '}');
    break;
  }
}
