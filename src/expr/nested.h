/*
 * What the analyzer needs from expr/ to build nested-value expressions
 * that are not called by name: field access, item access, struct
 * construction for struct()/withField/dropFields, lambda variables and
 * higher-order functions. Each is a resolver over an em_func_call (the
 * analyzer fills args and arg_sql, and call->data where stated).
 */
#ifndef EM_EXPR_NESTED_H
#define EM_EXPR_NESTED_H

#include "func.h"

/* args[0] a STRUCT (or ARRAY of STRUCT); call->data = (intptr_t) field
 * index. The name is left to the caller. */
int em_fn_resolve_get_field(em_func_call *call, em_error *err);
/* args[0][args[1]] over an ARRAY (0-based, ANSI errors) or MAP. */
int em_fn_resolve_get_item(em_func_call *call, em_error *err);
/* A struct of the arguments with the field names call->data (char **);
 * with `null_from_first`, args[0] is a struct whose NULL rows make the
 * result NULL and is not a field (withField/dropFields). */
int em_fn_resolve_make_struct(em_func_call *call, bool null_from_first, em_error *err);
/* arrays_zip with field names call->data (char **, entries may be NULL). */
int em_fn_resolve_arrays_zip(em_func_call *call, em_error *err);
/* array_sort(a) with Spark's default comparator. */
int em_fn_array_sort_default(em_func_call *call, em_error *err);

/* The values of src at idx[0..n) (idx[k] < 0: NULL), typed as `type`
 * (src's type up to nullability); a new vector, NULL on out-of-memory. */
em_vec *em_nested_gather(em_type *type, const em_vec *src, const int64_t *idx, int64_t n);

/* Whether e calls a generator (explode...) somewhere: Spark allows them
 * only as select items. */
bool em_expr_has_generator(const em_expr *e);

/* Higher-order functions. */
typedef enum em_hof_kind {
  EM_HOF_TRANSFORM, EM_HOF_FILTER, EM_HOF_EXISTS, EM_HOF_FORALL, EM_HOF_AGGREGATE, EM_HOF_ZIP_WITH,
  EM_HOF_ARRAY_SORT, EM_HOF_MAP_FILTER, EM_HOF_TRANSFORM_KEYS, EM_HOF_TRANSFORM_VALUES, EM_HOF_MAP_ZIP_WITH
} em_hof_kind;

/* The HOF of a name (lower case), or -1. */
int em_hof_kind_of(const char *name);
/* The number of leading non-lambda inputs of a HOF (aggregate: 2). */
int em_hof_ninputs(em_hof_kind k);

/* Resolved shape of a HOF call: args = inputs then lambda bodies. */
typedef struct em_hof_info {
  em_hof_kind kind;
  int ninputs, nlambdas;
  int nvars[2];   /* per lambda */
  int slot0[2];   /* slot of each lambda's first variable in the frame */
  int nouter;     /* variables of enclosing lambdas (slots 0..nouter) */
} em_hof_info;

/* The type and nullability of lambda variable v of lambda l of a HOF over
 * the resolved inputs (and, for the finish lambda of aggregate, the
 * merge body's type in acc). -1 with err when the inputs have the wrong
 * types (call->sql must be set). */
int em_hof_var_type(em_func_call *call, em_hof_kind k, int l, int v, const em_expr *merge, em_type **type,
                    bool *nullable, em_error *err);
/* Finishes the call: args = inputs + bodies; call->data = em_hof_info*. */
int em_fn_resolve_hof(em_func_call *call, em_error *err);
/* A lambda variable reference to slot (type as given). */
int em_fn_resolve_lambda_var(em_func_call *call, int slot, em_type *type, bool nullable, em_error *err);

#endif
