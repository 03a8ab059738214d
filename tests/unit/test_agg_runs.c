/*
 * em_agg_run_end (expr/agg_fn.h), the run finder of the aggregate update
 * kernels, against the row-by-row definition: group arrays of one group,
 * short and long runs, runs ending at every offset of its 16-row blocks,
 * and empty tails.
 */
#include "runner.h"

#include "expr/agg_fn.h"

static int64_t naive(const uint32_t *g, int64_t i, int64_t n) {
  int64_t j = i + 1;
  while (j < n && g[j] == g[i]) j++;
  return j;
}

static void check_all(const uint32_t *g, int64_t n) {
  for (int64_t i = 0; i < n; i++) CHECK_EQ_INT(em_agg_run_end(g, i, n), naive(g, i, n));
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

TEST(run_end_matches_row_by_row) {
  static uint32_t g[5000];
  /* One group (a global aggregate), every length up to 70 and a batch. */
  for (int64_t n = 1; n <= 70; n++) {
    memset(g, 0, sizeof g);
    check_all(g, n);
  }
  memset(g, 0, sizeof g);
  check_all(g, 4096);
  /* A single different row at every position of a long run. */
  for (int64_t p = 0; p < 70; p++) {
    memset(g, 0, sizeof g);
    g[p] = 7;
    check_all(g, 70);
  }
  /* Random runs: mostly short, some long. */
  for (int rep = 0; rep < 50; rep++) {
    int64_t n = 1 + (int64_t)(rnd() % 5000);
    uint32_t grp = 0;
    for (int64_t i = 0; i < n;) {
      int64_t len = rnd() % 4 ? 1 + (int64_t)(rnd() % 5) : 1 + (int64_t)(rnd() % 200);
      grp = rnd() % 8 ? grp + 1 : grp ^ 0x80000000u; /* neighbours may differ in one bit */
      for (int64_t k = 0; k < len && i < n; k++) g[i++] = grp;
    }
    check_all(g, n);
  }
}

TEST_LIST{
    TEST_ENTRY(run_end_matches_row_by_row),
    TEST_END,
};
