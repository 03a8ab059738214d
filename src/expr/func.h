/*
 * The function registry: one table (functions.def) lists every SQL function
 * Ember knows, with its kind and the resolver that types a call, inserts
 * Spark's implicit casts and picks the kernel. The analyzer, SHOW
 * FUNCTIONS and spark.catalog.listFunctions all read this one table.
 *
 * Scalar functions evaluate whole vectors (em_kernel_fn). Aggregate
 * functions keep one fixed-size state per group and are driven by the hash
 * aggregate operator in batches: update (rows of a batch into their groups'
 * states), merge (partial states into final ones, for two-phase and
 * parallel aggregation), finish (states to a result vector).
 */
#ifndef EM_EXPR_FUNC_H
#define EM_EXPR_FUNC_H

#include "expr.h"

typedef enum em_func_kind { EM_FN_SCALAR, EM_FN_AGGREGATE, EM_FN_WINDOW, EM_FN_GENERATOR } em_func_kind;

typedef struct em_agg_def em_agg_def;

/* A call being resolved. The resolver reads the arguments (already
 * resolved), may replace them (e.g. wrap one in a cast with em_expr_cast),
 * and fills the outputs. */
typedef struct em_func_call {
  const char *name;      /* as called, lower-cased */
  em_expr **args;        /* resolved arguments; the resolver may replace entries */
  int nargs;
  char **arg_sql;        /* each argument's SQL text (for generated names and errors) */
  bool distinct;
  bool ansi;             /* spark.sql.ansi.enabled */
  em_arena *arena;       /* the plan's arena, for new expression nodes */
  /* Outputs. */
  em_type *type;         /* result type (a reference the caller keeps alive) */
  bool type_owned;       /* type is a new reference the caller takes (released with the plan,
                          * or at once when the resolver fails) */
  bool nullable;
  em_kernel_fn kernel;   /* scalar functions */
  const em_agg_def *agg; /* aggregate functions */
  char *sql;             /* Spark's generated name, e.g. "(id + 1)", "count(1)"; arena-allocated */
  void *data;            /* resolver-chosen constant data for the kernel (arena) */
} em_func_call;

typedef int (*em_func_resolve_fn)(em_func_call *call, em_error *err);

typedef struct em_func_def {
  const char *name;
  em_func_kind kind;
  em_func_resolve_fn resolve;
} em_func_def;

/* Looks a function up by name (case-insensitive); NULL when unknown. */
const em_func_def *em_func_lookup(const char *name);
/* Iterates the registry (for SHOW FUNCTIONS): i from 0 until NULL. */
const em_func_def *em_func_at(int i);

/* An aggregate function's state machine. States are `state_size` bytes at
 * `states + g * stride` for group g; `groups[i]` is the group of row i. */
struct em_agg_def {
  size_t state_size;
  /* Initialises a new group's state; NULL when a zeroed state is the
   * initial one (the operator then zeroes states in bulk). */
  void (*init)(const em_expr *call, uint8_t *state);
  int (*update)(const em_expr *call, uint8_t *states, size_t stride, const uint32_t *groups, em_vec *const *args,
                int64_t n, em_error *err);
  /* dst[groups[i]] += src[src_rows[i]] for i < n (src_rows NULL: src[i]).
   * A merge may move what a source state owns into the destination (the
   * source is still destroyed afterwards, so it must stay destroyable). */
  int (*merge)(const em_expr *call, uint8_t *dst, size_t stride, const uint32_t *groups, uint8_t *src,
               size_t src_stride, const uint32_t *src_rows, int64_t n, em_error *err);
  int (*finish)(const em_expr *call, const uint8_t *states, size_t stride, int64_t ngroups, em_vec **out,
                em_error *err);
  /* Frees what a state points to (variable-size states), or NULL. */
  void (*destroy)(const em_expr *call, uint8_t *state);
};

/* Whether d's update takes a literal argument as its one-row vector (len 1
 * for n rows) instead of n copies of it (count). */
bool em_agg_scalar_args(const em_agg_def *d);

/* Spilling aggregate states to disk (the hash aggregate over its memory
 * budget). States without destroy are spilled as their raw bytes; the
 * others only when em_agg_spill_ops_of(def) knows them: save appends a
 * self-contained encoding to out (-1 on OOM), load rebuilds a zeroed state
 * from it (-1 on OOM or bad bytes). NULL when the state cannot spill. */
typedef struct em_agg_spill_ops {
  int (*save)(const em_expr *call, const uint8_t *state, em_strbuf *out);
  int (*load)(const em_expr *call, uint8_t *state, const uint8_t *p, size_t n);
} em_agg_spill_ops;
const em_agg_spill_ops *em_agg_spill_ops_of(const em_agg_def *d);

/* A cast node over e (arena-allocated); NULL on out-of-memory. The node is
 * nullable when e is or when the cast can produce NULL (em_cast_force_nullable). */
em_expr *em_expr_cast(em_arena *a, em_expr *e, em_type *to, bool ansi);
/* A bigint literal node (arena-allocated); its u.lit is a new 1-row vector
 * reference the caller must keep alive and release. NULL on out-of-memory. */
em_expr *em_expr_literal_long(em_arena *a, int64_t v);

/* ---- Spark's implicit type coercion (coerce.c) ----
 * `ansi` selects AnsiTypeCoercion (spark.sql.ansi.enabled, the default)
 * or the legacy TypeCoercion. Every returned type is immortal (primitive
 * singletons, interned decimals): no reference to release. NULL = none. */

/* DECIMAL(p, s), interned; NULL when p/s are out of Spark's range. */
em_type *em_decimal_type(int precision, int scale);
/* DecimalType.adjustPrecisionScale (precision loss allowed): fits a
 * computed p > 38 into 38 digits keeping at least min(s, 6) of scale. */
em_type *em_decimal_adjust(int precision, int scale);
/* DecimalType.forType: BYTE -> DECIMAL(3,0) ... DOUBLE -> DECIMAL(30,15). */
em_type *em_decimal_for(const em_type *t);
/* findTightestCommonType: widening without loss (numeric precedence,
 * integral into a wide enough decimal, date into timestamp, NULL into
 * anything). */
em_type *em_coerce_tightest(const em_type *a, const em_type *b, bool ansi);
/* findWiderTypeForTwo: tightest, else decimal widening, else string
 * promotion (ANSI: string meets integral at BIGINT, fractional at DOUBLE,
 * other atomic types at that type; legacy: at STRING). */
em_type *em_coerce_wider(const em_type *a, const em_type *b, bool ansi);
/* findWiderCommonType over n types (CASE WHEN, coalesce, IN, greatest). */
em_type *em_coerce_wider_list(em_type *const *types, int n, bool ansi);
/* DecimalPrecision.widerDecimalType of two numeric types. */
em_type *em_coerce_decimal_wider(const em_type *a, const em_type *b);
/* The type a string operand of a binary operator is promoted to (ANSI
 * AnsiStringPromotionTypeCoercion; legacy STRING rule), or NULL. */
em_type *em_coerce_string_promotion(const em_type *a, const em_type *b, bool ansi);
/* Replaces call->args[i] by a cast to `to` unless it already has that type. */
int em_coerce_arg(em_func_call *call, int i, em_type *to, em_error *err);

/* DataFrame.approxQuantile's per-column summary aggregate (agg_percentile.c),
 * called by the analyzer only: (DOUBLE column, relative error, p...). */
extern const em_func_def em_fn_approx_quantile_summary;
/* rand(seed) with Spark's per-partition XORShiftRandom (exec/expr_rand.c),
 * called by the analyzer only (sampleBy): one BIGINT literal seed. */
extern const em_func_def em_fn_rand_seeded;
/* DataFrame.stat.freqItems' aggregate (agg_freq_items.c), called by the
 * analyzer only: (column, INT literal size). */
extern const em_func_def em_fn_collect_frequent_items;

/* ---- grouping() / grouping_id() (fn_grouping.c) ---- */
/* True for an unrewritten grouping() or grouping_id() call. */
bool em_fn_is_grouping(const em_expr *e);
/* Kernel of a rewritten grouping(c): bit (int)u.fn.data of the BIGINT
 * grouping id args[0], as TINYINT. */
int em_fn_grouping_bit(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                       em_error *err);

#endif
