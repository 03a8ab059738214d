/*
 * The chain source: a pipeline whose partitions are partitions of other
 * pipelines, streamed. Union concatenates the partitions of its inputs
 * (Spark's UnionRDD: partition ids run on from one input to the next) and
 * coalesce(n) groups the partitions of its one input (Spark's CoalescedRDD)
 * without a shuffle.
 *
 * Streaming: a task of the chain pipeline runs the input pipeline's source
 * and operators itself, in pull mode: each input operator keeps the batch
 * it is working on until it stops answering HAVE_MORE_OUTPUT, and asks the
 * level below for the next batch only when it needs one. The input's own
 * inputs (sinks, gathered children) were run before (run_inputs), so
 * nothing is materialized here. The input's operators evaluate with the
 * input's partition index (as Spark's RDD below a union or coalesce sees
 * its own partition), the operators above with the chain's.
 *
 * The layout is computed once the inputs are ready (prepare), because an
 * input's partition count may only be known then (an adaptive exchange, a
 * re-split local relation). coalesce follows Spark's
 * DefaultPartitionCoalescer: without preferred locations, group i takes
 * the inputs [i*P/n, (i+1)*P/n); when the input partitions come from a
 * shuffle, those holding rows prefer the (one) local host and the
 * coalescer's seeded randomized balancing (java.util.Random(7919),
 * power-of-two choices, 10% slack) decides the groups, exactly as Spark's
 * does for one executor.
 */
#include "exec_int.h"

#include <math.h>
#include <string.h>

/* ---- pulling batches out of a pipeline ---- */

typedef struct pull {
  em_pipeline *q;
  int part;
  void *src_local;
  void **locals;
  em_batch **pending; /* per operator: the input it is working on */
  bool *finished;     /* per operator: wants no more input */
  bool src_done;
} pull;

static void pull_close(pull *ps) {
  em_pipeline *q = ps->q;
  if (!q) return;
  if (q->src.vt->close_local && ps->src_local) q->src.vt->close_local(&q->src, ps->src_local);
  em_free(ps->src_local);
  for (int k = 0; k < q->nops; k++) {
    if (ps->locals && ps->locals[k]) {
      if (q->ops[k].vt->close_local) q->ops[k].vt->close_local(&q->ops[k], ps->locals[k]);
      em_free(ps->locals[k]);
    }
    if (ps->pending && ps->pending[k]) em_batch_unref(ps->pending[k]);
  }
  em_free(ps->locals);
  em_free(ps->pending);
  em_free(ps->finished);
  memset(ps, 0, sizeof *ps);
}

static int pull_open(pull *ps, em_pipeline *q, int part, em_error *err) {
  memset(ps, 0, sizeof *ps);
  ps->q = q;
  ps->part = part;
  size_t n = (size_t)q->nops + 1;
  ps->locals = em_calloc(n, sizeof *ps->locals);
  ps->pending = em_calloc(n, sizeof *ps->pending);
  ps->finished = em_calloc(n, sizeof *ps->finished);
  bool ok = ps->locals && ps->pending && ps->finished;
  if (ok && q->src.vt->local_size) ok = (ps->src_local = em_calloc(1, q->src.vt->local_size)) != NULL;
  for (int k = 0; ok && k < q->nops; k++)
    if (q->ops[k].vt->local_size) ok = (ps->locals[k] = em_calloc(1, q->ops[k].vt->local_size)) != NULL;
  if (!ok) {
    pull_close(ps);
    return em_error_internal(err, "out of memory starting a task");
  }
  return 0;
}

/* The next output of level k (0 = the source, k = operator k-1). */
static int pull_level(pull *ps, int k, em_exec_ctx *ctx, em_batch **out, em_error *err) {
  em_pipeline *q = ps->q;
  *out = NULL;
  if (k == 0) {
    if (ps->src_done) return 0;
    if (q->src.vt->next(&q->src, ps->src_local, ps->part, out, ctx, err)) return -1;
    if (!*out) ps->src_done = true;
    return 0;
  }
  const em_op *op = &q->ops[k - 1];
  for (;;) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    if (ps->pending[k - 1]) {
      em_batch *o = NULL;
      em_op_status st = op->vt->execute(op, ps->locals[k - 1], ps->pending[k - 1], &o, ctx, err);
      if (st == EM_OP_ERROR) return -1;
      if (st != EM_OP_HAVE_MORE_OUTPUT) {
        em_batch_unref(ps->pending[k - 1]);
        ps->pending[k - 1] = NULL;
      }
      if (st == EM_OP_FINISHED) ps->finished[k - 1] = true;
      if (o && o->nrows > 0) {
        *out = o;
        return 0;
      }
      if (o) em_batch_unref(o);
      continue;
    }
    if (ps->finished[k - 1]) return 0;
    em_batch *in = NULL;
    if (pull_level(ps, k - 1, ctx, &in, err)) return -1;
    if (!in) return 0;
    ps->pending[k - 1] = in;
  }
}

/* ---- the layout ---- */

static int input_parts(const em_pipeline *q) { return q->src.nparts > 0 ? q->src.nparts : 0; }

/* Whether partition `part` of q's output has a preferred location: it
 * comes from a shuffle and holds rows. */
static bool has_location(const em_pipeline *q, int part) {
  if (q->src.vt == &em_src_sink_vt) {
    em_sink *s = q->src.u.sink;
    return s->vt->part_has_rows && s->vt->part_has_rows(s, part);
  }
  if (q->src.vt == &em_src_chain_vt && q->src.u.chain.mode == EM_CHAIN_CONCAT && q->src.u.chain.starts) {
    int i = q->src.u.chain.starts[part];
    return has_location(q->src.u.chain.inputs[q->src.u.chain.item_input[i]], q->src.u.chain.item_part[i]);
  }
  return false;
}

typedef struct group {
  int *parts;
  int n, cap;
} group;

static int group_add(group *g, int p) {
  if (g->n == g->cap) {
    int ncap = g->cap ? g->cap * 2 : 4;
    int *np = em_realloc(g->parts, sizeof *np * (size_t)ncap);
    if (!np) return -1;
    g->parts = np;
    g->cap = ncap;
  }
  g->parts[g->n++] = p;
  return 0;
}

/* The first least-loaded group (Scala's min over the groups of a host). */
static int least_group(const group *gs, int ng) {
  int best = 0;
  for (int i = 1; i < ng; i++)
    if (gs[i].n < gs[best].n) best = i;
  return best;
}

/* DefaultPartitionCoalescer.coalesce(target, prev) for one host. Fills gs
 * (target groups; empty ones are dropped by the caller). */
static int coalesce_groups(const em_pipeline *q, int P, int target, group *gs, int *ngroups) {
  int len = P < target ? P : target;
  bool *loc = em_calloc((size_t)P + 1, sizeof *loc);
  bool *used = em_calloc((size_t)P + 1, sizeof *used);
  int *with = em_calloc((size_t)P + 1, sizeof *with);
  if (!loc || !used || !with) {
    em_free(loc);
    em_free(used);
    em_free(with);
    return -1;
  }
  int nwith = 0;
  for (int p = 0; p < P; p++)
    if ((loc[p] = has_location(q, p))) with[nwith++] = p;
  int rc = 0;
  *ngroups = len;
  if (nwith == 0) {
    /* No locality: contiguous ranges, or every partition on its own. */
    if (target > len) {
      for (int p = 0; p < P && !rc; p++) rc = group_add(&gs[p], p);
    } else {
      for (int i = 0; i < target && !rc; i++)
        for (int j = (int)((int64_t)i * P / target); j < (int)(((int64_t)i + 1) * P / target) && !rc; j++)
          rc = group_add(&gs[i], j);
    }
  } else {
    em_jrandom rnd;
    em_jrandom_init(&rnd, 7919);
    /* setupGroups: one group for the host, then duplicates seeded with a
     * random partition each. */
    int created = 0;
    rc = group_add(&gs[created++], with[0]);
    used[with[0]] = true;
    while (!rc && created < len) {
      int p = with[em_jrandom_next_int(&rnd, nwith)];
      if (!used[p]) {
        rc = group_add(&gs[created], p);
        used[p] = true;
      }
      created++;
    }
    /* throwBalls: fill empty groups, first from partitions with a
     * location, then from the others, then pick bins for the rest. */
    int wi = 0, oi = 0;
    for (int g = 0; g < len && !rc; g++) {
      while (gs[g].n == 0 && wi < nwith && !rc) {
        int p = with[wi++];
        if (!used[p]) {
          rc = group_add(&gs[g], p);
          used[p] = true;
        }
      }
    }
    for (int g = 0; g < len && !rc; g++) {
      while (gs[g].n == 0 && oi < P && !rc) {
        int p = oi++;
        if (loc[p]) continue;
        if (!used[p]) {
          rc = group_add(&gs[g], p);
          used[p] = true;
        }
      }
    }
    int slack = (int)(0.10 * P);
    for (int p = 0; p < P && !rc; p++) {
      if (used[p]) continue;
      int r1 = em_jrandom_next_int(&rnd, len), r2 = em_jrandom_next_int(&rnd, len);
      int two = gs[r1].n < gs[r2].n ? r1 : r2;
      int pick = two;
      if (loc[p]) {
        int pref = least_group(gs, len);
        pick = gs[two].n + slack <= gs[pref].n ? two : pref;
      }
      rc = group_add(&gs[pick], p);
    }
  }
  em_free(loc);
  em_free(used);
  em_free(with);
  return rc;
}

static int chain_prepare(em_source *src, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  em_arena *a = src->u.chain.arena;
  int total = 0;
  for (int i = 0; i < src->u.chain.ninputs; i++) total += input_parts(src->u.chain.inputs[i]);
  int nitems = total, ngroups = 0;
  int *starts = NULL, *in = em_arena_alloc(a, sizeof(int) * (size_t)(nitems + 1)),
      *pt = em_arena_alloc(a, sizeof(int) * (size_t)(nitems + 1));
  if (!in || !pt) return em_error_internal(err, "out of memory planning partitions");
  if (src->u.chain.mode == EM_CHAIN_CONCAT) {
    starts = em_arena_alloc(a, sizeof(int) * (size_t)(total + 1));
    if (!starts) return em_error_internal(err, "out of memory planning partitions");
    int k = 0;
    for (int i = 0; i < src->u.chain.ninputs; i++)
      for (int p = 0; p < input_parts(src->u.chain.inputs[i]); p++) {
        starts[k] = k;
        in[k] = i;
        pt[k++] = p;
      }
    starts[k] = k;
    ngroups = total;
  } else {
    const em_pipeline *q = src->u.chain.inputs[0];
    int target = src->u.chain.target > 0 ? src->u.chain.target : 1;
    group *gs = em_calloc((size_t)(total > target ? total : target) + 1, sizeof *gs);
    int len = 0;
    int rc = gs ? coalesce_groups(q, total, target, gs, &len) : -1;
    if (!rc) {
      starts = em_arena_alloc(a, sizeof(int) * (size_t)(len + 1));
      if (!starts) rc = -1;
    }
    int k = 0;
    for (int g = 0; !rc && g < len; g++) {
      if (gs[g].n == 0) continue; /* getPartitions drops empty groups */
      starts[ngroups++] = k;
      for (int j = 0; j < gs[g].n; j++) {
        in[k] = 0;
        pt[k++] = gs[g].parts[j];
      }
    }
    if (!rc) starts[ngroups] = k;
    for (int g = 0; gs && g < (total > target ? total : target); g++) em_free(gs[g].parts);
    em_free(gs);
    if (rc) return em_error_internal(err, "out of memory planning partitions");
  }
  src->u.chain.starts = starts;
  src->u.chain.item_input = in;
  src->u.chain.item_part = pt;
  src->nparts = ngroups;
  return 0;
}

/* ---- the source ---- */

typedef struct chain_local {
  bool started;
  int item, end; /* items of our partition still to read */
  pull ps;
  bool open;
} chain_local;

static int chain_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx,
                      em_error *err) {
  chain_local *st = local;
  *out = NULL;
  if (!st->started) {
    st->started = true;
    if (part < src->nparts && src->u.chain.starts) {
      st->item = src->u.chain.starts[part];
      st->end = src->u.chain.starts[part + 1];
    }
  }
  while (st->item < st->end) {
    if (!st->open) {
      em_pipeline *q = src->u.chain.inputs[src->u.chain.item_input[st->item]];
      if (pull_open(&st->ps, q, src->u.chain.item_part[st->item], err)) return -1;
      st->open = true;
    }
    /* The input's operators see the input's own partition. */
    em_exec_ctx ictx = *ctx;
    ictx.eval.partition = st->ps.part;
    if (pull_level(&st->ps, st->ps.q->nops, &ictx, out, err)) return -1;
    if (*out) return 0;
    pull_close(&st->ps);
    st->open = false;
    st->item++;
  }
  return 0;
}

static void chain_close(const em_source *src, void *local) {
  (void)src;
  chain_local *st = local;
  if (st->open) pull_close(&st->ps);
  st->open = false;
}

const em_source_vt em_src_chain_vt = {
    .name = "Union",
    .local_size = sizeof(chain_local),
    .next = chain_next,
    .close_local = chain_close,
    .prepare = chain_prepare,
};
