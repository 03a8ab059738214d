/*
 * Private structures of the connect layer: the service, sessions,
 * operations, configuration and artifacts.
 */
#ifndef EM_CONNECT_INT_H
#define EM_CONNECT_INT_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../arrow/arrow.h"
#include "../exec/exec.h"
#include "../plan/plan.h"
#include "../server/server.h"
#include "../spec/spec.h"
#include "../wasm/wasm.h"
#include "connect.h"
#include "spark/connect/base.pb-c.h"

/* ---- configuration ---- */

typedef enum em_conf_kind { EM_CONF_SQL, EM_CONF_STATIC, EM_CONF_CORE } em_conf_kind;

/* A string map of explicitly set values (small: a linear array). */
typedef struct em_conf {
  int n, cap;
  char **keys;
  char **vals;
} em_conf;

void em_conf_init(em_conf *c);
void em_conf_free(em_conf *c);
int em_conf_copy(em_conf *dst, const em_conf *src);
const char *em_conf_lookup(const em_conf *c, const char *key);
int em_conf_put(em_conf *c, const char *key, const char *val);
void em_conf_remove(em_conf *c, const char *key);

/* The registered default of a key, or NULL (kind in *kind when known). */
const char *em_conf_default(const char *key, em_conf_kind *kind);
/* Checks a value against the key's type (INVALID_CONF_VALUE.*). */
int em_conf_check(const char *key, const char *val, em_error *err);
/* The JVM-like default time zone of this process (TZ or /etc/localtime). */
const char *em_conf_system_timezone(void);

/* ---- artifacts ---- */

typedef struct em_artifact {
  char *name;
  em_buf *data;
} em_artifact;

/* ---- sessions ---- */

typedef struct em_operation em_operation;
typedef struct em_connect_state em_connect_state;
typedef struct em_views em_views;

typedef struct em_saved_error {
  char id[37];
  em_error err;
} em_saved_error;

typedef struct em_session {
  em_connect_state *svc;
  char *user_id;
  char *session_id;
  char server_side_id[37];
  pthread_mutex_t mu;
  int refcnt;          /* guarded by the manager's lock */
  bool closed;
  int64_t last_access_ns;
  em_conf conf;
  _Atomic int64_t next_expr_id;
  em_operation **ops; /* executions not yet released */
  int nops, capops;
  em_artifact *artifacts;
  int nartifacts, capartifacts;
  em_saved_error *errors; /* ring of recent errors for FetchErrorDetails */
  int nerrors;
  int errors_head;
  char (*released_ops)[37]; /* ring of released operation ids */
  int nreleased, released_head;
  struct em_cache_registry *cache; /* persisted DataFrames (cache_registry.c) */
  em_udf_registry *udfs; /* WebAssembly UDFs (udf_register.c), created on first registration */
  em_views *views; /* temp views (views.c) */
  char *current_db; /* USE db (catalog_cmd.c); NULL: default */
  /* Persistent functions of the current database, loaded from the catalog
   * (persistent_fn.c): the fallback of udfs. pfn_gen/pfn_db: what was loaded. */
  em_udf_registry *pudfs;
  uint64_t pfn_gen;
  char *pfn_db;
} em_session;

/* Cached data of a session (cache_registry.c): persisted DataFrames keyed
 * by their analyzed plan's fingerprint, and checkpoints by id. */
typedef struct em_cache_registry em_cache_registry;
int em_session_cache_persist(em_session *sess, const Spark__Connect__Relation *rel,
                             const Spark__Connect__StorageLevel *level, em_error *err);
int em_session_cache_unpersist(em_session *sess, const Spark__Connect__Relation *rel, em_error *err);
/* *found: whether rel's plan is persisted (its level in *out). */
int em_session_cache_level(em_session *sess, const Spark__Connect__Relation *rel, bool *found,
                           Spark__Connect__StorageLevel *out, em_error *err);
/* The analyzer's hooks for cached data (called by em_session_analyze_ctx). */
void em_session_cache_hooks(em_session *sess, em_analyze_ctx *ctx);
/* The Checkpoint command: the new relation's id in id_out. */
int em_session_checkpoint(em_session *sess, const Spark__Connect__CheckpointCommand *cmd, _Atomic bool *cancel,
                          char id_out[37], em_error *err);
void em_session_checkpoint_remove(em_session *sess, const char *id);
/* spark.ember.cache.stats: counters as JSON (em_malloc'd; NULL on OOM). */
char *em_session_cache_stats(em_session *sess);
/* spark.ember.cache.memoryBudget in bytes ("N%" of physical memory). */
int64_t em_session_cache_budget(em_session *sess);
void em_session_cache_free(em_session *sess);

/* ---- operations (reattachable executions) ---- */

typedef struct em_response {
  char id[37];
  em_buf *msg; /* serialized ExecutePlanResponse */
} em_response;

typedef enum em_op_state {
  EM_OPST_RUNNING = 2,
  EM_OPST_SUCCEEDED = 4,
  EM_OPST_FAILED = 5,
  EM_OPST_CANCELLED = 6,
} em_op_state;

struct em_operation {
  char op_id[37];
  em_session *sess; /* counted reference */
  char **tags;
  int ntags;
  bool reattachable;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int refcnt;
  /* Responses produced so far: resps[i] has global index first + i. */
  em_response *resps;
  int nresps, capresps;
  int64_t first;
  int64_t produced; /* global count */
  size_t retained_bytes;
  /* A 64-bit hash of every response id ever produced, by index, so that a
   * released or evicted position is still recognised. */
  uint64_t *id_hashes;
  uint64_t plan_hash; /* of the serialized plan, to recognise a replay */
  int64_t sent_through; /* highest index handed to a sender + 1 */
  bool done;
  em_op_state state;
  em_error err;      /* the failure, when state is FAILED or CANCELLED */
  bool err_saved;    /* error stored in the session for FetchErrorDetails */
  char err_id[37];
  _Atomic bool cancel;
  int sender_gen;    /* a newer attach interrupts older senders */
  int attached;
  int64_t detached_since_ns;
  bool released;
  /* A response held back from the stream until a deadline: the schema of a
   * query result, which its first batch carries instead when it comes
   * first (em_operation_hold). */
  em_buf *held;
  char held_id[37];
  int64_t held_until_ns;
  /* What to run. */
  Spark__Connect__ExecutePlanRequest *req; /* owned, unpacked */
  int64_t preferred_chunk;
  bool allow_chunking;
};

/* ---- the service ---- */

struct em_connect_state {
  em_server *server;
  pthread_mutex_t mu;
  em_session **sessions;
  int nsessions, capsessions;
  /* Tombstones of closed sessions: "user\x1fsession" strings, a ring. */
  char **tombstones;
  int ntomb, tomb_head;
  em_conf server_conf; /* --conf values: defaults for every session */
  int64_t session_timeout_ns;
  int64_t detached_timeout_ns;
  pthread_t reaper;
  bool reaper_started;
  bool stopping;
  pthread_cond_t reaper_cv;
  _Atomic int active_threads; /* execution threads still running */
  em_views *global_views; /* global temp views (views.c), created on first use */
  struct em_catalog *catalog; /* the persistent catalog (catalog_cmd.c), opened on first use */
};

struct em_connect {
  em_connect_state st;
};

/* Sessions (session.c). */
/* Finds or creates the session; checks the observed server-side id when
 * given. Returns a counted reference (em_session_release it). */
em_session *em_session_get(em_connect_state *s, const char *user_id, const char *session_id, bool create,
                           const char *observed_server_side_id, em_error *err);
void em_session_release(em_connect_state *s, em_session *sess);
/* Closes a session: cancels its operations and tombstones the key unless
 * allow_reconnect. */
int em_session_close(em_connect_state *s, const char *user_id, const char *session_id, bool allow_reconnect,
                     char server_side_id_out[37], em_error *err);
/* Copies a session (config, artifacts) under a new id. */
em_session *em_session_clone(em_connect_state *s, em_session *src, const char *new_id, em_error *err);
void em_sessions_start_reaper(em_connect_state *s);
void em_sessions_shutdown(em_connect_state *s);

/* Session configuration with Spark's lookup order: set value, server
 * --conf, registered default. Returns an em_malloc'd copy or NULL. */
char *em_session_conf_dup(em_session *sess, const char *key);
bool em_session_conf_bool(em_session *sess, const char *key, bool dflt);
int64_t em_session_conf_int(em_session *sess, const char *key, int64_t dflt);
/* Sizes such as "64m" or "1048576" (exec_conf.c). */
int64_t em_conf_parse_bytes(const char *v, int64_t dflt);
int64_t em_session_conf_bytes(em_session *sess, const char *key, int64_t dflt);
/* The directory queries spill to (em_malloc'd), NULL when spilling is off. */
char *em_session_spill_dir(em_session *sess);
/* Remembers an error for FetchErrorDetails; writes its id. */
void em_session_save_error(em_session *sess, const em_error *err, char id_out[37]);
int em_session_find_error(em_session *sess, const char *id, em_error *out);
/* The same with a caller-chosen id. */
void em_session_save_error_id(em_session *sess, const em_error *err, const char id_out[37]);

/* Artifacts (artifacts.c). */
int em_session_add_artifact(em_session *sess, const char *name, em_buf *data, em_error *err);
em_buf *em_session_find_artifact(em_session *sess, const char *name); /* new ref or NULL */

/* User functions (udf_register.c). */
int em_connect_register_function(em_session *sess, const Spark__Connect__CommonInlineUserDefinedFunction *f,
                                 em_error *err);
/* The session's registry (created when `create`; NULL when none/OOM). */
em_udf_registry *em_session_udfs(em_session *sess, bool create);
/* Binds name to `wasm:<artifact>#<export>` of an artifact of the session
 * (registerJavaFunction, CREATE FUNCTION). ret: borrowed, or NULL. */
int em_connect_register_wasm(em_session *sess, const char *name, const char *cls, em_type *ret, bool deterministic,
                             bool aggregate, em_error *err);
struct em_sql_stmt;
struct em_catalog;
/* Functions and catalog introspection of spark.sql (function_cmd.c,
 * describe_cmd.c): run by em_run_catalog_stmt for their kinds. */
int em_run_function_stmt(em_operation *op, const struct em_sql_stmt *st, em_error *err);
int em_run_describe_stmt(em_operation *op, struct em_catalog *cat, const struct em_sql_stmt *st, em_error *err);
/* Loads the catalog's persistent functions of the current database into
 * the session when they changed (persistent_fn.c); cheap otherwise. Errors
 * of single functions leave them unresolvable (as Spark's lazy loading). */
void em_session_sync_functions(em_session *sess);
/* Spark's SHOW ... LIKE / listFunctions pattern: '*' any characters, '|'
 * alternatives, case-insensitive; a NULL pattern matches everything. */
bool em_connect_show_like(const char *pattern, const char *name);
/* The "comment" of a field's metadata JSON (em_malloc'd), or NULL. */
char *em_connect_field_comment(const char *md);
/* CREATE VIEW without TEMPORARY: a view of the persistent catalog. */
int em_create_persistent_view(em_operation *op, const struct em_sql_stmt *st, em_error *err);
/* DROP VIEW of a catalog view: 1 dropped, 0 none, -1 error. */
int em_drop_persistent_view(em_session *sess, char *const *parts, int n, em_error *err);
/* spark.catalog calls about functions, columns, tables and databases
 * (catalog_meta.c); NULL with err set, or when c is not one of them
 * (*handled false). */
em_spec_rel *em_connect_catalog_meta(em_session *sess, const Spark__Connect__Catalog *c, em_spec *spec, bool *handled,
                                     em_error *err);
/* ember.wasm.memoryLimit / ember.wasm.timeout of the session. */
void em_session_wasm_limits(em_session *sess, em_wasm_limits *lim);

/* Operations (operation.c). */
em_operation *em_operation_new(em_session *sess, const char *op_id);
void em_operation_unref(em_operation *op);
int em_operation_push(em_operation *op, const ProtobufCMessage *resp_msg, const char *response_id);
/* Holds a response back: it joins the stream when `for_ns` has passed with
 * nothing else produced, or when the operation finishes, unless
 * em_operation_take_held takes it first (true: the caller sends what it
 * said in a response of its own). */
int em_operation_hold(em_operation *op, const ProtobufCMessage *resp_msg, const char *response_id, int64_t for_ns);
bool em_operation_take_held(em_operation *op);
void em_operation_finish(em_operation *op, const em_error *err);
/* Streams responses after index `from` to the call until done. */
void em_operation_attach(em_operation *op, em_rpc *call, int64_t from);
em_operation *em_session_find_op(em_session *sess, const char *op_id); /* new ref or NULL */
int em_session_add_op(em_session *sess, em_operation *op, em_error *err);
void em_session_remove_op(em_session *sess, em_operation *op);
int64_t em_operation_index_of(em_operation *op, const char *response_id); /* -1 unknown */
/* Index of the first response still held (earlier ones were released or
 * evicted). */
int64_t em_operation_first(em_operation *op);
/* Remembers / looks up released operation ids (OPERATION_ABANDONED). */
void em_session_note_released(em_session *sess, const char *op_id);
bool em_session_was_released(em_session *sess, const char *op_id);
uint64_t em_hash64(const void *p, size_t n);
void em_operation_release_until(em_operation *op, int64_t index);

/* Starts the execution thread of a registered operation (execute.c). */
void em_execute_start(em_operation *op, em_error *err, int *rc);
/* A response of the operation with fresh ids; queueing one. */
void em_execute_resp_init(em_operation *op, Spark__Connect__ExecutePlanResponse *r, char id[37]);
int em_execute_push(em_operation *op, Spark__Connect__ExecutePlanResponse *r, const char *id, em_error *err);
/* Sends the observed metrics of root's CollectMetrics nodes, if any, in one
 * response (observe.c); spec is the tree's spec. */
/* Sends the observed metrics of the CollectMetrics nodes under root: those
 * the run accumulated (plan's EM_LP_OBSERVE nodes, ctx->observed), others
 * (a node inside a cached relation) computed over the node's input. */
int em_observe_send(em_operation *op, em_spec *spec, const em_spec_rel *root, const em_plan *plan, em_exec_ctx *ctx,
                    em_error *err);
/* Runs a resolved subquery plan for the analyzer (em_analyze_ctx.run_subquery). */
int em_session_run_subquery(void *sess, em_plan *plan, em_batch ***batches, int *nbatches, em_error *err);
/* Parses the query of a SQL message with its parameters (sql_proto.c). */
int em_connect_sql_statement(em_session *sess, const Spark__Connect__SQL *sql, em_spec *spec, void *stmt_out,
                             em_error *err);

/* Errors (errors.c): the server boundary for em_error. */
void em_rpc_fail(em_rpc *call, em_session *sess, const em_error *err);
void em_rpc_fail_saved(em_rpc *call, const em_error *err, const char *error_id);

/* Plans (plan_proto.c, types_proto.c). */
int em_proto_to_spec(em_session *sess, const Spark__Connect__Relation *rel, em_spec *spec, em_spec_rel **out,
                     em_error *err);
em_type *em_type_from_proto(const Spark__Connect__DataType *dt, em_error *err);
em_spec_expr *em_proto_expr_to_spec(em_session *sess, const Spark__Connect__Expression *e, em_spec *spec,
                                    em_error *err);
em_spec_expr *em_proto_literal_to_spec(em_session *sess, const Spark__Connect__Expression__Literal *l, em_spec *spec,
                                       em_error *err);

/* SQL text in the protocol (sql_proto.c): a SQL relation parsed with its
 * parameters, an expression string, a table name (spark.table). */
em_spec_rel *em_connect_sql_rel(em_session *sess, const Spark__Connect__SQL *sql, em_spec *spec, em_error *err);
em_spec_expr *em_connect_expr_string(em_session *sess, const char *text, em_spec *spec, em_error *err);
em_spec_rel *em_connect_named_table(em_session *sess, const char *name, em_spec *spec, em_error *err);
/* Commands of SQL and temp views (sql_command.c). */
int em_run_sql_command(em_operation *op, const Spark__Connect__SqlCommand *cmd, em_error *err);
int em_run_create_view(em_operation *op, const Spark__Connect__CreateDataFrameViewCommand *cmd, em_error *err);
/* Spark's column checks of a temporary view over the analysed plan
 * (view_columns.c): column list arity, duplicate names. */
int em_view_check_columns(const em_plan *plan, const char *view_name, char *const *cols, int ncols,
                          bool case_sensitive, em_error *err);

/* Temp views (views.c): a session's views, and global ones in
 * `global_temp` shared by every session. A view is the serialized
 * Relation of a DataFrame or the SQL text of CREATE VIEW ... AS, analyzed
 * on every use. */
typedef struct em_view {
  char *name;
  bool is_sql;
  char *sql;         /* is_sql: the query text */
  uint8_t *proto;    /* !is_sql: a serialized Relation */
  size_t proto_len;
  char **columns;    /* CREATE VIEW v(a, b): output names, or NULL */
  int ncolumns;
} em_view;
struct em_views {
  pthread_mutex_t mu;
  em_view *v;
  int n, cap;
};
void em_views_init(em_views *vs);
void em_views_free(em_views *vs);
/* Adds or replaces (replace) a view; takes ownership of view's buffers
 * (freed on failure too). TEMP_TABLE_OR_VIEW_ALREADY_EXISTS when it exists
 * and !replace. */
int em_views_put(em_views *vs, em_view *view, bool replace, em_error *err);
/* Removes a view; false when there was none. */
bool em_views_drop(em_views *vs, const char *name);
/* A copy of a view's definition (em_view_free it), or false. */
bool em_views_get(em_views *vs, const char *name, em_view *out);
void em_view_free(em_view *v);
/* The analyzer's table lookup over a session's views (em_analyze_ctx). */
/* The persistent catalog (catalog_cmd.c). */
struct em_sql_stmt;
struct em_catalog;
/* The server's catalog, opened on first use under spark.sql.warehouse.dir. */
struct em_catalog *em_connect_catalog(em_session *sess, em_error *err);
/* The session's current database (em_malloc'd). */
char *em_session_current_db(em_session *sess);
/* Runs a catalog statement of spark.sql (CREATE TABLE, INSERT, SHOW ...). */
int em_run_catalog_stmt(em_operation *op, const struct em_sql_stmt *st, em_error *err);
/* Replies to a SqlCommand with rows of string columns. */
int em_sql_reply_rows(em_operation *op, const char *const *cols, int ncols, char *const *vals, int nrows,
                      em_error *err);
/* The same with column types: 's' string, 'b' boolean (not null). */
int em_sql_reply_typed(em_operation *op, const char *const *cols, const char *types, int ncols, char *const *vals,
                       int nrows, em_error *err);
/* The same with each column's metadata JSON (mds[i] NULL: none). */
int em_sql_reply_typed_md(em_operation *op, const char *const *cols, const char *types, const char *const *mds,
                          int ncols, char *const *vals, int nrows, em_error *err);
/* Catalog answers built row by row into a local relation (catalog_rows.c):
 * columns typed by a letter each ('s' string, 'b' boolean, 'a'
 * array<string>); em_catrows_rel hands them to the spec (or frees them on
 * error). */
typedef struct em_catrows {
  em_type *schema;
  em_vec **cols;
  int ncols;
  int64_t n;
} em_catrows;
int em_catrows_init(em_catrows *r, const char *const *names, const char *types, em_error *err);
void em_catrows_free(em_catrows *r);
void em_catrows_put_str(em_catrows *r, int c, const char *s);
void em_catrows_put_list(em_catrows *r, int c, const char *const *xs, int n); /* xs NULL: a NULL cell */
em_spec_rel *em_catrows_rel(em_catrows *r, em_spec *spec, em_error *err);

/* The protocol's Catalog relation, answered as local rows (catalog_rel.c). */
em_spec_rel *em_connect_catalog_rel(em_session *sess, const Spark__Connect__Catalog *c, em_spec *spec, em_error *err);
/* A catalog table or view as a relation (lookup_table); 0 found, 1 not found, -1 error. */
int em_catalog_lookup(em_session *sess, em_spec *spec, char *const *parts, int nparts, em_spec_rel **out,
                      em_error *err);
int em_session_lookup_table(void *sess, em_spec *spec, char *const *parts, int nparts, em_spec_rel **out,
                            em_error *err);
/* Builds a DataType message tree in arena a (NULL on out-of-memory). */
Spark__Connect__DataType *em_type_to_proto(const em_type *t, em_arena *a);
/* The root relation of a plan (decompressed when needed; *owned is set
 * when the caller must free the returned relation). */
int em_plan_root(const Spark__Connect__Plan *plan, Spark__Connect__Relation **root, Spark__Connect__Relation **owned,
                 em_error *err);
int em_zstd_decompress(const Spark__Connect__Plan__CompressedOperation *co, uint8_t **out, size_t *out_len,
                       em_error *err);
/* Session settings for the analyzer and executor. */
void em_session_analyze_ctx(em_session *sess, em_analyze_ctx *ctx);
/* Sets ctx's eager sub-query runner (subplan.c). */
void em_session_subplan_ctx(em_session *sess, em_analyze_ctx *ctx);

/* RPC handlers. */
void em_handle_execute(em_rpc *call, void *user);
void em_handle_reattach(em_rpc *call, void *user);
void em_handle_release_execute(em_rpc *call, void *user);
void em_handle_interrupt(em_rpc *call, void *user);
void em_handle_analyze(em_rpc *call, void *user);
void em_handle_config(em_rpc *call, void *user);
void em_handle_add_artifacts(em_rpc *call, void *user);
void em_handle_artifact_status(em_rpc *call, void *user);
void em_handle_release_session(em_rpc *call, void *user);
void em_handle_fetch_error_details(em_rpc *call, void *user);
void em_handle_clone_session(em_rpc *call, void *user);
void em_handle_get_status(em_rpc *call, void *user);

/* Receives and unpacks one request; on failure finishes the call with an
 * error and returns NULL. Free with protobuf_c_message_free_unpacked. */
ProtobufCMessage *em_rpc_recv_msg(em_rpc *call, const ProtobufCMessageDescriptor *desc);
/* The session a request names (em_session_get); on failure fails the call
 * with the reason, frees the request and returns NULL. */
em_session *em_rpc_session(em_rpc *call, em_connect_state *svc, ProtobufCMessage *req,
                           const Spark__Connect__UserContext *uc, const char *session_id, bool create,
                           const char *observed);
/* Takes a counted reference to a session. */
void em_session_ref(em_session *sess);

/* Sends one packed message and finishes OK (unary responses). */
void em_rpc_reply(em_rpc *call, const ProtobufCMessage *msg);
/* A user id from a UserContext (may be NULL) as Spark keys sessions. */
const char *em_user_id(const Spark__Connect__UserContext *uc);

/* The files the plan's file scans read, as "file:" URIs, each once
 * (input_files.c); the array and strings live in arena a. */
int em_connect_input_files(const em_lplan *root, em_arena *a, char ***out, size_t *n, em_error *err);

#endif
