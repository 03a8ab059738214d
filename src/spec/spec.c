/*
 * Allocation of spec nodes in the query arena, and release of the counted
 * references they hold.
 */
#include "spec.h"

#include <string.h>

void em_spec_init(em_spec *s) {
  memset(s, 0, sizeof *s);
  em_arena_init(&s->arena, 4096);
}

void em_spec_release(em_spec *s) {
  for (int i = 0; i < s->nvecs; i++) em_vec_unref(s->vecs[i]);
  for (int i = 0; i < s->nbatches; i++) em_batch_unref(s->batches[i]);
  for (int i = 0; i < s->ntypes; i++) em_type_unref(s->types[i]);
  em_free(s->vecs);
  em_free(s->batches);
  em_free(s->types);
  em_arena_destroy(&s->arena);
  memset(s, 0, sizeof *s);
}

em_spec_rel *em_spec_rel_new(em_spec *s, em_spec_rel_kind kind) {
  em_spec_rel *r = em_arena_calloc(&s->arena, sizeof *r);
  if (!r) return NULL;
  r->kind = kind;
  r->plan_id = -1;
  return r;
}

em_spec_expr *em_spec_expr_new(em_spec *s, em_spec_expr_kind kind) {
  em_spec_expr *e = em_arena_calloc(&s->arena, sizeof *e);
  if (!e) return NULL;
  e->kind = kind;
  if (kind == EM_SE_ATTR) e->u.attr.plan_id = -1;
  if (kind == EM_SE_STAR) e->u.star.plan_id = -1;
  if (kind == EM_SE_REGEX) e->u.regex.plan_id = -1;
  return e;
}

void *em_spec_array(em_spec *s, size_t n, size_t elem_size) {
  return em_arena_calloc(&s->arena, (n ? n : 1) * elem_size);
}

char *em_spec_strdup(em_spec *s, const char *str) { return em_arena_strdup(&s->arena, str); }

char *em_spec_strndup(em_spec *s, const char *str, size_t n) { return em_arena_strndup(&s->arena, str, n); }

/* Appends p to a growable array of pointers. */
static int push(void ***arr, int *n, int *cap, void *p) {
  if (*n == *cap) {
    int ncap = *cap ? *cap * 2 : 8;
    void **na = em_realloc(*arr, (size_t)ncap * sizeof *na);
    if (!na) return -1;
    *arr = na;
    *cap = ncap;
  }
  (*arr)[(*n)++] = p;
  return 0;
}

int em_spec_own_vec(em_spec *s, em_vec *v) { return push((void ***)&s->vecs, &s->nvecs, &s->capvecs, v); }

int em_spec_own_batch(em_spec *s, em_batch *b) {
  return push((void ***)&s->batches, &s->nbatches, &s->capbatches, b);
}

int em_spec_own_type(em_spec *s, em_type *t) { return push((void ***)&s->types, &s->ntypes, &s->captypes, t); }

const char *em_spec_rel_kind_name(em_spec_rel_kind k) {
  switch (k) {
  case EM_SR_RANGE: return "range";
  case EM_SR_LOCAL: return "local_relation";
  case EM_SR_PROJECT: return "project";
  case EM_SR_FILTER: return "filter";
  case EM_SR_LIMIT: return "limit";
  case EM_SR_OFFSET: return "offset";
  case EM_SR_TAIL: return "tail";
  case EM_SR_TO_DF: return "to_df";
  case EM_SR_SHOW_STRING: return "show_string";
  case EM_SR_AGGREGATE: return "aggregate";
  case EM_SR_SORT: return "sort";
  case EM_SR_WITH_COLUMNS: return "with_columns";
  case EM_SR_WITH_COLUMNS_RENAMED: return "with_columns_renamed";
  case EM_SR_DROP: return "drop";
  case EM_SR_SUBQUERY_ALIAS: return "subquery_alias";
  case EM_SR_DEDUPLICATE: return "deduplicate";
  case EM_SR_SQL: return "sql";
  case EM_SR_HTML_STRING: return "html_string";
  case EM_SR_JOIN: return "join";
  case EM_SR_REPARTITION: return "repartition";
  case EM_SR_REPARTITION_BY_EXPR: return "repartition_by_expression";
  case EM_SR_HINT: return "hint";
  case EM_SR_SET_OP: return "set_op";
  case EM_SR_SAMPLE: return "sample";
  case EM_SR_TO_SCHEMA: return "to_schema";
  case EM_SR_WITH_WATERMARK: return "with_watermark";
  case EM_SR_FILL_NA: return "fill_na";
  case EM_SR_DROP_NA: return "drop_na";
  case EM_SR_REPLACE: return "replace";
  case EM_SR_READ: return "read";
  case EM_SR_UNPIVOT: return "unpivot";
  case EM_SR_COLLECT_METRICS: return "collect_metrics";
  case EM_SR_STAT_SUMMARY: return "summary";
  case EM_SR_STAT_DESCRIBE: return "describe";
  case EM_SR_STAT_CROSSTAB: return "crosstab";
  case EM_SR_STAT_COV: return "cov";
  case EM_SR_STAT_CORR: return "corr";
  case EM_SR_STAT_APPROX_QUANTILE: return "approx_quantile";
  case EM_SR_STAT_FREQ_ITEMS: return "freq_items";
  case EM_SR_STAT_SAMPLE_BY: return "sample_by";
  case EM_SR_NAMED_TABLE: return "read";
  case EM_SR_CACHED_REMOTE: return "cached_remote_relation";
  }
  return "unknown";
}

int em_spec_rel_kind_field(em_spec_rel_kind k) {
  switch (k) {
  case EM_SR_RANGE: return 15;
  case EM_SR_LOCAL: return 11;
  case EM_SR_PROJECT: return 3;
  case EM_SR_FILTER: return 4;
  case EM_SR_LIMIT: return 8;
  case EM_SR_OFFSET: return 13;
  case EM_SR_TAIL: return 22;
  case EM_SR_TO_DF: return 18;
  case EM_SR_SHOW_STRING: return 20;
  case EM_SR_AGGREGATE: return 9;
  case EM_SR_SORT: return 7;
  case EM_SR_WITH_COLUMNS: return 23;
  case EM_SR_WITH_COLUMNS_RENAMED: return 19;
  case EM_SR_DROP: return 21;
  case EM_SR_SUBQUERY_ALIAS: return 16;
  case EM_SR_DEDUPLICATE: return 14;
  case EM_SR_SQL: return 10;
  case EM_SR_HTML_STRING: return 35;
  case EM_SR_JOIN: return 5;
  case EM_SR_REPARTITION: return 17;
  case EM_SR_REPARTITION_BY_EXPR: return 27;
  case EM_SR_HINT: return 24;
  case EM_SR_SET_OP: return 6;
  case EM_SR_SAMPLE: return 12;
  case EM_SR_TO_SCHEMA: return 26;
  case EM_SR_WITH_WATERMARK: return 33;
  case EM_SR_FILL_NA: return 90;
  case EM_SR_DROP_NA: return 91;
  case EM_SR_REPLACE: return 92;
  case EM_SR_READ: return 1;
  case EM_SR_UNPIVOT: return 25;
  case EM_SR_COLLECT_METRICS: return 29;
  case EM_SR_STAT_SUMMARY: return 100;
  case EM_SR_STAT_CROSSTAB: return 101;
  case EM_SR_STAT_DESCRIBE: return 102;
  case EM_SR_STAT_COV: return 103;
  case EM_SR_STAT_CORR: return 104;
  case EM_SR_STAT_APPROX_QUANTILE: return 105;
  case EM_SR_STAT_FREQ_ITEMS: return 106;
  case EM_SR_STAT_SAMPLE_BY: return 107;
  case EM_SR_NAMED_TABLE: return 2;
  case EM_SR_CACHED_REMOTE: return 37;
  }
  return 0;
}

const char *em_spec_expr_kind_name(em_spec_expr_kind k) {
  switch (k) {
  case EM_SE_LITERAL: return "literal";
  case EM_SE_ATTR: return "unresolved_attribute";
  case EM_SE_FUNC: return "unresolved_function";
  case EM_SE_STAR: return "unresolved_star";
  case EM_SE_ALIAS: return "alias";
  case EM_SE_CAST: return "cast";
  case EM_SE_SORT_ORDER: return "sort_order";
  case EM_SE_EXPR_STRING: return "expression_string";
  case EM_SE_REGEX: return "unresolved_regex";
  case EM_SE_EXTRACT: return "unresolved_extract_value";
  case EM_SE_LAMBDA: return "lambda_function";
  case EM_SE_LAMBDA_VAR: return "unresolved_named_lambda_variable";
  case EM_SE_UPDATE_FIELDS: return "update_fields";
  case EM_SE_WINDOW: return "window";
  case EM_SE_SUBQUERY: return "subquery_expression";
  case EM_SE_ORDINAL: return "ordinal";
  }
  return "unknown";
}

int em_spec_expr_kind_field(em_spec_expr_kind k) {
  switch (k) {
  case EM_SE_LITERAL: return 1;
  case EM_SE_ATTR: return 2;
  case EM_SE_FUNC: return 3;
  case EM_SE_EXPR_STRING: return 4;
  case EM_SE_STAR: return 5;
  case EM_SE_ALIAS: return 6;
  case EM_SE_CAST: return 7;
  case EM_SE_REGEX: return 8;
  case EM_SE_SORT_ORDER: return 9;
  case EM_SE_LAMBDA: return 10;
  case EM_SE_WINDOW: return 11;
  case EM_SE_EXTRACT: return 12;
  case EM_SE_UPDATE_FIELDS: return 13;
  case EM_SE_LAMBDA_VAR: return 14;
  case EM_SE_SUBQUERY: return 21;
  case EM_SE_ORDINAL: return 0;
  }
  return 0;
}

int em_spec_parse_name(em_spec *s, const char *name, char ***parts_out, int *nparts_out, em_error *err) {
  size_t len = strlen(name);
  /* At most len + 1 parts. */
  char **parts = em_spec_array(s, len + 1, sizeof *parts);
  char *buf = em_arena_alloc(&s->arena, len + 1);
  if (!parts || !buf) return em_error_internal(err, "out of memory parsing a name");
  int n = 0;
  size_t bi = 0, start = 0;
  bool in_quote = false;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    if (in_quote) {
      if (c == '`') {
        if (i + 1 < len && name[i + 1] == '`') {
          buf[bi++] = '`';
          i++;
        } else {
          in_quote = false;
          /* A closing quote must end the part. */
          if (i + 1 < len && name[i + 1] != '.') goto bad;
        }
      } else {
        buf[bi++] = c;
      }
    } else if (c == '`') {
      if (bi != start) goto bad;
      in_quote = true;
    } else if (c == '.') {
      if (bi == start && (i == 0 || name[i - 1] != '`')) goto bad;
      buf[bi++] = '\0';
      parts[n++] = buf + start;
      start = bi;
    } else {
      buf[bi++] = c;
    }
  }
  if (in_quote) goto bad;
  if (len > 0 && name[len - 1] == '.') goto bad;
  buf[bi] = '\0';
  parts[n++] = buf + start;
  *parts_out = parts;
  *nparts_out = n;
  return 0;
bad:
  return em_error_set(err, EM_ERR_INVALID_ATTRIBUTE_NAME_SYNTAX, "name", name, NULL);
}

void em_spec_describe(const em_spec_rel *rel, em_strbuf *sb) {
  static const char *names[] = {"Range", "LocalRelation", "Project", "Filter", "GlobalLimit", "Offset", "Tail",
                                "Project", "ShowString", "Aggregate", "Sort", "Project", "Project", "Project",
                                "SubqueryAlias", "Deduplicate", "SQL", "HtmlString", "Join", "Repartition",
                                "RepartitionByExpression", "UnresolvedHint", "Union", "Sample", "Project",
                                "EventTimeWatermark", "Project", "Filter", "Project", "UnresolvedRelation"};
  int depth = 0;
  for (const em_spec_rel *r = rel; r; r = r->input, depth++) {
    if (depth) {
      em_strbuf_repeat(sb, ' ', (size_t)(depth - 1) * 3);
      em_strbuf_puts(sb, "+- ");
    }
    const char *n = (size_t)r->kind < EM_ARRAY_LEN(names) ? names[r->kind] : "?";
    if (r->kind == EM_SR_RANGE)
      em_strbuf_printf(sb, "Range (%lld, %lld, step=%lld)", (long long)r->u.range.start, (long long)r->u.range.end,
                       (long long)r->u.range.step);
    else
      em_strbuf_printf(sb, "'%s", n);
    if (r->input) em_strbuf_putc(sb, '\n');
  }
}
