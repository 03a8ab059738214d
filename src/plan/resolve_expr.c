/*
 * Expression resolution: spec expressions to typed em_expr trees over the
 * child's output, with the output names Spark generates.
 *
 * Column names resolve case-insensitively unless spark.sql.caseSensitive;
 * a name may be qualified by a subquery alias (t.col). A reference carrying
 * a plan_id (df["col"]) resolves within the subtree of the DataFrame with
 * that id and is then found in the child's output by expression id, which is
 * how Spark tells apart equal names after a join.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Levenshtein distance (for Spark's "Did you mean" suggestions). */
static int levenshtein(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 256 || lb > 256) return (int)(la > lb ? la : lb);
  int prev[257], cur[257];
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int x = prev[j] + 1, y = cur[j - 1] + 1, z = prev[j - 1] + cost;
      cur[j] = x < y ? (x < z ? x : z) : (y < z ? y : z);
    }
    memcpy(prev, cur, sizeof(int) * (lb + 1));
  }
  return prev[lb];
}

/* Appends a name part quoted as Spark's toSQLId does: `a``b`. */
static void quote_id(em_strbuf *sb, const char *s) {
  em_strbuf_putc(sb, '`');
  for (; *s; s++) {
    if (*s == '`') em_strbuf_putc(sb, '`');
    em_strbuf_putc(sb, *s);
  }
  em_strbuf_putc(sb, '`');
}

typedef struct cand {
  const char *text;
  int dist;
  int order;
} cand;

/* Spark sorts suggestions by edit distance, ties by the candidate text. */
static int cand_cmp(const void *x, const void *y) {
  const cand *a = x, *b = y;
  if (a->dist != b->dist) return a->dist < b->dist ? -1 : 1;
  int c = strcmp(a->text, b->text);
  return c ? c : a->order - b->order;
}

static void unresolved_error(em_az *az, const em_spec_expr *e, const em_lplan *scope) {
  em_strbuf name;
  em_strbuf_init(&name);
  for (int i = 0; i < e->u.attr.nparts; i++) {
    if (i) em_strbuf_putc(&name, '.');
    quote_id(&name, e->u.attr.parts[i]);
  }
  int n = scope ? scope->nout : 0;
  if (n == 0) {
    em_error_set(az->err, EM_ERR_UNRESOLVED_COLUMN_WITHOUT_SUGGESTION, "objectName", name.data ? name.data : "",
                 NULL);
    em_strbuf_free(&name);
    return;
  }
  cand *cs = em_calloc((size_t)n, sizeof *cs);
  char **texts = em_calloc((size_t)n, sizeof *texts);
  const char *last = e->u.attr.parts[e->u.attr.nparts - 1];
  for (int i = 0; cs && texts && i < n; i++) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    if (scope->out[i].qualifier) {
      quote_id(&sb, scope->out[i].qualifier);
      em_strbuf_putc(&sb, '.');
    }
    quote_id(&sb, scope->out[i].name);
    texts[i] = em_strbuf_take(&sb);
    cs[i].text = texts[i];
    cs[i].dist = levenshtein(scope->out[i].name, last);
    cs[i].order = i;
  }
  em_strbuf prop;
  em_strbuf_init(&prop);
  if (cs && texts) {
    qsort(cs, (size_t)n, sizeof *cs, cand_cmp);
    for (int i = 0; i < n && i < 5; i++) {
      if (i) em_strbuf_puts(&prop, ", ");
      em_strbuf_puts(&prop, cs[i].text);
    }
  }
  em_error_set(az->err, EM_ERR_UNRESOLVED_COLUMN_WITH_SUGGESTION, "objectName", name.data ? name.data : "",
               "proposal", prop.data ? prop.data : "", NULL);
  for (int i = 0; texts && i < n; i++) em_free(texts[i]);
  em_free(texts);
  em_free(cs);
  em_strbuf_free(&prop);
  em_strbuf_free(&name);
}

/* Finds the node with a client plan_id in the subtree. */
static const em_lplan *find_plan_id(const em_lplan *n, int64_t id) {
  for (; n; n = n->child)
    if (n->plan_id == id) return n;
  return NULL;
}

/* Finds the output column of `scope` matching a (multi-part) name: either
 * `col` or `qualifier.col`. Returns the index, -1 when none, -2 when
 * ambiguous (error set). */
static int find_column(em_az *az, const em_lplan *scope, char **parts, int nparts) {
  int found = -1, nfound = 0;
  for (int i = 0; i < scope->nout; i++) {
    const em_attr *a = &scope->out[i];
    bool match = false;
    if (nparts == 1)
      match = em_az_name_eq(az, a->name, parts[0]);
    else if (nparts == 2 && a->qualifier)
      match = em_az_name_eq(az, a->qualifier, parts[0]) && em_az_name_eq(az, a->name, parts[1]);
    if (match) {
      if (nfound == 0) found = i;
      nfound++;
    }
  }
  if (nfound > 1) {
    em_strbuf name, refs;
    em_strbuf_init(&name);
    em_strbuf_init(&refs);
    for (int i = 0; i < nparts; i++) {
      if (i) em_strbuf_putc(&name, '.');
      quote_id(&name, parts[i]);
    }
    em_strbuf_putc(&refs, '[');
    int k = 0;
    for (int i = 0; i < scope->nout; i++) {
      const em_attr *a = &scope->out[i];
      if (!em_az_name_eq(az, a->name, parts[nparts - 1])) continue;
      if (k++) em_strbuf_puts(&refs, ", ");
      if (a->qualifier) {
        quote_id(&refs, a->qualifier);
        em_strbuf_putc(&refs, '.');
      }
      quote_id(&refs, a->name);
    }
    em_strbuf_putc(&refs, ']');
    em_error_set(az->err, EM_ERR_AMBIGUOUS_REFERENCE, "name", name.data ? name.data : "", "referenceNames",
                 refs.data ? refs.data : "", NULL);
    em_strbuf_free(&name);
    em_strbuf_free(&refs);
    return -2;
  }
  return found;
}

static em_expr *new_expr(em_az *az, em_expr_kind kind) {
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) em_error_internal(az->err, "out of memory during analysis");
  if (x) x->kind = kind;
  return x;
}

static em_expr *resolve_attr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  if (!scope) {
    unresolved_error(az, e, NULL);
    return NULL;
  }
  int idx = -1;
  if (e->u.attr.plan_id >= 0) {
    /* df["col"]: resolve in the DataFrame that produced the reference, then
     * map its attribute into the current scope by expression id. */
    const em_lplan *src = find_plan_id(scope, e->u.attr.plan_id);
    int j = src ? find_column(az, src, e->u.attr.parts, e->u.attr.nparts) : -1;
    if (j == -2) return NULL;
    if (j >= 0) {
      for (int i = 0; i < scope->nout; i++)
        if (scope->out[i].id == src->out[j].id) {
          idx = i;
          break;
        }
    }
    if (idx < 0) {
      /* Spark: the DataFrame's column is not reachable here. */
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_putc(&sb, '"');
      for (int i = 0; i < e->u.attr.nparts; i++) em_strbuf_printf(&sb, "%s%s", i ? "." : "", e->u.attr.parts[i]);
      em_strbuf_putc(&sb, '"');
      em_error_set(az->err, EM_ERR_CANNOT_RESOLVE_DATAFRAME_COLUMN, "name", sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      return NULL;
    }
  }
  if (idx < 0) {
    idx = find_column(az, scope, e->u.attr.parts, e->u.attr.nparts);
    if (idx == -2) return NULL;
  }
  if (idx < 0) {
    unresolved_error(az, e, scope);
    return NULL;
  }
  em_expr *x = new_expr(az, EM_EX_COLUMN);
  if (!x) return NULL;
  x->u.column = idx;
  x->type = scope->out[idx].type;
  x->nullable = scope->out[idx].nullable;
  /* Spark names the output as the user wrote it (select("ID") on id -> ID). */
  *name = e->u.attr.parts[e->u.attr.nparts - 1];
  return x;
}

/* A function call: resolve the arguments, then let the registry's
 * resolver type the call, insert casts and name it as Spark does. */
static em_expr *resolve_func(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  const em_func_def *def = em_func_lookup(e->u.func.name);
  if (!def) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    quote_id(&sb, e->u.func.name);
    em_error_set(az->err, EM_ERR_UNRESOLVED_ROUTINE, "routineName", sb.data ? sb.data : "", "searchPath",
                 "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]", NULL);
    em_strbuf_free(&sb);
    return NULL;
  }
  int n = e->u.func.nargs;
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.name = def->name;
  call.nargs = n;
  call.args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  call.arg_sql = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(n + 1));
  if (!call.args || !call.arg_sql) return em_error_internal(az->err, "out of memory"), NULL;
  for (int i = 0; i < n; i++) {
    char *meta = NULL;
    const em_spec_expr *se = e->u.func.args[i];
    /* count(*) is count(1), as Spark's analyzer rewrites it. */
    if (se->kind == EM_SE_STAR && se->u.star.ntarget == 0 && n == 1 && em_strcaseeq(def->name, "count")) {
      em_expr *one = em_expr_literal_long(&az->plan->arena, 1);
      if (!one || em_az_own_vec(az, one->u.lit)) return em_error_internal(az->err, "out of memory"), NULL;
      call.args[i] = one;
      call.arg_sql[i] = "1";
      continue;
    }
    if (!(call.args[i] = em_az_resolve_expr(az, se, scope, &call.arg_sql[i], &meta))) return NULL;
  }
  call.distinct = e->u.func.distinct;
  call.ansi = az->ctx->ansi;
  call.arena = &az->plan->arena;
  if (def->resolve(&call, az->err)) {
    if (call.type_owned) em_type_unref(call.type);
    return NULL;
  }
  if (call.type_owned && em_az_own_type(az, call.type)) return em_error_internal(az->err, "out of memory"), NULL;
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return em_error_internal(az->err, "out of memory"), NULL;
  x->kind = def->kind == EM_FN_AGGREGATE ? EM_EX_AGG : EM_EX_CALL;
  x->type = call.type;
  x->nullable = call.nullable;
  x->args = call.args;
  x->nargs = call.nargs;
  x->u.fn.name = def->name;
  x->u.fn.kernel = call.kernel;
  x->u.fn.agg = call.agg;
  x->u.fn.distinct = call.distinct;
  x->u.fn.data = call.data;
  x->origin_fragment = e->origin_fragment;
  x->origin_call_site = e->origin_call_site;
  *name = call.sql ? call.sql : (char *)def->name;
  return x;
}

static em_expr *resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                             char **metadata);

em_expr *em_az_resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                            char **metadata) {
  em_expr *x = resolve_expr(az, e, scope, name, metadata);
  /* The innermost expression with a Python origin names the call site. */
  if (!x && e->origin_fragment) em_error_set_context(az->err, e->origin_fragment, e->origin_call_site);
  return x;
}

static em_expr *resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                             char **metadata) {
  *metadata = NULL;
  switch (e->kind) {
  case EM_SE_ATTR:
    return resolve_attr(az, e, scope, name);
  case EM_SE_LITERAL: {
    em_expr *x = new_expr(az, EM_EX_LITERAL);
    if (!x) return NULL;
    x->u.lit = e->u.lit.value;
    x->type = e->u.lit.value->type;
    x->nullable = em_vec_is_null(e->u.lit.value, 0);
    if (em_az_own_vec(az, em_vec_ref(e->u.lit.value))) return em_error_internal(az->err, "out of memory"), NULL;
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_literal_sql(e->u.lit.value, true, &sb);
    *name = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
    em_strbuf_free(&sb);
    return x;
  }
  case EM_SE_ALIAS: {
    char *inner = NULL, *meta = NULL;
    em_expr *x = em_az_resolve_expr(az, e->u.alias.child, scope, &inner, &meta);
    if (!x) return NULL;
    if (e->u.alias.nnames != 1) {
      em_error_set(az->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Expression.Alias", "name",
                   "multi-name alias", "number", "6", NULL);
      return NULL;
    }
    *name = e->u.alias.names[0];
    *metadata = e->u.alias.metadata ? e->u.alias.metadata : NULL;
    return x;
  }
  case EM_SE_CAST: {
    char *inner = NULL, *meta = NULL;
    em_expr *c = em_az_resolve_expr(az, e->u.cast.child, scope, &inner, &meta);
    if (!c) return NULL;
    em_type *to = e->u.cast.type;
    if (!to && e->u.cast.type_str) {
      to = em_type_parse_ddl(e->u.cast.type_str, az->err);
      if (!to) return NULL;
      if (em_az_own_type(az, to)) return em_error_internal(az->err, "out of memory"), NULL;
    }
    if (!to) return em_error_internal(az->err, "cast without a target type"), NULL;
    em_expr *x = new_expr(az, EM_EX_CAST);
    if (!x) return NULL;
    x->args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *));
    if (!x->args) return em_error_internal(az->err, "out of memory"), NULL;
    x->args[0] = c;
    x->nargs = 1;
    x->type = to;
    x->nullable = c->nullable || e->u.cast.mode == EM_CAST_TRY ||
                  (!az->ctx->ansi && e->u.cast.mode != EM_CAST_ANSI && c->type->id != to->id) ||
                  em_cast_force_nullable(c->type, to);
    x->u.cast.ansi = e->u.cast.mode == EM_CAST_ANSI || (e->u.cast.mode == EM_CAST_DEFAULT && az->ctx->ansi);
    x->origin_fragment = e->origin_fragment;
    x->origin_call_site = e->origin_call_site;
    /* Spark names a cast of a column after the column (Column.cast keeps
     * the name); other casts get their SQL text. */
    if (e->u.cast.child->kind == EM_SE_ATTR) {
      *name = inner;
    } else {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_printf(&sb, "CAST(%s AS ", inner);
      em_type_sql(to, &sb);
      em_strbuf_putc(&sb, ')');
      *name = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
      em_strbuf_free(&sb);
    }
    return x;
  }
  case EM_SE_FUNC:
    return resolve_func(az, e, scope, name);
  case EM_SE_STAR:
    em_error_set(az->err, EM_ERR_INVALID_USAGE_OF_STAR, "elem", "'*'", "prettyName", "expression", NULL);
    return NULL;
  default:
    break;
  }
  em_error_set(az->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Expression", "name",
               em_spec_expr_kind_name(e->kind), "number",
               em_arena_printf(&az->plan->arena, "%d", em_spec_expr_kind_field(e->kind)), NULL);
  return NULL;
}
