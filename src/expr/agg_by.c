/*
 * max_by(x, ord) and min_by(x, ord): the value of x on the row whose ord is
 * the largest (smallest). Rows with a NULL ord are skipped; x itself may be
 * NULL. Of equal ords the row seen first is kept. NULL for a group without
 * a non-NULL ord. The result has x's type.
 */
#include "agg_fn.h"

typedef struct by_state {
  em_aggval val, ord;
} by_state;

static int oom(em_error *err) { return em_error_internal(err, "out of memory in an aggregate"); }

static void by_destroy(const em_expr *c, uint8_t *st) {
  (void)c;
  by_state *s = (by_state *)st;
  em_aggval_free(&s->val);
  em_aggval_free(&s->ord);
}

static int by_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                     int64_t n, em_error *err) {
  const em_agg_cfg *cfg = c->u.fn.data;
  const em_vec *x = args[0], *o = args[1];
  if (o->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(o, i)) continue;
    by_state *s = (by_state *)(st + g[i] * stride);
    if (s->ord.set) {
      int r = em_aggval_cmp(&s->ord, o, i);
      if (!(cfg->kind ? r < 0 : r > 0)) continue;
    }
    if (em_aggval_store(&s->ord, o, i) || em_aggval_store(&s->val, x, i)) return oom(err);
  }
  return 0;
}

static int by_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                    const uint32_t *rows, int64_t n, em_error *err) {
  (void)err;
  const em_agg_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    by_state *s = (by_state *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->ord.set) continue;
    by_state *d = (by_state *)(dst + g[i] * stride);
    if (d->ord.set) {
      int r = em_aggval_cmp2(&d->ord, &s->ord, cfg->in_type);
      if (!(cfg->kind ? r < 0 : r > 0)) continue;
    }
    em_aggval_move(&d->ord, &s->ord);
    em_aggval_move(&d->val, &s->val);
  }
  return 0;
}

static int by_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    const by_state *s = (const by_state *)(st + (size_t)i * stride);
    if (em_aggval_emit(&s->val, v)) {
      em_vec_unref(v);
      return oom(err);
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def by_def = {sizeof(by_state), NULL, by_update, by_merge, by_finish, by_destroy};

static int by_resolve(em_func_call *call, int kind, em_error *err) {
  if (em_agg_check_nargs(call, 2, 2, err)) return -1;
  em_type *t = call->args[1]->type;
  if (t->id == EM_T_ARRAY || t->id == EM_T_MAP || t->id == EM_T_STRUCT || t->id == EM_T_VARIANT ||
      t->id == EM_T_CAL_INTERVAL)
    return em_agg_type_error(call, 1, "\"ORDERABLE\"", err);
  em_agg_cfg *cfg = em_agg_cfg_new(call, err);
  if (!cfg) return -1;
  cfg->kind = kind;
  cfg->in_type = t;
  call->type = call->args[0]->type;
  call->nullable = true;
  call->agg = &by_def;
  return em_agg_name(call, call->name, 2, err);
}

int em_fn_max_by(em_func_call *call, em_error *err);
int em_fn_min_by(em_func_call *call, em_error *err);
int em_fn_max_by(em_func_call *call, em_error *err) { return by_resolve(call, 1, err); }
int em_fn_min_by(em_func_call *call, em_error *err) { return by_resolve(call, 0, err); }
