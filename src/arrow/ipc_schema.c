/*
 * Arrow IPC schema messages: Spark types to Arrow Field tables (writer) and
 * Arrow Field tables to Spark types (reader), following Spark's ArrowUtils
 * mapping (spark-connect-protocol.md section 11).
 *
 * Reading widens what Spark itself accepts to what pyarrow and the Arrow
 * integration files produce where a Spark type exists (date64 -> date,
 * any timestamp/duration unit, large and fixed-size variants, decimal32/64
 * and decimal256 up to precision 38); everything else is reported as
 * UNSUPPORTED_ARROWTYPE, as Spark does. The schema is hostile input: depth
 * and the total number of fields are bounded, because tables may be shared
 * (many vector entries pointing at one table) and would otherwise expand
 * exponentially.
 */
#include "ipc_int.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 100000

typedef struct decode_ctx {
  em_fb *fb;
  int nfields_seen;
  em_error *err;
} decode_ctx;

static int bad_schema(decode_ctx *c, const char *what) {
  return em_error_internal(c->err, "Invalid Arrow IPC schema: %s", what);
}

static int unsupported(decode_ctx *c, const char *fmt, long long a, long long b) {
  char name[96];
  snprintf(name, sizeof name, fmt, a, b);
  return em_error_set(c->err, EM_ERR_UNSUPPORTED_ARROWTYPE, "typeName", name, NULL);
}

void em_ipc_fields_free(em_ipc_field *fields, int n) {
  if (!fields) return;
  for (int i = 0; i < n; i++) {
    em_ipc_fields_free(fields[i].children, fields[i].nchildren);
    em_type_unref(fields[i].type);
  }
  em_free(fields);
}

/* Maps the Arrow type of f (children already decoded) to f->type. */
static int map_type(decode_ctx *c, em_ipc_field *f, const em_fbt *tt) {
  em_fb *fb = c->fb;
  em_type *t = NULL;
  switch (f->atype) {
  case EM_AT_NULL: t = em_type_null(); break;
  case EM_AT_BOOL: t = em_type_boolean(); break;
  case EM_AT_INT: {
    int bw = (int)em_ipc_fb_int(fb, tt, 0, 4, 0);
    bool sgn = em_ipc_fb_int(fb, tt, 1, 1, 0) != 0;
    f->bit_width = bw;
    if (!sgn) {
      /* Unsigned integers widen to the next signed type that holds every
       * value (uint64 to decimal(20,0), as Spark's Parquet reader does). */
      f->is_unsigned = true;
      if (bw == 8) t = em_type_short();
      else if (bw == 16) t = em_type_int();
      else if (bw == 32) t = em_type_long();
      else if (bw == 64) t = em_type_decimal(20, 0);
      else return unsupported(c, "Int(%lld, false)", bw, 0);
      break;
    }
    if (bw == 8) t = em_type_byte();
    else if (bw == 16) t = em_type_short();
    else if (bw == 32) t = em_type_int();
    else if (bw == 64) t = em_type_long();
    else return unsupported(c, "Int(%lld, true)", bw, 0);
    break;
  }
  case EM_AT_FLOAT: {
    int64_t p = em_ipc_fb_int(fb, tt, 0, 2, 0);
    if (p == 1) t = em_type_float(), f->bit_width = 32;
    else if (p == 2) t = em_type_double(), f->bit_width = 64;
    else return unsupported(c, p == 0 ? "FloatingPoint(HALF)" : "FloatingPoint(%lld)", p, 0);
    break;
  }
  case EM_AT_UTF8:
  case EM_AT_LARGE_UTF8: t = em_type_string(); break;
  case EM_AT_BINARY:
  case EM_AT_LARGE_BINARY: t = em_type_binary(); break;
  case EM_AT_FIXED_BINARY: {
    int64_t w = em_ipc_fb_int(fb, tt, 0, 4, 0);
    if (w < 0) return bad_schema(c, "negative FixedSizeBinary width");
    f->bit_width = (int)w;
    t = em_type_binary();
    break;
  }
  case EM_AT_DECIMAL: {
    int64_t p = em_ipc_fb_int(fb, tt, 0, 4, 0), s = em_ipc_fb_int(fb, tt, 1, 4, 0);
    int64_t bw = em_ipc_fb_int(fb, tt, 2, 4, 128);
    if (bw != 32 && bw != 64 && bw != 128 && bw != 256) return unsupported(c, "Decimal(bitWidth %lld)", bw, 0);
    if (p < 1 || p > 38 || s < 0 || s > p) return unsupported(c, "Decimal(%lld, %lld)", p, s);
    f->bit_width = (int)bw;
    t = em_type_decimal((int)p, (int)s);
    break;
  }
  case EM_AT_DATE:
    f->unit = (int)em_ipc_fb_int(fb, tt, 0, 2, 1);
    if (f->unit != 0 && f->unit != 1) return bad_schema(c, "Date unit");
    t = em_type_date();
    break;
  case EM_AT_TIME: {
    f->unit = (int)em_ipc_fb_int(fb, tt, 0, 2, EM_TU_MILLI);
    f->bit_width = (int)em_ipc_fb_int(fb, tt, 1, 4, 32);
    bool ok = (f->bit_width == 32 && (f->unit == EM_TU_SECOND || f->unit == EM_TU_MILLI)) ||
              (f->bit_width == 64 && (f->unit == EM_TU_MICRO || f->unit == EM_TU_NANO));
    if (!ok) return bad_schema(c, "Time unit/bitWidth");
    /* Arrow times carry no precision; Spark reads them all as TIME(6). */
    t = em_type_time(6);
    break;
  }
  case EM_AT_TIMESTAMP: {
    f->unit = (int)em_ipc_fb_int(fb, tt, 0, 2, EM_TU_SECOND);
    if (f->unit < 0 || f->unit > 3) return bad_schema(c, "Timestamp unit");
    uint32_t n;
    const char *tz = em_ipc_fb_string(fb, tt, 1, &n);
    t = (tz && n > 0) ? em_type_timestamp() : em_type_timestamp_ntz();
    break;
  }
  case EM_AT_DURATION:
    f->unit = (int)em_ipc_fb_int(fb, tt, 0, 2, EM_TU_MILLI);
    if (f->unit < 0 || f->unit > 3) return bad_schema(c, "Duration unit");
    t = em_type_dt_interval(EM_DT_DAY, EM_DT_SECOND);
    break;
  case EM_AT_INTERVAL:
    f->unit = (int)em_ipc_fb_int(fb, tt, 0, 2, EM_IU_YEAR_MONTH);
    if (f->unit == EM_IU_YEAR_MONTH) t = em_type_ym_interval(EM_YM_YEAR, EM_YM_MONTH);
    else if (f->unit == EM_IU_DAY_TIME || f->unit == EM_IU_MONTH_DAY_NANO) t = em_type_cal_interval();
    else return bad_schema(c, "Interval unit");
    break;
  case EM_AT_LIST:
  case EM_AT_LARGE_LIST:
  case EM_AT_FIXED_LIST:
    if (f->nchildren != 1) return bad_schema(c, "list without exactly one child");
    if (f->atype == EM_AT_FIXED_LIST) {
      f->list_size = (int32_t)em_ipc_fb_int(fb, tt, 0, 4, 0);
      if (f->list_size < 0) return bad_schema(c, "negative FixedSizeList size");
    }
    t = em_type_array(em_type_ref(f->children[0].type), f->children[0].nullable);
    break;
  case EM_AT_STRUCT: {
    t = em_type_struct_new(f->nchildren);
    if (!t) break;
    for (int i = 0; i < f->nchildren; i++) {
      /* Names were stashed in the child's type slot order: see decode_field. */
      em_ipc_field *ch = &f->children[i];
      if (em_type_struct_set(t, i, "", em_type_ref(ch->type), ch->nullable, NULL)) {
        em_type_unref(t);
        t = NULL;
        break;
      }
    }
    break;
  }
  case EM_AT_MAP: {
    if (f->nchildren != 1) return bad_schema(c, "map without exactly one child");
    em_ipc_field *e = &f->children[0];
    if (e->atype != EM_AT_STRUCT || e->nchildren != 2 || e->dict_id >= 0)
      return bad_schema(c, "map entries are not a struct of two fields");
    t = em_type_map(em_type_ref(e->children[0].type), em_type_ref(e->children[1].type), e->children[1].nullable);
    break;
  }
  case EM_AT_UNION: return unsupported(c, "Union", 0, 0);
  case EM_AT_RUN_END: return unsupported(c, "RunEndEncoded", 0, 0);
  case EM_AT_BINARY_VIEW: return unsupported(c, "BinaryView", 0, 0);
  case EM_AT_UTF8_VIEW: return unsupported(c, "Utf8View", 0, 0);
  case EM_AT_LIST_VIEW: return unsupported(c, "ListView", 0, 0);
  case EM_AT_LARGE_LIST_VIEW: return unsupported(c, "LargeListView", 0, 0);
  default: return unsupported(c, "type id %lld", f->atype, 0);
  }
  if (!t) return em_error_internal(c->err, "out of memory decoding an Arrow schema");
  f->type = t;
  return 0;
}

/* Finds custom_metadata[key] in a vector of KeyValue tables. */
static const char *find_metadata(em_fb *fb, const em_fbt *t, int slot, const char *key, uint32_t *n) {
  em_fbv v;
  if (!em_ipc_fb_vector(fb, t, slot, 4, &v)) return NULL;
  size_t klen = strlen(key);
  for (uint32_t i = 0; i < v.n; i++) {
    em_fbt kv = em_ipc_fb_vector_table(fb, &v, i);
    uint32_t kn;
    const char *k = em_ipc_fb_string(fb, &kv, EM_KV_KEY, &kn);
    if (k && kn == klen && memcmp(k, key, klen) == 0) {
      const char *val = em_ipc_fb_string(fb, &kv, EM_KV_VALUE, n);
      if (val) return val;
    }
  }
  return NULL;
}

static void free_names(char **names, char **meta, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (names) em_free(names[i]);
    if (meta) em_free(meta[i]);
  }
  em_free(names);
  em_free(meta);
}

static int decode_fields(decode_ctx *c, const em_fbv *v, int depth, em_ipc_field **out, char ***names_out,
                         char ***meta_out);

/* Decodes Field table ft into *f; *name and *meta get em_malloc'd copies. */
static int decode_field(decode_ctx *c, const em_fbt *ft, int depth, em_ipc_field *f, char **name, char **meta) {
  em_fb *fb = c->fb;
  if (depth > EM_IPC_MAX_DEPTH) return bad_schema(c, "nesting too deep");
  if (++c->nfields_seen > MAX_FIELDS) return bad_schema(c, "too many fields");
  if (!ft->ok) return bad_schema(c, "missing field table");
  f->dict_id = -1;
  uint32_t n;
  const char *s = em_ipc_fb_string(fb, ft, EM_FLD_NAME, &n);
  *name = em_strndup(s ? s : "", s ? n : 0);
  if (!*name) return em_error_internal(c->err, "out of memory decoding an Arrow schema");
  const char *m = find_metadata(fb, ft, EM_FLD_METADATA, EM_IPC_SPARK_METADATA_KEY, &n);
  if (m && !(n == 2 && memcmp(m, "{}", 2) == 0) && !(*meta = em_strndup(m, n)))
    return em_error_internal(c->err, "out of memory decoding an Arrow schema");
  f->nullable = em_ipc_fb_int(fb, ft, EM_FLD_NULLABLE, 1, 0) != 0;
  f->atype = (int)(uint8_t)em_ipc_fb_int(fb, ft, EM_FLD_TYPE_TYPE, 1, 0);
  em_fbt tt = em_ipc_fb_table(fb, ft, EM_FLD_TYPE);
  if (f->atype == EM_AT_NONE || f->atype >= EM_AT__COUNT) return bad_schema(c, "unknown field type");

  em_fbt de = em_ipc_fb_table(fb, ft, EM_FLD_DICTIONARY);
  if (de.ok) {
    f->dict_id = em_ipc_fb_int(fb, &de, EM_DE_ID, 8, 0);
    if (f->dict_id < 0) return bad_schema(c, "negative dictionary id");
    em_fbt it = em_ipc_fb_table(fb, &de, EM_DE_INDEX_TYPE);
    int bw = it.ok ? (int)em_ipc_fb_int(fb, &it, 0, 4, 0) : 32;
    f->index_signed = it.ok ? em_ipc_fb_int(fb, &it, 1, 1, 0) != 0 : true;
    if (bw != 8 && bw != 16 && bw != 32 && bw != 64) return bad_schema(c, "dictionary index width");
    f->index_width = bw / 8;
  }

  em_fbv ch;
  em_ipc_fb_vector(fb, ft, EM_FLD_CHILDREN, 4, &ch);
  if (fb->bad) return bad_schema(c, "malformed field");
  char **cnames = NULL, **cmeta = NULL;
  int rc = 0;
  if (ch.n > 0) {
    f->nchildren = (int)ch.n; /* set first: a half-decoded child list is freed with f */
    rc = decode_fields(c, &ch, depth + 1, &f->children, &cnames, &cmeta);
  }
  if (rc == 0) rc = map_type(c, f, &tt);
  if (rc == 0 && fb->bad) rc = bad_schema(c, "malformed type");
  /* Struct field names and metadata live in the names arrays; map_type
   * built the struct with placeholders. */
  if (rc == 0 && f->atype == EM_AT_STRUCT) {
    for (int i = 0; i < f->nchildren && rc == 0; i++) {
      em_field *sf = &f->type->u.st.fields[i];
      em_free(sf->name);
      sf->name = cnames[i];
      cnames[i] = NULL;
      sf->metadata = cmeta[i];
      cmeta[i] = NULL;
    }
  }
  free_names(cnames, cmeta, ch.n);
  return rc;
}

static int decode_fields(decode_ctx *c, const em_fbv *v, int depth, em_ipc_field **out, char ***names_out,
                         char ***meta_out) {
  if (v->n > MAX_FIELDS) return bad_schema(c, "too many fields");
  em_ipc_field *fs = em_calloc(v->n, sizeof *fs);
  char **names = em_calloc(v->n, sizeof *names);
  char **meta = em_calloc(v->n, sizeof *meta);
  *out = fs;
  *names_out = names;
  *meta_out = meta;
  if (!fs || !names || !meta) return em_error_internal(c->err, "out of memory decoding an Arrow schema");
  for (uint32_t i = 0; i < v->n; i++) {
    em_fbt ft = em_ipc_fb_vector_table(c->fb, v, i);
    if (decode_field(c, &ft, depth, &fs[i], &names[i], &meta[i])) return -1;
  }
  return 0;
}

int em_ipc_schema_decode(em_fb *fb, const em_fbt *schema, em_ipc_field **fields_out, int *nfields_out,
                         em_type **schema_out, em_error *err) {
  decode_ctx c = {fb, 0, err};
  *fields_out = NULL;
  *nfields_out = 0;
  *schema_out = NULL;
  if (em_ipc_fb_int(fb, schema, EM_SCH_ENDIANNESS, 2, 0) != 0)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "big-endian Arrow IPC streams", NULL);
  em_fbv v;
  em_ipc_fb_vector(fb, schema, EM_SCH_FIELDS, 4, &v);
  if (fb->bad) return bad_schema(&c, "malformed schema table");
  em_ipc_field *fs = NULL;
  char **names = NULL, **meta = NULL;
  int rc = v.n ? decode_fields(&c, &v, 1, &fs, &names, &meta) : 0;
  em_type *st = NULL;
  if (rc == 0) {
    st = em_type_struct_new((int)v.n);
    if (!st) rc = em_error_internal(err, "out of memory decoding an Arrow schema");
    for (uint32_t i = 0; rc == 0 && i < v.n; i++)
      if (em_type_struct_set(st, (int)i, names[i], em_type_ref(fs[i].type), fs[i].nullable, meta[i]))
        rc = em_error_internal(err, "out of memory decoding an Arrow schema");
  }
  free_names(names, meta, v.n);
  if (rc) {
    em_type_unref(st);
    em_ipc_fields_free(fs, (int)v.n);
    return -1;
  }
  *fields_out = fs;
  *nfields_out = (int)v.n;
  *schema_out = st;
  return 0;
}

/* ---- encoding ---- */

static uint32_t put_type_table(em_fbb *b, const em_type *t, const em_ipc_write_opts *opts, int *tag,
                               em_error *err, int *rc) {
  em_fbb_field f[3] = {{0}};
  int n = 0;
  switch (t->id) {
  case EM_T_NULL: *tag = EM_AT_NULL; break;
  case EM_T_BOOLEAN: *tag = EM_AT_BOOL; break;
  case EM_T_BYTE:
  case EM_T_SHORT:
  case EM_T_INT:
  case EM_T_LONG:
    *tag = EM_AT_INT;
    f[0] = (em_fbb_field){4, (uint64_t)em_type_fixed_width(t) * 8, 0};
    f[1] = (em_fbb_field){1, 1, 0};
    n = 2;
    break;
  case EM_T_FLOAT:
  case EM_T_DOUBLE:
    *tag = EM_AT_FLOAT;
    f[0] = (em_fbb_field){2, t->id == EM_T_FLOAT ? 1 : 2, 0};
    n = 1;
    break;
  case EM_T_DECIMAL:
    *tag = EM_AT_DECIMAL;
    f[0] = (em_fbb_field){4, t->u.dec.precision, 0};
    f[1] = (em_fbb_field){4, t->u.dec.scale, 0};
    f[2] = (em_fbb_field){4, 128, 0};
    n = 3;
    break;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR: *tag = opts->large_var_types ? EM_AT_LARGE_UTF8 : EM_AT_UTF8; break;
  case EM_T_BINARY: *tag = opts->large_var_types ? EM_AT_LARGE_BINARY : EM_AT_BINARY; break;
  case EM_T_DATE:
    *tag = EM_AT_DATE;
    f[0] = (em_fbb_field){2, 0, 0}; /* DAY; written although 0 since the default is MILLISECOND */
    n = 1;
    break;
  case EM_T_TIMESTAMP:
  case EM_T_TIMESTAMP_NTZ:
    *tag = EM_AT_TIMESTAMP;
    f[0] = (em_fbb_field){2, EM_TU_MICRO, 0};
    n = 1;
    if (t->id == EM_T_TIMESTAMP) f[1] = (em_fbb_field){EM_FBB_REF, 0, 0}, n = 2;
    break;
  case EM_T_DT_INTERVAL:
    *tag = EM_AT_DURATION;
    f[0] = (em_fbb_field){2, EM_TU_MICRO, 0};
    n = 1;
    break;
  case EM_T_YM_INTERVAL:
    *tag = EM_AT_INTERVAL;
    f[0] = (em_fbb_field){2, EM_IU_YEAR_MONTH, 0};
    n = 1;
    break;
  case EM_T_CAL_INTERVAL:
    *tag = EM_AT_INTERVAL;
    f[0] = (em_fbb_field){2, EM_IU_MONTH_DAY_NANO, 0};
    n = 1;
    break;
  case EM_T_TIME:
    *tag = EM_AT_TIME;
    f[0] = (em_fbb_field){2, EM_TU_NANO, 0};
    f[1] = (em_fbb_field){4, 64, 0};
    n = 2;
    break;
  case EM_T_ARRAY: *tag = EM_AT_LIST; break;
  case EM_T_STRUCT: *tag = EM_AT_STRUCT; break;
  case EM_T_MAP:
    *tag = EM_AT_MAP;
    f[0] = (em_fbb_field){1, 0, 0}; /* keysSorted = false */
    n = 1;
    break;
  default:
    *rc = em_error_set(err, EM_ERR_UNSUPPORTED_DATATYPE, "typeName", t->id == EM_T_VARIANT ? "\"VARIANT\"" : "?",
                       NULL);
    return 0;
  }
  uint32_t pos = em_ipc_fbb_table(b, n, f);
  if (t->id == EM_T_TIMESTAMP) {
    const char *tz = opts->timezone ? opts->timezone : "UTC";
    em_ipc_fbb_patch(b, f[1].slot, em_ipc_fbb_string(b, tz, strlen(tz)));
  }
  return pos;
}

static uint32_t put_field(em_fbb *b, const char *name, const em_type *t, bool nullable, const char *meta,
                          const em_ipc_write_opts *opts, int depth, em_error *err, int *rc);

static void put_children(em_fbb *b, uint32_t slot, int n, const char *const *names, em_type *const *types,
                         const bool *nullable, const char *const *metas, const em_ipc_write_opts *opts, int depth,
                         em_error *err, int *rc) {
  uint32_t vec = em_ipc_fbb_vector(b, (uint32_t)n, 4, 4);
  em_ipc_fbb_patch(b, slot, vec);
  for (int i = 0; i < n && *rc == 0; i++) {
    uint32_t ft = put_field(b, names[i], types[i], nullable[i], metas ? metas[i] : NULL, opts, depth + 1, err, rc);
    em_ipc_fbb_patch(b, vec + 4 + 4 * (uint32_t)i, ft);
  }
}

static uint32_t put_field(em_fbb *b, const char *name, const em_type *t, bool nullable, const char *meta,
                          const em_ipc_write_opts *opts, int depth, em_error *err, int *rc) {
  if (depth > EM_IPC_MAX_DEPTH) {
    *rc = em_error_internal(err, "type nesting too deep for Arrow IPC");
    return 0;
  }
  bool has_meta = meta && strcmp(meta, "{}") != 0;
  int tag = 0;
  em_fbb_field f[EM_FLD__N] = {{0}};
  f[EM_FLD_NAME].size = EM_FBB_REF;
  f[EM_FLD_NULLABLE] = (em_fbb_field){1, nullable, 0};
  f[EM_FLD_TYPE_TYPE].size = 1; /* patched below, once the tag is known */
  f[EM_FLD_TYPE].size = EM_FBB_REF;
  f[EM_FLD_CHILDREN].size = EM_FBB_REF;
  if (has_meta) f[EM_FLD_METADATA].size = EM_FBB_REF;
  uint32_t pos = em_ipc_fbb_table(b, EM_FLD__N, f);
  em_ipc_fbb_patch(b, f[EM_FLD_NAME].slot, em_ipc_fbb_string(b, name ? name : "", name ? strlen(name) : 0));
  uint32_t tt = put_type_table(b, t, opts, &tag, err, rc);
  if (*rc) return 0;
  uint8_t tag8 = (uint8_t)tag;
  em_ipc_fbb_put(b, f[EM_FLD_TYPE_TYPE].slot, &tag8, 1);
  em_ipc_fbb_patch(b, f[EM_FLD_TYPE].slot, tt);
  switch (t->id) {
  case EM_T_ARRAY: {
    const char *nm = "element";
    em_type *ct = t->u.array.elem;
    bool nl = t->u.array.contains_null;
    put_children(b, f[EM_FLD_CHILDREN].slot, 1, &nm, &ct, &nl, NULL, opts, depth, err, rc);
    break;
  }
  case EM_T_MAP: {
    /* map<entries: struct<key not null, value>>, the entries not null. */
    uint32_t vec = em_ipc_fbb_vector(b, 1, 4, 4);
    em_ipc_fbb_patch(b, f[EM_FLD_CHILDREN].slot, vec);
    em_fbb_field e[EM_FLD__N] = {{0}};
    e[EM_FLD_NAME].size = EM_FBB_REF;
    e[EM_FLD_NULLABLE] = (em_fbb_field){1, 0, 0};
    e[EM_FLD_TYPE_TYPE] = (em_fbb_field){1, EM_AT_STRUCT, 0};
    e[EM_FLD_TYPE].size = EM_FBB_REF;
    e[EM_FLD_CHILDREN].size = EM_FBB_REF;
    uint32_t ep = em_ipc_fbb_table(b, EM_FLD__N, e);
    em_ipc_fbb_patch(b, vec + 4, ep);
    em_ipc_fbb_patch(b, e[EM_FLD_NAME].slot, em_ipc_fbb_string(b, "entries", 7));
    em_ipc_fbb_patch(b, e[EM_FLD_TYPE].slot, em_ipc_fbb_table(b, 0, NULL));
    const char *nm[2] = {"key", "value"};
    em_type *ct[2] = {t->u.map.key, t->u.map.value};
    bool nl[2] = {false, t->u.map.value_contains_null};
    put_children(b, e[EM_FLD_CHILDREN].slot, 2, nm, ct, nl, NULL, opts, depth + 1, err, rc);
    break;
  }
  case EM_T_STRUCT: {
    int n = t->u.st.nfields;
    uint32_t vec = em_ipc_fbb_vector(b, (uint32_t)n, 4, 4);
    em_ipc_fbb_patch(b, f[EM_FLD_CHILDREN].slot, vec);
    for (int i = 0; i < n && *rc == 0; i++) {
      const em_field *sf = &t->u.st.fields[i];
      uint32_t ft = put_field(b, sf->name, sf->type, sf->nullable, sf->metadata, opts, depth + 1, err, rc);
      em_ipc_fbb_patch(b, vec + 4 + 4 * (uint32_t)i, ft);
    }
    break;
  }
  default: em_ipc_fbb_patch(b, f[EM_FLD_CHILDREN].slot, em_ipc_fbb_vector(b, 0, 4, 4)); break;
  }
  if (has_meta && *rc == 0) {
    uint32_t vec = em_ipc_fbb_vector(b, 1, 4, 4);
    em_ipc_fbb_patch(b, f[EM_FLD_METADATA].slot, vec);
    em_fbb_field kv[2] = {{EM_FBB_REF, 0, 0}, {EM_FBB_REF, 0, 0}};
    uint32_t kvp = em_ipc_fbb_table(b, 2, kv);
    em_ipc_fbb_patch(b, vec + 4, kvp);
    em_ipc_fbb_patch(b, kv[0].slot, em_ipc_fbb_string(b, EM_IPC_SPARK_METADATA_KEY, strlen(EM_IPC_SPARK_METADATA_KEY)));
    em_ipc_fbb_patch(b, kv[1].slot, em_ipc_fbb_string(b, meta, strlen(meta)));
  }
  return pos;
}

int em_ipc_schema_encode(const em_type *schema, const em_ipc_write_opts *opts, em_fbb *b, em_error *err) {
  if (schema->id != EM_T_STRUCT) return em_error_internal(err, "Arrow IPC schema must be a struct type");
  int rc = 0;
  em_ipc_fbb_start(b);
  em_fbb_field m[EM_MSG__N] = {{0}};
  m[EM_MSG_VERSION] = (em_fbb_field){2, EM_MV_V5, 0};
  m[EM_MSG_HEADER_TYPE] = (em_fbb_field){1, EM_MH_SCHEMA, 0};
  m[EM_MSG_HEADER].size = EM_FBB_REF;
  m[EM_MSG_BODY_LENGTH] = (em_fbb_field){8, 0, 0};
  uint32_t mp = em_ipc_fbb_table(b, EM_MSG__N, m);
  em_ipc_fbb_patch(b, 0, mp);
  em_fbb_field s[EM_SCH__N] = {{0}};
  s[EM_SCH_FIELDS].size = EM_FBB_REF;
  uint32_t sp = em_ipc_fbb_table(b, EM_SCH__N, s);
  em_ipc_fbb_patch(b, m[EM_MSG_HEADER].slot, sp);
  int n = schema->u.st.nfields;
  uint32_t vec = em_ipc_fbb_vector(b, (uint32_t)n, 4, 4);
  em_ipc_fbb_patch(b, s[EM_SCH_FIELDS].slot, vec);
  for (int i = 0; i < n && rc == 0; i++) {
    const em_field *sf = &schema->u.st.fields[i];
    uint32_t ft = put_field(b, sf->name, sf->type, sf->nullable, sf->metadata, opts, 1, err, &rc);
    em_ipc_fbb_patch(b, vec + 4 + 4 * (uint32_t)i, ft);
  }
  if (rc) return -1;
  if (b->oom) return em_error_internal(err, "out of memory encoding an Arrow schema");
  return 0;
}
