/*
 * Arrow IPC tests: round trips through our writer and reader for every
 * Spark type (with nulls, nesting, empty batches and no batches), hostile
 * byte streams (truncations, bit flips, the arrow-testing fuzz corpus) and
 * the Arrow integration files, whose values are compared against the
 * accompanying JSON (see ipc_json.h for the comparer).
 */
#include "runner.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arrow/arrow.h"
#include "ipc_testlib.h"

/* ---- building a batch with every type ---- */

static em_type *all_types_schema(void) {
  em_type *st_inner = em_type_struct_new(2);
  em_type_struct_set(st_inner, 0, "a", em_type_int(), true, NULL);
  em_type_struct_set(st_inner, 1, "b", em_type_string(), true, "{\"comment\":\"inner\"}");
  em_type *s = em_type_struct_new(23);
  int i = 0;
  em_type_struct_set(s, i++, "bool", em_type_boolean(), true, NULL);
  em_type_struct_set(s, i++, "byte", em_type_byte(), true, NULL);
  em_type_struct_set(s, i++, "short", em_type_short(), false, NULL);
  em_type_struct_set(s, i++, "int", em_type_int(), true, "{}");
  em_type_struct_set(s, i++, "long", em_type_long(), true, "{\"k\":1}");
  em_type_struct_set(s, i++, "float", em_type_float(), true, NULL);
  em_type_struct_set(s, i++, "double", em_type_double(), true, NULL);
  em_type_struct_set(s, i++, "dec", em_type_decimal(38, 9), true, NULL);
  em_type_struct_set(s, i++, "str", em_type_string(), true, NULL);
  em_type_struct_set(s, i++, "bin", em_type_binary(), true, NULL);
  em_type_struct_set(s, i++, "date", em_type_date(), true, NULL);
  em_type_struct_set(s, i++, "ts", em_type_timestamp(), true, NULL);
  em_type_struct_set(s, i++, "ts_ntz", em_type_timestamp_ntz(), true, NULL);
  em_type_struct_set(s, i++, "dt", em_type_dt_interval(EM_DT_DAY, EM_DT_SECOND), true, NULL);
  em_type_struct_set(s, i++, "ym", em_type_ym_interval(EM_YM_YEAR, EM_YM_MONTH), true, NULL);
  em_type_struct_set(s, i++, "cal", em_type_cal_interval(), true, NULL);
  em_type_struct_set(s, i++, "null", em_type_null(), true, NULL);
  em_type_struct_set(s, i++, "arr", em_type_array(em_type_long(), true), true, NULL);
  em_type_struct_set(s, i++, "list_of_struct", em_type_array(em_type_ref(st_inner), true), true, NULL);
  em_type_struct_set(s, i++, "map", em_type_map(em_type_string(), em_type_array(em_type_int(), true), true), true, NULL);
  em_type_struct_set(s, i++, "struct", st_inner, true, NULL);
  em_type_struct_set(s, i++, "time", em_type_time(6), true, NULL);
  em_type_struct_set(s, i++, "nested_arr", em_type_array(em_type_array(em_type_string(), false), true), false, NULL);
  CHECK_EQ_INT(i, 23);
  return s;
}

/* Appends a deterministic value for row r (null when r % 5 == k). */
static void fill_vec(em_vec *v, int64_t rows, int salt);

static void append_value(em_vec *v, int64_t r, int salt) {
  const em_type *t = v->type;
  if (t->id == EM_T_NULL || (r % 5 == (salt % 5) && t->id != EM_T_STRUCT)) {
    CHECK_EQ_INT(em_vec_append_null(v), 0);
    return;
  }
  int64_t x = r * 1000003 + salt;
  switch (t->id) {
  case EM_T_BOOLEAN: CHECK_EQ_INT(em_vec_append_bool(v, (x & 3) == 1), 0); break;
  case EM_T_STRING:
  case EM_T_BINARY: {
    char s[64];
    int n = snprintf(s, sizeof s, "v%lld-%s", (long long)x, (r % 3) ? "ü∂" : "");
    CHECK_EQ_INT(em_vec_append_bytes(v, s, (size_t)(r % 7 == 0 ? 0 : n)), 0);
    break;
  }
  case EM_T_FLOAT: {
    float f = (float)x / 7.0f;
    CHECK_EQ_INT(em_vec_append_fixed(v, &f), 0);
    break;
  }
  case EM_T_DOUBLE: {
    double d = (double)x / 3.0;
    CHECK_EQ_INT(em_vec_append_fixed(v, &d), 0);
    break;
  }
  case EM_T_DECIMAL:
  case EM_T_CAL_INTERVAL: {
    int64_t w[2] = {x * 977 - 5000000, r % 2 ? -1 : 0};
    CHECK_EQ_INT(em_vec_append_fixed(v, w), 0);
    break;
  }
  case EM_T_ARRAY: {
    for (int k = 0; k < r % 4; k++) append_value(v->children[0], r * 4 + k, salt + 1);
    CHECK_EQ_INT(em_vec_append_list_end(v), 0);
    break;
  }
  case EM_T_MAP: {
    em_vec *e = v->children[0];
    for (int k = 0; k < r % 3; k++) {
      char key[16];
      int n = snprintf(key, sizeof key, "k%d", k);
      CHECK_EQ_INT(em_vec_append_bytes(e->children[0], key, (size_t)n), 0);
      append_value(e->children[1], r * 3 + k, salt + 2);
      CHECK_EQ_INT(em_vec_append_struct_end(e, true), 0);
    }
    CHECK_EQ_INT(em_vec_append_list_end(v), 0);
    break;
  }
  case EM_T_STRUCT:
    if (r % 4 == 3) {
      CHECK_EQ_INT(em_vec_append_null(v), 0);
      break;
    }
    for (int k = 0; k < v->nchildren; k++) append_value(v->children[k], r, salt + k);
    CHECK_EQ_INT(em_vec_append_struct_end(v, true), 0);
    break;
  default: {
    int w = em_type_fixed_width(t);
    CHECK(w == 1 || w == 2 || w == 4 || w == 8);
    CHECK_EQ_INT(em_vec_append_fixed(v, &x), 0); /* little endian: low bytes */
    break;
  }
  }
}

static void fill_vec(em_vec *v, int64_t rows, int salt) {
  for (int64_t r = 0; r < rows; r++) append_value(v, r, salt);
}

static em_batch *make_batch(em_type *schema, int64_t rows, int salt) {
  int n = schema->u.st.nfields;
  em_vec **cols = calloc((size_t)n, sizeof *cols);
  for (int i = 0; i < n; i++) {
    cols[i] = em_vec_new(schema->u.st.fields[i].type, 0);
    CHECK(cols[i]);
    fill_vec(cols[i], rows, salt + i);
  }
  em_batch *b = em_batch_new(em_type_ref(schema), n, cols, rows);
  free(cols);
  CHECK(b);
  return b;
}

static void round_trip(em_type *schema, em_batch **batches, int n, bool large) {
  em_ipc_write_opts opts = {"Europe/Berlin", large};
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  CHECK_EQ_INT(em_ipc_write_stream(schema, batches, n, &opts, &sb, &err), 0);
  CHECK(sb.len % 8 == 0);
  em_type *rs = NULL;
  em_batch **rb = NULL;
  int rn = -1;
  int rc = em_ipc_read_stream_any((const uint8_t *)sb.data, sb.len, &rs, &rb, &rn, &err);
  if (rc) fprintf(stderr, "read failed: %s\n", err.msg);
  CHECK_EQ_INT(rc, 0);
  CHECK(em_type_equal(rs, schema, false));
  CHECK_EQ_INT(rn, n);
  for (int i = 0; i < n; i++) {
    CHECK_EQ_INT(rb[i]->nrows, batches[i]->nrows);
    CHECK_EQ_INT(rb[i]->ncols, batches[i]->ncols);
    for (int c = 0; c < rb[i]->ncols; c++) {
      CHECK(rb[i]->cols[c]->null_count == batches[i]->cols[c]->null_count);
      CHECK(em_test_vec_equal(rb[i]->cols[c], batches[i]->cols[c]));
    }
  }
  em_batches_free(rb, rn);
  em_type_unref(rs);
  em_strbuf_free(&sb);
}

TEST(round_trip_every_type) {
  em_type *s = all_types_schema();
  em_batch *b[3] = {make_batch(s, 100, 0), make_batch(s, 0, 1), make_batch(s, 17, 2)};
  round_trip(s, b, 3, false);
  round_trip(s, b, 3, true);
  for (int i = 0; i < 3; i++) em_batch_unref(b[i]);
  em_type_unref(s);
}

TEST(round_trip_no_batches_and_empty_schema) {
  em_type *s = all_types_schema();
  round_trip(s, NULL, 0, false);
  em_type_unref(s);
  em_type *e = em_type_struct_new(0);
  em_batch *b = em_batch_new(em_type_ref(e), 0, NULL, 5);
  round_trip(e, &b, 1, false);
  em_batch_unref(b);
  em_type_unref(e);
}

TEST(round_trip_sliced_and_char_varchar) {
  em_type *s = all_types_schema();
  em_batch *b = make_batch(s, 64, 7);
  em_batch *sl[2] = {em_batch_slice_copy(b, 3, 29), em_batch_slice_copy(b, 33, 31)};
  round_trip(s, sl, 2, false);
  em_batch_unref(sl[0]);
  em_batch_unref(sl[1]);
  em_batch_unref(b);
  em_type_unref(s);

  /* CHAR/VARCHAR are written as utf8 and come back as STRING. */
  em_type *cs = em_type_struct_new(1);
  em_type_struct_set(cs, 0, "c", em_type_varchar(10), true, NULL);
  em_vec *v = em_vec_new(cs->u.st.fields[0].type, 0);
  em_vec_append_bytes(v, "abc", 3);
  em_vec_append_null(v);
  em_batch *cb = em_batch_new(em_type_ref(cs), 1, &v, 2);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  CHECK_EQ_INT(em_ipc_write_stream(cs, &cb, 1, NULL, &sb, &err), 0);
  em_type *rs;
  em_batch **rb;
  int rn;
  CHECK_EQ_INT(em_ipc_read_stream_any((const uint8_t *)sb.data, sb.len, &rs, &rb, &rn, &err), 0);
  CHECK_EQ_INT(rs->u.st.fields[0].type->id, EM_T_STRING);
  CHECK(em_test_vec_equal(rb[0]->cols[0], v));
  em_batches_free(rb, rn);
  em_type_unref(rs);
  em_strbuf_free(&sb);
  em_batch_unref(cb);
  em_type_unref(cs);
}

TEST(variant_is_refused_on_write) {
  em_type *s = em_type_struct_new(1);
  em_type_struct_set(s, 0, "v", em_type_variant(), true, NULL);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  CHECK_EQ_INT(em_ipc_write_stream(s, NULL, 0, NULL, &sb, &err), -1);
  CHECK_EQ_INT(err.cls, EM_ERR_UNSUPPORTED_DATATYPE);
  em_strbuf_free(&sb);
  em_type_unref(s);
}

/* ---- hostile input ---- */

static int read_quiet(const uint8_t *p, size_t n) {
  em_type *s = NULL;
  em_batch **b = NULL;
  int nb = 0;
  em_error err;
  int rc = em_ipc_read_stream_any(p, n, &s, &b, &nb, &err);
  if (rc == 0) {
    CHECK(s);
    em_batches_free(b, nb);
    em_type_unref(s);
  } else {
    CHECK(s == NULL && b == NULL && err.msg[0]);
  }
  return rc;
}

TEST(truncations_and_bit_flips_fail_cleanly) {
  em_type *s = all_types_schema();
  em_batch *b = make_batch(s, 20, 3);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  CHECK_EQ_INT(em_ipc_write_stream(s, &b, 1, NULL, &sb, &err), 0);
  const uint8_t *d = (const uint8_t *)sb.data;
  int failed = 0;
  for (size_t cut = 0; cut < sb.len; cut++) failed += read_quiet(d, cut) != 0;
  CHECK(failed > 0);
  uint8_t *m = malloc(sb.len);
  int ok_flips = 0, bad_flips = 0;
  for (size_t i = 0; i < sb.len; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      memcpy(m, d, sb.len);
      m[i] ^= (uint8_t)(1u << bit);
      if (read_quiet(m, sb.len) == 0)
        ok_flips++;
      else
        bad_flips++;
    }
  }
  CHECK(bad_flips > 0 && ok_flips > 0);
  free(m);
  em_strbuf_free(&sb);
  em_batch_unref(b);
  em_type_unref(s);
}

TEST(garbage_and_empty_inputs) {
  CHECK_EQ_INT(read_quiet(NULL, 0), -1); /* no schema */
  static const uint8_t eos[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  CHECK_EQ_INT(read_quiet(eos, 8), -1);
  static const uint8_t huge[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  CHECK_EQ_INT(read_quiet(huge, 8), -1);
  uint8_t junk[256];
  for (int i = 0; i < 256; i++) junk[i] = (uint8_t)(i * 37 + 11);
  CHECK_EQ_INT(read_quiet(junk, sizeof junk), -1);
}

/* ---- the arrow-testing corpus ---- */

typedef struct walk_stats {
  int files, ok, failed;
} walk_stats;

static void walk(const char *dir, walk_stats *st) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat sbuf;
    if (stat(path, &sbuf)) continue;
    if (S_ISDIR(sbuf.st_mode)) {
      walk(path, st);
      continue;
    }
    size_t nl = strlen(e->d_name);
    bool is_stream = nl > 7 && strcmp(e->d_name + nl - 7, ".stream") == 0;
    bool is_fuzz = strstr(e->d_name, "crash") || strstr(e->d_name, "clusterfuzz") || strstr(dir, "fuzz");
    if (!is_stream && !is_fuzz) continue;
    size_t n;
    uint8_t *data = em_test_read_file(path, &n);
    if (!data) continue;
    st->files++;
    if (read_quiet(data, n) == 0)
      st->ok++;
    else
      st->failed++;
    free(data);
  }
  closedir(d);
}

TEST(arrow_testing_corpus_never_crashes) {
  const char *td = getenv("EMBER_TESTDATA");
  if (!td) td = "../shared/testdata";
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/arrow-testing/data/arrow-ipc-stream", td);
  walk_stats st = {0};
  walk(dir, &st);
  printf("arrow-ipc-stream corpus: %d files, %d read, %d rejected\n", st.files, st.ok, st.failed);
  CHECK(st.files > 100);
  CHECK(st.ok > 50);
}


/* ---- the Arrow integration files, compared with their JSON ---- */

typedef struct integ_stats {
  int files, matched, rejected;
  int64_t rows;
} integ_stats;

static void check_integration_file(const char *stream_path, integ_stats *st, bool print) {
  char json_path[4096];
  size_t pl = strlen(stream_path);
  snprintf(json_path, sizeof json_path, "%.*s.json.gz", (int)(pl - 7), stream_path);
  size_t n, jn;
  uint8_t *data = em_test_read_file(stream_path, &n);
  char *js = em_test_read_gz(json_path, &jn);
  if (!data || !js) {
    free(data);
    free(js);
    return;
  }
  st->files++;
  em_type *s = NULL;
  em_batch **b = NULL;
  int nb = 0;
  em_error err;
  if (em_ipc_read_stream_any(data, n, &s, &b, &nb, &err)) {
    st->rejected++;
    if (print && !strstr(stream_path, "bigendian")) printf("  rejected %s: %s\n", stream_path, err.msg);
  } else {
    jv *root = jparse(js, jn);
    CHECK(root);
    jcmp c;
    int64_t rows = em_test_compare_json(root, s, b, nb, &c);
    if (rows < 0) fprintf(stderr, "MISMATCH %s: %s\n", stream_path, c.why);
    CHECK(rows >= 0);
    st->matched++;
    st->rows += rows;
    jfree(root);
    em_batches_free(b, nb);
    em_type_unref(s);
  }
  free(data);
  free(js);
}

static void walk_integration(const char *dir, integ_stats *st) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat sbuf;
    if (stat(path, &sbuf)) continue;
    if (S_ISDIR(sbuf.st_mode)) {
      walk_integration(path, st);
      continue;
    }
    size_t nl = strlen(e->d_name);
    if (nl > 7 && strcmp(e->d_name + nl - 7, ".stream") == 0) check_integration_file(path, st, true);
  }
  closedir(d);
}

static const char *integration_dir(char *buf, size_t n) {
  const char *td = getenv("EMBER_TESTDATA");
  if (!td) td = "../shared/testdata";
  snprintf(buf, n, "%s/arrow-testing/data/arrow-ipc-stream/integration", td);
  return buf;
}

TEST(integration_files_match_their_json) {
  char dir[4096];
  integ_stats st = {0};
  walk_integration(integration_dir(dir, sizeof dir), &st);
  printf("integration: %d files with JSON, %d read and matched (%lld rows), %d rejected\n", st.files, st.matched,
         (long long)st.rows, st.rejected);
  CHECK(st.files >= 91);
  CHECK(st.matched >= 58);
}

/* The files whose types Spark has must read and match in every version. */
TEST(integration_must_pass) {
  static const char *versions[] = {"0.14.1", "1.0.0-littleendian", "cpp-21.0.0"};
  static const char *names[] = {"generated_primitive", "generated_primitive_no_batches",
                                "generated_primitive_zerolength", "generated_nested", "generated_datetime",
                                "generated_decimal", "generated_dictionary", "generated_map", NULL};
  static const char *v1[] = {"generated_null", "generated_null_trivial", "generated_nested_large_offsets",
                             "generated_custom_metadata",
                             "generated_duplicate_fieldnames", "generated_recursive_nested",
                             "generated_nested_dictionary", "generated_map_non_canonical", "generated_extension",
                             "generated_dictionary_unsigned", NULL};
  char dir[4096], path[8192];
  integration_dir(dir, sizeof dir);
  integ_stats st = {0};
  int expected = 0;
  for (size_t v = 0; v < EM_ARRAY_LEN(versions); v++) {
    for (const char **nm = names; *nm; nm++, expected++) {
      snprintf(path, sizeof path, "%s/%s/%s.stream", dir, versions[v], *nm);
      check_integration_file(path, &st, true);
    }
    if (v == 0) continue;
    for (const char **nm = v1; *nm; nm++, expected++) {
      snprintf(path, sizeof path, "%s/%s/%s.stream", dir, versions[v], *nm);
      check_integration_file(path, &st, true);
    }
  }
  snprintf(path, sizeof path, "%s/1.0.0-littleendian/generated_primitive_large_offsets.stream", dir);
  check_integration_file(path, &st, true);
  expected++;
  static const char *compressed[] = {"generated_lz4", "generated_zstd", "generated_uncompressible_lz4",
                                     "generated_uncompressible_zstd"};
  for (size_t k = 0; k < EM_ARRAY_LEN(compressed); k++, expected++) {
    snprintf(path, sizeof path, "%s/2.0.0-compression/%s.stream", dir, compressed[k]);
    check_integration_file(path, &st, true);
  }
  static const char *cpp[] = {"generated_interval_mdn", "generated_binary", "generated_large_binary",
                              "generated_decimal32", "generated_decimal64", "generated_binary_zerolength",
                              "generated_binary_no_batches"};
  for (size_t k = 0; k < EM_ARRAY_LEN(cpp); k++, expected++) {
    snprintf(path, sizeof path, "%s/cpp-21.0.0/%s.stream", dir, cpp[k]);
    check_integration_file(path, &st, true);
  }
  printf("must-pass: %d/%d matched\n", st.matched, expected);
  CHECK_EQ_INT(st.files, expected);
  CHECK_EQ_INT(st.matched, expected);
}


/* ---- interoperability with pyarrow (when a Python with pyarrow is found) ---- */

static const char *find_python(void) {
  static char buf[4096];
  const char *env = getenv("EMBER_PYTHON");
  if (env && access(env, X_OK) == 0) return env;
  const char *src = getenv("EMBER_SOURCE_DIR");
  const char *cands[] = {"%s/.venv/bin/python", "%s/../main/.venv/bin/python"};
  for (size_t i = 0; src && i < EM_ARRAY_LEN(cands); i++) {
    snprintf(buf, sizeof buf, cands[i], src);
    if (access(buf, X_OK) == 0) return buf;
  }
  return NULL;
}

static int run_python(const char *py, const char *script, const char *a1, const char *a2, const char *a3) {
  char spath[] = "/tmp/em_ipc_py_XXXXXX";
  int fd = mkstemp(spath);
  CHECK(fd >= 0);
  CHECK(write(fd, script, strlen(script)) == (ssize_t)strlen(script));
  close(fd);
  char cmd[16384];
  snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s' '%s'", py, spath, a1, a2, a3);
  int rc = system(cmd);
  unlink(spath);
  return rc;
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f);
  CHECK(fwrite(p, 1, n, f) == n);
  fclose(f);
}

/* Rows of a list of batches as one sequence. */
static bool batches_equal_flat(em_batch **a, int na, em_batch **b, int nb) {
  int ia = 0, ib = 0;
  int64_t ra = 0, rb = 0;
  for (;;) {
    while (ia < na && ra == a[ia]->nrows) ia++, ra = 0;
    while (ib < nb && rb == b[ib]->nrows) ib++, rb = 0;
    if (ia == na || ib == nb) return ia == na && ib == nb;
    for (int c = 0; c < a[ia]->ncols; c++)
      if (!em_test_row_equal(a[ia]->cols[c], ra, b[ib]->cols[c], rb)) {
        fprintf(stderr, "row mismatch in column %s\n", a[ia]->schema->u.st.fields[c].name);
        return false;
      }
    ra++, rb++;
  }
}

/* Our writer -> pyarrow (full validation, re-written with and without
 * compression) -> our reader gives back the same schema and values. */
TEST(pyarrow_round_trip_of_our_streams) {
  const char *py = find_python();
  if (!py) {
    printf("skipped: no Python with pyarrow (set EMBER_PYTHON)\n");
    return;
  }
  static const char *script =
      "import sys, pyarrow as pa, pyarrow.ipc as ipc\n"
      "t = ipc.open_stream(open(sys.argv[1], 'rb').read()).read_all()\n"
      "t.validate(full=True)\n"
      "c = sys.argv[3] if sys.argv[3] != 'none' else None\n"
      "with ipc.new_stream(sys.argv[2], t.schema, options=ipc.IpcWriteOptions(compression=c)) as w:\n"
      "    for b in t.to_batches(): w.write_batch(b)\n";
  em_type *full = all_types_schema();
  /* pyarrow has no interval[months]: leave the year-month column out. */
  em_type *s = em_type_struct_new(full->u.st.nfields - 1);
  for (int i = 0, k = 0; i < full->u.st.nfields; i++) {
    const em_field *f = &full->u.st.fields[i];
    if (f->type->id == EM_T_YM_INTERVAL) continue;
    em_type_struct_set(s, k++, f->name, em_type_ref(f->type), f->nullable, f->metadata);
  }
  em_type_unref(full);
  em_batch *b[2] = {make_batch(s, 200, 4), make_batch(s, 33, 9)};
  static const char *codecs[] = {"none", "lz4", "zstd"};
  for (int large = 0; large < 2; large++) {
    em_ipc_write_opts opts = {"America/New_York", large};
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_error err;
    CHECK_EQ_INT(em_ipc_write_stream(s, b, 2, &opts, &sb, &err), 0);
    char in[] = "/tmp/em_ipc_in_XXXXXX", out[] = "/tmp/em_ipc_out_XXXXXX";
    close(mkstemp(in));
    close(mkstemp(out));
    write_file(in, sb.data, sb.len);
    for (size_t c = 0; c < EM_ARRAY_LEN(codecs); c++) {
      CHECK_EQ_INT(run_python(py, script, in, out, codecs[c]), 0);
      size_t n;
      uint8_t *data = em_test_read_file(out, &n);
      em_type *rs;
      em_batch **rb;
      int rn;
      int rc = em_ipc_read_stream_any(data, n, &rs, &rb, &rn, &err);
      if (rc) fprintf(stderr, "%s\n", err.msg);
      CHECK_EQ_INT(rc, 0);
      CHECK(em_type_equal(rs, s, false));
      CHECK(batches_equal_flat(b, 2, rb, rn));
      em_batches_free(rb, rn);
      em_type_unref(rs);
      free(data);
    }
    unlink(in);
    unlink(out);
    em_strbuf_free(&sb);
  }
  em_batch_unref(b[0]);
  em_batch_unref(b[1]);
  em_type_unref(s);
}

/* What pandas users send: pyarrow streams from DataFrames. */
TEST(pyarrow_streams_from_pandas) {
  const char *py = find_python();
  if (!py) {
    printf("skipped: no Python with pyarrow (set EMBER_PYTHON)\n");
    return;
  }
  static const char *script =
      "import sys, datetime, decimal, pandas as pd, pyarrow as pa, pyarrow.ipc as ipc\n"
      "df = pd.DataFrame({\n"
      "  'i': [1, None, 3], 'f': [1.5, float('nan'), -2.0], 's': ['a', None, 'ccc'],\n"
      "  'b': [True, False, None],\n"
      "  'ts': pd.to_datetime(['2024-01-02 03:04:05.123456789', None, '1969-12-31 23:59:59.9999995']),\n"
      "  'tstz': pd.to_datetime(['2024-01-02 03:04:05', None, '2000-01-01 00:00:00']).tz_localize('UTC')"
      ".tz_convert('Europe/Paris'),\n"
      "  'd': [datetime.date(2024, 1, 2), None, datetime.date(1960, 1, 1)],\n"
      "  'dec': [decimal.Decimal('123.45'), None, decimal.Decimal('-0.01')],\n"
      "  'l': [[1, 2], None, []],\n"
      "  'st': [{'x': 1, 'y': 'p'}, None, {'x': None, 'y': 'q'}],\n"
      "  'cat': pd.Categorical(['u', 'v', None]),\n"
      "  'bin': [b'\\x00\\x01', None, b''],\n"
      "  'dur': pd.to_timedelta(['1s', None, '-1ms']),\n"
      "})\n"
      "t = pa.Table.from_pandas(df, preserve_index=False)\n"
      "m = pa.array([[('k1', 1)], None, []], type=pa.map_(pa.string(), pa.int32()))\n"
      "t = t.append_column('m', m)\n"
      "c = sys.argv[3] if sys.argv[3] != 'none' else None\n"
      "with ipc.new_stream(sys.argv[1], t.schema, options=ipc.IpcWriteOptions(compression=c)) as w:\n"
      "    w.write_table(t, max_chunksize=2)\n";
  static const char *codecs[] = {"none", "zstd"};
  for (size_t ci = 0; ci < EM_ARRAY_LEN(codecs); ci++) {
    char path[] = "/tmp/em_ipc_pd_XXXXXX";
    close(mkstemp(path));
    CHECK_EQ_INT(run_python(py, script, path, "-", codecs[ci]), 0);
    size_t n;
    uint8_t *data = em_test_read_file(path, &n);
    unlink(path);
    em_type *s;
    em_batch **b;
    int nb;
    em_error err;
    int rc = em_ipc_read_stream_any(data, n, &s, &b, &nb, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(nb, 2);
    static const em_type_id want[] = {EM_T_DOUBLE, EM_T_DOUBLE, EM_T_STRING, EM_T_BOOLEAN, EM_T_TIMESTAMP_NTZ,
                                      EM_T_TIMESTAMP, EM_T_DATE, EM_T_DECIMAL, EM_T_ARRAY, EM_T_STRUCT,
                                      EM_T_STRING, EM_T_BINARY, EM_T_DT_INTERVAL, EM_T_MAP};
    CHECK_EQ_INT(s->u.st.nfields, (int)EM_ARRAY_LEN(want));
    for (size_t i = 0; i < EM_ARRAY_LEN(want); i++) CHECK_EQ_INT(s->u.st.fields[i].type->id, want[i]);
    CHECK_EQ_STR(s->u.st.fields[0].name, "i");
    /* Batch 0 holds rows 0-1, batch 1 row 2. */
    CHECK_EQ_INT(b[0]->nrows, 2);
    const em_vec *ts = b[0]->cols[4];
    CHECK_EQ_INT(((int64_t *)em_vec_values(ts))[0], 1704164645123456LL); /* ns floored to us */
    CHECK(em_vec_is_null(ts, 1));
    CHECK_EQ_INT(((int64_t *)em_vec_values(b[1]->cols[4]))[0], -1); /* floor, not truncation */
    CHECK_EQ_INT(((int64_t *)em_vec_values(b[0]->cols[5]))[0], 1704164645000000LL);
    CHECK_EQ_INT(((int32_t *)em_vec_values(b[1]->cols[6]))[0], -3653);
    const uint8_t *dec = b[0]->cols[7]->values->data;
    int64_t lo;
    memcpy(&lo, dec, 8);
    CHECK_EQ_INT(lo, 12345);
    CHECK_EQ_INT(s->u.st.fields[7].type->u.dec.scale, 2);
    int32_t len;
    const char *cat = em_vec_str(b[0]->cols[10], 1, &len);
    CHECK(len == 1 && cat[0] == 'v');
    CHECK(em_vec_is_null(b[1]->cols[10], 0));
    CHECK_EQ_INT(((int64_t *)em_vec_values(b[0]->cols[12]))[0], 1000000);
    CHECK_EQ_INT(((int64_t *)em_vec_values(b[1]->cols[12]))[0], -1000);
    const em_vec *st = b[1]->cols[9];
    CHECK(!em_vec_is_null(st, 0) && em_vec_is_null(st->children[0], 0));
    const em_vec *m = b[0]->cols[13];
    CHECK_EQ_INT(em_vec_offsets(m)[1], 1);
    CHECK(em_vec_is_null(m, 1));
    CHECK_EQ_STR(m->children[0]->type->u.st.fields[0].name, "key");
    em_batches_free(b, nb);
    em_type_unref(s);
    free(data);
  }
}

TEST_LIST{
    TEST_ENTRY(round_trip_every_type),
    TEST_ENTRY(round_trip_no_batches_and_empty_schema),
    TEST_ENTRY(round_trip_sliced_and_char_varchar),
    TEST_ENTRY(variant_is_refused_on_write),
    TEST_ENTRY(truncations_and_bit_flips_fail_cleanly),
    TEST_ENTRY(garbage_and_empty_inputs),
    TEST_ENTRY(arrow_testing_corpus_never_crashes),
    TEST_ENTRY(integration_files_match_their_json),
    TEST_ENTRY(integration_must_pass),
    TEST_ENTRY(pyarrow_round_trip_of_our_streams),
    TEST_ENTRY(pyarrow_streams_from_pandas),
    TEST_END,
};
