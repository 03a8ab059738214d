/*
 * Private to the Parquet writer (src/io/parquet_write_*.c): the Thrift
 * compact encoder, the schema Spark writes (a tree of write nodes over
 * Parquet leaves), the encoders, the column chunk writer and the footer.
 * Written from the Apache Parquet format specification (parquet.thrift,
 * Encodings.md, LogicalTypes.md) and Spark's documented conventions; the
 * file layout is that of parquet-mr's v1 writer, which Spark uses.
 */
#ifndef EM_PARQUET_WRITE_INT_H
#define EM_PARQUET_WRITE_INT_H

#include <stdint.h>

#include "format.h"
#include "parquet_int.h"

#define EM_PQW_HIDDEN __attribute__((visibility("hidden")))

/* ---- growable byte buffer ---- */

typedef struct em_pqw_buf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
} em_pqw_buf;

EM_PQW_HIDDEN int em_pqw_buf_reserve(em_pqw_buf *b, size_t extra);
EM_PQW_HIDDEN void em_pqw_buf_put(em_pqw_buf *b, const void *p, size_t n);
EM_PQW_HIDDEN void em_pqw_buf_free(em_pqw_buf *b);
static inline void em_pqw_buf_byte(em_pqw_buf *b, uint8_t c) {
  if (b->len < b->cap || em_pqw_buf_reserve(b, 1) == 0) b->p[b->len++] = c;
}

/* ---- Thrift compact protocol encoder (parquet_write_thrift.c) ---- */

typedef struct em_tw {
  em_pqw_buf *out;
  int depth;
  int16_t last_fid[64];
} em_tw;

EM_PQW_HIDDEN void em_pq_tw_init(em_tw *w, em_pqw_buf *out);
/* A field header; the value follows (or, for a struct, em_pq_tw_begin). */
EM_PQW_HIDDEN void em_pq_tw_field(em_tw *w, int fid, int type);
EM_PQW_HIDDEN void em_pq_tw_i32(em_tw *w, int fid, int32_t v);
EM_PQW_HIDDEN void em_pq_tw_i64(em_tw *w, int fid, int64_t v);
EM_PQW_HIDDEN void em_pq_tw_i8(em_tw *w, int fid, int8_t v);
EM_PQW_HIDDEN void em_pq_tw_bool(em_tw *w, int fid, bool v);
EM_PQW_HIDDEN void em_pq_tw_bin(em_tw *w, int fid, const void *p, size_t n);
/* A struct-valued field: header + begin; close with em_pq_tw_end. */
EM_PQW_HIDDEN void em_pq_tw_struct(em_tw *w, int fid);
/* Starts a struct (field ids restart at 0); a list element or the root. */
EM_PQW_HIDDEN void em_pq_tw_begin(em_tw *w);
/* Writes the stop byte and leaves the struct. */
EM_PQW_HIDDEN void em_pq_tw_end(em_tw *w);
/* A list-valued field's header: element type and count. */
EM_PQW_HIDDEN void em_pq_tw_list(em_tw *w, int fid, int etype, int64_t n);
/* List elements. */
EM_PQW_HIDDEN void em_pq_tw_elem_i32(em_tw *w, int32_t v);
EM_PQW_HIDDEN void em_pq_tw_elem_bin(em_tw *w, const void *p, size_t n);

/* ---- the schema Spark writes (parquet_write_schema.c) ---- */

/* How a leaf's Spark values become physical values. */
typedef enum em_pqw_conv {
  EM_PQW_BOOL,     /* BOOLEAN */
  EM_PQW_I8,       /* BYTE -> INT32 */
  EM_PQW_I16,      /* SHORT -> INT32 */
  EM_PQW_I32,      /* INT, DATE -> INT32 */
  EM_PQW_I64,      /* LONG, TIMESTAMP(_NTZ) micros -> INT64 */
  EM_PQW_TS_MILLIS, /* TIMESTAMP -> INT64 millis */
  EM_PQW_TS_INT96, /* TIMESTAMP -> INT96 (nanos of day, Julian day) */
  EM_PQW_F32,
  EM_PQW_F64,
  EM_PQW_DEC32,    /* DECIMAL p <= 9 -> INT32 */
  EM_PQW_DEC64,    /* DECIMAL p <= 18 -> INT64 */
  EM_PQW_DECFLBA,  /* DECIMAL -> FLBA big-endian two's complement */
  EM_PQW_BYTES,    /* STRING/BINARY -> BYTE_ARRAY */
} em_pqw_conv;

/* How statistics order values: by the physical value and its annotation. */
typedef enum em_pqw_order {
  EM_PQW_ORD_NONE, EM_PQW_ORD_BOOL, EM_PQW_ORD_I32, EM_PQW_ORD_I64, EM_PQW_ORD_F32, EM_PQW_ORD_F64,
  EM_PQW_ORD_UNSIGNED, /* bytes, unsigned lexicographic (strings, binary) */
  EM_PQW_ORD_SIGNED_BE, /* big-endian two's complement (decimal FLBA) */
} em_pqw_order;

typedef enum em_pqw_kind { EM_PQW_LEAF, EM_PQW_STRUCT, EM_PQW_LIST, EM_PQW_MAP } em_pqw_kind;

/* A node of the write tree. def is the definition level at which the
 * node's value is non-null (its optional ancestors and itself counted,
 * repeated levels too); rep the repetition level of its innermost
 * repeated ancestor group. */
typedef struct em_pqw_node em_pqw_node;
struct em_pqw_node {
  em_pqw_kind kind;
  const em_type *type;
  bool optional;
  int def, rep;
  int first_leaf, nleaves;
  int nchildren;
  em_pqw_node **children; /* STRUCT: fields; LIST: element; MAP: key, value */
  int leaf;               /* LEAF: its index */
};

typedef struct em_pqw_leaf {
  int ptype;       /* EM_PQ_* physical type */
  int type_length; /* FLBA */
  em_pqw_conv conv;
  em_pqw_order order;
  int max_def, max_rep;
  bool dictionary; /* dictionary encoding allowed (parquet-mr v1: not for BOOLEAN, FLBA) */
  int npath;
  const char **path; /* names from the root's child down (arena strings) */
} em_pqw_leaf;

/* The footer's schema elements (pre-order), ready to serialize. */
typedef struct em_pqw_selem {
  const char *name;
  int type;        /* physical, -1 for a group */
  int type_length; /* FLBA, else 0 */
  int repetition;  /* EM_PQ_REQUIRED/OPTIONAL/REPEATED; -1 for the root */
  int num_children;
  int converted;   /* ConvertedType, -1 when none */
  int scale, precision;
  /* LogicalType: EM_PQL_NONE or STRING, MAP, LIST, DECIMAL, DATE,
   * TIMESTAMP (utc, unit), INT (bit width, signed). */
  em_pq_logical logical;
  bool utc;
  int unit;
  int bit_width;
} em_pqw_selem;

/* Output options from the write options and the session's confs. */
typedef enum { EM_PQW_TS_INT96_OUT, EM_PQW_TS_MICROS_OUT, EM_PQW_TS_MILLIS_OUT } em_pqw_ts_out;

typedef struct em_pqw_schema {
  em_arena arena;
  em_pqw_node *root;
  int nleaves;
  em_pqw_leaf *leaves;
  int nelems;
  em_pqw_selem *elems;
} em_pqw_schema;

/* Builds the Parquet schema of a Spark STRUCT as Spark writes it (3-level
 * lists list/element, maps key_value/key/value, root spark_schema). The
 * schema must have passed em_pqw_check_type. */
EM_PQW_HIDDEN int em_pqw_schema_build(const em_type *schema, em_pqw_ts_out ts, em_pqw_schema **out, em_error *err);
EM_PQW_HIDDEN void em_pqw_schema_free(em_pqw_schema *s);
/* Whether Spark can write the type to Parquet. */
EM_PQW_HIDDEN bool em_pqw_type_ok(const em_type *t);

/* ---- encoders (parquet_write_encoding.c) ---- */

/* Appends values v[0..n) in the RLE / bit-packed hybrid encoding (no
 * length prefix): runs of 8 or more equal values as RLE runs, the rest in
 * bit-packed groups of 8 (the last group zero-padded). */
EM_PQW_HIDDEN void em_pq_rle_encode(em_pqw_buf *out, const uint32_t *v, int64_t n, int bit_width);
/* Bits needed for values 0..max. */
EM_PQW_HIDDEN int em_pq_bit_width(uint32_t max);
/* The RLE-encoded levels of a v1 data page: 4-byte length + runs. */
EM_PQW_HIDDEN void em_pq_put_levels(em_pqw_buf *out, const int16_t *lv, int64_t n, int max_level);

/* ---- codecs (parquet_write_codec.c) ---- */

/* Parquet codec ids. */
enum { EM_PQC_NONE = 0, EM_PQC_SNAPPY = 1, EM_PQC_GZIP = 2, EM_PQC_LZO = 3, EM_PQC_BROTLI = 4, EM_PQC_LZ4 = 5,
       EM_PQC_ZSTD = 6, EM_PQC_LZ4_RAW = 7 };

/* The codec of a write: the `compression` option, then `parquet.compression`,
 * then spark.sql.parquet.compression.codec (passed in the options by the
 * write command), default snappy. *ext gets Spark's file name infix
 * (".snappy", "" for none). */
EM_PQW_HIDDEN int em_pqw_codec(const em_options *o, int *codec, const char **ext, em_error *err);
/* Compresses src into out (appended). */
EM_PQW_HIDDEN int em_pqw_compress(int codec, const uint8_t *src, size_t n, em_pqw_buf *out, em_error *err);

/* ---- footer and page headers (parquet_write_meta.c) ---- */

enum { EM_PQE_PLAIN = 0, EM_PQE_PLAIN_DICTIONARY = 2, EM_PQE_RLE = 3, EM_PQE_BIT_PACKED = 4 };

typedef struct em_pqw_stats {
  bool has_minmax;
  em_pqw_buf min, max; /* the physical value in Parquet's plain form (no length prefix) */
  int64_t null_count;
} em_pqw_stats;

/* A finished column chunk as the footer describes it. */
typedef struct em_pqw_chunk_meta {
  int ptype;
  int codec;
  unsigned encodings; /* bit set of EM_PQE_* */
  int64_t num_values;
  int64_t total_uncompressed, total_compressed;
  int64_t data_page_offset, dict_page_offset; /* dict: -1 when none */
  const em_pqw_stats *stats; /* NULL: none */
} em_pqw_chunk_meta;

/* A data page v1 or dictionary page header. */
EM_PQW_HIDDEN void em_pqw_page_header(em_pqw_buf *out, int page_type, int32_t uncompressed, int32_t compressed,
                                      int32_t num_values, int encoding);

typedef struct em_pqw_rowgroup_meta {
  int64_t num_rows, total_byte_size, total_compressed, file_offset;
  em_pqw_chunk_meta *chunks; /* one per leaf */
} em_pqw_rowgroup_meta;

/* The FileMetaData of a file: schema, row groups, Spark's key-value
 * metadata, created_by and the column orders. */
EM_PQW_HIDDEN void em_pqw_file_meta(em_pqw_buf *out, const em_pqw_schema *s, const em_pqw_rowgroup_meta *rgs,
                                    int nrgs, int64_t num_rows, const char *const *kv, int nkv,
                                    const char *created_by);

/* ---- column chunk writer (parquet_write_column.c) ---- */

typedef struct em_pqw_col em_pqw_col;

typedef struct em_pqw_limits {
  int64_t page_size;      /* parquet.page.size */
  int64_t page_rows;      /* parquet.page.row.count.limit */
  int64_t dict_page_size; /* parquet.dictionary.page.size */
  bool dictionary;        /* parquet.enable.dictionary */
} em_pqw_limits;

EM_PQW_HIDDEN em_pqw_col *em_pqw_col_new(const em_pqw_leaf *leaf, int codec, const em_pqw_limits *lim);
EM_PQW_HIDDEN void em_pqw_col_free(em_pqw_col *c);
/* One level entry: value p[0..n) (physical plain form, n = width for fixed
 * types, ignored for nulls) when d == max_def, else a null/empty at d. */
EM_PQW_HIDDEN int em_pqw_col_put(em_pqw_col *c, int16_t d, int16_t r, const void *p, size_t n, em_error *err);
/* Bytes the chunk holds so far (for row-group sizing). */
EM_PQW_HIDDEN int64_t em_pqw_col_buffered(const em_pqw_col *c);
/* Finishes the chunk: writes its pages at file offset `pos` through `out`
 * (appended) and fills *meta (the stats stay owned by the column until
 * em_pqw_col_reset). */
EM_PQW_HIDDEN int em_pqw_col_finish(em_pqw_col *c, int64_t pos, em_pqw_buf *out, em_pqw_chunk_meta *meta,
                                    em_error *err);
/* Starts a new chunk (next row group). */
EM_PQW_HIDDEN void em_pqw_col_reset(em_pqw_col *c);

/* ---- shredding vectors into levels (parquet_write_levels.c) ---- */

/* Appends rows [start, end) of column vector v (top-level field node) to
 * the leaves' column writers. */
EM_PQW_HIDDEN int em_pqw_shred(const em_pqw_node *node, const em_pqw_leaf *leaves, em_pqw_col **cols,
                               const em_vec *v, int64_t start, int64_t end, em_error *err);

#endif
