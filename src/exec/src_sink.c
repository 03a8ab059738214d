/*
 * The source that reads a finalized sink's output (an aggregate's groups,
 * a sort's runs, an exchange's partitions): it forwards to the sink's next
 * with a per-task state of the sink's chosen size.
 */
#include "exec_int.h"

typedef struct sink_src_local {
  void *inner;
  bool started;
} sink_src_local;

static int sink_src_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx,
                         em_error *err) {
  sink_src_local *st = local;
  em_sink *s = src->u.sink;
  if (!st->started) {
    st->started = true;
    if (s->vt->source_local_size && !(st->inner = em_calloc(1, s->vt->source_local_size)))
      return em_error_internal(err, "out of memory reading %s output", s->vt->name);
  }
  *out = NULL;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  return s->vt->next(s, st->inner, part, out, ctx, err);
}

static void sink_src_close(const em_source *src, void *local) {
  sink_src_local *st = local;
  if (st->inner && src->u.sink->vt->source_close) src->u.sink->vt->source_close(src->u.sink, st->inner);
  em_free(st->inner);
  st->inner = NULL;
}

const em_source_vt em_src_sink_vt = {
    .name = "SinkOutput",
    .local_size = sizeof(sink_src_local),
    .next = sink_src_next,
    .close_local = sink_src_close,
};
