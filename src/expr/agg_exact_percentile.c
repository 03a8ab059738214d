/*
 * percentile(col, percentage [, frequency]) and median(col): Spark's exact
 * Percentile. Every non-NULL value is counted (frequency times, a NULL
 * frequency skips the row, a negative one fails with
 * NEGATIVE_VALUES_IN_FREQUENCY_EXPRESSION); at the end the distinct
 * values are sorted and their counts accumulated, and percentage p is
 * read at position (total - 1) * p: the value at that rank, or the linear
 * interpolation (higher - pos) * lower_value + (pos - lower) * higher_value
 * between the values at floor(pos) and ceil(pos) (ranks counted from 1 in
 * the accumulated counts). The result is DOUBLE (for ANSI intervals the
 * interval type, the double truncated to months or microseconds), or an
 * array of it for an array of percentages; NULL when nothing was counted.
 * median(c) is percentile(c, 0.5).
 *
 * A group's state is a list of (value, count) pairs, appended as rows
 * come and compacted (sorted, equal values merged) whenever it doubles
 * past its last compacted size, so memory follows the distinct values.
 */
#include "agg_fn.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xp_pair {
  double v;
  int64_t n;
} xp_pair;

typedef struct xp_state {
  xp_pair *p;
  int64_t len, cap, compacted;
} xp_state;

typedef struct xp_cfg {
  double *ps;
  int np;
  bool array;
  int interval; /* 0, or EM_T_YM_INTERVAL / EM_T_DT_INTERVAL: the input's type */
  const char *freq_sql; /* the frequency argument's SQL (errors) */
} xp_cfg;

/* Spark's double ordering: NaN largest, -0.0 equal to 0.0. */
static int pair_cmp(const void *a, const void *b) {
  double x = ((const xp_pair *)a)->v, y = ((const xp_pair *)b)->v;
  if (x < y) return -1;
  if (x > y) return 1;
  bool xn = isnan(x), yn = isnan(y);
  return (int)xn - (int)yn;
}

static void compact(xp_state *s) {
  if (s->len < 2) {
    s->compacted = s->len;
    return;
  }
  qsort(s->p, (size_t)s->len, sizeof *s->p, pair_cmp);
  int64_t k = 0;
  for (int64_t i = 1; i < s->len; i++) {
    if (pair_cmp(&s->p[k], &s->p[i]) == 0) s->p[k].n += s->p[i].n;
    else s->p[++k] = s->p[i];
  }
  s->len = k + 1;
  s->compacted = s->len;
}

static int add(xp_state *s, double v, int64_t n) {
  if (s->len == s->cap) {
    if (s->len >= 1024 && s->len >= 2 * s->compacted) compact(s);
    if (s->len == s->cap || s->len * 4 > s->cap * 3) {
      int64_t nc = s->cap ? s->cap * 2 : 16;
      xp_pair *np = em_realloc(s->p, sizeof *np * (size_t)nc);
      if (!np) return -1;
      s->p = np;
      s->cap = nc;
    }
  }
  s->p[s->len++] = (xp_pair){v, n};
  return 0;
}

static xp_state *state_of(uint8_t *slot) {
  xp_state **sp = (xp_state **)slot;
  if (!*sp) *sp = em_calloc(1, sizeof **sp);
  return *sp;
}

static int negative_freq(const xp_cfg *cfg, int64_t f, em_error *err) {
  char expr[256], val[32];
  snprintf(expr, sizeof expr, "\"%s\"", cfg->freq_sql ? cfg->freq_sql : "");
  snprintf(val, sizeof val, "%lldL", (long long)f);
  return em_error_set(err, EM_ERR_NEGATIVE_VALUES_IN_FREQUENCY_EXPRESSION, "frequencyExpression", expr,
                      "negativeValue", val, NULL);
}

static int64_t int_at(const em_vec *v, int64_t i) {
  const void *d = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: return ((const int8_t *)d)[i];
  case EM_T_SHORT: return ((const int16_t *)d)[i];
  case EM_T_INT: return ((const int32_t *)d)[i];
  default: return ((const int64_t *)d)[i];
  }
}

static int xp_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args, int64_t n,
                     em_error *err) {
  const xp_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  const em_vec *f = c->nargs > 2 ? args[2] : NULL;
  if (v->type->id == EM_T_NULL) return 0;
  bool fnull = f && f->type->id == EM_T_NULL;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i) || fnull) continue;
    int64_t k = 1;
    if (f) {
      if (em_vec_is_null(f, i)) continue;
      k = int_at(f, i);
      if (k < 0) return negative_freq(cfg, k, err);
      if (k == 0) continue;
    }
    xp_state *s = state_of(st + g[i] * stride);
    double x = cfg->interval == EM_T_DT_INTERVAL   ? (double)((const int64_t *)em_vec_values(v))[i]
               : cfg->interval == EM_T_YM_INTERVAL ? (double)((const int32_t *)em_vec_values(v))[i]
                                                   : em_agg_num_as_double(v, i);
    if (!s || add(s, x, k)) return em_error_internal(err, "out of memory");
  }
  return 0;
}

static int xp_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                    const uint32_t *rows, int64_t n, em_error *err) {
  (void)c;
  for (int64_t i = 0; i < n; i++) {
    xp_state *s = *(xp_state **)EM_AGG_SRC(src, sstride, rows, i);
    if (!s || s->len == 0) continue;
    xp_state **dp = (xp_state **)(dst + g[i] * stride);
    if (!*dp) { /* take the source's pairs */
      *dp = s;
      *(xp_state **)EM_AGG_SRC(src, sstride, rows, i) = NULL;
      continue;
    }
    for (int64_t k = 0; k < s->len; k++)
      if (add(*dp, s->p[k].v, s->p[k].n)) return em_error_internal(err, "out of memory");
  }
  return 0;
}

/* The first index whose accumulated count reaches `rank`. */
static int64_t find_rank(const int64_t *acc, int64_t n, int64_t rank) {
  int64_t lo = 0, hi = n - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (acc[mid] < rank) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static double percentile_of(const xp_state *s, const int64_t *acc, double p) {
  int64_t total = acc[s->len - 1];
  double pos = (double)(total - 1) * p;
  int64_t lower = (int64_t)floor(pos), higher = (int64_t)ceil(pos);
  int64_t li = find_rank(acc, s->len, lower + 1), hi = find_rank(acc, s->len, higher + 1);
  double lv = s->p[li].v, hv = s->p[hi].v;
  if (higher == lower || li == hi) return lv;
  return ((double)higher - pos) * lv + (pos - (double)lower) * hv;
}

/* Appends a result: a double, or Scala's toInt / toLong of it for intervals. */
static int append_result(em_vec *v, int interval, double r) {
  if (interval == EM_T_YM_INTERVAL) {
    int32_t m = r != r ? 0 : r >= 2147483647.0 ? INT32_MAX : r <= -2147483648.0 ? INT32_MIN : (int32_t)r;
    return em_vec_append_fixed(v, &m);
  }
  if (interval == EM_T_DT_INTERVAL) {
    int64_t us = r != r                      ? 0
                 : r >= 9.2233720368547758e18  ? INT64_MAX
                 : r <= -9.2233720368547758e18 ? INT64_MIN
                                               : (int64_t)r;
    return em_vec_append_fixed(v, &us);
  }
  return em_vec_append_fixed(v, &r);
}

static int xp_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const xp_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return em_error_internal(err, "out of memory");
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    xp_state *s = *(xp_state *const *)(st + (size_t)i * stride);
    if (!s || s->len == 0) {
      rc = em_vec_append_null(v);
      continue;
    }
    compact(s);
    int64_t *acc = em_malloc(sizeof *acc * (size_t)s->len);
    if (!acc) {
      rc = -1;
      break;
    }
    int64_t sum = 0;
    for (int64_t k = 0; k < s->len; k++) acc[k] = sum += s->p[k].n;
    if (cfg->array) {
      for (int k = 0; k < cfg->np && !rc; k++) {
        rc = append_result(v->children[0], cfg->interval, percentile_of(s, acc, cfg->ps[k]));
      }
      if (!rc) rc = em_vec_append_list_end(v);
    } else {
      rc = append_result(v, cfg->interval, percentile_of(s, acc, cfg->ps[0]));
    }
    em_free(acc);
  }
  if (rc) {
    em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  *out = v;
  return 0;
}

static void xp_destroy(const em_expr *c, uint8_t *slot) {
  (void)c;
  xp_state **sp = (xp_state **)slot;
  if (*sp) {
    em_free((*sp)->p);
    em_free(*sp);
    *sp = NULL;
  }
}

static const em_agg_def xp_def = {sizeof(void *), NULL, xp_update, xp_merge, xp_finish, xp_destroy};

static int check_input(em_func_call *call) {
  const em_type *t = call->args[0]->type;
  return em_type_is_numeric(t) || t->id == EM_T_NULL || t->id == EM_T_YM_INTERVAL || t->id == EM_T_DT_INTERVAL;
}

static int out_of_range(em_func_call *call, const char *value, em_error *err) {
  char sql[512];
  int len = snprintf(sql, sizeof sql, "\"%s(", call->name);
  for (int i = 0; i < call->nargs && len < (int)sizeof sql; i++)
    len += snprintf(sql + len, sizeof sql - (size_t)len, "%s%s", i ? ", " : "", call->arg_sql[i]);
  if (len < (int)sizeof sql) snprintf(sql + len, sizeof sql - (size_t)len, ")\"");
  return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_VALUE_OUT_OF_RANGE, "sqlExpr", sql, "exprName", "percentage",
                      "valueRange", "[0.0, 1.0]", "currentValue", value, NULL);
}

/* The percentages: one DOUBLE, or an array of them, each in [0, 1]. */
static int read_percentages(em_func_call *call, xp_cfg *cfg, em_error *err) {
  em_vec *pv = NULL;
  int k = em_agg_const_eval(call, 1, &pv, err);
  if (k < 0) return -1;
  if (k == 0) {
    char sql[256];
    snprintf(sql, sizeof sql, "\"%s\"", call->arg_sql[1]);
    return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_NON_FOLDABLE_INPUT, "sqlExpr", sql, "inputName",
                        "`percentage`", "inputType", "\"DOUBLE\"", NULL);
  }
  int rc = 0;
  const em_vec *el = pv;
  int64_t start = 0;
  if (pv->type->id == EM_T_ARRAY) {
    const int32_t *off = em_vec_offsets(pv);
    el = pv->children[0];
    start = off[0];
    cfg->np = off[1] - off[0];
    cfg->array = true;
    if (!em_type_is_numeric(el->type) && el->type->id != EM_T_NULL) rc = em_agg_type_error(call, 1, "\"ARRAY<DOUBLE>\"", err);
  } else {
    cfg->np = 1;
    if (!em_type_is_numeric(pv->type) && pv->type->id != EM_T_NULL) rc = em_agg_type_error(call, 1, "\"DOUBLE\"", err);
  }
  if (!rc && !(cfg->ps = em_arena_calloc(call->arena, sizeof(double) * (size_t)(cfg->np + 1))))
    rc = em_error_internal(err, "out of memory");
  for (int i = 0; i < cfg->np && !rc; i++) {
    if (em_vec_is_null(el, start + i)) {
      rc = em_agg_type_error(call, 1, cfg->array ? "\"ARRAY<DOUBLE>\"" : "\"DOUBLE\"", err);
      break;
    }
    double p = em_agg_num_as_double(el, start + i);
    if (!(p >= 0.0 && p <= 1.0)) {
      /* Spark prints the value as a DOUBLE literal: 1.5D. */
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_format_double(p, &sb);
      em_strbuf_putc(&sb, 'D');
      rc = sb.oom ? em_error_internal(err, "out of memory") : out_of_range(call, sb.data, err);
      em_strbuf_free(&sb);
    }
    cfg->ps[i] = p;
  }
  em_vec_unref(pv);
  return rc;
}

static int finish_resolve(em_func_call *call, xp_cfg *cfg, em_error *err) {
  em_type *in = call->args[0]->type, *el = em_type_double();
  if (in->id == EM_T_YM_INTERVAL || in->id == EM_T_DT_INTERVAL) {
    cfg->interval = in->id;
    el = in;
  }
  if (cfg->array) {
    em_type *t = em_type_array(em_type_ref(el), false);
    if (!t) return em_error_internal(err, "out of memory");
    call->type = t;
    call->type_owned = true;
  } else {
    call->type = el;
  }
  call->nullable = true;
  call->data = cfg;
  call->agg = &xp_def;
  return 0;
}

int em_fn_percentile(em_func_call *call, em_error *err);
int em_fn_percentile(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 2, 3, err)) return -1;
  if (!check_input(call))
    return em_agg_type_error(call, 0, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\")", err);
  xp_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  if (read_percentages(call, cfg, err)) return -1;
  if (call->nargs == 3) {
    const em_type *ft = call->args[2]->type;
    if (!em_type_is_integral(ft) && ft->id != EM_T_NULL) return em_agg_type_error(call, 2, "\"INTEGRAL\"", err);
    /* Spark names a column frequency by its bound reference at run time. */
    cfg->freq_sql = call->args[2]->kind == EM_EX_LITERAL ? call->arg_sql[2] : "boundreference()";
    if (em_agg_name(call, call->name, 3, err)) return -1;
  } else {
    /* Spark names the call with its default frequency. */
    if (em_agg_name(call, call->name, 2, err)) return -1;
    char *s = em_arena_printf(call->arena, "%.*s, 1)", (int)strlen(call->sql) - 1, call->sql);
    if (!s) return em_error_internal(err, "out of memory");
    call->sql = s;
  }
  return finish_resolve(call, cfg, err);
}

int em_fn_median(em_func_call *call, em_error *err);
int em_fn_median(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  if (!check_input(call))
    return em_agg_type_error(call, 0, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\")", err);
  xp_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  double *ps = em_arena_calloc(call->arena, sizeof(double));
  if (!cfg || !ps) return em_error_internal(err, "out of memory");
  ps[0] = 0.5;
  cfg->ps = ps;
  cfg->np = 1;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  return finish_resolve(call, cfg, err);
}
