/*
 * Private to expr/: what the array, map, struct and higher-order function
 * files (fn_array.c, fn_map.c, fn_struct.c, fn_hof.c) share: building
 * list and struct vectors from parts, Spark's ordering and equality of
 * values of any type, a set of values for the distinct-style functions,
 * and the lambda frames of higher-order functions.
 */
#ifndef EM_EXPR_FN_NESTED_H
#define EM_EXPR_FN_NESTED_H

#include "expr_int.h"
#include "rowkey.h"

/* ---- building vectors (fn_nested.c) ---- */

/* A new ARRAY or MAP vector of n rows over `elems` (the reference is
 * taken, also on failure; for a MAP the entries struct vector): offsets
 * offs[0..n] and validity bits `valid` (NULL = all valid) are copied. The
 * element vector is retyped to the type's element (entries) type. NULL on
 * out-of-memory. */
em_vec *em_nested_make_list(em_type *type, int64_t n, const int32_t *offs, const uint8_t *valid, em_vec *elems);
/* A new STRUCT vector of n rows over fields[0..nfields) (references taken,
 * also on failure), validity bits copied (NULL = all valid). */
em_vec *em_nested_make_struct(em_type *type, int64_t n, const uint8_t *valid, em_vec **fields);
/* The values of src at idx[0..n), where idx[k] < 0 gives NULL; typed as
 * `type` (src's type up to nullability). NULL on out-of-memory. */
em_vec *em_nested_gather(em_type *type, const em_vec *src, const int64_t *idx, int64_t n);
/* Sets v->type to t (v must be freshly built, single owner). */
void em_nested_retype(em_vec *v, em_type *t);

/* A growable int64 / int32 array. */
typedef struct em_i64s {
  int64_t *p;
  int64_t n, cap;
} em_i64s;
int em_i64s_push(em_i64s *a, int64_t v);
void em_i64s_free(em_i64s *a);

/* ---- values (fn_nested.c) ---- */

/* Spark's ordering of two values of one type (nulls first inside nested
 * values; NaN above all doubles, -0.0 = 0.0; strings by bytes; arrays and
 * structs element by element). */
int em_nested_cmp(const em_vec *va, int64_t i, const em_vec *vb, int64_t j);
/* The same for two non-null values (the sort's comparator of a key). */
int em_nested_cmp_nonnull(const em_vec *va, int64_t i, const em_vec *vb, int64_t j);
/* Equality as Spark's ordering equivalence; NULL never equals. */
static inline bool em_nested_eq(const em_vec *va, int64_t i, const em_vec *vb, int64_t j) {
  if (em_vec_is_null(va, i) || em_vec_is_null(vb, j)) return false;
  return em_nested_cmp(va, i, vb, j) == 0;
}
/* True when values of t can be compared for ordering (no MAP inside). */
bool em_nested_orderable(const em_type *t);

/* A set of values (canonical row-key bytes), reset per row. */
typedef struct em_valset {
  uint8_t *keys;       /* concatenated encodings */
  size_t nkeys_bytes, capkeys;
  uint32_t *slots;     /* 1 + entry index, 0 = empty */
  uint32_t nslots;
  uint32_t *ent_off, *ent_len; /* per entry */
  uint32_t nent, capent;
  uint8_t *scratch;
  size_t capscratch;
} em_valset;
void em_valset_reset(em_valset *s);
void em_valset_free(em_valset *s);
/* Adds value i of v; returns 1 when new, 0 when present, -1 on OOM. With
 * add = false only looks (1 = absent, 0 = present). */
int em_valset_add(em_valset *s, const em_vec *v, int64_t i, bool add);

/* ---- type errors in Spark's shapes (fn_nested.c) ---- */

/* DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE requiring `required` for
 * argument argi (call->sql must be set). */
int em_nested_need(em_func_call *call, int argi, const char *required, em_error *err);
/* Coerces the element argument argi to the array's element type as
 * Spark's ArrayBinaryLike functions do (the wider of the two types; a
 * failure is DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES). `arr` is the
 * array argument index. May replace both arguments. */
int em_nested_coerce_elem(em_func_call *call, int arr, int argi, em_error *err);
/* Coerces two array arguments to one array type (the wider element type);
 * DATATYPE_MISMATCH.BINARY_ARRAY_DIFF_TYPES when impossible. */
int em_nested_coerce_arrays(em_func_call *call, int a, int b, em_error *err);
/* The wider of two types, nested types widened field by field, or NULL. A
 * new reference (or immortal). */
em_type *em_nested_wider(const em_type *a, const em_type *b, bool ansi);
/* Interns a type built during resolution (takes the reference; NULL t =
 * out of memory): structurally equal types share one immortal copy, so
 * expression nodes may point at it without the plan holding it. NULL with
 * err set on out-of-memory. */
em_type *em_nested_intern(em_type *t, em_error *err);

/* ---- lambdas (fn_hof.c) ---- */

/* The values of the lambda variables visible while a lambda body is
 * evaluated: vars[slot] has one value per row of the body's batch. */
typedef struct em_lambda_frame {
  em_vec **vars;
  int nvars;
} em_lambda_frame;

/* True for the higher-order function kernels (evaluated lazily). */
bool em_fn_hof_kernel(em_kernel_fn k);
/* The kernel of a lambda variable reference (u.fn.data holds its slot). */
int em_fn_lambda_var_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                            em_error *err);

#endif
