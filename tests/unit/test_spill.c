/*
 * Spilling under a memory budget: external sort, hash aggregate spill and
 * grace hash join, run without gRPC. Each query runs twice, with no budget
 * (the in-memory path) and with a tiny one that forces spilling; the
 * results must be identical (row for row where Spark defines an order, as
 * multisets otherwise, with exact floating-point bits), spill files must
 * have been written, every byte charged must be released and no file may
 * be left in the spill directory. Fault injection (em_mem_fail_after)
 * fails the N-th allocation of a spilling query: an error, no crash, no
 * leak.
 */
#include "runner.h"

#include <dirent.h>
#include <math.h>
#include <stdatomic.h>
#include <unistd.h>

#include "exec/agg_int.h"
#include "exec/exec_int.h"
#include "expr/rowkey.h"
#include "plan/plan.h"
#include "spec/spec.h"
#include "spec_build.h"

static _Atomic int64_t ids = 1;
static _Atomic bool cancel_flag;
static char spill_dir[256];

/* ---- spec builders ---- */


static em_spec_expr *order(em_spec_expr *child, bool asc) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_SORT_ORDER);
  e->u.sort.child = child;
  e->u.sort.ascending = asc;
  e->u.sort.nulls = EM_NULLS_DEFAULT;
  return e;
}


static em_spec_rel *sort_rel(em_spec_rel *in, bool global, int n, ...) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_SORT);
  r->input = in;
  r->u.sort.orders = em_spec_array(&S, (size_t)n, sizeof(em_spec_expr *));
  r->u.sort.norders = n;
  r->u.sort.global = global;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) r->u.sort.orders[i] = va_arg(ap, em_spec_expr *);
  va_end(ap);
  return r;
}


static em_spec_rel *join_rel(em_spec_rel *l, em_spec_rel *r, em_spec_expr *cond, em_join_type type) {
  em_spec_rel *j = em_spec_rel_new(&S, EM_SR_JOIN);
  j->input = l;
  j->u.join.right = r;
  j->u.join.cond = cond;
  j->u.join.type = type;
  return j;
}

/* ---- running ---- */

typedef struct result {
  em_batch **b;
  int n;
  int64_t rows;
} result;

static int collect_cb(void *user, em_batch *b, em_error *err) {
  (void)err;
  result *r = user;
  r->b = realloc(r->b, sizeof *r->b * (size_t)(r->n + 1));
  r->b[r->n++] = em_batch_ref(b);
  r->rows += b->nrows;
  return 0;
}

static void result_free(result *r) {
  for (int i = 0; i < r->n; i++) em_batch_unref(r->b[i]);
  free(r->b);
  memset(r, 0, sizeof *r);
}

/* Runs rel with a budget (0 = none); stats gets what was spilled. */
static int run_budget(em_spec_rel *rel, int64_t budget, result *out, em_spill_stats *stats, em_error *err) {
  em_analyze_ctx actx = {.case_sensitive = false, .ansi = true, .default_parallelism = 4, .next_expr_id = &ids};
  em_plan *plan = NULL;
  memset(out, 0, sizeof *out);
  if (em_analyze(rel, &actx, &plan, err)) return -1;
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, budget);
  em_exec_ctx ctx = {.cancel = &cancel_flag, .mem = &mem, .batch_rows = 4096, .threads = 2};
  ctx.eval.ansi = true;
  ctx.eval.timezone = "UTC";
  ctx.spill_dir = spill_dir;
  ctx.spill_stats = stats;
  int rc = em_exec_run(plan, &ctx, collect_cb, out, err);
  em_plan_free(plan);
  if (rc) result_free(out);
  /* Everything charged was given back. */
  CHECK_EQ_INT(atomic_load(&mem.used), 0);
  return rc;
}

/* Row i of the result as canonical bytes plus the raw bits of floating
 * point values (so 0.1 + 0.2 and 0.3 differ). */
typedef struct rowstr {
  uint8_t *p;
  size_t n;
} rowstr;

static rowstr *rows_of(const result *r) {
  rowstr *out = calloc((size_t)r->rows + 1, sizeof *out);
  int64_t at = 0;
  em_rowkeys rk = {0};
  for (int k = 0; k < r->n; k++) {
    em_batch *b = r->b[k];
    CHECK(em_rowkeys_encode(&rk, b->cols, b->ncols, b->nrows) == 0);
    for (int64_t i = 0; i < b->nrows; i++, at++) {
      size_t len = rk.offs[i + 1] - rk.offs[i];
      size_t extra = 0;
      for (int c = 0; c < b->ncols; c++)
        if (b->cols[c]->type->id == EM_T_DOUBLE) extra += 8;
      out[at].p = malloc(len + extra + 1);
      memcpy(out[at].p, rk.data + rk.offs[i], len);
      for (int c = 0; c < b->ncols; c++)
        if (b->cols[c]->type->id == EM_T_DOUBLE) {
          double d = em_vec_is_null(b->cols[c], i) ? 0 : ((const double *)em_vec_values(b->cols[c]))[i];
          memcpy(out[at].p + len, &d, 8);
          len += 8;
        }
      out[at].n = len;
    }
  }
  em_rowkeys_free(&rk);
  return out;
}

static int rowstr_cmp(const void *a, const void *b) {
  const rowstr *x = a, *y = b;
  size_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->p, y->p, m);
  return c ? c : (x->n < y->n ? -1 : x->n > y->n);
}

static void check_same(const result *a, const result *b, bool ordered) {
  CHECK_EQ_INT(a->rows, b->rows);
  rowstr *x = rows_of(a), *y = rows_of(b);
  if (!ordered) {
    qsort(x, (size_t)a->rows, sizeof *x, rowstr_cmp);
    qsort(y, (size_t)b->rows, sizeof *y, rowstr_cmp);
  }
  for (int64_t i = 0; i < a->rows; i++) {
    if (rowstr_cmp(&x[i], &y[i]) != 0) fprintf(stderr, "rows differ at %lld\n", (long long)i);
    CHECK(rowstr_cmp(&x[i], &y[i]) == 0);
  }
  for (int64_t i = 0; i < a->rows; i++) {
    free(x[i].p);
    free(y[i].p);
  }
  free(x);
  free(y);
}

static int count_spill_files(void) {
  DIR *d = opendir(spill_dir);
  CHECK(d != NULL);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strncmp(e->d_name, "ember-spill-", 12) == 0) n++;
  closedir(d);
  return n;
}

/* Runs rel in memory and under `budget`; the results must be identical
 * and the budgeted run must have spilled. Returns the row count. */
static int64_t check_spills(em_spec_rel *rel, int64_t budget, bool ordered) {
  em_error err;
  result a, b;
  em_spill_stats s0 = {0}, s1 = {0};
  if (run_budget(rel, 0, &a, &s0, &err)) fprintf(stderr, "%s\n", err.msg);
  CHECK_EQ_INT(atomic_load(&s0.files), 0);
  if (run_budget(rel, budget, &b, &s1, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    CHECK(0);
  }
  CHECK(atomic_load(&s1.files) > 0);
  CHECK(atomic_load(&s1.bytes) > 0);
  check_same(&a, &b, ordered);
  int64_t rows = a.rows;
  result_free(&a);
  result_free(&b);
  CHECK_EQ_INT(count_spill_files(), 0);
  return rows;
}

/* Without a spill directory the same budget fails cleanly. */
static void check_fails_without_spill(em_spec_rel *rel, int64_t budget) {
  char saved[256];
  strcpy(saved, spill_dir);
  spill_dir[0] = '\0';
  em_error err;
  result r;
  CHECK(run_budget(rel, budget, &r, NULL, &err) != 0);
  CHECK_EQ_INT(err.cls, EM_ERR_MEMORY_LIMIT);
  strcpy(spill_dir, saved);
}

/* Fails the n-th allocation for n = 1, 1+step, ...: errors, no crash, no
 * leak (ASan), nothing charged or left on disk. */
static void fault_sweep(em_spec_rel *rel, int64_t budget, uint64_t step, uint64_t max) {
  int failed = 0;
  for (uint64_t n = 1; n <= max; n += step) {
    em_error err;
    result r;
    em_mem_fail_after(n);
    int rc = run_budget(rel, budget, &r, NULL, &err);
    em_mem_fail_after(0);
    if (rc == 0) result_free(&r);
    else failed++;
    CHECK_EQ_INT(count_spill_files(), 0);
  }
  CHECK(failed > 0);
}

static void setup(void) {
  em_spec_init(&S);
  snprintf(spill_dir, sizeof spill_dir, "/tmp/ember-spill-test-%d", (int)getpid());
  char cmd[300];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", spill_dir);
  CHECK(system(cmd) == 0);
}

static void teardown(void) {
  em_spec_release(&S);
  CHECK_EQ_INT(count_spill_files(), 0);
  rmdir(spill_dir);
}

/* k = (id * 7919) % m: many ties, in an order unrelated to id. */
static em_spec_expr *scrambled(const char *c, int64_t m) {
  return fn("%", 2, fn("*", 2, col(c), lit_long(7919)), lit_long(m));
}

/* ---- sort ---- */

TEST(sort_global_spills_stable) {
  setup();
  /* 200k rows in 4 partitions, keys with ties (ties keep input order),
   * a string column so that runs hold variable-width data. */
  em_spec_rel *in = project(range_rel(0, 200000, 4), 3, col("id"), alias(scrambled("id", 1000), "k"),
                            alias(cast_to(col("id"), em_type_string()), "s"));
  em_spec_rel *q = sort_rel(in, true, 1, order(col("k"), true));
  CHECK_EQ_INT(check_spills(q, 1 << 20, true), 200000);
  check_fails_without_spill(q, 1 << 20);
  teardown();
}

TEST(sort_desc_multikey_spills) {
  setup();
  em_spec_rel *in = project(range_rel(0, 100000, 3), 2, alias(scrambled("id", 97), "a"), alias(scrambled("id", 13), "b"));
  em_spec_rel *q = sort_rel(in, true, 2, order(col("b"), false), order(col("a"), true));
  check_spills(q, 256 << 10, true);
  teardown();
}

TEST(sort_within_partitions_spills) {
  setup();
  em_spec_rel *in = project(range_rel(0, 120000, 3), 2, col("id"), alias(scrambled("id", 500), "k"));
  em_spec_rel *q = sort_rel(in, false, 1, order(col("k"), false));
  check_spills(q, 256 << 10, true);
  teardown();
}

TEST(sort_fault_injection) {
  setup();
  em_spec_rel *in = project(range_rel(0, 20000, 2), 2, col("id"), alias(scrambled("id", 100), "k"));
  em_spec_rel *q = sort_rel(in, true, 1, order(col("k"), true));
  fault_sweep(q, 64 << 10, 75, 1500);
  teardown();
}

/* ---- hash aggregate ---- */

/* groupBy(k).agg(...) over 200k rows in 4 partitions, k with `groups`
 * distinct values, doubles whose sums depend on the order of addition. */
static em_spec_rel *agg_query(int64_t groups, bool string_key) {
  em_spec_expr *d = fn("*", 2, cast_to(col("id"), em_type_double()), fn("/", 2, lit_long(1), lit_long(3)));
  em_spec_rel *in = project(range_rel(0, 200000, 4), 3, col("id"), alias(scrambled("id", groups), "k"), alias(d, "d"));
  em_spec_expr *key = string_key ? alias(cast_to(col("k"), em_type_string()), "ks") : col("k");
  em_spec_expr *aggs[] = {fn("sum", 1, col("d")), fn("count", 1, col("id")), fn("min", 1, cast_to(col("id"), em_type_string())),
                          fn("first", 1, col("id")), fn("avg", 1, col("d")), fn("max", 1, col("d")),
                          fn("stddev", 1, col("d"))};
  return agg_rel(in, &key, 1, aggs, 7);
}

TEST(agg_int_key_spills) {
  setup();
  em_spec_rel *q = agg_query(50000, false);
  CHECK_EQ_INT(check_spills(q, 1 << 20, false), 50000);
  check_fails_without_spill(q, 1 << 20);
  teardown();
}

TEST(agg_string_key_spills) {
  setup();
  CHECK_EQ_INT(check_spills(agg_query(30000, true), 1 << 20, false), 30000);
  teardown();
}

TEST(agg_one_partition_spills) {
  setup();
  em_spec_rel *in = project(range_rel(0, 100000, 1), 2, alias(scrambled("id", 40000), "k"),
                            alias(fn("*", 2, cast_to(col("id"), em_type_double()), fn("/", 2, lit_long(1), lit_long(7))), "d"));
  em_spec_expr *key = col("k");
  em_spec_expr *aggs[] = {fn("sum", 1, col("d")), fn("last", 1, col("d"))};
  CHECK_EQ_INT(check_spills(agg_rel(in, &key, 1, aggs, 2), 512 << 10, false), 40000);
  teardown();
}

TEST(agg_fault_injection) {
  setup();
  em_spec_rel *in = project(range_rel(0, 20000, 2), 2, alias(scrambled("id", 8000), "k"), col("id"));
  em_spec_expr *key = col("k");
  em_spec_expr *aggs[] = {fn("sum", 1, col("id")), fn("max", 1, cast_to(col("id"), em_type_string()))};
  fault_sweep(agg_rel(in, &key, 1, aggs, 2), 96 << 10, 123, 2500);
  teardown();
}

/* ---- partitioned hash aggregate (agg_part.c) ---- */

/* groupBy(k) over range(0, n, parts): k = (id * 7919) % groups with key 5
 * made NULL (as a string when asked), aggregates whose results depend on
 * the order of rows (double sums, first/last) and whose states own no
 * memory (so the partitioned mode applies). */
static em_spec_rel *part_query(int64_t n, int parts, int64_t groups, bool string_key, int64_t below) {
  em_spec_expr *d = fn("*", 2, cast_to(col("id"), em_type_double()), fn("/", 2, lit_long(1), lit_long(3)));
  em_spec_rel *src = range_rel(0, n, parts);
  if (below >= 0) {
    em_spec_rel *f = em_spec_rel_new(&S, EM_SR_FILTER);
    f->input = src;
    f->u.filter.cond = fn("<", 2, col("id"), lit_long(below));
    src = f;
  }
  em_spec_rel *in =
      project(src, 3, col("id"), alias(fn("nullif", 2, scrambled("id", groups), lit_long(5)), "k"), alias(d, "d"));
  em_spec_expr *key = string_key ? alias(cast_to(col("k"), em_type_string()), "ks") : col("k");
  em_spec_expr *aggs[] = {fn("sum", 1, col("d")),   fn("count", 1, col("id")), fn("first", 1, col("id")),
                          fn("last", 1, col("d")),  fn("avg", 1, col("d")),    fn("max", 1, col("d")),
                          fn("stddev", 1, col("d")), fn("min", 1, col("id")),  fn("sum", 1, col("id"))};
  return agg_rel(in, &key, 1, aggs, 9);
}

/* The query with the partitioned mode off, then on after `min_groups`:
 * identical results (floating-point bits included), and the mode was used
 * (`want_switch`). Returns the row count. */
static int64_t check_partitioned(em_spec_rel *rel, uint32_t min_groups, bool want_switch) {
  uint32_t saved = em_agg_part_min_groups;
  em_error err;
  result a, b;
  em_agg_part_min_groups = UINT32_MAX;
  int64_t sw0 = atomic_load(&em_agg_part_switches);
  if (run_budget(rel, 0, &a, NULL, &err)) fprintf(stderr, "%s\n", err.msg);
  CHECK_EQ_INT(atomic_load(&em_agg_part_switches), sw0);
  em_agg_part_min_groups = min_groups;
  int rc = run_budget(rel, 0, &b, NULL, &err);
  em_agg_part_min_groups = saved;
  if (rc) fprintf(stderr, "%s\n", err.msg);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(atomic_load(&em_agg_part_switches) > sw0, want_switch);
  check_same(&a, &b, false);
  int64_t rows = a.rows;
  result_free(&a);
  result_free(&b);
  return rows;
}

TEST(agg_partitioned_same_results) {
  setup();
  /* 60000 keys over 200k rows in 4 partitions (+ the NULL key). */
  CHECK_EQ_INT(check_partitioned(part_query(200000, 4, 60000, false, -1), 2048, true), 60000);
  CHECK_EQ_INT(check_partitioned(part_query(200000, 4, 60000, true, -1), 2048, true), 60000);
  /* Only the first partition has rows: its tables are the results. */
  CHECK_EQ_INT(check_partitioned(part_query(200000, 4, 60000, false, 30000), 2048, true), 30000);
  /* Keys that repeat (a reducing table) keep the table. */
  CHECK_EQ_INT(check_partitioned(part_query(200000, 4, 1500, false, -1), 1024, false), 1500);
  /* One input partition: never partitioned (its table is the result). */
  CHECK_EQ_INT(check_partitioned(part_query(50000, 1, 60000, false, -1), 2048, false), 50000);
  teardown();
}

/* Spilling from the partitioned mode: the bucket batches go to the spill
 * files in order; the same results as in memory. */
TEST(agg_partitioned_spills) {
  setup();
  uint32_t saved = em_agg_part_min_groups;
  em_agg_part_min_groups = 2048;
  int64_t sw0 = atomic_load(&em_agg_part_switches);
  em_spec_rel *q = part_query(200000, 4, 60000, false, -1);
  CHECK_EQ_INT(check_spills(q, 3 << 20, false), 60000);
  CHECK(atomic_load(&em_agg_part_switches) > sw0);
  check_fails_without_spill(q, 3 << 20);
  em_agg_part_min_groups = saved;
  teardown();
}

TEST(agg_partitioned_fault_injection) {
  setup();
  uint32_t saved = em_agg_part_min_groups;
  em_agg_part_min_groups = 1024;
  fault_sweep(part_query(20000, 2, 8000, false, -1), 0, 37, 1500);
  fault_sweep(part_query(20000, 2, 8000, false, -1), 160 << 10, 41, 1500);
  em_agg_part_min_groups = saved;
  teardown();
}

/* ---- grace hash join ---- */

/* left: 150k rows (lk has 60000 values), right (the build side): 120k rows
 * (rk over 0..99999 scrambled, so some keys repeat and some never match). */
static em_spec_rel *join_query(em_join_type type, int64_t scale) {
  em_spec_rel *l = project(range_rel(0, 15 * scale, 4), 2, alias(col("id"), "lid"), alias(scrambled("id", 6 * scale), "lk"));
  em_spec_rel *r = project(range_rel(0, 12 * scale, 3), 3, alias(col("id"), "rid"), alias(scrambled("id", 10 * scale), "rk"),
                           alias(cast_to(col("id"), em_type_string()), "rs"));
  return join_rel(l, r, fn("==", 2, col("lk"), col("rk")), type);
}

TEST(join_inner_spills) {
  setup();
  em_spec_rel *q = join_query(EM_JOIN_INNER, 10000);
  CHECK(check_spills(q, 1 << 20, false) > 0);
  check_fails_without_spill(q, 1 << 20);
  teardown();
}

TEST(join_outer_kinds_spill) {
  setup();
  em_join_type kinds[] = {EM_JOIN_LEFT_OUTER, EM_JOIN_RIGHT_OUTER, EM_JOIN_FULL_OUTER, EM_JOIN_LEFT_SEMI,
                          EM_JOIN_LEFT_ANTI};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) check_spills(join_query(kinds[i], 3000), 256 << 10, false);
  teardown();
}

TEST(join_residual_spills) {
  setup();
  em_spec_rel *l = project(range_rel(0, 50000, 2), 2, alias(col("id"), "lid"), alias(scrambled("id", 5000), "lk"));
  em_spec_rel *r = project(range_rel(0, 60000, 2), 2, alias(col("id"), "rid"), alias(scrambled("id", 7000), "rk"));
  em_spec_expr *cond = fn("and", 2, fn("==", 2, col("lk"), col("rk")), fn("<", 2, col("lid"), col("rid")));
  check_spills(join_rel(l, r, cond, EM_JOIN_FULL_OUTER), 512 << 10, false);
  teardown();
}

TEST(join_fault_injection) {
  setup();
  em_spec_rel *l = project(range_rel(0, 10000, 2), 2, alias(col("id"), "lid"), alias(scrambled("id", 3000), "lk"));
  em_spec_rel *r = project(range_rel(0, 12000, 2), 2, alias(col("id"), "rid"), alias(scrambled("id", 4000), "rk"));
  fault_sweep(join_rel(l, r, fn("==", 2, col("lk"), col("rk")), EM_JOIN_FULL_OUTER), 64 << 10, 271, 3000);
  teardown();
}

/* ---- exchange ---- */

static em_spec_rel *hash_exchange_query(int nparts) {
  em_spec_rel *in = project(range_rel(0, 150000, 3), 3, col("id"), alias(scrambled("id", 5000), "k"),
                            alias(cast_to(col("id"), em_type_string()), "s"));
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_REPARTITION_BY_EXPR);
  r->input = in;
  r->u.repart_expr.exprs = em_arena_calloc(&S.arena, sizeof(em_spec_expr *));
  r->u.repart_expr.exprs[0] = col("k");
  r->u.repart_expr.nexprs = 1;
  r->u.repart_expr.num_partitions = nparts;
  return r;
}

TEST(exchange_hash_spills_same_order) {
  setup();
  /* Rows, partition contents and order within each partition must be
   * those of the in-memory exchange: compared row by row in output order. */
  em_spec_rel *q = hash_exchange_query(7);
  CHECK_EQ_INT(check_spills(q, 1 << 20, true), 150000);
  check_fails_without_spill(q, 1 << 20);
  teardown();
}

TEST(exchange_hash_spills_one_reducer) {
  setup();
  CHECK_EQ_INT(check_spills(hash_exchange_query(1), 512 << 10, true), 150000);
  teardown();
}

TEST(exchange_fault_injection) {
  setup();
  fault_sweep(hash_exchange_query(5), 1 << 20, 397, 6000);
  teardown();
}

TEST_LIST{
    TEST_ENTRY(exchange_hash_spills_same_order),
    TEST_ENTRY(exchange_hash_spills_one_reducer),
    TEST_ENTRY(exchange_fault_injection),
    TEST_ENTRY(sort_global_spills_stable),
    TEST_ENTRY(sort_desc_multikey_spills),
    TEST_ENTRY(sort_within_partitions_spills),
    TEST_ENTRY(sort_fault_injection),
    TEST_ENTRY(agg_int_key_spills),
    TEST_ENTRY(agg_string_key_spills),
    TEST_ENTRY(agg_one_partition_spills),
    TEST_ENTRY(agg_fault_injection),
    TEST_ENTRY(agg_partitioned_same_results),
    TEST_ENTRY(agg_partitioned_spills),
    TEST_ENTRY(agg_partitioned_fault_injection),
    TEST_ENTRY(join_inner_spills),
    TEST_ENTRY(join_outer_kinds_spill),
    TEST_ENTRY(join_residual_spills),
    TEST_ENTRY(join_fault_injection),
    TEST_END,
};
