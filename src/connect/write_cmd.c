/*
 * The WriteOperation command: df.write.format(...).mode(...).option(...)
 * .partitionBy(...).save(path) and the csv/json/text/parquet shortcuts.
 * The input relation is resolved and run with every partition in
 * parallel, each task writing its own files through the format's writer
 * into the job's staging directory; the job then commits atomically
 * (io/write_job.c). saveAsTable and insertInto go to the catalog
 * (catalog_cmd.c), which writes through the same job.
 */
#include "connect_int.h"

#include <string.h>
#include <strings.h>

#include "write_plan.h"
#include "spark/connect/commands.pb-c.h"

static int part_open(void *user, int part, void **local, em_error *err) {
  return em_write_task_open(user, part, (em_write_task **)local, err);
}

static int part_batch(void *user, void *local, em_batch *b, em_error *err) {
  return em_write_task_batch(local, b, err);
}

static int part_close(void *user, void *local, int commit, em_error *err) {
  return em_write_task_close(local, commit, err);
}

static const em_part_consumer write_consumer = {part_open, part_batch, part_close};

int em_connect_write_plan(em_operation *op, em_plan *plan, const char *path, const em_format *fmt, em_write_mode mode,
                          const em_options *opts, const char *const *partcols, int npartcols, em_error *err) {
  em_session *sess = op->sess;
  char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
  em_write_job *job = NULL;
  int rc = em_write_job_begin(path, fmt, mode, opts, plan->schema, partcols, npartcols, tz, &job, err);
  if (!rc && job) {
    em_memtracker mem;
    em_memtracker_init(&mem, NULL, 0);
    em_exec_ctx ctx = {
        .cancel = &op->cancel,
        .mem = &mem,
        .eval = {.timezone = tz, .ansi = em_session_conf_bool(sess, "spark.sql.ansi.enabled", true)},
        .batch_rows = 8192,
        .threads = 0,
    };
    rc = em_exec_run_parts(plan, &ctx, &write_consumer, job, err);
    if (rc) em_write_job_abort(job);
    else rc = em_write_job_commit(job, err);
  }
  em_free(tz);
  return rc;
}

int em_connect_write(em_operation *op, const Spark__Connect__WriteOperation *w, em_error *err);
int em_connect_write(em_operation *op, const Spark__Connect__WriteOperation *w, em_error *err) {
  em_session *sess = op->sess;
  if (w->save_type_case == SPARK__CONNECT__WRITE_OPERATION__SAVE_TYPE_TABLE) return em_catalog_write_table(op, w, err);
  if (w->save_type_case != SPARK__CONNECT__WRITE_OPERATION__SAVE_TYPE_PATH || !w->path || !*w->path)
    return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                        "Expected exactly one path to be specified, but got: ", NULL);
  if (!w->input)
    return em_error_set(err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.WriteOperation", "name", "input",
                        NULL);
  if (w->bucket_by || w->n_sort_column_names || w->n_clustering_columns)
    return em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "bucketBy, sortBy and clusterBy when saving to a path",
                        NULL);
  const char *source = w->_source_case ? w->source : NULL;
  char *dflt = NULL;
  if (!source || !*source) source = dflt = em_session_conf_dup(sess, "spark.sql.sources.default");
  if (!source) source = "parquet";
  const em_format *fmt = em_format_find(source);
  int rc = 0;
  if (!fmt) {
    char fs[256];
    snprintf(fs, sizeof fs, "data source %s", source);
    rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", fs, NULL);
  } else if (!fmt->write_open) {
    char fs[256];
    snprintf(fs, sizeof fs, "writing %s files (not implemented in Ember yet)", fmt->name);
    rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", fs, NULL);
  }
  em_write_mode mode = EM_WRITE_ERROR_IF_EXISTS;
  switch (w->mode) {
  case SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_APPEND: mode = EM_WRITE_APPEND; break;
  case SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_OVERWRITE: mode = EM_WRITE_OVERWRITE; break;
  case SPARK__CONNECT__WRITE_OPERATION__SAVE_MODE__SAVE_MODE_IGNORE: mode = EM_WRITE_IGNORE; break;
  default: break;
  }
  /* The session's format confs go first: a write option of the same
   * meaning (e.g. compression) wins over them. */
  static const char *const conf_keys[] = {"spark.sql.parquet.compression.codec",
                                          "spark.sql.parquet.outputTimestampType"};
  enum { NCONF = sizeof conf_keys / sizeof conf_keys[0] };
  char *conf_vals[NCONF] = {0};
  em_options opts = {0};
  opts.keys = em_calloc(w->n_options + NCONF + 1, sizeof *opts.keys);
  opts.values = em_calloc(w->n_options + NCONF + 1, sizeof *opts.values);
  if (!rc && (!opts.keys || !opts.values)) rc = em_error_internal(err, "out of memory");
  for (int i = 0; !rc && i < NCONF; i++) {
    conf_vals[i] = em_session_conf_dup(sess, conf_keys[i]);
    if (!conf_vals[i]) continue;
    opts.keys[opts.n] = conf_keys[i];
    opts.values[opts.n++] = conf_vals[i];
  }
  for (size_t i = 0; !rc && i < w->n_options; i++) {
    opts.keys[opts.n] = w->options[i]->key;
    opts.values[opts.n++] = w->options[i]->value;
  }

  em_spec spec;
  em_spec_init(&spec);
  em_spec_rel *rel = NULL;
  em_plan *plan = NULL;
  em_analyze_ctx actx;
  if (!rc) rc = em_proto_to_spec(sess, w->input, &spec, &rel, err);
  if (!rc) {
    em_session_analyze_ctx(sess, &actx);
    rc = em_analyze(rel, &actx, &plan, err);
  }
  if (!rc)
    rc = em_connect_write_plan(op, plan, w->path, fmt, mode, &opts, (const char *const *)w->partitioning_columns,
                               (int)w->n_partitioning_columns, err);
  em_free(dflt);
  em_free(opts.keys);
  em_free(opts.values);
  for (int i = 0; i < NCONF; i++) em_free(conf_vals[i]);
  em_plan_free(plan);
  em_spec_release(&spec);
  return rc;
}
