/*
 * Private to expr/: Java regular expressions (java.util.regex, what Spark's
 * rlike, regexp_*, split and str_to_map use) over PCRE2. Patterns are
 * translated where Java's syntax differs (POSIX \p{Alpha} classes, \uXXXX
 * escapes) and compiled in UTF mode with Java's ASCII \d \w \s; the
 * iteration, split and replacement rules are Java's (Matcher.find after an
 * empty match, Pattern.split, Matcher.appendReplacement with $n, ${name}
 * and \ escapes). Offsets are bytes of the UTF-8 subject.
 */
#ifndef EM_EXPR_REGEX_H
#define EM_EXPR_REGEX_H

#include "expr_int.h"

typedef struct em_regex em_regex;

/* Compiles the Java pattern p[0..n). With an arena, the pattern lives in
 * it (freed with it; it may be shared by threads once built); without,
 * free it with em_regex_free. Returns 0 with *out set, 1 when the pattern
 * is not valid (nothing set: the caller raises its function's error),
 * -1 on out-of-memory with err set. */
int em_regex_compile(const char *p, size_t n, em_arena *arena, em_regex **out, em_error *err);
void em_regex_free(em_regex *re);
/* The number of capturing groups. */
int em_regex_groups(const em_regex *re);
/* The number of a named group, or -1. */
int em_regex_group_number(const em_regex *re, const char *name);

/* Per-thread match state for one pattern (match data, no sharing). */
typedef struct em_regex_matcher {
  const em_regex *re;
  void *md; /* pcre2_match_data */
  void *mc; /* pcre2_match_context: heap memory, never the pattern's arena */
  /* Java's find() sequence: where the next search starts; > subject
   * length once done. */
  size_t next;
} em_regex_matcher;

/* -1 on out-of-memory (err set). */
int em_regex_matcher_init(em_regex_matcher *m, const em_regex *re, em_error *err);
void em_regex_matcher_free(em_regex_matcher *m);
/* Starts a find() sequence over a subject. */
static inline void em_regex_reset(em_regex_matcher *m) { m->next = 0; }
/* Java's Matcher.find(): the next match of the sequence; 1 found, 0 none
 * left, -1 with err (a pathological pattern over the match limit). */
int em_regex_find(em_regex_matcher *m, const char *s, size_t n, em_error *err);
/* Group g of the last match: byte offsets, -1 when the group did not take
 * part. */
int64_t em_regex_start(const em_regex_matcher *m, int g);
int64_t em_regex_end(const em_regex_matcher *m, int g);

/* Java's Matcher.appendReplacement template for the last match: appends
 * the replacement `rep` with $n / ${name} / \c expanded. Returns 0, 1 when
 * the template is invalid for this pattern (Java's IllegalArgumentException
 * or IndexOutOfBoundsException), -1 on out-of-memory. */
int em_regex_expand(const em_regex_matcher *m, const char *s, const char *rep, size_t nrep, em_strbuf *out);

/* Spark's UTF8String.split(pattern, limit) (Java's String.split with a
 * limit of 0 read as -1; an empty pattern splits a non-empty string into
 * characters): calls emit(ud, piece, len) per piece in order. The raw
 * pattern length tells the empty-pattern case. -1 on error (err set, or
 * the error emit returned). */
int em_regex_split(em_regex_matcher *m, size_t pattern_len, const char *s, size_t n, int limit,
                   int (*emit)(void *ud, const char *p, size_t len), void *ud, em_error *err);

/* A one-entry cache for patterns that come from a column: recompiled only
 * when the pattern text changes from one row to the next. */
typedef struct em_regex_cache {
  char *text;
  size_t len;
  bool valid; /* text holds a pattern (compiled or invalid) */
  em_regex *re; /* NULL when the cached text is an invalid pattern */
  em_regex_matcher m;
} em_regex_cache;

/* The matcher for pattern p[0..n) (reset for a new subject). Returns 0,
 * 1 for an invalid pattern, -1 on out-of-memory. */
int em_regex_cache_get(em_regex_cache *c, const char *p, size_t n, em_regex_matcher **m, em_error *err);
void em_regex_cache_free(em_regex_cache *c);

/* The Java (UTF-16) length of s[0..n): code points, two for those above
 * U+FFFF; and the byte offset of UTF-16 position pos (n when beyond). */
int64_t em_regex_utf16_len(const char *s, size_t n);
size_t em_regex_utf16_offset(const char *s, size_t n, int64_t pos);

#endif
