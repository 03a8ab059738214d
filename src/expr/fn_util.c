/*
 * Plumbing shared by the scalar function files: result vectors with the
 * combined null bitmap of the inputs, Spark's generated SQL names, and the
 * type-check and arithmetic errors in Spark's exact shapes.
 */
#include "expr_int.h"

#include <stdio.h>
#include <string.h>

em_fn_info *em_fn_info_new(em_func_call *call, int op) {
  em_fn_info *fi = em_arena_calloc(call->arena, sizeof *fi);
  if (!fi) return NULL;
  fi->ansi = call->ansi;
  fi->op = op;
  return fi;
}

static em_vec *fn_result(em_type *type, int64_t n, em_vec *const *srcs, int nsrcs, bool zero);

em_vec *em_fn_result(em_type *type, int64_t n, em_vec *const *srcs, int nsrcs) {
  return fn_result(type, n, srcs, nsrcs, true);
}

em_vec *em_fn_result_uninit(em_type *type, int64_t n, em_vec *const *srcs, int nsrcs) {
  return fn_result(type, n, srcs, nsrcs, false);
}

static em_vec *fn_result(em_type *type, int64_t n, em_vec *const *srcs, int nsrcs, bool zero) {
  size_t bytes = (size_t)(n + 7) / 8;
  int w = em_type_fixed_width(type);
  em_vec *r;
  if (w > 0 && !zero) {
    /* Fixed width, every value written by the caller: no zero fill. */
    if (!(r = em_vec_new_uninit(type, n))) return NULL;
  } else {
    if (!(r = em_vec_new(type, n))) return NULL;
    if (type->id == EM_T_BOOLEAN || w > 0) {
      size_t vb = w > 0 ? (size_t)n * (size_t)w : bytes;
      if (em_buf_reserve(r->values, vb ? vb : 1)) {
        em_vec_unref(r);
        return NULL;
      }
      memset(r->values->data, 0, vb);
      r->values->len = vb;
    }
  }
  bool any = false;
  for (int k = 0; k < nsrcs; k++)
    if (srcs[k] && (srcs[k]->validity || srcs[k]->type->id == EM_T_NULL)) any = true;
  if (any) {
    if (em_vec_ensure_validity(r) || em_buf_reserve(r->validity, bytes ? bytes : 1)) {
      em_vec_unref(r);
      return NULL;
    }
    uint8_t *dst = r->validity->data;
    memset(dst, 0xff, bytes);
    for (int k = 0; k < nsrcs; k++) {
      if (!srcs[k]) continue;
      if (srcs[k]->type->id == EM_T_NULL) {
        memset(dst, 0, bytes);
        continue;
      }
      if (!srcs[k]->validity) continue;
      const uint8_t *src = srcs[k]->validity->data;
      for (size_t b = 0; b < bytes; b++) dst[b] &= src[b];
    }
    r->validity->len = bytes;
  }
  r->len = n;
  em_fn_finish(r, n);
  return r;
}

void em_fn_finish(em_vec *v, int64_t n) {
  v->len = n;
  if (!v->validity) {
    v->null_count = 0;
    return;
  }
  int64_t nulls = 0;
  const uint8_t *bits = v->validity->data;
  int64_t words = n / 64;
  for (int64_t w = 0; w < words; w++) {
    uint64_t x;
    memcpy(&x, bits + w * 8, 8);
    nulls += 64 - __builtin_popcountll(x);
  }
  for (int64_t i = words * 64; i < n; i++) nulls += !em_bit_get(bits, i);
  v->null_count = nulls;
  if (nulls == 0) {
    em_buf_unref(v->validity);
    v->validity = NULL;
  }
}

int em_fn_set_null(em_vec *v, int64_t i) {
  if (!v->validity) {
    int64_t len = v->len;
    if (em_vec_ensure_validity(v)) return -1;
    size_t bytes = (size_t)(len + 7) / 8;
    if (em_buf_reserve(v->validity, bytes ? bytes : 1)) return -1;
    memset(v->validity->data, 0xff, bytes);
    v->validity->len = bytes;
  }
  if (em_bit_get(v->validity->data, i)) v->null_count++;
  em_bit_clear(v->validity->data, i);
  return 0;
}

char *em_fn_sql_call(em_func_call *call, const char *fname) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "%s(", fname);
  for (int i = 0; i < call->nargs; i++) {
    if (i) em_strbuf_puts(&sb, ", ");
    em_strbuf_puts(&sb, call->arg_sql[i]);
  }
  em_strbuf_putc(&sb, ')');
  char *s = em_arena_strdup(call->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return s;
}

char *em_fn_sql_binary(em_func_call *call, const char *op) {
  return em_arena_printf(call->arena, "(%s %s %s)", call->arg_sql[0], op, call->arg_sql[1]);
}

void em_fn_quoted_type(const em_type *t, em_strbuf *sb) {
  em_strbuf_putc(sb, '"');
  em_type_sql(t, sb);
  em_strbuf_putc(sb, '"');
}

static const char *quoted_sql(em_func_call *call, const char *sql) {
  return em_arena_printf(call->arena, "\"%s\"", sql ? sql : "");
}

int em_fn_type_error_binary_wrong(em_func_call *call, const char *sql, const char *input_type,
                                  const em_type *actual, em_error *err) {
  em_strbuf t;
  em_strbuf_init(&t);
  em_fn_quoted_type(actual, &t);
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_BINARY_OP_WRONG_TYPE, "sqlExpr", quoted_sql(call, sql), "inputType",
               input_type, "actualDataType", t.data ? t.data : "", NULL);
  em_strbuf_free(&t);
  return -1;
}

int em_fn_type_error_diff(em_func_call *call, const char *sql, em_error *err) {
  em_strbuf l, r;
  em_strbuf_init(&l);
  em_strbuf_init(&r);
  em_fn_quoted_type(call->args[0]->type, &l);
  em_fn_quoted_type(call->args[1]->type, &r);
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_BINARY_OP_DIFF_TYPES, "sqlExpr", quoted_sql(call, sql), "left",
               l.data ? l.data : "", "right", r.data ? r.data : "", NULL);
  em_strbuf_free(&l);
  em_strbuf_free(&r);
  return -1;
}

/* Spark's ordinalNumber: "first", "second", ... */
static const char *ordinal(int i) {
  static const char *names[] = {"first", "second", "third", "fourth", "fifth",
                                "sixth", "seventh", "eighth", "ninth", "tenth"};
  return i >= 0 && i < 10 ? names[i] : "nth";
}

int em_fn_type_error_unexpected(em_func_call *call, const char *sql, int argi, const char *required,
                                em_error *err) {
  em_strbuf t;
  em_strbuf_init(&t);
  em_fn_quoted_type(call->args[argi]->type, &t);
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr", quoted_sql(call, sql), "paramIndex",
               ordinal(argi), "requiredType", required, "inputSql", quoted_sql(call, call->arg_sql[argi]),
               "inputType", t.data ? t.data : "", NULL);
  em_strbuf_free(&t);
  return -1;
}

int em_fn_wrong_num_args(em_func_call *call, const char *expected, em_error *err) {
  char actual[16];
  snprintf(actual, sizeof actual, "%d", call->nargs);
  return em_error_set(err, EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION, "functionName",
                      em_arena_printf(call->arena, "`%s`", call->name), "expectedNum", expected, "actualNum", actual,
                      "docroot", "https://spark.apache.org/docs/latest", NULL);
}

int em_fn_overflow(em_error *err, const char *what, const char *hint) {
  char alt[160];
  if (hint)
    snprintf(alt, sizeof alt, " Use '%s' to tolerate overflow and return NULL instead.", hint);
  else
    alt[0] = '\0';
  return em_error_set(err, EM_ERR_ARITHMETIC_OVERFLOW, "message", what, "alternative", alt, "config",
                      "\"spark.sql.ansi.enabled\"", NULL);
}

int em_fn_div_by_zero(em_error *err) {
  return em_error_set(err, EM_ERR_DIVIDE_BY_ZERO, "config", "\"spark.sql.ansi.enabled\"", NULL);
}

int em_fn_select(em_type *type, int64_t n, em_vec *const *srcs, const int16_t *pick, em_vec **out, em_error *err) {
  int w = em_type_fixed_width(type);
  bool fixed = w > 0 || type->id == EM_T_BOOLEAN || type->id == EM_T_NULL;
  em_vec *r;
  if (fixed) {
    r = em_fn_result(type, n, NULL, 0);
    if (!r) return em_error_internal(err, "out of memory");
    if (type->id == EM_T_NULL) {
      em_vec_unref(r);
      r = em_vec_new_nulls(type, n);
      if (!r) return em_error_internal(err, "out of memory");
      *out = r;
      return 0;
    }
    uint8_t *dst = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      const em_vec *s = pick[i] >= 0 ? srcs[pick[i]] : NULL;
      if (!s || em_vec_is_null(s, i)) {
        if (em_fn_set_null(r, i)) goto oom;
        continue;
      }
      const uint8_t *src = em_vec_values(s);
      if (w > 0)
        memcpy(dst + i * w, src + i * w, (size_t)w);
      else if (em_bit_get(src, i))
        em_bit_set(dst, i);
    }
    em_fn_finish(r, n);
    *out = r;
    return 0;
  }
  r = em_vec_new(type, n);
  if (!r) return em_error_internal(err, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    const em_vec *s = pick[i] >= 0 ? srcs[pick[i]] : NULL;
    int rc = (!s || em_vec_is_null(s, i)) ? em_vec_append_null(r) : em_vec_append_range(r, s, i, 1);
    if (rc) goto oom;
  }
  *out = r;
  return 0;
oom:
  em_vec_unref(r);
  return em_error_internal(err, "out of memory");
}

bool em_fn_kernel_takes_scalars(em_kernel_fn k) {
  return k == em_fn_arith_kernel || k == em_fn_cmp_kernel || em_fn_is_in_set_kernel(k) || em_fn_is_concat_kernel(k) ||
         em_fn_is_like_kernel(k);
}

int em_fn_expand_scalars(em_vec *const *args, int nargs, int64_t n, em_vec **out) {
  for (int i = 0; i < nargs; i++) {
    out[i] = args[i]->len == n ? em_vec_ref(args[i]) : em_vec_repeat(args[i], n);
    if (!out[i]) {
      for (int j = 0; j < i; j++) em_vec_unref(out[j]);
      return -1;
    }
  }
  return 0;
}
