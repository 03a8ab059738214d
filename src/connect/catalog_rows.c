/*
 * The answers of catalog calls (spark.catalog.*) as a local relation: a
 * few string, boolean or array<string> columns filled row by row, then
 * handed to the spec as one batch (catalog_rel.c, catalog_meta.c).
 */
#include "connect_int.h"

#include <string.h>

int em_catrows_init(em_catrows *r, const char *const *names, const char *types, em_error *err) {
  memset(r, 0, sizeof *r);
  r->ncols = (int)strlen(types);
  r->schema = em_type_struct_new(r->ncols);
  r->cols = em_calloc((size_t)r->ncols + 1, sizeof *r->cols);
  if (!r->schema || !r->cols) return em_error_internal(err, "out of memory");
  for (int i = 0; i < r->ncols; i++) {
    em_type *t = types[i] == 'b'   ? em_type_boolean()
                 : types[i] == 'a' ? em_type_array(em_type_string(), true)
                                   : em_type_string();
    em_type_struct_set(r->schema, i, names[i], em_type_ref(t), types[i] != 'b', NULL);
    r->cols[i] = em_vec_new(t, 8);
    em_type_unref(t);
    if (!r->cols[i]) return em_error_internal(err, "out of memory");
  }
  return 0;
}

void em_catrows_free(em_catrows *r) {
  for (int i = 0; r->cols && i < r->ncols; i++)
    if (r->cols[i]) em_vec_unref(r->cols[i]);
  em_free(r->cols);
  if (r->schema) em_type_unref(r->schema);
}

void em_catrows_put_str(em_catrows *r, int c, const char *s) {
  if (s) em_vec_append_bytes(r->cols[c], s, strlen(s));
  else em_vec_append_null(r->cols[c]);
}

void em_catrows_put_list(em_catrows *r, int c, const char *const *xs, int n) {
  if (!xs) {
    em_vec_append_null(r->cols[c]);
    return;
  }
  for (int i = 0; i < n; i++) em_vec_append_bytes(r->cols[c]->children[0], xs[i], strlen(xs[i]));
  em_vec_append_list_end(r->cols[c]);
}

em_spec_rel *em_catrows_rel(em_catrows *r, em_spec *spec, em_error *err) {
  em_spec_rel *rel = em_spec_rel_new(spec, EM_SR_LOCAL);
  em_batch **bs = em_spec_array(spec, 1, sizeof *bs);
  if (!rel || !bs) {
    em_catrows_free(r);
    return em_error_internal(err, "out of memory"), NULL;
  }
  em_batch *b = em_batch_new(em_type_ref(r->schema), r->ncols, r->cols, r->n);
  em_free(r->cols); /* the batch holds the vectors */
  r->cols = NULL;
  if (!b || em_spec_own_batch(spec, b) || em_spec_own_type(spec, r->schema)) {
    em_catrows_free(r);
    return em_error_internal(err, "out of memory"), NULL;
  }
  rel->u.local.schema = r->schema;
  bs[0] = b;
  rel->u.local.batches = bs;
  rel->u.local.nbatches = 1;
  return rel;
}
