/*
 * ember_udf.h: the C SDK for Ember WebAssembly UDFs (ABI v2, header-only).
 *
 * Build a module with clang and wasm-ld, no libc:
 *   clang --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -Wl,--export-dynamic \
 *         -I sdk/c -o udfs.wasm udfs.c
 * Register it from any Spark Connect client:
 *   spark.addArtifact("udfs.wasm", file=True)
 *   spark.udf.registerJavaFunction("norm", "wasm:udfs.wasm#norm", "string")
 * (-mbulk-memory lets clang turn memcpy/memset into instructions: there is
 * no libc to call.)
 *
 * A UDF is an exported function `int32_t f(ember_batch *b)` called once per
 * batch: b->args[i] are the argument columns in the Arrow layout (validity
 * bitmap, offsets, values), b->out is the result column to fill (its type
 * is preset by the host). Return 0, or non-zero after ember_fail(). The
 * memory of a batch (arguments and whatever the function allocates with
 * ember_alloc) is released before the next batch: allocate freely, never
 * free. See docs/wasm-udf-abi.md for the layout.
 *
 * Define EMBER_UDF_NO_RUNTIME in all but one translation unit when a module
 * has several: the allocator and its exports are defined once.
 */
#ifndef EMBER_UDF_H
#define EMBER_UDF_H

#include <stddef.h>
#include <stdint.h>

#define EMBER_ABI_VERSION 2

/* Column type codes. */
enum {
  EMBER_BOOLEAN = 1,   /* bit-packed, LSB first */
  EMBER_INT8 = 2,
  EMBER_INT16 = 3,
  EMBER_INT32 = 4,
  EMBER_INT64 = 5,
  EMBER_FLOAT32 = 6,
  EMBER_FLOAT64 = 7,
  EMBER_STRING = 8,    /* UTF-8, int32 offsets */
  EMBER_BINARY = 9,    /* int32 offsets */
  EMBER_DATE32 = 10,   /* days since 1970-01-01 */
  EMBER_TIMESTAMP = 11,     /* microseconds since the epoch, UTC */
  EMBER_TIMESTAMP_NTZ = 12, /* microseconds, no time zone */
  EMBER_DECIMAL128 = 13,    /* 16-byte little-endian two's complement, precision/scale */
  EMBER_LIST = 14,          /* v2: int32 offsets; values -> the child column, values_len = its rows */
  EMBER_STRUCT = 15,        /* v2: values -> values_len child columns (one per field) */
};

typedef struct ember_col {
  uint32_t type;
  int32_t precision, scale;
  uint32_t null_count;
  uint8_t *validity;  /* bit i set = row i valid; NULL = no nulls */
  int32_t *offsets;   /* STRING/BINARY: nrows + 1 entries */
  uint8_t *values;    /* fixed-width values, or the bytes of STRING/BINARY */
  uint32_t values_len;
} ember_col;

typedef struct ember_batch {
  uint32_t abi;        /* EMBER_ABI_VERSION */
  uint32_t nrows;
  uint32_t nargs;
  const char *error;   /* set by ember_fail */
  uint32_t error_len;
  union {
    /* Aggregates (init/update/merge/finish): the state array. */
    struct {
      uint8_t *states;
      uint32_t nstates;
      uint32_t state_size; /* bytes per state: the declared size rounded up to 8 */
    };
    /* Table functions: set by the guest, the input row of each output row
     * (ascending) and the number of output rows. */
    struct {
      int32_t *parent;
      uint32_t nout;
      uint32_t reserved;
    };
  };
  ember_col out;       /* the result; update and merge: the int32 group of each row */
  ember_col args[];    /* merge: args[0].values = the source states */
} ember_batch;

_Static_assert(sizeof(ember_col) == 32, "ABI: a column descriptor is 32 bytes");
_Static_assert(sizeof(ember_batch) == 64, "ABI: the batch header and output column are 64 bytes");
_Static_assert(__builtin_offsetof(ember_batch, states) == 20, "ABI: the state array is word 5");

/* Declares a signature in the module's `ember.udf` custom section, so a
 * registration may omit the return type and calls get their arguments cast
 * to the declared types. One line per function, Spark DDL type names:
 *   EMBER_SIGNATURE("norm(string) -> string");
 *   EMBER_SIGNATURE("bmi(double, double) -> double");
 * (Written with assembler directives: clang 14's wasm-ld does not turn
 * `.custom_section.*` data into a custom section.) */
#define EMBER_SIGNATURE(sig) \
  __asm__(".section .custom_section.ember.udf,\"\",@\n.ascii \"" sig "\"\n.byte 10\n")

#define EMBER_EXPORT(name) __attribute__((export_name(#name))) int32_t name(__attribute__((unused)) ember_batch *b)

/* An aggregate `name` declared `name(types) -> type state N` exports four
 * functions: EMBER_EXPORT(name_init) initialises b->states[0] (once; the
 * host copies the result into every new group), name_update folds the rows
 * of a batch into the states (ember_group(b, i) is row i's state index),
 * name_merge folds source states (ember_merge_src) into destination states
 * (ember_group(b, i) again), name_finish writes one result row per state. */
static inline uint8_t *ember_state(const ember_batch *b, uint32_t k) { return b->states + (size_t)k * b->state_size; }
static inline int32_t ember_group(const ember_batch *b, uint32_t i) { return ((const int32_t *)b->out.values)[i]; }
static inline const uint8_t *ember_merge_src(const ember_batch *b, uint32_t i) {
  return b->args[0].values + (size_t)i * b->state_size;
}

/* ---- memory ---- */

void *ember_alloc_bytes(size_t n);
/* Never returns NULL: traps when memory cannot grow (the host reports the
 * memory limit). */
static inline void *ember_xalloc(size_t n) {
  void *p = ember_alloc_bytes(n);
  if (!p) __builtin_trap();
  return p;
}
static inline void ember_memcpy(void *dst, const void *src, size_t n) { __builtin_memcpy(dst, src, n); }
static inline void ember_memset(void *dst, int c, size_t n) { __builtin_memset(dst, c, n); }

#ifndef EMBER_UDF_NO_RUNTIME
extern unsigned char __heap_base;
static uintptr_t ember__heap_start, ember__top, ember__end;

/* A bump allocator over the linear memory after the data segments; it
 * grows the memory as needed and is reset before each batch. */
void *ember_alloc_bytes(size_t n) {
  if (!ember__heap_start) {
    ember__heap_start = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
    ember__top = ember__heap_start;
    ember__end = __builtin_wasm_memory_size(0) * 65536;
  }
  n = (n + 15) & ~(size_t)15;
  if (n > 0x7fffffff - ember__top) return NULL;
  while (ember__top + n > ember__end) {
    size_t pages = (ember__top + n - ember__end + 65535) / 65536;
    if (pages < 16) pages = 16; /* grow 1 MiB at a time at least */
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) {
      pages = (ember__top + n - ember__end + 65535) / 65536;
      if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
    }
    ember__end += pages * 65536;
  }
  void *p = (void *)ember__top;
  ember__top += n;
  return p;
}

__attribute__((export_name("ember_alloc"))) int32_t ember_alloc(int32_t n) {
  return (int32_t)(uintptr_t)ember_alloc_bytes((size_t)n);
}

__attribute__((export_name("ember_reset"))) void ember_reset(void) {
  if (ember__heap_start) ember__top = ember__heap_start;
}
#endif

/* ---- reading arguments ---- */

static inline int ember_is_null(const ember_col *c, uint32_t i) {
  return c->validity && !((c->validity[i >> 3] >> (i & 7)) & 1);
}
static inline int32_t ember_i32(const ember_col *c, uint32_t i) { return ((const int32_t *)c->values)[i]; }
static inline int64_t ember_i64(const ember_col *c, uint32_t i) { return ((const int64_t *)c->values)[i]; }
static inline double ember_f64(const ember_col *c, uint32_t i) { return ((const double *)c->values)[i]; }
static inline float ember_f32(const ember_col *c, uint32_t i) { return ((const float *)c->values)[i]; }
static inline int ember_bool(const ember_col *c, uint32_t i) { return (c->values[i >> 3] >> (i & 7)) & 1; }
static inline const uint8_t *ember_bytes(const ember_col *c, uint32_t i, uint32_t *len) {
  *len = (uint32_t)(c->offsets[i + 1] - c->offsets[i]);
  return c->values + c->offsets[i];
}

/* Lists: the element column, and row i's elements [*start, *end). */
static inline const ember_col *ember_list_child(const ember_col *c) { return (const ember_col *)c->values; }
static inline void ember_list_range(const ember_col *c, uint32_t i, uint32_t *start, uint32_t *end) {
  *start = (uint32_t)c->offsets[i];
  *end = (uint32_t)c->offsets[i + 1];
}
/* Structs: field k's column (as many rows as the struct). */
static inline const ember_col *ember_struct_field(const ember_col *c, uint32_t k) {
  return (const ember_col *)c->values + k;
}

/* ---- writing the result ---- */

/* Reports a failure: the host raises FAILED_EXECUTE_UDF with this text.
 * Returns 1, for `return ember_fail(b, "...");`. */
static inline int32_t ember_fail(ember_batch *b, const char *msg) {
  uint32_t n = 0;
  while (msg[n]) n++;
  b->error = msg;
  b->error_len = n;
  return 1;
}

/* Allocates the result's validity bitmap, all rows valid. */
static inline uint8_t *ember_out_validity(ember_batch *b) {
  uint32_t nb = (b->nrows + 7) / 8;
  b->out.validity = (uint8_t *)ember_xalloc(nb);
  ember_memset(b->out.validity, 0xff, nb);
  return b->out.validity;
}
static inline void ember_out_set_null(ember_batch *b, uint32_t i) {
  if (!b->out.validity) ember_out_validity(b);
  b->out.validity[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
/* Copies argument `a`'s validity to the result (NULL in, NULL out). */
static inline void ember_out_nulls_from(ember_batch *b, const ember_col *a) {
  if (!a->validity) return;
  if (!b->out.validity) ember_out_validity(b);
  for (uint32_t k = 0; k < (b->nrows + 7) / 8; k++) b->out.validity[k] &= a->validity[k];
}

/* Allocates fixed-width result values (width bytes a row; booleans: 0 for
 * bit-packed) and returns them. */
static inline void *ember_out_values(ember_batch *b, uint32_t width) {
  uint32_t nb = width ? width * b->nrows : (b->nrows + 7) / 8;
  b->out.values = (uint8_t *)ember_xalloc(nb ? nb : 1);
  ember_memset(b->out.values, 0, nb);
  b->out.values_len = nb;
  return b->out.values;
}

/* A growing STRING/BINARY result: append each row in order. */
typedef struct ember_str_builder {
  ember_batch *b;
  uint32_t row, cap;
} ember_str_builder;

static inline void ember_str_begin(ember_str_builder *sb, ember_batch *b, uint32_t cap_hint) {
  sb->b = b;
  sb->row = 0;
  sb->cap = cap_hint ? cap_hint : 64;
  b->out.offsets = (int32_t *)ember_xalloc(4 * ((size_t)b->nrows + 1));
  b->out.offsets[0] = 0;
  b->out.values = (uint8_t *)ember_xalloc(sb->cap);
  b->out.values_len = 0;
}
/* Room for n more bytes; returns where to write them. */
static inline uint8_t *ember_str_reserve(ember_str_builder *sb, uint32_t n) {
  ember_batch *b = sb->b;
  if (b->out.values_len + n > sb->cap) {
    uint32_t ncap = sb->cap * 2;
    while (ncap < b->out.values_len + n) ncap *= 2;
    uint8_t *nv = (uint8_t *)ember_xalloc(ncap);
    ember_memcpy(nv, b->out.values, b->out.values_len);
    b->out.values = nv;
    sb->cap = ncap;
  }
  return b->out.values + b->out.values_len;
}
/* Ends the current row after `n` bytes written at ember_str_reserve's pointer. */
static inline void ember_str_commit(ember_str_builder *sb, uint32_t n) {
  sb->b->out.values_len += n;
  sb->b->out.offsets[++sb->row] = (int32_t)sb->b->out.values_len;
}
static inline void ember_str_append(ember_str_builder *sb, const void *p, uint32_t n) {
  ember_memcpy(ember_str_reserve(sb, n), p, n);
  ember_str_commit(sb, n);
}
static inline void ember_str_null(ember_str_builder *sb) {
  ember_out_set_null(sb->b, sb->row);
  ember_str_commit(sb, 0);
}

/* ---- writing any column (struct fields, list children, table outputs) ---- */

/* Allocates n child descriptors of c (a STRUCT; zeroed, types to set by the
 * caller) and returns them. */
static inline ember_col *ember_col_struct(ember_col *c, uint32_t n) {
  ember_col *k = (ember_col *)ember_xalloc(sizeof(ember_col) * (n ? n : 1));
  ember_memset(k, 0, sizeof(ember_col) * (n ? n : 1));
  c->type = EMBER_STRUCT;
  c->values = (uint8_t *)k;
  c->values_len = n;
  return k;
}
/* Makes c a LIST of nrows rows whose element column has nchild rows;
 * returns the offsets to fill (nrows + 1, starting at 0); *child receives
 * the element column's descriptor (type to set by the caller). */
static inline int32_t *ember_col_list(ember_col *c, uint32_t nrows, uint32_t nchild, ember_col **child) {
  ember_col *k = (ember_col *)ember_xalloc(sizeof(ember_col));
  ember_memset(k, 0, sizeof(ember_col));
  c->type = EMBER_LIST;
  c->offsets = (int32_t *)ember_xalloc(4 * ((size_t)nrows + 1));
  c->offsets[0] = 0;
  c->values = (uint8_t *)k;
  c->values_len = nchild;
  *child = k;
  return c->offsets;
}
/* Fixed-width values for nrows rows of c (width 0: bit-packed booleans). */
static inline void *ember_col_values(ember_col *c, uint32_t nrows, uint32_t width) {
  uint32_t nb = width ? width * nrows : (nrows + 7) / 8;
  c->values = (uint8_t *)ember_xalloc(nb ? nb : 1);
  ember_memset(c->values, 0, nb);
  c->values_len = nb;
  return c->values;
}
static inline void ember_col_set_null(ember_col *c, uint32_t nrows, uint32_t i) {
  if (!c->validity) {
    uint32_t nb = (nrows + 7) / 8;
    c->validity = (uint8_t *)ember_xalloc(nb ? nb : 1);
    ember_memset(c->validity, 0xff, nb);
  }
  c->validity[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
/* STRING/BINARY bytes of nrows rows of c, all known up front: offsets
 * (nrows + 1) and `nbytes` bytes to fill. */
static inline uint8_t *ember_col_bytes(ember_col *c, uint32_t nrows, uint32_t nbytes, int32_t **offsets) {
  c->offsets = (int32_t *)ember_xalloc(4 * ((size_t)nrows + 1));
  c->values = (uint8_t *)ember_xalloc(nbytes ? nbytes : 1);
  c->values_len = nbytes;
  *offsets = c->offsets;
  return c->values;
}

#endif
