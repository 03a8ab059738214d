/*
 * The server boundary for errors: an em_error becomes gRPC status INTERNAL
 * with the message Spark would send (cut to 2048 characters) and a
 * google.rpc.Status in the grpc-status-details-bin trailer carrying a
 * google.rpc.ErrorInfo: reason = the Java exception class, domain
 * org.apache.spark, metadata = classes (the class hierarchy PySpark maps to
 * its exception types), errorClass, sqlState, messageParameters (JSON) and
 * errorId (the key for FetchErrorDetails). This mirrors Spark's
 * ErrorUtils.buildStatusFromThrowable.
 */
#include "connect_int.h"

#include <stdio.h>
#include <string.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"

#define STATUS_MESSAGE_MAX 2048
#define METADATA_JSON_MAX 1024

static void send_status(em_rpc *call, const em_error *err, const char *error_id) {
  Google__Rpc__ErrorInfo info = GOOGLE__RPC__ERROR_INFO__INIT;
  Google__Rpc__ErrorInfo__MetadataEntry entries[5];
  Google__Rpc__ErrorInfo__MetadataEntry *eptrs[5];
  int n = 0;
  em_exc_kind exc = em_errclass_exc(err->cls);
  const char *name = em_errclass_name(err->cls);
  const char *state = em_errclass_sqlstate(err->cls);
  char params[EM_ERROR_MSG_MAX];
  em_error_params_json(err, params, sizeof params);

  info.reason = (char *)em_exc_reason(exc);
  info.domain = "org.apache.spark";
#define ADD(k, v)                                                   \
  do {                                                              \
    google__rpc__error_info__metadata_entry__init(&entries[n]);     \
    entries[n].key = (char *)(k);                                   \
    entries[n].value = (char *)(v);                                 \
    eptrs[n] = &entries[n];                                         \
    n++;                                                            \
  } while (0)
  ADD("classes", em_exc_classes_json(exc));
  if (state[0]) ADD("sqlState", state);
  if (name[0] && strlen(name) + strlen(params) < METADATA_JSON_MAX) {
    ADD("errorClass", name);
    ADD("messageParameters", params);
  }
  if (error_id && error_id[0]) ADD("errorId", error_id);
#undef ADD
  info.n_metadata = (size_t)n;
  info.metadata = eptrs;

  size_t info_len = google__rpc__error_info__get_packed_size(&info);
  uint8_t *info_buf = em_malloc(info_len ? info_len : 1);
  char msg[STATUS_MESSAGE_MAX + 1];
  size_t mlen = strnlen(err->msg, STATUS_MESSAGE_MAX);
  memcpy(msg, err->msg, mlen);
  msg[mlen] = '\0';
  if (!info_buf) {
    em_rpc_finish(call, EM_GRPC_INTERNAL, msg, NULL, 0);
    return;
  }
  google__rpc__error_info__pack(&info, info_buf);

  Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
  any.type_url = "type.googleapis.com/google.rpc.ErrorInfo";
  any.value.data = info_buf;
  any.value.len = info_len;
  Google__Protobuf__Any *anys[1] = {&any};
  Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
  st.code = EM_GRPC_INTERNAL;
  st.message = msg;
  st.n_details = 1;
  st.details = anys;
  size_t st_len = google__rpc__status__get_packed_size(&st);
  uint8_t *st_buf = em_malloc(st_len ? st_len : 1);
  if (st_buf) google__rpc__status__pack(&st, st_buf);
  em_rpc_finish(call, EM_GRPC_INTERNAL, msg, st_buf, st_buf ? st_len : 0);
  em_free(st_buf);
  em_free(info_buf);
}

void em_rpc_fail(em_rpc *call, em_session *sess, const em_error *err) {
  char id[37] = "";
  if (sess) em_session_save_error(sess, err, id);
  send_status(call, err, id);
}

void em_rpc_fail_saved(em_rpc *call, const em_error *err, const char *error_id) { send_status(call, err, error_id); }
