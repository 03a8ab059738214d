/*
 * Which error a failing query reports: with every partition failing on
 * its first row, the error is always the lowest partition's, whichever
 * task fails first in time (streamed results, and a pipeline ending in an
 * aggregate), as the result order of collect() is.
 */
#include "runner.h"

#include <stdatomic.h>
#include <string.h>

#include "exec/exec.h"
#include "plan/plan.h"
#include "spec/spec.h"
#include "spec_build.h"

static _Atomic int64_t ids = 1;

static int drop(void *user, em_batch *b, em_error *err) {
  (void)user, (void)b, (void)err;
  return 0;
}

/* CAST(concat('x', id) AS INT): CAST_INVALID_INPUT naming the row's value,
 * so the message says which partition failed ('x0' is partition 0's). */
static em_spec_expr *failing(void) {
  em_vec *x = em_vec_new(em_type_string(), 1);
  CHECK(em_vec_append_bytes(x, "x", 1) == 0);
  em_spec_expr *s = fn("concat", 2, lit_vec(x), cast_to(col("id"), em_type_string()));
  return alias(cast_to(s, em_type_int()), "v");
}

static void expect_first_partition(em_spec_rel *rel) {
  for (int run = 0; run < 100; run++) {
    em_analyze_ctx actx = {.ansi = true, .default_parallelism = 8, .next_expr_id = &ids};
    em_plan *plan = NULL;
    em_error err;
    CHECK(em_analyze(rel, &actx, &plan, &err) == 0);
    em_memtracker mem;
    em_memtracker_init(&mem, NULL, 0);
    em_exec_ctx ctx = {.mem = &mem, .batch_rows = 1024, .threads = 2};
    ctx.eval.ansi = true;
    ctx.eval.timezone = "UTC";
    CHECK(em_exec_run(plan, &ctx, drop, NULL, &err) != 0);
    em_plan_free(plan);
    CHECK_EQ_STR(em_errclass_name(err.cls), "CAST_INVALID_INPUT");
    if (!strstr(err.msg, "'x0'")) fprintf(stderr, "reported: %s\n", err.msg);
    CHECK(strstr(err.msg, "'x0'") != NULL);
  }
}

TEST(streamed_reports_lowest_partition) {
  em_spec_init(&S);
  expect_first_partition(project(range_rel(0, 80000, 8), 1, failing()));
  em_spec_release(&S);
}

TEST(aggregate_reports_lowest_partition) {
  em_spec_init(&S);
  em_spec_expr *aggs[] = {fn("max", 1, failing())};
  expect_first_partition(agg_rel(range_rel(0, 80000, 8), NULL, 0, aggs, 1));
  em_spec_release(&S);
}

TEST_LIST{
    TEST_ENTRY(streamed_reports_lowest_partition),
    TEST_ENTRY(aggregate_reports_lowest_partition),
    TEST_END,
};
