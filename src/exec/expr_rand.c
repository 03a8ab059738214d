/*
 * rand(seed) as Spark evaluates it, for the plans Ember builds itself
 * (DataFrame.stat.sampleBy filters with it): partition i draws from
 * XORShiftRandom(seed + i) (spark_random.c), one nextDouble() per row in
 * the partition's row order, across the batches of the partition (the
 * task's expression state). Not in the function registry: the analyzer
 * builds the call with em_az_call_def.
 */
#include "exec_int.h"
#include "../expr/func.h"

static int rand_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)args;
  const int64_t *seed = e->u.fn.data;
  bool fresh = false;
  em_xorshift local, *x = em_eval_state(ctx, e, sizeof *x, &fresh);
  if (!x) {
    x = &local;
    fresh = true;
  }
  if (fresh) em_xorshift_init(x, (int64_t)((uint64_t)*seed + (uint64_t)(int64_t)(ctx ? ctx->partition : 0)));
  em_vec *v = em_vec_new(em_type_double(), n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    double d = em_xorshift_next_double(x);
    if (em_vec_append_fixed(v, &d)) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

/* rand(seed): one BIGINT literal argument, kept as constant data. */
static int rand_resolve(em_func_call *call, em_error *err) {
  if (call->nargs != 1 || call->args[0]->kind != EM_EX_LITERAL || call->args[0]->type->id != EM_T_LONG)
    return em_error_internal(err, "rand takes a BIGINT seed literal");
  int64_t *seed = em_arena_alloc(call->arena, sizeof *seed);
  if (!seed) return em_error_internal(err, "out of memory");
  *seed = *(const int64_t *)em_vec_values(call->args[0]->u.lit);
  call->sql = em_arena_printf(call->arena, "rand(%lld)", (long long)*seed);
  if (!call->sql) return em_error_internal(err, "out of memory");
  call->nargs = 0;
  call->type = em_type_double();
  call->nullable = false;
  call->kernel = rand_kernel;
  call->data = seed;
  return 0;
}

const em_func_def em_fn_rand_seeded = {"rand", EM_FN_SCALAR, rand_resolve};
