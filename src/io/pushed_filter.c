/*
 * A pushed filter evaluated row by row over a decoded column, for readers
 * that leave out rejected rows (em_read_request.filter_rows). The result
 * must be what the filter above the scan would decide for the row, so
 * only comparisons whose semantics are plain here are evaluated: integer,
 * date, timestamp and interval columns, decimals (the literal has the
 * column's type, so the same scale), floats and doubles with Spark's
 * ordering (NaN equals NaN and is above every other value; -0.0 equals
 * 0.0), booleans, and strings and binaries in byte order; IN as a set of
 * equalities. A NULL row fails every comparison, IN and IS NOT NULL; it
 * passes IS NULL only.
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
  case EM_PUSH_NE: return c != 0;
  case EM_PUSH_LT: return c < 0;
  case EM_PUSH_LE: return c <= 0;
  case EM_PUSH_GT: return c > 0;
  case EM_PUSH_GE: return c >= 0;
  default: return false;
  }
}

bool em_pushed_filter_supported(const em_pushed_filter *f, const em_type *t) {
  if (f->op == EM_PUSH_IS_NULL || f->op == EM_PUSH_IS_NOT_NULL) return true;
  if (f->op == EM_PUSH_IN) {
    if (f->nvalues <= 0) return false;
    for (int k = 0; k < f->nvalues; k++) {
      em_pushed_filter eq = {.column = f->column, .op = EM_PUSH_EQ, .value = f->values[k]};
      if (!em_pushed_filter_supported(&eq, t)) return false;
    }
    return true;
  }
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

/* keep[i] &= (a[i] OP b) for a numeric array, one loop per operator (no
 * branch per row: the compiler vectorizes them). */
#define NUM_LOOPS(T, a, b)                                                   \
  do {                                                                      \
    switch (op) {                                                           \
    case EM_PUSH_EQ: for (int64_t i = 0; i < n; i++) keep[i] &= (a)[i] == (b); break; \
    case EM_PUSH_NE: for (int64_t i = 0; i < n; i++) keep[i] &= (a)[i] != (b); break; \
    case EM_PUSH_LT: for (int64_t i = 0; i < n; i++) keep[i] &= (a)[i] < (b); break;  \
    case EM_PUSH_LE: for (int64_t i = 0; i < n; i++) keep[i] &= (a)[i] <= (b); break; \
    case EM_PUSH_GT: for (int64_t i = 0; i < n; i++) keep[i] &= (a)[i] > (b); break;  \
    case EM_PUSH_GE: for (int64_t i = 0; i < n; i++) keep[i] &= (a)[i] >= (b); break; \
    default: break;                                                         \
    }                                                                       \
  } while (0)

int64_t em_pushed_filter_rows(const em_pushed_filter *f, const em_vec *v, uint8_t *keep, int64_t n) {
  const uint8_t *valid = v->validity && v->null_count ? v->validity->data : NULL;
  if (f->op == EM_PUSH_IN) {
    /* Kept where some value is equal (NULL rows equal none). Without
     * scratch memory nothing is left out: the filter above decides. */
    uint8_t *any = em_calloc((size_t)n + 1, 1), *eq = em_malloc((size_t)n + 1);
    if (any && eq)
      for (int k = 0; k < f->nvalues; k++) {
        memset(eq, 1, (size_t)n);
        em_pushed_filter one = {.column = f->column, .op = EM_PUSH_EQ, .value = f->values[k]};
        em_pushed_filter_rows(&one, v, eq, n);
        for (int64_t i = 0; i < n; i++) any[i] |= eq[i];
      }
    if (any && eq)
      for (int64_t i = 0; i < n; i++) keep[i] &= any[i];
    em_free(any);
    em_free(eq);
  } else if (f->op == EM_PUSH_IS_NULL || f->op == EM_PUSH_IS_NOT_NULL) {
    bool want_null = f->op == EM_PUSH_IS_NULL;
    for (int64_t i = 0; i < n; i++) {
      bool is_null = valid ? !em_bit_get(valid, i) : v->type->id == EM_T_NULL;
      keep[i] &= is_null == want_null;
    }
  } else {
    const em_pushed_op op = f->op;
    const void *x = em_vec_values(v), *y = em_vec_values(f->value);
    switch (v->type->id) {
    case EM_T_BOOLEAN: {
      int b = em_bit_get(y, 0);
      for (int64_t i = 0; i < n; i++) keep[i] &= holds(op, em_bit_get(x, i) - b);
      break;
    }
    case EM_T_BYTE: NUM_LOOPS(int8_t, (const int8_t *)x, *(const int8_t *)y); break;
    case EM_T_SHORT: NUM_LOOPS(int16_t, (const int16_t *)x, *(const int16_t *)y); break;
    case EM_T_INT:
    case EM_T_DATE:
    case EM_T_YM_INTERVAL: NUM_LOOPS(int32_t, (const int32_t *)x, *(const int32_t *)y); break;
    case EM_T_LONG:
    case EM_T_TIMESTAMP:
    case EM_T_TIMESTAMP_NTZ:
    case EM_T_DT_INTERVAL: NUM_LOOPS(int64_t, (const int64_t *)x, *(const int64_t *)y); break;
    case EM_T_DECIMAL: {
      const uint8_t *a = x;
      __int128 b;
      memcpy(&b, y, 16);
      for (int64_t i = 0; i < n; i++) {
        __int128 ai;
        memcpy(&ai, a + 16 * i, 16);
        keep[i] &= holds(op, (ai > b) - (ai < b));
      }
      break;
    }
    case EM_T_FLOAT: {
      const float *a = x;
      double b = *(const float *)y;
      for (int64_t i = 0; i < n; i++) keep[i] &= holds(op, dcmp(a[i], b));
      break;
    }
    case EM_T_DOUBLE: {
      const double *a = x;
      double b = *(const double *)y;
      for (int64_t i = 0; i < n; i++) keep[i] &= holds(op, dcmp(a[i], b));
      break;
    }
    case EM_T_STRING:
    case EM_T_BINARY: {
      int32_t lb;
      const char *sb = em_vec_str(f->value, 0, &lb);
      for (int64_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        int32_t la;
        const char *sa = em_vec_str(v, i, &la);
        int c = memcmp(sa, sb, (size_t)(la < lb ? la : lb));
        keep[i] = holds(op, c ? (c < 0 ? -1 : 1) : (la > lb) - (la < lb));
      }
      break;
    }
    default: break;
    }
    /* NULL rows fail every comparison. */
    if (valid)
      for (int64_t i = 0; i < n; i++) keep[i] &= em_bit_get(valid, i);
  }
  int64_t kept = 0;
  for (int64_t i = 0; i < n; i++) kept += keep[i];
  return kept;
}
