/*
 * Misbehaving UDFs for the sandbox tests (tests/client/test_wasm_udf.py):
 *   spin(int) -> int    loops forever (the deadline stops it)
 *   bomb(int) -> int    allocates until memory cannot grow (the limit stops it)
 *   crash(int) -> int   executes `unreachable` (a trap)
 *   refuse(int) -> int  reports an error through ember_fail
 *   ident(int) -> int   behaves: returns its argument
 */
#include "ember_udf.h"

EMBER_SIGNATURE("spin(int) -> int");
EMBER_SIGNATURE("bomb(int) -> int");
EMBER_SIGNATURE("crash(int) -> int");
EMBER_SIGNATURE("refuse(int) -> int");
EMBER_SIGNATURE("ident(int) -> int");

static volatile int32_t sink;

EMBER_EXPORT(spin) {
  for (;;) sink++;
  return 0;
}

EMBER_EXPORT(bomb) {
  for (;;) {
    volatile uint8_t *p = (volatile uint8_t *)ember_xalloc(1 << 20);
    p[0] = 1;
  }
  return 0;
}

EMBER_EXPORT(crash) {
  if (b->nrows > 0) __builtin_trap();
  return 0;
}

EMBER_EXPORT(refuse) { return ember_fail(b, "refused on purpose"); }

EMBER_EXPORT(ident) {
  int32_t *out = (int32_t *)ember_out_values(b, 4);
  ember_out_nulls_from(b, &b->args[0]);
  for (uint32_t i = 0; i < b->nrows; i++) out[i] = ember_i32(&b->args[0], i);
  return 0;
}
