/*
 * The Parquet footer (FileMetaData) and page headers, decoded from Thrift
 * compact bytes into the small structs of parquet_int.h. Only the fields
 * the reader uses are kept; the others are skipped. Field numbers are
 * those of parquet.thrift.
 *
 * File layout: "PAR1" <column chunks> <FileMetaData> <u32 length> "PAR1".
 * A file with an encrypted footer ends in "PARE" instead: it is refused
 * with UNSUPPORTED_FEATURE, as are files whose columns are encrypted.
 */
#include "parquet_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* An integer field's value; a field of another type is skipped (as 0),
 * so that a writer's unexpected type never shifts the decoding. */
static int64_t tc_int(em_tc *t, int ty) {
  if (ty == EM_TC_I16 || ty == EM_TC_I32 || ty == EM_TC_I64) return em_pq_tc_zigzag(t);
  if (ty == EM_TC_BYTE) {
    if (t->p >= t->end) {
      t->failed = true;
      return 0;
    }
    return (int8_t)*t->p++;
  }
  em_pq_tc_skip(t, ty);
  return 0;
}

int em_pq_corrupt(em_error *err, const char *path, const char *what) {
  em_error_set(err, EM_ERR_FAILED_READ_FILE_NO_HINT, "path", path ? path : "", NULL);
  em_error_append(err, " Malformed Parquet file: %s.", what);
  return -1;
}

static void read_stats(em_tc *t, em_pq_stats *s) {
  const uint8_t *omin = NULL, *omax = NULL;
  size_t omin_len = 0, omax_len = 0;
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(t, &fid, &ty)) {
    if (fid == 1 && ty == EM_TC_BINARY) omax = em_pq_tc_binary(t, &omax_len);
    else if (fid == 2 && ty == EM_TC_BINARY) omin = em_pq_tc_binary(t, &omin_len);
    else if (fid == 3 && ty == EM_TC_I64) {
      s->null_count = tc_int(t, ty);
      s->has_null_count = true;
    } else if (fid == 5 && ty == EM_TC_BINARY) s->max = em_pq_tc_binary(t, &s->max_len);
    else if (fid == 6 && ty == EM_TC_BINARY) s->min = em_pq_tc_binary(t, &s->min_len);
    else em_pq_tc_skip(t, ty);
  }
  em_pq_tc_struct_end(t);
  /* The deprecated min/max (signed comparison) are kept aside: the reader
   * uses them only for types where signed order is the right one. */
  if (!s->min && !s->max && omin && omax) {
    s->min = omin;
    s->min_len = omin_len;
    s->max = omax;
    s->max_len = omax_len;
    s->deprecated = true;
  }
}

enum { ENC_PLAIN_DICTIONARY = 2, ENC_RLE = 3, ENC_BIT_PACKED = 4, ENC_RLE_DICTIONARY = 8 };

/* ColumnMetaData.encodings: a bit per encoding seen. */
static uint32_t read_encodings(em_tc *t) {
  int et;
  int64_t n = em_pq_tc_list(t, &et);
  uint32_t bits = 0;
  for (int64_t i = 0; i < n && !t->failed; i++) {
    int64_t e = tc_int(t, et);
    bits |= e >= 0 && e < 31 ? 1u << e : 1u << 31;
  }
  return bits;
}

/* ColumnMetaData.encoding_stats: whether some data page (v1 or v2) with
 * values uses an encoding other than the dictionary ones. */
static bool read_encoding_stats(em_tc *t) {
  int et;
  int64_t n = em_pq_tc_list(t, &et);
  if (n > 0 && et != EM_TC_STRUCT) {
    t->failed = true;
    return true;
  }
  bool other = false;
  for (int64_t i = 0; i < n && !t->failed; i++) {
    int64_t page_type = -1, enc = -1, count = 1;
    em_pq_tc_struct_begin(t);
    int16_t fid;
    int ty;
    while (em_pq_tc_field(t, &fid, &ty)) {
      if (fid == 1) page_type = tc_int(t, ty);
      else if (fid == 2) enc = tc_int(t, ty);
      else if (fid == 3) count = tc_int(t, ty);
      else em_pq_tc_skip(t, ty);
    }
    em_pq_tc_struct_end(t);
    bool data = page_type == EM_PQ_PAGE_DATA || page_type == EM_PQ_PAGE_DATA_V2;
    if (data && count > 0 && enc != ENC_PLAIN_DICTIONARY && enc != ENC_RLE_DICTIONARY) other = true;
  }
  return other;
}

static void read_column_meta(em_tc *t, em_pq_chunk *c) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  uint32_t encodings = 0;
  int stats_say = -1; /* from encoding_stats: 1 dictionary only, 0 not, -1 absent */
  while (em_pq_tc_field(t, &fid, &ty)) {
    switch (fid) {
    case 2:
      if (ty == EM_TC_LIST) encodings = read_encodings(t);
      else em_pq_tc_skip(t, ty);
      break;
    case 13:
      if (ty == EM_TC_LIST) stats_say = read_encoding_stats(t) ? 0 : 1;
      else em_pq_tc_skip(t, ty);
      break;
    case 1: c->type = (int)tc_int(t, ty); break;
    case 4: c->codec = (int)tc_int(t, ty); break;
    case 5: c->num_values = tc_int(t, ty); break;
    case 7: c->total_compressed_size = tc_int(t, ty); break;
    case 9: c->data_page_offset = tc_int(t, ty); break;
    case 11: c->dictionary_page_offset = tc_int(t, ty); break;
    case 12:
      if (ty == EM_TC_STRUCT) read_stats(t, &c->stats);
      else em_pq_tc_skip(t, ty);
      break;
    default: em_pq_tc_skip(t, ty); break;
    }
  }
  em_pq_tc_struct_end(t);
  /* parquet-mr's DictionaryFilter.hasNonDictionaryEncodedPages: without
   * page stats only the 1.0 PLAIN_DICTIONARY marks a dictionary, and then
   * nothing but level encodings may be listed besides it (RLE_DICTIONARY
   * files list PLAIN for their dictionary page, so fallback pages cannot be
   * told apart). */
  uint32_t rest = encodings & ~((1u << ENC_PLAIN_DICTIONARY) | (1u << ENC_RLE) | (1u << ENC_BIT_PACKED));
  if (stats_say >= 0) c->dict_only = stats_say == 1;
  else c->dict_only = (encodings >> ENC_PLAIN_DICTIONARY & 1) && rest == 0;
}

static void read_chunk(em_tc *t, em_pq_chunk *c) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  c->type = -1;
  while (em_pq_tc_field(t, &fid, &ty)) {
    if (fid == 1 && ty == EM_TC_BINARY) {
      size_t n;
      em_pq_tc_binary(t, &n);
      c->external = n > 0;
    } else if (fid == 3 && ty == EM_TC_STRUCT) {
      read_column_meta(t, c);
    } else if (fid >= 4 && fid <= 7 && (ty == EM_TC_I32 || ty == EM_TC_I64)) {
      /* The page index: offset index (4, 5) and column index (6, 7). */
      int64_t v = tc_int(t, ty);
      if (fid == 4) c->oi_offset = v;
      else if (fid == 5) c->oi_length = v;
      else if (fid == 6) c->ci_offset = v;
      else c->ci_length = v;
    } else if (fid == 8 || fid == 9) {
      c->encrypted = true;
      em_pq_tc_skip(t, ty);
    } else {
      em_pq_tc_skip(t, ty);
    }
  }
  em_pq_tc_struct_end(t);
}

static void read_rowgroup(em_tc *t, em_pq_rowgroup *rg) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(t, &fid, &ty)) {
    if (fid == 1 && ty == EM_TC_LIST && !rg->cols) {
      int et;
      int64_t n = em_pq_tc_list(t, &et);
      if (et != EM_TC_STRUCT && n > 0) {
        t->failed = true;
        break;
      }
      rg->cols = em_calloc((size_t)(n ? n : 1), sizeof *rg->cols);
      if (!rg->cols) {
        t->failed = true;
        break;
      }
      rg->ncols = (int)n;
      for (int64_t i = 0; i < n && !t->failed; i++) read_chunk(t, &rg->cols[i]);
    } else if (fid == 3 && ty == EM_TC_I64) {
      rg->num_rows = tc_int(t, ty);
    } else {
      em_pq_tc_skip(t, ty);
    }
  }
  em_pq_tc_struct_end(t);
}

/* TimeUnit union: 1 MILLIS, 2 MICROS, 3 NANOS (each an empty struct). */
static int read_unit(em_tc *t) {
  int unit = -1;
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(t, &fid, &ty)) {
    if (fid >= 1 && fid <= 3) unit = fid - 1;
    em_pq_tc_skip(t, ty);
  }
  em_pq_tc_struct_end(t);
  return unit;
}

static void read_logical(em_tc *t, em_pq_selem *e) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(t, &fid, &ty)) {
    if (ty != EM_TC_STRUCT) {
      em_pq_tc_skip(t, ty);
      continue;
    }
    switch (fid) {
    case 1: e->logical = EM_PQL_STRING; break;
    case 2: e->logical = EM_PQL_MAP; break;
    case 3: e->logical = EM_PQL_LIST; break;
    case 4: e->logical = EM_PQL_ENUM; break;
    case 5: e->logical = EM_PQL_DECIMAL; break;
    case 6: e->logical = EM_PQL_DATE; break;
    case 7: e->logical = EM_PQL_TIME; break;
    case 8: e->logical = EM_PQL_TIMESTAMP; break;
    case 10: e->logical = EM_PQL_INT; break;
    case 11: e->logical = EM_PQL_UNKNOWN; break;
    case 12: e->logical = EM_PQL_JSON; break;
    case 13: e->logical = EM_PQL_BSON; break;
    case 14: e->logical = EM_PQL_UUID; break;
    case 15: e->logical = EM_PQL_FLOAT16; break;
    case 16: e->logical = EM_PQL_VARIANT; break;
    case 17:
    case 18: e->logical = EM_PQL_GEO; break;
    default: e->logical = EM_PQL_OTHER; break;
    }
    if (fid == 5 || fid == 7 || fid == 8 || fid == 10) {
      em_pq_tc_struct_begin(t);
      int16_t f2;
      int t2;
      while (em_pq_tc_field(t, &f2, &t2)) {
        if (fid == 5 && f2 == 1 && t2 == EM_TC_I32) e->scale = (int)tc_int(t, t2);
        else if (fid == 5 && f2 == 2 && t2 == EM_TC_I32) e->precision = (int)tc_int(t, t2);
        else if ((fid == 7 || fid == 8) && f2 == 1 && (t2 == EM_TC_TRUE || t2 == EM_TC_FALSE))
          e->utc = em_pq_tc_bool(t, t2);
        else if ((fid == 7 || fid == 8) && f2 == 2 && t2 == EM_TC_STRUCT) e->unit = read_unit(t);
        else if (fid == 10 && f2 == 1 && t2 == EM_TC_BYTE) {
          if (t->p < t->end) e->bit_width = (int8_t)*t->p++;
          else t->failed = true;
        } else if (fid == 10 && f2 == 2 && (t2 == EM_TC_TRUE || t2 == EM_TC_FALSE))
          e->is_signed = em_pq_tc_bool(t, t2);
        else em_pq_tc_skip(t, t2);
      }
      em_pq_tc_struct_end(t);
    } else {
      em_pq_tc_skip(t, ty);
    }
  }
  em_pq_tc_struct_end(t);
}

/* ConvertedType (the older annotation) as a logical type, when the
 * element has no LogicalType. */
static void apply_converted(em_pq_selem *e, int ct) {
  switch (ct) {
  case 0: e->logical = EM_PQL_STRING; break;  /* UTF8 */
  case 1: e->logical = EM_PQL_MAP; break;
  case 2: e->logical = EM_PQL_MAP_KEY_VALUE; break;
  case 3: e->logical = EM_PQL_LIST; break;
  case 4: e->logical = EM_PQL_ENUM; break;
  case 5: e->logical = EM_PQL_DECIMAL; break;
  case 6: e->logical = EM_PQL_DATE; break;
  case 7: e->logical = EM_PQL_TIME; e->unit = EM_PQ_MILLIS; e->utc = true; break;
  case 8: e->logical = EM_PQL_TIME; e->unit = EM_PQ_MICROS; e->utc = true; break;
  case 9: e->logical = EM_PQL_TIMESTAMP; e->unit = EM_PQ_MILLIS; e->utc = true; break;
  case 10: e->logical = EM_PQL_TIMESTAMP; e->unit = EM_PQ_MICROS; e->utc = true; break;
  case 11: case 12: case 13: case 14:  /* UINT_8..64 */
    e->logical = EM_PQL_INT; e->is_signed = false; e->bit_width = 8 << (ct - 11); break;
  case 15: case 16: case 17: case 18:  /* INT_8..64 */
    e->logical = EM_PQL_INT; e->is_signed = true; e->bit_width = 8 << (ct - 15); break;
  case 19: e->logical = EM_PQL_JSON; break;
  case 20: e->logical = EM_PQL_BSON; break;
  case 21: e->logical = EM_PQL_INTERVAL; break;
  default: e->logical = EM_PQL_OTHER; break;
  }
}

static void read_selem(em_tc *t, em_pq_selem *e, em_arena *names) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  int converted = -1;
  bool has_logical = false;
  e->type = -1;
  e->repetition = EM_PQ_REQUIRED;
  e->unit = -1;
  while (em_pq_tc_field(t, &fid, &ty)) {
    switch (fid) {
    case 1: e->type = (int)tc_int(t, ty); break;
    case 2: e->type_length = (int)tc_int(t, ty); break;
    case 3: e->repetition = (int)tc_int(t, ty); break;
    case 4: {
      if (ty != EM_TC_BINARY) {
        em_pq_tc_skip(t, ty);
        break;
      }
      size_t n;
      const uint8_t *s = em_pq_tc_binary(t, &n);
      e->name = em_arena_strndup(names, s ? (const char *)s : "", n);
      if (!e->name) t->failed = true;
      break;
    }
    case 5: e->num_children = (int)tc_int(t, ty); break;
    case 6: converted = (int)tc_int(t, ty); break;
    case 7: if (!has_logical) e->scale = (int)tc_int(t, ty); else em_pq_tc_skip(t, ty); break;
    case 8: if (!has_logical) e->precision = (int)tc_int(t, ty); else em_pq_tc_skip(t, ty); break;
    case 10:
      if (ty == EM_TC_STRUCT) {
        read_logical(t, e);
        has_logical = e->logical != EM_PQL_NONE;
      } else {
        em_pq_tc_skip(t, ty);
      }
      break;
    default: em_pq_tc_skip(t, ty); break;
    }
  }
  em_pq_tc_struct_end(t);
  if (!has_logical && converted >= 0) apply_converted(e, converted);
  else if (has_logical && converted == 2 && e->logical == EM_PQL_MAP) e->logical = EM_PQL_MAP;
  /* MAP_KEY_VALUE as a converted type on the repeated child is informative only. */
  if (!e->name) e->name = em_arena_strdup(names, "");
}

void em_pq_meta_free(em_pq_meta *m) {
  if (!m) return;
  for (int i = 0; i < m->nrowgroups; i++) em_free(m->rowgroups[i].cols);
  em_free(m->rowgroups);
  em_free(m->elems);
  em_arena_destroy(&m->names);
  em_free(m->raw);
  em_free(m);
}

static int pread_all(int fd, uint8_t *buf, size_t n, int64_t off) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + (int64_t)got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

int em_pq_pread(int fd, uint8_t *buf, size_t n, int64_t off) { return pread_all(fd, buf, n, off); }

/* key_value_metadata: keeps Spark's schema (a pointer into the footer). */
static void read_kv(em_tc *t, em_pq_meta *m) {
  static const char key[] = "org.apache.spark.sql.parquet.row.metadata";
  int et;
  int64_t n = em_pq_tc_list(t, &et);
  if (n > 0 && et != EM_TC_STRUCT) {
    t->failed = true;
    return;
  }
  for (int64_t i = 0; i < n && !t->failed; i++) {
    const uint8_t *k = NULL, *v = NULL;
    size_t kn = 0, vn = 0;
    em_pq_tc_struct_begin(t);
    int16_t fid;
    int ty;
    while (em_pq_tc_field(t, &fid, &ty)) {
      if (fid == 1 && ty == EM_TC_BINARY) k = em_pq_tc_binary(t, &kn);
      else if (fid == 2 && ty == EM_TC_BINARY) v = em_pq_tc_binary(t, &vn);
      else em_pq_tc_skip(t, ty);
    }
    em_pq_tc_struct_end(t);
    if (k && v && kn == sizeof key - 1 && memcmp(k, key, kn) == 0) {
      m->spark_schema = v;
      m->spark_schema_len = vn;
    }
  }
}

int em_pq_read_meta(int fd, int64_t size, const char *path, em_pq_meta **out, em_error *err) {
  uint8_t tail[8];
  if (size < 12) return em_pq_corrupt(err, path, "file too small");
  if (pread_all(fd, tail, 8, size - 8)) return em_pq_corrupt(err, path, "cannot read the footer");
  if (memcmp(tail + 4, "PARE", 4) == 0)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                        "reading an encrypted Parquet file (encrypted footer)", NULL);
  if (memcmp(tail + 4, "PAR1", 4) != 0) return em_pq_corrupt(err, path, "no PAR1 magic at the end");
  uint32_t len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
  if ((int64_t)len > size - 12 || len == 0) return em_pq_corrupt(err, path, "footer length out of range");
  em_pq_meta *m = em_calloc(1, sizeof *m);
  if (!m) return em_error_internal(err, "out of memory reading a Parquet footer");
  em_arena_init(&m->names, 4096);
  m->raw_len = len;
  if (!(m->raw = em_malloc(len))) {
    em_pq_meta_free(m);
    return em_error_internal(err, "out of memory reading a Parquet footer");
  }
  if (pread_all(fd, m->raw, len, size - 8 - (int64_t)len)) {
    em_pq_meta_free(m);
    return em_pq_corrupt(err, path, "cannot read the footer");
  }
  em_tc t;
  em_pq_tc_init(&t, m->raw, len);
  em_pq_tc_struct_begin(&t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(&t, &fid, &ty)) {
    if (fid == 2 && ty == EM_TC_LIST && !m->elems) {
      int et;
      int64_t n = em_pq_tc_list(&t, &et);
      if (n > 0 && et != EM_TC_STRUCT) {
        t.failed = true;
        break;
      }
      if (!(m->elems = em_calloc((size_t)(n ? n : 1), sizeof *m->elems))) {
        em_pq_meta_free(m);
        return em_error_internal(err, "out of memory reading a Parquet footer");
      }
      m->nelems = (int)n;
      for (int64_t i = 0; i < n && !t.failed; i++) read_selem(&t, &m->elems[i], &m->names);
    } else if (fid == 3 && ty == EM_TC_I64) {
      m->num_rows = tc_int(&t, ty);
    } else if (fid == 4 && ty == EM_TC_LIST && !m->rowgroups) {
      int et;
      int64_t n = em_pq_tc_list(&t, &et);
      if (n > 0 && et != EM_TC_STRUCT) {
        t.failed = true;
        break;
      }
      if (!(m->rowgroups = em_calloc((size_t)(n ? n : 1), sizeof *m->rowgroups))) {
        em_pq_meta_free(m);
        return em_error_internal(err, "out of memory reading a Parquet footer");
      }
      for (int64_t i = 0; i < n && !t.failed; i++) {
        read_rowgroup(&t, &m->rowgroups[i]);
        m->nrowgroups = (int)i + 1;
      }
    } else if (fid == 5 && ty == EM_TC_LIST) {
      read_kv(&t, m);
    } else if (fid == 8) {
      m->encrypted = true;
      em_pq_tc_skip(&t, ty);
    } else {
      em_pq_tc_skip(&t, ty);
    }
  }
  if (t.failed) {
    em_pq_meta_free(m);
    return em_pq_corrupt(err, path, "cannot decode the footer");
  }
  bool enc = m->encrypted;
  for (int i = 0; i < m->nrowgroups && !enc; i++)
    for (int j = 0; j < m->rowgroups[i].ncols; j++) enc |= m->rowgroups[i].cols[j].encrypted;
  if (enc) {
    em_pq_meta_free(m);
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "reading an encrypted Parquet file", NULL);
  }
  if (m->nelems < 1 || m->num_rows < 0) {
    em_pq_meta_free(m);
    return em_pq_corrupt(err, path, "no schema in the footer");
  }
  *out = m;
  return 0;
}

static void read_dph(em_tc *t, em_pq_page *pg) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(t, &fid, &ty)) {
    switch (fid) {
    case 1: pg->num_values = (int32_t)tc_int(t, ty); break;
    case 2: pg->encoding = (int)tc_int(t, ty); break;
    case 3: pg->def_encoding = (int)tc_int(t, ty); break;
    case 4: pg->rep_encoding = (int)tc_int(t, ty); break;
    default: em_pq_tc_skip(t, ty); break;
    }
  }
  em_pq_tc_struct_end(t);
}

static void read_dph2(em_tc *t, em_pq_page *pg) {
  em_pq_tc_struct_begin(t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(t, &fid, &ty)) {
    switch (fid) {
    case 1: pg->num_values = (int32_t)tc_int(t, ty); break;
    case 2: pg->num_nulls = (int32_t)tc_int(t, ty); break;
    case 3: pg->num_rows = (int32_t)tc_int(t, ty); break;
    case 4: pg->encoding = (int)tc_int(t, ty); break;
    case 5: pg->def_len = (int32_t)tc_int(t, ty); break;
    case 6: pg->rep_len = (int32_t)tc_int(t, ty); break;
    case 7:
      if (ty == EM_TC_TRUE || ty == EM_TC_FALSE) pg->is_compressed = em_pq_tc_bool(t, ty);
      else em_pq_tc_skip(t, ty);
      break;
    default: em_pq_tc_skip(t, ty); break;
    }
  }
  em_pq_tc_struct_end(t);
}

int em_pq_read_page_header(const uint8_t *p, size_t n, em_pq_page *pg) {
  memset(pg, 0, sizeof *pg);
  pg->type = -1;
  pg->is_compressed = true;
  em_tc t;
  em_pq_tc_init(&t, p, n);
  em_pq_tc_struct_begin(&t);
  int16_t fid;
  int ty;
  while (em_pq_tc_field(&t, &fid, &ty)) {
    switch (fid) {
    case 1: pg->type = (int)tc_int(&t, ty); break;
    case 2: pg->uncompressed_size = (int32_t)tc_int(&t, ty); break;
    case 3: pg->compressed_size = (int32_t)tc_int(&t, ty); break;
    case 5:
      if (ty == EM_TC_STRUCT) read_dph(&t, pg);
      else em_pq_tc_skip(&t, ty);
      break;
    case 7:
      if (ty == EM_TC_STRUCT) read_dph(&t, pg); /* num_values, encoding: same field ids */
      else em_pq_tc_skip(&t, ty);
      break;
    case 8:
      if (ty == EM_TC_STRUCT) read_dph2(&t, pg);
      else em_pq_tc_skip(&t, ty);
      break;
    default: em_pq_tc_skip(&t, ty); break;
    }
  }
  if (t.failed) return -1;
  if (pg->uncompressed_size < 0 || pg->compressed_size < 0 || pg->num_values < 0 || pg->def_len < 0 ||
      pg->rep_len < 0)
    return -1;
  pg->header_len = (size_t)(t.p - p);
  return 0;
}
