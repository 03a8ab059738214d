/*
 * The partitioned mode of the hash aggregate: high-cardinality groupings.
 *
 * Problem. When almost every row of a partition brings a new key (10M rows
 * into 1M groups), the partition's table grows far beyond the caches and
 * every row costs a cache and TLB miss, the table's growth rehashes it
 * again and again, and the final merge reads every group once more at
 * random. The partial aggregation does not pay for itself.
 *
 * Idea (as DuckDB's radix-partitioned aggregate and Spark's skipping of a
 * partial aggregation that does not reduce): once a partition's table has
 * em_agg_part_min_groups groups, judge its reduction; with fewer than two
 * rows a group, stop aggregating. The table keeps the states of the rows
 * seen so far (the "snapshot"), and the further rows of the partition only
 * have their keys and aggregate arguments evaluated and are scattered, in
 * row order, into 256 in-memory buckets by the top bits of
 * their key hash (sequential writes, no lookups).
 *
 * Final phase. Output partition j owns buckets j*32 .. j*32+31 (the top
 * EM_AGG_OUT_BITS hash bits, as the in-memory merge), and builds them one
 * after the other: for each input partition p in order, p's table of the
 * bucket is its snapshot's groups of the bucket (states moved byte for
 * byte) updated with p's bucket rows in row order - exactly the states p's
 * own table would have had - and these are merged in partition order into
 * a fresh result table, as the in-memory merge does. So results are the
 * same to the bit (floating-point sums, first/last, overflow checks). A
 * bucket holds about 1/256 of the groups: its tables stay in the caches and
 * the cores build different buckets at once.
 *
 * When the mode applies: keys (not a global aggregate), at least two input
 * partitions (so the output partitioning is the merge's), and aggregate
 * states that can be moved as bytes (those that own no memory, and the
 * value holders of min/max/first/last, whose zeroed state is empty; the
 * same aggregates as can spill). The snapshot's states are moved, each
 * once, into the bucket tables.
 *
 * Memory. Bucket batches are charged to the query's memtracker. When the
 * budget refuses and spilling is on, the partition goes to disk as the
 * spill design does (spill_agg.c): its snapshot is written as a spill
 * snapshot and its buckets, in order, as its spilled rows; further rows
 * follow them there. When any partition spilled, finalize writes the
 * buckets of the other partitioned partitions too and the spilled final
 * phase reads everything. Without spilling the query fails with
 * UNABLE_TO_ACQUIRE_MEMORY. A spill bucket gathers 4 of our buckets, one
 * after the other: rows of one key are in one bucket, so each key's rows
 * stay in row order, which is all a group's states depend on.
 */
#include "agg_int.h"

#include <stdatomic.h>
#include <string.h>

/* 256 buckets: a bucket's tables (1/256 of the groups) stay in a core's
 * L2 cache for groupings of a few million keys. Spill bucket of bucket b:
 * b >> TO_SPILL (spill_agg.c has 64). */
#define BITS 8
#define NB (1 << BITS)
#define TO_SPILL (BITS - EM_AGG_BUCKET_BITS)
#define PER_OUT (NB >> EM_AGG_OUT_BITS)
#define STAGE_ROWS 1024

/* The table is judged twice. At 64K groups, a partition whose rows were
 * nearly all new keys (under 1.25 rows a group) switches at once. At 256K
 * groups (a table of about 14 MiB with two small states, more than a
 * core's share of the caches) it switches with under 2 rows a group.
 * Groupings of up to ~150K keys in random order thus keep their table
 * however many rows they have: its lookups hit the L3 cache, and
 * partitioning would only add the rows' round trip through memory. */
uint32_t em_agg_part_min_groups = 65536;
_Atomic int64_t em_agg_part_switches;

/* One partitioned input partition. */
typedef struct part_in {
  em_batch **b[NB]; /* the bucket's batches, in row order (charged) */
  int nb[NB], capb[NB];
  em_vec **stage[NB]; /* rows being gathered (not charged: at most NB * STAGE_ROWS rows) */
  int64_t nstage[NB];
  uint64_t *h;
  uint32_t *idx;
  int64_t cap;
} part_in;

struct em_agg_part {
  int nparts;
  part_in **in; /* [input partition], NULL when not partitioned */
  em_type *raw_schema;
  int ncols;
  em_memtracker *mem;
  /* After finalize: the groups of tables[p] in bucket b. */
  uint32_t **gids; /* [p * NB + b] */
  int64_t *gn;
  int nonempty;
  _Atomic uint64_t *hint; /* [p]: groups of p's bucket table built last */
};

#define pi_hint(pt, p) ((pt)->hint[p])

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a partitioned hash aggregate"); }

static void stage_free(em_vec **st, int ncols) {
  for (int k = 0; st && k < ncols; k++)
    if (st[k]) em_vec_unref(st[k]);
  em_free(st);
}

static void part_in_free(em_agg_part *pt, part_in *pi) {
  if (!pi) return;
  for (int b = 0; b < NB; b++) {
    for (int i = 0; i < pi->nb[b]; i++) {
      if (pt->mem) em_memtracker_release(pt->mem, (int64_t)em_batch_bytes(pi->b[b][i]));
      em_batch_unref(pi->b[b][i]);
    }
    em_free(pi->b[b]);
    stage_free(pi->stage[b], pt->ncols);
  }
  em_free(pi->h);
  em_free(pi->idx);
  em_free(pi);
}

void em_agg_part_free(em_agg_part *pt) {
  if (!pt) return;
  for (int p = 0; pt->in && p < pt->nparts; p++) part_in_free(pt, pt->in[p]);
  for (int i = 0; pt->gids && i < pt->nparts * NB; i++) em_free(pt->gids[i]);
  em_free(pt->gids);
  em_free(pt->gn);
  em_free((void *)pt->hint);
  em_free(pt->in);
  if (pt->raw_schema) em_type_unref(pt->raw_schema);
  em_free(pt);
}

static bool eligible(const em_sink *s) {
  const em_hash_agg_cfg *cfg = s->cfg;
  if (cfg->mode == EM_AT_NONE || s->in_parts < 2) return false;
  for (int a = 0; a < cfg->naggs; a++) {
    const em_agg_def *d = cfg->aggs[a]->u.fn.agg;
    if (d->destroy && !em_agg_spill_ops_of(d)) return false;
  }
  return true;
}

int em_agg_part_maybe_start(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, int64_t nrows,
                            em_exec_ctx *ctx, em_error *err) {
  l->seen += nrows;
  uint64_t ng = l->t->ngroups, first = em_agg_part_min_groups;
  if (l->checked || ng < first) return 0;
  if (!eligible(s)) {
    l->checked = true;
    return 0;
  }
  bool last = ng >= first * 4;
  if (last) l->checked = true;
  /* Enough rows a group: the table reduces; keep it (for now). */
  if ((uint64_t)l->seen * 4 >= ng * (last ? 8 : 5)) return 0;
  const em_hash_agg_cfg *cfg = s->cfg;
  pthread_mutex_lock(&s->mu);
  if (!sh->part && (sh->part = em_calloc(1, sizeof *sh->part))) {
    em_agg_part *pt = sh->part;
    pt->nparts = s->in_parts;
    pt->mem = ctx->mem;
    pt->in = em_calloc((size_t)pt->nparts, sizeof *pt->in);
    pt->raw_schema = em_agg_raw_schema(cfg);
    if (!pt->in || !pt->raw_schema) {
      em_agg_part_free(pt);
      sh->part = NULL;
    } else {
      pt->ncols = pt->raw_schema->u.st.nfields;
    }
  }
  em_agg_part *pt = sh->part;
  pthread_mutex_unlock(&s->mu);
  if (!pt) return oom(err);
  if (part < 0 || part >= pt->nparts || pt->in[part]) return em_error_internal(err, "hash aggregate: bad partition");
  if (!(pt->in[part] = em_calloc(1, sizeof(part_in)))) return oom(err);
  l->part = true;
  atomic_fetch_add(&em_agg_part_switches, 1);
  return 0;
}

/* An empty vector with room for cap rows. Fixed-width values are not
 * zeroed first (stage_rows writes every row it adds). */
static em_vec *stage_vec(em_type *t, int64_t cap) {
  if (em_type_fixed_width(t) <= 0 || t->id == EM_T_BOOLEAN) return em_vec_new(t, cap);
  em_vec *v = em_vec_new_uninit(t, cap);
  if (v) {
    v->len = 0;
    v->values->len = 0;
  }
  return v;
}

/* Stage rows idx[0..m) of src into column k of stage st (room reserved). */
static int stage_rows(em_vec *dst, const em_vec *src, const uint32_t *idx, int64_t m) {
  int w = em_type_fixed_width(src->type);
  bool src_nulls = src->validity && src->null_count;
  if (w > 0 && src->type->id != EM_T_BOOLEAN && !src_nulls && !dst->validity && src->values) {
    uint8_t *d = (uint8_t *)em_vec_values(dst) + (size_t)dst->len * (size_t)w;
    const uint8_t *p = em_vec_values(src);
    switch (w) {
    case 8:
      for (int64_t j = 0; j < m; j++) ((uint64_t *)d)[j] = ((const uint64_t *)p)[idx[j]];
      break;
    case 4:
      for (int64_t j = 0; j < m; j++) ((uint32_t *)d)[j] = ((const uint32_t *)p)[idx[j]];
      break;
    default:
      for (int64_t j = 0; j < m; j++) memcpy(d + (size_t)j * (size_t)w, p + (size_t)idx[j] * (size_t)w, (size_t)w);
      break;
    }
    dst->len += m;
    dst->values->len = (size_t)dst->len * (size_t)w;
    return 0;
  }
  em_vec *taken = em_vec_take(src, idx, m);
  if (!taken) return -1;
  int rc = em_vec_append_range(dst, taken, 0, m);
  em_vec_unref(taken);
  return rc;
}

/* Bucket b's staged rows as a new batch (not charged); NULL on OOM. */
static em_batch *stage_batch(em_agg_part *pt, part_in *pi, int b) {
  em_batch *batch = em_batch_new(em_type_ref(pt->raw_schema), pt->ncols, pi->stage[b], pi->nstage[b]);
  em_free(pi->stage[b]);
  pi->stage[b] = NULL;
  pi->nstage[b] = 0;
  return batch;
}

/* Moves bucket b's staged rows into a new charged batch of the bucket.
 * -2 when the budget refuses: *refused is then the uncharged batch. */
static int seal(em_agg_part *pt, part_in *pi, int b, em_exec_ctx *ctx, em_batch **refused, em_error *err) {
  if (!pi->nstage[b]) return 0;
  if (pi->nb[b] == pi->capb[b]) {
    int nc = pi->capb[b] ? pi->capb[b] * 2 : 16;
    em_batch **nbs = em_realloc(pi->b[b], sizeof *nbs * (size_t)nc);
    if (!nbs) return oom(err);
    pi->b[b] = nbs;
    pi->capb[b] = nc;
  }
  em_batch *batch = stage_batch(pt, pi, b);
  if (!batch) return oom(err);
  if (pt->mem && em_memtracker_reserve(pt->mem, (int64_t)em_batch_bytes(batch), err)) {
    *refused = batch;
    return -2;
  }
  pi->b[b][pi->nb[b]++] = batch;
  return 0;
}

/* Sends partition part to disk: its snapshot table through the spill
 * start, then every bucket's rows in order: its batches, the refused batch
 * `pending` (of bucket pb), its staged rows. */
static int to_disk(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, int pb, em_batch *pending,
                   em_exec_ctx *ctx, em_error *err) {
  em_agg_part *pt = sh->part;
  part_in *pi = pt->in[part];
  em_error_clear(err);
  l->part = false;
  int rc = em_agg_spill_start(s, sh, l, part, ctx, err);
  for (int b = 0; b < NB; b++) {
    for (int i = 0; i < pi->nb[b]; i++) {
      if (!rc) rc = em_agg_spill_raw_write(sh, part, b >> TO_SPILL, pi->b[b][i], ctx, err);
      if (pt->mem) em_memtracker_release(pt->mem, (int64_t)em_batch_bytes(pi->b[b][i]));
      em_batch_unref(pi->b[b][i]);
    }
    pi->nb[b] = 0;
    if (b == pb) {
      if (!rc) rc = em_agg_spill_raw_write(sh, part, b >> TO_SPILL, pending, ctx, err);
      em_batch_unref(pending);
    }
    if (pi->nstage[b]) {
      em_batch *st = stage_batch(pt, pi, b);
      if (!st) {
        if (!rc) rc = oom(err);
      } else {
        if (!rc) rc = em_agg_spill_raw_write(sh, part, b >> TO_SPILL, st, ctx, err);
        em_batch_unref(st);
      }
    }
  }
  part_in_free(pt, pi);
  pt->in[part] = NULL;
  return rc;
}

/* After staging: seals full stages (all of them at the partition's end);
 * a refused charge spills the partition when allowed. */
static int seal_full(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, bool all, em_exec_ctx *ctx,
                     em_error *err) {
  em_agg_part *pt = sh->part;
  part_in *pi = pt->in[part];
  for (int b = 0; b < NB; b++) {
    if (!pi->nstage[b] || (!all && pi->nstage[b] < STAGE_ROWS)) continue;
    em_batch *refused = NULL;
    int r = seal(pt, pi, b, ctx, &refused, err);
    if (r == -2) {
      if (!em_spill_should(ctx, err) || !em_agg_spillable(s->cfg)) {
        em_batch_unref(refused);
        return -1;
      }
      return to_disk(s, sh, l, part, b, refused, ctx, err);
    }
    if (r) return -1;
  }
  return 0;
}

int em_agg_part_rows(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_batch *b, em_exec_ctx *ctx,
                     em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_agg_part *pt = sh->part;
  part_in *pi = pt->in[part];
  int64_t n = b->nrows;
  if (n == 0) return 0;
  int ncols = pt->ncols;
  em_vec *cbuf[8];
  em_vec **cols = ncols <= 8 ? cbuf : em_calloc((size_t)ncols, sizeof *cols);
  if (!cols) return oom(err);
  memset(cols, 0, sizeof *cols * (size_t)ncols);
  int rc = 0;
  if (n > pi->cap) {
    em_free(pi->h);
    em_free(pi->idx);
    pi->h = em_malloc(sizeof *pi->h * (size_t)n);
    pi->idx = em_malloc(sizeof *pi->idx * (size_t)n);
    pi->cap = pi->h && pi->idx ? n : 0;
    if (!pi->cap) rc = oom(err);
  }
  int64_t cnt[NB + 1];
  if (!rc) rc = em_agg_scatter_order(cfg, l->t, b, ctx, cols, pi->h, pi->idx, BITS, cnt, err);
  for (int bk = 0; !rc && bk < NB; bk++) {
    int64_t m = cnt[bk + 1] - cnt[bk];
    if (m == 0) continue;
    if (!pi->stage[bk]) {
      if (!(pi->stage[bk] = em_calloc((size_t)ncols, sizeof(em_vec *)))) {
        rc = oom(err);
        break;
      }
      for (int k = 0; !rc && k < ncols; k++)
        if (!(pi->stage[bk][k] = stage_vec(pt->raw_schema->u.st.fields[k].type, STAGE_ROWS + m))) rc = oom(err);
    }
    for (int k = 0; !rc && k < ncols; k++) {
      em_vec *dst = pi->stage[bk][k];
      if (em_vec_reserve(dst, dst->len + m, 0) || stage_rows(dst, cols[k], pi->idx + cnt[bk], m)) rc = oom(err);
    }
    if (!rc) pi->nstage[bk] += m;
  }
  for (int k = 0; k < ncols; k++)
    if (cols[k]) em_vec_unref(cols[k]);
  if (cols != cbuf) em_free(cols);
  if (rc) return rc;
  return seal_full(s, sh, l, part, false, ctx, err);
}

int em_agg_part_flush(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_exec_ctx *ctx, em_error *err) {
  if (!l->part) return 0;
  return seal_full(s, sh, l, part, true, ctx, err);
}

int em_agg_part_finalize(em_sink *s, em_agg_shared *sh, em_exec_ctx *ctx, em_error *err) {
  em_agg_part *pt = sh->part;
  if (sh->spill) {
    /* Another partition spilled: everything goes the disk way. Bucket
     * batches become the partitions' spilled rows; their tables become
     * snapshots in em_agg_spill_finalize. */
    for (int p = 0; p < pt->nparts; p++) {
      part_in *pi = pt->in[p];
      if (!pi) continue;
      for (int b = 0; b < NB; b++)
        for (int i = 0; i < pi->nb[b]; i++)
          if (em_agg_spill_raw_write(sh, p, b >> TO_SPILL, pi->b[b][i], ctx, err)) return -1;
      part_in_free(pt, pi);
      pt->in[p] = NULL;
    }
    return 0;
  }
  int np = sh->ntables < pt->nparts ? sh->ntables : pt->nparts;
  pt->gids = em_calloc((size_t)pt->nparts * NB, sizeof *pt->gids);
  pt->gn = em_calloc((size_t)pt->nparts * NB, sizeof *pt->gn);
  pt->hint = em_calloc((size_t)pt->nparts, sizeof *pt->hint);
  if (!pt->gids || !pt->gn || !pt->hint) return oom(err);
  for (int p = 0; p < np; p++) {
    const em_aggtable *t = sh->tables[p];
    if (!t) continue;
    pt->nonempty++;
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    int64_t *cnt = pt->gn + (size_t)p * NB;
    for (uint32_t g = 0; g < t->ngroups; g++) cnt[t->hashes[g] >> (64 - BITS)]++;
    int64_t fill[NB] = {0};
    for (int b = 0; b < NB; b++)
      if (cnt[b] && !(pt->gids[p * NB + b] = em_malloc(sizeof(uint32_t) * (size_t)cnt[b]))) return oom(err);
    for (uint32_t g = 0; g < t->ngroups; g++) {
      int b = (int)(t->hashes[g] >> (64 - BITS));
      pt->gids[p * NB + b][fill[b]++] = g;
    }
  }
  sh->nparts = 1 << EM_AGG_OUT_BITS;
  s->out_parts = sh->nparts;
  return 0;
}

/* Input partition p's table of bucket b: its snapshot groups, then its
 * bucket rows (whose batches are released). */
static em_aggtable *part_table(em_sink *s, em_agg_shared *sh, int p, int b, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_agg_part *pt = sh->part;
  part_in *pi = pt->in[p];
  em_aggtable *src = sh->tables[p];
  em_aggtable *t = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, ctx->mem, err);
  if (!t) return NULL;
  int64_t gn = pt->gn[p * NB + b];
  /* Sized for the snapshot's groups: the rows' keys are unknown (a bound
   * from their count would oversize the table out of the caches), so the
   * table grows for them. */
  /* Sized for the larger of the snapshot's groups and the groups of the
   * partition's bucket built last (hash buckets are alike in size), so
   * that most tables never grow. */
  uint64_t hint = atomic_load_explicit(&pi_hint(pt, p), memory_order_relaxed);
  uint32_t *groups = NULL;
  int rc = em_aggtable_reserve(t, (uint64_t)gn > hint ? (uint64_t)gn : hint, err);
  if (!rc && gn) rc = em_aggtable_move_groups(t, src, pt->gids[p * NB + b], gn, err);
  for (int i = 0; !rc && pi && i < pi->nb[b]; i++) {
    em_batch *bt = pi->b[b][i];
    int64_t n = bt->nrows;
    em_free(groups);
    if (!(groups = em_malloc(sizeof *groups * (size_t)(n ? n : 1)))) {
      rc = oom(err);
      break;
    }
    rc = em_aggtable_lookup(t, bt->cols, n, groups, err);
    int c = cfg->nkeys;
    for (int a = 0; !rc && a < cfg->naggs; a++) {
      const em_expr *call = cfg->aggs[a];
      const em_agg_def *d = call->u.fn.agg;
      rc = d->update(call, t->states[a], d->state_size, groups, bt->cols + c, n, err);
      c += call->nargs;
    }
  }
  em_free(groups);
  if (!rc) atomic_store_explicit(&pi_hint(pt, p), t->ngroups, memory_order_relaxed);
  /* The bucket's rows are folded (or the query failed): give them back. */
  for (int i = 0; pi && i < pi->nb[b]; i++) {
    if (pt->mem) em_memtracker_release(pt->mem, (int64_t)em_batch_bytes(pi->b[b][i]));
    em_batch_unref(pi->b[b][i]);
  }
  if (pi) pi->nb[b] = 0;
  if (rc) {
    em_aggtable_free(t);
    return NULL;
  }
  return t;
}

/* The result table of bucket b (NULL with no error when it is empty). */
static em_aggtable *build_bucket(em_sink *s, em_agg_shared *sh, int b, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_agg_part *pt = sh->part;
  int np = sh->ntables < pt->nparts ? sh->ntables : pt->nparts;
  em_aggtable *m = NULL;
  uint32_t *scratch = NULL;
  for (int p = 0; p < np; p++) {
    if (!sh->tables[p]) continue;
    part_in *pi = pt->in[p];
    bool has_rows = pi && pi->nb[b] > 0;
    int64_t gn = pt->gn[p * NB + b];
    if (!has_rows && gn == 0) continue;
    if (em_exec_cancelled(ctx)) {
      em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      goto fail;
    }
    if (pt->nonempty <= 1) {
      /* One input partition: its table is the result, as in memory. */
      if (!(m = part_table(s, sh, p, b, ctx, err))) goto fail;
      continue;
    }
    em_aggtable *t = has_rows ? part_table(s, sh, p, b, ctx, err) : NULL;
    if (has_rows && !t) goto fail;
    if (!m) {
      /* Sized for the first table merged in. */
      if (!(m = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, ctx->mem, err)) ||
          em_aggtable_reserve(m, (uint64_t)(t ? t->ngroups : gn), err)) {
        em_aggtable_free(t);
        goto fail;
      }
    }
    int rc;
    if (!has_rows) {
      /* Nothing after the snapshot: merge its groups straight in. */
      em_free(scratch);
      if (!(scratch = em_malloc(sizeof *scratch * (size_t)gn))) {
        oom(err);
        goto fail;
      }
      rc = em_aggtable_merge(m, sh->tables[p], pt->gids[p * NB + b], gn, scratch, err);
    } else {
      rc = em_aggtable_absorb(m, t, err);
    }
    if (rc) goto fail;
  }
  em_free(scratch);
  return m;
fail:
  em_free(scratch);
  em_aggtable_free(m);
  return NULL;
}

/* em_agg_bucket_fn over build_bucket. */
static em_aggtable *bucket_of(em_sink *s, void *arg, int bucket, em_exec_ctx *ctx, em_error *err) {
  return build_bucket(s, arg, bucket, ctx, err);
}

int em_agg_part_next(em_sink *s, em_agg_shared *sh, em_agg_src_local *l, int part, em_batch **out, em_exec_ctx *ctx,
                     em_error *err) {
  return em_agg_bucket_next(s, sh, bucket_of, PER_OUT, l, part, out, ctx, err);
}
