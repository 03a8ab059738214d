/*
 * The storage levels a session's DataFrames were persisted with
 * (AnalyzePlan Persist / Unpersist / GetStorageLevel).
 *
 * An entry is keyed by the serialized Relation the client sent: PySpark
 * sends the same bytes for every call on one DataFrame object, so
 * df.persist(); df.storageLevel; df.unpersist() behave as in Spark. Spark
 * keys its cache by the analyzed plan, so an equal plan built separately
 * also reports the level there; here it does not. Entries go with the
 * session. Data is not materialized yet: a persisted DataFrame is
 * recomputed from its plan when used (results are the same).
 */
#include "connect_int.h"

#include <string.h>

typedef struct cache_entry {
  uint8_t *key;
  size_t len;
  Spark__Connect__StorageLevel level;
} cache_entry;

struct em_cache_registry {
  cache_entry *e;
  int n, cap;
};

static cache_entry *find(em_cache_registry *r, const uint8_t *key, size_t len) {
  for (int i = 0; r && i < r->n; i++)
    if (r->e[i].len == len && memcmp(r->e[i].key, key, len) == 0) return &r->e[i];
  return NULL;
}

int em_session_cache_persist(em_session *sess, const uint8_t *key, size_t len,
                             const Spark__Connect__StorageLevel *level, em_error *err) {
  pthread_mutex_lock(&sess->mu);
  int rc = 0;
  cache_entry *e = find(sess->cache, key, len);
  if (!e) {
    em_cache_registry *r = sess->cache;
    if (!r && !(r = sess->cache = em_calloc(1, sizeof *r))) rc = -1;
    if (!rc && r->n == r->cap) {
      int nc = r->cap ? r->cap * 2 : 8;
      cache_entry *ne = em_realloc(r->e, sizeof *ne * (size_t)nc);
      if (ne) {
        r->e = ne;
        r->cap = nc;
      } else {
        rc = -1;
      }
    }
    uint8_t *k = rc ? NULL : em_malloc(len ? len : 1);
    if (!rc && !k) rc = -1;
    if (!rc) {
      memcpy(k, key, len);
      e = &r->e[r->n++];
      e->key = k;
      e->len = len;
      e->level = *level;
      e->level.base.unknown_fields = NULL;
      e->level.base.n_unknown_fields = 0;
    }
  }
  /* Spark keeps the first level of an already persisted plan (and warns). */
  pthread_mutex_unlock(&sess->mu);
  return rc ? em_error_internal(err, "out of memory persisting a DataFrame") : 0;
}

void em_session_cache_unpersist(em_session *sess, const uint8_t *key, size_t len) {
  pthread_mutex_lock(&sess->mu);
  em_cache_registry *r = sess->cache;
  cache_entry *e = find(r, key, len);
  if (e) {
    em_free(e->key);
    *e = r->e[--r->n];
  }
  pthread_mutex_unlock(&sess->mu);
}

bool em_session_cache_level(em_session *sess, const uint8_t *key, size_t len, Spark__Connect__StorageLevel *out) {
  pthread_mutex_lock(&sess->mu);
  cache_entry *e = find(sess->cache, key, len);
  if (e) *out = e->level;
  pthread_mutex_unlock(&sess->mu);
  return e != NULL;
}

void em_session_cache_free(em_session *sess) {
  em_cache_registry *r = sess->cache;
  if (!r) return;
  for (int i = 0; i < r->n; i++) em_free(r->e[i].key);
  em_free(r->e);
  em_free(r);
  sess->cache = NULL;
}
