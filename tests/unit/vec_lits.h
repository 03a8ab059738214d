/*
 * One-row vectors of a value, for the literals of pushed filters in the
 * Parquet reader tests. Each returns a new reference (or fails the test).
 */
#ifndef EM_TEST_VEC_LITS_H
#define EM_TEST_VEC_LITS_H

#include <string.h>

#include "arrow/arrow.h"
#include "runner.h"

static inline em_vec *lit_fixed(em_type *t, const void *v) {
  em_vec *x = em_vec_new(t, 1);
  CHECK(x && em_vec_append_fixed(x, v) == 0);
  return x;
}

static inline em_vec *lit_long(int64_t v) { return lit_fixed(em_type_long(), &v); }
static inline em_vec *lit_int(int32_t v) { return lit_fixed(em_type_int(), &v); }

static inline em_vec *lit_str(const char *s) {
  em_vec *x = em_vec_new(em_type_string(), 1);
  CHECK(x && em_vec_append_bytes(x, s, strlen(s)) == 0);
  return x;
}

#endif
