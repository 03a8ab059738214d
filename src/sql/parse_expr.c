/*
 * SQL expressions, after SqlBaseParser.g4's booleanExpression /
 * valueExpression / primaryExpression, from loosest to tightest:
 *
 *   OR, AND, NOT, predicates (BETWEEN, IN, LIKE/ILIKE/RLIKE, IS ...) over
 *   a value expression, whose binary operators climb by precedence:
 *   comparison (= == <> != < <= > >= <=>) < | < ^ < & < shifts < + - || <
 *   * / % DIV < unary - + ~ < postfix ([i], .field, ::type) < primary.
 *
 * Operators become the function calls PySpark sends for them ("+", "==",
 * "and", "not"...), so the analyzer names them as Spark does ("(a + 1)").
 * Every node records its SQL origin (fragment, line, position) for the
 * query context of errors.
 */
#include "sql_int.h"

#include <stdio.h>
#include <string.h>

#include "../expr/func.h"

void em_sql_set_origin(em_sqlp *p, em_spec_expr *e, int from) {
  if (e->sql_line) return;
  int last = p->pos - 1;
  if (last < from) last = from;
  em_tok *a = &p->toks[from], *b = &p->toks[last];
  int end = b->end > a->start ? b->end : a->end;
  e->origin_fragment = em_sql_strndup(p, p->text + a->start, (size_t)(end - a->start));
  e->origin_call_site = NULL;
  e->sql_line = a->line;
  e->sql_pos = a->col;
  e->sql_summary = em_sql_context_summary(p, a->line, a->col, a->start, end - 1);
}

em_spec_expr *em_sql_func(em_sqlp *p, const char *name, em_spec_expr **args, int nargs) {
  em_spec_expr *f = em_sql_expr_new(p, EM_SE_FUNC);
  f->u.func.name = em_sql_strdup(p, name);
  f->u.func.args = em_sql_alloc(p, (size_t)nargs, sizeof *args);
  if (nargs) memcpy(f->u.func.args, args, sizeof *args * (size_t)nargs);
  f->u.func.nargs = nargs;
  return f;
}

static em_spec_expr *call1(em_sqlp *p, const char *name, em_spec_expr *a) { return em_sql_func(p, name, &a, 1); }

static em_spec_expr *call2(em_sqlp *p, const char *name, em_spec_expr *a, em_spec_expr *b) {
  em_spec_expr *args[2] = {a, b};
  return em_sql_func(p, name, args, 2);
}

/* ---- data types ---- */

/* The text of a data type starting at the current token: a type name and
 * any <...> or (...) parameters, handed to the DDL type parser. */
em_type *em_sql_type(em_sqlp *p) {
  int from = p->pos;
  if (!em_sql_at_ident(p)) em_sql_syntax_error(p, p->pos, "");
  em_sql_next(p);
  /* INTERVAL YEAR TO MONTH, DOUBLE PRECISION, ...: following words. */
  int depth = 0;
  for (;;) {
    em_tok *t = em_sql_peek(p, 0);
    if (t->kind == EM_TK_EOF) break;
    if (em_sql_is_op(t, "<") || em_sql_is_op(t, "(")) depth++;
    else if (em_sql_is_op(t, ">") || em_sql_is_op(t, ")")) {
      if (depth == 0) break;
      depth--;
    } else if (em_sql_is_op(t, ">>")) {
      if (depth < 2) break;
      depth -= 2;
    } else if (depth == 0) {
      const char *w = t->kind == EM_TK_IDENT ? t->str : NULL;
      if (!w || !(em_strcaseeq(w, "TO") || em_strcaseeq(w, "YEAR") || em_strcaseeq(w, "MONTH") ||
                  em_strcaseeq(w, "DAY") || em_strcaseeq(w, "HOUR") || em_strcaseeq(w, "MINUTE") ||
                  em_strcaseeq(w, "SECOND") || em_strcaseeq(w, "PRECISION") || em_strcaseeq(w, "VARYING") ||
                  em_strcaseeq(w, "ZONE") || em_strcaseeq(w, "TIME") || em_strcaseeq(w, "LOCAL") ||
                  em_strcaseeq(w, "WITH") || em_strcaseeq(w, "WITHOUT")))
        break;
    }
    em_sql_next(p);
  }
  int start = p->toks[from].start, end = p->toks[p->pos - 1].end;
  char *txt = em_sql_strndup(p, p->text + start, (size_t)(end - start));
  em_error sub;
  em_error_clear(&sub);
  em_type *t = em_type_parse_one(txt, &sub);
  if (!t) {
    /* Report the DDL parser's error at the type's position; an unknown
     * type name is Spark's UNSUPPORTED_DATATYPE over the type's text. */
    *p->err = sub;
    if (sub.cls == EM_ERR_PARSE_UNSUPPORTED_DATATYPE) {
      em_error_set(p->err, EM_ERR_PARSE_UNSUPPORTED_DATATYPE, "typeName", sub.vals[0], NULL);
      em_sql_span_error(p, from, p->pos - 1);
    }
    if (em_errclass_exc(sub.cls) == EM_EXC_PARSE) {
      const char *m = strstr(sub.msg, " (line ");
      if (m) sub.msg[m - sub.msg] = '\0';
      const char *base = sub.msg[0] == '\n' ? sub.msg + 1 : sub.msg;
      size_t bl = strlen(base);
      if (bl >= sizeof p->err->msg) bl = sizeof p->err->msg - 1;
      memcpy(p->err->msg, base, bl);
      p->err->msg[bl] = '\0';
      em_sql_error_position(p, p->toks[from].line, p->toks[from].col);
    }
    em_sql_fail(p);
  }
  if (em_spec_own_type(p->spec, t)) {
    em_type_unref(t);
    em_sql_oom(p);
  }
  return t;
}

/* ---- primary expressions ---- */

static em_spec_expr *parse_or(em_sqlp *p);

static bool lambda_var(em_sqlp *p, const char *name);

/* Lambda variables in scope (innermost last). */
typedef struct lambda_scope {
  char **vars;
  int n;
  struct lambda_scope *up;
} lambda_scope;

static bool lambda_var(em_sqlp *p, const char *name) {
  for (lambda_scope *s = p->lambda; s; s = s->up)
    for (int i = 0; i < s->n; i++)
      if (em_strcaseeq(s->vars[i], name)) return true;
  return false;
}

static em_spec_expr *lambda_body(em_sqlp *p, char **vars, int n) {
  lambda_scope s = {vars, n, p->lambda};
  p->lambda = &s;
  em_spec_expr *body = parse_or(p);
  p->lambda = s.up;
  em_spec_expr *l = em_sql_expr_new(p, EM_SE_LAMBDA);
  l->u.lambda.body = body;
  l->u.lambda.vars = vars;
  l->u.lambda.nvars = n;
  return l;
}

static em_spec_expr *param(em_sqlp *p, em_tok *t) {
  const em_sql_params *pa = p->opts->params;
  if (t->kind == EM_TK_PARAM) {
    p->named_params = true;
    for (int i = 0; pa && i < pa->nnamed; i++)
      if (strcmp(pa->names[i], t->str) == 0) return pa->named[i];
    em_error_set(p->err, EM_ERR_UNBOUND_SQL_PARAMETER, "name", t->str, NULL);
  } else {
    p->pos_params = true;
    int k = p->next_qmark++;
    if (pa && k < pa->npos) return pa->pos[k];
    char num[16];
    snprintf(num, sizeof num, "_%d", k + 1);
    em_error_set(p->err, EM_ERR_UNBOUND_SQL_PARAMETER, "name", num, NULL);
  }
  em_sql_fail(p);
}

/* CASE [x] WHEN c THEN v ... [ELSE e] END as PySpark's when(...) call. */
static em_spec_expr *case_expr(em_sqlp *p) {
  em_spec_expr *subject = NULL;
  if (!em_sql_is_kw(em_sql_peek(p, 0), "WHEN")) subject = parse_or(p);
  em_spec_expr **args = NULL;
  int n = 0, cap = 0;
  while (em_sql_accept_kw(p, "WHEN")) {
    em_spec_expr *c = parse_or(p);
    if (subject) c = call2(p, "==", subject, c);
    em_sql_expect_kw(p, "THEN");
    em_spec_expr *v = parse_or(p);
    em_sql_push(p, (void ***)&args, &n, &cap, c);
    em_sql_push(p, (void ***)&args, &n, &cap, v);
  }
  if (n == 0) em_sql_syntax_error(p, p->pos, "");
  if (em_sql_accept_kw(p, "ELSE")) em_sql_push(p, (void ***)&args, &n, &cap, parse_or(p));
  em_sql_expect_kw(p, "END");
  return em_sql_func(p, "when", args, n);
}

static em_spec_expr *cast_expr(em_sqlp *p, em_cast_mode mode) {
  em_sql_expect_op(p, "(");
  em_spec_expr *child = parse_or(p);
  em_sql_expect_kw(p, "AS");
  em_type *t = em_sql_type(p);
  em_sql_expect_op(p, ")");
  em_spec_expr *c = em_sql_expr_new(p, EM_SE_CAST);
  c->u.cast.child = child;
  c->u.cast.type = t;
  c->u.cast.mode = mode;
  return c;
}

/* Function call arguments after "(": [DISTINCT|ALL] args, `*`, name => v. */
static em_spec_expr *func_call(em_sqlp *p, char *name) {
  em_spec_expr **args = NULL;
  int n = 0, cap = 0;
  bool distinct = false;
  if (!em_sql_is_op(em_sql_peek(p, 0), ")")) {
    if (em_sql_accept_kw(p, "DISTINCT")) distinct = true;
    else if (em_sql_is_kw(em_sql_peek(p, 0), "ALL") && !em_sql_is_op(em_sql_peek(p, 1), ")") &&
             !em_sql_is_op(em_sql_peek(p, 1), ","))
      em_sql_next(p);
    do {
      if (em_sql_is_op(em_sql_peek(p, 0), "*") &&
          (em_sql_is_op(em_sql_peek(p, 1), ")") || em_sql_is_op(em_sql_peek(p, 1), ","))) {
        em_sql_next(p);
        em_sql_push(p, (void ***)&args, &n, &cap, em_sql_expr_new(p, EM_SE_STAR));
        continue;
      }
      /* A lambda: x -> ..., (x, y) -> ... */
      if (em_sql_at_ident(p) && em_sql_is_op(em_sql_peek(p, 1), "->")) {
        char **vars = em_sql_alloc(p, 1, sizeof(char *));
        vars[0] = em_sql_ident(p);
        em_sql_next(p);
        em_sql_push(p, (void ***)&args, &n, &cap, lambda_body(p, vars, 1));
        continue;
      }
      if (em_sql_is_op(em_sql_peek(p, 0), "(")) {
        int k = 1;
        while (em_sql_peek(p, k)->kind == EM_TK_IDENT || em_sql_peek(p, k)->kind == EM_TK_QIDENT) {
          if (em_sql_is_op(em_sql_peek(p, k + 1), ",")) k += 2;
          else {
            k++;
            break;
          }
        }
        if (k > 1 && em_sql_is_op(em_sql_peek(p, k), ")") && em_sql_is_op(em_sql_peek(p, k + 1), "->")) {
          em_sql_next(p);
          char **vars = NULL;
          int nv = 0, cv = 0;
          do em_sql_push(p, (void ***)&vars, &nv, &cv, em_sql_ident(p));
          while (em_sql_accept_op(p, ","));
          em_sql_expect_op(p, ")");
          em_sql_expect_op(p, "->");
          em_sql_push(p, (void ***)&args, &n, &cap, lambda_body(p, vars, nv));
          continue;
        }
      }
      /* name => value: Spark's named argument (kept as the value). */
      if (em_sql_at_ident(p) && em_sql_is_op(em_sql_peek(p, 1), "=>")) {
        em_sql_next(p);
        em_sql_next(p);
      }
      em_sql_push(p, (void ***)&args, &n, &cap, parse_or(p));
    } while (em_sql_accept_op(p, ","));
  }
  em_sql_expect_op(p, ")");
  em_spec_expr *f = em_sql_func(p, name, args, n);
  f->u.func.distinct = distinct;
  /* FILTER (WHERE cond): the aggregate over IF(cond, x, NULL) (parse_agg_filter.c). */
  if (em_sql_is_kw(em_sql_peek(p, 0), "FILTER") && em_sql_is_op(em_sql_peek(p, 1), "(")) {
    em_sql_next(p);
    em_sql_next(p);
    em_sql_expect_kw(p, "WHERE");
    em_spec_expr *cond = parse_or(p);
    em_sql_expect_op(p, ")");
    em_sql_agg_filter(p, f, cond);
  }
  if ((em_sql_is_kw(em_sql_peek(p, 0), "IGNORE") || em_sql_is_kw(em_sql_peek(p, 0), "RESPECT")) &&
      em_sql_is_kw(em_sql_peek(p, 1), "NULLS")) {
    bool ignore = em_sql_is_kw(em_sql_peek(p, 0), "IGNORE");
    em_sql_next(p);
    em_sql_next(p);
    if (ignore) {
      em_spec_expr **na = em_sql_alloc(p, (size_t)n + 1, sizeof *na);
      memcpy(na, f->u.func.args, sizeof *na * (size_t)n);
      em_vec *v = em_vec_new(em_type_boolean(), 1);
      if (!v || em_vec_append_bool(v, true) || em_spec_own_vec(p->spec, v)) {
        if (v) em_vec_unref(v);
        em_sql_oom(p);
      }
      na[n] = em_sql_lit_vec(p, v);
      f->u.func.args = na;
      f->u.func.nargs = n + 1;
    }
  }
  if (em_sql_accept_kw(p, "OVER")) {
    em_spec_expr *w = em_sql_expr_new(p, EM_SE_WINDOW);
    w->u.window.func = f;
    /* OVER w / OVER (w): a window of the SELECT's WINDOW clause. */
    bool paren_name = em_sql_is_op(em_sql_peek(p, 0), "(") && em_sql_is_op(em_sql_peek(p, 2), ")") &&
                      (em_sql_peek(p, 1)->kind == EM_TK_IDENT || em_sql_peek(p, 1)->kind == EM_TK_QIDENT);
    if (paren_name || (em_sql_at_ident(p) && !em_sql_is_op(em_sql_peek(p, 0), "("))) {
      if (paren_name) em_sql_next(p);
      em_sql_winref ref = {w, em_sql_ident(p)};
      if (paren_name) em_sql_expect_op(p, ")");
      if (p->nwinrefs == p->capwinrefs) {
        int nc = p->capwinrefs ? p->capwinrefs * 2 : 8;
        em_sql_winref *nr = em_sql_alloc(p, (size_t)nc, sizeof *nr);
        if (p->nwinrefs) memcpy(nr, p->winrefs, sizeof *nr * (size_t)p->nwinrefs);
        p->winrefs = nr;
        p->capwinrefs = nc;
      }
      p->winrefs[p->nwinrefs++] = ref;
      return w;
    }
    em_sql_expect_op(p, "(");
    em_sql_window_spec(p, w);
    em_sql_expect_op(p, ")");
    return w;
  }
  return f;
}

/* The inside of a window specification's parentheses (PARTITION BY, ORDER
 * BY, frame) into the EM_SE_WINDOW w. */
void em_sql_window_spec(em_sqlp *p, em_spec_expr *w) {
  {
    if (em_sql_accept_kw(p, "PARTITION") || em_sql_accept_kw(p, "DISTRIBUTE")) {
      em_sql_expect_kw(p, "BY");
      int cp = 0;
      do em_sql_push(p, (void ***)&w->u.window.partition, &w->u.window.npartition, &cp, parse_or(p));
      while (em_sql_accept_op(p, ","));
    }
    if (em_sql_accept_kw(p, "ORDER") || em_sql_accept_kw(p, "SORT")) {
      em_sql_expect_kw(p, "BY");
      int co = 0;
      do {
        em_spec_expr *o = em_sql_expr_new(p, EM_SE_SORT_ORDER);
        o->u.sort.child = parse_or(p);
        o->u.sort.ascending = !em_sql_accept_kw(p, "DESC");
        if (o->u.sort.ascending) em_sql_accept_kw(p, "ASC");
        if (em_sql_accept_kw(p, "NULLS")) {
          if (em_sql_accept_kw(p, "FIRST")) o->u.sort.nulls = EM_NULLS_FIRST;
          else {
            em_sql_expect_kw(p, "LAST");
            o->u.sort.nulls = EM_NULLS_LAST;
          }
        }
        em_sql_push(p, (void ***)&w->u.window.order, &w->u.window.norder, &co, o);
      } while (em_sql_accept_op(p, ","));
    }
    if (em_sql_is_kw(em_sql_peek(p, 0), "ROWS") || em_sql_is_kw(em_sql_peek(p, 0), "RANGE")) {
      em_spec_window_frame *fr = &w->u.window.frame;
      fr->present = true;
      fr->is_rows = em_sql_is_kw(em_sql_next(p), "ROWS");
      bool between = em_sql_accept_kw(p, "BETWEEN");
      for (int side = 0; side < (between ? 2 : 1); side++) {
        int *kind = side ? &fr->upper_kind : &fr->lower_kind;
        em_spec_expr **val = side ? &fr->upper : &fr->lower;
        if (side) em_sql_expect_kw(p, "AND");
        if (em_sql_accept_kw(p, "UNBOUNDED")) {
          *kind = 1;
          if (!em_sql_accept_kw(p, "PRECEDING")) em_sql_expect_kw(p, "FOLLOWING");
        } else if (em_sql_accept_kw(p, "CURRENT")) {
          em_sql_expect_kw(p, "ROW");
          *kind = 0;
        } else {
          *kind = 2;
          em_spec_expr *v = parse_or(p);
          if (em_sql_accept_kw(p, "PRECEDING")) v = call1(p, "negative", v);
          else em_sql_expect_kw(p, "FOLLOWING");
          *val = v;
        }
      }
      if (!between) fr->upper_kind = 0;
    }
  }
}

static em_spec_expr *attr(em_sqlp *p, char **parts, int n) {
  if (n == 1 && lambda_var(p, parts[0])) {
    em_spec_expr *v = em_sql_expr_new(p, EM_SE_LAMBDA_VAR);
    v->u.lambda_var.parts = parts;
    v->u.lambda_var.nparts = 1;
    return v;
  }
  em_spec_expr *a = em_sql_expr_new(p, EM_SE_ATTR);
  a->u.attr.parts = parts;
  a->u.attr.nparts = n;
  return a;
}

/* Keywords with a special primary form (unless used as a plain name). */
static em_spec_expr *primary(em_sqlp *p) {
  em_sql_enter(p);
  int from = p->pos;
  em_tok *t = em_sql_peek(p, 0);
  em_spec_expr *e = NULL;
  switch (t->kind) {
  case EM_TK_NUMBER:
    em_sql_next(p);
    e = em_sql_number(p, t);
    break;
  case EM_TK_STRING: {
    /* Adjacent string literals concatenate. */
    em_strbuf sb;
    em_strbuf_init(&sb);
    while (em_sql_peek(p, 0)->kind == EM_TK_STRING) em_strbuf_puts(&sb, em_sql_next(p)->str);
    e = em_sql_lit_string(p, sb.data ? sb.data : "", sb.len);
    em_strbuf_free(&sb);
    break;
  }
  case EM_TK_PARAM:
  case EM_TK_QMARK:
    em_sql_next(p);
    e = param(p, t);
    break;
  case EM_TK_OP:
    if (em_sql_is_op(t, "*")) {
      em_sql_next(p);
      e = em_sql_expr_new(p, EM_SE_STAR);
    } else if (em_sql_is_op(t, "(")) {
      em_sql_next(p);
      if (em_sql_at_query_start(p)) {
        em_spec_expr *s = em_sql_expr_new(p, EM_SE_SUBQUERY);
        s->u.subquery.kind = EM_SUBQUERY_SCALAR;
        s->u.subquery.rel = em_sql_query(p);
        em_sql_expect_op(p, ")");
        e = s;
        break;
      }
      em_spec_expr *first = em_sql_named_expr(p);
      if (em_sql_accept_op(p, ",")) {
        /* (a, b, ...): a struct. */
        em_spec_expr **args = NULL;
        int n = 0, cap = 0;
        em_sql_push(p, (void ***)&args, &n, &cap, first);
        do em_sql_push(p, (void ***)&args, &n, &cap, em_sql_named_expr(p));
        while (em_sql_accept_op(p, ","));
        em_sql_expect_op(p, ")");
        e = em_sql_func(p, "struct", args, n);
      } else {
        em_sql_expect_op(p, ")");
        e = first;
      }
    } else {
      em_sql_syntax_error(p, p->pos, "");
    }
    break;
  case EM_TK_IDENT:
  case EM_TK_QIDENT: {
    em_tok *nx = em_sql_peek(p, 1);
    bool word = t->kind == EM_TK_IDENT;
    if (word && em_sql_is_kw(t, "CASE")) {
      em_sql_next(p);
      e = case_expr(p);
    } else if (word && (em_sql_is_kw(t, "CAST") || em_sql_is_kw(t, "TRY_CAST")) && em_sql_is_op(nx, "(")) {
      em_sql_next(p);
      e = cast_expr(p, em_sql_is_kw(t, "TRY_CAST") ? EM_CAST_TRY : EM_CAST_DEFAULT);
    } else if (word && em_sql_is_kw(t, "NULL")) {
      em_sql_next(p);
      em_vec *v = em_vec_new_nulls(em_type_null(), 1);
      if (!v || em_spec_own_vec(p->spec, v)) {
        if (v) em_vec_unref(v);
        em_sql_oom(p);
      }
      e = em_sql_lit_vec(p, v);
    } else if (word && (em_sql_is_kw(t, "TRUE") || em_sql_is_kw(t, "FALSE"))) {
      em_sql_next(p);
      em_vec *v = em_vec_new(em_type_boolean(), 1);
      if (!v || em_vec_append_bool(v, em_sql_is_kw(t, "TRUE")) || em_spec_own_vec(p->spec, v)) {
        if (v) em_vec_unref(v);
        em_sql_oom(p);
      }
      e = em_sql_lit_vec(p, v);
    } else if (word && em_sql_is_kw(t, "INTERVAL") &&
               (nx->kind == EM_TK_STRING || nx->kind == EM_TK_NUMBER || em_sql_is_op(nx, "-") ||
                em_sql_is_op(nx, "+"))) {
      em_sql_next(p);
      e = em_sql_interval(p);
    } else if (word && nx->kind == EM_TK_STRING &&
               (em_sql_is_kw(t, "DATE") || em_sql_is_kw(t, "TIMESTAMP") || em_sql_is_kw(t, "TIMESTAMP_NTZ") ||
                em_sql_is_kw(t, "TIMESTAMP_LTZ") || em_sql_is_kw(t, "X"))) {
      em_sql_next(p);
      em_sql_next(p);
      e = em_sql_typed_literal(p, t->str, nx);
    } else if (word && em_sql_is_kw(t, "EXTRACT") && em_sql_is_op(nx, "(") &&
               em_sql_peek(p, 2)->kind == EM_TK_IDENT && em_sql_is_kw(em_sql_peek(p, 3), "FROM")) {
      /* EXTRACT(field FROM source): extract('field', source), the field as written. */
      em_sql_next(p);
      em_sql_next(p);
      em_tok *f = em_sql_next(p);
      em_sql_next(p);
      em_spec_expr *args[2] = {em_sql_lit_string(p, f->str, strlen(f->str)), em_sql_expr(p)};
      em_sql_expect_op(p, ")");
      e = em_sql_func(p, "extract", args, 2);
    } else if (word && em_sql_is_kw(t, "EXISTS") && em_sql_is_op(nx, "(")) {
      em_sql_next(p);
      em_sql_next(p);
      em_spec_expr *s = em_sql_expr_new(p, EM_SE_SUBQUERY);
      s->u.subquery.kind = EM_SUBQUERY_EXISTS;
      s->u.subquery.rel = em_sql_query(p);
      em_sql_expect_op(p, ")");
      e = s;
    } else if (word && em_sql_is_op(nx, "(") == false &&
               (em_sql_is_kw(t, "CURRENT_DATE") || em_sql_is_kw(t, "CURRENT_TIMESTAMP") ||
                em_sql_is_kw(t, "CURRENT_USER") || em_sql_is_kw(t, "USER") || em_sql_is_kw(t, "SESSION_USER") ||
                em_sql_is_kw(t, "CURRENT_SCHEMA")) &&
               !em_sql_is_op(nx, ".")) {
      em_sql_next(p);
      e = em_sql_func(p, t->str, NULL, 0);
    } else if (em_sql_is_op(nx, "->")) {
      char **vars = em_sql_alloc(p, 1, sizeof(char *));
      vars[0] = em_sql_next(p)->str;
      em_sql_next(p);
      e = lambda_body(p, vars, 1);
    } else if (em_sql_is_op(nx, "(")) {
      char *name = em_sql_next(p)->str;
      em_sql_next(p);
      e = func_call(p, name);
    } else {
      /* A (multi-part) column name, or t.* */
      char **parts = NULL;
      int n = 0, cap = 0;
      em_sql_push(p, (void ***)&parts, &n, &cap, em_sql_next(p)->str);
      while (em_sql_is_op(em_sql_peek(p, 0), ".")) {
        em_tok *after = em_sql_peek(p, 1);
        if (em_sql_is_op(after, "*")) {
          em_sql_next(p);
          em_sql_next(p);
          e = em_sql_expr_new(p, EM_SE_STAR);
          e->u.star.target = parts;
          e->u.star.ntarget = n;
          break;
        }
        if (after->kind != EM_TK_IDENT && after->kind != EM_TK_QIDENT) em_sql_syntax_error(p, p->pos + 1, "");
        if (em_sql_is_op(em_sql_peek(p, 2), "(")) break; /* a.f(...) is not a column */
        em_sql_next(p);
        em_sql_push(p, (void ***)&parts, &n, &cap, em_sql_next(p)->str);
      }
      if (!e) {
        if (em_sql_is_op(em_sql_peek(p, 0), ".") && n >= 1) {
          /* db.func(args): a qualified function name. */
          em_sql_next(p);
          char *fname = em_sql_next(p)->str;
          em_sql_next(p);
          e = func_call(p, fname);
        } else {
          e = attr(p, parts, n);
        }
      }
    }
    break;
  }
  default:
    em_sql_syntax_error(p, p->pos, "");
  }
  em_sql_set_origin(p, e, from);
  /* Postfix: subscripts, field access, ::type. */
  for (;;) {
    if (em_sql_accept_op(p, "[")) {
      em_spec_expr *x = em_sql_expr_new(p, EM_SE_EXTRACT);
      x->u.extract.child = e;
      x->u.extract.extraction = parse_or(p);
      em_sql_expect_op(p, "]");
      e = x;
    } else if (em_sql_is_op(em_sql_peek(p, 0), ".") &&
               (em_sql_peek(p, 1)->kind == EM_TK_IDENT || em_sql_peek(p, 1)->kind == EM_TK_QIDENT)) {
      em_sql_next(p);
      char *field = em_sql_next(p)->str;
      em_spec_expr *x = em_sql_expr_new(p, EM_SE_EXTRACT);
      x->u.extract.child = e;
      x->u.extract.extraction = em_sql_lit_string(p, field, strlen(field));
      e = x;
    } else if (em_sql_accept_op(p, "::")) {
      em_spec_expr *c = em_sql_expr_new(p, EM_SE_CAST);
      c->u.cast.child = e;
      c->u.cast.type = em_sql_type(p);
      e = c;
    } else {
      break;
    }
    em_sql_set_origin(p, e, from);
  }
  em_sql_leave(p);
  return e;
}

/* ---- value expressions: precedence climbing ---- */

typedef struct binop {
  const char *tok;  /* operator token or keyword */
  bool kw;
  int prec;
  const char *fn;   /* function PySpark sends */
  bool negate;      /* != <> : not(==) */
} binop;

static const binop binops[] = {
    {"*", false, 6, "*", false},   {"/", false, 6, "/", false},   {"%", false, 6, "%", false},
    {"DIV", true, 6, "div", false}, {"+", false, 5, "+", false},  {"-", false, 5, "-", false},
    {"||", false, 5, "concat", false}, {"<<", false, 4, "shiftleft", false}, {">>", false, 4, "shiftright", false},
    {">>>", false, 4, "shiftrightunsigned", false}, {"&", false, 3, "&", false}, {"^", false, 2, "^", false},
    {"|", false, 1, "|", false},   {"=", false, 0, "==", false},  {"==", false, 0, "==", false},
    {"<>", false, 0, "==", true},  {"!=", false, 0, "==", true},  {"<", false, 0, "<", false},
    {"<=", false, 0, "<=", false}, {">", false, 0, ">", false},   {">=", false, 0, ">=", false},
    {"<=>", false, 0, "<=>", false},
};

static const binop *peek_binop(em_sqlp *p) {
  em_tok *t = em_sql_peek(p, 0);
  for (size_t i = 0; i < EM_ARRAY_LEN(binops); i++) {
    if (binops[i].kw ? em_sql_is_kw(t, binops[i].tok) : em_sql_is_op(t, binops[i].tok)) return &binops[i];
  }
  return NULL;
}

static em_spec_expr *unary(em_sqlp *p) {
  int from = p->pos;
  em_tok *t = em_sql_peek(p, 0);
  if (em_sql_is_op(t, "-") && em_sql_peek(p, 1)->kind == EM_TK_NUMBER) {
    /* A signed numeric literal (Spark's `number: MINUS? ...`). */
    em_sql_next(p);
    em_tok *num = em_sql_next(p);
    em_tok signed_tok = *num;
    size_t n = strlen(num->str);
    char *txt = em_sql_alloc(p, n + 2, 1);
    txt[0] = '-';
    memcpy(txt + 1, num->str, n + 1);
    signed_tok.str = txt;
    em_spec_expr *e = em_sql_number(p, &signed_tok);
    em_sql_set_origin(p, e, from);
    return e;
  }
  if (em_sql_is_op(t, "-") || em_sql_is_op(t, "+") || em_sql_is_op(t, "~")) {
    em_sql_next(p);
    em_sql_enter(p);
    em_spec_expr *x = unary(p);
    em_sql_leave(p);
    em_spec_expr *e = call1(p, em_sql_is_op(t, "-") ? "negative" : em_sql_is_op(t, "+") ? "positive" : "~", x);
    em_sql_set_origin(p, e, from);
    return e;
  }
  return primary(p);
}

static em_spec_expr *value_expr(em_sqlp *p, int min_prec) {
  int from = p->pos;
  em_spec_expr *lhs = unary(p);
  for (;;) {
    const binop *op = peek_binop(p);
    if (!op || op->prec < min_prec) break;
    em_sql_next(p);
    em_sql_enter(p);
    em_spec_expr *rhs = value_expr(p, op->prec + 1);
    em_sql_leave(p);
    lhs = call2(p, op->fn, lhs, rhs);
    em_sql_set_origin(p, lhs, from);
    if (op->negate) {
      lhs = call1(p, "not", lhs);
      em_sql_set_origin(p, lhs, from);
    }
  }
  return lhs;
}

/* ---- predicates and boolean expressions ---- */

static em_spec_expr *predicate(em_sqlp *p) {
  int from = p->pos;
  em_spec_expr *e = value_expr(p, 0);
  for (;;) {
    int save = p->pos;
    bool neg = em_sql_accept_kw(p, "NOT");
    em_tok *t = em_sql_peek(p, 0);
    em_spec_expr *r = NULL;
    if (em_sql_accept_kw(p, "BETWEEN")) {
      em_spec_expr *lo = value_expr(p, 0);
      em_sql_expect_kw(p, "AND");
      em_spec_expr *hi = value_expr(p, 0);
      em_spec_expr *args[3] = {e, lo, hi};
      r = em_sql_func(p, "between", args, 3);
    } else if (em_sql_accept_kw(p, "IN")) {
      em_sql_expect_op(p, "(");
      if (em_sql_is_op(em_sql_peek(p, 0), ")")) {
        em_error_set(p->err, EM_ERR_INVALID_SQL_SYNTAX_EMPTY_IN_PREDICATE, NULL);
        em_sql_span_error(p, p->pos - 2, p->pos);
      }
      if (em_sql_at_query_start(p)) {
        r = em_sql_expr_new(p, EM_SE_SUBQUERY);
        r->u.subquery.kind = EM_SUBQUERY_IN;
        r->u.subquery.rel = em_sql_query(p);
        em_spec_expr **vals = em_sql_alloc(p, 1, sizeof *vals);
        vals[0] = e;
        r->u.subquery.values = vals;
        r->u.subquery.nvalues = 1;
      } else {
        em_spec_expr **args = NULL;
        int n = 0, cap = 0;
        em_sql_push(p, (void ***)&args, &n, &cap, e);
        do em_sql_push(p, (void ***)&args, &n, &cap, parse_or(p));
        while (em_sql_accept_op(p, ","));
        r = em_sql_func(p, "in", args, n);
      }
      em_sql_expect_op(p, ")");
    } else if (em_sql_is_kw(t, "LIKE") || em_sql_is_kw(t, "ILIKE") || em_sql_is_kw(t, "RLIKE") ||
               em_sql_is_kw(t, "REGEXP")) {
      em_sql_next(p);
      if (em_sql_is_kw(em_sql_peek(p, 0), "ANY") || em_sql_is_kw(em_sql_peek(p, 0), "ALL") ||
          em_sql_is_kw(em_sql_peek(p, 0), "SOME")) {
        if (em_sql_is_kw(t, "RLIKE") || em_sql_is_kw(t, "REGEXP")) {
          em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "RLIKE ANY / RLIKE ALL", NULL);
          em_sql_fail(p);
        }
        bool all = em_sql_is_kw(em_sql_next(p), "ALL");
        r = em_sql_like_quantified(p, e, em_sql_is_kw(t, "LIKE") ? "like" : "ilike", neg ? !all : all);
      } else {
      em_spec_expr *pat = value_expr(p, 0);
      const char *fn = em_sql_is_kw(t, "LIKE") ? "like" : em_sql_is_kw(t, "ILIKE") ? "ilike" : "rlike";
      if (fn[0] != 'r' && em_sql_accept_kw(p, "ESCAPE")) {
        em_tok *esc = em_sql_peek(p, 0);
        if (esc->kind != EM_TK_STRING) em_sql_syntax_error(p, p->pos, "");
        em_sql_next(p);
        em_spec_expr *args[3] = {e, pat, em_sql_lit_string(p, esc->str, strlen(esc->str))};
        r = em_sql_func(p, fn, args, 3);
      } else {
        r = call2(p, fn, e, pat);
      }
      }
    } else if (!neg && em_sql_accept_kw(p, "IS")) {
      bool isnot = em_sql_accept_kw(p, "NOT");
      if (em_sql_accept_kw(p, "NULL")) {
        r = call1(p, isnot ? "isnotnull" : "isnull", e);
        isnot = false;
      } else if (em_sql_accept_kw(p, "DISTINCT")) {
        em_sql_expect_kw(p, "FROM");
        em_spec_expr *o = value_expr(p, 0);
        r = call2(p, "<=>", e, o);
        isnot = !isnot;
      } else if (em_sql_is_kw(em_sql_peek(p, 0), "TRUE") || em_sql_is_kw(em_sql_peek(p, 0), "FALSE") ||
                 em_sql_is_kw(em_sql_peek(p, 0), "UNKNOWN")) {
        em_tok *b = em_sql_next(p);
        if (em_sql_is_kw(b, "UNKNOWN")) {
          r = call1(p, isnot ? "isnotnull" : "isnull", e);
          isnot = false;
        } else {
          em_vec *v = em_vec_new(em_type_boolean(), 1);
          if (!v || em_vec_append_bool(v, em_sql_is_kw(b, "TRUE")) || em_spec_own_vec(p->spec, v)) {
            if (v) em_vec_unref(v);
            em_sql_oom(p);
          }
          r = call2(p, "<=>", e, em_sql_lit_vec(p, v));
        }
      } else {
        em_sql_syntax_error(p, p->pos, "");
      }
      if (isnot) r = call1(p, "not", r);
    } else {
      p->pos = save;
      break;
    }
    em_sql_set_origin(p, r, from);
    if (neg) {
      r = call1(p, "not", r);
      em_sql_set_origin(p, r, from);
    }
    e = r;
  }
  return e;
}

static em_spec_expr *parse_not(em_sqlp *p) {
  int from = p->pos;
  if (em_sql_is_kw(em_sql_peek(p, 0), "NOT") || em_sql_is_op(em_sql_peek(p, 0), "!")) {
    em_sql_next(p);
    em_sql_enter(p);
    em_spec_expr *x = parse_not(p);
    em_sql_leave(p);
    em_spec_expr *e = call1(p, "not", x);
    em_sql_set_origin(p, e, from);
    return e;
  }
  return predicate(p);
}

static em_spec_expr *parse_and(em_sqlp *p) {
  int from = p->pos;
  em_spec_expr *e = parse_not(p);
  while (em_sql_accept_kw(p, "AND")) {
    e = call2(p, "and", e, parse_not(p));
    em_sql_set_origin(p, e, from);
  }
  return e;
}

static em_spec_expr *parse_or(em_sqlp *p) {
  int from = p->pos;
  em_spec_expr *e = parse_and(p);
  while (em_sql_accept_kw(p, "OR")) {
    e = call2(p, "or", e, parse_and(p));
    em_sql_set_origin(p, e, from);
  }
  return e;
}

em_spec_expr *em_sql_expr(em_sqlp *p) { return parse_or(p); }

/* expression [AS] alias | expression AS (a, b). */
em_spec_expr *em_sql_named_expr(em_sqlp *p) {
  em_spec_expr *e = parse_or(p);
  bool as = em_sql_accept_kw(p, "AS");
  em_tok *t = em_sql_peek(p, 0);
  if (as && em_sql_is_op(t, "(")) {
    em_sql_next(p);
    em_spec_expr *a = em_sql_expr_new(p, EM_SE_ALIAS);
    a->u.alias.child = e;
    int cap = 0;
    do em_sql_push(p, (void ***)&a->u.alias.names, &a->u.alias.nnames, &cap, em_sql_ident(p));
    while (em_sql_accept_op(p, ","));
    em_sql_expect_op(p, ")");
    return a;
  }
  bool take = false;
  if (as) {
    if (!em_sql_at_ident(p)) em_sql_syntax_error(p, p->pos, "");
    take = true;
  } else if (t->kind == EM_TK_QIDENT) {
    take = true;
  } else if (t->kind == EM_TK_IDENT) {
    em_tok *nx = em_sql_peek(p, 1);
    bool ends = nx->kind == EM_TK_EOF || em_sql_is_op(nx, ",") || em_sql_is_op(nx, ")") || em_sql_is_op(nx, ";");
    take = !em_sql_is_clause_kw(t) || ends;
  }
  if (!take) return e;
  em_spec_expr *a = em_sql_expr_new(p, EM_SE_ALIAS);
  a->u.alias.child = e;
  a->u.alias.names = em_sql_alloc(p, 1, sizeof(char *));
  a->u.alias.names[0] = em_sql_next(p)->str;
  a->u.alias.nnames = 1;
  return a;
}
