/*
 * The gRPC transport, on gRPC's C core. This layer knows HTTP/2 calls and
 * bytes, nothing of Spark: the connect layer registers one handler per
 * method path and encodes/decodes the protobuf messages itself.
 *
 * Threading: the server owns a completion-queue poller and a pool of worker
 * threads. Each accepted call runs its handler on a worker thread, in a
 * blocking style: em_rpc_recv/em_rpc_send wait for their operation to
 * complete. A handler must end every call with exactly one em_rpc_finish.
 *
 * Shutdown (em_server_shutdown, also on SIGINT/SIGTERM in `ember serve`):
 * stops accepting calls, cancels calls in flight (their send/recv return -1
 * and em_rpc_cancelled turns true), waits for handlers to return, frees all.
 */
#ifndef EM_SERVER_H
#define EM_SERVER_H

#include "../base/base.h"

typedef struct em_server em_server;
typedef struct em_rpc em_rpc;

typedef enum em_rpc_kind {
  EM_RPC_UNARY,         /* one request, one response */
  EM_RPC_SERVER_STREAM, /* one request, many responses */
  EM_RPC_CLIENT_STREAM, /* many requests, one response */
} em_rpc_kind;

typedef void (*em_rpc_handler)(em_rpc *call, void *user);

typedef struct em_rpc_method {
  const char *path; /* "/spark.connect.SparkConnectService/ExecutePlan" */
  em_rpc_kind kind;
  em_rpc_handler handler;
} em_rpc_method;

typedef struct em_server_opts {
  const char *host;          /* "127.0.0.1" */
  int port;                  /* 0 = pick a free port */
  int max_message_bytes;     /* receive limit; Spark's default is 134217728 */
  int worker_threads;        /* 0 = a sensible default */
} em_server_opts;

/* Binds and starts serving. `methods` (and `user`) must outlive the server.
 * Unknown paths get UNIMPLEMENTED. NULL with err set when the port cannot be
 * bound. */
em_server *em_server_start(const em_server_opts *opts, const em_rpc_method *methods, int nmethods, void *user,
                           em_error *err);
/* The port actually bound (useful with port 0). */
int em_server_port(const em_server *s);
/* Stops accepting, cancels in-flight calls, waits for handlers, frees.
 * Call once, and not from a handler (it waits for all of them). */
void em_server_shutdown(em_server *s);

/* ---- inside a handler ----
 * A call's functions are used by one thread at a time (its handler's);
 * em_rpc_cancelled alone may be polled from any thread. For unary and
 * client-streaming calls em_rpc_send keeps the one response back and sends
 * it with the status in em_rpc_finish (one write per reply). A handler that
 * returns without em_rpc_finish gets INTERNAL sent for it. */

/* Receives the next request message. Returns 1 with *data and *len set (an
 * em_malloc'd buffer the caller frees), 0 at the end of the client's stream,
 * -1 if the call was cancelled or failed. Unary and server-streaming calls
 * have exactly one request. */
int em_rpc_recv(em_rpc *call, uint8_t **data, size_t *len);

/* Sends one response message; blocks until gRPC has taken it (flow control
 * applies). 0 ok, -1 if the client went away or the call was cancelled. */
int em_rpc_send(em_rpc *call, const void *data, size_t len);

/* Like em_rpc_send, but takes over `data` (an em_malloc'd buffer) instead of
 * copying it: the transport em_free's it once gRPC is done with the bytes,
 * possibly after this returns and on another thread, and also on failure.
 * For large responses (Arrow batches), where the copy would show. */
int em_rpc_send_take(em_rpc *call, void *data, size_t len);

/* Like em_rpc_send, but lends `data` instead of copying it: gRPC reads the
 * bytes in place and calls release(user) once when it is done with them,
 * possibly after this returns and on another thread, and also on failure.
 * For buffers the caller keeps shared (an operation's retained responses). */
int em_rpc_send_shared(em_rpc *call, const void *data, size_t len, void (*release)(void *), void *user);

/* Ends the call with a gRPC status. `message` may be NULL. `details`
 * (a serialized google.rpc.Status) goes in the grpc-status-details-bin
 * trailer when non-NULL. Must be called exactly once. */
void em_rpc_finish(em_rpc *call, int grpc_status, const char *message, const void *details, size_t details_len);

/* True once the client cancelled, the deadline passed or the server is
 * shutting down. Cheap; poll it in long loops. */
bool em_rpc_cancelled(const em_rpc *call);

/* The value of a request header (e.g. "authorization"), NUL-terminated in a
 * buffer owned by the call, or NULL. */
const char *em_rpc_header(em_rpc *call, const char *key);

/* The method path of this call. */
const char *em_rpc_path(const em_rpc *call);

/* gRPC status codes (same numbers as grpc_status_code). */
enum {
  EM_GRPC_OK = 0,
  EM_GRPC_CANCELLED = 1,
  EM_GRPC_UNKNOWN = 2,
  EM_GRPC_INVALID_ARGUMENT = 3,
  EM_GRPC_DEADLINE_EXCEEDED = 4,
  EM_GRPC_NOT_FOUND = 5,
  EM_GRPC_ALREADY_EXISTS = 6,
  EM_GRPC_PERMISSION_DENIED = 7,
  EM_GRPC_RESOURCE_EXHAUSTED = 8,
  EM_GRPC_FAILED_PRECONDITION = 9,
  EM_GRPC_ABORTED = 10,
  EM_GRPC_OUT_OF_RANGE = 11,
  EM_GRPC_UNIMPLEMENTED = 12,
  EM_GRPC_INTERNAL = 13,
  EM_GRPC_UNAVAILABLE = 14,
  EM_GRPC_UNAUTHENTICATED = 16,
};

#endif
