/*
 * The SparkConnectService: its twelve methods, server start and stop, and
 * small helpers shared by the handlers.
 */
#include "connect_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATH(m) "/spark.connect.SparkConnectService/" m

static const em_rpc_method methods[] = {
    {PATH("ExecutePlan"), EM_RPC_SERVER_STREAM, em_handle_execute},
    {PATH("AnalyzePlan"), EM_RPC_UNARY, em_handle_analyze},
    {PATH("Config"), EM_RPC_UNARY, em_handle_config},
    {PATH("AddArtifacts"), EM_RPC_CLIENT_STREAM, em_handle_add_artifacts},
    {PATH("ArtifactStatus"), EM_RPC_UNARY, em_handle_artifact_status},
    {PATH("Interrupt"), EM_RPC_UNARY, em_handle_interrupt},
    {PATH("ReattachExecute"), EM_RPC_SERVER_STREAM, em_handle_reattach},
    {PATH("ReleaseExecute"), EM_RPC_UNARY, em_handle_release_execute},
    {PATH("ReleaseSession"), EM_RPC_UNARY, em_handle_release_session},
    {PATH("FetchErrorDetails"), EM_RPC_UNARY, em_handle_fetch_error_details},
    {PATH("CloneSession"), EM_RPC_UNARY, em_handle_clone_session},
    {PATH("GetStatus"), EM_RPC_UNARY, em_handle_get_status},
};

const char *em_user_id(const Spark__Connect__UserContext *uc) { return uc && uc->user_id ? uc->user_id : ""; }

ProtobufCMessage *em_rpc_recv_msg(em_rpc *call, const ProtobufCMessageDescriptor *desc) {
  uint8_t *buf = NULL;
  size_t len = 0;
  if (em_rpc_recv(call, &buf, &len) != 1) {
    em_rpc_finish(call, EM_GRPC_CANCELLED, "request not received", NULL, 0);
    return NULL;
  }
  ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, buf);
  em_free(buf);
  if (!m) {
    em_error err;
    em_error_set(&err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "the request is not a valid message",
                 NULL);
    em_rpc_fail(call, NULL, &err);
  }
  return m;
}

em_session *em_rpc_session(em_rpc *call, em_connect_state *svc, ProtobufCMessage *req,
                           const Spark__Connect__UserContext *uc, const char *session_id, bool create,
                           const char *observed) {
  em_error err;
  em_session *sess = em_session_get(svc, em_user_id(uc), session_id, create, observed, &err);
  if (!sess) {
    em_rpc_fail(call, NULL, &err);
    protobuf_c_message_free_unpacked(req, NULL);
  }
  return sess;
}

void em_rpc_reply(em_rpc *call, const ProtobufCMessage *msg) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  uint8_t stackbuf[1024];
  uint8_t *buf = n <= sizeof stackbuf ? stackbuf : em_malloc(n);
  if (!buf) {
    em_rpc_finish(call, EM_GRPC_RESOURCE_EXHAUSTED, "out of memory", NULL, 0);
    return;
  }
  protobuf_c_message_pack(msg, buf);
  if (em_rpc_send(call, buf, n) == 0)
    em_rpc_finish(call, EM_GRPC_OK, NULL, NULL, 0);
  else
    em_rpc_finish(call, EM_GRPC_CANCELLED, "cancelled", NULL, 0);
  if (buf != stackbuf) em_free(buf);
}

em_connect *em_connect_start(const em_connect_opts *opts, em_error *err) {
  em_connect *c = em_calloc(1, sizeof *c);
  if (!c) {
    em_error_internal(err, "out of memory");
    return NULL;
  }
  em_connect_state *s = &c->st;
  pthread_mutex_init(&s->mu, NULL);
  em_conf_init(&s->server_conf);
  for (int i = 0; i < opts->nconf; i++) em_conf_put(&s->server_conf, opts->conf_keys[i], opts->conf_vals[i]);
  /* Spark: defaultSessionTimeout 60 min, detachedTimeout 5 min. */
  s->session_timeout_ns = 60LL * 60 * 1000000000LL;
  s->detached_timeout_ns = 5LL * 60 * 1000000000LL;
  const char *t = em_conf_lookup(&s->server_conf, "spark.connect.session.manager.defaultSessionTimeout");
  if (t) s->session_timeout_ns = atoll(t) * 1000000LL; /* milliseconds */
  t = em_conf_lookup(&s->server_conf, "spark.connect.execute.manager.detachedTimeout");
  if (t) s->detached_timeout_ns = atoll(t) * 1000000LL;
  em_sessions_start_reaper(s);
  em_server_opts so = {.host = opts->host ? opts->host : "127.0.0.1",
                       .port = opts->port,
                       .max_message_bytes = 134217728,
                       .worker_threads = 0};
  s->server = em_server_start(&so, methods, (int)EM_ARRAY_LEN(methods), s, err);
  if (!s->server) {
    em_sessions_shutdown(s);
    em_conf_free(&s->server_conf);
    pthread_mutex_destroy(&s->mu);
    em_free(c);
    return NULL;
  }
  return c;
}

int em_connect_port(const em_connect *c) { return em_server_port(c->st.server); }

void em_connect_stop(em_connect *c) {
  if (!c) return;
  em_connect_state *s = &c->st;
  /* Cancel every operation first so that streaming handlers finish, then
   * stop the transport, which waits for the handlers. */
  em_sessions_shutdown(s);
  em_server_shutdown(s->server);
  /* Execution threads hold references; wait for them to drain. */
  while (atomic_load(&s->active_threads) > 0) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  em_conf_free(&s->server_conf);
  pthread_mutex_destroy(&s->mu);
  em_free(c);
}
