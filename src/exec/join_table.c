/*
 * The build side of the hash join: a sink that collects its input and, once
 * every task is done, builds the hash table the probe operator reads.
 *
 * Algorithm. Tasks evaluate the build keys of their batches and keep batch
 * and keys (sink, no locking); a task's list joins the shared list when its
 * partition ends (combine, under the sink's mutex). finalize concatenates
 * all rows and keys into one batch (so a build row is one 32-bit index and
 * the output gathers with em_vec_take), hashes every row whose keys can
 * match (a NULL in an `=` key cannot), and lays the table out as one array
 * of entries grouped by bucket with a counting sort: bucket b holds
 * ent[start[b] .. start[b + 1]), in row order. There are as many buckets as
 * the next power of two above the row count (a load of 0.5 to 1), so a
 * probe reads start[b], start[b + 1] and then a short contiguous run of
 * entries; duplicate keys sit next to each other. With a single 1..8 byte
 * key (int_mode) an entry holds the key itself instead of the hash, and a
 * probe compares it directly without touching the key column.
 *
 * Memory. Input batches are charged to the query's tracker as they arrive;
 * finalize charges the concatenated copy and the table before building them
 * and releases the inputs afterwards. Over the budget the query fails with
 * UNABLE_TO_ACQUIRE_MEMORY: the build side does not spill (yet).
 *
 * Parallelism. Collection runs on all tasks; the table is built by one
 * thread in finalize (a linear pass and a counting sort), then shared
 * read-only by every probe task.
 */
#include "join_int.h"

#include <string.h>
#include <sys/mman.h>

typedef struct build_local {
  em_batch **batches;
  em_vec ***keys;
  int n, cap;
} build_local;

static int oom(em_error *err) { return em_error_internal(err, "out of memory building a hash join"); }

static void free_keys(em_vec **keys, int n) {
  if (!keys) return;
  for (int k = 0; k < n; k++)
    if (keys[k]) em_vec_unref(keys[k]);
  em_free(keys);
}

/* Charges n bytes to the query (no tracker: nothing to do). */
static int charge(em_join_ht *ht, int64_t n, em_error *err) {
  if (!ht->mem || n <= 0) return 0;
  if (em_memtracker_reserve(ht->mem, n, err)) return -1;
  ht->charged += n;
  return 0;
}

static void uncharge(em_join_ht *ht, int64_t n) {
  if (!ht->mem || n <= 0) return;
  em_memtracker_release(ht->mem, n);
  ht->charged -= n;
}

static em_join_ht *state_of(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) {
    em_join_ht *ht = em_calloc(1, sizeof *ht);
    if (ht) ht->mem = ctx->mem;
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
  if (charge(ht, (int64_t)em_batch_bytes(b), err)) return -1;
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

static int build_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  const em_join_cfg *cfg = s->cfg;
  em_join_ht *ht = state_of(s, ctx, err);
  if (!ht) return -1;
  s->out_parts = 0;
  if (gather_rows(s, ht, err)) return -1;
  int64_t n = ht->n;
  if (cfg->build_outer) {
    if (charge(ht, n, err)) return -1;
    if (!(ht->matched = em_calloc((size_t)(n ? n : 1), 1))) return oom(err);
  }
  if (cfg->nkeys == 0) return 0; /* a nested-loop join reads the rows directly */
  uint64_t *v = em_malloc(sizeof *v * (size_t)(n ? n : 1));
  uint32_t *bucket = em_malloc(sizeof *bucket * (size_t)(n ? n : 1));
  uint8_t *bad = em_calloc((size_t)(n ? n : 1), 1);
  int rc = (!v || !bucket || !bad) ? oom(err) : 0;
  int64_t good = 0, nb = 0;
  if (!rc) {
    em_join_null_rows(ht->keys, cfg->null_safe, cfg->nkeys, n, bad);
    for (int64_t i = 0; i < n; i++) good += !bad[i];
    if (cfg->int_mode) {
      em_join_int_keys(ht->keys[0], n, v);
    } else {
      memset(v, 0, sizeof *v * (size_t)n);
      for (int k = 0; k < cfg->nkeys; k++) em_join_hash(ht->keys[k], n, v);
      for (int64_t i = 0; i < n; i++) v[i] = em_join_mix(v[i]);
    }
    /* Dense integer keys (surrogate keys, mostly): a bucket per key value. */
    if (cfg->int_mode && good > 0 && em_join_dense_key_type(cfg->build_keys[0]->type)) {
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      for (int64_t i = 0; i < n; i++) {
        if (bad[i]) continue;
        int64_t x = (int64_t)v[i];
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      uint64_t range = (uint64_t)hi - (uint64_t)lo;
      if (range < (uint64_t)(4 * good + 1024) && range < UINT32_MAX - 1) {
        ht->dense = true;
        ht->dmin = lo;
        ht->drange = range + 1;
      }
    }
    if (ht->dense) {
      nb = (int64_t)ht->drange;
      for (int64_t i = 0; i < n; i++) bucket[i] = (uint32_t)(v[i] - (uint64_t)ht->dmin);
    } else {
      int bits = 4;
      while (((int64_t)1 << bits) < n) bits++;
      nb = (int64_t)1 << bits;
      ht->shift = 64 - bits;
      for (int64_t i = 0; i < n; i++) bucket[i] = (uint32_t)((cfg->int_mode ? em_join_mix(v[i]) : v[i]) >> ht->shift);
    }
    size_t esize = ht->dense ? sizeof(uint32_t) : sizeof(em_join_ent);
    if (charge(ht, (int64_t)sizeof(uint32_t) * (nb + 1) + (int64_t)esize * good, err)) rc = -1;
    if (!rc && !(ht->start = table_alloc(sizeof *ht->start * ((size_t)nb + 1), true, &ht->start_mem))) rc = oom(err);
    if (!rc && !(ht->ent = table_alloc(esize * (size_t)(good ? good : 1), false, &ht->ent_mem))) rc = oom(err);
  }
  if (!rc) {
    /* Counting sort by bucket: start[b + 1] counts, then running ends;
     * filling from the last row down leaves start[b] at the bucket's
     * first entry and the bucket in row order. */
    uint32_t *start = ht->start;
    for (int64_t i = 0; i < n; i++)
      if (!bad[i]) start[bucket[i] + 1]++;
    for (int64_t b = 0; b < nb; b++) start[b + 1] += start[b];
    /* start[b + 1] is now the end of bucket b: make start[b] that end. */
    for (int64_t b = 0; b < nb; b++) start[b] = start[b + 1];
    if (ht->dense) {
      uint32_t *rows = (uint32_t *)ht->ent;
      for (int64_t i = n - 1; i >= 0; i--)
        if (!bad[i]) rows[--start[bucket[i]]] = (uint32_t)i;
    } else {
      for (int64_t i = n - 1; i >= 0; i--) {
        if (bad[i]) continue;
        uint32_t at = --start[bucket[i]];
        ht->ent[at].v = v[i];
        ht->ent[at].row = (uint32_t)i;
        ht->ent[at].pad = 0;
      }
    }
  }
  em_free(v);
  em_free(bucket);
  em_free(bad);
  return rc;
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
  for (int i = 0; i < ht->nin; i++) {
    em_batch_unref(ht->in[i]);
    free_keys(ht->in_keys[i], cfg->nkeys);
  }
  em_free(ht->in);
  em_free(ht->in_keys);
  if (ht->rows) em_batch_unref(ht->rows);
  free_keys(ht->keys, cfg->nkeys);
  em_free(ht->start_mem);
  em_free(ht->ent_mem);
  em_free(ht->matched);
  if (ht->mem && ht->charged) em_memtracker_release(ht->mem, ht->charged);
  em_free(ht);
  s->state = NULL;
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
