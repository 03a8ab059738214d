/*
 * Spark's CSV options (CSVOptions: names, defaults) and the tokenizer that
 * splits a record into fields as Spark's univocity settings do: a
 * (possibly multi-character) delimiter, quoted fields with the escape
 * character before a quote, an unquoted empty field as null and a quoted
 * empty one as the emptyValue, optional trimming of unquoted whitespace.
 * A quoted field with an unescaped quote inside is taken raw, quotes and
 * all, up to the next delimiter (univocity's STOP_AT_DELIMITER).
 */
#include "csv_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Spark's CSVOptions.delimiter handling of escapes like "\t" and "\u0001". */
static char *unescape_sep(const char *s, em_error *err) {
  size_t n = strlen(s);
  if (n == 0)
    return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Delimiter cannot be empty string", NULL), NULL;
  char *out = em_malloc(n + 1);
  if (!out) return em_error_internal(err, "out of memory"), NULL;
  if (strcmp(s, "\\t") == 0) strcpy(out, "\t");
  else if (strcmp(s, "\\n") == 0) strcpy(out, "\n");
  else if (strcmp(s, "\\r") == 0) strcpy(out, "\r");
  else if (strcmp(s, "\\b") == 0) strcpy(out, "\b");
  else if (strcmp(s, "\\f") == 0) strcpy(out, "\f");
  else if (strcmp(s, "\\\"") == 0) strcpy(out, "\"");
  else if (strcmp(s, "\\'") == 0) strcpy(out, "'");
  else if (strcmp(s, "\\\\") == 0) strcpy(out, "\\");
  else if (strncmp(s, "\\u", 2) == 0 && n == 6) {
    long cp = strtol(s + 2, NULL, 16);
    if (cp < 0x80) {
      out[0] = (char)cp;
      out[1] = '\0';
    } else {
      strcpy(out, s);
    }
  } else if (s[0] == '\\' && n == 2) {
    em_free(out);
    em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Unsupported special character for delimiter", NULL);
    em_error_append(err, ": %s", s);
    return NULL;
  } else {
    strcpy(out, s);
  }
  return out;
}

static int one_char(const em_options *o, const char *key, char dflt, char *out, em_error *err) {
  const char *v = em_options_get(o, key);
  if (!v) {
    *out = dflt;
    return 0;
  }
  if (strlen(v) > 1) {
    em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Option must be one character", NULL);
    em_error_append(err, ": %s", key);
    return -1;
  }
  *out = v[0]; /* "" = '\u0000' = none */
  return 0;
}

int em_csv_opts_init(em_csv_opts *c, const em_options *o, const char *session_tz, em_error *err) {
  memset(c, 0, sizeof *c);
  const char *sep = em_options_get(o, "sep");
  if (!sep) sep = em_options_get(o, "delimiter");
  c->sep = unescape_sep(sep ? sep : ",", err);
  if (!c->sep) return -1;
  c->sep_len = strlen(c->sep);
  int bad = 0;
  if (one_char(o, "quote", '"', &c->quote, err) || one_char(o, "escape", '\\', &c->escape, err) ||
      one_char(o, "comment", '\0', &c->comment, err))
    return -1;
  c->null_value = em_opt_str(o, "nullValue", "");
  c->empty_value_read = em_opt_str(o, "emptyValue", "");
  c->empty_value_write = em_opt_str(o, "emptyValue", "\"\"");
  c->nan_value = em_opt_str(o, "nanValue", "NaN");
  c->pos_inf = em_opt_str(o, "positiveInf", "Inf");
  c->neg_inf = em_opt_str(o, "negativeInf", "-Inf");
  c->header = em_opt_bool(o, "header", false, err, &bad);
  c->infer = em_opt_bool(o, "inferSchema", false, err, &bad);
  c->multiline = em_opt_bool(o, "multiLine", false, err, &bad);
  c->ignore_lead = em_opt_bool(o, "ignoreLeadingWhiteSpace", false, err, &bad);
  c->ignore_trail = em_opt_bool(o, "ignoreTrailingWhiteSpace", false, err, &bad);
  c->ignore_lead_w = em_opt_bool(o, "ignoreLeadingWhiteSpace", true, err, &bad);
  c->ignore_trail_w = em_opt_bool(o, "ignoreTrailingWhiteSpace", true, err, &bad);
  c->enforce_schema = em_opt_bool(o, "enforceSchema", true, err, &bad);
  c->prefer_date = em_opt_bool(o, "preferDate", true, err, &bad);
  c->quote_all = em_opt_bool(o, "quoteAll", false, err, &bad);
  c->escape_quotes = em_opt_bool(o, "escapeQuotes", true, err, &bad);
  if (bad) return -1;
  c->mode = em_opt_mode(o);
  c->corrupt_col = em_opt_str(o, "columnNameOfCorruptRecord", "_corrupt_record");
  c->date_format = em_options_get(o, "dateFormat");
  c->ts_format = em_options_get(o, "timestampFormat");
  c->ts_ntz_format = em_options_get(o, "timestampNTZFormat");
  if (em_dtfmt_compile(c->date_format, &c->date, err) || em_dtfmt_compile(c->ts_format, &c->ts, err) ||
      em_dtfmt_compile(c->ts_ntz_format, &c->ts_ntz, err))
    return -1;
  const char *tzname = em_options_get(o, "timeZone");
  c->tz = em_tz_get(tzname ? tzname : session_tz ? session_tz : "UTC", err);
  if (!c->tz) return -1;
  c->charset = em_options_get(o, "encoding");
  if (!c->charset) c->charset = em_options_get(o, "charset");
  c->line_sep = em_options_get(o, "lineSep");
  if (c->line_sep && (!*c->line_sep || strlen(c->line_sep) > 2))
    return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                        "requirement failed: 'lineSep' can contain only 1 character.", NULL);
  const char *mc = em_options_get(o, "maxColumns");
  c->max_columns = mc ? atoi(mc) : 20480;
  if (c->max_columns <= 0) c->max_columns = 20480;
  return 0;
}

void em_csv_opts_free(em_csv_opts *c) {
  em_free(c->sep);
  c->sep = NULL;
}

void em_csv_tokens_free(em_csv_tokens *t) {
  em_strbuf_free(&t->buf);
  em_free(t->start);
  em_free(t->len);
  memset(t, 0, sizeof *t);
}

bool em_csv_skip_line(const em_csv_opts *c, const char *p, size_t n) {
  size_t i = 0;
  while (i < n && (unsigned char)p[i] <= ' ') i++;
  if (i == n) return true;
  return c->comment && n > 0 && p[0] == c->comment;
}

static int push_field_slow(em_csv_tokens *t, int32_t start, int32_t len, const em_csv_opts *c, em_error *err);

/* Appends a field: in place while there is room under maxColumns. */
static inline int push_field(em_csv_tokens *t, int32_t start, int32_t len, const em_csv_opts *c, em_error *err) {
  if (__builtin_expect(t->n < t->cap && t->n < c->max_columns, 1)) {
    t->start[t->n] = start;
    t->len[t->n] = len;
    t->n++;
    return 0;
  }
  return push_field_slow(t, start, len, c, err);
}

static int push_field_slow(em_csv_tokens *t, int32_t start, int32_t len, const em_csv_opts *c, em_error *err) {
  if (t->n == t->cap) {
    int ncap = t->cap ? t->cap * 2 : 16;
    int32_t *ns = em_realloc(t->start, (size_t)ncap * sizeof *ns);
    if (ns) t->start = ns;
    int32_t *nl = ns ? em_realloc(t->len, (size_t)ncap * sizeof *nl) : NULL;
    if (!nl) return em_error_internal(err, "out of memory tokenizing CSV");
    t->len = nl;
    t->cap = ncap;
  }
  if (t->n >= c->max_columns)
    return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Number of columns exceeds maxColumns", NULL);
  t->start[t->n] = start;
  t->len[t->n] = len;
  t->n++;
  return 0;
}

static inline bool is_sep(const em_csv_opts *c, const char *p, size_t n, size_t i) {
  if (c->sep_len == 1) return i < n && p[i] == c->sep[0];
  return i + c->sep_len <= n && p[i] == c->sep[0] && memcmp(p + i, c->sep, c->sep_len) == 0;
}

static bool is_ws(char ch) { return ch == ' ' || ch == '\t' || (unsigned char)ch < ' '; }

/* Delimiter positions of a line, found 16 bytes at a time (SSE2) and
 * handed out in order. */
typedef struct sepscan {
  const char *p;
  size_t n, base;
  uint32_t mask; /* delimiters in [base, base + 16) not handed out yet */
  char sep;
} sepscan;

static inline uint32_t sep_block(const sepscan *s, size_t b) {
#ifdef __SSE2__
  if (b + 16 <= s->n) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s->p + b));
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(s->sep)));
  }
#endif
  uint32_t m = 0;
  for (size_t k = 0; k < 16 && b + k < s->n; k++) m |= (uint32_t)(s->p[b + k] == s->sep) << k;
  return m;
}

/* Positions from i on. */
static inline void sep_seek(sepscan *s, size_t i) {
  s->base = i;
  s->mask = i < s->n ? sep_block(s, i) : 0;
}

/* The next delimiter's position, or n. */
static inline size_t sep_next(sepscan *s) {
  while (!s->mask) {
    s->base += 16;
    if (s->base >= s->n) {
      s->base = s->n;
      return s->n;
    }
    s->mask = sep_block(s, s->base);
  }
  size_t k = s->base + (size_t)__builtin_ctz(s->mask);
  s->mask &= s->mask - 1;
  return k;
}

/* The common single-line record, with a one-character delimiter and no
 * trimming: every field unquoted, or quoted without quotes or escapes
 * inside and followed at once by the delimiter or the end. The line is
 * copied once and the fields point into the copy. 1 = tokenized; 0 = the
 * record needs the general rules below (nothing is kept); -1 = error. */
static int tokenize_simple(const em_csv_opts *c, const char *p, size_t n, em_csv_tokens *t, em_error *err) {
  const char q = c->quote, esc = c->escape;
  sepscan ss = {.p = p, .n = n, .sep = c->sep[0]};
  sep_seek(&ss, 0);
  size_t i = 0;
  for (;;) {
    if (q && i < n && p[i] == q) {
      const char *e = memchr(p + i + 1, q, n - i - 1);
      if (!e) return 0;
      size_t k = (size_t)(e - p), flen = k - i - 1;
      if ((k + 1 < n && p[k + 1] != ss.sep) || flen == 0 || (esc && memchr(p + i + 1, esc, flen))) return 0;
      if (push_field(t, (int32_t)(i + 1), (int32_t)flen, c, err)) return -1;
      i = k + 1;
      if (i < n) sep_seek(&ss, i + 1);
    } else {
      size_t k = sep_next(&ss);
      if (push_field(t, k > i ? (int32_t)i : 0, k > i ? (int32_t)(k - i) : -1, c, err)) return -1;
      i = k;
    }
    if (i >= n) break;
    i++; /* the delimiter */
  }
  em_strbuf_append(&t->buf, p, n);
  if (t->buf.oom) return em_error_internal(err, "out of memory tokenizing CSV");
  return 1;
}

int em_csv_tokenize(const em_csv_opts *c, const char *p, size_t n, size_t *pos, bool multiline, em_csv_tokens *t,
                    em_error *err) {
  t->n = 0;
  em_strbuf_reset(&t->buf);
  if (!multiline && *pos == 0 && c->sep_len == 1 && !c->ignore_lead && !c->ignore_trail && n < INT32_MAX) {
    int rc = tokenize_simple(c, p, n, t, err);
    if (rc < 0) return -1;
    if (rc > 0) {
      *pos = n;
      return 0;
    }
    t->n = 0;
  }
  size_t i = *pos;
  for (;;) {
    /* One field. */
    size_t fstart_buf = t->buf.len;
    bool quoted = false;
    size_t j = i;
    if (c->ignore_lead)
      while (j < n && is_ws(p[j]) && !is_sep(c, p, n, j) && p[j] != '\n' && p[j] != '\r') j++;
    if (c->quote && j < n && p[j] == c->quote) {
      quoted = true;
      i = j + 1;
      bool closed = false;
      while (i < n) {
        /* A run of ordinary characters is appended at once. */
        size_t run = i;
        while (run < n && p[run] != c->quote && p[run] != c->escape) run++;
        if (run > i) {
          em_strbuf_append(&t->buf, p + i, run - i);
          i = run;
          if (i >= n) break;
        }
        char ch = p[i];
        if (ch == c->escape && c->escape != c->quote && i + 1 < n && (p[i + 1] == c->quote || p[i + 1] == c->escape)) {
          em_strbuf_putc(&t->buf, p[i + 1]);
          i += 2;
          continue;
        }
        if (ch == c->quote) {
          if (c->escape == c->quote && i + 1 < n && p[i + 1] == c->quote) {
            em_strbuf_putc(&t->buf, ch);
            i += 2;
            continue;
          }
          /* Closing quote: trailing whitespace up to the delimiter is dropped. */
          size_t k = i + 1;
          while (k < n && (p[k] == ' ' || p[k] == '\t') && !is_sep(c, p, n, k)) k++;
          if (k >= n || is_sep(c, p, n, k) || (multiline && (p[k] == '\n' || p[k] == '\r'))) {
            i = k;
            closed = true;
            break;
          }
          /* Unescaped quote: the field is its raw text, opening quote
           * included, up to the delimiter (univocity's STOP_AT_DELIMITER). */
          t->buf.len = fstart_buf;
          i = j;
          while (i < n && !is_sep(c, p, n, i) && !(multiline && (p[i] == '\n' || p[i] == '\r')))
            em_strbuf_putc(&t->buf, p[i++]);
          closed = true;
          break;
        }
        if (!multiline && (ch == '\n' || ch == '\r')) {
          em_strbuf_putc(&t->buf, ch);
          i++;
          continue;
        }
        em_strbuf_putc(&t->buf, ch);
        i++;
      }
      (void)closed;
    } else {
      /* An unquoted field: its bytes up to the delimiter, appended at once. */
      size_t k = i;
      if (c->sep_len == 1 && !multiline) {
        const char *q = memchr(p + i, c->sep[0], n - i);
        k = q ? (size_t)(q - p) : n;
      } else {
        while (k < n && !is_sep(c, p, n, k) && !(multiline && (p[k] == '\n' || p[k] == '\r'))) k++;
      }
      em_strbuf_append(&t->buf, p + i, k - i);
      i = k;
    }
    if (t->buf.oom) return em_error_internal(err, "out of memory tokenizing CSV");
    size_t flen = t->buf.len - fstart_buf;
    if (!quoted) {
      const char *f = t->buf.data ? t->buf.data + fstart_buf : "";
      size_t a = 0, b = flen;
      if (c->ignore_lead)
        while (a < b && is_ws(f[a])) a++;
      if (c->ignore_trail)
        while (b > a && is_ws(f[b - 1])) b--;
      if (a > 0) memmove(t->buf.data + fstart_buf, f + a, b - a);
      t->buf.len = fstart_buf + (b - a);
      flen = b - a;
    }
    int rc;
    if (!quoted && flen == 0) rc = push_field(t, 0, -1, c, err);
    else if (quoted && flen == 0) {
      size_t ev = strlen(c->empty_value_read);
      em_strbuf_append(&t->buf, c->empty_value_read, ev);
      rc = push_field(t, (int32_t)fstart_buf, (int32_t)ev, c, err);
    } else
      rc = push_field(t, (int32_t)fstart_buf, (int32_t)flen, c, err);
    if (rc) return -1;
    if (i < n && is_sep(c, p, n, i)) {
      i += c->sep_len;
      continue;
    }
    if (multiline && i < n && (p[i] == '\n' || p[i] == '\r')) {
      if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i++;
      i++;
    }
    break;
  }
  *pos = i;
  return 0;
}
