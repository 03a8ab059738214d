/*
 * Window frames: the rows [lo, hi) each row's frame covers.
 *
 * ROWS frames are offsets from the row, clipped to its partition. RANGE
 * frames are peers and values: CURRENT ROW is the row's peer group (equal
 * order keys), a value offset keeps the rows whose order key k satisfies
 * lo <= s * (k - x) <= hi, x the row's key and s = -1 for a descending
 * order (so "preceding" always means earlier in the sort). Rows are sorted
 * by the key, so both bounds only move forward: two pointers per partition
 * find them in linear time. A NULL key is a peer of the other NULLs only:
 * a NULL row's value bounds are its peer group, and the NULLs (at one end
 * of the partition) never fall inside a non-NULL row's value bounds, as in
 * Spark's RangeBoundOrdering.
 */
#include "win.h"

#include "agg_fn.h"

/* The order key of row i as a number (the caller checked it is not NULL). */
static long double key_at(const em_vec *v, int64_t i) {
  const void *p = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BYTE: return ((const int8_t *)p)[i];
  case EM_T_SHORT: return ((const int16_t *)p)[i];
  case EM_T_INT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL: return ((const int32_t *)p)[i];
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL: return (long double)((const int64_t *)p)[i];
  case EM_T_FLOAT: return ((const float *)p)[i];
  case EM_T_DOUBLE: return ((const double *)p)[i];
  case EM_T_DECIMAL:
    return (long double)((const __int128 *)p)[i] / (long double)em_pow10_128(v->type->u.dec.scale);
  default: return 0;
  }
}

/* Range value bounds of one partition [s, e). */
static void range_values(const em_win_frame *f, const em_win_run *run, int64_t s, int64_t e, int64_t *lo,
                         int64_t *hi) {
  const em_vec *k = run->order_key;
  long double sg = run->order_asc ? 1.0L : -1.0L;
  /* Non-null rows are [ns, ne). */
  int64_t ns = s, ne = e;
  while (ns < e && em_vec_is_null(k, ns)) ns++;
  if (ns == e) ns = ne = s; /* all NULL */
  else {
    ne = ns;
    while (ne < e && !em_vec_is_null(k, ne)) ne++;
  }
  int64_t a = ns, b = ns; /* candidate lo and hi pointers */
  for (int64_t i = s; i < e; i++) {
    if (i < ns || i >= ne) {
      /* A NULL key: its frame is bounded by its peers. */
      lo[i] = f->lo_kind == EM_FB_UNBOUNDED ? s : run->peer_start[i];
      hi[i] = f->hi_kind == EM_FB_UNBOUNDED ? e : run->peer_end[i];
      continue;
    }
    long double x = key_at(k, i);
    if (f->lo_kind == EM_FB_UNBOUNDED) lo[i] = s;
    else if (f->lo_kind == EM_FB_CURRENT) lo[i] = run->peer_start[i];
    else {
      if (a < ns) a = ns;
      while (a < ne && sg * (key_at(k, a) - x) < f->lo_val) a++;
      lo[i] = a;
    }
    if (f->hi_kind == EM_FB_UNBOUNDED) hi[i] = e;
    else if (f->hi_kind == EM_FB_CURRENT) hi[i] = run->peer_end[i];
    else {
      if (b < ns) b = ns;
      while (b < ne && sg * (key_at(k, b) - x) <= f->hi_val) b++;
      hi[i] = b;
    }
    if (hi[i] < lo[i]) hi[i] = lo[i];
  }
}

void em_win_frames(const em_win_frame *f, const em_win_run *run, int64_t *lo, int64_t *hi) {
  for (int p = 0; p < run->npart; p++) {
    int64_t s = run->pstart[p], e = run->pstart[p + 1];
    if (!f->rows && (f->lo_kind == EM_FB_OFFSET || f->hi_kind == EM_FB_OFFSET) && run->order_key) {
      range_values(f, run, s, e, lo, hi);
      continue;
    }
    for (int64_t i = s; i < e; i++) {
      int64_t l, h;
      if (f->lo_kind == EM_FB_UNBOUNDED) l = s;
      else if (f->lo_kind == EM_FB_CURRENT) l = f->rows ? i : run->peer_start[i];
      else l = i + f->lo_off;
      if (f->hi_kind == EM_FB_UNBOUNDED) h = e;
      else if (f->hi_kind == EM_FB_CURRENT) h = f->rows ? i + 1 : run->peer_end[i];
      else h = i + f->hi_off + 1;
      if (l < s) l = s;
      if (h > e) h = e;
      if (h < l) h = l;
      lo[i] = l;
      hi[i] = h;
    }
  }
}
