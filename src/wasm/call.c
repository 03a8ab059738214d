/*
 * Calling WebAssembly over a batch: the per-thread instance pool, one guest
 * call with its failure reporting (em_wasm_run_*), and the scalar UDF
 * kernel (the host side of docs/wasm-udf-abi.md).
 *
 * Pool: each thread that evaluates WASM UDFs keeps up to POOL_SLOTS
 * instances, keyed by binding (one per session and module, so sessions
 * never see each other's guest memory) and by metering (fuel or not: a
 * metered module is compiled by another engine), least recently used
 * evicted. An instance has its own store (memory limit through the store's
 * limiter, deadline through epochs, fuel when ember.wasm.fuel is set); one
 * that trapped or timed out is discarded, since its memory may be
 * inconsistent. A thread's pool is freed when the thread exits.
 *
 * One call per batch: reset the guest's scratch (ember_reset), ask it for
 * one block (ember_alloc) big enough for the descriptor and every argument
 * buffer, copy the argument columns in (column.c: validity bitmap only when
 * the column has nulls, offsets, values, child columns), call the export
 * with the block's address, then validate the output descriptor the guest
 * filled (every pointer and length within memory, offsets monotonic) and
 * copy the result column out. Bytes copied per row: the argument values
 * (plus 4 bytes of offsets for strings, binary and lists, 1/8 byte of
 * validity when nulls) in, the result's the same out.
 */
#include "wasm_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int em_wasm_udf_error(em_error *err, const em_wasm_fn *f, const char *fmt, ...) {
  char reason[EM_ERROR_VAL_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return em_error_set(err, EM_ERR_FAILED_EXECUTE_UDF, "functionName", f->name, "signature", f->signature, "result",
                      f->result, "reason", reason, NULL);
}

#ifdef EMBER_HAVE_WASM

#include "wasm_rt.h"

#define POOL_SLOTS 16

struct em_wasm_inst {
  uint64_t binding;
  bool fuel;
  em_wasm_module *module; /* counted reference */
  wasmtime_store_t *store;
  wasmtime_context_t *cx;
  wasmtime_instance_t instance;
  wasmtime_memory_t mem;
  wasmtime_func_t alloc, reset;
  bool has_reset;
  int64_t limit;
  uint64_t used;
};
typedef struct em_wasm_inst inst;

typedef struct pool {
  inst *slots[POOL_SLOTS];
  uint64_t clock;
} pool;

static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void inst_free(inst *in) {
  if (!in) return;
  if (in->store) wasmtime_store_delete(in->store);
  em_wasm_module_unref(in->module);
  em_free(in);
}

static void pool_free(void *p) {
  pool *pl = p;
  for (int i = 0; i < POOL_SLOTS; i++) inst_free(pl->slots[i]);
  em_free(pl);
}

static void pool_key_init(void) { pthread_key_create(&pool_key, pool_free); }

/* Keeps the cause of a wasmtime trap message: the text after "wasm trap: "
 * when there is one (the message starts with a backtrace), else the first
 * line. */
static void trap_cause(char *msg) {
  char *t = strstr(msg, "wasm trap: ");
  if (t) memmove(msg, t + 11, strlen(t + 11) + 1);
  char *nl = strchr(msg, '\n');
  if (nl) *nl = 0;
}

static void trap_text(wasm_trap_t *trap, char *msg, size_t cap) {
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  size_t n = m.size < cap - 1 ? m.size : cap - 1;
  memcpy(msg, m.data, n);
  msg[n] = 0;
  wasm_byte_vec_delete(&m);
}

/* Describes a trap or error of a guest call, classifying deadline, fuel and
 * memory-limit failures. Deletes what it is given. */
static int call_failure(em_error *err, const em_wasm_fn *f, inst *in, const em_wasm_limits *lim, wasm_trap_t *trap,
                        wasmtime_error_t *e, const char *where, const char *rows) {
  char msg[2048] = "";
  wasmtime_trap_code_t code = 0;
  bool has_code = false;
  if (trap) {
    has_code = wasmtime_trap_code(trap, &code);
    trap_text(trap, msg, sizeof msg);
    wasm_trap_delete(trap);
  } else if (e) {
    em_wasm_error_text(e, msg, sizeof msg);
  }
  trap_cause(msg);
  size_t mem_size = wasmtime_memory_data_size(in->cx, &in->mem);
  if (has_code && code == WASMTIME_TRAP_CODE_INTERRUPT)
    return em_wasm_udf_error(err, f,
                             "the WebAssembly call in %s exceeded its deadline of %lld ms (ember.wasm.timeout) %s",
                             where, (long long)lim->timeout_ms, rows);
  if (has_code && code == WASMTIME_TRAP_CODE_OUT_OF_FUEL)
    return em_wasm_udf_error(err, f, "the WebAssembly call in %s ran out of fuel (%lld, ember.wasm.fuel) %s", where,
                             (long long)lim->fuel, rows);
  /* A guest that cannot grow its memory usually traps soon after (the SDK
   * traps when ember_alloc fails): near the limit, report the limit. */
  if ((int64_t)mem_size + (2 << 20) > lim->memory_limit)
    return em_wasm_udf_error(err, f,
                             "the WebAssembly call in %s reached the memory limit of %lld bytes "
                             "(ember.wasm.memoryLimit) and failed: %s %s",
                             where, (long long)lim->memory_limit, msg, rows);
  return em_wasm_udf_error(err, f, "the WebAssembly call in %s trapped: %s %s", where, msg, rows);
}

static int call_i32(inst *in, wasmtime_func_t *fn, const int32_t *arg, int32_t *res, wasm_trap_t **trap,
                    wasmtime_error_t **e) {
  wasmtime_val_t a, r;
  a.kind = WASMTIME_I32;
  a.of.i32 = arg ? *arg : 0;
  *trap = NULL;
  em_wasm_busy_begin();
  *e = wasmtime_func_call(in->cx, fn, &a, arg ? 1 : 0, &r, res ? 1 : 0, trap);
  em_wasm_busy_end();
  if (*e || *trap) return -1;
  if (res) *res = r.of.i32;
  return 0;
}

/* Arms the limits of one guest call: the deadline, and the fuel. */
static void arm(inst *in, const em_wasm_limits *lim) {
  wasmtime_context_set_epoch_deadline(in->cx, (uint64_t)em_wasm_ticks_for(lim->timeout_ms));
  if (in->fuel) wasmtime_context_set_fuel(in->cx, (uint64_t)lim->fuel);
}

static inst *inst_new(const em_wasm_fn *f, const em_wasm_limits *lim, em_error *err) {
  bool fuel = lim->fuel > 0;
  wasmtime_linker_t *linker = em_wasm_linker(fuel);
  if (!linker) return em_error_internal(err, "cannot start the WebAssembly engine"), NULL;
  bool has_reset, has_init;
  wasmtime_module_t *mod = NULL;
  char msg[2048] = "";
  if (em_wasm_module_compiled(f->module, fuel, &mod, &has_reset, &has_init, msg, sizeof msg))
    return em_wasm_udf_error(err, f, "cannot compile the WebAssembly module: %s", msg), NULL;
  inst *in = em_calloc(1, sizeof *in);
  if (!in) return em_error_internal(err, "out of memory"), NULL;
  in->binding = f->binding;
  in->fuel = fuel;
  in->store = em_wasm_store_new(fuel);
  if (!in->store) {
    em_free(in);
    return em_error_internal(err, "out of memory creating a WebAssembly store"), NULL;
  }
  /* The pool's own reference: the function may go before the pool does. */
  in->module = em_wasm_module_ref(f->module);
  in->cx = wasmtime_store_context(in->store);
  in->limit = lim->memory_limit;
  wasmtime_store_limiter(in->store, lim->memory_limit, -1, -1, -1, -1);
  arm(in, lim);
  wasm_trap_t *trap = NULL;
  em_wasm_busy_begin();
  wasmtime_error_t *e = wasmtime_linker_instantiate(linker, in->cx, mod, &in->instance, &trap);
  em_wasm_busy_end();
  wasmtime_extern_t x;
  /* A reactor (Go's c-shared wasip1 modules) initialises its runtime in
   * `_initialize`, once, before any other export. */
  if (!e && !trap && has_init && wasmtime_instance_export_get(in->cx, &in->instance, "_initialize", 11, &x) &&
      x.kind == WASMTIME_EXTERN_FUNC) {
    arm(in, lim);
    if (fuel) wasmtime_context_set_fuel(in->cx, (uint64_t)lim->fuel * 16);
    em_wasm_busy_begin();
    e = wasmtime_func_call(in->cx, &x.of.func, NULL, 0, NULL, 0, &trap);
    em_wasm_busy_end();
  }
  if (e || trap) {
    if (e) em_wasm_error_text(e, msg, sizeof msg);
    else {
      trap_text(trap, msg, sizeof msg);
      wasm_trap_delete(trap);
    }
    trap_cause(msg);
    inst_free(in);
    em_wasm_udf_error(err, f,
                      "cannot instantiate the WebAssembly module (memory limit %lld bytes, ember.wasm.memoryLimit): %s",
                      (long long)lim->memory_limit, msg);
    return NULL;
  }
  if (!wasmtime_instance_export_get(in->cx, &in->instance, "memory", 6, &x) || x.kind != WASMTIME_EXTERN_MEMORY) {
    inst_free(in);
    return em_wasm_udf_error(err, f, "the module exports no memory"), NULL;
  }
  in->mem = x.of.memory;
  if (!wasmtime_instance_export_get(in->cx, &in->instance, "ember_alloc", 11, &x) || x.kind != WASMTIME_EXTERN_FUNC) {
    inst_free(in);
    return em_wasm_udf_error(err, f, "the module exports no ember_alloc"), NULL;
  }
  in->alloc = x.of.func;
  in->has_reset = has_reset && wasmtime_instance_export_get(in->cx, &in->instance, "ember_reset", 11, &x) &&
                  x.kind == WASMTIME_EXTERN_FUNC;
  if (in->has_reset) in->reset = x.of.func;
  return in;
}

/* The calling thread's instance for f's binding (created when needed).
 * *slot_out receives its slot, to discard it after a failure. */
static inst *pool_get(const em_wasm_fn *f, const em_wasm_limits *lim, int *slot_out, em_error *err) {
  pthread_once(&pool_once, pool_key_init);
  pool *pl = pthread_getspecific(pool_key);
  if (!pl) {
    if (!(pl = em_calloc(1, sizeof *pl))) return em_error_internal(err, "out of memory"), NULL;
    if (pthread_setspecific(pool_key, pl)) {
      em_free(pl);
      return em_error_internal(err, "cannot keep a WebAssembly instance pool"), NULL;
    }
  }
  bool fuel = lim->fuel > 0;
  int victim = 0;
  for (int i = 0; i < POOL_SLOTS; i++) {
    inst *in = pl->slots[i];
    if (in && in->binding == f->binding && in->module == f->module && in->fuel == fuel) {
      in->used = ++pl->clock;
      if (in->limit != lim->memory_limit) {
        wasmtime_store_limiter(in->store, lim->memory_limit, -1, -1, -1, -1);
        in->limit = lim->memory_limit;
      }
      *slot_out = i;
      return in;
    }
    if (!in) victim = i;
    else if (pl->slots[victim] && in->used < pl->slots[victim]->used) victim = i;
  }
  inst *in = inst_new(f, lim, err);
  if (!in) return NULL;
  inst_free(pl->slots[victim]);
  pl->slots[victim] = in;
  in->used = ++pl->clock;
  *slot_out = victim;
  return in;
}

static void pool_discard(int slot) {
  pool *pl = pthread_getspecific(pool_key);
  if (!pl) return;
  inst_free(pl->slots[slot]);
  pl->slots[slot] = NULL;
}

/* True when [p, p + len) lies within memory of size `size`. */
static bool in_bounds(uint32_t p, uint64_t len, size_t size) { return (uint64_t)p + len <= size; }

int em_wasm_run_begin(em_wasm_run *r, const em_wasm_fn *f, const em_wasm_limits *lim, const char *rows, size_t total,
                      em_error *err) {
  r->f = f;
  r->lim = lim;
  r->rows = rows;
  if (total > (size_t)INT32_MAX) return em_wasm_udf_error(err, f, "a batch needs %zu bytes of guest memory", total);
  if (!(r->in = pool_get(f, lim, &r->slot, err))) return -1;
  inst *in = r->in;
  wasm_trap_t *trap;
  wasmtime_error_t *we;
  arm(in, lim);
  if (in->has_reset && call_i32(in, &in->reset, NULL, NULL, &trap, &we)) {
    int rc = call_failure(err, f, in, lim, trap, we, "ember_reset", rows);
    pool_discard(r->slot);
    return rc;
  }
  int32_t base = 0, size_arg = (int32_t)total;
  arm(in, lim);
  if (call_i32(in, &in->alloc, &size_arg, &base, &trap, &we)) {
    int rc = call_failure(err, f, in, lim, trap, we, "ember_alloc", rows);
    pool_discard(r->slot);
    return rc;
  }
  r->mem = wasmtime_memory_data(in->cx, &in->mem);
  r->size = wasmtime_memory_data_size(in->cx, &in->mem);
  if (base == 0 || !in_bounds((uint32_t)base, total, r->size)) {
    int rc;
    if ((int64_t)r->size + (int64_t)total > lim->memory_limit)
      rc = em_wasm_udf_error(err, f,
                             "the module could not allocate %zu bytes for a batch within the memory limit of %lld "
                             "bytes (ember.wasm.memoryLimit) %s",
                             total, (long long)lim->memory_limit, rows);
    else
      rc = em_wasm_udf_error(err, f, "ember_alloc(%zu) returned an invalid address %s", total, rows);
    pool_discard(r->slot);
    return rc;
  }
  r->base = (uint32_t)base;
  return 0;
}

int em_wasm_run_call(em_wasm_run *r, const char *name, em_error *err) {
  inst *in = r->in;
  wasmtime_extern_t x;
  if (!wasmtime_instance_export_get(in->cx, &in->instance, name, strlen(name), &x) || x.kind != WASMTIME_EXTERN_FUNC)
    return em_wasm_udf_error(err, r->f, "the module has no function export `%s`", name);
  int32_t status = 0, base = (int32_t)r->base;
  wasm_trap_t *trap;
  wasmtime_error_t *we;
  arm(in, r->lim);
  if (call_i32(in, &x.of.func, &base, &status, &trap, &we)) {
    int rc = call_failure(err, r->f, in, r->lim, trap, we, name, r->rows);
    pool_discard(r->slot);
    return rc;
  }
  /* Memory may have grown (moved) during the call. */
  r->mem = wasmtime_memory_data(in->cx, &in->mem);
  r->size = wasmtime_memory_data_size(in->cx, &in->mem);
  if (status != 0) {
    const uint8_t *d = r->mem + r->base;
    uint32_t ep = em_wasm_get32(d + 4 * EM_WASM_HDR_ERROR), el = em_wasm_get32(d + 4 * EM_WASM_HDR_ERROR_LEN);
    if (el > 300) el = 300;
    char msg[304] = "";
    if (ep && in_bounds(ep, el, r->size)) {
      memcpy(msg, r->mem + ep, el);
      msg[el] = 0;
      for (uint32_t i = 0; i < el; i++)
        if ((unsigned char)msg[i] < 0x20) msg[i] = ' ';
    }
    return em_wasm_udf_error(err, r->f, "the function returned error %d%s%s %s", status, msg[0] ? ": " : "", msg,
                             r->rows);
  }
  return 0;
}

#else /* !EMBER_HAVE_WASM */

int em_wasm_run_begin(em_wasm_run *r, const em_wasm_fn *f, const em_wasm_limits *lim, const char *rows, size_t total,
                      em_error *err) {
  (void)r, (void)f, (void)lim, (void)rows, (void)total;
  return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                      "WebAssembly UDFs (this Ember was built without the wasmtime runtime)", NULL);
}

int em_wasm_run_call(em_wasm_run *r, const char *name, em_error *err) {
  (void)r, (void)name;
  return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                      "WebAssembly UDFs (this Ember was built without the wasmtime runtime)", NULL);
}

#endif

/* Writes the header and the argument columns of a batch at r->base;
 * returns the descriptor's address of the output column. */
uint8_t *em_wasm_put_batch(em_wasm_run *r, int64_t n, em_vec *const *args, int nargs, size_t desc) {
  uint8_t *d = r->mem + r->base;
  memset(d, 0, desc);
  em_wasm_put32(d + 4 * EM_WASM_HDR_ABI, EM_WASM_ABI_VERSION);
  em_wasm_put32(d + 4 * EM_WASM_HDR_NROWS, (uint32_t)n);
  em_wasm_put32(d + 4 * EM_WASM_HDR_NARGS, (uint32_t)nargs);
  uint8_t *ocol = d + 4 * EM_WASM_HDR_WORDS;
  uint32_t at = r->base + (uint32_t)em_wasm_align8(desc);
  for (int i = 0; i < nargs; i++)
    em_wasm_col_put(r->mem, ocol + 4 * EM_WASM_COL_WORDS * (1 + i), args[i], n, &at);
  return ocol;
}

size_t em_wasm_batch_bytes(em_vec *const *args, int nargs, int64_t n, size_t *desc) {
  *desc = 4 * (size_t)(EM_WASM_HDR_WORDS + EM_WASM_COL_WORDS * (1 + nargs));
  size_t total = em_wasm_align8(*desc);
  for (int i = 0; i < nargs; i++) total += em_wasm_col_bytes(args[i], n);
  return total;
}

int em_wasm_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  const em_wasm_call *c = e->u.fn.data;
  const em_wasm_fn *f = c->fn;
  if (n == 0) {
    *out = em_vec_new(f->ret, 0);
    return *out ? 0 : em_error_internal(err, "out of memory");
  }
  if (n > (1 << 24))
    return em_wasm_udf_error(err, f, "a batch of %lld rows is larger than the ABI allows", (long long)n);
  char rows[96];
  snprintf(rows, sizeof rows, "(rows 0..%lld of a batch in partition %d)", (long long)n - 1, ctx ? ctx->partition : 0);
  size_t desc;
  size_t total = em_wasm_batch_bytes(args, e->nargs, n, &desc);
  em_wasm_run r;
  if (em_wasm_run_begin(&r, f, &c->limits, rows, total, err)) return -1;
  uint8_t *ocol = em_wasm_put_batch(&r, n, args, e->nargs, desc);
  em_wasm_col_put_type(ocol, f->ret);
  if (em_wasm_run_call(&r, f->export_name, err)) return -1;
  char why[EM_ERROR_VAL_MAX];
  if (em_wasm_col_get(f->ret, r.mem, r.size, r.base + 4 * EM_WASM_HDR_WORDS, n, out, why))
    return em_wasm_udf_error(err, f, "%s %s", why, rows);
  return 0;
}
