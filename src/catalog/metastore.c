/*
 * The SQLite metastore behind catalog.h. Lists (partition columns,
 * options, properties) are stored as text: items separated by 0x1E, a key
 * and its value by 0x1F.
 */
#include "catalog.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA_VERSION 1

struct em_catalog {
  pthread_mutex_t mu;
  sqlite3 *db;
  char *warehouse;
  _Atomic uint64_t fn_gen; /* bumped by every function change */
};

static int db_error(em_catalog *cat, em_error *err) {
  return em_error_internal(err, "metastore: %s", sqlite3_errmsg(cat->db));
}

static char *lower_dup(const char *s) {
  char *d = em_strdup(s ? s : "");
  for (char *c = d; c && *c; c++) *c = (char)tolower((unsigned char)*c);
  return d;
}

static int mkdirs(const char *path) {
  char buf[PATH_MAX * 2 + 2];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) && errno != EEXIST) return -1;
      *p = '/';
    }
  return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static const char *const ddl[] = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS databases(name TEXT PRIMARY KEY, comment TEXT, location TEXT, props TEXT)",
    ("CREATE TABLE IF NOT EXISTS tables(db TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, provider TEXT,"
     " location TEXT, schema TEXT, partcols TEXT, options TEXT, props TEXT, comment TEXT, view_text TEXT,"
     " created_ms INTEGER, PRIMARY KEY(db, name))"),
    ("CREATE TABLE IF NOT EXISTS functions(db TEXT NOT NULL, name TEXT NOT NULL, class_name TEXT,"
     " PRIMARY KEY(db, name))"),
    /* Persistent WASM functions: the module's bytes live here, so a function
     * survives the session that uploaded its artifact and restarts. */
    ("CREATE TABLE IF NOT EXISTS wasm_functions(db TEXT NOT NULL, name TEXT NOT NULL, class_name TEXT NOT NULL,"
     " resource TEXT, module BLOB, created_ms INTEGER, PRIMARY KEY(db, name))"),
};

int em_catalog_open(const char *warehouse, em_catalog **out, em_error *err) {
  char abs[PATH_MAX * 2 + 2];
  if (warehouse[0] == '/') {
    snprintf(abs, sizeof abs, "%s", warehouse);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return em_error_internal(err, "getcwd: %s", strerror(errno));
    if (!strncmp(warehouse, "file:", 5)) warehouse += 5;
    snprintf(abs, sizeof abs, "%s/%s", cwd, warehouse);
  }
  size_t l = strlen(abs);
  while (l > 1 && abs[l - 1] == '/') abs[--l] = '\0';
  if (mkdirs(abs)) return em_error_internal(err, "cannot create the warehouse directory %s: %s", abs, strerror(errno));
  em_catalog *cat = em_calloc(1, sizeof *cat);
  if (!cat) return em_error_internal(err, "out of memory");
  pthread_mutex_init(&cat->mu, NULL);
  cat->warehouse = em_strdup(abs);
  char path[PATH_MAX * 2 + 40];
  snprintf(path, sizeof path, "%s/.ember_metastore.sqlite", abs);
  int rc = sqlite3_open_v2(path, &cat->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK) {
    em_error_internal(err, "metastore %s: %s", path, cat->db ? sqlite3_errmsg(cat->db) : "cannot open");
    em_catalog_close(cat);
    return -1;
  }
  sqlite3_busy_timeout(cat->db, 10000);
  rc = sqlite3_exec(cat->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; BEGIN IMMEDIATE", NULL, NULL, NULL);
  for (size_t i = 0; rc == SQLITE_OK && i < EM_ARRAY_LEN(ddl); i++) rc = sqlite3_exec(cat->db, ddl[i], NULL, NULL, NULL);
  char ver[64];
  snprintf(ver, sizeof ver, "INSERT OR IGNORE INTO meta VALUES('schema_version', '%d')", SCHEMA_VERSION);
  if (rc == SQLITE_OK) rc = sqlite3_exec(cat->db, ver, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(cat->db, "INSERT OR IGNORE INTO databases VALUES('default', 'default database', NULL, NULL)",
                      NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_exec(cat->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    db_error(cat, err);
    em_catalog_close(cat);
    return -1;
  }
  /* A newer metastore than this build knows is refused rather than misread. */
  sqlite3_stmt *s = NULL;
  int v = 0;
  if (sqlite3_prepare_v2(cat->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = atoi((const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  if (v > SCHEMA_VERSION) {
    em_error_internal(err, "metastore %s has schema version %d, newer than this server's %d", path, v, SCHEMA_VERSION);
    em_catalog_close(cat);
    return -1;
  }
  cat->fn_gen = 1;
  *out = cat;
  return 0;
}

void em_catalog_close(em_catalog *cat) {
  if (!cat) return;
  if (cat->db) sqlite3_close(cat->db);
  pthread_mutex_destroy(&cat->mu);
  em_free(cat->warehouse);
  em_free(cat);
}

const char *em_catalog_warehouse(const em_catalog *cat) { return cat->warehouse; }

char *em_catalog_table_dir(const em_catalog *cat, const char *db, const char *name) {
  char buf[PATH_MAX * 2];
  char *d = lower_dup(db), *n = lower_dup(name);
  if (!d || !n) {
    em_free(d);
    em_free(n);
    return NULL;
  }
  if (!strcmp(d, "default")) snprintf(buf, sizeof buf, "%s/%s", cat->warehouse, n);
  else snprintf(buf, sizeof buf, "%s/%s.db/%s", cat->warehouse, d, n);
  em_free(d);
  em_free(n);
  return em_strdup(buf);
}

/* ---- lists as text ---- */

static char *join_kv(const em_cat_kv *kv) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  for (int i = 0; i < kv->n; i++) {
    if (i) em_strbuf_putc(&sb, '\x1e');
    em_strbuf_puts(&sb, kv->keys[i]);
    em_strbuf_putc(&sb, '\x1f');
    em_strbuf_puts(&sb, kv->vals[i] ? kv->vals[i] : "");
  }
  char *r = em_strdup(sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return r;
}

static void split_kv(const char *s, em_cat_kv *kv) {
  memset(kv, 0, sizeof *kv);
  if (!s || !*s) return;
  while (*s) {
    const char *end = strchr(s, '\x1e');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    const char *sep = memchr(s, '\x1f', len);
    char *k = em_strndup(s, sep ? (size_t)(sep - s) : len);
    char *v = sep ? em_strndup(sep + 1, len - (size_t)(sep - s) - 1) : em_strdup("");
    em_cat_kv_put(kv, k, v);
    em_free(k);
    em_free(v);
    s += len;
    if (*s) s++;
  }
}

static char *join_list(char *const *xs, int n) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  for (int i = 0; i < n; i++) {
    if (i) em_strbuf_putc(&sb, '\x1e');
    em_strbuf_puts(&sb, xs[i]);
  }
  char *r = em_strdup(sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return r;
}

static void split_list(const char *s, char ***xs, int *n) {
  *xs = NULL;
  *n = 0;
  if (!s || !*s) return;
  int cnt = 1;
  for (const char *c = s; *c; c++) cnt += *c == '\x1e';
  *xs = em_calloc((size_t)cnt + 1, sizeof(char *));
  if (!*xs) return;
  while (*s) {
    const char *end = strchr(s, '\x1e');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    (*xs)[(*n)++] = em_strndup(s, len);
    s += len;
    if (*s) s++;
  }
}

int em_cat_kv_put(em_cat_kv *kv, const char *key, const char *val) {
  for (int i = 0; i < kv->n; i++)
    if (!strcmp(kv->keys[i], key)) {
      em_free(kv->vals[i]);
      kv->vals[i] = em_strdup(val);
      return 0;
    }
  char **nk = em_realloc(kv->keys, sizeof(char *) * (size_t)(kv->n + 1));
  if (!nk) return -1;
  kv->keys = nk;
  char **nv = em_realloc(kv->vals, sizeof(char *) * (size_t)(kv->n + 1));
  if (!nv) return -1;
  kv->vals = nv;
  kv->keys[kv->n] = em_strdup(key);
  kv->vals[kv->n] = em_strdup(val);
  kv->n++;
  return 0;
}

const char *em_cat_kv_get(const em_cat_kv *kv, const char *key) {
  for (int i = 0; i < kv->n; i++)
    if (!strcmp(kv->keys[i], key)) return kv->vals[i];
  return NULL;
}

void em_cat_kv_free(em_cat_kv *kv) {
  for (int i = 0; i < kv->n; i++) {
    em_free(kv->keys[i]);
    em_free(kv->vals[i]);
  }
  em_free(kv->keys);
  em_free(kv->vals);
  memset(kv, 0, sizeof *kv);
}

void em_cat_table_free(em_cat_table *t) {
  em_free(t->db);
  em_free(t->name);
  em_free(t->type);
  em_free(t->provider);
  em_free(t->location);
  em_free(t->schema);
  for (int i = 0; i < t->npartcols; i++) em_free(t->partcols[i]);
  em_free(t->partcols);
  em_cat_kv_free(&t->options);
  em_cat_kv_free(&t->props);
  em_free(t->comment);
  em_free(t->view_text);
  memset(t, 0, sizeof *t);
}

void em_cat_db_free(em_cat_db *d) {
  em_free(d->name);
  em_free(d->comment);
  em_free(d->location);
  em_cat_kv_free(&d->props);
  memset(d, 0, sizeof *d);
}

/* ---- statements ---- */

static void bind_text(sqlite3_stmt *s, int i, const char *v) {
  if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(s, i);
}

static char *col_dup(sqlite3_stmt *s, int i) {
  const unsigned char *t = sqlite3_column_text(s, i);
  return t ? em_strdup((const char *)t) : NULL;
}

/* Runs a one-statement change with text parameters (NULL binds NULL).
 * Returns the number of changed rows, -1 on error. */
static int exec_change(em_catalog *cat, const char *sql, const char *const *args, int nargs, em_error *err) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(cat->db, sql, -1, &s, NULL) != SQLITE_OK) return db_error(cat, err);
  for (int i = 0; i < nargs; i++) bind_text(s, i + 1, args[i]);
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return db_error(cat, err);
  return sqlite3_changes(cat->db);
}

static int begin(em_catalog *cat, em_error *err) {
  pthread_mutex_lock(&cat->mu);
  if (sqlite3_exec(cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
    db_error(cat, err);
    pthread_mutex_unlock(&cat->mu);
    return -1;
  }
  return 0;
}

static int end(em_catalog *cat, int rc, em_error *err) {
  if (rc >= 0 && sqlite3_exec(cat->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = db_error(cat, err);
  if (rc < 0) sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
  pthread_mutex_unlock(&cat->mu);
  return rc;
}

static void quoted(char *buf, size_t cap, const char *name) { snprintf(buf, cap, "`%s`", name); }

bool em_catalog_db_exists(em_catalog *cat, const char *name) {
  em_cat_db d;
  em_error err;
  int rc = em_catalog_get_db(cat, name, &d, &err);
  if (rc == 1) em_cat_db_free(&d);
  return rc == 1;
}

int em_catalog_create_db(em_catalog *cat, const char *name, const char *comment, const char *location,
                         bool if_not_exists, em_error *err) {
  char *n = lower_dup(name);
  if (!n) return em_error_internal(err, "out of memory");
  char *loc = NULL;
  if (location) {
    loc = em_strdup(location);
  } else {
    char buf[PATH_MAX * 2];
    snprintf(buf, sizeof buf, "%s/%s.db", cat->warehouse, n);
    loc = em_strdup(buf);
  }
  int rc = begin(cat, err);
  if (!rc) {
    const char *args[] = {n, comment, loc};
    rc = exec_change(cat, "INSERT OR IGNORE INTO databases VALUES(?, ?, ?, NULL)", args, 3, err);
    if (rc == 0 && !if_not_exists) {
      char q[EM_ERROR_VAL_MAX];
      quoted(q, sizeof q, n);
      rc = em_error_set(err, EM_ERR_SCHEMA_ALREADY_EXISTS, "schemaName", q, NULL);
    }
    rc = end(cat, rc, err);
  }
  if (rc > 0) mkdirs(loc);
  em_free(n);
  em_free(loc);
  return rc < 0 ? -1 : 0;
}

int em_catalog_drop_db(em_catalog *cat, const char *name, bool if_exists, bool cascade, em_error *err) {
  char *n = lower_dup(name);
  if (!n) return em_error_internal(err, "out of memory");
  char q[EM_ERROR_VAL_MAX];
  quoted(q, sizeof q, n);
  int rc = begin(cat, err);
  if (!rc) {
    const char *args[] = {n};
    sqlite3_stmt *s = NULL;
    int ntables = 0;
    if (sqlite3_prepare_v2(cat->db, "SELECT count(*) FROM tables WHERE db=?", -1, &s, NULL) == SQLITE_OK) {
      bind_text(s, 1, n);
      if (sqlite3_step(s) == SQLITE_ROW) ntables = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
    if (ntables && !cascade) {
      rc = em_error_set(err, EM_ERR_SCHEMA_NOT_EMPTY, "schemaName", q, NULL);
    } else {
      if (cascade) rc = exec_change(cat, "DELETE FROM tables WHERE db=?", args, 1, err);
      if (rc >= 0) rc = exec_change(cat, "DELETE FROM databases WHERE name=?", args, 1, err);
      if (rc == 0 && !if_exists) {
        char fq[EM_ERROR_VAL_MAX + 20];
        snprintf(fq, sizeof fq, "`spark_catalog`.%s", q);
        rc = em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", fq, NULL);
      }
    }
    rc = end(cat, rc, err);
  }
  em_free(n);
  return rc < 0 ? -1 : 0;
}

int em_catalog_get_db(em_catalog *cat, const char *name, em_cat_db *out, em_error *err) {
  memset(out, 0, sizeof *out);
  char *n = lower_dup(name);
  if (!n) return em_error_internal(err, "out of memory");
  pthread_mutex_lock(&cat->mu);
  sqlite3_stmt *s = NULL;
  int rc = 0;
  if (sqlite3_prepare_v2(cat->db, "SELECT name, comment, location, props FROM databases WHERE name=?", -1, &s, NULL) !=
      SQLITE_OK) {
    rc = db_error(cat, err);
  } else {
    bind_text(s, 1, n);
    int st = sqlite3_step(s);
    if (st == SQLITE_ROW) {
      out->name = col_dup(s, 0);
      out->comment = col_dup(s, 1);
      out->location = col_dup(s, 2);
      split_kv((const char *)sqlite3_column_text(s, 3), &out->props);
      if (!out->location) {
        /* default lives in the warehouse directory itself. */
        out->location = em_strdup(cat->warehouse);
      }
      rc = 1;
    } else if (st != SQLITE_DONE) {
      rc = db_error(cat, err);
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&cat->mu);
  em_free(n);
  return rc;
}

int em_catalog_list_dbs(em_catalog *cat, char ***names, int *n, em_error *err) {
  *names = NULL;
  *n = 0;
  pthread_mutex_lock(&cat->mu);
  sqlite3_stmt *s = NULL;
  int rc = 0, cap = 0;
  if (sqlite3_prepare_v2(cat->db, "SELECT name FROM databases ORDER BY name", -1, &s, NULL) != SQLITE_OK) {
    rc = db_error(cat, err);
  } else {
    while (sqlite3_step(s) == SQLITE_ROW) {
      if (*n == cap) {
        cap = cap ? cap * 2 : 8;
        char **nn = em_realloc(*names, sizeof(char *) * (size_t)cap);
        if (!nn) break;
        *names = nn;
      }
      (*names)[(*n)++] = col_dup(s, 0);
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&cat->mu);
  return rc;
}

/* ---- tables ---- */

static int write_table(em_catalog *cat, const em_cat_table *t, const char *verb, em_error *err) {
  char *db = lower_dup(t->db), *name = lower_dup(t->name);
  char *parts = join_list(t->partcols, t->npartcols), *opts = join_kv(&t->options), *props = join_kv(&t->props);
  char created[32];
  snprintf(created, sizeof created, "%lld", (long long)t->created_ms);
  const char *args[] = {db,    name,  t->type,    t->provider,   t->location, t->schema,
                        parts, opts,  props,      t->comment,    t->view_text, created};
  char sql[256];
  snprintf(sql, sizeof sql, "%s INTO tables VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", verb);
  int rc = exec_change(cat, sql, args, (int)EM_ARRAY_LEN(args), err);
  em_free(db);
  em_free(name);
  em_free(parts);
  em_free(opts);
  em_free(props);
  return rc;
}

int em_catalog_create_table(em_catalog *cat, const em_cat_table *t, bool replace, em_error *err) {
  em_cat_table old;
  int rc = em_catalog_get_table(cat, t->db, t->name, &old, err);
  if (rc < 0) return -1;
  if (rc == 1) {
    bool is_view = old.type && !strcmp(old.type, "VIEW");
    em_cat_table_free(&old);
    if (!replace || !is_view) {
      char q[EM_ERROR_VAL_MAX];
      char *db = lower_dup(t->db), *name = lower_dup(t->name);
      snprintf(q, sizeof q, "`spark_catalog`.`%s`.`%s`", db, name);
      em_free(db);
      em_free(name);
      return em_error_set(err, EM_ERR_TABLE_OR_VIEW_ALREADY_EXISTS, "relationName", q, NULL);
    }
  }
  if (!em_catalog_db_exists(cat, t->db)) {
    char q[EM_ERROR_VAL_MAX];
    quoted(q, sizeof q, t->db);
    return em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", q, NULL);
  }
  if (begin(cat, err)) return -1;
  rc = write_table(cat, t, "INSERT OR REPLACE", err);
  return end(cat, rc, err) < 0 ? -1 : 0;
}

int em_catalog_update_table(em_catalog *cat, const em_cat_table *t, em_error *err) {
  if (begin(cat, err)) return -1;
  int rc = write_table(cat, t, "INSERT OR REPLACE", err);
  return end(cat, rc, err) < 0 ? -1 : 0;
}

static void read_table(sqlite3_stmt *s, em_cat_table *t) {
  t->db = col_dup(s, 0);
  t->name = col_dup(s, 1);
  t->type = col_dup(s, 2);
  t->provider = col_dup(s, 3);
  t->location = col_dup(s, 4);
  t->schema = col_dup(s, 5);
  split_list((const char *)sqlite3_column_text(s, 6), &t->partcols, &t->npartcols);
  split_kv((const char *)sqlite3_column_text(s, 7), &t->options);
  split_kv((const char *)sqlite3_column_text(s, 8), &t->props);
  t->comment = col_dup(s, 9);
  t->view_text = col_dup(s, 10);
  t->created_ms = sqlite3_column_int64(s, 11);
}

int em_catalog_get_table(em_catalog *cat, const char *db, const char *name, em_cat_table *out, em_error *err) {
  memset(out, 0, sizeof *out);
  char *d = lower_dup(db), *n = lower_dup(name);
  pthread_mutex_lock(&cat->mu);
  sqlite3_stmt *s = NULL;
  int rc = 0;
  if (sqlite3_prepare_v2(cat->db, "SELECT * FROM tables WHERE db=? AND name=?", -1, &s, NULL) != SQLITE_OK) {
    rc = db_error(cat, err);
  } else {
    bind_text(s, 1, d);
    bind_text(s, 2, n);
    int st = sqlite3_step(s);
    if (st == SQLITE_ROW) {
      read_table(s, out);
      rc = 1;
    } else if (st != SQLITE_DONE) {
      rc = db_error(cat, err);
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&cat->mu);
  em_free(d);
  em_free(n);
  return rc;
}

int em_catalog_drop_table(em_catalog *cat, const char *db, const char *name, em_error *err) {
  char *d = lower_dup(db), *n = lower_dup(name);
  int rc = begin(cat, err);
  if (!rc) {
    const char *args[] = {d, n};
    rc = exec_change(cat, "DELETE FROM tables WHERE db=? AND name=?", args, 2, err);
    rc = end(cat, rc, err);
  }
  em_free(d);
  em_free(n);
  return rc < 0 ? -1 : rc > 0;
}

int em_catalog_rename_table(em_catalog *cat, const char *db, const char *from, const char *to, const char *new_location,
                            em_error *err) {
  char *d = lower_dup(db), *f = lower_dup(from), *t = lower_dup(to);
  int rc = begin(cat, err);
  if (!rc) {
    const char *args[] = {t, new_location, d, f};
    rc = exec_change(cat, "UPDATE tables SET name=?, location=coalesce(?, location) WHERE db=? AND name=?", args, 4,
                     err);
    rc = end(cat, rc, err);
  }
  em_free(d);
  em_free(f);
  em_free(t);
  return rc < 0 ? -1 : 0;
}

int em_catalog_list_tables(em_catalog *cat, const char *db, em_cat_table **out, int *n, em_error *err) {
  *out = NULL;
  *n = 0;
  char *d = lower_dup(db);
  pthread_mutex_lock(&cat->mu);
  sqlite3_stmt *s = NULL;
  int rc = 0, cap = 0;
  if (sqlite3_prepare_v2(cat->db, "SELECT * FROM tables WHERE db=? ORDER BY name", -1, &s, NULL) != SQLITE_OK) {
    rc = db_error(cat, err);
  } else {
    bind_text(s, 1, d);
    while (sqlite3_step(s) == SQLITE_ROW) {
      if (*n == cap) {
        cap = cap ? cap * 2 : 8;
        em_cat_table *nt = em_realloc(*out, sizeof *nt * (size_t)cap);
        if (!nt) break;
        *out = nt;
      }
      memset(&(*out)[*n], 0, sizeof **out);
      read_table(s, &(*out)[(*n)++]);
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&cat->mu);
  em_free(d);
  return rc;
}

/* ---- persistent functions ---- */

uint64_t em_catalog_function_gen(em_catalog *cat) { return cat->fn_gen; }

void em_cat_function_free(em_cat_function *f) {
  em_free(f->db);
  em_free(f->name);
  em_free(f->class_name);
  em_free(f->resource);
  em_free(f->module);
  memset(f, 0, sizeof *f);
}

int em_catalog_create_function(em_catalog *cat, const em_cat_function *f, bool replace, em_error *err) {
  if (!em_catalog_db_exists(cat, f->db)) {
    char q[EM_ERROR_VAL_MAX];
    snprintf(q, sizeof q, "`spark_catalog`.`%s`", f->db);
    return em_error_set(err, EM_ERR_SCHEMA_NOT_FOUND, "schemaName", q, NULL);
  }
  char *d = lower_dup(f->db), *n = lower_dup(f->name);
  int rc = begin(cat, err);
  if (!rc) {
    sqlite3_stmt *s = NULL;
    const char *sql = replace ? "INSERT OR REPLACE INTO wasm_functions VALUES(?, ?, ?, ?, ?, ?)"
                              : "INSERT OR IGNORE INTO wasm_functions VALUES(?, ?, ?, ?, ?, ?)";
    if (sqlite3_prepare_v2(cat->db, sql, -1, &s, NULL) != SQLITE_OK) {
      rc = db_error(cat, err);
    } else {
      bind_text(s, 1, d);
      bind_text(s, 2, n);
      bind_text(s, 3, f->class_name);
      bind_text(s, 4, f->resource);
      if (f->module) sqlite3_bind_blob64(s, 5, f->module, f->module_len, SQLITE_TRANSIENT);
      else sqlite3_bind_null(s, 5);
      sqlite3_bind_int64(s, 6, f->created_ms);
      if (sqlite3_step(s) != SQLITE_DONE) rc = db_error(cat, err);
      else if (sqlite3_changes(cat->db) == 0) {
        char q[EM_ERROR_VAL_MAX];
        snprintf(q, sizeof q, "`%s`.`%s`", d, n);
        rc = em_error_set(err, EM_ERR_ROUTINE_ALREADY_EXISTS, "newRoutineType", "routine", "routineName", q,
                          "existingRoutineType", "routine", NULL);
      }
    }
    sqlite3_finalize(s);
    rc = end(cat, rc, err);
    if (rc >= 0) cat->fn_gen++;
  }
  em_free(d);
  em_free(n);
  return rc < 0 ? -1 : 0;
}

int em_catalog_drop_function(em_catalog *cat, const char *db, const char *name, em_error *err) {
  char *d = lower_dup(db), *n = lower_dup(name);
  int rc = begin(cat, err);
  if (!rc) {
    const char *args[] = {d, n};
    rc = exec_change(cat, "DELETE FROM wasm_functions WHERE db=? AND name=?", args, 2, err);
    rc = end(cat, rc, err);
    if (rc > 0) cat->fn_gen++;
  }
  em_free(d);
  em_free(n);
  return rc < 0 ? -1 : rc > 0;
}

int em_catalog_list_functions(em_catalog *cat, const char *db, bool with_module, em_cat_function **out, int *n,
                              em_error *err) {
  *out = NULL;
  *n = 0;
  char *d = lower_dup(db);
  pthread_mutex_lock(&cat->mu);
  sqlite3_stmt *s = NULL;
  int rc = 0, cap = 0;
  if (sqlite3_prepare_v2(cat->db, "SELECT * FROM wasm_functions WHERE db=? ORDER BY name", -1, &s, NULL) != SQLITE_OK) {
    rc = db_error(cat, err);
  } else {
    bind_text(s, 1, d);
    int st;
    while (!rc && (st = sqlite3_step(s)) == SQLITE_ROW) {
      if (*n == cap) {
        int nc = cap ? cap * 2 : 8;
        em_cat_function *nf = em_realloc(*out, sizeof *nf * (size_t)nc);
        if (!nf) {
          rc = em_error_internal(err, "out of memory");
          break;
        }
        *out = nf;
        cap = nc;
      }
      em_cat_function *f = &(*out)[*n];
      memset(f, 0, sizeof *f);
      f->db = col_dup(s, 0);
      f->name = col_dup(s, 1);
      f->class_name = col_dup(s, 2);
      f->resource = col_dup(s, 3);
      if (with_module && sqlite3_column_type(s, 4) == SQLITE_BLOB) {
        int len = sqlite3_column_bytes(s, 4);
        f->module = em_malloc((size_t)len + 1);
        if (f->module) {
          memcpy(f->module, sqlite3_column_blob(s, 4), (size_t)len);
          f->module_len = (size_t)len;
        }
      }
      f->created_ms = sqlite3_column_int64(s, 5);
      (*n)++;
    }
    if (!rc && st != SQLITE_DONE) rc = db_error(cat, err);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&cat->mu);
  em_free(d);
  if (rc) {
    for (int i = 0; i < *n; i++) em_cat_function_free(&(*out)[i]);
    em_free(*out);
    *out = NULL;
    *n = 0;
  }
  return rc;
}
