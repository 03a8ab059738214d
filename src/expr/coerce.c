/*
 * Spark's implicit type coercion, as TypeCoercion (legacy, ANSI off) and
 * AnsiTypeCoercion (ANSI on, Spark 4's default) compute it: the tightest
 * and the wider common type of two types, DecimalType.forType, the
 * decimal result types of arithmetic, and the insertion of casts.
 *
 * Every type these functions return is immortal (a primitive singleton or
 * an interned decimal type), so resolvers can hand them out without
 * tracking references.
 */
#include "expr_int.h"

#include <pthread.h>
#include <string.h>

/* ---- interned decimal types ---- */

static em_type dec_table[39][39];
static pthread_once_t dec_once = PTHREAD_ONCE_INIT;

static void dec_init(void) {
  for (int p = 0; p <= 38; p++)
    for (int s = 0; s <= 38; s++) {
      em_type *t = &dec_table[p][s];
      t->id = EM_T_DECIMAL;
      atomic_init(&t->refcnt, -1);
      t->u.dec.precision = (uint8_t)p;
      t->u.dec.scale = (uint8_t)s;
    }
}

em_type *em_decimal_type(int precision, int scale) {
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision) return NULL;
  pthread_once(&dec_once, dec_init);
  return &dec_table[precision][scale];
}

/* Spark's DecimalType.bounded: both clamped to 38. */
static em_type *dec_bounded(int p, int s) {
  if (p > 38) p = 38;
  if (s > 38) s = 38;
  if (s > p) p = s;
  if (p < 1) p = 1;
  return em_decimal_type(p, s);
}

/* Spark's DecimalType.adjustPrecisionScale with allowPrecisionLoss (the
 * default): keep the integral digits and at least 6 fractional digits. */
em_type *em_decimal_adjust(int p, int s) {
  if (p <= 38) return em_decimal_type(p, s);
  int int_digits = p - s;
  int min_scale = s < 6 ? s : 6;
  int adj = 38 - int_digits;
  if (adj < min_scale) adj = min_scale;
  return em_decimal_type(38, adj);
}

em_type *em_decimal_for(const em_type *t) {
  switch (t->id) {
  case EM_T_BYTE: return em_decimal_type(3, 0);
  case EM_T_SHORT: return em_decimal_type(5, 0);
  case EM_T_INT: return em_decimal_type(10, 0);
  case EM_T_LONG: return em_decimal_type(20, 0);
  case EM_T_FLOAT: return em_decimal_type(14, 7);
  case EM_T_DOUBLE: return em_decimal_type(30, 15);
  case EM_T_DECIMAL: return em_decimal_type(t->u.dec.precision, t->u.dec.scale);
  default: return NULL;
  }
}

/* Spark's DecimalType.isWiderThan for an integral type. */
static bool dec_wider_than(const em_type *d, const em_type *other) {
  const em_type *o = em_decimal_for(other);
  if (!o) return false;
  int ds = d->u.dec.scale, dp = d->u.dec.precision, os = o->u.dec.scale, op = o->u.dec.precision;
  return dp - ds >= op - os && ds >= os;
}

static int numeric_rank(em_type_id id) {
  switch (id) {
  case EM_T_BYTE: return 0;
  case EM_T_SHORT: return 1;
  case EM_T_INT: return 2;
  case EM_T_LONG: return 3;
  case EM_T_FLOAT: return 4;
  case EM_T_DOUBLE: return 5;
  default: return -1;
  }
}

static bool is_datetime(const em_type *t) {
  return t->id == EM_T_DATE || t->id == EM_T_TIMESTAMP || t->id == EM_T_TIMESTAMP_NTZ;
}

static bool is_atomic(const em_type *t) {
  return t->id != EM_T_NULL && !em_type_is_nested(t) && t->id != EM_T_VARIANT && t->id != EM_T_CAL_INTERVAL;
}

static em_type *same(const em_type *t) {
  if (t->id == EM_T_DECIMAL) return em_decimal_type(t->u.dec.precision, t->u.dec.scale);
  em_type *p = em_type_primitive(t->id);
  return p ? p : (em_type *)t;
}

em_type *em_coerce_tightest(const em_type *a, const em_type *b, bool ansi) {
  if (em_type_equal(a, b, true)) return same(a);
  if (a->id == EM_T_NULL) return same(b);
  if (b->id == EM_T_NULL) return same(a);
  if (em_type_is_integral(a) && b->id == EM_T_DECIMAL) return dec_wider_than(b, a) ? same(b) : NULL;
  if (a->id == EM_T_DECIMAL && em_type_is_integral(b)) return dec_wider_than(a, b) ? same(a) : NULL;
  int ra = numeric_rank(a->id), rb = numeric_rank(b->id);
  if (ra >= 0 && rb >= 0) {
    int r = ra > rb ? ra : rb;
    em_type_id id = r == 5 ? EM_T_DOUBLE : r == 4 ? EM_T_FLOAT : r == 3 ? EM_T_LONG : r == 2 ? EM_T_INT
                  : r == 1 ? EM_T_SHORT : EM_T_BYTE;
    /* ANSI: an integral and a float meet at double, not float. */
    if (ansi && id == EM_T_FLOAT && ra != rb) id = EM_T_DOUBLE;
    return em_type_primitive(id);
  }
  if (is_datetime(a) && is_datetime(b)) {
    /* Date widens to either timestamp; the two timestamps to TIMESTAMP. */
    if (a->id == EM_T_DATE) return same(b);
    if (b->id == EM_T_DATE) return same(a);
    return em_type_timestamp();
  }
  if (a->id == EM_T_DT_INTERVAL && b->id == EM_T_DT_INTERVAL) return NULL; /* needs a fresh type: not here */
  return NULL;
}

/* DecimalPrecision.widerDecimalType over DecimalType.forType of each side. */
static em_type *wider_decimal(const em_type *a, const em_type *b) {
  const em_type *da = em_decimal_for(a), *db = em_decimal_for(b);
  if (!da || !db) return NULL;
  int s = da->u.dec.scale > db->u.dec.scale ? da->u.dec.scale : db->u.dec.scale;
  int ia = da->u.dec.precision - da->u.dec.scale, ib = db->u.dec.precision - db->u.dec.scale;
  int range = ia > ib ? ia : ib;
  return dec_bounded(range + s, s);
}

em_type *em_coerce_decimal_wider(const em_type *a, const em_type *b) { return wider_decimal(a, b); }

/* findWiderTypeForDecimal: a decimal with a non-decimal numeric. */
static em_type *wider_for_decimal(const em_type *a, const em_type *b) {
  if (a->id != EM_T_DECIMAL && b->id != EM_T_DECIMAL) return NULL;
  if (!em_type_is_numeric(a) || !em_type_is_numeric(b)) return NULL;
  if (a->id == EM_T_FLOAT || a->id == EM_T_DOUBLE || b->id == EM_T_FLOAT || b->id == EM_T_DOUBLE)
    return em_type_double();
  return wider_decimal(a, b);
}

static em_type *string_promotion(const em_type *a, const em_type *b, bool ansi) {
  if (!ansi) {
    /* Legacy: anything atomic but binary and boolean meets a string at STRING. */
    if (em_type_is_string_like(a) && is_atomic(b) && b->id != EM_T_BINARY && b->id != EM_T_BOOLEAN)
      return em_type_string();
    if (em_type_is_string_like(b) && is_atomic(a) && a->id != EM_T_BINARY && a->id != EM_T_BOOLEAN)
      return em_type_string();
    return NULL;
  }
  if (!em_type_is_string_like(a)) {
    if (!em_type_is_string_like(b)) return NULL;
    const em_type *t = a;
    a = b;
    b = t;
  }
  if (em_type_is_integral(b)) return em_type_long();
  if (b->id == EM_T_FLOAT || b->id == EM_T_DOUBLE || b->id == EM_T_DECIMAL) return em_type_double();
  if (b->id == EM_T_NULL) return em_type_string();
  if (b->id == EM_T_DT_INTERVAL || b->id == EM_T_YM_INTERVAL) return NULL;
  if (is_atomic(b)) return same(b);
  return NULL;
}

em_type *em_coerce_string_promotion(const em_type *a, const em_type *b, bool ansi) {
  return string_promotion(a, b, ansi);
}

em_type *em_coerce_wider(const em_type *a, const em_type *b, bool ansi) {
  em_type *t = em_coerce_tightest(a, b, ansi);
  if (!t) t = wider_for_decimal(a, b);
  if (!t) t = string_promotion(a, b, ansi);
  return t;
}

em_type *em_coerce_wider_list(em_type *const *types, int n, bool ansi) {
  em_type *acc = em_type_null();
  if (!ansi) {
    /* Legacy folds string types first (findWiderCommonType), so that
     * e.g. (timestamp, int, string) lands on STRING. */
    for (int i = 0; i < n && acc; i++)
      if (em_type_is_string_like(types[i])) acc = em_coerce_wider(acc, types[i], ansi);
    for (int i = 0; i < n && acc; i++)
      if (!em_type_is_string_like(types[i])) acc = em_coerce_wider(acc, types[i], ansi);
    return acc;
  }
  for (int i = 0; i < n && acc; i++) acc = em_coerce_wider(acc, types[i], ansi);
  return acc;
}

int em_coerce_arg(em_func_call *call, int i, em_type *to, em_error *err) {
  em_expr *a = call->args[i];
  if (em_type_equal(a->type, to, true)) return 0;
  em_expr *c = em_expr_cast(call->arena, a, to, call->ansi);
  if (!c) return em_error_internal(err, "out of memory resolving %s", call->name);
  call->args[i] = c;
  return 0;
}
