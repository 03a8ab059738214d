/*
 * Running a resolved plan into files with the atomic write job
 * (write_cmd.c): DataFrameWriter.save, CREATE TABLE AS SELECT, INSERT,
 * saveAsTable and insertInto share it.
 */
#ifndef EM_CONNECT_WRITE_PLAN_H
#define EM_CONNECT_WRITE_PLAN_H

#include "connect_int.h"
#include "../io/write.h"
#include "spark/connect/commands.pb-c.h"

int em_connect_write_plan(em_operation *op, em_plan *plan, const char *path, const em_format *fmt, em_write_mode mode,
                          const em_options *opts, const char *const *partcols, int npartcols, em_error *err);

/* saveAsTable / insertInto (catalog_cmd.c). */
int em_catalog_write_table(em_operation *op, const Spark__Connect__WriteOperation *w, em_error *err);

#endif
