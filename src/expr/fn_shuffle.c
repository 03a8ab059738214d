/*
 * shuffle(array[, seed]) as Spark computes it, so seeded shuffles return
 * Spark's permutations: each partition draws from a Mersenne Twister
 * (Commons Math's MersenneTwister: MT19937 seeded by init_by_array with
 * the seed's two 32-bit halves) seeded with seed + partition index, and
 * each non-NULL array consumes it through the "inside-out" Fisher-Yates
 * shuffle with Commons Math's nextInt(n) (RandomIndicesGenerator). The
 * generator runs on across the batches of a partition (the task's
 * expression state, em_eval_state). Without a seed, Spark draws one at
 * random, as here.
 */
#include "fn_nested.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MT_N = 624, MT_M = 397 };

typedef struct mt19937 {
  uint32_t mt[MT_N];
  int mti;
} mt19937;

static void mt_seed_int(mt19937 *m, uint32_t s) {
  m->mt[0] = s;
  for (int i = 1; i < MT_N; i++) m->mt[i] = 1812433253u * (m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) + (uint32_t)i;
  m->mti = MT_N;
}

/* MersenneTwister(long seed): init_by_array({seed >>> 32, seed & 0xffffffff}). */
static void mt_seed_long(mt19937 *m, int64_t seed) {
  uint32_t key[2] = {(uint32_t)((uint64_t)seed >> 32), (uint32_t)(uint64_t)seed};
  mt_seed_int(m, 19650218u);
  int i = 1, j = 0;
  for (int k = MT_N; k; k--) {
    m->mt[i] = (m->mt[i] ^ ((m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
    i++;
    j++;
    if (i >= MT_N) {
      m->mt[0] = m->mt[MT_N - 1];
      i = 1;
    }
    if (j >= 2) j = 0;
  }
  for (int k = MT_N - 1; k; k--) {
    m->mt[i] = (m->mt[i] ^ ((m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
    i++;
    if (i >= MT_N) {
      m->mt[0] = m->mt[MT_N - 1];
      i = 1;
    }
  }
  m->mt[0] = 0x80000000u;
  m->mti = MT_N;
}

static uint32_t mt_next32(mt19937 *m) {
  static const uint32_t mag01[2] = {0, 0x9908b0dfu};
  if (m->mti >= MT_N) {
    int k;
    uint32_t y;
    for (k = 0; k < MT_N - MT_M; k++) {
      y = (m->mt[k] & 0x80000000u) | (m->mt[k + 1] & 0x7fffffffu);
      m->mt[k] = m->mt[k + MT_M] ^ (y >> 1) ^ mag01[y & 1];
    }
    for (; k < MT_N - 1; k++) {
      y = (m->mt[k] & 0x80000000u) | (m->mt[k + 1] & 0x7fffffffu);
      m->mt[k] = m->mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1];
    }
    y = (m->mt[MT_N - 1] & 0x80000000u) | (m->mt[0] & 0x7fffffffu);
    m->mt[MT_N - 1] = m->mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1];
    m->mti = 0;
  }
  uint32_t y = m->mt[m->mti++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

/* Commons Math BitsStreamGenerator.nextInt(n), n > 0. */
static int32_t mt_next_int(mt19937 *m, int32_t n) {
  if ((n & -n) == n) return (int32_t)(((int64_t)n * (int64_t)(mt_next32(m) >> 1)) >> 31);
  int64_t bits, val;
  do {
    bits = (int64_t)(mt_next32(m) >> 1);
    val = bits % n;
  } while (bits - val + (n - 1) > INT32_MAX); /* Java's int overflow test */
  return (int32_t)val;
}

static int shuffle_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                          em_error *err) {
  const int64_t *seed = e->u.fn.data;
  bool fresh = false;
  mt19937 local, *m = em_eval_state(ctx, e, sizeof *m, &fresh);
  if (!m) {
    m = &local;
    fresh = true;
  }
  if (fresh) mt_seed_long(m, (int64_t)((uint64_t)*seed + (uint64_t)(int64_t)(ctx ? ctx->partition : 0)));
  const em_vec *a = args[0];
  const int32_t *off = em_vec_offsets(a);
  int64_t total = n ? off[n] - off[0] : 0;
  int64_t *idx = em_malloc(sizeof *idx * (size_t)(total + 1));
  int32_t *offs = em_malloc(sizeof *offs * (size_t)(n + 1));
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  int32_t *perm = NULL;
  int32_t cap = 0;
  int rc = -1;
  if (!idx || !offs || !valid) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  int64_t w = 0;
  offs[0] = 0;
  for (int64_t i = 0; i < n; i++) {
    if (em_vec_is_null(a, i)) {
      em_bit_clear(valid, i);
      offs[i + 1] = (int32_t)w;
      continue;
    }
    int32_t len = off[i + 1] - off[i];
    if (len > cap) {
      int32_t *np = em_realloc(perm, sizeof *perm * (size_t)len);
      if (!np) goto oom;
      perm = np;
      cap = len;
    }
    /* Inside-out Fisher-Yates. */
    for (int32_t k = 0; k < len; k++) {
      int32_t j = mt_next_int(m, k + 1);
      if (j != k) perm[k] = perm[j];
      perm[j] = k;
    }
    for (int32_t k = 0; k < len; k++) idx[w++] = off[i] + perm[k];
    offs[i + 1] = (int32_t)w;
  }
  em_vec *el = em_nested_gather(e->type->u.array.elem, a->children[0], idx, w);
  em_vec *r = el ? em_nested_make_list(e->type, n, offs, valid, el) : NULL;
  if (!r) goto oom;
  *out = r;
  rc = 0;
  goto done;
oom:
  em_error_internal(err, "out of memory in shuffle");
done:
  em_free(idx);
  em_free(offs);
  em_free(valid);
  em_free(perm);
  return rc;
}

int em_fn_resolve_shuffle(em_func_call *call, em_error *err);
int em_fn_resolve_shuffle(em_func_call *call, em_error *err) {
  if (call->nargs != 1 && call->nargs != 2) return em_fn_wrong_num_args(call, "[1, 2]", err);
  call->sql = em_arena_printf(call->arena, "shuffle(%s)", call->arg_sql[0]);
  if (call->args[0]->type->id != EM_T_ARRAY) return em_nested_need(call, 0, "\"ARRAY\"", err);
  int64_t *seed = em_arena_alloc(call->arena, sizeof *seed);
  if (!seed) return em_error_internal(err, "out of memory");
  if (call->nargs == 2) {
    const em_expr *s = call->args[1];
    if (s->kind != EM_EX_LITERAL || !em_type_is_integral(s->type) || em_vec_is_null(s->u.lit, 0))
      return em_nested_need(call, 1, "\"BIGINT\"", err);
    const void *p = em_vec_values(s->u.lit);
    switch (s->type->id) {
    case EM_T_BYTE: *seed = *(const int8_t *)p; break;
    case EM_T_SHORT: *seed = *(const int16_t *)p; break;
    case EM_T_INT: *seed = *(const int32_t *)p; break;
    default: *seed = *(const int64_t *)p; break;
    }
    call->nargs = 1; /* the seed is constant data now */
  } else {
    /* Spark draws a seed at analysis. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *seed = (int64_t)((uint64_t)ts.tv_nsec * 6364136223846793005ULL ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)seed);
  }
  call->type = call->args[0]->type;
  call->nullable = call->args[0]->nullable;
  call->kernel = shuffle_kernel;
  call->data = seed;
  return 0;
}
