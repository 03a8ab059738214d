/*
 * The host functions a module may import: the sandbox's allow-list and a
 * deterministic shim behind it.
 *
 * Guest toolchains link a few runtime imports even into pure functions: Go's
 * wasip1 runtime imports ten WASI preview-1 functions (arguments and
 * environment, a clock, random bytes for its hash seeds, fd_write for panic
 * messages, proc_exit, sched_yield, poll_oneoff), AssemblyScript imports
 * `env.abort` (and `env.seed` for Math.random). The shim serves exactly
 * these, and nothing reaches the outside world:
 *   - no arguments, no environment;
 *   - clocks are virtual: every reading advances a per-instance counter by
 *     one microsecond from 2000-01-01, so results never depend on time;
 *   - random bytes come from a per-instance SplitMix64 generator with a
 *     fixed seed (deterministic: same input, same output);
 *   - fd_write swallows the bytes (reports them written);
 *   - proc_exit, abort: trap, so the call fails with FAILED_EXECUTE_UDF;
 *   - poll_oneoff: ENOSYS (nothing to wait for in a sandbox).
 * Any other import is refused at registration (runtime.c check_imports),
 * and the linker checks each allowed import's type when instantiating.
 */
#include "wasm_int.h"

#include <stdio.h>
#include <string.h>

#define WASI "wasi_snapshot_preview1"

typedef struct host_fn {
  const char *module, *name;
  const char *type; /* params '>' results: i i32, I i64, F f64 */
} host_fn;

/* The allow-list. */
static const host_fn allowed[] = {
    {WASI, "args_get", "ii>i"},
    {WASI, "args_sizes_get", "ii>i"},
    {WASI, "environ_get", "ii>i"},
    {WASI, "environ_sizes_get", "ii>i"},
    {WASI, "clock_time_get", "iIi>i"},
    {WASI, "clock_res_get", "ii>i"},
    {WASI, "fd_write", "iiii>i"},
    {WASI, "random_get", "ii>i"},
    {WASI, "proc_exit", "i>"},
    {WASI, "sched_yield", ">i"},
    {WASI, "poll_oneoff", "iiii>i"},
    {"env", "abort", "iiii>"},
    {"env", "seed", ">F"},
};
#define NALLOWED (sizeof allowed / sizeof allowed[0])

bool em_wasm_import_allowed(const char *module, size_t mlen, const char *name, size_t nlen) {
  for (size_t i = 0; i < NALLOWED; i++)
    if (strlen(allowed[i].module) == mlen && memcmp(allowed[i].module, module, mlen) == 0 &&
        strlen(allowed[i].name) == nlen && memcmp(allowed[i].name, name, nlen) == 0)
      return true;
  return false;
}

#ifdef EMBER_HAVE_WASM

#include "wasm_rt.h"

typedef struct host_state {
  uint64_t rng;   /* SplitMix64 state */
  uint64_t clock; /* virtual nanoseconds */
} host_state;

void *em_wasm_host_state_new(void) {
  host_state *s = em_calloc(1, sizeof *s);
  if (s) {
    s->rng = 0x9e3779b97f4a7c15ULL;
    s->clock = 946684800ULL * 1000000000ULL; /* 2000-01-01T00:00:00Z */
  }
  return s;
}

void em_wasm_host_state_free(void *p) { em_free(p); }

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

enum { WASI_OK = 0, WASI_EFAULT = 21, WASI_ENOSYS = 52 };

/* The caller's memory, or NULL. */
static uint8_t *guest_mem(wasmtime_caller_t *caller, size_t *size) {
  wasmtime_extern_t x;
  if (!wasmtime_caller_export_get(caller, "memory", 6, &x) || x.kind != WASMTIME_EXTERN_MEMORY) return NULL;
  wasmtime_context_t *cx = wasmtime_caller_context(caller);
  *size = wasmtime_memory_data_size(cx, &x.of.memory);
  return wasmtime_memory_data(cx, &x.of.memory);
}

static host_state *state_of(wasmtime_caller_t *caller) {
  return wasmtime_context_get_data(wasmtime_caller_context(caller));
}

static bool fits(uint32_t p, uint64_t len, size_t size) { return (uint64_t)p + len <= size; }

static void ret_i32(wasmtime_val_t *results, int32_t v) {
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = v;
}

/* Writes n zero words at the given addresses (args/environ sizes). */
static wasm_trap_t *h_sizes(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)nresults;
  size_t size;
  uint8_t *mem = guest_mem(caller, &size);
  int32_t rc = WASI_OK;
  for (size_t i = 0; i < nargs; i++) {
    uint32_t p = (uint32_t)args[i].of.i32;
    if (!mem || !fits(p, 4, size)) rc = WASI_EFAULT;
    else memset(mem + p, 0, 4);
  }
  ret_i32(results, rc);
  return NULL;
}

static wasm_trap_t *h_ok(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                         wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
  ret_i32(results, WASI_OK);
  return NULL;
}

static wasm_trap_t *h_nosys(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
  ret_i32(results, WASI_ENOSYS);
  return NULL;
}

static wasm_trap_t *h_clock_time_get(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                     wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)nargs, (void)nresults;
  size_t size;
  uint8_t *mem = guest_mem(caller, &size);
  uint32_t p = (uint32_t)args[2].of.i32;
  host_state *st = state_of(caller);
  if (!mem || !st || !fits(p, 8, size)) {
    ret_i32(results, WASI_EFAULT);
    return NULL;
  }
  st->clock += 1000;
  memcpy(mem + p, &st->clock, 8);
  ret_i32(results, WASI_OK);
  return NULL;
}

static wasm_trap_t *h_clock_res_get(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                    wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)nargs, (void)nresults;
  size_t size;
  uint8_t *mem = guest_mem(caller, &size);
  uint32_t p = (uint32_t)args[1].of.i32;
  if (!mem || !fits(p, 8, size)) {
    ret_i32(results, WASI_EFAULT);
    return NULL;
  }
  uint64_t res = 1000;
  memcpy(mem + p, &res, 8);
  ret_i32(results, WASI_OK);
  return NULL;
}

/* fd_write(fd, iovs, iovs_len, nwritten): the bytes go nowhere. */
static wasm_trap_t *h_fd_write(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                               wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)nargs, (void)nresults;
  size_t size;
  uint8_t *mem = guest_mem(caller, &size);
  uint32_t iovs = (uint32_t)args[1].of.i32, n = (uint32_t)args[2].of.i32, out = (uint32_t)args[3].of.i32;
  if (!mem || !fits(iovs, (uint64_t)n * 8, size) || !fits(out, 4, size)) {
    ret_i32(results, WASI_EFAULT);
    return NULL;
  }
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += em_wasm_get32(mem + iovs + 8 * i + 4);
  em_wasm_put32(mem + out, total);
  ret_i32(results, WASI_OK);
  return NULL;
}

static wasm_trap_t *h_random_get(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                 wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)nargs, (void)nresults;
  size_t size;
  uint8_t *mem = guest_mem(caller, &size);
  uint32_t p = (uint32_t)args[0].of.i32, n = (uint32_t)args[1].of.i32;
  host_state *st = state_of(caller);
  if (!mem || !st || !fits(p, n, size)) {
    ret_i32(results, WASI_EFAULT);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i += 8) {
    uint64_t r = splitmix(&st->rng);
    memcpy(mem + p + i, &r, n - i < 8 ? n - i : 8);
  }
  ret_i32(results, WASI_OK);
  return NULL;
}

static wasm_trap_t *h_proc_exit(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)nargs, (void)results, (void)nresults;
  char msg[64];
  int n = snprintf(msg, sizeof msg, "the module called proc_exit(%d)", args[0].of.i32);
  return wasmtime_trap_new(msg, (size_t)n);
}

static wasm_trap_t *h_abort(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
  static const char msg[] = "the module called abort()";
  return wasmtime_trap_new(msg, sizeof msg - 1);
}

static wasm_trap_t *h_seed(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)args, (void)nargs, (void)nresults;
  host_state *st = state_of(caller);
  results[0].kind = WASMTIME_F64;
  results[0].of.f64 = st ? (double)(splitmix(&st->rng) >> 11) : 1.0;
  return NULL;
}

static wasmtime_func_callback_t callback_of(const host_fn *h) {
  const char *n = h->name;
  if (!strcmp(n, "args_sizes_get") || !strcmp(n, "environ_sizes_get")) return h_sizes;
  if (!strcmp(n, "args_get") || !strcmp(n, "environ_get") || !strcmp(n, "sched_yield")) return h_ok;
  if (!strcmp(n, "clock_time_get")) return h_clock_time_get;
  if (!strcmp(n, "clock_res_get")) return h_clock_res_get;
  if (!strcmp(n, "fd_write")) return h_fd_write;
  if (!strcmp(n, "random_get")) return h_random_get;
  if (!strcmp(n, "proc_exit")) return h_proc_exit;
  if (!strcmp(n, "abort")) return h_abort;
  if (!strcmp(n, "seed")) return h_seed;
  return h_nosys;
}

static wasm_valtype_t *valtype(char c) {
  return wasm_valtype_new(c == 'I' ? WASM_I64 : c == 'F' ? WASM_F64 : WASM_I32);
}

/* "ii>i" -> (i32, i32) -> i32. */
static wasm_functype_t *functype(const char *spec) {
  const char *gt = strchr(spec, '>');
  size_t np = (size_t)(gt - spec), nr = strlen(gt + 1);
  wasm_valtype_vec_t p, r;
  wasm_valtype_vec_new_uninitialized(&p, np);
  wasm_valtype_vec_new_uninitialized(&r, nr);
  for (size_t i = 0; i < np; i++) p.data[i] = valtype(spec[i]);
  for (size_t i = 0; i < nr; i++) r.data[i] = valtype(gt[1 + i]);
  return wasm_functype_new(&p, &r);
}

int em_wasm_define_host(wasmtime_linker_t *linker) {
  for (size_t i = 0; i < NALLOWED; i++) {
    const host_fn *h = &allowed[i];
    wasm_functype_t *ft = functype(h->type);
    if (!ft) return -1;
    wasmtime_error_t *e = wasmtime_linker_define_func(linker, h->module, strlen(h->module), h->name, strlen(h->name),
                                                      ft, callback_of(h), NULL, NULL);
    wasm_functype_delete(ft);
    if (e) {
      wasmtime_error_delete(e);
      return -1;
    }
  }
  return 0;
}

#endif
