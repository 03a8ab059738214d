/*
 * Date parts and date arithmetic: year, month, dayofmonth (day), date_add
 * and date_sub.
 *
 * DATE is days since 1970-01-01 in the proleptic Gregorian calendar (as
 * Spark 3+ and java.time). A STRING argument is cast to DATE first, as
 * Spark's ImplicitCastInputTypes does, so a malformed string fails (ANSI)
 * or gives NULL (legacy) there. A TIMESTAMP argument is kept and turned
 * into its day in the session time zone by the kernels (what Spark's
 * implicit cast to DATE does). date_add wraps on int overflow, as
 * Spark's `start + days` on Java ints does.
 */
#include "expr_int.h"
#include "format.h"

#include <string.h>

enum { DT_YEAR, DT_MONTH, DT_DAY, DT_ADD, DT_SUB };

/* Howard Hinnant's civil_from_days. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* Days since the epoch of each row of a DATE, TIMESTAMP or TIMESTAMP_NTZ
 * vector (rows that are NULL are left 0). The caller frees *out. */
static int to_days(const em_vec *v, int64_t n, const em_eval_ctx *ctx, int32_t **out, em_error *err) {
  int32_t *days = em_malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
  if (!days) return em_error_internal(err, "out of memory");
  if (v->type->id == EM_T_DATE) {
    if (n) memcpy(days, em_vec_values(v), sizeof(int32_t) * (size_t)n);
  } else {
    const em_tz *tz = NULL;
    if (v->type->id == EM_T_TIMESTAMP && !(tz = em_tz_get(ctx->timezone ? ctx->timezone : "UTC", err))) {
      em_free(days);
      return -1;
    }
    const int64_t *us = em_vec_values(v);
    const int64_t day_us = INT64_C(86400000000);
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(v, i)) {
        days[i] = 0;
        continue;
      }
      int64_t t = us[i];
      int64_t secs = t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
      if (tz) t += (int64_t)em_tz_offset(tz, secs) * 1000000;
      days[i] = (int32_t)(t >= 0 ? t / day_us : -((-t + day_us - 1) / day_us));
    }
  }
  *out = days;
  return 0;
}

static int part_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  const em_fn_info *fi = e->u.fn.data;
  int32_t *days;
  if (to_days(args[0], n, ctx, &days, err)) return -1;
  em_vec *r = em_fn_result(e->type, n, args, 1);
  if (!r) return em_free(days), em_error_internal(err, "out of memory");
  int32_t *v = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(args[0], i)) continue;
    int64_t y;
    int m, d;
    civil_from_days(days[i], &y, &m, &d);
    v[i] = fi->op == DT_YEAR ? (int32_t)y : fi->op == DT_MONTH ? m : d;
  }
  em_free(days);
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

static int add_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                      em_error *err) {
  const em_fn_info *fi = e->u.fn.data;
  int32_t *a;
  if (to_days(args[0], n, ctx, &a, err)) return -1;
  em_vec *r = em_fn_result(e->type, n, args, 2);
  if (!r) return em_free(a), em_error_internal(err, "out of memory");
  int32_t *v = em_vec_values(r);
  const int32_t *b = em_vec_values(args[1]);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(args[0], i) || em_vec_is_null(args[1], i)) continue;
    uint32_t x = (uint32_t)a[i], k = (uint32_t)b[i];
    v[i] = (int32_t)(fi->op == DT_ADD ? x + k : x - k);
  }
  em_free(a);
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

/* Accepts DATE, TIMESTAMP(_NTZ), STRING and NULL for args[i]; all but the
 * timestamps are cast to DATE (the kernels read those themselves). */
static int date_arg(em_func_call *call, int i, em_error *err) {
  em_type *t = call->args[i]->type;
  if (t->id == EM_T_TIMESTAMP || t->id == EM_T_TIMESTAMP_NTZ) return 0;
  if (t->id != EM_T_DATE && t->id != EM_T_TIMESTAMP && t->id != EM_T_TIMESTAMP_NTZ && !em_type_is_string_like(t) &&
      t->id != EM_T_NULL)
    return em_fn_type_error_unexpected(call, call->sql, i, "\"DATE\"", err);
  return em_coerce_arg(call, i, em_type_date(), err);
}

static int finish(em_func_call *call, int op, em_type *type, em_kernel_fn k, em_error *err) {
  call->type = type;
  call->nullable = false;
  for (int i = 0; i < call->nargs; i++) call->nullable |= call->args[i]->nullable;
  call->kernel = k;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_year(em_func_call *call, em_error *err);
int em_fn_resolve_month(em_func_call *call, em_error *err);
int em_fn_resolve_dayofmonth(em_func_call *call, em_error *err);
int em_fn_resolve_date_add(em_func_call *call, em_error *err);
int em_fn_resolve_date_sub(em_func_call *call, em_error *err);

static int resolve_part(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (date_arg(call, 0, err)) return -1;
  return finish(call, op, em_type_int(), part_kernel, err);
}

int em_fn_resolve_year(em_func_call *call, em_error *err) { return resolve_part(call, DT_YEAR, err); }
int em_fn_resolve_month(em_func_call *call, em_error *err) { return resolve_part(call, DT_MONTH, err); }
int em_fn_resolve_dayofmonth(em_func_call *call, em_error *err) { return resolve_part(call, DT_DAY, err); }

static int resolve_add(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (date_arg(call, 0, err)) return -1;
  em_type *t = call->args[1]->type;
  if (t->id != EM_T_INT && t->id != EM_T_SHORT && t->id != EM_T_BYTE && !em_type_is_string_like(t) &&
      t->id != EM_T_NULL)
    return em_fn_type_error_unexpected(call, call->sql, 1, "(\"INT\" or \"SMALLINT\" or \"TINYINT\")", err);
  if (em_coerce_arg(call, 1, em_type_int(), err)) return -1;
  return finish(call, op, em_type_date(), add_kernel, err);
}

int em_fn_resolve_date_add(em_func_call *call, em_error *err) { return resolve_add(call, DT_ADD, err); }
int em_fn_resolve_date_sub(em_func_call *call, em_error *err) { return resolve_add(call, DT_SUB, err); }
