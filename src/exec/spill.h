/*
 * Spill files: temporary files of batches that operators write when the
 * query's memory budget refuses a reservation, and read back later.
 *
 * A spill file lives in the query's spill directory (em_exec_ctx.spill_dir,
 * from spark.ember.spill.dir, else spark.local.dir, else $TMPDIR or /tmp).
 * It is created with mkstemp and unlinked at once, so no name is ever left
 * behind: whatever ends the query (success, error, cancellation, a crash of
 * the server), the kernel reclaims the space when the descriptor closes.
 *
 * Format: a sequence of blocks, each a little-endian u64 length followed by
 * one complete Arrow IPC stream (schema, one record batch, end-of-stream)
 * written by our own writer (src/arrow). Batches read back are given the
 * writer's Spark types again (IPC maps a few types, such as CHAR(n), to
 * their Arrow storage type).
 *
 * Private to exec.
 */
#ifndef EM_EXEC_SPILL_H
#define EM_EXEC_SPILL_H

#include <stdio.h>

#include "exec_int.h"

typedef struct em_spill_file {
  FILE *f;
  int64_t bytes;    /* written */
  int64_t nbatches; /* written */
  bool reading;
  uint8_t *buf; /* read buffer */
  size_t cap;
} em_spill_file;

/* True when ctx allows spilling and err is a refused memory reservation:
 * the caller should spill and retry. */
bool em_spill_should(const em_exec_ctx *ctx, const em_error *err);

/* Creates an empty spill file for writing. NULL with err set on failure. */
em_spill_file *em_spill_create(em_exec_ctx *ctx, em_error *err);
/* Appends a batch (borrowed). Counts the bytes in ctx->spill_stats. */
int em_spill_write(em_spill_file *sf, em_exec_ctx *ctx, const em_batch *b, em_error *err);
/* Next batch in write order (new reference, typed by `schema`, which must
 * be the writer's schema), or *out = NULL at the end. The first read
 * switches the file from writing to reading. */
int em_spill_read(em_spill_file *sf, em_type *schema, em_batch **out, em_error *err);
/* Shared reading (several tasks read one file at once): after
 * em_spill_flush, each reader keeps its own offset (start at 0). */
int em_spill_flush(em_spill_file *sf, em_error *err);
int em_spill_read_at(em_spill_file *sf, int64_t *off, em_type *schema, em_batch **out, em_error *err);
/* The same, reading no further than `end` (a range written and flushed
 * before, while the file may still grow). */
int em_spill_read_until(em_spill_file *sf, int64_t *off, int64_t end, em_type *schema, em_batch **out, em_error *err);
/* Starts reading again from the first batch. */
int em_spill_rewind(em_spill_file *sf, em_error *err);
/* Closes and frees (NULL is fine). */
void em_spill_free(em_spill_file *sf);

/* A schema of a's fields followed by b's (b may be NULL: a copy of a);
 * the extra fields are named prefix0, prefix1... NULL on OOM. */
em_type *em_spill_schema(const em_type *a, em_type *const *extra, int nextra, const char *prefix);

#endif
