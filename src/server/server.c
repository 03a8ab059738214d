/*
 * The gRPC server: start, the completion-queue poller, dispatch of calls to
 * handlers, and shutdown. Built on gRPC's C core (grpc/grpc.h).
 *
 * Threads. One completion queue (a "next" queue) and one poller thread that
 * loops on grpc_completion_queue_next. That thread also drives gRPC's I/O.
 * Handlers run on a worker pool (pool.c) and block in em_rpc_recv/send until
 * the poller posts their call's semaphore (rpc.c). The alternative, one
 * pluck queue per call with the handler plucking its own events, saves a
 * thread switch per operation but only sees events while the handler waits:
 * the RECV_CLOSE_ON_SERVER completion that tells us the client went away
 * would sit unseen while a handler computes, and em_rpc_cancelled must turn
 * true during exactly that time. With one poller every event is seen at
 * once, whatever the handler is doing, and shutdown has one place to drain.
 *
 * Life of a call.
 *   1. The poller keeps EM_SERVER_ACCEPT_SLOTS grpc_server_request_call
 *      requests outstanding (generic calls: no methods are registered with
 *      gRPC, we match the path ourselves) and re-arms as calls arrive.
 *   2. Unknown path: the poller answers UNIMPLEMENTED itself, never waking a
 *      worker. Known path: it starts RECV_CLOSE_ON_SERVER (cancellation
 *      watch, for the whole call) and RECV_MESSAGE for the first request.
 *   3. When the first message is in, the call is queued for a worker. The
 *      handler starts with its request already received, so a unary call
 *      costs one thread switch (poller to worker) and its reply leaves in a
 *      single batch from the worker (see rpc.c).
 *   4. References (handler, close batch, status batch) keep the call until
 *      all three are done.
 *
 * Cancellation. The close batch completes with cancelled=1 when the client
 * cancels, the deadline passes, the connection drops or the server cancels
 * all calls; the poller then sets the call's flag. A batch the handler is
 * blocked on fails at the same moment, so send/recv return -1 promptly.
 *
 * Shutdown. Stop accepting (shutdown_and_notify), cancel every call, mark
 * every live call cancelled, wait until the shutdown tag arrived and every
 * call is freed (handlers returned), stop and join the workers, destroy the
 * server, shut the queue down and let the poller drain it to
 * GRPC_QUEUE_SHUTDOWN, join it, destroy the queue, grpc_shutdown. Every
 * em_server_start pairs with one grpc_init and its shutdown with one
 * grpc_shutdown (gRPC counts them), so several servers can share a process.
 */
#include "server_int.h"

#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_MESSAGE 134217728 /* spark.connect.grpc.maxInboundMessageSize */

/* Arms one more accept slot. False when out of memory: the poller then
 * retries on a short timer (top_up), so a burst of allocation failures
 * cannot leave the server deaf. */
static bool request_slot(em_server *s) {
  em_rpc *c = em_server_rpc_new(s);
  if (!c) return false;
  atomic_fetch_add(&s->armed, 1);
  grpc_call_error e =
      grpc_server_request_call(s->server, &c->call, &c->details, &c->req_md, s->cq, s->cq, em_tag_arm(&c->accept_tag));
  if (e != GRPC_CALL_OK) {
    atomic_fetch_sub(&s->armed, 1);
    em_server_rpc_free_slot(c);
    return false;
  }
  return true;
}

/* Re-arms accept slots up to EM_SERVER_ACCEPT_SLOTS. Only between
 * grpc_server_start (no requests are allowed before it) and shutdown. */
static void top_up(em_server *s) {
  pthread_mutex_lock(&s->mu);
  bool accepting = s->started && !s->stopping;
  pthread_mutex_unlock(&s->mu);
  while (accepting && atomic_load(&s->armed) < EM_SERVER_ACCEPT_SLOTS)
    if (!request_slot(s)) break;
}

static const em_rpc_method *find_method(const em_server *s, grpc_slice path) {
  size_t n = GRPC_SLICE_LENGTH(path);
  const void *p = GRPC_SLICE_START_PTR(path);
  for (int i = 0; i < s->nmethods; i++) {
    const char *m = s->methods[i].path;
    if (strlen(m) == n && memcmp(m, p, n) == 0) return &s->methods[i];
  }
  return NULL;
}

/* Starts the poller's part of a new call: answer an unknown path, or arm
 * the cancellation watch and the first receive. */
static void begin_call(em_server *s, em_rpc *c) {
  c->method = find_method(s, c->details.method);
  if (!c->method) {
    em_server_rpc_reject(c);
    return;
  }
  atomic_store(&c->refs, 2); /* the handler's and the close batch's */
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op.data.recv_close_on_server.cancelled = &c->close_cancelled;
  if (grpc_call_start_batch(c->call, &op, 1, em_tag_arm(&c->close_tag), NULL) != GRPC_CALL_OK) em_server_rpc_unref(c);

  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &c->recv_bb;
  if (grpc_call_start_batch(c->call, &op, 1, em_tag_arm(&c->first_tag), NULL) != GRPC_CALL_OK) {
    atomic_store(&c->cancelled, true);
    em_server_rpc_unref(c);
  }
}

static void on_accept(em_server *s, em_rpc *c, bool ok) {
  atomic_fetch_sub(&s->armed, 1);
  if (!ok) {
    /* Requests fail only when the server shuts down: no call came. */
    em_server_rpc_free_slot(c);
    return;
  }
  pthread_mutex_lock(&s->mu);
  bool stopping = s->stopping;
  c->next = s->live;
  if (s->live) s->live->prev = c;
  s->live = c;
  s->ncalls++;
  pthread_mutex_unlock(&s->mu);
  if (stopping) atomic_store(&c->cancelled, true);
  begin_call(s, c);
  /* Re-arm after this call's batches are started, off its critical path. */
  top_up(s);
}

static void on_first_recv(em_server *s, em_rpc *c, bool ok) {
  c->first_ok = ok;
  c->first_pending = true;
  if (!ok) {
    /* The call died before its request arrived: nobody to answer. */
    atomic_store(&c->cancelled, true);
    em_server_rpc_unref(c);
    return;
  }
  em_server_pool_submit(&s->pool, c);
}

static void *poller_main(void *arg) {
  em_server *s = arg;
  for (;;) {
    /* Normally wait forever; with accept slots missing (out of memory),
     * wake every 100 ms to re-arm them. */
    gpr_timespec until = atomic_load(&s->armed) < EM_SERVER_ACCEPT_SLOTS
                             ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100, GPR_TIMESPAN))
                             : gpr_inf_future(GPR_CLOCK_MONOTONIC);
    grpc_event ev = grpc_completion_queue_next(s->cq, until, NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type == GRPC_QUEUE_TIMEOUT) {
      top_up(s);
      continue;
    }
    if (ev.type != GRPC_OP_COMPLETE) continue;
    em_tag *t = ev.tag;
    (void)atomic_load_explicit(&t->armed, memory_order_acquire);
    em_rpc *c = t->rpc;
    switch (t->kind) {
    case EM_TAG_ACCEPT:
      on_accept(s, c, ev.success != 0);
      break;
    case EM_TAG_FIRST_RECV:
      on_first_recv(s, c, ev.success != 0);
      break;
    case EM_TAG_OP:
      c->op_ok = ev.success != 0;
      sem_post(&c->op_sem);
      break;
    case EM_TAG_CLOSE:
      if (!ev.success || c->close_cancelled) atomic_store(&c->cancelled, true);
      em_server_rpc_unref(c);
      break;
    case EM_TAG_FINISH:
      em_server_rpc_finish_done(c);
      break;
    case EM_TAG_SHUTDOWN:
      pthread_mutex_lock(&s->mu);
      s->shutdown_done = true;
      pthread_cond_broadcast(&s->cv);
      pthread_mutex_unlock(&s->mu);
      break;
    }
  }
  return NULL;
}

static grpc_arg int_arg(const char *key, int value) {
  grpc_arg a;
  memset(&a, 0, sizeof a);
  a.type = GRPC_ARG_INTEGER;
  a.key = (char *)key;
  a.value.integer = value;
  return a;
}

static int default_workers(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  n *= 2;
  if (n < 4) n = 4;
  if (n > 64) n = 64;
  return (int)n;
}

/* Stops what em_server_start had started before it failed. The server has
 * no listener, so it can be destroyed without a shutdown. */
static void abandon(em_server *s) {
  if (s->server) grpc_server_destroy(s->server);
  if (s->pool.nthreads || s->pool.workers) em_server_pool_destroy(&s->pool);
  if (s->cq) {
    grpc_completion_queue_shutdown(s->cq);
    if (s->poller_started) {
      pthread_join(s->poller, NULL);
    } else {
      while (grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
             GRPC_QUEUE_SHUTDOWN) {
      }
    }
    grpc_completion_queue_destroy(s->cq);
  }
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  em_free(s);
  grpc_shutdown();
}

em_server *em_server_start(const em_server_opts *opts, const em_rpc_method *methods, int nmethods, void *user,
                           em_error *err) {
  em_server_opts o = {0};
  if (opts) o = *opts;
  if (!o.host || !*o.host) o.host = "127.0.0.1";
  if (o.max_message_bytes <= 0) o.max_message_bytes = DEFAULT_MAX_MESSAGE;
  if (o.worker_threads <= 0) o.worker_threads = default_workers();
  if (o.port < 0 || o.port > 65535) {
    em_error_internal(err, "invalid server port %d", o.port);
    return NULL;
  }

  grpc_init();
  em_server *s = em_calloc(1, sizeof *s);
  if (!s) {
    grpc_shutdown();
    em_error_internal(err, "out of memory starting the server");
    return NULL;
  }
  s->methods = methods;
  s->nmethods = nmethods;
  s->user = user;
  s->shutdown_tag.kind = EM_TAG_SHUTDOWN;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);

  grpc_arg args[] = {
      int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, o.max_message_bytes),
      int_arg(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1),
      /* Clients may ping as often as once a second, with or without calls
       * open, and are never sent GOAWAY for it: PySpark's channel can be
       * configured with keepalive, and a long ExecutePlan may send nothing
       * for minutes while the engine works. */
      int_arg(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1),
      int_arg(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000),
      int_arg(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0),
      /* Our own pings find clients that vanished without closing the
       * connection (a laptop lid, a dropped VPN), so their queries are
       * cancelled instead of running for nobody. */
      int_arg(GRPC_ARG_KEEPALIVE_TIME_MS, 60000),
      int_arg(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000),
      /* Bearer tokens and forwarded connection-string headers can be long. */
      int_arg(GRPC_ARG_MAX_METADATA_SIZE, 64 * 1024),
      /* gRPC sets SO_REUSEPORT by default, which lets a second server bind
       * a port that is in use and silently split its traffic. */
      int_arg(GRPC_ARG_ALLOW_REUSEPORT, 0),
  };
  grpc_channel_args cargs = {EM_ARRAY_LEN(args), args};
  s->server = grpc_server_create(&cargs, NULL);
  s->cq = grpc_completion_queue_create_for_next(NULL);
  grpc_server_register_completion_queue(s->server, s->cq, NULL);

  /* Threads first: after a port is bound, nothing may fail any more, since
   * a server with a listener cannot be torn down before it has started. */
  if (em_server_pool_init(&s->pool, o.worker_threads, err) != 0) {
    abandon(s);
    return NULL;
  }
  if (pthread_create(&s->poller, NULL, poller_main, s) != 0) {
    em_error_internal(err, "cannot start the server's poller thread");
    abandon(s);
    return NULL;
  }
  s->poller_started = true;

  char addr[300];
  if (strchr(o.host, ':') && o.host[0] != '[')
    snprintf(addr, sizeof addr, "[%s]:%d", o.host, o.port);
  else
    snprintf(addr, sizeof addr, "%s:%d", o.host, o.port);
  grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
  s->port = grpc_server_add_http2_port(s->server, addr, creds);
  grpc_server_credentials_release(creds);
  if (s->port == 0) {
    em_error_internal(err, "cannot listen on %s (address in use or not available)", addr);
    abandon(s);
    return NULL;
  }

  grpc_server_start(s->server);
  pthread_mutex_lock(&s->mu);
  s->started = true;
  pthread_mutex_unlock(&s->mu);
  top_up(s);
  return s;
}

int em_server_port(const em_server *s) { return s->port; }

void em_server_shutdown(em_server *s) {
  if (!s) return;
  pthread_mutex_lock(&s->mu);
  s->stopping = true;
  pthread_mutex_unlock(&s->mu);

  grpc_server_shutdown_and_notify(s->server, s->cq, em_tag_arm(&s->shutdown_tag));
  grpc_server_cancel_all_calls(s->server);

  /* gRPC fails the blocked batches; the flag reaches handlers that are
   * computing between batches, without waiting for the close events. */
  pthread_mutex_lock(&s->mu);
  for (em_rpc *c = s->live; c; c = c->next) atomic_store(&c->cancelled, true);
  while (!s->shutdown_done || s->ncalls > 0) pthread_cond_wait(&s->cv, &s->mu);
  pthread_mutex_unlock(&s->mu);

  em_server_pool_destroy(&s->pool);
  grpc_server_destroy(s->server);
  grpc_completion_queue_shutdown(s->cq);
  pthread_join(s->poller, NULL); /* it returns at GRPC_QUEUE_SHUTDOWN */
  grpc_completion_queue_destroy(s->cq);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  em_free(s);
  grpc_shutdown();
}
