/*
 * printSchema text: Spark's StructType.treeString(level). Each nesting
 * level costs one unit of depth; a struct inside an array inside a struct
 * field is two levels below that field, exactly as Spark counts.
 */
#include "types.h"
#include "types_int.h"

#include <string.h>

/* Spark's escapeMetaCharacters for field names in the tree. */
static void put_escaped_name(em_strbuf *sb, const char *name) {
  for (const char *p = name; *p; p++) {
    switch (*p) {
    case '\n': em_strbuf_puts(sb, "\\n"); break;
    case '\r': em_strbuf_puts(sb, "\\r"); break;
    case '\t': em_strbuf_puts(sb, "\\t"); break;
    case '\f': em_strbuf_puts(sb, "\\f"); break;
    case '\b': em_strbuf_puts(sb, "\\b"); break;
    case '\v': em_strbuf_puts(sb, "\\v"); break;
    case '\a': em_strbuf_puts(sb, "\\a"); break;
    default: em_strbuf_putc(sb, *p);
    }
  }
}

static void nested(const em_type *t, em_strbuf *prefix, em_strbuf *sb, int depth);

/* One "-- name: type (...)" line under `prefix`, then its children one
 * level deeper with "    |" appended to the prefix. */
static void line(em_strbuf *sb, em_strbuf *prefix, const char *label, bool escape, const em_type *t,
                 const char *flag, bool flag_value, int depth) {
  em_strbuf_append(sb, prefix->data, prefix->len);
  em_strbuf_puts(sb, "-- ");
  if (escape) put_escaped_name(sb, label);
  else em_strbuf_puts(sb, label);
  em_strbuf_puts(sb, ": ");
  em_types_type_name(t, sb);
  if (flag) em_strbuf_printf(sb, " (%s = %s)", flag, flag_value ? "true" : "false");
  em_strbuf_putc(sb, '\n');
  size_t keep = prefix->len;
  em_strbuf_puts(prefix, "    |");
  nested(t, prefix, sb, depth);
  prefix->len = keep;
  if (prefix->data) prefix->data[keep] = '\0';
}

static void fields(const em_type *st, em_strbuf *prefix, em_strbuf *sb, int depth) {
  if (depth <= 0) return;
  for (int i = 0; i < st->u.st.nfields; i++) {
    const em_field *f = &st->u.st.fields[i];
    line(sb, prefix, f->name, true, f->type, "nullable", f->nullable, depth);
  }
}

static void nested(const em_type *t, em_strbuf *prefix, em_strbuf *sb, int depth) {
  int d = depth - 1;
  switch (t->id) {
  case EM_T_STRUCT: fields(t, prefix, sb, d); break;
  case EM_T_ARRAY:
    if (d > 0) line(sb, prefix, "element", false, t->u.array.elem, "containsNull", t->u.array.contains_null, d);
    break;
  case EM_T_MAP:
    if (d > 0) {
      line(sb, prefix, "key", false, t->u.map.key, NULL, false, d);
      line(sb, prefix, "value", false, t->u.map.value, "valueContainsNull", t->u.map.value_contains_null, d);
    }
    break;
  default: break;
  }
}

int em_type_tree_string(const em_type *schema, int level, em_strbuf *sb) {
  em_strbuf prefix;
  em_strbuf_init(&prefix);
  em_strbuf_puts(&prefix, " |");
  em_strbuf_puts(sb, "root\n");
  if (schema->id == EM_T_STRUCT) fields(schema, &prefix, sb, level > 0 ? level : 0x7fffffff);
  bool oom = prefix.oom;
  em_strbuf_free(&prefix);
  if (oom) sb->oom = true;
  return sb->oom ? -1 : 0;
}
