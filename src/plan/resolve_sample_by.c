/*
 * DataFrame.stat.sampleBy(col, fractions, seed), planned as Spark's
 * DataFrameStatFunctions.sampleBy: a filter keeping the rows where
 * rand(seed) < the fraction of the row's stratum (0 for a stratum not
 * listed, and for NULL). rand(seed) draws one value per row with Spark's
 * per-partition XORShiftRandom (exec/expr_rand.c), so the kept rows are
 * Spark's. The fraction is CASE WHEN col = s1 THEN f1 ... ELSE 0.0 END;
 * a stratum is compared only with a column of its kind (numbers with
 * numbers, strings with strings, booleans with booleans), as Scala's
 * equality of the boxed values does. A repeated stratum keeps its last
 * fraction (Scala's toMap).
 */
#include "analyzer_int.h"
#include "../expr/format.h"
#include "../expr/func.h"

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static em_expr *dbl_lit(em_az *az, double d) {
  em_vec *v = em_vec_new(em_type_double(), 1);
  if (!v || em_vec_append_fixed(v, &d)) {
    em_vec_unref(v);
    return oom(az), NULL;
  }
  em_expr *x = em_az_lit(az, v);
  em_vec_unref(v);
  return x;
}

static bool is_stringish(const em_type *t) {
  return t->id == EM_T_STRING || t->id == EM_T_CHAR || t->id == EM_T_VARCHAR;
}

static bool comparable(const em_type *col, const em_type *lit) {
  if (em_type_is_numeric(col)) return em_type_is_numeric(lit);
  if (is_stringish(col)) return is_stringish(lit);
  if (col->id == EM_T_BOOLEAN) return lit->id == EM_T_BOOLEAN;
  return false;
}

/* Spark's require() message, with the fractions as Scala prints the Map
 * (entries in the client's order, as Scala's small maps keep them). */
static void fraction_error(em_az *az, const em_spec_rel *r) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_puts(&sb, "requirement failed: Fractions must be in [0, 1], but got Map(");
  em_format_opts fo = {0};
  for (int i = 0; i < r->u.stat.nfractions; i++) {
    if (i) em_strbuf_puts(&sb, ", ");
    em_error e;
    if (em_format_value(r->u.stat.strata[i], 0, &fo, &sb, &e)) em_strbuf_puts(&sb, "?");
    em_strbuf_puts(&sb, " -> ");
    em_format_double(r->u.stat.fractions[i], &sb);
  }
  em_strbuf_puts(&sb, ").");
  if (sb.oom) oom(az);
  else em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", sb.data, NULL);
  em_strbuf_free(&sb);
}

em_lplan *em_az_resolve_sample_by(em_az *az, const em_spec_rel *r, em_lplan *child) {
  int nf = r->u.stat.nfractions;
  for (int i = 0; i < nf; i++) {
    double f = r->u.stat.fractions[i];
    if (!(f >= 0.0 && f <= 1.0)) {
      fraction_error(az, r);
      return NULL;
    }
  }
  char *name = NULL, *meta = NULL;
  em_expr *col = em_az_resolve_expr(az, r->u.stat.col, child, &name, &meta);
  if (!col) return NULL;
  /* CASE WHEN col = s THEN f ... ELSE 0.0 END, the last stratum first. */
  em_expr **args = em_arena_calloc(&az->plan->arena, sizeof *args * (size_t)(2 * nf + 1));
  if (!args) return oom(az), NULL;
  int k = 0;
  for (int i = nf - 1; i >= 0; i--) {
    em_vec *s = r->u.stat.strata[i];
    if (em_vec_is_null(s, 0) || !comparable(col->type, s->type)) continue;
    em_expr *eq[2] = {col, em_az_lit(az, s)};
    char *nm = NULL;
    if (!eq[1] || !(args[k] = em_az_call(az, "==", eq, NULL, 2, &nm))) return NULL;
    if (!(args[k + 1] = dbl_lit(az, r->u.stat.fractions[i]))) return NULL;
    k += 2;
  }
  if (!(args[k] = dbl_lit(az, 0.0))) return NULL;
  char *nm = NULL;
  em_expr *fraction = k ? em_az_call(az, "when", args, NULL, k + 1, &nm) : args[0];
  em_vec *seed = em_vec_new(em_type_long(), 1);
  int64_t sv = r->u.stat.has_seed ? r->u.stat.seed : 0;
  if (!seed || em_vec_append_fixed(seed, &sv)) {
    em_vec_unref(seed);
    return oom(az), NULL;
  }
  em_expr *seed_lit = em_az_lit(az, seed);
  em_vec_unref(seed);
  if (!fraction || !seed_lit) return NULL;
  em_expr *rnd = em_az_call_def(az, &em_fn_rand_seeded, false, &seed_lit, NULL, 1, &nm);
  if (!rnd) return NULL;
  em_expr *lt[2] = {rnd, fraction};
  em_expr *cond = em_az_call(az, "<", lt, NULL, 2, &nm);
  if (!cond) return NULL;
  em_lplan *n = em_az_pass_through(az, EM_LP_FILTER, r, child);
  if (!n) return NULL;
  n->u.filter.cond = cond;
  return n;
}
