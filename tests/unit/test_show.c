/*
 * show(): value formatting and Dataset.showString layout, checked against
 * Spark 4.2's output recorded by tests/oracle/types/gen_show_expected.py
 * (show_expected.inc builds the same data as vectors).
 */
#include "runner.h"

#include "arrow/arrow.h"
#include "base/base.h"
#include "expr/format.h"
#include "exec/exec_int.h"
#include "types/types.h"

static em_type *ddl(const char *s) {
  em_error err;
  em_type *t = em_type_parse_ddl(s, &err);
  if (!t) fprintf(stderr, "DDL [%s]: %s\n", s, err.msg);
  CHECK(t != NULL);
  return t;
}

static void ap_i8(em_vec *v, int x) {
  int8_t y = (int8_t)x;
  CHECK(em_vec_append_fixed(v, &y) == 0);
}
static void ap_i16(em_vec *v, int x) {
  int16_t y = (int16_t)x;
  CHECK(em_vec_append_fixed(v, &y) == 0);
}
static void ap_i32(em_vec *v, int64_t x) {
  int32_t y = (int32_t)x;
  CHECK(em_vec_append_fixed(v, &y) == 0);
}
static void ap_i64(em_vec *v, int64_t x) { CHECK(em_vec_append_fixed(v, &x) == 0); }
static void ap_f32bits(em_vec *v, uint32_t bits) { CHECK(em_vec_append_fixed(v, &bits) == 0); }
static void ap_f64bits(em_vec *v, uint64_t bits) { CHECK(em_vec_append_fixed(v, &bits) == 0); }
static void ap_str(em_vec *v, const char *s) { CHECK(em_vec_append_bytes(v, s, strlen(s)) == 0); }
static void ap_bytes(em_vec *v, const char *s, size_t n) { CHECK(em_vec_append_bytes(v, s, n) == 0); }
/* A decimal's unscaled value in base 10 -> 16-byte little-endian two's complement. */
static void ap_dec(em_vec *v, const char *unscaled) {
  bool neg = *unscaled == '-';
  unsigned __int128 u = 0;
  for (const char *p = unscaled + neg; *p; p++) u = u * 10 + (unsigned)(*p - '0');
  if (neg) u = ~u + 1;
  uint8_t b[16];
  for (int k = 0; k < 16; k++) b[k] = (uint8_t)(u >> (8 * k));
  CHECK(em_vec_append_fixed(v, b) == 0);
}
static void ap_cal(em_vec *v, int32_t months, int32_t days, int64_t nanos) {
  uint8_t b[16];
  memcpy(b, &months, 4);
  memcpy(b + 4, &days, 4);
  memcpy(b + 8, &nanos, 8);
  CHECK(em_vec_append_fixed(v, b) == 0);
}

#include "../oracle/types/show_expected.inc"

static char *show(em_batch *b, int64_t num_rows, int truncate, bool vertical, const char *tz, int64_t total) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  em_error_clear(&err);
  int rc = em_show_string(b->schema, &b, 1, num_rows, truncate, vertical, tz, total, &sb, &err);
  if (rc) fprintf(stderr, "show failed: %s\n", err.msg);
  CHECK(rc == 0);
  return em_strbuf_take(&sb);
}

TEST(show_matches_spark) {
  int bad = 0;
  for (size_t i = 0; i < EM_ARRAY_LEN(show_cases); i++) {
    const struct show_case *c = &show_cases[i];
    em_batch *b = c->build();
    CHECK(b != NULL);
    CHECK_EQ_INT(b->nrows, c->nrows);
    char *s = show(b, c->num_rows, c->truncate, c->vertical, c->tz, c->nrows);
    if (strcmp(s, c->expected) != 0) {
      fprintf(stderr, "case %zu (tz %s, n %lld, truncate %d, vertical %d)\n--- got:\n%s--- want:\n%s", i, c->tz,
              (long long)c->num_rows, c->truncate, c->vertical, s, c->expected);
      bad++;
    }
    em_free(s);
    em_batch_unref(b);
  }
  CHECK_EQ_INT(bad, 0);
}

TEST(show_splits_rows_over_batches) {
  /* The same rows in two batches print as one table. */
  em_batch *whole = build_ints();
  em_batch *a = em_batch_slice_copy(whole, 0, 1), *b = em_batch_slice_copy(whole, 1, whole->nrows - 1);
  CHECK(a && b);
  em_batch *parts[] = {a, b};
  em_strbuf s1, s2;
  em_strbuf_init(&s1);
  em_strbuf_init(&s2);
  em_error err;
  CHECK(em_show_string(whole->schema, &whole, 1, 20, 20, false, "UTC", whole->nrows, &s1, &err) == 0);
  CHECK(em_show_string(whole->schema, parts, 2, 20, 20, false, "UTC", whole->nrows, &s2, &err) == 0);
  CHECK_EQ_STR(s1.data, s2.data);
  em_strbuf_free(&s1);
  em_strbuf_free(&s2);
  em_batch_unref(a);
  em_batch_unref(b);
  em_batch_unref(whole);
}

TEST(show_footer_counts_total_rows) {
  em_batch *b = build_ints(); /* 4 rows */
  char *s = show(b, 4, 20, false, "UTC", 10);
  CHECK(strstr(s, "+\nonly showing top 4 rows") != NULL);
  em_free(s);
  s = show(b, 4, 20, false, "UTC", 4);
  CHECK(strstr(s, "only showing") == NULL);
  em_free(s);
  em_batch_unref(b);
}

TEST(bad_time_zone_is_an_error) {
  em_batch *b = build_timestamps();
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  const char *bad[] = {"Mars/Olympus", "../../etc/passwd", "/etc/passwd", "+25:00", "", "Europe/../UTC"};
  for (size_t i = 0; i < EM_ARRAY_LEN(bad); i++) {
    em_error_clear(&err);
    CHECK(em_show_string(b->schema, &b, 1, 20, 20, false, bad[i], b->nrows, &sb, &err) == -1);
    CHECK_EQ_STR(em_errclass_name(err.cls), "INVALID_TIMEZONE");
  }
  em_strbuf_free(&sb);
  em_batch_unref(b);
}

TEST(time_zone_offsets) {
  em_error err;
  const em_tz *la = em_tz_get("America/Los_Angeles", &err);
  CHECK(la != NULL);
  CHECK(em_tz_get("America/Los_Angeles", &err) == la); /* cached */
  CHECK_EQ_INT(em_tz_offset(la, 1719889445), -7 * 3600);            /* 2024-07-02 03:04:05Z: PDT */
  CHECK_EQ_INT(em_tz_offset(la, 1704164645), -8 * 3600);            /* 2024-01-02: PST */
  CHECK_EQ_INT(em_tz_offset(la, INT64_C(4118083200)), -7 * 3600);   /* 2100-07-01: footer rule, PDT */
  CHECK_EQ_INT(em_tz_offset(la, INT64_C(4102444800)), -8 * 3600);   /* 2100-01-01: footer rule, PST */
  CHECK_EQ_INT(em_tz_offset(la, INT64_C(-5364662400)), -(7 * 3600 + 52 * 60 + 58)); /* 1800: LMT */
  const em_tz *fixed = em_tz_get("-03:30", &err);
  CHECK(fixed != NULL);
  CHECK_EQ_INT(em_tz_offset(fixed, 0), -(3 * 3600 + 1800));
  CHECK_EQ_INT(em_tz_offset(em_tz_get("UTC", &err), 12345), 0);
  CHECK_EQ_INT(em_tz_offset(em_tz_get("GMT+8", &err), 12345), 8 * 3600);
}

TEST(java_double_strings) {
  struct {
    double d;
    const char *s;
  } cases[] = {{1.0, "1.0"}, {100.0, "100.0"}, {1e7, "1.0E7"}, {9999999.0, "9999999.0"}, {1e-3, "0.001"},
               {1e-4, "1.0E-4"}, {-2.5e-10, "-2.5E-10"}, {123.456, "123.456"}, {0.5, "0.5"}};
  for (size_t i = 0; i < EM_ARRAY_LEN(cases); i++) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    CHECK(em_format_double(cases[i].d, &sb) == 0);
    CHECK_EQ_STR(sb.data, cases[i].s);
    em_strbuf_free(&sb);
  }
  em_strbuf sb;
  em_strbuf_init(&sb);
  CHECK(em_format_float(0.1f, &sb) == 0);
  CHECK_EQ_STR(sb.data, "0.1");
  em_strbuf_free(&sb);
}

TEST(variant_cannot_be_shown) {
  em_type *schema = ddl("v variant");
  em_vec *col = em_vec_new(schema->u.st.fields[0].type, 1);
  CHECK(col != NULL);
  col->len = 1; /* a non-null value of a type show() cannot print */
  em_vec *cols[] = {col};
  em_batch *b = em_batch_new(schema, 1, cols, 1);
  CHECK(b != NULL);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_error err;
  CHECK(em_show_string(b->schema, &b, 1, 20, 20, false, "UTC", 1, &sb, &err) == -1);
  CHECK(err.cls != EM_ERR_NONE);
  em_strbuf_free(&sb);
  em_batch_unref(b);
}

TEST(allocation_failures_are_errors) {
  em_batch *b = build_structs();
  for (uint64_t n = 1; n < 300; n++) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_error err;
    em_error_clear(&err);
    em_mem_fail_after(n);
    int rc = em_show_string(b->schema, &b, 1, 20, 20, n % 2 == 0, "UTC", b->nrows, &sb, &err);
    em_mem_fail_after(0);
    CHECK(rc == 0 || err.cls != EM_ERR_NONE);
    em_strbuf_free(&sb);
  }
  em_batch_unref(b);
}

TEST_LIST{
    TEST_ENTRY(show_matches_spark),
    TEST_ENTRY(show_splits_rows_over_batches),
    TEST_ENTRY(show_footer_counts_total_rows),
    TEST_ENTRY(bad_time_zone_is_an_error),
    TEST_ENTRY(time_zone_offsets),
    TEST_ENTRY(java_double_strings),
    TEST_ENTRY(variant_cannot_be_shown),
    TEST_ENTRY(allocation_failures_are_errors),
    TEST_END,
};
