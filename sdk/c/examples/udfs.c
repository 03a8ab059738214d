/*
 * Example Ember UDFs in C (built by the build, used by tests/client/test_wasm_udf.py):
 *   norm(string) -> string        trims, collapses runs of ASCII white space
 *                                 to one space, lower-cases ASCII letters
 *   bmi(double, double) -> double weight / (height * height)
 *   add_or(bigint, bigint) -> bigint   null handling: a + b, or the one that
 *                                 is not NULL, or NULL when both are
 *   initials(string) -> string    no declared signature use: registered
 *                                 with a return type by the client
 */
#include "ember_udf.h"

EMBER_SIGNATURE("norm(string) -> string");
EMBER_SIGNATURE("bmi(double, double) -> double");
EMBER_SIGNATURE("add_or(bigint, bigint) -> bigint");

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

EMBER_EXPORT(norm) {
  const ember_col *s = &b->args[0];
  if (b->nargs != 1 || s->type != EMBER_STRING) return ember_fail(b, "norm expects one string");
  ember_str_builder sb;
  ember_str_begin(&sb, b, s->values_len + 16);
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(s, i)) {
      ember_str_null(&sb);
      continue;
    }
    uint32_t len;
    const uint8_t *p = ember_bytes(s, i, &len);
    uint8_t *o = ember_str_reserve(&sb, len);
    uint32_t n = 0;
    int pending = 0;
    for (uint32_t k = 0; k < len; k++) {
      uint8_t c = p[k];
      if (is_space(c)) {
        pending = n > 0;
        continue;
      }
      if (pending) o[n++] = ' ';
      pending = 0;
      o[n++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
    }
    ember_str_commit(&sb, n);
  }
  return 0;
}

EMBER_EXPORT(bmi) {
  const ember_col *w = &b->args[0], *h = &b->args[1];
  double *out = (double *)ember_out_values(b, 8);
  ember_out_nulls_from(b, w);
  ember_out_nulls_from(b, h);
  for (uint32_t i = 0; i < b->nrows; i++) {
    double hh = ember_f64(h, i);
    out[i] = ember_f64(w, i) / (hh * hh);
  }
  return 0;
}

EMBER_EXPORT(add_or) {
  const ember_col *x = &b->args[0], *y = &b->args[1];
  int64_t *out = (int64_t *)ember_out_values(b, 8);
  for (uint32_t i = 0; i < b->nrows; i++) {
    int xn = ember_is_null(x, i), yn = ember_is_null(y, i);
    if (xn && yn) ember_out_set_null(b, i);
    else out[i] = (xn ? 0 : ember_i64(x, i)) + (yn ? 0 : ember_i64(y, i));
  }
  return 0;
}

EMBER_EXPORT(initials) {
  const ember_col *s = &b->args[0];
  if (s->type != EMBER_STRING) return ember_fail(b, "initials expects a string");
  ember_str_builder sb;
  ember_str_begin(&sb, b, b->nrows + 16);
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(s, i)) {
      ember_str_null(&sb);
      continue;
    }
    uint32_t len;
    const uint8_t *p = ember_bytes(s, i, &len);
    uint8_t *o = ember_str_reserve(&sb, len);
    uint32_t n = 0;
    for (uint32_t k = 0; k < len; k++)
      if (!is_space(p[k]) && (k == 0 || is_space(p[k - 1]))) o[n++] = p[k];
    ember_str_commit(&sb, n);
  }
  return 0;
}
