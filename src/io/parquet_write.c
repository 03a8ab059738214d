/*
 * The Parquet writer as the write path sees it (em_format_parquet's
 * write functions): one file per task, laid out as Spark's parquet-mr
 * writer lays it out.
 *
 * File: "PAR1", row groups, the footer (FileMetaData), its 4-byte length,
 * "PAR1". Batches are shredded into per-leaf column writers (pages in
 * memory, see parquet_write_column.c); once the buffered bytes of all
 * columns reach the block size (parquet.block.size, 128 MiB) the row group
 * is written: each column chunk in schema order, dictionary page first.
 * Memory is thus about one row group per open file, as with parquet-mr.
 * A file that got no rows still has a footer (schema, no row groups).
 *
 * Footer key-value metadata as Spark's: org.apache.spark.version and
 * org.apache.spark.sql.parquet.row.metadata (the Spark schema as JSON,
 * which Spark reads back instead of the Parquet schema: it recovers
 * intervals and exact nullability).
 *
 * Options (the write's options; the write command adds the session's
 * spark.sql.parquet.* confs with lower precedence): compression /
 * parquet.compression / spark.sql.parquet.compression.codec,
 * spark.sql.parquet.outputTimestampType (INT96, Spark's default;
 * TIMESTAMP_MICROS; TIMESTAMP_MILLIS), parquet.block.size,
 * parquet.page.size, parquet.dictionary.page.size, parquet.enable.dictionary.
 */
#include "io_int.h"
#include "parquet_write_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CREATED_BY "ember version 0.1.0"
#define SPARK_VERSION "4.2.0"

typedef struct pq_writer {
  em_text_out *out;
  int64_t pos;
  em_pqw_schema *schema;
  char *schema_json;
  int codec;
  int64_t block_size;
  em_pqw_col **cols;
  int64_t rg_rows, num_rows;
  em_pqw_rowgroup_meta *rgs;
  int nrgs, caprgs;
  em_pqw_buf chunkbuf;
} pq_writer;

static int64_t opt_size(const em_options *o, const char *key, int64_t dflt) {
  const char *v = em_options_get(o, key);
  if (!v || !*v) return dflt;
  char *end;
  long long x = strtoll(v, &end, 10);
  return (*end || x <= 0) ? dflt : (int64_t)x;
}

static int ts_out(const em_options *o, em_pqw_ts_out *ts, em_error *err) {
  const char *v = em_options_get(o, "spark.sql.parquet.outputTimestampType");
  *ts = EM_PQW_TS_INT96_OUT;
  if (!v || strcasecmp(v, "INT96") == 0) return 0;
  if (strcasecmp(v, "TIMESTAMP_MICROS") == 0) *ts = EM_PQW_TS_MICROS_OUT;
  else if (strcasecmp(v, "TIMESTAMP_MILLIS") == 0) *ts = EM_PQW_TS_MILLIS_OUT;
  else return em_error_internal(err, "invalid spark.sql.parquet.outputTimestampType: %s", v);
  return 0;
}

const char *em_pq_write_extension(const em_options *o, em_error *err) {
  static const char *const exts[] = {".parquet", ".snappy.parquet", ".gz.parquet", ".lzo.parquet", ".br.parquet",
                                     ".lz4hadoop.parquet", ".zstd.parquet", ".lz4raw.parquet"};
  int codec;
  if (em_pqw_codec(o, &codec, NULL, err)) return NULL;
  return exts[codec];
}

/* Whether t (or a struct inside it) is a struct without fields. */
static bool has_empty_struct(const em_type *t) {
  switch (t->id) {
  case EM_T_STRUCT:
    if (t->u.st.nfields == 0) return true;
    for (int i = 0; i < t->u.st.nfields; i++)
      if (has_empty_struct(t->u.st.fields[i].type)) return true;
    return false;
  case EM_T_ARRAY: return has_empty_struct(t->u.array.elem);
  case EM_T_MAP: return has_empty_struct(t->u.map.key) || has_empty_struct(t->u.map.value);
  default: return false;
  }
}

static bool has_time(const em_type *t) {
  switch (t->id) {
  case EM_T_TIME: return true;
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (has_time(t->u.st.fields[i].type)) return true;
    return false;
  case EM_T_ARRAY: return has_time(t->u.array.elem);
  case EM_T_MAP: return has_time(t->u.map.key) || has_time(t->u.map.value);
  default: return false;
  }
}

static bool has_variant(const em_type *t) {
  switch (t->id) {
  case EM_T_VARIANT: return true;
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (has_variant(t->u.st.fields[i].type)) return true;
    return false;
  case EM_T_ARRAY: return has_variant(t->u.array.elem);
  case EM_T_MAP: return has_variant(t->u.map.key) || has_variant(t->u.map.value);
  default: return false;
  }
}

int em_pq_write_check(const em_type *schema, const em_options *o, em_error *err) {
  /* Spark's order: unsupported types of the session (TIME), then the
   * format's types, then empty structs. */
  for (int i = 0; i < schema->u.st.nfields; i++)
    if (has_time(schema->u.st.fields[i].type)) return em_error_set(err, EM_ERR_UNSUPPORTED_TIME_TYPE, NULL);
  for (int i = 0; i < schema->u.st.nfields; i++) {
    const em_field *f = &schema->u.st.fields[i];
    if (has_variant(f->type))
      return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "writing VARIANT columns to Parquet", NULL);
    if (!em_pqw_type_ok(f->type)) return em_io_unsupported_column("Parquet", f, err);
  }
  if (has_empty_struct(schema))
    return em_error_set(err, EM_ERR_EMPTY_SCHEMA_NOT_SUPPORTED_FOR_DATASOURCE, "format", "Parquet", NULL);
  int codec;
  if (em_pqw_codec(o, &codec, NULL, err)) return -1;
  em_pqw_ts_out ts;
  return ts_out(o, &ts, err);
}

static void free_writer(pq_writer *w) {
  if (w->cols)
    for (int i = 0; i < w->schema->nleaves; i++) em_pqw_col_free(w->cols[i]);
  em_free(w->cols);
  for (int g = 0; g < w->nrgs; g++) em_free(w->rgs[g].chunks);
  em_free(w->rgs);
  em_pqw_schema_free(w->schema);
  em_free(w->schema_json);
  em_pqw_buf_free(&w->chunkbuf);
  em_free(w);
}

static int put(pq_writer *w, const void *p, size_t n, em_error *err) {
  if (em_text_out_write(w->out, p, n, err)) return -1;
  w->pos += (int64_t)n;
  return 0;
}

int em_pq_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                     void **writer, em_error *err) {
  (void)session_tz;
  if (em_pq_write_check(schema, o, err)) return -1;
  pq_writer *w = em_calloc(1, sizeof *w);
  if (!w) return em_error_internal(err, "out of memory");
  em_pqw_ts_out ts;
  em_pqw_limits lim = {
      .page_size = opt_size(o, "parquet.page.size", 1 << 20),
      .page_rows = opt_size(o, "parquet.page.row.count.limit", 20000),
      .dict_page_size = opt_size(o, "parquet.dictionary.page.size", 1 << 20),
      .dictionary = true,
  };
  const char *dict = em_options_get(o, "parquet.enable.dictionary");
  if (dict && strcasecmp(dict, "false") == 0) lim.dictionary = false;
  w->block_size = opt_size(o, "parquet.block.size", 128 << 20);
  if (em_pqw_codec(o, &w->codec, NULL, err) || ts_out(o, &ts, err) || em_pqw_schema_build(schema, ts, &w->schema, err))
    goto fail;
  em_strbuf js;
  em_strbuf_init(&js);
  em_type_json(schema, &js);
  if (js.oom || !js.data) {
    em_strbuf_free(&js);
    em_error_internal(err, "out of memory");
    goto fail;
  }
  w->schema_json = em_strbuf_take(&js);
  w->cols = em_calloc((size_t)(w->schema->nleaves ? w->schema->nleaves : 1), sizeof *w->cols);
  if (!w->cols) goto oom;
  for (int i = 0; i < w->schema->nleaves; i++)
    if (!(w->cols[i] = em_pqw_col_new(&w->schema->leaves[i], w->codec, &lim))) goto oom;
  if (em_text_out_open(path, NULL, NULL, &w->out, err)) goto fail;
  if (put(w, "PAR1", 4, err)) {
    em_text_out_close(w->out, 0, NULL);
    goto fail;
  }
  *writer = w;
  return 0;
oom:
  em_error_internal(err, "out of memory");
fail:
  free_writer(w);
  return -1;
}

static int64_t buffered(const pq_writer *w) {
  int64_t n = 0;
  for (int i = 0; i < w->schema->nleaves; i++) n += em_pqw_col_buffered(w->cols[i]);
  return n;
}

static int flush_row_group(pq_writer *w, em_error *err) {
  if (w->rg_rows == 0) return 0;
  if (w->nrgs == w->caprgs) {
    int cap = w->caprgs ? 2 * w->caprgs : 4;
    em_pqw_rowgroup_meta *r = em_realloc(w->rgs, (size_t)cap * sizeof *r);
    if (!r) return em_error_internal(err, "out of memory");
    w->rgs = r;
    w->caprgs = cap;
  }
  int nl = w->schema->nleaves;
  em_pqw_rowgroup_meta *rg = &w->rgs[w->nrgs];
  memset(rg, 0, sizeof *rg);
  rg->chunks = em_calloc((size_t)(nl ? nl : 1), sizeof *rg->chunks);
  if (!rg->chunks) return em_error_internal(err, "out of memory");
  w->nrgs++;
  rg->num_rows = w->rg_rows;
  rg->file_offset = w->pos;
  for (int i = 0; i < nl; i++) {
    w->chunkbuf.len = 0;
    if (em_pqw_col_finish(w->cols[i], w->pos, &w->chunkbuf, &rg->chunks[i], err)) return -1;
    /* The stats live in the column until its reset: keep a copy. */
    const em_pqw_stats *src = rg->chunks[i].stats;
    rg->chunks[i].stats = NULL;
    em_pqw_stats *st = em_calloc(1, sizeof *st);
    if (!st) return em_error_internal(err, "out of memory");
    st->has_minmax = src->has_minmax;
    st->null_count = src->null_count;
    if (src->has_minmax) {
      em_pqw_buf_put(&st->min, src->min.p, src->min.len);
      em_pqw_buf_put(&st->max, src->max.p, src->max.len);
    }
    rg->chunks[i].stats = st;
    if (st->min.oom || st->max.oom) return em_error_internal(err, "out of memory");
    if (put(w, w->chunkbuf.p, w->chunkbuf.len, err)) return -1;
    rg->total_byte_size += rg->chunks[i].total_uncompressed;
    rg->total_compressed += rg->chunks[i].total_compressed;
    em_pqw_col_reset(w->cols[i]);
  }
  w->rg_rows = 0;
  return 0;
}

int em_pq_write_batch(void *writer, const em_batch *b, em_error *err) {
  pq_writer *w = writer;
  const em_pqw_node *root = w->schema->root;
  /* Rows go in slices so that a row group closes near its target size. */
  int64_t step = 4096;
  for (int64_t r0 = 0; r0 < b->nrows; r0 += step) {
    int64_t n = b->nrows - r0 < step ? b->nrows - r0 : step;
    for (int c = 0; c < b->ncols; c++)
      if (em_pqw_shred(root->children[c], w->schema->leaves, w->cols, b->cols[c], r0, r0 + n, err)) return -1;
    w->rg_rows += n;
    w->num_rows += n;
    if (buffered(w) >= w->block_size && flush_row_group(w, err)) return -1;
  }
  return 0;
}

int em_pq_write_close(void *writer, int commit, em_error *err) {
  pq_writer *w = writer;
  int rc = 0;
  if (commit) {
    rc = flush_row_group(w, err);
    if (!rc) {
      const char *kv[] = {"org.apache.spark.version", SPARK_VERSION, "org.apache.spark.sql.parquet.row.metadata",
                          w->schema_json};
      em_pqw_buf footer = {0};
      em_pqw_file_meta(&footer, w->schema, w->rgs, w->nrgs, w->num_rows, kv, 2, CREATED_BY);
      uint8_t tail[8];
      uint32_t len = (uint32_t)footer.len;
      for (int i = 0; i < 4; i++) tail[i] = (uint8_t)(len >> (8 * i));
      memcpy(tail + 4, "PAR1", 4);
      if (footer.oom) rc = em_error_internal(err, "out of memory");
      if (!rc) rc = put(w, footer.p, footer.len, err);
      if (!rc) rc = put(w, tail, 8, err);
      em_pqw_buf_free(&footer);
    }
  }
  for (int g = 0; g < w->nrgs; g++)
    for (int i = 0; i < w->schema->nleaves; i++) {
      em_pqw_stats *st = (em_pqw_stats *)(uintptr_t)w->rgs[g].chunks[i].stats;
      if (!st) continue;
      em_pqw_buf_free(&st->min);
      em_pqw_buf_free(&st->max);
      em_free(st);
    }
  em_error e2;
  if (em_text_out_close(w->out, commit && !rc, rc || !commit ? &e2 : err) && commit && !rc) rc = -1;
  free_writer(w);
  return rc;
}
