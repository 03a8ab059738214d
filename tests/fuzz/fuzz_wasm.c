/*
 * libFuzzer target for WebAssembly UDFs. The first input byte picks a mode:
 *   0  the rest is a module: the section walk and `ember.udf` parser, then
 *      registration (compile, import and export checks) must succeed or
 *      fail cleanly;
 *   1  the rest becomes a batch of strings with nulls for the fixed module
 *      udfs.wasm (norm, initials): results must come back, one per row;
 *   2  the rest is the argument of a hostile fixed module (fuzzguest.wasm)
 *      that copies fuzzer bytes into its output descriptor: every pointer
 *      and length must be validated by the host, never trusted.
 * The fixed modules are built by the build into <build>/wasm (EM_FUZZ_WASM_DIR).
 * Without the runtime only mode 0's pure parsers run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

#ifndef EM_FUZZ_WASM_DIR
#define EM_FUZZ_WASM_DIR "build/wasm"
#endif

static em_udf_registry *fixed;

static uint8_t *read_file(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", EM_FUZZ_WASM_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz_wasm: cannot open %s\n", path);
    abort();
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) abort();
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void reg(const char *name, const char *file, const uint8_t *bytes, size_t len, const char *exp,
                em_type *ret) {
  em_error err;
  if (em_udf_register_wasm(fixed, name, file, bytes, len, exp, ret, true, &err)) {
    fprintf(stderr, "fuzz_wasm: cannot register %s: %s\n", name, err.msg);
    abort();
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  if (!em_wasm_available()) return 0;
  fixed = em_udf_registry_new();
  size_t n1, n2;
  uint8_t *udfs = read_file("udfs.wasm", &n1), *guest = read_file("fuzzguest.wasm", &n2);
  reg("norm", "udfs.wasm", udfs, n1, "norm", NULL);
  reg("initials", "udfs.wasm", udfs, n1, "initials", em_type_string());
  reg("echo_s", "fuzzguest.wasm", guest, n2, "echo_s", em_type_string());
  reg("echo_l", "fuzzguest.wasm", guest, n2, "echo_l", em_type_long());
  reg("echo_b", "fuzzguest.wasm", guest, n2, "echo_b", em_type_boolean());
  em_type *dec = em_type_decimal(10, 2);
  reg("echo_d", "fuzzguest.wasm", guest, n2, "echo_d", dec);
  em_type_unref(dec);
  /* Nested results (ABI v2): the hostile descriptors lead to child
   * descriptors the fuzzer writes too. */
  em_type *t1 = em_type_array(em_type_string(), true);
  reg("echo_n1", "fuzzguest.wasm", guest, n2, "echo_n1", t1);
  em_type_unref(t1);
  em_type *n2t = em_type_struct_new(2);
  em_type_struct_set(n2t, 0, "a", em_type_int(), true, NULL);
  em_type_struct_set(n2t, 1, "b", em_type_array(em_type_long(), true), true, NULL);
  reg("echo_n2", "fuzzguest.wasm", guest, n2, "echo_n2", n2t);
  em_type_unref(n2t);
  free(udfs);
  free(guest);
  return 0;
}

/* Calls fn over one column; checks the result's shape. */
static void call(const char *fname, em_vec *arg) {
  const em_wasm_fn *f = em_udf_lookup(fixed, fname);
  if (!f) abort();
  em_expr col = {.kind = EM_EX_COLUMN, .type = arg->type, .nullable = true};
  col.u.column = 0;
  em_expr *args[1] = {&col};
  em_wasm_call data = {.fn = f, .limits = {.memory_limit = 64 << 20, .timeout_ms = 5000}};
  em_expr e = {.kind = EM_EX_CALL, .type = em_wasm_fn_ret(f), .nullable = true, .nargs = 1, .args = args};
  e.u.fn.name = fname;
  e.u.fn.kernel = em_wasm_kernel;
  e.u.fn.data = &data;
  em_type *schema = em_type_struct_new(1);
  em_type_struct_set(schema, 0, "c", em_type_ref(arg->type), true, NULL);
  em_vec *cols[1] = {em_vec_ref(arg)};
  em_batch *b = em_batch_new(schema, 1, cols, arg->len);
  em_eval_ctx ctx = {.timezone = "UTC", .ansi = true};
  em_vec *out = NULL;
  em_error err;
  if (em_expr_eval(&e, b, &ctx, &out, &err) == 0) {
    if (out->len != arg->len) abort();
    if (out->type->id == EM_T_STRING) {
      const int32_t *o = em_vec_offsets(out);
      for (int64_t i = 0; i < out->len; i++)
        if (o[i] > o[i + 1] || (size_t)o[i + 1] > (out->data ? out->data->len : 0)) abort();
    }
    em_vec_unref(out);
  } else if (err.cls != EM_ERR_FAILED_EXECUTE_UDF) {
    fprintf(stderr, "unexpected error: %s\n", err.msg);
    abort();
  }
  em_batch_unref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int mode = data[0] % 3;
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  em_error err;
  if (mode == 0 || !fixed) {
    const uint8_t *payload;
    size_t plen;
    if (em_wasm_custom_section(p, n, "ember.udf", &payload, &plen, &err) == 1) {
      em_wasm_sig *sigs;
      int nsigs;
      if (em_wasm_parse_sigs((const char *)payload, plen, &sigs, &nsigs, &err) == 0) em_wasm_sigs_free(sigs, nsigs);
    }
    if (!fixed) return 0;
    em_udf_registry *r = em_udf_registry_new();
    (void)em_udf_register_wasm(r, "f", "fuzz.wasm", p, n, "f", em_type_int(), true, &err);
    em_udf_registry_free(r);
    return 0;
  }
  if (mode == 1) {
    /* Rows split at 0xff bytes; a row starting with 0xfe is NULL. */
    em_vec *v = em_vec_new(em_type_string(), 16);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
      if (i < n && p[i] != 0xff) continue;
      if (i > start && p[start] == 0xfe) em_vec_append_null(v);
      else em_vec_append_bytes(v, p + start, i - start);
      start = i + 1;
    }
    call((n && (p[0] & 1)) ? "initials" : "norm", v);
    em_vec_unref(v);
    return 0;
  }
  static const char *echo[6] = {"echo_s", "echo_l", "echo_b", "echo_d", "echo_n1", "echo_n2"};
  const char *fn = echo[n ? p[0] % 6 : 0];
  em_vec *v = em_vec_new(em_type_binary(), 4);
  /* p[0] picks the export, p[1] adds NULL rows (so lengths derived from
   * the row count matter), the rest is row 0. */
  em_vec_append_bytes(v, n > 2 ? p + 2 : p, n > 2 ? n - 2 : 0);
  for (int k = 0; n > 1 && k < (p[1] % 40); k++) em_vec_append_null(v);
  call(fn, v);
  em_vec_unref(v);
  return 0;
}
