/*
 * Two-column and higher-moment statistics: covar_pop, covar_samp, corr
 * (Spark's Covariance / PearsonCorrelation) and skewness, kurtosis
 * (CentralMomentAgg of order 3 and 4). States, updates and merges use
 * exactly Spark's formulas, in the same order of operations, so results
 * agree bit for bit on the same order of input. A pair with a NULL side is
 * skipped. Without spark.sql.legacy.statisticalAggregate a division by
 * zero (n = 1 for the sample forms, m2 = 0 for the moments) is NULL; no
 * rows at all is NULL.
 */
#include "agg_fn.h"

#include <math.h>
#include <string.h>

enum { K_COVAR_POP, K_COVAR_SAMP, K_CORR, K_SKEWNESS, K_KURTOSIS };

typedef struct comoments {
  double n, xavg, yavg, ck, xmk, ymk;
} comoments;

static int co_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args, int64_t n,
                     em_error *err) {
  (void)c, (void)err;
  const em_vec *xv = args[0], *yv = args[1];
  if (xv->type->id == EM_T_NULL || yv->type->id == EM_T_NULL) return 0;
  const double *xs = em_vec_values(xv), *ys = em_vec_values(yv);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(xv, i) || em_vec_is_null(yv, i)) continue;
    comoments *m = (comoments *)(st + g[i] * stride);
    double x = xs[i], y = ys[i];
    double nn = m->n + 1.0;
    double dx = x - m->xavg, dy = y - m->yavg;
    double dxn = dx / nn, dyn = dy / nn;
    double nxavg = m->xavg + dxn, nyavg = m->yavg + dyn;
    m->ck = m->ck + dx * (y - nyavg);
    m->xmk = m->xmk + dx * (x - nxavg);
    m->ymk = m->ymk + dy * (y - nyavg);
    m->xavg = nxavg;
    m->yavg = nyavg;
    m->n = nn;
  }
  return 0;
}

static int co_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                    const uint32_t *rows, int64_t n, em_error *err) {
  (void)c, (void)err;
  for (int64_t i = 0; i < n; i++) {
    const comoments *b = (const comoments *)EM_AGG_SRC(src, sstride, rows, i);
    comoments *a = (comoments *)(dst + g[i] * stride);
    double n1 = a->n, n2 = b->n, nn = n1 + n2;
    double dx = b->xavg - a->xavg, dy = b->yavg - a->yavg;
    double dxn = nn == 0.0 ? 0.0 : dx / nn, dyn = nn == 0.0 ? 0.0 : dy / nn;
    a->xavg = a->xavg + dxn * n2;
    a->yavg = a->yavg + dyn * n2;
    a->ck = a->ck + b->ck + dx * dyn * n1 * n2;
    a->xmk = a->xmk + b->xmk + dx * dxn * n1 * n2;
    a->ymk = a->ymk + b->ymk + dy * dyn * n1 * n2;
    a->n = nn;
  }
  return 0;
}

typedef struct moments4 {
  double n, avg, m2, m3, m4;
} moments4;

static int m4_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args, int64_t n,
                     em_error *err) {
  (void)c, (void)err;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const double *xs = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    moments4 *m = (moments4 *)(st + g[i] * stride);
    double nn = m->n + 1.0;
    double delta = xs[i] - m->avg;
    double deltan = delta / nn;
    double avg = m->avg + deltan;
    double m2 = m->m2 + delta * (delta - deltan);
    double delta2 = delta * delta, deltan2 = deltan * deltan;
    double m3 = m->m3 - 3.0 * deltan * m2 + delta * (delta2 - deltan2);
    double m4 = m->m4 - 4.0 * deltan * m3 - 6.0 * deltan2 * m2 + delta * (delta * delta2 - deltan * deltan2);
    m->n = nn;
    m->avg = avg;
    m->m2 = m2;
    m->m3 = m3;
    m->m4 = m4;
  }
  return 0;
}

static int m4_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                    const uint32_t *rows, int64_t n, em_error *err) {
  (void)c, (void)err;
  for (int64_t i = 0; i < n; i++) {
    const moments4 *b = (const moments4 *)EM_AGG_SRC(src, sstride, rows, i);
    moments4 *a = (moments4 *)(dst + g[i] * stride);
    double n1 = a->n, n2 = b->n, nn = n1 + n2;
    double delta = b->avg - a->avg;
    double deltan = nn == 0.0 ? 0.0 : delta / nn;
    double avg = a->avg + deltan * n2;
    double m2 = a->m2 + b->m2 + delta * deltan * n1 * n2;
    double m3 = a->m3 + b->m3 + deltan * deltan * delta * n1 * n2 * (n1 - n2) + 3.0 * deltan * (n1 * b->m2 - n2 * a->m2);
    double m4 = a->m4 + b->m4 + deltan * deltan * deltan * delta * n1 * n2 * (n1 * n1 - n1 * n2 + n2 * n2) +
                6.0 * deltan * deltan * (n1 * n1 * b->m2 + n2 * n2 * a->m2) + 4.0 * deltan * (n1 * b->m3 - n2 * a->m3);
    a->n = nn;
    a->avg = avg;
    a->m2 = m2;
    a->m3 = m3;
    a->m4 = m4;
  }
  return 0;
}

static int stat_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(em_type_double(), n);
  if (!v) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const uint8_t *s = st + (size_t)i * stride;
    bool null = false;
    double x = 0;
    if (cfg->kind == K_SKEWNESS || cfg->kind == K_KURTOSIS) {
      const moments4 *m = (const moments4 *)s;
      if (m->n == 0.0 || m->m2 == 0.0) null = true;
      else if (cfg->kind == K_SKEWNESS) x = sqrt(m->n) * m->m3 / sqrt(m->m2 * m->m2 * m->m2);
      else x = m->n * m->m4 / (m->m2 * m->m2) - 3.0;
    } else {
      const comoments *m = (const comoments *)s;
      if (m->n == 0.0 || (cfg->kind != K_COVAR_POP && m->n == 1.0)) null = true;
      else if (cfg->kind == K_COVAR_POP) x = m->ck / m->n;
      else if (cfg->kind == K_COVAR_SAMP) x = m->ck / (m->n - 1.0);
      else x = m->ck / sqrt(m->xmk * m->ymk);
    }
    if (null ? em_vec_append_null(v) : em_vec_append_fixed(v, &x)) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def comoments_def = {sizeof(comoments), NULL, co_update, co_merge, stat_finish, NULL};
static const em_agg_def moments4_def = {sizeof(moments4), NULL, m4_update, m4_merge, stat_finish, NULL};

static int stat_resolve(em_func_call *call, int kind, em_error *err) {
  int nargs = kind == K_SKEWNESS || kind == K_KURTOSIS ? 1 : 2;
  if (em_agg_check_nargs(call, nargs, nargs, err)) return -1;
  if (em_agg_name(call, call->name, nargs, err)) return -1;
  for (int i = 0; i < nargs; i++) {
    const em_type *t = call->args[i]->type;
    if (!em_type_is_numeric(t) && t->id != EM_T_STRING && t->id != EM_T_NULL)
      return em_agg_type_error(call, i, "\"DOUBLE\"", err);
    if (em_coerce_arg(call, i, em_type_double(), err)) return -1;
  }
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = kind;
  call->type = em_type_double();
  call->nullable = true;
  call->agg = nargs == 1 ? &moments4_def : &comoments_def;
  return em_agg_wrap_distinct(call, err);
}

int em_fn_covar_pop(em_func_call *call, em_error *err);
int em_fn_covar_pop(em_func_call *call, em_error *err) { return stat_resolve(call, K_COVAR_POP, err); }
int em_fn_covar_samp(em_func_call *call, em_error *err);
int em_fn_covar_samp(em_func_call *call, em_error *err) { return stat_resolve(call, K_COVAR_SAMP, err); }
int em_fn_corr(em_func_call *call, em_error *err);
int em_fn_corr(em_func_call *call, em_error *err) { return stat_resolve(call, K_CORR, err); }
int em_fn_skewness(em_func_call *call, em_error *err);
int em_fn_skewness(em_func_call *call, em_error *err) { return stat_resolve(call, K_SKEWNESS, err); }
int em_fn_kurtosis(em_func_call *call, em_error *err);
int em_fn_kurtosis(em_func_call *call, em_error *err) { return stat_resolve(call, K_KURTOSIS, err); }
