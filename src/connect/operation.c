/*
 * Reattachable executions (Spark's ExecuteHolder / ExecuteResponseObserver
 * / ExecuteGrpcResponseSender).
 *
 * An operation's execution thread produces responses into a buffer; an
 * RPC (ExecutePlan, or ReattachExecute after a cut) attaches as the sender
 * and streams them from a position. Responses stay buffered until the
 * client releases them (ReleaseExecute until/all), except that sent ones
 * beyond a retention budget (Spark's observerRetryBufferSize, 10 MiB) are
 * evicted oldest first; reattaching before an evicted position fails with
 * INVALID_CURSOR.POSITION_NOT_AVAILABLE. A new attach interrupts an older
 * sender with INVALID_CURSOR.DISCONNECTED. A sender ends its stream cleanly
 * without ResultComplete after senderMaxStreamDuration (2 min), so that the
 * client reattaches, as Spark does for long streams.
 *
 * The producer is throttled when unsent responses exceed a budget, so a
 * slow client cannot make the server buffer a whole large result.
 *
 * A held response (em_operation_hold) is outside the buffer until its
 * deadline passes, the operation finishes, or the producer takes it back
 * to fold into its next response: a query's schema rides on its first
 * batch when that comes within a few milliseconds, which saves a
 * reattachable client one message and one ReleaseExecute call; a slow
 * query still announces its schema early, as Spark does.
 */
#include "connect_int.h"

#include <string.h>
#include <time.h>

#define RETAIN_SENT_BYTES (10u << 20)
#define UNSENT_BUDGET_BYTES (64u << 20)
#define SENDER_MAX_NS (120LL * 1000000000LL)

em_operation *em_operation_new(em_session *sess, const char *op_id) {
  em_operation *op = em_calloc(1, sizeof *op);
  if (!op) return NULL;
  snprintf(op->op_id, sizeof op->op_id, "%s", op_id);
  op->sess = sess;
  em_session_ref(sess);
  pthread_mutex_init(&op->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&op->cv, &ca);
  pthread_condattr_destroy(&ca);
  op->refcnt = 1;
  op->state = EM_OPST_RUNNING;
  return op;
}

void em_operation_unref(em_operation *op) {
  if (!op) return;
  pthread_mutex_lock(&op->mu);
  bool last = --op->refcnt == 0;
  pthread_mutex_unlock(&op->mu);
  if (!last) return;
  for (int i = 0; i < op->nresps; i++) em_buf_unref(op->resps[i].msg);
  em_buf_unref(op->held);
  em_free(op->resps);
  em_free(op->id_hashes);
  for (int i = 0; i < op->ntags; i++) em_free(op->tags[i]);
  em_free(op->tags);
  if (op->req) spark__connect__execute_plan_request__free_unpacked(op->req, NULL);
  pthread_mutex_destroy(&op->mu);
  pthread_cond_destroy(&op->cv);
  em_session *sess = op->sess;
  em_free(op);
  if (sess) em_session_release(sess->svc, sess);
}

static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_nsec += (long)ms * 1000000L;
  while (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(cv, mu, &ts);
}

static void wait_until_ns(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t until_ns) {
  struct timespec ts = {.tv_sec = until_ns / 1000000000LL, .tv_nsec = until_ns % 1000000000LL};
  pthread_cond_timedwait(cv, mu, &ts);
}

uint64_t em_hash64(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Evicts sent responses beyond the retention budget, oldest first, always
 * keeping the last one sent (Spark's observerRetryBufferSize). Unsent
 * responses are never evicted. */
static void evict_sent(em_operation *op) {
  size_t sent_bytes = 0;
  for (int64_t i = op->first; i < op->sent_through && i < op->produced; i++) sent_bytes += op->resps[i - op->first].msg->len;
  while (op->nresps > 1 && sent_bytes > RETAIN_SENT_BYTES && op->first + 1 < op->sent_through) {
    sent_bytes -= op->resps[0].msg->len;
    op->retained_bytes -= op->resps[0].msg->len;
    em_buf_unref(op->resps[0].msg);
    memmove(op->resps, op->resps + 1, sizeof *op->resps * (size_t)(op->nresps - 1));
    op->nresps--;
    op->first++;
  }
}

static em_buf *pack(const ProtobufCMessage *msg) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  em_buf *b = em_buf_new(n ? n : 1);
  if (!b) return NULL;
  protobuf_c_message_pack(msg, b->data);
  b->len = n;
  return b;
}

/* Appends a packed response to the buffer (taking the reference); op->mu
 * held. */
static int queue_locked(em_operation *op, em_buf *b, const char *response_id) {
  if (op->nresps == op->capresps) {
    int ncap = op->capresps ? op->capresps * 2 : 16;
    em_response *nr = em_realloc(op->resps, (size_t)ncap * sizeof *nr);
    if (!nr) {
      em_buf_unref(b);
      return -1;
    }
    op->resps = nr;
    op->capresps = ncap;
  }
  if ((op->produced & (op->produced - 1)) == 0) {
    /* Grow the id-hash array at powers of two. */
    int64_t ncap = op->produced ? op->produced * 2 : 16;
    uint64_t *nh = em_realloc(op->id_hashes, sizeof *nh * (size_t)ncap);
    if (!nh) {
      em_buf_unref(b);
      return -1;
    }
    op->id_hashes = nh;
  }
  op->id_hashes[op->produced] = em_hash64(response_id, strlen(response_id));
  em_response *r = &op->resps[op->nresps++];
  snprintf(r->id, sizeof r->id, "%s", response_id);
  r->msg = b;
  op->retained_bytes += b->len;
  op->produced++;
  pthread_cond_broadcast(&op->cv);
  return 0;
}

/* The held response joins the stream; op->mu held. */
static int release_held_locked(em_operation *op) {
  em_buf *b = op->held;
  if (!b) return 0;
  op->held = NULL;
  return queue_locked(op, b, op->held_id);
}

int em_operation_push(em_operation *op, const ProtobufCMessage *msg, const char *response_id) {
  em_buf *b = pack(msg);
  if (!b) return -1;
  pthread_mutex_lock(&op->mu);
  /* Throttle: wait while the unsent backlog is over budget and someone
   * may still read it. */
  for (;;) {
    size_t unsent = 0;
    for (int64_t i = op->sent_through; i < op->produced; i++) unsent += op->resps[i - op->first].msg->len;
    if (unsent < UNSENT_BUDGET_BYTES || atomic_load(&op->cancel) || op->released) break;
    wait_ms(&op->cv, &op->mu, 50);
  }
  /* Whatever was held goes first (its producer did not take it back). */
  int rc = release_held_locked(op);
  if (!rc) rc = queue_locked(op, b, response_id);
  else em_buf_unref(b);
  pthread_mutex_unlock(&op->mu);
  return rc;
}

int em_operation_hold(em_operation *op, const ProtobufCMessage *msg, const char *response_id, int64_t for_ns) {
  em_buf *b = pack(msg);
  if (!b) return -1;
  pthread_mutex_lock(&op->mu);
  int rc = release_held_locked(op);
  if (!rc) {
    op->held = b;
    snprintf(op->held_id, sizeof op->held_id, "%s", response_id);
    op->held_until_ns = em_now_ns() + for_ns;
    pthread_cond_broadcast(&op->cv); /* a waiting sender learns the deadline */
  } else {
    em_buf_unref(b);
  }
  pthread_mutex_unlock(&op->mu);
  return rc;
}

bool em_operation_take_held(em_operation *op) {
  pthread_mutex_lock(&op->mu);
  em_buf *b = op->held;
  op->held = NULL;
  pthread_mutex_unlock(&op->mu);
  bool had = b != NULL;
  em_buf_unref(b);
  return had;
}

void em_operation_finish(em_operation *op, const em_error *err) {
  /* A failed query's error is stored in the session for FetchErrorDetails
   * now, as Spark does when the error is thrown, and before taking the
   * operation's lock: the lock order is session, then operation. */
  char err_id[37];
  if (err) em_session_save_error(op->sess, err, err_id);
  pthread_mutex_lock(&op->mu);
  (void)release_held_locked(op); /* (out of memory: the message is dropped) */
  op->done = true;
  if (err) {
    op->err = *err;
    memcpy(op->err_id, err_id, sizeof err_id);
    op->err_saved = true;
    op->state = err->cls == EM_ERR_OPERATION_CANCELED ? EM_OPST_CANCELLED : EM_OPST_FAILED;
  } else {
    op->state = EM_OPST_SUCCEEDED;
  }
  pthread_cond_broadcast(&op->cv);
  pthread_mutex_unlock(&op->mu);
}

int64_t em_operation_index_of(em_operation *op, const char *response_id) {
  int64_t idx = -1;
  uint64_t h = em_hash64(response_id, strlen(response_id));
  pthread_mutex_lock(&op->mu);
  for (int64_t i = op->produced - 1; i >= 0; i--)
    if (op->id_hashes[i] == h) {
      idx = i;
      break;
    }
  pthread_mutex_unlock(&op->mu);
  return idx;
}

int64_t em_operation_first(em_operation *op) {
  pthread_mutex_lock(&op->mu);
  int64_t f = op->first;
  pthread_mutex_unlock(&op->mu);
  return f;
}

void em_operation_release_until(em_operation *op, int64_t index) {
  pthread_mutex_lock(&op->mu);
  while (op->nresps > 0 && op->first <= index) {
    op->retained_bytes -= op->resps[0].msg->len;
    em_buf_unref(op->resps[0].msg);
    memmove(op->resps, op->resps + 1, sizeof *op->resps * (size_t)(op->nresps - 1));
    op->nresps--;
    op->first++;
  }
  if (op->sent_through < op->first) op->sent_through = op->first;
  pthread_cond_broadcast(&op->cv);
  pthread_mutex_unlock(&op->mu);
}

static void release_buf(void *b) { em_buf_unref(b); }

void em_operation_attach(em_operation *op, em_rpc *call, int64_t from) {
  pthread_mutex_lock(&op->mu);
  int gen = ++op->sender_gen;
  op->attached++;
  op->detached_since_ns = 0;
  pthread_cond_broadcast(&op->cv); /* wakes an older sender, which sees gen */
  int64_t start = em_now_ns();
  int64_t idx = from;
  em_error err;
  for (;;) {
    while (idx >= op->produced && !op->done && gen == op->sender_gen && !em_rpc_cancelled(call) &&
           !op->released && em_now_ns() - start < SENDER_MAX_NS) {
      /* Wake every 20 ms (cancellation, stream age), or at the held
       * response's deadline. */
      int64_t now = em_now_ns(), until = now + 20 * 1000000LL;
      if (op->held && op->held_until_ns <= now) {
        (void)release_held_locked(op);
        continue;
      }
      if (op->held && op->held_until_ns < until) until = op->held_until_ns;
      wait_until_ns(&op->cv, &op->mu, until);
    }
    if (gen != op->sender_gen) {
      em_error_set(&err, EM_ERR_INVALID_CURSOR_DISCONNECTED, NULL);
      break;
    }
    if (em_rpc_cancelled(call)) {
      err.cls = EM_ERR_NONE;
      break;
    }
    if (idx < op->produced) {
      if (idx < op->first) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)idx);
        em_error_set(&err, EM_ERR_INVALID_CURSOR_POSITION_NOT_AVAILABLE, "responseId", id, "index", id, NULL);
        break;
      }
      em_buf *msg = em_buf_ref(op->resps[idx - op->first].msg);
      if (idx + 1 > op->sent_through) op->sent_through = idx + 1;
      pthread_cond_broadcast(&op->cv); /* the producer may be throttled */
      pthread_mutex_unlock(&op->mu);
      /* gRPC reads the retained response in place and drops our reference
       * when it is done with it. */
      int rc = em_rpc_send_shared(call, msg->data, msg->len, release_buf, msg);
      pthread_mutex_lock(&op->mu);
      if (rc) {
        err.cls = EM_ERR_NONE;
        break;
      }
      idx++;
      evict_sent(op);
      continue;
    }
    if (op->done || op->released) {
      if (op->state == EM_OPST_FAILED || op->state == EM_OPST_CANCELLED) {
        err = op->err;
      } else {
        err.cls = EM_ERR_NONE;
        pthread_mutex_unlock(&op->mu);
        em_rpc_finish(call, EM_GRPC_OK, NULL, NULL, 0);
        pthread_mutex_lock(&op->mu);
        goto out;
      }
      break;
    }
    /* The stream has run long enough: end it cleanly; the client reattaches. */
    err.cls = EM_ERR_NONE;
    pthread_mutex_unlock(&op->mu);
    em_rpc_finish(call, EM_GRPC_OK, NULL, NULL, 0);
    pthread_mutex_lock(&op->mu);
    goto out;
  }
  if (err.cls != EM_ERR_NONE) {
    /* The query's error was saved by em_operation_finish; a reattaching
     * client gets the same id. */
    bool query_err = (op->state == EM_OPST_FAILED || op->state == EM_OPST_CANCELLED) && err.cls == op->err.cls &&
                     op->err_saved;
    char err_id[37];
    memcpy(err_id, op->err_id, sizeof err_id);
    pthread_mutex_unlock(&op->mu);
    if (query_err)
      em_rpc_fail_saved(call, &err, err_id);
    else
      em_rpc_fail(call, NULL, &err);
    pthread_mutex_lock(&op->mu);
  } else if (em_rpc_cancelled(call)) {
    pthread_mutex_unlock(&op->mu);
    em_rpc_finish(call, EM_GRPC_CANCELLED, "cancelled", NULL, 0);
    pthread_mutex_lock(&op->mu);
  }
out:
  op->attached--;
  if (op->attached == 0) op->detached_since_ns = em_now_ns();
  pthread_mutex_unlock(&op->mu);
}

em_operation *em_session_find_op(em_session *sess, const char *op_id) {
  em_operation *found = NULL;
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nops; i++) {
    if (strcmp(sess->ops[i]->op_id, op_id) == 0) {
      found = sess->ops[i];
      pthread_mutex_lock(&found->mu);
      found->refcnt++;
      pthread_mutex_unlock(&found->mu);
      break;
    }
  }
  pthread_mutex_unlock(&sess->mu);
  return found;
}

int em_session_add_op(em_session *sess, em_operation *op, em_error *err) {
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nops; i++) {
    if (strcmp(sess->ops[i]->op_id, op->op_id) == 0) {
      pthread_mutex_unlock(&sess->mu);
      return em_error_set(err, EM_ERR_INVALID_HANDLE_OPERATION_ALREADY_EXISTS, "handle", op->op_id, NULL);
    }
  }
  if (sess->nops == sess->capops) {
    int ncap = sess->capops ? sess->capops * 2 : 8;
    em_operation **n = em_realloc(sess->ops, (size_t)ncap * sizeof *n);
    if (!n) {
      pthread_mutex_unlock(&sess->mu);
      return em_error_internal(err, "out of memory");
    }
    sess->ops = n;
    sess->capops = ncap;
  }
  sess->ops[sess->nops++] = op;
  pthread_mutex_lock(&op->mu);
  op->refcnt++;
  pthread_mutex_unlock(&op->mu);
  pthread_mutex_unlock(&sess->mu);
  return 0;
}

void em_session_remove_op(em_session *sess, em_operation *op) {
  bool found = false;
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nops; i++) {
    if (sess->ops[i] == op) {
      sess->ops[i] = sess->ops[--sess->nops];
      found = true;
      break;
    }
  }
  pthread_mutex_unlock(&sess->mu);
  if (found) {
    em_session_note_released(sess, op->op_id);
    pthread_mutex_lock(&op->mu);
    op->released = true;
    pthread_cond_broadcast(&op->cv);
    pthread_mutex_unlock(&op->mu);
    em_operation_unref(op);
  }
}

#define RELEASED_MAX 1024

void em_session_note_released(em_session *sess, const char *op_id) {
  pthread_mutex_lock(&sess->mu);
  if (!sess->released_ops) sess->released_ops = em_calloc(RELEASED_MAX, sizeof *sess->released_ops);
  if (sess->released_ops) {
    int slot;
    if (sess->nreleased < RELEASED_MAX) {
      slot = sess->nreleased++;
    } else {
      slot = sess->released_head;
      sess->released_head = (sess->released_head + 1) % RELEASED_MAX;
    }
    snprintf(sess->released_ops[slot], 37, "%s", op_id);
  }
  pthread_mutex_unlock(&sess->mu);
}

bool em_session_was_released(em_session *sess, const char *op_id) {
  bool hit = false;
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nreleased && !hit; i++) hit = strcmp(sess->released_ops[i], op_id) == 0;
  pthread_mutex_unlock(&sess->mu);
  return hit;
}
