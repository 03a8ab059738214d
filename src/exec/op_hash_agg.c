/*
 * The hash aggregate: groupBy().agg(), global aggregates, distinct and
 * dropDuplicates. It is the engine's first pipeline breaker (an em_sink).
 *
 * Algorithm. Two phases, as in Leis et al.'s morsel-driven aggregation and
 * DuckDB's radix-partitioned hash aggregate:
 *
 *  1. Partial aggregation (sink, on task threads). Each input partition
 *     gets its own table (agg_table.c), filled by the one task that reads
 *     the partition, rows in order. Per batch: evaluate the key
 *     expressions, map all rows to group ids at once (em_aggtable_lookup),
 *     evaluate each aggregate's arguments and call its update with the
 *     group id vector. Tables are merged later in partition order, so
 *     floating-point results (sums, averages, stddev) come out the same on
 *     every run, and the same as Spark's partial-then-final aggregation
 *     for the same partitioning.
 *
 *  2. Final aggregation (finalize + next). With one table there is nothing
 *     to merge: its groups are emitted directly, split into ranges over the
 *     output partitions. With several, finalize radix-partitions every
 *     table's groups by the top bits of their stored hash (a counting sort
 *     of group ids), and output partition j builds its own table from the
 *     groups of partition j of every table (em_aggtable_merge, which calls
 *     each aggregate's merge) and emits it. Partitions are disjoint, so the
 *     next pipeline's tasks merge in parallel on all cores without locks.
 *
 * A global aggregate (no keys) always yields exactly one row, also on empty
 * input: finalize makes a table with one initial group when none exists.
 *
 * Output: batches of at most batch_rows rows whose columns are the keys
 * then the aggregate results; the plan's output expressions (sum(v) + 1,
 * the key repeated...) are a projection on top, added by the compiler.
 *
 * Memory. Every table growth is charged to the query's memtracker
 * (ctx->mem). When the budget refuses and spilling is on (and every
 * aggregate's state can be written out), the partition's table goes to
 * disk and its further rows follow it there (spill_agg.c); without
 * spilling the query fails cleanly with UNABLE_TO_ACQUIRE_MEMORY.
 *
 * Cancellation: every batch checks the cancel flag; merging checks it
 * between source tables.
 */
#include "agg_int.h"

#include <stdio.h>
#include <string.h>

#define RADIX_BITS 3
#define RADIX_PARTS (1 << RADIX_BITS)

typedef em_agg_shared agg_shared;
typedef em_agg_local agg_local;
typedef em_agg_src_local agg_src_local;

static int oom(em_error *err) { return em_error_internal(err, "out of memory in hash aggregate"); }

/* The shared state, created on first use (so a plan compiled but never run
 * owns nothing). */
static agg_shared *shared_of(em_sink *s, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) s->state = em_calloc(1, sizeof(agg_shared));
  agg_shared *sh = s->state;
  pthread_mutex_unlock(&s->mu);
  if (!sh) oom(err);
  return sh;
}

/* Makes the table of input partition `part` (one per partition; see the
 * essay on determinism). */
static em_aggtable *acquire_table(em_sink *s, int part, em_memtracker *mem, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  agg_shared *sh = shared_of(s, err);
  if (!sh) return NULL;
  int nparts = s->in_parts > 0 ? s->in_parts : 1;
  if (part < 0 || part >= nparts) part = nparts - 1;
  em_aggtable *t = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, mem, err);
  if (!t) return NULL;
  pthread_mutex_lock(&s->mu);
  int rc = 0;
  if (!sh->tables) {
    sh->tables = em_calloc((size_t)nparts, sizeof *sh->tables);
    if (sh->tables) sh->captables = sh->ntables = nparts;
    else rc = -1;
  }
  if (!rc && sh->tables[part]) rc = -1; /* one task per partition */
  if (!rc) sh->tables[part] = t;
  pthread_mutex_unlock(&s->mu);
  if (rc) {
    em_aggtable_free(t);
    return oom(err), NULL;
  }
  return t;
}

static int agg_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  agg_local *l = local;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  if (!l->t && !(l->t = acquire_table(s, part, ctx->mem, err))) {
    /* Other partitions hold the budget: this one spills from the start
     * (its empty table, uncharged, is only for hashing). */
    if (!em_spill_should(ctx, err) || !em_agg_spillable(cfg)) return -1;
    em_error_clear(err);
    if (!(l->t = acquire_table(s, part, NULL, err)) || em_agg_spill_start(s, s->state, l, part, ctx, err)) return -1;
  }
  if (l->raw) return em_agg_spill_rows(s, s->state, l, part, b, ctx, err);
  if (l->part) return em_agg_part_rows(s, s->state, l, part, b, ctx, err);
  int64_t n = b->nrows;
  if (n > l->gcap) {
    em_free(l->groups);
    l->gcap = 0;
    if (!(l->groups = em_malloc(sizeof(uint32_t) * (size_t)n))) return oom(err);
    l->gcap = n;
  }
  int rc = 0;
  em_vec *kbuf[8];
  em_vec **keys = cfg->nkeys <= 8 ? kbuf : em_calloc((size_t)cfg->nkeys, sizeof *keys);
  if (!keys) return oom(err);
  int nk = 0;
  for (; nk < cfg->nkeys; nk++)
    if (em_expr_eval(cfg->keys[nk], b, &ctx->eval, &keys[nk], err)) {
      rc = -1;
      break;
    }
  if (!rc) rc = em_aggtable_lookup(l->t, keys, n, l->groups, err);
  for (int k = 0; k < nk; k++) em_vec_unref(keys[k]);
  if (keys != kbuf) em_free(keys);
  if (rc && em_spill_should(ctx, err) && em_agg_spillable(cfg)) {
    /* Over the budget: no update of this batch has happened yet, so the
     * table's states are those of the rows before it. They go to disk and
     * this batch and the rest follow them there. */
    em_error_clear(err);
    if (em_agg_spill_start(s, s->state, l, part, ctx, err)) return -1;
    return em_agg_spill_rows(s, s->state, l, part, b, ctx, err);
  }
  if (!rc) rc = em_aggtable_update(l->t, l->groups, b, ctx, err);
  if (!rc && !l->checked) rc = em_agg_part_maybe_start(s, s->state, l, part, n, ctx, err);
  return rc;
}

static int agg_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  agg_local *l = local;
  if (l->part && em_agg_part_flush(s, s->state, l, part, ctx, err)) return -1;
  if (l->raw && em_agg_spill_flush(s, s->state, l, part, ctx, err)) return -1;
  l->t = NULL; /* the table stays in tables[part] for finalize */
  return 0;
}

static void agg_close_local(em_sink *s, void *local) {
  (void)s;
  agg_local *l = local;
  /* A table still held (after an error) stays in tables[] and is freed by
   * destroy. */
  l->t = NULL;
  em_agg_spill_local_free(l);
  em_free(l->groups);
  l->groups = NULL;
  l->gcap = 0;
}

static int agg_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  agg_shared *sh = shared_of(s, err);
  if (!sh) return -1;
  int width = ctx->threads > 0 ? ctx->threads : em_pool_size();
  if (width < 1) width = 1;
  if (sh->part) {
    if (em_agg_part_finalize(s, sh, ctx, err)) return -1;
    if (!sh->spill) return 0;
  }
  if (sh->spill) {
    if (em_agg_spill_finalize(s, sh, ctx, err)) return -1;
    sh->nparts = RADIX_PARTS;
    s->out_parts = sh->nparts;
    return 0;
  }
  /* Drop the partitions that had no rows, keeping partition order. */
  int kept = 0;
  for (int t = 0; t < sh->ntables; t++) {
    em_aggtable *tb = sh->tables[t];
    sh->tables[t] = NULL;
    if (tb) sh->tables[kept++] = tb;
  }
  sh->ntables = kept;
  if (sh->ntables == 0 && cfg->mode == EM_AT_NONE) {
    /* A global aggregate over no rows still has its one row. */
    if (!acquire_table(s, 0, ctx->mem, err)) return -1;
    sh->ntables = 1;
  }
  if (sh->ntables <= 1 || cfg->mode == EM_AT_NONE) {
    if (sh->ntables > 1) {
      /* Several one-group tables: merge them, in partition order, into a
       * fresh initial state, as Spark's final aggregation does (merging
       * into the first table's state instead can round differently). */
      em_aggtable *m = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, ctx->mem, err);
      if (!m) return -1;
      uint32_t zero = 0, scratch = 0;
      for (int t = 0; t < sh->ntables; t++)
        if (em_aggtable_merge(m, sh->tables[t], &zero, 1, &scratch, err)) {
          em_aggtable_free(m);
          return -1;
        }
      for (int t = 0; t < sh->ntables; t++) {
        em_aggtable_free(sh->tables[t]);
        sh->tables[t] = NULL;
      }
      sh->tables[0] = m;
      sh->ntables = 1;
    }
    sh->single = true;
    int64_t ng = sh->ntables ? sh->tables[0]->ngroups : 0;
    sh->nparts = ng > ctx->batch_rows * 2 ? width : 1;
    s->out_parts = sh->nparts;
    return 0;
  }
  sh->nparts = RADIX_PARTS;
  int np = sh->nparts, nt = sh->ntables;
  sh->part_gids = em_calloc((size_t)(np * nt), sizeof *sh->part_gids);
  sh->part_n = em_calloc((size_t)(np * nt), sizeof *sh->part_n);
  sh->merged = em_calloc((size_t)np, sizeof *sh->merged);
  if (!sh->part_gids || !sh->part_n || !sh->merged) return oom(err);
  for (int t = 0; t < nt; t++) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    const em_aggtable *tb = sh->tables[t];
    int64_t *cnt = sh->part_n + (size_t)t * np;
    for (uint32_t g = 0; g < tb->ngroups; g++) cnt[tb->hashes[g] >> (64 - RADIX_BITS)]++;
    for (int p = 0; p < np; p++)
      if (!(sh->part_gids[t * np + p] = em_malloc(sizeof(uint32_t) * (size_t)(cnt[p] ? cnt[p] : 1)))) return oom(err);
    int64_t fill[RADIX_PARTS] = {0};
    for (uint32_t g = 0; g < tb->ngroups; g++) {
      int p = (int)(tb->hashes[g] >> (64 - RADIX_BITS));
      sh->part_gids[t * np + p][fill[p]++] = g;
    }
  }
  s->out_parts = np;
  return 0;
}

/* Builds the merged table of output partition `part`. */
static em_aggtable *merge_part(em_sink *s, int part, em_exec_ctx *ctx, em_error *err) {
  const em_hash_agg_cfg *cfg = s->cfg;
  agg_shared *sh = s->state;
  int np = sh->nparts;
  em_aggtable *t = em_aggtable_new(cfg->mode, cfg->nkeys, cfg->key_types, cfg->naggs, cfg->aggs, ctx->mem, err);
  if (!t) return NULL;
  sh->merged[part] = t;
  int64_t most = 0, total = 0;
  for (int k = 0; k < sh->ntables; k++) {
    if (sh->part_n[k * np + part] > most) most = sh->part_n[k * np + part];
    total += sh->part_n[k * np + part];
  }
  /* At most `total` groups (fewer when tables share keys): size for the
   * larger of the biggest source and half the total, so the common cases
   * (disjoint or equal key sets) grow at most once. */
  int64_t guess = most > total / 2 ? most : total / 2;
  if (em_aggtable_reserve(t, (uint64_t)guess, err)) return NULL;
  uint32_t *scratch = em_malloc(sizeof(uint32_t) * (size_t)(most ? most : 1));
  if (!scratch) return oom(err), NULL;
  for (int k = 0; k < sh->ntables; k++) {
    if (em_exec_cancelled(ctx)) {
      em_free(scratch);
      return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL), NULL;
    }
    if (em_aggtable_merge(t, sh->tables[k], sh->part_gids[k * np + part], sh->part_n[k * np + part], scratch, err)) {
      em_free(scratch);
      return NULL;
    }
  }
  em_free(scratch);
  return t;
}

static int agg_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  agg_shared *sh = s->state;
  agg_src_local *l = local;
  *out = NULL;
  if (sh->spill) return em_agg_spill_next(s, sh, l, part, out, ctx, err);
  if (sh->part) return em_agg_part_next(s, sh, l, part, out, ctx, err);
  if (!l->started) {
    l->started = true;
    if (sh->single) {
      if (sh->ntables == 0) return 0;
      l->t = sh->tables[0];
      int64_t ng = l->t->ngroups;
      l->pos = ng * part / sh->nparts;
      l->end = ng * (part + 1) / sh->nparts;
    } else {
      if (!(l->t = merge_part(s, part, ctx, err))) return -1;
      l->pos = 0;
      l->end = l->t->ngroups;
    }
  }
  if (!l->t || l->pos >= l->end) {
    if (!sh->single && l->t) {
      /* Done with this partition: give its memory back now. */
      em_aggtable_free(l->t);
      sh->merged[part] = NULL;
      l->t = NULL;
    }
    return 0;
  }
  return em_agg_emit_batch(s, l, out, ctx, err);
}

static void agg_destroy(em_sink *s) {
  agg_shared *sh = s->state;
  if (!sh) return;
  int np = sh->nparts;
  for (int p = 0; sh->merged && p < np; p++) em_aggtable_free(sh->merged[p]);
  for (int i = 0; sh->part_gids && i < np * sh->ntables; i++) em_free(sh->part_gids[i]);
  for (int t = 0; t < sh->ntables; t++) em_aggtable_free(sh->tables[t]);
  em_free(sh->merged);
  em_free(sh->part_gids);
  em_free(sh->part_n);
  em_free(sh->tables);
  em_agg_spill_free(sh->spill);
  em_agg_part_free(sh->part);
  em_free(sh);
  s->state = NULL;
}

static void agg_source_close(em_sink *s, void *local) {
  (void)s;
  agg_src_local *l = local;
  if (l->t_owned) em_aggtable_free(l->t);
  l->t = NULL;
  l->t_owned = false;
}

const em_sink_vt em_sink_hash_agg_vt = {
    .name = "HashAggregate",
    .local_size = sizeof(agg_local),
    .sink = agg_sink,
    .combine = agg_combine,
    .close_local = agg_close_local,
    .finalize = agg_finalize,
    .source_local_size = sizeof(agg_src_local),
    .next = agg_next,
    .destroy = agg_destroy,
    .source_close = agg_source_close,
};

/* ---- compiling ---- */

static int keep_type(const em_plan *plan, em_type *t) {
  em_plan *mp = (em_plan *)plan;
  if (mp->ntypes == mp->captypes) {
    int nc = mp->captypes ? mp->captypes * 2 : 16;
    em_type **nt = em_realloc(mp->types, sizeof *nt * (size_t)nc);
    if (!nt) return -1;
    mp->types = nt;
    mp->captypes = nc;
  }
  mp->types[mp->ntypes++] = t;
  return 0;
}

static em_at_mode choose_mode(const em_lplan *n) {
  if (n->u.agg.nkeys == 0) return EM_AT_NONE;
  if (n->u.agg.nkeys == 1) {
    const em_type *t = n->u.agg.keys[0]->type;
    int w = em_type_fixed_width(t);
    if ((w > 0 && w <= 8) || t->id == EM_T_BOOLEAN) return EM_AT_INT;
  }
  return EM_AT_BYTES;
}

int em_hash_agg_compile(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline *child, em_type *schema,
                        em_pipeline **out, em_error *err) {
  int nk = n->u.agg.nkeys, na = n->u.agg.naggs;
  em_hash_agg_cfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return oom(err);
  cfg->keys = n->u.agg.keys;
  cfg->nkeys = nk;
  cfg->aggs = n->u.agg.aggs;
  cfg->naggs = na;
  cfg->mode = choose_mode(n);
  cfg->key_types = em_arena_calloc(a, sizeof(em_type *) * (size_t)(nk + 1));
  em_type *inner = em_type_struct_new(nk + na);
  if (!cfg->key_types || !inner || keep_type(plan, inner)) {
    em_type_unref(inner);
    return oom(err);
  }
  for (int i = 0; i < nk + na; i++) {
    const em_expr *e = i < nk ? n->u.agg.keys[i] : n->u.agg.aggs[i - nk];
    if (i < nk) cfg->key_types[i] = e->type;
    char name[24];
    snprintf(name, sizeof name, i < nk ? "_k%d" : "_a%d", i < nk ? i : i - nk);
    if (em_type_struct_set(inner, i, name, em_type_ref(e->type), true, NULL)) return oom(err);
  }
  em_sink *s = em_sink_new(a, &em_sink_hash_agg_vt, cfg, child->out_schema, inner);
  if (!s) return oom(err);
  child->sink = s;
  em_pipeline *p = em_arena_calloc(a, sizeof *p);
  if (!p) return oom(err);
  p->child = child;
  p->src.vt = &em_src_sink_vt;
  p->src.u.sink = s;
  p->src.schema = inner;
  p->src.nparts = 1;
  p->out_schema = inner;
  p->final = EM_FINAL_STREAM;
  if (!n->u.agg.outputs) return em_error_internal(err, "aggregate without output expressions");
  {
    em_op *op = em_arena_calloc(a, sizeof *op);
    if (!op) return oom(err);
    op->vt = &em_op_project_vt;
    op->out_schema = schema;
    op->u.project.exprs = n->u.agg.outputs;
    op->u.project.nexprs = n->nout;
    p->ops = op;
    p->nops = 1;
  }
  p->out_schema = schema;
  *out = p;
  return 0;
}
