/*
 * Running pipelines.
 *
 * For each pipeline, the calling thread first runs (and gathers) its child,
 * then starts one task per partition on the worker pool, at most `threads`
 * at a time, launched in partition order. Each task pulls batches from the
 * source, pushes them through the operators and appends the results to its
 * partition's queue. The calling thread consumes the queues strictly in
 * partition order — that is the row order of Spark's collect() — and so
 * streams partition 0 while later partitions are still running.
 *
 * Stopping: the consumer sets `stop` when it has what it needs (a satisfied
 * limit), when the caller's callback fails, or when the query is cancelled
 * (polled every 10 ms while waiting). Tasks see `stop` through their context's
 * cancel flag and end; errors they raise after a stop are ignored.
 *
 * Memory: a partition's batches wait in its queue until consumed, so
 * running ahead is bounded by the number of concurrently running tasks.
 */
#include "exec_int.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

typedef struct part_queue {
  em_batch **items;
  int n, cap, head;
  bool done;
  bool failed;
} part_queue;

typedef struct run_state {
  em_pipeline *p;
  em_exec_ctx task_ctx; /* the query's context with cancel = &stop */
  _Atomic bool stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  part_queue *parts;
  int running; /* tasks submitted and not finished */
  /* The error of the lowest failing partition so far (err_part): the one
   * reported, so that which error a query ends with does not depend on
   * which task failed first. Partitions above it stop (halt_above). */
  em_error task_err;
  bool have_err;
  int err_part;
  _Atomic int halt_above;
  /* Partition run on the consumer's own thread, whose batches go straight
   * to the consumer (-1: none). */
  int direct_part;
  int (*direct)(void *user, em_batch *b, em_error *err);
  void *direct_user;
  bool satisfied;
} run_state;

typedef struct task_arg {
  run_state *rs;
  int part;
} task_arg;

/* Appends a batch to a partition queue (takes the reference). */
static int queue_push(run_state *rs, int part, em_batch *b) {
  pthread_mutex_lock(&rs->mu);
  part_queue *q = &rs->parts[part];
  if (q->n == q->cap) {
    int ncap = q->cap ? q->cap * 2 : 8;
    em_batch **ni = em_realloc(q->items, (size_t)ncap * sizeof *ni);
    if (!ni) {
      pthread_mutex_unlock(&rs->mu);
      em_batch_unref(b);
      return -1;
    }
    q->items = ni;
    q->cap = ncap;
  }
  q->items[q->n++] = b;
  pthread_cond_broadcast(&rs->cv);
  pthread_mutex_unlock(&rs->mu);
  return 0;
}

/* Pushes `in` through operators k.. and emits the result. Returns the
 * operator status (FINISHED when a later operator wants no more input). */
static em_op_status push(run_state *rs, em_exec_ctx *ctx, void **locals, int part, int k, em_batch *in,
                         em_error *err) {
  em_pipeline *p = rs->p;
  if (k == p->nops) {
    if (in->nrows == 0) return EM_OP_NEED_MORE_INPUT;
    if (p->sink) {
      em_sink *s = p->sink;
      return s->vt->sink(s, locals[p->nops], part, in, ctx, err) ? EM_OP_ERROR : EM_OP_NEED_MORE_INPUT;
    }
    if (part == rs->direct_part) {
      int c = rs->direct(rs->direct_user, in, err);
      if (c < 0) return EM_OP_ERROR;
      if (c > 0) {
        rs->satisfied = true;
        return EM_OP_FINISHED;
      }
      return EM_OP_NEED_MORE_INPUT;
    }
    if (queue_push(rs, part, em_batch_ref(in))) return em_error_internal(err, "out of memory"), EM_OP_ERROR;
    return EM_OP_NEED_MORE_INPUT;
  }
  const em_op *op = &p->ops[k];
  for (;;) {
    em_batch *out = NULL;
    em_op_status st = op->vt->execute(op, locals[k], in, &out, ctx, err);
    if (st == EM_OP_ERROR) return EM_OP_ERROR;
    if (out) {
      em_op_status down = push(rs, ctx, locals, part, k + 1, out, err);
      em_batch_unref(out);
      if (down == EM_OP_ERROR) return EM_OP_ERROR;
      if (down == EM_OP_FINISHED) return EM_OP_FINISHED;
    }
    if (st != EM_OP_HAVE_MORE_OUTPUT) return st;
  }
}

/* Partitions of a pipeline: its source's (at least one), then each
 * tail's, in order. */
static int src_parts(const em_pipeline *p) { return p->src.nparts > 0 ? p->src.nparts : 1; }

static int total_parts(const em_pipeline *p) {
  int n = src_parts(p);
  for (int t = 0; t < p->ntails; t++) n += p->tails[t].src.nparts;
  return n;
}

/* The source of partition `part`, its partition number there, the
 * operator its batches enter at and the first partition of its segment. */
static const em_source *part_source(const em_pipeline *p, int part, int *lpart, int *first_op, int *seg) {
  int base = src_parts(p);
  *lpart = part;
  *first_op = 0;
  *seg = 0;
  if (part < base) return &p->src;
  for (int t = 0; t < p->ntails; t++) {
    if (part < base + p->tails[t].src.nparts) {
      *lpart = part - base;
      *first_op = p->tails[t].op;
      *seg = base;
      return &p->tails[t].src;
    }
    base += p->tails[t].src.nparts;
  }
  return &p->src;
}

/* The first partition of the segment that holds `part`: a tail's
 * partitions start only when every partition before it is done. */
static int segment_start(const em_pipeline *p, int part) {
  int lpart, op, seg;
  part_source(p, part, &lpart, &op, &seg);
  return seg;
}

static bool halted(run_state *rs, int part);

/* Runs partition `part` of the pipeline to its end; returns its status
 * with the error in *err. */
static int run_partition(run_state *rs, int part, em_error *errp) {
  em_pipeline *p = rs->p;
  em_error err;
  em_error_clear(&err);
  int rc = 0, lpart, first_op, seg;
  bool input_done = true; /* false when an operator wanted no more input */
  const em_source *src = part_source(p, part, &lpart, &first_op, &seg);
  /* Each task has its own copy of the context: expression evaluation keeps
   * per-batch scratch in it (em_eval_ctx.batch). */
  em_exec_ctx ctx = rs->task_ctx;
  void *src_local = NULL;
  /* spark_partition_id() reads the task's partition. */
  ctx.eval.partition = part;
  ctx.eval.states = em_eval_states_new(); /* NULL: stateful expressions restart per batch */
  em_input_file input_file = {0}; /* input_file_name() of the task's scans */
  ctx.eval.input_file = &input_file;
  /* locals[0..nops) are the operators', locals[nops] the sink's. */
  void **locals = em_calloc((size_t)p->nops + 1, sizeof *locals);
  if (!locals) rc = em_error_internal(&err, "out of memory starting a task");
  if (!rc && src->vt->local_size && !(src_local = em_calloc(1, src->vt->local_size)))
    rc = em_error_internal(&err, "out of memory starting a task");
  for (int k = 0; !rc && k < p->nops; k++)
    if (p->ops[k].vt->local_size && !(locals[k] = em_calloc(1, p->ops[k].vt->local_size)))
      rc = em_error_internal(&err, "out of memory starting a task");
  if (!rc && p->sink && p->sink->vt->local_size && !(locals[p->nops] = em_calloc(1, p->sink->vt->local_size)))
    rc = em_error_internal(&err, "out of memory starting a task");
  while (!rc) {
    if (halted(rs, part)) break;
    em_batch *b = NULL;
    if (src->vt->next(src, src_local, lpart, &b, &ctx, &err)) {
      rc = -1;
      break;
    }
    if (!b) break;
    em_op_status st = push(rs, &ctx, locals, part, first_op, b, &err);
    em_batch_unref(b);
    if (st == EM_OP_ERROR) rc = -1;
    if (st == EM_OP_FINISHED) {
      input_done = false;
      break;
    }
  }
  /* The input has ended: operators with pending rows emit them. */
  for (int k = first_op; !rc && input_done && k < p->nops && !halted(rs, part); k++) {
    if (!p->ops[k].vt->finish) continue;
    for (;;) {
      em_batch *out = NULL;
      em_op_status st = p->ops[k].vt->finish(&p->ops[k], locals[k], &out, &ctx, &err);
      if (st == EM_OP_ERROR) rc = -1;
      if (out) {
        em_op_status down = rc ? EM_OP_ERROR : push(rs, &ctx, locals, part, k + 1, out, &err);
        em_batch_unref(out);
        if (down == EM_OP_ERROR) rc = -1;
        if (down == EM_OP_FINISHED) input_done = false;
      }
      if (rc || !input_done || st != EM_OP_HAVE_MORE_OUTPUT) break;
    }
  }
  if (!rc && p->sink && !halted(rs, part) && p->sink->vt->combine)
    rc = p->sink->vt->combine(p->sink, locals[p->nops], part, &ctx, &err);
  if (p->sink && locals && p->sink->vt->close_local && locals[p->nops])
    p->sink->vt->close_local(p->sink, locals[p->nops]);
  if (locals) em_free(locals[p->nops]);
  if (src->vt->close_local && src_local) src->vt->close_local(src, src_local);
  for (int k = 0; locals && k < p->nops; k++) {
    if (p->ops[k].vt->close_local && locals[k]) p->ops[k].vt->close_local(&p->ops[k], locals[k]);
    em_free(locals[k]);
  }
  em_free(locals);
  em_free(src_local);
  em_eval_states_free(ctx.eval.states);
  *errp = err;
  return rc;
}

static void run_task(void *arg) {
  task_arg *ta = arg;
  run_state *rs = ta->rs;
  int part = ta->part;
  em_error err;
  int rc = run_partition(rs, part, &err);
  pthread_mutex_lock(&rs->mu);
  rs->parts[part].done = true;
  if (rc) rs->parts[part].failed = true;
  if (rc && !atomic_load(&rs->stop) && (!rs->have_err || part < rs->err_part)) {
    rs->task_err = err;
    rs->have_err = true;
    rs->err_part = part;
    atomic_store(&rs->halt_above, part);
  }
  rs->running--;
  pthread_cond_broadcast(&rs->cv);
  pthread_mutex_unlock(&rs->mu);
  em_free(ta);
}

/* Consumes a pipeline's output in order. The consumer returns 1 when it
 * needs no more input, 0 to continue, -1 on error. */
typedef int (*consume_fn)(void *user, em_batch *b, em_error *err);

static int launch(run_state *rs, int part) {
  task_arg *ta = em_malloc(sizeof *ta);
  if (!ta) return -1;
  ta->rs = rs;
  ta->part = part;
  pthread_mutex_lock(&rs->mu);
  rs->running++;
  pthread_mutex_unlock(&rs->mu);
  if (em_pool_submit(run_task, ta)) {
    pthread_mutex_lock(&rs->mu);
    rs->running--;
    pthread_mutex_unlock(&rs->mu);
    em_free(ta);
    return -1;
  }
  return 0;
}

static int run_pipeline(em_pipeline *p, em_exec_ctx *ctx, consume_fn consume, void *user, em_error *err);
static int run_inputs(em_pipeline *p, em_exec_ctx *ctx, em_error *err);

/* ---- gathering a child's output ---- */

typedef struct gather {
  em_pipeline *p; /* the child */
  em_batch **items;
  int n, cap;
  int64_t rows;    /* rows kept */
  int64_t skipped; /* rows dropped by OFFSET */
} gather;

static int gather_add(gather *g, em_batch *b) {
  if (g->n == g->cap) {
    int ncap = g->cap ? g->cap * 2 : 8;
    em_batch **ni = em_realloc(g->items, (size_t)ncap * sizeof *ni);
    if (!ni) return -1;
    g->items = ni;
    g->cap = ncap;
  }
  g->items[g->n++] = b;
  g->rows += b->nrows;
  return 0;
}

static int gather_consume(void *user, em_batch *b, em_error *err) {
  gather *g = user;
  int64_t n = g->p->final_n;
  switch (g->p->final) {
  case EM_FINAL_LIMIT:
  case EM_FINAL_SHOW: {
    int64_t want = g->p->final == EM_FINAL_SHOW ? n + 1 : n;
    if (g->rows >= want) return 1;
    em_batch *h = em_batch_head(b, want - g->rows);
    if (!h || gather_add(g, h)) {
      if (h) em_batch_unref(h);
      return em_error_internal(err, "out of memory gathering rows");
    }
    return g->rows >= want ? 1 : 0;
  }
  case EM_FINAL_OFFSET: {
    int64_t skip = n - g->skipped;
    if (skip >= b->nrows) {
      g->skipped += b->nrows;
      return 0;
    }
    em_batch *t = skip > 0 ? em_batch_slice_copy(b, skip, b->nrows - skip) : em_batch_ref(b);
    if (skip > 0) g->skipped += skip;
    if (!t || gather_add(g, t)) {
      if (t) em_batch_unref(t);
      return em_error_internal(err, "out of memory gathering rows");
    }
    return 0;
  }
  case EM_FINAL_TAIL: {
    if (n <= 0) return 1;
    if (gather_add(g, em_batch_ref(b))) {
      em_batch_unref(b);
      return em_error_internal(err, "out of memory gathering rows");
    }
    /* Drop whole leading batches that are no longer among the last n rows. */
    while (g->n > 1 && g->rows - g->items[0]->nrows >= n) {
      g->rows -= g->items[0]->nrows;
      em_batch_unref(g->items[0]);
      memmove(g->items, g->items + 1, sizeof *g->items * (size_t)(g->n - 1));
      g->n--;
    }
    return 0;
  }
  case EM_FINAL_ALL:
    if (gather_add(g, em_batch_ref(b))) {
      em_batch_unref(b);
      return em_error_internal(err, "out of memory gathering rows");
    }
    return 0;
  case EM_FINAL_STREAM:
    break;
  }
  return em_error_internal(err, "bad gather mode");
}

/* Runs the child of p and leaves its output as p's source batches. */
static int gather_child(em_pipeline *p, em_exec_ctx *ctx, em_error *err) {
  em_pipeline *c = p->child;
  gather g = {.p = c};
  if (run_pipeline(c, ctx, gather_consume, &g, err)) {
    for (int i = 0; i < g.n; i++) em_batch_unref(g.items[i]);
    em_free(g.items);
    return -1;
  }
  if (c->final == EM_FINAL_TAIL && g.rows > c->final_n && g.n > 0) {
    /* Trim the first kept batch so exactly the last n rows remain. */
    int64_t extra = g.rows - c->final_n;
    em_batch *first = g.items[0];
    em_batch *t = em_batch_slice_copy(first, extra, first->nrows - extra);
    if (!t) {
      for (int i = 0; i < g.n; i++) em_batch_unref(g.items[i]);
      em_free(g.items);
      return em_error_internal(err, "out of memory in tail");
    }
    em_batch_unref(first);
    g.items[0] = t;
  }
  if (c->final == EM_FINAL_SHOW) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    int rc = c->show_html ? em_html_string(c->out_schema, g.items, g.n, c->final_n, c->show_truncate,
                                           ctx->eval.timezone, g.rows, &sb, err)
                          : em_show_string(c->out_schema, g.items, g.n, c->final_n, c->show_truncate,
                                           c->show_vertical, ctx->eval.timezone, g.rows, &sb, err);
    for (int i = 0; i < g.n; i++) em_batch_unref(g.items[i]);
    g.n = 0;
    if (rc) {
      em_strbuf_free(&sb);
      em_free(g.items);
      return -1;
    }
    em_vec *v = em_vec_new(em_type_string(), 1);
    if (!v || em_vec_append_bytes(v, sb.data ? sb.data : "", sb.len)) {
      if (v) em_vec_unref(v);
      em_strbuf_free(&sb);
      em_free(g.items);
      return em_error_internal(err, "out of memory in show");
    }
    em_strbuf_free(&sb);
    em_vec *cols[1] = {v};
    em_batch *b = em_batch_new(em_type_ref(p->src.schema), 1, cols, 1);
    if (!b || gather_add(&g, b)) {
      if (b) em_batch_unref(b);
      em_free(g.items);
      return em_error_internal(err, "out of memory in show");
    }
  }
  p->owned = g.items;
  p->nowned = g.n;
  p->src.u.batches.batches = g.items;
  p->src.u.batches.nbatches = g.n;
  if (p->src.u.batches.split_max > 0)
    p->src.nparts = (int)(g.rows < p->src.u.batches.split_max ? g.rows : p->src.u.batches.split_max);
  return 0;
}

/* Sets up the shared state of one pipeline run (parts NULL on OOM). */
static void rs_init(run_state *rs, em_pipeline *p, const em_exec_ctx *ctx, int nparts) {
  memset(rs, 0, sizeof *rs);
  rs->p = p;
  rs->task_ctx = *ctx;
  rs->task_ctx.stop = &rs->stop;
  pthread_mutex_init(&rs->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&rs->cv, &ca);
  pthread_condattr_destroy(&ca);
  rs->parts = em_calloc((size_t)nparts, sizeof *rs->parts);
  atomic_store(&rs->halt_above, INT32_MAX);
}

/* Whether partition part's task should stop: the query stops, or a lower
 * partition failed. */
static bool halted(run_state *rs, int part) { return atomic_load(&rs->stop) || part > atomic_load(&rs->halt_above); }

static int run_sink_pipeline(em_pipeline *p, em_exec_ctx *ctx, em_error *err);

static void free_owned(em_pipeline *p) {
  for (; p; p = p->child) {
    for (int i = 0; i < p->ndeps; i++) free_owned(p->deps[i]);
    for (int i = 0; i < p->ninputs; i++) free_owned(p->inputs[i]);
    for (int i = 0; i < p->nowned; i++) em_batch_unref(p->owned[i]);
    em_free(p->owned);
    p->owned = NULL;
    p->nowned = 0;
    if (p->sink) {
      if (p->sink->vt->destroy) p->sink->vt->destroy(p->sink);
      pthread_mutex_destroy(&p->sink->mu);
      p->sink = NULL;
    }
  }
}

em_sink *em_sink_new(em_arena *a, const em_sink_vt *vt, const void *cfg, em_type *in_schema, em_type *out_schema) {
  em_sink *s = em_arena_calloc(a, sizeof *s);
  if (!s) return NULL;
  s->vt = vt;
  s->cfg = cfg;
  s->in_schema = in_schema;
  s->out_schema = out_schema;
  pthread_mutex_init(&s->mu, NULL);
  return s;
}

/* Runs a pipeline whose tasks end in a sink: every partition, in any
 * order, at most `width` at a time; then the sink's finalize. */
static int run_sink_pipeline(em_pipeline *p, em_exec_ctx *ctx, em_error *err) {
  if (run_inputs(p, ctx, err)) return -1;
  int nparts = total_parts(p);
  p->sink->in_parts = nparts;
  run_state rs;
  rs_init(&rs, p, ctx, nparts);
  int rc = rs.parts ? 0 : em_error_internal(err, "out of memory starting a query");
  int width = ctx->threads > 0 ? ctx->threads : em_pool_size();
  int launched = 0;
  pthread_mutex_lock(&rs.mu);
  while (!rc) {
    if (rs.have_err && rs.running == 0) {
      /* Every partition below the failed one has finished: the lowest
       * failure is known. */
      *err = rs.task_err;
      rc = -1;
      break;
    }
    if (em_exec_cancelled(ctx)) {
      rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      break;
    }
    if (launched == nparts && rs.running == 0) break;
    if (!rs.have_err && launched < nparts && rs.running < width &&
        (segment_start(p, launched) < launched || launched == 0 || rs.running == 0)) {
      pthread_mutex_unlock(&rs.mu);
      if (launch(&rs, launched)) rc = em_error_internal(err, "cannot start a task");
      launched++;
      pthread_mutex_lock(&rs.mu);
      continue;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 10 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&rs.cv, &rs.mu, &ts);
  }
  atomic_store(&rs.stop, rc != 0);
  while (rs.running > 0) pthread_cond_wait(&rs.cv, &rs.mu);
  pthread_mutex_unlock(&rs.mu);
  em_free(rs.parts);
  pthread_mutex_destroy(&rs.mu);
  pthread_cond_destroy(&rs.cv);
  if (!rc && p->sink->vt->finalize) rc = p->sink->vt->finalize(p->sink, ctx, err);
  return rc;
}

/* Runs what p reads from: its dependencies, then its child (into a sink or
 * gathered). */
static int run_inputs(em_pipeline *p, em_exec_ctx *ctx, em_error *err) {
  for (int i = 0; i < p->ndeps; i++)
    if (run_sink_pipeline(p->deps[i], ctx, err)) return -1;
  /* Streamed inputs (union, coalesce) only need their own inputs ready. */
  for (int i = 0; i < p->ninputs; i++)
    if (run_inputs(p->inputs[i], ctx, err)) return -1;
  if (p->child) {
    if (p->child->sink) {
      if (run_sink_pipeline(p->child, ctx, err)) return -1;
      p->src.nparts = p->child->sink->out_parts;
    } else if (gather_child(p, ctx, err)) {
      return -1;
    }
  }
  return p->src.vt->prepare ? p->src.vt->prepare(&p->src, ctx, err) : 0;
}

static int run_pipeline(em_pipeline *p, em_exec_ctx *ctx, consume_fn consume, void *user, em_error *err) {
  if (run_inputs(p, ctx, err)) return -1;
  int nparts = total_parts(p);
  run_state rs;
  rs_init(&rs, p, ctx, nparts);
  if (!rs.parts) {
    pthread_mutex_destroy(&rs.mu);
    pthread_cond_destroy(&rs.cv);
    return em_error_internal(err, "out of memory starting a query");
  }
  int width = ctx->threads > 0 ? ctx->threads : em_pool_size();
  int launched = 0, rc = 0, cur = 0;
  bool satisfied = false;
  rs.direct_part = -1;

  /* Partition 0 runs on this thread and streams straight to the consumer,
   * while the pool starts on the next partitions: no thread hop for the
   * first (often the only) partition. */
  launched = 1;
  while (launched < nparts && launched < width && segment_start(p, launched) == 0) {
    if (launch(&rs, launched)) {
      rc = em_error_internal(err, "cannot start a task");
      break;
    }
    launched++;
  }
  if (!rc) {
    rs.direct_part = 0;
    rs.direct = consume;
    rs.direct_user = user;
    em_error perr;
    int prc = run_partition(&rs, 0, &perr);
    rs.direct_part = -1;
    pthread_mutex_lock(&rs.mu);
    rs.parts[0].done = true;
    pthread_mutex_unlock(&rs.mu);
    if (rs.satisfied) {
      satisfied = true;
      cur = nparts;
    } else if (prc) {
      *err = perr;
      rc = -1;
    } else {
      cur = 1;
    }
  }

  while (!rc && cur < nparts) {
    /* Keep `width` tasks in flight, in partition order. */
    while (!satisfied && !rc && launched < nparts && launched - cur < width && segment_start(p, launched) <= cur &&
           launched <= atomic_load(&rs.halt_above)) {
      if (launch(&rs, launched)) {
        rc = em_error_internal(err, "cannot start a task");
        break;
      }
      launched++;
    }
    if (rc) break;
    pthread_mutex_lock(&rs.mu);
    part_queue *q = &rs.parts[cur];
    while (q->head == q->n && !q->done) {
      if (em_exec_cancelled(ctx)) break;
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_nsec += 10 * 1000 * 1000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&rs.cv, &rs.mu, &ts);
    }
    if (q->head == q->n && q->done && q->failed) {
      /* Partitions below this one succeeded: the lowest failure is its
       * (not recorded only when the query was being stopped). */
      if (rs.have_err) *err = rs.task_err;
      else em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      pthread_mutex_unlock(&rs.mu);
      rc = -1;
      break;
    }
    if (em_exec_cancelled(ctx)) {
      pthread_mutex_unlock(&rs.mu);
      rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      break;
    }
    if (q->head < q->n) {
      em_batch *b = q->items[q->head];
      q->items[q->head++] = NULL;
      pthread_mutex_unlock(&rs.mu);
      int c = consume(user, b, err);
      em_batch_unref(b);
      if (c < 0) {
        rc = -1;
        break;
      }
      if (c > 0) {
        satisfied = true;
        break;
      }
      continue;
    }
    /* q->done and drained */
    pthread_mutex_unlock(&rs.mu);
    cur++;
  }

  /* Stop and wait for every task we started, then free what is left. */
  atomic_store(&rs.stop, true);
  pthread_mutex_lock(&rs.mu);
  while (rs.running > 0) pthread_cond_wait(&rs.cv, &rs.mu);
  pthread_mutex_unlock(&rs.mu);
  for (int i = 0; i < nparts; i++) {
    for (int j = rs.parts[i].head; j < rs.parts[i].n; j++)
      if (rs.parts[i].items[j]) em_batch_unref(rs.parts[i].items[j]);
    em_free(rs.parts[i].items);
  }
  em_free(rs.parts);
  pthread_mutex_destroy(&rs.mu);
  pthread_cond_destroy(&rs.cv);
  return rc;
}

typedef struct stream_user {
  em_result_fn fn;
  void *user;
} stream_user;

static int stream_consume(void *user, em_batch *b, em_error *err) {
  stream_user *su = user;
  return su->fn(su->user, b, err) ? -1 : 0;
}

int em_exec_run(const em_plan *plan, em_exec_ctx *ctx, em_result_fn fn, void *user, em_error *err) {
  em_arena a;
  em_arena_init(&a, 4096);
  em_pipeline *root = NULL;
  int rc = em_exec_compile(plan, &a, &root, err);
  if (!rc) {
    stream_user su = {fn, user};
    rc = run_pipeline(root, ctx, stream_consume, &su, err);
    free_owned(root);
  }
  em_arena_destroy(&a);
  return rc;
}

int em_exec_run_parts(const em_plan *plan, em_exec_ctx *ctx, const em_part_consumer *pc, void *user, em_error *err) {
  em_arena a;
  em_arena_init(&a, 4096);
  em_pipeline *root = NULL;
  int rc = em_exec_compile(plan, &a, &root, err);
  if (!rc) {
    root->sink = em_sink_parts_new(&a, pc, user, root->out_schema);
    if (!root->sink) rc = em_error_internal(err, "out of memory");
    else rc = run_sink_pipeline(root, ctx, err);
    free_owned(root);
  }
  em_arena_destroy(&a);
  return rc;
}
