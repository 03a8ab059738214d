/*
 * Exchanges, coalesce, union, intersect/except, sample and the Spark
 * hash, end to end without gRPC: spec trees built by hand, em_analyze,
 * em_exec_run. Expected partitions and rows are Spark 4.2's, as recorded
 * in tests/client/expected/partitions.json and relations.json (each check
 * names its case), or computed independently here (every row exactly once,
 * hash partition = pmod(hash(key), n)). Fault injection fails every
 * allocation in turn over each operator: an error or the right answer,
 * never a crash or a leak (run under ASan).
 */
#include "runner.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "exec/exec_int.h"
#include "plan/plan.h"
#include "spec/spec.h"
#include "spec_build.h"

/* ---- spec builders ---- */


static em_spec_expr *sort_order(em_spec_expr *child, bool asc) {
  em_spec_expr *o = em_spec_expr_new(&S, EM_SE_SORT_ORDER);
  o->u.sort.child = child;
  o->u.sort.ascending = asc;
  return o;
}

/* select id, spark_partition_id() */
static em_spec_rel *with_pid(em_spec_rel *in) {
  em_spec_rel *p = em_spec_rel_new(&S, EM_SR_PROJECT);
  p->input = in;
  p->u.project.exprs = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  p->u.project.exprs[0] = col("id");
  p->u.project.exprs[1] = fn("spark_partition_id", 0);
  p->u.project.nexprs = 2;
  return p;
}

static em_spec_rel *repartition(em_spec_rel *in, int n, bool shuffle) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_REPARTITION);
  r->input = in;
  r->u.repartition.num_partitions = n;
  r->u.repartition.shuffle = shuffle;
  return r;
}

static em_spec_rel *repartition_by(em_spec_rel *in, int n, em_spec_expr *e) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_REPARTITION_BY_EXPR);
  r->input = in;
  r->u.repart_expr.exprs = em_spec_array(&S, 1, sizeof(em_spec_expr *));
  r->u.repart_expr.exprs[0] = e;
  r->u.repart_expr.nexprs = 1;
  r->u.repart_expr.num_partitions = n;
  return r;
}

static em_spec_rel *set_op(em_spec_rel *l, em_spec_rel *r, em_set_op_kind op, bool all) {
  em_spec_rel *s = em_spec_rel_new(&S, EM_SR_SET_OP);
  s->input = l;
  s->u.set_op.right = r;
  s->u.set_op.op = op;
  s->u.set_op.all = all;
  return s;
}

static em_spec_rel *sample(em_spec_rel *in, double lb, double ub, bool replace, int64_t seed) {
  em_spec_rel *s = em_spec_rel_new(&S, EM_SR_SAMPLE);
  s->input = in;
  s->u.sample.lower = lb;
  s->u.sample.upper = ub;
  s->u.sample.with_replacement = replace;
  s->u.sample.has_seed = true;
  s->u.sample.seed = seed;
  return s;
}

/* A local relation of one long column `id` with the given values. */
static em_spec_rel *local_longs(const int64_t *v, int n) {
  em_type *st = em_type_struct_new(1);
  em_type_struct_set(st, 0, "id", em_type_long(), true, NULL);
  em_vec *c = em_vec_new(em_type_long(), n);
  for (int i = 0; i < n; i++) em_vec_append_fixed(c, &v[i]);
  em_vec *cols[1] = {c};
  em_batch *b = em_batch_new(st, 1, cols, n);
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_LOCAL);
  r->u.local.schema = em_type_ref(b->schema);
  em_spec_own_type(&S, r->u.local.schema);
  r->u.local.batches = em_spec_array(&S, 1, sizeof(em_batch *));
  r->u.local.batches[0] = b;
  r->u.local.nbatches = 1;
  em_spec_own_batch(&S, b);
  return r;
}

/* ---- running ---- */

typedef struct got {
  int64_t n, cap;
  int64_t *id;
  int32_t *pid; /* column 1 when it is an INT */
} got;

static int collect(void *user, em_batch *b, em_error *err) {
  got *g = user;
  if (g->n + b->nrows > g->cap) {
    int64_t ncap = (g->n + b->nrows) * 2 + 16;
    int64_t *ni = realloc(g->id, sizeof *ni * (size_t)ncap);
    if (ni) g->id = ni;
    int32_t *np = ni ? realloc(g->pid, sizeof *np * (size_t)ncap) : NULL;
    if (!np) return em_error_internal(err, "oom");
    g->pid = np;
    g->cap = ncap;
  }
  const int64_t *v = em_vec_values(b->cols[0]);
  const int32_t *p = b->ncols > 1 && b->cols[1]->type->id == EM_T_INT ? em_vec_values(b->cols[1]) : NULL;
  for (int64_t i = 0; i < b->nrows; i++) {
    g->id[g->n + i] = v[i];
    g->pid[g->n + i] = p ? p[i] : -1;
  }
  g->n += b->nrows;
  return 0;
}

static void got_free(got *g) {
  free(g->id);
  free(g->pid);
  memset(g, 0, sizeof *g);
}

static _Atomic bool cancel_flag;

static int run(const em_spec_rel *rel, got *g, em_error *err) {
  _Atomic int64_t ids = 1;
  em_analyze_ctx actx = {.ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
  em_plan *plan = NULL;
  if (em_analyze(rel, &actx, &plan, err)) return -1;
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, 0);
  em_exec_ctx ctx = {.cancel = &cancel_flag, .mem = &mem, .eval = {.timezone = "UTC", .ansi = true},
                     .batch_rows = 7};
  int rc = em_exec_run(plan, &ctx, collect, g, err);
  em_plan_free(plan);
  CHECK_EQ_INT(atomic_load(&mem.used), 0); /* everything charged is released */
  return rc;
}

static void check_rows(const got *g, const int64_t *ids, const int32_t *pids, int n) {
  CHECK_EQ_INT(g->n, n);
  for (int i = 0; i < n; i++) {
    CHECK_EQ_INT(g->id[i], ids[i]);
    if (pids) CHECK_EQ_INT(g->pid[i], pids[i]);
  }
}

/* ---- Spark's hash ---- */

static int32_t hash_of(em_vec *v) {
  int32_t h = EM_MURMUR3_SEED;
  em_murmur3_fold(v, &h, 1);
  return h;
}

TEST(murmur3_matches_spark) {
  /* partitions::case_hash_function_literals and the oracle's hash(id). */
  int64_t l = 0;
  int32_t i = 0;
  double d = 1.5;
  em_vec *vl = em_vec_new(em_type_long(), 1), *vi = em_vec_new(em_type_int(), 1), *vd = em_vec_new(em_type_double(), 1),
         *vs = em_vec_new(em_type_string(), 1);
  em_vec_append_fixed(vl, &l);
  em_vec_append_fixed(vi, &i);
  em_vec_append_fixed(vd, &d);
  em_vec_append_bytes(vs, "abc", 3);
  CHECK_EQ_INT(hash_of(vl), -1670924195);
  CHECK_EQ_INT(hash_of(vi), 933211791);
  CHECK_EQ_INT(hash_of(vd), 1290763749);
  CHECK_EQ_INT(hash_of(vs), 1322437556);
  em_vec_unref(vl);
  em_vec_unref(vi);
  em_vec_unref(vd);
  em_vec_unref(vs);
  /* -0.0 hashes as 0.0; a NULL leaves the seed. */
  em_vec *z = em_vec_new(em_type_double(), 2);
  double zs[2] = {0.0, -0.0};
  em_vec_append_fixed(z, &zs[0]);
  em_vec_append_fixed(z, &zs[1]);
  int32_t h2[2] = {42, 42};
  em_murmur3_fold(z, h2, 2);
  CHECK_EQ_INT(h2[0], h2[1]);
  em_vec_unref(z);
  em_vec *n = em_vec_new_nulls(em_type_long(), 1);
  CHECK_EQ_INT(hash_of(n), 42);
  em_vec_unref(n);
}

/* ---- exchanges ---- */

TEST(round_robin_as_spark) {
  /* partitions::case_rr_range: range(10) (2 partitions) -> repartition(3). */
  em_spec_init(&S);
  got g = {0};
  em_error err;
  CHECK_EQ_INT(run(with_pid(repartition(range_rel(0, 10, 2), 3, true)), &g, &err), 0);
  const int64_t ids[] = {3, 4, 6, 0, 1, 7, 8, 2, 5, 9};
  const int32_t pids[] = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2};
  check_rows(&g, ids, pids, 10);
  got_free(&g);
  /* partitions::case_rr_range_one_input: the dealt order within partitions. */
  CHECK_EQ_INT(run(with_pid(repartition(range_rel(0, 10, 1), 3, true)), &g, &err), 0);
  const int64_t ids1[] = {3, 5, 2, 1, 7, 6, 9, 0, 8, 4};
  const int32_t pids1[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
  check_rows(&g, ids1, pids1, 10);
  got_free(&g);
  em_spec_release(&S);
}

TEST(round_robin_local_relation_splits) {
  /* partitions::case_rr_local_filtered's shape: a local relation is split
   * over 2 partitions before dealing. 7 rows -> [0,3), [3,7). */
  em_spec_init(&S);
  const int64_t v[] = {0, 1, 2, 3, 4, 5, 6};
  got g = {0};
  em_error err;
  CHECK_EQ_INT(run(with_pid(repartition(local_longs(v, 7), 3, true)), &g, &err), 0);
  CHECK_EQ_INT(g.n, 7);
  int seen[7] = {0};
  for (int i = 0; i < 7; i++) seen[g.id[i]]++;
  for (int i = 0; i < 7; i++) CHECK_EQ_INT(seen[i], 1);
  got_free(&g);
  em_spec_release(&S);
}

TEST(round_robin_large_is_a_permutation) {
  em_spec_init(&S);
  got g = {0};
  em_error err;
  const int64_t n = 100000;
  CHECK_EQ_INT(run(with_pid(repartition(range_rel(0, n, 4), 7, true)), &g, &err), 0);
  CHECK_EQ_INT(g.n, n);
  char *seen = calloc((size_t)n, 1);
  int64_t per[7] = {0};
  for (int64_t i = 0; i < n; i++) {
    CHECK(g.id[i] >= 0 && g.id[i] < n && !seen[g.id[i]]);
    seen[g.id[i]] = 1;
    CHECK(g.pid[i] >= 0 && g.pid[i] < 7);
    if (i) CHECK(g.pid[i] >= g.pid[i - 1]); /* partition order */
    per[g.pid[i]]++;
  }
  /* Dealing keeps partitions within one row per input partition. */
  for (int p = 0; p < 7; p++) CHECK(per[p] >= n / 7 - 4 && per[p] <= n / 7 + 5);
  free(seen);
  got_free(&g);
  em_spec_release(&S);
}

TEST(hash_partitions_by_spark_hash) {
  em_spec_init(&S);
  got g = {0};
  em_error err;
  CHECK_EQ_INT(run(with_pid(repartition_by(range_rel(0, 1000, 3), 5, col("id"))), &g, &err), 0);
  CHECK_EQ_INT(g.n, 1000);
  em_vec *one = em_vec_new(em_type_long(), 1);
  em_vec_append_fixed(one, &(int64_t){0});
  int64_t last_id_in_part = -1;
  int last_pid = 0;
  for (int64_t i = 0; i < g.n; i++) {
    ((int64_t *)em_vec_values(one))[0] = g.id[i];
    int32_t h = hash_of(one);
    int32_t want = ((h % 5) + 5) % 5;
    CHECK_EQ_INT(g.pid[i], want);
    /* Within a partition, rows come in input (here ascending) order. */
    if (g.pid[i] == last_pid) CHECK(g.id[i] > last_id_in_part);
    last_pid = g.pid[i];
    last_id_in_part = g.id[i];
  }
  em_vec_unref(one);
  got_free(&g);
  /* partitions::case_hash_range. */
  CHECK_EQ_INT(run(with_pid(repartition_by(range_rel(0, 20, 2), 4, col("id"))), &g, &err), 0);
  CHECK_EQ_INT(g.n, 20);
  got_free(&g);
  em_spec_release(&S);
}

TEST(range_partitions_as_spark) {
  /* partitions::case_range_asc: range(20) -> repartitionByRange(3, id). */
  em_spec_init(&S);
  got g = {0};
  em_error err;
  CHECK_EQ_INT(run(with_pid(repartition_by(range_rel(0, 20, 2), 3, sort_order(col("id"), true))), &g, &err), 0);
  CHECK_EQ_INT(g.n, 20);
  for (int i = 0; i < 20; i++) {
    CHECK_EQ_INT(g.id[i], i);
    CHECK_EQ_INT(g.pid[i], i < 7 ? 0 : i < 14 ? 1 : 2);
  }
  got_free(&g);
  /* partitions::case_range_desc. */
  CHECK_EQ_INT(run(with_pid(repartition_by(range_rel(0, 20, 2), 3, sort_order(col("id"), false))), &g, &err), 0);
  const int64_t first[] = {13, 14, 15, 16, 17, 18, 19, 6};
  for (int i = 0; i < 8; i++) CHECK_EQ_INT(g.id[i], first[i]);
  CHECK_EQ_INT(g.pid[19], 2);
  got_free(&g);
  em_spec_release(&S);
}

TEST(adaptive_exchange_is_one_partition) {
  /* partitions::case_hash_adaptive: no count, small data: one partition,
   * read map by map. */
  em_spec_init(&S);
  got g = {0};
  em_error err;
  CHECK_EQ_INT(run(with_pid(repartition_by(range_rel(0, 10, 2), 0, col("id"))), &g, &err), 0);
  const int64_t ids[] = {0, 1, 3, 2, 4, 7, 6, 9, 5, 8};
  const int32_t pids[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  check_rows(&g, ids, pids, 10);
  got_free(&g);
  em_spec_release(&S);
}

TEST(coalesce_as_spark) {
  em_spec_init(&S);
  got g = {0};
  em_error err;
  /* partitions::case_coalesce_range: 5 partitions into 2: [0,2), [2,5). */
  CHECK_EQ_INT(run(with_pid(repartition(range_rel(0, 20, 5), 2, false)), &g, &err), 0);
  for (int i = 0; i < 20; i++) {
    CHECK_EQ_INT(g.id[i], i);
    CHECK_EQ_INT(g.pid[i], i < 8 ? 0 : 1);
  }
  got_free(&g);
  /* After a shuffle the coalescer balances with locality: 5 -> 2 takes 3
   * and 2 partitions of 8 rows (partitions::case_coalesce_after_shuffle). */
  CHECK_EQ_INT(run(with_pid(repartition(repartition(range_rel(0, 40, 2), 5, true), 2, false)), &g, &err), 0);
  int c0 = 0;
  for (int i = 0; i < g.n; i++) c0 += g.pid[i] == 0;
  CHECK_EQ_INT(g.n, 40);
  CHECK_EQ_INT(c0, 24);
  got_free(&g);
  em_spec_release(&S);
}

/* ---- union, intersect, except, sample ---- */

TEST(union_numbers_partitions_on) {
  /* partitions::case_union_pids. */
  em_spec_init(&S);
  got g = {0};
  em_error err;
  em_spec_rel *u = set_op(range_rel(0, 3, 2), range_rel(5, 8, 3), EM_SET_UNION, true);
  CHECK_EQ_INT(run(with_pid(u), &g, &err), 0);
  const int64_t ids[] = {0, 1, 2, 5, 6, 7};
  const int32_t pids[] = {0, 1, 1, 2, 3, 4};
  check_rows(&g, ids, pids, 6);
  got_free(&g);
  em_spec_release(&S);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

TEST(intersect_except_multisets) {
  em_spec_init(&S);
  const int64_t l[] = {1, 1, 1, 2, 2, 3, 4, 4};
  const int64_t r[] = {1, 2, 2, 2, 4, 5};
  struct {
    em_set_op_kind op;
    bool all;
    int64_t want[8];
    int n;
  } cases[] = {
      {EM_SET_INTERSECT, false, {1, 2, 4}, 3},
      {EM_SET_INTERSECT, true, {1, 2, 2, 4}, 4},
      {EM_SET_EXCEPT, false, {3}, 1},
      {EM_SET_EXCEPT, true, {1, 1, 3, 4}, 4},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    got g = {0};
    em_error err;
    CHECK_EQ_INT(run(set_op(local_longs(l, 8), local_longs(r, 6), cases[k].op, cases[k].all), &g, &err), 0);
    qsort(g.id, (size_t)g.n, sizeof *g.id, cmp_i64);
    check_rows(&g, cases[k].want, NULL, cases[k].n);
    got_free(&g);
  }
  em_spec_release(&S);
}

TEST(set_op_errors) {
  em_spec_init(&S);
  em_spec_rel *two = em_spec_rel_new(&S, EM_SR_PROJECT);
  two->input = range_rel(0, 3, 1);
  two->u.project.exprs = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  two->u.project.exprs[0] = col("id");
  two->u.project.exprs[1] = col("id");
  two->u.project.nexprs = 2;
  got g = {0};
  em_error err;
  CHECK(run(set_op(range_rel(0, 3, 1), two, EM_SET_EXCEPT, true), &g, &err) != 0);
  CHECK_EQ_STR(em_errclass_name(err.cls), "NUM_COLUMNS_MISMATCH");
  CHECK_EQ_STR(err.vals[0], "EXCEPT ALL");
  got_free(&g);
  em_spec_release(&S);
}

TEST(sample_as_spark) {
  em_spec_init(&S);
  got g = {0};
  em_error err;
  /* relations::case_sample_bernoulli. */
  CHECK_EQ_INT(run(sample(range_rel(0, 30, 2), 0, 0.3, false, 7), &g, &err), 0);
  const int64_t b[] = {0, 6, 8, 11, 13, 17, 22, 25};
  check_rows(&g, b, NULL, 8);
  got_free(&g);
  /* relations::case_sample_with_replacement. */
  CHECK_EQ_INT(run(sample(range_rel(0, 30, 2), 0, 0.5, true, 7), &g, &err), 0);
  const int64_t p[] = {0, 3, 7, 7, 9, 10, 11, 11, 15, 16, 20, 21, 23, 27, 27, 28};
  check_rows(&g, p, NULL, 16);
  got_free(&g);
  /* relations::case_sample_fraction_error. */
  CHECK(run(sample(range_rel(0, 3, 1), 0, 1.5, false, 1), &g, &err) != 0);
  CHECK(strstr(err.msg, "Sampling fraction (1.5) must be on interval [0, 1] without replacement") != NULL);
  got_free(&g);
  em_spec_release(&S);
}

/* ---- cancellation and fault injection ---- */

TEST(exchange_cancelled) {
  em_spec_init(&S);
  got g = {0};
  em_error err;
  atomic_store(&cancel_flag, true);
  int rc = run(with_pid(repartition(range_rel(0, 1000000, 4), 3, true)), &g, &err);
  atomic_store(&cancel_flag, false);
  CHECK(rc != 0);
  CHECK_EQ_STR(em_errclass_name(err.cls), "OPERATION_CANCELED");
  got_free(&g);
  em_spec_release(&S);
}

typedef em_spec_rel *(*plan_fn)(void);

static em_spec_rel *plan_rr(void) { return with_pid(repartition(range_rel(0, 300, 3), 4, true)); }
static em_spec_rel *plan_hash(void) { return with_pid(repartition_by(range_rel(0, 300, 3), 4, col("id"))); }
static em_spec_rel *plan_range(void) {
  return with_pid(repartition_by(range_rel(0, 300, 3), 4, sort_order(col("id"), false)));
}
static em_spec_rel *plan_adaptive(void) { return with_pid(repartition_by(range_rel(0, 300, 3), 0, col("id"))); }
static em_spec_rel *plan_coalesce(void) {
  return with_pid(repartition(repartition(range_rel(0, 300, 3), 6, true), 4, false));
}
static em_spec_rel *plan_union(void) {
  return with_pid(set_op(range_rel(0, 100, 2), repartition(range_rel(50, 150, 3), 2, true), EM_SET_UNION, true));
}
static em_spec_rel *plan_intersect(void) {
  return set_op(range_rel(0, 300, 3), range_rel(100, 400, 2), EM_SET_INTERSECT, true);
}
static em_spec_rel *plan_except(void) { return set_op(range_rel(0, 300, 3), range_rel(100, 400, 2), EM_SET_EXCEPT, false); }
static em_spec_rel *plan_sample(void) { return sample(range_rel(0, 300, 3), 0.1, 0.6, true, 99); }

static void fault_inject(plan_fn make, int64_t want_rows) {
  for (uint64_t n = 1; n < 200000; n++) {
    em_spec_init(&S);
    em_spec_rel *rel = make();
    got g = {0};
    em_error err;
    em_mem_fail_after(n);
    int rc = run(rel, &g, &err);
    em_mem_fail_after(0);
    int64_t rows = g.n;
    got_free(&g);
    em_spec_release(&S);
    if (rc == 0) {
      if (want_rows >= 0) CHECK_EQ_INT(rows, want_rows);
      printf("  ran through after %llu failing points\n", (unsigned long long)n);
      return;
    }
    CHECK(err.cls != EM_ERR_NONE);
  }
  CHECK(!"query never completed");
}

TEST(fault_injection_round_robin) { fault_inject(plan_rr, 300); }
TEST(fault_injection_hash) { fault_inject(plan_hash, 300); }
TEST(fault_injection_range) { fault_inject(plan_range, 300); }
TEST(fault_injection_adaptive) { fault_inject(plan_adaptive, 300); }
TEST(fault_injection_coalesce) { fault_inject(plan_coalesce, 300); }
TEST(fault_injection_union) { fault_inject(plan_union, 200); }
TEST(fault_injection_intersect) { fault_inject(plan_intersect, 200); }
TEST(fault_injection_except) { fault_inject(plan_except, 100); }
TEST(fault_injection_sample) { fault_inject(plan_sample, -1); }

TEST_LIST{
    TEST_ENTRY(murmur3_matches_spark),
    TEST_ENTRY(round_robin_as_spark),
    TEST_ENTRY(round_robin_local_relation_splits),
    TEST_ENTRY(round_robin_large_is_a_permutation),
    TEST_ENTRY(hash_partitions_by_spark_hash),
    TEST_ENTRY(range_partitions_as_spark),
    TEST_ENTRY(adaptive_exchange_is_one_partition),
    TEST_ENTRY(coalesce_as_spark),
    TEST_ENTRY(union_numbers_partitions_on),
    TEST_ENTRY(intersect_except_multisets),
    TEST_ENTRY(set_op_errors),
    TEST_ENTRY(sample_as_spark),
    TEST_ENTRY(exchange_cancelled),
    TEST_ENTRY(fault_injection_round_robin),
    TEST_ENTRY(fault_injection_hash),
    TEST_ENTRY(fault_injection_range),
    TEST_ENTRY(fault_injection_adaptive),
    TEST_ENTRY(fault_injection_coalesce),
    TEST_ENTRY(fault_injection_union),
    TEST_ENTRY(fault_injection_intersect),
    TEST_ENTRY(fault_injection_except),
    TEST_ENTRY(fault_injection_sample),
    TEST_END};
