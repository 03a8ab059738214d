/*
 * Java regular expressions over PCRE2 (src/expr/regex.c): compilation
 * (Java-only syntax, invalid patterns), Matcher.find's iteration after
 * empty matches, Pattern.split with limits, appendReplacement templates,
 * the pattern cache and arena-compiled patterns. The expected pieces are
 * the ones Spark 4.2 returns for the same calls (tests/client/cases/regex.py
 * records them through the client).
 */
#include "runner.h"

#include "base/base.h"
#include "expr/regex.h"

static em_regex *compile(const char *p) {
  em_error err;
  em_regex *re = NULL;
  CHECK_EQ_INT(em_regex_compile(p, strlen(p), NULL, &re, &err), 0);
  return re;
}

static int join_piece(void *ud, const char *p, size_t len) {
  em_strbuf *sb = ud;
  em_strbuf_putc(sb, '[');
  em_strbuf_append(sb, p, len);
  em_strbuf_putc(sb, ']');
  return 0;
}

/* The pieces of split(s, pattern, limit) as "[a][b]". */
static char *split(const char *pat, const char *s, int limit) {
  em_regex *re = compile(pat);
  em_regex_matcher m;
  em_error err;
  CHECK_EQ_INT(em_regex_matcher_init(&m, re, &err), 0);
  em_strbuf sb;
  em_strbuf_init(&sb);
  CHECK_EQ_INT(em_regex_split(&m, strlen(pat), s, strlen(s), limit, join_piece, &sb, &err), 0);
  em_regex_matcher_free(&m);
  em_regex_free(re);
  char *out = strdup(sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return out;
}

/* Every find() of pat over s replaced by rep (regexp_replace). */
static char *replace(const char *pat, const char *s, const char *rep, int *bad) {
  em_regex *re = compile(pat);
  em_regex_matcher m;
  em_error err;
  CHECK_EQ_INT(em_regex_matcher_init(&m, re, &err), 0);
  em_strbuf sb;
  em_strbuf_init(&sb);
  size_t tail = 0, n = strlen(s);
  *bad = 0;
  while (em_regex_find(&m, s, n, &err) > 0) {
    size_t st = (size_t)em_regex_start(&m, 0);
    em_strbuf_append(&sb, s + tail, st - tail);
    int x = em_regex_expand(&m, s, rep, strlen(rep), &sb);
    if (x) {
      *bad = x;
      break;
    }
    tail = (size_t)em_regex_end(&m, 0);
  }
  em_strbuf_append(&sb, s + tail, n - tail);
  em_regex_matcher_free(&m);
  em_regex_free(re);
  char *out = strdup(sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return out;
}

TEST(split_limits) {
  char *a = split("[0-9]", "a1b22c333", -1), *b = split("[0-9]", "a1b22c333", 2), *c = split("", "héllo", -1),
       *d = split("", "abc", 2), *e = split("[0-9]", "", -1), *f = split("x|", "abc", -1);
  CHECK_EQ_STR(a, "[a][b][][c][][][]");
  CHECK_EQ_STR(b, "[a][b22c333]");
  CHECK_EQ_STR(c, "[h][é][l][l][o]");
  CHECK_EQ_STR(d, "[a][bc]");
  CHECK_EQ_STR(e, "[]");
  /* A zero-width match at the start gives no leading empty piece. */
  CHECK_EQ_STR(f, "[a][b][c][]");
  free(a), free(b), free(c), free(d), free(e), free(f);
}

TEST(replace_templates) {
  int bad;
  char *a = replace("[0-9]+", "a1b22c333", "<$0>", &bad);
  CHECK_EQ_STR(a, "a<1>b<22>c<333>");
  char *b = replace("([a-z])([0-9])", "a1b22", "$2$1", &bad);
  CHECK_EQ_STR(b, "1a2b2");
  char *c = replace("(?<d>[0-9])", "a1", "[${d}]", &bad);
  CHECK_EQ_STR(c, "a[1]");
  /* Empty matches: Java searches again one character further. */
  char *d = replace("a*", "baaa", "X", &bad);
  CHECK_EQ_STR(d, "XbXX");
  char *e = replace("", "héé", "-", &bad);
  CHECK_EQ_STR(e, "-h-é-é-");
  free(a), free(b), free(c), free(d), free(e);
  char *f = replace("([0-9]+)", "a1", "$2", &bad);
  CHECK_EQ_INT(bad, 1); /* no group 2 */
  char *g = replace("[0-9]", "a1", "\\", &bad);
  CHECK_EQ_INT(bad, 1); /* character to be escaped is missing */
  char *h = replace("[0-9]", "a1", "$x", &bad);
  CHECK_EQ_INT(bad, 1); /* illegal group reference */
  free(f), free(g), free(h);
}

TEST(java_syntax) {
  em_regex *re = compile("^\\p{Alpha}\\p{Digit}[\\p{Punct}]\\P{Space}\\Q.*\\E$");
  em_regex_matcher m;
  em_error err;
  CHECK_EQ_INT(em_regex_matcher_init(&m, re, &err), 0);
  const char *s = "a1!x.*";
  CHECK_EQ_INT(em_regex_find(&m, s, strlen(s), &err), 1);
  em_regex_reset(&m);
  const char *t = "a1!x.y";
  CHECK_EQ_INT(em_regex_find(&m, t, strlen(t), &err), 0);
  em_regex_matcher_free(&m);
  em_regex_free(re);
  /* Java rejects what PCRE2 would read literally or fails on. */
  const char *invalid[] = {"(", "[", "a{", "{2}", "*a", "x\\"};
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    em_regex *r = NULL;
    CHECK_EQ_INT(em_regex_compile(invalid[i], strlen(invalid[i]), NULL, &r, &err), 1);
    CHECK(r == NULL);
  }
}

TEST(groups_and_positions) {
  em_regex *re = compile("(x)|([0-9])");
  CHECK_EQ_INT(em_regex_groups(re), 2);
  em_regex_matcher m;
  em_error err;
  CHECK_EQ_INT(em_regex_matcher_init(&m, re, &err), 0);
  const char *s = "é9";
  CHECK_EQ_INT(em_regex_find(&m, s, strlen(s), &err), 1);
  CHECK_EQ_INT(em_regex_start(&m, 1), -1); /* group 1 did not take part */
  CHECK_EQ_INT(em_regex_start(&m, 2), 2);  /* bytes */
  CHECK_EQ_INT(em_regex_utf16_len(s, 2), 1);
  CHECK_EQ_INT(em_regex_utf16_len("\xf0\x9d\x84\x9e", 4), 2); /* a surrogate pair in Java */
  CHECK_EQ_INT(em_regex_utf16_offset(s, strlen(s), 1), 2);
  em_regex_matcher_free(&m);
  em_regex_free(re);
}

TEST(cache_and_arena) {
  em_error err;
  em_regex_cache c = {0};
  em_regex_matcher *m = NULL;
  CHECK_EQ_INT(em_regex_cache_get(&c, "b", 1, &m, &err), 0);
  CHECK_EQ_INT(em_regex_find(m, "abc", 3, &err), 1);
  CHECK_EQ_INT(em_regex_cache_get(&c, "(", 1, &m, &err), 1); /* invalid, remembered */
  CHECK_EQ_INT(em_regex_cache_get(&c, "(", 1, &m, &err), 1);
  CHECK_EQ_INT(em_regex_cache_get(&c, "c$", 2, &m, &err), 0);
  CHECK_EQ_INT(em_regex_find(m, "abc", 3, &err), 1);
  CHECK_EQ_INT(em_regex_start(m, 0), 2);
  em_regex_cache_free(&c);
  em_arena a;
  em_arena_init(&a, 1024);
  em_regex *re = NULL;
  CHECK_EQ_INT(em_regex_compile("[a-z]+", 6, &a, &re, &err), 0);
  em_regex_matcher mm;
  CHECK_EQ_INT(em_regex_matcher_init(&mm, re, &err), 0);
  CHECK_EQ_INT(em_regex_find(&mm, "12ab3", 5, &err), 1);
  CHECK_EQ_INT(em_regex_end(&mm, 0), 4);
  em_regex_matcher_free(&mm);
  em_regex_free(re); /* no-op: the arena owns it */
  em_arena_destroy(&a);
}

TEST_LIST{
    TEST_ENTRY(split_limits),
    TEST_ENTRY(replace_templates),
    TEST_ENTRY(java_syntax),
    TEST_ENTRY(groups_and_positions),
    TEST_ENTRY(cache_and_arena),
    TEST_END,
};
