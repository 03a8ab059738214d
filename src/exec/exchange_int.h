/*
 * Private to the exchange (op_exchange.c) and its spilling
 * (spill_exchange.c).
 */
#ifndef EM_EXEC_EXCHANGE_INT_H
#define EM_EXEC_EXCHANGE_INT_H

#include "exec_int.h"
#include "spill.h"

typedef struct xcfg {
  em_part_mode mode;
  int nparts;
  bool adaptive;
  em_expr **keys;
  bool *asc, *nulls_first;
  int nkeys;
  const bool *used;
  bool unsorted;
  int sample_size;
  int min_partitions;
} xcfg;

/* One input partition's rows. */
typedef struct xmap {
  em_batch *rows;  /* all its rows, concatenated (NULL when none or spilled) */
  em_vec **keys;   /* range: its sort keys */
  int64_t n;
  int32_t *pid;    /* reduce partition per row (until grouped) */
  uint32_t *order; /* row indices grouped by reduce partition */
  int64_t *starts; /* nred + 1 */
  /* Spilled (hash and single modes): the rows went to `spill` segment by
   * segment, each holding reduce partition r's rows, in input order, at
   * file bytes [seg_off[s * (nred + 1) + r], seg_off[s * (nred + 1) + r + 1]).
   * starts then counts rows per reduce partition over all segments, and
   * red_bytes their UnsafeRow sizes (for adaptive coalescing). */
  em_spill_file *spill;
  int64_t *seg_off;
  int nseg, capseg;
  int64_t *red_bytes;
} xmap;

typedef struct xstate {
  xmap *maps;
  int nmaps;
  int nred;         /* reduce partitions */
  int ngroups;      /* output partitions */
  int *gstart;      /* group g reads reduce partitions [gstart[g], gstart[g+1]) */
  int64_t *grows;   /* rows per group */
  em_memtracker *mem;
  _Atomic int64_t charged;
} xstate;

typedef struct xlocal {
  em_batch **batches;
  em_vec ***keys;   /* range */
  int32_t **pids;   /* hash */
  int n, cap;
  int64_t charged;  /* hash and single: bytes reserved for the held batches */
  em_memtracker *mem;
} xlocal;

typedef struct xout_local {
  int map;     /* input partition being read */
  int red;     /* reduce partition being read */
  int64_t off; /* position within that map's rows of the partition */
  bool started;
  int seg;      /* spilled map: segment being read */
  bool in_seg;  /* foff is set */
  int64_t foff; /* the file offset in that segment */
} xout_local;

/* Whether the exchange's mode can spill (hash, single). */
bool em_xspill_mode(const xcfg *cfg);
/* Writes the task's held batches (st) to map mp's spill file as one more
 * segment, releasing them and their reservation. */
int em_xspill_segment(const xcfg *cfg, em_sink *s, xmap *mp, xlocal *st, em_exec_ctx *ctx, em_error *err);
/* After a spilled map's last segment: its row counts per reduce partition
 * (mp->starts, mp->n) and the file ready for readers. */
int em_xspill_finish(const xcfg *cfg, xmap *mp, em_error *err);
/* The next batch of reduce partition `red` of spilled map mp for a reader
 * (NULL when that partition of the map is done). */
int em_xspill_next(const xcfg *cfg, em_sink *s, xmap *mp, int red, xout_local *st, em_batch **out, em_error *err);
void em_xspill_free(xmap *mp);

#endif
