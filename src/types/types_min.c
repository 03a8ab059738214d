/* temporary, replaced by types.c: the minimal em_type subset that src/arrow needs to build and test. */
/*
 * Only constructors, ref/unref, singletons, fixed_width, equality and the
 * type predicates are here; the text forms and parsers are not. The lead
 * drops this file when the real src/types/types.c is merged.
 */
#include "types.h"

#include <stdatomic.h>
#include <string.h>

#define EM_STATIC_TYPE(fn, tid)                            \
  em_type *fn(void) {                                      \
    static em_type t = {.id = tid, .refcnt = -1};          \
    return &t;                                             \
  }
EM_STATIC_TYPE(em_type_null, EM_T_NULL)
EM_STATIC_TYPE(em_type_boolean, EM_T_BOOLEAN)
EM_STATIC_TYPE(em_type_byte, EM_T_BYTE)
EM_STATIC_TYPE(em_type_short, EM_T_SHORT)
EM_STATIC_TYPE(em_type_int, EM_T_INT)
EM_STATIC_TYPE(em_type_long, EM_T_LONG)
EM_STATIC_TYPE(em_type_float, EM_T_FLOAT)
EM_STATIC_TYPE(em_type_double, EM_T_DOUBLE)
EM_STATIC_TYPE(em_type_string, EM_T_STRING)
EM_STATIC_TYPE(em_type_binary, EM_T_BINARY)
EM_STATIC_TYPE(em_type_date, EM_T_DATE)
EM_STATIC_TYPE(em_type_timestamp, EM_T_TIMESTAMP)
EM_STATIC_TYPE(em_type_timestamp_ntz, EM_T_TIMESTAMP_NTZ)
EM_STATIC_TYPE(em_type_cal_interval, EM_T_CAL_INTERVAL)
EM_STATIC_TYPE(em_type_variant, EM_T_VARIANT)
#undef EM_STATIC_TYPE

em_type *em_type_primitive(em_type_id id) {
  switch (id) {
  case EM_T_NULL: return em_type_null();
  case EM_T_BOOLEAN: return em_type_boolean();
  case EM_T_BYTE: return em_type_byte();
  case EM_T_SHORT: return em_type_short();
  case EM_T_INT: return em_type_int();
  case EM_T_LONG: return em_type_long();
  case EM_T_FLOAT: return em_type_float();
  case EM_T_DOUBLE: return em_type_double();
  case EM_T_STRING: return em_type_string();
  case EM_T_BINARY: return em_type_binary();
  case EM_T_DATE: return em_type_date();
  case EM_T_TIMESTAMP: return em_type_timestamp();
  case EM_T_TIMESTAMP_NTZ: return em_type_timestamp_ntz();
  case EM_T_CAL_INTERVAL: return em_type_cal_interval();
  case EM_T_VARIANT: return em_type_variant();
  default: return NULL;
  }
}

static em_type *alloc_type(em_type_id id) {
  em_type *t = em_calloc(1, sizeof *t);
  if (!t) return NULL;
  t->id = id;
  atomic_store(&t->refcnt, 1);
  return t;
}

em_type *em_type_decimal(int precision, int scale) {
  em_type *t = alloc_type(EM_T_DECIMAL);
  if (t) t->u.dec.precision = (uint8_t)precision, t->u.dec.scale = (uint8_t)scale;
  return t;
}

em_type *em_type_dt_interval(int start, int end) {
  em_type *t = alloc_type(EM_T_DT_INTERVAL);
  if (t) t->u.interval.start = (uint8_t)start, t->u.interval.end = (uint8_t)end;
  return t;
}

em_type *em_type_ym_interval(int start, int end) {
  em_type *t = alloc_type(EM_T_YM_INTERVAL);
  if (t) t->u.interval.start = (uint8_t)start, t->u.interval.end = (uint8_t)end;
  return t;
}

em_type *em_type_char(int length) {
  em_type *t = alloc_type(EM_T_CHAR);
  if (t) t->u.length = length;
  return t;
}

em_type *em_type_varchar(int length) {
  em_type *t = alloc_type(EM_T_VARCHAR);
  if (t) t->u.length = length;
  return t;
}

em_type *em_type_time(int precision) {
  em_type *t = alloc_type(EM_T_TIME);
  if (t) t->u.precision = precision;
  return t;
}

em_type *em_type_array(em_type *elem, bool contains_null) {
  em_type *t = alloc_type(EM_T_ARRAY);
  if (!t) {
    em_type_unref(elem);
    return NULL;
  }
  t->u.array.elem = elem;
  t->u.array.contains_null = contains_null;
  return t;
}

em_type *em_type_map(em_type *key, em_type *value, bool value_contains_null) {
  em_type *t = alloc_type(EM_T_MAP);
  if (!t) {
    em_type_unref(key);
    em_type_unref(value);
    return NULL;
  }
  t->u.map.key = key;
  t->u.map.value = value;
  t->u.map.value_contains_null = value_contains_null;
  return t;
}

em_type *em_type_struct_new(int n) {
  em_type *t = alloc_type(EM_T_STRUCT);
  if (!t) return NULL;
  t->u.st.fields = em_calloc((size_t)(n > 0 ? n : 1), sizeof(em_field));
  if (!t->u.st.fields) {
    em_free(t);
    return NULL;
  }
  t->u.st.nfields = n;
  return t;
}

int em_type_struct_set(em_type *st, int i, const char *name, em_type *type, bool nullable, const char *metadata) {
  em_field *f = &st->u.st.fields[i];
  char *nm = em_strdup(name ? name : "");
  char *md = metadata ? em_strdup(metadata) : NULL;
  if (!nm || (metadata && !md)) {
    em_free(nm);
    em_free(md);
    em_type_unref(type);
    return -1;
  }
  em_free(f->name);
  em_free(f->metadata);
  em_type_unref(f->type);
  f->name = nm;
  f->metadata = md;
  f->type = type;
  f->nullable = nullable;
  return 0;
}

em_type *em_type_ref(em_type *t) {
  if (t && atomic_load(&t->refcnt) >= 0) atomic_fetch_add(&t->refcnt, 1);
  return t;
}

void em_type_unref(em_type *t) {
  if (!t || atomic_load(&t->refcnt) < 0) return;
  if (atomic_fetch_sub(&t->refcnt, 1) != 1) return;
  switch (t->id) {
  case EM_T_ARRAY: em_type_unref(t->u.array.elem); break;
  case EM_T_MAP:
    em_type_unref(t->u.map.key);
    em_type_unref(t->u.map.value);
    break;
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++) {
      em_free(t->u.st.fields[i].name);
      em_free(t->u.st.fields[i].metadata);
      em_type_unref(t->u.st.fields[i].type);
    }
    em_free(t->u.st.fields);
    break;
  default: break;
  }
  em_free(t);
}

static bool md_equal(const char *a, const char *b) {
  if (a && strcmp(a, "{}") == 0) a = NULL;
  if (b && strcmp(b, "{}") == 0) b = NULL;
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

bool em_type_equal(const em_type *a, const em_type *b, bool ignore_nullability) {
  if (a == b) return true;
  if (!a || !b || a->id != b->id) return false;
  switch (a->id) {
  case EM_T_DECIMAL: return a->u.dec.precision == b->u.dec.precision && a->u.dec.scale == b->u.dec.scale;
  case EM_T_DT_INTERVAL:
  case EM_T_YM_INTERVAL:
    return a->u.interval.start == b->u.interval.start && a->u.interval.end == b->u.interval.end;
  case EM_T_CHAR:
  case EM_T_VARCHAR: return a->u.length == b->u.length;
  case EM_T_TIME: return a->u.precision == b->u.precision;
  case EM_T_ARRAY:
    return em_type_equal(a->u.array.elem, b->u.array.elem, ignore_nullability) &&
           (ignore_nullability || a->u.array.contains_null == b->u.array.contains_null);
  case EM_T_MAP:
    return em_type_equal(a->u.map.key, b->u.map.key, ignore_nullability) &&
           em_type_equal(a->u.map.value, b->u.map.value, ignore_nullability) &&
           (ignore_nullability || a->u.map.value_contains_null == b->u.map.value_contains_null);
  case EM_T_STRUCT:
    if (a->u.st.nfields != b->u.st.nfields) return false;
    for (int i = 0; i < a->u.st.nfields; i++) {
      const em_field *fa = &a->u.st.fields[i], *fb = &b->u.st.fields[i];
      if (strcmp(fa->name ? fa->name : "", fb->name ? fb->name : "") != 0) return false;
      if (!em_type_equal(fa->type, fb->type, ignore_nullability)) return false;
      if (!ignore_nullability && (fa->nullable != fb->nullable || !md_equal(fa->metadata, fb->metadata)))
        return false;
    }
    return true;
  default: return true;
  }
}

int em_type_fixed_width(const em_type *t) {
  switch (t->id) {
  case EM_T_BYTE: return 1;
  case EM_T_SHORT: return 2;
  case EM_T_INT:
  case EM_T_FLOAT:
  case EM_T_DATE:
  case EM_T_YM_INTERVAL: return 4;
  case EM_T_LONG:
  case EM_T_DOUBLE:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME: return 8;
  case EM_T_DECIMAL:
  case EM_T_CAL_INTERVAL: return 16;
  default: return 0;
  }
}

bool em_type_is_string_like(const em_type *t) {
  return t->id == EM_T_STRING || t->id == EM_T_CHAR || t->id == EM_T_VARCHAR;
}

bool em_type_is_nested(const em_type *t) {
  return t->id == EM_T_ARRAY || t->id == EM_T_MAP || t->id == EM_T_STRUCT;
}
