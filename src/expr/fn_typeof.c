/*
 * typeof(expr): the argument's type as Spark's catalog string ("int",
 * "decimal(13,1)", "interval day to second", "array<int>"), a STRING that
 * is never NULL (the argument's value, NULL or not, does not matter).
 */
#include "expr_int.h"

#include <string.h>

static int typeof_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)args;
  (void)ctx;
  const char *s = e->u.fn.data;
  size_t len = strlen(s);
  em_vec *r = em_vec_new(em_type_string(), n);
  if (!r) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++)
    if (em_vec_append_bytes(r, s, len)) {
      em_vec_unref(r);
      return em_error_internal(err, "out of memory");
    }
  *out = r;
  return 0;
}

int em_fn_resolve_typeof(em_func_call *call, em_error *err);
int em_fn_resolve_typeof(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, "typeof");
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (em_type_simple_string(call->args[0]->type, &sb) || sb.oom) {
    em_strbuf_free(&sb);
    return em_error_internal(err, "out of memory");
  }
  call->data = em_arena_strdup(call->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  if (!call->data) return em_error_internal(err, "out of memory");
  call->type = em_type_string();
  call->nullable = false;
  call->kernel = typeof_kernel;
  return 0;
}
