/*
 * Unit tests of Parquet row groups decoded by helper tasks
 * (io/parquet_prefetch.c): whatever runs the helpers (pool threads, the
 * submitting thread at once, never, only after the reader closed, or a
 * submit that fails), the reader returns exactly the batches it returns
 * alone, a reader closed early while helpers decode leaks and crashes
 * nothing, and a damaged row group fails the read at the same row as
 * without helpers; allocation failures end a read cleanly.
 *
 * Files: tests/data/parquet/rowgroups.parquet (4 row groups of 100 rows:
 * id BIGINT, s STRING, n INT with nulls, d DECIMAL(9,2); see
 * test_parquet_pushdown.c) and dict_rowgroups.parquet.
 */
#include "runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/exec.h"
#include "io/io.h"
#include "io/parquet_int.h"
#include "pq_files.h"

static em_file file;
static char path[1024];

static void use_file(const char *name) { pq_test_file(name, path, sizeof path, &file); }

/* ---- submitters ---- */

static int submit_inline(void (*fn)(void *), void *arg) {
  fn(arg);
  return 0;
}

static int submit_fail(void (*fn)(void *), void *arg) {
  (void)fn;
  (void)arg;
  return -1;
}

/* Held until run_deferred (after the reader closed). */
static struct {
  void (*fn)(void *);
  void *arg;
} deferred[256];
static int ndeferred;

static int submit_defer(void (*fn)(void *), void *arg) {
  if (ndeferred == 256) return -1;
  deferred[ndeferred].fn = fn;
  deferred[ndeferred].arg = arg;
  ndeferred++;
  return 0;
}

static void run_deferred(void) {
  for (int i = 0; i < ndeferred; i++) deferred[i].fn(deferred[i].arg);
  ndeferred = 0;
}

/* ---- reading ---- */

/* FNV-1a over a value's bytes. */
static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* A digest of every batch (sizes, nulls and values of every column), the
 * rows read, and the error class of a failed read (0 when it ended well). */
typedef struct outcome {
  uint64_t digest;
  int64_t rows;
  int64_t batches;
  int err_cls;
} outcome;

static outcome read_all(em_task_submit_fn submit, int64_t batch_rows, int64_t stop_after) {
  const em_format *f = em_format_find("parquet");
  em_type *t = NULL;
  em_error err;
  em_options o = {0};
  CHECK_EQ_INT(f->infer_schema(&file, 1, &o, "UTC", &t, &err), 0);
  int n = t->u.st.nfields;
  int cols[16];
  CHECK(n <= 16);
  for (int i = 0; i < n; i++) cols[i] = i;
  em_split split = {.file = &file, .start = 0, .length = file.size};
  em_read_request req = {.split = &split,
                         .data_schema = t,
                         .columns = cols,
                         .ncolumns = n,
                         .options = &o,
                         .session_tz = "UTC",
                         .batch_rows = batch_rows,
                         .submit = submit};
  outcome out = {.digest = 0xcbf29ce484222325ull};
  em_format_reader *rd = NULL;
  CHECK_EQ_INT(f->open(&req, &rd, &err), 0);
  for (;;) {
    if (stop_after >= 0 && out.batches >= stop_after) break;
    em_batch *b = NULL;
    if (f->next(rd, &b, &err)) {
      out.err_cls = (int)err.cls;
      break;
    }
    if (!b) break;
    out.batches++;
    out.rows += b->nrows;
    out.digest = mix(out.digest, &b->nrows, sizeof b->nrows);
    for (int c = 0; c < n; c++) {
      const em_vec *v = b->cols[c];
      int w = em_type_fixed_width(v->type);
      for (int64_t i = 0; i < b->nrows; i++) {
        bool null = em_vec_is_null(v, i);
        out.digest = mix(out.digest, &null, 1);
        if (null) continue;
        if (w > 0) {
          out.digest = mix(out.digest, (const uint8_t *)em_vec_values(v) + (size_t)i * (size_t)w, (size_t)w);
        } else {
          int32_t len;
          const char *s = em_vec_str(v, i, &len);
          out.digest = mix(out.digest, s, (size_t)len);
        }
      }
    }
    em_batch_unref(b);
  }
  f->close(rd);
  em_type_unref(t);
  return out;
}

static void same(outcome a, outcome b) {
  CHECK_EQ_INT(a.rows, b.rows);
  CHECK_EQ_INT(a.batches, b.batches);
  CHECK_EQ_INT(a.err_cls, b.err_cls);
  CHECK(a.digest == b.digest);
}

static void every_submitter_reads_the_same(int64_t batch_rows) {
  outcome alone = read_all(NULL, batch_rows, -1);
  CHECK_EQ_INT(alone.err_cls, 0);
  CHECK(alone.rows > 0);
  for (int k = 0; k < 20; k++) same(read_all(em_pool_submit, batch_rows, -1), alone);
  same(read_all(submit_inline, batch_rows, -1), alone);
  same(read_all(submit_fail, batch_rows, -1), alone);
  same(read_all(submit_defer, batch_rows, -1), alone);
  run_deferred(); /* helpers of a closed reader find nothing to do */
}

TEST(helpers_read_what_the_reader_reads_alone) {
  use_file("rowgroups.parquet");
  every_submitter_reads_the_same(64);
  every_submitter_reads_the_same(100);
  every_submitter_reads_the_same(1000);
  use_file("dict_rowgroups.parquet");
  every_submitter_reads_the_same(7);
  every_submitter_reads_the_same(4096);
}

TEST(early_close_waits_for_helpers) {
  use_file("rowgroups.parquet");
  outcome alone = read_all(NULL, 64, 1);
  for (int k = 0; k < 50; k++) same(read_all(em_pool_submit, 64, 1 + k % 3), read_all(NULL, 64, 1 + k % 3));
  same(read_all(submit_inline, 64, 1), alone);
  same(read_all(submit_defer, 64, 1), alone);
  run_deferred();
  em_pool_shutdown();
}

/* A copy of rowgroups.parquet whose row group 2 has garbage in its first
 * column chunk's data: the read fails there, after the rows of groups 0
 * and 1, with or without helpers (which may meet the damage first). */
TEST(damaged_row_group_fails_at_the_same_row) {
  use_file("rowgroups.parquet");
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0);
  em_pq_meta *m = NULL;
  em_error err;
  CHECK_EQ_INT(em_pq_read_meta(fd, file.size, path, &m, &err), 0);
  CHECK(m->nrowgroups == 4);
  const em_pq_chunk *ch = &m->rowgroups[2].cols[0];
  int64_t at = ch->data_page_offset, len = ch->total_compressed_size;
  if (ch->dictionary_page_offset > 0 && ch->dictionary_page_offset < at) at = ch->dictionary_page_offset;
  em_pq_meta_free(m);
  uint8_t *bytes = malloc((size_t)file.size);
  CHECK(bytes && pread(fd, bytes, (size_t)file.size, 0) == (ssize_t)file.size);
  close(fd);
  for (int64_t i = at; i < at + len; i++) bytes[i] = (uint8_t)(0xA5 ^ (i * 31));
  static char bad[] = "/tmp/em_prefetch_bad_XXXXXX";
  int out = mkstemp(bad);
  CHECK(out >= 0);
  CHECK(write(out, bytes, (size_t)file.size) == (ssize_t)file.size);
  close(out);
  free(bytes);
  snprintf(path, sizeof path, "%s", bad);
  outcome alone = read_all(NULL, 64, -1);
  CHECK(alone.err_cls != 0);
  CHECK_EQ_INT(alone.rows, 200);
  for (int k = 0; k < 10; k++) same(read_all(em_pool_submit, 64, -1), alone);
  same(read_all(submit_inline, 64, -1), alone);
  same(read_all(submit_defer, 64, -1), alone);
  run_deferred();
  unlink(bad);
  em_pool_shutdown();
}

/* Every allocation failing in turn (em_mem_fail_after) while helpers
 * decode: the read ends with an error or with every row right, and
 * nothing leaks (ASan). */
TEST(allocation_failures_end_cleanly) {
  use_file("dict_rowgroups.parquet");
  outcome alone = read_all(NULL, 50, -1);
  const em_format *f = em_format_find("parquet");
  em_type *t = NULL;
  em_error err;
  em_options o = {0};
  CHECK_EQ_INT(f->infer_schema(&file, 1, &o, "UTC", &t, &err), 0);
  int n = t->u.st.nfields;
  int cols[16];
  CHECK(n <= 16);
  for (int i = 0; i < n; i++) cols[i] = i;
  em_split split = {.file = &file, .start = 0, .length = file.size};
  int failures = 0;
  for (int with = 0; with < 2; with++) {
    for (uint64_t at = 1; at < 400; at++) {
      em_read_request req = {.split = &split, .data_schema = t, .columns = cols, .ncolumns = n, .options = &o,
                             .session_tz = "UTC", .batch_rows = 50, .submit = with ? submit_inline : NULL};
      em_mem_fail_after(at);
      em_format_reader *rd = NULL;
      int64_t rows = 0;
      bool failed = f->open(&req, &rd, &err) != 0;
      while (!failed) {
        em_batch *b = NULL;
        if (f->next(rd, &b, &err)) {
          failed = true;
          break;
        }
        if (!b) break;
        rows += b->nrows;
        em_batch_unref(b);
      }
      if (rd) f->close(rd);
      em_mem_fail_after(0);
      if (failed) failures++;
      else CHECK_EQ_INT(rows, alone.rows);
    }
  }
  CHECK(failures > 0);
  em_type_unref(t);
}

TEST_LIST{
    TEST_ENTRY(helpers_read_what_the_reader_reads_alone),
    TEST_ENTRY(early_close_waits_for_helpers),
    TEST_ENTRY(damaged_row_group_fails_at_the_same_row),
    TEST_ENTRY(allocation_failures_end_cleanly),
    TEST_END,
};
