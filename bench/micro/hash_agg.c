/*
 * Micro-benchmark of the hash aggregate through the executor (no gRPC):
 *
 *   SELECT id % K AS k, count(*), sum(id) FROM range(N) GROUP BY k
 *
 * over N = 10M rows in 2 partitions, for low (K = 100) and high (K = 1M,
 * K = N) cardinality, plus string keys (K = 1000, 'k<n>'). The key is
 * computed by a kernel defined here (the scalar function library is not
 * needed); results are consumed by a callback that only counts rows.
 *
 *   bench/micro/run_hash_agg.sh [build-dir]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_int.h"
#include "plan/plan.h"
#include "spec/spec.h"

static int64_t modulus;
static bool string_keys;

static int mod_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                      em_error *err) {
  (void)ctx;
  const int64_t *id = em_vec_values(args[0]);
  em_vec *v = em_vec_new(e->type, n);
  if (!v) return em_error_internal(err, "oom");
  if (string_keys) {
    char buf[32];
    for (int64_t i = 0; i < n; i++) {
      int len = snprintf(buf, sizeof buf, "k%lld", (long long)(id[i] % modulus));
      em_vec_append_bytes(v, buf, (size_t)len);
    }
  } else {
    int64_t *d = em_vec_values(v);
    for (int64_t i = 0; i < n; i++) d[i] = id[i] % modulus;
    v->len = n;
    v->values->len = (size_t)n * 8;
  }
  *out = v;
  return 0;
}

typedef struct counter {
  int64_t rows;
  double check;
} counter;

static int count_cb(void *user, em_batch *b, em_error *err) {
  (void)err;
  counter *c = user;
  c->rows += b->nrows;
  const int64_t *cnt = em_vec_values(b->cols[1]);
  for (int64_t i = 0; i < b->nrows; i++) c->check += (double)cnt[i];
  return 0;
}

static em_spec_expr *fn(em_spec *s, const char *name, em_spec_expr *arg) {
  em_spec_expr *e = em_spec_expr_new(s, EM_SE_FUNC);
  e->u.func.name = em_spec_strdup(s, name);
  e->u.func.args = em_spec_array(s, 1, sizeof(em_spec_expr *));
  e->u.func.args[0] = arg;
  e->u.func.nargs = 1;
  return e;
}

static em_spec_expr *id_col(em_spec *s) {
  em_spec_expr *e = em_spec_expr_new(s, EM_SE_ATTR);
  e->u.attr.parts = em_spec_array(s, 1, sizeof(char *));
  e->u.attr.parts[0] = em_spec_strdup(s, "id");
  e->u.attr.nparts = 1;
  e->u.attr.plan_id = -1;
  return e;
}

static double run_once(int64_t n, int parts, int threads) {
  em_spec s;
  em_spec_init(&s);
  em_spec_rel *range = em_spec_rel_new(&s, EM_SR_RANGE);
  range->u.range.start = 0;
  range->u.range.end = n;
  range->u.range.step = 1;
  range->u.range.num_partitions = parts;
  em_spec_rel *agg = em_spec_rel_new(&s, EM_SR_AGGREGATE);
  agg->input = range;
  agg->u.aggregate.group_type = EM_GROUP_BY;
  agg->u.aggregate.groups = em_spec_array(&s, 1, sizeof(em_spec_expr *));
  agg->u.aggregate.groups[0] = id_col(&s);
  agg->u.aggregate.ngroups = 1;
  agg->u.aggregate.aggs = em_spec_array(&s, 2, sizeof(em_spec_expr *));
  em_vec *one = em_vec_new(em_type_long(), 1);
  int64_t x = 1;
  em_vec_append_fixed(one, &x);
  em_spec_expr *lit = em_spec_expr_new(&s, EM_SE_LITERAL);
  lit->u.lit.value = one;
  em_spec_own_vec(&s, one);
  agg->u.aggregate.aggs[0] = fn(&s, "count", lit);
  agg->u.aggregate.aggs[1] = fn(&s, "sum", id_col(&s));
  agg->u.aggregate.naggs = 2;

  _Atomic int64_t ids = 1;
  em_analyze_ctx actx = {.ansi = true, .default_parallelism = parts, .next_expr_id = &ids};
  em_plan *plan = NULL;
  em_error err;
  if (em_analyze(agg, &actx, &plan, &err)) {
    fprintf(stderr, "analyze: %s\n", err.msg);
    exit(1);
  }
  /* Key = id % K by the kernel above (replaces the resolved `id`). */
  em_expr *key = em_arena_calloc(&plan->arena, sizeof *key);
  em_expr **args = em_arena_calloc(&plan->arena, sizeof *args);
  args[0] = plan->root->u.agg.keys[0];
  key->kind = EM_EX_CALL;
  key->type = string_keys ? em_type_string() : em_type_long();
  key->args = args;
  key->nargs = 1;
  key->u.fn.name = "mod";
  key->u.fn.kernel = mod_kernel;
  plan->root->u.agg.keys[0] = key;
  plan->root->out[0].type = key->type;
  plan->root->u.agg.outputs[0]->type = key->type;
  em_type_unref(plan->schema);
  plan->schema = em_lplan_schema(plan->root);

  em_memtracker mem;
  em_memtracker_init(&mem, NULL, 0);
  _Atomic bool cancel = false;
  em_exec_ctx ctx = {.cancel = &cancel, .mem = &mem, .batch_rows = 8192, .threads = threads};
  ctx.eval.ansi = true;
  counter c = {0, 0};
  int64_t t0 = em_now_ns();
  if (em_exec_run(plan, &ctx, count_cb, &c, &err)) {
    fprintf(stderr, "run: %s\n", err.msg);
    exit(1);
  }
  double secs = (double)(em_now_ns() - t0) / 1e9;
  int64_t want = modulus < n ? modulus : n;
  if (c.rows != want || (int64_t)c.check != n) {
    fprintf(stderr, "wrong result: %lld groups (want %lld), %.0f rows\n", (long long)c.rows, (long long)want, c.check);
    exit(1);
  }
  em_plan_free(plan);
  em_spec_release(&s);
  return secs;
}

int main(int argc, char **argv) {
  int64_t n = argc > 1 ? atoll(argv[1]) : 10000000;
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  struct {
    const char *name;
    int64_t k;
    bool str;
  } cases[] = {{"low (100 groups)", 100, false},
               {"high (1M groups)", 1000000, false},
               {"distinct (10M groups)", n, false},
               {"string keys (1000 groups)", 1000, true}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    modulus = cases[i].k;
    string_keys = cases[i].str;
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
      double t = run_once(n, 2, threads);
      if (t < best) best = t;
    }
    printf("%-28s %8.3f s  %8.1f M rows/s\n", cases[i].name, best, (double)n / best / 1e6);
  }
  em_pool_shutdown();
  return 0;
}

