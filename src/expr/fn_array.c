/*
 * Array functions: array(), size/cardinality, element access (element_at,
 * try_element_at, get, col[i]), membership and set-like functions, the
 * reshaping functions (slice, concat, flatten, reverse, sequence,
 * array_repeat, arrays_zip, insert/append/prepend/compact/remove) and the
 * sorting ones (sort_array, array_sort without comparator, array_max/min).
 *
 * Kernels work on whole vectors: most compute, for every output row, the
 * list of source element positions (or -1 for a NULL element) and the
 * offsets, then gather the element vector once (em_nested_gather).
 */
#include "fn_nested.h"
#include "nested.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  A_SIZE, A_SIZE_LEGACY, A_CONTAINS, A_POSITION, A_DISTINCT, A_UNION, A_INTERSECT, A_EXCEPT, A_MAX, A_MIN,
  A_REMOVE, A_OVERLAP, A_REVERSE, A_SLICE, A_SORT_ASC, A_SORT_DESC, A_SORT_NULLS_LAST, A_APPEND, A_PREPEND,
  A_INSERT, A_COMPACT, A_GET, A_ELEMENT_AT, A_TRY_ELEMENT_AT, A_ITEM, A_FLATTEN
};

/* ---- list output ---- */

typedef struct lout {
  em_i64s idx;
  int32_t *offs;
  uint8_t *valid;
  int64_t n;
} lout;

static int lout_init(lout *l, int64_t n) {
  memset(l, 0, sizeof *l);
  l->n = n;
  l->offs = em_calloc((size_t)n + 1, sizeof *l->offs);
  l->valid = em_malloc((size_t)(n + 8) / 8);
  if (!l->offs || !l->valid) return -1;
  memset(l->valid, 0xff, (size_t)(n + 8) / 8);
  return 0;
}

static void lout_free(lout *l) {
  em_i64s_free(&l->idx);
  em_free(l->offs);
  em_free(l->valid);
}

static void lout_end(lout *l, int64_t i, bool null) {
  if (null) em_bit_clear(l->valid, i);
  l->offs[i + 1] = (int32_t)l->idx.n;
}

/* Builds the result and frees l. */
static int lout_finish(lout *l, em_type *type, const em_vec *src, em_vec **out, em_error *err) {
  em_vec *el = em_nested_gather(type->u.array.elem, src, l->idx.p, l->idx.n);
  em_vec *r = el ? em_nested_make_list(type, l->n, l->offs, l->valid, el) : NULL;
  lout_free(l);
  if (!r) return em_error_internal(err, "out of memory in an array function");
  *out = r;
  return 0;
}

/* One vector with the values of a then b (same type): b's row j is at
 * a->len + j. */
static em_vec *concat2(const em_vec *a, const em_vec *b) {
  em_vec *v = em_vec_new(a->type, a->len + b->len);
  if (!v) return NULL;
  if (em_vec_append_range(v, a, 0, a->len) || em_vec_append_range(v, b, 0, b->len)) {
    em_vec_unref(v);
    return NULL;
  }
  return v;
}

static int oom(em_error *err) { return em_error_internal(err, "out of memory in an array function"); }

static const em_fn_info *info(const em_expr *e) { return e->u.fn.data; }

/* ---- array(...) ---- */

static int array_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  (void)ctx;
  int k = e->nargs;
  em_type *et = e->type->u.array.elem;
  em_vec *el = em_vec_new(et, n * k);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  if (!el || !offs) goto fail;
  if (et->id == EM_T_NULL) {
    el->len = el->null_count = n * k;
  } else {
    for (int64_t i = 0; i < n; i++)
      for (int j = 0; j < k; j++)
        if (em_vec_append_range(el, args[j], i, 1)) goto fail;
  }
  for (int64_t i = 0; i <= n; i++) offs[i] = (int32_t)(i * k);
  em_vec *r = em_nested_make_list(e->type, n, offs, NULL, el);
  em_free(offs);
  if (!r) return oom(err);
  *out = r;
  return 0;
fail:
  if (el) em_vec_unref(el);
  em_free(offs);
  return oom(err);
}

static bool any_nullable(const em_func_call *call, int from) {
  for (int i = from; i < call->nargs; i++)
    if (call->args[i]->nullable) return true;
  return false;
}

int em_fn_resolve_array(em_func_call *call, em_error *err);
int em_fn_resolve_array(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, "array");
  em_type *w = em_type_null();
  for (int i = 0; i < call->nargs; i++) {
    em_type *nw = em_nested_wider(w, call->args[i]->type, call->ansi);
    if (!nw) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_putc(&sb, '(');
      for (int j = 0; j < call->nargs; j++) {
        bool dup = false;
        for (int k = 0; k < j; k++)
          if (em_type_equal(call->args[k]->type, call->args[j]->type, true)) dup = true;
        if (dup) continue;
        if (j) em_strbuf_puts(&sb, " or ");
        em_fn_quoted_type(call->args[j]->type, &sb);
      }
      em_strbuf_putc(&sb, ')');
      em_type_unref(w);
      em_error_set(err, EM_ERR_DATATYPE_MISMATCH_DATA_DIFF_TYPES, "sqlExpr",
                   em_arena_printf(call->arena, "\"%s\"", call->sql), "functionName", "`array`", "dataType",
                   sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      return -1;
    }
    em_type_unref(w);
    w = nw;
  }
  em_type *ew = em_nested_intern(w, err);
  if (!ew) return -1;
  for (int i = 0; i < call->nargs; i++)
    if (em_coerce_arg(call, i, ew, err)) return -1;
  call->type = em_nested_intern(em_type_array(em_type_ref(ew), any_nullable(call, 0)), err);
  if (!call->type) return -1;
  call->nullable = false;
  call->kernel = array_kernel;
  return 0;
}

/* ---- size ---- */

static int size_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_vec *a = args[0];
  bool legacy = info(e)->op == A_SIZE_LEGACY;
  em_vec *r = em_fn_result(e->type, n, legacy ? NULL : (em_vec *const *)&args[0], legacy ? 0 : 1);
  if (!r) return oom(err);
  int32_t *d = em_vec_values(r);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(a, i))
      d[i] = -1;
    else
      d[i] = em_vec_offsets(a)[i + 1] - em_vec_offsets(a)[i];
  }
  *out = r;
  return 0;
}

static int need_collection(em_func_call *call, int i, bool map_ok, em_error *err) {
  em_type *t = call->args[i]->type;
  if (t->id == EM_T_ARRAY || (map_ok && t->id == EM_T_MAP)) return 0;
  return em_nested_need(call, i, map_ok ? "(\"ARRAY\" or \"MAP\")" : "\"ARRAY\"", err);
}

static int resolve_info(em_func_call *call, int op, em_error *err) {
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_size(em_func_call *call, em_error *err);
int em_fn_resolve_size(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (call->args[0]->type->id == EM_T_NULL &&
      em_coerce_arg(call, 0, em_nested_intern(em_type_array(em_type_null(), false), err), err))
    return -1;
  if (need_collection(call, 0, true, err)) return -1;
  bool legacy = !call->ansi;
  call->type = em_type_int();
  call->nullable = legacy ? false : call->args[0]->nullable;
  call->kernel = size_kernel;
  return resolve_info(call, legacy ? A_SIZE_LEGACY : A_SIZE, err);
}

/* ---- element access ---- */

static int index_error(em_errclass cls, int64_t idx, int64_t size, em_error *err) {
  char a[32], b[32];
  snprintf(a, sizeof a, "%lld", (long long)idx);
  snprintf(b, sizeof b, "%lld", (long long)size);
  return em_error_set(err, cls, "indexValue", a, "arraySize", b, NULL);
}

static int64_t int_at(const em_vec *v, int64_t i) {
  switch (v->type->id) {
  case EM_T_BYTE: return ((const int8_t *)em_vec_values(v))[i];
  case EM_T_SHORT: return ((const int16_t *)em_vec_values(v))[i];
  case EM_T_INT: return ((const int32_t *)em_vec_values(v))[i];
  case EM_T_LONG: return ((const int64_t *)em_vec_values(v))[i];
  default: return 0;
  }
}

/* Element access on arrays: get (0-based, NULL outside), col[i] (0-based,
 * ANSI error outside), element_at (1-based, negative from the end, 0 is
 * an error; ANSI error outside), try_element_at (NULL outside). */
static int at_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                     em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *ix = args[1];
  int op = info(e)->op;
  bool ansi = info(e)->ansi;
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(n ? n : 1));
  if (!idx) return oom(err);
  const int32_t *o = em_vec_offsets(a);
  for (int64_t i = 0; i < n; i++) {
    idx[i] = -1;
    if (em_vec_is_null(a, i) || em_vec_is_null(ix, i)) continue;
    int64_t len = o[i + 1] - o[i], k = int_at(ix, i), pos;
    if (op == A_GET || op == A_ITEM) {
      pos = k;
    } else {
      if (k == 0) {
        if (op == A_TRY_ELEMENT_AT) continue;
        em_free(idx);
        return em_error_set(err, EM_ERR_INVALID_INDEX_OF_ZERO, NULL);
      }
      pos = k > 0 ? k - 1 : len + k;
    }
    if (pos < 0 || pos >= len) {
      if ((op == A_ITEM || op == A_ELEMENT_AT) && ansi) {
        em_free(idx);
        return index_error(op == A_ITEM ? EM_ERR_INVALID_ARRAY_INDEX : EM_ERR_INVALID_ARRAY_INDEX_IN_ELEMENT_AT, k,
                           len, err);
      }
      continue;
    }
    idx[i] = o[i] + pos;
  }
  em_vec *r = em_nested_gather(e->type, a->children[0], idx, n);
  em_free(idx);
  if (!r) return oom(err);
  *out = r;
  return 0;
}

/* Map lookups (element_at, try_element_at, m[k]): NULL when absent. */
static int map_at_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  const em_vec *m = args[0], *k = args[1];
  const em_vec *keys = m->children[0]->children[0], *vals = m->children[0]->children[1];
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(n ? n : 1));
  if (!idx) return oom(err);
  const int32_t *o = em_vec_offsets(m);
  for (int64_t i = 0; i < n; i++) {
    idx[i] = -1;
    if (em_vec_is_null(m, i) || em_vec_is_null(k, i)) continue;
    for (int32_t j = o[i]; j < o[i + 1]; j++)
      if (em_nested_eq(keys, j, k, i)) {
        idx[i] = j;
        break;
      }
  }
  em_vec *r = em_nested_gather(e->type, vals, idx, n);
  em_free(idx);
  if (!r) return oom(err);
  *out = r;
  return 0;
}

static int resolve_at(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  if (!call->sql) call->sql = em_fn_sql_call(call, call->name);
  em_type *t = call->args[0]->type;
  if (t->id == EM_T_MAP && op != A_GET) {
    em_type *kt = t->u.map.key;
    if (!em_type_equal(call->args[1]->type, kt, true) && em_coerce_arg(call, 1, kt, err)) return -1;
    call->type = t->u.map.value;
    call->nullable = true;
    call->kernel = map_at_kernel;
    return resolve_info(call, op, err);
  }
  if (t->id != EM_T_ARRAY) return em_nested_need(call, 0, op == A_GET ? "\"ARRAY\"" : "(\"ARRAY\" or \"MAP\")", err);
  em_type *it = call->args[1]->type;
  /* arr[i] (GetArrayItem) takes integral ordinals only: no string cast. */
  if (op == A_ITEM && em_type_is_string_like(it)) return em_nested_need(call, 1, "\"INTEGRAL\"", err);
  if (!em_type_is_integral(it) && it->id != EM_T_NULL && !em_type_is_string_like(it))
    return em_nested_need(call, 1, "\"INT\"", err);
  if (it->id != EM_T_INT && it->id != EM_T_LONG && em_coerce_arg(call, 1, em_type_int(), err)) return -1;
  call->type = t->u.array.elem;
  bool can_be_out = op == A_GET || op == A_TRY_ELEMENT_AT || !call->ansi;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable || t->u.array.contains_null || can_be_out;
  call->kernel = at_kernel;
  return resolve_info(call, op, err);
}

int em_fn_resolve_element_at(em_func_call *call, em_error *err);
int em_fn_resolve_element_at(em_func_call *call, em_error *err) { return resolve_at(call, A_ELEMENT_AT, err); }
int em_fn_resolve_try_element_at(em_func_call *call, em_error *err);
int em_fn_resolve_try_element_at(em_func_call *call, em_error *err) {
  return resolve_at(call, A_TRY_ELEMENT_AT, err);
}
int em_fn_resolve_get(em_func_call *call, em_error *err);
int em_fn_resolve_get(em_func_call *call, em_error *err) { return resolve_at(call, A_GET, err); }

/* col[i] / getItem over an array or a map (resolve_nested.c names it). */
int em_fn_resolve_get_item(em_func_call *call, em_error *err);
int em_fn_resolve_get_item(em_func_call *call, em_error *err) {
  int rc = resolve_at(call, A_ITEM, err);
  if (!rc && call->args[0]->type->id == EM_T_MAP) call->nullable = true;
  return rc;
}

/* ---- per-row scans over one array and an optional value ---- */

static int scan_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *v = e->nargs > 1 ? args[1] : NULL;
  const em_vec *el = a->children[0];
  const int32_t *o = em_vec_offsets(a);
  int op = info(e)->op;
  em_vec *r = em_fn_result(e->type, n, args, e->nargs);
  if (!r) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(r, i)) continue;
    if (op == A_CONTAINS) {
      bool found = false, saw_null = false;
      for (int32_t j = o[i]; j < o[i + 1] && !found; j++) {
        if (em_vec_is_null(el, j))
          saw_null = true;
        else if (em_nested_eq(el, j, v, i))
          found = true;
      }
      if (found)
        em_bit_set(em_vec_values(r), i);
      else if (saw_null && em_fn_set_null(r, i))
        goto fail;
    } else { /* A_POSITION */
      int64_t pos = 0;
      for (int32_t j = o[i]; j < o[i + 1]; j++)
        if (em_nested_eq(el, j, v, i)) {
          pos = j - o[i] + 1;
          break;
        }
      ((int64_t *)em_vec_values(r))[i] = pos;
    }
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
fail:
  em_vec_unref(r);
  return oom(err);
}

static int resolve_scan(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err)) return -1;
  if (em_nested_coerce_elem(call, 0, 1, err)) return -1;
  call->type = op == A_CONTAINS ? em_type_boolean() : em_type_long();
  call->nullable = call->args[0]->nullable || call->args[1]->nullable ||
                   (op == A_CONTAINS && call->args[0]->type->u.array.contains_null);
  call->kernel = scan_kernel;
  return resolve_info(call, op, err);
}

int em_fn_resolve_array_contains(em_func_call *call, em_error *err);
int em_fn_resolve_array_contains(em_func_call *call, em_error *err) { return resolve_scan(call, A_CONTAINS, err); }
int em_fn_resolve_array_position(em_func_call *call, em_error *err);
int em_fn_resolve_array_position(em_func_call *call, em_error *err) { return resolve_scan(call, A_POSITION, err); }

/* ---- set-like functions: distinct, union, intersect, except, remove,
 * compact, overlap ---- */

static int setlike_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  (void)ctx;
  int op = info(e)->op;
  const em_vec *a = args[0], *b = e->nargs > 1 ? args[1] : NULL;
  em_vec *src = NULL;
  const em_vec *ea = a->children[0];
  int64_t boff = 0;
  /* The element source: a's elements, then b's (union) or b's value (remove). */
  if (op == A_UNION) {
    src = concat2(ea, b->children[0]);
    boff = ea->len;
  } else {
    src = em_vec_ref((em_vec *)ea);
  }
  if (!src) return oom(err);
  em_valset set = {0}, other = {0};
  lout l;
  if (lout_init(&l, n)) goto fail;
  const int32_t *oa = em_vec_offsets(a), *ob = b && b->type->id == EM_T_ARRAY ? em_vec_offsets(b) : NULL;
  const em_vec *eb = ob ? b->children[0] : NULL;
  em_vec *bo = NULL;
  bool *bnull = NULL;
  (void)bo;
  (void)bnull;
  for (int64_t i = 0; i < n; i++) {
    bool null = em_vec_is_null(a, i) || (b && em_vec_is_null(b, i));
    if (null) {
      lout_end(&l, i, true);
      continue;
    }
    em_valset_reset(&set);
    bool seen_null = false;
    switch (op) {
    case A_DISTINCT:
    case A_UNION: {
      for (int pass = 0; pass < (op == A_UNION ? 2 : 1); pass++) {
        int64_t s = pass ? ob[i] : oa[i], t = pass ? ob[i + 1] : oa[i + 1];
        const em_vec *ev = pass ? eb : ea;
        int64_t base = pass ? boff : 0;
        for (int64_t j = s; j < t; j++) {
          if (em_vec_is_null(ev, j)) {
            if (!seen_null && em_i64s_push(&l.idx, -1)) goto fail;
            seen_null = true;
            continue;
          }
          int rc = em_valset_add(&set, ev, j, true);
          if (rc < 0 || (rc == 1 && em_i64s_push(&l.idx, base + j))) goto fail;
        }
      }
      break;
    }
    case A_INTERSECT:
    case A_EXCEPT: {
      em_valset_reset(&other);
      bool b_null = false;
      for (int64_t j = ob[i]; j < ob[i + 1]; j++) {
        if (em_vec_is_null(eb, j))
          b_null = true;
        else if (em_valset_add(&other, eb, j, true) < 0)
          goto fail;
      }
      for (int64_t j = oa[i]; j < oa[i + 1]; j++) {
        if (em_vec_is_null(ea, j)) {
          bool keep = op == A_INTERSECT ? b_null : !b_null;
          if (keep && !seen_null && em_i64s_push(&l.idx, -1)) goto fail;
          seen_null = true;
          continue;
        }
        int in_b = em_valset_add(&other, ea, j, false); /* 0 = present */
        if (in_b < 0) goto fail;
        bool keep = op == A_INTERSECT ? in_b == 0 : in_b == 1;
        if (!keep) continue;
        int rc = em_valset_add(&set, ea, j, true);
        if (rc < 0 || (rc == 1 && em_i64s_push(&l.idx, j))) goto fail;
      }
      break;
    }
    case A_REMOVE:
      for (int64_t j = oa[i]; j < oa[i + 1]; j++)
        if (!em_nested_eq(ea, j, b, i) && em_i64s_push(&l.idx, em_vec_is_null(ea, j) ? -1 : j)) goto fail;
      break;
    case A_COMPACT:
      for (int64_t j = oa[i]; j < oa[i + 1]; j++)
        if (!em_vec_is_null(ea, j) && em_i64s_push(&l.idx, j)) goto fail;
      break;
    }
    lout_end(&l, i, false);
  }
  em_valset_free(&set);
  em_valset_free(&other);
  int rc = lout_finish(&l, e->type, src, out, err);
  em_vec_unref(src);
  return rc;
fail:
  em_valset_free(&set);
  em_valset_free(&other);
  lout_free(&l);
  em_vec_unref(src);
  return oom(err);
}

static int overlap_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *b = args[1], *ea = a->children[0], *eb = b->children[0];
  const int32_t *oa = em_vec_offsets(a), *ob = em_vec_offsets(b);
  em_vec *r = em_fn_result(e->type, n, args, 2);
  em_valset set = {0};
  if (!r) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(r, i)) continue;
    em_valset_reset(&set);
    bool nulls = false, found = false;
    for (int64_t j = oa[i]; j < oa[i + 1]; j++) {
      if (em_vec_is_null(ea, j))
        nulls = true;
      else if (em_valset_add(&set, ea, j, true) < 0)
        goto fail;
    }
    for (int64_t j = ob[i]; j < ob[i + 1] && !found; j++) {
      if (em_vec_is_null(eb, j)) {
        nulls = true;
        continue;
      }
      int rc = em_valset_add(&set, eb, j, false);
      if (rc < 0) goto fail;
      found = rc == 0;
    }
    bool both = oa[i + 1] > oa[i] && ob[i + 1] > ob[i];
    if (found)
      em_bit_set(em_vec_values(r), i);
    else if (nulls && both && em_fn_set_null(r, i))
      goto fail;
  }
  em_valset_free(&set);
  em_fn_finish(r, n);
  *out = r;
  return 0;
fail:
  em_valset_free(&set);
  em_vec_unref(r);
  return oom(err);
}

int em_fn_resolve_array_distinct(em_func_call *call, em_error *err);
int em_fn_resolve_array_distinct(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err)) return -1;
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable;
  call->kernel = setlike_kernel;
  return resolve_info(call, em_strcaseeq(call->name, "array_compact") ? A_COMPACT : A_DISTINCT, err);
}

int em_fn_resolve_array_compact(em_func_call *call, em_error *err);
int em_fn_resolve_array_compact(em_func_call *call, em_error *err) {
  if (em_fn_resolve_array_distinct(call, err)) return -1;
  call->type = em_nested_intern(em_type_array(em_type_ref(call->type->u.array.elem), false), err);
  return call->type ? 0 : -1;
}

static int resolve_binary_set(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (em_nested_coerce_arrays(call, 0, 1, err)) return -1;
  em_type *ta = call->args[0]->type, *tb = call->args[1]->type;
  bool cn = op == A_UNION ? ta->u.array.contains_null || tb->u.array.contains_null
          : op == A_INTERSECT ? ta->u.array.contains_null && tb->u.array.contains_null
                              : ta->u.array.contains_null;
  call->type = em_nested_intern(em_type_array(em_type_ref(ta->u.array.elem), cn), err);
  if (!call->type) return -1;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = op == A_OVERLAP ? overlap_kernel : setlike_kernel;
  if (op == A_OVERLAP) {
    call->type = em_type_boolean();
    call->nullable = true;
  }
  return resolve_info(call, op, err);
}

int em_fn_resolve_array_union(em_func_call *call, em_error *err);
int em_fn_resolve_array_union(em_func_call *call, em_error *err) { return resolve_binary_set(call, A_UNION, err); }
int em_fn_resolve_array_intersect(em_func_call *call, em_error *err);
int em_fn_resolve_array_intersect(em_func_call *call, em_error *err) {
  return resolve_binary_set(call, A_INTERSECT, err);
}
int em_fn_resolve_array_except(em_func_call *call, em_error *err);
int em_fn_resolve_array_except(em_func_call *call, em_error *err) { return resolve_binary_set(call, A_EXCEPT, err); }
int em_fn_resolve_arrays_overlap(em_func_call *call, em_error *err);
int em_fn_resolve_arrays_overlap(em_func_call *call, em_error *err) {
  return resolve_binary_set(call, A_OVERLAP, err);
}

int em_fn_resolve_array_remove(em_func_call *call, em_error *err);
int em_fn_resolve_array_remove(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err) || em_nested_coerce_elem(call, 0, 1, err)) return -1;
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = setlike_kernel;
  return resolve_info(call, A_REMOVE, err);
}

/* ---- array_max / array_min ---- */

static int extreme_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *el = a->children[0];
  const int32_t *o = em_vec_offsets(a);
  bool max = info(e)->op == A_MAX;
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(n ? n : 1));
  if (!idx) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    idx[i] = -1;
    if (em_vec_is_null(a, i)) continue;
    for (int32_t j = o[i]; j < o[i + 1]; j++) {
      if (em_vec_is_null(el, j)) continue;
      if (idx[i] < 0) {
        idx[i] = j;
        continue;
      }
      int c = em_nested_cmp(el, j, el, idx[i]);
      if (max ? c > 0 : c < 0) idx[i] = j;
    }
  }
  em_vec *r = em_nested_gather(e->type, el, idx, n);
  em_free(idx);
  if (!r) return oom(err);
  *out = r;
  return 0;
}

static int resolve_extreme(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err)) return -1;
  call->type = call->args[0]->type->u.array.elem;
  call->nullable = true;
  call->kernel = extreme_kernel;
  return resolve_info(call, op, err);
}

int em_fn_resolve_array_max(em_func_call *call, em_error *err);
int em_fn_resolve_array_max(em_func_call *call, em_error *err) { return resolve_extreme(call, A_MAX, err); }
int em_fn_resolve_array_min(em_func_call *call, em_error *err);
int em_fn_resolve_array_min(em_func_call *call, em_error *err) { return resolve_extreme(call, A_MIN, err); }

/* ---- sorting ---- */

typedef struct sort_ctx {
  const em_vec *el;
  int op;
} sort_ctx;

static _Thread_local const sort_ctx *cur_sort;

static int sort_cmp(const void *x, const void *y) {
  int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
  const em_vec *el = cur_sort->el;
  bool ni = em_vec_is_null(el, i), nj = em_vec_is_null(el, j);
  int c;
  if (ni || nj) {
    if (ni == nj) return i < j ? -1 : i > j;
    /* sort_array: nulls first ascending, last descending; array_sort: last. */
    c = ni ? -1 : 1;
    if (cur_sort->op != A_SORT_ASC) c = -c;
    return c;
  }
  c = em_nested_cmp(el, i, el, j);
  if (cur_sort->op == A_SORT_DESC) c = -c;
  return c ? c : (i < j ? -1 : i > j);
}

static int sort_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_vec *a = args[0];
  int op = info(e)->op;
  if (e->nargs > 1) {
    /* sort_array(a, asc): the direction is a (foldable) boolean. */
    const em_vec *d = args[1];
    op = n > 0 && !em_vec_is_null(d, 0) && !em_bit_get(em_vec_values(d), 0) ? A_SORT_DESC : A_SORT_ASC;
  }
  sort_ctx sc = {a->children[0], op};
  lout l;
  if (lout_init(&l, n)) return oom(err);
  const int32_t *o = em_vec_offsets(a);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(a, i)) {
      lout_end(&l, i, true);
      continue;
    }
    int64_t start = l.idx.n;
    for (int32_t j = o[i]; j < o[i + 1]; j++)
      if (em_i64s_push(&l.idx, j)) {
        lout_free(&l);
        return oom(err);
      }
    const sort_ctx *saved = cur_sort;
    cur_sort = &sc;
    qsort(l.idx.p + start, (size_t)(l.idx.n - start), sizeof(int64_t), sort_cmp);
    cur_sort = saved;
    lout_end(&l, i, false);
  }
  return lout_finish(&l, e->type, a->children[0], out, err);
}

static int need_orderable(em_func_call *call, int i, em_error *err) {
  em_type *et = call->args[i]->type->u.array.elem;
  if (em_nested_orderable(et)) return 0;
  return em_nested_need(call, i, "\"ARRAY\"", err);
}

int em_fn_resolve_sort_array(em_func_call *call, em_error *err);
int em_fn_resolve_sort_array(em_func_call *call, em_error *err) {
  if (call->nargs != 1 && call->nargs != 2) return em_fn_wrong_num_args(call, "[1, 2]", err);
  if (call->nargs == 1)
    call->sql = em_arena_printf(call->arena, "sort_array(%s, true)", call->arg_sql[0]);
  else
    call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err) || need_orderable(call, 0, err)) return -1;
  if (call->nargs == 2 && call->args[1]->type->id != EM_T_BOOLEAN)
    return em_nested_need(call, 1, "\"BOOLEAN\"", err);
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable;
  call->kernel = sort_kernel;
  return resolve_info(call, A_SORT_ASC, err);
}

/* array_sort without a comparator: ascending, nulls last; Spark names it
 * with its default comparator lambda. */
int em_fn_array_sort_default(em_func_call *call, em_error *err);
int em_fn_array_sort_default(em_func_call *call, em_error *err) {
  call->sql = em_arena_printf(
      call->arena,
      "array_sort(%s, lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), 0, "
      "(IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, (IF((namedlambdavariable() < "
      "namedlambdavariable()), -1, (IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), "
      "namedlambdavariable(), namedlambdavariable()))",
      call->arg_sql[0]);
  if (need_collection(call, 0, false, err) || need_orderable(call, 0, err)) return -1;
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable;
  call->kernel = sort_kernel;
  return resolve_info(call, A_SORT_NULLS_LAST, err);
}

/* ---- reshaping: reverse, slice, append/prepend/insert, concat, flatten ---- */

static int reshape_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  (void)ctx;
  int op = info(e)->op;
  const em_vec *a = args[0], *ea = a->children[0];
  em_vec *src = NULL;
  int64_t voff = 0;
  const em_vec *v = NULL;
  if (op == A_APPEND || op == A_PREPEND || op == A_INSERT) {
    v = args[op == A_INSERT ? 2 : 1];
    src = concat2(ea, v);
    voff = ea->len;
  } else {
    src = em_vec_ref((em_vec *)ea);
  }
  if (!src) return oom(err);
  lout l;
  if (lout_init(&l, n)) {
    em_vec_unref(src);
    return oom(err);
  }
  const int32_t *o = em_vec_offsets(a);
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    bool null = em_vec_is_null(a, i);
    for (int k = 1; k < e->nargs && !null; k++)
      if ((op == A_SLICE || (op == A_INSERT && k == 1)) && em_vec_is_null(args[k], i)) null = true;
    if (null) {
      lout_end(&l, i, true);
      continue;
    }
    int64_t s = o[i], len = o[i + 1] - o[i];
    switch (op) {
    case A_REVERSE:
      for (int64_t j = s + len - 1; j >= s && !rc; j--) rc = em_i64s_push(&l.idx, em_vec_is_null(ea, j) ? -1 : j);
      break;
    case A_APPEND:
      for (int64_t j = s; j < s + len && !rc; j++) rc = em_i64s_push(&l.idx, j);
      if (!rc) rc = em_i64s_push(&l.idx, em_vec_is_null(v, i) ? -1 : voff + i);
      break;
    case A_PREPEND:
      rc = em_i64s_push(&l.idx, em_vec_is_null(v, i) ? -1 : voff + i);
      for (int64_t j = s; j < s + len && !rc; j++) rc = em_i64s_push(&l.idx, j);
      break;
    case A_INSERT: {
      int64_t pos = int_at(args[1], i);
      if (pos == 0) {
        lout_free(&l);
        em_vec_unref(src);
        return em_error_set(err, EM_ERR_INVALID_INDEX_OF_ZERO, NULL);
      }
      int64_t vi = em_vec_is_null(v, i) ? -1 : voff + i;
      if (pos > 0) {
        int64_t at = pos - 1;
        for (int64_t j = 0; j < len && !rc; j++) {
          if (j == at) rc = em_i64s_push(&l.idx, vi);
          if (!rc) rc = em_i64s_push(&l.idx, s + j);
        }
        if (at >= len) {
          for (int64_t j = len; j < at && !rc; j++) rc = em_i64s_push(&l.idx, -1);
          if (!rc) rc = em_i64s_push(&l.idx, vi);
        }
      } else {
        /* -1 inserts after the last element; beyond the start pads with NULLs. */
        int64_t at = len + pos + 1; /* position of the new element from the start */
        if (at >= 0) {
          for (int64_t j = 0; j < len && !rc; j++) {
            if (j == at) rc = em_i64s_push(&l.idx, vi);
            if (!rc) rc = em_i64s_push(&l.idx, s + j);
          }
          if (at >= len && !rc) rc = em_i64s_push(&l.idx, vi);
        } else {
          rc = em_i64s_push(&l.idx, vi);
          for (int64_t j = 0; j < -at - 1 && !rc; j++) rc = em_i64s_push(&l.idx, -1);
          for (int64_t j = 0; j < len && !rc; j++) rc = em_i64s_push(&l.idx, s + j);
        }
      }
      break;
    }
    case A_SLICE: {
      int64_t start = int_at(args[1], i), cnt = int_at(args[2], i);
      if (start == 0) {
        lout_free(&l);
        em_vec_unref(src);
        em_error_set(err, EM_ERR_INVALID_PARAMETER_VALUE_START, "parameter", "`start`", "functionName", "`slice`",
                     NULL);
        em_error_no_context(err); /* as Spark */
        return -1;
      }
      if (cnt < 0) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)cnt);
        lout_free(&l);
        em_vec_unref(src);
        return em_error_set(err, EM_ERR_INVALID_PARAMETER_VALUE_LENGTH, "parameter", "`length`", "length", buf,
                            "functionName", "`slice`", NULL);
      }
      int64_t from = start > 0 ? start - 1 : len + start;
      if (from < 0 || from >= len) break;
      for (int64_t j = from; j < len && j < from + cnt && !rc; j++)
        rc = em_i64s_push(&l.idx, em_vec_is_null(ea, s + j) ? -1 : s + j);
      break;
    }
    }
    lout_end(&l, i, false);
  }
  if (rc) {
    lout_free(&l);
    em_vec_unref(src);
    return oom(err);
  }
  rc = lout_finish(&l, e->type, src, out, err);
  em_vec_unref(src);
  return rc;
}

static int resolve_reshape(em_func_call *call, int op, int nargs, em_error *err) {
  if (call->nargs != nargs) return em_fn_wrong_num_args(call, nargs == 1 ? "1" : nargs == 2 ? "2" : "3", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err)) return -1;
  em_type *at = call->args[0]->type;
  call->type = at;
  call->nullable = call->args[0]->nullable;
  if (op == A_APPEND || op == A_PREPEND || op == A_INSERT) {
    int vi = op == A_INSERT ? 2 : 1;
    if (em_nested_coerce_elem(call, 0, vi, err)) return -1;
    at = call->args[0]->type;
    bool cn = at->u.array.contains_null || call->args[vi]->nullable || op == A_INSERT;
    call->type = em_nested_intern(em_type_array(em_type_ref(at->u.array.elem), cn), err);
    if (!call->type) return -1;
  }
  if (op == A_INSERT) {
    if (!em_type_is_integral(call->args[1]->type)) return em_nested_need(call, 1, "\"INT\"", err);
    if (em_coerce_arg(call, 1, em_type_int(), err)) return -1;
    call->nullable |= call->args[1]->nullable;
  }
  if (op == A_SLICE) {
    for (int i = 1; i < 3; i++) {
      if (!em_type_is_integral(call->args[i]->type)) return em_nested_need(call, i, "\"INT\"", err);
      if (em_coerce_arg(call, i, em_type_int(), err)) return -1;
      call->nullable |= call->args[i]->nullable;
    }
  }
  call->kernel = reshape_kernel;
  return resolve_info(call, op, err);
}

int em_fn_resolve_array_append(em_func_call *call, em_error *err);
int em_fn_resolve_array_append(em_func_call *call, em_error *err) { return resolve_reshape(call, A_APPEND, 2, err); }
int em_fn_resolve_array_prepend(em_func_call *call, em_error *err);
int em_fn_resolve_array_prepend(em_func_call *call, em_error *err) {
  return resolve_reshape(call, A_PREPEND, 2, err);
}
int em_fn_resolve_array_insert(em_func_call *call, em_error *err);
int em_fn_resolve_array_insert(em_func_call *call, em_error *err) { return resolve_reshape(call, A_INSERT, 3, err); }
int em_fn_resolve_slice(em_func_call *call, em_error *err);
int em_fn_resolve_slice(em_func_call *call, em_error *err) { return resolve_reshape(call, A_SLICE, 3, err); }
int em_fn_resolve_array_reverse(em_func_call *call, em_error *err);
int em_fn_resolve_array_reverse(em_func_call *call, em_error *err) {
  return resolve_reshape(call, A_REVERSE, 1, err);
}

/* concat of arrays: NULL when any input is NULL. */
static int concat_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  int k = e->nargs;
  em_type *et = e->type->u.array.elem;
  em_vec *el = em_vec_new(et, 0);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  if (!el || !offs || !valid) goto fail;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    bool null = false;
    for (int j = 0; j < k; j++) null |= em_vec_is_null(args[j], i);
    if (null) {
      em_bit_clear(valid, i);
    } else {
      for (int j = 0; j < k; j++) {
        const int32_t *o = em_vec_offsets(args[j]);
        em_vec *src = args[j]->children[0];
        if (o[i + 1] > o[i] && em_vec_append_range(el, src, o[i], o[i + 1] - o[i])) goto fail;
      }
    }
    offs[i + 1] = (int32_t)el->len;
  }
  em_vec *r = em_nested_make_list(e->type, n, offs, valid, el);
  em_free(offs);
  em_free(valid);
  if (!r) return oom(err);
  *out = r;
  return 0;
fail:
  if (el) em_vec_unref(el);
  em_free(offs);
  em_free(valid);
  return oom(err);
}

bool em_fn_concat_is_array(const em_func_call *call);
bool em_fn_concat_is_array(const em_func_call *call) {
  for (int i = 0; i < call->nargs; i++)
    if (call->args[i]->type->id == EM_T_ARRAY) return true;
  return false;
}

int em_fn_resolve_concat_arrays(em_func_call *call, em_error *err);
int em_fn_resolve_concat_arrays(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, "concat");
  em_type *w = em_type_null();
  for (int i = 0; i < call->nargs; i++) {
    em_type *nw = em_nested_wider(w, call->args[i]->type, call->ansi);
    em_type_unref(w);
    if (!nw || nw->id != EM_T_ARRAY) {
      if (nw) em_type_unref(nw);
      return em_nested_need(call, i, "\"ARRAY\"", err);
    }
    w = nw;
  }
  em_type *t = em_nested_intern(w, err);
  if (!t) return -1;
  for (int i = 0; i < call->nargs; i++)
    if (!em_type_equal(call->args[i]->type, t, true) && em_coerce_arg(call, i, t, err)) return -1;
  call->type = t;
  call->nullable = any_nullable(call, 0);
  call->kernel = concat_kernel;
  return 0;
}

/* flatten: NULL when the outer array or any inner array is NULL. */
static int flatten_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *inner = a->children[0], *el = inner->children[0];
  const int32_t *o = em_vec_offsets(a), *io = em_vec_offsets(inner);
  lout l;
  if (lout_init(&l, n)) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    bool null = em_vec_is_null(a, i);
    for (int32_t j = o[i]; j < o[i + 1] && !null; j++) null = em_vec_is_null(inner, j);
    if (!null)
      for (int32_t j = o[i]; j < o[i + 1]; j++)
        for (int32_t k = io[j]; k < io[j + 1]; k++)
          if (em_i64s_push(&l.idx, em_vec_is_null(el, k) ? -1 : k)) {
            lout_free(&l);
            return oom(err);
          }
    lout_end(&l, i, null);
  }
  return lout_finish(&l, e->type, el, out, err);
}

int em_fn_resolve_flatten(em_func_call *call, em_error *err);
int em_fn_resolve_flatten(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  em_type *t = call->args[0]->type;
  if (t->id != EM_T_ARRAY || t->u.array.elem->id != EM_T_ARRAY)
    return em_nested_need(call, 0, "\"ARRAY\" of \"ARRAY\"", err);
  call->type = t->u.array.elem;
  call->nullable = call->args[0]->nullable || t->u.array.contains_null;
  call->kernel = flatten_kernel;
  return 0;
}

/* ---- array_repeat, sequence ---- */

static int repeat_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  const em_vec *v = args[0], *c = args[1];
  lout l;
  if (lout_init(&l, n)) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(c, i)) {
      lout_end(&l, i, true);
      continue;
    }
    int64_t k = int_at(c, i);
    for (int64_t j = 0; j < k; j++)
      if (em_i64s_push(&l.idx, em_vec_is_null(v, i) ? -1 : i)) {
        lout_free(&l);
        return oom(err);
      }
    lout_end(&l, i, false);
  }
  return lout_finish(&l, e->type, v, out, err);
}

int em_fn_resolve_array_repeat(em_func_call *call, em_error *err);
int em_fn_resolve_array_repeat(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (!em_type_is_integral(call->args[1]->type) || call->args[1]->type->id == EM_T_LONG)
    return em_nested_need(call, 1, "\"INT\"", err);
  if (em_coerce_arg(call, 1, em_type_int(), err)) return -1;
  call->type = em_nested_intern(em_type_array(em_type_ref(call->args[0]->type), call->args[0]->nullable), err);
  if (!call->type) return -1;
  call->nullable = call->args[1]->nullable;
  call->kernel = repeat_kernel;
  return 0;
}

static int sequence_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                           em_error *err) {
  (void)ctx;
  em_type *et = e->type->u.array.elem;
  em_vec *el = em_vec_new(et, 0);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  if (!el || !offs || !valid) goto fail;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  int w = em_type_fixed_width(et);
  for (int64_t i = 0; i < n; i++) {
    bool null = false;
    for (int k = 0; k < e->nargs; k++) null |= em_vec_is_null(args[k], i);
    if (null) {
      em_bit_clear(valid, i);
      offs[i + 1] = (int32_t)el->len;
      continue;
    }
    int64_t a = int_at(args[0], i), b = int_at(args[1], i);
    int64_t step = e->nargs > 2 ? int_at(args[2], i) : (a <= b ? 1 : -1);
    if (!((step > 0 && a <= b) || (step < 0 && a >= b) || (step == 0 && a == b))) {
      char msg[200];
      snprintf(msg, sizeof msg, "requirement failed: Illegal sequence boundaries: %lld to %lld by %lld", (long long)a,
               (long long)b, (long long)step);
      em_vec_unref(el);
      em_free(offs);
      em_free(valid);
      em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
      em_error_no_context(err); /* as Spark */
      return -1;
    }
    __int128 cnt = step == 0 ? 1 : ((__int128)b - a) / step + 1;
    if (cnt + el->len > 2147483632) {
      em_vec_unref(el);
      em_free(offs);
      em_free(valid);
      return em_error_internal(err, "sequence too long");
    }
    for (int64_t k = 0; k < (int64_t)cnt; k++) {
      int64_t x = a + k * step;
      int32_t x32 = (int32_t)x;
      int16_t x16 = (int16_t)x;
      int8_t x8 = (int8_t)x;
      const void *p = w == 8 ? (const void *)&x : w == 4 ? (const void *)&x32 : w == 2 ? (const void *)&x16 : &x8;
      if (em_vec_append_fixed(el, p)) goto fail;
    }
    offs[i + 1] = (int32_t)el->len;
  }
  em_vec *r = em_nested_make_list(e->type, n, offs, valid, el);
  em_free(offs);
  em_free(valid);
  if (!r) return oom(err);
  *out = r;
  return 0;
fail:
  if (el) em_vec_unref(el);
  em_free(offs);
  em_free(valid);
  return oom(err);
}

int em_fn_resolve_sequence(em_func_call *call, em_error *err);
bool em_fn_sequence_is_temporal(const em_func_call *call);
int em_fn_resolve_sequence_temporal(em_func_call *call, em_error *err);
int em_fn_resolve_sequence(em_func_call *call, em_error *err) {
  if (call->nargs != 2 && call->nargs != 3) return em_fn_wrong_num_args(call, "[2, 3]", err);
  call->sql = em_fn_sql_call(call, call->name);
  /* Dates and timestamps: fn_sequence_time.c. */
  if (em_fn_sequence_is_temporal(call)) return em_fn_resolve_sequence_temporal(call, err);
  em_type *w = em_type_null();
  for (int i = 0; i < call->nargs; i++) {
    if (!em_type_is_integral(call->args[i]->type)) return em_nested_need(call, i, "\"INTEGRAL\"", err);
    em_type *nw = em_coerce_wider(w, call->args[i]->type, call->ansi);
    if (nw) w = nw;
  }
  for (int i = 0; i < call->nargs; i++)
    if (em_coerce_arg(call, i, w, err)) return -1;
  call->type = em_nested_intern(em_type_array(w, false), err);
  if (!call->type) return -1;
  call->nullable = any_nullable(call, 0);
  call->kernel = sequence_kernel;
  return 0;
}

/* ---- arrays_zip ---- */

static int zip_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                      em_error *err) {
  (void)ctx;
  int k = e->nargs;
  em_type *st = e->type->u.array.elem;
  em_i64s *idx = em_calloc((size_t)k, sizeof *idx);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  em_vec **fields = em_calloc((size_t)k, sizeof *fields);
  int64_t total = 0;
  if (!idx || !offs || !valid || !fields) goto fail;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    bool null = false;
    int64_t m = 0;
    for (int j = 0; j < k; j++) {
      if (em_vec_is_null(args[j], i)) {
        null = true;
        break;
      }
      const int32_t *o = em_vec_offsets(args[j]);
      if (o[i + 1] - o[i] > m) m = o[i + 1] - o[i];
    }
    if (null) {
      em_bit_clear(valid, i);
      offs[i + 1] = (int32_t)total;
      continue;
    }
    for (int j = 0; j < k; j++) {
      const int32_t *o = em_vec_offsets(args[j]);
      for (int64_t p = 0; p < m; p++) {
        int64_t at = p < o[i + 1] - o[i] ? o[i] + p : -1;
        if (at >= 0 && em_vec_is_null(args[j]->children[0], at)) at = -1;
        if (em_i64s_push(&idx[j], at)) goto fail;
      }
    }
    total += m;
    offs[i + 1] = (int32_t)total;
  }
  for (int j = 0; j < k; j++)
    if (!(fields[j] = em_nested_gather(st->u.st.fields[j].type, args[j]->children[0], idx[j].p, total))) goto fail;
  em_vec *sv = em_nested_make_struct(st, total, NULL, fields);
  for (int j = 0; j < k; j++) fields[j] = NULL;
  em_vec *r = sv ? em_nested_make_list(e->type, n, offs, valid, sv) : NULL;
  for (int j = 0; j < k; j++) em_i64s_free(&idx[j]);
  em_free(idx);
  em_free(offs);
  em_free(valid);
  em_free(fields);
  if (!r) return oom(err);
  *out = r;
  return 0;
fail:
  for (int j = 0; idx && j < k; j++) em_i64s_free(&idx[j]);
  for (int j = 0; fields && j < k; j++)
    if (fields[j]) em_vec_unref(fields[j]);
  em_free(idx);
  em_free(offs);
  em_free(valid);
  em_free(fields);
  return oom(err);
}

/* Field names: an argument's column name when it is a column or alias
 * (the caller passes them in call->data as char**), else its position. */
int em_fn_resolve_arrays_zip(em_func_call *call, em_error *err);
int em_fn_resolve_arrays_zip(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, call->name);
  char **names = call->data;
  call->data = NULL;
  em_type *st = em_type_struct_new(call->nargs);
  if (!st) return em_error_internal(err, "out of memory");
  for (int i = 0; i < call->nargs; i++) {
    if (call->args[i]->type->id != EM_T_ARRAY) {
      em_type_unref(st);
      return em_nested_need(call, i, "\"ARRAY\"", err);
    }
    char buf[16];
    snprintf(buf, sizeof buf, "%d", i);
    const char *nm = names && names[i] ? names[i] : buf;
    if (em_type_struct_set(st, i, nm, em_type_ref(call->args[i]->type->u.array.elem), true, NULL)) {
      em_type_unref(st);
      return em_error_internal(err, "out of memory");
    }
  }
  call->type = em_nested_intern(em_type_array(st, false), err);
  if (!call->type) return -1;
  call->nullable = any_nullable(call, 0);
  call->kernel = zip_kernel;
  return 0;
}

/* ---- array_join ---- */

static int join_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *el = a->children[0], *d = args[1], *nr = e->nargs > 2 ? args[2] : NULL;
  const int32_t *o = em_vec_offsets(a);
  em_vec *r = em_vec_new(e->type, n);
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (!r) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(a, i) || em_vec_is_null(d, i) || (nr && em_vec_is_null(nr, i))) {
      if (em_vec_append_null(r)) goto fail;
      continue;
    }
    sb.len = 0;
    if (sb.data) sb.data[0] = '\0';
    int32_t dl, rl = 0;
    const char *dp = em_vec_str(d, i, &dl), *rp = nr ? em_vec_str(nr, i, &rl) : NULL;
    bool first = true;
    for (int32_t j = o[i]; j < o[i + 1]; j++) {
      int32_t l;
      const char *p;
      if (em_vec_is_null(el, j)) {
        if (!rp) continue;
        p = rp;
        l = rl;
      } else {
        p = em_vec_str(el, j, &l);
      }
      if (!first) em_strbuf_append(&sb, dp, (size_t)dl);
      em_strbuf_append(&sb, p, (size_t)l);
      first = false;
    }
    if (em_vec_append_bytes(r, sb.data ? sb.data : "", sb.len)) goto fail;
  }
  em_strbuf_free(&sb);
  *out = r;
  return 0;
fail:
  em_strbuf_free(&sb);
  em_vec_unref(r);
  return oom(err);
}

int em_fn_resolve_array_join(em_func_call *call, em_error *err);
int em_fn_resolve_array_join(em_func_call *call, em_error *err) {
  if (call->nargs != 2 && call->nargs != 3) return em_fn_wrong_num_args(call, "[2, 3]", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (need_collection(call, 0, false, err)) return -1;
  em_type *et = call->args[0]->type->u.array.elem;
  if (em_type_is_nested(et)) return em_nested_need(call, 0, "\"ARRAY<STRING>\"", err);
  if (et->id != EM_T_STRING) {
    em_type *t = em_nested_intern(em_type_array(em_type_string(), call->args[0]->type->u.array.contains_null), err);
    if (!t || em_coerce_arg(call, 0, t, err)) return -1;
  }
  for (int i = 1; i < call->nargs; i++)
    if (em_coerce_arg(call, i, em_type_string(), err)) return -1;
  call->type = em_type_string();
  call->nullable = any_nullable(call, 0);
  call->kernel = join_kernel;
  return 0;
}

/* ---- generators outside a select ----
 * A select's generators become a Generate node (plan/resolve_generate.c);
 * anywhere else Spark refuses them. The call is typed (so the enclosing
 * expression can be named in the error) and fails if ever evaluated. */
static int generator_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)args;
  (void)n;
  (void)ctx;
  (void)out;
  return em_error_set(err, EM_ERR_UNSUPPORTED_GENERATOR_OUTSIDE_SELECT, "plan", e->u.fn.name, NULL);
}

bool em_expr_has_generator(const em_expr *e) {
  if (e->kind == EM_EX_CALL && e->u.fn.kernel == generator_kernel) return true;
  for (int i = 0; i < e->nargs; i++)
    if (e->args[i] && em_expr_has_generator(e->args[i])) return true;
  return false;
}

int em_fn_resolve_generator(em_func_call *call, em_error *err);
int em_fn_resolve_generator(em_func_call *call, em_error *err) {
  (void)err;
  call->sql = em_fn_sql_call(call, call->name);
  em_type *t = call->nargs > 0 ? call->args[call->nargs - 1]->type : em_type_null();
  if (t->id == EM_T_ARRAY) t = t->u.array.elem;
  else if (t->id == EM_T_MAP) t = t->u.map.value;
  call->type = t;
  call->nullable = true;
  call->kernel = generator_kernel;
  return 0;
}
