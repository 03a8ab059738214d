/*
 * The text forms Spark gives a data type: simpleString ("bigint",
 * "struct<a:int>"), sql ("BIGINT", "STRUCT<a: INT NOT NULL COMMENT 'x'>")
 * and typeName ("long", "array"), each matching Spark 4.2 character for
 * character (recorded in tests/oracle/types).
 */
#include "types.h"
#include "types_int.h"

#include <stdio.h>
#include <string.h>

const char *em_types_ym_field_name(int f) { return f == EM_YM_YEAR ? "year" : "month"; }

const char *em_types_dt_field_name(int f) {
  static const char *const names[] = {"day", "hour", "minute", "second"};
  return (f >= 0 && f <= 3) ? names[f] : "second";
}

/* "interval day to second", or "interval day" when start == end. */
static int interval_text(const em_type *t, em_strbuf *sb, bool upper) {
  const char *(*name)(int) = t->id == EM_T_YM_INTERVAL ? em_types_ym_field_name : em_types_dt_field_name;
  const char *s = name(t->u.interval.start), *e = name(t->u.interval.end);
  char buf[64];
  size_t n = 0;
  n += (size_t)snprintf(buf, sizeof buf, "interval %s", s);
  if (t->u.interval.start != t->u.interval.end) n += (size_t)snprintf(buf + n, sizeof buf - n, " to %s", e);
  if (upper)
    for (size_t i = 0; i < n; i++) buf[i] = (char)(buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i]);
  return em_strbuf_append(sb, buf, n);
}

/* Names shared by simpleString and typeName where they agree. */
static const char *common_name(em_type_id id) {
  switch (id) {
  case EM_T_NULL: return "void";
  case EM_T_BOOLEAN: return "boolean";
  case EM_T_FLOAT: return "float";
  case EM_T_DOUBLE: return "double";
  case EM_T_STRING: return "string";
  case EM_T_BINARY: return "binary";
  case EM_T_DATE: return "date";
  case EM_T_TIMESTAMP: return "timestamp";
  case EM_T_TIMESTAMP_NTZ: return "timestamp_ntz";
  case EM_T_CAL_INTERVAL: return "interval";
  case EM_T_VARIANT: return "variant";
  default: return NULL;
  }
}

/* Parameterised leaves: the same in simpleString, typeName and JSON. */
static int param_leaf(const em_type *t, em_strbuf *sb) {
  switch (t->id) {
  case EM_T_DECIMAL: return em_strbuf_printf(sb, "decimal(%d,%d)", t->u.dec.precision, t->u.dec.scale);
  case EM_T_CHAR: return em_strbuf_printf(sb, "char(%d)", (int)t->u.length);
  case EM_T_VARCHAR: return em_strbuf_printf(sb, "varchar(%d)", (int)t->u.length);
  case EM_T_TIME: return em_strbuf_printf(sb, "time(%d)", (int)t->u.precision);
  case EM_T_DT_INTERVAL:
  case EM_T_YM_INTERVAL: return interval_text(t, sb, false);
  default: return 1; /* not a parameterised leaf */
  }
}

int em_types_type_name(const em_type *t, em_strbuf *sb) {
  const char *n = common_name(t->id);
  if (n) return em_strbuf_puts(sb, n);
  int r = param_leaf(t, sb);
  if (r <= 0) return r;
  switch (t->id) {
  case EM_T_BYTE: return em_strbuf_puts(sb, "byte");
  case EM_T_SHORT: return em_strbuf_puts(sb, "short");
  case EM_T_INT: return em_strbuf_puts(sb, "integer");
  case EM_T_LONG: return em_strbuf_puts(sb, "long");
  case EM_T_ARRAY: return em_strbuf_puts(sb, "array");
  case EM_T_MAP: return em_strbuf_puts(sb, "map");
  case EM_T_STRUCT: return em_strbuf_puts(sb, "struct");
  default: return em_strbuf_puts(sb, "unknown");
  }
}

int em_type_simple_string(const em_type *t, em_strbuf *sb) {
  const char *n = common_name(t->id);
  if (n) return em_strbuf_puts(sb, n);
  int r = param_leaf(t, sb);
  if (r <= 0) return r;
  switch (t->id) {
  case EM_T_BYTE: return em_strbuf_puts(sb, "tinyint");
  case EM_T_SHORT: return em_strbuf_puts(sb, "smallint");
  case EM_T_INT: return em_strbuf_puts(sb, "int");
  case EM_T_LONG: return em_strbuf_puts(sb, "bigint");
  case EM_T_ARRAY:
    em_strbuf_puts(sb, "array<");
    em_type_simple_string(t->u.array.elem, sb);
    return em_strbuf_putc(sb, '>');
  case EM_T_MAP:
    em_strbuf_puts(sb, "map<");
    em_type_simple_string(t->u.map.key, sb);
    em_strbuf_putc(sb, ',');
    em_type_simple_string(t->u.map.value, sb);
    return em_strbuf_putc(sb, '>');
  case EM_T_STRUCT: {
    /* Spark's truncatedString: past the limit, keep `limit` fields and say
     * how many more there are (observed: 30 fields -> 25 + "... 5 more"). */
    int nf = t->u.st.nfields, shown = nf;
    if (nf > EM_TYPES_MAX_TO_STRING_FIELDS) shown = EM_TYPES_MAX_TO_STRING_FIELDS;
    em_strbuf_puts(sb, "struct<");
    for (int i = 0; i < shown; i++) {
      if (i) em_strbuf_putc(sb, ',');
      em_strbuf_puts(sb, t->u.st.fields[i].name);
      em_strbuf_putc(sb, ':');
      em_type_simple_string(t->u.st.fields[i].type, sb);
    }
    if (shown < nf) em_strbuf_printf(sb, ",... %d more fields", nf - shown);
    return em_strbuf_putc(sb, '>');
  }
  default: return em_strbuf_puts(sb, "unknown");
  }
}

/* Spark's QuotingUtils.quoteIfNeeded: plain when ^[a-zA-Z_][a-zA-Z0-9_]*$. */
static int quote_if_needed(em_strbuf *sb, const char *name) {
  bool plain = (name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
  for (const char *p = name; plain && *p; p++)
    plain = *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
  if (plain) return em_strbuf_puts(sb, name);
  em_strbuf_putc(sb, '`');
  for (const char *p = name; *p; p++) {
    if (*p == '`') em_strbuf_putc(sb, '`');
    em_strbuf_putc(sb, *p);
  }
  return em_strbuf_putc(sb, '`');
}

int em_type_sql(const em_type *t, em_strbuf *sb) {
  switch (t->id) {
  case EM_T_NULL: return em_strbuf_puts(sb, "VOID");
  case EM_T_BOOLEAN: return em_strbuf_puts(sb, "BOOLEAN");
  case EM_T_BYTE: return em_strbuf_puts(sb, "TINYINT");
  case EM_T_SHORT: return em_strbuf_puts(sb, "SMALLINT");
  case EM_T_INT: return em_strbuf_puts(sb, "INT");
  case EM_T_LONG: return em_strbuf_puts(sb, "BIGINT");
  case EM_T_FLOAT: return em_strbuf_puts(sb, "FLOAT");
  case EM_T_DOUBLE: return em_strbuf_puts(sb, "DOUBLE");
  case EM_T_STRING: return em_strbuf_puts(sb, "STRING");
  case EM_T_BINARY: return em_strbuf_puts(sb, "BINARY");
  case EM_T_DATE: return em_strbuf_puts(sb, "DATE");
  case EM_T_TIMESTAMP: return em_strbuf_puts(sb, "TIMESTAMP");
  case EM_T_TIMESTAMP_NTZ: return em_strbuf_puts(sb, "TIMESTAMP_NTZ");
  case EM_T_CAL_INTERVAL: return em_strbuf_puts(sb, "INTERVAL");
  case EM_T_VARIANT: return em_strbuf_puts(sb, "VARIANT");
  case EM_T_DECIMAL: return em_strbuf_printf(sb, "DECIMAL(%d,%d)", t->u.dec.precision, t->u.dec.scale);
  case EM_T_CHAR: return em_strbuf_printf(sb, "CHAR(%d)", (int)t->u.length);
  case EM_T_VARCHAR: return em_strbuf_printf(sb, "VARCHAR(%d)", (int)t->u.length);
  case EM_T_TIME: return em_strbuf_printf(sb, "TIME(%d)", (int)t->u.precision);
  case EM_T_DT_INTERVAL:
  case EM_T_YM_INTERVAL: return interval_text(t, sb, true);
  case EM_T_ARRAY:
    em_strbuf_puts(sb, "ARRAY<");
    em_type_sql(t->u.array.elem, sb);
    return em_strbuf_putc(sb, '>');
  case EM_T_MAP:
    em_strbuf_puts(sb, "MAP<");
    em_type_sql(t->u.map.key, sb);
    em_strbuf_puts(sb, ", ");
    em_type_sql(t->u.map.value, sb);
    return em_strbuf_putc(sb, '>');
  case EM_T_STRUCT: {
    em_strbuf comment;
    em_strbuf_init(&comment);
    em_strbuf_puts(sb, "STRUCT<");
    for (int i = 0; i < t->u.st.nfields; i++) {
      const em_field *f = &t->u.st.fields[i];
      if (i) em_strbuf_puts(sb, ", ");
      quote_if_needed(sb, f->name);
      em_strbuf_puts(sb, ": ");
      em_type_sql(f->type, sb);
      if (!f->nullable) em_strbuf_puts(sb, " NOT NULL");
      em_strbuf_reset(&comment);
      if (em_types_metadata_comment(f->metadata, &comment)) {
        /* Spark's escapeSingleQuotedString escapes only the quote. */
        em_strbuf_puts(sb, " COMMENT '");
        for (size_t k = 0; k < comment.len; k++) {
          if (comment.data[k] == '\'') em_strbuf_putc(sb, '\\');
          em_strbuf_putc(sb, comment.data[k]);
        }
        em_strbuf_putc(sb, '\'');
      }
    }
    bool oom = comment.oom;
    em_strbuf_free(&comment);
    if (oom) sb->oom = true;
    return em_strbuf_putc(sb, '>');
  }
  default: return em_strbuf_puts(sb, "UNKNOWN");
  }
}
