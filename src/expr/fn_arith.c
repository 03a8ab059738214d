/*
 * Arithmetic: + - * / % div pmod (binary), negative positive abs (unary),
 * over byte/short/int/long/float/double/decimal, with Spark's coercion of
 * the operands, its result types and its ANSI behaviour.
 *
 * Resolution follows the order of Spark's coercion rules: strings are
 * promoted (ANSI: to BIGINT against an integral, DOUBLE against a
 * fractional; legacy: to DOUBLE), then DecimalPrecision (an integral meets
 * a decimal as DecimalType.forType, or as the fewest digits holding an
 * integral literal; a float/double meets a decimal at DOUBLE), then `/`
 * goes to DOUBLE unless both sides are decimal, `div` to BIGINT, and the
 * rest widen to the tightest common type.
 *
 * Kernels are written once per C type with X-macros; the operator is
 * switched outside the row loop. Integer overflow is detected with the
 * compiler's checked builtins at the result width: ANSI raises Spark's
 * error for the first valid overflowing row, legacy keeps the two's
 * complement wrap Java produces. Division and remainder by zero raise
 * DIVIDE_BY_ZERO / REMAINDER_BY_ZERO under ANSI and give NULL otherwise
 * (for doubles too, as in Spark). Decimal results are rounded HALF_UP to
 * the result scale; a result wider than its precision is NULL in legacy
 * mode and NUMERIC_VALUE_OUT_OF_RANGE under ANSI.
 *
 * Not done: interval and datetime arithmetic (date + int is date_add in
 * Spark), the decimal rules without precision loss
 * (spark.sql.decimalOperations.allowPrecisionLoss=false), and `div` of
 * float/double operands under ANSI (Spark rejects them; we cast to BIGINT).
 */
#include "expr_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_PMOD, OP_IDIV, OP_NEG, OP_POS, OP_ABS };

static const char *op_symbol[] = {"+", "-", "*", "/", "%", "pmod", "div", "-", "+", "abs"};
static const char *op_try[] = {"try_add", "try_subtract", "try_multiply", "try_divide", "try_mod",
                               NULL, "try_divide", NULL, NULL, NULL};

/* ---- errors ---- */

static int byte_short_overflow(int op, int64_t a, int64_t b, em_error *err) {
  char v1[32], v2[32], fn[32];
  snprintf(v1, sizeof v1, "%lldS", (long long)a);
  snprintf(v2, sizeof v2, "%lldS", (long long)b);
  snprintf(fn, sizeof fn, "`%s`", op_try[op] ? op_try[op] : "try_add");
  return em_error_set(err, EM_ERR_BINARY_ARITHMETIC_OVERFLOW, "value1", v1, "symbol", op_symbol[op], "value2", v2,
                      "functionName", fn, NULL);
}

static int dec_overflow(__int128 v, int scale, const em_type *t, em_error *err) {
  em_strbuf val;
  em_strbuf_init(&val);
  em_fmt_decimal(v, scale, &val);
  char p[8], s[8];
  snprintf(p, sizeof p, "%d", t->u.dec.precision);
  snprintf(s, sizeof s, "%d", t->u.dec.scale);
  em_error_set(err, EM_ERR_NUMERIC_VALUE_OUT_OF_RANGE_WITH_SUGGESTION, "value", val.data ? val.data : "",
               "precision", p, "scale", s, "config", "\"spark.sql.ansi.enabled\"", NULL);
  em_strbuf_free(&val);
  return -1;
}

static int zero_divisor(int op, em_error *err) {
  if (op == OP_MOD || op == OP_PMOD)
    return em_error_set(err, EM_ERR_REMAINDER_BY_ZERO, "config", "\"spark.sql.ansi.enabled\"", NULL);
  return em_fn_div_by_zero(err);
}

#define VALID(v, i) (!(v)->validity || em_bit_get((v)->validity->data, (i)))

/* ---- integer kernels (one body per C type) ---- */

#define INT_TYPES(X) X(int8_t, i8, 1) X(int16_t, i16, 1) X(int32_t, i32, 0) X(int64_t, i64, 0)

#define INT_BINOP(CT, SUF, NARROW)                                                                      \
  static int int_binop_##SUF(const em_fn_info *fi, const CT *a, const CT *b, em_vec *r, em_error *err) { \
    CT *o = em_vec_values(r);                                                                           \
    int64_t n = r->len;                                                                                 \
    for (int64_t i = 0; i < n; i++) {                                                                   \
      bool ovf = false;                                                                                 \
      CT x = a[i], y = b[i];                                                                            \
      switch (fi->op) {                                                                                 \
      case OP_ADD: ovf = __builtin_add_overflow(x, y, &o[i]); break;                                    \
      case OP_SUB: ovf = __builtin_sub_overflow(x, y, &o[i]); break;                                    \
      case OP_MUL: ovf = __builtin_mul_overflow(x, y, &o[i]); break;                                    \
      case OP_MOD:                                                                                      \
      case OP_PMOD:                                                                                     \
        if (y == 0) {                                                                                   \
          if (!VALID(r, i)) break;                                                                      \
          if (fi->ansi) return zero_divisor(fi->op, err);                                               \
          if (em_fn_set_null(r, i)) return em_error_internal(err, "out of memory");                     \
          break;                                                                                        \
        }                                                                                               \
        o[i] = y == -1 ? 0 : (CT)(x % y);                                                               \
        if (fi->op == OP_PMOD && o[i] < 0) {                                                          \
          /* (a % n) + n wraps as Java's int (byte/short/int) or long. */                              \
          uint64_t sum_ = (uint64_t)(int64_t)o[i] + (uint64_t)(int64_t)y;                               \
          int64_t t_ = sizeof(CT) < 8 ? (int64_t)(int32_t)sum_ : (int64_t)sum_;                         \
          o[i] = y == -1 ? 0 : (CT)(t_ % y);                                                            \
        }                                                                                               \
        break;                                                                                          \
      default: break;                                                                                   \
      }                                                                                                 \
      if (ovf && VALID(r, i) && fi->ansi) {                                                             \
        if (NARROW) return byte_short_overflow(fi->op, x, y, err);                                      \
        return em_fn_overflow(err, "overflow", op_try[fi->op]);                                          \
      }                                                                                                 \
    }                                                                                                   \
    return 0;                                                                                           \
  }                                                                                                     \
  static int int_unop_##SUF(const em_fn_info *fi, const CT *a, em_vec *r, em_error *err) {              \
    CT *o = em_vec_values(r);                                                                           \
    int64_t n = r->len;                                                                                 \
    for (int64_t i = 0; i < n; i++) {                                                                   \
      CT x = a[i];                                                                                      \
      bool ovf = false;                                                                                 \
      if (fi->op == OP_POS)                                                                             \
        o[i] = x;                                                                                       \
      else if (fi->op == OP_NEG || x < 0)                                                               \
        ovf = __builtin_sub_overflow((CT)0, x, &o[i]);                                                  \
      else                                                                                              \
        o[i] = x;                                                                                       \
      if (ovf && VALID(r, i) && fi->ansi) return em_fn_overflow(err, "overflow", NULL);                 \
    }                                                                                                   \
    return 0;                                                                                           \
  }
INT_TYPES(INT_BINOP)
#undef INT_BINOP

/* ---- floating point kernels ---- */

#define FLOAT_TYPES(X) X(float, f32, fmodf) X(double, f64, fmod)

#define FLT_BINOP(CT, SUF, FMOD)                                                                         \
  static int flt_binop_##SUF(const em_fn_info *fi, const CT *a, const CT *b, em_vec *r, em_error *err) { \
    CT *o = em_vec_values(r);                                                                           \
    int64_t n = r->len;                                                                                 \
    switch (fi->op) {                                                                                   \
    case OP_ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i] + b[i]; return 0;                          \
    case OP_SUB: for (int64_t i = 0; i < n; i++) o[i] = a[i] - b[i]; return 0;                          \
    case OP_MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i] * b[i]; return 0;                          \
    default: break;                                                                                     \
    }                                                                                                   \
    for (int64_t i = 0; i < n; i++) {                                                                   \
      if (b[i] == 0) {                                                                                  \
        if (!VALID(r, i)) continue;                                                                     \
        if (fi->ansi) return zero_divisor(fi->op, err);                                                 \
        if (em_fn_set_null(r, i)) return em_error_internal(err, "out of memory");                       \
        continue;                                                                                       \
      }                                                                                                 \
      if (fi->op == OP_DIV)                                                                             \
        o[i] = a[i] / b[i];                                                                             \
      else {                                                                                            \
        o[i] = FMOD(a[i], b[i]);                                                                        \
        if (fi->op == OP_PMOD && o[i] < 0) o[i] = FMOD(o[i] + b[i], b[i]);                              \
      }                                                                                                 \
    }                                                                                                   \
    return 0;                                                                                           \
  }                                                                                                     \
  static int flt_unop_##SUF(const em_fn_info *fi, const CT *a, em_vec *r, em_error *err) {              \
    CT *o = em_vec_values(r);                                                                           \
    int64_t n = r->len;                                                                                 \
    (void)err;                                                                                          \
    for (int64_t i = 0; i < n; i++)                                                                     \
      o[i] = fi->op == OP_NEG ? -a[i] : fi->op == OP_ABS ? (CT)fabs(a[i]) : a[i];                       \
    return 0;                                                                                           \
  }
FLOAT_TYPES(FLT_BINOP)
#undef FLT_BINOP

/* ---- decimal kernel ---- */

static __int128 dec_at(const em_vec *v, int64_t i) {
  __int128 x;
  memcpy(&x, (const uint8_t *)em_vec_values(v) + i * 16, 16);
  return x;
}

/* Integral division (div) of decimals: the truncated quotient as BIGINT. */
static int dec_idiv(const em_fn_info *fi, const em_vec *a, const em_vec *b, em_vec *r, em_error *err) {
  int sa = a->type->u.dec.scale, sb = b->type->u.dec.scale;
  int64_t *o = em_vec_values(r);
  for (int64_t i = 0; i < r->len; i++) {
    if (!VALID(r, i)) continue;
    __int128 x = dec_at(a, i), y = dec_at(b, i);
    if (y == 0) {
      if (fi->ansi) return em_fn_div_by_zero(err);
      if (em_fn_set_null(r, i)) return em_error_internal(err, "out of memory");
      continue;
    }
    /* Bring both to one scale, then divide the unscaled values. */
    int s = sa > sb ? sa : sb;
    __int128 xs, ys, q;
    if (em_dec_rescale(x, sa, s, &xs) && em_dec_rescale(y, sb, s, &ys)) {
      q = xs / ys;
    } else {
      if (!em_dec_div(x, sa, y, sb, 0, &q)) q = 0;
      /* em_dec_div rounds; div truncates. */
      __int128 back;
      if (em_dec_mul(q, y, sb, sa, &back, NULL) && ((x >= 0 && back > x) || (x < 0 && back < x))) q += (q > 0) ? -1 : 1;
    }
    if (q > INT64_MAX || q < INT64_MIN) {
      if (fi->ansi) return em_fn_overflow(err, "Overflow in integral divide", "try_divide");
      if (em_fn_set_null(r, i)) return em_error_internal(err, "out of memory");
      continue;
    }
    o[i] = (int64_t)q;
  }
  return 0;
}

/* An upper bound of |unscaled value| over all of v's rows (NULL rows too:
 * a larger bound only sends the batch to the general path), or -1 when a
 * value does not fit in 62 bits. The OR of the magnitudes is below twice
 * the largest one; no branches, so the loop vectorizes. */
static int64_t dec_bound(const em_vec *v) {
  const uint8_t *d = em_vec_values(v);
  uint64_t m = 0, bad = 0;
  for (int64_t i = 0; i < v->len; i++) {
    int64_t lo, hi;
    memcpy(&lo, d + i * 16, 8);
    memcpy(&hi, d + i * 16 + 8, 8);
    bad |= (uint64_t)(hi ^ (lo >> 63));
    uint64_t sign = (uint64_t)(lo >> 63);
    m |= ((uint64_t)lo ^ sign) - sign;
  }
  return bad || m >= ((uint64_t)1 << 62) ? -1 : (int64_t)m;
}

/* + - * of decimals whose values, by this batch's bounds, cannot leave
 * int64 nor the result's precision, and whose result needs no rounding
 * (Spark's result scale is max(sa, sb) for + and -, sa + sb for *, as long
 * as the precision stays within 38): the row loop is one int64 operation,
 * no checks. Either operand may be a one-row constant (1 - l_discount).
 * Returns 1 when the batch does not qualify. */
static int dec_binop_int64(const em_fn_info *fi, const em_vec *a, const em_vec *b, em_vec *r) {
  int sa = a->type->u.dec.scale, sb = b->type->u.dec.scale;
  int rs = r->type->u.dec.scale, rp = r->type->u.dec.precision;
  int op = fi->op;
  int s = sa > sb ? sa : sb;
  if (op == OP_MUL ? rs != sa + sb : (op != OP_ADD && op != OP_SUB) || rs != s) return 1;
  if (s - sa > 18 || s - sb > 18) return 1;
  int64_t ma = dec_bound(a), mb = dec_bound(b);
  if (ma < 0 || mb < 0) return 1;
  int64_t lim = rp <= 18 ? (int64_t)em_dec_pow10(rp) : INT64_MAX, bound;
  int64_t fa = op == OP_MUL ? 1 : (int64_t)em_dec_pow10(s - sa), fb = op == OP_MUL ? 1 : (int64_t)em_dec_pow10(s - sb);
  if (op == OP_MUL) {
    if (__builtin_mul_overflow(ma, mb, &bound)) return 1;
  } else {
    int64_t xa, xb;
    if (__builtin_mul_overflow(ma, fa, &xa) || __builtin_mul_overflow(mb, fb, &xb) ||
        __builtin_add_overflow(xa, xb, &bound))
      return 1;
  }
  if (bound >= lim) return 1;
  /* Unsigned arithmetic: rows that are NULL hold arbitrary values, whose
   * results are never read but must not be undefined behaviour. */
  const uint8_t *x = em_vec_values(a), *y = em_vec_values(b);
  const int64_t xs = a->len == 1 && r->len != 1 ? 0 : 16, ys = b->len == 1 && r->len != 1 ? 0 : 16;
  uint8_t *o = em_vec_values(r);
  for (int64_t i = 0; i < r->len; i++) {
    uint64_t u, v, z;
    memcpy(&u, x + i * xs, 8);
    memcpy(&v, y + i * ys, 8);
    z = op == OP_MUL ? u * v : op == OP_ADD ? u * (uint64_t)fa + v * (uint64_t)fb : u * (uint64_t)fa - v * (uint64_t)fb;
    int64_t hi = (int64_t)z < 0 ? -1 : 0;
    memcpy(o + i * 16, &z, 8);
    memcpy(o + i * 16 + 8, &hi, 8);
  }
  return 0;
}

static int dec_binop(const em_fn_info *fi, const em_vec *a, const em_vec *b, em_vec *r, em_error *err) {
  if (fi->op == OP_IDIV) return dec_idiv(fi, a, b, r, err);
  if (dec_binop_int64(fi, a, b, r) == 0) return 0;
  int sa = a->type->u.dec.scale, sb = b->type->u.dec.scale;
  int rs = r->type->u.dec.scale, rp = r->type->u.dec.precision;
  uint8_t *o = em_vec_values(r);
  for (int64_t i = 0; i < r->len; i++) {
    if (!VALID(r, i)) continue;
    __int128 x = dec_at(a, i), y = dec_at(b, i), z = 0;
    bool ok = true;
    int zs = rs; /* scale of z before the final rounding */
    switch (fi->op) {
    case OP_ADD:
    case OP_SUB: {
      int s = sa > sb ? sa : sb;
      __int128 xs, ys;
      ok = em_dec_rescale(x, sa, s, &xs) && em_dec_rescale(y, sb, s, &ys) &&
           !(fi->op == OP_ADD ? __builtin_add_overflow(xs, ys, &z) : __builtin_sub_overflow(xs, ys, &z));
      zs = s;
      break;
    }
    case OP_MUL: {
      em_strbuf text;
      em_strbuf_init(&text);
      ok = em_dec_mul(x, y, sa + sb, rs, &z, &text);
      if (!ok && fi->ansi) {
        char p[8], sc[8];
        snprintf(p, sizeof p, "%d", rp);
        snprintf(sc, sizeof sc, "%d", rs);
        em_error_set(err, EM_ERR_NUMERIC_VALUE_OUT_OF_RANGE_WITH_SUGGESTION, "value", text.data ? text.data : "",
                     "precision", p, "scale", sc, "config", "\"spark.sql.ansi.enabled\"", NULL);
        em_strbuf_free(&text);
        return -1;
      }
      em_strbuf_free(&text);
      break;
    }
    case OP_DIV:
    case OP_MOD:
    case OP_PMOD:
      if (y == 0) {
        if (fi->ansi) return zero_divisor(fi->op, err);
        if (em_fn_set_null(r, i)) return em_error_internal(err, "out of memory");
        continue;
      }
      if (fi->op == OP_DIV) {
        ok = em_dec_div(x, sa, y, sb, rs, &z);
      } else {
        int s = sa > sb ? sa : sb;
        __int128 xs, ys;
        ok = em_dec_rescale(x, sa, s, &xs) && em_dec_rescale(y, sb, s, &ys);
        if (ok) {
          z = xs % ys;
          if (fi->op == OP_PMOD && z < 0) z = (z + ys) % ys;
        }
        zs = s;
      }
      break;
    default: break;
    }
    __int128 v = z;
    if (ok && zs != rs) ok = em_dec_rescale(z, zs, rs, &v);
    if (!ok || !em_dec_fits(v, rp)) {
      if (fi->ansi) return dec_overflow(ok ? v : z, ok ? rs : zs, r->type, err);
      if (em_fn_set_null(r, i)) return em_error_internal(err, "out of memory");
      continue;
    }
    memcpy(o + i * 16, &v, 16);
  }
  return 0;
}

/* ---- kernels ---- */

/* A column with a constant right operand (`x % 3`, `x + 1`, `d * 0.5`)
 * for the common types and operators: the constant stays in a register,
 * a remainder by it is a multiply (divmagic.c). Returns 1 when the case is
 * not covered (or needs the row-by-row checks: a zero divisor, an ANSI
 * overflow to report); the caller then expands the constant and takes the
 * general path, which produces the same values and the same errors. */
static int arith_scalar(const em_expr *e, em_vec *const *args, int64_t n, em_vec **out) {
  const em_fn_info *fi = e->u.fn.data;
  if (e->nargs != 2 || args[0]->len != n || args[1]->len == n) return 1;
  em_vec *a = args[0];
  const em_vec *b = args[1];
  em_type_id t = a->type->id;
  if (b->type->id != t || e->type->id != t || em_vec_is_null(b, 0)) return 1;
  if (t != EM_T_INT && t != EM_T_LONG && t != EM_T_DOUBLE) return 1;
  int op = fi->op;
  /* Every row's value is written below (NULL rows too). */
  em_vec *r = em_fn_result_uninit(e->type, n, &a, 1);
  if (!r) return -1;
  bool ovf = false, done = true;
  if (t == EM_T_DOUBLE) {
    const double *x = em_vec_values(a), y = ((const double *)em_vec_values(b))[0];
    double *o = em_vec_values(r);
    switch (op) {
    case OP_ADD: for (int64_t i = 0; i < n; i++) o[i] = x[i] + y; break;
    case OP_SUB: for (int64_t i = 0; i < n; i++) o[i] = x[i] - y; break;
    case OP_MUL: for (int64_t i = 0; i < n; i++) o[i] = x[i] * y; break;
    case OP_DIV:
      if (y == 0) done = false;
      else for (int64_t i = 0; i < n; i++) o[i] = x[i] / y;
      break;
    default: done = false;
    }
  } else {
#define SCALAR_INT(CT)                                                                   \
  do {                                                                                   \
    const CT *x = em_vec_values(a), y = ((const CT *)em_vec_values(b))[0];               \
    CT *o = em_vec_values(r);                                                            \
    switch (op) {                                                                        \
    case OP_ADD: for (int64_t i = 0; i < n; i++) ovf |= __builtin_add_overflow(x[i], y, &o[i]); break; \
    case OP_SUB: for (int64_t i = 0; i < n; i++) ovf |= __builtin_sub_overflow(x[i], y, &o[i]); break; \
    case OP_MUL: for (int64_t i = 0; i < n; i++) ovf |= __builtin_mul_overflow(x[i], y, &o[i]); break; \
    case OP_MOD:                                                                         \
    case OP_PMOD:                                                                        \
      if (y == 0 || (op == OP_PMOD && y < 0)) {                                          \
        done = false;                                                                    \
      } else if (y == 1 || y == -1) {                                                    \
        memset(o, 0, sizeof *o * (size_t)n);                                             \
      } else {                                                                           \
        em_divmagic m;                                                                   \
        em_divmagic_init(&m, y);                                                         \
        for (int64_t i = 0; i < n; i++) o[i] = (CT)em_divmagic_mod(&m, x[i]);             \
        if (op == OP_PMOD)                                                               \
          for (int64_t i = 0; i < n; i++) o[i] = o[i] < 0 ? (CT)(o[i] + y) : o[i];        \
      }                                                                                  \
      break;                                                                             \
    default: done = false;                                                               \
    }                                                                                    \
  } while (0)
    if (t == EM_T_INT)
      SCALAR_INT(int32_t);
    else
      SCALAR_INT(int64_t);
#undef SCALAR_INT
  }
  if (!done || (ovf && fi->ansi)) {
    em_vec_unref(r);
    return 1;
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

static int arith_vectors(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err);

int em_fn_arith_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  bool scalar = false;
  for (int k = 0; k < e->nargs; k++) scalar |= args[k]->len != n;
  if (!scalar) return arith_vectors(e, args, n, ctx, out, err);
  if (e->nargs == 2 && n > 1 && args[0]->type->id == EM_T_DECIMAL && args[1]->type->id == EM_T_DECIMAL) {
    /* A decimal and a non-NULL decimal constant: the int64 loop reads the
     * constant in place (no batch-long copy of it). */
    int k = args[0]->len == n ? 1 : 0;
    if (args[1 - k]->len == n && args[k]->len == 1 && !em_vec_is_null(args[k], 0)) {
      em_vec *r = em_fn_result_uninit(e->type, n, &args[1 - k], 1);
      if (!r) return em_error_internal(err, "out of memory");
      if (dec_binop_int64(e->u.fn.data, args[0], args[1], r) == 0) {
        em_fn_finish(r, n);
        *out = r;
        return 0;
      }
      em_vec_unref(r);
    }
  }
  int rc = arith_scalar(e, args, n, out);
  if (rc < 0) return em_error_internal(err, "out of memory");
  if (rc == 0) return 0;
  em_vec *full[2];
  if (e->nargs > 2 || em_fn_expand_scalars(args, e->nargs, n, full)) return em_error_internal(err, "out of memory");
  rc = arith_vectors(e, full, n, ctx, out, err);
  for (int k = 0; k < e->nargs; k++) em_vec_unref(full[k]);
  return rc;
}

static int arith_vectors(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  bool unary = e->nargs == 1;
  em_vec *r = em_fn_result(e->type, n, args, e->nargs);
  if (!r) return em_error_internal(err, "out of memory");
  int rc = 0;
  const em_vec *a = args[0], *b = unary ? NULL : args[1];
  em_type_id t = a->type->id;
  if (a->type->id == EM_T_NULL || (b && b->type->id == EM_T_NULL)) {
    /* All rows are null: nothing to compute. */
  } else if (t == EM_T_DECIMAL && !unary) {
    rc = dec_binop(fi, a, b, r, err);
  } else if (t == EM_T_DECIMAL) {
    uint8_t *o = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      __int128 x = dec_at(a, i);
      if (fi->op == OP_NEG || (fi->op == OP_ABS && x < 0)) x = -x;
      memcpy(o + i * 16, &x, 16);
    }
  } else {
    switch (t) {
#define CASE_INT(CT, SUF, NARROW)                                                                     \
  case EM_T_BYTE * (sizeof(CT) == 1) + EM_T_SHORT * (sizeof(CT) == 2) + EM_T_INT * (sizeof(CT) == 4) + \
      EM_T_LONG * (sizeof(CT) == 8):                                                                  \
    rc = unary ? int_unop_##SUF(fi, em_vec_values(a), r, err)                                         \
               : int_binop_##SUF(fi, em_vec_values(a), em_vec_values(b), r, err);                     \
    break;
      INT_TYPES(CASE_INT)
#undef CASE_INT
    case EM_T_FLOAT:
      rc = unary ? flt_unop_f32(fi, em_vec_values(a), r, err)
                 : flt_binop_f32(fi, em_vec_values(a), em_vec_values(b), r, err);
      break;
    case EM_T_DOUBLE:
      rc = unary ? flt_unop_f64(fi, em_vec_values(a), r, err)
                 : flt_binop_f64(fi, em_vec_values(a), em_vec_values(b), r, err);
      break;
    default: rc = em_error_internal(err, "arithmetic over an unexpected type");
    }
  }
  if (rc) {
    em_vec_unref(r);
    return -1;
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

/* `div` of integral operands: both are BIGINT here. */
static int idiv_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  if (args[0]->type->id == EM_T_DECIMAL) return arith_vectors(e, args, n, ctx, out, err);
  em_vec *r = em_fn_result(e->type, n, args, 2);
  if (!r) return em_error_internal(err, "out of memory");
  if (args[0]->type->id != EM_T_NULL && args[1]->type->id != EM_T_NULL) {
    const int64_t *a = em_vec_values(args[0]), *b = em_vec_values(args[1]);
    int64_t *o = em_vec_values(r);
    for (int64_t i = 0; i < n; i++) {
      if (!VALID(r, i)) continue;
      if (b[i] == 0) {
        if (fi->ansi) goto divzero;
        if (em_fn_set_null(r, i)) goto oom;
        continue;
      }
      if (a[i] == INT64_MIN && b[i] == -1) {
        if (fi->ansi) {
          em_vec_unref(r);
          return em_fn_overflow(err, "Overflow in integral divide", "try_divide");
        }
        o[i] = INT64_MIN;
        continue;
      }
      o[i] = a[i] / b[i];
    }
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
divzero:
  em_vec_unref(r);
  return em_fn_div_by_zero(err);
oom:
  em_vec_unref(r);
  return em_error_internal(err, "out of memory");
}

/* ---- resolution ---- */

static bool is_fractional(const em_type *t) { return t->id == EM_T_FLOAT || t->id == EM_T_DOUBLE; }

/* DataTypeUtils.fromLiteral for an integral literal: DECIMAL(digits, 0). */
static em_type *literal_decimal(const em_expr *e) {
  if (e->kind != EM_EX_LITERAL || !em_type_is_integral(e->type) || em_vec_is_null(e->u.lit, 0))
    return em_decimal_for(e->type);
  const void *p = em_vec_values(e->u.lit);
  int64_t v = e->type->id == EM_T_BYTE ? ((const int8_t *)p)[0]
            : e->type->id == EM_T_SHORT ? ((const int16_t *)p)[0]
            : e->type->id == EM_T_INT ? ((const int32_t *)p)[0] : ((const int64_t *)p)[0];
  int digits = 1;
  for (unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v; u >= 10; u /= 10)
    digits++;
  return em_decimal_type(digits, 0);
}

static em_type *decimal_result(int op, const em_type *l, const em_type *r) {
  int p1 = l->u.dec.precision, s1 = l->u.dec.scale, p2 = r->u.dec.precision, s2 = r->u.dec.scale;
  int smax = s1 > s2 ? s1 : s2;
  switch (op) {
  case OP_ADD:
  case OP_SUB: {
    int i1 = p1 - s1, i2 = p2 - s2;
    return em_decimal_adjust((i1 > i2 ? i1 : i2) + smax + 1, smax);
  }
  case OP_MUL: return em_decimal_adjust(p1 + p2 + 1, s1 + s2);
  case OP_DIV: {
    int s = s1 + p2 + 1 > 6 ? s1 + p2 + 1 : 6;
    return em_decimal_adjust(p1 - s1 + s2 + s, s);
  }
  case OP_MOD:
  case OP_PMOD: {
    int i1 = p1 - s1, i2 = p2 - s2;
    return em_decimal_adjust((i1 < i2 ? i1 : i2) + smax, smax);
  }
  default: return em_type_long();
  }
}

static const char *wrong_type_text(int op) {
  switch (op) {
  case OP_ADD:
  case OP_SUB:
    return "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")";
  case OP_DIV: return "(\"DOUBLE\" or \"DECIMAL\")";
  case OP_IDIV: return "(\"BIGINT\" or \"DECIMAL\")";
  default: return "\"NUMERIC\"";
  }
}

static int resolve_binary(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  const char *sql = op == OP_PMOD ? em_fn_sql_call(call, "pmod") : em_fn_sql_binary(call, op_symbol[op]);
  call->sql = (char *)sql;
  if (op == OP_ADD || op == OP_SUB) {
    bool handled;
    if (em_fn_datetime_interval_arith(call, op == OP_SUB, &handled, err)) return -1;
    if (handled) return 0;
  }
  em_type *l = call->args[0]->type, *r = call->args[1]->type;
  /* String promotion. */
  if (em_type_is_string_like(l) || em_type_is_string_like(r)) {
    if (call->ansi) {
      em_type *t = em_coerce_string_promotion(l, r, true);
      if (t && (em_coerce_arg(call, 0, t, err) || em_coerce_arg(call, 1, t, err))) return -1;
    } else {
      if (em_type_is_string_like(l) && em_coerce_arg(call, 0, em_type_double(), err)) return -1;
      if (em_type_is_string_like(r) && em_coerce_arg(call, 1, em_type_double(), err)) return -1;
    }
    l = call->args[0]->type;
    r = call->args[1]->type;
  }
  /* NULL operands take the other side's type; two NULLs are DOUBLE. */
  if (l->id == EM_T_NULL && r->id == EM_T_NULL) {
    em_type *t = op == OP_IDIV ? em_type_long() : em_type_double();
    if (em_coerce_arg(call, 0, t, err) || em_coerce_arg(call, 1, t, err)) return -1;
  } else if (l->id == EM_T_NULL && em_type_is_numeric(r)) {
    if (em_coerce_arg(call, 0, r, err)) return -1;
  } else if (r->id == EM_T_NULL && em_type_is_numeric(l)) {
    if (em_coerce_arg(call, 1, l, err)) return -1;
  }
  l = call->args[0]->type;
  r = call->args[1]->type;
  if (!em_type_is_numeric(l) || !em_type_is_numeric(r)) {
    if (!em_type_equal(l, r, true)) return em_fn_type_error_diff(call, sql, err);
    return em_fn_type_error_binary_wrong(call, sql, wrong_type_text(op), l, err);
  }
  /* DecimalPrecision. */
  if (l->id == EM_T_DECIMAL || r->id == EM_T_DECIMAL) {
    if (is_fractional(l) || is_fractional(r)) {
      if (em_coerce_arg(call, 0, em_type_double(), err) || em_coerce_arg(call, 1, em_type_double(), err)) return -1;
    } else {
      if (l->id != EM_T_DECIMAL && em_coerce_arg(call, 0, literal_decimal(call->args[0]), err)) return -1;
      if (r->id != EM_T_DECIMAL && em_coerce_arg(call, 1, literal_decimal(call->args[1]), err)) return -1;
    }
    l = call->args[0]->type;
    r = call->args[1]->type;
  }
  em_type *result;
  if (l->id == EM_T_DECIMAL && r->id == EM_T_DECIMAL) {
    result = decimal_result(op, l, r);
    call->kernel = op == OP_IDIV ? idiv_kernel : em_fn_arith_kernel;
  } else if (op == OP_DIV) {
    if (em_coerce_arg(call, 0, em_type_double(), err) || em_coerce_arg(call, 1, em_type_double(), err)) return -1;
    result = em_type_double();
    call->kernel = em_fn_arith_kernel;
  } else if (op == OP_IDIV) {
    if (em_coerce_arg(call, 0, em_type_long(), err) || em_coerce_arg(call, 1, em_type_long(), err)) return -1;
    result = em_type_long();
    call->kernel = idiv_kernel;
  } else {
    result = em_coerce_tightest(l, r, call->ansi);
    if (!result) return em_fn_type_error_diff(call, sql, err);
    if (em_coerce_arg(call, 0, result, err) || em_coerce_arg(call, 1, result, err)) return -1;
    call->kernel = em_fn_arith_kernel;
  }
  call->type = result;
  bool can_null = op == OP_DIV || op == OP_MOD || op == OP_PMOD || op == OP_IDIV ||
                  (result->id == EM_T_DECIMAL && !call->ansi);
  call->nullable = can_null || call->args[0]->nullable || call->args[1]->nullable;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

static int resolve_unary(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = op == OP_NEG ? em_fn_sql_call(call, "negative")
            : op == OP_ABS ? em_fn_sql_call(call, "abs")
                           : em_arena_printf(call->arena, "(+ %s)", call->arg_sql[0]);
  em_type *t = call->args[0]->type;
  if (em_type_is_string_like(t)) {
    if (em_coerce_arg(call, 0, em_type_double(), err)) return -1;
  } else if (t->id == EM_T_NULL) {
    if (em_coerce_arg(call, 0, em_type_double(), err)) return -1;
  } else if (!em_type_is_numeric(t)) {
    return em_fn_type_error_unexpected(
        call, call->sql, 0, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\")", err);
  }
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable;
  call->kernel = em_fn_arith_kernel;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_add(em_func_call *call, em_error *err);
int em_fn_resolve_subtract(em_func_call *call, em_error *err);
int em_fn_resolve_multiply(em_func_call *call, em_error *err);
int em_fn_resolve_divide(em_func_call *call, em_error *err);
int em_fn_resolve_remainder(em_func_call *call, em_error *err);
int em_fn_resolve_pmod(em_func_call *call, em_error *err);
int em_fn_resolve_int_divide(em_func_call *call, em_error *err);
int em_fn_resolve_negative(em_func_call *call, em_error *err);
int em_fn_resolve_positive(em_func_call *call, em_error *err);
int em_fn_resolve_abs(em_func_call *call, em_error *err);

int em_fn_resolve_add(em_func_call *call, em_error *err) { return resolve_binary(call, OP_ADD, err); }
int em_fn_resolve_subtract(em_func_call *call, em_error *err) { return resolve_binary(call, OP_SUB, err); }
int em_fn_resolve_multiply(em_func_call *call, em_error *err) { return resolve_binary(call, OP_MUL, err); }
int em_fn_resolve_divide(em_func_call *call, em_error *err) { return resolve_binary(call, OP_DIV, err); }
int em_fn_resolve_remainder(em_func_call *call, em_error *err) { return resolve_binary(call, OP_MOD, err); }
int em_fn_resolve_pmod(em_func_call *call, em_error *err) { return resolve_binary(call, OP_PMOD, err); }
int em_fn_resolve_int_divide(em_func_call *call, em_error *err) { return resolve_binary(call, OP_IDIV, err); }
int em_fn_resolve_negative(em_func_call *call, em_error *err) { return resolve_unary(call, OP_NEG, err); }
int em_fn_resolve_positive(em_func_call *call, em_error *err) { return resolve_unary(call, OP_POS, err); }
int em_fn_resolve_abs(em_func_call *call, em_error *err) { return resolve_unary(call, OP_ABS, err); }
