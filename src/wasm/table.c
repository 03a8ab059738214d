/*
 * WebAssembly table functions (one row in, many rows out), the kernel the
 * Generate operator calls for EM_GEN_WASM (docs/wasm-udf-abi.md, ABI v2).
 *
 * One guest call per input batch, as for a scalar UDF, except that the
 * output has its own length: the host presets `out` as a STRUCT column of
 * the declared output columns; the guest fills it (child descriptors and
 * buffers it allocates) for `nout` rows and sets header word 5 to the
 * address of an int32 `parent` array (the input row of each output row,
 * ascending) and word 6 to nout. The host validates both and returns
 * struct<parent int, outputs...>, from which Generate repeats the input
 * rows' other columns. Bytes copied: the arguments in as for a scalar UDF,
 * the outputs (plus 4 bytes of parent per output row) out.
 */
#include "wasm_int.h"

#include <stdio.h>
#include <string.h>

#define EM_WASM_HDR_PARENT EM_WASM_HDR_STATES
#define EM_WASM_HDR_NOUT EM_WASM_HDR_NSTATES
#define MAX_OUT (1 << 26)

int em_wasm_table_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  const em_wasm_call *c = e->u.fn.data;
  const em_wasm_fn *f = c->fn;
  if (n == 0) {
    *out = em_vec_new(f->table_out, 0);
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
  const uint8_t *d = r.mem + r.base;
  uint32_t parent = em_wasm_get32(d + 4 * EM_WASM_HDR_PARENT), nout = em_wasm_get32(d + 4 * EM_WASM_HDR_NOUT);
  if (nout > MAX_OUT) return em_wasm_udf_error(err, f, "the function returned %u rows, more than %d %s", nout, MAX_OUT, rows);
  if (nout && (uint64_t)parent + 4ull * nout > r.size)
    return em_wasm_udf_error(err, f, "the result's parent rows lie outside the module's memory %s", rows);
  em_vec *par = em_vec_new(em_type_int(), nout);
  if (!par) return em_error_internal(err, "out of memory");
  int32_t *pv = (int32_t *)par->values->data;
  int32_t prev = 0;
  for (uint32_t i = 0; i < nout; i++) {
    int32_t p = (int32_t)em_wasm_get32(r.mem + parent + 4 * i);
    if (p < prev || p >= n) {
      em_vec_unref(par);
      return em_wasm_udf_error(err, f, "output row %u names input row %d: parent rows must ascend within 0..%lld %s",
                               i, p, (long long)n - 1, rows);
    }
    pv[i] = prev = p;
  }
  par->values->len = 4 * (size_t)nout;
  par->len = nout;
  em_vec *st = NULL;
  char why[EM_ERROR_VAL_MAX];
  if (em_wasm_col_get(f->ret, r.mem, r.size, r.base + 4 * EM_WASM_HDR_WORDS, nout, &st, why)) {
    em_vec_unref(par);
    return em_wasm_udf_error(err, f, "%s %s", why, rows);
  }
  em_vec *res = em_vec_new(f->table_out, 0);
  if (!res) {
    em_vec_unref(par);
    em_vec_unref(st);
    return em_error_internal(err, "out of memory");
  }
  em_vec_unref(res->children[0]);
  res->children[0] = par;
  for (int i = 0; i < st->nchildren; i++) {
    em_vec_unref(res->children[i + 1]);
    res->children[i + 1] = em_vec_ref(st->children[i]);
  }
  res->len = nout;
  em_vec_unref(st);
  *out = res;
  return 0;
}
