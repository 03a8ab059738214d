/*
 * Decoding Arrow IPC RecordBatch and DictionaryBatch messages into em_vecs.
 *
 * A record batch is a pre-order walk over the schema: each field consumes
 * one FieldNode {length, null_count} and a type-dependent number of Buffers
 * {offset, length} from the body. read_array decodes rows [start,
 * start+count) of a field, so non-zero-based list offsets and sliced
 * children need no special case: a list's child is read over the range its
 * offsets cover. In the common case (start 0, Spark's own layouts) every
 * buffer is one memcpy.
 *
 * Validation: every buffer must lie inside the body; every buffer must be
 * long enough for the rows read; offsets must be non-decreasing and inside
 * their data or child; dictionary indices inside the dictionary. The null
 * count is recomputed from the bitmap rather than trusted. Every allocation
 * is first charged to the reader's budget (a multiple of the input size),
 * so neither declared decompressed sizes nor dictionary fan-out can make
 * us allocate without bound.
 *
 * Conversions to Spark's representations happen here too: date64 -> days,
 * timestamps/durations of any unit -> microseconds, time32/time64 ->
 * nanoseconds, decimal32/64/256 -> 128 bits, interval day_time ->
 * month_day_nano, fixed_size_binary -> binary, 64-bit offsets -> 32-bit,
 * dictionary indices -> the values they refer to.
 */
#include "ipc_int.h"

#include <lz4frame.h>
#include <string.h>
#include <zstd.h>

typedef struct slice {
  const uint8_t *p;
  int64_t len;
} slice;

typedef struct node {
  int64_t length, null_count;
} node;

typedef struct batch_ctx {
  em_ipc_reader *r;
  const uint8_t *nodes;
  uint32_t nnodes, inode;
  slice *bufs;
  uint32_t nbufs, ibuf;
  em_error *err;
} batch_ctx;

static int corrupt(batch_ctx *c, const char *what) {
  return em_error_internal(c->err, "Invalid Arrow IPC record batch: %s", what);
}

int em_ipc_charge(em_ipc_reader *r, int64_t n, em_error *err) {
  if (n < 0 || n > r->budget)
    return em_error_internal(err, "Invalid Arrow IPC stream: decoded data exceeds what the input can hold");
  r->budget -= n;
  return 0;
}

static int next_node(batch_ctx *c, node *n) {
  if (c->inode >= c->nnodes) return corrupt(c, "too few field nodes");
  const uint8_t *p = c->nodes + (size_t)c->inode++ * 16;
  memcpy(&n->length, p, 8);
  memcpy(&n->null_count, p + 8, 8);
  if (n->length < 0 || n->null_count < 0 || n->null_count > n->length) return corrupt(c, "bad field node");
  return 0;
}

static int next_buf(batch_ctx *c, slice *s) {
  if (c->ibuf >= c->nbufs) return corrupt(c, "too few buffers");
  *s = c->bufs[c->ibuf++];
  return 0;
}

/* A new buffer of n bytes, charged to the budget; len set to n. Only
 * zeroed when `zero`: otherwise the caller writes every byte. */
static em_buf *new_buf_z(batch_ctx *c, int64_t n, bool zero) {
  if (n > c->r->budget || em_ipc_charge(c->r, n + 64, c->err)) {
    em_ipc_charge(c->r, INT64_MAX, c->err); /* sets the error */
    return NULL;
  }
  em_buf *b = zero ? em_buf_new((size_t)n) : em_arrow_buf_new_uninit((size_t)n);
  if (!b) {
    em_error_internal(c->err, "out of memory decoding an Arrow record batch");
    return NULL;
  }
  b->len = (size_t)n;
  return b;
}

static em_buf *new_buf(batch_ctx *c, int64_t n) { return new_buf_z(c, n, false); }

static size_t bitbytes(int64_t n) { return (size_t)((n + 7) >> 3); }

/* Sets v's validity from bitmap vb for rows [start, start+count). */
static int take_validity(batch_ctx *c, const slice *vb, const node *nd, int64_t start, int64_t count, em_vec *v) {
  v->len = count;
  if (nd->null_count == 0 || count == 0) return 0;
  if (vb->len < (int64_t)bitbytes(start + count)) {
    if (vb->len == 0) return corrupt(c, "nulls without a validity bitmap");
    return corrupt(c, "validity bitmap too short");
  }
  int64_t valid = em_arrow_bits_count(vb->p, start, count);
  if (valid == count) return 0;
  em_buf *b = new_buf(c, (int64_t)bitbytes(count));
  if (!b) return -1;
  em_arrow_bits_copy(b->data, 0, vb->p, start, count);
  v->validity = b;
  v->null_count = count - valid;
  return 0;
}

static bool row_valid(const em_vec *v, int64_t i) { return !v->validity || em_bit_get(v->validity->data, i); }

/* Reads `count` values of `w` bytes from s at row `start`. */
static int need(batch_ctx *c, const slice *s, int64_t start, int64_t count, int64_t w) {
  if (count == 0) return 0;
  if (start + count > INT64_MAX / (w ? w : 1) || s->len < (start + count) * w) return corrupt(c, "values buffer too short");
  return 0;
}

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static const int64_t unit_per_sec[4] = {1, 1000, 1000000, 1000000000};

/* Converts a time value in `unit` to `target` unit (EM_TU_*); false on
 * overflow. Down-conversion floors, like a cast to a coarser unit. */
static bool rescale(int64_t x, int unit, int target, int64_t *out) {
  if (unit == target) {
    *out = x;
    return true;
  }
  if (unit < target) {
    int64_t f = unit_per_sec[target] / unit_per_sec[unit];
    if (__builtin_mul_overflow(x, f, out)) return false;
    return true;
  }
  *out = floordiv(x, unit_per_sec[unit] / unit_per_sec[target]);
  return true;
}

static int read_fixed(batch_ctx *c, const em_ipc_field *f, const slice *vals, int64_t start, int64_t count,
                      em_vec *v) {
  int w = em_type_fixed_width(f->type);
  bool plain = (f->atype == EM_AT_INT && !f->is_unsigned) || f->atype == EM_AT_FLOAT ||
               (f->atype == EM_AT_DATE && f->unit == 0) ||
               ((f->atype == EM_AT_TIMESTAMP || f->atype == EM_AT_DURATION) && f->unit == EM_TU_MICRO) ||
               (f->atype == EM_AT_TIME && f->unit == EM_TU_NANO) || (f->atype == EM_AT_DECIMAL && f->bit_width == 128) ||
               (f->atype == EM_AT_INTERVAL && f->unit != EM_IU_DAY_TIME);
  em_buf *b = new_buf_z(c, count * w, !plain);
  if (!b) return -1;
  v->values = b;
  uint8_t *out = b->data;
  const uint8_t *in = vals->p;
  switch (f->atype) {
  case EM_AT_INT: {
    if (!f->is_unsigned) break;
    int iw = f->bit_width / 8; /* zero-extend into the wider type */
    if (need(c, vals, start, count, iw)) return -1;
    for (int64_t i = 0; i < count; i++) memcpy(out + i * w, in + (start + i) * iw, (size_t)iw);
    return 0;
  }
  case EM_AT_DATE:
    if (f->unit == 0) break; /* days: plain copy */
    if (need(c, vals, start, count, 8)) return -1;
    for (int64_t i = 0; i < count; i++) {
      int64_t ms;
      memcpy(&ms, in + (start + i) * 8, 8);
      int64_t d = floordiv(ms, 86400000);
      int32_t d32 = (int32_t)d;
      if (d != d32 && row_valid(v, i)) return corrupt(c, "date64 value out of range");
      memcpy(out + i * 4, &d32, 4);
    }
    return 0;
  case EM_AT_TIMESTAMP:
  case EM_AT_DURATION:
  case EM_AT_TIME: {
    int target = f->atype == EM_AT_TIME ? EM_TU_NANO : EM_TU_MICRO;
    int iw = f->atype == EM_AT_TIME ? f->bit_width / 8 : 8;
    if (f->unit == target && iw == 8) break;
    if (need(c, vals, start, count, iw)) return -1;
    for (int64_t i = 0; i < count; i++) {
      int64_t x = 0;
      if (iw == 8) {
        memcpy(&x, in + (start + i) * 8, 8);
      } else {
        int32_t x32;
        memcpy(&x32, in + (start + i) * 4, 4);
        x = x32;
      }
      int64_t y;
      if (!rescale(x, f->unit, target, &y)) {
        if (row_valid(v, i)) return corrupt(c, "time value out of range");
        y = 0;
      }
      memcpy(out + i * 8, &y, 8);
    }
    return 0;
  }
  case EM_AT_DECIMAL: {
    int iw = f->bit_width / 8;
    if (iw == 16) break;
    if (need(c, vals, start, count, iw)) return -1;
    for (int64_t i = 0; i < count; i++) {
      const uint8_t *p = in + (start + i) * iw;
      uint8_t *o = out + i * 16;
      if (iw < 16) {
        memcpy(o, p, (size_t)iw);
        memset(o + iw, (p[iw - 1] & 0x80) ? 0xff : 0, (size_t)(16 - iw));
      } else {
        memcpy(o, p, 16);
        uint8_t ext = (p[15] & 0x80) ? 0xff : 0;
        for (int k = 16; k < 32; k++) {
          if (p[k] != ext) {
            if (row_valid(v, i)) return corrupt(c, "decimal256 value does not fit in 128 bits");
            memset(o, 0, 16);
            break;
          }
        }
      }
    }
    return 0;
  }
  case EM_AT_INTERVAL:
    if (f->unit != EM_IU_DAY_TIME) break;
    if (need(c, vals, start, count, 8)) return -1;
    for (int64_t i = 0; i < count; i++) {
      int32_t dm[2];
      memcpy(dm, in + (start + i) * 8, 8);
      int32_t months = 0;
      int64_t ns = (int64_t)dm[1] * 1000000;
      memcpy(out + i * 16, &months, 4);
      memcpy(out + i * 16 + 4, &dm[0], 4);
      memcpy(out + i * 16 + 8, &ns, 8);
    }
    return 0;
  default: break;
  }
  if (need(c, vals, start, count, w)) return -1;
  if (count) memcpy(out, in + start * w, (size_t)(count * w));
  return 0;
}

/* Reads offsets [start, start+count] (width ow) into zero-based int32
 * offsets; lo and hi get the first and last original offsets. */
static int read_offsets(batch_ctx *c, const slice *ob, int ow, int64_t start, int64_t count, em_vec *v, int64_t *lo,
                        int64_t *hi) {
  em_buf *b = new_buf(c, (count + 1) * 4);
  if (!b) return -1;
  v->values = b;
  int32_t *o = (int32_t *)b->data;
  o[0] = 0;
  *lo = *hi = 0;
  if (count == 0) return 0; /* an empty offsets buffer is allowed then */
  if (ob->len / ow < start + count + 1) return corrupt(c, "offsets buffer too short");
  if (ow == 4) {
    /* Copy, then validate and rebase in place: branch-free loops. */
    memcpy(o, ob->p + start * 4, (size_t)(count + 1) * 4);
    int32_t first = o[0];
    if (first < 0) return corrupt(c, "negative offset");
    int bad = 0;
    for (int64_t i = 1; i <= count; i++) bad |= o[i] < o[i - 1];
    if (bad) return corrupt(c, "offsets not monotonic");
    if (first)
      for (int64_t i = 0; i <= count; i++) o[i] -= first;
    *lo = first;
    *hi = (int64_t)o[count] + first;
    return 0;
  }
  int64_t first, prev;
  memcpy(&first, ob->p + start * 8, 8);
  if (first < 0) return corrupt(c, "negative offset");
  prev = first;
  for (int64_t i = 1; i <= count; i++) {
    int64_t x;
    memcpy(&x, ob->p + (start + i) * 8, 8);
    if (x < prev) return corrupt(c, "offsets not monotonic");
    if (x - first > INT32_MAX) return corrupt(c, "list or string too large");
    o[i] = (int32_t)(x - first);
    prev = x;
  }
  o[0] = 0;
  *lo = first;
  *hi = prev;
  return 0;
}

static int read_array(batch_ctx *c, const em_ipc_field *f, int64_t start, int64_t count, bool decode_dict, int depth,
                      em_vec **out);

/* Bytes that copying rows [start, start+n) of v costs (for the budget). */
static int64_t range_bytes(const em_vec *v, int64_t start, int64_t n) {
  int64_t b = (int64_t)bitbytes(n) + 8;
  if (n <= 0) return b;
  const em_type *t = v->type;
  if (em_arrow_has_offsets(t)) {
    const int32_t *o = em_vec_offsets(v);
    b += 4 * n;
    if (em_arrow_has_data(t)) return b + (o[start + n] - o[start]);
    return b + range_bytes(v->children[0], o[start], o[start + n] - o[start]);
  }
  if (t->id == EM_T_STRUCT) {
    for (int i = 0; i < v->nchildren; i++) b += range_bytes(v->children[i], start, n);
    return b;
  }
  return b + n * em_type_fixed_width(t);
}

static const em_ipc_dict *find_dict(em_ipc_reader *r, int64_t id) {
  for (int i = 0; i < r->ndicts; i++)
    if (r->dicts[i].id == id) return &r->dicts[i];
  return NULL;
}

/* Decodes index i of an index buffer of width iw. */
static int64_t index_at(const uint8_t *p, int iw, bool sgn) {
  switch (iw) {
  case 1: return sgn ? (int64_t)(int8_t)p[0] : (int64_t)p[0];
  case 2: {
    uint16_t u;
    memcpy(&u, p, 2);
    return sgn ? (int64_t)(int16_t)u : (int64_t)u;
  }
  case 4: {
    uint32_t u;
    memcpy(&u, p, 4);
    return sgn ? (int64_t)(int32_t)u : (int64_t)u;
  }
  default: {
    int64_t k;
    memcpy(&k, p, 8);
    return k;
  }
  }
}

/* Gathers dictionary rows k[i] (-1 = null) of fixed-width or string values
 * directly into v's buffers. */
static int gather_flat(batch_ctx *c, const em_vec *dv, const int64_t *k, int64_t count, em_vec *v) {
  int64_t nulls = 0;
  for (int64_t i = 0; i < count; i++) nulls += k[i] < 0 || em_vec_is_null(dv, k[i]);
  if (nulls) {
    if (!(v->validity = new_buf_z(c, (int64_t)bitbytes(count), true))) return -1;
    for (int64_t i = 0; i < count; i++)
      if (k[i] >= 0 && !em_vec_is_null(dv, k[i])) em_bit_set(v->validity->data, i);
  }
  v->null_count = nulls;
  v->len = count;
  if (dv->type->id == EM_T_BOOLEAN) {
    if (!(v->values = new_buf_z(c, (int64_t)bitbytes(count), true))) return -1;
    for (int64_t i = 0; i < count; i++)
      if (k[i] >= 0 && em_bit_get(dv->values->data, k[i])) em_bit_set(v->values->data, i);
    return 0;
  }
  if (em_arrow_has_data(dv->type)) {
    const int32_t *so = em_vec_offsets(dv);
    int64_t total = 0;
    for (int64_t i = 0; i < count; i++)
      if (k[i] >= 0) total += so[k[i] + 1] - so[k[i]];
    if (total > INT32_MAX) return corrupt(c, "dictionary-decoded strings too large");
    if (!(v->values = new_buf_z(c, (count + 1) * 4, true)) || !(v->data = new_buf_z(c, total, true))) return -1;
    int32_t *o = (int32_t *)v->values->data;
    int32_t at = 0;
    for (int64_t i = 0; i < count; i++) {
      if (k[i] >= 0) {
        int32_t n = so[k[i] + 1] - so[k[i]];
        memcpy(v->data->data + at, dv->data->data + so[k[i]], (size_t)n);
        at += n;
      }
      o[i + 1] = at;
    }
    return 0;
  }
  int w = em_type_fixed_width(dv->type);
  if (!(v->values = new_buf_z(c, count * w, true))) return -1;
  for (int64_t i = 0; i < count; i++)
    if (k[i] >= 0) memcpy(v->values->data + i * w, dv->values->data + k[i] * w, (size_t)w);
  return 0;
}

/* Dictionary-encoded field: gathers the referenced values. Flat types are
 * gathered straight into buffers; nested ones row by row. */
static int read_dict_encoded(batch_ctx *c, const em_ipc_field *f, const node *nd, int64_t start, int64_t count,
                             em_vec **out) {
  slice vb = {0}, ib = {0};
  if (next_buf(c, &vb) || next_buf(c, &ib)) return -1;
  if (count == 0) {
    *out = em_vec_new(f->type, 0);
    return *out ? 0 : em_error_internal(c->err, "out of memory");
  }
  const em_ipc_dict *d = find_dict(c->r, f->dict_id);
  if (!d || !d->values) return corrupt(c, "dictionary not yet sent");
  const em_vec *dv = d->values;
  int iw = f->index_width;
  if (need(c, &ib, start, count, iw)) return -1;
  /* The validity of the indices becomes the validity of the values. */
  em_vec *idx = em_arrow_vec_shell(em_type_null(), 0);
  if (!idx) return em_error_internal(c->err, "out of memory");
  int rc = take_validity(c, &vb, nd, start, count, idx);
  int64_t *k = NULL;
  if (rc == 0 && em_ipc_charge(c->r, count * 8, c->err)) rc = -1;
  if (rc == 0 && !(k = em_malloc((size_t)count * 8))) rc = em_error_internal(c->err, "out of memory");
  int64_t bytes = 0;
  for (int64_t i = 0; rc == 0 && i < count; i++) {
    k[i] = -1;
    if (!row_valid(idx, i)) continue;
    k[i] = index_at(ib.p + (start + i) * iw, iw, f->index_signed);
    if (k[i] < 0 || k[i] >= dv->len) rc = corrupt(c, "dictionary index out of range");
    else bytes += range_bytes(dv, k[i], 1);
    if (bytes > c->r->budget) rc = em_ipc_charge(c->r, bytes, c->err);
  }
  em_vec_unref(idx);
  em_vec *v = NULL;
  if (rc == 0) {
    bool flat = em_arrow_has_data(dv->type) || dv->type->id == EM_T_BOOLEAN || em_type_fixed_width(dv->type) > 0;
    v = flat ? em_arrow_vec_shell(f->type, 0) : em_vec_new(f->type, 0);
    if (!v) rc = em_error_internal(c->err, "out of memory");
    else if (flat) rc = gather_flat(c, dv, k, count, v);
    for (int64_t i = 0; !flat && rc == 0 && i < count; i++) {
      if (k[i] < 0 ? em_vec_append_null(v) : em_vec_append_range(v, dv, k[i], 1))
        rc = em_error_internal(c->err, "out of memory");
    }
    if (!flat && rc == 0) rc = em_ipc_charge(c->r, bytes, c->err);
  }
  em_free(k);
  if (rc) {
    em_vec_unref(v);
    return -1;
  }
  *out = v;
  return 0;
}

static int read_children_range(batch_ctx *c, const em_ipc_field *f, em_vec *v, int64_t cstart, int64_t ccount,
                               int depth) {
  for (int i = 0; i < f->nchildren; i++)
    if (read_array(c, &f->children[i], cstart, ccount, true, depth + 1, &v->children[i])) return -1;
  return 0;
}

static int read_array(batch_ctx *c, const em_ipc_field *f, int64_t start, int64_t count, bool decode_dict, int depth,
                      em_vec **out) {
  *out = NULL;
  if (depth > EM_IPC_MAX_DEPTH) return corrupt(c, "nesting too deep");
  node nd = {0, 0};
  if (next_node(c, &nd)) return -1;
  if (start < 0 || count < 0 || start > nd.length || count > nd.length - start)
    return corrupt(c, "child array shorter than its parent");
  if (em_ipc_charge(c->r, (int64_t)bitbytes(count) + 64, c->err)) return -1;
  if (f->dict_id >= 0 && decode_dict) return read_dict_encoded(c, f, &nd, start, count, out);

  int nch = (f->atype == EM_AT_LIST || f->atype == EM_AT_LARGE_LIST || f->atype == EM_AT_FIXED_LIST ||
             f->atype == EM_AT_MAP || f->atype == EM_AT_STRUCT)
                ? f->nchildren
                : 0;
  em_vec *v = em_arrow_vec_shell(f->type, nch);
  if (!v) return em_error_internal(c->err, "out of memory");
  int rc = 0;
  if (f->atype == EM_AT_NULL) {
    v->len = count;
    v->null_count = count;
    *out = v;
    return 0;
  }
  slice vb = {0}, b1 = {0}, b2 = {0};
  if (next_buf(c, &vb) || take_validity(c, &vb, &nd, start, count, v)) goto fail;
  switch (f->atype) {
  case EM_AT_BOOL: {
    if (next_buf(c, &b1)) goto fail;
    if (count && b1.len < (int64_t)bitbytes(start + count)) {
      rc = corrupt(c, "boolean buffer too short");
      goto fail;
    }
    if (!(v->values = new_buf(c, (int64_t)bitbytes(count)))) goto fail;
    em_arrow_bits_copy(v->values->data, 0, b1.p, start, count);
    break;
  }
  case EM_AT_UTF8:
  case EM_AT_BINARY:
  case EM_AT_LARGE_UTF8:
  case EM_AT_LARGE_BINARY: {
    if (next_buf(c, &b1) || next_buf(c, &b2)) goto fail;
    int ow = (f->atype == EM_AT_LARGE_UTF8 || f->atype == EM_AT_LARGE_BINARY) ? 8 : 4;
    int64_t lo, hi;
    if (read_offsets(c, &b1, ow, start, count, v, &lo, &hi)) goto fail;
    if (hi > b2.len) {
      rc = corrupt(c, "offsets beyond the data buffer");
      goto fail;
    }
    if (!(v->data = new_buf(c, hi - lo))) goto fail;
    if (hi > lo) memcpy(v->data->data, b2.p + lo, (size_t)(hi - lo));
    break;
  }
  case EM_AT_FIXED_BINARY: {
    if (next_buf(c, &b1)) goto fail;
    int64_t w = f->bit_width;
    if (need(c, &b1, start, count, w)) goto fail;
    if (count > INT32_MAX / (w ? w : 1)) {
      rc = corrupt(c, "fixed-size binary too large");
      goto fail;
    }
    if (!(v->values = new_buf(c, (count + 1) * 4)) || !(v->data = new_buf(c, count * w))) goto fail;
    int32_t *o = (int32_t *)v->values->data;
    for (int64_t i = 0; i <= count; i++) o[i] = (int32_t)(i * w);
    if (count * w > 0) memcpy(v->data->data, b1.p + start * w, (size_t)(count * w));
    break;
  }
  case EM_AT_LIST:
  case EM_AT_LARGE_LIST:
  case EM_AT_MAP: {
    if (next_buf(c, &b1)) goto fail;
    int64_t lo, hi;
    if (read_offsets(c, &b1, f->atype == EM_AT_LARGE_LIST ? 8 : 4, start, count, v, &lo, &hi)) goto fail;
    if (read_children_range(c, f, v, lo, hi - lo, depth)) goto fail;
    if (f->atype == EM_AT_MAP) {
      /* The entries of a map are never null (Arrow's map layout): a null
       * entry has no key/value pair to stand for. */
      if (v->children[0]->null_count > 0) {
        rc = corrupt(c, "map with a null entry");
        goto fail;
      }
      /* Spark's entries are named key/value whatever the writer called them. */
      em_type *et = em_arrow_map_entries_type(f->type);
      if (!et) {
        rc = em_error_internal(c->err, "out of memory");
        goto fail;
      }
      em_type_unref(v->children[0]->type);
      v->children[0]->type = et;
    }
    break;
  }
  case EM_AT_FIXED_LIST: {
    int64_t n = f->list_size;
    if (n && start + count > INT64_MAX / n) {
      rc = corrupt(c, "fixed-size list too large");
      goto fail;
    }
    if (count * n > INT32_MAX) {
      rc = corrupt(c, "fixed-size list too large");
      goto fail;
    }
    if (!(v->values = new_buf(c, (count + 1) * 4))) goto fail;
    int32_t *o = (int32_t *)v->values->data;
    for (int64_t i = 0; i <= count; i++) o[i] = (int32_t)(i * n);
    if (read_children_range(c, f, v, start * n, count * n, depth)) goto fail;
    break;
  }
  case EM_AT_STRUCT:
    if (read_children_range(c, f, v, start, count, depth)) goto fail;
    break;
  case EM_AT_INT:
  case EM_AT_FLOAT:
  case EM_AT_DECIMAL:
  case EM_AT_DATE:
  case EM_AT_TIME:
  case EM_AT_TIMESTAMP:
  case EM_AT_DURATION:
  case EM_AT_INTERVAL:
    if (next_buf(c, &b1) || read_fixed(c, f, &b1, start, count, v)) goto fail;
    break;
  default: rc = corrupt(c, "unsupported type"); goto fail;
  }
  *out = v;
  return 0;
fail:
  EM_UNUSED(rc);
  em_vec_unref(v);
  return -1;
}

/* ---- body buffers and compression ---- */

static int decompress(batch_ctx *c, int codec, const uint8_t *src, size_t n, uint8_t *dst, size_t dn) {
  if (codec == 1) {
    size_t r = ZSTD_decompress(dst, dn, src, n);
    if (ZSTD_isError(r) || r != dn) return corrupt(c, "ZSTD data does not decompress to its declared size");
    return 0;
  }
  LZ4F_dctx *dctx;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
    return em_error_internal(c->err, "out of memory");
  size_t got = 0, used_total = 0;
  int rc = 0;
  for (;;) {
    size_t out_n = dn - got, in_n = n - used_total;
    size_t hint = LZ4F_decompress(dctx, dst + got, &out_n, src + used_total, &in_n, NULL);
    if (LZ4F_isError(hint)) {
      rc = corrupt(c, "bad LZ4 frame");
      break;
    }
    got += out_n;
    used_total += in_n;
    if (hint == 0) break; /* frame complete */
    if (in_n == 0 && out_n == 0) {
      rc = corrupt(c, "truncated LZ4 frame");
      break;
    }
    if (got == dn && used_total == n) {
      rc = corrupt(c, "LZ4 frame longer than declared");
      break;
    }
  }
  LZ4F_freeDecompressionContext(dctx);
  if (rc == 0 && got != dn) rc = corrupt(c, "LZ4 data does not decompress to its declared size");
  return rc;
}

/* Resolves the Buffer list against the body, decompressing when asked.
 * Decompressed copies are em_buf's kept in *scratch (freed by caller). */
static int load_buffers(batch_ctx *c, em_fb *fb, const em_fbt *rb, const uint8_t *body, size_t body_len,
                        em_buf ***scratch, uint32_t *nscratch) {
  em_fbv bv;
  em_ipc_fb_vector(fb, rb, EM_RB_BUFFERS, 16, &bv);
  em_fbt comp = em_ipc_fb_table(fb, rb, EM_RB_COMPRESSION);
  int codec = -1;
  if (comp.ok) {
    codec = (int)em_ipc_fb_int(fb, &comp, 0, 1, 0);
    if ((codec != 0 && codec != 1) || em_ipc_fb_int(fb, &comp, 1, 1, 0) != 0)
      return corrupt(c, "unknown body compression");
  }
  if (fb->bad) return corrupt(c, "malformed metadata");
  c->nbufs = bv.n;
  c->bufs = em_calloc(bv.n ? bv.n : 1, sizeof *c->bufs);
  if (codec >= 0) *scratch = em_calloc(bv.n ? bv.n : 1, sizeof **scratch);
  if (!c->bufs || (codec >= 0 && !*scratch)) return em_error_internal(c->err, "out of memory");
  for (uint32_t i = 0; i < bv.n; i++) {
    const uint8_t *e = em_ipc_fb_vector_elem(fb, &bv, i, 16);
    int64_t off, len;
    memcpy(&off, e, 8);
    memcpy(&len, e + 8, 8);
    if (off < 0 || len < 0 || (uint64_t)off > body_len || (uint64_t)len > body_len - (uint64_t)off)
      return corrupt(c, "buffer outside the message body");
    slice s = {body + off, len};
    if (codec >= 0 && len > 0) {
      if (len < 8) return corrupt(c, "compressed buffer without its length");
      int64_t ulen;
      memcpy(&ulen, s.p, 8);
      s.p += 8;
      s.len -= 8;
      if (ulen != -1) {
        if (ulen < 0) return corrupt(c, "negative uncompressed length");
        if (ulen > c->r->budget || em_ipc_charge(c->r, ulen + 64, c->err))
          return em_ipc_charge(c->r, INT64_MAX, c->err);
        em_buf *b = em_buf_new((size_t)ulen);
        if (!b) return em_error_internal(c->err, "out of memory");
        (*scratch)[(*nscratch)++] = b;
        if (decompress(c, codec, s.p, (size_t)s.len, b->data, (size_t)ulen)) return -1;
        s.p = b->data;
        s.len = ulen;
      }
    }
    c->bufs[i] = s;
  }
  return 0;
}

/* Sets up c for a RecordBatch table; returns its row count in *length. */
static int begin_batch(batch_ctx *c, em_ipc_reader *r, em_fb *fb, const em_fbt *rb, const uint8_t *body,
                       size_t body_len, em_buf ***scratch, uint32_t *nscratch, int64_t *length, em_error *err) {
  memset(c, 0, sizeof *c);
  c->r = r;
  c->err = err;
  if (!rb->ok) return corrupt(c, "missing RecordBatch table");
  *length = em_ipc_fb_int(fb, rb, EM_RB_LENGTH, 8, 0);
  em_fbv nv;
  em_ipc_fb_vector(fb, rb, EM_RB_NODES, 16, &nv);
  if (fb->bad) return corrupt(c, "malformed metadata");
  if (*length < 0 || *length > INT32_MAX) return corrupt(c, "bad row count");
  c->nodes = fb->buf + nv.pos + 4;
  c->nnodes = nv.n;
  return load_buffers(c, fb, rb, body, body_len, scratch, nscratch);
}

static void end_batch(batch_ctx *c, em_buf **scratch, uint32_t nscratch) {
  for (uint32_t i = 0; i < nscratch; i++) em_buf_unref(scratch[i]);
  em_free(scratch);
  em_free(c->bufs);
}

int em_ipc_batch_decode(em_ipc_reader *r, em_fb *fb, const em_fbt *rb, const uint8_t *body, size_t body_len,
                        em_batch **out, em_error *err) {
  batch_ctx c;
  memset(&c, 0, sizeof c); /* end_batch runs also when begin_batch did not */
  em_buf **scratch = NULL;
  uint32_t nscratch = 0;
  int64_t length = 0;
  *out = NULL;
  em_vec **cols = r->nfields ? em_calloc((size_t)r->nfields, sizeof *cols) : NULL;
  int rc = (r->nfields && !cols) ? em_error_internal(err, "out of memory") : 0;
  if (rc == 0) rc = begin_batch(&c, r, fb, rb, body, body_len, &scratch, &nscratch, &length, err);
  for (int i = 0; rc == 0 && i < r->nfields; i++) rc = read_array(&c, &r->fields[i], 0, length, true, 1, &cols[i]);
  end_batch(&c, scratch, nscratch);
  if (rc) {
    for (int i = 0; cols && i < r->nfields; i++) em_vec_unref(cols[i]);
    em_free(cols);
    return -1;
  }
  *out = em_batch_new(em_type_ref(r->schema), r->nfields, cols, length);
  em_free(cols);
  return *out ? 0 : em_error_internal(err, "out of memory");
}

int em_ipc_dict_decode(em_ipc_reader *r, em_fb *fb, const em_fbt *db, const uint8_t *body, size_t body_len,
                       em_error *err) {
  int64_t id = em_ipc_fb_int(fb, db, EM_DB_ID, 8, 0);
  bool delta = em_ipc_fb_int(fb, db, EM_DB_IS_DELTA, 1, 0) != 0;
  em_fbt rb = em_ipc_fb_table(fb, db, EM_DB_DATA);
  em_ipc_dict *d = NULL;
  for (int i = 0; i < r->ndicts; i++)
    if (r->dicts[i].id == id) d = &r->dicts[i];
  if (!d) return em_error_internal(err, "Invalid Arrow IPC stream: dictionary id %lld not in the schema", (long long)id);
  batch_ctx c;
  em_buf **scratch = NULL;
  uint32_t nscratch = 0;
  int64_t length = 0;
  em_vec *v = NULL;
  int rc = begin_batch(&c, r, fb, &rb, body, body_len, &scratch, &nscratch, &length, err);
  if (rc == 0) rc = read_array(&c, d->field, 0, length, false, 1, &v);
  end_batch(&c, scratch, nscratch);
  if (rc) return -1;
  if (delta && d->values) {
    if (em_ipc_charge(r, range_bytes(v, 0, v->len), err)) {
      em_vec_unref(v);
      return -1;
    }
    rc = em_vec_append_range(d->values, v, 0, v->len);
    em_vec_unref(v);
    return rc ? em_error_internal(err, "out of memory") : 0;
  }
  em_vec_unref(d->values);
  d->values = v;
  return 0;
}
