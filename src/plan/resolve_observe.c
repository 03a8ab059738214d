/*
 * df.observe(name, metrics...): Spark's CollectMetrics. The node passes
 * its input's rows on unchanged (keeping the node's plan id, for df.col
 * references to the observed DataFrame) while the executor accumulates
 * the metrics' aggregate calls over exactly those rows (exec/op_observe.c);
 * after the query the server evaluates each metric over the aggregate
 * results and sends them in ExecutePlanResponse.observed_metrics
 * (connect/observe.c). One computation: metrics over non-deterministic
 * input describe the rows returned.
 *
 * The metrics are checked here as Spark's CheckAnalysis does, each error
 * naming the whole metric (e.g. "id AS x"): a column outside any aggregate
 * (NON_AGGREGATE_FUNC_ARG_IS_ATTRIBUTE), an aggregate inside an aggregate
 * (NESTED_AGGREGATES_UNSUPPORTED), DISTINCT
 * (AGGREGATE_EXPRESSION_WITH_DISTINCT_UNSUPPORTED); an empty name is
 * MISSING_NAME.
 */
#include "analyzer_int.h"

#include <stdio.h>

/* 0 when e is a valid metric; else the error class found. */
static int check(const em_expr *e, bool in_agg, int depth) {
  if (depth > 1000) return 0;
  switch (e->kind) {
  case EM_EX_COLUMN: return in_agg ? 0 : EM_ERR_INVALID_OBSERVED_METRICS_NON_AGGREGATE_FUNC_ARG_IS_ATTRIBUTE;
  case EM_EX_AGG:
    if (in_agg) return EM_ERR_INVALID_OBSERVED_METRICS_NESTED_AGGREGATES_UNSUPPORTED;
    if (e->u.fn.distinct) return EM_ERR_INVALID_OBSERVED_METRICS_AGGREGATE_EXPRESSION_WITH_DISTINCT_UNSUPPORTED;
    in_agg = true;
    break;
  default: break;
  }
  for (int i = 0; i < e->nargs; i++) {
    int c = check(e->args[i], in_agg, depth + 1);
    if (c) return c;
  }
  return 0;
}

em_lplan *em_az_resolve_observe(em_az *az, const em_spec_rel *r, em_lplan *child) {
  const char *name = r->u.metrics.name;
  if (!name || !*name) {
    em_error_set(az->err, EM_ERR_INVALID_OBSERVED_METRICS_MISSING_NAME, "operator", "CollectMetrics", NULL);
    return NULL;
  }
  for (int i = 0; i < r->u.metrics.nmetrics; i++) {
    const em_spec_expr *se = r->u.metrics.metrics[i];
    char *nm = NULL, *meta = NULL;
    em_expr *e = em_az_resolve_expr(az, se, child, &nm, &meta);
    if (!e) return NULL;
    int cls = check(e, false, 0);
    if (!cls) continue;
    /* The metric as Spark prints it: the expression, with its alias. */
    const char *sql = nm ? nm : "";
    char *full = NULL;
    if (se->kind == EM_SE_ALIAS && se->u.alias.nnames == 1) {
      char *inner = NULL;
      if (!em_az_resolve_expr(az, se->u.alias.child, child, &inner, &meta)) return NULL;
      full = em_arena_printf(&az->plan->arena, "\"%s AS %s\"", inner ? inner : "", se->u.alias.names[0]);
    } else {
      full = em_arena_printf(&az->plan->arena, "\"%s\"", sql);
    }
    if (!full) {
      em_error_internal(az->err, "out of memory during analysis");
      return NULL;
    }
    em_error_set(az->err, (em_errclass)cls, "expr", full, NULL);
    /* Spark points at the metric for the aggregate checks, not for a bare column. */
    if (cls != EM_ERR_INVALID_OBSERVED_METRICS_NON_AGGREGATE_FUNC_ARG_IS_ATTRIBUTE && se->origin_fragment)
      em_error_set_context(az->err, se->origin_fragment, se->origin_call_site);
    return NULL;
  }
  /* The node: the child's rows and columns, and the metrics as aggregate
   * calls plus one expression per metric over their results. */
  int nm = r->u.metrics.nmetrics;
  em_lplan *n = em_az_pass_through(az, EM_LP_OBSERVE, r, child);
  em_agg_build b = {.az = az, .child = child, .nkeys = 0, .gid_key = -1};
  if (!n) return NULL;
  n->u.observe.name = em_arena_strdup(&az->plan->arena, name);
  n->u.observe.results = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(nm + 1));
  n->u.observe.names = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(nm + 1));
  if (!n->u.observe.name || !n->u.observe.results || !n->u.observe.names) {
    em_error_internal(az->err, "out of memory during analysis");
    return NULL;
  }
  for (int i = 0; i < nm; i++) {
    char *mname = NULL, *meta = NULL;
    em_expr *e = em_az_resolve_expr(az, r->u.metrics.metrics[i], child, &mname, &meta);
    em_expr *o = e ? em_az_agg_rewrite(&b, e) : NULL;
    if (!o) return NULL;
    n->u.observe.results[i] = o;
    n->u.observe.names[i] = mname ? mname : em_arena_strdup(&az->plan->arena, "");
  }
  n->u.observe.nresults = nm;
  n->u.observe.aggs = b.aggs;
  n->u.observe.naggs = b.naggs;
  return n;
}
