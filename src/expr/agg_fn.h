/*
 * Private helpers shared by the aggregate function files (agg_*.c): naming
 * calls as Spark does, argument checks with Spark's error classes, reading
 * numeric values of any physical type, and a holder for one value of any
 * type (first/last/min/max of strings and nested values).
 */
#ifndef EM_EXPR_AGG_FN_H
#define EM_EXPR_AGG_FN_H

#include "func.h"
#include "rowkey.h"

/* Per-call constants a resolver chooses (in the plan arena, u.fn.data). */
typedef struct em_agg_cfg {
  bool ansi;
  bool ignore_nulls; /* first/last/any_value */
  int kind;          /* function-specific variant */
  int scale;         /* decimal input scale */
  int out_precision, out_scale;
  em_type *in_type;  /* the argument's type */
  /* DISTINCT: the wrapped function's call (agg = its own def). */
  em_expr *inner;
} em_agg_cfg;

/* The end of the run of rows of group g[i] from row i (g[j] == g[i] for
 * i <= j < end). Short runs (grouped input) cost a few compares; long ones
 * (a global aggregate: one group) are compared 16 rows at a time in a
 * loop the compiler vectorizes. */
static inline int64_t em_agg_run_end(const uint32_t *g, int64_t i, int64_t n) {
  uint32_t grp = g[i];
  int64_t j = i + 1;
  for (int k = 0; k < 3 && j < n; k++, j++)
    if (g[j] != grp) return j;
  while (j + 16 <= n) {
    uint32_t x = 0;
    for (int k = 0; k < 16; k++) x |= g[j + k] ^ grp;
    if (x) break;
    j += 16;
  }
  while (j < n && g[j] == grp) j++;
  return j;
}

/* The state of source row i of a merge. */
#define EM_AGG_SRC(src, stride, rows, i) ((src) + (size_t)((rows) ? (rows)[i] : (uint32_t)(i)) * (stride))

static inline bool em_agg_valid(const em_vec *v, int64_t i) { return !em_vec_is_null(v, i); }

/* Sets call->sql to "name(arg, arg)" (or "name(DISTINCT arg)"). -1 OOM. */
int em_agg_name(em_func_call *call, const char *name, int nshown, em_error *err);
/* A cfg in the plan arena, stored in call->data. NULL on OOM (err set). */
em_agg_cfg *em_agg_cfg_new(em_func_call *call, em_error *err);
/* WRONG_NUM_ARGS unless lo <= nargs <= hi. */
int em_agg_check_nargs(em_func_call *call, int lo, int hi, em_error *err);
/* DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE for argument idx. */
int em_agg_type_error(em_func_call *call, int idx, const char *required, em_error *err);
/* 0 for a min() call, 1 for max(), -1 for any other aggregate (the sliding
 * window frames of win_minmax.c). */
int em_agg_minmax_kind(const em_expr *call);
/* Wraps the resolved call in the DISTINCT adapter (agg_distinct.c) when
 * call->distinct; no-op otherwise. */
int em_agg_wrap_distinct(em_func_call *call, em_error *err);
/* Reads a literal boolean argument (ignoreNulls); false if absent. */
int em_agg_bool_literal(em_func_call *call, int idx, bool *out, em_error *err);

/* Argument idx evaluated once when it is constant (literals, and casts and
 * calls over them): 1 with *out a new one-row vector, 0 when the argument
 * depends on input rows, -1 on an evaluation error (agg_const.c). */
int em_agg_const_eval(em_func_call *call, int idx, em_vec **out, em_error *err);

/* Value i of a numeric vector as double (decimals divided by 10^scale). */
double em_agg_num_as_double(const em_vec *v, int64_t i);
/* Decimal text of an unscaled 128-bit value with `scale` digits after the point. */
void em_dec128_str(__int128 v, int scale, char *buf, size_t cap);
/* 10^k for 0 <= k <= 38. */
__int128 em_pow10_128(int k);

/* One value of any type: fixed width up to 16 bytes inline, anything else
 * as row-key bytes on the heap. */
typedef struct em_aggval {
  uint8_t set;  /* a value (maybe NULL) was stored */
  uint8_t null;
  uint8_t heap; /* bytes holds em_malloc'd row-key bytes */
  uint32_t len;
  union {
    uint8_t inl[16];
    uint8_t *bytes;
  } u;
} em_aggval;

/* Stores value i of v (NULL included). -1 OOM. */
int em_aggval_store(em_aggval *s, const em_vec *v, int64_t i);
/* Moves src into dst (src left empty). */
void em_aggval_move(em_aggval *dst, em_aggval *src);
void em_aggval_free(em_aggval *s);
/* Appends the value (NULL when unset) to out. -1 OOM. */
int em_aggval_emit(const em_aggval *s, em_vec *out);
/* JVM hashes (jvm_hash.c) for reproducing Spark's hash-map iteration
 * orders: Murmur3_x86_32's mixing step and finalisation, UTF8String's
 * hash (seed 42), and a key's Java hashCode or (scala) Scala ##; false for
 * types not reproduced, 0 for NULL. */
uint32_t em_jvm_mix(uint32_t h, uint32_t k);
uint32_t em_jvm_fmix(uint32_t h, uint32_t len);
uint32_t em_jvm_utf8_hash(const uint8_t *p, uint32_t n);
bool em_jvm_key_hash(const em_aggval *k, const em_type *t, bool scala, uint32_t *out);
/* Compares a stored non-null value with value i of v (same type): <0, 0, >0
 * in Spark's ordering (NaN largest, strings by bytes). */
int em_aggval_cmp(const em_aggval *s, const em_vec *v, int64_t i);
int em_aggval_cmp2(const em_aggval *a, const em_aggval *b, const em_type *t);

/* approx_count_distinct's HyperLogLog++ precision of aggregate call e, 0
 * for other aggregates (agg_collect.c; for fingerprints). */
int em_agg_hll_precision(const em_expr *e);

#endif
