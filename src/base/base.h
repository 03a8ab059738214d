/*
 * The base layer: errors, memory, strings. Every other layer includes this.
 */
#ifndef EM_BASE_H
#define EM_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"
#include "strbuf.h"

#define EM_API __attribute__((visibility("default")))
#define EM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define EM_UNUSED(x) ((void)(x))

/* Monotonic clock in nanoseconds. */
int64_t em_now_ns(void);
/* Wall clock in microseconds since the epoch. */
int64_t em_wall_us(void);
/* A random UUID v4 in canonical form into out[37]. */
void em_uuid4(char out[37]);
/* True when s is a canonical UUID string (any version). */
bool em_is_uuid(const char *s);
/* Runs fn(arg) on a thread of its own (a parked thread when one is idle,
 * else a new detached one with the given stack size, 0 = default). The
 * thread's stack size only applies when a thread is created: callers that
 * need deep stacks pass the same size every time. -1 when no thread. */
int em_spawn(void (*fn)(void *), void *arg, size_t stack_size);

/* Case-insensitive ASCII comparison (Spark's identifier resolution). */
int em_strcaseeq(const char *a, const char *b);

#endif
