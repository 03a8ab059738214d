/*
 * DataFrame.stat.freqItems(cols, support), planned as Spark's
 * FrequentItems.singlePassFreqItems: support must lie in [1e-4, 1]; one
 * global aggregate with collect_frequent_items(col, (int)(1 / support))
 * per column (expr/agg_freq_items.c), named "<col>_freqItems".
 */
#include "analyzer_int.h"
#include "../expr/format.h"
#include "../expr/func.h"

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static int support_error(em_az *az, double support) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_puts(&sb, "requirement failed: Support must be in [1e-4, 1], but got ");
  em_format_double(support, &sb);
  em_strbuf_putc(&sb, '.');
  int rc = sb.oom ? oom(az) : em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", sb.data, NULL);
  em_strbuf_free(&sb);
  return rc;
}

em_lplan *em_az_resolve_freq_items(em_az *az, const em_spec_rel *r, em_lplan *child) {
  double support = r->u.stat.support;
  if (!(support >= 1e-4 && support <= 1.0)) return support_error(az, support), NULL;
  int32_t size = (int32_t)(1.0 / support);
  int nc = r->u.stat.ncols;
  em_arena *a = &az->plan->arena;
  em_lplan *n = em_az_new_node(az, EM_LP_AGGREGATE, r, nc);
  if (!n) return oom(az), NULL;
  n->child = child;
  n->u.agg.naggs = nc;
  n->u.agg.aggs = em_arena_calloc(a, sizeof(em_expr *) * (size_t)(nc + 1));
  n->u.agg.keys = em_arena_calloc(a, sizeof(em_expr *));
  n->u.agg.outputs = em_arena_calloc(a, sizeof(em_expr *) * (size_t)(nc + 1));
  if (!n->u.agg.aggs || !n->u.agg.keys || !n->u.agg.outputs) return oom(az), NULL;
  em_vec *sv = em_vec_new(em_type_int(), 1);
  if (!sv || em_vec_append_fixed(sv, &size)) {
    em_vec_unref(sv);
    return oom(az), NULL;
  }
  em_expr *size_lit = em_az_lit(az, sv);
  em_vec_unref(sv);
  if (!size_lit) return NULL;
  for (int i = 0; i < nc; i++) {
    const char *name = r->u.stat.cols[i];
    int c = em_az_resolve_df_column(az, child, name);
    if (c < 0) return NULL;
    em_expr *args[2] = {em_az_col(az, child, c), size_lit};
    char *sql[2] = {(char *)name, "size"};
    char *nm = NULL;
    if (!args[0]) return NULL;
    em_expr *agg = em_az_call_def(az, &em_fn_collect_frequent_items, false, args, sql, 2, &nm);
    if (!agg) return NULL;
    n->u.agg.aggs[i] = agg;
    em_expr *out = em_arena_calloc(a, sizeof *out);
    if (!out) return oom(az), NULL;
    out->kind = EM_EX_COLUMN;
    out->u.column = i;
    out->type = agg->type;
    out->nullable = false;
    n->u.agg.outputs[i] = out;
    char *oname = em_arena_printf(a, "%s_freqItems", name);
    if (!oname) return oom(az), NULL;
    n->out[i] = (em_attr){.name = oname, .type = agg->type, .nullable = false, .id = em_az_next_id(az)};
  }
  return n;
}
