/*
 * Spark's schema in a Parquet footer (org.apache.spark.sql.parquet.row.
 * metadata, written by Spark and by Ember's writer): Spark reads it instead
 * of converting the Parquet schema. Ember keeps the Parquet-derived schema
 * and takes from Spark's only what Parquet cannot express: top-level
 * ANSI interval columns (stored as INT32 months / INT64 microseconds) and
 * void columns (an all-null BOOLEAN). A schema that does not parse or does
 * not match the file's columns is ignored.
 */
#include "parquet_int.h"

#include <string.h>

static bool takes(const em_type *file, const em_type *spark) {
  return (file->id == EM_T_INT && spark->id == EM_T_YM_INTERVAL) ||
         (file->id == EM_T_LONG && spark->id == EM_T_DT_INTERVAL) ||
         (file->id == EM_T_BOOLEAN && spark->id == EM_T_NULL);
}

em_type *em_pq_spark_types(const em_pq_meta *m, em_type *file_type) {
  if (!m->spark_schema) return em_type_ref(file_type);
  em_error err;
  em_type *sp = em_type_parse_json((const char *)m->spark_schema, m->spark_schema_len, &err);
  if (!sp) return em_type_ref(file_type);
  int n = file_type->u.st.nfields;
  bool any = false;
  if (sp->id == EM_T_STRUCT && sp->u.st.nfields == n)
    for (int i = 0; i < n; i++) {
      const em_field *a = &file_type->u.st.fields[i], *b = &sp->u.st.fields[i];
      if (strcmp(a->name, b->name) != 0) {
        any = false;
        break;
      }
      any |= takes(a->type, b->type);
    }
  if (!any) {
    em_type_unref(sp);
    return em_type_ref(file_type);
  }
  em_type *out = em_type_struct_new(n);
  for (int i = 0; out && i < n; i++) {
    const em_field *a = &file_type->u.st.fields[i], *b = &sp->u.st.fields[i];
    em_type *t = takes(a->type, b->type) ? b->type : a->type;
    if (em_type_struct_set(out, i, a->name, em_type_ref(t), a->nullable, a->metadata)) {
      em_type_unref(out);
      out = NULL;
    }
  }
  em_type_unref(sp);
  return out;
}
