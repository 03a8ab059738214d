/*
 * Unit tests for the Parquet writer: the RLE/bit-packed encoder against
 * the reader's decoder, and writer -> reader round trips of random batches
 * (every type Spark writes, nested lists/maps/structs, nulls at every
 * level, NaN and extreme values) under random codecs, page, dictionary and
 * row-group sizes and timestamp output types: what the reader returns must
 * equal what was written. Also write_check's refusals.
 */
#include "runner.h"

#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/parquet_int.h"
#include "io/parquet_write_int.h"
#include "ipc_testlib.h"

#define PQF (*em_format_find("parquet"))

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int64_t rnd_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

/* ---- RLE ---- */

TEST(rle_roundtrip) {
  for (int iter = 0; iter < 300; iter++) {
    int bw = (int)rnd_in(1, 24);
    int64_t n = rnd_in(0, 3000);
    uint32_t *v = malloc((size_t)(n + 1) * sizeof *v), *back = malloc((size_t)(n + 1) * sizeof *back);
    uint32_t mask = bw == 32 ? 0xffffffffu : ((1u << bw) - 1);
    for (int64_t i = 0; i < n; i++) {
      /* runs of random lengths mixed with noise */
      if (i > 0 && rnd() % 4 != 0) v[i] = v[i - 1];
      else v[i] = (uint32_t)rnd() & mask;
    }
    em_pqw_buf out = {0};
    em_pq_rle_encode(&out, v, n, bw);
    CHECK(!out.oom);
    em_pq_rle d;
    em_pq_rle_init(&d, out.p, out.len, bw);
    CHECK(em_pq_rle_get(&d, back, n) == 0);
    for (int64_t i = 0; i < n; i++) CHECK_EQ_INT(back[i], v[i]);
    em_pqw_buf_free(&out);
    free(v);
    free(back);
  }
}

/* ---- random data ---- */

static double null_p;
static int str_card;

static void gen(em_vec *v, const em_type *t, bool nullable);

static void gen_value(em_vec *v, const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN: CHECK(em_vec_append_bool(v, rnd() & 1) == 0); break;
  case EM_T_BYTE: { int8_t x = (int8_t)rnd(); CHECK(em_vec_append_fixed(v, &x) == 0); break; }
  case EM_T_SHORT: { int16_t x = (int16_t)rnd(); CHECK(em_vec_append_fixed(v, &x) == 0); break; }
  case EM_T_INT: case EM_T_DATE: case EM_T_YM_INTERVAL: {
    int32_t x = rnd() % 3 ? (int32_t)rnd_in(-1000, 1000) : (int32_t)rnd();
    if (t->id == EM_T_DATE) x = (int32_t)rnd_in(-719162, 2932896); /* years 1..9999 */
    CHECK(em_vec_append_fixed(v, &x) == 0);
    break;
  }
  case EM_T_LONG: case EM_T_TIMESTAMP_NTZ: case EM_T_DT_INTERVAL: {
    int64_t x = rnd() % 3 ? rnd_in(-5, 5) : (int64_t)rnd();
    CHECK(em_vec_append_fixed(v, &x) == 0);
    break;
  }
  case EM_T_TIMESTAMP: { /* whole milliseconds when written as millis: keep all exact */
    int64_t x = rnd_in(-62135596800000000LL, 253402300799999999LL);
    x -= x % 1000;
    CHECK(em_vec_append_fixed(v, &x) == 0);
    break;
  }
  case EM_T_FLOAT: {
    static const float sp[] = {0.0f, -0.0f, 1.5f, -2.25f, INFINITY, -INFINITY};
    float x = rnd() % 5 == 0 ? NAN : rnd() % 2 ? sp[rnd() % 6] : (float)(int32_t)rnd() / 7.0f;
    CHECK(em_vec_append_fixed(v, &x) == 0);
    break;
  }
  case EM_T_DOUBLE: {
    static const double sp[] = {0.0, -0.0, 1e300, -1e-300, INFINITY, -INFINITY};
    double x = rnd() % 5 == 0 ? NAN : rnd() % 2 ? sp[rnd() % 6] : (double)(int64_t)rnd() / 3.0;
    CHECK(em_vec_append_fixed(v, &x) == 0);
    break;
  }
  case EM_T_DECIMAL: {
    int p = t->u.dec.precision;
    /* a random value with up to p digits, as 128-bit little endian */
    __int128 x = 0;
    int digits = (int)rnd_in(0, p);
    for (int i = 0; i < digits; i++) x = x * 10 + (int)(rnd() % 10);
    if (rnd() & 1) x = -x;
    CHECK(em_vec_append_fixed(v, &x) == 0);
    break;
  }
  case EM_T_STRING: case EM_T_BINARY: {
    char buf[64];
    int n;
    if (str_card > 0) n = snprintf(buf, sizeof buf, "v%d\xc3\xa9", (int)(rnd() % (uint64_t)str_card));
    else {
      n = (int)rnd_in(0, 40);
      for (int i = 0; i < n; i++) buf[i] = (char)(t->id == EM_T_BINARY ? rnd() : 'a' + rnd() % 26);
    }
    CHECK(em_vec_append_bytes(v, buf, (size_t)n) == 0);
    break;
  }
  case EM_T_ARRAY: {
    int n = (int)rnd_in(0, 4);
    for (int i = 0; i < n; i++) gen(v->children[0], t->u.array.elem, t->u.array.contains_null);
    CHECK(em_vec_append_list_end(v) == 0);
    break;
  }
  case EM_T_MAP: {
    int n = (int)rnd_in(0, 3);
    em_vec *e = v->children[0];
    for (int i = 0; i < n; i++) {
      gen(e->children[0], t->u.map.key, false);
      gen(e->children[1], t->u.map.value, t->u.map.value_contains_null);
      CHECK(em_vec_append_struct_end(e, true) == 0);
    }
    CHECK(em_vec_append_list_end(v) == 0);
    break;
  }
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      gen(v->children[i], t->u.st.fields[i].type, t->u.st.fields[i].nullable);
    CHECK(em_vec_append_struct_end(v, true) == 0);
    break;
  default: CHECK(!"type"); break;
  }
}

static void gen(em_vec *v, const em_type *t, bool nullable) {
  if (t->id == EM_T_NULL || (nullable && (double)(rnd() % 1000) < null_p * 1000)) {
    CHECK(em_vec_append_null(v) == 0);
    return;
  }
  gen_value(v, t);
}

static em_type *schema_of(const char *ddl) {
  em_error err;
  em_type *t = em_type_parse_ddl(ddl, &err);
  if (!t) fprintf(stderr, "%s\n", err.msg);
  CHECK(t);
  return t;
}

static em_batch *random_batch(em_type *schema, int64_t n) {
  int nc = schema->u.st.nfields;
  em_vec **cols = calloc((size_t)nc, sizeof *cols);
  for (int c = 0; c < nc; c++) {
    cols[c] = em_vec_new(schema->u.st.fields[c].type, n);
    CHECK(cols[c]);
    for (int64_t r = 0; r < n; r++) gen(cols[c], schema->u.st.fields[c].type, schema->u.st.fields[c].nullable);
  }
  em_batch *b = em_batch_new(em_type_ref(schema), nc, cols, n);
  free(cols);
  CHECK(b);
  return b;
}

static char tmpdir[64];

static const char *tmp_path(const char *name) {
  static char path[256];
  if (!tmpdir[0]) {
    strcpy(tmpdir, "/tmp/em_test_pqw_XXXXXX");
    CHECK(mkdtemp(tmpdir));
  }
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  return path;
}

static int submit_inline(void (*fn)(void *), void *arg) {
  fn(arg);
  return 0;
}

/* Reads the whole file back; returns the batches' rows concatenated per
 * column by comparing against `in` directly. */
static void check_read_back(const char *path, em_type *schema, em_batch **in, int nin) {
  struct stat st;
  CHECK(stat(path, &st) == 0);
  em_file f = {path, st.st_size, 0};
  em_split sp = {&f, 0, st.st_size};
  int nc = schema->u.st.nfields;
  int *cols = malloc((size_t)nc * sizeof *cols);
  for (int i = 0; i < nc; i++) cols[i] = i;
  em_options o = {0};
  /* Batches of any size (values decoded batch by batch cross pages at
   * any row), with or without a helper decoding row groups ahead. */
  static const int64_t batch_sizes[] = {1000, 1, 7, 64, 333, 4096};
  em_read_request rq = {.split = &sp, .data_schema = schema, .columns = cols, .ncolumns = nc, .options = &o,
                        .session_tz = "UTC", .batch_rows = batch_sizes[rnd() % 6],
                        .submit = rnd() % 2 ? submit_inline : NULL};
  em_format_reader *r;
  em_error err;
  if (PQF.open(&rq, &r, &err)) {
    fprintf(stderr, "open: %s\n", err.msg);
    CHECK(0);
  }
  int bi = 0;
  int64_t brow = 0;
  for (;;) {
    em_batch *b;
    if (PQF.next(r, &b, &err)) {
      fprintf(stderr, "next: %s\n", err.msg);
      CHECK(0);
    }
    if (!b) break;
    for (int64_t row = 0; row < b->nrows; row++) {
      while (bi < nin && brow == in[bi]->nrows) bi++, brow = 0;
      CHECK(bi < nin);
      for (int c = 0; c < nc; c++) {
        if (!em_test_row_equal(in[bi]->cols[c], brow, b->cols[c], row)) {
          fprintf(stderr, "mismatch: batch %d row %lld column %s\n", bi, (long long)brow,
                  schema->u.st.fields[c].name);
          CHECK(0);
        }
      }
      brow++;
    }
    em_batch_unref(b);
  }
  while (bi < nin && brow == in[bi]->nrows) bi++, brow = 0;
  CHECK_EQ_INT(bi, nin);
  PQF.close(r);
  free(cols);
}

static const char *const SCHEMAS[] = {
    ("id BIGINT NOT NULL, b BOOLEAN, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT, f32 FLOAT, f64 DOUBLE, "
     "d9 DECIMAL(9,2), d18 DECIMAL(18,3), d30 DECIMAL(30,4), d38 DECIMAL(38,0), s STRING, bin BINARY, dt DATE, "
     "ts TIMESTAMP, ntz TIMESTAMP_NTZ"),
    ("ai ARRAY<INT>, ass ARRAY<STRING>, m MAP<STRING, BIGINT>, st STRUCT<a: INT, b: STRING NOT NULL>, "
     "ast ARRAY<STRUCT<x: DOUBLE, y: ARRAY<BIGINT>>>, mm MAP<INT, MAP<STRING, DECIMAL(20,2)>>"),
    "s STRING NOT NULL, nested STRUCT<p: STRUCT<q: ARRAY<ARRAY<STRING>>>, r: MAP<DATE, ARRAY<BOOLEAN>>>",
    "ym INTERVAL YEAR TO MONTH, dti INTERVAL DAY TO SECOND, v VOID, i INT",
};

TEST(roundtrip_random) {
  static const char *const codecs[] = {"none", "snappy", "gzip", "zstd", "lz4", "lz4_raw"};
  static const char *const tsout[] = {"INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS"};
  for (int iter = 0; iter < 48; iter++) {
    em_type *schema = schema_of(SCHEMAS[iter % 4]);
    if (iter % 4 == 1) schema->u.st.fields[1].type->u.array.contains_null = false; /* required elements */
    null_p = (double)(rnd() % 4) / 6.0;
    str_card = rnd() % 3 == 0 ? 0 : (int)rnd_in(1, 300);
    char page[32], block[32], dict[32];
    snprintf(page, sizeof page, "%lld", (long long)rnd_in(64, 40000));
    snprintf(block, sizeof block, "%lld", (long long)rnd_in(2000, 400000));
    snprintf(dict, sizeof dict, "%lld", (long long)rnd_in(100, 1 << 20));
    const char *keys[] = {"compression", "parquet.page.size", "parquet.block.size", "parquet.dictionary.page.size",
                          "spark.sql.parquet.outputTimestampType"};
    const char *vals[] = {codecs[rnd() % 6], page, block, dict, tsout[rnd() % 3]};
    em_options o = {5, keys, vals};
    const char *path = tmp_path("rt.parquet");
    void *w;
    em_error err;
    if (PQF.write_open(path, schema, &o, "UTC", &w, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      CHECK(0);
    }
    int nb = (int)rnd_in(0, 3);
    em_batch *in[3];
    for (int i = 0; i < nb; i++) {
      in[i] = random_batch(schema, rnd_in(0, 2500));
      if (PQF.write_batch(w, in[i], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK(0);
      }
    }
    CHECK(PQF.write_close(w, 1, &err) == 0);
    check_read_back(path, schema, in, nb);
    for (int i = 0; i < nb; i++) em_batch_unref(in[i]);
    em_type_unref(schema);
    unlink(path);
  }
  rmdir(tmpdir);
}

TEST(abort_removes_file) {
  em_type *schema = schema_of("a INT");
  em_options o = {0};
  const char *path = tmp_path("abort.parquet");
  void *w;
  em_error err;
  CHECK(PQF.write_open(path, schema, &o, "UTC", &w, &err) == 0);
  em_batch *b = random_batch(schema, 10);
  CHECK(PQF.write_batch(w, b, &err) == 0);
  CHECK(PQF.write_close(w, 0, &err) == 0);
  CHECK(access(path, F_OK) != 0);
  em_batch_unref(b);
  em_type_unref(schema);
  rmdir(tmpdir);
}

static void check_refused(const char *ddl, em_errclass cls) {
  em_type *schema = schema_of(ddl);
  em_options o = {0};
  em_error err;
  CHECK(PQF.write_check(schema, &o, &err) != 0);
  if (err.cls != cls) fprintf(stderr, "%s: %s\n", ddl, err.msg);
  CHECK(err.cls == cls);
  em_type_unref(schema);
}

TEST(write_check_refusals) {
  check_refused("a INT, c INTERVAL", EM_ERR_UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE);
  check_refused("a ARRAY<INTERVAL>", EM_ERR_UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE);
  check_refused("a INT, t TIME", EM_ERR_UNSUPPORTED_TIME_TYPE);
  check_refused("a STRUCT<>", EM_ERR_EMPTY_SCHEMA_NOT_SUPPORTED_FOR_DATASOURCE);
  check_refused("a VARIANT", EM_ERR_UNSUPPORTED_FEATURE);
  const char *keys[] = {"compression"}, *vals[] = {"foo"};
  em_options o = {1, keys, vals};
  em_type *schema = schema_of("a INT");
  em_error err;
  CHECK(PQF.write_check(schema, &o, &err) != 0);
  CHECK(err.cls == EM_ERR_CODEC_NOT_AVAILABLE_WITH_AVAILABLE_CODECS_SUGGESTION);
  em_type_unref(schema);
}

TEST(extensions) {
  static const char *const pairs[][2] = {{"none", ".parquet"},       {"uncompressed", ".parquet"},
                                         {"SNAPPY", ".snappy.parquet"}, {"gzip", ".gz.parquet"},
                                         {"zstd", ".zstd.parquet"},  {"lz4", ".lz4hadoop.parquet"},
                                         {"lz4_raw", ".lz4raw.parquet"}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    const char *keys[] = {"compression"}, *vals[] = {pairs[i][0]};
    em_options o = {1, keys, vals};
    em_error err;
    CHECK_EQ_STR(PQF.extension(&o, &err), pairs[i][1]);
  }
  em_options none = {0};
  em_error err;
  CHECK_EQ_STR(PQF.extension(&none, &err), ".snappy.parquet");
}

TEST_LIST{
    TEST_ENTRY(rle_roundtrip),
    TEST_ENTRY(roundtrip_random),
    TEST_ENTRY(abort_removes_file),
    TEST_ENTRY(write_check_refusals),
    TEST_ENTRY(extensions),
    TEST_END,
};
