/*
 * Bit operators and functions over integral values: & | ^ (binary, both
 * sides coerced to one integral type, the result of that type), ~ (same
 * type), shiftleft / shiftright / shiftrightunsigned (SQL's << >> >>>;
 * the value INT or BIGINT, smaller integrals widened to INT, the distance
 * an INT; Java's shifts, so the distance is taken modulo the width),
 * bit_count (INT count of set bits of the value widened to BIGINT, so
 * -1 has 64; a BOOLEAN counts 1 for true) and bit_get / getbit (the bit at a position
 * as TINYINT, INVALID_PARAMETER_VALUE.BIT_POSITION_RANGE outside
 * [0, width)). NULL in, NULL out.
 */
#include "expr_int.h"

#include <stdio.h>
#include <string.h>

enum { B_AND, B_OR, B_XOR, B_NOT, B_SHL, B_SHR, B_SHRU, B_COUNT, B_GET };

static int64_t get_int(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: return ((const int8_t *)p)[i];
  case EM_T_SHORT: return ((const int16_t *)p)[i];
  case EM_T_INT: return ((const int32_t *)p)[i];
  case EM_T_BOOLEAN: return em_bit_get(p, i);
  default: return ((const int64_t *)p)[i];
  }
}

static void put_int(em_vec *v, int64_t i, int64_t x) {
  void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: ((int8_t *)p)[i] = (int8_t)x; break;
  case EM_T_SHORT: ((int16_t *)p)[i] = (int16_t)x; break;
  case EM_T_INT: ((int32_t *)p)[i] = (int32_t)x; break;
  default: ((int64_t *)p)[i] = x; break;
  }
}

static int width_of(const em_type *t) {
  switch (t->id) {
  case EM_T_BYTE: return 8;
  case EM_T_SHORT: return 16;
  case EM_T_INT: return 32;
  case EM_T_BOOLEAN: return 1;
  default: return 64;
  }
}

static int bits_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err) {
  (void)ctx;
  const em_fn_info *fi = e->u.fn.data;
  int nargs = fi->op == B_NOT || fi->op == B_COUNT ? 1 : 2;
  em_vec *r = em_fn_result(e->type, n, args, nargs);
  if (!r) return em_error_internal(err, "out of memory");
  const em_vec *a = args[0], *b = nargs == 2 ? args[1] : NULL;
  int w = width_of(a->type);
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(r, i)) continue;
    int64_t x = get_int(a, i), y = b ? get_int(b, i) : 0, o = 0;
    switch (fi->op) {
    case B_AND: o = x & y; break;
    case B_OR: o = x | y; break;
    case B_XOR: o = x ^ y; break;
    case B_NOT: o = ~x; break;
    case B_SHL:
      o = w == 64 ? (int64_t)((uint64_t)x << (y & 63)) : (int64_t)(int32_t)((uint32_t)x << (y & 31));
      break;
    case B_SHR: o = w == 64 ? x >> (y & 63) : (int64_t)((int32_t)x >> (y & 31)); break;
    case B_SHRU:
      o = w == 64 ? (int64_t)((uint64_t)x >> (y & 63)) : (int64_t)(int32_t)((uint32_t)x >> (y & 31));
      break;
    case B_COUNT:
      o = w == 1 ? x : __builtin_popcountll((uint64_t)x); /* of the value widened to BIGINT, as Spark */
      break;
    case B_GET:
      if (y < 0 || y >= w) {
        em_vec_unref(r);
        char pos[32], hi[32];
        snprintf(pos, sizeof pos, "%lld", (long long)y);
        snprintf(hi, sizeof hi, "%d", w);
        em_error_set(err, EM_ERR_INVALID_PARAMETER_VALUE_BIT_POSITION_RANGE, "parameter", "`pos`", "functionName",
                     "`bit_get`", "invalidValue", pos, "upper", hi, NULL);
        em_error_no_context(err); /* Spark raises it without a query context */
        return -1;
      }
      o = (x >> y) & 1;
      break;
    }
    put_int(r, i, o);
  }
  em_fn_finish(r, n);
  *out = r;
  return 0;
}

static int finish(em_func_call *call, int op, em_error *err) {
  call->kernel = bits_kernel;
  if (!(call->data = em_fn_info_new(call, op))) return em_error_internal(err, "out of memory");
  return 0;
}

/* A string or NULL operand becomes BIGINT (ANSI string promotion; a NULL
 * takes the integral default). */
static int integral_operand(em_func_call *call, int i, em_type *to, em_error *err) {
  em_type *t = call->args[i]->type;
  if (em_type_is_string_like(t) || t->id == EM_T_NULL) return em_coerce_arg(call, i, to, err);
  return 0;
}

static int resolve_binary(em_func_call *call, int op, const char *sym, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_binary(call, sym);
  em_type *l = call->args[0]->type, *r = call->args[1]->type;
  em_type *lt = em_type_is_integral(r) ? r : em_type_long();
  em_type *rt = em_type_is_integral(l) ? l : em_type_long();
  if (integral_operand(call, 0, lt, err) || integral_operand(call, 1, rt, err)) return -1;
  l = call->args[0]->type;
  r = call->args[1]->type;
  if (!em_type_is_integral(l) || !em_type_is_integral(r)) {
    if (!em_type_equal(l, r, true)) return em_fn_type_error_diff(call, call->sql, err);
    return em_fn_type_error_binary_wrong(call, call->sql, "\"INTEGRAL\"", l, err);
  }
  em_type *t = em_coerce_tightest(l, r, call->ansi);
  if (!t) return em_fn_type_error_diff(call, call->sql, err);
  if (em_coerce_arg(call, 0, t, err) || em_coerce_arg(call, 1, t, err)) return -1;
  call->type = t;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  return finish(call, op, err);
}

int em_fn_resolve_bit_and(em_func_call *call, em_error *err);
int em_fn_resolve_bit_or(em_func_call *call, em_error *err);
int em_fn_resolve_bit_xor(em_func_call *call, em_error *err);
int em_fn_resolve_bit_not(em_func_call *call, em_error *err);
int em_fn_resolve_shiftleft(em_func_call *call, em_error *err);
int em_fn_resolve_shiftright(em_func_call *call, em_error *err);
int em_fn_resolve_shiftrightunsigned(em_func_call *call, em_error *err);
int em_fn_resolve_bit_count(em_func_call *call, em_error *err);
int em_fn_resolve_bit_get(em_func_call *call, em_error *err);

int em_fn_resolve_bit_and(em_func_call *call, em_error *err) { return resolve_binary(call, B_AND, "&", err); }
int em_fn_resolve_bit_or(em_func_call *call, em_error *err) { return resolve_binary(call, B_OR, "|", err); }
int em_fn_resolve_bit_xor(em_func_call *call, em_error *err) { return resolve_binary(call, B_XOR, "^", err); }

int em_fn_resolve_bit_not(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_arena_printf(call->arena, "~%s", call->arg_sql[0]);
  if (integral_operand(call, 0, em_type_long(), err)) return -1;
  em_type *t = call->args[0]->type;
  if (!em_type_is_integral(t)) return em_fn_type_error_unexpected(call, call->sql, 0, "\"INTEGRAL\"", err);
  call->type = t;
  call->nullable = call->args[0]->nullable;
  return finish(call, B_NOT, err);
}

/* The value: INT or BIGINT (BYTE/SHORT/strings widen to INT, as Spark's
 * implicit cast to the first type of (INT, BIGINT) that accepts them). */
static int resolve_shift(em_func_call *call, int op, const char *name, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, name);
  em_type *t = call->args[0]->type;
  if (t->id != EM_T_LONG) {
    if (!em_type_is_integral(t) && !em_type_is_string_like(t) && t->id != EM_T_NULL)
      return em_fn_type_error_unexpected(call, call->sql, 0, "(\"INT\" or \"BIGINT\")", err);
    if (em_coerce_arg(call, 0, em_type_int(), err)) return -1;
  }
  em_type *d = call->args[1]->type;
  if (!em_type_is_integral(d) && !em_type_is_string_like(d) && d->id != EM_T_NULL)
    return em_fn_type_error_unexpected(call, call->sql, 1, "\"INT\"", err);
  if (em_coerce_arg(call, 1, em_type_int(), err)) return -1;
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  return finish(call, op, err);
}

int em_fn_resolve_shiftleft(em_func_call *call, em_error *err) { return resolve_shift(call, B_SHL, "shiftleft", err); }
int em_fn_resolve_shiftright(em_func_call *call, em_error *err) {
  return resolve_shift(call, B_SHR, "shiftright", err);
}
int em_fn_resolve_shiftrightunsigned(em_func_call *call, em_error *err) {
  return resolve_shift(call, B_SHRU, "shiftrightunsigned", err);
}

int em_fn_resolve_bit_count(em_func_call *call, em_error *err) {
  if (call->nargs != 1) return em_fn_wrong_num_args(call, "1", err);
  call->sql = em_fn_sql_call(call, "bit_count");
  em_type *t = call->args[0]->type;
  if (t->id == EM_T_NULL || em_type_is_string_like(t)) {
    if (em_coerce_arg(call, 0, em_type_long(), err)) return -1;
  } else if (!em_type_is_integral(t) && t->id != EM_T_BOOLEAN) {
    return em_fn_type_error_unexpected(call, call->sql, 0, "(\"INTEGRAL\" or \"BOOLEAN\")", err);
  }
  call->type = em_type_int();
  call->nullable = call->args[0]->nullable;
  return finish(call, B_COUNT, err);
}

int em_fn_resolve_bit_get(em_func_call *call, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  call->sql = em_fn_sql_call(call, call->name);
  if (integral_operand(call, 0, em_type_long(), err)) return -1;
  if (!em_type_is_integral(call->args[0]->type))
    return em_fn_type_error_unexpected(call, call->sql, 0, "\"INTEGRAL\"", err);
  em_type *d = call->args[1]->type;
  if (!em_type_is_integral(d) && !em_type_is_string_like(d) && d->id != EM_T_NULL)
    return em_fn_type_error_unexpected(call, call->sql, 1, "\"INT\"", err);
  if (em_coerce_arg(call, 1, em_type_int(), err)) return -1;
  call->type = em_type_byte();
  call->nullable = call->args[0]->nullable || call->args[1]->nullable;
  return finish(call, B_GET, err);
}
