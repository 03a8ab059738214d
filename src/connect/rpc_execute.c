/*
 * ExecutePlan, ReattachExecute, ReleaseExecute and Interrupt.
 *
 * ExecutePlan registers an operation, starts its execution thread
 * (execute.c) and attaches the RPC as the operation's sender. A
 * non-reattachable operation ends with its RPC; a reattachable one lives
 * until the client releases it (or it is abandoned, see session.c).
 */
#include "connect_int.h"

#include <string.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)
#define OBSERVED(req) \
  (HAS(req, client_observed_server_side_session_id) ? (req)->client_observed_server_side_session_id : NULL)


void em_handle_execute(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__ExecutePlanRequest *req = (Spark__Connect__ExecutePlanRequest *)em_rpc_recv_msg(
      call, &spark__connect__execute_plan_request__descriptor);
  if (!req) return;
  em_error err;
  em_session *sess = em_session_get(svc, em_user_id(req->user_context), req->session_id, true, OBSERVED(req), &err);
  if (!sess) {
    em_rpc_fail(call, NULL, &err);
    spark__connect__execute_plan_request__free_unpacked(req, NULL);
    return;
  }
  char op_id[37];
  if (HAS(req, operation_id)) {
    if (!em_is_uuid(req->operation_id)) {
      em_error_set(&err, EM_ERR_INVALID_HANDLE_FORMAT, "handle", req->operation_id, NULL);
      em_rpc_fail(call, sess, &err);
      em_session_release(svc, sess);
      spark__connect__execute_plan_request__free_unpacked(req, NULL);
      return;
    }
    snprintf(op_id, sizeof op_id, "%s", req->operation_id);
  } else {
    em_uuid4(op_id);
  }
  /* The plan's identity, to tell a replay from a clash. */
  uint64_t plan_hash = 0;
  if (req->plan) {
    size_t plen = spark__connect__plan__get_packed_size(req->plan);
    uint8_t *pbuf = em_malloc(plen ? plen : 1);
    if (pbuf) {
      spark__connect__plan__pack(req->plan, pbuf);
      plan_hash = em_hash64(pbuf, plen);
      em_free(pbuf);
    }
  }
  if (HAS(req, operation_id)) {
    /* Spark: reusing an operation id replays a held execution of the same
     * plan; another plan clashes; a released id is abandoned. */
    em_operation *old = em_session_find_op(sess, op_id);
    int fail = 0;
    if (old) {
      if (old->plan_hash != plan_hash)
        fail = em_error_set(&err, EM_ERR_INVALID_HANDLE_OPERATION_ALREADY_EXISTS, "handle", op_id, NULL);
      else if (em_operation_first(old) > 0)
        fail = em_error_set(&err, EM_ERR_INVALID_CURSOR_POSITION_NOT_AVAILABLE, "responseId", "0", "index", "0", NULL);
      else
        em_operation_attach(old, call, 0);
      em_operation_unref(old);
    } else if (em_session_was_released(sess, op_id)) {
      fail = em_error_set(&err, EM_ERR_INVALID_HANDLE_OPERATION_ABANDONED, "handle", op_id, NULL);
    }
    if (old || fail) {
      if (fail) em_rpc_fail(call, sess, &err);
      em_session_release(svc, sess);
      spark__connect__execute_plan_request__free_unpacked(req, NULL);
      return;
    }
  }
  em_operation *op = em_operation_new(sess, op_id);
  if (!op) {
    em_error_internal(&err, "out of memory");
    em_rpc_fail(call, sess, &err);
    em_session_release(svc, sess);
    spark__connect__execute_plan_request__free_unpacked(req, NULL);
    return;
  }
  op->req = req;
  op->plan_hash = plan_hash;
  op->preferred_chunk = 0;
  for (size_t i = 0; i < req->n_request_options; i++) {
    const Spark__Connect__ExecutePlanRequest__RequestOption *o = req->request_options[i];
    if (o->request_option_case == SPARK__CONNECT__EXECUTE_PLAN_REQUEST__REQUEST_OPTION__REQUEST_OPTION_REATTACH_OPTIONS)
      op->reattachable = o->reattach_options->reattachable;
    else if (o->request_option_case ==
             SPARK__CONNECT__EXECUTE_PLAN_REQUEST__REQUEST_OPTION__REQUEST_OPTION_RESULT_CHUNKING_OPTIONS) {
      op->allow_chunking = o->result_chunking_options->allow_arrow_batch_chunking;
      if (HAS(o->result_chunking_options, preferred_arrow_chunk_size))
        op->preferred_chunk = o->result_chunking_options->preferred_arrow_chunk_size;
    }
  }
  if (req->n_tags) {
    op->tags = em_calloc(req->n_tags, sizeof *op->tags);
    for (size_t i = 0; op->tags && i < req->n_tags; i++)
      if ((op->tags[i] = em_strdup(req->tags[i]))) op->ntags++;
  }
  int rc = em_session_add_op(sess, op, &err);
  if (!rc) em_execute_start(op, &err, &rc);
  if (rc) {
    em_rpc_fail(call, sess, &err);
    em_session_remove_op(sess, op);
  } else {
    em_operation_attach(op, call, 0);
    if (!op->reattachable) {
      atomic_store(&op->cancel, true);
      em_session_remove_op(sess, op);
    }
  }
  em_operation_unref(op);
  em_session_release(svc, sess);
}

void em_handle_reattach(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__ReattachExecuteRequest *req = (Spark__Connect__ReattachExecuteRequest *)em_rpc_recv_msg(
      call, &spark__connect__reattach_execute_request__descriptor);
  if (!req) return;
  em_error err;
  em_session *sess = em_session_get(svc, em_user_id(req->user_context), req->session_id, false, OBSERVED(req), &err);
  em_operation *op = NULL;
  if (sess) {
    op = em_session_find_op(sess, req->operation_id);
    if (!op) em_error_set(&err, EM_ERR_INVALID_HANDLE_OPERATION_NOT_FOUND, "handle", req->operation_id, NULL);
  }
  if (op && !op->reattachable) {
    em_error_set(&err, EM_ERR_INVALID_CURSOR_NOT_REATTACHABLE, NULL);
    em_operation_unref(op);
    op = NULL;
  }
  int64_t from = 0;
  if (op && HAS(req, last_response_id)) {
    int64_t idx = em_operation_index_of(op, req->last_response_id);
    if (idx < 0) {
      em_error_set(&err, EM_ERR_INVALID_CURSOR_POSITION_NOT_FOUND, "responseId", req->last_response_id, NULL);
      em_operation_unref(op);
      op = NULL;
    } else {
      from = idx + 1;
    }
  }
  if (op && from < em_operation_first(op)) {
    char idx[32];
    snprintf(idx, sizeof idx, "%lld", (long long)from);
    em_error_set(&err, EM_ERR_INVALID_CURSOR_POSITION_NOT_AVAILABLE, "responseId",
                 HAS(req, last_response_id) ? req->last_response_id : "", "index", idx, NULL);
    em_operation_unref(op);
    op = NULL;
  }
  if (!op) {
    em_rpc_fail(call, sess, &err);
  } else {
    em_operation_attach(op, call, from);
    em_operation_unref(op);
  }
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}

void em_handle_release_execute(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__ReleaseExecuteRequest *req = (Spark__Connect__ReleaseExecuteRequest *)em_rpc_recv_msg(
      call, &spark__connect__release_execute_request__descriptor);
  if (!req) return;
  em_session *sess = em_rpc_session(call, svc, &req->base, req->user_context, req->session_id, false,
                                    OBSERVED(req));
  if (!sess) return;
  Spark__Connect__ReleaseExecuteResponse resp = SPARK__CONNECT__RELEASE_EXECUTE_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  em_operation *op = em_session_find_op(sess, req->operation_id);
  if (op) {
    resp._operation_id_case = SPARK__CONNECT__RELEASE_EXECUTE_RESPONSE___OPERATION_ID_OPERATION_ID;
    resp.operation_id = op->op_id;
    if (req->release_case == SPARK__CONNECT__RELEASE_EXECUTE_REQUEST__RELEASE_RELEASE_ALL) {
      atomic_store(&op->cancel, true);
      em_session_remove_op(sess, op);
    } else if (req->release_case == SPARK__CONNECT__RELEASE_EXECUTE_REQUEST__RELEASE_RELEASE_UNTIL) {
      int64_t idx = em_operation_index_of(op, req->release_until->response_id);
      if (idx >= 0) em_operation_release_until(op, idx);
    }
  }
  em_rpc_reply(call, &resp.base);
  em_operation_unref(op);
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}

void em_handle_interrupt(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__InterruptRequest *req =
      (Spark__Connect__InterruptRequest *)em_rpc_recv_msg(call, &spark__connect__interrupt_request__descriptor);
  if (!req) return;
  em_session *sess = em_rpc_session(call, svc, &req->base, req->user_context, req->session_id, true,
                                    OBSERVED(req));
  if (!sess) return;
  Spark__Connect__InterruptResponse resp = SPARK__CONNECT__INTERRUPT_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  pthread_mutex_lock(&sess->mu);
  char **ids = em_calloc((size_t)(sess->nops + 1), sizeof *ids);
  int n = 0;
  for (int i = 0; ids && i < sess->nops; i++) {
    em_operation *op = sess->ops[i];
    bool hit = false;
    switch (req->interrupt_type) {
    case SPARK__CONNECT__INTERRUPT_REQUEST__INTERRUPT_TYPE__INTERRUPT_TYPE_ALL:
      hit = true;
      break;
    case SPARK__CONNECT__INTERRUPT_REQUEST__INTERRUPT_TYPE__INTERRUPT_TYPE_TAG:
      for (int t = 0; !hit && t < op->ntags; t++)
        hit = req->interrupt_case == SPARK__CONNECT__INTERRUPT_REQUEST__INTERRUPT_OPERATION_TAG &&
              strcmp(op->tags[t], req->operation_tag) == 0;
      break;
    case SPARK__CONNECT__INTERRUPT_REQUEST__INTERRUPT_TYPE__INTERRUPT_TYPE_OPERATION_ID:
      hit = req->interrupt_case == SPARK__CONNECT__INTERRUPT_REQUEST__INTERRUPT_OPERATION_ID &&
            strcmp(op->op_id, req->operation_id) == 0;
      break;
    default:
      break;
    }
    pthread_mutex_lock(&op->mu);
    bool running = !op->done;
    pthread_mutex_unlock(&op->mu);
    if (hit && running) {
      atomic_store(&op->cancel, true);
      ids[n++] = op->op_id;
    }
  }
  resp.n_interrupted_ids = (size_t)n;
  resp.interrupted_ids = ids;
  /* The ids point into operations kept alive by the session list; reply
   * while still holding the session lock is avoided by copying first. */
  char (*copies)[37] = em_calloc((size_t)(n + 1), sizeof *copies);
  for (int i = 0; copies && i < n; i++) {
    memcpy(copies[i], ids[i], 37);
    ids[i] = copies[i];
  }
  pthread_mutex_unlock(&sess->mu);
  em_rpc_reply(call, &resp.base);
  em_free(copies);
  em_free(ids);
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}
