/*
 * Helpers of the nested-value functions (fn_nested.h): list and struct
 * vectors built from parts, Spark's value ordering, a per-row value set,
 * and the type coercion and errors shared by the array and map functions.
 */
#include "fn_nested.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- building vectors ---- */

void em_nested_retype(em_vec *v, em_type *t) {
  if (v->type == t) return;
  em_type *old = v->type;
  v->type = em_type_ref(t);
  em_type_unref(old);
  /* Children follow the new type's element/field types. */
  if (t->id == EM_T_ARRAY && v->nchildren == 1) em_nested_retype(v->children[0], t->u.array.elem);
  if (t->id == EM_T_STRUCT && v->nchildren == t->u.st.nfields)
    for (int i = 0; i < v->nchildren; i++) em_nested_retype(v->children[i], t->u.st.fields[i].type);
}

static int set_validity(em_vec *v, int64_t n, const uint8_t *valid) {
  v->null_count = 0;
  if (!valid) return 0;
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) nulls += !em_bit_get(valid, i);
  if (!nulls) return 0;
  size_t bytes = (size_t)(n + 7) / 8;
  em_buf *b = em_buf_new(bytes ? bytes : 1);
  if (!b) return -1;
  memcpy(b->data, valid, bytes);
  b->len = bytes;
  v->validity = b;
  v->null_count = nulls;
  return 0;
}

em_vec *em_nested_make_list(em_type *type, int64_t n, const int32_t *offs, const uint8_t *valid, em_vec *elems) {
  em_vec *v = em_vec_new(type, 0);
  if (!v) {
    em_vec_unref(elems);
    return NULL;
  }
  em_vec_unref(v->children[0]);
  v->children[0] = elems;
  if (type->id == EM_T_ARRAY) {
    em_nested_retype(elems, type->u.array.elem);
  } else if (elems->nchildren == 2) {
    em_nested_retype(elems->children[0], type->u.map.key);
    em_nested_retype(elems->children[1], type->u.map.value);
  }
  em_buf_unref(v->values);
  v->values = em_buf_new((size_t)(n + 1) * 4);
  if (!v->values) goto oom;
  memcpy(v->values->data, offs, (size_t)(n + 1) * 4);
  v->values->len = (size_t)(n + 1) * 4;
  v->len = n;
  if (set_validity(v, n, valid)) goto oom;
  return v;
oom:
  em_vec_unref(v);
  return NULL;
}

em_vec *em_nested_make_struct(em_type *type, int64_t n, const uint8_t *valid, em_vec **fields) {
  em_vec *v = em_vec_new(type, 0);
  int nf = type->u.st.nfields;
  if (!v) {
    for (int i = 0; i < nf; i++) em_vec_unref(fields[i]);
    return NULL;
  }
  for (int i = 0; i < nf; i++) {
    em_vec_unref(v->children[i]);
    v->children[i] = fields[i];
    em_nested_retype(fields[i], type->u.st.fields[i].type);
  }
  v->len = n;
  if (set_validity(v, n, valid)) {
    em_vec_unref(v);
    return NULL;
  }
  return v;
}

em_vec *em_nested_gather(em_type *type, const em_vec *src, const int64_t *idx, int64_t n) {
  if (src->type->id == EM_T_NULL || src->len == 0) {
    em_vec *v = em_vec_new_nulls(type, n);
    return v;
  }
  uint32_t *ix = em_malloc(sizeof *ix * (size_t)(n ? n : 1));
  if (!ix) return NULL;
  bool nulls = false;
  for (int64_t k = 0; k < n; k++) {
    ix[k] = idx[k] < 0 ? 0 : (uint32_t)idx[k];
    if (idx[k] < 0) nulls = true;
  }
  em_vec *v = em_vec_take(src, ix, n);
  em_free(ix);
  if (!v) return NULL;
  em_nested_retype(v, type);
  if (nulls)
    for (int64_t k = 0; k < n; k++)
      if (idx[k] < 0 && !em_vec_is_null(v, k) && em_fn_set_null(v, k)) {
        em_vec_unref(v);
        return NULL;
      }
  return v;
}

int em_i64s_push(em_i64s *a, int64_t v) {
  if (a->n == a->cap) {
    int64_t nc = a->cap ? a->cap * 2 : 64;
    int64_t *np = em_realloc(a->p, sizeof *np * (size_t)nc);
    if (!np) return -1;
    a->p = np;
    a->cap = nc;
  }
  a->p[a->n++] = v;
  return 0;
}

void em_i64s_free(em_i64s *a) {
  em_free(a->p);
  a->p = NULL;
  a->n = a->cap = 0;
}

/* ---- ordering ---- */

static int cmp_double(double a, double b) {
  if (a == b) return 0;
  if (isnan(a)) return isnan(b) ? 0 : 1;
  if (isnan(b)) return -1;
  return a < b ? -1 : 1;
}

int em_nested_cmp_nonnull(const em_vec *va, int64_t i, const em_vec *vb, int64_t j) {
  const void *a = em_vec_values(va), *b = em_vec_values(vb);
  switch (va->type->id) {
  case EM_T_BOOLEAN: return (int)em_bit_get(a, i) - (int)em_bit_get(b, j);
#define CMP_INT(ID, T)                              \
  case ID: {                                        \
    T x = ((const T *)a)[i], y = ((const T *)b)[j]; \
    return x < y ? -1 : x > y;                      \
  }
    CMP_INT(EM_T_BYTE, int8_t)
    CMP_INT(EM_T_SHORT, int16_t)
    CMP_INT(EM_T_INT, int32_t)
    CMP_INT(EM_T_DATE, int32_t)
    CMP_INT(EM_T_YM_INTERVAL, int32_t)
    CMP_INT(EM_T_LONG, int64_t)
    CMP_INT(EM_T_TIMESTAMP, int64_t)
    CMP_INT(EM_T_TIMESTAMP_NTZ, int64_t)
    CMP_INT(EM_T_DT_INTERVAL, int64_t)
    CMP_INT(EM_T_TIME, int64_t)
    CMP_INT(EM_T_DECIMAL, __int128)
#undef CMP_INT
  case EM_T_FLOAT: return cmp_double(((const float *)a)[i], ((const float *)b)[j]);
  case EM_T_DOUBLE: return cmp_double(((const double *)a)[i], ((const double *)b)[j]);
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    int32_t na, nb;
    const char *x = em_vec_str(va, i, &na), *y = em_vec_str(vb, j, &nb);
    int32_t m = na < nb ? na : nb;
    int c = m ? memcmp(x, y, (size_t)m) : 0;
    if (c) return c < 0 ? -1 : 1;
    return na == nb ? 0 : (na < nb ? -1 : 1);
  }
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *oa = em_vec_offsets(va), *ob = em_vec_offsets(vb);
    int32_t la = oa[i + 1] - oa[i], lb = ob[j + 1] - ob[j];
    for (int32_t k = 0; k < la && k < lb; k++) {
      int c = em_nested_cmp(va->children[0], oa[i] + k, vb->children[0], ob[j] + k);
      if (c) return c;
    }
    return la == lb ? 0 : (la < lb ? -1 : 1);
  }
  case EM_T_STRUCT:
    for (int k = 0; k < va->nchildren; k++) {
      int c = em_nested_cmp(va->children[k], i, vb->children[k], j);
      if (c) return c;
    }
    return 0;
  default: return 0;
  }
}

int em_nested_cmp(const em_vec *va, int64_t i, const em_vec *vb, int64_t j) {
  bool na = em_vec_is_null(va, i), nb = em_vec_is_null(vb, j);
  if (na || nb) return na == nb ? 0 : (na ? -1 : 1);
  return em_nested_cmp_nonnull(va, i, vb, j);
}

bool em_nested_orderable(const em_type *t) {
  switch (t->id) {
  case EM_T_MAP:
  case EM_T_VARIANT:
  case EM_T_CAL_INTERVAL: return false;
  case EM_T_ARRAY: return em_nested_orderable(t->u.array.elem);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (!em_nested_orderable(t->u.st.fields[i].type)) return false;
    return true;
  default: return true;
  }
}

/* ---- value sets ---- */

void em_valset_reset(em_valset *s) {
  s->nkeys_bytes = 0;
  if (s->nent) memset(s->slots, 0, sizeof *s->slots * s->nslots);
  s->nent = 0;
}

void em_valset_free(em_valset *s) {
  em_free(s->keys);
  em_free(s->slots);
  em_free(s->ent_off);
  em_free(s->ent_len);
  em_free(s->scratch);
  memset(s, 0, sizeof *s);
}

static int grow_slots(em_valset *s) {
  uint32_t ns = s->nslots ? s->nslots * 2 : 64;
  uint32_t *sl = em_calloc(ns, sizeof *sl);
  if (!sl) return -1;
  for (uint32_t e = 0; e < s->nent; e++) {
    uint64_t h = XXH3_64bits(s->keys + s->ent_off[e], s->ent_len[e]);
    uint32_t p = (uint32_t)h & (ns - 1);
    while (sl[p]) p = (p + 1) & (ns - 1);
    sl[p] = e + 1;
  }
  em_free(s->slots);
  s->slots = sl;
  s->nslots = ns;
  return 0;
}

int em_valset_add(em_valset *s, const em_vec *v, int64_t i, bool add) {
  size_t need = em_rowkey_size(v, i);
  if (need > s->capscratch) {
    uint8_t *ns = em_realloc(s->scratch, need);
    if (!ns) return -1;
    s->scratch = ns;
    s->capscratch = need;
  }
  size_t len = (size_t)(em_rowkey_write(s->scratch, v, i) - s->scratch);
  if ((s->nent + 1) * 2 > s->nslots && grow_slots(s)) return -1;
  uint64_t h = XXH3_64bits(s->scratch, len);
  uint32_t p = (uint32_t)h & (s->nslots - 1);
  while (s->slots[p]) {
    uint32_t e = s->slots[p] - 1;
    if (s->ent_len[e] == len && memcmp(s->keys + s->ent_off[e], s->scratch, len) == 0) return 0;
    p = (p + 1) & (s->nslots - 1);
  }
  if (!add) return 1;
  if (s->nent == s->capent) {
    uint32_t nc = s->capent ? s->capent * 2 : 32;
    uint32_t *no = em_realloc(s->ent_off, sizeof *no * nc), *nl = NULL;
    if (!no) return -1;
    s->ent_off = no;
    if (!(nl = em_realloc(s->ent_len, sizeof *nl * nc))) return -1;
    s->ent_len = nl;
    s->capent = nc;
  }
  if (s->nkeys_bytes + len > s->capkeys) {
    size_t nc = (s->capkeys ? s->capkeys * 2 : 256) + len;
    uint8_t *nk = em_realloc(s->keys, nc);
    if (!nk) return -1;
    s->keys = nk;
    s->capkeys = nc;
  }
  memcpy(s->keys + s->nkeys_bytes, s->scratch, len);
  s->ent_off[s->nent] = (uint32_t)s->nkeys_bytes;
  s->ent_len[s->nent] = (uint32_t)len;
  s->nkeys_bytes += len;
  s->slots[p] = ++s->nent;
  return 1;
}

/* ---- types and errors ---- */

int em_nested_need(em_func_call *call, int argi, const char *required, em_error *err) {
  return em_fn_type_error_unexpected(call, call->sql, argi, required, err);
}

em_type *em_nested_wider(const em_type *a, const em_type *b, bool ansi) {
  if (em_type_equal(a, b, true)) {
    /* Same shape: nullability is the union. */
    if (a->id == EM_T_ARRAY) {
      em_type *e = em_nested_wider(a->u.array.elem, b->u.array.elem, ansi);
      if (!e) return NULL;
      return em_type_array(e, a->u.array.contains_null || b->u.array.contains_null);
    }
    if (a->id == EM_T_MAP) {
      em_type *k = em_nested_wider(a->u.map.key, b->u.map.key, ansi);
      em_type *v = k ? em_nested_wider(a->u.map.value, b->u.map.value, ansi) : NULL;
      if (!v) {
        if (k) em_type_unref(k);
        return NULL;
      }
      return em_type_map(k, v, a->u.map.value_contains_null || b->u.map.value_contains_null);
    }
    if (a->id == EM_T_STRUCT) {
      em_type *st = em_type_struct_new(a->u.st.nfields);
      if (!st) return NULL;
      for (int i = 0; i < a->u.st.nfields; i++) {
        em_type *f = em_nested_wider(a->u.st.fields[i].type, b->u.st.fields[i].type, ansi);
        if (!f || em_type_struct_set(st, i, a->u.st.fields[i].name, f, a->u.st.fields[i].nullable ||
                                                                          b->u.st.fields[i].nullable,
                                     a->u.st.fields[i].metadata)) {
          em_type_unref(st);
          return NULL;
        }
      }
      return st;
    }
    return em_type_ref((em_type *)a);
  }
  if (a->id == EM_T_NULL) return em_type_ref((em_type *)b);
  if (b->id == EM_T_NULL) return em_type_ref((em_type *)a);
  if (a->id == EM_T_ARRAY && b->id == EM_T_ARRAY) {
    em_type *e = em_nested_wider(a->u.array.elem, b->u.array.elem, ansi);
    if (!e) return NULL;
    return em_type_array(e, a->u.array.contains_null || b->u.array.contains_null);
  }
  if (a->id == EM_T_MAP && b->id == EM_T_MAP) {
    em_type *k = em_nested_wider(a->u.map.key, b->u.map.key, ansi);
    em_type *v = k ? em_nested_wider(a->u.map.value, b->u.map.value, ansi) : NULL;
    if (!v) {
      if (k) em_type_unref(k);
      return NULL;
    }
    return em_type_map(k, v, a->u.map.value_contains_null || b->u.map.value_contains_null);
  }
  if (a->id == EM_T_STRUCT && b->id == EM_T_STRUCT) {
    if (a->u.st.nfields != b->u.st.nfields) return NULL;
    em_type *st = em_type_struct_new(a->u.st.nfields);
    if (!st) return NULL;
    for (int i = 0; i < a->u.st.nfields; i++) {
      if (!em_strcaseeq(a->u.st.fields[i].name, b->u.st.fields[i].name)) {
        em_type_unref(st);
        return NULL;
      }
      em_type *f = em_nested_wider(a->u.st.fields[i].type, b->u.st.fields[i].type, ansi);
      if (!f || em_type_struct_set(st, i, a->u.st.fields[i].name, f,
                                   a->u.st.fields[i].nullable || b->u.st.fields[i].nullable, NULL)) {
        em_type_unref(st);
        return NULL;
      }
    }
    return st;
  }
  if (em_type_is_nested(a) || em_type_is_nested(b)) return NULL;
  em_type *w = em_coerce_wider(a, b, ansi);
  return w ? em_type_ref(w) : NULL;
}

static int keep_type(em_func_call *call, em_type *t, em_type **out, em_error *err);

int em_nested_coerce_elem(em_func_call *call, int arr, int argi, em_error *err) {
  em_type *at = call->args[arr]->type, *et = call->args[argi]->type;
  if (at->id != EM_T_ARRAY) return em_nested_need(call, arr, "\"ARRAY\"", err);
  em_type *w = em_nested_wider(at->u.array.elem, et, call->ansi);
  if (!w) {
    em_strbuf l, r;
    em_strbuf_init(&l);
    em_strbuf_init(&r);
    em_fn_quoted_type(at, &l);
    em_fn_quoted_type(et, &r);
    em_error_set(err, EM_ERR_DATATYPE_MISMATCH_ARRAY_FUNCTION_DIFF_TYPES, "sqlExpr",
                 em_arena_printf(call->arena, "\"%s\"", call->sql), "functionName",
                 em_arena_printf(call->arena, "`%s`", call->name), "dataType", "\"ARRAY\"", "leftType",
                 l.data ? l.data : "", "rightType", r.data ? r.data : "", NULL);
    em_strbuf_free(&l);
    em_strbuf_free(&r);
    return -1;
  }
  em_type *kw = NULL;
  if (keep_type(call, w, &kw, err)) return -1;
  if (!em_type_equal(et, kw, false) && em_coerce_arg(call, argi, kw, err)) return -1;
  if (!em_type_equal(at->u.array.elem, kw, true)) {
    em_type *na = em_type_array(em_type_ref(kw), at->u.array.contains_null);
    em_type *kna = NULL;
    if (!na || keep_type(call, na, &kna, err)) return -1;
    if (em_coerce_arg(call, arr, kna, err)) return -1;
  }
  return 0;
}

int em_nested_coerce_arrays(em_func_call *call, int a, int b, em_error *err) {
  em_type *ta = call->args[a]->type, *tb = call->args[b]->type;
  if (ta->id != EM_T_ARRAY || tb->id != EM_T_ARRAY) {
    int bad = ta->id != EM_T_ARRAY ? a : b;
    return em_nested_need(call, bad, "\"ARRAY\"", err);
  }
  em_type *w = em_nested_wider(ta, tb, call->ansi);
  if (!w) {
    em_strbuf l, r;
    em_strbuf_init(&l);
    em_strbuf_init(&r);
    em_fn_quoted_type(ta, &l);
    em_fn_quoted_type(tb, &r);
    em_error_set(err, EM_ERR_DATATYPE_MISMATCH_BINARY_ARRAY_DIFF_TYPES, "sqlExpr",
                 em_arena_printf(call->arena, "\"%s\"", call->sql), "functionName",
                 em_arena_printf(call->arena, "`%s`", call->name), "arrayType", "\"ARRAY\"", "leftType",
                 l.data ? l.data : "", "rightType", r.data ? r.data : "", NULL);
    em_strbuf_free(&l);
    em_strbuf_free(&r);
    return -1;
  }
  em_type *kw = NULL;
  if (keep_type(call, w, &kw, err)) return -1;
  if (!em_type_equal(ta, kw, true) && em_coerce_arg(call, a, kw, err)) return -1;
  if (!em_type_equal(tb, kw, true) && em_coerce_arg(call, b, kw, err)) return -1;
  return 0;
}

/* Types built during resolution live as long as the plan: they are kept
 * in a per-process list of interned nested types (types are immutable and
 * small; the same shapes recur query after query). */
#include <pthread.h>
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static em_type **interned;
static int ninterned, capinterned;

static int keep_type(em_func_call *call, em_type *t, em_type **out, em_error *err) {
  (void)call;
  pthread_mutex_lock(&intern_mu);
  for (int i = 0; i < ninterned; i++)
    if (em_type_equal(interned[i], t, false)) {
      em_type *r = interned[i];
      pthread_mutex_unlock(&intern_mu);
      em_type_unref(t);
      *out = r;
      return 0;
    }
  if (ninterned == capinterned) {
    int nc = capinterned ? capinterned * 2 : 64;
    em_type **ni = realloc(interned, sizeof *ni * (size_t)nc);
    if (!ni) {
      pthread_mutex_unlock(&intern_mu);
      em_type_unref(t);
      return em_error_internal(err, "out of memory");
    }
    interned = ni;
    capinterned = nc;
  }
  interned[ninterned++] = t;
  pthread_mutex_unlock(&intern_mu);
  *out = t;
  return 0;
}

em_type *em_nested_intern(em_type *t, em_error *err) {
  em_type *r = NULL;
  if (!t) return em_error_internal(err, "out of memory"), NULL;
  if (keep_type(NULL, t, &r, err)) return NULL;
  return r;
}
