/*
 * Calls of the session's WebAssembly UDFs. A function name that is not a
 * built-in is looked up in the session's registry (after the built-ins, as
 * Spark's search path `system.builtin` then `system.session`); the call is
 * typed from the function's declared signature (arguments cast to the
 * declared types) or, when the module declares none, passes its arguments
 * with their own types. Spark names the column `name(arg, ...)`. An
 * aggregate's call is an EM_EX_AGG node over the function's em_agg_def
 * (wasm/agg.c), so groupBy().agg() and global aggregates take it as any
 * built-in aggregate.
 */
#include "analyzer_int.h"

#include <stdio.h>
#include <string.h>

const em_wasm_fn *em_az_find_udf(em_az *az, const char *fname) {
  return az->ctx->udfs ? em_udf_lookup(az->ctx->udfs, fname) : NULL;
}

static em_expr *build_call(em_az *az, const em_wasm_fn *f, const em_spec_expr *e, const em_lplan *scope,
                           char **name);

em_expr *em_az_resolve_udf(em_az *az, const em_wasm_fn *f, const em_spec_expr *e, const em_lplan *scope,
                           char **name) {
  /* A table function is a generator: only a select item may call it. */
  if (em_wasm_fn_is_table(f)) {
    em_error_set(az->err, EM_ERR_UNSUPPORTED_GENERATOR_OUTSIDE_SELECT, "plan",
                 em_arena_printf(&az->plan->arena, "'%s'", em_wasm_fn_name(f)), NULL);
    return NULL;
  }
  return build_call(az, f, e, scope, name);
}

em_expr *em_az_resolve_udtf(em_az *az, const em_wasm_fn *f, const em_spec_expr *e, const em_lplan *scope,
                            char **name) {
  em_expr *x = build_call(az, f, e, scope, name);
  if (x) x->u.fn.kernel = em_wasm_table_kernel;
  return x;
}

static em_expr *build_call(em_az *az, const em_wasm_fn *f, const em_spec_expr *e, const em_lplan *scope,
                           char **name) {
  int n = e->u.func.nargs;
  int declared = em_wasm_fn_nargs(f);
  if (declared >= 0 && declared != n) {
    char expected[16], actual[16];
    snprintf(expected, sizeof expected, "%d", declared);
    snprintf(actual, sizeof actual, "%d", n);
    em_error_set(az->err, EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION, "functionName",
                 em_arena_printf(&az->plan->arena, "`%s`", em_wasm_fn_name(f)), "expectedNum", expected, "actualNum",
                 actual, "docroot", "https://spark.apache.org/docs/latest", NULL);
    return NULL;
  }
  em_expr **args = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(n + 1));
  em_wasm_call *call = em_arena_calloc(&az->plan->arena, sizeof *call);
  em_expr *x = em_arena_calloc(&az->plan->arena, sizeof *x);
  if (!args || !call || !x) return em_error_internal(az->err, "out of memory"), NULL;
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "%s(", em_wasm_fn_name(f));
  for (int i = 0; i < n; i++) {
    char *arg_name = NULL, *meta = NULL;
    if (!(args[i] = em_az_resolve_expr(az, e->u.func.args[i], scope, &arg_name, &meta))) {
      em_strbuf_free(&sb);
      return NULL;
    }
    if (i) em_strbuf_puts(&sb, ", ");
    em_strbuf_puts(&sb, arg_name ? arg_name : "?");
    if (declared >= 0) {
      if (!(args[i] = em_az_cast(az, args[i], em_wasm_fn_arg(f, i), az->ctx->ansi))) {
        em_strbuf_free(&sb);
        return NULL;
      }
    } else if (!em_wasm_type_supported(args[i]->type)) {
      em_strbuf t;
      em_strbuf_init(&t);
      em_type_simple_string(args[i]->type, &t);
      char feat[256];
      snprintf(feat, sizeof feat, "an argument of type %s to the WebAssembly function `%s`", t.data ? t.data : "?",
               em_wasm_fn_name(f));
      em_strbuf_free(&t);
      em_strbuf_free(&sb);
      em_error_set(az->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", feat, NULL);
      return NULL;
    }
  }
  em_strbuf_putc(&sb, ')');
  *name = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  if (!*name) return em_error_internal(az->err, "out of memory"), NULL;
  call->fn = f;
  call->limits = az->ctx->wasm;
  /* An aggregate is driven by the hash aggregate like a built-in one. */
  x->kind = em_wasm_fn_is_aggregate(f) ? EM_EX_AGG : EM_EX_CALL;
  x->u.fn.agg = em_wasm_fn_agg(f);
  x->type = em_wasm_fn_ret(f);
  x->nullable = true;
  x->nargs = n;
  x->args = args;
  x->u.fn.name = em_wasm_fn_name(f);
  x->u.fn.kernel = em_wasm_kernel;
  x->u.fn.data = call;
  x->origin_fragment = e->origin_fragment;
  x->origin_call_site = e->origin_call_site;
  return x;
}
