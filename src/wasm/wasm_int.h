/*
 * Private to wasm/: the ABI's constants, the function and module objects,
 * and the runtime's internal interfaces (engine, module cache, instance
 * pool). Only runtime.c, instance.c and call.c see wasmtime's headers.
 */
#ifndef EM_WASM_INT_H
#define EM_WASM_INT_H

#include "wasm.h"

#include <string.h>

/* ---- ABI v1 (docs/wasm-udf-abi.md; sdk/c/ember_udf.h is the guest's copy) ---- */

#define EM_WASM_ABI_VERSION 2
#define EM_WASM_SECTION "ember.udf"

/* Column type codes. */
enum {
  EM_WASM_T_BOOLEAN = 1,
  EM_WASM_T_INT8 = 2,
  EM_WASM_T_INT16 = 3,
  EM_WASM_T_INT32 = 4,
  EM_WASM_T_INT64 = 5,
  EM_WASM_T_FLOAT32 = 6,
  EM_WASM_T_FLOAT64 = 7,
  EM_WASM_T_STRING = 8,
  EM_WASM_T_BINARY = 9,
  EM_WASM_T_DATE32 = 10,
  EM_WASM_T_TIMESTAMP_US = 11,
  EM_WASM_T_TIMESTAMP_NTZ_US = 12,
  EM_WASM_T_DECIMAL128 = 13,
  EM_WASM_T_LIST = 14,   /* v2: int32 offsets + one child column */
  EM_WASM_T_STRUCT = 15, /* v2: child columns, one per field */
};

/* The deepest nesting of lists and structs a column may have. */
#define EM_WASM_MAX_DEPTH 16

/* A column descriptor in guest memory: eight little-endian 32-bit words. */
enum {
  EM_WASM_COL_TYPE = 0,
  EM_WASM_COL_PRECISION = 1,
  EM_WASM_COL_SCALE = 2,
  EM_WASM_COL_NULL_COUNT = 3,
  EM_WASM_COL_VALIDITY = 4,
  EM_WASM_COL_OFFSETS = 5,
  EM_WASM_COL_VALUES = 6,
  EM_WASM_COL_VALUES_LEN = 7,
  EM_WASM_COL_WORDS = 8,
};

/* The batch descriptor: a header of eight words, the output column, then
 * the argument columns. */
enum {
  EM_WASM_HDR_ABI = 0,
  EM_WASM_HDR_NROWS = 1,
  EM_WASM_HDR_NARGS = 2,
  EM_WASM_HDR_ERROR = 3,     /* guest: pointer to an error message (UTF-8) */
  EM_WASM_HDR_ERROR_LEN = 4, /* guest: its length in bytes */
  EM_WASM_HDR_STATES = 5,    /* v2 aggregates: address of the state array */
  EM_WASM_HDR_NSTATES = 6,   /* v2 aggregates: states in it */
  EM_WASM_HDR_STATE_SIZE = 7, /* v2 aggregates: bytes per state (a multiple of 8) */
  EM_WASM_HDR_WORDS = 8,
};

/* The ABI code of an Ember type, 0 when it cannot cross. */
int em_wasm_type_code(const em_type *t);

/* What kind of user code a function is. */
typedef enum em_wasm_kind { EM_WASM_SCALAR, EM_WASM_AGGREGATE, EM_WASM_TABLE } em_wasm_kind;

/* ---- functions and modules ---- */

typedef struct em_wasm_module em_wasm_module;

struct em_wasm_fn {
  char *name;        /* as registered (lower-cased for lookup) */
  char *export_name;
  char *label;       /* the artifact's name, for errors */
  em_wasm_module *module; /* counted reference */
  uint64_t binding;  /* instance pool key: one per (registry, module) */
  int nargs;         /* -1: undeclared */
  em_type **args;    /* references */
  em_type *ret;      /* reference */
  bool deterministic;
  char *signature;   /* "string, int" (declared or "...") for FAILED_EXECUTE_UDF */
  char *result;      /* "string" */
  em_wasm_kind kind;
  /* Aggregates: bytes of one state (a multiple of 8), the state the guest's
   * <export>_init wrote (computed once at registration) and the hash
   * aggregate's view of the function (agg.c). */
  size_t state_size;
  uint8_t *init_state;
  em_agg_def *agg;
  /* Table functions: struct<parent int, outputs...>, the kernel's result. */
  em_type *table_out;
  /* Dropped (DROP TEMPORARY FUNCTION): lookups skip it; kept until the
   * registry is freed, since plans may still point at it. */
  bool dropped;
};

/* A new process-unique binding id. */
uint64_t em_wasm_new_binding(void);

/* The compiled module for `bytes` from the server's cache, compiled and
 * checked (no imports; memory and ember_alloc exported) on first use.
 * Returns a counted reference in *out. Errors name `fname`/`label` with
 * CANNOT_LOAD_FUNCTION_CLASS. */
int em_wasm_module_get(const uint8_t *bytes, size_t len, const char *label, const char *fname, em_wasm_module **out,
                       em_error *err);
em_wasm_module *em_wasm_module_ref(em_wasm_module *m);
void em_wasm_module_unref(em_wasm_module *m);
/* Checks that `export_name` is a function (i32) -> i32. */
int em_wasm_module_check_export(em_wasm_module *m, const char *export_name, const char *label, const char *fname,
                                em_error *err);

/* ---- columns in guest memory (column.c) ---- */

/* Bytes column v of n rows needs in guest memory (buffers, and the
 * descriptors of its children), each buffer 8-byte aligned. */
size_t em_wasm_col_bytes(const em_vec *v, int64_t n);
/* Sets a descriptor's type, precision and scale from t. */
void em_wasm_col_put_type(uint8_t *col, const em_type *t);
/* Writes column v (n rows) into the descriptor `col`, its buffers (and
 * children's descriptors) from guest address *at on (advanced). The room
 * was sized with em_wasm_col_bytes. */
void em_wasm_col_put(uint8_t *mem, uint8_t *col, const em_vec *v, int64_t n, uint32_t *at);
/* Validates the column of type t described at guest address `col` and
 * copies its n rows into a new vector. -1 with the problem in `why`
 * (EM_ERROR_VAL_MAX bytes). */
int em_wasm_col_get(em_type *t, const uint8_t *mem, size_t size, uint32_t col, int64_t n, em_vec **out, char *why);

/* ---- one guest call on the calling thread's instance (call.c) ---- */

typedef struct em_wasm_inst em_wasm_inst;

typedef struct em_wasm_run {
  const em_wasm_fn *f;
  const em_wasm_limits *lim;
  em_wasm_inst *in;
  int slot;
  const char *rows; /* "(rows 0..n of a batch in partition p)", for errors */
  uint32_t base;    /* the block ember_alloc returned */
  uint8_t *mem;     /* the guest's memory: valid until the next guest call */
  size_t size;
} em_wasm_run;

/* Takes the thread's instance for f (creating it), resets the guest's
 * scratch and allocates a block of `total` bytes (not zeroed) (r->base).
 * Errors: FAILED_EXECUTE_UDF (the instance is then discarded). */
int em_wasm_run_begin(em_wasm_run *r, const em_wasm_fn *f, const em_wasm_limits *lim, const char *rows, size_t total,
                      em_error *err);
/* Calls export `name` with r->base, refreshes r->mem and r->size, and turns
 * a trap, a deadline, fuel running out or a non-zero status (with the
 * guest's message from the descriptor at r->base) into FAILED_EXECUTE_UDF. */
int em_wasm_run_call(em_wasm_run *r, const char *name, em_error *err);
/* Sets FAILED_EXECUTE_UDF for f with a reason. */
int em_wasm_udf_error(em_error *err, const em_wasm_fn *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Bytes of a batch block (descriptor + arguments' buffers); *desc gets the
 * descriptor's own bytes. */
size_t em_wasm_batch_bytes(em_vec *const *args, int nargs, int64_t n, size_t *desc);
/* Writes the header (abi, nrows, nargs) and the argument columns of a batch
 * into the block at r->base; returns the output column's descriptor. */
uint8_t *em_wasm_put_batch(em_wasm_run *r, int64_t n, em_vec *const *args, int nargs, size_t desc);

static inline void em_wasm_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint32_t em_wasm_get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline size_t em_wasm_align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- aggregates (agg.c) ---- */

/* Rounds f->state_size up to 8, builds f->agg and computes f->init_state by
 * calling the guest's <export>_init once. Errors: FAILED_EXECUTE_UDF. */
int em_wasm_agg_prepare(em_wasm_fn *f, em_error *err);

/* ---- the host functions a module may import (wasi.c) ---- */

/* True when `module.name` is on the sandbox's allow-list: the few WASI
 * preview-1 functions Go's and AssemblyScript's runtimes import, served by
 * a deterministic shim (no files, no clock, no entropy). */
bool em_wasm_import_allowed(const char *module, size_t mlen, const char *name, size_t nlen);

/* Sets a CANNOT_LOAD_FUNCTION_CLASS error with a reason appended. */
int em_wasm_load_error(em_error *err, const char *label, const char *fname, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
