/*
 * The observe operator (df.observe, Spark's CollectMetrics): batches pass
 * through unchanged while the node's aggregate calls accumulate over them,
 * so the metrics describe exactly the rows the query processed, computed
 * once.
 *
 * Each task keeps a one-group aggregate table (agg_table.c, EM_AT_NONE)
 * for its partition, installed in the run's em_observations under the
 * partition's number when the task starts: a task that runs a partition
 * again (a retry) replaces what an earlier attempt left. After the run,
 * em_observations_result merges the partitions' tables in partition order
 * into a fresh state, as Spark's final aggregation does, and evaluates the
 * node's metric expressions over the aggregate results.
 *
 * Without ctx->observed (runs that report no metrics: writes, cache
 * materialisation, analysis subqueries) the operator only passes rows on.
 */
#include "agg_int.h"

#include <string.h>

typedef struct obs_slot {
  const em_lplan *node;
  em_aggtable **parts; /* by partition number */
  int nparts;
  bool ran;
  struct obs_slot *next;
} obs_slot;

struct em_observations {
  pthread_mutex_t mu;
  obs_slot *slots;
};

typedef struct obs_local {
  bool started;
  em_aggtable *t; /* owned by the slot */
  uint32_t *groups;
  int64_t gcap;
} obs_local;

em_observations *em_observations_new(void) {
  em_observations *o = em_calloc(1, sizeof *o);
  if (o) pthread_mutex_init(&o->mu, NULL);
  return o;
}

void em_observations_free(em_observations *o) {
  if (!o) return;
  for (obs_slot *s = o->slots, *next; s; s = next) {
    next = s->next;
    for (int p = 0; p < s->nparts; p++) em_aggtable_free(s->parts[p]);
    em_free(s->parts);
    em_free(s);
  }
  pthread_mutex_destroy(&o->mu);
  em_free(o);
}

static obs_slot *find_slot(em_observations *o, const em_lplan *n) {
  for (obs_slot *s = o->slots; s; s = s->next)
    if (s->node == n) return s;
  return NULL;
}

/* Installs a fresh table for the task's partition. */
static int start(const em_lplan *n, obs_local *l, em_exec_ctx *ctx, em_error *err) {
  em_observations *o = ctx->observed;
  int part = ctx->eval.partition > 0 ? ctx->eval.partition : 0;
  em_aggtable *t =
      em_aggtable_new(EM_AT_NONE, 0, NULL, n->u.observe.naggs, n->u.observe.aggs, ctx->mem, err);
  if (!t) return -1;
  pthread_mutex_lock(&o->mu);
  obs_slot *s = find_slot(o, n);
  if (!s && (s = em_calloc(1, sizeof *s))) {
    s->node = n;
    s->next = o->slots;
    o->slots = s;
  }
  if (s && part >= s->nparts) {
    int cap = part + 1 > s->nparts * 2 ? part + 1 : s->nparts * 2;
    em_aggtable **np = em_realloc(s->parts, sizeof *np * (size_t)cap);
    if (np) {
      memset(np + s->nparts, 0, sizeof *np * (size_t)(cap - s->nparts));
      s->parts = np;
      s->nparts = cap;
    }
  }
  bool ok = s && part < s->nparts;
  em_aggtable *old = NULL;
  if (ok) {
    old = s->parts[part];
    s->parts[part] = t;
    s->ran = true;
  }
  pthread_mutex_unlock(&o->mu);
  em_aggtable_free(old);
  if (!ok) {
    em_aggtable_free(t);
    return em_error_internal(err, "out of memory in observe");
  }
  l->t = t;
  l->started = true;
  return 0;
}

static em_op_status observe_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                    em_error *err) {
  const em_lplan *n = op->u.cfg;
  obs_local *l = local;
  if (ctx->observed) {
    if (!l->started && start(n, l, ctx, err)) return EM_OP_ERROR;
    int64_t rows = in->nrows;
    if (rows > l->gcap) {
      em_free(l->groups);
      l->gcap = 0;
      if (!(l->groups = em_malloc(sizeof(uint32_t) * (size_t)rows)))
        return em_error_internal(err, "out of memory in observe"), EM_OP_ERROR;
      l->gcap = rows;
    }
    if (em_aggtable_lookup(l->t, NULL, rows, l->groups, err)) return EM_OP_ERROR;
    if (em_aggtable_update(l->t, l->groups, in, ctx, err)) return EM_OP_ERROR;
  }
  *out = em_batch_ref(in);
  return EM_OP_NEED_MORE_INPUT;
}

/* A partition without batches still counts as run (and replaces what an
 * earlier attempt of it left). */
static em_op_status observe_finish(const em_op *op, void *local, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  obs_local *l = local;
  *out = NULL;
  if (ctx->observed && !l->started && start(op->u.cfg, l, ctx, err)) return EM_OP_ERROR;
  return EM_OP_FINISHED;
}

static void observe_close_local(const em_op *op, void *local) {
  (void)op;
  obs_local *l = local;
  em_free(l->groups);
  l->groups = NULL;
  l->gcap = 0;
  l->t = NULL;
}

const em_op_vt em_op_observe_vt = {.name = "CollectMetrics",
                                   .local_size = sizeof(obs_local),
                                   .execute = observe_execute,
                                   .close_local = observe_close_local,
                                   .finish = observe_finish};

/* A one-row batch of cols (taking the references) named by `names`. */
static em_batch *one_row(em_vec **cols, int n, char *const *names) {
  em_type *st = em_type_struct_new(n);
  bool ok = st != NULL;
  for (int i = 0; ok && i < n; i++)
    ok = em_type_struct_set(st, i, names ? names[i] : "c", em_type_ref(cols[i]->type), true, NULL) == 0;
  if (!ok) {
    if (st) em_type_unref(st);
    for (int i = 0; i < n; i++) em_vec_unref(cols[i]);
    return NULL;
  }
  return em_batch_new(st, n, cols, 1);
}

int em_observations_result(em_observations *o, const em_lplan *n, em_exec_ctx *ctx, em_batch **out, em_error *err) {
  *out = NULL;
  obs_slot *s = o ? find_slot(o, n) : NULL;
  if (!s || !s->ran) return 0;
  int na = n->u.observe.naggs, nr = n->u.observe.nresults;
  em_aggtable *m = em_aggtable_new(EM_AT_NONE, 0, NULL, na, n->u.observe.aggs, ctx->mem, err);
  if (!m) return -1;
  uint32_t zero = 0, scratch = 0;
  for (int p = 0; p < s->nparts; p++)
    if (s->parts[p] && em_aggtable_merge(m, s->parts[p], &zero, 1, &scratch, err)) {
      em_aggtable_free(m);
      return -1;
    }
  em_vec **acols = em_calloc((size_t)na + 1, sizeof *acols);
  em_vec **rcols = em_calloc((size_t)nr + 1, sizeof *rcols);
  int rc = acols && rcols ? em_aggtable_emit(m, 0, 1, acols, err) : em_error_internal(err, "out of memory");
  em_aggtable_free(m);
  em_batch *aggs = NULL;
  if (!rc) {
    /* one_row takes the columns' references, also when it fails. */
    if (!(aggs = one_row(acols, na, NULL))) rc = em_error_internal(err, "out of memory");
  } else if (acols) {
    for (int i = 0; i < na; i++)
      if (acols[i]) em_vec_unref(acols[i]);
  }
  int done = 0;
  for (; !rc && done < nr; done++)
    if (em_expr_eval(n->u.observe.results[done], aggs, &ctx->eval, &rcols[done], err)) rc = -1;
  if (aggs) em_batch_unref(aggs);
  if (!rc && !(*out = one_row(rcols, nr, n->u.observe.names))) rc = em_error_internal(err, "out of memory");
  else if (rc)
    for (int i = 0; i < done; i++)
      if (rcols[i]) em_vec_unref(rcols[i]);
  em_free(acols);
  em_free(rcols);
  return rc;
}
