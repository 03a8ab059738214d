/*
 * Cached relations: the partitions of persisted DataFrames and checkpoints,
 * held in memory under a budget and spilled to disk or dropped by LRU.
 *
 * A store belongs to a session (its budget is the session's
 * spark.ember.cache.memoryBudget) and lists its entries. An entry is one
 * cached relation: its lineage plan (the analyzed plan that computes it),
 * its storage level (memory and/or disk) and, once computed, one slot per
 * partition of the lineage's output. A slot holds its batches in memory,
 * on disk (a range of the entry's spill file: length-prefixed Arrow IPC
 * blocks written by spill_file.c), both, or nothing (never computed, or
 * evicted from memory with a memory-only level).
 *
 * Lifetimes: entries are reference counted. The session's registry holds
 * one reference while the DataFrame is persisted; every plan that reads an
 * entry holds another (em_plan.held), so unpersist or session end never
 * pulls data from under a running query. The store is reference counted
 * by its session and its entries.
 *
 * Memory: slots in memory count against the store's budget. Putting a
 * partition evicts least recently used slots (of any entry of the store)
 * until the total fits: a slot whose entry may use disk is written to the
 * entry's file first; otherwise it is dropped and its entry is recomputed
 * from its lineage when next used, as Spark recomputes lost cached blocks.
 * Readers take references to a slot's batches (or its disk range) when a
 * query is compiled, so eviction frees memory only once they are done.
 *
 * Locking: one mutex per store guards its list, budget, every slot and the
 * statistics. Disk writes happen under it (eviction is rare; reads use
 * pread without the lock).
 */
#include "cache.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct em_cache_store {
  pthread_mutex_t mu;
  _Atomic int refcnt;
  int64_t budget; /* bytes; <= 0: no memory at all */
  char *dir;      /* spill directory for disk levels */
  em_cache_entry *head;
  uint64_t clock;
  int64_t mem_bytes;
  em_cache_stats stats;
};

em_cache_store *em_cache_store_new(void) {
  em_cache_store *s = em_calloc(1, sizeof *s);
  if (!s) return NULL;
  pthread_mutex_init(&s->mu, NULL);
  s->refcnt = 1;
  s->budget = INT64_MAX;
  return s;
}

static void store_unref(em_cache_store *s) {
  if (!s || atomic_fetch_sub(&s->refcnt, 1) != 1) return;
  pthread_mutex_destroy(&s->mu);
  em_free(s->dir);
  em_free(s);
}

void em_cache_store_release(em_cache_store *s) { store_unref(s); }

static void evict_locked(em_cache_store *s, const cache_slot *keep);

void em_cache_store_configure(em_cache_store *s, int64_t budget, const char *dir) {
  pthread_mutex_lock(&s->mu);
  s->budget = budget;
  if (dir && (!s->dir || strcmp(s->dir, dir) != 0)) {
    char *d = em_strdup(dir);
    if (d) {
      em_free(s->dir);
      s->dir = d;
    }
  }
  evict_locked(s, NULL);
  pthread_mutex_unlock(&s->mu);
}

void em_cache_store_stats(em_cache_store *s, em_cache_stats *out) {
  pthread_mutex_lock(&s->mu);
  *out = s->stats;
  out->mem_bytes = s->mem_bytes;
  pthread_mutex_unlock(&s->mu);
}

em_cache_entry *em_cache_entry_new(em_cache_store *s, em_plan *lineage, bool memory, bool disk, const char *file_dir,
                                   em_error *err) {
  em_cache_entry *e = em_calloc(1, sizeof *e);
  if (!e) return em_error_internal(err, "out of memory caching a relation"), NULL;
  e->refcnt = 1;
  e->store = s;
  atomic_fetch_add(&s->refcnt, 1);
  e->lineage = lineage;
  e->schema = em_type_ref(lineage->schema);
  e->memory = memory || !disk;
  e->disk = disk;
  e->nparts = -1;
  if (file_dir) {
    /* A reliable checkpoint: a named file in the checkpoint directory,
     * removed with the entry. */
    char id[37];
    em_uuid4(id);
    size_t n = strlen(file_dir) + 64;
    e->file_path = em_malloc(n);
    if (!e->file_path) {
      em_cache_entry_unref(e);
      return em_error_internal(err, "out of memory caching a relation"), NULL;
    }
    snprintf(e->file_path, n, "%s/ember-checkpoint-%s.arrows", file_dir, id);
  }
  pthread_mutex_lock(&s->mu);
  e->next = s->head;
  if (s->head) s->head->prev = e;
  s->head = e;
  pthread_mutex_unlock(&s->mu);
  return e;
}

em_cache_entry *em_cache_entry_ref(em_cache_entry *e) {
  atomic_fetch_add(&e->refcnt, 1);
  return e;
}

static void slot_drop_memory(em_cache_store *s, cache_slot *sl) {
  for (int i = 0; i < sl->nbatches; i++) em_batch_unref(sl->batches[i]);
  em_free(sl->batches);
  sl->batches = NULL;
  sl->nbatches = 0;
  s->mem_bytes -= sl->bytes;
  sl->bytes = 0;
  sl->in_memory = false;
}

void em_cache_entry_unref(em_cache_entry *e) {
  if (!e || atomic_fetch_sub(&e->refcnt, 1) != 1) return;
  em_cache_store *s = e->store;
  pthread_mutex_lock(&s->mu);
  if (e->prev) e->prev->next = e->next;
  else if (s->head == e) s->head = e->next;
  if (e->next) e->next->prev = e->prev;
  for (int p = 0; p < e->nparts; p++) slot_drop_memory(s, &e->slots[p]);
  pthread_mutex_unlock(&s->mu);
  em_free(e->slots);
  em_spill_free(e->file);
  if (e->file_path) {
    unlink(e->file_path);
    em_free(e->file_path);
  }
  em_type_unref(e->schema);
  em_plan_free(e->lineage);
  em_free(e);
  store_unref(s);
}

const em_type *em_cache_entry_schema(const em_cache_entry *e) { return e->schema; }

/* Opens the entry's disk file on first use. */
static int open_file(em_cache_store *s, em_cache_entry *e, em_error *err) {
  if (e->file) return 0;
  if (e->file_path) {
    FILE *f = fopen(e->file_path, "w+b");
    if (!f) return em_error_internal(err, "cannot write checkpoint file %s: %s", e->file_path, strerror(errno));
    e->file = em_calloc(1, sizeof *e->file);
    if (!e->file) {
      fclose(f);
      unlink(e->file_path);
      return em_error_internal(err, "out of memory");
    }
    e->file->f = f;
    return 0;
  }
  em_exec_ctx ctx = {.spill_dir = s->dir};
  e->file = em_spill_create(&ctx, err);
  return e->file ? 0 : -1;
}

/* Writes a slot's batches to the entry's file (store locked). */
static int write_slot(em_cache_store *s, em_cache_entry *e, cache_slot *sl, em_batch *const *bs, int n,
                      em_error *err) {
  if (open_file(s, e, err)) return -1;
  int64_t start = e->file->bytes;
  for (int i = 0; i < n; i++)
    if (em_spill_write(e->file, NULL, bs[i], err)) return -1;
  if (em_spill_flush(e->file, err)) return -1;
  sl->disk_off = start;
  sl->disk_end = e->file->bytes;
  sl->on_disk = true;
  s->stats.disk_writes++;
  s->stats.disk_bytes += sl->disk_end - start;
  return 0;
}

/* Evicts least recently used memory slots until the store fits its
 * budget; `keep` (just put) goes last. */
static void evict_locked(em_cache_store *s, const cache_slot *keep) {
  while (s->mem_bytes > (s->budget > 0 ? s->budget : 0)) {
    em_cache_entry *ve = NULL;
    cache_slot *victim = NULL;
    for (em_cache_entry *e = s->head; e; e = e->next)
      for (int p = 0; p < e->nparts; p++) {
        cache_slot *sl = &e->slots[p];
        if (!sl->in_memory || sl == keep) continue;
        if (!victim || sl->last_used < victim->last_used) {
          victim = sl;
          ve = e;
        }
      }
    if (!victim && keep && keep->in_memory) {
      for (em_cache_entry *e = s->head; e && !ve; e = e->next)
        if (keep >= e->slots && keep < e->slots + e->nparts) ve = e;
      victim = (cache_slot *)keep;
      keep = NULL;
    }
    if (!victim) return;
    em_error err;
    em_error_clear(&err);
    if (ve->disk && !victim->on_disk && write_slot(s, ve, victim, victim->batches, victim->nbatches, &err)) {
      /* The disk refused: the slot is lost and will be recomputed. */
      victim->on_disk = false;
    }
    slot_drop_memory(s, victim);
    s->stats.evictions++;
  }
}

int em_cache_entry_put(em_cache_entry *e, int nparts, int part, em_batch **bs, int n, em_error *err) {
  em_cache_store *s = e->store;
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  if (e->nparts < 0) {
    e->slots = em_calloc((size_t)(nparts ? nparts : 1), sizeof *e->slots);
    if (!e->slots) rc = em_error_internal(err, "out of memory caching a relation");
    else e->nparts = nparts;
  }
  if (!rc && part < e->nparts) {
    cache_slot *sl = &e->slots[part];
    if (!sl->in_memory && !sl->on_disk) {
      s->stats.parts_computed++;
      sl->last_used = ++s->clock;
      if (e->memory) {
        sl->batches = em_malloc(sizeof *sl->batches * (size_t)(n ? n : 1));
        if (sl->batches) {
          for (int i = 0; i < n; i++) {
            sl->batches[i] = em_batch_ref(bs[i]);
            sl->bytes += (int64_t)em_batch_bytes(bs[i]);
          }
          sl->nbatches = n;
          sl->in_memory = true;
          s->mem_bytes += sl->bytes;
          evict_locked(s, sl);
        }
      } else if (write_slot(s, e, sl, bs, n, err)) {
        /* DISK_ONLY without a disk: not cached; the next use recomputes. */
        sl->on_disk = false;
        if (e->file_path) rc = -1; /* a reliable checkpoint must be written */
      }
    }
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int em_cache_entry_pin(em_cache_entry *e, em_arena *a, em_plan *holder, cache_pin **out) {
  em_cache_store *s = e->store;
  *out = NULL;
  pthread_mutex_lock(&s->mu);
  bool complete = e->nparts >= 0;
  for (int p = 0; complete && p < e->nparts; p++)
    if (!e->slots[p].in_memory && !e->slots[p].on_disk) complete = false;
  cache_pin *pin = NULL;
  int rc = 0;
  if (complete) {
    pin = em_arena_calloc(a, sizeof *pin);
    cache_slot *sl = pin ? em_arena_calloc(a, sizeof *sl * (size_t)(e->nparts + 1)) : NULL;
    if (!pin || !sl) {
      rc = -1;
    } else {
      pin->entry = e;
      pin->nparts = e->nparts;
      pin->slots = sl;
      for (int p = 0; !rc && p < e->nparts; p++) {
        cache_slot *src = &e->slots[p];
        sl[p] = *src;
        if (src->in_memory) {
          src->last_used = ++s->clock;
          sl[p].batches = em_arena_alloc(a, sizeof(em_batch *) * (size_t)(src->nbatches + 1));
          if (!sl[p].batches) {
            rc = -1;
            break;
          }
          /* The plan keeps what it reads alive until the query ends. */
          for (int i = 0; i < src->nbatches; i++) {
            if (em_plan_hold_batch(holder, em_batch_ref(src->batches[i]))) {
              rc = -1;
              break;
            }
            sl[p].batches[i] = src->batches[i];
          }
        }
      }
      if (!rc) {
        s->stats.scans++;
        *out = pin;
      }
    }
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int em_cache_slot_read(const cache_pin *pin, int part, int64_t *pos, em_batch **out, em_error *err) {
  *out = NULL;
  const cache_slot *sl = &pin->slots[part];
  if (sl->in_memory) {
    if (*pos < 0) *pos = 0;
    if (*pos < sl->nbatches) *out = em_batch_ref(sl->batches[(*pos)++]);
    return 0;
  }
  if (*pos < 0) *pos = sl->disk_off;
  if (*pos >= sl->disk_end) return 0;
  return em_spill_read_until(pin->entry->file, pos, sl->disk_end, pin->entry->schema, out, err);
}
