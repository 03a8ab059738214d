/*
 * The window functions of the registry: row_number, rank, dense_rank,
 * percent_rank, cume_dist, ntile, lag, lead, nth_value. A resolver types
 * the call as Spark does and records what the evaluator needs in an
 * em_win_cfg (u.fn.data); the call has no kernel, the Window operator
 * evaluates it (win_rank.c). Spark's generated names: RANK(),
 * DENSE_RANK() and PERCENT_RANK() upper-case, lag/lead with all three
 * arguments (lag(v, 1, NULL)), nth_value with "ignore nulls".
 */
#include "agg_fn.h"
#include "win.h"

#include <stdio.h>
#include <string.h>

static em_win_cfg *cfg_new(em_func_call *call, em_win_fn fn, em_error *err) {
  em_win_cfg *c = em_arena_calloc(call->arena, sizeof *c);
  if (!c) return em_error_internal(err, "out of memory"), NULL;
  c->fn = fn;
  call->data = c;
  return c;
}

static int no_args(em_func_call *call, em_win_fn fn, const char *sql, em_type *type, em_error *err) {
  if (em_agg_check_nargs(call, 0, 0, err)) return -1;
  if (!cfg_new(call, fn, err)) return -1;
  call->sql = (char *)sql;
  call->type = type;
  call->nullable = false;
  return 0;
}

int em_fn_row_number(em_func_call *call, em_error *err);
int em_fn_row_number(em_func_call *call, em_error *err) {
  return no_args(call, EM_WF_ROW_NUMBER, "row_number()", em_type_int(), err);
}
int em_fn_rank(em_func_call *call, em_error *err);
int em_fn_rank(em_func_call *call, em_error *err) { return no_args(call, EM_WF_RANK, "RANK()", em_type_int(), err); }
int em_fn_dense_rank(em_func_call *call, em_error *err);
int em_fn_dense_rank(em_func_call *call, em_error *err) {
  return no_args(call, EM_WF_DENSE_RANK, "DENSE_RANK()", em_type_int(), err);
}
int em_fn_percent_rank(em_func_call *call, em_error *err);
int em_fn_percent_rank(em_func_call *call, em_error *err) {
  return no_args(call, EM_WF_PERCENT_RANK, "PERCENT_RANK()", em_type_double(), err);
}
int em_fn_cume_dist(em_func_call *call, em_error *err);
int em_fn_cume_dist(em_func_call *call, em_error *err) {
  return no_args(call, EM_WF_CUME_DIST, "cume_dist()", em_type_double(), err);
}

/* An integer literal argument. */
static bool int_lit(const em_expr *a, int64_t *v) {
  if (a->kind != EM_EX_LITERAL || em_vec_is_null(a->u.lit, 0)) return false;
  const void *p = em_vec_values(a->u.lit);
  switch (a->type->id) {
  case EM_T_BYTE: *v = ((const int8_t *)p)[0]; return true;
  case EM_T_SHORT: *v = ((const int16_t *)p)[0]; return true;
  case EM_T_INT: *v = ((const int32_t *)p)[0]; return true;
  case EM_T_LONG: *v = ((const int64_t *)p)[0]; return true;
  default: return false;
  }
}

int em_fn_ntile(em_func_call *call, em_error *err);
int em_fn_ntile(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  int64_t k;
  if (!int_lit(call->args[0], &k)) return em_agg_type_error(call, 0, "\"INT\"", err);
  call->sql = em_arena_printf(call->arena, "ntile(%s)", call->arg_sql[0]);
  if (!call->sql) return em_error_internal(err, "out of memory");
  if (k <= 0 || k > INT32_MAX) {
    char cur[32];
    snprintf(cur, sizeof cur, "%lld", (long long)k);
    char *sql = em_arena_printf(call->arena, "\"%s\"", call->sql);
    return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_VALUE_OUT_OF_RANGE, "sqlExpr", sql ? sql : "", "exprName",
                        "buckets", "valueRange", "(0, 2147483647]", "currentValue", cur, NULL);
  }
  em_win_cfg *c = cfg_new(call, EM_WF_NTILE, err);
  if (!c) return -1;
  c->n = k;
  call->args[0] = NULL;
  call->nargs = 0;
  call->type = em_type_int();
  call->nullable = false;
  return 0;
}

/* lag(x[, offset[, default]]) and lead: the default is cast to x's type. */
static int offset_fn(em_func_call *call, bool lead, em_error *err) {
  /* IGNORE NULLS arrives as a trailing BOOLEAN literal (the SQL parser's). */
  bool ign = false;
  if (call->nargs >= 2 && call->nargs <= 4 && call->args[call->nargs - 1]->kind == EM_EX_LITERAL &&
      call->args[call->nargs - 1]->type->id == EM_T_BOOLEAN) {
    if (em_agg_bool_literal(call, call->nargs - 1, &ign, err)) return -1;
    call->nargs--;
  }
  if (em_agg_check_nargs(call, 1, 3, err)) return -1;
  int64_t off = 1;
  if (call->nargs > 1 && !int_lit(call->args[1], &off)) return em_agg_type_error(call, 1, "\"INT\"", err);
  em_expr *x = call->args[0];
  em_expr *d = call->nargs > 2 ? call->args[2] : NULL;
  const char *dsql = d ? call->arg_sql[2] : "NULL";
  if (d && d->type->id != EM_T_NULL && !em_type_equal(d->type, x->type, true)) {
    if (!(d = em_expr_cast(call->arena, d, x->type, call->ansi))) return em_error_internal(err, "out of memory");
  }
  call->sql = em_arena_printf(call->arena, "%s(%s, %lld, %s)%s", lead ? "lead" : "lag", call->arg_sql[0],
                              (long long)off, dsql, ign ? " ignore nulls" : "");
  if (!call->sql) return em_error_internal(err, "out of memory");
  em_win_cfg *c = cfg_new(call, EM_WF_LAG, err);
  if (!c) return -1;
  c->n = lead ? -off : off;
  c->is_lead = lead;
  c->ignore_nulls = ign;
  call->args[1] = d;
  call->nargs = d ? 2 : 1;
  call->type = x->type;
  call->nullable = x->nullable || !d || d->nullable;
  return 0;
}

int em_fn_lag(em_func_call *call, em_error *err);
int em_fn_lag(em_func_call *call, em_error *err) { return offset_fn(call, false, err); }
int em_fn_lead(em_func_call *call, em_error *err);
int em_fn_lead(em_func_call *call, em_error *err) { return offset_fn(call, true, err); }

int em_fn_nth_value(em_func_call *call, em_error *err);
int em_fn_nth_value(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 2, 3, err)) return -1;
  int64_t k;
  if (!int_lit(call->args[1], &k)) return em_agg_type_error(call, 1, "\"INT\"", err);
  bool ign = false;
  if (call->nargs > 2 && em_agg_bool_literal(call, 2, &ign, err)) return -1;
  call->sql = em_arena_printf(call->arena, "nth_value(%s, %s)%s", call->arg_sql[0], call->arg_sql[1],
                              ign ? " ignore nulls" : "");
  if (!call->sql) return em_error_internal(err, "out of memory");
  if (k <= 0) {
    char cur[32];
    snprintf(cur, sizeof cur, "%lld", (long long)k);
    char *sql = em_arena_printf(call->arena, "\"%s\"", call->sql);
    return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_VALUE_OUT_OF_RANGE, "sqlExpr", sql ? sql : "", "exprName",
                        "offset", "valueRange", "(0, 9223372036854775807]", "currentValue", cur, NULL);
  }
  em_win_cfg *c = cfg_new(call, EM_WF_NTH_VALUE, err);
  if (!c) return -1;
  c->n = k;
  c->ignore_nulls = ign;
  call->nargs = 1;
  call->type = call->args[0]->type;
  call->nullable = true;
  return 0;
}
