/*
 * Decoded Parquet footers (metadata and read schema) kept between queries.
 * A query over a Parquet table used to decode every file's footer twice
 * (schema inference, then each split): tens of kilobytes of Thrift per
 * file, most of the CPU of a query that statistics prune to nothing.
 *
 * An entry is found by path and used only when the file's footer bytes
 * are still exactly the bytes it was decoded from (read again and
 * compared: a copy and a memcmp cost a small fraction of decoding). The
 * decoded footer is a function of those bytes alone, so a hit is exact
 * whatever happened to the file: rewritten in place within the file
 * system's timestamp granularity, replaced by rename, or copied from
 * elsewhere. Entries are shared read-only and counted: a reader holds its
 * entry until it closes the file, so eviction never frees one in use.
 * Least recently used entries leave once their estimated bytes pass the
 * budget. Failed decodes are not kept.
 */
#include "parquet_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

enum { BUDGET_BYTES = 64 << 20, NBUCKETS = 256 };

struct em_pq_footer {
  atomic_int refs;
  em_pq_meta *meta;
  em_pq_schema *schema;
  char *path;
  uint64_t hash;
  size_t bytes;
  bool cached;                       /* in the table (holds one reference) */
  em_pq_footer *lru_prev, *lru_next; /* most recent first */
  em_pq_footer *chain;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static em_pq_footer *buckets[NBUCKETS];
static em_pq_footer *lru_head, *lru_tail;
static size_t total_bytes;

static uint64_t path_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

static void destroy(em_pq_footer *f) {
  em_pq_schema_free(f->schema);
  em_pq_meta_free(f->meta);
  em_free(f->path);
  em_free(f);
}

void em_pq_footer_release(em_pq_footer *f) {
  if (f && atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1) destroy(f);
}

static void lru_unlink(em_pq_footer *f) {
  if (f->lru_prev) f->lru_prev->lru_next = f->lru_next;
  else lru_head = f->lru_next;
  if (f->lru_next) f->lru_next->lru_prev = f->lru_prev;
  else lru_tail = f->lru_prev;
  f->lru_prev = f->lru_next = NULL;
}

static void lru_push_front(em_pq_footer *f) {
  f->lru_prev = NULL;
  f->lru_next = lru_head;
  if (lru_head) lru_head->lru_prev = f;
  lru_head = f;
  if (!lru_tail) lru_tail = f;
}

/* Takes f out of the table (under mu); returns the table's reference for
 * the caller to release outside the lock. */
static em_pq_footer *drop_locked(em_pq_footer *f) {
  em_pq_footer **pp = &buckets[f->hash % NBUCKETS];
  while (*pp && *pp != f) pp = &(*pp)->chain;
  if (*pp) *pp = f->chain;
  lru_unlink(f);
  total_bytes -= f->bytes;
  f->cached = false;
  return f;
}

/* The estimated heap bytes of a decoded footer. */
static size_t footer_bytes(const em_pq_meta *m, size_t raw_len) {
  size_t b = sizeof(em_pq_meta) + raw_len + (size_t)m->nelems * (sizeof(em_pq_selem) + 64);
  for (int i = 0; i < m->nrowgroups; i++)
    b += sizeof(em_pq_rowgroup) + (size_t)m->rowgroups[i].ncols * sizeof(em_pq_chunk);
  return b + (size_t)m->nelems * 256; /* the read tree and its types */
}

/* Whether the file's footer is still the bytes of f. */
static bool still_valid(const em_pq_footer *f, int fd, int64_t size) {
  const em_pq_meta *m = f->meta;
  if (size < 12 || (int64_t)m->raw_len > size - 12) return false;
  uint8_t *buf = em_malloc(m->raw_len + 8);
  if (!buf) return false;
  bool ok = em_pq_pread(fd, buf, m->raw_len + 8, size - 8 - (int64_t)m->raw_len) == 0 &&
            memcmp(buf, m->raw, m->raw_len) == 0 && memcmp(buf + m->raw_len + 4, "PAR1", 4) == 0 &&
            (uint32_t)buf[m->raw_len] == (m->raw_len & 0xff) &&
            (uint32_t)buf[m->raw_len + 1] == (m->raw_len >> 8 & 0xff) &&
            (uint32_t)buf[m->raw_len + 2] == (m->raw_len >> 16 & 0xff) &&
            (uint32_t)buf[m->raw_len + 3] == (m->raw_len >> 24 & 0xff);
  em_free(buf);
  return ok;
}

int em_pq_footer_get(int fd, int64_t size, const char *path, em_pq_footer **out, em_error *err) {
  uint64_t h = path_hash(path);
  em_pq_footer *hit = NULL;
  pthread_mutex_lock(&mu);
  for (em_pq_footer *f = buckets[h % NBUCKETS]; f; f = f->chain)
    if (f->hash == h && strcmp(f->path, path) == 0) {
      atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
      lru_unlink(f);
      lru_push_front(f);
      hit = f;
      break;
    }
  pthread_mutex_unlock(&mu);
  if (hit) {
    if (still_valid(hit, fd, size)) {
      *out = hit;
      return 0;
    }
    /* The file changed: its entry goes (unless another reader replaced
     * it already). */
    pthread_mutex_lock(&mu);
    em_pq_footer *stale = hit->cached ? drop_locked(hit) : NULL;
    pthread_mutex_unlock(&mu);
    em_pq_footer_release(stale);
    em_pq_footer_release(hit);
  }

  em_pq_footer *f = em_calloc(1, sizeof *f);
  if (!f || !(f->path = em_strdup(path))) {
    em_free(f);
    return em_error_internal(err, "out of memory reading a Parquet footer");
  }
  if (em_pq_read_meta(fd, size, path, &f->meta, err) || em_pq_schema_build(f->meta, path, &f->schema, err)) {
    destroy(f);
    return -1;
  }
  atomic_init(&f->refs, 1);
  f->hash = h;
  f->bytes = footer_bytes(f->meta, f->meta->raw_len);

  em_pq_footer *replaced = NULL;
  pthread_mutex_lock(&mu);
  if (f->bytes <= BUDGET_BYTES / 4) {
    /* Another reader may have decoded the same file meanwhile: the newer
     * entry replaces it. */
    for (em_pq_footer *g = buckets[h % NBUCKETS]; g; g = g->chain)
      if (g->hash == h && strcmp(g->path, path) == 0) {
        replaced = drop_locked(g);
        break;
      }
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    f->cached = true;
    f->chain = buckets[h % NBUCKETS];
    buckets[h % NBUCKETS] = f;
    lru_push_front(f);
    total_bytes += f->bytes;
  }
  /* Over the budget: the least recently used go, each released outside
   * the lock. */
  while (total_bytes > BUDGET_BYTES && lru_tail && lru_tail != f) {
    em_pq_footer *v = drop_locked(lru_tail);
    pthread_mutex_unlock(&mu);
    em_pq_footer_release(v);
    pthread_mutex_lock(&mu);
  }
  pthread_mutex_unlock(&mu);
  em_pq_footer_release(replaced);
  *out = f;
  return 0;
}

const em_pq_meta *em_pq_footer_meta(const em_pq_footer *f) { return f->meta; }
const em_pq_schema *em_pq_footer_schema(const em_pq_footer *f) { return f->schema; }

void em_pq_footer_cache_clear(void) {
  pthread_mutex_lock(&mu);
  while (lru_tail) {
    em_pq_footer *v = drop_locked(lru_tail);
    pthread_mutex_unlock(&mu);
    em_pq_footer_release(v);
    pthread_mutex_lock(&mu);
  }
  pthread_mutex_unlock(&mu);
}

size_t em_pq_footer_cache_entries(void) {
  size_t n = 0;
  pthread_mutex_lock(&mu);
  for (em_pq_footer *f = lru_head; f; f = f->lru_next) n++;
  pthread_mutex_unlock(&mu);
  return n;
}
