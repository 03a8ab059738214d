/*
 * JSON internals: a small DOM parser with Jackson's leniency options (as
 * Spark's JSONOptions enable them), shared by JSON inference and reading.
 */
#ifndef EM_IO_JSON_INT_H
#define EM_IO_JSON_INT_H

#include "io_int.h"

typedef enum em_jkind { EM_J_NULL, EM_J_FALSE, EM_J_TRUE, EM_J_INT, EM_J_FLOAT, EM_J_NONNUM, EM_J_STRING,
                        EM_J_ARRAY, EM_J_OBJECT } em_jkind;

typedef struct em_jnode em_jnode;
struct em_jnode {
  em_jkind kind;
  const char *s;  /* STRING: decoded text; numbers: their source text; NONNUM: "NaN", "Infinity", "-Infinity" */
  int32_t len;
  int32_t n;      /* ARRAY/OBJECT: number of children */
  em_jnode **items;
  const char **keys; /* OBJECT: decoded keys */
  int32_t *key_lens;
};

typedef struct em_json_opts {
  bool allow_comments, unquoted_names, single_quotes, leading_zeros, non_numeric, backslash_any, control_chars;
} em_json_opts;

EM_IO_HIDDEN void em_json_opts_init(em_json_opts *j, const em_options *o);
/* Parses one JSON value spanning p[0..n) (surrounding whitespace allowed;
 * anything after the value is an error). Nodes live in arena a. NULL when
 * the text is not valid JSON (or empty: *empty set). */
EM_IO_HIDDEN em_jnode *em_json_parse(const em_json_opts *j, const char *p, size_t n, em_arena *a, bool *empty);
/* Compact JSON text of a node (Jackson's copyCurrentStructure). */
EM_IO_HIDDEN void em_json_write_node(const em_jnode *x, em_strbuf *sb);
EM_IO_HIDDEN void em_json_put_string(em_strbuf *sb, const char *s, size_t n);

#endif
