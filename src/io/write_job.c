/*
 * Write jobs: staging, partitioned task output and the atomic commit.
 *
 * A job writes every file under <target>/_temporary/<job>/ (hidden from
 * readers by its "_" prefix), laid out as in the target: partition
 * directories col=value/ (Spark's escaping, __HIVE_DEFAULT_PARTITION__ for
 * null and empty values), files part-<task:05d>-<job>-c000<ext> (".c000"
 * in partition directories, as Spark names them). While it
 * runs the job holds an flock on <target>/_temporary/<job>.lock, so a
 * later job can tell a crashed job's leftovers from a live one's.
 *
 * Commit is a small journal, <target>/_temporary/<job>.commit, replaced
 * atomically (write + fsync + rename) at each phase:
 *   append:      "append"      move every staged file into place
 *   overwrite:   "overwrite-1" move the old entries of the target aside
 *                              into _temporary/<job>.old/
 *                "overwrite-2" move the staged entries into the target,
 *                              then delete the old ones
 * then _SUCCESS is written and the journal and staging removed. Recovery
 * (em_write_recover, at the start of every job and before reads) looks at
 * each dead job: without a journal its staging is deleted (the target still
 * holds exactly the old data); with one, the recorded phase is finished
 * (roll forward), so the target holds exactly the new data. Every step of
 * a phase is idempotent (a rename either happened or did not), which is
 * what makes rolling forward after a crash at any point correct.
 */
#include "write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io_int.h"

struct em_write_job {
  char *target, *tmp, *staging, *uuid;
  const em_format *fmt;
  const em_options *opts;
  em_type *data_schema;
  int *part_idx; /* partition columns' indexes in the input schema */
  char **part_names;
  int npart;
  int *data_idx; /* data columns' indexes in the input schema */
  int ndata;
  char *tz;
  const char *ext;
  em_write_mode mode;
  int lock_fd;
  bool created_target;
  _Atomic bool part0_written;
  const em_tz *ptz;
};

typedef struct out_file {
  char *key; /* partition directory ("" without partition columns) */
  void *writer;
} out_file;

struct em_write_task {
  em_write_job *job;
  int part;
  out_file *files;
  int nfiles, cap;
  int last; /* index of the last file used */
};

/* ---- file system helpers ---- */

static int sys_error(em_error *err, const char *what, const char *path) {
  return em_error_internal(err, "%s %s: %s", what, path, strerror(errno));
}

static char *path_join(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *p = em_malloc(na + nb + 2);
  if (!p) return NULL;
  memcpy(p, a, na);
  size_t k = na;
  if (na && a[na - 1] != '/' && nb) p[k++] = '/';
  memcpy(p + k, b, nb + 1);
  return p;
}

static int mkdir_p(const char *path, em_error *err) {
  char *p = em_strdup(path);
  if (!p) return em_error_internal(err, "out of memory");
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(p, 0777) && errno != EEXIST) {
      int rc = sys_error(err, "cannot create directory", p);
      em_free(p);
      return rc;
    }
    *s = '/';
  }
  int rc = 0;
  if (mkdir(p, 0777) && errno != EEXIST) rc = sys_error(err, "cannot create directory", p);
  em_free(p);
  return rc;
}

static void rm_rf(const char *path) {
  struct stat st;
  if (lstat(path, &st)) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *c = path_join(path, e->d_name);
        if (c) rm_rf(c);
        em_free(c);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

static void fsync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

static bool exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Test hook: EMBER_TEST_COMMIT_DELAY_MS pauses between commit steps. */
static void test_delay(void) {
  const char *d = getenv("EMBER_TEST_COMMIT_DELAY_MS");
  if (!d) return;
  long ms = atol(d);
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  if (ms > 0) nanosleep(&ts, NULL);
}

/* Replaces the journal of a job atomically. */
static int write_journal(const char *tmp, const char *uuid, const char *phase, em_error *err) {
  char name[128];
  snprintf(name, sizeof name, "%s.commit.new", uuid);
  char *p = path_join(tmp, name);
  snprintf(name, sizeof name, "%s.commit", uuid);
  char *q = path_join(tmp, name);
  int rc = 0;
  if (!p || !q) rc = em_error_internal(err, "out of memory");
  int fd = rc ? -1 : open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (!rc && fd < 0) rc = sys_error(err, "cannot write", p);
  if (!rc) {
    size_t n = strlen(phase);
    if (write(fd, phase, n) != (ssize_t)n || fsync(fd)) rc = sys_error(err, "cannot write", p);
  }
  if (fd >= 0) close(fd);
  if (!rc && rename(p, q)) rc = sys_error(err, "cannot rename", p);
  if (!rc) fsync_dir(tmp);
  em_free(p);
  em_free(q);
  return rc;
}

static char *read_journal(const char *tmp, const char *uuid) {
  char name[128];
  snprintf(name, sizeof name, "%s.commit", uuid);
  char *p = path_join(tmp, name);
  if (!p) return NULL;
  FILE *f = fopen(p, "rb");
  em_free(p);
  if (!f) return NULL;
  char buf[64] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return em_strdup(buf);
}

/* Moves every file under src/rel into dst/rel (directories merged). */
static int move_tree(const char *src, const char *dst, em_error *err) {
  DIR *d = opendir(src);
  if (!d) return errno == ENOENT ? 0 : sys_error(err, "cannot list", src);
  int rc = 0;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *s = path_join(src, e->d_name), *t = path_join(dst, e->d_name);
    if (!s || !t) rc = em_error_internal(err, "out of memory");
    struct stat st;
    if (!rc && lstat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
      rc = mkdir_p(t, err);
      if (!rc) rc = move_tree(s, t, err);
      if (!rc) rmdir(s);
    } else if (!rc) {
      if (rename(s, t)) rc = sys_error(err, "cannot move", s);
      test_delay();
    }
    em_free(s);
    em_free(t);
  }
  closedir(d);
  if (!rc) fsync_dir(dst);
  return rc;
}

/* Moves the top-level entries of src into dst, except `skip`. */
static int move_entries(const char *src, const char *dst, const char *skip, em_error *err) {
  DIR *d = opendir(src);
  if (!d) return errno == ENOENT ? 0 : sys_error(err, "cannot list", src);
  int rc = 0;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (skip && !strcmp(e->d_name, skip)) continue;
    char *s = path_join(src, e->d_name), *t = path_join(dst, e->d_name);
    if (!s || !t) rc = em_error_internal(err, "out of memory");
    if (!rc && exists(t)) rm_rf(t); /* a partial earlier attempt (cannot happen with renames, kept safe) */
    if (!rc && rename(s, t)) rc = sys_error(err, "cannot move", s);
    test_delay();
    em_free(s);
    em_free(t);
  }
  closedir(d);
  if (!rc) {
    fsync_dir(src);
    fsync_dir(dst);
  }
  return rc;
}

static int write_success(const char *target, em_error *err) {
  char *p = path_join(target, "_SUCCESS");
  if (!p) return em_error_internal(err, "out of memory");
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  int rc = fd < 0 ? sys_error(err, "cannot write", p) : 0;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  em_free(p);
  fsync_dir(target);
  return rc;
}

/* Finishes (or starts) the commit of job `uuid` from its journal phase. */
static int finish_commit(const char *target, const char *tmp, const char *uuid, const char *phase, em_error *err) {
  char name[128];
  snprintf(name, sizeof name, "%s", uuid);
  char *staging = path_join(tmp, name);
  snprintf(name, sizeof name, "%s.old", uuid);
  char *old = path_join(tmp, name);
  int rc = (!staging || !old) ? em_error_internal(err, "out of memory") : 0;
  if (!rc && strcmp(phase, "append") == 0) {
    rc = move_tree(staging, target, err);
  } else if (!rc) {
    if (strcmp(phase, "overwrite-1") == 0) {
      rc = mkdir_p(old, err);
      if (!rc) rc = move_entries(target, old, "_temporary", err);
      if (!rc) rc = write_journal(tmp, uuid, "overwrite-2", err);
    }
    if (!rc) rc = move_entries(staging, target, NULL, err);
    if (!rc) rm_rf(old);
  }
  if (!rc) rc = write_success(target, err);
  if (!rc) {
    rm_rf(staging);
    snprintf(name, sizeof name, "%s.commit", uuid);
    char *j = path_join(tmp, name);
    if (j) unlink(j);
    em_free(j);
    fsync_dir(tmp);
  }
  em_free(staging);
  em_free(old);
  return rc;
}

int em_write_recover(const char *path, em_error *err) {
  char *tmp = path_join(path, "_temporary");
  if (!tmp) return em_error_internal(err, "out of memory");
  DIR *d = opendir(tmp);
  if (!d) {
    em_free(tmp);
    return 0;
  }
  int rc = 0;
  struct dirent *e;
  /* Collect job ids first: recovery changes the directory. */
  char **ids = NULL;
  int nids = 0, cap = 0;
  while ((e = readdir(d))) {
    const char *n = e->d_name;
    size_t len = strlen(n);
    if (len != 36 || !em_is_uuid(n)) continue;
    if (nids == cap) {
      cap = cap ? cap * 2 : 8;
      char **ni = em_realloc(ids, (size_t)cap * sizeof *ni);
      if (!ni) break;
      ids = ni;
    }
    ids[nids++] = em_strdup(n);
  }
  closedir(d);
  for (int i = 0; i < nids; i++) {
    if (!ids[i]) continue;
    char name[128];
    snprintf(name, sizeof name, "%s.lock", ids[i]);
    char *lock = path_join(tmp, name);
    int fd = lock ? open(lock, O_RDWR | O_CREAT, 0666) : -1;
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
      char *phase = read_journal(tmp, ids[i]);
      if (phase) {
        if (!rc) rc = finish_commit(path, tmp, ids[i], phase, err);
      } else {
        char *st = path_join(tmp, ids[i]);
        snprintf(name, sizeof name, "%s.old", ids[i]);
        char *old = path_join(tmp, name);
        if (st) rm_rf(st);
        if (old) rm_rf(old);
        em_free(st);
        em_free(old);
      }
      em_free(phase);
      unlink(lock);
    }
    if (fd >= 0) close(fd);
    em_free(lock);
    em_free(ids[i]);
  }
  em_free(ids);
  rmdir(tmp); /* only when empty */
  em_free(tmp);
  return rc;
}

/* ---- job ---- */

static void job_free(em_write_job *j) {
  if (!j) return;
  if (j->lock_fd >= 0) close(j->lock_fd);
  em_free(j->target);
  em_free(j->tmp);
  em_free(j->staging);
  em_free(j->uuid);
  if (j->data_schema) em_type_unref(j->data_schema);
  em_free(j->part_idx);
  for (int i = 0; j->part_names && i < j->npart; i++) em_free(j->part_names[i]);
  em_free(j->part_names);
  em_free(j->data_idx);
  em_free(j->tz);
  em_free(j);
}

int em_write_job_begin(const char *path, const em_format *fmt, em_write_mode mode, const em_options *o,
                       const em_type *schema, const char *const *pcols, int npcols, const char *session_tz,
                       em_write_job **out, em_error *err) {
  *out = NULL;
  if (!fmt->write_open)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "writing this format", NULL);
  if (em_write_recover(path, err)) return -1;
  bool there = exists(path);
  if (there && mode == EM_WRITE_IGNORE) return 0;
  if (there && mode == EM_WRITE_ERROR_IF_EXISTS) {
    char qp[600];
    snprintf(qp, sizeof qp, "file:%s", path);
    return em_error_set(err, EM_ERR_PATH_ALREADY_EXISTS, "outputPath", qp, NULL);
  }
  em_write_job *j = em_calloc(1, sizeof *j);
  if (!j) return em_error_internal(err, "out of memory");
  j->lock_fd = -1;
  j->fmt = fmt;
  j->opts = o;
  j->mode = mode;
  int n = schema->u.st.nfields;
  j->part_idx = em_calloc((size_t)npcols + 1, sizeof *j->part_idx);
  j->part_names = em_calloc((size_t)npcols + 1, sizeof *j->part_names);
  j->data_idx = em_calloc((size_t)n + 1, sizeof *j->data_idx);
  j->target = em_strdup(path);
  j->tz = em_strdup(session_tz ? session_tz : "UTC");
  char uuid[37];
  em_uuid4(uuid);
  j->uuid = em_strdup(uuid);
  if (!j->part_idx || !j->part_names || !j->data_idx || !j->target || !j->tz || !j->uuid) goto oom;
  j->ptz = em_tz_get(j->tz, err);
  if (!j->ptz) goto fail;
  for (int i = 0; i < npcols; i++) {
    int f = -1;
    for (int k = 0; k < n && f < 0; k++)
      if (strcasecmp(schema->u.st.fields[k].name, pcols[i]) == 0) f = k;
    if (f < 0) {
      em_strbuf sc;
      em_strbuf_init(&sc);
      em_type_simple_string(schema, &sc);
      em_error_set(err, EM_ERR_LEGACY_PARTITION_COLUMN_NOT_FOUND, "col", pcols[i], "schemaCatalog",
                   sc.data ? sc.data : "", NULL);
      em_strbuf_free(&sc);
      goto fail;
    }
    j->part_idx[j->npart] = f;
    if (!(j->part_names[j->npart++] = em_strdup(schema->u.st.fields[f].name))) goto oom;
  }
  for (int k = 0; k < n; k++) {
    bool is_part = false;
    for (int i = 0; i < j->npart; i++) is_part |= j->part_idx[i] == k;
    if (!is_part) j->data_idx[j->ndata++] = k;
  }
  if (j->ndata == 0 && j->npart > 0) {
    em_error_set(err, EM_ERR_ALL_PARTITION_COLUMNS_NOT_ALLOWED, NULL);
    goto fail;
  }
  j->data_schema = em_type_struct_new(j->ndata);
  if (!j->data_schema) goto oom;
  for (int k = 0; k < j->ndata; k++) {
    const em_field *f = &schema->u.st.fields[j->data_idx[k]];
    if (em_type_struct_set(j->data_schema, k, f->name, em_type_ref(f->type), f->nullable, f->metadata)) goto oom;
  }
  if (fmt->write_check && fmt->write_check(j->data_schema, o, err)) goto fail;
  j->ext = fmt->extension(o, err);
  if (!j->ext) goto fail;
  if (!there) {
    if (mkdir_p(path, err)) goto fail;
    j->created_target = true;
  }
  j->tmp = path_join(path, "_temporary");
  j->staging = j->tmp ? path_join(j->tmp, uuid) : NULL;
  if (!j->tmp || !j->staging) goto oom;
  if (mkdir_p(j->staging, err)) goto fail;
  char name[128];
  snprintf(name, sizeof name, "%s.lock", uuid);
  char *lock = path_join(j->tmp, name);
  if (!lock) goto oom;
  j->lock_fd = open(lock, O_RDWR | O_CREAT, 0666);
  if (j->lock_fd < 0 || flock(j->lock_fd, LOCK_EX)) {
    sys_error(err, "cannot lock", lock);
    em_free(lock);
    goto fail;
  }
  em_free(lock);
  *out = j;
  return 0;
oom:
  em_error_internal(err, "out of memory");
fail:
  if (j->staging) rm_rf(j->staging);
  if (j->tmp) rmdir(j->tmp);
  if (j->created_target) rmdir(j->target);
  job_free(j);
  return -1;
}

/* Spark's ExternalCatalogUtils.escapePathName. */
static void escape_path(const char *s, size_t n, em_strbuf *sb) {
  static const char special[] = "\"#%'*/:=?\\\x7f{[]^";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 1 && c < 0x20) || (c && strchr(special, c))) em_strbuf_printf(sb, "%%%02X", c);
    else em_strbuf_putc(sb, (char)c);
  }
}

static int remove_lock_and_staging(em_write_job *j) {
  char name[128];
  snprintf(name, sizeof name, "%s.lock", j->uuid);
  char *lock = path_join(j->tmp, name);
  if (lock) unlink(lock);
  em_free(lock);
  return 0;
}

void em_write_job_abort(em_write_job *j) {
  if (!j) return;
  rm_rf(j->staging);
  remove_lock_and_staging(j);
  rmdir(j->tmp);
  if (j->created_target) rmdir(j->target);
  job_free(j);
}

static int open_file(em_write_task *t, const char *key, em_error *err);

int em_write_job_commit(em_write_job *j, em_error *err) {
  int rc = 0;
  if (j->npart == 0 && !atomic_load(&j->part0_written)) {
    /* Spark writes partition 0's file even when it is empty, so the
     * output has a file (and a schema, for formats that carry one). */
    em_write_task *t = NULL;
    rc = em_write_task_open(j, 0, &t, err);
    if (!rc) {
      int orc = open_file(t, "", err);
      em_error e2;
      int crc = em_write_task_close(t, !orc, orc ? &e2 : err);
      rc = orc ? orc : crc;
    }
  }
  if (!rc) {
    const char *phase = j->mode == EM_WRITE_OVERWRITE ? "overwrite-1" : "append";
    test_delay();
    rc = write_journal(j->tmp, j->uuid, phase, err);
    if (!rc) rc = finish_commit(j->target, j->tmp, j->uuid, phase, err);
  }
  if (rc) {
    /* A failed commit is finished by the next recovery if its journal was
     * written, else the staging goes. */
    char *ph = read_journal(j->tmp, j->uuid);
    if (!ph) rm_rf(j->staging);
    em_free(ph);
  }
  remove_lock_and_staging(j);
  rmdir(j->tmp);
  job_free(j);
  return rc;
}

/* ---- tasks ---- */

int em_write_task_open(em_write_job *job, int part, em_write_task **out, em_error *err) {
  em_write_task *t = em_calloc(1, sizeof *t);
  if (!t) return em_error_internal(err, "out of memory");
  t->job = job;
  t->part = part;
  t->last = -1;
  *out = t;
  return 0;
}

static int open_file(em_write_task *t, const char *key, em_error *err) {
  em_write_job *j = t->job;
  if (t->nfiles == t->cap) {
    int ncap = t->cap ? t->cap * 2 : 4;
    out_file *nf = em_realloc(t->files, (size_t)ncap * sizeof *nf);
    if (!nf) return em_error_internal(err, "out of memory");
    t->files = nf;
    t->cap = ncap;
  }
  em_strbuf p;
  em_strbuf_init(&p);
  em_strbuf_puts(&p, j->staging);
  if (*key) em_strbuf_printf(&p, "/%s", key);
  if (p.oom) return em_error_internal(err, "out of memory");
  if (*key && mkdir_p(p.data, err)) {
    em_strbuf_free(&p);
    return -1;
  }
  /* Spark names files of partitioned writes part-N-<job>.c000<ext>. */
  em_strbuf_printf(&p, "/part-%05d-%s%cc000%s", t->part, j->uuid, j->npart ? '.' : '-', j->ext);
  out_file *f = &t->files[t->nfiles];
  f->key = em_strdup(key);
  f->writer = NULL;
  int rc = (!f->key || p.oom) ? em_error_internal(err, "out of memory") : 0;
  if (!rc) rc = j->fmt->write_open(p.data, j->data_schema, j->opts, j->tz, &f->writer, err);
  em_strbuf_free(&p);
  if (rc) {
    em_free(f->key);
    return -1;
  }
  if (t->part == 0 && !*key) atomic_store(&j->part0_written, true);
  t->last = t->nfiles++;
  return 0;
}

/* The partition directory of row r ("a=1/b=x"). */
static int row_key(em_write_task *t, const em_batch *b, int64_t r, em_strbuf *key, em_error *err) {
  em_write_job *j = t->job;
  em_strbuf_reset(key);
  em_strbuf v;
  em_strbuf_init(&v);
  int rc = 0;
  for (int i = 0; !rc && i < j->npart; i++) {
    if (i) em_strbuf_putc(key, '/');
    escape_path(j->part_names[i], strlen(j->part_names[i]), key);
    em_strbuf_putc(key, '=');
    const em_vec *c = b->cols[j->part_idx[i]];
    em_strbuf_reset(&v);
    if (!em_vec_is_null(c, r)) {
      em_format_opts fo = {.tz = j->ptz};
      rc = em_format_value(c, r, &fo, &v, err);
    }
    if (v.len == 0) em_strbuf_puts(key, "__HIVE_DEFAULT_PARTITION__");
    else escape_path(v.data, v.len, key);
  }
  em_strbuf_free(&v);
  if (!rc && key->oom) rc = em_error_internal(err, "out of memory");
  return rc;
}

static int find_file(em_write_task *t, const char *key, em_error *err) {
  if (t->last >= 0 && strcmp(t->files[t->last].key, key) == 0) return t->last;
  for (int i = 0; i < t->nfiles; i++)
    if (strcmp(t->files[i].key, key) == 0) return t->last = i;
  if (open_file(t, key, err)) return -1;
  return t->last;
}

/* Writes rows idx[0..n) of b (all rows when idx is NULL) to file f. */
static int write_rows(em_write_task *t, int f, const em_batch *b, const uint32_t *idx, int64_t n, em_error *err) {
  em_write_job *j = t->job;
  em_vec **cols = em_calloc((size_t)j->ndata + 1, sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory");
  int rc = 0;
  for (int k = 0; !rc && k < j->ndata; k++) {
    em_vec *src = b->cols[j->data_idx[k]];
    cols[k] = idx ? em_vec_take(src, idx, n) : em_vec_ref(src);
    if (!cols[k]) rc = em_error_internal(err, "out of memory");
  }
  em_batch *db = NULL;
  if (!rc) {
    db = em_batch_new(em_type_ref(j->data_schema), j->ndata, cols, n);
    if (!db) rc = em_error_internal(err, "out of memory");
  } else {
    for (int k = 0; k < j->ndata; k++)
      if (cols[k]) em_vec_unref(cols[k]);
  }
  em_free(cols);
  if (!rc) rc = j->fmt->write_batch(t->files[f].writer, db, err);
  if (db) em_batch_unref(db);
  return rc;
}

int em_write_task_batch(em_write_task *t, const em_batch *b, em_error *err) {
  em_write_job *j = t->job;
  if (b->nrows == 0) return 0;
  if (j->npart == 0) {
    int f = find_file(t, "", err);
    return f < 0 ? -1 : write_rows(t, f, b, NULL, b->nrows, err);
  }
  /* Group the rows by partition directory, in order of first appearance. */
  em_strbuf key;
  em_strbuf_init(&key);
  int *row_file = em_malloc((size_t)b->nrows * sizeof *row_file);
  uint32_t *idx = em_malloc((size_t)b->nrows * sizeof *idx);
  int rc = (!row_file || !idx) ? em_error_internal(err, "out of memory") : 0;
  for (int64_t r = 0; !rc && r < b->nrows; r++) {
    rc = row_key(t, b, r, &key, err);
    if (!rc) {
      row_file[r] = find_file(t, key.data ? key.data : "", err);
      if (row_file[r] < 0) rc = -1;
    }
  }
  for (int f = 0; !rc && f < t->nfiles; f++) {
    int64_t n = 0;
    for (int64_t r = 0; r < b->nrows; r++)
      if (row_file[r] == f) idx[n++] = (uint32_t)r;
    if (n) rc = write_rows(t, f, b, n == b->nrows ? NULL : idx, n, err);
  }
  em_strbuf_free(&key);
  em_free(row_file);
  em_free(idx);
  return rc;
}

int em_write_task_close(em_write_task *t, int commit, em_error *err) {
  int rc = 0;
  for (int i = 0; i < t->nfiles; i++) {
    em_error e2;
    if (t->job->fmt->write_close(t->files[i].writer, commit && !rc, rc ? &e2 : err) && commit && !rc) rc = -1;
    em_free(t->files[i].key);
  }
  em_free(t->files);
  em_free(t);
  return rc;
}
