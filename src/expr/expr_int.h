/*
 * Private to expr/: helpers shared by the function files (fn_*.c), the
 * casts and the coercion rules. Nothing here is part of the layer's API.
 */
#ifndef EM_EXPR_INT_H
#define EM_EXPR_INT_H

#include "func.h"
#include "format.h"

/* ---- text forms of numbers (numfmt.c) ---- */

/* Java's Double.toString / Float.toString (Spark's cast of a double or
 * float to STRING and its literal names): shortest round-tripping digits,
 * plain for 1e-3 <= |x| < 1e7, else "1.0E10"; NaN, Infinity, -Infinity. */
/* A 128-bit unscaled decimal with `scale` digits after the point. */
void em_fmt_decimal(__int128 v, int scale, em_strbuf *sb);
/* yyyy-MM-dd of days since the epoch (proleptic Gregorian). */
void em_fmt_date(int64_t days, em_strbuf *sb);
/* yyyy-MM-dd HH:mm:ss[.ffffff trimmed] of microseconds since the epoch (UTC wall clock). */
void em_fmt_timestamp(int64_t us, em_strbuf *sb);

/* ---- 128-bit decimals (dec128.c) ---- */

/* 10^k for 0 <= k <= 38. */
__int128 em_dec_pow10(int k);
/* True when |v| < 10^precision. */
bool em_dec_fits(__int128 v, int precision);
/* Changes the scale of v from `from` to `to`, rounding HALF_UP (Java's
 * BigDecimal.setScale(to, HALF_UP)) when digits are dropped. Returns false
 * when the result does not fit 128 bits. */
bool em_dec_rescale(__int128 v, int from, int to, __int128 *out);
/* The decimal closest to d at `scale` (HALF_UP); false when out of range. */
bool em_dec_from_double(double d, int scale, int precision, __int128 *out);
double em_dec_to_double(__int128 v, int scale);
/* a * b (unscaled, product scale from_scale) at to_scale, rounded as
 * Spark does: to 38 significant digits (MathContext(38, HALF_UP)), then
 * HALF_UP to the scale. False when it does not fit 128 bits; then
 * overflow_text (if not NULL) gets the rounded product as plain text. */
bool em_dec_mul(__int128 a, __int128 b, int from_scale, int to_scale, __int128 *out, em_strbuf *overflow_text);
/* (a / b) at `scale` where a has scale sa and b scale sb, rounded HALF_UP.
 * b must not be 0. False when the result does not fit 128 bits. */
bool em_dec_div(__int128 a, int sa, __int128 b, int sb, int scale, __int128 *out);

/* ---- division by a fixed divisor (divmagic.c) ---- */

typedef struct em_divmagic {
  int64_t d;   /* the divisor */
  int64_t mul; /* magic multiplier (0 when |d| <= 1) */
  int shift;
} em_divmagic;

/* Prepares division by d (any value; d = 0, 1, -1 are left to the caller). */
void em_divmagic_init(em_divmagic *m, int64_t d);
/* x / d truncated toward zero, for |d| >= 2. */
static inline int64_t em_divmagic_div(const em_divmagic *m, int64_t x) {
  int64_t q = (int64_t)(((__int128)m->mul * x) >> 64);
  if (m->d > 0 && m->mul < 0) q += x;
  if (m->d < 0 && m->mul > 0) q -= x;
  q >>= m->shift;
  return q + (int64_t)((uint64_t)q >> 63);
}
/* x % d (sign of x, as C and Java), for |d| >= 2. */
static inline int64_t em_divmagic_mod(const em_divmagic *m, int64_t x) {
  return (int64_t)((uint64_t)x - (uint64_t)em_divmagic_div(m, x) * (uint64_t)m->d);
}

/* ---- casts (cast_string.c) ---- */

int em_cast_to_string(const em_vec *v, em_type *to, bool ansi, em_vec **out, em_error *err);
int em_cast_from_string(const em_vec *v, em_type *to, bool ansi, em_vec **out, em_error *err);
/* Arrays, maps and structs as Spark prints them: [1, null], {a -> 1},
 * {1, x}; timestamps inside in the session zone of ctx. */
int em_cast_nested_to_string(const em_vec *v, em_type *to, em_eval_ctx *ctx, em_vec **out, em_error *err);

/* ---- kernel plumbing (fn_util.c) ---- */

/* Per-call constants a resolver leaves in em_expr.u.fn.data. */
typedef struct em_fn_info {
  bool ansi;        /* spark.sql.ansi.enabled when the call was resolved */
  int op;           /* the operator, for kernels shared by several names */
  const char *hint; /* try_* function Spark suggests in overflow errors */
} em_fn_info;

em_fn_info *em_fn_info_new(em_func_call *call, int op);

/* fn_datetime_interval.c: `+` / `-` of a datetime and an ANSI interval;
 * *handled is false (nothing changed) for other operand types. */
int em_fn_datetime_interval_arith(em_func_call *call, bool sub, bool *handled, em_error *err);

/* A new result vector of `type` with n rows whose values buffer is
 * allocated (zeroed) and whose validity is the AND of the given vectors'
 * validity (NULL vectors are skipped; no bitmap when all are valid). */
em_vec *em_fn_result(em_type *type, int64_t n, em_vec *const *srcs, int nsrcs);
/* The same, for a fixed-width type whose every value the caller writes:
 * the values are not zero-filled. */
em_vec *em_fn_result_uninit(em_type *type, int64_t n, em_vec *const *srcs, int nsrcs);
/* Recounts null_count from the bitmap; drops an all-set bitmap. */
void em_fn_finish(em_vec *v, int64_t n);
/* Marks row i null (creating the bitmap). -1 on OOM. */
int em_fn_set_null(em_vec *v, int64_t i);

/* Bulk STRING/BINARY output (fn_strout.c) for kernels that produce their
 * rows in order: the offsets are preallocated and bytes are written
 * straight into the data buffer, no per-row appender. Every row i in
 * 0..n-1 is closed with em_fn_strout_put, in order (0 bytes for a NULL row;
 * rows NULL in `srcs` already have their validity bit cleared, as with
 * em_fn_result). Usage:
 *   char *p = em_fn_strout_room(&o, max_bytes);  (NULL: out of memory)
 *   ...write k <= max_bytes bytes at p...;  em_fn_strout_put(&o, i, k);  */
typedef struct em_fn_strout {
  em_vec *v;
  int32_t *off;
  char *data;
  size_t len, cap;
} em_fn_strout;
/* Starts a result of n rows; `hint` is the expected number of bytes. */
int em_fn_strout_init(em_fn_strout *o, em_type *type, int64_t n, em_vec *const *srcs, int nsrcs, size_t hint);
char *em_fn_strout_grow(em_fn_strout *o, size_t need);
static inline char *em_fn_strout_room(em_fn_strout *o, size_t need) {
  return o->cap - o->len >= need ? o->data + o->len : em_fn_strout_grow(o, need);
}
static inline void em_fn_strout_put(em_fn_strout *o, int64_t i, size_t k) {
  o->len += k;
  o->off[i + 1] = (int32_t)o->len; /* checked against INT32_MAX at the end */
}
/* Hands the finished vector to *out; an error (and nothing held) when the
 * data exceeds the 2 GiB an int32-offset vector can address. */
int em_fn_strout_finish(em_fn_strout *o, em_vec **out, em_error *err);
/* Releases an unfinished result. */
void em_fn_strout_abort(em_fn_strout *o);

/* Builds a vector of n rows where row i is row i of srcs[pick[i]] (NULL
 * when pick[i] < 0 or that value is NULL). All sources have `type`. */
int em_fn_select(em_type *type, int64_t n, em_vec *const *srcs, const int16_t *pick, em_vec **out, em_error *err);

/* Evaluates x over ctx->batch for the rows whose bit is set in sel (all
 * rows when sel is NULL), as Spark's conditional expressions do: rows not
 * selected are never computed, so their errors (a division by zero in an
 * ELSE branch never taken) do not surface. Unselected rows are NULL in
 * the result (fn_conditional.c). */
int em_fn_eval_rows(const em_expr *x, em_eval_ctx *ctx, const uint8_t *sel, em_vec **out, em_error *err);
/* True for kernels that evaluate their own arguments (eval.c passes no
 * argument vectors to them and sets ctx->batch). */
bool em_fn_kernel_is_lazy(em_kernel_fn k);
/* AND / OR evaluate their right side only for the rows the left leaves
 * open (fn_logic.c). */
bool em_fn_logic_lazy_kernel(em_kernel_fn k);
/* Whether x draws from a per-row generator (rand, uuid, ...). */
bool em_expr_counts_rows(const em_expr *x);

/* Constant operands. eval.c hands kernels that accept them a constant
 * argument (a literal, or casts of one) as a vector of ONE row instead of
 * n copies; an argument with len != n is such a scalar. The kernels that
 * accept scalars (arithmetic, comparisons): */
int em_fn_arith_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err);
int em_fn_cmp_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                     em_error *err);
bool em_fn_kernel_takes_scalars(em_kernel_fn k);
/* fn_in_set.c: IN over a list of constants through a hash set; em_fn_in_use_set
 * switches a resolved IN call to it when the types allow. */
void em_fn_in_use_set(em_func_call *call);
bool em_fn_is_in_set_kernel(em_kernel_fn k);
/* fn_string.c: concat's kernel (takes scalars). */
bool em_fn_is_concat_kernel(em_kernel_fn k);
/* fn_string.c: LIKE's kernel (takes a constant pattern once). */
bool em_fn_is_like_kernel(em_kernel_fn k);
/* Copies args to out, expanding every scalar to n rows (for the paths of a
 * kernel that want full vectors). New references in out[0..nargs); -1 on
 * OOM (nothing held). */
int em_fn_expand_scalars(em_vec *const *args, int nargs, int64_t n, em_vec **out);

/* Joins argument SQL texts: "f(a, b)" when sep is ", " etc. Arena string. */
char *em_fn_sql_call(em_func_call *call, const char *fname);
/* "(a op b)". */
char *em_fn_sql_binary(em_func_call *call, const char *op);

/* Raises DATATYPE_MISMATCH.<sub> for the call (sqlExpr = its SQL). */
int em_fn_type_error_binary_wrong(em_func_call *call, const char *sql, const char *input_type,
                                  const em_type *actual, em_error *err);
int em_fn_type_error_diff(em_func_call *call, const char *sql, em_error *err);
int em_fn_type_error_unexpected(em_func_call *call, const char *sql, int argi, const char *required,
                                em_error *err);
int em_fn_wrong_num_args(em_func_call *call, const char *expected, em_error *err);

/* Spark's SQL text of a type for messages: "\"INT\"". */
void em_fn_quoted_type(const em_type *t, em_strbuf *sb);

/* Raises ARITHMETIC_OVERFLOW as Spark does ("<what> overflow"). */
int em_fn_overflow(em_error *err, const char *what, const char *hint);
/* Raises DIVIDE_BY_ZERO. */
int em_fn_div_by_zero(em_error *err);

#endif
