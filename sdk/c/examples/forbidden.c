/* A module that imports a host function (env.host_clock): registration must refuse it. */
#include "ember_udf.h"

extern int32_t host_clock(void);

EMBER_EXPORT(now) {
  int32_t *out = (int32_t *)ember_out_values(b, 4);
  for (uint32_t i = 0; i < b->nrows; i++) out[i] = host_clock();
  return 0;
}
