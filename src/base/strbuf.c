/*
 * em_strbuf: growable strings.
 */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void em_strbuf_init(em_strbuf *sb) {
  sb->data = NULL;
  sb->len = sb->cap = 0;
  sb->oom = false;
}

void em_strbuf_free(em_strbuf *sb) {
  em_free(sb->data);
  em_strbuf_init(sb);
}

void em_strbuf_reset(em_strbuf *sb) {
  sb->len = 0;
  if (sb->data) sb->data[0] = '\0';
}

static int grow(em_strbuf *sb, size_t extra) {
  if (sb->oom) return -1;
  if (sb->len + extra + 1 <= sb->cap) return 0;
  size_t ncap = sb->cap ? sb->cap * 2 : 64;
  while (ncap < sb->len + extra + 1) ncap *= 2;
  char *nd = em_realloc(sb->data, ncap);
  if (!nd) {
    sb->oom = true;
    return -1;
  }
  sb->data = nd;
  sb->cap = ncap;
  return 0;
}

int em_strbuf_append(em_strbuf *sb, const char *s, size_t n) {
  if (grow(sb, n)) return -1;
  if (n) memcpy(sb->data + sb->len, s, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
  return 0;
}

int em_strbuf_puts(em_strbuf *sb, const char *s) { return em_strbuf_append(sb, s, strlen(s)); }

int em_strbuf_putc(em_strbuf *sb, char c) { return em_strbuf_append(sb, &c, 1); }

int em_strbuf_repeat(em_strbuf *sb, char c, size_t n) {
  if (grow(sb, n)) return -1;
  memset(sb->data + sb->len, c, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
  return 0;
}

int em_strbuf_printf(em_strbuf *sb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || grow(sb, (size_t)n)) return -1;
  va_start(ap, fmt);
  vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb->len += (size_t)n;
  return 0;
}

char *em_strbuf_take(em_strbuf *sb) {
  char *d = sb->data;
  if (!d) d = em_strdup("");
  em_strbuf_init(sb);
  return d;
}
