/*
 * Example Ember UDFs in C beyond scalars (ABI v2; built by the build, used
 * by tests/client/test_wasm_kinds.py):
 *   isum2(bigint) -> bigint                   aggregate: the sum of squares of
 *                                             the non-NULL values, NULL when none
 *   wavg(double, double) -> double            aggregate: sum(v * w) / sum(w) over
 *                                             rows where both are non-NULL
 *   tokens(string) -> table(token string, pos int)
 *                                             table function: the words of a
 *                                             string, split at spaces
 *   arr_sum(array<bigint>) -> bigint          a list argument
 *   split_words(string) -> array<string>      a list result
 *   pair(string, bigint) -> struct<s:string,n:bigint>   a struct result
 *   pair_n(struct<s:string,n:bigint>) -> bigint         a struct argument
 */
#include "ember_udf.h"

EMBER_SIGNATURE("isum2(bigint) -> bigint state 16");
EMBER_SIGNATURE("wavg(double, double) -> double state 16");
EMBER_SIGNATURE("tokens(string) -> table(token string, pos int)");
EMBER_SIGNATURE("arr_sum(array<bigint>) -> bigint");
EMBER_SIGNATURE("split_words(string) -> array<string>");
EMBER_SIGNATURE("pair(string, bigint) -> struct<s:string,n:bigint>");
EMBER_SIGNATURE("pair_n(struct<s:string,n:bigint>) -> bigint");

/* ---- isum2: state {int64 sum, int64 count} ---- */

typedef struct {
  int64_t sum, count;
} isum2_state;

EMBER_EXPORT(isum2_init) {
  isum2_state *s = (isum2_state *)ember_state(b, 0);
  s->sum = 0;
  s->count = 0;
  return 0;
}

EMBER_EXPORT(isum2_update) {
  const ember_col *v = &b->args[0];
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(v, i)) continue;
    isum2_state *s = (isum2_state *)ember_state(b, (uint32_t)ember_group(b, i));
    int64_t x = ember_i64(v, i);
    s->sum += x * x;
    s->count++;
  }
  return 0;
}

EMBER_EXPORT(isum2_merge) {
  for (uint32_t i = 0; i < b->nrows; i++) {
    isum2_state *d = (isum2_state *)ember_state(b, (uint32_t)ember_group(b, i));
    const isum2_state *s = (const isum2_state *)ember_merge_src(b, i);
    d->sum += s->sum;
    d->count += s->count;
  }
  return 0;
}

EMBER_EXPORT(isum2_finish) {
  int64_t *out = (int64_t *)ember_out_values(b, 8);
  for (uint32_t k = 0; k < b->nstates; k++) {
    const isum2_state *s = (const isum2_state *)ember_state(b, k);
    if (s->count == 0) ember_out_set_null(b, k);
    else out[k] = s->sum;
  }
  return 0;
}

/* ---- wavg: state {double sum_w, double sum_vw} ---- */

typedef struct {
  double sw, svw;
} wavg_state;

EMBER_EXPORT(wavg_init) { return 0; } /* a zeroed state is the initial one */

EMBER_EXPORT(wavg_update) {
  const ember_col *v = &b->args[0], *w = &b->args[1];
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(v, i) || ember_is_null(w, i)) continue;
    wavg_state *s = (wavg_state *)ember_state(b, (uint32_t)ember_group(b, i));
    s->sw += ember_f64(w, i);
    s->svw += ember_f64(v, i) * ember_f64(w, i);
  }
  return 0;
}

EMBER_EXPORT(wavg_merge) {
  for (uint32_t i = 0; i < b->nrows; i++) {
    wavg_state *d = (wavg_state *)ember_state(b, (uint32_t)ember_group(b, i));
    const wavg_state *s = (const wavg_state *)ember_merge_src(b, i);
    d->sw += s->sw;
    d->svw += s->svw;
  }
  return 0;
}

EMBER_EXPORT(wavg_finish) {
  double *out = (double *)ember_out_values(b, 8);
  for (uint32_t k = 0; k < b->nstates; k++) {
    const wavg_state *s = (const wavg_state *)ember_state(b, k);
    if (s->sw == 0) ember_out_set_null(b, k);
    else out[k] = s->svw / s->sw;
  }
  return 0;
}

/* ---- tokens: one output row per word ---- */

/* Calls visit(start, len) for each space-separated word of p[0..n). */
#define EACH_WORD(p, n, body)                                            \
  for (uint32_t k_ = 0; k_ < (n);) {                                     \
    while (k_ < (n) && (p)[k_] == ' ') k_++;                             \
    uint32_t start = k_;                                                 \
    while (k_ < (n) && (p)[k_] != ' ') k_++;                             \
    if (k_ > start) {                                                    \
      uint32_t len = k_ - start;                                         \
      body                                                               \
    }                                                                    \
  }

EMBER_EXPORT(tokens) {
  const ember_col *s = &b->args[0];
  /* First pass: how many words, how many bytes. */
  uint32_t nout = 0, nbytes = 0;
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(s, i)) continue;
    uint32_t n;
    const uint8_t *p = ember_bytes(s, i, &n);
    EACH_WORD(p, n, { nout++; nbytes += len; (void)start; })
  }
  ember_col *f = ember_col_struct(&b->out, 2);
  f[0].type = EMBER_STRING;
  f[1].type = EMBER_INT32;
  int32_t *offs;
  uint8_t *bytes = ember_col_bytes(&f[0], nout, nbytes, &offs);
  int32_t *pos = (int32_t *)ember_col_values(&f[1], nout, 4);
  b->parent = (int32_t *)ember_xalloc(4 * (nout ? nout : 1));
  b->nout = nout;
  uint32_t r = 0, at = 0;
  offs[0] = 0;
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(s, i)) continue;
    uint32_t n;
    const uint8_t *p = ember_bytes(s, i, &n);
    int32_t k = 0;
    EACH_WORD(p, n, {
      ember_memcpy(bytes + at, p + start, len);
      at += len;
      b->parent[r] = (int32_t)i;
      pos[r] = k++;
      offs[++r] = (int32_t)at;
    })
  }
  return 0;
}

/* ---- lists ---- */

EMBER_EXPORT(arr_sum) {
  const ember_col *a = &b->args[0];
  const ember_col *e = ember_list_child(a);
  int64_t *out = (int64_t *)ember_out_values(b, 8);
  ember_out_nulls_from(b, a);
  for (uint32_t i = 0; i < b->nrows; i++) {
    uint32_t lo, hi;
    ember_list_range(a, i, &lo, &hi);
    int64_t t = 0;
    for (uint32_t j = lo; j < hi; j++)
      if (!ember_is_null(e, j)) t += ember_i64(e, j);
    out[i] = t;
  }
  return 0;
}

EMBER_EXPORT(split_words) {
  const ember_col *s = &b->args[0];
  uint32_t nwords = 0, nbytes = 0;
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(s, i)) continue;
    uint32_t n;
    const uint8_t *p = ember_bytes(s, i, &n);
    EACH_WORD(p, n, { nwords++; nbytes += len; (void)start; })
  }
  ember_col *words;
  int32_t *lo = ember_col_list(&b->out, b->nrows, nwords, &words);
  words->type = EMBER_STRING;
  int32_t *wo;
  uint8_t *bytes = ember_col_bytes(words, nwords, nbytes, &wo);
  uint32_t w = 0, at = 0;
  wo[0] = 0;
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(s, i)) {
      ember_out_set_null(b, i);
    } else {
      uint32_t n;
      const uint8_t *p = ember_bytes(s, i, &n);
      EACH_WORD(p, n, {
        ember_memcpy(bytes + at, p + start, len);
        at += len;
        wo[++w] = (int32_t)at;
      })
    }
    lo[i + 1] = (int32_t)w;
  }
  return 0;
}

/* ---- structs ---- */

EMBER_EXPORT(pair) {
  const ember_col *s = &b->args[0], *n = &b->args[1];
  ember_col *f = ember_col_struct(&b->out, 2);
  f[0].type = EMBER_STRING;
  f[1].type = EMBER_INT64;
  /* The string field is the argument itself (NULLs included). */
  f[0].offsets = s->offsets;
  f[0].values = s->values;
  f[0].values_len = s->values_len;
  f[0].validity = s->validity;
  int64_t *nv = (int64_t *)ember_col_values(&f[1], b->nrows, 8);
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(n, i)) ember_col_set_null(&f[1], b->nrows, i);
    else nv[i] = ember_i64(n, i);
  }
  return 0;
}

EMBER_EXPORT(pair_n) {
  const ember_col *p = &b->args[0];
  const ember_col *n = ember_struct_field(p, 1);
  int64_t *out = (int64_t *)ember_out_values(b, 8);
  for (uint32_t i = 0; i < b->nrows; i++) {
    if (ember_is_null(p, i) || ember_is_null(n, i)) ember_out_set_null(b, i);
    else out[i] = ember_i64(n, i);
  }
  return 0;
}
