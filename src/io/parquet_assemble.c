/*
 * Vectors from decoded column chunks (record assembly, after Dremel).
 *
 * Every node of the read tree (parquet_schema.c) knows three levels: rep
 * (its repetition depth), slot_def (the definition level at which a slot
 * for it exists: that of its nearest repeated ancestor) and def (the
 * level at which its value is non-null). Walking the level entries of one
 * leaf below a node, an entry (d, r) opens a slot of the node when
 * r <= rep and d >= slot_def, and that slot is non-null when d >= def. So:
 *  - a leaf's vector has one row per slot, the value taken from the dense
 *    values where d reaches the leaf's own definition level;
 *  - a struct takes its validity from its first leaf, and each child is
 *    assembled from its own leaves (all agree on the number of slots);
 *  - a list (or map) opens a row at each of its slots and counts, into
 *    that row, the slots of its element (key) node: that gives offsets.
 * Rows [r0, r1) of a row group map to each leaf's entries through its
 * record starts (repeated leaves) or directly (others).
 *
 * Values are converted from the physical form to Spark's here: INT96 to
 * microseconds, millisecond timestamps scaled, unsigned integers widened,
 * big-endian decimals to 128-bit little-endian, FLOAT16 to float.
 */
#include "parquet_int.h"

#include <math.h>
#include <string.h>

typedef struct range {
  int64_t e0, e1; /* entries */
  int64_t v0;     /* index of the first dense value at e0 */
} range;

static int oom(em_error *err) { return em_error_internal(err, "out of memory assembling Parquet data"); }

/* The entries of rows [r0, r1) of a leaf. */
static void leaf_range(em_pq_leafdata *d, const em_pq_node *leaf, int64_t r0, int64_t r1, range *out) {
  if (leaf->rep > 0) {
    out->e0 = d->row_entry[r0];
    out->e1 = d->row_entry[r1];
    out->v0 = d->row_value[r0];
    return;
  }
  out->e0 = r0;
  out->e1 = r1;
  if (!d->def) {
    out->v0 = r0;
    return;
  }
  /* Count the values before r0 from the cursor (rows come in order). */
  if (d->scan_entry > r0) {
    d->scan_entry = 0;
    d->scan_value = 0;
  }
  int64_t v = d->scan_value;
  for (int64_t i = d->scan_entry; i < r0; i++) v += d->def[i] == leaf->def;
  d->scan_entry = r0;
  d->scan_value = v;
  out->v0 = v;
}

static inline bool is_slot(const em_pq_leafdata *d, int64_t e, const em_pq_node *n) {
  int r = d->rep ? d->rep[e] : 0, df = d->def ? d->def[e] : 0;
  return r <= n->rep && df >= n->slot_def;
}
static inline bool is_valid(const em_pq_leafdata *d, int64_t e, const em_pq_node *n) {
  return (d->def ? d->def[e] : 0) >= n->def;
}

static float half_to_float(uint16_t h) {
  int s = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float v;
  if (e == 0) v = ldexpf((float)m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexpf((float)(m | 0x400), e - 25);
  return s ? -v : v;
}

/* A big-endian two's complement integer of n bytes as 128 bits; false
 * when it does not fit. */
static bool be_to_i128(const uint8_t *p, int64_t n, __int128 *out) {
  if (n == 0) {
    *out = 0;
    return true;
  }
  int64_t skip = 0;
  if (n > 16) {
    /* Leading bytes must be pure sign extension. */
    uint8_t ext = (p[0] & 0x80) ? 0xff : 0x00;
    skip = n - 16;
    for (int64_t i = 0; i < skip; i++)
      if (p[i] != ext) return false;
    if ((p[skip] & 0x80) != (ext & 0x80)) return false;
  }
  unsigned __int128 v = (p[skip] & 0x80) ? ~(unsigned __int128)0 : 0;
  for (int64_t i = skip; i < n; i++) v = v << 8 | p[i];
  *out = (__int128)v;
  return true;
}

static int leaf_vec(const em_pq_node *n, em_pq_leafdata *d, int64_t r0, int64_t r1, em_vec **out, em_error *err) {
  range rg;
  leaf_range(d, n, r0, r1, &rg);
  bool flat = !d->rep && n->slot_def == 0;
  int64_t nslots = 0;
  if (flat) nslots = rg.e1 - rg.e0;
  else
    for (int64_t e = rg.e0; e < rg.e1; e++) nslots += is_slot(d, e, n);
  em_type *t = n->type;
  /* Dense: a flat range without nulls, slot i is value v0 + i (no index
   * array needed). */
  bool dense = flat;
  if (dense && d->def)
    for (int64_t e = rg.e0; e < rg.e1 && dense; e++) dense = d->def[e] >= n->def;
  /* Every slot of a fixed-width vector is written below (nulls as 0):
   * no zero-filling first. */
  int fw = em_type_fixed_width(t);
  bool overwrite = t->id == EM_T_DECIMAL || (fw > 0 && fw <= 8 && t->id != EM_T_BOOLEAN);
  em_vec *v = overwrite ? em_vec_new_uninit(t, nslots) : em_vec_new(t, nslots);
  if (!v) return oom(err);
  /* Slot -> value index (or -1 for null). */
  int64_t *vi = dense ? NULL : em_malloc(sizeof(int64_t) * (size_t)(nslots ? nslots : 1));
  if (!dense && !vi) {
    em_vec_unref(v);
    return oom(err);
  }
  int64_t k = 0, val = rg.v0, nulls = 0;
  if (dense) val += nslots;
  for (int64_t e = rg.e0; !dense && e < rg.e1; e++) {
    if (!flat && !is_slot(d, e, n)) {
      if (is_valid(d, e, n)) val++; /* cannot happen for consistent levels */
      continue;
    }
    if (is_valid(d, e, n)) vi[k++] = val++;
    else {
      vi[k++] = -1;
      nulls++;
    }
  }
  if (val > d->nvalues) {
    em_free(vi);
    em_vec_unref(v);
    return em_error_internal(err, "Parquet leaf has fewer values than its levels say");
  }
  /* A lazy leaf's values of these rows, decoded now: `fixed` then holds
   * values [vbase, val). */
  int64_t vbase = 0;
  const em_pq_selem *el = n->elem;
  /* Decimals of signed integers without nulls are widened as they are
   * decoded, below. */
  bool widen_lazy = d->lazy && dense && t->id == EM_T_DECIMAL && !(el->logical == EM_PQL_INT && !el->is_signed) &&
                    (el->type == EM_PQ_INT64 || el->type == EM_PQ_INT32);
  if (d->lazy && !widen_lazy) {
    if (em_pq_lazy_window(d, rg.v0, val, NULL, err)) {
      em_free(vi);
      em_vec_unref(v);
      return -1;
    }
    vbase = rg.v0;
  }
  if (nulls) {
    if (!(v->validity = em_buf_new((size_t)(nslots + 7) / 8))) goto fail_oom;
    v->validity->len = (size_t)(nslots + 7) / 8;
    for (int64_t i = 0; i < nslots; i++)
      if (vi[i] >= 0) em_bit_set(v->validity->data, i);
  }
  v->null_count = nulls;
  v->len = nslots;
#define VALID(i) (dense || vi[i] >= 0)
#define IDX(i) ((dense ? rg.v0 + (i) : vi[i]) - vbase)
  int w = d->width;
  const uint8_t *fx = d->fixed;
  switch (t->id) {
  case EM_T_BOOLEAN: {
    uint8_t *bits = v->values->data;
    for (int64_t i = 0; i < nslots; i++)
      if (VALID(i) && fx[IDX(i)]) em_bit_set(bits, i);
    v->values->len = (size_t)(nslots + 7) / 8;
    break;
  }
  case EM_T_STRING:
  case EM_T_BINARY: {
    int64_t total = 0;
    if (dense && !w)
      total = nslots ? d->offsets[rg.v0 + nslots] - d->offsets[rg.v0] : 0;
    else
      for (int64_t i = 0; i < nslots; i++)
        if (VALID(i)) total += w ? w : d->offsets[IDX(i) + 1] - d->offsets[IDX(i)];
    if (total > INT32_MAX) {
      em_free(vi);
      em_vec_unref(v);
      return em_error_internal(err, "Parquet strings of one batch exceed 2 GiB");
    }
    if (em_buf_reserve(v->data, (size_t)total + 1)) goto fail_oom;
    int32_t *o = (int32_t *)(void *)v->values->data;
    uint8_t *dst = v->data->data;
    int32_t pos = 0;
    o[0] = 0;
    if (dense && !w) {
      /* The values' bytes are contiguous: one copy, offsets rebased. */
      int64_t base = d->offsets[rg.v0];
      if (total) memcpy(dst, d->data + base, (size_t)total);
      for (int64_t i = 0; i < nslots; i++) o[i + 1] = (int32_t)(d->offsets[rg.v0 + i + 1] - base);
      pos = (int32_t)total;
    }
    for (int64_t i = 0; !(dense && !w) && i < nslots; i++) {
      if (VALID(i)) {
        int64_t l = w ? w : d->offsets[IDX(i) + 1] - d->offsets[IDX(i)];
        if (l) memcpy(dst + pos, w ? fx + IDX(i) * w : d->data + d->offsets[IDX(i)], (size_t)l);
        pos += (int32_t)l;
      }
      o[i + 1] = pos;
    }
    v->values->len = (size_t)(nslots + 1) * 4;
    v->data->len = (size_t)pos;
    break;
  }
  case EM_T_DECIMAL: {
    __int128 *dst = (__int128 *)(void *)v->values->data;
    bool unsig = el->logical == EM_PQL_INT && !el->is_signed;
    if (widen_lazy) {
      if (em_pq_lazy_window(d, rg.v0, val, v->values->data, err)) {
        em_free(vi);
        em_vec_unref(v);
        return -1;
      }
      v->values->len = (size_t)nslots * 16;
      break;
    }
    if (dense && !unsig && (el->type == EM_PQ_INT64 || el->type == EM_PQ_INT32)) {
      /* The common case: signed unscaled integers widened in one loop. */
      if (el->type == EM_PQ_INT64) {
        const uint8_t *src = fx + (rg.v0 - vbase) * 8;
        for (int64_t i = 0; i < nslots; i++) {
          int64_t y;
          memcpy(&y, src + i * 8, 8);
          dst[i] = y;
        }
      } else {
        const uint8_t *src = fx + (rg.v0 - vbase) * 4;
        for (int64_t i = 0; i < nslots; i++) {
          int32_t y;
          memcpy(&y, src + i * 4, 4);
          dst[i] = y;
        }
      }
      v->values->len = (size_t)nslots * 16;
      break;
    }
    for (int64_t i = 0; i < nslots; i++) {
      __int128 x = 0;
      if (VALID(i)) {
        if (el->type == EM_PQ_INT32) {
          int32_t y;
          memcpy(&y, fx + IDX(i) * 4, 4);
          x = y;
        } else if (el->type == EM_PQ_INT64) {
          int64_t y;
          memcpy(&y, fx + IDX(i) * 8, 8);
          x = (el->logical == EM_PQL_INT && !el->is_signed) ? (__int128)(uint64_t)y : (__int128)y;
        } else {
          int64_t l = w ? w : d->offsets[IDX(i) + 1] - d->offsets[IDX(i)];
          const uint8_t *src = l == 0 ? (const uint8_t *)"" : w ? fx + IDX(i) * w : d->data + d->offsets[IDX(i)];
          if (!be_to_i128(src, l, &x)) {
            em_free(vi);
            em_vec_unref(v);
            return em_error_internal(err, "Parquet decimal value does not fit 128 bits");
          }
        }
      }
      memcpy(&dst[i], &x, 16);
    }
    v->values->len = (size_t)nslots * 16;
    break;
  }
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ: {
    int64_t *dst = (int64_t *)(void *)v->values->data;
    for (int64_t i = 0; i < nslots; i++) {
      int64_t x = 0;
      if (VALID(i)) {
        if (el->type == EM_PQ_INT96) {
          int64_t nanos;
          int32_t jd;
          memcpy(&nanos, fx + IDX(i) * 12, 8);
          memcpy(&jd, fx + IDX(i) * 12 + 8, 4);
          x = (int64_t)((uint64_t)((int64_t)jd - 2440588) * UINT64_C(86400000000) + (uint64_t)(nanos / 1000));
        } else {
          memcpy(&x, fx + IDX(i) * 8, 8);
          if (el->unit == EM_PQ_MILLIS) x = (int64_t)((uint64_t)x * 1000u);
        }
      }
      dst[i] = x;
    }
    v->values->len = (size_t)nslots * 8;
    break;
  }
  case EM_T_FLOAT:
    if (el->type == EM_PQ_FLBA) {
      float *dst = (float *)(void *)v->values->data;
      for (int64_t i = 0; i < nslots; i++) {
        uint16_t h = 0;
        if (VALID(i)) memcpy(&h, fx + IDX(i) * 2, 2);
        dst[i] = VALID(i) ? half_to_float(h) : 0.0f;
      }
      v->values->len = (size_t)nslots * 4;
      break;
    }
    __attribute__((fallthrough));
  default: {
    /* Integers, dates, doubles: same or narrower/wider two's complement. */
    int ow = em_type_fixed_width(t);
    uint8_t *dst = v->values->data;
    bool unsig = el->logical == EM_PQL_INT && !el->is_signed;
    if (nslots == 0) {
      /* nothing */
    } else if (ow == w && nulls == 0 && flat) {
      memcpy(dst, fx + (rg.v0 - vbase) * w, (size_t)nslots * (size_t)w);
    } else {
      for (int64_t i = 0; i < nslots; i++) {
        if (!VALID(i)) {
          memset(dst + i * ow, 0, (size_t)ow);
          continue;
        }
        if (ow == w) {
          memcpy(dst + i * ow, fx + IDX(i) * w, (size_t)w);
          continue;
        }
        int64_t x;
        if (w == 4) {
          int32_t y;
          memcpy(&y, fx + IDX(i) * 4, 4);
          x = unsig ? (int64_t)(el->bit_width == 8 ? (uint8_t)y : el->bit_width == 16 ? (uint16_t)y : (uint32_t)y)
                    : (int64_t)y;
        } else {
          memcpy(&x, fx + IDX(i) * w, 8);
        }
        switch (ow) {
        case 1: { int8_t z = (int8_t)x; memcpy(dst + i, &z, 1); break; }
        case 2: { int16_t z = (int16_t)x; memcpy(dst + i * 2, &z, 2); break; }
        case 4: { int32_t z = (int32_t)x; memcpy(dst + i * 4, &z, 4); break; }
        default: memcpy(dst + i * 8, &x, 8); break;
        }
      }
    }
    v->values->len = (size_t)nslots * (size_t)ow;
    break;
  }
  }
#undef VALID
#undef IDX
  em_free(vi);
  *out = v;
  return 0;
fail_oom:
  em_free(vi);
  em_vec_unref(v);
  return oom(err);
}

static int assemble(const em_pq_node *n, em_pq_leafdata *leaves, int64_t r0, int64_t r1, em_vec **out,
                    em_error *err);

/* Slots and validity of node n over its first leaf's entries; for a list
 * or map also the offsets from the slots of `elem`. */
static int structure(const em_pq_node *n, const em_pq_node *elem, em_pq_leafdata *d, int64_t r0, int64_t r1,
                     em_vec *v, int64_t *nslots_out, int64_t *nelems_out, em_error *err) {
  /* The entries of the first leaf below n: its levels decide. */
  int64_t e0, e1;
  if (d->rep) {
    e0 = d->row_entry[r0];
    e1 = d->row_entry[r1];
  } else {
    e0 = r0;
    e1 = r1;
  }
  int64_t nslots = 0, nelems = 0, nulls = 0;
  for (int64_t e = e0; e < e1; e++) nslots += is_slot(d, e, n);
  if (em_vec_reserve(v, nslots, 0)) return oom(err);
  uint8_t *valid = NULL;
  int32_t *offs = elem ? (int32_t *)(void *)v->values->data : NULL;
  int64_t k = -1;
  for (int64_t e = e0; e < e1; e++) {
    if (is_slot(d, e, n)) {
      k++;
      if (!is_valid(d, e, n)) {
        if (!valid) {
          if (!(v->validity = em_buf_new((size_t)(nslots + 7) / 8))) return oom(err);
          v->validity->len = (size_t)(nslots + 7) / 8;
          valid = v->validity->data;
          for (int64_t i = 0; i < k; i++) em_bit_set(valid, i);
        }
        nulls++;
      } else if (valid) {
        em_bit_set(valid, k);
      }
      if (offs) offs[k] = (int32_t)nelems;
    }
    if (elem && k >= 0 && is_slot(d, e, elem)) {
      nelems++;
      if (nelems > INT32_MAX) return em_error_internal(err, "Parquet list too long");
    }
  }
  if (offs) {
    offs[nslots] = (int32_t)nelems;
    v->values->len = (size_t)(nslots + 1) * 4;
  }
  v->len = nslots;
  v->null_count = nulls;
  *nslots_out = nslots;
  if (nelems_out) *nelems_out = nelems;
  return 0;
}

static int assemble(const em_pq_node *n, em_pq_leafdata *leaves, int64_t r0, int64_t r1, em_vec **out,
                    em_error *err) {
  if (n->kind == EM_PQN_LEAF) return leaf_vec(n, &leaves[n->leaf], r0, r1, out, err);
  if (n->leaf < 0) return em_error_internal(err, "Parquet group without leaves");
  em_pq_leafdata *d = &leaves[n->leaf];
  em_vec *v = em_vec_new(n->type, 0);
  if (!v) return oom(err);
  int64_t ns = 0, ne = 0;
  switch (n->kind) {
  case EM_PQN_STRUCT:
    if (structure(n, NULL, d, r0, r1, v, &ns, NULL, err)) goto fail;
    for (int i = 0; i < n->nchildren; i++) {
      em_vec *c;
      if (assemble(n->children[i], leaves, r0, r1, &c, err)) goto fail;
      em_vec_unref(v->children[i]);
      v->children[i] = c;
      if (c->len != ns) {
        em_error_internal(err, "Parquet struct fields disagree on their row count");
        goto fail;
      }
    }
    break;
  case EM_PQN_LIST: {
    if (structure(n, n->children[0], d, r0, r1, v, &ns, &ne, err)) goto fail;
    em_vec *c;
    if (assemble(n->children[0], leaves, r0, r1, &c, err)) goto fail;
    em_vec_unref(v->children[0]);
    v->children[0] = c;
    if (c->len != ne) {
      em_error_internal(err, "Parquet list elements disagree with their levels");
      goto fail;
    }
    break;
  }
  case EM_PQN_MAP: {
    if (structure(n, n->children[0], d, r0, r1, v, &ns, &ne, err)) goto fail;
    em_vec *entries = v->children[0];
    for (int i = 0; i < 2; i++) {
      em_vec *c;
      if (assemble(n->children[i], leaves, r0, r1, &c, err)) goto fail;
      em_vec_unref(entries->children[i]);
      entries->children[i] = c;
      if (c->len != ne) {
        em_error_internal(err, "Parquet map entries disagree with their levels");
        goto fail;
      }
    }
    if (entries->children[0]->null_count) {
      em_error_set(err, EM_ERR_FAILED_READ_FILE_NO_HINT, "path", "", NULL);
      em_error_append(err, " A Parquet map has a null key.");
      goto fail;
    }
    entries->len = ne;
    entries->null_count = 0;
    break;
  }
  default: break;
  }
  *out = v;
  return 0;
fail:
  em_vec_unref(v);
  return -1;
}

int em_pq_assemble(const em_pq_node *n, em_pq_leafdata *leaves, int64_t r0, int64_t r1, em_vec **out,
                   em_error *err) {
  return assemble(n, leaves, r0, r1, out, err);
}
