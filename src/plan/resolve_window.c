/*
 * Window expressions in projections (select, withColumn), as Spark's
 * ExtractWindowExpressions: each `f(...) OVER (...)` of a projection is
 * resolved against the projection's child and replaced by a reference to a
 * column of a Window node placed between the child and the projection, so
 * it may sit inside any expression (`v / sum(v) OVER (...)`). One Window
 * node per distinct (partition, order) specification, stacked: each passes
 * its input's columns on and appends its window columns. Under each Window
 * node the child is hash-partitioned by the partition keys (one partition
 * without keys) and sorted within partitions by partition then order keys,
 * which is the distribution and ordering Spark's WindowExec requires.
 *
 * Spark's rules: the default frame is RANGE BETWEEN UNBOUNDED PRECEDING AND
 * CURRENT ROW with an ORDER BY, the whole partition (ROWS UNBOUNDED ...
 * UNBOUNDED FOLLOWING) without; ranking functions and lag/lead require an
 * ORDER BY and have frames of their own (a different user frame is
 * _LEGACY_ERROR_TEMP_1036 / _1035); DISTINCT aggregates and scalar
 * functions are refused; value RANGE frames need one numeric order key.
 * Generated names print the whole specification, frame included:
 * `sum(v) OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST RANGE BETWEEN
 * UNBOUNDED PRECEDING AND CURRENT ROW)`; a value bound prints as
 * `<n> FOLLOWING` even when negative, as Spark 4 does.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

typedef struct win_item {
  em_win_expr w;
  char *name; /* full generated name */
  char *spec; /* partition + order text (grouping key) */
  em_expr **pkeys;
  int npkeys;
  em_expr **okeys;
  bool *asc, *nf;
  int nokeys;
  em_type *type;
  bool nullable;
  int64_t id;
  int group, slot; /* Window node and column within it */
} win_item;

typedef struct em_az_win {
  em_lplan *child;
  win_item *items;
  int nitems, cap;
  em_expr **refs; /* placeholders to patch: refs[i] names item ref_item[i] */
  int *ref_item;
  int nrefs, caprefs;
  bool interval_bound; /* the frame being resolved has an INTERVAL bound */
} em_az_win;

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

bool em_az_has_window(const em_spec_expr *e) {
  if (!e) return false;
  switch (e->kind) {
  case EM_SE_WINDOW: return true;
  case EM_SE_FUNC:
    for (int i = 0; i < e->u.func.nargs; i++)
      if (em_az_has_window(e->u.func.args[i])) return true;
    return false;
  case EM_SE_ALIAS: return em_az_has_window(e->u.alias.child);
  case EM_SE_CAST: return em_az_has_window(e->u.cast.child);
  default: return false;
  }
}

bool em_az_win_is_ref(const em_az *az, const em_expr *e) {
  const em_az_win *w = az->win;
  for (int i = 0; w && i < w->nrefs; i++)
    if (w->refs[i] == e) return true;
  return false;
}

int em_az_win_begin(em_az *az, em_lplan *child) {
  em_az_win *w = em_arena_calloc(&az->plan->arena, sizeof *w);
  if (!w) return oom(az);
  w->child = child;
  az->win = w;
  return 0;
}

/* A frame bound's literal value: its number and SQL text. */
static int bound_value(em_az *az, const em_spec_expr *se, long double *v, bool *integral, char **sql,
                       bool *preceding) {
  char *meta = NULL;
  /* SQL's `n PRECEDING` is UnaryMinus(n): its value is -n and its text
   * `n PRECEDING` (Spark's SpecifiedWindowFrame.boundarySql). */
  *preceding = false;
  if (se->kind == EM_SE_FUNC && se->u.func.nargs == 1 && em_strcaseeq(se->u.func.name, "negative") &&
      se->u.func.args[0]->kind == EM_SE_LITERAL) {
    if (bound_value(az, se->u.func.args[0], v, integral, sql, preceding)) return -1;
    *v = -*v;
    *preceding = true;
    return 0;
  }
  em_expr *x = em_az_resolve_expr(az, se, NULL, sql, &meta);
  if (!x) return -1;
  const void *p = x->kind == EM_EX_LITERAL ? em_vec_values(x->u.lit) : NULL;
  /* An INTERVAL DAY TO SECOND bound (DATE and TIMESTAMP keys): microseconds,
   * flagged by integral = false and the type kept for the key check. */
  if (x->kind == EM_EX_LITERAL && !em_vec_is_null(x->u.lit, 0) && x->type->id == EM_T_DT_INTERVAL) {
    *v = (long double)((const int64_t *)p)[0];
    *integral = false;
    az->win->interval_bound = true;
    return 0;
  }
  if (x->kind != EM_EX_LITERAL || em_vec_is_null(x->u.lit, 0) || !em_type_is_numeric(x->type))
    return em_error_internal(az->err, "a window frame boundary must be a numeric literal");
  *integral = true;
  *v = 0;
  switch (x->type->id) {
  case EM_T_BYTE: *v = ((const int8_t *)p)[0]; break;
  case EM_T_SHORT: *v = ((const int16_t *)p)[0]; break;
  case EM_T_INT: *v = ((const int32_t *)p)[0]; break;
  case EM_T_LONG: *v = (long double)((const int64_t *)p)[0]; break;
  case EM_T_FLOAT: *v = ((const float *)p)[0]; *integral = false; break;
  case EM_T_DOUBLE: *v = ((const double *)p)[0]; *integral = false; break;
  case EM_T_DECIMAL: {
    __int128 u = ((const __int128 *)p)[0];
    long double d = 1;
    for (int i = 0; i < x->type->u.dec.scale; i++) d *= 10;
    *v = (long double)u / d;
    *integral = x->type->u.dec.scale == 0;
    break;
  }
  default: break;
  }
  return 0;
}

static void bound_text(em_strbuf *sb, em_frame_bound k, const char *val, bool lower, bool preceding) {
  if (k == EM_FB_UNBOUNDED) em_strbuf_puts(sb, lower ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING");
  else if (k == EM_FB_CURRENT) em_strbuf_puts(sb, "CURRENT ROW");
  else em_strbuf_printf(sb, "%s %s", val, preceding ? "PRECEDING" : "FOLLOWING");
}

/* Spark's text of a frame in the legacy 1035/1036 messages. */
static char *legacy_frame(em_az *az, const em_win_frame *f, const char *lo, const char *hi) {
  const char *l = f->lo_kind == EM_FB_UNBOUNDED ? "unboundedpreceding$()" : f->lo_kind == EM_FB_CURRENT ? "currentrow$()" : lo;
  const char *h = f->hi_kind == EM_FB_UNBOUNDED ? "unboundedfollowing$()" : f->hi_kind == EM_FB_CURRENT ? "currentrow$()" : hi;
  return em_arena_printf(&az->plan->arena, "specifiedwindowframe(%s, %s, %s)", f->rows ? "RowFrame" : "RangeFrame", l, h);
}

static int push_item(em_az *az, em_az_win *w, win_item *it) {
  if (w->nitems == w->cap) {
    int nc = w->cap ? w->cap * 2 : 8;
    win_item *ni = em_arena_alloc(&az->plan->arena, sizeof *ni * (size_t)nc);
    if (!ni) return oom(az);
    if (w->nitems) memcpy(ni, w->items, sizeof *ni * (size_t)w->nitems);
    w->items = ni;
    w->cap = nc;
  }
  w->items[w->nitems++] = *it;
  return 0;
}

static int push_ref(em_az *az, em_az_win *w, em_expr *ref, int item) {
  if (w->nrefs == w->caprefs) {
    int nc = w->caprefs ? w->caprefs * 2 : 8;
    em_expr **nr = em_arena_alloc(&az->plan->arena, sizeof *nr * (size_t)nc);
    int *ni = em_arena_alloc(&az->plan->arena, sizeof *ni * (size_t)nc);
    if (!nr || !ni) return oom(az);
    if (w->nrefs) {
      memcpy(nr, w->refs, sizeof *nr * (size_t)w->nrefs);
      memcpy(ni, w->ref_item, sizeof *ni * (size_t)w->nrefs);
    }
    w->refs = nr;
    w->ref_item = ni;
    w->caprefs = nc;
  }
  w->refs[w->nrefs] = ref;
  w->ref_item[w->nrefs++] = item;
  return 0;
}

em_expr *em_az_resolve_window(em_az *az, const em_spec_expr *e, const em_lplan *scope, char **name) {
  em_az_win *w = az->win;
  if (!w) {
    em_error_set(az->err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Expression", "name", "window",
                 "number", "5", NULL);
    return NULL;
  }
  em_arena *A = &az->plan->arena;
  win_item it;
  memset(&it, 0, sizeof it);
  /* The function. */
  char *fsql = NULL, *meta = NULL;
  bool saved = az->in_over;
  az->in_over = true;
  em_expr *fx = em_az_resolve_expr(az, e->u.window.func, scope, &fsql, &meta);
  az->in_over = saved;
  if (!fx) return NULL;
  for (int i = 0; az->win_map && i < fx->nargs; i++)
    if (!(fx->args[i] = az->win_map(az, fx->args[i]))) return NULL;
  const em_func_def *def = fx->kind == EM_EX_CALL || fx->kind == EM_EX_AGG ? em_func_lookup(fx->u.fn.name) : NULL;
  const em_win_cfg *wc = def && def->kind == EM_FN_WINDOW ? fx->u.fn.data : NULL;
  if (!def || (def->kind != EM_FN_WINDOW && def->kind != EM_FN_AGGREGATE)) {
    char *s = em_arena_printf(A, "\"%s\"", fsql ? fsql : "");
    em_error_set(az->err, EM_ERR_UNSUPPORTED_EXPR_FOR_WINDOW, "sqlExpr", s ? s : "", NULL);
    return NULL;
  }
  it.w.call = fx;
  it.w.fn = wc ? wc->fn : EM_WF_AGG;
  /* Partition and order keys. */
  em_strbuf spec;
  em_strbuf_init(&spec);
  int np = e->u.window.npartition, no = e->u.window.norder;
  it.pkeys = em_arena_calloc(A, sizeof(em_expr *) * (size_t)(np + 1));
  it.okeys = em_arena_calloc(A, sizeof(em_expr *) * (size_t)(no + 1));
  it.asc = em_arena_calloc(A, sizeof(bool) * (size_t)(no + 1));
  it.nf = em_arena_calloc(A, sizeof(bool) * (size_t)(no + 1));
  if (!it.pkeys || !it.okeys || !it.asc || !it.nf) return oom(az), NULL;
  for (int i = 0; i < np; i++) {
    char *ks = NULL;
    if (!(it.pkeys[i] = em_az_resolve_expr(az, e->u.window.partition[i], scope, &ks, &meta))) goto fail;
    if (az->win_map && !(it.pkeys[i] = az->win_map(az, it.pkeys[i]))) goto fail;
    em_strbuf_printf(&spec, "%s%s", i ? ", " : "PARTITION BY ", ks);
  }
  it.npkeys = np;
  for (int i = 0; i < no; i++) {
    const em_spec_expr *so = e->u.window.order[i];
    char *ks = NULL;
    if (!(it.okeys[i] = em_az_resolve_expr(az, so->u.sort.child, scope, &ks, &meta))) goto fail;
    if (az->win_map && !(it.okeys[i] = az->win_map(az, it.okeys[i]))) goto fail;
    it.asc[i] = so->u.sort.ascending;
    it.nf[i] = so->u.sort.nulls == EM_NULLS_DEFAULT ? so->u.sort.ascending : so->u.sort.nulls == EM_NULLS_FIRST;
    em_strbuf_printf(&spec, "%s%s%s %s %s", i ? ", " : (np ? " " : ""), i ? "" : "ORDER BY ", ks,
                     it.asc[i] ? "ASC" : "DESC", it.nf[i] ? "NULLS FIRST" : "NULLS LAST");
  }
  it.nokeys = no;
  /* The frame. */
  const em_spec_window_frame *sf = &e->u.window.frame;
  em_win_frame *f = &it.w.frame;
  char *lo_sql = "", *hi_sql = "";
  bool prec[2] = {false, false};
  if (sf->present) {
    f->rows = sf->is_rows;
    const em_spec_expr *bx[2] = {sf->lower, sf->upper};
    int bk[2] = {sf->lower_kind, sf->upper_kind};
    em_frame_bound *fk[2] = {&f->lo_kind, &f->hi_kind};
    char **bs[2] = {&lo_sql, &hi_sql};
    for (int b = 0; b < 2; b++) {
      *fk[b] = bk[b] == 0 ? EM_FB_CURRENT : bk[b] == 1 ? EM_FB_UNBOUNDED : EM_FB_OFFSET;
      if (*fk[b] != EM_FB_OFFSET) continue;
      long double v = 0;
      bool integral = true;
      if (bound_value(az, bx[b], &v, &integral, bs[b], &prec[b])) goto fail;
      if (b == 0) f->lo_val = v, f->lo_off = (int64_t)v;
      else f->hi_val = v, f->hi_off = (int64_t)v;
    }
  } else if (no > 0 && !(wc && wc->fn != EM_WF_NTH_VALUE && wc->fn != EM_WF_CUME_DIST)) {
    f->rows = false;
    f->lo_kind = EM_FB_UNBOUNDED;
    f->hi_kind = EM_FB_CURRENT;
  } else {
    f->rows = true;
    f->lo_kind = f->hi_kind = EM_FB_UNBOUNDED;
  }
  /* Functions with frames of their own. */
  if (wc && wc->fn != EM_WF_NTH_VALUE) {
    if (no == 0) {
      const char *nm = def->name;
      em_error_set(az->err, EM_ERR_WINDOW_FUNCTION_FRAME_NOT_ORDERED, "wf_name", nm, "wf_expr", fsql ? fsql : "",
                   NULL);
      em_error_no_context(az->err); /* as Spark */
      goto fail;
    }
    em_win_frame req = {.rows = wc->fn != EM_WF_CUME_DIST, .lo_kind = EM_FB_UNBOUNDED, .hi_kind = EM_FB_CURRENT};
    char *rlo = "", *rhi = "";
    if (wc->fn == EM_WF_LAG) {
      req.lo_kind = req.hi_kind = EM_FB_OFFSET;
      req.lo_off = req.hi_off = -wc->n;
      req.lo_val = req.hi_val = (long double)-wc->n;
      rlo = rhi = em_arena_printf(A, "%lld", (long long)-wc->n);
      if (sf->present) {
        em_error_set(az->err, EM_ERR_WINDOW_FRAME_NOT_ALLOWED, "prettyName", def->name, NULL);
        snprintf(az->err->msg, sizeof az->err->msg, "Cannot specify window frame for %s function.", def->name);
        em_error_no_context(az->err); /* as Spark */
        goto fail;
      }
    } else if (sf->present && (f->rows != req.rows || f->lo_kind != req.lo_kind || f->hi_kind != req.hi_kind)) {
      char *got = legacy_frame(az, f, lo_sql, hi_sql), *want = legacy_frame(az, &req, "", "");
      em_error_set(az->err, EM_ERR_WINDOW_FRAME_MISMATCH, "wf", got ? got : "", "required", want ? want : "", NULL);
      snprintf(az->err->msg, sizeof az->err->msg, "Window Frame %s must match the required frame %s.", got ? got : "",
               want ? want : "");
      em_error_no_context(az->err); /* as Spark */
      goto fail;
    }
    *f = req;
    lo_sql = rlo;
    prec[0] = prec[1] = false;
    hi_sql = rhi;
  }
  /* The frame's own checks. */
  em_strbuf ftxt;
  em_strbuf_init(&ftxt);
  em_strbuf_puts(&ftxt, f->rows ? "ROWS BETWEEN " : "RANGE BETWEEN ");
  bound_text(&ftxt, f->lo_kind, lo_sql, true, prec[0]);
  em_strbuf_puts(&ftxt, " AND ");
  bound_text(&ftxt, f->hi_kind, hi_sql, false, prec[1]);
  char *frame_sql = em_arena_strdup(A, ftxt.data ? ftxt.data : "");
  em_strbuf_free(&ftxt);
  {
    long double lo = f->lo_kind == EM_FB_CURRENT ? 0 : f->lo_val, hi = f->hi_kind == EM_FB_CURRENT ? 0 : f->hi_val;
    if (f->lo_kind != EM_FB_UNBOUNDED && f->hi_kind != EM_FB_UNBOUNDED && lo > hi && !wc) {
      char *s = em_arena_printf(A, "\"%s\"", frame_sql ? frame_sql : "");
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_FRAME_WRONG_COMPARISON, "sqlExpr", s ? s : "", "comparison",
                   "less than or equal", NULL);
      goto fail_set;
    }
  }
  if (!f->rows && (f->lo_kind == EM_FB_OFFSET || f->hi_kind == EM_FB_OFFSET)) {
    char *s = em_arena_printf(A, "\"(%s%s%s)\"", spec.data ? spec.data : "", spec.len ? " " : "", frame_sql);
    if (no == 0) {
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_RANGE_FRAME_WITHOUT_ORDER, "sqlExpr", s ? s : "", NULL);
      goto fail_set;
    }
    if (no > 1) {
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_RANGE_FRAME_MULTI_ORDER, "sqlExpr", s ? s : "", "orderSpec",
                   "", NULL);
      goto fail_set;
    }
    const em_type *kt = it.okeys[0]->type;
    bool ival = az->win->interval_bound;
    az->win->interval_bound = false;
    /* Dates and timestamps take INTERVAL DAY TO SECOND offsets (dates also
     * whole days as integers); frames compare keys in the key's unit. */
    if (ival && kt->id == EM_T_DATE) {
      f->lo_val /= 86400000000.0L;
      f->hi_val /= 86400000000.0L;
    }
    bool dt_ok = (kt->id == EM_T_DATE || kt->id == EM_T_TIMESTAMP || kt->id == EM_T_TIMESTAMP_NTZ) &&
                 (ival || kt->id == EM_T_DATE);
    if (ival && !dt_ok) {
      char *ot = em_arena_printf(A, "\"%s\"", em_type_is_numeric(kt) ? "NUMERIC" : "STRING");
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_RANGE_FRAME_INVALID_TYPE, "sqlExpr", s ? s : "",
                   "orderSpecType", ot ? ot : "", "valueBoundaryType", "\"INTERVAL DAY TO SECOND\"", NULL);
      goto fail_set;
    }
    if (!ival && kt->id != EM_T_DATE && kt->id != EM_T_TIMESTAMP && kt->id != EM_T_TIMESTAMP_NTZ &&
        !em_type_is_numeric(kt)) {
      /* Spark casts a numeric bound to the order key's type first (WindowFrameCoercion), then
       * refuses a bound that is no longer numeric. */
      em_strbuf tb;
      em_strbuf_init(&tb);
      em_strbuf_putc(&tb, '"');
      em_type_sql(kt, &tb);
      em_strbuf_putc(&tb, '"');
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_SPECIFIED_WINDOW_FRAME_UNACCEPTED_TYPE, "sqlExpr", s ? s : "",
                   "location", f->lo_kind == EM_FB_OFFSET ? "lower" : "upper", "exprType", tb.data ? tb.data : "",
                   "expectedType", "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\")",
                   NULL);
      em_strbuf_free(&tb);
      goto fail_set;
    }
    if (!em_type_is_numeric(kt) && !dt_ok) {
      char *ot = em_arena_printf(A, "\"%s\"", kt->id == EM_T_DATE ? "DATE" : kt->id == EM_T_TIMESTAMP ? "TIMESTAMP" : "STRING");
      em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_RANGE_FRAME_INVALID_TYPE, "sqlExpr", s ? s : "",
                   "orderSpecType", ot ? ot : "", "valueBoundaryType", "\"BIGINT\"", NULL);
      goto fail_set;
    }
  }
  if (fx->kind == EM_EX_AGG && fx->u.fn.distinct) {
    char *s = em_arena_printf(A, "\"%s OVER (%s%s%s)\"", fsql, spec.data ? spec.data : "", spec.len ? " " : "",
                              frame_sql);
    em_error_set(az->err, EM_ERR_DISTINCT_WINDOW_FUNCTION_UNSUPPORTED, "windowExpr", s ? s : "", NULL);
    goto fail_set;
  }
  /* median orders its group itself (Spark's SupportsOrderingWithinGroup). */
  if (fx->kind == EM_EX_AGG && em_strcaseeq(fx->u.fn.name, "median") && (no > 0 || sf->present)) {
    char *s = em_arena_printf(A, "\"%s\"", fsql);
    em_error_set(az->err, EM_ERR_INVALID_WINDOW_SPEC_FOR_AGGREGATION_FUNC, "aggFunc", s ? s : "", NULL);
    goto fail_set;
  }
  it.name = em_arena_printf(A, "%s OVER (%s%s%s)", fsql, spec.data ? spec.data : "", spec.len ? " " : "", frame_sql);
  it.spec = em_arena_strdup(A, spec.data ? spec.data : "");
  em_strbuf_free(&spec);
  if (!it.name || !it.spec) return oom(az), NULL;
  it.type = fx->type;
  it.nullable = fx->nullable;
  /* Each occurrence is its own column: equal names do not make equal
   * expressions (first(d) and first(d, true) are both named first(d)). */
  it.id = em_az_next_id(az);
  if (push_item(az, w, &it)) return NULL;
  int idx = w->nitems - 1;
  em_expr *ref = em_arena_calloc(A, sizeof *ref);
  if (!ref) return oom(az), NULL;
  ref->kind = EM_EX_COLUMN;
  ref->u.column = -1;
  ref->type = it.type;
  ref->nullable = it.nullable;
  if (push_ref(az, w, ref, idx)) return NULL;
  *name = w->items[idx].name;
  return ref;
fail_set:
  if (e->origin_fragment) em_error_set_context(az->err, e->origin_fragment, e->origin_call_site);
fail:
  em_strbuf_free(&spec);
  return NULL;
}

em_lplan *em_az_win_end(em_az *az, em_lplan *child) {
  em_az_win *w = az->win;
  az->win = NULL;
  if (!w || w->nitems == 0) return child;
  em_arena *A = &az->plan->arena;
  /* Groups by specification, in order of first appearance. */
  int ngroups = 0;
  for (int i = 0; i < w->nitems; i++) {
    w->items[i].group = -1;
    for (int j = 0; j < i; j++)
      if (!strcmp(w->items[j].spec, w->items[i].spec)) w->items[i].group = w->items[j].group;
    if (w->items[i].group < 0) w->items[i].group = ngroups++;
  }
  int base = child->nout, col = base;
  em_lplan *cur = child;
  for (int g = 0; g < ngroups; g++) {
    win_item *first = NULL;
    int cnt = 0;
    for (int i = 0; i < w->nitems; i++)
      if (w->items[i].group == g) {
        if (!first) first = &w->items[i];
        cnt++;
      }
    /* Exchange: hash by the partition keys, or everything in one partition. */
    em_lplan *x = em_az_pass_through(az, EM_LP_EXCHANGE, NULL, cur);
    if (!x) return oom(az), NULL;
    int sp = az->ctx->shuffle_partitions > 0 ? az->ctx->shuffle_partitions : 200;
    x->u.exchange.mode = first->npkeys && sp > 1 ? EM_PART_HASH : EM_PART_SINGLE;
    x->u.exchange.num_partitions = first->npkeys ? sp : 1;
    x->u.exchange.adaptive = first->npkeys && !az->ctx->no_adaptive_coalesce;
    x->u.exchange.keys = first->pkeys;
    x->u.exchange.nkeys = first->npkeys;
    x->u.exchange.sample_size = 100;
    x->u.exchange.min_partitions = az->ctx->default_parallelism > 0 ? az->ctx->default_parallelism : 1;
    /* Sort within partitions by partition then order keys. */
    em_lplan *s = em_az_pass_through(az, EM_LP_SORT, NULL, x);
    if (!s) return oom(az), NULL;
    int nk = first->npkeys + first->nokeys;
    s->u.sort.keys = em_arena_calloc(A, sizeof(em_expr *) * (size_t)(nk + 1));
    s->u.sort.ascending = em_arena_calloc(A, sizeof(bool) * (size_t)(nk + 1));
    s->u.sort.nulls_first = em_arena_calloc(A, sizeof(bool) * (size_t)(nk + 1));
    if (!s->u.sort.keys || !s->u.sort.ascending || !s->u.sort.nulls_first) return oom(az), NULL;
    for (int k = 0; k < first->npkeys; k++) {
      s->u.sort.keys[k] = first->pkeys[k];
      s->u.sort.ascending[k] = true;
      s->u.sort.nulls_first[k] = true;
    }
    for (int k = 0; k < first->nokeys; k++) {
      s->u.sort.keys[first->npkeys + k] = first->okeys[k];
      s->u.sort.ascending[first->npkeys + k] = first->asc[k];
      s->u.sort.nulls_first[first->npkeys + k] = first->nf[k];
    }
    s->u.sort.nkeys = nk;
    s->u.sort.global = false;
    /* The Window node. */
    em_lplan *wn = em_az_new_node(az, EM_LP_WINDOW, NULL, s->nout + cnt);
    if (!wn) return oom(az), NULL;
    wn->child = s;
    memcpy(wn->out, s->out, sizeof(em_attr) * (size_t)s->nout);
    wn->u.window.pkeys = first->pkeys;
    wn->u.window.npkeys = first->npkeys;
    wn->u.window.okeys = first->okeys;
    wn->u.window.ascending = first->asc;
    wn->u.window.nokeys = first->nokeys;
    wn->u.window.exprs = em_arena_calloc(A, sizeof(em_win_expr) * (size_t)cnt);
    if (!wn->u.window.exprs) return oom(az), NULL;
    int k = 0;
    for (int i = 0; i < w->nitems; i++) {
      win_item *it = &w->items[i];
      if (it->group != g) continue;
      it->slot = col++;
      wn->u.window.exprs[k] = it->w;
      em_attr *a = &wn->out[s->nout + k];
      a->name = it->name;
      a->type = it->type;
      a->nullable = it->nullable;
      a->id = it->id;
      k++;
    }
    wn->u.window.nexprs = cnt;
    cur = wn;
  }
  for (int i = 0; i < w->nrefs; i++) w->refs[i]->u.column = w->items[w->ref_item[i]].slot;
  return cur;
}
