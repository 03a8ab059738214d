/*
 * Expression evaluation over batches. Column references share the input
 * vector; literals are broadcast; function calls evaluate their arguments
 * and hand whole vectors to the function's kernel.
 */
#include "expr_int.h"

#include <string.h>

em_vec *em_vec_repeat(const em_vec *lit, int64_t n) {
  em_vec *v = em_vec_new(lit->type, n);
  if (!v) return NULL;
  if (lit->len == 0) return v;
  int w = em_type_fixed_width(lit->type);
  bool null = em_vec_is_null(lit, 0);
  if (lit->type->id == EM_T_NULL) {
    em_vec_unref(v);
    return em_vec_new_nulls(lit->type, n);
  }
  if (w > 0 && !null) {
    uint8_t *dst = em_vec_values(v);
    const uint8_t *src = em_vec_values(lit);
    switch (w) {
#define FILL(W, T)                                  \
  case W: {                                         \
    T x;                                            \
    memcpy(&x, src, W);                             \
    for (int64_t i = 0; i < n; i++) ((T *)dst)[i] = x; \
    break;                                          \
  }
      FILL(1, uint8_t)
      FILL(2, uint16_t)
      FILL(4, uint32_t)
      FILL(8, uint64_t)
#undef FILL
    default:
      for (int64_t i = 0; i < n; i++) memcpy(dst + i * w, src, (size_t)w);
    }
    v->len = n;
    v->values->len = (size_t)(n * w);
    return v;
  }
  if (null) {
    em_vec_unref(v);
    return em_vec_new_nulls(lit->type, n);
  }
  em_type_id t = lit->type->id;
  if (t == EM_T_STRING || t == EM_T_BINARY || t == EM_T_CHAR || t == EM_T_VARCHAR) {
    /* Offsets k * len, the bytes n times. */
    int32_t len;
    const char *s = em_vec_str(lit, 0, &len);
    if ((int64_t)len * n > INT32_MAX || em_vec_reserve(v, n, (size_t)len * (size_t)n + 1)) {
      em_vec_unref(v);
      return NULL;
    }
    int32_t *o = (int32_t *)v->values->data;
    char *d = (char *)v->data->data;
    for (int64_t i = 0; i < n; i++) {
      o[i] = (int32_t)(i * len);
      memcpy(d + i * len, s, (size_t)len);
    }
    o[n] = (int32_t)(n * len);
    v->len = n;
    v->values->len = (size_t)(n + 1) * 4;
    v->data->len = (size_t)len * (size_t)n;
    return v;
  }
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_append_range(v, lit, 0, 1)) {
      em_vec_unref(v);
      return NULL;
    }
  }
  return v;
}

/* A literal, or casts of one: the same value on every row. */
static bool is_constant(const em_expr *x) {
  while (x->kind == EM_EX_CAST) x = x->args[0];
  return x->kind == EM_EX_LITERAL;
}

/* Evaluates a constant expression once, as a one-row vector. */
static int eval_constant(const em_expr *x, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  if (x->kind == EM_EX_LITERAL) {
    *out = em_vec_ref(x->u.lit);
    return 0;
  }
  em_vec *a;
  if (eval_constant(x->args[0], ctx, &a, err)) return -1;
  int rc = em_cast_vec(a, x->type, x->u.cast.ansi, ctx, out, err);
  em_vec_unref(a);
  if (rc && x->origin_fragment)
    em_error_set_context(err, x->origin_fragment, x->origin_call_site);
  else if (rc && err->cls != EM_ERR_OPERATION_CANCELED && err->cls != EM_ERR_INTERNAL)
    em_error_set_sql_context(err, "");
  return rc;
}

int em_expr_eval(const em_expr *e, const em_batch *in, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  /* A cast of a literal is computed once per batch, not once per row.
   * Only for batches with rows: a cast that fails fails on any row. */
  if (e->kind == EM_EX_CAST && in->nrows > 1 && is_constant(e)) {
    em_vec *one;
    if (eval_constant(e, ctx, &one, err)) return -1;
    *out = em_vec_repeat(one, in->nrows);
    em_vec_unref(one);
    return *out ? 0 : em_error_internal(err, "out of memory evaluating a constant");
  }
  switch (e->kind) {
  case EM_EX_COLUMN:
    if (e->u.column < 0 || e->u.column >= in->ncols) return em_error_internal(err, "column index out of range");
    *out = em_vec_ref(in->cols[e->u.column]);
    return 0;
  case EM_EX_LITERAL:
    *out = em_vec_repeat(e->u.lit, in->nrows);
    return *out ? 0 : em_error_internal(err, "out of memory evaluating a literal");
  case EM_EX_CAST:
  case EM_EX_CALL: {
    if (e->kind == EM_EX_CALL && em_fn_kernel_is_lazy(e->u.fn.kernel)) {
      const em_batch *saved = ctx->batch;
      ctx->batch = in;
      int rc = e->u.fn.kernel(e, NULL, in->nrows, ctx, out, err);
      ctx->batch = saved;
      return rc;
    }
    em_vec *argv[8];
    em_vec **args = e->nargs <= 8 ? argv : em_calloc((size_t)e->nargs, sizeof *args);
    if (!args) return em_error_internal(err, "out of memory");
    int rc = 0, done = 0;
    bool scalars = e->kind == EM_EX_CALL && in->nrows > 0 && em_fn_kernel_takes_scalars(e->u.fn.kernel);
    for (; done < e->nargs; done++) {
      const em_expr *x = e->args[done];
      if (scalars && is_constant(x) ? eval_constant(x, ctx, &args[done], err)
                                    : em_expr_eval(x, in, ctx, &args[done], err)) {
        rc = -1;
        break;
      }
    }
    if (!rc) {
      if (e->kind == EM_EX_CAST)
        rc = em_cast_vec(args[0], e->type, e->u.cast.ansi, ctx, out, err);
      else
        rc = e->u.fn.kernel(e, args, in->nrows, ctx, out, err);
      /* Spark reports where the failing expression came from: the client's
       * call site, or (an implicit cast, say) an empty SQL context. */
      if (rc && e->origin_sql_summary && !err->has_context) {
        /* From SQL text: a SQL context and Spark's excerpt after the message. */
        em_error_set_sql_context(err, e->origin_fragment);
        em_error_append(err, "\n%s", e->origin_sql_summary);
      } else if (rc && e->origin_fragment)
        em_error_set_context(err, e->origin_fragment, e->origin_call_site);
      else if (rc && err->cls != EM_ERR_OPERATION_CANCELED && err->cls != EM_ERR_INTERNAL)
        em_error_set_sql_context(err, "");
    }
    for (int i = 0; i < done; i++) em_vec_unref(args[i]);
    if (args != argv) em_free(args);
    return rc;
  }
  case EM_EX_AGG:
    return em_error_internal(err, "aggregate %s evaluated outside an aggregation", e->u.fn.name);
  }
  return em_error_internal(err, "unknown expression kind");
}

/* ---- per-task state of stateful expressions ---- */

typedef struct state_entry {
  const void *key;
  int partition;
  struct state_entry *next;
  /* the state's bytes follow */
} state_entry;

struct em_eval_states {
  state_entry *head;
};

em_eval_states *em_eval_states_new(void) { return em_calloc(1, sizeof(em_eval_states)); }

void em_eval_states_free(em_eval_states *s) {
  if (!s) return;
  for (state_entry *e = s->head, *nx; e; e = nx) {
    nx = e->next;
    em_free(e);
  }
  em_free(s);
}

void *em_eval_state(em_eval_ctx *ctx, const void *key, size_t size, bool *fresh) {
  *fresh = false;
  if (!ctx || !ctx->states) return NULL;
  for (state_entry *e = ctx->states->head; e; e = e->next)
    if (e->key == key && e->partition == ctx->partition) return e + 1;
  /* A task runs one partition at a time on one thread: no locking. */
  state_entry *e = em_calloc(1, sizeof *e + size);
  if (!e) return NULL;
  e->key = key;
  e->partition = ctx->partition;
  e->next = ctx->states->head;
  ctx->states->head = e;
  *fresh = true;
  return e + 1;
}
