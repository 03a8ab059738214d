/*
 * Struct functions: struct() and named_struct() (CreateNamedStruct), the
 * struct rebuilt by withField/dropFields (UpdateFields), and field access
 * (GetStructField, and GetArrayStructFields over arrays of structs).
 *
 * Field access shares the field's child vector and ANDs the parent's
 * validity into it; no values are copied.
 */
#include "fn_nested.h"
#include "nested.h"

#include <stdint.h>
#include <string.h>

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a struct function"); }

/* A shallow copy of v (shared buffers and children) whose validity is
 * v's AND `valid` (NULL = all valid). */
static em_vec *with_validity(const em_vec *v, const em_vec *parent) {
  if (!parent->validity && parent->type->id != EM_T_NULL) return em_vec_ref((em_vec *)v);
  int64_t n = v->len;
  em_vec *r = em_vec_new(v->type, 0);
  if (!r) return NULL;
  em_buf_unref(r->values);
  em_buf_unref(r->data);
  r->values = v->values ? em_buf_ref(v->values) : NULL;
  r->data = v->data ? em_buf_ref(v->data) : NULL;
  for (int i = 0; i < r->nchildren; i++) {
    em_vec_unref(r->children[i]);
    r->children[i] = em_vec_ref(v->children[i]);
  }
  r->len = n;
  if (v->type->id == EM_T_NULL) {
    r->null_count = n;
    return r;
  }
  size_t bytes = (size_t)(n + 7) / 8;
  r->validity = em_buf_new(bytes ? bytes : 1);
  if (!r->validity) {
    em_vec_unref(r);
    return NULL;
  }
  r->validity->len = bytes;
  for (int64_t i = 0; i < n; i++)
    if (!em_vec_is_null(v, i) && !em_vec_is_null(parent, i)) em_bit_set(r->validity->data, i);
  em_fn_finish(r, n);
  return r;
}

static int get_field_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)ctx;
  (void)n;
  int f = (int)(intptr_t)e->u.fn.data;
  const em_vec *s = args[0];
  if (s->type->id == EM_T_STRUCT) {
    *out = with_validity(s->children[f], s);
    if (!*out) return oom(err);
    em_nested_retype(*out, e->type);
    return 0;
  }
  /* ARRAY<STRUCT>: the same offsets over the field's values. */
  const em_vec *st = s->children[0];
  em_vec *fv = with_validity(st->children[f], st);
  if (!fv) return oom(err);
  em_vec *r = em_nested_make_list(e->type, s->len, em_vec_offsets(s), s->validity ? s->validity->data : NULL, fv);
  if (!r) return oom(err);
  *out = r;
  return 0;
}

int em_fn_resolve_get_field(em_func_call *call, em_error *err) {
  int f = (int)(intptr_t)call->data;
  em_type *t = call->args[0]->type;
  if (t->id == EM_T_STRUCT) {
    call->type = t->u.st.fields[f].type;
    call->nullable = call->args[0]->nullable || t->u.st.fields[f].nullable;
  } else {
    em_type *st = t->u.array.elem;
    call->type = em_nested_intern(
        em_type_array(em_type_ref(st->u.st.fields[f].type), t->u.array.contains_null || st->u.st.fields[f].nullable),
        err);
    if (!call->type) return -1;
    call->nullable = call->args[0]->nullable;
  }
  call->kernel = get_field_kernel;
  return 0;
}

/* ---- building structs ---- */

static int make_struct_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                              em_error *err) {
  (void)ctx;
  int from = (int)(intptr_t)e->u.fn.data; /* 1: args[0] is the base struct */
  int nf = e->type->u.st.nfields;
  em_vec **fields = em_calloc((size_t)nf + 1, sizeof *fields);
  if (!fields) return oom(err);
  /* Field values come from the even/odd arguments or all of them. */
  for (int i = 0; i < nf; i++) fields[i] = em_vec_ref(args[from + i]);
  const uint8_t *valid = NULL;
  if (from && args[0]->validity) valid = args[0]->validity->data;
  uint8_t *allnull = NULL;
  if (from && args[0]->type->id == EM_T_NULL) {
    allnull = em_calloc((size_t)(n + 8) / 8, 1);
    if (!allnull) {
      for (int i = 0; i < nf; i++) em_vec_unref(fields[i]);
      em_free(fields);
      return oom(err);
    }
    valid = allnull;
  }
  em_vec *r = em_nested_make_struct(e->type, n, valid, fields);
  em_free(fields);
  em_free(allnull);
  if (!r) return oom(err);
  *out = r;
  return 0;
}

int em_fn_resolve_make_struct(em_func_call *call, bool null_from_first, em_error *err) {
  char **names = call->data;
  int from = null_from_first ? 1 : 0, nf = call->nargs - from;
  em_type *st = em_type_struct_new(nf);
  if (!st) return oom(err);
  for (int i = 0; i < nf; i++) {
    em_expr *a = call->args[from + i];
    if (em_type_struct_set(st, i, names[i], em_type_ref(a->type), a->nullable, NULL)) {
      em_type_unref(st);
      return oom(err);
    }
  }
  call->type = em_nested_intern(st, err);
  if (!call->type) return -1;
  call->nullable = null_from_first ? call->args[0]->nullable : false;
  call->kernel = make_struct_kernel;
  call->data = (void *)(intptr_t)from;
  return 0;
}

/* struct(...) called by name without the analyzer's naming (fields named
 * after the argument texts). */
int em_fn_resolve_struct(em_func_call *call, em_error *err);
int em_fn_resolve_struct(em_func_call *call, em_error *err) {
  if (!call->sql) call->sql = em_fn_sql_call(call, "struct");
  if (!call->data) {
    char **names = em_arena_calloc(call->arena, sizeof(char *) * (size_t)(call->nargs + 1));
    if (!names) return oom(err);
    for (int i = 0; i < call->nargs; i++) names[i] = call->arg_sql[i];
    call->data = names;
  }
  return em_fn_resolve_make_struct(call, false, err);
}

/* named_struct(name1, v1, ...): names are foldable strings. */
int em_fn_resolve_named_struct(em_func_call *call, em_error *err);
int em_fn_resolve_named_struct(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, "named_struct");
  if (call->nargs == 0 || call->nargs % 2) {
    /* Raised by the type check itself: a plain AnalysisException. */
    em_fn_wrong_num_args(call, "2n (n > 0)", err);
    err->cls = EM_ERR_PLAIN_WRONG_NUM_ARGS_WITHOUT_SUGGESTION;
    return -1;
  }
  int nf = call->nargs / 2;
  char **names = em_arena_calloc(call->arena, sizeof(char *) * (size_t)(nf + 1));
  em_expr **vals = em_arena_calloc(call->arena, sizeof(em_expr *) * (size_t)(nf + 1));
  char **vsql = em_arena_calloc(call->arena, sizeof(char *) * (size_t)(nf + 1));
  if (!names || !vals || !vsql) return oom(err);
  for (int i = 0; i < nf; i++) {
    em_expr *k = call->args[2 * i];
    if (k->kind != EM_EX_LITERAL || !em_type_is_string_like(k->type) || em_vec_is_null(k->u.lit, 0))
      return em_nested_need(call, 2 * i, "\"STRING\"", err);
    int32_t len;
    const char *s = em_vec_str(k->u.lit, 0, &len);
    names[i] = em_arena_strndup(call->arena, s, (size_t)len);
    vals[i] = call->args[2 * i + 1];
    vsql[i] = call->arg_sql[2 * i + 1];
  }
  call->args = vals;
  call->arg_sql = vsql;
  call->nargs = nf;
  call->data = names;
  return em_fn_resolve_make_struct(call, false, err);
}
