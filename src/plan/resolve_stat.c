/*
 * The statistics relations (df.summary, df.describe, df.stat.*).
 */
#include "analyzer_int.h"

em_lplan *em_az_resolve_stat(em_az *az, const em_spec_rel *r, em_lplan *child) {
  (void)child;
  em_error_set(az->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Relation", "name",
               em_spec_rel_kind_name(r->kind), "number",
               em_arena_printf(&az->plan->arena, "%d", em_spec_rel_kind_field(r->kind)), NULL);
  return NULL;
}
