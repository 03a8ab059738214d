/*
 * Map functions: map()/create_map, map_from_arrays, map_from_entries,
 * str_to_map, map_keys, map_values, map_entries, map_concat,
 * map_contains_key. Maps are built from key and value element vectors
 * plus offsets; a NULL key is NULL_MAP_KEY and a repeated key
 * DUPLICATED_MAP_KEY (spark.sql.mapKeyDedupPolicy=EXCEPTION, the default).
 */
#include "fn_nested.h"
#include "regex.h"

#include <stdio.h>
#include <string.h>

enum { M_KEYS, M_VALUES, M_ENTRIES };

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a map function"); }

static int dup_key_error(const em_vec *k, int64_t i, em_error *err) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_format_opts fo = {0};
  em_error ferr;
  em_format_value(k, i, &fo, &sb, &ferr);
  em_error_set(err, EM_ERR_DUPLICATED_MAP_KEY, "key", sb.data ? sb.data : "", "mapKeyDedupPolicy",
               "\"spark.sql.mapKeyDedupPolicy\"", NULL);
  em_error_no_context(err); /* as Spark */
  em_strbuf_free(&sb);
  return -1;
}

/* The entries struct type of a map type (a new reference). */
static em_type *entries_type(const em_type *mt) {
  em_type *st = em_type_struct_new(2);
  if (!st) return NULL;
  if (em_type_struct_set(st, 0, "key", em_type_ref(mt->u.map.key), false, NULL) ||
      em_type_struct_set(st, 1, "value", em_type_ref(mt->u.map.value), mt->u.map.value_contains_null, NULL)) {
    em_type_unref(st);
    return NULL;
  }
  return st;
}

/* A map of n rows from keys/values at kidx/vidx (per entry), offsets and
 * validity; checks keys (not NULL, unique per row). */
static int build_map_raw(em_type *mt, int64_t n, const em_vec *ks, const int64_t *kidx, const em_vec *vs,
                         const int64_t *vidx, int64_t m, const int32_t *offs, const uint8_t *valid, em_vec **out,
                         em_error *err);

/* LAST_WIN: per row, a repeated key keeps the position of its first
 * occurrence and takes the value of its last (Spark's
 * ArrayBasedMapBuilder); rows stay small, so a linear scan finds them. */
static int build_map_last_win(em_type *mt, int64_t n, const em_vec *ks, const int64_t *kidx, const em_vec *vs,
                              const int64_t *vidx, int64_t m, const int32_t *offs, const uint8_t *valid,
                              em_vec **out, em_error *err) {
  int64_t *nk = em_malloc(sizeof *nk * (size_t)(m + 1)), *nv = em_malloc(sizeof *nv * (size_t)(m + 1));
  int32_t *no = em_malloc(sizeof *no * (size_t)(n + 1));
  int rc;
  if (!nk || !nv || !no) {
    rc = oom(err);
    goto done;
  }
  int64_t w = 0;
  no[0] = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t first = w;
    if (!valid || em_bit_get(valid, i)) {
      for (int32_t j = offs[i]; j < offs[i + 1]; j++) {
        int64_t at = -1;
        if (kidx[j] >= 0 && !em_vec_is_null(ks, kidx[j]))
          for (int64_t q = first; q < w && at < 0; q++)
            if (nk[q] >= 0 && !em_vec_is_null(ks, nk[q]) && em_nested_cmp(ks, nk[q], ks, kidx[j]) == 0) at = q;
        if (at >= 0) {
          nv[at] = vidx[j];
        } else {
          nk[w] = kidx[j];
          nv[w++] = vidx[j];
        }
      }
    }
    no[i + 1] = (int32_t)w;
  }
  rc = build_map_raw(mt, n, ks, nk, vs, nv, w, no, valid, out, err);
done:
  em_free(nk);
  em_free(nv);
  em_free(no);
  return rc;
}

static int build_map(em_type *mt, int64_t n, const em_vec *ks, const int64_t *kidx, const em_vec *vs,
                     const int64_t *vidx, int64_t m, const int32_t *offs, const uint8_t *valid, em_vec **out,
                     em_error *err, const em_eval_ctx *ctx) {
  if (ctx && ctx->map_last_win) return build_map_last_win(mt, n, ks, kidx, vs, vidx, m, offs, valid, out, err);
  return build_map_raw(mt, n, ks, kidx, vs, vidx, m, offs, valid, out, err);
}

static int build_map_raw(em_type *mt, int64_t n, const em_vec *ks, const int64_t *kidx, const em_vec *vs,
                         const int64_t *vidx, int64_t m, const int32_t *offs, const uint8_t *valid, em_vec **out,
                         em_error *err) {
  em_vec *kv = em_nested_gather(mt->u.map.key, ks, kidx, m);
  em_vec *vv = kv ? em_nested_gather(mt->u.map.value, vs, vidx, m) : NULL;
  if (!vv) {
    if (kv) em_vec_unref(kv);
    return oom(err);
  }
  em_valset set = {0};
  for (int64_t i = 0; i < n; i++) {
    if (valid && !em_bit_get(valid, i)) continue;
    em_valset_reset(&set);
    for (int32_t j = offs[i]; j < offs[i + 1]; j++) {
      if (em_vec_is_null(kv, j)) {
        em_valset_free(&set);
        em_vec_unref(kv);
        em_vec_unref(vv);
        em_error_set(err, EM_ERR_NULL_MAP_KEY, NULL);
        em_error_no_context(err); /* as Spark */
        return -1;
      }
      int r = em_valset_add(&set, kv, j, true);
      if (r <= 0) {
        em_valset_free(&set);
        int rc = r < 0 ? oom(err) : dup_key_error(kv, j, err);
        em_vec_unref(kv);
        em_vec_unref(vv);
        return rc;
      }
    }
  }
  em_valset_free(&set);
  em_type *et = entries_type(mt);
  em_vec *f[2] = {kv, vv};
  em_vec *ent = et ? em_nested_make_struct(et, m, NULL, f) : NULL;
  if (et) em_type_unref(et);
  if (!et) {
    em_vec_unref(kv);
    em_vec_unref(vv);
  }
  em_vec *r = ent ? em_nested_make_list(mt, n, offs, valid, ent) : NULL;
  if (!r) return oom(err);
  *out = r;
  return 0;
}

/* ---- map(k1, v1, ...) ---- */

static int map_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                      em_error *err) {
  (void)ctx;
  int np = e->nargs / 2;
  em_type *mt = e->type;
  em_vec *ks = em_vec_new(mt->u.map.key, n * np), *vs = em_vec_new(mt->u.map.value, n * np);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(n * np + 1));
  int rc = -1;
  if (!ks || !vs || !offs || !idx) goto oom;
  for (int p = 0; p < np; p++)
    if (em_vec_append_range(ks, args[2 * p], 0, n) || em_vec_append_range(vs, args[2 * p + 1], 0, n)) goto oom;
  for (int64_t i = 0, m = 0; i < n; i++) {
    for (int p = 0; p < np; p++) idx[m++] = p * n + i;
    offs[i + 1] = (int32_t)m;
  }
  rc = build_map(mt, n, ks, idx, vs, idx, n * np, offs, NULL, out, err, ctx);
  goto done;
oom:
  rc = oom(err);
done:
  if (ks) em_vec_unref(ks);
  if (vs) em_vec_unref(vs);
  em_free(offs);
  em_free(idx);
  return rc;
}

static em_type *wider_of(em_func_call *call, int from, int step, em_error *err) {
  em_type *w = em_type_null();
  for (int i = from; i < call->nargs; i += step) {
    em_type *nw = em_nested_wider(w, call->args[i]->type, call->ansi);
    em_type_unref(w);
    if (!nw) return NULL;
    w = nw;
  }
  return em_nested_intern(w, err);
}

int em_fn_resolve_map(em_func_call *call, em_error *err);
int em_fn_resolve_map(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, "map");
  if (call->nargs % 2) {
    /* Raised by the type check itself: a plain AnalysisException. */
    em_fn_wrong_num_args(call, "2n (n > 0)", err);
    err->cls = EM_ERR_PLAIN_WRONG_NUM_ARGS_WITHOUT_SUGGESTION;
    return -1;
  }
  em_type *kt = wider_of(call, 0, 2, err), *vt = kt ? wider_of(call, 1, 2, err) : NULL;
  if (!kt || !vt) return em_nested_need(call, 0, "\"MAP\"", err);
  bool vnull = false;
  for (int i = 0; i < call->nargs; i++) {
    if (em_coerce_arg(call, i, i % 2 ? vt : kt, err)) return -1;
    if (i % 2) vnull |= call->args[i]->nullable;
  }
  call->type = em_nested_intern(em_type_map(em_type_ref(kt), em_type_ref(vt), vnull), err);
  if (!call->type) return -1;
  call->nullable = false;
  call->kernel = map_kernel;
  return 0;
}

/* ---- map_from_arrays, map_from_entries ---- */

static int from_arrays_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                              em_error *err) {
  (void)ctx;
  const em_vec *ka = args[0], *va = args[1];
  const int32_t *ok = em_vec_offsets(ka), *ov = em_vec_offsets(va);
  em_i64s kidx = {0}, vidx = {0};
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  int rc = -1;
  if (!offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    if (em_vec_is_null(ka, i) || em_vec_is_null(va, i)) {
      em_bit_clear(valid, i);
      continue;
    }
    if (ok[i + 1] - ok[i] != ov[i + 1] - ov[i]) {
      em_error_set(err, EM_ERR_MAP_ARRAYS_LENGTH_MISMATCH, NULL);
      /* A legacy class: Spark renders the bare message, without a context. */
      snprintf(err->msg, sizeof err->msg, "The key array and value array of MapData must have the same length.");
      em_error_no_context(err);
      rc = -1;
      goto done;
    }
    for (int32_t j = 0; j < ok[i + 1] - ok[i]; j++)
      if (em_i64s_push(&kidx, ok[i] + j) || em_i64s_push(&vidx, ov[i] + j)) goto oom;
    offs[i + 1] = (int32_t)kidx.n;
  }
  rc = build_map(e->type, n, ka->children[0], kidx.p, va->children[0], vidx.p, kidx.n, offs, valid, out, err, ctx);
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&kidx);
  em_i64s_free(&vidx);
  em_free(offs);
  em_free(valid);
  return rc;
}

int em_fn_resolve_map_from_arrays(em_func_call *call, em_error *err);
int em_fn_resolve_map_from_arrays(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  for (int i = 0; i < 2; i++)
    if (call->args[i]->type->id != EM_T_ARRAY) return em_nested_need(call, i, "\"ARRAY\"", err);
  em_type *kt = call->args[0]->type->u.array.elem, *vt = call->args[1]->type->u.array.elem;
  call->type = em_nested_intern(em_type_map(em_type_ref(kt), em_type_ref(vt), call->args[1]->type->u.array.contains_null),
                                err);
  if (!call->type) return -1;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = from_arrays_kernel;
  return 0;
}

static int from_entries_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                               em_error *err) {
  (void)ctx;
  const em_vec *a = args[0], *st = a->children[0];
  const int32_t *o = em_vec_offsets(a);
  em_i64s idx = {0};
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  int rc = -1;
  if (!offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    bool null = em_vec_is_null(a, i);
    for (int32_t j = o[i]; j < o[i + 1] && !null; j++) null = em_vec_is_null(st, j);
    if (null) {
      em_bit_clear(valid, i);
      continue;
    }
    for (int32_t j = o[i]; j < o[i + 1]; j++)
      if (em_i64s_push(&idx, j)) goto oom;
    offs[i + 1] = (int32_t)idx.n;
  }
  rc = build_map(e->type, n, st->children[0], idx.p, st->children[1], idx.p, idx.n, offs, valid, out, err, ctx);
  goto done;
oom:
  rc = oom(err);
done:
  em_i64s_free(&idx);
  em_free(offs);
  em_free(valid);
  return rc;
}

int em_fn_resolve_map_from_entries(em_func_call *call, em_error *err);
int em_fn_resolve_map_from_entries(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  em_type *t = call->args[0]->type;
  if (t->id != EM_T_ARRAY || t->u.array.elem->id != EM_T_STRUCT || t->u.array.elem->u.st.nfields != 2)
    return em_nested_need(call, 0, "\"ARRAY\" of pair \"STRUCT\"", err);
  const em_type *st = t->u.array.elem;
  call->type = em_nested_intern(em_type_map(em_type_ref(st->u.st.fields[0].type), em_type_ref(st->u.st.fields[1].type),
                                            st->u.st.fields[1].nullable),
                                err);
  if (!call->type) return -1;
  call->nullable = true;
  call->kernel = from_entries_kernel;
  return 0;
}

/* ---- map_keys, map_values, map_entries ---- */

static int parts_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  (void)ctx;
  const em_vec *m = args[0], *ent = m->children[0];
  int op = ((const em_fn_info *)e->u.fn.data)->op;
  em_vec *el = op == M_ENTRIES ? em_vec_ref((em_vec *)ent) : em_vec_ref(ent->children[op == M_KEYS ? 0 : 1]);
  em_vec *r = em_nested_make_list(e->type, n, em_vec_offsets(m), m->validity ? m->validity->data : NULL, el);
  if (!r) return oom(err);
  *out = r;
  return 0;
}

static int resolve_parts(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, call->name);
  em_type *t = call->args[0]->type;
  if (t->id != EM_T_MAP) return em_nested_need(call, 0, "\"MAP\"", err);
  em_type *et;
  if (op == M_KEYS)
    et = em_type_array(em_type_ref(t->u.map.key), true); /* Spark 4.2 reports containsNull = true */
  else if (op == M_VALUES)
    et = em_type_array(em_type_ref(t->u.map.value), t->u.map.value_contains_null);
  else {
    em_type *st = entries_type(t);
    et = st ? em_type_array(st, false) : NULL;
  }
  call->type = em_nested_intern(et, err);
  if (!call->type) return -1;
  call->nullable = call->args[0]->nullable;
  call->kernel = parts_kernel;
  if (!(call->data = em_fn_info_new(call, op))) return oom(err);
  return 0;
}

int em_fn_resolve_map_keys(em_func_call *call, em_error *err);
int em_fn_resolve_map_keys(em_func_call *call, em_error *err) { return resolve_parts(call, M_KEYS, err); }
int em_fn_resolve_map_values(em_func_call *call, em_error *err);
int em_fn_resolve_map_values(em_func_call *call, em_error *err) { return resolve_parts(call, M_VALUES, err); }
int em_fn_resolve_map_entries(em_func_call *call, em_error *err);
int em_fn_resolve_map_entries(em_func_call *call, em_error *err) { return resolve_parts(call, M_ENTRIES, err); }

/* ---- map_concat ---- */

static int concat_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  int k = e->nargs;
  em_type *mt = e->type;
  em_type *et = entries_type(mt);
  em_vec *all = et ? em_vec_new(et, 0) : NULL;
  em_i64s idx = {0};
  int64_t *base = em_calloc((size_t)k + 1, sizeof *base);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  int rc = -1;
  if (et) em_type_unref(et);
  if (!all || !base || !offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int j = 0; j < k; j++) {
    base[j] = all->len;
    const em_vec *ent = args[j]->children[0];
    if (em_vec_append_range(all, ent, 0, ent->len)) goto oom;
  }
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    bool null = false;
    for (int j = 0; j < k; j++) null |= em_vec_is_null(args[j], i);
    if (null) {
      em_bit_clear(valid, i);
      continue;
    }
    for (int j = 0; j < k; j++) {
      const int32_t *o = em_vec_offsets(args[j]);
      for (int32_t x = o[i]; x < o[i + 1]; x++)
        if (em_i64s_push(&idx, base[j] + x)) goto oom;
    }
    offs[i + 1] = (int32_t)idx.n;
  }
  rc = build_map(mt, n, all->children[0], idx.p, all->children[1], idx.p, idx.n, offs, valid, out, err, ctx);
  goto done;
oom:
  rc = oom(err);
done:
  if (all) em_vec_unref(all);
  em_i64s_free(&idx);
  em_free(base);
  em_free(offs);
  em_free(valid);
  return rc;
}

int em_fn_resolve_map_concat(em_func_call *call, em_error *err);
int em_fn_resolve_map_concat(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, call->name);
  em_type *w = wider_of(call, 0, 1, err);
  if (!w || (call->nargs && w->id != EM_T_MAP)) return em_nested_need(call, 0, "\"MAP\"", err);
  for (int i = 0; i < call->nargs; i++)
    if (!em_type_equal(call->args[i]->type, w, true) && em_coerce_arg(call, i, w, err)) return -1;
  call->type = w;
  bool nullable = false;
  for (int i = 0; i < call->nargs; i++) nullable |= call->args[i]->nullable;
  call->nullable = nullable;
  call->kernel = concat_kernel;
  return 0;
}

/* ---- map_contains_key ---- */

static int contains_key_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                               em_error *err) {
  (void)ctx;
  const em_vec *m = args[0], *k = args[1], *keys = m->children[0]->children[0];
  const int32_t *o = em_vec_offsets(m);
  em_vec *r = em_fn_result(e->type, n, args, 2);
  if (!r) return oom(err);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(r, i)) continue;
    for (int32_t j = o[i]; j < o[i + 1]; j++)
      if (em_nested_eq(keys, j, k, i)) {
        em_bit_set(em_vec_values(r), i);
        break;
      }
  }
  *out = r;
  return 0;
}

int em_fn_resolve_map_contains_key(em_func_call *call, em_error *err);
int em_fn_resolve_map_contains_key(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  em_type *t = call->args[0]->type;
  if (t->id != EM_T_MAP) return em_nested_need(call, 0, "\"MAP\"", err);
  if (!em_type_equal(call->args[1]->type, t->u.map.key, true) && em_coerce_arg(call, 1, t->u.map.key, err)) return -1;
  call->type = em_type_boolean();
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = contains_key_kernel;
  return 0;
}

/* ---- str_to_map(text[, pairDelim[, keyValueDelim]]) ----
 * Spark splits the text by the pair delimiter and each pair by the
 * key-value delimiter (at most two parts), both regular expressions with
 * UTF8String.split's rules (regex.c); a pair without the delimiter maps
 * its key to NULL. */

typedef struct str_parts {
  em_i64s offs, lens; /* pieces of the current split, as byte ranges */
  const char *base;
  bool oom;
} str_parts;

static int add_part(void *ud, const char *p, size_t len) {
  str_parts *sp = ud;
  if (em_i64s_push(&sp->offs, p - sp->base) || em_i64s_push(&sp->lens, (int64_t)len)) sp->oom = true;
  return sp->oom ? -1 : 0;
}

static int split_into(em_regex_cache *c, const char *pat, int32_t pl, const char *s, int32_t n, int limit,
                      str_parts *sp, em_error *err) {
  sp->offs.n = sp->lens.n = 0;
  sp->base = s;
  em_regex_matcher *m;
  int rc = em_regex_cache_get(c, pat, (size_t)pl, &m, err);
  if (rc > 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "Invalid regular expression: %.*s", (int)(pl < 150 ? pl : 150), pat);
    em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
    em_error_no_context(err);
    return -1;
  }
  if (rc < 0) return -1;
  if (em_regex_split(m, (size_t)pl, s, (size_t)n, limit, add_part, sp, err))
    return sp->oom ? oom(err) : -1;
  return 0;
}

static int str_to_map_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                             em_error *err) {
  (void)ctx;
  em_vec *ks = em_vec_new(em_type_string(), 0), *vs = em_vec_new(em_type_string(), 0);
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  em_i64s idx = {0};
  em_regex_cache pc = {0}, kc = {0};
  str_parts pairs = {0}, kv = {0};
  int rc = -1;
  if (!ks || !vs || !offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    bool null = false;
    for (int k = 0; k < e->nargs; k++) null |= em_vec_is_null(args[k], i);
    if (null) {
      em_bit_clear(valid, i);
      continue;
    }
    int32_t tl, pl = 1, kl = 1;
    const char *t = em_vec_str(args[0], i, &tl), *pd = ",", *kd = ":";
    if (e->nargs > 1) pd = em_vec_str(args[1], i, &pl);
    if (e->nargs > 2) kd = em_vec_str(args[2], i, &kl);
    if (split_into(&pc, pd, pl, t, tl, -1, &pairs, err)) goto fail;
    for (int64_t p = 0; p < pairs.offs.n; p++) {
      const char *ps = t + pairs.offs.p[p];
      if (split_into(&kc, kd, kl, ps, (int32_t)pairs.lens.p[p], 2, &kv, err)) goto fail;
      if (em_vec_append_bytes(ks, ps + kv.offs.p[0], (size_t)kv.lens.p[0])) goto oom;
      if (kv.offs.n > 1 ? em_vec_append_bytes(vs, ps + kv.offs.p[1], (size_t)kv.lens.p[1]) : em_vec_append_null(vs))
        goto oom;
      if (em_i64s_push(&idx, ks->len - 1)) goto oom;
    }
    offs[i + 1] = (int32_t)idx.n;
  }
  rc = build_map(e->type, n, ks, idx.p, vs, idx.p, idx.n, offs, valid, out, err, ctx);
  goto done;
oom:
  rc = oom(err);
  goto done;
fail:
  rc = -1;
done:
  if (ks) em_vec_unref(ks);
  if (vs) em_vec_unref(vs);
  em_i64s_free(&idx);
  em_i64s_free(&pairs.offs);
  em_i64s_free(&pairs.lens);
  em_i64s_free(&kv.offs);
  em_i64s_free(&kv.lens);
  em_regex_cache_free(&pc);
  em_regex_cache_free(&kc);
  em_free(offs);
  em_free(valid);
  return rc;
}

int em_fn_resolve_str_to_map(em_func_call *call, em_error *err);
int em_fn_resolve_str_to_map(em_func_call *call, em_error *err) {
  if (call->nargs < 1 || call->nargs > 3) return em_fn_wrong_num_args(call, "[1, 2, 3]", err);
  if (call->nargs == 1)
    call->sql = em_arena_printf(call->arena, "str_to_map(%s, ,, :)", call->arg_sql[0]);
  else if (call->nargs == 2)
    call->sql = em_arena_printf(call->arena, "str_to_map(%s, %s, :)", call->arg_sql[0], call->arg_sql[1]);
  else
    call->sql = em_fn_sql_call(call, call->name);
  for (int i = 0; i < call->nargs; i++)
    if (em_coerce_arg(call, i, em_type_string(), err)) return -1;
  call->type = em_nested_intern(em_type_map(em_type_string(), em_type_string(), true), err);
  if (!call->type) return -1;
  call->nullable = call->args[0]->nullable;
  call->kernel = str_to_map_kernel;
  return 0;
}
