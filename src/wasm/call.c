/*
 * Calling a WASM UDF over a batch: the per-thread instance pool and the
 * host side of the vectorized ABI (docs/wasm-udf-abi.md).
 *
 * Pool: each thread that evaluates WASM UDFs keeps up to POOL_SLOTS
 * instances, keyed by binding (one per session and module, so sessions
 * never see each other's guest memory), least recently used evicted. An
 * instance has its own store (memory limit through the store's limiter,
 * deadline through epochs); one that trapped or timed out is discarded,
 * since its memory may be inconsistent. A thread's pool is freed when the
 * thread exits.
 *
 * One call per batch: reset the guest's scratch (ember_reset), ask it for
 * one block (ember_alloc) big enough for the descriptor and every argument
 * buffer, copy the argument columns in (validity bitmap only when the
 * column has nulls, offsets, values), call the export with the block's
 * address, then validate the output descriptor the guest filled (every
 * pointer and length within memory, offsets monotonic) and copy the result
 * column out. Bytes copied per row: the argument values (plus 4 bytes of
 * offsets for strings and binary, 1/8 byte of validity when nulls) in, the
 * result's the same out.
 */
#include "wasm_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int em_wasm_type_code(const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN: return EM_WASM_T_BOOLEAN;
  case EM_T_BYTE: return EM_WASM_T_INT8;
  case EM_T_SHORT: return EM_WASM_T_INT16;
  case EM_T_INT: return EM_WASM_T_INT32;
  case EM_T_LONG: return EM_WASM_T_INT64;
  case EM_T_FLOAT: return EM_WASM_T_FLOAT32;
  case EM_T_DOUBLE: return EM_WASM_T_FLOAT64;
  case EM_T_STRING: return EM_WASM_T_STRING;
  case EM_T_BINARY: return EM_WASM_T_BINARY;
  case EM_T_DATE: return EM_WASM_T_DATE32;
  case EM_T_TIMESTAMP: return EM_WASM_T_TIMESTAMP_US;
  case EM_T_TIMESTAMP_NTZ: return EM_WASM_T_TIMESTAMP_NTZ_US;
  case EM_T_DECIMAL: return EM_WASM_T_DECIMAL128;
  default: return 0;
  }
}

bool em_wasm_type_supported(const em_type *t) { return em_wasm_type_code(t) != 0; }

#ifdef EMBER_HAVE_WASM

#include "wasm_rt.h"

#define POOL_SLOTS 16

typedef struct inst {
  uint64_t binding;
  em_wasm_module *module; /* counted reference */
  wasmtime_store_t *store;
  wasmtime_context_t *cx;
  wasmtime_instance_t instance;
  wasmtime_memory_t mem;
  wasmtime_func_t alloc, reset;
  bool has_reset;
  int64_t limit;
  uint64_t used;
} inst;

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

/* Sets FAILED_EXECUTE_UDF for f with a reason. */
static int udf_error(em_error *err, const em_wasm_fn *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int udf_error(em_error *err, const em_wasm_fn *f, const char *fmt, ...) {
  char reason[EM_ERROR_VAL_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return em_error_set(err, EM_ERR_FAILED_EXECUTE_UDF, "functionName", f->name, "signature", f->signature, "result",
                      f->result, "reason", reason, NULL);
}

/* Keeps the cause of a wasmtime trap message: the text after "wasm trap: "
 * when there is one (the message starts with a backtrace), else the first
 * line. */
static void trap_cause(char *msg) {
  char *t = strstr(msg, "wasm trap: ");
  if (t) memmove(msg, t + 11, strlen(t + 11) + 1);
  char *nl = strchr(msg, '\n');
  if (nl) *nl = 0;
}

/* Describes a trap or error of a guest call, classifying deadline and
 * memory-limit failures. Deletes what it is given. */
static int call_failure(em_error *err, const em_wasm_fn *f, inst *in, const em_wasm_limits *lim, wasm_trap_t *trap,
                        wasmtime_error_t *e, const char *where, const char *rows) {
  char msg[2048] = "";
  wasmtime_trap_code_t code = 0;
  bool has_code = false;
  if (trap) {
    has_code = wasmtime_trap_code(trap, &code);
    wasm_message_t m;
    wasm_trap_message(trap, &m);
    size_t n = m.size < sizeof msg - 1 ? m.size : sizeof msg - 1;
    memcpy(msg, m.data, n);
    msg[n] = 0;
    if (n && msg[n - 1] == 0) n--;
    wasm_byte_vec_delete(&m);
    wasm_trap_delete(trap);
  } else if (e) {
    em_wasm_error_text(e, msg, sizeof msg);
  }
  trap_cause(msg);
  size_t mem_size = wasmtime_memory_data_size(in->cx, &in->mem);
  if (has_code && code == WASMTIME_TRAP_CODE_INTERRUPT)
    return udf_error(err, f, "the WebAssembly call in %s exceeded its deadline of %lld ms (ember.wasm.timeout) %s",
                     where, (long long)lim->timeout_ms, rows);
  /* A guest that cannot grow its memory usually traps soon after (the SDK
   * traps when ember_alloc fails): near the limit, report the limit. */
  if ((int64_t)mem_size + (2 << 20) > lim->memory_limit)
    return udf_error(err, f,
                     "the WebAssembly call in %s reached the memory limit of %lld bytes (ember.wasm.memoryLimit) "
                     "and failed: %s %s",
                     where, (long long)lim->memory_limit, msg, rows);
  return udf_error(err, f, "the WebAssembly call in %s trapped: %s %s", where, msg, rows);
}

static inst *inst_new(const em_wasm_fn *f, const em_wasm_limits *lim, em_error *err) {
  wasm_engine_t *eng = em_wasm_engine();
  if (!eng) return em_error_internal(err, "cannot start the WebAssembly engine"), NULL;
  inst *in = em_calloc(1, sizeof *in);
  if (!in) return em_error_internal(err, "out of memory"), NULL;
  bool has_reset;
  wasmtime_module_t *mod = em_wasm_module_compiled(f->module, &has_reset);
  in->binding = f->binding;
  in->store = wasmtime_store_new(eng, NULL, NULL);
  if (!in->store) {
    em_free(in);
    return em_error_internal(err, "out of memory creating a WebAssembly store"), NULL;
  }
  /* The pool's own reference: the function may go before the pool does. */
  in->module = em_wasm_module_ref(f->module);
  in->cx = wasmtime_store_context(in->store);
  in->limit = lim->memory_limit;
  wasmtime_store_limiter(in->store, lim->memory_limit, -1, -1, -1, -1);
  wasmtime_context_set_epoch_deadline(in->cx, (uint64_t)em_wasm_ticks_for(lim->timeout_ms));
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *e = wasmtime_instance_new(in->cx, mod, NULL, 0, &in->instance, &trap);
  if (e || trap) {
    char msg[2048] = "";
    if (e) em_wasm_error_text(e, msg, sizeof msg);
    else {
      wasm_message_t m;
      wasm_trap_message(trap, &m);
      snprintf(msg, sizeof msg, "%.*s", (int)(m.size > 2000 ? 2000 : m.size), m.data);
      wasm_byte_vec_delete(&m);
      wasm_trap_delete(trap);
    }
    trap_cause(msg);
    inst_free(in);
    udf_error(err, f, "cannot instantiate the WebAssembly module (memory limit %lld bytes, ember.wasm.memoryLimit): %s",
              (long long)lim->memory_limit, msg);
    return NULL;
  }
  wasmtime_extern_t x;
  if (!wasmtime_instance_export_get(in->cx, &in->instance, "memory", 6, &x) || x.kind != WASMTIME_EXTERN_MEMORY) {
    inst_free(in);
    return udf_error(err, f, "the module exports no memory"), NULL;
  }
  in->mem = x.of.memory;
  if (!wasmtime_instance_export_get(in->cx, &in->instance, "ember_alloc", 11, &x) || x.kind != WASMTIME_EXTERN_FUNC) {
    inst_free(in);
    return udf_error(err, f, "the module exports no ember_alloc"), NULL;
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
  int victim = 0;
  for (int i = 0; i < POOL_SLOTS; i++) {
    inst *in = pl->slots[i];
    if (in && in->binding == f->binding && in->module == f->module) {
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

static inline size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }
static inline size_t bitbytes(int64_t n) { return (size_t)((n + 7) / 8); }

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static bool var_width(int code) { return code == EM_WASM_T_STRING || code == EM_WASM_T_BINARY; }

/* Bytes of a fixed-width column of n rows (bit-packed for BOOLEAN). */
static size_t fixed_bytes(int code, int64_t n) {
  switch (code) {
  case EM_WASM_T_BOOLEAN: return bitbytes(n);
  case EM_WASM_T_INT8: return (size_t)n;
  case EM_WASM_T_INT16: return (size_t)n * 2;
  case EM_WASM_T_INT32:
  case EM_WASM_T_FLOAT32:
  case EM_WASM_T_DATE32: return (size_t)n * 4;
  case EM_WASM_T_DECIMAL128: return (size_t)n * 16;
  default: return (size_t)n * 8;
  }
}

/* Bytes an argument needs in guest memory. */
static size_t arg_bytes(const em_vec *v, int code, int64_t n) {
  size_t b = v->null_count > 0 ? align8(bitbytes(n)) : 0;
  if (var_width(code)) {
    b += align8(((size_t)n + 1) * 4);
    b += align8((size_t)em_vec_offsets(v)[n]);
  } else {
    b += align8(fixed_bytes(code, n));
  }
  return b;
}

/* True when [p, p + len) lies within memory of size `size`. */
static bool in_bounds(uint32_t p, uint64_t len, size_t size) { return (uint64_t)p + len <= size; }

static bool dec_fits(__int128 v, int precision) {
  __int128 lim = 1;
  for (int i = 0; i < precision; i++) lim *= 10;
  return v < lim && v > -lim;
}

/* Validates the output column in guest memory and copies it out. */
static int read_output(const em_wasm_fn *f, const uint8_t *mem, size_t size, const uint8_t *col, int64_t n,
                       em_vec **out, em_error *err) {
  int code = em_wasm_type_code(f->ret);
  uint32_t validity = get32(col + 4 * EM_WASM_COL_VALIDITY), offsets = get32(col + 4 * EM_WASM_COL_OFFSETS),
           values = get32(col + 4 * EM_WASM_COL_VALUES), values_len = get32(col + 4 * EM_WASM_COL_VALUES_LEN);
  if (validity && !in_bounds(validity, bitbytes(n), size))
    return udf_error(err, f, "the result's validity bitmap lies outside the module's memory");
  /* Bounds first: nothing is allocated from lengths the guest claims
   * before they are known to lie within its memory. */
  if (var_width(code) && (!in_bounds(offsets, ((uint64_t)n + 1) * 4, size) || !in_bounds(values, values_len, size)))
    return udf_error(err, f, "the result's offsets or bytes lie outside the module's memory");
  em_vec *v = em_vec_new(f->ret, 0);
  if (!v || em_vec_reserve(v, n, var_width(code) ? values_len + 1 : 0)) {
    if (v) em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  if (var_width(code)) {
    const uint8_t *op = mem + offsets;
    int32_t base = (int32_t)get32(op);
    int32_t *dst = (int32_t *)v->values->data;
    int32_t prev = base;
    if (base < 0) prev = -1;
    for (int64_t i = 0; i <= n && prev >= 0; i++) {
      int32_t o = (int32_t)get32(op + 4 * i);
      if (o < prev || (uint32_t)o > values_len) prev = -1;
      else {
        dst[i] = o - base;
        prev = o;
      }
    }
    if (prev < 0) {
      em_vec_unref(v);
      return udf_error(err, f, "the result's offsets are not ascending within its %u bytes", values_len);
    }
    size_t nbytes = (size_t)(prev - base);
    if (nbytes) memcpy(v->data->data, mem + values + base, nbytes);
    v->data->len = nbytes;
    v->values->len = ((size_t)n + 1) * 4;
  } else {
    size_t nb = fixed_bytes(code, n);
    if (!values || !in_bounds(values, nb, size) || values_len < nb) {
      em_vec_unref(v);
      return udf_error(err, f, "the result's values lie outside the module's memory or are too short");
    }
    memcpy(v->values->data, mem + values, nb);
    v->values->len = nb;
  }
  v->len = n;
  if (validity) {
    em_buf *b = em_buf_new(bitbytes(n) + 8);
    if (!b) {
      em_vec_unref(v);
      return em_error_internal(err, "out of memory");
    }
    memcpy(b->data, mem + validity, bitbytes(n));
    b->len = bitbytes(n);
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) nulls += !em_bit_get(b->data, i);
    if (nulls) {
      if (v->validity) em_buf_unref(v->validity);
      v->validity = b;
      v->null_count = nulls;
    } else {
      em_buf_unref(b);
    }
  }
  if (code == EM_WASM_T_DECIMAL128) {
    const uint8_t *vals = v->values->data;
    for (int64_t i = 0; i < n; i++) {
      __int128 d;
      memcpy(&d, vals + 16 * i, 16);
      if (!em_vec_is_null(v, i) && !dec_fits(d, f->ret->u.dec.precision)) {
        em_vec_unref(v);
        return udf_error(err, f, "row %lld of the result does not fit %s", (long long)i, f->result);
      }
    }
  }
  *out = v;
  return 0;
}

static int call_i32(inst *in, wasmtime_func_t *fn, const int32_t *arg, int32_t *res, wasm_trap_t **trap,
                    wasmtime_error_t **e) {
  wasmtime_val_t a, r;
  a.kind = WASMTIME_I32;
  a.of.i32 = arg ? *arg : 0;
  *trap = NULL;
  *e = wasmtime_func_call(in->cx, fn, &a, arg ? 1 : 0, &r, res ? 1 : 0, trap);
  if (*e || *trap) return -1;
  if (res) *res = r.of.i32;
  return 0;
}

int em_wasm_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  const em_wasm_call *c = e->u.fn.data;
  const em_wasm_fn *f = c->fn;
  if (n == 0) {
    *out = em_vec_new(f->ret, 0);
    return *out ? 0 : em_error_internal(err, "out of memory");
  }
  if (n > (1 << 24)) return udf_error(err, f, "a batch of %lld rows is larger than the ABI allows", (long long)n);
  char rows[96];
  snprintf(rows, sizeof rows, "(rows 0..%lld of a batch in partition %d)", (long long)n - 1, ctx ? ctx->partition : 0);
  int slot;
  inst *in = pool_get(f, &c->limits, &slot, err);
  if (!in) return -1;
  int nargs = e->nargs;
  /* Layout of the block: descriptor, then each argument's buffers. */
  size_t desc = 4 * (size_t)(EM_WASM_HDR_WORDS + EM_WASM_COL_WORDS * (1 + nargs));
  size_t total = align8(desc);
  for (int i = 0; i < nargs; i++) total += arg_bytes(args[i], em_wasm_type_code(args[i]->type), n);
  if (total > (size_t)INT32_MAX) return udf_error(err, f, "a batch needs %zu bytes of guest memory", total);
  wasm_trap_t *trap;
  wasmtime_error_t *we;
  wasmtime_context_set_epoch_deadline(in->cx, (uint64_t)em_wasm_ticks_for(c->limits.timeout_ms));
  if (in->has_reset && call_i32(in, &in->reset, NULL, NULL, &trap, &we)) {
    int rc = call_failure(err, f, in, &c->limits, trap, we, "ember_reset", rows);
    pool_discard(slot);
    return rc;
  }
  int32_t base = 0, size_arg = (int32_t)total;
  if (call_i32(in, &in->alloc, &size_arg, &base, &trap, &we)) {
    int rc = call_failure(err, f, in, &c->limits, trap, we, "ember_alloc", rows);
    pool_discard(slot);
    return rc;
  }
  uint8_t *mem = wasmtime_memory_data(in->cx, &in->mem);
  size_t msize = wasmtime_memory_data_size(in->cx, &in->mem);
  if (base == 0 || !in_bounds((uint32_t)base, total, msize)) {
    int rc;
    if ((int64_t)msize + (int64_t)total > c->limits.memory_limit)
      rc = udf_error(err, f,
                     "the module could not allocate %zu bytes for a batch within the memory limit of %lld bytes "
                     "(ember.wasm.memoryLimit) %s",
                     total, (long long)c->limits.memory_limit, rows);
    else
      rc = udf_error(err, f, "ember_alloc(%zu) returned an invalid address %s", total, rows);
    pool_discard(slot);
    return rc;
  }
  /* Fill the descriptor and copy the arguments in. */
  uint8_t *d = mem + base;
  memset(d, 0, desc);
  put32(d + 4 * EM_WASM_HDR_ABI, EM_WASM_ABI_VERSION);
  put32(d + 4 * EM_WASM_HDR_NROWS, (uint32_t)n);
  put32(d + 4 * EM_WASM_HDR_NARGS, (uint32_t)nargs);
  uint8_t *ocol = d + 4 * EM_WASM_HDR_WORDS;
  put32(ocol + 4 * EM_WASM_COL_TYPE, (uint32_t)em_wasm_type_code(f->ret));
  if (f->ret->id == EM_T_DECIMAL) {
    put32(ocol + 4 * EM_WASM_COL_PRECISION, (uint32_t)f->ret->u.dec.precision);
    put32(ocol + 4 * EM_WASM_COL_SCALE, (uint32_t)f->ret->u.dec.scale);
  }
  uint32_t at = (uint32_t)base + (uint32_t)align8(desc);
  for (int i = 0; i < nargs; i++) {
    const em_vec *v = args[i];
    int code = em_wasm_type_code(v->type);
    uint8_t *col = ocol + 4 * EM_WASM_COL_WORDS * (1 + i);
    put32(col + 4 * EM_WASM_COL_TYPE, (uint32_t)code);
    if (v->type->id == EM_T_DECIMAL) {
      put32(col + 4 * EM_WASM_COL_PRECISION, (uint32_t)v->type->u.dec.precision);
      put32(col + 4 * EM_WASM_COL_SCALE, (uint32_t)v->type->u.dec.scale);
    }
    put32(col + 4 * EM_WASM_COL_NULL_COUNT, (uint32_t)v->null_count);
    if (v->null_count > 0) {
      memcpy(mem + at, v->validity->data, bitbytes(n));
      put32(col + 4 * EM_WASM_COL_VALIDITY, at);
      at += (uint32_t)align8(bitbytes(n));
    }
    if (var_width(code)) {
      size_t ob = ((size_t)n + 1) * 4;
      memcpy(mem + at, v->values->data, ob);
      put32(col + 4 * EM_WASM_COL_OFFSETS, at);
      at += (uint32_t)align8(ob);
      size_t nb = (size_t)em_vec_offsets(v)[n];
      if (nb) memcpy(mem + at, v->data->data, nb);
      put32(col + 4 * EM_WASM_COL_VALUES, at);
      put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)nb);
      at += (uint32_t)align8(nb);
    } else {
      size_t nb = fixed_bytes(code, n);
      memcpy(mem + at, v->values->data, nb);
      put32(col + 4 * EM_WASM_COL_VALUES, at);
      put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)nb);
      at += (uint32_t)align8(nb);
    }
  }
  /* The call. */
  wasmtime_extern_t x;
  if (!wasmtime_instance_export_get(in->cx, &in->instance, f->export_name, strlen(f->export_name), &x) ||
      x.kind != WASMTIME_EXTERN_FUNC)
    return udf_error(err, f, "the module has no function export `%s`", f->export_name);
  int32_t status = 0;
  if (call_i32(in, &x.of.func, &base, &status, &trap, &we)) {
    int rc = call_failure(err, f, in, &c->limits, trap, we, f->export_name, rows);
    pool_discard(slot);
    return rc;
  }
  /* Memory may have grown (moved) during the call. */
  mem = wasmtime_memory_data(in->cx, &in->mem);
  msize = wasmtime_memory_data_size(in->cx, &in->mem);
  d = mem + base;
  if (status != 0) {
    uint32_t ep = get32(d + 4 * EM_WASM_HDR_ERROR), el = get32(d + 4 * EM_WASM_HDR_ERROR_LEN);
    if (el > 300) el = 300;
    char msg[304] = "";
    if (ep && in_bounds(ep, el, msize)) {
      memcpy(msg, mem + ep, el);
      msg[el] = 0;
      for (uint32_t i = 0; i < el; i++)
        if ((unsigned char)msg[i] < 0x20) msg[i] = ' ';
    }
    return udf_error(err, f, "the function returned error %d%s%s %s", status, msg[0] ? ": " : "", msg, rows);
  }
  return read_output(f, mem, msize, d + 4 * EM_WASM_HDR_WORDS, n, out, err);
}

#else /* !EMBER_HAVE_WASM */

int em_wasm_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out, em_error *err) {
  (void)e, (void)args, (void)n, (void)ctx, (void)out;
  return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                      "WebAssembly UDFs (this Ember was built without the wasmtime runtime)", NULL);
}

#endif
