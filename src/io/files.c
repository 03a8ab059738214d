/*
 * Listing the files of a read: paths, globs, directories, hidden files,
 * recursiveFileLookup and pathGlobFilter, as Spark's DataSource and
 * InMemoryFileIndex do on a local file system. Partition columns of
 * key=value directories are discovered by partition.c.
 */
#include "io_int.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct lister {
  em_file_index *ix;
  const em_list_opts *o;
  int cap;
  em_error *err;
  char **roots; /* directory roots (absolute) */
  int nroots, caproots;
} lister;

/* Spark's filter of names in directory listings. */
static bool hidden(const char *name) {
  if (name[0] == '.') return true;
  if (name[0] == '_' && !strchr(name, '=')) return true;
  size_t n = strlen(name);
  return n >= 10 && strcmp(name + n - 10, "._COPYING_") == 0;
}

/* An absolute, lexically normalised path ("." and ".." folded, no
 * trailing slash), as Hadoop's Path qualification gives. */
char *em_io_abs_path(em_arena *a, const char *p) {
  char cwd[4096];
  const char *in = p;
  if (strncmp(in, "file://", 7) == 0) in += 7;
  else if (strncmp(in, "file:", 5) == 0) in += 5;
  size_t cap = strlen(in) + 4096 + 2;
  char *buf = em_arena_alloc(a, cap);
  if (!buf) return NULL;
  if (in[0] == '/') {
    snprintf(buf, cap, "%s", in);
  } else {
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "/");
    snprintf(buf, cap, "%s/%s", cwd, in);
  }
  /* Fold components. */
  char *out = em_arena_alloc(a, cap);
  if (!out) return NULL;
  size_t o = 0;
  const char *s = buf;
  while (*s) {
    while (*s == '/') s++;
    if (!*s) break;
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == 1 && s[0] == '.') {
      /* skip */
    } else if (len == 2 && s[0] == '.' && s[1] == '.') {
      while (o > 0 && out[o - 1] != '/') o--;
      if (o > 0) o--;
    } else {
      out[o++] = '/';
      memcpy(out + o, s, len);
      o += len;
    }
    s += len;
  }
  if (o == 0) out[o++] = '/';
  out[o] = '\0';
  return out;
}

static int add_file(lister *l, const char *path, const struct stat *st) {
  em_file_index *ix = l->ix;
  if (ix->nfiles == l->cap) {
    int n = l->cap ? l->cap * 2 : 64;
    em_file *f = em_realloc(ix->files, sizeof *f * (size_t)n);
    if (!f) return em_error_internal(l->err, "out of memory listing files");
    ix->files = f;
    l->cap = n;
  }
  char *p = em_arena_strdup(&ix->arena, path);
  if (!p) return em_error_internal(l->err, "out of memory listing files");
  em_file *f = &ix->files[ix->nfiles++];
  f->path = p;
  f->size = st->st_size;
  f->mtime_ms = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk(lister *l, const char *dir, int depth) {
  if (depth > 256) return em_error_internal(l->err, "directories nested too deeply under %s", dir);
  DIR *d = opendir(dir);
  if (!d) return 0; /* unreadable: as if empty */
  char **names = NULL;
  int n = 0, cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d))) {
    if (hidden(de->d_name)) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **nn = em_realloc(names, sizeof *nn * (size_t)cap);
      if (!nn) {
        rc = em_error_internal(l->err, "out of memory listing files");
        goto done;
      }
      names = nn;
    }
    if (!(names[n] = em_strdup(de->d_name))) {
      rc = em_error_internal(l->err, "out of memory listing files");
      goto done;
    }
    n++;
  }
  if (n) qsort(names, (size_t)n, sizeof *names, cmp_str);
  for (int i = 0; i < n && !rc; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2;
    char *p = em_malloc(len);
    if (!p) {
      rc = em_error_internal(l->err, "out of memory listing files");
      break;
    }
    snprintf(p, len, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", names[i]);
    struct stat st;
    if (stat(p, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        /* Spark leaves _temporary and friends out (hidden); other
         * directories are walked, partition directories or not. */
        rc = walk(l, p, depth + 1);
      } else if (S_ISREG(st.st_mode)) {
        if (!l->o->glob_filter || fnmatch(l->o->glob_filter, names[i], 0) == 0) rc = add_file(l, p, &st);
      }
    }
    em_free(p);
  }
done:
  for (int i = 0; i < n; i++) em_free(names[i]);
  em_free(names);
  closedir(d);
  return rc;
}

static int add_root(lister *l, const char *p) {
  if (l->nroots == l->caproots) {
    int n = l->caproots ? l->caproots * 2 : 8;
    char **r = em_realloc(l->roots, sizeof *r * (size_t)n);
    if (!r) return em_error_internal(l->err, "out of memory listing files");
    l->roots = r;
    l->caproots = n;
  }
  if (!(l->roots[l->nroots++] = em_arena_strdup(&l->ix->arena, p)))
    return em_error_internal(l->err, "out of memory listing files");
  return 0;
}

static int list_one(lister *l, const char *abs) {
  struct stat st;
  if (stat(abs, &st) != 0) return 1;
  if (S_ISDIR(st.st_mode)) {
    if (add_root(l, abs)) return -1;
    return walk(l, abs, 0);
  }
  /* A file named directly is read whatever its name. Its directory is a
   * base path for partition discovery. */
  char *dir = em_arena_strdup(&l->ix->arena, abs);
  if (!dir) return em_error_internal(l->err, "out of memory listing files");
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) *slash = '\0';
  else if (slash) slash[1] = '\0';
  if (add_root(l, dir)) return -1;
  if (l->o->glob_filter) {
    const char *name = strrchr(abs, '/');
    name = name ? name + 1 : abs;
    if (fnmatch(l->o->glob_filter, name, 0) != 0) return 0;
  }
  return add_file(l, abs, &st);
}

static int not_found(lister *l, const char *abs) {
  char buf[EM_ERROR_VAL_MAX];
  snprintf(buf, sizeof buf, "file:%s", abs);
  return em_error_set(l->err, EM_ERR_PATH_NOT_FOUND, "path", buf, NULL);
}

void em_file_index_free(em_file_index *ix) {
  if (!ix) return;
  if (ix->part_values)
    for (int i = 0; ix->part_schema && i < ix->part_schema->u.st.nfields; i++) em_vec_unref(ix->part_values[i]);
  em_type_unref(ix->part_schema);
  em_free(ix->files);
  em_arena_destroy(&ix->arena);
  em_free(ix);
}

static int cmp_file(const void *a, const void *b) {
  return strcmp(((const em_file *)a)->path, ((const em_file *)b)->path);
}

int em_io_list(const char *const *paths, int npaths, const em_list_opts *o, em_file_index **out, em_error *err) {
  em_file_index *ix = em_calloc(1, sizeof *ix);
  if (!ix) return em_error_internal(err, "out of memory listing files");
  em_arena_init(&ix->arena, 4096);
  lister l = {.ix = ix, .o = o, .err = err};
  for (int i = 0; i < npaths; i++) {
    char *abs = em_io_abs_path(&ix->arena, paths[i]);
    if (!abs) {
      em_error_internal(err, "out of memory listing files");
      goto fail;
    }
    if (strpbrk(paths[i], "*?[{")) {
      glob_t g;
      memset(&g, 0, sizeof g);
      int rc = glob(abs, GLOB_BRACE, NULL, &g);
      if (rc != 0 || g.gl_pathc == 0) {
        globfree(&g);
        not_found(&l, abs);
        goto fail;
      }
      for (size_t k = 0; k < g.gl_pathc; k++) {
        int r = list_one(&l, g.gl_pathv[k]);
        if (r < 0) {
          globfree(&g);
          goto fail;
        }
      }
      globfree(&g);
    } else {
      int r = list_one(&l, abs);
      if (r < 0) goto fail;
      if (r > 0) {
        not_found(&l, abs);
        goto fail;
      }
    }
  }
  if (ix->nfiles > 1) qsort(ix->files, (size_t)ix->nfiles, sizeof *ix->files, cmp_file);
  /* The same file named twice is read twice, as Spark does; nothing to do. */
  if (em_io_discover_partitions(ix, (const char *const *)l.roots, l.nroots, o, err)) goto fail;
  em_free(l.roots);
  *out = ix;
  return 0;
fail:
  em_free(l.roots);
  em_file_index_free(ix);
  return -1;
}
