/*
 * Partition discovery, as Spark's PartitioningUtils: walking up from a
 * file's directory towards its base path, `key=value` directory names are
 * partition columns (the walk stops at the first other name once a column
 * was found). Every file must name the same columns. Values are unescaped
 * (%XX), `__HIVE_DEFAULT_PARTITION__` is null, and each column's type is
 * inferred from all its values: int, then bigint, then decimal(p,0) for
 * longer integers, then double, then date (yyyy-MM-dd), else string; the
 * types of a column's values widen to a common one (int < bigint <
 * decimal, double; a mix with dates or strings is a string; a decimal with
 * a double is a string). A column of nulls only is a string.
 * Not yet: timestamp inference (such values stay strings).
 */
#include "io_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PT_NULL, PT_INT, PT_LONG, PT_DECIMAL, PT_DOUBLE, PT_DATE, PT_STRING };

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char *unescape(em_arena *a, const char *s, size_t n) {
  char *out = em_arena_alloc(a, n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  return out;
}

static bool all_digits(const char *s, bool allow_sign) {
  if (allow_sign && (*s == '-' || *s == '+')) s++;
  if (!*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static bool parse_date(const char *s, int32_t *out) {
  int y, m, d;
  char tail;
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
  if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return false;
  *out = (int32_t)days_from_civil(y, (unsigned)m, (unsigned)d);
  return true;
}

/* Java's Double.parseDouble, closely enough for directory names. */
static bool parse_double(const char *s, double *out) {
  if (!*s) return false;
  if (strcmp(s, "NaN") == 0) return *out = NAN, true;
  if (strcmp(s, "Infinity") == 0 || strcmp(s, "+Infinity") == 0) return *out = INFINITY, true;
  if (strcmp(s, "-Infinity") == 0) return *out = -INFINITY, true;
  for (const char *p = s; *p; p++)
    if (!strchr("0123456789+-.eEfFdD", *p)) return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s) return false;
  if (*end && (end[1] || !strchr("fFdD", *end))) return false;
  *out = v;
  return true;
}

static int infer(const char *v) {
  if (!v) return PT_NULL;
  if (all_digits(v, true)) {
    errno = 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (errno == 0 && !*end) return x >= INT32_MIN && x <= INT32_MAX ? PT_INT : PT_LONG;
    const char *d = v + (*v == '-' || *v == '+');
    while (*d == '0' && d[1]) d++;
    if (strlen(d) <= 38) return PT_DECIMAL;
  }
  double dv;
  if (parse_double(v, &dv)) return PT_DOUBLE;
  int32_t dd;
  if (parse_date(v, &dd)) return PT_DATE;
  return PT_STRING;
}

static int digits_of(const char *v) {
  const char *d = v + (*v == '-' || *v == '+');
  while (*d == '0' && d[1]) d++;
  return (int)strlen(d);
}

static int widen(int a, int b, int *prec, int pa, int pb) {
  if (a == PT_NULL) {
    *prec = pb;
    return b;
  }
  if (b == PT_NULL || a == b) {
    *prec = pa > pb ? pa : pb;
    return a;
  }
  if (a > b) {
    int t = a;
    a = b;
    b = t;
    t = pa;
    pa = pb;
    pb = t;
  }
  /* a < b now */
  if (a == PT_INT && b == PT_LONG) return PT_LONG;
  if ((a == PT_INT || a == PT_LONG) && b == PT_DECIMAL) {
    int need = a == PT_INT ? 10 : 20;
    *prec = pb > need ? pb : need;
    if (*prec > 38) return PT_STRING;
    return PT_DECIMAL;
  }
  if ((a == PT_INT || a == PT_LONG) && b == PT_DOUBLE) return PT_DOUBLE;
  return PT_STRING;
}

static em_type *type_of(int pt, int prec) {
  switch (pt) {
  case PT_INT: return em_type_int();
  case PT_LONG: return em_type_long();
  case PT_DECIMAL: return em_type_decimal(prec, 0);
  case PT_DOUBLE: return em_type_double();
  case PT_DATE: return em_type_date();
  default: return em_type_string();
  }
}

int em_io_partition_value(em_vec *v, const char *raw, em_error *err) {
  int r = 0;
  if (!raw) return em_vec_append_null(v) ? em_error_internal(err, "out of memory") : 0;
  switch (v->type->id) {
  case EM_T_INT:
  case EM_T_LONG:
  case EM_T_SHORT:
  case EM_T_BYTE: {
    char *end;
    errno = 0;
    long long x = strtoll(raw, &end, 10);
    if (errno || *end || !all_digits(raw, true)) {
      r = em_vec_append_null(v);
      break;
    }
    if (v->type->id == EM_T_LONG) {
      int64_t y = x;
      r = em_vec_append_fixed(v, &y);
    } else if (v->type->id == EM_T_INT && x >= INT32_MIN && x <= INT32_MAX) {
      int32_t y = (int32_t)x;
      r = em_vec_append_fixed(v, &y);
    } else if (v->type->id == EM_T_SHORT && x >= INT16_MIN && x <= INT16_MAX) {
      int16_t y = (int16_t)x;
      r = em_vec_append_fixed(v, &y);
    } else if (v->type->id == EM_T_BYTE && x >= INT8_MIN && x <= INT8_MAX) {
      int8_t y = (int8_t)x;
      r = em_vec_append_fixed(v, &y);
    } else {
      r = em_vec_append_null(v);
    }
    break;
  }
  case EM_T_DECIMAL: {
    if (!all_digits(raw, true) || v->type->u.dec.scale != 0 || digits_of(raw) > v->type->u.dec.precision) {
      r = em_vec_append_null(v);
      break;
    }
    __int128 x = 0;
    const char *p = raw + (*raw == '-' || *raw == '+');
    for (; *p; p++) x = x * 10 + (*p - '0');
    if (*raw == '-') x = -x;
    r = em_vec_append_fixed(v, &x);
    break;
  }
  case EM_T_DOUBLE:
  case EM_T_FLOAT: {
    double d;
    if (!parse_double(raw, &d)) {
      r = em_vec_append_null(v);
    } else if (v->type->id == EM_T_DOUBLE) {
      r = em_vec_append_fixed(v, &d);
    } else {
      float f = (float)d;
      r = em_vec_append_fixed(v, &f);
    }
    break;
  }
  case EM_T_DATE: {
    int32_t d;
    r = parse_date(raw, &d) ? em_vec_append_fixed(v, &d) : em_vec_append_null(v);
    break;
  }
  case EM_T_BOOLEAN:
    if (em_strcaseeq(raw, "true")) r = em_vec_append_bool(v, true);
    else if (em_strcaseeq(raw, "false")) r = em_vec_append_bool(v, false);
    else r = em_vec_append_null(v);
    break;
  case EM_T_STRING:
  case EM_T_BINARY:
    r = em_vec_append_bytes(v, raw, strlen(raw));
    break;
  default:
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "partition columns of this type", NULL);
  }
  return r ? em_error_internal(err, "out of memory") : 0;
}

typedef struct fparts {
  int n;
  char **keys, **vals;
} fparts;

static bool is_base(const char *dir, const char *const *roots, int nroots, const char *base) {
  if (base) return strcmp(dir, base) == 0;
  for (int i = 0; i < nroots; i++)
    if (strcmp(dir, roots[i]) == 0) return true;
  return false;
}

int em_io_discover_partitions(em_file_index *ix, const char *const *roots, int nroots, const em_list_opts *o,
                              em_error *err) {
  em_arena *a = &ix->arena;
  const char *base = NULL;
  if (o->base_path && !(base = em_io_abs_path(a, o->base_path))) return em_error_internal(err, "out of memory");
  fparts *fp = em_arena_calloc(a, sizeof *fp * (size_t)(ix->nfiles + 1));
  if (!fp) return em_error_internal(err, "out of memory");
  if (!o->recursive) {
    for (int i = 0; i < ix->nfiles; i++) {
      char *dir = em_arena_strdup(a, ix->files[i].path);
      if (!dir) return em_error_internal(err, "out of memory");
      char *keys[64], *vals[64];
      int n = 0;
      for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) break;
        *slash = '\0'; /* dir is now the parent directory */
        if (is_base(dir, roots, nroots, base)) break;
        const char *name = strrchr(dir, '/');
        name = name ? name + 1 : dir;
        const char *eq = strchr(name, '=');
        if (eq && eq != name) {
          if (n == 64) break;
          keys[n] = unescape(a, name, (size_t)(eq - name));
          const char *rv = eq + 1;
          vals[n] = strcmp(rv, "__HIVE_DEFAULT_PARTITION__") == 0 ? NULL : unescape(a, rv, strlen(rv));
          if (!keys[n] || (!vals[n] && strcmp(rv, "__HIVE_DEFAULT_PARTITION__") != 0))
            return em_error_internal(err, "out of memory");
          n++;
        } else if (n > 0) {
          break;
        }
      }
      fp[i].n = n;
      fp[i].keys = em_arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
      fp[i].vals = em_arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
      if (!fp[i].keys || !fp[i].vals) return em_error_internal(err, "out of memory");
      for (int k = 0; k < n; k++) { /* top-down order */
        fp[i].keys[k] = keys[n - 1 - k];
        fp[i].vals[k] = vals[n - 1 - k];
      }
    }
  }
  int ncols = ix->nfiles ? fp[0].n : 0;
  for (int i = 1; i < ix->nfiles; i++) {
    bool same = fp[i].n == ncols;
    for (int k = 0; same && k < ncols; k++)
      same = o->case_sensitive ? strcmp(fp[i].keys[k], fp[0].keys[k]) == 0 : em_strcaseeq(fp[i].keys[k], fp[0].keys[k]);
    if (!same)
      return em_error_internal(err, "Conflicting partition column names detected in %s and %s", ix->files[0].path,
                               ix->files[i].path);
  }
  ix->part_schema = em_type_struct_new(ncols);
  ix->part_values = em_arena_calloc(a, sizeof(em_vec *) * (size_t)(ncols + 1));
  ix->part_raw = em_arena_calloc(a, sizeof(char **) * (size_t)(ncols + 1));
  if (!ix->part_schema || !ix->part_values || !ix->part_raw) return em_error_internal(err, "out of memory");
  for (int k = 0; k < ncols; k++) {
    int pt = PT_NULL, prec = 0;
    ix->part_raw[k] = em_arena_calloc(a, sizeof(char *) * (size_t)(ix->nfiles + 1));
    if (!ix->part_raw[k]) return em_error_internal(err, "out of memory");
    for (int i = 0; i < ix->nfiles; i++) {
      const char *v = fp[i].vals[k];
      ix->part_raw[k][i] = fp[i].vals[k];
      int t = o->infer_types ? infer(v) : (v ? PT_STRING : PT_NULL);
      int p = t == PT_DECIMAL ? digits_of(v) : 0;
      pt = widen(pt, t, &prec, prec, p);
    }
    em_type *t = type_of(pt, prec < 1 ? 1 : prec);
    if (!t || em_type_struct_set(ix->part_schema, k, fp[0].keys[k], t, true, NULL))
      return em_error_internal(err, "out of memory");
    em_vec *v = em_vec_new(ix->part_schema->u.st.fields[k].type, ix->nfiles);
    if (!v) return em_error_internal(err, "out of memory");
    ix->part_values[k] = v;
    for (int i = 0; i < ix->nfiles; i++)
      if (em_io_partition_value(v, fp[i].vals[k], err)) return -1;
  }
  return 0;
}
