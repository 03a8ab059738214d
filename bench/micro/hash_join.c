/*
 * Micro-benchmark of the hash join through the executor (no gRPC):
 *
 *   SELECT count(*), sum(b) FROM
 *     (SELECT id % M AS k, id AS a FROM range(N)) p
 *     JOIN (SELECT id * S AS k, id AS b FROM range(B)) q USING (k)
 *
 * N = 10M probe rows, B = 1M build rows, both in 2 partitions, 2 threads:
 *   fk        M = 1M, S = 1: every probe row finds one build row (10M out)
 *   sparse    M = 10M, S = 10: one probe row in ten matches (1M out)
 *   semi      as fk, LEFT SEMI (probe rows out, no build columns)
 *   left      as sparse, LEFT OUTER (10M out, 9M padded with NULLs)
 *   strings   as fk with the keys cast to strings (hashed keys, verified)
 * The join's output is folded by a global aggregate (the peers' script runs
 * the same queries on DuckDB and Sail), so result transfer is not measured
 * but the join must produce its rows and gather a build column. Rows/s
 * counts probe rows.
 *
 *   bench/micro/run_hash_join.sh [build-dir] [probe-rows] [threads] [case-name-part]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "exec/exec_int.h"
#include "plan/plan.h"
#include "spec/spec.h"

typedef struct counter {
  int64_t rows;
  int64_t sum;
} counter;

/* The aggregate's one row: count(*), sum(b). */
static int count_cb(void *user, em_batch *b, em_error *err) {
  (void)err;
  counter *c = user;
  if (b->nrows != 1) return 0;
  c->rows = ((const int64_t *)em_vec_values(b->cols[0]))[0];
  c->sum = em_vec_is_null(b->cols[1], 0) ? 0 : ((const int64_t *)em_vec_values(b->cols[1]))[0];
  return 0;
}

static em_spec S;

static em_spec_expr *col(const char *name) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_ATTR);
  e->u.attr.parts = em_spec_array(&S, 1, sizeof(char *));
  e->u.attr.parts[0] = em_spec_strdup(&S, name);
  e->u.attr.nparts = 1;
  return e;
}

static em_spec_expr *lit(int64_t x) {
  em_vec *v = em_vec_new(em_type_long(), 1);
  em_vec_append_fixed(v, &x);
  em_spec_own_vec(&S, v);
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_LITERAL);
  e->u.lit.value = v;
  return e;
}

static em_spec_expr *bin(const char *op, em_spec_expr *a, em_spec_expr *b) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_FUNC);
  e->u.func.name = em_spec_strdup(&S, op);
  e->u.func.args = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  e->u.func.args[0] = a;
  e->u.func.args[1] = b;
  e->u.func.nargs = 2;
  return e;
}

static em_spec_expr *call1(const char *name, em_spec_expr *a) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_FUNC);
  e->u.func.name = em_spec_strdup(&S, name);
  e->u.func.args = em_spec_array(&S, 1, sizeof(em_spec_expr *));
  e->u.func.args[0] = a;
  e->u.func.nargs = 1;
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

/* range(n) in 2 partitions projected to (key AS k, id AS payload). */
static em_spec_rel *input(int64_t n, em_spec_expr *key, const char *payload) {
  em_spec_rel *r = em_spec_rel_new(&S, EM_SR_RANGE);
  r->u.range.end = n;
  r->u.range.step = 1;
  r->u.range.num_partitions = 2;
  em_spec_rel *p = em_spec_rel_new(&S, EM_SR_PROJECT);
  p->input = r;
  p->u.project.exprs = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  p->u.project.exprs[0] = alias(key, "k");
  p->u.project.exprs[1] = alias(col("id"), payload);
  p->u.project.nexprs = 2;
  return p;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double last_cpu;

static em_spec_expr *as_string(em_spec_expr *x) {
  em_spec_expr *e = em_spec_expr_new(&S, EM_SE_CAST);
  e->u.cast.child = x;
  e->u.cast.type = em_type_string();
  return e;
}

static double run_once(int64_t n, int64_t nb, int64_t m, int64_t step, em_join_type type, bool strings, int threads,
                       counter *out) {
  em_spec_init(&S);
  em_spec_rel *j = em_spec_rel_new(&S, EM_SR_JOIN);
  em_spec_expr *pk = bin("%", col("id"), lit(m)), *bk = bin("*", col("id"), lit(step));
  j->input = input(n, strings ? as_string(pk) : pk, "a");
  j->u.join.right = input(nb, strings ? as_string(bk) : bk, "b");
  j->u.join.type = type;
  j->u.join.using_cols = em_spec_array(&S, 1, sizeof(char *));
  j->u.join.using_cols[0] = em_spec_strdup(&S, "k");
  j->u.join.nusing = 1;
  em_spec_rel *agg = em_spec_rel_new(&S, EM_SR_AGGREGATE);
  agg->input = j;
  agg->u.aggregate.group_type = EM_GROUP_BY;
  agg->u.aggregate.aggs = em_spec_array(&S, 2, sizeof(em_spec_expr *));
  agg->u.aggregate.aggs[0] = call1("count", lit(1));
  agg->u.aggregate.aggs[1] = call1("sum", col(type == EM_JOIN_LEFT_SEMI ? "a" : "b"));
  agg->u.aggregate.naggs = 2;

  _Atomic int64_t ids = 1;
  em_analyze_ctx actx = {.ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
  em_plan *plan = NULL;
  em_error err;
  if (em_analyze(agg, &actx, &plan, &err)) {
    fprintf(stderr, "analyze: %s\n", err.msg);
    exit(1);
  }
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, 0);
  _Atomic bool cancel = false;
  em_exec_ctx ctx = {.cancel = &cancel, .mem = &mem, .batch_rows = 8192, .threads = threads};
  ctx.eval.ansi = true;
  ctx.eval.timezone = "UTC";
  memset(out, 0, sizeof *out);
  int64_t t0 = em_now_ns();
  double c0 = cpu_seconds();
  if (em_exec_run(plan, &ctx, count_cb, out, &err)) {
    fprintf(stderr, "run: %s\n", err.msg);
    exit(1);
  }
  double secs = (double)(em_now_ns() - t0) / 1e9;
  last_cpu = cpu_seconds() - c0;
  em_plan_free(plan);
  em_spec_release(&S);
  return secs;
}

int main(int argc, char **argv) {
  int64_t n = argc > 1 ? atoll(argv[1]) : 10000000;
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  int64_t nb = n / 10;
  struct {
    const char *name;
    int64_t m, step;
    em_join_type type;
    bool strings;
    int64_t want_rows;
  } cases[] = {{"fk (1 match/row)", nb, 1, EM_JOIN_INNER, false, n},
               {"sparse (10% match)", n, 10, EM_JOIN_INNER, false, nb},
               {"semi (1 match/row)", nb, 1, EM_JOIN_LEFT_SEMI, false, n},
               {"left outer (10% match)", n, 10, EM_JOIN_LEFT_OUTER, false, n},
               {"string keys fk", nb, 1, EM_JOIN_INNER, true, n}};
  printf("hash join: %lld probe rows x %lld build rows, %d threads\n", (long long)n, (long long)nb, threads);
  const char *only = argc > 3 ? argv[3] : NULL;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (only && !strstr(cases[i].name, only)) continue;
    double best = 1e9, best_cpu = 1e9;
    counter c;
    for (int rep = 0; rep < 5; rep++) {
      double t = run_once(n, nb, cases[i].m, cases[i].step, cases[i].type, cases[i].strings, threads, &c);
      if (t < best) best = t;
      if (last_cpu < best_cpu) best_cpu = last_cpu;
    }
    if (c.rows != cases[i].want_rows) {
      fprintf(stderr, "%s: %lld rows, want %lld\n", cases[i].name, (long long)c.rows, (long long)cases[i].want_rows);
      return 1;
    }
    printf("%-26s %8.3f s  %8.1f M probe rows/s  cpu %6.3f s  (%lld rows joined)\n", cases[i].name, best,
           (double)n / best / 1e6, best_cpu, (long long)c.rows);
  }
  em_pool_shutdown();
  return 0;
}
