/*
 * Cached relations without gRPC: plan fingerprints (equal for plans built
 * the same way, different otherwise), the use of a cache entry by later
 * queries (computed once, then scanned), eviction under a small budget to
 * disk or to recomputation with unchanged results, and fault injection
 * (em_mem_fail_after) over caching queries: an error or the right rows,
 * no crash, no leak, no file left behind.
 */
#include "runner.h"

#include <dirent.h>
#include <stdatomic.h>
#include <unistd.h>

#include "exec/exec_int.h"
#include "plan/plan.h"
#include "spec/spec.h"
#include "spec_build.h"

static _Atomic int64_t ids = 1;
static _Atomic bool cancel_flag;
static char dir[256];

/* The test's "registry": one persisted entry and its fingerprint. */
static em_cache_entry *persisted;
static uint8_t persisted_fp[16];

static em_cache_entry *lookup(void *user, const uint8_t fp[16]) {
  (void)user;
  return persisted && memcmp(fp, persisted_fp, 16) == 0 ? em_cache_entry_ref(persisted) : NULL;
}

static const em_type *schema_of(const em_cache_entry *e) { return em_cache_entry_schema(e); }

static void actx_init(em_analyze_ctx *a, bool fingerprint) {
  memset(a, 0, sizeof *a);
  a->ansi = true;
  a->default_parallelism = 4;
  a->next_expr_id = &ids;
  a->cache_lookup = persisted ? lookup : NULL;
  a->cache_release = em_cache_entry_unref;
  a->cache_schema = schema_of;
  a->want_fingerprint = fingerprint;
}

/* ---- spec builders ---- */

static em_spec_rel *project2(em_spec_rel *in, em_spec_expr *a, em_spec_expr *b) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_PROJECT);
  r->input = in;
  r->u.project.exprs = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  r->u.project.exprs[0] = a;
  r->u.project.exprs[1] = b;
  r->u.project.nexprs = 2;
  return r;
}

static em_spec_rel *filter_rel(em_spec_rel *in, em_spec_expr *cond) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_FILTER);
  r->input = in;
  r->u.filter.cond = cond;
  return r;
}

/* range(n, 4 partitions) select id, id * k AS name */
static em_spec_rel *base(int64_t n, int64_t k, const char *name) {
  return project2(range_rel(0, n, 4), col("id"), alias(fn("*", 2, col("id"), lit_long(k)), name));
}

/* ---- running ---- */

static int64_t checksum, nrows;

static int sum_cb(void *user, em_batch *b, em_error *err) {
  (void)user, (void)err;
  const int64_t *id = (const int64_t *)b->cols[0]->values->data;
  const int64_t *v = (const int64_t *)b->cols[1]->values->data;
  for (int64_t i = 0; i < b->nrows; i++) checksum += id[i] * 31 + v[i] + nrows++;
  return 0;
}

static int run(em_spec_rel *rel, int64_t *sum, int64_t *rows, em_error *err) {
  em_analyze_ctx actx;
  actx_init(&actx, false);
  em_plan *plan = NULL;
  if (em_analyze(rel, &actx, &plan, err)) return -1;
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, 0);
  em_exec_ctx ctx = {.cancel = &cancel_flag, .mem = &mem, .batch_rows = 1000, .threads = 2};
  ctx.eval.ansi = true;
  ctx.eval.timezone = "UTC";
  ctx.spill_dir = dir;
  checksum = nrows = 0;
  int rc = em_exec_run(plan, &ctx, sum_cb, NULL, err);
  em_plan_free(plan);
  *sum = checksum;
  *rows = nrows;
  return rc;
}

static void fingerprint_of(em_spec_rel *rel, uint8_t fp[16]) {
  em_analyze_ctx actx;
  actx_init(&actx, true);
  actx.cache_lookup = NULL;
  em_plan *plan = NULL;
  em_error err;
  CHECK(em_analyze(rel, &actx, &plan, &err) == 0);
  CHECK(plan->has_fingerprint);
  memcpy(fp, plan->fingerprint, 16);
  em_plan_free(plan);
}

/* Persists rel in store s with the given level. */
static void persist(em_cache_store *s, em_spec_rel *rel, bool memory, bool disk) {
  em_analyze_ctx actx;
  actx_init(&actx, true);
  em_plan *plan = NULL;
  em_error err;
  CHECK(em_analyze(rel, &actx, &plan, &err) == 0);
  memcpy(persisted_fp, plan->fingerprint, 16);
  persisted = em_cache_entry_new(s, plan, memory, disk, NULL, &err);
  CHECK(persisted != NULL);
}

static void unpersist(void) {
  em_cache_entry_unref(persisted);
  persisted = NULL;
}

static int count_files(void) {
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static void setup(void) {
  em_spec_init(&S);
  snprintf(dir, sizeof dir, "/tmp/ember-cache-test-%d", (int)getpid());
  char cmd[300];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
  CHECK(system(cmd) == 0);
}

static void teardown(void) {
  em_spec_release(&S);
  CHECK_EQ_INT(count_files(), 0);
  rmdir(dir);
}

/* ---- tests ---- */

TEST(fingerprints_match_equal_plans) {
  setup();
  uint8_t a[16], b[16], c[16], d[16], e[16];
  fingerprint_of(base(100, 3, "x"), a);
  fingerprint_of(base(100, 3, "other_name"), b); /* names do not count */
  fingerprint_of(base(100, 4, "x"), c);          /* another constant */
  fingerprint_of(base(101, 3, "x"), d);          /* another range */
  fingerprint_of(filter_rel(base(100, 3, "x"), fn(">", 2, col("x"), lit_long(5))), e);
  CHECK(memcmp(a, b, 16) == 0);
  CHECK(memcmp(a, c, 16) != 0);
  CHECK(memcmp(a, d, 16) != 0);
  CHECK(memcmp(a, e, 16) != 0);
  teardown();
}

TEST(cache_computed_once_then_scanned) {
  setup();
  int64_t want, rows, got, r2;
  em_error err;
  CHECK(run(base(20000, 3, "x"), &want, &rows, &err) == 0);
  em_cache_store *s = em_cache_store_new();
  em_cache_store_configure(s, 1 << 30, dir);
  persist(s, base(20000, 3, "x"), true, false);
  em_cache_stats st;
  em_cache_store_stats(s, &st);
  CHECK_EQ_INT(st.parts_computed, 0);
  CHECK(run(base(20000, 3, "y"), &got, &r2, &err) == 0);
  CHECK_EQ_INT(got, want);
  CHECK_EQ_INT(r2, rows);
  em_cache_store_stats(s, &st);
  CHECK_EQ_INT(st.parts_computed, 4);
  CHECK_EQ_INT(st.scans, 0);
  CHECK(st.mem_bytes > 0);
  for (int i = 0; i < 3; i++) {
    CHECK(run(base(20000, 3, "x"), &got, &r2, &err) == 0);
    CHECK_EQ_INT(got, want);
  }
  /* A query over the cached plan reads it too. */
  CHECK(run(filter_rel(base(20000, 3, "x"), fn(">", 2, col("x"), lit_long(30))), &got, &r2, &err) == 0);
  CHECK_EQ_INT(r2, 20000 - 11);
  em_cache_store_stats(s, &st);
  CHECK_EQ_INT(st.parts_computed, 4);
  CHECK_EQ_INT(st.scans, 4);
  unpersist();
  em_cache_store_stats(s, &st);
  CHECK_EQ_INT(st.mem_bytes, 0);
  em_cache_store_release(s);
  teardown();
}

TEST(evicted_to_disk_or_recomputed) {
  setup();
  int64_t want, rows, got, r2;
  em_error err;
  CHECK(run(base(40000, 5, "x"), &want, &rows, &err) == 0);
  for (int level = 0; level < 3; level++) {
    bool memory = level != 2, disk = level != 0; /* MEMORY_ONLY, MEMORY_AND_DISK, DISK_ONLY */
    em_cache_store *s = em_cache_store_new();
    em_cache_store_configure(s, 100 << 10, dir); /* a partition is ~160 KB */
    persist(s, base(40000, 5, "x"), memory, disk);
    for (int i = 0; i < 3; i++) {
      CHECK(run(base(40000, 5, "x"), &got, &r2, &err) == 0);
      CHECK_EQ_INT(got, want);
      CHECK_EQ_INT(r2, rows);
    }
    em_cache_stats st;
    em_cache_store_stats(s, &st);
    CHECK(st.mem_bytes <= 100 << 10);
    if (disk) {
      CHECK_EQ_INT(st.parts_computed, 4);
      CHECK_EQ_INT(st.scans, 2);
      CHECK(st.disk_writes >= 4);
    } else {
      CHECK(st.evictions >= 4);
      CHECK_EQ_INT(st.parts_computed, 12); /* lost partitions recomputed each time */
      CHECK_EQ_INT(st.disk_writes, 0);
    }
    unpersist();
    em_cache_store_release(s);
    CHECK_EQ_INT(count_files(), 0);
  }
  teardown();
}

TEST(cache_fault_injection) {
  setup();
  int64_t want, rows;
  em_error err;
  CHECK(run(base(6000, 7, "x"), &want, &rows, &err) == 0);
  int failed = 0;
  for (uint64_t n = 1; n <= 1500; n += 37) {
    em_cache_store *s = em_cache_store_new();
    em_cache_store_configure(s, 20 << 10, dir);
    persist(s, base(6000, 7, "x"), true, true);
    for (int i = 0; i < 2; i++) {
      int64_t got, r2;
      em_spec_rel *q = base(6000, 7, "x");
      em_mem_fail_after(n);
      int rc = run(q, &got, &r2, &err);
      em_mem_fail_after(0);
      if (rc) failed++;
      else CHECK_EQ_INT(got, want);
    }
    unpersist();
    em_cache_store_release(s);
    CHECK_EQ_INT(count_files(), 0);
  }
  CHECK(failed > 0);
  teardown();
}

/* The first query over a persisted relation computes and stores every
 * partition at once: the partitions' tasks finishing together must not lose
 * one (the store's shared state was once created twice by racing tasks). */
TEST(first_computation_keeps_every_partition) {
  setup();
  int64_t want, rows;
  em_error err;
  CHECK(run(base(6000, 7, "x"), &want, &rows, &err) == 0);
  for (int k = 0; k < 3000; k++) {
    em_cache_store *s = em_cache_store_new();
    persist(s, base(6000, 7, "x"), true, false);
    int64_t got, r2;
    CHECK(run(base(6000, 7, "x"), &got, &r2, &err) == 0);
    CHECK_EQ_INT(r2, 6000);
    CHECK_EQ_INT(got, want);
    unpersist();
    em_cache_store_release(s);
  }
  teardown();
}

TEST_LIST{
    TEST_ENTRY(fingerprints_match_equal_plans),
    TEST_ENTRY(cache_computed_once_then_scanned),
    TEST_ENTRY(evicted_to_disk_or_recomputed),
    TEST_ENTRY(cache_fault_injection),
    TEST_ENTRY(first_computation_keeps_every_partition),
    TEST_END,
};
