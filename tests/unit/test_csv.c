/*
 * Unit tests for the CSV format: the tokenizer, Spark's schema inference
 * and widening, the reader's conversions and malformed-record modes,
 * Hadoop's split rule, and the writer's quoting.
 */
#include "runner.h"

#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "io/csv_int.h"

static char tmpdir[64];

static const char *write_tmp(const char *name, const char *content) {
  static char path[256];
  if (!tmpdir[0]) {
    strcpy(tmpdir, "/tmp/em_test_csv_XXXXXX");
    CHECK(mkdtemp(tmpdir));
  }
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  CHECK(f);
  fwrite(content, 1, strlen(content), f);
  fclose(f);
  return path;
}

typedef struct opts {
  const char *k[16], *v[16];
  int n;
} opts;

static em_options mkopts(opts *o) { return (em_options){o->n, o->k, o->v}; }

static em_type *infer(const char *content, opts *o) {
  const char *p = write_tmp("infer.csv", content);
  em_file f = {p, (int64_t)strlen(content), 0};
  em_options eo = mkopts(o);
  em_type *t = NULL;
  em_error err;
  int rc = em_format_find("csv")->infer_schema(&f, 1, &eo, "UTC", &t, &err);
  if (rc) fprintf(stderr, "infer failed: %s\n", err.msg);
  CHECK_EQ_INT(rc, 0);
  return t;
}

static char *schema_str(em_type *t) {
  static char buf[512];
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_type_simple_string(t, &sb);
  snprintf(buf, sizeof buf, "%s", sb.data);
  em_strbuf_free(&sb);
  em_type_unref(t);
  return buf;
}

/* Reads every row of content with the schema, rendering rows as text. */
static int read_all(const char *content, const char *ddl, opts *o, int64_t start, int64_t len, em_strbuf *out,
                    em_error *err) {
  const char *p = write_tmp("read.csv", content);
  em_file f = {p, (int64_t)strlen(content), 0};
  em_split sp = {&f, start, len < 0 ? (int64_t)strlen(content) : len};
  em_type *schema = em_type_parse_ddl(ddl, err);
  CHECK(schema);
  int cols[16];
  for (int i = 0; i < schema->u.st.nfields; i++) cols[i] = i;
  em_options eo = mkopts(o);
  em_read_request req = {.split = &sp, .data_schema = schema, .columns = cols, .ncolumns = schema->u.st.nfields,
                         .options = &eo, .session_tz = "UTC", .batch_rows = 2};
  const em_format *fmt = em_format_find("csv");
  em_format_reader *r;
  int rc = fmt->open(&req, &r, err);
  if (rc) {
    em_type_unref(schema);
    return rc;
  }
  em_value_fmt vf;
  em_options none = {0};
  CHECK_EQ_INT(em_value_fmt_init(&vf, &none, "UTC", err), 0);
  for (;;) {
    em_batch *b;
    rc = fmt->next(r, &b, err);
    if (rc || !b) break;
    for (int64_t i = 0; i < b->nrows; i++) {
      em_strbuf_putc(out, '[');
      for (int c = 0; c < b->ncols; c++) {
        if (c) em_strbuf_putc(out, ',');
        if (em_vec_is_null(b->cols[c], i)) em_strbuf_puts(out, "null");
        else CHECK_EQ_INT(em_value_text(&vf, b->cols[c], i, out, err), 0);
      }
      em_strbuf_putc(out, ']');
    }
    em_batch_unref(b);
  }
  fmt->close(r);
  em_type_unref(schema);
  return rc;
}

static const char *rows(const char *content, const char *ddl, opts *o) {
  static char buf[2048];
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  int rc = read_all(content, ddl, o, 0, -1, &sb, &err);
  if (rc) fprintf(stderr, "read failed: %s\n", err.msg);
  CHECK_EQ_INT(rc, 0);
  snprintf(buf, sizeof buf, "%s", sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return buf;
}

TEST(tokenize_quotes_escapes_multichar_sep) {
  em_options none = {0};
  em_csv_opts c;
  em_error err;
  CHECK_EQ_INT(em_csv_opts_init(&c, &none, "UTC", &err), 0);
  em_csv_tokens t = {0};
  const char *line = "a,\"b,c\",,\"\",\"x\\\"y\"";
  size_t pos = 0;
  CHECK_EQ_INT(em_csv_tokenize(&c, line, strlen(line), &pos, false, &t, &err), 0);
  CHECK_EQ_INT(t.n, 5);
  CHECK(t.len[0] == 1 && t.buf.data[t.start[0]] == 'a');
  CHECK(t.len[1] == 3 && memcmp(t.buf.data + t.start[1], "b,c", 3) == 0);
  CHECK_EQ_INT(t.len[2], -1); /* unquoted empty: null */
  CHECK_EQ_INT(t.len[3], 0);  /* quoted empty: emptyValue "" */
  CHECK(t.len[4] == 3 && memcmp(t.buf.data + t.start[4], "x\"y", 3) == 0);
  em_csv_opts_free(&c);
  opts o = {{"sep"}, {"||"}, 1};
  em_options eo = mkopts(&o);
  CHECK_EQ_INT(em_csv_opts_init(&c, &eo, "UTC", &err), 0);
  line = "1||2|3||";
  pos = 0;
  CHECK_EQ_INT(em_csv_tokenize(&c, line, strlen(line), &pos, false, &t, &err), 0);
  CHECK_EQ_INT(t.n, 3);
  CHECK(t.len[1] == 3 && memcmp(t.buf.data + t.start[1], "2|3", 3) == 0);
  CHECK_EQ_INT(t.len[2], -1);
  em_csv_opts_free(&c);
  em_csv_tokens_free(&t);
}

/* The one-pass tokenizer of common single-line records agrees with the
 * general rules (multiLine mode on a line without line breaks applies
 * them) on random lines of delimiters, quotes, escapes and spaces. */
TEST(tokenize_fast_path_agrees_with_general) {
  em_options none = {0};
  em_csv_opts c;
  em_error err;
  CHECK_EQ_INT(em_csv_opts_init(&c, &none, "UTC", &err), 0);
  em_csv_tokens a = {0}, b = {0};
  const char alpha[] = "ab,,\"\\ 1.";
  uint32_t seed = 12345;
  char line[80];
  int bad = 0;
  for (int iter = 0; iter < 20000 && !bad; iter++) {
    seed = seed * 1103515245u + 12345u;
    size_t n = (seed >> 16) % 70;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      line[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
    }
    size_t pa = 0, pb = 0;
    CHECK_EQ_INT(em_csv_tokenize(&c, line, n, &pa, false, &a, &err), 0);
    CHECK_EQ_INT(em_csv_tokenize(&c, line, n, &pb, true, &b, &err), 0);
    bad |= a.n != b.n;
    for (int f = 0; !bad && f < a.n; f++)
      bad |= a.len[f] != b.len[f] ||
             (a.len[f] > 0 && memcmp(a.buf.data + a.start[f], b.buf.data + b.start[f], (size_t)a.len[f]) != 0);
    if (bad) fprintf(stderr, "tokenizers differ on: %.*s\n", (int)n, line);
  }
  CHECK_EQ_INT(bad, 0);
  em_csv_tokens_free(&a);
  em_csv_tokens_free(&b);
  em_csv_opts_free(&c);
}

/* Plain decimals: the short parser answers as the general one does. */
TEST(decimal_simple_agrees_with_general) {
  const char *cases[] = {"17", "21168.23", "-0.04", "+5.5", "007.50", "1.", ".5", "1.234", "99999", "100000",
                         "1e2", "1,000.5", "", "-", "123456789012345678", "1234567890123456789", "9999.995"};
  int precs[] = {5, 15, 38, 3};
  int scales[] = {2, 2, 0, 3};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    for (int k = 0; k < 4; k++) {
      __int128 x = 0, y = 0;
      int r = em_decimal_parse_simple(cases[i], strlen(cases[i]), precs[k], scales[k], &x);
      if (r < 0) continue;
      __int128 v;
      int p, sc;
      bool ok = em_java_parse_bigdecimal(cases[i], strlen(cases[i]), &v, &p, &sc) && p <= 38 &&
                em_decimal_fit(v, sc, precs[k], scales[k], &y);
      CHECK_EQ_INT(r, ok ? 1 : 0);
      if (ok) CHECK(x == y);
    }
  __int128 x;
  CHECK_EQ_INT(em_decimal_parse_simple("21168.23", 8, 15, 2, &x), 1);
  CHECK(x == 2116823);
  CHECK_EQ_INT(em_decimal_parse_simple("1.234", 5, 15, 2, &x), -1); /* rounds: the general path */
}

TEST(infer_types_and_widening) {
  opts o = {{"inferSchema", "header"}, {"true", "true"}, 2};
  CHECK_EQ_STR(schema_str(infer("a,b,c,d,e,f,g,h\n1,1,1,x,true,2024-01-02,2024-01-02 03:04:05,\n"
                                "2,3000000000,1.5,y,false,2024-02-03,2024-01-02T00:00:00Z,\n",
                                &o)),
               "struct<a:int,b:bigint,c:double,d:string,e:boolean,f:date,g:timestamp,h:string>");
  /* Decimal from integers beyond long, widened with int and long. */
  CHECK_EQ_STR(schema_str(infer("a,b\n12345678901234567890,1\n1,123456789012345678901234\n", &o)),
               "struct<a:decimal(20,0),b:decimal(24,0)>");
  /* Decimal with a double gives double; boolean with int gives string. */
  CHECK_EQ_STR(schema_str(infer("a,b\n12345678901234567890,true\n1.5,1\n", &o)), "struct<a:double,b:string>");
  /* NaN / Inf are doubles; date mixed with timestamp is a timestamp. */
  CHECK_EQ_STR(schema_str(infer("a,b\nNaN,2024-01-01\n-Inf,2024-01-01 10:00:00\n", &o)),
               "struct<a:double,b:timestamp>");
}

TEST(infer_header_names) {
  opts o = {{"header"}, {"true"}, 1};
  CHECK_EQ_STR(schema_str(infer("a,,A,b\n1,2,3,4\n", &o)), "struct<a0:string,_c1:string,A2:string,b:string>");
  opts none = {{0}, {0}, 0};
  CHECK_EQ_STR(schema_str(infer("\n# not a comment by default\n1,2\n", &none)), "struct<_c0:string>");
  opts cm = {{"comment"}, {"#"}, 1};
  CHECK_EQ_STR(schema_str(infer("# c\n\n1,2\n", &cm)), "struct<_c0:string,_c1:string>");
}

TEST(read_conversions_and_nulls) {
  opts o = {{0}, {0}, 0};
  CHECK_EQ_STR(rows("1,a,1.5,true,2024-01-02\n,\"\",NaN,FALSE,\n", "i int, s string, d double, b boolean, t date", &o),
               "[1,a,1.5,true,2024-01-02][null,null,NaN,false,null]");
  opts nv = {{"nullValue", "emptyValue"}, {"NA", "EMPTY"}, 2};
  CHECK_EQ_STR(rows("NA,\"\",x\n", "a string, b string, c string", &nv), "[null,EMPTY,x]");
  CHECK_EQ_STR(rows("2024-01-02 03:04:05.5,12.345\n", "t timestamp, d decimal(5,2)", &o),
               "[2024-01-02T03:04:05.500Z,12.35]");
}

TEST(read_modes) {
  opts perm = {{0}, {0}, 0};
  CHECK_EQ_STR(rows("1,2\nx,3\n4\n", "a int, b int, _corrupt_record string", &perm),
               "[1,2,null][null,3,x,3][4,null,4]");
  opts drop = {{"mode"}, {"DROPMALFORMED"}, 1};
  CHECK_EQ_STR(rows("1,2\nx,3\n4\n5,6\n", "a int, b int", &drop), "[1,2][5,6]");
  opts fail = {{"mode"}, {"FAILFAST"}, 1};
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  CHECK_EQ_INT(read_all("1,2\nx,3\n", "a int, b int", &fail, 0, -1, &sb, &err), -1);
  CHECK_EQ_STR(em_errclass_name(err.cls), "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION");
  em_strbuf_free(&sb);
}

TEST(read_header_and_multiline) {
  opts h = {{"header"}, {"true"}, 1};
  CHECK_EQ_STR(rows("a,b\n1,2\n", "a int, b int", &h), "[1,2]");
  opts ml = {{"multiLine"}, {"true"}, 1};
  CHECK_EQ_STR(rows("1,\"x\ny\"\n2,z\n", "a int, b string", &ml), "[1,x\ny][2,z]");
  opts ls = {{"lineSep"}, {";"}, 1};
  CHECK_EQ_STR(rows("1,a;2,b;", "a int, b string", &ls), "[1,a][2,b]");
}

TEST(splits_follow_hadoop_rule) {
  const char *content = "1,a\n22,b\n333,c\n4444,d\n";
  opts o = {{0}, {0}, 0};
  size_t n = strlen(content);
  /* Every cut point: the splits together read each line exactly once. */
  for (size_t cut = 1; cut <= n; cut++) {
    em_strbuf a, b;
    em_strbuf_init(&a);
    em_strbuf_init(&b);
    em_error err;
    CHECK_EQ_INT(read_all(content, "x int, y string", &o, 0, (int64_t)cut, &a, &err), 0);
    if (cut < n) CHECK_EQ_INT(read_all(content, "x int, y string", &o, (int64_t)cut, (int64_t)(n - cut), &b, &err), 0);
    char all[256];
    snprintf(all, sizeof all, "%s%s", a.data ? a.data : "", b.data ? b.data : "");
    CHECK_EQ_STR(all, "[1,a][22,b][333,c][4444,d]");
    em_strbuf_free(&a);
    em_strbuf_free(&b);
  }
}

TEST(write_quoting) {
  em_type *schema = em_type_parse_ddl("i int, s string, d double", NULL);
  CHECK(schema);
  em_vec *vi = em_vec_new(em_type_int(), 3), *vs = em_vec_new(em_type_string(), 3), *vd = em_vec_new(em_type_double(), 3);
  int32_t one = 1, two = 2;
  double d1 = 1.5, d2 = NAN;
  CHECK_EQ_INT(em_vec_append_fixed(vi, &one), 0);
  CHECK_EQ_INT(em_vec_append_bytes(vs, " a ", 3), 0);
  CHECK_EQ_INT(em_vec_append_fixed(vd, &d1), 0);
  CHECK_EQ_INT(em_vec_append_fixed(vi, &two), 0);
  CHECK_EQ_INT(em_vec_append_bytes(vs, "q\"x,y", 5), 0);
  CHECK_EQ_INT(em_vec_append_fixed(vd, &d2), 0);
  CHECK_EQ_INT(em_vec_append_null(vi), 0);
  CHECK_EQ_INT(em_vec_append_bytes(vs, "", 0), 0);
  CHECK_EQ_INT(em_vec_append_null(vd), 0);
  em_vec *cols[3] = {vi, vs, vd};
  em_batch *b = em_batch_new(em_type_ref(schema), 3, cols, 3);
  CHECK(b);
  const char *path = write_tmp("out.csv", "");
  unlink(path);
  opts o = {{"header"}, {"true"}, 1};
  em_options eo = mkopts(&o);
  const em_format *f = em_format_find("csv");
  void *w;
  em_error err;
  CHECK_EQ_INT(f->write_open(path, schema, &eo, "UTC", &w, &err), 0);
  CHECK_EQ_INT(f->write_batch(w, b, &err), 0);
  CHECK_EQ_INT(f->write_close(w, 1, &err), 0);
  FILE *fp = fopen(path, "rb");
  char buf[256] = {0};
  CHECK(fread(buf, 1, sizeof buf - 1, fp) > 0);
  fclose(fp);
  CHECK_EQ_STR(buf, "i,s,d\n1,a,1.5\n2,\"q\\\"x,y\",NaN\n,\"\",\n");
  em_batch_unref(b);
  em_type_unref(schema);
}

TEST_LIST{
    TEST_ENTRY(tokenize_quotes_escapes_multichar_sep),
    TEST_ENTRY(tokenize_fast_path_agrees_with_general),
    TEST_ENTRY(decimal_simple_agrees_with_general),
    TEST_ENTRY(infer_types_and_widening),
    TEST_ENTRY(infer_header_names),
    TEST_ENTRY(read_conversions_and_nulls),
    TEST_ENTRY(read_modes),
    TEST_ENTRY(read_header_and_multiline),
    TEST_ENTRY(splits_follow_hadoop_rule),
    TEST_ENTRY(write_quoting),
    TEST_END,
};
