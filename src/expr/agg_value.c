/*
 * Aggregates that keep one value of the input: min, max, first, last,
 * any_value. The value holder (em_aggval) keeps fixed-width values inline
 * and anything else (strings, binaries, nested values) as row-key bytes on
 * the heap, so one body serves every type.
 *
 * Spark's semantics: min/max skip NULLs and order floating point with NaN
 * above everything (and keep the first of equal values, so min(-0.0, 0.0)
 * is the one seen first); first/last take the first/last row seen,
 * including a NULL unless ignoreNulls; any_value is first. The result
 * type is the input type, always nullable.
 */
#include "agg_fn.h"

#include <string.h>

enum { K_MIN, K_MAX, K_FIRST, K_LAST };

static void val_destroy(const em_expr *c, uint8_t *s) {
  (void)c;
  em_aggval_free((em_aggval *)s);
}

static int oom(em_error *err) { return em_error_internal(err, "out of memory in an aggregate"); }

/* Spilling a held value: flags, length, then the inline bytes or the heap
 * bytes. */
static int val_save(const em_expr *c, const uint8_t *st, em_strbuf *out) {
  (void)c;
  const em_aggval *s = (const em_aggval *)st;
  uint8_t hdr[5] = {(uint8_t)(s->set | s->null << 1 | s->heap << 2), (uint8_t)s->len, (uint8_t)(s->len >> 8),
                    (uint8_t)(s->len >> 16), (uint8_t)(s->len >> 24)};
  if (em_strbuf_append(out, (const char *)hdr, 5)) return -1;
  return s->heap ? em_strbuf_append(out, (const char *)s->u.bytes, s->len)
                 : em_strbuf_append(out, (const char *)s->u.inl, sizeof s->u.inl);
}

static int val_load(const em_expr *c, uint8_t *st, const uint8_t *p, size_t n) {
  (void)c;
  em_aggval *s = (em_aggval *)st;
  if (n < 5) return -1;
  s->set = p[0] & 1;
  s->null = (p[0] >> 1) & 1;
  s->heap = (p[0] >> 2) & 1;
  s->len = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
  if (s->heap) {
    if (n - 5 != s->len) return -1;
    if (!(s->u.bytes = em_malloc(s->len ? s->len : 1))) {
      s->heap = 0;
      return -1;
    }
    memcpy(s->u.bytes, p + 5, s->len);
  } else {
    if (n - 5 != sizeof s->u.inl) return -1;
    memcpy(s->u.inl, p + 5, sizeof s->u.inl);
  }
  return 0;
}

static int minmax_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                         int64_t n, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  int want = cfg->kind == K_MIN ? -1 : 1;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    em_aggval *s = (em_aggval *)(st + g[i] * stride);
    if (s->set) {
      int r = em_aggval_cmp(s, v, i);
      if (!(want < 0 ? r > 0 : r < 0)) continue;
    }
    if (em_aggval_store(s, v, i)) return oom(err);
  }
  return 0;
}

static int minmax_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                        size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  int want = cfg->kind == K_MIN ? -1 : 1;
  for (int64_t i = 0; i < n; i++) {
    em_aggval *s = (em_aggval *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->set) continue;
    em_aggval *d = (em_aggval *)(dst + g[i] * stride);
    if (d->set) {
      int r = em_aggval_cmp2(d, s, c->type);
      if (!(want < 0 ? r > 0 : r < 0)) continue;
    }
    em_aggval_move(d, s);
  }
  return 0;
}

static int first_last_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                             int64_t n, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  bool last = cfg->kind == K_LAST;
  for (int64_t i = 0; i < n; i++) {
    em_aggval *s = (em_aggval *)(st + g[i] * stride);
    if (!last && s->set && !(cfg->ignore_nulls && s->null)) continue;
    if (cfg->ignore_nulls && em_vec_is_null(v, i)) continue;
    if (em_aggval_store(s, v, i)) return oom(err);
  }
  return 0;
}

static int first_last_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src,
                            size_t sstride, const uint32_t *rows, int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    em_aggval *s = (em_aggval *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->set || (cfg->ignore_nulls && s->null)) continue;
    em_aggval *d = (em_aggval *)(dst + g[i] * stride);
    if (cfg->kind == K_FIRST && d->set && !(cfg->ignore_nulls && d->null)) continue;
    em_aggval_move(d, s);
  }
  return 0;
}

static int val_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    if (em_aggval_emit((const em_aggval *)(st + (size_t)i * stride), v)) {
      em_vec_unref(v);
      return oom(err);
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def minmax_def = {sizeof(em_aggval), NULL, minmax_update, minmax_merge, val_finish,
                                      val_destroy};
static const em_agg_def first_last_def = {sizeof(em_aggval), NULL, first_last_update, first_last_merge,
                                          val_finish, val_destroy};

static const em_agg_spill_ops val_spill = {val_save, val_load};

/* The states of this file spill; so do the plain ones (no destroy). Other
 * files' variable-size states (collect_list, sets, sketches) do not yet. */
const em_agg_spill_ops *em_agg_spill_ops_of(const em_agg_def *d) {
  if (d == &minmax_def || d == &first_last_def) return &val_spill;
  return NULL;
}

static bool orderable(const em_type *t) {
  switch (t->id) {
  case EM_T_ARRAY:
  case EM_T_MAP:
  case EM_T_STRUCT:
  case EM_T_VARIANT:
  case EM_T_CAL_INTERVAL: return false;
  default: return true;
  }
}

static int minmax_resolve(em_func_call *call, int kind, em_error *err) {
  if (em_agg_check_nargs(call, 1, 1, err)) return -1;
  if (!orderable(call->args[0]->type)) {
    /* Nested orderable types (arrays, structs) are not supported yet. */
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_strbuf_printf(&sb, "%s over ", call->name);
    em_type_sql(call->args[0]->type, &sb);
    em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", sb.data ? sb.data : "", NULL);
    em_strbuf_free(&sb);
    return -1;
  }
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = kind;
  call->type = call->args[0]->type;
  call->nullable = true;
  call->agg = &minmax_def;
  if (em_agg_name(call, call->name, 1, err)) return -1;
  return em_agg_wrap_distinct(call, err);
}

int em_agg_minmax_kind(const em_expr *call) {
  if (call->kind != EM_EX_AGG || call->u.fn.agg != &minmax_def) return -1;
  const em_agg_cfg *cfg = call->u.fn.data;
  return cfg->kind == K_MAX ? 1 : 0;
}

int em_fn_min(em_func_call *call, em_error *err);
int em_fn_min(em_func_call *call, em_error *err) { return minmax_resolve(call, K_MIN, err); }
int em_fn_max(em_func_call *call, em_error *err);
int em_fn_max(em_func_call *call, em_error *err) { return minmax_resolve(call, K_MAX, err); }

static int first_last_resolve(em_func_call *call, int kind, em_error *err) {
  if (em_agg_check_nargs(call, 1, 2, err)) return -1;
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  if (em_agg_bool_literal(call, 1, &cfg->ignore_nulls, err)) return -1;
  cfg->kind = kind;
  call->type = call->args[0]->type;
  call->nullable = true;
  call->agg = &first_last_def;
  /* first(v, true) is named first(v): Spark leaves ignoreNulls out. */
  if (em_agg_name(call, call->name, 1, err)) return -1;
  call->nargs = 1;
  return em_agg_wrap_distinct(call, err);
}

int em_fn_first(em_func_call *call, em_error *err);
int em_fn_first(em_func_call *call, em_error *err) { return first_last_resolve(call, K_FIRST, err); }
int em_fn_last(em_func_call *call, em_error *err);
int em_fn_last(em_func_call *call, em_error *err) { return first_last_resolve(call, K_LAST, err); }
