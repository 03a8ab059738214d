/*
 * A pushed filter evaluated row by row over a decoded column, for readers
 * that leave out rejected rows (em_read_request.filter_rows). The result
 * must be what the filter above the scan would decide for the row, so
 * only comparisons whose semantics are plain here are evaluated: integer,
 * date, timestamp and interval columns, decimals (the literal has the
 * column's type, so the same scale), floats and doubles with Spark's
 * ordering (NaN equals NaN and is above every other value; -0.0 equals
 * 0.0), booleans, and strings and binaries in byte order. A NULL row
 * fails every comparison and IS NOT NULL; it passes IS NULL only.
 */
#include "format.h"

#include <math.h>
#include <string.h>

static int dcmp(double a, double b) {
  bool na = isnan(a), nb = isnan(b);
  if (na || nb) return na && nb ? 0 : na ? 1 : -1;
  return (a > b) - (a < b);
}

static bool holds(em_pushed_op op, int c) {
  switch (op) {
  case EM_PUSH_EQ: return c == 0;
  case EM_PUSH_LT: return c < 0;
  case EM_PUSH_LE: return c <= 0;
  case EM_PUSH_GT: return c > 0;
  case EM_PUSH_GE: return c >= 0;
  default: return false;
  }
}

bool em_pushed_filter_supported(const em_pushed_filter *f, const em_type *t) {
  if (f->op == EM_PUSH_IS_NULL || f->op == EM_PUSH_IS_NOT_NULL) return true;
  if (!f->value || !em_type_equal(f->value->type, t, true) || em_vec_is_null(f->value, 0)) return false;
  switch (t->id) {
  case EM_T_BOOLEAN:
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL:
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_FLOAT:
  case EM_T_DOUBLE:
  case EM_T_DECIMAL:
  case EM_T_STRING:
  case EM_T_BINARY: return true;
  default: return false;
  }
}

int64_t em_pushed_filter_rows(const em_pushed_filter *f, const em_vec *v, uint8_t *keep, int64_t n) {
  const uint8_t *valid = v->validity && v->null_count ? v->validity->data : NULL;
  int64_t kept = 0;
  if (f->op == EM_PUSH_IS_NULL || f->op == EM_PUSH_IS_NOT_NULL) {
    bool want_null = f->op == EM_PUSH_IS_NULL;
    for (int64_t i = 0; i < n; i++) {
      bool is_null = valid ? !em_bit_get(valid, i) : v->type->id == EM_T_NULL;
      keep[i] &= is_null == want_null;
      kept += keep[i];
    }
    return kept;
  }
  const em_pushed_op op = f->op;
  const void *x = em_vec_values(v), *y = em_vec_values(f->value);
#define LOOP(CMP)                                          \
  for (int64_t i = 0; i < n; i++) {                        \
    bool ok = (!valid || em_bit_get(valid, i)) && holds(op, CMP); \
    keep[i] &= ok;                                         \
    kept += keep[i];                                       \
  }
#define NUM(T)                                              \
  {                                                         \
    const T *a = x, b = *(const T *)y;                      \
    LOOP((a[i] > b) - (a[i] < b))                           \
    break;                                                  \
  }
  switch (v->type->id) {
  case EM_T_BOOLEAN: {
    int b = em_bit_get(y, 0);
    LOOP(em_bit_get(x, i) - b)
    break;
  }
  case EM_T_BYTE: NUM(int8_t)
  case EM_T_SHORT: NUM(int16_t)
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL: NUM(int32_t)
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL: NUM(int64_t)
  case EM_T_DECIMAL: {
    const uint8_t *a = x;
    __int128 b;
    memcpy(&b, y, 16);
    for (int64_t i = 0; i < n; i++) {
      __int128 ai;
      memcpy(&ai, a + 16 * i, 16);
      bool ok = (!valid || em_bit_get(valid, i)) && holds(op, (ai > b) - (ai < b));
      keep[i] &= ok;
      kept += keep[i];
    }
    break;
  }
  case EM_T_FLOAT: {
    const float *a = x;
    double b = *(const float *)y;
    LOOP(dcmp(a[i], b))
    break;
  }
  case EM_T_DOUBLE: {
    const double *a = x;
    double b = *(const double *)y;
    LOOP(dcmp(a[i], b))
    break;
  }
  case EM_T_STRING:
  case EM_T_BINARY: {
    int32_t lb;
    const char *sb = em_vec_str(f->value, 0, &lb);
    for (int64_t i = 0; i < n; i++) {
      bool ok = false;
      if (!valid || em_bit_get(valid, i)) {
        int32_t la;
        const char *sa = em_vec_str(v, i, &la);
        int c = memcmp(sa, sb, (size_t)(la < lb ? la : lb));
        ok = holds(op, c ? (c < 0 ? -1 : 1) : (la > lb) - (la < lb));
      }
      keep[i] &= ok;
      kept += keep[i];
    }
    break;
  }
  default:
    for (int64_t i = 0; i < n; i++) kept += keep[i];
    break;
  }
#undef NUM
#undef LOOP
  return kept;
}
