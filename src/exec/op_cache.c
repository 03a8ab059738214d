/*
 * Reading cached relations (see cache_store.c).
 *
 * A cached leaf (EM_LP_CACHED) compiles one of two ways, decided when the
 * query is compiled:
 *  - every partition of the entry is available: a source that reads the
 *    pinned partitions (memory batches, or blocks of the entry's disk
 *    file), one task per cached partition, so spark_partition_id() and
 *    the row order are those of the first computation;
 *  - otherwise (first use, or partitions dropped from memory): the entry's
 *    lineage runs as part of this query into the store sink, which keeps
 *    each input partition's batches, hands them to the entry when all
 *    partitions are done (only those still missing are stored) and serves
 *    them, partition for partition, to the rest of the query. This is
 *    Spark's lazy caching: the first action computes and stores.
 */
#include "cache.h"

#include <string.h>

/* ---- the scan of a complete entry ---- */

typedef struct scan_local {
  bool started;
  int64_t pos;
} scan_local;

static int scan_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx,
                     em_error *err) {
  scan_local *st = local;
  *out = NULL;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  if (!st->started) {
    st->started = true;
    st->pos = -1;
  }
  const cache_pin *pin = src->u.cache_pin;
  return em_cache_slot_read(pin, part, &st->pos, out, err);
}

static const em_source_vt scan_vt = {
    .name = "InMemoryTableScan",
    .local_size = sizeof(scan_local),
    .next = scan_next,
};

/* ---- the store sink over the lineage ---- */

typedef struct part_batches {
  em_batch **b;
  int n, cap;
} part_batches;

typedef struct store_state {
  part_batches *parts; /* one per input partition */
  int nparts;
} store_state;

static int pb_add(part_batches *pb, em_batch *b) {
  if (pb->n == pb->cap) {
    int nc = pb->cap ? pb->cap * 2 : 8;
    em_batch **nb = em_realloc(pb->b, sizeof *nb * (size_t)nc);
    if (!nb) return -1;
    pb->b = nb;
    pb->cap = nc;
  }
  pb->b[pb->n++] = em_batch_ref(b);
  return 0;
}

static void pb_free(part_batches *pb) {
  for (int i = 0; i < pb->n; i++) em_batch_unref(pb->b[i]);
  em_free(pb->b);
  memset(pb, 0, sizeof *pb);
}

static int store_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  (void)s, (void)part, (void)ctx;
  if (b->nrows == 0) return 0;
  return pb_add(local, b) ? em_error_internal(err, "out of memory caching a relation") : 0;
}

static int store_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  part_batches *pb = local;
  /* The state is read under the lock: two first combines racing would
   * otherwise both create one, and the partitions of the first be lost. */
  pthread_mutex_lock(&s->mu);
  store_state *st = s->state;
  if (!st) {
    st = s->state = em_calloc(1, sizeof *st);
    if (st && !(st->parts = em_calloc((size_t)(s->in_parts ? s->in_parts : 1), sizeof *st->parts))) {
      em_free(st);
      st = s->state = NULL;
    }
    if (st) st->nparts = s->in_parts;
  }
  if (st && part < st->nparts) {
    st->parts[part] = *pb;
    memset(pb, 0, sizeof *pb);
  }
  pthread_mutex_unlock(&s->mu);
  return st ? 0 : em_error_internal(err, "out of memory caching a relation");
}

static void store_close_local(em_sink *s, void *local) {
  (void)s;
  pb_free(local);
}

static int store_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  em_cache_entry *e = (em_cache_entry *)s->cfg;
  store_state *st = s->state;
  s->out_parts = s->in_parts;
  for (int p = 0; p < s->in_parts; p++) {
    part_batches *pb = st && p < st->nparts ? &st->parts[p] : NULL;
    if (em_cache_entry_put(e, s->in_parts, p, pb ? pb->b : NULL, pb ? pb->n : 0, err)) return -1;
  }
  return 0;
}

typedef struct store_read {
  int next;
} store_read;

static int store_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  (void)ctx, (void)err;
  store_read *rd = local;
  store_state *st = s->state;
  *out = NULL;
  if (st && part < st->nparts && rd->next < st->parts[part].n) *out = em_batch_ref(st->parts[part].b[rd->next++]);
  return 0;
}

static void store_destroy(em_sink *s) {
  store_state *st = s->state;
  if (!st) return;
  for (int p = 0; p < st->nparts; p++) pb_free(&st->parts[p]);
  em_free(st->parts);
  em_free(st);
  s->state = NULL;
}

static const em_sink_vt store_vt = {
    .name = "InMemoryRelation",
    .local_size = sizeof(part_batches),
    .sink = store_sink,
    .combine = store_combine,
    .close_local = store_close_local,
    .finalize = store_finalize,
    .source_local_size = sizeof(store_read),
    .next = store_next,
    .destroy = store_destroy,
};

int em_cache_compile(em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline *lineage, cache_pin *pin,
                     em_type *schema, em_pipeline **out, em_error *err) {
  (void)plan;
  em_pipeline *p = em_arena_calloc(a, sizeof *p);
  if (!p) return em_error_internal(err, "out of memory compiling a plan");
  p->out_schema = schema;
  p->src.schema = schema;
  p->final = EM_FINAL_STREAM;
  if (pin) {
    p->src.vt = &scan_vt;
    p->src.nparts = pin->nparts;
    p->src.u.cache_pin = pin;
  } else {
    lineage->sink = em_sink_new(a, &store_vt, n->u.cached.entry, lineage->out_schema, schema);
    if (!lineage->sink) return em_error_internal(err, "out of memory compiling a plan");
    p->child = lineage;
    p->src.vt = &em_src_sink_vt;
    p->src.u.sink = lineage->sink;
  }
  *out = p;
  return 0;
}

/* ---- eager materialization (checkpoint) ---- */

static int discard(void *user, em_batch *b, em_error *err) {
  (void)user, (void)b, (void)err;
  return 0;
}

int em_cache_entry_materialize(em_cache_entry *e, em_exec_ctx *ctx, em_error *err) {
  /* A plan of one cached leaf over e: running it computes and stores
   * whatever is missing. */
  em_plan *p = em_calloc(1, sizeof *p);
  if (!p) return em_error_internal(err, "out of memory");
  em_arena_init(&p->arena, 1024);
  const em_type *st = e->schema;
  int nf = st->u.st.nfields;
  em_lplan *n = em_arena_calloc(&p->arena, sizeof *n);
  em_attr *out = em_arena_calloc(&p->arena, sizeof *out * (size_t)(nf + 1));
  int rc = 0;
  if (!n || !out) rc = em_error_internal(err, "out of memory");
  if (!rc) {
    for (int i = 0; i < nf; i++) {
      out[i].name = st->u.st.fields[i].name;
      out[i].type = st->u.st.fields[i].type;
      out[i].nullable = st->u.st.fields[i].nullable;
      out[i].id = i;
    }
    n->kind = EM_LP_CACHED;
    n->plan_id = -1;
    n->nout = nf;
    n->out = out;
    n->u.cached.entry = e;
    p->root = n;
    p->schema = em_type_ref(e->schema);
    rc = em_exec_run(p, ctx, discard, NULL, err);
  }
  em_plan_free(p);
  return rc;
}
