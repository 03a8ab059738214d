/*
 * Session-level RPCs: ReleaseSession, CloneSession, FetchErrorDetails and
 * GetStatus.
 */
#include "connect_int.h"

#include <string.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)
#define OBSERVED(req) \
  (HAS(req, client_observed_server_side_session_id) ? (req)->client_observed_server_side_session_id : NULL)

void em_handle_release_session(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__ReleaseSessionRequest *req = (Spark__Connect__ReleaseSessionRequest *)em_rpc_recv_msg(
      call, &spark__connect__release_session_request__descriptor);
  if (!req) return;
  em_error err;
  char ssid[37];
  if (em_session_close(svc, em_user_id(req->user_context), req->session_id, req->allow_reconnect, ssid, &err)) {
    em_rpc_fail(call, NULL, &err);
  } else {
    Spark__Connect__ReleaseSessionResponse resp = SPARK__CONNECT__RELEASE_SESSION_RESPONSE__INIT;
    resp.session_id = req->session_id;
    resp.server_side_session_id = ssid;
    em_rpc_reply(call, &resp.base);
  }
  protobuf_c_message_free_unpacked(&req->base, NULL);
}

void em_handle_clone_session(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__CloneSessionRequest *req = (Spark__Connect__CloneSessionRequest *)em_rpc_recv_msg(
      call, &spark__connect__clone_session_request__descriptor);
  if (!req) return;
  em_error err;
  em_session *src = em_session_get(svc, em_user_id(req->user_context), req->session_id, false, OBSERVED(req), &err);
  em_session *dst = NULL;
  if (src) dst = em_session_clone(svc, src, HAS(req, new_session_id) ? req->new_session_id : NULL, &err);
  if (!dst) {
    em_rpc_fail(call, src, &err);
  } else {
    Spark__Connect__CloneSessionResponse resp = SPARK__CONNECT__CLONE_SESSION_RESPONSE__INIT;
    resp.session_id = src->session_id;
    resp.server_side_session_id = src->server_side_id;
    resp.new_session_id = dst->session_id;
    resp.new_server_side_session_id = dst->server_side_id;
    em_rpc_reply(call, &resp.base);
  }
  em_session_release(svc, dst);
  em_session_release(svc, src);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* Splits a JSON array of strings ["a","b"] (our own class lists, no
 * escapes inside) into pointers into buf. */
static int split_classes(char *buf, char **out, int max) {
  int n = 0;
  char *p = buf;
  while (n < max && (p = strchr(p, '"'))) {
    char *e = strchr(p + 1, '"');
    if (!e) break;
    *e = '\0';
    out[n++] = p + 1;
    p = e + 1;
  }
  return n;
}

void em_handle_fetch_error_details(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__FetchErrorDetailsRequest *req = (Spark__Connect__FetchErrorDetailsRequest *)em_rpc_recv_msg(
      call, &spark__connect__fetch_error_details_request__descriptor);
  if (!req) return;
  em_session *sess = em_rpc_session(call, svc, &req->base, req->user_context, req->session_id, true,
                                    OBSERVED(req));
  if (!sess) return;
  Spark__Connect__FetchErrorDetailsResponse resp = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  em_error *saved = em_malloc(sizeof *saved);
  Spark__Connect__FetchErrorDetailsResponse__Error e = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__ERROR__INIT;
  Spark__Connect__FetchErrorDetailsResponse__Error *eptr[1] = {&e};
  Spark__Connect__FetchErrorDetailsResponse__SparkThrowable st =
      SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__SPARK_THROWABLE__INIT;
  Spark__Connect__FetchErrorDetailsResponse__SparkThrowable__MessageParametersEntry params[EM_ERROR_PARAMS_MAX];
  Spark__Connect__FetchErrorDetailsResponse__SparkThrowable__MessageParametersEntry *pptr[EM_ERROR_PARAMS_MAX];
  char classes_buf[1024];
  char *classes[16];
  Spark__Connect__FetchErrorDetailsResponse__QueryContext qc = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__QUERY_CONTEXT__INIT;
  Spark__Connect__FetchErrorDetailsResponse__QueryContext *qcp[1] = {&qc};
  if (saved && em_session_find_error(sess, req->error_id, saved) == 0) {
    snprintf(classes_buf, sizeof classes_buf, "%s", em_exc_classes_json(em_errclass_exc(saved->cls)));
    e.n_error_type_hierarchy = (size_t)split_classes(classes_buf, classes, 16);
    e.error_type_hierarchy = classes;
    e.message = saved->msg;
    const char *name = em_errclass_name(saved->cls);
    const char *state = em_errclass_sqlstate(saved->cls);
    if (name[0]) {
      st._error_class_case = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__SPARK_THROWABLE___ERROR_CLASS_ERROR_CLASS;
      st.error_class = (char *)name;
    }
    if (state[0]) {
      st._sql_state_case = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__SPARK_THROWABLE___SQL_STATE_SQL_STATE;
      st.sql_state = (char *)state;
    }
    for (int i = 0; i < saved->nparams; i++) {
      spark__connect__fetch_error_details_response__spark_throwable__message_parameters_entry__init(&params[i]);
      params[i].key = saved->keys[i];
      params[i].value = saved->vals[i];
      pptr[i] = &params[i];
    }
    st.n_message_parameters = (size_t)saved->nparams;
    st.message_parameters = pptr;
    if (saved->has_context && !saved->context_none) {
      qc.context_type = saved->context_is_sql ? SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__QUERY_CONTEXT__CONTEXT_TYPE__SQL
                                              : SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__QUERY_CONTEXT__CONTEXT_TYPE__DATAFRAME;
      qc.fragment = saved->context_fragment;
      qc.call_site = saved->context_call_site;
      st.n_query_contexts = 1;
      st.query_contexts = qcp;
    }
    e._spark_throwable_case = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE__ERROR___SPARK_THROWABLE_SPARK_THROWABLE;
    e.spark_throwable = &st;
    resp._root_error_idx_case = SPARK__CONNECT__FETCH_ERROR_DETAILS_RESPONSE___ROOT_ERROR_IDX_ROOT_ERROR_IDX;
    resp.root_error_idx = 0;
    resp.n_errors = 1;
    resp.errors = eptr;
  }
  em_rpc_reply(call, &resp.base);
  em_free(saved);
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}

void em_handle_get_status(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__GetStatusRequest *req =
      (Spark__Connect__GetStatusRequest *)em_rpc_recv_msg(call, &spark__connect__get_status_request__descriptor);
  if (!req) return;
  em_session *sess = em_rpc_session(call, svc, &req->base, req->user_context, req->session_id, true,
                                    OBSERVED(req));
  if (!sess) return;
  Spark__Connect__GetStatusResponse resp = SPARK__CONNECT__GET_STATUS_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  Spark__Connect__GetStatusResponse__OperationStatus *sts = NULL, **sptrs = NULL;
  char (*ids)[37] = NULL;
  int n = 0;
  if (HAS(req, operation_status)) {
    const Spark__Connect__GetStatusRequest__OperationStatusRequest *os = req->operation_status;
    pthread_mutex_lock(&sess->mu);
    int cap = sess->nops;
    sts = em_calloc((size_t)(cap + 1), sizeof *sts);
    sptrs = em_calloc((size_t)(cap + 1), sizeof *sptrs);
    ids = em_calloc((size_t)(cap + 1), sizeof *ids);
    int cap2 = cap + (int)os->n_operation_ids;
    em_free(sts);
    em_free(sptrs);
    em_free(ids);
    sts = em_calloc((size_t)(cap2 + 1), sizeof *sts);
    sptrs = em_calloc((size_t)(cap2 + 1), sizeof *sptrs);
    ids = em_calloc((size_t)(cap2 + 1), sizeof *ids);
    for (int i = 0; sts && sptrs && ids && i < sess->nops; i++) {
      em_operation *op = sess->ops[i];
      bool want = os->n_operation_ids == 0;
      for (size_t j = 0; !want && j < os->n_operation_ids; j++) want = strcmp(os->operation_ids[j], op->op_id) == 0;
      if (!want) continue;
      spark__connect__get_status_response__operation_status__init(&sts[n]);
      memcpy(ids[n], op->op_id, 37);
      sts[n].operation_id = ids[n];
      pthread_mutex_lock(&op->mu);
      /* Spark: a finished execution not yet released is TERMINATING. */
      em_op_state stt = op->state;
      if (op->done && !op->released) stt = (em_op_state)3;
      sts[n].state = (Spark__Connect__GetStatusResponse__OperationStatus__OperationState)stt;
      pthread_mutex_unlock(&op->mu);
      sptrs[n] = &sts[n];
      n++;
    }
    /* Asked-for ids that are not here: UNKNOWN. */
    for (size_t j = 0; sts && sptrs && ids && j < os->n_operation_ids; j++) {
      bool known = false;
      for (int i = 0; i < n && !known; i++) known = strcmp(ids[i], os->operation_ids[j]) == 0;
      if (known) continue;
      spark__connect__get_status_response__operation_status__init(&sts[n]);
      snprintf(ids[n], 37, "%s", os->operation_ids[j]);
      sts[n].operation_id = ids[n];
      sts[n].state = SPARK__CONNECT__GET_STATUS_RESPONSE__OPERATION_STATUS__OPERATION_STATE__OPERATION_STATE_UNKNOWN;
      sptrs[n] = &sts[n];
      n++;
    }
    pthread_mutex_unlock(&sess->mu);
    resp.n_operation_statuses = (size_t)n;
    resp.operation_statuses = sptrs;
  }
  em_rpc_reply(call, &resp.base);
  em_free(sts);
  em_free(sptrs);
  em_free(ids);
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}
