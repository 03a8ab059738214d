/*
 * The gRPC transport against gRPC C core's own client: unary, both kinds of
 * streaming, big messages, statuses with details, headers, unknown methods,
 * cancellation, deadlines, shutdown with busy handlers, many concurrent
 * streams, several servers per process, and unary round-trip latency.
 */
#include "runner.h"
#include "server/server.h"
#include "server/server_int.h" /* allocation_failures looks at the accept slots */

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
 * Handlers, with the state they report to the tests.
 * ------------------------------------------------------------------- */

typedef struct hstate {
  _Atomic int active;        /* handlers of the long-running kinds in progress */
  _Atomic int returned;      /* handlers of those kinds that have returned */
  _Atomic int64_t sent;      /* messages sent by the streaming handlers */
  _Atomic int64_t ret_ns;    /* when the cancel/block handler saw -1 */
  _Atomic bool saw_cancelled; /* em_rpc_cancelled was true after the -1 */
  _Atomic bool in_send;       /* block_send is inside em_rpc_send */
  _Atomic int64_t send_since; /* ... since this time */
} hstate;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void h_echo(em_rpc *c, void *user) {
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) != 1) {
    em_rpc_finish(c, EM_GRPC_INVALID_ARGUMENT, "no request", NULL, 0);
    return;
  }
  em_rpc_send(c, d, n);
  em_free(d);
  em_rpc_finish(c, EM_GRPC_OK, NULL, NULL, 0);
}

/* Request "count size take": `count` messages of `size` bytes; message i
 * starts with i (8 bytes) and continues with bytes (i + j) & 0xff. */
static void fill_msg(uint8_t *m, size_t size, uint64_t i) {
  for (size_t j = 0; j < size; j++) m[j] = (uint8_t)((i + j) & 0xff);
  if (size >= 8) memcpy(m, &i, 8);
}

static bool msg_ok(const uint8_t *m, size_t size, uint64_t i) {
  uint64_t got;
  if (size >= 8) {
    memcpy(&got, m, 8);
    if (got != i) return false;
  }
  for (size_t j = 8; j < size; j++)
    if (m[j] != (uint8_t)((i + j) & 0xff)) return false;
  return true;
}

static void h_stream(em_rpc *c, void *user) {
  uint8_t *d;
  size_t n;
  CHECK_EQ_INT(em_rpc_recv(c, &d, &n), 1);
  char req[64] = {0};
  memcpy(req, d, n < 63 ? n : 63);
  em_free(d);
  unsigned long long count = 0, size = 0;
  int take = 0;
  CHECK(sscanf(req, "%llu %llu %d", &count, &size, &take) == 3);
  for (uint64_t i = 0; i < count; i++) {
    uint8_t *m = em_malloc(size);
    CHECK(m);
    fill_msg(m, size, i);
    int rc;
    if (take) {
      rc = em_rpc_send_take(c, m, size);
    } else {
      rc = em_rpc_send(c, m, size);
      em_free(m);
    }
    if (rc != 0) {
      em_rpc_finish(c, EM_GRPC_CANCELLED, "send failed", NULL, 0);
      return;
    }
  }
  /* The client sent one request and half-closed: the next recv says end. */
  CHECK_EQ_INT(em_rpc_recv(c, &d, &n), 0);
  em_rpc_finish(c, EM_GRPC_OK, NULL, NULL, 0);
}

static void h_client_sum(em_rpc *c, void *user) {
  uint8_t *d;
  size_t n;
  uint64_t count = 0, bytes = 0, sum = 0;
  int rc;
  while ((rc = em_rpc_recv(c, &d, &n)) == 1) {
    if (!msg_ok(d, n, count)) {
      em_free(d);
      em_rpc_finish(c, EM_GRPC_ABORTED, "message out of order", NULL, 0);
      return;
    }
    for (size_t j = 0; j < n; j++) sum += d[j];
    count++;
    bytes += n;
    em_free(d);
  }
  if (rc < 0) {
    em_rpc_finish(c, EM_GRPC_CANCELLED, NULL, NULL, 0);
    return;
  }
  char out[128];
  int len = snprintf(out, sizeof out, "%llu %llu %llu", (unsigned long long)count, (unsigned long long)bytes,
                     (unsigned long long)sum);
  em_rpc_send(c, out, (size_t)len);
  em_rpc_finish(c, EM_GRPC_OK, NULL, NULL, 0);
}

static const char FAIL_MSG[] = "[DIVIDE_BY_ZERO] 100% bad: caf\xc3\xa9\nline two";
static const uint8_t FAIL_DETAILS[] = {0x08, 0x03, 0x12, 0x00, 0xff, 0xfe, 0x00, 'x', 0x80, 0x01};

static void h_fail(em_rpc *c, void *user) {
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
  em_rpc_finish(c, EM_GRPC_INVALID_ARGUMENT, FAIL_MSG, FAIL_DETAILS, sizeof FAIL_DETAILS);
}

static void h_headers(em_rpc *c, void *user) {
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
  const char *auth = em_rpc_header(c, "authorization");
  const char *custom = em_rpc_header(c, "X-Custom-Header"); /* keys match in any case */
  const char *again = em_rpc_header(c, "x-custom-header");  /* cached copy */
  const char *missing = em_rpc_header(c, "x-not-sent");
  char out[512];
  int len = snprintf(out, sizeof out, "%s|%s|%s|%s|%s", auth ? auth : "(null)", custom ? custom : "(null)",
                     again == custom ? "same" : "different", missing ? missing : "(null)", em_rpc_path(c));
  em_rpc_send(c, out, (size_t)len);
  em_rpc_finish(c, EM_GRPC_OK, NULL, NULL, 0);
}

static void h_no_finish(em_rpc *c, void *user) {
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
}

/* Streams 1 KiB messages until a send fails; reports when and whether the
 * call then says it is cancelled. */
static void h_until_cancel(em_rpc *c, void *user) {
  hstate *st = user;
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
  atomic_fetch_add(&st->active, 1);
  uint8_t msg[1024];
  uint64_t i = 0;
  for (;;) {
    fill_msg(msg, sizeof msg, i++);
    if (em_rpc_send(c, msg, sizeof msg) != 0) break;
    atomic_fetch_add(&st->sent, 1);
  }
  atomic_store(&st->ret_ns, em_now_ns());
  atomic_store(&st->saw_cancelled, em_rpc_cancelled(c));
  /* After cancellation every send fails at once. */
  CHECK_EQ_INT(em_rpc_send(c, msg, sizeof msg), -1);
  em_rpc_finish(c, EM_GRPC_CANCELLED, NULL, NULL, 0);
  atomic_fetch_add(&st->returned, 1);
  atomic_fetch_sub(&st->active, 1);
}

/* Computes (sleeps) without touching the call until it is cancelled. */
static void h_compute(em_rpc *c, void *user) {
  hstate *st = user;
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
  atomic_fetch_add(&st->active, 1);
  int64_t t0 = em_now_ns();
  while (!em_rpc_cancelled(c) && em_now_ns() - t0 < 60LL * 1000000000) sleep_ms(1);
  atomic_store(&st->saw_cancelled, em_rpc_cancelled(c));
  em_rpc_finish(c, EM_GRPC_CANCELLED, "stopped", NULL, 0);
  atomic_fetch_add(&st->returned, 1);
  atomic_fetch_sub(&st->active, 1);
}

/* Sends 1 MiB messages to a client that does not read: soon blocks in
 * flow control. */
static void h_block_send(em_rpc *c, void *user) {
  hstate *st = user;
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
  atomic_fetch_add(&st->active, 1);
  size_t size = 1 << 20;
  uint8_t *msg = em_calloc(1, size);
  CHECK(msg);
  for (;;) {
    atomic_store(&st->send_since, em_now_ns());
    atomic_store(&st->in_send, true);
    int rc = em_rpc_send(c, msg, size);
    atomic_store(&st->in_send, false);
    if (rc != 0) break;
    atomic_fetch_add(&st->sent, 1);
  }
  em_free(msg);
  atomic_store(&st->ret_ns, em_now_ns());
  em_rpc_finish(c, EM_GRPC_CANCELLED, NULL, NULL, 0);
  atomic_fetch_add(&st->returned, 1);
  atomic_fetch_sub(&st->active, 1);
}

/* A slow stream: one small message every 20 ms until cancelled. */
static void h_slow(em_rpc *c, void *user) {
  hstate *st = user;
  uint8_t *d;
  size_t n;
  if (em_rpc_recv(c, &d, &n) == 1) em_free(d);
  atomic_fetch_add(&st->active, 1);
  int64_t t0 = em_now_ns();
  while (!em_rpc_cancelled(c) && em_now_ns() - t0 < 60LL * 1000000000) {
    if (em_rpc_send(c, "tick", 4) != 0) break;
    sleep_ms(20);
  }
  em_rpc_finish(c, EM_GRPC_CANCELLED, NULL, NULL, 0);
  atomic_fetch_add(&st->returned, 1);
  atomic_fetch_sub(&st->active, 1);
}

#define SVC "/test.Svc/"
static const em_rpc_method METHODS[] = {
    {SVC "Echo", EM_RPC_UNARY, h_echo},
    {SVC "Stream", EM_RPC_SERVER_STREAM, h_stream},
    {SVC "ClientSum", EM_RPC_CLIENT_STREAM, h_client_sum},
    {SVC "Fail", EM_RPC_UNARY, h_fail},
    {SVC "Headers", EM_RPC_UNARY, h_headers},
    {SVC "NoFinish", EM_RPC_UNARY, h_no_finish},
    {SVC "UntilCancel", EM_RPC_SERVER_STREAM, h_until_cancel},
    {SVC "Compute", EM_RPC_SERVER_STREAM, h_compute},
    {SVC "BlockSend", EM_RPC_SERVER_STREAM, h_block_send},
    {SVC "Slow", EM_RPC_SERVER_STREAM, h_slow},
};

static hstate g_state;

static em_server *start_server(int workers, int max_msg) {
  em_server_opts o = {.host = "127.0.0.1", .port = 0, .max_message_bytes = max_msg, .worker_threads = workers};
  em_error err;
  em_server *s = em_server_start(&o, METHODS, (int)EM_ARRAY_LEN(METHODS), &g_state, &err);
  if (!s) fprintf(stderr, "start failed: %s\n", err.msg);
  CHECK(s);
  CHECK(em_server_port(s) > 0);
  return s;
}

/* ---------------------------------------------------------------------
 * A small client on gRPC C core. Each call has its own completion queue,
 * so calls can be driven from any thread and in any interleaving.
 * ------------------------------------------------------------------- */

static grpc_channel *open_channel(int port) {
  grpc_init();
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  grpc_arg args[1];
  memset(args, 0, sizeof args);
  args[0].type = GRPC_ARG_INTEGER;
  args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
  args[0].value.integer = -1;
  grpc_channel_args cargs = {1, args};
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(target, creds, &cargs);
  grpc_channel_credentials_release(creds);
  CHECK(ch);
  return ch;
}

static void close_channel(grpc_channel *ch) {
  grpc_channel_destroy(ch);
  grpc_shutdown();
}

typedef struct ctag {
  bool done;
  bool ok;
} ctag;

typedef struct tcall {
  grpc_call *call;
  grpc_completion_queue *cq;
  grpc_metadata_array init_md, trail_md;
  grpc_status_code status;
  grpc_slice details;
  ctag status_tag;
} tcall;

static void wait_tag(tcall *t, ctag *tag) {
  while (!tag->done) {
    grpc_event ev = grpc_completion_queue_next(t->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    CHECK(ev.type == GRPC_OP_COMPLETE);
    ctag *got = ev.tag;
    got->done = true;
    got->ok = ev.success != 0;
  }
}

static grpc_byte_buffer *make_bb(const void *data, size_t len) {
  grpc_slice s = grpc_slice_from_copied_buffer(data, len);
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  return bb;
}

/* Flattens a client-side byte buffer (test code: simple, not fast). */
static uint8_t *bb_flatten(grpc_byte_buffer *bb, size_t *len) {
  grpc_byte_buffer_reader r;
  CHECK(grpc_byte_buffer_reader_init(&r, bb));
  grpc_slice all = grpc_byte_buffer_reader_readall(&r);
  *len = GRPC_SLICE_LENGTH(all);
  uint8_t *out = malloc(*len + 1);
  memcpy(out, GRPC_SLICE_START_PTR(all), *len);
  out[*len] = 0;
  grpc_slice_unref(all);
  grpc_byte_buffer_reader_destroy(&r);
  return out;
}

/* Starts a call: sends headers, optionally one message and the half-close,
 * and arms the status receive. deadline_ms 0 = none. */
static void call_start(tcall *t, grpc_channel *ch, const char *path, const grpc_metadata *md, size_t nmd,
                       int deadline_ms, const void *req, size_t len, bool send_req, bool close) {
  memset(t, 0, sizeof *t);
  t->cq = grpc_completion_queue_create_for_next(NULL);
  gpr_timespec dl = deadline_ms ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                               gpr_time_from_millis(deadline_ms, GPR_TIMESPAN))
                                : gpr_inf_future(GPR_CLOCK_REALTIME);
  t->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, t->cq, grpc_slice_from_static_string(path),
                                     NULL, dl, NULL);
  CHECK(t->call);
  grpc_metadata_array_init(&t->init_md);
  grpc_metadata_array_init(&t->trail_md);
  grpc_op ops[3];
  memset(ops, 0, sizeof ops);
  size_t n = 0;
  ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[n].data.send_initial_metadata.count = nmd;
  ops[n++].data.send_initial_metadata.metadata = (grpc_metadata *)md;
  grpc_byte_buffer *bb = NULL;
  if (send_req) {
    bb = make_bb(req, len);
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n++].data.send_message.send_message = bb;
  }
  if (close) ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ctag tag = {0};
  CHECK_EQ_INT(grpc_call_start_batch(t->call, ops, n, &tag, NULL), GRPC_CALL_OK);

  /* Initial metadata and status in one batch that completes at the end:
   * a client must ask for the initial metadata even when none comes. */
  grpc_op st[2];
  memset(st, 0, sizeof st);
  st[0].op = GRPC_OP_RECV_INITIAL_METADATA;
  st[0].data.recv_initial_metadata.recv_initial_metadata = &t->init_md;
  st[1].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  st[1].data.recv_status_on_client.trailing_metadata = &t->trail_md;
  st[1].data.recv_status_on_client.status = &t->status;
  st[1].data.recv_status_on_client.status_details = &t->details;
  CHECK_EQ_INT(grpc_call_start_batch(t->call, st, 2, &t->status_tag, NULL), GRPC_CALL_OK);
  wait_tag(t, &tag);
  if (bb) grpc_byte_buffer_destroy(bb);
}

/* Sends one more message (client streaming); false if the call is dead. */
static bool call_send(tcall *t, const void *data, size_t len, bool close) {
  grpc_byte_buffer *bb = make_bb(data, len);
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_MESSAGE;
  ops[0].data.send_message.send_message = bb;
  size_t n = 1;
  if (close) ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ctag tag = {0};
  CHECK_EQ_INT(grpc_call_start_batch(t->call, ops, n, &tag, NULL), GRPC_CALL_OK);
  wait_tag(t, &tag);
  grpc_byte_buffer_destroy(bb);
  return tag.ok;
}

/* Receives one response: 1 with a malloc'd buffer, 0 at the end. */
static int call_recv(tcall *t, uint8_t **data, size_t *len) {
  grpc_byte_buffer *bb = NULL;
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &bb;
  ctag tag = {0};
  CHECK_EQ_INT(grpc_call_start_batch(t->call, &op, 1, &tag, NULL), GRPC_CALL_OK);
  wait_tag(t, &tag);
  if (!bb) return 0;
  *data = bb_flatten(bb, len);
  grpc_byte_buffer_destroy(bb);
  return 1;
}

static grpc_status_code call_status(tcall *t) {
  wait_tag(t, &t->status_tag);
  return t->status;
}

static bool details_eq(tcall *t, const char *want) {
  size_t n = strlen(want);
  return GRPC_SLICE_LENGTH(t->details) == n && memcmp(GRPC_SLICE_START_PTR(t->details), want, n) == 0;
}

static void call_destroy(tcall *t) {
  wait_tag(t, &t->status_tag);
  grpc_call_unref(t->call);
  grpc_metadata_array_destroy(&t->init_md);
  grpc_metadata_array_destroy(&t->trail_md);
  grpc_slice_unref(t->details);
  grpc_completion_queue_shutdown(t->cq);
  while (grpc_completion_queue_next(t->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(t->cq);
}

/* A whole unary call. Returns the status; *resp is malloc'd (or NULL). */
static grpc_status_code unary(grpc_channel *ch, const char *path, const grpc_metadata *md, size_t nmd,
                              const void *req, size_t len, uint8_t **resp, size_t *resp_len) {
  tcall t;
  call_start(&t, ch, path, md, nmd, 0, req, len, true, true);
  *resp = NULL;
  *resp_len = 0;
  call_recv(&t, resp, resp_len);
  grpc_status_code st = call_status(&t);
  call_destroy(&t);
  return st;
}

static bool wait_until(_Atomic int *v, int want, int timeout_ms) {
  int64_t end = em_now_ns() + (int64_t)timeout_ms * 1000000;
  while (atomic_load(v) != want) {
    if (em_now_ns() > end) return false;
    sleep_ms(1);
  }
  return true;
}

/* ---------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------- */

TEST(unary_echo) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  for (int i = 0; i < 20; i++) {
    char req[64];
    int n = snprintf(req, sizeof req, "hello %d", i);
    uint8_t *resp;
    size_t len;
    CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, req, (size_t)n, &resp, &len), GRPC_STATUS_OK);
    CHECK_EQ_INT(len, n);
    CHECK(memcmp(resp, req, len) == 0);
    free(resp);
  }
  /* An empty message is a message too. */
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "", 0, &resp, &len), GRPC_STATUS_OK);
  CHECK(resp != NULL);
  CHECK_EQ_INT(len, 0);
  free(resp);
  close_channel(ch);
  em_server_shutdown(s);
}

static void stream_and_check(grpc_channel *ch, uint64_t count, size_t size, int take) {
  char req[64];
  int n = snprintf(req, sizeof req, "%llu %zu %d", (unsigned long long)count, size, take);
  tcall t;
  call_start(&t, ch, SVC "Stream", NULL, 0, 0, req, (size_t)n, true, true);
  uint64_t i = 0;
  uint8_t *d;
  size_t len;
  while (call_recv(&t, &d, &len) == 1) {
    CHECK_EQ_INT(len, size);
    CHECK(msg_ok(d, len, i));
    free(d);
    i++;
  }
  CHECK_EQ_INT(i, count);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_OK);
  call_destroy(&t);
}

TEST(server_stream_10000) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  stream_and_check(ch, 10000, 100, 0); /* copying send */
  stream_and_check(ch, 10000, 100, 1); /* buffer handed over */
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(server_stream_100mb) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  stream_and_check(ch, 1, 100u << 20, 0);
  stream_and_check(ch, 2, 100u << 20, 1);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(client_stream) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  tcall t;
  call_start(&t, ch, SVC "ClientSum", NULL, 0, 0, NULL, 0, false, false);
  const int count = 5000;
  uint64_t bytes = 0, sum = 0;
  for (int i = 0; i < count; i++) {
    uint8_t m[300];
    size_t size = 8 + (size_t)(i % 290);
    fill_msg(m, size, (uint64_t)i);
    for (size_t j = 0; j < size; j++) sum += m[j];
    bytes += size;
    CHECK(call_send(&t, m, size, i == count - 1));
  }
  uint8_t *d;
  size_t len;
  CHECK_EQ_INT(call_recv(&t, &d, &len), 1);
  char want[128];
  snprintf(want, sizeof want, "%d %llu %llu", count, (unsigned long long)bytes, (unsigned long long)sum);
  CHECK_EQ_STR((char *)d, want);
  free(d);
  CHECK_EQ_INT(call_recv(&t, &d, &len), 0);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_OK);
  call_destroy(&t);

  /* No messages at all: the handler sees the end at once. */
  call_start(&t, ch, SVC "ClientSum", NULL, 0, 0, NULL, 0, false, true);
  CHECK_EQ_INT(call_recv(&t, &d, &len), 1);
  CHECK_EQ_STR((char *)d, "0 0 0");
  free(d);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_OK);
  call_destroy(&t);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(status_message_and_details) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  tcall t;
  call_start(&t, ch, SVC "Fail", NULL, 0, 0, "x", 1, true, true);
  uint8_t *d;
  size_t len;
  CHECK_EQ_INT(call_recv(&t, &d, &len), 0);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_INVALID_ARGUMENT);
  CHECK(details_eq(&t, FAIL_MSG)); /* percent-encoded on the wire, decoded here */
  bool found = false;
  for (size_t i = 0; i < t.trail_md.count; i++) {
    grpc_metadata *m = &t.trail_md.metadata[i];
    if (grpc_slice_str_cmp(m->key, "grpc-status-details-bin") != 0) continue;
    found = true;
    CHECK_EQ_INT(GRPC_SLICE_LENGTH(m->value), sizeof FAIL_DETAILS);
    CHECK(memcmp(GRPC_SLICE_START_PTR(m->value), FAIL_DETAILS, sizeof FAIL_DETAILS) == 0);
  }
  CHECK(found);
  call_destroy(&t);

  /* A handler that forgets to finish: the transport answers INTERNAL. */
  call_start(&t, ch, SVC "NoFinish", NULL, 0, 0, "x", 1, true, true);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_INTERNAL);
  call_destroy(&t);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(request_headers) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  grpc_metadata md[2];
  memset(md, 0, sizeof md);
  md[0].key = grpc_slice_from_static_string("authorization");
  md[0].value = grpc_slice_from_static_string("Bearer s3cret");
  md[1].key = grpc_slice_from_static_string("x-custom-header");
  md[1].value = grpc_slice_from_static_string("hello");
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ch, SVC "Headers", md, 2, "x", 1, &resp, &len), GRPC_STATUS_OK);
  CHECK_EQ_STR((char *)resp, "Bearer s3cret|hello|same|(null)|" SVC "Headers");
  free(resp);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(unknown_method) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  tcall t;
  call_start(&t, ch, "/test.Svc/Nope", NULL, 0, 0, "x", 1, true, true);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_UNIMPLEMENTED);
  CHECK(details_eq(&t, "Method not found: /test.Svc/Nope"));
  call_destroy(&t);
  /* The server is still fine afterwards. */
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "ok", 2, &resp, &len), GRPC_STATUS_OK);
  free(resp);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(message_too_large) {
  em_server *s = start_server(0, 1024);
  grpc_channel *ch = open_channel(em_server_port(s));
  uint8_t big[2048] = {0};
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, big, sizeof big, &resp, &len), GRPC_STATUS_RESOURCE_EXHAUSTED);
  free(resp);
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, big, 1000, &resp, &len), GRPC_STATUS_OK);
  CHECK_EQ_INT(len, 1000);
  free(resp);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(client_cancel_mid_stream) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  tcall t;
  call_start(&t, ch, SVC "UntilCancel", NULL, 0, 0, "x", 1, true, true);
  uint8_t *d;
  size_t len;
  for (uint64_t i = 0; i < 50; i++) {
    CHECK_EQ_INT(call_recv(&t, &d, &len), 1);
    CHECK(msg_ok(d, len, i));
    free(d);
  }
  int64_t t_cancel = em_now_ns();
  grpc_call_cancel(t.call, NULL);
  CHECK(wait_until(&g_state.returned, 1, 5000));
  double ms = (double)(atomic_load(&g_state.ret_ns) - t_cancel) / 1e6;
  printf("cancel noticed by the handler after %.3f ms\n", ms);
  CHECK(atomic_load(&g_state.saw_cancelled));
  CHECK(ms < 100.0);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_CANCELLED);
  call_destroy(&t);

  /* A handler that computes without touching the call sees the flag. */
  atomic_store(&g_state.saw_cancelled, false);
  call_start(&t, ch, SVC "Compute", NULL, 0, 0, "x", 1, true, true);
  CHECK(wait_until(&g_state.active, 1, 5000));
  t_cancel = em_now_ns();
  grpc_call_cancel(t.call, NULL);
  CHECK(wait_until(&g_state.returned, 2, 5000));
  ms = (double)(em_now_ns() - t_cancel) / 1e6;
  printf("cancel noticed by a computing handler within %.3f ms\n", ms);
  CHECK(atomic_load(&g_state.saw_cancelled));
  CHECK(ms < 100.0);
  call_destroy(&t);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(deadline_cancels) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  tcall t;
  int64_t t0 = em_now_ns();
  call_start(&t, ch, SVC "Compute", NULL, 0, 200, "x", 1, true, true);
  CHECK_EQ_INT(call_status(&t), GRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(wait_until(&g_state.returned, 1, 5000));
  double ms = (double)(em_now_ns() - t0) / 1e6;
  printf("200 ms deadline: handler returned after %.1f ms\n", ms);
  CHECK(atomic_load(&g_state.saw_cancelled));
  CHECK(ms < 1000.0);
  call_destroy(&t);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(shutdown_with_busy_handlers) {
  em_server *s = start_server(2, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  tcall a, b;
  /* a: a stream the client never reads, so its handler blocks in send. */
  call_start(&a, ch, SVC "BlockSend", NULL, 0, 0, "x", 1, true, true);
  /* b: a handler in a long loop that only polls em_rpc_cancelled. */
  call_start(&b, ch, SVC "Compute", NULL, 0, 0, "x", 1, true, true);
  CHECK(wait_until(&g_state.active, 2, 5000));
  /* Wait until the sender has been stuck in one send for 300 ms. */
  int64_t end = em_now_ns() + 10LL * 1000000000;
  while (!(atomic_load(&g_state.in_send) && em_now_ns() - atomic_load(&g_state.send_since) > 300000000LL)) {
    CHECK(em_now_ns() < end);
    sleep_ms(5);
  }
  printf("blocked in send after %lld MiB\n", (long long)atomic_load(&g_state.sent));
  int64_t t0 = em_now_ns();
  em_server_shutdown(s);
  printf("shutdown with two busy handlers took %.3f ms\n", (double)(em_now_ns() - t0) / 1e6);
  CHECK_EQ_INT(atomic_load(&g_state.returned), 2);
  CHECK_EQ_INT(atomic_load(&g_state.active), 0);
  CHECK(atomic_load(&g_state.saw_cancelled));
  /* The client still gets what was sent before the end, then the error
   * (gRPC holds the status back until buffered messages are read). */
  uint8_t *d;
  size_t len;
  while (call_recv(&a, &d, &len) == 1) free(d);
  CHECK(call_status(&a) != GRPC_STATUS_OK);
  CHECK(call_status(&b) != GRPC_STATUS_OK);
  call_destroy(&a);
  call_destroy(&b);
  close_channel(ch);
}

TEST(many_streams_and_a_unary) {
  enum { N = 64 };
  em_server *s = start_server(4, 0); /* far fewer workers than streams */
  grpc_channel *ch = open_channel(em_server_port(s));
  static tcall calls[N];
  for (int i = 0; i < N; i++) call_start(&calls[i], ch, SVC "Slow", NULL, 0, 0, "x", 1, true, true);
  CHECK(wait_until(&g_state.active, N, 10000));
  /* Every stream is running; a unary call must still get a worker. */
  int64_t t0 = em_now_ns();
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "still here", 10, &resp, &len), GRPC_STATUS_OK);
  printf("unary beside %d streams: %.3f ms\n", N, (double)(em_now_ns() - t0) / 1e6);
  CHECK_EQ_INT(len, 10);
  free(resp);
  /* Each stream delivers its ticks. */
  for (int i = 0; i < N; i++) {
    uint8_t *d;
    CHECK_EQ_INT(call_recv(&calls[i], &d, &len), 1);
    CHECK_EQ_INT(len, 4);
    free(d);
  }
  for (int i = 0; i < N; i++) grpc_call_cancel(calls[i].call, NULL);
  CHECK(wait_until(&g_state.returned, N, 10000));
  for (int i = 0; i < N; i++) call_destroy(&calls[i]);
  close_channel(ch);
  em_server_shutdown(s);
}

TEST(several_servers) {
  em_server *a = start_server(1, 0);
  em_server *b = start_server(1, 0);
  CHECK(em_server_port(a) != em_server_port(b));
  /* A port in use cannot be bound again. */
  em_server_opts o = {.host = "127.0.0.1", .port = em_server_port(a)};
  em_error err;
  em_error_clear(&err);
  CHECK(em_server_start(&o, METHODS, (int)EM_ARRAY_LEN(METHODS), NULL, &err) == NULL);
  CHECK(strstr(err.msg, "cannot listen") != NULL);

  grpc_channel *ca = open_channel(em_server_port(a));
  grpc_channel *cb = open_channel(em_server_port(b));
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ca, SVC "Echo", NULL, 0, "a", 1, &resp, &len), GRPC_STATUS_OK);
  free(resp);
  em_server_shutdown(a);
  CHECK_EQ_INT(unary(cb, SVC "Echo", NULL, 0, "b", 1, &resp, &len), GRPC_STATUS_OK);
  free(resp);
  close_channel(ca);
  close_channel(cb);
  em_server_shutdown(b);

  /* gRPC is fully shut down here; a new server initialises it again. */
  em_server *c = start_server(1, 0);
  grpc_channel *cc = open_channel(em_server_port(c));
  CHECK_EQ_INT(unary(cc, SVC "Echo", NULL, 0, "c", 1, &resp, &len), GRPC_STATUS_OK);
  CHECK_EQ_INT(len, 1);
  free(resp);
  close_channel(cc);
  em_server_shutdown(c);
}

/* Allocation failures inside the transport: a lost accept slot is
 * re-armed, a request that cannot be buffered fails only its own call. */
TEST(allocation_failures) {
  em_server *s = start_server(0, 0);
  grpc_channel *ch = open_channel(em_server_port(s));
  uint8_t *resp;
  size_t len;
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "a", 1, &resp, &len), GRPC_STATUS_OK);
  free(resp);
  CHECK_EQ_INT(atomic_load(&s->armed), EM_SERVER_ACCEPT_SLOTS);

  /* Allocation 1 of the next call re-arms its accept slot. */
  em_mem_fail_after(1);
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "b", 1, &resp, &len), GRPC_STATUS_OK);
  CHECK_EQ_INT(len, 1);
  free(resp);
  int64_t end = em_now_ns() + 2000000000LL;
  while (atomic_load(&s->armed) < EM_SERVER_ACCEPT_SLOTS) {
    CHECK(em_now_ns() < end);
    sleep_ms(10);
  }

  /* Allocation 2 is the flat copy of the request. */
  em_mem_fail_after(2);
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "c", 1, &resp, &len), GRPC_STATUS_RESOURCE_EXHAUSTED);
  free(resp);
  em_mem_fail_after(0);
  CHECK_EQ_INT(unary(ch, SVC "Echo", NULL, 0, "d", 1, &resp, &len), GRPC_STATUS_OK);
  free(resp);
  close_channel(ch);
  em_server_shutdown(s);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Round-trip latency of sequential unary calls, one batch per call (as a
 * generated stub does), against the server on `port`. Prints figures;
 * asserts only correctness. */
static void latency_run(int port, const char *label) {
  enum { WARMUP = 500, N = 10000 };
  grpc_channel *ch = open_channel(port);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_slice method = grpc_slice_from_static_string(SVC "Echo");
  uint8_t req[64];
  for (size_t i = 0; i < sizeof req; i++) req[i] = (uint8_t)i;
  static int64_t lat[N];
  for (int i = 0; i < WARMUP + N; i++) {
    int64_t t0 = em_now_ns();
    grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL,
                                               gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_metadata_array im, tm;
    grpc_metadata_array_init(&im);
    grpc_metadata_array_init(&tm);
    grpc_byte_buffer *bb = make_bb(req, sizeof req), *rb = NULL;
    grpc_status_code st;
    grpc_slice det;
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = bb;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &im;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &rb;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &tm;
    ops[5].data.recv_status_on_client.status = &st;
    ops[5].data.recv_status_on_client.status_details = &det;
    CHECK_EQ_INT(grpc_call_start_batch(call, ops, 6, (void *)1, NULL), GRPC_CALL_OK);
    grpc_event ev = grpc_completion_queue_pluck(cq, (void *)1, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    int64_t t1 = em_now_ns();
    CHECK(ev.type == GRPC_OP_COMPLETE && ev.success);
    CHECK_EQ_INT(st, GRPC_STATUS_OK);
    CHECK(rb && grpc_byte_buffer_length(rb) == sizeof req);
    if (i >= WARMUP) lat[i - WARMUP] = t1 - t0;
    grpc_byte_buffer_destroy(bb);
    grpc_byte_buffer_destroy(rb);
    grpc_slice_unref(det);
    grpc_metadata_array_destroy(&im);
    grpc_metadata_array_destroy(&tm);
    grpc_call_unref(call);
  }
  qsort(lat, N, sizeof lat[0], cmp_i64);
  double sum = 0;
  for (int i = 0; i < N; i++) sum += (double)lat[i];
  printf("%s: unary round trip over %d calls: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us\n",
         label, N, (double)lat[N / 2] / 1e3, (double)lat[N * 9 / 10] / 1e3, (double)lat[N * 99 / 100] / 1e3,
         (double)lat[N - 1] / 1e3, sum / N / 1e3);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  close_channel(ch);
}

TEST(unary_latency) {
  em_server *s = start_server(0, 0);
  latency_run(em_server_port(s), "client in the server's process");
  em_server_shutdown(s);
}

/* Forks a child before gRPC is initialised here; the child reads the port
 * from a pipe and runs `fn`, which must exit. Returns the child's pid. */
static pid_t fork_client(int *port_pipe_w, void (*fn)(int port)) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(fds[1]);
    int port = 0;
    CHECK(read(fds[0], &port, sizeof port) == (ssize_t)sizeof port);
    close(fds[0]);
    fn(port);
    fflush(stdout);
    _exit(0);
  }
  close(fds[0]);
  *port_pipe_w = fds[1];
  return pid;
}

static void run_latency_child(int port) { latency_run(port, "client in another process"); }

static void wait_child_ok(pid_t pid) {
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

/* The realistic case: PySpark is another process. */
TEST(unary_latency_two_processes) {
  int w;
  pid_t pid = fork_client(&w, run_latency_child);
  em_server *s = start_server(0, 0);
  int port = em_server_port(s);
  CHECK(write(w, &port, sizeof port) == (ssize_t)sizeof port);
  close(w);
  wait_child_ok(pid);
  em_server_shutdown(s);
}

/* The same checks through grpcio, the Python gRPC that PySpark uses: raw
 * bytes on generic method paths, plus client keepalive pings far more often
 * than gRPC's default server policy allows. */
static const char PY_CHECK[] =
    "import sys, time\n"
    "try:\n"
    "    import grpc\n"
    "except ImportError:\n"
    "    sys.exit(77)\n"
    "port = sys.argv[1]\n"
    "opts = [('grpc.max_receive_message_length', -1), ('grpc.keepalive_time_ms', 200),\n"
    "        ('grpc.keepalive_permit_without_calls', 1), ('grpc.http2.max_pings_without_data', 0)]\n"
    "ch = grpc.insecure_channel('127.0.0.1:' + port, options=opts)\n"
    "echo = ch.unary_unary('/test.Svc/Echo')\n"
    "assert echo(b'hi') == b'hi'\n"
    "lat = []\n"
    "for i in range(3000):\n"
    "    t0 = time.perf_counter_ns(); r = echo(b'x' * 64); lat.append(time.perf_counter_ns() - t0)\n"
    "    assert r == b'x' * 64\n"
    "lat.sort()\n"
    "print('grpcio client: unary round trip over %d calls: p50 %.1f us, p99 %.1f us' %\n"
    "      (len(lat), lat[len(lat) // 2] / 1e3, lat[len(lat) * 99 // 100] / 1e3))\n"
    "msgs = list(ch.unary_stream('/test.Svc/Stream')(b'1000 100 0'))\n"
    "assert len(msgs) == 1000, len(msgs)\n"
    "assert all(int.from_bytes(m[:8], 'little') == i for i, m in enumerate(msgs))\n"
    "def reqs():\n"
    "    for i in range(100):\n"
    "        yield i.to_bytes(8, 'little') + bytes((i + j) & 255 for j in range(8, 50))\n"
    "got = ch.stream_unary('/test.Svc/ClientSum')(reqs()).decode()\n"
    "assert got.split()[0] == '100', got\n"
    "try:\n"
    "    ch.unary_unary('/test.Svc/Fail')(b'x'); sys.exit('no error')\n"
    "except grpc.RpcError as e:\n"
    "    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code()\n"
    "    assert e.details() == '[DIVIDE_BY_ZERO] 100% bad: caf\\u00e9\\nline two', repr(e.details())\n"
    "    md = dict(e.trailing_metadata())\n"
    "    assert md['grpc-status-details-bin'] == bytes([8, 3, 0x12, 0, 0xff, 0xfe, 0, 0x78, 0x80, 1]), md\n"
    "r = ch.unary_unary('/test.Svc/Headers')(b'x', metadata=[('authorization', 'Bearer t'), ('x-custom-header', "
    "'hello')])\n"
    "assert r == b'Bearer t|hello|same|(null)|/test.Svc/Headers', r\n"
    "try:\n"
    "    ch.unary_unary('/test.Svc/Nope')(b'x'); sys.exit('no error')\n"
    "except grpc.RpcError as e:\n"
    "    assert e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code()\n"
    "states = []\n"
    "ch.subscribe(lambda st: states.append(st), try_to_connect=False)\n"
    "time.sleep(2.5)  # idle, pinging as often as grpcio allows (1/s): the channel stays READY\n"
    "assert all(st == grpc.ChannelConnectivity.READY for st in states), states\n"
    "assert echo(b'after idle') == b'after idle'\n"
    "ch.close()\n"
    "print('grpcio client: all checks passed')\n";

static const char *find_python(void) {
  static char buf[1024];
  const char *p = getenv("EMBER_PYTHON");
  if (p && access(p, X_OK) == 0) return p;
  const char *src = getenv("EMBER_SOURCE_DIR");
  if (src) {
    snprintf(buf, sizeof buf, "%s/.venv/bin/python", src);
    if (access(buf, X_OK) == 0) return buf;
  }
  return NULL;
}

TEST(python_grpcio_client) {
  const char *py = find_python();
  if (!py) {
    printf("SKIP: no Python (set EMBER_PYTHON or make .venv)\n");
    return;
  }
  em_server *s = start_server(0, 0);
  char port[16];
  snprintf(port, sizeof port, "%d", em_server_port(s));
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    execl(py, py, "-c", PY_CHECK, port, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77)
    printf("SKIP: %s has no grpc module\n", py);
  else
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
  em_server_shutdown(s);
}

TEST_LIST{
    TEST_ENTRY(unary_echo),
    TEST_ENTRY(server_stream_10000),
    TEST_ENTRY(server_stream_100mb),
    TEST_ENTRY(client_stream),
    TEST_ENTRY(status_message_and_details),
    TEST_ENTRY(request_headers),
    TEST_ENTRY(unknown_method),
    TEST_ENTRY(message_too_large),
    TEST_ENTRY(client_cancel_mid_stream),
    TEST_ENTRY(deadline_cancels),
    TEST_ENTRY(shutdown_with_busy_handlers),
    TEST_ENTRY(many_streams_and_a_unary),
    TEST_ENTRY(several_servers),
    TEST_ENTRY(allocation_failures),
    TEST_ENTRY(unary_latency),
    TEST_ENTRY(unary_latency_two_processes),
    TEST_ENTRY(python_grpcio_client),
    TEST_END,
};
