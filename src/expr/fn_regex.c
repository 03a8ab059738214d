/*
 * Regular-expression functions with Java's semantics (regex.c): rlike /
 * regexp / regexp_like, regexp_replace, regexp_extract, regexp_extract_all,
 * regexp_count, regexp_instr, regexp_substr and split.
 *
 * A literal pattern is compiled once, when the call is resolved, into the
 * plan's arena; a pattern from a column goes through a one-entry cache per
 * kernel call (recompiled when it changes from row to row). As in Spark, a
 * literal pattern that does not compile fails the query as soon as rows are
 * evaluated (INVALID_PARAMETER_VALUE.PATTERN), even rows whose subject is
 * NULL; a NULL argument otherwise gives NULL.
 */
#include "fn_nested.h"
#include "regex.h"

#include <stdio.h>
#include <string.h>

enum { RX_LIKE, RX_REPLACE, RX_EXTRACT, RX_EXTRACT_ALL, RX_COUNT, RX_INSTR, RX_SUBSTR, RX_SPLIT };

typedef struct rx_info {
  int op;
  const char *fname;  /* the function Spark names in its errors */
  em_regex *lit;      /* the compiled literal pattern (plan arena) */
  bool lit_invalid;   /* the literal pattern does not compile */
  const char *lit_text;
  int32_t lit_len;
  int64_t dflt;       /* group index / position / limit when not given */
} rx_info;

static int pattern_error(const rx_info *ri, const char *p, int32_t n, em_error *err) {
  if (ri->op == RX_SPLIT) {
    char msg[200];
    snprintf(msg, sizeof msg, "Invalid regular expression: %.*s", (int)(n < 150 ? n : 150), p);
    em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", msg, NULL);
    em_error_no_context(err);
    return -1;
  }
  /* The value is the pattern as a SQL string literal. */
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_putc(&sb, '\'');
  for (int32_t k = 0; k < n; k++) {
    if (p[k] == '\'' || p[k] == '\\') em_strbuf_putc(&sb, '\\');
    em_strbuf_putc(&sb, p[k]);
  }
  em_strbuf_putc(&sb, '\'');
  char fn[64];
  snprintf(fn, sizeof fn, "`%s`", ri->fname);
  em_error_set(err, EM_ERR_INVALID_PARAMETER_VALUE_PATTERN, "parameter", "`regexp`", "functionName", fn, "value",
               sb.data ? sb.data : "", NULL);
  em_error_no_context(err); /* as Spark */
  em_strbuf_free(&sb);
  return -1;
}

static int group_error(const rx_info *ri, int groups, int64_t idx, em_error *err) {
  char fn[64], gc[24], gi[24];
  snprintf(fn, sizeof fn, "`%s`", ri->fname);
  snprintf(gc, sizeof gc, "%d", groups);
  snprintf(gi, sizeof gi, "%lld", (long long)idx);
  em_error_set(err, EM_ERR_INVALID_PARAMETER_VALUE_REGEX_GROUP_INDEX, "parameter", "`idx`", "functionName", fn,
               "groupCount", gc, "groupIndex", gi, NULL);
  em_error_no_context(err); /* as Spark */
  return -1;
}

/* Per kernel call: the matcher of the literal pattern or the cache. */
typedef struct rx_state {
  const rx_info *ri;
  em_regex_matcher lit;
  em_regex_cache cache;
} rx_state;

static int state_init(rx_state *st, const rx_info *ri, int64_t n, em_error *err) {
  memset(st, 0, sizeof *st);
  st->ri = ri;
  if (n > 0 && ri->lit_invalid) return pattern_error(ri, ri->lit_text, ri->lit_len, err);
  if (ri->lit && em_regex_matcher_init(&st->lit, ri->lit, err)) return -1;
  return 0;
}

static void state_free(rx_state *st) {
  em_regex_matcher_free(&st->lit);
  em_regex_cache_free(&st->cache);
}

static int matcher_for(rx_state *st, const em_vec *pat, int64_t i, em_regex_matcher **m, em_error *err) {
  if (st->ri->lit) {
    em_regex_reset(&st->lit);
    *m = &st->lit;
    return 0;
  }
  int32_t n;
  const char *p = em_vec_str(pat, i, &n);
  int rc = em_regex_cache_get(&st->cache, p, (size_t)n, m, err);
  if (rc > 0) return pattern_error(st->ri, p, n, err);
  return rc;
}

static bool row_null(em_vec *const *args, int nargs, int64_t i) {
  for (int k = 0; k < nargs; k++)
    if (em_vec_is_null(args[k], i)) return true;
  return false;
}

static int64_t int_arg(em_vec *const *args, int nargs, int k, int64_t i, int64_t dflt) {
  if (k >= nargs) return dflt;
  return ((const int32_t *)em_vec_values(args[k]))[i];
}

/* ---- rlike, regexp_count, regexp_instr: fixed-width results ---- */

static int fixed_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  (void)ctx;
  const rx_info *ri = e->u.fn.data;
  rx_state st;
  em_vec *r = NULL;
  if (state_init(&st, ri, n, err)) goto fail;
  if (!(r = em_fn_result(e->type, n, args, e->nargs))) {
    em_error_internal(err, "out of memory");
    goto fail;
  }
  for (int64_t i = 0; i < n; i++) {
    if (row_null(args, e->nargs, i)) continue;
    em_regex_matcher *m;
    if (matcher_for(&st, args[1], i, &m, err)) goto fail;
    int32_t len;
    const char *s = em_vec_str(args[0], i, &len);
    int f = em_regex_find(m, s, (size_t)len, err);
    if (f < 0) goto fail;
    if (ri->op == RX_LIKE) {
      if (f) em_bit_set(em_vec_values(r), i);
    } else if (ri->op == RX_COUNT) {
      int32_t c = 0;
      while (f > 0) {
        c++;
        f = em_regex_find(m, s, (size_t)len, err);
      }
      if (f < 0) goto fail;
      ((int32_t *)em_vec_values(r))[i] = c;
    } else { /* RX_INSTR */
      int32_t pos = 0;
      if (f) {
        int64_t g = int_arg(args, e->nargs, 2, i, ri->dflt);
        if (g < 0 || g > em_regex_groups(m->re)) {
          group_error(ri, em_regex_groups(m->re), g, err);
          goto fail;
        }
        /* The position of the whole match, whatever the group (as Spark). */
        pos = (int32_t)em_regex_utf16_len(s, (size_t)em_regex_start(m, 0)) + 1;
      }
      ((int32_t *)em_vec_values(r))[i] = pos;
    }
  }
  state_free(&st);
  em_fn_finish(r, n);
  *out = r;
  return 0;
fail:
  state_free(&st);
  if (r) em_vec_unref(r);
  return -1;
}

/* ---- regexp_replace, regexp_extract, regexp_substr: strings ---- */

static int replace_error(em_vec *const *args, int64_t i, int64_t pos, em_error *err) {
  int32_t ls, lp, lr;
  const char *s = em_vec_str(args[0], i, &ls), *p = em_vec_str(args[1], i, &lp), *r = em_vec_str(args[2], i, &lr);
  char *a = em_malloc((size_t)ls + 1), *b = em_malloc((size_t)lp + 1), *c = em_malloc((size_t)lr + 1);
  char ps[24];
  snprintf(ps, sizeof ps, "%lld", (long long)pos);
  if (a && b && c) {
    memcpy(a, s, (size_t)ls);
    a[ls] = '\0';
    memcpy(b, p, (size_t)lp);
    b[lp] = '\0';
    memcpy(c, r, (size_t)lr);
    c[lr] = '\0';
    em_error_set(err, EM_ERR_INVALID_REGEXP_REPLACE, "source", a, "pattern", b, "replacement", c, "position", ps,
                 NULL);
    em_error_no_context(err); /* as Spark */
  } else {
    em_error_internal(err, "out of memory");
  }
  em_free(a);
  em_free(b);
  em_free(c);
  return -1;
}

/* regexp_replace of one row into sb; 1 when the subject is returned as is. */
static int replace_row(em_regex_matcher *m, em_vec *const *args, int64_t i, int64_t pos, em_strbuf *sb,
                       em_error *err) {
  int32_t ls, lr;
  const char *s = em_vec_str(args[0], i, &ls), *rep = em_vec_str(args[2], i, &lr);
  /* Java's Matcher.region(position - 1, length): the search sees only the
   * region (anchors at its start, no look-behind before it). */
  int64_t jlen = em_regex_utf16_len(s, (size_t)ls);
  if (pos - 1 != 0 && pos - 1 >= jlen) return 1;
  size_t from = em_regex_utf16_offset(s, (size_t)ls, pos - 1);
  const char *sub = s + from;
  size_t nsub = (size_t)ls - from, tail = 0;
  em_strbuf_append(sb, s, from);
  for (;;) {
    int f = em_regex_find(m, sub, nsub, err);
    if (f < 0) return -1;
    if (f == 0) break;
    size_t st = (size_t)em_regex_start(m, 0), en = (size_t)em_regex_end(m, 0);
    em_strbuf_append(sb, sub + tail, st - tail);
    int x = em_regex_expand(m, sub, rep, (size_t)lr, sb);
    if (x < 0) return em_error_internal(err, "out of memory");
    if (x > 0) return replace_error(args, i, pos, err);
    tail = en;
  }
  em_strbuf_append(sb, sub + tail, nsub - tail);
  return sb->oom ? em_error_internal(err, "out of memory") : 0;
}

static int string_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                         em_error *err) {
  (void)ctx;
  const rx_info *ri = e->u.fn.data;
  rx_state st;
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_vec *r = NULL;
  if (state_init(&st, ri, n, err)) goto fail;
  if (!(r = em_vec_new(em_type_string(), n))) goto oom;
  for (int64_t i = 0; i < n; i++) {
    if (row_null(args, e->nargs, i)) {
      if (em_vec_append_null(r)) goto oom;
      continue;
    }
    em_regex_matcher *m;
    if (matcher_for(&st, args[1], i, &m, err)) goto fail;
    int32_t len;
    const char *s = em_vec_str(args[0], i, &len);
    em_strbuf_reset(&sb);
    if (ri->op == RX_REPLACE) {
      int rc = replace_row(m, args, i, int_arg(args, e->nargs, 3, i, ri->dflt), &sb, err);
      if (rc < 0) goto fail;
      if (rc > 0 ? em_vec_append_bytes(r, s, (size_t)len) : em_vec_append_bytes(r, sb.data ? sb.data : "", sb.len))
        goto oom;
      continue;
    }
    int f = em_regex_find(m, s, (size_t)len, err);
    if (f < 0) goto fail;
    int64_t g = ri->op == RX_SUBSTR ? 0 : int_arg(args, e->nargs, 2, i, ri->dflt);
    int64_t b = -1, en = -1;
    if (f) {
      if (g < 0 || g > em_regex_groups(m->re)) {
        group_error(ri, em_regex_groups(m->re), g, err);
        goto fail;
      }
      b = em_regex_start(m, (int)g);
      en = em_regex_end(m, (int)g);
    }
    if (ri->op == RX_SUBSTR && (b < 0 || en <= b)) {
      if (em_vec_append_null(r)) goto oom; /* NULLIF(regexp_extract(s, p, 0), '') */
      continue;
    }
    if (em_vec_append_bytes(r, b >= 0 ? s + b : "", b >= 0 ? (size_t)(en - b) : 0)) goto oom;
  }
  state_free(&st);
  em_strbuf_free(&sb);
  em_fn_finish(r, n);
  *out = r;
  return 0;
oom:
  em_error_internal(err, "out of memory");
fail:
  state_free(&st);
  em_strbuf_free(&sb);
  if (r) em_vec_unref(r);
  return -1;
}

/* ---- regexp_extract_all, split: arrays of strings ---- */

typedef struct pieces {
  em_vec *v;
  bool oom;
} pieces;

static int emit_piece(void *ud, const char *p, size_t len) {
  pieces *ps = ud;
  if (em_vec_append_bytes(ps->v, p, len)) ps->oom = true;
  return ps->oom ? -1 : 0;
}

static int array_kernel(const em_expr *e, em_vec *const *args, int64_t n, em_eval_ctx *ctx, em_vec **out,
                        em_error *err) {
  (void)ctx;
  const rx_info *ri = e->u.fn.data;
  rx_state st;
  em_vec *elems = NULL;
  int32_t *offs = em_calloc((size_t)n + 1, sizeof *offs);
  uint8_t *valid = em_malloc((size_t)(n + 8) / 8);
  if (state_init(&st, ri, n, err)) goto fail;
  if (!offs || !valid || !(elems = em_vec_new(em_type_string(), 0))) goto oom;
  memset(valid, 0xff, (size_t)(n + 8) / 8);
  for (int64_t i = 0; i < n; i++) {
    offs[i + 1] = offs[i];
    if (row_null(args, e->nargs, i)) {
      em_bit_clear(valid, i);
      continue;
    }
    em_regex_matcher *m;
    if (matcher_for(&st, args[1], i, &m, err)) goto fail;
    int32_t len;
    const char *s = em_vec_str(args[0], i, &len);
    if (ri->op == RX_SPLIT) {
      int32_t plen;
      em_vec_str(args[1], i, &plen);
      int64_t limit = int_arg(args, e->nargs, 2, i, ri->dflt);
      pieces ps = {elems, false};
      if (em_regex_split(m, (size_t)plen, s, (size_t)len, (int)limit, emit_piece, &ps, err)) {
        if (ps.oom) goto oom;
        goto fail;
      }
    } else {
      int64_t g = int_arg(args, e->nargs, 2, i, ri->dflt);
      int f;
      while ((f = em_regex_find(m, s, (size_t)len, err)) > 0) {
        if (g < 0 || g > em_regex_groups(m->re)) {
          group_error(ri, em_regex_groups(m->re), g, err);
          goto fail;
        }
        int64_t b = em_regex_start(m, (int)g), en = em_regex_end(m, (int)g);
        if (em_vec_append_bytes(elems, b >= 0 ? s + b : "", b >= 0 ? (size_t)(en - b) : 0)) goto oom;
      }
      if (f < 0) goto fail;
    }
    if (elems->len > INT32_MAX) goto oom;
    offs[i + 1] = (int32_t)elems->len;
  }
  state_free(&st);
  *out = em_nested_make_list(e->type, n, offs, valid, elems);
  em_free(offs);
  em_free(valid);
  return *out ? 0 : em_error_internal(err, "out of memory");
oom:
  em_error_internal(err, "out of memory");
fail:
  state_free(&st);
  if (elems) em_vec_unref(elems);
  em_free(offs);
  em_free(valid);
  return -1;
}

/* ---- resolution ---- */

static int string_arg(em_func_call *call, int i, em_error *err) {
  em_type *t = call->args[i]->type;
  if (em_type_is_nested(t) || t->id == EM_T_BINARY)
    return em_fn_type_error_unexpected(call, call->sql, i, "\"STRING\"", err);
  return em_coerce_arg(call, i, em_type_string(), err);
}

static int int_arg_resolve(em_func_call *call, int i, em_error *err) {
  em_type *t = call->args[i]->type;
  if (!em_type_is_integral(t) && t->id != EM_T_NULL)
    return em_fn_type_error_unexpected(call, call->sql, i, "\"INT\"", err);
  return em_coerce_arg(call, i, em_type_int(), err);
}

static bool any_nullable(const em_func_call *call) {
  for (int i = 0; i < call->nargs; i++)
    if (call->args[i]->nullable) return true;
  return false;
}

/* Name with a default last argument: "f(a, b, dflt)". */
static char *sql_with_default(em_func_call *call, const char *fname, int full, const char *dflt) {
  char *s = em_fn_sql_call(call, fname);
  if (!s || call->nargs == full) return s;
  size_t l = strlen(s);
  return em_arena_printf(call->arena, "%.*s, %s)", (int)(l - 1), s, dflt);
}

static int resolve_rx(em_func_call *call, int op, const char *fname, int min, int max, int64_t dflt,
                      em_error *err) {
  if (call->nargs < min || call->nargs > max) {
    char want[16];
    if (min == max)
      snprintf(want, sizeof want, "%d", min);
    else
      snprintf(want, sizeof want, "[%d, %d]", min, max);
    return em_fn_wrong_num_args(call, em_arena_strdup(call->arena, want), err);
  }
  if (!call->sql) return em_error_internal(err, "out of memory");
  for (int i = 0; i < call->nargs; i++) {
    bool is_int = (op == RX_REPLACE && i == 3) || (op != RX_REPLACE && i == 2);
    if (is_int ? int_arg_resolve(call, i, err) : string_arg(call, i, err)) return -1;
  }
  if (op == RX_REPLACE && call->nargs == 4) {
    /* The position is a positive constant (Spark's check). */
    const em_expr *p = call->args[3];
    char *sql = em_arena_printf(call->arena, "\"%s\"", call->sql);
    if (p->kind != EM_EX_LITERAL)
      return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_NON_FOLDABLE_INPUT, "sqlExpr", sql, "inputName",
                          "`position`", "inputType", "\"INT\"", "inputExpr",
                          em_arena_printf(call->arena, "\"%s\"", call->arg_sql[3]), NULL);
    int32_t v = em_vec_is_null(p->u.lit, 0) ? 0 : ((const int32_t *)em_vec_values(p->u.lit))[0];
    if (v <= 0) {
      char cur[24];
      snprintf(cur, sizeof cur, "%d", v);
      return em_error_set(err, EM_ERR_DATATYPE_MISMATCH_VALUE_OUT_OF_RANGE, "sqlExpr", sql, "exprName", "position",
                          "valueRange", "(0, 2147483647]", "currentValue", cur, NULL);
    }
  }
  rx_info *ri = em_arena_calloc(call->arena, sizeof *ri);
  if (!ri) return em_error_internal(err, "out of memory");
  ri->op = op;
  ri->fname = fname;
  ri->dflt = dflt;
  /* A literal pattern is compiled once, into the plan. */
  const em_expr *pe = call->args[1];
  if (pe->kind == EM_EX_LITERAL && !em_vec_is_null(pe->u.lit, 0)) {
    int32_t n;
    const char *p = em_vec_str(pe->u.lit, 0, &n);
    int rc = em_regex_compile(p, (size_t)n, call->arena, &ri->lit, err);
    if (rc < 0) return -1;
    if (rc > 0) {
      ri->lit_invalid = true;
      ri->lit_text = em_arena_strndup(call->arena, p, (size_t)n);
      ri->lit_len = n;
      if (!ri->lit_text) return em_error_internal(err, "out of memory");
    }
  }
  call->data = ri;
  call->nullable = any_nullable(call);
  switch (op) {
  case RX_LIKE: call->type = em_type_boolean(); call->kernel = fixed_kernel; break;
  case RX_COUNT:
  case RX_INSTR: call->type = em_type_int(); call->kernel = fixed_kernel; break;
  case RX_SUBSTR: call->nullable = true; /* fall through */
  case RX_REPLACE:
  case RX_EXTRACT: call->type = em_type_string(); call->kernel = string_kernel; break;
  default:
    call->type = em_nested_intern(em_type_array(em_type_string(), op == RX_EXTRACT_ALL), err);
    if (!call->type) return -1;
    call->kernel = array_kernel;
    break;
  }
  return 0;
}

int em_fn_resolve_rlike(em_func_call *call, em_error *err);
int em_fn_resolve_regexp_replace(em_func_call *call, em_error *err);
int em_fn_resolve_regexp_extract(em_func_call *call, em_error *err);
int em_fn_resolve_regexp_extract_all(em_func_call *call, em_error *err);
int em_fn_resolve_regexp_count(em_func_call *call, em_error *err);
int em_fn_resolve_regexp_instr(em_func_call *call, em_error *err);
int em_fn_resolve_regexp_substr(em_func_call *call, em_error *err);
int em_fn_resolve_split(em_func_call *call, em_error *err);

/* rlike / regexp / regexp_like: named in upper case, "RLIKE(s, p)". */
int em_fn_resolve_rlike(em_func_call *call, em_error *err) {
  char up[16];
  size_t k = 0;
  for (; call->name[k] && k < sizeof up - 1; k++)
    up[k] = (char)(call->name[k] >= 'a' && call->name[k] <= 'z' ? call->name[k] - 32 : call->name[k]);
  up[k] = '\0';
  call->sql = em_fn_sql_call(call, up);
  return resolve_rx(call, RX_LIKE, call->name, 2, 2, 0, err);
}
int em_fn_resolve_regexp_replace(em_func_call *call, em_error *err) {
  call->sql = sql_with_default(call, "regexp_replace", 4, "1");
  return resolve_rx(call, RX_REPLACE, "regexp_replace", 3, 4, 1, err);
}
int em_fn_resolve_regexp_extract(em_func_call *call, em_error *err) {
  call->sql = sql_with_default(call, "regexp_extract", 3, "1");
  return resolve_rx(call, RX_EXTRACT, "regexp_extract", 2, 3, 1, err);
}
int em_fn_resolve_regexp_extract_all(em_func_call *call, em_error *err) {
  call->sql = sql_with_default(call, "regexp_extract_all", 3, "1");
  return resolve_rx(call, RX_EXTRACT_ALL, "regexp_extract_all", 2, 3, 1, err);
}
/* regexp_count and regexp_substr are Spark rewrites of regexp_extract_all
 * and regexp_extract: their errors name those. */
int em_fn_resolve_regexp_count(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, "regexp_count");
  return resolve_rx(call, RX_COUNT, "regexp_extract_all", 2, 2, 0, err);
}
int em_fn_resolve_regexp_instr(em_func_call *call, em_error *err) {
  call->sql = sql_with_default(call, "regexp_instr", 3, "0");
  return resolve_rx(call, RX_INSTR, "regexp_instr", 2, 3, 0, err);
}
int em_fn_resolve_regexp_substr(em_func_call *call, em_error *err) {
  call->sql = em_fn_sql_call(call, "regexp_substr");
  return resolve_rx(call, RX_SUBSTR, "regexp_extract", 2, 2, 0, err);
}
int em_fn_resolve_split(em_func_call *call, em_error *err) {
  call->sql = sql_with_default(call, "split", 3, "-1");
  return resolve_rx(call, RX_SPLIT, "split", 2, 3, -1, err);
}
