/*
 * Null and NaN tests: IS NULL, IS NOT NULL (PySpark sends isNull /
 * isNotNull; SQL names isnull / isnotnull), isnan, nullif and nanvl.
 *
 * IS [NOT] NULL and isnan never return NULL: they read the validity
 * bitmap (isnan of NULL is false). nullif(a, b) is NULL where a = b (with
 * the comparison's own coercion) and a elsewhere; it is built over a
 * resolved "=" call so the comparison rules live in one place.
 */
#include "expr_int.h"

#include <math.h>
#include <string.h>

enum { NULL_IS, NULL_IS_NOT, NULL_ISNAN, NULL_NULLIF, NULL_NANVL };

static int null_test_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  em_vec *r = em_fn_result(e->type, n, NULL, 0);
  if (!r) return em_error_internal(err, "out of memory");
  uint8_t *bits = em_vec_values(r);
  const em_vec *a = args[0];
  size_t bytes = (size_t)(n + 7) / 8;
  if (fi->op == NULL_ISNAN) {
    if (a->type->id == EM_T_DOUBLE) {
      const double *v = em_vec_values(a);
      for (int64_t i = 0; i < n; i++)
        if (isnan(v[i]) && !em_vec_is_null(a, i)) em_bit_set(bits, i);
    } else if (a->type->id == EM_T_FLOAT) {
      const float *v = em_vec_values(a);
      for (int64_t i = 0; i < n; i++)
        if (isnan(v[i]) && !em_vec_is_null(a, i)) em_bit_set(bits, i);
    }
  } else {
    bool is_null = fi->op == NULL_IS;
    if (a->type->id == EM_T_NULL)
      memset(bits, is_null ? 0xff : 0, bytes);
    else if (!a->validity)
      memset(bits, is_null ? 0 : 0xff, bytes);
    else
      for (size_t b = 0; b < bytes; b++)
        bits[b] = is_null ? (uint8_t)~a->validity->data[b] : a->validity->data[b];
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

/* nullif: args[0] = a, args[1] = (a = b). nanvl: args[0] = a, args[1] = b. */
static int choose_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  int16_t *pick = em_malloc(sizeof(int16_t) * (size_t)(n ? n : 1));
  if (!pick) return em_error_internal(err, "out of memory");
  const em_vec *a = args[0], *b = args[1];
  for (int64_t i = 0; i < n; i++) {
    if (fi->op == NULL_NULLIF) {
      bool eq = !em_vec_is_null(b, i) && em_bit_get(em_vec_values(b), i);
      pick[i] = eq ? -1 : 0;
    } else {
      double x = a->type->id == EM_T_FLOAT ? ((const float *)em_vec_values(a))[i]
                                            : ((const double *)em_vec_values(a))[i];
      pick[i] = (!em_vec_is_null(a, i) && isnan(x)) ? 1 : 0;
    }
  }
  int rc = em_fn_select(e->type, n, args, pick, out, err);
  em_free(pick);
  return rc;
}

static int finish(em_func_call *call, int op, em_kernel_fn k, em_error *err) {
  call->kernel = k;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_isnull(em_func_call *call, em_error *err);
int em_fn_resolve_isnotnull(em_func_call *call, em_error *err);
int em_fn_resolve_isnan(em_func_call *call, em_error *err);
int em_fn_resolve_nullif(em_func_call *call, em_error *err);
int em_fn_resolve_nanvl(em_func_call *call, em_error *err);
int em_fn_resolve_eq(em_func_call *call, em_error *err);

static int resolve_null_test(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_arena_printf(call->arena, op == NULL_IS ? "(%s IS NULL)" : "(%s IS NOT NULL)", call->arg_sql[0]);
  call->type = em_type_boolean();
  call->nullable = false;
  return finish(call, op, null_test_kernel, err);
}

int em_fn_resolve_isnull(em_func_call *call, em_error *err) { return resolve_null_test(call, NULL_IS, err); }
int em_fn_resolve_isnotnull(em_func_call *call, em_error *err) { return resolve_null_test(call, NULL_IS_NOT, err); }

int em_fn_resolve_isnan(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, "isnan");
  em_type *t = call->args[0]->type;
  if (t->id != EM_T_FLOAT && t->id != EM_T_DOUBLE) {
    if (!em_type_is_numeric(t) && !em_type_is_string_like(t) && t->id != EM_T_NULL)
      return em_fn_type_error_unexpected(call, call->sql, 0, "(\"DOUBLE\" or \"FLOAT\")", err);
    if (em_coerce_arg(call, 0, em_type_double(), err)) return -1;
  }
  call->type = em_type_boolean();
  call->nullable = false;
  return finish(call, NULL_ISNAN, null_test_kernel, err);
}

int em_fn_resolve_nullif(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  char *sql = em_fn_sql_call(call, "nullif");
  /* Resolve `a = b` as its own call, then keep a beside it. */
  em_func_call eq = *call;
  eq.args = em_arena_calloc(call->arena, 2 * sizeof(em_expr *));
  eq.arg_sql = em_arena_calloc(call->arena, 2 * sizeof(char *));
  em_expr *node = em_arena_calloc(call->arena, sizeof *node);
  em_expr **args = em_arena_calloc(call->arena, 2 * sizeof(em_expr *));
  if (!eq.args || !eq.arg_sql || !node || !args) return em_error_internal(err, "out of memory");
  memcpy(eq.args, call->args, 2 * sizeof(em_expr *));
  memcpy(eq.arg_sql, call->arg_sql, 2 * sizeof(char *));
  eq.name = "==";
  if (em_fn_resolve_eq(&eq, err)) return -1;
  node->kind = EM_EX_CALL;
  node->type = eq.type;
  node->nullable = eq.nullable;
  node->nargs = 2;
  node->args = eq.args;
  node->u.fn.name = "==";
  node->u.fn.kernel = eq.kernel;
  node->u.fn.data = eq.data;
  args[0] = call->args[0];
  args[1] = node;
  call->args = args;
  call->sql = sql;
  call->type = args[0]->type;
  call->nullable = true;
  return finish(call, NULL_NULLIF, choose_kernel, err);
}

int em_fn_resolve_nanvl(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, "nanvl");
  em_type *l = call->args[0]->type, *r = call->args[1]->type;
  for (int i = 0; i < 2; i++) {
    em_type *t = call->args[i]->type;
    if (!em_type_is_numeric(t) && !em_type_is_string_like(t) && t->id != EM_T_NULL)
      return em_fn_type_error_unexpected(call, call->sql, i, "(\"DOUBLE\" or \"FLOAT\")", err);
  }
  em_type *t = l->id == EM_T_FLOAT && r->id == EM_T_FLOAT ? em_type_float() : em_type_double();
  if (em_coerce_arg(call, 0, t, err) || em_coerce_arg(call, 1, t, err)) return -1;
  call->type = t;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  return finish(call, NULL_NANVL, choose_kernel, err);
}
