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
  int nc = 0;
  for (int i = 0; cs && texts && i < n; i++) {
    if (scope->out[i].hidden) continue;
    em_strbuf sb;
    em_strbuf_init(&sb);
    if (scope->out[i].qualifier) {
      quote_id(&sb, scope->out[i].qualifier);
      em_strbuf_putc(&sb, '.');
    }
    quote_id(&sb, scope->out[i].name);
    texts[nc] = em_strbuf_take(&sb);
    cs[nc].text = texts[nc];
    cs[nc].dist = levenshtein(scope->out[i].name, last);
    cs[nc].order = i;
    nc++;
  }
  em_strbuf prop;
  em_strbuf_init(&prop);
  if (cs && texts) {
    qsort(cs, (size_t)nc, sizeof *cs, cand_cmp);
    for (int i = 0; i < nc && i < 5; i++) {
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

/* Finds the output column of `scope` matching a (multi-part) name: either
 * `col` or `qualifier.col`. Returns the index, -1 when none, -2 when
 * ambiguous (error set unless quiet). */
static int find_column(em_az *az, const em_lplan *scope, char **parts, int nparts, bool quiet) {
  int found = -1, nfound = 0;
  for (int i = 0; i < scope->nout; i++) {
    const em_attr *a = &scope->out[i];
    bool match = false;
    if (nparts == 1)
      match = !a->hidden && em_az_name_eq(az, a->name, parts[0]);
    else if (nparts == 2 && a->qualifier)
      match = em_az_name_eq(az, a->qualifier, parts[0]) && em_az_name_eq(az, a->name, parts[1]);
    if (match) {
      if (nfound == 0) found = i;
      nfound++;
    }
  }
  if (nfound > 1) {
    if (quiet) return -2;
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
      if ((nparts == 1 && a->hidden) || !em_az_name_eq(az, a->name, parts[nparts - 1])) continue;
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

/* ---- df["col"]: resolution by plan id ----
 *
 * As Spark 4.2 resolves a DataFrame column reference: every node of the
 * subtree tagged with the reference's plan id (not looking below a tagged
 * node) resolves the name in its own output; a result survives the way back
 * up only while each node on the path still outputs it, or keeps it as
 * hidden output (the key columns a USING join drops, passed on by filters,
 * sorts, limits, projections and joins, not by a subquery alias). No tagged
 * node at all is CANNOT_RESOLVE_DATAFRAME_COLUMN at once; tagged nodes but
 * no surviving result is the same class reported with the plan; two
 * different results (a self-join: both sides come from one DataFrame) is
 * AMBIGUOUS_COLUMN_REFERENCE, except in a join condition where one input is
 * itself the tagged DataFrame: that input wins (df.join(df.select(...),
 * df.k == ...) works in Spark). A hidden result is made an output column
 * on the path (expose_hidden). */

typedef struct id_set {
  int64_t *ids;
  int n, cap;
  bool oom;
} id_set;

static void ids_add(id_set *s, int64_t id) {
  for (int i = 0; i < s->n; i++)
    if (s->ids[i] == id) return;
  if (s->n == s->cap) {
    int ncap = s->cap ? s->cap * 2 : 4;
    int64_t *ni = em_realloc(s->ids, sizeof *ni * (size_t)ncap);
    if (!ni) {
      s->oom = true;
      return;
    }
    s->ids = ni;
    s->cap = ncap;
  }
  s->ids[s->n++] = id;
}

static bool out_has(const em_lplan *n, int64_t id) {
  for (int i = 0; i < n->nout; i++)
    if (n->out[i].id == id) return true;
  return false;
}

/* Nodes that pass their child's rows and columns through unchanged. */
static bool passes_through(const em_lplan *n) {
  switch (n->kind) {
  case EM_LP_FILTER:
  case EM_LP_SORT:
  case EM_LP_LIMIT:
  case EM_LP_OFFSET:
  case EM_LP_TAIL:
    return true;
  default:
    return false;
  }
}

/* Lists the hidden attributes n passes on (Spark's metadataOutput of
 * qualified-access-only columns), in Spark's order; with want >= 0 stops at
 * that id. Returns the count, or -1 when want was found (*found set). */
static int hidden_walk(const em_lplan *n, int64_t want, const em_attr **found, const em_attr **list, int nlist,
                       int cap) {
  for (int depth = 0; n && depth < 100000; depth++) {
    if (n->kind == EM_LP_PROJECT) {
      for (int i = 0; i < n->u.project.nhidden; i++) {
        const em_attr *h = &n->u.project.hidden[i];
        if (h->id == want) {
          *found = h;
          return -1;
        }
        if (list && nlist < cap) list[nlist] = h;
        nlist++;
      }
      if (n->u.project.no_hidden) return nlist;
    } else if (n->kind == EM_LP_JOIN) {
      nlist = hidden_walk(n->child, want, found, list, nlist, cap);
      if (nlist < 0) return -1;
      n = n->u.join.right;
      continue;
    } else if (!passes_through(n)) {
      return nlist;
    }
    n = n->child;
  }
  return nlist;
}

static bool hidden_has(const em_lplan *n, int64_t id) {
  const em_attr *found = NULL;
  return hidden_walk(n, id, &found, NULL, 0, 0) < 0;
}

static void pid_search(em_az *az, const em_lplan *n, const em_spec_expr *e, id_set *res, bool *matched) {
  id_set mine = {0};
  if (n->plan_id == e->u.attr.plan_id) {
    *matched = true;
    int j = find_column(az, n, e->u.attr.parts, e->u.attr.nparts, true);
    if (j >= 0) ids_add(&mine, n->out[j].id);
  } else {
    em_lplan *kids[2];
    int nk = em_lplan_children(n, kids);
    for (int i = 0; i < nk; i++) pid_search(az, kids[i], e, &mine, matched);
  }
  if (mine.oom) res->oom = true;
  for (int i = 0; i < mine.n; i++)
    if (out_has(n, mine.ids[i]) || hidden_has(n, mine.ids[i])) ids_add(res, mine.ids[i]);
  em_free(mine.ids);
}

/* Appends an output column to a projection or a pass-through node (arena
 * arrays are not grown in place): the new index, -1 on OOM. */
static int append_out(em_az *az, em_lplan *n, const em_attr *a, em_expr *x) {
  em_attr *no = em_arena_alloc(&az->plan->arena, sizeof *no * (size_t)(n->nout + 1));
  if (!no) return em_error_internal(az->err, "out of memory during analysis");
  memcpy(no, n->out, sizeof *no * (size_t)n->nout);
  no[n->nout] = *a;
  if (n->kind == EM_LP_PROJECT) {
    em_expr **nx = em_arena_alloc(&az->plan->arena, sizeof *nx * (size_t)(n->nout + 1));
    if (!nx) return em_error_internal(az->err, "out of memory during analysis");
    memcpy(nx, n->u.project.exprs, sizeof *nx * (size_t)n->nout);
    nx[n->nout] = x;
    n->u.project.exprs = nx;
  }
  n->out = no;
  return n->nout++;
}

static em_expr *column_of(em_az *az, const em_lplan *c, int j) {
  em_expr *x = new_expr(az, EM_EX_COLUMN);
  if (!x) return NULL;
  x->u.column = j;
  x->type = c->out[j].type;
  x->nullable = c->out[j].nullable;
  return x;
}

/* Makes hidden attribute `id` an output column of n (see above), with the
 * metadata `meta` when not NULL; returns its index, or -1 when it cannot
 * be reached. Within a join being resolved (az->join_scope) the attribute is
 * exposed in the join's input and az->exposed asks the caller to resolve
 * again over the new layout. */
static int expose_hidden(em_az *az, em_lplan *n, int64_t id, char *meta) {
  for (int i = 0; i < n->nout; i++)
    if (n->out[i].id == id) return i;
  if (az->no_expose) return -1;
  if (n->kind == EM_LP_JOIN) {
    if (n != az->join_scope) return -1;
    em_lplan *side = hidden_has(n->child, id) ? n->child : n->u.join.right;
    if (expose_hidden(az, side, id, meta) >= 0) az->exposed = true;
    return -1;
  }
  if (n->kind != EM_LP_PROJECT && !passes_through(n)) return -1;
  em_attr a;
  int j = -1;
  if (n->kind == EM_LP_PROJECT)
    for (int i = 0; i < n->u.project.nhidden; i++)
      if (n->u.project.hidden[i].id == id) {
        a = n->u.project.hidden[i];
        for (int k = 0; k < n->child->nout && j < 0; k++)
          if (n->child->out[k].id == id) j = k;
        if (j < 0) return -1;
        if (meta) a.metadata = meta;
      }
  if (j < 0) {
    if (n->kind == EM_LP_PROJECT && n->u.project.no_hidden) return -1;
    if ((j = expose_hidden(az, n->child, id, meta)) < 0) return -1;
    a = n->child->out[j];
  }
  a.hidden = true;
  em_expr *x = NULL;
  if (n->kind == EM_LP_PROJECT && !(x = column_of(az, n->child, j))) return -1;
  return append_out(az, n, &a, x);
}

static void dataframe_column_error(em_az *az, const em_spec_expr *e, em_errclass cls) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_putc(&sb, '"');
  for (int i = 0; i < e->u.attr.nparts; i++) em_strbuf_printf(&sb, "%s%s", i ? "." : "", e->u.attr.parts[i]);
  em_strbuf_putc(&sb, '"');
  em_error_set(az->err, cls, "name", sb.data ? sb.data : "", NULL);
  em_strbuf_free(&sb);
}

/* Resolves df["col"] in scope: the column index, or -1 with the error set. */
static int resolve_plan_id(em_az *az, const em_spec_expr *e, const em_lplan *scope) {
  id_set ids = {0};
  bool matched = false;
  int64_t pid = e->u.attr.plan_id;
  if (scope == az->join_scope && (scope->child->plan_id == pid) != (scope->u.join.right->plan_id == pid)) {
    /* A join condition naming one of the join's own inputs. */
    pid_search(az, scope->child->plan_id == pid ? scope->child : scope->u.join.right, e, &ids, &matched);
  } else {
    pid_search(az, scope, e, &ids, &matched);
  }
  int idx = -1;
  if (ids.oom) {
    em_error_internal(az->err, "out of memory during analysis");
  } else if (!matched) {
    dataframe_column_error(az, e, EM_ERR_CANNOT_RESOLVE_DATAFRAME_COLUMN_NO_PLAN);
  } else if (ids.n > 1) {
    dataframe_column_error(az, e, EM_ERR_AMBIGUOUS_COLUMN_REFERENCE);
  } else if (ids.n == 1) {
    /* The analyzer owns the nodes it built: exposing a hidden column
     * widens the child it is resolving against. */
    idx = expose_hidden(az, (em_lplan *)scope, ids.ids[0], NULL);
    if (idx < 0) dataframe_column_error(az, e, EM_ERR_CANNOT_RESOLVE_DATAFRAME_COLUMN);
  } else {
    dataframe_column_error(az, e, EM_ERR_CANNOT_RESOLVE_DATAFRAME_COLUMN);
  }
  em_free(ids.ids);
  return idx;
}

/* The JSON metadata Spark gives a hidden column named by a qualified name
 * or star (a metadata column's marker). */
static char *metadata_col_json(em_az *az, const char *name) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_puts(&sb, "{\"__metadata_col\":\"");
  for (const char *p = name; *p; p++) {
    if (*p == '"' || *p == '\\') em_strbuf_putc(&sb, '\\');
    em_strbuf_putc(&sb, *p);
  }
  em_strbuf_puts(&sb, "\"}");
  char *r = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return r;
}

/* `qualifier.name` naming a hidden column of scope: its index once exposed,
 * -1 when there is none. */
static int resolve_hidden_qualified(em_az *az, const em_lplan *scope, char **parts, int nparts) {
  if (nparts != 2) return -1;
  const em_attr *found = NULL, *list[256];
  int n = hidden_walk(scope, -1, &found, list, 0, 256);
  for (int i = 0; i < n && i < 256; i++)
    if (list[i]->qualifier && em_az_name_eq(az, list[i]->qualifier, parts[0]) &&
        em_az_name_eq(az, list[i]->name, parts[1]))
      return expose_hidden(az, (em_lplan *)scope, list[i]->id, metadata_col_json(az, list[i]->name));
  return -1;
}

int em_az_expand_qualified_star(em_az *az, em_lplan *scope, int base, const char *qualifier, int *idx, int cap) {
  const em_attr *found = NULL, *list[256];
  int nh = hidden_walk(scope, -1, &found, list, 0, 256), k = 0;
  for (int i = 0; i < nh && i < 256; i++) {
    if (!list[i]->qualifier || !em_az_name_eq(az, list[i]->qualifier, qualifier)) continue;
    int j = expose_hidden(az, scope, list[i]->id, metadata_col_json(az, list[i]->name));
    if (j < 0) return -1;
    if (k < cap) idx[k] = j;
    k++;
  }
  for (int i = 0; i < base; i++)
    if (scope->out[i].qualifier && !scope->out[i].hidden && em_az_name_eq(az, scope->out[i].qualifier, qualifier)) {
      if (k < cap) idx[k] = i;
      k++;
    }
  return k;
}

int em_az_count_hidden(const em_lplan *scope) {
  const em_attr *found = NULL;
  return scope ? hidden_walk(scope, -1, &found, NULL, 0, 0) : 0;
}

static em_expr *resolve_attr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                             char **metadata) {
  if (!scope) {
    unresolved_error(az, e, NULL);
    return NULL;
  }
  int idx = -1;
  if (e->u.attr.plan_id >= 0) {
    idx = resolve_plan_id(az, e, scope);
    if (idx < 0) return NULL;
  }
  if (idx < 0) {
    idx = find_column(az, scope, e->u.attr.parts, e->u.attr.nparts, false);
    if (idx == -2) return NULL;
    if (idx < 0) idx = resolve_hidden_qualified(az, scope, e->u.attr.parts, e->u.attr.nparts);
  }
  if (idx < 0 && e->u.attr.nparts > 1 && e->u.attr.plan_id < 0) {
    bool failed = false;
    em_expr *fx = em_az_resolve_field_path(az, e, scope, name, &failed);
    if (fx || failed) return fx;
  }
  if (idx < 0 && e->u.attr.plan_id < 0) {
    bool failed = false;
    em_expr *mx = em_az_resolve_file_metadata(az, e, scope, name, metadata, &failed);
    if (mx || failed) return mx;
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

static void unknown_function(em_az *az, const char *fname) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  quote_id(&sb, fname);
  em_error_set(az->err, EM_ERR_UNRESOLVED_ROUTINE, "routineName", sb.data ? sb.data : "", "searchPath",
               "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]", NULL);
  em_strbuf_free(&sb);
}

/* Lets the registry's resolver type a call over resolved arguments. */
static em_expr *finish_call(em_az *az, const em_func_def *def, em_func_call *call, const em_spec_expr *origin,
                            char **name) {
  call->name = def->name;
  call->ansi = az->ctx->ansi;
  call->arena = &az->plan->arena;
  if (def->resolve(call, az->err)) {
    if (call->type_owned) em_type_unref(call->type);
    return NULL;
  }
  if (call->type_owned && em_az_own_type(az, call->type)) return em_error_internal(az->err, "out of memory"), NULL;
  if (def->kind == EM_FN_WINDOW && !az->in_over) {
    char *fn = em_arena_printf(&az->plan->arena, "\"%s\"", call->sql ? call->sql : def->name);
    em_error_set(az->err, EM_ERR_WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE, "funcName", fn ? fn : "", NULL);
    return NULL;
  }
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!x) return em_error_internal(az->err, "out of memory"), NULL;
  x->kind = def->kind == EM_FN_AGGREGATE ? EM_EX_AGG : EM_EX_CALL;
  x->type = call->type;
  x->nullable = call->nullable;
  x->args = call->args;
  x->nargs = call->nargs;
  x->u.fn.name = def->name;
  x->u.fn.kernel = call->kernel;
  x->u.fn.agg = call->agg;
  x->u.fn.distinct = call->distinct;
  x->u.fn.data = call->data;
  if (origin) {
    x->origin_fragment = origin->origin_fragment;
    x->origin_call_site = origin->origin_call_site;
    x->origin_sql_summary = origin->sql_summary;
  }
  if (name) *name = call->sql ? call->sql : (char *)def->name;
  return x;
}

em_expr *em_az_call(em_az *az, const char *fname, em_expr *const *args, char *const *arg_sql, int nargs,
                    char **name) {
  const em_func_def *def = em_func_lookup(fname);
  if (!def) return unknown_function(az, fname), NULL;
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.nargs = nargs;
  call.args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(nargs + 1));
  call.arg_sql = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(nargs + 1));
  if (!call.args || !call.arg_sql) return em_error_internal(az->err, "out of memory"), NULL;
  memcpy(call.args, args, sizeof(em_expr *) * (size_t)nargs);
  for (int i = 0; i < nargs; i++) call.arg_sql[i] = arg_sql ? arg_sql[i] : (char *)"?";
  return finish_call(az, def, &call, NULL, name);
}

em_expr *em_az_call_distinct(em_az *az, const char *fname, em_expr *const *args, char *const *arg_sql, int nargs,
                             char **name) {
  const em_func_def *def = em_func_lookup(fname);
  if (!def) return unknown_function(az, fname), NULL;
  return em_az_call_def(az, def, true, args, arg_sql, nargs, name);
}

em_expr *em_az_call_def(em_az *az, const em_func_def *def, bool distinct, em_expr *const *args,
                        char *const *arg_sql, int nargs, char **name) {
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.nargs = nargs;
  call.distinct = distinct;
  call.args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(nargs + 1));
  call.arg_sql = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(nargs + 1));
  if (!call.args || !call.arg_sql) return em_error_internal(az->err, "out of memory"), NULL;
  memcpy(call.args, args, sizeof(em_expr *) * (size_t)nargs);
  for (int i = 0; i < nargs; i++) call.arg_sql[i] = arg_sql ? arg_sql[i] : (char *)"?";
  return finish_call(az, def, &call, NULL, name);
}

/* A function call: resolve the arguments, then let the registry's
 * resolver type the call, insert casts and name it as Spark does. */
static em_expr *resolve_func(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  if (em_az_is_nested_call(e)) return em_az_resolve_nested_call(az, e, scope, name);
  const em_func_def *def = em_func_lookup(e->u.func.name);
  if (!def) {
    const em_wasm_fn *udf = em_az_find_udf(az, e->u.func.name); /* session WASM UDFs */
    if (udf) return em_az_resolve_udf(az, udf, e, scope, name);
    return unknown_function(az, e->u.func.name), NULL;
  }
  int n = e->u.func.nargs;
  em_func_call call;
  memset(&call, 0, sizeof call);
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
  return finish_call(az, def, &call, e, name);
}

static em_expr *resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                             char **metadata);

em_expr *em_az_resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                            char **metadata) {
  az->expr_depth++;
  em_expr *x = resolve_expr(az, e, scope, name, metadata);
  az->expr_depth--;
  /* The innermost expression with a Python origin names the call site
   * (a SQL origin: the fragment and its position). */
  if (!x && e->origin_fragment) {
    if (e->sql_line) em_az_sql_context(az, e);
    else em_error_set_context(az->err, e->origin_fragment, e->origin_call_site);
  }
  return x;
}

bool em_az_auto_alias(const em_spec_expr *se) {
  return se->kind == EM_SE_FUNC || se->kind == EM_SE_WINDOW || se->kind == EM_SE_UPDATE_FIELDS ||
         (se->kind == EM_SE_CAST && se->u.cast.child->kind != EM_SE_ATTR);
}

static em_expr *resolve_expr(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name,
                             char **metadata) {
  *metadata = NULL;
  switch (e->kind) {
  case EM_SE_ATTR:
    return resolve_attr(az, e, scope, name, metadata);
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
    x->nullable = c->nullable ||
                  (!az->ctx->ansi && e->u.cast.mode != EM_CAST_ANSI && c->type->id != to->id) ||
                  em_cast_force_nullable(c->type, to);
    x->u.cast.ansi = e->u.cast.mode == EM_CAST_ANSI || (e->u.cast.mode == EM_CAST_DEFAULT && az->ctx->ansi);
    x->origin_fragment = e->origin_fragment;
    x->origin_call_site = e->origin_call_site;
    x->origin_sql_summary = e->sql_summary;
    /* Spark names a top-level cast of a column after the column
     * (ResolveAliases); other casts get their SQL text. */
    if ((e->u.cast.child->kind == EM_SE_ATTR && az->expr_depth <= 1) || em_type_is_nested(to)) {
      /* A cast to an array, map or struct prints as its child (Cast.sql). */
      *name = inner;
    } else {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_printf(&sb, "%s(%s AS ", e->u.cast.mode == EM_CAST_TRY ? "TRY_CAST" : "CAST", inner);
      em_type_sql(to, &sb);
      em_strbuf_putc(&sb, ')');
      *name = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
      em_strbuf_free(&sb);
    }
    return x;
  }
  case EM_SE_FUNC:
    if (em_az_is_sql_func(e->u.func.name)) return em_az_resolve_sql_expr(az, e, scope, name);
    return resolve_func(az, e, scope, name);
  case EM_SE_WINDOW:
    return em_az_resolve_window(az, e, scope, name);
  case EM_SE_EXTRACT:
  case EM_SE_UPDATE_FIELDS:
  case EM_SE_LAMBDA_VAR:
    return em_az_resolve_nested(az, e, scope, name);
  case EM_SE_ORDINAL:
  case EM_SE_SUBQUERY:
    return em_az_resolve_sql_expr(az, e, scope, name);
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
