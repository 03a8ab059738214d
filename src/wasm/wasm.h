/*
 * wasm: user-defined functions compiled to WebAssembly, run by wasmtime.
 *
 * A session registers a function by binding a name to an export of a module
 * it uploaded (AddArtifacts). The analyzer looks unknown function names up in
 * the session's registry and types the call from the module's declared
 * signature (the `ember.udf` custom section) or the registered return type.
 * Evaluation calls the guest once per batch through the vectorized ABI of
 * docs/wasm-udf-abi.md: argument columns are copied into the instance's
 * linear memory in the Arrow layout, the guest writes its result column the
 * same way, and the host validates and copies it out.
 *
 * Modules are compiled once per server (keyed by their content), instances
 * are pooled per worker thread and per session binding. The sandbox: no
 * imports at all (any import is refused at registration), a memory limit,
 * a deadline per call (epoch interruption). Failures become Spark-style
 * errors naming the function: FAILED_EXECUTE_UDF at run time,
 * CANNOT_LOAD_FUNCTION_CLASS at registration.
 *
 * Built without the runtime (EMBER_HAVE_WASM unset), registration fails with
 * UNSUPPORTED_FEATURE; the registry and the signature parser still work.
 */
#ifndef EM_WASM_H
#define EM_WASM_H

#include "../base/base.h"
#include "../expr/expr.h"
#include "../types/types.h"

typedef struct em_udf_registry em_udf_registry;
typedef struct em_wasm_fn em_wasm_fn;

/* Limits a call runs under (session settings read when a query is analyzed). */
typedef struct em_wasm_limits {
  int64_t memory_limit; /* bytes of linear memory per instance (ember.wasm.memoryLimit) */
  int64_t timeout_ms;   /* deadline of one guest call (ember.wasm.timeout) */
  int64_t fuel;         /* instructions' fuel per guest call (ember.wasm.fuel), 0 = unmetered */
} em_wasm_limits;

#define EM_WASM_DEFAULT_MEMORY_LIMIT (256LL << 20)
#define EM_WASM_DEFAULT_TIMEOUT_MS 30000

/* True when this build has the WebAssembly runtime. */
bool em_wasm_available(void);

/* ---- the session's function registry (registry.c) ---- */

em_udf_registry *em_udf_registry_new(void);
/* Frees the registry and every function it ever held. Plans hold plain
 * pointers to functions, so the registry must outlive them (a session's
 * registry is freed with the session, after its operations). */
void em_udf_registry_free(em_udf_registry *r);

/* Binds `name` (case-insensitive; replaces an earlier binding) to export
 * `export_name` of the module `bytes` (copied; compiled once per server).
 * `ret` is the registered return type (borrowed) or NULL to take it from
 * the module's `ember.udf` section. `label` names the module in errors
 * (the artifact name). Errors: CANNOT_LOAD_FUNCTION_CLASS (malformed module,
 * forbidden import, missing or ill-typed export, no return type),
 * UNSUPPORTED_FEATURE (built without the runtime). Thread-safe. */
int em_udf_register_wasm(em_udf_registry *r, const char *name, const char *label, const uint8_t *bytes, size_t len,
                         const char *export_name, em_type *ret, bool deterministic, em_error *err);

/* The same, for registerJavaUDAF (aggregate true): the module must declare
 * the export an aggregate (`-> type state N`). The kind of function
 * (scalar, aggregate, table) comes from the module's declaration. */
int em_udf_register_wasm_ex(em_udf_registry *r, const char *name, const char *label, const uint8_t *bytes, size_t len,
                            const char *export_name, em_type *ret, bool deterministic, bool aggregate, em_error *err);

/* The function bound to `name`, or NULL. The pointer stays valid while the
 * registry lives (replaced bindings are kept until then). Thread-safe. */
const em_wasm_fn *em_udf_lookup(em_udf_registry *r, const char *name);

/* Names r does not bind itself are looked up in `fallback` (borrowed; it
 * must outlive r): a session's temporary functions shadow its persistent
 * ones. Lookups only: name_at, unregister and copy see r's own names. */
void em_udf_registry_set_fallback(em_udf_registry *r, em_udf_registry *fallback);
/* True when r itself (not its fallback) binds name. */
bool em_udf_is_own(em_udf_registry *r, const char *name);

/* Unbinds `name` (DROP TEMPORARY FUNCTION): true when it was bound. The
 * function itself stays allocated for plans that still call it. Thread-safe. */
bool em_udf_unregister(em_udf_registry *r, const char *name);

/* The artifact label and export a name is bound to (DESCRIBE FUNCTION),
 * or false. The strings are valid while the registry lives. */
bool em_udf_binding(em_udf_registry *r, const char *name, const char **label, const char **export_name);

/* Registered names in registration order (for SHOW FUNCTIONS): i from 0
 * until NULL. The string is valid while the registry lives. */
const char *em_udf_name_at(em_udf_registry *r, int i);

/* Binds every current function of `src` in `dst` as well (CloneSession):
 * the same modules and exports, new instance bindings (the clone never
 * shares guest memory with the original). Thread-safe. */
int em_udf_registry_copy(em_udf_registry *dst, em_udf_registry *src, em_error *err);

/* ---- a function's signature, for the analyzer ---- */

const char *em_wasm_fn_name(const em_wasm_fn *f);
em_type *em_wasm_fn_ret(const em_wasm_fn *f);
/* Declared argument types: -1 when the module declares none (then the
 * arguments are passed with their own types). */
int em_wasm_fn_nargs(const em_wasm_fn *f);
em_type *em_wasm_fn_arg(const em_wasm_fn *f, int i);
bool em_wasm_fn_deterministic(const em_wasm_fn *f);
/* An aggregate (registerJavaUDAF): its calls are EM_EX_AGG nodes driven by
 * the hash aggregate through em_wasm_fn_agg (agg.c). */
bool em_wasm_fn_is_aggregate(const em_wasm_fn *f);
const em_agg_def *em_wasm_fn_agg(const em_wasm_fn *f);
/* A table function (one row in, many out): usable as a generator. Its
 * result type is a struct of the output columns. */
bool em_wasm_fn_is_table(const em_wasm_fn *f);
/* True when values of t can cross the ABI (atomic types; v2: lists and
 * structs of them). */
bool em_wasm_type_supported(const em_type *t);

/* The constant data of a call expression (em_expr.u.fn.data). */
typedef struct em_wasm_call {
  const em_wasm_fn *fn;
  em_wasm_limits limits;
} em_wasm_call;

/* The kernel of every WASM UDF call: one guest call per batch. Errors:
 * FAILED_EXECUTE_UDF naming the function and the row range. */
int em_wasm_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out, em_error *err);

/* The kernel of a table function's call (table.c): one guest call over the
 * n input rows returns a struct vector of ANY length whose first field is
 * the int32 input row each output row came from (ascending) and whose other
 * fields are the function's output columns. Only the Generate operator
 * calls it. Errors: FAILED_EXECUTE_UDF. */
int em_wasm_table_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err);

/* ---- module inspection (section.c; pure, fuzzed) ---- */

/* Finds the payload of the first custom section called `name` in a module
 * binary. Returns 1 and sets *payload and *plen when found, 0 when absent, -1
 * (err set) when the binary is not a well-formed sequence of sections. */
int em_wasm_custom_section(const uint8_t *bytes, size_t len, const char *name, const uint8_t **payload,
                           size_t *plen, em_error *err);

/* One declared signature of the `ember.udf` section. */
typedef struct em_wasm_sig {
  char *export_name;
  int nargs;
  em_type **args; /* references */
  em_type *ret;   /* reference (table functions: a struct of the output columns) */
  int kind;       /* em_wasm_kind (wasm_int.h): `-> t state N` aggregate, `-> table(...)` table */
  int64_t state_size; /* aggregates: N */
} em_wasm_sig;

/* Parses the `ember.udf` section text: one `export(type, ...) -> type` per
 * line (`-> type state N` for an aggregate, `-> table(name type, ...)` for a
 * table function), types in Spark's DDL syntax, `#` comments. On success *sigs is an
 * em_malloc'd array of *nsigs entries (em_wasm_sigs_free). */
int em_wasm_parse_sigs(const char *text, size_t len, em_wasm_sig **sigs, int *nsigs, em_error *err);
void em_wasm_sigs_free(em_wasm_sig *sigs, int n);

/* Stops the runtime's epoch thread and frees compiled modules (at exit). */
void em_wasm_shutdown(void);

#endif
