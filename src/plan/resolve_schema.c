/*
 * Relations that reshape or thin out their input without new operators of
 * their own: Dataset.to(schema) (ToSchema), withWatermark (WithWatermark)
 * and sample (Sample).
 *
 *  - to(schema) is Spark's Project.matchSchema: columns are picked by name
 *    (a missing nullable field becomes NULL, a missing non-nullable one is
 *    an unresolved column), a nullable column cannot feed a non-nullable
 *    field, and a type change must be a valid ANSI store assignment
 *    (Cast.canANSIStoreAssign), done with an ANSI cast. Nested structs are
 *    matched by position here, where Spark reorders their fields by name.
 *  - withWatermark parses its delay (CANNOT_PARSE_INTERVAL, negative delays
 *    refused) and is otherwise dropped for batch queries, as Spark's
 *    EliminateEventTimeWatermark does; the event time column is not even
 *    resolved.
 *  - sample checks Spark's fraction bounds; a missing seed is drawn at
 *    random; deterministic_order (randomSplit) sorts each partition by all
 *    orderable columns first, so the splits are reproducible.
 */
#include "analyzer_int.h"
#include "../expr/format.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static bool nullability_ok(bool from, bool to) { return !from || to; }

/* Cast.canANSIStoreAssign. */
static bool store_assignable(const em_type *from, const em_type *to) {
  if (em_type_equal(from, to, true)) return true;
  if (from->id == EM_T_NULL) return true;
  if (em_type_is_numeric(from) && em_type_is_numeric(to)) return true;
  bool atomic = !em_type_is_nested(from) && from->id != EM_T_VARIANT && from->id != EM_T_NULL;
  if (to->id == EM_T_STRING && (atomic || from->id == EM_T_CAL_INTERVAL)) return true;
  bool dt_from = from->id == EM_T_DATE || from->id == EM_T_TIMESTAMP || from->id == EM_T_TIMESTAMP_NTZ;
  bool dt_to = to->id == EM_T_DATE || to->id == EM_T_TIMESTAMP || to->id == EM_T_TIMESTAMP_NTZ;
  if (dt_from && dt_to) return true;
  if (from->id != to->id) return false;
  switch (from->id) {
  case EM_T_ARRAY:
    return nullability_ok(from->u.array.contains_null, to->u.array.contains_null) &&
           store_assignable(from->u.array.elem, to->u.array.elem);
  case EM_T_MAP:
    return nullability_ok(from->u.map.value_contains_null, to->u.map.value_contains_null) &&
           store_assignable(from->u.map.key, to->u.map.key) && store_assignable(from->u.map.value, to->u.map.value);
  case EM_T_STRUCT:
    if (from->u.st.nfields != to->u.st.nfields) return false;
    for (int i = 0; i < from->u.st.nfields; i++)
      if (!nullability_ok(from->u.st.fields[i].nullable, to->u.st.fields[i].nullable) ||
          !store_assignable(from->u.st.fields[i].type, to->u.st.fields[i].type))
        return false;
    return true;
  default: return false;
  }
}

static char *quoted_type(em_az *az, const em_type *t) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_putc(&sb, '"');
  em_type_sql(t, &sb);
  em_strbuf_putc(&sb, '"');
  char *s = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return s;
}

/* The error of a field nothing matches: an unresolved column with
 * suggestions, as a plain AnalysisException. */
static void unresolved_field(em_az *az, const em_lplan *child, const char *name) {
  em_spec tmp;
  em_spec_init(&tmp);
  em_spec_expr *e = em_spec_expr_new(&tmp, EM_SE_ATTR);
  if (e && (e->u.attr.parts = em_spec_array(&tmp, 1, sizeof(char *))) &&
      (e->u.attr.parts[0] = em_spec_strdup(&tmp, name))) {
    e->u.attr.nparts = 1;
    char *nm = NULL, *meta = NULL;
    if (!em_az_resolve_expr(az, e, child, &nm, &meta)) {
      if (az->err->cls == EM_ERR_UNRESOLVED_COLUMN_WITH_SUGGESTION)
        az->err->cls = EM_ERR_DF_UNRESOLVED_COLUMN_WITH_SUGGESTION;
    } else {
      em_error_internal(az->err, "column %s both missing and found", name);
    }
  } else {
    oom(az);
  }
  em_spec_release(&tmp);
}

static em_lplan *resolve_to(em_az *az, const em_spec_rel *r, em_lplan *child) {
  const em_type *st = r->u.to_schema.schema;
  int n = st->u.st.nfields;
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  if (!xs) return oom(az), NULL;
  for (int k = 0; k < n; k++) {
    const em_field *f = &st->u.st.fields[k];
    int found = -1, matches = 0;
    for (int i = 0; i < child->nout; i++)
      if (em_az_name_eq(az, child->out[i].name, f->name)) {
        if (found < 0) found = i;
        matches++;
      }
    char *path = em_arena_printf(&az->plan->arena, "`%s`", found >= 0 ? child->out[found].name : f->name);
    if (!path) return oom(az), NULL;
    if (matches == 0) {
      if (!f->nullable) {
        unresolved_field(az, child, f->name);
        return NULL;
      }
      if (!(xs[k] = em_az_null_lit(az, f->type))) return NULL;
      continue;
    }
    if (matches > 1) {
      char cnt[16];
      snprintf(cnt, sizeof cnt, "%d", matches);
      em_error_set(az->err, EM_ERR_AMBIGUOUS_COLUMN_OR_FIELD, "name", path, "n", cnt, NULL);
      return NULL;
    }
    const em_attr *a = &child->out[found];
    if (a->nullable && !f->nullable) {
      em_error_set(az->err, EM_ERR_NULLABLE_COLUMN_OR_FIELD, "name", path, NULL);
      return NULL;
    }
    em_expr *c = em_az_col(az, child, found);
    if (!c) return NULL;
    if (!em_type_equal(a->type, f->type, false)) {
      if (!store_assignable(a->type, f->type)) {
        char *t1 = quoted_type(az, a->type), *t2 = quoted_type(az, f->type);
        if (!t1 || !t2) return oom(az), NULL;
        em_error_set(az->err, EM_ERR_INVALID_COLUMN_OR_FIELD_DATA_TYPE, "name", path, "type", t1, "expectedType", t2,
                     NULL);
        return NULL;
      }
      if (!(c = em_az_cast(az, c, f->type, true))) return NULL;
    }
    xs[k] = c;
  }
  em_lplan *p = em_az_project(az, r, child, xs, n);
  if (!p) return NULL;
  for (int k = 0; k < n; k++) {
    const em_field *f = &st->u.st.fields[k];
    p->out[k].name = f->name;
    p->out[k].type = xs[k]->kind == EM_EX_COLUMN ? p->out[k].type : f->type;
    if (f->metadata) p->out[k].metadata = f->metadata;
  }
  if (em_az_own_type(az, em_type_ref(r->u.to_schema.schema))) return oom(az), NULL;
  return p;
}

/* IntervalUtils.stringToInterval, enough for watermark delays: an optional
 * "interval", then <number> <unit> pairs. Returns false when malformed;
 * *negative when the interval is below zero. */
static bool parse_interval(const char *s, bool *negative) {
  static const struct {
    const char *unit;
    double months, micros;
  } units[] = {
      {"year", 12, 0},       {"month", 1, 0},       {"week", 0, 7 * 86400e6}, {"day", 0, 86400e6},
      {"hour", 0, 3600e6},   {"minute", 0, 60e6},   {"second", 0, 1e6},       {"millisecond", 0, 1e3},
      {"microsecond", 0, 1},
  };
  double months = 0, micros = 0;
  while (isspace((unsigned char)*s)) s++;
  if (strncasecmp(s, "interval", 8) == 0 && (isspace((unsigned char)s[8]) || !s[8])) s += 8;
  int pairs = 0;
  for (;;) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) break;
    char *end;
    double v = strtod(s, &end);
    if (end == s || isinf(v) || isnan(v)) return false;
    s = end;
    while (isspace((unsigned char)*s)) s++;
    const char *w = s;
    while (isalpha((unsigned char)*s)) s++;
    size_t len = (size_t)(s - w);
    if (len > 0 && (w[len - 1] == 's' || w[len - 1] == 'S')) len--;
    bool ok = false;
    for (size_t u = 0; u < EM_ARRAY_LEN(units) && !ok; u++)
      if (strlen(units[u].unit) == len && strncasecmp(w, units[u].unit, len) == 0) {
        months += v * units[u].months;
        micros += v * units[u].micros;
        ok = true;
      }
    if (!ok) return false;
    pairs++;
  }
  *negative = months != 0 ? months < 0 : micros < 0;
  return pairs > 0;
}

static em_lplan *resolve_watermark(em_az *az, const em_spec_rel *r, em_lplan *child) {
  bool neg = false;
  const char *d = r->u.watermark.delay;
  if (!parse_interval(d, &neg)) {
    em_error_set(az->err, EM_ERR_CANNOT_PARSE_INTERVAL, "intervalString",
                 em_arena_printf(&az->plan->arena, "'%s'", d), NULL);
    return NULL;
  }
  if (neg) {
    em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message",
                 em_arena_printf(&az->plan->arena, "requirement failed: delay threshold (%s) should not be negative.", d),
                 NULL);
    return NULL;
  }
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(child->nout + 1));
  if (!xs) return oom(az), NULL;
  for (int i = 0; i < child->nout; i++)
    if (!(xs[i] = em_az_col(az, child, i))) return NULL;
  return em_az_project(az, r, child, xs, child->nout);
}

static int fraction_error(em_az *az, double f, const char *tail) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_puts(&sb, "requirement failed: Sampling fraction (");
  em_format_double(f, &sb);
  em_strbuf_printf(&sb, ") %s", tail);
  em_error_set(az->err, EM_ERR_ILLEGAL_ARGUMENT, "message", sb.data ? sb.data : "", NULL);
  em_strbuf_free(&sb);
  return -1;
}

static int64_t random_seed(void) {
  int64_t s = 0;
  if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) s = (int64_t)(intptr_t)&s ^ (int64_t)rand();
  return s;
}

static em_lplan *resolve_sample(em_az *az, const em_spec_rel *r, em_lplan *child) {
  const double eps = 1e-6; /* RandomSampler.roundingEpsilon */
  double lb = r->u.sample.lower, ub = r->u.sample.upper, f = ub - lb;
  if (r->u.sample.with_replacement) {
    if (!(f >= -eps)) return fraction_error(az, f, "must be nonnegative with replacement"), NULL;
  } else if (!(f >= -eps && f <= 1.0 + eps)) {
    return fraction_error(az, f, "must be on interval [0, 1] without replacement"), NULL;
  }
  if (r->u.sample.deterministic_order) {
    int nk = 0;
    for (int i = 0; i < child->nout; i++) nk += em_sort_type_supported(child->out[i].type);
    if (nk > 0) {
      em_lplan *s = em_az_pass_through(az, EM_LP_SORT, NULL, child);
      if (!s) return NULL;
      s->u.sort.keys = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)nk);
      s->u.sort.ascending = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)nk);
      s->u.sort.nulls_first = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)nk);
      if (!s->u.sort.keys || !s->u.sort.ascending || !s->u.sort.nulls_first) return oom(az), NULL;
      for (int i = 0; i < child->nout; i++) {
        if (!em_sort_type_supported(child->out[i].type)) continue;
        int k = s->u.sort.nkeys++;
        if (!(s->u.sort.keys[k] = em_az_col(az, child, i))) return NULL;
        s->u.sort.ascending[k] = true;
        s->u.sort.nulls_first[k] = true;
      }
      s->u.sort.global = false;
      child = s;
    }
  }
  em_lplan *n = em_az_pass_through(az, EM_LP_SAMPLE, r, child);
  if (!n) return NULL;
  n->u.sample.lower = lb;
  n->u.sample.upper = ub;
  n->u.sample.replace = r->u.sample.with_replacement;
  n->u.sample.seed = r->u.sample.has_seed ? r->u.sample.seed : random_seed();
  return n;
}

em_lplan *em_az_resolve_schema(em_az *az, const em_spec_rel *r, em_lplan *child) {
  switch (r->kind) {
  case EM_SR_TO_SCHEMA: return resolve_to(az, r, child);
  case EM_SR_WITH_WATERMARK: return resolve_watermark(az, r, child);
  case EM_SR_SAMPLE: return resolve_sample(az, r, child);
  default: em_error_internal(az->err, "not a schema relation"); return NULL;
  }
}
