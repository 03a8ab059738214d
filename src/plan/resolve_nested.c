/*
 * Resolution of nested-value expressions: getItem/getField (the
 * protocol's UnresolvedExtractValue), dotted names into struct fields
 * (col("s.a.b")), withField/dropFields (UpdateFields), struct() and
 * arrays_zip (whose field names come from the arguments as written), and
 * higher-order functions with their lambdas.
 *
 * A lambda's variables live in a scope pushed while its body is resolved
 * (az->lambda); a reference becomes a call of the lambda-variable kernel
 * with the variable's slot in the frame the HOF kernel builds at run time
 * (enclosing lambdas' variables first). Lambda bodies are ordinary
 * arguments of the HOF call, so the optimizer's rewrites of column
 * references reach the outer columns they read. Names follow Spark:
 * lambdafunction(<body>, namedlambdavariable(), ...).
 */
#include "analyzer_int.h"
#include "../expr/nested.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct lvar {
  const char *name;
  em_type *type;
  bool nullable;
  int slot;
} lvar;

typedef struct lscope {
  lvar vars[4];
  int nvars;
  int nslots; /* slots visible in this scope (enclosing + own) */
  struct lscope *up;
} lscope;

static void quoted_type(const em_type *t, em_strbuf *sb) {
  em_strbuf_putc(sb, '"');
  em_type_sql(t, sb);
  em_strbuf_putc(sb, '"');
}

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

/* Builds a call node with `resolve` over resolved args, as the registry's
 * calls are built. */
static em_expr *make_call(em_az *az, const char *fname, int (*resolve)(em_func_call *, em_error *),
                          em_expr **args, char **arg_sql, int nargs, void *data, const em_spec_expr *origin) {
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.name = fname;
  call.args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(nargs + 1));
  call.arg_sql = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(nargs + 1));
  if (!call.args || !call.arg_sql) return oom(az), NULL;
  memcpy(call.args, args, sizeof(em_expr *) * (size_t)nargs);
  memcpy(call.arg_sql, arg_sql, sizeof(char *) * (size_t)nargs);
  call.nargs = nargs;
  call.ansi = az->ctx->ansi;
  call.arena = &az->plan->arena;
  call.data = data;
  if (resolve(&call, az->err)) {
    if (call.type_owned) em_type_unref(call.type);
    return NULL;
  }
  if (call.type_owned && em_az_own_type(az, call.type)) return oom(az), NULL;
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return oom(az), NULL;
  x->kind = EM_EX_CALL;
  x->type = call.type;
  x->nullable = call.nullable;
  x->args = call.args;
  x->nargs = call.nargs;
  x->u.fn.name = fname;
  x->u.fn.kernel = call.kernel;
  x->u.fn.data = call.data;
  if (origin) {
    x->origin_fragment = origin->origin_fragment;
    x->origin_call_site = origin->origin_call_site;
  }
  return x;
}

static int get_field_resolve(em_func_call *c, em_error *err) { return em_fn_resolve_get_field(c, err); }
static int struct_resolve(em_func_call *c, em_error *err) { return em_fn_resolve_make_struct(c, false, err); }
static int update_resolve(em_func_call *c, em_error *err) { return em_fn_resolve_make_struct(c, true, err); }

/* FIELD_NOT_FOUND naming the struct's fields. */
static void field_not_found(em_az *az, const em_type *st, const char *field) {
  em_strbuf fs;
  em_strbuf_init(&fs);
  for (int i = 0; i < st->u.st.nfields; i++) em_strbuf_printf(&fs, "%s`%s`", i ? ", " : "", st->u.st.fields[i].name);
  em_error_set(az->err, EM_ERR_FIELD_NOT_FOUND, "fieldName", em_arena_printf(&az->plan->arena, "`%s`", field),
               "fields", fs.data ? fs.data : "", NULL);
  em_error_no_context(az->err); /* as Spark */
  em_strbuf_free(&fs);
}

static int find_field(em_az *az, const em_type *st, const char *name) {
  for (int i = 0; i < st->u.st.nfields; i++)
    if (em_az_name_eq(az, st->u.st.fields[i].name, name)) return i;
  return -1;
}

/* child.field for a struct or an array of structs; NULL with the error set. */
static em_expr *field_of(em_az *az, em_expr *child, const char *csql, const char *field, const em_spec_expr *origin) {
  const em_type *t = child->type;
  const em_type *st = t->id == EM_T_STRUCT ? t : t->id == EM_T_ARRAY && t->u.array.elem->id == EM_T_STRUCT ? t->u.array.elem : NULL;
  if (!st) return NULL;
  int f = find_field(az, st, field);
  if (f < 0) {
    field_not_found(az, st, field);
    return NULL;
  }
  char *sql = (char *)csql;
  return make_call(az, "getfield", get_field_resolve, &child, &sql, 1, (void *)(intptr_t)f, origin);
}

static void extract_base_error(em_az *az, const char *csql, const em_type *t) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  quoted_type(t, &sb);
  em_error_set(az->err, EM_ERR_INVALID_EXTRACT_BASE_FIELD_TYPE, "base",
               em_arena_printf(&az->plan->arena, "\"%s\"", csql), "other", sb.data ? sb.data : "", NULL);
  em_error_no_context(az->err); /* as Spark */
  em_strbuf_free(&sb);
}

/* ---- col[x] / getItem / getField ---- */

static em_expr *resolve_extract(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  char *csql = NULL, *meta = NULL;
  em_expr *child = em_az_resolve_expr(az, e->u.extract.child, scope, &csql, &meta);
  if (!child) return NULL;
  const em_spec_expr *xe = e->u.extract.extraction;
  em_type *t = child->type;
  bool str_lit = xe->kind == EM_SE_LITERAL && em_type_is_string_like(xe->u.lit.value->type) &&
                 !em_vec_is_null(xe->u.lit.value, 0);
  if (str_lit && (t->id == EM_T_STRUCT || (t->id == EM_T_ARRAY && t->u.array.elem->id == EM_T_STRUCT))) {
    int32_t len;
    const char *s = em_vec_str(xe->u.lit.value, 0, &len);
    char *field = em_arena_strndup(&az->plan->arena, s, (size_t)len);
    em_expr *x = field_of(az, child, csql, field, e);
    if (x) *name = em_arena_printf(&az->plan->arena, "%s.%s", csql, field);
    return x;
  }
  if (t->id != EM_T_ARRAY && t->id != EM_T_MAP) {
    extract_base_error(az, csql, t);
    return NULL;
  }
  char *xsql = NULL;
  em_expr *ix = em_az_resolve_expr(az, xe, scope, &xsql, &meta);
  if (!ix) return NULL;
  em_expr *args[2] = {child, ix};
  char *sqls[2] = {csql, xsql};
  em_expr *x = make_call(az, "getitem", em_fn_resolve_get_item, args, sqls, 2, NULL, e);
  if (x) *name = em_arena_printf(&az->plan->arena, "%s[%s]", csql, xsql);
  return x;
}

/* ---- col("a.b.c") into struct fields ---- */

em_expr *em_az_resolve_field_path(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                                  bool *failed) {
  *failed = false;
  char **p = e->u.attr.parts;
  int np = e->u.attr.nparts;
  for (int skip = 1; skip <= 2 && skip < np; skip++) {
    int found = -1;
    for (int i = 0; i < scope->nout && found < 0; i++) {
      const em_attr *a = &scope->out[i];
      if (skip == 1 ? !a->hidden && em_az_name_eq(az, a->name, p[0])
                    : a->qualifier && em_az_name_eq(az, a->qualifier, p[0]) && em_az_name_eq(az, a->name, p[1]))
        found = i;
    }
    if (found < 0) continue;
    em_expr *x = em_az_col(az, scope, found);
    if (!x) return *failed = true, NULL;
    char *sql = scope->out[found].name;
    for (int k = skip; k < np; k++) {
      const em_type *t = x->type;
      if (t->id == EM_T_MAP) {
        em_vec *kv = em_vec_new(em_type_string(), 1);
        if (!kv || em_vec_append_bytes(kv, p[k], strlen(p[k]))) {
          if (kv) em_vec_unref(kv);
          return oom(az), *failed = true, NULL;
        }
        em_expr *kx = em_az_lit(az, kv);
        if (!kx) return *failed = true, NULL;
        em_expr *args[2] = {x, kx};
        char *sqls[2] = {sql, p[k]};
        x = make_call(az, "getitem", em_fn_resolve_get_item, args, sqls, 2, NULL, e);
      } else if (t->id == EM_T_STRUCT || (t->id == EM_T_ARRAY && t->u.array.elem->id == EM_T_STRUCT)) {
        x = field_of(az, x, sql, p[k], e);
      } else {
        extract_base_error(az, sql, t);
        x = NULL;
      }
      if (!x) {
        /* Unlike getField, a dotted name's errors name the col() call. */
        az->err->has_context = az->err->context_none = false;
        return *failed = true, NULL;
      }
      sql = p[k];
    }
    *name = p[np - 1];
    return x;
  }
  return NULL;
}

/* ---- withField / dropFields ---- */

typedef struct ufield {
  char *name;
  em_expr *x;
} ufield;

typedef struct uop {
  const char *path;
  const em_spec_expr *value; /* NULL: drop */
  em_expr *rx;               /* resolved value */
} uop;

/* Applies op (a dotted path) to the struct expression base: a new struct
 * expression (NULL when base is NULL). */
static em_expr *apply_update(em_az *az, em_expr *base, const char *path, em_expr *value, const em_spec_expr *origin,
                             int *nleft) {
  const em_type *st = base->type;
  int nf = st->u.st.nfields;
  ufield *fs = em_arena_calloc(&az->plan->arena, sizeof *fs * (size_t)(nf + 2));
  if (!fs) return oom(az), NULL;
  int n = 0;
  for (int i = 0; i < nf; i++) {
    em_expr *fx = make_call(az, "getfield", get_field_resolve, &base, (char *[]){"?"}, 1, (void *)(intptr_t)i, NULL);
    if (!fx) return NULL;
    fs[n].name = st->u.st.fields[i].name;
    fs[n++].x = fx;
  }
  const char *dot = strchr(path, '.');
  char *head = dot ? em_arena_strndup(&az->plan->arena, path, (size_t)(dot - path))
                   : em_arena_strdup(&az->plan->arena, path);
  int at = -1;
  for (int i = 0; i < n; i++)
    if (em_az_name_eq(az, fs[i].name, head)) at = i;
  if (dot) {
    if (at < 0 || fs[at].x->type->id != EM_T_STRUCT) {
      if (at < 0) field_not_found(az, st, head);
      else extract_base_error(az, head, fs[at].x->type);
      return NULL;
    }
    int inner_left = 0;
    em_expr *nx = apply_update(az, fs[at].x, dot + 1, value, origin, &inner_left);
    if (!nx) return NULL;
    fs[at].x = nx;
  } else if (value) {
    if (at >= 0) {
      fs[at].x = value;
    } else {
      fs[n].name = head;
      fs[n++].x = value;
    }
  } else if (at >= 0) {
    memmove(&fs[at], &fs[at + 1], sizeof *fs * (size_t)(n - at - 1));
    n--;
  }
  *nleft = n;
  if (n == 0) return base; /* the caller reports CANNOT_DROP_ALL_FIELDS */
  em_expr **args = em_arena_calloc(&az->plan->arena, sizeof *args * (size_t)(n + 2));
  char **sqls = em_arena_calloc(&az->plan->arena, sizeof *sqls * (size_t)(n + 2));
  char **names = em_arena_calloc(&az->plan->arena, sizeof *names * (size_t)(n + 2));
  if (!args || !sqls || !names) return oom(az), NULL;
  args[0] = base;
  sqls[0] = "?";
  for (int i = 0; i < n; i++) {
    args[i + 1] = fs[i].x;
    sqls[i + 1] = "?";
    names[i] = fs[i].name;
  }
  return make_call(az, "update_fields", update_resolve, args, sqls, n + 1, names, origin);
}

static em_expr *resolve_update(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  /* The chain of updates down to the base struct, applied innermost first. */
  int nops = 0;
  const em_spec_expr *b = e;
  while (b->kind == EM_SE_UPDATE_FIELDS) {
    nops++;
    b = b->u.update_fields.child;
  }
  uop *ops = em_arena_calloc(&az->plan->arena, sizeof *ops * (size_t)(nops + 1));
  if (!ops) return oom(az), NULL;
  int k = nops;
  for (const em_spec_expr *u = e; u->kind == EM_SE_UPDATE_FIELDS; u = u->u.update_fields.child) {
    k--;
    ops[k].path = u->u.update_fields.field;
    ops[k].value = u->u.update_fields.value;
  }
  char *bsql = NULL, *meta = NULL;
  em_expr *base = em_az_resolve_expr(az, b, scope, &bsql, &meta);
  if (!base) return NULL;
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "update_fields(%s", bsql);
  for (int i = 0; i < nops; i++) {
    if (ops[i].value) {
      char *vsql = NULL;
      if (!(ops[i].rx = em_az_resolve_expr(az, ops[i].value, scope, &vsql, &meta))) {
        em_strbuf_free(&sb);
        return NULL;
      }
      em_strbuf_printf(&sb, ", WithField(%s)", vsql);
    } else {
      em_strbuf_puts(&sb, ", dropfield()");
    }
  }
  em_strbuf_putc(&sb, ')');
  *name = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  if (base->type->id != EM_T_STRUCT) {
    em_strbuf t;
    em_strbuf_init(&t);
    quoted_type(base->type, &t);
    em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr",
                 em_arena_printf(&az->plan->arena, "\"%s\"", *name), "paramIndex", "first", "requiredType",
                 "\"STRUCT\"", "inputSql", em_arena_printf(&az->plan->arena, "\"%s\"", bsql), "inputType",
                 t.data ? t.data : "", NULL);
    em_strbuf_free(&t);
    return NULL;
  }
  em_expr *cur = base;
  for (int i = 0; i < nops; i++) {
    int left = 1;
    em_expr *nx = apply_update(az, cur, ops[i].path, ops[i].rx, e, &left);
    if (!nx) return NULL;
    if (left == 0) {
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_CANNOT_DROP_ALL_FIELDS, "sqlExpr",
                   em_arena_printf(&az->plan->arena, "\"%s\"", *name), NULL);
      return NULL;
    }
    cur = nx;
  }
  return cur;
}

/* ---- struct(...) and arrays_zip(...): names from the arguments ---- */

static em_expr *resolve_named_args(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name, bool zip) {
  int n = e->u.func.nargs;
  em_expr **args = em_arena_calloc(&az->plan->arena, sizeof *args * (size_t)(n + 1));
  char **sqls = em_arena_calloc(&az->plan->arena, sizeof *sqls * (size_t)(n + 1));
  char **names = em_arena_calloc(&az->plan->arena, sizeof *names * (size_t)(n + 1));
  if (!args || !sqls || !names) return oom(az), NULL;
  for (int i = 0; i < n; i++) {
    const em_spec_expr *a = e->u.func.args[i];
    char *meta = NULL, *nm = NULL;
    if (a->kind == EM_SE_ALIAS && a->u.alias.nnames == 1) {
      if (!(args[i] = em_az_resolve_expr(az, a->u.alias.child, scope, &nm, &meta))) return NULL;
      names[i] = a->u.alias.names[0];
      sqls[i] = em_arena_printf(&az->plan->arena, "%s AS %s", nm, names[i]);
      continue;
    }
    if (!(args[i] = em_az_resolve_expr(az, a, scope, &nm, &meta))) return NULL;
    sqls[i] = nm;
    if (a->kind == EM_SE_ATTR)
      names[i] = a->u.attr.parts[a->u.attr.nparts - 1];
    else if (a->kind == EM_SE_EXTRACT && a->u.extract.extraction->kind == EM_SE_LITERAL &&
             em_type_is_string_like(a->u.extract.extraction->u.lit.value->type) && !zip) {
      int32_t len;
      const char *s = em_vec_str(a->u.extract.extraction->u.lit.value, 0, &len);
      names[i] = em_arena_strndup(&az->plan->arena, s, (size_t)len);
    } else
      names[i] = zip ? NULL : em_arena_printf(&az->plan->arena, "col%d", i + 1);
  }
  const char *fname = zip ? "arrays_zip" : "struct";
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "%s(", fname);
  for (int i = 0; i < n; i++) em_strbuf_printf(&sb, "%s%s", i ? ", " : "", sqls[i]);
  em_strbuf_putc(&sb, ')');
  *name = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return make_call(az, fname, zip ? em_fn_resolve_arrays_zip : struct_resolve, args, sqls, n, names, e);
}

/* ---- lambdas ---- */

static em_expr *resolve_lambda_var(em_az *az, const em_spec_expr *e, char **name) {
  const char *vn = e->u.lambda_var.parts[e->u.lambda_var.nparts - 1];
  for (lscope *s = az->lambda; s; s = s->up)
    for (int i = 0; i < s->nvars; i++)
      if (strcmp(s->vars[i].name, vn) == 0) {
        em_func_call call;
        memset(&call, 0, sizeof call);
        call.arena = &az->plan->arena;
        em_fn_resolve_lambda_var(&call, s->vars[i].slot, s->vars[i].type, s->vars[i].nullable, az->err);
        em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
        if (!x) return oom(az), NULL;
        x->kind = EM_EX_CALL;
        x->type = call.type;
        x->nullable = call.nullable;
        x->u.fn.name = "lambdavariable";
        x->u.fn.kernel = call.kernel;
        x->u.fn.data = call.data;
        *name = "namedlambdavariable()";
        return x;
      }
  em_error_set(az->err, EM_ERR_UNRESOLVED_COLUMN_WITHOUT_SUGGESTION, "objectName",
               em_arena_printf(&az->plan->arena, "`%s`", vn), NULL);
  return NULL;
}

/* The SQL of an unresolved lambda for errors raised before it is bound. */
static char *raw_lambda_sql(em_az *az, const em_spec_expr *l) {
  const em_spec_expr *b = l->u.lambda.body;
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "lambdafunction(%s",
                   b->kind == EM_SE_LAMBDA_VAR ? b->u.lambda_var.parts[b->u.lambda_var.nparts - 1] : "?");
  for (int i = 0; i < l->u.lambda.nvars; i++) em_strbuf_printf(&sb, ", %s", l->u.lambda.vars[i]);
  em_strbuf_putc(&sb, ')');
  char *s = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return s;
}

static char *call_sql(em_az *az, const char *fname, char **sqls, int n) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "%s(", fname);
  for (int i = 0; i < n; i++) em_strbuf_printf(&sb, "%s%s", i ? ", " : "", sqls[i]);
  em_strbuf_putc(&sb, ')');
  char *s = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return s;
}

static em_expr *resolve_hof(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name, int kind) {
  const char *fname = e->u.func.name;
  int nin = em_hof_ninputs(kind), n = e->u.func.nargs;
  int nl = n - nin;
  bool agg = kind == EM_HOF_AGGREGATE;
  if (nl < 1 || nl > (agg ? 2 : 1)) {
    em_error_set(az->err, EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION, "functionName",
                 em_arena_printf(&az->plan->arena, "`%s`", fname), "expectedNum", agg ? "[3, 4]" : "2", "actualNum",
                 em_arena_printf(&az->plan->arena, "%d", n), "docroot", "https://spark.apache.org/docs/latest", NULL);
    return NULL;
  }
  for (int i = nin; i < n; i++)
    if (e->u.func.args[i]->kind != EM_SE_LAMBDA) return oom(az), NULL;
  int total = nin + (agg ? 2 : 1);
  em_expr **args = em_arena_calloc(&az->plan->arena, sizeof *args * (size_t)(total + 1));
  char **sqls = em_arena_calloc(&az->plan->arena, sizeof *sqls * (size_t)(total + 1));
  em_hof_info *hi = em_arena_calloc(&az->plan->arena, sizeof *hi);
  if (!args || !sqls || !hi) return oom(az), NULL;
  for (int i = 0; i < nin; i++) {
    char *meta = NULL;
    if (!(args[i] = em_az_resolve_expr(az, e->u.func.args[i], scope, &sqls[i], &meta))) return NULL;
  }
  for (int i = nin; i < n; i++) sqls[i] = raw_lambda_sql(az, e->u.func.args[i]);
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.name = fname;
  call.args = args;
  call.arg_sql = sqls;
  call.nargs = total;
  call.ansi = az->ctx->ansi;
  call.arena = &az->plan->arena;
  call.sql = call_sql(az, fname, sqls, n);
  /* Implicit casts of the inputs: a NULL collection becomes an empty-typed one. */
  lscope *outer = az->lambda;
  int base = outer ? outer->nslots : 0;
  hi->kind = kind;
  hi->ninputs = nin;
  hi->nlambdas = agg ? 2 : 1;
  hi->nouter = base;
  for (int l = 0; l < nl; l++) {
    const em_spec_expr *lam = e->u.func.args[nin + l];
    int nv = lam->u.lambda.nvars;
    if (nv < 1 || nv > 3) return oom(az), NULL;
    lscope sc = {.nvars = nv, .up = outer, .nslots = base + nv};
    for (int v = 0; v < nv; v++) {
      sc.vars[v].name = lam->u.lambda.vars[v];
      sc.vars[v].slot = base + v;
      if (em_hof_var_type(&call, kind, l, v, NULL, &sc.vars[v].type, &sc.vars[v].nullable, az->err)) return NULL;
    }
    hi->nvars[l] = nv;
    hi->slot0[l] = base;
    az->lambda = &sc;
    char *bsql = NULL, *meta = NULL;
    em_expr *body = em_az_resolve_expr(az, lam->u.lambda.body, scope, &bsql, &meta);
    az->lambda = outer;
    if (!body) return NULL;
    args[nin + l] = body;
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_strbuf_printf(&sb, "lambdafunction(%s", bsql);
    for (int v = 0; v < nv; v++) em_strbuf_puts(&sb, ", namedlambdavariable()");
    em_strbuf_putc(&sb, ')');
    sqls[nin + l] = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
    em_strbuf_free(&sb);
  }
  if (agg && nl == 1) {
    /* Spark's default finish: the identity lambda. */
    em_func_call vc;
    memset(&vc, 0, sizeof vc);
    vc.arena = &az->plan->arena;
    em_fn_resolve_lambda_var(&vc, base, args[1]->type, true, az->err);
    em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
    if (!x) return oom(az), NULL;
    x->kind = EM_EX_CALL;
    x->type = vc.type;
    x->nullable = true;
    x->u.fn.name = "lambdavariable";
    x->u.fn.kernel = vc.kernel;
    x->u.fn.data = vc.data;
    args[nin + 1] = x;
    hi->nvars[1] = 1;
    hi->slot0[1] = base;
    sqls[nin + 1] = "lambdafunction(namedlambdavariable(), namedlambdavariable())";
  }
  call.sql = call_sql(az, fname, sqls, total);
  call.data = hi;
  *name = call.sql;
  if (em_fn_resolve_hof(&call, az->err)) return NULL;
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return oom(az), NULL;
  x->kind = EM_EX_CALL;
  x->type = call.type;
  x->nullable = call.nullable;
  x->args = call.args;
  x->nargs = call.nargs;
  x->u.fn.name = fname;
  x->u.fn.kernel = call.kernel;
  x->u.fn.data = call.data;
  x->origin_fragment = e->origin_fragment;
  x->origin_call_site = e->origin_call_site;
  return x;
}

/* array_sort(a) without a comparator. */
static em_expr *resolve_array_sort1(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  char *sql = NULL, *meta = NULL;
  em_expr *a = em_az_resolve_expr(az, e->u.func.args[0], scope, &sql, &meta);
  if (!a) return NULL;
  em_expr *x = make_call(az, "array_sort", em_fn_array_sort_default, &a, &sql, 1, NULL, e);
  if (x) {
    /* The resolver wrote the name into its call; rebuild it the same way. */
    *name = em_arena_printf(
        &az->plan->arena,
        "array_sort(%s, lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), 0, "
        "(IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, (IF((namedlambdavariable() "
        "< namedlambdavariable()), -1, (IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), "
        "namedlambdavariable(), namedlambdavariable()))",
        sql);
  }
  return x;
}

bool em_az_is_nested_call(const em_spec_expr *e) {
  const char *f = e->u.func.name;
  if (em_strcaseeq(f, "struct") || em_strcaseeq(f, "arrays_zip")) return true;
  if (em_strcaseeq(f, "array_sort") && e->u.func.nargs == 1) return true;
  for (int i = 0; i < e->u.func.nargs; i++)
    if (e->u.func.args[i]->kind == EM_SE_LAMBDA) return em_hof_kind_of(f) >= 0;
  return false;
}

em_expr *em_az_resolve_nested_call(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  const char *f = e->u.func.name;
  if (em_strcaseeq(f, "struct")) return resolve_named_args(az, e, scope, name, false);
  if (em_strcaseeq(f, "arrays_zip")) return resolve_named_args(az, e, scope, name, true);
  if (em_strcaseeq(f, "array_sort") && e->u.func.nargs == 1) return resolve_array_sort1(az, e, scope, name);
  return resolve_hof(az, e, scope, name, em_hof_kind_of(f));
}

em_expr *em_az_resolve_nested(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  switch (e->kind) {
  case EM_SE_EXTRACT: return resolve_extract(az, e, scope, name);
  case EM_SE_UPDATE_FIELDS: return resolve_update(az, e, scope, name);
  case EM_SE_LAMBDA_VAR: return resolve_lambda_var(az, e, name);
  default: break;
  }
  em_error_internal(az->err, "not a nested-value expression");
  return NULL;
}

/* ---- s.* ---- */

int em_az_struct_star(em_az *az, const em_spec_expr *se, const em_lplan *scope, em_expr ***xs, char ***names) {
  int nt = se->u.star.ntarget;
  em_spec_expr attr;
  memset(&attr, 0, sizeof attr);
  attr.kind = EM_SE_ATTR;
  attr.u.attr.parts = se->u.star.target;
  attr.u.attr.nparts = nt;
  attr.origin_fragment = se->origin_fragment;
  attr.origin_call_site = se->origin_call_site;
  em_expr *s = NULL;
  char *ssql = NULL;
  if (nt == 1) {
    for (int i = 0; i < scope->nout && !s; i++)
      if (!scope->out[i].hidden && em_az_name_eq(az, scope->out[i].name, se->u.star.target[0])) {
        s = em_az_col(az, scope, i);
        if (!s) return -1;
        ssql = scope->out[i].name;
      }
  } else {
    bool failed = false;
    s = em_az_resolve_field_path(az, &attr, scope, &ssql, &failed);
    if (failed) {
      /* Not a struct path: the caller reports the star it cannot expand. */
      em_error_clear(az->err);
      return 0;
    }
  }
  if (!s) return 0;
  if (s->type->id != EM_T_STRUCT) {
    /* A legacy class: Spark renders the bare message with the name parts
     * as a Scala List. */
    em_strbuf l;
    em_strbuf_init(&l);
    em_strbuf_puts(&l, "List(");
    for (int i = 0; i < nt; i++) em_strbuf_printf(&l, "%s%s", i ? ", " : "", se->u.star.target[i]);
    em_strbuf_putc(&l, ')');
    const char *list = l.data ? l.data : "";
    em_error_set(az->err, EM_ERR_STAR_EXPAND_NOT_STRUCT, "attributes", list, NULL);
    snprintf(az->err->msg, sizeof az->err->msg, "Can only star expand struct data types. Attribute: `%s`.", list);
    em_strbuf_free(&l);
    if (se->origin_fragment) em_error_set_context(az->err, se->origin_fragment, se->origin_call_site);
    return -1;
  }
  int nf = s->type->u.st.nfields;
  *xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(nf + 1));
  *names = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(nf + 1));
  if (!*xs || !*names) return oom(az), -1;
  for (int f = 0; f < nf; f++) {
    char *sql = ssql;
    em_expr *x = make_call(az, "getfield", em_fn_resolve_get_field, &s, &sql, 1, (void *)(intptr_t)f, se);
    if (!x) return -1;
    (*xs)[f] = x;
    (*names)[f] = s->type->u.st.fields[f].name;
  }
  return nf;
}

int em_az_struct_star_cap(const em_lplan *scope) {
  int total = 0;
  for (int i = 0; i < scope->nout; i++) {
    const em_type *t = scope->out[i].type;
    /* Fields of every struct level bound any path's expansion. */
    const em_type *stack[64];
    int sp = 0;
    stack[sp++] = t;
    while (sp) {
      const em_type *u = stack[--sp];
      if (u->id != EM_T_STRUCT) continue;
      total += u->u.st.nfields;
      for (int f = 0; f < u->u.st.nfields && sp < 64; f++) stack[sp++] = u->u.st.fields[f].type;
    }
  }
  return total;
}
