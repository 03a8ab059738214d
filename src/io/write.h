/*
 * The write path's file side: a write job commits the files its tasks
 * write into a directory atomically.
 *
 * Layout while a job runs: <target>/_temporary/<job-uuid>/ holds the new
 * files (in their partition directories), <target>/_temporary/<job>.lock
 * is flock'ed by the job. Commit (see write_job.c for the protocol) moves
 * the files into place so that a crash at any moment leaves either the
 * old or the new complete data once em_write_recover has run; it runs at
 * the start of every job on the target and should run before a read.
 */
#ifndef EM_IO_WRITE_H
#define EM_IO_WRITE_H

#include "format.h"

typedef enum em_write_mode {
  EM_WRITE_ERROR_IF_EXISTS,
  EM_WRITE_APPEND,
  EM_WRITE_OVERWRITE,
  EM_WRITE_IGNORE,
} em_write_mode;

typedef struct em_write_job em_write_job;
typedef struct em_write_task em_write_task;

/* Starts a job writing rows of `schema` (all columns, partition columns
 * included) to `path` with format `fmt`. partition_cols name columns of
 * schema (case-insensitive). Recovers leftovers of crashed jobs first.
 * *out is NULL (and 0 returned) when mode IGNORE finds the path. Errors:
 * PATH_ALREADY_EXISTS, unknown columns, unsupported types, I/O. */
int em_write_job_begin(const char *path, const em_format *fmt, em_write_mode mode, const em_options *o,
                       const em_type *schema, const char *const *partition_cols, int npartition_cols,
                       const char *session_tz, em_write_job **out, em_error *err);
/* A task writing partition `part` of the query (one file per partition
 * value). Thread-safe with respect to other tasks. */
int em_write_task_open(em_write_job *job, int part, em_write_task **out, em_error *err);
int em_write_task_batch(em_write_task *t, const em_batch *b, em_error *err);
/* Finishes the task's files (commit != 0) or removes them; frees t. */
int em_write_task_close(em_write_task *t, int commit, em_error *err);
/* Moves every committed file into place, writes _SUCCESS, frees the job. */
int em_write_job_commit(em_write_job *job, em_error *err);
/* Removes the staging directory and frees the job. */
void em_write_job_abort(em_write_job *job);
/* Rolls forward a commit that a crash interrupted and removes the staging
 * directories of dead jobs under path (a no-op for paths without any). */
int em_write_recover(const char *path, em_error *err);

/* Test hook: when set, the commit sleeps this many ms between its steps
 * (EMBER_TEST_COMMIT_DELAY_MS), so a test can kill it in the middle. */

#endif
