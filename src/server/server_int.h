/*
 * Private structures of the gRPC transport, shared by server.c (start,
 * shutdown, the completion-queue poller), pool.c (the worker threads) and
 * rpc.c (what a handler calls). Nothing outside src/server includes this.
 */
#ifndef EM_SERVER_INT_H
#define EM_SERVER_INT_H

#include <grpc/grpc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "server.h"

/* grpc_server_request_call requests kept outstanding: calls that arrive
 * together beyond this wait inside gRPC until the poller re-arms. */
#define EM_SERVER_ACCEPT_SLOTS 16

/* What a completion-queue tag stands for. Every tag handed to gRPC points at
 * an em_tag embedded in an em_rpc (or the server), so the poller can route
 * an event without any lookup. */
typedef enum em_tag_kind {
  EM_TAG_ACCEPT,     /* grpc_server_request_call finished: a new call */
  EM_TAG_FIRST_RECV, /* the first request message (started by the poller) */
  EM_TAG_OP,         /* a batch started by the handler; it waits on op_sem */
  EM_TAG_CLOSE,      /* RECV_CLOSE_ON_SERVER: the call is over or cancelled */
  EM_TAG_FINISH,     /* the status batch (em_rpc_finish or a rejection) */
  EM_TAG_SHUTDOWN,   /* grpc_server_shutdown_and_notify is done */
} em_tag_kind;

typedef struct em_tag {
  /* Bumped (release) by whoever hands the tag to gRPC, read (acquire) by
   * the poller before it looks at anything else. gRPC's own locking already
   * orders the two threads; this makes the order visible to ThreadSanitizer,
   * which cannot see inside an uninstrumented libgrpc. */
  _Atomic unsigned armed;
  em_tag_kind kind;
  struct em_rpc *rpc;
} em_tag;

static inline void *em_tag_arm(em_tag *t) {
  atomic_fetch_add_explicit(&t->armed, 1, memory_order_release);
  return t;
}

/* A saved header value, NUL-terminated, owned by the call. */
typedef struct em_rpc_hdr {
  struct em_rpc_hdr *next;
  char *key;
  char *value;
} em_rpc_hdr;

/* One call. Created by the poller as a request slot before gRPC has a call
 * for it; lives until the last of its references is dropped:
 *   - the handler's (taken at accept, dropped when the worker is done, or
 *     by the poller when the first receive failed and no handler runs),
 *   - the RECV_CLOSE_ON_SERVER batch's (dropped when it completes),
 *   - the status batch's (dropped when it completes).
 * The last reference unrefs the grpc_call and frees everything. */
struct em_rpc {
  em_server *server;
  const em_rpc_method *method; /* NULL for a rejected (unknown) path */
  grpc_call *call;
  grpc_call_details details;
  grpc_metadata_array req_md;
  _Atomic int refs;
  _Atomic bool cancelled;

  em_tag accept_tag, first_tag, op_tag, close_tag, finish_tag;
  int close_cancelled; /* out-parameter of RECV_CLOSE_ON_SERVER */

  /* The handler's one outstanding batch: the poller stores the result and
   * posts the semaphore; the handler waits on it. */
  sem_t op_sem;
  int op_ok;

  /* First message, received before dispatch so the handler starts with its
   * request in hand. first_pending: not yet handed to em_rpc_recv. */
  grpc_byte_buffer *recv_bb;
  bool first_ok, first_pending;

  bool md_sent;              /* initial metadata went out */
  bool finished;             /* em_rpc_finish was called */
  grpc_byte_buffer *held;    /* unary reply kept back to go with the status */
  grpc_slice fin_msg, fin_details;
  bool fin_has_details;
  grpc_metadata fin_trailer;

  em_rpc_hdr *hdrs; /* em_rpc_header copies */

  struct em_rpc *prev, *next;   /* the server's list of live calls */
  struct em_rpc *qnext;         /* worker queue link */
};

/* A worker thread's record. Threads above the pool's floor exit after an
 * idle spell and are joined by the next spawn or by shutdown. */
typedef struct em_worker {
  struct em_worker *next;
  pthread_t tid;
  bool exited;
} em_worker;

typedef struct em_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  em_rpc *head, *tail; /* calls waiting for a worker */
  int queued;
  int idle;    /* workers waiting for a call */
  int nthreads;
  int floor;   /* threads kept even when idle */
  bool stop;
  em_worker *workers;
} em_pool;

struct em_server {
  const em_rpc_method *methods;
  int nmethods;
  void *user;
  int port;

  grpc_server *server;
  grpc_completion_queue *cq;
  pthread_t poller;
  bool poller_started;
  em_tag shutdown_tag;
  _Atomic int armed; /* grpc_server_request_call slots outstanding */

  pthread_mutex_t mu; /* guards the fields below */
  pthread_cond_t cv;
  em_rpc *live;     /* accepted calls not yet freed */
  int ncalls;       /* accepted calls not yet freed */
  bool started; /* grpc_server_start has returned */
  bool stopping;
  bool shutdown_done;

  em_pool pool;
};

/* rpc.c */
em_rpc *em_server_rpc_new(em_server *s);
/* Frees a slot that never received a call. */
void em_server_rpc_free_slot(em_rpc *c);
/* Drops one reference; the last one releases the call. */
void em_server_rpc_unref(em_rpc *c);
/* Poller side of the status batch: frees what em_rpc_finish kept alive. */
void em_server_rpc_finish_done(em_rpc *c);
/* Starts the status batch of a call whose path matches no method. */
void em_server_rpc_reject(em_rpc *c);
/* Worker side: runs the handler (unless the call died while queued) and
 * makes sure the call gets exactly one status. */
void em_server_rpc_run(em_rpc *c);

/* pool.c */
int em_server_pool_init(em_pool *p, int floor, em_error *err);
/* Queues a call for a worker; grows the pool when every worker is busy. */
void em_server_pool_submit(em_pool *p, em_rpc *c);
/* Stops and joins every worker once the queue is empty. */
void em_server_pool_destroy(em_pool *p);

#endif
