/*
 * io: files as Spark's data sources see them, and the file formats.
 *
 * em_io_list turns the paths of a read (files, directories, globs) into
 * the list of data files with their partition values, as Spark's
 * InMemoryFileIndex and PartitioningUtils do: hidden files (names starting
 * with "_" or ".", except "_" names containing "=") are skipped, directories
 * are listed recursively, `key=value` directories become partition
 * columns with Spark's type inference (unless recursiveFileLookup), and
 * pathGlobFilter filters file names. em_io_plan_splits cuts the files into
 * splits and packs them into partitions the way Spark's FilePartition
 * does (maxPartitionBytes, openCostInBytes, default parallelism), so the
 * partitions, and the order of collect(), are Spark's.
 *
 * The formats themselves are in format.h.
 */
#ifndef EM_IO_H
#define EM_IO_H

#include "format.h"

typedef struct em_file_index {
  em_arena arena;
  em_file *files; /* sorted by path */
  int nfiles;
  /* Partition columns discovered from key=value directories: a STRUCT
   * (no fields when none) and one vector per column with nfiles rows. */
  em_type *part_schema;
  em_vec **part_values;
  char ***part_raw; /* [column][file]: the unescaped directory value, NULL for the default partition */
  /* The paths as given resolved to no directory at all (only files). */
  bool only_files;
} em_file_index;

typedef struct em_list_opts {
  bool recursive;          /* recursiveFileLookup */
  const char *glob_filter; /* pathGlobFilter (fnmatch on file names) or NULL */
  const char *base_path;   /* basePath or NULL */
  bool infer_types;        /* spark.sql.sources.partitionColumnTypeInference.enabled */
  bool case_sensitive;
} em_list_opts;

/* Lists the files of `paths`. PATH_NOT_FOUND when a path (or glob) matches
 * nothing. On success *out is a new index (free with em_file_index_free). */
int em_io_list(const char *const *paths, int npaths, const em_list_opts *o, em_file_index **out, em_error *err);
void em_file_index_free(em_file_index *ix);

/* Appends the partition value `raw` (NULL: null) converted to v's type
 * (unparsable: null), as Spark casts a partition value to a user-given
 * column type. */
int em_io_partition_value(em_vec *v, const char *raw, em_error *err);

typedef struct em_split_opts {
  int64_t max_partition_bytes; /* spark.sql.files.maxPartitionBytes (128 MiB) */
  int64_t open_cost;           /* spark.sql.files.openCostInBytes (4 MiB) */
  int min_partitions;          /* spark.sql.files.minPartitionNum or the default parallelism */
} em_split_opts;

/* The splits of files[0..n) packed into partitions: *splits gets the
 * splits in partition order (arena memory), part_start[p] .. part_start[p+1]
 * those of partition p (part_start has *nparts + 1 entries). */
int em_io_plan_splits(const em_file *files, int nfiles, const em_format *fmt, const em_options *o,
                      const em_split_opts *so, em_arena *a, em_split **splits, int *nsplits, int **part_start,
                      int *nparts, em_error *err);

/* Appends path as a URI, as Spark names files: "file://" + path with
 * java.net.URI's quoting (authority), or "file:" + path. -1 on OOM. */
int em_io_file_uri(const char *path, bool authority, em_strbuf *sb);

#endif
