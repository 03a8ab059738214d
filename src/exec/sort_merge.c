/*
 * The global sort's merge of its sorted runs (one per input partition).
 *
 * The merged order is the order of (key, run, position): ties go to the
 * lower run, then to the earlier position. That total order lets the
 * output be cut into segments by splitter rows: for a splitter at
 * position q of run j, the rows of the merge before it are, in each run
 * i, the rows whose key is <= the splitter's (i < j), the first q (i == j)
 * or the rows whose key is < the splitter's (i > j) -- binary searches,
 * since every run is sorted. Each segment is then an independent k-way
 * merge writing its own slice of mrun/mrow, and the segments run in
 * parallel on the pool: the result is the single merge's, row for row.
 *
 * Before the merge, each run's rows are rewritten in sorted order on the
 * task that sorted it (both cores at once), so the gather that builds the
 * output batches reads every run front to back instead of at random.
 */
#include "sort_int.h"

#include <stdatomic.h>
#include <string.h>

int64_t em_sort_merge_segment_rows = 1 << 18;

/* ---- rows in sorted order ---- */

/* The first key's column in sorted order, rebuilt from the sorted
 * prefixes when they hold the values exactly (no random reads); NULL when
 * they do not (or on OOM). */
static em_vec *decode_key0(const em_sort_cfg *cfg, const em_sort_run *r) {
  const em_vec *k0 = r->keys[0];
  if (!cfg->pfx || !cfg->pfx_exact || !r->pfx || !em_sort_key_decodable(k0->type)) return NULL;
  int64_t n = r->n, nn = n - r->nnull, nb0 = cfg->nulls_first[0] ? r->nnull : 0;
  int w = em_type_fixed_width(k0->type);
  em_vec *v = em_vec_new_uninit(k0->type, n);
  if (!v) return NULL;
  uint8_t *vals = em_vec_values(v);
  em_sort_key_decode(k0->type, r->pfx, nn, cfg->ascending[0], vals + (size_t)nb0 * (size_t)w);
  if (r->nnull) {
    int64_t z0 = cfg->nulls_first[0] ? 0 : nn;
    memset(vals + (size_t)z0 * (size_t)w, 0, (size_t)r->nnull * (size_t)w);
    if (em_vec_ensure_validity(v)) {
      em_vec_unref(v);
      return NULL;
    }
    for (int64_t i = z0; i < z0 + r->nnull; i++) em_bit_clear(v->validity->data, i);
    v->null_count = r->nnull;
  }
  return v;
}

int em_sort_run_reorder(const em_sort_cfg *cfg, em_sort_run *r, em_error *err) {
  int64_t n = r->n;
  if (n == 0 || !r->rows) return 0;
  int ncols = r->rows->ncols;
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  em_vec **keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *keys);
  int rc = cols && keys ? 0 : -1;
  for (int c = 0; !rc && c < ncols; c++) {
    if (r->rows->cols[c] == r->keys[0]) cols[c] = decode_key0(cfg, r);
    if (!cols[c] && !(cols[c] = em_vec_take(r->rows->cols[c], r->perm, n))) rc = -1;
  }
  for (int k = 0; !rc && k < cfg->nkeys; k++) {
    /* A key that is a column of the rows (a column reference) is shared. */
    for (int c = 0; c < ncols && !keys[k]; c++)
      if (r->keys[k] == r->rows->cols[c]) keys[k] = em_vec_ref(cols[c]);
    if (!keys[k] && !(keys[k] = em_vec_take(r->keys[k], r->perm, n))) rc = -1;
  }
  em_batch *rows = NULL;
  if (!rc) {
    rows = em_batch_new(em_type_ref(r->rows->schema), ncols, cols, n);
    if (!rows) rc = -1;
  } else {
    for (int c = 0; cols && c < ncols; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  }
  em_free(cols);
  if (rc) {
    for (int k = 0; keys && k < cfg->nkeys; k++)
      if (keys[k]) em_vec_unref(keys[k]);
    em_free(keys);
    return em_error_internal(err, "out of memory sorting");
  }
  em_batch_unref(r->rows);
  r->rows = rows;
  for (int k = 0; k < cfg->nkeys; k++) em_vec_unref(r->keys[k]);
  em_free(r->keys);
  r->keys = keys;
  for (int64_t i = 0; i < n; i++) r->perm[i] = (uint32_t)i;
  return 0;
}

/* ---- segments ---- */

/* The first position x of run a (in [lo, hi)) whose row comes after
 * position q of run b (strict: after or equal). */
static int64_t search(const em_sort_cfg *cfg, const em_sort_run *a, const em_sort_run *b, int64_t q, bool strict) {
  int64_t lo = 0, hi = a->n;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int c = em_sort_run_cmp(cfg, a, mid, b, q);
    if (strict ? c > 0 : c >= 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

typedef struct merge_job {
  const em_sort_cfg *cfg;
  em_sort_state *ss;
  em_exec_ctx *ctx;
  int nseg;
  int64_t *bounds; /* (nseg + 1) x nruns start positions */
  _Atomic int next;  /* next segment to claim */
  _Atomic int refs;  /* the caller and each submitted helper */
  _Atomic bool stop; /* cancelled */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done; /* segments finished (under mu) */
} merge_job;

/* k-way merge of segment g; runs are few, so a linear scan for the
 * minimum is cheaper than a heap. Ties go to the lower run. */
static void merge_segment(merge_job *j, int g) {
  const em_sort_cfg *cfg = j->cfg;
  em_sort_state *ss = j->ss;
  int nr = ss->nruns;
  int64_t pos[64], end[64];
  int64_t *posp = nr <= 64 ? pos : em_malloc(sizeof *posp * (size_t)nr);
  int64_t *endp = nr <= 64 ? end : em_malloc(sizeof *endp * (size_t)nr);
  if (!posp || !endp) {
    /* Cannot happen in practice (runs are one per partition); fall back
     * to stopping, which the caller reports as out of memory. */
    if (posp != pos) em_free(posp);
    if (endp != end) em_free(endp);
    atomic_store(&j->stop, true);
    return;
  }
  int64_t o = 0;
  for (int i = 0; i < nr; i++) {
    posp[i] = j->bounds[(int64_t)g * nr + i];
    endp[i] = j->bounds[(int64_t)(g + 1) * nr + i];
    o += posp[i];
  }
  int64_t stop_at = 0;
  for (int i = 0; i < nr; i++) stop_at += endp[i];
  const em_sort_run *r0 = &ss->runs[0], *r1 = nr == 2 ? &ss->runs[1] : NULL;
  if (r1 && cfg->pfx && cfg->pfx_exact && cfg->nkeys == 1 && r0->pfx && r1->pfx && r0->nnull == 0 &&
      r1->nnull == 0) {
    /* Two runs on one exact key without nulls: the prefixes decide, ties
     * to run 0. */
    const uint64_t *a = r0->pfx, *b = r1->pfx;
    int64_t i = posp[0], ie = endp[0], k = posp[1], ke = endp[1];
    while (o < stop_at) {
      if ((o & 0xffff) == 0 && (atomic_load(&j->stop) || em_exec_cancelled(j->ctx))) {
        atomic_store(&j->stop, true);
        break;
      }
      int64_t chunk = o + 0x10000 < stop_at ? o + 0x10000 : stop_at;
      for (; o < chunk; o++) {
        bool take1 = i >= ie || (k < ke && b[k] < a[i]);
        ss->mrun[o] = take1;
        ss->mrow[o] = take1 ? r1->perm[k++] : r0->perm[i++];
      }
    }
    if (posp != pos) em_free(posp);
    if (endp != end) em_free(endp);
    return;
  }
  for (; o < stop_at; o++) {
    if ((o & 0xffff) == 0 && (atomic_load(&j->stop) || em_exec_cancelled(j->ctx))) {
      atomic_store(&j->stop, true);
      break;
    }
    int best = -1;
    for (int i = 0; i < nr; i++) {
      if (posp[i] >= endp[i]) continue;
      if (best < 0 ||
          em_sort_run_cmp(cfg, &ss->runs[i], posp[i], &ss->runs[best], posp[best]) < 0)
        best = i;
    }
    ss->mrun[o] = (uint32_t)best;
    ss->mrow[o] = ss->runs[best].perm[posp[best]++];
  }
  if (posp != pos) em_free(posp);
  if (endp != end) em_free(endp);
}

static void job_release(merge_job *j) {
  if (atomic_fetch_sub(&j->refs, 1) != 1) return;
  pthread_mutex_destroy(&j->mu);
  pthread_cond_destroy(&j->cv);
  em_free(j->bounds);
  em_free(j);
}

/* Claims and merges segments until none is left. */
static void job_work(merge_job *j) {
  for (;;) {
    int g = atomic_fetch_add(&j->next, 1);
    if (g >= j->nseg) break;
    merge_segment(j, g);
    pthread_mutex_lock(&j->mu);
    j->done++;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
  }
}

static void helper_main(void *arg) {
  merge_job *j = arg;
  job_work(j);
  job_release(j);
}

int em_sort_merge_runs(const em_sort_cfg *cfg, em_sort_state *ss, em_exec_ctx *ctx, em_error *err) {
  int nr = ss->nruns;
  int64_t total = 0;
  int big = 0;
  for (int i = 0; i < nr; i++) {
    total += ss->runs[i].n;
    if (ss->runs[i].n > ss->runs[big].n) big = i;
  }
  int width = ctx->threads > 0 ? ctx->threads : em_pool_size();
  int64_t seg_rows = em_sort_merge_segment_rows > 0 ? em_sort_merge_segment_rows : 1;
  int64_t nseg = total / seg_rows;
  if (nseg > 4 * (int64_t)width) nseg = 4 * (int64_t)width;
  if (nseg > ss->runs[big].n) nseg = ss->runs[big].n;
  if (nseg < 1) nseg = 1;
  merge_job *j = em_calloc(1, sizeof *j);
  if (!j) return em_error_internal(err, "out of memory merging sorted runs");
  j->bounds = em_calloc((size_t)(nseg + 1) * (size_t)nr, sizeof *j->bounds);
  if (!j->bounds) {
    em_free(j);
    return em_error_internal(err, "out of memory merging sorted runs");
  }
  j->cfg = cfg;
  j->ss = ss;
  j->ctx = ctx;
  j->nseg = (int)nseg;
  atomic_init(&j->next, 0);
  atomic_init(&j->refs, 1);
  atomic_init(&j->stop, false);
  pthread_mutex_init(&j->mu, NULL);
  pthread_cond_init(&j->cv, NULL);
  /* Boundaries: splitters at even positions of the largest run; the
   * first boundary is every run's start, the last every run's end. */
  for (int i = 0; i < nr; i++) j->bounds[nseg * nr + i] = ss->runs[i].n;
  const em_sort_run *b = &ss->runs[big];
  for (int64_t g = 1; g < nseg; g++) {
    int64_t q = b->n * g / nseg;
    for (int i = 0; i < nr; i++)
      j->bounds[g * nr + i] = i == big ? q : search(cfg, &ss->runs[i], b, q, i < big);
  }
  /* Helpers on the pool; this thread works too, so the merge finishes
   * even when the pool is busy elsewhere. */
  int helpers = (int)(nseg - 1 < width - 1 ? nseg - 1 : width - 1);
  for (int h = 0; h < helpers; h++) {
    atomic_fetch_add(&j->refs, 1);
    if (em_pool_submit(helper_main, j)) {
      atomic_fetch_sub(&j->refs, 1);
      break;
    }
  }
  job_work(j);
  pthread_mutex_lock(&j->mu);
  while (j->done < j->nseg) pthread_cond_wait(&j->cv, &j->mu);
  pthread_mutex_unlock(&j->mu);
  bool stopped = atomic_load(&j->stop);
  job_release(j);
  if (!stopped) return 0;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  return em_error_internal(err, "out of memory merging sorted runs");
}
