/*
 * df.na.fill / df.na.drop / df.na.replace (NAFill, NADrop, NAReplace), as
 * Spark's DataFrameNaFunctions rewrites them:
 *  - fill(value[, cols]): a long or double fills the numeric columns, a
 *    string the string columns, a boolean the boolean columns, among the
 *    named ones (all when none are named): coalesce(c, CAST(value AS type))
 *    named c, with NaN first turned into NULL for float and double columns
 *    (nanvl). fill({col: value}) fills exactly the named columns.
 *  - drop(minNonNulls[, cols]): keeps rows with at least minNonNulls values
 *    that are neither NULL nor NaN among the columns (all of them by
 *    default; minNonNulls defaults to the number of columns).
 *  - replace(map[, cols]): numeric keys and values become doubles; the
 *    first key's kind picks the target columns (numeric, string or
 *    boolean), each rewritten to CASE WHEN c = k1 THEN CAST(v1 AS type) ...
 *    ELSE c END.
 * Columns are named as Dataset.col resolves them; unknown names fail with
 * a plain AnalysisException. Everything becomes a projection or a filter
 * built from registered functions, so typing and names are Spark's.
 */
#include "analyzer_int.h"

#include <stdio.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static em_vec *vec_of(em_type *t, const void *value) {
  em_vec *v = em_vec_new(t, 1);
  if (v && em_vec_append_fixed(v, value)) {
    em_vec_unref(v);
    v = NULL;
  }
  return v;
}

static em_expr *lit_of(em_az *az, em_type *t, const void *value) {
  em_vec *v = vec_of(t, value);
  if (!v) return oom(az), NULL;
  em_expr *x = em_az_lit(az, v);
  em_vec_unref(v);
  return x;
}

static em_expr *int_lit(em_az *az, int32_t i) { return lit_of(az, em_type_int(), &i); }

static bool is_fractional(const em_type *t) { return t->id == EM_T_FLOAT || t->id == EM_T_DOUBLE; }

/* CAST(value AS t) of a literal. Spark folds it while optimizing, so a
 * value that does not fit fails before the query runs and without a query
 * context: cast it once here to raise that error. */
static em_expr *literal_cast(em_az *az, em_vec *value, em_type *t) {
  em_expr *v = em_az_lit(az, value);
  if (!v || em_type_equal(value->type, t, true)) return v;
  em_eval_ctx ectx = {.timezone = az->ctx->timezone ? az->ctx->timezone : "UTC", .ansi = az->ctx->ansi};
  em_vec *probe = NULL;
  if (em_cast_vec(value, t, az->ctx->ansi, &ectx, &probe, az->err)) return NULL;
  em_vec_unref(probe);
  return em_az_cast(az, v, t, az->ctx->ansi);
}

/* Resolves the named columns to a mask over scope's output (all when
 * ncols is 0). */
static bool *column_mask(em_az *az, const em_lplan *scope, char **cols, int ncols) {
  bool *mask = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(scope->nout + 1));
  if (!mask) return oom(az), NULL;
  if (ncols == 0) {
    for (int i = 0; i < scope->nout; i++) mask[i] = true;
    return mask;
  }
  for (int k = 0; k < ncols; k++) {
    int i = em_az_resolve_df_column(az, scope, cols[k]);
    if (i < 0) return NULL;
    mask[i] = true;
  }
  return mask;
}

/* coalesce(nanvl(c, NULL) | c, CAST(value AS type(c))) named c. */
static em_expr *fill_col(em_az *az, const em_lplan *child, int i, em_vec *value) {
  em_type *t = child->out[i].type;
  em_expr *c = em_az_col(az, child, i);
  char *csql = child->out[i].name;
  if (!c) return NULL;
  if (is_fractional(t)) {
    em_expr *nl = em_az_null_lit(az, t);
    if (!nl) return NULL;
    em_expr *args[2] = {c, nl};
    char *sql[2] = {csql, "NULL"};
    if (!(c = em_az_call(az, "nanvl", args, sql, 2, &csql))) return NULL;
  }
  em_expr *v = literal_cast(az, value, t);
  if (!v) return NULL;
  em_expr *args[2] = {c, v};
  char *sql[2] = {csql, "value"};
  return em_az_call(az, "coalesce", args, sql, 2, NULL);
}

static bool fill_matches(const em_vec *value, const em_type *col) {
  switch (value->type->id) {
  case EM_T_LONG:
  case EM_T_DOUBLE: return em_type_is_numeric(col);
  case EM_T_STRING: return col->id == EM_T_STRING;
  case EM_T_BOOLEAN: return col->id == EM_T_BOOLEAN;
  default: return false;
  }
}

static int unsupported_value(em_az *az, const em_vec *v) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  const char *cls = v->type->id == EM_T_INT     ? "java.lang.Integer"
                    : v->type->id == EM_T_SHORT ? "java.lang.Short"
                    : v->type->id == EM_T_BYTE  ? "java.lang.Byte"
                    : v->type->id == EM_T_FLOAT ? "java.lang.Float"
                                                : "java.lang.Object";
  em_strbuf_printf(&sb, "Unsupported value type %s (", cls);
  em_literal_sql(v, true, &sb);
  em_strbuf_puts(&sb, ").");
  em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", sb.data ? sb.data : "", NULL);
  em_strbuf_free(&sb);
  return -1;
}

static em_lplan *output(em_az *az, const em_spec_rel *r, em_lplan *child, em_expr **xs, const bool *renamed) {
  em_lplan *p = em_az_project(az, r, child, xs, child->nout);
  if (!p) return NULL;
  for (int i = 0; i < child->nout; i++)
    if (renamed[i]) p->out[i].name = child->out[i].name;
  return p;
}

static em_lplan *resolve_fill(em_az *az, const em_spec_rel *r, em_lplan *child) {
  int n = child->nout;
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  em_vec **with = em_arena_calloc(&az->plan->arena, sizeof(em_vec *) * (size_t)(n + 1));
  bool *filled = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(n + 1));
  if (!xs || !with || !filled) return oom(az), NULL;
  if (r->u.na_fill.nvalues == 1) {
    em_vec *v = r->u.na_fill.values[0];
    if (v->type->id != EM_T_LONG && v->type->id != EM_T_DOUBLE && v->type->id != EM_T_STRING &&
        v->type->id != EM_T_BOOLEAN) {
      unsupported_value(az, v);
      return NULL;
    }
    bool *mask = column_mask(az, child, r->u.na_fill.cols, r->u.na_fill.ncols);
    if (!mask) return NULL;
    for (int i = 0; i < n; i++)
      if (mask[i] && fill_matches(v, child->out[i].type)) with[i] = v;
  } else {
    for (int k = 0; k < r->u.na_fill.nvalues; k++) {
      int i = em_az_resolve_df_column(az, child, r->u.na_fill.cols[k]);
      if (i < 0) return NULL;
      em_vec *v = r->u.na_fill.values[k];
      em_type_id id = v->type->id;
      if (id != EM_T_LONG && id != EM_T_DOUBLE && id != EM_T_FLOAT && id != EM_T_INT && id != EM_T_STRING &&
          id != EM_T_BOOLEAN) {
        unsupported_value(az, v);
        return NULL;
      }
      with[i] = v;
    }
  }
  for (int i = 0; i < n; i++) {
    filled[i] = with[i] != NULL;
    xs[i] = with[i] ? fill_col(az, child, i, with[i]) : em_az_col(az, child, i);
    if (!xs[i]) return NULL;
  }
  return output(az, r, child, xs, filled);
}

/* The number of values of the masked columns that are neither NULL nor
 * NaN, compared with min: AtLeastNNonNulls(min, cols). */
static em_expr *at_least_non_nulls(em_az *az, const em_lplan *child, const bool *mask, int min) {
  em_expr *acc = NULL;
  char *acc_sql = "count";
  for (int i = 0; i < child->nout; i++) {
    if (!mask[i]) continue;
    em_expr *c = em_az_col(az, child, i);
    if (!c) return NULL;
    char *csql = child->out[i].name, *isql = NULL;
    em_expr *cond = em_az_call(az, "isnull", &c, &csql, 1, &isql);
    if (!cond) return NULL;
    if (is_fractional(child->out[i].type)) {
      char *nsql = NULL;
      em_expr *nan = em_az_call(az, "isnan", &c, &csql, 1, &nsql);
      if (!nan) return NULL;
      em_expr *args[2] = {cond, nan};
      char *sql[2] = {isql, nsql};
      if (!(cond = em_az_call(az, "or", args, sql, 2, &isql))) return NULL;
    }
    em_expr *zero = int_lit(az, 0), *one = int_lit(az, 1);
    if (!zero || !one) return NULL;
    em_expr *args[3] = {cond, zero, one};
    char *sql[3] = {isql, "0", "1"};
    em_expr *x = em_az_call(az, "if", args, sql, 3, NULL);
    if (!x) return NULL;
    if (acc) {
      em_expr *sum[2] = {acc, x};
      char *ssql[2] = {acc_sql, "x"};
      if (!(x = em_az_call(az, "+", sum, ssql, 2, NULL))) return NULL;
    }
    acc = x;
  }
  if (!acc && !(acc = int_lit(az, 0))) return NULL;
  em_expr *m = int_lit(az, min);
  if (!m) return NULL;
  em_expr *args[2] = {acc, m};
  char *sql[2] = {acc_sql, "min"};
  return em_az_call(az, ">=", args, sql, 2, NULL);
}

static em_lplan *resolve_drop(em_az *az, const em_spec_rel *r, em_lplan *child) {
  bool *mask = column_mask(az, child, r->u.na_drop.cols, r->u.na_drop.ncols);
  if (!mask) return NULL;
  int ncols = 0;
  for (int i = 0; i < child->nout; i++) ncols += mask[i];
  int min = r->u.na_drop.min_non_nulls >= 0 ? r->u.na_drop.min_non_nulls : ncols;
  em_expr *cond = at_least_non_nulls(az, child, mask, min);
  if (!cond) return NULL;
  em_lplan *f = em_az_pass_through(az, EM_LP_FILTER, r, child);
  if (f) f->u.filter.cond = cond;
  return f;
}

/* A numeric literal as a double (replace's convertToDouble). */
static em_vec *to_double(em_az *az, const em_vec *v) {
  double d;
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: d = ((const int8_t *)p)[0]; break;
  case EM_T_SHORT: d = ((const int16_t *)p)[0]; break;
  case EM_T_INT: d = ((const int32_t *)p)[0]; break;
  case EM_T_LONG: d = (double)((const int64_t *)p)[0]; break;
  case EM_T_FLOAT: d = ((const float *)p)[0]; break;
  case EM_T_DOUBLE: d = ((const double *)p)[0]; break;
  default: unsupported_value(az, v); return NULL;
  }
  em_vec *out = vec_of(em_type_double(), &d);
  if (!out) oom(az);
  return out;
}

/* Equal non-null keys of the same kind (double, string or boolean). */
static bool same_key(const em_vec *a, const em_vec *b) {
  if (!em_type_equal(a->type, b->type, true) || em_vec_is_null(a, 0) || em_vec_is_null(b, 0)) return false;
  if (em_type_is_string_like(a->type)) {
    int32_t la, lb;
    const char *x = em_vec_str(a, 0, &la), *y = em_vec_str(b, 0, &lb);
    return la == lb && memcmp(x, y, (size_t)la) == 0;
  }
  if (a->type->id == EM_T_BOOLEAN) return em_bit_get(em_vec_values(a), 0) == em_bit_get(em_vec_values(b), 0);
  if (a->type->id == EM_T_DOUBLE) return ((const double *)em_vec_values(a))[0] == ((const double *)em_vec_values(b))[0];
  return false;
}

static bool is_null_lit(const em_vec *v) { return v->type->id == EM_T_NULL || em_vec_is_null(v, 0); }

static em_lplan *resolve_replace(em_az *az, const em_spec_rel *r, em_lplan *child) {
  int n = child->nout, nrep = r->u.na_replace.n;
  bool *mask = column_mask(az, child, r->u.na_replace.cols, r->u.na_replace.ncols);
  if (!mask) return NULL;
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  bool *renamed = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(n + 1));
  em_vec **keys = em_arena_calloc(&az->plan->arena, sizeof(em_vec *) * (size_t)(nrep + 1));
  em_vec **vals = em_arena_calloc(&az->plan->arena, sizeof(em_vec *) * (size_t)(nrep + 1));
  if (!xs || !renamed || !keys || !vals) return oom(az), NULL;
  /* The map as the planner builds it: a later equal key replaces an
   * earlier one (keys compare after the conversion to double). */
  int nk = 0;
  int rc = 0;
  for (int k = 0; k < nrep && !rc; k++) {
    em_vec *key = r->u.na_replace.olds[k], *val = r->u.na_replace.news[k];
    em_vec *ck = NULL, *cv = NULL;
    bool kstr = em_type_is_string_like(key->type) || key->type->id == EM_T_BOOLEAN;
    if (em_type_is_string_like(val->type) || val->type->id == EM_T_BOOLEAN || (is_null_lit(val) && kstr)) {
      ck = em_vec_ref(key);
      cv = em_vec_ref(val);
    } else if (is_null_lit(val)) {
      if (!(ck = to_double(az, key))) rc = -1;
      else cv = em_vec_ref(val);
    } else if (!(ck = to_double(az, key)) || !(cv = to_double(az, val))) {
      rc = -1;
    }
    if (!rc && (em_az_own_vec(az, ck) || em_az_own_vec(az, cv))) rc = oom(az);
    if (rc) break;
    int at = nk;
    for (int j = 0; j < nk; j++)
      if (same_key(keys[j], ck)) at = j;
    keys[at] = ck;
    vals[at] = cv;
    if (at == nk) nk++;
  }
  if (rc) return NULL;
  em_type_id target = nk == 0 ? EM_T_NULL : em_type_is_string_like(r->u.na_replace.olds[0]->type) ? EM_T_STRING
                                          : r->u.na_replace.olds[0]->type->id == EM_T_BOOLEAN     ? EM_T_BOOLEAN
                                                                                                  : EM_T_DOUBLE;
  for (int i = 0; i < n; i++) {
    const em_type *t = child->out[i].type;
    bool hit = nk > 0 && mask[i] &&
               (t->id == target || (target == EM_T_DOUBLE && em_type_is_numeric(t)) ||
                (target == EM_T_STRING && t->id == EM_T_STRING));
    if (!hit) {
      if (!(xs[i] = em_az_col(az, child, i))) return NULL;
      continue;
    }
    /* CaseKeyWhen(c, k1, v1, ..., c). */
    em_expr **args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(2 * nk + 2));
    char **sql = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(2 * nk + 2));
    if (!args || !sql) return oom(az), NULL;
    for (int k = 0; k < nk; k++) {
      em_expr *c = em_az_col(az, child, i), *kl = em_az_lit(az, keys[k]);
      if (!c || !kl) return NULL;
      em_expr *eq[2] = {c, kl};
      char *eqsql[2] = {child->out[i].name, "key"};
      if (!(args[2 * k] = em_az_call(az, "==", eq, eqsql, 2, &sql[2 * k]))) return NULL;
      if (!(args[2 * k + 1] = literal_cast(az, vals[k], child->out[i].type))) return NULL;
      sql[2 * k + 1] = "value";
    }
    if (!(args[2 * nk] = em_az_col(az, child, i))) return NULL;
    sql[2 * nk] = child->out[i].name;
    if (!(xs[i] = em_az_call(az, "when", args, sql, 2 * nk + 1, NULL))) return NULL;
    renamed[i] = true;
  }
  return output(az, r, child, xs, renamed);
}

em_lplan *em_az_resolve_na(em_az *az, const em_spec_rel *r, em_lplan *child) {
  switch (r->kind) {
  case EM_SR_FILL_NA: return resolve_fill(az, r, child);
  case EM_SR_DROP_NA: return resolve_drop(az, r, child);
  case EM_SR_REPLACE: return resolve_replace(az, r, child);
  default: em_error_internal(az->err, "not a na relation"); return NULL;
  }
}
