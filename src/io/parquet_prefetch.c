/*
 * Row groups of one Parquet split decoded by more than one thread, without
 * changing what the split is: the reader still hands out the rows of its
 * row groups in order, one partition as Spark plans it. Two sets of leaf
 * data alternate: while the reader assembles batches from row group i
 * (one set), row group i + 1 is already a job whose column chunks any
 * idle worker of the pool may decode into the other set. A job's chunks
 * are claimed one at a time, biggest first; when the reader needs a row
 * group it claims and decodes whatever nobody has taken yet itself and
 * waits only for chunks another thread is decoding at that moment, so it
 * never waits on work that is merely queued. With every core busy with
 * partitions of its own, the helper task stays queued and the reader does
 * all of its work itself, as before.
 *
 * A helper task holds a reference to this state, not to the reader: it
 * may run after the reader closed, and then finds nothing to claim. The
 * reader's close waits for chunks being decoded (they write into its
 * sets); at most one helper task per reader is queued at a time.
 *
 * Errors stay with their job: a chunk that fails in a row group the
 * reader never reaches (a LIMIT) is never reported, as before.
 */
#include "parquet_int.h"

#include <pthread.h>
#include <string.h>

typedef struct pf_job {
  bool active; /* chunks may be claimed */
  bool started;
  int rg;
  int64_t seq;   /* start order: helpers take the oldest job first */
  int n;         /* chunks of the job */
  int *order;    /* leaf index of each chunk, biggest first */
  int next;      /* chunks claimed */
  int done;      /* chunks finished */
  bool failed;
  em_error err;  /* the first failure */
  em_pq_leafdata *set;
  const em_pq_pagesel *sel; /* per leaf (nentries 0: the whole chunk), or NULL */
} pf_job;

struct em_pq_prefetch {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int refs;
  bool closed;
  int queued; /* helper tasks submitted and not started */
  int64_t seq;
  int fd;
  int64_t size;
  const char *path;
  const em_pq_meta *meta;
  const em_pq_schema *schema; /* the reader's: used only while a chunk is claimed */
  int nleaves;
  int nneeded;
  int *needed; /* leaf indices to decode */
  pf_job job[2];
  em_task_submit_fn submit;
};

static void pf_unref_locked(em_pq_prefetch *p, bool *free_it) {
  *free_it = --p->refs == 0;
}

static void pf_destroy(em_pq_prefetch *p) {
  for (int s = 0; s < 2; s++) {
    if (p->job[s].set)
      for (int i = 0; i < p->nleaves; i++) em_pq_leafdata_free(&p->job[s].set[i]);
    em_free(p->job[s].set);
    em_free(p->job[s].order);
  }
  em_free(p->needed);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  em_free(p);
}

/* Decodes chunk k of job j; called with p->mu held, returns with it held. */
static void pf_decode(em_pq_prefetch *p, pf_job *j) {
  int k = j->next++;
  int leaf = j->order[k];
  int rg = j->rg;
  em_pq_leafdata *d = &j->set[leaf];
  const em_pq_pagesel *sel = j->sel && j->sel[leaf].nentries > 0 ? &j->sel[leaf] : NULL;
  pthread_mutex_unlock(&p->mu);
  em_error e;
  memset(&e, 0, sizeof e);
  int rc = em_pq_read_chunk(p->fd, p->size, p->path, p->meta, rg, p->schema->leaves[leaf], sel, NULL, d, &e);
  pthread_mutex_lock(&p->mu);
  if (rc && !j->failed) {
    j->failed = true;
    j->err = e;
  }
  j->done++;
  pthread_cond_broadcast(&p->cv);
}

static void pf_helper(void *arg) {
  em_pq_prefetch *p = arg;
  pthread_mutex_lock(&p->mu);
  p->queued--;
  while (!p->closed) {
    pf_job *j = NULL;
    for (int s = 0; s < 2; s++) {
      pf_job *c = &p->job[s];
      if (c->active && c->next < c->n && (!j || c->seq < j->seq)) j = c;
    }
    if (!j) break;
    pf_decode(p, j);
  }
  bool free_it;
  pf_unref_locked(p, &free_it);
  pthread_mutex_unlock(&p->mu);
  if (free_it) pf_destroy(p);
}

em_pq_prefetch *em_pq_prefetch_new(int fd, int64_t size, const char *path, const em_pq_meta *m,
                                   const em_pq_schema *s, const bool *leaf_needed, em_task_submit_fn submit) {
  em_pq_prefetch *p = em_calloc(1, sizeof *p);
  if (!p) return NULL;
  int nl = s->nleaves ? s->nleaves : 1;
  p->needed = em_calloc((size_t)nl, sizeof(int));
  for (int k = 0; k < 2; k++) {
    p->job[k].set = em_calloc((size_t)nl, sizeof(em_pq_leafdata));
    p->job[k].order = em_calloc((size_t)nl, sizeof(int));
  }
  if (!p->needed || !p->job[0].set || !p->job[1].set || !p->job[0].order || !p->job[1].order) {
    for (int k = 0; k < 2; k++) {
      em_free(p->job[k].set);
      em_free(p->job[k].order);
    }
    em_free(p->needed);
    em_free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->refs = 1;
  p->fd = fd;
  p->size = size;
  p->path = path;
  p->meta = m;
  p->schema = s;
  p->nleaves = s->nleaves;
  p->submit = submit;
  for (int i = 0; i < s->nleaves; i++)
    if (leaf_needed[i]) p->needed[p->nneeded++] = i;
  return p;
}

/* Makes job j the decoding of row group rg (pages of sel); p->mu held. */
static void pf_start(em_pq_prefetch *p, pf_job *j, int rg, const em_pq_pagesel *sel) {
  const em_pq_rowgroup *g = &p->meta->rowgroups[rg];
  j->rg = rg;
  j->sel = sel;
  j->seq = p->seq++;
  j->n = p->nneeded;
  j->next = j->done = 0;
  j->failed = false;
  /* Biggest chunk first, so that the last one claimed is a small one. */
  for (int i = 0; i < j->n; i++) {
    int leaf = p->needed[i], k = i;
    int64_t sz = g->cols[leaf].total_compressed_size;
    while (k > 0 && g->cols[j->order[k - 1]].total_compressed_size < sz) {
      j->order[k] = j->order[k - 1];
      k--;
    }
    j->order[k] = leaf;
  }
  j->started = true;
  j->active = true;
}

int em_pq_prefetch_load(em_pq_prefetch *p, int pos, int rg, const em_pq_pagesel *sel, int next_rg,
                        const em_pq_pagesel *next_sel, em_pq_leafdata **leaves, em_error *err) {
  pthread_mutex_lock(&p->mu);
  pf_job *j = &p->job[pos & 1];
  if (!j->started || j->rg != rg || !j->active) pf_start(p, j, rg, sel);
  /* The other set held the previous row group, whose batches are made:
   * it takes the next one. */
  if (next_rg >= 0) pf_start(p, &p->job[(pos + 1) & 1], next_rg, next_sel);
  if (p->submit && p->queued == 0 && (j->next < j->n || next_rg >= 0)) {
    p->queued++;
    p->refs++;
    pthread_mutex_unlock(&p->mu);
    int rc = p->submit(pf_helper, p);
    pthread_mutex_lock(&p->mu);
    if (rc) {
      p->queued--;
      p->refs--;
    }
  }
  while (j->next < j->n) pf_decode(p, j);
  while (j->done < j->n) pthread_cond_wait(&p->cv, &p->mu);
  j->active = false;
  int rc = 0;
  if (j->failed) {
    *err = j->err;
    rc = -1;
  }
  pthread_mutex_unlock(&p->mu);
  *leaves = j->set;
  return rc;
}

void em_pq_prefetch_free(em_pq_prefetch *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->closed = true;
  for (int s = 0; s < 2; s++) p->job[s].active = false;
  for (int s = 0; s < 2; s++)
    while (p->job[s].done < p->job[s].next) pthread_cond_wait(&p->cv, &p->mu);
  bool free_it;
  pf_unref_locked(p, &free_it);
  pthread_mutex_unlock(&p->mu);
  if (free_it) pf_destroy(p);
}
