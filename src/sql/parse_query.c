/*
 * SQL queries to spec relations, after SqlBaseParser.g4's query /
 * queryTerm / queryPrimary / querySpecification / relation rules.
 *
 * A SELECT becomes FROM (joins) -> WHERE (Filter) -> Project, or Aggregate
 * when it groups or calls an aggregate function -> HAVING (Filter) ->
 * DISTINCT (Deduplicate) -> ORDER BY (Sort) -> LIMIT / OFFSET. What Spark's
 * analyzer does for SQL alone is rewritten here into the shared spec:
 *  - HAVING and ORDER BY may name aggregates or input columns that the
 *    select list lacks: they are added to the select list under hidden
 *    names (`__having_N`, `__sort_N`) and dropped again after the filter or
 *    sort, as Spark's ResolveAggregateFunctions / ResolveMissingReferences;
 *  - GROUP BY ordinals and select aliases, GROUP BY ALL, ORDER BY ordinals;
 *  - CTEs are substituted where they are named (as Spark's CTESubstitution
 *    inlines them), VALUES is a UNION ALL of one-row projections typed as
 *    Spark's inline tables, range(...) is the Range relation;
 *  - set operations: INTERSECT binds tighter than UNION / EXCEPT / MINUS,
 *    which associate to the left; a bare UNION is DISTINCT.
 */
#include "sql_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../expr/func.h"

typedef struct select_info {
  em_spec_rel *rel;         /* the result so far */
  em_spec_rel *top;         /* the Project/Aggregate of the select list (NULL: not a plain SELECT) */
  bool distinct;
  int nhidden;              /* hidden items appended to top */
  char **hidden;
  int caphidden;
} select_info;

static em_spec_rel *query_term(em_sqlp *p, select_info *si, int prec);
static em_spec_rel *relation(em_sqlp *p);

bool em_sql_at_query_start(em_sqlp *p) {
  em_tok *t = em_sql_peek(p, 0);
  if (em_sql_is_kw(t, "SELECT") || em_sql_is_kw(t, "WITH") || em_sql_is_kw(t, "VALUES") ||
      em_sql_is_kw(t, "FROM") || (em_sql_is_kw(t, "TABLE") && em_sql_peek(p, 1)->kind != EM_TK_OP))
    return true;
  if (em_sql_is_op(t, "(")) {
    /* ((SELECT ...)) */
    int k = 0;
    while (em_sql_is_op(em_sql_peek(p, k), "(")) k++;
    em_tok *u = em_sql_peek(p, k);
    return em_sql_is_kw(u, "SELECT") || em_sql_is_kw(u, "WITH") || em_sql_is_kw(u, "VALUES");
  }
  return false;
}

int em_sql_multipart(em_sqlp *p, char ***parts) {
  char **v = NULL;
  int n = 0, cap = 0;
  do em_sql_push(p, (void ***)&v, &n, &cap, em_sql_ident(p));
  while (em_sql_accept_op(p, "."));
  *parts = v;
  return n;
}

/* ---- helpers over spec expressions ---- */

/* Aggregate functions, and grouping() / grouping_id(), which HAVING and
 * ORDER BY must also compute in the aggregate. */
static bool is_agg_name(const char *name) {
  if (em_strcaseeq(name, "grouping") || em_strcaseeq(name, "grouping_id")) return true;
  const em_func_def *d = em_func_lookup(name);
  return d && d->kind == EM_FN_AGGREGATE;
}

/* Whether e calls an aggregate function (not looking into windows,
 * subqueries or lambdas). */
static bool has_agg(const em_spec_expr *e) {
  if (!e) return false;
  switch (e->kind) {
  case EM_SE_FUNC:
    if (is_agg_name(e->u.func.name)) return true;
    for (int i = 0; i < e->u.func.nargs; i++)
      if (has_agg(e->u.func.args[i])) return true;
    return false;
  case EM_SE_ALIAS: return has_agg(e->u.alias.child);
  case EM_SE_CAST: return has_agg(e->u.cast.child);
  case EM_SE_EXTRACT: return has_agg(e->u.extract.child) || has_agg(e->u.extract.extraction);
  case EM_SE_SORT_ORDER: return has_agg(e->u.sort.child);
  default: return false;
  }
}

static em_spec_expr *attr1(em_sqlp *p, const char *name) {
  em_spec_expr *a = em_sql_expr_new(p, EM_SE_ATTR);
  a->u.attr.parts = em_sql_alloc(p, 1, sizeof(char *));
  a->u.attr.parts[0] = (char *)name;
  a->u.attr.nparts = 1;
  return a;
}

static em_spec_expr *alias(em_sqlp *p, em_spec_expr *e, const char *name) {
  em_spec_expr *a = em_sql_expr_new(p, EM_SE_ALIAS);
  a->u.alias.child = e;
  a->u.alias.names = em_sql_alloc(p, 1, sizeof(char *));
  a->u.alias.names[0] = (char *)name;
  a->u.alias.nnames = 1;
  return a;
}

static em_spec_expr *unalias(em_spec_expr *e) { return e->kind == EM_SE_ALIAS ? e->u.alias.child : e; }

/* The items of the select list (Project exprs or Aggregate aggs). */
static em_spec_expr ***items_of(em_spec_rel *top, int **n) {
  if (top->kind == EM_SR_AGGREGATE) {
    *n = &top->u.aggregate.naggs;
    return &top->u.aggregate.aggs;
  }
  *n = &top->u.project.nexprs;
  return &top->u.project.exprs;
}

static char *add_hidden(em_sqlp *p, select_info *si, em_spec_expr *e, const char *prefix) {
  int *n;
  em_spec_expr ***items = items_of(si->top, &n);
  char *name = em_sql_alloc(p, 32, 1);
  snprintf(name, 32, "__%s_%d", prefix, si->nhidden);
  em_spec_expr **ni = em_sql_alloc(p, (size_t)*n + 1, sizeof *ni);
  if (*n) memcpy(ni, *items, sizeof *ni * (size_t)*n);
  ni[*n] = alias(p, e, name);
  *items = ni;
  (*n)++;
  em_sql_push(p, (void ***)&si->hidden, &si->nhidden, &si->caphidden, name);
  return name;
}

/* Replaces aggregate calls in e by hidden select items (HAVING). */
static em_spec_expr *lift_aggs(em_sqlp *p, select_info *si, em_spec_expr *e) {
  if (!e) return e;
  if (e->kind == EM_SE_FUNC) {
    if (is_agg_name(e->u.func.name)) return attr1(p, add_hidden(p, si, e, "having"));
    for (int i = 0; i < e->u.func.nargs; i++) e->u.func.args[i] = lift_aggs(p, si, e->u.func.args[i]);
  } else if (e->kind == EM_SE_CAST) {
    e->u.cast.child = lift_aggs(p, si, e->u.cast.child);
  }
  return e;
}

/* Replaces window expressions in e by hidden select items (QUALIFY). */
static em_spec_expr *lift_windows(em_sqlp *p, select_info *si, em_spec_expr *e, int depth) {
  if (!e || depth > 200) return e;
  if (e->kind == EM_SE_WINDOW) return attr1(p, add_hidden(p, si, e, "qualify"));
  if (e->kind == EM_SE_FUNC)
    for (int i = 0; i < e->u.func.nargs; i++) e->u.func.args[i] = lift_windows(p, si, e->u.func.args[i], depth + 1);
  else if (e->kind == EM_SE_CAST)
    e->u.cast.child = lift_windows(p, si, e->u.cast.child, depth + 1);
  return e;
}

/* The name a select item is known by in the output, when the parser can
 * tell: its alias, or the last part of a plain column reference. */
static const char *item_name(const em_spec_expr *e) {
  if (e->kind == EM_SE_ALIAS && e->u.alias.nnames == 1) return e->u.alias.names[0];
  if (e->kind == EM_SE_ATTR) return e->u.attr.parts[e->u.attr.nparts - 1];
  return NULL;
}

/* Whether every column e names is an output column of the select list. */
static bool on_output(const em_spec_expr *e, em_spec_rel *top) {
  int *n;
  em_spec_expr **items = *items_of(top, &n);
  switch (e->kind) {
  case EM_SE_ATTR: {
    const char *last = e->u.attr.parts[e->u.attr.nparts - 1];
    for (int i = 0; i < *n; i++) {
      if (items[i]->kind == EM_SE_STAR && top->kind == EM_SR_PROJECT) return true;
      const char *nm = item_name(items[i]);
      if (nm && em_strcaseeq(nm, last)) return e->u.attr.nparts == 1 || items[i]->kind == EM_SE_ATTR;
    }
    return false;
  }
  case EM_SE_FUNC:
    if (top->kind == EM_SR_AGGREGATE && is_agg_name(e->u.func.name)) return false;
    for (int i = 0; i < e->u.func.nargs; i++)
      if (!on_output(e->u.func.args[i], top)) return false;
    return true;
  case EM_SE_CAST: return on_output(e->u.cast.child, top);
  case EM_SE_EXTRACT: return on_output(e->u.extract.child, top) && on_output(e->u.extract.extraction, top);
  case EM_SE_LITERAL: return true;
  default: return false;
  }
}

static int int_literal(const em_spec_expr *e) {
  if (e->kind != EM_SE_LITERAL || e->u.lit.value->type->id != EM_T_INT) return -1;
  return ((const int32_t *)e->u.lit.value->values->data)[0];
}

static em_spec_rel *drop_hidden(em_sqlp *p, select_info *si, em_spec_rel *r) {
  if (!si->nhidden) return r;
  em_spec_rel *d = em_sql_rel_new(p, EM_SR_DROP);
  d->input = r;
  d->u.drop.names = si->hidden;
  d->u.drop.nnames = si->nhidden;
  si->nhidden = 0;
  si->hidden = NULL;
  si->caphidden = 0;
  return d;
}

/* ---- hints ---- */

typedef struct hint {
  char *name;
  char **tables;
  int ntables;
  em_spec_expr **params;
  int nparams;
} hint;

static bool join_hint(const char *n) {
  static const char *const names[] = {"BROADCAST", "BROADCASTJOIN", "MAPJOIN", "MERGE", "SHUFFLE_MERGE", "MERGEJOIN",
                                      "SHUFFLE_HASH", "SHUFFLE_REPLICATE_NL"};
  for (size_t i = 0; i < EM_ARRAY_LEN(names); i++)
    if (em_strcaseeq(n, names[i])) return true;
  return false;
}

/* Parses a hint body "NAME(args), NAME ..." with a sub-parser. */
static hint *parse_hints(em_sqlp *p, const char *body, int *nh) {
  em_sqlp sub = *p;
  sub.text = body;
  sub.toks = NULL;
  sub.ntoks = 0;
  sub.pos = 0;
  em_sql_lex(&sub);
  hint *hs = NULL;
  int n = 0, cap = 0;
  while (em_sql_peek(&sub, 0)->kind != EM_TK_EOF) {
    if (em_sql_accept_op(&sub, ",")) continue;
    hint *h = em_sql_alloc(p, 1, sizeof *h);
    h->name = em_sql_ident(&sub);
    int ct = 0, cp = 0;
    if (em_sql_accept_op(&sub, "(")) {
      if (!em_sql_is_op(em_sql_peek(&sub, 0), ")")) do {
          em_tok *t = em_sql_peek(&sub, 0);
          if (join_hint(h->name) && (t->kind == EM_TK_IDENT || t->kind == EM_TK_QIDENT)) {
            char **parts;
            int np = em_sql_multipart(&sub, &parts);
            em_sql_push(p, (void ***)&h->tables, &h->ntables, &ct, parts[np - 1]);
          } else {
            em_sql_push(p, (void ***)&h->params, &h->nparams, &cp, em_sql_expr(&sub));
          }
        } while (em_sql_accept_op(&sub, ","));
      em_sql_expect_op(&sub, ")");
    }
    em_sql_push(p, (void ***)&hs, &n, &cap, h);
  }
  *nh = n;
  hint *flat = em_sql_alloc(p, (size_t)n + 1, sizeof *flat);
  for (int i = 0; i < n; i++) flat[i] = *((hint **)hs)[i];
  return flat;
}

/* The name a FROM leaf answers to (its alias or table name). */
static const char *leaf_name(const em_spec_rel *r) {
  if (r->kind == EM_SR_SUBQUERY_ALIAS) return r->u.subquery_alias.alias;
  if (r->kind == EM_SR_NAMED_TABLE) return r->u.named_table.parts[r->u.named_table.nparts - 1];
  return NULL;
}

static void apply_join_hint(em_sqlp *p, em_spec_rel **slot, const hint *h, int depth) {
  em_spec_rel *r = *slot;
  if (!r || depth > 200) return;
  if (r->kind == EM_SR_JOIN) {
    apply_join_hint(p, &r->input, h, depth + 1);
    apply_join_hint(p, &r->u.join.right, h, depth + 1);
    return;
  }
  const char *nm = leaf_name(r);
  for (int i = 0; nm && i < h->ntables; i++)
    if (em_strcaseeq(nm, h->tables[i])) {
      em_spec_rel *hr = em_sql_rel_new(p, EM_SR_HINT);
      hr->input = r;
      hr->u.hint.name = h->name;
      *slot = hr;
      return;
    }
}

/* ---- select ---- */

/* LATERAL VIEW [OUTER] gen(args) tbl [AS] c1, c2: the relation's columns
 * then the generator's, as a projection `*, gen(args) AS (c1, c2)` that the
 * analyzer turns into a Generate (OUTER: the generator's _outer form).
 * The generated columns are not qualified by tbl. */
static em_spec_rel *lateral_view(em_sqlp *p, em_spec_rel *r) {
  em_sql_next(p); /* LATERAL */
  em_sql_next(p); /* VIEW */
  bool outer = em_sql_accept_kw(p, "OUTER");
  char *name = em_sql_ident(p);
  em_sql_expect_op(p, "(");
  em_spec_expr **args = NULL;
  int nargs = 0, cap = 0;
  if (!em_sql_is_op(em_sql_peek(p, 0), ")")) do em_sql_push(p, (void ***)&args, &nargs, &cap, em_sql_expr(p));
    while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
  if (outer && (em_strcaseeq(name, "explode") || em_strcaseeq(name, "posexplode") || em_strcaseeq(name, "inline"))) {
    char *o = em_sql_alloc(p, strlen(name) + 7, 1);
    snprintf(o, strlen(name) + 7, "%s_outer", name);
    name = o;
  }
  em_spec_expr *g = em_sql_func(p, name, args, nargs);
  (void)em_sql_ident(p); /* the table alias */
  char **cols = NULL;
  int ncols = 0, capc = 0;
  bool as = em_sql_accept_kw(p, "AS");
  if (as || (em_sql_at_ident(p) && !em_sql_is_kw(em_sql_peek(p, 0), "LATERAL") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "WHERE") && !em_sql_is_kw(em_sql_peek(p, 0), "GROUP") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "HAVING") && !em_sql_is_kw(em_sql_peek(p, 0), "ORDER") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "LIMIT") && !em_sql_is_kw(em_sql_peek(p, 0), "WINDOW") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "SORT") && !em_sql_is_kw(em_sql_peek(p, 0), "CLUSTER") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "DISTRIBUTE") && !em_sql_is_kw(em_sql_peek(p, 0), "UNION") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "EXCEPT") && !em_sql_is_kw(em_sql_peek(p, 0), "INTERSECT") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "MINUS") && !em_sql_is_kw(em_sql_peek(p, 0), "OFFSET") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "PIVOT") && !em_sql_is_kw(em_sql_peek(p, 0), "UNPIVOT") &&
             !em_sql_is_kw(em_sql_peek(p, 0), "QUALIFY"))) {
    do em_sql_push(p, (void ***)&cols, &ncols, &capc, em_sql_ident(p));
    while (em_sql_accept_op(p, ","));
  }
  em_spec_expr *item = g;
  if (ncols) {
    item = em_sql_expr_new(p, EM_SE_ALIAS);
    item->u.alias.child = g;
    item->u.alias.names = cols;
    item->u.alias.nnames = ncols;
  }
  em_spec_rel *pr = em_sql_rel_new(p, EM_SR_PROJECT);
  pr->input = r;
  pr->u.project.exprs = em_sql_alloc(p, 3, sizeof(em_spec_expr *));
  pr->u.project.exprs[0] = em_sql_expr_new(p, EM_SE_STAR);
  pr->u.project.exprs[1] = item;
  pr->u.project.nexprs = 2;
  return pr;
}

static em_spec_rel *from_clause(em_sqlp *p) {
  em_spec_rel *r = relation(p);
  while (em_sql_accept_op(p, ",")) {
    em_spec_rel *j = em_sql_rel_new(p, EM_SR_JOIN);
    j->input = r;
    j->u.join.right = relation(p);
    j->u.join.type = EM_JOIN_INNER;
    r = j;
  }
  while (em_sql_is_kw(em_sql_peek(p, 0), "LATERAL") && em_sql_is_kw(em_sql_peek(p, 1), "VIEW")) r = lateral_view(p, r);
  return r;
}

/* GROUP BY 2: the second select item; GROUP BY alias: its expression
 * (spark.sql.groupByOrdinal / groupByAliases). */
static em_spec_expr *group_ref(em_sqlp *p, em_spec_expr *g, em_spec_expr **items, int nitems, bool group_all) {
  int ord = int_literal(g);
  if (ord != -1 && !group_all) {
    if (ord < 1 || ord > nitems) {
      char idx[16], sz[16];
      snprintf(idx, sizeof idx, "%d", ord);
      snprintf(sz, sizeof sz, "%d", nitems);
      em_error_set(p->err, EM_ERR_GROUP_BY_POS_OUT_OF_RANGE, "index", idx, "size", sz, NULL);
      em_error_set_sql_context(p->err, g->origin_fragment);
      em_error_append(p->err, "; line %d pos %d", g->sql_line, g->sql_pos);
      em_sql_fail(p);
    }
    if (has_agg(items[ord - 1])) {
      em_error_set(p->err, EM_ERR_GROUP_BY_POS_AGGREGATE, "index", g->origin_fragment, "aggExpr",
                   items[ord - 1]->origin_fragment ? items[ord - 1]->origin_fragment : "", NULL);
      em_sql_fail(p);
    }
    return unalias(items[ord - 1]);
  }
  if (g->kind == EM_SE_ATTR && g->u.attr.nparts == 1)
    for (int k = 0; k < nitems; k++)
      if (items[k]->kind == EM_SE_ALIAS && items[k]->u.alias.nnames == 1 &&
          em_strcaseeq(items[k]->u.alias.names[0], g->u.attr.parts[0]) &&
          !(items[k]->u.alias.child->kind == EM_SE_ATTR) && !has_agg(items[k]))
        return items[k]->u.alias.child;
  return g;
}

/* ---- GROUP BY analytics ---- */

/* A list of grouping sets, each a list of expressions. */
typedef struct gsets {
  em_spec_expr ***sets;
  int *sizes;
  int n, cap;
} gsets;

static void gsets_add(em_sqlp *p, gsets *gs, em_spec_expr **set, int size) {
  if (gs->n == gs->cap) {
    int nc = gs->cap ? gs->cap * 2 : 8;
    em_spec_expr ***ns = em_sql_alloc(p, (size_t)nc, sizeof *ns);
    int *nz = em_sql_alloc(p, (size_t)nc, sizeof *nz);
    if (gs->n) {
      memcpy(ns, gs->sets, sizeof *ns * (size_t)gs->n);
      memcpy(nz, gs->sizes, sizeof *nz * (size_t)gs->n);
    }
    gs->sets = ns;
    gs->sizes = nz;
    gs->cap = nc;
  }
  gs->sets[gs->n] = set;
  gs->sizes[gs->n++] = size;
}

/* The concatenation of sets a and b. */
static em_spec_expr **concat_sets(em_sqlp *p, em_spec_expr **a, int na, em_spec_expr **b, int nb) {
  em_spec_expr **v = em_sql_alloc(p, (size_t)(na + nb) + 1, sizeof *v);
  if (na) memcpy(v, a, sizeof *v * (size_t)na);
  if (nb) memcpy(v + na, b, sizeof *v * (size_t)nb);
  return v;
}

/* One element of ROLLUP / CUBE / GROUPING SETS: `(a, b)`, `()` or `a`. */
static em_spec_expr **group_tuple(em_sqlp *p, int *n) {
  *n = 0;
  em_spec_expr **v = NULL;
  int cap = 0;
  if (em_sql_is_op(em_sql_peek(p, 0), "(") && !em_sql_at_query_start(p)) {
    /* `(a, b)` or `()`; `(a + 1) * 2` is an expression: try the tuple
     * and fall back to one expression when it is not followed by , or ). */
    int save = p->pos;
    em_sql_next(p);
    if (em_sql_accept_op(p, ")")) return em_sql_alloc(p, 1, sizeof *v);
    do em_sql_push(p, (void ***)&v, n, &cap, em_sql_expr(p));
    while (em_sql_accept_op(p, ","));
    em_sql_expect_op(p, ")");
    if (em_sql_is_op(em_sql_peek(p, 0), ",") || em_sql_is_op(em_sql_peek(p, 0), ")")) return v;
    p->pos = save;
    v = NULL;
    *n = cap = 0;
  }
  em_sql_push(p, (void ***)&v, n, &cap, em_sql_expr(p));
  return v;
}

/* ROLLUP(...) / CUBE(...) / GROUPING SETS(...) as its list of sets. */
static void analytics_sets(em_sqlp *p, int kind, gsets *out) {
  em_spec_expr ***el = NULL;
  int *esz = NULL, nel = 0, cap = 0, nz = 0;
  em_sql_expect_op(p, "(");
  if (!em_sql_is_op(em_sql_peek(p, 0), ")")) do {
      int n;
      em_spec_expr **t = group_tuple(p, &n);
      em_sql_push(p, (void ***)&el, &nel, &cap, t);
      int *nzv = em_sql_alloc(p, (size_t)nz + 1, sizeof *nzv);
      if (nz) memcpy(nzv, esz, sizeof *nzv * (size_t)nz);
      nzv[nz++] = n;
      esz = nzv;
    } while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
  if (kind == 2) { /* GROUPING SETS: the elements themselves */
    for (int i = 0; i < nel; i++) gsets_add(p, out, el[i], esz[i]);
  } else if (kind == 0) { /* ROLLUP: the prefixes, longest first */
    for (int k = nel; k >= 0; k--) {
      em_spec_expr **v = NULL;
      int nv = 0;
      for (int i = 0; i < k; i++) {
        v = concat_sets(p, v, nv, el[i], esz[i]);
        nv += esz[i];
      }
      gsets_add(p, out, v ? v : em_sql_alloc(p, 1, sizeof *v), nv);
    }
  } else { /* CUBE: every subset, in Spark's order (the full set first) */
    if (nel > 20) {
      em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "CUBE over more than 20 elements", NULL);
      em_sql_fail(p);
    }
    for (long m = (1L << nel) - 1; m >= 0; m--) {
      em_spec_expr **v = NULL;
      int nv = 0;
      for (int i = 0; i < nel; i++)
        if ((m >> (nel - 1 - i)) & 1) {
          v = concat_sets(p, v, nv, el[i], esz[i]);
          nv += esz[i];
        }
      gsets_add(p, out, v ? v : em_sql_alloc(p, 1, sizeof *v), nv);
    }
  }
}

static int analytics_kind(em_sqlp *p) {
  if (em_sql_is_kw(em_sql_peek(p, 0), "ROLLUP") && em_sql_is_op(em_sql_peek(p, 1), "(")) return 0;
  if (em_sql_is_kw(em_sql_peek(p, 0), "CUBE") && em_sql_is_op(em_sql_peek(p, 1), "(")) return 1;
  if (em_sql_is_kw(em_sql_peek(p, 0), "GROUPING") && em_sql_is_kw(em_sql_peek(p, 1), "SETS")) return 2;
  return -1;
}

/* The GROUP BY list: plain expressions give a plain GROUP BY; a single
 * ROLLUP / CUBE of plain expressions (or `... WITH ROLLUP`) the DataFrame's
 * rollup / cube; anything else (GROUPING SETS, tuples, several analytics
 * mixed with expressions) becomes grouping sets: the cross product of each
 * item's sets, grouping by the distinct expressions named (Spark's
 * GroupingAnalytics). */
static void group_by_items(em_sqlp *p, em_agg_group_type *gtype, em_spec_expr ***groups, int *ngroups,
                           em_spec_expr ****sets_out, int **sizes_out, int *nsets_out) {
  gsets acc = {0};
  gsets_add(p, &acc, em_sql_alloc(p, 1, sizeof(em_spec_expr *)), 0);
  em_spec_expr **flat = NULL;
  int nflat = 0, capflat = 0, nanalytics = 0;
  bool simple_analytics = true; /* one ROLLUP/CUBE of single expressions */
  int single_kind = -1;
  em_spec_expr **single = NULL;
  int nsingle = 0;
  do {
    int kind = analytics_kind(p);
    gsets item = {0};
    if (kind >= 0) {
      em_sql_next(p);
      if (kind == 2) em_sql_next(p);
      int from = p->pos;
      analytics_sets(p, kind, &item);
      nanalytics++;
      single_kind = kind;
      if (kind == 2) simple_analytics = false;
      /* the distinct elements, in order */
      int to = p->pos;
      p->pos = from;
      gsets elems = {0};
      analytics_sets(p, 2, &elems);
      p->pos = to;
      single = NULL;
      nsingle = 0;
      for (int i = 0; i < elems.n; i++) {
        if (elems.sizes[i] != 1) simple_analytics = false;
        for (int k = 0; k < elems.sizes[i]; k++) {
          em_sql_push(p, (void ***)&flat, &nflat, &capflat, elems.sets[i][k]);
          int c = nsingle;
          single = concat_sets(p, single, c, &elems.sets[i][k], 1);
          nsingle++;
        }
      }
    } else {
      em_spec_expr *e = em_sql_expr(p);
      em_sql_push(p, (void ***)&flat, &nflat, &capflat, e);
      em_spec_expr **one = em_sql_alloc(p, 2, sizeof *one);
      one[0] = e;
      gsets_add(p, &item, one, 1);
    }
    /* acc = acc x item */
    gsets nx = {0};
    for (int a = 0; a < acc.n; a++)
      for (int b = 0; b < item.n; b++)
        gsets_add(p, &nx, concat_sets(p, acc.sets[a], acc.sizes[a], item.sets[b], item.sizes[b]),
                  acc.sizes[a] + item.sizes[b]);
    acc = nx;
  } while (em_sql_accept_op(p, ","));
  if (nanalytics == 0 && em_sql_is_kw(em_sql_peek(p, 0), "WITH") &&
      (em_sql_is_kw(em_sql_peek(p, 1), "ROLLUP") || em_sql_is_kw(em_sql_peek(p, 1), "CUBE"))) {
    em_sql_next(p);
    *gtype = em_sql_is_kw(em_sql_next(p), "ROLLUP") ? EM_GROUP_ROLLUP : EM_GROUP_CUBE;
    *groups = flat;
    *ngroups = nflat;
    return;
  }
  if (nanalytics == 0) {
    *groups = flat;
    *ngroups = nflat;
    return;
  }
  if (nanalytics == 1 && simple_analytics && nflat == nsingle) {
    *gtype = single_kind == 0 ? EM_GROUP_ROLLUP : EM_GROUP_CUBE;
    *groups = single;
    *ngroups = nsingle;
    return;
  }
  *gtype = EM_GROUP_SETS;
  *groups = flat;
  *ngroups = nflat;
  *sets_out = acc.sets;
  *sizes_out = acc.sizes;
  *nsets_out = acc.n;
}

/* WINDOW w AS (...), w2 AS w: fills in the `OVER w` references made since
 * winref_start (Spark's WindowsSubstitution). */
static void window_clause(em_sqlp *p, int winref_start) {
  char **names = NULL;
  em_spec_expr **defs = NULL;
  int ndefs = 0, capn = 0, capd = 0;
  if (em_sql_is_kw(em_sql_peek(p, 0), "WINDOW") && em_sql_at_ident(p) &&
      (em_sql_peek(p, 1)->kind == EM_TK_IDENT || em_sql_peek(p, 1)->kind == EM_TK_QIDENT) &&
      em_sql_is_kw(em_sql_peek(p, 2), "AS")) {
    em_sql_next(p);
    do {
      char *name = em_sql_ident(p);
      em_sql_expect_kw(p, "AS");
      em_spec_expr *d = NULL;
      if (em_sql_accept_op(p, "(")) {
        d = em_sql_expr_new(p, EM_SE_WINDOW);
        em_sql_window_spec(p, d);
        em_sql_expect_op(p, ")");
      } else {
        char *other = em_sql_ident(p);
        for (int i = 0; i < ndefs && !d; i++)
          if (em_strcaseeq(names[i], other)) d = defs[i];
        if (!d) {
          em_error_set(p->err, EM_ERR_MISSING_WINDOW_SPECIFICATION, "windowName", other, "docroot",
                       "https://spark.apache.org/docs/latest", NULL);
          em_sql_fail(p);
        }
      }
      em_sql_push(p, (void ***)&names, &ndefs, &capn, name);
      ndefs--;
      em_sql_push(p, (void ***)&defs, &ndefs, &capd, d);
    } while (em_sql_accept_op(p, ","));
  }
  for (int r = winref_start; r < p->nwinrefs; r++) {
    em_spec_expr *w = p->winrefs[r].win, *d = NULL;
    for (int i = ndefs - 1; i >= 0 && !d; i--)
      if (em_strcaseeq(names[i], p->winrefs[r].name)) d = defs[i];
    if (!d) {
      em_error_set(p->err, EM_ERR_MISSING_WINDOW_SPECIFICATION, "windowName", p->winrefs[r].name, "docroot",
                   "https://spark.apache.org/docs/latest", NULL);
      em_sql_fail(p);
    }
    w->u.window.partition = d->u.window.partition;
    w->u.window.npartition = d->u.window.npartition;
    w->u.window.order = d->u.window.order;
    w->u.window.norder = d->u.window.norder;
    w->u.window.frame = d->u.window.frame;
  }
  p->nwinrefs = winref_start;
}

static em_spec_rel *select_spec(em_sqlp *p, select_info *si) {
  int winref_start = p->nwinrefs;
  em_sql_expect_kw(p, "SELECT");
  hint *hints = NULL;
  int nhints = 0;
  if (em_sql_peek(p, 0)->kind == EM_TK_HINT) hints = parse_hints(p, em_sql_next(p)->str, &nhints);
  bool distinct = false;
  if (em_sql_accept_kw(p, "DISTINCT")) distinct = true;
  else if (em_sql_is_kw(em_sql_peek(p, 0), "ALL") && !em_sql_is_op(em_sql_peek(p, 1), ",")) em_sql_next(p);
  em_spec_expr **items = NULL;
  int nitems = 0, capitems = 0;
  do {
    int from = p->pos;
    em_spec_expr *e = em_sql_named_expr(p);
    em_sql_set_origin(p, e, from);
    em_sql_push(p, (void ***)&items, &nitems, &capitems, e);
  } while (em_sql_accept_op(p, ","));
  em_spec_rel *src = NULL;
  if (em_sql_accept_kw(p, "FROM")) src = from_clause(p);
  for (int i = 0; i < nhints; i++)
    if (join_hint(hints[i].name)) apply_join_hint(p, &src, &hints[i], 0);
  if (em_sql_accept_kw(p, "WHERE")) {
    if (!src) src = em_sql_rel_new(p, EM_SR_PROJECT); /* SELECT ... WHERE without FROM: one row */
    src = em_sql_decorrelate_where(p, src, em_sql_expr(p));
  }
  bool grouped = false, group_all = false;
  em_agg_group_type gtype = EM_GROUP_BY;
  em_spec_expr **groups = NULL;
  int ngroups = 0;
  em_spec_expr ***gset_list = NULL;
  int *gsizes = NULL, nsets = 0;
  if (em_sql_is_kw(em_sql_peek(p, 0), "GROUP") && em_sql_is_kw(em_sql_peek(p, 1), "BY")) {
    em_sql_next(p);
    em_sql_next(p);
    grouped = true;
    if (em_sql_is_kw(em_sql_peek(p, 0), "ALL") && !em_sql_is_op(em_sql_peek(p, 1), "(")) {
      em_sql_next(p);
      group_all = true;
    } else {
      group_by_items(p, &gtype, &groups, &ngroups, &gset_list, &gsizes, &nsets);
    }
  }
  em_spec_expr *having = NULL;
  if (em_sql_accept_kw(p, "HAVING")) having = em_sql_expr(p);
  window_clause(p, winref_start);
  em_spec_expr *qualify = NULL;
  if (em_sql_accept_kw(p, "QUALIFY")) {
    qualify = em_sql_expr(p);
    window_clause(p, winref_start);
  }
  bool aggregate = grouped || having != NULL;
  for (int i = 0; !aggregate && i < nitems; i++) aggregate = has_agg(items[i]);
  em_spec_rel *top;
  if (aggregate) {
    top = em_sql_rel_new(p, EM_SR_AGGREGATE);
    if (!src) {
      src = em_sql_rel_new(p, EM_SR_PROJECT); /* one row, no columns */
    }
    top->input = src;
    top->u.aggregate.group_type = gtype;
    top->u.aggregate.select_only = true;
    if (group_all) {
      int cap = 0;
      for (int i = 0; i < nitems; i++)
        if (!has_agg(items[i]) && items[i]->kind != EM_SE_STAR)
          em_sql_push(p, (void ***)&groups, &ngroups, &cap, unalias(items[i]));
    }
    for (int i = 0; i < ngroups; i++) groups[i] = group_ref(p, groups[i], items, nitems, group_all);
    for (int k = 0; k < nsets; k++)
      for (int i = 0; i < gsizes[k]; i++) gset_list[k][i] = group_ref(p, gset_list[k][i], items, nitems, group_all);
    top->u.aggregate.sets = gset_list;
    top->u.aggregate.set_sizes = gsizes;
    top->u.aggregate.nsets = nsets;
    top->u.aggregate.groups = groups;
    top->u.aggregate.ngroups = ngroups;
    top->u.aggregate.aggs = items;
    top->u.aggregate.naggs = nitems;
  } else {
    top = em_sql_rel_new(p, EM_SR_PROJECT);
    top->input = em_sql_decorrelate_items(p, src, items, nitems);
    top->u.project.exprs = items;
    top->u.project.nexprs = nitems;
  }
  si->top = top;
  si->distinct = distinct;
  em_spec_rel *r = top;
  if (having) {
    em_spec_expr *cond = lift_aggs(p, si, having);
    em_spec_rel *f = em_sql_rel_new(p, EM_SR_FILTER);
    f->input = r;
    f->u.filter.cond = cond;
    r = f;
  }
  if (qualify) {
    /* QUALIFY: a filter over the select list, its window functions
     * computed there as hidden items. */
    em_spec_expr *cond = lift_windows(p, si, qualify, 0);
    em_spec_rel *f = em_sql_rel_new(p, EM_SR_FILTER);
    f->input = r;
    f->u.filter.cond = cond;
    r = f;
  }
  if (distinct) {
    r = drop_hidden(p, si, r);
    em_spec_rel *d = em_sql_rel_new(p, EM_SR_DEDUPLICATE);
    d->input = r;
    d->u.dedup.all_columns = true;
    r = d;
  }
  for (int i = 0; i < nhints; i++) {
    if (join_hint(hints[i].name)) continue;
    em_spec_rel *h = em_sql_rel_new(p, EM_SR_HINT);
    h->input = r;
    h->u.hint.name = hints[i].name;
    h->u.hint.params = hints[i].params;
    h->u.hint.nparams = hints[i].nparams;
    r = h;
  }
  return r;
}

/* ---- VALUES ---- */

static em_spec_rel *union_all(em_sqlp *p, em_spec_rel **rows, int lo, int hi) {
  if (hi - lo == 1) return rows[lo];
  int mid = lo + (hi - lo) / 2;
  em_spec_rel *u = em_sql_rel_new(p, EM_SR_SET_OP);
  u->input = union_all(p, rows, lo, mid);
  u->u.set_op.right = union_all(p, rows, mid, hi);
  u->u.set_op.op = EM_SET_UNION;
  u->u.set_op.all = true;
  return u;
}

static em_spec_rel *values(em_sqlp *p) {
  em_sql_expect_kw(p, "VALUES");
  em_spec_rel **rows = NULL;
  int nrows = 0, caprows = 0, ncols = -1;
  do {
    em_spec_expr **vals = NULL;
    int n = 0, cap = 0;
    int from = p->pos;
    if (em_sql_is_op(em_sql_peek(p, 0), "(") && !em_sql_at_query_start(p)) {
      em_sql_next(p);
      do em_sql_push(p, (void ***)&vals, &n, &cap, em_sql_expr(p));
      while (em_sql_accept_op(p, ","));
      em_sql_expect_op(p, ")");
    } else {
      em_sql_push(p, (void ***)&vals, &n, &cap, em_sql_expr(p));
    }
    if (ncols < 0) ncols = n;
    if (n != ncols) {
      char e[16], a[16], r[16];
      snprintf(e, sizeof e, "%d", ncols);
      snprintf(a, sizeof a, "%d", n);
      snprintf(r, sizeof r, "%d", nrows);
      em_error_set(p->err, EM_ERR_INVALID_INLINE_TABLE_NUM_COLUMNS_MISMATCH, "expectedNumCols", e, "actualNumCols", a,
                   "rowIndex", r, NULL);
      em_error_set_sql_context(p->err, em_sql_strndup(p, p->text + p->toks[from].start,
                                                      (size_t)(p->toks[p->pos - 1].end - p->toks[from].start)));
      em_sql_fail(p);
    }
    em_spec_rel *row = em_sql_rel_new(p, EM_SR_PROJECT);
    row->u.project.exprs = em_sql_alloc(p, (size_t)n, sizeof(em_spec_expr *));
    row->u.project.nexprs = n;
    for (int i = 0; i < n; i++) {
      char *nm = em_sql_alloc(p, 16, 1);
      snprintf(nm, 16, "col%d", i + 1);
      row->u.project.exprs[i] = alias(p, vals[i], nm);
    }
    em_sql_push(p, (void ***)&rows, &nrows, &caprows, row);
  } while (em_sql_accept_op(p, ","));
  /* Spark's inline table is a LocalTableScan over min(rows, default
   * parallelism) partitions of consecutive rows: the union's one-row
   * partitions coalesced to the default parallelism group them the same. */
  em_spec_rel *c = em_sql_rel_new(p, EM_SR_REPARTITION);
  c->input = union_all(p, rows, 0, nrows);
  c->u.repartition.num_partitions = -1;
  c->u.repartition.shuffle = false;
  return c;
}

/* ---- relations ---- */

static char **ident_list(em_sqlp *p, int *n) {
  char **v = NULL;
  int cap = 0;
  *n = 0;
  em_sql_expect_op(p, "(");
  do em_sql_push(p, (void ***)&v, n, &cap, em_sql_ident(p));
  while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
  return v;
}

/* Words that can never be a table alias (Spark's strictNonReserved). */
static bool strict_non_reserved(const em_tok *t) {
  static const char *const w[] = {"ANTI", "CROSS", "EXCEPT", "FULL", "INNER", "INTERSECT", "JOIN", "LATERAL", "LEFT",
                                  "MINUS", "NATURAL", "ON", "RIGHT", "SEMI", "UNION", "USING"};
  if (t->kind != EM_TK_IDENT) return false;
  for (size_t i = 0; i < EM_ARRAY_LEN(w); i++)
    if (em_strcaseeq(t->str, w[i])) return true;
  return false;
}

/* [AS] alias [(cols)] after a relation; wraps r. */
static em_spec_rel *table_alias(em_sqlp *p, em_spec_rel *r, const char *dflt) {
  bool as = em_sql_accept_kw(p, "AS");
  em_tok *t = em_sql_peek(p, 0);
  char *name = NULL;
  if (as) {
    name = em_sql_ident(p);
  } else if (t->kind == EM_TK_QIDENT) {
    name = em_sql_next(p)->str;
  } else if (t->kind == EM_TK_IDENT && !strict_non_reserved(t)) {
    em_tok *nx = em_sql_peek(p, 1);
    /* A clause word followed by "(" starts the clause (WHERE (x) > 1). */
    bool ends = nx->kind == EM_TK_EOF || em_sql_is_op(nx, ",") || em_sql_is_op(nx, ")") || em_sql_is_op(nx, ";");
    if (!em_sql_is_clause_kw(t) || ends) name = em_sql_next(p)->str;
  }
  if (name && em_sql_is_op(em_sql_peek(p, 0), "(")) {
    int n;
    char **cols = ident_list(p, &n);
    em_spec_rel *td = em_sql_rel_new(p, EM_SR_TO_DF);
    td->input = r;
    td->u.to_df.names = cols;
    td->u.to_df.nnames = n;
    r = td;
  }
  if (!name) name = (char *)dflt;
  if (!name) return r;
  em_spec_rel *a = em_sql_rel_new(p, EM_SR_SUBQUERY_ALIAS);
  a->input = r;
  a->u.subquery_alias.alias = name;
  return a;
}

static int64_t const_int(em_sqlp *p, int at);

/* TABLESAMPLE (n ROWS | x PERCENT | BUCKET a OUT OF b) after a table or a
 * subquery: a Limit, or a Sample of that fraction without replacement
 * (Spark's withSample; its seed is random). */
static em_spec_rel *sample_clause(em_sqlp *p, em_spec_rel *r) {
  if (!em_sql_is_kw(em_sql_peek(p, 0), "TABLESAMPLE") || !em_sql_is_op(em_sql_peek(p, 1), "(")) return r;
  int from = p->pos;
  em_sql_next(p);
  em_sql_next(p);
  double frac;
  if (em_sql_accept_kw(p, "BUCKET")) {
    em_tok *a = em_sql_peek(p, 0);
    if (a->kind != EM_TK_NUMBER) em_sql_syntax_error(p, p->pos, NULL);
    em_sql_next(p);
    em_sql_expect_kw(p, "OUT");
    em_sql_expect_kw(p, "OF");
    em_tok *b = em_sql_peek(p, 0);
    if (b->kind != EM_TK_NUMBER) em_sql_syntax_error(p, p->pos, NULL);
    em_sql_next(p);
    double den = strtod(b->str, NULL);
    frac = den != 0 ? strtod(a->str, NULL) / den : 2;
  } else {
    int at = p->pos;
    em_tok *t = em_sql_peek(p, 0);
    if (t->kind == EM_TK_NUMBER && em_sql_is_kw(em_sql_peek(p, 1), "PERCENT")) {
      em_sql_next(p);
      em_sql_next(p);
      frac = strtod(t->str, NULL) / 100.0;
    } else {
      int64_t n = const_int(p, at);
      em_sql_expect_kw(p, "ROWS");
      em_sql_expect_op(p, ")");
      em_spec_rel *l = em_sql_rel_new(p, EM_SR_LIMIT);
      l->input = r;
      l->u.limit.n = n;
      return l;
    }
  }
  em_sql_expect_op(p, ")");
  if (frac < 0 || frac > 1) {
    char buf[64];
    snprintf(buf, sizeof buf, "Sampling fraction (%.1f) must be on interval [0, 1]", frac);
    em_error_set(p->err, EM_ERR_SAMPLE_FRACTION_RANGE, "msg", buf, NULL);
    em_sql_span_error(p, from, p->pos - 1); /* the clause as its SQL context, with Spark's excerpt */
  }
  em_spec_rel *sm = em_sql_rel_new(p, EM_SR_SAMPLE);
  sm->input = r;
  sm->u.sample.lower = 0;
  sm->u.sample.upper = frac;
  sm->u.sample.has_seed = true;
  sm->u.sample.seed = (int64_t)(em_now_ns() & 0x7fffffff);
  return sm;
}

static int64_t const_int(em_sqlp *p, int at) {
  em_spec_expr *e = em_sql_expr(p);
  bool neg = false;
  if (e->kind == EM_SE_FUNC && e->u.func.nargs == 1 && strcmp(e->u.func.name, "negative") == 0) {
    neg = true;
    e = e->u.func.args[0];
  }
  if (e->kind == EM_SE_LITERAL) {
    const em_vec *v = e->u.lit.value;
    int64_t x;
    switch (v->type->id) {
    case EM_T_INT: x = ((const int32_t *)(v)->values->data)[0]; return neg ? -x : x;
    case EM_T_LONG: x = ((const int64_t *)(v)->values->data)[0]; return neg ? -x : x;
    case EM_T_SHORT: x = ((const int16_t *)(v)->values->data)[0]; return neg ? -x : x;
    case EM_T_BYTE: x = ((const int8_t *)(v)->values->data)[0]; return neg ? -x : x;
    default: break;
    }
  }
  em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "non-literal arguments of range()", NULL);
  (void)at;
  em_sql_fail(p);
}

static em_spec_rel *table_function(em_sqlp *p, char *name) {
  int at = p->pos - 2;
  if (!em_strcaseeq(name, "range")) {
    char buf[EM_ERROR_VAL_MAX];
    snprintf(buf, sizeof buf, "`%s`", name);
    em_error_set(p->err, EM_ERR_UNRESOLVABLE_TABLE_VALUED_FUNCTION, "name", buf, NULL);
    em_sql_fail(p);
  }
  int64_t a[4];
  int n = 0;
  if (!em_sql_is_op(em_sql_peek(p, 0), ")")) do {
      if (n == 4) em_sql_syntax_error(p, p->pos, "");
      a[n++] = const_int(p, at);
    } while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
  if (n == 0) em_sql_syntax_error(p, p->pos - 1, "");
  em_spec_rel *r = em_sql_rel_new(p, EM_SR_RANGE);
  r->u.range.start = n == 1 ? 0 : a[0];
  r->u.range.end = n == 1 ? a[0] : a[1];
  r->u.range.step = n >= 3 ? a[2] : 1;
  r->u.range.num_partitions = n == 4 ? (int)a[3] : 0;
  if (r->u.range.step == 0) {
    /* Spark's table function builder fails (spark.range(..., 0) is an IllegalArgumentException). */
    em_error_set(p->err, EM_ERR_FAILED_FUNCTION_CALL, "funcName", "`range`", NULL);
    em_sql_fail(p);
  }
  return r;
}

static em_spec_rel *relation_primary(em_sqlp *p) {
  em_sql_enter(p);
  em_tok *t = em_sql_peek(p, 0);
  em_spec_rel *r;
  if (em_sql_is_op(t, "(")) {
    if (em_sql_at_query_start(p)) {
      em_sql_next(p);
      r = em_sql_query(p);
      em_sql_expect_op(p, ")");
      r = table_alias(p, sample_clause(p, r), NULL);
    } else {
      em_sql_next(p);
      r = relation(p);
      while (em_sql_accept_op(p, ",")) {
        em_spec_rel *j = em_sql_rel_new(p, EM_SR_JOIN);
        j->input = r;
        j->u.join.right = relation(p);
        j->u.join.type = EM_JOIN_INNER;
        r = j;
      }
      em_sql_expect_op(p, ")");
      r = table_alias(p, r, NULL);
    }
  } else if (em_sql_is_kw(t, "VALUES")) {
    r = table_alias(p, values(p), NULL);
  } else if (em_sql_is_kw(t, "LATERAL")) {
    em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "LATERAL subqueries", NULL);
    em_sql_fail(p);
  } else if (em_sql_at_ident(p) && em_sql_is_op(em_sql_peek(p, 1), "(")) {
    char *name = em_sql_next(p)->str;
    em_sql_next(p);
    r = table_alias(p, table_function(p, name), NULL);
  } else {
    int from = p->pos;
    char **parts;
    int n = em_sql_multipart(p, &parts);
    em_spec_rel *cte = NULL;
    if (n == 1)
      for (int i = p->nctes - 1; i >= 0 && !cte; i--)
        if (em_strcaseeq(p->ctes[i].name, parts[0])) cte = p->ctes[i].rel;
    if (cte) {
      r = table_alias(p, cte, parts[0]);
    } else {
      r = em_sql_rel_new(p, EM_SR_NAMED_TABLE);
      r->u.named_table.parts = parts;
      r->u.named_table.nparts = n;
      em_tok *a = &p->toks[from], *b = &p->toks[p->pos - 1];
      r->u.named_table.sql_fragment = em_sql_strndup(p, p->text + a->start, (size_t)(b->end - a->start));
      r->u.named_table.sql_line = a->line;
      r->u.named_table.sql_pos = a->col;
      r = table_alias(p, sample_clause(p, r), NULL);
    }
  }
  /* TABLESAMPLE only follows a table name or a subquery (above). */
  if (em_sql_is_kw(em_sql_peek(p, 0), "TABLESAMPLE")) em_sql_syntax_error(p, p->pos, "");
  if (em_sql_is_kw(em_sql_peek(p, 0), "PIVOT") || em_sql_is_kw(em_sql_peek(p, 0), "UNPIVOT")) {
    em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", em_sql_peek(p, 0)->str, NULL);
    em_sql_fail(p);
  }
  em_sql_leave(p);
  return r;
}

/* A join type at the current token, or 0. Consumes through JOIN. */
static int join_type(em_sqlp *p, bool *natural) {
  int save = p->pos;
  *natural = em_sql_accept_kw(p, "NATURAL");
  int type = EM_JOIN_INNER;
  if (em_sql_accept_kw(p, "INNER")) {
  } else if (em_sql_accept_kw(p, "CROSS")) {
    type = EM_JOIN_CROSS;
  } else if (em_sql_accept_kw(p, "LEFT")) {
    if (em_sql_accept_kw(p, "SEMI")) type = EM_JOIN_LEFT_SEMI;
    else if (em_sql_accept_kw(p, "ANTI")) type = EM_JOIN_LEFT_ANTI;
    else {
      em_sql_accept_kw(p, "OUTER");
      type = EM_JOIN_LEFT_OUTER;
    }
  } else if (em_sql_accept_kw(p, "RIGHT")) {
    em_sql_accept_kw(p, "OUTER");
    type = EM_JOIN_RIGHT_OUTER;
  } else if (em_sql_accept_kw(p, "FULL")) {
    em_sql_accept_kw(p, "OUTER");
    type = EM_JOIN_FULL_OUTER;
  } else if (em_sql_accept_kw(p, "SEMI")) {
    type = EM_JOIN_LEFT_SEMI;
  } else if (em_sql_accept_kw(p, "ANTI")) {
    type = EM_JOIN_LEFT_ANTI;
  }
  if (!em_sql_accept_kw(p, "JOIN")) {
    if (p->pos != save) em_sql_syntax_error(p, p->pos, "");
    p->pos = save;
    return 0;
  }
  return type;
}

static em_spec_rel *relation(em_sqlp *p) {
  em_spec_rel *r = relation_primary(p);
  for (;;) {
    bool natural;
    int type = join_type(p, &natural);
    if (!type) break;
    em_spec_rel *j = em_sql_rel_new(p, EM_SR_JOIN);
    j->input = r;
    j->u.join.right = relation_primary(p);
    j->u.join.type = (em_join_type)type;
    j->u.join.natural = natural;
    if (!natural && em_sql_accept_kw(p, "ON")) {
      j->u.join.cond = em_sql_expr(p);
    } else if (!natural && em_sql_is_kw(em_sql_peek(p, 0), "USING")) {
      em_sql_next(p);
      j->u.join.using_cols = ident_list(p, &j->u.join.nusing);
    }
    if (type == EM_JOIN_CROSS && (j->u.join.cond || j->u.join.nusing)) j->u.join.type = EM_JOIN_INNER;
    r = j;
  }
  return r;
}

/* ---- queries ---- */

static em_spec_rel *query_primary(em_sqlp *p, select_info *si) {
  em_sql_enter(p);
  em_tok *t = em_sql_peek(p, 0);
  em_spec_rel *r;
  memset(si, 0, sizeof *si);
  if (em_sql_is_kw(t, "SELECT")) {
    r = select_spec(p, si);
  } else if (em_sql_is_kw(t, "VALUES")) {
    r = values(p);
  } else if (em_sql_is_kw(t, "TABLE")) {
    em_sql_next(p);
    int from = p->pos;
    char **parts;
    int n = em_sql_multipart(p, &parts);
    r = em_sql_rel_new(p, EM_SR_NAMED_TABLE);
    r->u.named_table.parts = parts;
    r->u.named_table.nparts = n;
    em_tok *a = &p->toks[from], *b = &p->toks[p->pos - 1];
    r->u.named_table.sql_fragment = em_sql_strndup(p, p->text + a->start, (size_t)(b->end - a->start));
    r->u.named_table.sql_line = a->line;
    r->u.named_table.sql_pos = a->col;
  } else if (em_sql_is_op(t, "(")) {
    em_sql_next(p);
    r = em_sql_query(p);
    em_sql_expect_op(p, ")");
  } else {
    em_sql_syntax_error(p, p->pos, "");
  }
  em_sql_leave(p);
  return r;
}

/* Set operators: prec 1 = UNION / EXCEPT / MINUS, prec 2 = INTERSECT. */
static int setop_at(em_sqlp *p, em_set_op_kind *op) {
  em_tok *t = em_sql_peek(p, 0);
  if (em_sql_is_kw(t, "UNION")) {
    *op = EM_SET_UNION;
    return 1;
  }
  if (em_sql_is_kw(t, "EXCEPT") || em_sql_is_kw(t, "MINUS")) {
    *op = EM_SET_EXCEPT;
    return 1;
  }
  if (em_sql_is_kw(t, "INTERSECT")) {
    *op = EM_SET_INTERSECT;
    return 2;
  }
  return 0;
}

static em_spec_rel *query_term(em_sqlp *p, select_info *si, int min_prec) {
  em_spec_rel *lhs = query_primary(p, si);
  for (;;) {
    em_set_op_kind op;
    int prec = setop_at(p, &op);
    if (!prec || prec < min_prec) break;
    em_sql_next(p);
    bool all = false;
    if (em_sql_accept_kw(p, "ALL")) all = true;
    else em_sql_accept_kw(p, "DISTINCT");
    select_info rsi;
    em_sql_enter(p);
    em_spec_rel *rhs = query_term(p, &rsi, prec + 1);
    em_sql_leave(p);
    lhs = drop_hidden(p, si, lhs);
    rhs = drop_hidden(p, &rsi, rhs);
    em_spec_rel *s = em_sql_rel_new(p, EM_SR_SET_OP);
    s->input = lhs;
    s->u.set_op.right = rhs;
    s->u.set_op.op = op;
    s->u.set_op.all = all;
    lhs = s;
    memset(si, 0, sizeof *si);
  }
  return lhs;
}

static em_spec_rel *limit_node(em_sqlp *p, em_spec_rel *in, em_spec_rel_kind kind) {
  em_spec_rel *l = em_sql_rel_new(p, kind);
  l->input = in;
  int at = p->pos;
  em_spec_expr *e = em_sql_expr(p);
  bool neg = false;
  if (e->kind == EM_SE_FUNC && e->u.func.nargs == 1 && strcmp(e->u.func.name, "negative") == 0) {
    neg = true;
    e = e->u.func.args[0];
  }
  const em_vec *v = e->kind == EM_SE_LITERAL ? e->u.lit.value : NULL;
  if (v && (v->type->id == EM_T_INT || v->type->id == EM_T_LONG)) {
    int64_t n = v->type->id == EM_T_INT ? ((const int32_t *)(v)->values->data)[0] : ((const int64_t *)(v)->values->data)[0];
    l->u.limit.n = neg ? -n : n;
    return l;
  }
  (void)at;
  em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a LIMIT or OFFSET that is not an integer literal", NULL);
  em_sql_fail(p);
}

/* ORDER BY / SORT BY keys over the result of a query term. */
static em_spec_rel *order_by(em_sqlp *p, select_info *si, em_spec_rel *r, bool global) {
  em_spec_rel *s = em_sql_rel_new(p, EM_SR_SORT);
  s->u.sort.global = global;
  int cap = 0;
  em_spec_rel *top = si->top;
  do {
    em_spec_expr *o = em_sql_expr_new(p, EM_SE_SORT_ORDER);
    em_spec_expr *k = em_sql_expr(p);
    int ord = int_literal(k);
    int *nitems = NULL;
    if (top) items_of(top, &nitems);
    if (ord != -1) {
      int n = top ? *nitems - si->nhidden : -1;
      if (ord < 1 || (n >= 0 && ord > n)) {
        char idx[16], sz[16];
        snprintf(idx, sizeof idx, "%d", ord);
        snprintf(sz, sizeof sz, "%d", n);
        em_error_set(p->err, EM_ERR_ORDER_BY_POS_OUT_OF_RANGE, "index", idx, "size", sz, NULL);
        em_error_set_sql_context(p->err, k->origin_fragment);
        em_error_append(p->err, "; line %d pos %d", k->sql_line, k->sql_pos);
        em_sql_fail(p);
      }
      em_spec_expr *x = em_sql_expr_new(p, EM_SE_ORDINAL);
      x->u.ordinal.index = ord - 1;
      x->origin_fragment = k->origin_fragment;
      x->sql_line = k->sql_line;
      x->sql_pos = k->sql_pos;
      k = x;
    } else if (top && !si->distinct && !on_output(k, top)) {
      em_spec_expr *h = attr1(p, add_hidden(p, si, k, "sort"));
      h->origin_fragment = k->origin_fragment;
      h->sql_line = k->sql_line;
      h->sql_pos = k->sql_pos;
      k = h;
    }
    o->u.sort.child = k;
    o->u.sort.ascending = !em_sql_accept_kw(p, "DESC");
    if (o->u.sort.ascending) em_sql_accept_kw(p, "ASC");
    if (em_sql_accept_kw(p, "NULLS")) {
      if (em_sql_accept_kw(p, "FIRST")) o->u.sort.nulls = EM_NULLS_FIRST;
      else {
        em_sql_expect_kw(p, "LAST");
        o->u.sort.nulls = EM_NULLS_LAST;
      }
    }
    em_sql_push(p, (void ***)&s->u.sort.orders, &s->u.sort.norders, &cap, o);
  } while (em_sql_accept_op(p, ","));
  s->input = r;
  return s;
}

/* queryNoWith: a query term with ORDER BY / LIMIT / OFFSET. */
static em_spec_rel *query_no_with(em_sqlp *p) {
  select_info si;
  em_spec_rel *r = query_term(p, &si, 1);
  em_tok *t = em_sql_peek(p, 0);
  if ((em_sql_is_kw(t, "ORDER") || em_sql_is_kw(t, "SORT")) && em_sql_is_kw(em_sql_peek(p, 1), "BY")) {
    bool global = em_sql_is_kw(t, "ORDER");
    em_sql_next(p);
    em_sql_next(p);
    r = order_by(p, &si, r, global);
  } else if ((em_sql_is_kw(t, "CLUSTER") || em_sql_is_kw(t, "DISTRIBUTE")) && em_sql_is_kw(em_sql_peek(p, 1), "BY")) {
    em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "CLUSTER BY / DISTRIBUTE BY", NULL);
    em_sql_fail(p);
  }
  r = drop_hidden(p, &si, r);
  /* LIMIT n OFFSET m: Spark offsets first, then limits. */
  em_spec_rel *lim = NULL;
  if (em_sql_accept_kw(p, "LIMIT") && !em_sql_accept_kw(p, "ALL")) lim = limit_node(p, NULL, EM_SR_LIMIT);
  if (em_sql_accept_kw(p, "OFFSET")) r = limit_node(p, r, EM_SR_OFFSET);
  if (lim) {
    lim->input = r;
    r = lim;
  }
  return r;
}

em_spec_rel *em_sql_query(em_sqlp *p) {
  em_sql_enter(p);
  int saved = p->nctes;
  if (em_sql_accept_kw(p, "WITH")) {
    if (em_sql_is_kw(em_sql_peek(p, 0), "RECURSIVE")) {
      em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "recursive CTEs", NULL);
      em_sql_fail(p);
    }
    do {
      int at = p->pos;
      char *name = em_sql_ident(p);
      for (int i = saved; i < p->nctes; i++)
        if (em_strcaseeq(p->ctes[i].name, name)) {
          char buf[EM_ERROR_VAL_MAX];
          snprintf(buf, sizeof buf, "`%s`", name);
          em_error_set(p->err, EM_ERR_DUPLICATED_CTE_NAMES, "duplicateNames", buf, NULL);
          em_sql_error_position(p, p->toks[at].line, p->toks[at].col);
          em_sql_fail(p);
        }
      int ncols = 0;
      char **cols = NULL;
      if (em_sql_is_op(em_sql_peek(p, 0), "(")) cols = ident_list(p, &ncols);
      em_sql_expect_kw(p, "AS");
      em_sql_expect_op(p, "(");
      em_spec_rel *q = em_sql_query(p);
      em_sql_expect_op(p, ")");
      if (cols) {
        em_spec_rel *td = em_sql_rel_new(p, EM_SR_TO_DF);
        td->input = q;
        td->u.to_df.names = cols;
        td->u.to_df.nnames = ncols;
        q = td;
      }
      if (p->nctes == p->capctes) {
        int ncap = p->capctes ? p->capctes * 2 : 4;
        em_cte *nc = em_sql_alloc(p, (size_t)ncap, sizeof *nc);
        if (p->nctes) memcpy(nc, p->ctes, sizeof *nc * (size_t)p->nctes);
        p->ctes = nc;
        p->capctes = ncap;
      }
      p->ctes[p->nctes].name = name;
      p->ctes[p->nctes].rel = q;
      p->nctes++;
    } while (em_sql_accept_op(p, ","));
  }
  em_spec_rel *r = query_no_with(p);
  p->nctes = saved;
  em_sql_leave(p);
  return r;
}
