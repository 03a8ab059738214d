/*
 * The WebAssembly runtime: one wasmtime engine per process, the epoch
 * thread that bounds every guest call, and the cache of compiled modules.
 *
 * Engines: Cranelift, epoch interruption on (a call's deadline is a number
 * of epoch ticks; a thread advances the epoch every EM_WASM_TICK_MS while
 * any guest code runs, and sleeps on a condition variable otherwise, so an
 * idle server does not wake 200 times a second). A
 * second engine also meters fuel, for sessions that set ember.wasm.fuel
 * (deterministic limits cost some speed, so only they pay it; a module is
 * compiled for it on first such use). Both are created on first use, so a
 * server that never sees a WASM UDF never pays for them. Each has a linker
 * holding the few host functions the sandbox allows (wasi.c).
 *
 * Module cache: compiled modules keyed by the XXH3 hash of their bytes and
 * compared byte for byte (so a crafted hash collision cannot substitute
 * another session's module), shared by every session, never recompiled
 * while any function refers to them. A module is checked when compiled:
 * it may import only what the allow-list names (a deterministic WASI
 * shim: wasi.c), and must export `memory` and `ember_alloc`.
 */
#include "wasm_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

int em_wasm_load_error(em_error *err, const char *label, const char *fname, const char *fmt, ...) {
  em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", label ? label : "?", "functionName",
               fname ? fname : "?", NULL);
  char why[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  em_error_append(err, " %s", why);
  return -1;
}

static _Atomic uint64_t next_binding = 1;

uint64_t em_wasm_new_binding(void) { return atomic_fetch_add(&next_binding, 1); }

#ifdef EMBER_HAVE_WASM

#include <time.h>
#include <wasmtime.h>
#include <xxhash.h>

#include "wasm_rt.h"

#define EM_WASM_TICK_MS 5

struct em_wasm_module {
  em_wasm_module *next;
  int refcnt; /* guarded by cache_mu */
  uint64_t hash;
  size_t len;
  uint8_t *bytes;
  wasmtime_module_t *module;
  wasmtime_module_t *fuel_module; /* compiled on first metered use, under cache_mu */
  bool has_reset, has_init;
};

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static wasm_engine_t *engine, *fuel_engine;
static wasmtime_linker_t *linker, *fuel_linker;
static pthread_t ticker;
static bool ticker_started;
static _Atomic bool ticker_stop;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static em_wasm_module *cache;

bool em_wasm_available(void) { return true; }

/* Guest calls in flight (em_wasm_busy_begin/end); the ticker waits on
 * tick_cv while there are none. */
static _Atomic int busy;
static pthread_mutex_t tick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tick_cv = PTHREAD_COND_INITIALIZER;

void em_wasm_busy_begin(void) {
  if (atomic_fetch_add(&busy, 1) == 0) {
    pthread_mutex_lock(&tick_mu);
    pthread_cond_signal(&tick_cv);
    pthread_mutex_unlock(&tick_mu);
  }
}

void em_wasm_busy_end(void) { atomic_fetch_sub(&busy, 1); }

static void *ticker_main(void *arg) {
  (void)arg;
  struct timespec ts = {0, EM_WASM_TICK_MS * 1000000L};
  while (!atomic_load(&ticker_stop)) {
    pthread_mutex_lock(&tick_mu);
    while (!atomic_load(&ticker_stop) && atomic_load(&busy) == 0) pthread_cond_wait(&tick_cv, &tick_mu);
    pthread_mutex_unlock(&tick_mu);
    nanosleep(&ts, NULL);
    wasmtime_engine_increment_epoch(engine);
    wasmtime_engine_increment_epoch(fuel_engine);
  }
  return NULL;
}

static wasm_engine_t *new_engine(bool fuel) {
  wasm_config_t *cfg = wasm_config_new();
  if (!cfg) return NULL;
  wasmtime_config_epoch_interruption_set(cfg, true);
  wasmtime_config_consume_fuel_set(cfg, fuel);
  wasmtime_config_cranelift_opt_level_set(cfg, WASMTIME_OPT_LEVEL_SPEED);
  /* Guest code runs on the calling thread's stack: keep its share small. */
  wasmtime_config_max_wasm_stack_set(cfg, 512 * 1024);
  wasmtime_config_wasm_threads_set(cfg, false);
  return wasm_engine_new_with_config(cfg);
}

static wasmtime_linker_t *new_linker(wasm_engine_t *e) {
  wasmtime_linker_t *l = wasmtime_linker_new(e);
  if (l && em_wasm_define_host(l)) {
    wasmtime_linker_delete(l);
    l = NULL;
  }
  return l;
}

static void engine_init(void) {
  engine = new_engine(false);
  fuel_engine = new_engine(true);
  if (!engine || !fuel_engine) return;
  linker = new_linker(engine);
  fuel_linker = new_linker(fuel_engine);
  if (!linker || !fuel_linker) return;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  if (pthread_create(&ticker, &attr, ticker_main, NULL) == 0) ticker_started = true;
  pthread_attr_destroy(&attr);
}

wasm_engine_t *em_wasm_engine(bool fuel) {
  pthread_once(&engine_once, engine_init);
  return ticker_started ? (fuel ? fuel_engine : engine) : NULL;
}

wasmtime_linker_t *em_wasm_linker(bool fuel) {
  pthread_once(&engine_once, engine_init);
  return ticker_started ? (fuel ? fuel_linker : linker) : NULL;
}

static void store_data_free(void *p) { em_wasm_host_state_free(p); }

wasmtime_store_t *em_wasm_store_new(bool fuel) {
  wasm_engine_t *e = em_wasm_engine(fuel);
  void *st = em_wasm_host_state_new();
  if (!e || !st) {
    em_wasm_host_state_free(st);
    return NULL;
  }
  return wasmtime_store_new(e, st, store_data_free);
}

int64_t em_wasm_ticks_for(int64_t timeout_ms) {
  if (timeout_ms <= 0) return INT64_MAX / 2;
  return timeout_ms / EM_WASM_TICK_MS + 1;
}

void em_wasm_error_text(wasmtime_error_t *e, char *buf, size_t cap) {
  wasm_name_t msg;
  wasmtime_error_message(e, &msg);
  size_t n = msg.size < cap - 1 ? msg.size : cap - 1;
  memcpy(buf, msg.data, n);
  buf[n] = 0;
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(e);
}

static bool name_is(const wasm_name_t *n, const char *s) {
  size_t l = strlen(s);
  return n->size == l && memcmp(n->data, s, l) == 0;
}

/* True when the function type is (params...) -> (results...) over i32s. */
static bool functype_i32(const wasm_functype_t *ft, size_t np, size_t nr) {
  const wasm_valtype_vec_t *p = wasm_functype_params(ft), *r = wasm_functype_results(ft);
  if (p->size != np || r->size != nr) return false;
  for (size_t i = 0; i < np; i++)
    if (wasm_valtype_kind(p->data[i]) != WASM_I32) return false;
  for (size_t i = 0; i < nr; i++)
    if (wasm_valtype_kind(r->data[i]) != WASM_I32) return false;
  return true;
}

/* Looks an export up: 1 found (kind and, for functions, the i32 shape
 * checked; -2 wrong shape), 0 absent. */
static int find_export(wasmtime_module_t *m, const char *name, wasm_externkind_t kind, size_t np, size_t nr) {
  wasm_exporttype_vec_t ex;
  wasmtime_module_exports(m, &ex);
  int rc = 0;
  for (size_t i = 0; i < ex.size; i++) {
    if (!name_is(wasm_exporttype_name(ex.data[i]), name)) continue;
    const wasm_externtype_t *t = wasm_exporttype_type(ex.data[i]);
    if (wasm_externtype_kind(t) != kind) rc = -2;
    else if (kind == WASM_EXTERN_FUNC && !functype_i32(wasm_externtype_as_functype_const(t), np, nr)) rc = -2;
    else rc = 1;
    break;
  }
  wasm_exporttype_vec_delete(&ex);
  return rc;
}

/* The sandbox check: only functions on the allow-list may be imported (the
 * linker then also checks their types when instantiating). */
static int check_imports(wasmtime_module_t *m, const char *label, const char *fname, em_error *err) {
  wasm_importtype_vec_t im;
  wasmtime_module_imports(m, &im);
  int rc = 0;
  for (size_t i = 0; i < im.size && !rc; i++) {
    const wasm_name_t *mod = wasm_importtype_module(im.data[i]), *nm = wasm_importtype_name(im.data[i]);
    bool is_func = wasm_externtype_kind(wasm_importtype_type(im.data[i])) == WASM_EXTERN_FUNC;
    if (is_func && em_wasm_import_allowed(mod->data, mod->size, nm->data, nm->size)) continue;
    rc = em_wasm_load_error(err, label, fname,
                            "The module imports `%.*s.%.*s`, which the WASM sandbox does not allow (modules may "
                            "import only the WASI functions of the allow-list in docs/wasm-udf-abi.md: no files, "
                            "network, clock or entropy, no other host functions).",
                            (int)(mod->size > 100 ? 100 : mod->size), mod->data,
                            (int)(nm->size > 100 ? 100 : nm->size), nm->data);
  }
  wasm_importtype_vec_delete(&im);
  return rc;
}

static int check_module(em_wasm_module *m, const char *label, const char *fname, em_error *err) {
  if (check_imports(m->module, label, fname, err)) return -1;
  if (find_export(m->module, "memory", WASM_EXTERN_MEMORY, 0, 0) != 1)
    return em_wasm_load_error(err, label, fname, "The module does not export its memory as `memory`.");
  if (find_export(m->module, "ember_alloc", WASM_EXTERN_FUNC, 1, 1) != 1)
    return em_wasm_load_error(err, label, fname,
                              "The module does not export `ember_alloc(i32) -> i32` (see docs/wasm-udf-abi.md).");
  int r = find_export(m->module, "ember_reset", WASM_EXTERN_FUNC, 0, 0);
  if (r == -2) return em_wasm_load_error(err, label, fname, "`ember_reset` must be a function () -> ().");
  m->has_reset = r == 1;
  r = find_export(m->module, "_initialize", WASM_EXTERN_FUNC, 0, 0);
  if (r == -2) return em_wasm_load_error(err, label, fname, "`_initialize` must be a function () -> ().");
  m->has_init = r == 1;
  return 0;
}

int em_wasm_module_get(const uint8_t *bytes, size_t len, const char *label, const char *fname, em_wasm_module **out,
                       em_error *err) {
  wasm_engine_t *eng = em_wasm_engine(false);
  if (!eng) return em_error_internal(err, "cannot start the WebAssembly engine");
  uint64_t h = XXH3_64bits(bytes, len);
  pthread_mutex_lock(&cache_mu);
  for (em_wasm_module *m = cache; m; m = m->next)
    if (m->hash == h && m->len == len && memcmp(m->bytes, bytes, len) == 0) {
      m->refcnt++;
      pthread_mutex_unlock(&cache_mu);
      *out = m;
      return 0;
    }
  pthread_mutex_unlock(&cache_mu);
  /* Compile outside the lock; a racing compile of the same bytes is
   * resolved below by keeping the first one cached. */
  em_wasm_module *m = em_calloc(1, sizeof *m);
  if (!m || !(m->bytes = em_malloc(len ? len : 1))) {
    em_free(m);
    return em_error_internal(err, "out of memory");
  }
  memcpy(m->bytes, bytes, len);
  m->len = len;
  m->hash = h;
  m->refcnt = 1;
  wasmtime_error_t *e = wasmtime_module_new(eng, bytes, len, &m->module);
  if (e) {
    char msg[300];
    em_wasm_error_text(e, msg, sizeof msg);
    em_free(m->bytes);
    em_free(m);
    return em_wasm_load_error(err, label, fname, "Invalid WebAssembly module: %s", msg);
  }
  if (check_module(m, label, fname, err)) {
    wasmtime_module_delete(m->module);
    em_free(m->bytes);
    em_free(m);
    return -1;
  }
  pthread_mutex_lock(&cache_mu);
  for (em_wasm_module *o = cache; o; o = o->next)
    if (o->hash == h && o->len == len && memcmp(o->bytes, bytes, len) == 0) {
      o->refcnt++;
      pthread_mutex_unlock(&cache_mu);
      wasmtime_module_delete(m->module);
      em_free(m->bytes);
      em_free(m);
      *out = o;
      return 0;
    }
  m->next = cache;
  cache = m;
  m->refcnt++; /* the cache's own reference: compiled once per server */
  pthread_mutex_unlock(&cache_mu);
  *out = m;
  return 0;
}

em_wasm_module *em_wasm_module_ref(em_wasm_module *m) {
  pthread_mutex_lock(&cache_mu);
  m->refcnt++;
  pthread_mutex_unlock(&cache_mu);
  return m;
}

void em_wasm_module_unref(em_wasm_module *m) {
  if (!m) return;
  pthread_mutex_lock(&cache_mu);
  bool last = --m->refcnt == 0;
  pthread_mutex_unlock(&cache_mu);
  if (last) {
    wasmtime_module_delete(m->module);
    if (m->fuel_module) wasmtime_module_delete(m->fuel_module);
    em_free(m->bytes);
    em_free(m);
  }
}

int em_wasm_module_compiled(em_wasm_module *m, bool fuel, wasmtime_module_t **out, bool *has_reset, bool *has_init,
                            char *msg, size_t cap) {
  *has_reset = m->has_reset;
  *has_init = m->has_init;
  if (!fuel) {
    *out = m->module;
    return 0;
  }
  /* Compiled at most once per server; compiling under the lock keeps that
   * simple (it only happens on the first metered call of a module). */
  pthread_mutex_lock(&cache_mu);
  wasmtime_error_t *e = NULL;
  if (!m->fuel_module) e = wasmtime_module_new(fuel_engine, m->bytes, m->len, &m->fuel_module);
  *out = m->fuel_module;
  pthread_mutex_unlock(&cache_mu);
  if (e) {
    em_wasm_error_text(e, msg, cap);
    return -1;
  }
  return 0;
}

int em_wasm_module_check_export(em_wasm_module *m, const char *export_name, const char *label, const char *fname,
                                em_error *err) {
  int r = find_export(m->module, export_name, WASM_EXTERN_FUNC, 1, 1);
  if (r == 0) return em_wasm_load_error(err, label, fname, "The module has no export `%s`.", export_name);
  if (r < 0)
    return em_wasm_load_error(err, label, fname,
                              "The export `%s` is not a function (i32) -> i32 (see docs/wasm-udf-abi.md).",
                              export_name);
  return 0;
}

void em_wasm_shutdown(void) {
  if (ticker_started) {
    pthread_mutex_lock(&tick_mu);
    atomic_store(&ticker_stop, true);
    pthread_cond_broadcast(&tick_cv);
    pthread_mutex_unlock(&tick_mu);
    pthread_join(ticker, NULL);
    ticker_started = false;
  }
  /* Drop the cache's references; modules still referenced by live
   * registries go when those do. */
  pthread_mutex_lock(&cache_mu);
  em_wasm_module *m = cache;
  cache = NULL;
  pthread_mutex_unlock(&cache_mu);
  while (m) {
    em_wasm_module *next = m->next;
    em_wasm_module_unref(m);
    m = next;
  }
}

#else /* !EMBER_HAVE_WASM */

struct em_wasm_module {
  int unused;
};

bool em_wasm_available(void) { return false; }

int em_wasm_module_get(const uint8_t *bytes, size_t len, const char *label, const char *fname, em_wasm_module **out,
                       em_error *err) {
  (void)bytes, (void)len, (void)label, (void)fname, (void)out;
  return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                      "WebAssembly UDFs (this Ember was built without the wasmtime runtime: run scripts/setup-wasm "
                      "and rebuild)",
                      NULL);
}

em_wasm_module *em_wasm_module_ref(em_wasm_module *m) { return m; }
void em_wasm_module_unref(em_wasm_module *m) { (void)m; }

int em_wasm_module_check_export(em_wasm_module *m, const char *export_name, const char *label, const char *fname,
                                em_error *err) {
  (void)m, (void)export_name, (void)label, (void)fname, (void)err;
  return 0;
}

void em_wasm_shutdown(void) {}

#endif
