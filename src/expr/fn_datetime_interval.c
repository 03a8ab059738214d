/*
 * `+` and `-` of a datetime and an ANSI interval, as Spark's
 * BinaryArithmeticWithDatetimeResolver rewrites them:
 *
 *   DATE +/- INTERVAL DAY            -> DATE: date_add(d, [-]extractansiintervaldays(i))
 *   DATE +/- INTERVAL YEAR TO MONTH  -> DATE: plus months, the day clamped to
 *                                       the month's last (d + i, d - i)
 *   DATE +/- INTERVAL DAY TO SECOND  -> TIMESTAMP: the date at midnight in the
 *                                       session zone, plus the microseconds
 *   TIMESTAMP(_NTZ) +/- INTERVAL DAY TO SECOND -> the same type, plus micros
 *   INTERVAL + datetime              -> the operands swapped (Spark names it so)
 *
 * The generated names are Spark's: the rewritten date_add call for whole
 * days, `l + r` / `l - r` (no parentheses) for the others.
 *
 *   TIMESTAMP(_NTZ) +/- INTERVAL YEAR TO MONTH -> the local date-time (in the
 *                                       session zone for TIMESTAMP) plus months
 *
 * Not done: DATE - DATE, TIMESTAMP - TIMESTAMP; in a zone's DST gap or
 * overlap the local time maps back with the offset found by two probes,
 * which may differ from java.time's choice.
 */
#include "expr_int.h"
#include "format.h"

#include <string.h>

enum { DI_DATE_DAYS, DI_DATE_MONTHS, DI_TS_MICROS, DI_TS_MONTHS };

typedef struct di_info {
  em_fn_info base; /* base.op: DI_* */
  bool sub;
} di_info;

#define MICROS_PER_DAY INT64_C(86400000000)

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

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

static int month_days(int64_t y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

/* java.time's LocalDate.plusMonths: the day is clamped to the new month. */
static int32_t add_months(int32_t days, int64_t months) {
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  int64_t total = y * 12 + (m - 1) + months;
  int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
  int nm = (int)(total - ny * 12) + 1;
  int md = month_days(ny, nm);
  if (d > md) d = md;
  return (int32_t)days_from_civil(ny, nm, d);
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Local micros plus months, the time of day kept. */
static int64_t local_add_months(int64_t us, int64_t months) {
  int64_t days = floor_div(us, MICROS_PER_DAY);
  int64_t tod = us - days * MICROS_PER_DAY;
  return (int64_t)add_months((int32_t)days, months) * MICROS_PER_DAY + tod;
}

static int64_t ts_add_months(const em_tz *tz, int64_t us, int64_t months) {
  if (!tz) return local_add_months(us, months);
  int64_t off = (int64_t)em_tz_offset(tz, floor_div(us, 1000000)) * 1000000;
  int64_t local = local_add_months(us + off, months);
  int64_t guess = local - off;
  int64_t off2 = (int64_t)em_tz_offset(tz, floor_div(guess, 1000000)) * 1000000;
  if (off2 != off) guess = local - off2;
  return guess;
}

static int di_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                     em_error *err) {
  const di_info *fi = e->u.fn.data;
  em_vec *r = em_fn_result(e->type, n, args, 2);
  if (!r) return em_error_internal(err, "out of memory");
  const em_vec *a = args[0], *b = args[1];
  switch (fi->base.op) {
  case DI_DATE_DAYS: {
    const int32_t *x = em_vec_values(a);
    const int64_t *us = em_vec_values(b);
    int32_t *v = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) continue;
      uint32_t k = (uint32_t)(int32_t)(us[i] / MICROS_PER_DAY); /* Java int arithmetic: wraps */
      v[i] = (int32_t)(fi->sub ? (uint32_t)x[i] - k : (uint32_t)x[i] + k);
    }
    break;
  }
  case DI_DATE_MONTHS: {
    const int32_t *x = em_vec_values(a);
    const int32_t *mo = em_vec_values(b);
    int32_t *v = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) continue;
      v[i] = add_months(x[i], fi->sub ? -(int64_t)mo[i] : (int64_t)mo[i]);
    }
    break;
  }
  case DI_TS_MONTHS: {
    const em_tz *tz = NULL;
    if (a->type->id == EM_T_TIMESTAMP && !(tz = em_tz_get(ctx->timezone ? ctx->timezone : "UTC", err))) {
      em_vec_unref(r);
      return -1;
    }
    const int64_t *x = em_vec_values(a);
    const int32_t *mo = em_vec_values(b);
    int64_t *v = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) continue;
      v[i] = ts_add_months(tz, x[i], fi->sub ? -(int64_t)mo[i] : (int64_t)mo[i]);
    }
    break;
  }
  default: {
    const int64_t *x = em_vec_values(a);
    const int64_t *us = em_vec_values(b);
    int64_t *v = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) continue;
      int64_t res;
      bool ovf = fi->sub ? __builtin_sub_overflow(x[i], us[i], &res) : __builtin_add_overflow(x[i], us[i], &res);
      if (ovf) {
        em_vec_unref(r);
        return em_fn_overflow(err, "long overflow", NULL);
      }
      v[i] = res;
    }
    break;
  }
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

static bool is_dt(const em_type *t) { return t->id == EM_T_DATE || t->id == EM_T_TIMESTAMP || t->id == EM_T_TIMESTAMP_NTZ; }
static bool is_iv(const em_type *t) { return t->id == EM_T_DT_INTERVAL || t->id == EM_T_YM_INTERVAL; }

int em_fn_datetime_interval_arith(em_func_call *call, bool sub, bool *handled, em_error *err) {
  *handled = false;
  if (call->nargs != 2) return 0;
  em_type *l = call->args[0]->type, *r = call->args[1]->type;
  if (!sub && is_iv(l) && is_dt(r)) {
    em_expr *t = call->args[0];
    call->args[0] = call->args[1];
    call->args[1] = t;
    char *s = call->arg_sql[0];
    call->arg_sql[0] = call->arg_sql[1];
    call->arg_sql[1] = s;
    l = call->args[0]->type;
    r = call->args[1]->type;
  }
  if (sub && is_iv(l) && r->id == EM_T_DATE) /* Spark's SubtractDates, whose first operand must be a DATE */
    return em_fn_type_error_unexpected(call, em_fn_sql_binary(call, "-"), 0, "\"DATE\"", err);
  if (!is_dt(l) || !is_iv(r)) return 0;
  int op;
  em_type *result;
  const char *sym = sub ? "-" : "+";
  char *sql = em_arena_printf(call->arena, "%s %s %s", call->arg_sql[0], sym, call->arg_sql[1]);
  if (l->id == EM_T_DATE && r->id == EM_T_DT_INTERVAL && r->u.interval.start == EM_DT_DAY &&
      r->u.interval.end == EM_DT_DAY) {
    op = DI_DATE_DAYS;
    result = em_type_date();
    sql = em_arena_printf(call->arena, sub ? "date_add(%s, (- extractansiintervaldays(%s)))"
                                           : "date_add(%s, extractansiintervaldays(%s))",
                          call->arg_sql[0], call->arg_sql[1]);
  } else if (l->id == EM_T_DATE && r->id == EM_T_YM_INTERVAL) {
    op = DI_DATE_MONTHS;
    result = em_type_date();
  } else if (r->id == EM_T_DT_INTERVAL) {
    if (l->id == EM_T_DATE && em_coerce_arg(call, 0, em_type_timestamp(), err)) return -1;
    op = DI_TS_MICROS;
    result = call->args[0]->type;
  } else {
    op = DI_TS_MONTHS;
    result = l;
  }
  *handled = true;
  call->sql = sql;
  call->type = result;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = di_kernel;
  di_info *fi = em_arena_calloc(call->arena, sizeof *fi);
  if (!fi) return em_error_internal(err, "out of memory");
  fi->base.ansi = call->ansi;
  fi->base.op = op;
  fi->sub = sub;
  call->data = fi;
  return 0;
}
