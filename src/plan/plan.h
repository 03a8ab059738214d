/*
 * plan: the analyzer and the logical plan.
 *
 * em_analyze resolves a spec tree against the session (names, types,
 * functions, Spark's rules) into an em_lplan: a tree of logical operators,
 * each with its output attributes. Attributes carry expression ids so a
 * reference resolved high in the tree (df1["id"] after a join) still finds
 * its column. The plan owns an arena; em_lplan_free releases everything.
 */
#ifndef EM_PLAN_H
#define EM_PLAN_H

#include "../arrow/arrow.h"
#include "../base/base.h"
#include "../expr/expr.h"
#include "../expr/win.h"
#include "../io/io.h"
#include "../spec/spec.h"
#include "../types/types.h"
#include "../wasm/wasm.h"

/* A cached relation's data (defined by exec/cache_store.c). */
typedef struct em_cache_entry em_cache_entry;

typedef struct em_attr {
  char *name;
  em_type *type;
  bool nullable;
  int64_t id;        /* expression id, unique within a session */
  char *qualifier;   /* subquery alias or NULL */
  char *metadata;    /* JSON or NULL */
  /* A hidden column (a USING join key) made an output column because a
   * df["col"], qualified name or qualified star named it: found by those,
   * never by a bare name (Spark's qualified-access-only attributes). */
  bool hidden;
} em_attr;

typedef enum em_lplan_kind {
  EM_LP_RANGE,
  EM_LP_LOCAL,
  EM_LP_PROJECT,
  EM_LP_FILTER,
  EM_LP_LIMIT,
  EM_LP_OFFSET,
  EM_LP_TAIL,
  EM_LP_SHOW_STRING,
  EM_LP_AGGREGATE, /* resolve_aggregate.c: groupBy/agg, distinct, dropDuplicates */
  EM_LP_SORT,
  EM_LP_JOIN, /* resolve_join.c */
  EM_LP_EXCHANGE, /* resolve_partitioning.c: repartition, repartitionByRange */
  EM_LP_COALESCE, /* coalesce(n): adjacent partitions merged, no shuffle */
  EM_LP_UNION,    /* resolve_setop.c: union, unionByName */
  EM_LP_SET_OP,   /* intersect / except, distinct or all */
  EM_LP_SAMPLE,
  EM_LP_WINDOW, /* resolve_window.c: window functions over a sorted, partitioned child */
  EM_LP_GENERATE, /* resolve_generate.c: explode, posexplode, inline, stack */
  EM_LP_SCAN,     /* resolve_read.c: a file source (spark.read) */
  EM_LP_EXPAND,   /* resolve_grouping.c, resolve_unpivot.c: n output rows per input row */
  EM_LP_CACHED,   /* a cached or checkpointed relation (a leaf; cache.c) */
  EM_LP_OBSERVE,  /* resolve_observe.c: df.observe (CollectMetrics), rows pass through */
} em_lplan_kind;

/* How an exchange distributes rows (Spark's Partitioning). */
typedef enum em_part_mode { EM_PART_ROUND_ROBIN, EM_PART_HASH, EM_PART_RANGE, EM_PART_SINGLE } em_part_mode;

/* Join strategy hints from df.hint(...), for the join planner. */
enum {
  EM_HINT_BROADCAST = 1,
  EM_HINT_SHUFFLE_MERGE = 2,
  EM_HINT_SHUFFLE_HASH = 4,
  EM_HINT_SHUFFLE_REPLICATE_NL = 8,
};

/* EM_LP_SET_OP operators (union is its own node). */
typedef enum em_setop { EM_SETOP_INTERSECT, EM_SETOP_EXCEPT, EM_SETOP_DISTINCT } em_setop;

/* A file scan: the output is the data columns, then the partition
 * columns; partition p reads splits [part_start[p], part_start[p+1]). */
typedef struct em_scan_plan {
  const em_format *format;
  em_options options;          /* plan arena */
  em_file *files;              /* plan arena */
  int nfiles;
  em_type *data_schema;        /* STRUCT of the files' columns (plan-held) */
  int ndata, npart;            /* output = ndata data columns + npart partition columns */
  em_vec **part_values;        /* per partition column: one row per file of index */
  em_split *splits;
  int nsplits;
  int *part_start;
  int nparts;
  bool *needed;                /* per output column (column pruning); NULL = all */
  em_pushed_filter *filters;   /* over data_schema columns */
  int nfilters;
  /* The filter above is deterministic: a reader may drop rows its pushed
   * filters reject (the filter would drop them anyway). */
  bool filter_rows;
  /* Parquet's _metadata.row_index is wanted: output column ndata + npart
   * (hidden) holds each row's index in its file (resolve_metadata.c). */
  bool row_index;
} em_scan_plan;

typedef struct em_lplan em_lplan;
struct em_lplan {
  em_lplan_kind kind;
  int64_t plan_id; /* client plan id of the spec node, -1 if none */
  em_lplan *child;
  int nout;
  em_attr *out;
  unsigned hints; /* EM_HINT_* set by df.hint() on this node */
  union {
    struct {
      int64_t start, end, step;
      int num_partitions;
    } range;
    struct {
      em_batch **batches; /* references held by the plan */
      int nbatches;
      /* Spark's LocalTableScan splits its rows over min(rows, this)
       * partitions (the default parallelism). */
      int max_partitions;
    } local;
    struct {
      em_expr **exprs; /* one per output attribute */
      /* A USING join's key columns that are not in the output but that a
       * df["col"] reference may still name (Spark's hidden output). Each
       * is an attribute of the child; resolve_expr.c appends one to the
       * output when it is named. Other projections pass on their child's
       * hidden columns. */
      em_attr *hidden;
      int nhidden;
      bool no_hidden; /* passes on no hidden columns (a subquery alias) */
    } project;
    struct {
      em_expr *cond;
    } filter;
    struct {
      int64_t n;
    } limit;
    struct {
      int num_rows, truncate;
      bool vertical;
      bool html; /* htmlString instead of showString */
    } show;
    struct {
      em_expr **keys;    /* grouping expressions over the child */
      int nkeys;
      em_expr **aggs;    /* distinct aggregate calls (EM_EX_AGG) over the child */
      int naggs;
      /* One per output attribute, over the aggregate's internal row
       * [keys..., aggs...] (a projection the executor runs on top). */
      em_expr **outputs;
    } agg;
    struct {
      em_expr **keys; /* over the child's columns */
      bool *ascending;
      bool *nulls_first;
      int nkeys;
      bool global; /* false: sortWithinPartitions */
    } sort;
    struct {
      em_lplan *right;   /* the left input is `child` */
      em_join_type type; /* CROSS only without a condition (else INNER) */
      em_expr *cond;     /* over [left columns..., right columns...]; NULL = none */
    } join;
    struct {
      em_part_mode mode;
      int num_partitions;   /* requested, or spark.sql.shuffle.partitions */
      bool adaptive;        /* no count given: coalesce the output as AQE does */
      em_expr **keys;       /* hash keys, or range sort keys, over the child */
      bool *ascending;      /* range */
      bool *nulls_first;    /* range */
      int nkeys;
      /* Round robin sorts each input partition by the bytes of Spark's
       * UnsafeRow of the columns that survive column pruning: NULL = all,
       * else used[i] per child column. */
      bool *used;
      bool unsorted;        /* spark.sql.execution.sortBeforeRepartition=false */
      int sample_size;      /* spark.sql.execution.rangeExchange.sampleSizePerPartition */
      int min_partitions;   /* AQE's minimum number of coalesced partitions */
    } exchange;
    struct {
      int num_partitions;
    } coalesce;
    struct {
      em_lplan *right; /* the second input (the first is child) */
      em_setop op;     /* EM_LP_SET_OP */
      bool all;        /* INTERSECT ALL / EXCEPT ALL */
    } set_op;
    struct {
      double lower, upper;
      bool replace;
      int64_t seed;
    } sample;
    struct {
      /* Over the child, which is sorted by partition then order keys
       * within partitions hashed by the partition keys. The output is the
       * child's columns then one column per window expression. */
      em_expr **pkeys;
      int npkeys;
      em_expr **okeys;
      bool *ascending;
      int nokeys;
      em_win_expr *exprs;
      int nexprs;
    } window;
    struct {
      /* Output: the child's columns, then the generator's. */
      int gen;          /* EM_GEN_* */
      bool outer;       /* explode_outer...: a row of NULLs for NULL/empty input */
      em_expr *input;   /* the collection (not for stack) over the child */
      em_expr **args;   /* stack: the values, cast to their column's type */
      int nargs;
      int stack_rows;   /* stack: n */
    } generate;
    struct em_scan_plan *scan; /* EM_LP_SCAN (plan arena) */
    struct {
      /* Spark's Expand: every input row becomes nprojs rows, row j
       * evaluating projs[j] (nout expressions over the child). */
      em_expr ***projs;
      int nprojs;
    } expand;
    struct {
      /* df.observe(name, metrics...): the child's rows pass unchanged while
       * the aggregate calls accumulate over them; after the query, each
       * metric is results[i] over the row [aggregate results...]. */
      const char *name;
      em_expr **aggs; /* EM_EX_AGG calls over the child */
      int naggs;
      em_expr **results;
      char **names;
      int nresults;
    } observe;
    struct {
      /* The cache entry (exec's em_cache_entry; a reference the plan
       * holds, see em_plan.held). Its lineage plan computes the rows when
       * partitions are missing; outputs are this node's `out`, by
       * position. */
      em_cache_entry *entry;
      uint8_t id[16]; /* its fingerprint, or a checkpoint's id hashed */
    } cached;
  } u;
};

/* Generators of EM_LP_GENERATE. */
enum { EM_GEN_EXPLODE, EM_GEN_POSEXPLODE, EM_GEN_INLINE, EM_GEN_STACK, EM_GEN_WASM /* a WASM table function */ };

/* The inputs of a node (child, and a join's right side): fills out[0..2)
 * and returns how many. */
int em_lplan_children(const em_lplan *n, em_lplan **out);

typedef struct em_plan em_plan;

/* What the analyzer needs from the session. */
typedef struct em_analyze_ctx {
  bool case_sensitive;      /* spark.sql.caseSensitive */
  bool ansi;                /* spark.sql.ansi.enabled */
  int default_parallelism;  /* partitions of range() without numPartitions */
  _Atomic int64_t *next_expr_id; /* session counter */
  const char *timezone;
  /* Exchanges (0 = Spark's default). */
  int shuffle_partitions;     /* spark.sql.shuffle.partitions (200) */
  int range_sample_size;      /* spark.sql.execution.rangeExchange.sampleSizePerPartition (100) */
  bool repartition_unsorted;  /* spark.sql.execution.sortBeforeRepartition = false */
  bool no_adaptive_coalesce;  /* spark.sql.adaptive(.coalescePartitions).enabled = false */
  /* The session's WebAssembly UDFs (NULL: none) and the limits their calls
   * run under (resolve_udf.c). */
  em_udf_registry *udfs;
  em_wasm_limits wasm;
  /* File sources (0 = Spark's default). */
  int64_t files_max_partition_bytes; /* spark.sql.files.maxPartitionBytes */
  int64_t files_open_cost;           /* spark.sql.files.openCostInBytes */
  int files_min_partitions;          /* spark.sql.files.minPartitionNum */
  bool no_partition_type_inference;  /* spark.sql.sources.partitionColumnTypeInference.enabled = false */
  const char *default_source;        /* spark.sql.sources.default (NULL = parquet) */
  /* Relations Spark defines through an eager query (pivot without values,
   * crosstab, approxQuantile...): runs `plan` to completion and returns
   * its batches (new references in an em_malloc'd array). NULL when the
   * caller cannot execute (the relation then fails as unsupported). */
  int (*run_subplan)(void *user, const struct em_plan *plan, em_batch ***out, int *nout, em_error *err);
  void *run_user;
  int pivot_max_values;       /* spark.sql.pivotMaxValues (10000) */
  bool map_last_win;          /* spark.sql.mapKeyDedupPolicy = LAST_WIN */
  /* Resolves a table name (SQL FROM t, spark.table): the definition of a
   * view as spec nodes allocated in `spec` (which the plan keeps). -1 with
   * TABLE_OR_VIEW_NOT_FOUND when there is none. NULL: no tables. */
  int (*lookup_table)(void *user, em_spec *spec, char *const *parts, int nparts, em_spec_rel **out, em_error *err);
  void *lookup_user;
  /* Runs a resolved subquery plan to completion (uncorrelated subqueries
   * are evaluated during analysis): its rows as batches (new references,
   * em_free the array). NULL: subqueries are refused. */
  int (*run_subquery)(void *user, em_plan *plan, em_batch ***batches, int *nbatches, em_error *err);
  /* Cached data (connect/cache_registry.c): after resolution and before
   * optimization, the largest subtrees whose fingerprint (em_lplan_fingerprint)
   * a cache entry has become EM_LP_CACHED leaves, as Spark's
   * CacheManager.useCachedData does. cache_lookup returns a new reference
   * (or NULL); the plan releases it with cache_release. remote_lookup
   * resolves a CachedRemoteRelation id (checkpoints) the same way. */
  void *cache_user;
  em_cache_entry *(*cache_lookup)(void *user, const uint8_t fp[16]);
  em_cache_entry *(*remote_lookup)(void *user, const char *relation_id, em_error *err);
  void (*cache_release)(em_cache_entry *e);
  /* Output of the lookups' entries, for the analyzer (names, types). */
  const em_type *(*cache_schema)(const em_cache_entry *e);
  /* Set: em_analyze stores the fingerprint of the resolved root (before
   * cached data is used and before optimization) in em_plan.fingerprint. */
  bool want_fingerprint;
} em_analyze_ctx;

/* A resolved plan with its arena and held references. */
struct em_plan {
  em_arena arena;
  em_lplan *root;
  em_type *schema; /* output schema (STRUCT), reference */
  em_vec **vecs;
  int nvecs, capvecs;
  em_batch **batches;
  int nbatches, capbatches;
  em_type **types;
  int ntypes, captypes;
  em_spec *views; /* spec nodes of expanded views (lookup_table), or NULL */
  /* Cache entries the plan's EM_LP_CACHED nodes reference, released by
   * em_plan_free through `release`. */
  em_cache_entry **held;
  int nheld, capheld;
  void (*release)(em_cache_entry *e);
  uint8_t fingerprint[16]; /* see em_analyze_ctx.want_fingerprint */
  /* The spec the plan was resolved from, when the plan outlives the
   * request (a cached relation's lineage): names point into it. Owned
   * (em_malloc'd), released by em_plan_free. */
  em_spec *spec;
  bool has_fingerprint;
};

/* Resolves `rel`. On success *out is a new plan (free with em_plan_free).
 * Errors carry Spark's analysis error classes. */
int em_analyze(const em_spec_rel *rel, const em_analyze_ctx *ctx, em_plan **out, em_error *err);
void em_plan_free(em_plan *p);
/* Keeps a batch reference until the plan is freed (taken; released on
 * failure). -1 on OOM. */
int em_plan_hold_batch(em_plan *p, em_batch *b);

/* A canonical fingerprint of the resolved subtree n (fingerprint.c): equal
 * for plans that compute the same rows the same way (built separately,
 * with other expression ids or names), as Spark's sameResult over
 * canonicalized plans. 128 bits of XXH3 over a canonical serialization of
 * node kinds, parameters, positional expressions, output types and the
 * settings that change results (ANSI, time zone). */
void em_lplan_fingerprint(const em_lplan *n, const em_analyze_ctx *ctx, uint8_t out[16]);

/* True when values of t can be ordered (sort keys, min/max). */
bool em_sort_type_supported(const em_type *t);

/* Builds the output schema of a logical node as a STRUCT type (new ref). */
em_type *em_lplan_schema(const em_lplan *n);

#endif
