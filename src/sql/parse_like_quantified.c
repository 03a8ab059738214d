/*
 * `e [NOT] LIKE|ILIKE ANY|SOME|ALL (p1, p2, ...)`: like(e, p1) OR (AND)
 * like(e, p2) ..., which has Spark's three-valued result (NULL when no
 * pattern decides). NOT LIKE ANY is not(LIKE ALL) and the other way round.
 */
#include "sql_int.h"

em_spec_expr *em_sql_like_quantified(em_sqlp *p, em_spec_expr *e, const char *fn, bool all) {
  em_sql_expect_op(p, "(");
  em_spec_expr *r = NULL;
  do {
    em_spec_expr **a = em_sql_alloc(p, 2, sizeof *a);
    a[0] = e;
    a[1] = em_sql_expr(p);
    em_spec_expr *m = em_sql_func(p, fn, a, 2);
    if (r) {
      em_spec_expr **b = em_sql_alloc(p, 2, sizeof *b);
      b[0] = r;
      b[1] = m;
      m = em_sql_func(p, all ? "and" : "or", b, 2);
    }
    r = m;
  } while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
  return r;
}
