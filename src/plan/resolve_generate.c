/*
 * Generators in a select (Spark's ExtractGenerator): a projection whose
 * items include explode / explode_outer / posexplode(_outer) / inline(_outer)
 * / stack becomes a chain of Generate nodes (one per generator, each
 * outputting its child's columns then the generated ones; several
 * generators give their cross product, as in Spark) under a projection of
 * the select list, where each generator stands for its output columns.
 *
 * Names are Spark's: col, pos, key, value, the struct's field names for
 * inline, col0.. for stack; an alias names a single output, a multi-name
 * alias all of them (UDTF_ALIAS_NUMBER_MISMATCH otherwise). A generator
 * inside another expression is UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS.
 *
 * A session's WebAssembly table function (a name that is no built-in
 * function and denotes a table function in the session's registry) is a
 * generator too: EM_GEN_WASM, its output columns those it declares.
 */
#include "analyzer_int.h"
#include "../expr/func.h"
#include "../expr/nested.h"

#include <stdio.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static const struct {
  const char *name;
  int gen;
  bool outer;
} gens[] = {
    {"explode", EM_GEN_EXPLODE, false},       {"explode_outer", EM_GEN_EXPLODE, true},
    {"posexplode", EM_GEN_POSEXPLODE, false}, {"posexplode_outer", EM_GEN_POSEXPLODE, true},
    {"inline", EM_GEN_INLINE, false},         {"inline_outer", EM_GEN_INLINE, true},
    {"stack", EM_GEN_STACK, false},
};

static int gen_of(em_az *az, const em_spec_expr *e, bool *outer) {
  if (e->kind != EM_SE_FUNC) return -1;
  for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++)
    if (em_strcaseeq(gens[i].name, e->u.func.name)) {
      if (outer) *outer = gens[i].outer;
      return gens[i].gen;
    }
  if (!em_func_lookup(e->u.func.name)) {
    const em_wasm_fn *f = em_az_find_udf(az, e->u.func.name);
    if (f && em_wasm_fn_is_table(f)) {
      if (outer) *outer = false;
      return EM_GEN_WASM;
    }
  }
  return -1;
}

/* A generator anywhere below e (depth > 0 counts only below a non-alias). */
static bool has_nested_gen(em_az *az, const em_spec_expr *e, int depth) {
  if (depth > 200) return false;
  switch (e->kind) {
  case EM_SE_FUNC:
    if (depth > 0 && gen_of(az, e, NULL) >= 0) return true;
    for (int i = 0; i < e->u.func.nargs; i++)
      if (has_nested_gen(az, e->u.func.args[i], depth + 1)) return true;
    return false;
  case EM_SE_ALIAS: return has_nested_gen(az, e->u.alias.child, depth);
  case EM_SE_CAST: return has_nested_gen(az, e->u.cast.child, depth + 1);
  case EM_SE_EXTRACT: return has_nested_gen(az, e->u.extract.child, depth + 1);
  default: return false;
  }
}

/* The top-level generator of a select item (under at most one alias). */
static const em_spec_expr *top_gen(em_az *az, const em_spec_expr *e, const em_spec_expr **alias) {
  *alias = NULL;
  if (e->kind == EM_SE_ALIAS) {
    *alias = e;
    e = e->u.alias.child;
  }
  return gen_of(az, e, NULL) >= 0 ? e : NULL;
}

const em_spec_expr *em_az_item_generator(em_az *az, const em_spec_expr *e, const em_spec_expr **alias) {
  return top_gen(az, e, alias);
}

bool em_az_project_has_generator(em_az *az, const em_spec_expr *const *items, int n) {
  for (int i = 0; i < n; i++) {
    const em_spec_expr *al;
    if (top_gen(az, items[i], &al) || has_nested_gen(az, items[i], 0)) return true;
  }
  return false;
}

static void quoted_type(const em_type *t, em_strbuf *sb) {
  em_strbuf_putc(sb, '"');
  em_type_sql(t, sb);
  em_strbuf_putc(sb, '"');
}

static int input_type_error(em_az *az, const char *fname, const char *isql, const em_type *t, const char *want) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  quoted_type(t, &sb);
  em_error_set(az->err, EM_ERR_DATATYPE_MISMATCH_UNEXPECTED_INPUT_TYPE, "sqlExpr",
               em_arena_printf(&az->plan->arena, "\"%s(%s)\"", fname, isql), "paramIndex", "first", "requiredType",
               want, "inputSql", em_arena_printf(&az->plan->arena, "\"%s\"", isql), "inputType",
               sb.data ? sb.data : "", NULL);
  em_strbuf_free(&sb);
  return -1;
}

typedef struct gout {
  int first, n; /* output columns of the generate node */
} gout;

/* Adds a Generate node for generator call g over cur (inputs resolved
 * against scope, whose columns are a prefix of cur's). */
static em_lplan *add_generate(em_az *az, const em_spec_rel *r, em_lplan *cur, const em_lplan *scope,
                              const em_spec_expr *g, const em_spec_expr *alias, gout *go) {
  bool outer = false;
  int gen = gen_of(az, g, &outer);
  const char *fname = g->u.func.name;
  em_attr outs[64];
  int no = 0;
  em_expr *input = NULL, **args = NULL;
  int nargs = 0, rows = 0;
  memset(outs, 0, sizeof outs);
  if (gen == EM_GEN_WASM) {
    /* The call node (its kernel returns the parent rows and the output
     * columns); the outputs are the declared columns. */
    char *nm = NULL;
    const em_wasm_fn *f = em_az_find_udf(az, fname);
    if (!(input = em_az_resolve_udtf(az, f, g, scope, &nm))) return NULL;
    const em_type *st = em_wasm_fn_ret(f);
    if (st->u.st.nfields > 64) return em_error_internal(az->err, "a table function with too many columns"), NULL;
    for (int i = 0; i < st->u.st.nfields; i++) {
      outs[no].name = st->u.st.fields[i].name;
      outs[no].type = st->u.st.fields[i].type;
      outs[no++].nullable = true;
    }
  } else if (gen == EM_GEN_STACK) {
    int n = g->u.func.nargs;
    if (n < 2) {
      em_error_set(az->err, EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION, "functionName", "`stack`", "expectedNum",
                   "> 1", "actualNum", em_arena_printf(&az->plan->arena, "%d", n), "docroot",
                   "https://spark.apache.org/docs/latest", NULL);
      return NULL;
    }
    const em_spec_expr *ne = g->u.func.args[0];
    if (ne->kind != EM_SE_LITERAL || !em_type_is_integral(ne->u.lit.value->type) || em_vec_is_null(ne->u.lit.value, 0))
      return em_error_internal(az->err, "stack: the number of rows must be an integer literal"), NULL;
    rows = (int)((const int32_t *)em_vec_values(ne->u.lit.value))[0];
    if (rows < 1) rows = 1;
    nargs = n - 1;
    int ncol = (nargs + rows - 1) / rows;
    if (ncol > 64) return em_error_internal(az->err, "stack: too many columns"), NULL;
    args = em_arena_calloc(&az->plan->arena, sizeof *args * (size_t)(nargs + 1));
    if (!args) return oom(az), NULL;
    for (int i = 0; i < nargs; i++) {
      char *nm = NULL, *meta = NULL;
      if (!(args[i] = em_az_resolve_expr(az, g->u.func.args[i + 1], scope, &nm, &meta))) return NULL;
    }
    for (int c = 0; c < ncol; c++) {
      em_type *w = NULL;
      bool nullable = false;
      for (int k = 0; k < rows; k++) {
        int i = k * ncol + c;
        if (i >= nargs) {
          nullable = true;
          continue;
        }
        w = w ? em_coerce_wider(w, args[i]->type, az->ctx->ansi) : args[i]->type;
        if (!w) return em_error_internal(az->err, "stack: incompatible column types"), NULL;
        nullable |= args[i]->nullable;
      }
      for (int k = 0; k < rows; k++) {
        int i = k * ncol + c;
        if (i < nargs && !(args[i] = em_az_cast(az, args[i], w, az->ctx->ansi))) return NULL;
      }
      outs[no].name = em_arena_printf(&az->plan->arena, "col%d", c);
      outs[no].type = w;
      outs[no++].nullable = nullable;
    }
  } else {
    if (g->u.func.nargs != 1) {
      em_error_set(az->err, EM_ERR_WRONG_NUM_ARGS_WITHOUT_SUGGESTION, "functionName",
                   em_arena_printf(&az->plan->arena, "`%s`", fname), "expectedNum", "1", "actualNum",
                   em_arena_printf(&az->plan->arena, "%d", g->u.func.nargs), "docroot",
                   "https://spark.apache.org/docs/latest", NULL);
      return NULL;
    }
    char *isql = NULL, *meta = NULL;
    if (!(input = em_az_resolve_expr(az, g->u.func.args[0], scope, &isql, &meta))) return NULL;
    em_type *t = input->type;
    if (gen == EM_GEN_INLINE) {
      if (t->id != EM_T_ARRAY || t->u.array.elem->id != EM_T_STRUCT) {
        input_type_error(az, fname, isql, t, "\"ARRAY<STRUCT>\"");
        return NULL;
      }
      const em_type *st = t->u.array.elem;
      if (st->u.st.nfields > 64) return em_error_internal(az->err, "inline: too many fields"), NULL;
      for (int i = 0; i < st->u.st.nfields; i++) {
        outs[no].name = st->u.st.fields[i].name;
        outs[no].type = st->u.st.fields[i].type;
        outs[no++].nullable = st->u.st.fields[i].nullable || outer || t->u.array.contains_null;
      }
    } else {
      if (t->id != EM_T_ARRAY && t->id != EM_T_MAP) {
        input_type_error(az, fname, isql, t, "(\"ARRAY\" or \"MAP\")");
        return NULL;
      }
      if (gen == EM_GEN_POSEXPLODE) {
        outs[no].name = "pos";
        outs[no].type = em_type_int();
        outs[no++].nullable = outer;
      }
      if (t->id == EM_T_ARRAY) {
        outs[no].name = "col";
        outs[no].type = t->u.array.elem;
        outs[no++].nullable = t->u.array.contains_null || outer;
      } else {
        outs[no].name = "key";
        outs[no].type = t->u.map.key;
        outs[no++].nullable = outer;
        outs[no].name = "value";
        outs[no].type = t->u.map.value;
        outs[no++].nullable = t->u.map.value_contains_null || outer;
      }
    }
  }
  if (alias) {
    int na = alias->u.alias.nnames;
    if (na != no) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      for (int i = 0; i < na; i++) em_strbuf_printf(&sb, "%s%s", i ? ", " : "", alias->u.alias.names[i]);
      em_error_set(az->err, EM_ERR_UDTF_ALIAS_NUMBER_MISMATCH, "aliasesSize",
                   em_arena_printf(&az->plan->arena, "%d", no), "aliasesNames", sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      return NULL;
    }
    for (int i = 0; i < no; i++) outs[i].name = alias->u.alias.names[i];
  }
  em_lplan *n = em_az_new_node(az, EM_LP_GENERATE, NULL, cur->nout + no);
  if (!n) return oom(az), NULL;
  n->child = cur;
  memcpy(n->out, cur->out, sizeof(em_attr) * (size_t)cur->nout);
  for (int i = 0; i < no; i++) {
    outs[i].id = em_az_next_id(az);
    n->out[cur->nout + i] = outs[i];
  }
  n->u.generate.gen = gen;
  n->u.generate.outer = outer;
  n->u.generate.input = input;
  n->u.generate.args = args;
  n->u.generate.nargs = nargs;
  n->u.generate.stack_rows = rows;
  go->first = cur->nout;
  go->n = no;
  (void)r;
  return n;
}

em_lplan *em_az_resolve_generate(em_az *az, const em_spec_rel *r, em_spec_expr *const *items, int nitems,
                                 em_lplan *child) {
  /* A generator inside an expression: Spark names the expression. */
  for (int i = 0; i < nitems; i++)
    if (has_nested_gen(az, items[i], 0)) {
      const em_spec_expr *e = items[i]->kind == EM_SE_ALIAS ? items[i]->u.alias.child : items[i];
      char *name = NULL, *meta = NULL;
      if (!em_az_resolve_expr(az, e, child, &name, &meta)) return NULL;
      em_error_set(az->err, EM_ERR_UNSUPPORTED_GENERATOR_NESTED_IN_EXPRESSIONS, "expression",
                   em_arena_printf(&az->plan->arena, "\"%s\"", name), NULL);
      return NULL;
    }
  gout *go = em_arena_calloc(&az->plan->arena, sizeof *go * (size_t)(nitems + 1));
  if (!go) return oom(az), NULL;
  em_lplan *cur = child;
  int total = 0;
  for (int i = 0; i < nitems; i++) {
    const em_spec_expr *al, *g = top_gen(az, items[i], &al);
    if (!g) {
      total += items[i]->kind == EM_SE_STAR ? child->nout : 1;
      continue;
    }
    if (!(cur = add_generate(az, r, cur, child, g, al, &go[i]))) return NULL;
    total += go[i].n;
  }
  em_lplan *p = em_az_new_node(az, EM_LP_PROJECT, r, total);
  if (!p) return oom(az), NULL;
  p->child = cur;
  p->u.project.exprs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(total + 1));
  if (!p->u.project.exprs) return oom(az), NULL;
  int k = 0;
  for (int i = 0; i < nitems; i++) {
    const em_spec_expr *se = items[i], *al;
    if (top_gen(az, se, &al)) {
      for (int j = 0; j < go[i].n; j++) {
        em_expr *x = em_az_col(az, cur, go[i].first + j);
        if (!x) return NULL;
        p->u.project.exprs[k] = x;
        p->out[k++] = cur->out[go[i].first + j];
      }
      continue;
    }
    if (se->kind == EM_SE_STAR) {
      for (int c = 0; c < child->nout; c++) {
        if (child->out[c].hidden) continue;
        em_expr *x = em_az_col(az, cur, c);
        if (!x) return NULL;
        p->u.project.exprs[k] = x;
        p->out[k++] = child->out[c];
      }
      continue;
    }
    char *name = NULL, *meta = NULL;
    em_expr *x = em_az_resolve_expr(az, se, child, &name, &meta);
    if (!x) return NULL;
    p->u.project.exprs[k] = x;
    em_attr *a = &p->out[k++];
    a->name = name;
    a->type = x->type;
    a->nullable = x->nullable;
    a->metadata = meta;
    if (!a->metadata && em_az_auto_alias(se)) a->metadata = "{\"__autoGeneratedAlias\":\"true\"}";
    if (x->kind == EM_EX_COLUMN && se->kind == EM_SE_ATTR) {
      const em_attr *src = &child->out[x->u.column];
      a->id = src->id;
      a->qualifier = src->qualifier;
      if (!a->metadata) a->metadata = src->metadata;
    } else {
      a->id = em_az_next_id(az);
    }
  }
  p->nout = k;
  return p;
}

int em_az_refuse_generator(em_az *az, const em_expr *e, const char *plan) {
  if (!em_expr_has_generator(e)) return 0;
  /* Spark prints the operator ("'Filter (explode(a#12) > 1)"); Ember's
   * text has no expression ids. */
  em_error_set(az->err, EM_ERR_UNSUPPORTED_GENERATOR_OUTSIDE_SELECT, "plan", plan ? plan : "", NULL);
  em_error_no_context(az->err); /* as Spark */
  return -1;
}
