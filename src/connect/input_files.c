/*
 * AnalyzePlan.InputFiles (df.inputFiles()): the files the plan's file
 * scans read, named as Spark names them (a "file://" URI of the absolute
 * path), each once, in the order the scans list them.
 */
#include "connect_int.h"

#include <string.h>
#include <unistd.h>

typedef struct acc {
  em_arena *a;
  char **files;
  size_t n, cap;
  bool oom;
} acc;

static void add(acc *x, const char *path) {
  char *uri;
  if (strncmp(path, "file:", 5) == 0) {
    uri = em_arena_strdup(x->a, path);
  } else if (path[0] == '/') {
    uri = em_arena_printf(x->a, "file://%s", path);
  } else {
    char cwd[4096];
    uri = em_arena_printf(x->a, "file://%s/%s", getcwd(cwd, sizeof cwd) ? cwd : "", path);
  }
  if (!uri) {
    x->oom = true;
    return;
  }
  for (size_t i = 0; i < x->n; i++)
    if (strcmp(x->files[i], uri) == 0) return;
  if (x->n == x->cap) {
    size_t cap = x->cap ? 2 * x->cap : 16;
    char **f = em_arena_alloc(x->a, cap * sizeof *f);
    if (!f) {
      x->oom = true;
      return;
    }
    if (x->n) memcpy(f, x->files, x->n * sizeof *f);
    x->files = f;
    x->cap = cap;
  }
  x->files[x->n++] = uri;
}

static void walk(const em_lplan *n, acc *x) {
  if (n->kind == EM_LP_SCAN && n->u.scan)
    for (int i = 0; i < n->u.scan->nfiles && !x->oom; i++) add(x, n->u.scan->files[i].path);
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++) walk(kids[i], x);
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right) walk(n->u.set_op.right, x);
}

int em_connect_input_files(const em_lplan *root, em_arena *a, char ***out, size_t *n, em_error *err) {
  acc x = {.a = a};
  walk(root, &x);
  if (x.oom) return em_error_internal(err, "out of memory");
  *out = x.files;
  *n = x.n;
  return 0;
}
