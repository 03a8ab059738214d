/*
 * expr: resolved, typed expressions and their vectorized evaluation.
 *
 * The analyzer turns spec expressions into em_expr trees whose column
 * references are positions in the input batch. Evaluation is per batch:
 * em_expr_eval returns a vector with one value per input row. Nodes are
 * allocated in the plan's arena; the literal vectors and types they hold are
 * counted references released with the plan.
 */
#ifndef EM_EXPR_H
#define EM_EXPR_H

#include "../arrow/arrow.h"
#include "../base/base.h"
#include "../types/types.h"

typedef enum em_expr_kind {
  EM_EX_COLUMN,  /* u.column: position in the input batch */
  EM_EX_LITERAL, /* u.lit: 1-row vector */
  EM_EX_CAST,    /* args[0] cast to type */
  EM_EX_CALL,    /* u.fn applied to args */
  EM_EX_AGG,     /* an aggregate call (u.fn.agg over args); evaluated only by the aggregate operator */
} em_expr_kind;

typedef struct em_agg_def em_agg_def;

typedef struct em_expr em_expr;
typedef struct em_eval_ctx em_eval_ctx;
typedef struct em_eval_states em_eval_states;

/* A scalar function kernel: evaluates over whole vectors. `args` are the
 * evaluated argument vectors (all n rows). Returns a new vector in *out. */
typedef int (*em_kernel_fn)(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err);

struct em_expr {
  em_expr_kind kind;
  /* The client's call site (DataFrame query context) for runtime errors. */
  const char *origin_fragment;
  const char *origin_call_site;
  const char *origin_sql_summary; /* from SQL text: the excerpt runtime errors append */
  em_type *type; /* result type (reference held by the plan) */
  bool nullable;
  int nargs;
  em_expr **args;
  union {
    int column;
    em_vec *lit;
    struct {
      const char *name;
      em_kernel_fn kernel;     /* EM_EX_CALL */
      const em_agg_def *agg;   /* EM_EX_AGG */
      bool distinct;
      void *data;              /* resolver-chosen constant data */
    } fn;
    struct {
      bool ansi; /* raise on invalid input instead of NULL */
    } cast;
  } u;
};

/* The file a task's scan is producing rows of (Spark's
 * InputFileBlockHolder): set by the file scan for each batch it emits,
 * cleared when the scan ends, read by input_file_name() and the _metadata
 * column. Shared by the copies of a task's context. */
typedef struct em_input_file {
  const char *uri;      /* "file://..." (NULL: no file) */
  const char *meta_uri; /* "file:..." as _metadata.file_path shows it */
  const char *name;     /* the last segment of the URI */
  int64_t start, length, size, mtime_ms;
} em_input_file;

/* Per-query evaluation settings and scratch. */
struct em_eval_ctx {
  const char *timezone; /* session time zone */
  bool ansi;
  /* The batch being evaluated, set by em_expr_eval around calls of kernels
   * that evaluate their own arguments (CASE WHEN, IF, coalesce: Spark
   * computes a branch only for the rows that reach it). */
  const em_batch *batch;
  /* The partition the task evaluates (spark_partition_id()), set per task
   * by the executor. */
  int partition;
  /* The lambda variables' values while a higher-order function evaluates
   * its lambda (fn_hof.c); NULL elsewhere. */
  void *lambda;
  /* spark.sql.mapKeyDedupPolicy = LAST_WIN: a repeated map key keeps its
   * first position and takes the last value (else DUPLICATED_MAP_KEY). */
  bool map_last_win;
  /* The task's state of stateful expressions (shuffle's random generator
   * runs on across the batches of a partition), created and freed by the
   * task; NULL outside tasks. Copies of the context share it. */
  em_eval_states *states;
  /* The task's current input file (NULL outside tasks). */
  em_input_file *input_file;
};

/* The state of stateful expression `key` in ctx's task and partition:
 * `size` zeroed bytes on first use (*fresh set true), the same bytes on
 * later calls. NULL when ctx has no task state or on out-of-memory. */
void *em_eval_state(em_eval_ctx *ctx, const void *key, size_t size, bool *fresh);
/* A task's state holder (NULL on out-of-memory) and its release. */
em_eval_states *em_eval_states_new(void);
void em_eval_states_free(em_eval_states *s);

/* Evaluates e over batch `in`; *out is a new reference with in->nrows rows. */
int em_expr_eval(const em_expr *e, const em_batch *in, em_eval_ctx *ctx, em_vec **out, em_error *err);

/* Casts every value of v to `to` with Spark's rules (cast.c). ANSI mode
 * raises CAST_INVALID_INPUT / CAST_OVERFLOW instead of producing NULL. */
int em_cast_vec(const em_vec *v, em_type *to, bool ansi, em_eval_ctx *ctx, em_vec **out, em_error *err);
/* Spark's Cast.forceNullable: whether casting from -> to can turn a value
 * into NULL (malformed strings, narrowing numbers...), in either mode. */
bool em_cast_force_nullable(const em_type *from, const em_type *to);

/* Spark's Murmur3Hash (fn_hash.c), shared by hash() and hash partitioning:
 * folds the values of v into hashes[i], the running hash of row i (start
 * every row at EM_MURMUR3_SEED); a NULL leaves the hash unchanged. */
#define EM_MURMUR3_SEED 42
void em_murmur3_fold(const em_vec *v, int32_t *hashes, int64_t n);
/* Murmur3_x86_32.hashUnsafeWords: len is a multiple of 4 (Spark hashes
 * whole UnsafeRows this way). */
int32_t em_murmur3_words(const uint8_t *p, size_t len, int32_t seed);
/* Java's BigInteger.toByteArray of v (big-endian, fewest two's-complement
 * bytes); returns the count written to out. */
int em_decimal_to_java_bytes(__int128 v, uint8_t out[16]);

/* A vector of n copies of the 1-row vector lit. */
em_vec *em_vec_repeat(const em_vec *lit, int64_t n);

/* Spark's SQL text of a literal value (1-row vector) as used in generated
 * column names: 1, 1.5, 'a' in expression contexts... `for_name` selects the
 * form Spark uses for an unaliased literal column name (a string literal is
 * named by its text without quotes: lit("a") -> a). Appends to sb. */
int em_literal_sql(const em_vec *lit, bool for_name, em_strbuf *sb);

/* Canonical bytes of a resolved expression / a vector's values
 * (fingerprint.c), appended to sb: equal for expressions that compute the
 * same values from the same input positions. */
void em_expr_fingerprint(const em_expr *e, em_strbuf *sb);
void em_vec_fingerprint(const em_vec *v, em_strbuf *sb);

#endif
