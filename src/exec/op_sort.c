/*
 * Sort: orderBy (a global total order) and sortWithinPartitions.
 *
 * The sort is a sink. Each task evaluates the sort keys of its batches and
 * keeps batch and keys; when its partition ends (combine, on the task's own
 * thread, so both cores sort at once) it concatenates them into one run and
 * sorts a permutation of the run with a stable merge sort. For a global
 * sort, the task then rewrites its run in sorted order and finalize merges
 * the runs (k-way, stable by run order = partition order; in parallel key
 * ranges, sort_merge.c) into one output partition; otherwise each run is
 * its own output partition. Output batches are gathered with em_vec_take.
 *
 * Order follows Spark: ascending puts nulls first and descending nulls last
 * unless stated; NaN sorts above every other double and -0.0 equals 0.0
 * (SQLOrderingUtil); strings compare as unsigned bytes (UTF8String).
 * Stability makes ties keep their input order, which is what Spark's
 * range-partitioned TimSort yields for equal keys.
 *
 * Memory: every collected batch (and its evaluated keys) is charged to
 * the query's tracker; a sorted in-memory run keeps its charge until the
 * query ends. When the budget refuses a reservation, the task sorts what
 * it holds into a run and writes it to a spill file (spill_sort.c); once
 * any partition has spilled, finalize writes the in-memory runs too and
 * the output is a k-way merge of the files, ties going to the earlier run
 * (partition order, then the order runs were written), so the result is
 * the same as the in-memory path's, row for row.
 */
#include "sort_int.h"

#include "expr/fn_nested.h"

#include <math.h>
#include <string.h>

typedef em_sort_cfg sort_cfg;
typedef em_sort_run sort_run;
typedef em_sort_local sort_local;
typedef em_sort_state sort_state;

typedef em_sort_out_local sort_out_local;

/* ---- comparison ---- */

static int cmp_rows(const sort_cfg *cfg, em_vec *const *ka, int64_t i, em_vec *const *kb, int64_t j) {
  for (int k = 0; k < cfg->nkeys; k++) {
    bool na = em_vec_is_null(ka[k], i), nb = em_vec_is_null(kb[k], j);
    int c;
    if (na || nb) {
      if (na == nb) continue;
      c = na ? -1 : 1;
      if (!cfg->nulls_first[k]) c = -c;
      return c;
    }
    c = em_nested_cmp_nonnull(ka[k], i, kb[k], j);
    if (c) return cfg->ascending[k] ? c : -c;
  }
  return 0;
}

/* Stable merge sort of a[0..n) (row indexes, in place) by the run's keys:
 * insertion sort of small blocks, then bottom-up merges through tmp. */
static int msort(const sort_cfg *cfg, em_vec *const *keys, uint32_t *a, uint32_t *tmp, int64_t n,
                 em_exec_ctx *ctx, em_error *err) {
  const int64_t B = 32;
  for (int64_t s = 0; s < n; s += B) {
    int64_t e = s + B < n ? s + B : n;
    for (int64_t i = s + 1; i < e; i++) {
      uint32_t x = a[i];
      int64_t j = i - 1;
      while (j >= s && cmp_rows(cfg, keys, a[j], keys, x) > 0) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = x;
    }
  }
  uint32_t *src = a, *dst = tmp;
  for (int64_t w = B; w < n; w *= 2) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = cmp_rows(cfg, keys, src[j], keys, src[i]) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, sizeof *a * (size_t)n);
  return 0;
}

/* Orders a[0..n), rows whose keys before key k are all equal (in input
 * order), by keys k.. : the rows whose key k is null form a block, the
 * others are radix sorted by key k's prefix, and each group of equal
 * prefixes is ordered by the next key the same way (or by the full
 * comparison when the prefix does not decide). Small groups and keys
 * without a prefix go to the merge sort. tmp has room for n. */
static int refine(const sort_cfg *cfg, em_vec *const *keys, uint32_t *a, int64_t n, int k, uint32_t *tmp,
                  em_exec_ctx *ctx, em_error *err) {
  if (k >= cfg->nkeys || n <= 1) return 0;
  bool exact;
  if (n < 64 || !em_sort_key_supported(keys[k]->type, &exact)) return msort(cfg, keys, a, tmp, n, ctx, err);
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  const em_vec *v = keys[k];
  int64_t nn = 0, nnull = 0;
  if (v->validity && v->null_count) {
    const uint8_t *bits = v->validity->data;
    for (int64_t i = 0; i < n; i++)
      if (em_bit_get(bits, a[i])) tmp[nn++] = a[i];
    for (int64_t i = 0; i < n; i++)
      if (!em_bit_get(bits, a[i])) tmp[nn + nnull++] = a[i];
  } else {
    memcpy(tmp, a, sizeof *a * (size_t)n);
    nn = n;
  }
  int64_t nb0 = cfg->nulls_first[k] ? nnull : 0, z0 = cfg->nulls_first[k] ? 0 : nn;
  memcpy(a + nb0, tmp, sizeof *a * (size_t)nn);
  memcpy(a + z0, tmp + nn, sizeof *a * (size_t)nnull);
  uint64_t *pk = em_malloc(sizeof *pk * (size_t)(nn ? nn : 1));
  if (!pk) return em_error_internal(err, "out of memory sorting");
  uint32_t *b = a + nb0;
  em_sort_key_encode(v, b, nn, cfg->ascending[k], pk);
  int rc = em_sort_by_prefix(pk, b, nn) ? em_error_internal(err, "out of memory sorting") : 0;
  for (int64_t i = 0; !rc && i < nn;) {
    int64_t j = i + 1;
    while (j < nn && pk[j] == pk[i]) j++;
    if (j - i > 1)
      rc = exact ? refine(cfg, keys, b + i, j - i, k + 1, tmp, ctx, err) : msort(cfg, keys, b + i, tmp, j - i, ctx, err);
    i = j;
  }
  em_free(pk);
  if (!rc) rc = refine(cfg, keys, a + z0, nnull, k + 1, tmp, ctx, err);
  return rc;
}

/* Where the rows whose first key is not null start in a run's order. */
static int64_t nonnull_start(const sort_cfg *cfg, const sort_run *r) { return cfg->nulls_first[0] ? r->nnull : 0; }

/* The sort by normalized keys: rows whose first key is null form a block
 * (first or last), the others are radix sorted by (prefix, row) -- stable,
 * since the radix sort is -- and only groups of equal prefixes that the
 * prefix does not decide (strings, more keys) are sorted again by the full
 * comparison. Leaves the sorted prefixes in r->pfx for the merge. */
static int sort_perm_pfx(const sort_cfg *cfg, sort_run *r, uint32_t *tmp, em_exec_ctx *ctx, em_error *err) {
  int64_t n = r->n;
  const em_vec *k0 = r->keys[0];
  uint32_t *perm = r->perm;
  int64_t nnull = k0->validity ? k0->null_count : 0, nn = n - nnull;
  r->nnull = nnull;
  int64_t nb0 = nonnull_start(cfg, r), z0 = cfg->nulls_first[0] ? 0 : nn;
  /* Non-null rows (in order) to tmp, null rows to their block. */
  if (nnull) {
    const uint8_t *bits = k0->validity->data;
    int64_t a = 0, b = z0;
    for (int64_t i = 0; i < n; i++) {
      if (em_bit_get(bits, i))
        tmp[a++] = (uint32_t)i;
      else
        perm[b++] = (uint32_t)i;
    }
  } else {
    for (int64_t i = 0; i < n; i++) tmp[i] = (uint32_t)i;
  }
  uint64_t *pk = em_malloc(sizeof *pk * (size_t)(nn ? nn : 1));
  if (!pk) return em_error_internal(err, "out of memory sorting");
  em_sort_key_encode(k0, tmp, nn, cfg->ascending[0], pk);
  if (em_exec_cancelled(ctx)) {
    em_free(pk);
    return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  }
  if (em_sort_by_prefix(pk, tmp, nn)) {
    em_free(pk);
    return em_error_internal(err, "out of memory sorting");
  }
  memcpy(perm + nb0, tmp, sizeof *perm * (size_t)nn);
  r->pfx = pk;
  int rc = 0;
  if (!cfg->pfx_exact || cfg->nkeys > 1) {
    for (int64_t i = 0; !rc && i < nn;) {
      int64_t j = i + 1;
      while (j < nn && pk[j] == pk[i]) j++;
      if (j - i > 1)
        rc = cfg->pfx_exact ? refine(cfg, r->keys, perm + nb0 + i, j - i, 1, tmp, ctx, err)
                            : msort(cfg, r->keys, perm + nb0 + i, tmp, j - i, ctx, err);
      i = j;
    }
  }
  if (!rc) rc = refine(cfg, r->keys, perm + z0, nnull, 1, tmp, ctx, err);
  return rc;
}

/* Sorts the run's permutation (stable: ties keep input order). */
static int sort_perm(const sort_cfg *cfg, sort_run *r, em_exec_ctx *ctx, em_error *err) {
  int64_t n = r->n;
  uint32_t *tmp = em_malloc(sizeof *tmp * (size_t)(n ? n : 1));
  if (!tmp) return em_error_internal(err, "out of memory sorting");
  int rc;
  if (cfg->pfx) {
    rc = sort_perm_pfx(cfg, r, tmp, ctx, err);
  } else {
    for (int64_t i = 0; i < n; i++) r->perm[i] = (uint32_t)i;
    rc = msort(cfg, r->keys, r->perm, tmp, n, ctx, err);
  }
  em_free(tmp);
  return rc;
}

/* TopN: the first k rows of the run in order, found with a bounded
 * max-heap of row indexes (O(n log k)); ties keep input order because the
 * row index breaks them. Leaves the k rows sorted in perm and sets r->n. */
static int heap_cmp(const sort_cfg *cfg, const sort_run *r, uint32_t a, uint32_t b) {
  int c = cmp_rows(cfg, r->keys, a, r->keys, b);
  return c ? c : (a < b ? -1 : a > b);
}

static void sift_down(const sort_cfg *cfg, const sort_run *r, uint32_t *h, int64_t n, int64_t i) {
  for (;;) {
    int64_t l = 2 * i + 1, m = i;
    if (l < n && heap_cmp(cfg, r, h[l], h[m]) > 0) m = l;
    if (l + 1 < n && heap_cmp(cfg, r, h[l + 1], h[m]) > 0) m = l + 1;
    if (m == i) return;
    uint32_t t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static int top_k(const sort_cfg *cfg, sort_run *r, int64_t k, em_exec_ctx *ctx, em_error *err) {
  uint32_t *h = r->perm;
  int64_t n = 0;
  for (int64_t i = 0; i < r->n; i++) {
    if ((i & 0xffff) == 0 && em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    uint32_t x = (uint32_t)i;
    if (n < k) {
      /* sift up */
      int64_t j = n++;
      h[j] = x;
      while (j > 0 && heap_cmp(cfg, r, h[(j - 1) / 2], h[j]) < 0) {
        uint32_t t = h[j];
        h[j] = h[(j - 1) / 2];
        h[(j - 1) / 2] = t;
        j = (j - 1) / 2;
      }
    } else if (heap_cmp(cfg, r, x, h[0]) < 0) {
      h[0] = x;
      sift_down(cfg, r, h, n, 0);
    }
  }
  /* Heap sort the survivors into ascending order. */
  for (int64_t end = n - 1; end > 0; end--) {
    uint32_t t = h[0];
    h[0] = h[end];
    h[end] = t;
    sift_down(cfg, r, h, end, 0);
  }
  r->n = n;
  return 0;
}

/* ---- the sink ---- */

static void free_keys(em_vec **keys, int n) {
  if (!keys) return;
  for (int k = 0; k < n; k++)
    if (keys[k]) em_vec_unref(keys[k]);
  em_free(keys);
}

static size_t keys_bytes(em_vec *const *keys, int n) {
  size_t t = 0;
  for (int k = 0; k < n; k++) {
    const em_vec *v = keys[k];
    if (v->validity) t += v->validity->cap;
    if (v->values) t += v->values->cap;
    if (v->data) t += v->data->cap;
  }
  return t;
}

static sort_state *state_of(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) {
    sort_state *ss = em_calloc(1, sizeof *ss);
    if (ss) ss->runs = em_calloc((size_t)(s->in_parts > 0 ? s->in_parts : 1), sizeof *ss->runs);
    if (ss && ss->runs) {
      ss->nruns = s->in_parts > 0 ? s->in_parts : 1;
      ss->mem = ctx->mem;
      s->state = ss;
    } else {
      if (ss) em_free(ss->runs);
      em_free(ss);
    }
  }
  sort_state *r = s->state;
  pthread_mutex_unlock(&s->mu);
  if (!r) em_error_internal(err, "out of memory sorting");
  return r;
}

static int sort_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  (void)part;
  const sort_cfg *cfg = s->cfg;
  sort_local *st = local;
  em_vec **keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *keys);
  if (!keys) return em_error_internal(err, "out of memory sorting");
  for (int k = 0; k < cfg->nkeys; k++)
    if (em_expr_eval(cfg->keys[k], b, &ctx->eval, &keys[k], err)) {
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
      return em_error_internal(err, "out of memory sorting");
    }
    st->cap = ncap;
  }
  st->batches[st->n] = em_batch_ref(b);
  st->keys[st->n] = keys;
  st->n++;
  if (!ctx->mem) return 0;
  /* Charge what the run will hold: the batch and its keys (the batch may
   * be shared upstream; it is ours to keep alive from now on). */
  int64_t bytes = (int64_t)(em_batch_bytes(b) + keys_bytes(keys, cfg->nkeys));
  if (em_memtracker_reserve(ctx->mem, bytes, err) == 0) {
    st->mem = ctx->mem;
    st->charged += bytes;
    return 0;
  }
  if (!em_spill_should(ctx, err)) return -1;
  /* Over the budget: everything collected so far (this batch included)
   * becomes a sorted run on disk. */
  if (!state_of(s, ctx, err)) return -1;
  em_error_clear(err);
  return em_sort_spill_local(s, st, ctx, err);
}

void em_sort_local_free_batches(const em_sort_cfg *cfg, em_sort_local *st) {
  for (int i = 0; i < st->n; i++) {
    em_batch_unref(st->batches[i]);
    free_keys(st->keys[i], cfg->nkeys);
  }
  em_free(st->batches);
  em_free(st->keys);
  st->batches = NULL;
  st->keys = NULL;
  st->n = st->cap = 0;
}

static void sort_close_local(em_sink *s, void *local) {
  const sort_cfg *cfg = s->cfg;
  sort_local *st = local;
  em_sort_local_free_batches(cfg, st);
  if (st->charged && st->mem) em_memtracker_release(st->mem, st->charged);
  for (int i = 0; i < st->nspilled; i++) em_spill_free(st->spilled[i]);
  em_free(st->spilled);
  memset(st, 0, sizeof *st);
}

/* Concatenates a list of vectors into one. */
static em_vec *concat(em_type *t, em_vec **vs, int n, int64_t total) {
  em_vec *out = em_vec_new(t, total);
  if (!out) return NULL;
  for (int i = 0; i < n; i++)
    if (vs[i]->len && em_vec_append_range(out, vs[i], 0, vs[i]->len)) {
      em_vec_unref(out);
      return NULL;
    }
  return out;
}

/* Concatenates the local batches into run r, then sorts it, or with
 * `defer` only encodes its prefixes for the bucketed sort. */
static int build_run(em_sink *s, em_sort_local *st, em_sort_run *r, bool defer, em_exec_ctx *ctx, em_error *err) {
  const sort_cfg *cfg = s->cfg;
  int64_t total = 0;
  for (int i = 0; i < st->n; i++) total += st->batches[i]->nrows;
  r->n = total;
  if (total == 0) {
    em_sort_local_free_batches(cfg, st);
    return 0;
  }
  if (total > UINT32_MAX) return em_error_internal(err, "sort: partition of more than 2^32 rows");
  int ncols = s->in_schema->u.st.nfields;
  em_vec **tmp = em_calloc((size_t)(st->n + 1), sizeof *tmp);
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  r->keys = em_calloc((size_t)cfg->nkeys + 1, sizeof *r->keys);
  r->perm = em_malloc(sizeof *r->perm * (size_t)total);
  int rc = (tmp && cols && r->keys && r->perm) ? 0 : em_error_internal(err, "out of memory sorting");
  for (int c = 0; !rc && c < ncols; c++) {
    for (int i = 0; i < st->n; i++) tmp[i] = st->batches[i]->cols[c];
    if (!(cols[c] = concat(s->in_schema->u.st.fields[c].type, tmp, st->n, total)))
      rc = em_error_internal(err, "out of memory sorting");
  }
  for (int k = 0; !rc && k < cfg->nkeys; k++) {
    /* A key that is a column reference shares the concatenated column. */
    const em_expr *kx = cfg->keys[k];
    if (kx->kind == EM_EX_COLUMN && kx->u.column >= 0 && kx->u.column < ncols &&
        em_type_equal(cols[kx->u.column]->type, kx->type, true)) {
      r->keys[k] = em_vec_ref(cols[kx->u.column]);
      continue;
    }
    for (int i = 0; i < st->n; i++) tmp[i] = st->keys[i][k];
    if (!(r->keys[k] = concat(cfg->keys[k]->type, tmp, st->n, total)))
      rc = em_error_internal(err, "out of memory sorting");
  }
  em_free(tmp);
  if (!rc) {
    r->rows = em_batch_new(em_type_ref(s->in_schema), ncols, cols, total);
    if (!r->rows) rc = em_error_internal(err, "out of memory sorting");
  } else {
    for (int c = 0; cols && c < ncols; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  }
  em_free(cols);
  /* The inputs are no longer needed: release them before sorting. */
  em_sort_local_free_batches(cfg, st);
  if (!rc && defer) return em_sort_run_prepare(cfg, r, err);
  if (!rc) rc = cfg->limit > 0 && cfg->limit < total ? top_k(cfg, r, cfg->limit, ctx, err) : sort_perm(cfg, r, ctx, err);
  return rc;
}

int em_sort_build_run(em_sink *s, em_sort_local *st, em_sort_run *r, em_exec_ctx *ctx, em_error *err) {
  return build_run(s, st, r, false, ctx, err);
}

int em_sort_run_sort(const em_sort_cfg *cfg, em_sort_run *r, em_exec_ctx *ctx, em_error *err) {
  if (!r->unsorted) return 0;
  r->unsorted = false;
  em_free(r->pfx);
  r->pfx = NULL;
  if (r->n == 0) return 0;
  return sort_perm(cfg, r, ctx, err);
}

void em_sort_run_free(const em_sort_cfg *cfg, em_sort_run *r) {
  if (r->rows) em_batch_unref(r->rows);
  free_keys(r->keys, cfg->nkeys);
  em_free(r->perm);
  em_free(r->pfx);
  memset(r, 0, sizeof *r);
}

static int sort_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  const sort_cfg *cfg = s->cfg;
  sort_local *st = local;
  sort_state *ss = state_of(s, ctx, err);
  if (!ss) return -1;
  if (part < 0 || part >= ss->nruns) return em_error_internal(err, "sort: partition out of range");
  if (st->nspilled) return em_sort_spill_combine(s, ss, st, part, ctx, err);
  /* The run keeps the task's charge until the query ends. */
  pthread_mutex_lock(&s->mu);
  ss->charged += st->charged;
  pthread_mutex_unlock(&s->mu);
  st->charged = 0;
  /* The bucketed sort sorts in finalize and while the output leaves. */
  if (em_sort_bucketed(cfg)) return build_run(s, st, &ss->runs[part], true, ctx, err);
  if (em_sort_build_run(s, st, &ss->runs[part], ctx, err)) return -1;
  /* A global sort's runs are merged: rows in sorted order make the
   * merge's gather sequential, and this task's core does the reordering. */
  if (!cfg->global || ss->nruns <= 1 || !ss->runs[part].rows) return 0;
  /* The reordered copy exists beside the run until it replaces it: it is
   * charged meanwhile, and over the budget the run stays as it is (the
   * merge reads it through its permutation). */
  sort_run *r = &ss->runs[part];
  int64_t extra = ctx->mem ? (int64_t)(em_batch_bytes(r->rows) + keys_bytes(r->keys, cfg->nkeys)) : 0;
  if (extra && em_memtracker_reserve(ctx->mem, extra, err)) {
    em_error_clear(err);
    return 0;
  }
  int rc = em_sort_run_reorder(cfg, r, err);
  if (extra) em_memtracker_release(ctx->mem, extra);
  return rc;
}

/* Compares sorted position pa of run a with pb of run b: by the first
 * key's null block and prefix where both runs have them, then in full. */
int em_sort_run_cmp(const em_sort_cfg *cfg, const em_sort_run *a, int64_t pa, const em_sort_run *b, int64_t pb) {
  if (a->pfx && b->pfx) {
    int64_t sa = nonnull_start(cfg, a), sb = nonnull_start(cfg, b);
    bool na = pa < sa || pa >= sa + (a->n - a->nnull), nb = pb < sb || pb >= sb + (b->n - b->nnull);
    if (na != nb) return (na ? -1 : 1) * (cfg->nulls_first[0] ? 1 : -1);
    if (!na) {
      uint64_t x = a->pfx[pa - sa], y = b->pfx[pb - sb];
      if (x != y) return x < y ? -1 : 1;
      if (cfg->pfx_exact && cfg->nkeys == 1) return 0;
    }
  }
  return cmp_rows(cfg, a->keys, a->perm[pa], b->keys, b->perm[pb]);
}

static int sort_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  const sort_cfg *cfg = s->cfg;
  sort_state *ss = state_of(s, ctx, err);
  if (!ss) return -1;
  if (ss->spilled) return em_sort_spill_finalize(s, ss, ctx, err);
  if (!cfg->global) {
    s->out_parts = ss->nruns;
    return 0;
  }
  s->out_parts = 1;
  int64_t total = 0;
  for (int i = 0; i < ss->nruns; i++) total += ss->runs[i].n;
  if (em_sort_bucketed(cfg)) {
    if (total <= (int64_t)UINT32_MAX) return em_sort_bucket_start(cfg, ss, ctx, err);
    /* Too many rows to number in 32 bits: sort the runs and merge them. */
    for (int i = 0; i < ss->nruns; i++)
      if (em_sort_run_sort(cfg, &ss->runs[i], ctx, err)) return -1;
  }
  ss->mn = total;
  ss->mrun = em_malloc(sizeof *ss->mrun * (size_t)(total ? total : 1));
  ss->mrow = em_malloc(sizeof *ss->mrow * (size_t)(total ? total : 1));
  if (!ss->mrun || !ss->mrow) return em_error_internal(err, "out of memory merging sorted runs");
  return em_sort_merge_runs(cfg, ss, ctx, err);
}

/* Gathers rows (runs[i], rows[i]) i < n into a batch (runs NULL: all from
 * run `run0`), one multi-source take per column. */
static em_batch *gather(em_sink *s, sort_state *ss, int run0, const uint32_t *runs, const uint32_t *rows, int64_t n,
                        em_error *err) {
  int ncols = s->in_schema->u.st.nfields;
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  em_vec **srcs = em_calloc((size_t)ss->nruns + 1, sizeof *srcs);
  if (!cols || !srcs) {
    em_free(cols);
    em_free(srcs);
    return em_error_internal(err, "out of memory"), NULL;
  }
  for (int c = 0; c < ncols; c++) {
    int ns = 0;
    if (runs) {
      for (int r = 0; r < ss->nruns; r++)
        srcs[ns++] = ss->runs[r].rows ? ss->runs[r].rows->cols[c] : NULL;
    } else {
      srcs[ns++] = ss->runs[run0].rows->cols[c];
    }
    /* Runs without rows are never picked; any column stands in for them. */
    em_vec *any = NULL;
    for (int r = 0; r < ns; r++)
      if (srcs[r]) any = srcs[r];
    for (int r = 0; r < ns; r++)
      if (!srcs[r]) srcs[r] = any;
    if (!(cols[c] = em_vec_take_multi(srcs, ns, runs, rows, n))) {
      for (int k = 0; k < c; k++) em_vec_unref(cols[k]);
      em_free(cols);
      em_free(srcs);
      return em_error_internal(err, "out of memory gathering sorted rows"), NULL;
    }
  }
  em_free(srcs);
  em_batch *b = em_batch_new(em_type_ref(s->in_schema), ncols, cols, n);
  em_free(cols);
  if (!b) em_error_internal(err, "out of memory gathering sorted rows");
  return b;
}

static int sort_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  const sort_cfg *cfg = s->cfg;
  sort_state *ss = s->state;
  sort_out_local *st = local;
  *out = NULL;
  if (!ss) return 0;
  if (ss->spilled) return em_sort_spill_next(s, local, part, out, ctx, err);
  if (ss->bucket) return em_sort_bucket_next(s, ss, st, out, ctx, err);
  int64_t n = cfg->global ? ss->mn : (part < ss->nruns ? ss->runs[part].n : 0);
  if (st->pos >= n) return 0;
  int64_t m = n - st->pos < ctx->batch_rows ? n - st->pos : ctx->batch_rows;
  if (cfg->global)
    *out = gather(s, ss, 0, ss->mrun + st->pos, ss->mrow + st->pos, m, err);
  else
    *out = gather(s, ss, part, NULL, ss->runs[part].perm + st->pos, m, err);
  if (!*out) return -1;
  st->pos += m;
  return 0;
}

static void sort_destroy(em_sink *s) {
  const sort_cfg *cfg = s->cfg;
  sort_state *ss = s->state;
  if (!ss) return;
  em_sort_bucket_free(ss);
  for (int i = 0; i < ss->nruns; i++) em_sort_run_free(cfg, &ss->runs[i]);
  em_sort_spill_destroy(ss);
  if (ss->charged && ss->mem) em_memtracker_release(ss->mem, ss->charged);
  em_free(ss->runs);
  em_free(ss->mrun);
  em_free(ss->mrow);
  em_free(ss);
  s->state = NULL;
}

static void sort_source_close(em_sink *s, void *local) {
  sort_out_local *st = local;
  if (st->merge) em_sort_spill_close(s, local);
}

const em_sink_vt em_sink_sort_vt = {
    .name = "Sort",
    .local_size = sizeof(sort_local),
    .sink = sort_sink,
    .combine = sort_combine,
    .close_local = sort_close_local,
    .finalize = sort_finalize,
    .source_local_size = sizeof(sort_out_local),
    .next = sort_next,
    .destroy = sort_destroy,
    .source_close = sort_source_close,
};

em_sink *em_sink_sort_new(em_arena *a, const em_lplan *n, em_type *in_schema, int64_t limit) {
  sort_cfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return NULL;
  cfg->keys = n->u.sort.keys;
  cfg->ascending = n->u.sort.ascending;
  cfg->nulls_first = n->u.sort.nulls_first;
  cfg->nkeys = n->u.sort.nkeys;
  cfg->global = n->u.sort.global;
  cfg->limit = n->u.sort.global ? limit : 0;
  cfg->pfx = cfg->nkeys > 0 && em_sort_key_supported(cfg->keys[0]->type, &cfg->pfx_exact);
  return em_sink_new(a, &em_sink_sort_vt, cfg, in_schema, in_schema);
}

int em_sort_cmp(const em_sort_cfg *cfg, em_vec *const *ka, int64_t i, em_vec *const *kb, int64_t j) {
  return cmp_rows(cfg, ka, i, kb, j);
}

int em_sort_compare_rows(const bool *ascending, const bool *nulls_first, int nkeys, em_vec *const *ka, int64_t i,
                         em_vec *const *kb, int64_t j) {
  sort_cfg cfg = {.ascending = (bool *)ascending, .nulls_first = (bool *)nulls_first, .nkeys = nkeys};
  return cmp_rows(&cfg, ka, i, kb, j);
}
