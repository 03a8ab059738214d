/*
 * Private to the sort: its parameters and runs (op_sort.c) and external
 * sorting when the memory budget is exceeded (spill_sort.c).
 */
#ifndef EM_EXEC_SORT_INT_H
#define EM_EXEC_SORT_INT_H

#include "spill.h"

typedef struct em_sort_cfg {
  em_expr **keys;
  bool *ascending;
  bool *nulls_first;
  int nkeys;
  bool global;
  int64_t limit; /* > 0: only the first `limit` rows are wanted (TopN) */
  /* The first key has a normalized 64-bit prefix (sort_key.c); exact when
   * equal prefixes mean equal values. */
  bool pfx;
  bool pfx_exact;
} em_sort_cfg;

/* A sorted run: the rows of one partition, concatenated, plus the order. */
typedef struct em_sort_run {
  em_batch *rows; /* all columns */
  em_vec **keys;  /* evaluated keys, nkeys */
  uint32_t *perm; /* sorted order of rows */
  int64_t n;
  /* With cfg->pfx (and no limit): the first key's prefix of every sorted
   * position outside the block of rows whose first key is null, which
   * holds nnull rows, first or last as the key's null order says. */
  uint64_t *pfx;
  int64_t nnull;
  /* Bucketed global sort (sort_bucket.c): the run is not sorted; when the
   * first key has nulls, perm holds the rows whose first key is not null,
   * then the others, each in order (else perm is unset: the identity);
   * the prefixes of the former lie in [pmin, pmax]; pfx is unused. */
  bool unsorted;
  uint64_t pmin, pmax;
} em_sort_run;

/* What one task collects before its partition ends. */
typedef struct em_sort_local {
  em_batch **batches;
  em_vec ***keys;
  int n, cap;
  int64_t charged;         /* bytes reserved on mem */
  em_memtracker *mem;
  em_spill_file **spilled; /* sorted runs written so far, in order */
  int nspilled, capspilled;
} em_sort_local;

/* The shared state of the sort sink. */
typedef struct em_sort_state {
  em_sort_run *runs; /* indexed by input partition */
  int nruns;
  /* Global sort: the merged order as (run, row) pairs. */
  uint32_t *mrun;
  uint32_t *mrow;
  int64_t mn;
  /* Memory held by in-memory runs (released by destroy). */
  int64_t charged;
  em_memtracker *mem;
  /* External sort: set once any partition spilled. */
  bool spilled;
  em_type *file_schema;     /* rows ++ keys */
  em_spill_file ***pfiles;  /* per input partition, its runs in order */
  int *pnfiles;
  /* Bucketed global sort: the bucket sorting (sort_bucket.c). */
  void *bucket;
} em_sort_state;

/* A reader of the sort's output. */
typedef struct em_sort_out_local {
  int64_t pos;
  void *merge; /* spilled: the merge of the partition's runs (spill_sort.c) */
} em_sort_out_local;

/* Spark's order of rows i of ka and j of kb. */
int em_sort_cmp(const em_sort_cfg *cfg, em_vec *const *ka, int64_t i, em_vec *const *kb, int64_t j);
/* Concatenates the local batches into run r and sorts it (TopN under a
 * limit). The local batches are released. */
int em_sort_build_run(em_sink *s, em_sort_local *st, em_sort_run *r, em_exec_ctx *ctx, em_error *err);
void em_sort_run_free(const em_sort_cfg *cfg, em_sort_run *r);
void em_sort_local_free_batches(const em_sort_cfg *cfg, em_sort_local *st);

/* Spark's order of sorted position pa of run a and pb of run b. */
int em_sort_run_cmp(const em_sort_cfg *cfg, const em_sort_run *a, int64_t pa, const em_sort_run *b, int64_t pb);

/* ---- sort_merge.c: the global sort's merge ---- */

/* Fills ss->mrun/mrow (room for every row) with the k-way merge of the
 * runs, ties going to the lower run, in key-range segments merged in
 * parallel on the pool. */
int em_sort_merge_runs(const em_sort_cfg *cfg, em_sort_state *ss, em_exec_ctx *ctx, em_error *err);
/* Rewrites run r's rows and keys in its sorted order (perm becomes the
 * identity), so the merge's gather reads each run sequentially. */
int em_sort_run_reorder(const em_sort_cfg *cfg, em_sort_run *r, em_error *err);
/* The least rows per merge segment (tests lower it to force many). */
extern int64_t em_sort_merge_segment_rows;

/* ---- sort_key.c: normalized keys ---- */

/* A row's prefix and index, the unit the radix sort moves. */
typedef struct em_sort_item {
  uint64_t key;
  uint32_t idx;
} em_sort_item;

/* Whether values of t have a normalized prefix; *exact says whether equal
 * prefixes mean equal values. */
bool em_sort_key_supported(const em_type *t, bool *exact);
/* out[i] = prefix of row rows[i] of v (non-null rows only; unsigned order
 * of prefixes = Spark's order, reversed when !asc). */
void em_sort_key_encode(const em_vec *v, const uint32_t *rows, int64_t n, bool asc, uint64_t *out);
/* Whether em_sort_key_decode inverts the prefix of type t (integers and
 * the types stored as integers). */
bool em_sort_key_decodable(const em_type *t);
/* out[i] = the value whose prefix (asc as encoded) is pk[i]. */
void em_sort_key_decode(const em_type *t, const uint64_t *pk, int64_t n, bool asc, void *out);
/* Stable sort of a[0..n) by key (tmp has room for n items). Returns a or
 * tmp, whichever holds the result. */
em_sort_item *em_sort_radix(em_sort_item *a, em_sort_item *tmp, int64_t n);
/* Stable LSD radix sort of a[0..n) by bits [lo, lo + bits) (the bits below
 * lo are in order already). Returns a or tmp, NULL on OOM. */
uint64_t *em_sort_radix_u64(uint64_t *a, uint64_t *tmp, int64_t n, int lo, int bits);
/* Sorts the pairs (keys[i], idx[i]) stably by key, in place (a narrow key
 * range is packed with the index into one word). -1 on OOM. */
int em_sort_by_prefix(uint64_t *keys, uint32_t *idx, int64_t n);

/* Sorts a run left unsorted for the bucketed sort the usual way (the
 * spilling and merge paths need sorted runs). */
int em_sort_run_sort(const em_sort_cfg *cfg, em_sort_run *r, em_exec_ctx *ctx, em_error *err);

/* ---- sort_bucket.c: the global sort on one exact key by buckets ---- */

/* Whether the global sort takes the bucketed path: no limit, one key with
 * an exact prefix. */
bool em_sort_bucketed(const em_sort_cfg *cfg);
/* combine: encodes run r's prefixes in row order instead of sorting it. */
int em_sort_run_prepare(const em_sort_cfg *cfg, em_sort_run *r, em_error *err);
/* finalize: scatters the unsorted runs into buckets and starts sorting
 * them (helpers on the pool; all at once for small sorts). Sets ss->mn.
 * At most 2^32 rows in all. */
int em_sort_bucket_start(const em_sort_cfg *cfg, em_sort_state *ss, em_exec_ctx *ctx, em_error *err);
/* The next output batch (waits for, or sorts, the buckets it needs). */
int em_sort_bucket_next(em_sink *s, em_sort_state *ss, em_sort_out_local *st, em_batch **out, em_exec_ctx *ctx,
                        em_error *err);
void em_sort_bucket_free(em_sort_state *ss);
/* Target rows per bucket, and the least non-null rows sorted in the
 * background (tests lower them). */
extern int64_t em_sort_bucket_rows;
extern int64_t em_sort_bucket_async_rows;

/* ---- spill_sort.c ---- */

/* Sorts the task's collected batches into a run and writes it to a spill
 * file (its memory charge is released). */
int em_sort_spill_local(em_sink *s, em_sort_local *st, em_exec_ctx *ctx, em_error *err);
/* The partition's end for a task that spilled: the rest becomes its last
 * run and its runs are handed to the state. */
int em_sort_spill_combine(em_sink *s, em_sort_state *ss, em_sort_local *st, int part, em_exec_ctx *ctx,
                          em_error *err);
/* finalize when spilled: in-memory runs are written too; sets out_parts. */
int em_sort_spill_finalize(em_sink *s, em_sort_state *ss, em_exec_ctx *ctx, em_error *err);
/* Output of a spilled sort: k-way merge of the runs of `part`. */
size_t em_sort_spill_local_size(void);
int em_sort_spill_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err);
void em_sort_spill_close(em_sink *s, void *local);
void em_sort_spill_destroy(em_sort_state *ss);

#endif
