/*
 * Internals shared by the files of src/types: names of interval fields,
 * Spark's typeName, and JSON string escaping as Spark's json4s writes it.
 */
#ifndef EM_TYPES_INT_H
#define EM_TYPES_INT_H

#include "types.h"

#define EM_HIDDEN __attribute__((visibility("hidden")))

/* Spark caps simpleString of wide structs (spark.sql.debug.maxToStringFields). */
#define EM_TYPES_MAX_TO_STRING_FIELDS 25

/* "year", "month" / "day", "hour", "minute", "second". */
EM_HIDDEN const char *em_types_ym_field_name(int f);
EM_HIDDEN const char *em_types_dt_field_name(int f);

/* Spark's DataType.typeName: "integer", "long", "decimal(10,2)", "array",
 * "interval day to second"... (the leaf name printSchema shows, and the JSON
 * name of every non-nested type). */
EM_HIDDEN int em_types_type_name(const em_type *t, em_strbuf *sb);

/* Appends s (n bytes) as a quoted JSON string, escaping as json4s does. */
EM_HIDDEN int em_types_json_quote(em_strbuf *sb, const char *s, size_t n);

/* Extracts the top-level "comment" string of a field's metadata JSON into
 * out (unescaped); false when there is none. */
EM_HIDDEN bool em_types_metadata_comment(const char *metadata, em_strbuf *out);

#endif
