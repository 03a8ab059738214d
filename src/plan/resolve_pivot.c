/*
 * groupBy(...).pivot(col[, values]).
 */
#include "analyzer_int.h"

em_lplan *em_az_resolve_pivot(em_az *az, const em_spec_rel *r, em_lplan *child) {
  (void)child;
  (void)r;
  em_error_set(az->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "PIVOT", NULL);
  return NULL;
}
