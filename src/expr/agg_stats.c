/*
 * Second central moment aggregates: stddev/std/stddev_samp, stddev_pop,
 * variance/var_samp, var_pop. Each keeps (n, mean, m2) and updates and
 * merges them with exactly the formulas of Spark's CentralMomentAgg
 * (Welford's update, Chan et al.'s merge), so results agree bit for bit
 * on the same order of input. Sample variants return NULL for n = 1
 * (Spark 4 without spark.sql.legacy.statisticalAggregate), all return
 * NULL for n = 0.
 */
#include "agg_fn.h"

#include <math.h>
#include <string.h>

enum { K_STDDEV_SAMP, K_STDDEV_POP, K_VAR_SAMP, K_VAR_POP };

typedef struct moments {
  double n, avg, m2;
} moments;

static int mom_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                      int64_t n, em_error *err) {
  (void)c;
  (void)err;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    moments *m = (moments *)(st + g[i] * stride);
    double x = em_agg_num_as_double(v, i);
    double nn = m->n + 1.0;
    double delta = x - m->avg;
    double deltan = delta / nn;
    m->avg = m->avg + deltan;
    m->m2 = m->m2 + delta * (delta - deltan);
    m->n = nn;
  }
  return 0;
}

static int mom_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                     const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  (void)err;
  for (int64_t i = 0; i < n; i++) {
    const moments *b = (const moments *)EM_AGG_SRC(src, sstride, rows, i);
    moments *a = (moments *)(dst + g[i] * stride);
    double nn = a->n + b->n;
    double delta = b->avg - a->avg;
    double deltan = nn == 0.0 ? 0.0 : delta / nn;
    double avg = a->avg + deltan * b->n;
    double m2 = a->m2 + b->m2 + delta * deltan * a->n * b->n;
    a->n = nn;
    a->avg = avg;
    a->m2 = m2;
  }
  return 0;
}

static int mom_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(em_type_double(), n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const moments *m = (const moments *)(st + (size_t)i * stride);
    bool samp = cfg->kind == K_STDDEV_SAMP || cfg->kind == K_VAR_SAMP;
    int rc;
    if (m->n == 0.0 || (samp && m->n == 1.0)) {
      rc = em_vec_append_null(v);
    } else {
      double var = m->m2 / (samp ? m->n - 1.0 : m->n);
      double x = cfg->kind == K_STDDEV_SAMP || cfg->kind == K_STDDEV_POP ? sqrt(var) : var;
      rc = em_vec_append_fixed(v, &x);
    }
    if (rc) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def moments_def = {sizeof(moments), NULL, mom_update, mom_merge, mom_finish, NULL};

static int mom_resolve(em_func_call *call, int kind, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  em_expr *a = call->args[0];
  if (a->type->id == EM_T_STRING || a->type->id == EM_T_NULL) {
    em_expr *c = em_expr_cast(call->arena, a, em_type_double(), call->ansi);
    if (!c) return em_error_internal(err, "out of memory");
    c->nullable = true;
    call->args[0] = c;
  } else if (!em_type_is_numeric(a->type)) {
    return em_agg_type_error(call, 0, "\"DOUBLE\"", err);
  }
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = kind;
  call->type = em_type_double();
  call->nullable = true;
  call->agg = &moments_def;
  return em_agg_wrap_distinct(call, err);
}

int em_fn_stddev_samp(em_func_call *call, em_error *err);
int em_fn_stddev_samp(em_func_call *call, em_error *err) { return mom_resolve(call, K_STDDEV_SAMP, err); }
int em_fn_stddev_pop(em_func_call *call, em_error *err);
int em_fn_stddev_pop(em_func_call *call, em_error *err) { return mom_resolve(call, K_STDDEV_POP, err); }
int em_fn_var_samp(em_func_call *call, em_error *err);
int em_fn_var_samp(em_func_call *call, em_error *err) { return mom_resolve(call, K_VAR_SAMP, err); }
int em_fn_var_pop(em_func_call *call, em_error *err);
int em_fn_var_pop(em_func_call *call, em_error *err) { return mom_resolve(call, K_VAR_POP, err); }
