/*
 * A hostile guest for tests/fuzz/fuzz_wasm.c: each export copies the first
 * 16 bytes of its (binary) argument's first row into the output column's
 * validity, offsets, values and values_len words, and makes the rest of the
 * argument bytes addressable, so the fuzzer controls every pointer and
 * length the host must validate.
 */
#include "ember_udf.h"

static int32_t echo(ember_batch *b) {
  const ember_col *a = &b->args[0];
  uint32_t w[4] = {0, 0, 0, 0};
  if (b->nargs >= 1 && a->type == EMBER_BINARY && b->nrows > 0 && !ember_is_null(a, 0)) {
    uint32_t len;
    const uint8_t *p = ember_bytes(a, 0, &len);
    ember_memcpy(w, p, len < 16 ? len : 16);
    /* Small values are offsets into the argument bytes (plausible
     * pointers); large ones stay as they are (wild pointers). */
    for (int k = 0; k < 3; k++)
      if (w[k] != 0 && w[k] < a->values_len) w[k] += (uint32_t)(uintptr_t)a->values;
  }
  b->out.validity = (uint8_t *)(uintptr_t)w[0];
  b->out.offsets = (int32_t *)(uintptr_t)w[1];
  b->out.values = (uint8_t *)(uintptr_t)w[2];
  b->out.values_len = w[3];
  return 0;
}

EMBER_EXPORT(echo_s) { return echo(b); }
EMBER_EXPORT(echo_l) { return echo(b); }
EMBER_EXPORT(echo_b) { return echo(b); }
EMBER_EXPORT(echo_d) { return echo(b); }
EMBER_EXPORT(echo_n1) { return echo(b); } /* registered as array<string>: child descriptors from fuzzer bytes */
EMBER_EXPORT(echo_n2) { return echo(b); } /* registered as struct<a:int,b:array<bigint>> */
