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
#include "../spec/spec.h"
#include "../types/types.h"

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
} em_lplan_kind;

typedef struct em_lplan em_lplan;
struct em_lplan {
  em_lplan_kind kind;
  int64_t plan_id; /* client plan id of the spec node, -1 if none */
  em_lplan *child;
  int nout;
  em_attr *out;
  union {
    struct {
      int64_t start, end, step;
      int num_partitions;
    } range;
    struct {
      em_batch **batches; /* references held by the plan */
      int nbatches;
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
  } u;
};

/* The inputs of a node (child, and a join's right side): fills out[0..2)
 * and returns how many. */
int em_lplan_children(const em_lplan *n, em_lplan **out);

/* What the analyzer needs from the session. */
typedef struct em_analyze_ctx {
  bool case_sensitive;      /* spark.sql.caseSensitive */
  bool ansi;                /* spark.sql.ansi.enabled */
  int default_parallelism;  /* partitions of range() without numPartitions */
  _Atomic int64_t *next_expr_id; /* session counter */
  const char *timezone;
} em_analyze_ctx;

/* A resolved plan with its arena and held references. */
typedef struct em_plan {
  em_arena arena;
  em_lplan *root;
  em_type *schema; /* output schema (STRUCT), reference */
  em_vec **vecs;
  int nvecs, capvecs;
  em_batch **batches;
  int nbatches, capbatches;
  em_type **types;
  int ntypes, captypes;
} em_plan;

/* Resolves `rel`. On success *out is a new plan (free with em_plan_free).
 * Errors carry Spark's analysis error classes. */
int em_analyze(const em_spec_rel *rel, const em_analyze_ctx *ctx, em_plan **out, em_error *err);
void em_plan_free(em_plan *p);

/* True when values of t can be ordered (sort keys, min/max). */
bool em_sort_type_supported(const em_type *t);

/* Builds the output schema of a logical node as a STRUCT type (new ref). */
em_type *em_lplan_schema(const em_lplan *n);

#endif
