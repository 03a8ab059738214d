/*
 * Errors as data. Every failure in Ember is described by an em_error: one
 * Spark error class (from the table in error_classes.def), its message
 * parameters and the rendered message text. Raising never allocates: the
 * struct holds fixed-size buffers, so an out-of-memory path can still report.
 *
 * Convention: fallible functions return int (0 = ok, -1 = failed) and take
 * an `em_error *err` out-parameter, filled on failure only.
 */
#ifndef EM_BASE_ERROR_H
#define EM_BASE_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The Java exception family an error class is reported as. The server turns
 * it into the class hierarchy PySpark uses to pick its exception type. */
typedef enum em_exc_kind {
#define EM_EXC(id, reason, classes) EM_EXC_##id,
#include "exc_kinds.def"
#undef EM_EXC
  EM_EXC__COUNT
} em_exc_kind;

typedef enum em_errclass {
  EM_ERR_NONE = 0,
#define EM_ERRCLASS(id, name, sqlstate, exc, tmpl) EM_ERR_##id,
#include "error_classes.def"
#undef EM_ERRCLASS
  EM_ERR__COUNT
} em_errclass;

#define EM_ERROR_MSG_MAX 4096
#define EM_ERROR_PARAMS_MAX 8
#define EM_ERROR_KEY_MAX 48
#define EM_ERROR_VAL_MAX 512

typedef struct em_error {
  em_errclass cls;
  int nparams;
  char keys[EM_ERROR_PARAMS_MAX][EM_ERROR_KEY_MAX];
  char vals[EM_ERROR_PARAMS_MAX][EM_ERROR_VAL_MAX];
  /* "[CLASS] rendered template text SQLSTATE: xxxxx" (Spark's getMessage). */
  char msg[EM_ERROR_MSG_MAX];
  /* Where in the user's program the error arose (Spark's QueryContext):
   * for DataFrame code the Python call site PySpark sent as the origin. */
  bool has_context;
  bool context_none; /* has_context set only to keep any context off */
  bool context_is_sql;
  char context_fragment[128];
  char context_call_site[256];
} em_error;

/* Sets *err to class `cls` with parameters given as key, value string pairs
 * ending in NULL, and renders the message from the class template (each
 * <key> replaced by its value). Always returns -1, so a caller can write
 * `return em_error_set(err, EM_ERR_X, "k", v, NULL);`. err may be NULL. */
int em_error_set_(em_error *err, em_errclass cls, ...);

/* em_error_set checks at compile time that parameters come in key/value
 * pairs followed by NULL (an odd number of variadic arguments). */
#define EM__NARGS(...) EM__NARGS_(__VA_ARGS__, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, \
                                  5, 4, 3, 2, 1, 0)
#define EM__NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, \
                   _22, _23, _24, N, ...)                                                                          \
  N
#define em_error_set(err, cls, ...) \
  ((void)sizeof(char[EM__NARGS(__VA_ARGS__) % 2 == 1 ? 1 : -1]), em_error_set_(err, cls, __VA_ARGS__))
int em_error_setv(em_error *err, em_errclass cls, va_list ap);

/* Shorthand for an internal error with a printf-style message. Returns -1. */
int em_error_internal(em_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends printf-style text to the rendered message (e.g. a position). */
void em_error_append(em_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void em_error_clear(em_error *err);

/* Records the DataFrame query context (fragment like "col", call site like
 * "file.py:12") unless one is set already. */
void em_error_set_context(em_error *err, const char *fragment, const char *call_site);
/* Records a SQL query context (Spark attaches an empty one to errors raised
 * inside aggregate evaluation). */
void em_error_set_sql_context(em_error *err, const char *fragment);
/* Marks the error as one Spark raises with no query context: later calls
 * of the two functions above leave it without one. */
void em_error_no_context(em_error *err);

/* Table lookups. */
const char *em_errclass_name(em_errclass cls);     /* "UNRESOLVED_COLUMN.WITH_SUGGESTION" */
const char *em_errclass_sqlstate(em_errclass cls); /* "42703" */
em_exc_kind em_errclass_exc(em_errclass cls);
/* Java class name of the exception (ErrorInfo.reason). */
const char *em_exc_reason(em_exc_kind k);
/* JSON array of the Java class hierarchy, most specific first. */
const char *em_exc_classes_json(em_exc_kind k);

/* Finds a class by its Spark name; EM_ERR_NONE when unknown. */
em_errclass em_errclass_lookup(const char *name);

/* Renders the parameters as a JSON object {"k":"v",...} into buf. */
size_t em_error_params_json(const em_error *err, char *buf, size_t cap);

#endif
