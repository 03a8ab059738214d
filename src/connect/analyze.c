/*
 * AnalyzePlan: every case of the request, always answered with its result
 * case set (PySpark raises "No analyze result found!" otherwise).
 */
#include "connect_int.h"

#include <stdio.h>
#include <string.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)

/* Resolves a Plan's root relation. */
static int analyze_plan(em_session *sess, const Spark__Connect__Plan *plan, em_spec *spec, em_plan **out,
                        em_error *err) {
  Spark__Connect__Relation *root = NULL, *owned = NULL;
  if (em_plan_root(plan, &root, &owned, err)) return -1;
  em_spec_rel *rel = NULL;
  int rc = em_proto_to_spec(sess, root, spec, &rel, err);
  if (!rc) {
    em_analyze_ctx ctx;
    em_session_analyze_ctx(sess, &ctx);
    rc = em_analyze(rel, &ctx, out, err);
  }
  if (owned) spark__connect__relation__free_unpacked(owned, NULL);
  return rc;
}

static const char *lp_name(em_lplan_kind k) {
  switch (k) {
  case EM_LP_RANGE: return "Range";
  case EM_LP_LOCAL: return "LocalTableScan";
  case EM_LP_PROJECT: return "Project";
  case EM_LP_FILTER: return "Filter";
  case EM_LP_LIMIT: return "GlobalLimit";
  case EM_LP_OFFSET: return "Offset";
  case EM_LP_TAIL: return "Tail";
  case EM_LP_SHOW_STRING: return "ShowString";
  case EM_LP_AGGREGATE: return "Aggregate";
  case EM_LP_SORT: return "Sort";
  case EM_LP_JOIN: return "Join";
  case EM_LP_EXCHANGE: return "Exchange";
  case EM_LP_COALESCE: return "Coalesce";
  case EM_LP_UNION: return "Union";
  case EM_LP_SET_OP: return "SetOperation";
  case EM_LP_SAMPLE: return "Sample";
  case EM_LP_WINDOW: return "Window";
  case EM_LP_GENERATE: return "Generate";
  case EM_LP_SCAN: return "FileScan";
  case EM_LP_EXPAND: return "Expand";
  case EM_LP_CACHED: return "InMemoryRelation";
  case EM_LP_OBSERVE: return "CollectMetrics";
  }
  return "?";
}

/* A text form of the plan: for explain (ids shown) and as the canonical
 * form behind sameSemantics/semanticHash (ids and names left out where
 * Spark's canonicalization ignores them). */
static void describe(const em_lplan *n, int depth, bool canonical, em_strbuf *sb) {
  for (; n; n = n->child, depth++) {
    if (depth > 0) {
      em_strbuf_repeat(sb, ' ', (size_t)(depth - 1) * 3);
      em_strbuf_puts(sb, "+- ");
    }
    em_strbuf_puts(sb, lp_name(n->kind));
    switch (n->kind) {
    case EM_LP_RANGE:
      em_strbuf_printf(sb, " (%lld, %lld, step=%lld, splits=%d)", (long long)n->u.range.start,
                       (long long)n->u.range.end, (long long)n->u.range.step, n->u.range.num_partitions);
      break;
    case EM_LP_LIMIT:
    case EM_LP_OFFSET:
    case EM_LP_TAIL:
      em_strbuf_printf(sb, " %lld", (long long)n->u.limit.n);
      break;
    case EM_LP_OBSERVE:
      em_strbuf_printf(sb, " %s, [", n->u.observe.name);
      for (int i = 0; i < n->u.observe.nresults; i++)
        em_strbuf_printf(sb, "%s%s", i ? ", " : "", n->u.observe.names[i]);
      em_strbuf_puts(sb, "]");
      break;
    case EM_LP_JOIN: {
      static const char *types[] = {"", "Inner", "FullOuter", "LeftOuter", "RightOuter", "LeftAnti", "LeftSemi", "Cross"};
      em_strbuf_printf(sb, " %s", types[n->u.join.type]);
      break;
    }
    default:
      break;
    }
    if (!canonical || n->kind == EM_LP_PROJECT || n->kind == EM_LP_LOCAL) {
      em_strbuf_puts(sb, " [");
      for (int i = 0; i < n->nout; i++) {
        if (i) em_strbuf_puts(sb, ", ");
        if (canonical)
          em_type_simple_string(n->out[i].type, sb);
        else
          em_strbuf_printf(sb, "%s#%lldL", n->out[i].name, (long long)n->out[i].id);
      }
      em_strbuf_puts(sb, "]");
    }
    em_strbuf_putc(sb, '\n');
    /* A join's right input first, one level deeper; the left continues the chain. */
    if (n->kind == EM_LP_JOIN) describe(n->u.join.right, depth + 1, canonical, sb);
  }
}

static uint32_t fnv1a(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

void em_handle_analyze(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__AnalyzePlanRequest *req = (Spark__Connect__AnalyzePlanRequest *)em_rpc_recv_msg(
      call, &spark__connect__analyze_plan_request__descriptor);
  if (!req) return;
  em_error err;
  em_session *sess = em_rpc_session(call, svc, &req->base, req->user_context, req->session_id, true,
                                    HAS(req, client_observed_server_side_session_id) ? req->client_observed_server_side_session_id : NULL);
  if (!sess) return;
  Spark__Connect__AnalyzePlanResponse resp = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  em_spec spec, spec2;
  em_spec_init(&spec);
  em_spec_init(&spec2);
  em_plan *plan = NULL, *plan2 = NULL;
  em_arena a;
  em_arena_init(&a, 1024);
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_type *parsed = NULL;
  int rc = 0;

  /* Result messages (only one is used). */
  Spark__Connect__AnalyzePlanResponse__Schema r_schema = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__SCHEMA__INIT;
  Spark__Connect__AnalyzePlanResponse__Explain r_explain = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__EXPLAIN__INIT;
  Spark__Connect__AnalyzePlanResponse__TreeString r_tree = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__TREE_STRING__INIT;
  Spark__Connect__AnalyzePlanResponse__IsLocal r_local = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__IS_LOCAL__INIT;
  Spark__Connect__AnalyzePlanResponse__IsStreaming r_stream = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__IS_STREAMING__INIT;
  Spark__Connect__AnalyzePlanResponse__InputFiles r_files = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__INPUT_FILES__INIT;
  Spark__Connect__AnalyzePlanResponse__SparkVersion r_ver = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__SPARK_VERSION__INIT;
  Spark__Connect__AnalyzePlanResponse__DDLParse r_ddl = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__DDLPARSE__INIT;
  Spark__Connect__AnalyzePlanResponse__SameSemantics r_same = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__SAME_SEMANTICS__INIT;
  Spark__Connect__AnalyzePlanResponse__SemanticHash r_hash = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__SEMANTIC_HASH__INIT;
  Spark__Connect__AnalyzePlanResponse__Persist r_persist = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__PERSIST__INIT;
  Spark__Connect__AnalyzePlanResponse__Unpersist r_unpersist = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__UNPERSIST__INIT;
  Spark__Connect__AnalyzePlanResponse__GetStorageLevel r_level =
      SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__GET_STORAGE_LEVEL__INIT;
  Spark__Connect__StorageLevel level = SPARK__CONNECT__STORAGE_LEVEL__INIT;
  Spark__Connect__AnalyzePlanResponse__JsonToDDL r_j2d = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__JSON_TO_DDL__INIT;

  switch (req->analyze_case) {
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_SCHEMA:
    rc = analyze_plan(sess, req->schema->plan, &spec, &plan, &err);
    if (!rc && !(r_schema.schema = em_type_to_proto(plan->schema, &a))) rc = em_error_internal(&err, "out of memory");
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_SCHEMA;
    resp.schema = &r_schema;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_EXPLAIN:
    rc = analyze_plan(sess, req->explain->plan, &spec, &plan, &err);
    if (!rc) {
      bool extended = req->explain->explain_mode != SPARK__CONNECT__ANALYZE_PLAN_REQUEST__EXPLAIN__EXPLAIN_MODE__EXPLAIN_MODE_SIMPLE &&
                      req->explain->explain_mode != SPARK__CONNECT__ANALYZE_PLAN_REQUEST__EXPLAIN__EXPLAIN_MODE__EXPLAIN_MODE_UNSPECIFIED;
      if (extended) {
        em_strbuf_puts(&sb, "== Analyzed Logical Plan ==\n");
        describe(plan->root, 0, false, &sb);
        em_strbuf_putc(&sb, '\n');
      }
      em_strbuf_puts(&sb, "== Physical Plan ==\n");
      describe(plan->root, 0, false, &sb);
      em_strbuf_putc(&sb, '\n');
      r_explain.explain_string = sb.data;
    }
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_EXPLAIN;
    resp.explain = &r_explain;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_TREE_STRING:
    rc = analyze_plan(sess, req->tree_string->plan, &spec, &plan, &err);
    if (!rc && em_type_tree_string(plan->schema, HAS(req->tree_string, level) ? req->tree_string->level : 0, &sb))
      rc = em_error_internal(&err, "out of memory");
    r_tree.tree_string = sb.data ? sb.data : "";
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_TREE_STRING;
    resp.tree_string = &r_tree;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_IS_LOCAL:
    rc = analyze_plan(sess, req->is_local->plan, &spec, &plan, &err);
    /* Spark: local when the plan is a LocalRelation (collect without jobs). */
    if (!rc) r_local.is_local = plan->root->kind == EM_LP_LOCAL;
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_IS_LOCAL;
    resp.is_local = &r_local;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_IS_STREAMING:
    rc = analyze_plan(sess, req->is_streaming->plan, &spec, &plan, &err);
    r_stream.is_streaming = false;
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_IS_STREAMING;
    resp.is_streaming = &r_stream;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_INPUT_FILES:
    rc = analyze_plan(sess, req->input_files->plan, &spec, &plan, &err);
    if (!rc) rc = em_connect_input_files(plan->root, &a, &r_files.files, &r_files.n_files, &err);
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_INPUT_FILES;
    resp.input_files = &r_files;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_SPARK_VERSION:
    r_ver.version = "4.2.0";
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_SPARK_VERSION;
    resp.spark_version = &r_ver;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_DDL_PARSE:
    parsed = em_type_parse_ddl(req->ddl_parse->ddl_string, &err);
    if (!parsed) rc = -1;
    else if (!(r_ddl.parsed = em_type_to_proto(parsed, &a))) rc = em_error_internal(&err, "out of memory");
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_DDL_PARSE;
    resp.ddl_parse = &r_ddl;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_SAME_SEMANTICS: {
    rc = analyze_plan(sess, req->same_semantics->target_plan, &spec, &plan, &err);
    if (!rc) rc = analyze_plan(sess, req->same_semantics->other_plan, &spec2, &plan2, &err);
    if (!rc) {
      em_strbuf other;
      em_strbuf_init(&other);
      describe(plan->root, 0, true, &sb);
      describe(plan2->root, 0, true, &other);
      r_same.result = sb.len == other.len && (sb.len == 0 || memcmp(sb.data, other.data, sb.len) == 0);
      em_strbuf_free(&other);
    }
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_SAME_SEMANTICS;
    resp.same_semantics = &r_same;
    break;
  }
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_SEMANTIC_HASH:
    rc = analyze_plan(sess, req->semantic_hash->plan, &spec, &plan, &err);
    if (!rc) {
      describe(plan->root, 0, true, &sb);
      r_hash.result = (int32_t)fnv1a(sb.data ? sb.data : "", sb.len);
    }
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_SEMANTIC_HASH;
    resp.semantic_hash = &r_hash;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_PERSIST: {
    /* Without a level: Spark's default for Dataset.persist(). */
    Spark__Connect__StorageLevel dflt = SPARK__CONNECT__STORAGE_LEVEL__INIT;
    dflt.use_disk = dflt.use_memory = dflt.deserialized = true;
    dflt.replication = 1;
    rc = em_session_cache_persist(sess, req->persist->relation,
                                  req->persist->storage_level ? req->persist->storage_level : &dflt, &err);
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_PERSIST;
    resp.persist = &r_persist;
    break;
  }
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_UNPERSIST:
    rc = em_session_cache_unpersist(sess, req->unpersist->relation, &err);
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_UNPERSIST;
    resp.unpersist = &r_unpersist;
    break;
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_GET_STORAGE_LEVEL: {
    level.replication = 1;
    bool found = false;
    rc = em_session_cache_level(sess, req->get_storage_level->relation, &found, &level, &err);
    if (!rc && found)
      level.base = (ProtobufCMessage)PROTOBUF_C_MESSAGE_INIT(&spark__connect__storage_level__descriptor);
    r_level.storage_level = &level;
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_GET_STORAGE_LEVEL;
    resp.get_storage_level = &r_level;
    break;
  }
  case SPARK__CONNECT__ANALYZE_PLAN_REQUEST__ANALYZE_JSON_TO_DDL:
    parsed = em_type_parse_json(req->json_to_ddl->json_string, strlen(req->json_to_ddl->json_string), &err);
    if (!parsed) {
      rc = -1;
    } else if (parsed->id != EM_T_STRUCT) {
      rc = em_error_internal(&err, "json_to_ddl expects a struct type");
    } else {
      /* Spark's StructType.toDDL: name TYPE [NOT NULL], comma separated. */
      for (int i = 0; i < parsed->u.st.nfields; i++) {
        const em_field *f = &parsed->u.st.fields[i];
        if (i) em_strbuf_puts(&sb, ",");
        em_strbuf_printf(&sb, "%s ", f->name);
        em_type_sql(f->type, &sb);
        if (!f->nullable) em_strbuf_puts(&sb, " NOT NULL");
      }
      r_j2d.ddl_string = sb.data ? sb.data : "";
    }
    resp.result_case = SPARK__CONNECT__ANALYZE_PLAN_RESPONSE__RESULT_JSON_TO_DDL;
    resp.json_to_ddl = &r_j2d;
    break;
  default: {
    char num[16];
    snprintf(num, sizeof num, "%d", (int)req->analyze_case);
    rc = em_error_set(&err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.AnalyzePlanRequest", "name",
                      "analyze", "number", num, NULL);
    break;
  }
  }
  if (rc)
    em_rpc_fail(call, sess, &err);
  else
    em_rpc_reply(call, &resp.base);
  em_type_unref(parsed);
  em_strbuf_free(&sb);
  em_arena_destroy(&a);
  em_plan_free(plan);
  em_plan_free(plan2);
  em_spec_release(&spec);
  em_spec_release(&spec2);
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}
