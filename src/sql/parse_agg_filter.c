/*
 * An aggregate's FILTER (WHERE cond) clause. The aggregate is rewritten to
 * run over IF(cond, x, NULL) for each row-dependent argument x (its first
 * argument always; `*` counts as the literal 1), so rows failing cond reach
 * it as NULLs, which every null-skipping aggregate ignores. Constant
 * parameters (a delimiter, a percentage) are left alone. Aggregates that
 * do not skip NULLs (first, last, any_value...) are refused.
 */
#include "sql_int.h"

#include <strings.h>

static const char *const keeps_nulls[] = {"first", "last", "first_value", "last_value", "any_value", NULL};

static em_spec_expr *guard(em_sqlp *p, em_spec_expr *cond, em_spec_expr *x) {
  em_spec_expr **a = em_sql_alloc(p, 3, sizeof *a);
  a[0] = cond;
  a[1] = x;
  a[2] = em_sql_lit_null(p);
  return em_sql_func(p, "if", a, 3);
}

void em_sql_agg_filter(em_sqlp *p, em_spec_expr *f, em_spec_expr *cond) {
  for (int i = 0; keeps_nulls[i]; i++)
    if (strcasecmp(f->u.func.name, keeps_nulls[i]) == 0) {
      em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "FILTER (WHERE ...) on first/last/any_value",
                   NULL);
      em_sql_fail(p);
    }
  int n = f->u.func.nargs;
  em_spec_expr **args = em_sql_alloc(p, (size_t)(n ? n : 1), sizeof *args);
  for (int i = 0; i < n; i++) {
    em_spec_expr *x = f->u.func.args[i];
    if (i == 0 && x->kind == EM_SE_STAR) x = em_sql_lit_int(p, 1);
    args[i] = i == 0 || x->kind != EM_SE_LITERAL ? guard(p, cond, x) : x;
  }
  if (n == 0) {
    /* count() of no argument is count(*). */
    args[0] = guard(p, cond, em_sql_lit_int(p, 1));
    n = 1;
  }
  f->u.func.args = args;
  f->u.func.nargs = n;
}
