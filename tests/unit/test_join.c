/*
 * The hash join end to end without gRPC: spec trees built by hand,
 * em_analyze, em_exec_run. Inputs are generated ranges (several partitions,
 * so probes run in parallel) whose keys have NULLs and duplicates; every
 * result is compared, as a multiset of (left row, right row) pairs, with a
 * nested loop over the same formulas computed here. Also: the memory
 * budget, cancellation, and fault injection over the whole path.
 */
#include "runner.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "exec/exec.h"
#include "plan/plan.h"
#include "spec/spec.h"

static em_spec S;

/* ---- spec builders ---- */

static em_spec_rel *range_rel(int64_t n, int parts) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_RANGE);
  r->u.range.end = n;
  r->u.range.step = 1;
  r->u.range.num_partitions = parts;
  return r;
}

static em_spec_expr *col(const char *name, int64_t plan_id) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_ATTR);
  e->u.attr.parts = em_spec_array(&S, 1, sizeof(char *));
  e->u.attr.parts[0] = em_spec_strdup(&S, name);
  e->u.attr.nparts = 1;
  e->u.attr.plan_id = plan_id;
  return e;
}

static em_spec_expr *lit_long(int64_t x) {
  em_vec *v = em_vec_new(em_type_long(), 1);
  em_vec_append_fixed(v, &x);
  em_spec_own_vec(&S, v);
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_LITERAL);
  e->u.lit.value = v;
  return e;
}

static em_spec_expr *fn(const char *name, int nargs, ...) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_FUNC);
  e->u.func.name = em_spec_strdup(&S, name);
  e->u.func.args = em_spec_array(&S, (size_t)nargs, sizeof(em_spec_expr *));
  e->u.func.nargs = nargs;
  va_list ap;
  va_start(ap, nargs);
  for (int i = 0; i < nargs; i++) e->u.func.args[i] = va_arg(ap, em_spec_expr *);
  va_end(ap);
  return e;
}

static em_spec_expr *alias(em_spec_expr *x, const char *name) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_ALIAS);
  e->u.alias.child = x;
  e->u.alias.names = em_spec_array(&S, 1, sizeof(char *));
  e->u.alias.names[0] = em_spec_strdup(&S, name);
  e->u.alias.nnames = 1;
  return e;
}

/* range(n).select(id AS <idname>, nullif(id % m, 3) * mult AS k) with a
 * plan id: keys 0..m-1 (times mult) repeated, the key 3 NULL. A multiplier
 * spreads the keys so that the table is not a dense one. */
static int64_t mult = 1;

static em_spec_rel *side(const char *idname, int64_t n, int64_t m, int parts, int64_t plan_id) {
  em_spec_rel *p = em_spec_rel_new(&S, EM_SR_PROJECT);
  p->input = range_rel(n, parts);
  p->plan_id = plan_id;
  p->u.project.exprs = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  p->u.project.exprs[0] = alias(col("id", -1), idname);
  p->u.project.exprs[1] =
      alias(fn("*", 2, fn("nullif", 2, fn("%", 2, col("id", -1), lit_long(m)), lit_long(3)), lit_long(mult)), "k");
  p->u.project.nexprs = 2;
  return p;
}

static em_spec_rel *join_rel(em_spec_rel *l, em_spec_rel *r, em_join_type type, em_spec_expr *cond) {
  em_spec_rel *j = em_spec_rel_new(&S, EM_SR_JOIN);
  j->input = l;
  j->u.join.right = r;
  j->u.join.type = type;
  j->u.join.cond = cond;
  return j;
}

/* ---- running ---- */

typedef struct result {
  int64_t *pairs; /* (left id + 1) * 1e6 + (right id + 1); 0 = NULL side */
  int64_t n, cap;
  int ncols;
} result;

static int64_t cell(const em_batch *b, int c, int64_t i) {
  const em_vec *v = b->cols[c];
  return em_vec_is_null(v, i) ? -1 : ((const int64_t *)em_vec_values(v))[i];
}

/* Keeps (lid, rid) of each row: column 0 is lid, column 2 rid (absent for
 * semi and anti joins). */
static int collect_cb(void *user, em_batch *b, em_error *err) {
  result *r = user;
  if (r->n + b->nrows > r->cap) {
    int64_t ncap = (r->n + b->nrows) * 2;
    int64_t *np = realloc(r->pairs, sizeof *np * (size_t)ncap);
    if (!np) return em_error_internal(err, "oom");
    r->pairs = np;
    r->cap = ncap;
  }
  r->ncols = b->ncols;
  for (int64_t i = 0; i < b->nrows; i++) {
    int64_t lid = cell(b, 0, i), rid = b->ncols > 2 ? cell(b, 2, i) : -1;
    r->pairs[r->n++] = (lid + 1) * 1000000 + (rid + 1);
  }
  return 0;
}

static _Atomic int64_t ids = 1;
static _Atomic bool cancel_flag;
static em_memtracker tracker;

static int run(const em_spec_rel *rel, result *out, int threads, em_error *err) {
  em_analyze_ctx actx = {.case_sensitive = false, .ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
  em_plan *plan = NULL;
  memset(out, 0, sizeof *out);
  if (em_analyze(rel, &actx, &plan, err)) return -1;
  em_exec_ctx ctx = {.cancel = &cancel_flag, .mem = &tracker, .batch_rows = 1000, .threads = threads};
  ctx.eval.ansi = true;
  ctx.eval.timezone = "UTC";
  int rc = em_exec_run(plan, &ctx, collect_cb, out, err);
  em_plan_free(plan);
  return rc;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* ---- the oracle: a nested loop over the same formulas ---- */

typedef struct spec_side {
  int64_t n, m;
} spec_side;

static int64_t key_of(const spec_side *s, int64_t id) {
  int64_t k = id % s->m;
  return k == 3 ? -1 : k * mult; /* -1 = NULL */
}

typedef bool (*pair_pred)(int64_t lid, int64_t lk, int64_t rid, int64_t rk);

static bool eq_keys(int64_t lid, int64_t lk, int64_t rid, int64_t rk) {
  (void)lid, (void)rid;
  return lk >= 0 && rk >= 0 && lk == rk;
}
static bool eq_null_safe(int64_t lid, int64_t lk, int64_t rid, int64_t rk) {
  (void)lid, (void)rid;
  return lk == rk;
}
static bool eq_and_lt(int64_t lid, int64_t lk, int64_t rid, int64_t rk) {
  return eq_keys(lid, lk, rid, rk) && lid < rid;
}
static bool eq_and_parity(int64_t lid, int64_t lk, int64_t rid, int64_t rk) {
  return eq_keys(lid, lk, rid, rk) && lid % 2 == rid % 2;
}
static bool lt_only(int64_t lid, int64_t lk, int64_t rid, int64_t rk) {
  (void)lk, (void)rk;
  return lid * 3 < rid;
}
static bool always(int64_t lid, int64_t lk, int64_t rid, int64_t rk) {
  (void)lid, (void)lk, (void)rid, (void)rk;
  return true;
}

static int64_t expected(const spec_side *l, const spec_side *r, em_join_type type, pair_pred pred, int64_t **out) {
  int64_t cap = 1024, n = 0;
  int64_t *p = malloc(sizeof *p * (size_t)cap);
  bool *rmatched = calloc((size_t)r->n + 1, 1);
#define PUSH(v)                                      \
  do {                                               \
    if (n == cap) p = realloc(p, sizeof *p * (size_t)(cap *= 2)); \
    p[n++] = (v);                                    \
  } while (0)
  for (int64_t i = 0; i < l->n; i++) {
    bool any = false;
    for (int64_t j = 0; j < r->n; j++) {
      if (!pred(i, key_of(l, i), j, key_of(r, j))) continue;
      any = true;
      rmatched[j] = true;
      if (type != EM_JOIN_LEFT_SEMI && type != EM_JOIN_LEFT_ANTI) PUSH((i + 1) * 1000000 + (j + 1));
    }
    if (type == EM_JOIN_LEFT_SEMI && any) PUSH((i + 1) * 1000000);
    if (type == EM_JOIN_LEFT_ANTI && !any) PUSH((i + 1) * 1000000);
    if ((type == EM_JOIN_LEFT_OUTER || type == EM_JOIN_FULL_OUTER) && !any) PUSH((i + 1) * 1000000);
  }
  if (type == EM_JOIN_RIGHT_OUTER || type == EM_JOIN_FULL_OUTER)
    for (int64_t j = 0; j < r->n; j++)
      if (!rmatched[j]) PUSH(j + 1);
#undef PUSH
  free(rmatched);
  qsort(p, (size_t)n, sizeof *p, cmp64);
  *out = p;
  return n;
}

/* The condition for a predicate, over the sides' plan ids 1 and 2. */
static em_spec_expr *cond_for(pair_pred pred) {
  em_spec_expr *eq = fn("==", 2, col("k", 1), col("k", 2));
  if (pred == eq_keys) return eq;
  if (pred == eq_null_safe) return fn("<=>", 2, col("k", 1), col("k", 2));
  if (pred == eq_and_lt) return fn("and", 2, eq, fn("<", 2, col("lid", 1), col("rid", 2)));
  if (pred == eq_and_parity)
    return fn("and", 2, eq,
              fn("==", 2, fn("%", 2, col("lid", 1), lit_long(2)), fn("%", 2, col("rid", 2), lit_long(2))));
  if (pred == lt_only) return fn("<", 2, fn("*", 2, col("lid", 1), lit_long(3)), col("rid", 2));
  return NULL;
}

/* F.broadcast(left): the left input carries a broadcast hint. */
static bool broadcast_left;

static em_spec_rel *hinted(em_spec_rel *in) {
  if (!broadcast_left) return in;
  em_spec_rel *h = em_spec_rel_new(&S, EM_SR_HINT);
  h->input = in;
  h->u.hint.name = em_spec_strdup(&S, "broadcast");
  h->u.hint.params = em_spec_array(&S, 1, sizeof(em_spec_expr *));
  return h;
}

static void check_join(spec_side l, spec_side r, em_join_type type, pair_pred pred, int threads) {
  em_spec_init(&S);
  em_memtracker_init(&tracker, NULL, 0);
  em_spec_rel *rel =
      join_rel(hinted(side("lid", l.n, l.m, 3, 1)), side("rid", r.n, r.m, 2, 2), type, cond_for(pred));
  result got;
  em_error err;
  int rc = run(rel, &got, threads, &err);
  if (rc) fprintf(stderr, "join failed: %s\n", err.msg);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(atomic_load(&tracker.used), 0);
  int64_t *want = NULL;
  int64_t nwant = expected(&l, &r, type, pred == NULL ? always : pred, &want);
  if (got.n) qsort(got.pairs, (size_t)got.n, sizeof *got.pairs, cmp64);
  if (got.n != nwant) fprintf(stderr, "type %d: %lld rows, want %lld\n", (int)type, (long long)got.n, (long long)nwant);
  CHECK_EQ_INT(got.n, nwant);
  for (int64_t i = 0; i < nwant; i++) CHECK_EQ_INT(got.pairs[i], want[i]);
  if (nwant) CHECK_EQ_INT(got.ncols, type == EM_JOIN_LEFT_SEMI || type == EM_JOIN_LEFT_ANTI ? 2 : 4);
  free(want);
  free(got.pairs);
  em_spec_release(&S);
}

static const em_join_type all_types[] = {EM_JOIN_INNER,      EM_JOIN_LEFT_OUTER, EM_JOIN_RIGHT_OUTER,
                                         EM_JOIN_FULL_OUTER, EM_JOIN_LEFT_SEMI,  EM_JOIN_LEFT_ANTI};

static void check_all_types(spec_side l, spec_side r, pair_pred pred) {
  for (size_t t = 0; t < EM_ARRAY_LEN(all_types); t++) {
    check_join(l, r, all_types[t], pred, 2);
    check_join(l, r, all_types[t], pred, 1);
  }
}

TEST(equi_join_every_type) { check_all_types((spec_side){5000, 97}, (spec_side){700, 130}, eq_keys); }

TEST(equi_join_sparse_keys) {
  /* Keys spread over a wide range: hash buckets, not a dense table. */
  mult = 1000003;
  check_all_types((spec_side){5000, 97}, (spec_side){700, 130}, eq_keys);
  check_all_types((spec_side){3000, 7}, (spec_side){400, 5}, eq_keys);
  mult = 1;
}

TEST(broadcast_left_side) {
  /* An inner join builds the hinted left side; the other types ignore it. */
  broadcast_left = true;
  check_all_types((spec_side){700, 97}, (spec_side){5000, 130}, eq_keys);
  check_all_types((spec_side){700, 31}, (spec_side){2000, 17}, eq_and_lt);
  check_join((spec_side){150, 7}, (spec_side){120, 5}, EM_JOIN_CROSS, NULL, 2);
  broadcast_left = false;
}

TEST(big_build_side_parallel) {
  /* Over 2^17 build rows the table is built by several tasks: it must come
   * out the same (dense keys, hashed keys, keys with many duplicates). */
  check_join((spec_side){1000, 997}, (spec_side){300000, 250000}, EM_JOIN_FULL_OUTER, eq_keys, 2);
  check_join((spec_side){1000, 997}, (spec_side){300000, 1009}, EM_JOIN_LEFT_OUTER, eq_keys, 2);
  mult = 1000003;
  check_join((spec_side){1000, 997}, (spec_side){300000, 250000}, EM_JOIN_INNER, eq_keys, 2);
  check_join((spec_side){1000, 997}, (spec_side){300000, 250000}, EM_JOIN_LEFT_ANTI, eq_and_parity, 2);
  mult = 1;
}

TEST(equi_join_many_duplicates) { check_all_types((spec_side){3000, 7}, (spec_side){400, 5}, eq_keys); }

TEST(null_safe_keys) { check_all_types((spec_side){2000, 11}, (spec_side){300, 13}, eq_null_safe); }

TEST(residual_conjunct) { check_all_types((spec_side){2000, 31}, (spec_side){500, 17}, eq_and_lt); }

TEST(two_keys_general_mode) { check_all_types((spec_side){2000, 31}, (spec_side){500, 17}, eq_and_parity); }

TEST(nested_loop_non_equi) { check_all_types((spec_side){300, 7}, (spec_side){200, 5}, lt_only); }

TEST(cross_join) {
  check_join((spec_side){150, 7}, (spec_side){120, 5}, EM_JOIN_CROSS, NULL, 2);
  check_join((spec_side){150, 7}, (spec_side){120, 5}, EM_JOIN_INNER, NULL, 1);
}

TEST(empty_build_side) {
  for (size_t t = 0; t < EM_ARRAY_LEN(all_types); t++) {
    check_join((spec_side){1000, 13}, (spec_side){0, 5}, all_types[t], eq_keys, 2);
    check_join((spec_side){0, 13}, (spec_side){100, 5}, all_types[t], eq_keys, 2);
  }
}

TEST(memory_budget) {
  /* The build side alone is 8 MB: over a 1 MB budget the query fails
   * cleanly and gives every byte back. */
  em_spec_init(&S);
  em_memtracker_init(&tracker, NULL, 1 << 20);
  em_spec_rel *rel =
      join_rel(side("lid", 1000, 10, 2, 1), side("rid", 500000, 1000, 2, 2), EM_JOIN_INNER, cond_for(eq_keys));
  result got;
  em_error err;
  CHECK(run(rel, &got, 2, &err) != 0);
  CHECK_EQ_STR(em_errclass_name(err.cls), "UNABLE_TO_ACQUIRE_MEMORY");
  CHECK_EQ_INT(atomic_load(&tracker.used), 0);
  free(got.pairs);
  em_spec_release(&S);
}

TEST(cancelled) {
  em_spec_init(&S);
  em_memtracker_init(&tracker, NULL, 0);
  em_spec_rel *rel =
      join_rel(side("lid", 100000, 10, 2, 1), side("rid", 100000, 10, 2, 2), EM_JOIN_INNER, cond_for(eq_keys));
  result got;
  em_error err;
  atomic_store(&cancel_flag, true);
  int rc = run(rel, &got, 2, &err);
  atomic_store(&cancel_flag, false);
  CHECK(rc != 0);
  CHECK_EQ_STR(em_errclass_name(err.cls), "OPERATION_CANCELED");
  CHECK_EQ_INT(atomic_load(&tracker.used), 0);
  free(got.pairs);
  em_spec_release(&S);
}

TEST(fault_injection) {
  /* Fail the n-th allocation for every n until the query runs through
   * without reaching the failure: a full outer join with a residual (build,
   * probe, final pass). Every failure is an error or a tolerated one, never
   * a crash or a leak (ASan), and the query's memory account returns to 0. */
  for (uint64_t n = 1; n < 1000000; n++) {
    em_spec_init(&S);
    em_memtracker_init(&tracker, NULL, 0);
    em_spec_rel *rel =
        join_rel(side("lid", 300, 7, 2, 1), side("rid", 200, 5, 2, 2), EM_JOIN_FULL_OUTER, cond_for(eq_and_lt));
    result got;
    em_error err;
    em_mem_fail_after(n);
    int rc = run(rel, &got, 2, &err);
    uint64_t allocs = em_mem_fail_after(0);
    free(got.pairs);
    em_spec_release(&S);
    CHECK_EQ_INT(atomic_load(&tracker.used), 0);
    if (n > allocs) {
      CHECK_EQ_INT(rc, 0);
      printf("  fault injection: %llu failing points\n", (unsigned long long)n - 1);
      return;
    }
  }
  CHECK(!"query never completed");
}

TEST_LIST{TEST_ENTRY(equi_join_every_type),
          TEST_ENTRY(equi_join_sparse_keys),
          TEST_ENTRY(broadcast_left_side),
          TEST_ENTRY(big_build_side_parallel),
          TEST_ENTRY(equi_join_many_duplicates),
          TEST_ENTRY(null_safe_keys),
          TEST_ENTRY(residual_conjunct),
          TEST_ENTRY(two_keys_general_mode),
          TEST_ENTRY(nested_loop_non_equi),
          TEST_ENTRY(cross_join),
          TEST_ENTRY(empty_build_side),
          TEST_ENTRY(memory_budget),
          TEST_ENTRY(cancelled),
          TEST_ENTRY(fault_injection),
          TEST_END};
