/*
 * Plan fingerprints and the use of cached data.
 *
 * A fingerprint is 128 bits of XXH3 over a canonical serialization of a
 * resolved subtree: node kinds, their parameters, expressions (positional,
 * see expr/fingerprint.c), the types and nullability of the outputs, and
 * the session settings that change results (ANSI mode, time zone). Names
 * and expression ids are left out, so two DataFrames built the same way —
 * or resolved to the same plan from different calls, select vs
 * withColumn — match, as Spark's CacheManager matches plans by sameResult
 * of their canonicalized forms.
 *
 * em_az_use_cache runs between resolution and optimization (the optimizer
 * would rewrite a cached subtree inside a larger query): top down, the
 * first subtree whose fingerprint has a cache entry becomes an
 * EM_LP_CACHED leaf with the same outputs, as Spark's useCachedData.
 */
#include "analyzer_int.h"

#include <string.h>
#include <xxhash.h>

static void put_i64(em_strbuf *sb, int64_t v) { em_strbuf_append(sb, (const char *)&v, sizeof v); }
static void put_f64(em_strbuf *sb, double v) { em_strbuf_append(sb, (const char *)&v, sizeof v); }

static void put_exprs(em_strbuf *sb, em_expr *const *x, int n) {
  put_i64(sb, n);
  for (int i = 0; i < n; i++) em_expr_fingerprint(x ? x[i] : NULL, sb);
}

static void put_flags(em_strbuf *sb, const bool *f, int n) {
  for (int i = 0; i < n; i++) em_strbuf_putc(sb, f && f[i] ? '1' : '0');
}

/* Memo of computed fingerprints (one substitution pass). */
typedef struct fp_memo {
  const em_lplan **nodes;
  uint8_t (*fps)[16];
  int n, cap;
} fp_memo;

static void fingerprint(const em_lplan *n, const em_analyze_ctx *ctx, fp_memo *memo, uint8_t out[16]);

static void put_child(em_strbuf *sb, const em_lplan *c, const em_analyze_ctx *ctx, fp_memo *memo) {
  uint8_t fp[16];
  if (!c) {
    em_strbuf_puts(sb, "-");
    return;
  }
  fingerprint(c, ctx, memo, fp);
  em_strbuf_append(sb, (const char *)fp, 16);
}

/* The node's own part: everything but its inputs. */
static void put_node(em_strbuf *sb, const em_lplan *n) {
  put_i64(sb, n->kind);
  put_i64(sb, n->hints);
  put_i64(sb, n->nout);
  for (int i = 0; i < n->nout; i++) {
    em_type_simple_string(n->out[i].type, sb);
    em_strbuf_putc(sb, n->out[i].nullable ? '?' : '!');
  }
  switch (n->kind) {
  case EM_LP_RANGE:
    put_i64(sb, n->u.range.start);
    put_i64(sb, n->u.range.end);
    put_i64(sb, n->u.range.step);
    put_i64(sb, n->u.range.num_partitions);
    break;
  case EM_LP_LOCAL:
    put_i64(sb, n->u.local.max_partitions);
    put_i64(sb, n->u.local.nbatches);
    for (int b = 0; b < n->u.local.nbatches; b++) {
      const em_batch *bt = n->u.local.batches[b];
      put_i64(sb, bt->nrows);
      for (int c = 0; c < bt->ncols; c++) em_vec_fingerprint(bt->cols[c], sb);
    }
    break;
  case EM_LP_PROJECT:
    put_exprs(sb, n->u.project.exprs, n->nout);
    break;
  case EM_LP_FILTER:
    em_expr_fingerprint(n->u.filter.cond, sb);
    break;
  case EM_LP_LIMIT:
  case EM_LP_OFFSET:
  case EM_LP_TAIL:
    put_i64(sb, n->u.limit.n);
    break;
  case EM_LP_SHOW_STRING:
    put_i64(sb, n->u.show.num_rows);
    put_i64(sb, n->u.show.truncate);
    put_i64(sb, n->u.show.vertical * 2 + n->u.show.html);
    break;
  case EM_LP_AGGREGATE:
    put_exprs(sb, n->u.agg.keys, n->u.agg.nkeys);
    put_exprs(sb, n->u.agg.aggs, n->u.agg.naggs);
    put_exprs(sb, n->u.agg.outputs, n->nout);
    break;
  case EM_LP_SORT:
    put_exprs(sb, n->u.sort.keys, n->u.sort.nkeys);
    put_flags(sb, n->u.sort.ascending, n->u.sort.nkeys);
    put_flags(sb, n->u.sort.nulls_first, n->u.sort.nkeys);
    em_strbuf_putc(sb, n->u.sort.global ? 'G' : 'g');
    break;
  case EM_LP_JOIN:
    put_i64(sb, n->u.join.type);
    em_expr_fingerprint(n->u.join.cond, sb);
    break;
  case EM_LP_EXCHANGE:
    put_i64(sb, n->u.exchange.mode);
    put_i64(sb, n->u.exchange.num_partitions);
    put_i64(sb, n->u.exchange.adaptive);
    put_exprs(sb, n->u.exchange.keys, n->u.exchange.nkeys);
    put_flags(sb, n->u.exchange.ascending, n->u.exchange.nkeys);
    put_flags(sb, n->u.exchange.nulls_first, n->u.exchange.nkeys);
    put_i64(sb, n->u.exchange.unsorted);
    put_i64(sb, n->u.exchange.sample_size);
    put_i64(sb, n->u.exchange.min_partitions);
    break;
  case EM_LP_COALESCE:
    put_i64(sb, n->u.coalesce.num_partitions);
    break;
  case EM_LP_UNION:
    break;
  case EM_LP_SET_OP:
    put_i64(sb, n->u.set_op.op);
    put_i64(sb, n->u.set_op.all);
    break;
  case EM_LP_SAMPLE:
    put_f64(sb, n->u.sample.lower);
    put_f64(sb, n->u.sample.upper);
    put_i64(sb, n->u.sample.replace);
    put_i64(sb, n->u.sample.seed);
    break;
  case EM_LP_SCAN: {
    /* The files as listed (path, size, modification time), the format and
     * its options, and the partition layout: a change of the files makes a
     * different plan, as Spark's cache keys on the relation's files. */
    const em_scan_plan *sp = n->u.scan;
    em_strbuf_puts(sb, sp->format ? sp->format->name : "-");
    for (int i = 0; i < sp->options.n; i++) {
      em_strbuf_puts(sb, sp->options.keys[i]);
      em_strbuf_putc(sb, '=');
      em_strbuf_puts(sb, sp->options.values[i]);
      em_strbuf_putc(sb, ';');
    }
    put_i64(sb, sp->nfiles);
    for (int i = 0; i < sp->nfiles; i++) {
      em_strbuf_puts(sb, sp->files[i].path);
      put_i64(sb, sp->files[i].size);
      put_i64(sb, sp->files[i].mtime_ms);
    }
    put_i64(sb, sp->ndata);
    put_i64(sb, sp->npart);
    put_i64(sb, sp->row_index);
    put_i64(sb, sp->nsplits);
    for (int i = 0; i < sp->nsplits; i++) {
      put_i64(sb, sp->splits[i].start);
      put_i64(sb, sp->splits[i].length);
    }
    break;
  }
  case EM_LP_EXPAND:
    put_i64(sb, n->u.expand.nprojs);
    for (int j = 0; j < n->u.expand.nprojs; j++) put_exprs(sb, n->u.expand.projs[j], n->nout);
    break;
  case EM_LP_WINDOW:
    put_exprs(sb, n->u.window.pkeys, n->u.window.npkeys);
    put_exprs(sb, n->u.window.okeys, n->u.window.nokeys);
    put_flags(sb, n->u.window.ascending, n->u.window.nokeys);
    put_i64(sb, n->u.window.nexprs);
    for (int i = 0; i < n->u.window.nexprs; i++) {
      const em_win_expr *w = &n->u.window.exprs[i];
      em_expr_fingerprint(w->call, sb);
      put_i64(sb, w->fn);
      put_i64(sb, w->frame.rows);
      put_i64(sb, w->frame.lo_kind);
      put_i64(sb, w->frame.hi_kind);
      put_i64(sb, w->frame.lo_off);
      put_i64(sb, w->frame.hi_off);
      put_f64(sb, (double)w->frame.lo_val);
      put_f64(sb, (double)w->frame.hi_val);
    }
    break;
  case EM_LP_GENERATE:
    put_i64(sb, n->u.generate.gen);
    put_i64(sb, n->u.generate.outer);
    em_expr_fingerprint(n->u.generate.input, sb);
    put_exprs(sb, n->u.generate.args, n->u.generate.nargs);
    put_i64(sb, n->u.generate.stack_rows);
    break;
  case EM_LP_OBSERVE:
    em_strbuf_puts(sb, n->u.observe.name);
    em_strbuf_putc(sb, ';');
    put_exprs(sb, n->u.observe.aggs, n->u.observe.naggs);
    put_exprs(sb, n->u.observe.results, n->u.observe.nresults);
    break;
  case EM_LP_CACHED:
    /* Only checkpoints are cached leaves before substitution: their id. */
    em_strbuf_append(sb, (const char *)n->u.cached.id, 16);
    break;
  }
}

/* A projection of the child's columns in order (a rename, toDF, select
 * of every column): the same rows as its child. */
static bool identity_project(const em_lplan *n) {
  if (n->kind != EM_LP_PROJECT || !n->child || n->nout != n->child->nout) return false;
  for (int i = 0; i < n->nout; i++) {
    const em_expr *x = n->u.project.exprs[i];
    if (x->kind != EM_EX_COLUMN || x->u.column != i) return false;
  }
  return true;
}

static void fingerprint(const em_lplan *n, const em_analyze_ctx *ctx, fp_memo *memo, uint8_t out[16]) {
  /* Spark finds a cached plan under renames too. */
  while (identity_project(n)) n = n->child;
  for (int i = 0; memo && i < memo->n; i++)
    if (memo->nodes[i] == n) {
      memcpy(out, memo->fps[i], 16);
      return;
    }
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_putc(&sb, ctx && ctx->ansi ? 'A' : 'a');
  em_strbuf_puts(&sb, ctx && ctx->timezone ? ctx->timezone : "");
  em_strbuf_putc(&sb, 0);
  put_node(&sb, n);
  put_child(&sb, n->child, ctx, memo);
  if (n->kind == EM_LP_JOIN) put_child(&sb, n->u.join.right, ctx, memo);
  if (n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) put_child(&sb, n->u.set_op.right, ctx, memo);
  XXH128_hash_t h;
  if (sb.oom) {
    /* Out of memory: a fingerprint nothing else has, so nothing matches. */
    static _Atomic uint64_t unique;
    uint64_t u = atomic_fetch_add(&unique, 1) + 1;
    h = XXH3_128bits(&u, sizeof u);
    h.high64 ^= 0x9e3779b97f4a7c15ull;
  } else {
    h = XXH3_128bits(sb.data ? sb.data : "", sb.len);
  }
  em_strbuf_free(&sb);
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  memcpy(out, c.digest, 16);
  if (memo && memo->n < memo->cap) {
    memo->nodes[memo->n] = n;
    memcpy(memo->fps[memo->n++], out, 16);
  }
}

void em_lplan_fingerprint(const em_lplan *n, const em_analyze_ctx *ctx, uint8_t out[16]) {
  fingerprint(n, ctx, NULL, out);
}

static int count_nodes(const em_lplan *n) {
  if (!n) return 0;
  int k = 1 + count_nodes(n->child);
  if (n->kind == EM_LP_JOIN) k += count_nodes(n->u.join.right);
  if (n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) k += count_nodes(n->u.set_op.right);
  return k;
}

/* Records that the plan holds a reference to e. -1 on OOM (e released). */
static int hold(em_az *az, em_cache_entry *e) {
  em_plan *p = az->plan;
  if (p->nheld == p->capheld) {
    int nc = p->capheld ? p->capheld * 2 : 4;
    em_cache_entry **nh = em_realloc(p->held, sizeof *nh * (size_t)nc);
    if (!nh) {
      az->ctx->cache_release(e);
      return -1;
    }
    p->held = nh;
    p->capheld = nc;
  }
  p->held[p->nheld++] = e;
  p->release = az->ctx->cache_release;
  return 0;
}

static int use_cache(em_az *az, em_lplan **slot, fp_memo *memo) {
  em_lplan *n = *slot;
  if (!n || n->kind == EM_LP_CACHED) return 0;
  /* A show_string is the action itself, never a cached relation. */
  if (n->kind != EM_LP_SHOW_STRING) {
    uint8_t fp[16];
    fingerprint(n, az->ctx, memo, fp);
    em_cache_entry *e = az->ctx->cache_lookup(az->ctx->cache_user, fp);
    if (e) {
      if (hold(az, e)) return -1;
      em_lplan *c = em_arena_calloc(&az->plan->arena, sizeof *c);
      if (!c) return -1;
      c->kind = EM_LP_CACHED;
      c->plan_id = n->plan_id;
      c->nout = n->nout;
      c->out = n->out;
      c->u.cached.entry = e;
      memcpy(c->u.cached.id, fp, 16);
      *slot = c;
      return 0;
    }
  }
  if (use_cache(az, &n->child, memo)) return -1;
  if (n->kind == EM_LP_JOIN && use_cache(az, &n->u.join.right, memo)) return -1;
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && use_cache(az, &n->u.set_op.right, memo)) return -1;
  return 0;
}

int em_az_use_cache(em_az *az, em_lplan **root) {
  if (az->ctx->want_fingerprint) {
    em_lplan_fingerprint(*root, az->ctx, az->plan->fingerprint);
    az->plan->has_fingerprint = true;
  }
  if (!az->ctx->cache_lookup) return 0;
  int cap = count_nodes(*root);
  fp_memo memo = {.cap = cap};
  memo.nodes = em_malloc(sizeof *memo.nodes * (size_t)(cap + 1));
  memo.fps = em_malloc(sizeof *memo.fps * (size_t)(cap + 1));
  if (!memo.nodes || !memo.fps) memo.cap = 0;
  int rc = use_cache(az, root, &memo);
  em_free(memo.nodes);
  em_free(memo.fps);
  return rc ? em_error_internal(az->err, "out of memory using cached data") : 0;
}

em_lplan *em_az_resolve_cached_remote(em_az *az, const em_spec_rel *r) {
  const char *id = r->u.cached_remote.relation_id;
  if (!az->ctx->remote_lookup) {
    em_error_set(az->err, EM_ERR_DATAFRAME_NOT_FOUND, "dfId", id ? id : "", "sessionId", "", NULL);
    return NULL;
  }
  em_cache_entry *e = az->ctx->remote_lookup(az->ctx->cache_user, id ? id : "", az->err);
  if (!e) return NULL;
  if (hold(az, e)) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  const em_type *st = az->ctx->cache_schema(e);
  int nf = st->u.st.nfields;
  em_lplan *n = em_az_new_node(az, EM_LP_CACHED, r, nf);
  if (!n) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  for (int i = 0; i < nf; i++) {
    const em_field *f = &st->u.st.fields[i];
    em_attr *a = &n->out[i];
    a->name = em_arena_strdup(&az->plan->arena, f->name);
    a->type = f->type;
    a->nullable = f->nullable;
    a->metadata = f->metadata ? em_arena_strdup(&az->plan->arena, f->metadata) : NULL;
    a->id = em_az_next_id(az);
    if (!a->name) return em_error_internal(az->err, "out of memory during analysis"), NULL;
  }
  n->u.cached.entry = e;
  XXH128_hash_t h = XXH3_128bits(id ? id : "", id ? strlen(id) : 0);
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  memcpy(n->u.cached.id, c.digest, 16);
  return n;
}
