/*
 * A session's cached data: persisted DataFrames (AnalyzePlan Persist /
 * Unpersist / GetStorageLevel) and checkpoints (the Checkpoint command,
 * CachedRemoteRelation, RemoveCachedRemoteRelationCommand).
 *
 * Persisted DataFrames are keyed, as Spark's CacheManager keys them, by
 * their analyzed plan: the fingerprint of the resolved plan
 * (plan/fingerprint.c), so a DataFrame built again the same way is cached
 * too, and a query whose plan contains a cached subtree reads it (the
 * analyzer hooks set by em_session_cache_hooks). Persisting is lazy: the
 * entry (exec/cache_store.c) is filled by the first query that uses it.
 * Spark keeps the first storage level of a plan persisted twice.
 *
 * Checkpoints are entries known by a random id the client refers to;
 * they are computed at once when eager, else by their first use. A
 * reliable checkpoint writes its partitions to a file in
 * spark.checkpoint.dir (Spark refuses without one); a local checkpoint
 * keeps them in the cache store with its storage level.
 *
 * Everything goes with the session (em_session_cache_free); running
 * queries keep the entries they read alive until they end.
 */
#include "connect_int.h"

#include <stdio.h>
#include <string.h>

typedef struct persisted {
  uint8_t fp[16];
  em_cache_entry *e;
  Spark__Connect__StorageLevel level;
} persisted;

typedef struct remote_rel {
  char id[37];
  em_cache_entry *e;
} remote_rel;

struct em_cache_registry {
  pthread_mutex_t mu;
  em_cache_store *store;
  persisted *p;
  int np, capp;
  remote_rel *r;
  int nr, capr;
};

/* The session's registry, created on first use (NULL on OOM). */
static em_cache_registry *registry(em_session *sess) {
  pthread_mutex_lock(&sess->mu);
  em_cache_registry *r = sess->cache;
  if (!r && (r = em_calloc(1, sizeof *r))) {
    if (!(r->store = em_cache_store_new())) {
      em_free(r);
      r = NULL;
    } else {
      pthread_mutex_init(&r->mu, NULL);
      sess->cache = r;
    }
  }
  pthread_mutex_unlock(&sess->mu);
  return r;
}

/* The session's cache settings, applied before each use. */
static void configure(em_session *sess, em_cache_registry *r) {
  int64_t budget = em_session_cache_budget(sess);
  char *dir = em_session_spill_dir(sess);
  em_cache_store_configure(r->store, budget, dir);
  em_free(dir);
}

static persisted *find_fp(em_cache_registry *r, const uint8_t fp[16]) {
  for (int i = 0; r && i < r->np; i++)
    if (memcmp(r->p[i].fp, fp, 16) == 0) return &r->p[i];
  return NULL;
}

static remote_rel *find_id(em_cache_registry *r, const char *id) {
  for (int i = 0; r && i < r->nr; i++)
    if (strcmp(r->r[i].id, id) == 0) return &r->r[i];
  return NULL;
}

static em_cache_entry *hook_lookup(void *user, const uint8_t fp[16]) {
  em_cache_registry *r = ((em_session *)user)->cache;
  if (!r) return NULL;
  pthread_mutex_lock(&r->mu);
  persisted *p = find_fp(r, fp);
  em_cache_entry *e = p ? em_cache_entry_ref(p->e) : NULL;
  pthread_mutex_unlock(&r->mu);
  return e;
}

static em_cache_entry *hook_remote(void *user, const char *id, em_error *err) {
  em_session *sess = user;
  em_cache_registry *r = sess->cache;
  em_cache_entry *e = NULL;
  if (r) {
    pthread_mutex_lock(&r->mu);
    remote_rel *x = find_id(r, id);
    if (x) e = em_cache_entry_ref(x->e);
    pthread_mutex_unlock(&r->mu);
  }
  if (!e) em_error_set(err, EM_ERR_DATAFRAME_NOT_FOUND, "dfId", id, "sessionId", sess->session_id, NULL);
  return e;
}

static const em_type *hook_schema(const em_cache_entry *e) { return em_cache_entry_schema(e); }

void em_session_cache_hooks(em_session *sess, em_analyze_ctx *ctx) {
  ctx->cache_user = sess;
  ctx->remote_lookup = hook_remote;
  ctx->cache_release = em_cache_entry_unref;
  ctx->cache_schema = hook_schema;
  em_cache_registry *r = sess->cache;
  /* Fingerprinting costs a pass over the plan: only when something is
   * persisted. */
  bool any = false;
  if (r) {
    pthread_mutex_lock(&r->mu);
    any = r->np > 0;
    pthread_mutex_unlock(&r->mu);
    configure(sess, r);
  }
  ctx->cache_lookup = any ? hook_lookup : NULL;
}

/* Resolves rel and computes its fingerprint; *plan_out (optional) takes
 * the plan, else it is freed. */
static int analyze_fp(em_session *sess, const Spark__Connect__Relation *rel, bool use_cache, uint8_t fp[16],
                      em_plan **plan_out, em_error *err) {
  if (!rel) return em_error_internal(err, "missing relation");
  /* A plan that is kept (a lineage) keeps its spec: names point into it. */
  em_spec *spec = em_malloc(sizeof *spec);
  if (!spec) return em_error_internal(err, "out of memory");
  em_spec_init(spec);
  em_spec_rel *sr = NULL;
  em_plan *plan = NULL;
  int rc = em_proto_to_spec(sess, rel, spec, &sr, err);
  if (!rc) {
    em_analyze_ctx ctx;
    em_session_analyze_ctx(sess, &ctx);
    if (!use_cache) ctx.cache_lookup = NULL;
    ctx.want_fingerprint = true;
    rc = em_analyze(sr, &ctx, &plan, err);
  }
  if (rc) {
    em_spec_release(spec);
    em_free(spec);
    return -1;
  }
  memcpy(fp, plan->fingerprint, 16);
  plan->spec = spec;
  if (plan_out) *plan_out = plan;
  else em_plan_free(plan);
  return 0;
}

int em_session_cache_persist(em_session *sess, const Spark__Connect__Relation *rel,
                             const Spark__Connect__StorageLevel *level, em_error *err) {
  uint8_t fp[16];
  em_plan *plan = NULL;
  if (analyze_fp(sess, rel, true, fp, &plan, err)) return -1;
  em_cache_registry *r = registry(sess);
  if (!r) {
    em_plan_free(plan);
    return em_error_internal(err, "out of memory persisting a DataFrame");
  }
  pthread_mutex_lock(&r->mu);
  int rc = 0;
  /* Spark keeps the first level of an already persisted plan (and warns). */
  if (!find_fp(r, fp)) {
    if (r->np == r->capp) {
      int nc = r->capp ? r->capp * 2 : 8;
      persisted *np = em_realloc(r->p, sizeof *np * (size_t)nc);
      if (np) {
        r->p = np;
        r->capp = nc;
      }
    }
    em_cache_entry *e = NULL;
    if (r->np < r->capp) {
      e = em_cache_entry_new(r->store, plan, level->use_memory || level->use_off_heap, level->use_disk, NULL, err);
      plan = NULL;
    }
    if (!e) {
      rc = -1;
      if (err->cls == EM_ERR_NONE) em_error_internal(err, "out of memory persisting a DataFrame");
    } else {
      persisted *p = &r->p[r->np++];
      memcpy(p->fp, fp, 16);
      p->e = e;
      p->level = *level;
      p->level.base.unknown_fields = NULL;
      p->level.base.n_unknown_fields = 0;
    }
  }
  pthread_mutex_unlock(&r->mu);
  em_plan_free(plan);
  return rc;
}

int em_session_cache_unpersist(em_session *sess, const Spark__Connect__Relation *rel, em_error *err) {
  uint8_t fp[16];
  if (analyze_fp(sess, rel, false, fp, NULL, err)) return -1;
  em_cache_registry *r = sess->cache;
  if (!r) return 0;
  em_cache_entry *gone = NULL;
  pthread_mutex_lock(&r->mu);
  persisted *p = find_fp(r, fp);
  if (p) {
    gone = p->e;
    *p = r->p[--r->np];
  }
  pthread_mutex_unlock(&r->mu);
  em_cache_entry_unref(gone);
  return 0;
}

int em_session_cache_level(em_session *sess, const Spark__Connect__Relation *rel, bool *found,
                           Spark__Connect__StorageLevel *out, em_error *err) {
  uint8_t fp[16];
  *found = false;
  if (analyze_fp(sess, rel, false, fp, NULL, err)) return -1;
  em_cache_registry *r = sess->cache;
  if (!r) return 0;
  pthread_mutex_lock(&r->mu);
  persisted *p = find_fp(r, fp);
  if (p) {
    *out = p->level;
    *found = true;
  }
  pthread_mutex_unlock(&r->mu);
  return 0;
}

int em_session_checkpoint(em_session *sess, const Spark__Connect__CheckpointCommand *cmd, _Atomic bool *cancel,
                          char id_out[37], em_error *err) {
  char *dir = NULL;
  if (!cmd->local) {
    /* Spark's RDD.checkpoint needs SparkContext.setCheckpointDir, which
     * spark.checkpoint.dir sets. */
    dir = em_session_conf_dup(sess, "spark.checkpoint.dir");
    if (!dir || !*dir) {
      em_free(dir);
      return em_error_set(err, EM_ERR_CHECKPOINT_DIR_NOT_SET, NULL);
    }
  }
  em_plan *plan = NULL;
  uint8_t fp[16];
  int rc = analyze_fp(sess, cmd->relation, true, fp, &plan, err);
  em_cache_registry *r = rc ? NULL : registry(sess);
  if (!rc && !r) rc = em_error_internal(err, "out of memory");
  em_cache_entry *e = NULL;
  if (!rc) {
    configure(sess, r);
    bool mem = true, disk = true; /* localCheckpoint's default: MEMORY_AND_DISK */
    if (cmd->local && cmd->_storage_level_case && cmd->storage_level) {
      mem = cmd->storage_level->use_memory || cmd->storage_level->use_off_heap;
      disk = cmd->storage_level->use_disk;
    }
    if (!cmd->local) mem = false, disk = true;
    e = em_cache_entry_new(r->store, plan, mem, disk, dir, err);
    plan = NULL;
    if (!e) rc = -1;
  }
  if (!rc && cmd->eager) {
    em_exec_ctx ctx;
    char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
    em_memtracker mem;
    em_memtracker_init(&mem, NULL, em_session_conf_bytes(sess, "spark.ember.memory.queryBudget", 0));
    char *spill_dir = em_session_spill_dir(sess);
    memset(&ctx, 0, sizeof ctx);
    ctx.cancel = cancel;
    ctx.mem = &mem;
    ctx.spill_dir = spill_dir;
    ctx.eval.timezone = tz;
    ctx.eval.ansi = em_session_conf_bool(sess, "spark.sql.ansi.enabled", true);
    ctx.batch_rows = em_session_conf_int(sess, "spark.sql.execution.arrow.maxRecordsPerBatch", 10000);
    if (ctx.batch_rows <= 0) ctx.batch_rows = 10000;
    rc = em_cache_entry_materialize(e, &ctx, err);
    em_free(spill_dir);
    em_free(tz);
  }
  if (!rc) {
    pthread_mutex_lock(&r->mu);
    if (r->nr == r->capr) {
      int nc = r->capr ? r->capr * 2 : 8;
      remote_rel *nr = em_realloc(r->r, sizeof *nr * (size_t)nc);
      if (nr) {
        r->r = nr;
        r->capr = nc;
      }
    }
    if (r->nr < r->capr) {
      remote_rel *x = &r->r[r->nr++];
      em_uuid4(x->id);
      x->e = e;
      e = NULL;
      memcpy(id_out, x->id, 37);
    } else {
      rc = em_error_internal(err, "out of memory");
    }
    pthread_mutex_unlock(&r->mu);
  }
  em_cache_entry_unref(e);
  em_plan_free(plan);
  em_free(dir);
  return rc;
}

void em_session_checkpoint_remove(em_session *sess, const char *id) {
  em_cache_registry *r = sess->cache;
  if (!r) return;
  em_cache_entry *gone = NULL;
  pthread_mutex_lock(&r->mu);
  remote_rel *x = find_id(r, id);
  if (x) {
    gone = x->e;
    *x = r->r[--r->nr];
  }
  pthread_mutex_unlock(&r->mu);
  em_cache_entry_unref(gone);
}

char *em_session_cache_stats(em_session *sess) {
  em_cache_registry *r = registry(sess);
  if (!r) return NULL;
  em_cache_stats st;
  em_cache_store_stats(r->store, &st);
  pthread_mutex_lock(&r->mu);
  int np = r->np, nr = r->nr;
  pthread_mutex_unlock(&r->mu);
  char buf[512];
  snprintf(buf, sizeof buf,
           "{\"persisted\": %d, \"checkpoints\": %d, \"partsComputed\": %lld, \"scans\": %lld, "
           "\"evictions\": %lld, \"diskWrites\": %lld, \"diskBytes\": %lld, \"memBytes\": %lld}",
           np, nr, (long long)st.parts_computed, (long long)st.scans, (long long)st.evictions,
           (long long)st.disk_writes, (long long)st.disk_bytes, (long long)st.mem_bytes);
  return em_strdup(buf);
}

void em_session_cache_free(em_session *sess) {
  em_cache_registry *r = sess->cache;
  if (!r) return;
  for (int i = 0; i < r->np; i++) em_cache_entry_unref(r->p[i].e);
  for (int i = 0; i < r->nr; i++) em_cache_entry_unref(r->r[i].e);
  em_free(r->p);
  em_free(r->r);
  em_cache_store_release(r->store);
  pthread_mutex_destroy(&r->mu);
  em_free(r);
  sess->cache = NULL;
}
