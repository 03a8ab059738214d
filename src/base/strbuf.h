/*
 * A growable byte string (heap), for rendering text and building buffers.
 */
#ifndef EM_BASE_STRBUF_H
#define EM_BASE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct em_strbuf {
  char *data; /* always NUL-terminated when non-NULL */
  size_t len, cap;
  bool oom;   /* set once an append failed; later appends are ignored */
} em_strbuf;

void em_strbuf_init(em_strbuf *sb);
void em_strbuf_free(em_strbuf *sb);
void em_strbuf_reset(em_strbuf *sb);
/* Appends; on out-of-memory sets sb->oom and returns -1. */
int em_strbuf_append(em_strbuf *sb, const char *s, size_t n);
int em_strbuf_puts(em_strbuf *sb, const char *s);
int em_strbuf_putc(em_strbuf *sb, char c);
int em_strbuf_printf(em_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int em_strbuf_repeat(em_strbuf *sb, char c, size_t n);
/* Hands the buffer to the caller (em_free it); sb is reset. */
char *em_strbuf_take(em_strbuf *sb);

#endif
