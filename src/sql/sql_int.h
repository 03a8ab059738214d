/*
 * Private to the SQL parser: tokens, the parser state and the helpers the
 * parse_*.c files share.
 *
 * Errors unwind with longjmp to the entry point (sql.c): every node lives
 * in the spec arena and every counted reference is owned by the spec as
 * soon as it is made, so nothing leaks when a parse is abandoned.
 */
#ifndef EM_SQL_INT_H
#define EM_SQL_INT_H

#include <setjmp.h>

#include "sql.h"

typedef enum em_tok_kind {
  EM_TK_EOF,
  EM_TK_IDENT,   /* a word: identifier or keyword */
  EM_TK_QIDENT,  /* `backquoted` */
  EM_TK_STRING,  /* 'text' or "text" (value decoded) */
  EM_TK_NUMBER,  /* numeric literal, text as written (suffix included) */
  EM_TK_OP,      /* punctuation and operators */
  EM_TK_PARAM,   /* :name */
  EM_TK_QMARK,   /* ? */
  EM_TK_HINT,    /* the body of a hint comment */
} em_tok_kind;

typedef struct em_tok {
  em_tok_kind kind;
  int start, end; /* byte offsets in the text */
  int line, col;  /* 1-based line, 0-based column (Spark's pos) */
  char *str;      /* decoded text: identifier, string value, operator */
} em_tok;

typedef struct em_cte {
  char *name;
  em_spec_rel *rel;
} em_cte;

typedef struct em_sqlp {
  em_spec *spec;
  const char *text;
  em_tok *toks;
  int ntoks, pos;
  em_error *err;
  jmp_buf jb;
  const em_sql_opts *opts;
  int next_qmark;
  bool named_params, pos_params;
  em_cte *ctes;
  int nctes, capctes;
  int depth;
  struct lambda_scope *lambda; /* lambda variables in scope (parse_expr.c) */
  /* `OVER w` references waiting for their SELECT's WINDOW clause. */
  struct em_sql_winref *winrefs;
  int nwinrefs, capwinrefs;
} em_sqlp;

typedef struct em_sql_winref {
  em_spec_expr *win; /* the EM_SE_WINDOW whose specification is named */
  char *name;
} em_sql_winref;

/* lexer.c: tokenizes the whole text into p->toks (ends with EOF). */
void em_sql_lex(em_sqlp *p);

/* parser.c: token helpers and errors. */
_Noreturn void em_sql_fail(em_sqlp *p);                 /* err already set */
_Noreturn void em_sql_syntax_error(em_sqlp *p, int at, const char *hint);
/* A ParseException Spark raises after the grammar (err already set): tokens
 * [from, to] as the SQL context, with the "== SQL (line L, position P) =="
 * excerpt. */
_Noreturn void em_sql_span_error(em_sqlp *p, int from, int to);
_Noreturn void em_sql_oom(em_sqlp *p);
/* Renders a ParseException position suffix and "== SQL ==" excerpt at
 * (line, col) into the error message. */
void em_sql_error_position(em_sqlp *p, int line, int col);
em_tok *em_sql_peek(em_sqlp *p, int k);
em_tok *em_sql_next(em_sqlp *p);
bool em_sql_is_kw(const em_tok *t, const char *kw);
bool em_sql_is_op(const em_tok *t, const char *op);
bool em_sql_accept_kw(em_sqlp *p, const char *kw);
bool em_sql_accept_op(em_sqlp *p, const char *op);
void em_sql_expect_kw(em_sqlp *p, const char *kw);
void em_sql_expect_op(em_sqlp *p, const char *op);
/* An identifier (a word that is not a reserved word here, or backquoted). */
char *em_sql_ident(em_sqlp *p);
bool em_sql_at_ident(em_sqlp *p);
/* Words that cannot be an implicit alias when followed by more input. */
bool em_sql_is_clause_kw(const em_tok *t);
void *em_sql_alloc(em_sqlp *p, size_t n, size_t size);
char *em_sql_strdup(em_sqlp *p, const char *s);
char *em_sql_strndup(em_sqlp *p, const char *s, size_t n);
em_spec_expr *em_sql_expr_new(em_sqlp *p, em_spec_expr_kind kind);
em_spec_rel *em_sql_rel_new(em_sqlp *p, em_spec_rel_kind kind);
/* Grows an arena array of pointers (old contents copied). */
void em_sql_push(em_sqlp *p, void ***arr, int *n, int *cap, void *x);
void em_sql_enter(em_sqlp *p);
void em_sql_leave(em_sqlp *p);

/* parse_expr.c */
em_spec_expr *em_sql_expr(em_sqlp *p);
em_spec_expr *em_sql_named_expr(em_sqlp *p);
/* The inside of `OVER (...)` into the window expression w. */
void em_sql_window_spec(em_sqlp *p, em_spec_expr *w);
em_spec_expr *em_sql_func(em_sqlp *p, const char *name, em_spec_expr **args, int nargs);
/* Spark's SQLQueryContext summary of text[start..stop] (stop inclusive)
 * starting at line / col (col from 0): "== SQL (line L, position P) ==",
 * the lines around it (at most 32 characters either side, "..." beyond)
 * and carets under the fragment (sql_context.c). */
char *em_sql_context_summary(em_sqlp *p, int line, int col, int start, int stop);
/* Sets the SQL origin of e to the tokens [from, p->pos). */
void em_sql_set_origin(em_sqlp *p, em_spec_expr *e, int from);
/* Parses a data type at the current token (text handed to the DDL parser). */
em_type *em_sql_type(em_sqlp *p);

/* parse_agg_filter.c: applies `FILTER (WHERE cond)` to the aggregate call f. */
void em_sql_agg_filter(em_sqlp *p, em_spec_expr *f, em_spec_expr *cond);

/* parse_like_quantified.c: `e [NOT] LIKE ANY|ALL (p, ...)` after ANY/ALL, as
 * like(e, p1) OR/AND like(e, p2)...; `all` picks AND (the caller flips it
 * for NOT and negates the result). */
em_spec_expr *em_sql_like_quantified(em_sqlp *p, em_spec_expr *e, const char *fn, bool all);

/* parse_literal.c */
em_spec_expr *em_sql_number(em_sqlp *p, em_tok *t);
em_spec_expr *em_sql_lit_string(em_sqlp *p, const char *s, size_t n);
em_spec_expr *em_sql_lit_vec(em_sqlp *p, em_vec *v);
em_spec_expr *em_sql_typed_literal(em_sqlp *p, const char *type, em_tok *t);
em_spec_expr *em_sql_interval(em_sqlp *p);
em_spec_expr *em_sql_lit_int(em_sqlp *p, int32_t v);
em_spec_expr *em_sql_lit_long(em_sqlp *p, int64_t v);
em_spec_expr *em_sql_lit_bool(em_sqlp *p, bool b);
em_spec_expr *em_sql_lit_null(em_sqlp *p);

/* decorrelate.c: correlated subqueries of a WHERE condition over input,
 * or of a select list over its FROM, into joins (the new relation). */
em_spec_rel *em_sql_decorrelate_where(em_sqlp *p, em_spec_rel *input, em_spec_expr *cond);
em_spec_rel *em_sql_decorrelate_items(em_sqlp *p, em_spec_rel *input, em_spec_expr **items, int nitems);

/* parse_query.c */
em_spec_rel *em_sql_query(em_sqlp *p);
bool em_sql_at_query_start(em_sqlp *p);
/* Parses the multi-part name at the current token. */
int em_sql_multipart(em_sqlp *p, char ***parts);
/* The catalog statements (parse_ddl.c): true when the statement at the
 * cursor is one of them, parsed into out. */
bool em_sql_parse_ddl(em_sqlp *p, em_sql_stmt *out);
/* parse_meta.c: functions, DESCRIBE, SHOW COLUMNS/CREATE TABLE/TBLPROPERTIES, ALTER. */
bool em_sql_parse_meta(em_sqlp *p, em_sql_stmt *out);

/* Pieces of DDL shared by parse_ddl.c and parse_meta.c: a string literal
 * (syntax error otherwise), a property key (a string or dotted
 * identifiers) and a property value (string, number, boolean or
 * identifier, as text). */
char *em_sql_string_lit(em_sqlp *p);
char *em_sql_prop_key(em_sqlp *p);
char *em_sql_prop_value(em_sqlp *p);

#endif
