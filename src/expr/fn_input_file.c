/*
 * The file a row was read from, as the task's scan reports it
 * (em_eval_ctx.input_file, Spark's InputFileBlockHolder):
 * input_file_name() (its "file://" URI, "" outside a file scan),
 * input_file_block_start() and input_file_block_length() (the split's
 * bytes, -1 outside a scan), and the _metadata struct of file sources
 * (em_fn_resolve_file_metadata, called by the analyzer for `_metadata`;
 * Parquet's row_index comes from a column the scan adds, the call's one
 * argument).
 * Values are constant over a batch: a scan's batch comes from one split.
 */
#include "expr_int.h"

#include <string.h>

enum { IF_NAME, IF_START, IF_LENGTH };

static const em_input_file *current(const em_eval_ctx *ctx) {
  return ctx->input_file && ctx->input_file->uri ? ctx->input_file : NULL;
}

static int input_file_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                             em_error *err) {
  (void)args;
  const em_input_file *f = current(ctx);
  int which = (int)(intptr_t)e->u.fn.data;
  em_vec *one = em_vec_new(e->type, 1);
  int rc = one ? 0 : -1;
  if (!rc && which == IF_NAME) {
    const char *s = f ? f->uri : "";
    rc = em_vec_append_bytes(one, s, strlen(s));
  } else if (!rc) {
    int64_t v = !f ? -1 : which == IF_START ? f->start : f->length;
    rc = em_vec_append_fixed(one, &v);
  }
  *out = rc ? NULL : em_vec_repeat(one, n);
  em_vec_unref(one);
  return *out ? 0 : em_error_internal(err, "out of memory");
}

static int resolve(em_func_call *call, int which, const char *sql, em_error *err) {
  if (call->nargs != 0) return em_fn_wrong_num_args(call, "0", err);
  call->sql = (char *)sql;
  call->type = which == IF_NAME ? em_type_string() : em_type_long();
  call->nullable = false;
  call->kernel = input_file_kernel;
  call->data = (void *)(intptr_t)which;
  return 0;
}

int em_fn_resolve_input_file_name(em_func_call *call, em_error *err);
int em_fn_resolve_input_file_name(em_func_call *call, em_error *err) {
  return resolve(call, IF_NAME, "input_file_name()", err);
}

int em_fn_resolve_input_file_block_start(em_func_call *call, em_error *err);
int em_fn_resolve_input_file_block_start(em_func_call *call, em_error *err) {
  return resolve(call, IF_START, "input_file_block_start()", err);
}

int em_fn_resolve_input_file_block_length(em_func_call *call, em_error *err);
int em_fn_resolve_input_file_block_length(em_func_call *call, em_error *err) {
  return resolve(call, IF_LENGTH, "input_file_block_length()", err);
}

/* ---- _metadata ---- */

enum { MD_PATH, MD_NAME, MD_SIZE, MD_START, MD_LENGTH, MD_MTIME, MD_ROW_INDEX, MD_COUNT };
static const char *const md_names[MD_COUNT] = {"file_path",         "file_name",
                                               "file_size",         "file_block_start",
                                               "file_block_length", "file_modification_time",
                                               "row_index"};

static em_type *md_type(int field) {
  return field <= MD_NAME ? em_type_string() : field == MD_MTIME ? em_type_timestamp() : em_type_long();
}

/* Appends field `field` of row i; row indexes come from the scan's row
 * index column ri. Outside a file scan: empty values. */
static int md_append(em_vec *v, int field, const em_input_file *f, const em_vec *ri, int64_t i) {
  int64_t x = -1;
  switch (field) {
  case MD_PATH: case MD_NAME: {
    const char *s = !f ? "" : field == MD_PATH ? f->meta_uri : f->name;
    return em_vec_append_bytes(v, s, strlen(s));
  }
  case MD_SIZE: x = f ? f->size : -1; break;
  case MD_START: x = f ? f->start : -1; break;
  case MD_LENGTH: x = f ? f->length : -1; break;
  case MD_MTIME: x = f ? f->mtime_ms * 1000 : 0; break;
  default: x = ri && !em_vec_is_null(ri, i) ? ((const int64_t *)em_vec_values(ri))[i] : -1; break;
  }
  return em_vec_append_fixed(v, &x);
}

static int metadata_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                           em_error *err) {
  const em_input_file *f = current(ctx);
  int field = (int)(intptr_t)e->u.fn.data - 1;
  const em_vec *ri = e->nargs ? args[0] : NULL;
  /* Per-file values are the same on every row; only row_index varies. */
  bool per_row = ri != NULL;
  int64_t rows = per_row ? n : (n > 0 ? 1 : 0);
  em_vec *v = em_vec_new(e->type, rows);
  int rc = v ? 0 : -1;
  for (int64_t i = 0; !rc && i < rows; i++) {
    if (field >= 0) {
      rc = md_append(v, field, f, ri, i);
      continue;
    }
    for (int k = 0; !rc && k < e->type->u.st.nfields; k++) rc = md_append(v->children[k], k, f, ri, i);
    if (!rc) rc = em_vec_append_struct_end(v, true);
  }
  if (!rc && !per_row) {
    em_vec *r = em_vec_repeat(v, n);
    em_vec_unref(v);
    v = r;
    rc = v ? 0 : -1;
  }
  if (rc) {
    if (v) em_vec_unref(v);
    return em_error_internal(err, "out of memory");
  }
  *out = v;
  return 0;
}

int em_fn_resolve_file_metadata(em_func_call *call, bool row_index, int field, em_error *err);
int em_fn_resolve_file_metadata(em_func_call *call, bool row_index, int field, em_error *err) {
  call->nullable = false;
  call->kernel = metadata_kernel;
  call->data = (void *)(intptr_t)(field + 1);
  if (field >= 0) {
    call->type = md_type(field);
    return 0;
  }
  int nf = row_index ? MD_COUNT : MD_ROW_INDEX;
  em_type *t = em_type_struct_new(nf);
  for (int k = 0; t && k < nf; k++)
    if (em_type_struct_set(t, k, md_names[k], md_type(k), false, NULL)) {
      em_type_unref(t);
      t = NULL;
    }
  if (!t) return em_error_internal(err, "out of memory");
  call->type = t;
  call->type_owned = true;
  return 0;
}
