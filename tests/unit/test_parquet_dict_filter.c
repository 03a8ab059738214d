/*
 * Unit tests of Parquet dictionary filtering: an equality whose literal is
 * not in the dictionary of a dictionary-only column chunk skips the row
 * group even where min/max statistics cannot. The reader returns exactly
 * the rows of the row groups it keeps (the plan's filter stays above the
 * scan), so the row count proves which groups were skipped.
 *
 * tests/data/parquet/dict_rowgroups.parquet (pyarrow, snappy, RLE_DICTIONARY
 * data pages with page encoding stats), 4 row groups of 100 rows:
 *   id BIGINT 0..399
 *   c  INT    groups 0-1: 10 and 30 alternating (NULL where id % 10 == 5),
 *             group 2: 10, 20, 30 in turn, group 3: 20
 *   s  STRING 'a', 'b', 'c' for c = 10, 20, 30 (NULL with c)
 *   pq.write_table(t, path, row_group_size=100, use_dictionary=["c", "s"])
 * So min/max are 10/30 ('a'/'c') in groups 0-2: only the dictionaries tell
 * that groups 0 and 1 hold no 20 ('b'). The same data written by Ember's
 * own writer (PLAIN_DICTIONARY, an encodings list and no page stats, as
 * parquet-mr 1.x files) exercises the other rule of dictionary-only chunks.
 */
#include "runner.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "vec_lits.h"

static int32_t c_of(int64_t i) {
  int64_t g = i / 100;
  if (g < 2) return i % 2 == 0 ? 10 : 30;
  if (g == 2) return (int32_t[]){10, 20, 30}[i % 3];
  return 20;
}
static bool c_null(int64_t i) { return i < 200 && i % 10 == 5; }

static em_file file_of(const char *path) {
  struct stat st;
  CHECK(stat(path, &st) == 0);
  return (em_file){.path = path, .size = (int64_t)st.st_size};
}

/* Rows read from `path` with one pushed filter (op on column col). */
static int64_t rows_read(const char *path, int col, em_pushed_op op, em_vec *lit) {
  em_file file = file_of(path);
  const em_format *f = em_format_find("parquet");
  em_type *t = NULL;
  em_error err;
  em_options o = {0};
  CHECK_EQ_INT(f->infer_schema(&file, 1, &o, "UTC", &t, &err), 0);
  CHECK_EQ_INT(t->u.st.nfields, 3);
  em_split split = {.file = &file, .start = 0, .length = file.size};
  int cols[] = {0};
  em_pushed_filter pf = {.column = col, .op = op, .value = lit};
  em_read_request req = {.split = &split, .data_schema = t, .columns = cols, .ncolumns = 1, .filters = &pf,
                         .nfilters = 1, .options = &o, .session_tz = "UTC", .batch_rows = 64};
  em_format_reader *rd = NULL;
  CHECK_EQ_INT(f->open(&req, &rd, &err), 0);
  int64_t rows = 0;
  for (;;) {
    em_batch *b = NULL;
    CHECK_EQ_INT(f->next(rd, &b, &err), 0);
    if (!b) break;
    rows += b->nrows;
    em_batch_unref(b);
  }
  f->close(rd);
  em_type_unref(t);
  return rows;
}

/* The expectations shared by both files. */
static void check_file(const char *path) {
  em_vec *v = lit_int(20);
  CHECK_EQ_INT(rows_read(path, 1, EM_PUSH_EQ, v), 200); /* groups 2 and 3; statistics alone keep 0-2 */
  CHECK_EQ_INT(rows_read(path, 1, EM_PUSH_GE, v), 400); /* ranges are left to the statistics */
  em_vec_unref(v);
  v = lit_int(10);
  CHECK_EQ_INT(rows_read(path, 1, EM_PUSH_EQ, v), 300); /* in groups 0-2, below group 3's min */
  em_vec_unref(v);
  v = lit_int(15);
  CHECK_EQ_INT(rows_read(path, 1, EM_PUSH_EQ, v), 0); /* in no dictionary */
  em_vec_unref(v);
  v = lit_str("b");
  CHECK_EQ_INT(rows_read(path, 2, EM_PUSH_EQ, v), 200);
  em_vec_unref(v);
  v = lit_str("bb");
  CHECK_EQ_INT(rows_read(path, 2, EM_PUSH_EQ, v), 0);
  em_vec_unref(v);
  /* A null literal compares with nothing: every group is kept. */
  em_vec *nl = em_vec_new_nulls(em_type_int(), 1);
  CHECK(nl);
  CHECK_EQ_INT(rows_read(path, 1, EM_PUSH_EQ, nl), 400);
  em_vec_unref(nl);
}

TEST(pyarrow_dictionaries_skip_row_groups) {
  const char *src = getenv("EMBER_SOURCE_DIR");
  CHECK(src);
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/parquet/dict_rowgroups.parquet", src);
  check_file(path);
}

TEST(ember_written_dictionaries_skip_row_groups) {
  char dir[] = "/tmp/ember_dict_filter_XXXXXX";
  CHECK(mkdtemp(dir));
  char path[1100];
  snprintf(path, sizeof path, "%s/d.parquet", dir);
  em_type *schema = em_type_struct_new(3);
  CHECK(schema);
  CHECK_EQ_INT(em_type_struct_set(schema, 0, "id", em_type_long(), true, NULL), 0);
  CHECK_EQ_INT(em_type_struct_set(schema, 1, "c", em_type_int(), true, NULL), 0);
  CHECK_EQ_INT(em_type_struct_set(schema, 2, "s", em_type_string(), true, NULL), 0);
  const em_format *f = em_format_find("parquet");
  /* A tiny block size closes a row group after each batch of 100 rows. */
  em_options o = {.n = 1, .keys = (const char *[]){"parquet.block.size"}, .values = (const char *[]){"1"}};
  void *w = NULL;
  em_error err;
  CHECK_EQ_INT(f->write_open(path, schema, &o, "UTC", &w, &err), 0);
  for (int g = 0; g < 4; g++) {
    em_vec *cols[3] = {em_vec_new(em_type_long(), 100), em_vec_new(em_type_int(), 100),
                       em_vec_new(em_type_string(), 100)};
    CHECK(cols[0] && cols[1] && cols[2]);
    for (int64_t i = g * 100; i < g * 100 + 100; i++) {
      CHECK_EQ_INT(em_vec_append_fixed(cols[0], &i), 0);
      int32_t c = c_of(i);
      const char *s = c == 10 ? "a" : c == 20 ? "b" : "c";
      CHECK_EQ_INT(c_null(i) ? em_vec_append_null(cols[1]) : em_vec_append_fixed(cols[1], &c), 0);
      CHECK_EQ_INT(c_null(i) ? em_vec_append_null(cols[2]) : em_vec_append_bytes(cols[2], s, 1), 0);
    }
    em_batch *b = em_batch_new(em_type_ref(schema), 3, cols, 100);
    CHECK(b);
    CHECK_EQ_INT(f->write_batch(w, b, &err), 0);
    em_batch_unref(b);
  }
  CHECK_EQ_INT(f->write_close(w, 1, &err), 0);
  check_file(path);
  unlink(path);
  rmdir(dir);
  em_type_unref(schema);
}

TEST_LIST{
    TEST_ENTRY(pyarrow_dictionaries_skip_row_groups),
    TEST_ENTRY(ember_written_dictionaries_skip_row_groups),
    TEST_END,
};
