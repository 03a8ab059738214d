/*
 * The counting allocator, fault injection and arenas.
 */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t alloc_count;
static _Atomic uint64_t fail_at; /* 0 = off; else the alloc_count that fails */

uint64_t em_mem_fail_after(uint64_t n) {
  uint64_t prev = atomic_exchange(&alloc_count, 0);
  atomic_store(&fail_at, n);
  return prev;
}

static int injected_failure(void) {
  uint64_t c = atomic_fetch_add(&alloc_count, 1) + 1;
  uint64_t f = atomic_load(&fail_at);
  return f != 0 && c == f;
}

void *em_malloc(size_t n) {
  if (injected_failure()) return NULL;
  return malloc(n ? n : 1);
}

void *em_calloc(size_t count, size_t n) {
  if (injected_failure()) return NULL;
  return calloc(count ? count : 1, n ? n : 1);
}

void *em_realloc(void *p, size_t n) {
  if (injected_failure()) return NULL;
  return realloc(p, n ? n : 1);
}

void em_free(void *p) { free(p); }

char *em_strdup(const char *s) { return em_strndup(s, strlen(s)); }

char *em_strndup(const char *s, size_t n) {
  char *d = em_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

void em_memtracker_init(em_memtracker *t, em_memtracker *parent, int64_t limit) {
  t->parent = parent;
  atomic_store(&t->used, 0);
  atomic_store(&t->peak, 0);
  t->limit = limit;
}

int em_memtracker_reserve(em_memtracker *t, int64_t n, em_error *err) {
  em_memtracker *cur;
  for (cur = t; cur; cur = cur->parent) {
    int64_t now = atomic_fetch_add(&cur->used, n) + n;
    if (cur->limit > 0 && now > cur->limit) {
      /* Undo this level and every level below it. */
      atomic_fetch_sub(&cur->used, n);
      for (em_memtracker *u = t; u != cur; u = u->parent) atomic_fetch_sub(&u->used, n);
      char req[32], got[32];
      snprintf(req, sizeof req, "%lld", (long long)n);
      snprintf(got, sizeof got, "%lld", (long long)(cur->limit - (now - n) > 0 ? cur->limit - (now - n) : 0));
      return em_error_set(err, EM_ERR_MEMORY_LIMIT, "requestedBytes", req, "receivedBytes", got, NULL);
    }
    int64_t pk = atomic_load(&cur->peak);
    while (now > pk && !atomic_compare_exchange_weak(&cur->peak, &pk, now)) {
    }
  }
  return 0;
}

void em_memtracker_release(em_memtracker *t, int64_t n) {
  for (em_memtracker *cur = t; cur; cur = cur->parent) atomic_fetch_sub(&cur->used, n);
}

struct em_arena_chunk {
  em_arena_chunk *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
};

void em_arena_init(em_arena *a, size_t chunk_size) {
  a->head = NULL;
  a->chunk_size = chunk_size ? chunk_size : 8192;
  a->total = 0;
}

void *em_arena_alloc(em_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!a->head || a->head->size - a->head->used < n) {
    size_t sz = a->chunk_size;
    if (sz < n) sz = n;
    em_arena_chunk *c = em_malloc(sizeof *c + sz);
    if (!c) return NULL;
    c->size = sz;
    c->used = 0;
    c->next = a->head;
    a->head = c;
    a->total += sz;
    /* Grow chunks geometrically, up to 1 MiB, to keep the chunk count low. */
    if (a->chunk_size < (1u << 20)) a->chunk_size *= 2;
  }
  void *p = a->head->data + a->head->used;
  a->head->used += n;
  return p;
}

void *em_arena_calloc(em_arena *a, size_t n) {
  void *p = em_arena_alloc(a, n);
  if (p) memset(p, 0, n);
  return p;
}

char *em_arena_strndup(em_arena *a, const char *s, size_t n) {
  char *d = em_arena_alloc(a, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *em_arena_strdup(em_arena *a, const char *s) { return s ? em_arena_strndup(a, s, strlen(s)) : NULL; }

char *em_arena_printf(em_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *d = em_arena_alloc(a, (size_t)n + 1);
  if (!d) return NULL;
  va_start(ap, fmt);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return d;
}

void em_arena_reset(em_arena *a) {
  if (!a->head) return;
  em_arena_chunk *keep = a->head;
  em_arena_chunk *c = keep->next;
  while (c) {
    em_arena_chunk *n = c->next;
    em_free(c);
    c = n;
  }
  keep->next = NULL;
  keep->used = 0;
  a->total = keep->size;
}

void em_arena_destroy(em_arena *a) {
  em_arena_chunk *c = a->head;
  while (c) {
    em_arena_chunk *n = c->next;
    em_free(c);
    c = n;
  }
  a->head = NULL;
  a->total = 0;
}
