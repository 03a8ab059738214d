/*
 * rand / random and randn as Spark evaluates them: partition i draws from
 * XORShiftRandom(seed + i) (spark_random.c), one nextDouble() (rand) or
 * java.util.Random's polar-method nextGaussian() (randn) per row in the
 * partition's row order, across the batches of the partition (the task's
 * expression state). So a seeded column has Spark's values for the same
 * partitioning.
 *
 * The seed is an INT or BIGINT constant (NULL is 0, as in Spark); without
 * one a random seed is drawn when the call is resolved, and the column's
 * name shows it, as Spark's does. The analyzer also builds rand(seed)
 * itself for DataFrame.stat.sampleBy (em_fn_rand_seeded).
 */
#include "exec_int.h"
#include "../expr/expr_int.h"
#include "../expr/func.h"

#include <math.h>
#include <stdio.h>
#include <sys/random.h>

/* java.util.Random.nextGaussian over XORShiftRandom: pairs of values, the
 * second kept for the next call. */
typedef struct gauss_state {
  em_xorshift x;
  bool have_next;
  double next;
} gauss_state;

static double next_gaussian(gauss_state *g) {
  if (g->have_next) {
    g->have_next = false;
    return g->next;
  }
  double v1, v2, s;
  do {
    v1 = 2 * em_xorshift_next_double(&g->x) - 1;
    v2 = 2 * em_xorshift_next_double(&g->x) - 1;
    s = v1 * v1 + v2 * v2;
  } while (s >= 1 || s == 0);
  double m = sqrt(-2 * log(s) / s);
  g->next = v2 * m;
  g->have_next = true;
  return v1 * m;
}

typedef struct rand_cfg {
  int64_t seed;
  bool gaussian;
} rand_cfg;

static int rand_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)args;
  const rand_cfg *cfg = e->u.fn.data;
  bool fresh = false;
  gauss_state local, *g = em_eval_state(ctx, e, sizeof *g, &fresh);
  if (!g) {
    g = &local;
    fresh = true;
  }
  if (fresh) {
    em_xorshift_init(&g->x, (int64_t)((uint64_t)cfg->seed + (uint64_t)(int64_t)(ctx ? ctx->partition : 0)));
    g->have_next = false;
  }
  em_vec *v = em_vec_new_uninit(em_type_double(), n);
  if (!v) return em_error_internal(err, "out of memory");
  double *d = em_vec_values(v);
  if (cfg->gaussian)
    for (int64_t i = 0; i < n; i++) d[i] = next_gaussian(g);
  else
    for (int64_t i = 0; i < n; i++) d[i] = em_xorshift_next_double(&g->x);
  *out = v;
  return 0;
}

/* The resolved call: no arguments left (the seed is in cfg), DOUBLE. */
static int resolved(em_func_call *call, rand_cfg *cfg, em_error *err) {
  if (!call->sql) return em_error_internal(err, "out of memory");
  call->nargs = 0;
  call->type = em_type_double();
  call->nullable = false;
  call->kernel = rand_kernel;
  call->data = cfg;
  return 0;
}

/* rand(seed): one BIGINT literal argument (the plans Ember builds). */
static int rand_resolve(em_func_call *call, em_error *err) {
  if (call->nargs != 1 || call->args[0]->kind != EM_EX_LITERAL || call->args[0]->type->id != EM_T_LONG)
    return em_error_internal(err, "rand takes a BIGINT seed literal");
  rand_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  cfg->seed = *(const int64_t *)em_vec_values(call->args[0]->u.lit);
  call->sql = em_arena_printf(call->arena, "rand(%lld)", (long long)cfg->seed);
  return resolved(call, cfg, err);
}

const em_func_def em_fn_rand_seeded = {"rand", EM_FN_SCALAR, rand_resolve};

/* The registry's rand([seed]) / random([seed]) / randn([seed]). */
static int resolve_random(em_func_call *call, bool gaussian, em_error *err) {
  if (call->nargs > 1) return em_fn_wrong_num_args(call, "[0, 1]", err);
  rand_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  cfg->gaussian = gaussian;
  /* random(...) is rand: Spark names both "rand(...)". */
  const char *fname = gaussian ? "randn" : "rand";
  if (call->nargs == 0) {
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = (uint64_t)(uintptr_t)cfg ^ 0x9E3779B97F4A7C15ull;
    cfg->seed = (int64_t)r;
  } else {
    const em_expr *x = call->args[0];
    while (x->kind == EM_EX_CAST && x->nargs == 1) x = x->args[0];
    em_type_id t = call->args[0]->type->id;
    if (t != EM_T_INT && t != EM_T_LONG && t != EM_T_NULL) {
      char sql[300], ty[128];
      snprintf(sql, sizeof sql, "\"%s(%s)\"", fname, call->arg_sql[0]);
      em_strbuf tn;
      em_strbuf_init(&tn);
      em_type_sql(call->args[0]->type, &tn);
      snprintf(ty, sizeof ty, "\"%s\"", tn.data ? tn.data : "?");
      em_strbuf_free(&tn);
      return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr", sql, "paramIndex",
                          "first", "inputSql", em_arena_printf(call->arena, "\"%s\"", call->arg_sql[0]), "inputType",
                          ty, "requiredType", "(\"INT\" or \"BIGINT\")", NULL);
    }
    if (x->kind != EM_EX_LITERAL)
      return em_error_set(err, EM_ERR_SEED_EXPRESSION_IS_UNFOLDABLE, "seedExpr",
                          em_arena_printf(call->arena, "\"%s\"", call->arg_sql[0]), "exprWithSeed",
                          em_arena_printf(call->arena, "\"%s(%s)\"", fname, call->arg_sql[0]), NULL);
    const em_vec *v = x->u.lit;
    if (em_vec_is_null(v, 0)) cfg->seed = 0;
    else if (v->type->id == EM_T_INT) cfg->seed = *(const int32_t *)em_vec_values(v);
    else if (v->type->id == EM_T_LONG) cfg->seed = *(const int64_t *)em_vec_values(v);
    else if (v->type->id == EM_T_SHORT) cfg->seed = *(const int16_t *)em_vec_values(v);
    else if (v->type->id == EM_T_BYTE) cfg->seed = *(const int8_t *)em_vec_values(v);
  }
  call->sql = call->nargs == 0 ? em_arena_printf(call->arena, "%s(%lld)", fname, (long long)cfg->seed)
                               : em_arena_printf(call->arena, "%s(%s)", fname, call->arg_sql[0]);
  return resolved(call, cfg, err);
}

int em_fn_resolve_rand(em_func_call *call, em_error *err);
int em_fn_resolve_randn(em_func_call *call, em_error *err);
int em_fn_resolve_rand(em_func_call *call, em_error *err) { return resolve_random(call, false, err); }
int em_fn_resolve_randn(em_func_call *call, em_error *err) { return resolve_random(call, true, err); }
