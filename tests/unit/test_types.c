/*
 * Data types: constructors and predicates, and every text form checked
 * against Spark 4.2's output recorded by tests/oracle/types/gen_types_expected.py.
 */
#include "runner.h"

#include "base/base.h"
#include "types/types.h"

#include "../oracle/types/types_expected.inc"

static char *simple_of(const em_type *t) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  CHECK(em_type_simple_string(t, &sb) == 0);
  return em_strbuf_take(&sb);
}

static char *sql_of(const em_type *t) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  CHECK(em_type_sql(t, &sb) == 0);
  return em_strbuf_take(&sb);
}

static char *json_of(const em_type *t) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  CHECK(em_type_json(t, &sb) == 0);
  return em_strbuf_take(&sb);
}

static char *tree_of(const em_type *t, int level) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  CHECK(em_type_tree_string(t, level, &sb) == 0);
  return em_strbuf_take(&sb);
}

static em_type *ddl(const char *s) {
  em_error err;
  em_error_clear(&err);
  em_type *t = em_type_parse_ddl(s, &err);
  if (!t) fprintf(stderr, "DDL [%s] failed: %s\n", s, err.msg);
  CHECK(t != NULL);
  return t;
}

TEST(singletons_and_ref) {
  CHECK(em_type_primitive(EM_T_INT) == em_type_int());
  CHECK(em_type_primitive(EM_T_DECIMAL) == NULL);
  CHECK(em_type_primitive(EM_T_STRUCT) == NULL);
  em_type *i = em_type_ref(em_type_int());
  em_type_unref(i);
  em_type_unref(i);
  CHECK_EQ_INT(em_type_int()->id, EM_T_INT); /* still alive: static */
  em_type *a = em_type_array(em_type_ref(em_type_long()), true);
  CHECK(a != NULL);
  em_type_ref(a);
  em_type_unref(a);
  CHECK_EQ_INT(a->u.array.elem->id, EM_T_LONG);
  em_type_unref(a);
}

TEST(fixed_width_and_predicates) {
  struct {
    em_type *t;
    int width;
    bool numeric, integral, stringish, nested;
  } cases[] = {
      {em_type_boolean(), 0, false, false, false, false},
      {em_type_byte(), 1, true, true, false, false},
      {em_type_short(), 2, true, true, false, false},
      {em_type_int(), 4, true, true, false, false},
      {em_type_date(), 4, false, false, false, false},
      {em_type_ym_interval(0, 1), 4, false, false, false, false},
      {em_type_long(), 8, true, true, false, false},
      {em_type_timestamp(), 8, false, false, false, false},
      {em_type_timestamp_ntz(), 8, false, false, false, false},
      {em_type_dt_interval(0, 3), 8, false, false, false, false},
      {em_type_time(6), 8, false, false, false, false},
      {em_type_float(), 4, true, false, false, false},
      {em_type_double(), 8, true, false, false, false},
      {em_type_decimal(10, 2), 16, true, false, false, false},
      {em_type_cal_interval(), 16, false, false, false, false},
      {em_type_string(), 0, false, false, true, false},
      {em_type_char(3), 0, false, false, true, false},
      {em_type_varchar(3), 0, false, false, true, false},
      {em_type_binary(), 0, false, false, false, false},
      {em_type_null(), 0, false, false, false, false},
      {em_type_variant(), 0, false, false, false, false},
      {em_type_array(em_type_int(), true), 0, false, false, false, true},
      {em_type_map(em_type_string(), em_type_int(), true), 0, false, false, false, true},
      {em_type_struct_new(0), 0, false, false, false, true},
  };
  for (size_t i = 0; i < EM_ARRAY_LEN(cases); i++) {
    CHECK(cases[i].t != NULL);
    CHECK_EQ_INT(em_type_fixed_width(cases[i].t), cases[i].width);
    CHECK_EQ_INT(em_type_is_numeric(cases[i].t), cases[i].numeric);
    CHECK_EQ_INT(em_type_is_integral(cases[i].t), cases[i].integral);
    CHECK_EQ_INT(em_type_is_string_like(cases[i].t), cases[i].stringish);
    CHECK_EQ_INT(em_type_is_nested(cases[i].t), cases[i].nested);
    em_type_unref(cases[i].t);
  }
}

TEST(struct_build_and_equal) {
  em_type *a = em_type_struct_new(2);
  CHECK(em_type_struct_set(a, 0, "x", em_type_int(), false, NULL) == 0);
  CHECK(em_type_struct_set(a, 1, "y", em_type_array(em_type_string(), true), true, "{\"comment\":\"c\"}") == 0);
  CHECK(em_type_struct_set(a, 2, "z", em_type_int(), true, NULL) == -1); /* out of range */
  em_type *b = ddl("x int not null, y array<string> comment 'c'");
  CHECK(em_type_equal(a, b, false));
  em_type *c = ddl("x int, y array<string>");
  CHECK(!em_type_equal(a, c, false));
  CHECK(em_type_equal(a, c, true));
  em_type *d = ddl("X int, y array<string>");
  CHECK(!em_type_equal(c, d, true)); /* names compare exactly */
  em_type *e = ddl("x int, y array<int>");
  CHECK(!em_type_equal(c, e, true));
  em_type *d1 = em_type_decimal(10, 2), *d2 = em_type_decimal(10, 2), *d3 = em_type_decimal(10, 3);
  CHECK(em_type_equal(d1, d2, false));
  CHECK(!em_type_equal(d1, d3, false));
  em_type *i1 = em_type_dt_interval(0, 3), *i2 = em_type_dt_interval(1, 3);
  CHECK(!em_type_equal(i1, i2, false));
  em_type *m1 = em_type_map(em_type_string(), em_type_int(), true);
  em_type *m2 = em_type_map(em_type_string(), em_type_int(), false);
  CHECK(!em_type_equal(m1, m2, false));
  CHECK(em_type_equal(m1, m2, true));
  em_type *list[] = {a, b, c, d, e, d1, d2, d3, i1, i2, m1, m2};
  for (size_t i = 0; i < EM_ARRAY_LEN(list); i++) em_type_unref(list[i]);
}

TEST(ddl_text_forms_match_spark) {
  for (size_t i = 0; i < EM_ARRAY_LEN(ddl_ok_cases); i++) {
    const struct ddl_ok_case *c = &ddl_ok_cases[i];
    em_type *t = ddl(c->ddl);
    char *s = simple_of(t), *q = sql_of(t), *j = json_of(t);
    if (strcmp(s, c->simple) || strcmp(q, c->sql) || strcmp(j, c->json)) fprintf(stderr, "case [%s]\n", c->ddl);
    CHECK_EQ_STR(s, c->simple);
    CHECK_EQ_STR(q, c->sql);
    CHECK_EQ_STR(j, c->json);
    if (c->tree) {
      char *tr = tree_of(t, 0);
      CHECK_EQ_STR(tr, c->tree);
      em_free(tr);
    }
    em_free(s);
    em_free(q);
    em_free(j);
    em_type_unref(t);
  }
}

TEST(ddl_round_trips) {
  /* DDL -> type -> sql -> type, and json -> type -> json, are identities. */
  for (size_t i = 0; i < EM_ARRAY_LEN(ddl_ok_cases); i++) {
    em_type *t = ddl(ddl_ok_cases[i].ddl);
    char *q = sql_of(t);
    em_type *t2 = ddl(q);
    if (!em_type_equal(t, t2, false)) fprintf(stderr, "sql round trip of [%s] via [%s]\n", ddl_ok_cases[i].ddl, q);
    CHECK(em_type_equal(t, t2, false));
    char *j = json_of(t);
    em_error err;
    em_type *t3 = em_type_parse_json(j, strlen(j), &err);
    CHECK(t3 != NULL);
    CHECK(em_type_equal(t, t3, false));
    char *j3 = json_of(t3);
    CHECK_EQ_STR(j3, j);
    em_free(q);
    em_free(j);
    em_free(j3);
    em_type_unref(t);
    em_type_unref(t2);
    em_type_unref(t3);
  }
}

TEST(ddl_errors_match_spark) {
  int bad = 0;
  for (size_t i = 0; i < EM_ARRAY_LEN(ddl_err_cases); i++) {
    const struct ddl_err_case *c = &ddl_err_cases[i];
    em_error err;
    em_error_clear(&err);
    em_type *t = em_type_parse_ddl(c->ddl, &err);
    if (t) {
      fprintf(stderr, "case [%s] unexpectedly parsed\n", c->ddl);
      em_type_unref(t);
      bad++;
    } else if (strcmp(em_errclass_name(err.cls), c->cls) || strcmp(err.msg, c->msg)) {
      fprintf(stderr, "case [%s]\n  got:  [%s] %s\n  want: [%s] %s\n", c->ddl, em_errclass_name(err.cls), err.msg,
              c->cls, c->msg);
      bad++;
    }
  }
  CHECK_EQ_INT(bad, 0);
}

TEST(ddl_error_parameters) {
  em_error err;
  CHECK(em_type_parse_ddl("a int, b", &err) == NULL);
  CHECK_EQ_INT(err.nparams, 2);
  CHECK_EQ_STR(err.keys[0], "error");
  CHECK_EQ_STR(err.vals[0], "end of input");
  CHECK_EQ_STR(err.keys[1], "hint");
  CHECK_EQ_STR(err.vals[1], "");
  CHECK_EQ_STR(em_errclass_sqlstate(err.cls), "42601");
  CHECK(em_errclass_exc(err.cls) == EM_EXC_PARSE);
  CHECK(em_type_parse_ddl("a foo", &err) == NULL);
  CHECK_EQ_STR(err.vals[0], "\"FOO\"");
  CHECK(em_type_parse_ddl("a decimal(40,2)", &err) == NULL);
  CHECK(em_errclass_exc(err.cls) == EM_EXC_ARITHMETIC);
  CHECK(em_type_parse_ddl(NULL, &err) == NULL);
}

TEST(tree_strings_match_spark) {
  for (size_t i = 0; i < EM_ARRAY_LEN(tree_cases); i++) {
    em_type *t = ddl(tree_cases[i].ddl);
    char *s = tree_of(t, tree_cases[i].level);
    CHECK_EQ_STR(s, tree_cases[i].tree);
    em_free(s);
    em_type_unref(t);
  }
}

TEST(json_parse_matches_spark) {
  for (size_t i = 0; i < EM_ARRAY_LEN(json_cases); i++) {
    em_error err;
    em_error_clear(&err);
    em_type *t = em_type_parse_json(json_cases[i].in, strlen(json_cases[i].in), &err);
    if (!t) fprintf(stderr, "json [%s]: %s\n", json_cases[i].in, err.msg);
    CHECK(t != NULL);
    char *j = json_of(t);
    CHECK_EQ_STR(j, json_cases[i].out);
    em_free(j);
    em_type_unref(t);
  }
  for (size_t i = 0; i < EM_ARRAY_LEN(json_err_cases); i++) {
    em_error err;
    em_error_clear(&err);
    CHECK(em_type_parse_json(json_err_cases[i].in, strlen(json_err_cases[i].in), &err) == NULL);
    CHECK_EQ_STR(em_errclass_name(err.cls), json_err_cases[i].cls);
    CHECK_EQ_STR(err.msg, json_err_cases[i].msg);
  }
}

TEST(json_rejects_malformed) {
  const char *bad[] = {"", "{", "[", "\"", "{\"type\":", "{\"type\":\"array\"}", "{\"type\":\"struct\"}",
                       "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\"}]}", "\"decimal(1\"", "\"char(x)\"",
                       "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"nope\",\"valueContainsNull\":true}",
                       "\"\\ud800\"", "nul", "\"integer\" x", "{\"type\":\"struct\",\"fields\":[1]}"};
  for (size_t i = 0; i < EM_ARRAY_LEN(bad); i++) {
    em_error err;
    em_error_clear(&err);
    CHECK(em_type_parse_json(bad[i], strlen(bad[i]), &err) == NULL);
    CHECK(err.cls != EM_ERR_NONE);
  }
  /* Deep nesting is refused, not a stack overflow. */
  em_strbuf sb;
  em_strbuf_init(&sb);
  for (int i = 0; i < 5000; i++) em_strbuf_puts(&sb, "[");
  em_error err;
  CHECK(em_type_parse_json(sb.data, sb.len, &err) == NULL);
  em_strbuf_free(&sb);
}

TEST(deep_ddl_is_an_error_not_a_crash) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_puts(&sb, "a ");
  for (int i = 0; i < 2000; i++) em_strbuf_puts(&sb, "array<");
  em_strbuf_puts(&sb, "int");
  for (int i = 0; i < 2000; i++) em_strbuf_puts(&sb, ">");
  em_error err;
  CHECK(em_type_parse_ddl(sb.data, &err) == NULL);
  CHECK_EQ_STR(em_errclass_name(err.cls), "PARSE_SYNTAX_ERROR");
  em_strbuf_free(&sb);
}

TEST(wide_struct_simple_string_is_truncated) {
  /* Spark: 30 fields -> 25 shown and "... 5 more fields" (maxToStringFields). */
  em_strbuf sb;
  em_strbuf_init(&sb);
  for (int i = 0; i < 30; i++) em_strbuf_printf(&sb, "%sf%d int", i ? ", " : "", i);
  em_type *t = ddl(sb.data);
  char *s = simple_of(t);
  CHECK(strstr(s, "f24:int,... 5 more fields>") != NULL);
  CHECK(strstr(s, "f25") == NULL);
  char *q = sql_of(t);
  CHECK(strstr(q, "f29: INT>") != NULL);
  em_free(s);
  em_free(q);
  em_type_unref(t);
  em_strbuf_free(&sb);
}

TEST(parsers_survive_garbage) {
  /* Pseudo-random byte strings built from DDL-ish pieces: any answer is fine
   * as long as it is a type or an error. */
  static const char *const pieces[] = {"a", " ", "int", "<", ">", ",", "(", ")", "'", "`", "\"", "struct",
                                       "array", "map", "not", "null", "comment", ":", "decimal", "1", "-",
                                       "interval", "day", "to", "second", "\n", "\\", "{", "}", "[", "]", "\xc3\xa9"};
  uint32_t seed = 12345;
  for (int round = 0; round < 3000; round++) {
    char buf[256];
    size_t n = 0;
    int len = (int)(seed % 12) + 1;
    for (int k = 0; k < len; k++) {
      seed = seed * 1103515245u + 12345u;
      const char *p = pieces[(seed >> 16) % EM_ARRAY_LEN(pieces)];
      size_t pl = strlen(p);
      if (n + pl >= sizeof buf) break;
      memcpy(buf + n, p, pl);
      n += pl;
    }
    buf[n] = '\0';
    em_error err;
    em_error_clear(&err);
    em_type *t = em_type_parse_ddl(buf, &err);
    CHECK(t != NULL || err.cls != EM_ERR_NONE);
    em_type_unref(t);
    em_error_clear(&err);
    t = em_type_parse_json(buf, n, &err);
    CHECK(t != NULL || err.cls != EM_ERR_NONE);
    em_type_unref(t);
  }
}

TEST(allocation_failures_are_errors) {
  const char *text = "a int not null comment 'x', m map<string, array<struct<x: decimal(5,2), y string>>>";
  for (uint64_t n = 1; n < 400; n++) {
    em_error err;
    em_error_clear(&err);
    em_mem_fail_after(n);
    em_type *t = em_type_parse_ddl(text, &err);
    em_mem_fail_after(0);
    CHECK(t != NULL || err.cls != EM_ERR_NONE);
    if (t) {
      char *j = json_of(t);
      CHECK_EQ_STR(j, "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"integer\",\"nullable\":false,"
                      "\"metadata\":{\"comment\":\"x\"}},{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":"
                      "\"string\",\"valueType\":{\"type\":\"array\",\"elementType\":{\"type\":\"struct\",\"fields\":"
                      "[{\"name\":\"x\",\"type\":\"decimal(5,2)\",\"nullable\":true,\"metadata\":{}},{\"name\":\"y\","
                      "\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]},\"containsNull\":true},"
                      "\"valueContainsNull\":true},\"nullable\":true,\"metadata\":{}}]}");
      em_free(j);
      em_type_unref(t);
    }
  }
  const char *js = "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":"
                   "\"long\",\"containsNull\":true},\"nullable\":true,\"metadata\":{\"comment\":\"q\"}}]}";
  for (uint64_t n = 1; n < 100; n++) {
    em_error err;
    em_error_clear(&err);
    em_mem_fail_after(n);
    em_type *t = em_type_parse_json(js, strlen(js), &err);
    em_mem_fail_after(0);
    CHECK(t != NULL || err.cls != EM_ERR_NONE);
    em_type_unref(t);
  }
}

TEST_LIST{
    TEST_ENTRY(singletons_and_ref),
    TEST_ENTRY(fixed_width_and_predicates),
    TEST_ENTRY(struct_build_and_equal),
    TEST_ENTRY(ddl_text_forms_match_spark),
    TEST_ENTRY(ddl_round_trips),
    TEST_ENTRY(ddl_errors_match_spark),
    TEST_ENTRY(ddl_error_parameters),
    TEST_ENTRY(tree_strings_match_spark),
    TEST_ENTRY(json_parse_matches_spark),
    TEST_ENTRY(json_rejects_malformed),
    TEST_ENTRY(deep_ddl_is_an_error_not_a_crash),
    TEST_ENTRY(wide_struct_simple_string_is_truncated),
    TEST_ENTRY(parsers_survive_garbage),
    TEST_ENTRY(allocation_failures_are_errors),
    TEST_END,
};
