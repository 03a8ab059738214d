/*
 * Building resolved expressions directly, for the relations Spark defines
 * as rewrites of other operators (na.fill, na.drop, na.replace, to(schema),
 * the casts of set operations): column references by position (never by
 * name, so duplicate names are no problem), literals, casts, and calls of
 * registered functions typed by their own resolvers, exactly as if the
 * user had written them.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <string.h>

em_expr *em_az_col(em_az *az, const em_lplan *scope, int i) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  x->kind = EM_EX_COLUMN;
  x->u.column = i;
  x->type = scope->out[i].type;
  x->nullable = scope->out[i].nullable;
  return x;
}

em_expr *em_az_lit(em_az *az, em_vec *v) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  if (em_az_own_vec(az, em_vec_ref(v))) {
    em_vec_unref(v);
    return em_error_internal(az->err, "out of memory during analysis"), NULL;
  }
  x->kind = EM_EX_LITERAL;
  x->u.lit = v;
  x->type = v->type;
  x->nullable = em_vec_is_null(v, 0);
  return x;
}

em_expr *em_az_null_lit(em_az *az, em_type *t) {
  em_vec *v = em_vec_new_nulls(t, 1);
  if (!v) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  em_expr *x = em_az_lit(az, v);
  em_vec_unref(v);
  return x;
}

char *em_az_lit_sql(em_az *az, const em_vec *v) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_literal_sql(v, true, &sb);
  char *s = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  if (!s) em_error_internal(az->err, "out of memory during analysis");
  return s;
}

em_expr *em_az_cast(em_az *az, em_expr *e, em_type *to, bool ansi) {
  if (em_type_equal(e->type, to, false)) return e;
  em_expr *c = em_expr_cast(&az->plan->arena, e, to, ansi);
  if (!c) em_error_internal(az->err, "out of memory during analysis");
  return c;
}

static void quote_id(em_strbuf *sb, const char *s) {
  em_strbuf_putc(sb, '`');
  for (; *s; s++) {
    if (*s == '`') em_strbuf_putc(sb, '`');
    em_strbuf_putc(sb, *s);
  }
  em_strbuf_putc(sb, '`');
}

int em_az_resolve_df_column(em_az *az, const em_lplan *scope, const char *name) {
  /* Dataset.col / Dataset.resolve: a (possibly dotted, backquoted) name,
   * resolved against the output; errors are plain AnalysisExceptions. */
  em_spec tmp;
  em_spec_init(&tmp);
  em_spec_expr *e = em_spec_expr_new(&tmp, EM_SE_ATTR);
  int idx = -1;
  if (!e) {
    em_error_internal(az->err, "out of memory during analysis");
  } else if (!em_spec_parse_name(&tmp, name, &e->u.attr.parts, &e->u.attr.nparts, az->err)) {
    char *nm = NULL, *meta = NULL;
    em_expr *x = em_az_resolve_expr(az, e, scope, &nm, &meta);
    if (x && x->kind == EM_EX_COLUMN) idx = x->u.column;
    else if (x)
      em_error_internal(az->err, "nested field %s is not supported here", name);
    else if (az->err->cls == EM_ERR_UNRESOLVED_COLUMN_WITH_SUGGESTION ||
             az->err->cls == EM_ERR_UNRESOLVED_COLUMN_WITHOUT_SUGGESTION) {
      /* Dataset.resolve: every column, in order, as the suggestion. */
      em_strbuf obj, prop;
      em_strbuf_init(&obj);
      em_strbuf_init(&prop);
      for (int i = 0; i < e->u.attr.nparts; i++) {
        if (i) em_strbuf_putc(&obj, '.');
        quote_id(&obj, e->u.attr.parts[i]);
      }
      for (int i = 0; i < scope->nout; i++) {
        if (i) em_strbuf_puts(&prop, ", ");
        quote_id(&prop, scope->out[i].name);
      }
      em_error_set(az->err, EM_ERR_DF_UNRESOLVED_COLUMN_WITH_SUGGESTION, "objectName", obj.data ? obj.data : "",
                   "proposal", prop.data ? prop.data : "", NULL);
      em_strbuf_free(&obj);
      em_strbuf_free(&prop);
    }
  }
  em_spec_release(&tmp);
  return idx;
}

em_lplan *em_az_project(em_az *az, const em_spec_rel *r, em_lplan *child, em_expr **exprs, int n) {
  em_lplan *p = em_az_new_node(az, EM_LP_PROJECT, r, n);
  if (!p) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  p->child = child;
  p->u.project.exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  if (!p->u.project.exprs) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  for (int i = 0; i < n; i++) {
    em_expr *x = exprs[i];
    p->u.project.exprs[i] = x;
    if (x->kind == EM_EX_COLUMN) {
      p->out[i] = child->out[x->u.column];
    } else {
      p->out[i].type = x->type;
      p->out[i].nullable = x->nullable;
      p->out[i].id = em_az_next_id(az);
    }
  }
  return p;
}
