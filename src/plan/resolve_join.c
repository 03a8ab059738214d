/*
 * Joins in the analyzer: DataFrame.join / crossJoin as Spark resolves them.
 *
 * A join node outputs the left input's columns then the right input's
 * (only the left's for semi and anti joins), the side(s) that an outer join
 * pads with NULLs turned nullable. Its condition is resolved against both
 * inputs at once, so a bare name present on both sides is
 * AMBIGUOUS_REFERENCE and df["col"] picks its side by plan id
 * (resolve_expr.c); it must be BOOLEAN (JOIN_CONDITION_IS_NOT_BOOLEAN_TYPE).
 *
 * A USING join (on="k" or on=["k1", "k2"]) is Spark's
 * ResolveNaturalAndUsingJoin: each name is found on the left, then on the
 * right (UNRESOLVED_USING_COLUMN_FOR_JOIN with that side's sorted column
 * names), the condition is the conjunction of lk = rk (with the usual
 * comparison coercion), and a projection on top of the join keeps one
 * column per key followed by the other left and right columns:
 *   inner, cross  left keys          hidden: right keys
 *   left outer    left keys          hidden: right keys (nullable)
 *   right outer   right keys         hidden: left keys (nullable)
 *   full outer    coalesce(lk, rk)   hidden: both (nullable)
 *   semi, anti    left keys, then the other left columns
 * The hidden keys stay reachable through df["k"] of either input.
 *
 * Both inputs were resolved separately, so a self-join's sides already have
 * distinct expression ids (Spark's DeduplicateRelations).
 */
#include "analyzer_int.h"

#include <stdlib.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static em_expr *column(em_az *az, const em_attr *a, int idx) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return oom(az), NULL;
  x->kind = EM_EX_COLUMN;
  x->u.column = idx;
  x->type = a->type;
  x->nullable = a->nullable;
  return x;
}

static bool keeps_right(em_join_type t) { return t != EM_JOIN_LEFT_SEMI && t != EM_JOIN_LEFT_ANTI; }

/* The join node over left and right with their current columns; for semi
 * and anti joins `scope` keeps the right side's columns in its output (the
 * condition sees both), trimmed by the caller. */
static em_lplan *join_node(em_az *az, em_join_type type, em_lplan *left, em_lplan *right) {
  int n = left->nout + right->nout;
  em_lplan *j = em_arena_calloc(&az->plan->arena, sizeof *j);
  em_attr *out = em_arena_calloc(&az->plan->arena, sizeof(em_attr) * (size_t)(n + 1));
  if (!j || !out) return oom(az), NULL;
  j->kind = EM_LP_JOIN;
  j->plan_id = -1;
  j->child = left;
  j->u.join.right = right;
  j->u.join.type = type;
  j->out = out;
  j->nout = n;
  bool left_null = type == EM_JOIN_RIGHT_OUTER || type == EM_JOIN_FULL_OUTER;
  bool right_null = type == EM_JOIN_LEFT_OUTER || type == EM_JOIN_FULL_OUTER;
  for (int i = 0; i < left->nout; i++) {
    out[i] = left->out[i];
    if (left_null) out[i].nullable = true;
  }
  for (int i = 0; i < right->nout; i++) {
    out[left->nout + i] = right->out[i];
    if (right_null) out[left->nout + i].nullable = true;
  }
  return j;
}

static void quote_name(em_strbuf *sb, const char *s) {
  em_strbuf_putc(sb, '`');
  for (; *s; s++) {
    if (*s == '`') em_strbuf_putc(sb, '`');
    em_strbuf_putc(sb, *s);
  }
  em_strbuf_putc(sb, '`');
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int using_error(em_az *az, const char *col, const char *side, const em_lplan *in) {
  char **names = em_calloc((size_t)in->nout + 1, sizeof *names);
  if (!names) return oom(az);
  for (int i = 0; i < in->nout; i++) names[i] = in->out[i].name;
  qsort(names, (size_t)in->nout, sizeof *names, cmp_str);
  em_strbuf c, sug;
  em_strbuf_init(&c);
  em_strbuf_init(&sug);
  quote_name(&c, col);
  for (int i = 0; i < in->nout; i++) {
    if (i) em_strbuf_puts(&sug, ", ");
    quote_name(&sug, names[i]);
  }
  em_free(names);
  em_error_set(az->err, EM_ERR_UNRESOLVED_USING_COLUMN_FOR_JOIN, "colName", c.data ? c.data : "", "side", side,
               "suggestion", sug.data ? sug.data : "", NULL);
  em_strbuf_free(&c);
  em_strbuf_free(&sug);
  return -1;
}

static int find_name(em_az *az, const em_lplan *in, const char *name) {
  for (int i = 0; i < in->nout; i++)
    if (em_az_name_eq(az, in->out[i].name, name)) return i;
  return -1;
}

/* lk AND rk ... as Spark's EqualTo conjunction (left-deep). */
static em_expr *and_all(em_az *az, em_expr *acc, char **acc_sql, em_expr *x, char *x_sql) {
  if (!acc) {
    *acc_sql = x_sql;
    return x;
  }
  em_expr *args[2] = {acc, x};
  char *sql[2] = {*acc_sql, x_sql};
  return em_az_call(az, "and", args, sql, 2, acc_sql);
}

static em_lplan *resolve_using(em_az *az, const em_spec_rel *r, em_lplan *left, em_lplan *right) {
  em_join_type type = r->u.join.type == EM_JOIN_CROSS ? EM_JOIN_INNER : r->u.join.type;
  int nk = r->u.join.nusing;
  int *lk = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(nk + 1));
  int *rk = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(nk + 1));
  bool *lkey = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(left->nout + 1));
  bool *rkey = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(right->nout + 1));
  if (!lk || !rk || !lkey || !rkey) return oom(az), NULL;
  for (int i = 0; i < nk; i++)
    if ((lk[i] = find_name(az, left, r->u.join.using_cols[i])) < 0)
      return using_error(az, r->u.join.using_cols[i], "left", left), NULL;
  for (int i = 0; i < nk; i++)
    if ((rk[i] = find_name(az, right, r->u.join.using_cols[i])) < 0)
      return using_error(az, r->u.join.using_cols[i], "right", right), NULL;
  for (int i = 0; i < nk; i++) {
    lkey[lk[i]] = true;
    rkey[rk[i]] = true;
  }
  em_lplan *j = join_node(az, type, left, right);
  if (!j) return NULL;
  int nl = left->nout;
  em_expr *cond = NULL;
  char *cond_sql = NULL;
  for (int i = 0; i < nk; i++) {
    em_expr *args[2] = {column(az, &j->out[lk[i]], lk[i]), column(az, &j->out[nl + rk[i]], nl + rk[i])};
    if (!args[0] || !args[1]) return NULL;
    char *sql[2] = {j->out[lk[i]].name, j->out[nl + rk[i]].name}, *eq_sql = NULL;
    em_expr *eq = em_az_call(az, "==", args, sql, 2, &eq_sql);
    if (!eq || !(cond = and_all(az, cond, &cond_sql, eq, eq_sql))) return NULL;
  }
  j->u.join.cond = cond;
  /* The projection: keys, the other left columns, the other right ones. */
  int cap = j->nout, nhidden = 2 * nk;
  em_lplan *p = em_arena_calloc(&az->plan->arena, sizeof *p);
  em_attr *out = em_arena_calloc(&az->plan->arena, sizeof(em_attr) * (size_t)(cap + nhidden + 1));
  em_expr **exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(cap + nhidden + 1));
  em_attr *hidden = em_arena_calloc(&az->plan->arena, sizeof(em_attr) * (size_t)(nhidden + 1));
  if (!p || !out || !exprs || !hidden) return oom(az), NULL;
  p->kind = EM_LP_PROJECT;
  p->plan_id = r->plan_id;
  p->child = j;
  p->out = out;
  p->u.project.exprs = exprs;
  p->u.project.hidden = hidden;
  int k = 0, h = 0;
#define TAKE(idx)                                                  \
  do {                                                             \
    if (!(exprs[k] = column(az, &j->out[idx], idx))) return NULL;  \
    out[k++] = j->out[idx];                                        \
  } while (0)
  for (int i = 0; i < nk; i++) {
    if (type == EM_JOIN_FULL_OUTER) {
      em_expr *args[2] = {column(az, &j->out[lk[i]], lk[i]), column(az, &j->out[nl + rk[i]], nl + rk[i])};
      if (!args[0] || !args[1]) return NULL;
      char *sql[2] = {j->out[lk[i]].name, j->out[nl + rk[i]].name}, *name = NULL;
      em_expr *x = em_az_call(az, "coalesce", args, sql, 2, &name);
      if (!x) return NULL;
      exprs[k] = x;
      em_attr *a = &out[k++];
      a->name = j->out[lk[i]].name;
      a->type = x->type;
      a->nullable = x->nullable;
      a->id = em_az_next_id(az);
      hidden[h++] = j->out[lk[i]];
      hidden[h++] = j->out[nl + rk[i]];
    } else if (type == EM_JOIN_RIGHT_OUTER) {
      TAKE(nl + rk[i]);
      hidden[h++] = j->out[lk[i]];
    } else {
      TAKE(lk[i]);
      if (keeps_right(type)) hidden[h++] = j->out[nl + rk[i]];
    }
  }
  for (int i = 0; i < nl; i++)
    if (!lkey[i]) TAKE(i);
  if (keeps_right(type))
    for (int i = 0; i < right->nout; i++)
      if (!rkey[i]) TAKE(nl + i);
#undef TAKE
  p->nout = k;
  p->u.project.nhidden = h;
  if (!keeps_right(type)) j->nout = nl;
  return p;
}

em_lplan *em_az_resolve_join(em_az *az, const em_spec_rel *r, em_lplan *left, em_lplan *right) {
  if (r->u.join.nusing > 0) return resolve_using(az, r, left, right);
  em_join_type type = r->u.join.type;
  if (type == EM_JOIN_CROSS && r->u.join.cond) type = EM_JOIN_INNER;
  int base_l = left->nout, base_r = right->nout;
  em_lplan *j = NULL;
  em_expr *cond = NULL;
  /* Naming a hidden USING key of an input widens that input, which moves
   * the right side's columns: resolve again over the new layout. Each
   * round exposes at least one more column. */
  for (int round = 0;; round++) {
    if (!(j = join_node(az, type, left, right))) return NULL;
    if (!r->u.join.cond) break;
    char *name = NULL, *meta = NULL;
    az->join_scope = j;
    az->exposed = false;
    cond = em_az_resolve_expr(az, r->u.join.cond, j, &name, &meta);
    az->join_scope = NULL;
    if (!cond && az->exposed && round < 64) continue;
    if (!cond) return NULL;
    if (cond->type->id != EM_T_BOOLEAN) {
      em_strbuf sql, ty;
      em_strbuf_init(&sql);
      em_strbuf_init(&ty);
      em_strbuf_printf(&sql, "\"%s\"", name);
      em_strbuf_putc(&ty, '"');
      em_type_sql(cond->type, &ty);
      em_strbuf_putc(&ty, '"');
      em_error_set(az->err, EM_ERR_JOIN_CONDITION_IS_NOT_BOOLEAN_TYPE, "joinCondition", sql.data ? sql.data : "",
                   "conditionType", ty.data ? ty.data : "", NULL);
      em_strbuf_free(&sql);
      em_strbuf_free(&ty);
      return NULL;
    }
    break;
  }
  j->u.join.cond = cond;
  j->plan_id = r->plan_id;
  if (!keeps_right(type)) j->nout = left->nout;
  if (left->nout == base_l && right->nout == base_r) return j;
  /* Drop the exposed columns again. */
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(base_l + base_r + 1));
  if (!idx) return oom(az), NULL;
  int n = 0;
  for (int i = 0; i < base_l; i++) idx[n++] = i;
  if (keeps_right(type))
    for (int i = 0; i < base_r; i++) idx[n++] = left->nout + i;
  return em_az_project_columns(az, r, j, idx, n);
}
