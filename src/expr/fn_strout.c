/*
 * Bulk output of string kernels: a STRING/BINARY result whose offsets are
 * allocated once for all n rows and whose bytes are written in place, so a
 * kernel's inner loop is a bounds check, a copy and one offset store per
 * row (the row-by-row appenders cost several calls and checks a row).
 */
#include "expr_int.h"

#include <string.h>

int em_fn_strout_init(em_fn_strout *o, em_type *type, int64_t n, em_vec *const *srcs, int nsrcs, size_t hint) {
  memset(o, 0, sizeof *o);
  em_vec *v = em_fn_result(type, n, srcs, nsrcs);
  if (!v) return -1;
  size_t obytes = ((size_t)n + 1) * 4;
  if (em_buf_reserve(v->values, obytes) || em_buf_reserve(v->data, hint ? hint : 64)) {
    em_vec_unref(v);
    return -1;
  }
  o->v = v;
  o->off = (int32_t *)v->values->data;
  o->off[0] = 0;
  o->data = (char *)v->data->data;
  o->cap = v->data->cap;
  return 0;
}

char *em_fn_strout_grow(em_fn_strout *o, size_t need) {
  size_t want = o->len + need;
  size_t ncap = o->cap * 2;
  if (ncap < want) ncap = want;
  if (em_buf_reserve(o->v->data, ncap)) return NULL;
  o->data = (char *)o->v->data->data;
  o->cap = o->v->data->cap;
  return o->data + o->len;
}

int em_fn_strout_finish(em_fn_strout *o, em_vec **out, em_error *err) {
  em_vec *v = o->v;
  o->v = NULL;
  if (o->len > INT32_MAX) {
    em_vec_unref(v);
    return em_error_internal(err, "string result over 2 GiB in one batch");
  }
  v->values->len = ((size_t)v->len + 1) * 4;
  v->data->len = o->len;
  *out = v;
  return 0;
}

void em_fn_strout_abort(em_fn_strout *o) {
  em_vec_unref(o->v);
  o->v = NULL;
}
