/*
 * One column chunk of one row group, decoded: the chunk's bytes are read
 * with one pread, then page by page (dictionary page, data pages v1 and
 * v2, index pages skipped) levels and values are decoded into an
 * em_pq_leafdata: every level entry, and the non-null values densely in
 * their physical form. The assembler (parquet_assemble.c) turns that into
 * vectors of Spark's types.
 *
 * Data page v1: [rep levels][def levels][values], all compressed together;
 * levels are RLE (with a 4-byte length) or the old BIT_PACKED. Data page
 * v2: levels (RLE, lengths in the header) stay uncompressed in front of the
 * values, which are compressed unless is_compressed is false.
 *
 * Memory: the chunk's bytes plus one decompressed page at a time, plus the
 * decoded values of the whole chunk (a row group's column): the reader's
 * peak memory is about a row group of the projected columns per thread.
 */
#include "parquet_int.h"
#include "snappy.h"

#include <string.h>

#define MAX_PAGE_BYTES ((int64_t)1 << 30)
#define MAX_PAGE_VALUES ((int64_t)1 << 26)

void em_pq_leafdata_free(em_pq_leafdata *d) {
  em_free(d->def);
  em_free(d->rep);
  em_free(d->fixed);
  em_free(d->offsets);
  em_free(d->data);
  em_free(d->row_entry);
  em_free(d->row_value);
  em_free(d->lz_store);
  em_free(d->lz_pages);
  em_free(d->lz_dict);
  em_free(d->scratch_read);
  em_free(d->scratch_page);
  em_free(d->scratch_dict);
  memset(d, 0, sizeof *d);
}

typedef struct creader {
  const em_pq_node *leaf;
  const char *path;
  em_error *err;
  int ptype;
  int width; /* physical width (booleans 1); 0 for BYTE_ARRAY */
  em_pq_leafdata *out;
  /* dictionary (physical values) */
  bool has_dict;
  int64_t dict_n;
  uint8_t *dict_fixed;
  int64_t dict_cap; /* bytes of dict_fixed */
  int64_t *dict_off;
  uint8_t *dict_data;
  /* scratch */
  uint32_t *idx;
  int64_t idx_cap;
  /* The current page when it was decompressed into out->lz_store (past
   * lz_store_len, not yet kept), else NULL. */
  const uint8_t *store_page;
  /* A SNAPPY dictionary of fixed-width values not decompressed yet (only
   * with a page selection): its bytes at dict_src_off in *chunk_buf. Lazy
   * pages need only as much of it as their largest index reaches. */
  bool dict_pending;
  int64_t dict_src_off;
  size_t dict_clen, dict_ulen;
  uint8_t *const *chunk_buf;
  int64_t *tmp64;
  int64_t tmp_cap;
} creader;

static int corrupt(creader *c, const char *what) { return em_pq_corrupt(c->err, c->path, what); }
static int oom(creader *c) { return em_error_internal(c->err, "out of memory decoding Parquet"); }

static int grow(void **p, int64_t *cap, int64_t need, size_t elem) {
  if (need <= *cap) return 0;
  int64_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *q = em_realloc(*p, (size_t)n * elem);
  if (!q) return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* Room for `n` more entries (levels) and values. */
static int reserve(creader *c, int64_t entries, int64_t values) {
  em_pq_leafdata *d = c->out;
  int64_t ne = d->nentries + entries, nv = d->nvalues + values;
  if (ne > d->cap_entries) {
    int64_t cap = d->cap_entries;
    if (c->leaf->def > 0) {
      int64_t cc = cap;
      if (grow((void **)&d->def, &cc, ne, sizeof(int16_t))) return oom(c);
    }
    if (c->leaf->rep > 0) {
      int64_t cc = cap;
      if (grow((void **)&d->rep, &cc, ne, sizeof(int16_t))) return oom(c);
    }
    int64_t n = cap ? cap : 64;
    while (n < ne) n *= 2;
    d->cap_entries = n;
    /* grow() above used the same doubling, so both arrays hold n. */
  }
  /* (A lazy leaf's values are not stored: `fixed` is its window.) */
  if (!d->lazy && nv + (c->width ? 0 : 1) > d->cap_values) { /* byte arrays: offsets hold nv + 1 */
    int64_t cap = d->cap_values;
    if (c->width) {
      int64_t cc = cap;
      if (grow((void **)&d->fixed, &cc, nv, (size_t)c->width)) return oom(c);
    } else {
      int64_t cc = cap;
      if (grow((void **)&d->offsets, &cc, nv + 1, sizeof(int64_t))) return oom(c);
    }
    int64_t n = cap ? cap : 64;
    while (n < nv + (c->width ? 0 : 1)) n *= 2;
    if (!c->width && cap == 0) d->offsets[0] = 0;
    d->cap_values = n;
  }
  return 0;
}

static int reserve_data(creader *c, int64_t bytes) {
  em_pq_leafdata *d = c->out;
  int64_t used = d->offsets ? d->offsets[d->nvalues] : 0;
  if (grow((void **)&d->data, &d->cap_data, used + bytes, 1)) return oom(c);
  return 0;
}

static inline uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Appends one byte-array value. */
static int put_bytes(creader *c, const uint8_t *p, int64_t n) {
  em_pq_leafdata *d = c->out;
  if (reserve_data(c, n)) return -1;
  int64_t o = d->offsets[d->nvalues];
  if (n) memcpy(d->data + o, p, (size_t)n);
  d->offsets[d->nvalues + 1] = o + n;
  d->nvalues++;
  return 0;
}

/* PLAIN values: n of them from p[0..len) into `fixed` storage or the
 * byte-array store. For the dictionary page the target is the dictionary. */
static int plain_fixed(creader *c, const uint8_t *p, size_t len, int64_t n, uint8_t *dst) {
  if (n == 0) return 0;
  if (c->ptype == EM_PQ_BOOLEAN) {
    if ((uint64_t)n > (uint64_t)len * 8) return corrupt(c, "PLAIN booleans truncated");
    for (int64_t i = 0; i < n; i++) dst[i] = (p[i >> 3] >> (i & 7)) & 1;
    return 0;
  }
  if ((uint64_t)n * (uint64_t)c->width > len) return corrupt(c, "PLAIN values truncated");
  memcpy(dst, p, (size_t)n * (size_t)c->width);
  return 0;
}

static int decode_dict_page(creader *c, const uint8_t *p, size_t len, int64_t n, int encoding) {
  if (encoding != 0 && encoding != 2) return corrupt(c, "dictionary page not PLAIN");
  if (n < 0 || n > MAX_PAGE_VALUES) return corrupt(c, "dictionary size out of range");
  c->dict_pending = false; /* a new dictionary replaces a pending one */
  em_free(c->dict_fixed);
  em_free(c->dict_off);
  em_free(c->dict_data);
  c->dict_fixed = NULL;
  c->dict_off = NULL;
  c->dict_data = NULL;
  c->dict_n = n;
  c->has_dict = true;
  if (c->width) {
    if (!(c->dict_fixed = em_malloc((size_t)(n ? n : 1) * (size_t)c->width))) return oom(c);
    c->dict_cap = (n ? n : 1) * c->width;
    return plain_fixed(c, p, len, n, c->dict_fixed);
  }
  if (!(c->dict_off = em_malloc(sizeof(int64_t) * (size_t)(n + 1)))) return oom(c);
  /* The dictionary's bytes are a subset of the page: keep a copy. */
  if (!(c->dict_data = em_malloc(len ? len : 1))) return oom(c);
  size_t pos = 0, out = 0;
  c->dict_off[0] = 0;
  for (int64_t i = 0; i < n; i++) {
    if (len - pos < 4) return corrupt(c, "dictionary truncated");
    uint32_t l = le32(p + pos);
    pos += 4;
    if (l > len - pos) return corrupt(c, "dictionary value truncated");
    memcpy(c->dict_data + out, p + pos, l);
    pos += l;
    out += l;
    c->dict_off[i + 1] = (int64_t)out;
  }
  return 0;
}

/* m (<= 1024) dictionary indices decoded from r and looked up in the
 * dictionary of dn values of width w (4 or 8): the values into dst.
 * -1 when the indices run out, -2 when one is out of the dictionary. */
static int dict_block(em_pq_rle *r, const uint8_t *dict, uint32_t dn, int w, int64_t m, uint8_t *dst,
                      bool widen) {
  uint32_t blk[1024];
  if (em_pq_rle_get(r, blk, m)) return -1;
  /* Indices compared four at a time, in two independent vectors of the
   * compiler's (a running maximum would not vectorize). */
  typedef uint32_t v4u __attribute__((vector_size(16)));
  typedef int32_t v4i __attribute__((vector_size(16)));
  v4i b0 = {0, 0, 0, 0}, b1 = {0, 0, 0, 0};
  const v4u dnv = {dn, dn, dn, dn};
  int64_t i8 = m & ~(int64_t)7;
  for (int64_t i = 0; i < i8; i += 8) {
    v4u x, y;
    memcpy(&x, blk + i, sizeof x);
    memcpy(&y, blk + i + 4, sizeof y);
    b0 |= x >= dnv;
    b1 |= y >= dnv;
  }
  b0 |= b1;
  uint32_t bad = (uint32_t)(b0[0] | b0[1] | b0[2] | b0[3]);
  for (int64_t i = i8; i < m; i++) bad |= blk[i] >= dn;
  if (bad) return -2;
  if (widen) {
    /* Signed integers straight to 128 bits (decimals). */
    if (w == 8)
      for (int64_t i = 0; i < m; i++) {
        int64_t y;
        memcpy(&y, dict + (size_t)blk[i] * 8, 8);
        __int128 x = y;
        memcpy(dst + i * 16, &x, 16);
      }
    else
      for (int64_t i = 0; i < m; i++) {
        int32_t y;
        memcpy(&y, dict + (size_t)blk[i] * 4, 4);
        __int128 x = y;
        memcpy(dst + i * 16, &x, 16);
      }
    return 0;
  }
  if (w == 8)
    for (int64_t i = 0; i < m; i++) memcpy(dst + i * 8, dict + (size_t)blk[i] * 8, 8);
  else
    for (int64_t i = 0; i < m; i++) memcpy(dst + i * 4, dict + (size_t)blk[i] * 4, 4);
  return 0;
}

/* n values of a dictionary-encoded value section (bit width byte, then
 * indices) into dst. */
static int dict_decode(creader *c, const uint8_t *p, size_t len, int64_t n, uint8_t *dst) {
  if (len < 1) return corrupt(c, "dictionary indices missing");
  int bw = p[0];
  if (bw > 32) return corrupt(c, "dictionary index width out of range");
  em_pq_rle r;
  em_pq_rle_init(&r, p + 1, len - 1, bw);
  for (int64_t i0 = 0; i0 < n; i0 += 1024) {
    int64_t m = n - i0 < 1024 ? n - i0 : 1024;
    int rc = dict_block(&r, c->dict_fixed, (uint32_t)c->dict_n, c->width, m, dst + i0 * c->width, false);
    if (rc == -1) return corrupt(c, "dictionary indices truncated");
    if (rc == -2) return corrupt(c, "dictionary index out of range");
  }
  return 0;
}

/* Decompresses a pending dictionary: its first `want` bytes at least
 * (SIZE_MAX: all of it). */
static int decompress_dict(creader *c, size_t want) {
  if (!c->dict_pending) return 0;
  c->dict_pending = false;
  const uint8_t *src = *c->chunk_buf + c->dict_src_off;
  size_t got = 0;
  if (em_snappy_decode_prefix(src, c->dict_clen, c->dict_fixed, c->dict_ulen, want, &got))
    return corrupt(c, "a page does not decompress");
  c->dict_n = (int64_t)(got < c->dict_ulen ? got : c->dict_ulen) / c->width;
  return 0;
}

/* The largest dictionary index of the lazy pages kept so far (-1 when
 * they hold none); -2 when their indices do not decode. */
static int64_t lazy_max_index(const em_pq_leafdata *d) {
  int64_t top = -1;
  uint32_t blk[1024];
  for (int64_t k = 0; k < d->lz_npages; k++) {
    const em_pq_lzpage *pg = &d->lz_pages[k];
    em_pq_rle r;
    em_pq_rle_init(&r, d->lz_store + pg->off, (size_t)pg->len, pg->bit_width);
    for (int64_t i = 0; i < pg->n; i += 1024) {
      int64_t m = pg->n - i < 1024 ? pg->n - i : 1024;
      if (em_pq_rle_get(&r, blk, m)) return -2;
      uint32_t mx = 0;
      for (int64_t j = 0; j < m; j++) mx = blk[j] > mx ? blk[j] : mx;
      if ((int64_t)mx > top) top = mx;
    }
  }
  return top;
}

/* A lazy leaf's pages decoded into `fixed` after all (a page that is not
 * dictionary-encoded, or a new dictionary, follows them). */
static int materialize(creader *c) {
  em_pq_leafdata *d = c->out;
  d->lazy = false;
  if (d->lz_npages == 0) return 0;
  if (decompress_dict(c, SIZE_MAX)) return -1;
  if (reserve(c, 0, 0)) return -1;
  for (int64_t k = 0; k < d->lz_npages; k++) {
    const em_pq_lzpage *pg = &d->lz_pages[k];
    /* The page's bit width byte precedes its indices in the store. */
    if (dict_decode(c, d->lz_store + pg->off - 1, (size_t)pg->len + 1, pg->n, d->fixed + pg->v0 * c->width))
      return -1;
  }
  d->lz_npages = 0;
  d->lz_store_len = 0;
  return 0;
}

/* Keeps a dictionary-encoded page of a lazy leaf: its value section is
 * copied to the store (checked when its values are decoded). */
static int lazy_page(creader *c, const uint8_t *p, size_t len, int64_t n) {
  em_pq_leafdata *d = c->out;
  if (len < 1) return corrupt(c, "dictionary indices missing");
  if (p[0] > 32) return corrupt(c, "dictionary index width out of range");
  if (grow((void **)&d->lz_pages, &d->lz_pages_cap, d->lz_npages + 1, sizeof(em_pq_lzpage))) return oom(c);
  int64_t off;
  if (c->store_page) {
    /* Decompressed into the store already (after its levels): kept where
     * it is. */
    off = d->lz_store_len + (p - c->store_page);
  } else {
    if (grow((void **)&d->lz_store, &d->lz_store_cap, d->lz_store_len + (int64_t)len, 1)) return oom(c);
    off = d->lz_store_len;
    memcpy(d->lz_store + off, p, len);
  }
  d->lz_pages[d->lz_npages++] =
      (em_pq_lzpage){.v0 = d->nvalues, .n = n, .off = off + 1, .len = (int64_t)len - 1, .bit_width = p[0]};
  d->lz_store_len = off + (int64_t)len;
  d->nvalues += n;
  return 0;
}

int em_pq_lazy_window(em_pq_leafdata *d, int64_t v0, int64_t v1, uint8_t *dst128, em_error *err) {
  int64_t n = v1 - v0;
  int w = d->width;
  if (!dst128 && grow((void **)&d->fixed, &d->cap_values, n > 0 ? n : 1, (size_t)w))
    return em_error_internal(err, "out of memory decoding Parquet");
  if (n <= 0) return 0;
  if (v0 < 0 || v1 > d->nvalues) return em_error_internal(err, "Parquet values out of their leaf");
  if (d->lz_next != v0) {
    /* Not where the cursor is (rows come in order, so only at the
     * start): the page holding v0, and its values before v0 skipped. */
    int64_t k = 0;
    while (k < d->lz_npages && d->lz_pages[k].v0 + d->lz_pages[k].n <= v0) k++;
    if (k == d->lz_npages) return em_error_internal(err, "Parquet values out of their leaf");
    const em_pq_lzpage *pg = &d->lz_pages[k];
    em_pq_rle_init(&d->lz_rle, d->lz_store + pg->off, (size_t)pg->len, pg->bit_width);
    d->lz_cur = k;
    uint32_t skip[1024];
    for (int64_t s = pg->v0; s < v0;) {
      int64_t m = v0 - s < 1024 ? v0 - s : 1024;
      if (em_pq_rle_get(&d->lz_rle, skip, m)) return em_error_internal(err, "Parquet dictionary indices truncated");
      s += m;
    }
    d->lz_next = v0;
  }
  int64_t done = 0;
  while (done < n) {
    const em_pq_lzpage *pg = &d->lz_pages[d->lz_cur];
    int64_t left = pg->v0 + pg->n - d->lz_next;
    if (left == 0) {
      if (++d->lz_cur >= d->lz_npages) return em_error_internal(err, "Parquet values out of their leaf");
      pg = &d->lz_pages[d->lz_cur];
      em_pq_rle_init(&d->lz_rle, d->lz_store + pg->off, (size_t)pg->len, pg->bit_width);
      continue;
    }
    int64_t m = n - done < left ? n - done : left;
    if (m > 1024) m = 1024;
    int rc = dst128 ? dict_block(&d->lz_rle, d->lz_dict, (uint32_t)d->lz_dict_n, w, m, dst128 + done * 16, true)
                    : dict_block(&d->lz_rle, d->lz_dict, (uint32_t)d->lz_dict_n, w, m, d->fixed + done * w, false);
    if (rc == -1) return em_error_internal(err, "Parquet dictionary indices truncated");
    if (rc == -2) return em_error_internal(err, "Parquet dictionary index out of range");
    done += m;
    d->lz_next += m;
  }
  return 0;
}

/* n values of the page's value section p[0..len). */
static int decode_values(creader *c, const uint8_t *p, size_t len, int64_t n, int encoding) {
  em_pq_leafdata *d = c->out;
  if (n == 0) return 0;
  if (d->lazy) {
    if ((encoding == 2 || encoding == 8) && c->has_dict) return lazy_page(c, p, len, n);
    if (materialize(c)) return -1;
  }
  /* Sizes from the file bound what is allocated: PLAIN fixed values
   * (not booleans, which are bits) must be in the page, and wide fixed
   * values (FIXED_LEN_BYTE_ARRAY beyond a decimal's 16 bytes) that a
   * dictionary repeats stay under 1 GiB. */
  if (c->width && c->ptype != EM_PQ_BOOLEAN && encoding == 0 && (uint64_t)n * (uint64_t)c->width > len)
    return corrupt(c, "PLAIN values truncated");
  if (c->width > 16 && (uint64_t)(d->nvalues + n) * (uint64_t)c->width > ((uint64_t)1 << 30))
    return corrupt(c, "column chunk values over 1 GiB");
  if (reserve(c, 0, n)) return -1;
  switch (encoding) {
  case 0: /* PLAIN */
    if (c->width) {
      if (plain_fixed(c, p, len, n, d->fixed + d->nvalues * c->width)) return -1;
      d->nvalues += n;
      return 0;
    } else {
      size_t pos = 0;
      for (int64_t i = 0; i < n; i++) {
        if (len - pos < 4) return corrupt(c, "PLAIN byte array truncated");
        uint32_t l = le32(p + pos);
        pos += 4;
        if (l > len - pos) return corrupt(c, "PLAIN byte array value truncated");
        if (put_bytes(c, p + pos, l)) return -1;
        pos += l;
      }
      return 0;
    }
  case 2: /* PLAIN_DICTIONARY */
  case 8: { /* RLE_DICTIONARY */
    if (!c->has_dict) return corrupt(c, "dictionary-encoded page without a dictionary");
    if (decompress_dict(c, SIZE_MAX)) return -1;
    if (len < 1) return corrupt(c, "dictionary indices missing");
    int bw = p[0];
    if (bw > 32) return corrupt(c, "dictionary index width out of range");
    em_pq_rle r;
    em_pq_rle_init(&r, p + 1, len - 1, bw);
    if (c->width == 4 || c->width == 8) {
      /* The common case: indices decoded a block at a time into a buffer
       * that stays in L1, checked and looked up at once. */
      if (dict_decode(c, p, len, n, d->fixed + d->nvalues * c->width)) return -1;
      d->nvalues += n;
      return 0;
    }
    if (grow((void **)&c->idx, &c->idx_cap, n, sizeof(uint32_t))) return oom(c);
    if (em_pq_rle_get(&r, c->idx, n)) return corrupt(c, "dictionary indices truncated");
    uint32_t top = 0;
    for (int64_t i = 0; i < n; i++) top = c->idx[i] > top ? c->idx[i] : top;
    if (n && top >= (uint64_t)c->dict_n) return corrupt(c, "dictionary index out of range");
    if (c->width) {
      uint8_t *dst = d->fixed + d->nvalues * c->width;
      int w = c->width;
      if (w == 4)
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * 4, c->dict_fixed + (size_t)c->idx[i] * 4, 4);
      else if (w == 8)
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * 8, c->dict_fixed + (size_t)c->idx[i] * 8, 8);
      else
        for (int64_t i = 0; i < n; i++)
          memcpy(dst + i * w, c->dict_fixed + (size_t)c->idx[i] * (size_t)w, (size_t)w);
      d->nvalues += n;
    } else {
      int64_t total = 0;
      for (int64_t i = 0; i < n; i++) total += c->dict_off[c->idx[i] + 1] - c->dict_off[c->idx[i]];
      if (reserve_data(c, total)) return -1;
      int64_t o = d->offsets[d->nvalues];
      for (int64_t i = 0; i < n; i++) {
        int64_t a = c->dict_off[c->idx[i]], l = c->dict_off[c->idx[i] + 1] - a;
        if (l) memcpy(d->data + o, c->dict_data + a, (size_t)l);
        o += l;
        d->offsets[d->nvalues + i + 1] = o;
      }
      d->nvalues += n;
    }
    return 0;
  }
  case 3: { /* RLE (booleans) */
    if (c->ptype != EM_PQ_BOOLEAN) return corrupt(c, "RLE encoding on a non-boolean column");
    if (len < 4) return corrupt(c, "RLE booleans truncated");
    uint32_t l = le32(p);
    if (l > len - 4) return corrupt(c, "RLE booleans truncated");
    if (grow((void **)&c->idx, &c->idx_cap, n, sizeof(uint32_t))) return oom(c);
    em_pq_rle r;
    em_pq_rle_init(&r, p + 4, l, 1);
    if (em_pq_rle_get(&r, c->idx, n)) return corrupt(c, "RLE booleans truncated");
    for (int64_t i = 0; i < n; i++) d->fixed[d->nvalues + i] = c->idx[i] & 1;
    d->nvalues += n;
    return 0;
  }
  case 5: { /* DELTA_BINARY_PACKED */
    if (c->ptype != EM_PQ_INT32 && c->ptype != EM_PQ_INT64) return corrupt(c, "DELTA_BINARY_PACKED on a bad type");
    if (grow((void **)&c->tmp64, &c->tmp_cap, n, sizeof(int64_t))) return oom(c);
    size_t used;
    if (em_pq_delta_decode(p, len, c->tmp64, n, &used, c->ptype == EM_PQ_INT32))
      return corrupt(c, "DELTA_BINARY_PACKED data malformed");
    if (c->ptype == EM_PQ_INT32) {
      int32_t *dst = (int32_t *)(void *)(d->fixed + d->nvalues * 4);
      for (int64_t i = 0; i < n; i++) {
        int32_t v = (int32_t)c->tmp64[i];
        memcpy(dst + i, &v, 4);
      }
    } else {
      memcpy(d->fixed + d->nvalues * 8, c->tmp64, (size_t)n * 8);
    }
    d->nvalues += n;
    return 0;
  }
  case 6: { /* DELTA_LENGTH_BYTE_ARRAY */
    if (c->ptype != EM_PQ_BYTE_ARRAY) return corrupt(c, "DELTA_LENGTH_BYTE_ARRAY on a bad type");
    if (grow((void **)&c->tmp64, &c->tmp_cap, n, sizeof(int64_t))) return oom(c);
    size_t used;
    if (em_pq_delta_decode(p, len, c->tmp64, n, &used, true)) return corrupt(c, "DELTA_LENGTH_BYTE_ARRAY lengths malformed");
    size_t pos = used;
    for (int64_t i = 0; i < n; i++) {
      int64_t l = c->tmp64[i];
      if (l < 0 || (uint64_t)l > len - pos) return corrupt(c, "DELTA_LENGTH_BYTE_ARRAY data truncated");
      if (put_bytes(c, p + pos, l)) return -1;
      pos += (size_t)l;
    }
    return 0;
  }
  case 7: { /* DELTA_BYTE_ARRAY */
    if (c->ptype != EM_PQ_BYTE_ARRAY && c->ptype != EM_PQ_FLBA) return corrupt(c, "DELTA_BYTE_ARRAY on a bad type");
    if (grow((void **)&c->tmp64, &c->tmp_cap, 2 * n, sizeof(int64_t))) return oom(c);
    int64_t *prefix = c->tmp64, *slen = c->tmp64 + n;
    size_t used1, used2;
    if (em_pq_delta_decode(p, len, prefix, n, &used1, true)) return corrupt(c, "DELTA_BYTE_ARRAY prefixes malformed");
    if (em_pq_delta_decode(p + used1, len - used1, slen, n, &used2, true))
      return corrupt(c, "DELTA_BYTE_ARRAY suffixes malformed");
    size_t pos = used1 + used2;
    /* Each value is a prefix of the previous value of the page (the last
     * one appended) followed by its suffix. */
    int64_t first = d->nvalues;
    for (int64_t i = 0; i < n; i++) {
      int64_t pl = prefix[i], sl = slen[i];
      int64_t prev_len = 0;
      if (d->nvalues > first)
        prev_len = c->width ? c->width : d->offsets[d->nvalues] - d->offsets[d->nvalues - 1];
      if (pl < 0 || sl < 0 || pl > prev_len || (uint64_t)sl > len - pos)
        return corrupt(c, "DELTA_BYTE_ARRAY data malformed");
      if (c->width) {
        if (pl + sl != c->width) return corrupt(c, "DELTA_BYTE_ARRAY value of the wrong length");
        uint8_t *dst = d->fixed + d->nvalues * c->width;
        if (pl) memcpy(dst, dst - c->width, (size_t)pl);
        if (sl) memcpy(dst + pl, p + pos, (size_t)sl);
        d->nvalues++;
      } else {
        if (reserve_data(c, pl + sl)) return -1;
        int64_t o = d->offsets[d->nvalues];
        if (pl) memcpy(d->data + o, d->data + d->offsets[d->nvalues - 1], (size_t)pl);
        if (sl) memcpy(d->data + o + pl, p + pos, (size_t)sl);
        d->offsets[d->nvalues + 1] = o + pl + sl;
        d->nvalues++;
      }
      pos += (size_t)sl;
    }
    return 0;
  }
  case 9: { /* BYTE_STREAM_SPLIT */
    if (!c->width || c->ptype == EM_PQ_BOOLEAN || c->ptype == EM_PQ_INT96)
      return corrupt(c, "BYTE_STREAM_SPLIT on a bad type");
    int w = c->width;
    if ((uint64_t)n * (uint64_t)w > len) return corrupt(c, "BYTE_STREAM_SPLIT data truncated");
    uint8_t *dst = d->fixed + d->nvalues * w;
    for (int64_t i = 0; i < n; i++)
      for (int k = 0; k < w; k++) dst[i * w + k] = p[(size_t)k * (size_t)n + (size_t)i];
    d->nvalues += n;
    return 0;
  }
  default:
    return em_error_set(c->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "a Parquet value encoding", NULL);
  }
}

static int bit_width_of(int max) {
  int w = 0;
  while ((1 << w) <= max) w++;
  return max ? w : 0;
}

/* Levels of a v1 page: returns bytes consumed. */
static int64_t levels_v1(creader *c, const uint8_t *p, size_t len, int encoding, int max, int16_t *out, int64_t n) {
  int bw = bit_width_of(max);
  if (encoding == 3) {
    if (len < 4) return corrupt(c, "levels truncated");
    uint32_t l = le32(p);
    if (l > len - 4) return corrupt(c, "levels truncated");
    em_pq_rle r;
    em_pq_rle_init(&r, p + 4, l, bw);
    if (em_pq_rle_get16(&r, out, n)) return corrupt(c, "levels malformed");
    return 4 + (int64_t)l;
  }
  if (encoding == 4) {
    size_t bytes = (size_t)(((uint64_t)n * (uint64_t)bw + 7) / 8);
    if (bytes > len || em_pq_bitpacked_levels(p, len, bw, out, n)) return corrupt(c, "levels truncated");
    return (int64_t)bytes;
  }
  return corrupt(c, "unknown level encoding");
}

static int check_levels(creader *c, const int16_t *lv, int64_t n, int max) {
  for (int64_t i = 0; i < n; i++)
    if (lv[i] < 0 || lv[i] > max) return corrupt(c, "level out of range");
  return 0;
}

static int data_page(creader *c, const em_pq_page *pg, const uint8_t *p, size_t len, bool v2, const uint8_t *lv,
                     size_t lvlen) {
  em_pq_leafdata *d = c->out;
  int64_t n = pg->num_values;
  if (n > MAX_PAGE_VALUES) return corrupt(c, "too many values in a page");
  if (n == 0) return 0; /* an empty page */
  if (reserve(c, n, 0)) return -1;
  const uint8_t *vals = p;
  size_t vlen = len;
  int maxd = c->leaf->def, maxr = c->leaf->rep;
  if (v2) {
    if ((size_t)pg->rep_len + (size_t)pg->def_len > lvlen) return corrupt(c, "v2 levels out of range");
    if (maxr > 0) {
      em_pq_rle r;
      em_pq_rle_init(&r, lv, (size_t)pg->rep_len, bit_width_of(maxr));
      if (em_pq_rle_get16(&r, d->rep + d->nentries, n)) return corrupt(c, "repetition levels malformed");
    }
    if (maxd > 0) {
      em_pq_rle r;
      em_pq_rle_init(&r, lv + pg->rep_len, (size_t)pg->def_len, bit_width_of(maxd));
      if (em_pq_rle_get16(&r, d->def + d->nentries, n)) return corrupt(c, "definition levels malformed");
    }
  } else {
    if (maxr > 0) {
      int64_t used = levels_v1(c, vals, vlen, pg->rep_encoding, maxr, d->rep + d->nentries, n);
      if (used < 0) return -1;
      vals += used;
      vlen -= (size_t)used;
    }
    if (maxd > 0) {
      int64_t used = levels_v1(c, vals, vlen, pg->def_encoding, maxd, d->def + d->nentries, n);
      if (used < 0) return -1;
      vals += used;
      vlen -= (size_t)used;
    }
  }
  int64_t nonnull = n;
  if (maxd > 0) {
    if (check_levels(c, d->def + d->nentries, n, maxd)) return -1;
    nonnull = 0;
    const int16_t *dl = d->def + d->nentries;
    for (int64_t i = 0; i < n; i++) nonnull += dl[i] == maxd;
  }
  if (maxr > 0) {
    if (check_levels(c, d->rep + d->nentries, n, maxr)) return -1;
    if (n > 0 && d->nentries == 0 && d->rep[0] != 0) return corrupt(c, "first repetition level is not 0");
  }
  if (decode_values(c, vals, vlen, nonnull, pg->encoding)) return -1;
  d->nentries += n;
  return 0;
}

/* Reads more of the file after the chunk's stated end so that the buffer
 * holds `need` bytes (capped at the footer): for writers that understate
 * total_compressed_size. -1 when the file ends first. */
static int extend(int fd, uint8_t **buf, int64_t *len, int64_t start, int64_t need, int64_t limit) {
  if (need > limit) need = limit;
  if (need <= *len) return -1;
  uint8_t *nb = em_realloc(*buf, (size_t)need);
  if (!nb) return -1;
  *buf = nb;
  if (em_pq_pread(fd, nb + *len, (size_t)(need - *len), start + *len)) return -1;
  *len = need;
  return 0;
}

int em_pq_read_chunk(int fd, int64_t file_size, const char *path, const em_pq_meta *m, int rg,
                     const em_pq_node *leaf, const em_pq_pagesel *sel, _Atomic bool *cancel, em_pq_leafdata *out,
                     em_error *err) {
  const em_pq_rowgroup *g = &m->rowgroups[rg];
  const em_pq_chunk *ch = &g->cols[leaf->leaf];
  /* The arrays of the previous chunk of this leaf (if any) are reused:
   * no fresh allocation, and no page faults, per row group. */
  em_pq_leafdata keep = *out;
  em_free(keep.row_entry);
  em_free(keep.row_value);
  memset(out, 0, sizeof *out);
  out->scratch_read = keep.scratch_read;
  out->scratch_read_cap = keep.scratch_read_cap;
  out->scratch_page = keep.scratch_page;
  out->scratch_page_cap = keep.scratch_page_cap;
  /* The previous chunk's dictionary is room for this one's. */
  if (keep.lz_dict && !keep.scratch_dict) {
    out->scratch_dict = keep.lz_dict;
    out->scratch_dict_cap = keep.lz_dict_cap;
  } else {
    em_free(keep.lz_dict);
    out->scratch_dict = keep.scratch_dict;
    out->scratch_dict_cap = keep.scratch_dict_cap;
  }
  out->lz_store = keep.lz_store;
  out->lz_store_cap = keep.lz_store_cap;
  out->lz_pages = keep.lz_pages;
  out->lz_pages_cap = keep.lz_pages_cap;
  out->lz_cur = out->lz_next = -1;
  out->def = keep.def;
  out->rep = keep.rep;
  out->fixed = keep.fixed;
  out->offsets = keep.offsets;
  out->data = keep.data;
  out->cap_entries = keep.cap_entries;
  out->cap_values = keep.cap_values;
  out->cap_data = keep.cap_data;
  if (out->offsets) out->offsets[0] = 0;
  /* Only flat leaves (an entry a row) take a page selection. */
  if (sel && (leaf->rep > 0 || sel->row0 < 0 || sel->nentries <= 0 ||
              sel->row0 + sel->nentries > m->rowgroups[rg].num_rows))
    sel = NULL;
  out->row0 = sel ? sel->row0 : 0;
  creader c = {.leaf = leaf, .path = path, .err = err, .ptype = leaf->elem->type, .out = out};
  switch (c.ptype) {
  case EM_PQ_BOOLEAN: c.width = 1; break;
  case EM_PQ_INT32:
  case EM_PQ_FLOAT: c.width = 4; break;
  case EM_PQ_INT64:
  case EM_PQ_DOUBLE: c.width = 8; break;
  case EM_PQ_INT96: c.width = 12; break;
  case EM_PQ_FLBA: c.width = leaf->elem->type_length; break;
  default: c.width = 0; break;
  }
  out->width = c.width;
  if (ch->external) return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "Parquet column chunks in other files", NULL);
  if (ch->type != c.ptype) return corrupt(&c, "column chunk type differs from the schema");
  if (ch->num_values == 0 || g->num_rows == 0) {
    /* Nothing stored (writers leave the offsets of empty chunks unset). */
    if (!c.width && !out->offsets && !(out->offsets = em_calloc(1, sizeof(int64_t)))) return oom(&c);
    if (leaf->rep > 0 && (!(out->row_entry = em_calloc(1, sizeof(int64_t))) ||
                          !(out->row_value = em_calloc(1, sizeof(int64_t))))) {
      em_pq_leafdata_free(out);
      return oom(&c);
    }
    if (g->num_rows != 0) {
      em_pq_leafdata_free(out);
      return corrupt(&c, "column chunk without values in a non-empty row group");
    }
    return 0;
  }
  /* Flat 4- and 8-byte values start lazy (kept as dictionary indices)
   * and stay so while every data page is dictionary-encoded. */
  out->lazy = leaf->rep == 0 && (c.width == 4 || c.width == 8) && c.ptype != EM_PQ_BOOLEAN;
  int64_t start = ch->data_page_offset;
  if (ch->dictionary_page_offset > 0 && ch->dictionary_page_offset < start) start = ch->dictionary_page_offset;
  int64_t len = ch->total_compressed_size;
  if (start < 4 || len < 0 || start > file_size - 8 || len > file_size - 8 - start)
    return corrupt(&c, "column chunk out of the file's range");
  /* A flat column has one entry and at most one value per row: sized
   * once (bounded, as the counts come from the file) instead of doubling. */
  const int64_t want_entries = sel ? sel->nentries : ch->num_values;
  const int64_t want_rows = sel ? sel->nentries : g->num_rows;
  if (leaf->rep == 0 && ch->num_values == g->num_rows) {
    int64_t pre = want_entries < ((int64_t)1 << 20) ? want_entries : ((int64_t)1 << 20);
    /* ... and at most 64 MiB of values at once (FIXED_LEN_BYTE_ARRAY widths
     * come from the file too); more grows as pages deliver it. */
    int64_t w = c.width > 8 ? c.width : 8;
    if (pre > ((int64_t)64 << 20) / w) pre = ((int64_t)64 << 20) / w;
    if (reserve(&c, pre, pre)) {
      em_pq_leafdata_free(out);
      return -1;
    }
  }
  uint8_t *buf = out->scratch_read;
  int64_t buf_cap = out->scratch_read_cap;
  c.chunk_buf = &buf;
  out->scratch_read = NULL;
  out->scratch_read_cap = 0;
  if (!buf || buf_cap < (len ? len : 1)) {
    em_free(buf);
    buf_cap = len ? len : 1;
    buf = em_malloc((size_t)buf_cap);
  }
  if (!buf) {
    em_pq_leafdata_free(out);
    return oom(&c);
  }
  int rc = -1;
  uint8_t *page = out->scratch_page, *spare_dict = out->scratch_dict;
  int64_t page_cap = out->scratch_page_cap, spare_cap = out->scratch_dict_cap;
  out->scratch_page = out->scratch_dict = NULL;
  out->scratch_page_cap = out->scratch_dict_cap = 0;
  if (em_pq_pread(fd, buf, (size_t)len, start)) {
    corrupt(&c, "cannot read a column chunk");
    goto done;
  }
  int64_t pos = 0;
  for (;;) {
    if (out->nentries >= want_entries) break;
    if (len - pos < 256 && start + len < file_size - 8) {
      /* Values missing at the stated end: the next header may follow. */
      int ex = extend(fd, &buf, &len, start, pos + 65536, file_size - 8 - start);
      buf_cap = len; /* (extend may have resized the buffer: at least len) */
      if (ex && pos >= len) break;
    }
    if (pos >= len) break;
    if (cancel && *cancel) {
      em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL);
      goto done;
    }
    em_pq_page pg;
    if (em_pq_read_page_header(buf + pos, (size_t)(len - pos), &pg)) {
      corrupt(&c, "bad page header");
      goto done;
    }
    const int64_t page_offset = start + pos;
    pos += (int64_t)pg.header_len;
    if (sel && (pg.type == EM_PQ_PAGE_DATA || pg.type == EM_PQ_PAGE_DATA_V2)) {
      /* Data pages before the selection are passed over; the first one
       * after it ends the chunk. */
      if (page_offset >= sel->end_offset) break;
      if (page_offset < sel->first_offset) {
        if (pg.compressed_size > len - pos) {
          corrupt(&c, "page runs past its column chunk");
          goto done;
        }
        pos += pg.compressed_size;
        continue;
      }
    }
    if (pg.compressed_size > len - pos) {
      /* Some writers understate total_compressed_size (e.g. leave the
       * dictionary page out): read on, up to the footer. */
      int64_t need = pos + pg.compressed_size;
      if (need > file_size - 8 - start || extend(fd, &buf, &len, start, need, file_size - 8 - start)) {
        corrupt(&c, "page runs past its column chunk");
        goto done;
      }
      buf_cap = len;
    }
    const uint8_t *body = buf + pos;
    pos += pg.compressed_size;
    if (pg.type != EM_PQ_PAGE_DATA && pg.type != EM_PQ_PAGE_DATA_V2 && pg.type != EM_PQ_PAGE_DICT) continue;
    /* A new dictionary: the lazy pages so far need the old one. */
    if (pg.type == EM_PQ_PAGE_DICT && out->lazy && out->lz_npages && materialize(&c)) goto done;
    if (pg.uncompressed_size > MAX_PAGE_BYTES) {
      corrupt(&c, "page too large");
      goto done;
    }
    const uint8_t *levels = NULL;
    size_t levels_len = 0;
    size_t skip = 0;
    bool compressed = ch->codec != 0;
    if (pg.type == EM_PQ_PAGE_DATA_V2) {
      skip = (size_t)pg.rep_len + (size_t)pg.def_len;
      if (skip > (size_t)pg.compressed_size || skip > (size_t)pg.uncompressed_size) {
        corrupt(&c, "v2 levels longer than the page");
        goto done;
      }
      levels = body;
      levels_len = skip;
      compressed = compressed && pg.is_compressed;
    }
    const uint8_t *data = body + skip;
    size_t clen = (size_t)pg.compressed_size - skip, ulen = (size_t)pg.uncompressed_size - skip;
    if (compressed && ulen == 0) {
      static const uint8_t empty[1];
      data = empty; /* an empty page: nothing to decompress */
      clen = 0;
      compressed = false;
    } else if (compressed && pg.type == EM_PQ_PAGE_DICT && c.width && c.ptype != EM_PQ_BOOLEAN &&
               (pg.encoding == 0 || pg.encoding == 2) && pg.num_values > 0 && pg.num_values <= MAX_PAGE_VALUES &&
               (uint64_t)pg.num_values * (uint64_t)c.width == ulen) {
      /* A dictionary of fixed-width PLAIN values: decompressed straight
       * into the dictionary (no copy from a page buffer). */
      em_free(c.dict_fixed);
      em_free(c.dict_off);
      em_free(c.dict_data);
      c.dict_off = NULL;
      c.dict_data = NULL;
      c.has_dict = false;
      c.dict_fixed = NULL;
      if (spare_dict && spare_cap >= (int64_t)ulen) {
        c.dict_fixed = spare_dict;
        c.dict_cap = spare_cap;
        spare_dict = NULL;
      } else if ((c.dict_fixed = em_malloc(ulen))) {
        c.dict_cap = (int64_t)ulen;
      } else {
        oom(&c);
        goto done;
      }
      c.dict_n = pg.num_values;
      c.has_dict = true;
      c.dict_pending = false;
      if (sel && ch->codec == 1 && out->lazy) {
        /* Rows chosen through the page index: the dictionary waits to see
         * how much of it their pages use. */
        c.dict_pending = true;
        c.dict_src_off = data - buf;
        c.dict_clen = clen;
        c.dict_ulen = ulen;
        continue;
      }
      if (em_pq_decompress(ch->codec, data, clen, c.dict_fixed, ulen, err)) {
        if (err->cls == EM_ERR_INTERNAL) corrupt(&c, "a page does not decompress");
        goto done;
      }
      continue;
    } else if (compressed) {
      /* A dictionary-encoded data page of a lazy leaf decompresses
       * straight into the leaf's store, where its indices stay. */
      uint8_t *dst;
      if (out->lazy && c.has_dict && pg.type != EM_PQ_PAGE_DICT && (pg.encoding == 2 || pg.encoding == 8)) {
        if (grow((void **)&out->lz_store, &out->lz_store_cap, out->lz_store_len + (int64_t)ulen + 1, 1)) {
          oom(&c);
          goto done;
        }
        dst = out->lz_store + out->lz_store_len;
        c.store_page = dst;
      } else {
        if (grow((void **)&page, &page_cap, (int64_t)ulen + 1, 1)) {
          oom(&c);
          goto done;
        }
        dst = page;
      }
      if (em_pq_decompress(ch->codec, data, clen, dst, ulen, err)) {
        if (err->cls == EM_ERR_INTERNAL) corrupt(&c, "a page does not decompress");
        goto done;
      }
      data = dst;
    } else {
      /* Uncompressed: the sizes must agree (some writers pad, take the smaller). */
      if (ulen > clen) ulen = clen;
    }
    if (pg.type == EM_PQ_PAGE_DICT) {
      if (decode_dict_page(&c, data, compressed ? ulen : clen, pg.num_values, pg.encoding)) goto done;
    } else if (data_page(&c, &pg, data, compressed ? ulen : clen, pg.type == EM_PQ_PAGE_DATA_V2, levels,
                         levels_len)) {
      goto done;
    }
    c.store_page = NULL;
  }
  if (out->nentries < want_entries) {
    corrupt(&c, "column chunk has fewer values than its metadata says");
    goto done;
  }
  if (out->lazy && out->lz_npages == 0) out->lazy = false;
  if (out->lazy && c.dict_pending) {
    /* As much of the dictionary as the kept pages index (all of it when
     * their indices do not decode: the batch that meets them fails). */
    int64_t top = lazy_max_index(out);
    size_t want = top == -2 ? SIZE_MAX : (size_t)(top + 1) * (size_t)c.width;
    if (decompress_dict(&c, want)) goto done;
  }
  if (out->lazy) {
    /* The dictionary goes with the pages. */
    out->lz_dict = c.dict_fixed;
    out->lz_dict_n = c.dict_n;
    out->lz_dict_cap = c.dict_cap;
    c.dict_fixed = NULL;
  }
  if (!c.width && !out->offsets) {
    if (!(out->offsets = em_calloc(1, sizeof(int64_t)))) {
      oom(&c);
      goto done;
    }
  }
  /* Records. */
  if (leaf->rep > 0) {
    int64_t rows = 0;
    for (int64_t i = 0; i < out->nentries; i++) rows += out->rep[i] == 0;
    out->nrows = rows;
    out->row_entry = em_malloc(sizeof(int64_t) * (size_t)(rows + 1));
    out->row_value = em_malloc(sizeof(int64_t) * (size_t)(rows + 1));
    if (!out->row_entry || !out->row_value) {
      oom(&c);
      goto done;
    }
    int64_t r = 0, v = 0;
    for (int64_t i = 0; i < out->nentries; i++) {
      if (out->rep[i] == 0) {
        out->row_entry[r] = i;
        out->row_value[r] = v;
        r++;
      }
      v += out->def ? out->def[i] == leaf->def : 1;
    }
    out->row_entry[rows] = out->nentries;
    out->row_value[rows] = v;
  } else {
    out->nrows = out->nentries;
  }
  if (out->nrows != want_rows) {
    corrupt(&c, "column chunk row count differs from its row group");
    goto done;
  }
  rc = 0;
done:
  if (rc == 0) {
    /* Kept for the next chunk of the leaf. */
    out->scratch_read = buf;
    out->scratch_read_cap = buf_cap;
    out->scratch_page = page;
    out->scratch_page_cap = page_cap;
    buf = page = NULL;
    if (!spare_dict && c.dict_fixed) {
      spare_dict = c.dict_fixed;
      spare_cap = c.dict_cap;
      c.dict_fixed = NULL;
    }
    out->scratch_dict = spare_dict;
    out->scratch_dict_cap = spare_cap;
    spare_dict = NULL;
  }
  em_free(buf);
  em_free(page);
  em_free(spare_dict);
  em_free(c.dict_fixed);
  em_free(c.dict_off);
  em_free(c.dict_data);
  em_free(c.idx);
  em_free(c.tmp64);
  if (rc) em_pq_leafdata_free(out);
  return rc;
}
