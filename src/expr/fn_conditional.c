/*
 * Conditional expressions that pick a value per row: CASE WHEN (PySpark's
 * when/otherwise, sent as "when" with alternating condition and value
 * arguments and an optional trailing ELSE), IF, coalesce and its aliases
 * nvl/ifnull, and nvl2.
 *
 * Spark computes a branch only for the rows that reach it, so
 *   when(x == 0, 0).otherwise(10 / x)
 * never divides by zero even under ANSI. These kernels are "lazy": eval.c
 * hands them the batch instead of evaluated arguments, and each branch is
 * evaluated through em_fn_eval_rows with the mask of rows that reach it.
 * That evaluates the whole batch first (the common, cheap case) and only
 * when it fails re-evaluates on the reaching rows alone, so an error from
 * a row that does not reach the branch is not raised. A branch that draws
 * from a generator per row (rand, uuid, ...) is computed on the reaching
 * rows alone, so that it draws for exactly the rows Spark draws for.
 *
 * Result types: the wider common type of the values (ANSI: a string and a
 * number meet at BIGINT/DOUBLE; legacy: at STRING), every value cast to it.
 */
#include "expr_int.h"
#include "fn_nested.h"

#include <string.h>

enum { COND_CASE, COND_IF, COND_COALESCE, COND_NVL2 };

/* ---- evaluation of a branch for some rows ---- */

static int64_t count_bits(const uint8_t *bits, int64_t n) {
  int64_t c = 0;
  for (int64_t i = 0; i < n; i++) c += em_bit_get(bits, i);
  return c;
}

/* Whether x draws from a generator once per row it is computed for (its
 * results then depend on which rows it was computed for). */
bool em_expr_counts_rows(const em_expr *x) {
  if (x->kind == EM_EX_CALL && x->u.fn.name) {
    static const char *const names[] = {"rand", "randn", "random", "uuid", "shuffle", "monotonically_increasing_id",
                                        NULL};
    for (const char *const *n = names; *n; n++)
      if (em_strcaseeq(x->u.fn.name, *n)) return true;
  }
  for (int i = 0; i < x->nargs; i++)
    if (em_expr_counts_rows(x->args[i])) return true;
  return false;
}

int em_fn_eval_rows(const em_expr *x, em_eval_ctx *ctx, const uint8_t *sel, em_vec **out, em_error *err) {
  const em_batch *b = ctx->batch;
  if (!b) return em_error_internal(err, "conditional evaluated without its batch");
  int64_t n = b->nrows, m = sel ? count_bits(sel, n) : n;
  /* A generator advances only for the rows that reach the branch, as in
   * Spark: computed on those rows alone from the start. */
  bool counts = sel && m < n && em_expr_counts_rows(x);
  if (!counts) {
    if (em_expr_eval(x, b, ctx, out, err) == 0) return 0;
    if (!sel || m == n) return -1;
    em_error_clear(err);
  }
  /* Retry on the reaching rows only. */
  em_vec **cols = em_calloc((size_t)(b->ncols ? b->ncols : 1), sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory");
  for (int c = 0; c < b->ncols; c++) {
    cols[c] = em_vec_new(b->cols[c]->type, m);
    if (!cols[c]) goto oom_cols;
    for (int64_t i = 0; i < n; i++)
      if (em_bit_get(sel, i) && em_vec_append_range(cols[c], b->cols[c], i, 1)) goto oom_cols;
  }
  em_batch *sub = em_batch_new(em_type_ref(b->schema), b->ncols, cols, m);
  em_free(cols);
  if (!sub) return em_error_internal(err, "out of memory");
  em_vec *sv = NULL;
  int rc = em_expr_eval(x, sub, ctx, &sv, err);
  em_batch_unref(sub);
  if (rc) return -1;
  em_vec *r = em_vec_new(x->type, n);
  if (!r) {
    em_vec_unref(sv);
    return em_error_internal(err, "out of memory");
  }
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++) {
    int rc2 = em_bit_get(sel, i) ? em_vec_append_range(r, sv, k++, 1) : em_vec_append_null(r);
    if (rc2) {
      em_vec_unref(sv);
      em_vec_unref(r);
      return em_error_internal(err, "out of memory");
    }
  }
  em_vec_unref(sv);
  *out = r;
  return 0;
oom_cols:
  for (int c = 0; c < b->ncols; c++)
    if (cols[c]) em_vec_unref(cols[c]);
  em_free(cols);
  return em_error_internal(err, "out of memory");
}

/* ---- kernels ---- */

typedef struct pick_state {
  int64_t n;
  size_t bytes;
  uint8_t *remaining; /* rows not decided yet */
  uint8_t *hit;       /* scratch mask */
  int16_t *pick;
  em_vec **vals;
  int nvals;
} pick_state;

static int pick_init(pick_state *s, int64_t n, int nvals) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->bytes = (size_t)(n + 7) / 8;
  s->remaining = em_malloc(s->bytes + 1);
  s->hit = em_malloc(s->bytes + 1);
  s->pick = em_malloc(sizeof(int16_t) * (size_t)(n ? n : 1));
  s->vals = em_calloc((size_t)nvals, sizeof(em_vec *));
  s->nvals = nvals;
  if (!s->remaining || !s->hit || !s->pick || !s->vals) return -1;
  memset(s->remaining, 0xff, s->bytes);
  for (int64_t i = 0; i < n; i++) s->pick[i] = -1;
  return 0;
}

static void pick_free(pick_state *s) {
  for (int k = 0; s->vals && k < s->nvals; k++)
    if (s->vals[k]) em_vec_unref(s->vals[k]);
  em_free(s->vals);
  em_free(s->pick);
  em_free(s->hit);
  em_free(s->remaining);
}

static bool any_bit(const uint8_t *bits, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (em_bit_get(bits, i)) return true;
  return false;
}

/* Evaluates value expression `x` (slot k) for the rows in s->hit and
 * assigns them to it. */
static int take(pick_state *s, const em_expr *x, int k, em_eval_ctx *ctx, em_error *err) {
  if (!any_bit(s->hit, s->n)) return 0;
  if (em_fn_eval_rows(x, ctx, s->hit, &s->vals[k], err)) return -1;
  for (int64_t i = 0; i < s->n; i++)
    if (em_bit_get(s->hit, i)) s->pick[i] = (int16_t)k;
  for (size_t b = 0; b < s->bytes; b++) s->remaining[b] &= (uint8_t)~s->hit[b];
  return 0;
}

/* hit = remaining rows where the boolean vector c is true. */
static void hit_where_true(pick_state *s, const em_vec *c) {
  const uint8_t *v = em_vec_values(c), *ok = c->validity ? c->validity->data : NULL;
  for (size_t b = 0; b < s->bytes; b++) {
    uint8_t t = c->type->id == EM_T_NULL ? 0 : (uint8_t)(v[b] & (ok ? ok[b] : 0xff));
    s->hit[b] = (uint8_t)(s->remaining[b] & t);
  }
}

static int cond_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)args;
  const em_fn_info *fi = e->u.fn.data;
  pick_state s;
  int rc = -1;
  if (pick_init(&s, n, e->nargs)) {
    em_error_internal(err, "out of memory");
    goto done;
  }
  if (fi->op == COND_CASE || fi->op == COND_IF) {
    int pairs = e->nargs / 2;
    for (int k = 0; k < pairs && any_bit(s.remaining, n); k++) {
      em_vec *c = NULL;
      if (em_fn_eval_rows(e->args[2 * k], ctx, s.remaining, &c, err)) goto done;
      hit_where_true(&s, c);
      em_vec_unref(c);
      if (take(&s, e->args[2 * k + 1], 2 * k + 1, ctx, err)) goto done;
    }
    if (e->nargs % 2) {
      memcpy(s.hit, s.remaining, s.bytes);
      if (take(&s, e->args[e->nargs - 1], e->nargs - 1, ctx, err)) goto done;
    }
  } else if (fi->op == COND_COALESCE) {
    for (int k = 0; k < e->nargs && any_bit(s.remaining, n); k++) {
      em_vec *v = NULL;
      if (em_fn_eval_rows(e->args[k], ctx, s.remaining, &v, err)) goto done;
      s.vals[k] = v;
      for (int64_t i = 0; i < n; i++) {
        if (!em_bit_get(s.remaining, i) || em_vec_is_null(v, i)) continue;
        s.pick[i] = (int16_t)k;
        em_bit_clear(s.remaining, i);
      }
    }
  } else { /* NVL2(a, b, c): b where a is not null, else c */
    em_vec *a = NULL;
    if (em_expr_eval(e->args[0], ctx->batch, ctx, &a, err)) goto done;
    for (size_t b = 0; b < s.bytes; b++) s.hit[b] = 0;
    for (int64_t i = 0; i < n; i++)
      if (!em_vec_is_null(a, i)) em_bit_set(s.hit, i);
    em_vec_unref(a);
    if (take(&s, e->args[1], 1, ctx, err)) goto done;
    memcpy(s.hit, s.remaining, s.bytes);
    if (take(&s, e->args[2], 2, ctx, err)) goto done;
  }
  rc = em_fn_select(e->type, n, s.vals, s.pick, out, err);
done:
  pick_free(&s);
  return rc;
}

bool em_fn_kernel_is_lazy(em_kernel_fn k) {
  return k == cond_kernel || em_fn_hof_kernel(k) || em_fn_logic_lazy_kernel(k);
}

/* ---- resolution ---- */

static int diff_types_error(em_func_call *call, const char *fname, int from, int step, em_error *err) {
  em_strbuf ts;
  em_strbuf_init(&ts);
  em_strbuf_putc(&ts, '(');
  int k = 0;
  for (int i = from; i < call->nargs; i += step) {
    bool dup = false;
    for (int j = from; j < i; j += step)
      if (em_type_equal(call->args[j]->type, call->args[i]->type, true)) dup = true;
    if (dup) continue;
    if (k++) em_strbuf_puts(&ts, " or ");
    em_fn_quoted_type(call->args[i]->type, &ts);
  }
  em_strbuf_putc(&ts, ')');
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_DATA_DIFF_TYPES, "functionName",
               em_arena_printf(call->arena, "`%s`", fname), "dataType", ts.data ? ts.data : "", "sqlExpr",
               em_arena_printf(call->arena, "\"%s\"", call->sql), NULL);
  em_strbuf_free(&ts);
  return -1;
}

/* Casts the value arguments (indices in idx) to their wider common type. */
static int widen_values(em_func_call *call, const int *idx, int n, const char *fname, int from, int step,
                        em_error *err) {
  em_type *types[64] = {0};
  if (n > 64) return em_error_internal(err, "too many branches");
  for (int k = 0; k < n; k++) types[k] = call->args[idx[k]]->type;
  em_type *t = em_coerce_wider_list(types, n, call->ansi);
  if (!t) return diff_types_error(call, fname, from, step, err);
  for (int k = 0; k < n; k++)
    if (em_coerce_arg(call, idx[k], t, err)) return -1;
  call->type = t;
  return 0;
}

static int check_condition(em_func_call *call, int argi, int ordinal, em_error *err) {
  if (call->args[argi]->type->id == EM_T_NULL && em_coerce_arg(call, argi, em_type_boolean(), err)) return -1;
  if (call->args[argi]->type->id == EM_T_BOOLEAN) return 0;
  static const char *names[] = {"first", "second", "third", "fourth", "fifth",
                                "sixth", "seventh", "eighth", "ninth", "tenth"};
  em_strbuf t;
  em_strbuf_init(&t);
  em_fn_quoted_type(call->args[argi]->type, &t);
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr",
               em_arena_printf(call->arena, "\"%s\"", call->sql), "paramIndex", ordinal < 10 ? names[ordinal] : "nth",
               "requiredType", "\"BOOLEAN\"", "inputSql", em_arena_printf(call->arena, "\"%s\"", call->arg_sql[argi]),
               "inputType", t.data ? t.data : "", NULL);
  em_strbuf_free(&t);
  return -1;
}

static int finish(em_func_call *call, int op, em_error *err) {
  call->kernel = cond_kernel;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_when(em_func_call *call, em_error *err);
int em_fn_resolve_if(em_func_call *call, em_error *err);
int em_fn_resolve_coalesce(em_func_call *call, em_error *err);
int em_fn_resolve_nvl2(em_func_call *call, em_error *err);

int em_fn_resolve_when(em_func_call *call, em_error *err) {
  if (call->nargs < 2) return em_fn_wrong_num_args(call, "> 1", err);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_puts(&sb, "CASE");
  int pairs = call->nargs / 2;
  for (int k = 0; k < pairs; k++)
    em_strbuf_printf(&sb, " WHEN %s THEN %s", call->arg_sql[2 * k], call->arg_sql[2 * k + 1]);
  if (call->nargs % 2) em_strbuf_printf(&sb, " ELSE %s", call->arg_sql[call->nargs - 1]);
  em_strbuf_puts(&sb, " END");
  call->sql = em_arena_strdup(call->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  if (!call->sql) return em_error_internal(err, "out of memory");
  for (int k = 0; k < pairs; k++)
    if (check_condition(call, 2 * k, k, err)) return -1;
  int idx[64], nv = 0;
  for (int k = 0; k < pairs && nv < 63; k++) idx[nv++] = 2 * k + 1;
  if (call->nargs % 2) idx[nv++] = call->nargs - 1;
  if (widen_values(call, idx, nv, "casewhen", 1, 2, err)) return -1;
  call->nullable = call->nargs % 2 == 0;
  for (int k = 0; k < nv; k++) call->nullable |= call->args[idx[k]]->nullable;
  return finish(call, COND_CASE, err);
}

int em_fn_resolve_if(em_func_call *call, em_error *err) {
  if (call->nargs != 3) return em_fn_wrong_num_args(call, "3", err);
  call->sql = em_arena_printf(call->arena, "(IF(%s, %s, %s))", call->arg_sql[0], call->arg_sql[1], call->arg_sql[2]);
  if (check_condition(call, 0, 0, err)) return -1;
  int idx[2] = {1, 2};
  if (widen_values(call, idx, 2, "if", 1, 1, err)) return -1;
  call->nullable = call->args[1]->nullable || call->args[2]->nullable;
  return finish(call, COND_IF, err);
}

/* coalesce, nvl and ifnull: the first non-NULL argument. */
int em_fn_resolve_coalesce(em_func_call *call, em_error *err) {
  bool two = strcmp(call->name, "coalesce") != 0;
  if (two && call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  if (call->nargs < 1) return em_fn_wrong_num_args(call, "> 0", err);
  call->sql = em_fn_sql_call(call, call->name);
  int idx[64];
  if (call->nargs > 64) return em_error_internal(err, "too many arguments");
  for (int k = 0; k < call->nargs; k++) idx[k] = k;
  if (widen_values(call, idx, call->nargs, call->name, 0, 1, err)) return -1;
  call->nullable = true;
  for (int k = 0; k < call->nargs; k++) call->nullable &= call->args[k]->nullable;
  return finish(call, COND_COALESCE, err);
}

int em_fn_resolve_nvl2(em_func_call *call, em_error *err) {
  if (call->nargs != 3) return em_fn_wrong_num_args(call, "3", err);
  call->sql = em_fn_sql_call(call, "nvl2");
  int idx[2] = {1, 2};
  if (widen_values(call, idx, 2, "nvl2", 1, 1, err)) return -1;
  call->nullable = call->args[1]->nullable || call->args[2]->nullable;
  return finish(call, COND_NVL2, err);
}
