/*
 * Repartitioning relations: repartition(n) (round robin), repartition(n,
 * cols) (hash), repartitionByRange(n, cols) (range), coalesce(n) (adjacent
 * partitions merged without a shuffle) and df.hint(...).
 *
 * Spark's rules, as its analyzer and optimizer apply them:
 *  - RepartitionByExpression partitions by range when every expression is a
 *    sort order, by hash when none is; one partition is SinglePartition.
 *    Without a count it uses spark.sql.shuffle.partitions and adaptive
 *    execution coalesces the output (EM_LP_EXCHANGE.adaptive).
 *  - CollapseRepartition: a repartition right over another repartition
 *    replaces it, except a coalesce over a shuffle, which stays when it
 *    asks for fewer partitions and disappears otherwise; a
 *    repartition-by-expression also drops a global sort right below it. A
 *    dropped node becomes an identity projection here, so references to
 *    its DataFrame (plan id) still resolve.
 *  - Column pruning and filter pushdown, which change what a round-robin
 *    exchange sorts and deals, are optimizer rules (optimize.c).
 *  - Hints: BROADCAST / SHUFFLE_MERGE / SHUFFLE_HASH / SHUFFLE_REPLICATE_NL
 *    (and their aliases) flag the node for the join planner; COALESCE,
 *    REPARTITION and REPARTITION_BY_RANGE become the operators above;
 *    unknown hints are ignored, as Spark ignores them with a warning.
 */
#include "analyzer_int.h"

#include <stdio.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

/* An identity projection over child carrying r's plan id. */
static em_lplan *identity(em_az *az, const em_spec_rel *r, em_lplan *child) {
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(child->nout + 1));
  if (!xs) return oom(az), NULL;
  for (int i = 0; i < child->nout; i++)
    if (!(xs[i] = em_az_col(az, child, i))) return NULL;
  return em_az_project(az, r, child, xs, child->nout);
}

/* Turns node n (keeping its plan id and attributes) into a no-op. */
static int make_identity(em_az *az, em_lplan *n) {
  em_lplan *c = n->child;
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(c->nout + 1));
  if (!xs) return oom(az);
  for (int i = 0; i < c->nout; i++)
    if (!(xs[i] = em_az_col(az, c, i))) return -1;
  n->kind = EM_LP_PROJECT;
  memset(&n->u, 0, sizeof n->u);
  n->u.project.exprs = xs;
  return 0;
}

static bool is_repartition(const em_lplan *n) { return n->kind == EM_LP_EXCHANGE || n->kind == EM_LP_COALESCE; }

static int repartition_count(const em_lplan *n) {
  return n->kind == EM_LP_EXCHANGE ? n->u.exchange.num_partitions : n->u.coalesce.num_partitions;
}

static int positive_count(em_az *az, int n) {
  if (n > 0) return 0;
  char msg[96];
  snprintf(msg, sizeof msg, "requirement failed: Number of partitions (%d) must be positive.", n);
  return em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
}

static em_lplan *new_exchange(em_az *az, const em_spec_rel *r, em_lplan *child, em_part_mode mode, int n,
                              bool adaptive) {
  em_lplan *e = em_az_pass_through(az, EM_LP_EXCHANGE, r, child);
  if (!e) return NULL;
  e->u.exchange.mode = n == 1 && mode != EM_PART_ROUND_ROBIN ? EM_PART_SINGLE : mode;
  e->u.exchange.num_partitions = n;
  e->u.exchange.adaptive = adaptive && !az->ctx->no_adaptive_coalesce;
  e->u.exchange.unsorted = az->ctx->repartition_unsorted;
  e->u.exchange.sample_size = az->ctx->range_sample_size > 0 ? az->ctx->range_sample_size : 100;
  e->u.exchange.min_partitions = az->ctx->default_parallelism > 0 ? az->ctx->default_parallelism : 1;
  return e;
}

static int shuffle_partitions(const em_az *az) {
  return az->ctx->shuffle_partitions > 0 ? az->ctx->shuffle_partitions : 200;
}

/* repartition(n) / coalesce(n) over child, with CollapseRepartition. */
static em_lplan *repartition(em_az *az, const em_spec_rel *r, em_lplan *child, int n, bool shuffle) {
  if (positive_count(az, n)) return NULL;
  if (is_repartition(child)) {
    if (!shuffle && child->kind == EM_LP_EXCHANGE) {
      /* A coalesce over a shuffle: kept only when it reduces. */
      if (n >= repartition_count(child)) return identity(az, r, child);
    } else if (make_identity(az, child)) {
      return NULL;
    }
  }
  if (shuffle) return new_exchange(az, r, child, EM_PART_ROUND_ROBIN, n, false);
  em_lplan *c = em_az_pass_through(az, EM_LP_COALESCE, r, child);
  if (c) c->u.coalesce.num_partitions = n;
  return c;
}

/* Resolves the sort orders of a range exchange. */
static int range_keys(em_az *az, em_lplan *e, em_spec_expr *const *orders, int n, em_lplan *child) {
  e->u.exchange.keys = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  e->u.exchange.ascending = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(n + 1));
  e->u.exchange.nulls_first = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(n + 1));
  if (!e->u.exchange.keys || !e->u.exchange.ascending || !e->u.exchange.nulls_first) return oom(az);
  for (int i = 0; i < n; i++) {
    const em_spec_expr *o = orders[i];
    bool asc = o->u.sort.ascending;
    bool nf = o->u.sort.nulls == EM_NULLS_DEFAULT ? asc : o->u.sort.nulls == EM_NULLS_FIRST;
    char *name = NULL, *meta = NULL;
    em_expr *x = em_az_resolve_expr(az, o->u.sort.child, child, &name, &meta);
    if (!x) return -1;
    if (!em_sort_type_supported(x->type)) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_putc(&sb, '"');
      em_type_sql(x->type, &sb);
      em_strbuf_putc(&sb, '"');
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_INVALID_ORDERING_TYPE, "sqlExpr",
                   em_arena_printf(&az->plan->arena, "\"%s %s NULLS %s\"", name, asc ? "ASC" : "DESC",
                                   nf ? "FIRST" : "LAST"),
                   "functionName", "`sortorder`", "dataType", sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      if (o->origin_fragment) em_error_set_context(az->err, o->origin_fragment, o->origin_call_site);
      return -1;
    }
    e->u.exchange.keys[i] = x;
    e->u.exchange.ascending[i] = asc;
    e->u.exchange.nulls_first[i] = nf;
  }
  e->u.exchange.nkeys = n;
  return 0;
}

static int hash_keys(em_az *az, em_lplan *e, em_spec_expr *const *exprs, int n, em_lplan *child) {
  e->u.exchange.keys = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  if (!e->u.exchange.keys) return oom(az);
  for (int i = 0; i < n; i++) {
    char *name = NULL, *meta = NULL;
    if (!(e->u.exchange.keys[i] = em_az_resolve_expr(az, exprs[i], child, &name, &meta))) return -1;
  }
  e->u.exchange.nkeys = n;
  return 0;
}

/* RepartitionByExpression(exprs, n): n <= 0 means "not given". */
static em_lplan *repartition_by(em_az *az, const em_spec_rel *r, em_lplan *child, em_spec_expr *const *exprs,
                                int nexprs, int n, bool given) {
  if (given && positive_count(az, n)) return NULL;
  int nsort = 0;
  for (int i = 0; i < nexprs; i++) nsort += exprs[i]->kind == EM_SE_SORT_ORDER;
  if (nsort > 0 && nsort < nexprs) {
    em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                 "requirement failed: RepartitionByExpression expects that either all its `partitionExpressions` are "
                 "of type `SortOrder`, which means `RangePartitioning`, or none of them are `SortOrder`, which means "
                 "`HashPartitioning`.",
                 NULL);
    return NULL;
  }
  /* CollapseRepartition: a global sort or a repartition right below is
   * pointless. */
  if (is_repartition(child) || (child->kind == EM_LP_SORT && child->u.sort.global))
    if (make_identity(az, child)) return NULL;
  int count = given ? n : shuffle_partitions(az);
  em_part_mode mode = nexprs == 0 ? EM_PART_ROUND_ROBIN : nsort ? EM_PART_RANGE : EM_PART_HASH;
  em_lplan *e = new_exchange(az, r, child, mode, count, !given);
  if (!e) return NULL;
  if (mode == EM_PART_RANGE && range_keys(az, e, exprs, nexprs, child)) return NULL;
  if (mode == EM_PART_HASH && hash_keys(az, e, exprs, nexprs, child)) return NULL;
  return e;
}

/* ---- hints ---- */

static bool name_in(const char *name, const char *const *names) {
  for (; *names; names++)
    if (em_strcaseeq(name, *names)) return true;
  return false;
}

static bool int_param(const em_spec_expr *e, int *out) {
  if (e->kind != EM_SE_LITERAL || e->u.lit.value->type->id != EM_T_INT || em_vec_is_null(e->u.lit.value, 0))
    return false;
  *out = ((const int32_t *)em_vec_values(e->u.lit.value))[0];
  return true;
}

/* A string hint parameter names a column (UnresolvedAttribute.quoted). */
static em_spec_expr *column_param(em_spec *tmp, const em_spec_expr *e, bool as_sort) {
  if (e->kind == EM_SE_LITERAL && em_type_is_string_like(e->u.lit.value->type) && !em_vec_is_null(e->u.lit.value, 0)) {
    int32_t len;
    const char *s = em_vec_str(e->u.lit.value, 0, &len);
    em_spec_expr *a = em_spec_expr_new(tmp, EM_SE_ATTR);
    if (!a) return NULL;
    a->u.attr.parts = em_spec_array(tmp, 1, sizeof(char *));
    if (!a->u.attr.parts || !(a->u.attr.parts[0] = em_spec_strndup(tmp, s, (size_t)len))) return NULL;
    a->u.attr.nparts = 1;
    a->u.attr.plan_id = -1;
    if (!as_sort) return a;
    em_spec_expr *o = em_spec_expr_new(tmp, EM_SE_SORT_ORDER);
    if (!o) return NULL;
    o->u.sort.child = a;
    o->u.sort.ascending = true;
    return o;
  }
  return (em_spec_expr *)e;
}

static int hint_param_error(em_az *az, const char *hint, const em_spec_expr *p) {
  (void)p;
  return em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                      em_arena_printf(&az->plan->arena, "%s Hint parameter should include columns", hint), NULL);
}

static em_lplan *resolve_hint(em_az *az, const em_spec_rel *r, em_lplan *child) {
  static const char *const broadcast[] = {"BROADCAST", "BROADCASTJOIN", "MAPJOIN", NULL};
  static const char *const merge[] = {"SHUFFLE_MERGE", "MERGEJOIN", "MERGE", NULL};
  static const char *const shash[] = {"SHUFFLE_HASH", NULL};
  static const char *const nl[] = {"SHUFFLE_REPLICATE_NL", NULL};
  const char *name = r->u.hint.name;
  int np = r->u.hint.nparams;
  em_spec_expr *const *ps = r->u.hint.params;
  unsigned flag = name_in(name, broadcast) ? EM_HINT_BROADCAST
                  : name_in(name, merge)   ? EM_HINT_SHUFFLE_MERGE
                  : name_in(name, shash)   ? EM_HINT_SHUFFLE_HASH
                  : name_in(name, nl)      ? EM_HINT_SHUFFLE_REPLICATE_NL
                                           : 0;
  if (flag || (!em_strcaseeq(name, "COALESCE") && !em_strcaseeq(name, "REPARTITION") &&
               !em_strcaseeq(name, "REPARTITION_BY_RANGE"))) {
    /* Join hints with table names apply to those tables only: without a
     * matching alias they are dropped, like unknown hints. */
    em_lplan *n = identity(az, r, child);
    if (n && flag && np == 0) n->hints |= flag;
    return n;
  }
  int count = 0;
  if (em_strcaseeq(name, "COALESCE")) {
    if (np != 1 || !int_param(ps[0], &count)) {
      em_error_set(az->err, EM_ERR_HINT_PARTITION_NUMBER, "hintName", "COALESCE", NULL);
      snprintf(az->err->msg, sizeof az->err->msg, "COALESCE Hint expects a partition number as a parameter.");
      return NULL;
    }
    return repartition(az, r, child, count, false);
  }
  bool by_range = em_strcaseeq(name, "REPARTITION_BY_RANGE");
  const char *upper = by_range ? "REPARTITION_BY_RANGE" : "REPARTITION";
  if (!by_range && np == 1 && int_param(ps[0], &count)) return repartition(az, r, child, count, true);
  bool given = np > 0 && int_param(ps[0], &count);
  int first = given ? 1 : 0;
  em_spec tmp;
  em_spec_init(&tmp);
  em_spec_expr **cols = em_spec_array(&tmp, (size_t)(np + 1), sizeof(em_spec_expr *));
  em_lplan *out = NULL;
  int nc = 0;
  if (!cols) {
    oom(az);
    goto done;
  }
  for (int i = first; i < np; i++) {
    em_spec_expr *c = column_param(&tmp, ps[i], by_range);
    if (!c) {
      oom(az);
      goto done;
    }
    if (c == ps[i] && !(by_range && c->kind == EM_SE_SORT_ORDER)) {
      hint_param_error(az, upper, ps[i]);
      goto done;
    }
    cols[nc++] = c;
  }
  if (by_range && nc == 0) {
    hint_param_error(az, upper, NULL);
    goto done;
  }
  out = repartition_by(az, r, child, cols, nc, count, given);
done:
  em_spec_release(&tmp);
  return out;
}

em_lplan *em_az_resolve_partitioning(em_az *az, const em_spec_rel *r, em_lplan *child) {
  switch (r->kind) {
  case EM_SR_REPARTITION: {
    int n = r->u.repartition.num_partitions;
    /* -1 without shuffle: SQL VALUES spread as Spark's LocalTableScan (parse_query.c). */
    if (n == -1 && !r->u.repartition.shuffle)
      n = az->ctx->default_parallelism > 0 ? az->ctx->default_parallelism : 1;
    return repartition(az, r, child, n, r->u.repartition.shuffle);
  }
  case EM_SR_REPARTITION_BY_EXPR: {
    int n = r->u.repart_expr.num_partitions;
    return repartition_by(az, r, child, r->u.repart_expr.exprs, r->u.repart_expr.nexprs, n < 0 ? 0 : n, n != 0);
  }
  case EM_SR_HINT:
    return resolve_hint(az, r, child);
  default:
    em_error_internal(az->err, "not a repartitioning relation");
    return NULL;
  }
}
