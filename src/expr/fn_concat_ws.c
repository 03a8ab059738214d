/*
 * concat_ws(sep, a, ...): the non-NULL strings among the arguments joined
 * by sep; an ARRAY<STRING> argument contributes its non-NULL elements.
 * NULL only when sep is NULL. Other atomic arguments are cast to STRING
 * (arrays of other element types are not, yet).
 */
#include "expr_int.h"

#include <string.h>

static int concat_ws_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err) {
  (void)ctx;
  em_vec *r = em_vec_new(em_type_string(), n);
  if (!r) return em_error_internal(err, "out of memory");
  em_strbuf sb;
  em_strbuf_init(&sb);
  int rc = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    if (em_vec_is_null(args[0], i)) {
      rc = em_vec_append_null(r);
      continue;
    }
    int32_t slen;
    const char *sep = em_vec_str(args[0], i, &slen);
    sb.len = 0;
    bool first = true;
    for (int k = 1; k < e->nargs; k++) {
      const em_vec *a = args[k];
      if (a->type->id == EM_T_NULL || em_vec_is_null(a, i)) continue;
      if (a->type->id == EM_T_ARRAY) {
        const int32_t *off = em_vec_offsets(a);
        const em_vec *el = a->children[0];
        for (int32_t j = off[i]; j < off[i + 1]; j++) {
          if (el->type->id == EM_T_NULL || em_vec_is_null(el, j)) continue;
          int32_t l;
          const char *s = em_vec_str(el, j, &l);
          if (!first) em_strbuf_append(&sb, sep, (size_t)slen);
          em_strbuf_append(&sb, s, (size_t)l);
          first = false;
        }
      } else {
        int32_t l;
        const char *s = em_vec_str(a, i, &l);
        if (!first) em_strbuf_append(&sb, sep, (size_t)slen);
        em_strbuf_append(&sb, s, (size_t)l);
        first = false;
      }
    }
    rc = sb.oom ? -1 : em_vec_append_bytes(r, sb.data ? sb.data : "", sb.len);
  }
  em_strbuf_free(&sb);
  if (rc) {
    em_vec_unref(r);
    return em_error_internal(err, "out of memory");
  }
  *out = r;
  return 0;
}

int em_fn_resolve_concat_ws(em_func_call *call, em_error *err);
int em_fn_resolve_concat_ws(em_func_call *call, em_error *err) {
  if (call->nargs < 1) return em_fn_wrong_num_args(call, "> 0", err);
  call->sql = em_fn_sql_call(call, "concat_ws");
  for (int i = 0; i < call->nargs; i++) {
    em_type *t = call->args[i]->type;
    if (i > 0 && t->id == EM_T_ARRAY) {
      em_type *el = t->u.array.elem;
      if (el->id == EM_T_STRING) continue;
      return em_fn_type_error_unexpected(call, call->sql, i, "(\"ARRAY<STRING>\" or \"STRING\")", err);
    }
    if (t->id == EM_T_STRING || (i > 0 && t->id == EM_T_NULL)) continue;
    if (em_type_is_nested(t))
      return em_fn_type_error_unexpected(call, call->sql, i, i ? "(\"ARRAY<STRING>\" or \"STRING\")" : "\"STRING\"",
                                         err);
    if (em_coerce_arg(call, i, em_type_string(), err)) return -1;
  }
  call->type = em_type_string();
  call->nullable = call->args[0]->nullable;
  call->kernel = concat_ws_kernel;
  return 0;
}
