/*
 * Sessions, keyed by (user id, session id) as in Spark's
 * SparkConnectSessionManager. The first RPC of a session creates it (for
 * the RPCs that may) and mints its server-side id, which every response
 * carries and which later requests must echo. Closed sessions leave a
 * tombstone so reuse fails with INVALID_HANDLE.SESSION_CLOSED. A reaper
 * thread closes sessions idle past spark.connect.session.manager.
 * defaultSessionTimeout and removes executions left detached past
 * spark.connect.execute.manager.detachedTimeout.
 *
 * Locking: the manager's mutex guards the session list, tombstones and
 * reference counts; each session's mutex guards its own state. The manager
 * lock is never taken while a session lock is held.
 */
#include "connect_int.h"

#include "../catalog/catalog.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TOMBSTONES_MAX 1000
#define ERRORS_MAX 64

static char *session_key(const char *user, const char *sid) {
  size_t a = strlen(user), b = strlen(sid);
  char *k = em_malloc(a + b + 2);
  if (!k) return NULL;
  memcpy(k, user, a);
  k[a] = '\x1f';
  memcpy(k + a + 1, sid, b + 1);
  return k;
}

static bool is_tombstoned(em_connect_state *s, const char *user, const char *sid) {
  char *k = session_key(user, sid);
  if (!k) return false;
  bool hit = false;
  for (int i = 0; i < s->ntomb && !hit; i++) hit = strcmp(s->tombstones[i], k) == 0;
  em_free(k);
  return hit;
}

static void add_tombstone(em_connect_state *s, const char *user, const char *sid) {
  char *k = session_key(user, sid);
  if (!k) return;
  if (!s->tombstones) {
    s->tombstones = em_calloc(TOMBSTONES_MAX, sizeof *s->tombstones);
    if (!s->tombstones) {
      em_free(k);
      return;
    }
  }
  if (s->ntomb < TOMBSTONES_MAX) {
    s->tombstones[s->ntomb++] = k;
  } else {
    em_free(s->tombstones[s->tomb_head]);
    s->tombstones[s->tomb_head] = k;
    s->tomb_head = (s->tomb_head + 1) % TOMBSTONES_MAX;
  }
}

static void session_free(em_session *sess) {
  for (int i = 0; i < sess->nartifacts; i++) {
    em_free(sess->artifacts[i].name);
    em_buf_unref(sess->artifacts[i].data);
  }
  em_free(sess->artifacts);
  em_udf_registry_free(sess->udfs);
  em_udf_registry_free(sess->pudfs);
  em_free(sess->pfn_db);
  em_free(sess->errors);
  em_free(sess->released_ops);
  em_free(sess->ops);
  em_conf_free(&sess->conf);
  em_session_cache_free(sess);
  em_free(sess->current_db);
  if (sess->views) {
    em_views_free(sess->views);
    em_free(sess->views);
  }
  pthread_mutex_destroy(&sess->mu);
  em_free(sess->user_id);
  em_free(sess->session_id);
  em_free(sess);
}

static em_session *session_new(em_connect_state *s, const char *user, const char *sid) {
  em_session *sess = em_calloc(1, sizeof *sess);
  if (!sess) return NULL;
  sess->svc = s;
  sess->user_id = em_strdup(user);
  sess->session_id = em_strdup(sid);
  em_uuid4(sess->server_side_id);
  pthread_mutex_init(&sess->mu, NULL);
  em_conf_init(&sess->conf);
  atomic_store(&sess->next_expr_id, 1);
  sess->last_access_ns = em_now_ns();
  if ((sess->views = em_calloc(1, sizeof *sess->views))) em_views_init(sess->views);
  if (!s->global_views && (s->global_views = em_calloc(1, sizeof *s->global_views)))
    em_views_init(s->global_views);
  if (!sess->user_id || !sess->session_id || !sess->views || !s->global_views) {
    session_free(sess);
    return NULL;
  }
  return sess;
}

static int add_session(em_connect_state *s, em_session *sess) {
  if (s->nsessions == s->capsessions) {
    int ncap = s->capsessions ? s->capsessions * 2 : 16;
    em_session **n = em_realloc(s->sessions, (size_t)ncap * sizeof *n);
    if (!n) return -1;
    s->sessions = n;
    s->capsessions = ncap;
  }
  s->sessions[s->nsessions++] = sess;
  return 0;
}

static em_session *find_session(em_connect_state *s, const char *user, const char *sid, int *idx) {
  for (int i = 0; i < s->nsessions; i++) {
    em_session *x = s->sessions[i];
    if (strcmp(x->session_id, sid) == 0 && strcmp(x->user_id, user) == 0) {
      if (idx) *idx = i;
      return x;
    }
  }
  return NULL;
}

em_session *em_session_get(em_connect_state *s, const char *user_id, const char *session_id, bool create,
                           const char *observed, em_error *err) {
  const char *user = user_id ? user_id : "";
  const char *sid = session_id ? session_id : "";
  if (!em_is_uuid(sid)) {
    em_error_set(err, EM_ERR_INVALID_HANDLE_FORMAT, "handle", sid, NULL);
    return NULL;
  }
  pthread_mutex_lock(&s->mu);
  em_session *sess = find_session(s, user, sid, NULL);
  if (!sess) {
    if (is_tombstoned(s, user, sid)) {
      pthread_mutex_unlock(&s->mu);
      em_error_set(err, EM_ERR_INVALID_HANDLE_SESSION_CLOSED, "handle", sid, NULL);
      return NULL;
    }
    if (!create || s->stopping) {
      pthread_mutex_unlock(&s->mu);
      em_error_set(err, EM_ERR_INVALID_HANDLE_SESSION_NOT_FOUND, "handle", sid, NULL);
      return NULL;
    }
    sess = session_new(s, user, sid);
    if (!sess || add_session(s, sess)) {
      pthread_mutex_unlock(&s->mu);
      if (sess) session_free(sess);
      em_error_internal(err, "out of memory creating a session");
      return NULL;
    }
  }
  if (observed && *observed && strcmp(observed, sess->server_side_id) != 0) {
    pthread_mutex_unlock(&s->mu);
    em_error_set(err, EM_ERR_INVALID_HANDLE_SESSION_CHANGED, "handle", sid, NULL);
    return NULL;
  }
  sess->refcnt++;
  sess->last_access_ns = em_now_ns();
  pthread_mutex_unlock(&s->mu);
  return sess;
}

void em_session_release(em_connect_state *s, em_session *sess) {
  if (!sess) return;
  pthread_mutex_lock(&s->mu);
  bool free_it = --sess->refcnt == 0 && sess->closed;
  sess->last_access_ns = em_now_ns();
  pthread_mutex_unlock(&s->mu);
  if (free_it) session_free(sess);
}

/* Cancels every operation of a session (called on close). */
static void cancel_ops(em_session *sess) {
  pthread_mutex_lock(&sess->mu);
  int n = sess->nops;
  em_operation **ops = n ? em_calloc((size_t)n, sizeof *ops) : NULL;
  for (int i = 0; ops && i < n; i++) {
    ops[i] = sess->ops[i];
    pthread_mutex_lock(&ops[i]->mu);
    ops[i]->refcnt++;
    pthread_mutex_unlock(&ops[i]->mu);
  }
  pthread_mutex_unlock(&sess->mu);
  for (int i = 0; ops && i < n; i++) {
    atomic_store(&ops[i]->cancel, true);
    em_session_remove_op(sess, ops[i]);
    em_operation_unref(ops[i]);
  }
  em_free(ops);
}

int em_session_close(em_connect_state *s, const char *user_id, const char *session_id, bool allow_reconnect,
                     char server_side_id_out[37], em_error *err) {
  const char *user = user_id ? user_id : "";
  const char *sid = session_id ? session_id : "";
  if (!em_is_uuid(sid)) return em_error_set(err, EM_ERR_INVALID_HANDLE_FORMAT, "handle", sid, NULL);
  pthread_mutex_lock(&s->mu);
  int idx = -1;
  em_session *sess = find_session(s, user, sid, &idx);
  if (!allow_reconnect) add_tombstone(s, user, sid);
  if (!sess) {
    pthread_mutex_unlock(&s->mu);
    server_side_id_out[0] = '\0';
    return 0;
  }
  s->sessions[idx] = s->sessions[--s->nsessions];
  sess->closed = true;
  sess->refcnt++;
  memcpy(server_side_id_out, sess->server_side_id, 37);
  pthread_mutex_unlock(&s->mu);
  cancel_ops(sess);
  em_session_release(s, sess);
  return 0;
}

em_session *em_session_clone(em_connect_state *s, em_session *src, const char *new_id, em_error *err) {
  char generated[37];
  if (!new_id || !*new_id) {
    em_uuid4(generated);
    new_id = generated;
  } else if (!em_is_uuid(new_id)) {
    em_error_set(err, EM_ERR_INVALID_CLONE_SESSION_TARGET_FORMAT, "targetSessionId", new_id, NULL);
    return NULL;
  }
  pthread_mutex_lock(&s->mu);
  if (find_session(s, src->user_id, new_id, NULL)) {
    pthread_mutex_unlock(&s->mu);
    em_error_set(err, EM_ERR_INVALID_CLONE_SESSION_TARGET_EXISTS, "targetSessionId", new_id, NULL);
    return NULL;
  }
  if (is_tombstoned(s, src->user_id, new_id)) {
    pthread_mutex_unlock(&s->mu);
    em_error_set(err, EM_ERR_INVALID_CLONE_SESSION_TARGET_CLOSED, "targetSessionId", new_id, NULL);
    return NULL;
  }
  em_session *dst = session_new(s, src->user_id, new_id);
  bool ok = dst != NULL;
  if (ok) {
    pthread_mutex_lock(&src->mu);
    em_conf_free(&dst->conf);
    ok = em_conf_copy(&dst->conf, &src->conf) == 0;
    for (int i = 0; ok && i < src->nartifacts; i++)
      ok = em_session_add_artifact(dst, src->artifacts[i].name, em_buf_ref(src->artifacts[i].data), err) == 0;
    atomic_store(&dst->next_expr_id, atomic_load(&src->next_expr_id));
    pthread_mutex_unlock(&src->mu);
  }
  if (ok) { /* the session's WebAssembly UDFs, bound anew in the clone */
    em_udf_registry *su = em_session_udfs(src, false);
    if (su) {
      em_udf_registry *du = em_session_udfs(dst, true);
      ok = du && em_udf_registry_copy(du, su, err) == 0;
    }
  }
  if (!ok || add_session(s, dst)) {
    pthread_mutex_unlock(&s->mu);
    if (dst) session_free(dst);
    em_error_internal(err, "out of memory cloning a session");
    return NULL;
  }
  dst->refcnt++;
  pthread_mutex_unlock(&s->mu);
  return dst;
}

char *em_session_conf_dup(em_session *sess, const char *key) {
  /* Ember's read-only diagnostic of the session's cache. */
  if (strcmp(key, "spark.ember.cache.stats") == 0) return em_session_cache_stats(sess);
  pthread_mutex_lock(&sess->mu);
  const char *v = em_conf_lookup(&sess->conf, key);
  if (!v) v = em_conf_lookup(&sess->svc->server_conf, key);
  char *c = v ? em_strdup(v) : NULL;
  pthread_mutex_unlock(&sess->mu);
  if (!v) {
    const char *d = em_conf_default(key, NULL);
    c = d ? em_strdup(d) : NULL;
  }
  return c;
}

bool em_session_conf_bool(em_session *sess, const char *key, bool dflt) {
  char *v = em_session_conf_dup(sess, key);
  bool r = dflt;
  if (v) r = em_strcaseeq(v, "true");
  em_free(v);
  return r;
}

int64_t em_session_conf_int(em_session *sess, const char *key, int64_t dflt) {
  char *v = em_session_conf_dup(sess, key);
  int64_t r = dflt;
  if (v && *v) {
    char *end;
    long long x = strtoll(v, &end, 10);
    if (end != v) r = x;
  }
  em_free(v);
  return r;
}

void em_session_save_error(em_session *sess, const em_error *err, char id_out[37]) {
  em_uuid4(id_out);
  em_session_save_error_id(sess, err, id_out);
}

void em_session_save_error_id(em_session *sess, const em_error *err, const char id_out[37]) {
  pthread_mutex_lock(&sess->mu);
  if (!sess->errors) sess->errors = em_calloc(ERRORS_MAX, sizeof *sess->errors);
  if (sess->errors) {
    int slot;
    if (sess->nerrors < ERRORS_MAX) {
      slot = sess->nerrors++;
    } else {
      slot = sess->errors_head;
      sess->errors_head = (sess->errors_head + 1) % ERRORS_MAX;
    }
    memcpy(sess->errors[slot].id, id_out, 37);
    sess->errors[slot].err = *err;
  }
  pthread_mutex_unlock(&sess->mu);
}

int em_session_find_error(em_session *sess, const char *id, em_error *out) {
  int rc = -1;
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nerrors; i++) {
    if (strcmp(sess->errors[i].id, id) == 0) {
      *out = sess->errors[i].err;
      /* Spark serves each error once. */
      sess->errors[i].id[0] = '\0';
      rc = 0;
      break;
    }
  }
  pthread_mutex_unlock(&sess->mu);
  return rc;
}

void em_session_analyze_ctx(em_session *sess, em_analyze_ctx *ctx) {
  memset(ctx, 0, sizeof *ctx);
  ctx->case_sensitive = em_session_conf_bool(sess, "spark.sql.caseSensitive", false);
  ctx->ansi = em_session_conf_bool(sess, "spark.sql.ansi.enabled", true);
  /* spark.default.parallelism, else the N of spark.master local[N] (as
   * Spark's local backend), else one per core. */
  int dp = em_pool_size();
  char *master = em_session_conf_dup(sess, "spark.master");
  if (master && strncmp(master, "local[", 6) == 0 && master[6] >= '1' && master[6] <= '9') dp = atoi(master + 6);
  else if (master && strcmp(master, "local") == 0) dp = 1;
  em_free(master);
  ctx->default_parallelism = (int)em_session_conf_int(sess, "spark.default.parallelism", dp);
  ctx->next_expr_id = &sess->next_expr_id;
  ctx->timezone = NULL;
  ctx->lookup_table = em_session_lookup_table;
  ctx->lookup_user = sess;
  ctx->run_subquery = em_session_run_subquery;
  ctx->run_user = sess;
  ctx->shuffle_partitions = (int)em_session_conf_int(sess, "spark.sql.shuffle.partitions", 200);
  ctx->range_sample_size = (int)em_session_conf_int(sess, "spark.sql.execution.rangeExchange.sampleSizePerPartition", 100);
  ctx->repartition_unsorted = !em_session_conf_bool(sess, "spark.sql.execution.sortBeforeRepartition", true);
  ctx->files_max_partition_bytes = em_session_conf_int(sess, "spark.sql.files.maxPartitionBytes", (int64_t)128 << 20);
  ctx->files_open_cost = em_session_conf_int(sess, "spark.sql.files.openCostInBytes", (int64_t)4 << 20);
  ctx->files_min_partitions = (int)em_session_conf_int(sess, "spark.sql.files.minPartitionNum", 0);
  ctx->no_partition_type_inference =
      !em_session_conf_bool(sess, "spark.sql.sources.partitionColumnTypeInference.enabled", true);
  char *dedup = em_session_conf_dup(sess, "spark.sql.mapKeyDedupPolicy");
  ctx->map_last_win = dedup && strcasecmp(dedup, "LAST_WIN") == 0;
  em_free(dedup);
  ctx->no_adaptive_coalesce = !em_session_conf_bool(sess, "spark.sql.adaptive.enabled", true) ||
                              !em_session_conf_bool(sess, "spark.sql.adaptive.coalescePartitions.enabled", true);
  em_session_sync_functions(sess);
  ctx->udfs = em_session_udfs(sess, false);
  em_session_wasm_limits(sess, &ctx->wasm);
  em_session_subplan_ctx(sess, ctx);
  em_session_cache_hooks(sess, ctx);
}

/* ---- the reaper ---- */

static void *reaper_main(void *arg) {
  em_connect_state *s = arg;
  pthread_mutex_lock(&s->mu);
  while (!s->stopping) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    pthread_cond_timedwait(&s->reaper_cv, &s->mu, &ts);
    if (s->stopping) break;
    int64_t now = em_now_ns();
    /* Idle sessions. */
    for (int i = 0; i < s->nsessions;) {
      em_session *sess = s->sessions[i];
      if (sess->refcnt == 0 && now - sess->last_access_ns > s->session_timeout_ns) {
        char user[256], sid[64], ssid[37];
        snprintf(user, sizeof user, "%s", sess->user_id);
        snprintf(sid, sizeof sid, "%s", sess->session_id);
        pthread_mutex_unlock(&s->mu);
        em_error err;
        em_session_close(s, user, sid, true, ssid, &err);
        pthread_mutex_lock(&s->mu);
        i = 0;
        continue;
      }
      i++;
    }
    /* Abandoned executions: detached for too long. */
    for (int i = 0; i < s->nsessions; i++) {
      em_session *sess = s->sessions[i];
      sess->refcnt++;
      pthread_mutex_unlock(&s->mu);
      em_operation *victim = NULL;
      pthread_mutex_lock(&sess->mu);
      for (int j = 0; j < sess->nops && !victim; j++) {
        em_operation *op = sess->ops[j];
        pthread_mutex_lock(&op->mu);
        if (op->attached == 0 && op->detached_since_ns && now - op->detached_since_ns > s->detached_timeout_ns) {
          victim = op;
          op->refcnt++;
        }
        pthread_mutex_unlock(&op->mu);
      }
      pthread_mutex_unlock(&sess->mu);
      if (victim) {
        atomic_store(&victim->cancel, true);
        em_session_remove_op(sess, victim);
        em_operation_unref(victim);
      }
      em_session_release(s, sess);
      pthread_mutex_lock(&s->mu);
    }
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

void em_sessions_start_reaper(em_connect_state *s) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_cond_init(&s->reaper_cv, &ca);
  pthread_condattr_destroy(&ca);
  s->reaper_started = pthread_create(&s->reaper, NULL, reaper_main, s) == 0;
}

void em_sessions_shutdown(em_connect_state *s) {
  pthread_mutex_lock(&s->mu);
  s->stopping = true;
  pthread_cond_broadcast(&s->reaper_cv);
  pthread_mutex_unlock(&s->mu);
  if (s->reaper_started) pthread_join(s->reaper, NULL);
  s->reaper_started = false;
  /* Close every session (cancelling its operations). */
  for (;;) {
    pthread_mutex_lock(&s->mu);
    if (s->nsessions == 0) {
      pthread_mutex_unlock(&s->mu);
      break;
    }
    em_session *sess = s->sessions[0];
    char user[256], sid[64], ssid[37];
    snprintf(user, sizeof user, "%s", sess->user_id);
    snprintf(sid, sizeof sid, "%s", sess->session_id);
    pthread_mutex_unlock(&s->mu);
    em_error err;
    em_session_close(s, user, sid, true, ssid, &err);
  }
  pthread_mutex_lock(&s->mu);
  if (s->global_views) {
    em_views_free(s->global_views);
    em_free(s->global_views);
    s->global_views = NULL;
  }
  em_catalog_close(s->catalog);
  s->catalog = NULL;
  for (int i = 0; i < s->ntomb; i++) em_free(s->tombstones[i]);
  em_free(s->tombstones);
  s->tombstones = NULL;
  s->ntomb = 0;
  em_free(s->sessions);
  s->sessions = NULL;
  pthread_mutex_unlock(&s->mu);
  pthread_cond_destroy(&s->reaper_cv);
}

void em_session_ref(em_session *sess) {
  pthread_mutex_lock(&sess->svc->mu);
  sess->refcnt++;
  pthread_mutex_unlock(&sess->svc->mu);
}
