/*
 * Splits and file partitions, as Spark's FilePartition.maxSplitBytes and
 * getFilePartitions: with totalBytes = sum(file size + openCostInBytes),
 * maxSplitBytes = min(maxPartitionBytes, max(openCostInBytes, totalBytes /
 * minPartitionNum)); splittable files are cut into pieces of maxSplitBytes;
 * the pieces are sorted by size, largest first (stable), and packed in
 * that order: a partition is closed when the next piece would take it past
 * maxSplitBytes, and each piece counts its size plus openCostInBytes.
 */
#include "io.h"

#include <stdlib.h>
#include <string.h>

typedef struct piece {
  em_split s;
  int seq;
} piece;

static int cmp_piece(const void *a, const void *b) {
  const piece *x = a, *y = b;
  if (x->s.length != y->s.length) return x->s.length > y->s.length ? -1 : 1;
  return x->seq - y->seq;
}

int em_io_plan_splits(const em_file *files, int nfiles, const em_format *fmt, const em_options *o,
                      const em_split_opts *so, em_arena *a, em_split **splits_out, int *nsplits_out,
                      int **part_start_out, int *nparts_out, em_error *err) {
  int64_t open_cost = so->open_cost > 0 ? so->open_cost : 0;
  int64_t total = 0;
  for (int i = 0; i < nfiles; i++) total += files[i].size + open_cost;
  int minp = so->min_partitions > 0 ? so->min_partitions : 1;
  int64_t per_core = total / minp;
  int64_t max_split = so->max_partition_bytes > 0 ? so->max_partition_bytes : ((int64_t)128 << 20);
  int64_t m = open_cost > per_core ? open_cost : per_core;
  if (m < max_split) max_split = m;
  if (max_split <= 0) max_split = 1;
  int64_t count = 0;
  for (int i = 0; i < nfiles; i++) {
    bool split = fmt->splittable && fmt->splittable(&files[i], o);
    count += split && files[i].size > 0 ? (files[i].size + max_split - 1) / max_split : 1;
    if (count > 10000000) return em_error_internal(err, "too many file splits");
  }
  piece *pc = em_malloc(sizeof *pc * (size_t)(count ? count : 1));
  if (!pc) return em_error_internal(err, "out of memory planning splits");
  int n = 0;
  for (int i = 0; i < nfiles; i++) {
    bool split = fmt->splittable && fmt->splittable(&files[i], o);
    if (split && files[i].size > 0) {
      for (int64_t off = 0; off < files[i].size; off += max_split) {
        int64_t len = files[i].size - off < max_split ? files[i].size - off : max_split;
        pc[n] = (piece){.s = {.file = &files[i], .start = off, .length = len}, .seq = n};
        n++;
      }
    } else {
      pc[n] = (piece){.s = {.file = &files[i], .start = 0, .length = files[i].size}, .seq = n};
      n++;
    }
  }
  qsort(pc, (size_t)n, sizeof *pc, cmp_piece);
  em_split *splits = em_arena_alloc(a, sizeof *splits * (size_t)(n ? n : 1));
  int *starts = em_arena_alloc(a, sizeof(int) * (size_t)(n + 2));
  if (!splits || !starts) {
    em_free(pc);
    return em_error_internal(err, "out of memory planning splits");
  }
  int np = 0;
  int64_t cur = 0;
  int in_cur = 0;
  for (int i = 0; i < n; i++) {
    if (cur + pc[i].s.length > max_split && in_cur > 0) {
      np++;
      cur = 0;
      in_cur = 0;
    }
    if (in_cur == 0) starts[np] = i;
    cur += pc[i].s.length + open_cost;
    in_cur++;
    splits[i] = pc[i].s;
  }
  if (in_cur > 0) np++;
  starts[np] = n;
  starts[np + 1] = n; /* no partition at all reads as one empty partition */
  em_free(pc);
  *splits_out = splits;
  *nsplits_out = n;
  *part_start_out = starts;
  *nparts_out = np;
  return 0;
}
