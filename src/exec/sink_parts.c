/*
 * A sink that gives every partition of a pipeline to a caller-supplied
 * consumer on the task's own thread (em_exec_run_parts): the write path
 * turns each partition into its own output files this way, all
 * partitions in parallel. The consumer's per-partition state lives in the
 * task's sink-local slot; a task that ends without reaching `combine`
 * (failure, cancellation) closes it with commit = 0.
 */
#include "exec_int.h"

typedef struct parts_cfg {
  const em_part_consumer *pc;
  void *user;
} parts_cfg;

typedef struct parts_local {
  void *state;
  bool open, closed;
} parts_local;

static int parts_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  const parts_cfg *c = s->cfg;
  parts_local *l = local;
  if (!l->open) {
    if (c->pc->open(c->user, part, &l->state, err)) return -1;
    l->open = true;
  }
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  return c->pc->batch(c->user, l->state, b, err);
}

static int parts_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  const parts_cfg *c = s->cfg;
  parts_local *l = local;
  if (!l->open) return 0;
  l->closed = true;
  return c->pc->close(c->user, l->state, 1, err);
}

static void parts_close_local(em_sink *s, void *local) {
  const parts_cfg *c = s->cfg;
  parts_local *l = local;
  if (l->open && !l->closed) {
    em_error e;
    c->pc->close(c->user, l->state, 0, &e);
  }
}

static int parts_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  s->out_parts = 0;
  return 0;
}

static int parts_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  *out = NULL;
  return 0;
}

static const em_sink_vt parts_vt = {
    .name = "parts",
    .local_size = sizeof(parts_local),
    .sink = parts_sink,
    .combine = parts_combine,
    .close_local = parts_close_local,
    .finalize = parts_finalize,
    .next = parts_next,
};

em_sink *em_sink_parts_new(em_arena *a, const em_part_consumer *pc, void *user, em_type *in_schema) {
  parts_cfg *c = em_arena_calloc(a, sizeof *c);
  if (!c) return NULL;
  c->pc = pc;
  c->user = user;
  return em_sink_new(a, &parts_vt, c, in_schema, in_schema);
}
