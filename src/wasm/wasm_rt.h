/*
 * Private to wasm/ and only with the runtime built in: the wasmtime objects
 * runtime.c shares with call.c.
 */
#ifndef EM_WASM_RT_H
#define EM_WASM_RT_H

#include <wasmtime.h>

#include "wasm_int.h"

/* The process's engine (created on first use); NULL when it cannot start. */
wasm_engine_t *em_wasm_engine(void);
/* Epoch ticks that make a deadline of timeout_ms (<= 0: practically none). */
int64_t em_wasm_ticks_for(int64_t timeout_ms);
/* Copies a wasmtime error's message into buf and deletes the error. */
void em_wasm_error_text(wasmtime_error_t *e, char *buf, size_t cap);
/* The compiled module, and whether it exports ember_reset. */
wasmtime_module_t *em_wasm_module_compiled(em_wasm_module *m, bool *has_reset);

#endif
