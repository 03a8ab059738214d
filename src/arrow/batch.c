/*
 * em_batch: equal-length columns with their schema; lifetime, row slices
 * and a byte count for batching by size and memory accounting.
 */
#include "arrow_int.h"

#include <stdatomic.h>

em_batch *em_batch_new(em_type *schema, int ncols, em_vec **cols, int64_t nrows) {
  em_batch *b = em_calloc(1, sizeof *b);
  em_vec **c = ncols > 0 ? em_calloc((size_t)ncols, sizeof *c) : NULL;
  if (!b || (ncols > 0 && !c)) {
    em_free(b);
    em_free(c);
    em_type_unref(schema);
    for (int i = 0; i < ncols; i++) em_vec_unref(cols[i]);
    return NULL;
  }
  for (int i = 0; i < ncols; i++) c[i] = cols[i];
  atomic_store(&b->refcnt, 1);
  b->schema = schema;
  b->ncols = ncols;
  b->cols = c;
  b->nrows = nrows;
  return b;
}

em_batch *em_batch_ref(em_batch *b) {
  if (b) atomic_fetch_add(&b->refcnt, 1);
  return b;
}

void em_batch_unref(em_batch *b) {
  if (!b) return;
  if (atomic_fetch_sub(&b->refcnt, 1) != 1) return;
  for (int i = 0; i < b->ncols; i++) em_vec_unref(b->cols[i]);
  em_free(b->cols);
  em_type_unref(b->schema);
  em_free(b);
}

em_batch *em_batch_slice_copy(const em_batch *b, int64_t start, int64_t n) {
  if (start < 0 || n < 0 || start > b->nrows - n) return NULL;
  em_vec **cols = b->ncols > 0 ? em_calloc((size_t)b->ncols, sizeof *cols) : NULL;
  if (b->ncols > 0 && !cols) return NULL;
  for (int i = 0; i < b->ncols; i++) {
    if (!(cols[i] = em_vec_slice_copy(b->cols[i], start, n))) {
      for (int j = 0; j < i; j++) em_vec_unref(cols[j]);
      em_free(cols);
      return NULL;
    }
  }
  em_batch *r = em_batch_new(em_type_ref(b->schema), b->ncols, cols, n);
  em_free(cols);
  return r;
}

static size_t vec_bytes(const em_vec *v) {
  size_t n = 0;
  if (v->validity) n += v->validity->len;
  if (v->values) n += v->values->len;
  if (v->data) n += v->data->len;
  for (int i = 0; i < v->nchildren; i++) n += vec_bytes(v->children[i]);
  return n;
}

size_t em_batch_bytes(const em_batch *b) {
  size_t n = 0;
  for (int i = 0; i < b->ncols; i++) n += vec_bytes(b->cols[i]);
  return n;
}
