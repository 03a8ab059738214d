/*
 * Private structures of the executor: sources, operators, pipelines.
 */
#ifndef EM_EXEC_INT_H
#define EM_EXEC_INT_H

#include <pthread.h>

#include "exec.h"

typedef enum em_op_status {
  EM_OP_ERROR = -1,
  EM_OP_NEED_MORE_INPUT = 0,
  EM_OP_HAVE_MORE_OUTPUT = 1,
  EM_OP_FINISHED = 2,
} em_op_status;

typedef struct em_source em_source;
typedef struct em_op em_op;
typedef struct em_sink em_sink;
typedef struct em_pipeline em_pipeline;

/* A source produces the batches of one partition, in order. */
typedef struct em_source_vt {
  const char *name;
  size_t local_size; /* per-task state, zeroed before the first call */
  /* Produces the next batch of partition `part` in *out (new reference),
   * or *out = NULL when the partition is exhausted. */
  int (*next)(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err);
  void (*close_local)(const em_source *src, void *local);
  /* Optional: runs once the pipeline's inputs are ready, before its tasks
   * start (may set nparts). */
  int (*prepare)(em_source *src, em_exec_ctx *ctx, em_error *err);
} em_source_vt;

/* How a chain source lays out the partitions of its input pipelines. */
typedef enum em_chain_mode {
  EM_CHAIN_CONCAT,   /* union: every input partition, inputs in order */
  EM_CHAIN_COALESCE, /* coalesce(n): groups of the one input's partitions */
} em_chain_mode;

struct em_source {
  const em_source_vt *vt;
  int nparts;
  em_type *schema;
  union {
    const void *cfg; /* sources defined in their own file (arena-owned parameters) */
    struct {
      int64_t start, end, step;
    } range;
    struct {
      em_batch **batches; /* borrowed from the plan or owned by a gathered child */
      int nbatches;
      /* > 0: a gathered local relation re-split as Spark's LocalTableScan
       * does, over min(rows, split_max) partitions by row ranges. */
      int split_max;
    } batches;
    em_sink *sink; /* em_src_sink_vt: reads a finalized sink's output */
    const struct cache_pin *cache_pin; /* op_cache.c: a cached relation's partitions */
    struct {       /* em_src_chain_vt (src_chain.c) */
      em_pipeline **inputs; /* streamed: their source and operators run in our tasks */
      int ninputs;
      em_chain_mode mode;
      int target;       /* COALESCE: partitions asked for */
      em_arena *arena;  /* the query's compile arena, for the layout */
      int *starts;      /* partition p reads items [starts[p], starts[p+1]) */
      int *item_input, *item_part;
    } chain;
  } u;
};

/* A sink ends a pipeline that breaks the flow (hash aggregate, sort, join
 * build, exchange): tasks push their batches into it in any order, each
 * task's local state is combined when its partition ends, and finalize
 * runs once every task is done. Its output is then read, partition by
 * partition, by the next pipeline's source (next). */
typedef struct em_sink_vt {
  const char *name;
  size_t local_size; /* per-task state, zeroed before the first batch */
  int (*sink)(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err);
  /* The task of `part` is done: fold its local state into the sink. Runs on
   * task threads concurrently; the sink locks s->mu as it needs. */
  int (*combine)(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err);
  /* Frees a task's local state (also after an error). */
  void (*close_local)(em_sink *s, void *local);
  /* After all tasks: prepares the output and sets s->out_parts. */
  int (*finalize)(em_sink *s, em_exec_ctx *ctx, em_error *err);
  /* Produces the next batch of output partition `part` (NULL = done). */
  size_t source_local_size;
  int (*next)(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err);
  /* Frees the sink's state at the end of the query. */
  void (*destroy)(em_sink *s);
  /* Optional, for sinks that are shuffles in Spark: whether output
   * partition `part` holds rows (it then has a preferred location, which
   * steers Spark's coalesce). */
  bool (*part_has_rows)(em_sink *s, int part);
  /* Optional: frees what next kept in a reader's local state (a reader may
   * stop before the end). */
  void (*source_close)(em_sink *s, void *local);
} em_sink_vt;

struct em_sink {
  const em_sink_vt *vt;
  em_type *in_schema;  /* schema of the batches pushed in */
  em_type *out_schema; /* schema of the batches read out */
  int in_parts;        /* partitions of the input pipeline */
  int out_parts;       /* set by finalize */
  const void *cfg;     /* the operator's parameters (plan-owned) */
  void *state;         /* the operator's shared state */
  pthread_mutex_t mu;
};

/* An operator transforms batches; see exec.h for the contract. *out gets a
 * new reference or NULL (nothing to emit for this call). */
typedef struct em_op_vt {
  const char *name;
  size_t local_size;
  em_op_status (*execute)(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                          em_error *err);
  void (*close_local)(const em_op *op, void *local);
  /* Optional: the partition's input has ended; emit what is pending (a
   * spilled hash join probes its spilled rows here). Called again while
   * it answers HAVE_MORE_OUTPUT; *out (new reference or NULL) goes to the
   * next operator. */
  em_op_status (*finish)(const em_op *op, void *local, em_batch **out, em_exec_ctx *ctx, em_error *err);
} em_op_vt;

struct em_op {
  const em_op_vt *vt;
  em_type *out_schema;
  union {
    struct {
      em_expr **exprs;
      int nexprs;
    } project;
    struct {
      em_expr *cond;
    } filter;
    struct {
      int64_t n;
    } limit;
    const void *cfg; /* parameters of operators defined in their own file (arena-owned) */
    struct {
      double lower, upper;
      bool replace;
      int64_t seed;
    } sample;
  } u;
};

extern const em_source_vt em_src_range_vt;
extern const em_source_vt em_src_batches_vt;
extern const em_source_vt em_src_sink_vt;
extern const em_source_vt em_src_chain_vt;
/* A file scan (src_scan.c) over an EM_LP_SCAN node. */
extern const em_source_vt em_src_scan_vt;
int em_src_scan_init(em_source *src, const em_lplan *n, em_arena *a, em_error *err);
extern const em_op_vt em_op_sample_vt;
/* df.observe (op_observe.c); u.cfg is the EM_LP_OBSERVE node. */
extern const em_op_vt em_op_observe_vt;
extern const em_op_vt em_op_project_vt;
extern const em_op_vt em_op_filter_vt;
extern const em_op_vt em_op_local_limit_vt;
/* Generate (op_generate.c): sets op's vt and parameters from the plan node. */
int em_op_generate_init(em_op *op, const em_lplan *n, em_arena *a, em_error *err);
/* Expand (op_expand.c): sets op's vtable and parameters (in arena a). */
int em_op_expand_init(em_op *op, em_arena *a, em_expr ***projs, int nprojs, int ncols);

/* A pipeline: source -> ops. What happens with its output (gathered with a
 * limit, streamed, shown) is decided by the runner from `final`. */
typedef enum em_final_kind {
  EM_FINAL_STREAM, /* root: stream batches to the caller */
  EM_FINAL_LIMIT,  /* gather: first n rows in partition order */
  EM_FINAL_OFFSET, /* gather: all rows after the first n */
  EM_FINAL_TAIL,   /* gather: last n rows */
  EM_FINAL_SHOW,   /* gather num_rows + 1 rows, render show_string */
  EM_FINAL_ALL,    /* gather every row (a local relation to re-split) */
} em_final_kind;

typedef struct em_pipeline_tail {
  em_source src;
  int op;
} em_pipeline_tail;

typedef struct em_pipeline em_pipeline;
struct em_pipeline {
  em_source src;
  em_op *ops;
  int nops;
  em_pipeline *child; /* feeds src: gathered batches, or child->sink's output */
  em_sink *sink;      /* when set, output goes into this sink, not to a consumer */
  em_pipeline **deps; /* pipelines that must finish first (e.g. join build sides) */
  int ndeps;
  /* Sources whose rows enter once every earlier partition is done (a full
   * outer join's unmatched build rows): tail i's partitions follow src's
   * and tail i-1's, and its batches are pushed from operator tails[i].op. */
  struct em_pipeline_tail *tails;
  int ntails;
  em_final_kind final;
  int64_t final_n;
  int show_truncate;
  bool show_vertical;
  bool show_html;
  em_type *out_schema;
  /* Batches gathered from `child`, owned here. */
  em_batch **owned;
  int nowned;
  /* Pipelines a chain source streams from (union, coalesce). */
  em_pipeline **inputs;
  int ninputs;
  /* A local relation under projections and filters only: Spark folds
   * those into the relation (evaluated as partition 0) and then scans it
   * in min(rows, local_max) partitions. */
  bool local_chain;
  int local_max;
};

/* Allocates a sink in arena a (its mutex initialised; destroyed by the
 * runner at the end of the query). */
em_sink *em_sink_new(em_arena *a, const em_sink_vt *vt, const void *cfg, em_type *in_schema, em_type *out_schema);

/* Compiles an EM_LP_AGGREGATE node over the child's pipeline: a hash
 * aggregate sink ends `child`, and *out reads its groups (op_hash_agg.c). */
int em_hash_agg_compile(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline *child, em_type *schema,
                        em_pipeline **out, em_error *err);
/* Compiles an EM_LP_JOIN node over its inputs' pipelines: one of them ends
 * in the build sink and becomes a dependency of the other, which probes;
 * *out is the probing pipeline (op_hash_join.c). */
int em_hash_join_compile(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline *left, em_pipeline *right,
                         em_type *schema, em_pipeline **out, em_error *err);
/* The sort sink for an EM_LP_SORT node (op_sort.c). */
extern const em_sink_vt em_sink_sort_vt;
/* limit > 0: only the first `limit` rows are needed (a limit above the sort). */
em_sink *em_sink_sort_new(em_arena *a, const em_lplan *n, em_type *in_schema, int64_t limit);

/* Spark's ordering of sort keys (op_sort.c): rows i of ka and j of kb. */
int em_sort_compare_rows(const bool *ascending, const bool *nulls_first, int nkeys, em_vec *const *ka, int64_t i,
                         em_vec *const *kb, int64_t j);

/* The window sink of an EM_LP_WINDOW node (op_window.c); its input is
 * partitioned and sorted by the nodes below. */
em_sink *em_sink_window_new(em_arena *a, const em_lplan *n, em_type *in_schema, em_type *out_schema);

/* The exchange sink of an EM_LP_EXCHANGE node (op_exchange.c). */
extern const em_sink_vt em_sink_exchange_vt;
em_sink *em_sink_exchange_new(em_arena *a, const em_lplan *n, em_type *in_schema);

/* Intersect / except / distinct (op_setop.c): `right` collects the second
 * input (NULL for distinct); the set-op sink ends the first input's
 * pipeline and serves the result as one partition. */
em_sink *em_sink_collect_new(em_arena *a, em_type *in_schema);
em_sink *em_sink_setop_new(em_arena *a, const em_lplan *n, em_type *in_schema, em_sink *right);

/* ---- Spark's UnsafeRow bytes (unsafe_row.c) ----
 * The binary row Spark sorts by before round-robin repartitioning: null
 * bits, an 8-byte slot per field, then variable-length data, 8-byte
 * aligned. Columns with used[c] false are left out (used may be NULL). */
size_t em_unsafe_row_size(em_vec *const *cols, const bool *used, int ncols, int64_t row);
/* Writes the row at dst (em_unsafe_row_size bytes, zeroed by the caller). */
void em_unsafe_row_write(uint8_t *dst, em_vec *const *cols, const bool *used, int ncols, int64_t row);

/* ---- Spark's random number generators (spark_random.c) ---- */
typedef struct em_xorshift {
  uint64_t seed;
} em_xorshift;
void em_xorshift_init(em_xorshift *r, int64_t seed);
int32_t em_xorshift_next_int(em_xorshift *r, int32_t bound);
double em_xorshift_next_double(em_xorshift *r);
typedef struct em_jrandom {
  uint64_t seed;
} em_jrandom;
void em_jrandom_init(em_jrandom *r, int64_t seed);
int32_t em_jrandom_next_int(em_jrandom *r, int32_t bound);
int64_t em_jrandom_next_long(em_jrandom *r);
typedef struct em_well {
  int32_t v[624];
  int index;
} em_well;
void em_well_init(em_well *w, int64_t seed);
double em_well_next_double(em_well *w);
/* Commons Math PoissonDistribution(mean).sample() over w. */
int64_t em_poisson_sample(em_well *w, double mean);

/* The sink that hands each partition to an em_part_consumer (sink_parts.c). */
em_sink *em_sink_parts_new(em_arena *a, const em_part_consumer *pc, void *user, em_type *in_schema);

/* Builds the pipelines of a plan in arena `a`. */
int em_exec_compile(const em_plan *plan, em_arena *a, em_pipeline **out, em_error *err);

/* Cuts a batch to its first n rows (new reference; the same batch when it
 * already fits). */
em_batch *em_batch_head(em_batch *b, int64_t n);

#include "../expr/format.h"

/* Dataset.showString(num_rows, truncate, vertical) over the rows of
 * `batches` (all with `schema`, read in order; at most num_rows are shown).
 * truncate > 0 cuts cells longer than that to truncate-3 chars + "..."
 * and right-aligns; 0 shows full cells left-aligned. total_rows is the
 * number of rows the query has (at least the rows given); when it exceeds
 * num_rows the "only showing top N rows" footer is added. timezone is the
 * session time zone (NULL = UTC). Appends to out; -1 with err on failure. */
int em_show_string(const em_type *schema, em_batch *const *batches, int nbatches, int64_t num_rows, int truncate,
                   bool vertical, const char *tz_name, int64_t total_rows, em_strbuf *out, em_error *err);
/* Spark's Dataset.htmlString (the eager-evaluation HTML of notebooks). */
int em_html_string(const em_type *schema, em_batch *const *batches, int nbatches, int64_t num_rows, int truncate,
                   const char *tz_name, int64_t total_rows, em_strbuf *out, em_error *err);


#endif
