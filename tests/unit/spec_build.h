/*
 * Builders of protocol-level plans (em_spec) for the unit tests that run
 * queries without gRPC: each includes this header once and owns the spec S
 * its builders allocate from (em_spec_init in setup, em_spec_release in
 * teardown).
 */
#ifndef EM_TEST_SPEC_BUILD_H
#define EM_TEST_SPEC_BUILD_H

#include <stdarg.h>

#include "spec/spec.h"

static em_spec S;

/* range(start, end) in `parts` partitions (step 1). */
static inline em_spec_rel *range_rel(int64_t start, int64_t end, int parts) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_RANGE);
  r->u.range.start = start;
  r->u.range.end = end;
  r->u.range.step = 1;
  r->u.range.num_partitions = parts;
  return r;
}

/* An unresolved column reference by one name part. */
static inline em_spec_expr *col(const char *name) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_ATTR);
  e->u.attr.parts = em_spec_array(&S, 1, sizeof(char *));
  e->u.attr.parts[0] = em_spec_strdup(&S, name);
  e->u.attr.nparts = 1;
  e->u.attr.plan_id = -1;
  return e;
}

/* A literal of one value (the spec takes the vector). */
static inline em_spec_expr *lit_vec(em_vec *v) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_LITERAL);
  e->u.lit.value = v;
  em_spec_own_vec(&S, v);
  return e;
}

static inline em_spec_expr *lit_long(int64_t x) {
  em_vec *v = em_vec_new(em_type_long(), 1);
  em_vec_append_fixed(v, &x);
  return lit_vec(v);
}

/* A call of function `name` with nargs em_spec_expr * arguments. */
static inline em_spec_expr *fn(const char *name, int nargs, ...) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_FUNC);
  e->u.func.name = em_spec_strdup(&S, name);
  e->u.func.args = em_spec_array(&S, (size_t)(nargs ? nargs : 1), sizeof(em_spec_expr *));
  e->u.func.nargs = nargs;
  va_list ap;
  va_start(ap, nargs);
  for (int i = 0; i < nargs; i++) e->u.func.args[i] = va_arg(ap, em_spec_expr *);
  va_end(ap);
  return e;
}

static inline em_spec_expr *alias(em_spec_expr *child, const char *name) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_ALIAS);
  e->u.alias.child = child;
  e->u.alias.names = em_spec_array(&S, 1, sizeof(char *));
  e->u.alias.names[0] = em_spec_strdup(&S, name);
  e->u.alias.nnames = 1;
  return e;
}


/* CAST(child AS t) (the spec takes the type reference). */
static inline em_spec_expr *cast_to(em_spec_expr *child, em_type *t) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_CAST);
  e->u.cast.child = child;
  e->u.cast.type = t;
  em_spec_own_type(&S, t);
  return e;
}

/* select(n expressions...). */
static inline em_spec_rel *project(em_spec_rel *in, int n, ...) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_PROJECT);
  r->input = in;
  r->u.project.exprs = em_spec_array(&S, (size_t)n, sizeof(em_spec_expr *));
  r->u.project.nexprs = n;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) r->u.project.exprs[i] = va_arg(ap, em_spec_expr *);
  va_end(ap);
  return r;
}

/* groupBy(groups[0..ng)).agg(aggs[0..na)). */
static inline em_spec_rel *agg_rel(em_spec_rel *in, em_spec_expr **groups, int ng, em_spec_expr **aggs, int na) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_AGGREGATE);
  r->input = in;
  r->u.aggregate.group_type = EM_GROUP_BY;
  r->u.aggregate.groups = em_spec_array(&S, (size_t)(ng + 1), sizeof(em_spec_expr *));
  r->u.aggregate.aggs = em_spec_array(&S, (size_t)(na + 1), sizeof(em_spec_expr *));
  for (int i = 0; i < ng; i++) r->u.aggregate.groups[i] = groups[i];
  for (int i = 0; i < na; i++) r->u.aggregate.aggs[i] = aggs[i];
  r->u.aggregate.ngroups = ng;
  r->u.aggregate.naggs = na;
  return r;
}

#endif
