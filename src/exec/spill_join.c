/*
 * Grace hash join: what the hash join does when its build side exceeds the
 * memory budget (join_table.c, op_hash_join.c).
 *
 * Build. When the budget refuses a build batch, the build side switches to
 * spilling (for every task, from its next batch on): each task writes what
 * it holds and everything after it, rows and evaluated keys, to its own
 * bucket files, NBUCKETS of them, chosen by the top bits of the key hash;
 * what earlier tasks had already handed to the shared list is written by
 * finalize. No table is built, and the budget is free again.
 *
 * Probe. Each probe task writes its input rows to its own bucket files by
 * the same hash (the keys have the same types on both sides, so equal keys
 * land in the same bucket; rows whose keys cannot match land somewhere and
 * come out unmatched as usual). When its input ends (the operator's finish
 * hook), it joins bucket by bucket: the bucket's build rows are loaded
 * (every writer's file, in writer order, so row numbers are the same for
 * every task) into an ordinary table (em_join_ht_build), and the task's
 * probe rows of the bucket are probed with the ordinary probe code. A
 * task's output stays in its own partition, as without spilling; the rows
 * of a partition come out bucket by bucket rather than in input order
 * (Spark's hash joins promise no order).
 *
 * Full outer joins: each task ORs the matched flags of a bucket's build
 * rows into a shared array per bucket; the unmatched-rows tail then reads
 * the buckets again and emits the rows no task matched.
 *
 * Memory: a probe task holds one bucket's table at a time (charged to the
 * query; two tasks, two buckets). A bucket that alone exceeds the budget
 * is not split further: the query then fails with UNABLE_TO_ACQUIRE_MEMORY.
 */
#include "join_int.h"

#include <string.h>

#define JBITS 6
#define NBUCKETS (1 << JBITS)

struct em_join_spill {
  int nslots;             /* build tasks + 1 (finalize's leftovers) */
  em_spill_file **files;  /* [slot * NBUCKETS + b] */
  em_type *schema;        /* build rows ++ keys */
  pthread_mutex_t mu;     /* matched arrays */
  uint8_t *matched[NBUCKETS];
  int64_t nmatched[NBUCKETS];
};

typedef struct probe_spill {
  em_spill_file *files[NBUCKETS];
  em_type *schema;
  uint64_t *h;
  uint32_t *idx;
  int64_t cap;
  int bucket;
  em_join_ht *bht;
  em_batch *cur;
} probe_spill;

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a spilled hash join"); }

void em_join_spill_free(struct em_join_spill *sp) {
  if (!sp) return;
  for (int i = 0; sp->files && i < sp->nslots * NBUCKETS; i++) em_spill_free(sp->files[i]);
  em_free(sp->files);
  for (int b = 0; b < NBUCKETS; b++) em_free(sp->matched[b]);
  if (sp->schema) em_type_unref(sp->schema);
  pthread_mutex_destroy(&sp->mu);
  em_free(sp);
}

/* Bucket of every row from the keys (same on both sides). */
static void bucket_rows(em_vec *const *keys, int nkeys, int64_t n, uint64_t *h) {
  memset(h, 0, sizeof *h * (size_t)n);
  for (int k = 0; k < nkeys; k++) em_join_hash(keys[k], 0, n, h);
  for (int64_t i = 0; i < n; i++) h[i] = em_join_mix(h[i]) >> (64 - JBITS);
}

/* Writes rows of `cols` (n rows, schema t) to files[b] by bucket h. */
static int scatter(em_spill_file **files, em_type *t, em_vec *const *cols, int ncols, int64_t n, const uint64_t *h,
                   uint32_t *idx, em_exec_ctx *ctx, em_error *err) {
  int64_t cnt[NBUCKETS + 1] = {0};
  for (int64_t i = 0; i < n; i++) cnt[h[i] + 1]++;
  for (int b = 0; b < NBUCKETS; b++) cnt[b + 1] += cnt[b];
  int64_t fill[NBUCKETS];
  memcpy(fill, cnt, sizeof fill);
  for (int64_t i = 0; i < n; i++) idx[fill[h[i]]++] = (uint32_t)i;
  for (int b = 0; b < NBUCKETS; b++) {
    int64_t m = cnt[b + 1] - cnt[b];
    if (m == 0) continue;
    em_vec **out = em_calloc((size_t)ncols + 1, sizeof *out);
    int rc = out ? 0 : oom(err);
    for (int c = 0; !rc && c < ncols; c++)
      if (!(out[c] = em_vec_take(cols[c], idx + cnt[b], m))) rc = oom(err);
    em_batch *bt = NULL;
    if (rc) {
      for (int c = 0; out && c < ncols; c++)
        if (out[c]) em_vec_unref(out[c]);
    } else if (!(bt = em_batch_new(em_type_ref(t), ncols, out, m))) {
      rc = oom(err); /* the columns were released */
    }
    em_free(out);
    if (!rc && !files[b] && !(files[b] = em_spill_create(ctx, err))) rc = -1;
    if (!rc) rc = em_spill_write(files[b], ctx, bt, err);
    if (bt) em_batch_unref(bt);
    if (rc) return -1;
  }
  return 0;
}

/* Writes a build batch (its keys given or evaluated) to slot's files. */
static int write_build(em_sink *s, struct em_join_spill *sp, int slot, em_batch *b, em_vec **keys, em_exec_ctx *ctx,
                       em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  int64_t n = b->nrows;
  if (n == 0) return 0;
  int nc = b->ncols, nk = cfg->nkeys;
  em_vec **cols = em_calloc((size_t)(nc + nk) + 1, sizeof *cols);
  uint64_t *h = em_malloc(sizeof *h * (size_t)n);
  uint32_t *idx = em_malloc(sizeof *idx * (size_t)n);
  int rc = cols && h && idx ? 0 : oom(err);
  bool own_keys = keys == NULL;
  if (!rc && own_keys) {
    if (!(keys = em_calloc((size_t)nk + 1, sizeof *keys))) rc = oom(err);
    for (int k = 0; !rc && k < nk; k++)
      if (em_expr_eval(cfg->build_keys[k], b, &ctx->eval, &keys[k], err)) rc = -1;
  }
  if (!rc) {
    for (int c = 0; c < nc; c++) cols[c] = b->cols[c];
    for (int k = 0; k < nk; k++) cols[nc + k] = keys[k];
    bucket_rows(keys, nk, n, h);
    rc = scatter(sp->files + (size_t)slot * NBUCKETS, sp->schema, cols, nc + nk, n, h, idx, ctx, err);
  }
  if (own_keys && keys) {
    for (int k = 0; k < nk; k++)
      if (keys[k]) em_vec_unref(keys[k]);
    em_free(keys);
  }
  em_free(cols);
  em_free(h);
  em_free(idx);
  return rc;
}

static void free_keys(em_vec **keys, int n) {
  if (!keys) return;
  for (int k = 0; k < n; k++)
    if (keys[k]) em_vec_unref(keys[k]);
  em_free(keys);
}

/* Writes the task's collected (charged) batches and gives their memory back. */
static int flush_local(em_sink *s, em_join_ht *ht, em_join_build_local *st, int slot, em_exec_ctx *ctx,
                       em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  int rc = 0;
  for (int i = 0; i < st->n; i++) {
    if (!rc) rc = write_build(s, ht->spill, slot, st->batches[i], st->keys[i], ctx, err);
    em_join_ht_uncharge(ht, (int64_t)em_batch_bytes(st->batches[i]));
    em_batch_unref(st->batches[i]);
    free_keys(st->keys[i], cfg->nkeys);
  }
  st->n = 0;
  return rc;
}

int em_join_spill_build_start(em_sink *s, em_join_ht *ht, em_join_build_local *st, int part, em_batch *b,
                              em_exec_ctx *ctx, em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  pthread_mutex_lock(&s->mu);
  if (!ht->spill) {
    struct em_join_spill *sp = em_calloc(1, sizeof *sp);
    if (sp) {
      pthread_mutex_init(&sp->mu, NULL);
      sp->nslots = (s->in_parts > 0 ? s->in_parts : 1) + 1;
      sp->files = em_calloc((size_t)sp->nslots * NBUCKETS, sizeof *sp->files);
      em_type **kt = em_calloc((size_t)cfg->nkeys + 1, sizeof *kt);
      if (kt) {
        for (int k = 0; k < cfg->nkeys; k++) kt[k] = cfg->build_keys[k]->type;
        sp->schema = em_spill_schema(s->in_schema, kt, cfg->nkeys, "_jk");
      }
      em_free(kt);
      if (!sp->files || !sp->schema) {
        em_join_spill_free(sp);
        sp = NULL;
      }
    }
    ht->spill = sp;
  }
  bool ok = ht->spill != NULL;
  pthread_mutex_unlock(&s->mu);
  if (!ok) return oom(err);
  return em_join_spill_build(s, ht, st, part, b, ctx, err);
}

int em_join_spill_build(em_sink *s, em_join_ht *ht, em_join_build_local *st, int part, em_batch *b,
                        em_exec_ctx *ctx, em_error *err) {
  int slot = part >= 0 && part < ht->spill->nslots - 1 ? part : ht->spill->nslots - 2;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  if (st->n && flush_local(s, ht, st, slot, ctx, err)) return -1;
  return b ? write_build(s, ht->spill, slot, b, NULL, ctx, err) : 0;
}

int em_join_spill_build_finalize(em_sink *s, em_join_ht *ht, em_exec_ctx *ctx, em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  struct em_join_spill *sp = ht->spill;
  int slot = sp->nslots - 1, rc = 0;
  for (int i = 0; i < ht->nin; i++) {
    if (!rc) rc = write_build(s, sp, slot, ht->in[i], ht->in_keys[i], ctx, err);
    em_join_ht_uncharge(ht, (int64_t)em_batch_bytes(ht->in[i]));
    em_batch_unref(ht->in[i]);
    free_keys(ht->in_keys[i], cfg->nkeys);
  }
  ht->nin = 0;
  /* From now on the files are only read, by several tasks at once. */
  for (int i = 0; !rc && i < sp->nslots * NBUCKETS; i++)
    if (sp->files[i]) rc = em_spill_flush(sp->files[i], err);
  return rc;
}

/* The build rows of bucket b as a table (with_table) or only gathered. */
static em_join_ht *load_bucket(const em_join_cfg *cfg, em_join_ht *ht, int b, bool with_table, em_exec_ctx *ctx,
                               em_error *err) {
  struct em_join_spill *sp = ht->spill;
  em_sink *s = cfg->build;
  em_join_ht *bh = em_calloc(1, sizeof *bh);
  if (!bh) return oom(err), NULL;
  bh->mem_tracker = ctx->mem;
  int nc = s->in_schema->u.st.nfields, nk = cfg->nkeys;
  int rc = 0;
  for (int slot = 0; !rc && slot < sp->nslots; slot++) {
    em_spill_file *f = sp->files[(size_t)slot * NBUCKETS + b];
    if (!f) continue;
    /* Probe tasks read the same files at once: each with its own offset. */
    int64_t off = 0;
    for (;;) {
      em_batch *fb = NULL;
      if ((rc = em_spill_read_at(f, &off, sp->schema, &fb, err)) || !fb) break;
      em_vec **cols = em_calloc((size_t)nc + 1, sizeof *cols);
      em_vec **keys = em_calloc((size_t)nk + 1, sizeof *keys);
      em_batch *rows = NULL;
      if (!cols || !keys) {
        rc = oom(err);
      } else {
        for (int c = 0; c < nc; c++) cols[c] = em_vec_ref(fb->cols[c]);
        for (int k = 0; k < nk; k++) keys[k] = em_vec_ref(fb->cols[nc + k]);
        if (!(rows = em_batch_new(em_type_ref(s->in_schema), nc, cols, fb->nrows))) rc = oom(err);
      }
      em_free(cols); /* the batch took the columns, not the array */
      em_batch_unref(fb);
      if (!rc) rc = em_join_ht_charge(bh, (int64_t)em_batch_bytes(rows), err);
      if (!rc) rc = em_join_ht_add(bh, rows, keys, err);
      if (rc) {
        if (rows) em_batch_unref(rows);
        free_keys(keys, nk);
        break;
      }
    }
  }
  if (!rc) {
    if (with_table) {
      rc = em_join_ht_build(s, bh, ctx, err);
    } else {
      /* Only the rows (for the unmatched pass): the table build with no
       * keys just gathers them. */
      em_join_cfg tmp = *cfg;
      em_sink ts = *s;
      tmp.nkeys = 0;
      tmp.build_outer = false;
      ts.cfg = &tmp;
      /* gather_rows reads nkeys to concatenate keys: drop them first. */
      for (int i = 0; i < bh->nin; i++) {
        free_keys(bh->in_keys[i], nk);
        bh->in_keys[i] = NULL;
      }
      rc = em_join_ht_build(&ts, bh, ctx, err);
      if (!rc) {
        em_free(bh->keys);
        bh->keys = NULL;
      }
    }
  }
  if (rc) {
    em_join_ht_free(cfg, bh);
    return NULL;
  }
  return bh;
}

/* ---- probing ---- */

em_op_status em_join_spill_probe(const em_join_cfg *cfg, em_join_ht *ht, em_join_probe_local *st, em_batch *in,
                                 em_exec_ctx *ctx, em_error *err) {
  (void)ht;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL), EM_OP_ERROR;
  probe_spill *ps = st->spill;
  if (!ps) {
    if (!(ps = st->spill = em_calloc(1, sizeof *ps))) return oom(err), EM_OP_ERROR;
    ps->schema = em_type_ref(in->schema);
  }
  int64_t n = in->nrows;
  if (n == 0) return EM_OP_NEED_MORE_INPUT;
  if (n > ps->cap) {
    em_free(ps->h);
    em_free(ps->idx);
    ps->h = em_malloc(sizeof *ps->h * (size_t)n);
    ps->idx = em_malloc(sizeof *ps->idx * (size_t)n);
    ps->cap = ps->h && ps->idx ? n : 0;
    if (!ps->cap) return oom(err), EM_OP_ERROR;
  }
  em_vec **keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *keys);
  int rc = keys ? 0 : oom(err);
  for (int k = 0; !rc && k < cfg->nkeys; k++)
    if (em_expr_eval(cfg->probe_keys[k], in, &ctx->eval, &keys[k], err)) rc = -1;
  if (!rc) {
    bucket_rows(keys, cfg->nkeys, n, ps->h);
    rc = scatter(ps->files, ps->schema, in->cols, in->ncols, n, ps->h, ps->idx, ctx, err);
  }
  free_keys(keys, cfg->nkeys);
  return rc ? EM_OP_ERROR : EM_OP_NEED_MORE_INPUT;
}

/* Full outer: records which build rows of the bucket this task matched. */
static int merge_matched(struct em_join_spill *sp, int b, const em_join_ht *bh, em_error *err) {
  if (!bh->matched) return 0;
  pthread_mutex_lock(&sp->mu);
  int rc = 0;
  if (!sp->matched[b]) {
    if ((sp->matched[b] = em_calloc((size_t)(bh->n ? bh->n : 1), 1))) sp->nmatched[b] = bh->n;
    else rc = oom(err);
  }
  if (!rc && sp->nmatched[b] != bh->n) rc = em_error_internal(err, "spilled join bucket changed size");
  for (int64_t i = 0; !rc && i < bh->n; i++) sp->matched[b][i] |= bh->matched[i];
  pthread_mutex_unlock(&sp->mu);
  return rc;
}

em_op_status em_join_spill_finish(const em_join_cfg *cfg, em_join_ht *ht, em_join_probe_local *st, em_batch **out,
                                  em_exec_ctx *ctx, em_error *err) {
  probe_spill *ps = st->spill;
  *out = NULL;
  if (!ps) return EM_OP_FINISHED; /* no probe rows */
  for (;;) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL), EM_OP_ERROR;
    if (ps->cur) {
      em_op_status r = em_join_probe(cfg, ps->bht, st, ps->cur, out, ctx, err);
      if (r == EM_OP_ERROR) return r;
      if (r != EM_OP_HAVE_MORE_OUTPUT) {
        em_batch_unref(ps->cur);
        ps->cur = NULL;
      }
      if (*out) return EM_OP_HAVE_MORE_OUTPUT;
      continue;
    }
    if (ps->bht) {
      em_batch *pb = NULL;
      if (em_spill_read(ps->files[ps->bucket], ps->schema, &pb, err)) return EM_OP_ERROR;
      if (pb) {
        ps->cur = pb;
        continue;
      }
      int rc = merge_matched(ht->spill, ps->bucket, ps->bht, err);
      em_join_ht_free(cfg, ps->bht);
      ps->bht = NULL;
      em_spill_free(ps->files[ps->bucket]);
      ps->files[ps->bucket] = NULL;
      ps->bucket++;
      if (rc) return EM_OP_ERROR;
      continue;
    }
    while (ps->bucket < NBUCKETS && !ps->files[ps->bucket]) ps->bucket++;
    if (ps->bucket >= NBUCKETS) return EM_OP_FINISHED;
    if (!(ps->bht = load_bucket(cfg, ht, ps->bucket, true, ctx, err))) return EM_OP_ERROR;
    if (em_spill_rewind(ps->files[ps->bucket], err)) return EM_OP_ERROR;
  }
}

void em_join_spill_probe_free(const em_join_cfg *cfg, em_join_probe_local *st) {
  probe_spill *ps = st->spill;
  if (!ps) return;
  for (int b = 0; b < NBUCKETS; b++) em_spill_free(ps->files[b]);
  if (ps->bht) em_join_ht_free(cfg, ps->bht);
  if (ps->cur) em_batch_unref(ps->cur);
  if (ps->schema) em_type_unref(ps->schema);
  em_free(ps->h);
  em_free(ps->idx);
  em_free(ps);
  st->spill = NULL;
}

/* ---- the unmatched build rows of a full outer join ---- */

typedef struct unmatched_cursor {
  int bucket;
  em_join_ht *bh;
  int64_t pos;
  uint32_t *idx;
} unmatched_cursor;

int em_join_spill_unmatched(const em_join_cfg *cfg, em_join_ht *ht, void **cursor, em_batch **out,
                            em_exec_ctx *ctx, em_error *err) {
  struct em_join_spill *sp = ht->spill;
  unmatched_cursor *c = *cursor;
  *out = NULL;
  if (!c && !(c = *cursor = em_calloc(1, sizeof *c))) return oom(err);
  int64_t want = ctx->batch_rows > 0 ? ctx->batch_rows : 4096;
  if (!c->idx && !(c->idx = em_malloc(sizeof *c->idx * (size_t)want))) return oom(err);
  for (;;) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    if (!c->bh) {
      if (c->bucket >= NBUCKETS) return 0;
      if (!(c->bh = load_bucket(cfg, ht, c->bucket, false, ctx, err))) return -1;
      c->pos = 0;
    }
    const uint8_t *m = sp->matched[c->bucket];
    int64_t k = 0;
    while (c->pos < c->bh->n && k < want) {
      if (!m || !m[c->pos]) c->idx[k++] = (uint32_t)c->pos;
      c->pos++;
    }
    if (k > 0) {
      *out = em_join_gather(cfg, NULL, NULL, c->bh, c->idx, k, err);
      return *out ? 0 : -1;
    }
    em_join_ht_free(cfg, c->bh);
    c->bh = NULL;
    c->bucket++;
  }
}

void em_join_spill_unmatched_free(const em_join_cfg *cfg, void *cursor) {
  unmatched_cursor *c = cursor;
  if (!c) return;
  if (c->bh) em_join_ht_free(cfg, c->bh);
  em_free(c->idx);
  em_free(c);
}
