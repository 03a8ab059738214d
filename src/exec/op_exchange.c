/*
 * The exchange (shuffle) sink: redistributes its input over output
 * partitions the way Spark's ShuffleExchangeExec does, so that the rows of
 * each partition, their order and spark_partition_id() match Spark's.
 *
 * Partitioning (how a row picks its reduce partition):
 *  - hash (repartition(n, cols)): pmod(Murmur3Hash(cols, 42), n), the same
 *    hash as the SQL hash() function (expr/fn_hash.c).
 *  - round robin (repartition(n)): input partition m starts at
 *    XORShiftRandom(m).nextInt(n) and deals its rows out one by one. With
 *    spark.sql.execution.sortBeforeRepartition (the default, for retries
 *    that see the same rows) each input partition is first sorted by
 *    (Murmur3 of the row's UnsafeRow bytes as a signed int, then the bytes
 *    themselves, shorter first), over the columns that survive Spark's
 *    column pruning (unsafe_row.c has the encoding). We do the same, so the
 *    dealt rows are Spark's.
 *  - range (repartitionByRange): Spark's RangePartitioner. Each input
 *    partition is sampled for up to ceil(3 * min(100 * n, 1e6) / P) keys;
 *    a partition that small is taken whole, and then the bounds are
 *    exactly Spark's (determineBounds over the weighted, sorted
 *    candidates, duplicates skipped). Larger partitions are reservoir
 *    sampled with Spark's algorithm and XORShiftRandom, but Spark seeds it
 *    with the id of an internal RDD that a client cannot know; we use id 0,
 *    so bounds over big inputs can differ from Spark's. A row goes to the
 *    first partition whose bound is not below its key; there are
 *    bounds + 1 partitions, possibly fewer than asked for.
 *  - single: everything to partition 0 (n = 1 with keys).
 *
 * Order within an output partition: the rows of input partition 0, then 1,
 * ..., each in the order the input produced them (after the round-robin
 * sort), as Spark's shuffle reader returns map outputs.
 *
 * Adaptive execution: without an explicit count Spark uses
 * spark.sql.shuffle.partitions and AQE then merges adjacent reduce
 * partitions up to a target size (max(1 MiB, min(64 MiB, total / default
 * parallelism))), dropping empty ones. Spark measures compressed shuffle
 * bytes; we estimate with UnsafeRow sizes, so the merge is exact for inputs
 * well under 1 MiB (one partition, as Spark) and approximate above.
 *
 * State machine and memory: tasks push batches into per-task lists (hash
 * keys are hashed and range keys evaluated right there, on the task's
 * thread); when an input partition ends (combine, also on its task's
 * thread) its batches are concatenated into one run and its rows are
 * grouped by reduce partition (a counting sort of row indices: the run
 * itself is not copied again). finalize computes range bounds and the
 * adaptive groups on one thread. Output partitions are then read in
 * parallel: each gathers its rows from every run with em_vec_take. All
 * runs stay in memory until the end of the query and are charged to the
 * query's memory tracker. Hash and single exchanges spill: when the budget
 * refuses an input partition's batches, they go to disk grouped by reduce
 * partition (spill_exchange.c) and the readers stream them back in the
 * same order.
 */
#include "exchange_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int oom(em_error *err) { return em_error_internal(err, "out of memory in exchange"); }

static int32_t pmod(int32_t h, int32_t n) {
  int32_t r = h % n;
  return r < 0 ? r + n : r;
}

static void free_keys(em_vec **keys, int n) {
  if (!keys) return;
  for (int k = 0; k < n; k++)
    if (keys[k]) em_vec_unref(keys[k]);
  em_free(keys);
}

/* ---- the sink side ---- */

static xstate *state_of(em_sink *s, em_error *err);

static int x_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  const xcfg *cfg = s->cfg;
  xlocal *st = local;
  if (st->n == st->cap) {
    int ncap = st->cap ? st->cap * 2 : 16;
    em_batch **nb = em_realloc(st->batches, sizeof *nb * (size_t)ncap);
    if (nb) st->batches = nb;
    em_vec ***nk = nb ? em_realloc(st->keys, sizeof *nk * (size_t)ncap) : NULL;
    if (nk) st->keys = nk;
    int32_t **np = nk ? em_realloc(st->pids, sizeof *np * (size_t)ncap) : NULL;
    if (np) st->pids = np;
    if (!np) return oom(err);
    st->cap = ncap;
  }
  em_vec **keys = NULL;
  int32_t *pids = NULL;
  if (cfg->mode == EM_PART_HASH || cfg->mode == EM_PART_RANGE) {
    keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *keys);
    if (!keys) return oom(err);
    for (int k = 0; k < cfg->nkeys; k++)
      if (em_expr_eval(cfg->keys[k], b, &ctx->eval, &keys[k], err)) {
        free_keys(keys, cfg->nkeys);
        return -1;
      }
  }
  if (cfg->mode == EM_PART_HASH) {
    pids = em_malloc(sizeof *pids * (size_t)(b->nrows ? b->nrows : 1));
    if (!pids) {
      free_keys(keys, cfg->nkeys);
      return oom(err);
    }
    for (int64_t i = 0; i < b->nrows; i++) pids[i] = EM_MURMUR3_SEED;
    for (int k = 0; k < cfg->nkeys; k++) em_murmur3_fold(keys[k], pids, b->nrows);
    for (int64_t i = 0; i < b->nrows; i++) pids[i] = pmod(pids[i], cfg->nparts);
    free_keys(keys, cfg->nkeys);
    keys = NULL;
  }
  st->batches[st->n] = em_batch_ref(b);
  st->keys[st->n] = keys;
  st->pids[st->n] = pids;
  st->n++;
  if (!em_xspill_mode(cfg) || !ctx->mem) return 0;
  /* Hash and single: the held batches are reserved as they arrive; over
   * the budget, they go to disk. */
  int64_t bytes = (int64_t)em_batch_bytes(b) + (pids ? 4 * b->nrows : 0);
  st->mem = ctx->mem;
  if (em_memtracker_reserve(ctx->mem, bytes, err) == 0) {
    st->charged += bytes;
    return 0;
  }
  if (!em_spill_should(ctx, err)) return -1;
  em_error_clear(err);
  xstate *xs = state_of(s, err);
  if (!xs) return -1;
  if (part < 0 || part >= xs->nmaps) return em_error_internal(err, "exchange: partition out of range");
  return em_xspill_segment(cfg, s, &xs->maps[part], st, ctx, err);
}

static void x_close_local(em_sink *s, void *local) {
  const xcfg *cfg = s->cfg;
  xlocal *st = local;
  for (int i = 0; i < st->n; i++) {
    em_batch_unref(st->batches[i]);
    free_keys(st->keys[i], cfg->nkeys);
    em_free(st->pids[i]);
  }
  em_free(st->batches);
  em_free(st->keys);
  em_free(st->pids);
  if (st->mem && st->charged) em_memtracker_release(st->mem, st->charged);
  memset(st, 0, sizeof *st);
}

static xstate *state_of(em_sink *s, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) {
    xstate *xs = em_calloc(1, sizeof *xs);
    int n = s->in_parts > 0 ? s->in_parts : 1;
    if (xs && (xs->maps = em_calloc((size_t)n, sizeof *xs->maps))) {
      xs->nmaps = n;
      s->state = xs;
    } else {
      em_free(xs);
    }
  }
  xstate *r = s->state;
  pthread_mutex_unlock(&s->mu);
  if (!r) oom(err);
  return r;
}

static em_vec *concat(em_type *t, em_vec **vs, int n, int64_t total) {
  if (n == 1) return em_vec_ref(vs[0]);
  em_vec *out = em_vec_new(t, total);
  if (!out) return NULL;
  for (int i = 0; i < n; i++)
    if (vs[i]->len && em_vec_append_range(out, vs[i], 0, vs[i]->len)) {
      em_vec_unref(out);
      return NULL;
    }
  return out;
}

/* Groups the rows of mp by mp->pid (a stable counting sort), visiting the
 * rows in the order `visit` (NULL: row order). */
static int group_rows(xmap *mp, int nred, const uint32_t *visit) {
  mp->starts = em_calloc((size_t)nred + 1, sizeof *mp->starts);
  mp->order = em_malloc(sizeof *mp->order * (size_t)(mp->n ? mp->n : 1));
  if (!mp->starts || !mp->order) return -1;
  for (int64_t i = 0; i < mp->n; i++) mp->starts[mp->pid[i] + 1]++;
  for (int p = 0; p < nred; p++) mp->starts[p + 1] += mp->starts[p];
  int64_t *fill = em_malloc(sizeof *fill * (size_t)(nred + 1));
  if (!fill) return -1;
  memcpy(fill, mp->starts, sizeof *fill * (size_t)nred);
  for (int64_t k = 0; k < mp->n; k++) {
    uint32_t i = visit ? visit[k] : (uint32_t)k;
    mp->order[fill[mp->pid[i]]++] = i;
  }
  em_free(fill);
  em_free(mp->pid);
  mp->pid = NULL;
  return 0;
}

/* Round robin: Spark's sort by (row hash, row bytes), then dealing. */
typedef struct rr_key {
  const uint8_t *bytes;
  const size_t *offs;
  const int32_t *hash;
} rr_key;

static int rr_cmp(const void *x, const void *y, void *arg) {
  const rr_key *k = arg;
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  if (k->hash[a] != k->hash[b]) return k->hash[a] < k->hash[b] ? -1 : 1;
  size_t la = k->offs[a + 1] - k->offs[a], lb = k->offs[b + 1] - k->offs[b];
  if (la != lb) return la < lb ? -1 : 1;
  int c = memcmp(k->bytes + k->offs[a], k->bytes + k->offs[b], la);
  return c < 0 ? -1 : c > 0;
}

static int round_robin(const xcfg *cfg, xmap *mp, int m, em_exec_ctx *ctx, em_error *err) {
  int64_t n = mp->n;
  uint32_t *perm = em_malloc(sizeof *perm * (size_t)n);
  if (!perm) return oom(err);
  for (int64_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
  if (!cfg->unsorted) {
    em_batch *r = mp->rows;
    size_t *offs = em_malloc(sizeof *offs * (size_t)(n + 1));
    int32_t *hash = em_malloc(sizeof *hash * (size_t)n);
    uint8_t *bytes = NULL;
    int rc = offs && hash ? 0 : -1;
    if (!rc) {
      offs[0] = 0;
      for (int64_t i = 0; i < n; i++) offs[i + 1] = offs[i] + em_unsafe_row_size(r->cols, cfg->used, r->ncols, i);
      bytes = em_calloc(offs[n] ? offs[n] : 1, 1);
      if (!bytes) rc = -1;
    }
    for (int64_t i = 0; !rc && i < n; i++) {
      if ((i & 0xffff) == 0 && em_exec_cancelled(ctx)) {
        rc = -2;
        break;
      }
      em_unsafe_row_write(bytes + offs[i], r->cols, cfg->used, r->ncols, i);
      hash[i] = em_murmur3_words(bytes + offs[i], offs[i + 1] - offs[i], EM_MURMUR3_SEED);
    }
    if (!rc) {
      rr_key k = {bytes, offs, hash};
      qsort_r(perm, (size_t)n, sizeof *perm, rr_cmp, &k);
    }
    em_free(offs);
    em_free(hash);
    em_free(bytes);
    if (rc) {
      em_free(perm);
      return rc == -2 ? em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL) : oom(err);
    }
  }
  em_xorshift x;
  em_xorshift_init(&x, m);
  uint32_t pos = (uint32_t)em_xorshift_next_int(&x, cfg->nparts);
  for (int64_t i = 0; i < n; i++) {
    pos++; /* Spark's Int position wraps */
    mp->pid[perm[i]] = pmod((int32_t)pos, cfg->nparts);
  }
  /* Each reduce partition gets its rows in the dealing order. */
  int rc = group_rows(mp, cfg->nparts, perm);
  em_free(perm);
  return rc ? oom(err) : 0;
}

static int x_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  const xcfg *cfg = s->cfg;
  xlocal *st = local;
  xstate *xs = state_of(s, err);
  if (!xs) return -1;
  if (part < 0 || part >= xs->nmaps) return em_error_internal(err, "exchange: partition out of range");
  xmap *mp = &xs->maps[part];
  int64_t total = 0;
  for (int i = 0; i < st->n; i++) total += st->batches[i]->nrows;
  int64_t run_bytes = 0; /* hash and single: reserved before concatenating */
  if (em_xspill_mode(cfg) && ctx->mem && !mp->spill && total > 0) {
    run_bytes = st->charged + 8 * total;
    if (em_memtracker_reserve(ctx->mem, run_bytes, err)) {
      if (!em_spill_should(ctx, err)) return -1;
      em_error_clear(err);
      run_bytes = 0;
      if (em_xspill_segment(cfg, s, mp, st, ctx, err)) return -1;
    }
  }
  if (mp->spill) {
    /* The rest follows the spilled segments. */
    int rc = st->n > 0 ? em_xspill_segment(cfg, s, mp, st, ctx, err) : 0;
    if (!rc) rc = em_xspill_finish(cfg, mp, err);
    x_close_local(s, local);
    return rc;
  }
  if (run_bytes) {
    pthread_mutex_lock(&s->mu);
    xs->mem = ctx->mem;
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add(&xs->charged, run_bytes);
  }
  if (total == 0) {
    x_close_local(s, local);
    return 0;
  }
  if (total > UINT32_MAX) return em_error_internal(err, "exchange: partition of more than 2^32 rows");
  int ncols = s->in_schema->u.st.nfields;
  em_vec **tmp = em_calloc((size_t)st->n + 1, sizeof *tmp);
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  mp->pid = em_malloc(sizeof *mp->pid * (size_t)total);
  int rc = tmp && cols && mp->pid ? 0 : oom(err);
  for (int c = 0; !rc && c < ncols; c++) {
    for (int i = 0; i < st->n; i++) tmp[i] = st->batches[i]->cols[c];
    if (!(cols[c] = concat(s->in_schema->u.st.fields[c].type, tmp, st->n, total))) rc = oom(err);
  }
  if (!rc) {
    mp->rows = em_batch_new(em_type_ref(s->in_schema), ncols, cols, total);
    if (!mp->rows) rc = oom(err);
  } else {
    for (int c = 0; cols && c < ncols; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  }
  em_free(cols);
  if (!rc && cfg->mode == EM_PART_RANGE) {
    if (!(mp->keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *mp->keys))) rc = oom(err);
    for (int k = 0; !rc && k < cfg->nkeys; k++) {
      for (int i = 0; i < st->n; i++) tmp[i] = st->keys[i][k];
      if (!(mp->keys[k] = concat(cfg->keys[k]->type, tmp, st->n, total))) rc = oom(err);
    }
  }
  if (!rc && cfg->mode == EM_PART_HASH) {
    int64_t at = 0;
    for (int i = 0; i < st->n; i++) {
      memcpy(mp->pid + at, st->pids[i], sizeof *mp->pid * (size_t)st->batches[i]->nrows);
      at += st->batches[i]->nrows;
    }
  }
  em_free(tmp);
  mp->n = rc ? 0 : total;
  /* The pushed batches are no longer needed. */
  x_close_local(s, local);
  if (rc) return -1;
  if (ctx->mem && !em_xspill_mode(cfg)) {
    int64_t bytes = (int64_t)em_batch_bytes(mp->rows) + 8 * total;
    if (em_memtracker_reserve(ctx->mem, bytes, err)) return -1;
    pthread_mutex_lock(&s->mu);
    xs->mem = ctx->mem;
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add(&xs->charged, bytes);
  }
  switch (cfg->mode) {
  case EM_PART_HASH: break;
  case EM_PART_SINGLE: memset(mp->pid, 0, sizeof *mp->pid * (size_t)total); break;
  case EM_PART_ROUND_ROBIN:
    if (cfg->nparts > 1) return round_robin(cfg, mp, part, ctx, err);
    memset(mp->pid, 0, sizeof *mp->pid * (size_t)total);
    break;
  case EM_PART_RANGE: return 0; /* grouped once the bounds are known */
  }
  int nred = cfg->mode == EM_PART_SINGLE ? 1 : cfg->nparts;
  return group_rows(mp, nred, NULL) ? oom(err) : 0;
}

/* ---- range bounds (RangePartitioner) ---- */

typedef struct cand {
  int map;
  uint32_t row;
  float weight;
} cand;

typedef struct range_ctx {
  const xcfg *cfg;
  xstate *xs;
} range_ctx;

static int cmp_key(const range_ctx *rc, int ma, int64_t ra, int mb, int64_t rb) {
  return em_sort_compare_rows(rc->cfg->asc, rc->cfg->nulls_first, rc->cfg->nkeys, rc->xs->maps[ma].keys, ra,
                              rc->xs->maps[mb].keys, rb);
}

/* Stable merge sort of candidates by key (Scala's sortBy is stable). */
static int sort_cands(const range_ctx *rc, cand *c, int64_t n) {
  cand *tmp = em_malloc(sizeof *tmp * (size_t)(n ? n : 1));
  if (!tmp) return -1;
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = cmp_key(rc, c[j].map, c[j].row, c[i].map, c[i].row) < 0 ? c[j++] : c[i++];
      while (i < mid) tmp[k++] = c[i++];
      while (j < hi) tmp[k++] = c[j++];
    }
    memcpy(c, tmp, sizeof *c * (size_t)n);
  }
  em_free(tmp);
  return 0;
}

static int32_t byteswap32(int32_t v) {
  uint32_t hc = (uint32_t)v * 0x9e3775cdu;
  hc = __builtin_bswap32(hc);
  return (int32_t)(hc * 0x9e3775cdu);
}

static int range_bounds(const xcfg *cfg, xstate *xs, cand **bounds_out, int *nbounds, em_error *err) {
  *bounds_out = NULL;
  *nbounds = 0;
  int R = cfg->nparts, P = xs->nmaps;
  int64_t num_items = 0;
  for (int m = 0; m < P; m++) num_items += xs->maps[m].n;
  if (R <= 1 || num_items == 0) return 0;
  double sample_size = fmin((double)cfg->sample_size * R, 1e6);
  int per_part = (int)ceil(3.0 * sample_size / P);
  double fraction = fmin(sample_size / (double)(num_items > 1 ? num_items : 1), 1.0);
  int64_t cap = 0;
  for (int m = 0; m < P; m++) cap += xs->maps[m].n < per_part ? xs->maps[m].n : per_part;
  for (int m = 0; m < P; m++)
    if (fraction * (double)xs->maps[m].n > per_part) cap += (int64_t)(fraction * (double)xs->maps[m].n * 2) + 16;
  cand *c = em_malloc(sizeof *c * (size_t)(cap ? cap : 1));
  uint32_t *res = em_malloc(sizeof *res * (size_t)(per_part > 0 ? per_part : 1));
  if (!c || !res) {
    em_free(c);
    em_free(res);
    return oom(err);
  }
  int64_t nc = 0;
  for (int m = 0; m < P; m++) {
    xmap *mp = &xs->maps[m];
    if (mp->n == 0 || fraction * (double)mp->n > per_part) continue;
    /* reservoirSampleAndCount(iter, per_part, byteswap32(m ^ (id << 16))) */
    int64_t k = mp->n < per_part ? mp->n : per_part;
    for (int64_t i = 0; i < k; i++) res[i] = (uint32_t)i;
    if (mp->n > per_part) {
      em_xorshift x;
      em_xorshift_init(&x, byteswap32(m));
      for (int64_t l = per_part; l < mp->n; l++) {
        int64_t idx = (int64_t)(em_xorshift_next_double(&x) * (double)(l + 1));
        if (idx < per_part) res[idx] = (uint32_t)l;
      }
    }
    float weight = (float)((double)mp->n / (double)k);
    for (int64_t i = 0; i < k; i++) c[nc++] = (cand){m, res[i], weight};
  }
  /* Imbalanced partitions are re-sampled at `fraction` (Bernoulli). */
  float weight = (float)(1.0 / fraction);
  for (int m = 0; m < P; m++) {
    xmap *mp = &xs->maps[m];
    if (mp->n == 0 || !(fraction * (double)mp->n > per_part)) continue;
    em_xorshift x;
    em_xorshift_init(&x, (int64_t)byteswap32(-1) + m);
    for (int64_t i = 0; i < mp->n && nc < cap; i++)
      if (em_xorshift_next_double(&x) < fraction) c[nc++] = (cand){m, (uint32_t)i, weight};
  }
  em_free(res);
  range_ctx rc = {cfg, xs};
  if (sort_cands(&rc, c, nc)) {
    em_free(c);
    return oom(err);
  }
  /* determineBounds(candidates, min(R, candidates)). */
  int parts = R < nc ? R : (int)nc;
  double sum = 0;
  for (int64_t i = 0; i < nc; i++) sum += (double)c[i].weight;
  double step = sum / parts, cum = 0, target = step;
  cand *bounds = em_malloc(sizeof *bounds * (size_t)(parts > 0 ? parts : 1));
  if (!bounds) {
    em_free(c);
    return oom(err);
  }
  int nb = 0;
  for (int64_t i = 0; i < nc && nb < parts - 1; i++) {
    cum += (double)c[i].weight;
    if (cum >= target) {
      if (nb == 0 || cmp_key(&rc, c[i].map, c[i].row, bounds[nb - 1].map, bounds[nb - 1].row) > 0) {
        bounds[nb++] = c[i];
        target += step;
      }
    }
  }
  em_free(c);
  *bounds_out = bounds;
  *nbounds = nb;
  return 0;
}

static int range_assign(const xcfg *cfg, xstate *xs, em_exec_ctx *ctx, em_error *err) {
  cand *bounds = NULL;
  int nb = 0;
  if (range_bounds(cfg, xs, &bounds, &nb, err)) return -1;
  range_ctx rc = {cfg, xs};
  xs->nred = nb + 1;
  for (int m = 0; m < xs->nmaps; m++) {
    xmap *mp = &xs->maps[m];
    if (mp->n == 0) continue;
    if (em_exec_cancelled(ctx)) {
      em_free(bounds);
      return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    }
    for (int64_t i = 0; i < mp->n; i++) {
      /* The first bound not below the key. */
      int lo = 0, hi = nb;
      while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cmp_key(&rc, m, i, bounds[mid].map, bounds[mid].row) > 0)
          lo = mid + 1;
        else
          hi = mid;
      }
      mp->pid[i] = lo;
    }
    if (group_rows(mp, xs->nred, NULL)) {
      em_free(bounds);
      return oom(err);
    }
  }
  em_free(bounds);
  return 0;
}

/* ---- adaptive coalescing (ShufflePartitionsUtil.coalescePartitions) ---- */

static int adaptive_groups(const xcfg *cfg, xstate *xs, em_error *err) {
  int nred = xs->nred;
  int64_t *size = em_calloc((size_t)nred + 1, sizeof *size);
  int *gs = em_malloc(sizeof *gs * (size_t)(nred + 2));
  if (!size || !gs) {
    em_free(size);
    em_free(gs);
    return oom(err);
  }
  int64_t total = 0;
  for (int m = 0; m < xs->nmaps; m++) {
    xmap *mp = &xs->maps[m];
    if (mp->n == 0) continue;
    if (mp->spill) {
      for (int p = 0; p < nred; p++) size[p] += mp->red_bytes[p];
      continue;
    }
    for (int p = 0; p < nred; p++)
      for (int64_t k = mp->starts[p]; k < mp->starts[p + 1]; k++)
        size[p] += (int64_t)em_unsafe_row_size(mp->rows->cols, NULL, mp->rows->ncols, mp->order[k]) + 4;
  }
  for (int p = 0; p < nred; p++) total += size[p];
  int minp = cfg->min_partitions > 0 ? cfg->min_partitions : 1;
  int64_t max_target = (int64_t)ceil((double)total / minp);
  if (max_target < 16) max_target = 16;
  int64_t target = max_target < (64ll << 20) ? max_target : (64ll << 20);
  if (target < (1ll << 20)) target = 1ll << 20;
  int ng = 0, latest = 0;
  int64_t acc = 0;
  for (int p = 0; p < nred; p++) {
    if (p > latest && acc + size[p] > target) {
      if (acc > 0) gs[ng++] = latest;
      latest = p;
      acc = size[p];
    } else {
      acc += size[p];
    }
  }
  if (acc > 0 || ng == 0) gs[ng++] = latest;
  em_free(size);
  if (ng < nred) {
    /* Groups are [gs[g], next start); the last ends at nred. Skipped empty
     * partitions between groups hold no rows, so extending a group over
     * them changes nothing. */
    xs->ngroups = ng;
    xs->gstart = gs;
    gs[0] = 0;
    gs[ng] = nred;
  } else {
    em_free(gs);
  }
  return 0;
}

static int x_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  const xcfg *cfg = s->cfg;
  xstate *xs = state_of(s, err);
  if (!xs) return -1;
  xs->nred = cfg->mode == EM_PART_SINGLE ? 1 : cfg->nparts;
  if (cfg->mode == EM_PART_RANGE && range_assign(cfg, xs, ctx, err)) return -1;
  if (cfg->adaptive && xs->nred > 1 && adaptive_groups(cfg, xs, err)) return -1;
  if (!xs->gstart) {
    xs->ngroups = xs->nred;
    if (!(xs->gstart = em_malloc(sizeof *xs->gstart * (size_t)(xs->nred + 1)))) return oom(err);
    for (int p = 0; p <= xs->nred; p++) xs->gstart[p] = p;
  }
  if (!(xs->grows = em_calloc((size_t)xs->ngroups + 1, sizeof *xs->grows))) return oom(err);
  for (int g = 0; g < xs->ngroups; g++)
    for (int m = 0; m < xs->nmaps; m++)
      if (xs->maps[m].n) xs->grows[g] += xs->maps[m].starts[xs->gstart[g + 1]] - xs->maps[m].starts[xs->gstart[g]];
  s->out_parts = xs->ngroups;
  return 0;
}

/* ---- the source side ---- */

static int x_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  const xcfg *cfg = s->cfg;
  xstate *xs = s->state;
  xout_local *st = local;
  *out = NULL;
  if (!xs || part >= xs->ngroups) return 0;
  if (!st->started) {
    st->started = true;
    st->red = xs->gstart[part];
  }
  int ncols = s->in_schema->u.st.nfields;
  em_vec **cols = NULL;
  int64_t got = 0;
  int rc = 0;
  /* A group of several reduce partitions (adaptive) is read map by map,
   * as Spark's batched fetch of a map's contiguous blocks returns it. */
  int rend = xs->gstart[part + 1];
  while (got < ctx->batch_rows && st->map < xs->nmaps) {
    if (st->red >= rend) {
      st->map++;
      st->red = xs->gstart[part];
      st->off = 0;
      continue;
    }
    xmap *mp = &xs->maps[st->map];
    if (mp->spill) {
      /* Spilled blocks are whole batches: the rows gathered so far go
       * first, then one block a call. */
      if (got > 0) break;
      if (em_xspill_next(cfg, s, mp, st->red, st, out, err)) return -1;
      if (*out) return 0;
      st->red++;
      st->seg = 0;
      st->in_seg = false;
      continue;
    }
    int64_t have = mp->n ? mp->starts[st->red + 1] - mp->starts[st->red] - st->off : 0;
    if (have <= 0) {
      st->red++;
      st->off = 0;
      continue;
    }
    int64_t take = have < ctx->batch_rows - got ? have : ctx->batch_rows - got;
    const uint32_t *idx = mp->order + mp->starts[st->red] + st->off;
    if (!cols && !(cols = em_calloc((size_t)ncols + 1, sizeof *cols))) return oom(err);
    for (int c = 0; !rc && c < ncols; c++) {
      em_vec *piece = em_vec_take(mp->rows->cols[c], idx, take);
      if (!piece) {
        rc = -1;
      } else if (!cols[c]) {
        cols[c] = piece;
      } else {
        rc = em_vec_append_range(cols[c], piece, 0, piece->len);
        em_vec_unref(piece);
      }
    }
    if (rc) break;
    st->off += take;
    got += take;
  }
  if (!rc && got > 0) {
    *out = em_batch_new(em_type_ref(s->in_schema), ncols, cols, got);
    if (!*out) rc = -1;
  } else if (cols) {
    for (int c = 0; c < ncols; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  }
  em_free(cols);
  return rc ? oom(err) : 0;
}

static bool x_part_has_rows(em_sink *s, int part) {
  xstate *xs = s->state;
  return xs && part >= 0 && part < xs->ngroups && xs->grows[part] > 0;
}

static void x_destroy(em_sink *s) {
  const xcfg *cfg = s->cfg;
  xstate *xs = s->state;
  if (!xs) return;
  for (int m = 0; m < xs->nmaps; m++) {
    xmap *mp = &xs->maps[m];
    if (mp->rows) em_batch_unref(mp->rows);
    free_keys(mp->keys, cfg->nkeys);
    em_free(mp->pid);
    em_free(mp->order);
    em_free(mp->starts);
    em_xspill_free(mp);
  }
  if (xs->mem) em_memtracker_release(xs->mem, atomic_load(&xs->charged));
  em_free(xs->maps);
  em_free(xs->gstart);
  em_free(xs->grows);
  em_free(xs);
  s->state = NULL;
}

const em_sink_vt em_sink_exchange_vt = {
    .name = "Exchange",
    .local_size = sizeof(xlocal),
    .sink = x_sink,
    .combine = x_combine,
    .close_local = x_close_local,
    .finalize = x_finalize,
    .source_local_size = sizeof(xout_local),
    .next = x_next,
    .destroy = x_destroy,
    .part_has_rows = x_part_has_rows,
};

em_sink *em_sink_exchange_new(em_arena *a, const em_lplan *n, em_type *in_schema) {
  xcfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return NULL;
  cfg->mode = n->u.exchange.mode;
  cfg->nparts = n->u.exchange.num_partitions > 0 ? n->u.exchange.num_partitions : 1;
  cfg->adaptive = n->u.exchange.adaptive;
  cfg->keys = n->u.exchange.keys;
  cfg->asc = n->u.exchange.ascending;
  cfg->nulls_first = n->u.exchange.nulls_first;
  cfg->nkeys = n->u.exchange.nkeys;
  cfg->used = n->u.exchange.used;
  cfg->unsorted = n->u.exchange.unsorted;
  cfg->sample_size = n->u.exchange.sample_size > 0 ? n->u.exchange.sample_size : 100;
  cfg->min_partitions = n->u.exchange.min_partitions;
  return em_sink_new(a, &em_sink_exchange_vt, cfg, in_schema, in_schema);
}
