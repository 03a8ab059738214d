/*
 * The hash aggregate end to end without gRPC: spec trees built by hand,
 * em_analyze, em_exec_run with a callback that gathers the result.
 *
 * Expected values are either computed independently here (sums of ranges,
 * counts of generated keys) or Spark 4.2's answers recorded by the client
 * cases in tests/client/expected/aggregate.json (each use names its case).
 */
#include "runner.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "exec/exec_int.h"
#include "plan/plan.h"
#include "spec/spec.h"
#include "spec_build.h"

/* ---- spec builders ---- */


static em_spec_expr *lit_bool(bool b) {
  em_vec *v = em_vec_new(em_type_boolean(), 1);
  em_vec_append_bool(v, b);
  return lit_vec(v);
}

static em_spec_expr *distinct(em_spec_expr *f) {
  f->u.func.distinct = true;
  return f;
}

static em_spec_expr *star(void) { return em_spec_expr_new(&S, EM_SE_STAR); }


#define G(...) ((em_spec_expr *[]){__VA_ARGS__}), (int)(sizeof((em_spec_expr *[]){__VA_ARGS__}) / sizeof(em_spec_expr *))
#define NOGROUP NULL, 0

static em_spec_rel *local_rel(em_batch *b) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_LOCAL);
  r->u.local.schema = em_type_ref(b->schema);
  em_spec_own_type(&S, r->u.local.schema);
  r->u.local.batches = em_spec_array(&S, 1, sizeof(em_batch *));
  r->u.local.batches[0] = b;
  r->u.local.nbatches = 1;
  em_spec_own_batch(&S, b);
  return r;
}

/* The kv data set of tests/client/cases/aggregate.py (kv()). */
static em_spec_rel *kv_rel(void) {
  em_type *st = em_type_struct_new(4);
  em_type_struct_set(st, 0, "k", em_type_string(), true, NULL);
  em_type_struct_set(st, 1, "v", em_type_long(), true, NULL);
  em_type_struct_set(st, 2, "d", em_type_double(), true, NULL);
  em_type_struct_set(st, 3, "b", em_type_boolean(), true, NULL);
  const char *ks[] = {"a", "b", "a", NULL, "b", NULL, "c", "a"};
  const int64_t vs[] = {1, 2, 3, 4, -1, 6, -1, 8}; /* -1 = null */
  const double ds[] = {1.5, 2.5, NAN, 4.0, -1.0, 0.5, NAN, 8.0}; /* NAN = null */
  const int bs[] = {1, 0, 1, -1, 1, 0, -1, 1};                    /* -1 = null */
  em_vec *k = em_vec_new(em_type_string(), 8), *v = em_vec_new(em_type_long(), 8),
         *d = em_vec_new(em_type_double(), 8), *b = em_vec_new(em_type_boolean(), 8);
  for (int i = 0; i < 8; i++) {
    if (ks[i])
      em_vec_append_bytes(k, ks[i], strlen(ks[i]));
    else
      em_vec_append_null(k);
    if (vs[i] >= 0)
      em_vec_append_fixed(v, &vs[i]);
    else
      em_vec_append_null(v);
    if (!isnan(ds[i]))
      em_vec_append_fixed(d, &ds[i]);
    else
      em_vec_append_null(d);
    if (bs[i] >= 0)
      em_vec_append_bool(b, bs[i]);
    else
      em_vec_append_null(b);
  }
  em_vec *cols[4] = {k, v, d, b};
  return local_rel(em_batch_new(st, 4, cols, 8));
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

static _Atomic int64_t ids = 1;
static _Atomic bool cancel_flag;
static em_memtracker tracker;

static int run_opts(em_spec_rel *rel, result *out, em_error *err, int64_t batch_rows, em_plan **plan_out) {
  em_analyze_ctx actx = {.case_sensitive = false, .ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
  em_plan *plan = NULL;
  memset(out, 0, sizeof *out);
  if (em_analyze(rel, &actx, &plan, err)) return -1;
  em_exec_ctx ctx = {.cancel = &cancel_flag, .mem = &tracker, .batch_rows = batch_rows, .threads = 2};
  ctx.eval.ansi = true;
  ctx.eval.timezone = "UTC";
  int rc = em_exec_run(plan, &ctx, collect_cb, out, err);
  if (plan_out && !rc)
    *plan_out = plan;
  else
    em_plan_free(plan);
  if (rc) result_free(out);
  return rc;
}

static int run(em_spec_rel *rel, result *out, em_error *err) { return run_opts(rel, out, err, 4096, NULL); }

static void setup(void) {
  em_spec_init(&S);
  em_memtracker_init(&tracker, NULL, 0);
}

static void teardown(void) {
  em_spec_release(&S);
  CHECK_EQ_INT(atomic_load(&tracker.used), 0);
}

/* Cell accessors over the gathered batches (row r of the whole result). */
static const em_vec *cell(const result *r, int c, int64_t row, int64_t *i) {
  for (int k = 0; k < r->n; k++) {
    if (row < r->b[k]->nrows) {
      *i = row;
      return r->b[k]->cols[c];
    }
    row -= r->b[k]->nrows;
  }
  CHECK(0);
  return NULL;
}

static bool is_null(const result *r, int c, int64_t row) {
  int64_t i;
  const em_vec *v = cell(r, c, row, &i);
  return em_vec_is_null(v, i);
}

static int64_t get_long(const result *r, int c, int64_t row) {
  int64_t i;
  const em_vec *v = cell(r, c, row, &i);
  CHECK(!em_vec_is_null(v, i));
  return ((const int64_t *)em_vec_values(v))[i];
}

static double get_double(const result *r, int c, int64_t row) {
  int64_t i;
  const em_vec *v = cell(r, c, row, &i);
  CHECK(!em_vec_is_null(v, i));
  return ((const double *)em_vec_values(v))[i];
}

static bool get_bool(const result *r, int c, int64_t row) {
  int64_t i;
  const em_vec *v = cell(r, c, row, &i);
  CHECK(!em_vec_is_null(v, i));
  return em_bit_get(em_vec_values(v), i);
}

/* String key of a row ("<null>" for NULL). */
static const char *get_str(const result *r, int c, int64_t row, char *buf, size_t cap) {
  int64_t i;
  const em_vec *v = cell(r, c, row, &i);
  if (em_vec_is_null(v, i)) return "<null>";
  int32_t len;
  const char *p = em_vec_str(v, i, &len);
  snprintf(buf, cap, "%.*s", len, p);
  return buf;
}

/* The row whose string column c equals key. */
static int64_t find_row(const result *r, int c, const char *key) {
  char buf[64];
  for (int64_t row = 0; row < r->rows; row++)
    if (strcmp(get_str(r, c, row, buf, sizeof buf), key) == 0) return row;
  fprintf(stderr, "no row with key %s\n", key);
  CHECK(0);
  return -1;
}

static const char *col_name(const result *r, int c) { return r->b[0]->schema->u.st.fields[c].name; }

/* ---- tests ---- */

TEST(global_over_range) {
  setup();
  const int64_t n = 1000000;
  em_spec_rel *rel = agg_rel(range_rel(0, n, 4), NOGROUP,
                             G(fn("count", 1, lit_long(1)), fn("sum", 1, col("id")), fn("avg", 1, col("id")),
                               fn("min", 1, col("id")), fn("max", 1, col("id")), fn("count", 1, star())));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.rows, 1);
  CHECK_EQ_STR(col_name(&r, 0), "count(1)");
  CHECK_EQ_STR(col_name(&r, 1), "sum(id)");
  CHECK_EQ_STR(col_name(&r, 2), "avg(id)");
  CHECK_EQ_STR(col_name(&r, 5), "count(1)");
  CHECK_EQ_INT(get_long(&r, 0, 0), n);
  CHECK_EQ_INT(get_long(&r, 1, 0), n * (n - 1) / 2);
  CHECK(get_double(&r, 2, 0) == (double)(n - 1) / 2);
  CHECK_EQ_INT(get_long(&r, 3, 0), 0);
  CHECK_EQ_INT(get_long(&r, 4, 0), n - 1);
  CHECK_EQ_INT(get_long(&r, 5, 0), n);
  result_free(&r);
  teardown();
}

/* Decimal sums add 64-bit words for chunks whose values are all narrow
 * (agg_basic.c): values near the narrow bound, wide values in some
 * chunks (first, middle and last row of a chunk), negatives, and chunk
 * tails of every parity; the result is the exact 128-bit sum. */
TEST(decimal_sums_narrow_and_wide) {
  setup();
  const int64_t n = 5000;
  em_type *st = em_type_struct_new(1), *dt = em_type_decimal(30, 0);
  em_type_struct_set(st, 0, "x", em_type_ref(dt), true, NULL);
  em_vec *v = em_vec_new(dt, n);
  em_type_unref(dt);
  __int128 want = 0;
  uint64_t seed = 12345;
  for (int64_t i = 0; i < n; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    __int128 x;
    if (i == 0 || i == 777 || i == 1279 || i == 4999)
      x = ((__int128)1 << 70) + (__int128)i; /* wide */
    else if (i % 301 == 0)
      x = -((__int128)1 << 55) - 1; /* just beyond the narrow bound */
    else if (i % 2)
      x = ((__int128)1 << 55) - 1 - (__int128)(seed >> 40); /* near the bound */
    else
      x = -(__int128)(seed >> 12);
    want += x;
    em_vec_append_fixed(v, &x);
  }
  em_vec *cols[1] = {v};
  em_spec_rel *rel = agg_rel(local_rel(em_batch_new(st, 1, cols, n)), NOGROUP, G(fn("sum", 1, col("x"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.rows, 1);
  int64_t i;
  const em_vec *out = cell(&r, 0, 0, &i);
  CHECK(!em_vec_is_null(out, i));
  __int128 got;
  memcpy(&got, (const uint8_t *)em_vec_values(out) + 16 * i, 16);
  CHECK(got == want);
  result_free(&r);
  teardown();
}

/* Spark: case_global_empty — one row; counts 0, the rest NULL, lists empty. */
TEST(global_over_empty_input) {
  setup();
  em_spec_rel *rel =
      agg_rel(range_rel(0, 0, 2), NOGROUP,
              G(fn("count", 1, col("id")), fn("count", 1, lit_long(1)), fn("sum", 1, col("id")), fn("avg", 1, col("id")),
                fn("min", 1, col("id")), fn("max", 1, col("id")), fn("first", 1, col("id")), fn("last", 1, col("id")),
                fn("stddev", 1, col("id")), fn("variance", 1, col("id")), fn("collect_list", 1, col("id")),
                fn("collect_set", 1, col("id")), fn("count_if", 1, lit_bool(true)), fn("bool_and", 1, lit_bool(true)),
                fn("bool_or", 1, lit_bool(true)), fn("approx_count_distinct", 1, col("id")),
                distinct(fn("count", 1, col("id"))), fn("any_value", 1, col("id"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.rows, 1);
  const char *names[] = {"count(id)", "count(1)", "sum(id)", "avg(id)", "min(id)", "max(id)",
                         "first(id)", "last(id)", "stddev(id)", "variance(id)", "collect_list(id)",
                         "collect_set(id)", "count_if(true)", "bool_and(true)", "bool_or(true)",
                         "approx_count_distinct(id)", "count(DISTINCT id)", "any_value(id)"};
  for (int c = 0; c < 18; c++) CHECK_EQ_STR(col_name(&r, c), names[c]);
  CHECK_EQ_INT(get_long(&r, 0, 0), 0);
  CHECK_EQ_INT(get_long(&r, 1, 0), 0);
  for (int c = 2; c <= 9; c++) CHECK(is_null(&r, c, 0));
  int64_t i;
  const em_vec *l = cell(&r, 10, 0, &i);
  CHECK(!em_vec_is_null(l, 0) && em_vec_offsets(l)[1] == 0);
  CHECK_EQ_INT(get_long(&r, 12, 0), 0);
  CHECK(is_null(&r, 13, 0) && is_null(&r, 14, 0));
  CHECK_EQ_INT(get_long(&r, 15, 0), 0);
  CHECK_EQ_INT(get_long(&r, 16, 0), 0);
  CHECK(is_null(&r, 17, 0));
  /* Spark's schema: count NOT NULL, sum nullable, collect_list NOT NULL. */
  CHECK(!r.b[0]->schema->u.st.fields[0].nullable);
  CHECK(r.b[0]->schema->u.st.fields[2].nullable);
  CHECK(!r.b[0]->schema->u.st.fields[10].nullable);
  result_free(&r);
  teardown();
}

TEST(grouped_empty_input_has_no_rows) {
  setup();
  em_spec_rel *rel = agg_rel(range_rel(0, 0, 2), G(col("id")), G(fn("sum", 1, col("id"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.rows, 0);
  result_free(&r);
  teardown();
}

/* 1M distinct keys over 4 partitions: every group once, merged across the
 * two thread-local tables by radix partitions. */
TEST(many_groups) {
  setup();
  const int64_t n = 1000000;
  em_spec_rel *rel = agg_rel(range_rel(0, n, 4), G(col("id")), G(fn("count", 1, lit_long(1)), fn("sum", 1, col("id"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.rows, n);
  CHECK_EQ_STR(col_name(&r, 0), "id");
  uint8_t *seen = calloc((size_t)n, 1);
  int64_t row = 0;
  for (int k = 0; k < r.n; k++) {
    const em_batch *b = r.b[k];
    CHECK(b->nrows <= 4096);
    const int64_t *id = em_vec_values(b->cols[0]), *cnt = em_vec_values(b->cols[1]), *sum = em_vec_values(b->cols[2]);
    for (int64_t i = 0; i < b->nrows; i++, row++) {
      CHECK(id[i] >= 0 && id[i] < n && !seen[id[i]]);
      seen[id[i]] = 1;
      CHECK_EQ_INT(cnt[i], 1);
      CHECK_EQ_INT(sum[i], id[i]);
    }
  }
  free(seen);
  result_free(&r);
  teardown();
}

/* A local relation of (k int = i % 7 or NULL every 10th row, v long = i),
 * split over several batches. */
static em_spec_rel *mod_rel(int64_t n, int mod, bool as_string) {
  em_type *st = em_type_struct_new(2);
  em_type_struct_set(st, 0, "k", as_string ? em_type_string() : em_type_int(), true, NULL);
  em_type_struct_set(st, 1, "v", em_type_long(), false, NULL);
  em_vec *k = em_vec_new(st->u.st.fields[0].type, n), *v = em_vec_new(em_type_long(), n);
  for (int64_t i = 0; i < n; i++) {
    if (i % 10 == 9) {
      em_vec_append_null(k);
    } else if (as_string) {
      char buf[32];
      int len = snprintf(buf, sizeof buf, "key-%d", (int)(i % mod));
      em_vec_append_bytes(k, buf, (size_t)len);
    } else {
      int32_t x = (int32_t)(i % mod);
      em_vec_append_fixed(k, &x);
    }
    em_vec_append_fixed(v, &i);
  }
  em_vec *cols[2] = {k, v};
  return local_rel(em_batch_new(st, 2, cols, n));
}

static void check_mod_groups(bool as_string) {
  setup();
  const int64_t n = 100000;
  const int mod = 7;
  em_spec_rel *rel = agg_rel(mod_rel(n, mod, as_string), G(col("k")),
                             G(fn("count", 1, star()), fn("sum", 1, col("v")), fn("min", 1, col("v")),
                               fn("max", 1, col("v"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run_opts(rel, &r, &err, 1000, NULL), 0);
  CHECK_EQ_INT(r.rows, mod + 1);
  int64_t cnt[8] = {0}, sum[8] = {0}, mn[8], mx[8];
  for (int g = 0; g < 8; g++) mn[g] = INT64_MAX, mx[g] = INT64_MIN;
  for (int64_t i = 0; i < n; i++) {
    int g = i % 10 == 9 ? mod : (int)(i % mod);
    cnt[g]++;
    sum[g] += i;
    if (i < mn[g]) mn[g] = i;
    if (i > mx[g]) mx[g] = i;
  }
  for (int64_t row = 0; row < r.rows; row++) {
    int g;
    if (is_null(&r, 0, row)) {
      g = mod;
    } else if (as_string) {
      char buf[64];
      g = atoi(get_str(&r, 0, row, buf, sizeof buf) + 4);
    } else {
      int64_t i;
      const em_vec *kv = cell(&r, 0, row, &i);
      g = ((const int32_t *)em_vec_values(kv))[i];
    }
    CHECK_EQ_INT(get_long(&r, 1, row), cnt[g]);
    CHECK_EQ_INT(get_long(&r, 2, row), sum[g]);
    CHECK_EQ_INT(get_long(&r, 3, row), mn[g]);
    CHECK_EQ_INT(get_long(&r, 4, row), mx[g]);
  }
  result_free(&r);
  teardown();
}

TEST(few_groups_int_keys_with_null) { check_mod_groups(false); }
TEST(few_groups_string_keys_with_null) { check_mod_groups(true); }

/* Spark: case_group_string_keys. */
TEST(kv_string_keys) {
  setup();
  em_spec_rel *rel = agg_rel(kv_rel(), G(col("k")),
                             G(fn("count", 1, star()), fn("count", 1, col("v")), fn("sum", 1, col("v")),
                               fn("avg", 1, col("d")), fn("min", 1, col("v")), fn("max", 1, col("d"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.rows, 4);
  int64_t a = find_row(&r, 0, "a"), b = find_row(&r, 0, "b"), c = find_row(&r, 0, "c"), z = find_row(&r, 0, "<null>");
  /* a: count 3, count(v) 3, sum 12, avg(d) 4.75, min 1, max 8.0 */
  CHECK_EQ_INT(get_long(&r, 1, a), 3);
  CHECK_EQ_INT(get_long(&r, 2, a), 3);
  CHECK_EQ_INT(get_long(&r, 3, a), 12);
  CHECK(get_double(&r, 4, a) == 4.75);
  CHECK_EQ_INT(get_long(&r, 5, a), 1);
  CHECK(get_double(&r, 6, a) == 8.0);
  /* b: 2, 1, 2, 0.75, 2, 2.5 */
  CHECK_EQ_INT(get_long(&r, 1, b), 2);
  CHECK_EQ_INT(get_long(&r, 2, b), 1);
  CHECK_EQ_INT(get_long(&r, 3, b), 2);
  CHECK(get_double(&r, 4, b) == 0.75);
  CHECK(get_double(&r, 6, b) == 2.5);
  /* c: 1, 0, NULL, NULL, NULL, NULL */
  CHECK_EQ_INT(get_long(&r, 1, c), 1);
  CHECK_EQ_INT(get_long(&r, 2, c), 0);
  CHECK(is_null(&r, 3, c) && is_null(&r, 4, c) && is_null(&r, 5, c) && is_null(&r, 6, c));
  /* NULL key: 2, 2, 10, 2.25, 4, 4.0 */
  CHECK_EQ_INT(get_long(&r, 1, z), 2);
  CHECK_EQ_INT(get_long(&r, 3, z), 10);
  CHECK(get_double(&r, 4, z) == 2.25);
  CHECK_EQ_INT(get_long(&r, 5, z), 4);
  result_free(&r);
  teardown();
}

/* Spark: case_stat_functions, case_bool_and_or, case_count_if. */
TEST(kv_stats_bools_count_if) {
  setup();
  em_spec_rel *rel = agg_rel(kv_rel(), G(col("k")),
                             G(fn("stddev", 1, col("d")), fn("stddev_pop", 1, col("d")), fn("variance", 1, col("d")),
                               fn("var_pop", 1, col("d")), fn("bool_and", 1, col("b")), fn("bool_or", 1, col("b")),
                               fn("count_if", 1, col("b"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  int64_t a = find_row(&r, 0, "a"), b = find_row(&r, 0, "b"), c = find_row(&r, 0, "c"), z = find_row(&r, 0, "<null>");
  CHECK(get_double(&r, 1, a) == 4.596194077712559);
  CHECK(get_double(&r, 2, a) == 3.25);
  CHECK(get_double(&r, 3, a) == 21.125);
  CHECK(get_double(&r, 4, a) == 10.5625);
  CHECK(get_double(&r, 1, b) == 2.4748737341529163);
  CHECK(get_double(&r, 4, z) == 3.0625);
  for (int k = 1; k <= 4; k++) CHECK(is_null(&r, k, c));
  CHECK(get_bool(&r, 5, a) == true && get_bool(&r, 6, a) == true);
  CHECK(get_bool(&r, 5, b) == false && get_bool(&r, 6, b) == true);
  CHECK(is_null(&r, 5, c) && is_null(&r, 6, c));
  CHECK(get_bool(&r, 5, z) == false && get_bool(&r, 6, z) == false);
  CHECK_EQ_INT(get_long(&r, 7, a), 3);
  CHECK_EQ_INT(get_long(&r, 7, b), 1);
  CHECK_EQ_INT(get_long(&r, 7, c), 0);
  CHECK_EQ_INT(get_long(&r, 7, z), 0);
  result_free(&r);
  teardown();
}

/* Spark: case_count_distinct (3, 3, 6) and case_approx_count_distinct_small
 * / _strings. */
TEST(kv_distinct_counts) {
  setup();
  em_spec_rel *rel = agg_rel(kv_rel(), NOGROUP,
                             G(distinct(fn("count", 1, col("k"))), distinct(fn("count", 2, col("k"), col("b"))),
                               distinct(fn("count", 1, col("v"))), fn("approx_count_distinct", 1, col("k")),
                               fn("approx_count_distinct", 1, col("d")), distinct(fn("sum", 1, col("v")))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_STR(col_name(&r, 0), "count(DISTINCT k)");
  CHECK_EQ_STR(col_name(&r, 1), "count(DISTINCT k, b)");
  CHECK_EQ_INT(get_long(&r, 0, 0), 3);
  CHECK_EQ_INT(get_long(&r, 1, 0), 3);
  CHECK_EQ_INT(get_long(&r, 2, 0), 6);
  CHECK_EQ_INT(get_long(&r, 3, 0), 3);
  CHECK_EQ_INT(get_long(&r, 4, 0), 6);
  CHECK_EQ_INT(get_long(&r, 5, 0), 24); /* 1+2+3+4+6+8, computed */
  result_free(&r);
  teardown();
}

/* Spark: case_approx_count_distinct — range(1000): 1026, and 928 with rsd 0.1. */
TEST(approx_count_distinct_range) {
  setup();
  em_vec *rsd = em_vec_new(em_type_double(), 1);
  double x = 0.1;
  em_vec_append_fixed(rsd, &x);
  em_spec_rel *rel = agg_rel(range_rel(0, 1000, 3), NOGROUP,
                             G(fn("approx_count_distinct", 1, col("id")), fn("approx_count_distinct", 2, col("id"), lit_vec(rsd))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(get_long(&r, 0, 0), 1026);
  CHECK_EQ_INT(get_long(&r, 1, 0), 928);
  result_free(&r);
  teardown();
}

/* first/last/collect_list over one partition: input order. Spark:
 * case_collect_list (a: [1, 3, 8]), case_first_last_ignorenulls. */
TEST(kv_first_last_collect) {
  setup();
  em_spec_rel *rel = agg_rel(kv_rel(), G(col("k")),
                             G(fn("first", 1, col("v")), fn("last", 1, col("v")), fn("first", 2, col("d"), lit_bool(true)),
                               fn("collect_list", 1, col("v")), fn("collect_set", 1, col("v"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_STR(col_name(&r, 3), "first(d)");
  int64_t a = find_row(&r, 0, "a"), b = find_row(&r, 0, "b");
  CHECK_EQ_INT(get_long(&r, 1, a), 1);
  CHECK_EQ_INT(get_long(&r, 2, a), 8);
  CHECK(is_null(&r, 2, b));
  CHECK(get_double(&r, 3, a) == 1.5);
  int64_t i;
  const em_vec *l = cell(&r, 4, a, &i);
  const int32_t *o = em_vec_offsets(l);
  CHECK_EQ_INT(o[i + 1] - o[i], 3);
  const int64_t *e = em_vec_values(l->children[0]);
  CHECK(e[o[i]] == 1 && e[o[i] + 1] == 3 && e[o[i] + 2] == 8);
  const em_vec *s = cell(&r, 5, a, &i);
  CHECK_EQ_INT(em_vec_offsets(s)[i + 1] - em_vec_offsets(s)[i], 3);
  result_free(&r);
  teardown();
}

/* groupBy("k").agg(col("k"), sum(v)) -> k, k, sum(v) (Spark:
 * case_group_key_in_aggs). */
TEST(key_repeated_in_aggs) {
  setup();
  em_spec_rel *rel = agg_rel(kv_rel(), G(col("k")), G(col("k"), fn("sum", 1, col("v"))));
  result r;
  em_error err;
  CHECK_EQ_INT(run(rel, &r, &err), 0);
  CHECK_EQ_INT(r.b[0]->ncols, 3);
  CHECK_EQ_STR(col_name(&r, 0), "k");
  CHECK_EQ_STR(col_name(&r, 1), "k");
  CHECK_EQ_STR(col_name(&r, 2), "sum(v)");
  char b1[16], b2[16];
  for (int64_t row = 0; row < r.rows; row++)
    CHECK_EQ_STR(get_str(&r, 0, row, b1, sizeof b1), get_str(&r, 1, row, b2, sizeof b2));
  CHECK_EQ_INT(get_long(&r, 2, find_row(&r, 0, "a")), 12);
  result_free(&r);
  teardown();
}

static em_spec_rel *dedup_rel(em_spec_rel *in, const char **cols, int n) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_DEDUPLICATE);
  r->input = in;
  r->u.dedup.cols = em_spec_array(&S, (size_t)(n + 1), sizeof(char *));
  for (int i = 0; i < n; i++) r->u.dedup.cols[i] = em_spec_strdup(&S, cols[i]);
  r->u.dedup.ncols = n;
  r->u.dedup.all_columns = n == 0;
  return r;
}

/* dropDuplicates(["k"]) keeps the first row of each key, columns in order. */
TEST(drop_duplicates_subset) {
  setup();
  const char *keys[] = {"K"};
  result r;
  em_error err;
  CHECK_EQ_INT(run(dedup_rel(kv_rel(), keys, 1), &r, &err), 0);
  CHECK_EQ_INT(r.rows, 4);
  CHECK_EQ_INT(r.b[0]->ncols, 4);
  CHECK_EQ_STR(col_name(&r, 1), "v");
  CHECK_EQ_INT(get_long(&r, 1, find_row(&r, 0, "a")), 1);
  CHECK_EQ_INT(get_long(&r, 1, find_row(&r, 0, "<null>")), 4);
  CHECK(is_null(&r, 1, find_row(&r, 0, "c")));
  result_free(&r);
  /* distinct(): every column is a key. */
  CHECK_EQ_INT(run(dedup_rel(kv_rel(), NULL, 0), &r, &err), 0);
  CHECK_EQ_INT(r.rows, 8);
  result_free(&r);
  teardown();
}

/* Spark: case_drop_duplicates_unknown. */
TEST(drop_duplicates_unknown_column) {
  setup();
  const char *keys[] = {"nope"};
  result r;
  em_error err;
  CHECK_EQ_INT(run(dedup_rel(kv_rel(), keys, 1), &r, &err), -1);
  CHECK_EQ_STR(em_errclass_name(err.cls), "CONNECT_INVALID_PLAN.UNRESOLVED_COLUMN_AMONG_FIELD_NAMES");
  CHECK_EQ_STR(err.vals[1], "k, v, d, b");
  teardown();
}

static void expect_error(em_spec_rel *rel, const char *cls) {
  result r;
  em_error err;
  em_error_clear(&err);
  CHECK_EQ_INT(run(rel, &r, &err), -1);
  CHECK_EQ_STR(em_errclass_name(err.cls), cls);
}

/* Spark: case_error_* and case_sum_long_overflow. */
TEST(analysis_and_runtime_errors) {
  setup();
  expect_error(agg_rel(kv_rel(), G(col("k")), G(col("v"))), "MISSING_AGGREGATION");
  expect_error(agg_rel(kv_rel(), NOGROUP, G(fn("sum", 1, col("v")), col("k"))), "MISSING_GROUP_BY");
  expect_error(agg_rel(kv_rel(), NOGROUP, G(fn("sum", 1, fn("max", 1, col("v"))))), "NESTED_AGGREGATE_FUNCTION");
  expect_error(agg_rel(kv_rel(), G(fn("sum", 1, col("v"))), G(fn("count", 1, star()))), "GROUP_BY_AGGREGATE");
  expect_error(agg_rel(kv_rel(), NOGROUP, G(fn("avg", 1, col("b")))), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  expect_error(agg_rel(kv_rel(), NOGROUP, G(fn("bool_and", 1, col("v")))), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  expect_error(agg_rel(kv_rel(), G(col("nope")), G(fn("sum", 1, col("v")))), "UNRESOLVED_COLUMN.WITH_SUGGESTION");
  expect_error(agg_rel(kv_rel(), G(col("k")), G(fn("grouping", 1, col("k")))), "UNSUPPORTED_GROUPING_EXPRESSION");
  em_spec_rel *roll = agg_rel(kv_rel(), G(col("k")), G(fn("grouping", 1, col("v"))));
  roll->u.aggregate.group_type = EM_GROUP_ROLLUP;
  expect_error(roll, "GROUPING_COLUMN_MISMATCH");
  /* sum over a long that overflows: ARITHMETIC_OVERFLOW under ANSI. */
  em_type *st = em_type_struct_new(1);
  em_type_struct_set(st, 0, "v", em_type_long(), true, NULL);
  em_vec *v = em_vec_new(em_type_long(), 2);
  int64_t big = INT64_MAX, one = 1;
  em_vec_append_fixed(v, &big);
  em_vec_append_fixed(v, &one);
  em_vec *cols[1] = {v};
  expect_error(agg_rel(local_rel(em_batch_new(st, 1, cols, 2)), NOGROUP, G(fn("sum", 1, col("v")))),
               "ARITHMETIC_OVERFLOW");
  teardown();
}

/* ROLLUP / CUBE through the Expand: 1M rows in 4 partitions, keys id % 3
 * and id % 2; rollup has 6 + 3 + 1 groups, cube 6 + 3 + 2 + 1, and every
 * grouping set counts every row once. */
TEST(rollup_and_cube_over_range) {
  setup();
  const int64_t n = 1000000;
  for (int cube = 0; cube < 2; cube++) {
    em_spec_rel *rel = agg_rel(range_rel(0, n, 4), G(fn("%", 2, col("id"), lit_long(3)), fn("%", 2, col("id"), lit_long(2))),
                               G(fn("count", 1, star()), fn("grouping_id", 0)));
    rel->u.aggregate.group_type = cube ? EM_GROUP_CUBE : EM_GROUP_ROLLUP;
    result r;
    em_error err;
    CHECK_EQ_INT(run(rel, &r, &err), 0);
    CHECK_EQ_INT(r.rows, cube ? 12 : 10);
    CHECK_EQ_STR(col_name(&r, 3), "grouping_id()");
    int64_t total[4] = {0};
    for (int64_t i = 0; i < r.rows; i++) {
      int64_t gid = get_long(&r, 3, i);
      CHECK(gid >= 0 && gid <= 3);
      total[gid] += get_long(&r, 2, i);
    }
    CHECK_EQ_INT(total[0], n);
    CHECK_EQ_INT(total[1], n);
    CHECK_EQ_INT(total[3], n);
    CHECK_EQ_INT(total[2], cube ? n : 0);
    result_free(&r);
  }
  teardown();
}

TEST(cancelled_before_start) {
  setup();
  atomic_store(&cancel_flag, true);
  result r;
  em_error err;
  CHECK_EQ_INT(run(agg_rel(range_rel(0, 10000000, 4), G(col("id")), G(fn("count", 1, star()))), &r, &err), -1);
  CHECK_EQ_STR(em_errclass_name(err.cls), "OPERATION_CANCELED");
  atomic_store(&cancel_flag, false);
  teardown();
}

static void *cancel_later(void *arg) {
  (void)arg;
  usleep(30000);
  atomic_store(&cancel_flag, true);
  return NULL;
}

TEST(cancelled_while_running) {
  setup();
  pthread_t th;
  pthread_create(&th, NULL, cancel_later, NULL);
  result r;
  em_error err;
  int rc = run(agg_rel(range_rel(0, 200000000, 8), G(col("id")), G(fn("count", 1, star()))), &r, &err);
  pthread_join(th, NULL);
  CHECK_EQ_INT(rc, -1);
  CHECK_EQ_STR(em_errclass_name(err.cls), "OPERATION_CANCELED");
  atomic_store(&cancel_flag, false);
  teardown();
}

TEST(memory_budget_exceeded) {
  setup();
  em_memtracker_init(&tracker, NULL, 4 << 20);
  result r;
  em_error err;
  CHECK_EQ_INT(run(agg_rel(range_rel(0, 2000000, 2), G(col("id")), G(fn("sum", 1, col("id")))), &r, &err), -1);
  CHECK_EQ_STR(em_errclass_name(err.cls), "UNABLE_TO_ACQUIRE_MEMORY");
  teardown();
}

/* Fail the N-th allocation for N = 1..K: an error or a correct answer,
 * never a crash or (under ASan) a leak. */
TEST(fault_injection) {
  int failures = 0, ok = 0;
  for (uint64_t k = 1; k < 4000; k++) {
    setup();
    em_spec_rel *rel = agg_rel(mod_rel(3000, 5, true), G(col("k")),
                               G(fn("sum", 1, col("v")), fn("collect_list", 1, col("v")), fn("max", 1, col("k")),
                                 distinct(fn("count", 1, col("v")))));
    result r;
    em_error err;
    em_mem_fail_after(k);
    int rc = run_opts(rel, &r, &err, 512, NULL);
    em_mem_fail_after(0);
    if (rc) {
      failures++;
    } else {
      ok++;
      CHECK_EQ_INT(r.rows, 6);
      result_free(&r);
    }
    teardown();
    if (rc == 0 && ok > 3) break; /* past the last allocation */
  }
  CHECK(failures > 50);
  CHECK(ok > 0);
}

TEST_LIST{
    TEST_ENTRY(global_over_range),
    TEST_ENTRY(decimal_sums_narrow_and_wide),
    TEST_ENTRY(global_over_empty_input),
    TEST_ENTRY(grouped_empty_input_has_no_rows),
    TEST_ENTRY(many_groups),
    TEST_ENTRY(few_groups_int_keys_with_null),
    TEST_ENTRY(few_groups_string_keys_with_null),
    TEST_ENTRY(kv_string_keys),
    TEST_ENTRY(kv_stats_bools_count_if),
    TEST_ENTRY(kv_distinct_counts),
    TEST_ENTRY(approx_count_distinct_range),
    TEST_ENTRY(kv_first_last_collect),
    TEST_ENTRY(key_repeated_in_aggs),
    TEST_ENTRY(drop_duplicates_subset),
    TEST_ENTRY(drop_duplicates_unknown_column),
    TEST_ENTRY(analysis_and_runtime_errors),
    TEST_ENTRY(cancelled_before_start),
    TEST_ENTRY(rollup_and_cube_over_range),
    TEST_ENTRY(cancelled_while_running),
    TEST_ENTRY(memory_budget_exceeded),
    TEST_ENTRY(fault_injection),
    TEST_END,
};

