/*
 * The registry table, built from functions.def.
 */
#include "func.h"

#include <string.h>

#define EM_FUNC(name, kind, resolver) int resolver(em_func_call *call, em_error *err);
#include "functions.def"
#undef EM_FUNC

static const em_func_def registry[] = {
#define EM_FUNC(name, kind, resolver) {name, EM_FN_##kind, resolver},
#include "functions.def"
#undef EM_FUNC
    {NULL, EM_FN_SCALAR, NULL},
};

const em_func_def *em_func_lookup(const char *name) {
  for (const em_func_def *f = registry; f->name; f++)
    if (em_strcaseeq(f->name, name)) return f;
  return NULL;
}

const em_func_def *em_func_at(int i) {
  if (i < 0 || i >= (int)EM_ARRAY_LEN(registry) - 1) return NULL;
  return &registry[i];
}

em_expr *em_expr_cast(em_arena *a, em_expr *e, em_type *to, bool ansi) {
  em_expr *c = em_arena_calloc(a, sizeof *c);
  em_expr **args = em_arena_calloc(a, sizeof *args);
  if (!c || !args) return NULL;
  args[0] = e;
  c->kind = EM_EX_CAST;
  c->args = args;
  c->nargs = 1;
  c->type = to;
  c->nullable = e->nullable || em_cast_force_nullable(e->type, to);
  c->u.cast.ansi = ansi;
  return c;
}
