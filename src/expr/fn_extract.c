/*
 * EXTRACT(field FROM source) and date_part('field', source), as Spark's
 * DatePart.parseExtractField: the field names the date part function the
 * call becomes (year, month, day and their aliases here). The parser
 * passes EXTRACT's field as a string literal, as written, for the name
 * Spark generates: `extract(year FROM d)`, `date_part(year, d)`.
 *
 * Not done: the other fields Spark accepts (quarter, week, dayofweek,
 * doy, hour, minute, second, ...) and interval sources; they raise
 * UNSUPPORTED_FEATURE. A field Spark does not know is INVALID_EXTRACT_FIELD.
 */
#include "expr_int.h"

#include <string.h>

int em_fn_resolve_year(em_func_call *call, em_error *err);
int em_fn_resolve_month(em_func_call *call, em_error *err);
int em_fn_resolve_dayofmonth(em_func_call *call, em_error *err);
int em_fn_resolve_extract(em_func_call *call, em_error *err);
int em_fn_resolve_date_part(em_func_call *call, em_error *err);

static bool one_of(const char *f, const char *const *names) {
  for (int i = 0; names[i]; i++)
    if (em_strcaseeq(f, names[i])) return true;
  return false;
}

static const char *const YEAR[] = {"YEAR", "Y", "YEARS", "YR", "YRS", NULL};
static const char *const MONTH[] = {"MONTH", "MON", "MONS", "MONTHS", NULL};
static const char *const DAY[] = {"DAY", "D", "DAYS", NULL};
static const char *const OTHER[] = {"YEAROFWEEK", "QUARTER", "QTR", "WEEK", "W", "WEEKS", "DAYOFWEEK", "DOW",
                                    "DAYOFWEEK_ISO", "DOW_ISO", "DOY", "HOUR", "H", "HOURS", "HR", "HRS",
                                    "MINUTE", "M", "MIN", "MINS", "MINUTES", "SECOND", "S", "SEC", "SECONDS",
                                    "SECS", NULL};

static int resolve(em_func_call *call, bool is_extract, em_error *err) {
  if (call->nargs != 2) return em_fn_wrong_num_args(call, "2", err);
  const em_expr *fx = call->args[0];
  int32_t n = 0;
  const char *s = NULL;
  if (fx->kind == EM_EX_LITERAL && em_type_is_string_like(fx->type) && !em_vec_is_null(fx->u.lit, 0))
    s = em_vec_str(fx->u.lit, 0, &n);
  if (!s)
    return em_fn_type_error_unexpected(call, em_fn_sql_call(call, call->name), 0, "\"STRING\"", err);
  char *field = em_arena_printf(call->arena, "%.*s", (int)n, s);
  char *src_sql = call->arg_sql[1];
  char *sql = is_extract ? em_arena_printf(call->arena, "extract(%s FROM %s)", field, src_sql)
                         : em_arena_printf(call->arena, "date_part(%s, %s)", field, src_sql);
  int (*part)(em_func_call *, em_error *) = one_of(field, YEAR)    ? em_fn_resolve_year
                                           : one_of(field, MONTH) ? em_fn_resolve_month
                                           : one_of(field, DAY)   ? em_fn_resolve_dayofmonth
                                                                  : NULL;
  if (!part) {
    if (one_of(field, OTHER))
      return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                          em_arena_printf(call->arena, "EXTRACT of %s", field), NULL);
    return em_error_set(err, EM_ERR_INVALID_EXTRACT_FIELD, "field", em_arena_printf(call->arena, "`%s`", field),
                        "expr", em_arena_printf(call->arena, "\"%s\"", src_sql), NULL);
  }
  call->args++;
  call->arg_sql++;
  call->nargs = 1;
  if (part(call, err)) return -1;
  call->sql = sql;
  return 0;
}

int em_fn_resolve_extract(em_func_call *call, em_error *err) { return resolve(call, true, err); }
int em_fn_resolve_date_part(em_func_call *call, em_error *err) { return resolve(call, false, err); }
