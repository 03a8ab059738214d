/*
 * Normalized sort keys (exec/sort_key.c) and the sort built on them
 * (exec/op_sort.c), against the generic comparator:
 *  - the prefix of every supported type, ascending and descending, orders
 *    random values (with NaN, -0.0, infinities, shared string prefixes,
 *    embedded zero bytes) as em_sort_compare_rows does, and exactly where
 *    the prefix claims to be exact;
 *  - the radix sort is a stable sort;
 *  - the sort sink (global and within partitions, one and two keys, every
 *    null order, under a limit) returns exactly the rows a brute-force
 *    stable sort by em_sort_compare_rows returns, in partition order.
 */
#include "runner.h"

#include <math.h>

#include "exec/sort_int.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Types under test; values drawn from small domains so ties are common. */
enum { TY_BOOL, TY_BYTE, TY_INT, TY_LONG, TY_FLOAT, TY_DOUBLE, TY_DEC10, TY_DEC30, TY_STRING, TY_DATE, TY_TS, NTY };

static em_type *type_of(int ty) {
  switch (ty) {
  case TY_BOOL: return em_type_boolean();
  case TY_BYTE: return em_type_byte();
  case TY_INT: return em_type_int();
  case TY_LONG: return em_type_long();
  case TY_FLOAT: return em_type_float();
  case TY_DOUBLE: return em_type_double();
  case TY_DEC10: return em_type_decimal(10, 2);
  case TY_DEC30: return em_type_decimal(30, 2);
  case TY_STRING: return em_type_string();
  case TY_DATE: return em_type_date();
  default: return em_type_timestamp();
  }
}

static const double special[] = {0.0, -0.0, 1.5, -1.5, INFINITY, -INFINITY, NAN, -NAN, 1e300, -1e-300, 3.0, -7.25};

/* A vector of n random values of type ty, about 1 in 8 NULL when nulls. */
static em_vec *random_vec(int ty, int64_t n, bool nulls) {
  em_type *t = type_of(ty);
  em_vec *v = em_vec_new(t, n);
  em_type_unref(t); /* the vector holds its own reference */
  for (int64_t i = 0; i < n; i++) {
    if (nulls && rnd() % 8 == 0) {
      CHECK(em_vec_append_null(v) == 0);
      continue;
    }
    uint64_t r = rnd();
    switch (ty) {
    case TY_BOOL: CHECK(em_vec_append_bool(v, r & 1) == 0); break;
    case TY_BYTE: {
      int8_t x = (int8_t)r;
      CHECK(em_vec_append_fixed(v, &x) == 0);
      break;
    }
    case TY_INT:
    case TY_DATE: {
      int32_t x = (r & 16) ? (int32_t)(r >> 32) : (int32_t)(r % 50) - 25;
      CHECK(em_vec_append_fixed(v, &x) == 0);
      break;
    }
    case TY_LONG:
    case TY_TS: {
      int64_t x = (r & 16) ? (int64_t)r : (int64_t)(r % 50) - 25;
      if (r % 97 == 0) x = INT64_MIN;
      if (r % 89 == 0) x = INT64_MAX;
      CHECK(em_vec_append_fixed(v, &x) == 0);
      break;
    }
    case TY_FLOAT: {
      float x = (float)special[r % (sizeof special / sizeof *special)];
      CHECK(em_vec_append_fixed(v, &x) == 0);
      break;
    }
    case TY_DOUBLE: {
      double x = (r & 32) ? special[r % (sizeof special / sizeof *special)] : (double)(int64_t)(r >> 40) / 3.0;
      CHECK(em_vec_append_fixed(v, &x) == 0);
      break;
    }
    case TY_DEC10:
    case TY_DEC30: {
      __int128 x = (__int128)(int64_t)(r % 2000001) - 1000000;
      if (ty == TY_DEC30 && (r & 64)) x = x * ((__int128)1 << 70) + (int64_t)(r >> 50);
      CHECK(em_vec_append_fixed(v, &x) == 0);
      break;
    }
    case TY_STRING: {
      /* Shared 8-byte prefixes, short strings, embedded zero bytes. */
      char buf[16];
      int len = (int)(r % 13);
      for (int k = 0; k < len; k++) buf[k] = "ab\0\xff"[(r >> (8 + 2 * k)) & 3];
      CHECK(em_vec_append_bytes(v, buf, (size_t)len) == 0);
      break;
    }
    }
  }
  return v;
}

TEST(prefix_orders_like_comparator) {
  for (int ty = 0; ty < NTY; ty++) {
    em_vec *v = random_vec(ty, 400, false);
    bool exact;
    CHECK(em_sort_key_supported(v->type, &exact));
    uint32_t rows[400];
    for (int i = 0; i < 400; i++) rows[i] = (uint32_t)i;
    for (int asc = 0; asc < 2; asc++) {
      uint64_t k[400];
      em_sort_key_encode(v, rows, 400, asc, k);
      bool a = asc, nf = true;
      for (int i = 0; i < 400; i++)
        for (int j = 0; j < 400; j++) {
          int c = em_sort_compare_rows(&a, &nf, 1, &v, i, &v, j);
          int kc = k[i] < k[j] ? -1 : k[i] > k[j];
          if (c < 0) CHECK(kc <= 0);
          if (c > 0) CHECK(kc >= 0);
          if (exact) CHECK_EQ_INT(kc, c);
        }
    }
    em_vec_unref(v);
  }
}

static int cmp_item(const void *x, const void *y) {
  const em_sort_item *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

TEST(radix_sort_is_stable) {
  int64_t sizes[] = {0, 1, 5, 48, 49, 1000, 70000};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    int64_t n = sizes[s];
    em_sort_item *a = em_malloc(sizeof *a * (size_t)(2 * n + 1)), *want = em_malloc(sizeof *a * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) {
      uint64_t r = rnd();
      /* Mostly few distinct keys, sometimes full-width ones. */
      uint64_t key = (i & 3) ? r % 37 : r;
      if (s % 2) key <<= 40;
      a[i] = (em_sort_item){key, (uint32_t)i};
    }
    memcpy(want, a, sizeof *a * (size_t)n);
    qsort(want, (size_t)n, sizeof *want, cmp_item);
    em_sort_item *got = em_sort_radix(a, a + n, n);
    for (int64_t i = 0; i < n; i++) {
      CHECK(got[i].key == want[i].key);
      CHECK_EQ_INT(got[i].idx, want[i].idx);
    }
    em_free(a);
    em_free(want);
  }
}

TEST(sort_by_prefix_narrow_and_wide) {
  /* Key ranges below and above 2^32 (packed and pair paths), all equal. */
  uint64_t spans[] = {1, 37, 1u << 20, (uint64_t)1 << 32, (uint64_t)1 << 40, UINT64_MAX};
  for (size_t s = 0; s < sizeof spans / sizeof *spans; s++) {
    int64_t n = 20000;
    uint64_t *k = em_malloc(sizeof *k * (size_t)n);
    uint32_t *idx = em_malloc(sizeof *idx * (size_t)n);
    em_sort_item *want = em_malloc(sizeof *want * (size_t)n);
    uint64_t base = rnd();
    for (int64_t i = 0; i < n; i++) {
      uint64_t off = spans[s] == UINT64_MAX ? rnd() : rnd() % spans[s];
      k[i] = spans[s] == UINT64_MAX ? off : base / 2 + off;
      idx[i] = (uint32_t)(i * 3 + 1);
      want[i] = (em_sort_item){k[i], idx[i]};
    }
    qsort(want, (size_t)n, sizeof *want, cmp_item);
    CHECK(em_sort_by_prefix(k, idx, n) == 0);
    for (int64_t i = 0; i < n; i++) {
      CHECK(k[i] == want[i].key);
      CHECK_EQ_INT(idx[i], want[i].idx);
    }
    em_free(k);
    em_free(idx);
    em_free(want);
  }
}

/* ---- the sort sink against a brute-force stable sort ---- */

static const bool *g_asc, *g_nf;
static int g_nkeys;
static em_vec **g_keys;

static int ref_cmp(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  int c = em_sort_compare_rows(g_asc, g_nf, g_nkeys, g_keys, a, g_keys, b);
  return c ? c : (a < b ? -1 : a > b);
}

/* Set: the keys have no nulls. */
static bool g_no_nulls;
/* > 0: the sink runs under this memory budget, spilling to /tmp. */
static int64_t g_budget;

/* Sorts n rows (columns: keys..., row number) in nparts partitions through
 * the sink and checks the row numbers that come out. */
static void check_sort(int nkeys, const int *types, const bool *asc, const bool *nf, int64_t n, int nparts, bool global,
                       int64_t limit) {
  int ncols = nkeys + 1;
  em_vec *cols[4];
  em_type *schema = em_type_struct_new(ncols);
  for (int k = 0; k < nkeys; k++) {
    cols[k] = random_vec(types[k], n, !g_no_nulls);
    char name[8];
    snprintf(name, sizeof name, "k%d", k);
    CHECK(em_type_struct_set(schema, k, name, em_type_ref(cols[k]->type), true, NULL) == 0);
  }
  cols[nkeys] = em_vec_new(em_type_long(), n);
  for (int64_t i = 0; i < n; i++) CHECK(em_vec_append_fixed(cols[nkeys], &i) == 0);
  CHECK(em_type_struct_set(schema, nkeys, "id", em_type_long(), false, NULL) == 0);

  em_arena arena;
  em_arena_init(&arena, 4096);
  em_expr *kx[3];
  for (int k = 0; k < nkeys; k++) {
    kx[k] = em_arena_calloc(&arena, sizeof *kx[k]);
    kx[k]->kind = EM_EX_COLUMN;
    kx[k]->type = cols[k]->type;
    kx[k]->nullable = true;
    kx[k]->u.column = k;
  }
  em_lplan plan = {0};
  plan.u.sort.keys = kx;
  plan.u.sort.ascending = (bool *)asc;
  plan.u.sort.nulls_first = (bool *)nf;
  plan.u.sort.nkeys = nkeys;
  plan.u.sort.global = global;
  em_sink *s = em_sink_sort_new(&arena, &plan, schema, limit);
  CHECK(s != NULL);
  s->in_parts = nparts;
  em_exec_ctx ctx = {0};
  ctx.batch_rows = 777;
  em_memtracker mem;
  if (g_budget > 0) {
    em_memtracker_init(&mem, NULL, g_budget);
    ctx.mem = &mem;
    ctx.spill_dir = "/tmp";
  }
  em_error err = {0};
  /* Partition p gets rows [p*n/P, (p+1)*n/P), pushed in batches of 100. */
  for (int p = 0; p < nparts; p++) {
    void *local = em_calloc(1, s->vt->local_size);
    int64_t lo = n * p / nparts, hi = n * (p + 1) / nparts;
    for (int64_t at = lo; at < hi; at += 100) {
      int64_t m = hi - at < 100 ? hi - at : 100;
      em_vec *bc[4];
      for (int c = 0; c < ncols; c++) bc[c] = em_vec_slice_copy(cols[c], at, m);
      em_batch *b = em_batch_new(em_type_ref(schema), ncols, bc, m);
      CHECK(s->vt->sink(s, local, p, b, &ctx, &err) == 0);
      em_batch_unref(b);
    }
    CHECK(s->vt->combine(s, local, p, &ctx, &err) == 0);
    s->vt->close_local(s, local);
    em_free(local);
  }
  CHECK(s->vt->finalize(s, &ctx, &err) == 0);

  /* Expected: per output partition, a stable sort of its input rows. */
  g_asc = asc;
  g_nf = nf;
  g_nkeys = nkeys;
  g_keys = cols;
  uint32_t *want = em_malloc(sizeof *want * (size_t)(n + 1));
  int outs = global ? 1 : nparts;
  CHECK_EQ_INT(s->out_parts, outs);
  for (int p = 0; p < outs; p++) {
    int64_t lo = global ? 0 : n * p / nparts, hi = global ? n : n * (p + 1) / nparts;
    for (int64_t i = lo; i < hi; i++) want[i - lo] = (uint32_t)i;
    qsort(want, (size_t)(hi - lo), sizeof *want, ref_cmp);
    int64_t expect = limit > 0 && limit < hi - lo ? limit : hi - lo;
    void *ol = em_calloc(1, s->vt->source_local_size);
    int64_t got = 0;
    for (;;) {
      em_batch *b = NULL;
      CHECK(s->vt->next(s, ol, p, &b, &ctx, &err) == 0);
      if (!b) break;
      const int64_t *ids = em_vec_values(b->cols[nkeys]);
      for (int64_t i = 0; i < b->nrows; i++, got++) {
        /* Under a limit the sink may return more rows (each run keeps
         * its first `limit`); the rows after the first `limit` are cut
         * by the limit above it. */
        if (got >= expect) continue;
        if (ids[i] != (int64_t)want[got])
          fprintf(stderr, "partition %d row %lld: got %lld want %u\n", p, (long long)got, (long long)ids[i], want[got]);
        CHECK_EQ_INT(ids[i], want[got]);
        /* The key columns travel with their rows. */
        for (int k = 0; k < nkeys; k++)
          CHECK(em_sort_compare_rows(&asc[k], &nf[k], 1, &b->cols[k], i, &cols[k], ids[i]) == 0);
      }
      em_batch_unref(b);
    }
    CHECK(got >= expect);
    if (limit <= 0) CHECK_EQ_INT(got, expect);
    if (s->vt->source_close) s->vt->source_close(s, ol);
    em_free(ol);
  }
  em_free(want);
  s->vt->destroy(s);
  if (g_budget > 0) CHECK_EQ_INT(atomic_load(&mem.used), 0);
  em_arena_destroy(&arena);
  for (int c = 0; c < ncols; c++) em_vec_unref(cols[c]);
  em_type_unref(schema);
}

TEST(sort_one_key_every_type_and_order) {
  for (int ty = 0; ty < NTY; ty++)
    for (int o = 0; o < 4; o++) {
      bool asc[1] = {o & 1}, nf[1] = {(o >> 1) & 1};
      check_sort(1, &ty, asc, nf, 3000, 3, true, 0);
      check_sort(1, &ty, asc, nf, 1500, 2, false, 0);
    }
}

TEST(sort_two_keys) {
  int pairs[][2] = {{TY_STRING, TY_INT}, {TY_INT, TY_DOUBLE}, {TY_BOOL, TY_STRING}, {TY_DEC30, TY_LONG}, {TY_DOUBLE, TY_BYTE}};
  for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++)
    for (int o = 0; o < 16; o++) {
      bool asc[2] = {o & 1, (o >> 2) & 1}, nf[2] = {(o >> 1) & 1, (o >> 3) & 1};
      check_sort(2, pairs[p], asc, nf, 2000, 4, true, 0);
    }
}

TEST(sort_three_keys) {
  /* Large groups at every level, so each key is radix sorted in turn. */
  int ty[3] = {TY_BOOL, TY_BYTE, TY_STRING};
  for (int o = 0; o < 8; o++) {
    bool asc[3] = {o & 1, (o >> 1) & 1, (o >> 2) & 1}, nf[3] = {(o >> 1) & 1, o & 1, !(o & 1)};
    check_sort(3, ty, asc, nf, 6000, 2, true, 0);
    check_sort(3, ty, asc, nf, 6000, 3, false, 0);
  }
}

TEST(sort_under_limit) {
  int ty[2] = {TY_LONG, TY_STRING};
  bool asc[2] = {false, true}, nf[2] = {false, true};
  check_sort(2, ty, asc, nf, 5000, 3, true, 17);
  check_sort(1, &ty[1], asc, nf, 5000, 2, true, 4000);
}

/* The merge cut into many key-range segments (merged in parallel) gives
 * the single merge's rows: ties across runs, nulls first and last,
 * several keys, descending, runs of unequal size, under a limit. */
TEST(sort_merge_in_segments) {
  int64_t saved = em_sort_merge_segment_rows;
  em_sort_merge_segment_rows = 40;
  for (int ty = 0; ty < NTY; ty++)
    for (int o = 0; o < 4; o++) {
      bool asc[1] = {o & 1}, nf[1] = {(o >> 1) & 1};
      check_sort(1, &ty, asc, nf, 3001, 3, true, 0);
      check_sort(1, &ty, asc, nf, 1000, 2, true, 0);
    }
  int pairs[][2] = {{TY_BOOL, TY_INT}, {TY_STRING, TY_LONG}, {TY_BYTE, TY_DOUBLE}};
  for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++)
    for (int o = 0; o < 16; o++) {
      bool asc[2] = {o & 1, (o >> 2) & 1}, nf[2] = {(o >> 1) & 1, (o >> 3) & 1};
      check_sort(2, pairs[p], asc, nf, 2000, 5, true, 0);
    }
  int ty[2] = {TY_LONG, TY_STRING};
  bool asc[2] = {false, true}, nf[2] = {false, true};
  check_sort(2, ty, asc, nf, 5000, 3, true, 1200);
  em_sort_merge_segment_rows = 1;
  check_sort(1, &ty[0], asc, nf, 300, 4, true, 0);
  /* Two runs on one key without nulls: the merge on prefixes alone. */
  g_no_nulls = true;
  int ints[] = {TY_BYTE, TY_INT, TY_LONG, TY_DATE, TY_TS, TY_DOUBLE, TY_STRING};
  for (size_t t = 0; t < sizeof ints / sizeof *ints; t++)
    for (int o = 0; o < 2; o++) {
      bool a1[1] = {o & 1}, n1[1] = {false};
      em_sort_merge_segment_rows = 40;
      check_sort(1, &ints[t], a1, n1, 2001, 2, true, 0);
      em_sort_merge_segment_rows = 1 << 20;
      check_sort(1, &ints[t], a1, n1, 2001, 2, true, 0);
    }
  g_no_nulls = false;
  em_sort_merge_segment_rows = saved;
}

/* The bucketed global sort (one exact key, sort_bucket.c): many buckets,
 * sorted in finalize or by pool helpers while the output is read, give
 * the stable sort's rows: narrow and wide key ranges (packed words and
 * pairs), nulls first and last, descending, one and several partitions,
 * empty partitions, and keys that are not decodable (gathered). */
TEST(sort_bucketed) {
  int64_t saved_rows = em_sort_bucket_rows, saved_async = em_sort_bucket_async_rows;
  int tys[] = {TY_BOOL, TY_BYTE, TY_INT, TY_LONG, TY_DATE, TY_TS, TY_DOUBLE, TY_FLOAT, TY_DEC10};
  int64_t rows[] = {1, 16, 1 << 20};
  for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
    for (int async = 0; async < 2; async++) {
      em_sort_bucket_rows = rows[r];
      em_sort_bucket_async_rows = async ? 0 : 1 << 30;
      for (size_t t = 0; t < sizeof tys / sizeof *tys; t++)
        for (int o = 0; o < 4; o++) {
          bool asc[1] = {o & 1}, nf[1] = {(o >> 1) & 1};
          check_sort(1, &tys[t], asc, nf, 3001, 3, true, 0);
          check_sort(1, &tys[t], asc, nf, 1200, 1, true, 0);
          g_no_nulls = true;
          check_sort(1, &tys[t], asc, nf, 2000, 2, true, 0);
          g_no_nulls = false;
        }
      /* More partitions than rows: empty runs. */
      bool asc[1] = {true}, nf[1] = {false};
      check_sort(1, &tys[2], asc, nf, 5, 8, true, 0);
      check_sort(1, &tys[3], asc, nf, 0, 2, true, 0);
    }
  em_sort_bucket_rows = saved_rows;
  em_sort_bucket_async_rows = saved_async;
}

/* A bucketed sort where a later partition spills and an earlier one did
 * not: the in-memory run, left unsorted, is sorted and written out, and
 * the external merge gives the stable sort's rows. */
TEST(sort_bucketed_partly_spilled) {
  int tys[] = {TY_INT, TY_LONG, TY_DOUBLE};
  for (size_t t = 0; t < sizeof tys / sizeof *tys; t++)
    for (int o = 0; o < 4; o++) {
      bool asc[1] = {o & 1}, nf[1] = {(o >> 1) & 1};
      g_budget = 300000;
      check_sort(1, &tys[t], asc, nf, 30000, 2, true, 0);
      g_budget = 0;
    }
}

TEST_LIST{
    TEST_ENTRY(prefix_orders_like_comparator),
    TEST_ENTRY(radix_sort_is_stable),
    TEST_ENTRY(sort_by_prefix_narrow_and_wide),
    TEST_ENTRY(sort_one_key_every_type_and_order),
    TEST_ENTRY(sort_two_keys),
    TEST_ENTRY(sort_three_keys),
    TEST_ENTRY(sort_under_limit),
    TEST_ENTRY(sort_merge_in_segments),
    TEST_ENTRY(sort_bucketed),
    TEST_ENTRY(sort_bucketed_partly_spilled),
    TEST_END,
};
