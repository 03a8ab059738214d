/*
 * libFuzzer target for the Arrow IPC stream reader: arbitrary bytes must
 * yield a stream or an error, never a crash, an out-of-bounds access, a leak
 * or an unbounded allocation. A stream that reads is written back with our
 * writer (plain or large var types, chosen by the input) and must read
 * again to the same values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/arrow.h"

static bool row_equal(const em_vec *a, int64_t i, const em_vec *b, int64_t j) {
  bool an = em_vec_is_null(a, i), bn = em_vec_is_null(b, j);
  if (an != bn) return false;
  if (an) return true;
  switch (a->type->id) {
  case EM_T_BOOLEAN: return em_bit_get(a->values->data, i) == em_bit_get(b->values->data, j);
  case EM_T_STRING:
  case EM_T_BINARY: {
    int32_t n1, n2;
    const char *p1 = em_vec_str(a, i, &n1), *p2 = em_vec_str(b, j, &n2);
    return n1 == n2 && memcmp(p1, p2, (size_t)n1) == 0;
  }
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *o1 = em_vec_offsets(a), *o2 = em_vec_offsets(b);
    if (o1[i + 1] - o1[i] != o2[j + 1] - o2[j]) return false;
    for (int64_t k = 0; k < o1[i + 1] - o1[i]; k++)
      if (!row_equal(a->children[0], o1[i] + k, b->children[0], o2[j] + k)) return false;
    return true;
  }
  case EM_T_STRUCT:
    for (int k = 0; k < a->nchildren; k++)
      if (!row_equal(a->children[k], i, b->children[k], j)) return false;
    return true;
  default: {
    int w = em_type_fixed_width(a->type);
    return memcmp(a->values->data + i * w, b->values->data + j * w, (size_t)w) == 0;
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  em_type *schema = NULL;
  em_batch **batches = NULL;
  int n = 0;
  em_error err;
  if (em_ipc_read_stream(data, size, &schema, &batches, &n, &err) != 0) return 0;

  em_ipc_write_opts opts = {"UTC", size > 0 && (data[size - 1] & 1)};
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (em_ipc_write_stream(schema, batches, n, &opts, &sb, &err) != 0) {
    fprintf(stderr, "write-back failed: %s\n", err.msg);
    abort();
  }
  em_type *schema2 = NULL;
  em_batch **batches2 = NULL;
  int n2 = 0;
  if (em_ipc_read_stream((const uint8_t *)sb.data, sb.len, &schema2, &batches2, &n2, &err) != 0) {
    /* Only the allocation budget may differ: it scales with input size. */
    if (!strstr(err.msg, "exceeds")) {
      fprintf(stderr, "re-read failed: %s\n", err.msg);
      abort();
    }
  } else {
    if (n2 != n || !em_type_equal(schema, schema2, false)) abort();
    for (int b = 0; b < n; b++) {
      if (batches[b]->nrows != batches2[b]->nrows) abort();
      for (int c = 0; c < batches[b]->ncols; c++)
        for (int64_t r = 0; r < batches[b]->nrows; r++)
          if (!row_equal(batches[b]->cols[c], r, batches2[b]->cols[c], r)) abort();
    }
    em_batches_free(batches2, n2);
    em_type_unref(schema2);
  }
  em_strbuf_free(&sb);
  em_batches_free(batches, n);
  em_type_unref(schema);
  return 0;
}
