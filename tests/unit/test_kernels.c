/*
 * Fast paths of the expression kernels:
 *  - division by a fixed divisor through a magic multiplier (divmagic.c)
 *    equals C's / and % for edge and random values;
 *  - arithmetic and comparisons with a constant operand (eval.c hands the
 *    kernel a one-row vector) give exactly what the same call over a
 *    column holding the constant on every row gives: values, NULLs, and
 *    errors (ANSI overflow, division by zero), for both operand sides;
 *  - LIKE with a constant pattern (compiled once; literal-and-% patterns
 *    matched with memmem) and concat with constant operands give what the
 *    same calls over columns give (the row-by-row matcher and builder);
 *  - decimal + - * (an int64 loop when the batch's bounds allow it, the
 *    int128 path otherwise) equal exact int128 arithmetic, NULL on
 *    overflow (ANSI off), for small and huge values.
 * The calls are resolved by the functions' own resolvers.
 */
#include "runner.h"

#include <math.h>

#include "expr/expr_int.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

TEST(divmagic_matches_division) {
  int64_t ds[64];
  int nd = 0;
  int64_t fixed[] = {2, 3, -3, 5, 7, -7, 10, 16, -16, 1000003, 1000000007, INT64_MAX, INT64_MIN, -INT64_MAX,
                     ((int64_t)1 << 62), -((int64_t)1 << 62), 641, 6700417};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) ds[nd++] = fixed[i];
  while (nd < 64) {
    int64_t d = (int64_t)rnd() >> (rnd() % 63);
    if (d > 1 || d < -1) ds[nd++] = d;
  }
  for (int k = 0; k < nd; k++) {
    em_divmagic m;
    em_divmagic_init(&m, ds[k]);
    for (int i = 0; i < 20000; i++) {
      int64_t x;
      switch (i % 6) {
      case 0: x = (int64_t)rnd(); break;
      case 1: x = (int64_t)rnd() >> (rnd() % 64); break;
      case 2: x = (int64_t)((uint64_t)ds[k] * (rnd() % 1000) + rnd() % 3 - 1); break; /* wraps */
      case 3: x = INT64_MIN + (int64_t)(rnd() % 4); break;
      case 4: x = INT64_MAX - (int64_t)(rnd() % 4); break;
      default: x = (int64_t)(rnd() % 201) - 100; break;
      }
      if (em_divmagic_div(&m, x) != x / ds[k] || em_divmagic_mod(&m, x) != x % ds[k]) {
        fprintf(stderr, "%lld / %lld\n", (long long)x, (long long)ds[k]);
        CHECK(0);
      }
    }
  }
}

/* ---- a constant operand against the same value on every row ---- */

static em_arena A;

static em_expr *column(int i, em_type *t) {
  em_expr *e = em_arena_calloc(&A, sizeof *e);
  e->kind = EM_EX_COLUMN;
  e->u.column = i;
  e->type = t;
  e->nullable = true;
  return e;
}

static em_expr *literal(em_vec *v) {
  em_expr *e = em_arena_calloc(&A, sizeof *e);
  e->kind = EM_EX_LITERAL;
  e->u.lit = v;
  e->type = v->type;
  e->nullable = em_vec_is_null(v, 0);
  return e;
}

/* Resolves name(l, r) with the registry's resolver. */
static em_expr *call2(const char *name, em_expr *l, em_expr *r, bool ansi) {
  em_func_call c = {0};
  em_expr *args[2] = {l, r};
  char *sql[2] = {"a", "b"};
  c.name = name;
  c.args = args;
  c.nargs = 2;
  c.arg_sql = sql;
  c.ansi = ansi;
  c.arena = &A;
  em_error err = {0};
  const em_func_def *f = em_func_lookup(name);
  CHECK(f && f->resolve(&c, &err) == 0);
  em_expr *e = em_arena_calloc(&A, sizeof *e);
  e->kind = EM_EX_CALL;
  e->type = c.type;
  e->nullable = c.nullable;
  e->nargs = 2;
  e->args = em_arena_calloc(&A, 2 * sizeof *e->args);
  e->args[0] = c.args[0];
  e->args[1] = c.args[1];
  e->u.fn.name = name;
  e->u.fn.kernel = c.kernel;
  e->u.fn.data = c.data;
  return e;
}

static em_vec *random_col(em_type *t, int64_t n, int ty) {
  em_vec *v = em_vec_new(t, n);
  for (int64_t i = 0; i < n; i++) {
    uint64_t r = rnd();
    if (r % 11 == 0) {
      CHECK(em_vec_append_null(v) == 0);
    } else if (ty == 0) {
      int32_t x = (r & 1) ? (int32_t)(r >> 32) : (int32_t)(r % 41) - 20;
      CHECK(em_vec_append_fixed(v, &x) == 0);
    } else if (ty == 1) {
      int64_t x = (r & 1) ? (int64_t)r : (int64_t)(r % 41) - 20;
      CHECK(em_vec_append_fixed(v, &x) == 0);
    } else if (ty == 3) {
      /* decimal(15,2): mostly small, some near the precision's edge */
      __int128 x = (r & 1) ? (__int128)((int64_t)(r >> 14) % 999999999999999LL) : (__int128)(r % 4001) - 2000;
      CHECK(em_vec_append_fixed(v, &x) == 0);
    } else {
      double x = (r & 1) ? (double)(int64_t)r / 7.0 : (double)((int64_t)(r % 41) - 20);
      if (r % 13 == 0) x = NAN;
      if (r % 17 == 0) x = -0.0;
      CHECK(em_vec_append_fixed(v, &x) == 0);
    }
  }
  return v;
}

static em_vec *one(em_type *t, int ty, int64_t x, double d, bool null) {
  em_vec *v = em_vec_new(t, 1);
  if (null) {
    CHECK(em_vec_append_null(v) == 0);
  } else if (ty == 0) {
    int32_t y = (int32_t)x;
    CHECK(em_vec_append_fixed(v, &y) == 0);
  } else if (ty == 1) {
    CHECK(em_vec_append_fixed(v, &x) == 0);
  } else if (ty == 3) {
    __int128 y = x % 1000000000000000LL; /* within decimal(15,2) */
    CHECK(em_vec_append_fixed(v, &y) == 0);
  } else {
    CHECK(em_vec_append_fixed(v, &d) == 0);
  }
  return v;
}

/* Bitwise equal vectors (values compared on valid rows only). */
static void check_same(const em_vec *a, const em_vec *b) {
  CHECK_EQ_INT(a->len, b->len);
  CHECK_EQ_INT(a->null_count, b->null_count);
  CHECK(a->type->id == b->type->id);
  int w = em_type_fixed_width(a->type);
  for (int64_t i = 0; i < a->len; i++) {
    CHECK(em_vec_is_null(a, i) == em_vec_is_null(b, i));
    if (em_vec_is_null(a, i)) continue;
    if (a->type->id == EM_T_BOOLEAN)
      CHECK(em_bit_get(em_vec_values(a), i) == em_bit_get(em_vec_values(b), i));
    else
      CHECK(memcmp((const uint8_t *)em_vec_values(a) + i * w, (const uint8_t *)em_vec_values(b) + i * w,
                   (size_t)w) == 0);
  }
}

/* Evaluates fn(x, k) (fn(k, x) when side) over b, whose column 0 is x and
 * column 1 the constant lit on every row: once with the literal (a one-row
 * operand), once with the column. Both must fail alike: returns 1 on that
 * error, else 0 with both results in *vf and *vs. */
static int eval_both(const char *fn, em_type *t, em_vec *lit, int side, bool ansi, const em_batch *b, em_vec **vf,
                     em_vec **vs) {
  em_eval_ctx ctx = {.timezone = "UTC"};
  em_expr *xc = column(0, t), *kc = column(1, t), *kl = literal(lit);
  em_expr *fast = side ? call2(fn, kl, xc, ansi) : call2(fn, xc, kl, ansi);
  em_expr *slow = side ? call2(fn, kc, xc, ansi) : call2(fn, xc, kc, ansi);
  em_error ef = {0}, es = {0};
  *vf = *vs = NULL;
  int rf = em_expr_eval(fast, b, &ctx, vf, &ef), rs = em_expr_eval(slow, b, &ctx, vs, &es);
  CHECK_EQ_INT(rf, rs);
  if (rf) CHECK_EQ_INT(ef.cls, es.cls);
  return rf ? 1 : 0;
}

TEST(constant_operand_equals_column) {
  em_arena_init(&A, 1 << 16);
  const char *ops[] = {"+", "-", "*", "/", "%", "pmod", "==", "<", "<=", ">", ">=", "<=>"};
  /* type 3: decimal(15,2) (the int64 loop reading a constant in place) */
  em_type *types[] = {em_type_int(), em_type_long(), em_type_double(), em_type_decimal(15, 2)};
  int64_t consts[] = {3, -3, 1, -1, 0, 7, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1000003};
  const int64_t n = 300;
  int checked = 0, errors = 0;
  for (int ty = 0; ty < 4; ty++) {
    em_vec *x = random_col(types[ty], n, ty);
    for (size_t ci = 0; ci <= sizeof consts / sizeof *consts; ci++) {
      bool null = ci == sizeof consts / sizeof *consts;
      int64_t k = null ? 0 : consts[ci];
      double kd = (double)k / (k % 2 ? 2.0 : 1.0);
      em_vec *lit = one(types[ty], ty, k, kd, null);
      em_vec *rep = em_vec_repeat(lit, n);
      em_vec *cols[2] = {em_vec_ref(x), rep};
      em_type *schema = em_type_struct_new(2);
      CHECK(em_type_struct_set(schema, 0, "x", em_type_ref(types[ty]), true, NULL) == 0);
      CHECK(em_type_struct_set(schema, 1, "k", em_type_ref(types[ty]), true, NULL) == 0);
      em_batch *b = em_batch_new(schema, 2, cols, n);
      for (size_t o = 0; o < sizeof ops / sizeof *ops; o++)
        for (int ansi = 0; ansi < 2; ansi++)
          for (int side = 0; side < 2; side++) {
            em_vec *vf, *vs;
            if (eval_both(ops[o], types[ty], lit, side, ansi, b, &vf, &vs)) {
              errors++;
            } else {
              check_same(vf, vs);
              em_vec_unref(vf);
              em_vec_unref(vs);
            }
            checked++;
          }
      em_batch_unref(b);
      em_vec_unref(lit);
    }
    em_vec_unref(x);
  }
  CHECK(checked > 1000);
  CHECK(errors > 0); /* overflow and division by zero were reached */
  em_type_unref(types[3]);
  em_arena_destroy(&A);
}

/* A random string over an alphabet that stresses LIKE: letters, the
 * metacharacters, the escape, a two-byte character. */
static em_vec *random_strings(int64_t n, bool pattern) {
  static const char *atoms[] = {"a", "b", "ab", "%", "_", "\\%", "\\_", "\\\\", "\xc3\xa9", "ba", "%", "%", "%"};
  static const char *text[] = {"a", "b", "%", "_", "\\", "\xc3\xa9", "ab", "aab"};
  em_vec *v = em_vec_new(em_type_string(), n);
  for (int64_t i = 0; i < n; i++) {
    if (!pattern && rnd() % 13 == 0) {
      CHECK(em_vec_append_null(v) == 0);
      continue;
    }
    char buf[64];
    size_t k = 0;
    int parts = (int)(rnd() % (pattern ? 8 : 7));
    for (int j = 0; j < parts; j++) {
      const char *a = pattern ? atoms[rnd() % 13] : text[rnd() % 8];
      size_t l = strlen(a);
      memcpy(buf + k, a, l);
      k += l;
    }
    if (pattern && rnd() % 29 == 0) buf[k++] = '\\'; /* an escape at the end: an error */
    CHECK(em_vec_append_bytes(v, buf, k) == 0);
  }
  return v;
}

static em_batch *two_columns(em_vec *x, em_vec *k) {
  em_type *schema = em_type_struct_new(2);
  CHECK(em_type_struct_set(schema, 0, "x", em_type_ref(x->type), true, NULL) == 0);
  CHECK(em_type_struct_set(schema, 1, "k", em_type_ref(k->type), true, NULL) == 0);
  em_vec *cols[2] = {em_vec_ref(x), k};
  return em_batch_new(schema, 2, cols, x->len);
}

TEST(like_and_concat_constant_equals_column) {
  em_arena_init(&A, 1 << 16);
  const int64_t n = 400;
  em_vec *x = random_strings(n, false);
  em_vec *pats = random_strings(400, true);
  int matched = 0, errors = 0, checked = 0;
  for (int64_t pi = 0; pi <= pats->len; pi++) {
    em_vec *lit = pi < pats->len ? em_vec_slice_copy(pats, pi, 1) : em_vec_new_nulls(em_type_string(), 1);
    em_batch *b = two_columns(x, em_vec_repeat(lit, n));
    const char *fns[] = {"like", "concat"};
    for (int f = 0; f < 2; f++)
      for (int side = 0; side < (f ? 2 : 1); side++) {
        em_vec *vf, *vs;
        checked++;
        if (eval_both(fns[f], em_type_string(), lit, side, false, b, &vf, &vs)) {
          errors++;
          continue;
        }
        CHECK_EQ_INT(vf->len, vs->len);
        CHECK_EQ_INT(vf->null_count, vs->null_count);
        for (int64_t i = 0; i < n; i++) {
          CHECK(em_vec_is_null(vf, i) == em_vec_is_null(vs, i));
          if (em_vec_is_null(vf, i)) continue;
          if (f == 0) {
            bool a = em_bit_get(em_vec_values(vf), i);
            CHECK(a == em_bit_get(em_vec_values(vs), i));
            matched += a;
          } else {
            int32_t la, lb;
            const char *sa = em_vec_str(vf, i, &la), *sb = em_vec_str(vs, i, &lb);
            CHECK(la == lb && memcmp(sa, sb, (size_t)la) == 0);
          }
        }
        em_vec_unref(vf);
        em_vec_unref(vs);
      }
    em_batch_unref(b);
    em_vec_unref(lit);
  }
  CHECK(checked > 500);
  CHECK(errors > 0);    /* malformed escapes were reached */
  CHECK(matched > 500); /* and patterns that match */
  em_vec_unref(x);
  em_vec_unref(pats);
  em_arena_destroy(&A);
}

static __int128 p10(int k) {
  __int128 x = 1;
  while (k-- > 0) x *= 10;
  return x;
}

static em_vec *random_decimals(int p, int sc, int64_t n, bool huge) {
  em_type *t = em_type_decimal(p, sc);
  em_vec *v = em_vec_new(t, n);
  em_type_unref(t);
  __int128 lim = p10(p);
  for (int64_t i = 0; i < n; i++) {
    uint64_t r = rnd();
    if (r % 9 == 0) {
      CHECK(em_vec_append_null(v) == 0);
      continue;
    }
    __int128 x = (__int128)(rnd() % 100000) - 50000;
    if (r % 5 == 0) x = (__int128)(int64_t)(rnd() >> 20); /* up to 2^43 */
    if (huge && i == n / 2) x = p10(p - 1) * 9 + 3; /* beyond int64 */
    x %= lim;
    CHECK(em_vec_append_fixed(v, &x) == 0);
  }
  return v;
}

TEST(decimal_arith_equals_int128) {
  em_arena_init(&A, 1 << 16);
  const int64_t n = 500;
  em_eval_ctx ctx = {.timezone = "UTC"};
  int types[][4] = {{5, 2, 5, 2}, {15, 2, 16, 2}, {20, 2, 10, 3}, {38, 2, 38, 2}, {18, 0, 18, 6}, {12, 4, 9, 0}};
  const char *ops[] = {"+", "-", "*"};
  int checked = 0, nulls = 0;
  for (size_t t = 0; t < sizeof types / sizeof *types; t++)
    for (int huge = 0; huge < 2; huge++) {
      if (huge && types[t][0] < 20) continue; /* the huge value must not fit int64 */
      em_vec *a = random_decimals(types[t][0], types[t][1], n, huge);
      em_vec *b = random_decimals(types[t][2], types[t][3], n, false);
      em_batch *bt = two_columns(a, em_vec_ref(b));
      for (int o = 0; o < 3; o++) {
        em_expr *e = call2(ops[o], column(0, a->type), column(1, b->type), false);
        em_vec *r = NULL;
        em_error er = {0};
        CHECK(em_expr_eval(e, bt, &ctx, &r, &er) == 0);
        CHECK(r->type->id == EM_T_DECIMAL);
        int sa = types[t][1], sb = types[t][3], rs = r->type->u.dec.scale, rp = r->type->u.dec.precision;
        int s = sa > sb ? sa : sb;
        if (o < 2 ? rs != s : rs != sa + sb) { /* a rounded result: not what this test computes */
          em_vec_unref(r);
          continue;
        }
        for (int64_t i = 0; i < n; i++) {
          if (em_vec_is_null(a, i) || em_vec_is_null(b, i)) {
            CHECK(em_vec_is_null(r, i));
            continue;
          }
          __int128 x, y, z, want;
          memcpy(&x, (const uint8_t *)em_vec_values(a) + i * 16, 16);
          memcpy(&y, (const uint8_t *)em_vec_values(b) + i * 16, 16);
          bool wrap = false;
          if (o == 2) {
            wrap = __builtin_mul_overflow(x, y, &want);
          } else {
            want = o == 0 ? x * p10(s - sa) + y * p10(s - sb) : x * p10(s - sa) - y * p10(s - sb);
          }
          bool fits = !wrap && want < p10(rp) && want > -p10(rp);
          CHECK(em_vec_is_null(r, i) == !fits);
          if (!fits) {
            nulls++;
            continue;
          }
          memcpy(&z, (const uint8_t *)em_vec_values(r) + i * 16, 16);
          CHECK(z == want);
          checked++;
        }
        em_vec_unref(r);
      }
      em_batch_unref(bt);
      em_vec_unref(a);
      em_vec_unref(b);
    }
  CHECK(checked > 5000);
  CHECK(nulls > 0); /* overflow of dec(38) reached */
  em_arena_destroy(&A);
}

TEST_LIST{
    TEST_ENTRY(divmagic_matches_division),
    TEST_ENTRY(constant_operand_equals_column),
    TEST_ENTRY(like_and_concat_constant_equals_column),
    TEST_ENTRY(decimal_arith_equals_int128),
    TEST_END,
};
