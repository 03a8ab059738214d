/*
 * Eager sub-queries of the analyzer: Spark computes some relations by
 * running a query while it plans them (the distinct values of a pivot
 * column, crosstab's columns, approxQuantile's summaries). The analyzer
 * asks through em_analyze_ctx.run_subplan; this runs the sub-plan on the
 * executor with the session's settings and hands back all its batches.
 */
#include "connect_int.h"

#include <string.h>

typedef struct collected {
  em_batch **b;
  int n, cap;
} collected;

static int collect_batch(void *user, em_batch *b, em_error *err) {
  collected *c = user;
  if (c->n == c->cap) {
    int nc = c->cap ? c->cap * 2 : 8;
    em_batch **nb = em_realloc(c->b, sizeof *nb * (size_t)nc);
    if (!nb) return em_error_internal(err, "out of memory collecting a sub-query");
    c->b = nb;
    c->cap = nc;
  }
  c->b[c->n++] = em_batch_ref(b);
  return 0;
}

static int run_subplan(void *user, const em_plan *plan, em_batch ***out, int *nout, em_error *err) {
  em_session *sess = user;
  char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, 0);
  em_exec_ctx ctx = {
      .mem = &mem,
      .eval = {.timezone = tz, .ansi = em_session_conf_bool(sess, "spark.sql.ansi.enabled", true)},
      .batch_rows = 10000,
  };
  collected c = {0};
  int rc = em_exec_run(plan, &ctx, collect_batch, &c, err);
  em_free(tz);
  if (rc) {
    em_batches_free(c.b, c.n);
    return -1;
  }
  *out = c.b;
  *nout = c.n;
  return 0;
}

void em_session_subplan_ctx(em_session *sess, em_analyze_ctx *ctx) {
  ctx->run_subplan = run_subplan;
  ctx->run_user = sess;
  ctx->pivot_max_values = (int)em_session_conf_int(sess, "spark.sql.pivotMaxValues", 10000);
}
