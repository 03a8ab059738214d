/*
 * Sample: the rows of each partition kept by Spark's samplers, with Spark's
 * generators, so a seeded sample returns Spark's rows.
 *
 * Without replacement (BernoulliCellSampler): partition i draws one
 * XORShiftRandom(seed + i).nextDouble() per row and keeps the row when the
 * draw falls in [lower, upper) (randomSplit gives each split its own
 * bounds over the same draws). With replacement (PoissonSampler): the
 * generator of partition i is Well19937c seeded with the (i+1)-th
 * nextLong() of java.util.Random(seed), and each row is repeated a
 * Poisson(upper - lower) number of times. An empty range draws nothing.
 *
 * The per-task state is the generator, created at the first batch from
 * the task's partition index; rows are picked into an index list and
 * gathered with em_vec_take.
 */
#include "exec_int.h"

typedef struct sample_local {
  bool started;
  em_xorshift x;
  em_well w;
  uint32_t *idx;
  int64_t cap;
} sample_local;

static em_op_status sample_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                   em_error *err) {
  sample_local *st = local;
  double lb = op->u.sample.lower, ub = op->u.sample.upper, f = ub - lb;
  *out = NULL;
  if (!st->started) {
    st->started = true;
    int64_t seed = op->u.sample.seed;
    if (op->u.sample.replace) {
      em_jrandom jr;
      em_jrandom_init(&jr, seed);
      int64_t s = em_jrandom_next_long(&jr);
      for (int i = 0; i < ctx->eval.partition; i++) s = em_jrandom_next_long(&jr);
      em_well_init(&st->w, s);
    } else {
      em_xorshift_init(&st->x, (int64_t)((uint64_t)seed + (uint64_t)(int64_t)ctx->eval.partition));
    }
  }
  if (f <= 0) return EM_OP_NEED_MORE_INPUT;
  int64_t n = 0;
  for (int64_t r = 0; r < in->nrows; r++) {
    int64_t times;
    if (op->u.sample.replace) {
      times = em_poisson_sample(&st->w, f);
    } else {
      double x = em_xorshift_next_double(&st->x);
      times = x >= lb && x < ub;
    }
    if (n + times > st->cap) {
      int64_t ncap = (n + times) * 2 + 64;
      uint32_t *ni = em_realloc(st->idx, sizeof *ni * (size_t)ncap);
      if (!ni) return em_error_internal(err, "out of memory sampling"), EM_OP_ERROR;
      st->idx = ni;
      st->cap = ncap;
    }
    for (int64_t t = 0; t < times; t++) st->idx[n++] = (uint32_t)r;
  }
  if (n == 0) return EM_OP_NEED_MORE_INPUT;
  if (n == in->nrows && !op->u.sample.replace) {
    *out = em_batch_ref(in);
    return EM_OP_NEED_MORE_INPUT;
  }
  em_vec **cols = em_calloc((size_t)in->ncols + 1, sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory sampling"), EM_OP_ERROR;
  for (int c = 0; c < in->ncols; c++) {
    if (!(cols[c] = em_vec_take(in->cols[c], st->idx, n))) {
      for (int k = 0; k < c; k++) em_vec_unref(cols[k]);
      em_free(cols);
      return em_error_internal(err, "out of memory sampling"), EM_OP_ERROR;
    }
  }
  *out = em_batch_new(em_type_ref(op->out_schema), in->ncols, cols, n);
  em_free(cols);
  if (!*out) return em_error_internal(err, "out of memory sampling"), EM_OP_ERROR;
  return EM_OP_NEED_MORE_INPUT;
}

static void sample_close(const em_op *op, void *local) {
  (void)op;
  sample_local *st = local;
  em_free(st->idx);
  st->idx = NULL;
}

const em_op_vt em_op_sample_vt = {
    .name = "Sample",
    .local_size = sizeof(sample_local),
    .execute = sample_execute,
    .close_local = sample_close,
};
