/*
 * String functions: upper/lower (ucase/lcase), length (char_length,
 * character_length), concat, substring/substr, trim/ltrim/rtrim,
 * startsWith/endsWith/contains (the names PySpark's Column methods send)
 * and LIKE.
 *
 * Every argument is cast to STRING first (Spark's ImplicitCastInputTypes:
 * upper(i) is upper(CAST(i AS STRING)), and the name stays "upper(i)"), so
 * each kernel reads UTF-8 vectors only. Positions and lengths are counted in
 * characters (code points), as UTF8String does; a NULL in any argument gives
 * NULL. concat, case mapping and trimming write their bytes in place
 * through em_fn_strout (an upper bound per row is known); the others build
 * results with the vector appenders.
 */
#include "expr_int.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

enum { STR_UPPER, STR_LOWER, STR_TRIM, STR_LTRIM, STR_RTRIM, STR_STARTS, STR_ENDS, STR_CONTAINS };

/* ---- UTF-8 ---- */

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

static int32_t utf8_chars(const char *s, int32_t n) {
  int32_t k = 0, i = 0;
  /* Eight bytes a step: continuation bytes are 10xxxxxx. */
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    uint64_t c = (w & ~(w << 1) & 0x8080808080808080ull) >> 7; /* 1 in each continuation byte */
    k += 8 - (int32_t)((c * 0x0101010101010101ull) >> 56);
  }
  for (; i < n; i++) k += !is_cont((unsigned char)s[i]);
  return k;
}

/* Byte offset of character `k` (n when k is past the end). */
static int32_t utf8_offset(const char *s, int32_t n, int64_t k) {
  int32_t i = 0;
  for (; i < n; i++)
    if (!is_cont((unsigned char)s[i]) && k-- == 0) return i;
  return n;
}

/* Decodes one code point at s (n bytes left) into *cp; returns its length,
 * or 0 for a malformed sequence (the caller copies that byte as is). */
static int utf8_decode(const unsigned char *s, int32_t n, uint32_t *cp) {
  int len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
  if (s[0] < 0xC2 || s[0] > 0xF4 || len > n) return 0;
  uint32_t c = s[0] & (0x7F >> len);
  for (int i = 1; i < len; i++) {
    if (!is_cont(s[i])) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  *cp = c;
  return len;
}

static int utf8_encode(uint32_t c, char *out) {
  if (c < 0x80) return out[0] = (char)c, 1;
  if (c < 0x800) return out[0] = (char)(0xC0 | (c >> 6)), out[1] = (char)(0x80 | (c & 0x3F)), 2;
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (c >> 18));
  out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* Non-ASCII case mapping uses glibc's Unicode tables through a C.UTF-8
 * locale object, created once and never changed (not the process locale,
 * which a library must not touch). Java's one-to-many mappings (German ß
 * upper-cases to "SS") are not reproduced: towupper maps one code point to
 * one. */
static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;
static void utf8_locale_init(void) { utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

/* Writes the case-mapped s to out (room for 2n bytes: a mapped code point
 * never takes more than twice the bytes of the one it replaces); returns
 * the byte count. */
static size_t map_case(const char *s, int32_t n, bool upper, char *out) {
  char *o = out;
  unsigned char lo = upper ? 'a' : 'A', hi = upper ? 'z' : 'Z';
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  int32_t i = 0;
  /* ASCII eight bytes a step: a byte in [lo, hi] has bit 5 flipped. With
   * every byte below 0x80, adding 0x80 - lo sets a byte's top bit exactly
   * when it is >= lo (no carry crosses bytes), likewise for > hi. */
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    if (w & high) break;
    uint64_t ge = (w + (0x80u - lo) * ones) & high, gt = (w + (0x7Fu - hi) * ones) & high;
    w ^= (ge & ~gt) >> 2;
    memcpy(o, &w, 8);
    o += 8;
  }
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      *o++ = (char)(c >= lo && c <= hi ? c ^ 0x20 : c);
      i++;
      continue;
    }
    uint32_t cp;
    int len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (!len) {
      *o++ = (char)c;
      i++;
      continue;
    }
    pthread_once(&utf8_locale_once, utf8_locale_init);
    if (utf8_locale) cp = (uint32_t)(upper ? towupper_l((wint_t)cp, utf8_locale) : towlower_l((wint_t)cp, utf8_locale));
    o += utf8_encode(cp, o);
    i += len;
  }
  return (size_t)(o - out);
}

/* ---- kernels ---- */

static bool any_null(em_vec *const *args, int nargs, int64_t i) {
  for (int a = 0; a < nargs; a++)
    if (em_vec_is_null(args[a], i)) return true;
  return false;
}

/* One-string-in, one-string-out functions: case mapping and trimming. */
static int unary_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  bool map = fi->op == STR_UPPER || fi->op == STR_LOWER;
  em_fn_strout o;
  if (em_fn_strout_init(&o, em_type_string(), n, args, 1, args[0]->data ? args[0]->data->len : 0))
    return em_error_internal(err, "out of memory");
  const uint8_t *valid = o.v->validity ? o.v->validity->data : NULL;
  for (int64_t i = 0; i < n; i++) {
    if (valid && !em_bit_get(valid, i)) {
      em_fn_strout_put(&o, i, 0);
      continue;
    }
    int32_t len;
    const char *s = em_vec_str(args[0], i, &len);
    if (!map) {
      /* Spark's trim removes the space character (0x20) only. */
      int32_t b = 0, end = len;
      if (fi->op != STR_RTRIM)
        while (b < end && s[b] == ' ') b++;
      if (fi->op != STR_LTRIM)
        while (end > b && s[end - 1] == ' ') end--;
      s += b;
      len = end - b;
    }
    char *p = em_fn_strout_room(&o, map ? 2 * (size_t)len : (size_t)len);
    if (!p) {
      em_fn_strout_abort(&o);
      return em_error_internal(err, "out of memory");
    }
    if (map) {
      em_fn_strout_put(&o, i, map_case(s, len, fi->op == STR_UPPER, p));
    } else {
      memcpy(p, s, (size_t)len);
      em_fn_strout_put(&o, i, (size_t)len);
    }
  }
  return em_fn_strout_finish(&o, out, err);
}

static int length_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  em_vec *r = em_fn_result(e->type, n, args, 1);
  if (!r) return em_error_internal(err, "out of memory");
  int32_t *v = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(args[0], i)) continue;
    int32_t len;
    const char *s = em_vec_str(args[0], i, &len);
    v[i] = utf8_chars(s, len);
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

/* concat(s1, ..., sk): NULL when any argument is. Constant arguments
 * arrive as one-row vectors (em_fn_kernel_takes_scalars). */
static int concat_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  int k = e->nargs;
  em_vec *fullv[16], **full = k <= 16 ? fullv : em_calloc((size_t)k, sizeof *full);
  if (!full) return em_error_internal(err, "out of memory");
  int nfull = 0;
  size_t fixed = 0, hint = 0;
  for (int a = 0; a < k; a++) {
    if (args[a]->len == n) {
      full[nfull++] = args[a];
      hint += args[a]->data ? args[a]->data->len : 0;
    } else if (em_vec_is_null(args[a], 0)) {
      if (full != fullv) em_free(full);
      if (!(*out = em_vec_new_nulls(em_type_string(), n))) return em_error_internal(err, "out of memory");
      return 0;
    } else {
      int32_t len;
      em_vec_str(args[a], 0, &len);
      fixed += (size_t)len;
    }
  }
  em_fn_strout o;
  int rc = em_fn_strout_init(&o, em_type_string(), n, full, nfull, hint + fixed * (size_t)n);
  if (full != fullv) em_free(full);
  if (rc) return em_error_internal(err, "out of memory");
  const uint8_t *valid = o.v->validity ? o.v->validity->data : NULL;
  for (int64_t i = 0; i < n; i++) {
    if (valid && !em_bit_get(valid, i)) {
      em_fn_strout_put(&o, i, 0);
      continue;
    }
    size_t need = fixed;
    for (int a = 0; a < k; a++)
      if (args[a]->len == n) {
        const int32_t *off = em_vec_offsets(args[a]);
        need += (size_t)(off[i + 1] - off[i]);
      }
    char *p = em_fn_strout_room(&o, need);
    if (!p) {
      em_fn_strout_abort(&o);
      return em_error_internal(err, "out of memory");
    }
    for (int a = 0; a < k; a++) {
      int32_t len;
      const char *s = em_vec_str(args[a], args[a]->len == n ? i : 0, &len);
      memcpy(p, s, (size_t)len);
      p += len;
    }
    em_fn_strout_put(&o, i, need);
  }
  return em_fn_strout_finish(&o, out, err);
}

bool em_fn_is_concat_kernel(em_kernel_fn k) { return k == concat_kernel; }

/* UTF8String.substringSQL: a 1-based start (0 acts as 1; negative counts
 * from the end), a length in characters; the end saturates at the int
 * range before both ends are clipped to the string. */
static void substring_sql(const char *s, int32_t len, int32_t pos, int32_t count, int32_t *b, int32_t *e) {
  int64_t nchars = utf8_chars(s, len);
  int64_t start = pos > 0 ? (int64_t)pos - 1 : pos < 0 ? nchars + pos : 0;
  int64_t end = start + count;
  if (end > INT32_MAX) end = INT32_MAX;
  if (start < 0) start = 0;
  if (start >= end || start >= nchars) {
    *b = *e = 0;
    return;
  }
  *b = utf8_offset(s, len, start);
  *e = end >= nchars ? len : utf8_offset(s, len, end);
}

static int substring_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)ctx;
  em_vec *r = em_vec_new(em_type_string(), n);
  if (!r) return em_error_internal(err, "out of memory");
  const int32_t *pos = em_vec_values(args[1]), *cnt = e->nargs == 3 ? em_vec_values(args[2]) : NULL;
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    if (any_null(args, e->nargs, i)) {
      rc = em_vec_append_null(r);
      continue;
    }
    int32_t len, b, end;
    const char *s = em_vec_str(args[0], i, &len);
    substring_sql(s, len, pos[i], cnt ? cnt[i] : INT32_MAX, &b, &end);
    rc = em_vec_append_bytes(r, s + b, (size_t)(end - b));
  }
  if (rc) {
    em_vec_unref(r);
    return em_error_internal(err, "out of memory");
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

/* startsWith / endsWith / contains compare bytes: UTF-8 makes a byte match
 * a character match. */
static int predicate_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  em_vec *r = em_fn_result(e->type, n, args, 2);
  if (!r) return em_error_internal(err, "out of memory");
  uint8_t *bits = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    if (any_null(args, 2, i)) continue;
    int32_t ls, lp;
    const char *s = em_vec_str(args[0], i, &ls), *p = em_vec_str(args[1], i, &lp);
    bool hit = false;
    if (lp <= ls) {
      if (fi->op == STR_STARTS)
        hit = memcmp(s, p, (size_t)lp) == 0;
      else if (fi->op == STR_ENDS)
        hit = memcmp(s + ls - lp, p, (size_t)lp) == 0;
      else
        hit = lp == 0 || memmem(s, (size_t)ls, p, (size_t)lp) != NULL;
    }
    if (hit) em_bit_set(bits, i);
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

/* ---- LIKE ----
 * The pattern is checked as StringUtils.escapeLikeRegex does (the escape
 * '\' must be followed by '_', '%' or '\'), then matched directly: '_' is
 * any one character (newlines too: Spark's regex runs in DOTALL mode), '%'
 * any run. The matcher backtracks only to the last '%', which is enough
 * because a later '%' can absorb whatever an earlier one would have. */

/* The escape character: its UTF-8 bytes (1 to 4). */
typedef struct like_esc {
  char b[4];
  int32_t n;
} like_esc;

static bool esc_at(const char *p, int32_t n, int32_t i, const like_esc *e) {
  return i + e->n <= n && memcmp(p + i, e->b, (size_t)e->n) == 0;
}

static int like_check(const char *p, int32_t n, const like_esc *esc, em_error *err) {
  for (int32_t i = 0; i < n; i++) {
    if (!esc_at(p, n, i, esc)) continue;
    /* The format parameter is the pattern as a SQL literal (toSQLValue):
     * quoted, with backslashes and quotes escaped. */
    char fmt[512];
    size_t k = 0;
    fmt[k++] = '\'';
    for (int32_t j = 0; j < n && k < sizeof fmt - 4; j++) {
      if (p[j] == '\\' || p[j] == '\'') fmt[k++] = '\\';
      fmt[k++] = p[j];
    }
    fmt[k++] = '\'';
    fmt[k] = '\0';
    int32_t at = i + esc->n; /* the escaped character */
    if (at == n) {
      em_error_set(err, EM_ERR_INVALID_FORMAT_ESC_AT_THE_END, "format", fmt, NULL);
      em_error_no_context(err); /* as Spark */
      return -1;
    }
    char c = p[at];
    if (c != '_' && c != '%' && !esc_at(p, n, at, esc)) {
      char ch[8];
      int32_t clen = 1;
      while (at + clen < n && is_cont((unsigned char)p[at + clen]) && clen < 4) clen++;
      snprintf(ch, sizeof ch, "'%.*s'", (int)clen, p + at);
      em_error_set(err, EM_ERR_INVALID_FORMAT_ESC_IN_THE_MIDDLE, "format", fmt, "char", ch, NULL);
      em_error_no_context(err); /* as Spark */
      return -1;
    }
    i = at + (esc_at(p, n, at, esc) ? esc->n : 1) - 1;
  }
  return 0;
}

/* Length of the character at s (1 for a stray byte). */
static int32_t char_len(const char *s, int32_t n) {
  int32_t k = 1;
  while (k < n && is_cont((unsigned char)s[k])) k++;
  return k;
}

static bool like_match(const char *s, int32_t ns, const char *p, int32_t np, const like_esc *esc) {
  int32_t si = 0, pi = 0, star_p = -1, star_s = 0;
  while (si < ns) {
    if (pi < np && p[pi] == '%') {
      star_p = ++pi;
      star_s = si;
      continue;
    }
    if (pi < np) {
      if (p[pi] == '_') {
        si += char_len(s + si, ns - si);
        pi++;
        continue;
      }
      int32_t lit = esc_at(p, np, pi, esc) ? pi + esc->n : pi;
      int32_t cl = char_len(p + lit, np - lit);
      if (si + cl <= ns && memcmp(s + si, p + lit, (size_t)cl) == 0) {
        si += cl;
        pi = lit + cl;
        continue;
      }
    }
    if (star_p < 0) return false;
    star_s += char_len(s + star_s, ns - star_s);
    si = star_s;
    pi = star_p;
  }
  while (pi < np && p[pi] == '%') pi++;
  return pi == np;
}

/* A constant pattern made only of literal text and '%' (no '_'): its
 * literal segments, unescaped, matched with memmem, leftmost first (with
 * only '%' between them, the leftmost occurrence of each segment is never
 * worse than a later one). */
typedef struct like_lit {
  char *buf;           /* the segments' bytes, back to back */
  int32_t *off, *len;  /* segment k: buf + off[k], len[k] bytes */
  int nseg;
  bool lead, trail;    /* the pattern starts / ends with '%' */
  bool any_pct;
} like_lit;

static bool like_lit_compile(const char *p, int32_t np, const like_esc *esc, like_lit *L) {
  memset(L, 0, sizeof *L);
  L->buf = em_malloc((size_t)np + 1);
  L->off = em_malloc(sizeof(int32_t) * ((size_t)np + 1));
  L->len = em_malloc(sizeof(int32_t) * ((size_t)np + 1));
  if (!L->buf || !L->off || !L->len) return false;
  int32_t w = 0, start = 0;
  bool open = false;
  for (int32_t i = 0; i < np;) {
    if (esc_at(p, np, i, esc)) {
      int32_t at = i + esc->n;
      int32_t cl = esc_at(p, np, at, esc) ? esc->n : 1;
      memcpy(L->buf + w, p + at, (size_t)cl);
      w += cl;
      open = true;
      i = at + cl;
      continue;
    }
    if (p[i] == '_') return false;
    if (p[i] == '%') {
      if (i == 0) L->lead = true;
      if (i == np - 1) L->trail = true;
      L->any_pct = true;
      if (open && w > start) {
        L->off[L->nseg] = start;
        L->len[L->nseg++] = w - start;
      }
      start = w;
      open = false;
      i++;
      continue;
    }
    /* A segment must start on a character boundary for byte search to be a
     * character match. */
    if (!open && is_cont((unsigned char)p[i])) return false;
    L->buf[w++] = p[i++];
    open = true;
  }
  if (open && w > start) {
    L->off[L->nseg] = start;
    L->len[L->nseg++] = w - start;
  }
  return true;
}

static void like_lit_free(like_lit *L) {
  em_free(L->buf);
  em_free(L->off);
  em_free(L->len);
}

static bool like_lit_match(const like_lit *L, const char *s, int32_t ns) {
  if (!L->any_pct) /* exact */
    return L->nseg == 0 ? ns == 0 : ns == L->len[0] && memcmp(s, L->buf, (size_t)ns) == 0;
  int first = 0, last = L->nseg; /* segments [first, last) are searched */
  int32_t pos = 0, end = ns;
  if (!L->lead && L->nseg > 0) {
    if (L->len[0] > ns || memcmp(s, L->buf + L->off[0], (size_t)L->len[0]) != 0) return false;
    pos = L->len[0];
    first = 1;
  }
  if (!L->trail && last > first) {
    int32_t k = L->len[last - 1];
    if (ns - k < pos || memcmp(s + ns - k, L->buf + L->off[last - 1], (size_t)k) != 0) return false;
    end = ns - k;
    last--;
  }
  for (int g = first; g < last; g++) {
    const char *hit = memmem(s + pos, (size_t)(end - pos), L->buf + L->off[g], (size_t)L->len[g]);
    if (!hit) return false;
    pos = (int32_t)(hit - s) + L->len[g];
  }
  return true;
}

static int like_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  like_esc esc = {{'\\'}, 1};
  if (fi) {
    uint32_t packed = (uint32_t)fi->op;
    memcpy(esc.b, &packed, 4);
    esc.n = 1;
    while (esc.n < 4 && is_cont((unsigned char)esc.b[esc.n])) esc.n++;
  }
  /* A constant pattern (a one-row vector) is checked and compiled once. */
  if (args[1]->len != n && args[0]->len == n) {
    if (em_vec_is_null(args[1], 0)) {
      if (!(*out = em_vec_new_nulls(e->type, n))) return em_error_internal(err, "out of memory");
      return 0;
    }
    int32_t lp;
    const char *p = em_vec_str(args[1], 0, &lp);
    if (like_check(p, lp, &esc, err)) return -1;
    like_lit L;
    bool lit = like_lit_compile(p, lp, &esc, &L);
    em_vec *r = em_fn_result(e->type, n, args, 1);
    if (!r) {
      like_lit_free(&L);
      return em_error_internal(err, "out of memory");
    }
    uint8_t *bits = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(args[0], i)) continue;
      int32_t ls;
      const char *s = em_vec_str(args[0], i, &ls);
      if (lit ? like_lit_match(&L, s, ls) : like_match(s, ls, p, lp, &esc)) em_bit_set(bits, i);
    }
    like_lit_free(&L);
    em_fn_finish(r, n);
    *out = r;
    return 0;
  }
  em_vec *full[2];
  if (em_fn_expand_scalars(args, 2, n, full)) return em_error_internal(err, "out of memory");
  em_vec *r = em_fn_result(e->type, n, full, 2);
  if (!r) {
    em_vec_unref(full[0]);
    em_vec_unref(full[1]);
    return em_error_internal(err, "out of memory");
  }
  uint8_t *bits = em_vec_values(r);
  int rc = 0;
  for (int64_t i = 0; i < n; i++) {
    if (any_null(full, 2, i)) continue;
    int32_t ls, lp;
    const char *s = em_vec_str(full[0], i, &ls), *p = em_vec_str(full[1], i, &lp);
    if ((rc = like_check(p, lp, &esc, err))) break;
    if (like_match(s, ls, p, lp, &esc)) em_bit_set(bits, i);
  }
  em_vec_unref(full[0]);
  em_vec_unref(full[1]);
  if (rc) {
    em_vec_unref(r);
    return -1;
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

bool em_fn_is_like_kernel(em_kernel_fn k) { return k == like_kernel; }

/* ---- resolvers ---- */

int em_fn_resolve_upper(em_func_call *call, em_error *err);
int em_fn_resolve_lower(em_func_call *call, em_error *err);
int em_fn_resolve_length(em_func_call *call, em_error *err);
int em_fn_resolve_concat(em_func_call *call, em_error *err);
int em_fn_resolve_substring(em_func_call *call, em_error *err);
int em_fn_resolve_trim(em_func_call *call, em_error *err);
int em_fn_resolve_ltrim(em_func_call *call, em_error *err);
int em_fn_resolve_rtrim(em_func_call *call, em_error *err);
int em_fn_resolve_startswith(em_func_call *call, em_error *err);
int em_fn_resolve_endswith(em_func_call *call, em_error *err);
int em_fn_resolve_contains(em_func_call *call, em_error *err);
int em_fn_resolve_like(em_func_call *call, em_error *err);

/* Casts args[from..to) to STRING; nested types have no implicit cast. */
static int strings_in(em_func_call *call, int from, int to, em_error *err) {
  for (int i = from; i < to; i++) {
    if (em_type_is_nested(call->args[i]->type))
      return em_fn_type_error_unexpected(call, call->sql, i, "\"STRING\"", err);
    if (em_coerce_arg(call, i, em_type_string(), err)) return -1;
  }
  return 0;
}

static bool any_nullable(const em_func_call *call) {
  for (int i = 0; i < call->nargs; i++)
    if (call->args[i]->nullable) return true;
  return false;
}

/* The common tail: the SQL name as called, STRING arguments, the result. */
static int resolve_named(em_func_call *call, const char *fname, int nargs, int op, em_type *type, em_kernel_fn k,
                         em_error *err) {
  if (call->nargs != nargs) return em_fn_wrong_num_args(call, nargs == 1 ? "1" : "2", err);
  call->sql = em_fn_sql_call(call, fname);
  if (strings_in(call, 0, call->nargs, err)) return -1;
  call->type = type;
  call->nullable = any_nullable(call);
  call->kernel = k;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

static int resolve_simple(em_func_call *call, int nargs, int op, em_type *type, em_kernel_fn k, em_error *err) {
  return resolve_named(call, call->name, nargs, op, type, k, err);
}

int em_fn_resolve_upper(em_func_call *call, em_error *err) {
  return resolve_simple(call, 1, STR_UPPER, em_type_string(), unary_kernel, err);
}
int em_fn_resolve_lower(em_func_call *call, em_error *err) {
  return resolve_simple(call, 1, STR_LOWER, em_type_string(), unary_kernel, err);
}
int em_fn_resolve_trim(em_func_call *call, em_error *err) {
  return resolve_simple(call, 1, STR_TRIM, em_type_string(), unary_kernel, err);
}
int em_fn_resolve_ltrim(em_func_call *call, em_error *err) {
  return resolve_simple(call, 1, STR_LTRIM, em_type_string(), unary_kernel, err);
}
int em_fn_resolve_rtrim(em_func_call *call, em_error *err) {
  return resolve_simple(call, 1, STR_RTRIM, em_type_string(), unary_kernel, err);
}
int em_fn_resolve_length(em_func_call *call, em_error *err) {
  return resolve_simple(call, 1, 0, em_type_int(), length_kernel, err);
}

/* PySpark sends startsWith / endsWith; Spark's column name is lower case. */
int em_fn_resolve_startswith(em_func_call *call, em_error *err) {
  return resolve_named(call, "startswith", 2, STR_STARTS, em_type_boolean(), predicate_kernel, err);
}
int em_fn_resolve_endswith(em_func_call *call, em_error *err) {
  return resolve_named(call, "endswith", 2, STR_ENDS, em_type_boolean(), predicate_kernel, err);
}
int em_fn_resolve_contains(em_func_call *call, em_error *err) {
  return resolve_simple(call, 2, STR_CONTAINS, em_type_boolean(), predicate_kernel, err);
}

/* The escape character of like(s, p, esc): a one-character string
 * literal (INVALID_ESCAPE_CHAR otherwise), packed as its UTF-8 bytes. */
static int like_escape(em_func_call *call, uint32_t *esc, int32_t *len, em_error *err) {
  *esc = '\\';
  *len = 1;
  if (call->nargs < 3) return 0;
  const em_expr *x = call->args[2];
  int32_t n = 0;
  const char *p = NULL;
  if (x->kind == EM_EX_LITERAL && em_type_is_string_like(x->type) && !em_vec_is_null(x->u.lit, 0))
    p = em_vec_str(x->u.lit, 0, &n);
  int32_t cl = p && n > 0 ? char_len(p, n) : 0;
  if (!p || n == 0 || cl != n)
    return em_error_set(err, EM_ERR_INVALID_ESCAPE_CHAR, "sqlExpr",
                        em_arena_printf(call->arena, "\"%s\"", call->arg_sql[2]), NULL);
  *esc = 0;
  memcpy(esc, p, (size_t)n);
  *len = n;
  return 0;
}

static int resolve_like(em_func_call *call, bool ilike, em_error *err) {
  if (call->nargs != 2 && call->nargs != 3) return em_fn_wrong_num_args(call, "[2, 3]", err);
  uint32_t esc;
  int32_t elen;
  if (like_escape(call, &esc, &elen, err)) return -1;
  if (ilike)
    call->sql = em_arena_printf(call->arena, "ilike(%s, %s)", call->arg_sql[0], call->arg_sql[1]);
  else if (esc == '\\')
    call->sql = em_arena_printf(call->arena, "%s LIKE %s", call->arg_sql[0], call->arg_sql[1]);
  else
    call->sql = em_arena_printf(call->arena, "%s LIKE %s ESCAPE '%.*s'", call->arg_sql[0], call->arg_sql[1],
                                (int)elen, (const char *)&esc);
  call->nargs = 2;
  if (strings_in(call, 0, call->nargs, err)) return -1;
  if (ilike) {
    /* ILIKE is LIKE over lower(s) and lower(p). */
    for (int i = 0; i < 2; i++) {
      em_expr *l = em_arena_calloc(call->arena, sizeof *l);
      em_expr **a = em_arena_calloc(call->arena, sizeof *a);
      em_fn_info *fi = em_fn_info_new(call, STR_LOWER);
      if (!l || !a || !fi) return em_error_internal(err, "out of memory");
      a[0] = call->args[i];
      l->kind = EM_EX_CALL;
      l->type = em_type_string();
      l->nullable = call->args[i]->nullable;
      l->nargs = 1;
      l->args = a;
      l->u.fn.name = "lower";
      l->u.fn.kernel = unary_kernel;
      l->u.fn.data = fi;
      call->args[i] = l;
    }
  }
  call->type = em_type_boolean();
  call->nullable = any_nullable(call);
  call->kernel = like_kernel;
  if (!(call->data = em_fn_info_new(call, (int)esc))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_like(em_func_call *call, em_error *err) { return resolve_like(call, false, err); }
int em_fn_resolve_ilike(em_func_call *call, em_error *err);
int em_fn_resolve_ilike(em_func_call *call, em_error *err) { return resolve_like(call, true, err); }

bool em_fn_concat_is_array(const em_func_call *call);
int em_fn_resolve_concat_arrays(em_func_call *call, em_error *err);

int em_fn_resolve_concat(em_func_call *call, em_error *err) {
  if (em_fn_concat_is_array(call)) return em_fn_resolve_concat_arrays(call, err);
  call->sql = em_fn_sql_call(call, "concat");
  if (strings_in(call, 0, call->nargs, err)) return -1;
  call->type = em_type_string();
  call->nullable = any_nullable(call);
  call->kernel = concat_kernel;
  return 0;
}

/* substring(s, pos[, len]): a missing length is Integer.MAX_VALUE, and Spark
 * names the column with it ("substring(s, 3, 2147483647)"); the kernel
 * reads a two-argument call that way. Positions and lengths of any numeric
 * or string type are cast to INT. */
int em_fn_resolve_substring(em_func_call *call, em_error *err) {
  if (call->nargs != 2 && call->nargs != 3) return em_fn_wrong_num_args(call, "[2, 3]", err);
  call->sql = call->nargs == 3 ? em_fn_sql_call(call, call->name)
                               : em_arena_printf(call->arena, "%s(%s, %s, %d)", call->name, call->arg_sql[0],
                                                 call->arg_sql[1], INT32_MAX);
  if (!call->sql) return em_error_internal(err, "out of memory");
  if (strings_in(call, 0, 1, err)) return -1;
  for (int i = 1; i < call->nargs; i++) {
    em_type *t = call->args[i]->type;
    if (!em_type_is_numeric(t) && !em_type_is_string_like(t) && t->id != EM_T_NULL)
      return em_fn_type_error_unexpected(call, call->sql, i, "\"INT\"", err);
    if (em_coerce_arg(call, i, em_type_int(), err)) return -1;
  }
  call->type = em_type_string();
  call->nullable = any_nullable(call);
  call->kernel = substring_kernel;
  return 0;
}
