/*
 * Window evaluation by position: row_number, rank, dense_rank,
 * percent_rank, cume_dist, ntile, lag/lead, nth_value, and first/last
 * (any frame, with or without ignoreNulls), plus the dispatch of
 * em_win_eval. All are linear in the run: ranks come from the peer groups,
 * offsets and frame ends from positions, and "the k-th non-NULL value"
 * from the run's list of non-NULL positions (the k-th non-NULL at or after
 * row lo is entry count_before(lo) + k of that list).
 */
#include "win.h"

#include "agg_fn.h"

#include <string.h>

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a window function"); }

static int int_result(const int32_t *vals, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(em_type_int(), n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++)
    if (em_vec_append_fixed(v, &vals[i])) {
      em_vec_unref(v);
      return oom(err);
    }
  *out = v;
  return 0;
}

static int double_result(const double *vals, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(em_type_double(), n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++)
    if (em_vec_append_fixed(v, &vals[i])) {
      em_vec_unref(v);
      return oom(err);
    }
  *out = v;
  return 0;
}

static int ranking(const em_win_cfg *cfg, const em_win_run *run, em_vec **out, em_error *err) {
  int64_t n = run->n;
  bool dbl = cfg->fn == EM_WF_PERCENT_RANK || cfg->fn == EM_WF_CUME_DIST;
  int32_t *iv = dbl ? NULL : em_malloc(sizeof *iv * (size_t)(n ? n : 1));
  double *dv = dbl ? em_malloc(sizeof *dv * (size_t)(n ? n : 1)) : NULL;
  if (dbl ? !dv : !iv) return oom(err);
  for (int p = 0; p < run->npart; p++) {
    int64_t s = run->pstart[p], e = run->pstart[p + 1], cnt = e - s;
    int32_t dense = 0;
    /* ntile: buckets of `size` rows, the first `extra` one row larger. */
    int64_t k = cfg->n > 0 ? cfg->n : 1, size = cnt / k, extra = cnt % k;
    for (int64_t i = s; i < e; i++) {
      int64_t r = i - s, rank = run->peer_start[i] - s + 1;
      if (run->peer_start[i] == i) dense++;
      switch (cfg->fn) {
      case EM_WF_ROW_NUMBER: iv[i] = (int32_t)(r + 1); break;
      case EM_WF_RANK: iv[i] = (int32_t)rank; break;
      case EM_WF_DENSE_RANK: iv[i] = dense; break;
      case EM_WF_PERCENT_RANK: dv[i] = cnt > 1 ? (double)(rank - 1) / (double)(cnt - 1) : 0.0; break;
      case EM_WF_CUME_DIST: dv[i] = (double)(run->peer_end[i] - s) / (double)cnt; break;
      case EM_WF_NTILE: {
        int64_t big = (size + 1) * extra;
        iv[i] = (int32_t)(r < big ? r / (size + 1) + 1 : extra + (size ? (r - big) / size : 0) + 1);
        break;
      }
      default: break;
      }
    }
  }
  int rc = dbl ? double_result(dv, n, out, err) : int_result(iv, n, out, err);
  em_free(iv);
  em_free(dv);
  return rc;
}

/* out[i] = x[idx[i]] where idx[i] >= 0, else dflt[i] (NULL: a NULL). */
static int gather(const em_vec *x, const int64_t *idx, const em_vec *dflt, int64_t n, em_type *type, em_vec **out,
                  em_error *err) {
  bool all_null_default = !dflt || dflt->type->id == EM_T_NULL;
  if (all_null_default && x->type->id != EM_T_NULL) {
    uint32_t *ti = em_malloc(sizeof *ti * (size_t)(n ? n : 1));
    if (!ti) return oom(err);
    for (int64_t i = 0; i < n; i++) ti[i] = idx[i] >= 0 ? (uint32_t)idx[i] : 0;
    em_vec *v = x->len ? em_vec_take(x, ti, n) : em_vec_new_nulls(type, n);
    em_free(ti);
    if (!v) return oom(err);
    for (int64_t i = 0; i < n && x->len; i++) {
      if (idx[i] >= 0 || em_vec_is_null(v, i)) continue;
      if (em_vec_ensure_validity(v)) {
        em_vec_unref(v);
        return oom(err);
      }
      em_bit_clear(v->validity->data, i);
      v->null_count++;
    }
    *out = v;
    return 0;
  }
  em_vec *v = em_vec_new(type, n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    int rc;
    if (idx[i] >= 0) rc = em_vec_append_range(v, x, idx[i], 1);
    else if (all_null_default) rc = em_vec_append_null(v);
    else rc = em_vec_append_range(v, dflt, i, 1);
    if (rc) {
      em_vec_unref(v);
      return oom(err);
    }
  }
  *out = v;
  return 0;
}

/* nn[k]: the run position of the k-th non-NULL value of x; before[i]: how
 * many non-NULL values precede row i (n + 1 entries). */
static int nonnull_index(const em_vec *x, int64_t n, int64_t **nn, int64_t **before) {
  *nn = em_malloc(sizeof **nn * (size_t)(n + 1));
  *before = em_malloc(sizeof **before * (size_t)(n + 1));
  if (!*nn || !*before) {
    em_free(*nn);
    em_free(*before);
    return -1;
  }
  int64_t c = 0;
  for (int64_t i = 0; i < n; i++) {
    (*before)[i] = c;
    if (!em_vec_is_null(x, i)) (*nn)[c++] = i;
  }
  (*before)[n] = c;
  return 0;
}

static int lag(const em_expr *call, const em_win_cfg *cfg, em_vec *const *args, const em_win_run *run, em_vec **out,
               em_error *err) {
  int64_t n = run->n;
  const em_vec *x = args[0];
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(n ? n : 1)), *nn = NULL, *before = NULL;
  if (!idx) return oom(err);
  if (cfg->ignore_nulls && nonnull_index(x, n, &nn, &before)) {
    em_free(idx);
    return oom(err);
  }
  for (int p = 0; p < run->npart; p++) {
    int64_t s = run->pstart[p], e = run->pstart[p + 1];
    for (int64_t i = s; i < e; i++) {
      int64_t j = -1;
      if (!cfg->ignore_nulls || cfg->n == 0) {
        int64_t t = i - cfg->n;
        j = t >= s && t < e ? t : -1;
      } else if (cfg->n > 0) {
        /* The n-th non-NULL value before row i. */
        int64_t k = before[i] - cfg->n;
        if (k >= before[s]) j = nn[k];
      } else {
        /* The (-n)-th non-NULL value after row i. */
        int64_t k = before[i + 1] + (-cfg->n) - 1;
        if (k < before[e]) j = nn[k];
      }
      idx[i] = j;
    }
  }
  int rc = gather(x, idx, call->nargs > 1 ? args[1] : NULL, n, call->type, out, err);
  em_free(idx);
  em_free(nn);
  em_free(before);
  return rc;
}

/* nth_value(x, k), first(x) (k = 1) and last(x) (k = 0: the frame's last)
 * over the frames, optionally skipping NULLs. */
static int nth_in_frame(const em_expr *call, const em_vec *x, int64_t k, bool ignore_nulls, const em_win_run *run,
                        const int64_t *lo, const int64_t *hi, em_vec **out, em_error *err) {
  int64_t n = run->n;
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(n ? n : 1)), *nn = NULL, *before = NULL;
  if (!idx) return oom(err);
  if (ignore_nulls && nonnull_index(x, n, &nn, &before)) {
    em_free(idx);
    return oom(err);
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t j = -1;
    if (lo[i] < hi[i]) {
      if (!ignore_nulls) {
        int64_t t = k > 0 ? lo[i] + k - 1 : hi[i] - 1;
        if (t < hi[i]) j = t;
      } else if (k > 0) {
        int64_t c = before[lo[i]] + k - 1;
        if (c < before[hi[i]]) j = nn[c];
      } else if (before[hi[i]] > before[lo[i]]) {
        j = nn[before[hi[i]] - 1];
      }
    }
    idx[i] = j;
  }
  int rc = gather(x, idx, NULL, n, call->type, out, err);
  em_free(idx);
  em_free(nn);
  em_free(before);
  return rc;
}

static void free_args(em_vec **args, int n) {
  for (int i = 0; i < n; i++)
    if (args[i]) em_vec_unref(args[i]);
  em_free(args);
}

int em_win_eval(const em_win_expr *w, const em_batch *rows, const em_win_run *run, em_eval_ctx *ctx, em_vec **out,
                em_error *err) {
  const em_expr *call = w->call;
  const em_win_cfg *cfg = w->fn == EM_WF_AGG ? NULL : call->u.fn.data;
  if (cfg && cfg->fn != EM_WF_LAG && cfg->fn != EM_WF_NTH_VALUE) return ranking(cfg, run, out, err);
  em_vec **args = em_calloc((size_t)call->nargs + 1, sizeof *args);
  if (!args) return oom(err);
  for (int i = 0; i < call->nargs; i++)
    if (em_expr_eval(call->args[i], rows, ctx, &args[i], err)) {
      free_args(args, call->nargs);
      return -1;
    }
  int rc;
  if (cfg && cfg->fn == EM_WF_LAG) {
    rc = lag(call, cfg, args, run, out, err);
    free_args(args, call->nargs);
    return rc;
  }
  int64_t *lo = em_malloc(sizeof *lo * (size_t)(run->n + 1)), *hi = em_malloc(sizeof *hi * (size_t)(run->n + 1));
  if (!lo || !hi) {
    em_free(lo);
    em_free(hi);
    free_args(args, call->nargs);
    return oom(err);
  }
  em_win_frames(&w->frame, run, lo, hi);
  if (cfg) {
    rc = nth_in_frame(call, args[0], cfg->n, cfg->ignore_nulls, run, lo, hi, out, err);
  } else {
    /* first/last (and any_value) take a frame end directly. */
    const char *nm = call->u.fn.name;
    bool first = !strcmp(nm, "first") || !strcmp(nm, "first_value") || !strcmp(nm, "any_value");
    bool last = !strcmp(nm, "last") || !strcmp(nm, "last_value");
    if (first || last) {
      const em_agg_cfg *ac = call->u.fn.data;
      rc = nth_in_frame(call, args[0], first ? 1 : 0, ac && ac->ignore_nulls, run, lo, hi, out, err);
    } else {
      rc = em_win_agg_eval(call, args, run, lo, hi, out, err);
    }
  }
  em_free(lo);
  em_free(hi);
  free_args(args, call->nargs);
  return rc;
}
