/*
 * The range source: spark.range(start, end, step, numPartitions).
 *
 * Partition i holds elements [i*N/P, (i+1)*N/P) of the N-element sequence,
 * as Spark's RangeExec splits it, so spark_partition_id() and the order of
 * collect() agree with Spark. Arithmetic is done in 128 bits: start + k*step
 * may overflow 64 bits for extreme arguments, where Spark wraps the same way
 * its long arithmetic does.
 */
#include "exec_int.h"

typedef struct range_local {
  bool started;
  __int128 next;  /* index of the next element within the whole sequence */
  __int128 stop;  /* one past the partition's last element index */
} range_local;

static __int128 range_count(int64_t start, int64_t end, int64_t step) {
  if (step == 0) return 0;
  __int128 span = (__int128)end - start;
  if ((step > 0 && span <= 0) || (step < 0 && span >= 0)) return 0;
  __int128 n = span / step;
  if (span % step != 0) n++;
  return n;
}

static int range_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  range_local *st = local;
  const int64_t start = src->u.range.start, step = src->u.range.step;
  if (!st->started) {
    __int128 n = range_count(start, src->u.range.end, step);
    st->next = n * part / src->nparts;
    st->stop = n * (part + 1) / src->nparts;
    st->started = true;
  }
  *out = NULL;
  if (st->next >= st->stop) return 0;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
  int64_t rows = ctx->batch_rows;
  if ((__int128)rows > st->stop - st->next) rows = (int64_t)(st->stop - st->next);
  em_vec *v = em_vec_new_uninit(em_type_long(), rows);
  if (!v) return em_error_internal(err, "out of memory in range");
  int64_t *vals = em_vec_values(v);
  /* Two's-complement wrap like Spark's long arithmetic. */
  uint64_t x = (uint64_t)start + (uint64_t)(int64_t)st->next * (uint64_t)step;
  for (int64_t i = 0; i < rows; i++, x += (uint64_t)step) vals[i] = (int64_t)x;
  v->len = rows;
  v->values->len = (size_t)rows * 8;
  st->next += rows;
  em_vec *cols[1] = {v};
  *out = em_batch_new(em_type_ref(src->schema), 1, cols, rows);
  if (!*out) return em_error_internal(err, "out of memory in range");
  return 0;
}

const em_source_vt em_src_range_vt = {
    .name = "Range",
    .local_size = sizeof(range_local),
    .next = range_next,
};

/* The batches source: hands out batches already in memory (a local
 * relation, or the gathered output of a child pipeline). Partition i of P
 * gets rows [i*N/P, (i+1)*N/P) of the N rows, as Spark's
 * ParallelCollectionRDD slices a local relation; batches are cut to at
 * most batch_rows rows. */
typedef struct batches_local {
  bool started;
  int idx;      /* current batch */
  int64_t row;  /* next row within it */
  int64_t left; /* rows of the partition still to hand out */
} batches_local;

static int batches_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx,
                        em_error *err) {
  batches_local *st = local;
  *out = NULL;
  int nb = src->u.batches.nbatches;
  if (!st->started) {
    st->started = true;
    int64_t total = 0;
    for (int i = 0; i < nb; i++) total += src->u.batches.batches[i]->nrows;
    int np = src->nparts > 0 ? src->nparts : 1;
    int64_t first = (int64_t)((__int128)total * part / np), last = (int64_t)((__int128)total * (part + 1) / np);
    st->left = last - first;
    /* Find the batch holding row `first`. */
    while (st->idx < nb && first >= src->u.batches.batches[st->idx]->nrows) {
      first -= src->u.batches.batches[st->idx]->nrows;
      st->idx++;
    }
    st->row = first;
  }
  while (st->left > 0 && st->idx < nb) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    em_batch *b = src->u.batches.batches[st->idx];
    if (st->row >= b->nrows) {
      st->idx++;
      st->row = 0;
      continue;
    }
    int64_t n = b->nrows - st->row;
    if (n > ctx->batch_rows) n = ctx->batch_rows;
    if (n > st->left) n = st->left;
    if (st->row == 0 && n == b->nrows) {
      *out = em_batch_ref(b);
    } else {
      *out = em_batch_slice_copy(b, st->row, n);
      if (!*out) return em_error_internal(err, "out of memory slicing a batch");
    }
    st->row += n;
    st->left -= n;
    return 0;
  }
  return 0;
}

const em_source_vt em_src_batches_vt = {
    .name = "LocalTableScan",
    .local_size = sizeof(batches_local),
    .next = batches_next,
};
