/*
 * Boolean logic with SQL's three values: AND, OR, NOT.
 *
 * AND is false when either side is false (even if the other is NULL),
 * NULL when either is NULL otherwise, else true; OR dually. The kernels
 * work a byte (eight rows) at a time on the value and validity bitmaps:
 * with T = valid & value and F = valid & ~value per side,
 *   AND: true = Ta & Tb, false = Fa | Fb;  OR: true = Ta | Tb, false = Fa & Fb
 * and the result is valid where it is true or false.
 *
 * Spark evaluates the right side of AND/OR only for the rows the left side
 * leaves open (not false for AND, not true for OR): the kernels are lazy
 * (eval.c hands them the batch) and compute the right side through
 * em_fn_eval_rows with the mask of those rows, so false AND 1/0 raises no
 * error and rand() on the right draws only for the open rows.
 *
 * Coercion: ANSI promotes a string operand to BOOLEAN (AND/OR are binary
 * operators; NOT's implicit cast), legacy does not; NULL is a BOOLEAN.
 */
#include "expr_int.h"

#include <string.h>

enum { LOGIC_AND, LOGIC_OR, LOGIC_NOT };

static const uint8_t *bits_or_null(const em_vec *v) { return v->validity ? v->validity->data : NULL; }

static int logic_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err);

/* AND / OR over the batch in ctx: the left side for every row, the right
 * side for the rows the left leaves open. */
static int logic_lazy(const em_expr *e, em_vec *const *unused, int64_t n, em_eval_ctx *ctx, em_vec **out,
                      em_error *err) {
  (void)unused;
  const em_fn_info *fi = e->u.fn.data;
  const em_batch *b = ctx->batch;
  if (!b) return em_error_internal(err, "AND/OR evaluated without its batch");
  em_vec *args[2] = {NULL, NULL};
  if (em_expr_eval(e->args[0], b, ctx, &args[0], err)) return -1;
  /* Open rows: AND where the left is not false, OR where it is not true
   * (NULL is open for both). */
  const em_vec *a = args[0];
  size_t bytes = (size_t)(n + 7) / 8;
  uint8_t *open = em_malloc(bytes + 1);
  if (!open) {
    em_vec_unref(args[0]);
    return em_error_internal(err, "out of memory");
  }
  bool anull = a->type->id == EM_T_NULL || a->len != n;
  const uint8_t *av = anull ? NULL : em_vec_values(a), *aok = bits_or_null(a);
  bool any = false;
  for (size_t k = 0; k < bytes; k++) {
    uint8_t va = anull ? 0 : aok ? aok[k] : 0xff;
    uint8_t decided = anull ? 0 : fi->op == LOGIC_AND ? (uint8_t)(va & ~av[k]) : (uint8_t)(va & av[k]);
    open[k] = (uint8_t)~decided;
    if (k + 1 == bytes && n % 8) open[k] &= (uint8_t)((1u << (n % 8)) - 1);
    any |= open[k] != 0;
  }
  int rc = 0;
  if (a->len != n && a->type->id != EM_T_NULL) {
    /* A constant left side (not expected after folding): no laziness. */
    rc = em_expr_eval(e->args[1], b, ctx, &args[1], err);
  } else if (!any) {
    /* The left decides every row: the right is not computed at all. */
    args[1] = em_vec_new_nulls(e->args[1]->type, n);
    if (!args[1]) rc = em_error_internal(err, "out of memory");
  } else {
    rc = em_fn_eval_rows(e->args[1], ctx, open, &args[1], err);
  }
  em_free(open);
  if (!rc) rc = logic_kernel(e, args, n, ctx, out, err);
  em_vec_unref(args[0]);
  if (args[1]) em_vec_unref(args[1]);
  return rc;
}

bool em_fn_logic_lazy_kernel(em_kernel_fn k) { return k == logic_lazy; }

static int logic_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  const em_vec *a = args[0];
  bool anull = a->type->id == EM_T_NULL;
  em_vec *r = em_fn_result(e->type, n, args, fi->op == LOGIC_NOT ? 1 : 0);
  if (!r) return em_error_internal(err, "out of memory");
  size_t bytes = (size_t)(n + 7) / 8;
  uint8_t *rv = em_vec_values(r);
  const uint8_t *av = anull ? NULL : em_vec_values(a), *aok = bits_or_null(a);
  if (fi->op == LOGIC_NOT) {
    /* The validity is the argument's (em_fn_result copied it). */
    for (size_t k = 0; k < bytes && !anull; k++) rv[k] = (uint8_t)~av[k];
  } else {
    const em_vec *b = args[1];
    bool bnull = b->type->id == EM_T_NULL;
    const uint8_t *bv = bnull ? NULL : em_vec_values(b), *bok = bits_or_null(b);
    uint8_t *ok = NULL;
    if (n > 0 && (anull || bnull || aok || bok)) {
      if (em_fn_set_null(r, 0)) goto oom;
      ok = r->validity->data;
    }
    for (size_t k = 0; k < bytes; k++) {
      uint8_t va = anull ? 0 : aok ? aok[k] : 0xff, vb = bnull ? 0 : bok ? bok[k] : 0xff;
      uint8_t ta = anull ? 0 : (uint8_t)(va & av[k]), fa = anull ? 0 : (uint8_t)(va & ~av[k]);
      uint8_t tb = bnull ? 0 : (uint8_t)(vb & bv[k]), fb = bnull ? 0 : (uint8_t)(vb & ~bv[k]);
      uint8_t t = fi->op == LOGIC_AND ? (uint8_t)(ta & tb) : (uint8_t)(ta | tb);
      uint8_t f = fi->op == LOGIC_AND ? (uint8_t)(fa | fb) : (uint8_t)(fa & fb);
      rv[k] = t;
      if (ok) ok[k] = (uint8_t)(t | f);
    }
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
oom:
  em_vec_unref(r);
  return em_error_internal(err, "out of memory");
}

static int resolve_binary(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_binary(call, op == LOGIC_AND ? "AND" : "OR");
  for (int i = 0; i < 2; i++) {
    em_type *t = call->args[i]->type, *o = call->args[1 - i]->type;
    if (t->id == EM_T_NULL || (call->ansi && em_type_is_string_like(t) && o->id == EM_T_BOOLEAN))
      if (em_coerce_arg(call, i, em_type_boolean(), err)) return -1;
  }
  em_type *l = call->args[0]->type, *r = call->args[1]->type;
  if (!em_type_equal(l, r, true)) return em_fn_type_error_diff(call, call->sql, err);
  if (l->id != EM_T_BOOLEAN) return em_fn_type_error_binary_wrong(call, call->sql, "\"BOOLEAN\"", l, err);
  call->type = em_type_boolean();
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = logic_lazy;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_and(em_func_call *call, em_error *err);
int em_fn_resolve_or(em_func_call *call, em_error *err);
int em_fn_resolve_not(em_func_call *call, em_error *err);

int em_fn_resolve_and(em_func_call *call, em_error *err) { return resolve_binary(call, LOGIC_AND, err); }
int em_fn_resolve_or(em_func_call *call, em_error *err) { return resolve_binary(call, LOGIC_OR, err); }

int em_fn_resolve_not(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_arena_printf(call->arena, "(NOT %s)", call->arg_sql[0]);
  em_type *t = call->args[0]->type;
  if (t->id == EM_T_NULL || (call->ansi && em_type_is_string_like(t)))
    if (em_coerce_arg(call, 0, em_type_boolean(), err)) return -1;
  if (call->args[0]->type->id != EM_T_BOOLEAN)
    return em_fn_type_error_unexpected(call, call->sql, 0, "\"BOOLEAN\"", err);
  call->type = em_type_boolean();
  call->nullable = call->args[0]->nullable;
  call->kernel = logic_kernel;
  if (!(call->data = em_fn_info_new(call, LOGIC_NOT))) return em_error_internal(err, "out of memory");
  return 0;
}
