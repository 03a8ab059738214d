/*
 * The Parquet schema Spark writes for a Spark schema (Spark's
 * SparkToParquetSchemaConverter in its default, non-legacy mode):
 *   boolean -> BOOLEAN; byte/short -> INT32 INT(8/16, signed) (INT_8/16);
 *   int -> INT32; long -> INT64; float/double -> FLOAT/DOUBLE;
 *   string (char, varchar) -> BYTE_ARRAY STRING (UTF8); binary -> BYTE_ARRAY;
 *   date -> INT32 DATE; interval year-month -> INT32, day-time -> INT64 (no
 *   annotation: Spark recovers them from its schema in the footer);
 *   void -> BOOLEAN UNKNOWN (all null); timestamp -> INT96 (spark.sql.parquet.
 *   outputTimestampType's default) or INT64 TIMESTAMP(UTC, MICROS/MILLIS);
 *   timestamp_ntz -> INT64 TIMESTAMP(not UTC, MICROS);
 *   decimal(p, s) -> INT32 when p <= 9, INT64 when p <= 18, else
 *   FIXED_LEN_BYTE_ARRAY of the fewest bytes holding p digits, DECIMAL(p, s);
 *   array -> <rep> group (LIST) { repeated group list { <rep> element } };
 *   map -> <rep> group (MAP) { repeated group key_value { required key;
 *   <rep> value } }; struct -> group of its fields.
 * A nullable field is OPTIONAL, a non-nullable one REQUIRED; the root is
 * the message "spark_schema".
 */
#include "parquet_write_int.h"

#include <string.h>

/* ConvertedType ids. */
enum { CT_UTF8 = 0, CT_MAP = 1, CT_LIST = 3, CT_DECIMAL = 5, CT_DATE = 6, CT_TS_MILLIS = 9, CT_TS_MICROS = 10,
       CT_INT_8 = 15, CT_INT_16 = 16 };

bool em_pqw_type_ok(const em_type *t) {
  switch (t->id) {
  case EM_T_BOOLEAN: case EM_T_BYTE: case EM_T_SHORT: case EM_T_INT: case EM_T_LONG: case EM_T_FLOAT:
  case EM_T_DOUBLE: case EM_T_DECIMAL: case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR: case EM_T_BINARY:
  case EM_T_DATE: case EM_T_TIMESTAMP: case EM_T_TIMESTAMP_NTZ: case EM_T_YM_INTERVAL: case EM_T_DT_INTERVAL:
  case EM_T_NULL:
    return true;
  case EM_T_ARRAY: return em_pqw_type_ok(t->u.array.elem);
  case EM_T_MAP: return em_pqw_type_ok(t->u.map.key) && em_pqw_type_ok(t->u.map.value);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (!em_pqw_type_ok(t->u.st.fields[i].type)) return false;
    return true;
  default: return false;
  }
}

/* Bytes of the smallest two's complement integer holding p decimal digits
 * (Spark's Decimal.minBytesForPrecision). */
static int min_bytes(int p) {
  int n = 1;
  for (;;) {
    /* 2^(8n-1) > 10^p, compared in log2: 8n-1 > p*log2(10). */
    double bits = 8.0 * n - 1;
    if (bits > p * 3.321928094887362) return n;
    n++;
  }
}

typedef struct builder {
  em_pqw_schema *s;
  em_pqw_ts_out ts;
  int capelems, capleaves;
  const char *path[64];
  int depth;
  bool oom;
} builder;

static em_pqw_selem *new_elem(builder *b, const char *name, int repetition) {
  em_pqw_schema *s = b->s;
  if (s->nelems == b->capelems) {
    int cap = b->capelems ? 2 * b->capelems : 16;
    em_pqw_selem *e = em_realloc(s->elems, (size_t)cap * sizeof *e);
    if (!e) {
      b->oom = true;
      return NULL;
    }
    s->elems = e;
    b->capelems = cap;
  }
  em_pqw_selem *e = &s->elems[s->nelems++];
  memset(e, 0, sizeof *e);
  e->name = name;
  e->type = -1;
  e->repetition = repetition;
  e->converted = -1;
  e->logical = EM_PQL_NONE;
  return e;
}

static em_pqw_node *node_new(builder *b, em_pqw_kind kind, const em_type *t, bool optional, int def, int rep) {
  em_pqw_node *n = em_arena_calloc(&b->s->arena, sizeof *n);
  if (!n) {
    b->oom = true;
    return NULL;
  }
  n->kind = kind;
  n->type = t;
  n->optional = optional;
  n->def = def;
  n->rep = rep;
  n->first_leaf = b->s->nleaves;
  n->leaf = -1;
  return n;
}

static void leaf_for(builder *b, em_pqw_node *n, em_pqw_selem *e) {
  const em_type *t = n->type;
  em_pqw_leaf lf = {0};
  lf.dictionary = true;
  switch (t->id) {
  case EM_T_BOOLEAN:
    lf.ptype = EM_PQ_BOOLEAN, lf.conv = EM_PQW_BOOL, lf.order = EM_PQW_ORD_BOOL, lf.dictionary = false;
    break;
  case EM_T_BYTE:
  case EM_T_SHORT:
    lf.ptype = EM_PQ_INT32, lf.order = EM_PQW_ORD_I32;
    lf.conv = t->id == EM_T_BYTE ? EM_PQW_I8 : EM_PQW_I16;
    e->logical = EM_PQL_INT, e->bit_width = t->id == EM_T_BYTE ? 8 : 16;
    e->converted = t->id == EM_T_BYTE ? CT_INT_8 : CT_INT_16;
    break;
  case EM_T_INT: lf.ptype = EM_PQ_INT32, lf.conv = EM_PQW_I32, lf.order = EM_PQW_ORD_I32; break;
  case EM_T_DATE:
    lf.ptype = EM_PQ_INT32, lf.conv = EM_PQW_I32, lf.order = EM_PQW_ORD_I32;
    e->logical = EM_PQL_DATE, e->converted = CT_DATE;
    break;
  case EM_T_YM_INTERVAL: lf.ptype = EM_PQ_INT32, lf.conv = EM_PQW_I32, lf.order = EM_PQW_ORD_I32; break;
  case EM_T_LONG:
  case EM_T_DT_INTERVAL: lf.ptype = EM_PQ_INT64, lf.conv = EM_PQW_I64, lf.order = EM_PQW_ORD_I64; break;
  case EM_T_NULL: /* void: an all-null BOOLEAN annotated UNKNOWN (Spark's "Null") */
    lf.ptype = EM_PQ_BOOLEAN, lf.conv = EM_PQW_BOOL, lf.order = EM_PQW_ORD_BOOL, lf.dictionary = false;
    e->logical = EM_PQL_UNKNOWN;
    break;
  case EM_T_FLOAT: lf.ptype = EM_PQ_FLOAT, lf.conv = EM_PQW_F32, lf.order = EM_PQW_ORD_F32; break;
  case EM_T_DOUBLE: lf.ptype = EM_PQ_DOUBLE, lf.conv = EM_PQW_F64, lf.order = EM_PQW_ORD_F64; break;
  case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR:
    lf.ptype = EM_PQ_BYTE_ARRAY, lf.conv = EM_PQW_BYTES, lf.order = EM_PQW_ORD_UNSIGNED;
    e->logical = EM_PQL_STRING, e->converted = CT_UTF8;
    break;
  case EM_T_BINARY: lf.ptype = EM_PQ_BYTE_ARRAY, lf.conv = EM_PQW_BYTES, lf.order = EM_PQW_ORD_UNSIGNED; break;
  case EM_T_TIMESTAMP_NTZ:
    lf.ptype = EM_PQ_INT64, lf.conv = EM_PQW_I64, lf.order = EM_PQW_ORD_I64;
    e->logical = EM_PQL_TIMESTAMP, e->utc = false, e->unit = EM_PQ_MICROS;
    break;
  case EM_T_TIMESTAMP:
    if (b->ts == EM_PQW_TS_INT96_OUT) {
      lf.ptype = EM_PQ_INT96, lf.conv = EM_PQW_TS_INT96, lf.order = EM_PQW_ORD_NONE;
    } else {
      bool ms = b->ts == EM_PQW_TS_MILLIS_OUT;
      lf.ptype = EM_PQ_INT64, lf.conv = ms ? EM_PQW_TS_MILLIS : EM_PQW_I64, lf.order = EM_PQW_ORD_I64;
      e->logical = EM_PQL_TIMESTAMP, e->utc = true, e->unit = ms ? EM_PQ_MILLIS : EM_PQ_MICROS;
      e->converted = ms ? CT_TS_MILLIS : CT_TS_MICROS;
    }
    break;
  case EM_T_DECIMAL: {
    int p = t->u.dec.precision;
    e->logical = EM_PQL_DECIMAL, e->converted = CT_DECIMAL, e->precision = p, e->scale = t->u.dec.scale;
    if (p <= 9) {
      lf.ptype = EM_PQ_INT32, lf.conv = EM_PQW_DEC32, lf.order = EM_PQW_ORD_I32;
    } else if (p <= 18) {
      lf.ptype = EM_PQ_INT64, lf.conv = EM_PQW_DEC64, lf.order = EM_PQW_ORD_I64;
    } else {
      lf.ptype = EM_PQ_FLBA, lf.conv = EM_PQW_DECFLBA, lf.order = EM_PQW_ORD_SIGNED_BE;
      lf.type_length = e->type_length = min_bytes(p);
      lf.dictionary = false;
    }
    break;
  }
  default: b->oom = true; return; /* refused by em_pqw_type_ok */
  }
  e->type = lf.ptype;
  lf.max_def = n->def;
  lf.max_rep = n->rep;
  lf.npath = b->depth;
  lf.path = em_arena_alloc(&b->s->arena, (size_t)(b->depth ? b->depth : 1) * sizeof *lf.path);
  if (!lf.path) {
    b->oom = true;
    return;
  }
  memcpy(lf.path, b->path, (size_t)b->depth * sizeof *lf.path);
  em_pqw_schema *s = b->s;
  if (s->nleaves == b->capleaves) {
    int cap = b->capleaves ? 2 * b->capleaves : 16;
    em_pqw_leaf *l = em_realloc(s->leaves, (size_t)cap * sizeof *l);
    if (!l) {
      b->oom = true;
      return;
    }
    s->leaves = l;
    b->capleaves = cap;
  }
  n->leaf = s->nleaves;
  s->leaves[s->nleaves++] = lf;
}

/* The node of field `name` of type t at parent levels (def, rep). */
static em_pqw_node *build(builder *b, const char *name, const em_type *t, bool nullable, int repetition, int def,
                          int rep);

static em_pqw_node *children(builder *b, em_pqw_node *n, int count) {
  n->nchildren = count;
  n->children = em_arena_calloc(&b->s->arena, (size_t)(count ? count : 1) * sizeof *n->children);
  if (!n->children) b->oom = true;
  return b->oom ? NULL : n;
}

static em_pqw_node *build(builder *b, const char *name, const em_type *t, bool nullable, int repetition, int def,
                          int rep) {
  if (b->oom || b->depth >= (int)(sizeof b->path / sizeof b->path[0])) {
    b->oom = true;
    return NULL;
  }
  b->path[b->depth++] = name;
  int d = def + (nullable ? 1 : 0);
  size_t ei = (size_t)b->s->nelems;
  em_pqw_selem *e = new_elem(b, name, repetition);
  em_pqw_node *n = NULL;
  if (!e) goto out;
  switch (t->id) {
  case EM_T_STRUCT: {
    n = node_new(b, EM_PQW_STRUCT, t, nullable, d, rep);
    if (!n || !children(b, n, t->u.st.nfields)) break;
    e->num_children = t->u.st.nfields;
    for (int i = 0; i < t->u.st.nfields && !b->oom; i++) {
      const em_field *f = &t->u.st.fields[i];
      n->children[i] = build(b, f->name, f->type, f->nullable, f->nullable ? EM_PQ_OPTIONAL : EM_PQ_REQUIRED, d, rep);
    }
    break;
  }
  case EM_T_ARRAY: {
    n = node_new(b, EM_PQW_LIST, t, nullable, d, rep);
    if (!n || !children(b, n, 1)) break;
    e->num_children = 1, e->logical = EM_PQL_LIST, e->converted = CT_LIST;
    em_pqw_selem *g = new_elem(b, "list", EM_PQ_REPEATED);
    if (!g) break;
    g->num_children = 1;
    b->path[b->depth++] = "list";
    bool cn = t->u.array.contains_null;
    n->children[0] = build(b, "element", t->u.array.elem, cn, cn ? EM_PQ_OPTIONAL : EM_PQ_REQUIRED, d + 1, rep + 1);
    b->depth--;
    break;
  }
  case EM_T_MAP: {
    n = node_new(b, EM_PQW_MAP, t, nullable, d, rep);
    if (!n || !children(b, n, 2)) break;
    e->num_children = 1, e->logical = EM_PQL_MAP, e->converted = CT_MAP;
    em_pqw_selem *g = new_elem(b, "key_value", EM_PQ_REPEATED);
    if (!g) break;
    g->num_children = 2;
    b->path[b->depth++] = "key_value";
    n->children[0] = build(b, "key", t->u.map.key, false, EM_PQ_REQUIRED, d + 1, rep + 1);
    bool vn = t->u.map.value_contains_null;
    n->children[1] = build(b, "value", t->u.map.value, vn, vn ? EM_PQ_OPTIONAL : EM_PQ_REQUIRED, d + 1, rep + 1);
    b->depth--;
    break;
  }
  default:
    n = node_new(b, EM_PQW_LEAF, t, nullable, d, rep);
    if (n) leaf_for(b, n, &b->s->elems[ei]);
    break;
  }
  if (n) n->nleaves = b->s->nleaves - n->first_leaf;
out:
  b->depth--;
  return b->oom ? NULL : n;
}

int em_pqw_schema_build(const em_type *schema, em_pqw_ts_out ts, em_pqw_schema **out, em_error *err) {
  em_pqw_schema *s = em_calloc(1, sizeof *s);
  if (!s) return em_error_internal(err, "out of memory");
  em_arena_init(&s->arena, 4096);
  builder b = {.s = s, .ts = ts};
  em_pqw_selem *root = new_elem(&b, "spark_schema", -1);
  if (root) root->num_children = schema->u.st.nfields;
  em_pqw_node *r = b.oom ? NULL : node_new(&b, EM_PQW_STRUCT, schema, false, 0, 0);
  if (r && children(&b, r, schema->u.st.nfields)) {
    for (int i = 0; i < schema->u.st.nfields && !b.oom; i++) {
      const em_field *f = &schema->u.st.fields[i];
      r->children[i] = build(&b, f->name, f->type, f->nullable, f->nullable ? EM_PQ_OPTIONAL : EM_PQ_REQUIRED, 0, 0);
    }
    r->nleaves = s->nleaves;
  }
  if (b.oom) {
    em_pqw_schema_free(s);
    return em_error_internal(err, "out of memory");
  }
  s->root = r;
  *out = s;
  return 0;
}

void em_pqw_schema_free(em_pqw_schema *s) {
  if (!s) return;
  em_free(s->elems);
  em_free(s->leaves);
  em_arena_destroy(&s->arena);
  em_free(s);
}
