/*
 * One call, seen from its handler: receive, send, finish, headers,
 * cancellation, and the reference counting that frees the call.
 *
 * Blocking: a handler has at most one batch in flight. It starts the batch
 * with the call's op_tag and waits on the call's semaphore; the poller
 * (server.c) stores the outcome and posts. A semaphore rather than a mutex
 * and condition variable because there is exactly one waiter and one
 * waker per batch, and sem_post/sem_wait are one futex each.
 *
 * Copies: a received grpc_byte_buffer is copied once into one em_malloc'd
 * buffer (the handler's protobuf decoder wants flat bytes). em_rpc_send
 * copies once into a gRPC slice, since the caller keeps its buffer;
 * em_rpc_send_take hands the caller's buffer to gRPC without a copy, and
 * em_rpc_send_shared lends it (a slice whose release callback drops the
 * caller's reference).
 *
 * Unary and client-streaming calls have one response. Their em_rpc_send
 * keeps the message back and em_rpc_finish sends initial metadata, the
 * message and the status in one batch: one HTTP/2 write for the whole
 * reply and no wait for the worker, which is most of a unary round trip.
 * Server-streaming sends go out at once, the first together with the
 * initial metadata.
 */
#include "server_int.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <stdio.h>
#include <string.h>

#define STATUS_DETAILS_KEY "grpc-status-details-bin"

static void tag_init(em_tag *t, em_tag_kind kind, em_rpc *c) {
  t->kind = kind;
  t->rpc = c;
}

em_rpc *em_server_rpc_new(em_server *s) {
  em_rpc *c = em_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->server = s;
  grpc_call_details_init(&c->details);
  grpc_metadata_array_init(&c->req_md);
  sem_init(&c->op_sem, 0, 0);
  tag_init(&c->accept_tag, EM_TAG_ACCEPT, c);
  tag_init(&c->first_tag, EM_TAG_FIRST_RECV, c);
  tag_init(&c->op_tag, EM_TAG_OP, c);
  tag_init(&c->close_tag, EM_TAG_CLOSE, c);
  tag_init(&c->finish_tag, EM_TAG_FINISH, c);
  return c;
}

static void rpc_destroy(em_rpc *c) {
  if (c->recv_bb) grpc_byte_buffer_destroy(c->recv_bb);
  if (c->held) grpc_byte_buffer_destroy(c->held);
  for (em_rpc_hdr *h = c->hdrs, *next; h; h = next) {
    next = h->next;
    em_free(h->key);
    em_free(h->value);
    em_free(h);
  }
  grpc_metadata_array_destroy(&c->req_md);
  grpc_call_details_destroy(&c->details);
  sem_destroy(&c->op_sem);
  em_free(c);
}

void em_server_rpc_free_slot(em_rpc *c) { rpc_destroy(c); }

void em_server_rpc_unref(em_rpc *c) {
  if (atomic_fetch_sub(&c->refs, 1) != 1) return;
  em_server *s = c->server;
  grpc_call_unref(c->call);
  pthread_mutex_lock(&s->mu);
  if (c->prev)
    c->prev->next = c->next;
  else
    s->live = c->next;
  if (c->next) c->next->prev = c->prev;
  s->ncalls--;
  if (s->ncalls == 0) pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  rpc_destroy(c);
}

/* Starts a batch. gRPC reports a refused batch (a misuse such as a second
 * status) by return code and then never completes the tag. */
static bool start(em_rpc *c, const grpc_op *ops, size_t n, em_tag *tag) {
  grpc_call_error e = grpc_call_start_batch(c->call, ops, n, em_tag_arm(tag), NULL);
  if (e == GRPC_CALL_OK) return true;
  fprintf(stderr, "ember: server: %s: batch refused: %s\n", c->method ? c->method->path : "?",
          grpc_call_error_to_string(e));
  return false;
}

/* Runs one batch on op_tag and waits for it. A failed batch means the call
 * is dead (cancelled, deadline, connection lost, server shutdown). */
static int run_op(em_rpc *c, const grpc_op *ops, size_t n) {
  if (!start(c, ops, n, &c->op_tag)) return -1;
  while (sem_wait(&c->op_sem) != 0) {
  }
  if (!c->op_ok) {
    atomic_store(&c->cancelled, true);
    return -1;
  }
  return 0;
}

static void op_init(grpc_op *op, grpc_op_type type) {
  memset(op, 0, sizeof *op);
  op->op = type;
}

/* Flattens a received message into one em_malloc'd buffer and frees bb. */
static int take_message(grpc_byte_buffer *bb, uint8_t **data, size_t *len) {
  int rc = -1;
  if (bb->type == GRPC_BB_RAW && bb->data.raw.compression == GRPC_COMPRESS_NONE) {
    /* The usual case: copy the slices straight out, no reader, no refs. */
    const grpc_slice_buffer *sb = &bb->data.raw.slice_buffer;
    size_t total = sb->length;
    uint8_t *buf = em_malloc(total);
    if (buf) {
      size_t off = 0;
      for (size_t i = 0; i < sb->count; i++) {
        size_t n = GRPC_SLICE_LENGTH(sb->slices[i]);
        memcpy(buf + off, GRPC_SLICE_START_PTR(sb->slices[i]), n);
        off += n;
      }
      *data = buf;
      *len = total;
      rc = 0;
    }
  } else {
    /* Still compressed (decompression turned off somewhere): let the
     * reader inflate it. Rare, so the extra copy does not matter. */
    grpc_byte_buffer_reader r;
    if (grpc_byte_buffer_reader_init(&r, bb)) {
      grpc_slice all = grpc_byte_buffer_reader_readall(&r);
      size_t n = GRPC_SLICE_LENGTH(all);
      uint8_t *buf = em_malloc(n);
      if (buf) {
        memcpy(buf, GRPC_SLICE_START_PTR(all), n);
        *data = buf;
        *len = n;
        rc = 0;
      }
      grpc_slice_unref(all);
      grpc_byte_buffer_reader_destroy(&r);
    }
  }
  grpc_byte_buffer_destroy(bb);
  return rc;
}

int em_rpc_recv(em_rpc *c, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  grpc_byte_buffer *bb;
  if (c->first_pending) {
    c->first_pending = false;
    if (!c->first_ok) return -1;
    bb = c->recv_bb;
    c->recv_bb = NULL;
  } else {
    if (c->finished || atomic_load(&c->cancelled)) return -1;
    grpc_op op;
    op_init(&op, GRPC_OP_RECV_MESSAGE);
    op.data.recv_message.recv_message = &c->recv_bb;
    if (run_op(c, &op, 1) != 0) return -1;
    bb = c->recv_bb;
    c->recv_bb = NULL;
  }
  if (!bb) return 0; /* the client half-closed: no more requests */
  if (take_message(bb, data, len) != 0) {
    /* Out of memory for the request: the handler sees a failed call. */
    atomic_store(&c->cancelled, true);
    grpc_call_cancel_with_status(c->call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory receiving a request",
                                 NULL);
    return -1;
  }
  return 1;
}

static bool one_response(const em_rpc *c) { return c->method && c->method->kind != EM_RPC_SERVER_STREAM; }

/* Sends (or, for a single-response call, holds back) the message in slice
 * `sl`, which this function takes over. */
static int send_slice(em_rpc *c, grpc_slice sl) {
  if (c->finished || atomic_load(&c->cancelled)) {
    grpc_slice_unref(sl);
    return -1;
  }
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl); /* the byte buffer holds its own reference */
  if (one_response(c) && !c->held) {
    c->held = bb;
    return 0;
  }
  if (c->held) {
    /* A second response on a single-response call is the handler's
     * mistake, but flushing in order keeps the bytes honest. */
    grpc_byte_buffer *prev = c->held;
    c->held = bb;
    bb = prev;
  }
  grpc_op ops[2];
  size_t n = 0;
  if (!c->md_sent) {
    op_init(&ops[n++], GRPC_OP_SEND_INITIAL_METADATA);
    c->md_sent = true;
  }
  op_init(&ops[n], GRPC_OP_SEND_MESSAGE);
  ops[n++].data.send_message.send_message = bb;
  int rc = run_op(c, ops, n);
  grpc_byte_buffer_destroy(bb);
  return rc;
}

int em_rpc_send(em_rpc *c, const void *data, size_t len) {
  grpc_slice sl = grpc_slice_malloc(len);
  if (len) memcpy(GRPC_SLICE_START_PTR(sl), data, len);
  return send_slice(c, sl);
}

int em_rpc_send_take(em_rpc *c, void *data, size_t len) {
  /* gRPC calls em_free when its last reference to the bytes goes, which
   * may be after this returns and on another thread. */
  return send_slice(c, grpc_slice_new(data, len, em_free));
}

int em_rpc_send_shared(em_rpc *c, const void *data, size_t len, void (*release)(void *), void *user) {
  return send_slice(c, grpc_slice_new_with_user_data((void *)data, len, release, user));
}

void em_rpc_finish(em_rpc *c, int grpc_status, const char *message, const void *details, size_t details_len) {
  if (c->finished) {
    fprintf(stderr, "ember: server: %s: em_rpc_finish called twice\n", c->method ? c->method->path : "?");
    return;
  }
  c->finished = true;
  c->fin_msg = message ? grpc_slice_from_copied_string(message) : grpc_empty_slice();
  c->fin_has_details = details != NULL;
  if (details) {
    c->fin_details = grpc_slice_from_copied_buffer(details, details_len);
    memset(&c->fin_trailer, 0, sizeof c->fin_trailer);
    c->fin_trailer.key = grpc_slice_from_static_string(STATUS_DETAILS_KEY);
    c->fin_trailer.value = c->fin_details;
  }
  grpc_op ops[3];
  size_t n = 0;
  if (!c->md_sent) {
    op_init(&ops[n++], GRPC_OP_SEND_INITIAL_METADATA);
    c->md_sent = true;
  }
  if (c->held) {
    op_init(&ops[n], GRPC_OP_SEND_MESSAGE);
    ops[n++].data.send_message.send_message = c->held;
  }
  op_init(&ops[n], GRPC_OP_SEND_STATUS_FROM_SERVER);
  ops[n].data.send_status_from_server.status = (grpc_status_code)grpc_status;
  ops[n].data.send_status_from_server.status_details = &c->fin_msg;
  if (details) {
    ops[n].data.send_status_from_server.trailing_metadata_count = 1;
    ops[n].data.send_status_from_server.trailing_metadata = &c->fin_trailer;
  }
  n++;
  /* The batch owns a reference until the poller sees it complete; the
   * handler does not wait, so its worker is free for the next call while
   * gRPC writes the reply. */
  atomic_fetch_add(&c->refs, 1);
  if (!start(c, ops, n, &c->finish_tag)) em_server_rpc_finish_done(c);
}

void em_server_rpc_finish_done(em_rpc *c) {
  grpc_slice_unref(c->fin_msg);
  if (c->fin_has_details) grpc_slice_unref(c->fin_details);
  if (c->held) {
    grpc_byte_buffer_destroy(c->held);
    c->held = NULL;
  }
  em_server_rpc_unref(c);
}

void em_server_rpc_reject(em_rpc *c) {
  /* The poller answers by itself: status, and the close it must wait for.
   * One reference, dropped when this batch completes. */
  c->finished = true;
  c->md_sent = true;
  atomic_store(&c->refs, 1);
  char msg[256];
  snprintf(msg, sizeof msg, "Method not found: %.*s", (int)GRPC_SLICE_LENGTH(c->details.method),
           (const char *)GRPC_SLICE_START_PTR(c->details.method));
  c->fin_msg = grpc_slice_from_copied_string(msg);
  grpc_op ops[3];
  op_init(&ops[0], GRPC_OP_SEND_INITIAL_METADATA);
  op_init(&ops[1], GRPC_OP_SEND_STATUS_FROM_SERVER);
  ops[1].data.send_status_from_server.status = GRPC_STATUS_UNIMPLEMENTED;
  ops[1].data.send_status_from_server.status_details = &c->fin_msg;
  op_init(&ops[2], GRPC_OP_RECV_CLOSE_ON_SERVER);
  ops[2].data.recv_close_on_server.cancelled = &c->close_cancelled;
  if (!start(c, ops, 3, &c->finish_tag)) em_server_rpc_finish_done(c);
}

void em_server_rpc_run(em_rpc *c) {
  /* A call cancelled while it waited in the queue (client gone, server
   * shutting down) needs no handler and no status. */
  if (!atomic_load(&c->cancelled)) {
    c->method->handler(c, c->server->user);
    if (!c->finished) {
      fprintf(stderr, "ember: server: %s: handler returned without a status\n", c->method->path);
      em_rpc_finish(c, EM_GRPC_INTERNAL, "handler returned without a status", NULL, 0);
    }
  }
  em_server_rpc_unref(c);
}

bool em_rpc_cancelled(const em_rpc *c) { return atomic_load(&((em_rpc *)c)->cancelled); }

const char *em_rpc_path(const em_rpc *c) { return c->method ? c->method->path : ""; }

static bool key_eq(grpc_slice k, const char *key, size_t klen) {
  if (GRPC_SLICE_LENGTH(k) != klen) return false;
  const char *p = (const char *)GRPC_SLICE_START_PTR(k);
  for (size_t i = 0; i < klen; i++) {
    char a = p[i], b = key[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

const char *em_rpc_header(em_rpc *c, const char *key) {
  size_t klen = strlen(key);
  for (em_rpc_hdr *h = c->hdrs; h; h = h->next)
    if (em_strcaseeq(h->key, key)) return h->value;
  for (size_t i = 0; i < c->req_md.count; i++) {
    const grpc_metadata *m = &c->req_md.metadata[i];
    if (!key_eq(m->key, key, klen)) continue;
    em_rpc_hdr *h = em_calloc(1, sizeof *h);
    if (!h) return NULL;
    h->key = em_strdup(key);
    h->value = em_strndup((const char *)GRPC_SLICE_START_PTR(m->value), GRPC_SLICE_LENGTH(m->value));
    if (!h->key || !h->value) {
      em_free(h->key);
      em_free(h->value);
      em_free(h);
      return NULL;
    }
    h->next = c->hdrs;
    c->hdrs = h;
    return h->value;
  }
  return NULL;
}
