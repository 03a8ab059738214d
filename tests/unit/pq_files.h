/*
 * The Parquet files of tests/data/parquet for unit tests: the path of one
 * (under EMBER_SOURCE_DIR) and its em_file.
 */
#ifndef EM_TEST_PQ_FILES_H
#define EM_TEST_PQ_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "io/io.h"
#include "runner.h"

/* Points *f at tests/data/parquet/<name>, its path written to path[cap]. */
static inline void pq_test_file(const char *name, char *path, size_t cap, em_file *f) {
  const char *src = getenv("EMBER_SOURCE_DIR");
  CHECK(src);
  snprintf(path, cap, "%s/tests/data/parquet/%s", src, name);
  struct stat st;
  CHECK(stat(path, &st) == 0);
  *f = (em_file){.path = path, .size = (int64_t)st.st_size};
}

#endif
