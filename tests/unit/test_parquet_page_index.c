/*
 * Pages skipped through the Parquet page index (io/parquet_page_index.c,
 * parquet_reader.c): with row-level filtering on, a read with pushed
 * filters returns exactly the rows of a full read that pass every filter,
 * in order and with every column equal, whichever pages the index lets the
 * reader skip; and the index does skip pages of these files.
 *
 * Files nobody here wrote (../shared/testdata/parquet-testing/data):
 * alltypes_tiny_pages.parquet (7300 rows, one row group, tiny pages with
 * a column and offset index), int32_with_null_pages.parquet (pages that
 * are all null in its column index); and tests/data/parquet/
 * snappy_dict_pages.parquet (pyarrow, see make_snappy_dict_pages.py):
 * SNAPPY dictionaries that grow with the rows, whose pages chosen through
 * the index need only the start of the dictionary, and get only that
 * decompressed.
 */
#include "runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "io/parquet_int.h"
#include "pq_files.h"
#include "vec_lits.h"

static em_file file;
static char path[1024];

static bool use_file(const char *name) {
  const char *td = getenv("EMBER_TESTDATA");
  CHECK(td);
  snprintf(path, sizeof path, "%s/parquet-testing/data/%s", td, name);
  struct stat st;
  if (stat(path, &st) != 0) return false;
  file = (em_file){.path = path, .size = (int64_t)st.st_size};
  return true;
}

static void use_local_file(const char *name) { pq_test_file(name, path, sizeof path, &file); }

static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* A digest of row i of a flat batch: every column's null flag and value. */
static uint64_t row_digest(const em_batch *b, int64_t i) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int c = 0; c < b->ncols; c++) {
    const em_vec *v = b->cols[c];
    bool null = em_vec_is_null(v, i);
    h = mix(h, &null, 1);
    if (null) continue;
    int w = em_type_fixed_width(v->type);
    if (v->type->id == EM_T_BOOLEAN) {
      uint8_t x = (uint8_t)em_bit_get(em_vec_values(v), i);
      h = mix(h, &x, 1);
    } else if (w > 0) {
      h = mix(h, (const uint8_t *)em_vec_values(v) + (size_t)w * (size_t)i, (size_t)w);
    } else {
      int32_t len;
      const char *s = em_vec_str(v, i, &len);
      h = mix(h, s, (size_t)len);
    }
  }
  return h;
}

typedef struct rows {
  uint64_t *d;
  int64_t n, cap;
} rows;

static void add_row(rows *r, uint64_t d) {
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 1024;
    r->d = realloc(r->d, sizeof *r->d * (size_t)r->cap);
    CHECK(r->d);
  }
  r->d[r->n++] = d;
}

/* Reads every column of the file; with filters, row-level filtering on.
 * With want (full reads), only the rows every filter passes are kept. */
static rows read_rows(const em_pushed_filter *filters, int nfilters, bool pushed) {
  const em_format *f = em_format_find("parquet");
  em_type *t = NULL;
  em_error err;
  em_options o = {0};
  CHECK_EQ_INT(f->infer_schema(&file, 1, &o, "UTC", &t, &err), 0);
  int nc = t->u.st.nfields;
  int *cols = calloc((size_t)nc, sizeof(int));
  for (int i = 0; i < nc; i++) cols[i] = i;
  em_split split = {.file = &file, .start = 0, .length = file.size};
  em_read_request req = {.split = &split,
                         .data_schema = t,
                         .columns = cols,
                         .ncolumns = nc,
                         .filters = pushed ? filters : NULL,
                         .nfilters = pushed ? nfilters : 0,
                         .filter_rows = pushed,
                         .options = &o,
                         .session_tz = "UTC",
                         .batch_rows = 333};
  em_format_reader *rd = NULL;
  CHECK_EQ_INT(f->open(&req, &rd, &err), 0);
  rows out = {0};
  for (;;) {
    em_batch *b = NULL;
    if (f->next(rd, &b, &err) != 0) {
      fprintf(stderr, "read failed: %s\n", err.msg);
      CHECK(0);
    }
    if (!b) break;
    uint8_t *keep = malloc((size_t)b->nrows + 1);
    memset(keep, 1, (size_t)b->nrows);
    if (!pushed)
      for (int k = 0; k < nfilters; k++) em_pushed_filter_rows(&filters[k], b->cols[filters[k].column], keep, b->nrows);
    for (int64_t i = 0; i < b->nrows; i++)
      if (keep[i]) add_row(&out, row_digest(b, i));
    free(keep);
    em_batch_unref(b);
  }
  f->close(rd);
  free(cols);
  em_type_unref(t);
  return out;
}

/* The filtered read equals the full read filtered here. */
static int64_t check_filters(const em_pushed_filter *filters, int nfilters) {
  rows want = read_rows(filters, nfilters, false);
  rows got = read_rows(filters, nfilters, true);
  if (got.n != want.n) fprintf(stderr, "rows: got %lld, want %lld\n", (long long)got.n, (long long)want.n);
  CHECK_EQ_INT(got.n, want.n);
  for (int64_t i = 0; i < got.n; i++) CHECK(got.d[i] == want.d[i]);
  free(want.d);
  free(got.d);
  return got.n;
}

TEST(tiny_pages_filtered_reads_equal_full_reads) {
  if (!use_file("alltypes_tiny_pages.parquet")) return;
  int32_t a = 3000, b = 3100, five = 5, y = 2010;
  int64_t sixty = 60;
  em_vec *va = lit_fixed(em_type_int(), &a), *vb = lit_fixed(em_type_int(), &b), *v5 = lit_fixed(em_type_int(), &five),
         *vy = lit_fixed(em_type_int(), &y), *v60 = lit_fixed(em_type_long(), &sixty), *vs = lit_str("3"),
         *vd = lit_str("03/01/09");
  /* id is column 0, int_col 4, bigint_col 5, date_string_col 8,
   * string_col 9, year 11. */
  em_pushed_filter range[2] = {{.column = 0, .op = EM_PUSH_GE, .value = va}, {.column = 0, .op = EM_PUSH_LT, .value = vb}};
  CHECK(check_filters(range, 2) > 0);
  em_pushed_filter eq = {.column = 4, .op = EM_PUSH_EQ, .value = v5};
  CHECK(check_filters(&eq, 1) > 0);
  em_pushed_filter mixed[3] = {{.column = 5, .op = EM_PUSH_GT, .value = v60},
                               {.column = 9, .op = EM_PUSH_EQ, .value = vs},
                               {.column = 11, .op = EM_PUSH_EQ, .value = vy}};
  check_filters(mixed, 3);
  em_pushed_filter ds = {.column = 8, .op = EM_PUSH_LE, .value = vd};
  check_filters(&ds, 1);
  const em_vec *in_ids[] = {va, vb};
  em_pushed_filter in = {.column = 0, .op = EM_PUSH_IN, .values = in_ids, .nvalues = 2};
  CHECK_EQ_INT(check_filters(&in, 1), 2);
  em_pushed_filter ne = {.column = 4, .op = EM_PUSH_NE, .value = v5};
  CHECK(check_filters(&ne, 1) > 0);
  em_pushed_filter none[2] = {{.column = 0, .op = EM_PUSH_LT, .value = va}, {.column = 0, .op = EM_PUSH_GE, .value = vb}};
  CHECK_EQ_INT(check_filters(none, 2), 0);
  em_vec *vecs[] = {va, vb, v5, vy, v60, vs, vd};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) em_vec_unref(vecs[i]);
}

TEST(null_pages_filtered_reads_equal_full_reads) {
  if (!use_file("int32_with_null_pages.parquet")) return;
  int32_t z = 0;
  em_vec *vz = lit_fixed(em_type_int(), &z);
  em_pushed_filter isnull = {.column = 0, .op = EM_PUSH_IS_NULL};
  check_filters(&isnull, 1);
  em_pushed_filter notnull = {.column = 0, .op = EM_PUSH_IS_NOT_NULL};
  check_filters(&notnull, 1);
  em_pushed_filter gt = {.column = 0, .op = EM_PUSH_GT, .value = vz};
  check_filters(&gt, 1);
  em_vec_unref(vz);
}

/* The current file opened: its footer, schema, and the offset index of
 * column col of row group 0. */
typedef struct indexed {
  int fd, np;
  em_pq_meta *m;
  em_pq_schema *s;
  em_pq_pageloc *locs;
} indexed;

static indexed open_indexed(int col) {
  indexed x = {.fd = open(path, O_RDONLY)};
  CHECK(x.fd >= 0);
  em_error err;
  CHECK_EQ_INT(em_pq_read_meta(x.fd, file.size, path, &x.m, &err), 0);
  CHECK_EQ_INT(em_pq_schema_build(x.m, path, &x.s, &err), 0);
  const em_pq_chunk *ch = &x.m->rowgroups[0].cols[col];
  CHECK_EQ_INT(em_pq_offset_index(x.fd, file.size, ch, x.m->rowgroups[0].num_rows, &x.locs, &x.np), 0);
  return x;
}

static void close_indexed(indexed *x) {
  em_free(x->locs);
  em_pq_schema_free(x->s);
  em_pq_meta_free(x->m);
  close(x->fd);
}

TEST(the_index_rules_out_pages) {
  if (!use_file("alltypes_tiny_pages.parquet")) return;
  indexed x = open_indexed(0);
  int fd = x.fd, np = x.np;
  em_pq_meta *m = x.m;
  em_pq_schema *s = x.s;
  const em_pq_chunk *ch = &m->rowgroups[0].cols[0];
  CHECK(np > 10);
  bool *may = malloc((size_t)np);
  memset(may, 1, (size_t)np);
  int32_t a = 3000;
  em_vec *va = lit_fixed(em_type_int(), &a);
  em_pushed_filter lt = {.column = 0, .op = EM_PUSH_LT, .value = va};
  CHECK_EQ_INT(em_pq_column_index_filter(fd, file.size, ch, s->leaves[0], &lt, np, may), 0);
  int left = 0;
  for (int k = 0; k < np; k++) left += may[k];
  CHECK(left > 0 && left < np);
  free(may);
  em_vec_unref(va);
  close_indexed(&x);
}

TEST(snappy_dictionary_prefix_reads_equal_full_reads) {
  use_local_file("snappy_dict_pages.parquet");
  /* k (0) is the row number; v (1), d (2), i (3, with nulls), s (4). */
  int64_t a = 1000, b = 2000, c = 2500, e = 4321, f = 5800, v0 = 0;
  int32_t i0 = 7;
  double d0 = 100.0;
  em_vec *va = lit_fixed(em_type_long(), &a), *vb = lit_fixed(em_type_long(), &b),
         *vc = lit_fixed(em_type_long(), &c), *ve = lit_fixed(em_type_long(), &e),
         *vf = lit_fixed(em_type_long(), &f), *vv = lit_fixed(em_type_long(), &v0),
         *vi = lit_fixed(em_type_int(), &i0), *vd = lit_fixed(em_type_double(), &d0), *vs = lit_str("s0017");
  em_pushed_filter first[1] = {{.column = 0, .op = EM_PUSH_LT, .value = va}};
  CHECK_EQ_INT(check_filters(first, 1), 1000);
  em_pushed_filter middle[2] = {{.column = 0, .op = EM_PUSH_GE, .value = vb}, {.column = 0, .op = EM_PUSH_LT, .value = vc}};
  CHECK_EQ_INT(check_filters(middle, 2), 500);
  em_pushed_filter one = {.column = 0, .op = EM_PUSH_EQ, .value = ve};
  CHECK_EQ_INT(check_filters(&one, 1), 1);
  em_pushed_filter last = {.column = 0, .op = EM_PUSH_GT, .value = vf};
  CHECK_EQ_INT(check_filters(&last, 1), 199);
  em_pushed_filter mixed[4] = {{.column = 0, .op = EM_PUSH_LT, .value = vc},
                               {.column = 1, .op = EM_PUSH_NE, .value = vv},
                               {.column = 3, .op = EM_PUSH_GT, .value = vi},
                               {.column = 2, .op = EM_PUSH_LT, .value = vd}};
  CHECK(check_filters(mixed, 4) > 0);
  em_pushed_filter str[2] = {{.column = 0, .op = EM_PUSH_LT, .value = va}, {.column = 4, .op = EM_PUSH_EQ, .value = vs}};
  CHECK(check_filters(str, 2) > 0);
  em_vec *vecs[] = {va, vb, vc, ve, vf, vv, vi, vd, vs};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) em_vec_unref(vecs[i]);
}

/* The pages of v's first rows decoded alone: only the start of the
 * dictionary is, and their values are the whole chunk's. */
TEST(snappy_dictionary_prefix_is_all_that_is_decoded) {
  use_local_file("snappy_dict_pages.parquet");
  indexed x = open_indexed(1);
  int fd = x.fd;
  em_pq_meta *m = x.m;
  em_pq_schema *s = x.s;
  em_pq_pageloc *locs = x.locs;
  em_error err;
  CHECK(x.np > 4);
  em_pq_pagesel sel = {.first_offset = locs[0].offset, .end_offset = locs[2].offset, .row0 = 0,
                       .nentries = locs[2].first_row};
  em_pq_leafdata part, whole;
  memset(&part, 0, sizeof part);
  memset(&whole, 0, sizeof whole);
  CHECK_EQ_INT(em_pq_read_chunk(fd, file.size, path, m, 0, s->leaves[1], &sel, NULL, &part, &err), 0);
  CHECK_EQ_INT(em_pq_read_chunk(fd, file.size, path, m, 0, s->leaves[1], NULL, NULL, &whole, &err), 0);
  CHECK(part.lazy && whole.lazy);
  CHECK(part.lz_dict_n > 0 && part.lz_dict_n < whole.lz_dict_n);
  int64_t n = sel.nentries;
  CHECK_EQ_INT(em_pq_lazy_window(&part, 0, n, NULL, &err), 0);
  int64_t *got = malloc((size_t)n * sizeof *got);
  memcpy(got, part.fixed, (size_t)n * sizeof *got);
  CHECK_EQ_INT(em_pq_lazy_window(&whole, 0, n, NULL, &err), 0);
  CHECK(memcmp(got, whole.fixed, (size_t)n * sizeof *got) == 0);
  free(got);
  em_pq_leafdata_free(&part);
  em_pq_leafdata_free(&whole);
  close_indexed(&x);
}

TEST_LIST{
    TEST_ENTRY(tiny_pages_filtered_reads_equal_full_reads),
    TEST_ENTRY(null_pages_filtered_reads_equal_full_reads),
    TEST_ENTRY(the_index_rules_out_pages),
    TEST_ENTRY(snappy_dictionary_prefix_reads_equal_full_reads),
    TEST_ENTRY(snappy_dictionary_prefix_is_all_that_is_decoded),
    TEST_END,
};
