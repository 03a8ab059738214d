/*
 * Private to the Parquet reader (src/io/parquet_*.c): the decoded footer,
 * the schema as a tree of read nodes, column chunk buffers, and the
 * decoders. Written from the Apache Parquet format specification
 * (parquet.thrift, Encodings.md); nothing here trusts the file: every
 * length, offset and count is checked against the bytes that hold it.
 */
#ifndef EM_PARQUET_INT_H
#define EM_PARQUET_INT_H

#include <stdint.h>

#include "format.h"

/* ---- Thrift compact protocol (parquet_thrift.c) ---- */

enum {
  EM_TC_STOP = 0, EM_TC_TRUE = 1, EM_TC_FALSE = 2, EM_TC_BYTE = 3, EM_TC_I16 = 4, EM_TC_I32 = 5,
  EM_TC_I64 = 6, EM_TC_DOUBLE = 7, EM_TC_BINARY = 8, EM_TC_LIST = 9, EM_TC_SET = 10, EM_TC_MAP = 11,
  EM_TC_STRUCT = 12,
};

typedef struct em_tc {
  const uint8_t *p, *end;
  int depth;
  bool failed;
  int16_t last_fid[64]; /* field id delta base per struct depth */
  bool bool_pending, bool_value;
} em_tc;

void em_pq_tc_init(em_tc *t, const uint8_t *p, size_t n);
/* Enters a struct (field ids restart at 0). */
void em_pq_tc_struct_begin(em_tc *t);
void em_pq_tc_struct_end(em_tc *t);
/* The next field header: false at the struct's end (or failure). */
bool em_pq_tc_field(em_tc *t, int16_t *fid, int *type);
int64_t em_pq_tc_varint(em_tc *t);
int64_t em_pq_tc_zigzag(em_tc *t); /* i16/i32/i64 */
bool em_pq_tc_bool(em_tc *t, int type); /* a field's value of type TRUE/FALSE (or a list element byte) */
/* A binary/string: a pointer into the input and its length. */
const uint8_t *em_pq_tc_binary(em_tc *t, size_t *len);
/* A list header: element type and count (bounded by remaining bytes). */
int64_t em_pq_tc_list(em_tc *t, int *etype);
void em_pq_tc_skip(em_tc *t, int type);

/* ---- footer and page headers (parquet_meta.c) ---- */

enum { EM_PQ_BOOLEAN, EM_PQ_INT32, EM_PQ_INT64, EM_PQ_INT96, EM_PQ_FLOAT, EM_PQ_DOUBLE, EM_PQ_BYTE_ARRAY, EM_PQ_FLBA };
enum { EM_PQ_REQUIRED, EM_PQ_OPTIONAL, EM_PQ_REPEATED };

/* Logical annotations (LogicalType, or ConvertedType mapped to it). */
typedef enum em_pq_logical {
  EM_PQL_NONE, EM_PQL_STRING, EM_PQL_MAP, EM_PQL_LIST, EM_PQL_ENUM, EM_PQL_DECIMAL, EM_PQL_DATE, EM_PQL_TIME,
  EM_PQL_TIMESTAMP, EM_PQL_INT, EM_PQL_UNKNOWN, EM_PQL_JSON, EM_PQL_BSON, EM_PQL_UUID, EM_PQL_FLOAT16,
  EM_PQL_MAP_KEY_VALUE, EM_PQL_INTERVAL, EM_PQL_VARIANT, EM_PQL_GEO, EM_PQL_OTHER,
} em_pq_logical;
enum { EM_PQ_MILLIS, EM_PQ_MICROS, EM_PQ_NANOS };

typedef struct em_pq_selem {
  char *name;
  int type;        /* physical type, -1 for a group */
  int type_length; /* FLBA */
  int repetition;
  int num_children;
  em_pq_logical logical;
  int scale, precision;
  int bit_width;   /* INT */
  bool is_signed;  /* INT */
  bool utc;        /* TIME/TIMESTAMP isAdjustedToUTC */
  int unit;        /* TIME/TIMESTAMP */
} em_pq_selem;

typedef struct em_pq_stats {
  const uint8_t *min, *max; /* NULL when absent */
  size_t min_len, max_len;
  bool has_null_count;
  int64_t null_count;
  bool deprecated; /* from the old min/max fields (signed byte order) */
} em_pq_stats;

typedef struct em_pq_chunk {
  int type;
  int codec;
  int64_t num_values;
  int64_t total_compressed_size;
  int64_t data_page_offset;
  int64_t dictionary_page_offset; /* 0 = none */
  bool encrypted;
  bool external; /* file_path set: data in another file */
  em_pq_stats stats;
  /* Every data page is dictionary-encoded (parquet-mr's rule: from the
   * page encoding stats when present, else from the encodings list with
   * PLAIN_DICTIONARY and only level encodings besides), so the dictionary
   * holds every value of the chunk (parquet_dict_filter.c). */
  bool dict_only;
  /* The page index (0 when absent): offset index and column index. */
  int64_t oi_offset, oi_length, ci_offset, ci_length;
} em_pq_chunk;

typedef struct em_pq_rowgroup {
  int64_t num_rows;
  int ncols;
  em_pq_chunk *cols;
} em_pq_rowgroup;

/* A decoded footer. Strings point into `raw` (owned). */
typedef struct em_pq_meta {
  uint8_t *raw;
  size_t raw_len;
  em_arena names; /* schema element names */
  int nelems;
  em_pq_selem *elems;
  int64_t num_rows;
  int nrowgroups;
  em_pq_rowgroup *rowgroups;
  bool encrypted;
  char *created_by;
  /* Spark's schema JSON (key org.apache.spark.sql.parquet.row.metadata),
   * pointing into raw; NULL when absent. */
  const uint8_t *spark_schema;
  size_t spark_schema_len;
} em_pq_meta;

/* Reads and decodes the footer of an open file of `size` bytes. */
int em_pq_read_meta(int fd, int64_t size, const char *path, em_pq_meta **out, em_error *err);
void em_pq_meta_free(em_pq_meta *m);
/* Reads exactly n bytes at off; -1 on error or end of file. */
int em_pq_pread(int fd, uint8_t *buf, size_t n, int64_t off);

enum { EM_PQ_PAGE_DATA = 0, EM_PQ_PAGE_INDEX = 1, EM_PQ_PAGE_DICT = 2, EM_PQ_PAGE_DATA_V2 = 3 };

typedef struct em_pq_page {
  int type;
  int32_t uncompressed_size, compressed_size;
  int32_t num_values;
  int encoding;
  int def_encoding, rep_encoding; /* v1 */
  int32_t num_nulls, num_rows;    /* v2 */
  int32_t def_len, rep_len;       /* v2 */
  bool is_compressed;             /* v2 (default true) */
  size_t header_len;
} em_pq_page;

/* Decodes a page header at p[0..n); -1 when malformed or truncated. */
int em_pq_read_page_header(const uint8_t *p, size_t n, em_pq_page *out);

/* ---- schema (parquet_schema.c) ---- */

typedef enum em_pq_node_kind { EM_PQN_LEAF, EM_PQN_STRUCT, EM_PQN_LIST, EM_PQN_MAP } em_pq_node_kind;

/* A node of the tree the reader assembles vectors by. def/rep are the
 * definition and repetition levels at which the node's value is present
 * (non-null) and repeated; slot_def is the definition level at which a
 * slot for the node exists at all (that of its nearest repeated ancestor,
 * itself included). A level entry (d, r) starts a slot of the node when
 * r <= rep and d >= slot_def; the slot holds a non-null value when
 * d >= def. */
typedef struct em_pq_node em_pq_node;
struct em_pq_node {
  em_pq_node_kind kind;
  const char *name;
  em_type *type; /* Spark type (reference) */
  int def, rep, slot_def;
  int leaf;       /* LEAF: index of the column chunk; others: first leaf below */
  const em_pq_selem *elem; /* LEAF: its schema element */
  int nchildren;
  em_pq_node **children; /* LIST: element; MAP: key, value */
};

typedef struct em_pq_schema {
  em_arena arena;
  em_pq_node *root; /* STRUCT of the top-level fields */
  int nleaves;
  em_pq_node **leaves;
  em_type *type; /* STRUCT (held in types) */
  em_type **types; /* references held by the schema */
  int ntypes, captypes;
} em_pq_schema;

/* Records a type reference the schema holds (released with it); -1 on OOM
 * (the reference is then released). */
int em_pq_schema_own(em_pq_schema *s, em_type *t);

/* Builds the read tree of a footer's schema with Spark's type mapping.
 * Unsupported types fail with an error naming the column. */
int em_pq_schema_build(const em_pq_meta *m, const char *path, em_pq_schema **out, em_error *err);
void em_pq_schema_free(em_pq_schema *s);

/* Decoded footers kept between queries (parquet_footer_cache.c): the
 * entry of the file at path, decoded now or found with the file's footer
 * bytes unchanged; released with em_pq_footer_release. */
typedef struct em_pq_footer em_pq_footer;
int em_pq_footer_get(int fd, int64_t size, const char *path, em_pq_footer **out, em_error *err);
void em_pq_footer_release(em_pq_footer *f);
const em_pq_meta *em_pq_footer_meta(const em_pq_footer *f);
const em_pq_schema *em_pq_footer_schema(const em_pq_footer *f);
/* Empties the cache (entries in use live on until released); the number
 * of entries kept (tests). */
void em_pq_footer_cache_clear(void);
size_t em_pq_footer_cache_entries(void);

/* ---- codecs (parquet_codec.c) ---- */

/* Decompresses src into dst (exactly dst_len bytes expected). */
int em_pq_decompress(int codec, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, em_error *err);

/* ---- encodings (parquet_encoding.c) ---- */

/* The RLE / bit-packed hybrid decoder (levels, dictionary indices, booleans). */
typedef struct em_pq_rle {
  const uint8_t *p, *end;
  int bit_width;
  int64_t run_left;  /* values left in the current run */
  bool packed;       /* current run is bit-packed */
  uint32_t rle_value;
  const uint8_t *bp; /* bit-packed data of the current run */
  int64_t bp_pos;    /* value index within the run */
  int64_t bp_count;
} em_pq_rle;

void em_pq_rle_init(em_pq_rle *d, const uint8_t *p, size_t n, int bit_width);
/* Decodes n values into out; -1 when the input runs out or is malformed. */
int em_pq_rle_get(em_pq_rle *d, uint32_t *out, int64_t n);
/* The same into int16 (levels). */
int em_pq_rle_get16(em_pq_rle *d, int16_t *out, int64_t n);

/* Parquet's deprecated BIT_PACKED level encoding (MSB first). */
int em_pq_bitpacked_levels(const uint8_t *p, size_t n, int bit_width, int16_t *out, int64_t count);

/* DELTA_BINARY_PACKED into int64 values; *used receives the bytes consumed. */
int em_pq_delta_decode(const uint8_t *p, size_t n, int64_t *out, int64_t count, size_t *used, bool is32);
/* Number of values a DELTA_BINARY_PACKED stream holds (its header). */
int em_pq_delta_count(const uint8_t *p, size_t n, int64_t *count);

/* ---- a column chunk's decoded values (parquet_column.c) ---- */

/* The values of one leaf column over a row group: levels for every entry,
 * and the non-null values densely, in physical form (fixed: `width` bytes
 * each, booleans one byte each; BYTE_ARRAY: offsets + bytes). */
typedef struct em_pq_leafdata {
  int64_t nentries;
  int16_t *def, *rep;   /* NULL when the max level is 0 */
  int64_t nvalues;
  int width;            /* fixed width; 0 for BYTE_ARRAY */
  uint8_t *fixed;
  int64_t *offsets;     /* nvalues + 1 */
  uint8_t *data;
  /* Record starts: entry index of row i (nrows + 1), and the value index
   * there (only when the column is repeated). */
  int64_t nrows;
  int64_t *row_entry, *row_value;
  /* Dense value index at entry scan_entry (a cursor for non-repeated
   * nullable leaves, whose rows are read in order). */
  int64_t scan_entry, scan_value;
  /* Internal growth. */
  int64_t cap_entries, cap_values, cap_data;
  /* Lazy values: a flat leaf of 4- or 8-byte values whose data pages are
   * all dictionary-encoded keeps each page's index stream (in lz_store)
   * and the dictionary instead of the values, and `fixed` holds only the
   * window of values em_pq_lazy_window decoded last (values
   * [win0, win0 + n)), so values are decoded batch by batch while they
   * are in cache rather than a whole row group at once. */
  bool lazy;
  uint8_t *lz_store;
  int64_t lz_store_len, lz_store_cap;
  struct em_pq_lzpage *lz_pages;
  int64_t lz_npages, lz_pages_cap;
  uint8_t *lz_dict;
  int64_t lz_dict_n;
  int64_t lz_cur, lz_next; /* cursor: page, and value index it is at (-1: none) */
  em_pq_rle lz_rle;
  int64_t lz_dict_cap;
  /* Buffers the next chunk of the leaf reuses (the chunk's bytes, a
   * decompressed page, a dictionary), so that a row group does not fault
   * in fresh memory. */
  uint8_t *scratch_read, *scratch_page, *scratch_dict;
  int64_t scratch_read_cap, scratch_page_cap, scratch_dict_cap;
  /* The row group's row of the first entry held (pages before it were
   * skipped through the page index; 0 otherwise). */
  int64_t row0;
} em_pq_leafdata;

typedef struct em_pq_lzpage {
  int64_t v0, n;    /* values */
  int64_t off, len; /* RLE/bit-packed indices in lz_store */
  int bit_width;
} em_pq_lzpage;

void em_pq_leafdata_free(em_pq_leafdata *d);
/* Decodes values [v0, v1) of a lazy leaf into d->fixed[0..), or (dst128
 * not NULL) as signed integers widened to 128 bits into dst128; -1 with an
 * internal error when the indices are malformed or out of the dictionary. */
int em_pq_lazy_window(em_pq_leafdata *d, int64_t v0, int64_t v1, uint8_t *dst128, em_error *err);

/* Reads leaf `col` of row group `rg` (the chunk's bytes are read from fd)
 * into *out. cancel (may be NULL) is checked between pages. *out is
 * zeroed or holds an earlier chunk of the same leaf, whose arrays are
 * reused; on failure it is freed. */
/* Which data pages of a chunk to decode (from its offset index): those
 * starting at file offsets in [first_offset, end_offset), holding the
 * chunk's entries from row row0 on, nentries of them (a flat leaf: one
 * entry a row). The dictionary page is always decoded. */
typedef struct em_pq_pagesel {
  int64_t first_offset, end_offset;
  int64_t row0, nentries;
} em_pq_pagesel;

/* Decodes the column chunk of `leaf` in row group rg (only the pages of
 * sel when not NULL: out->row0 is then the first row it holds). */
int em_pq_read_chunk(int fd, int64_t file_size, const char *path, const em_pq_meta *m, int rg,
                     const em_pq_node *leaf, const em_pq_pagesel *sel, _Atomic bool *cancel, em_pq_leafdata *out,
                     em_error *err);

/* ---- the page index (parquet_page_index.c) ---- */

typedef struct em_pq_pageloc {
  int64_t offset, size, first_row;
} em_pq_pageloc;

/* The offset index of chunk ch of a row group of rg_rows rows: *npages
 * locations (em_free them). -1 when it is absent or does not hold up. */
int em_pq_offset_index(int fd, int64_t file_size, const em_pq_chunk *ch, int64_t rg_rows, em_pq_pageloc **out,
                       int *npages);
/* Clears may[k] for the pages of chunk ch whose column index bounds prove
 * that f matches none of their rows; -1 (nothing cleared) when the chunk
 * has no usable column index or its type's bounds are not trusted. */
int em_pq_column_index_filter(int fd, int64_t file_size, const em_pq_chunk *ch, const em_pq_node *leaf,
                              const em_pushed_filter *f, int npages, bool *may);

/* ---- row groups decoded ahead by the pool (parquet_prefetch.c) ---- */

typedef struct em_pq_prefetch em_pq_prefetch;

/* Decoding of the leaves marked in leaf_needed, row group after row
 * group; submit (NULL: none) starts a helper task on another thread. The
 * file, footer and schema must outlive it. NULL on OOM. */
em_pq_prefetch *em_pq_prefetch_new(int fd, int64_t size, const char *path, const em_pq_meta *m,
                                   const em_pq_schema *s, const bool *leaf_needed, em_task_submit_fn submit);
/* Row group rg, the pos-th the reader reads, decoded: *leaves (indexed by
 * leaf) stays valid until the load of position pos + 2. next_rg (-1:
 * none) is the row group of position pos + 1, which helpers may decode
 * meanwhile. */
int em_pq_prefetch_load(em_pq_prefetch *p, int pos, int rg, const em_pq_pagesel *sel, int next_rg,
                        const em_pq_pagesel *next_sel, em_pq_leafdata **leaves, em_error *err);
/* Waits for chunks being decoded, then lets go of the state. */
void em_pq_prefetch_free(em_pq_prefetch *p);

/* ---- vectors from leaf data (parquet_assemble.c) ---- */

/* Builds the vector of node n for rows [r0, r1) of the row group from the
 * leaves' data. */
int em_pq_assemble(const em_pq_node *n, em_pq_leafdata *leaves, int64_t r0, int64_t r1, em_vec **out,
                   em_error *err);

/* The file's schema with the Spark types its writer recorded where the
 * Parquet types cannot tell them (Spark's row metadata): top-level ANSI
 * intervals (INT32/INT64) and void (BOOLEAN). Returns a new reference. */
em_type *em_pq_spark_types(const em_pq_meta *m, em_type *file_type);

/* ---- the writer's entry points (parquet_write.c) ---- */

const char *em_pq_write_extension(const em_options *o, em_error *err);
int em_pq_write_check(const em_type *schema, const em_options *o, em_error *err);
int em_pq_write_open(const char *path, const em_type *schema, const em_options *o, const char *session_tz,
                     void **writer, em_error *err);
int em_pq_write_batch(void *writer, const em_batch *b, em_error *err);
int em_pq_write_close(void *writer, int commit, em_error *err);

/* ---- row group pruning (parquet_reader.c, parquet_dict_filter.c) ---- */

/* Compares a plain-encoded value of leaf's physical type (a statistic or a
 * dictionary entry) with the literal: -1, 0, 1, or 2 when not comparable. */
int em_pq_cmp_value(const em_pq_node *leaf, const uint8_t *s, size_t n, const em_vec *lit);
/* True when bounds min..max (plain-encoded; NULL: unknown) prove that
 * comparison or IN filter f holds for no value between them. */
bool em_pq_bounds_exclude(const em_pq_node *leaf, const em_pushed_filter *f, const uint8_t *min, size_t min_len,
                          const uint8_t *max, size_t max_len);
/* True when the chunk of `leaf` in row group rg is dictionary-only and its
 * dictionary holds none of the nlits literals (so `leaf IN lits` matches
 * no row). Reads the dictionary page once; any problem (unreadable,
 * unknown layout) answers false and leaves the error to the read of the
 * chunk. */
bool em_pq_dict_excludes(int fd, int64_t file_size, const em_pq_meta *m, int rg, const em_pq_node *leaf,
                         const em_vec *const *lits, int nlits);

/* A malformed-file error naming the file (FAILED_READ_FILE-like). */
int em_pq_corrupt(em_error *err, const char *path, const char *what);

#endif
