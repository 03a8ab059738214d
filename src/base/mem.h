/*
 * Memory: one allocator for the whole program, so every byte is counted.
 *
 * em_malloc and friends wrap the C allocator. Each allocation may be charged
 * to an em_memtracker (one per query, chained to its session and the
 * process); a tracker with a budget refuses growth past it, which is how
 * operators learn to spill. Fault injection (em_mem_fail_after) makes the
 * N-th allocation fail, for tests of error paths.
 *
 * Arenas (em_arena) hold objects with one lifetime (a query's plan, a
 * batch's scratch) and are freed at once.
 */
#ifndef EM_BASE_MEM_H
#define EM_BASE_MEM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Plain allocation. NULL on failure (or injected failure); never aborts. */
void *em_malloc(size_t n);
void *em_calloc(size_t count, size_t n);
void *em_realloc(void *p, size_t n);
void em_free(void *p);
char *em_strdup(const char *s);
char *em_strndup(const char *s, size_t n);

/* Fault injection: the n-th allocation from now fails (n >= 1); 0 disables.
 * Returns the number of allocations since the last call. */
uint64_t em_mem_fail_after(uint64_t n);

/* A byte counter with an optional budget, chained to a parent. */
typedef struct em_memtracker {
  struct em_memtracker *parent;
  _Atomic int64_t used;
  _Atomic int64_t peak;
  int64_t limit; /* 0 = unlimited */
} em_memtracker;

void em_memtracker_init(em_memtracker *t, em_memtracker *parent, int64_t limit);
/* Charges n bytes; -1 with UNABLE_TO_ACQUIRE_MEMORY if a budget on the chain
 * would be exceeded (then nothing is charged). */
int em_memtracker_reserve(em_memtracker *t, int64_t n, em_error *err);
void em_memtracker_release(em_memtracker *t, int64_t n);

/* Arena: bump allocation in chunks; everything freed by em_arena_destroy. */
typedef struct em_arena_chunk em_arena_chunk;
typedef struct em_arena {
  em_arena_chunk *head;
  size_t chunk_size;
  size_t total;
} em_arena;

void em_arena_init(em_arena *a, size_t chunk_size);
/* 16-byte aligned; NULL on out-of-memory. */
void *em_arena_alloc(em_arena *a, size_t n);
void *em_arena_calloc(em_arena *a, size_t n);
char *em_arena_strdup(em_arena *a, const char *s);
char *em_arena_strndup(em_arena *a, const char *s, size_t n);
char *em_arena_printf(em_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees all chunks but the first and rewinds it. */
void em_arena_reset(em_arena *a);
void em_arena_destroy(em_arena *a);

#endif
