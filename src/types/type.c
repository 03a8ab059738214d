/*
 * em_type: the static singletons for primitive types, constructors for the
 * parameterised and nested ones, reference counting, structural equality
 * and the small predicates the rest of the engine asks about a type.
 *
 * Singletons carry refcnt -1 so ref/unref never touch them; everything else
 * is heap-allocated with refcnt 1 and freed (with its children, field names
 * and metadata) when the count drops to zero.
 */
#include "types.h"
#include "types_int.h"

#include <string.h>

#define EM_STATIC_TYPE(id) {(id), -1, {{0, 0}}}

static em_type t_null = EM_STATIC_TYPE(EM_T_NULL);
static em_type t_boolean = EM_STATIC_TYPE(EM_T_BOOLEAN);
static em_type t_byte = EM_STATIC_TYPE(EM_T_BYTE);
static em_type t_short = EM_STATIC_TYPE(EM_T_SHORT);
static em_type t_int = EM_STATIC_TYPE(EM_T_INT);
static em_type t_long = EM_STATIC_TYPE(EM_T_LONG);
static em_type t_float = EM_STATIC_TYPE(EM_T_FLOAT);
static em_type t_double = EM_STATIC_TYPE(EM_T_DOUBLE);
static em_type t_string = EM_STATIC_TYPE(EM_T_STRING);
static em_type t_binary = EM_STATIC_TYPE(EM_T_BINARY);
static em_type t_date = EM_STATIC_TYPE(EM_T_DATE);
static em_type t_timestamp = EM_STATIC_TYPE(EM_T_TIMESTAMP);
static em_type t_timestamp_ntz = EM_STATIC_TYPE(EM_T_TIMESTAMP_NTZ);
static em_type t_cal_interval = EM_STATIC_TYPE(EM_T_CAL_INTERVAL);
static em_type t_variant = EM_STATIC_TYPE(EM_T_VARIANT);

em_type *em_type_null(void) { return &t_null; }
em_type *em_type_boolean(void) { return &t_boolean; }
em_type *em_type_byte(void) { return &t_byte; }
em_type *em_type_short(void) { return &t_short; }
em_type *em_type_int(void) { return &t_int; }
em_type *em_type_long(void) { return &t_long; }
em_type *em_type_float(void) { return &t_float; }
em_type *em_type_double(void) { return &t_double; }
em_type *em_type_string(void) { return &t_string; }
em_type *em_type_binary(void) { return &t_binary; }
em_type *em_type_date(void) { return &t_date; }
em_type *em_type_timestamp(void) { return &t_timestamp; }
em_type *em_type_timestamp_ntz(void) { return &t_timestamp_ntz; }
em_type *em_type_cal_interval(void) { return &t_cal_interval; }
em_type *em_type_variant(void) { return &t_variant; }

em_type *em_type_primitive(em_type_id id) {
  switch (id) {
  case EM_T_NULL: return &t_null;
  case EM_T_BOOLEAN: return &t_boolean;
  case EM_T_BYTE: return &t_byte;
  case EM_T_SHORT: return &t_short;
  case EM_T_INT: return &t_int;
  case EM_T_LONG: return &t_long;
  case EM_T_FLOAT: return &t_float;
  case EM_T_DOUBLE: return &t_double;
  case EM_T_STRING: return &t_string;
  case EM_T_BINARY: return &t_binary;
  case EM_T_DATE: return &t_date;
  case EM_T_TIMESTAMP: return &t_timestamp;
  case EM_T_TIMESTAMP_NTZ: return &t_timestamp_ntz;
  case EM_T_CAL_INTERVAL: return &t_cal_interval;
  case EM_T_VARIANT: return &t_variant;
  default: return NULL;
  }
}

static em_type *type_alloc(em_type_id id) {
  em_type *t = em_calloc(1, sizeof *t);
  if (!t) return NULL;
  t->id = id;
  atomic_init(&t->refcnt, 1);
  return t;
}

/* The constructors do not validate ranges (the parsers do, with Spark's
 * error classes); they only clamp into the storage fields' range so a bad
 * caller cannot produce a type whose text forms overflow. */
em_type *em_type_decimal(int precision, int scale) {
  em_type *t = type_alloc(EM_T_DECIMAL);
  if (!t) return NULL;
  t->u.dec.precision = (uint8_t)(precision < 0 ? 0 : precision > 255 ? 255 : precision);
  t->u.dec.scale = (uint8_t)(scale < 0 ? 0 : scale > 255 ? 255 : scale);
  return t;
}

static em_type *interval_new(em_type_id id, int start, int end) {
  em_type *t = type_alloc(id);
  if (!t) return NULL;
  t->u.interval.start = (uint8_t)start;
  t->u.interval.end = (uint8_t)end;
  return t;
}

em_type *em_type_dt_interval(int start, int end) { return interval_new(EM_T_DT_INTERVAL, start, end); }
em_type *em_type_ym_interval(int start, int end) { return interval_new(EM_T_YM_INTERVAL, start, end); }

em_type *em_type_char(int length) {
  em_type *t = type_alloc(EM_T_CHAR);
  if (t) t->u.length = length;
  return t;
}

em_type *em_type_varchar(int length) {
  em_type *t = type_alloc(EM_T_VARCHAR);
  if (t) t->u.length = length;
  return t;
}

em_type *em_type_time(int precision) {
  em_type *t = type_alloc(EM_T_TIME);
  if (t) t->u.precision = precision;
  return t;
}

em_type *em_type_array(em_type *elem, bool contains_null) {
  if (!elem) return NULL;
  em_type *t = type_alloc(EM_T_ARRAY);
  if (!t) {
    em_type_unref(elem);
    return NULL;
  }
  t->u.array.elem = elem;
  t->u.array.contains_null = contains_null;
  return t;
}

em_type *em_type_map(em_type *key, em_type *value, bool value_contains_null) {
  em_type *t = (key && value) ? type_alloc(EM_T_MAP) : NULL;
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
  if (n < 0) return NULL;
  em_type *t = type_alloc(EM_T_STRUCT);
  if (!t) return NULL;
  if (n > 0) {
    t->u.st.fields = em_calloc((size_t)n, sizeof(em_field));
    if (!t->u.st.fields) {
      em_free(t);
      return NULL;
    }
  }
  t->u.st.nfields = n;
  return t;
}

int em_type_struct_set(em_type *st, int i, const char *name, em_type *type, bool nullable, const char *metadata) {
  if (!st || st->id != EM_T_STRUCT || i < 0 || i >= st->u.st.nfields || !type || !name) {
    em_type_unref(type);
    return -1;
  }
  em_field *f = &st->u.st.fields[i];
  char *n = em_strdup(name);
  char *m = (metadata && strcmp(metadata, "{}") != 0) ? em_strdup(metadata) : NULL;
  if (!n || (metadata && strcmp(metadata, "{}") != 0 && !m)) {
    em_free(n);
    em_free(m);
    em_type_unref(type);
    return -1;
  }
  em_free(f->name);
  em_free(f->metadata);
  em_type_unref(f->type);
  f->name = n;
  f->type = type;
  f->nullable = nullable;
  f->metadata = m;
  return 0;
}

em_type *em_type_ref(em_type *t) {
  if (t && atomic_load_explicit(&t->refcnt, memory_order_relaxed) >= 0)
    atomic_fetch_add_explicit(&t->refcnt, 1, memory_order_relaxed);
  return t;
}

void em_type_unref(em_type *t) {
  if (!t || atomic_load_explicit(&t->refcnt, memory_order_relaxed) < 0) return;
  if (atomic_fetch_sub_explicit(&t->refcnt, 1, memory_order_acq_rel) != 1) return;
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

/* Metadata NULL and "{}" both mean empty. */
static bool metadata_equal(const char *a, const char *b) {
  if (!a || strcmp(a, "{}") == 0) return !b || strcmp(b, "{}") == 0;
  return b && strcmp(a, b) == 0;
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
    return (ignore_nullability || a->u.array.contains_null == b->u.array.contains_null) &&
           em_type_equal(a->u.array.elem, b->u.array.elem, ignore_nullability);
  case EM_T_MAP:
    return (ignore_nullability || a->u.map.value_contains_null == b->u.map.value_contains_null) &&
           em_type_equal(a->u.map.key, b->u.map.key, ignore_nullability) &&
           em_type_equal(a->u.map.value, b->u.map.value, ignore_nullability);
  case EM_T_STRUCT:
    if (a->u.st.nfields != b->u.st.nfields) return false;
    for (int i = 0; i < a->u.st.nfields; i++) {
      const em_field *fa = &a->u.st.fields[i], *fb = &b->u.st.fields[i];
      if (!fa->name || !fb->name || strcmp(fa->name, fb->name) != 0) return false;
      if (!ignore_nullability && (fa->nullable != fb->nullable || !metadata_equal(fa->metadata, fb->metadata)))
        return false;
      if (!em_type_equal(fa->type, fb->type, ignore_nullability)) return false;
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
  case EM_T_DATE:
  case EM_T_YM_INTERVAL:
  case EM_T_FLOAT: return 4;
  case EM_T_LONG:
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
  case EM_T_DT_INTERVAL:
  case EM_T_TIME:
  case EM_T_DOUBLE: return 8;
  case EM_T_DECIMAL:
  case EM_T_CAL_INTERVAL: return 16;
  default: return 0; /* BOOLEAN is bit-packed; the rest have no fixed-width buffer */
  }
}

bool em_type_is_integral(const em_type *t) {
  return t->id == EM_T_BYTE || t->id == EM_T_SHORT || t->id == EM_T_INT || t->id == EM_T_LONG;
}

bool em_type_is_numeric(const em_type *t) {
  return em_type_is_integral(t) || t->id == EM_T_FLOAT || t->id == EM_T_DOUBLE || t->id == EM_T_DECIMAL;
}

bool em_type_is_string_like(const em_type *t) {
  return t->id == EM_T_STRING || t->id == EM_T_CHAR || t->id == EM_T_VARCHAR;
}

bool em_type_is_nested(const em_type *t) {
  return t->id == EM_T_ARRAY || t->id == EM_T_MAP || t->id == EM_T_STRUCT;
}
