/*
 * Higher-order functions: transform, filter, exists, forall, aggregate
 * (reduce), zip_with, array_sort with a comparator, map_filter,
 * transform_keys, transform_values, map_zip_with.
 *
 * Evaluation is vectorized over elements, not rows: the kernel flattens
 * the input collections of the whole batch into one vector of elements,
 * builds a batch with one row per element (the outer columns the lambda
 * body reads gathered to their element's row, the others left as cheap
 * placeholders), binds the lambda variables to element vectors in a frame
 * (ctx->lambda), and evaluates the body once. A lambda variable reference
 * (em_fn_lambda_var_kernel) just returns its slot's vector. Variables of
 * enclosing lambdas are gathered along, so nested lambdas work the same
 * way. aggregate folds position by position: step p evaluates the merge
 * lambda over the rows that have a p-th element. array_sort with a
 * comparator evaluates the comparator once over every pair of elements of
 * a group of rows, then sorts each row with the table of results.
 */
#include "fn_nested.h"
#include "nested.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a higher-order function"); }

/* ---- lambda variables ---- */

int em_fn_lambda_var_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)args;
  int slot = (int)(intptr_t)e->u.fn.data;
  const em_lambda_frame *f = ctx->lambda;
  if (!f || slot < 0 || slot >= f->nvars || !f->vars[slot] || f->vars[slot]->len != n)
    return em_error_internal(err, "lambda variable evaluated outside its lambda");
  *out = em_vec_ref(f->vars[slot]);
  return 0;
}

int em_fn_resolve_lambda_var(em_func_call *call, int slot, em_type *type, bool nullable, em_error *err) {
  (void)err;
  call->type = type;
  call->nullable = nullable;
  call->kernel = em_fn_lambda_var_kernel;
  call->data = (void *)(intptr_t)slot;
  call->sql = "namedlambdavariable()";
  return 0;
}

/* ---- binding ---- */

static void mark_cols(const em_expr *x, bool *need, int n) {
  if (x->kind == EM_EX_COLUMN && x->u.column >= 0 && x->u.column < n) need[x->u.column] = true;
  for (int i = 0; i < x->nargs; i++) mark_cols(x->args[i], need, n);
}

/* Evaluates `body` with one row per entry of rows[0..m) (a row of the
 * outer batch, or -1 for none) and the lambda's own variables own[0..nown)
 * at slots info->slot0[l]... (the frame keeps the enclosing variables,
 * gathered to the same rows). */
static int eval_lambda(const em_expr *e, int l, const int64_t *rows, int64_t m, em_vec **own, int nown,
                       em_eval_ctx *ctx, em_vec **out, em_error *err) {
  const em_hof_info *hi = e->u.fn.data;
  const em_expr *body = e->args[hi->ninputs + l];
  const em_batch *b = ctx->batch;
  const em_lambda_frame *outer = ctx->lambda;
  int nc = b->ncols;
  bool *need = em_calloc((size_t)nc + 1, sizeof *need);
  em_vec **cols = em_calloc((size_t)nc + 1, sizeof *cols);
  int nslots = hi->slot0[l] + nown;
  em_vec **vars = em_calloc((size_t)nslots + 1, sizeof *vars);
  int rc = -1;
  em_batch *lb = NULL;
  if (!need || !cols || !vars) goto done;
  mark_cols(body, need, nc);
  for (int c = 0; c < nc; c++) {
    if (need[c]) {
      cols[c] = em_nested_gather(b->cols[c]->type, b->cols[c], rows, m);
    } else {
      cols[c] = em_vec_new_nulls(em_type_null(), m);
    }
    if (!cols[c]) goto done;
  }
  for (int s = 0; s < hi->slot0[l] && outer && s < outer->nvars; s++)
    if (outer->vars[s] && !(vars[s] = em_nested_gather(outer->vars[s]->type, outer->vars[s], rows, m))) goto done;
  for (int v = 0; v < nown; v++) vars[hi->slot0[l] + v] = em_vec_ref(own[v]);
  lb = em_batch_new(em_type_ref(b->schema), nc, cols, m);
  em_free(cols);
  cols = NULL;
  if (!lb) goto done;
  em_lambda_frame frame = {vars, nslots};
  const em_batch *saved_batch = ctx->batch;
  ctx->lambda = &frame;
  rc = em_expr_eval(body, lb, ctx, out, err);
  ctx->lambda = (void *)outer;
  ctx->batch = saved_batch;
  if (rc) goto done_err;
done:
  if (rc && err->cls == 0) oom(err);
done_err:
  if (lb) em_batch_unref(lb);
  if (cols)
    for (int c = 0; c < nc; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  if (vars)
    for (int s = 0; s < nslots; s++)
      if (vars[s]) em_vec_unref(vars[s]);
  em_free(cols);
  em_free(vars);
  em_free(need);
  return rc;
}

/* The elements of non-null rows of list vector a: rows[k] (the row of
 * element k) and their positions in a's child; *m elements. */
static int flatten(const em_vec *a, int64_t n, em_i64s *rows, em_i64s *elems, em_i64s *index) {
  const int32_t *o = em_vec_offsets(a);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(a, i)) continue;
    for (int32_t j = o[i]; j < o[i + 1]; j++)
      if (em_i64s_push(rows, i) || em_i64s_push(elems, j) || (index && em_i64s_push(index, j - o[i]))) return -1;
  }
  return 0;
}

static em_vec *int_vec(const em_i64s *v) {
  em_vec *r = em_vec_new(em_type_int(), v->n);
  if (!r) return NULL;
  int32_t *d = em_vec_values(r);
  for (int64_t i = 0; i < v->n; i++) d[i] = (int32_t)v->p[i];
  r->len = v->n;
  r->values->len = (size_t)v->n * 4;
  return r;
}

/* Offsets of the non-null rows' lists, kept; null rows empty. */
static int32_t *row_offsets(const em_vec *a, int64_t n) {
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  if (!offs) return NULL;
  const int32_t *o = em_vec_offsets(a);
  for (int64_t i = 0; i < n; i++) offs[i + 1] = offs[i] + (em_vec_is_null(a, i) ? 0 : o[i + 1] - o[i]);
  return offs;
}

static const uint8_t *valid_of(const em_vec *a) { return a->validity ? a->validity->data : NULL; }

static bool bool_true(const em_vec *v, int64_t i) { return !em_vec_is_null(v, i) && em_bit_get(em_vec_values(v), i); }

/* ---- the kernel ---- */

static int transform_like(const em_expr *e, const em_vec *a, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  const em_hof_info *hi = e->u.fn.data;
  bool is_map = a->type->id == EM_T_MAP;
  em_i64s rows = {0}, elems = {0}, index = {0};
  em_vec *own[3] = {0}, *res = NULL;
  int32_t *offs = NULL;
  int rc = -1;
  if (flatten(a, n, &rows, &elems, &index)) goto oom;
  int64_t m = rows.n;
  const em_vec *src = is_map ? a->children[0] : a->children[0];
  if (is_map) {
    const em_vec *ent = a->children[0];
    if (!(own[0] = em_nested_gather(ent->children[0]->type, ent->children[0], elems.p, m))) goto oom;
    if (!(own[1] = em_nested_gather(ent->children[1]->type, ent->children[1], elems.p, m))) goto oom;
  } else {
    if (!(own[0] = em_nested_gather(src->type, src, elems.p, m))) goto oom;
    if (hi->nvars[0] > 1 && !(own[1] = int_vec(&index))) goto oom;
  }
  if (eval_lambda(e, 0, rows.p, m, own, hi->nvars[0], ctx, &res, err)) goto done;
  if (!(offs = row_offsets(a, n))) goto oom;
  switch (hi->kind) {
  case EM_HOF_TRANSFORM:
    *out = em_nested_make_list(e->type, n, offs, valid_of(a), em_vec_ref(res));
    if (!*out) goto oom;
    break;
  case EM_HOF_TRANSFORM_VALUES:
  case EM_HOF_TRANSFORM_KEYS: {
    em_vec *f[2];
    if (hi->kind == EM_HOF_TRANSFORM_KEYS) {
      em_valset set = {0};
      for (int64_t i = 0; i < n; i++) {
        em_valset_reset(&set);
        for (int32_t k = offs[i]; k < offs[i + 1]; k++) {
          if (em_vec_is_null(res, k)) {
            em_valset_free(&set);
            rc = em_error_set(err, EM_ERR_NULL_MAP_KEY, NULL);
            em_error_no_context(err); /* as Spark */
            goto done;
          }
          int r = em_valset_add(&set, res, k, true);
          if (r < 0) {
            em_valset_free(&set);
            goto oom;
          }
          if (r == 0) {
            em_valset_free(&set);
            em_strbuf sb;
            em_strbuf_init(&sb);
            em_format_opts fo = {0};
            em_error ferr;
            em_format_value(res, k, &fo, &sb, &ferr);
            em_error_set(err, EM_ERR_DUPLICATED_MAP_KEY, "key", sb.data ? sb.data : "", "mapKeyDedupPolicy",
                         "\"spark.sql.mapKeyDedupPolicy\"", NULL);
            em_strbuf_free(&sb);
            goto done;
          }
        }
      }
      em_valset_free(&set);
      f[0] = em_vec_ref(res);
      f[1] = em_vec_ref(own[1]);
    } else {
      f[0] = em_vec_ref(own[0]);
      f[1] = em_vec_ref(res);
    }
    em_type *et = NULL;
    {
      em_type *st = em_type_struct_new(2);
      if (!st || em_type_struct_set(st, 0, "key", em_type_ref(e->type->u.map.key), false, NULL) ||
          em_type_struct_set(st, 1, "value", em_type_ref(e->type->u.map.value), true, NULL)) {
        if (st) em_type_unref(st);
        em_vec_unref(f[0]);
        em_vec_unref(f[1]);
        goto oom;
      }
      et = st;
    }
    em_vec *ent = em_nested_make_struct(et, m, NULL, f);
    em_type_unref(et);
    if (!ent || !(*out = em_nested_make_list(e->type, n, offs, valid_of(a), ent))) goto oom;
    break;
  }
  case EM_HOF_FILTER:
  case EM_HOF_MAP_FILTER: {
    em_i64s keep = {0};
    int32_t *no = em_calloc((size_t)n + 1, sizeof *no);
    if (!no) goto oom;
    for (int64_t i = 0; i < n; i++) {
      for (int32_t k = offs[i]; k < offs[i + 1]; k++)
        if (bool_true(res, k) && em_i64s_push(&keep, elems.p[k])) {
          em_free(no);
          em_i64s_free(&keep);
          goto oom;
        }
      no[i + 1] = (int32_t)keep.n;
    }
    const em_vec *esrc = a->children[0];
    em_type *et = is_map ? esrc->type : e->type->u.array.elem;
    em_vec *g = em_nested_gather(et, esrc, keep.p, keep.n);
    em_i64s_free(&keep);
    *out = g ? em_nested_make_list(e->type, n, no, valid_of(a), g) : NULL;
    em_free(no);
    if (!*out) goto oom;
    break;
  }
  case EM_HOF_EXISTS:
  case EM_HOF_FORALL: {
    bool ex = hi->kind == EM_HOF_EXISTS;
    em_vec *r = em_fn_result(em_type_boolean(), n, (em_vec *const *)&a, 1);
    if (!r) goto oom;
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(a, i)) continue;
      bool hit = false, nul = false;
      for (int32_t k = offs[i]; k < offs[i + 1] && !hit; k++) {
        if (em_vec_is_null(res, k))
          nul = true;
        else if (em_bit_get(em_vec_values(res), k) == ex)
          hit = true;
      }
      bool val = ex ? hit : !hit;
      if (!hit && nul) {
        if (em_fn_set_null(r, i)) {
          em_vec_unref(r);
          goto oom;
        }
      } else if (val) {
        em_bit_set(em_vec_values(r), i);
      }
    }
    em_fn_finish(r, n);
    *out = r;
    break;
  }
  default: break;
  }
  rc = 0;
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&rows);
  em_i64s_free(&elems);
  em_i64s_free(&index);
  for (int i = 0; i < 3; i++)
    if (own[i]) em_vec_unref(own[i]);
  if (res) em_vec_unref(res);
  em_free(offs);
  return rc;
}

/* aggregate(a, zero, merge[, finish]) */
static int aggregate_hof(const em_expr *e, em_vec *const *in, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  const em_hof_info *hi = e->u.fn.data;
  const em_vec *a = in[0];
  const int32_t *o = em_vec_offsets(a);
  em_type *acct = e->args[1]->type;
  em_vec *acc = NULL;
  em_i64s rows = {0}, elems = {0};
  int rc = -1;
  if (!(acc = em_vec_slice_copy(in[1], 0, n))) return oom(err);
  int64_t maxlen = 0;
  for (int64_t i = 0; i < n; i++)
    if (!em_vec_is_null(a, i) && o[i + 1] - o[i] > maxlen) maxlen = o[i + 1] - o[i];
  for (int64_t p = 0; p < maxlen; p++) {
    rows.n = elems.n = 0;
    for (int64_t i = 0; i < n; i++)
      if (!em_vec_is_null(a, i) && o[i + 1] - o[i] > p && (em_i64s_push(&rows, i) || em_i64s_push(&elems, o[i] + p)))
        goto oom;
    em_vec *own[2] = {em_nested_gather(acct, acc, rows.p, rows.n),
                      em_nested_gather(a->children[0]->type, a->children[0], elems.p, elems.n)};
    em_vec *res = NULL;
    if (!own[0] || !own[1]) {
      if (own[0]) em_vec_unref(own[0]);
      if (own[1]) em_vec_unref(own[1]);
      goto oom;
    }
    int erc = eval_lambda(e, 0, rows.p, rows.n, own, 2, ctx, &res, err);
    em_vec_unref(own[0]);
    em_vec_unref(own[1]);
    if (erc) goto done;
    /* Scatter: active rows take the merge result, others keep acc. */
    em_vec *both = em_vec_new(acct, n + rows.n);
    int64_t *pick = em_malloc(sizeof *pick * (size_t)(n ? n : 1));
    if (!both || !pick || em_vec_append_range(both, acc, 0, n) ||
        res->type->id != acct->id || em_vec_append_range(both, res, 0, res->len)) {
      if (both) em_vec_unref(both);
      em_free(pick);
      em_vec_unref(res);
      goto oom;
    }
    em_vec_unref(res);
    for (int64_t i = 0; i < n; i++) pick[i] = i;
    for (int64_t k = 0; k < rows.n; k++) pick[rows.p[k]] = n + k;
    em_vec *nacc = em_nested_gather(acct, both, pick, n);
    em_vec_unref(both);
    em_free(pick);
    if (!nacc) goto oom;
    em_vec_unref(acc);
    acc = nacc;
  }
  em_vec *fin = NULL;
  if (hi->nlambdas > 1) {
    int64_t *all = em_malloc(sizeof *all * (size_t)(n ? n : 1));
    if (!all) goto oom;
    for (int64_t i = 0; i < n; i++) all[i] = i;
    em_vec *own[1] = {acc};
    int erc = eval_lambda(e, 1, all, n, own, 1, ctx, &fin, err);
    em_free(all);
    if (erc) goto done;
  } else {
    fin = em_vec_ref(acc);
  }
  /* NULL arrays give NULL. */
  int64_t *pick = em_malloc(sizeof *pick * (size_t)(n ? n : 1));
  if (!pick) {
    em_vec_unref(fin);
    goto oom;
  }
  for (int64_t i = 0; i < n; i++) pick[i] = em_vec_is_null(a, i) ? -1 : i;
  *out = em_nested_gather(e->type, fin, pick, n);
  em_free(pick);
  em_vec_unref(fin);
  if (!*out) goto oom;
  rc = 0;
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&rows);
  em_i64s_free(&elems);
  if (acc) em_vec_unref(acc);
  return rc;
}

/* zip_with(a, b, f): the longer length, missing elements NULL. */
static int zip_with_hof(const em_expr *e, em_vec *const *in, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  const em_vec *a = in[0], *b = in[1];
  const int32_t *oa = em_vec_offsets(a), *ob = em_vec_offsets(b);
  em_i64s rows = {0}, ia = {0}, ib = {0};
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  em_vec *own[2] = {0}, *res = NULL;
  int rc = -1;
  if (!offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) {
      em_bit_clear(valid, i);
      offs[i + 1] = offs[i];
      continue;
    }
    int64_t la = oa[i + 1] - oa[i], lb = ob[i + 1] - ob[i], m = la > lb ? la : lb;
    for (int64_t p = 0; p < m; p++)
      if (em_i64s_push(&rows, i) || em_i64s_push(&ia, p < la ? oa[i] + p : -1) ||
          em_i64s_push(&ib, p < lb ? ob[i] + p : -1))
        goto oom;
    offs[i + 1] = offs[i] + (int32_t)m;
  }
  if (!(own[0] = em_nested_gather(a->children[0]->type, a->children[0], ia.p, ia.n)) ||
      !(own[1] = em_nested_gather(b->children[0]->type, b->children[0], ib.p, ib.n)))
    goto oom;
  if (eval_lambda(e, 0, rows.p, rows.n, own, 2, ctx, &res, err)) goto done;
  if (!(*out = em_nested_make_list(e->type, n, offs, valid, em_vec_ref(res)))) goto oom;
  rc = 0;
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&rows);
  em_i64s_free(&ia);
  em_i64s_free(&ib);
  for (int i = 0; i < 2; i++)
    if (own[i]) em_vec_unref(own[i]);
  if (res) em_vec_unref(res);
  em_free(offs);
  em_free(valid);
  return rc;
}

/* map_zip_with(m1, m2, (k, v1, v2)): keys of m1 in order, then m2's new
 * keys; values looked up in each map (NULL when absent). */
static int map_zip_hof(const em_expr *e, em_vec *const *in, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  const em_vec *a = in[0], *b = in[1];
  const em_vec *ka = a->children[0]->children[0], *va = a->children[0]->children[1];
  const em_vec *kb = b->children[0]->children[0], *vb = b->children[0]->children[1];
  const int32_t *oa = em_vec_offsets(a), *ob = em_vec_offsets(b);
  em_i64s rows = {0}, keys = {0}, ia = {0}, ib = {0};
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  em_vec *kall = NULL, *own[3] = {0}, *res = NULL;
  int rc = -1;
  if (!offs || !valid || !(kall = em_vec_new(ka->type, ka->len + kb->len)) ||
      em_vec_append_range(kall, ka, 0, ka->len) || em_vec_append_range(kall, kb, 0, kb->len))
    goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) {
      em_bit_clear(valid, i);
      continue;
    }
    for (int32_t j = oa[i]; j < oa[i + 1]; j++) {
      int64_t found = -1;
      for (int32_t k = ob[i]; k < ob[i + 1] && found < 0; k++)
        if (em_nested_eq(ka, j, kb, k)) found = k;
      if (em_i64s_push(&rows, i) || em_i64s_push(&keys, j) || em_i64s_push(&ia, j) || em_i64s_push(&ib, found))
        goto oom;
      offs[i + 1]++;
    }
    for (int32_t k = ob[i]; k < ob[i + 1]; k++) {
      bool dup = false;
      for (int32_t j = oa[i]; j < oa[i + 1] && !dup; j++) dup = em_nested_eq(ka, j, kb, k);
      if (dup) continue;
      if (em_i64s_push(&rows, i) || em_i64s_push(&keys, ka->len + k) || em_i64s_push(&ia, -1) ||
          em_i64s_push(&ib, k))
        goto oom;
      offs[i + 1]++;
    }
  }
  if (!(own[0] = em_nested_gather(ka->type, kall, keys.p, keys.n)) ||
      !(own[1] = em_nested_gather(va->type, va, ia.p, ia.n)) || !(own[2] = em_nested_gather(vb->type, vb, ib.p, ib.n)))
    goto oom;
  if (eval_lambda(e, 0, rows.p, rows.n, own, 3, ctx, &res, err)) goto done;
  {
    em_type *st = em_type_struct_new(2);
    if (!st || em_type_struct_set(st, 0, "key", em_type_ref(e->type->u.map.key), false, NULL) ||
        em_type_struct_set(st, 1, "value", em_type_ref(e->type->u.map.value), true, NULL)) {
      if (st) em_type_unref(st);
      goto oom;
    }
    em_vec *f[2] = {em_vec_ref(own[0]), em_vec_ref(res)};
    em_vec *ent = em_nested_make_struct(st, rows.n, NULL, f);
    em_type_unref(st);
    if (!ent || !(*out = em_nested_make_list(e->type, n, offs, valid, ent))) goto oom;
  }
  rc = 0;
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&rows);
  em_i64s_free(&keys);
  em_i64s_free(&ia);
  em_i64s_free(&ib);
  for (int i = 0; i < 3; i++)
    if (own[i]) em_vec_unref(own[i]);
  if (kall) em_vec_unref(kall);
  if (res) em_vec_unref(res);
  em_free(offs);
  em_free(valid);
  return rc;
}

/* array_sort(a, cmp): the comparator over all pairs of a group of rows,
 * then an insertion-merge sort per row reading the table. */
typedef struct pair_tab {
  const int32_t *vals; /* comparator results, row-major per row block */
  int64_t base;        /* index of the row's first pair */
  int64_t len;
} pair_tab;

static _Thread_local const pair_tab *cur_tab;

static int tab_cmp(const void *x, const void *y) {
  int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
  int32_t c = cur_tab->vals[cur_tab->base + i * cur_tab->len + j];
  return c ? c : (i < j ? -1 : i > j);
}

static int array_sort_hof(const em_expr *e, em_vec *const *in, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  const em_vec *a = in[0], *el = a->children[0];
  const int32_t *o = em_vec_offsets(a);
  em_i64s order = {0};
  int32_t *offs = row_offsets(a, n);
  int rc = -1;
  if (!offs) return oom(err);
  int64_t i0 = 0;
  while (i0 < n) {
    /* A group of rows with at most ~1M pairs. */
    int64_t i1 = i0, pairs = 0;
    while (i1 < n) {
      int64_t l = em_vec_is_null(a, i1) ? 0 : o[i1 + 1] - o[i1];
      if (i1 > i0 && pairs + l * l > (1 << 20)) break;
      pairs += l * l;
      i1++;
    }
    em_i64s rows = {0}, li = {0}, ri = {0};
    for (int64_t i = i0; i < i1; i++) {
      if (em_vec_is_null(a, i)) continue;
      for (int32_t x = o[i]; x < o[i + 1]; x++)
        for (int32_t y = o[i]; y < o[i + 1]; y++)
          if (em_i64s_push(&rows, i) || em_i64s_push(&li, x) || em_i64s_push(&ri, y)) goto group_oom;
    }
    em_vec *own[2] = {em_nested_gather(el->type, el, li.p, li.n), em_nested_gather(el->type, el, ri.p, ri.n)};
    em_vec *res = NULL;
    int erc = -1;
    if (own[0] && own[1]) erc = eval_lambda(e, 0, rows.p, rows.n, own, 2, ctx, &res, err);
    else oom(err);
    for (int k = 0; k < 2; k++)
      if (own[k]) em_vec_unref(own[k]);
    em_i64s_free(&rows);
    em_i64s_free(&li);
    em_i64s_free(&ri);
    if (erc) goto done;
    int32_t *vals = em_malloc(sizeof *vals * (size_t)(res->len ? res->len : 1));
    if (!vals) {
      em_vec_unref(res);
      goto oom;
    }
    for (int64_t k = 0; k < res->len; k++)
      vals[k] = em_vec_is_null(res, k) ? 0 : ((const int32_t *)em_vec_values(res))[k];
    em_vec_unref(res);
    int64_t base = 0;
    for (int64_t i = i0; i < i1; i++) {
      if (em_vec_is_null(a, i)) continue;
      int64_t l = o[i + 1] - o[i], start = order.n;
      for (int64_t k = 0; k < l; k++)
        if (em_i64s_push(&order, k)) {
          em_free(vals);
          goto oom;
        }
      pair_tab t = {vals, base, l};
      const pair_tab *saved = cur_tab;
      cur_tab = &t;
      qsort(order.p + start, (size_t)l, sizeof(int64_t), tab_cmp);
      cur_tab = saved;
      for (int64_t k = 0; k < l; k++) order.p[start + k] += o[i];
      base += l * l;
    }
    em_free(vals);
    i0 = i1;
    continue;
  group_oom:
    em_i64s_free(&rows);
    em_i64s_free(&li);
    em_i64s_free(&ri);
    goto oom;
  }
  {
    em_vec *g = em_nested_gather(e->type->u.array.elem, el, order.p, order.n);
    if (!g || !(*out = em_nested_make_list(e->type, n, offs, valid_of(a), g))) goto oom;
  }
  rc = 0;
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&order);
  em_free(offs);
  return rc;
}

static int hof_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                      em_error *err) {
  (void)args;
  const em_hof_info *hi = e->u.fn.data;
  const em_batch *b = ctx->batch;
  em_vec *in[2] = {0};
  int rc = -1;
  for (int i = 0; i < hi->ninputs; i++)
    if (em_expr_eval(e->args[i], b, ctx, &in[i], err)) goto done;
  ctx->batch = b;
  switch (hi->kind) {
  case EM_HOF_AGGREGATE: rc = aggregate_hof(e, in, n, ctx, out, err); break;
  case EM_HOF_ZIP_WITH: rc = zip_with_hof(e, in, n, ctx, out, err); break;
  case EM_HOF_MAP_ZIP_WITH: rc = map_zip_hof(e, in, n, ctx, out, err); break;
  case EM_HOF_ARRAY_SORT: rc = array_sort_hof(e, in, n, ctx, out, err); break;
  default: rc = transform_like(e, in[0], n, ctx, out, err); break;
  }
done:
  ctx->batch = b;
  for (int i = 0; i < 2; i++)
    if (in[i]) em_vec_unref(in[i]);
  return rc;
}

bool em_fn_hof_kernel(em_kernel_fn k) { return k == hof_kernel; }

/* ---- resolution ---- */

static const struct {
  const char *name;
  em_hof_kind kind;
} hofs[] = {
    {"transform", EM_HOF_TRANSFORM},      {"filter", EM_HOF_FILTER},
    {"exists", EM_HOF_EXISTS},            {"forall", EM_HOF_FORALL},
    {"aggregate", EM_HOF_AGGREGATE},      {"reduce", EM_HOF_AGGREGATE},
    {"zip_with", EM_HOF_ZIP_WITH},        {"array_sort", EM_HOF_ARRAY_SORT},
    {"map_filter", EM_HOF_MAP_FILTER},    {"transform_keys", EM_HOF_TRANSFORM_KEYS},
    {"transform_values", EM_HOF_TRANSFORM_VALUES}, {"map_zip_with", EM_HOF_MAP_ZIP_WITH},
};

int em_hof_kind_of(const char *name) {
  for (size_t i = 0; i < sizeof hofs / sizeof hofs[0]; i++)
    if (em_strcaseeq(hofs[i].name, name)) return (int)hofs[i].kind;
  return -1;
}

int em_hof_ninputs(em_hof_kind k) {
  return k == EM_HOF_AGGREGATE || k == EM_HOF_ZIP_WITH || k == EM_HOF_MAP_ZIP_WITH ? 2 : 1;
}

static bool is_map_hof(em_hof_kind k) {
  return k == EM_HOF_MAP_FILTER || k == EM_HOF_TRANSFORM_KEYS || k == EM_HOF_TRANSFORM_VALUES ||
         k == EM_HOF_MAP_ZIP_WITH;
}

int em_hof_var_type(em_func_call *call, em_hof_kind k, int l, int v, const em_expr *merge, em_type **type,
                    bool *nullable, em_error *err) {
  int nin = em_hof_ninputs(k);
  for (int i = 0; i < nin; i++) {
    if (k == EM_HOF_AGGREGATE && i == 1) break;
    em_type *t = call->args[i]->type;
    if (is_map_hof(k) ? t->id != EM_T_MAP : t->id != EM_T_ARRAY)
      return em_nested_need(call, i, is_map_hof(k) ? "\"MAP\"" : "\"ARRAY\"", err);
  }
  em_type *t0 = call->args[0]->type;
  if (is_map_hof(k)) {
    if (v == 0) {
      *type = t0->u.map.key;
      *nullable = false;
    } else {
      em_type *mt = k == EM_HOF_MAP_ZIP_WITH && v == 2 ? call->args[1]->type : t0;
      *type = mt->u.map.value;
      *nullable = k == EM_HOF_MAP_ZIP_WITH ? true : mt->u.map.value_contains_null;
    }
    return 0;
  }
  switch (k) {
  case EM_HOF_AGGREGATE:
    if (l == 0 && v == 1) {
      *type = t0->u.array.elem;
      *nullable = t0->u.array.contains_null;
    } else {
      *type = call->args[1]->type;
      *nullable = true;
      (void)merge;
    }
    return 0;
  case EM_HOF_ZIP_WITH:
    *type = call->args[v]->type->u.array.elem;
    *nullable = true;
    return 0;
  default:
    if (v == 1 && k != EM_HOF_ARRAY_SORT) {
      *type = em_type_int();
      *nullable = false;
    } else {
      *type = t0->u.array.elem;
      *nullable = t0->u.array.contains_null;
    }
    return 0;
  }
}

static const char *ordinal(int i) {
  static const char *names[] = {"first", "second", "third", "fourth", "fifth"};
  return i >= 0 && i < 5 ? names[i] : "nth";
}

/* The lambda body at argument i must have type `want`. */
static int body_type_error(em_func_call *call, int i, const char *want, em_error *err) {
  em_strbuf t;
  em_strbuf_init(&t);
  em_fn_quoted_type(call->args[i]->type, &t);
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr",
               em_arena_printf(call->arena, "\"%s\"", call->sql), "paramIndex", ordinal(i), "requiredType", want,
               "inputSql", em_arena_printf(call->arena, "\"%s\"", call->arg_sql[i]), "inputType",
               t.data ? t.data : "", NULL);
  em_strbuf_free(&t);
  return -1;
}

int em_fn_resolve_hof(em_func_call *call, em_error *err) {
  em_hof_info *hi = call->data;
  int nin = hi->ninputs;
  const em_expr *body = call->args[nin];
  em_type *t0 = call->args[0]->type;
  switch (hi->kind) {
  case EM_HOF_TRANSFORM:
    call->type = em_nested_intern(em_type_array(em_type_ref(body->type), body->nullable), err);
    call->nullable = call->args[0]->nullable;
    break;
  case EM_HOF_FILTER:
  case EM_HOF_EXISTS:
  case EM_HOF_FORALL:
  case EM_HOF_MAP_FILTER:
    if (body->type->id != EM_T_BOOLEAN) return body_type_error(call, nin, "\"BOOLEAN\"", err);
    call->type = hi->kind == EM_HOF_FILTER || hi->kind == EM_HOF_MAP_FILTER ? t0 : em_type_boolean();
    call->nullable = call->args[0]->nullable ||
                     ((hi->kind == EM_HOF_EXISTS || hi->kind == EM_HOF_FORALL) && body->nullable);
    break;
  case EM_HOF_AGGREGATE: {
    em_type *zt = call->args[1]->type;
    if (!em_type_equal(body->type, zt, true)) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_fn_quoted_type(zt, &sb);
      int rc = body_type_error(call, nin, em_arena_printf(call->arena, "%s", sb.data ? sb.data : ""), err);
      em_strbuf_free(&sb);
      return rc;
    }
    const em_expr *fin = hi->nlambdas > 1 ? call->args[nin + 1] : body;
    call->type = fin->type;
    call->nullable = true;
    break;
  }
  case EM_HOF_ZIP_WITH:
    call->type = em_nested_intern(em_type_array(em_type_ref(body->type), body->nullable), err);
    call->nullable = call->args[0]->nullable || call->args[1]->nullable;
    break;
  case EM_HOF_ARRAY_SORT:
    if (!em_type_is_integral(body->type)) return body_type_error(call, nin, "\"INT\"", err);
    if (body->type->id != EM_T_INT) {
      call->args[nin] = em_expr_cast(call->arena, call->args[nin], em_type_int(), call->ansi);
      if (!call->args[nin]) return em_error_internal(err, "out of memory");
    }
    call->type = t0;
    call->nullable = call->args[0]->nullable;
    break;
  case EM_HOF_TRANSFORM_KEYS:
    call->type = em_nested_intern(
        em_type_map(em_type_ref(body->type), em_type_ref(t0->u.map.value), t0->u.map.value_contains_null), err);
    call->nullable = call->args[0]->nullable;
    break;
  case EM_HOF_TRANSFORM_VALUES:
    call->type = em_nested_intern(em_type_map(em_type_ref(t0->u.map.key), em_type_ref(body->type), body->nullable),
                                  err);
    call->nullable = call->args[0]->nullable;
    break;
  case EM_HOF_MAP_ZIP_WITH:
    call->type = em_nested_intern(em_type_map(em_type_ref(t0->u.map.key), em_type_ref(body->type), body->nullable),
                                  err);
    call->nullable = call->args[0]->nullable || call->args[1]->nullable;
    break;
  }
  if (!call->type) return -1;
  call->kernel = hof_kernel;
  return 0;
}
