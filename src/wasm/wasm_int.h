/*
 * Private to wasm/: the ABI's constants, the function and module objects,
 * and the runtime's internal interfaces (engine, module cache, instance
 * pool). Only runtime.c, instance.c and call.c see wasmtime's headers.
 */
#ifndef EM_WASM_INT_H
#define EM_WASM_INT_H

#include "wasm.h"

/* ---- ABI v1 (docs/wasm-udf-abi.md; sdk/c/ember_udf.h is the guest's copy) ---- */

#define EM_WASM_ABI_VERSION 1
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
};

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
  EM_WASM_HDR_WORDS = 8,
};

/* The ABI code of an Ember type, 0 when it cannot cross. */
int em_wasm_type_code(const em_type *t);

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

/* Sets a CANNOT_LOAD_FUNCTION_CLASS error with a reason appended. */
int em_wasm_load_error(em_error *err, const char *label, const char *fname, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
