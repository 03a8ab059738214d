/*
 * Canonical bytes of resolved expressions and values, for plan
 * fingerprints (plan/fingerprint.c): two expressions that compute the same
 * values from the same input columns get the same bytes, whatever plan
 * they were resolved in. Column references are positions already, so
 * expression ids never appear; names of outputs are not part of an
 * expression.
 *
 * The constants a resolver leaves in u.fn.data are serialized where they
 * carry something the name, argument and result types do not (field
 * ordinals, lambda slots, window and aggregate settings, HyperLogLog
 * precision). Data that is derived from those (operator codes, ANSI flags
 * the caller fingerprints as a session setting) is left out.
 */
#include "agg_fn.h"
#include "expr_int.h"
#include "nested.h"
#include "win.h"

#include <string.h>

static void put_bytes(em_strbuf *sb, const void *p, size_t n) { em_strbuf_append(sb, (const char *)p, n); }
static void put_i64(em_strbuf *sb, int64_t v) { put_bytes(sb, &v, sizeof v); }

static void put_str(em_strbuf *sb, const char *s) {
  size_t n = s ? strlen(s) : 0;
  put_i64(sb, s ? (int64_t)n : -1);
  if (n) put_bytes(sb, s, n);
}

static void put_type(em_strbuf *sb, const em_type *t) {
  if (!t) {
    em_strbuf_puts(sb, "<none>");
    return;
  }
  em_type_simple_string(t, sb);
  em_strbuf_putc(sb, ';');
}

/* Row i of v: a null flag then the value's bytes; nested values
 * recursively. */
static void put_value(em_strbuf *sb, const em_vec *v, int64_t i) {
  if (em_vec_is_null(v, i)) {
    em_strbuf_putc(sb, 'N');
    return;
  }
  em_strbuf_putc(sb, 'V');
  const em_type *t = v->type;
  switch (t->id) {
  case EM_T_NULL:
    return;
  case EM_T_BOOLEAN:
    em_strbuf_putc(sb, (char)((v->values->data[i >> 3] >> (i & 7)) & 1));
    return;
  case EM_T_ARRAY:
  case EM_T_MAP: {
    const int32_t *o = (const int32_t *)v->values->data;
    put_i64(sb, o[i + 1] - o[i]);
    for (int32_t k = o[i]; k < o[i + 1]; k++) put_value(sb, v->children[0], k);
    return;
  }
  case EM_T_STRUCT:
    for (int c = 0; c < v->nchildren; c++) put_value(sb, v->children[c], i);
    return;
  default:
    break;
  }
  int w = em_type_fixed_width(t);
  if (w > 0) {
    put_bytes(sb, v->values->data + (size_t)i * (size_t)w, (size_t)w);
    return;
  }
  /* STRING/BINARY-like: offsets and data. */
  const int32_t *o = (const int32_t *)v->values->data;
  put_i64(sb, o[i + 1] - o[i]);
  if (o[i + 1] > o[i]) put_bytes(sb, v->data->data + o[i], (size_t)(o[i + 1] - o[i]));
}

void em_vec_fingerprint(const em_vec *v, em_strbuf *sb) {
  put_type(sb, v->type);
  put_i64(sb, v->len);
  int w = em_type_fixed_width(v->type);
  if (w > 0 && v->null_count == 0 && v->type->id != EM_T_BOOLEAN) {
    /* The common case in one piece. */
    put_bytes(sb, v->values->data, (size_t)v->len * (size_t)w);
    return;
  }
  for (int64_t i = 0; i < v->len; i++) put_value(sb, v, i);
}

static bool named(const em_expr *e, const char *const *names) {
  for (; *names; names++)
    if (e->u.fn.name && em_strcaseeq(e->u.fn.name, *names)) return true;
  return false;
}

static void put_agg_cfg(const em_expr *e, em_strbuf *sb) {
  const em_agg_cfg *c = e->u.fn.data;
  if (!c) return;
  em_strbuf_putc(sb, c->ignore_nulls ? 'I' : 'i');
  put_i64(sb, c->kind);
  put_i64(sb, c->scale);
  put_i64(sb, c->out_precision);
  put_i64(sb, c->out_scale);
  put_type(sb, c->in_type);
  if (c->inner) em_expr_fingerprint(c->inner, sb);
  int p = em_agg_hll_precision(e);
  if (p) put_i64(sb, p);
}

void em_expr_fingerprint(const em_expr *e, em_strbuf *sb) {
  if (!e) {
    em_strbuf_puts(sb, "()");
    return;
  }
  em_strbuf_putc(sb, '(');
  put_i64(sb, e->kind);
  put_type(sb, e->type);
  em_strbuf_putc(sb, e->nullable ? '?' : '!');
  switch (e->kind) {
  case EM_EX_COLUMN:
    put_i64(sb, e->u.column);
    break;
  case EM_EX_LITERAL:
    em_vec_fingerprint(e->u.lit, sb);
    break;
  case EM_EX_CAST:
    em_strbuf_putc(sb, e->u.cast.ansi ? 'A' : 'a');
    break;
  case EM_EX_AGG:
    put_str(sb, e->u.fn.name);
    em_strbuf_putc(sb, e->u.fn.distinct ? 'D' : 'd');
    put_agg_cfg(e, sb);
    break;
  case EM_EX_CALL: {
    put_str(sb, e->u.fn.name);
    static const char *const ordinal[] = {"getfield", "lambdavariable", "struct", "named_struct", "update_fields", NULL};
    static const char *const window[] = {"row_number", "rank",  "dense_rank", "percent_rank", "cume_dist",
                                         "ntile",      "lag",   "lead",       "nth_value",    NULL};
    if (!e->u.fn.data) break;
    if (named(e, ordinal)) {
      put_i64(sb, (int64_t)(intptr_t)e->u.fn.data);
    } else if (named(e, window)) {
      const em_win_cfg *c = e->u.fn.data;
      put_i64(sb, c->fn);
      put_i64(sb, c->n);
      em_strbuf_putc(sb, c->ignore_nulls ? 'I' : 'i');
      em_strbuf_putc(sb, c->is_lead ? 'L' : 'l');
    } else if (e->u.fn.name && em_hof_kind_of(e->u.fn.name) >= 0) {
      const em_hof_info *h = e->u.fn.data;
      put_i64(sb, h->kind);
      put_i64(sb, h->ninputs);
      put_i64(sb, h->nlambdas);
      for (int k = 0; k < 2; k++) {
        put_i64(sb, h->nvars[k]);
        put_i64(sb, h->slot0[k]);
      }
      put_i64(sb, h->nouter);
    }
    break;
  }
  }
  put_i64(sb, e->nargs);
  for (int i = 0; i < e->nargs; i++) em_expr_fingerprint(e->args[i], sb);
  em_strbuf_putc(sb, ')');
}
