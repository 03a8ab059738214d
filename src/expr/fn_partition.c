/*
 * spark_partition_id(): the index of the partition the row is computed in,
 * as the task running it sees it (em_eval_ctx.partition). Like Spark's
 * SparkPartitionID it is an INT that is never NULL, named
 * SPARK_PARTITION_ID().
 */
#include "expr_int.h"

static int partition_id_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                               em_error *err) {
  (void)args;
  em_vec *r = em_fn_result(e->type, n, NULL, 0);
  if (!r) return em_error_internal(err, "out of memory");
  int32_t *v = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) v[i] = ctx->partition;
  *out = r;
  return 0;
}

int em_fn_resolve_spark_partition_id(em_func_call *call, em_error *err);
int em_fn_resolve_spark_partition_id(em_func_call *call, em_error *err) {
  if (call->nargs != 0) return em_fn_wrong_num_args(call, "0", err);
  call->sql = "SPARK_PARTITION_ID()";
  call->type = em_type_int();
  call->nullable = false;
  call->kernel = partition_id_kernel;
  return 0;
}
