/*
 * The column chunk writer: one leaf column of one row group, as
 * parquet-mr's v1 writer lays it out.
 *
 * Entries (definition level, repetition level, value for non-null ones)
 * accumulate in the current page: levels as int16 arrays, values in
 * their PLAIN form, and, while the dictionary is on, their dictionary
 * indices too. A page is closed at a record boundary (an entry with
 * repetition level 0 arrives) once it holds page_size bytes of values or
 * page_rows records; its body is the RLE repetition levels, the RLE
 * definition levels (v1: each with a 4-byte length), then either the
 * indices (a bit-width byte and RLE/bit-packed runs; encoding
 * PLAIN_DICTIONARY, as parquet-mr's v1 writer names it) or the PLAIN
 * values; the body is compressed and preceded by its PageHeader. Pages
 * of a chunk are kept in memory until the row group is written, where
 * the dictionary page (when any data page used it) goes first.
 *
 * Dictionary fallback, as parquet-mr: the dictionary is dropped when it
 * grows past dict_page_size bytes (later pages are PLAIN; pages already
 * written keep their indices), and at the first page when indices plus
 * dictionary are not smaller than the plain values (data with few
 * repeats is then written PLAIN from the start).
 *
 * Statistics per chunk: null count, and min/max in the type's order:
 * signed integers, floats without NaN (a chunk of only NaN has none; a
 * zero min is written -0.0 and a zero max +0.0, per the format spec),
 * false < true, unsigned byte order for strings and binary (dropped when
 * min and max together exceed 4 KiB, as parquet-mr), signed big-endian
 * for decimals in FLBA, none for INT96.
 */
#include "parquet_write_int.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

#define MAX_STATS_BYTES 4096

struct em_pqw_col {
  const em_pqw_leaf *leaf;
  int codec;
  em_pqw_limits lim;
  int width; /* staged width of a value: BOOLEAN 1, INT96 12, FLBA n; 0 for BYTE_ARRAY */

  /* the current page */
  int16_t *def, *rep;
  int64_t nent, cap_ent;
  int64_t page_rows;
  em_pqw_buf plain;
  int64_t nvals;
  uint32_t *idx;
  int64_t cap_idx;

  /* the chunk's dictionary */
  bool dict_on, dict_used;
  em_pqw_buf dict;
  int64_t ndict, cap_dict;
  uint32_t *dict_off; /* entry -> offset in dict (BYTE_ARRAY: of its length prefix) */
  uint32_t *slots;    /* hash table: entry + 1, 0 = empty */
  uint64_t nslots;

  /* the chunk */
  em_pqw_buf pages;
  int64_t num_values, total_uncompressed;
  unsigned encodings;
  em_pqw_stats stats;
  union { int64_t i; double d; } smin, smax; /* fixed-width stats before encoding */
  bool any_value;

  em_pqw_buf body, packed;
};

static int oom(em_error *err) { return em_error_internal(err, "out of memory"); }

em_pqw_col *em_pqw_col_new(const em_pqw_leaf *leaf, int codec, const em_pqw_limits *lim) {
  em_pqw_col *c = em_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->leaf = leaf;
  c->codec = codec;
  c->lim = *lim;
  switch (leaf->ptype) {
  case EM_PQ_BOOLEAN: c->width = 1; break;
  case EM_PQ_INT32: case EM_PQ_FLOAT: c->width = 4; break;
  case EM_PQ_INT64: case EM_PQ_DOUBLE: c->width = 8; break;
  case EM_PQ_INT96: c->width = 12; break;
  case EM_PQ_FLBA: c->width = leaf->type_length; break;
  default: c->width = 0; break;
  }
  em_pqw_col_reset(c);
  return c;
}

static void drop_dict(em_pqw_col *c) {
  em_pqw_buf_free(&c->dict);
  em_free(c->dict_off);
  em_free(c->slots);
  c->dict_off = NULL;
  c->slots = NULL;
  c->ndict = c->cap_dict = 0;
  c->nslots = 0;
}

void em_pqw_col_reset(em_pqw_col *c) {
  drop_dict(c);
  c->dict_on = c->leaf->dictionary && c->lim.dictionary;
  c->dict_used = false;
  c->pages.len = 0;
  c->num_values = c->total_uncompressed = 0;
  c->encodings = 0;
  c->stats.has_minmax = false;
  c->stats.min.len = c->stats.max.len = 0;
  c->stats.null_count = 0;
  c->any_value = false;
  c->nent = c->nvals = c->page_rows = 0;
  c->plain.len = 0;
}

void em_pqw_col_free(em_pqw_col *c) {
  if (!c) return;
  drop_dict(c);
  em_free(c->def);
  em_free(c->rep);
  em_free(c->idx);
  em_pqw_buf_free(&c->plain);
  em_pqw_buf_free(&c->pages);
  em_pqw_buf_free(&c->stats.min);
  em_pqw_buf_free(&c->stats.max);
  em_pqw_buf_free(&c->body);
  em_pqw_buf_free(&c->packed);
  em_free(c);
}

int64_t em_pqw_col_buffered(const em_pqw_col *c) {
  return (int64_t)c->pages.len + (int64_t)c->plain.len + (int64_t)c->dict.len + c->nent / 2;
}

/* ---- statistics ---- */

static int cmp_unsigned(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  int r = n ? memcmp(a, b, n) : 0;
  if (r) return r;
  return an < bn ? -1 : an > bn;
}

static int cmp_signed_be(const uint8_t *a, const uint8_t *b, size_t n) {
  if ((a[0] ^ b[0]) & 0x80) return (a[0] & 0x80) ? -1 : 1;
  return memcmp(a, b, n);
}

static void stats_bytes(em_pqw_col *c, const uint8_t *p, size_t n) {
  em_pqw_stats *s = &c->stats;
  bool be = c->leaf->order == EM_PQW_ORD_SIGNED_BE;
  if (!c->any_value) {
    em_pqw_buf_put(&s->min, p, n);
    em_pqw_buf_put(&s->max, p, n);
    c->any_value = true;
    return;
  }
  if (be ? cmp_signed_be(p, s->min.p, n) < 0 : cmp_unsigned(p, n, s->min.p, s->min.len) < 0) {
    s->min.len = 0;
    em_pqw_buf_put(&s->min, p, n);
  } else if (be ? cmp_signed_be(p, s->max.p, n) > 0 : cmp_unsigned(p, n, s->max.p, s->max.len) > 0) {
    s->max.len = 0;
    em_pqw_buf_put(&s->max, p, n);
  }
}

static inline void stats_update(em_pqw_col *c, const uint8_t *p, size_t n) {
  switch (c->leaf->order) {
  case EM_PQW_ORD_NONE: return;
  case EM_PQW_ORD_BOOL: case EM_PQW_ORD_I32: case EM_PQW_ORD_I64: {
    int64_t v;
    if (c->leaf->order == EM_PQW_ORD_BOOL) v = p[0];
    else if (c->leaf->order == EM_PQW_ORD_I32) {
      int32_t x;
      memcpy(&x, p, 4);
      v = x;
    } else memcpy(&v, p, 8);
    if (!c->any_value) c->smin.i = c->smax.i = v, c->any_value = true;
    else if (v < c->smin.i) c->smin.i = v;
    else if (v > c->smax.i) c->smax.i = v;
    return;
  }
  case EM_PQW_ORD_F32: case EM_PQW_ORD_F64: {
    double v;
    if (c->leaf->order == EM_PQW_ORD_F32) {
      float f;
      memcpy(&f, p, 4);
      v = f;
    } else memcpy(&v, p, 8);
    if (isnan(v)) return;
    if (!c->any_value) c->smin.d = c->smax.d = v, c->any_value = true;
    else if (v < c->smin.d) c->smin.d = v;
    else if (v > c->smax.d) c->smax.d = v;
    return;
  }
  default: stats_bytes(c, p, n); return;
  }
}

static void stats_finish(em_pqw_col *c) {
  em_pqw_stats *s = &c->stats;
  s->has_minmax = c->any_value;
  if (!c->any_value) return;
  if (c->leaf->order == EM_PQW_ORD_UNSIGNED || c->leaf->order == EM_PQW_ORD_SIGNED_BE) return; /* kept as they came */
  s->min.len = s->max.len = 0;
  switch (c->leaf->order) {
  case EM_PQW_ORD_BOOL: {
    uint8_t a = (uint8_t)c->smin.i, b = (uint8_t)c->smax.i;
    em_pqw_buf_put(&s->min, &a, 1);
    em_pqw_buf_put(&s->max, &b, 1);
    break;
  }
  case EM_PQW_ORD_I32: {
    int32_t a = (int32_t)c->smin.i, b = (int32_t)c->smax.i;
    em_pqw_buf_put(&s->min, &a, 4);
    em_pqw_buf_put(&s->max, &b, 4);
    break;
  }
  case EM_PQW_ORD_I64:
    em_pqw_buf_put(&s->min, &c->smin.i, 8);
    em_pqw_buf_put(&s->max, &c->smax.i, 8);
    break;
  case EM_PQW_ORD_F32: case EM_PQW_ORD_F64: {
    double lo = c->smin.d == 0 ? -0.0 : c->smin.d, hi = c->smax.d == 0 ? 0.0 : c->smax.d;
    if (c->leaf->order == EM_PQW_ORD_F32) {
      float a = (float)lo, b = (float)hi;
      em_pqw_buf_put(&s->min, &a, 4);
      em_pqw_buf_put(&s->max, &b, 4);
    } else {
      em_pqw_buf_put(&s->min, &lo, 8);
      em_pqw_buf_put(&s->max, &hi, 8);
    }
    break;
  }
  default: s->has_minmax = false; return;
  }
}

/* ---- dictionary ---- */

static uint64_t hash_value(const uint8_t *p, size_t n) { return XXH3_64bits(p, n); }

static const uint8_t *dict_entry(const em_pqw_col *c, uint32_t e, size_t *n) {
  const uint8_t *p = c->dict.p + c->dict_off[e];
  if (c->width) {
    *n = (size_t)c->width;
    return p;
  }
  uint32_t len;
  memcpy(&len, p, 4);
  *n = len;
  return p + 4;
}

static int dict_grow(em_pqw_col *c) {
  uint64_t ns = c->nslots ? c->nslots * 2 : 1024;
  uint32_t *slots = em_calloc(ns, sizeof *slots);
  if (!slots) return -1;
  for (int64_t e = 0; e < c->ndict; e++) {
    size_t n;
    const uint8_t *p = dict_entry(c, (uint32_t)e, &n);
    uint64_t h = hash_value(p, n) & (ns - 1);
    while (slots[h]) h = (h + 1) & (ns - 1);
    slots[h] = (uint32_t)e + 1;
  }
  em_free(c->slots);
  c->slots = slots;
  c->nslots = ns;
  return 0;
}

/* The dictionary index of value p[0..n), added when new; -1 on OOM. */
static int64_t dict_index(em_pqw_col *c, const uint8_t *p, size_t n) {
  if ((uint64_t)(c->ndict + 1) * 2 > c->nslots && dict_grow(c)) return -1;
  uint64_t mask = c->nslots - 1, h = hash_value(p, n) & mask;
  for (;;) {
    uint32_t s = c->slots[h];
    if (!s) break;
    size_t en;
    const uint8_t *ep = dict_entry(c, s - 1, &en);
    if (en == n && memcmp(ep, p, n) == 0) return s - 1;
    h = (h + 1) & mask;
  }
  if (c->ndict == c->cap_dict) {
    int64_t cap = c->cap_dict ? 2 * c->cap_dict : 256;
    uint32_t *o = em_realloc(c->dict_off, (size_t)cap * sizeof *o);
    if (!o) return -1;
    c->dict_off = o;
    c->cap_dict = cap;
  }
  c->dict_off[c->ndict] = (uint32_t)c->dict.len;
  if (!c->width) {
    uint32_t len = (uint32_t)n;
    em_pqw_buf_put(&c->dict, &len, 4);
  }
  em_pqw_buf_put(&c->dict, p, n);
  if (c->dict.oom) return -1;
  c->slots[h] = (uint32_t)c->ndict + 1;
  return c->ndict++;
}

/* ---- pages ---- */

static int emit_page(em_pqw_col *c, int page_type, const em_pqw_buf *body, int32_t num_values, int encoding,
                     em_pqw_buf *to, em_error *err) {
  c->packed.len = 0;
  if (em_pqw_compress(c->codec, body->p, body->len, &c->packed, err)) return -1;
  if (c->packed.len > 0x7fffffff) return em_error_internal(err, "Parquet page too large");
  size_t at = to->len;
  em_pqw_page_header(to, page_type, (int32_t)body->len, (int32_t)c->packed.len, num_values, encoding);
  size_t hdr = to->len - at;
  em_pqw_buf_put(to, c->packed.p, c->packed.len);
  if (to->oom) return oom(err);
  c->total_uncompressed += (int64_t)(hdr + body->len);
  return 0;
}

static int flush_page(em_pqw_col *c, em_error *err) {
  if (c->nent == 0) return 0;
  em_pqw_buf *b = &c->body;
  b->len = 0;
  if (c->leaf->max_rep > 0) em_pq_put_levels(b, c->rep, c->nent, c->leaf->max_rep);
  if (c->leaf->max_def > 0) em_pq_put_levels(b, c->def, c->nent, c->leaf->max_def);
  size_t levels = b->len;
  int encoding = EM_PQE_PLAIN;
  if (c->dict_on) {
    int bw = em_pq_bit_width((uint32_t)(c->ndict > 1 ? c->ndict - 1 : 1));
    em_pqw_buf_byte(b, (uint8_t)bw);
    em_pq_rle_encode(b, c->idx, c->nvals, bw);
    if (!c->dict_used && b->len - levels + c->dict.len >= c->plain.len) {
      /* The first page shows the dictionary does not pay: PLAIN from here. */
      c->dict_on = false;
      drop_dict(c);
      b->len = levels;
    } else {
      encoding = EM_PQE_PLAIN_DICTIONARY;
      c->dict_used = true;
    }
  }
  if (encoding == EM_PQE_PLAIN) {
    if (c->leaf->ptype == EM_PQ_BOOLEAN) { /* bit-packed, LSB first */
      size_t nb = (size_t)(c->nvals + 7) / 8;
      if (em_pqw_buf_reserve(b, nb) == 0) {
        memset(b->p + b->len, 0, nb);
        for (int64_t i = 0; i < c->nvals; i++)
          if (c->plain.p[i]) b->p[b->len + (size_t)(i >> 3)] |= (uint8_t)(1u << (i & 7));
        b->len += nb;
      }
    } else {
      em_pqw_buf_put(b, c->plain.p, c->plain.len);
    }
  }
  if (b->oom) return oom(err);
  if (c->nent > 0x7fffffff) return em_error_internal(err, "Parquet page has too many values");
  if (emit_page(c, EM_PQ_PAGE_DATA, b, (int32_t)c->nent, encoding, &c->pages, err)) return -1;
  c->encodings |= 1u << encoding;
  if (c->leaf->max_def > 0 || c->leaf->max_rep > 0) c->encodings |= 1u << EM_PQE_RLE;
  c->num_values += c->nent;
  c->nent = c->nvals = c->page_rows = 0;
  c->plain.len = 0;
  return 0;
}

static int grow_entries(em_pqw_col *c, int64_t need) {
  int64_t cap = c->cap_ent ? c->cap_ent : 1024;
  while (cap < need) cap *= 2;
  if (c->leaf->max_def > 0) {
    int16_t *d = em_realloc(c->def, (size_t)cap * sizeof *d);
    if (!d) return -1;
    c->def = d;
  }
  if (c->leaf->max_rep > 0) {
    int16_t *r = em_realloc(c->rep, (size_t)cap * sizeof *r);
    if (!r) return -1;
    c->rep = r;
  }
  c->cap_ent = cap;
  return 0;
}

static inline bool page_full(const em_pqw_col *c) {
  return c->nent > 0 && (c->page_rows >= c->lim.page_rows || (int64_t)c->plain.len + c->nent / 4 >= c->lim.page_size);
}

static int add_value(em_pqw_col *c, const uint8_t *p, size_t n, em_error *err) {
  if (c->width) {
    em_pqw_buf_put(&c->plain, p, n);
  } else {
    uint32_t len = (uint32_t)n;
    em_pqw_buf_put(&c->plain, &len, 4);
    em_pqw_buf_put(&c->plain, p, n);
  }
  if (c->plain.oom) return oom(err);
  if (c->dict_on) {
    int64_t e = dict_index(c, p, n);
    if (e < 0) return oom(err);
    if (c->nvals == c->cap_idx) {
      int64_t cap = c->cap_idx ? 2 * c->cap_idx : 1024;
      uint32_t *ix = em_realloc(c->idx, (size_t)cap * sizeof *ix);
      if (!ix) return oom(err);
      c->idx = ix;
      c->cap_idx = cap;
    }
    c->idx[c->nvals] = (uint32_t)e;
    if ((int64_t)c->dict.len > c->lim.dict_page_size) {
      /* Too big: this page and the next ones are PLAIN; pages already
       * written keep the dictionary. */
      c->dict_on = false;
      if (!c->dict_used) drop_dict(c);
    }
  }
  c->nvals++;
  stats_update(c, p, n);
  return 0;
}

int em_pqw_col_put(em_pqw_col *c, int16_t d, int16_t r, const void *p, size_t n, em_error *err) {
  if (r == 0) {
    if (page_full(c) && flush_page(c, err)) return -1;
    c->page_rows++;
  }
  if (c->nent == c->cap_ent && grow_entries(c, c->nent + 1)) return oom(err);
  if (c->leaf->max_def > 0) c->def[c->nent] = d;
  if (c->leaf->max_rep > 0) c->rep[c->nent] = r;
  c->nent++;
  if (d < c->leaf->max_def) {
    c->stats.null_count++;
    return 0;
  }
  return add_value(c, p, n, err);
}

int em_pqw_col_finish(em_pqw_col *c, int64_t pos, em_pqw_buf *out, em_pqw_chunk_meta *meta, em_error *err) {
  if (flush_page(c, err)) return -1;
  stats_finish(c);
  em_pqw_stats *s = &c->stats;
  if (c->any_value && (c->leaf->order == EM_PQW_ORD_UNSIGNED || c->leaf->order == EM_PQW_ORD_SIGNED_BE))
    s->has_minmax = s->min.len + s->max.len <= MAX_STATS_BYTES;
  if (s->min.oom || s->max.oom) return oom(err);
  memset(meta, 0, sizeof *meta);
  meta->ptype = c->leaf->ptype;
  meta->codec = c->codec;
  meta->dict_page_offset = -1;
  size_t start = out->len;
  int64_t total_uncompressed_pages = c->total_uncompressed;
  if (c->dict_used) {
    meta->dict_page_offset = pos;
    c->total_uncompressed = 0;
    if (emit_page(c, EM_PQ_PAGE_DICT, &c->dict, (int32_t)c->ndict, EM_PQE_PLAIN_DICTIONARY, out, err)) return -1;
    total_uncompressed_pages += c->total_uncompressed;
    c->encodings |= 1u << EM_PQE_PLAIN_DICTIONARY;
  }
  meta->data_page_offset = pos + (int64_t)(out->len - start);
  em_pqw_buf_put(out, c->pages.p, c->pages.len);
  if (out->oom) return oom(err);
  meta->encodings = c->encodings;
  meta->num_values = c->num_values;
  meta->total_uncompressed = total_uncompressed_pages;
  meta->total_compressed = (int64_t)(out->len - start);
  meta->stats = s;
  return 0;
}
