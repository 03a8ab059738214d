/*
 * Comparisons: = (sent as "=="), <, <=, >, >=, the null-safe <=> and IN,
 * over numbers, decimals, strings (UTF-8 bytes, i.e. code point order),
 * booleans (false < true), dates and timestamps.
 *
 * Coercion as Spark's rules apply it to a BinaryComparison:
 *   ANSI   a string meets an integral at BIGINT, a float/double/decimal at
 *          DOUBLE, any other atomic type at that type (so '2020-01-01' is
 *          a DATE next to a date); then DecimalPrecision; then the
 *          tightest common type, and no common type is
 *          DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES.
 *   legacy a string meets a decimal at DOUBLE and any other atomic type at
 *          that type (findCommonTypeForBinaryComparison); = and <=> of a
 *          boolean with a number compare the boolean as that number
 *          (BooleanEquality); then as above.
 * IN widens the value and every list element to their wider common type.
 *
 * Doubles and floats compare as Spark does: NaN equals NaN and is greater
 * than any other value, and -0.0 equals 0.0.
 *
 * The kernel computes a three-way comparison per row into a scratch array
 * with one loop per physical type (X-macro), then maps it to the operator;
 * IN reuses it per list element. Integer-like and decimal columns against
 * a constant or another column skip the scratch array: one loop per type
 * and operator packs the result bits directly (fused_cmp).
 */
#include "fn_nested.h"

#include <string.h>

enum { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQNS, CMP_IN };

static const char *cmp_symbol[] = {"=", "<", "<=", ">", ">=", "<=>", "IN"};

/* ---- three-way comparison of two equal-typed vectors ---- */

#define CMP3(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

/* NaN is the largest value and equals itself; -0.0 equals 0.0. */
#define FCMP3(x, y) (isnan(x) ? (isnan(y) ? 0 : 1) : isnan(y) ? -1 : CMP3(x, y))

#define FIXED_TYPES(X)                \
  X(EM_T_BYTE, int8_t, CMP3)          \
  X(EM_T_SHORT, int16_t, CMP3)        \
  X(EM_T_INT, int32_t, CMP3)          \
  X(EM_T_DATE, int32_t, CMP3)         \
  X(EM_T_LONG, int64_t, CMP3)         \
  X(EM_T_TIMESTAMP, int64_t, CMP3)    \
  X(EM_T_TIMESTAMP_NTZ, int64_t, CMP3) \
  X(EM_T_FLOAT, float, FCMP3)         \
  X(EM_T_DOUBLE, double, FCMP3)       \
  X(EM_T_DECIMAL, __int128, CMP3)

#include <math.h>

/* out[i] = sign(a[i] - b[i]) for all rows (garbage where either is null);
 * with bs, b is a scalar: row 0 of b for every i. */
static int compare3(const em_vec *a, const em_vec *b, bool bs, int64_t n, int8_t *out, em_error *err) {
  switch (a->type->id) {
#define CASE(ID, CT, F)                                                 \
  case ID: {                                                            \
    const CT *x = em_vec_values(a), *y = em_vec_values(b);              \
    if (bs) {                                                           \
      const CT y0 = y[0];                                               \
      for (int64_t i = 0; i < n; i++) out[i] = (int8_t)F(x[i], y0);     \
    } else {                                                            \
      for (int64_t i = 0; i < n; i++) out[i] = (int8_t)F(x[i], y[i]);   \
    }                                                                   \
    return 0;                                                           \
  }
    FIXED_TYPES(CASE)
#undef CASE
  case EM_T_BOOLEAN: {
    const uint8_t *x = em_vec_values(a), *y = em_vec_values(b);
    for (int64_t i = 0; i < n; i++) out[i] = (int8_t)CMP3(em_bit_get(x, i), em_bit_get(y, bs ? 0 : i));
    return 0;
  }
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY:
    for (int64_t i = 0; i < n; i++) {
      int32_t la, lb;
      const char *sa = em_vec_str(a, i, &la), *sb = em_vec_str(b, bs ? 0 : i, &lb);
      int c = memcmp(sa, sb, (size_t)(la < lb ? la : lb));
      out[i] = (int8_t)(c ? (c < 0 ? -1 : 1) : CMP3(la, lb));
    }
    return 0;
  case EM_T_NULL:
    memset(out, 0, (size_t)n);
    return 0;
  case EM_T_ARRAY:
  case EM_T_STRUCT:
    /* Spark's ordering of arrays and structs: element by element, NULL
     * elements first and equal to each other, NaN as above. */
    for (int64_t i = 0, j = 0; i < n; i++, j += !bs)
      out[i] = em_vec_is_null(a, i) || em_vec_is_null(b, j) ? 0 : (int8_t)em_nested_cmp(a, i, b, j);
    return 0;
  default:
    return em_error_internal(err, "comparison over an unexpected type");
  }
}

/* Sets bit i of bits (zeroed) where COND(c[i]) holds, a byte at a time. */
#define PACK_BITS(COND)                                                                 \
  do {                                                                                  \
    int64_t whole = n / 8;                                                              \
    for (int64_t b8 = 0; b8 < whole; b8++) {                                            \
      const int8_t *cc = c + b8 * 8;                                                    \
      unsigned m = 0;                                                                   \
      for (int k = 0; k < 8; k++) m |= (unsigned)(COND(cc[k])) << k;                    \
      bits[b8] = (uint8_t)m;                                                            \
    }                                                                                   \
    for (int64_t i = whole * 8; i < n; i++)                                             \
      if (COND(c[i])) em_bit_set(bits, i);                                              \
  } while (0)
#define IS_LT(x) ((x) < 0)
#define IS_LE(x) ((x) <= 0)
#define IS_GT(x) ((x) > 0)
#define IS_GE(x) ((x) >= 0)
#define IS_EQ(x) ((x) == 0)

/* The operator with its operands swapped (a < b is b > a). */
static int mirror(int op) {
  switch (op) {
  case CMP_LT: return CMP_GT;
  case CMP_LE: return CMP_GE;
  case CMP_GT: return CMP_LT;
  case CMP_GE: return CMP_LE;
  default: return op;
  }
}

/* The integer-like and decimal types: (id, C type). */
#define INTEGRAL_CMP_TYPES(X)                                                                              \
  X(EM_T_BYTE, int8_t) X(EM_T_SHORT, int16_t) X(EM_T_INT, int32_t) X(EM_T_DATE, int32_t) X(EM_T_LONG, int64_t) \
  X(EM_T_TIMESTAMP, int64_t) X(EM_T_TIMESTAMP_NTZ, int64_t) X(EM_T_DECIMAL, __int128)

/* bits (zeroed, n rows) = x[i] OP y[i] (y[0] for every row with bs), for
 * the types above and the operators but <=>; false when not one of them. */
static bool fused_cmp(int op, const em_vec *a, const em_vec *b, bool bs, int64_t n, uint8_t *bits) {
#define PACK(CT, OPX, YI)                                                      \
  do {                                                                         \
    const CT *x = em_vec_values(a), *y = em_vec_values(b);                     \
    int64_t whole = n / 8;                                                     \
    for (int64_t b8 = 0; b8 < whole; b8++) {                                   \
      const CT *xx = x + b8 * 8;                                               \
      unsigned m = 0;                                                          \
      for (int k = 0; k < 8; k++) m |= (unsigned)(xx[k] OPX y[YI(b8 * 8 + k)]) << k; \
      bits[b8] = (uint8_t)m;                                                   \
    }                                                                          \
    for (int64_t i = whole * 8; i < n; i++)                                    \
      if (x[i] OPX y[YI(i)]) em_bit_set(bits, i);                              \
  } while (0)
#define SCALAR(i) 0
#define ROW(i) (i)
#define OPS(CT, YI)                          \
  switch (op) {                              \
  case CMP_EQ: PACK(CT, ==, YI); return true; \
  case CMP_LT: PACK(CT, <, YI); return true;  \
  case CMP_LE: PACK(CT, <=, YI); return true; \
  case CMP_GT: PACK(CT, >, YI); return true;  \
  case CMP_GE: PACK(CT, >=, YI); return true; \
  default: return false;                     \
  }
  switch (a->type->id) {
#define CASE(ID, CT)          \
  case ID:                    \
    if (bs) OPS(CT, SCALAR)   \
    else OPS(CT, ROW)
    INTEGRAL_CMP_TYPES(CASE)
#undef CASE
  default: return false;
  }
#undef OPS
#undef ROW
#undef SCALAR
#undef PACK
}

int em_fn_cmp_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                     em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  int op = fi->op;
  em_vec *a = args[0], *b = args[1], *full[2] = {NULL, NULL};
  bool bs = false;
  if (a->len != n || b->len != n) {
    /* One constant operand, not NULL: compared in place (on the right).
     * Anything else is expanded to full vectors first. */
    em_vec *k = a->len != n ? a : b;
    if (a->len != n && b->len != n) k = NULL;
    if (k && op != CMP_EQNS && k->type->id != EM_T_NULL && !em_vec_is_null(k, 0)) {
      if (k == a) {
        a = b;
        b = k;
        op = mirror(op);
      }
      bs = true;
    } else {
      if (em_fn_expand_scalars(args, 2, n, full)) return em_error_internal(err, "out of memory");
      a = full[0];
      b = full[1];
    }
  }
  em_vec *ab[2] = {a, b};
  int8_t *c = NULL;
  int rc = 0;
  em_vec *r = op == CMP_EQNS ? em_fn_result(e->type, n, NULL, 0) : em_fn_result(e->type, n, ab, bs ? 1 : 2);
  if (r && op != CMP_EQNS && a->type->id == b->type->id && fused_cmp(op, a, b, bs, n, em_vec_values(r))) {
    em_fn_finish(r, n);
    *out = r;
    r = NULL;
    goto done;
  }
  if (r) c = em_malloc((size_t)(n ? n : 1));
  if (!r || !c || compare3(a, b, bs, n, c, err)) {
    rc = r && c ? -1 : em_error_internal(err, "out of memory");
    goto done;
  }
  uint8_t *bits = em_vec_values(r);
  switch (op) {
  case CMP_EQNS:
    for (int64_t i = 0; i < n; i++) {
      bool na = em_vec_is_null(a, i), nb = em_vec_is_null(b, i);
      if ((na && nb) || (!na && !nb && c[i] == 0)) em_bit_set(bits, i);
    }
    break;
  case CMP_LT: PACK_BITS(IS_LT); break;
  case CMP_LE: PACK_BITS(IS_LE); break;
  case CMP_GT: PACK_BITS(IS_GT); break;
  case CMP_GE: PACK_BITS(IS_GE); break;
  default: PACK_BITS(IS_EQ); break;
  }
  em_fn_finish(r, n);
  *out = r;
  r = NULL;
done:
  em_free(c);
  if (r) em_vec_unref(r);
  if (full[0]) em_vec_unref(full[0]);
  if (full[1]) em_vec_unref(full[1]);
  return rc;
}

/* value IN (list): true on a match; else NULL when the value or any list
 * element is NULL; else false. An empty list is false (ANSI, even for a
 * NULL value) or NULL for a NULL value (legacy). */
static int in_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                     em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  em_vec *r = em_fn_result(e->type, n, NULL, 0);
  int8_t *c = em_malloc((size_t)(n ? n : 1));
  uint8_t *seen_null = em_calloc((size_t)(n ? n : 1), 1);
  if (!r || !c || !seen_null) goto oom;
  uint8_t *bits = em_vec_values(r);
  for (int k = 1; k < e->nargs; k++) {
    if (compare3(args[0], args[k], false, n, c, err)) goto fail;
    for (int64_t i = 0; i < n; i++) {
      if (em_vec_is_null(args[k], i))
        seen_null[i] = 1;
      else if (c[i] == 0 && !em_vec_is_null(args[0], i))
        em_bit_set(bits, i);
    }
  }
  for (int64_t i = 0; i < n; i++) {
    if (em_bit_get(bits, i)) continue;
    bool null = seen_null[i] || (em_vec_is_null(args[0], i) && (e->nargs > 1 || !fi->ansi));
    if (null && em_fn_set_null(r, i)) goto oom;
  }
  em_free(c);
  em_free(seen_null);
  em_fn_finish(r, n);
  *out = r;
  return 0;
oom:
  em_error_internal(err, "out of memory");
fail:
  em_free(c);
  em_free(seen_null);
  if (r) em_vec_unref(r);
  return -1;
}

/* ---- resolution ---- */

static bool is_datetime(const em_type *t) {
  return t->id == EM_T_DATE || t->id == EM_T_TIMESTAMP || t->id == EM_T_TIMESTAMP_NTZ;
}

/* Legacy findCommonTypeForBinaryComparison for a string and another type. */
static em_type *legacy_string_cmp(const em_type *l, const em_type *r) {
  if (!em_type_is_string_like(l)) {
    const em_type *t = l;
    l = r;
    r = t;
  }
  if (r->id == EM_T_NULL) return em_type_string();
  if (r->id == EM_T_DECIMAL) return em_type_double();
  if (em_type_is_string_like(r) || r->id == EM_T_DT_INTERVAL || r->id == EM_T_YM_INTERVAL) return NULL;
  if (em_type_is_nested(r) || r->id == EM_T_VARIANT || r->id == EM_T_CAL_INTERVAL) return NULL;
  if (r->id == EM_T_DATE) return em_type_date();
  return em_type_primitive(r->id) ? em_type_primitive(r->id) : NULL;
}

/* Spark rewrites `int_col > 1.5` to `int_col > 1` (and friends) before
 * naming the column: only the generated name changes, the value is the
 * same as comparing exactly. */
static void reduce_decimal_literal_name(em_func_call *call, int op) {
  if (op == CMP_EQ || op == CMP_EQNS) return;
  for (int side = 0; side < 2; side++) {
    em_expr *lit = call->args[side], *other = call->args[1 - side];
    if (lit->kind != EM_EX_LITERAL || lit->type->id != EM_T_DECIMAL || !em_type_is_integral(other->type)) continue;
    if (em_vec_is_null(lit->u.lit, 0)) continue;
    __int128 v;
    memcpy(&v, em_vec_values(lit->u.lit), 16);
    __int128 p = em_dec_pow10(lit->type->u.dec.scale);
    __int128 fl = v / p - ((v % p) < 0 ? 1 : 0), ce = v / p + ((v % p) > 0 ? 1 : 0);
    if (fl < INT64_MIN || ce > INT64_MAX) continue;
    /* Literal on the right: > and <= floor, >= and < ceil; on the left the
     * reverse. */
    bool use_floor = side == 1 ? (op == CMP_GT || op == CMP_LE) : (op == CMP_GE || op == CMP_LT);
    call->arg_sql[side] = em_arena_printf(call->arena, "%lld", (long long)(use_floor ? fl : ce));
  }
}

/* Equal types up to nullability and struct field names (Spark compares
 * such values without a cast). */
static bool same_shape(const em_type *a, const em_type *b) {
  if (a->id != b->id) return false;
  switch (a->id) {
  case EM_T_ARRAY: return same_shape(a->u.array.elem, b->u.array.elem);
  case EM_T_MAP: return same_shape(a->u.map.key, b->u.map.key) && same_shape(a->u.map.value, b->u.map.value);
  case EM_T_STRUCT:
    if (a->u.st.nfields != b->u.st.nfields) return false;
    for (int k = 0; k < a->u.st.nfields; k++)
      if (!same_shape(a->u.st.fields[k].type, b->u.st.fields[k].type)) return false;
    return true;
  default: return em_type_equal(a, b, true);
  }
}

/* The common type of two nested operands: element and field types widened
 * without string promotion (array<int> vs array<string> has none), struct
 * fields matched by name case-insensitively. A new reference or NULL. */
static em_type *nested_cmp_common(const em_type *a, const em_type *b, bool ansi) {
  if (a->id == EM_T_NULL) return em_type_ref((em_type *)b);
  if (b->id == EM_T_NULL) return em_type_ref((em_type *)a);
  if ((em_type_is_nested(a) || em_type_is_nested(b)) && a->id != b->id) return NULL;
  if (a->id == EM_T_ARRAY) {
    em_type *e = nested_cmp_common(a->u.array.elem, b->u.array.elem, ansi);
    return e ? em_type_array(e, a->u.array.contains_null || b->u.array.contains_null) : NULL;
  }
  if (a->id == EM_T_MAP) {
    em_type *k = nested_cmp_common(a->u.map.key, b->u.map.key, ansi);
    em_type *v = k ? nested_cmp_common(a->u.map.value, b->u.map.value, ansi) : NULL;
    if (!v) {
      if (k) em_type_unref(k);
      return NULL;
    }
    return em_type_map(k, v, a->u.map.value_contains_null || b->u.map.value_contains_null);
  }
  if (a->id == EM_T_STRUCT) {
    if (a->u.st.nfields != b->u.st.nfields) return NULL;
    em_type *st = em_type_struct_new(a->u.st.nfields);
    if (!st) return NULL;
    for (int k = 0; k < a->u.st.nfields; k++) {
      const em_field *fa = &a->u.st.fields[k], *fb = &b->u.st.fields[k];
      em_type *f = em_strcaseeq(fa->name, fb->name) ? nested_cmp_common(fa->type, fb->type, ansi) : NULL;
      if (!f || em_type_struct_set(st, k, fa->name, f, fa->nullable || fb->nullable, NULL)) {
        em_type_unref(st);
        return NULL;
      }
    }
    return st;
  }
  if (em_type_is_nested(a)) return NULL;
  em_type *t = em_coerce_tightest(a, b, ansi);
  if (!t && em_type_is_numeric(a) && em_type_is_numeric(b) && (a->id == EM_T_DECIMAL || b->id == EM_T_DECIMAL)) {
    bool frac = a->id == EM_T_FLOAT || a->id == EM_T_DOUBLE || b->id == EM_T_FLOAT || b->id == EM_T_DOUBLE;
    t = frac ? em_type_double() : em_coerce_decimal_wider(a, b);
  }
  return t ? em_type_ref(t) : NULL;
}

/* Coerces two operands of which one is an array, map or struct. */
static int coerce_nested_pair(em_func_call *call, int i, int j, const char *sql, em_error *err) {
  em_type *l = call->args[i]->type, *r = call->args[j]->type;
  if (same_shape(l, r)) return 0;
  em_type *c = nested_cmp_common(l, r, call->ansi);
  if (!c) return em_fn_type_error_diff(call, sql, err);
  em_type *t = em_nested_intern(c, err);
  if (!t) return -1;
  if (em_coerce_arg(call, i, t, err) || em_coerce_arg(call, j, t, err)) return -1;
  return 0;
}

/* Coerces args[i] and args[j] to a common type for comparison. */
static int coerce_pair(em_func_call *call, int i, int j, bool equality, const char *sql, em_error *err) {
  em_type *l = call->args[i]->type, *r = call->args[j]->type;
  if (em_type_is_nested(l) || em_type_is_nested(r)) return coerce_nested_pair(call, i, j, sql, err);
  bool ls = em_type_is_string_like(l), rs = em_type_is_string_like(r);
  if (ls != rs) {
    em_type *t = call->ansi ? em_coerce_string_promotion(l, r, true) : legacy_string_cmp(l, r);
    if (t && (em_coerce_arg(call, i, t, err) || em_coerce_arg(call, j, t, err))) return -1;
    l = call->args[i]->type;
    r = call->args[j]->type;
  }
  if (!call->ansi && equality) {
    if (l->id == EM_T_BOOLEAN && em_type_is_numeric(r)) {
      if (em_coerce_arg(call, i, r, err)) return -1;
    } else if (r->id == EM_T_BOOLEAN && em_type_is_numeric(l)) {
      if (em_coerce_arg(call, j, l, err)) return -1;
    }
    l = call->args[i]->type;
    r = call->args[j]->type;
  }
  if (em_type_equal(l, r, true)) return 0;
  em_type *t = NULL;
  if (l->id == EM_T_DECIMAL || r->id == EM_T_DECIMAL) {
    if (em_type_is_numeric(l) && em_type_is_numeric(r)) {
      bool frac = l->id == EM_T_FLOAT || l->id == EM_T_DOUBLE || r->id == EM_T_FLOAT || r->id == EM_T_DOUBLE;
      t = frac ? em_type_double() : em_coerce_decimal_wider(l, r);
    }
  }
  if (!t) t = em_coerce_tightest(l, r, call->ansi);
  if (!t && is_datetime(l) && is_datetime(r)) t = em_type_timestamp();
  if (!t) return em_fn_type_error_diff(call, sql, err);
  if (em_coerce_arg(call, i, t, err) || em_coerce_arg(call, j, t, err)) return -1;
  return 0;
}

static bool comparable(const em_type *t) {
  return t->id != EM_T_VARIANT && t->id != EM_T_CAL_INTERVAL && em_nested_orderable(t);
}

/* DATATYPE_MISMATCH.INVALID_ORDERING_TYPE: maps (also inside arrays and
 * structs) have no ordering, so not even `=`. */
static int ordering_error(em_func_call *call, int op, em_error *err) {
  em_strbuf t;
  em_strbuf_init(&t);
  em_fn_quoted_type(call->args[0]->type, &t);
  em_error_set(err, EM_ERR_DATATYPE_MISMATCH_INVALID_ORDERING_TYPE, "sqlExpr",
               em_arena_printf(call->arena, "\"%s\"", call->sql), "functionName",
               em_arena_printf(call->arena, "`%s`", cmp_symbol[op]), "dataType", t.data ? t.data : "", NULL);
  em_strbuf_free(&t);
  return -1;
}

static int resolve_cmp(em_func_call *call, int op, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  reduce_decimal_literal_name(call, op);
  call->sql = em_fn_sql_binary(call, cmp_symbol[op]);
  if (coerce_pair(call, 0, 1, op == CMP_EQ || op == CMP_EQNS, call->sql, err)) return -1;
  if (em_type_is_nested(call->args[0]->type) && !comparable(call->args[0]->type))
    return ordering_error(call, op, err);
  if (!comparable(call->args[0]->type))
    return em_fn_type_error_binary_wrong(call, call->sql, "\"ATOMIC\"", call->args[0]->type, err);
  call->type = em_type_boolean();
  call->nullable = op == CMP_EQNS ? false : call->args[0]->nullable || call->args[1]->nullable;
  call->kernel = em_fn_cmp_kernel;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

static int resolve_in(em_func_call *call, em_error *err) {
  if (call->nargs < 1) return em_fn_wrong_num_args(call, "> 0", err);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "(%s IN (", call->arg_sql[0]);
  for (int i = 1; i < call->nargs; i++) em_strbuf_printf(&sb, "%s%s", i > 1 ? ", " : "", call->arg_sql[i]);
  em_strbuf_puts(&sb, "))");
  call->sql = em_arena_strdup(call->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  if (!call->sql) return em_error_internal(err, "out of memory");
  em_type **types = em_arena_calloc(call->arena, sizeof(em_type *) * (size_t)call->nargs);
  if (!types) return em_error_internal(err, "out of memory");
  for (int i = 0; i < call->nargs; i++) types[i] = call->args[i]->type;
  em_type *t = NULL;
  if (em_type_is_nested(types[0])) {
    /* Arrays and structs: one common shape for the value and the list. */
    em_type *c = em_type_ref(types[0]);
    for (int i = 1; c && i < call->nargs; i++) {
      em_type *w = same_shape(c, types[i]) ? em_type_ref(c) : nested_cmp_common(c, types[i], call->ansi);
      em_type_unref(c);
      c = w;
    }
    if (c && !(t = em_nested_intern(c, err))) return -1;
  } else {
    t = em_coerce_wider_list(types, call->nargs, call->ansi);
  }
  if (!t) {
    em_strbuf ts;
    em_strbuf_init(&ts);
    em_strbuf_putc(&ts, '[');
    for (int i = 0; i < call->nargs; i++) {
      if (i) em_strbuf_puts(&ts, ", ");
      em_fn_quoted_type(types[i], &ts);
    }
    em_strbuf_putc(&ts, ']');
    em_error_set(err, EM_ERR_DATATYPE_MISMATCH_DATA_DIFF_TYPES, "functionName", "`in`", "dataType",
                 ts.data ? ts.data : "", "sqlExpr", em_arena_printf(call->arena, "\"%s\"", call->sql), NULL);
    em_strbuf_free(&ts);
    return -1;
  }
  for (int i = 0; i < call->nargs; i++)
    if (!same_shape(call->args[i]->type, t) && em_coerce_arg(call, i, t, err)) return -1;
  if (em_type_is_nested(t) && !comparable(t)) return ordering_error(call, CMP_IN, err);
  call->type = em_type_boolean();
  call->nullable = false;
  for (int i = 0; i < call->nargs; i++) call->nullable |= call->args[i]->nullable;
  call->kernel = in_kernel;
  em_fn_in_use_set(call);
  if (!(call->data = em_fn_info_new(call, CMP_IN))) return em_error_internal(err, "out of memory");
  return 0;
}

int em_fn_resolve_eq(em_func_call *call, em_error *err);
int em_fn_resolve_lt(em_func_call *call, em_error *err);
int em_fn_resolve_le(em_func_call *call, em_error *err);
int em_fn_resolve_gt(em_func_call *call, em_error *err);
int em_fn_resolve_ge(em_func_call *call, em_error *err);
int em_fn_resolve_eq_null_safe(em_func_call *call, em_error *err);
int em_fn_resolve_in(em_func_call *call, em_error *err);

int em_fn_resolve_eq(em_func_call *call, em_error *err) { return resolve_cmp(call, CMP_EQ, err); }
int em_fn_resolve_lt(em_func_call *call, em_error *err) { return resolve_cmp(call, CMP_LT, err); }
int em_fn_resolve_le(em_func_call *call, em_error *err) { return resolve_cmp(call, CMP_LE, err); }
int em_fn_resolve_gt(em_func_call *call, em_error *err) { return resolve_cmp(call, CMP_GT, err); }
int em_fn_resolve_ge(em_func_call *call, em_error *err) { return resolve_cmp(call, CMP_GE, err); }
int em_fn_resolve_eq_null_safe(em_func_call *call, em_error *err) { return resolve_cmp(call, CMP_EQNS, err); }
int em_fn_resolve_in(em_func_call *call, em_error *err) { return resolve_in(call, err); }
