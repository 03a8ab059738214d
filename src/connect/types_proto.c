/*
 * Spark data types to and from the protocol's DataType message.
 *
 * Spark's output sets both decimal fields and both interval fields
 * explicitly; `nullable: false` is simply omitted (proto3 default).
 */
#include "connect_int.h"

#include <string.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)

/* Every leaf kind message has the same layout: base + type_variation_reference. */
typedef struct leaf_msg {
  ProtobufCMessage base;
  uint32_t type_variation_reference;
} leaf_msg;

static void *leaf(em_arena *a, const ProtobufCMessageDescriptor *d) {
  leaf_msg *m = em_arena_calloc(a, d->sizeof_message > sizeof(leaf_msg) ? d->sizeof_message : sizeof(leaf_msg));
  if (m) protobuf_c_message_init(d, m);
  return m;
}

Spark__Connect__DataType *em_type_to_proto(const em_type *t, em_arena *a) {
  Spark__Connect__DataType *dt = em_arena_calloc(a, sizeof *dt);
  if (!dt) return NULL;
  spark__connect__data_type__init(dt);
  switch (t->id) {
#define LEAF(ID, KIND, FIELD, DESC)                                 \
  case ID:                                                          \
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_##KIND;         \
    if (!(dt->FIELD = leaf(a, &DESC))) return NULL;                 \
    break;
    LEAF(EM_T_NULL, NULL, null, spark__connect__data_type__null__descriptor)
    LEAF(EM_T_BOOLEAN, BOOLEAN, boolean, spark__connect__data_type__boolean__descriptor)
    LEAF(EM_T_BYTE, BYTE, byte, spark__connect__data_type__byte__descriptor)
    LEAF(EM_T_SHORT, SHORT, short_, spark__connect__data_type__short__descriptor)
    LEAF(EM_T_INT, INTEGER, integer, spark__connect__data_type__integer__descriptor)
    LEAF(EM_T_LONG, LONG, long_, spark__connect__data_type__long__descriptor)
    LEAF(EM_T_FLOAT, FLOAT, float_, spark__connect__data_type__float__descriptor)
    LEAF(EM_T_DOUBLE, DOUBLE, double_, spark__connect__data_type__double__descriptor)
    LEAF(EM_T_STRING, STRING, string, spark__connect__data_type__string__descriptor)
    LEAF(EM_T_BINARY, BINARY, binary, spark__connect__data_type__binary__descriptor)
    LEAF(EM_T_DATE, DATE, date, spark__connect__data_type__date__descriptor)
    LEAF(EM_T_TIMESTAMP, TIMESTAMP, timestamp, spark__connect__data_type__timestamp__descriptor)
    LEAF(EM_T_TIMESTAMP_NTZ, TIMESTAMP_NTZ, timestamp_ntz, spark__connect__data_type__timestamp_ntz__descriptor)
    LEAF(EM_T_CAL_INTERVAL, CALENDAR_INTERVAL, calendar_interval,
         spark__connect__data_type__calendar_interval__descriptor)
    LEAF(EM_T_VARIANT, VARIANT, variant, spark__connect__data_type__variant__descriptor)
#undef LEAF
  case EM_T_DECIMAL: {
    Spark__Connect__DataType__Decimal *d = leaf(a, &spark__connect__data_type__decimal__descriptor);
    if (!d) return NULL;
    d->_precision_case = SPARK__CONNECT__DATA_TYPE__DECIMAL___PRECISION_PRECISION;
    d->precision = t->u.dec.precision;
    d->_scale_case = SPARK__CONNECT__DATA_TYPE__DECIMAL___SCALE_SCALE;
    d->scale = t->u.dec.scale;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_DECIMAL;
    dt->decimal = d;
    break;
  }
  case EM_T_CHAR:
  case EM_T_VARCHAR: {
    if (t->id == EM_T_CHAR) {
      Spark__Connect__DataType__Char *c = leaf(a, &spark__connect__data_type__char__descriptor);
      if (!c) return NULL;
      c->length = t->u.length;
      dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_CHAR;
      dt->char_ = c;
    } else {
      Spark__Connect__DataType__VarChar *c = leaf(a, &spark__connect__data_type__var_char__descriptor);
      if (!c) return NULL;
      c->length = t->u.length;
      dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_VAR_CHAR;
      dt->var_char = c;
    }
    break;
  }
  case EM_T_TIME: {
    Spark__Connect__DataType__Time *tm = leaf(a, &spark__connect__data_type__time__descriptor);
    if (!tm) return NULL;
    tm->_precision_case = SPARK__CONNECT__DATA_TYPE__TIME___PRECISION_PRECISION;
    tm->precision = t->u.precision;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_TIME;
    dt->time = tm;
    break;
  }
  case EM_T_DT_INTERVAL: {
    Spark__Connect__DataType__DayTimeInterval *d = leaf(a, &spark__connect__data_type__day_time_interval__descriptor);
    if (!d) return NULL;
    d->_start_field_case = SPARK__CONNECT__DATA_TYPE__DAY_TIME_INTERVAL___START_FIELD_START_FIELD;
    d->start_field = t->u.interval.start;
    d->_end_field_case = SPARK__CONNECT__DATA_TYPE__DAY_TIME_INTERVAL___END_FIELD_END_FIELD;
    d->end_field = t->u.interval.end;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_DAY_TIME_INTERVAL;
    dt->day_time_interval = d;
    break;
  }
  case EM_T_YM_INTERVAL: {
    Spark__Connect__DataType__YearMonthInterval *d =
        leaf(a, &spark__connect__data_type__year_month_interval__descriptor);
    if (!d) return NULL;
    d->_start_field_case = SPARK__CONNECT__DATA_TYPE__YEAR_MONTH_INTERVAL___START_FIELD_START_FIELD;
    d->start_field = t->u.interval.start;
    d->_end_field_case = SPARK__CONNECT__DATA_TYPE__YEAR_MONTH_INTERVAL___END_FIELD_END_FIELD;
    d->end_field = t->u.interval.end;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_YEAR_MONTH_INTERVAL;
    dt->year_month_interval = d;
    break;
  }
  case EM_T_ARRAY: {
    Spark__Connect__DataType__Array *ar = leaf(a, &spark__connect__data_type__array__descriptor);
    if (!ar || !(ar->element_type = em_type_to_proto(t->u.array.elem, a))) return NULL;
    ar->contains_null = t->u.array.contains_null;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_ARRAY;
    dt->array = ar;
    break;
  }
  case EM_T_MAP: {
    Spark__Connect__DataType__Map *m = leaf(a, &spark__connect__data_type__map__descriptor);
    if (!m || !(m->key_type = em_type_to_proto(t->u.map.key, a)) ||
        !(m->value_type = em_type_to_proto(t->u.map.value, a)))
      return NULL;
    m->value_contains_null = t->u.map.value_contains_null;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_MAP;
    dt->map = m;
    break;
  }
  case EM_T_STRUCT: {
    Spark__Connect__DataType__Struct *st = leaf(a, &spark__connect__data_type__struct__descriptor);
    if (!st) return NULL;
    int n = t->u.st.nfields;
    st->fields = em_arena_calloc(a, sizeof(*st->fields) * (size_t)(n ? n : 1));
    if (!st->fields) return NULL;
    for (int i = 0; i < n; i++) {
      const em_field *f = &t->u.st.fields[i];
      Spark__Connect__DataType__StructField *sf = em_arena_calloc(a, sizeof *sf);
      if (!sf) return NULL;
      spark__connect__data_type__struct_field__init(sf);
      sf->name = f->name;
      sf->nullable = f->nullable;
      if (!(sf->data_type = em_type_to_proto(f->type, a))) return NULL;
      if (f->metadata && strcmp(f->metadata, "{}") != 0) {
        sf->_metadata_case = SPARK__CONNECT__DATA_TYPE__STRUCT_FIELD___METADATA_METADATA;
        sf->metadata = f->metadata;
      }
      st->fields[i] = sf;
    }
    st->n_fields = (size_t)n;
    dt->kind_case = SPARK__CONNECT__DATA_TYPE__KIND_STRUCT;
    dt->struct_ = st;
    break;
  }
  default:
    return NULL;
  }
  return dt;
}

static em_type *type_from_proto(const Spark__Connect__DataType *dt, int depth, em_error *err) {
  if (depth > 256) {
    em_error_internal(err, "data type nested too deeply");
    return NULL;
  }
  em_type *t = NULL;
  switch (dt->kind_case) {
  case SPARK__CONNECT__DATA_TYPE__KIND_NULL: return em_type_null();
  case SPARK__CONNECT__DATA_TYPE__KIND_BINARY: return em_type_binary();
  case SPARK__CONNECT__DATA_TYPE__KIND_BOOLEAN: return em_type_boolean();
  case SPARK__CONNECT__DATA_TYPE__KIND_BYTE: return em_type_byte();
  case SPARK__CONNECT__DATA_TYPE__KIND_SHORT: return em_type_short();
  case SPARK__CONNECT__DATA_TYPE__KIND_INTEGER: return em_type_int();
  case SPARK__CONNECT__DATA_TYPE__KIND_LONG: return em_type_long();
  case SPARK__CONNECT__DATA_TYPE__KIND_FLOAT: return em_type_float();
  case SPARK__CONNECT__DATA_TYPE__KIND_DOUBLE: return em_type_double();
  case SPARK__CONNECT__DATA_TYPE__KIND_STRING: return em_type_string();
  case SPARK__CONNECT__DATA_TYPE__KIND_DATE: return em_type_date();
  case SPARK__CONNECT__DATA_TYPE__KIND_TIMESTAMP: return em_type_timestamp();
  case SPARK__CONNECT__DATA_TYPE__KIND_TIMESTAMP_NTZ: return em_type_timestamp_ntz();
  case SPARK__CONNECT__DATA_TYPE__KIND_CALENDAR_INTERVAL: return em_type_cal_interval();
  case SPARK__CONNECT__DATA_TYPE__KIND_VARIANT: return em_type_variant();
  case SPARK__CONNECT__DATA_TYPE__KIND_DECIMAL: {
    const Spark__Connect__DataType__Decimal *d = dt->decimal;
    int p = HAS(d, precision) ? d->precision : 10, s = HAS(d, scale) ? d->scale : 0;
    if (p < 1 || p > 38 || s < 0 || s > p) {
      em_error_internal(err, "invalid decimal(%d,%d)", p, s);
      return NULL;
    }
    t = em_type_decimal(p, s);
    break;
  }
  case SPARK__CONNECT__DATA_TYPE__KIND_CHAR: t = em_type_char(dt->char_->length); break;
  case SPARK__CONNECT__DATA_TYPE__KIND_VAR_CHAR: t = em_type_varchar(dt->var_char->length); break;
  case SPARK__CONNECT__DATA_TYPE__KIND_TIME:
    t = em_type_time(HAS(dt->time, precision) ? dt->time->precision : 6);
    break;
  case SPARK__CONNECT__DATA_TYPE__KIND_DAY_TIME_INTERVAL: {
    const Spark__Connect__DataType__DayTimeInterval *d = dt->day_time_interval;
    int s = HAS(d, start_field) ? d->start_field : EM_DT_DAY, e = HAS(d, end_field) ? d->end_field : EM_DT_SECOND;
    if (s < 0 || s > 3 || e < s || e > 3) {
      em_error_internal(err, "invalid day-time interval fields");
      return NULL;
    }
    t = em_type_dt_interval(s, e);
    break;
  }
  case SPARK__CONNECT__DATA_TYPE__KIND_YEAR_MONTH_INTERVAL: {
    const Spark__Connect__DataType__YearMonthInterval *d = dt->year_month_interval;
    int s = HAS(d, start_field) ? d->start_field : EM_YM_YEAR, e = HAS(d, end_field) ? d->end_field : EM_YM_MONTH;
    if (s < 0 || s > 1 || e < s || e > 1) {
      em_error_internal(err, "invalid year-month interval fields");
      return NULL;
    }
    t = em_type_ym_interval(s, e);
    break;
  }
  case SPARK__CONNECT__DATA_TYPE__KIND_ARRAY: {
    if (!dt->array->element_type) break;
    em_type *e = type_from_proto(dt->array->element_type, depth + 1, err);
    if (!e) return NULL;
    t = em_type_array(e, dt->array->contains_null);
    break;
  }
  case SPARK__CONNECT__DATA_TYPE__KIND_MAP: {
    if (!dt->map->key_type || !dt->map->value_type) break;
    em_type *k = type_from_proto(dt->map->key_type, depth + 1, err);
    if (!k) return NULL;
    em_type *v = type_from_proto(dt->map->value_type, depth + 1, err);
    if (!v) {
      em_type_unref(k);
      return NULL;
    }
    t = em_type_map(k, v, dt->map->value_contains_null);
    break;
  }
  case SPARK__CONNECT__DATA_TYPE__KIND_STRUCT: {
    const Spark__Connect__DataType__Struct *st = dt->struct_;
    t = em_type_struct_new((int)st->n_fields);
    if (!t) break;
    for (size_t i = 0; i < st->n_fields; i++) {
      const Spark__Connect__DataType__StructField *f = st->fields[i];
      if (!f->data_type) {
        em_type_unref(t);
        em_error_internal(err, "struct field without a type");
        return NULL;
      }
      em_type *ft = type_from_proto(f->data_type, depth + 1, err);
      if (!ft || em_type_struct_set(t, (int)i, f->name, ft, f->nullable, HAS(f, metadata) ? f->metadata : NULL)) {
        em_type_unref(t);
        if (ft) em_error_internal(err, "out of memory");
        return NULL;
      }
    }
    return t;
  }
  case SPARK__CONNECT__DATA_TYPE__KIND_UNPARSED:
    return em_type_parse_ddl(dt->unparsed->data_type_string, err);
  default: {
    char num[16];
    snprintf(num, sizeof num, "%d", (int)dt->kind_case);
    em_error_set(err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.DataType", "name", "kind", "number",
                 num, NULL);
    return NULL;
  }
  }
  if (!t) em_error_internal(err, "invalid data type");
  return t;
}

em_type *em_type_from_proto(const Spark__Connect__DataType *dt, em_error *err) { return type_from_proto(dt, 0, err); }
