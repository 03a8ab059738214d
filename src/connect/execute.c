/*
 * The execution thread of an operation: decodes the plan (decompressing it
 * when the client sent it compressed), resolves it, runs it and turns the
 * result into ExecutePlanResponse messages in Spark's order: schema, Arrow
 * batches (one IPC stream with exactly one record batch each, chunked when
 * the client allows and a batch exceeds its chunk size; an empty result
 * still gets one 0-row batch), then ResultComplete for reattachable
 * executions. The schema is held back for a few milliseconds: when the
 * first batch comes in that time it carries the schema too (a field
 * outside the response oneof, read by every client from whichever message
 * has it), one message fewer, and one ReleaseExecute call fewer for a
 * reattachable client; otherwise, or when the query fails, the schema goes
 * alone first, as Spark sends it.
 */
#include "connect_int.h"

#include <stdio.h>
#include <string.h>
#include <zstd.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)

/* How long the schema waits for the first batch. */
#define SCHEMA_HOLD_NS (20 * 1000000LL)

typedef struct exec_out {
  em_operation *op;
  em_type *schema;
  Spark__Connect__DataType *schema_proto; /* held back; NULL once a message carried it */
  em_ipc_write_opts ipc;
  int64_t rows_sent;
  int64_t batches_sent;
  int64_t chunk_size;
} exec_out;

static void resp_init(em_operation *op, Spark__Connect__ExecutePlanResponse *r, char id[37]) {
  spark__connect__execute_plan_response__init(r);
  r->session_id = op->sess->session_id;
  r->server_side_session_id = op->sess->server_side_id;
  r->operation_id = op->op_id;
  em_uuid4(id);
  r->response_id = id;
}

static int push_batch_bytes(exec_out *o, int64_t rows, const uint8_t *data, size_t len, em_error *err) {
  int64_t nchunks = 1;
  if (o->chunk_size > 0 && (int64_t)len > o->chunk_size) nchunks = ((int64_t)len + o->chunk_size - 1) / o->chunk_size;
  for (int64_t c = 0; c < nchunks; c++) {
    Spark__Connect__ExecutePlanResponse r;
    char id[37];
    resp_init(o->op, &r, id);
    Spark__Connect__ExecutePlanResponse__ArrowBatch ab = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__ARROW_BATCH__INIT;
    ab.row_count = rows;
    size_t off = (size_t)(c * (nchunks > 1 ? o->chunk_size : 0));
    size_t n = nchunks > 1 ? ((size_t)o->chunk_size < len - off ? (size_t)o->chunk_size : len - off) : len;
    ab.data.data = (uint8_t *)data + off;
    ab.data.len = n;
    ab._start_offset_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__ARROW_BATCH___START_OFFSET_START_OFFSET;
    ab.start_offset = o->rows_sent;
    if (nchunks > 1) {
      ab._chunk_index_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__ARROW_BATCH___CHUNK_INDEX_CHUNK_INDEX;
      ab.chunk_index = c;
      ab._num_chunks_in_batch_case =
          SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__ARROW_BATCH___NUM_CHUNKS_IN_BATCH_NUM_CHUNKS_IN_BATCH;
      ab.num_chunks_in_batch = nchunks;
    }
    r.response_type_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESPONSE_TYPE_ARROW_BATCH;
    r.arrow_batch = &ab;
    if (c == 0 && o->schema_proto && em_operation_take_held(o->op)) r.schema = o->schema_proto;
    o->schema_proto = NULL;
    if (em_operation_push(o->op, &r.base, id)) return em_error_internal(err, "out of memory queueing results");
  }
  o->rows_sent += rows;
  o->batches_sent++;
  return 0;
}

static int on_batch(void *user, em_batch *b, em_error *err) {
  exec_out *o = user;
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (em_ipc_write_stream(o->schema, &b, 1, &o->ipc, &sb, err)) {
    em_strbuf_free(&sb);
    return -1;
  }
  int rc = push_batch_bytes(o, b->nrows, (const uint8_t *)sb.data, sb.len, err);
  em_strbuf_free(&sb);
  return rc;
}

static int push_simple(em_operation *op, Spark__Connect__ExecutePlanResponse *r, const char *id, em_error *err) {
  if (em_operation_push(op, &r->base, id)) return em_error_internal(err, "out of memory queueing results");
  return 0;
}

static int run_relation(em_operation *op, const Spark__Connect__Relation *root, em_error *err) {
  em_session *sess = op->sess;
  em_spec spec;
  em_spec_init(&spec);
  em_spec_rel *rel = NULL;
  em_plan *plan = NULL;
  char *tz = NULL;
  int rc = em_proto_to_spec(sess, root, &spec, &rel, err);
  em_analyze_ctx actx;
  if (!rc) {
    em_session_analyze_ctx(sess, &actx);
    rc = em_analyze(rel, &actx, &plan, err);
  }
  em_arena schema_arena;
  em_arena_init(&schema_arena, 1024);
  Spark__Connect__DataType *schema_proto = NULL;
  if (!rc) {
    tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
    /* The schema response, held back for the first batch. */
    Spark__Connect__ExecutePlanResponse r;
    char id[37];
    resp_init(op, &r, id);
    r.schema = schema_proto = em_type_to_proto(plan->schema, &schema_arena);
    if (!r.schema) rc = em_error_internal(err, "out of memory");
    else if (em_operation_hold(op, &r.base, id, SCHEMA_HOLD_NS)) rc = em_error_internal(err, "out of memory queueing results");
  }
  if (!rc) {
    em_memtracker mem;
    em_memtracker_init(&mem, NULL, em_session_conf_bytes(sess, "spark.ember.memory.queryBudget", 0));
    char *spill_dir = em_session_spill_dir(sess);
    em_exec_ctx ctx = {
        .spill_dir = spill_dir,
        .cancel = &op->cancel,
        .mem = &mem,
        .eval = {.timezone = tz, .ansi = actx.ansi, .map_last_win = actx.map_last_win},
        .batch_rows = em_session_conf_int(sess, "spark.sql.execution.arrow.maxRecordsPerBatch", 10000),
        .threads = 0,
        .observed = em_observations_new(),
    };
    if (!ctx.observed) rc = em_error_internal(err, "out of memory");
    if (ctx.batch_rows <= 0) ctx.batch_rows = 10000;
    int64_t max_chunk = em_session_conf_int(sess, "spark.connect.session.resultChunking.maxChunkSize", 120795955);
    exec_out o = {.op = op, .schema = plan->schema, .schema_proto = schema_proto};
    o.ipc.timezone = tz;
    o.ipc.large_var_types = em_session_conf_bool(sess, "spark.sql.execution.arrow.useLargeVarTypes", false);
    if (op->allow_chunking)
      o.chunk_size = (op->preferred_chunk >= 1024 && op->preferred_chunk <= max_chunk) ? op->preferred_chunk : max_chunk;
    if (!rc) rc = em_exec_run(plan, &ctx, on_batch, &o, err);
    em_free(spill_dir);
    if (!rc && o.batches_sent == 0) {
      /* Spark sends one empty batch for an empty result. */
      em_strbuf sb;
      em_strbuf_init(&sb);
      rc = em_ipc_write_stream(plan->schema, NULL, 0, &o.ipc, &sb, err);
      if (!rc) {
        em_batch *empty = NULL;
        em_vec **cols = em_calloc((size_t)(plan->schema->u.st.nfields + 1), sizeof *cols);
        bool ok = cols != NULL;
        for (int i = 0; ok && i < plan->schema->u.st.nfields; i++)
          ok = (cols[i] = em_vec_new(plan->schema->u.st.fields[i].type, 0)) != NULL;
        if (ok) empty = em_batch_new(em_type_ref(plan->schema), plan->schema->u.st.nfields, cols, 0);
        else
          for (int i = 0; cols && i < plan->schema->u.st.nfields; i++)
            if (cols[i]) em_vec_unref(cols[i]);
        em_free(cols);
        if (!empty) rc = em_error_internal(err, "out of memory");
        else {
          rc = on_batch(&o, empty, err);
          em_batch_unref(empty);
        }
      }
      em_strbuf_free(&sb);
    }
    if (!rc) rc = em_observe_send(op, &spec, rel, plan, &ctx, err);
    em_observations_free(ctx.observed);
  }
  em_arena_destroy(&schema_arena);
  em_free(tz);
  em_plan_free(plan);
  em_spec_release(&spec);
  return rc;
}

int em_connect_write(em_operation *op, const Spark__Connect__WriteOperation *w, em_error *err); /* write_cmd.c */

void em_execute_resp_init(em_operation *op, Spark__Connect__ExecutePlanResponse *r, char id[37]) {
  resp_init(op, r, id);
}

int em_execute_push(em_operation *op, Spark__Connect__ExecutePlanResponse *r, const char *id, em_error *err) {
  return push_simple(op, r, id, err);
}

/* The Checkpoint command: materializes (when eager) and answers with the
 * CachedRemoteRelation the client refers to from then on. */
static int run_checkpoint(em_operation *op, const Spark__Connect__CheckpointCommand *cc, em_error *err) {
  if (!cc->relation)
    return em_error_set(err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.CheckpointCommand", "name",
                        "relation", NULL);
  char rid[37];
  if (em_session_checkpoint(op->sess, cc, &op->cancel, rid, err)) return -1;
  Spark__Connect__ExecutePlanResponse r;
  char id[37];
  resp_init(op, &r, id);
  Spark__Connect__CachedRemoteRelation crr = SPARK__CONNECT__CACHED_REMOTE_RELATION__INIT;
  crr.relation_id = rid;
  Spark__Connect__CheckpointCommandResult res = SPARK__CONNECT__CHECKPOINT_COMMAND_RESULT__INIT;
  res.relation = &crr;
  r.response_type_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESPONSE_TYPE_CHECKPOINT_COMMAND_RESULT;
  r.checkpoint_command_result = &res;
  return push_simple(op, &r, id, err);
}

/* MlCommand.clean_cache, which PySpark sends when its process exits:
 * Spark answers with the number of models it dropped from its ML cache,
 * and Ember keeps none (the other ML commands stay unsupported). */
static int run_ml_clean_cache(em_operation *op, em_error *err) {
  Spark__Connect__ExecutePlanResponse r;
  char id[37];
  resp_init(op, &r, id);
  Spark__Connect__Expression__Literal n = SPARK__CONNECT__EXPRESSION__LITERAL__INIT;
  n.literal_type_case = SPARK__CONNECT__EXPRESSION__LITERAL__LITERAL_TYPE_INTEGER;
  n.integer = 0;
  Spark__Connect__MlCommandResult res = SPARK__CONNECT__ML_COMMAND_RESULT__INIT;
  res.result_type_case = SPARK__CONNECT__ML_COMMAND_RESULT__RESULT_TYPE_PARAM;
  res.param = &n;
  r.response_type_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESPONSE_TYPE_ML_COMMAND_RESULT;
  r.ml_command_result = &res;
  return push_simple(op, &r, id, err);
}

static int run_command(em_operation *op, const Spark__Connect__Command *cmd, em_error *err) {
  if (cmd->command_type_case == SPARK__CONNECT__COMMAND__COMMAND_TYPE_REGISTER_FUNCTION)
    return em_connect_register_function(op->sess, cmd->register_function, err); /* udf_register.c */
  if (cmd->command_type_case == SPARK__CONNECT__COMMAND__COMMAND_TYPE_WRITE_OPERATION)
    return em_connect_write(op, cmd->write_operation, err);
  /* SQL commands and temp views: sql_command.c. */
  if (cmd->command_type_case == SPARK__CONNECT__COMMAND__COMMAND_TYPE_SQL_COMMAND)
    return em_run_sql_command(op, cmd->sql_command, err);
  if (cmd->command_type_case == SPARK__CONNECT__COMMAND__COMMAND_TYPE_CREATE_DATAFRAME_VIEW)
    return em_run_create_view(op, cmd->create_dataframe_view, err);
  switch (cmd->command_type_case) {
  case SPARK__CONNECT__COMMAND__COMMAND_TYPE_CHECKPOINT_COMMAND:
    return run_checkpoint(op, cmd->checkpoint_command, err);
  case SPARK__CONNECT__COMMAND__COMMAND_TYPE_REMOVE_CACHED_REMOTE_RELATION_COMMAND: {
    const Spark__Connect__RemoveCachedRemoteRelationCommand *rm = cmd->remove_cached_remote_relation_command;
    if (rm->relation && rm->relation->relation_id) em_session_checkpoint_remove(op->sess, rm->relation->relation_id);
    return 0;
  }
  case SPARK__CONNECT__COMMAND__COMMAND_TYPE_ML_COMMAND:
    if (cmd->ml_command && cmd->ml_command->command_case == SPARK__CONNECT__ML_COMMAND__COMMAND_CLEAN_CACHE)
      return run_ml_clean_cache(op, err);
    break;
  default:
    break;
  }
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field(&spark__connect__command__descriptor, (unsigned)cmd->command_type_case);
  char num[16];
  snprintf(num, sizeof num, "%d", (int)cmd->command_type_case);
  return em_error_set(err, EM_ERR_UNSUPPORTED_RELATION, "fullName", "spark.connect.Command", "name",
                      f ? f->name : "unknown", "number", num, NULL);
  (void)op;
}

int em_zstd_decompress(const Spark__Connect__Plan__CompressedOperation *co, uint8_t **out, size_t *out_len,
                       em_error *err) {
  if (co->compression_codec != SPARK__CONNECT__COMPRESSION_CODEC__COMPRESSION_CODEC_ZSTD)
    return em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "unknown compression codec", NULL);
  unsigned long long n = ZSTD_getFrameContentSize(co->data.data, co->data.len);
  if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > (1ull << 31))
    return em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "invalid ZSTD frame", NULL);
  uint8_t *buf = em_malloc((size_t)n + 1);
  if (!buf) return em_error_internal(err, "out of memory");
  size_t got = ZSTD_decompress(buf, (size_t)n, co->data.data, co->data.len);
  if (ZSTD_isError(got) || got != n) {
    em_free(buf);
    return em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "ZSTD decompression failed",
                        NULL);
  }
  *out = buf;
  *out_len = got;
  return 0;
}

/* Decompresses a ZSTD-compressed operation and runs it. */
static int run_compressed(em_operation *op, const Spark__Connect__Plan__CompressedOperation *co, em_error *err) {
  uint8_t *buf = NULL;
  size_t got = 0;
  if (em_zstd_decompress(co, &buf, &got, err)) return -1;
  int rc;
  if (co->op_type == SPARK__CONNECT__PLAN__COMPRESSED_OPERATION__OP_TYPE__OP_TYPE_RELATION) {
    Spark__Connect__Relation *rel = spark__connect__relation__unpack(NULL, got, buf);
    if (!rel)
      rc = em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "invalid relation", NULL);
    else {
      rc = run_relation(op, rel, err);
      spark__connect__relation__free_unpacked(rel, NULL);
    }
  } else if (co->op_type == SPARK__CONNECT__PLAN__COMPRESSED_OPERATION__OP_TYPE__OP_TYPE_COMMAND) {
    Spark__Connect__Command *cmd = spark__connect__command__unpack(NULL, got, buf);
    if (!cmd)
      rc = em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "invalid command", NULL);
    else {
      rc = run_command(op, cmd, err);
      spark__connect__command__free_unpacked(cmd, NULL);
    }
  } else {
    rc = em_error_set(err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "unknown operation type", NULL);
  }
  em_free(buf);
  return rc;
}

static void execute_main(void *arg) {
  em_operation *op = arg;
  em_connect_state *svc = op->sess->svc;
  em_error err;
  em_error_clear(&err);
  int rc;
  const Spark__Connect__Plan *plan = op->req->plan;
  if (!plan) {
    rc = em_error_set(&err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.ExecutePlanRequest", "name",
                      "plan", NULL);
  } else {
    switch (plan->op_type_case) {
    case SPARK__CONNECT__PLAN__OP_TYPE_ROOT:
      rc = run_relation(op, plan->root, &err);
      break;
    case SPARK__CONNECT__PLAN__OP_TYPE_COMMAND:
      rc = run_command(op, plan->command, &err);
      break;
    case SPARK__CONNECT__PLAN__OP_TYPE_COMPRESSED_OPERATION:
      rc = run_compressed(op, plan->compressed_operation, &err);
      break;
    default:
      rc = em_error_set(&err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.Plan", "name", "op_type",
                        NULL);
      break;
    }
  }
  if (rc && atomic_load(&op->cancel) && err.cls != EM_ERR_OPERATION_CANCELED)
    em_error_set(&err, EM_ERR_OPERATION_CANCELED, NULL);
  if (!rc && op->reattachable) {
    Spark__Connect__ExecutePlanResponse r;
    char id[37];
    resp_init(op, &r, id);
    Spark__Connect__ExecutePlanResponse__ResultComplete rcm = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESULT_COMPLETE__INIT;
    r.response_type_case = SPARK__CONNECT__EXECUTE_PLAN_RESPONSE__RESPONSE_TYPE_RESULT_COMPLETE;
    r.result_complete = &rcm;
    rc = push_simple(op, &r, id, &err);
  }
  em_operation_finish(op, rc ? &err : NULL);
  em_operation_unref(op);
  atomic_fetch_sub(&svc->active_threads, 1);
}

void em_execute_start(em_operation *op, em_error *err, int *rc) {
  pthread_mutex_lock(&op->mu);
  op->refcnt++;
  pthread_mutex_unlock(&op->mu);
  atomic_fetch_add(&op->sess->svc->active_threads, 1);
  /* Deep plans recurse: every execution thread gets a 16 MiB stack. */
  if (em_spawn(execute_main, op, 16u << 20) != 0) {
    atomic_fetch_sub(&op->sess->svc->active_threads, 1);
    em_operation_unref(op);
    *rc = em_error_internal(err, "cannot start an execution thread");
  } else {
    *rc = 0;
  }
}
