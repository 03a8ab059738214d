/*
 * The statistics relations, planned as Spark's StatFunctions does:
 *
 *  - cov / corr: one global aggregate, covar_samp / corr over the columns
 *    cast to DOUBLE with NULL read as 0.0; a NULL result is 0.0 (cov) or
 *    NaN (corr); the column is named "cov" / "corr". Non-numeric columns
 *    fail with Spark's "requirement failed" IllegalArgumentException.
 *  - summary(stats...) / describe(cols...): for every numeric or string
 *    column, every statistic as an aggregate cast to STRING (count, count_
 *    distinct, approx_count_distinct and min/max over the column; mean,
 *    stddev and percentiles over it cast to DOUBLE, try_cast for strings;
 *    "p%" is percentile_approx(c, p / 100, 10000)), all in one global
 *    aggregate; then an Expand with one projection per statistic builds
 *    the rows [statistic, value of each column]. describe selects its
 *    columns first and asks for count, mean, stddev, min, max.
 *
 *  - approxQuantile: Greenwald-Khanna summaries per column (agg_percentile.c)
 *    computed eagerly, the answer a one-row local relation.
 *
 *  - crosstab: a pivot (resolve_pivot.c) of the two columns as strings,
 *    counting, with 0 for missing pairs.
 *
 * sampleBy, freqItems and CollectMetrics (observe) have their own files:
 * resolve_sample_by.c, resolve_freq_items.c, resolve_observe.c.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static int unsupported(em_az *az, const em_spec_rel *r) {
  return em_error_set(az->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Relation", "name",
                      em_spec_rel_kind_name(r->kind), "number",
                      em_arena_printf(&az->plan->arena, "%d", em_spec_rel_kind_field(r->kind)), NULL);
}

static em_expr *dbl_lit(em_az *az, double d) {
  em_vec *v = em_vec_new(em_type_double(), 1);
  if (!v || em_vec_append_fixed(v, &d)) {
    em_vec_unref(v);
    return oom(az), NULL;
  }
  em_expr *x = em_az_lit(az, v);
  em_vec_unref(v);
  return x;
}

static em_expr *str_lit(em_az *az, const char *s) {
  em_vec *v = em_vec_new(em_type_string(), 1);
  if (!v || em_vec_append_bytes(v, s, strlen(s))) {
    em_vec_unref(v);
    return oom(az), NULL;
  }
  em_expr *x = em_az_lit(az, v);
  em_vec_unref(v);
  return x;
}

/* CASE WHEN isnull(e) THEN d ELSE e END. */
static em_expr *null_to(em_az *az, em_expr *e, double d) {
  char *nm = NULL;
  em_expr *isn = em_az_call(az, "isnull", &e, NULL, 1, &nm);
  em_expr *lit = dbl_lit(az, d);
  if (!isn || !lit) return NULL;
  em_expr *args[3] = {isn, lit, e};
  return em_az_call(az, "when", args, NULL, 3, &nm);
}

/* A global aggregate node over child with the given aggregate calls; the
 * outputs are set by the caller over the internal row. */
static em_lplan *global_agg(em_az *az, const em_spec_rel *r, em_lplan *child, em_expr **aggs, int naggs, int nout) {
  em_lplan *n = em_az_new_node(az, EM_LP_AGGREGATE, r, nout);
  if (!n) return oom(az), NULL;
  n->child = child;
  n->u.agg.aggs = aggs;
  n->u.agg.naggs = naggs;
  n->u.agg.keys = em_arena_calloc(&az->plan->arena, sizeof(em_expr *));
  n->u.agg.outputs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(nout + 1));
  if (!n->u.agg.keys || !n->u.agg.outputs) return oom(az), NULL;
  return n;
}

static em_expr *internal_col(em_az *az, int i, em_type *t, bool nullable) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return oom(az), NULL;
  x->kind = EM_EX_COLUMN;
  x->u.column = i;
  x->type = t;
  x->nullable = nullable;
  return x;
}

static em_lplan *resolve_cov_corr(em_az *az, const em_spec_rel *r, em_lplan *child) {
  bool corr = r->kind == EM_SR_STAT_CORR;
  const char *what = corr ? "correlation" : "covariance";
  if (corr && r->u.stat.method && strcmp(r->u.stat.method, "pearson") != 0) {
    em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                 "requirement failed: Currently only the calculation of the Pearson Correlation coefficient is "
                 "supported.",
                 NULL);
    return NULL;
  }
  em_expr *cols[2];
  const char *names[2] = {r->u.stat.col1, r->u.stat.col2};
  for (int i = 0; i < 2; i++) {
    int c = em_az_resolve_df_column(az, child, names[i]);
    if (c < 0) return NULL;
    em_type *t = child->out[c].type;
    if (!em_type_is_numeric(t)) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_type_simple_string(t, &sb);
      char msg[256];
      snprintf(msg, sizeof msg,
               "requirement failed: Currently %s calculation for columns with dataType %s not supported.", what,
               sb.data ? sb.data : "");
      em_strbuf_free(&sb);
      em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
      return NULL;
    }
    em_expr *col = em_az_col(az, child, c);
    em_expr *d = col ? em_az_cast(az, col, em_type_double(), az->ctx->ansi) : NULL;
    if (!d || !(cols[i] = null_to(az, d, 0.0))) return NULL;
  }
  char *nm = NULL;
  em_expr *agg = em_az_call(az, corr ? "corr" : "covar_samp", cols, NULL, 2, &nm);
  if (!agg) return NULL;
  em_expr **aggs = em_arena_calloc(&az->plan->arena, sizeof *aggs * 2);
  if (!aggs) return oom(az), NULL;
  aggs[0] = agg;
  em_lplan *n = global_agg(az, r, child, aggs, 1, 1);
  if (!n) return NULL;
  em_expr *v = internal_col(az, 0, em_type_double(), true);
  if (!v || !(n->u.agg.outputs[0] = null_to(az, v, corr ? (0.0 / 0.0) : 0.0))) return NULL;
  n->out[0] = (em_attr){.name = corr ? "corr" : "cov", .type = em_type_double(), .nullable = n->u.agg.outputs[0]->nullable,
                        .id = em_az_next_id(az)};
  return n;
}

/* Java's String.toDouble for a percentile: a plain decimal number. */
static bool parse_percent(const char *s, double *out) {
  size_t n = strlen(s);
  if (n < 2) return false;
  char buf[64];
  if (n - 1 >= sizeof buf) return false;
  memcpy(buf, s, n - 1);
  buf[n - 1] = '\0';
  char *end = NULL;
  double d = strtod(buf, &end);
  while (end && *end && isspace((unsigned char)*end)) end++;
  if (!end || *end || end == buf) return false;
  *out = d / 100.0;
  return true;
}

static em_lplan *resolve_summary(em_az *az, const em_spec_rel *r, em_lplan *child, char **stats, int ns) {
  em_arena *A = &az->plan->arena;
  static char *dflt[] = {"count", "mean", "stddev", "min", "25%", "50%", "75%", "max"};
  if (ns == 0) {
    stats = dflt;
    ns = 8;
  }
  double *pct = em_arena_calloc(A, sizeof(double) * (size_t)(ns + 1));
  if (!pct) return oom(az), NULL;
  for (int s = 0; s < ns; s++) {
    size_t len = strlen(stats[s]);
    if (len && stats[s][len - 1] == '%') {
      if (!parse_percent(stats[s], &pct[s])) {
        em_error_set(az->err, EM_ERR_UNRECOGNIZED_STATISTIC, "stats", em_arena_printf(A, "'%s'", stats[s]), NULL);
        return NULL;
      }
      if (!(pct[s] >= 0 && pct[s] <= 1)) {
        em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                     "requirement failed: Percentiles must be in the range [0, 1]", NULL);
        return NULL;
      }
    }
  }
  int nc = 0;
  int *cols = em_arena_calloc(A, sizeof(int) * (size_t)(child->nout + 1));
  if (!cols) return oom(az), NULL;
  for (int c = 0; c < child->nout; c++) {
    const em_type *t = child->out[c].type;
    if (!child->out[c].hidden && (em_type_is_numeric(t) || t->id == EM_T_STRING)) cols[nc++] = c;
  }
  int na = nc * ns;
  em_expr **aggs = em_arena_calloc(A, sizeof *aggs * (size_t)(na + 1));
  if (!aggs) return oom(az), NULL;
  em_lplan *g = global_agg(az, NULL, child, aggs, na, na);
  if (!g) return NULL;
  for (int k = 0; k < nc; k++) {
    int c = cols[k];
    em_expr *col = em_az_col(az, child, c);
    if (!col) return NULL;
    em_expr *casted = col;
    if (child->out[c].type->id == EM_T_STRING) {
      /* try_cast: NULL for what does not parse. */
      if (!(casted = em_expr_cast(A, col, em_type_double(), false))) return oom(az), NULL;
      casted->nullable = true;
    }
    char *sql = child->out[c].name;
    for (int s = 0; s < ns; s++) {
      char lower[32];
      size_t len = strlen(stats[s]);
      snprintf(lower, sizeof lower, "%s", stats[s]);
      for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
      char *nm = NULL;
      em_expr *a = NULL;
      if (strcmp(lower, "count") == 0) a = em_az_call(az, "count", &col, &sql, 1, &nm);
      else if (strcmp(lower, "count_distinct") == 0) a = em_az_call_distinct(az, "count", &col, &sql, 1, &nm);
      else if (strcmp(lower, "approx_count_distinct") == 0) a = em_az_call(az, "approx_count_distinct", &col, &sql, 1, &nm);
      else if (strcmp(lower, "mean") == 0) a = em_az_call(az, "avg", &casted, &sql, 1, &nm);
      else if (strcmp(lower, "stddev") == 0) a = em_az_call(az, "stddev", &casted, &sql, 1, &nm);
      else if (strcmp(lower, "min") == 0) a = em_az_call(az, "min", &col, &sql, 1, &nm);
      else if (strcmp(lower, "max") == 0) a = em_az_call(az, "max", &col, &sql, 1, &nm);
      else if (len && stats[s][len - 1] == '%') {
        em_expr *p = dbl_lit(az, pct[s]);
        em_expr *acc = p ? em_expr_literal_long(A, 10000) : NULL;
        if (!acc || em_az_own_vec(az, acc->u.lit)) return oom(az), NULL;
        em_expr *args[3] = {casted, p, acc};
        a = em_az_call(az, "percentile_approx", args, NULL, 3, &nm);
      } else {
        em_error_set(az->err, EM_ERR_UNRECOGNIZED_STATISTIC, "stats", em_arena_printf(A, "'%s'", stats[s]), NULL);
        return NULL;
      }
      if (!a) return NULL;
      int i = k * ns + s;
      aggs[i] = a;
      em_expr *v = internal_col(az, i, a->type, a->nullable);
      if (!v || !(g->u.agg.outputs[i] = em_az_cast(az, v, em_type_string(), false))) return NULL;
      g->out[i] = (em_attr){.name = sql, .type = em_type_string(), .nullable = true, .id = em_az_next_id(az)};
    }
  }
  /* One row per statistic. */
  em_lplan *x = em_az_new_node(az, EM_LP_EXPAND, r, nc + 1);
  if (!x) return oom(az), NULL;
  x->child = g;
  x->out[0] = (em_attr){.name = "summary", .type = em_type_string(), .nullable = true, .id = em_az_next_id(az)};
  for (int k = 0; k < nc; k++)
    x->out[k + 1] = (em_attr){.name = child->out[cols[k]].name, .type = em_type_string(), .nullable = true,
                              .id = em_az_next_id(az)};
  x->u.expand.nprojs = ns;
  x->u.expand.projs = em_arena_calloc(A, sizeof(em_expr **) * (size_t)(ns + 1));
  if (!x->u.expand.projs) return oom(az), NULL;
  for (int s = 0; s < ns; s++) {
    em_expr **p = em_arena_calloc(A, sizeof *p * (size_t)(nc + 2));
    if (!p || !(p[0] = str_lit(az, stats[s]))) return oom(az), NULL;
    for (int k = 0; k < nc; k++)
      if (!(p[k + 1] = em_az_col(az, g, k * ns + s))) return NULL;
    x->u.expand.projs[s] = p;
  }
  return x;
}

static em_lplan *resolve_describe(em_az *az, const em_spec_rel *r, em_lplan *child) {
  static char *stats[] = {"count", "mean", "stddev", "min", "max"};
  em_lplan *in = child;
  if (r->u.stat.ncols > 0) {
    int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)r->u.stat.ncols);
    if (!idx) return oom(az), NULL;
    for (int i = 0; i < r->u.stat.ncols; i++)
      if ((idx[i] = em_az_resolve_df_column(az, child, r->u.stat.cols[i])) < 0) return NULL;
    if (!(in = em_az_project_columns(az, NULL, child, idx, r->u.stat.ncols))) return NULL;
  }
  return resolve_summary(az, r, in, stats, 5);
}

/* approxQuantile: an eager global aggregate of one summary per column,
 * whose arrays become the one row of a local relation
 * [approx_quantile: array<array<double>>], as Spark's planner does. */
static em_lplan *resolve_approx_quantile(em_az *az, const em_spec_rel *r, em_lplan *child) {
  em_arena *A = &az->plan->arena;
  char msg[512];
  double re = r->u.stat.relative_error;
  if (!(re >= 0)) {
    snprintf(msg, sizeof msg, "requirement failed: Relative Error must be non-negative but got %g", re);
    em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
    return NULL;
  }
  int nc = r->u.stat.ncols, np = r->u.stat.nprobs;
  em_expr **aggs = em_arena_calloc(A, sizeof *aggs * (size_t)(nc + 1));
  em_expr **args = em_arena_calloc(A, sizeof *args * (size_t)(np + 3));
  if (!aggs || !args) return oom(az), NULL;
  if (!(args[1] = dbl_lit(az, re))) return NULL;
  for (int k = 0; k < np; k++)
    if (!(args[k + 2] = dbl_lit(az, r->u.stat.probs[k]))) return NULL;
  em_lplan *g = global_agg(az, NULL, child, aggs, nc, nc);
  if (!g) return NULL;
  for (int i = 0; i < nc; i++) {
    int c = em_az_resolve_df_column(az, child, r->u.stat.cols[i]);
    if (c < 0) return NULL;
    if (!em_type_is_numeric(child->out[c].type)) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_type_simple_string(child->out[c].type, &sb);
      snprintf(msg, sizeof msg, "requirement failed: Quantile calculation for column %s with data type %s is not supported.",
               r->u.stat.cols[i], sb.data ? sb.data : "");
      em_strbuf_free(&sb);
      em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
      return NULL;
    }
    char *nm = NULL;
    if (!(args[0] = em_az_col(az, child, c))) return NULL;
    if (!(aggs[i] = em_az_call_def(az, &em_fn_approx_quantile_summary, false, args, NULL, np + 2, &nm))) return NULL;
    if (!(g->u.agg.outputs[i] = internal_col(az, i, aggs[i]->type, false))) return NULL;
    g->out[i] = (em_attr){.name = "q", .type = aggs[i]->type, .id = em_az_next_id(az)};
  }
  em_batch **bs = NULL;
  int nb = 0;
  if (em_az_run_subplan(az, g, &bs, &nb)) return NULL;
  em_type *inner = em_type_array(em_type_double(), false);
  em_type *outer = inner ? em_type_array(inner, false) : NULL;
  em_vec *v = outer ? em_vec_new(outer, 1) : NULL;
  int rc = v ? 0 : -1;
  for (int i = 0; i < nc && !rc; i++) {
    const em_vec *col = NULL;
    for (int b = 0; b < nb && !col; b++)
      if (bs[b]->nrows > 0) col = bs[b]->cols[i];
    rc = col ? em_vec_append_range(v->children[0], col, 0, 1) : -1;
  }
  if (!rc) rc = em_vec_append_list_end(v);
  em_batches_free(bs, nb);
  em_type *st = rc ? NULL : em_type_struct_new(1);
  if (st && em_type_struct_set(st, 0, "approx_quantile", em_type_ref(outer), false, NULL)) {
    em_type_unref(st);
    st = NULL;
  }
  em_vec *cols[1] = {v};
  em_batch *batch = NULL;
  if (st) batch = em_batch_new(st, 1, cols, 1); /* takes st and v, also on failure */
  else em_vec_unref(v);
  if (!outer) em_type_unref(inner);
  else if (em_az_own_type(az, outer)) /* releases outer on failure */
    outer = NULL;
  if (batch && em_az_own_batch(az, batch)) batch = NULL;
  if (!batch || !outer) return oom(az), NULL;
  em_lplan *n = em_az_new_node(az, EM_LP_LOCAL, r, 1);
  em_batch **arr = em_arena_calloc(A, sizeof *arr * 2);
  if (!n || !arr) return oom(az), NULL;
  arr[0] = batch;
  n->out[0] = (em_attr){.name = "approx_quantile", .type = outer, .id = em_az_next_id(az)};
  n->u.local.batches = arr;
  n->u.local.nbatches = 1;
  n->u.local.max_partitions = 1;
  return n;
}

/* ---- crosstab: groupBy(k).pivot(v).count().na.fill(0), where k and v are
 * the columns as strings with NULL as "null" (StatFunctions.crossTabulate) ---- */

static em_spec_expr *sx(em_az *az, em_spec_expr_kind kind) {
  em_spec_expr *e = em_arena_calloc(&az->plan->arena, sizeof *e);
  if (!e) return oom(az), NULL;
  e->kind = kind;
  return e;
}

static em_spec_expr *sx_func(em_az *az, const char *name, em_spec_expr **args, int n) {
  em_spec_expr *e = sx(az, EM_SE_FUNC);
  em_spec_expr **a = em_arena_calloc(&az->plan->arena, sizeof *a * (size_t)(n + 1));
  if (!e || !a) return oom(az), NULL;
  memcpy(a, args, sizeof *a * (size_t)n);
  e->u.func.name = (char *)name;
  e->u.func.args = a;
  e->u.func.nargs = n;
  return e;
}

/* when(isnull(col), "null").otherwise(cast(col as string)) */
static em_spec_expr *null_as_text(em_az *az, const char *col) {
  em_spec_expr *attr = sx(az, EM_SE_ATTR), *lit = sx(az, EM_SE_LITERAL), *cast = sx(az, EM_SE_CAST);
  char **parts = em_arena_calloc(&az->plan->arena, sizeof *parts * 2);
  em_vec *v = em_vec_new(em_type_string(), 1);
  if (!attr || !lit || !cast || !parts || !v || em_vec_append_bytes(v, "null", 4)) {
    em_vec_unref(v);
    return oom(az), NULL;
  }
  if (em_az_own_vec(az, v)) return oom(az), NULL;
  parts[0] = (char *)col;
  attr->u.attr.parts = parts;
  attr->u.attr.nparts = 1;
  attr->u.attr.plan_id = -1;
  lit->u.lit.value = v;
  cast->u.cast.child = attr;
  cast->u.cast.type = em_type_string();
  em_spec_expr *isn = sx_func(az, "isnull", &attr, 1);
  if (!isn) return NULL;
  em_spec_expr *args[3] = {isn, lit, cast};
  return sx_func(az, "when", args, 3);
}

static em_lplan *resolve_crosstab(em_az *az, const em_spec_rel *r, em_lplan *child) {
  em_arena *A = &az->plan->arena;
  em_spec_expr *k = null_as_text(az, r->u.stat.col1), *v = null_as_text(az, r->u.stat.col2);
  em_spec_expr *alias = sx(az, EM_SE_ALIAS), *one = sx(az, EM_SE_LITERAL);
  char **names = em_arena_calloc(A, sizeof *names * 2);
  em_spec_expr **groups = em_arena_calloc(A, sizeof *groups * 2), **aggs = em_arena_calloc(A, sizeof *aggs * 2);
  em_spec_rel *pr = em_arena_calloc(A, sizeof *pr);
  if (!k || !v || !alias || !one || !names || !groups || !aggs || !pr) return oom(az), NULL;
  if (!(names[0] = em_arena_printf(A, "%s_%s", r->u.stat.col1, r->u.stat.col2))) return oom(az), NULL;
  alias->u.alias.child = k;
  alias->u.alias.names = names;
  alias->u.alias.nnames = 1;
  em_expr *lit1 = em_expr_literal_long(A, 1);
  if (!lit1 || em_az_own_vec(az, lit1->u.lit)) return oom(az), NULL;
  one->u.lit.value = lit1->u.lit;
  groups[0] = alias;
  if (!(aggs[0] = sx_func(az, "count", &one, 1))) return NULL;
  pr->kind = EM_SR_AGGREGATE;
  pr->plan_id = -1;
  pr->u.aggregate.group_type = EM_GROUP_PIVOT;
  pr->u.aggregate.groups = groups;
  pr->u.aggregate.ngroups = 1;
  pr->u.aggregate.aggs = aggs;
  pr->u.aggregate.naggs = 1;
  pr->u.aggregate.pivot_col = v;
  em_lplan *pv = em_az_resolve_pivot(az, pr, child);
  if (!pv) return NULL;
  /* na.fill(0): the counts of missing pairs are 0, and never NULL. */
  em_expr **xs = em_arena_calloc(A, sizeof *xs * (size_t)(pv->nout + 1));
  if (!xs) return oom(az), NULL;
  em_expr *zero = em_expr_literal_long(A, 0);
  if (!zero || em_az_own_vec(az, zero->u.lit)) return oom(az), NULL;
  for (int i = 0; i < pv->nout; i++) {
    if (!(xs[i] = em_az_col(az, pv, i))) return NULL;
    if (i == 0) continue;
    char *nm = NULL;
    em_expr *args[2] = {xs[i], zero};
    if (!(xs[i] = em_az_call(az, "coalesce", args, NULL, 2, &nm))) return NULL;
  }
  em_lplan *p = em_az_project(az, r, pv, xs, pv->nout);
  if (!p) return NULL;
  for (int i = 1; i < pv->nout; i++) {
    p->out[i].name = pv->out[i].name;
    p->out[i].nullable = false;
  }
  return p;
}

em_lplan *em_az_resolve_stat(em_az *az, const em_spec_rel *r, em_lplan *child) {
  switch (r->kind) {
  case EM_SR_STAT_COV:
  case EM_SR_STAT_CORR:
    return resolve_cov_corr(az, r, child);
  case EM_SR_STAT_SUMMARY:
    return resolve_summary(az, r, child, r->u.stat.cols, r->u.stat.ncols);
  case EM_SR_STAT_DESCRIBE:
    return resolve_describe(az, r, child);
  case EM_SR_STAT_APPROX_QUANTILE:
    return resolve_approx_quantile(az, r, child);
  case EM_SR_STAT_CROSSTAB:
    return resolve_crosstab(az, r, child);
  case EM_SR_STAT_SAMPLE_BY:
    return em_az_resolve_sample_by(az, r, child);
  case EM_SR_STAT_FREQ_ITEMS:
    return em_az_resolve_freq_items(az, r, child);
  case EM_SR_COLLECT_METRICS:
    return em_az_resolve_observe(az, r, child);
  default:
    unsupported(az, r);
    return NULL;
  }
}
