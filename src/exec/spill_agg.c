/*
 * Hash aggregate spilling: what the hash aggregate (op_hash_agg.c) does
 * when the memory budget refuses to grow a partition's table.
 *
 * Results must be the same as in memory, to the bit: floating-point sums
 * depend on the order values are added, first()/last() on row order. In
 * memory, partition p's table folds p's rows into per-group states in row
 * order, and the final phase merges the tables' states in partition order.
 * Spilling keeps both orders:
 *
 *  1. Spill (per partition, on its task). When growth of p's table is
 *     refused, before the batch that needed it updates any state, the
 *     table's groups are written out with their states (a snapshot),
 *     bucketed by the top SPILL_BITS bits of their key hash, and the table
 *     is freed. From then on p's rows are not aggregated but written, as
 *     (keys, aggregate arguments), to p's bucket files, in row order.
 *     States are written as raw bytes, or through the aggregate's save hook
 *     when they own memory (min/max/first/last of strings); aggregates whose
 *     states cannot be written (collect_list, sets, sketches, DISTINCT)
 *     don't spill: the query then fails with UNABLE_TO_ACQUIRE_MEMORY.
 *  2. Finalize. Tables still in memory are written as snapshots too, so the
 *     budget is free for the final phase.
 *  3. Final phase (output partition j = top 3 hash bits, as in memory, so
 *     8 partitions in parallel). Bucket by bucket: for each input
 *     partition p in order, a table is loaded from p's snapshot of the
 *     bucket and then updated with p's rows of the bucket: exactly p's
 *     in-memory states. These are merged in partition order into the
 *     bucket's result table, as the in-memory final phase merges (with a
 *     single input partition its table is the result, as in memory). The
 *     bucket is emitted and freed before the next one is built, so the
 *     peak is about one bucket (1/64 of the groups) of results.
 *
 * Group order within the output differs from the in-memory path (Spark
 * gives none). A bucket that alone exceeds the budget is not split further:
 * the query fails with UNABLE_TO_ACQUIRE_MEMORY.
 */
#include "agg_int.h"

#include <string.h>

#define SPILL_BITS EM_AGG_BUCKET_BITS
#define NBUCKETS EM_AGG_NBUCKETS
#define OUT_BITS EM_AGG_OUT_BITS /* op_hash_agg.c's RADIX_BITS */
#define PER_OUT (NBUCKETS >> OUT_BITS)

struct em_agg_spill {
  int nparts;
  em_spill_file **snap; /* [p * NBUCKETS + b]: groups and states */
  em_spill_file **raw;  /* [p * NBUCKETS + b]: rows after the spill */
  bool *spilled;
  int nonempty; /* input partitions that had a table */
  em_type *snap_schema; /* hash, key, one state column per aggregate */
  em_type *raw_schema;  /* keys, then every aggregate's arguments */
  int nargs;
};

typedef struct rawbuf {
  em_vec **cols[NBUCKETS];
  int64_t n[NBUCKETS];
  uint64_t *h;
  uint32_t *idx;
  int64_t cap;
  int ncols;
} rawbuf;

static int oom(em_error *err) { return em_error_internal(err, "out of memory spilling a hash aggregate"); }

bool em_agg_spillable(const em_hash_agg_cfg *cfg) {
  if (cfg->mode == EM_AT_NONE) return false;
  for (int a = 0; a < cfg->naggs; a++) {
    const em_agg_def *d = cfg->aggs[a]->u.fn.agg;
    if (d->destroy && !em_agg_spill_ops_of(d)) return false;
  }
  return true;
}

static void spill_free_files(em_spill_file **f, int n) {
  for (int i = 0; f && i < n; i++) em_spill_free(f[i]);
  em_free(f);
}

void em_agg_spill_free(em_agg_spill *sp) {
  if (!sp) return;
  spill_free_files(sp->snap, sp->nparts * NBUCKETS);
  spill_free_files(sp->raw, sp->nparts * NBUCKETS);
  em_free(sp->spilled);
  if (sp->snap_schema) em_type_unref(sp->snap_schema);
  if (sp->raw_schema) em_type_unref(sp->raw_schema);
  em_free(sp);
}

em_type *em_agg_raw_schema(const em_hash_agg_cfg *cfg) {
  int nargs = 0;
  for (int a = 0; a < cfg->naggs; a++) nargs += cfg->aggs[a]->nargs;
  em_type **t = em_calloc((size_t)(cfg->nkeys + nargs + 1), sizeof *t);
  em_type *base = t ? em_type_struct_new(0) : NULL, *out = NULL;
  if (base) {
    int n = 0;
    for (int k = 0; k < cfg->nkeys; k++) t[n++] = cfg->key_types[k];
    for (int a = 0; a < cfg->naggs; a++)
      for (int i = 0; i < cfg->aggs[a]->nargs; i++) t[n++] = cfg->aggs[a]->args[i]->type;
    out = em_spill_schema(base, t, n, "_r");
    em_type_unref(base);
  }
  em_free(t);
  return out;
}

static em_agg_spill *spill_new(em_sink *s) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_agg_spill *sp = em_calloc(1, sizeof *sp);
  if (!sp) return NULL;
  sp->nparts = s->in_parts > 0 ? s->in_parts : 1;
  size_t nf = (size_t)sp->nparts * NBUCKETS;
  sp->snap = em_calloc(nf, sizeof *sp->snap);
  sp->raw = em_calloc(nf, sizeof *sp->raw);
  sp->spilled = em_calloc((size_t)sp->nparts, sizeof *sp->spilled);
  for (int a = 0; a < cfg->naggs; a++) sp->nargs += cfg->aggs[a]->nargs;
  em_type **t = em_calloc((size_t)(cfg->nkeys + sp->nargs + cfg->naggs + 2), sizeof *t);
  if (sp->snap && sp->raw && sp->spilled && t) {
    em_type *base = em_type_struct_new(0);
    int n = 0;
    t[n++] = em_type_long();
    t[n++] = em_type_binary();
    for (int a = 0; a < cfg->naggs; a++) t[n++] = em_type_binary();
    if (base) sp->snap_schema = em_spill_schema(base, t, n, "_s");
    sp->raw_schema = em_agg_raw_schema(cfg);
    if (base) em_type_unref(base);
  }
  em_free(t);
  if (!sp->snap_schema || !sp->raw_schema) {
    em_agg_spill_free(sp);
    return NULL;
  }
  return sp;
}

static em_agg_spill *spill_of(em_sink *s, em_agg_shared *sh, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!sh->spill) sh->spill = spill_new(s);
  em_agg_spill *sp = sh->spill;
  pthread_mutex_unlock(&s->mu);
  if (!sp) oom(err);
  return sp;
}

static int write_to(em_spill_file **slot, em_exec_ctx *ctx, em_batch *b, em_error *err) {
  if (!*slot && !(*slot = em_spill_create(ctx, err))) return -1;
  return em_spill_write(*slot, ctx, b, err);
}

/* Writes the groups gids[0..n) of t to file slot as snapshot batches. */
static int write_snapshot(em_agg_spill *sp, const em_hash_agg_cfg *cfg, em_aggtable *t, const uint32_t *gids,
                          int64_t n, em_spill_file **slot, em_exec_ctx *ctx, em_error *err) {
  int ncols = 2 + cfg->naggs;
  em_strbuf sb;
  em_strbuf_init(&sb);
  int rc = 0;
  for (int64_t at = 0; !rc && at < n; at += 4096) {
    int64_t m = n - at < 4096 ? n - at : 4096;
    em_vec **cols = em_calloc((size_t)ncols, sizeof *cols);
    if (!cols) {
      rc = oom(err);
      break;
    }
    for (int c = 0; !rc && c < ncols; c++)
      if (!(cols[c] = em_vec_new(sp->snap_schema->u.st.fields[c].type, m))) rc = oom(err);
    for (int64_t i = 0; !rc && i < m; i++) {
      uint32_t g = gids[at + i];
      int64_t h = (int64_t)t->hashes[g];
      sb.len = 0;
      if (em_vec_append_fixed(cols[0], &h) || em_aggtable_stored_key(t, g, &sb) ||
          em_vec_append_bytes(cols[1], sb.data ? sb.data : "", sb.len)) {
        rc = oom(err);
        break;
      }
      for (int a = 0; !rc && a < cfg->naggs; a++) {
        const em_agg_def *d = cfg->aggs[a]->u.fn.agg;
        const uint8_t *st = t->states[a] + (size_t)g * d->state_size;
        const em_agg_spill_ops *ops = em_agg_spill_ops_of(d);
        sb.len = 0;
        if (ops ? ops->save(cfg->aggs[a], st, &sb) : em_strbuf_append(&sb, (const char *)st, d->state_size))
          rc = oom(err);
        else if (em_vec_append_bytes(cols[2 + a], sb.data ? sb.data : "", sb.len))
          rc = oom(err);
      }
    }
    em_batch *b = NULL;
    if (rc) {
      for (int c = 0; c < ncols; c++)
        if (cols[c]) em_vec_unref(cols[c]);
    } else if (!(b = em_batch_new(em_type_ref(sp->snap_schema), ncols, cols, m))) {
      rc = oom(err); /* the columns were released */
    }
    em_free(cols);
    if (!rc) rc = write_to(slot, ctx, b, err);
    if (b) em_batch_unref(b);
  }
  em_strbuf_free(&sb);
  return rc;
}

/* Writes every group of t, bucket by bucket, as partition part's snapshot. */
static int snapshot(em_sink *s, em_agg_spill *sp, em_aggtable *t, int part, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  if (t->ngroups == 0) return 0;
  int64_t cnt[NBUCKETS + 1] = {0};
  for (uint32_t g = 0; g < t->ngroups; g++) cnt[(t->hashes[g] >> (64 - SPILL_BITS)) + 1]++;
  for (int b = 0; b < NBUCKETS; b++) cnt[b + 1] += cnt[b];
  uint32_t *order = em_malloc(sizeof *order * t->ngroups);
  if (!order) return oom(err);
  int64_t fill[NBUCKETS];
  memcpy(fill, cnt, sizeof fill);
  for (uint32_t g = 0; g < t->ngroups; g++) order[fill[t->hashes[g] >> (64 - SPILL_BITS)]++] = g;
  int rc = 0;
  for (int b = 0; !rc && b < NBUCKETS; b++)
    if (cnt[b + 1] > cnt[b])
      rc = write_snapshot(sp, cfg, t, order + cnt[b], cnt[b + 1] - cnt[b], &sp->snap[part * NBUCKETS + b], ctx,
                          err);
  em_free(order);
  return rc;
}

int em_agg_spill_start(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_agg_spill *sp = spill_of(s, sh, err);
  if (!sp) return -1;
  if (part < 0 || part >= sp->nparts) return em_error_internal(err, "hash aggregate: partition out of range");
  if (!(l->rawbuf = em_calloc(1, sizeof(rawbuf)))) return oom(err);
  ((rawbuf *)l->rawbuf)->ncols = sp->raw_schema->u.st.nfields;
  if (snapshot(s, sp, l->t, part, ctx, err)) return -1;
  /* The table's memory goes back; an empty one stays for hashing. */
  em_aggtable *fresh = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, NULL, err);
  if (!fresh) return -1;
  pthread_mutex_lock(&s->mu);
  em_aggtable_free(sh->tables[part]);
  sh->tables[part] = fresh;
  pthread_mutex_unlock(&s->mu);
  l->t = fresh;
  l->raw = true;
  sp->spilled[part] = true;
  return 0;
}

int em_agg_spill_raw_write(em_agg_shared *sh, int part, int b, em_batch *batch, em_exec_ctx *ctx, em_error *err) {
  em_agg_spill *sp = sh->spill;
  if (!sp || part < 0 || part >= sp->nparts) return em_error_internal(err, "hash aggregate: no spill of the partition");
  return write_to(&sp->raw[part * NBUCKETS + b], ctx, batch, err);
}

static int flush_bucket(em_agg_spill *sp, rawbuf *rb, int part, int b, em_exec_ctx *ctx, em_error *err) {
  int ncols = sp->raw_schema->u.st.nfields;
  em_batch *batch = em_batch_new(em_type_ref(sp->raw_schema), ncols, rb->cols[b], rb->n[b]);
  em_free(rb->cols[b]);
  rb->cols[b] = NULL;
  rb->n[b] = 0;
  if (!batch) return oom(err);
  int rc = write_to(&sp->raw[part * NBUCKETS + b], ctx, batch, err);
  em_batch_unref(batch);
  return rc;
}

int em_agg_spill_rows(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_batch *b, em_exec_ctx *ctx,
                      em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_agg_spill *sp = sh->spill;
  rawbuf *rb = l->rawbuf;
  int64_t n = b->nrows;
  if (n == 0) return 0;
  int ncols = sp->raw_schema->u.st.nfields;
  em_vec **cols = em_calloc((size_t)ncols, sizeof *cols);
  if (!cols) return oom(err);
  int rc = 0;
  if (n > rb->cap) {
    em_free(rb->h);
    em_free(rb->idx);
    rb->h = em_malloc(sizeof *rb->h * (size_t)n);
    rb->idx = em_malloc(sizeof *rb->idx * (size_t)n);
    rb->cap = rb->h && rb->idx ? n : 0;
    if (!rb->cap) rc = oom(err);
  }
  int64_t cnt[NBUCKETS + 1];
  if (!rc) rc = em_agg_scatter_order(cfg, l->t, b, ctx, cols, rb->h, rb->idx, SPILL_BITS, cnt, err);
  int64_t want = ctx->batch_rows > 0 ? ctx->batch_rows : 4096;
  for (int bk = 0; !rc && bk < NBUCKETS; bk++) {
    int64_t m = cnt[bk + 1] - cnt[bk];
    if (m == 0) continue;
    if (!rb->cols[bk] && !(rb->cols[bk] = em_calloc((size_t)ncols, sizeof(em_vec *)))) {
      rc = oom(err);
      break;
    }
    for (int k = 0; !rc && k < ncols; k++) {
      em_vec *taken = em_vec_take(cols[k], rb->idx + cnt[bk], m);
      if (!taken) {
        rc = oom(err);
        break;
      }
      if (!rb->cols[bk][k]) {
        rb->cols[bk][k] = taken;
      } else {
        if (em_vec_append_range(rb->cols[bk][k], taken, 0, m)) rc = oom(err);
        em_vec_unref(taken);
      }
    }
    if (!rc) rb->n[bk] += m;
    if (!rc && rb->n[bk] >= want) rc = flush_bucket(sp, rb, part, bk, ctx, err);
  }
  for (int k = 0; k < ncols; k++)
    if (cols[k]) em_vec_unref(cols[k]);
  em_free(cols);
  return rc;
}

int em_agg_spill_flush(em_sink *s, em_agg_shared *sh, em_agg_local *l, int part, em_exec_ctx *ctx, em_error *err) {
  (void)s;
  rawbuf *rb = l->rawbuf;
  if (!rb) return 0;
  for (int b = 0; b < NBUCKETS; b++)
    if (rb->n[b] > 0 && flush_bucket(sh->spill, rb, part, b, ctx, err)) return -1;
  return 0;
}

void em_agg_spill_local_free(em_agg_local *l) {
  rawbuf *rb = l->rawbuf;
  if (!rb) return;
  for (int b = 0; b < NBUCKETS; b++) {
    for (int k = 0; rb->cols[b] && k < rb->ncols; k++)
      if (rb->cols[b][k]) em_vec_unref(rb->cols[b][k]);
    em_free(rb->cols[b]);
  }
  em_free(rb->h);
  em_free(rb->idx);
  em_free(rb);
  l->rawbuf = NULL;
  l->raw = false;
}

int em_agg_spill_finalize(em_sink *s, em_agg_shared *sh, em_exec_ctx *ctx, em_error *err) {
  em_agg_spill *sp = sh->spill;
  for (int p = 0; p < sh->ntables && p < sp->nparts; p++) {
    em_aggtable *t = sh->tables[p];
    if (!t) continue;
    sp->nonempty++;
    if (!sp->spilled[p] && snapshot(s, sp, t, p, ctx, err)) return -1;
    em_aggtable_free(t);
    sh->tables[p] = NULL;
  }
  return 0;
}

/* Partition p's table of bucket b: its snapshot, then its later rows. */
static em_aggtable *load_part(em_sink *s, em_agg_spill *sp, int p, int b, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_aggtable *t = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, ctx->mem, err);
  if (!t) return NULL;
  em_spill_file *snap = sp->snap[p * NBUCKETS + b], *raw = sp->raw[p * NBUCKETS + b];
  em_batch *bt = NULL;
  uint32_t *groups = NULL;
  int rc = snap ? em_spill_rewind(snap, err) : 0;
  while (!rc && snap) {
    if ((rc = em_spill_read(snap, sp->snap_schema, &bt, err)) || !bt) break;
    for (int64_t i = 0; !rc && i < bt->nrows; i++) {
      int32_t kl;
      const char *key = em_vec_str(bt->cols[1], i, &kl);
      uint64_t h = (uint64_t)((const int64_t *)em_vec_values(bt->cols[0]))[i];
      int64_t g = em_aggtable_find_stored(t, h, (const uint8_t *)key, (uint32_t)kl, err);
      if (g < 0) {
        rc = -1;
        break;
      }
      for (int a = 0; a < cfg->naggs; a++) {
        const em_agg_def *d = cfg->aggs[a]->u.fn.agg;
        uint8_t *st = t->states[a] + (size_t)g * d->state_size;
        int32_t sl;
        const char *sv = em_vec_str(bt->cols[2 + a], i, &sl);
        const em_agg_spill_ops *ops = em_agg_spill_ops_of(d);
        if (ops) {
          if (d->destroy) d->destroy(cfg->aggs[a], st);
          memset(st, 0, d->state_size);
          if (ops->load(cfg->aggs[a], st, (const uint8_t *)sv, (size_t)sl)) {
            rc = em_error_internal(err, "corrupt spilled aggregate state");
            break;
          }
        } else if ((size_t)sl == d->state_size) {
          memcpy(st, sv, d->state_size);
        } else {
          rc = em_error_internal(err, "corrupt spilled aggregate state");
          break;
        }
      }
    }
    em_batch_unref(bt);
    bt = NULL;
  }
  if (!rc && raw) rc = em_spill_rewind(raw, err);
  while (!rc && raw) {
    if (em_exec_cancelled(ctx)) {
      rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      break;
    }
    if ((rc = em_spill_read(raw, sp->raw_schema, &bt, err)) || !bt) break;
    int64_t n = bt->nrows;
    em_free(groups);
    if (!(groups = em_malloc(sizeof *groups * (size_t)(n ? n : 1)))) rc = oom(err);
    if (!rc) rc = em_aggtable_lookup(t, bt->cols, n, groups, err);
    int c = cfg->nkeys;
    for (int a = 0; !rc && a < cfg->naggs; a++) {
      const em_expr *call = cfg->aggs[a];
      const em_agg_def *d = call->u.fn.agg;
      rc = d->update(call, t->states[a], d->state_size, groups, bt->cols + c, n, err);
      c += call->nargs;
    }
    em_batch_unref(bt);
    bt = NULL;
  }
  em_free(groups);
  if (rc) {
    em_aggtable_free(t);
    return NULL;
  }
  return t;
}

/* The result table of bucket b (NULL with no error when it is empty). */
static em_aggtable *build_bucket(em_sink *s, em_agg_spill *sp, int b, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  em_aggtable *m = NULL;
  for (int p = 0; p < sp->nparts; p++) {
    if (!sp->snap[p * NBUCKETS + b] && !sp->raw[p * NBUCKETS + b]) continue;
    em_aggtable *t = load_part(s, sp, p, b, ctx, err);
    if (!t) goto fail;
    if (sp->nonempty <= 1) {
      /* One input partition: its table is the result, as in memory. */
      m = t;
      continue;
    }
    if (!m && !(m = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, ctx->mem, err))) {
      em_aggtable_free(t);
      goto fail;
    }
    if (em_aggtable_absorb(m, t, err)) goto fail;
  }
  return m;
fail:
  em_aggtable_free(m);
  return NULL;
}

/* em_agg_bucket_fn over build_bucket. */
static em_aggtable *bucket_of(em_sink *s, void *arg, int bucket, em_exec_ctx *ctx, em_error *err) {
  return build_bucket(s, arg, bucket, ctx, err);
}

int em_agg_spill_next(em_sink *s, em_agg_shared *sh, em_agg_src_local *l, int part, em_batch **out,
                      em_exec_ctx *ctx, em_error *err) {
  return em_agg_bucket_next(s, sh->spill, bucket_of, PER_OUT, l, part, out, ctx, err);
}
