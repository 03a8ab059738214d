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

/* A source produces the batches of one partition, in order. */
typedef struct em_source_vt {
  const char *name;
  size_t local_size; /* per-task state, zeroed before the first call */
  /* Produces the next batch of partition `part` in *out (new reference),
   * or *out = NULL when the partition is exhausted. */
  int (*next)(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err);
  void (*close_local)(const em_source *src, void *local);
} em_source_vt;

struct em_source {
  const em_source_vt *vt;
  int nparts;
  em_type *schema;
  union {
    struct {
      int64_t start, end, step;
    } range;
    struct {
      em_batch **batches; /* borrowed from the plan or owned by a gathered child */
      int nbatches;
    } batches;
    em_sink *sink; /* em_src_sink_vt: reads a finalized sink's output */
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
  } u;
};

extern const em_source_vt em_src_range_vt;
extern const em_source_vt em_src_batches_vt;
extern const em_source_vt em_src_sink_vt;
extern const em_op_vt em_op_project_vt;
extern const em_op_vt em_op_filter_vt;
extern const em_op_vt em_op_local_limit_vt;

/* A pipeline: source -> ops. What happens with its output (gathered with a
 * limit, streamed, shown) is decided by the runner from `final`. */
typedef enum em_final_kind {
  EM_FINAL_STREAM, /* root: stream batches to the caller */
  EM_FINAL_LIMIT,  /* gather: first n rows in partition order */
  EM_FINAL_OFFSET, /* gather: all rows after the first n */
  EM_FINAL_TAIL,   /* gather: last n rows */
  EM_FINAL_SHOW,   /* gather num_rows + 1 rows, render show_string */
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
