/*
 * Protocol relations and expressions to spec trees.
 *
 * This is the only place that reads Relation/Expression messages. Each
 * relation kind the engine knows becomes a spec node; any other kind is
 * refused with CONNECT_INVALID_PLAN.INVALID_ONE_OF_FIELD_NOT_SUPPORTED
 * naming the field, as Spark does for kinds it lacks. Recursion is bounded
 * (Spark's marshaller limit is 1024 levels; plans nest one level per
 * DataFrame call).
 */
#include "connect_int.h"

/* Older clients still send fields the protocol marks deprecated (literal
 * element types, the rename map); reading them is deliberate. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <string.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)
#define MAX_DEPTH 2048

typedef struct cv {
  em_session *sess;
  em_spec *spec;
  em_error *err;
} cv;

static int oom(cv *c) { return em_error_internal(c->err, "out of memory decoding the plan"); }

static int unsupported_field(cv *c, const ProtobufCMessageDescriptor *d, unsigned number) {
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, number);
  char num[16];
  snprintf(num, sizeof num, "%u", number);
  return em_error_set(c->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", d->name, "name", f ? f->name : "unknown",
                      "number", num, NULL);
}

static int not_set(cv *c, const char *full, const char *name) {
  return em_error_set(c->err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", full, "name", name, NULL);
}

/* ---- literals ---- */

static em_type *literal_type(cv *c, const Spark__Connect__Expression__Literal *l, int depth);

/* Parses a decimal string ("-12.340", "1E+3") into unscaled/scale/precision. */
static int parse_decimal(const char *s, __int128 *unscaled, int *scale, int *precision) {
  bool neg = false;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  __int128 v = 0;
  int digits = 0, sc = 0;
  bool dot = false, any = false;
  for (; *s && *s != 'e' && *s != 'E'; s++) {
    if (*s == '.') {
      if (dot) return -1;
      dot = true;
      continue;
    }
    if (*s < '0' || *s > '9') return -1;
    any = true;
    if (digits > 0 || *s != '0') digits++;
    if (digits > 38) return -1;
    v = v * 10 + (*s - '0');
    if (dot) sc++;
  }
  if (!any) return -1;
  if (*s == 'e' || *s == 'E') {
    long e = strtol(s + 1, NULL, 10);
    sc -= (int)e;
  }
  while (sc < 0) {
    v *= 10;
    sc++;
    digits++;
    if (digits > 38) return -1;
  }
  *unscaled = neg ? -v : v;
  *scale = sc;
  *precision = digits > sc ? digits : sc;
  if (*precision == 0) *precision = 1;
  return 0;
}

/* The type id a literal case carries (-1: any, for NULL). */
static int literal_case_type(const Spark__Connect__Expression__Literal *l) {
  switch (l->literal_type_case) {
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_NULL: return -1;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BINARY: return EM_T_BINARY;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BOOLEAN: return EM_T_BOOLEAN;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BYTE: return EM_T_BYTE;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SHORT: return EM_T_SHORT;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_INTEGER: return EM_T_INT;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_LONG: return EM_T_LONG;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_FLOAT: return EM_T_FLOAT;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DOUBLE: return EM_T_DOUBLE;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DECIMAL: return EM_T_DECIMAL;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRING: return EM_T_STRING;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DATE: return EM_T_DATE;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP: return EM_T_TIMESTAMP;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP_NTZ: return EM_T_TIMESTAMP_NTZ;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_CALENDAR_INTERVAL: return EM_T_CAL_INTERVAL;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_YEAR_MONTH_INTERVAL: return EM_T_YM_INTERVAL;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DAY_TIME_INTERVAL: return EM_T_DT_INTERVAL;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIME: return EM_T_TIME;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_ARRAY:
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SPECIALIZED_ARRAY: return EM_T_ARRAY;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_MAP: return EM_T_MAP;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRUCT: return EM_T_STRUCT;
  default: return -2;
  }
}

/* Appends the literal's value to v (of the literal's type). A value whose
 * kind does not match the declared type (an int element in a long array,
 * say) is refused: its bytes would not fit the vector. */
static int literal_append(cv *c, em_vec *v, const Spark__Connect__Expression__Literal *l, int depth) {
  if (depth > MAX_DEPTH) return em_error_internal(c->err, "literal nested too deeply");
  int lit_id = literal_case_type(l);
  int have = v->type->id;
  if (have == EM_T_CHAR || have == EM_T_VARCHAR) have = EM_T_STRING;
  if (lit_id != -1 && lit_id != have) {
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &spark__connect__expression__literal__descriptor, (unsigned)l->literal_type_case);
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_type_simple_string(v->type, &sb);
    em_error_set(c->err, EM_ERR_INCOMPATIBLE_LITERAL_DATA_TYPE, "dataTypeKindCase", sb.data ? sb.data : "",
                 "literalTypeCase", f ? f->name : "unknown", NULL);
    em_strbuf_free(&sb);
    return -1;
  }
  if (l->literal_type_case == SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SPECIALIZED_ARRAY) {
    static const int elem_of[] = {
        [SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_BOOLS] = EM_T_BOOLEAN,
        [SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_INTS] = EM_T_INT,
        [SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_LONGS] = EM_T_LONG,
        [SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_FLOATS] = EM_T_FLOAT,
        [SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_DOUBLES] = EM_T_DOUBLE,
        [SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_STRINGS] = EM_T_STRING,
    };
    unsigned vt = (unsigned)l->specialized_array->value_type_case;
    int et = vt < EM_ARRAY_LEN(elem_of) ? elem_of[vt] : -1;
    if (et <= 0 || (int)v->children[0]->type->id != et)
      return em_error_set(c->err, EM_ERR_INCOMPATIBLE_LITERAL_DATA_TYPE, "dataTypeKindCase", "array",
                          "literalTypeCase", "specialized_array", NULL);
  }
  if (have == EM_T_STRUCT && l->literal_type_case == SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRUCT &&
      (int)l->struct_->n_elements != v->nchildren)
    return em_error_internal(c->err, "struct literal has %zu values for %d fields", l->struct_->n_elements,
                             v->nchildren);
  int rc = 0;
  switch (l->literal_type_case) {
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_NULL:
    rc = em_vec_append_null(v);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BINARY:
    rc = em_vec_append_bytes(v, l->binary.data, l->binary.len);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BOOLEAN:
    rc = em_vec_append_bool(v, l->boolean);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BYTE: {
    int8_t x = (int8_t)l->byte;
    rc = em_vec_append_fixed(v, &x);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SHORT: {
    int16_t x = (int16_t)l->short_;
    rc = em_vec_append_fixed(v, &x);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_INTEGER:
    rc = em_vec_append_fixed(v, &l->integer);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_LONG:
    rc = em_vec_append_fixed(v, &l->long_);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_FLOAT:
    rc = em_vec_append_fixed(v, &l->float_);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DOUBLE:
    rc = em_vec_append_fixed(v, &l->double_);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DECIMAL: {
    __int128 u;
    int sc, p;
    if (parse_decimal(l->decimal->value, &u, &sc, &p))
      return em_error_internal(c->err, "invalid decimal literal %s", l->decimal->value);
    /* Rescale to the vector's scale. */
    int want = v->type->u.dec.scale;
    while (sc < want) {
      u *= 10;
      sc++;
    }
    while (sc > want) {
      u /= 10;
      sc--;
    }
    rc = em_vec_append_fixed(v, &u);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRING:
    rc = em_vec_append_bytes(v, l->string, strlen(l->string));
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DATE:
    rc = em_vec_append_fixed(v, &l->date);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP:
    rc = em_vec_append_fixed(v, &l->timestamp);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP_NTZ:
    rc = em_vec_append_fixed(v, &l->timestamp_ntz);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_CALENDAR_INTERVAL: {
    struct {
      int32_t months, days;
      int64_t nanos;
    } ci = {l->calendar_interval->months, l->calendar_interval->days, l->calendar_interval->microseconds * 1000};
    rc = em_vec_append_fixed(v, &ci);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_YEAR_MONTH_INTERVAL:
    rc = em_vec_append_fixed(v, &l->year_month_interval);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DAY_TIME_INTERVAL:
    rc = em_vec_append_fixed(v, &l->day_time_interval);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIME:
    rc = em_vec_append_fixed(v, &l->time->nano);
    break;
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_ARRAY: {
    em_vec *child = v->children[0];
    for (size_t i = 0; !rc && i < l->array->n_elements; i++) rc = literal_append(c, child, l->array->elements[i], depth + 1);
    if (rc) return -1;
    rc = em_vec_append_list_end(v);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_MAP: {
    const Spark__Connect__Expression__Literal__Map *m = l->map;
    if (m->n_keys != m->n_values) return em_error_internal(c->err, "map literal with %zu keys and %zu values", m->n_keys, m->n_values);
    em_vec *entries = v->children[0];
    for (size_t i = 0; !rc && i < m->n_keys; i++) {
      rc = literal_append(c, entries->children[0], m->keys[i], depth + 1);
      if (!rc) rc = literal_append(c, entries->children[1], m->values[i], depth + 1);
      if (!rc) rc = em_vec_append_struct_end(entries, true);
    }
    if (rc) return -1;
    rc = em_vec_append_list_end(v);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRUCT: {
    const Spark__Connect__Expression__Literal__Struct *s = l->struct_;
    if ((int)s->n_elements != v->nchildren)
      return em_error_internal(c->err, "struct literal has %zu values for %d fields", s->n_elements, v->nchildren);
    for (size_t i = 0; !rc && i < s->n_elements; i++) rc = literal_append(c, v->children[i], s->elements[i], depth + 1);
    if (rc) return -1;
    rc = em_vec_append_struct_end(v, true);
    break;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SPECIALIZED_ARRAY: {
    const Spark__Connect__Expression__Literal__SpecializedArray *sa = l->specialized_array;
    em_vec *child = v->children[0];
    switch (sa->value_type_case) {
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_BOOLS:
      for (size_t i = 0; !rc && i < sa->bools->n_values; i++) rc = em_vec_append_bool(child, sa->bools->values[i]);
      break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_INTS:
      for (size_t i = 0; !rc && i < sa->ints->n_values; i++) rc = em_vec_append_fixed(child, &sa->ints->values[i]);
      break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_LONGS:
      for (size_t i = 0; !rc && i < sa->longs->n_values; i++) rc = em_vec_append_fixed(child, &sa->longs->values[i]);
      break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_FLOATS:
      for (size_t i = 0; !rc && i < sa->floats->n_values; i++) rc = em_vec_append_fixed(child, &sa->floats->values[i]);
      break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_DOUBLES:
      for (size_t i = 0; !rc && i < sa->doubles->n_values; i++)
        rc = em_vec_append_fixed(child, &sa->doubles->values[i]);
      break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_STRINGS:
      for (size_t i = 0; !rc && i < sa->strings->n_values; i++)
        rc = em_vec_append_bytes(child, sa->strings->values[i], strlen(sa->strings->values[i]));
      break;
    default:
      return not_set(c, "spark.connect.Expression.Literal.SpecializedArray", "value_type");
    }
    if (rc) return oom(c);
    rc = em_vec_append_list_end(v);
    break;
  }
  default:
    return not_set(c, "spark.connect.Expression.Literal", "literal_type");
  }
  return rc ? oom(c) : 0;
}

static em_type *literal_type(cv *c, const Spark__Connect__Expression__Literal *l, int depth) {
  if (depth > MAX_DEPTH) {
    em_error_internal(c->err, "literal nested too deeply");
    return NULL;
  }
  if (l->data_type) return em_type_from_proto(l->data_type, c->err);
  switch (l->literal_type_case) {
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_NULL:
    return l->null ? em_type_from_proto(l->null, c->err) : em_type_null();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BINARY: return em_type_binary();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BOOLEAN: return em_type_boolean();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BYTE: return em_type_byte();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SHORT: return em_type_short();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_INTEGER: return em_type_int();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_LONG: return em_type_long();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_FLOAT: return em_type_float();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DOUBLE: return em_type_double();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRING: return em_type_string();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DATE: return em_type_date();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP: return em_type_timestamp();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP_NTZ: return em_type_timestamp_ntz();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_CALENDAR_INTERVAL: return em_type_cal_interval();
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_YEAR_MONTH_INTERVAL:
    return em_type_ym_interval(EM_YM_YEAR, EM_YM_MONTH);
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DAY_TIME_INTERVAL:
    return em_type_dt_interval(EM_DT_DAY, EM_DT_SECOND);
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIME:
    return em_type_time(HAS(l->time, precision) ? l->time->precision : 6);
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DECIMAL: {
    __int128 u;
    int sc, p;
    if (parse_decimal(l->decimal->value, &u, &sc, &p)) {
      em_error_internal(c->err, "invalid decimal literal %s", l->decimal->value);
      return NULL;
    }
    /* Spark keeps the value's own scale and widens the precision the
     * client sent (PySpark always sends DecimalType()'s 10,0) to fit it. */
    if (HAS(l->decimal, precision) && l->decimal->precision > p) p = l->decimal->precision;
    if (sc > p) p = sc;
    if (p < 1 || p > 38 || sc < 0 || sc > p) {
      em_error_internal(c->err, "invalid decimal literal precision");
      return NULL;
    }
    return em_type_decimal(p, sc);
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_ARRAY: {
    em_type *e = NULL;
    if (l->array->element_type)
      e = em_type_from_proto(l->array->element_type, c->err);
    else if (l->array->n_elements > 0)
      e = literal_type(c, l->array->elements[0], depth + 1);
    else
      e = em_type_null();
    if (!e) return NULL;
    return em_type_array(e, true);
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_MAP: {
    const Spark__Connect__Expression__Literal__Map *m = l->map;
    em_type *k = m->key_type ? em_type_from_proto(m->key_type, c->err)
                             : (m->n_keys ? literal_type(c, m->keys[0], depth + 1) : em_type_null());
    if (!k) return NULL;
    em_type *v = m->value_type ? em_type_from_proto(m->value_type, c->err)
                               : (m->n_values ? literal_type(c, m->values[0], depth + 1) : em_type_null());
    if (!v) {
      em_type_unref(k);
      return NULL;
    }
    return em_type_map(k, v, true);
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRUCT: {
    const Spark__Connect__Expression__Literal__Struct *s = l->struct_;
    if (s->struct_type) return em_type_from_proto(s->struct_type, c->err);
    em_type *st = em_type_struct_new((int)s->n_elements);
    if (!st) return NULL;
    for (size_t i = 0; i < s->n_elements; i++) {
      em_type *ft = literal_type(c, s->elements[i], depth + 1);
      char name[32];
      snprintf(name, sizeof name, "col%zu", i + 1);
      if (!ft || em_type_struct_set(st, (int)i, name, ft, true, NULL)) {
        em_type_unref(st);
        return NULL;
      }
    }
    return st;
  }
  case SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SPECIALIZED_ARRAY: {
    em_type *e;
    switch (l->specialized_array->value_type_case) {
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_BOOLS: e = em_type_boolean(); break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_INTS: e = em_type_int(); break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_LONGS: e = em_type_long(); break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_FLOATS: e = em_type_float(); break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_DOUBLES: e = em_type_double(); break;
    case SPARK__CONNECT__EXPRESSION__LITERAL__SPECIALIZED_ARRAY__VALUE_TYPE_STRINGS: e = em_type_string(); break;
    default: not_set(c, "spark.connect.Expression.Literal.SpecializedArray", "value_type"); return NULL;
    }
    return em_type_array(e, false);
  }
  default:
    not_set(c, "spark.connect.Expression.Literal", "literal_type");
    return NULL;
  }
}

static em_vec *literal_vec(cv *c, const Spark__Connect__Expression__Literal *l) {
  em_type *t = literal_type(c, l, 0);
  if (!t) return NULL;
  em_vec *v = em_vec_new(t, 1);
  em_type_unref(t);
  if (!v) {
    oom(c);
    return NULL;
  }
  if (literal_append(c, v, l, 0)) {
    em_vec_unref(v);
    return NULL;
  }
  if (em_spec_own_vec(c->spec, v)) {
    em_vec_unref(v);
    oom(c);
    return NULL;
  }
  return v;
}

/* ---- expressions ---- */

static em_spec_expr *conv_expr(cv *c, const Spark__Connect__Expression *e, int depth);

static em_spec_expr **conv_exprs(cv *c, Spark__Connect__Expression **es, size_t n, int depth) {
  em_spec_expr **out = em_spec_array(c->spec, n, sizeof *out);
  if (!out) {
    oom(c);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    if (!(out[i] = conv_expr(c, es[i], depth + 1))) return NULL;
  return out;
}

static em_spec_expr *conv_sort_order(cv *c, const Spark__Connect__Expression__SortOrder *so, int depth) {
  em_spec_expr *x = em_spec_expr_new(c->spec, EM_SE_SORT_ORDER);
  if (!x) return oom(c), NULL;
  if (!so->child) return not_set(c, "spark.connect.Expression.SortOrder", "child"), NULL;
  if (!(x->u.sort.child = conv_expr(c, so->child, depth + 1))) return NULL;
  x->u.sort.ascending = so->direction != SPARK__CONNECT__EXPRESSION__SORT_ORDER__SORT_DIRECTION__SORT_DIRECTION_DESCENDING;
  x->u.sort.nulls = so->null_ordering == SPARK__CONNECT__EXPRESSION__SORT_ORDER__NULL_ORDERING__SORT_NULLS_FIRST
                        ? EM_NULLS_FIRST
                        : so->null_ordering == SPARK__CONNECT__EXPRESSION__SORT_ORDER__NULL_ORDERING__SORT_NULLS_LAST
                              ? EM_NULLS_LAST
                              : EM_NULLS_DEFAULT;
  return x;
}

static em_spec_expr *conv_alias(cv *c, const Spark__Connect__Expression__Alias *a, int depth) {
  em_spec_expr *x = em_spec_expr_new(c->spec, EM_SE_ALIAS);
  if (!x) return oom(c), NULL;
  if (!a->expr) return not_set(c, "spark.connect.Expression.Alias", "expr"), NULL;
  if (!(x->u.alias.child = conv_expr(c, a->expr, depth + 1))) return NULL;
  x->u.alias.nnames = (int)a->n_name;
  x->u.alias.names = em_spec_array(c->spec, a->n_name, sizeof(char *));
  if (!x->u.alias.names) return oom(c), NULL;
  for (size_t i = 0; i < a->n_name; i++)
    if (!(x->u.alias.names[i] = em_spec_strdup(c->spec, a->name[i]))) return oom(c), NULL;
  if (HAS(a, metadata) && !(x->u.alias.metadata = em_spec_strdup(c->spec, a->metadata))) return oom(c), NULL;
  return x;
}

/* A window frame boundary: 0 current row, 1 unbounded, 2 a value. */
static int conv_boundary(cv *c, const Spark__Connect__Expression__Window__WindowFrame__FrameBoundary *b, int *kind,
                         em_spec_expr **value, int depth) {
  if (!b) return not_set(c, "spark.connect.Expression.Window.WindowFrame", "lower/upper"), -1;
  switch (b->boundary_case) {
  case SPARK__CONNECT__EXPRESSION__WINDOW__WINDOW_FRAME__FRAME_BOUNDARY__BOUNDARY_CURRENT_ROW: *kind = 0; return 0;
  case SPARK__CONNECT__EXPRESSION__WINDOW__WINDOW_FRAME__FRAME_BOUNDARY__BOUNDARY_UNBOUNDED: *kind = 1; return 0;
  case SPARK__CONNECT__EXPRESSION__WINDOW__WINDOW_FRAME__FRAME_BOUNDARY__BOUNDARY_VALUE:
    *kind = 2;
    return (*value = conv_expr(c, b->value, depth + 1)) ? 0 : -1;
  default:
    return not_set(c, "spark.connect.Expression.Window.WindowFrame.FrameBoundary", "boundary"), -1;
  }
}

static em_spec_expr *conv_window(cv *c, const Spark__Connect__Expression__Window *w, int depth) {
  em_spec_expr *x = em_spec_expr_new(c->spec, EM_SE_WINDOW);
  if (!x) return oom(c), NULL;
  if (!w->window_function) return not_set(c, "spark.connect.Expression.Window", "window_function"), NULL;
  if (!(x->u.window.func = conv_expr(c, w->window_function, depth + 1))) return NULL;
  x->u.window.npartition = (int)w->n_partition_spec;
  if (!(x->u.window.partition = conv_exprs(c, w->partition_spec, w->n_partition_spec, depth))) return NULL;
  x->u.window.norder = (int)w->n_order_spec;
  x->u.window.order = em_spec_array(c->spec, w->n_order_spec, sizeof(em_spec_expr *));
  if (!x->u.window.order) return oom(c), NULL;
  for (size_t i = 0; i < w->n_order_spec; i++)
    if (!(x->u.window.order[i] = conv_sort_order(c, w->order_spec[i], depth))) return NULL;
  const Spark__Connect__Expression__Window__WindowFrame *f = w->frame_spec;
  if (f) {
    em_spec_window_frame *fr = &x->u.window.frame;
    fr->present = true;
    fr->is_rows = f->frame_type == SPARK__CONNECT__EXPRESSION__WINDOW__WINDOW_FRAME__FRAME_TYPE__FRAME_TYPE_ROW;
    if (conv_boundary(c, f->lower, &fr->lower_kind, &fr->lower, depth) ||
        conv_boundary(c, f->upper, &fr->upper_kind, &fr->upper, depth))
      return NULL;
  }
  return x;
}

static em_spec_expr *conv_expr(cv *c, const Spark__Connect__Expression *e, int depth) {
  if (depth > MAX_DEPTH) {
    em_error_internal(c->err, "expression nested deeper than %d levels", MAX_DEPTH);
    return NULL;
  }
  em_spec_expr *x = NULL;
  switch (e->expr_type_case) {
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_LITERAL: {
    x = em_spec_expr_new(c->spec, EM_SE_LITERAL);
    if (!x) return oom(c), NULL;
    if (!(x->u.lit.value = literal_vec(c, e->literal))) return NULL;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UNRESOLVED_ATTRIBUTE: {
    const Spark__Connect__Expression__UnresolvedAttribute *a = e->unresolved_attribute;
    x = em_spec_expr_new(c->spec, EM_SE_ATTR);
    if (!x) return oom(c), NULL;
    if (em_spec_parse_name(c->spec, a->unparsed_identifier, &x->u.attr.parts, &x->u.attr.nparts, c->err))
      return NULL;
    if (HAS(a, plan_id)) x->u.attr.plan_id = a->plan_id;
    x->u.attr.is_metadata = HAS(a, is_metadata_column) && a->is_metadata_column;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UNRESOLVED_FUNCTION: {
    const Spark__Connect__Expression__UnresolvedFunction *f = e->unresolved_function;
    x = em_spec_expr_new(c->spec, EM_SE_FUNC);
    if (!x) return oom(c), NULL;
    if (!(x->u.func.name = em_spec_strdup(c->spec, f->function_name))) return oom(c), NULL;
    x->u.func.nargs = (int)f->n_arguments;
    if (!(x->u.func.args = conv_exprs(c, f->arguments, f->n_arguments, depth))) return NULL;
    x->u.func.distinct = f->is_distinct;
    x->u.func.is_internal = HAS(f, is_internal) && f->is_internal;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_CALL_FUNCTION: {
    /* F.call_function(name, *cols): an unresolved function by name (built-in
     * or a session UDF), as Spark's planner turns it into one. */
    const Spark__Connect__CallFunction *f = e->call_function;
    x = em_spec_expr_new(c->spec, EM_SE_FUNC);
    if (!x) return oom(c), NULL;
    if (!(x->u.func.name = em_spec_strdup(c->spec, f->function_name))) return oom(c), NULL;
    x->u.func.nargs = (int)f->n_arguments;
    if (!(x->u.func.args = conv_exprs(c, f->arguments, f->n_arguments, depth))) return NULL;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_EXPRESSION_STRING:
    /* F.expr / selectExpr / filter("..."): parsed as Spark's planner does. */
    if (!(x = em_connect_expr_string(c->sess, e->expression_string->expression, c->spec, c->err))) return NULL;
    break;
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UNRESOLVED_STAR: {
    const Spark__Connect__Expression__UnresolvedStar *s = e->unresolved_star;
    x = em_spec_expr_new(c->spec, EM_SE_STAR);
    if (!x) return oom(c), NULL;
    if (HAS(s, plan_id)) x->u.star.plan_id = s->plan_id;
    if (HAS(s, unparsed_target)) {
      /* "t.*" or "a.b.*": the target is the name without the ".*". */
      size_t n = strlen(s->unparsed_target);
      if (n < 2 || strcmp(s->unparsed_target + n - 2, ".*") != 0) {
        em_error_set(c->err, EM_ERR_INVALID_ATTRIBUTE_NAME_SYNTAX, "name", s->unparsed_target, NULL);
        return NULL;
      }
      char *t = em_spec_strndup(c->spec, s->unparsed_target, n - 2);
      if (!t) return oom(c), NULL;
      if (em_spec_parse_name(c->spec, t, &x->u.star.target, &x->u.star.ntarget, c->err)) return NULL;
    }
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_ALIAS:
    if (!(x = conv_alias(c, e->alias, depth))) return NULL;
    break;
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_CAST: {
    const Spark__Connect__Expression__Cast *ca = e->cast;
    x = em_spec_expr_new(c->spec, EM_SE_CAST);
    if (!x) return oom(c), NULL;
    if (!ca->expr) return not_set(c, "spark.connect.Expression.Cast", "expr"), NULL;
    if (!(x->u.cast.child = conv_expr(c, ca->expr, depth + 1))) return NULL;
    if (ca->cast_to_type_case == SPARK__CONNECT__EXPRESSION__CAST__CAST_TO_TYPE_TYPE) {
      em_type *t = em_type_from_proto(ca->type, c->err);
      if (!t) return NULL;
      if (em_spec_own_type(c->spec, t)) {
        em_type_unref(t);
        return oom(c), NULL;
      }
      x->u.cast.type = t;
    } else if (ca->cast_to_type_case == SPARK__CONNECT__EXPRESSION__CAST__CAST_TO_TYPE_TYPE_STR) {
      if (!(x->u.cast.type_str = em_spec_strdup(c->spec, ca->type_str))) return oom(c), NULL;
    } else {
      return not_set(c, "spark.connect.Expression.Cast", "cast_to_type"), NULL;
    }
    x->u.cast.mode = ca->eval_mode == SPARK__CONNECT__EXPRESSION__CAST__EVAL_MODE__EVAL_MODE_LEGACY ? EM_CAST_LEGACY
                     : ca->eval_mode == SPARK__CONNECT__EXPRESSION__CAST__EVAL_MODE__EVAL_MODE_ANSI ? EM_CAST_ANSI
                     : ca->eval_mode == SPARK__CONNECT__EXPRESSION__CAST__EVAL_MODE__EVAL_MODE_TRY  ? EM_CAST_TRY
                                                                                                     : EM_CAST_DEFAULT;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UNRESOLVED_REGEX:
    x = em_spec_expr_new(c->spec, EM_SE_REGEX);
    if (!x || !(x->u.regex.pattern = em_spec_strdup(c->spec, e->unresolved_regex->col_name))) return oom(c), NULL;
    if (HAS(e->unresolved_regex, plan_id)) x->u.regex.plan_id = e->unresolved_regex->plan_id;
    break;
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_SORT_ORDER:
    if (!(x = conv_sort_order(c, e->sort_order, depth))) return NULL;
    break;
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UNRESOLVED_EXTRACT_VALUE: {
    x = em_spec_expr_new(c->spec, EM_SE_EXTRACT);
    if (!x) return oom(c), NULL;
    const Spark__Connect__Expression__UnresolvedExtractValue *ev = e->unresolved_extract_value;
    if (!ev->child || !ev->extraction)
      return not_set(c, "spark.connect.Expression.UnresolvedExtractValue", "child"), NULL;
    if (!(x->u.extract.child = conv_expr(c, ev->child, depth + 1))) return NULL;
    if (!(x->u.extract.extraction = conv_expr(c, ev->extraction, depth + 1))) return NULL;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_WINDOW:
    if (!(x = conv_window(c, e->window, depth))) return NULL;
    break;
  /* Nested values: lambdas of higher-order functions, withField/dropFields. */
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_LAMBDA_FUNCTION: {
    const Spark__Connect__Expression__LambdaFunction *lf = e->lambda_function;
    x = em_spec_expr_new(c->spec, EM_SE_LAMBDA);
    if (!x) return oom(c), NULL;
    if (!lf->function) return not_set(c, "spark.connect.Expression.LambdaFunction", "function"), NULL;
    if (!(x->u.lambda.body = conv_expr(c, lf->function, depth + 1))) return NULL;
    x->u.lambda.nvars = (int)lf->n_arguments;
    x->u.lambda.vars = em_spec_array(c->spec, lf->n_arguments + 1, sizeof(char *));
    if (!x->u.lambda.vars) return oom(c), NULL;
    for (size_t i = 0; i < lf->n_arguments; i++) {
      const Spark__Connect__Expression__UnresolvedNamedLambdaVariable *v = lf->arguments[i];
      if (v->n_name_parts != 1)
        return not_set(c, "spark.connect.Expression.UnresolvedNamedLambdaVariable", "name_parts"), NULL;
      if (!(x->u.lambda.vars[i] = em_spec_strdup(c->spec, v->name_parts[0]))) return oom(c), NULL;
    }
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UNRESOLVED_NAMED_LAMBDA_VARIABLE: {
    const Spark__Connect__Expression__UnresolvedNamedLambdaVariable *v = e->unresolved_named_lambda_variable;
    x = em_spec_expr_new(c->spec, EM_SE_LAMBDA_VAR);
    if (!x) return oom(c), NULL;
    if (v->n_name_parts == 0)
      return not_set(c, "spark.connect.Expression.UnresolvedNamedLambdaVariable", "name_parts"), NULL;
    x->u.lambda_var.nparts = (int)v->n_name_parts;
    x->u.lambda_var.parts = em_spec_array(c->spec, v->n_name_parts, sizeof(char *));
    if (!x->u.lambda_var.parts) return oom(c), NULL;
    for (size_t i = 0; i < v->n_name_parts; i++)
      if (!(x->u.lambda_var.parts[i] = em_spec_strdup(c->spec, v->name_parts[i]))) return oom(c), NULL;
    break;
  }
  case SPARK__CONNECT__EXPRESSION__EXPR_TYPE_UPDATE_FIELDS: {
    const Spark__Connect__Expression__UpdateFields *uf = e->update_fields;
    x = em_spec_expr_new(c->spec, EM_SE_UPDATE_FIELDS);
    if (!x) return oom(c), NULL;
    if (!uf->struct_expression) return not_set(c, "spark.connect.Expression.UpdateFields", "struct_expression"), NULL;
    if (!(x->u.update_fields.child = conv_expr(c, uf->struct_expression, depth + 1))) return NULL;
    if (!(x->u.update_fields.field = em_spec_strdup(c->spec, uf->field_name))) return oom(c), NULL;
    if (uf->value_expression && !(x->u.update_fields.value = conv_expr(c, uf->value_expression, depth + 1)))
      return NULL;
    break;
  }
  default:
    unsupported_field(c, &spark__connect__expression__descriptor, (unsigned)e->expr_type_case);
    return NULL;
  }
  if (e->common && e->common->origin &&
      e->common->origin->function_case == SPARK__CONNECT__ORIGIN__FUNCTION_PYTHON_ORIGIN) {
    x->origin_fragment = em_spec_strdup(c->spec, e->common->origin->python_origin->fragment);
    x->origin_call_site = em_spec_strdup(c->spec, e->common->origin->python_origin->call_site);
  }
  return x;
}

/* ---- local relations ---- */

static em_type *parse_schema_string(cv *c, const char *s) {
  while (*s == ' ' || *s == '\n' || *s == '\t') s++;
  if (*s == '{') return em_type_parse_json(s, strlen(s), c->err);
  return em_type_parse_ddl(s, c->err);
}

/* Adds the batches of an Arrow IPC stream to the relation. When `schema`
 * is given the data takes its names and nullability (and is cast where the
 * Arrow types differ). */
static int add_ipc(cv *c, em_spec_rel *r, const uint8_t *data, size_t len) {
  em_type *st = NULL;
  em_batch **bs = NULL;
  int nb = 0;
  if (em_ipc_read_stream(data, len, &st, &bs, &nb, c->err)) return -1;
  int rc = 0;
  if (!r->u.local.schema) {
    r->u.local.schema = em_type_ref(st);
    if (em_spec_own_type(c->spec, r->u.local.schema)) rc = oom(c);
  }
  em_type *want = r->u.local.schema;
  if (!rc && want->u.st.nfields != st->u.st.nfields)
    rc = em_error_internal(c->err, "local relation data has %d columns but the schema has %d", st->u.st.nfields,
                           want->u.st.nfields);
  em_batch **all = NULL;
  if (!rc) {
    all = em_spec_array(c->spec, (size_t)(r->u.local.nbatches + nb), sizeof *all);
    if (!all) rc = oom(c);
    else if (r->u.local.nbatches)
      memcpy(all, r->u.local.batches, sizeof *all * (size_t)r->u.local.nbatches);
  }
  for (int i = 0; !rc && i < nb; i++) {
    em_batch *b = bs[i];
    em_vec **cols = em_calloc((size_t)(b->ncols + 1), sizeof *cols);
    if (!cols) {
      rc = oom(c);
      break;
    }
    for (int j = 0; !rc && j < b->ncols; j++) {
      em_type *ft = want->u.st.fields[j].type;
      if (em_type_equal(ft, b->cols[j]->type, true)) {
        cols[j] = em_vec_ref(b->cols[j]);
      } else if (em_type_is_numeric(ft) && em_type_is_numeric(b->cols[j]->type)) {
        em_eval_ctx ectx = {.timezone = "UTC", .ansi = true};
        if (em_cast_vec(b->cols[j], ft, true, &ectx, &cols[j], c->err)) rc = -1;
      } else {
        /* Spark's Dataset.to(schema): a type that cannot be up-cast. */
        em_strbuf nm, have, wanted;
        em_strbuf_init(&nm);
        em_strbuf_init(&have);
        em_strbuf_init(&wanted);
        /* Spark reports the column by position (col_0, col_1, ...). */
        em_strbuf_printf(&nm, "`col_%d`", j);
        em_strbuf_putc(&have, '"');
        em_type_sql(b->cols[j]->type, &have);
        em_strbuf_putc(&have, '"');
        em_strbuf_putc(&wanted, '"');
        em_type_sql(ft, &wanted);
        em_strbuf_putc(&wanted, '"');
        rc = em_error_set(c->err, EM_ERR_INVALID_COLUMN_OR_FIELD_DATA_TYPE, "name", nm.data ? nm.data : "", "type",
                          have.data ? have.data : "", "expectedType", wanted.data ? wanted.data : "", NULL);
        em_strbuf_free(&nm);
        em_strbuf_free(&have);
        em_strbuf_free(&wanted);
      }
    }
    if (rc) {
      for (int j = 0; j < b->ncols; j++)
        if (cols[j]) em_vec_unref(cols[j]);
      em_free(cols);
      break;
    }
    em_batch *nbt = em_batch_new(em_type_ref(want), b->ncols, cols, b->nrows);
    em_free(cols);
    if (!nbt || em_spec_own_batch(c->spec, nbt)) {
      if (nbt) em_batch_unref(nbt);
      rc = oom(c);
      break;
    }
    all[r->u.local.nbatches++] = nbt;
  }
  if (!rc) r->u.local.batches = all;
  em_batches_free(bs, nb);
  em_type_unref(st);
  return rc;
}

static int conv_local(cv *c, const Spark__Connect__LocalRelation *l, em_spec_rel *r) {
  if (HAS(l, schema)) {
    em_type *t = parse_schema_string(c, l->schema);
    if (!t) return -1;
    if (t->id != EM_T_STRUCT) {
      /* A single type names one column "value", as Spark does. */
      em_type *st = em_type_struct_new(1);
      if (!st || em_type_struct_set(st, 0, "value", t, true, NULL)) {
        if (st) em_type_unref(st);
        return oom(c);
      }
      t = st;
    }
    if (em_spec_own_type(c->spec, t)) {
      em_type_unref(t);
      return oom(c);
    }
    r->u.local.schema = t;
  }
  if (HAS(l, data)) return add_ipc(c, r, l->data.data, l->data.len);
  if (!r->u.local.schema)
    return em_error_set(c->err, EM_ERR_SCHEMA_REQUIRED_FOR_LOCAL_RELATION, NULL);
  return 0;
}

static int conv_chunked(cv *c, const Spark__Connect__ChunkedCachedLocalRelation *l, em_spec_rel *r) {
  if (l->_schema_hash_case) {
    char name[128];
    snprintf(name, sizeof name, "cache/%s", l->schemahash);
    em_buf *b = em_session_find_artifact(c->sess, name);
    if (!b)
      return em_error_set(c->err, EM_ERR_NOT_FOUND_CHUNKED_CACHED_LOCAL_RELATION, "hash", l->schemahash,
                          "sessionUUID", c->sess->server_side_id, NULL);
    char *s = em_strndup((const char *)b->data, b->len);
    em_buf_unref(b);
    if (!s) return oom(c);
    em_type *t = parse_schema_string(c, s);
    em_free(s);
    if (!t) return -1;
    if (em_spec_own_type(c->spec, t)) {
      em_type_unref(t);
      return oom(c);
    }
    r->u.local.schema = t;
  }
  for (size_t i = 0; i < l->n_datahashes; i++) {
    char name[128];
    snprintf(name, sizeof name, "cache/%s", l->datahashes[i]);
    em_buf *b = em_session_find_artifact(c->sess, name);
    if (!b)
      return em_error_set(c->err, EM_ERR_NOT_FOUND_CHUNKED_CACHED_LOCAL_RELATION, "hash", l->datahashes[i],
                          "sessionUUID", c->sess->server_side_id, NULL);
    int rc = add_ipc(c, r, b->data, b->len);
    em_buf_unref(b);
    if (rc) return -1;
  }
  if (!r->u.local.schema) return em_error_set(c->err, EM_ERR_SCHEMA_REQUIRED_FOR_LOCAL_RELATION, NULL);
  return 0;
}

/* ---- relations ---- */

static em_spec_rel *conv_rel(cv *c, const Spark__Connect__Relation *rel, int depth);

static char **conv_strings(cv *c, char **in, size_t n) {
  char **out = em_spec_array(c->spec, n, sizeof *out);
  if (!out) return oom(c), NULL;
  for (size_t i = 0; i < n; i++)
    if (!(out[i] = em_spec_strdup(c->spec, in[i]))) return oom(c), NULL;
  return out;
}

/* spark.read: a data source (format, schema, options, paths) or a named
 * table; the analyzer lists the files and resolves the format. */
static int conv_read(cv *c, const Spark__Connect__Read *rd, em_spec_rel *r) {
  if (rd->read_type_case == SPARK__CONNECT__READ__READ_TYPE_NAMED_TABLE) {
    r->u.read.table = em_spec_strdup(c->spec, rd->named_table->unparsed_identifier);
    return r->u.read.table ? 0 : oom(c);
  }
  if (rd->read_type_case != SPARK__CONNECT__READ__READ_TYPE_DATA_SOURCE)
    return not_set(c, "spark.connect.Read", "read_type");
  const Spark__Connect__Read__DataSource *ds = rd->data_source;
  if (HAS(ds, format) && !(r->u.read.format = em_spec_strdup(c->spec, ds->format))) return oom(c);
  if (HAS(ds, schema) && ds->schema[0] && !(r->u.read.schema = em_spec_strdup(c->spec, ds->schema))) return oom(c);
  r->u.read.nopts = (int)ds->n_options;
  r->u.read.keys = em_spec_array(c->spec, ds->n_options + 1, sizeof(char *));
  r->u.read.values = em_spec_array(c->spec, ds->n_options + 1, sizeof(char *));
  if (!r->u.read.keys || !r->u.read.values) return oom(c);
  for (size_t i = 0; i < ds->n_options; i++) {
    if (!(r->u.read.keys[i] = em_spec_strdup(c->spec, ds->options[i]->key)) ||
        !(r->u.read.values[i] = em_spec_strdup(c->spec, ds->options[i]->value)))
      return oom(c);
  }
  r->u.read.npaths = (int)ds->n_paths;
  if (!(r->u.read.paths = conv_strings(c, ds->paths, ds->n_paths))) return -1;
  r->u.read.npredicates = (int)ds->n_predicates;
  return 0;
}

#define INPUT(msg)                                                         \
  do {                                                                     \
    if (!(msg)->input) return not_set(c, "spark.connect.Relation", "input"), NULL; \
    if (!(r->input = conv_rel(c, (msg)->input, depth + 1))) return NULL;   \
  } while (0)

/* ---- grouping sets, pivot, unpivot, observe and statistics ---- */

/* GROUPING SETS lists and the PIVOT column and values of an Aggregate. */
static int conv_grouping_extras(cv *c, const Spark__Connect__Aggregate *a, em_spec_rel *r, int depth) {
  if (a->n_grouping_sets) {
    r->u.aggregate.nsets = (int)a->n_grouping_sets;
    r->u.aggregate.sets = em_spec_array(c->spec, a->n_grouping_sets, sizeof(em_spec_expr **));
    r->u.aggregate.set_sizes = em_spec_array(c->spec, a->n_grouping_sets, sizeof(int));
    if (!r->u.aggregate.sets || !r->u.aggregate.set_sizes) return oom(c);
    for (size_t i = 0; i < a->n_grouping_sets; i++) {
      const Spark__Connect__Aggregate__GroupingSets *gs = a->grouping_sets[i];
      r->u.aggregate.set_sizes[i] = (int)gs->n_grouping_set;
      if (!(r->u.aggregate.sets[i] = conv_exprs(c, gs->grouping_set, gs->n_grouping_set, depth))) return -1;
    }
  }
  if (a->pivot) {
    if (!a->pivot->col) return not_set(c, "spark.connect.Aggregate.Pivot", "col");
    if (!(r->u.aggregate.pivot_col = conv_expr(c, a->pivot->col, depth + 1))) return -1;
    if (a->pivot->n_values) {
      r->u.aggregate.npivot_values = (int)a->pivot->n_values;
      if (!(r->u.aggregate.pivot_values = em_spec_array(c->spec, a->pivot->n_values, sizeof(em_vec *))))
        return oom(c);
      for (size_t i = 0; i < a->pivot->n_values; i++)
        if (!(r->u.aggregate.pivot_values[i] = literal_vec(c, a->pivot->values[i]))) return -1;
    }
  }
  return 0;
}

static char *dup_str(cv *c, const char *s) {
  char *d = em_spec_strdup(c->spec, s ? s : "");
  if (!d) oom(c);
  return d;
}

static em_spec_rel *conv_stat_rel(cv *c, const Spark__Connect__Relation *rel, int depth) {
  em_spec_rel *r = NULL;
#define SNEW(kind)                                                  \
  do {                                                              \
    if (!(r = em_spec_rel_new(c->spec, kind))) return oom(c), NULL; \
  } while (0)
  switch (rel->rel_type_case) {
  case SPARK__CONNECT__RELATION__REL_TYPE_UNPIVOT: {
    const Spark__Connect__Unpivot *u = rel->unpivot;
    SNEW(EM_SR_UNPIVOT);
    INPUT(u);
    r->u.unpivot.nids = (int)u->n_ids;
    if (!(r->u.unpivot.ids = conv_exprs(c, u->ids, u->n_ids, depth))) return NULL;
    if (HAS(u, values) && u->values) {
      r->u.unpivot.nvalues = (int)u->values->n_values;
      if (!(r->u.unpivot.values = conv_exprs(c, u->values->values, u->values->n_values, depth))) return NULL;
    }
    if (!(r->u.unpivot.variable_name = dup_str(c, u->variable_column_name))) return NULL;
    if (!(r->u.unpivot.value_name = dup_str(c, u->value_column_name))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_COLLECT_METRICS: {
    const Spark__Connect__CollectMetrics *m = rel->collect_metrics;
    SNEW(EM_SR_COLLECT_METRICS);
    INPUT(m);
    if (!(r->u.metrics.name = dup_str(c, m->name))) return NULL;
    r->u.metrics.nmetrics = (int)m->n_metrics;
    if (!(r->u.metrics.metrics = conv_exprs(c, m->metrics, m->n_metrics, depth))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_SUMMARY: {
    const Spark__Connect__StatSummary *m = rel->summary;
    SNEW(EM_SR_STAT_SUMMARY);
    INPUT(m);
    r->u.stat.ncols = (int)m->n_statistics;
    if (!(r->u.stat.cols = conv_strings(c, m->statistics, m->n_statistics))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_DESCRIBE: {
    const Spark__Connect__StatDescribe *m = rel->describe;
    SNEW(EM_SR_STAT_DESCRIBE);
    INPUT(m);
    r->u.stat.ncols = (int)m->n_cols;
    if (!(r->u.stat.cols = conv_strings(c, m->cols, m->n_cols))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_CROSSTAB:
  case SPARK__CONNECT__RELATION__REL_TYPE_COV: {
    bool ct = rel->rel_type_case == SPARK__CONNECT__RELATION__REL_TYPE_CROSSTAB;
    SNEW(ct ? EM_SR_STAT_CROSSTAB : EM_SR_STAT_COV);
    const char *c1, *c2;
    if (ct) {
      INPUT(rel->crosstab);
      c1 = rel->crosstab->col1, c2 = rel->crosstab->col2;
    } else {
      INPUT(rel->cov);
      c1 = rel->cov->col1, c2 = rel->cov->col2;
    }
    if (!(r->u.stat.col1 = dup_str(c, c1)) || !(r->u.stat.col2 = dup_str(c, c2))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_CORR: {
    const Spark__Connect__StatCorr *m = rel->corr;
    SNEW(EM_SR_STAT_CORR);
    INPUT(m);
    if (!(r->u.stat.col1 = dup_str(c, m->col1)) || !(r->u.stat.col2 = dup_str(c, m->col2))) return NULL;
    if (HAS(m, method) && !(r->u.stat.method = dup_str(c, m->method))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_APPROX_QUANTILE: {
    const Spark__Connect__StatApproxQuantile *m = rel->approx_quantile;
    SNEW(EM_SR_STAT_APPROX_QUANTILE);
    INPUT(m);
    r->u.stat.ncols = (int)m->n_cols;
    if (!(r->u.stat.cols = conv_strings(c, m->cols, m->n_cols))) return NULL;
    r->u.stat.nprobs = (int)m->n_probabilities;
    if (!(r->u.stat.probs = em_spec_array(c->spec, m->n_probabilities + 1, sizeof(double)))) return oom(c), NULL;
    if (m->n_probabilities) memcpy(r->u.stat.probs, m->probabilities, sizeof(double) * m->n_probabilities);
    r->u.stat.relative_error = m->relative_error;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_FREQ_ITEMS: {
    const Spark__Connect__StatFreqItems *m = rel->freq_items;
    SNEW(EM_SR_STAT_FREQ_ITEMS);
    INPUT(m);
    r->u.stat.ncols = (int)m->n_cols;
    if (!(r->u.stat.cols = conv_strings(c, m->cols, m->n_cols))) return NULL;
    r->u.stat.has_support = HAS(m, support);
    r->u.stat.support = r->u.stat.has_support ? m->support : 0.01;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_SAMPLE_BY: {
    const Spark__Connect__StatSampleBy *m = rel->sample_by;
    SNEW(EM_SR_STAT_SAMPLE_BY);
    INPUT(m);
    if (!m->col) return not_set(c, "spark.connect.StatSampleBy", "col"), NULL;
    if (!(r->u.stat.col = conv_expr(c, m->col, depth + 1))) return NULL;
    r->u.stat.nfractions = (int)m->n_fractions;
    r->u.stat.strata = em_spec_array(c->spec, m->n_fractions + 1, sizeof(em_vec *));
    r->u.stat.fractions = em_spec_array(c->spec, m->n_fractions + 1, sizeof(double));
    if (!r->u.stat.strata || !r->u.stat.fractions) return oom(c), NULL;
    for (size_t i = 0; i < m->n_fractions; i++) {
      if (!m->fractions[i]->stratum) return not_set(c, "spark.connect.StatSampleBy.Fraction", "stratum"), NULL;
      if (!(r->u.stat.strata[i] = literal_vec(c, m->fractions[i]->stratum))) return NULL;
      r->u.stat.fractions[i] = m->fractions[i]->fraction;
    }
    r->u.stat.has_seed = HAS(m, seed);
    r->u.stat.seed = r->u.stat.has_seed ? m->seed : 0;
    break;
  }
  default:
    unsupported_field(c, &spark__connect__relation__descriptor, (unsigned)rel->rel_type_case);
    return NULL;
  }
#undef SNEW
  return r;
}

static em_spec_rel *conv_rel(cv *c, const Spark__Connect__Relation *rel, int depth) {
  if (depth > MAX_DEPTH) {
    em_error_internal(c->err, "plan nested deeper than %d levels", MAX_DEPTH);
    return NULL;
  }
  em_spec_rel *r = NULL;
#define NEW(kind)                                           \
  do {                                                      \
    if (!(r = em_spec_rel_new(c->spec, kind))) return oom(c), NULL; \
  } while (0)
  switch (rel->rel_type_case) {
  case SPARK__CONNECT__RELATION__REL_TYPE_RANGE: {
    const Spark__Connect__Range *rg = rel->range;
    NEW(EM_SR_RANGE);
    r->u.range.start = HAS(rg, start) ? rg->start : 0;
    r->u.range.end = rg->end;
    r->u.range.step = rg->step;
    r->u.range.num_partitions = HAS(rg, num_partitions) ? rg->num_partitions : 0;
    if (HAS(rg, num_partitions) && rg->num_partitions <= 0) {
      char v[32];
      snprintf(v, sizeof v, "%d", rg->num_partitions);
      em_error_set(c->err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                   em_arena_printf(&c->spec->arena, "requirement failed: numSlices must be positive (got %s)", v), NULL);
      return NULL;
    }
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_LOCAL_RELATION:
    NEW(EM_SR_LOCAL);
    if (conv_local(c, rel->local_relation, r)) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_CACHED_REMOTE_RELATION:
    NEW(EM_SR_CACHED_REMOTE);
    r->u.cached_remote.relation_id = em_arena_strdup(&c->spec->arena, rel->cached_remote_relation->relation_id);
    if (!r->u.cached_remote.relation_id) return oom(c), NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_CHUNKED_CACHED_LOCAL_RELATION:
    NEW(EM_SR_LOCAL);
    if (conv_chunked(c, rel->chunked_cached_local_relation, r)) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_PROJECT:
    NEW(EM_SR_PROJECT);
    if (rel->project->input) INPUT(rel->project);
    r->u.project.nexprs = (int)rel->project->n_expressions;
    if (!(r->u.project.exprs = conv_exprs(c, rel->project->expressions, rel->project->n_expressions, depth)))
      return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_FILTER:
    NEW(EM_SR_FILTER);
    INPUT(rel->filter);
    if (!rel->filter->condition) return not_set(c, "spark.connect.Filter", "condition"), NULL;
    if (!(r->u.filter.cond = conv_expr(c, rel->filter->condition, depth + 1))) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_LIMIT:
    NEW(EM_SR_LIMIT);
    INPUT(rel->limit);
    r->u.limit.n = rel->limit->limit;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_OFFSET:
    NEW(EM_SR_OFFSET);
    INPUT(rel->offset);
    r->u.limit.n = rel->offset->offset;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_TAIL:
    NEW(EM_SR_TAIL);
    INPUT(rel->tail);
    r->u.limit.n = rel->tail->limit;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_TO_DF:
    NEW(EM_SR_TO_DF);
    INPUT(rel->to_df);
    r->u.to_df.nnames = (int)rel->to_df->n_column_names;
    if (!(r->u.to_df.names = conv_strings(c, rel->to_df->column_names, rel->to_df->n_column_names))) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_SHOW_STRING:
    NEW(EM_SR_SHOW_STRING);
    INPUT(rel->show_string);
    r->u.show.num_rows = rel->show_string->num_rows;
    r->u.show.truncate = rel->show_string->truncate;
    r->u.show.vertical = rel->show_string->vertical;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_HTML_STRING:
    NEW(EM_SR_HTML_STRING);
    INPUT(rel->html_string);
    r->u.show.num_rows = rel->html_string->num_rows;
    r->u.show.truncate = rel->html_string->truncate;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_AGGREGATE: {
    const Spark__Connect__Aggregate *a = rel->aggregate;
    NEW(EM_SR_AGGREGATE);
    INPUT(a);
    r->u.aggregate.group_type = (em_agg_group_type)a->group_type;
    r->u.aggregate.ngroups = (int)a->n_grouping_expressions;
    if (!(r->u.aggregate.groups = conv_exprs(c, a->grouping_expressions, a->n_grouping_expressions, depth)))
      return NULL;
    r->u.aggregate.naggs = (int)a->n_aggregate_expressions;
    if (!(r->u.aggregate.aggs = conv_exprs(c, a->aggregate_expressions, a->n_aggregate_expressions, depth)))
      return NULL;
    if (conv_grouping_extras(c, a, r, depth)) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_SORT: {
    const Spark__Connect__Sort *s = rel->sort;
    NEW(EM_SR_SORT);
    INPUT(s);
    r->u.sort.norders = (int)s->n_order;
    r->u.sort.orders = em_spec_array(c->spec, s->n_order, sizeof(em_spec_expr *));
    if (!r->u.sort.orders) return oom(c), NULL;
    for (size_t i = 0; i < s->n_order; i++)
      if (!(r->u.sort.orders[i] = conv_sort_order(c, s->order[i], depth + 1))) return NULL;
    r->u.sort.global = !HAS(s, is_global) || s->is_global;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_WITH_COLUMNS: {
    const Spark__Connect__WithColumns *w = rel->with_columns;
    NEW(EM_SR_WITH_COLUMNS);
    INPUT(w);
    r->u.with_columns.naliases = (int)w->n_aliases;
    r->u.with_columns.aliases = em_spec_array(c->spec, w->n_aliases, sizeof(em_spec_expr *));
    if (!r->u.with_columns.aliases) return oom(c), NULL;
    for (size_t i = 0; i < w->n_aliases; i++)
      if (!(r->u.with_columns.aliases[i] = conv_alias(c, w->aliases[i], depth + 1))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_WITH_COLUMNS_RENAMED: {
    const Spark__Connect__WithColumnsRenamed *w = rel->with_columns_renamed;
    NEW(EM_SR_WITH_COLUMNS_RENAMED);
    INPUT(w);
    size_t n = w->n_renames + w->n_rename_columns_map;
    r->u.renamed.from = em_spec_array(c->spec, n, sizeof(char *));
    r->u.renamed.to = em_spec_array(c->spec, n, sizeof(char *));
    if (!r->u.renamed.from || !r->u.renamed.to) return oom(c), NULL;
    int k = 0;
    for (size_t i = 0; i < w->n_renames; i++, k++) {
      r->u.renamed.from[k] = em_spec_strdup(c->spec, w->renames[i]->col_name);
      r->u.renamed.to[k] = em_spec_strdup(c->spec, w->renames[i]->new_col_name);
    }
    for (size_t i = 0; i < w->n_rename_columns_map; i++, k++) {
      r->u.renamed.from[k] = em_spec_strdup(c->spec, w->rename_columns_map[i]->key);
      r->u.renamed.to[k] = em_spec_strdup(c->spec, w->rename_columns_map[i]->value);
    }
    r->u.renamed.n = k;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_DROP: {
    const Spark__Connect__Drop *d = rel->drop;
    NEW(EM_SR_DROP);
    INPUT(d);
    r->u.drop.ncols = (int)d->n_columns;
    if (!(r->u.drop.cols = conv_exprs(c, d->columns, d->n_columns, depth))) return NULL;
    r->u.drop.nnames = (int)d->n_column_names;
    if (!(r->u.drop.names = conv_strings(c, d->column_names, d->n_column_names))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_SUBQUERY_ALIAS: {
    const Spark__Connect__SubqueryAlias *s = rel->subquery_alias;
    NEW(EM_SR_SUBQUERY_ALIAS);
    INPUT(s);
    if (!(r->u.subquery_alias.alias = em_spec_strdup(c->spec, s->alias))) return oom(c), NULL;
    r->u.subquery_alias.nqualifier = (int)s->n_qualifier;
    if (!(r->u.subquery_alias.qualifier = conv_strings(c, s->qualifier, s->n_qualifier))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_DEDUPLICATE: {
    const Spark__Connect__Deduplicate *d = rel->deduplicate;
    NEW(EM_SR_DEDUPLICATE);
    INPUT(d);
    r->u.dedup.ncols = (int)d->n_column_names;
    if (!(r->u.dedup.cols = conv_strings(c, d->column_names, d->n_column_names))) return NULL;
    r->u.dedup.all_columns = HAS(d, all_columns_as_keys) && d->all_columns_as_keys;
    r->u.dedup.within_watermark = HAS(d, within_watermark) && d->within_watermark;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_JOIN: {
    const Spark__Connect__Join *j = rel->join;
    NEW(EM_SR_JOIN);
    if (!j->left) return not_set(c, "spark.connect.Join", "left"), NULL;
    if (!j->right) return not_set(c, "spark.connect.Join", "right"), NULL;
    if (j->join_type == SPARK__CONNECT__JOIN__JOIN_TYPE__JOIN_TYPE_UNSPECIFIED ||
        j->join_type > SPARK__CONNECT__JOIN__JOIN_TYPE__JOIN_TYPE_CROSS)
      return em_error_internal(c->err, "Join type %d is not supported", (int)j->join_type), NULL;
    if (j->join_condition && j->n_using_columns > 0)
      return em_error_internal(c->err, "Using columns or join conditions cannot be set at the same time in Join"),
             NULL;
    if (j->_join_data_type_case && j->join_data_type &&
        (j->join_data_type->is_left_struct || j->join_data_type->is_right_struct))
      return unsupported_field(c, &spark__connect__join__descriptor, 6), NULL;
    if (!(r->input = conv_rel(c, j->left, depth + 1))) return NULL;
    if (!(r->u.join.right = conv_rel(c, j->right, depth + 1))) return NULL;
    if (j->join_condition && !(r->u.join.cond = conv_expr(c, j->join_condition, depth + 1))) return NULL;
    r->u.join.type = (em_join_type)j->join_type;
    r->u.join.nusing = (int)j->n_using_columns;
    if (!(r->u.join.using_cols = conv_strings(c, j->using_columns, j->n_using_columns))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_CATALOG:
    /* spark.catalog.*: answered now, as local rows (catalog_rel.c). */
    if (!(r = em_connect_catalog_rel(c->sess, rel->catalog, c->spec, c->err))) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_SQL:
    /* SQL text is parsed here (sql_proto.c), into the same spec. */
    if (!(r = em_connect_sql_rel(c->sess, rel->sql, c->spec, c->err))) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_READ:
    if (rel->read->read_type_case == SPARK__CONNECT__READ__READ_TYPE_NAMED_TABLE) {
      /* spark.table / spark.read.table: a view or table by name (views.c). */
      if (!(r = em_connect_named_table(c->sess, rel->read->named_table->unparsed_identifier, c->spec, c->err)))
        return NULL;
      break;
    }
    NEW(EM_SR_READ); /* a data source (resolve_read.c) */
    if (conv_read(c, rel->read, r)) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_REPARTITION:
    NEW(EM_SR_REPARTITION);
    INPUT(rel->repartition);
    r->u.repartition.num_partitions = rel->repartition->num_partitions;
    r->u.repartition.shuffle = HAS(rel->repartition, shuffle) && rel->repartition->shuffle;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_REPARTITION_BY_EXPRESSION: {
    const Spark__Connect__RepartitionByExpression *x = rel->repartition_by_expression;
    NEW(EM_SR_REPARTITION_BY_EXPR);
    INPUT(x);
    r->u.repart_expr.nexprs = (int)x->n_partition_exprs;
    if (!(r->u.repart_expr.exprs = conv_exprs(c, x->partition_exprs, x->n_partition_exprs, depth))) return NULL;
    r->u.repart_expr.num_partitions = HAS(x, num_partitions) ? x->num_partitions : 0;
    if (HAS(x, num_partitions) && x->num_partitions <= 0) r->u.repart_expr.num_partitions = -1;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_HINT:
    NEW(EM_SR_HINT);
    INPUT(rel->hint);
    if (!(r->u.hint.name = em_spec_strdup(c->spec, rel->hint->name))) return oom(c), NULL;
    r->u.hint.nparams = (int)rel->hint->n_parameters;
    if (!(r->u.hint.params = conv_exprs(c, rel->hint->parameters, rel->hint->n_parameters, depth))) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_SET_OP: {
    const Spark__Connect__SetOperation *so = rel->set_op;
    NEW(EM_SR_SET_OP);
    if (!so->left_input) return not_set(c, "spark.connect.SetOperation", "left_input"), NULL;
    if (!so->right_input) return not_set(c, "spark.connect.SetOperation", "right_input"), NULL;
    if (!(r->input = conv_rel(c, so->left_input, depth + 1))) return NULL;
    if (!(r->u.set_op.right = conv_rel(c, so->right_input, depth + 1))) return NULL;
    switch (so->set_op_type) {
    case SPARK__CONNECT__SET_OPERATION__SET_OP_TYPE__SET_OP_TYPE_UNION: r->u.set_op.op = EM_SET_UNION; break;
    case SPARK__CONNECT__SET_OPERATION__SET_OP_TYPE__SET_OP_TYPE_INTERSECT: r->u.set_op.op = EM_SET_INTERSECT; break;
    case SPARK__CONNECT__SET_OPERATION__SET_OP_TYPE__SET_OP_TYPE_EXCEPT: r->u.set_op.op = EM_SET_EXCEPT; break;
    default: return not_set(c, "spark.connect.SetOperation", "set_op_type"), NULL;
    }
    r->u.set_op.all = HAS(so, is_all) && so->is_all;
    r->u.set_op.by_name = HAS(so, by_name) && so->by_name;
    r->u.set_op.allow_missing = HAS(so, allow_missing_columns) && so->allow_missing_columns;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_SAMPLE: {
    const Spark__Connect__Sample *sa = rel->sample;
    NEW(EM_SR_SAMPLE);
    INPUT(sa);
    r->u.sample.lower = sa->lower_bound;
    r->u.sample.upper = sa->upper_bound;
    r->u.sample.with_replacement = HAS(sa, with_replacement) && sa->with_replacement;
    r->u.sample.has_seed = HAS(sa, seed);
    r->u.sample.seed = HAS(sa, seed) ? sa->seed : 0;
    r->u.sample.deterministic_order = sa->deterministic_order;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_TO_SCHEMA: {
    NEW(EM_SR_TO_SCHEMA);
    INPUT(rel->to_schema);
    if (!rel->to_schema->schema) return not_set(c, "spark.connect.ToSchema", "schema"), NULL;
    em_type *t = em_type_from_proto(rel->to_schema->schema, c->err);
    if (!t) return NULL;
    if (em_spec_own_type(c->spec, t)) {
      em_type_unref(t);
      return oom(c), NULL;
    }
    if (t->id != EM_T_STRUCT) return em_error_internal(c->err, "ToSchema needs a struct schema"), NULL;
    r->u.to_schema.schema = t;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_WITH_WATERMARK:
    NEW(EM_SR_WITH_WATERMARK);
    INPUT(rel->with_watermark);
    r->u.watermark.event_time = em_spec_strdup(c->spec, rel->with_watermark->event_time);
    r->u.watermark.delay = em_spec_strdup(c->spec, rel->with_watermark->delay_threshold);
    if (!r->u.watermark.event_time || !r->u.watermark.delay) return oom(c), NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE_FILL_NA: {
    const Spark__Connect__NAFill *f = rel->fill_na;
    NEW(EM_SR_FILL_NA);
    INPUT(f);
    if (f->n_values == 0) {
      em_error_set(c->err, EM_ERR_CONNECT_INVALID_PLAN_INPUT, "message", "values must contains at least 1 item!", NULL);
      return NULL;
    }
    if (f->n_values > 1 && f->n_values != f->n_cols) {
      em_error_set(c->err, EM_ERR_CONNECT_INVALID_PLAN_INPUT, "message",
                   "When values contains more than 1 items, values and cols should have the same length!", NULL);
      return NULL;
    }
    r->u.na_fill.ncols = (int)f->n_cols;
    if (!(r->u.na_fill.cols = conv_strings(c, f->cols, f->n_cols))) return NULL;
    r->u.na_fill.nvalues = (int)f->n_values;
    if (!(r->u.na_fill.values = em_spec_array(c->spec, f->n_values, sizeof(em_vec *)))) return oom(c), NULL;
    for (size_t i = 0; i < f->n_values; i++)
      if (!(r->u.na_fill.values[i] = literal_vec(c, f->values[i]))) return NULL;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_DROP_NA: {
    const Spark__Connect__NADrop *d = rel->drop_na;
    NEW(EM_SR_DROP_NA);
    INPUT(d);
    r->u.na_drop.ncols = (int)d->n_cols;
    if (!(r->u.na_drop.cols = conv_strings(c, d->cols, d->n_cols))) return NULL;
    r->u.na_drop.min_non_nulls = HAS(d, min_non_nulls) ? d->min_non_nulls : -1;
    break;
  }
  case SPARK__CONNECT__RELATION__REL_TYPE_REPLACE: {
    const Spark__Connect__NAReplace *x = rel->replace;
    NEW(EM_SR_REPLACE);
    INPUT(x);
    r->u.na_replace.ncols = (int)x->n_cols;
    if (!(r->u.na_replace.cols = conv_strings(c, x->cols, x->n_cols))) return NULL;
    r->u.na_replace.n = (int)x->n_replacements;
    r->u.na_replace.olds = em_spec_array(c->spec, x->n_replacements, sizeof(em_vec *));
    r->u.na_replace.news = em_spec_array(c->spec, x->n_replacements, sizeof(em_vec *));
    if (!r->u.na_replace.olds || !r->u.na_replace.news) return oom(c), NULL;
    for (size_t i = 0; i < x->n_replacements; i++) {
      const Spark__Connect__NAReplace__Replacement *rp = x->replacements[i];
      if (!rp->old_value || !rp->new_value) return not_set(c, "spark.connect.NAReplace.Replacement", "old_value"), NULL;
      if (!(r->u.na_replace.olds[i] = literal_vec(c, rp->old_value))) return NULL;
      if (!(r->u.na_replace.news[i] = literal_vec(c, rp->new_value))) return NULL;
    }
    break;
  }
  /* Unpivot, CollectMetrics and the Stat* relations (conv_stat_rel). */
  case SPARK__CONNECT__RELATION__REL_TYPE_UNPIVOT:
  case SPARK__CONNECT__RELATION__REL_TYPE_COLLECT_METRICS:
  case SPARK__CONNECT__RELATION__REL_TYPE_SUMMARY:
  case SPARK__CONNECT__RELATION__REL_TYPE_CROSSTAB:
  case SPARK__CONNECT__RELATION__REL_TYPE_DESCRIBE:
  case SPARK__CONNECT__RELATION__REL_TYPE_COV:
  case SPARK__CONNECT__RELATION__REL_TYPE_CORR:
  case SPARK__CONNECT__RELATION__REL_TYPE_APPROX_QUANTILE:
  case SPARK__CONNECT__RELATION__REL_TYPE_FREQ_ITEMS:
  case SPARK__CONNECT__RELATION__REL_TYPE_SAMPLE_BY:
    if (!(r = conv_stat_rel(c, rel, depth))) return NULL;
    break;
  case SPARK__CONNECT__RELATION__REL_TYPE__NOT_SET:
    not_set(c, "spark.connect.Relation", "rel_type");
    return NULL;
  default:
    unsupported_field(c, &spark__connect__relation__descriptor, (unsigned)rel->rel_type_case);
    return NULL;
  }
#undef NEW
  if (rel->common && HAS(rel->common, plan_id)) r->plan_id = rel->common->plan_id;
  return r;
}

em_spec_expr *em_proto_expr_to_spec(em_session *sess, const Spark__Connect__Expression *e, em_spec *spec,
                                    em_error *err) {
  cv c = {.sess = sess, .spec = spec, .err = err};
  return conv_expr(&c, e, 0);
}

em_spec_expr *em_proto_literal_to_spec(em_session *sess, const Spark__Connect__Expression__Literal *l, em_spec *spec,
                                       em_error *err) {
  cv c = {.sess = sess, .spec = spec, .err = err};
  em_spec_expr *x = em_spec_expr_new(spec, EM_SE_LITERAL);
  if (!x) return oom(&c), NULL;
  if (!(x->u.lit.value = literal_vec(&c, l))) return NULL;
  return x;
}

int em_proto_to_spec(em_session *sess, const Spark__Connect__Relation *rel, em_spec *spec, em_spec_rel **out,
                     em_error *err) {
  cv c = {.sess = sess, .spec = spec, .err = err};
  em_spec_rel *r = conv_rel(&c, rel, 0);
  if (!r) return -1;
  *out = r;
  return 0;
}

int em_plan_root(const Spark__Connect__Plan *plan, Spark__Connect__Relation **root, Spark__Connect__Relation **owned,
                 em_error *err) {
  *owned = NULL;
  if (!plan) return em_error_set(err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.Plan", "name", "op_type", NULL);
  if (plan->op_type_case == SPARK__CONNECT__PLAN__OP_TYPE_ROOT) {
    *root = plan->root;
    return 0;
  }
  if (plan->op_type_case == SPARK__CONNECT__PLAN__OP_TYPE_COMPRESSED_OPERATION) {
    const Spark__Connect__Plan__CompressedOperation *co = plan->compressed_operation;
    if (co->op_type != SPARK__CONNECT__PLAN__COMPRESSED_OPERATION__OP_TYPE__OP_TYPE_RELATION)
      return em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "expected a relation", NULL);
    uint8_t *buf = NULL;
    size_t n = 0;
    if (em_zstd_decompress(co, &buf, &n, err)) return -1;
    *owned = spark__connect__relation__unpack(NULL, n, buf);
    em_free(buf);
    if (!*owned) return em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "invalid relation", NULL);
    *root = *owned;
    return 0;
  }
  return em_error_set(err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Plan", "name", "command", "number", "2",
                      NULL);
}
