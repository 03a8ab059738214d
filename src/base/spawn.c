/*
 * em_spawn: run a function on a thread of its own, reusing parked threads.
 *
 * Query executions and RPC handlers need a thread each for as long as they
 * run (they block on clients and on the engine), so a fixed pool would
 * deadlock; creating a thread per call costs tens of microseconds on the
 * round trip of every small query. Threads that finish park for up to 30 s
 * waiting for the next function, so a busy server creates threads only
 * when its concurrency grows.
 */
#include "base.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#define PARK_SECONDS 30
#define MAX_PARKED 64

typedef struct spawn_job {
  void (*fn)(void *);
  void *arg;
} spawn_job;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  spawn_job pending[MAX_PARKED];
  int npending;
  int parked; /* threads waiting for a job */
  int live;   /* threads alive (running or parked) */
} sp = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *spawn_main(void *arg) {
  spawn_job job = *(spawn_job *)arg;
  em_free(arg);
  for (;;) {
    job.fn(job.arg);
    pthread_mutex_lock(&sp.mu);
    sp.parked++;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += PARK_SECONDS;
    int rc = 0;
    while (sp.npending == 0 && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&sp.cv, &sp.mu, &ts);
    sp.parked--;
    if (sp.npending == 0) {
      sp.live--;
      pthread_mutex_unlock(&sp.mu);
      return NULL;
    }
    job = sp.pending[--sp.npending];
    pthread_mutex_unlock(&sp.mu);
  }
}

int em_spawn(void (*fn)(void *), void *arg, size_t stack_size) {
  pthread_mutex_lock(&sp.mu);
  if (sp.parked > sp.npending && sp.npending < MAX_PARKED) {
    sp.pending[sp.npending].fn = fn;
    sp.pending[sp.npending].arg = arg;
    sp.npending++;
    pthread_cond_signal(&sp.cv);
    pthread_mutex_unlock(&sp.mu);
    return 0;
  }
  sp.live++;
  pthread_mutex_unlock(&sp.mu);
  spawn_job *job = em_malloc(sizeof *job);
  if (!job) goto fail;
  job->fn = fn;
  job->arg = arg;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (stack_size) pthread_attr_setstacksize(&attr, stack_size);
  pthread_t t;
  int rc = pthread_create(&t, &attr, spawn_main, job);
  pthread_attr_destroy(&attr);
  if (rc == 0) return 0;
  em_free(job);
fail:
  pthread_mutex_lock(&sp.mu);
  sp.live--;
  pthread_mutex_unlock(&sp.mu);
  return -1;
}
