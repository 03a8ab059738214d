/*
 * Spark's DDL for types: "a INT NOT NULL COMMENT 'x', b ARRAY<STRING>" (a
 * table schema) or a single type "map<string, int>", parsed the way Spark
 * Connect's AnalyzePlan.DdlParse does (SparkConnectPlanner.parseDatatypeString):
 *
 *   1. as a table schema (colType, colType, ...);
 *   2. else as one data type;
 *   3. else as "struct<" + trimmed text + ">";
 *   and when all fail, the error of step 1 is reported. Errors that are not
 *   ParseExceptions in Spark (decimal precision, time precision) are not
 *   caught by that fallback and surface from whichever step raised them.
 *
 * Spark parses with ANTLR and builds types afterwards, so a syntax error
 * anywhere wins over a semantic error ("Unsupported data type") earlier in
 * the text. We mirror that by parsing in one pass while deferring the first
 * semantic error until the whole text is known to be well-formed.
 *
 * Error positions and hints follow what Spark 4.2 prints (tests/oracle/types):
 * ANTLR's adaptive prediction makes a syntax error inside ARRAY<...>,
 * MAP<...> or STRUCT<...> surface at the outermost '<' (the parser falls back
 * to reading ARRAY as a bare type name), and its single-token deletion adds
 * ": extra input 'x'" when one stray token precedes the end of input. The
 * rules below reproduce the recorded cases; the ANTLR machinery itself is
 * not emulated.
 */
#include "types.h"
#include "types_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- lexer ---- */

typedef enum {
  K_EOF,
  K_IDENT, /* unquoted word */
  K_BQ,    /* `quoted` identifier */
  K_INT,   /* digits only */
  K_NUM,   /* other numeric literal */
  K_STR,   /* '...' or "..." */
  K_LT,
  K_GT,
  K_NEQ, /* <> */
  K_LPAREN,
  K_RPAREN,
  K_COMMA,
  K_COLON,
  K_MINUS,
  K_OTHER
} tok_kind;

typedef struct tok {
  tok_kind k;
  int off, len;
} tok;

typedef struct lexer {
  const char *s;
  int n;
  tok *toks;
  int ntoks, cap;
} lexer;

static bool is_word_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int add_tok(lexer *lx, tok_kind k, int off, int len) {
  if (lx->ntoks == lx->cap) {
    int ncap = lx->cap ? lx->cap * 2 : 32;
    tok *nt = em_realloc(lx->toks, sizeof(tok) * (size_t)ncap);
    if (!nt) return -1;
    lx->toks = nt;
    lx->cap = ncap;
  }
  lx->toks[lx->ntoks++] = (tok){k, off, len};
  return 0;
}

/* Length of a quoted literal or identifier starting at i (the quote), with
 * a doubled quote or (for strings) a backslash escaping the next char;
 * 0 when unterminated. */
static int quoted_len(const char *s, int n, int i, bool backslash) {
  char q = s[i];
  for (int j = i + 1; j < n; j++) {
    if (backslash && s[j] == '\\') {
      j++;
      continue;
    }
    if (s[j] == q) {
      if (j + 1 < n && s[j + 1] == q) {
        j++;
        continue;
      }
      return j - i + 1;
    }
  }
  return 0;
}

static int lex(lexer *lx) {
  const char *s = lx->s;
  int n = lx->n, i = 0;
  while (i < n) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    if (c == '-' && i + 1 < n && s[i + 1] == '-') { /* line comment */
      while (i < n && s[i] != '\n') i++;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') { /* bracketed comment, nesting */
      int depth = 0, j = i;
      while (j < n) {
        if (s[j] == '/' && j + 1 < n && s[j + 1] == '*') {
          depth++;
          j += 2;
        } else if (s[j] == '*' && j + 1 < n && s[j + 1] == '/') {
          j += 2;
          if (--depth == 0) break;
        } else {
          j++;
        }
      }
      if (depth == 0) {
        i = j;
        continue;
      }
      if (add_tok(lx, K_OTHER, i, 1)) return -1;
      i++;
      continue;
    }
    int len = 1;
    tok_kind k = K_OTHER;
    if (is_word_char(c)) {
      bool digits = true;
      while (i + len < n && is_word_char(s[i + len])) len++;
      for (int j = 0; j < len; j++) digits = digits && s[i + j] >= '0' && s[i + j] <= '9';
      k = K_IDENT;
      if (digits) {
        k = K_INT;
        /* 1.5, 1e3, 10L...: one numeric token, never an integer value. */
        if (i + len < n && s[i + len] == '.') {
          len++;
          while (i + len < n && is_word_char(s[i + len])) len++;
          k = K_NUM;
        }
      } else if (s[i] >= '0' && s[i] <= '9') {
        /* 10L, 1e5, 2BD are literals; 1a is an identifier. */
        const char *w = s + i;
        int m = 0;
        while (m < len && w[m] >= '0' && w[m] <= '9') m++;
        const char *rest = w + m;
        int rl = len - m;
        if ((rl == 1 && strchr("LlSsYyDdFf", rest[0])) || (rl == 2 && (rest[0] == 'B' || rest[0] == 'b') &&
                                                           (rest[1] == 'D' || rest[1] == 'd')))
          k = K_NUM;
      }
    } else if (c == '`' || c == '\'' || c == '"') {
      int q = quoted_len(s, n, i, c != '`');
      if (q) {
        len = q;
        k = c == '`' ? K_BQ : K_STR;
      }
    } else if (c == '<') {
      if (i + 1 < n && s[i + 1] == '>') {
        len = 2;
        k = K_NEQ;
      } else {
        k = K_LT;
      }
    } else if (c == '!' && i + 1 < n && s[i + 1] == '=') {
      len = 2;
      k = K_NEQ;
    } else if (c == '>') {
      k = K_GT;
    } else if (c == '(') {
      k = K_LPAREN;
    } else if (c == ')') {
      k = K_RPAREN;
    } else if (c == ',') {
      k = K_COMMA;
    } else if (c == ':') {
      k = K_COLON;
    } else if (c == '-') {
      k = K_MINUS;
    } else if ((unsigned char)c >= 0x80) {
      /* One token per UTF-8 character. */
      while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80) len++;
    }
    if (add_tok(lx, k, i, len)) return -1;
    i += len;
  }
  return add_tok(lx, K_EOF, n, 0);
}

/* ---- parser state and errors ---- */

typedef struct parser {
  const char *src; /* the text reported in "== SQL ==" */
  lexer lx;
  int i;          /* current token */
  int outer_lt;   /* token index of the outermost open '<', or -1 */
  int depth;
  bool failed;    /* a syntax error (or fatal error) is in err */
  em_error *err;
  bool sem_set;   /* a deferred semantic error is in sem */
  em_error sem;
} parser;

#define MAX_DEPTH 100

static const tok *cur(parser *p) { return &p->lx.toks[p->i]; }
static const tok *peek(parser *p, int ahead) {
  int j = p->i + ahead;
  return &p->lx.toks[j < p->lx.ntoks ? j : p->lx.ntoks - 1];
}

/* Case-insensitive keyword test on an unquoted word. */
static bool kw_is(parser *p, const tok *t, const char *kw) {
  if (t->k != K_IDENT || (size_t)t->len != strlen(kw)) return false;
  for (int j = 0; j < t->len; j++) {
    char c = p->lx.s[t->off + j];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c != kw[j]) return false;
  }
  return true;
}

/* Spark's ParseException context: " (line L, pos P)\n\n== SQL ==\n..." with
 * the caret under the offending token (pos counts UTF-16 units). */
static void append_context(em_error *e, const char *src, int off) {
  int line = 1, pos = 0;
  for (int j = 0; j < off; j++) {
    unsigned char c = (unsigned char)src[j];
    if (c == '\n') {
      line++;
      pos = 0;
    } else if ((c & 0xC0) != 0x80) {
      pos += (c >= 0xF0) ? 2 : 1;
    }
  }
  em_error_append(e, " (line %d, pos %d)\n\n== SQL ==\n", line, pos);
  /* Java's split("\n") drops trailing empty strings. */
  int len = (int)strlen(src);
  while (len > 0 && src[len - 1] == '\n') len--;
  int lno = 1;
  const char *p = src, *end = src + len;
  bool caret_done = false;
  while (p < end || (!caret_done && len == 0)) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    int l = nl ? (int)(nl - p) : (int)(end - p);
    if (len) em_error_append(e, "%.*s\n", l, p);
    if (lno == line || len == 0) {
      char dashes[EM_ERROR_MSG_MAX];
      int d = pos < (int)sizeof dashes - 1 ? pos : (int)sizeof dashes - 1;
      memset(dashes, '-', (size_t)d);
      dashes[d] = '\0';
      em_error_append(e, "%s^^^\n", dashes);
      caret_done = true;
    }
    lno++;
    if (!nl) break;
    p = nl + 1;
  }
}

/* A PARSE_SYNTAX_ERROR at token t. Inside ARRAY/MAP/STRUCT brackets it
 * moves to the outermost '<', without hint (see the file comment). */
static void syntax_error_at(parser *p, int ti, const char *hint) {
  if (p->failed) return;
  p->failed = true;
  if (p->outer_lt >= 0) {
    ti = p->outer_lt;
    hint = "";
  }
  const tok *t = &p->lx.toks[ti];
  char shown[EM_ERROR_VAL_MAX];
  if (t->k == K_EOF) snprintf(shown, sizeof shown, "end of input");
  else snprintf(shown, sizeof shown, "'%.*s'", t->len, p->lx.s + t->off);
  em_error_set(p->err, EM_ERR_PARSE_DATATYPE, "error", shown, "hint", hint ? hint : "", NULL);
  append_context(p->err, p->src, t->off);
}

static void syntax_error(parser *p) { syntax_error_at(p, p->i, ""); }

/* Records the first semantic error; `ti` < 0 means no position context.
 * Returns a placeholder type so parsing can go on. */
static em_type *semantic(parser *p, int ti, em_errclass cls, ...) {
  if (!p->sem_set && !p->failed) {
    va_list ap;
    va_start(ap, cls);
    em_error_setv(&p->sem, cls, ap);
    va_end(ap);
    if (ti >= 0) append_context(&p->sem, p->src, p->lx.toks[ti].off);
    p->sem_set = true;
  }
  return em_type_null();
}

static em_type *oom(parser *p) {
  if (!p->failed) {
    p->failed = true;
    em_error_set(p->err, EM_ERR_MEMORY_LIMIT, "requestedBytes", "?", "receivedBytes", "0", NULL);
  }
  return NULL;
}

static bool accept(parser *p, tok_kind k) {
  if (cur(p)->k != k) return false;
  p->i++;
  return true;
}

static bool expect(parser *p, tok_kind k) {
  if (accept(p, k)) return true;
  syntax_error(p);
  return false;
}

/* ---- literals and identifiers ---- */

/* Spark's unescapeSQLString for the body of a '...' or "..." literal. */
static void unescape_string(const char *s, int n, em_strbuf *out) {
  char q = s[0];
  for (int j = 1; j < n - 1; j++) {
    char c = s[j];
    if (c == q && j + 1 < n - 1 && s[j + 1] == q) {
      em_strbuf_putc(out, q);
      j++;
      continue;
    }
    if (c != '\\' || j + 1 >= n - 1) {
      em_strbuf_putc(out, c);
      continue;
    }
    char e = s[++j];
    if (e == 'u' && j + 4 < n - 1) {
      unsigned cp = 0;
      bool ok = true;
      for (int k = 1; k <= 4 && ok; k++) {
        char h = s[j + k];
        cp <<= 4;
        if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f') cp |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') cp |= (unsigned)(h - 'A' + 10);
        else ok = false;
      }
      if (ok) {
        char buf[4];
        size_t m;
        if (cp < 0x80) {
          buf[0] = (char)cp;
          m = 1;
        } else if (cp < 0x800) {
          buf[0] = (char)(0xC0 | (cp >> 6));
          buf[1] = (char)(0x80 | (cp & 0x3F));
          m = 2;
        } else {
          buf[0] = (char)(0xE0 | (cp >> 12));
          buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
          buf[2] = (char)(0x80 | (cp & 0x3F));
          m = 3;
        }
        em_strbuf_append(out, buf, m);
        j += 4;
        continue;
      }
    }
    if (e >= '0' && e <= '3' && j + 2 < n - 1 && s[j + 1] >= '0' && s[j + 1] <= '7' && s[j + 2] >= '0' &&
        s[j + 2] <= '7') {
      em_strbuf_putc(out, (char)(((e - '0') << 6) | ((s[j + 1] - '0') << 3) | (s[j + 2] - '0')));
      j += 2;
      continue;
    }
    switch (e) {
    case '0': em_strbuf_putc(out, '\0'); break;
    case 'b': em_strbuf_putc(out, '\b'); break;
    case 'n': em_strbuf_putc(out, '\n'); break;
    case 'r': em_strbuf_putc(out, '\r'); break;
    case 't': em_strbuf_putc(out, '\t'); break;
    case 'Z': em_strbuf_putc(out, '\032'); break;
    case '%': em_strbuf_puts(out, "\\%"); break;
    case '_': em_strbuf_puts(out, "\\_"); break;
    default: em_strbuf_putc(out, e);
    }
  }
}

/* An identifier's name (backquotes removed, `` unescaped) into out. */
static void ident_text(parser *p, const tok *t, em_strbuf *out) {
  const char *s = p->lx.s + t->off;
  if (t->k != K_BQ) {
    em_strbuf_append(out, s, (size_t)t->len);
    return;
  }
  for (int j = 1; j < t->len - 1; j++) {
    em_strbuf_putc(out, s[j]);
    if (s[j] == '`') j++;
  }
}

/* errorCapturingIdentifier: identifier ('-' identifier)*; the dashed form
 * is rejected with INVALID_IDENTIFIER at the first '-'. */
static bool parse_identifier(parser *p, em_strbuf *name) {
  const tok *t = cur(p);
  if (t->k != K_IDENT && t->k != K_BQ) {
    syntax_error(p);
    return false;
  }
  ident_text(p, t, name);
  p->i++;
  if (cur(p)->k == K_MINUS && (peek(p, 1)->k == K_IDENT || peek(p, 1)->k == K_BQ)) {
    int dash = p->i;
    while (cur(p)->k == K_MINUS && (peek(p, 1)->k == K_IDENT || peek(p, 1)->k == K_BQ)) {
      em_strbuf_putc(name, '-');
      p->i++;
      ident_text(p, cur(p), name);
      p->i++;
    }
    if (!p->failed) {
      p->failed = true;
      em_error_set(p->err, EM_ERR_INVALID_IDENTIFIER, "ident", name->data ? name->data : "", NULL);
      append_context(p->err, p->src, p->lx.toks[dash].off);
    }
    return false;
  }
  return true;
}

/* ---- data types ---- */

/* What ended a column definition, for the end-of-column error rules. */
typedef enum { END_BARE_KEYWORD, END_COMPLEX, END_OTHER } col_end;

typedef struct type_result {
  em_type *type; /* NULL on syntax error / OOM */
  col_end end;
  int lt;        /* token of the '<' of a complex type, else -1 */
} type_result;

static type_result parse_data_type(parser *p);
static em_type *parse_struct_body(parser *p);

static const struct {
  const char *kw;
  em_type_id id;
} trivial_types[] = {
    {"boolean", EM_T_BOOLEAN},     {"tinyint", EM_T_BYTE},    {"byte", EM_T_BYTE},
    {"smallint", EM_T_SHORT},      {"short", EM_T_SHORT},     {"int", EM_T_INT},
    {"integer", EM_T_INT},         {"bigint", EM_T_LONG},     {"long", EM_T_LONG},
    {"float", EM_T_FLOAT},         {"real", EM_T_FLOAT},      {"double", EM_T_DOUBLE},
    {"string", EM_T_STRING},       {"binary", EM_T_BINARY},   {"date", EM_T_DATE},
    {"timestamp", EM_T_TIMESTAMP}, {"timestamp_ltz", EM_T_TIMESTAMP},
    {"timestamp_ntz", EM_T_TIMESTAMP_NTZ}, {"void", EM_T_NULL}, {"variant", EM_T_VARIANT},
};

/* "(" INTEGER ("," INTEGER)* ")" after a type word; returns the count of
 * integers (0 when there is no '('), -1 on a syntax error. Values beyond
 * int range are clamped (Spark fails those with a NumberFormatException). */
static int parse_int_args(parser *p, long *vals, int max, em_strbuf *text) {
  if (!accept(p, K_LPAREN)) return 0;
  int n = 0;
  for (;;) {
    const tok *t = cur(p);
    if (t->k != K_INT) {
      syntax_error(p);
      return -1;
    }
    long v = 0;
    for (int j = 0; j < t->len; j++) v = v > 100000000000L ? v : v * 10 + (p->lx.s[t->off + j] - '0');
    if (n < max) vals[n] = v;
    if (text) em_strbuf_printf(text, "%s%.*s", n ? "," : "(", t->len, p->lx.s + t->off);
    n++;
    p->i++;
    if (accept(p, K_COMMA)) continue;
    if (!expect(p, K_RPAREN)) return -1;
    if (text) em_strbuf_putc(text, ')');
    return n;
  }
}

static void upper_into(em_strbuf *sb, const char *s, size_t n) {
  for (size_t j = 0; j < n; j++) em_strbuf_putc(sb, (char)(s[j] >= 'a' && s[j] <= 'z' ? s[j] - 32 : s[j]));
}

/* An unknown (or wrongly parameterised) type name: UNSUPPORTED_DATATYPE
 * "NAME(args)" at the name. */
static type_result unsupported(parser *p, int name_tok) {
  type_result r = {NULL, END_OTHER, -1};
  em_strbuf name;
  em_strbuf_init(&name);
  em_strbuf_putc(&name, '"');
  em_strbuf id;
  em_strbuf_init(&id);
  ident_text(p, &p->lx.toks[name_tok], &id);
  upper_into(&name, id.data ? id.data : "", id.len);
  em_strbuf_free(&id);
  long vals[1];
  if (parse_int_args(p, vals, 0, &name) < 0) {
    em_strbuf_free(&name);
    return r;
  }
  em_strbuf_putc(&name, '"');
  r.type = name.oom ? oom(p) : semantic(p, name_tok, EM_ERR_PARSE_UNSUPPORTED_DATATYPE, "typeName", name.data, NULL);
  em_strbuf_free(&name);
  return r;
}

static em_type *decimal_type(parser *p, int ti, long prec, long scale) {
  char a[24], b[24];
  snprintf(a, sizeof a, "%ld", prec);
  snprintf(b, sizeof b, "%ld", scale);
  if (prec > 38)
    return semantic(p, -1, EM_ERR_DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION, "precision", a, "maxPrecision", "38", NULL);
  if (scale > prec) {
    if (!p->sem_set && !p->failed) {
      semantic(p, -1, EM_ERR_DECIMAL_SCALE_GT_PRECISION, "scale", b, "precision", a, NULL);
      /* A legacy error: Spark prints neither "[class]" nor SQLSTATE, and
       * its context is "== SQL ==" plus the text, without a position. */
      snprintf(p->sem.msg, sizeof p->sem.msg, "Decimal scale (%ld) cannot be greater than precision (%ld).\n== SQL ==\n%s",
               scale, prec, p->src);
    }
    return em_type_null();
  }
  (void)ti;
  em_type *t = em_type_decimal((int)prec, (int)scale);
  return t ? t : oom(p);
}

/* INTERVAL [YEAR|MONTH [TO MONTH]] | [DAY|HOUR|MINUTE|SECOND [TO HOUR|MINUTE|SECOND]]. */
static type_result parse_interval(parser *p, int kw_tok) {
  type_result r = {NULL, END_OTHER, -1};
  static const char *const ym[] = {"year", "month"};
  static const char *const dt[] = {"day", "hour", "minute", "second"};
  int from = -1;
  bool is_ym = false;
  for (int j = 0; j < 2 && from < 0; j++)
    if (kw_is(p, cur(p), ym[j])) from = j, is_ym = true;
  for (int j = 0; j < 4 && from < 0; j++)
    if (kw_is(p, cur(p), dt[j])) from = j;
  if (from < 0) {
    r.type = em_type_cal_interval();
    r.end = END_BARE_KEYWORD;
    return r;
  }
  int from_tok = p->i++;
  int to = from, to_tok = -1;
  /* TO is taken only when a valid end unit follows; otherwise the TO is
   * left for the caller to report (as Spark does). */
  if (kw_is(p, cur(p), "to")) {
    const tok *u = peek(p, 1);
    int to_idx = -1;
    if (is_ym && kw_is(p, u, "month")) to_idx = 1;
    for (int j = 1; j < 4 && !is_ym; j++)
      if (kw_is(p, u, dt[j])) to_idx = j;
    if (to_idx >= 0) {
      to_tok = p->i + 1;
      p->i += 2;
      to = to_idx;
      if (to <= from) {
        const tok *ft = &p->lx.toks[from_tok], *tt = &p->lx.toks[to_tok];
        char fb[32], tb[32];
        snprintf(fb, sizeof fb, "%.*s", ft->len, p->lx.s + ft->off);
        snprintf(tb, sizeof tb, "%.*s", tt->len, p->lx.s + tt->off);
        r.type = semantic(p, kw_tok, EM_ERR_INVALID_INTERVAL_FORMAT_UNSUPPORTED_FROM_TO, "input", "", "from", fb, "to",
                          tb, NULL);
        return r;
      }
    }
  }
  em_type *t = is_ym ? em_type_ym_interval(from, to) : em_type_dt_interval(from, to);
  r.type = t ? t : oom(p);
  return r;
}

/* ARRAY<t>, MAP<k, v>, STRUCT<...> (or STRUCT<>); the word alone is an
 * incomplete type. */
static type_result parse_complex(parser *p, int kw_tok, int which) {
  type_result r = {NULL, END_COMPLEX, -1};
  static const em_errclass incomplete[] = {EM_ERR_INCOMPLETE_TYPE_DEFINITION_ARRAY, EM_ERR_INCOMPLETE_TYPE_DEFINITION_MAP,
                                           EM_ERR_INCOMPLETE_TYPE_DEFINITION_STRUCT};
  if (which == 2 && accept(p, K_NEQ)) {
    em_type *t = em_type_struct_new(0);
    r.type = t ? t : oom(p);
    return r;
  }
  if (cur(p)->k != K_LT) {
    r.end = END_BARE_KEYWORD; /* "ARRAY" alone: like a keyword type */
    r.type = which == 0 ? semantic(p, kw_tok, incomplete[which], "elementType", "<INT>", NULL)
                        : semantic(p, kw_tok, incomplete[which], NULL);
    return r;
  }
  r.lt = p->i;
  int saved_outer = p->outer_lt;
  if (p->outer_lt < 0) p->outer_lt = p->i;
  p->i++;
  em_type *t = NULL;
  if (which == 0) {
    type_result e = parse_data_type(p);
    if (e.type && expect(p, K_GT)) t = em_type_array(e.type, true);
    else em_type_unref(e.type);
    if (e.type && !p->failed && !t) oom(p);
  } else if (which == 1) {
    type_result k = parse_data_type(p);
    type_result v = {NULL, END_OTHER, -1};
    if (k.type && expect(p, K_COMMA)) v = parse_data_type(p);
    if (k.type && v.type && expect(p, K_GT)) {
      t = em_type_map(k.type, v.type, true);
      if (!t) oom(p);
    } else {
      em_type_unref(k.type);
      em_type_unref(v.type);
    }
  } else {
    t = parse_struct_body(p);
    if (t && !expect(p, K_GT)) {
      em_type_unref(t);
      t = NULL;
    }
  }
  p->outer_lt = saved_outer;
  r.type = t;
  return r;
}

static type_result parse_data_type(parser *p) {
  type_result r = {NULL, END_BARE_KEYWORD, -1};
  const tok *t = cur(p);
  if (t->k != K_IDENT && t->k != K_BQ) {
    syntax_error(p);
    return r;
  }
  if (++p->depth > MAX_DEPTH) {
    syntax_error(p);
    return r;
  }
  int kw_tok = p->i;
  p->i++;
  if (t->k == K_BQ) {
    p->i = kw_tok + 1;
    r = unsupported(p, kw_tok);
    goto done;
  }
  static const char *const complex_kw[] = {"array", "map", "struct"};
  for (int j = 0; j < 3; j++)
    if (kw_is(p, t, complex_kw[j])) {
      r = parse_complex(p, kw_tok, j);
      goto done;
    }
  if (kw_is(p, t, "interval")) {
    r = parse_interval(p, kw_tok);
    goto done;
  }
  if (kw_is(p, t, "decimal") || kw_is(p, t, "dec") || kw_is(p, t, "numeric")) {
    long v[2] = {10, 0};
    int save = p->i;
    em_strbuf scratch;
    em_strbuf_init(&scratch);
    int n = parse_int_args(p, v, 2, &scratch);
    em_strbuf_free(&scratch);
    if (n < 0) goto done;
    if (n > 2) {
      p->i = save;
      r = unsupported(p, kw_tok);
      goto done;
    }
    if (n == 1) v[1] = 0;
    r.end = n ? END_OTHER : END_BARE_KEYWORD;
    r.type = decimal_type(p, kw_tok, v[0], v[1]);
    goto done;
  }
  if (kw_is(p, t, "char") || kw_is(p, t, "character") || kw_is(p, t, "varchar")) {
    long v[1] = {0};
    int save = p->i;
    int n = parse_int_args(p, v, 1, NULL);
    if (n < 0) goto done;
    if (n > 1) {
      p->i = save;
      r = unsupported(p, kw_tok);
      goto done;
    }
    if (n == 0) {
      em_strbuf name;
      em_strbuf_init(&name);
      em_strbuf_putc(&name, '"');
      upper_into(&name, p->lx.s + t->off, (size_t)t->len);
      em_strbuf_putc(&name, '"');
      r.type = semantic(p, kw_tok, EM_ERR_DATATYPE_MISSING_SIZE, "type", name.data ? name.data : "", NULL);
      em_strbuf_free(&name);
      goto done;
    }
    em_type *ct = kw_is(p, t, "varchar") ? em_type_varchar((int)v[0]) : em_type_char((int)v[0]);
    r.end = END_OTHER;
    r.type = ct ? ct : oom(p);
    goto done;
  }
  if (kw_is(p, t, "time")) {
    long v[1] = {6};
    int save = p->i;
    int n = parse_int_args(p, v, 1, NULL);
    if (n < 0) goto done;
    if (n > 1) {
      p->i = save;
      r = unsupported(p, kw_tok);
      goto done;
    }
    r.end = n ? END_OTHER : END_BARE_KEYWORD;
    if (kw_is(p, cur(p), "without") && kw_is(p, peek(p, 1), "time") && kw_is(p, peek(p, 2), "zone")) p->i += 3;
    if (v[0] > 6) {
      char b[24];
      snprintf(b, sizeof b, "%ld", v[0]);
      r.type = semantic(p, -1, EM_ERR_UNSUPPORTED_TIME_PRECISION, "precision", b, NULL);
      goto done;
    }
    em_type *tt = em_type_time((int)v[0]);
    r.type = tt ? tt : oom(p);
    goto done;
  }
  for (size_t j = 0; j < EM_ARRAY_LEN(trivial_types); j++) {
    if (!kw_is(p, t, trivial_types[j].kw)) continue;
    if (cur(p)->k == K_LPAREN) { /* INT(3), TIMESTAMP(3): not supported */
      p->i = kw_tok + 1;
      r = unsupported(p, kw_tok);
      goto done;
    }
    em_type_id id = trivial_types[j].id;
    if (id == EM_T_TIMESTAMP && kw_is(p, t, "timestamp")) {
      if (kw_is(p, cur(p), "with") && kw_is(p, peek(p, 1), "local") && kw_is(p, peek(p, 2), "time") &&
          kw_is(p, peek(p, 3), "zone"))
        p->i += 4;
      else if (kw_is(p, cur(p), "without") && kw_is(p, peek(p, 1), "time") && kw_is(p, peek(p, 2), "zone")) {
        p->i += 3;
        id = EM_T_TIMESTAMP_NTZ;
      }
    }
    if (id == EM_T_STRING && kw_is(p, cur(p), "collate") &&
        (peek(p, 1)->k == K_IDENT || peek(p, 1)->k == K_BQ)) {
      p->i += 2;
      r.type = semantic(p, kw_tok, EM_ERR_UNSUPPORTED_FEATURE, "feature", "collations", NULL);
      goto done;
    }
    r.type = em_type_primitive(id);
    goto done;
  }
  p->i = kw_tok + 1;
  r = unsupported(p, kw_tok);
done:
  p->depth--;
  if (p->failed && r.type) {
    em_type_unref(r.type);
    r.type = NULL;
  }
  return r;
}

/* name [':'] type [NOT NULL] [COMMENT 'text' ...]; `colon_ok` inside
 * STRUCT<...>. Sets the field on st at index i. */
typedef struct col_result {
  bool ok;
  col_end end;
  int lt;
} col_result;

static col_result parse_column(parser *p, em_type **st, int i, bool colon_ok) {
  col_result res = {false, END_OTHER, -1};
  em_strbuf name, comment;
  em_strbuf_init(&name);
  em_strbuf_init(&comment);
  bool has_comment = false, nullable = true;
  type_result tr = {NULL, END_OTHER, -1};
  if (!parse_identifier(p, &name)) goto out;
  if (colon_ok) accept(p, K_COLON);
  tr = parse_data_type(p);
  if (!tr.type) goto out;
  res.end = tr.end;
  res.lt = tr.lt;
  if (kw_is(p, cur(p), "not")) {
    p->i++;
    if (!kw_is(p, cur(p), "null")) {
      const tok *t = cur(p);
      bool insertable = t->k == K_EOF || t->k == K_COMMA || kw_is(p, t, "comment") || (colon_ok && t->k == K_GT);
      syntax_error_at(p, p->i, insertable ? ": missing 'NULL'" : "");
      goto out;
    }
    p->i++;
    nullable = false;
    res.end = END_OTHER;
  }
  if (kw_is(p, cur(p), "comment")) {
    p->i++;
    if (cur(p)->k != K_STR) {
      syntax_error(p);
      goto out;
    }
    while (cur(p)->k == K_STR) {
      unescape_string(p->lx.s + cur(p)->off, cur(p)->len, &comment);
      p->i++;
    }
    has_comment = true;
    res.end = END_OTHER;
  }
  /* Grow the struct by one field. */
  em_type *old = *st;
  int n = old->u.st.nfields;
  em_type *grown = em_type_struct_new(n + 1);
  if (!grown) {
    oom(p);
    goto out;
  }
  for (int j = 0; j < n; j++) {
    em_field *f = &old->u.st.fields[j];
    grown->u.st.fields[j] = *f;
    f->name = NULL;
    f->type = NULL;
    f->metadata = NULL;
  }
  em_type_unref(old);
  *st = grown;
  em_strbuf md;
  em_strbuf_init(&md);
  if (has_comment) {
    em_strbuf_puts(&md, "{\"comment\":");
    em_types_json_quote(&md, comment.data ? comment.data : "", comment.len);
    em_strbuf_putc(&md, '}');
  }
  int rc = -1;
  if (!name.oom && !comment.oom && !md.oom) {
    rc = em_type_struct_set(grown, i, name.data ? name.data : "", tr.type, nullable, has_comment ? md.data : NULL);
    tr.type = NULL; /* struct_set took it, also on failure */
  }
  em_strbuf_free(&md);
  if (rc) {
    oom(p);
    goto out;
  }
  res.ok = true;
out:
  em_type_unref(tr.type);
  em_strbuf_free(&name);
  em_strbuf_free(&comment);
  return res;
}

/* complexColTypeList? up to (not including) the closing '>'. */
static em_type *parse_struct_body(parser *p) {
  em_type *st = em_type_struct_new(0);
  if (!st) return oom(p);
  if (cur(p)->k == K_GT) return st;
  for (int i = 0;; i++) {
    if (!parse_column(p, &st, i, true).ok) {
      em_type_unref(st);
      return NULL;
    }
    if (!accept(p, K_COMMA)) return st;
  }
}

/* A stray token after a complete column: Spark's hint rules (file comment). */
static void end_of_column_error(parser *p, col_result c) {
  const tok *t = cur(p);
  bool literal = t->k == K_INT || t->k == K_NUM || t->k == K_STR;
  if (c.end == END_COMPLEX && c.lt >= 0 && (t->k == K_INT || t->k == K_NUM)) {
    syntax_error_at(p, c.lt, "");
    return;
  }
  bool hint = peek(p, 1)->k == K_EOF && (c.end != END_BARE_KEYWORD || literal);
  char h[EM_ERROR_VAL_MAX];
  snprintf(h, sizeof h, ": extra input '%.*s'", t->len, p->lx.s + t->off);
  syntax_error_at(p, p->i, hint ? h : "");
}

static em_type *parse_table_schema(parser *p) {
  em_type *st = em_type_struct_new(0);
  if (!st) return oom(p);
  if (cur(p)->k == K_EOF) return st; /* Spark: empty statement, then the struct<> fallback */
  for (int i = 0;; i++) {
    col_result c = parse_column(p, &st, i, false);
    if (!c.ok) break;
    if (accept(p, K_COMMA)) continue;
    if (cur(p)->k != K_EOF) end_of_column_error(p, c);
    break;
  }
  if (p->failed) {
    em_type_unref(st);
    return NULL;
  }
  return st;
}

static em_type *parse_single_type(parser *p) {
  type_result r = parse_data_type(p);
  if (r.type && cur(p)->k != K_EOF) syntax_error(p);
  if (p->failed) {
    em_type_unref(r.type);
    return NULL;
  }
  return r.type;
}

/* Runs one parse attempt over text; returns the type or NULL with the
 * error in *err (syntax errors first, then the first semantic error). */
static em_type *attempt(const char *text, const char *shown, bool table, em_error *err, bool *oom_out) {
  parser *p = em_calloc(1, sizeof *p);
  if (!p) {
    *oom_out = true;
    return NULL;
  }
  p->src = shown;
  p->lx.s = text;
  p->lx.n = (int)strlen(text);
  p->outer_lt = -1;
  p->err = err;
  em_type *t = NULL;
  if (lex(&p->lx)) {
    *oom_out = true;
  } else {
    t = table ? parse_table_schema(p) : parse_single_type(p);
    if (t && p->sem_set) {
      em_type_unref(t);
      t = NULL;
      *err = p->sem;
    }
    if (!t && !p->failed && !p->sem_set) *oom_out = true;
  }
  em_free(p->lx.toks);
  em_free(p);
  return t;
}

static bool is_parse_error(const em_error *e) { return em_errclass_exc(e->cls) == EM_EXC_PARSE; }

em_type *em_type_parse_one(const char *text, em_error *err) {
  if (!text || strlen(text) > 1000000) {
    em_error_internal(err, "bad type text");
    return NULL;
  }
  em_error sub;
  em_error_clear(&sub);
  bool oom_flag = false;
  em_type *t = attempt(text, text, false, &sub, &oom_flag);
  if (!t && oom_flag) em_error_internal(err, "out of memory parsing a type");
  else if (!t && err) *err = sub;
  return t;
}

em_type *em_type_parse_ddl(const char *ddl, em_error *err) {
  if (!ddl) {
    em_error_internal(err, "NULL DDL string");
    return NULL;
  }
  if (strlen(ddl) > 1000000) {
    em_error_internal(err, "DDL string too long");
    return NULL;
  }
  bool oom_flag = false;
  em_error *first = em_calloc(1, sizeof *first);
  em_error *other = em_calloc(1, sizeof *other);
  em_type *t = NULL;
  char *wrapped = NULL;
  if (!first || !other) goto oom;
  t = attempt(ddl, ddl, true, first, &oom_flag);
  if (t || oom_flag) goto done;
  if (!is_parse_error(first)) {
    if (err) *err = *first;
    goto done;
  }
  t = attempt(ddl, ddl, false, other, &oom_flag);
  if (t || oom_flag) goto done;
  if (!is_parse_error(other)) {
    if (err) *err = *other;
    goto done;
  }
  /* Java's trim(): strips every char <= ' ' at both ends. */
  size_t b = 0, e = strlen(ddl);
  while (b < e && (unsigned char)ddl[b] <= ' ') b++;
  while (e > b && (unsigned char)ddl[e - 1] <= ' ') e--;
  wrapped = em_malloc(e - b + 9);
  if (!wrapped) goto oom;
  memcpy(wrapped, "struct<", 7);
  memcpy(wrapped + 7, ddl + b, e - b);
  memcpy(wrapped + 7 + (e - b), ">", 2);
  t = attempt(wrapped, wrapped, false, other, &oom_flag);
  if (t || oom_flag) goto done;
  if (err) *err = is_parse_error(other) ? *first : *other;
  goto done;
oom:
  oom_flag = true;
done:
  if (oom_flag && !t) em_error_set(err, EM_ERR_MEMORY_LIMIT, "requestedBytes", "?", "receivedBytes", "0", NULL);
  em_free(wrapped);
  em_free(first);
  em_free(other);
  return t;
}
