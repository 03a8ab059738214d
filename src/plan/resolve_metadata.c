/*
 * The hidden `_metadata` column of file sources (Spark's
 * FileSourceMetadataAttribute): a name `_metadata` or `_metadata.<field>`
 * that matches no column resolves, over a file scan, to the file the row
 * was read from: file_path ("file:" URI), file_name, file_size,
 * file_block_start, file_block_length, file_modification_time, and for
 * Parquet row_index. It is not part of `*`.
 *
 * Ember computes it from the task's current input file (fn_input_file.c),
 * which is right in the scan's pipeline; so it resolves only where that
 * pipeline evaluates it: over the scan itself or filters on it (Spark also
 * passes it through sorts and other nodes; there Ember reports the column
 * as unresolved). Parquet's row_index is per row, so it cannot come from
 * the task's file: the scan adds a hidden column with each row's index in
 * its file (em_scan_plan.row_index) and the call reads it.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <string.h>

int em_fn_resolve_file_metadata(em_func_call *call, bool row_index, int field, em_error *err);

/* Appends attribute a to n's output (a scan or a filter, which pass their
 * columns by position). */
static int append_out(em_az *az, em_lplan *n, const em_attr *a) {
  em_attr *no = em_arena_alloc(&az->plan->arena, sizeof *no * (size_t)(n->nout + 1));
  if (!no) return em_error_internal(az->err, "out of memory during analysis");
  memcpy(no, n->out, sizeof *no * (size_t)n->nout);
  no[n->nout] = *a;
  n->out = no;
  return n->nout++;
}

/* The index in scope of the scan's row index column, added (hidden) to
 * the scan and the filters over it on first use; -1 on error. */
static int row_index_column(em_az *az, em_lplan *scope) {
  em_lplan *chain[256];
  int n = 0;
  em_lplan *x = scope;
  while (x->kind == EM_LP_FILTER && n < 256) {
    chain[n++] = x;
    x = x->child;
  }
  if (x->kind != EM_LP_SCAN) return -1;
  em_scan_plan *sp = x->u.scan;
  int col = sp->ndata + sp->npart;
  if (!sp->row_index) {
    em_attr a = {.name = "row_index", .type = em_type_long(), .nullable = false, .id = em_az_next_id(az),
                 .hidden = true};
    if (x->nout != col || append_out(az, x, &a) < 0) return -1;
    sp->row_index = true;
  }
  int64_t id = x->out[col].id;
  for (int i = n - 1; i >= 0; i--) {
    int j = -1;
    for (int k = 0; k < chain[i]->nout && j < 0; k++)
      if (chain[i]->out[k].id == id) j = k;
    if (j < 0 && append_out(az, chain[i], &x->out[col]) < 0) return -1;
  }
  for (int k = 0; k < scope->nout; k++)
    if (scope->out[k].id == id) return k;
  return -1;
}

/* The file scan whose rows reach scope unchanged, or NULL. */
static const em_lplan *file_scan(const em_lplan *n) {
  while (n && n->kind == EM_LP_FILTER) n = n->child;
  return n && n->kind == EM_LP_SCAN ? n : NULL;
}

static const char *const fields[] = {"file_path",         "file_name",              "file_size", "file_block_start",
                                     "file_block_length", "file_modification_time", "row_index"};

em_expr *em_az_resolve_file_metadata(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                                     char **metadata, bool *failed) {
  *failed = false;
  if (e->u.attr.nparts > 2 || !em_az_name_eq(az, e->u.attr.parts[0], "_metadata")) return NULL;
  const em_lplan *scan = file_scan(scope);
  if (!scan) return NULL;
  bool parquet = strcmp(scan->u.scan->format->name, "parquet") == 0;
  int nfields = parquet ? 7 : 6, field = -1;
  if (e->u.attr.nparts == 2) {
    for (int i = 0; i < nfields && field < 0; i++)
      if (em_az_name_eq(az, e->u.attr.parts[1], fields[i])) field = i;
    if (field < 0) {
      /* Spark extracts the field from the struct: FIELD_NOT_FOUND. */
      em_strbuf fs;
      em_strbuf_init(&fs);
      for (int i = 0; i < nfields; i++) em_strbuf_printf(&fs, "%s`%s`", i ? ", " : "", fields[i]);
      em_error_set(az->err, EM_ERR_FIELD_NOT_FOUND, "fieldName",
                   em_arena_printf(&az->plan->arena, "`%s`", e->u.attr.parts[1]), "fields", fs.data ? fs.data : "",
                   NULL);
      em_strbuf_free(&fs);
      *failed = true;
      return NULL;
    }
  }
  em_expr *ri = NULL;
  if (parquet && (field < 0 || field == 6)) {
    int col = row_index_column(az, (em_lplan *)scope);
    if (col < 0 || !(ri = em_arena_calloc(&az->plan->arena, sizeof *ri))) {
      *failed = true;
      if (!az->err->cls) em_error_internal(az->err, "cannot add the row index column of a Parquet scan");
      return NULL;
    }
    ri->kind = EM_EX_COLUMN;
    ri->u.column = col;
    ri->type = scope->out[col].type;
    ri->nullable = false;
  }
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.name = "_metadata";
  call.arena = &az->plan->arena;
  if (em_fn_resolve_file_metadata(&call, parquet, field, az->err)) {
    *failed = true;
    return NULL;
  }
  if (call.type_owned && em_az_own_type(az, call.type)) {
    *failed = true;
    em_error_internal(az->err, "out of memory");
    return NULL;
  }
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) {
    *failed = true;
    em_error_internal(az->err, "out of memory");
    return NULL;
  }
  x->kind = EM_EX_CALL;
  x->type = call.type;
  x->nullable = false;
  x->u.fn.name = "_metadata";
  x->u.fn.kernel = call.kernel;
  x->u.fn.data = call.data;
  if (ri) {
    x->args = em_arena_calloc(&az->plan->arena, sizeof *x->args);
    if (!x->args) {
      *failed = true;
      em_error_internal(az->err, "out of memory");
      return NULL;
    }
    x->args[0] = ri;
    x->nargs = 1;
  }
  if (field < 0) {
    *name = "_metadata";
    *metadata = "{\"__file_source_metadata_col\":true,\"__metadata_col\":\"_metadata\"}";
  } else {
    *name = (char *)fields[field];
  }
  return x;
}
