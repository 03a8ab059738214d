/*
 * The worker pool: one thread per core, shared by every query of the
 * process. Tasks are plain function calls taken from one FIFO queue; a
 * query waits for its own tasks with its own condition variable, so the
 * pool knows nothing of queries. Threads are created on first use, which
 * keeps `ember serve` start-up at a few milliseconds.
 */
#include "exec_int.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

typedef struct pool_task {
  em_task_fn fn;
  void *arg;
  struct pool_task *next;
} pool_task;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pool_task *head, *tail;
  pthread_t *threads;
  int nthreads;
  bool started, stopping;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *worker_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (!pool.head && !pool.stopping) pthread_cond_wait(&pool.cv, &pool.mu);
    if (!pool.head && pool.stopping) break;
    pool_task *t = pool.head;
    pool.head = t->next;
    if (!pool.head) pool.tail = NULL;
    pthread_mutex_unlock(&pool.mu);
    t->fn(t->arg);
    em_free(t);
    pthread_mutex_lock(&pool.mu);
  }
  pthread_mutex_unlock(&pool.mu);
  return NULL;
}

/* The cores this process may run on (its CPU affinity, as `nproc` and
 * `taskset` see it), else the online processors. */
static long usable_cores(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n;
}

/* Starts the threads; called with pool.mu held. */
static int pool_start(void) {
  long n = usable_cores();
  if (n > 256) n = 256;
  pool.threads = em_calloc((size_t)n, sizeof *pool.threads);
  if (!pool.threads) return -1;
  for (long i = 0; i < n; i++) {
    if (pthread_create(&pool.threads[i], NULL, worker_main, NULL) != 0) break;
    pool.nthreads++;
  }
  if (pool.nthreads == 0) return -1;
  pool.started = true;
  return 0;
}

int em_pool_submit(em_task_fn fn, void *arg) {
  pool_task *t = em_malloc(sizeof *t);
  if (!t) return -1;
  t->fn = fn;
  t->arg = arg;
  t->next = NULL;
  pthread_mutex_lock(&pool.mu);
  if (!pool.started && pool_start() != 0) {
    pthread_mutex_unlock(&pool.mu);
    em_free(t);
    return -1;
  }
  if (pool.tail)
    pool.tail->next = t;
  else
    pool.head = t;
  pool.tail = t;
  pthread_cond_signal(&pool.cv);
  pthread_mutex_unlock(&pool.mu);
  return 0;
}

int em_pool_size(void) {
  long n = usable_cores();
  return n > 256 ? 256 : (int)n;
}

void em_pool_shutdown(void) {
  pthread_mutex_lock(&pool.mu);
  if (!pool.started) {
    pthread_mutex_unlock(&pool.mu);
    return;
  }
  pool.stopping = true;
  pthread_cond_broadcast(&pool.cv);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 0; i < pool.nthreads; i++) pthread_join(pool.threads[i], NULL);
  em_free(pool.threads);
  pool.threads = NULL;
  pool.nthreads = 0;
  pool.started = false;
  pool.stopping = false;
}
