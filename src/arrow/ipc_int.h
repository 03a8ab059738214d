/*
 * Private to the Arrow IPC files: a bounds-checked flatbuffer reader, a
 * small flatbuffer builder, the Arrow metadata constants (union tags and
 * table slots from the Arrow format's Schema.fbs / Message.fbs), the parsed
 * form of a schema, and the entry points the stream layer calls.
 */
#ifndef EM_ARROW_IPC_INT_H
#define EM_ARROW_IPC_INT_H

#include "arrow_int.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Arrow IPC code assumes a little-endian host"
#endif

/* ---- flatbuffer reader ----
 * Every accessor checks its reads against the buffer; a violation sets
 * fb->bad and returns an empty/default value, so callers parse on and test
 * `bad` once at the end of a message. Tables referenced by offsets always
 * lie after the referring slot (uoffsets are unsigned), so walks terminate. */
typedef struct em_fb {
  const uint8_t *buf;
  size_t len;
  bool bad;
} em_fb;

typedef struct em_fbt { /* a table; ok == false when absent or invalid */
  uint32_t pos, vt;
  uint16_t vtlen, tlen;
  bool ok;
} em_fbt;

typedef struct em_fbv { /* a vector: n elements starting at pos + 4 */
  uint32_t pos, n;
} em_fbv;

em_fbt em_ipc_fb_root(em_fb *fb);
/* Sub-table in slot `slot` of t. */
em_fbt em_ipc_fb_table(em_fb *fb, const em_fbt *t, int slot);
/* Signed scalar of `size` bytes (1, 2, 4, 8) in slot, or dflt when absent. */
int64_t em_ipc_fb_int(em_fb *fb, const em_fbt *t, int slot, int size, int64_t dflt);
/* String in slot (not NUL-terminated in general: use *n); NULL if absent. */
const char *em_ipc_fb_string(em_fb *fb, const em_fbt *t, int slot, uint32_t *n);
/* Vector in slot with elements of elem_size bytes; n = 0 when absent.
 * Returns false when absent. */
bool em_ipc_fb_vector(em_fb *fb, const em_fbt *t, int slot, size_t elem_size, em_fbv *v);
/* Element i of a vector of tables. */
em_fbt em_ipc_fb_vector_table(em_fb *fb, const em_fbv *v, uint32_t i);
/* Element i of a vector of strings. */
const char *em_ipc_fb_vector_string(em_fb *fb, const em_fbv *v, uint32_t i, uint32_t *n);
/* Pointer to inline element i of a vector of structs (checked by _vector). */
static inline const uint8_t *em_ipc_fb_vector_elem(const em_fb *fb, const em_fbv *v, uint32_t i, size_t elem_size) {
  return fb->buf + v->pos + 4 + (size_t)i * elem_size;
}

/* ---- flatbuffer builder ----
 * Builds front to back: a parent is written before its children, whose
 * offsets are patched in afterwards (uoffsets must point forward, and do).
 * Scalars are aligned to their size relative to the buffer start, which
 * the stream writer places at an 8-byte boundary. */
typedef struct em_fbb {
  uint8_t *d;
  size_t len, cap;
  bool oom;
} em_fbb;

typedef struct em_fbb_field {
  uint8_t size;   /* 0 = absent; 1, 2, 4, 8 scalar; EM_FBB_REF = offset slot */
  uint64_t value; /* scalar value */
  uint32_t slot;  /* out: absolute position of the field (for refs) */
} em_fbb_field;
#define EM_FBB_REF 0xff

void em_ipc_fbb_init(em_fbb *b);
void em_ipc_fbb_free(em_fbb *b);
/* Reserves the root offset; call first. */
void em_ipc_fbb_start(em_fbb *b);
/* Writes a table with nfields vtable slots; returns its position. */
uint32_t em_ipc_fbb_table(em_fbb *b, int nfields, em_fbb_field *f);
/* Points the offset slot at target (target > slot). */
void em_ipc_fbb_patch(em_fbb *b, uint32_t slot, uint32_t target);
uint32_t em_ipc_fbb_string(em_fbb *b, const char *s, size_t n);
/* A vector of n elements of elem_size bytes aligned to `align`, zeroed;
 * returns its position (elements at pos + 4). */
uint32_t em_ipc_fbb_vector(em_fbb *b, uint32_t n, size_t elem_size, size_t align);
void em_ipc_fbb_put(em_fbb *b, uint32_t pos, const void *v, size_t n);

/* ---- Arrow metadata constants (Schema.fbs / Message.fbs) ---- */
enum { /* union Type */
  EM_AT_NONE, EM_AT_NULL, EM_AT_INT, EM_AT_FLOAT, EM_AT_BINARY, EM_AT_UTF8, EM_AT_BOOL, EM_AT_DECIMAL,
  EM_AT_DATE, EM_AT_TIME, EM_AT_TIMESTAMP, EM_AT_INTERVAL, EM_AT_LIST, EM_AT_STRUCT, EM_AT_UNION,
  EM_AT_FIXED_BINARY, EM_AT_FIXED_LIST, EM_AT_MAP, EM_AT_DURATION, EM_AT_LARGE_BINARY, EM_AT_LARGE_UTF8,
  EM_AT_LARGE_LIST, EM_AT_RUN_END, EM_AT_BINARY_VIEW, EM_AT_UTF8_VIEW, EM_AT_LIST_VIEW, EM_AT_LARGE_LIST_VIEW,
  EM_AT__COUNT
};
enum { EM_MH_NONE, EM_MH_SCHEMA, EM_MH_DICTIONARY, EM_MH_RECORD_BATCH }; /* union MessageHeader */
enum { EM_TU_SECOND, EM_TU_MILLI, EM_TU_MICRO, EM_TU_NANO };             /* TimeUnit */
enum { EM_IU_YEAR_MONTH, EM_IU_DAY_TIME, EM_IU_MONTH_DAY_NANO };          /* IntervalUnit */
enum { EM_MV_V4 = 3, EM_MV_V5 = 4 };                                     /* MetadataVersion */
/* Table slots (a union field takes two: its tag, then its value). */
enum { EM_MSG_VERSION, EM_MSG_HEADER_TYPE, EM_MSG_HEADER, EM_MSG_BODY_LENGTH, EM_MSG_METADATA, EM_MSG__N };
enum { EM_SCH_ENDIANNESS, EM_SCH_FIELDS, EM_SCH_METADATA, EM_SCH_FEATURES, EM_SCH__N };
enum { EM_FLD_NAME, EM_FLD_NULLABLE, EM_FLD_TYPE_TYPE, EM_FLD_TYPE, EM_FLD_DICTIONARY, EM_FLD_CHILDREN,
       EM_FLD_METADATA, EM_FLD__N };
enum { EM_RB_LENGTH, EM_RB_NODES, EM_RB_BUFFERS, EM_RB_COMPRESSION, EM_RB_VARIADIC, EM_RB__N };
enum { EM_DB_ID, EM_DB_DATA, EM_DB_IS_DELTA };
enum { EM_DE_ID, EM_DE_INDEX_TYPE, EM_DE_IS_ORDERED };
enum { EM_KV_KEY, EM_KV_VALUE };

#define EM_IPC_MAX_DEPTH 64
#define EM_IPC_SPARK_METADATA_KEY "SPARK::metadata::json"

/* ---- the parsed schema ---- */
typedef struct em_ipc_field em_ipc_field;
struct em_ipc_field {
  int atype;        /* EM_AT_* of the (value) type */
  int bit_width;    /* INT, DECIMAL, TIME; byte width of FIXED_BINARY */
  int unit;         /* DATE (0 day, 1 ms), TIME/TIMESTAMP/DURATION (EM_TU_*), INTERVAL (EM_IU_*) */
  int32_t list_size; /* FIXED_LIST */
  bool nullable;
  bool is_unsigned;  /* INT: widened (uint8 -> short ... uint64 -> decimal(20,0)) */
  int64_t dict_id;   /* -1 when not dictionary encoded */
  int index_width;   /* dictionary index bytes (1, 2, 4, 8) */
  bool index_signed;
  em_type *type;     /* the Spark type (owned) */
  int nchildren;
  em_ipc_field *children;
};

/* Decodes a Schema table into fields and a Spark STRUCT type. On success
 * *fields_out (em_free'd array, free with em_ipc_fields_free) has nfields
 * entries and *schema_out a new reference. */
int em_ipc_schema_decode(em_fb *fb, const em_fbt *schema, em_ipc_field **fields_out, int *nfields_out,
                         em_type **schema_out, em_error *err);
void em_ipc_fields_free(em_ipc_field *fields, int n);

/* Encodes a Schema message (the flatbuffer only) for `schema`. */
int em_ipc_schema_encode(const em_type *schema, const em_ipc_write_opts *opts, em_fbb *b, em_error *err);

/* ---- record batches ---- */

/* Decoding state for one stream: dictionaries by id, and the allocation
 * budget that bounds what hostile input can make us allocate. */
typedef struct em_ipc_dict {
  int64_t id;
  const em_ipc_field *field; /* the encoded field (its value type) */
  em_vec *values;            /* NULL until the first DictionaryBatch */
} em_ipc_dict;

typedef struct em_ipc_reader {
  em_ipc_field *fields;
  int nfields;
  em_type *schema;
  em_ipc_dict *dicts;
  int ndicts;
  int64_t budget; /* bytes the reader may still allocate for data */
} em_ipc_reader;

/* Charges n bytes to the budget; -1 with an error when exhausted. */
int em_ipc_charge(em_ipc_reader *r, int64_t n, em_error *err);

/* Decodes a RecordBatch table with its body into a batch (new reference). */
int em_ipc_batch_decode(em_ipc_reader *r, em_fb *fb, const em_fbt *rb, const uint8_t *body, size_t body_len,
                        em_batch **out, em_error *err);
/* Decodes a DictionaryBatch table with its body into r's dictionaries. */
int em_ipc_dict_decode(em_ipc_reader *r, em_fb *fb, const em_fbt *db, const uint8_t *body, size_t body_len,
                       em_error *err);

/* Appends one RecordBatch message (prefix, metadata, body) for b to out. */
int em_ipc_batch_encode(const em_type *schema, const em_batch *b, const em_ipc_write_opts *opts, em_strbuf *out,
                        em_error *err);

/* Appends the message framing: continuation marker, padded metadata length,
 * the flatbuffer, padding to 8 bytes. */
int em_ipc_put_message(em_strbuf *out, const em_fbb *b, em_error *err);

#endif
