/*
 * A tiny unit-test harness: each test file defines TESTS(...) and the runner
 * forks one process per test (libuv's test/runner.c style), so a crash in one
 * test is reported and the others still run.
 */
#ifndef EM_TEST_RUNNER_H
#define EM_TEST_RUNNER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct em_test {
  const char *name;
  void (*fn)(void);
} em_test;

extern const em_test em_tests[];

/* xorshift64: reproducible pseudo-random numbers for a test's data. */
static inline uint64_t em_test_xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

#define TEST(name) static void name(void)
#define TEST_LIST const em_test em_tests[] =
#define TEST_ENTRY(name) {#name, name}
#define TEST_END {NULL, NULL}

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                    \
  do {                                                                                        \
    long long _a = (long long)(a), _b = (long long)(b);                                       \
    if (_a != _b) {                                                                           \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a, _b); \
      exit(1);                                                                                \
    }                                                                                         \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                  \
  do {                                                                                      \
    const char *_a = (a), *_b = (b);                                                        \
    if (!_a || !_b || strcmp(_a, _b) != 0) {                                                \
      fprintf(stderr, "%s:%d: %s == %s failed:\n  got:  [%s]\n  want: [%s]\n", __FILE__, __LINE__, #a, #b, \
              _a ? _a : "(null)", _b ? _b : "(null)");                                      \
      exit(1);                                                                              \
    }                                                                                       \
  } while (0)

#endif
