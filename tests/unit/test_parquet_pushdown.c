/*
 * Unit tests of Parquet predicate pushdown: row groups whose statistics
 * prove that a pushed filter matches no row are never read. The reader
 * does not filter rows itself (the plan's filter stays above the scan), so
 * the rows it returns are exactly those of the row groups it kept: fewer
 * rows than the file has proves that row groups were skipped.
 *
 * tests/data/parquet/rowgroups.parquet (written by pyarrow, snappy):
 *   id BIGINT  0..399, in order
 *   s  STRING  'k000'..'k399'
 *   n  INT     = id, except NULL for 200 <= id < 300
 *   d  DECIMAL(9,2) = id / 100, stored as INT32
 * in 4 row groups of 100 rows, each with min/max/null-count statistics:
 *   pq.write_table(pa.table({...}), path, row_group_size=100,
 *                  store_decimal_as_integer=True)
 */
#include "runner.h"

#include <sys/stat.h>

#include "io/io.h"
#include "vec_lits.h"

static em_file file;
static char path[1024];

static void open_file(void) {
  const char *src = getenv("EMBER_SOURCE_DIR");
  CHECK(src);
  snprintf(path, sizeof path, "%s/tests/data/parquet/rowgroups.parquet", src);
  struct stat st;
  CHECK(stat(path, &st) == 0);
  file = (em_file){.path = path, .size = (int64_t)st.st_size};
}

static em_type *schema(void) {
  const em_format *f = em_format_find("parquet");
  em_type *t = NULL;
  em_error err;
  em_options o = {0};
  CHECK_EQ_INT(f->infer_schema(&file, 1, &o, "UTC", &t, &err), 0);
  CHECK_EQ_INT(t->u.st.nfields, 4);
  return t;
}

/* Rows the reader returns for the whole file with these pushed filters,
 * and the sum of their ids. */
static int64_t rows_read(const em_pushed_filter *filters, int nfilters, int64_t *sum) {
  open_file();
  em_type *t = schema();
  const em_format *f = em_format_find("parquet");
  em_split split = {.file = &file, .start = 0, .length = file.size};
  int cols[] = {0};
  em_options o = {0};
  em_read_request req = {.split = &split,
                         .data_schema = t,
                         .columns = cols,
                         .ncolumns = 1,
                         .filters = filters,
                         .nfilters = nfilters,
                         .options = &o,
                         .session_tz = "UTC",
                         .batch_rows = 64};
  em_format_reader *rd = NULL;
  em_error err;
  CHECK_EQ_INT(f->open(&req, &rd, &err), 0);
  int64_t rows = 0;
  *sum = 0;
  for (;;) {
    em_batch *b = NULL;
    CHECK_EQ_INT(f->next(rd, &b, &err), 0);
    if (!b) break;
    const int64_t *ids = em_vec_values(b->cols[0]);
    for (int64_t i = 0; i < b->nrows; i++) *sum += ids[i];
    rows += b->nrows;
    em_batch_unref(b);
  }
  f->close(rd);
  em_type_unref(t);
  return rows;
}

static int64_t sum_range(int64_t lo, int64_t hi) { return (lo + hi - 1) * (hi - lo) / 2; }

TEST(no_filter_reads_every_row_group) {
  int64_t sum;
  CHECK_EQ_INT(rows_read(NULL, 0, &sum), 400);
  CHECK_EQ_INT(sum, sum_range(0, 400));
}

TEST(range_filters_skip_row_groups) {
  em_vec *v = lit_long(150);
  int64_t sum;
  em_pushed_filter lt = {.column = 0, .op = EM_PUSH_LT, .value = v};
  CHECK_EQ_INT(rows_read(&lt, 1, &sum), 200); /* groups 0 and 1 */
  CHECK_EQ_INT(sum, sum_range(0, 200));
  em_pushed_filter ge = {.column = 0, .op = EM_PUSH_GE, .value = v};
  CHECK_EQ_INT(rows_read(&ge, 1, &sum), 300); /* groups 1..3 */
  CHECK_EQ_INT(sum, sum_range(100, 400));
  em_pushed_filter both[2] = {lt, ge};
  CHECK_EQ_INT(rows_read(both, 2, &sum), 100); /* group 1 only */
  em_vec_unref(v);
  /* Boundaries: max of group 0 is 99, min of group 1 is 100. */
  v = lit_long(99);
  em_pushed_filter le = {.column = 0, .op = EM_PUSH_LE, .value = v};
  CHECK_EQ_INT(rows_read(&le, 1, &sum), 100);
  em_pushed_filter gt = {.column = 0, .op = EM_PUSH_GT, .value = v};
  CHECK_EQ_INT(rows_read(&gt, 1, &sum), 300);
  em_vec_unref(v);
}

TEST(equality_keeps_one_row_group) {
  em_vec *v = lit_long(250);
  int64_t sum;
  em_pushed_filter eq = {.column = 0, .op = EM_PUSH_EQ, .value = v};
  CHECK_EQ_INT(rows_read(&eq, 1, &sum), 100);
  CHECK_EQ_INT(sum, sum_range(200, 300));
  em_vec_unref(v);
  v = lit_long(1000);
  eq.value = v;
  CHECK_EQ_INT(rows_read(&eq, 1, &sum), 0);
  em_vec_unref(v);
}

TEST(string_statistics_skip_row_groups) {
  em_vec *v = lit_str("k3");
  int64_t sum;
  em_pushed_filter ge = {.column = 1, .op = EM_PUSH_GE, .value = v};
  CHECK_EQ_INT(rows_read(&ge, 1, &sum), 100); /* 'k300'..'k399' */
  CHECK_EQ_INT(sum, sum_range(300, 400));
  em_vec_unref(v);
}

TEST(null_counts_skip_row_groups) {
  int64_t sum;
  em_pushed_filter isnull = {.column = 2, .op = EM_PUSH_IS_NULL};
  CHECK_EQ_INT(rows_read(&isnull, 1, &sum), 100); /* only group 2 has nulls */
  CHECK_EQ_INT(sum, sum_range(200, 300));
  em_pushed_filter notnull = {.column = 2, .op = EM_PUSH_IS_NOT_NULL};
  CHECK_EQ_INT(rows_read(&notnull, 1, &sum), 300); /* group 2 is all nulls */
  /* A comparison never matches an all-null group. */
  em_vec *v = lit_long(0);
  em_type *it = em_type_primitive(EM_T_INT);
  em_vec *iv = em_vec_new(it, 1);
  int32_t zero = 0;
  CHECK(iv && em_vec_append_fixed(iv, &zero) == 0);
  em_pushed_filter ge = {.column = 2, .op = EM_PUSH_GE, .value = iv};
  CHECK_EQ_INT(rows_read(&ge, 1, &sum), 300);
  em_vec_unref(iv);
  em_vec_unref(v);
}

TEST(decimal_statistics_skip_row_groups) {
  em_type *dt = em_type_decimal(9, 2);
  em_vec *v = em_vec_new(dt, 1);
  __int128 x = 250; /* 2.50: ids 250.. */
  CHECK(v && em_vec_append_fixed(v, &x) == 0);
  int64_t sum;
  em_pushed_filter ge = {.column = 3, .op = EM_PUSH_GE, .value = v};
  CHECK_EQ_INT(rows_read(&ge, 1, &sum), 200); /* groups 2 and 3 */
  CHECK_EQ_INT(sum, sum_range(200, 400));
  em_pushed_filter lt = {.column = 3, .op = EM_PUSH_LT, .value = v};
  CHECK_EQ_INT(rows_read(&lt, 1, &sum), 300);
  em_vec_unref(v);
  em_type_unref(dt);
}

TEST_LIST{
    TEST_ENTRY(no_filter_reads_every_row_group),
    TEST_ENTRY(range_filters_skip_row_groups),
    TEST_ENTRY(equality_keeps_one_row_group),
    TEST_ENTRY(string_statistics_skip_row_groups),
    TEST_ENTRY(null_counts_skip_row_groups),
    TEST_ENTRY(decimal_statistics_skip_row_groups),
    TEST_END,
};
