/*
 * The executor without gRPC: spec trees built by hand, analyzed and run,
 * results checked against values computed independently; fault injection
 * over the whole path (every allocation in turn fails: an error, never a
 * crash or a leak).
 */
#include "runner.h"

#include "exec/exec.h"
#include "plan/plan.h"
#include "spec/spec.h"

typedef struct collected {
  int64_t rows;
  int64_t *vals; /* column 0 as longs */
  int64_t cap;
} collected;

static int collect(void *user, em_batch *b, em_error *err) {
  collected *c = user;
  if (c->rows + b->nrows > c->cap) {
    int64_t ncap = (c->rows + b->nrows) * 2;
    int64_t *nv = realloc(c->vals, sizeof *nv * (size_t)ncap);
    if (!nv) return em_error_internal(err, "oom");
    c->vals = nv;
    c->cap = ncap;
  }
  const int64_t *v = em_vec_values(b->cols[0]);
  for (int64_t i = 0; i < b->nrows; i++) c->vals[c->rows + i] = v[i];
  c->rows += b->nrows;
  return 0;
}

static em_spec_rel *range_rel(em_spec *s, int64_t start, int64_t end, int64_t step, int parts) {
  em_spec_rel *r = em_spec_rel_new(s, EM_SR_RANGE);
  r->u.range.start = start;
  r->u.range.end = end;
  r->u.range.step = step;
  r->u.range.num_partitions = parts;
  return r;
}

static em_spec_rel *sort_desc(em_spec *s, em_spec_rel *in) {
  em_spec_rel *r = em_spec_rel_new(s, EM_SR_SORT);
  r->input = in;
  em_spec_expr *o = em_spec_expr_new(s, EM_SE_SORT_ORDER);
  em_spec_expr *a = em_spec_expr_new(s, EM_SE_ATTR);
  a->u.attr.parts = em_spec_array(s, 1, sizeof(char *));
  a->u.attr.parts[0] = em_spec_strdup(s, "ID");
  a->u.attr.nparts = 1;
  o->u.sort.child = a;
  o->u.sort.ascending = false;
  r->u.sort.orders = em_spec_array(s, 1, sizeof(em_spec_expr *));
  r->u.sort.orders[0] = o;
  r->u.sort.norders = 1;
  r->u.sort.global = true;
  return r;
}

static em_spec_rel *limit_rel(em_spec *s, em_spec_rel *in, int64_t n) {
  em_spec_rel *r = em_spec_rel_new(s, EM_SR_LIMIT);
  r->input = in;
  r->u.limit.n = n;
  return r;
}

/* Analyzes and runs rel; returns the status; rows in *c. */
static int run(const em_spec_rel *rel, collected *c, em_error *err) {
  _Atomic int64_t ids = 1;
  em_analyze_ctx actx = {.case_sensitive = false, .ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
  em_plan *plan = NULL;
  if (em_analyze(rel, &actx, &plan, err)) return -1;
  _Atomic bool cancel = false;
  em_exec_ctx ctx = {.cancel = &cancel, .eval = {.timezone = "UTC", .ansi = true}, .batch_rows = 1000};
  int rc = em_exec_run(plan, &ctx, collect, c, err);
  em_plan_free(plan);
  return rc;
}

TEST(range_in_partition_order) {
  em_spec s;
  em_spec_init(&s);
  collected c = {0};
  em_error err;
  CHECK_EQ_INT(run(range_rel(&s, 0, 100000, 3, 7), &c, &err), 0);
  CHECK_EQ_INT(c.rows, 33334);
  for (int64_t i = 0; i < c.rows; i++) CHECK_EQ_INT(c.vals[i], i * 3);
  free(c.vals);
  em_spec_release(&s);
}

TEST(negative_step_and_empty) {
  em_spec s;
  em_spec_init(&s);
  collected c = {0};
  em_error err;
  CHECK_EQ_INT(run(range_rel(&s, 10, -10, -4, 3), &c, &err), 0);
  int64_t want[] = {10, 6, 2, -2, -6};
  CHECK_EQ_INT(c.rows, 5);
  for (int i = 0; i < 5; i++) CHECK_EQ_INT(c.vals[i], want[i]);
  free(c.vals);
  collected d = {0};
  CHECK_EQ_INT(run(range_rel(&s, 5, 5, 1, 2), &d, &err), 0);
  CHECK_EQ_INT(d.rows, 0);
  free(d.vals);
  em_spec_release(&s);
}

TEST(limit_stops_early) {
  em_spec s;
  em_spec_init(&s);
  collected c = {0};
  em_error err;
  /* An effectively endless range: the limit must stop the producers. */
  CHECK_EQ_INT(run(limit_rel(&s, range_rel(&s, 0, INT64_MAX, 1, 4), 5), &c, &err), 0);
  CHECK_EQ_INT(c.rows, 5);
  for (int i = 0; i < 5; i++) CHECK_EQ_INT(c.vals[i], i);
  free(c.vals);
  em_spec_release(&s);
}

TEST(global_sort_descending) {
  em_spec s;
  em_spec_init(&s);
  collected c = {0};
  em_error err;
  CHECK_EQ_INT(run(sort_desc(&s, range_rel(&s, 0, 50000, 1, 5)), &c, &err), 0);
  CHECK_EQ_INT(c.rows, 50000);
  for (int64_t i = 0; i < c.rows; i++) CHECK_EQ_INT(c.vals[i], 49999 - i);
  free(c.vals);
  em_spec_release(&s);
}

TEST(unresolved_column_error) {
  em_spec s;
  em_spec_init(&s);
  em_spec_rel *p = em_spec_rel_new(&s, EM_SR_PROJECT);
  p->input = range_rel(&s, 0, 3, 1, 1);
  em_spec_expr *a = em_spec_expr_new(&s, EM_SE_ATTR);
  a->u.attr.parts = em_spec_array(&s, 1, sizeof(char *));
  a->u.attr.parts[0] = em_spec_strdup(&s, "nope");
  a->u.attr.nparts = 1;
  p->u.project.exprs = em_spec_array(&s, 1, sizeof(em_spec_expr *));
  p->u.project.exprs[0] = a;
  p->u.project.nexprs = 1;
  collected c = {0};
  em_error err;
  CHECK(run(p, &c, &err) != 0);
  CHECK_EQ_STR(em_errclass_name(err.cls), "UNRESOLVED_COLUMN.WITH_SUGGESTION");
  CHECK_EQ_STR(err.keys[1], "proposal");
  CHECK_EQ_STR(err.vals[1], "`id`");
  free(c.vals);
  em_spec_release(&s);
}

TEST(fault_injection_sort_limit) {
  /* Fail the n-th allocation for every n until the query runs through. */
  for (uint64_t n = 1; n < 100000; n++) {
    em_spec s;
    em_spec_init(&s);
    em_spec_rel *rel = limit_rel(&s, sort_desc(&s, range_rel(&s, 0, 3000, 1, 3)), 10);
    collected c = {0};
    em_error err;
    em_mem_fail_after(n);
    int rc = run(rel, &c, &err);
    em_mem_fail_after(0);
    free(c.vals);
    em_spec_release(&s);
    if (rc == 0) {
      CHECK_EQ_INT(c.rows, 10);
      printf("  fault injection: ran through after %llu failing points\n", (unsigned long long)n);
      return;
    }
  }
  CHECK(!"query never completed");
}

TEST_LIST{
    TEST_ENTRY(range_in_partition_order), TEST_ENTRY(negative_step_and_empty), TEST_ENTRY(limit_stops_early),
    TEST_ENTRY(global_sort_descending),   TEST_ENTRY(unresolved_column_error), TEST_ENTRY(fault_injection_sort_limit),
    TEST_END};
