/*
 * em_format_parquet: the Parquet format as the data-source layer sees it
 * (format.h). A split reads the row groups whose byte midpoint lies in
 * it, as parquet-mr assigns row groups to splits, so every row group is
 * read by exactly one split however a file is cut. Row groups whose
 * statistics prove that a pushed filter matches no row are skipped; below
 * a deterministic filter, rows a pushed filter rejects are left out of the
 * batches, and the other columns of a batch whose rows are all rejected
 * are never assembled. For
 * each remaining row group only the column chunks of the requested
 * columns are read and decoded (parquet_column.c), then batches of
 * batch_rows rows are assembled from them (parquet_assemble.c).
 *
 * Columns are matched to the requested schema by name (case-insensitive,
 * as Spark with spark.sql.caseSensitive=false); a column the file lacks
 * reads as nulls. Integer and float columns widen to a wider requested
 * type; other type differences are errors.
 */
#include "parquet_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pq_file {
  int fd;
  int64_t size;
  em_pq_footer *footer; /* shared, read-only (parquet_footer_cache.c) */
  const em_pq_meta *meta;
  const em_pq_schema *schema;
} pq_file;

static void pq_file_close(pq_file *f) {
  if (f->fd >= 0) close(f->fd);
  em_pq_footer_release(f->footer);
  f->fd = -1;
  f->footer = NULL;
  f->schema = NULL;
  f->meta = NULL;
}

static int pq_file_open(const char *path, pq_file *f, em_error *err) {
  memset(f, 0, sizeof *f);
  f->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (f->fd < 0) {
    em_error_set(err, EM_ERR_FAILED_READ_FILE_NO_HINT, "path", path, NULL);
    em_error_append(err, " %s.", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(f->fd, &st) || !S_ISREG(st.st_mode)) {
    close(f->fd);
    f->fd = -1;
    return em_pq_corrupt(err, path, "not a regular file");
  }
  f->size = st.st_size;
  if (em_pq_footer_get(f->fd, f->size, path, &f->footer, err)) {
    pq_file_close(f);
    return -1;
  }
  f->meta = em_pq_footer_meta(f->footer);
  f->schema = em_pq_footer_schema(f->footer);
  return 0;
}

/* ---- schema inference ---- */

/* Merges the fields of b into a (a new STRUCT). Same-named fields must
 * have equal types. */
static em_type *merge_struct(const em_type *a, const em_type *b, const char *path, em_error *err) {
  int n = a->u.st.nfields;
  for (int j = 0; j < b->u.st.nfields; j++) {
    bool found = false;
    for (int i = 0; i < a->u.st.nfields; i++) found |= em_strcaseeq(a->u.st.fields[i].name, b->u.st.fields[j].name);
    n += !found;
  }
  em_type *st = em_type_struct_new(n);
  if (!st) return em_error_internal(err, "out of memory"), NULL;
  int k = 0;
  for (int i = 0; i < a->u.st.nfields; i++) {
    const em_field *fa = &a->u.st.fields[i];
    for (int j = 0; j < b->u.st.nfields; j++) {
      const em_field *fb = &b->u.st.fields[j];
      if (em_strcaseeq(fa->name, fb->name) && !em_type_equal(fa->type, fb->type, true)) {
        em_type_unref(st);
        em_strbuf x, y;
        em_strbuf_init(&x);
        em_strbuf_init(&y);
        em_type_simple_string(fa->type, &x);
        em_type_simple_string(fb->type, &y);
        em_error_set(err, EM_ERR_CANNOT_MERGE_SCHEMAS, "left", x.data ? x.data : "", "right", y.data ? y.data : "",
                     NULL);
        em_strbuf_free(&x);
        em_strbuf_free(&y);
        (void)path;
        return NULL;
      }
    }
    if (em_type_struct_set(st, k++, fa->name, em_type_ref(fa->type), true, NULL)) goto oom;
  }
  for (int j = 0; j < b->u.st.nfields; j++) {
    bool found = false;
    for (int i = 0; i < a->u.st.nfields; i++) found |= em_strcaseeq(a->u.st.fields[i].name, b->u.st.fields[j].name);
    if (!found && em_type_struct_set(st, k++, b->u.st.fields[j].name, em_type_ref(b->u.st.fields[j].type), true, NULL))
      goto oom;
  }
  return st;
oom:
  em_type_unref(st);
  return em_error_internal(err, "out of memory"), NULL;
}

static bool opt_true(const em_options *o, const char *key) {
  const char *v = em_options_get(o, key);
  return v && em_strcaseeq(v, "true");
}

static int pq_infer(const em_file *files, int nfiles, const em_options *o, const char *tz, em_type **out,
                    em_error *err) {
  (void)tz;
  bool merge = opt_true(o, "mergeSchema");
  em_type *acc = NULL;
  int n = merge ? nfiles : (nfiles > 0 ? 1 : 0);
  for (int i = 0; i < n; i++) {
    pq_file f;
    if (pq_file_open(files[i].path, &f, err)) {
      em_type_unref(acc);
      return -1;
    }
    em_type *t = em_pq_spark_types(f.meta, f.schema->type);
    if (!t) {
      pq_file_close(&f);
      em_type_unref(acc);
      return em_error_internal(err, "out of memory");
    }
    if (!acc) {
      acc = em_type_ref(t);
    } else {
      em_type *m = merge_struct(acc, t, files[i].path, err);
      em_type_unref(acc);
      acc = m;
    }
    em_type_unref(t);
    pq_file_close(&f);
    if (!acc) return -1;
  }
  if (!acc) return em_error_set(err, EM_ERR_UNABLE_TO_INFER_SCHEMA, "format", "Parquet", NULL);
  *out = acc;
  return 0;
}

static int pq_splittable(const em_file *f, const em_options *o) {
  (void)f;
  (void)o;
  return 1;
}

/* ---- reading ---- */

typedef struct outcol {
  const em_pq_node *node; /* NULL: the file lacks the column (nulls) */
  em_type *type;          /* requested type */
  bool widen;             /* node type differs: widen after assembly */
} outcol;

struct em_format_reader {
  em_read_request req;
  const char *path;
  pq_file f;
  em_type *out_schema;
  int ncols;
  outcol *cols;
  bool *leaf_needed;
  int *rgs; /* row groups to read */
  int nrgs, rg_pos;
  int cur_rg; /* loaded row group or -1 */
  em_pq_prefetch *pf;
  em_pq_leafdata *leaves; /* the loaded row group's (the prefetch's set) */
  int64_t row, rows;
  int64_t batch_row; /* file row index of the last batch's first row */
  /* Pushed filters evaluated per row (req.filter_rows): the filter and
   * the output column it tests. */
  int nrowf;
  const em_pushed_filter **rowf;
  int *rowf_col;
  uint8_t *keep;    /* per row of a batch */
  uint32_t *kept;   /* the kept rows' positions */
  /* Through the page index, per position in rgs: the rows [lo, hi) that
   * may pass the filters, and per leaf the pages holding them (NULL: the
   * whole row group). */
  int64_t *rg_lo, *rg_hi;
  em_pq_pagesel **rg_sel;
  int nleaves;
};

static bool widenable(const em_type *from, const em_type *to) {
  int rank_f, rank_t;
  switch (from->id) {
  case EM_T_BYTE: rank_f = 1; break;
  case EM_T_SHORT: rank_f = 2; break;
  case EM_T_INT: rank_f = 3; break;
  case EM_T_LONG: rank_f = 4; break;
  case EM_T_FLOAT: return to->id == EM_T_DOUBLE;
  case EM_T_BOOLEAN: return to->id == EM_T_NULL; /* Spark's void */
  default: return false;
  }
  /* ANSI intervals Spark stored as plain integers. */
  if ((from->id == EM_T_INT && to->id == EM_T_YM_INTERVAL) || (from->id == EM_T_LONG && to->id == EM_T_DT_INTERVAL))
    return true;
  switch (to->id) {
  case EM_T_SHORT: rank_t = 2; break;
  case EM_T_INT: rank_t = 3; break;
  case EM_T_LONG: rank_t = 4; break;
  case EM_T_DOUBLE: return rank_f <= 3;
  default: return false;
  }
  return rank_t > rank_f;
}

static void mark_leaves(const em_pq_node *n, bool *need) {
  if (n->kind == EM_PQN_LEAF) {
    need[n->leaf] = true;
    return;
  }
  for (int i = 0; i < n->nchildren; i++) mark_leaves(n->children[i], need);
}

/* ---- statistics ---- */

static bool lit_int(const em_vec *v, int64_t *out) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: *out = *(const int8_t *)p; return true;
  case EM_T_SHORT: *out = *(const int16_t *)p; return true;
  case EM_T_INT:
  case EM_T_DATE: *out = *(const int32_t *)p; return true;
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ: *out = *(const int64_t *)p; return true;
  default: return false;
  }
}

/* -1, 0, 1: a op b compared; 2 when not comparable. */
bool em_pq_bounds_exclude(const em_pq_node *leaf, const em_pushed_filter *f, const uint8_t *min, size_t min_len,
                          const uint8_t *max, size_t max_len) {
  if (!min || !max) return false;
  if (f->op == EM_PUSH_IN) {
    /* Every value below the minimum or above the maximum. */
    for (int k = 0; k < f->nvalues; k++) {
      int cmin = em_pq_cmp_value(leaf, min, min_len, f->values[k]);
      int cmax = em_pq_cmp_value(leaf, max, max_len, f->values[k]);
      if (cmin == 2 || cmax == 2 || (cmin <= 0 && cmax >= 0)) return false;
    }
    return true;
  }
  if (!f->value) return false;
  int cmin = em_pq_cmp_value(leaf, min, min_len, f->value);
  int cmax = em_pq_cmp_value(leaf, max, max_len, f->value);
  if (cmin == 2 || cmax == 2) return false;
  switch (f->op) {
  case EM_PUSH_EQ: return cmin > 0 || cmax < 0;
  case EM_PUSH_NE:
    /* Every value is the literal (floats: bounds leave NaN out, and NaN
     * differs from every number). */
    return cmin == 0 && cmax == 0 && leaf->elem->type != EM_PQ_FLOAT && leaf->elem->type != EM_PQ_DOUBLE;
  case EM_PUSH_LT: return cmin >= 0;
  case EM_PUSH_LE: return cmin > 0;
  case EM_PUSH_GT: return cmax <= 0;
  case EM_PUSH_GE: return cmax < 0;
  default: return false;
  }
}

int em_pq_cmp_value(const em_pq_node *leaf, const uint8_t *s, size_t n, const em_vec *lit) {
  const em_pq_selem *e = leaf->elem;
  if (em_vec_is_null(lit, 0)) return 2;
  switch (e->type) {
  case EM_PQ_INT32:
  case EM_PQ_INT64: {
    if (e->logical == EM_PQL_DECIMAL) {
      /* Unscaled values compare when the literal has the column's scale
       * (the planner gives it the column's type). */
      if (lit->type->id != EM_T_DECIMAL || lit->type->u.dec.scale != e->scale) return 2;
      __int128 b;
      memcpy(&b, em_vec_values(lit), 16);
      int64_t a;
      if (e->type == EM_PQ_INT32) {
        if (n != 4) return 2;
        int32_t x;
        memcpy(&x, s, 4);
        a = x;
      } else {
        if (n != 8) return 2;
        memcpy(&a, s, 8);
      }
      return (__int128)a < b ? -1 : (__int128)a > b;
    }
    if (e->logical == EM_PQL_INT && !e->is_signed) return 2;
    if (e->logical == EM_PQL_TIMESTAMP && e->unit != EM_PQ_MICROS) return 2;
    int64_t a, b;
    if (!lit_int(lit, &b)) return 2;
    if (e->type == EM_PQ_INT32) {
      if (n != 4) return 2;
      int32_t x;
      memcpy(&x, s, 4);
      a = x;
    } else {
      if (n != 8) return 2;
      memcpy(&a, s, 8);
    }
    return a < b ? -1 : a > b;
  }
  case EM_PQ_FLOAT:
  case EM_PQ_DOUBLE: {
    double a, b;
    if (e->type == EM_PQ_FLOAT) {
      float x;
      if (n != 4) return 2;
      memcpy(&x, s, 4);
      a = x;
    } else {
      if (n != 8) return 2;
      memcpy(&a, s, 8);
    }
    if (lit->type->id == EM_T_DOUBLE) b = *(const double *)em_vec_values(lit);
    else if (lit->type->id == EM_T_FLOAT) b = *(const float *)em_vec_values(lit);
    else return 2;
    if (isnan(a) || isnan(b)) return 2;
    return a < b ? -1 : a > b;
  }
  case EM_PQ_BYTE_ARRAY: {
    if (!em_type_is_string_like(lit->type) && lit->type->id != EM_T_BINARY) return 2;
    if (e->logical == EM_PQL_DECIMAL) return 2;
    int32_t ln;
    const char *lp = em_vec_str(lit, 0, &ln);
    size_t m = n < (size_t)ln ? n : (size_t)ln;
    int c = m ? memcmp(s, lp, m) : 0;
    if (c) return c < 0 ? -1 : 1;
    return n < (size_t)ln ? -1 : n > (size_t)ln;
  }
  default: return 2;
  }
}

/* True when the row group certainly has no row passing the filter. */
static bool rg_skippable(const em_pq_rowgroup *g, const em_pq_node *leaf, const em_pushed_filter *f) {
  const em_pq_stats *st = &g->cols[leaf->leaf].stats;
  bool all_null = st->has_null_count && st->null_count == g->num_rows;
  switch (f->op) {
  case EM_PUSH_IS_NULL: return st->has_null_count && st->null_count == 0;
  case EM_PUSH_IS_NOT_NULL: return all_null;
  default: break;
  }
  if (all_null && g->num_rows > 0) return true;
  if (st->deprecated && leaf->elem->type == EM_PQ_BYTE_ARRAY) return false;
  return em_pq_bounds_exclude(leaf, f, st->min, st->min_len, st->max, st->max_len);
}

static int64_t rg_start(const em_pq_rowgroup *g) {
  if (g->ncols == 0) return 0;
  const em_pq_chunk *c = &g->cols[0];
  int64_t s = c->data_page_offset;
  if (c->dictionary_page_offset > 0 && c->dictionary_page_offset < s) s = c->dictionary_page_offset;
  return s;
}

static int64_t rg_size(const em_pq_rowgroup *g) {
  int64_t t = 0;
  for (int i = 0; i < g->ncols; i++) t += g->cols[i].total_compressed_size;
  return t;
}

static void pq_close(em_format_reader *r) {
  if (!r) return;
  em_pq_prefetch_free(r->pf);
  pq_file_close(&r->f);
  em_type_unref(r->out_schema);
  em_free(r->cols);
  em_free(r->leaf_needed);
  em_free(r->rgs);
  em_free(r->rowf);
  em_free(r->rowf_col);
  em_free(r->keep);
  em_free(r->kept);
  for (int i = 0; r->rg_sel && i < r->nrgs; i++) em_free(r->rg_sel[i]);
  em_free(r->rg_sel);
  em_free(r->rg_lo);
  em_free(r->rg_hi);
  em_free(r);
}

/* The top-level flat leaf a pushed filter tests (as row group pruning
 * matches it), or NULL. */
static const em_pq_node *filter_leaf(const em_pq_schema *s, const em_type *ds, const em_pushed_filter *pf) {
  if (pf->column < 0 || pf->column >= ds->u.st.nfields) return NULL;
  const em_field *fd = &ds->u.st.fields[pf->column];
  for (int j = 0; j < s->root->nchildren; j++) {
    const em_pq_node *n = s->root->children[j];
    if (n->kind == EM_PQN_LEAF && n->rep == 0 && em_strcaseeq(n->name, fd->name) &&
        em_type_equal(n->type, fd->type, true))
      return n;
  }
  return NULL;
}

/* Narrows row group rgs[pos] through the page index: *lo, *hi are the
 * rows its filters' page bounds leave (lo == hi: none), and *sel the
 * pages of each needed top-level flat leaf that hold them (NULL: read
 * whole). -1 only on out-of-memory. */
static int page_window(em_format_reader *r, int g, int64_t *lo, int64_t *hi, em_pq_pagesel **sel) {
  const em_pq_meta *m = r->f.meta;
  const em_pq_schema *s = r->f.schema;
  const em_pq_rowgroup *rg = &m->rowgroups[g];
  *lo = 0;
  *hi = rg->num_rows;
  *sel = NULL;
  for (int k = 0; k < r->req.nfilters && *lo < *hi; k++) {
    const em_pushed_filter *pf = &r->req.filters[k];
    const em_pq_node *n = filter_leaf(s, r->req.data_schema, pf);
    if (!n) continue;
    const em_pq_chunk *ch = &rg->cols[n->leaf];
    if (!ch->oi_offset || !ch->ci_offset) continue;
    em_pq_pageloc *locs = NULL;
    int np = 0;
    if (em_pq_offset_index(r->f.fd, r->f.size, ch, rg->num_rows, &locs, &np)) continue;
    bool *may = em_malloc((size_t)np);
    if (!may) {
      em_free(locs);
      return -1;
    }
    memset(may, 1, (size_t)np);
    if (em_pq_column_index_filter(r->f.fd, r->f.size, ch, n, pf, np, may) == 0) {
      int first = 0, last = np - 1;
      while (first < np && !may[first]) first++;
      while (last >= 0 && !may[last]) last--;
      if (first > last) {
        *hi = *lo;
      } else {
        int64_t a = locs[first].first_row, b = last + 1 < np ? locs[last + 1].first_row : rg->num_rows;
        if (a > *lo) *lo = a;
        if (b < *hi) *hi = b;
      }
    }
    em_free(may);
    em_free(locs);
  }
  if (*lo >= *hi || (*lo == 0 && *hi == rg->num_rows)) return 0;
  /* The pages of each needed top-level flat leaf over [lo, hi). */
  em_pq_pagesel *sv = em_calloc((size_t)(r->nleaves ? r->nleaves : 1), sizeof *sv);
  if (!sv) return -1;
  for (int i = 0; i < r->ncols; i++) {
    const em_pq_node *n = r->cols[i].node;
    if (!n || n->kind != EM_PQN_LEAF || n->rep != 0) continue;
    const em_pq_chunk *ch = &rg->cols[n->leaf];
    em_pq_pageloc *locs = NULL;
    int np = 0;
    if (!ch->oi_offset || em_pq_offset_index(r->f.fd, r->f.size, ch, rg->num_rows, &locs, &np)) continue;
    int k1 = 0, k2 = 0;
    while (k1 + 1 < np && locs[k1 + 1].first_row <= *lo) k1++;
    k2 = k1;
    while (k2 + 1 < np && locs[k2 + 1].first_row < *hi) k2++;
    int64_t end_row = k2 + 1 < np ? locs[k2 + 1].first_row : rg->num_rows;
    sv[n->leaf] = (em_pq_pagesel){.first_offset = locs[k1].offset,
                                  .end_offset = k2 + 1 < np ? locs[k2 + 1].offset : INT64_MAX,
                                  .row0 = locs[k1].first_row,
                                  .nentries = end_row - locs[k1].first_row};
    em_free(locs);
  }
  *sel = sv;
  return 0;
}

static int pq_open(const em_read_request *req, em_format_reader **out, em_error *err) {
  em_format_reader *r = em_calloc(1, sizeof *r);
  if (!r) return em_error_internal(err, "out of memory");
  r->req = *req;
  r->path = req->split->file->path;
  r->cur_rg = -1;
  r->f.fd = -1;
  if (pq_file_open(r->path, &r->f, err)) goto fail;
  const em_pq_schema *s = r->f.schema;
  const em_type *ds = req->data_schema;
  r->ncols = req->ncolumns;
  r->cols = em_calloc((size_t)(r->ncols ? r->ncols : 1), sizeof *r->cols);
  r->leaf_needed = em_calloc((size_t)(s->nleaves ? s->nleaves : 1), sizeof(bool));
  r->out_schema = em_type_struct_new(r->ncols);
  if (!r->cols || !r->leaf_needed || !r->out_schema) {
    em_error_internal(err, "out of memory");
    goto fail;
  }
  for (int i = 0; i < r->ncols; i++) {
    int c = req->columns[i];
    if (c < 0 || c >= ds->u.st.nfields) {
      em_error_internal(err, "Parquet read of a column out of the schema");
      goto fail;
    }
    const em_field *fd = &ds->u.st.fields[c];
    if (em_type_struct_set(r->out_schema, i, fd->name, em_type_ref(fd->type), fd->nullable, fd->metadata)) {
      em_error_internal(err, "out of memory");
      goto fail;
    }
    outcol *oc = &r->cols[i];
    oc->type = fd->type;
    for (int j = 0; j < s->root->nchildren; j++) {
      const em_pq_node *n = s->root->children[j];
      if (!em_strcaseeq(n->name, fd->name)) continue;
      if (!em_type_equal(n->type, fd->type, true)) {
        if (!widenable(n->type, fd->type)) {
          em_strbuf x, y;
          em_strbuf_init(&x);
          em_strbuf_init(&y);
          em_type_simple_string(n->type, &x);
          em_type_simple_string(fd->type, &y);
          em_error_set(err, EM_ERR_FAILED_READ_FILE_NO_HINT, "path", r->path, NULL);
          em_error_append(err, " Column %s is %s in the file but %s in the schema.", fd->name,
                          x.data ? x.data : "", y.data ? y.data : "");
          em_strbuf_free(&x);
          em_strbuf_free(&y);
          goto fail;
        }
        oc->widen = true;
      }
      oc->node = n;
      mark_leaves(n, r->leaf_needed);
      break;
    }
  }
  /* Row groups of this split, minus those the filters rule out. */
  const em_pq_meta *m = r->f.meta;
  r->rgs = em_calloc((size_t)(m->nrowgroups ? m->nrowgroups : 1), sizeof(int));
  if (!r->rgs) {
    em_error_internal(err, "out of memory");
    goto fail;
  }
  int64_t lo = req->split->start, hi = req->split->start + req->split->length;
  for (int g = 0; g < m->nrowgroups; g++) {
    const em_pq_rowgroup *rg = &m->rowgroups[g];
    int64_t mid = rg_start(rg) + rg_size(rg) / 2;
    if (mid < lo || mid >= hi) continue;
    if (rg->num_rows < 0) {
      em_pq_corrupt(err, r->path, "negative row count");
      goto fail;
    }
    bool skip = false;
    for (int k = 0; k < req->nfilters && !skip; k++) {
      const em_pushed_filter *pf = &req->filters[k];
      if (pf->column < 0 || pf->column >= ds->u.st.nfields) continue;
      const char *name = ds->u.st.fields[pf->column].name;
      for (int j = 0; j < s->root->nchildren; j++) {
        const em_pq_node *n = s->root->children[j];
        if (n->kind == EM_PQN_LEAF && n->rep == 0 && em_strcaseeq(n->name, name) &&
            em_type_equal(n->type, ds->u.st.fields[pf->column].type, true)) {
          skip = rg_skippable(rg, n, pf);
          /* Dictionary filtering (parquet-mr's DictionaryFilter, on in
           * Spark by default): an equality whose literal is not in a
           * dictionary-only chunk. */
          if (!skip && pf->op == EM_PUSH_EQ && pf->value && rg->cols[n->leaf].dict_only)
            skip = em_pq_dict_excludes(r->f.fd, r->f.size, m, g, n, &pf->value, 1);
          else if (!skip && pf->op == EM_PUSH_IN && rg->cols[n->leaf].dict_only)
            skip = em_pq_dict_excludes(r->f.fd, r->f.size, m, g, n, pf->values, pf->nvalues);
          break;
        }
      }
    }
    if (!skip) r->rgs[r->nrgs++] = g;
  }
  /* Row groups narrowed to the pages their filters leave (below a
   * deterministic filter: rows outside the window fail it). */
  r->nleaves = s->nleaves;
  if (req->filter_rows && req->nfilters > 0 && r->nrgs > 0) {
    r->rg_lo = em_calloc((size_t)r->nrgs, sizeof(int64_t));
    r->rg_hi = em_calloc((size_t)r->nrgs, sizeof(int64_t));
    r->rg_sel = em_calloc((size_t)r->nrgs, sizeof *r->rg_sel);
    if (!r->rg_lo || !r->rg_hi || !r->rg_sel) {
      em_error_internal(err, "out of memory");
      goto fail;
    }
    int kept = 0;
    for (int i = 0; i < r->nrgs; i++) {
      int64_t wlo, whi;
      em_pq_pagesel *sel;
      if (page_window(r, r->rgs[i], &wlo, &whi, &sel)) {
        em_error_internal(err, "out of memory");
        goto fail;
      }
      if (wlo >= whi) continue; /* no page of it can pass */
      r->rgs[kept] = r->rgs[i];
      r->rg_lo[kept] = wlo;
      r->rg_hi[kept] = whi;
      r->rg_sel[kept++] = sel;
    }
    r->nrgs = kept;
  }
  /* Pushed filters over produced columns, evaluated per row. */
  if (req->filter_rows && req->nfilters > 0) {
    r->rowf = em_calloc((size_t)req->nfilters, sizeof *r->rowf);
    r->rowf_col = em_calloc((size_t)req->nfilters, sizeof *r->rowf_col);
    if (!r->rowf || !r->rowf_col) {
      em_error_internal(err, "out of memory");
      goto fail;
    }
    for (int k = 0; k < req->nfilters; k++) {
      const em_pushed_filter *pf = &req->filters[k];
      for (int i = 0; i < r->ncols; i++)
        if (req->columns[i] == pf->column && r->cols[i].node &&
            em_pushed_filter_supported(pf, r->cols[i].type)) {
          r->rowf[r->nrowf] = pf;
          r->rowf_col[r->nrowf++] = i;
          break;
        }
    }
  }
  /* Decoding of the chosen row groups, shared with idle workers. */
  if (!(r->pf = em_pq_prefetch_new(r->f.fd, r->f.size, r->path, m, s, r->leaf_needed, req->submit))) {
    em_error_internal(err, "out of memory");
    goto fail;
  }
  *out = r;
  return 0;
fail:
  pq_close(r);
  return -1;
}

/* src widened to type t (integers, float -> double). */
static em_vec *widen_vec(const em_vec *src, em_type *t) {
  if (t->id == EM_T_NULL) return em_vec_new_nulls(t, src->len);
  em_vec *v = em_vec_new(t, src->len);
  if (!v) return NULL;
  int64_t n = src->len;
  const void *p = em_vec_values(src);
  for (int64_t i = 0; i < n; i++) {
    int64_t x = 0;
    double dx = 0;
    switch (src->type->id) {
    case EM_T_BYTE: x = ((const int8_t *)p)[i]; break;
    case EM_T_SHORT: x = ((const int16_t *)p)[i]; break;
    case EM_T_INT: x = ((const int32_t *)p)[i]; break;
    case EM_T_LONG: x = ((const int64_t *)p)[i]; break;
    case EM_T_FLOAT: dx = ((const float *)p)[i]; break;
    default: break;
    }
    void *d = em_vec_values(v);
    switch (t->id) {
    case EM_T_SHORT: ((int16_t *)d)[i] = (int16_t)x; break;
    case EM_T_INT: case EM_T_YM_INTERVAL: ((int32_t *)d)[i] = (int32_t)x; break;
    case EM_T_LONG: case EM_T_DT_INTERVAL: ((int64_t *)d)[i] = x; break;
    case EM_T_DOUBLE: ((double *)d)[i] = src->type->id == EM_T_FLOAT ? dx : (double)x; break;
    default: break;
    }
  }
  v->values->len = (size_t)n * (size_t)em_type_fixed_width(t);
  v->len = n;
  if (src->validity) {
    v->validity = em_buf_ref(src->validity);
    v->null_count = src->null_count;
  }
  return v;
}

/* Loads the row group at position pos of the split's list. */
static int load_rg(em_format_reader *r, int pos, em_error *err) {
  r->cur_rg = -1;
  int g = r->rgs[pos];
  int next = pos + 1 < r->nrgs ? r->rgs[pos + 1] : -1;
  const em_pq_pagesel *sel = r->rg_sel ? r->rg_sel[pos] : NULL;
  const em_pq_pagesel *next_sel = r->rg_sel && next >= 0 ? r->rg_sel[pos + 1] : NULL;
  if (em_pq_prefetch_load(r->pf, pos, g, sel, next, next_sel, &r->leaves, err)) return -1;
  r->cur_rg = g;
  r->row = r->rg_lo ? r->rg_lo[pos] : 0;
  r->rows = r->rg_hi ? r->rg_hi[pos] : r->f.meta->rowgroups[g].num_rows;
  return 0;
}

/* Output column i of rows [r->row, r->row + n) into cols[i]. */
static int make_col(em_format_reader *r, int i, int64_t n, em_vec **cols, em_error *err) {
  outcol *oc = &r->cols[i];
  if (!oc->node) {
    cols[i] = em_vec_new_nulls(oc->type, n);
    return cols[i] ? 0 : em_error_internal(err, "out of memory");
  }
  /* A top-level leaf may hold its rows from row0 on (page index). */
  int64_t row0 = oc->node->kind == EM_PQN_LEAF ? r->leaves[oc->node->leaf].row0 : 0;
  if (em_pq_assemble(oc->node, r->leaves, r->row - row0, r->row + n - row0, &cols[i], err)) {
    if (err->cls == EM_ERR_INTERNAL) {
      char msg[EM_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", err->msg);
      em_pq_corrupt(err, r->path, msg);
    }
    return -1;
  }
  if (oc->widen) {
    em_vec *w = widen_vec(cols[i], oc->type);
    em_vec_unref(cols[i]);
    cols[i] = w;
    if (!w) return em_error_internal(err, "out of memory");
  }
  return 0;
}

/* The rows of the next n that the row filters keep: their count, and
 * their positions in r->kept when some are left out. The filters'
 * columns are made into cols on the way. */
static int64_t filter_window(em_format_reader *r, int64_t n, em_vec **cols, em_error *err) {
  if (!r->keep) r->keep = em_malloc((size_t)r->req.batch_rows + 1);
  if (!r->kept) r->kept = em_malloc(sizeof(uint32_t) * ((size_t)r->req.batch_rows + 1));
  if (!r->keep || !r->kept) return em_error_internal(err, "out of memory");
  memset(r->keep, 1, (size_t)n);
  int64_t k = n;
  for (int f = 0; f < r->nrowf && k > 0; f++) {
    int i = r->rowf_col[f];
    if (!cols[i] && make_col(r, i, n, cols, err)) return -1;
    k = em_pushed_filter_rows(r->rowf[f], cols[i], r->keep, n);
  }
  if (k > 0 && k < n) {
    int64_t j = 0;
    for (int64_t i = 0; i < n; i++) {
      r->kept[j] = (uint32_t)i;
      j += r->keep[i];
    }
  }
  return k;
}

static int pq_next(em_format_reader *r, em_batch **out, em_error *err) {
  *out = NULL;
  int64_t br = r->req.batch_rows > 0 ? r->req.batch_rows : 4096;
  r->req.batch_rows = br;
  em_vec **cols = em_calloc((size_t)(r->ncols ? r->ncols : 1), sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory");
  int64_t n, k;
  for (;;) {
    while (r->cur_rg < 0 || r->row >= r->rows) {
      if (r->rg_pos >= r->nrgs) {
        em_free(cols);
        return 0;
      }
      if (load_rg(r, r->rg_pos++, err)) goto fail;
    }
    n = r->rows - r->row;
    if (n > br) n = br;
    k = n;
    if (r->nrowf && (k = filter_window(r, n, cols, err)) < 0) goto fail;
    if (k > 0) break;
    /* Nothing kept: the other columns of these rows are never made. */
    for (int i = 0; i < r->ncols; i++) {
      em_vec_unref(cols[i]);
      cols[i] = NULL;
    }
    r->row += n;
  }
  for (int i = 0; i < r->ncols; i++)
    if (!cols[i] && make_col(r, i, n, cols, err)) goto fail;
  if (k < n)
    for (int i = 0; i < r->ncols; i++) {
      em_vec *t = em_vec_take(cols[i], r->kept, k);
      em_vec_unref(cols[i]);
      cols[i] = t;
      if (!t) goto oom;
    }
  r->batch_row = r->row;
  for (int g = 0; g < r->cur_rg; g++) r->batch_row += r->f.meta->rowgroups[g].num_rows;
  r->row += n;
  *out = em_batch_new(em_type_ref(r->out_schema), r->ncols, cols, k);
  em_free(cols);
  if (!*out) return em_error_internal(err, "out of memory");
  return 0;
oom:
  em_error_internal(err, "out of memory");
fail:
  for (int i = 0; i < r->ncols; i++) em_vec_unref(cols[i]);
  em_free(cols);
  return -1;
}

static int64_t pq_row_index(const em_format_reader *r) { return r->batch_row; }

const em_format em_format_parquet = {
    .name = "parquet",
    .infer_schema = pq_infer,
    .splittable = pq_splittable,
    .open = pq_open,
    .next = pq_next,
    .close = pq_close,
    .row_index = pq_row_index,
    .extension = em_pq_write_extension,
    .write_open = em_pq_write_open,
    .write_batch = em_pq_write_batch,
    .write_close = em_pq_write_close,
    .write_check = em_pq_write_check,
};
