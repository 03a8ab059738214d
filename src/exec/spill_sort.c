/*
 * External sort: what the sort sink (op_sort.c) does when the memory
 * budget refuses a reservation.
 *
 * Runs. A task over budget sorts the batches it holds (the same stable
 * sort as in memory) and writes the sorted rows, with their evaluated keys
 * as extra columns, to a spill file: a run. It then continues with an empty
 * hand; when its partition ends, the rest becomes its last run. Once any
 * partition has spilled, finalize writes the in-memory runs of the other
 * partitions too, so that the output is read from files only and the
 * budget is free for the merge.
 *
 * Merge. An output partition (the one of a global sort, or partition p of
 * sortWithinPartitions) is a k-way merge of its runs with a binary heap of
 * cursors, one batch per run in memory. Runs are numbered in partition
 * order and, within a partition, in the order they were written; a tie
 * goes to the lower number. Every row of a lower run came earlier in the
 * input, so the merge is stable and returns exactly the in-memory sort's
 * rows in the same order. Consecutive rows taken from the same run batch
 * form a segment, copied with one em_vec_append_range per column.
 *
 * Under a limit (TopN) each run keeps only its first `limit` rows, which
 * is enough: the first n rows of a partition are among the first n of
 * each of its chunks.
 */
#include "sort_int.h"

#include <string.h>

static int oom(em_error *err) { return em_error_internal(err, "out of memory in external sort"); }

static em_type *file_schema(em_sink *s, em_sort_state *ss, em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  pthread_mutex_lock(&s->mu);
  if (!ss->file_schema) {
    em_type **kt = em_calloc((size_t)cfg->nkeys + 1, sizeof *kt);
    if (kt) {
      for (int k = 0; k < cfg->nkeys; k++) kt[k] = cfg->keys[k]->type;
      ss->file_schema = em_spill_schema(s->in_schema, kt, cfg->nkeys, "_sk");
      em_free(kt);
    }
  }
  em_type *t = ss->file_schema;
  pthread_mutex_unlock(&s->mu);
  if (!t) oom(err);
  return t;
}

/* Writes run r (rows in perm order, then keys) to a new spill file. */
static em_spill_file *write_run(em_sink *s, em_sort_state *ss, em_sort_run *r, em_exec_ctx *ctx, em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  em_type *fs = file_schema(s, ss, err);
  if (!fs) return NULL;
  em_spill_file *f = em_spill_create(ctx, err);
  if (!f) return NULL;
  int ncols = s->in_schema->u.st.nfields, nk = cfg->nkeys;
  int64_t chunk = ctx->batch_rows > 0 ? ctx->batch_rows : 10000;
  for (int64_t at = 0; at < r->n; at += chunk) {
    if (em_exec_cancelled(ctx)) {
      em_spill_free(f);
      return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL), NULL;
    }
    int64_t m = r->n - at < chunk ? r->n - at : chunk;
    em_vec **cols = em_calloc((size_t)(ncols + nk + 1), sizeof *cols);
    int rc = cols ? 0 : oom(err);
    for (int c = 0; !rc && c < ncols + nk; c++) {
      const em_vec *src = c < ncols ? r->rows->cols[c] : r->keys[c - ncols];
      if (!(cols[c] = em_vec_take(src, r->perm + at, m))) rc = oom(err);
    }
    em_batch *b = NULL;
    if (rc) {
      for (int c = 0; cols && c < ncols + nk; c++)
        if (cols[c]) em_vec_unref(cols[c]);
    } else if (!(b = em_batch_new(em_type_ref(fs), ncols + nk, cols, m))) {
      rc = oom(err); /* the columns were released */
    }
    em_free(cols);
    if (!rc) rc = em_spill_write(f, ctx, b, err);
    if (b) em_batch_unref(b);
    if (rc) {
      em_spill_free(f);
      return NULL;
    }
  }
  return f;
}

int em_sort_spill_local(em_sink *s, em_sort_local *st, em_exec_ctx *ctx, em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  em_sort_state *ss = s->state;
  em_sort_run r = {0};
  int rc = em_sort_build_run(s, st, &r, ctx, err);
  /* The collected batches are gone: so is their charge. */
  if (st->charged && st->mem) em_memtracker_release(st->mem, st->charged);
  st->charged = 0;
  em_spill_file *f = NULL;
  if (!rc && r.n > 0 && !(f = write_run(s, ss, &r, ctx, err))) rc = -1;
  em_sort_run_free(cfg, &r);
  if (rc || !f) return rc;
  if (st->nspilled == st->capspilled) {
    int nc = st->capspilled ? st->capspilled * 2 : 8;
    em_spill_file **nf = em_realloc(st->spilled, sizeof *nf * (size_t)nc);
    if (!nf) {
      em_spill_free(f);
      return oom(err);
    }
    st->spilled = nf;
    st->capspilled = nc;
  }
  st->spilled[st->nspilled++] = f;
  pthread_mutex_lock(&s->mu);
  ss->spilled = true;
  pthread_mutex_unlock(&s->mu);
  return 0;
}

static int ensure_pfiles(em_sink *s, em_sort_state *ss, em_error *err) {
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  if (!ss->pfiles) {
    ss->pfiles = em_calloc((size_t)ss->nruns, sizeof *ss->pfiles);
    ss->pnfiles = em_calloc((size_t)ss->nruns, sizeof *ss->pnfiles);
    if (!ss->pfiles || !ss->pnfiles) {
      em_free(ss->pfiles);
      em_free(ss->pnfiles);
      ss->pfiles = NULL;
      ss->pnfiles = NULL;
      rc = oom(err);
    }
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int em_sort_spill_combine(em_sink *s, em_sort_state *ss, em_sort_local *st, int part, em_exec_ctx *ctx,
                          em_error *err) {
  if (st->n > 0 && em_sort_spill_local(s, st, ctx, err)) return -1;
  if (ensure_pfiles(s, ss, err)) return -1;
  /* Each partition is combined once, by its own task. */
  ss->pfiles[part] = st->spilled;
  ss->pnfiles[part] = st->nspilled;
  st->spilled = NULL;
  st->nspilled = st->capspilled = 0;
  return 0;
}

int em_sort_spill_finalize(em_sink *s, em_sort_state *ss, em_exec_ctx *ctx, em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  if (ensure_pfiles(s, ss, err)) return -1;
  for (int p = 0; p < ss->nruns; p++) {
    em_sort_run *r = &ss->runs[p];
    if (r->n == 0) {
      em_sort_run_free(cfg, r);
      continue;
    }
    if (ss->pfiles[p]) return em_error_internal(err, "sort: partition both spilled and in memory");
    if (em_sort_run_sort(cfg, r, ctx, err)) return -1;
    em_spill_file *f = write_run(s, ss, r, ctx, err);
    if (!f) return -1;
    em_sort_run_free(cfg, r);
    if (!(ss->pfiles[p] = em_malloc(sizeof *ss->pfiles[p]))) {
      em_spill_free(f);
      return oom(err);
    }
    ss->pfiles[p][0] = f;
    ss->pnfiles[p] = 1;
  }
  /* Every in-memory run is on disk now. */
  if (ss->charged && ss->mem) em_memtracker_release(ss->mem, ss->charged);
  ss->charged = 0;
  s->out_parts = cfg->global ? 1 : ss->nruns;
  return 0;
}

void em_sort_spill_destroy(em_sort_state *ss) {
  for (int p = 0; ss->pfiles && p < ss->nruns; p++) {
    for (int i = 0; i < ss->pnfiles[p]; i++) em_spill_free(ss->pfiles[p][i]);
    em_free(ss->pfiles[p]);
  }
  em_free(ss->pfiles);
  em_free(ss->pnfiles);
  if (ss->file_schema) em_type_unref(ss->file_schema);
}

/* ---- the merge ---- */

typedef struct cursor {
  em_spill_file *f;
  em_batch *b;
  int64_t pos;
} cursor;

typedef struct segment {
  em_batch *b;
  int64_t start, len;
} segment;

typedef struct merge {
  cursor *c;
  int nc;
  int *heap;
  int nheap;
  segment *segs;
  int capsegs;
} merge;

size_t em_sort_spill_local_size(void) { return sizeof(em_sort_out_local); }

static int cur_cmp(const em_sort_cfg *cfg, int ncols, const merge *m, int a, int b) {
  const cursor *x = &m->c[a], *y = &m->c[b];
  int c = em_sort_cmp(cfg, x->b->cols + ncols, x->pos, y->b->cols + ncols, y->pos);
  return c ? c : (a < b ? -1 : 1);
}

static void sift_down(const em_sort_cfg *cfg, int ncols, merge *m, int i) {
  for (;;) {
    int l = 2 * i + 1, best = i;
    if (l < m->nheap && cur_cmp(cfg, ncols, m, m->heap[l], m->heap[best]) < 0) best = l;
    if (l + 1 < m->nheap && cur_cmp(cfg, ncols, m, m->heap[l + 1], m->heap[best]) < 0) best = l + 1;
    if (best == i) return;
    int t = m->heap[i];
    m->heap[i] = m->heap[best];
    m->heap[best] = t;
    i = best;
  }
}

/* Loads the cursor's next non-empty batch; c->b = NULL at the end. */
static int advance_batch(em_sort_state *ss, cursor *c, em_error *err) {
  for (;;) {
    if (c->b) em_batch_unref(c->b);
    c->b = NULL;
    c->pos = 0;
    if (em_spill_read(c->f, ss->file_schema, &c->b, err)) return -1;
    if (!c->b || c->b->nrows > 0) return 0;
  }
}

static void merge_free(merge *m) {
  if (!m) return;
  for (int i = 0; i < m->nc; i++)
    if (m->c[i].b) em_batch_unref(m->c[i].b);
  em_free(m->c);
  em_free(m->heap);
  em_free(m->segs);
  em_free(m);
}

static merge *merge_open(em_sink *s, em_sort_state *ss, int part, em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  int ncols = s->in_schema->u.st.nfields;
  int lo = cfg->global ? 0 : part, hi = cfg->global ? ss->nruns : part + 1;
  int n = 0;
  for (int p = lo; p < hi; p++) n += ss->pnfiles[p];
  merge *m = em_calloc(1, sizeof *m);
  if (!m) return oom(err), NULL;
  m->c = em_calloc((size_t)n + 1, sizeof *m->c);
  m->heap = em_calloc((size_t)n + 1, sizeof *m->heap);
  if (!m->c || !m->heap) {
    merge_free(m);
    return oom(err), NULL;
  }
  for (int p = lo; p < hi; p++)
    for (int i = 0; i < ss->pnfiles[p]; i++) {
      cursor *c = &m->c[m->nc++];
      c->f = ss->pfiles[p][i];
      if (em_spill_rewind(c->f, err) || advance_batch(ss, c, err)) {
        merge_free(m);
        return NULL;
      }
      if (c->b) m->heap[m->nheap++] = m->nc - 1;
    }
  for (int i = m->nheap / 2 - 1; i >= 0; i--) sift_down(cfg, ncols, m, i);
  return m;
}

int em_sort_spill_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  const em_sort_cfg *cfg = s->cfg;
  em_sort_state *ss = s->state;
  em_sort_out_local *ol = local;
  *out = NULL;
  if (part >= s->out_parts) return 0;
  if (!ol->merge && !(ol->merge = merge_open(s, ss, part, err))) return -1;
  merge *m = ol->merge;
  int ncols = s->in_schema->u.st.nfields;
  int64_t want = ctx->batch_rows > 0 ? ctx->batch_rows : 10000;
  int64_t rows = 0;
  int nsegs = 0, rc = 0;
  while (rows < want && m->nheap > 0) {
    int ci = m->heap[0];
    cursor *c = &m->c[ci];
    if (nsegs > 0 && m->segs[nsegs - 1].b == c->b && m->segs[nsegs - 1].start + m->segs[nsegs - 1].len == c->pos) {
      m->segs[nsegs - 1].len++;
    } else {
      if (nsegs == m->capsegs) {
        int nc = m->capsegs ? m->capsegs * 2 : 64;
        segment *ns = em_realloc(m->segs, sizeof *ns * (size_t)nc);
        if (!ns) {
          rc = oom(err);
          break;
        }
        m->segs = ns;
        m->capsegs = nc;
      }
      m->segs[nsegs++] = (segment){em_batch_ref(c->b), c->pos, 1};
    }
    rows++;
    if (++c->pos == c->b->nrows) {
      if (advance_batch(ss, c, err)) {
        rc = -1;
        break;
      }
      if (!c->b) m->heap[0] = m->heap[--m->nheap];
    }
    if (m->nheap > 0) sift_down(cfg, ncols, m, 0);
  }
  if (!rc && rows > 0) {
    em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
    if (!cols) rc = oom(err);
    for (int c = 0; !rc && c < ncols; c++) {
      if (!(cols[c] = em_vec_new(s->in_schema->u.st.fields[c].type, rows))) rc = oom(err);
      for (int i = 0; !rc && i < nsegs; i++)
        if (em_vec_append_range(cols[c], m->segs[i].b->cols[c], m->segs[i].start, m->segs[i].len)) rc = oom(err);
    }
    if (rc) {
      for (int c = 0; cols && c < ncols; c++)
        if (cols[c]) em_vec_unref(cols[c]);
    } else if (!(*out = em_batch_new(em_type_ref(s->in_schema), ncols, cols, rows))) {
      rc = oom(err); /* the columns were released */
    }
    em_free(cols);
  }
  for (int i = 0; i < nsegs; i++) em_batch_unref(m->segs[i].b);
  return rc;
}

void em_sort_spill_close(em_sink *s, void *local) {
  (void)s;
  em_sort_out_local *ol = local;
  merge_free(ol->merge);
  ol->merge = NULL;
}
