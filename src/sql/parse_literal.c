/*
 * SQL literals typed as Spark's AstBuilder types them: integers are INT,
 * then BIGINT, then DECIMAL(n, 0) as they grow; 1L/1S/1Y/1D/1F/1BD pick the
 * type; a fraction without exponent is an exact DECIMAL(max(p, s), s); an
 * exponent without suffix is a DOUBLE. Typed literals (DATE, TIMESTAMP,
 * TIMESTAMP_NTZ, X'..') are converted with the engine's casts (the session
 * time zone for TIMESTAMP); INTERVAL literals become ANSI day-time or
 * year-month intervals with the unit range written.
 */
#include "sql_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../expr/expr.h"

em_spec_expr *em_sql_lit_vec(em_sqlp *p, em_vec *v) {
  em_spec_expr *e = em_sql_expr_new(p, EM_SE_LITERAL);
  e->u.lit.value = v;
  return e;
}

/* A 1-row vector of type t holding the fixed-width value at x. */
static em_spec_expr *fixed(em_sqlp *p, em_type *t, const void *x) {
  em_vec *v = em_vec_new(t, 1);
  if (!v || em_vec_append_fixed(v, x) || em_spec_own_vec(p->spec, v)) {
    if (v) em_vec_unref(v);
    em_sql_oom(p);
  }
  return em_sql_lit_vec(p, v);
}

em_spec_expr *em_sql_lit_int(em_sqlp *p, int32_t v) { return fixed(p, em_type_int(), &v); }
em_spec_expr *em_sql_lit_long(em_sqlp *p, int64_t v) { return fixed(p, em_type_long(), &v); }

em_spec_expr *em_sql_lit_bool(em_sqlp *p, bool b) {
  em_vec *v = em_vec_new(em_type_boolean(), 1);
  if (!v || em_vec_append_bool(v, b) || em_spec_own_vec(p->spec, v)) {
    if (v) em_vec_unref(v);
    em_sql_oom(p);
  }
  return em_sql_lit_vec(p, v);
}

em_spec_expr *em_sql_lit_null(em_sqlp *p) {
  em_vec *v = em_vec_new_nulls(em_type_null(), 1);
  if (!v || em_spec_own_vec(p->spec, v)) {
    if (v) em_vec_unref(v);
    em_sql_oom(p);
  }
  return em_sql_lit_vec(p, v);
}

em_spec_expr *em_sql_lit_string(em_sqlp *p, const char *s, size_t n) {
  em_vec *v = em_vec_new(em_type_string(), 1);
  if (!v || em_vec_append_bytes(v, s, n) || em_spec_own_vec(p->spec, v)) {
    if (v) em_vec_unref(v);
    em_sql_oom(p);
  }
  return em_sql_lit_vec(p, v);
}

static _Noreturn void invalid_number(em_sqlp *p, em_tok *t, const char *type) {
  (void)type;
  /* t may be a copy (a signed literal built by the caller): find the token
   * of the text by its offset. */
  int at = p->pos > 0 ? p->pos - 1 : 0;
  for (int i = 0; i < p->ntoks; i++)
    if (p->toks[i].start == t->start) {
      at = i;
      break;
    }
  em_sql_syntax_error(p, at, "");
}

/* Digits of s (with an optional '.', and exponent) as an unscaled 128-bit
 * value and scale; -1 when more than 38 significant digits. */
static int exact_decimal(const char *s, size_t n, __int128 *unscaled, int *scale, int *precision) {
  __int128 v = 0;
  int digits = 0, sc = 0;
  bool dot = false, neg = n > 0 && s[0] == '-';
  size_t i = neg ? 1 : 0;
  for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
    if (s[i] == '.') {
      dot = true;
      continue;
    }
    if (!isdigit((unsigned char)s[i])) return -1;
    if (digits > 0 || s[i] != '0') digits++;
    if (digits > 38) return -1;
    v = v * 10 + (s[i] - '0');
    if (dot) sc++;
  }
  if (i < n) {
    long e = strtol(s + i + 1, NULL, 10);
    if (e > 100 || e < -100) return -1;
    sc -= (int)e;
  }
  if (digits == 0) digits = 1;
  if (sc < 0) {
    /* Spark adjusts a negative scale away: precision - scale, scale 0. */
    while (sc < 0) {
      v *= 10;
      sc++;
      digits++;
    }
    if (digits > 38) return -1;
  }
  *unscaled = neg ? -v : v;
  *scale = sc;
  *precision = digits > sc ? digits : sc;
  return 0;
}

static em_spec_expr *decimal_lit(em_sqlp *p, em_tok *t, const char *s, size_t n) {
  __int128 u;
  int scale, prec;
  if (exact_decimal(s, n, &u, &scale, &prec)) {
    char pr[16];
    snprintf(pr, sizeof pr, "%d", 39);
    em_error_set(p->err, EM_ERR_DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION, "precision", pr, "maxPrecision", "38", NULL);
    em_sql_fail(p);
  }
  (void)t;
  em_type *ty = em_type_decimal(prec, scale);
  if (!ty) em_sql_oom(p);
  em_spec_expr *e = fixed(p, ty, &u);
  em_type_unref(ty);
  return e;
}

em_spec_expr *em_sql_number(em_sqlp *p, em_tok *t) {
  const char *s = t->str;
  size_t n = strlen(s);
  char last = (char)toupper((unsigned char)s[n - 1]);
  bool bd = n >= 2 && last == 'D' && toupper((unsigned char)s[n - 2]) == 'B';
  bool has_dot = strchr(s, '.') != NULL;
  bool has_exp = strpbrk(s, "eE") != NULL;
  if (bd) return decimal_lit(p, t, s, n - 2);
  if (last == 'D' || last == 'F') {
    char *buf = em_sql_strndup(p, s, n - 1);
    errno = 0;
    double d = strtod(buf, NULL);
    if (last == 'D') {
      if (isinf(d)) invalid_number(p, t, "DOUBLE");
      return fixed(p, em_type_double(), &d);
    }
    float f = (float)d;
    if (isinf(f)) invalid_number(p, t, "FLOAT");
    return fixed(p, em_type_float(), &f);
  }
  if (last == 'L' || last == 'S' || last == 'Y') {
    char *buf = em_sql_strndup(p, s, n - 1);
    if (has_dot || has_exp) invalid_number(p, t, "INTEGRAL");
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    const char *range = NULL, *rawt = NULL;
    if (last == 'L' && errno == ERANGE) range = "9223372036854775807", rawt = "bigint";
    if (last == 'S' && (errno == ERANGE || v > 32767)) range = "32767", rawt = "smallint";
    if (last == 'Y' && (errno == ERANGE || v > 127)) range = "127", rawt = "tinyint";
    if (range) {
      const char *minv = last == 'L' ? "-9223372036854775808" : last == 'S' ? "-32768" : "-128";
      em_error_set(p->err, EM_ERR_INVALID_NUMERIC_LITERAL_RANGE, "rawStrippedQualifier", buf, "minValue", minv,
                   "maxValue", range, "typeName", rawt, NULL);
      em_sql_error_position(p, t->line, t->col);
      em_sql_fail(p);
    }
    if (last == 'L') {
      int64_t x = v;
      return fixed(p, em_type_long(), &x);
    }
    if (last == 'S') {
      int16_t x = (int16_t)v;
      return fixed(p, em_type_short(), &x);
    }
    int8_t x = (int8_t)v;
    return fixed(p, em_type_byte(), &x);
  }
  if (has_exp) {
    double d = strtod(s, NULL);
    if (isinf(d)) invalid_number(p, t, "DOUBLE");
    return fixed(p, em_type_double(), &d);
  }
  if (has_dot) return decimal_lit(p, t, s, n);
  /* Plain digits: INT, BIGINT, then DECIMAL(n, 0). */
  bool neg = s[0] == '-';
  errno = 0;
  unsigned long long u = strtoull(neg ? s + 1 : s, NULL, 10);
  if (errno != ERANGE && u <= 2147483647ull + (neg ? 1 : 0)) {
    int32_t x = neg ? (int32_t)(-(int64_t)u) : (int32_t)u;
    return fixed(p, em_type_int(), &x);
  }
  if (errno != ERANGE && u <= 9223372036854775807ull + (neg ? 1 : 0)) {
    int64_t x = neg ? (int64_t)(0 - u) : (int64_t)u;
    return fixed(p, em_type_long(), &x);
  }
  return decimal_lit(p, t, s, n);
}

/* ---- typed literals ---- */

static _Noreturn void invalid_typed(em_sqlp *p, const char *type, em_tok *t) {
  char vt[64], val[EM_ERROR_VAL_MAX];
  snprintf(vt, sizeof vt, "\"%s\"", type);
  snprintf(val, sizeof val, "'%s'", t->str);
  em_error_set(p->err, EM_ERR_INVALID_TYPED_LITERAL, "valueType", vt, "value", val, NULL);
  em_sql_fail(p);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)tolower((unsigned char)c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

em_spec_expr *em_sql_typed_literal(em_sqlp *p, const char *type, em_tok *t) {
  if (em_strcaseeq(type, "X")) {
    size_t n = strlen(t->str);
    /* An odd number of digits gets a leading zero, as Hex.unhex does. */
    size_t nb = (n + 1) / 2;
    uint8_t *b = em_sql_alloc(p, nb + 1, 1);
    size_t j = 0, i = 0;
    if (n % 2) {
      int h = hexval(t->str[0]);
      if (h < 0) invalid_typed(p, "X", t);
      b[j++] = (uint8_t)h;
      i = 1;
    }
    for (; i < n; i += 2) {
      int h = hexval(t->str[i]), l = hexval(t->str[i + 1]);
      if (h < 0 || l < 0) invalid_typed(p, "X", t);
      b[j++] = (uint8_t)(h * 16 + l);
    }
    em_vec *v = em_vec_new(em_type_binary(), 1);
    if (!v || em_vec_append_bytes(v, b, j) || em_spec_own_vec(p->spec, v)) {
      if (v) em_vec_unref(v);
      em_sql_oom(p);
    }
    return em_sql_lit_vec(p, v);
  }
  em_type *to = em_strcaseeq(type, "DATE")            ? em_type_date()
                : em_strcaseeq(type, "TIMESTAMP_NTZ") ? em_type_timestamp_ntz()
                                                      : em_type_timestamp();
  const char *tname = em_strcaseeq(type, "DATE") ? "DATE" : em_strcaseeq(type, "TIMESTAMP_NTZ") ? "TIMESTAMP_NTZ"
                                                                                                : "TIMESTAMP";
  em_vec *sv = em_vec_new(em_type_string(), 1);
  if (!sv || em_vec_append_bytes(sv, t->str, strlen(t->str))) {
    if (sv) em_vec_unref(sv);
    em_sql_oom(p);
  }
  em_eval_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.timezone = p->opts->timezone ? p->opts->timezone : "UTC";
  em_vec *out = NULL;
  em_error sub;
  em_error_clear(&sub);
  int rc = em_cast_vec(sv, to, false, &ctx, &out, &sub);
  em_vec_unref(sv);
  if (rc || !out || em_vec_is_null(out, 0)) {
    if (out) em_vec_unref(out);
    invalid_typed(p, tname, t);
  }
  if (em_spec_own_vec(p->spec, out)) {
    em_vec_unref(out);
    em_sql_oom(p);
  }
  return em_sql_lit_vec(p, out);
}

/* ---- intervals ---- */

enum { U_YEAR, U_MONTH, U_WEEK, U_DAY, U_HOUR, U_MINUTE, U_SECOND, U_MILLI, U_MICRO, U_NONE };

static int unit_of(const char *w) {
  static const char *const names[][2] = {{"YEAR", "YEARS"},     {"MONTH", "MONTHS"},       {"WEEK", "WEEKS"},
                                         {"DAY", "DAYS"},       {"HOUR", "HOURS"},         {"MINUTE", "MINUTES"},
                                         {"SECOND", "SECONDS"}, {"MILLISECOND", "MILLISECONDS"},
                                         {"MICROSECOND", "MICROSECONDS"}};
  for (int i = 0; i < 9; i++)
    if (em_strcaseeq(w, names[i][0]) || em_strcaseeq(w, names[i][1])) return i;
  return U_NONE;
}

static const int64_t unit_us[] = {0, 0, 7 * 86400000000LL, 86400000000LL, 3600000000LL, 60000000LL, 1000000LL,
                                  1000LL, 1LL};
/* The day-time field of a unit: DAY 0, HOUR 1, MINUTE 2, SECOND 3. */
static int dt_field(int u) { return u <= U_DAY ? 0 : u == U_HOUR ? 1 : u == U_MINUTE ? 2 : 3; }

static _Noreturn void bad_interval(em_sqlp *p, int from) {
  em_sql_syntax_error(p, from, "");
}

/* Parses "[-]d[.ffffff]" as a count of `us` microseconds each. */
static int64_t scaled(em_sqlp *p, const char *s, int64_t us, int from) {
  bool neg = false;
  while (*s == ' ') s++;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  __int128 whole = 0;
  int64_t frac = 0, fscale = 1;
  if (!isdigit((unsigned char)*s) && *s != '.') bad_interval(p, from);
  for (; isdigit((unsigned char)*s); s++) {
    whole = whole * 10 + (*s - '0');
    if (whole > ((__int128)1 << 80)) bad_interval(p, from);
  }
  if (*s == '.') {
    s++;
    for (; isdigit((unsigned char)*s); s++)
      if (fscale < 1000000000) {
        frac = frac * 10 + (*s - '0');
        fscale *= 10;
      }
  }
  while (*s == ' ') s++;
  if (*s) bad_interval(p, from);
  __int128 v = whole * us + (__int128)frac * us / fscale;
  if (v > INT64_MAX) bad_interval(p, from);
  return neg ? -(int64_t)v : (int64_t)v;
}

static em_spec_expr *dt_lit(em_sqlp *p, int64_t us, int start, int end) {
  em_type *t = em_type_dt_interval(start, end);
  if (!t) em_sql_oom(p);
  em_spec_expr *e = fixed(p, t, &us);
  em_type_unref(t);
  return e;
}

static em_spec_expr *ym_lit(em_sqlp *p, int64_t months, int start, int end, int from) {
  if (months > INT32_MAX || months < INT32_MIN) bad_interval(p, from);
  int32_t m = (int32_t)months;
  em_type *t = em_type_ym_interval(start, end);
  if (!t) em_sql_oom(p);
  em_spec_expr *e = fixed(p, t, &m);
  em_type_unref(t);
  return e;
}

/* 'value' UNIT TO UNIT: the ANSI string forms. */
static em_spec_expr *interval_range(em_sqlp *p, const char *s, int from_u, int to_u, int from) {
  bool neg = false;
  while (*s == ' ') s++;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  if (from_u == U_YEAR && to_u == U_MONTH) {
    long long y = 0, m = 0;
    int used = 0;
    if (sscanf(s, "%lld-%lld%n", &y, &m, &used) != 2 || s[used] || m > 11 || m < 0) bad_interval(p, from);
    int64_t months = y * 12 + m;
    return ym_lit(p, neg ? -months : months, 0, 1, from);
  }
  /* Day-time: fields from from_u to to_u separated by ' ' (day) and ':'. */
  int f0 = dt_field(from_u), f1 = dt_field(to_u);
  if (from_u < U_DAY || to_u > U_SECOND || f0 >= f1) bad_interval(p, from);
  int64_t total = 0;
  const char *q = s;
  for (int f = f0; f <= f1; f++) {
    char part[64];
    int k = 0;
    char sep = f == 0 ? ' ' : ':';
    while (*q && *q != sep && k < 63) part[k++] = *q++;
    part[k] = '\0';
    if (f < f1) {
      if (*q != sep) bad_interval(p, from);
      q++;
    }
    int64_t us = f == 0 ? 86400000000LL : f == 1 ? 3600000000LL : f == 2 ? 60000000LL : 1000000LL;
    if (f != 3 && strchr(part, '.')) bad_interval(p, from);
    total += scaled(p, part, us, from);
  }
  if (*q) bad_interval(p, from);
  return dt_lit(p, neg ? -total : total, f0, f1);
}

typedef struct ivacc {
  int64_t months, us;
  int ym_lo, ym_hi, dt_lo, dt_hi, n;
} ivacc;

static void add_unit(em_sqlp *p, ivacc *a, const char *num, bool neg, int unit, int from) {
  if (unit == U_YEAR || unit == U_MONTH) {
    if (strchr(num, '.')) bad_interval(p, from);
    long long v = strtoll(num, NULL, 10);
    if (neg) v = -v;
    a->months += unit == U_YEAR ? v * 12 : v;
    if (unit < a->ym_lo) a->ym_lo = unit;
    if (unit > a->ym_hi) a->ym_hi = unit;
  } else {
    int64_t v = scaled(p, num, unit_us[unit], from);
    a->us += neg ? -v : v;
    int f = dt_field(unit);
    if (f < a->dt_lo) a->dt_lo = f;
    if (f > a->dt_hi) a->dt_hi = f;
  }
  a->n++;
}

/* INTERVAL '1 day 2 hours': number and unit pairs inside the string. */
static void units_in_string(em_sqlp *p, ivacc *a, const char *s, int from) {
  char w[2][64];
  for (;;) {
    for (int k = 0; k < 2; k++) {
      while (*s == ' ') s++;
      int n = 0;
      while (*s && *s != ' ' && n < 63) w[k][n++] = *s++;
      w[k][n] = '\0';
      if (!n) {
        if (k == 0 && a->n) return;
        bad_interval(p, from);
      }
    }
    int unit = unit_of(w[1]);
    if (unit == U_NONE) bad_interval(p, from);
    const char *num = w[0];
    bool neg = false;
    if (*num == '-' || *num == '+') neg = *num++ == '-';
    add_unit(p, a, num, neg, unit, from);
  }
}

/* After INTERVAL: 'str' [UNIT [TO UNIT]] | (n UNIT)+ | 'n' UNIT ... */
em_spec_expr *em_sql_interval(em_sqlp *p) {
  int from = p->pos;
  ivacc a = {.ym_lo = 9, .ym_hi = -1, .dt_lo = 9, .dt_hi = -1};
  for (;;) {
    em_tok *t = em_sql_peek(p, 0);
    bool neg = false;
    int at = p->pos;
    if (em_sql_is_op(t, "-") || em_sql_is_op(t, "+")) {
      neg = em_sql_is_op(t, "-");
      em_sql_next(p);
      t = em_sql_peek(p, 0);
    }
    if (t->kind != EM_TK_STRING && t->kind != EM_TK_NUMBER) {
      if (a.n == 0) em_sql_syntax_error(p, p->pos, "");
      p->pos = at;
      break;
    }
    em_sql_next(p);
    em_tok *u = em_sql_peek(p, 0);
    int unit = u->kind == EM_TK_IDENT ? unit_of(u->str) : U_NONE;
    if (unit == U_NONE) {
      if (t->kind == EM_TK_STRING && a.n == 0) {
        units_in_string(p, &a, t->str, from);
        break;
      }
      if (a.n == 0) em_sql_syntax_error(p, p->pos, "");
      p->pos = at;
      break;
    }
    em_sql_next(p);
    if (t->kind == EM_TK_STRING && em_sql_accept_kw(p, "TO")) {
      em_tok *u2 = em_sql_next(p);
      int unit2 = u2->kind == EM_TK_IDENT ? unit_of(u2->str) : U_NONE;
      if (a.n || unit2 == U_NONE) em_sql_syntax_error(p, p->pos - 1, "");
      return interval_range(p, t->str, unit, unit2, from);
    }
    const char *num = t->str;
    if (t->kind == EM_TK_STRING && (*num == '-' || *num == '+')) {
      if (*num == '-') neg = !neg;
      num++;
    }
    add_unit(p, &a, num, neg, unit, from);
  }
  if (a.ym_hi >= 0 && a.dt_hi >= 0) {
    em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "intervals mixing year-month and day-time fields", NULL);
    em_sql_fail(p);
  }
  if (a.ym_hi >= 0) return ym_lit(p, a.months, a.ym_lo, a.ym_hi, from);
  return dt_lit(p, a.us, a.dt_lo, a.dt_hi);
}
