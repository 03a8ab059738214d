/*
 * The global sort on one exact key, by buckets of the key's prefix, with
 * output while the rest is still being sorted.
 *
 * The merge path (sort_merge.c) sorts every run completely before the
 * first row can leave. Here the runs only find the range of their
 * prefixes (on the task that collected them, both cores at once);
 * finalize takes the global range, cuts it into buckets by the high bits
 * of the prefix, and scatters every row into its bucket as one word: the
 * prefix's distance from the minimum with the row's global number (runs
 * in partition order, rows in order) below it, or a (prefix, number) pair
 * when the range is wider than 32 bits. A bucket then holds its rows in
 * (run, row) order, and a stable radix sort of a bucket by the remaining
 * prefix bits orders it as the merge would: by key, ties to the lower run
 * and the earlier row. Rows whose key is null form their own block, first
 * or last, in (run, row) order.
 *
 * Buckets are sorted in order by helper tasks on the pool and by the
 * output task itself when it needs a bucket nobody has taken yet, so the
 * first batches leave once the first buckets are sorted, while the
 * other core sorts the rest. The key column of the output is rebuilt
 * from the sorted prefixes (integers and the types stored as integers);
 * other columns are gathered from the runs.
 *
 * Small sorts are sorted whole in finalize, without helpers.
 */
#include "sort_int.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

int64_t em_sort_bucket_rows = 8192;
int64_t em_sort_bucket_async_rows = 1 << 16;

/* The most buckets times runs (the scatter's histograms). */
#define MAX_HIST_CELLS (1 << 20)
/* The most buckets: the scatter writes to every bucket at once, and more
 * streams than this miss the TLB on most writes. */
#define MAX_BUCKETS 1024

typedef struct bucket_job {
  int nr;
  int64_t *base;    /* nr + 1: global number of each run's row 0 */
  int64_t nn;       /* rows with a non-null key */
  int64_t nnull;    /* rows with a null key */
  uint32_t *nullg;  /* their global numbers, in order */
  uint64_t mn;      /* the least prefix */
  int shift;        /* bucket = (prefix - mn) >> shift */
  int nb;           /* buckets */
  bool packed;      /* words (prefix - mn) << 32 | number, else items */
  uint64_t *w;      /* packed: nn words */
  em_sort_item *it; /* wide: nn items (key = prefix - mn) */
  void *mem;        /* the allocation holding w or it */
  int64_t *bstart;  /* nb + 1 */
  int64_t *hist;    /* nr x nb scatter offsets */
  _Atomic uint8_t *done;
  _Atomic int next; /* next bucket to claim */
  _Atomic int refs;
  _Atomic bool stop;
  _Atomic bool oom;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} bucket_job;

bool em_sort_bucketed(const em_sort_cfg *cfg) {
  return cfg->global && cfg->limit <= 0 && cfg->pfx && cfg->pfx_exact && cfg->nkeys == 1;
}

/* Prefixes are encoded a chunk at a time into a buffer that stays in
 * L1, twice (for the range, then for the scatter), rather than stored:
 * re-encoding is cheaper than writing and reading them back. */
#define CHUNK 1024

/* The prefixes of run r's non-null rows [i, i + m) (m <= CHUNK), in order. */
static void encode_chunk(const em_sort_cfg *cfg, const em_sort_run *r, int64_t i, int64_t m, uint64_t *out) {
  uint32_t rows[CHUNK];
  const uint32_t *src = r->perm + i;
  if (!r->nnull) {
    for (int64_t k = 0; k < m; k++) rows[k] = (uint32_t)(i + k);
    src = rows;
  }
  em_sort_key_encode(r->keys[0], src, m, cfg->ascending[0], out);
}

int em_sort_run_prepare(const em_sort_cfg *cfg, em_sort_run *r, em_error *err) {
  (void)err;
  int64_t n = r->n;
  r->unsorted = true;
  if (n == 0) return 0;
  const em_vec *k0 = r->keys[0];
  int64_t nnull = k0->validity ? k0->null_count : 0, nn = n - nnull;
  r->nnull = nnull;
  /* With nulls, perm: the non-null rows, then the null rows, each in
   * order (without, the order is the identity and perm is not read). */
  if (nnull) {
    const uint8_t *bits = k0->validity->data;
    int64_t a = 0, b = nn;
    for (int64_t i = 0; i < n; i++) {
      if (em_bit_get(bits, i))
        r->perm[a++] = (uint32_t)i;
      else
        r->perm[b++] = (uint32_t)i;
    }
  }
  uint64_t mn = UINT64_MAX, mx = 0, pk[CHUNK];
  for (int64_t i = 0; i < nn; i += CHUNK) {
    int64_t m = nn - i < CHUNK ? nn - i : CHUNK;
    encode_chunk(cfg, r, i, m, pk);
    for (int64_t k = 0; k < m; k++) {
      mn = pk[k] < mn ? pk[k] : mn;
      mx = pk[k] > mx ? pk[k] : mx;
    }
  }
  r->pmin = mn;
  r->pmax = mx;
  return 0;
}

/* ---- running a function over [0, n) on the pool ---- */

typedef struct par_job {
  void (*fn)(void *arg, int i);
  void *arg;
  int n;
  _Atomic int next;
  _Atomic int refs;
  int done;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} par_job;

static void par_release(par_job *p) {
  if (atomic_fetch_sub(&p->refs, 1) != 1) return;
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  em_free(p);
}

static void par_work(par_job *p) {
  for (;;) {
    int i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n) break;
    p->fn(p->arg, i);
    pthread_mutex_lock(&p->mu);
    p->done++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
}

static void par_helper(void *arg) {
  par_work(arg);
  par_release(arg);
}

/* Runs fn(arg, i) for every i < n, on this thread and up to width - 1
 * pool helpers; returns when all are done. -1 on OOM (nothing ran). */
static int par_for(int n, int width, void (*fn)(void *, int), void *arg) {
  if (n <= 1 || width <= 1) {
    for (int i = 0; i < n; i++) fn(arg, i);
    return 0;
  }
  par_job *p = em_calloc(1, sizeof *p);
  if (!p) return -1;
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  atomic_init(&p->next, 0);
  atomic_init(&p->refs, 1);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  int helpers = n - 1 < width - 1 ? n - 1 : width - 1;
  for (int h = 0; h < helpers; h++) {
    atomic_fetch_add(&p->refs, 1);
    if (em_pool_submit(par_helper, p)) {
      atomic_fetch_sub(&p->refs, 1);
      break;
    }
  }
  par_work(p);
  pthread_mutex_lock(&p->mu);
  while (p->done < p->n) pthread_cond_wait(&p->cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
  par_release(p);
  return 0;
}

/* ---- the scatter ---- */

/* The bucket of k = prefix - min (a shift of 64 means one bucket). */
static inline uint64_t bucket_key(uint64_t k, int shift) { return shift >= 64 ? 0 : k >> shift; }

typedef struct scatter_arg {
  const em_sort_cfg *cfg;
  bucket_job *j;
  em_sort_state *ss;
} scatter_arg;

static void run_histogram(void *arg, int r) {
  scatter_arg *a = arg;
  bucket_job *j = a->j;
  const em_sort_run *run = &a->ss->runs[r];
  int64_t nn = run->n - run->nnull, *h = j->hist + (int64_t)r * j->nb;
  uint64_t pk[CHUNK];
  for (int64_t i = 0; i < nn; i += CHUNK) {
    int64_t m = nn - i < CHUNK ? nn - i : CHUNK;
    encode_chunk(a->cfg, run, i, m, pk);
    for (int64_t k = 0; k < m; k++) h[bucket_key(pk[k] - j->mn, j->shift)]++;
  }
}

static void run_scatter(void *arg, int r) {
  scatter_arg *a = arg;
  bucket_job *j = a->j;
  const em_sort_run *run = &a->ss->runs[r];
  int64_t nn = run->n - run->nnull, *h = j->hist + (int64_t)r * j->nb;
  const uint32_t *perm = run->nnull ? run->perm : NULL;
  uint64_t base = (uint64_t)j->base[r], mn = j->mn, pk[CHUNK];
  int shift = j->shift;
  for (int64_t i = 0; i < nn; i += CHUNK) {
    int64_t m = nn - i < CHUNK ? nn - i : CHUNK;
    encode_chunk(a->cfg, run, i, m, pk);
    if (j->packed) {
      uint64_t *w = j->w;
      for (int64_t k = 0; k < m; k++) {
        uint64_t key = pk[k] - mn, g = base + (perm ? perm[i + k] : (uint64_t)(i + k));
        w[h[bucket_key(key, shift)]++] = key << 32 | g;
      }
    } else {
      em_sort_item *it = j->it;
      for (int64_t k = 0; k < m; k++) {
        uint64_t key = pk[k] - mn, g = base + (perm ? perm[i + k] : (uint64_t)(i + k));
        it[h[bucket_key(key, shift)]++] = (em_sort_item){key, (uint32_t)g};
      }
    }
  }
}

/* ---- bucket sorting ---- */

static void job_release(bucket_job *j) {
  if (atomic_fetch_sub(&j->refs, 1) != 1) return;
  pthread_mutex_destroy(&j->mu);
  pthread_cond_destroy(&j->cv);
  em_free(j->base);
  em_free(j->nullg);
  em_free(j->mem);
  em_free(j->bstart);
  em_free(j->hist);
  em_free((void *)j->done);
  em_free(j);
}

/* Sorts bucket b (stable: its rows are in number order already). */
static void sort_bucket(bucket_job *j, int b) {
  int64_t lo = j->bstart[b], n = j->bstart[b + 1] - lo;
  if (n > 1 && j->shift > 0) {
    if (j->packed) {
      uint64_t *tmp = em_malloc(sizeof *tmp * (size_t)n);
      uint64_t *r = tmp ? em_sort_radix_u64(j->w + lo, tmp, n, 32, j->shift) : NULL;
      if (!r)
        atomic_store(&j->oom, true);
      else if (r != j->w + lo)
        memcpy(j->w + lo, r, sizeof *r * (size_t)n);
      em_free(tmp);
    } else {
      em_sort_item *tmp = em_malloc(sizeof *tmp * (size_t)n);
      em_sort_item *r = tmp ? em_sort_radix(j->it + lo, tmp, n) : NULL;
      if (!r)
        atomic_store(&j->oom, true);
      else if (r != j->it + lo)
        memcpy(j->it + lo, r, sizeof *r * (size_t)n);
      em_free(tmp);
    }
  }
  pthread_mutex_lock(&j->mu);
  atomic_store(&j->done[b], 1);
  pthread_cond_broadcast(&j->cv);
  pthread_mutex_unlock(&j->mu);
}

/* Claims and sorts the next bucket; false when every bucket is taken. */
static bool sort_one(bucket_job *j) {
  if (atomic_load(&j->stop)) return false;
  int b = atomic_fetch_add(&j->next, 1);
  if (b >= j->nb) return false;
  sort_bucket(j, b);
  return true;
}

static void helper_main(void *arg) {
  bucket_job *j = arg;
  while (sort_one(j)) {
  }
  job_release(j);
}

/* Waits until bucket b is sorted, sorting buckets in order meanwhile. */
static int wait_bucket(bucket_job *j, int b, em_exec_ctx *ctx, em_error *err) {
  while (!atomic_load(&j->done[b])) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    if (sort_one(j)) continue;
    pthread_mutex_lock(&j->mu);
    while (!atomic_load(&j->done[b])) pthread_cond_wait(&j->cv, &j->mu);
    pthread_mutex_unlock(&j->mu);
  }
  if (atomic_load(&j->oom)) return em_error_internal(err, "out of memory sorting");
  return 0;
}

/* ---- start ---- */

/* The bucket array: a big one is aligned to 2 MiB and marked for
 * transparent huge pages (the scatter writes all over it: 4 KiB pages
 * would cost a fault each and a TLB miss on most writes). *mem receives
 * what to free. NULL on OOM. */
static void *big_alloc(size_t n, void **mem) {
  const size_t huge = (size_t)2 << 20;
  if (n < 2 * huge) return *mem = em_malloc(n);
  uint8_t *raw = em_malloc(n + huge);
  if (!raw) return *mem = NULL;
  *mem = raw;
  uint8_t *p = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
  madvise(p, n & ~(huge - 1), MADV_HUGEPAGE);
  return p;
}

int em_sort_bucket_start(const em_sort_cfg *cfg, em_sort_state *ss, em_exec_ctx *ctx, em_error *err) {
  int nr = ss->nruns;
  bucket_job *j = em_calloc(1, sizeof *j);
  if (!j) return em_error_internal(err, "out of memory sorting");
  pthread_mutex_init(&j->mu, NULL);
  pthread_cond_init(&j->cv, NULL);
  atomic_init(&j->refs, 1);
  atomic_init(&j->next, 0);
  atomic_init(&j->stop, false);
  atomic_init(&j->oom, false);
  j->nr = nr;
  ss->bucket = j;
  j->base = em_calloc((size_t)nr + 1, sizeof *j->base);
  if (!j->base) return em_error_internal(err, "out of memory sorting");
  bool any = false;
  uint64_t mn = UINT64_MAX, mx = 0;
  for (int r = 0; r < nr; r++) {
    const em_sort_run *run = &ss->runs[r];
    j->base[r + 1] = j->base[r] + run->n;
    j->nn += run->n - run->nnull;
    j->nnull += run->nnull;
    if (run->n - run->nnull > 0) {
      mn = run->pmin < mn ? run->pmin : mn;
      mx = run->pmax > mx ? run->pmax : mx;
      any = true;
    }
  }
  ss->mn = j->base[nr];
  j->nullg = em_malloc(sizeof *j->nullg * (size_t)(j->nnull ? j->nnull : 1));
  if (!j->nullg) return em_error_internal(err, "out of memory sorting");
  for (int r = 0, k = 0; r < nr; r++) {
    const em_sort_run *run = &ss->runs[r];
    for (int64_t i = run->n - run->nnull; i < run->n; i++) j->nullg[k++] = (uint32_t)(j->base[r] + run->perm[i]);
  }
  /* Buckets: the high bits of (prefix - min), about em_sort_bucket_rows
   * rows each when the keys spread evenly. */
  int bits = any && mx > mn ? 64 - __builtin_clzll(mx - mn) : 0;
  int64_t want = j->nn / (em_sort_bucket_rows > 0 ? em_sort_bucket_rows : 1);
  int64_t cap = MAX_HIST_CELLS / (nr > 0 ? nr : 1);
  if (want > cap) want = cap;
  if (want > MAX_BUCKETS) want = MAX_BUCKETS;
  int bb = 0;
  while (bb < bits && ((int64_t)1 << (bb + 1)) <= want) bb++;
  j->mn = any ? mn : 0;
  j->shift = bits - bb;
  j->nb = 1 << bb;
  j->packed = bits <= 32;
  j->bstart = em_calloc((size_t)j->nb + 1, sizeof *j->bstart);
  j->hist = em_calloc((size_t)nr * (size_t)j->nb + 1, sizeof *j->hist);
  j->done = em_calloc((size_t)j->nb, sizeof *j->done);
  if (j->packed)
    j->w = big_alloc(sizeof *j->w * (size_t)(j->nn ? j->nn : 1), &j->mem);
  else
    j->it = big_alloc(sizeof *j->it * (size_t)(j->nn ? j->nn : 1), &j->mem);
  if (!j->bstart || !j->hist || !j->done || (!j->w && !j->it)) return em_error_internal(err, "out of memory sorting");
  /* Small sorts stay on this thread: no pool round trips. */
  bool small = j->nn < em_sort_bucket_async_rows;
  int width = small ? 1 : ctx->threads > 0 ? ctx->threads : em_pool_size();
  scatter_arg sa = {cfg, j, ss};
  if (par_for(nr, width, run_histogram, &sa)) return em_error_internal(err, "out of memory sorting");
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  /* Offsets: bucket by bucket, and within a bucket run by run. */
  int64_t at = 0;
  for (int b = 0; b < j->nb; b++) {
    j->bstart[b] = at;
    for (int r = 0; r < nr; r++) {
      int64_t c = j->hist[(int64_t)r * j->nb + b];
      j->hist[(int64_t)r * j->nb + b] = at;
      at += c;
    }
  }
  j->bstart[j->nb] = at;
  if (par_for(nr, width, run_scatter, &sa)) return em_error_internal(err, "out of memory sorting");
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  if (width <= 1) {
    while (sort_one(j)) {
    }
    return atomic_load(&j->oom) ? em_error_internal(err, "out of memory sorting") : 0;
  }
  /* Helpers sort ahead of the output; the output task sorts too when it
   * catches up with them. */
  int helpers = width - 1 < j->nb ? width - 1 : j->nb;
  for (int h = 0; h < helpers; h++) {
    atomic_fetch_add(&j->refs, 1);
    if (em_pool_submit(helper_main, j)) {
      atomic_fetch_sub(&j->refs, 1);
      break;
    }
  }
  return 0;
}

void em_sort_bucket_free(em_sort_state *ss) {
  bucket_job *j = ss->bucket;
  if (!j) return;
  ss->bucket = NULL;
  atomic_store(&j->stop, true);
  job_release(j);
}

/* ---- output ---- */

/* The bucket holding non-null position q (bstart[b] <= q < bstart[b + 1]). */
static int bucket_of(const bucket_job *j, int64_t q) {
  int lo = 0, hi = j->nb - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if (j->bstart[mid] <= q)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/* The run of global number g. */
static int run_of(const bucket_job *j, uint64_t g) {
  int lo = 0, hi = j->nr - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if ((uint64_t)j->base[mid] <= g)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

static uint64_t word_number(const bucket_job *j, int64_t q) {
  return j->packed ? (uint32_t)j->w[q] : j->it[q].idx;
}

static uint64_t word_prefix(const bucket_job *j, int64_t q) {
  return (j->packed ? j->w[q] >> 32 : j->it[q].key) + j->mn;
}

int em_sort_bucket_next(em_sink *s, em_sort_state *ss, em_sort_out_local *st, em_batch **out, em_exec_ctx *ctx,
                        em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  bucket_job *j = ss->bucket;
  int64_t total = j->nn + j->nnull;
  if (st->pos >= total) return 0;
  int64_t pos = st->pos, m = total - pos < ctx->batch_rows ? total - pos : ctx->batch_rows;
  /* Positions [z0, z0 + nnull) are the null block. */
  int64_t z0 = cfg->nulls_first[0] ? 0 : j->nn, q0 = pos - (cfg->nulls_first[0] ? j->nnull : 0);
  /* The non-null part of this batch: positions [pos + a, pos + e) are
   * non-null positions [q0 + a, q0 + e). */
  int64_t a = 0, e = m;
  if (cfg->nulls_first[0] && pos < j->nnull) a = j->nnull - pos < m ? j->nnull - pos : m;
  if (!cfg->nulls_first[0] && pos + m > j->nn) e = j->nn - pos > 0 ? j->nn - pos : 0;
  if (a < e) {
    int b1 = bucket_of(j, q0 + e - 1);
    for (int b = bucket_of(j, q0 + a); b <= b1; b++)
      if (wait_bucket(j, b, ctx, err)) return -1;
  }
  int ncols = s->in_schema->u.st.nfields;
  /* The key column, when it is a column of the rows, is rebuilt from the
   * prefixes; the other columns are gathered. */
  const em_expr *kx = cfg->keys[0];
  int keycol = -1;
  if (kx->kind == EM_EX_COLUMN && kx->u.column >= 0 && kx->u.column < ncols &&
      em_type_equal(s->in_schema->u.st.fields[kx->u.column].type, kx->type, true) && em_sort_key_decodable(kx->type))
    keycol = kx->u.column;
  bool gather = ncols > (keycol >= 0);
  uint32_t *sel = gather ? em_malloc(sizeof *sel * (size_t)(m ? m : 1)) : NULL;
  uint32_t *idx = gather ? em_malloc(sizeof *idx * (size_t)(m ? m : 1)) : NULL;
  uint64_t *pk = keycol >= 0 ? em_malloc(sizeof *pk * (size_t)(m ? m : 1)) : NULL;
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  em_vec **srcs = em_calloc((size_t)j->nr + 1, sizeof *srcs);
  int rc = (!gather || (sel && idx)) && (keycol < 0 || pk) && cols && srcs ? 0 : -1;
  if (!rc && pk)
    for (int64_t i = a; i < e; i++) pk[i] = word_prefix(j, q0 + i);
  for (int64_t i = 0; !rc && gather && i < m; i++) {
    int64_t p = pos + i;
    uint64_t g = p >= z0 && p < z0 + j->nnull ? j->nullg[p - z0] : word_number(j, q0 + i);
    int r = run_of(j, g);
    sel[i] = (uint32_t)r;
    idx[i] = (uint32_t)(g - (uint64_t)j->base[r]);
  }
  for (int c = 0; !rc && c < ncols; c++) {
    em_type *ct = s->in_schema->u.st.fields[c].type;
    if (c == keycol) {
      /* The key column from its prefixes: no gather. */
      int w = em_type_fixed_width(ct);
      em_vec *v = em_vec_new_uninit(ct, m);
      if (!v) {
        rc = -1;
        break;
      }
      uint8_t *vals = em_vec_values(v);
      if (a < e) em_sort_key_decode(ct, pk + a, e - a, cfg->ascending[0], vals + (size_t)a * (size_t)w);
      if (a > 0 || e < m) {
        memset(vals, 0, (size_t)a * (size_t)w);
        memset(vals + (size_t)e * (size_t)w, 0, (size_t)(m - e) * (size_t)w);
        if (em_vec_ensure_validity(v)) {
          em_vec_unref(v);
          rc = -1;
          break;
        }
        for (int64_t i = 0; i < a; i++) em_bit_clear(v->validity->data, i);
        for (int64_t i = e; i < m; i++) em_bit_clear(v->validity->data, i);
        v->null_count = a + (m - e);
      }
      cols[c] = v;
      continue;
    }
    em_vec *any = NULL;
    for (int r = 0; r < j->nr; r++) {
      srcs[r] = ss->runs[r].rows ? ss->runs[r].rows->cols[c] : NULL;
      if (srcs[r]) any = srcs[r];
    }
    for (int r = 0; r < j->nr; r++)
      if (!srcs[r]) srcs[r] = any;
    if (!(cols[c] = em_vec_take_multi(srcs, j->nr, sel, idx, m))) rc = -1;
  }
  em_free(sel);
  em_free(idx);
  em_free(pk);
  em_free(srcs);
  if (!rc) {
    *out = em_batch_new(em_type_ref(s->in_schema), ncols, cols, m);
    if (!*out) rc = -1;
  } else {
    for (int c = 0; cols && c < ncols; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  }
  em_free(cols);
  if (rc) return em_error_internal(err, "out of memory gathering sorted rows");
  st->pos += m;
  return 0;
}
