/*
 * string_agg(expr[, delimiter]) and listagg: the non-NULL values of a
 * STRING (or BINARY) column joined by a constant delimiter (default empty),
 * in the order rows reach the aggregate (unspecified, as in Spark without
 * WITHIN GROUP). NULL for a group without a non-NULL value.
 */
#include "agg_fn.h"

#include <string.h>

typedef struct sagg_state {
  char *buf;
  uint32_t len, cap;
  uint8_t has;
} sagg_state;

typedef struct sagg_cfg {
  em_agg_cfg base; /* first: the generic helpers read it */
  char *delim;
  uint32_t dlen;
} sagg_cfg;

static int oom(em_error *err) { return em_error_internal(err, "out of memory in string_agg"); }

static int put(sagg_state *s, const char *p, size_t n) {
  if ((size_t)s->len + n > UINT32_MAX) return -1;
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap : 16;
    while (cap < s->len + n) cap *= 2;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    char *b = em_realloc(s->buf, cap);
    if (!b) return -1;
    s->buf = b;
    s->cap = (uint32_t)cap;
  }
  if (n) memcpy(s->buf + s->len, p, n);
  s->len += (uint32_t)n;
  return 0;
}

static int append(const sagg_cfg *cfg, sagg_state *s, const char *p, size_t n) {
  if (s->has && put(s, cfg->delim, cfg->dlen)) return -1;
  s->has = 1;
  return put(s, p, n);
}

static void sagg_destroy(const em_expr *c, uint8_t *st) {
  (void)c;
  sagg_state *s = (sagg_state *)st;
  em_free(s->buf);
  s->buf = NULL;
}

static int sagg_update(const em_expr *c, uint8_t *st, size_t stride, const uint32_t *g, em_vec *const *args,
                       int64_t n, em_error *err) {
  const sagg_cfg *cfg = c->u.fn.data;
  const em_vec *v = args[0];
  if (v->type->id == EM_T_NULL) return 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(v, i)) continue;
    int32_t len;
    const char *p = em_vec_str(v, i, &len);
    if (append(cfg, (sagg_state *)(st + g[i] * stride), p, (size_t)len)) return oom(err);
  }
  return 0;
}

static int sagg_merge(const em_expr *c, uint8_t *dst, size_t stride, const uint32_t *g, uint8_t *src, size_t sstride,
                      const uint32_t *rows, int64_t n, em_error *err) {
  const sagg_cfg *cfg = c->u.fn.data;
  for (int64_t i = 0; i < n; i++) {
    sagg_state *s = (sagg_state *)EM_AGG_SRC(src, sstride, rows, i);
    if (!s->has) continue;
    sagg_state *d = (sagg_state *)(dst + g[i] * stride);
    if (!d->has) {
      em_free(d->buf);
      *d = *s;
      s->buf = NULL;
      s->len = s->cap = 0;
      s->has = 0;
      continue;
    }
    if (append(cfg, d, s->buf, s->len)) return oom(err);
  }
  return 0;
}

static int sagg_finish(const em_expr *c, const uint8_t *st, size_t stride, int64_t n, em_vec **out, em_error *err) {
  em_vec *v = em_vec_new(c->type, n);
  if (!v) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    const sagg_state *s = (const sagg_state *)(st + (size_t)i * stride);
    if (s->has ? em_vec_append_bytes(v, s->buf ? s->buf : "", s->len) : em_vec_append_null(v)) {
      em_vec_unref(v);
      return oom(err);
    }
  }
  *out = v;
  return 0;
}

static const em_agg_def sagg_def = {sizeof(sagg_state), NULL, sagg_update, sagg_merge, sagg_finish, sagg_destroy};

int em_fn_string_agg(em_func_call *call, em_error *err);
int em_fn_string_agg(em_func_call *call, em_error *err) {
  if (em_agg_check_nargs(call, 1, 2, err)) return -1;
  em_type *t = call->args[0]->type;
  if (t->id == EM_T_NULL || (t->id != EM_T_BINARY && !em_type_is_string_like(t) && !em_type_is_nested(t))) {
    if (em_coerce_arg(call, 0, em_type_string(), err)) return -1;
  } else if (t->id != EM_T_BINARY && !em_type_is_string_like(t)) {
    return em_agg_type_error(call, 0, "(\"STRING\" or \"BINARY\")", err);
  }
  sagg_cfg *cfg = em_arena_calloc(call->arena, sizeof *cfg);
  if (!cfg) return oom(err);
  cfg->base.ansi = call->ansi;
  cfg->base.in_type = call->args[0]->type;
  cfg->delim = "";
  if (call->nargs == 2) {
    em_type *dt = call->args[1]->type;
    if (dt->id != EM_T_NULL && dt->id != EM_T_BINARY && !em_type_is_string_like(dt))
      return em_agg_type_error(call, 1, "(\"STRING\" or \"BINARY\")", err);
    em_vec *d = NULL;
    int rc = em_agg_const_eval(call, 1, &d, err);
    if (rc < 0) return -1;
    if (rc == 0) return em_agg_type_error(call, 1, "a constant delimiter", err);
    if (d->type->id != EM_T_NULL && !em_vec_is_null(d, 0)) {
      int32_t len;
      const char *p = em_vec_str(d, 0, &len);
      cfg->delim = em_arena_calloc(call->arena, (size_t)len + 1);
      if (!cfg->delim) {
        em_vec_unref(d);
        return oom(err);
      }
      memcpy(cfg->delim, p, (size_t)len);
      cfg->dlen = (uint32_t)len;
    }
    em_vec_unref(d);
  }
  call->data = cfg;
  call->type = em_type_is_string_like(call->args[0]->type) ? em_type_string() : call->args[0]->type;
  call->nullable = true;
  call->agg = &sagg_def;
  if (em_agg_name(call, call->name, call->nargs, err)) return -1;
  call->nargs = 1;
  return em_agg_wrap_distinct(call, err);
}
