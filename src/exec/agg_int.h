/*
 * Private to the hash aggregate: the grouping hash table (agg_table.c) and
 * the operator's parameters (op_hash_agg.c).
 */
#ifndef EM_EXEC_AGG_INT_H
#define EM_EXEC_AGG_INT_H

#include "../expr/func.h"
#include "../expr/rowkey.h"
#include "exec_int.h"
#include "spill.h"

/* How group keys are stored. */
typedef enum em_at_mode {
  EM_AT_NONE,  /* no keys: one group (a global aggregate) */
  EM_AT_INT,   /* one fixed-width key of at most 8 bytes, as int64 bits */
  EM_AT_BYTES, /* anything else: canonical row-key bytes (rowkey.h) */
} em_at_mode;

/* A slot of the INT table: the key inline, so a probe touches one line. */
typedef struct em_at_islot {
  int64_t key;
  uint32_t gid1; /* group id + 1; 0 = empty */
  uint32_t pad;
} em_at_islot;

/* A slot of the BYTES table: 32 hash bits to skip most key compares. */
typedef struct em_at_bslot {
  uint32_t tag;
  uint32_t gid1;
} em_at_bslot;

typedef struct em_aggtable {
  em_at_mode mode;
  int nkeys;
  em_type *const *key_types; /* borrowed from the config */
  int naggs;
  em_expr *const *aggs;      /* EM_EX_AGG calls (borrowed) */
  /* Slots: power-of-two array, linear probing. */
  void *slots;     /* aligned into slots_mem (see slots_alloc) */
  void *slots_mem; /* what to free */
  uint64_t mask;
  /* Groups (columnar): hash and key of each. */
  uint32_t ngroups, capgroups;
  uint64_t *hashes;
  int64_t *ikeys;    /* EM_AT_INT */
  int64_t null_gid;  /* EM_AT_INT: the group of the NULL key, -1 none */
  uint32_t *koffs;   /* EM_AT_BYTES: group g's key is kheap[koffs[g] .. koffs[g + 1]) */
  uint8_t *kheap;
  size_t kheap_cap;
  /* One state array per aggregate, state_size bytes a group. */
  uint8_t **states;
  /* Scratch for a batch. */
  uint64_t *bh;
  int64_t *bk;
  uint32_t *bm; /* rows left to the second pass of an INT lookup */
  int64_t bcap;
  em_rowkeys rk;
  /* Memory accounting. */
  em_memtracker *mem;
  int64_t charged;
} em_aggtable;

em_aggtable *em_aggtable_new(em_at_mode mode, int nkeys, em_type *const *key_types, int naggs,
                             em_expr *const *aggs, em_memtracker *mem, em_error *err);
/* Frees the table and every state (destroy hooks run). */
void em_aggtable_free(em_aggtable *t);
/* Maps rows [0, n) of the key columns to groups (creating new groups with
 * initialised states). groups must hold n entries. */
int em_aggtable_lookup(em_aggtable *t, em_vec *const *keys, int64_t n, uint32_t *groups, em_error *err);
/* Merges every group of t into m (each aggregate's merge), then frees t,
 * also on error. */
int em_aggtable_absorb(em_aggtable *m, em_aggtable *t, em_error *err);
/* Makes room for ngroups groups without growing again. */
int em_aggtable_reserve(em_aggtable *t, uint64_t ngroups, em_error *err);
/* Folds groups src_gids[0..n) of src into t (same layout): find or insert
 * each key, then each aggregate's merge. */
int em_aggtable_merge(em_aggtable *t, em_aggtable *src, const uint32_t *src_gids, int64_t n, uint32_t *scratch,
                      em_error *err);
/* Moves groups src_gids[0..n) of src into t, which must not hold their
 * keys yet: each key is inserted and its states are moved byte for byte;
 * source states that own memory (destroy != NULL) are zeroed, so only for
 * aggregates whose zeroed state is an empty, destroyable one (those that
 * spill, em_agg_spill_ops_of). */
int em_aggtable_move_groups(em_aggtable *t, em_aggtable *src, const uint32_t *src_gids, int64_t n, em_error *err);
/* Builds the key columns and aggregate results of groups [start, start+n)
 * into cols[0 .. nkeys+naggs). */
int em_aggtable_emit(em_aggtable *t, int64_t start, int64_t n, em_vec **cols, em_error *err);
/* Evaluates each aggregate's arguments over batch b and folds its rows
 * into the states of groups[0 .. b->nrows) (from em_aggtable_lookup). */
int em_aggtable_update(em_aggtable *t, const uint32_t *groups, const em_batch *b, em_exec_ctx *ctx, em_error *err);

/* Spilling support. The hash of each row's key as lookup computes it
 * (h must hold n entries). */
int em_aggtable_hash(em_aggtable *t, em_vec *const *keys, int64_t n, uint64_t *h, em_error *err);
/* Appends group g's stored key (INT: a null flag and 8 bytes; BYTES: the
 * row-key bytes) to out; find_stored finds or inserts a group by it. */
int em_aggtable_stored_key(const em_aggtable *t, uint32_t g, em_strbuf *out);
int64_t em_aggtable_find_stored(em_aggtable *t, uint64_t h, const uint8_t *key, uint32_t len, em_error *err);

/* The hash aggregate's parameters (plan-owned). */
typedef struct em_hash_agg_cfg {
  em_expr **keys;
  int nkeys;
  em_type **key_types;
  em_expr **aggs;
  int naggs;
  em_at_mode mode;
} em_hash_agg_cfg;

extern const em_sink_vt em_sink_hash_agg_vt;

typedef struct em_agg_spill em_agg_spill;
typedef struct em_agg_part em_agg_part;

/* Key-hash buckets of the spilled and the partitioned modes: the top
 * EM_AGG_BUCKET_BITS bits of a key's hash; output partition j holds
 * buckets j * 2^(BUCKET-OUT) ... of the top EM_AGG_OUT_BITS bits. */
#define EM_AGG_BUCKET_BITS 6
#define EM_AGG_NBUCKETS (1 << EM_AGG_BUCKET_BITS)
#define EM_AGG_OUT_BITS 3

/* The sink's shared state (op_hash_agg.c). */
typedef struct em_agg_shared {
  em_aggtable **tables; /* every table created (owned), by input partition */
  int ntables, captables;
  /* After finalize. */
  bool single;            /* emit tables[0] directly, in ranges */
  int nparts;             /* output partitions */
  uint32_t **part_gids;   /* [table * nparts + part] */
  int64_t *part_n;
  em_aggtable **merged;   /* per output partition, built by next */
  em_agg_spill *spill;    /* set once a table spilled (spill_agg.c) */
  em_agg_part *part;      /* set once a partition went partitioned (agg_part.c) */
} em_agg_shared;

/* A task's state while aggregating its partition. */
typedef struct em_agg_local {
  em_aggtable *t;
  uint32_t *groups;
  int64_t gcap;
  bool raw;      /* spilled: rows go to the partition's spill files */
  void *rawbuf;  /* spill_agg.c's per-bucket buffers */
  bool part;     /* partitioned: rows go to in-memory buckets (agg_part.c) */
  bool checked;  /* the reduction of the table was judged */
  int64_t seen;  /* rows aggregated into the table */
} em_agg_local;

/* A reader of the output. */
typedef struct em_agg_src_local {
  bool started;
  em_aggtable *t;
  int64_t pos, end;
  int bucket;          /* spilled: the next sub-bucket of the partition */
  bool t_owned;        /* spilled: t is freed when emitted */
} em_agg_src_local;

/* The raw rows of batch b that the spilled and partitioned modes scatter
 * into key-hash buckets: cols[0 ..) gets the key expressions, then every
 * aggregate's arguments, evaluated over b (the caller releases them, also
 * on error); h[i] row i's key hash as lookup computes it; idx the rows
 * ordered stably by the top `bits` bits of their hash, bucket k's rows at
 * idx[cnt[k] .. cnt[k + 1]) (cnt has 2^bits + 1 entries). h and idx hold
 * b->nrows entries. */
int em_agg_scatter_order(const em_hash_agg_cfg *cfg, em_aggtable *t, const em_batch *b, em_exec_ctx *ctx,
                         em_vec **cols, uint64_t *h, uint32_t *idx, int bits, int64_t *cnt, em_error *err);

/* The next batch (at most batch_rows) of groups [l->pos, l->end) of l->t,
 * keys then aggregate results, typed by the sink's output schema. */
int em_agg_emit_batch(em_sink *s, em_agg_src_local *l, em_batch **out, em_exec_ctx *ctx, em_error *err);
/* A reader over bucket tables built one after another: buckets
 * part * per_out .. part * per_out + per_out - 1 of output partition part,
 * each from build(s, arg, bucket) (NULL with no error: an empty bucket),
 * freed once emitted. */
typedef em_aggtable *(*em_agg_bucket_fn)(em_sink *s, void *arg, int bucket, em_exec_ctx *ctx, em_error *err);
int em_agg_bucket_next(em_sink *s, void *arg, em_agg_bucket_fn build, int per_out, em_agg_src_local *l, int part,
                       em_batch **out, em_exec_ctx *ctx, em_error *err);

/* ---- spill_agg.c ---- */

/* Whether every aggregate's state can go to disk. */
bool em_agg_spillable(const em_hash_agg_cfg *cfg);
/* The budget refused table growth for partition `part`: its groups go to
 * spill files, the table is emptied and the partition's further rows are
 * written to disk (em_agg_spill_rows). */
int em_agg_spill_start(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_exec_ctx *ctx, em_error *err);
/* A batch of a spilled partition: keys and aggregate arguments evaluated
 * and written, bucketed by key hash. */
int em_agg_spill_rows(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_batch *b, em_exec_ctx *ctx,
                      em_error *err);
/* The partition's end: buffered rows are written. */
int em_agg_spill_flush(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_exec_ctx *ctx, em_error *err);
void em_agg_spill_local_free(em_agg_local *l);
/* finalize after a spill: the tables still in memory are written too. */
int em_agg_spill_finalize(em_sink *s, em_agg_shared *sh, em_exec_ctx *ctx, em_error *err);
int em_agg_spill_next(em_sink *s, em_agg_shared *sh, em_agg_src_local *l, int part, em_batch **out,
                      em_exec_ctx *ctx, em_error *err);
void em_agg_spill_free(em_agg_spill *sp);
/* The schema of raw rows: the keys, then every aggregate's arguments. */
em_type *em_agg_raw_schema(const em_hash_agg_cfg *cfg);
/* Appends a batch of raw rows (raw schema) of bucket b to partition part's
 * spill files (after em_agg_spill_start for part, or any start when finalizing). */
int em_agg_spill_raw_write(em_agg_shared *sh, int part, int b, em_batch *batch, em_exec_ctx *ctx, em_error *err);

/* ---- agg_part.c: the partitioned mode of high-cardinality groupings ---- */

/* Groups a table must reach before its reduction is judged. */
extern uint32_t em_agg_part_min_groups;
/* Partitions switched so far (for tests). */
extern _Atomic int64_t em_agg_part_switches;
/* Called after each aggregated batch: judges the reduction once the table
 * has em_agg_part_min_groups groups and, when it is poor and the mode is
 * possible, switches the partition to the partitioned mode. */
int em_agg_part_maybe_start(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, int64_t nrows,
                            em_exec_ctx *ctx, em_error *err);
/* A batch of a partitioned partition: keys and arguments go to buckets. */
int em_agg_part_rows(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_batch *b, em_exec_ctx *ctx,
                     em_error *err);
/* The partition's end: staged rows become bucket batches. */
int em_agg_part_flush(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_exec_ctx *ctx, em_error *err);
/* finalize with partitioned partitions: prepares the bucket-wise final
 * phase (or, when another partition spilled, sends everything to disk). */
int em_agg_part_finalize(em_sink *s, em_agg_shared *sh, em_exec_ctx *ctx, em_error *err);
int em_agg_part_next(em_sink *s, em_agg_shared *sh, em_agg_src_local *l, int part, em_batch **out, em_exec_ctx *ctx,
                     em_error *err);
void em_agg_part_free(em_agg_part *pt);

#endif
