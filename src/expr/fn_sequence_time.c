/*
 * sequence(start, stop[, step]) over dates and timestamps (Spark's
 * TemporalSequenceImpl). Dates step by whole days: the default step is one
 * day (minus one when start > stop), a day-time interval step must be a
 * whole number of days (_LEGACY_ERROR_TEMP_3242). Timestamps step by a
 * day-time interval in microseconds, or by default by one calendar day in
 * the session time zone (TIMESTAMP_NTZ: wall clock), stopping at the last
 * value not past stop. Boundaries that go the wrong way are Spark's
 * "Illegal sequence boundaries" IllegalArgumentException.
 */
#include "fn_nested.h"

#include <stdio.h>
#include <string.h>

#define MICROS_PER_DAY 86400000000LL

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && ((a < 0) != (b < 0))); }

static int boundaries_error(int64_t a, int64_t b, const char *step, em_error *err) {
  char msg[200];
  snprintf(msg, sizeof msg, "requirement failed: Illegal sequence boundaries: %lld to %lld by %s", (long long)a,
           (long long)b, step);
  em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
  em_error_no_context(err); /* as Spark */
  return -1;
}

/* The instant `days` calendar days after `us` in zone tz (NULL: the wall
 * clock itself). */
static int64_t add_days(int64_t us, int64_t days, const em_tz *tz) {
  if (!tz) return us + days * MICROS_PER_DAY;
  int64_t off = em_tz_offset(tz, floor_div(us, 1000000));
  int64_t local = us + off * 1000000 + days * MICROS_PER_DAY;
  /* Local time back to an instant: the offset in force there. */
  int64_t guess = local - off * 1000000;
  int64_t off2 = em_tz_offset(tz, floor_div(guess, 1000000));
  return local - off2 * 1000000;
}

static int seq_time_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                           em_error *err) {
  em_type *et = e->type->u.array.elem;
  bool dates = et->id == EM_T_DATE;
  const em_tz *tz = NULL;
  if (et->id == EM_T_TIMESTAMP && ctx && ctx->timezone && !(tz = em_tz_get(ctx->timezone, err))) return -1;
  em_vec *el = em_vec_new(et, 0);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  if (!el || !offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    bool null = false;
    for (int k = 0; k < e->nargs; k++) null |= em_vec_is_null(args[k], i);
    if (null) {
      em_bit_clear(valid, i);
      continue;
    }
    int64_t a = dates ? ((const int32_t *)em_vec_values(args[0]))[i] : ((const int64_t *)em_vec_values(args[0]))[i];
    int64_t b = dates ? ((const int32_t *)em_vec_values(args[1]))[i] : ((const int64_t *)em_vec_values(args[1]))[i];
    bool has_step = e->nargs > 2;
    int64_t step = has_step ? ((const int64_t *)em_vec_values(args[2]))[i] : 0;
    if (dates && has_step) {
      if (step % MICROS_PER_DAY) {
        em_error_set(err, EM_ERR_SEQUENCE_STEP_NOT_DAYS, "intervalType", "interval day to second", NULL);
        /* A legacy class: Spark renders the bare message. */
        snprintf(err->msg, sizeof err->msg,
                 "sequence step must be an interval day to second of day granularity if start and end values are dates");
        em_error_no_context(err); /* as Spark */
        goto fail;
      }
      step /= MICROS_PER_DAY;
    }
    /* A timestamp step of whole days and more moves by calendar days in
     * the session zone plus the rest in microseconds (Spark splits the
     * day-time interval so); shorter steps are plain microseconds. */
    int64_t step_days = 0, step_us = step;
    if (!dates && has_step) {
      step_days = step / MICROS_PER_DAY;
      step_us = step % MICROS_PER_DAY;
    }
    int64_t cnt;
    if (dates || (has_step && step_days == 0)) {
      /* Whole days over dates, microseconds over timestamps. */
      if (!has_step) step = a <= b ? 1 : -1;
      if (!((step > 0 && a <= b) || (step < 0 && a >= b) || (step == 0 && a == b))) {
        char s[32];
        snprintf(s, sizeof s, "%lld", (long long)step);
        boundaries_error(a, b, s, err);
        goto fail;
      }
      __int128 c = step == 0 ? 1 : ((__int128)b - a) / step + 1;
      if (c + el->len > 2147483632) {
        em_error_internal(err, "sequence too long");
        goto fail;
      }
      cnt = (int64_t)c;
      for (int64_t k = 0; k < cnt; k++) {
        int64_t x = a + k * step;
        int32_t x32 = (int32_t)x;
        if (em_vec_append_fixed(el, dates ? (const void *)&x32 : (const void *)&x)) goto oom;
      }
    } else {
      /* Calendar days (one by default), each value computed from the start
       * (Spark adds i steps to start, so a DST change does not drift the
       * time of day). */
      int64_t sd = has_step ? step_days : (a <= b ? 1 : -1);
      int64_t est = sd * MICROS_PER_DAY + step_us;
      if (!((est > 0 && a <= b) || (est < 0 && a >= b))) {
        char s[32];
        snprintf(s, sizeof s, "%lld", (long long)step);
        boundaries_error(a, b, s, err);
        goto fail;
      }
      for (int64_t k = 0;; k++) {
        int64_t t = add_days(a, k * sd, tz) + k * step_us;
        if (est > 0 ? t > b : t < b) break;
        if (el->len >= 2147483632) {
          em_error_internal(err, "sequence too long");
          goto fail;
        }
        if (em_vec_append_fixed(el, &t)) goto oom;
      }
    }
    offs[i + 1] = (int32_t)el->len;
  }
  em_vec *r = em_nested_make_list(e->type, n, offs, valid, el);
  el = NULL;
  em_free(offs);
  em_free(valid);
  if (!r) return em_error_internal(err, "out of memory");
  *out = r;
  return 0;
oom:
  em_error_internal(err, "out of memory");
fail:
  if (el) em_vec_unref(el);
  em_free(offs);
  em_free(valid);
  return -1;
}

static bool is_datetime(const em_type *t) {
  return t->id == EM_T_DATE || t->id == EM_T_TIMESTAMP || t->id == EM_T_TIMESTAMP_NTZ;
}

bool em_fn_sequence_is_temporal(const em_func_call *call);
bool em_fn_sequence_is_temporal(const em_func_call *call) {
  return call->nargs >= 2 && (is_datetime(call->args[0]->type) || is_datetime(call->args[1]->type));
}

int em_fn_resolve_sequence_temporal(em_func_call *call, em_error *err);
int em_fn_resolve_sequence_temporal(em_func_call *call, em_error *err) {
  em_type *l = call->args[0]->type, *r = call->args[1]->type;
  em_type *t = em_coerce_tightest(l, r, call->ansi);
  if (!t || !is_datetime(t) || (call->nargs > 2 && call->args[2]->type->id != EM_T_DT_INTERVAL))
    return em_nested_need(call, call->nargs > 2 ? 2 : (is_datetime(l) ? 1 : 0), "\"INTERVAL DAY TO SECOND\"", err);
  if (em_coerce_arg(call, 0, t, err) || em_coerce_arg(call, 1, t, err)) return -1;
  call->type = em_nested_intern(em_type_array(t, false), err);
  if (!call->type) return -1;
  call->nullable = false;
  for (int i = 0; i < call->nargs; i++) call->nullable |= call->args[i]->nullable;
  call->kernel = seq_time_kernel;
  return 0;
}
