/*
 * Predicate pushdown into file scans: the conjuncts of a filter directly
 * above a scan that compare a data column with a literal (=, <, <=, >, >=,
 * either way round; a cast of a literal to the column's type is folded),
 * test it for null, or test it IN a list of literals become the scan's
 * pushed filters,
 * which a format may use to skip data (Parquet row groups by statistics).
 * The filter stays in place: pushed filters only ever skip rows that the
 * filter would drop, as Spark's data source filters. Below a deterministic
 * filter a reader may also drop single rows they reject (filter_rows).
 */
#include "analyzer_int.h"

#include <string.h>

/* IN lists longer than this are not pushed (each value is one more
 * comparison per row group, page and row). */
enum { MAX_IN = 32 };

static bool is_fn(const em_expr *x, const char *name) {
  return x->kind == EM_EX_CALL && x->u.fn.name && strcmp(x->u.fn.name, name) == 0;
}

static int add_filter(em_az *az, em_scan_plan *sp, em_pushed_filter pf) {
  if (pf.column < 0 || pf.column >= sp->ndata) return 0;
  em_pushed_filter *f = em_arena_alloc(&az->plan->arena, sizeof *f * (size_t)(sp->nfilters + 1));
  if (!f) return -1;
  if (sp->nfilters) memcpy(f, sp->filters, sizeof *f * (size_t)sp->nfilters);
  f[sp->nfilters++] = pf;
  sp->filters = f;
  return 0;
}

static int add(em_az *az, em_scan_plan *sp, int col, em_pushed_op op, const em_vec *v) {
  return add_filter(az, sp, (em_pushed_filter){.column = col, .op = op, .value = v});
}

/* The constant value of x as a 1-row vector of type t: a literal of that
 * type, or a cast of a literal to it (Spark's coercion casts the literal
 * side: l_orderkey < 60000 compares with CAST(60000 AS BIGINT)), folded
 * here with the session's settings. NULL when x is neither, or the cast
 * fails or gives NULL. */
static const em_vec *constant(em_az *az, const em_expr *x, const em_type *t) {
  if (!em_type_equal(x->type, t, true)) return NULL;
  if (x->kind == EM_EX_LITERAL) return x->u.lit;
  if (x->kind != EM_EX_CAST || x->nargs != 1 || x->args[0]->kind != EM_EX_LITERAL) return NULL;
  em_eval_ctx ctx = {.timezone = az->ctx->timezone, .ansi = az->ctx->ansi};
  em_vec *v = NULL;
  em_error err;
  if (em_cast_vec(x->args[0]->u.lit, x->type, false, &ctx, &v, &err)) return NULL;
  if (em_vec_is_null(v, 0) || em_az_own_vec(az, v)) {
    em_vec_unref(v);
    return NULL;
  }
  return v;
}

static int collect(em_az *az, em_scan_plan *sp, const em_expr *x, int depth) {
  if (depth > 64) return 0;
  if (is_fn(x, "and") && x->nargs == 2) {
    if (collect(az, sp, x->args[0], depth + 1)) return -1;
    return collect(az, sp, x->args[1], depth + 1);
  }
  if (is_fn(x, "in") && x->nargs >= 2 && x->nargs <= MAX_IN + 1 && x->args[0]->kind == EM_EX_COLUMN) {
    /* col IN (constants): the non-NULL constants (a NULL one never makes
     * the predicate true). */
    const em_vec **vs = em_arena_alloc(&az->plan->arena, sizeof *vs * (size_t)(x->nargs - 1));
    if (!vs) return -1;
    int nv = 0;
    for (int i = 1; i < x->nargs; i++) {
      const em_expr *a = x->args[i];
      if (a->kind == EM_EX_LITERAL && em_type_equal(a->type, x->args[0]->type, true) && em_vec_is_null(a->u.lit, 0))
        continue;
      const em_vec *v = constant(az, a, x->args[0]->type);
      if (!v || em_vec_is_null(v, 0)) return 0;
      vs[nv++] = v;
    }
    if (nv == 0) return 0;
    return add_filter(az, sp, (em_pushed_filter){.column = x->args[0]->u.column, .op = EM_PUSH_IN, .values = vs,
                                                 .nvalues = nv});
  }
  if (is_fn(x, "not") && x->nargs == 1 && is_fn(x->args[0], "==") && x->args[0]->nargs == 2) {
    /* col != constant (Spark's Not(EqualTo)); a NULL row is NULL either way. */
    const em_expr *a = x->args[0]->args[0], *b = x->args[0]->args[1];
    const em_vec *v;
    if (a->kind == EM_EX_COLUMN && (v = constant(az, b, a->type))) return add(az, sp, a->u.column, EM_PUSH_NE, v);
    if (b->kind == EM_EX_COLUMN && (v = constant(az, a, b->type))) return add(az, sp, b->u.column, EM_PUSH_NE, v);
    return 0;
  }
  if ((is_fn(x, "isnull") || is_fn(x, "isnotnull")) && x->nargs == 1 && x->args[0]->kind == EM_EX_COLUMN)
    return add(az, sp, x->args[0]->u.column, is_fn(x, "isnull") ? EM_PUSH_IS_NULL : EM_PUSH_IS_NOT_NULL, NULL);
  static const struct {
    const char *name;
    em_pushed_op op, flipped;
  } cmps[] = {{"==", EM_PUSH_EQ, EM_PUSH_EQ},
              {"<", EM_PUSH_LT, EM_PUSH_GT},
              {"<=", EM_PUSH_LE, EM_PUSH_GE},
              {">", EM_PUSH_GT, EM_PUSH_LT},
              {">=", EM_PUSH_GE, EM_PUSH_LE}};
  for (size_t i = 0; i < EM_ARRAY_LEN(cmps); i++) {
    if (!is_fn(x, cmps[i].name) || x->nargs != 2) continue;
    const em_expr *a = x->args[0], *b = x->args[1];
    const em_vec *v;
    if (a->kind == EM_EX_COLUMN && (v = constant(az, b, a->type))) return add(az, sp, a->u.column, cmps[i].op, v);
    if (b->kind == EM_EX_COLUMN && (v = constant(az, a, b->type)))
      return add(az, sp, b->u.column, cmps[i].flipped, v);
  }
  return 0;
}

static void walk(em_az *az, em_lplan *n, int depth) {
  if (!n || depth > 4096) return;
  if (n->kind == EM_LP_FILTER && n->child && n->child->kind == EM_LP_SCAN) {
    (void)collect(az, n->child->u.scan, n->u.filter.cond, 0);
    /* Rows of the scan are dropped before the filter sees them only when
     * the filter's result for a row does not depend on the rows before it
     * (rand() and friends count rows). */
    n->child->u.scan->filter_rows = em_az_deterministic(n->u.filter.cond);
  }
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++) walk(az, kids[i], depth + 1);
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right) walk(az, n->u.set_op.right, depth + 1);
}

void em_az_push_scan_filters(em_az *az, em_lplan *root) { walk(az, root, 0); }
