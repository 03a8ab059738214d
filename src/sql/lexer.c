/*
 * The SQL lexer, after Spark's SqlBaseLexer.g4: words (keywords are words
 * the parser recognises case-insensitively), `backquoted` identifiers with
 * `` for a backquote, '...' and "..." strings with Spark's backslash escapes
 * (and '' for a quote), numeric literals with their L/S/Y/D/F/BD suffixes
 * and exponents, operators, `--` line comments, nested bracketed comments,
 * hints (a slash-star-plus comment right after SELECT) and the parameter markers :name
 * and ?. Positions are kept as Spark reports them: line from 1, column
 * from 0.
 */
#include "sql_int.h"

#include <ctype.h>
#include <string.h>

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80; }

typedef struct lexer {
  em_sqlp *p;
  const char *s;
  int n, i, line, col;
  int cap;
} lexer;

static void advance(lexer *L, int k) {
  for (int j = 0; j < k && L->i < L->n; j++) {
    if (L->s[L->i] == '\n') {
      L->line++;
      L->col = 0;
    } else {
      L->col++;
    }
    L->i++;
  }
}

static em_tok *push_tok(lexer *L, em_tok_kind kind, int start, int line, int col) {
  em_sqlp *p = L->p;
  if (p->ntoks == L->cap) {
    int ncap = L->cap ? L->cap * 2 : 64;
    em_tok *nt = em_sql_alloc(p, (size_t)ncap, sizeof *nt);
    if (p->ntoks) memcpy(nt, p->toks, sizeof *nt * (size_t)p->ntoks);
    p->toks = nt;
    L->cap = ncap;
  }
  em_tok *t = &p->toks[p->ntoks++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->start = start;
  t->end = L->i;
  t->line = line;
  t->col = col;
  return t;
}

/* Spark's unescapeSQLString for one quoted literal body. */
static char *unescape(em_sqlp *p, const char *s, int n, char quote) {
  char *out = em_sql_alloc(p, (size_t)n * 4 + 1, 1);
  int o = 0;
  for (int i = 0; i < n; i++) {
    char c = s[i];
    if (c == quote && i + 1 < n && s[i + 1] == quote) {
      out[o++] = quote;
      i++;
      continue;
    }
    if (c != '\\' || i + 1 >= n) {
      out[o++] = c;
      continue;
    }
    char d = s[++i];
    if (d == 'u' && i + 4 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2]) &&
        isxdigit((unsigned char)s[i + 3]) && isxdigit((unsigned char)s[i + 4])) {
      unsigned cp = 0;
      for (int k = 1; k <= 4; k++) {
        char h = s[i + k];
        cp = cp * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
      }
      i += 4;
      /* UTF-8 encode (surrogates are kept as their 3-byte forms). */
      if (cp < 0x80) {
        out[o++] = (char)cp;
      } else if (cp < 0x800) {
        out[o++] = (char)(0xC0 | (cp >> 6));
        out[o++] = (char)(0x80 | (cp & 0x3F));
      } else {
        out[o++] = (char)(0xE0 | (cp >> 12));
        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (char)(0x80 | (cp & 0x3F));
      }
      continue;
    }
    if (d >= '0' && d <= '3' && i + 2 < n && s[i + 1] >= '0' && s[i + 1] <= '7' && s[i + 2] >= '0' && s[i + 2] <= '7') {
      out[o++] = (char)((d - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0'));
      i += 2;
      continue;
    }
    switch (d) {
    case '0': out[o++] = '\0'; break;
    case 'b': out[o++] = '\b'; break;
    case 'n': out[o++] = '\n'; break;
    case 'r': out[o++] = '\r'; break;
    case 't': out[o++] = '\t'; break;
    case 'Z': out[o++] = '\x1A'; break;
    case '%': out[o++] = '\\'; out[o++] = '%'; break;
    case '_': out[o++] = '\\'; out[o++] = '_'; break;
    default: out[o++] = d; break;
    }
  }
  out[o] = '\0';
  return out;
}

/* Length of a numeric literal at s (0 when none): digits with an optional
 * fraction and exponent, then an optional suffix. */
static int number_len(const char *s, int n) {
  int i = 0, digits = 0;
  while (i < n && isdigit((unsigned char)s[i])) i++, digits++;
  if (i < n && s[i] == '.') {
    int j = i + 1;
    while (j < n && isdigit((unsigned char)s[j])) j++, digits++;
    i = j;
  }
  if (!digits) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    int j = i + 1;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    if (j < n && isdigit((unsigned char)s[j])) {
      while (j < n && isdigit((unsigned char)s[j])) j++;
      i = j;
    }
  }
  if (i + 1 < n && (s[i] == 'b' || s[i] == 'B') && (s[i + 1] == 'd' || s[i + 1] == 'D')) return i + 2;
  if (i < n && strchr("lLsSyYdDfF", s[i])) return i + 1;
  return i;
}

static const char *const ops[] = {"<=>", ">>>", "<=", ">=", "<>", "!=", "==", "||", "::", "->", "=>", "<<", ">>",
                                  "=",   "<",   ">",  "+",  "-",  "*",  "/",  "%",  "~",  "&",  "|",  "^",  "(",
                                  ")",   "[",   "]",  ",",  ".",  ";",  "{",  "}",  "!",  ":"};

void em_sql_lex(em_sqlp *p) {
  lexer L = {.p = p, .s = p->text, .n = (int)strlen(p->text), .line = 1};
  while (L.i < L.n) {
    const char *s = L.s + L.i;
    int rest = L.n - L.i;
    char c = *s;
    if (isspace((unsigned char)c)) {
      advance(&L, 1);
      continue;
    }
    if (c == '-' && rest > 1 && s[1] == '-') {
      while (L.i < L.n && L.s[L.i] != '\n') advance(&L, 1);
      continue;
    }
    if (c == '/' && rest > 1 && s[1] == '*') {
      int start = L.i, line = L.line, col = L.col;
      bool hint = rest > 2 && s[2] == '+' && p->ntoks > 0 && em_sql_is_kw(&p->toks[p->ntoks - 1], "SELECT");
      int depth = 0;
      do {
        if (L.s[L.i] == '/' && L.i + 1 < L.n && L.s[L.i + 1] == '*') {
          depth++;
          advance(&L, 2);
        } else if (L.s[L.i] == '*' && L.i + 1 < L.n && L.s[L.i + 1] == '/') {
          depth--;
          advance(&L, 2);
        } else {
          advance(&L, 1);
        }
      } while (depth > 0 && L.i < L.n);
      if (depth > 0) {
        em_error_set(p->err, EM_ERR_UNCLOSED_BRACKETED_COMMENT, NULL);
        em_error_append(p->err, "\n== SQL ==\n%s", p->text);
        size_t ml = strlen(p->err->msg);
        if (ml + 1 < sizeof p->err->msg) {
          memmove(p->err->msg + 1, p->err->msg, ml + 1);
          p->err->msg[0] = '\n';
        }
        em_sql_fail(p);
      }
      if (hint) {
        em_tok *t = push_tok(&L, EM_TK_HINT, start, line, col);
        t->str = em_sql_strndup(p, L.s + start + 3, (size_t)(L.i - start - 5));
      }
      continue;
    }
    int start = L.i, line = L.line, col = L.col;
    if (c == '\'' || c == '"' ||
        ((c == 'r' || c == 'R') && rest > 1 && (s[1] == '\'' || s[1] == '"'))) {
      bool raw = c == 'r' || c == 'R';
      char q = raw ? s[1] : c;
      int j = raw ? 2 : 1;
      while (j < rest) {
        if (!raw && s[j] == '\\' && j + 1 < rest) {
          j += 2;
        } else if (s[j] == q) {
          if (!raw && j + 1 < rest && s[j + 1] == q) j += 2;
          else break;
        } else {
          j++;
        }
      }
      if (j >= rest) {
        /* Spark's lexer cannot match an unterminated literal: the error
         * is reported at the quote. */
        advance(&L, 0);
        em_tok *t = push_tok(&L, EM_TK_OP, start, line, col);
        t->end = start + 1;
        t->str = em_sql_strndup(p, s, 1);
        em_sql_syntax_error(p, p->ntoks - 1, "");
      }
      int body = raw ? 2 : 1;
      advance(&L, j + 1);
      em_tok *t = push_tok(&L, EM_TK_STRING, start, line, col);
      t->str = raw ? em_sql_strndup(p, s + body, (size_t)(j - body)) : unescape(p, s + body, j - body, q);
      continue;
    }
    if (c == '`') {
      int j = 1;
      while (j < rest) {
        if (s[j] == '`') {
          if (j + 1 < rest && s[j + 1] == '`') j += 2;
          else break;
        } else {
          j++;
        }
      }
      if (j >= rest) {
        em_tok *t = push_tok(&L, EM_TK_OP, start, line, col);
        t->end = start + 1;
        t->str = em_sql_strndup(p, s, 1);
        em_sql_syntax_error(p, p->ntoks - 1, "");
      }
      char *v = em_sql_alloc(p, (size_t)j, 1);
      int o = 0;
      for (int k = 1; k < j; k++) {
        v[o++] = s[k];
        if (s[k] == '`') k++;
      }
      v[o] = '\0';
      advance(&L, j + 1);
      em_tok *t = push_tok(&L, EM_TK_QIDENT, start, line, col);
      t->str = v;
      continue;
    }
    if (isdigit((unsigned char)c) || (c == '.' && rest > 1 && isdigit((unsigned char)s[1]))) {
      int nl = number_len(s, rest);
      int wl = 0;
      while (wl < rest && word_char(s[wl])) wl++;
      if (isdigit((unsigned char)c) && wl > nl) {
        /* Spark's IDENTIFIER may start with digits (`1a`): longest match. */
        advance(&L, wl);
        em_tok *t = push_tok(&L, EM_TK_IDENT, start, line, col);
        t->str = em_sql_strndup(p, s, (size_t)wl);
        continue;
      }
      advance(&L, nl);
      em_tok *t = push_tok(&L, EM_TK_NUMBER, start, line, col);
      t->str = em_sql_strndup(p, s, (size_t)nl);
      continue;
    }
    if (word_char(c)) {
      int wl = 0;
      while (wl < rest && word_char(s[wl])) wl++;
      advance(&L, wl);
      em_tok *t = push_tok(&L, EM_TK_IDENT, start, line, col);
      t->str = em_sql_strndup(p, s, (size_t)wl);
      continue;
    }
    if (c == ':' && rest > 1 && (isalpha((unsigned char)s[1]) || s[1] == '_') &&
        !(p->ntoks > 0 && p->toks[p->ntoks - 1].end == start && p->toks[p->ntoks - 1].kind != EM_TK_OP)) {
      int wl = 1;
      while (wl < rest && word_char(s[wl])) wl++;
      advance(&L, wl);
      em_tok *t = push_tok(&L, EM_TK_PARAM, start, line, col);
      t->str = em_sql_strndup(p, s + 1, (size_t)(wl - 1));
      continue;
    }
    if (c == '?') {
      advance(&L, 1);
      push_tok(&L, EM_TK_QMARK, start, line, col)->str = "?";
      continue;
    }
    const char *op = NULL;
    for (size_t k = 0; k < EM_ARRAY_LEN(ops); k++) {
      size_t ol = strlen(ops[k]);
      if ((size_t)rest >= ol && memcmp(s, ops[k], ol) == 0) {
        op = ops[k];
        break;
      }
    }
    if (!op) {
      /* A character no token starts with. */
      advance(&L, 1);
      em_tok *t = push_tok(&L, EM_TK_OP, start, line, col);
      int cl = 1;
      while (start + cl < L.n && ((unsigned char)L.s[start + cl] & 0xC0) == 0x80) cl++;
      t->str = em_sql_strndup(p, s, (size_t)cl);
      em_sql_syntax_error(p, p->ntoks - 1, "");
    }
    advance(&L, (int)strlen(op));
    push_tok(&L, EM_TK_OP, start, line, col)->str = (char *)op;
  }
  em_tok *t = push_tok(&L, EM_TK_EOF, L.n, L.line, L.col);
  t->str = "<EOF>";
}
