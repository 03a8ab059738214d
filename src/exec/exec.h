/*
 * exec: vectorized, partitioned execution of a resolved plan.
 *
 * A plan is cut into pipelines (source -> operators -> sink) at breakers:
 * a global limit/offset/tail gathers its input into one partition, as
 * Spark's GlobalLimit does. Each pipeline runs one task per partition on the
 * process's worker pool; the root pipeline streams its batches to the
 * caller in partition order (the order collect() returns rows in).
 *
 * Operator contract (DuckDB's): an operator takes one input batch and
 * answers NEED_MORE_INPUT (give me the next batch), HAVE_MORE_OUTPUT (call
 * again with the same input) or FINISHED (no more input wanted, e.g. a
 * limit that is satisfied). Per-task state lives in the task, plans are
 * immutable, so one operator serves all partitions at once.
 *
 * Cancellation: every loop checks em_exec_ctx.cancel; an interrupted query
 * fails with OPERATION_CANCELED.
 */
#ifndef EM_EXEC_H
#define EM_EXEC_H

#include "../arrow/arrow.h"
#include "../base/base.h"
#include "../expr/expr.h"
#include "../plan/plan.h"

/* What a query wrote to spill files (see em_exec_ctx.spill_dir). */
typedef struct em_spill_stats {
  _Atomic int64_t bytes;
  _Atomic int64_t files;
} em_spill_stats;

typedef struct em_exec_ctx {
  _Atomic bool *cancel;       /* set by Interrupt, client disconnect, shutdown */
  _Atomic bool *stop;         /* set by the executor when a consumer needs no more rows */
  em_memtracker *mem;         /* the query's memory account */
  em_eval_ctx eval;           /* time zone, ANSI */
  int64_t batch_rows;         /* spark.sql.execution.arrow.maxRecordsPerBatch */
  int threads;                /* tasks run at once (0 = all workers) */
  /* Spilling (spill.h): where operators write what the memory budget
   * (mem->limit) refuses; NULL = no spilling, the query fails with
   * UNABLE_TO_ACQUIRE_MEMORY instead. spill_stats (optional) counts what
   * was written. */
  const char *spill_dir;
  em_spill_stats *spill_stats;
  /* df.observe metrics of this run (op_observe.c); NULL: observe nodes
   * only pass their rows on. */
  struct em_observations *observed;
} em_exec_ctx;

/* The accumulated metrics of a run's observe nodes (EM_LP_OBSERVE). Set
 * ctx->observed to a new holder before em_exec_run; afterwards
 * em_observations_result gives node n's metrics: a one-row batch of its
 * `results` (new reference), or *out = NULL when the node did not run in
 * this query (replaced by a cached relation). */
typedef struct em_observations em_observations;
em_observations *em_observations_new(void);
void em_observations_free(em_observations *o);
int em_observations_result(em_observations *o, const em_lplan *n, em_exec_ctx *ctx, em_batch **out, em_error *err);

/* Receives result batches in order, on the caller's thread. Return 0 to
 * continue, -1 (with err set) to stop the query. The batch is borrowed:
 * take a reference to keep it. */
typedef int (*em_result_fn)(void *user, em_batch *b, em_error *err);

/* Runs `plan` and streams its output. Blocks until done, failed or
 * cancelled. Returns 0 or -1 with err set. */
int em_exec_run(const em_plan *plan, em_exec_ctx *ctx, em_result_fn fn, void *user, em_error *err);

/* Consumes each output partition on the task thread that computes it (a
 * write job's tasks): open when the partition's first batch arrives, batch
 * for each batch (borrowed), close with commit = 1 when the partition is
 * done and commit = 0 when the query failed or was cancelled. */
typedef struct em_part_consumer {
  int (*open)(void *user, int part, void **local, em_error *err);
  int (*batch)(void *user, void *local, em_batch *b, em_error *err);
  int (*close)(void *user, void *local, int commit, em_error *err);
} em_part_consumer;

/* Runs `plan` with every partition in parallel (any order), each into the
 * consumer. Blocks until done; 0 or -1 with err. */
int em_exec_run_parts(const em_plan *plan, em_exec_ctx *ctx, const em_part_consumer *pc, void *user, em_error *err);

/* True when the query should stop; sets OPERATION_CANCELED in err. */
static inline bool em_exec_cancelled(const em_exec_ctx *ctx) {
  return (ctx->cancel && *ctx->cancel) || (ctx->stop && *ctx->stop);
}

/* The process-wide worker pool (created on first use, one thread a core). */
typedef void (*em_task_fn)(void *arg);
int em_pool_submit(em_task_fn fn, void *arg);
int em_pool_size(void);
void em_pool_shutdown(void);

/* ---- cached relations (cache_store.c) ----
 * A store per session holds the partitions of its persisted DataFrames
 * and checkpoints (em_cache_entry, see plan.h) under a memory budget, with
 * LRU eviction to disk (levels with disk) or to nothing (recomputed from
 * the lineage when next used). */
typedef struct em_cache_store em_cache_store;

typedef struct em_cache_stats {
  int64_t parts_computed; /* partitions computed and stored */
  int64_t scans;          /* queries that read a complete entry */
  int64_t evictions;      /* partitions pushed out of memory */
  int64_t disk_writes;    /* partitions written to disk */
  int64_t disk_bytes;
  int64_t mem_bytes;      /* held in memory now */
} em_cache_stats;

/* A new store (NULL on OOM); em_cache_store_release drops the owner's
 * reference (entries keep the store alive until they go). */
em_cache_store *em_cache_store_new(void);
void em_cache_store_release(em_cache_store *s);
/* Memory budget in bytes (<= 0: keep nothing in memory) and the directory
 * for disk levels; evicts at once when over the new budget. */
void em_cache_store_configure(em_cache_store *s, int64_t budget, const char *dir);
void em_cache_store_stats(em_cache_store *s, em_cache_stats *out);

/* A new entry (one reference) computing with `lineage` (taken; freed with
 * the entry, also on failure). memory/disk: the storage level. file_dir:
 * for a reliable checkpoint, the directory of its file (else NULL). */
em_cache_entry *em_cache_entry_new(em_cache_store *s, em_plan *lineage, bool memory, bool disk, const char *file_dir,
                                   em_error *err);
em_cache_entry *em_cache_entry_ref(em_cache_entry *e);
void em_cache_entry_unref(em_cache_entry *e);
const em_type *em_cache_entry_schema(const em_cache_entry *e);
/* Computes and stores every missing partition now (eager checkpoint). */
int em_cache_entry_materialize(em_cache_entry *e, em_exec_ctx *ctx, em_error *err);

#endif
