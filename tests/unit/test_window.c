/*
 * The window frame evaluator: frame bounds of ROWS and RANGE frames
 * (ascending, descending, NULL keys, several partitions) against bounds
 * computed by brute force from their definition, and aggregates over
 * frames (segment tree, running and whole-partition paths, and the
 * recomputing path of aggregates with owned state) against naive sums and
 * minimums over the same frames.
 */
#include "runner.h"

#include "expr/func.h"
#include "expr/win.h"

/* A run of n rows in partitions of the given sizes, peers by key. */
typedef struct trun {
  em_win_run run;
  int64_t pstart[64];
  uint32_t part[256];
  int64_t ps[256], pe[256];
  em_vec *key;
} trun;

static bool key_null(const trun *t, int64_t i) { return em_vec_is_null(t->key, i); }
static int64_t key_at(const trun *t, int64_t i) { return ((const int64_t *)em_vec_values(t->key))[i]; }

/* keys[i] == INT64_MIN stands for NULL; keys must be sorted per partition. */
static void trun_init(trun *t, const int64_t *keys, int n, const int *sizes, int nparts, bool asc) {
  memset(t, 0, sizeof *t);
  t->key = em_vec_new(em_type_long(), n);
  for (int i = 0; i < n; i++) {
    if (keys[i] == INT64_MIN) em_vec_append_null(t->key);
    else em_vec_append_fixed(t->key, &keys[i]);
  }
  int64_t at = 0;
  for (int p = 0; p < nparts; p++) {
    t->pstart[p] = at;
    for (int j = 0; j < sizes[p]; j++) t->part[at + j] = (uint32_t)p;
    at += sizes[p];
  }
  t->pstart[nparts] = at;
  for (int64_t i = 0; i < n; i++) {
    bool same = i > 0 && t->part[i] == t->part[i - 1] && key_null(t, i) == key_null(t, i - 1) &&
                (key_null(t, i) || key_at(t, i) == key_at(t, i - 1));
    t->ps[i] = same ? t->ps[i - 1] : i;
  }
  for (int64_t i = n - 1; i >= 0; i--) t->pe[i] = i + 1 < n && t->ps[i + 1] == t->ps[i] ? t->pe[i + 1] : i + 1;
  t->run = (em_win_run){.n = n, .pstart = t->pstart, .npart = nparts, .part = t->part, .peer_start = t->ps,
                        .peer_end = t->pe, .order_key = t->key, .order_asc = asc};
}

/* Whether row j is in row i's frame, by the definition. */
static bool in_frame(const trun *t, const em_win_frame *f, int64_t i, int64_t j) {
  if (t->part[i] != t->part[j]) return false;
  if (f->rows) {
    if (f->lo_kind != EM_FB_UNBOUNDED && j < i + (f->lo_kind == EM_FB_CURRENT ? 0 : f->lo_off)) return false;
    if (f->hi_kind != EM_FB_UNBOUNDED && j > i + (f->hi_kind == EM_FB_CURRENT ? 0 : f->hi_off)) return false;
    return true;
  }
  bool peer = t->ps[i] == t->ps[j];
  if (key_null(t, i) || key_null(t, j)) {
    /* NULL keys: peers, or inside an unbounded side. */
    if (peer) return true;
    bool before = j < i;
    return before ? f->lo_kind == EM_FB_UNBOUNDED : f->hi_kind == EM_FB_UNBOUNDED;
  }
  long double d = (long double)(key_at(t, j) - key_at(t, i)) * (t->run.order_asc ? 1 : -1);
  if (f->lo_kind == EM_FB_CURRENT ? (d < 0 && !peer) : f->lo_kind == EM_FB_OFFSET && d < f->lo_val) return false;
  if (f->hi_kind == EM_FB_CURRENT ? (d > 0 && !peer) : f->hi_kind == EM_FB_OFFSET && d > f->hi_val) return false;
  return true;
}

static void check_frames(const trun *t, const em_win_frame *f) {
  int64_t lo[256], hi[256];
  em_win_frames(f, &t->run, lo, hi);
  for (int64_t i = 0; i < t->run.n; i++)
    for (int64_t j = 0; j < t->run.n; j++) {
      bool got = j >= lo[i] && j < hi[i];
      if (got != in_frame(t, f, i, j)) {
        fprintf(stderr, "row %lld, member %lld: got %d (frame [%lld, %lld))\n", (long long)i, (long long)j, got,
                (long long)lo[i], (long long)hi[i]);
        CHECK(false);
      }
    }
}

static em_win_frame rows_frame(em_frame_bound lk, int64_t lo, em_frame_bound hk, int64_t hi) {
  return (em_win_frame){.rows = true, .lo_kind = lk, .hi_kind = hk, .lo_off = lo, .hi_off = hi};
}
static em_win_frame range_frame(em_frame_bound lk, long double lo, em_frame_bound hk, long double hi) {
  return (em_win_frame){.rows = false, .lo_kind = lk, .hi_kind = hk, .lo_val = lo, .hi_val = hi};
}

TEST(rows_frames) {
  int64_t keys[] = {1, 2, 3, 4, 5, 1, 1, 2};
  int sizes[] = {5, 3};
  trun t;
  trun_init(&t, keys, 8, sizes, 2, true);
  check_frames(&t, &(em_win_frame){0});
  em_win_frame fs[] = {
      rows_frame(EM_FB_OFFSET, -1, EM_FB_OFFSET, 1),      rows_frame(EM_FB_UNBOUNDED, 0, EM_FB_CURRENT, 0),
      rows_frame(EM_FB_CURRENT, 0, EM_FB_UNBOUNDED, 0),    rows_frame(EM_FB_OFFSET, -3, EM_FB_OFFSET, -1),
      rows_frame(EM_FB_OFFSET, 2, EM_FB_OFFSET, 9),        rows_frame(EM_FB_UNBOUNDED, 0, EM_FB_UNBOUNDED, 0),
      rows_frame(EM_FB_OFFSET, -100, EM_FB_UNBOUNDED, 0),
  };
  for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) check_frames(&t, &fs[k]);
  em_vec_unref(t.key);
}

TEST(range_frames) {
  const int64_t N = INT64_MIN;
  int64_t asc[] = {N, N, 1, 2, 2, 5, 9, 3, 3, 3, N};
  int sizes[] = {7, 4};
  em_win_frame fs[] = {
      range_frame(EM_FB_OFFSET, -1, EM_FB_OFFSET, 1),      range_frame(EM_FB_UNBOUNDED, 0, EM_FB_CURRENT, 0),
      range_frame(EM_FB_CURRENT, 0, EM_FB_UNBOUNDED, 0),    range_frame(EM_FB_OFFSET, -3, EM_FB_OFFSET, -1),
      range_frame(EM_FB_OFFSET, 1, EM_FB_UNBOUNDED, 0),     range_frame(EM_FB_UNBOUNDED, 0, EM_FB_OFFSET, 2),
      range_frame(EM_FB_CURRENT, 0, EM_FB_OFFSET, 3),       range_frame(EM_FB_OFFSET, -4, EM_FB_CURRENT, 0),
  };
  trun t;
  trun_init(&t, asc, 11, sizes, 2, true);
  for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) check_frames(&t, &fs[k]);
  em_vec_unref(t.key);
  /* Descending keys, NULLs last. */
  int64_t desc[] = {9, 5, 2, 2, 1, N, N, 3, 3, 1, 0};
  trun_init(&t, desc, 11, sizes, 2, false);
  for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) check_frames(&t, &fs[k]);
  em_vec_unref(t.key);
}

/* A resolved aggregate call over column 0 (a long vector). */
static em_expr *agg_call(em_arena *a, const char *name) {
  em_expr *c = em_arena_calloc(a, sizeof *c);
  c->kind = EM_EX_COLUMN;
  c->type = em_type_long();
  c->nullable = true;
  em_func_call call;
  memset(&call, 0, sizeof call);
  call.name = name;
  call.args = em_arena_calloc(a, 2 * sizeof(em_expr *));
  call.args[0] = c;
  call.nargs = 1;
  call.arg_sql = em_arena_calloc(a, 2 * sizeof(char *));
  call.arg_sql[0] = "x";
  call.ansi = true;
  call.arena = a;
  em_error err;
  CHECK(em_func_lookup(name)->resolve(&call, &err) == 0);
  em_expr *x = em_arena_calloc(a, sizeof *x);
  x->kind = EM_EX_AGG;
  x->type = call.type;
  x->nullable = call.nullable;
  x->args = call.args;
  x->nargs = call.nargs;
  x->u.fn.name = name;
  x->u.fn.agg = call.agg;
  x->u.fn.data = call.data;
  return x;
}

static uint64_t rnd_state = 88172645463325252ull;
static int64_t rnd(int64_t m) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return (int64_t)(rnd_state % (uint64_t)m);
}

TEST(aggregates_over_frames) {
  em_arena a;
  em_arena_init(&a, 0);
  em_expr *sum = agg_call(&a, "sum"), *mn = agg_call(&a, "min"), *cnt = agg_call(&a, "count");
  for (int round = 0; round < 40; round++) {
    int n = 1 + (int)rnd(200), sizes[64], np = 0, left = n;
    while (left > 0 && np < 63) {
      sizes[np] = np == 62 ? left : 1 + (int)rnd(left < 40 ? left : 40);
      left -= sizes[np++];
    }
    int64_t keys[256], vals[256];
    bool vnull[256];
    for (int i = 0, at = 0; i < np; at += sizes[i++]) {
      int64_t k = rnd(5);
      for (int j = 0; j < sizes[i]; j++) keys[at + j] = (k += rnd(3));
    }
    em_vec *v = em_vec_new(em_type_long(), n);
    for (int i = 0; i < n; i++) {
      vals[i] = rnd(1000) - 500;
      vnull[i] = rnd(7) == 0;
      if (vnull[i]) em_vec_append_null(v);
      else em_vec_append_fixed(v, &vals[i]);
    }
    trun t;
    trun_init(&t, keys, n, sizes, np, true);
    em_win_frame f;
    switch (round % 4) {
    case 0: f = rows_frame(EM_FB_OFFSET, -rnd(4), EM_FB_OFFSET, rnd(4)); break;
    case 1: f = rows_frame(EM_FB_UNBOUNDED, 0, EM_FB_OFFSET, rnd(3) - 1); break;
    case 2: f = range_frame(EM_FB_OFFSET, -(long double)rnd(4), EM_FB_UNBOUNDED, 0); break;
    default: f = rows_frame(EM_FB_UNBOUNDED, 0, EM_FB_UNBOUNDED, 0); break;
    }
    int64_t lo[256], hi[256];
    em_win_frames(&f, &t.run, lo, hi);
    em_vec *args[1] = {v}, *rs = NULL, *rm = NULL, *rc = NULL;
    em_error err;
    CHECK(em_win_agg_eval(sum, args, &t.run, lo, hi, &rs, &err) == 0);
    CHECK(em_win_agg_eval(mn, args, &t.run, lo, hi, &rm, &err) == 0);
    CHECK(em_win_agg_eval(cnt, args, &t.run, lo, hi, &rc, &err) == 0);
    CHECK_EQ_INT(rs->len, n);
    for (int i = 0; i < n; i++) {
      int64_t s = 0, m = INT64_MAX, c = 0;
      for (int64_t j = lo[i]; j < hi[i]; j++)
        if (!vnull[j]) {
          s += vals[j];
          m = vals[j] < m ? vals[j] : m;
          c++;
        }
      CHECK_EQ_INT(em_vec_is_null(rs, i), c == 0);
      CHECK_EQ_INT(em_vec_is_null(rm, i), c == 0);
      if (c) {
        CHECK_EQ_INT(((const int64_t *)em_vec_values(rs))[i], s);
        CHECK_EQ_INT(((const int64_t *)em_vec_values(rm))[i], m);
      }
      CHECK_EQ_INT(((const int64_t *)em_vec_values(rc))[i], c);
    }
    em_vec_unref(rs);
    em_vec_unref(rm);
    em_vec_unref(rc);
    em_vec_unref(v);
    em_vec_unref(t.key);
  }
  em_arena_destroy(&a);
}

TEST_LIST{
    TEST_ENTRY(rows_frames),
    TEST_ENTRY(range_frames),
    TEST_ENTRY(aggregates_over_frames),
    TEST_END,
};
