/*
 * From a resolved logical plan to pipelines. Row-wise operators stack onto
 * the pipeline of their input; a global limit, offset, tail or show breaks
 * the pipeline: the child's output is gathered (in partition order, with
 * the limit applied and the child stopped early) and the parent pipeline
 * reads it as a single partition, as Spark's GlobalLimit and
 * CollectLimitExec do.
 */
#include "cache.h"

#include <string.h>

static em_pipeline *new_pipeline(em_arena *a, em_type *schema) {
  em_pipeline *p = em_arena_calloc(a, sizeof *p);
  if (!p) return NULL;
  p->out_schema = schema;
  p->src.schema = schema;
  p->final = EM_FINAL_STREAM;
  return p;
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

/* A pipeline reading the gathered output of `child` as one partition. */
static em_pipeline *gather_into(em_arena *a, em_pipeline *child, em_final_kind kind, int64_t n, em_type *schema) {
  child->final = kind;
  child->final_n = n;
  em_pipeline *p = new_pipeline(a, schema);
  if (!p) return NULL;
  p->child = child;
  p->src.vt = &em_src_batches_vt;
  p->src.nparts = 1;
  return p;
}

/* Spark folds projections and filters into a local relation and then
 * scans it in min(rows, default parallelism) partitions: where the
 * partitioning shows (round robin, sampling, coalesce, union, sorting
 * within partitions), gather such a chain and re-split its rows. */
static em_pipeline *resplit_local(em_arena *a, em_pipeline *c) {
  if (!c->local_chain) return c;
  c->final = EM_FINAL_ALL;
  em_pipeline *p = new_pipeline(a, c->out_schema);
  if (!p) return NULL;
  p->child = c;
  p->src.vt = &em_src_batches_vt;
  p->src.nparts = 1;
  p->src.u.batches.split_max = c->local_max > 0 ? c->local_max : 1;
  return p;
}

/* An input whose last rows come from a pipeline tail (a full outer join's
 * unmatched build rows, which wait for every partition) cannot be streamed
 * by a chain: gather it, and read it as one partition. */
static em_pipeline *gather_tails(em_arena *a, em_pipeline *c) {
  if (!c->ntails) return c;
  c->final = EM_FINAL_ALL;
  em_pipeline *p = new_pipeline(a, c->out_schema);
  if (!p) return NULL;
  p->child = c;
  p->src.vt = &em_src_batches_vt;
  p->src.nparts = 1;
  p->src.u.batches.split_max = 1;
  return p;
}

/* A pipeline reading the streamed partitions of `inputs`. */
static em_pipeline *chain_over(em_arena *a, em_type *schema, em_pipeline **inputs, int n, em_chain_mode mode,
                               int target) {
  em_pipeline *p = new_pipeline(a, schema);
  em_pipeline **ins = em_arena_alloc(a, sizeof *ins * (size_t)n);
  if (!p || !ins) return NULL;
  memcpy(ins, inputs, sizeof *ins * (size_t)n);
  for (int i = 0; i < n; i++)
    if (!(ins[i] = gather_tails(a, ins[i]))) return NULL;
  p->inputs = ins;
  p->ninputs = n;
  p->src.vt = &em_src_chain_vt;
  p->src.u.chain.inputs = ins;
  p->src.u.chain.ninputs = n;
  p->src.u.chain.mode = mode;
  p->src.u.chain.target = target;
  p->src.u.chain.arena = a;
  return p;
}
static int compile_node(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline **out, em_error *err);

/* topn > 0: a limit above (through projections only) wants that many
 * rows, so a global sort below becomes TopN, as Spark's
 * TakeOrderedAndProject. */
static int compile_node_limit(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline **out, int64_t topn,
                              em_error *err);

static int compile_node(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline **out, em_error *err) {
  return compile_node_limit(plan, n, a, out, 0, err);
}

static int compile_node_limit(const em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline **out, int64_t topn,
                              em_error *err) {
  em_pipeline *p = NULL;
  em_type *schema = em_lplan_schema(n);
  if (!schema) return em_error_internal(err, "out of memory compiling a plan");
  /* The plan keeps every schema alive for the life of the query. */
  em_plan *mplan = (em_plan *)plan;
  if (mplan->ntypes == mplan->captypes) {
    int ncap = mplan->captypes ? mplan->captypes * 2 : 16;
    em_type **nt = em_realloc(mplan->types, (size_t)ncap * sizeof *nt);
    if (!nt) {
      em_type_unref(schema);
      return em_error_internal(err, "out of memory compiling a plan");
    }
    mplan->types = nt;
    mplan->captypes = ncap;
  }
  mplan->types[mplan->ntypes++] = schema;

  switch (n->kind) {
  case EM_LP_RANGE:
    p = new_pipeline(a, schema);
    if (!p) break;
    p->src.vt = &em_src_range_vt;
    p->src.nparts = n->u.range.num_partitions > 0 ? n->u.range.num_partitions : 1;
    p->src.u.range.start = n->u.range.start;
    p->src.u.range.end = n->u.range.end;
    p->src.u.range.step = n->u.range.step;
    break;
  case EM_LP_SCAN:
    p = new_pipeline(a, schema);
    if (!p) break;
    if (em_src_scan_init(&p->src, n, a, err)) return -1;
    break;
  case EM_LP_LOCAL:
    p = new_pipeline(a, schema);
    if (!p) break;
    p->src.vt = &em_src_batches_vt;
    p->src.nparts = 1;
    p->src.u.batches.batches = n->u.local.batches;
    p->src.u.batches.nbatches = n->u.local.nbatches;
    p->local_chain = true;
    p->local_max = n->u.local.max_partitions;
    break;
  case EM_LP_PROJECT: {
    if (compile_node_limit(plan, n->child, a, &p, topn, err)) return -1;
    em_op op = {.vt = &em_op_project_vt, .out_schema = schema};
    op.u.project.exprs = n->u.project.exprs;
    op.u.project.nexprs = n->nout;
    if (add_op(a, p, op)) p = NULL;
    break;
  }
  case EM_LP_OBSERVE: {
    if (compile_node(plan, n->child, a, &p, err)) return -1;
    em_op op = {.vt = &em_op_observe_vt, .out_schema = schema};
    op.u.cfg = n;
    if (add_op(a, p, op)) p = NULL;
    break;
  }
  case EM_LP_FILTER: {
    if (compile_node(plan, n->child, a, &p, err)) return -1;
    em_op op = {.vt = &em_op_filter_vt, .out_schema = schema};
    op.u.filter.cond = n->u.filter.cond;
    if (add_op(a, p, op)) p = NULL;
    break;
  }
  case EM_LP_LIMIT: {
    em_pipeline *c;
    if (compile_node_limit(plan, n->child, a, &c, n->u.limit.n, err)) return -1;
    em_op op = {.vt = &em_op_local_limit_vt, .out_schema = c->out_schema};
    op.u.limit.n = n->u.limit.n;
    if (add_op(a, c, op)) break;
    p = gather_into(a, c, EM_FINAL_LIMIT, n->u.limit.n, schema);
    if (p) {
      /* Spark folds a limit of a local relation into the relation too. */
      p->local_chain = c->local_chain;
      p->local_max = c->local_max;
    }
    break;
  }
  case EM_LP_OFFSET:
  case EM_LP_TAIL: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    p = gather_into(a, c, n->kind == EM_LP_OFFSET ? EM_FINAL_OFFSET : EM_FINAL_TAIL, n->u.limit.n, schema);
    break;
  }
  case EM_LP_AGGREGATE: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    /* Spark aggregates a local relation's partitions separately, then
     * merges: floating-point results depend on that split. */
    if (!(c = resplit_local(a, c))) break;
    return em_hash_agg_compile(plan, n, a, c, schema, out, err);
  }
  case EM_LP_SORT: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    if (!n->u.sort.global && !(c = resplit_local(a, c))) break;
    c->sink = em_sink_sort_new(a, n, c->out_schema, topn);
    if (!c->sink) break;
    p = new_pipeline(a, schema);
    if (!p) break;
    p->child = c;
    p->src.vt = &em_src_sink_vt;
    p->src.u.sink = c->sink;
    break;
  }
  case EM_LP_JOIN: {
    em_pipeline *l, *r;
    if (compile_node(plan, n->child, a, &l, err) || compile_node(plan, n->u.join.right, a, &r, err)) return -1;
    return em_hash_join_compile(plan, n, a, l, r, schema, out, err);
  }
  case EM_LP_EXCHANGE: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    if (n->u.exchange.mode == EM_PART_ROUND_ROBIN && !(c = resplit_local(a, c))) break;
    if (!(c->sink = em_sink_exchange_new(a, n, c->out_schema))) break;
    p = new_pipeline(a, schema);
    if (!p) break;
    p->child = c;
    p->src.vt = &em_src_sink_vt;
    p->src.u.sink = c->sink;
    break;
  }
  case EM_LP_COALESCE: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    if (!(c = resplit_local(a, c))) break;
    p = chain_over(a, schema, &c, 1, EM_CHAIN_COALESCE, n->u.coalesce.num_partitions);
    break;
  }
  case EM_LP_UNION: {
    em_pipeline *in[2];
    if (compile_node(plan, n->child, a, &in[0], err) || compile_node(plan, n->u.set_op.right, a, &in[1], err))
      return -1;
    if (!(in[0] = resplit_local(a, in[0])) || !(in[1] = resplit_local(a, in[1]))) break;
    p = chain_over(a, schema, in, 2, EM_CHAIN_CONCAT, 0);
    break;
  }
  case EM_LP_SET_OP: {
    em_pipeline *c, *d = NULL;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    if (n->u.set_op.op != EM_SETOP_DISTINCT) {
      if (compile_node(plan, n->u.set_op.right, a, &d, err)) return -1;
      if (!(d->sink = em_sink_collect_new(a, d->out_schema))) break;
    }
    if (!(c->sink = em_sink_setop_new(a, n, c->out_schema, d ? d->sink : NULL))) break;
    p = new_pipeline(a, schema);
    if (!p) break;
    p->child = c;
    p->src.vt = &em_src_sink_vt;
    p->src.u.sink = c->sink;
    if (d) {
      if (!(p->deps = em_arena_alloc(a, sizeof *p->deps))) {
        p = NULL;
        break;
      }
      p->deps[0] = d;
      p->ndeps = 1;
    }
    break;
  }
  case EM_LP_GENERATE: {
    if (compile_node(plan, n->child, a, &p, err)) return -1;
    em_op op = {.out_schema = schema};
    if (em_op_generate_init(&op, n, a, err)) return -1;
    if (add_op(a, p, op)) p = NULL;
    break;
  }
  case EM_LP_SAMPLE: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    if (!(c = resplit_local(a, c))) break;
    em_op op = {.vt = &em_op_sample_vt, .out_schema = schema};
    op.u.sample.lower = n->u.sample.lower;
    op.u.sample.upper = n->u.sample.upper;
    op.u.sample.replace = n->u.sample.replace;
    op.u.sample.seed = n->u.sample.seed;
    if (!add_op(a, c, op)) p = c;
    break;
  }
  case EM_LP_WINDOW: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    if (!(c->sink = em_sink_window_new(a, n, c->out_schema, schema))) break;
    p = new_pipeline(a, schema);
    if (!p) break;
    p->child = c;
    p->src.vt = &em_src_sink_vt;
    p->src.u.sink = c->sink;
    break;
  }
  case EM_LP_EXPAND: {
    em_pipeline *c;
    if (compile_node(plan, n->child, a, &c, err)) return -1;
    em_op op = {.out_schema = schema};
    if (em_op_expand_init(&op, a, n->u.expand.projs, n->u.expand.nprojs, n->nout)) break;
    if (!add_op(a, c, op)) p = c;
    break;
  }
  case EM_LP_CACHED: {
    cache_pin *pin = NULL;
    em_pipeline *c = NULL;
    if (em_cache_entry_pin(n->u.cached.entry, a, mplan, &pin)) break;
    if (!pin) {
      /* Computed here from the lineage (first use, or partitions lost). */
      if (compile_node(plan, n->u.cached.entry->lineage->root, a, &c, err)) return -1;
      if (!(c = resplit_local(a, c))) break;
    }
    return em_cache_compile(mplan, n, a, c, pin, schema, out, err);
  }
  case EM_LP_SHOW_STRING: {
    em_pipeline *c;
    /* Spark's showString takes numRows + 1 rows to know whether to print
     * the "only showing top N rows" footer. */
    int64_t take = (int64_t)(n->u.show.num_rows > 0 ? n->u.show.num_rows : 0) + 1;
    if (compile_node_limit(plan, n->child, a, &c, take, err)) return -1;
    em_op op = {.vt = &em_op_local_limit_vt, .out_schema = c->out_schema};
    op.u.limit.n = take;
    if (add_op(a, c, op)) break;
    p = gather_into(a, c, EM_FINAL_SHOW, take, schema);
    if (p) {
      c->show_truncate = n->u.show.truncate;
      c->show_vertical = n->u.show.vertical;
      c->show_html = n->u.show.html;
      c->final_n = n->u.show.num_rows > 0 ? n->u.show.num_rows : 0;
    }
    break;
  }
  }
  if (!p) return em_error_internal(err, "out of memory compiling a plan");
  *out = p;
  return 0;
}

int em_exec_compile(const em_plan *plan, em_arena *a, em_pipeline **out, em_error *err) {
  return compile_node(plan, plan->root, a, out, err);
}
