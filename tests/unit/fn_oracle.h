/*
 * The oracle-case runner shared by the function tests (test_functions.c,
 * test_strings.c). Include it after a generated *_expected.inc, which
 * defines struct fn_table / fn_tables and struct fn_case; see
 * tests/oracle/functions/gen_functions_expected.py for the format and the
 * expression syntax.
 *
 * Each case goes through the real path: a spec tree (LocalRelation +
 * Project of an unresolved function call, as the connect layer builds it)
 * is analysed, which looks the function up in the registry and runs its
 * resolver; the resolved expression is evaluated over the table's batch.
 * We compare the generated column name, the result type and nullability,
 * and either every value (as Spark casts it to STRING) or the error class
 * and message parameters.
 */
#ifndef EM_TEST_FN_ORACLE_H
#define EM_TEST_FN_ORACLE_H

#include <ctype.h>
#include <stdlib.h>

/* ---- tables ---- */

static const struct fn_table *find_table(const char *name) {
  for (size_t i = 0; i < EM_ARRAY_LEN(fn_tables); i++)
    if (strcmp(fn_tables[i].name, name) == 0) return &fn_tables[i];
  return NULL;
}

/* Builds the table as string columns cast (ANSI) to the schema's types. */
static em_batch *build_table(const struct fn_table *t) {
  em_error err;
  em_type *schema = em_type_parse_ddl(t->ddl, &err);
  CHECK(schema && schema->id == EM_T_STRUCT);
  int nc = schema->u.st.nfields;
  em_vec **cols = calloc((size_t)nc, sizeof *cols);
  em_eval_ctx ctx = {.timezone = "UTC", .ansi = true};
  for (int c = 0; c < nc; c++) {
    em_vec *s = em_vec_new(em_type_string(), t->nrows);
    for (int r = 0; r < t->nrows; r++) {
      const char *v = t->rows[r][c];
      CHECK(v ? em_vec_append_bytes(s, v, strlen(v)) == 0 : em_vec_append_null(s) == 0);
    }
    if (em_cast_vec(s, schema->u.st.fields[c].type, true, &ctx, &cols[c], &err)) {
      fprintf(stderr, "building column %d of %s: %s\n", c, t->name, err.msg);
      CHECK(0);
    }
    em_vec_unref(s);
  }
  em_batch *b = em_batch_new(schema, nc, cols, t->nrows);
  free(cols);
  CHECK(b);
  return b;
}

/* ---- the expression syntax of the generator ---- */

typedef struct parser {
  const char *p;
  em_spec *spec;
} parser;

static void skip_ws(parser *ps) {
  while (*ps->p == ' ') ps->p++;
}

static em_vec *lit_vec(em_type *t) {
  em_vec *v = em_vec_new(t, 1);
  CHECK(v);
  return v;
}

static em_spec_expr *literal(parser *ps, const char *tok, size_t n) {
  char buf[128];
  CHECK(n < sizeof buf);
  memcpy(buf, tok, n);
  buf[n] = '\0';
  em_vec *v = NULL;
  if (strcmp(buf, "null") == 0) {
    v = em_vec_new_nulls(em_type_null(), 1);
  } else if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0) {
    v = lit_vec(em_type_boolean());
    CHECK(em_vec_append_bool(v, buf[0] == 't') == 0);
  } else if (buf[0] == '\'') {
    v = lit_vec(em_type_string());
    CHECK(em_vec_append_bytes(v, buf + 1, n - 2) == 0);
  } else if (n > 2 && strcmp(buf + n - 2, "BD") == 0) {
    buf[n - 2] = '\0';
    const char *digits = buf[0] == '-' ? buf + 1 : buf;
    const char *dot = strchr(digits, '.');
    int scale = dot ? (int)strlen(dot + 1) : 0;
    int prec = 0;
    bool lead = true;
    for (const char *d = digits; *d; d++) {
      if (*d == '.') continue;
      if (lead && *d == '0') continue;
      lead = false;
      prec++;
    }
    if (prec < scale) prec = scale;
    if (prec < 1) prec = 1;
    __int128 x = 0;
    for (const char *d = digits; *d; d++)
      if (*d != '.') x = x * 10 + (*d - '0');
    if (buf[0] == '-') x = -x;
    v = lit_vec(em_decimal_type(prec, scale));
    CHECK(em_vec_append_fixed(v, &x) == 0);
  } else if (buf[n - 1] == 'L') {
    int64_t x = strtoll(buf, NULL, 10);
    v = lit_vec(em_type_long());
    CHECK(em_vec_append_fixed(v, &x) == 0);
  } else if (buf[n - 1] == 'Y') {
    int8_t x = (int8_t)strtol(buf, NULL, 10);
    v = lit_vec(em_type_byte());
    CHECK(em_vec_append_fixed(v, &x) == 0);
  } else if (buf[n - 1] == 'S') {
    int16_t x = (int16_t)strtol(buf, NULL, 10);
    v = lit_vec(em_type_short());
    CHECK(em_vec_append_fixed(v, &x) == 0);
  } else if (buf[n - 1] == 'F') {
    float x = strtof(buf, NULL);
    v = lit_vec(em_type_float());
    CHECK(em_vec_append_fixed(v, &x) == 0);
  } else if (isdigit((unsigned char)buf[0]) || (buf[0] == '-' && isdigit((unsigned char)buf[1]))) {
    if (strpbrk(buf, ".e")) {
      double x = strtod(buf, NULL);
      v = lit_vec(em_type_double());
      CHECK(em_vec_append_fixed(v, &x) == 0);
    } else {
      long long x = strtoll(buf, NULL, 10);
      if (x >= INT32_MIN && x <= INT32_MAX) {
        int32_t y = (int32_t)x;
        v = lit_vec(em_type_int());
        CHECK(em_vec_append_fixed(v, &y) == 0);
      } else {
        int64_t y = x;
        v = lit_vec(em_type_long());
        CHECK(em_vec_append_fixed(v, &y) == 0);
      }
    }
  } else {
    return NULL; /* a column name */
  }
  CHECK(v && em_spec_own_vec(ps->spec, v) == 0);
  em_spec_expr *e = em_spec_expr_new(ps->spec, EM_SE_LITERAL);
  e->u.lit.value = v;
  return e;
}

static em_spec_expr *parse_node(parser *ps) {
  skip_ws(ps);
  if (*ps->p == '(') {
    ps->p++;
    skip_ws(ps);
    const char *name = ps->p;
    while (*ps->p && *ps->p != ' ' && *ps->p != ')') ps->p++;
    em_spec_expr *e = em_spec_expr_new(ps->spec, EM_SE_FUNC);
    e->u.func.name = em_spec_strndup(ps->spec, name, (size_t)(ps->p - name));
    em_spec_expr *args[16];
    int n = 0;
    for (;;) {
      skip_ws(ps);
      if (*ps->p == ')') {
        ps->p++;
        break;
      }
      CHECK(n < 16);
      args[n++] = parse_node(ps);
    }
    e->u.func.args = em_spec_array(ps->spec, (size_t)(n ? n : 1), sizeof(em_spec_expr *));
    memcpy(e->u.func.args, args, sizeof(em_spec_expr *) * (size_t)n);
    e->u.func.nargs = n;
    return e;
  }
  const char *tok = ps->p;
  if (*ps->p == '\'') {
    ps->p++;
    while (*ps->p && *ps->p != '\'') ps->p++;
    ps->p++;
  } else {
    while (*ps->p && *ps->p != ' ' && *ps->p != ')') ps->p++;
  }
  size_t n = (size_t)(ps->p - tok);
  em_spec_expr *lit = literal(ps, tok, n);
  if (lit) return lit;
  em_spec_expr *e = em_spec_expr_new(ps->spec, EM_SE_ATTR);
  e->u.attr.parts = em_spec_array(ps->spec, 1, sizeof(char *));
  e->u.attr.parts[0] = em_spec_strndup(ps->spec, tok, n);
  e->u.attr.nparts = 1;
  e->u.attr.plan_id = -1;
  return e;
}

/* ---- running one case ---- */

static int check_error(const struct fn_case *c, const em_error *err, char *why, size_t cap) {
  if (!c->error) {
    snprintf(why, cap, "unexpected error %s", err->msg);
    return 1;
  }
  if (strcmp(em_errclass_name(err->cls), c->error) != 0) {
    snprintf(why, cap, "error class %s, want %s (%s)", em_errclass_name(err->cls), c->error, err->msg);
    return 1;
  }
  int want = 0;
  for (; want < 8 && c->params[want][0]; want++) {
    bool found = false;
    for (int k = 0; k < err->nparams; k++)
      if (strcmp(err->keys[k], c->params[want][0]) == 0) {
        found = true;
        if (strcmp(err->vals[k], c->params[want][1]) != 0) {
          snprintf(why, cap, "param %s = [%s], want [%s]", err->keys[k], err->vals[k], c->params[want][1]);
          return 1;
        }
      }
    if (!found) {
      snprintf(why, cap, "param %s missing", c->params[want][0]);
      return 1;
    }
  }
  if (want != err->nparams) {
    snprintf(why, cap, "%d params, want %d", err->nparams, want);
    return 1;
  }
  return 0;
}

/* 0 = pass, 1 = fail (why filled). */
static int run_case(const struct fn_case *c, char *why, size_t cap) {
  const struct fn_table *t = find_table(c->table);
  CHECK(t);
  em_batch *batch = build_table(t);
  em_spec spec;
  em_spec_init(&spec);
  parser ps = {c->expr, &spec};
  em_spec_expr *ex = parse_node(&ps);
  em_spec_rel *local = em_spec_rel_new(&spec, EM_SR_LOCAL);
  local->u.local.schema = em_type_ref(batch->schema);
  CHECK(em_spec_own_type(&spec, local->u.local.schema) == 0);
  local->u.local.batches = em_spec_array(&spec, 1, sizeof(em_batch *));
  local->u.local.batches[0] = em_batch_ref(batch);
  CHECK(em_spec_own_batch(&spec, local->u.local.batches[0]) == 0);
  local->u.local.nbatches = 1;
  em_spec_rel *proj = em_spec_rel_new(&spec, EM_SR_PROJECT);
  proj->input = local;
  proj->u.project.exprs = em_spec_array(&spec, 1, sizeof(em_spec_expr *));
  proj->u.project.exprs[0] = ex;
  proj->u.project.nexprs = 1;

  _Atomic int64_t ids = 1;
  em_analyze_ctx actx = {.case_sensitive = false, .ansi = c->ansi != 0, .default_parallelism = 1,
                         .next_expr_id = &ids, .timezone = "UTC"};
  em_plan *plan = NULL;
  em_error err;
  em_error_clear(&err);
  int rc = 0;
  if (em_analyze(proj, &actx, &plan, &err)) {
    if (c->name) {
      snprintf(why, cap, "analysis failed: %s", err.msg);
      rc = 1;
    } else {
      rc = check_error(c, &err, why, cap);
    }
    goto done;
  }
  const em_attr *a = &plan->root->out[0];
  em_strbuf ts;
  em_strbuf_init(&ts);
  em_type_simple_string(a->type, &ts);
  if (!c->name) {
    snprintf(why, cap, "analysis succeeded (%s), want error %s", a->name, c->error);
    rc = 1;
  } else if (strcmp(a->name, c->name) != 0) {
    snprintf(why, cap, "name [%s], want [%s]", a->name, c->name);
    rc = 1;
  } else if (strcmp(ts.data, c->type) != 0) {
    snprintf(why, cap, "type %s, want %s", ts.data, c->type);
    rc = 1;
  } else if (a->nullable != (c->nullable != 0)) {
    snprintf(why, cap, "nullable %d, want %d", a->nullable, c->nullable);
    rc = 1;
  }
  em_strbuf_free(&ts);
  if (rc) goto done;
  em_eval_ctx ectx = {.timezone = "UTC", .ansi = c->ansi != 0};
  em_vec *out = NULL;
  if (em_expr_eval(plan->root->u.project.exprs[0], batch, &ectx, &out, &err)) {
    rc = check_error(c, &err, why, cap);
    goto done;
  }
  CHECK(out->len == batch->nrows);
  if (c->error) {
    snprintf(why, cap, "evaluation succeeded, want error %s", c->error);
    rc = 1;
  } else {
    em_vec *s = NULL;
    if (em_cast_vec(out, em_type_string(), c->ansi != 0, &ectx, &s, &err)) {
      snprintf(why, cap, "cast of the result to string failed: %s", err.msg);
      rc = 1;
    } else {
      CHECK(c->nrows == s->len);
      for (int64_t i = 0; i < s->len && !rc; i++) {
        const char *want = c->values[i];
        if (em_vec_is_null(s, i)) {
          if (want) snprintf(why, cap, "row %lld NULL, want %s", (long long)i, want), rc = 1;
          continue;
        }
        int32_t n;
        const char *got = em_vec_str(s, i, &n);
        if (!want || strlen(want) != (size_t)n || memcmp(got, want, (size_t)n) != 0)
          snprintf(why, cap, "row %lld [%.*s], want [%s]", (long long)i, (int)n, got, want ? want : "NULL"), rc = 1;
      }
      /* The null count must agree with the bitmap. */
      int64_t nulls = 0;
      for (int64_t i = 0; i < out->len; i++) nulls += em_vec_is_null(out, i);
      if (out->type->id != EM_T_NULL && nulls != out->null_count) {
        snprintf(why, cap, "null_count %lld, bitmap says %lld", (long long)out->null_count, (long long)nulls);
        rc = 1;
      }
      em_vec_unref(s);
    }
  }
  em_vec_unref(out);
done:
  if (plan) em_plan_free(plan);
  em_spec_release(&spec);
  em_batch_unref(batch);
  return rc;
}

/* Runs every case; prints each failure and a summary; returns the number
 * of failures. Cases `gap` names a reason for are skipped and counted. */
static int fn_oracle_run(const struct fn_case *cases, size_t ncases, const char *(*gap_of)(const struct fn_case *)) {
  int pass = 0, fail = 0, gaps = 0;
  for (size_t i = 0; i < ncases; i++) {
    const struct fn_case *c = &cases[i];
    char why[8192] = "";
    int rc = run_case(c, why, sizeof why);
    const char *gap = gap_of ? gap_of(c) : NULL;
    if (gap) {
      gaps++;
      continue;
    }
    if (rc) {
      fail++;
      fprintf(stderr, "FAIL %s %s ansi=%d: %s\n", c->table, c->expr, c->ansi, why);
    } else {
      pass++;
    }
  }
  printf("oracle cases: %d passed, %d failed, %d known gaps\n", pass, fail, gaps);
  return fail;
}

#endif
