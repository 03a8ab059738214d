/*
 * The file a row was read from, as the task's scan reports it
 * (em_eval_ctx.input_file, Spark's InputFileBlockHolder):
 * input_file_name() (its "file://" URI, "" outside a file scan),
 * input_file_block_start() and input_file_block_length() (the split's
 * bytes, -1 outside a scan), and the _metadata struct of file sources
 * (em_fn_file_metadata_call, made by the analyzer for `_metadata`).
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
