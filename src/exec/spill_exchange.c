/*
 * Spilling of hash and single exchanges. When the memory budget refuses
 * the batches an input partition's task holds (op_exchange.c reserves
 * them as they arrive, and the concatenated run at the partition's end),
 * they are written to the map's spill file as a segment: for each reduce
 * partition in turn, its rows in input order (a stable counting sort by
 * reduce partition, gathered batch_rows at a time), and the file offsets
 * where each reduce partition's rows start and end. Later batches of the
 * same input partition go to further segments.
 *
 * A reader of reduce partition r streams map m's segments in order, each
 * from r's start to its end offset: exactly the rows, and the order, the
 * in-memory exchange gives (input order within a map). Several readers
 * share the file, each with its own offset (em_spill_read_until).
 */
#include "exchange_int.h"

#include <string.h>

bool em_xspill_mode(const xcfg *cfg) { return cfg->mode == EM_PART_HASH || cfg->mode == EM_PART_SINGLE; }

static int nred_of(const xcfg *cfg) { return cfg->mode == EM_PART_SINGLE ? 1 : cfg->nparts; }

static int oom(em_error *err) { return em_error_internal(err, "out of memory spilling an exchange"); }

/* Room for one more segment's offsets; the map's file on first use. */
static int prepare(const xcfg *cfg, xmap *mp, em_exec_ctx *ctx, em_error *err) {
  int nred = nred_of(cfg);
  if (!mp->spill) {
    if (!mp->red_bytes && !(mp->red_bytes = em_calloc((size_t)nred + 1, sizeof *mp->red_bytes))) return oom(err);
    if (!mp->starts && !(mp->starts = em_calloc((size_t)nred + 1, sizeof *mp->starts))) return oom(err);
    if (!(mp->spill = em_spill_create(ctx, err))) return -1;
  }
  if (mp->nseg == mp->capseg) {
    int ncap = mp->capseg ? mp->capseg * 2 : 4;
    int64_t *no = em_realloc(mp->seg_off, sizeof *no * (size_t)ncap * (size_t)(nred + 1));
    if (!no) return oom(err);
    mp->seg_off = no;
    mp->capseg = ncap;
  }
  return 0;
}

static void release_held(const xcfg *cfg, xlocal *st) {
  for (int i = 0; i < st->n; i++) {
    em_batch_unref(st->batches[i]);
    em_free(st->pids[i]);
    st->pids[i] = NULL;
    if (st->keys[i]) {
      for (int k = 0; k < cfg->nkeys; k++)
        if (st->keys[i][k]) em_vec_unref(st->keys[i][k]);
      em_free(st->keys[i]);
      st->keys[i] = NULL;
    }
  }
  st->n = 0;
  if (st->mem && st->charged) em_memtracker_release(st->mem, st->charged);
  st->charged = 0;
}

int em_xspill_segment(const xcfg *cfg, em_sink *s, xmap *mp, xlocal *st, em_exec_ctx *ctx, em_error *err) {
  int nred = nred_of(cfg);
  if (prepare(cfg, mp, ctx, err)) return -1;
  int64_t total = 0;
  for (int i = 0; i < st->n; i++) total += st->batches[i]->nrows;
  int64_t *off = mp->seg_off + (size_t)mp->nseg * (size_t)(nred + 1);
  /* Rows by reduce partition, stable: sel (batch) and idx (row) lists. */
  int64_t *start = em_calloc((size_t)nred + 2, sizeof *start);
  uint32_t *sel = em_malloc(sizeof *sel * (size_t)(total ? total : 1));
  uint32_t *idx = em_malloc(sizeof *idx * (size_t)(total ? total : 1));
  int ncols = s->in_schema->u.st.nfields;
  em_vec **srcs = em_calloc((size_t)st->n + 1, sizeof *srcs);
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  int rc = start && sel && idx && srcs && cols ? 0 : oom(err);
  for (int i = 0; !rc && i < st->n; i++)
    for (int64_t j = 0; j < st->batches[i]->nrows; j++) start[(st->pids[i] ? st->pids[i][j] : 0) + 1]++;
  for (int r = 0; !rc && r < nred; r++) start[r + 1] += start[r];
  if (!rc) {
    int64_t *fill = em_malloc(sizeof *fill * (size_t)(nred + 1));
    if (!fill) {
      rc = oom(err);
    } else {
      memcpy(fill, start, sizeof *fill * (size_t)nred);
      for (int i = 0; i < st->n; i++)
        for (int64_t j = 0; j < st->batches[i]->nrows; j++) {
          int64_t at = fill[st->pids[i] ? st->pids[i][j] : 0]++;
          sel[at] = (uint32_t)i;
          idx[at] = (uint32_t)j;
        }
      em_free(fill);
    }
  }
  int64_t chunk = ctx->batch_rows > 0 ? ctx->batch_rows : 4096;
  for (int r = 0; !rc && r < nred; r++) {
    off[r] = mp->spill->bytes;
    for (int64_t a = start[r]; !rc && a < start[r + 1]; a += chunk) {
      if (em_exec_cancelled(ctx)) {
        rc = em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
        break;
      }
      int64_t k = start[r + 1] - a < chunk ? start[r + 1] - a : chunk;
      for (int c = 0; !rc && c < ncols; c++) {
        for (int i = 0; i < st->n; i++) srcs[i] = st->batches[i]->cols[c];
        if (!(cols[c] = em_vec_take_multi(srcs, st->n, sel + a, idx + a, k))) rc = oom(err);
      }
      em_batch *b = NULL;
      if (!rc) {
        b = em_batch_new(em_type_ref(s->in_schema), ncols, cols, k);
        if (!b) rc = oom(err);
      } else {
        for (int c = 0; c < ncols; c++)
          if (cols[c]) em_vec_unref(cols[c]);
      }
      memset(cols, 0, sizeof *cols * (size_t)ncols);
      if (!rc) {
        for (int64_t i = 0; i < k; i++)
          mp->red_bytes[r] += (int64_t)em_unsafe_row_size(b->cols, NULL, b->ncols, i) + 4;
        rc = em_spill_write(mp->spill, ctx, b, err);
      }
      if (b) em_batch_unref(b);
    }
    if (!rc) mp->starts[r + 1] += start[r + 1] - start[r]; /* counts until em_xspill_finish */
  }
  if (!rc) {
    off[nred] = mp->spill->bytes;
    mp->nseg++;
  }
  em_free(start);
  em_free(sel);
  em_free(idx);
  em_free(srcs);
  em_free(cols);
  release_held(cfg, st);
  return rc;
}

int em_xspill_finish(const xcfg *cfg, xmap *mp, em_error *err) {
  int nred = nred_of(cfg);
  /* Counts per reduce partition (in starts[r + 1]) become prefix sums. */
  mp->starts[0] = 0;
  for (int r = 0; r < nred; r++) mp->starts[r + 1] += mp->starts[r];
  mp->n = mp->starts[nred];
  return em_spill_flush(mp->spill, err);
}

int em_xspill_next(const xcfg *cfg, em_sink *s, xmap *mp, int red, xout_local *st, em_batch **out, em_error *err) {
  int nred = nred_of(cfg);
  *out = NULL;
  while (st->seg < mp->nseg) {
    const int64_t *off = mp->seg_off + (size_t)st->seg * (size_t)(nred + 1);
    if (!st->in_seg) {
      st->foff = off[red];
      st->in_seg = true;
    }
    if (st->foff < off[red + 1]) {
      if (em_spill_read_until(mp->spill, &st->foff, off[red + 1], s->in_schema, out, err)) return -1;
      if (*out) return 0;
    }
    st->seg++;
    st->in_seg = false;
  }
  return 0;
}

void em_xspill_free(xmap *mp) {
  em_spill_free(mp->spill);
  mp->spill = NULL;
  em_free(mp->seg_off);
  mp->seg_off = NULL;
  em_free(mp->red_bytes);
  mp->red_bytes = NULL;
  mp->nseg = mp->capseg = 0;
}
