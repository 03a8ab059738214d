/*
 * Observed metrics (df.observe / Observation): after a relation's result
 * is sent, every CollectMetrics node of its plan is answered with its
 * metrics, all in one ExecutePlanResponse.observed_metrics message, each
 * with the observation's name, the metrics' names as keys, their values as
 * literals and the node's plan id. PySpark fills Observation.get from it.
 *
 * The values are those the run accumulated over the rows that passed the
 * node (exec/op_observe.c). A node that did not run in the query (it is
 * inside a cached relation, whose stored rows were read instead) is
 * answered by a global aggregate of its metrics over its input, run as a
 * plan of its own. Values of nested types are sent as NULL literals.
 */
#include "connect_int.h"

#include "../expr/format.h"

#include <string.h>

#define MAX_OBSERVED 64

static void collect(const em_spec_rel *r, const em_spec_rel **out, int *n, int depth) {
  if (!r || depth > 2000 || *n >= MAX_OBSERVED) return;
  if (r->kind == EM_SR_COLLECT_METRICS) out[(*n)++] = r;
  collect(r->input, out, n, depth + 1);
  if (r->kind == EM_SR_JOIN) collect(r->u.join.right, out, n, depth + 1);
  if (r->kind == EM_SR_SET_OP) collect(r->u.set_op.right, out, n, depth + 1);
}

typedef struct one_row {
  em_batch *b;
} one_row;

static int keep_batch(void *user, em_batch *b, em_error *err) {
  (void)err;
  one_row *o = user;
  if (!o->b && b->nrows > 0) o->b = em_batch_ref(b);
  return 0;
}

/* Value 0 of v as a literal message in arena a; NULL on out-of-memory. */
static Spark__Connect__Expression__Literal *to_literal(const em_vec *v, em_arena *a) {
  Spark__Connect__Expression__Literal *l = em_arena_calloc(a, sizeof *l);
  if (!l) return NULL;
  spark__connect__expression__literal__init(l);
  if (!v || em_vec_is_null(v, 0)) goto null;
  const void *d = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BOOLEAN;
    l->boolean = em_bit_get(d, 0);
    return l;
  case EM_T_BYTE:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_BYTE;
    l->byte = *(const int8_t *)d;
    return l;
  case EM_T_SHORT:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_SHORT;
    l->short_ = *(const int16_t *)d;
    return l;
  case EM_T_INT:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_INTEGER;
    l->integer = *(const int32_t *)d;
    return l;
  case EM_T_LONG:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_LONG;
    l->long_ = *(const int64_t *)d;
    return l;
  case EM_T_FLOAT:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_FLOAT;
    l->float_ = *(const float *)d;
    return l;
  case EM_T_DOUBLE:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DOUBLE;
    l->double_ = *(const double *)d;
    return l;
  case EM_T_DATE:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DATE;
    l->date = *(const int32_t *)d;
    return l;
  case EM_T_TIMESTAMP:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP;
    l->timestamp = *(const int64_t *)d;
    return l;
  case EM_T_TIMESTAMP_NTZ:
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_TIMESTAMP_NTZ;
    l->timestamp_ntz = *(const int64_t *)d;
    return l;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR: {
    int32_t len;
    const char *p = em_vec_str(v, 0, &len);
    char *s = em_arena_strndup(a, p, (size_t)len);
    if (!s) return NULL;
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_STRING;
    l->string = s;
    return l;
  }
  case EM_T_DECIMAL: {
    em_strbuf sb;
    em_strbuf_init(&sb);
    em_error e;
    em_format_opts fo = {0};
    int rc = em_format_value(v, 0, &fo, &sb, &e);
    char *s = rc || sb.oom ? NULL : em_arena_strdup(a, sb.data ? sb.data : "0");
    em_strbuf_free(&sb);
    Spark__Connect__Expression__Literal__Decimal *dec = em_arena_calloc(a, sizeof *dec);
    if (!s || !dec) return NULL;
    spark__connect__expression__literal__decimal__init(dec);
    dec->value = s;
    dec->_precision_case = SPARK__CONNECT__EXPRESSION__LITERAL__DECIMAL___PRECISION_PRECISION;
    dec->precision = v->type->u.dec.precision;
    dec->_scale_case = SPARK__CONNECT__EXPRESSION__LITERAL__DECIMAL___SCALE_SCALE;
    dec->scale = v->type->u.dec.scale;
    l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_DECIMAL;
    l->decimal = dec;
    return l;
  }
  default: break;
  }
null:
  l->literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_NULL;
  l->null = em_type_to_proto(v ? v->type : em_type_null(), a);
  return l->null ? l : NULL;
}

/* The plan's observe node for CollectMetrics node m: the same name (and
 * plan id when both have one). */
static const em_lplan *find_node(const em_lplan *n, const em_spec_rel *m, int depth) {
  if (!n || depth > 4096) return NULL;
  if (n->kind == EM_LP_OBSERVE && n->u.observe.name && m->u.metrics.name &&
      strcmp(n->u.observe.name, m->u.metrics.name) == 0 &&
      (n->plan_id < 0 || m->plan_id < 0 || n->plan_id == m->plan_id))
    return n;
  em_lplan *kids[2];
  int k = em_lplan_children(n, kids);
  for (int i = 0; i < k; i++) {
    const em_lplan *f = find_node(kids[i], m, depth + 1);
    if (f) return f;
  }
  if ((n->kind == EM_LP_UNION || n->kind == EM_LP_SET_OP) && n->u.set_op.right)
    return find_node(n->u.set_op.right, m, depth + 1);
  return NULL;
}

/* Fills om from a one-row batch of metric values named by its schema. */
static int fill(const em_spec_rel *m, const em_batch *row, const em_type *schema,
                Spark__Connect__ExecutePlanResponse__ObservedMetrics *om, em_arena *a, em_error *err) {
  int n = schema->u.st.nfields;
  om->name = em_arena_strdup(a, m->u.metrics.name);
  om->keys = em_arena_calloc(a, sizeof(char *) * (size_t)(n + 1));
  om->values = em_arena_calloc(a, sizeof(void *) * (size_t)(n + 1));
  if (!om->name || !om->keys || !om->values) return em_error_internal(err, "out of memory");
  for (int i = 0; i < n; i++) {
    om->keys[i] = em_arena_strdup(a, schema->u.st.fields[i].name);
    om->values[i] = to_literal(row ? row->cols[i] : NULL, a);
    if (!om->keys[i] || !om->values[i]) return em_error_internal(err, "out of memory");
  }
  om->n_keys = om->n_values = (size_t)n;
  om->plan_id = m->plan_id >= 0 ? m->plan_id : 0;
  return 0;
}

/* Resolves and runs the metrics of CollectMetrics node m, filling om. */
static int compute(em_operation *op, em_spec *spec, const em_spec_rel *m, Spark__Connect__ExecutePlanResponse__ObservedMetrics *om,
                   em_arena *a, em_error *err) {
  em_session *sess = op->sess;
  em_spec_rel *agg = em_spec_rel_new(spec, EM_SR_AGGREGATE);
  if (!agg) return em_error_internal(err, "out of memory");
  agg->input = m->input;
  agg->u.aggregate.group_type = EM_GROUP_BY;
  agg->u.aggregate.aggs = m->u.metrics.metrics;
  agg->u.aggregate.naggs = m->u.metrics.nmetrics;
  em_analyze_ctx actx;
  em_session_analyze_ctx(sess, &actx);
  em_plan *plan = NULL;
  if (em_analyze(agg, &actx, &plan, err)) return -1;
  char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
  char *spill_dir = em_session_spill_dir(sess);
  em_memtracker mem;
  em_memtracker_init(&mem, NULL, em_session_conf_bytes(sess, "spark.ember.memory.queryBudget", 0));
  em_exec_ctx ctx = {
      .spill_dir = spill_dir,
      .cancel = &op->cancel,
      .mem = &mem,
      .eval = {.timezone = tz, .ansi = actx.ansi, .map_last_win = actx.map_last_win},
      .batch_rows = 10000,
      .threads = 0,
  };
  one_row row = {0};
  int rc = em_exec_run(plan, &ctx, keep_batch, &row, err);
  em_free(spill_dir);
  em_free(tz);
  if (!rc) rc = fill(m, row.b, plan->schema, om, a, err);
  if (row.b) em_batch_unref(row.b);
  em_plan_free(plan);
  return rc;
}

int em_observe_send(em_operation *op, em_spec *spec, const em_spec_rel *root, const em_plan *plan, em_exec_ctx *ctx,
                    em_error *err) {
  const em_spec_rel *found[MAX_OBSERVED];
  int n = 0;
  collect(root, found, &n, 0);
  if (n == 0) return 0;
  em_arena a;
  em_arena_init(&a, 1024);
  Spark__Connect__ExecutePlanResponse__ObservedMetrics **oms = em_arena_calloc(&a, sizeof *oms * (size_t)n);
  int rc = oms ? 0 : em_error_internal(err, "out of memory");
  for (int i = 0; !rc && i < n; i++) {
    oms[i] = em_arena_calloc(&a, sizeof *oms[i]);
    if (!oms[i]) {
      rc = em_error_internal(err, "out of memory");
      break;
    }
    spark__connect__execute_plan_response__observed_metrics__init(oms[i]);
    const em_lplan *node = find_node(plan->root, found[i], 0);
    em_batch *row = NULL;
    if (node && em_observations_result(ctx->observed, node, ctx, &row, err)) {
      rc = -1;
    } else if (row) {
      rc = fill(found[i], row, row->schema, oms[i], &a, err);
      em_batch_unref(row);
    } else {
      rc = compute(op, spec, found[i], oms[i], &a, err);
    }
  }
  if (!rc) {
    Spark__Connect__ExecutePlanResponse r;
    char id[37];
    em_execute_resp_init(op, &r, id);
    r.observed_metrics = oms;
    r.n_observed_metrics = (size_t)n;
    rc = em_execute_push(op, &r, id, err);
  }
  em_arena_destroy(&a);
  return rc;
}
