/*
 * Rows left out by the reader (em_read_request.filter_rows): the Parquet
 * reader returns exactly the rows every pushed filter accepts, with all
 * their columns intact, in file order, never an empty batch; and the
 * row-level evaluation (io/pushed_filter.c) decides each comparison as
 * Spark's filter would: NULL rows fail comparisons and IS NOT NULL, NaN
 * equals NaN and is above every number, -0.0 equals 0.0, strings compare
 * by bytes.
 *
 * tests/data/parquet/rowgroups.parquet (see test_parquet_pushdown.c):
 *   id BIGINT 0..399; s STRING 'k000'..'k399'; n INT = id, NULL for
 *   200 <= id < 300; d DECIMAL(9,2) = id / 100; row groups of 100 rows.
 */
#include "runner.h"

#include <math.h>
#include <sys/stat.h>

#include "io/io.h"
#include "vec_lits.h"

static em_file file;
static char path[1024];

static em_type *open_schema(void) {
  const char *src = getenv("EMBER_SOURCE_DIR");
  CHECK(src);
  snprintf(path, sizeof path, "%s/tests/data/parquet/rowgroups.parquet", src);
  struct stat st;
  CHECK(stat(path, &st) == 0);
  file = (em_file){.path = path, .size = (int64_t)st.st_size};
  const em_format *f = em_format_find("parquet");
  em_type *t = NULL;
  em_error err;
  em_options o = {0};
  CHECK_EQ_INT(f->infer_schema(&file, 1, &o, "UTC", &t, &err), 0);
  return t;
}

typedef bool (*row_pred)(int64_t id);

/* Reads every column with the filters, row-level filtering on, in batches
 * of 37 rows; checks every row against the data's definition, that the
 * returned ids are exactly those pred accepts, in order, and that no batch
 * is empty. Returns the rows read. */
static int64_t read_filtered(const em_pushed_filter *filters, int nfilters, row_pred pred) {
  em_type *t = open_schema();
  const em_format *f = em_format_find("parquet");
  em_split split = {.file = &file, .start = 0, .length = file.size};
  int cols[] = {0, 1, 2, 3};
  em_options o = {0};
  em_read_request req = {.split = &split,
                         .data_schema = t,
                         .columns = cols,
                         .ncolumns = 4,
                         .filters = filters,
                         .nfilters = nfilters,
                         .filter_rows = true,
                         .options = &o,
                         .session_tz = "UTC",
                         .batch_rows = 37};
  em_format_reader *rd = NULL;
  em_error err;
  CHECK_EQ_INT(f->open(&req, &rd, &err), 0);
  int64_t rows = 0, next = 0;
  for (;;) {
    em_batch *b = NULL;
    CHECK_EQ_INT(f->next(rd, &b, &err), 0);
    if (!b) break;
    CHECK(b->nrows > 0);
    const int64_t *ids = em_vec_values(b->cols[0]);
    const int32_t *ns = em_vec_values(b->cols[2]);
    const uint8_t *ds = em_vec_values(b->cols[3]);
    for (int64_t i = 0; i < b->nrows; i++) {
      int64_t id = ids[i];
      while (next < id) CHECK(!pred(next++)); /* every skipped row is rejected */
      CHECK(pred(id));
      next = id + 1;
      char want[8];
      snprintf(want, sizeof want, "k%03d", (int)id);
      int32_t len;
      const char *s = em_vec_str(b->cols[1], i, &len);
      CHECK(len == 4 && memcmp(s, want, 4) == 0);
      if (id >= 200 && id < 300) CHECK(em_vec_is_null(b->cols[2], i));
      else CHECK(!em_vec_is_null(b->cols[2], i) && ns[i] == id);
      __int128 d;
      memcpy(&d, ds + 16 * i, 16);
      CHECK(d == id);
    }
    rows += b->nrows;
    em_batch_unref(b);
  }
  while (next < 400) CHECK(!pred(next++));
  f->close(rd);
  em_type_unref(t);
  return rows;
}

static bool p_lt150(int64_t id) { return id < 150; }
static bool p_band(int64_t id) { return id >= 37 && id <= 250; }
static bool p_n_gt_150(int64_t id) { return id > 150 && !(id >= 200 && id < 300); }
static bool p_n_null(int64_t id) { return id >= 200 && id < 300; }
static bool p_n_not_null(int64_t id) { return !(id >= 200 && id < 300); }
static bool p_s_eq(int64_t id) { return id == 123; }
static bool p_s_ge(int64_t id) { return id >= 390; }
static bool p_none(int64_t id) { (void)id; return false; }
static bool p_in(int64_t id) { return id == 5 || id == 150 || id == 399; }
static bool p_ne(int64_t id) { return id != 150; }
static bool p_n_ne(int64_t id) { return id != 7 && !(id >= 200 && id < 300); }
static bool p_n_in(int64_t id) { return id == 7 || id == 301; }

TEST(rows_rejected_by_pushed_filters_are_left_out) {
  em_vec *v150 = lit_long(150), *v37 = lit_long(37), *v250 = lit_long(250), *vneg = lit_long(-1);
  em_pushed_filter lt = {.column = 0, .op = EM_PUSH_LT, .value = v150};
  CHECK_EQ_INT(read_filtered(&lt, 1, p_lt150), 150);
  em_pushed_filter band[2] = {{.column = 0, .op = EM_PUSH_GE, .value = v37},
                              {.column = 0, .op = EM_PUSH_LE, .value = v250}};
  CHECK_EQ_INT(read_filtered(band, 2, p_band), 214);
  em_pushed_filter none = {.column = 0, .op = EM_PUSH_LT, .value = vneg};
  CHECK_EQ_INT(read_filtered(&none, 1, p_none), 0);
  em_vec_unref(v150);
  em_vec_unref(v37);
  em_vec_unref(v250);
  em_vec_unref(vneg);
}

TEST(nulls_fail_comparisons_and_match_is_null) {
  em_vec *v = lit_int(150);
  em_pushed_filter gt = {.column = 2, .op = EM_PUSH_GT, .value = v};
  CHECK_EQ_INT(read_filtered(&gt, 1, p_n_gt_150), 149);
  em_pushed_filter isnull = {.column = 2, .op = EM_PUSH_IS_NULL};
  CHECK_EQ_INT(read_filtered(&isnull, 1, p_n_null), 100);
  em_pushed_filter notnull = {.column = 2, .op = EM_PUSH_IS_NOT_NULL};
  CHECK_EQ_INT(read_filtered(&notnull, 1, p_n_not_null), 300);
  em_vec_unref(v);
}

TEST(in_lists) {
  em_vec *a = lit_long(5), *b = lit_long(150), *c = lit_long(399), *d = lit_long(1000);
  const em_vec *ids[] = {a, b, c, d};
  em_pushed_filter in = {.column = 0, .op = EM_PUSH_IN, .values = ids, .nvalues = 4};
  CHECK_EQ_INT(read_filtered(&in, 1, p_in), 3);
  /* On a column with NULLs (n is NULL for 200..299): 250 is among them. */
  em_vec *n7 = lit_int(7), *n250 = lit_int(250), *n301 = lit_int(301);
  const em_vec *ns[] = {n7, n250, n301};
  em_pushed_filter nin = {.column = 2, .op = EM_PUSH_IN, .values = ns, .nvalues = 3};
  CHECK_EQ_INT(read_filtered(&nin, 1, p_n_in), 2);
  /* Values outside every row group's bounds: nothing is read. */
  const em_vec *out[] = {d};
  em_pushed_filter none = {.column = 0, .op = EM_PUSH_IN, .values = out, .nvalues = 1};
  CHECK_EQ_INT(read_filtered(&none, 1, p_none), 0);
  em_vec *vecs[] = {a, b, c, d, n7, n250, n301};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) em_vec_unref(vecs[i]);
}

TEST(not_equal) {
  em_vec *v = lit_long(150), *n7 = lit_int(7);
  em_pushed_filter ne = {.column = 0, .op = EM_PUSH_NE, .value = v};
  CHECK_EQ_INT(read_filtered(&ne, 1, p_ne), 399);
  /* NULL rows fail it too. */
  em_pushed_filter nne = {.column = 2, .op = EM_PUSH_NE, .value = n7};
  CHECK_EQ_INT(read_filtered(&nne, 1, p_n_ne), 299);
  em_vec_unref(v);
  em_vec_unref(n7);
}

TEST(string_filters) {
  em_vec *a = lit_str("k123"), *b = lit_str("k39");
  em_pushed_filter eq = {.column = 1, .op = EM_PUSH_EQ, .value = a};
  CHECK_EQ_INT(read_filtered(&eq, 1, p_s_eq), 1);
  /* "k39" < "k390": a prefix sorts first. */
  em_pushed_filter ge = {.column = 1, .op = EM_PUSH_GE, .value = b};
  CHECK_EQ_INT(read_filtered(&ge, 1, p_s_ge), 10);
  em_vec_unref(a);
  em_vec_unref(b);
}

TEST(double_ordering_is_sparks) {
  const double xs[] = {NAN, -0.0, 0.0, 1.5, -INFINITY, INFINITY, 2.0};
  const int n = 7;
  em_vec *v = em_vec_new(em_type_double(), n);
  for (int i = 0; i < n; i++) em_vec_append_fixed(v, &xs[i]);
  em_vec_append_null(v);
  struct {
    double lit;
    em_pushed_op op;
    const char *want; /* per row, then the NULL row */
  } cases[] = {
      {NAN, EM_PUSH_EQ, "10000000"},  {NAN, EM_PUSH_LT, "01111110"}, {NAN, EM_PUSH_GE, "10000000"},
      {0.0, EM_PUSH_EQ, "01100000"},  {-0.0, EM_PUSH_EQ, "01100000"}, {1.5, EM_PUSH_GT, "10000110"},
      {INFINITY, EM_PUSH_LT, "01111010"}, {INFINITY, EM_PUSH_GE, "10000100"},
      {NAN, EM_PUSH_NE, "01111110"},  {0.0, EM_PUSH_NE, "10011110"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    em_vec *lit = em_vec_new(em_type_double(), 1);
    em_vec_append_fixed(lit, &cases[c].lit);
    em_pushed_filter f = {.column = 0, .op = cases[c].op, .value = lit};
    CHECK(em_pushed_filter_supported(&f, em_type_double()));
    uint8_t keep[8];
    memset(keep, 1, sizeof keep);
    int64_t kept = em_pushed_filter_rows(&f, v, keep, 8);
    int64_t want_kept = 0;
    for (int i = 0; i < 8; i++) {
      if (keep[i] != (cases[c].want[i] == '1'))
        fprintf(stderr, "case %zu row %d: got %d want %c\n", c, i, keep[i], cases[c].want[i]);
      CHECK(keep[i] == (cases[c].want[i] == '1'));
      want_kept += cases[c].want[i] == '1';
    }
    CHECK_EQ_INT(kept, want_kept);
    em_vec_unref(lit);
  }
  em_vec_unref(v);
}

TEST(unsupported_filters_are_not_evaluated) {
  /* A literal of another type than the column's is never evaluated here. */
  em_vec *l = lit_long(1);
  em_pushed_filter f = {.column = 0, .op = EM_PUSH_EQ, .value = l};
  CHECK(!em_pushed_filter_supported(&f, em_type_int()));
  CHECK(em_pushed_filter_supported(&f, em_type_long()));
  em_vec_unref(l);
}

TEST_LIST{
    TEST_ENTRY(rows_rejected_by_pushed_filters_are_left_out),
    TEST_ENTRY(nulls_fail_comparisons_and_match_is_null),
    TEST_ENTRY(in_lists),
    TEST_ENTRY(not_equal),
    TEST_ENTRY(string_filters),
    TEST_ENTRY(double_ordering_is_sparks),
    TEST_ENTRY(unsupported_filters_are_not_evaluated),
    TEST_END,
};
