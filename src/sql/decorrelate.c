/*
 * Correlated subqueries into joins, on the spec before analysis, after
 * Spark's RewritePredicateSubquery and RewriteCorrelatedScalarSubquery:
 *
 *  - a WHERE conjunct [NOT] EXISTS (SELECT .. FROM r WHERE c) becomes a left
 *    semi (anti) join of the outer relation with r on the conjuncts of c
 *    that name the outer query; the others filter r first;
 *  - v [NOT] IN (SELECT x FROM r WHERE c): the same join, also on v = x;
 *    NOT IN is null-aware as Spark's: a row is dropped when some x makes
 *    v = x true or unknown (`v = x OR isnull(v = x)`);
 *  - a scalar (SELECT agg FROM r WHERE c) whose outer conjuncts are
 *    equalities inner = outer, in WHERE or in the select list: r filtered,
 *    grouped by the inner sides, left-outer-joined on the equalities; where
 *    no group matches, the value is the aggregate over no rows (count is
 *    0, the others NULL), as Spark's "count bug" handling.
 *
 * The joined side's columns get hidden names (`__sq<N>_<k>`) so they never
 * clash with the outer columns; a WHERE rewrite drops them again. Which
 * names are outer is decided by qualifiers: `t.c` is outer when t names a
 * relation of the outer FROM and none of the subquery's FROM; an
 * unqualified name is outer when the session can tell the columns of both
 * FROMs (em_sql_opts.columns) and only the outer one has it (Spark
 * resolves the inner scope first), else it is the subquery's own.
 * Other shapes stay as they are (the analyzer reports them).
 */
#include "sql_int.h"

#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

typedef struct names {
  const char **v;
  int n, cap;
} names;

typedef struct dc {
  em_sqlp *p;
  names outer, inner;
  /* column names of the outer and inner FROM, when known */
  const em_spec_rel *outer_from;
  bool outer_cols_tried, outer_cols_known, inner_cols_known;
  names outer_cols, inner_cols;
  /* hidden columns of the joined side: their expressions and names */
  em_spec_expr **items;
  int nitems, capitems;
  int id; /* subquery number, for hidden names */
  const char **hidden;
  int nhidden, caphidden;
} dc;

static int g_counter; /* per process; names only need to differ within a query */

static void add_name(em_sqlp *p, names *ns, const char *s) {
  if (ns->n == ns->cap) {
    int nc = ns->cap ? ns->cap * 2 : 8;
    const char **nv = em_sql_alloc(p, (size_t)nc, sizeof *nv);
    if (ns->n) memcpy(nv, ns->v, sizeof *nv * (size_t)ns->n);
    ns->v = nv;
    ns->cap = nc;
  }
  ns->v[ns->n++] = s;
}

static bool has_name(const names *ns, const char *s) {
  for (int i = 0; i < ns->n; i++)
    if (em_strcaseeq(ns->v[i], s)) return true;
  return false;
}

/* The names the relations of a FROM answer to. */
static void leaf_names(em_sqlp *p, const em_spec_rel *r, names *ns, int depth) {
  if (!r || depth > 100) return;
  switch (r->kind) {
  case EM_SR_JOIN:
    leaf_names(p, r->input, ns, depth + 1);
    leaf_names(p, r->u.join.right, ns, depth + 1);
    break;
  case EM_SR_SUBQUERY_ALIAS: add_name(p, ns, r->u.subquery_alias.alias); break;
  case EM_SR_NAMED_TABLE: add_name(p, ns, r->u.named_table.parts[r->u.named_table.nparts - 1]); break;
  case EM_SR_HINT:
  case EM_SR_FILTER:
  case EM_SR_PROJECT:
  case EM_SR_TO_DF:
  case EM_SR_SAMPLE:
  case EM_SR_LIMIT: leaf_names(p, r->input, ns, depth + 1); break;
  default: break;
  }
}

/* The columns of rel into ns (false when they cannot be known). */
static bool rel_columns(em_sqlp *p, const em_spec_rel *rel, names *ns) {
  ns->n = 0;
  if (!rel || !p->opts || !p->opts->columns) return false;
  char **v = NULL;
  int n = 0;
  if (p->opts->columns(p->opts->columns_user, p->spec, rel, &v, &n)) return false;
  for (int i = 0; i < n; i++) add_name(p, ns, v[i]);
  return true;
}

static bool is_outer_attr(const dc *d, const em_spec_expr *e) {
  if (e->kind != EM_SE_ATTR) return false;
  if (e->u.attr.nparts == 1)
    return d->inner_cols_known && d->outer_cols_known && !has_name(&d->inner_cols, e->u.attr.parts[0]) &&
           has_name(&d->outer_cols, e->u.attr.parts[0]);
  return e->u.attr.nparts >= 2 && has_name(&d->outer, e->u.attr.parts[0]) &&
         !has_name(&d->inner, e->u.attr.parts[0]);
}

/* Whether a subquery's WHERE has an unqualified name (then the columns of
 * both FROMs are worth asking for). */
static bool has_unqualified(const em_spec_expr *e, int depth) {
  if (!e || depth > 200) return false;
  switch (e->kind) {
  case EM_SE_ATTR: return e->u.attr.nparts == 1;
  case EM_SE_FUNC:
    for (int i = 0; i < e->u.func.nargs; i++)
      if (has_unqualified(e->u.func.args[i], depth + 1)) return true;
    return false;
  case EM_SE_ALIAS: return has_unqualified(e->u.alias.child, depth + 1);
  case EM_SE_CAST: return has_unqualified(e->u.cast.child, depth + 1);
  default: return false;
  }
}

/* Whether e names the outer query (-1: a form this file does not look
 * into, which keeps the subquery as it is). */
static int refs_outer(const dc *d, const em_spec_expr *e, int depth) {
  if (!e || depth > 200) return 0;
  switch (e->kind) {
  case EM_SE_ATTR: return is_outer_attr(d, e);
  case EM_SE_LITERAL: return 0;
  case EM_SE_FUNC: {
    int any = 0;
    for (int i = 0; i < e->u.func.nargs; i++) {
      int r = refs_outer(d, e->u.func.args[i], depth + 1);
      if (r < 0) return -1;
      any |= r;
    }
    return any;
  }
  case EM_SE_ALIAS: return refs_outer(d, e->u.alias.child, depth + 1);
  case EM_SE_CAST: return refs_outer(d, e->u.cast.child, depth + 1);
  default: return -1;
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

static em_spec_expr *call(em_sqlp *p, const char *name, em_spec_expr *a, em_spec_expr *b) {
  em_spec_expr *args[2] = {a, b};
  return em_sql_func(p, name, args, b ? 2 : 1);
}

static em_spec_expr *and_all(em_sqlp *p, em_spec_expr **v, int n) {
  em_spec_expr *e = NULL;
  for (int i = 0; i < n; i++) e = e ? call(p, "and", e, v[i]) : v[i];
  return e;
}

/* A hidden column of the joined side computing e; returns its name. */
static const char *hide(dc *d, em_spec_expr *e) {
  char *name = em_sql_alloc(d->p, 32, 1);
  snprintf(name, 32, "__sq%d_%d", d->id, d->nitems);
  em_sql_push(d->p, (void ***)&d->items, &d->nitems, &d->capitems, alias(d->p, e, name));
  em_sql_push(d->p, (void ***)&d->hidden, &d->nhidden, &d->caphidden, name);
  return name;
}

/* e with its inner column references replaced by hidden columns. */
static em_spec_expr *hide_inner(dc *d, em_spec_expr *e, int depth) {
  if (!e || depth > 200) return e;
  switch (e->kind) {
  case EM_SE_ATTR: return is_outer_attr(d, e) ? e : attr1(d->p, hide(d, e));
  case EM_SE_FUNC: {
    em_spec_expr *c = em_sql_expr_new(d->p, EM_SE_FUNC);
    *c = *e;
    c->u.func.args = em_sql_alloc(d->p, (size_t)e->u.func.nargs + 1, sizeof(em_spec_expr *));
    for (int i = 0; i < e->u.func.nargs; i++) c->u.func.args[i] = hide_inner(d, e->u.func.args[i], depth + 1);
    return c;
  }
  case EM_SE_CAST: {
    em_spec_expr *c = em_sql_expr_new(d->p, EM_SE_CAST);
    *c = *e;
    c->u.cast.child = hide_inner(d, e->u.cast.child, depth + 1);
    return c;
  }
  default: return e;
  }
}

static void conjuncts(em_sqlp *p, em_spec_expr *e, em_spec_expr ***v, int *n, int *cap) {
  if (e->kind == EM_SE_FUNC && em_strcaseeq(e->u.func.name, "and") && e->u.func.nargs == 2) {
    conjuncts(p, e->u.func.args[0], v, n, cap);
    conjuncts(p, e->u.func.args[1], v, n, cap);
    return;
  }
  em_sql_push(p, (void ***)v, n, cap, e);
}

/* A subquery's parts: SELECT items FROM from WHERE where (where may be
 * absent); false for other shapes. */
typedef struct subq {
  em_spec_rel *top; /* Project or Aggregate */
  em_spec_rel *from;
  em_spec_expr **inner, **outer; /* conjuncts of WHERE: its own, naming the outer query */
  int ninner, nouter;
} subq;

static bool split_subquery(dc *d, em_spec_rel *rel, subq *s) {
  memset(s, 0, sizeof *s);
  if (!rel || (rel->kind != EM_SR_PROJECT && rel->kind != EM_SR_AGGREGATE)) return false;
  if (rel->kind == EM_SR_AGGREGATE &&
      (rel->u.aggregate.ngroups || rel->u.aggregate.group_type != EM_GROUP_BY || !rel->u.aggregate.select_only))
    return false;
  em_spec_rel *f = rel->input;
  if (!f || f->kind != EM_SR_FILTER || !f->input) return false;
  s->top = rel;
  s->from = f->input;
  d->inner.n = 0;
  leaf_names(d->p, s->from, &d->inner, 0);
  d->inner_cols_known = false;
  if (has_unqualified(f->u.filter.cond, 0)) {
    if (!d->outer_cols_tried) {
      d->outer_cols_tried = true;
      d->outer_cols_known = rel_columns(d->p, d->outer_from, &d->outer_cols);
    }
    if (d->outer_cols_known) d->inner_cols_known = rel_columns(d->p, s->from, &d->inner_cols);
  }
  em_spec_expr **cs = NULL;
  int n = 0, cap = 0, ci = 0, co = 0;
  conjuncts(d->p, f->u.filter.cond, &cs, &n, &cap);
  for (int i = 0; i < n; i++) {
    int r = refs_outer(d, cs[i], 0);
    if (r < 0) return false;
    if (r) em_sql_push(d->p, (void ***)&s->outer, &s->nouter, &co, cs[i]);
    else em_sql_push(d->p, (void ***)&s->inner, &s->ninner, &ci, cs[i]);
  }
  return s->nouter > 0;
}

static em_spec_rel *filtered_from(dc *d, const subq *s) {
  if (!s->ninner) return s->from;
  em_spec_rel *f = em_sql_rel_new(d->p, EM_SR_FILTER);
  f->input = s->from;
  f->u.filter.cond = and_all(d->p, s->inner, s->ninner);
  return f;
}

static em_spec_expr *one_item(const subq *s) {
  int n = s->top->kind == EM_SR_PROJECT ? s->top->u.project.nexprs : s->top->u.aggregate.naggs;
  if (n != 1) return NULL;
  em_spec_expr *e = s->top->kind == EM_SR_PROJECT ? s->top->u.project.exprs[0] : s->top->u.aggregate.aggs[0];
  if (e->kind == EM_SE_STAR) return NULL;
  return e->kind == EM_SE_ALIAS ? e->u.alias.child : e;
}

static void start(dc *d) {
  d->items = NULL;
  d->nitems = d->capitems = 0;
  d->id = ++g_counter;
}

/* [NOT] EXISTS / [NOT] IN: a semi or anti join of input, or NULL. */
static em_spec_rel *predicate_join(dc *d, em_spec_rel *input, em_spec_expr *c) {
  bool neg = false;
  if (c->kind == EM_SE_FUNC && em_strcaseeq(c->u.func.name, "not") && c->u.func.nargs == 1) {
    neg = true;
    c = c->u.func.args[0];
  }
  if (c->kind != EM_SE_SUBQUERY || c->u.subquery.kind == EM_SUBQUERY_SCALAR) return NULL;
  subq s;
  if (!split_subquery(d, c->u.subquery.rel, &s) || s.top->kind != EM_SR_PROJECT) return NULL;
  start(d);
  em_spec_expr **conds = NULL;
  int nc = 0, cap = 0;
  for (int i = 0; i < s.nouter; i++) em_sql_push(d->p, (void ***)&conds, &nc, &cap, hide_inner(d, s.outer[i], 0));
  if (c->u.subquery.kind == EM_SUBQUERY_IN) {
    em_spec_expr *item = one_item(&s);
    if (!item || c->u.subquery.nvalues != 1) return NULL;
    em_spec_expr *eq = call(d->p, "==", c->u.subquery.values[0], attr1(d->p, hide(d, item)));
    if (neg) eq = call(d->p, "or", eq, call(d->p, "isnull", eq, NULL));
    em_sql_push(d->p, (void ***)&conds, &nc, &cap, eq);
  }
  if (!d->nitems) hide(d, em_sql_lit_int(d->p, 1));
  em_spec_rel *right = em_sql_rel_new(d->p, EM_SR_PROJECT);
  right->input = filtered_from(d, &s);
  right->u.project.exprs = d->items;
  right->u.project.nexprs = d->nitems;
  em_spec_rel *j = em_sql_rel_new(d->p, EM_SR_JOIN);
  j->input = input;
  j->u.join.right = right;
  j->u.join.type = neg ? EM_JOIN_LEFT_ANTI : EM_JOIN_LEFT_SEMI;
  j->u.join.cond = and_all(d->p, conds, nc);
  return j;
}

/* The aggregate expression e over no rows: count(..) is 0, any other
 * aggregate NULL (NULL when e has no count at all). */
static bool has_count(const em_spec_expr *e, int depth) {
  if (!e || depth > 200) return false;
  if (e->kind == EM_SE_FUNC) {
    if (em_strcaseeq(e->u.func.name, "count") || em_strcaseeq(e->u.func.name, "count_if")) return true;
    for (int i = 0; i < e->u.func.nargs; i++)
      if (has_count(e->u.func.args[i], depth + 1)) return true;
  }
  if (e->kind == EM_SE_CAST) return has_count(e->u.cast.child, depth + 1);
  return false;
}

static em_spec_expr *over_no_rows(dc *d, em_spec_expr *e, int depth) {
  if (!e || depth > 200) return e;
  if (e->kind == EM_SE_FUNC) {
    if (em_strcaseeq(e->u.func.name, "count") || em_strcaseeq(e->u.func.name, "count_if"))
      return em_sql_lit_long(d->p, 0);
    const em_func_def *def = em_func_lookup(e->u.func.name);
    if (def && def->kind == EM_FN_AGGREGATE) return em_sql_lit_null(d->p);
    em_spec_expr *c = em_sql_expr_new(d->p, EM_SE_FUNC);
    *c = *e;
    c->u.func.args = em_sql_alloc(d->p, (size_t)e->u.func.nargs + 1, sizeof(em_spec_expr *));
    for (int i = 0; i < e->u.func.nargs; i++) c->u.func.args[i] = over_no_rows(d, e->u.func.args[i], depth + 1);
    return c;
  }
  if (e->kind == EM_SE_CAST) {
    em_spec_expr *c = em_sql_expr_new(d->p, EM_SE_CAST);
    *c = *e;
    c->u.cast.child = over_no_rows(d, e->u.cast.child, depth + 1);
    return c;
  }
  return e;
}

/* Correlated scalar subqueries inside e: each becomes a left outer join of
 * *input with its grouped subquery, e's node a reference to the value. */
static void scalar_joins(dc *d, em_spec_rel **input, em_spec_expr *e, int depth) {
  if (!e || depth > 200) return;
  switch (e->kind) {
  case EM_SE_FUNC:
    for (int i = 0; i < e->u.func.nargs; i++) scalar_joins(d, input, e->u.func.args[i], depth + 1);
    return;
  case EM_SE_ALIAS: scalar_joins(d, input, e->u.alias.child, depth + 1); return;
  case EM_SE_CAST: scalar_joins(d, input, e->u.cast.child, depth + 1); return;
  case EM_SE_SUBQUERY: break;
  default: return;
  }
  if (e->u.subquery.kind != EM_SUBQUERY_SCALAR) return;
  subq s;
  if (!split_subquery(d, e->u.subquery.rel, &s) || s.top->kind != EM_SR_AGGREGATE) return;
  em_spec_expr *item = one_item(&s);
  if (!item) return;
  /* Every outer conjunct: inner = outer. */
  em_spec_expr **ins = em_sql_alloc(d->p, (size_t)s.nouter + 1, sizeof *ins);
  em_spec_expr **outs = em_sql_alloc(d->p, (size_t)s.nouter + 1, sizeof *outs);
  for (int i = 0; i < s.nouter; i++) {
    em_spec_expr *c = s.outer[i];
    if (c->kind != EM_SE_FUNC || !em_strcaseeq(c->u.func.name, "==") || c->u.func.nargs != 2) return;
    int a = refs_outer(d, c->u.func.args[0], 0), b = refs_outer(d, c->u.func.args[1], 0);
    if (a == b || a < 0 || b < 0) return;
    ins[i] = a ? c->u.func.args[1] : c->u.func.args[0];
    outs[i] = a ? c->u.func.args[0] : c->u.func.args[1];
  }
  start(d);
  const char **keys = em_sql_alloc(d->p, (size_t)s.nouter + 1, sizeof *keys);
  for (int i = 0; i < s.nouter; i++) keys[i] = hide(d, ins[i]);
  const char *val = hide(d, item);
  const char *mark = NULL;
  bool counts = has_count(item, 0);
  if (counts) mark = hide(d, em_sql_lit_bool(d->p, true));
  em_spec_rel *agg = em_sql_rel_new(d->p, EM_SR_AGGREGATE);
  agg->input = filtered_from(d, &s);
  agg->u.aggregate.group_type = EM_GROUP_BY;
  agg->u.aggregate.select_only = true;
  agg->u.aggregate.groups = ins;
  agg->u.aggregate.ngroups = s.nouter;
  agg->u.aggregate.aggs = d->items;
  agg->u.aggregate.naggs = d->nitems;
  em_spec_expr **conds = em_sql_alloc(d->p, (size_t)s.nouter + 1, sizeof *conds);
  for (int i = 0; i < s.nouter; i++) conds[i] = call(d->p, "==", outs[i], attr1(d->p, keys[i]));
  em_spec_rel *j = em_sql_rel_new(d->p, EM_SR_JOIN);
  j->input = *input;
  j->u.join.right = agg;
  j->u.join.type = EM_JOIN_LEFT_OUTER;
  j->u.join.cond = and_all(d->p, conds, s.nouter);
  *input = j;
  em_spec_expr *ref = attr1(d->p, val);
  if (counts) {
    em_spec_expr *args[3] = {call(d->p, "isnull", attr1(d->p, mark), NULL), over_no_rows(d, item, 0), ref};
    ref = em_sql_func(d->p, "if", args, 3);
  }
  /* Spark names the value scalarsubquery(<outer references>). */
  char name[EM_ERROR_VAL_MAX];
  size_t len = (size_t)snprintf(name, sizeof name, "scalarsubquery(");
  for (int i = 0; i < s.nouter && len < sizeof name; i++) {
    const em_spec_expr *o = outs[i];
    const char *nm = o->kind == EM_SE_ATTR ? o->u.attr.parts[o->u.attr.nparts - 1] : "";
    len += (size_t)snprintf(name + len, sizeof name - len, "%s%s", i ? ", " : "", nm);
  }
  if (len < sizeof name) snprintf(name + len, sizeof name - len, ")");
  em_spec_expr *named = alias(d->p, ref, em_sql_strdup(d->p, name));
  named->u.alias.metadata = "{\"__autoGeneratedAlias\":\"true\"}";
  named->origin_fragment = e->origin_fragment;
  named->sql_line = e->sql_line;
  named->sql_pos = e->sql_pos;
  *e = *named;
}

static void init(dc *d, em_sqlp *p, const em_spec_rel *outer_from) {
  memset(d, 0, sizeof *d);
  d->p = p;
  d->outer_from = outer_from;
  leaf_names(p, outer_from, &d->outer, 0);
}

static em_spec_rel *drop_hidden(dc *d, em_spec_rel *r) {
  if (!d->nhidden) return r;
  em_spec_rel *dr = em_sql_rel_new(d->p, EM_SR_DROP);
  dr->input = r;
  dr->u.drop.names = (char **)d->hidden;
  dr->u.drop.nnames = d->nhidden;
  return dr;
}

em_spec_rel *em_sql_decorrelate_where(em_sqlp *p, em_spec_rel *input, em_spec_expr *cond) {
  dc d;
  init(&d, p, input);
  em_spec_expr **cs = NULL, **rest = NULL;
  int n = 0, cap = 0, nrest = 0, caprest = 0;
  conjuncts(p, cond, &cs, &n, &cap);
  em_spec_rel *r = input;
  for (int i = 0; i < n; i++) {
    em_spec_rel *j = predicate_join(&d, r, cs[i]);
    if (j) r = j;
    else em_sql_push(p, (void ***)&rest, &nrest, &caprest, cs[i]);
  }
  for (int i = 0; i < nrest; i++) scalar_joins(&d, &r, rest[i], 0);
  if (nrest) {
    em_spec_rel *f = em_sql_rel_new(p, EM_SR_FILTER);
    f->input = r;
    f->u.filter.cond = nrest == n ? cond : and_all(p, rest, nrest); /* untouched: as written */
    r = f;
  }
  return drop_hidden(&d, r);
}

em_spec_rel *em_sql_decorrelate_items(em_sqlp *p, em_spec_rel *input, em_spec_expr **items, int nitems) {
  if (!input) return input;
  dc d;
  init(&d, p, input);
  em_spec_rel *r = input;
  for (int i = 0; i < nitems; i++) scalar_joins(&d, &r, items[i], 0);
  return r;
}
