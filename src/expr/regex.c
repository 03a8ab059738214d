/*
 * Java regular expressions over PCRE2 (see regex.h).
 *
 * Compilation: the Java pattern is rewritten where PCRE2 reads it
 * differently -- Java's POSIX classes \p{Alpha}, \p{Punct}... become PCRE2's
 * [[:alpha:]] (inside a class [:alpha:], negated [:^alpha:]), the Is/In
 * prefixes of \p{IsLatin} are dropped -- and compiled with UTF, invalid
 * UTF-8 subjects allowed, ASCII-only \d \w \s (Java's default, no UCP),
 * \uXXXX and \x{...} escapes (ALT_BSUX) and CR, LF and CRLF as line ends
 * (Java's '.' and '$' treat those as line terminators). \Q...\E, named
 * groups, lookaround, possessive quantifiers and inline flags are common to
 * both. Not translated: class intersections ([a-z&&[^x]]) and unions of
 * nested classes.
 *
 * Memory: a pattern compiled into an arena (a literal pattern, compiled
 * once when the plan is built) takes all its memory from it and is never
 * freed on its own; read-only afterwards, it is shared by the threads that
 * evaluate the plan. Match data is per matcher, from the counted heap.
 */
#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

struct em_regex {
  pcre2_code *code;
  int ngroups;
  bool heap; /* compiled on the heap (em_regex_free frees it) */
};

/* ---- allocators ---- */

static void *arena_malloc(PCRE2_SIZE n, void *ud) { return em_arena_alloc(ud, n ? n : 1); }
static void arena_free(void *p, void *ud) {
  (void)p;
  (void)ud;
}
static void *heap_malloc(PCRE2_SIZE n, void *ud) {
  (void)ud;
  return em_malloc(n ? n : 1);
}
static void heap_free(void *p, void *ud) {
  (void)ud;
  em_free(p);
}

static pcre2_general_context *heap_context(void) { return pcre2_general_context_create(heap_malloc, heap_free, NULL); }

/* ---- Java syntax to PCRE2 ---- */

static const char *const posix_classes[][2] = {
    {"Lower", "lower"}, {"Upper", "upper"}, {"ASCII", "ascii"}, {"Alpha", "alpha"}, {"Digit", "digit"},
    {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"}, {"Print", "print"}, {"Blank", "blank"},
    {"Cntrl", "cntrl"}, {"XDigit", "xdigit"}, {"Space", "space"},
};

static const char *posix_of(const char *name, size_t len) {
  for (size_t k = 0; k < sizeof posix_classes / sizeof posix_classes[0]; k++)
    if (strlen(posix_classes[k][0]) == len && memcmp(posix_classes[k][0], name, len) == 0) return posix_classes[k][1];
  return NULL;
}

/* Java's quantifier {n}, {n,} or {n,m} at p[i] (a '{'): its length, or 0. */
static size_t quantifier_len(const char *p, size_t n, size_t i) {
  size_t k = i + 1, d = 0;
  while (k < n && p[k] >= '0' && p[k] <= '9') k++, d++;
  if (!d) return 0;
  if (k < n && p[k] == ',') {
    k++;
    while (k < n && p[k] >= '0' && p[k] <= '9') k++;
  }
  return k < n && p[k] == '}' ? k + 1 - i : 0;
}

/* Rewrites p into out; false when Java rejects what PCRE2 would read
 * literally (a '{' that is not a quantifier of something). */
static bool translate(const char *p, size_t n, em_strbuf *out) {
  bool in_class = false;
  size_t i = 0;
  while (i < n) {
    if (p[i] == '{' && !in_class) {
      size_t q = quantifier_len(p, n, i);
      if (!q || i == 0 || p[i - 1] == '(' || p[i - 1] == '|') return false;
      em_strbuf_append(out, p + i, q);
      i += q;
      continue;
    }
    char c = p[i];
    if (c == '\\' && i + 1 < n) {
      char d = p[i + 1];
      if (d == 'Q') { /* quoted run, copied untouched up to \E */
        const char *e = NULL;
        for (size_t k = i + 2; k + 1 < n; k++)
          if (p[k] == '\\' && p[k + 1] == 'E') {
            e = p + k;
            break;
          }
        size_t end = e ? (size_t)(e - p) + 2 : n;
        em_strbuf_append(out, p + i, end - i);
        i = end;
        continue;
      }
      if ((d == 'p' || d == 'P') && i + 2 < n && p[i + 2] == '{') {
        const char *close = memchr(p + i + 3, '}', n - i - 3);
        if (close) {
          const char *name = p + i + 3;
          size_t len = (size_t)(close - name);
          const char *px = posix_of(name, len);
          if (px) {
            bool neg = d == 'P';
            if (in_class)
              em_strbuf_printf(out, "[:%s%s:]", neg ? "^" : "", px);
            else
              em_strbuf_printf(out, "[%s[:%s:]]", neg ? "^" : "", px);
          } else {
            if (len > 2 && (memcmp(name, "Is", 2) == 0 || memcmp(name, "In", 2) == 0)) name += 2, len -= 2;
            em_strbuf_printf(out, "\\%c{%.*s}", d, (int)len, name);
          }
          i = (size_t)(close - p) + 1;
          continue;
        }
      }
      em_strbuf_append(out, p + i, 2);
      i += 2;
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      em_strbuf_putc(out, c);
      i++;
      if (i < n && p[i] == '^') em_strbuf_putc(out, p[i++]);
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    em_strbuf_putc(out, c);
    i++;
  }
  return true;
}

/* ---- compile ---- */

int em_regex_compile(const char *p, size_t n, em_arena *arena, em_regex **out, em_error *err) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (!translate(p, n, &sb)) {
    em_strbuf_free(&sb);
    return 1;
  }
  if (sb.oom) {
    em_strbuf_free(&sb);
    return em_error_internal(err, "out of memory compiling a pattern");
  }
  pcre2_general_context *g =
      arena ? pcre2_general_context_create(arena_malloc, arena_free, arena) : heap_context();
  pcre2_compile_context *cc = g ? pcre2_compile_context_create(g) : NULL;
  em_regex *re = arena ? em_arena_calloc(arena, sizeof *re) : em_calloc(1, sizeof *re);
  int rc = -1;
  if (!cc || !re) goto oom;
  pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
  pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
  int ecode;
  PCRE2_SIZE eoff;
  re->code = pcre2_compile((PCRE2_SPTR)(sb.data ? sb.data : ""), sb.len,
                           PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_BSUX, &ecode, &eoff, cc);
  if (!re->code) {
    rc = ecode == PCRE2_ERROR_NOMEMORY ? -1 : 1;
    if (rc < 0) goto oom;
    goto done;
  }
  uint32_t cap = 0;
  pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
  re->ngroups = (int)cap;
  re->heap = !arena;
  *out = re;
  re = NULL;
  rc = 0;
  goto done;
oom:
  em_error_internal(err, "out of memory compiling a pattern");
done:
  if (!arena) {
    if (re) em_free(re);
    if (cc) pcre2_compile_context_free(cc);
    if (g) pcre2_general_context_free(g);
  }
  em_strbuf_free(&sb);
  return rc;
}

void em_regex_free(em_regex *re) {
  if (!re || !re->heap) return;
  pcre2_code_free(re->code);
  em_free(re);
}

int em_regex_groups(const em_regex *re) { return re->ngroups; }

int em_regex_group_number(const em_regex *re, const char *name) {
  int k = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
  return k < 0 ? -1 : k;
}

/* ---- matching ---- */

int em_regex_matcher_init(em_regex_matcher *m, const em_regex *re, em_error *err) {
  memset(m, 0, sizeof *m);
  m->re = re;
  pcre2_general_context *g = heap_context();
  m->md = g ? pcre2_match_data_create((uint32_t)re->ngroups + 1, g) : NULL;
  m->mc = g ? pcre2_match_context_create(g) : NULL;
  if (g) pcre2_general_context_free(g);
  if (!m->md || !m->mc) {
    em_regex_matcher_free(m);
    return em_error_internal(err, "out of memory matching a pattern");
  }
  return 0;
}

void em_regex_matcher_free(em_regex_matcher *m) {
  if (m->md) pcre2_match_data_free(m->md);
  if (m->mc) pcre2_match_context_free(m->mc);
  m->md = NULL;
  m->mc = NULL;
}

static size_t char_len(const char *s, size_t n) {
  size_t k = 1;
  while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80) k++;
  return k;
}

int em_regex_find(em_regex_matcher *m, const char *s, size_t n, em_error *err) {
  if (m->next > n) return 0;
  int rc = pcre2_match(m->re->code, (PCRE2_SPTR)(s ? s : ""), n, m->next, 0, m->md, m->mc);
  if (rc == PCRE2_ERROR_NOMATCH) {
    m->next = n + 1;
    return 0;
  }
  if (rc < 0) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(rc, msg, sizeof msg);
    return em_error_internal(err, "regular expression match failed: %s", (const char *)msg);
  }
  const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
  size_t st = ov[0], en = ov[1];
  /* Java's find() searches again from the end of the match, one character
   * further after an empty match. */
  if (en <= st)
    m->next = en < n ? en + char_len(s + en, n - en) : n + 1;
  else
    m->next = en;
  return 1;
}

int64_t em_regex_start(const em_regex_matcher *m, int g) {
  const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
  return ov[2 * g] == PCRE2_UNSET ? -1 : (int64_t)ov[2 * g];
}

int64_t em_regex_end(const em_regex_matcher *m, int g) {
  const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
  return ov[2 * g + 1] == PCRE2_UNSET ? -1 : (int64_t)ov[2 * g + 1];
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int em_regex_expand(const em_regex_matcher *m, const char *s, const char *rep, size_t nrep, em_strbuf *out) {
  int ngroups = m->re->ngroups;
  size_t i = 0;
  while (i < nrep) {
    char c = rep[i];
    if (c == '\\') {
      if (++i == nrep) return 1; /* character to be escaped is missing */
      size_t cl = char_len(rep + i, nrep - i);
      em_strbuf_append(out, rep + i, cl);
      i += cl;
      continue;
    }
    if (c != '$') {
      em_strbuf_putc(out, c);
      i++;
      continue;
    }
    if (++i == nrep) return 1; /* group index is missing */
    int g;
    if (rep[i] == '{') {
      size_t b = ++i;
      while (i < nrep && is_alnum(rep[i])) i++;
      if (i == b || i == nrep || rep[i] != '}' || is_digit(rep[b])) return 1;
      char name[128];
      if (i - b >= sizeof name) return 1;
      memcpy(name, rep + b, i - b);
      name[i - b] = '\0';
      if ((g = em_regex_group_number(m->re, name)) < 0) return 1;
      i++;
    } else {
      if (!is_digit(rep[i])) return 1; /* illegal group reference */
      g = rep[i++] - '0';
      /* The longest run of digits that is still a group number. */
      while (i < nrep && is_digit(rep[i]) && g * 10 + (rep[i] - '0') <= ngroups) g = g * 10 + (rep[i++] - '0');
      if (g > ngroups) return 1; /* no group g */
    }
    int64_t st = em_regex_start(m, g), en = em_regex_end(m, g);
    if (st >= 0 && en >= st) em_strbuf_append(out, s + st, (size_t)(en - st));
  }
  return out->oom ? -1 : 0;
}

/* ---- split ---- */

int em_regex_split(em_regex_matcher *m, size_t pattern_len, const char *s, size_t n, int limit,
                   int (*emit)(void *ud, const char *p, size_t len), void *ud, em_error *err) {
  if (n > 0 && pattern_len == 0) {
    /* Characters one by one; the last piece takes the rest. */
    int64_t chars = 0;
    for (size_t k = 0; k < n; k += char_len(s + k, n - k)) chars++;
    int64_t pieces = limit <= 0 || limit > chars ? chars : limit;
    size_t k = 0;
    for (int64_t c = 0; c + 1 < pieces; c++) {
      size_t cl = char_len(s + k, n - k);
      if (emit(ud, s + k, cl)) return -1;
      k += cl;
    }
    return emit(ud, s + k, n - k);
  }
  if (limit == 0) limit = -1;
  /* Pieces are collected first: when nothing is split off, Java returns
   * the input itself. */
  size_t *cuts = NULL; /* start, end pairs */
  size_t ncuts = 0, cap = 0, index = 0;
  int rc = 0;
  em_regex_reset(m);
  for (;;) {
    int f = em_regex_find(m, s, n, err);
    if (f < 0) {
      rc = -1;
      break;
    }
    if (f == 0) break;
    size_t st = (size_t)em_regex_start(m, 0), en = (size_t)em_regex_end(m, 0);
    bool last = false;
    if (limit > 0 && ncuts >= (size_t)limit - 1) {
      last = true; /* the rest of the input is the last piece */
      st = n;
    } else if (index == 0 && st == 0 && en == 0) {
      continue; /* no empty leading piece for a zero-width match at 0 */
    }
    if (ncuts == cap) {
      size_t nc = cap ? cap * 2 : 16;
      size_t *np = em_realloc(cuts, nc * 2 * sizeof *np);
      if (!np) {
        rc = em_error_internal(err, "out of memory in split");
        break;
      }
      cuts = np;
      cap = nc;
    }
    cuts[2 * ncuts] = index;
    cuts[2 * ncuts + 1] = st;
    ncuts++;
    index = en;
    if (last) break;
  }
  if (rc == 0) {
    if (index == 0) {
      rc = emit(ud, s, n);
    } else {
      for (size_t k = 0; k < ncuts && !rc; k++) rc = emit(ud, s + cuts[2 * k], cuts[2 * k + 1] - cuts[2 * k]);
      if (!rc && (limit <= 0 || ncuts < (size_t)limit)) rc = emit(ud, s + index, n - index);
    }
  }
  em_free(cuts);
  return rc;
}

/* ---- cache ---- */

int em_regex_cache_get(em_regex_cache *c, const char *p, size_t n, em_regex_matcher **m, em_error *err) {
  if (!c->valid || c->len != n || (n && memcmp(c->text, p, n) != 0)) {
    em_regex_matcher_free(&c->m);
    em_regex_free(c->re);
    c->re = NULL;
    c->valid = false;
    char *t = em_realloc(c->text, n ? n : 1);
    if (!t) return em_error_internal(err, "out of memory compiling a pattern");
    c->text = t;
    if (n) memcpy(t, p, n);
    c->len = n;
    int rc = em_regex_compile(p, n, NULL, &c->re, err);
    if (rc < 0) return -1;
    if (rc == 0 && em_regex_matcher_init(&c->m, c->re, err)) {
      em_regex_free(c->re);
      c->re = NULL;
      return -1;
    }
    c->valid = true;
  }
  if (!c->re) return 1;
  em_regex_reset(&c->m);
  *m = &c->m;
  return 0;
}

void em_regex_cache_free(em_regex_cache *c) {
  em_regex_matcher_free(&c->m);
  em_regex_free(c->re);
  em_free(c->text);
  memset(c, 0, sizeof *c);
}

/* ---- Java string positions ---- */

int64_t em_regex_utf16_len(const char *s, size_t n) {
  int64_t u = 0;
  for (size_t k = 0; k < n;) {
    size_t cl = char_len(s + k, n - k);
    u += cl == 4 ? 2 : 1;
    k += cl;
  }
  return u;
}

size_t em_regex_utf16_offset(const char *s, size_t n, int64_t pos) {
  size_t k = 0;
  int64_t u = 0;
  while (k < n && u < pos) {
    size_t cl = char_len(s + k, n - k);
    u += cl == 4 ? 2 : 1;
    k += cl;
  }
  return k;
}
