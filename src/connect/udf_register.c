/*
 * Registering user functions through the protocol: the RegisterFunction
 * command (a CommonInlineUserDefinedFunction) that
 * `spark.udf.registerJavaFunction(name, className, returnType)` sends.
 *
 * A class name `wasm:<artifact>#<export>` binds `name` to export `<export>`
 * of a WebAssembly module the session uploaded with AddArtifacts; the
 * artifact is looked up by its name as given, then under `files/` (what
 * `spark.addArtifact(path, file=True)` stores). Any other Java class cannot
 * be loaded by Ember: CANNOT_LOAD_FUNCTION_CLASS, as Spark raises for a
 * class that is not on its classpath. Functions are session-scoped.
 *
 * `spark.udf.registerJavaUDAF(name, className)` sends the same with
 * `aggregate` set (and no return type): the export must be declared an
 * aggregate in the module.
 *
 * Also the session's WASM settings: ember.wasm.memoryLimit (bytes, with an
 * optional k/m/g suffix), ember.wasm.timeout (seconds, or with an ms/s/m
 * suffix) and ember.wasm.fuel (a count of fuel units per guest call, with an
 * optional k/m/g decimal suffix; unset or 0: unmetered).
 */
#include "connect_int.h"

#include <ctype.h>
#include <string.h>

#include "../wasm/wasm.h"

/* "64m", "1g", "1048576", "512k", "256mb" -> bytes; -1 when malformed. */
static int64_t parse_bytes(const char *s) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || v < 0) return -1;
  int64_t mul = 1;
  char c = (char)tolower((unsigned char)*end);
  if (c == 'k') mul = 1LL << 10;
  else if (c == 'm') mul = 1LL << 20;
  else if (c == 'g') mul = 1LL << 30;
  else if (c == 't') mul = 1LL << 40;
  else if (c != 0 && c != 'b') return -1;
  if (v > INT64_MAX / mul) return -1;
  return v * mul;
}

/* "1000000", "5m" (5 million), "2g" -> a count; -1 when malformed. */
static int64_t parse_count(const char *s) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || v < 0) return -1;
  int64_t mul = 1;
  char c = (char)tolower((unsigned char)*end);
  if (c == 'k') mul = 1000;
  else if (c == 'm') mul = 1000000;
  else if (c == 'g') mul = 1000000000;
  else if (c != 0) return -1;
  if (end[0] && end[1]) return -1;
  if (v > INT64_MAX / mul) return -1;
  return v * mul;
}

/* "30s", "500ms", "2m", "10" (seconds) -> milliseconds; -1 when malformed. */
static int64_t parse_ms(const char *s) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || v < 0 || v > (1LL << 40)) return -1;
  if (!*end || strcasecmp(end, "s") == 0) return v * 1000;
  if (strcasecmp(end, "ms") == 0) return v;
  if (strcasecmp(end, "m") == 0 || strcasecmp(end, "min") == 0) return v * 60000;
  return -1;
}

void em_session_wasm_limits(em_session *sess, em_wasm_limits *lim) {
  lim->memory_limit = EM_WASM_DEFAULT_MEMORY_LIMIT;
  lim->timeout_ms = EM_WASM_DEFAULT_TIMEOUT_MS;
  char *m = em_session_conf_dup(sess, "ember.wasm.memoryLimit");
  char *t = em_session_conf_dup(sess, "ember.wasm.timeout");
  char *fu = em_session_conf_dup(sess, "ember.wasm.fuel");
  int64_t v;
  lim->fuel = 0;
  if (m && (v = parse_bytes(m)) > 0) lim->memory_limit = v;
  if (t && (v = parse_ms(t)) > 0) lim->timeout_ms = v;
  if (fu && (v = parse_count(fu)) > 0) lim->fuel = v;
  em_free(m);
  em_free(t);
  em_free(fu);
}

em_udf_registry *em_session_udfs(em_session *sess, bool create) {
  pthread_mutex_lock(&sess->mu);
  if (!sess->udfs && create) sess->udfs = em_udf_registry_new();
  em_udf_registry *r = sess->udfs;
  pthread_mutex_unlock(&sess->mu);
  return r;
}

int em_connect_register_wasm(em_session *sess, const char *name, const char *cls, em_type *ret, bool deterministic,
                             bool aggregate, em_error *err) {
  /* wasm:<artifact>#<export> */
  const char *spec = cls + 5;
  const char *hash = strrchr(spec, '#');
  if (!hash || hash == spec || !hash[1])
    return em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", cls, "functionName", name, NULL),
           em_error_append(err, " Expected `wasm:<artifact>#<export>`."), -1;
  char artifact[512];
  snprintf(artifact, sizeof artifact, "%.*s", (int)(hash - spec), spec);
  em_buf *bytes = em_session_find_artifact(sess, artifact);
  if (!bytes) {
    char files[520];
    snprintf(files, sizeof files, "files/%s", artifact);
    bytes = em_session_find_artifact(sess, files);
  }
  if (!bytes)
    return em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", cls, "functionName", name, NULL),
           em_error_append(err, " No artifact `%s` in this session: upload it first with "
                                "spark.addArtifact(path, file=True).", artifact),
           -1;
  em_udf_registry *r = em_session_udfs(sess, true);
  int rc = r ? em_udf_register_wasm_ex(r, name, cls, bytes->data, bytes->len, hash + 1, ret, deterministic, aggregate,
                                       err)
             : em_error_internal(err, "out of memory");
  em_buf_unref(bytes);
  return rc;
}

static int register_wasm(em_session *sess, const char *name, const char *cls, const Spark__Connect__JavaUDF *j,
                         bool deterministic, em_error *err) {
  em_type *ret = NULL;
  if (j->_output_type_case == SPARK__CONNECT__JAVA_UDF___OUTPUT_TYPE_OUTPUT_TYPE && j->output_type) {
    if (!(ret = em_type_from_proto(j->output_type, err))) return -1;
  }
  int rc = em_connect_register_wasm(sess, name, cls, ret, deterministic, j->aggregate, err);
  if (ret) em_type_unref(ret);
  return rc;
}

int em_connect_register_function(em_session *sess, const Spark__Connect__CommonInlineUserDefinedFunction *f,
                                 em_error *err) {
  if (f->function_case != SPARK__CONNECT__COMMON_INLINE_USER_DEFINED_FUNCTION__FUNCTION_JAVA_UDF || !f->java_udf)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature",
                        "registering Python or Scala UDFs (Ember runs WebAssembly UDFs: registerJavaFunction with "
                        "a `wasm:` class name)",
                        NULL);
  const char *cls = f->java_udf->class_name ? f->java_udf->class_name : "";
  const char *name = f->function_name ? f->function_name : "";
  if (strncmp(cls, "wasm:", 5) != 0)
    return em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", cls, "functionName", name, NULL);
  return register_wasm(sess, name, cls, f->java_udf, f->deterministic, err);
}
