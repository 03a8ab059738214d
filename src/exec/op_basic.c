/*
 * Row-preserving operators: project (evaluate expressions), filter (keep
 * rows whose condition is true) and the per-partition limit that lets a
 * partition stop reading its source early.
 */
#include "exec_int.h"

#include <string.h>

static em_op_status project_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                    em_error *err) {
  (void)local;
  int n = op->u.project.nexprs;
  em_vec **cols = em_calloc((size_t)(n ? n : 1), sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory in project"), EM_OP_ERROR;
  for (int i = 0; i < n; i++) {
    if (em_expr_eval(op->u.project.exprs[i], in, &ctx->eval, &cols[i], err)) {
      for (int j = 0; j < i; j++) em_vec_unref(cols[j]);
      em_free(cols);
      return EM_OP_ERROR;
    }
  }
  *out = em_batch_new(em_type_ref(op->out_schema), n, cols, in->nrows);
  em_free(cols);
  if (!*out) return em_error_internal(err, "out of memory in project"), EM_OP_ERROR;
  return EM_OP_NEED_MORE_INPUT;
}

const em_op_vt em_op_project_vt = {.name = "Project", .execute = project_execute};

/* Builds a batch of the rows idx[0..nkeep): every column is taken with
 * the same index list (one tight loop per column whatever the
 * selectivity). */
static em_batch *select_rows(const em_batch *in, const uint32_t *idx, int64_t nkeep) {
  em_vec **cols = em_calloc((size_t)(in->ncols ? in->ncols : 1), sizeof *cols);
  if (!cols) return NULL;
  for (int c = 0; c < in->ncols; c++) {
    if (!(cols[c] = em_vec_take(in->cols[c], idx, nkeep))) {
      for (int j = 0; j < c; j++) em_vec_unref(cols[j]);
      em_free(cols);
      return NULL;
    }
  }
  em_batch *b = em_batch_new(em_type_ref(in->schema), in->ncols, cols, nkeep);
  em_free(cols);
  return b;
}

/* Bits w*64.. of a boolean condition over n rows: true and valid. */
static inline uint64_t true_bits(const uint8_t *vals, const uint8_t *valid, int64_t n, int64_t w) {
  int64_t m = n - w * 64 < 64 ? n - w * 64 : 64;
  size_t nb = (size_t)(m + 7) / 8;
  uint64_t bits = 0, ok = ~(uint64_t)0;
  memcpy(&bits, vals + w * 8, nb);
  if (valid) {
    ok = 0;
    memcpy(&ok, valid + w * 8, nb);
  }
  bits &= ok;
  return m < 64 ? bits & (((uint64_t)1 << m) - 1) : bits;
}

static em_op_status filter_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                   em_error *err) {
  (void)local;
  em_vec *cond = NULL;
  if (em_expr_eval(op->u.filter.cond, in, &ctx->eval, &cond, err)) return EM_OP_ERROR;
  int64_t n = in->nrows;
  /* The rows whose condition is true (set and valid), 64 at a time:
   * counted first, so that a batch passing whole (or not at all) needs no
   * row list. */
  const uint8_t *vals = cond->values ? cond->values->data : NULL;
  const uint8_t *valid = cond->validity ? cond->validity->data : NULL;
  int64_t nkeep = 0;
  for (int64_t w = 0; vals && w * 64 < n; w++) nkeep += __builtin_popcountll(true_bits(vals, valid, n, w));
  if (nkeep == n) {
    em_vec_unref(cond);
    *out = em_batch_ref(in);
    return EM_OP_NEED_MORE_INPUT;
  }
  if (nkeep == 0) {
    em_vec_unref(cond);
    *out = NULL;
    return EM_OP_NEED_MORE_INPUT;
  }
  uint32_t *idx = em_malloc(sizeof *idx * (size_t)nkeep);
  if (!idx) {
    em_vec_unref(cond);
    return em_error_internal(err, "out of memory in filter"), EM_OP_ERROR;
  }
  int64_t k = 0;
  for (int64_t w = 0; w * 64 < n; w++)
    for (uint64_t bits = true_bits(vals, valid, n, w); bits; bits &= bits - 1)
      idx[k++] = (uint32_t)(w * 64 + __builtin_ctzll(bits));
  em_vec_unref(cond);
  *out = select_rows(in, idx, nkeep);
  em_free(idx);
  if (!*out) return em_error_internal(err, "out of memory in filter"), EM_OP_ERROR;
  return EM_OP_NEED_MORE_INPUT;
}

const em_op_vt em_op_filter_vt = {.name = "Filter", .execute = filter_execute};

typedef struct limit_local {
  int64_t seen;
} limit_local;

static em_op_status local_limit_execute(const em_op *op, void *local, em_batch *in, em_batch **out,
                                        em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  limit_local *st = local;
  int64_t left = op->u.limit.n - st->seen;
  if (left <= 0) {
    *out = NULL;
    return EM_OP_FINISHED;
  }
  *out = em_batch_head(in, left);
  if (!*out) return em_error_internal(err, "out of memory in limit"), EM_OP_ERROR;
  st->seen += (*out)->nrows;
  return st->seen >= op->u.limit.n ? EM_OP_FINISHED : EM_OP_NEED_MORE_INPUT;
}

const em_op_vt em_op_local_limit_vt = {
    .name = "LocalLimit", .local_size = sizeof(limit_local), .execute = local_limit_execute};

em_batch *em_batch_head(em_batch *b, int64_t n) {
  if (n >= b->nrows) return em_batch_ref(b);
  return em_batch_slice_copy(b, 0, n < 0 ? 0 : n);
}
