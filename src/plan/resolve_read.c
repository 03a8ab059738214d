/*
 * spark.read: a Read relation's data source becomes a file scan. The
 * analyzer lists the files (io/files.c), discovers partition columns,
 * takes the user's schema or infers one through the format, and plans the
 * splits and partitions as Spark does (io/splits.c), so the scan's
 * partitioning is known to everything above it. Output columns are the
 * data columns then the partition columns, all nullable (Spark reads file
 * sources asNullable). Named tables wait for the catalog.
 */
#include "analyzer_int.h"

#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

/* t with every nullability flag set (Spark's asNullable). New reference. */
static em_type *as_nullable(em_type *t) {
  switch (t->id) {
  case EM_T_ARRAY: {
    em_type *e = as_nullable(t->u.array.elem);
    return e ? em_type_array(e, true) : NULL;
  }
  case EM_T_MAP: {
    em_type *k = as_nullable(t->u.map.key), *v = as_nullable(t->u.map.value);
    if (!k || !v) {
      em_type_unref(k);
      em_type_unref(v);
      return NULL;
    }
    return em_type_map(k, v, true);
  }
  case EM_T_STRUCT: {
    em_type *st = em_type_struct_new(t->u.st.nfields);
    if (!st) return NULL;
    for (int i = 0; i < t->u.st.nfields; i++) {
      const em_field *f = &t->u.st.fields[i];
      em_type *ft = as_nullable(f->type);
      if (!ft || em_type_struct_set(st, i, f->name, ft, true, f->metadata)) {
        em_type_unref(st);
        return NULL;
      }
    }
    return st;
  }
  default: return em_type_ref(t);
  }
}

static const char *format_display(const char *name) {
  if (em_strcaseeq(name, "parquet")) return "Parquet";
  if (em_strcaseeq(name, "csv")) return "CSV";
  if (em_strcaseeq(name, "json")) return "JSON";
  if (em_strcaseeq(name, "orc")) return "ORC";
  return name;
}

em_lplan *em_az_resolve_read(em_az *az, const em_spec_rel *r) {
  em_arena *A = &az->plan->arena;
  if (r->u.read.table) {
    em_error_set(az->err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                 "reading a table (spark.read.table) before Ember has a catalog", NULL);
    return NULL;
  }
  const char *fname = r->u.read.format ? r->u.read.format
                      : az->ctx->default_source ? az->ctx->default_source
                                                : "parquet";
  const em_format *fmt = em_format_find(fname);
  if (!fmt) {
    em_error_set(az->err, EM_ERR_DATA_SOURCE_NOT_FOUND, "provider", fname, NULL);
    return NULL;
  }
  em_scan_plan *sp = em_arena_calloc(A, sizeof *sp);
  if (!sp) return oom(az), NULL;
  sp->format = fmt;
  int nopts = r->u.read.nopts;
  sp->options.n = nopts;
  sp->options.keys = em_arena_calloc(A, sizeof(char *) * (size_t)(nopts + 1));
  sp->options.values = em_arena_calloc(A, sizeof(char *) * (size_t)(nopts + 1));
  if (!sp->options.keys || !sp->options.values) return oom(az), NULL;
  for (int i = 0; i < nopts; i++) {
    sp->options.keys[i] = r->u.read.keys[i];
    sp->options.values[i] = r->u.read.values[i];
  }
  const em_options *o = &sp->options;
  /* Paths: the load() arguments, else the "path" option. */
  const char *const *paths = (const char *const *)r->u.read.paths;
  int npaths = r->u.read.npaths;
  const char *popt = em_options_get(o, "path");
  if (npaths == 0 && popt) {
    paths = &popt;
    npaths = 1;
  }
  const char *rec = em_options_get(o, "recursiveFileLookup");
  em_list_opts lo = {
      .recursive = rec && em_strcaseeq(rec, "true"),
      .glob_filter = em_options_get(o, "pathGlobFilter"),
      .base_path = em_options_get(o, "basePath"),
      .infer_types = !az->ctx->no_partition_type_inference,
      .case_sensitive = az->ctx->case_sensitive,
  };
  em_file_index *ix = NULL;
  if (em_io_list(paths, npaths, &lo, &ix, az->err)) return NULL;
  em_type *schema = NULL;
  em_lplan *n = NULL;
  if (r->u.read.schema) {
    const char *s = r->u.read.schema;
    schema = *s == '{' ? em_type_parse_json(s, strlen(s), az->err) : em_type_parse_ddl(s, az->err);
    if (!schema) goto out;
    if (schema->id != EM_T_STRUCT) {
      em_type *st = em_type_struct_new(1);
      if (!st || em_type_struct_set(st, 0, "value", schema, true, NULL)) {
        em_type_unref(st);
        oom(az);
        goto out;
      }
      schema = st;
    }
  } else if (fmt->infer_schema) {
    if (ix->nfiles == 0 && em_strcaseeq(fmt->name, "parquet")) {
      em_error_set(az->err, EM_ERR_UNABLE_TO_INFER_SCHEMA, "format", format_display(fmt->name), NULL);
      goto out;
    }
    if (fmt->infer_schema(ix->files, ix->nfiles, o, az->ctx->timezone, &schema, az->err)) goto out;
  } else {
    em_error_set(az->err, EM_ERR_UNABLE_TO_INFER_SCHEMA, "format", format_display(fmt->name), NULL);
    goto out;
  }
  /* Data columns: the schema without the partition columns. */
  const em_type *ps = ix->part_schema;
  int np = ps->u.st.nfields, nf = schema->u.st.nfields;
  bool *is_part = em_arena_calloc(A, sizeof(bool) * (size_t)(nf + 1));
  int *part_type_from = em_arena_calloc(A, sizeof(int) * (size_t)(np + 1));
  if (!is_part || !part_type_from) {
    oom(az);
    goto out;
  }
  int nd = 0;
  for (int j = 0; j < np; j++) part_type_from[j] = -1;
  for (int i = 0; i < nf; i++) {
    for (int j = 0; j < np; j++)
      if (em_az_name_eq(az, schema->u.st.fields[i].name, ps->u.st.fields[j].name)) {
        is_part[i] = true;
        part_type_from[j] = i;
      }
    nd += !is_part[i];
  }
  em_type *ds = em_type_struct_new(nd);
  if (!ds || em_az_own_type(az, ds)) {
    oom(az);
    goto out;
  }
  for (int i = 0, k = 0; i < nf; i++) {
    if (is_part[i]) continue;
    const em_field *f = &schema->u.st.fields[i];
    em_type *t = as_nullable(f->type);
    if (!t || em_type_struct_set(ds, k++, f->name, t, true, f->metadata)) {
      oom(az);
      goto out;
    }
  }
  sp->data_schema = ds;
  sp->ndata = nd;
  sp->npart = np;
  n = em_az_new_node(az, EM_LP_SCAN, r, nd + np);
  if (!n) {
    oom(az);
    goto out;
  }
  n->u.scan = sp;
  for (int i = 0; i < nd; i++) {
    n->out[i].name = ds->u.st.fields[i].name;
    n->out[i].type = ds->u.st.fields[i].type;
    n->out[i].nullable = true;
    n->out[i].metadata = ds->u.st.fields[i].metadata;
    n->out[i].id = em_az_next_id(az);
  }
  /* Files and partition values, copied into the plan. */
  sp->nfiles = ix->nfiles;
  sp->files = em_arena_calloc(A, sizeof(em_file) * (size_t)(ix->nfiles + 1));
  sp->part_values = em_arena_calloc(A, sizeof(em_vec *) * (size_t)(np + 1));
  if (!sp->files || !sp->part_values) {
    oom(az);
    n = NULL;
    goto out;
  }
  for (int i = 0; i < ix->nfiles; i++) {
    sp->files[i] = ix->files[i];
    if (!(sp->files[i].path = em_arena_strdup(A, ix->files[i].path))) {
      oom(az);
      n = NULL;
      goto out;
    }
  }
  for (int j = 0; j < np; j++) {
    em_attr *at = &n->out[nd + j];
    em_vec *v;
    if (part_type_from[j] >= 0) {
      /* The user's schema types the column: the directory values cast. */
      em_type *t = schema->u.st.fields[part_type_from[j]].type;
      at->name = em_arena_strdup(A, schema->u.st.fields[part_type_from[j]].name);
      v = em_vec_new(t, ix->nfiles);
      if (!v) {
        oom(az);
        n = NULL;
        goto out;
      }
      for (int i = 0; i < ix->nfiles; i++)
        if (em_io_partition_value(v, ix->part_raw[j][i], az->err)) {
          em_vec_unref(v);
          n = NULL;
          goto out;
        }
    } else {
      at->name = em_arena_strdup(A, ps->u.st.fields[j].name);
      v = em_vec_ref(ix->part_values[j]);
    }
    if (em_az_own_vec(az, v) || !at->name) {
      oom(az);
      n = NULL;
      goto out;
    }
    sp->part_values[j] = v;
    at->type = v->type;
    at->nullable = true;
    at->id = em_az_next_id(az);
  }
  em_split_opts so = {
      .max_partition_bytes = az->ctx->files_max_partition_bytes,
      .open_cost = az->ctx->files_open_cost,
      .min_partitions = az->ctx->files_min_partitions > 0 ? az->ctx->files_min_partitions
                                                          : az->ctx->default_parallelism,
  };
  if (so.open_cost == 0) so.open_cost = (int64_t)4 << 20;
  if (em_io_plan_splits(sp->files, sp->nfiles, fmt, o, &so, A, &sp->splits, &sp->nsplits, &sp->part_start,
                        &sp->nparts, az->err)) {
    n = NULL;
    goto out;
  }
out:
  em_type_unref(schema);
  em_file_index_free(ix);
  return n;
}
