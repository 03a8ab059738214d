/*
 * Private to the hash join: its parameters (shared by the build sink, the
 * probe operator and the unmatched-rows source), the build side's hash
 * table (join_table.c) and the key kernels (join_keys.c).
 */
#ifndef EM_EXEC_JOIN_INT_H
#define EM_EXEC_JOIN_INT_H

#include "exec_int.h"
#include "spill.h"

/* The join's parameters, fixed at compile time (arena-owned). The probe
 * side is the left input except for a right outer join, which builds the
 * left input and probes with the right one. */
typedef struct em_join_cfg {
  em_join_type type;
  bool build_left;      /* the left input is the build side */
  int nleft, nright;    /* columns of the inputs */
  int nprobe, nbuild;
  /* Equi-join keys: probe_keys over the probe input's columns, build_keys
   * over the build input's; equal types. null_safe marks <=> keys. */
  int nkeys;
  em_expr **probe_keys, **build_keys;
  bool *null_safe;
  bool int_mode; /* one 1..8 byte key compared as 64-bit integers */
  /* The rest of the condition: conjuncts over [left..., right...], applied
   * in order to candidate pairs. */
  em_expr **residual;
  int nresidual;
  bool *residual_cols; /* which of the nleft + nright columns they read */
  em_type *pair_schema; /* left ++ right */
  em_type *out_schema;
  /* What is emitted. */
  bool emit_pairs;   /* inner and outer joins: matched pairs */
  bool probe_outer;  /* probe rows without a match, padded with NULLs */
  bool build_outer;  /* build rows never matched (full outer: a final pass) */
  bool semi, anti;   /* probe rows with / without a match */
  em_sink *build;    /* the build side's sink, state: em_join_ht */
} em_join_cfg;

/* How the built rows are found (join_table.c). Both layouts are a
 * directory `start` over buckets, bucket b's entries being
 * [start[b], start[b + 1]), in row order, so duplicates are contiguous:
 *   DENSE    one integer key spanning few values: bucket = key - dmin, a
 *            bucket per value; the entries are rows (`row_list`), every
 *            one of a bucket's rows has that key
 *   BUCKETS  buckets by hash; the entries (`ent`) are (key, row) in
 *            int_mode, (hash, row) otherwise, the keys then verified */
typedef enum em_join_layout { EM_JL_BUCKETS, EM_JL_DENSE } em_join_layout;

typedef struct em_join_ent {
  uint64_t v;
  uint32_t row;
  uint32_t pad;
} em_join_ent;

/* The built side: every build row, its keys and the table. Read-only once
 * finalize has run, except `matched`, which probes set with relaxed atomic
 * stores (a row's byte only ever goes 0 -> 1). */
typedef struct em_join_ht {
  em_batch *rows;   /* all build rows (concatenated) */
  em_vec **keys;    /* evaluated build keys over rows */
  int64_t n;
  em_join_layout layout;
  bool int_keys;       /* int_mode: entries hold keys, not hashes */
  uint32_t *start;     /* nbuckets + 1 */
  em_join_ent *ent;    /* BUCKETS */
  uint32_t *row_list;  /* DENSE */
  int shift;           /* BUCKETS: bucket = hash >> shift */
  int64_t dmin;        /* DENSE: bucket = key - dmin < drange */
  uint64_t drange;
  void *mem[2];        /* the allocations behind the arrays above */
  uint8_t *matched;    /* build_outer */
  /* Collected input before finalize. */
  em_batch **in;
  em_vec ***in_keys;
  int nin, capin;
  /* Memory charged to the query (by every build task: atomic). */
  em_memtracker *mem_tracker;
  _Atomic int64_t charged;
  /* Set (under the sink's mutex) once the build side spilled: the rows
   * are in bucket files and there is no table (spill_join.c). */
  struct em_join_spill *spill;
} em_join_ht;

/* A build task's collected input. */
typedef struct em_join_build_local {
  em_batch **batches;
  em_vec ***keys;
  int n, cap;
} em_join_build_local;

/* ---- keys (join_keys.c) ---- */

/* The 64-bit form of a key value in int_mode (sign-extended integers,
 * floats as normalized bits: NaN = NaN, -0.0 = 0.0). */
bool em_join_int_key_type(const em_type *t);
/* Integer key types whose int_mode values may index a dense table. */
bool em_join_dense_key_type(const em_type *t);
/* out[i] = key value of row i, from <= i < to (garbage for NULL rows). */
void em_join_int_keys(const em_vec *v, int64_t from, int64_t to, uint64_t *out);
/* Hashes rows from <= i < to of a key into h[i] (combining with what is
 * there; start from 0). NULLs hash to a constant. */
void em_join_hash(const em_vec *v, int64_t from, int64_t to, uint64_t *h);
/* Final mix of a combined hash (and of int_mode keys). */
static inline uint64_t em_join_mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
/* Keeps the pairs (p[i], b[i]), i < n, whose values a[p[i]] and
 * bv[b[i]] are equal as join keys (NaN = NaN, -0.0 = 0.0, nested values
 * field by field with NULL = NULL inside); a NULL pair is equal only when
 * null_safe. Compacts p and b in place; returns the new count. */
int64_t em_join_keys_equal(const em_vec *a, const em_vec *bv, bool null_safe, uint32_t *p, uint32_t *b,
                           int64_t n);
/* Marks rows from <= i < to with a NULL in a non-null-safe key (they never
 * match): bad[i] = 1. */
void em_join_null_rows(em_vec *const *keys, const bool *null_safe, int nkeys, int64_t from, int64_t to,
                       uint8_t *bad);

/* ---- the build side (join_table.c) ---- */

extern const em_sink_vt em_sink_join_build_vt;

/* Charges / releases bytes on the table's account (no tracker: no-op). */
int em_join_ht_charge(em_join_ht *ht, int64_t n, em_error *err);
void em_join_ht_uncharge(em_join_ht *ht, int64_t n);
/* Builds the table from ht->in (what finalize does): rows gathered,
 * matched flags for a full outer join, the directory. */
int em_join_ht_build(em_sink *s, em_join_ht *ht, em_exec_ctx *ctx, em_error *err);
/* Frees everything ht holds and ht itself (its charge is released). */
void em_join_ht_free(const em_join_cfg *cfg, em_join_ht *ht);
/* Appends a batch and its keys (references taken) to ht->in. */
int em_join_ht_add(em_join_ht *ht, em_batch *b, em_vec **keys, em_error *err);

/* ---- the probe side and the final pass (op_hash_join.c) ---- */

/* A probe task's state. */
typedef struct em_join_probe_local {
  bool active;          /* in the middle of an input batch */
  int64_t n, cap;       /* rows of the batch; capacity of the row arrays */
  em_vec **keys;        /* probe keys of the batch */
  uint64_t *v;          /* per row: int_mode key or hash */
  uint32_t *pos, *end;  /* per row: its remaining candidate entries */
  uint8_t *matched;     /* per row: some pair survived */
  int64_t row;          /* first row with candidates left */
  uint32_t *P, *B;      /* a chunk of pairs */
  int64_t pcap;
  void *spill;          /* spill_join.c: this task's spilled probe rows */
} em_join_probe_local;

/* Probes one input batch against ht (the operator's contract). */
em_op_status em_join_probe(const em_join_cfg *cfg, const em_join_ht *ht, em_join_probe_local *st, em_batch *in,
                           em_batch **out, em_exec_ctx *ctx, em_error *err);

/* ---- grace hash join (spill_join.c) ---- */

/* A build batch over the budget: the build side goes to bucket files
 * (what the task holds, then b). st's batches were charged, b was not. */
int em_join_spill_build_start(em_sink *s, em_join_ht *ht, em_join_build_local *st, int part, em_batch *b,
                              em_exec_ctx *ctx, em_error *err);
/* Build batches once spilled; combine's and finalize's leftovers. */
int em_join_spill_build(em_sink *s, em_join_ht *ht, em_join_build_local *st, int part, em_batch *b,
                        em_exec_ctx *ctx, em_error *err);
int em_join_spill_build_finalize(em_sink *s, em_join_ht *ht, em_exec_ctx *ctx, em_error *err);
void em_join_spill_free(struct em_join_spill *sp);
/* Probe side of a spilled join: rows are written by bucket, then joined
 * bucket by bucket when the partition's input ends (finish). */
em_op_status em_join_spill_probe(const em_join_cfg *cfg, em_join_ht *ht, em_join_probe_local *st, em_batch *in,
                                 em_exec_ctx *ctx, em_error *err);
em_op_status em_join_spill_finish(const em_join_cfg *cfg, em_join_ht *ht, em_join_probe_local *st, em_batch **out,
                                  em_exec_ctx *ctx, em_error *err);
void em_join_spill_probe_free(const em_join_cfg *cfg, em_join_probe_local *st);
/* Full outer: the build rows no probe matched, bucket by bucket. *cursor
 * is the reader's state (freed by unmatched_free). */
int em_join_spill_unmatched(const em_join_cfg *cfg, em_join_ht *ht, void **cursor, em_batch **out,
                            em_exec_ctx *ctx, em_error *err);
void em_join_spill_unmatched_free(const em_join_cfg *cfg, void *cursor);

extern const em_op_vt em_op_hash_join_vt;
extern const em_source_vt em_src_join_unmatched_vt;

/* A batch of the output layout from the gathered rows: probe rows pidx (or
 * NULLs when pidx is NULL) and build rows bidx (or NULLs), n rows. */
em_batch *em_join_gather(const em_join_cfg *cfg, const em_batch *probe, const uint32_t *pidx,
                         const em_join_ht *ht, const uint32_t *bidx, int64_t n, em_error *err);

#endif
