/*
 * The hash join: planning a join node, the probe operator, and the final
 * pass over build rows that never matched.
 *
 * Planning. The condition is split into its conjuncts. `l = r` and
 * `l <=> r` where one side reads only the left input and the other only the
 * right input (Spark's ExtractEquiJoinKeys) become the hash keys; every
 * other conjunct is residual, evaluated in order on the candidate pairs
 * the keys produce. Without keys (a cross join, `a.x < b.y`) every build row
 * is a candidate: the same machinery is a nested-loop join. The right input
 * is built and the left probes, as Spark's hash joins do for inner, left
 * outer, semi and anti joins; a right outer join builds the left input and
 * probes with the right one, so that it too emits unmatched probe rows on
 * the fly; a full outer join builds the right input and, after every probe
 * task has finished, emits the build rows no probe matched (a pipeline
 * tail: see run.c). An inner join whose left input carries a broadcast
 * hint builds the left input instead. The build pipeline becomes a
 * dependency of the probe pipeline, so the table is complete before any
 * probe starts.
 *
 * Probing (one input batch at a time, per task, resumable):
 *   1. evaluate the probe keys; rows with a NULL in an `=` key get no
 *      candidates; hash the others (int_mode: the 64-bit key itself) and
 *      look up their bucket's entry range;
 *   2. walk the ranges, collecting up to one chunk of candidate pairs
 *      (probe row, build row) whose hash (int_mode: key) is equal; where
 *      the chunk fills up, the walk resumes on the next call
 *      (HAVE_MORE_OUTPUT), so a fan-out never builds more than a chunk;
 *   3. verify the keys column by column (not in int_mode), apply the
 *      residual conjuncts, and record which probe rows (outer, semi, anti)
 *      and build rows (full outer) found a partner;
 *   4. emit the pairs, gathering both sides' columns with em_vec_take (an
 *      identity gather of the probe side reuses its columns);
 *   5. after the last chunk, emit the probe rows left unmatched (outer,
 *      padded with NULLs), matched (semi) or unmatched (anti).
 * A semi or anti join without residual stops at a row's first match.
 *
 * Memory: per task, arrays sized by the input batch and one chunk of pairs;
 * the output batches are handed downstream. The table is the build sink's
 * (join_table.c). Parallelism: every probe task runs on its own partition;
 * the table is shared read-only, and full outer joins mark matched build
 * rows with relaxed byte stores (0 -> 1 only).
 */
#include "join_int.h"

#include <string.h>

/* ---- planning ---- */

/* Which inputs e reads: bit 0 the left, bit 1 the right. */
static int sides_of(const em_expr *e, int nleft) {
  if (e->kind == EM_EX_COLUMN) return e->u.column < nleft ? 1 : 2;
  int s = 0;
  for (int i = 0; i < e->nargs; i++) s |= sides_of(e->args[i], nleft);
  return s;
}

static void mark_cols(const em_expr *e, bool *cols) {
  if (e->kind == EM_EX_COLUMN) cols[e->u.column] = true;
  for (int i = 0; i < e->nargs; i++) mark_cols(e->args[i], cols);
}

/* A copy of e whose column references move down by off. */
static em_expr *shift_cols(em_arena *a, const em_expr *e, int off) {
  em_expr *x = em_arena_alloc(a, sizeof *x);
  if (!x) return NULL;
  *x = *e;
  if (e->kind == EM_EX_COLUMN) x->u.column = e->u.column - off;
  if (e->nargs > 0) {
    x->args = em_arena_alloc(a, sizeof(em_expr *) * (size_t)e->nargs);
    if (!x->args) return NULL;
    for (int i = 0; i < e->nargs; i++)
      if (!(x->args[i] = shift_cols(a, e->args[i], off))) return NULL;
  }
  return x;
}

static bool is_call(const em_expr *e, const char *name) {
  return e->kind == EM_EX_CALL && e->u.fn.name && strcmp(e->u.fn.name, name) == 0;
}

/* Counts, then lists, the conjuncts of e (left to right). */
static int conjuncts(em_expr *e, em_expr **out, int n) {
  if (is_call(e, "and") && e->nargs == 2) return conjuncts(e->args[1], out, conjuncts(e->args[0], out, n));
  if (out) out[n] = e;
  return n + 1;
}

static bool hashable(const em_type *t) {
  switch (t->id) {
  case EM_T_MAP:
  case EM_T_VARIANT:
    return false;
  case EM_T_ARRAY:
    return hashable(t->u.array.elem);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (!hashable(t->u.st.fields[i].type)) return false;
    return true;
  default:
    return true;
  }
}

/* The plan keeps every type the executor creates alive for the query. */
static int own_type(const em_plan *plan, em_type *t) {
  em_plan *p = (em_plan *)plan;
  if (p->ntypes == p->captypes) {
    int ncap = p->captypes ? p->captypes * 2 : 16;
    em_type **nt = em_realloc(p->types, (size_t)ncap * sizeof *nt);
    if (!nt) return -1;
    p->types = nt;
    p->captypes = ncap;
  }
  p->types[p->ntypes++] = t;
  return 0;
}

static em_type *pair_schema(const em_plan *plan, const em_type *l, const em_type *r) {
  int nl = l->u.st.nfields, nr = r->u.st.nfields;
  em_type *st = em_type_struct_new(nl + nr);
  if (!st) return NULL;
  for (int i = 0; i < nl + nr; i++) {
    const em_field *f = i < nl ? &l->u.st.fields[i] : &r->u.st.fields[i - nl];
    if (em_type_struct_set(st, i, f->name, em_type_ref(f->type), true, NULL)) {
      em_type_unref(st);
      return NULL;
    }
  }
  if (own_type(plan, st)) {
    em_type_unref(st);
    return NULL;
  }
  return st;
}

static int add_op(em_arena *a, em_pipeline *p, em_op op) {
  em_op *ops = em_arena_alloc(a, sizeof(em_op) * (size_t)(p->nops + 1));
  if (!ops) return -1;
  if (p->nops) memcpy(ops, p->ops, sizeof(em_op) * (size_t)p->nops);
  ops[p->nops++] = op;
  p->ops = ops;
  p->out_schema = op.out_schema;
  return 0;
}

static int add_dep(em_arena *a, em_pipeline *p, em_pipeline *dep) {
  em_pipeline **d = em_arena_alloc(a, sizeof *d * (size_t)(p->ndeps + 1));
  if (!d) return -1;
  if (p->ndeps) memcpy(d, p->deps, sizeof *d * (size_t)p->ndeps);
  d[p->ndeps++] = dep;
  p->deps = d;
  return 0;
}

static int add_tail(em_arena *a, em_pipeline *p, em_pipeline_tail t) {
  em_pipeline_tail *ts = em_arena_alloc(a, sizeof *ts * (size_t)(p->ntails + 1));
  if (!ts) return -1;
  if (p->ntails) memcpy(ts, p->tails, sizeof *ts * (size_t)p->ntails);
  ts[p->ntails++] = t;
  p->tails = ts;
  return 0;
}

/* Splits the condition into keys and residual conjuncts. */
static int plan_condition(em_join_cfg *cfg, em_expr *cond, em_arena *a) {
  int n = cond ? conjuncts(cond, NULL, 0) : 0;
  em_expr **cs = em_arena_calloc(a, sizeof *cs * (size_t)(n + 1));
  cfg->probe_keys = em_arena_calloc(a, sizeof(em_expr *) * (size_t)(n + 1));
  cfg->build_keys = em_arena_calloc(a, sizeof(em_expr *) * (size_t)(n + 1));
  cfg->null_safe = em_arena_calloc(a, sizeof(bool) * (size_t)(n + 1));
  cfg->residual = em_arena_calloc(a, sizeof(em_expr *) * (size_t)(n + 1));
  cfg->residual_cols = em_arena_calloc(a, sizeof(bool) * (size_t)(cfg->nleft + cfg->nright + 1));
  if (!cs || !cfg->probe_keys || !cfg->build_keys || !cfg->null_safe || !cfg->residual || !cfg->residual_cols)
    return -1;
  if (cond) conjuncts(cond, cs, 0);
  for (int i = 0; i < n; i++) {
    em_expr *c = cs[i];
    bool eq = is_call(c, "=="), eqns = is_call(c, "<=>");
    if ((eq || eqns) && c->nargs == 2 && em_type_equal(c->args[0]->type, c->args[1]->type, true) &&
        hashable(c->args[0]->type)) {
      int s0 = sides_of(c->args[0], cfg->nleft), s1 = sides_of(c->args[1], cfg->nleft);
      em_expr *l = NULL, *r = NULL;
      if (s0 == 1 && s1 == 2) l = c->args[0], r = c->args[1];
      if (s0 == 2 && s1 == 1) l = c->args[1], r = c->args[0];
      if (l) {
        em_expr *rs = shift_cols(a, r, cfg->nleft);
        if (!rs) return -1;
        cfg->probe_keys[cfg->nkeys] = cfg->build_left ? rs : l;
        cfg->build_keys[cfg->nkeys] = cfg->build_left ? l : rs;
        cfg->null_safe[cfg->nkeys] = eqns;
        cfg->nkeys++;
        continue;
      }
    }
    cfg->residual[cfg->nresidual++] = c;
    mark_cols(c, cfg->residual_cols);
  }
  cfg->int_mode = cfg->nkeys == 1 && !cfg->null_safe[0] && em_join_int_key_type(cfg->probe_keys[0]->type);
  return 0;
}

int em_hash_join_compile(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline *left, em_pipeline *right,
                         em_type *schema, em_pipeline **out, em_error *err) {
  em_join_cfg *cfg = em_arena_calloc(a, sizeof *cfg);
  if (!cfg) return em_error_internal(err, "out of memory compiling a join");
  em_join_type type = n->u.join.type == EM_JOIN_CROSS ? EM_JOIN_INNER : n->u.join.type;
  cfg->type = type;
  /* An inner join builds the side a broadcast hint names (Spark's
   * BroadcastHashJoin with BuildLeft), else the right side. */
  bool bl = n->child->hints & EM_HINT_BROADCAST, br = n->u.join.right->hints & EM_HINT_BROADCAST;
  cfg->build_left = type == EM_JOIN_RIGHT_OUTER || (type == EM_JOIN_INNER && bl && !br);
  cfg->nleft = left->out_schema->u.st.nfields;
  cfg->nright = right->out_schema->u.st.nfields;
  cfg->nprobe = cfg->build_left ? cfg->nright : cfg->nleft;
  cfg->nbuild = cfg->build_left ? cfg->nleft : cfg->nright;
  cfg->out_schema = schema;
  cfg->emit_pairs = type == EM_JOIN_INNER || type == EM_JOIN_LEFT_OUTER || type == EM_JOIN_RIGHT_OUTER ||
                    type == EM_JOIN_FULL_OUTER;
  cfg->probe_outer = type == EM_JOIN_LEFT_OUTER || type == EM_JOIN_RIGHT_OUTER || type == EM_JOIN_FULL_OUTER;
  cfg->build_outer = type == EM_JOIN_FULL_OUTER;
  cfg->semi = type == EM_JOIN_LEFT_SEMI;
  cfg->anti = type == EM_JOIN_LEFT_ANTI;
  if (!(cfg->pair_schema = pair_schema(plan, left->out_schema, right->out_schema)) ||
      plan_condition(cfg, n->u.join.cond, a))
    return em_error_internal(err, "out of memory compiling a join");
  em_pipeline *probe = cfg->build_left ? right : left, *build = cfg->build_left ? left : right;
  em_sink *sink = em_sink_new(a, &em_sink_join_build_vt, cfg, build->out_schema, NULL);
  if (!sink) return em_error_internal(err, "out of memory compiling a join");
  build->sink = sink;
  cfg->build = sink;
  em_op op = {.vt = &em_op_hash_join_vt, .out_schema = schema};
  op.u.cfg = cfg;
  if (add_op(a, probe, op) || add_dep(a, probe, build)) return em_error_internal(err, "out of memory compiling a join");
  if (cfg->build_outer) {
    em_pipeline_tail t = {.src = {.vt = &em_src_join_unmatched_vt, .nparts = 1, .schema = schema}, .op = probe->nops};
    t.src.u.sink = sink;
    if (add_tail(a, probe, t)) return em_error_internal(err, "out of memory compiling a join");
  }
  *out = probe;
  return 0;
}

/* ---- output ---- */

static bool is_identity(const uint32_t *idx, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (idx[i] != (uint32_t)i) return false;
  return true;
}

em_batch *em_join_gather(const em_join_cfg *cfg, const em_batch *probe, const uint32_t *pidx,
                         const em_join_ht *ht, const uint32_t *bidx, int64_t n, em_error *err) {
  bool probe_only = cfg->semi || cfg->anti;
  int ncols = probe_only ? cfg->nprobe : cfg->nleft + cfg->nright;
  em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
  if (!cols) return em_error_internal(err, "out of memory in a join"), NULL;
  bool ident = pidx && probe && n == probe->nrows && is_identity(pidx, n);
  for (int c = 0; c < ncols; c++) {
    bool on_probe;
    int src;
    if (probe_only) {
      on_probe = true;
      src = c;
    } else if (c < cfg->nleft) {
      on_probe = !cfg->build_left;
      src = c;
    } else {
      on_probe = cfg->build_left;
      src = c - cfg->nleft;
    }
    const uint32_t *idx = on_probe ? pidx : bidx;
    em_vec *v;
    if (!idx)
      v = em_vec_new_nulls(cfg->pair_schema->u.st.fields[c].type, n);
    else if (on_probe && ident)
      v = em_vec_ref(probe->cols[src]);
    else
      v = em_vec_take(on_probe ? probe->cols[src] : ht->rows->cols[src], idx, n);
    if (!v) {
      for (int k = 0; k < c; k++) em_vec_unref(cols[k]);
      em_free(cols);
      return em_error_internal(err, "out of memory in a join"), NULL;
    }
    cols[c] = v;
  }
  em_batch *b = em_batch_new(em_type_ref(cfg->out_schema), ncols, cols, n);
  em_free(cols);
  if (!b) em_error_internal(err, "out of memory in a join");
  return b;
}

/* ---- probing ---- */

typedef em_join_probe_local probe_local;

static void free_probe_keys(const em_join_cfg *cfg, probe_local *st) {
  if (!st->keys) return;
  for (int k = 0; k < cfg->nkeys; k++)
    if (st->keys[k]) em_vec_unref(st->keys[k]);
  em_free(st->keys);
  st->keys = NULL;
}

static void probe_close(const em_op *op, void *local) {
  const em_join_cfg *cfg = op->u.cfg;
  probe_local *st = local;
  em_join_spill_probe_free(cfg, st);
  free_probe_keys(cfg, st);
  em_free(st->v);
  em_free(st->pos);
  em_free(st->end);
  em_free(st->matched);
  em_free(st->P);
  em_free(st->B);
  memset(st, 0, sizeof *st);
}

static int grow_u32(uint32_t **p, int64_t n) {
  uint32_t *q = em_realloc(*p, sizeof *q * (size_t)(n ? n : 1));
  if (!q) return -1;
  *p = q;
  return 0;
}

/* Finds each row's candidate entries from its key (int_mode) or hash in
 * st->v; rows flagged in st->matched cannot match. Bucket numbers are
 * computed first in a tight loop; the directory is then read with the
 * buckets of rows a few places ahead prefetched, since for big tables
 * nearly every read misses the cache and this keeps several misses in
 * flight. */
static void locate(const em_join_ht *ht, probe_local *st, int64_t n) {
  enum { AHEAD = 16 };
  const uint64_t *v = st->v;
  uint32_t *bk = st->pos, *pos = st->pos, *end = st->end;
  const uint8_t *bad = st->matched;
  const uint32_t *start = ht->start;
  uint32_t none;
  if (ht->layout == EM_JL_DENSE) {
    none = (uint32_t)ht->drange; /* start[drange] exists: an empty bucket */
    for (int64_t i = 0; i < n; i++) {
      uint64_t off = v[i] - (uint64_t)ht->dmin;
      bk[i] = off < ht->drange ? (uint32_t)off : none;
    }
  } else {
    none = (uint32_t)((uint64_t)1 << (64 - ht->shift));
    for (int64_t i = 0; i < n; i++) bk[i] = (uint32_t)((ht->int_keys ? em_join_mix(v[i]) : v[i]) >> ht->shift);
  }
  for (int64_t i = 0; i < n; i++) {
    if (i + AHEAD < n) __builtin_prefetch(&start[bk[i + AHEAD]]);
    uint32_t b = bk[i];
    bool ok = !bad[i] && b != none;
    pos[i] = ok ? start[b] : 0;
    end[i] = ok ? start[b + 1] : 0;
  }
}

/* Prepares a new input batch: keys, hashes and candidate ranges. */
static int setup(const em_join_cfg *cfg, const em_join_ht *ht, probe_local *st, em_batch *in, em_exec_ctx *ctx,
                 em_error *err) {
  int64_t n = in->nrows;
  int64_t chunk = n > 1024 ? n : 1024;
  if (n > st->cap) {
    uint64_t *v = em_realloc(st->v, sizeof *v * (size_t)n);
    if (v) st->v = v;
    uint8_t *m = em_realloc(st->matched, (size_t)n);
    if (m) st->matched = m;
    if (!v || !m || grow_u32(&st->pos, n) || grow_u32(&st->end, n))
      return em_error_internal(err, "out of memory in a join");
    st->cap = n;
  }
  if (chunk > st->pcap) {
    if (grow_u32(&st->P, chunk) || grow_u32(&st->B, chunk)) return em_error_internal(err, "out of memory in a join");
    st->pcap = chunk;
  }
  st->n = n;
  st->row = 0;
  memset(st->matched, 0, (size_t)(n ? n : 1));
  if (cfg->nkeys == 0) {
    for (int64_t i = 0; i < n; i++) {
      st->pos[i] = 0;
      st->end[i] = (uint32_t)ht->n;
    }
    return 0;
  }
  st->keys = em_calloc((size_t)cfg->nkeys, sizeof *st->keys);
  if (!st->keys) return em_error_internal(err, "out of memory in a join");
  for (int k = 0; k < cfg->nkeys; k++)
    if (em_expr_eval(cfg->probe_keys[k], in, &ctx->eval, &st->keys[k], err)) return -1;
  /* `matched` holds the rows that cannot match for a moment. */
  em_join_null_rows(st->keys, cfg->null_safe, cfg->nkeys, 0, n, st->matched);
  uint64_t *v = st->v;
  if (cfg->int_mode) {
    em_join_int_keys(st->keys[0], 0, n, v);
  } else {
    memset(v, 0, sizeof *v * (size_t)n);
    for (int k = 0; k < cfg->nkeys; k++) em_join_hash(st->keys[k], 0, n, v);
    for (int64_t i = 0; i < n; i++) v[i] = em_join_mix(v[i]);
  }
  locate(ht, st, n);
  memset(st->matched, 0, (size_t)n);
  return 0;
}

/* Collects up to pcap candidate pairs from st->row on. */
static int64_t gen_pairs(const em_join_cfg *cfg, const em_join_ht *ht, probe_local *st) {
  int64_t n = st->n, r = st->row, m = 0, cap = st->pcap;
  uint32_t *P = st->P, *B = st->B, *pos = st->pos, *end = st->end;
  bool first_only = (cfg->semi || cfg->anti) && cfg->nresidual == 0 && (cfg->int_mode || cfg->nkeys == 0);

  if (cfg->nkeys == 0) {
    while (r < n && m < cap) {
      uint32_t p = pos[r], e = end[r];
      int64_t take = (int64_t)(e - p) < cap - m ? (int64_t)(e - p) : cap - m;
      if (first_only && take > 1) take = 1;
      for (int64_t j = 0; j < take; j++) {
        P[m] = (uint32_t)r;
        B[m++] = p + (uint32_t)j;
      }
      p += (uint32_t)take;
      if (first_only && take > 0) p = e;
      pos[r] = p;
      if (p >= e) r++;
    }
    st->row = r;
    return m;
  }
  if (ht->layout == EM_JL_DENSE) {
    /* Every candidate has the row's key: a bucket holds one value. */
    const uint32_t *rows = ht->row_list;
    while (r < n && m < cap) {
      uint32_t p = pos[r], e = end[r];
      if (first_only && p < e) e = p + 1;
      for (; p < e && m < cap; p++) {
        P[m] = (uint32_t)r;
        B[m++] = rows[p];
      }
      pos[r] = first_only && p > pos[r] ? end[r] : p;
      if (pos[r] >= end[r]) r++;
    }
    st->row = r;
    return m;
  }
  const em_join_ent *ent = ht->ent;
  const uint64_t *v = st->v;
  while (r < n && m < cap) {
    if (r + 16 < n) __builtin_prefetch(&ent[pos[r + 16]]);
    uint32_t p = pos[r], e = end[r];
    uint64_t key = v[r];
    for (; p < e && m < cap; p++) {
      if (ent[p].v != key) continue;
      P[m] = (uint32_t)r;
      B[m++] = ent[p].row;
      if (first_only) {
        p = e;
        break;
      }
    }
    pos[r] = p;
    if (p >= e) r++;
  }
  st->row = r;
  return m;
}

/* Keeps the pairs whose residual conjuncts all hold. */
static int64_t apply_residual(const em_join_cfg *cfg, const em_join_ht *ht, em_batch *in, uint32_t *P, uint32_t *B,
                              int64_t m, em_exec_ctx *ctx, em_error *err) {
  int ncols = cfg->nleft + cfg->nright;
  for (int k = 0; k < cfg->nresidual && m > 0; k++) {
    em_vec **cols = em_calloc((size_t)ncols + 1, sizeof *cols);
    if (!cols) return em_error_internal(err, "out of memory in a join");
    int rc = 0;
    for (int c = 0; c < ncols && !rc; c++) {
      bool left = c < cfg->nleft;
      bool on_probe = left != cfg->build_left;
      int src = left ? c : c - cfg->nleft;
      em_type *t = cfg->pair_schema->u.st.fields[c].type;
      /* Columns no conjunct reads stay empty. */
      if (!cfg->residual_cols[c])
        cols[c] = em_vec_new(t, 0);
      else
        cols[c] = em_vec_take(on_probe ? in->cols[src] : ht->rows->cols[src], on_probe ? P : B, m);
      if (!cols[c]) rc = em_error_internal(err, "out of memory in a join");
    }
    em_batch *pairs = NULL;
    if (rc) {
      for (int c = 0; c < ncols; c++)
        if (cols[c]) em_vec_unref(cols[c]);
    } else if (!(pairs = em_batch_new(em_type_ref(cfg->pair_schema), ncols, cols, m))) {
      rc = em_error_internal(err, "out of memory in a join"); /* the columns were released */
    }
    em_free(cols);
    if (rc) return -1;
    em_vec *r = NULL;
    rc = em_expr_eval(cfg->residual[k], pairs, &ctx->eval, &r, err);
    em_batch_unref(pairs);
    if (rc) return -1;
    const uint8_t *vals = em_vec_values(r);
    const uint8_t *valid = r->validity && r->null_count ? r->validity->data : NULL;
    int64_t kept = 0;
    if (r->type->id == EM_T_BOOLEAN && vals)
      for (int64_t i = 0; i < m; i++)
        if (em_bit_get(vals, i) && (!valid || em_bit_get(valid, i))) {
          P[kept] = P[i];
          B[kept] = B[i];
          kept++;
        }
    em_vec_unref(r);
    m = kept;
  }
  return m;
}

/* The rows of the batch whose matched flag equals `want`, into P. */
static int64_t rows_where(const probe_local *st, uint8_t want, uint32_t *P) {
  int64_t k = 0;
  for (int64_t i = 0; i < st->n; i++)
    if ((st->matched[i] != 0) == (want != 0)) P[k++] = (uint32_t)i;
  return k;
}

/* Ends the current batch: unmatched (outer, anti) or matched (semi) rows. */
static em_op_status finish_batch(const em_join_cfg *cfg, const em_join_ht *ht, probe_local *st, em_batch *in,
                                 em_batch **out, em_error *err) {
  st->active = false;
  free_probe_keys(cfg, st);
  if (!cfg->probe_outer && !cfg->semi && !cfg->anti) return EM_OP_NEED_MORE_INPUT;
  int64_t k = rows_where(st, cfg->semi, st->P);
  if (k == 0) return EM_OP_NEED_MORE_INPUT;
  if (!cfg->probe_outer && k == in->nrows) {
    *out = em_batch_ref(in);
    return EM_OP_NEED_MORE_INPUT;
  }
  *out = em_join_gather(cfg, in, st->P, ht, NULL, k, err);
  return *out ? EM_OP_NEED_MORE_INPUT : EM_OP_ERROR;
}

static em_op_status probe_execute(const em_op *op, void *local, em_batch *in, em_batch **out, em_exec_ctx *ctx,
                                  em_error *err) {
  const em_join_cfg *cfg = op->u.cfg;
  em_join_ht *ht = cfg->build->state;
  *out = NULL;
  if (!ht) return em_error_internal(err, "hash join: the build side did not run"), EM_OP_ERROR;
  if (ht->spill) return em_join_spill_probe(cfg, ht, local, in, ctx, err);
  return em_join_probe(cfg, ht, local, in, out, ctx, err);
}

static em_op_status probe_finish(const em_op *op, void *local, em_batch **out, em_exec_ctx *ctx, em_error *err) {
  const em_join_cfg *cfg = op->u.cfg;
  em_join_ht *ht = cfg->build->state;
  *out = NULL;
  if (!ht || !ht->spill) return EM_OP_FINISHED;
  return em_join_spill_finish(cfg, ht, local, out, ctx, err);
}

em_op_status em_join_probe(const em_join_cfg *cfg, const em_join_ht *ht, em_join_probe_local *st, em_batch *in,
                           em_batch **out, em_exec_ctx *ctx, em_error *err) {
  *out = NULL;
  if (!st->active) {
    if (ht->n == 0 && !cfg->probe_outer && !cfg->anti) return EM_OP_FINISHED; /* nothing can match */
    if (setup(cfg, ht, st, in, ctx, err)) {
      free_probe_keys(cfg, st);
      return EM_OP_ERROR;
    }
    st->active = true;
  }
  while (st->row < st->n) {
    if (em_exec_cancelled(ctx)) return em_error_set(err, EM_ERR_OPERATION_CANCELED, NULL), EM_OP_ERROR;
    int64_t m = gen_pairs(cfg, ht, st);
    if (!cfg->int_mode)
      for (int k = 0; k < cfg->nkeys && m > 0; k++)
        m = em_join_keys_equal(st->keys[k], ht->keys[k], cfg->null_safe[k], st->P, st->B, m);
    if (cfg->nresidual && m > 0 && (m = apply_residual(cfg, ht, in, st->P, st->B, m, ctx, err)) < 0)
      return EM_OP_ERROR;
    if (cfg->probe_outer || cfg->semi || cfg->anti)
      for (int64_t i = 0; i < m; i++) st->matched[st->P[i]] = 1;
    if (cfg->build_outer)
      for (int64_t i = 0; i < m; i++) __atomic_store_n(&ht->matched[st->B[i]], 1, __ATOMIC_RELAXED);
    if (cfg->emit_pairs && m > 0) {
      if (!(*out = em_join_gather(cfg, in, st->P, ht, st->B, m, err))) return EM_OP_ERROR;
      if (st->row < st->n || cfg->probe_outer) return EM_OP_HAVE_MORE_OUTPUT;
      return finish_batch(cfg, ht, st, in, out, err);
    }
  }
  return finish_batch(cfg, ht, st, in, out, err);
}

const em_op_vt em_op_hash_join_vt = {
    .name = "HashJoinProbe",
    .local_size = sizeof(probe_local),
    .execute = probe_execute,
    .close_local = probe_close,
    .finish = probe_finish,
};

/* ---- the final pass of a full outer join ---- */

typedef struct unmatched_local {
  int64_t pos;
  uint32_t *idx;
  int64_t cap;
  void *spill; /* a spilled build side's reader (spill_join.c) */
} unmatched_local;

static int unmatched_next(const em_source *src, void *local, int part, em_batch **out, em_exec_ctx *ctx,
                          em_error *err) {
  (void)part;
  const em_sink *s = src->u.sink;
  const em_join_cfg *cfg = s->cfg;
  em_join_ht *ht = s->state;
  unmatched_local *st = local;
  *out = NULL;
  if (ht && ht->spill) return em_join_spill_unmatched(cfg, ht, &st->spill, out, ctx, err);
  if (!ht || !ht->matched) return 0;
  int64_t want = ctx->batch_rows > 0 ? ctx->batch_rows : 4096;
  if (st->cap < want) {
    if (grow_u32(&st->idx, want)) return em_error_internal(err, "out of memory in a join");
    st->cap = want;
  }
  int64_t k = 0;
  /* Every probe task has finished: the flags are final. */
  while (st->pos < ht->n && k < want) {
    if (!ht->matched[st->pos]) st->idx[k++] = (uint32_t)st->pos;
    st->pos++;
  }
  if (k == 0) return 0;
  *out = em_join_gather(cfg, NULL, NULL, ht, st->idx, k, err);
  return *out ? 0 : -1;
}

static void unmatched_close(const em_source *src, void *local) {
  unmatched_local *st = local;
  if (st->spill) em_join_spill_unmatched_free(src->u.sink->cfg, st->spill);
  st->spill = NULL;
  em_free(st->idx);
  st->idx = NULL;
}

const em_source_vt em_src_join_unmatched_vt = {
    .name = "HashJoinUnmatched",
    .local_size = sizeof(unmatched_local),
    .next = unmatched_next,
    .close_local = unmatched_close,
};
