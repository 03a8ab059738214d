/*
 * The analyzer: resolves spec relations into logical plan nodes, bottom up.
 * Each node's output attributes are computed here; expressions are resolved
 * against the child's output (resolve_expr.c). Spark's rules are the spec:
 * a range's column is `id: bigint NOT NULL`; toDF renames positionally and
 * requires the same column count; show_string yields one non-null string
 * column named show_string.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

static int push_ref(void ***arr, int *n, int *cap, void *p) {
  if (*n == *cap) {
    int ncap = *cap ? *cap * 2 : 16;
    void **na = em_realloc(*arr, (size_t)ncap * sizeof *na);
    if (!na) return -1;
    *arr = na;
    *cap = ncap;
  }
  (*arr)[(*n)++] = p;
  return 0;
}

/* Each takes the reference; on failure it is released (so callers may pass
 * em_xxx_ref(...) inline without leaking). */
int em_az_own_type(em_az *az, em_type *t) {
  if (!push_ref((void ***)&az->plan->types, &az->plan->ntypes, &az->plan->captypes, t)) return 0;
  em_type_unref(t);
  return -1;
}
int em_az_own_vec(em_az *az, em_vec *v) {
  if (!push_ref((void ***)&az->plan->vecs, &az->plan->nvecs, &az->plan->capvecs, v)) return 0;
  em_vec_unref(v);
  return -1;
}
int em_az_own_batch(em_az *az, em_batch *b) {
  if (!push_ref((void ***)&az->plan->batches, &az->plan->nbatches, &az->plan->capbatches, b)) return 0;
  em_batch_unref(b);
  return -1;
}

int64_t em_az_next_id(em_az *az) { return atomic_fetch_add(az->ctx->next_expr_id, 1); }

bool em_az_name_eq(const em_az *az, const char *a, const char *b) {
  return az->ctx->case_sensitive ? strcmp(a, b) == 0 : em_strcaseeq(a, b);
}

static em_lplan *new_node(em_az *az, em_lplan_kind kind, const em_spec_rel *r, int nout) {
  em_lplan *n = em_arena_calloc(&az->plan->arena, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  n->plan_id = r ? r->plan_id : -1;
  n->nout = nout;
  n->out = em_arena_calloc(&az->plan->arena, sizeof(em_attr) * (size_t)(nout ? nout : 1));
  if (!n->out) return NULL;
  return n;
}

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

/* Attributes pass through unchanged (limit, filter, ...). */
/* An aggregate call inside a WHERE condition (INVALID_WHERE_CONDITION). */
static const em_expr *find_agg(const em_expr *e) {
  if (!e) return NULL;
  if (e->kind == EM_EX_AGG) return e;
  for (int i = 0; i < e->nargs; i++) {
    const em_expr *a = find_agg(e->args[i]);
    if (a) return a;
  }
  return NULL;
}

static em_lplan *pass_through(em_az *az, em_lplan_kind kind, const em_spec_rel *r, em_lplan *child) {
  em_lplan *n = new_node(az, kind, r, child->nout);
  if (!n) return NULL;
  n->child = child;
  memcpy(n->out, child->out, sizeof(em_attr) * (size_t)child->nout);
  return n;
}

static em_lplan *resolve_rel(em_az *az, const em_spec_rel *r, int depth);

/* When resolving n's expressions widened its child (a df["col"] naming a
 * hidden USING join key), n passes that column on: a projection on top
 * restores the first `base` columns, as Spark's ResolveMissingReferences. */
static em_lplan *restore_columns(em_az *az, const em_spec_rel *r, em_lplan *n, int base) {
  if (!n || n->nout == base) return n;
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(base + 1));
  if (!idx) return oom(az), NULL;
  for (int i = 0; i < base; i++) idx[i] = i;
  return em_az_project_columns(az, r, n, idx, base);
}

/* Spark's OneRowRelation: what a projection without input reads (one row,
 * no columns). */
static em_lplan *one_row(em_az *az) {
  em_lplan *n = new_node(az, EM_LP_LOCAL, NULL, 0);
  if (!n) return oom(az), NULL;
  em_type *st = em_type_struct_new(0);
  em_batch *b = st ? em_batch_new(em_type_ref(st), 0, NULL, 1) : NULL;
  if (st) em_type_unref(st);
  n->u.local.batches = em_arena_calloc(&az->plan->arena, sizeof(em_batch *));
  if (!b || !n->u.local.batches || em_az_own_batch(az, b)) {
    if (b) em_batch_unref(b);
    return oom(az), NULL;
  }
  n->u.local.batches[0] = b;
  n->u.local.nbatches = 1;
  return n;
}

/* Star expansion of a projection: `*` (the child's visible columns) or
 * `t.*` (its hidden columns qualified by t, then its visible ones). Appends
 * column references to n; -1 with the error set. */
static int expand_star(em_az *az, const em_spec_expr *se, em_lplan *child, int base, em_lplan *n, int *k) {
  if (!child) {
    em_error_set(az->err, EM_ERR_INVALID_USAGE_OF_STAR, "elem", "'*'", "prettyName", "Project", NULL);
    return -1;
  }
  int cap = base + em_az_count_hidden(child);
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(cap + 1));
  if (!idx) return oom(az);
  int m = 0;
  if (se->u.star.ntarget == 0) {
    for (int c = 0; c < base; c++) idx[m++] = c;
  } else if (se->u.star.ntarget == 1) {
    m = em_az_expand_qualified_star(az, child, base, se->u.star.target[0], idx, cap);
    if (m < 0) return -1;
  }
  if (se->u.star.ntarget > 0 && m == 0) {
    /* No such qualifier: a struct's fields (select("p.*")). */
    em_expr **xs = NULL;
    char **names = NULL;
    int nf = em_az_struct_star(az, se, child, &xs, &names);
    if (nf < 0) return -1;
    for (int f = 0; f < nf; f++) {
      n->u.project.exprs[*k] = xs[f];
      em_attr *a = &n->out[*k];
      memset(a, 0, sizeof *a);
      a->name = names[f];
      a->type = xs[f]->type;
      a->nullable = xs[f]->nullable;
      a->id = em_az_next_id(az);
      (*k)++;
    }
    if (nf > 0) return 0;
  }
  if (se->u.star.ntarget > 0 && m == 0) {
    /* Spark: CANNOT_RESOLVE_STAR_EXPAND names the target and the columns. */
    em_strbuf t, cols;
    em_strbuf_init(&t);
    em_strbuf_init(&cols);
    for (int i = 0; i < se->u.star.ntarget; i++) {
      if (i) em_strbuf_putc(&t, '.');
      em_strbuf_printf(&t, "`%s`", se->u.star.target[i]);
    }
    for (int i = 0, j = 0; i < base; i++) {
      if (child->out[i].hidden) continue;
      em_strbuf_printf(&cols, "%s`%s`", j++ ? ", " : "", child->out[i].name);
    }
    em_error_set(az->err, EM_ERR_CANNOT_RESOLVE_STAR_EXPAND, "targetString", t.data ? t.data : "", "columns",
                 cols.data ? cols.data : "", NULL);
    if (se->origin_fragment) em_error_set_context(az->err, se->origin_fragment, se->origin_call_site);
    em_strbuf_free(&t);
    em_strbuf_free(&cols);
    return -1;
  }
  for (int i = 0; i < m; i++) {
    int c = idx[i];
    em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
    if (!x) return oom(az);
    x->kind = EM_EX_COLUMN;
    x->u.column = c;
    x->type = child->out[c].type;
    x->nullable = child->out[c].nullable;
    n->u.project.exprs[*k] = x;
    n->out[*k] = child->out[c];
    n->out[*k].hidden = false; /* named by the star: a column like any other now */
    (*k)++;
  }
  return 0;
}


/* Whether a projection item calls an aggregate function outside any window
 * (Spark's GlobalAggregates: such a select is an aggregation with no
 * grouping). Lambdas and windows do not count. */
static bool spec_has_aggregate(const em_spec_expr *e) {
  if (!e) return false;
  switch (e->kind) {
  case EM_SE_FUNC: {
    const em_func_def *d = em_func_lookup(e->u.func.name);
    if (d && d->kind == EM_FN_AGGREGATE) return true;
    for (int i = 0; i < e->u.func.nargs; i++)
      if (spec_has_aggregate(e->u.func.args[i])) return true;
    return false;
  }
  case EM_SE_ALIAS: return spec_has_aggregate(e->u.alias.child);
  case EM_SE_CAST: return spec_has_aggregate(e->u.cast.child);
  case EM_SE_SORT_ORDER: return spec_has_aggregate(e->u.sort.child);
  case EM_SE_EXTRACT: return spec_has_aggregate(e->u.extract.child) || spec_has_aggregate(e->u.extract.extraction);
  default: return false;
  }
}

static em_lplan *resolve_global_aggregate(em_az *az, const em_spec_rel *r, em_lplan *child) {
  em_spec_rel *agg = em_arena_calloc(&az->plan->arena, sizeof *agg);
  if (!agg) return oom(az), NULL;
  *agg = *r;
  agg->kind = EM_SR_AGGREGATE;
  memset(&agg->u, 0, sizeof agg->u);
  agg->u.aggregate.group_type = EM_GROUP_BY;
  agg->u.aggregate.aggs = r->u.project.exprs;
  agg->u.aggregate.naggs = r->u.project.nexprs;
  return em_az_resolve_aggregate(az, agg, child);
}

static em_lplan *resolve_project(em_az *az, const em_spec_rel *r, em_lplan *child) {
  /* A star expands to several outputs: count them first. The child's
   * visible columns are fixed now: naming a hidden USING key widens it. */
  int base = child ? child->nout : 0;
  int nhidden = child ? em_az_count_hidden(child) : 0;
  int cap = 0;
  for (int i = 0; i < r->u.project.nexprs; i++)
    cap += r->u.project.exprs[i]->kind == EM_SE_STAR ? base + nhidden + (child ? em_az_struct_star_cap(child) : 0) : 1;
  em_lplan *n = new_node(az, EM_LP_PROJECT, r, cap);
  if (!n) return oom(az), NULL;
  n->child = child;
  n->u.project.exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(cap ? cap : 1));
  if (!n->u.project.exprs) return oom(az), NULL;
  int k = 0;
  for (int i = 0; i < r->u.project.nexprs; i++) {
    const em_spec_expr *se = r->u.project.exprs[i];
    if (se->kind == EM_SE_STAR) {
      if (expand_star(az, se, child, base, n, &k)) return NULL;
      continue;
    }
    char *name = NULL, *meta = NULL;
    em_expr *x = em_az_resolve_expr(az, se, child, &name, &meta);
    if (!x) return NULL;
    n->u.project.exprs[k] = x;
    em_attr *a = &n->out[k++];
    a->name = name;
    a->type = x->type;
    a->nullable = x->nullable;
    a->metadata = meta;
    /* Spark marks the generated name of an unaliased computed column. */
    if (!a->metadata && em_az_auto_alias(se)) a->metadata = "{\"__autoGeneratedAlias\":\"true\"}";
    /* A plain column reference keeps its attribute (and id); anything else
     * is a new attribute. */
    if (x->kind == EM_EX_COLUMN && child && se->kind == EM_SE_ATTR) {
      const em_attr *src = &child->out[x->u.column];
      a->id = src->id;
      a->qualifier = src->qualifier;
      if (!a->metadata) a->metadata = src->metadata;
    } else {
      a->id = em_az_next_id(az);
    }
  }
  n->nout = k;
  return n;
}

/* A projection of the child's columns `idx` (one output per entry). */
em_lplan *em_az_project_columns(em_az *az, const em_spec_rel *r, em_lplan *child, const int *idx, int n) {
  em_lplan *p = new_node(az, EM_LP_PROJECT, r, n);
  if (!p) return oom(az), NULL;
  p->child = child;
  p->u.project.exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  if (!p->u.project.exprs) return oom(az), NULL;
  for (int i = 0; i < n; i++) {
    em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
    if (!x) return oom(az), NULL;
    x->kind = EM_EX_COLUMN;
    x->u.column = idx[i];
    x->type = child->out[idx[i]].type;
    x->nullable = child->out[idx[i]].nullable;
    p->u.project.exprs[i] = x;
    p->out[i] = child->out[idx[i]];
  }
  return p;
}

/* withColumns: each alias replaces the column of that name (in place) or
 * is appended, as Spark's Dataset.withColumns does. */
static em_lplan *resolve_with_columns(em_az *az, const em_spec_rel *r, em_lplan *child) {
  int na = r->u.with_columns.naliases;
  em_lplan *p = new_node(az, EM_LP_PROJECT, r, child->nout + na);
  if (!p) return oom(az), NULL;
  p->child = child;
  p->u.project.exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(child->nout + na + 1));
  if (!p->u.project.exprs) return oom(az), NULL;
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(child->nout + 1));
  if (!idx) return oom(az), NULL;
  for (int i = 0; i < child->nout; i++) idx[i] = i;
  em_lplan *base = em_az_project_columns(az, r, child, idx, child->nout);
  if (!base) return NULL;
  memcpy(p->u.project.exprs, base->u.project.exprs, sizeof(em_expr *) * (size_t)child->nout);
  memcpy(p->out, base->out, sizeof(em_attr) * (size_t)child->nout);
  int n = child->nout;
  for (int k = 0; k < na; k++) {
    const em_spec_expr *al = r->u.with_columns.aliases[k];
    char *name = NULL, *meta = NULL;
    em_expr *x = em_az_resolve_expr(az, al, child, &name, &meta);
    if (!x) return NULL;
    int at = -1;
    for (int i = 0; i < n; i++)
      if (em_az_name_eq(az, p->out[i].name, name)) at = i;
    if (at < 0) at = n++;
    p->u.project.exprs[at] = x;
    em_attr *a = &p->out[at];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->type = x->type;
    a->nullable = x->nullable;
    a->metadata = meta;
    a->id = em_az_next_id(az);
  }
  p->nout = n;
  return p;
}

static em_lplan *resolve_renamed(em_az *az, const em_spec_rel *r, em_lplan *child) {
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(child->nout + 1));
  if (!idx) return oom(az), NULL;
  for (int i = 0; i < child->nout; i++) idx[i] = i;
  em_lplan *p = em_az_project_columns(az, r, child, idx, child->nout);
  if (!p) return NULL;
  for (int k = 0; k < r->u.renamed.n; k++)
    for (int i = 0; i < p->nout; i++)
      if (em_az_name_eq(az, p->out[i].name, r->u.renamed.from[k])) {
        p->out[i].name = r->u.renamed.to[k];
        p->out[i].id = em_az_next_id(az);
      }
  return p;
}

/* drop: by name (unknown names are ignored, as in Spark) or by column. */
static em_lplan *resolve_drop(em_az *az, const em_spec_rel *r, em_lplan *child) {
  bool *gone = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(child->nout + 1));
  int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(child->nout + 1));
  if (!gone || !idx) return oom(az), NULL;
  for (int k = 0; k < r->u.drop.nnames; k++)
    for (int i = 0; i < child->nout; i++)
      if (em_az_name_eq(az, child->out[i].name, r->u.drop.names[k])) gone[i] = true;
  for (int k = 0; k < r->u.drop.ncols; k++) {
    const em_spec_expr *c = r->u.drop.cols[k];
    if (c->kind != EM_SE_ATTR) continue;
    char *name = NULL, *meta = NULL;
    em_error probe;
    em_error *saved = az->err;
    az->err = &probe;
    az->no_expose = true;
    em_expr *x = em_az_resolve_expr(az, c, child, &name, &meta);
    az->no_expose = false;
    az->err = saved;
    if (x && x->kind == EM_EX_COLUMN) gone[x->u.column] = true;
  }
  int n = 0;
  for (int i = 0; i < child->nout; i++)
    if (!gone[i]) idx[n++] = i;
  return em_az_project_columns(az, r, child, idx, n);
}

/* A projection with window expressions gets the Window nodes that compute
 * them as its new child (resolve_window.c). */
static em_lplan *with_windows(em_az *az, const em_spec_rel *r, em_lplan *child,
                              em_lplan *(*fn)(em_az *, const em_spec_rel *, em_lplan *)) {
  bool has = false;
  if (r->kind == EM_SR_PROJECT)
    for (int i = 0; i < r->u.project.nexprs; i++) has |= em_az_has_window(r->u.project.exprs[i]);
  else
    for (int i = 0; i < r->u.with_columns.naliases; i++) has |= em_az_has_window(r->u.with_columns.aliases[i]);
  if (!has) return fn(az, r, child);
  struct em_az_win *saved = az->win;
  if (em_az_win_begin(az, child)) return NULL;
  em_lplan *n = fn(az, r, child);
  em_lplan *wc = n ? em_az_win_end(az, child) : NULL;
  az->win = saved;
  if (!wc) return NULL;
  n->child = wc;
  return n;
}

static em_lplan *resolve_rel(em_az *az, const em_spec_rel *r, int depth) {
  if (depth > 4096) {
    em_error_internal(az->err, "plan nested deeper than 4096 levels");
    return NULL;
  }
  em_lplan *child = NULL;
  if (r->input) {
    child = resolve_rel(az, r->input, depth + 1);
    if (!child) return NULL;
  }
  em_lplan *n = NULL;
  switch (r->kind) {
  case EM_SR_RANGE: {
    if (r->u.range.step == 0) {
      em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", "requirement failed: step cannot be 0", NULL);
      return NULL;
    }
    n = new_node(az, EM_LP_RANGE, r, 1);
    if (!n) return oom(az), NULL;
    n->u.range.start = r->u.range.start;
    n->u.range.end = r->u.range.end;
    n->u.range.step = r->u.range.step;
    n->u.range.num_partitions = r->u.range.num_partitions > 0 ? r->u.range.num_partitions
                                                              : (az->ctx->default_parallelism > 0 ? az->ctx->default_parallelism : 1);
    n->out[0].name = "id";
    n->out[0].type = em_type_long();
    n->out[0].nullable = false;
    n->out[0].id = em_az_next_id(az);
    return n;
  }
  case EM_SR_LOCAL: {
    em_type *schema = r->u.local.schema;
    if (!schema && r->u.local.nbatches > 0) schema = r->u.local.batches[0]->schema;
    if (!schema || schema->id != EM_T_STRUCT) {
      em_error_internal(az->err, "A local relation needs a schema or data");
      return NULL;
    }
    int nf = schema->u.st.nfields;
    n = new_node(az, EM_LP_LOCAL, r, nf);
    if (!n) return oom(az), NULL;
    for (int i = 0; i < nf; i++) {
      const em_field *f = &schema->u.st.fields[i];
      n->out[i].name = f->name;
      n->out[i].type = f->type;
      n->out[i].nullable = f->nullable;
      n->out[i].metadata = f->metadata;
      n->out[i].id = em_az_next_id(az);
    }
    if (em_az_own_type(az, em_type_ref(schema))) return oom(az), NULL;
    n->u.local.batches = em_arena_calloc(&az->plan->arena, sizeof(em_batch *) * (size_t)(r->u.local.nbatches + 1));
    if (!n->u.local.batches) return oom(az), NULL;
    for (int i = 0; i < r->u.local.nbatches; i++) {
      em_batch *b = r->u.local.batches[i];
      if (b->ncols != nf) {
        em_error_internal(az->err, "local relation batch has %d columns, schema has %d", b->ncols, nf);
        return NULL;
      }
      if (em_az_own_batch(az, em_batch_ref(b))) return oom(az), NULL;
      n->u.local.batches[i] = b;
    }
    n->u.local.nbatches = r->u.local.nbatches;
    n->u.local.max_partitions = az->ctx->default_parallelism > 0 ? az->ctx->default_parallelism : 1;
    return n;
  }
  case EM_SR_PROJECT:
    if (!child && !(child = one_row(az))) return NULL;
    if (em_az_project_has_generator(az, (const em_spec_expr *const *)r->u.project.exprs, r->u.project.nexprs))
      return em_az_resolve_generate(az, r, r->u.project.exprs, r->u.project.nexprs, child);
    for (int i = 0; i < r->u.project.nexprs; i++)
      if (spec_has_aggregate(r->u.project.exprs[i])) return resolve_global_aggregate(az, r, child);
    return with_windows(az, r, child, resolve_project);
  case EM_SR_WITH_COLUMNS:
    if (em_az_project_has_generator(az, (const em_spec_expr *const *)r->u.with_columns.aliases,
                                    r->u.with_columns.naliases)) {
      /* withColumn(name, generator): the child's columns, then the new one. */
      int na = r->u.with_columns.naliases;
      em_spec_expr **items = em_arena_calloc(&az->plan->arena, sizeof *items * (size_t)(na + 2));
      em_spec_expr *star = em_arena_calloc(&az->plan->arena, sizeof *star);
      if (!items || !star) return oom(az), NULL;
      star->kind = EM_SE_STAR;
      star->u.star.plan_id = -1;
      items[0] = star;
      memcpy(items + 1, r->u.with_columns.aliases, sizeof *items * (size_t)na);
      return em_az_resolve_generate(az, r, items, na + 1, child);
    }
    return with_windows(az, r, child, resolve_with_columns);
  case EM_SR_WITH_COLUMNS_RENAMED:
    return resolve_renamed(az, r, child);
  case EM_SR_DROP:
    return resolve_drop(az, r, child);
  case EM_SR_SUBQUERY_ALIAS: {
    int *idx = em_arena_calloc(&az->plan->arena, sizeof(int) * (size_t)(child->nout + 1));
    if (!idx) return oom(az), NULL;
    for (int i = 0; i < child->nout; i++) idx[i] = i;
    n = em_az_project_columns(az, r, child, idx, child->nout);
    if (!n) return NULL;
    for (int i = 0; i < n->nout; i++) n->out[i].qualifier = r->u.subquery_alias.alias;
    n->u.project.no_hidden = true;
    return n;
  }
  case EM_SR_TO_DF: {
    if (r->u.to_df.nnames != child->nout) {
      /* Spark's Dataset.toDF: require(...) -> IllegalArgumentException. */
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_strbuf_printf(&sb, "requirement failed: The number of columns doesn't match.\nOld column names (%d): ",
                       child->nout);
      for (int i = 0; i < child->nout; i++) em_strbuf_printf(&sb, "%s%s", i ? ", " : "", child->out[i].name);
      em_strbuf_printf(&sb, "\nNew column names (%d): ", r->u.to_df.nnames);
      for (int i = 0; i < r->u.to_df.nnames; i++) em_strbuf_printf(&sb, "%s%s", i ? ", " : "", r->u.to_df.names[i]);
      em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      return NULL;
    }
    n = new_node(az, EM_LP_PROJECT, r, child->nout);
    if (!n) return oom(az), NULL;
    n->child = child;
    n->u.project.exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(child->nout + 1));
    if (!n->u.project.exprs) return oom(az), NULL;
    for (int i = 0; i < child->nout; i++) {
      em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
      if (!x) return oom(az), NULL;
      x->kind = EM_EX_COLUMN;
      x->u.column = i;
      x->type = child->out[i].type;
      x->nullable = child->out[i].nullable;
      n->u.project.exprs[i] = x;
      n->out[i] = child->out[i];
      n->out[i].name = r->u.to_df.names[i];
      n->out[i].id = em_az_next_id(az);
    }
    return n;
  }
  case EM_SR_FILTER: {
    int base = child->nout;
    char *name = NULL, *meta = NULL;
    if (em_az_has_window(r->u.filter.cond)) {
      em_error_set(az->err, EM_ERR_WINDOW_FUNCTION_NOT_ALLOWED_IN_CLAUSE, "clauseName", "WHERE", NULL);
      return NULL;
    }
    em_expr *cond = em_az_resolve_expr(az, r->u.filter.cond, child, &name, &meta);
    if (!cond) return NULL;
    if (em_az_refuse_generator(az, cond, em_arena_printf(&az->plan->arena, "'Filter %s", name))) return NULL;
    const em_expr *agg = find_agg(cond);
    if (agg) {
      em_error_set(az->err, EM_ERR_INVALID_WHERE_CONDITION, "condition",
                   em_arena_printf(&az->plan->arena, "\"%s\"", name), "expressionList",
                   agg->u.fn.name ? agg->u.fn.name : "", NULL);
      return NULL;
    }
    if (cond->type->id != EM_T_BOOLEAN) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_type_sql(cond->type, &sb);
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_FILTER_NOT_BOOLEAN, "sqlExpr", name, "filter", name, "type",
                   sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      return NULL;
    }
    n = pass_through(az, EM_LP_FILTER, r, child);
    if (!n) return oom(az), NULL;
    n->u.filter.cond = cond;
    return restore_columns(az, r, n, base);
  }
  case EM_SR_LIMIT:
  case EM_SR_OFFSET:
  case EM_SR_TAIL: {
    if (r->u.limit.n < 0) {
      char v[32];
      snprintf(v, sizeof v, "%lld", (long long)r->u.limit.n);
      const char *what = r->kind == EM_SR_OFFSET ? "offset" : "limit";
      em_error_set(az->err, EM_ERR_INVALID_LIMIT_LIKE_EXPRESSION_IS_NEGATIVE, "name", what, "v", v, NULL);
      return NULL;
    }
    em_lplan_kind k = r->kind == EM_SR_LIMIT ? EM_LP_LIMIT : r->kind == EM_SR_OFFSET ? EM_LP_OFFSET : EM_LP_TAIL;
    n = pass_through(az, k, r, child);
    if (!n) return oom(az), NULL;
    n->u.limit.n = r->u.limit.n;
    return n;
  }
  case EM_SR_AGGREGATE:
    return em_az_resolve_aggregate(az, r, child);
  case EM_SR_DEDUPLICATE:
    return em_az_resolve_deduplicate(az, r, child);
  case EM_SR_SORT: {
    int base = child->nout;
    int k = r->u.sort.norders;
    em_expr **keys = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(k + 1));
    bool *ascending = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(k + 1));
    bool *nulls_first = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(k + 1));
    if (!keys || !ascending || !nulls_first) return oom(az), NULL;
    for (int i = 0; i < k; i++) {
      const em_spec_expr *o = r->u.sort.orders[i];
      /* Spark: ascending sorts nulls first, descending nulls last. */
      bool asc = true;
      em_null_order nulls = EM_NULLS_DEFAULT;
      if (o->kind == EM_SE_SORT_ORDER) {
        asc = o->u.sort.ascending;
        nulls = o->u.sort.nulls;
        o = o->u.sort.child;
      }
      char *name = NULL, *meta = NULL;
      em_expr *x = em_az_resolve_expr(az, o, child, &name, &meta);
      if (!x) return NULL;
      if (em_az_refuse_generator(az, x,
                                 em_arena_printf(&az->plan->arena, "Sort [%s %s %s], true", name,
                                                 asc ? "ASC" : "DESC",
                                                 (nulls == EM_NULLS_DEFAULT ? asc : nulls == EM_NULLS_FIRST)
                                                     ? "NULLS FIRST" : "NULLS LAST")))
        return NULL;
      if (!em_sort_type_supported(x->type)) {
        em_strbuf sb;
        em_strbuf_init(&sb);
        em_strbuf_putc(&sb, '"');
        em_type_sql(x->type, &sb);
        em_strbuf_putc(&sb, '"');
        em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_INVALID_ORDERING_TYPE, "sqlExpr",
                     em_arena_printf(&az->plan->arena, "\"%s ASC NULLS FIRST\"", name), "functionName", "`sortorder`",
                     "dataType", sb.data ? sb.data : "", NULL);
        em_strbuf_free(&sb);
        return NULL;
      }
      keys[i] = x;
      ascending[i] = asc;
      nulls_first[i] = nulls == EM_NULLS_DEFAULT ? asc : nulls == EM_NULLS_FIRST;
    }
    n = pass_through(az, EM_LP_SORT, r, child);
    if (!n) return oom(az), NULL;
    n->u.sort.nkeys = k;
    n->u.sort.global = r->u.sort.global;
    n->u.sort.keys = keys;
    n->u.sort.ascending = ascending;
    n->u.sort.nulls_first = nulls_first;
    return restore_columns(az, r, n, base);
  }
  case EM_SR_JOIN: {
    em_lplan *right = resolve_rel(az, r->u.join.right, depth + 1);
    if (!right) return NULL;
    if (r->u.join.natural && !(r = em_az_natural_join(az, r, child, right))) return NULL;
    return em_az_resolve_join(az, r, child, right);
  }
  case EM_SR_NAMED_TABLE:
    return em_az_resolve_named_table(az, r, depth);
  case EM_SR_SHOW_STRING:
  case EM_SR_HTML_STRING: {
    n = new_node(az, EM_LP_SHOW_STRING, r, 1);
    if (!n) return oom(az), NULL;
    n->child = child;
    n->u.show.num_rows = r->u.show.num_rows;
    n->u.show.truncate = r->u.show.truncate;
    n->u.show.vertical = r->u.show.vertical;
    n->u.show.html = r->kind == EM_SR_HTML_STRING;
    n->out[0].name = n->u.show.html ? "html_string" : "show_string";
    n->out[0].type = em_type_string();
    n->out[0].nullable = false;
    n->out[0].id = em_az_next_id(az);
    return n;
  }
  case EM_SR_REPARTITION:
  case EM_SR_REPARTITION_BY_EXPR:
  case EM_SR_HINT:
    return em_az_resolve_partitioning(az, r, child);
  case EM_SR_SET_OP:
    return em_az_resolve_set_op(az, r, child, depth);
  case EM_SR_FILL_NA:
  case EM_SR_DROP_NA:
  case EM_SR_REPLACE:
    return em_az_resolve_na(az, r, child);
  case EM_SR_TO_SCHEMA:
  case EM_SR_WITH_WATERMARK:
  case EM_SR_SAMPLE:
    return em_az_resolve_schema(az, r, child);
  case EM_SR_READ:
    return em_az_resolve_read(az, r);
  case EM_SR_UNPIVOT:
    return em_az_resolve_unpivot(az, r, child);
  case EM_SR_STAT_SUMMARY:
  case EM_SR_STAT_DESCRIBE:
  case EM_SR_STAT_CROSSTAB:
  case EM_SR_STAT_COV:
  case EM_SR_STAT_CORR:
  case EM_SR_STAT_APPROX_QUANTILE:
  case EM_SR_STAT_FREQ_ITEMS:
  case EM_SR_STAT_SAMPLE_BY:
  case EM_SR_COLLECT_METRICS:
    return em_az_resolve_stat(az, r, child);
  case EM_SR_CACHED_REMOTE:
    return em_az_resolve_cached_remote(az, r);
  default:
    break;
  }
  em_error_set(az->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Relation", "name",
               em_spec_rel_kind_name(r->kind), "number",
               em_arena_printf(&az->plan->arena, "%d", em_spec_rel_kind_field(r->kind)), NULL);
  return NULL;
}

em_lplan *em_az_new_node(em_az *az, em_lplan_kind kind, const em_spec_rel *r, int nout) {
  return new_node(az, kind, r, nout);
}

em_lplan *em_az_pass_through(em_az *az, em_lplan_kind kind, const em_spec_rel *r, em_lplan *child) {
  em_lplan *n = pass_through(az, kind, r, child);
  if (!n) oom(az);
  return n;
}

em_lplan *em_az_resolve_rel(em_az *az, const em_spec_rel *r, int depth) { return resolve_rel(az, r, depth); }

int em_analyze(const em_spec_rel *rel, const em_analyze_ctx *ctx, em_plan **out, em_error *err) {
  em_plan *p = em_calloc(1, sizeof *p);
  if (!p) return em_error_internal(err, "out of memory during analysis");
  em_arena_init(&p->arena, 4096);
  em_az az = {.ctx = ctx, .plan = p, .err = err};
  em_lplan *root = resolve_rel(&az, rel, 0);
  if (!root) {
    em_plan_free(p);
    /* Spark's AnalysisException message ends with the unresolved plan
     * (not a function lookup's WRONG_NUM_ARGS, raised before there is one). */
    if (em_errclass_exc(err->cls) == EM_EXC_EXT_ANALYSIS && err->cls != EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_spec_describe(rel, &sb);
      em_error_append(err, ";\n%s", sb.data ? sb.data : "");
      em_strbuf_free(&sb);
    }
    return -1;
  }
  if (em_az_use_cache(&az, &root)) {
    em_plan_free(p);
    return -1;
  }
  if (em_az_optimize(&az, &root)) {
    em_plan_free(p);
    return -1;
  }
  p->root = root;
  p->schema = em_lplan_schema(root);
  if (!p->schema) {
    em_plan_free(p);
    return em_error_internal(err, "out of memory during analysis");
  }
  *out = p;
  return 0;
}
