/*
 * The file scan source: partition p reads its splits (planned at analysis,
 * io/splits.c) one after the other through the format's reader, requesting
 * only the data columns the plan uses, and adds the partition columns as
 * constants of each file. Columns nobody reads are filled with nulls (the
 * operators above never look at them): all-null vectors kept for the
 * process, shared by every scan (a query used to allocate and zero about
 * a megabyte of them, page faults included, for a wide table). Partitions
 * run as parallel tasks.
 *
 * Like Spark's FileScanRDD, the scan tells the task which file its rows
 * come from (em_eval_ctx.input_file, for input_file_name() and _metadata)
 * and clears that at its end, and an error of a format while reading a
 * record (FAILFAST's MALFORMED_RECORD_IN_PARSING) becomes
 * FAILED_READ_FILE.NO_HINT naming the file, as Spark wraps it.
 */
#include "exec_int.h"

#include <pthread.h>
#include <string.h>

typedef struct scan_cfg {
  const em_scan_plan *sp;
  int *cols;   /* data columns the reader produces, in order */
  int ncols;
  int *pos;    /* per output column: index in the reader's batch, or -1 */
  bool *need;  /* per output column */
} scan_cfg;

typedef struct scan_local {
  bool started;
  int split, end;
  em_format_reader *rd;
  int file;
  /* The current file's names for em_input_file. */
  em_strbuf uri, meta_uri;
  const em_split *named; /* the split uri/meta_uri name */
} scan_local;

/* Points the task's input file at split s (NULL: none). */
static int set_input_file(scan_local *st, const em_split *s, em_exec_ctx *ctx) {
  em_input_file *f = ctx->eval.input_file;
  if (!f) return 0;
  if (!s) {
    *f = (em_input_file){.start = -1, .length = -1};
    return 0;
  }
  if (st->named == s && f->uri == st->uri.data) return 0;
  st->named = s;
  em_strbuf_reset(&st->uri);
  em_strbuf_reset(&st->meta_uri);
  if (em_io_file_uri(s->file->path, true, &st->uri) || em_io_file_uri(s->file->path, false, &st->meta_uri))
    return -1;
  /* _metadata.file_name is the URI's last segment (quoted as the URI). */
  const char *slash = strrchr(st->meta_uri.data, '/');
  f->uri = st->uri.data;
  f->meta_uri = st->meta_uri.data;
  f->name = slash ? slash + 1 : st->meta_uri.data;
  f->start = s->start;
  f->length = s->length >= 0 ? s->length : s->file->size - s->start;
  f->size = s->file->size;
  f->mtime_ms = s->file->mtime_ms;
  return 0;
}

/* The file row index of each row of a batch (Parquet's
 * _metadata.row_index): the reader's index of its first row onwards. */
static em_vec *row_index_col(const em_scan_plan *sp, scan_local *st, int64_t rows) {
  int64_t base = sp->format->row_index ? sp->format->row_index(st->rd) : -1;
  em_vec *v = em_vec_new_uninit(em_type_long(), rows);
  if (!v) return NULL;
  int64_t *x = em_vec_values(v);
  for (int64_t k = 0; k < rows; k++) x[k] = base < 0 ? -1 : base + k;
  return v;
}

/* Spark's FileScanRDD reports a record-level failure of a format as
 * FAILED_READ_FILE.NO_HINT with the file's URI (the format's error is the
 * cause, which Ember does not carry). */
static void wrap_read_error(em_error *err, const em_split *s) {
  if (!err || err->cls != EM_ERR_MALFORMED_RECORD_IN_PARSING_WITHOUT_SUGGESTION) return;
  em_strbuf uri;
  em_strbuf_init(&uri);
  em_io_file_uri(s->file->path, true, &uri);
  em_error_set(err, EM_ERR_FAILED_READ_FILE_NO_HINT, "path", uri.data ? uri.data : s->file->path, NULL);
  em_strbuf_free(&uri);
}

/* All-null vectors of unread columns, by type and length, shared by every
 * scan (vectors are immutable once made). Full batches and the short last
 * batch of each row group or file give a few lengths per table; a slot
 * is reused round-robin, and vectors above the byte budget are not kept. */
enum { NULLS_SLOTS = 128, NULLS_BUDGET = 32 << 20 };
static struct {
  em_type *type;
  int64_t rows;
  size_t bytes;
  em_vec *v;
} nulls_cache[NULLS_SLOTS];
static int nulls_next;
static size_t nulls_bytes;
static pthread_mutex_t nulls_mu = PTHREAD_MUTEX_INITIALIZER;

static size_t vec_bytes(const em_vec *v) {
  size_t b = (v->values ? v->values->cap : 0) + (v->validity ? v->validity->cap : 0) + (v->data ? v->data->cap : 0);
  for (int i = 0; i < v->nchildren; i++) b += vec_bytes(v->children[i]);
  return b;
}

/* The all-null column of type t and `rows` rows: a new reference. */
static em_vec *null_col(em_type *t, int64_t rows) {
  pthread_mutex_lock(&nulls_mu);
  for (int k = 0; k < NULLS_SLOTS; k++)
    if (nulls_cache[k].v && nulls_cache[k].rows == rows &&
        (nulls_cache[k].type == t || em_type_equal(nulls_cache[k].type, t, false))) {
      em_vec *v = em_vec_ref(nulls_cache[k].v);
      pthread_mutex_unlock(&nulls_mu);
      return v;
    }
  pthread_mutex_unlock(&nulls_mu);
  em_vec *v = em_vec_new_nulls(t, rows);
  if (!v) return NULL;
  size_t bytes = vec_bytes(v);
  em_vec *old = NULL;
  em_type *old_t = NULL;
  pthread_mutex_lock(&nulls_mu);
  int k = nulls_next;
  if (nulls_bytes - nulls_cache[k].bytes + bytes <= NULLS_BUDGET) {
    old = nulls_cache[k].v;
    old_t = nulls_cache[k].type;
    nulls_bytes = nulls_bytes - nulls_cache[k].bytes + bytes;
    nulls_cache[k].v = em_vec_ref(v);
    nulls_cache[k].type = em_type_ref(t);
    nulls_cache[k].rows = rows;
    nulls_cache[k].bytes = bytes;
    nulls_next = (k + 1) % NULLS_SLOTS;
  }
  pthread_mutex_unlock(&nulls_mu);
  em_vec_unref(old);
  em_type_unref(old_t);
  return v;
}

int em_src_scan_init(em_source *src, const em_lplan *n, em_arena *a, em_error *err) {
  const em_scan_plan *sp = n->u.scan;
  scan_cfg *c = em_arena_calloc(a, sizeof *c);
  int nout = n->nout;
  if (!c || !(c->cols = em_arena_calloc(a, sizeof(int) * (size_t)(nout + 1))) ||
      !(c->pos = em_arena_calloc(a, sizeof(int) * (size_t)(nout + 1))) ||
      !(c->need = em_arena_calloc(a, sizeof(bool) * (size_t)(nout + 1))))
    return em_error_internal(err, "out of memory compiling a scan");
  c->sp = sp;
  for (int i = 0; i < nout; i++) {
    c->need[i] = !sp->needed || sp->needed[i];
    c->pos[i] = -1;
    if (i < sp->ndata && c->need[i]) {
      c->pos[i] = c->ncols;
      c->cols[c->ncols++] = i;
    }
  }
  src->vt = &em_src_scan_vt;
  src->nparts = sp->nparts;
  src->u.cfg = c;
  return 0;
}

static int scan_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  const scan_cfg *c = src->u.cfg;
  const em_scan_plan *sp = c->sp;
  scan_local *st = local;
  *out = NULL;
  if (!st->started) {
    st->started = true;
    st->split = sp->part_start[part];
    st->end = sp->part_start[part + 1];
  }
  for (;;) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
    if (!st->rd) {
      if (st->split >= st->end) return set_input_file(st, NULL, ctx);
      const em_split *s = &sp->splits[st->split];
      em_read_request req = {
          .split = s,
          .data_schema = sp->data_schema,
          .columns = c->cols,
          .ncolumns = c->ncols,
          .filters = sp->filters,
          .nfilters = sp->nfilters,
          /* Row indexes count the rows a reader returns. */
          .filter_rows = sp->filter_rows && !sp->row_index,
          .options = &sp->options,
          .session_tz = ctx->eval.timezone,
          .batch_rows = ctx->batch_rows > 0 ? ctx->batch_rows : 4096,
          /* Idle workers may help inside a split (not with one worker). */
          .submit = (ctx->threads > 0 ? ctx->threads : em_pool_size()) > 1 ? em_pool_submit : NULL,
      };
      st->file = (int)(s->file - sp->files);
      if (sp->format->open(&req, &st->rd, err)) {
        wrap_read_error(err, s);
        return -1;
      }
    }
    em_batch *b = NULL;
    if (sp->format->next(st->rd, &b, err)) {
      wrap_read_error(err, &sp->splits[st->split]);
      return -1;
    }
    if (!b) {
      sp->format->close(st->rd);
      st->rd = NULL;
      st->split++;
      continue;
    }
    int64_t rows = b->nrows;
    if (rows == 0) {
      em_batch_unref(b);
      continue;
    }
    if (set_input_file(st, &sp->splits[st->split], ctx)) {
      em_batch_unref(b);
      return em_error_internal(err, "out of memory in a scan");
    }
    int nout = src->schema->u.st.nfields;
    em_vec **cols = em_calloc((size_t)(nout ? nout : 1), sizeof *cols);
    uint32_t *idx = NULL;
    if (!cols) goto oom;
    for (int i = 0; i < nout; i++) {
      em_type *t = src->schema->u.st.fields[i].type;
      if (c->pos[i] >= 0) {
        cols[i] = em_vec_ref(b->cols[c->pos[i]]);
      } else if (sp->row_index && i == sp->ndata + sp->npart) {
        cols[i] = row_index_col(sp, st, rows);
      } else if (i >= sp->ndata && c->need[i]) {
        if (!idx) {
          if (!(idx = em_malloc(sizeof *idx * (size_t)rows))) goto oom;
          for (int64_t k = 0; k < rows; k++) idx[k] = (uint32_t)st->file;
        }
        cols[i] = em_vec_take(sp->part_values[i - sp->ndata], idx, rows);
      } else {
        cols[i] = null_col(t, rows);
      }
      if (!cols[i]) goto oom;
    }
    em_free(idx);
    em_batch_unref(b);
    *out = em_batch_new(em_type_ref(src->schema), nout, cols, rows);
    em_free(cols);
    if (!*out) return em_error_internal(err, "out of memory in a scan");
    return 0;
  oom:
    if (cols)
      for (int i = 0; i < nout; i++) em_vec_unref(cols[i]);
    em_free(cols);
    em_free(idx);
    em_batch_unref(b);
    return em_error_internal(err, "out of memory in a scan");
  }
}

static void scan_close(const em_source *src, void *local) {
  const scan_cfg *c = src->u.cfg;
  scan_local *st = local;
  if (st->rd) c->sp->format->close(st->rd);
  st->rd = NULL;
  em_strbuf_free(&st->uri);
  em_strbuf_free(&st->meta_uri);
}

const em_source_vt em_src_scan_vt = {
    .name = "FileScan",
    .local_size = sizeof(scan_local),
    .next = scan_next,
    .close_local = scan_close,
};
