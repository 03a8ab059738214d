/*
 * Generate: explode, posexplode, inline (and their _outer forms), stack and
 * WebAssembly table functions.
 * For each input batch the operator evaluates the generator's input once,
 * computes for every output row its input row (and element, or -1 for
 * the NULL row of an _outer generator over a NULL or empty collection),
 * and gathers every column in one pass: the child's columns with the
 * input rows, the generated ones with the elements. Output order is input
 * order, elements in order within a row, as Spark's GenerateExec.
 *
 * Memory: one output batch per input batch (a fan-out of k makes it k
 * times larger); nothing is kept between batches.
 */
#include "exec_int.h"
#include "../expr/nested.h"

#include <string.h>

typedef struct gen_cfg {
  int gen;
  bool outer;
  em_expr *input;
  em_expr **args;
  int nargs, rows;
  int nchild; /* the child's columns come first in the output */
} gen_cfg;

typedef struct em_i64s_t {
  int64_t *p;
  int64_t n, cap;
} em_i64s_t;

static int push(em_i64s_t *a, int64_t v) {
  if (a->n == a->cap) {
    int64_t nc = a->cap ? a->cap * 2 : 256;
    int64_t *np = em_realloc(a->p, sizeof *np * (size_t)nc);
    if (!np) return -1;
    a->p = np;
    a->cap = nc;
  }
  a->p[a->n++] = v;
  return 0;
}

static em_vec *pos_vec(const em_i64s_t *pos) {
  em_vec *v = em_vec_new(em_type_int(), pos->n);
  if (!v) return NULL;
  for (int64_t i = 0; i < pos->n; i++) {
    int32_t x = (int32_t)pos->p[i];
    if (pos->p[i] < 0 ? em_vec_append_null(v) : em_vec_append_fixed(v, &x)) {
      em_vec_unref(v);
      return NULL;
    }
  }
  return v;
}

static em_op_status generate_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                     em_error *err) {
  (void)local;
  const gen_cfg *cfg = op->u.cfg;
  const em_type *schema = op->out_schema;
  int nout = schema->u.st.nfields;
  int64_t n = in->nrows;
  em_i64s_t rows = {0}, elems = {0}, pos = {0};
  em_vec *src = NULL, **cols = em_calloc((size_t)nout + 1, sizeof *cols), **vals = NULL;
  em_op_status st = EM_OP_ERROR;
  uint32_t *ridx = NULL;
  if (!cols) goto oom;
  if (cfg->gen == EM_GEN_WASM) {
    /* A WebAssembly table function: its kernel returns the parent row of
     * each output row and the output columns (wasm/table.c). */
    const em_expr *call = cfg->input;
    vals = em_calloc((size_t)call->nargs + 1, sizeof *vals);
    if (!vals) goto oom;
    int rc = 0;
    for (int i = 0; i < call->nargs && !rc; i++) rc = em_expr_eval(call->args[i], in, &ctx->eval, &vals[i], err);
    if (!rc) rc = call->u.fn.kernel(call, vals, n, &ctx->eval, &src, err);
    for (int i = 0; i < call->nargs; i++)
      if (vals[i]) em_vec_unref(vals[i]);
    em_free(vals);
    vals = NULL;
    if (rc) goto done;
    const int32_t *par = em_vec_values(src->children[0]);
    for (int64_t r = 0; r < src->len; r++)
      if (push(&rows, par[r])) goto oom;
    for (int c = cfg->nchild; c < nout; c++) cols[c] = em_vec_ref(src->children[c - cfg->nchild + 1]);
  } else if (cfg->gen == EM_GEN_STACK) {
    int ncol = nout - cfg->nchild;
    vals = em_calloc((size_t)cfg->nargs + 1, sizeof *vals);
    if (!vals) goto oom;
    for (int i = 0; i < cfg->nargs; i++)
      if (em_expr_eval(cfg->args[i], in, &ctx->eval, &vals[i], err)) goto done;
    for (int64_t i = 0; i < n; i++)
      for (int k = 0; k < cfg->rows; k++)
        if (push(&rows, i) || push(&elems, k)) goto oom;
    for (int c = 0; c < ncol; c++) {
      em_type *t = schema->u.st.fields[cfg->nchild + c].type;
      em_vec *all = em_vec_new(t, n * cfg->rows);
      int64_t *idx = em_malloc(sizeof *idx * (size_t)(rows.n + 1));
      if (!all || !idx) {
        if (all) em_vec_unref(all);
        em_free(idx);
        goto oom;
      }
      for (int k = 0; k < cfg->rows; k++) {
        int a = k * ncol + c;
        int rc = a < cfg->nargs ? em_vec_append_range(all, vals[a], 0, n) : 0;
        for (int64_t i = 0; !rc && a >= cfg->nargs && i < n; i++) rc = em_vec_append_null(all);
        if (rc) {
          em_vec_unref(all);
          em_free(idx);
          goto oom;
        }
      }
      for (int64_t r = 0; r < rows.n; r++) idx[r] = elems.p[r] * n + rows.p[r];
      cols[cfg->nchild + c] = em_nested_gather(t, all, idx, rows.n);
      em_vec_unref(all);
      em_free(idx);
      if (!cols[cfg->nchild + c]) goto oom;
    }
  } else {
    if (em_expr_eval(cfg->input, in, &ctx->eval, &src, err)) goto done;
    const int32_t *o = em_vec_offsets(src);
    for (int64_t i = 0; i < n; i++) {
      bool null = em_vec_is_null(src, i);
      int32_t len = null ? 0 : o[i + 1] - o[i];
      if (len == 0) {
        if (cfg->outer && (push(&rows, i) || push(&elems, -1) || push(&pos, -1))) goto oom;
        continue;
      }
      for (int32_t j = 0; j < len; j++)
        if (push(&rows, i) || push(&elems, o[i] + j) || push(&pos, j)) goto oom;
    }
    int c = cfg->nchild;
    if (cfg->gen == EM_GEN_POSEXPLODE && !(cols[c++] = pos_vec(&pos))) goto oom;
    const em_vec *ch = src->children[0];
    if (cfg->gen == EM_GEN_INLINE) {
      /* A NULL struct element gives a row of NULLs. */
      for (int64_t r = 0; r < elems.n; r++)
        if (elems.p[r] >= 0 && em_vec_is_null(ch, elems.p[r])) elems.p[r] = -1;
      for (int f = 0; f < ch->nchildren; f++, c++)
        if (!(cols[c] = em_nested_gather(schema->u.st.fields[c].type, ch->children[f], elems.p, elems.n))) goto oom;
    } else if (src->type->id == EM_T_MAP) {
      for (int f = 0; f < 2; f++, c++)
        if (!(cols[c] = em_nested_gather(schema->u.st.fields[c].type, ch->children[f], elems.p, elems.n))) goto oom;
    } else {
      if (!(cols[c] = em_nested_gather(schema->u.st.fields[c].type, ch, elems.p, elems.n))) goto oom;
    }
  }
  ridx = em_malloc(sizeof *ridx * (size_t)(rows.n + 1));
  if (!ridx) goto oom;
  for (int64_t r = 0; r < rows.n; r++) ridx[r] = (uint32_t)rows.p[r];
  for (int c = 0; c < cfg->nchild; c++)
    if (!(cols[c] = em_vec_take(in->cols[c], ridx, rows.n))) goto oom;
  *out = em_batch_new(em_type_ref(op->out_schema), nout, cols, rows.n);
  for (int c = 0; c < nout; c++) cols[c] = NULL;
  if (!*out) goto oom;
  st = EM_OP_NEED_MORE_INPUT;
  goto done;
oom:
  em_error_internal(err, "out of memory in generate");
done:
  if (cols)
    for (int c = 0; c < nout; c++)
      if (cols[c]) em_vec_unref(cols[c]);
  if (vals)
    for (int i = 0; i < cfg->nargs; i++)
      if (vals[i]) em_vec_unref(vals[i]);
  em_free(vals);
  em_free(cols);
  em_free(ridx);
  em_free(rows.p);
  em_free(elems.p);
  em_free(pos.p);
  if (src) em_vec_unref(src);
  return st;
}

const em_op_vt em_op_generate_vt = {.name = "Generate", .execute = generate_execute};

int em_op_generate_init(em_op *op, const em_lplan *n, em_arena *a, em_error *err) {
  gen_cfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory compiling a plan");
  cfg->gen = n->u.generate.gen;
  cfg->outer = n->u.generate.outer;
  cfg->input = n->u.generate.input;
  cfg->args = n->u.generate.args;
  cfg->nargs = n->u.generate.nargs;
  cfg->rows = n->u.generate.stack_rows;
  cfg->nchild = n->child->nout;
  op->vt = &em_op_generate_vt;
  op->u.cfg = cfg;
  return 0;
}
