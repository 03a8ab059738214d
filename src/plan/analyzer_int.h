/*
 * Private to the analyzer: the state of one analysis.
 */
#ifndef EM_ANALYZER_INT_H
#define EM_ANALYZER_INT_H

#include "plan.h"

typedef struct em_az {
  const em_analyze_ctx *ctx;
  em_plan *plan;
  em_error *err;
  /* df["col"] over a USING join's hidden key columns (resolve_expr.c):
   * no_expose forbids widening outputs (drop); join_scope is the join whose
   * condition is being resolved, and `exposed` tells its resolver that an
   * input was widened so the condition must be resolved again. */
  bool no_expose;
  bool exposed;
  em_lplan *join_scope;
  /* While a projection's expressions are resolved: collects their window
   * expressions (resolve_window.c); NULL where windows are not allowed. */
  struct em_az_win *win;
  bool in_over; /* resolving the function of an OVER clause */
  /* The lambda variables in scope while a lambda body is resolved
   * (resolve_nested.c). */
  void *lambda;
} em_az;

/* Records a reference the plan holds (released with it). -1 on OOM. */
int em_az_own_type(em_az *az, em_type *t);
int em_az_own_vec(em_az *az, em_vec *v);
int em_az_own_batch(em_az *az, em_batch *b);
int64_t em_az_next_id(em_az *az);

/* Resolves one spec expression against the output of `scope` (a resolved
 * child, or NULL for none). *name receives Spark's output name for the
 * expression (its alias or generated name). */
em_expr *em_az_resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                            char **metadata);

/* A call of registry function `fname` over resolved arguments (with their
 * SQL texts), typed and named as resolve_expr types user calls. NULL with
 * the error set. */
em_expr *em_az_call(em_az *az, const char *fname, em_expr *const *args, char *const *arg_sql, int nargs,
                    char **name);

/* A qualified star `qualifier.*` over scope: the hidden columns with that
 * qualifier (exposed as output columns of scope) then the first `base`
 * output columns with it. Fills idx[0..cap) with column indexes of scope
 * and returns how many match, -1 with the error set. */
int em_az_expand_qualified_star(em_az *az, em_lplan *scope, int base, const char *qualifier, int *idx, int cap);
/* How many hidden columns scope passes on (an upper bound for a star). */
int em_az_count_hidden(const em_lplan *scope);

/* A join node (resolve_join.c) over resolved inputs. */
em_lplan *em_az_resolve_join(em_az *az, const em_spec_rel *r, em_lplan *left, em_lplan *right);

/* A projection of the child's columns idx[0..n) (analyzer.c). */
em_lplan *em_az_project_columns(em_az *az, const em_spec_rel *r, em_lplan *child, const int *idx, int n);

/* Aggregate and Deduplicate relations (resolve_aggregate.c). */
em_lplan *em_az_resolve_aggregate(em_az *az, const em_spec_rel *r, em_lplan *child);
em_lplan *em_az_resolve_deduplicate(em_az *az, const em_spec_rel *r, em_lplan *child);

/* ---- nested values (resolve_nested.c) ---- */

/* getItem/getField, withField/dropFields, lambda variables. */
em_expr *em_az_resolve_nested(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name);
/* Calls resolved here rather than by the registry alone: struct(),
 * arrays_zip(), array_sort(a) and higher-order functions with lambdas. */
bool em_az_is_nested_call(const em_spec_expr *e);
em_expr *em_az_resolve_nested_call(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name);
/* col("a.b.c") as a column and its fields: NULL with *failed false when
 * no column matches the first part(s). */
em_expr *em_az_resolve_field_path(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                                  bool *failed);

/* Generators in a select (resolve_generate.c): whether the items hold
 * one, and the Generate nodes + projection for them. */
bool em_az_project_has_generator(const em_spec_expr *const *items, int n);
em_lplan *em_az_resolve_generate(em_az *az, const em_spec_rel *r, em_spec_expr *const *items, int nitems,
                                 em_lplan *child);

/* Spark's name comparison under the session's case sensitivity. */
bool em_az_name_eq(const em_az *az, const char *a, const char *b);

/* ---- shared by the resolve_*.c files (analyzer.c) ---- */

/* A node of `kind` with room for nout attributes (plan_id from r). NULL on
 * out-of-memory (no error set). */
em_lplan *em_az_new_node(em_az *az, em_lplan_kind kind, const em_spec_rel *r, int nout);
/* A node that keeps its child's attributes. NULL with err on OOM. */
em_lplan *em_az_pass_through(em_az *az, em_lplan_kind kind, const em_spec_rel *r, em_lplan *child);
/* Resolves another relation (the second input of a set operation). */
em_lplan *em_az_resolve_rel(em_az *az, const em_spec_rel *r, int depth);

/* ---- building resolved expressions (plan_build.c) ---- */

em_expr *em_az_col(em_az *az, const em_lplan *scope, int i);
/* A literal over a 1-row vector (the plan takes a reference). */
em_expr *em_az_lit(em_az *az, em_vec *v);
em_expr *em_az_null_lit(em_az *az, em_type *t);
/* Spark's generated name of a literal ("1", "a"...), arena string. */
char *em_az_lit_sql(em_az *az, const em_vec *v);
/* e cast to `to` (e itself when the types are equal). */
em_expr *em_az_cast(em_az *az, em_expr *e, em_type *to, bool ansi);
/* Dataset.col(name): the index of the output column of scope, or -1 with
 * a plain (not extended) AnalysisException in az->err. */
int em_az_resolve_df_column(em_az *az, const em_lplan *scope, const char *name);
/* A projection of exprs over child; column references keep the child's
 * attribute, other outputs get new ids (the caller names them). */
em_lplan *em_az_project(em_az *az, const em_spec_rel *r, em_lplan *child, em_expr **exprs, int n);

/* ---- relations (resolve_partitioning.c, resolve_setop.c, resolve_na.c,
 * resolve_schema.c) ---- */

/* Repartition, RepartitionByExpression, coalesce and hints. */
em_lplan *em_az_resolve_partitioning(em_az *az, const em_spec_rel *r, em_lplan *child);
/* union, unionByName, intersect, except. */
em_lplan *em_az_resolve_set_op(em_az *az, const em_spec_rel *r, em_lplan *left, int depth);
/* na.fill, na.drop, na.replace. */
em_lplan *em_az_resolve_na(em_az *az, const em_spec_rel *r, em_lplan *child);
/* to(schema), withWatermark, sample. */
em_lplan *em_az_resolve_schema(em_az *az, const em_spec_rel *r, em_lplan *child);

/* ---- window functions (resolve_window.c) ---- */

/* Whether a spec expression contains a window expression. */
bool em_az_has_window(const em_spec_expr *e);
/* Starts collecting the window expressions of a projection over child
 * (sets az->win). -1 with the error set. */
int em_az_win_begin(em_az *az, em_lplan *child);
/* A window expression met while resolving: a reference to its column of
 * the Window node to come. */
em_expr *em_az_resolve_window(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name);
/* Ends the collection: the Window nodes (exchange, sort, window per
 * distinct window specification) over child, whose output is child's
 * columns then the window columns. NULL with the error set. */
em_lplan *em_az_win_end(em_az *az, em_lplan *child);

/* The optimizer rules with visible effects (optimize.c): filter pushdown and
 * column pruning, in place over the resolved plan. */
void em_az_optimize(em_az *az, em_lplan **root);

/* ---- cached data (fingerprint.c) ---- */

/* Stores the root's fingerprint when asked and replaces cached subtrees
 * by EM_LP_CACHED leaves. -1 with the error set on OOM. */
int em_az_use_cache(em_az *az, em_lplan **root);
/* A CachedRemoteRelation (a checkpoint) by id: DATAFRAME_NOT_FOUND when
 * the session has none. */
em_lplan *em_az_resolve_cached_remote(em_az *az, const em_spec_rel *r);

#endif
