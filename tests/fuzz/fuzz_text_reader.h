/*
 * The body shared by the libFuzzer targets of the text readers
 * (fuzz_csv.c, fuzz_json.c): arbitrary bytes (the first byte picks one of
 * the including file's option sets OPTS) are written to a file, the schema
 * is inferred, and the file is read with that schema, whole and in two
 * splits. Any input must give rows or an error, never a crash, a leak or
 * an out-of-bounds access. The including file defines FMT and OPTS, and
 * may define FIXED_SCHEMA (a function returning a new STRUCT type) to read
 * the file with that schema as well (values that do not convert).
 */
#ifndef EM_FUZZ_TEXT_READER_H
#define EM_FUZZ_TEXT_READER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/format.h"

static void read_split(const em_format *f, const em_file *file, const em_type *schema, em_options *o, int64_t start,
                       int64_t len) {
  em_split sp = {file, start, len};
  int n = schema->u.st.nfields;
  int *cols = malloc(sizeof(int) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) cols[i] = n - 1 - i; /* reversed: projection order differs from the file */
  em_read_request req = {.split = &sp, .data_schema = schema, .columns = cols, .ncolumns = n, .options = o,
                         .session_tz = "UTC", .batch_rows = 7};
  em_format_reader *r;
  em_error err;
  if (f->open(&req, &r, &err) == 0) {
    for (;;) {
      em_batch *b = NULL;
      if (f->next(r, &b, &err) || !b) break;
      em_batch_unref(b);
    }
    f->close(r);
  }
  free(cols);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > (1 << 16)) return 0;
  char path[64];
  snprintf(path, sizeof path, "/tmp/em_fuzz_" FMT "_%d", (int)getpid());
  FILE *fp = fopen(path, "wb");
  if (!fp) return 0;
  fwrite(data + 1, 1, size - 1, fp);
  fclose(fp);
  int set = data[0] % (int)(sizeof OPTS / sizeof OPTS[0]);
  em_options o = {0, (const char **)OPTS[set][0], (const char **)OPTS[set][1]};
  while (OPTS[set][0][o.n]) o.n++;
  const em_format *f = em_format_find(FMT);
  em_file file = {path, (int64_t)size - 1, 0};
  em_type *schema = NULL;
  em_error err;
  if (f->infer_schema(&file, 1, &o, "UTC", &schema, &err) == 0) {
    read_split(f, &file, schema, &o, 0, file.size);
    int64_t cut = file.size / 2;
    if (cut > 0) {
      read_split(f, &file, schema, &o, 0, cut);
      read_split(f, &file, schema, &o, cut, file.size - cut);
    }
    em_type_unref(schema);
  }
#ifdef FIXED_SCHEMA
  em_type *fixed = FIXED_SCHEMA();
  if (fixed) {
    read_split(f, &file, fixed, &o, 0, file.size);
    em_type_unref(fixed);
  }
#endif
  unlink(path);
  return 0;
}

#endif
