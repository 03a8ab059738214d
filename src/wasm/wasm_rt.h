/*
 * Private to wasm/ and only with the runtime built in: the wasmtime objects
 * runtime.c shares with call.c.
 */
#ifndef EM_WASM_RT_H
#define EM_WASM_RT_H

#include <wasmtime.h>

#include "wasm_int.h"

/* The process's engines (created on first use): one plain, one metering
 * fuel (ember.wasm.fuel). NULL when they cannot start. */
wasm_engine_t *em_wasm_engine(bool fuel);
/* The engine's linker, with the allowed host functions defined (wasi.c). */
wasmtime_linker_t *em_wasm_linker(bool fuel);
/* A new store for the engine, with the host functions' per-instance state. */
wasmtime_store_t *em_wasm_store_new(bool fuel);
/* Defines the allowed host functions in a linker (wasi.c). -1 on error. */
int em_wasm_define_host(wasmtime_linker_t *linker);
/* The per-store state the host functions keep (a deterministic generator
 * and clock). */
void *em_wasm_host_state_new(void);
void em_wasm_host_state_free(void *p);
/* Epoch ticks that make a deadline of timeout_ms (<= 0: practically none). */
int64_t em_wasm_ticks_for(int64_t timeout_ms);
/* Bracket every entry into guest code (instantiation, calls): the epoch
 * ticker runs only while some guest code may be running. */
void em_wasm_busy_begin(void);
void em_wasm_busy_end(void);
/* Copies a wasmtime error's message into buf and deletes the error. */
void em_wasm_error_text(wasmtime_error_t *e, char *buf, size_t cap);
/* The module compiled for the plain or the fuel engine (compiled on first
 * use for the fuel one), whether it exports ember_reset and _initialize.
 * -1 with a message when compiling fails. */
int em_wasm_module_compiled(em_wasm_module *m, bool fuel, wasmtime_module_t **out, bool *has_reset, bool *has_init,
                            char *msg, size_t cap);

#endif
