/*
 * percentile_approx / approx_percentile: Spark's ApproximatePercentile,
 * a Greenwald-Khanna quantile summary ("Space-efficient Online Computation
 * of Quantile Summaries", SIGMOD 2001) in the variant of Spark's
 * QuantileSummaries, reproduced step for step so the answers are Spark's:
 *
 *  - insert appends to a head buffer; at 50,000 buffered values the buffer
 *    is sorted and merged into the samples (g = 1, delta = floor(2 eps n)
 *    except for a new minimum or maximum), compressing once the samples
 *    reach 10,000;
 *  - compress merges adjacent samples from the right while
 *    g1 + g2 + delta2 < 2 eps n, always keeping the last and the minimum;
 *  - merge of two compressed summaries interleaves the samples, widening
 *    delta of samples that fall inside the other side's range by the
 *    other side's floor(2 eps n), then compresses;
 *  - query walks the samples for each percentile (in ascending order)
 *    until rank ceil(p n) is within (max(g + delta) / 2) of a sample's
 *    rank bounds; p <= eps gives the minimum, p >= 1 - eps the maximum.
 *
 * eps = 1 / accuracy (default accuracy 10000). Values are summarized as
 * doubles; results are converted back to the input type as Scala's
 * toInt/toLong do (truncation), decimals as Spark's Decimal(double) stored
 * at the input's scale (HALF_UP). A percentage list gives an array.
 */
#include "agg_fn.h"
#include "format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GK_COMPRESS_THRESHOLD 10000
#define GK_HEAD_SIZE 50000

typedef struct gk_stat {
  double v;
  int64_t g, delta;
} gk_stat;

typedef struct em_gk {
  double eps;
  gk_stat *s;
  int64_t ns, caps;
  int64_t count; /* values in s */
  double *head;
  int64_t nhead, caphead;
  bool compressed;
} em_gk;

em_gk *em_gk_new(double eps);
void em_gk_free(em_gk *q);
int em_gk_insert(em_gk *q, double x);
int em_gk_compress(em_gk *q);
int em_gk_merge(em_gk *q, em_gk *o);
int64_t em_gk_count(const em_gk *q);
void em_gk_query(const em_gk *q, const double *ps, int np, double *out);

em_gk *em_gk_new(double eps) {
  em_gk *q = em_calloc(1, sizeof *q);
  if (q) {
    q->eps = eps;
    q->compressed = true;
  }
  return q;
}

void em_gk_free(em_gk *q) {
  if (!q) return;
  em_free(q->s);
  em_free(q->head);
  em_free(q);
}

int64_t em_gk_count(const em_gk *q) { return q->count + q->nhead; }

/* java.lang.Double.compare order: -0.0 < 0.0, NaN greatest. */
static int dcmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  if (x < y) return -1;
  if (x > y) return 1;
  bool xn = isnan(x), yn = isnan(y);
  if (xn || yn) return xn - yn;
  bool xs = signbit(x), ys = signbit(y);
  return (int)ys - (int)xs;
}

/* Spark's compressImmut, in place. */
static void compress_samples(gk_stat *s, int64_t *pn, double threshold) {
  int64_t n = *pn;
  if (n == 0) return;
  /* Results are built right to left at the end of the same array. */
  int64_t w = n; /* next free slot from the right is w - 1 */
  gk_stat head = s[n - 1];
  for (int64_t i = n - 2; i >= 1; i--) {
    gk_stat s1 = s[i];
    if ((double)(s1.g + head.g + head.delta) < threshold) {
      head.g += s1.g;
    } else {
      s[--w] = head;
      head = s1;
    }
  }
  s[--w] = head;
  bool add_min = s[0].v <= head.v && n > 1;
  gk_stat first = s[0];
  if (add_min) s[--w] = first;
  int64_t k = n - w;
  memmove(s, s + w, sizeof *s * (size_t)k);
  *pn = k;
}

/* withHeadBufferInserted. */
static int insert_head(em_gk *q) {
  if (q->nhead == 0) return 0;
  qsort(q->head, (size_t)q->nhead, sizeof(double), dcmp);
  gk_stat *ns = em_malloc(sizeof *ns * (size_t)(q->ns + q->nhead));
  if (!ns) return -1;
  int64_t k = 0, si = 0, cur = q->count;
  for (int64_t oi = 0; oi < q->nhead; oi++) {
    double x = q->head[oi];
    while (si < q->ns && q->s[si].v <= x) ns[k++] = q->s[si++];
    cur++;
    int64_t delta = (k == 0 || (si == q->ns && oi == q->nhead - 1)) ? 0 : (int64_t)floor(2 * q->eps * (double)cur);
    ns[k++] = (gk_stat){x, 1, delta};
  }
  while (si < q->ns) ns[k++] = q->s[si++];
  em_free(q->s);
  q->s = ns;
  q->ns = q->caps = k;
  q->count = cur;
  q->nhead = 0;
  return 0;
}

int em_gk_compress(em_gk *q) {
  if (insert_head(q)) return -1;
  compress_samples(q->s, &q->ns, 2 * q->eps * (double)q->count);
  q->compressed = true;
  return 0;
}

int em_gk_insert(em_gk *q, double x) {
  if (q->nhead == q->caphead) {
    int64_t nc = q->caphead ? q->caphead * 2 : 64;
    double *nh = em_realloc(q->head, sizeof *nh * (size_t)nc);
    if (!nh) return -1;
    q->head = nh;
    q->caphead = nc;
  }
  q->head[q->nhead++] = x;
  q->compressed = false;
  if (q->nhead >= GK_HEAD_SIZE) {
    if (insert_head(q)) return -1;
    if (q->ns >= GK_COMPRESS_THRESHOLD) return em_gk_compress(q);
  }
  return 0;
}

/* q = q.merge(o); both are compressed first (PercentileDigest.merge). */
int em_gk_merge(em_gk *q, em_gk *o) {
  if (!q->compressed && em_gk_compress(q)) return -1;
  if (!o->compressed && em_gk_compress(o)) return -1;
  if (o->count == 0) return 0;
  if (q->count == 0) {
    gk_stat *ns = em_malloc(sizeof *ns * (size_t)(o->ns ? o->ns : 1));
    if (!ns) return -1;
    memcpy(ns, o->s, sizeof *ns * (size_t)o->ns);
    em_free(q->s);
    q->s = ns;
    q->ns = q->caps = o->ns;
    q->count = o->count;
    q->eps = o->eps;
    return 0;
  }
  gk_stat *m = em_malloc(sizeof *m * (size_t)(q->ns + o->ns));
  if (!m) return -1;
  double eps = q->eps > o->eps ? q->eps : o->eps;
  int64_t count = q->count + o->count;
  int64_t add_self = (int64_t)floor(2 * o->eps * (double)o->count);
  int64_t add_other = (int64_t)floor(2 * q->eps * (double)q->count);
  int64_t a = 0, b = 0, k = 0;
  while (a < q->ns && b < o->ns) {
    if (q->s[a].v < o->s[b].v) {
      m[k] = q->s[a++];
      m[k++].delta += b > 0 ? add_self : 0;
    } else {
      m[k] = o->s[b++];
      m[k++].delta += a > 0 ? add_other : 0;
    }
  }
  while (a < q->ns) m[k++] = q->s[a++];
  while (b < o->ns) m[k++] = o->s[b++];
  compress_samples(m, &k, 2 * eps * (double)count);
  em_free(q->s);
  q->s = m;
  q->ns = q->caps = k;
  q->count = count;
  q->eps = eps;
  q->compressed = true;
  return 0;
}

/* Requires a compressed summary with samples. */
void em_gk_query(const em_gk *q, const double *ps, int np, double *out) {
  int64_t tmax = INT64_MIN;
  for (int64_t i = 0; i < q->ns; i++)
    if (q->s[i].delta + q->s[i].g > tmax) tmax = q->s[i].delta + q->s[i].g;
  double target = (double)(tmax / 2);
  int *order = em_malloc(sizeof *order * (size_t)(np ? np : 1));
  if (!order) {
    for (int i = 0; i < np; i++) out[i] = q->s[q->ns - 1].v;
    return;
  }
  for (int i = 0; i < np; i++) order[i] = i;
  /* A stable sort of the positions by percentile (Scala's sortBy). */
  for (int i = 1; i < np; i++) {
    int x = order[i], j = i - 1;
    while (j >= 0 && ps[order[j]] > ps[x]) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
  }
  int64_t index = 0, min_rank = q->s[0].g;
  for (int k = 0; k < np; k++) {
    double p = ps[order[k]];
    double r;
    if (p <= q->eps) {
      r = q->s[0].v;
    } else if (p >= 1 - q->eps) {
      r = q->s[q->ns - 1].v;
    } else {
      int64_t rank = (int64_t)ceil(p * (double)q->count);
      int64_t i = index, mr = min_rank;
      bool found = false;
      gk_stat cur = q->s[i];
      while (i < q->ns - 1) {
        int64_t max_rank = mr + cur.delta;
        if ((double)max_rank - target <= (double)rank && (double)rank <= (double)mr + target) {
          found = true;
          break;
        }
        i++;
        cur = q->s[i];
        mr += cur.g;
      }
      if (found) {
        index = i;
        min_rank = mr;
        r = cur.v;
      } else {
        index = q->ns - 1;
        min_rank = 0;
        r = q->s[q->ns - 1].v;
      }
    }
    out[order[k]] = r;
  }
  em_free(order);
}

/* ---- the aggregate ---- */

typedef struct pct_cfg {
  double eps;
  double *ps;
  int np;
  bool array;
  em_type *in; /* the input's type */
} pct_cfg;

static int pct_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                      int64_t n, em_error *err) {
  const pct_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    em_gk **q = (em_gk **)(st + g[i] * stride);
    if (!*q && !(*q = em_gk_new(cfg->eps))) return em_error_internal(err, "out of memory");
    if (em_gk_insert(*q, em_agg_num_as_double(v, i))) return em_error_internal(err, "out of memory");
  }
  return 0;
}

static int pct_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                     const uint32_t *rows, int64_t n, em_error *err) {
  const pct_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    em_gk **s = (em_gk **)EM_AGG_SRC(src, sstride, rows, i);
    em_gk **d = (em_gk **)(dst + g[i] * stride);
    if (!*d && !(*d = em_gk_new(cfg->eps))) return em_error_internal(err, "out of memory");
    if (*s && em_gk_merge(*d, *s)) return em_error_internal(err, "out of memory");
  }
  return 0;
}

/* Spark's Decimal(x) written to DECIMAL(p, s): the decimal of Java's
 * Double.toString(x), rounded HALF_UP to s digits; NULL when it needs
 * more than p digits (or x is not finite). */
static int append_decimal(em_vec *v, const em_type *t, double x) {
  if (!isfinite(x)) return em_vec_append_null(v);
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (em_format_double(x, &sb) || sb.oom) {
    em_strbuf_free(&sb);
    return -1;
  }
  const char *p = sb.data;
  bool neg = *p == '-';
  if (neg) p++;
  char digits[40];
  int nd = 0, exp10 = 0;
  bool after_dot = false;
  for (; *p && *p != 'E'; p++) {
    if (*p == '.') {
      after_dot = true;
    } else if (nd < 38) {
      digits[nd++] = *p;
      if (after_dot) exp10--;
    }
  }
  if (*p == 'E') exp10 += atoi(p + 1);
  em_strbuf_free(&sb);
  /* value = digits * 10^exp10; keep digits up to 10^-scale. */
  int scale = t->u.dec.scale, keep = nd + exp10 + scale;
  __int128 n = 0;
  bool overflow = false;
  for (int i = 0; i < keep && !overflow; i++) {
    n = n * 10 + (i < nd ? digits[i] - '0' : 0);
    if (n >= em_pow10_128(t->u.dec.precision)) overflow = true;
  }
  if (!overflow && keep >= 0 && keep < nd && digits[keep] >= '5') n++;
  if (overflow || n >= em_pow10_128(t->u.dec.precision)) return em_vec_append_null(v);
  if (neg) n = -n;
  return em_vec_append_fixed(v, &n);
}

static int append_value(em_vec *v, const em_type *t, double x) {
  switch (t->id) {
  case EM_T_DECIMAL: return append_decimal(v, t, x);
  case EM_T_BYTE: { int8_t y = (int8_t)(int32_t)x; return em_vec_append_fixed(v, &y); }
  case EM_T_SHORT: { int16_t y = (int16_t)(int32_t)x; return em_vec_append_fixed(v, &y); }
  case EM_T_INT: case EM_T_DATE: {
    int32_t y = isnan(x) ? 0 : x >= 2147483647.0 ? INT32_MAX : x <= -2147483648.0 ? INT32_MIN : (int32_t)x;
    return em_vec_append_fixed(v, &y);
  }
  case EM_T_LONG: case EM_T_TIMESTAMP: case EM_T_TIMESTAMP_NTZ: {
    int64_t y = isnan(x) ? 0 : x >= 9.2233720368547758e18 ? INT64_MAX : x <= -9.2233720368547758e18 ? INT64_MIN
                                                                                                        : (int64_t)x;
    return em_vec_append_fixed(v, &y);
  }
  case EM_T_FLOAT: { float y = (float)x; return em_vec_append_fixed(v, &y); }
  default: return em_vec_append_fixed(v, &x);
  }
}

static int pct_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const pct_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(c->type, n);
  double *res = em_malloc(sizeof(double) * (size_t)(cfg->np ? cfg->np : 1));
  if (!v || !res) {
    em_vec_unref(v);
    em_free(res);
    return em_error_internal(err, "out of memory");
  }
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    em_gk *q = *(em_gk *const *)(st + (size_t)i * stride);
    if (q && !q->compressed && em_gk_compress(q)) rc = -1;
    if (rc || !q || q->count == 0) {
      if (!rc) rc = em_vec_append_null(v);
      continue;
    }
    em_gk_query(q, cfg->ps, cfg->np, res);
    if (cfg->array) {
      for (int k = 0; k < cfg->np && !rc; k++) rc = append_value(v->children[0], cfg->in, res[k]);
      if (!rc) rc = em_vec_append_list_end(v);
    } else {
      rc = append_value(v, cfg->in, res[0]);
    }
  }
  em_free(res);
  if (rc) {
    em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  *out = v;
  return 0;
}

static void pct_destroy(const em_expr *c, uint8_t *s) {
  (void)c;
  em_gk **q = (em_gk **)s;
  em_gk_free(*q);
  *q = NULL;
}

static const em_agg_def pct_def = {sizeof(void *), NULL, pct_update, pct_merge, pct_finish, pct_destroy};

/* A literal's numeric value i as a double; false when not numeric. */
static bool lit_double(const em_vec *v, int64_t i, double *out) {
  if (!em_type_is_numeric(v->type) || em_vec_is_null(v, i)) return false;
  *out = em_agg_num_as_double(v, i);
  return true;
}

/* The percentage argument's value: one DOUBLE or an array of them. */
static int pct_percentages(em_func_call *call, pct_cfg *cfg, const em_vec *pv, em_error *err) {
  if (pv->type->id == EM_T_ARRAY) {
    const em_vec *el = pv->children[0];
    const int32_t *off = em_vec_offsets(pv);
    cfg->np = off[1] - off[0];
    cfg->ps = em_arena_calloc(call->arena, sizeof(double) * (size_t)(cfg->np + 1));
    if (!cfg->ps) return em_error_internal(err, "out of memory");
    for (int k = 0; k < cfg->np; k++)
      if (!lit_double(el, off[0] + k, &cfg->ps[k])) return em_agg_type_error(call, 1, "\"ARRAY<DOUBLE>\"", err);
    cfg->array = true;
  } else {
    cfg->np = 1;
    cfg->ps = em_arena_calloc(call->arena, sizeof(double));
    if (!cfg->ps) return em_error_internal(err, "out of memory");
    if (!lit_double(pv, 0, &cfg->ps[0])) return em_agg_type_error(call, 1, "\"DOUBLE\"", err);
  }
  return 0;
}

int em_fn_percentile_approx(em_func_call *call, em_error *err);
int em_fn_percentile_approx(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 2, 3, err)) return -1;
  em_expr *a = call->args[0];
  switch (a->type->id) {
  case EM_T_BYTE: case EM_T_SHORT: case EM_T_INT: case EM_T_LONG: case EM_T_FLOAT: case EM_T_DOUBLE:
  case EM_T_DATE: case EM_T_TIMESTAMP: case EM_T_TIMESTAMP_NTZ: case EM_T_DECIMAL:
    break;
  default:
    return em_agg_type_error(call, 0, "(\"NUMERIC\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\" or \"INTERVAL\")",
                             err);
  }
  pct_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  cfg->in = a->type;
  em_vec *pv = NULL;
  int k = em_agg_const_eval(call, 1, &pv, err);
  if (k < 0) return -1;
  if (k == 0) return em_agg_type_error(call, 1, "\"DOUBLE\"", err);
  int rc = pct_percentages(call, cfg, pv, err);
  em_vec_unref(pv);
  if (rc) return -1;
  double acc = 10000;
  if (call->nargs == 3) {
    const em_expr *ae = call->args[2];
    if (ae->kind != EM_EX_LITERAL || !em_type_is_integral(ae->type) || !lit_double(ae->u.lit, 0, &acc))
      return em_agg_type_error(call, 2, "\"INT\"", err);
  } else {
    /* Spark names the call with its default accuracy. */
    if (em_agg_name(call, call->name, 2, err)) return -1;
    char *s = em_arena_printf(call->arena, "%.*s, 10000)", (int)strlen(call->sql) - 1, call->sql);
    if (!s) return em_error_internal(err, "out of memory");
    call->sql = s;
  }
  cfg->eps = 1.0 / acc;
  if (call->nargs == 3 && em_agg_name(call, call->name, 3, err)) return -1;
  if (cfg->array) {
    em_type *t = em_type_array(em_type_ref(a->type), false);
    if (!t) return em_error_internal(err, "out of memory");
    call->type = t;
    call->type_owned = true;
  } else {
    call->type = a->type;
  }
  call->nullable = true;
  call->data = cfg;
  call->agg = &pct_def;
  return 0;
}

/* ---- DataFrame.approxQuantile's summaries ----
 * StatFunctions.multipleApproxQuantiles: the same summaries with a given
 * relative error over a column cast to DOUBLE, NULL and NaN skipped; the
 * result is the array of quantiles, empty when nothing was summarized.
 * Arguments: (column, relative error, probability...), all but the column
 * DOUBLE literals. Not in the registry: the analyzer calls it directly. */

static int aq_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                     int64_t n, em_error *err) {
  const pct_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  const double *xs = em_vec_values(v);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i) || isnan(xs[i])) continue;
    em_gk **q = (em_gk **)(st + g[i] * stride);
    if (!*q && !(*q = em_gk_new(cfg->eps))) return em_error_internal(err, "out of memory");
    if (em_gk_insert(*q, xs[i])) return em_error_internal(err, "out of memory");
  }
  return 0;
}

static int aq_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  const pct_cfg *cfg = c->u.fn.data;
  em_vec *v = em_vec_new(c->type, n);
  double *res = em_malloc(sizeof(double) * (size_t)(cfg->np ? cfg->np : 1));
  int rc = !v || !res;
  for (int64_t i = 0; i < n && !rc; i++) {
    em_gk *q = *(em_gk *const *)(st + (size_t)i * stride);
    if (q && !q->compressed && em_gk_compress(q)) rc = -1;
    if (!rc && q && q->ns > 0) {
      em_gk_query(q, cfg->ps, cfg->np, res);
      for (int k = 0; k < cfg->np && !rc; k++) rc = em_vec_append_fixed(v->children[0], &res[k]);
    }
    if (!rc) rc = em_vec_append_list_end(v);
  }
  em_free(res);
  if (rc) {
    em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  *out = v;
  return 0;
}

static const em_agg_def aq_def = {sizeof(void *), NULL, aq_update, pct_merge, aq_finish, pct_destroy};

static int aq_resolve(em_func_call *call, em_error *err) {
  if (call->nargs < 2) return em_error_internal(err, "approx_quantile_summary needs a relative error");
  pct_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory");
  if (em_coerce_arg(call, 0, em_type_double(), err)) return -1;
  cfg->in = em_type_double();
  cfg->np = call->nargs - 2;
  cfg->ps = em_arena_calloc(call->arena, sizeof(double) * (size_t)(cfg->np + 1));
  if (!cfg->ps) return em_error_internal(err, "out of memory");
  for (int i = 1; i < call->nargs; i++) {
    double d;
    if (call->args[i]->kind != EM_EX_LITERAL || !lit_double(call->args[i]->u.lit, 0, &d))
      return em_error_internal(err, "approx_quantile_summary takes DOUBLE literals");
    if (i == 1) cfg->eps = d;
    else cfg->ps[i - 2] = d;
  }
  em_type *t = em_type_array(em_type_double(), false);
  if (!t) return em_error_internal(err, "out of memory");
  call->type = t;
  call->type_owned = true;
  call->nullable = false;
  call->sql = "approx_quantile_summary";
  call->data = cfg;
  call->agg = &aq_def;
  return 0;
}

const em_func_def em_fn_approx_quantile_summary = {"approx_quantile_summary", EM_FN_AGGREGATE, aq_resolve};
