/*
 * Window: computes window functions over its input partitions.
 *
 * Below the operator the plan hash-partitions rows by the window's
 * partition keys (an exchange; one partition without keys) and sorts each
 * partition by partition then order keys (a sort within partitions), so a
 * task's input is a run of whole window partitions in order. The operator
 * is a sink: each task keeps its batches; when its partition ends
 * (combine, on the task's thread, so partitions are computed in parallel)
 * it concatenates them, finds the window partitions and peer groups by
 * comparing adjacent keys, evaluates every window expression over the run
 * (expr/win_*.c) and keeps the run with the window columns appended. The
 * output partition p is then served in batches of batch_rows.
 *
 * Memory: a task's partition is held in memory while it is computed
 * (charged to nothing yet; spilling is the sort's and exchange's job).
 */
#include "exec_int.h"

#include <string.h>

typedef struct win_local {
  em_batch **batches;
  int n, cap;
} win_local;

typedef struct win_state {
  em_batch **out; /* per partition, NULL when empty */
  int nparts;
} win_state;

typedef struct win_out_local {
  int64_t pos;
} win_out_local;

static int oom(em_error *err) { return em_error_internal(err, "out of memory in a window"); }

static int win_sink(em_sink *s, void *local, int part, em_batch *b, em_exec_ctx *ctx, em_error *err) {
  (void)s;
  (void)part;
  (void)ctx;
  win_local *st = local;
  if (b->nrows == 0) return 0;
  if (st->n == st->cap) {
    int nc = st->cap ? st->cap * 2 : 16;
    em_batch **nb = em_realloc(st->batches, sizeof *nb * (size_t)nc);
    if (!nb) return oom(err);
    st->batches = nb;
    st->cap = nc;
  }
  st->batches[st->n++] = em_batch_ref(b);
  return 0;
}

static void win_close_local(em_sink *s, void *local) {
  (void)s;
  win_local *st = local;
  for (int i = 0; i < st->n; i++) em_batch_unref(st->batches[i]);
  em_free(st->batches);
  memset(st, 0, sizeof *st);
}

static win_state *state_of(em_sink *s, em_error *err) {
  pthread_mutex_lock(&s->mu);
  if (!s->state) {
    win_state *ws = em_calloc(1, sizeof *ws);
    int np = s->in_parts > 0 ? s->in_parts : 1;
    if (ws && (ws->out = em_calloc((size_t)np, sizeof *ws->out))) {
      ws->nparts = np;
      s->state = ws;
    } else {
      em_free(ws);
    }
  }
  win_state *r = s->state;
  pthread_mutex_unlock(&s->mu);
  if (!r) oom(err);
  return r;
}

/* All batches of a task as one. */
static em_batch *concat_batches(em_type *schema, em_batch **bs, int n, em_error *err) {
  int64_t total = 0;
  for (int i = 0; i < n; i++) total += bs[i]->nrows;
  int ncols = schema->u.st.nfields;
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  if (!cols) return oom(err), NULL;
  for (int c = 0; c < ncols; c++) {
    if (n == 1) {
      cols[c] = em_vec_ref(bs[0]->cols[c]);
      continue;
    }
    cols[c] = em_vec_new(schema->u.st.fields[c].type, total);
    for (int i = 0; cols[c] && i < n; i++)
      if (em_vec_append_range(cols[c], bs[i]->cols[c], 0, bs[i]->nrows)) {
        em_vec_unref(cols[c]);
        cols[c] = NULL;
      }
    if (!cols[c]) {
      for (int k = 0; k < c; k++) em_vec_unref(cols[k]);
      em_free(cols);
      return oom(err), NULL;
    }
  }
  em_batch *b = em_batch_new(em_type_ref(schema), ncols, cols, total);
  em_free(cols);
  if (!b) oom(err);
  return b;
}

static int eval_keys(em_expr **keys, int n, em_batch *b, em_exec_ctx *ctx, em_vec **out, em_error *err) {
  for (int k = 0; k < n; k++)
    if (em_expr_eval(keys[k], b, &ctx->eval, &out[k], err)) return -1;
  return 0;
}

static void free_vecs(em_vec **v, int n) {
  if (!v) return;
  for (int i = 0; i < n; i++)
    if (v[i]) em_vec_unref(v[i]);
  em_free(v);
}

/* Computes the window columns of one task's run. */
static int compute(em_sink *s, em_batch *in, em_exec_ctx *ctx, em_batch **out, em_error *err) {
  const em_lplan *n = s->cfg;
  int64_t rows = in->nrows;
  int npk = n->u.window.npkeys, nok = n->u.window.nokeys, nx = n->u.window.nexprs;
  int ncols = in->ncols;
  em_vec **pk = em_calloc((size_t)npk + 1, sizeof *pk), **ok = em_calloc((size_t)nok + 1, sizeof *ok);
  em_vec **cols = em_calloc((size_t)(ncols + nx) + 1, sizeof *cols);
  int64_t *pstart = em_malloc(sizeof *pstart * (size_t)(rows + 2));
  uint32_t *part = em_malloc(sizeof *part * (size_t)(rows + 1));
  int64_t *ps = em_malloc(sizeof *ps * (size_t)(rows + 1)), *pe = em_malloc(sizeof *pe * (size_t)(rows + 1));
  bool *asc = em_calloc((size_t)(npk + nok) + 1, sizeof *asc);
  int rc = 0;
  if (!pk || !ok || !cols || !pstart || !part || !ps || !pe || !asc) rc = oom(err);
  if (!rc) rc = eval_keys(n->u.window.pkeys, npk, in, ctx, pk, err);
  if (!rc) rc = eval_keys(n->u.window.okeys, nok, in, ctx, ok, err);
  if (!rc) {
    for (int k = 0; k < npk + nok; k++) asc[k] = true;
    /* Window partitions and peer groups. */
    int np = 0;
    for (int64_t i = 0; i < rows; i++) {
      bool newp = i == 0 || em_sort_compare_rows(asc, asc, npk, pk, i - 1, pk, i) != 0;
      if (newp) pstart[np++] = i;
      part[i] = (uint32_t)(np - 1);
      bool newpeer = newp || em_sort_compare_rows(asc, asc, nok, ok, i - 1, ok, i) != 0;
      ps[i] = newpeer ? i : ps[i - 1];
    }
    pstart[np] = rows;
    for (int64_t i = rows - 1; i >= 0; i--)
      pe[i] = i + 1 < rows && ps[i + 1] == ps[i] ? pe[i + 1] : i + 1;
    em_win_run run = {.n = rows, .pstart = pstart, .npart = np, .part = part, .peer_start = ps, .peer_end = pe,
                      .order_key = nok ? ok[0] : NULL, .order_asc = nok ? n->u.window.ascending[0] : true};
    for (int c = 0; c < ncols; c++) cols[c] = em_vec_ref(in->cols[c]);
    for (int x = 0; !rc && x < nx; x++) {
      if (em_exec_cancelled(ctx)) rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      else rc = em_win_eval(&n->u.window.exprs[x], in, &run, &ctx->eval, &cols[ncols + x], err);
    }
    if (!rc) {
      *out = em_batch_new(em_type_ref(s->out_schema), ncols + nx, cols, rows);
      if (!*out) rc = oom(err);
    } else {
      for (int c = 0; c < ncols + nx; c++)
        if (cols[c]) em_vec_unref(cols[c]);
    }
  }
  free_vecs(pk, npk);
  free_vecs(ok, nok);
  em_free(cols);
  em_free(pstart);
  em_free(part);
  em_free(ps);
  em_free(pe);
  em_free(asc);
  return rc;
}

static int win_combine(em_sink *s, void *local, int part, em_exec_ctx *ctx, em_error *err) {
  win_local *st = local;
  win_state *ws = state_of(s, err);
  if (!ws) return -1;
  if (part < 0 || part >= ws->nparts) return em_error_internal(err, "window: partition out of range");
  if (st->n == 0) return 0;
  em_batch *in = concat_batches(s->in_schema, st->batches, st->n, err);
  win_close_local(s, local);
  if (!in) return -1;
  if (in->nrows > UINT32_MAX) {
    em_batch_unref(in);
    return em_error_internal(err, "window: partition of more than 2^32 rows");
  }
  em_batch *out = NULL;
  int rc = compute(s, in, ctx, &out, err);
  em_batch_unref(in);
  if (!rc) ws->out[part] = out;
  return rc;
}

static int win_finalize(em_sink *s, em_exec_ctx *ctx, em_error *err) {
  (void)ctx;
  if (!state_of(s, err)) return -1;
  s->out_parts = s->in_parts > 0 ? s->in_parts : 1;
  return 0;
}

static int win_next(em_sink *s, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  win_state *ws = s->state;
  win_out_local *st = local;
  *out = NULL;
  if (!ws || part >= ws->nparts || !ws->out[part]) return 0;
  em_batch *b = ws->out[part];
  if (st->pos >= b->nrows) return 0;
  int64_t m = b->nrows - st->pos < ctx->batch_rows ? b->nrows - st->pos : ctx->batch_rows;
  if (st->pos == 0 && m == b->nrows) *out = em_batch_ref(b);
  else *out = em_batch_slice_copy(b, st->pos, m);
  if (!*out) return oom(err);
  st->pos += m;
  return 0;
}

static void win_destroy(em_sink *s) {
  win_state *ws = s->state;
  if (!ws) return;
  for (int i = 0; i < ws->nparts; i++)
    if (ws->out[i]) em_batch_unref(ws->out[i]);
  em_free(ws->out);
  em_free(ws);
  s->state = NULL;
}

const em_sink_vt em_sink_window_vt = {
    .name = "Window",
    .local_size = sizeof(win_local),
    .sink = win_sink,
    .combine = win_combine,
    .close_local = win_close_local,
    .finalize = win_finalize,
    .source_local_size = sizeof(win_out_local),
    .next = win_next,
    .destroy = win_destroy,
};

em_sink *em_sink_window_new(em_arena *a, const em_lplan *n, em_type *in_schema, em_type *out_schema) {
  return em_sink_new(a, &em_sink_window_vt, n, in_schema, out_schema);
}
