/*
 * Serializes the Parquet structures a writer emits, field ids as in
 * parquet.thrift: PageHeader (data page v1 and dictionary page) and the
 * footer's FileMetaData with its SchemaElements (converted type and
 * LogicalType both set, as parquet-mr writes them), RowGroups,
 * ColumnChunks, ColumnMetaData, Statistics (min_value/max_value, plus the
 * deprecated min/max for signed orders), key-value metadata, created_by
 * and a TYPE_ORDER column order per leaf (which tells readers that the
 * min_value/max_value statistics follow the type's defined order).
 */
#include "parquet_write_int.h"

#include <string.h>

void em_pqw_page_header(em_pqw_buf *out, int page_type, int32_t uncompressed, int32_t compressed, int32_t num_values,
                        int encoding) {
  em_tw w;
  em_pq_tw_init(&w, out);
  em_pq_tw_begin(&w);
  em_pq_tw_i32(&w, 1, page_type);
  em_pq_tw_i32(&w, 2, uncompressed);
  em_pq_tw_i32(&w, 3, compressed);
  if (page_type == EM_PQ_PAGE_DICT) {
    em_pq_tw_struct(&w, 7);
    em_pq_tw_i32(&w, 1, num_values);
    em_pq_tw_i32(&w, 2, encoding);
    em_pq_tw_bool(&w, 3, false);
    em_pq_tw_end(&w);
  } else {
    em_pq_tw_struct(&w, 5);
    em_pq_tw_i32(&w, 1, num_values);
    em_pq_tw_i32(&w, 2, encoding);
    em_pq_tw_i32(&w, 3, EM_PQE_RLE);
    em_pq_tw_i32(&w, 4, EM_PQE_RLE);
    em_pq_tw_end(&w);
  }
  em_pq_tw_end(&w);
}

static void schema_elem(em_tw *w, const em_pqw_selem *e) {
  em_pq_tw_begin(w);
  if (e->type >= 0) em_pq_tw_i32(w, 1, e->type);
  if (e->type == EM_PQ_FLBA) em_pq_tw_i32(w, 2, e->type_length);
  if (e->repetition >= 0) em_pq_tw_i32(w, 3, e->repetition);
  em_pq_tw_bin(w, 4, e->name, strlen(e->name));
  if (e->type < 0) em_pq_tw_i32(w, 5, e->num_children);
  if (e->converted >= 0) em_pq_tw_i32(w, 6, e->converted);
  if (e->logical == EM_PQL_DECIMAL) {
    em_pq_tw_i32(w, 7, e->scale);
    em_pq_tw_i32(w, 8, e->precision);
  }
  if (e->logical != EM_PQL_NONE) {
    em_pq_tw_struct(w, 10); /* LogicalType (a union: one field set) */
    switch (e->logical) {
    case EM_PQL_STRING: em_pq_tw_struct(w, 1); break;
    case EM_PQL_MAP: em_pq_tw_struct(w, 2); break;
    case EM_PQL_LIST: em_pq_tw_struct(w, 3); break;
    case EM_PQL_DECIMAL:
      em_pq_tw_struct(w, 5);
      em_pq_tw_i32(w, 1, e->scale);
      em_pq_tw_i32(w, 2, e->precision);
      break;
    case EM_PQL_DATE: em_pq_tw_struct(w, 6); break;
    case EM_PQL_TIMESTAMP:
      em_pq_tw_struct(w, 8);
      em_pq_tw_bool(w, 1, e->utc);
      em_pq_tw_struct(w, 2); /* TimeUnit union */
      em_pq_tw_struct(w, e->unit == EM_PQ_MILLIS ? 1 : e->unit == EM_PQ_MICROS ? 2 : 3);
      em_pq_tw_end(w);
      em_pq_tw_end(w);
      break;
    case EM_PQL_INT:
      em_pq_tw_struct(w, 10);
      em_pq_tw_i8(w, 1, (int8_t)e->bit_width);
      em_pq_tw_bool(w, 2, true);
      break;
    default: em_pq_tw_struct(w, 11); break; /* UNKNOWN: void columns */
    }
    em_pq_tw_end(w); /* the chosen member */
    em_pq_tw_end(w); /* LogicalType */
  }
  em_pq_tw_end(w);
}

static bool signed_order(em_pqw_order o) {
  return o == EM_PQW_ORD_BOOL || o == EM_PQW_ORD_I32 || o == EM_PQW_ORD_I64 || o == EM_PQW_ORD_F32 ||
         o == EM_PQW_ORD_F64 || o == EM_PQW_ORD_SIGNED_BE;
}

static void chunk(em_tw *w, const em_pqw_leaf *leaf, const em_pqw_chunk_meta *c) {
  em_pq_tw_begin(w);
  em_pq_tw_i64(w, 2, c->dict_page_offset >= 0 ? c->dict_page_offset : c->data_page_offset);
  em_pq_tw_struct(w, 3);
  em_pq_tw_i32(w, 1, c->ptype);
  int nenc = 0;
  for (int e = 0; e < 16; e++)
    if (c->encodings >> e & 1) nenc++;
  em_pq_tw_list(w, 2, EM_TC_I32, nenc);
  for (int e = 0; e < 16; e++)
    if (c->encodings >> e & 1) em_pq_tw_elem_i32(w, e);
  em_pq_tw_list(w, 3, EM_TC_BINARY, leaf->npath);
  for (int i = 0; i < leaf->npath; i++) em_pq_tw_elem_bin(w, leaf->path[i], strlen(leaf->path[i]));
  em_pq_tw_i32(w, 4, c->codec);
  em_pq_tw_i64(w, 5, c->num_values);
  em_pq_tw_i64(w, 6, c->total_uncompressed);
  em_pq_tw_i64(w, 7, c->total_compressed);
  em_pq_tw_i64(w, 9, c->data_page_offset);
  if (c->dict_page_offset >= 0) em_pq_tw_i64(w, 11, c->dict_page_offset);
  if (c->stats) {
    const em_pqw_stats *s = c->stats;
    em_pq_tw_struct(w, 12);
    if (s->has_minmax && signed_order(leaf->order)) {
      em_pq_tw_bin(w, 1, s->max.p, s->max.len);
      em_pq_tw_bin(w, 2, s->min.p, s->min.len);
    }
    em_pq_tw_i64(w, 3, s->null_count);
    if (s->has_minmax) {
      em_pq_tw_bin(w, 5, s->max.p, s->max.len);
      em_pq_tw_bin(w, 6, s->min.p, s->min.len);
    }
    em_pq_tw_end(w);
  }
  em_pq_tw_end(w); /* ColumnMetaData */
  em_pq_tw_end(w); /* ColumnChunk */
}

void em_pqw_file_meta(em_pqw_buf *out, const em_pqw_schema *s, const em_pqw_rowgroup_meta *rgs, int nrgs,
                      int64_t num_rows, const char *const *kv, int nkv, const char *created_by) {
  em_tw w;
  em_pq_tw_init(&w, out);
  em_pq_tw_begin(&w);
  em_pq_tw_i32(&w, 1, 1);
  em_pq_tw_list(&w, 2, EM_TC_STRUCT, s->nelems);
  for (int i = 0; i < s->nelems; i++) schema_elem(&w, &s->elems[i]);
  em_pq_tw_i64(&w, 3, num_rows);
  em_pq_tw_list(&w, 4, EM_TC_STRUCT, nrgs);
  for (int g = 0; g < nrgs; g++) {
    const em_pqw_rowgroup_meta *rg = &rgs[g];
    em_pq_tw_begin(&w);
    em_pq_tw_list(&w, 1, EM_TC_STRUCT, s->nleaves);
    for (int c = 0; c < s->nleaves; c++) chunk(&w, &s->leaves[c], &rg->chunks[c]);
    em_pq_tw_i64(&w, 2, rg->total_byte_size);
    em_pq_tw_i64(&w, 3, rg->num_rows);
    em_pq_tw_i64(&w, 5, rg->file_offset);
    em_pq_tw_i64(&w, 6, rg->total_compressed);
    em_pq_tw_field(&w, 7, EM_TC_I16);
    em_pq_tw_elem_i32(&w, g);
    em_pq_tw_end(&w);
  }
  em_pq_tw_list(&w, 5, EM_TC_STRUCT, nkv);
  for (int i = 0; i < nkv; i++) {
    em_pq_tw_begin(&w);
    em_pq_tw_bin(&w, 1, kv[2 * i], strlen(kv[2 * i]));
    em_pq_tw_bin(&w, 2, kv[2 * i + 1], strlen(kv[2 * i + 1]));
    em_pq_tw_end(&w);
  }
  em_pq_tw_bin(&w, 6, created_by, strlen(created_by));
  em_pq_tw_list(&w, 7, EM_TC_STRUCT, s->nleaves);
  for (int c = 0; c < s->nleaves; c++) {
    em_pq_tw_begin(&w);
    em_pq_tw_struct(&w, 1); /* TYPE_ORDER */
    em_pq_tw_end(&w);
    em_pq_tw_end(&w);
  }
  em_pq_tw_end(&w);
}
