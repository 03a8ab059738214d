/*
 * The build side of the hash join: a sink that collects its input and, once
 * every task is done, builds the table the probe operator reads.
 *
 * Algorithm. Tasks evaluate the build keys of their batches and keep batch
 * and keys (sink, no locking); a task's list joins the shared list when its
 * partition ends (combine, under the sink's mutex). finalize concatenates
 * all rows and keys into one batch (so a build row is one 32-bit index and
 * the output gathers with em_vec_take) and finds every row whose keys can
 * match (a NULL in an `=` key cannot). The table is a directory over
 * buckets plus one array of entries grouped by bucket, laid out by a
 * counting sort: bucket b holds entries [start[b], start[b + 1]) in row
 * order, so duplicate keys are contiguous and a probe reads the directory
 * and then one short run of entries.
 *   - One integer key whose values span at most about four buckets a row
 *     (surrogate keys, dates) is DENSE: a bucket per value, bucket = key -
 *     min, and the entries are just rows. No hashing, no key compares, and
 *     sequential keys probe sequentially.
 *   - Otherwise buckets are the top bits of a 64-bit hash, as many as the
 *     next power of two above the row count (a load of 1/2 to 1); entries
 *     hold the key itself for a single 1..8 byte key (int_mode, compared
 *     directly), else the hash (the key columns are verified afterwards).
 * Arrays over 4 MiB are aligned to 2 MiB and marked for transparent huge
 * pages: probes read them at random, and with 4 KiB pages most reads would
 * miss the TLB as well as the cache. (Open addressing with the key in the
 * slot, one read per probe, measured slower here: its table is twice the
 * size, and for a build side larger than the caches size decides.)
 *
 * Memory. Input batches are charged to the query's tracker as they arrive;
 * finalize charges the concatenated copy and the table before building them
 * and releases the inputs afterwards. Over the budget, with spilling on,
 * the build side goes to disk and the join becomes a grace hash join
 * (spill_join.c); without it the query fails with UNABLE_TO_ACQUIRE_MEMORY.
 *
 * Parallelism. Collection runs on all tasks; the table is built by one
 * thread in finalize (linear passes and a counting sort), then shared
 * read-only by every probe task.
 */
#include "join_int.h"

#include <string.h>
#include <sys/mman.h>

typedef em_join_build_local build_local;

static int oom(em_error *err) { return em_error_internal(err, "out of memory building a hash join"); }

static void free_keys(em_vec **keys, int n) {
  if (!keys) return;
  for (int k = 0; k < n; k++)
    if (keys[k]) em_vec_unref(keys[k]);
  em_free(keys);
}

/* Charges n bytes to the query (no tracker: nothing to do). */
static int charge(em_join_ht *ht, int64_t n, em_error *err) {
  if (!ht->mem_tracker || n <= 0) return 0;
  if (em_memtracker_reserve(ht->mem_tracker, n, err)) return -1;
  atomic_fetch_add(&ht->charged, n);
  return 0;
}

static void uncharge(em_join_ht *ht, int64_t n) {
  if (!ht->mem_tracker || n <= 0) return;
  em_memtracker_release(ht->mem_tracker, n);
  atomic_fetch_sub(&ht->charged, n);
}

static em_join_ht *state_of(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) {
    em_join_ht *ht = em_calloc(1, sizeof *ht);
    if (ht) ht->mem_tracker = ctx->mem;
    s->state = ht;
  }
  em_join_ht *ht = s->state;
  pthread_mutex_unlock(&s->mu);
  if (!ht) oom(err);
  return ht;
}

static int build_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  (void)part;
  const em_join_cfg *cfg = s->cfg;
  build_local *st = local;
  em_join_ht *ht = state_of(s, ctx, err);
  if (!ht) return -1;
  pthread_mutex_lock(&s->mu);
  bool spilled = ht->spill != NULL;
  pthread_mutex_unlock(&s->mu);
  if (spilled) return em_join_spill_build(s, ht, st, part, b, ctx, err);
  if (charge(ht, (int64_t)em_batch_bytes(b), err)) {
    if (!em_spill_should(ctx, err)) return -1;
    em_error_clear(err);
    return em_join_spill_build_start(s, ht, st, part, b, ctx, err);
  }
  em_vec **keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *keys);
  if (!keys) return oom(err);
  for (int k = 0; k < cfg->nkeys; k++)
    if (em_expr_eval(cfg->build_keys[k], b, &ctx->eval, &keys[k], err)) {
      free_keys(keys, cfg->nkeys);
      return -1;
    }
  if (st->n == st->cap) {
    int ncap = st->cap ? st->cap * 2 : 16;
    em_batch **nb = em_realloc(st->batches, sizeof *nb * (size_t)ncap);
    if (nb) st->batches = nb;
    em_vec ***nk = nb ? em_realloc(st->keys, sizeof *nk * (size_t)ncap) : NULL;
    if (nk) st->keys = nk;
    if (!nb || !nk) {
      free_keys(keys, cfg->nkeys);
      return oom(err);
    }
    st->cap = ncap;
  }
  st->batches[st->n] = em_batch_ref(b);
  st->keys[st->n] = keys;
  st->n++;
  return 0;
}

static void build_close_local(em_sink *s, void *local) {
  const em_join_cfg *cfg = s->cfg;
  build_local *st = local;
  for (int i = 0; i < st->n; i++) {
    em_batch_unref(st->batches[i]);
    free_keys(st->keys[i], cfg->nkeys);
  }
  em_free(st->batches);
  em_free(st->keys);
  memset(st, 0, sizeof *st);
}

static int build_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  (void)part;
  build_local *st = local;
  em_join_ht *ht = state_of(s, ctx, err);
  if (!ht) return -1;
  if (st->n == 0) return 0;
  pthread_mutex_lock(&s->mu);
  bool spilled = ht->spill != NULL;
  pthread_mutex_unlock(&s->mu);
  if (spilled) return em_join_spill_build(s, ht, st, part, NULL, ctx, err);
  pthread_mutex_lock(&s->mu);
  int rc = 0;
  if (ht->nin + st->n > ht->capin) {
    int ncap = ht->capin ? ht->capin : 16;
    while (ncap < ht->nin + st->n) ncap *= 2;
    em_batch **nb = em_realloc(ht->in, sizeof *nb * (size_t)ncap);
    if (nb) ht->in = nb;
    em_vec ***nk = nb ? em_realloc(ht->in_keys, sizeof *nk * (size_t)ncap) : NULL;
    if (nk) ht->in_keys = nk;
    if (nb && nk)
      ht->capin = ncap;
    else
      rc = oom(err);
  }
  if (!rc) {
    memcpy(ht->in + ht->nin, st->batches, sizeof *st->batches * (size_t)st->n);
    memcpy(ht->in_keys + ht->nin, st->keys, sizeof *st->keys * (size_t)st->n);
    ht->nin += st->n;
    st->n = 0; /* the shared lists own them now */
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

/* An array for the table: big ones are aligned to 2 MiB and marked for
 * transparent huge pages, since probes read them at random and 4 KiB pages
 * would make most of those reads TLB misses too. *mem receives what to
 * free. NULL on OOM. */
static void *table_alloc(size_t n, bool zero, void **mem) {
  const size_t huge = (size_t)2 << 20;
  if (n < 2 * huge) {
    *mem = zero ? em_calloc(1, n) : em_malloc(n);
    return *mem;
  }
  uint8_t *raw = em_malloc(n + huge);
  if (!raw) return *mem = NULL;
  *mem = raw;
  uint8_t *p = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
  madvise(p, n & ~(huge - 1), MADV_HUGEPAGE);
  if (zero) memset(p, 0, n);
  return p;
}

/* Concatenates n vectors of type t. */
static em_vec *concat(em_type *t, em_vec *const *vs, int n, int64_t total) {
  em_vec *out = em_vec_new(t, total);
  if (!out) return NULL;
  for (int i = 0; i < n; i++)
    if (vs[i]->len && em_vec_append_range(out, vs[i], 0, vs[i]->len)) {
      em_vec_unref(out);
      return NULL;
    }
  return out;
}

/* Builds ht->rows and ht->keys from the collected batches, then frees them. */
static int gather_rows(em_sink *s, em_join_ht *ht, em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  int ncols = s->in_schema->u.st.nfields;
  int64_t total = 0, in_bytes = 0;
  for (int i = 0; i < ht->nin; i++) {
    total += ht->in[i]->nrows;
    in_bytes += (int64_t)em_batch_bytes(ht->in[i]);
  }
  if (total >= (int64_t)UINT32_MAX)
    return em_error_internal(err, "hash join: a build side of %lld rows (at most 2^32 - 1)", (long long)total);
  ht->n = total;
  ht->keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *ht->keys);
  if (!ht->keys) return oom(err);
  bool copied = ht->nin > 1;
  if (!copied) {
    /* One batch (or none): use it as it is. */
    if (ht->nin == 1) {
      ht->rows = em_batch_ref(ht->in[0]);
      for (int k = 0; k < cfg->nkeys; k++) ht->keys[k] = em_vec_ref(ht->in_keys[0][k]);
    } else {
      em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
      int rc = cols ? 0 : oom(err);
      for (int c = 0; !rc && c < ncols; c++)
        if (!(cols[c] = em_vec_new(s->in_schema->u.st.fields[c].type, 0))) rc = oom(err);
      for (int k = 0; !rc && k < cfg->nkeys; k++)
        if (!(ht->keys[k] = em_vec_new(cfg->build_keys[k]->type, 0))) rc = oom(err);
      if (rc) {
        for (int c = 0; cols && c < ncols; c++)
          if (cols[c]) em_vec_unref(cols[c]);
      } else if (!(ht->rows = em_batch_new(em_type_ref(s->in_schema), ncols, cols, 0))) {
        rc = oom(err); /* em_batch_new released the columns */
      }
      em_free(cols);
      if (rc) return -1;
    }
  } else {
    if (charge(ht, in_bytes, err)) return -1;
    em_vec **tmp = em_calloc((size_t)ht->nin + 1, sizeof *tmp);
    em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
    int rc = tmp && cols ? 0 : oom(err);
    for (int c = 0; !rc && c < ncols; c++) {
      for (int i = 0; i < ht->nin; i++) tmp[i] = ht->in[i]->cols[c];
      if (!(cols[c] = concat(s->in_schema->u.st.fields[c].type, tmp, ht->nin, total))) rc = oom(err);
    }
    for (int k = 0; !rc && k < cfg->nkeys; k++) {
      for (int i = 0; i < ht->nin; i++) tmp[i] = ht->in_keys[i][k];
      if (!(ht->keys[k] = concat(cfg->build_keys[k]->type, tmp, ht->nin, total))) rc = oom(err);
    }
    em_free(tmp);
    if (!rc) {
      ht->rows = em_batch_new(em_type_ref(s->in_schema), ncols, cols, total);
      if (!ht->rows) rc = oom(err);
    } else {
      for (int c = 0; cols && c < ncols; c++)
        if (cols[c]) em_vec_unref(cols[c]);
    }
    em_free(cols);
    if (rc) return -1;
  }
  for (int i = 0; i < ht->nin; i++) {
    em_batch_unref(ht->in[i]);
    free_keys(ht->in_keys[i], cfg->nkeys);
  }
  ht->nin = 0;
  /* The inputs' charge now stands for the copy (or the kept batch). */
  if (copied) uncharge(ht, in_bytes);
  return 0;
}

/* ---- building the table, in parallel ----
 *
 * The rows are cut into T contiguous chunks (T = the tasks the query may
 * run at once; one for small builds). Phases, each a parallel loop:
 *   1. per chunk: NULL-key flags, key values or hashes, min and max;
 *   2. per chunk: each row's bucket, and a histogram of its rows over P
 *      radix partitions (the top bits of the bucket);
 *   3. per chunk: its rows scattered by partition into one array (chunk
 *      order within a partition, so each partition lists rows in order);
 *   4. per group of partitions: a counting sort of the partition's rows by
 *      bucket into its own slice of the directory and of the entries.
 * The result is exactly the sequential counting sort's: entries in row
 * order within each bucket, whatever T is. */

typedef struct build_job {
  const em_join_cfg *cfg;
  em_join_ht *ht;
  int ntasks, nparts, pshift;
  int64_t nb;
  uint64_t *v;        /* per row: key (int_mode) or hash */
  uint8_t *bad;       /* per row: cannot match */
  uint32_t *bucket;   /* per row */
  uint32_t *order;    /* rows grouped by partition */
  int64_t *good;      /* per task */
  int64_t *lo, *hi;   /* per task: int_mode key range */
  uint32_t *hist;     /* [task][partition]: counts, then write offsets */
  uint32_t *poff;     /* partition p's rows: order[poff[p] .. poff[p + 1]) */
  void *ents;
} build_job;

static void chunk_of(const build_job *j, int t, int64_t *from, int64_t *to) {
  *from = j->ht->n * t / j->ntasks;
  *to = j->ht->n * (t + 1) / j->ntasks;
}

static void phase_keys(void *arg, int t) {
  build_job *j = arg;
  const em_join_cfg *cfg = j->cfg;
  int64_t from, to;
  chunk_of(j, t, &from, &to);
  em_join_null_rows(j->ht->keys, cfg->null_safe, cfg->nkeys, from, to, j->bad);
  uint64_t *v = j->v;
  if (cfg->int_mode) {
    em_join_int_keys(j->ht->keys[0], from, to, v);
  } else {
    memset(v + from, 0, sizeof *v * (size_t)(to - from));
    for (int k = 0; k < cfg->nkeys; k++) em_join_hash(j->ht->keys[k], from, to, v);
    for (int64_t i = from; i < to; i++) v[i] = em_join_mix(v[i]);
  }
  int64_t good = 0, lo = INT64_MAX, hi = INT64_MIN;
  for (int64_t i = from; i < to; i++) {
    if (j->bad[i]) continue;
    good++;
    int64_t x = (int64_t)v[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  j->good[t] = good;
  j->lo[t] = lo;
  j->hi[t] = hi;
}

static void phase_buckets(void *arg, int t) {
  build_job *j = arg;
  const em_join_ht *ht = j->ht;
  int64_t from, to;
  chunk_of(j, t, &from, &to);
  uint32_t *hist = j->hist + (size_t)t * (size_t)j->nparts;
  if (ht->layout == EM_JL_DENSE) {
    for (int64_t i = from; i < to; i++) j->bucket[i] = (uint32_t)(j->v[i] - (uint64_t)ht->dmin);
  } else {
    /* int_mode entries hold the key itself; others the (mixed) hash. */
    bool im = ht->int_keys;
    for (int64_t i = from; i < to; i++) j->bucket[i] = (uint32_t)((im ? em_join_mix(j->v[i]) : j->v[i]) >> ht->shift);
  }
  for (int64_t i = from; i < to; i++)
    if (!j->bad[i]) hist[j->bucket[i] >> j->pshift]++;
}

static void phase_scatter(void *arg, int t) {
  build_job *j = arg;
  int64_t from, to;
  chunk_of(j, t, &from, &to);
  uint32_t *off = j->hist + (size_t)t * (size_t)j->nparts;
  for (int64_t i = from; i < to; i++)
    if (!j->bad[i]) j->order[off[j->bucket[i] >> j->pshift]++] = (uint32_t)i;
}

static void phase_sort(void *arg, int t) {
  build_job *j = arg;
  em_join_ht *ht = j->ht;
  uint32_t *start = ht->start;
  bool dense = ht->layout == EM_JL_DENSE;
  for (int p = j->nparts * t / j->ntasks; p < j->nparts * (t + 1) / j->ntasks; p++) {
    int64_t b0 = (int64_t)p << j->pshift, b1 = (int64_t)(p + 1) << j->pshift;
    if (b1 > j->nb) b1 = j->nb;
    const uint32_t *rows = j->order + j->poff[p];
    int64_t nr = j->poff[p + 1] - j->poff[p];
    /* start[b] counts, then the end of bucket b; filling from the last row
     * down leaves start[b] at the bucket's first entry, in row order. */
    for (int64_t k = 0; k < nr; k++) start[j->bucket[rows[k]]]++;
    uint32_t run = j->poff[p];
    for (int64_t b = b0; b < b1; b++) {
      run += start[b];
      start[b] = run;
    }
    for (int64_t k = nr - 1; k >= 0; k--) {
      uint32_t i = rows[k], at = --start[j->bucket[i]];
      if (dense) {
        ((uint32_t *)j->ents)[at] = i;
      } else {
        em_join_ent *e = (em_join_ent *)j->ents + at;
        e->v = j->v[i];
        e->row = i;
        e->pad = 0;
      }
    }
  }
}

/* Runs fn(arg, t) for t < n: t = 0 on this thread, the others on the worker
 * pool (or here too when a task cannot be queued), and waits for all. The
 * caller is a query's own thread, never a pool worker, so waiting cannot
 * starve the pool. */
typedef struct par {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int left;
  void (*fn)(void *, int);
  void *arg;
} par;

typedef struct par_task {
  par *p;
  int t;
} par_task;

static void par_main(void *a) {
  par_task *pt = a;
  par *p = pt->p;
  p->fn(p->arg, pt->t);
  pthread_mutex_lock(&p->mu);
  if (--p->left == 0) pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static void parallel_for(int n, void (*fn)(void *, int), void *arg) {
  if (n <= 1) {
    fn(arg, 0);
    return;
  }
  par p = {.left = n - 1, .fn = fn, .arg = arg};
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  par_task *ts = em_calloc((size_t)n, sizeof *ts);
  for (int t = 1; t < n; t++) {
    if (ts) {
      ts[t].p = &p;
      ts[t].t = t;
    }
    if (!ts || em_pool_submit(par_main, &ts[t])) {
      fn(arg, t);
      pthread_mutex_lock(&p.mu);
      p.left--;
      pthread_mutex_unlock(&p.mu);
    }
  }
  fn(arg, 0);
  pthread_mutex_lock(&p.mu);
  while (p.left > 0) pthread_cond_wait(&p.cv, &p.mu);
  pthread_mutex_unlock(&p.mu);
  pthread_mutex_destroy(&p.mu);
  pthread_cond_destroy(&p.cv);
  em_free(ts);
}

static int build_table(const em_join_cfg *cfg, em_join_ht *ht, em_exec_ctx *ctx, em_error *err) {
  int64_t n = ht->n;
  build_job j = {.cfg = cfg, .ht = ht};
  int width = ctx->threads > 0 ? ctx->threads : em_pool_size();
  j.ntasks = n >= (1 << 17) ? (width < 64 ? width : 64) : 1;
  if (j.ntasks < 1) j.ntasks = 1;
  size_t rows = (size_t)(n ? n : 1), T = (size_t)j.ntasks;
  j.v = em_malloc(sizeof *j.v * rows);
  j.bad = em_calloc(rows, 1);
  j.bucket = em_malloc(sizeof *j.bucket * rows);
  j.good = em_calloc(T, sizeof *j.good);
  j.lo = em_calloc(T, sizeof *j.lo);
  j.hi = em_calloc(T, sizeof *j.hi);
  int rc = (!j.v || !j.bad || !j.bucket || !j.good || !j.lo || !j.hi) ? oom(err) : 0;
  int64_t good = 0;
  if (!rc) {
    parallel_for(j.ntasks, phase_keys, &j);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int t = 0; t < j.ntasks; t++) {
      good += j.good[t];
      if (j.good[t] && j.lo[t] < lo) lo = j.lo[t];
      if (j.good[t] && j.hi[t] > hi) hi = j.hi[t];
    }
    ht->int_keys = cfg->int_mode;
    ht->layout = EM_JL_BUCKETS;
    /* Dense integer keys (surrogate keys, mostly): a bucket per value. */
    if (cfg->int_mode && good > 0 && em_join_dense_key_type(cfg->build_keys[0]->type)) {
      uint64_t range = (uint64_t)hi - (uint64_t)lo;
      if (range < (uint64_t)(4 * good + 1024) && range < UINT32_MAX - 1) {
        ht->layout = EM_JL_DENSE;
        ht->dmin = lo;
        ht->drange = range + 1;
      }
    }
    int bits = 4;
    if (ht->layout == EM_JL_DENSE) {
      j.nb = (int64_t)ht->drange;
      while (((int64_t)1 << bits) < j.nb) bits++;
    } else {
      while (bits < 31 && ((int64_t)1 << bits) < n) bits++; /* bucket 2^bits stays free to mean "none" */
      j.nb = (int64_t)1 << bits;
      ht->shift = 64 - bits;
    }
    int pbits = bits < 8 ? bits : 8;
    j.nparts = 1 << pbits;
    j.pshift = bits - pbits;
    if (em_exec_cancelled(ctx)) rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  }
  size_t esize = ht->layout == EM_JL_DENSE ? sizeof(uint32_t) : sizeof(em_join_ent);
  if (!rc) rc = charge(ht, (int64_t)sizeof(uint32_t) * (j.nb + 1) + (int64_t)esize * good, err);
  if (!rc && !(ht->start = table_alloc(sizeof *ht->start * ((size_t)j.nb + 1), true, &ht->mem[0]))) rc = oom(err);
  if (!rc && !(j.ents = table_alloc(esize * (size_t)(good ? good : 1), false, &ht->mem[1]))) rc = oom(err);
  if (!rc && (!(j.hist = em_calloc(T * (size_t)j.nparts, sizeof *j.hist)) ||
              !(j.poff = em_calloc((size_t)j.nparts + 1, sizeof *j.poff)) ||
              !(j.order = em_malloc(sizeof *j.order * (size_t)(good ? good : 1)))))
    rc = oom(err);
  if (!rc) {
    parallel_for(j.ntasks, phase_buckets, &j);
    /* Partition p's rows start after every earlier partition's; within it,
     * chunk t's after those of the chunks before t. */
    uint32_t run = 0;
    for (int p = 0; p < j.nparts; p++) {
      j.poff[p] = run;
      for (int t = 0; t < j.ntasks; t++) {
        uint32_t c = j.hist[(size_t)t * (size_t)j.nparts + (size_t)p];
        j.hist[(size_t)t * (size_t)j.nparts + (size_t)p] = run;
        run += c;
      }
    }
    j.poff[j.nparts] = run;
    parallel_for(j.ntasks, phase_scatter, &j);
    if (em_exec_cancelled(ctx)) rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  }
  if (!rc) {
    parallel_for(j.ntasks, phase_sort, &j);
    ht->start[j.nb] = (uint32_t)good;
    if (ht->layout == EM_JL_DENSE)
      ht->row_list = j.ents;
    else
      ht->ent = j.ents;
  }
  em_free(j.v);
  em_free(j.bad);
  em_free(j.bucket);
  em_free(j.order);
  em_free(j.good);
  em_free(j.lo);
  em_free(j.hi);
  em_free(j.hist);
  em_free(j.poff);
  return rc;
}

static int build_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  em_join_ht *ht = state_of(s, ctx, err);
  if (!ht) return -1;
  s->out_parts = 0;
  if (ht->spill) return em_join_spill_build_finalize(s, ht, ctx, err);
  return em_join_ht_build(s, ht, ctx, err);
}

int em_join_ht_charge(em_join_ht *ht, int64_t n, em_error *err) { return charge(ht, n, err); }
void em_join_ht_uncharge(em_join_ht *ht, int64_t n) { uncharge(ht, n); }

int em_join_ht_add(em_join_ht *ht, em_batch *b, em_vec **keys, em_error *err) {
  if (ht->nin == ht->capin) {
    int ncap = ht->capin ? ht->capin * 2 : 16;
    em_batch **nb = em_realloc(ht->in, sizeof *nb * (size_t)ncap);
    if (nb) ht->in = nb;
    em_vec ***nk = nb ? em_realloc(ht->in_keys, sizeof *nk * (size_t)ncap) : NULL;
    if (nk) ht->in_keys = nk;
    if (!nb || !nk) return oom(err);
    ht->capin = ncap;
  }
  ht->in[ht->nin] = b;
  ht->in_keys[ht->nin] = keys;
  ht->nin++;
  return 0;
}

int em_join_ht_build(em_sink *s, em_join_ht *ht, em_exec_ctx *ctx, em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  if (gather_rows(s, ht, err)) return -1;
  int64_t n = ht->n;
  if (cfg->build_outer) {
    if (charge(ht, n, err)) return -1;
    if (!(ht->matched = em_calloc((size_t)(n ? n : 1), 1))) return oom(err);
  }
  if (cfg->nkeys == 0) return 0; /* a nested-loop join reads the rows directly */
  return build_table(cfg, ht, ctx, err);
}

static int build_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  (void)s, (void)local, (void)part, (void)ctx, (void)err;
  *out = NULL;
  return 0;
}

static void build_destroy(em_sink *s) {
  const em_join_cfg *cfg = s->cfg;
  em_join_ht *ht = s->state;
  if (!ht) return;
  em_join_ht_free(cfg, ht);
  s->state = NULL;
}

void em_join_ht_free(const em_join_cfg *cfg, em_join_ht *ht) {
  em_join_spill_free(ht->spill);
  for (int i = 0; i < ht->nin; i++) {
    em_batch_unref(ht->in[i]);
    free_keys(ht->in_keys[i], cfg->nkeys);
  }
  em_free(ht->in);
  em_free(ht->in_keys);
  if (ht->rows) em_batch_unref(ht->rows);
  free_keys(ht->keys, cfg->nkeys);
  for (int i = 0; i < 2; i++) em_free(ht->mem[i]);
  em_free(ht->matched);
  int64_t charged = atomic_load(&ht->charged);
  if (ht->mem_tracker && charged) em_memtracker_release(ht->mem_tracker, charged);
  em_free(ht);
}

const em_sink_vt em_sink_join_build_vt = {
    .name = "HashJoinBuild",
    .local_size = sizeof(build_local),
    .sink = build_sink,
    .combine = build_combine,
    .close_local = build_close_local,
    .finalize = build_finalize,
    .next = build_next,
    .destroy = build_destroy,
};
