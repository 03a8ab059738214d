/*
 * WebAssembly aggregate functions (registerJavaUDAF): the hash aggregate's
 * em_agg_def over four guest exports, `<export>_init`, `_update`, `_merge`
 * and `_finish` (docs/wasm-udf-abi.md, ABI v2).
 *
 * States are plain bytes of a size the module declares (`-> type state N`,
 * rounded up to 8), kept by the host in the hash aggregate's state arrays
 * like any built-in aggregate's: so partial aggregation per partition, the
 * final merge across partitions, parallel merging and spilling to disk all
 * work unchanged, and the guest keeps nothing between calls. Each call
 * copies the states it touches into the guest's memory and back:
 *   init    once, at registration: one zeroed state the guest initialises;
 *           every new group's state is a copy of it (so init must be pure);
 *   update  per batch: the batch's distinct groups' states (in order of
 *           first appearance), an int32 column mapping each row to one of
 *           them, and the argument columns;
 *   merge   per batch of partial states: the destination states, the
 *           source states, and an int32 column mapping each source to a
 *           destination;
 *   finish  per run of at most FINISH_CHUNK groups: the states in, the
 *           result column out.
 * Bytes copied per call: 2 x state size per distinct group touched, plus
 * the arguments as for a scalar UDF, plus 4 per row for the group column.
 */
#include "wasm_int.h"

#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

#define FINISH_CHUNK 65536

/* Source state i of a merge. */
#define SRC_ROW(src, stride, rows, i) ((src) + (size_t)((rows) ? (rows)[i] : (uint32_t)(i)) * (stride))

static const em_wasm_call *call_of(const em_expr *call) { return call->u.fn.data; }

/* Maps each group id of a batch to a dense local index, in order of first
 * appearance: an open-addressing table over at most n distinct ids. */
typedef struct dense {
  uint32_t *keys, *vals; /* table; keys UINT32_MAX = empty */
  uint32_t mask;
  uint32_t *ids; /* local index -> group id */
  uint32_t nids;
  int32_t *local; /* row -> local index */
} dense;

static void dense_free(dense *d) {
  em_free(d->keys);
  em_free(d->vals);
  em_free(d->ids);
  em_free(d->local);
}

static int dense_build(dense *d, const uint32_t *groups, int64_t n) {
  memset(d, 0, sizeof *d);
  uint32_t cap = 16;
  while (cap < 2 * (uint64_t)n) cap <<= 1;
  d->mask = cap - 1;
  d->keys = em_malloc(sizeof(uint32_t) * cap);
  d->vals = em_malloc(sizeof(uint32_t) * cap);
  d->ids = em_malloc(sizeof(uint32_t) * (size_t)(n ? n : 1));
  d->local = em_malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
  if (!d->keys || !d->vals || !d->ids || !d->local) return -1;
  memset(d->keys, 0xff, sizeof(uint32_t) * cap);
  for (int64_t i = 0; i < n; i++) {
    uint32_t g = groups[i];
    uint32_t h = (g * 2654435761u) & d->mask;
    while (d->keys[h] != UINT32_MAX && d->keys[h] != g) h = (h + 1) & d->mask;
    if (d->keys[h] == UINT32_MAX) {
      d->keys[h] = g;
      d->vals[h] = d->nids;
      d->ids[d->nids++] = g;
    }
    d->local[i] = (int32_t)d->vals[h];
  }
  return 0;
}

/* Writes the aggregate fields of a descriptor and an int32 column (the
 * group mapping) as its `out` column. */
static void put_states(uint8_t *d, uint32_t states, uint32_t nstates, size_t ss) {
  em_wasm_put32(d + 4 * EM_WASM_HDR_STATES, states);
  em_wasm_put32(d + 4 * EM_WASM_HDR_NSTATES, nstates);
  em_wasm_put32(d + 4 * EM_WASM_HDR_STATE_SIZE, (uint32_t)ss);
}

static void put_int32_col(uint8_t *col, uint32_t addr, int64_t n) {
  em_wasm_put32(col + 4 * EM_WASM_COL_TYPE, EM_WASM_T_INT32);
  em_wasm_put32(col + 4 * EM_WASM_COL_VALUES, addr);
  em_wasm_put32(col + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)(4 * n));
}

static char *export_of(const em_wasm_fn *f, const char *suffix, char *buf, size_t cap) {
  snprintf(buf, cap, "%s_%s", f->export_name, suffix);
  return buf;
}

static void init_state(const em_expr *call, uint8_t *state) {
  const em_wasm_fn *f = call_of(call)->fn;
  memcpy(state, f->init_state, f->state_size);
}

static int update(const em_expr *call, uint8_t *states, size_t stride, const uint32_t *groups, em_vec *const *args,
                  int64_t n, em_error *err) {
  const em_wasm_call *c = call_of(call);
  const em_wasm_fn *f = c->fn;
  if (n == 0) return 0;
  if (n > (1 << 24)) return em_wasm_udf_error(err, f, "a batch of %lld rows is larger than the ABI allows", (long long)n);
  size_t ss = f->state_size;
  dense d;
  if (dense_build(&d, groups, n)) {
    dense_free(&d);
    return em_error_internal(err, "out of memory");
  }
  char rows[96];
  snprintf(rows, sizeof rows, "(rows 0..%lld of a batch, %u groups)", (long long)n - 1, d.nids);
  size_t desc;
  size_t total = em_wasm_batch_bytes(args, call->nargs, n, &desc);
  size_t st_off = total, grp_off = st_off + em_wasm_align8(ss * d.nids);
  total = grp_off + em_wasm_align8(4 * (size_t)n);
  em_wasm_run r;
  int rc = em_wasm_run_begin(&r, f, &c->limits, rows, total, err);
  if (!rc) {
    uint8_t *ocol = em_wasm_put_batch(&r, n, args, call->nargs, desc);
    uint8_t *dsc = r.mem + r.base;
    for (uint32_t k = 0; k < d.nids; k++) memcpy(r.mem + r.base + st_off + ss * k, states + (size_t)d.ids[k] * stride, ss);
    memcpy(r.mem + r.base + grp_off, d.local, 4 * (size_t)n);
    put_states(dsc, r.base + (uint32_t)st_off, d.nids, ss);
    put_int32_col(ocol, r.base + (uint32_t)grp_off, n);
    char name[300];
    rc = em_wasm_run_call(&r, export_of(f, "update", name, sizeof name), err);
  }
  if (!rc)
    for (uint32_t k = 0; k < d.nids; k++) memcpy(states + (size_t)d.ids[k] * stride, r.mem + r.base + st_off + ss * k, ss);
  dense_free(&d);
  return rc;
}

static int merge(const em_expr *call, uint8_t *dst, size_t stride, const uint32_t *groups, uint8_t *src,
                 size_t src_stride, const uint32_t *src_rows, int64_t n, em_error *err) {
  const em_wasm_call *c = call_of(call);
  const em_wasm_fn *f = c->fn;
  if (n == 0) return 0;
  if (n > (1 << 24)) return em_wasm_udf_error(err, f, "a merge of %lld states is larger than the ABI allows", (long long)n);
  size_t ss = f->state_size;
  dense d;
  if (dense_build(&d, groups, n)) {
    dense_free(&d);
    return em_error_internal(err, "out of memory");
  }
  char rows[96];
  snprintf(rows, sizeof rows, "(merging %lld partial states into %u groups)", (long long)n, d.nids);
  size_t desc = 4 * (size_t)(EM_WASM_HDR_WORDS + 2 * EM_WASM_COL_WORDS);
  size_t st_off = em_wasm_align8(desc), src_off = st_off + em_wasm_align8(ss * d.nids),
         map_off = src_off + em_wasm_align8(ss * (size_t)n), total = map_off + em_wasm_align8(4 * (size_t)n);
  em_wasm_run r;
  int rc = em_wasm_run_begin(&r, f, &c->limits, rows, total, err);
  if (!rc) {
    uint8_t *dsc = em_wasm_put_batch(&r, n, NULL, 0, desc) - 4 * EM_WASM_HDR_WORDS;
    em_wasm_put32(dsc + 4 * EM_WASM_HDR_NARGS, 1);
    uint8_t *base = r.mem + r.base;
    for (uint32_t k = 0; k < d.nids; k++) memcpy(base + st_off + ss * k, dst + (size_t)d.ids[k] * stride, ss);
    for (int64_t i = 0; i < n; i++)
      memcpy(base + src_off + ss * (size_t)i, SRC_ROW(src, src_stride, src_rows, i), ss);
    memcpy(base + map_off, d.local, 4 * (size_t)n);
    put_states(dsc, r.base + (uint32_t)st_off, d.nids, ss);
    uint8_t *ocol = dsc + 4 * EM_WASM_HDR_WORDS;
    put_int32_col(ocol, r.base + (uint32_t)map_off, n);
    uint8_t *scol = ocol + 4 * EM_WASM_COL_WORDS; /* args[0]: the source states */
    em_wasm_put32(scol + 4 * EM_WASM_COL_VALUES, r.base + (uint32_t)src_off);
    em_wasm_put32(scol + 4 * EM_WASM_COL_VALUES_LEN, (uint32_t)(ss * (size_t)n));
    char name[300];
    rc = em_wasm_run_call(&r, export_of(f, "merge", name, sizeof name), err);
  }
  if (!rc)
    for (uint32_t k = 0; k < d.nids; k++) memcpy(dst + (size_t)d.ids[k] * stride, r.mem + r.base + st_off + ss * k, ss);
  dense_free(&d);
  return rc;
}

/* Appends rows [0, part->len) of part to out (same type). */
static int append(em_vec **out, em_vec *part) {
  if (!*out) {
    *out = part;
    return 0;
  }
  int rc = em_vec_append_range(*out, part, 0, part->len);
  em_vec_unref(part);
  return rc;
}

static int finish(const em_expr *call, const uint8_t *states, size_t stride, int64_t ngroups, em_vec **out,
                  em_error *err) {
  const em_wasm_call *c = call_of(call);
  const em_wasm_fn *f = c->fn;
  size_t ss = f->state_size;
  em_vec *res = NULL;
  if (ngroups == 0) {
    *out = em_vec_new(f->ret, 0);
    return *out ? 0 : em_error_internal(err, "out of memory");
  }
  for (int64_t start = 0; start < ngroups; start += FINISH_CHUNK) {
    int64_t n = ngroups - start < FINISH_CHUNK ? ngroups - start : FINISH_CHUNK;
    char rows[96];
    snprintf(rows, sizeof rows, "(groups %lld..%lld)", (long long)start, (long long)(start + n - 1));
    size_t desc = 4 * (size_t)(EM_WASM_HDR_WORDS + EM_WASM_COL_WORDS);
    size_t st_off = em_wasm_align8(desc), total = st_off + em_wasm_align8(ss * (size_t)n);
    em_wasm_run r;
    if (em_wasm_run_begin(&r, f, &c->limits, rows, total, err)) break;
    uint8_t *ocol = em_wasm_put_batch(&r, n, NULL, 0, desc);
    uint8_t *dsc = r.mem + r.base;
    for (int64_t g = 0; g < n; g++)
      memcpy(r.mem + r.base + st_off + ss * (size_t)g, states + (size_t)(start + g) * stride, ss);
    put_states(dsc, r.base + (uint32_t)st_off, (uint32_t)n, ss);
    em_wasm_col_put_type(ocol, f->ret);
    char name[300], why[EM_ERROR_VAL_MAX];
    if (em_wasm_run_call(&r, export_of(f, "finish", name, sizeof name), err)) break;
    em_vec *part = NULL;
    if (em_wasm_col_get(f->ret, r.mem, r.size, r.base + 4 * EM_WASM_HDR_WORDS, n, &part, why)) {
      em_wasm_udf_error(err, f, "%s %s", why, rows);
      break;
    }
    if (append(&res, part)) {
      em_error_internal(err, "out of memory");
      break;
    }
    if (start + n >= ngroups) {
      *out = res;
      return 0;
    }
  }
  if (res) em_vec_unref(res);
  return -1;
}

int em_wasm_agg_prepare(em_wasm_fn *f, em_error *err) {
  f->state_size = em_wasm_align8(f->state_size);
  em_agg_def *d = em_calloc(1, sizeof *d);
  f->init_state = em_calloc(1, f->state_size);
  if (!d || !f->init_state) {
    em_free(d);
    return em_error_internal(err, "out of memory");
  }
  d->state_size = f->state_size;
  d->init = init_state;
  d->update = update;
  d->merge = merge;
  d->finish = finish;
  f->agg = d;
  /* The initial state, once: the guest's init over one zeroed state. */
  em_wasm_limits lim = {EM_WASM_DEFAULT_MEMORY_LIMIT, EM_WASM_DEFAULT_TIMEOUT_MS, 0};
  size_t desc = 4 * (size_t)(EM_WASM_HDR_WORDS + EM_WASM_COL_WORDS);
  size_t st_off = em_wasm_align8(desc), total = st_off + f->state_size;
  em_wasm_run r;
  char name[300];
  if (em_wasm_run_begin(&r, f, &lim, "(initialising its state)", total, err)) return -1;
  uint8_t *dsc = em_wasm_put_batch(&r, 1, NULL, 0, desc) - 4 * EM_WASM_HDR_WORDS;
  memset(r.mem + r.base + st_off, 0, f->state_size);
  put_states(dsc, r.base + (uint32_t)st_off, 1, f->state_size);
  if (em_wasm_run_call(&r, export_of(f, "init", name, sizeof name), err)) return -1;
  memcpy(f->init_state, r.mem + r.base + st_off, f->state_size);
  return 0;
}
