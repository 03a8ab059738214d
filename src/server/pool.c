/*
 * The worker pool that runs call handlers.
 *
 * Handlers block: a unary call takes microseconds, but an ExecutePlan stream
 * may hold its thread for minutes while it waits on flow control or on the
 * engine. A fixed pool would deadlock once every thread sits in a long
 * stream, so the pool has a floor of threads that live as long as the
 * server and grows past it whenever a call arrives and no worker is idle.
 * Threads above the floor exit after IDLE_EXIT_MS without work; their
 * records stay on the list until the next spawn (or shutdown) joins them, so
 * no thread is ever detached and shutdown can wait for all of them.
 *
 * The fast path (a worker is idle) is one mutex, one queue push and one
 * condition-variable signal: no thread is created per call.
 */
#include "server_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define IDLE_EXIT_MS 30000

/* Joins and frees the records of threads that have exited. Called with the
 * pool lock held; pthread_join returns at once for a thread that has
 * already left its function. */
static void reap_locked(em_pool *p) {
  em_worker **link = &p->workers;
  while (*link) {
    em_worker *w = *link;
    if (w->exited) {
      *link = w->next;
      pthread_join(w->tid, NULL);
      em_free(w);
    } else {
      link = &w->next;
    }
  }
}

static em_rpc *pop_locked(em_pool *p) {
  em_rpc *c = p->head;
  if (c) {
    p->head = c->qnext;
    if (!p->head) p->tail = NULL;
    c->qnext = NULL;
    p->queued--;
  }
  return c;
}

static void deadline_in_ms(struct timespec *ts, int ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* The real thread function gets both the pool and its own record. */
typedef struct worker_start {
  em_pool *pool;
  em_worker *self;
} worker_start;

static void *worker_loop(void *arg) {
  worker_start st = *(worker_start *)arg;
  em_free(arg);
  em_pool *p = st.pool;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    em_rpc *c = pop_locked(p);
    if (c) {
      pthread_mutex_unlock(&p->mu);
      em_server_rpc_run(c);
      pthread_mutex_lock(&p->mu);
      continue;
    }
    if (p->stop) break;
    p->idle++;
    if (p->nthreads > p->floor) {
      struct timespec ts;
      deadline_in_ms(&ts, IDLE_EXIT_MS);
      int rc = 0;
      while (!p->head && !p->stop && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
      p->idle--;
      /* Leave only when still surplus and nothing arrived meanwhile. */
      if (rc == ETIMEDOUT && !p->head && p->nthreads > p->floor) break;
    } else {
      while (!p->head && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
      p->idle--;
    }
  }
  p->nthreads--;
  st.self->exited = true;
  pthread_cond_broadcast(&p->cv); /* destroy may be waiting for the count */
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Starts one worker. Called with the pool lock held. */
static int spawn_locked(em_pool *p) {
  reap_locked(p);
  em_worker *w = em_calloc(1, sizeof *w);
  worker_start *st = em_malloc(sizeof *st);
  if (!w || !st) {
    em_free(w);
    em_free(st);
    return -1;
  }
  st->pool = p;
  st->self = w;
  if (pthread_create(&w->tid, NULL, worker_loop, st) != 0) {
    em_free(w);
    em_free(st);
    return -1;
  }
  w->next = p->workers;
  p->workers = w;
  p->nthreads++;
  return 0;
}

int em_server_pool_init(em_pool *p, int floor, em_error *err) {
  memset(p, 0, sizeof *p);
  p->floor = floor;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_lock(&p->mu);
  for (int i = 0; i < floor; i++) {
    if (spawn_locked(p) != 0) {
      pthread_mutex_unlock(&p->mu);
      em_server_pool_destroy(p);
      return em_error_internal(err, "cannot start server worker thread %d of %d", i + 1, floor);
    }
  }
  pthread_mutex_unlock(&p->mu);
  return 0;
}

void em_server_pool_submit(em_pool *p, em_rpc *c) {
  pthread_mutex_lock(&p->mu);
  c->qnext = NULL;
  if (p->tail)
    p->tail->qnext = c;
  else
    p->head = c;
  p->tail = c;
  p->queued++;
  /* Every idle worker will take one queued call; if the queue is longer
   * than that, the new call would wait behind handlers that may stream for
   * minutes, so start another thread. If that fails the call still runs
   * when some worker frees up. */
  if (p->queued > p->idle && !p->stop) {
    if (spawn_locked(p) != 0) fprintf(stderr, "ember: server: cannot start a worker thread; call queued\n");
  }
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

void em_server_pool_destroy(em_pool *p) {
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->cv);
  while (p->nthreads > 0) pthread_cond_wait(&p->cv, &p->mu);
  reap_locked(p);
  pthread_mutex_unlock(&p->mu);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
}
