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

/* Aggregate and Deduplicate relations (resolve_aggregate.c). */
em_lplan *em_az_resolve_aggregate(em_az *az, const em_spec_rel *r, em_lplan *child);
em_lplan *em_az_resolve_deduplicate(em_az *az, const em_spec_rel *r, em_lplan *child);

/* Spark's name comparison under the session's case sensitivity. */
bool em_az_name_eq(const em_az *az, const char *a, const char *b);

#endif
