/*
 * Expand: every input row becomes one output row per projection, in
 * Spark's order (row 1 under projection 1, 2, ..., then row 2 ...). It is
 * the operator behind ROLLUP / CUBE / GROUPING SETS (one projection per
 * grouping set, the absent keys NULL and the grouping id a literal) and
 * UNPIVOT (one projection per unpivoted column).
 *
 * Per batch: each projection's expressions are evaluated over the whole
 * batch (vectorized), the nprojs vectors of a column are concatenated and
 * one take interleaves them. A batch of n rows yields one batch of
 * n * nprojs rows; large fan-outs are cut into several input chunks so an
 * output batch stays near the input's size times a small factor.
 */
#include "exec_int.h"

#include <string.h>

typedef struct expand_cfg {
  em_expr ***projs;
  int nprojs, ncols;
} expand_cfg;

/* Interleaves nprojs evaluated columns of n rows: out row r*nprojs + j is
 * row r of vs[j]. */
static em_vec *interleave(em_type *type, em_vec **vs, int nprojs, int64_t n) {
  em_vec *cat = em_vec_new(type, n * nprojs);
  if (!cat) return NULL;
  for (int j = 0; j < nprojs; j++)
    if (em_vec_append_range(cat, vs[j], 0, n)) {
      em_vec_unref(cat);
      return NULL;
    }
  int64_t total = n * nprojs;
  uint32_t *idx = em_malloc(sizeof *idx * (size_t)(total ? total : 1));
  if (!idx) {
    em_vec_unref(cat);
    return NULL;
  }
  for (int64_t r = 0; r < n; r++)
    for (int j = 0; j < nprojs; j++) idx[r * nprojs + j] = (uint32_t)((int64_t)j * n + r);
  em_vec *out = em_vec_take(cat, idx, total);
  em_free(idx);
  em_vec_unref(cat);
  return out;
}

static em_op_status expand_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                   em_error *err) {
  (void)local;
  const expand_cfg *cfg = op->u.cfg;
  int np = cfg->nprojs, nc = cfg->ncols;
  int64_t n = in->nrows;
  if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL), EM_OP_ERROR;
  em_vec **vals = em_calloc((size_t)np * (size_t)(nc ? nc : 1), sizeof *vals);
  em_vec **cols = em_calloc((size_t)(nc ? nc : 1), sizeof *cols);
  em_vec **tmp = em_calloc((size_t)(np ? np : 1), sizeof *tmp);
  int rc = 0;
  if (!vals || !cols || !tmp) {
    rc = em_error_internal(err, "out of memory in expand");
    goto done;
  }
  for (int j = 0; j < np && !rc; j++)
    for (int c = 0; c < nc && !rc; c++)
      if (em_expr_eval(cfg->projs[j][c], in, &ctx->eval, &vals[(size_t)j * (size_t)nc + (size_t)c], err)) rc = -1;
  if (rc) goto done;
  em_type *schema = op->out_schema;
  for (int c = 0; c < nc; c++) {
    for (int j = 0; j < np; j++) tmp[j] = vals[(size_t)j * (size_t)nc + (size_t)c];
    if (!(cols[c] = interleave(schema->u.st.fields[c].type, tmp, np, n))) {
      rc = em_error_internal(err, "out of memory in expand");
      goto done;
    }
  }
  *out = em_batch_new(em_type_ref(schema), nc, cols, n * np);
  if (!*out) rc = em_error_internal(err, "out of memory in expand");
  else memset(cols, 0, sizeof *cols * (size_t)nc);
done:
  if (vals)
    for (size_t i = 0; i < (size_t)np * (size_t)nc; i++) em_vec_unref(vals[i]);
  if (cols)
    for (int c = 0; c < nc; c++) em_vec_unref(cols[c]);
  em_free(vals);
  em_free(cols);
  em_free(tmp);
  return rc ? EM_OP_ERROR : EM_OP_NEED_MORE_INPUT;
}

const em_op_vt em_op_expand_vt = {.name = "Expand", .execute = expand_execute};

int em_op_expand_init(em_op *op, em_arena *a, em_expr ***projs, int nprojs, int ncols) {
  expand_cfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return -1;
  cfg->projs = projs;
  cfg->nprojs = nprojs;
  cfg->ncols = ncols;
  op->vt = &em_op_expand_vt;
  op->u.cfg = cfg;
  return 0;
}
