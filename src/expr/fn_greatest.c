/*
 * greatest(a, b, ...) and least(a, b, ...): at least two arguments, all
 * coerced to their wider common type; NULLs are skipped, so the result is
 * NULL only when every argument is. Orderable atomic types: numbers
 * (floating point with NaN above everything), strings and binaries by
 * bytes, booleans, dates, timestamps, intervals. Of equal values the first
 * argument's is kept.
 */
#include "expr_int.h"

#include <math.h>
#include <string.h>

static int cmp_at(const em_vec *a, int64_t i, const em_vec *b, int64_t j) {
  const void *pa = em_vec_values(a), *pb = em_vec_values(b);
  switch (a->type->id) {
  case EM_T_BOOLEAN: return (int)em_bit_get(pa, i) - (int)em_bit_get(pb, j);
  case EM_T_FLOAT:
  case EM_T_DOUBLE: {
    double x = a->type->id == EM_T_FLOAT ? ((const float *)pa)[i] : ((const double *)pa)[i];
    double y = a->type->id == EM_T_FLOAT ? ((const float *)pb)[j] : ((const double *)pb)[j];
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    return (x > y) - (x < y);
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t la, lb;
    const char *sa = em_vec_str(a, i, &la), *sb = em_vec_str(b, j, &lb);
    int c = memcmp(sa, sb, (size_t)(la < lb ? la : lb));
    return c ? (c > 0) - (c < 0) : (la > lb) - (la < lb);
  }
  case EM_T_DECIMAL:
    if (em_type_fixed_width(a->type) == 16) {
      __int128 x, y;
      memcpy(&x, (const char *)pa + i * 16, 16);
      memcpy(&y, (const char *)pb + j * 16, 16);
      return (x > y) - (x < y);
    }
    break;
  default: break;
  }
  int w = em_type_fixed_width(a->type);
  int64_t x = 0, y = 0;
  switch (w) {
  case 1: x = ((const int8_t *)pa)[i]; y = ((const int8_t *)pb)[j]; break;
  case 2: x = ((const int16_t *)pa)[i]; y = ((const int16_t *)pb)[j]; break;
  case 4: x = ((const int32_t *)pa)[i]; y = ((const int32_t *)pb)[j]; break;
  default: x = ((const int64_t *)pa)[i]; y = ((const int64_t *)pb)[j]; break;
  }
  return (x > y) - (x < y);
}

static int extreme_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  int16_t *pick = em_malloc(sizeof(int16_t) * (size_t)(n ? n : 1));
  if (!pick) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    int best = -1;
    for (int k = 0; k < e->nargs; k++) {
      if (em_vec_is_null(args[k], i)) continue;
      if (best < 0) {
        best = k;
        continue;
      }
      int c = cmp_at(args[k], i, args[best], i);
      if (fi->op ? c > 0 : c < 0) best = k;
    }
    pick[i] = (int16_t)best;
  }
  int rc = em_fn_select(e->type, n, args, pick, out, err);
  em_free(pick);
  return rc;
}

static bool orderable(const em_type *t) {
  switch (t->id) {
  case EM_T_NULL:
  case EM_T_BOOLEAN:
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_LONG:
  case EM_T_FLOAT:
  case EM_T_DOUBLE:
  case EM_T_DECIMAL:
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY:
  case EM_T_DATE:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
    return true;
  default: return false;
  }
}

static int resolve_extreme(em_func_call *call, bool greatest, em_error *err) {
  const char *name = greatest ? "greatest" : "least";
  call->sql = em_fn_sql_call(call, name);
  if (call->nargs < 2) {
    return em_fn_wrong_num_args(call, "> 1", err);
  }
  em_type **types = em_arena_calloc(call->arena, sizeof(em_type *) * (size_t)call->nargs);
  if (!types) return em_error_internal(err, "out of memory");
  for (int i = 0; i < call->nargs; i++) types[i] = call->args[i]->type;
  em_type *t = em_coerce_wider_list(types, call->nargs, call->ansi);
  if (!t) return em_fn_type_error_diff(call, call->sql, err);
  if (t->id == EM_T_NULL) t = em_type_null();
  if (!orderable(t)) return em_fn_type_error_unexpected(call, call->sql, 0, "\"ORDERABLE\"", err);
  bool all_nullable = true;
  for (int i = 0; i < call->nargs; i++) {
    if (em_coerce_arg(call, i, t, err)) return -1;
    if (!call->args[i]->nullable) all_nullable = false;
  }
  call->type = t;
  call->nullable = all_nullable;
  call->kernel = extreme_kernel;
  if (!(call->data = em_fn_info_new(call, greatest))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_greatest(em_func_call *call, em_error *err);
int em_fn_resolve_least(em_func_call *call, em_error *err);
int em_fn_resolve_greatest(em_func_call *call, em_error *err) { return resolve_extreme(call, true, err); }
int em_fn_resolve_least(em_func_call *call, em_error *err) { return resolve_extreme(call, false, err); }
