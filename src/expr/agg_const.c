/*
 * Constant arguments of aggregate functions: percentages and similar
 * parameters arrive as literals or as expressions over literals only
 * (PySpark sends a list of percentages as array(lit, lit, ...)). Such an
 * argument is evaluated once, at resolution, over a one-row batch without
 * columns.
 */
#include "agg_fn.h"

static bool is_constant(const em_expr *e, int depth) {
  if (depth > 64) return false;
  switch (e->kind) {
  case EM_EX_LITERAL: return true;
  case EM_EX_CAST:
  case EM_EX_CALL:
    for (int i = 0; i < e->nargs; i++)
      if (!is_constant(e->args[i], depth + 1)) return false;
    return true;
  default: return false;
  }
}

int em_agg_const_eval(em_func_call *call, int idx, em_vec **out, em_error *err) {
  *out = NULL;
  const em_expr *e = call->args[idx];
  if (!is_constant(e, 0)) return 0;
  if (e->kind == EM_EX_LITERAL) {
    *out = em_vec_ref(e->u.lit);
    return 1;
  }
  em_type *schema = em_type_struct_new(0);
  em_batch *b = schema ? em_batch_new(schema, 0, NULL, 1) : NULL;
  if (!b) return em_error_internal(err, "out of memory");
  em_eval_ctx ctx = {.timezone = "UTC", .ansi = call->ansi};
  int rc = em_expr_eval(e, b, &ctx, out, err);
  em_batch_unref(b);
  return rc ? -1 : 1;
}
