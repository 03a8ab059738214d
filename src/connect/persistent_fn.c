/*
 * Persistent functions (CREATE FUNCTION without TEMPORARY): the catalog
 * keeps each function's class string and its WASM module's bytes, so a
 * function outlives the session whose artifact defined it, and restarts.
 *
 * Each session holds the persistent functions of its current database in
 * a second registry (sess->pudfs), the fallback of its own registry, so a
 * temporary function shadows a persistent one of the same name (Spark's
 * resolution order). Before each analysis the session compares the
 * catalog's function generation and its current database with what it
 * loaded, and reloads only when either changed: new or changed functions
 * are registered (modules compile once per server), dropped ones are
 * unbound. Reloads are serialized by one mutex (they are rare).
 */
#include "connect_int.h"

#include "../catalog/catalog.h"
#include "../wasm/wasm.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;

/* The catalog if it is open or its metastore exists (a server that never
 * used the catalog does not create a warehouse just to look). */
static em_catalog *catalog_if_any(em_session *sess) {
  em_connect_state *s = sess->svc;
  pthread_mutex_lock(&s->mu);
  em_catalog *c = s->catalog;
  pthread_mutex_unlock(&s->mu);
  if (c) return c;
  char *wh = em_session_conf_dup(sess, "spark.sql.warehouse.dir");
  const char *w = wh ? wh : "spark-warehouse";
  if (!strncmp(w, "file:", 5)) w += 5;
  char path[4200];
  snprintf(path, sizeof path, "%s/.ember_metastore.sqlite", w);
  struct stat stt;
  bool exists = stat(path, &stt) == 0;
  em_free(wh);
  if (!exists) return NULL;
  em_error err;
  return em_connect_catalog(sess, &err);
}

/* The registry label of a stored function: `wasm:<file>#<export>`. */
void em_persistent_fn_label(const em_cat_function *f, char *buf, size_t cap);
void em_persistent_fn_label(const em_cat_function *f, char *buf, size_t cap) {
  if (!strncmp(f->class_name, "wasm:", 5) || !f->resource) {
    snprintf(buf, cap, "%s", f->class_name);
    return;
  }
  const char *r = f->resource;
  if (!strncmp(r, "file:", 5)) r += 5;
  snprintf(buf, cap, "wasm:%s#%s", r, f->class_name);
}

/* Binds f in r from its stored module. */
int em_persistent_fn_bind(em_udf_registry *r, const em_cat_function *f, em_error *err);
int em_persistent_fn_bind(em_udf_registry *r, const em_cat_function *f, em_error *err) {
  char label[1200];
  em_persistent_fn_label(f, label, sizeof label);
  const char *hash = strrchr(label, '#');
  if (!f->module || !hash)
    return em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", f->class_name, "functionName", f->name,
                        NULL);
  return em_udf_register_wasm_ex(r, f->name, label, f->module, f->module_len, hash + 1, NULL, true, false, err);
}

void em_session_sync_functions(em_session *sess) {
  em_catalog *cat = catalog_if_any(sess);
  if (!cat) return;
  uint64_t gen = em_catalog_function_gen(cat);
  char *db = em_session_current_db(sess);
  if (!db) return;
  pthread_mutex_lock(&sync_mu);
  if (sess->pfn_gen == gen && sess->pfn_db && !strcmp(sess->pfn_db, db)) {
    pthread_mutex_unlock(&sync_mu);
    em_free(db);
    return;
  }
  em_cat_function *fs = NULL;
  int n = 0;
  em_error err;
  if (em_catalog_list_functions(cat, db, true, &fs, &n, &err)) {
    pthread_mutex_unlock(&sync_mu);
    em_free(db);
    return;
  }
  if (!sess->pudfs) sess->pudfs = em_udf_registry_new();
  em_udf_registry *p = sess->pudfs;
  if (p) {
    /* Unbind what is gone or changed. */
    for (int i = 0; em_udf_name_at(p, i);) {
      const char *name = em_udf_name_at(p, i);
      const char *label = NULL, *ex = NULL;
      em_udf_binding(p, name, &label, &ex);
      bool keep = false;
      for (int j = 0; j < n && !keep; j++) {
        char want[1200];
        em_persistent_fn_label(&fs[j], want, sizeof want);
        keep = em_strcaseeq(fs[j].name, name) && label && !strcmp(label, want);
      }
      if (keep) i++;
      else em_udf_unregister(p, name);
    }
    for (int j = 0; j < n; j++)
      if (!em_udf_is_own(p, fs[j].name)) em_persistent_fn_bind(p, &fs[j], &err);
    em_udf_registry *own = em_session_udfs(sess, true);
    if (own) em_udf_registry_set_fallback(own, p);
    sess->pfn_gen = gen;
    em_free(sess->pfn_db);
    sess->pfn_db = db;
    db = NULL;
  }
  pthread_mutex_unlock(&sync_mu);
  for (int i = 0; i < n; i++) em_cat_function_free(&fs[i]);
  em_free(fs);
  em_free(db);
}
