/*
 * Fuzz target: Java regular expressions (src/expr/regex.c). The input is
 * "pattern \0 replacement \0 subject": the pattern is translated and
 * compiled (into an arena and on the heap), then every find(), a
 * replacement expansion per match and a split run over the subject. Any
 * outcome but a crash, a leak or an out-of-bounds access is fine.
 */
#include <stdint.h>
#include <string.h>

#include "expr/regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_piece(void *ud, const char *p, size_t len) {
  (void)p;
  *(size_t *)ud += len + 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const char *z1 = memchr(s, 0, size);
  size_t plen = z1 ? (size_t)(z1 - s) : size;
  const char *rep = z1 ? z1 + 1 : "";
  size_t rest = z1 ? size - plen - 1 : 0;
  const char *z2 = rest ? memchr(rep, 0, rest) : NULL;
  size_t rlen = z2 ? (size_t)(z2 - rep) : rest;
  const char *subj = z2 ? z2 + 1 : "";
  size_t slen = z2 ? rest - rlen - 1 : 0;

  em_error err;
  em_arena arena;
  em_arena_init(&arena, 4096);
  em_regex *lit = NULL;
  (void)em_regex_compile(s, plen, &arena, &lit, &err);
  em_regex_cache cache = {0};
  em_regex_matcher *m = NULL;
  if (em_regex_cache_get(&cache, s, plen, &m, &err) == 0) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    int f, guard = 0;
    while ((f = em_regex_find(m, subj, slen, &err)) > 0 && guard++ < 10000) {
      if (em_regex_expand(m, subj, rep, rlen, &sb)) break;
    }
    em_strbuf_free(&sb);
    size_t total = 0;
    (void)em_regex_split(m, plen, subj, slen, (int)(rlen % 5) - 1, count_piece, &total, &err);
  }
  em_regex_cache_free(&cache);
  em_arena_destroy(&arena);
  return 0;
}
