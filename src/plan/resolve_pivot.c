/*
 * groupBy(g...).pivot(p[, values]).agg(a...), as Spark's ResolvePivot
 * plans it for aggregates PivotFirst supports: two aggregations.
 *
 *   1. GROUP BY g..., p computing a... (one row per group and pivot value);
 *   2. GROUP BY g... with, for every pivot value v and aggregate a, the
 *      value of a on the row whose p is v (PivotFirst; here first(if(p <=>
 *      v, a, NULL), true)), NULL when the group has no such row.
 *
 * The values are cast to p's type. Without values Spark first runs
 * select(p).distinct().limit(max + 1).sort(p) (an eager sub-query, through
 * em_analyze_ctx.run_subplan) and fails when there are more than
 * spark.sql.pivotMaxValues. Output columns: g..., then per value, per
 * aggregate: the value as a string ("null" for NULL), suffixed with
 * "_<aggregate name>" when there are several aggregates.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

int em_az_run_subplan(em_az *az, em_lplan *root, em_batch ***out, int *nout) {
  if (!az->ctx->run_subplan)
    return em_error_set(az->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "an eager sub-query during analysis", NULL);
  em_plan *p = em_calloc(1, sizeof *p);
  if (!p) return oom(az);
  em_arena_init(&p->arena, 256);
  p->root = root;
  p->schema = em_lplan_schema(root);
  int rc = p->schema ? az->ctx->run_subplan(az->ctx->run_user, p, out, nout, az->err) : oom(az);
  em_plan_free(p);
  return rc;
}

/* The distinct values of pivot expression px over child, sorted. */
static int collect_values(em_az *az, const em_spec_rel *r, em_lplan *child, em_expr *px, const char *pname,
                          em_vec ***vals, int *nvals) {
  em_arena *A = &az->plan->arena;
  em_lplan *agg = em_az_new_node(az, EM_LP_AGGREGATE, NULL, 1);
  em_lplan *lim = em_az_new_node(az, EM_LP_LIMIT, NULL, 1);
  em_lplan *srt = em_az_new_node(az, EM_LP_SORT, NULL, 1);
  if (!agg || !lim || !srt) return oom(az);
  agg->child = child;
  agg->out[0] = (em_attr){.name = (char *)pname, .type = px->type, .nullable = px->nullable, .id = em_az_next_id(az)};
  agg->u.agg.keys = em_arena_calloc(A, sizeof(em_expr *) * 2);
  agg->u.agg.outputs = em_arena_calloc(A, sizeof(em_expr *) * 2);
  if (!agg->u.agg.keys || !agg->u.agg.outputs) return oom(az);
  agg->u.agg.keys[0] = px;
  agg->u.agg.nkeys = 1;
  if (!(agg->u.agg.outputs[0] = em_az_col(az, agg, 0))) return -1;
  int max = az->ctx->pivot_max_values > 0 ? az->ctx->pivot_max_values : 10000;
  lim->child = agg;
  lim->out[0] = agg->out[0];
  lim->u.limit.n = (int64_t)max + 1;
  srt->child = lim;
  srt->out[0] = agg->out[0];
  srt->u.sort.keys = em_arena_calloc(A, sizeof(em_expr *) * 2);
  srt->u.sort.ascending = em_arena_calloc(A, sizeof(bool) * 2);
  srt->u.sort.nulls_first = em_arena_calloc(A, sizeof(bool) * 2);
  if (!srt->u.sort.keys || !srt->u.sort.ascending || !srt->u.sort.nulls_first) return oom(az);
  if (!(srt->u.sort.keys[0] = em_az_col(az, lim, 0))) return -1;
  srt->u.sort.ascending[0] = srt->u.sort.nulls_first[0] = true;
  srt->u.sort.nkeys = 1;
  srt->u.sort.global = true;
  em_batch **bs = NULL;
  int nb = 0;
  if (em_az_run_subplan(az, srt, &bs, &nb)) return -1;
  int64_t total = 0;
  for (int i = 0; i < nb; i++) total += bs[i]->nrows;
  int rc = 0;
  if (total > max) {
    char mx[24];
    snprintf(mx, sizeof mx, "%d", max);
    em_error_set(az->err, EM_ERR_PIVOT_MAX_VALUES, "config", "spark.sql.pivotMaxValues", "maxValues", mx,
                 "pivotColumn", pname, NULL);
    /* A legacy class: Spark's message has no [CLASS] prefix. */
    snprintf(az->err->msg, sizeof az->err->msg,
             "The pivot column %s has more than %d distinct values, this could indicate an error. If this was "
             "intended, set spark.sql.pivotMaxValues to at least the number of distinct values of the pivot "
             "column.",
             pname, max);
    rc = -1;
  }
  *vals = rc ? NULL : em_arena_calloc(A, sizeof(em_vec *) * (size_t)(total + 1));
  if (!rc && !*vals) rc = oom(az);
  int k = 0;
  for (int i = 0; i < nb && !rc; i++)
    for (int64_t j = 0; j < bs[i]->nrows && !rc; j++) {
      em_vec *v = em_vec_slice_copy(bs[i]->cols[0], j, 1);
      if (!v || em_az_own_vec(az, v)) { /* released on failure */
        rc = oom(az);
      } else {
        (*vals)[k++] = v;
      }
    }
  em_batches_free(bs, nb);
  *nvals = k;
  return rc;
}

/* Spark's outputName: the value cast to a string, "null" for NULL. */
static char *value_name(em_az *az, em_vec *v) {
  if (em_vec_is_null(v, 0)) return "null";
  em_eval_ctx ectx = {.timezone = az->ctx->timezone, .ansi = false};
  em_vec *s = NULL;
  em_error e;
  em_error_clear(&e);
  if (em_cast_vec(v, em_type_string(), false, &ectx, &s, &e)) return "?";
  char *out = "null";
  if (!em_vec_is_null(s, 0)) {
    int32_t len;
    const char *p = em_vec_str(s, 0, &len);
    out = em_arena_strndup(&az->plan->arena, p, (size_t)len);
  }
  em_vec_unref(s);
  return out;
}

em_lplan *em_az_resolve_pivot(em_az *az, const em_spec_rel *r, em_lplan *child) {
  em_arena *A = &az->plan->arena;
  int ng = r->u.aggregate.ngroups, na = r->u.aggregate.naggs;
  if (!r->u.aggregate.pivot_col) {
    em_error_set(az->err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.Aggregate", "name", "pivot", NULL);
    return NULL;
  }
  char *pname = NULL, *pmeta = NULL;
  em_expr *px = em_az_resolve_expr(az, r->u.aggregate.pivot_col, child, &pname, &pmeta);
  if (!px) return NULL;

  /* The values, cast to the pivot column's type. */
  em_vec **vals = r->u.aggregate.pivot_values;
  int nv = r->u.aggregate.npivot_values;
  if (!vals && collect_values(az, r, child, px, pname, &vals, &nv)) return NULL;
  em_vec **typed = em_arena_calloc(A, sizeof(em_vec *) * (size_t)(nv + 1));
  if (!typed) return oom(az), NULL;
  em_eval_ctx ectx = {.timezone = az->ctx->timezone, .ansi = false};
  for (int i = 0; i < nv; i++) {
    if (em_type_equal(vals[i]->type, px->type, false)) {
      typed[i] = vals[i];
      continue;
    }
    if (em_cast_vec(vals[i], px->type, false, &ectx, &typed[i], az->err)) return NULL;
    if (em_az_own_vec(az, typed[i])) return oom(az), NULL; /* released on failure */
  }

  /* 1. GROUP BY g..., p computing the aggregates. */
  em_spec_rel *r1 = em_arena_alloc(A, sizeof *r1);
  em_spec_expr **g1 = em_arena_calloc(A, sizeof *g1 * (size_t)(ng + 2));
  if (!r1 || !g1) return oom(az), NULL;
  *r1 = *r;
  r1->plan_id = -1;
  r1->u.aggregate.group_type = EM_GROUP_BY;
  for (int i = 0; i < ng; i++) g1[i] = r->u.aggregate.groups[i];
  g1[ng] = r->u.aggregate.pivot_col;
  r1->u.aggregate.groups = g1;
  r1->u.aggregate.ngroups = ng + 1;
  r1->u.aggregate.pivot_col = NULL;
  r1->u.aggregate.pivot_values = NULL;
  em_lplan *first = em_az_resolve_aggregate(az, r1, child);
  if (!first) return NULL;

  /* 2. GROUP BY g... picking each (value, aggregate) cell. */
  int nout = ng + nv * na;
  em_lplan *n = em_az_new_node(az, EM_LP_AGGREGATE, r, nout);
  if (!n) return oom(az), NULL;
  n->child = first;
  n->u.agg.keys = em_arena_calloc(A, sizeof(em_expr *) * (size_t)(ng + 1));
  n->u.agg.aggs = em_arena_calloc(A, sizeof(em_expr *) * (size_t)(nv * na + 1));
  n->u.agg.outputs = em_arena_calloc(A, sizeof(em_expr *) * (size_t)(nout + 1));
  if (!n->u.agg.keys || !n->u.agg.aggs || !n->u.agg.outputs) return oom(az), NULL;
  for (int i = 0; i < ng; i++) {
    if (!(n->u.agg.keys[i] = em_az_col(az, first, i))) return NULL;
    n->out[i] = first->out[i];
    if (!(n->u.agg.outputs[i] = em_az_col(az, first, i))) return NULL;
    n->u.agg.outputs[i]->u.column = i;
  }
  em_vec *t = em_vec_new(em_type_boolean(), 1);
  if (!t || em_vec_append_bool(t, true)) {
    em_vec_unref(t);
    return oom(az), NULL;
  }
  em_expr *true_lit = em_az_lit(az, t);
  em_vec_unref(t);
  if (!true_lit) return NULL;
  int k = 0;
  for (int v = 0; v < nv; v++) {
    char *vname = value_name(az, vals[v]);
    if (!vname) return oom(az), NULL;
    for (int j = 0; j < na; j++, k++) {
      const em_attr *aa = &first->out[ng + 1 + j];
      em_expr *pcol = em_az_col(az, first, ng), *acol = em_az_col(az, first, ng + 1 + j);
      em_expr *vlit = em_az_lit(az, typed[v]);
      if (!pcol || !acol || !vlit) return NULL;
      char *nm = NULL;
      em_expr *eq_args[2] = {pcol, vlit};
      em_expr *eq = em_az_call(az, "<=>", eq_args, NULL, 2, &nm);
      if (!eq) return NULL;
      em_expr *nul = em_az_null_lit(az, aa->type);
      if (!nul) return NULL;
      em_expr *if_args[3] = {eq, acol, nul};
      em_expr *cell = em_az_call(az, "if", if_args, NULL, 3, &nm);
      if (!cell) return NULL;
      em_expr *first_args[2] = {cell, true_lit};
      em_expr *pick = em_az_call(az, "first", first_args, NULL, 2, &nm);
      if (!pick) return NULL;
      n->u.agg.aggs[k] = pick;
      em_attr *o = &n->out[ng + k];
      o->name = na == 1 ? vname : em_arena_printf(A, "%s_%s", vname, aa->name);
      if (!o->name) return oom(az), NULL;
      o->type = pick->type;
      o->nullable = true;
      o->id = em_az_next_id(az);
      em_expr *oc = em_arena_calloc(A, sizeof *oc);
      if (!oc) return oom(az), NULL;
      oc->kind = EM_EX_COLUMN;
      oc->u.column = ng + k;
      oc->type = pick->type;
      oc->nullable = true;
      n->u.agg.outputs[ng + k] = oc;
    }
  }
  n->u.agg.nkeys = ng;
  n->u.agg.naggs = nv * na;
  return n;
}
