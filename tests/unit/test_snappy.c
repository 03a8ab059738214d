/*
 * io/snappy_decode.c against libsnappy: blocks libsnappy compresses decode
 * to the original bytes (every length up to a few hundred, around the
 * decoder's 21- and 64-byte fast-region edges, long literals, patterns of
 * every short offset, TPC-H-like decimal columns, 1 MiB inputs), and
 * damaged blocks (flipped bytes, truncations, wrong lengths, hand-made
 * tags with bad offsets) are accepted or rejected exactly as libsnappy
 * accepts or rejects them, with the same output when accepted. A prefix
 * decode (em_snappy_decode_prefix) of any length makes at least that many
 * bytes, all of them the block's, and of the whole length it is the full
 * decode, verdict included.
 */
#include "runner.h"

#include <snappy-c.h>
#include <stdint.h>

#include "io/snappy.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { return em_test_xorshift(&rng); }

/* Compresses in[0..n) with libsnappy and checks our decoder restores it. */
static void round_trip(const uint8_t *in, size_t n) {
  size_t cap = snappy_max_compressed_length(n);
  char *c = malloc(cap ? cap : 1);
  uint8_t *out = malloc(n ? n : 1);
  CHECK(c && out);
  size_t cn = cap;
  CHECK(snappy_compress((const char *)in, n, c, &cn) == SNAPPY_OK);
  CHECK_EQ_INT(em_snappy_decode((const uint8_t *)c, cn, out, n), 0);
  CHECK(n == 0 || memcmp(in, out, n) == 0);
  /* A destination of another length is refused. */
  if (n) CHECK_EQ_INT(em_snappy_decode((const uint8_t *)c, cn, out, n - 1), -1);
  /* Prefixes: at least what was asked, exactly the block's bytes. */
  for (int k = 0; k < 4; k++) {
    size_t want = k == 3 ? n : (size_t)(rnd() % (n + 1)), got = 0;
    memset(out, 0xEE, n ? n : 1);
    CHECK_EQ_INT(em_snappy_decode_prefix((const uint8_t *)c, cn, out, n, want, &got), 0);
    CHECK(got >= want && got <= n);
    CHECK(got == 0 || memcmp(in, out, got) == 0);
  }
  free(c);
  free(out);
}

/* Both decoders on the same (possibly damaged) block: same verdict, and
 * the same bytes when both accept. */
static void same_verdict(const uint8_t *c, size_t cn) {
  size_t ulen = 0;
  if (snappy_uncompressed_length((const char *)c, cn, &ulen) != SNAPPY_OK || ulen > (1u << 22)) {
    /* Without a sane length there is nothing to decode into; ours must
     * refuse any destination size that disagrees with the preamble. */
    uint8_t tiny[16];
    if (snappy_uncompressed_length((const char *)c, cn, &ulen) != SNAPPY_OK)
      for (size_t d = 0; d < sizeof tiny; d++) CHECK_EQ_INT(em_snappy_decode(c, cn, tiny, d), -1);
    return;
  }
  uint8_t *a = malloc(ulen ? ulen : 1), *b = malloc(ulen ? ulen : 1);
  CHECK(a && b);
  size_t an = ulen;
  int ra = snappy_uncompress((const char *)c, cn, (char *)a, &an) == SNAPPY_OK && an == ulen ? 0 : -1;
  int rb = em_snappy_decode(c, cn, b, ulen);
  if (ra != rb) fprintf(stderr, "verdicts differ: libsnappy %d, ours %d (block of %zu, output %zu)\n", ra, rb, cn, ulen);
  CHECK_EQ_INT(rb, ra);
  if (ra == 0) CHECK(ulen == 0 || memcmp(a, b, ulen) == 0);
  /* A prefix of the whole length is the full decode; a shorter one of an
   * accepted block is its start. */
  size_t got = 0;
  CHECK_EQ_INT(em_snappy_decode_prefix(c, cn, b, ulen, ulen, &got) == 0 ? 0 : -1, ra);
  size_t want = (size_t)(rnd() % (ulen + 1));
  int rp = em_snappy_decode_prefix(c, cn, b, ulen, want, &got);
  if (ra == 0) {
    CHECK_EQ_INT(rp, 0);
    CHECK(got >= want && got <= ulen && (got == 0 || memcmp(a, b, got) == 0));
  }
  free(a);
  free(b);
}

static void fill_random(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
}

TEST(round_trips_every_short_length) {
  static uint8_t buf[400];
  for (size_t n = 0; n <= sizeof buf; n++) {
    fill_random(buf, n);
    round_trip(buf, n);
    memset(buf, 'a', n);
    round_trip(buf, n);
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)("abcabcabdabc"[i % 12]);
    round_trip(buf, n);
  }
}

TEST(round_trips_patterns_of_every_offset) {
  static uint8_t buf[5000];
  for (size_t period = 1; period <= 70; period++) {
    uint8_t pat[70];
    fill_random(pat, period);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = pat[i % period];
    round_trip(buf, sizeof buf);
    /* Pattern runs between random stretches: copies near literals. */
    for (size_t i = 0; i < sizeof buf; i += 97) fill_random(buf + i, 5 + period % 13);
    round_trip(buf, sizeof buf);
  }
}

TEST(round_trips_decimal_columns_and_large_blocks) {
  size_t n = 1 << 20;
  uint8_t *buf = malloc(n);
  CHECK(buf);
  /* int64 prices below 10^7: three random bytes, five zero bytes. */
  for (size_t i = 0; i + 8 <= n; i += 8) {
    int64_t v = (int64_t)(rnd() % 10000000);
    memcpy(buf + i, &v, 8);
  }
  round_trip(buf, n);
  /* Incompressible: long literals with 2-, 3- and 4-byte lengths. */
  fill_random(buf, n);
  round_trip(buf, n);
  round_trip(buf, 70000);
  round_trip(buf, 300);
  /* Text-like. */
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)("the quick brown fox "[rnd() % 20]);
  round_trip(buf, n);
  memset(buf, 0, n);
  round_trip(buf, n);
  free(buf);
}

TEST(damaged_blocks_get_libsnappys_verdict) {
  static uint8_t buf[3000];
  char c[4000];
  for (int rep = 0; rep < 3000; rep++) {
    size_t n = rnd() % sizeof buf;
    size_t period = 1 + rnd() % 40;
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(rnd() % 4 ? i % period : rnd());
    size_t cn = sizeof c;
    CHECK(snappy_compress((const char *)buf, n, c, &cn) == SNAPPY_OK);
    uint8_t d[4000];
    memcpy(d, c, cn);
    switch (rep % 4) {
    case 0: /* a few flipped bytes */
      for (int k = 0; k < 1 + rep % 3; k++) d[rnd() % cn] ^= (uint8_t)(1 + rnd() % 255);
      same_verdict(d, cn);
      break;
    case 1: /* truncated */
      same_verdict(d, rnd() % cn);
      break;
    case 2: /* trailing garbage */
      d[cn] = (uint8_t)rnd();
      same_verdict(d, cn + 1);
      break;
    default: /* bytes after the preamble flipped, the length intact */
      if (cn > 3) d[2 + rnd() % (cn - 2)] = (uint8_t)rnd();
      same_verdict(d, cn);
      break;
    }
  }
}

TEST(hand_made_tags) {
  /* Length 4, literal "ab" then a copy of offset 0: corrupt. */
  const uint8_t off0[] = {4, 0x04, 'a', 'b', 0x01 | (0 << 2), 0x00};
  same_verdict(off0, sizeof off0);
  /* A copy reaching before the start of the output. */
  const uint8_t before[] = {6, 0x04, 'a', 'b', 0x01, 0x03};
  same_verdict(before, sizeof before);
  /* An overlapping copy of offset 1: "a" repeated. */
  const uint8_t rle[] = {9, 0x00, 'a', 0x01 | (4 << 2), 0x01};
  same_verdict(rle, sizeof rle);
  uint8_t out[9];
  CHECK_EQ_INT(em_snappy_decode(rle, sizeof rle, out, 9), 0);
  CHECK(memcmp(out, "aaaaaaaaa", 9) == 0);
  /* A long literal (1-byte length) running past the block. */
  const uint8_t longlit[] = {70, 60 << 2, 69, 'x', 'y'};
  same_verdict(longlit, sizeof longlit);
  /* A 4-byte literal length of 0xffffffff: libsnappy adds 1 in 32 bits
   * (a literal of no bytes), and so do we. */
  const uint8_t wrap[] = {0, 0xfc, 0xff, 0xff, 0xff, 0xff};
  same_verdict(wrap, sizeof wrap);
  /* A preamble of six varint bytes. */
  const uint8_t pre[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  same_verdict(pre, sizeof pre);
  /* Empty input. */
  uint8_t one[1];
  CHECK_EQ_INT(em_snappy_decode(pre, 0, one, 0), -1);
  /* Zero length, nothing after. */
  const uint8_t empty[] = {0};
  CHECK_EQ_INT(em_snappy_decode(empty, 1, one, 0), 0);
}

TEST_LIST{
    TEST_ENTRY(round_trips_every_short_length),
    TEST_ENTRY(round_trips_patterns_of_every_offset),
    TEST_ENTRY(round_trips_decimal_columns_and_large_blocks),
    TEST_ENTRY(damaged_blocks_get_libsnappys_verdict),
    TEST_ENTRY(hand_made_tags),
    TEST_END,
};
