/*
 * Private to exec: the structures of cached relations (cache_store.c) and
 * what the compiler and the cache operators (op_cache.c) use of them.
 */
#ifndef EM_EXEC_CACHE_H
#define EM_EXEC_CACHE_H

#include "spill.h"

/* One partition of a cached relation. */
typedef struct cache_slot {
  em_batch **batches; /* in memory: references */
  int nbatches;
  int64_t bytes; /* memory held */
  bool in_memory;
  bool on_disk;
  int64_t disk_off, disk_end; /* its blocks in the entry's file */
  uint64_t last_used;         /* store clock, for LRU */
} cache_slot;

struct em_cache_entry {
  _Atomic int refcnt;
  em_cache_store *store;
  em_plan *lineage; /* owned: computes the rows */
  em_type *schema;  /* reference */
  bool memory, disk; /* storage level */
  char *file_path;   /* reliable checkpoint file, else NULL (a spill file) */
  em_spill_file *file;
  int nparts; /* -1 until the first partition is stored */
  cache_slot *slots;
  em_cache_entry *prev, *next; /* the store's list */
};

/* What one query reads of a complete entry: a copy of every slot taken at
 * compile time (memory batches kept alive by the query's plan). */
typedef struct cache_pin {
  em_cache_entry *entry;
  int nparts;
  cache_slot *slots;
} cache_pin;

/* Stores partition `part` of `nparts` (the batches are borrowed; the entry
 * takes its own references). A partition already present is kept. 0, or
 * -1 with err (out of memory, or a checkpoint file that cannot be
 * written). */
int em_cache_entry_put(em_cache_entry *e, int nparts, int part, em_batch **bs, int n, em_error *err);

/* When every partition of e is available: *out = a pin in arena a, whose
 * memory batches `holder` keeps referenced; else *out = NULL (the caller
 * recomputes from the lineage). -1 on OOM. */
int em_cache_entry_pin(em_cache_entry *e, em_arena *a, em_plan *holder, cache_pin **out);

/* Next batch of a pinned partition; *pos starts at -1. *out NULL at the
 * end. */
int em_cache_slot_read(const cache_pin *pin, int part, int64_t *pos, em_batch **out, em_error *err);

/* The cache's pipelines (op_cache.c): a scan of a complete entry, or the
 * lineage's pipeline ending in a sink that stores what it computes. */
int em_cache_compile(em_plan *plan, const em_lplan *n, em_arena *a, em_pipeline *lineage, cache_pin *pin,
                     em_type *schema, em_pipeline **out, em_error *err);

#endif
