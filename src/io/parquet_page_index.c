/*
 * The Parquet page index (parquet-format's PageIndex.md): per column chunk
 * an OffsetIndex (where each data page starts and which row is its first)
 * and a ColumnIndex (per page: all-null flag, min and max as plain-encoded
 * values, optionally null counts). Both are Thrift structs between the row
 * groups and the footer, found through ColumnChunk fields 4-7.
 *
 * A pushed filter rules out the pages whose bounds prove it matches no
 * row there; the reader then decodes only the pages that hold the rows
 * left (parquet_reader.c). Everything read from the file is checked: page
 * offsets must rise inside the chunk and first rows must rise from 0
 * inside the row group, or the index is ignored (never an error: the
 * chunk is then read whole).
 */
#include "parquet_int.h"

#include <string.h>

enum { MAX_INDEX_BYTES = 16 << 20, MAX_PAGES = 1 << 20 };

/* The bytes [off, off + len) of the file, checked against its size. */
static uint8_t *read_index(int fd, int64_t file_size, int64_t off, int64_t len) {
  if (off <= 0 || len <= 0 || len > MAX_INDEX_BYTES || off > file_size - 8 || len > file_size - 8 - off) return NULL;
  uint8_t *buf = em_malloc((size_t)len);
  if (buf && em_pq_pread(fd, buf, (size_t)len, off)) {
    em_free(buf);
    return NULL;
  }
  return buf;
}

static int64_t int_value(em_tc *t, int ty) {
  if (ty == EM_TC_I16 || ty == EM_TC_I32 || ty == EM_TC_I64) return em_pq_tc_zigzag(t);
  t->failed = true;
  return 0;
}

int em_pq_offset_index(int fd, int64_t file_size, const em_pq_chunk *ch, int64_t rg_rows, em_pq_pageloc **out,
                       int *npages) {
  *out = NULL;
  *npages = 0;
  uint8_t *buf = read_index(fd, file_size, ch->oi_offset, ch->oi_length);
  if (!buf) return -1;
  em_tc t;
  em_pq_tc_init(&t, buf, (size_t)ch->oi_length);
  em_pq_tc_struct_begin(&t);
  em_pq_pageloc *locs = NULL;
  int64_t n = -1;
  int16_t fid;
  int ty;
  while (em_pq_tc_field(&t, &fid, &ty)) {
    if (fid == 1 && ty == EM_TC_LIST && !locs) {
      int et;
      n = em_pq_tc_list(&t, &et);
      if (n <= 0 || n > MAX_PAGES || et != EM_TC_STRUCT || !(locs = em_calloc((size_t)n, sizeof *locs))) {
        t.failed = true;
        break;
      }
      for (int64_t k = 0; k < n && !t.failed; k++) {
        em_pq_tc_struct_begin(&t);
        bool have[3] = {false, false, false};
        while (em_pq_tc_field(&t, &fid, &ty)) {
          if (fid >= 1 && fid <= 3) {
            int64_t v = int_value(&t, ty);
            if (fid == 1) locs[k].offset = v;
            else if (fid == 2) locs[k].size = v;
            else locs[k].first_row = v;
            have[fid - 1] = true;
          } else {
            em_pq_tc_skip(&t, ty);
          }
        }
        em_pq_tc_struct_end(&t);
        if (!have[0] || !have[1] || !have[2]) t.failed = true;
      }
    } else {
      em_pq_tc_skip(&t, ty);
    }
  }
  em_pq_tc_struct_end(&t);
  em_free(buf);
  /* Pages inside the chunk, in order; first rows rising from 0. */
  int64_t start = ch->data_page_offset, end = start + ch->total_compressed_size;
  if (ch->dictionary_page_offset > 0 && ch->dictionary_page_offset < start) {
    start = ch->dictionary_page_offset;
    end = start + ch->total_compressed_size;
  }
  bool ok = !t.failed && locs && n > 0 && locs[0].first_row == 0;
  for (int64_t k = 0; ok && k < n; k++) {
    ok = locs[k].offset >= start && locs[k].size > 0 && locs[k].offset + locs[k].size <= end &&
         locs[k].first_row < rg_rows;
    if (ok && k > 0) ok = locs[k].offset >= locs[k - 1].offset + locs[k - 1].size && locs[k].first_row > locs[k - 1].first_row;
  }
  if (!ok) {
    em_free(locs);
    return -1;
  }
  *out = locs;
  *npages = (int)n;
  return 0;
}

/* Whether page bounds (min, max: plain-encoded; NULL when absent), an
 * all-null flag and a null count (-1: unknown) prove that f matches no row
 * of the page. */
static bool page_excluded(const em_pq_node *leaf, const em_pushed_filter *f, bool null_page, int64_t nulls,
                          const uint8_t *min, size_t min_len, const uint8_t *max, size_t max_len) {
  switch (f->op) {
  case EM_PUSH_IS_NULL: return !null_page && nulls == 0;
  case EM_PUSH_IS_NOT_NULL: return null_page;
  default: break;
  }
  if (null_page) return true;
  return em_pq_bounds_exclude(leaf, f, min, min_len, max, max_len);
}

int em_pq_column_index_filter(int fd, int64_t file_size, const em_pq_chunk *ch, const em_pq_node *leaf,
                              const em_pushed_filter *f, int npages, bool *may) {
  /* Float bounds leave NaN out, and NaN passes > and >= in Spark. */
  int pt = leaf->elem->type;
  if (pt == EM_PQ_FLOAT || pt == EM_PQ_DOUBLE || pt == EM_PQ_INT96) return -1;
  uint8_t *buf = read_index(fd, file_size, ch->ci_offset, ch->ci_length);
  if (!buf) return -1;
  em_tc t;
  em_pq_tc_init(&t, buf, (size_t)ch->ci_length);
  em_pq_tc_struct_begin(&t);
  bool *null_page = em_calloc((size_t)npages, sizeof(bool));
  const uint8_t **mins = em_calloc((size_t)npages, sizeof *mins), **maxs = em_calloc((size_t)npages, sizeof *maxs);
  size_t *min_len = em_calloc((size_t)npages, sizeof *min_len), *max_len = em_calloc((size_t)npages, sizeof *max_len);
  int64_t *nulls = em_malloc(sizeof(int64_t) * (size_t)npages);
  bool got[3] = {false, false, false};
  if (!null_page || !mins || !maxs || !min_len || !max_len || !nulls) t.failed = true;
  for (int k = 0; nulls && k < npages; k++) nulls[k] = -1;
  int16_t fid;
  int ty;
  while (!t.failed && em_pq_tc_field(&t, &fid, &ty)) {
    if (fid >= 1 && fid <= 3 && ty == EM_TC_LIST && !got[fid - 1]) {
      int et;
      int64_t n = em_pq_tc_list(&t, &et);
      if (n != npages) {
        t.failed = true;
        break;
      }
      got[fid - 1] = true;
      for (int64_t k = 0; k < n && !t.failed; k++) {
        if (fid == 1) {
          if (et != EM_TC_TRUE && et != EM_TC_FALSE) t.failed = true;
          else null_page[k] = em_pq_tc_bool(&t, EM_TC_BYTE);
        } else if (et != EM_TC_BINARY) {
          t.failed = true;
        } else if (fid == 2) {
          mins[k] = em_pq_tc_binary(&t, &min_len[k]);
        } else {
          maxs[k] = em_pq_tc_binary(&t, &max_len[k]);
        }
      }
    } else if (fid == 5 && ty == EM_TC_LIST) {
      int et;
      int64_t n = em_pq_tc_list(&t, &et);
      if (n != npages) {
        t.failed = true;
        break;
      }
      for (int64_t k = 0; k < n && !t.failed; k++) nulls[k] = int_value(&t, et);
    } else {
      em_pq_tc_skip(&t, ty);
    }
  }
  em_pq_tc_struct_end(&t);
  int rc = -1;
  if (!t.failed && got[0] && got[1] && got[2]) {
    for (int k = 0; k < npages; k++)
      if (page_excluded(leaf, f, null_page[k], nulls[k], null_page[k] ? NULL : mins[k], min_len[k],
                        null_page[k] ? NULL : maxs[k], max_len[k]))
        may[k] = false;
    rc = 0;
  }
  em_free(null_page);
  em_free(mins);
  em_free(maxs);
  em_free(min_len);
  em_free(max_len);
  em_free(nulls);
  em_free(buf);
  return rc;
}
