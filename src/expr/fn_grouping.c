/*
 * grouping(col) and grouping_id(cols...): Spark's indicators of which
 * grouping columns a ROLLUP / CUBE / GROUPING SETS row aggregates over.
 *
 * The resolvers here only type and name a call (grouping: TINYINT,
 * grouping_id: BIGINT, never NULL). The aggregate's analysis
 * (plan/resolve_grouping.c) replaces each call by an expression over the
 * grouping id the Expand produces: grouping_id() is the id itself and
 * grouping(c) bit (n - 1 - i) of it, i being c's position among the
 * distinct grouping expressions (em_fn_grouping_bit below). A call left
 * anywhere else fails as Spark does, with UNSUPPORTED_GROUPING_EXPRESSION.
 */
#include "expr_int.h"

#include <stdio.h>
#include <string.h>

static int unsupported_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                              em_error *err) {
  (void)e, (void)args, (void)n, (void)ctx, (void)out;
  return em_error_set(err, EM_ERR_UNSUPPORTED_GROUPING_EXPRESSION, NULL);
}

static char *call_sql(em_func_call *call, const char *name) {
  size_t len = strlen(name) + 3;
  for (int i = 0; i < call->nargs; i++) len += strlen(call->arg_sql[i]) + 2;
  char *s = em_arena_alloc(call->arena, len);
  if (!s) return NULL;
  char *p = s;
  p += sprintf(p, "%s(", name);
  for (int i = 0; i < call->nargs; i++) p += sprintf(p, "%s%s", i ? ", " : "", call->arg_sql[i]);
  strcpy(p, ")");
  return s;
}

int em_fn_resolve_grouping(em_func_call *call, em_error *err);
int em_fn_resolve_grouping(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  if (!(call->sql = call_sql(call, "grouping"))) return em_error_internal(err, "out of memory");
  call->type = em_type_byte();
  call->nullable = false;
  call->kernel = unsupported_kernel;
  return 0;
}

int em_fn_resolve_grouping_id(em_func_call *call, em_error *err);
int em_fn_resolve_grouping_id(em_func_call *call, em_error *err) {
  if (!(call->sql = call_sql(call, "grouping_id"))) return em_error_internal(err, "out of memory");
  call->type = em_type_long();
  call->nullable = false;
  call->kernel = unsupported_kernel;
  return 0;
}

bool em_fn_is_grouping(const em_expr *e) {
  return e->kind == EM_EX_CALL && e->u.fn.kernel == unsupported_kernel;
}

int em_fn_grouping_bit(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  int shift = (int)(intptr_t)e->u.fn.data;
  em_vec *r = em_fn_result(e->type, n, NULL, 0);
  if (!r) return em_error_internal(err, "out of memory");
  const int64_t *gid = em_vec_values(args[0]);
  int8_t *v = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) v[i] = (int8_t)(((uint64_t)gid[i] >> shift) & 1);
  *out = r;
  return 0;
}
