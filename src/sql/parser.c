/*
 * The parser's entry points, token helpers and errors. A ParseException
 * message is Spark's: a newline, the rendered class message, " (line L, pos
 * P)", then "== SQL ==" with the statement's lines and a caret line
 * ("----^^^") under the line of the offending token.
 */
#include "sql_int.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 400

_Noreturn void em_sql_fail(em_sqlp *p) { longjmp(p->jb, 1); }

_Noreturn void em_sql_oom(em_sqlp *p) {
  em_error_internal(p->err, "out of memory parsing SQL");
  em_sql_fail(p);
}

void *em_sql_alloc(em_sqlp *p, size_t n, size_t size) {
  void *x = em_spec_array(p->spec, n, size);
  if (!x) em_sql_oom(p);
  return x;
}

char *em_sql_strdup(em_sqlp *p, const char *s) {
  char *x = em_spec_strdup(p->spec, s);
  if (!x) em_sql_oom(p);
  return x;
}

char *em_sql_strndup(em_sqlp *p, const char *s, size_t n) {
  char *x = em_spec_strndup(p->spec, s, n);
  if (!x) em_sql_oom(p);
  return x;
}

em_spec_expr *em_sql_expr_new(em_sqlp *p, em_spec_expr_kind kind) {
  em_spec_expr *e = em_spec_expr_new(p->spec, kind);
  if (!e) em_sql_oom(p);
  return e;
}

em_spec_rel *em_sql_rel_new(em_sqlp *p, em_spec_rel_kind kind) {
  em_spec_rel *r = em_spec_rel_new(p->spec, kind);
  if (!r) em_sql_oom(p);
  return r;
}

void em_sql_push(em_sqlp *p, void ***arr, int *n, int *cap, void *x) {
  if (*n == *cap) {
    int ncap = *cap ? *cap * 2 : 4;
    void **na = em_sql_alloc(p, (size_t)ncap, sizeof *na);
    if (*n) memcpy(na, *arr, sizeof *na * (size_t)*n);
    *arr = na;
    *cap = ncap;
  }
  (*arr)[(*n)++] = x;
}

void em_sql_enter(em_sqlp *p) {
  if (++p->depth > MAX_DEPTH) {
    em_error_set(p->err, EM_ERR_PARSE_SYNTAX_ERROR, "error", "'('", "hint", ": the statement is nested too deeply", NULL);
    em_sql_fail(p);
  }
}

void em_sql_leave(em_sqlp *p) { p->depth--; }

void em_sql_error_position(em_sqlp *p, int line, int col) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "\n%s (line %d, pos %d)\n\n== SQL ==\n", p->err->msg, line, col);
  /* The statement's lines (Java's split drops trailing empty ones), the
   * caret line after line `line`. */
  const char *t = p->text;
  size_t len = strlen(t);
  while (len > 0 && t[len - 1] == '\n') len--;
  int ln = 1;
  size_t i = 0;
  bool caret_done = false;
  while (i <= len) {
    const char *nl = memchr(t + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - t) : len;
    em_strbuf_printf(&sb, "%.*s\n", (int)(e - i), t + i);
    if (ln == line) {
      em_strbuf_repeat(&sb, '-', (size_t)col);
      em_strbuf_puts(&sb, "^^^\n");
      caret_done = true;
    }
    ln++;
    if (!nl) break;
    i = e + 1;
  }
  if (!caret_done) {
    em_strbuf_repeat(&sb, '-', (size_t)col);
    em_strbuf_puts(&sb, "^^^\n");
  }
  snprintf(p->err->msg, sizeof p->err->msg, "%s", sb.data ? sb.data : "");
  em_strbuf_free(&sb);
}

_Noreturn void em_sql_span_error(em_sqlp *p, int from, int to) {
  em_tok *a = &p->toks[from], *b = &p->toks[to];
  em_error_set_sql_context(p->err, em_sql_strndup(p, p->text + a->start, (size_t)(b->end - a->start)));
  const char *sum = em_sql_context_summary(p, a->line, a->col, a->start, b->end - 1);
  if (sum) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_strbuf_printf(&sb, "\n%s\n%s", p->err->msg, sum);
    snprintf(p->err->msg, sizeof p->err->msg, "%s", sb.data ? sb.data : "");
    em_strbuf_free(&sb);
  }
  em_sql_fail(p);
}

_Noreturn void em_sql_syntax_error(em_sqlp *p, int at, const char *hint) {
  em_tok *t = &p->toks[at];
  char buf[EM_ERROR_VAL_MAX];
  if (t->kind == EM_TK_EOF)
    snprintf(buf, sizeof buf, "end of input");
  else
    snprintf(buf, sizeof buf, "'%.*s'", t->end - t->start > 400 ? 400 : t->end - t->start, p->text + t->start);
  em_error_set(p->err, EM_ERR_PARSE_SYNTAX_ERROR, "error", buf, "hint", hint ? hint : "", NULL);
  em_sql_error_position(p, t->line, t->col);
  em_sql_fail(p);
}

em_tok *em_sql_peek(em_sqlp *p, int k) {
  int i = p->pos + k;
  if (i >= p->ntoks) i = p->ntoks - 1;
  return &p->toks[i];
}

em_tok *em_sql_next(em_sqlp *p) {
  em_tok *t = &p->toks[p->pos];
  if (p->pos < p->ntoks - 1) p->pos++;
  return t;
}

bool em_sql_is_kw(const em_tok *t, const char *kw) { return t->kind == EM_TK_IDENT && em_strcaseeq(t->str, kw); }

bool em_sql_is_op(const em_tok *t, const char *op) { return t->kind == EM_TK_OP && strcmp(t->str, op) == 0; }

bool em_sql_accept_kw(em_sqlp *p, const char *kw) {
  if (!em_sql_is_kw(em_sql_peek(p, 0), kw)) return false;
  em_sql_next(p);
  return true;
}

bool em_sql_accept_op(em_sqlp *p, const char *op) {
  if (!em_sql_is_op(em_sql_peek(p, 0), op)) return false;
  em_sql_next(p);
  return true;
}

void em_sql_expect_kw(em_sqlp *p, const char *kw) {
  if (!em_sql_accept_kw(p, kw)) em_sql_syntax_error(p, p->pos, "");
}

void em_sql_expect_op(em_sqlp *p, const char *op) {
  if (!em_sql_accept_op(p, op)) em_sql_syntax_error(p, p->pos, "");
}

bool em_sql_at_ident(em_sqlp *p) {
  em_tok *t = em_sql_peek(p, 0);
  return t->kind == EM_TK_IDENT || t->kind == EM_TK_QIDENT;
}

char *em_sql_ident(em_sqlp *p) {
  if (!em_sql_at_ident(p)) em_sql_syntax_error(p, p->pos, "");
  return em_sql_next(p)->str;
}

/* Words that end a select item or a relation: an implicit alias only when
 * nothing follows them (Spark's grammar lets almost every keyword be an
 * identifier; ANTLR's prediction picks the alias when the clause cannot
 * parse). */
static const char *const clause_kws[] = {
    "FROM",   "WHERE",   "GROUP",   "HAVING",   "ORDER", "LIMIT",  "OFFSET", "UNION",    "EXCEPT",
    "MINUS",  "INTERSECT", "WINDOW", "SORT",    "CLUSTER", "DISTRIBUTE", "LATERAL", "JOIN", "INNER",
    "LEFT",   "RIGHT",   "FULL",    "CROSS",    "NATURAL", "SEMI",   "ANTI",   "ON",       "USING",
    "AS",     "QUALIFY", "PIVOT",   "UNPIVOT",  "TABLESAMPLE", "AND", "OR",    "IS",       "NOT",
    "IN",     "BETWEEN", "LIKE",    "ILIKE",    "RLIKE", "REGEXP", "THEN",   "ELSE",     "END",
    "WHEN",   "ASC",     "DESC",    "NULLS",    "OVER",  "SELECT", "VALUES", "TABLE",    "FOR",
};

bool em_sql_is_clause_kw(const em_tok *t) {
  if (t->kind != EM_TK_IDENT) return false;
  for (size_t i = 0; i < EM_ARRAY_LEN(clause_kws); i++)
    if (em_strcaseeq(t->str, clause_kws[i])) return true;
  return false;
}

/* ---- entry points ---- */

static void init(em_sqlp *p, em_spec *spec, const char *text, const em_sql_opts *opts, em_error *err) {
  static const em_sql_opts none;
  memset(p, 0, sizeof *p);
  p->spec = spec;
  p->text = text;
  p->err = err;
  p->opts = opts ? opts : &none;
}

/* True when the statement has no tokens at all (PARSE_EMPTY_STATEMENT). */
static bool empty(em_sqlp *p) {
  return p->toks[0].kind == EM_TK_EOF;
}

/* Input left after a complete statement or expression is a syntax error at
 * its first token. ANTLR recovers by deleting one token, and says so in the
 * hint (": extra input 'x'"), only when that token alone stands before the
 * end of input; otherwise Spark reports it without a hint. */
static void trailing_input(em_sqlp *p) {
  em_tok *t = em_sql_peek(p, 0);
  if (t->kind == EM_TK_EOF) return;
  char hint[EM_ERROR_VAL_MAX] = "";
  if (em_sql_peek(p, 1)->kind == EM_TK_EOF)
    snprintf(hint, sizeof hint, ": extra input '%.*s'", t->end - t->start > 400 ? 400 : t->end - t->start,
             p->text + t->start);
  em_sql_syntax_error(p, p->pos, hint);
}

static void end_of_statement(em_sqlp *p) {
  while (em_sql_accept_op(p, ";")) {
  }
  trailing_input(p);
}

int em_sql_parse_statement_(em_sqlp *p, em_sql_stmt *out);

int em_sql_parse_statement(em_spec *spec, const char *text, const em_sql_opts *opts, em_sql_stmt *out,
                           em_error *err) {
  em_sqlp p;
  init(&p, spec, text, opts, err);
  memset(out, 0, sizeof *out);
  if (setjmp(p.jb)) return -1;
  em_sql_lex(&p);
  if (empty(&p)) {
    /* Spark points at the end of input (after any blanks). */
    int line = 1, col = 0;
    for (const char *c = text; *c; c++) {
      if (*c == '\n') {
        line++;
        col = 0;
      } else {
        col++;
      }
    }
    em_error_set(err, EM_ERR_PARSE_EMPTY_STATEMENT, NULL);
    em_sql_error_position(&p, line, col);
    return -1;
  }
  if (em_sql_parse_statement_(&p, out)) return -1;
  end_of_statement(&p);
  return 0;
}

int em_sql_parse_query(em_spec *spec, const char *text, const em_sql_opts *opts, em_spec_rel **out, em_error *err) {
  em_sql_stmt st;
  if (em_sql_parse_statement(spec, text, opts, &st, err)) return -1;
  if (st.kind != EM_SQL_QUERY) {
    em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a SQL command as a relation", NULL);
    return -1;
  }
  *out = st.rel;
  return 0;
}

int em_sql_parse_expr(em_spec *spec, const char *text, const em_sql_opts *opts, em_spec_expr **out, em_error *err) {
  em_sqlp p;
  init(&p, spec, text, opts, err);
  if (setjmp(p.jb)) return -1;
  em_sql_lex(&p);
  em_spec_expr *e = em_sql_named_expr(&p);
  trailing_input(&p);
  *out = e;
  return 0;
}

int em_sql_parse_table_name(em_spec *spec, const char *text, char ***parts, int *nparts, em_error *err) {
  em_sqlp p;
  init(&p, spec, text, NULL, err);
  if (setjmp(p.jb)) return -1;
  em_sql_lex(&p);
  int n = em_sql_multipart(&p, parts);
  end_of_statement(&p);
  *nparts = n;
  return 0;
}
