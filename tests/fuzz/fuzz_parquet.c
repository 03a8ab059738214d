/*
 * libFuzzer target for the Parquet reader: footer (Thrift compact), schema
 * conversion, page headers, codecs, encodings and record assembly.
 * Arbitrary bytes, written to an in-memory file, must read as batches or
 * fail with an error: never a crash, an out-of-bounds access, a leak or
 * an unbounded allocation. Every column is read, in small batches, with a
 * filter on the first column (a bigint, int or string; =, > or != by the
 * input's size) so the statistics and dictionary filtering code runs too,
 * and for half of the inputs with rows left out by the reader and pages
 * skipped through the page index. For half of the inputs a helper (run at
 * once by the submitting thread) decodes row groups ahead, as pool workers
 * do (parquet_prefetch.c).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/format.h"

extern const em_format em_format_parquet;

static int run_now(void (*fn)(void *), void *arg) {
  fn(arg);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz.parquet", 0);
  if (fd < 0) return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  em_file f = {.path = path, .size = (int64_t)size};
  em_error err;
  em_type *schema = NULL;
  if (em_format_parquet.infer_schema(&f, 1, NULL, "UTC", &schema, &err) == 0) {
    int n = schema->u.st.nfields;
    int cols[64];
    if (n > 64) n = 64;
    for (int i = 0; i < n; i++) cols[i] = i;
    em_split sp = {.file = &f, .start = 0, .length = (int64_t)size};
    em_vec *lit = NULL;
    em_pushed_filter pf;
    int nf = 0;
    em_pushed_op op = size % 3 == 2 ? EM_PUSH_NE : size & 1 ? EM_PUSH_EQ : EM_PUSH_GT;
    if (n > 0 && schema->u.st.fields[0].type->id == EM_T_LONG && (lit = em_vec_new(em_type_long(), 1))) {
      int64_t v = (int64_t)size;
      em_vec_append_fixed(lit, &v);
      pf = (em_pushed_filter){.column = 0, .op = op, .value = lit};
      nf = 1;
    } else if (n > 0 && schema->u.st.fields[0].type->id == EM_T_INT && (lit = em_vec_new(em_type_int(), 1))) {
      int32_t v = (int32_t)(size % 4096);
      em_vec_append_fixed(lit, &v);
      pf = (em_pushed_filter){.column = 0, .op = op, .value = lit};
      nf = 1;
    } else if (n > 0 && schema->u.st.fields[0].type->id == EM_T_STRING && (lit = em_vec_new(em_type_string(), 1))) {
      em_vec_append_bytes(lit, "b", 1);
      pf = (em_pushed_filter){.column = 0, .op = op, .value = lit};
      nf = 1;
    }
    em_read_request req = {.split = &sp, .data_schema = schema, .columns = cols, .ncolumns = n,
                           .filters = &pf, .nfilters = nf, .session_tz = "UTC", .batch_rows = 7,
                           /* Rows left out and pages skipped through the page index. */
                           .filter_rows = (size & 4) != 0,
                           .submit = size & 2 ? run_now : NULL};
    em_format_reader *r;
    if (em_format_parquet.open(&req, &r, &err) == 0) {
      for (int k = 0; k < 10000; k++) {
        em_batch *b = NULL;
        if (em_format_parquet.next(r, &b, &err) || !b) break;
        em_batch_unref(b);
      }
      em_format_parquet.close(r);
    }
    em_vec_unref(lit);
    em_type_unref(schema);
  }
  close(fd);
  return 0;
}
