/*
 * Set operations: union (by position), unionByName (with or without
 * allowMissingColumns), intersect and except, DISTINCT or ALL.
 *
 * Spark's rules (ResolveUnion, WidenSetOperationTypes, CheckAnalysis):
 *  - unionByName reorders the right side to the left side's names (the
 *    session's case sensitivity); a left column missing on the right is an
 *    error (UNRESOLVED_COLUMN_AMONG_FIELD_NAMES) unless missing columns are
 *    allowed, when it becomes a NULL of the left column's type; right
 *    columns the left lacks are appended (and, when allowed, added to the
 *    left side as NULLs). The column count check then applies as usual.
 *  - Both sides need the same number of columns (NUM_COLUMNS_MISMATCH);
 *    each column pair is widened to findWiderCommonType of its types and a
 *    side whose type differs gets a cast (keeping the name); pairs that do
 *    not widen fail with INCOMPATIBLE_COLUMN_TYPE.
 *  - INTERSECT and EXCEPT refuse MAP (and VARIANT) columns.
 *  - Output: the left side's names; a union column is nullable when either
 *    side is (nested nullability merged), an intersect column when both
 *    are, an except column as on the left.
 * A union without ALL (only reachable through the raw protocol) is a union
 * followed by DISTINCT.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <stdio.h>
#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static const char *ordinal(int i) {
  static const char *names[] = {"first", "second", "third", "fourth", "fifth",
                                "sixth", "seventh", "eighth", "ninth", "tenth"};
  return i >= 0 && i < 10 ? names[i] : "nth";
}

static const char *op_name(const em_spec_rel *r) {
  switch (r->u.set_op.op) {
  case EM_SET_INTERSECT: return r->u.set_op.all ? "INTERSECT ALL" : "INTERSECT";
  case EM_SET_EXCEPT: return r->u.set_op.all ? "EXCEPT ALL" : "EXCEPT";
  default: return "UNION";
  }
}

static bool has_type(const em_type *t, em_type_id id) {
  if (t->id == id) return true;
  switch (t->id) {
  case EM_T_ARRAY: return has_type(t->u.array.elem, id);
  case EM_T_MAP: return has_type(t->u.map.key, id) || has_type(t->u.map.value, id);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (has_type(t->u.st.fields[i].type, id)) return true;
    return false;
  default: return false;
  }
}

/* a and b equal but for nullability: the type with either side's
 * nullability (StructType.unionLikeMerge). A new reference, or a ref of a. */
static em_type *merge_nullability(const em_type *a, const em_type *b) {
  if (em_type_equal(a, b, false)) return em_type_ref((em_type *)a);
  switch (a->id) {
  case EM_T_ARRAY: {
    em_type *e = merge_nullability(a->u.array.elem, b->u.array.elem);
    return e ? em_type_array(e, a->u.array.contains_null || b->u.array.contains_null) : NULL;
  }
  case EM_T_MAP: {
    em_type *k = merge_nullability(a->u.map.key, b->u.map.key);
    em_type *v = k ? merge_nullability(a->u.map.value, b->u.map.value) : NULL;
    if (!v) {
      if (k) em_type_unref(k);
      return NULL;
    }
    return em_type_map(k, v, a->u.map.value_contains_null || b->u.map.value_contains_null);
  }
  case EM_T_STRUCT: {
    em_type *st = em_type_struct_new(a->u.st.nfields);
    if (!st) return NULL;
    for (int i = 0; i < a->u.st.nfields; i++) {
      const em_field *fa = &a->u.st.fields[i], *fb = &b->u.st.fields[i];
      em_type *ft = merge_nullability(fa->type, fb->type);
      if (!ft || em_type_struct_set(st, i, fa->name, ft, fa->nullable || fb->nullable, fa->metadata)) {
        em_type_unref(st);
        return NULL;
      }
    }
    return st;
  }
  default:
    return em_type_ref((em_type *)a);
  }
}

/* findWiderCommonType of two types, nested ones included (arrays, maps,
 * and structs with the same field names, field by field). NULL when there
 * is none. Nested results are new types the plan keeps. */
static em_type *wider(em_az *az, const em_type *a, const em_type *b) {
  if (!em_type_is_nested(a) || !em_type_is_nested(b) || a->id != b->id) {
    if (em_type_is_nested(a) || em_type_is_nested(b)) {
      if (a->id == EM_T_NULL) return (em_type *)b;
      if (b->id == EM_T_NULL) return (em_type *)a;
      return NULL;
    }
    em_type *pair[2] = {(em_type *)a, (em_type *)b};
    return em_coerce_wider_list(pair, 2, az->ctx->ansi);
  }
  em_type *t = NULL;
  switch (a->id) {
  case EM_T_ARRAY: {
    em_type *e = wider(az, a->u.array.elem, b->u.array.elem);
    if (!e) return NULL;
    t = em_type_array(em_type_ref(e), a->u.array.contains_null || b->u.array.contains_null);
    break;
  }
  case EM_T_MAP: {
    em_type *k = wider(az, a->u.map.key, b->u.map.key), *v = k ? wider(az, a->u.map.value, b->u.map.value) : NULL;
    if (!v) return NULL;
    t = em_type_map(em_type_ref(k), em_type_ref(v), a->u.map.value_contains_null || b->u.map.value_contains_null);
    break;
  }
  case EM_T_STRUCT: {
    int n = a->u.st.nfields;
    if (n != b->u.st.nfields) return NULL;
    for (int i = 0; i < n; i++)
      if (!em_az_name_eq(az, a->u.st.fields[i].name, b->u.st.fields[i].name)) return NULL;
    em_type **fs = em_arena_calloc(&az->plan->arena, sizeof(em_type *) * (size_t)(n + 1));
    if (!fs) return oom(az), NULL;
    for (int i = 0; i < n; i++)
      if (!(fs[i] = wider(az, a->u.st.fields[i].type, b->u.st.fields[i].type))) return NULL;
    if (!(t = em_type_struct_new(n))) break;
    for (int i = 0; i < n; i++) {
      const em_field *fa = &a->u.st.fields[i];
      if (em_type_struct_set(t, i, fa->name, em_type_ref(fs[i]), fa->nullable || b->u.st.fields[i].nullable,
                             fa->metadata)) {
        em_type_unref(t);
        t = NULL;
        break;
      }
    }
    break;
  }
  default:
    return em_type_equal(a, b, true) ? (em_type *)a : NULL;
  }
  if (!t || em_az_own_type(az, t)) {
    if (t) em_type_unref(t);
    return oom(az), NULL;
  }
  return t;
}

/* DataType.equalsStructurally ignoring nullability (union: field names do
 * not matter) or sameType (intersect, except: names compare as the
 * resolver does). */
static bool compatible(em_az *az, const em_type *a, const em_type *b, bool names) {
  if (a->id != b->id) return false;
  switch (a->id) {
  case EM_T_ARRAY: return compatible(az, a->u.array.elem, b->u.array.elem, names);
  case EM_T_MAP:
    return compatible(az, a->u.map.key, b->u.map.key, names) && compatible(az, a->u.map.value, b->u.map.value, names);
  case EM_T_STRUCT:
    if (a->u.st.nfields != b->u.st.nfields) return false;
    for (int i = 0; i < a->u.st.nfields; i++) {
      if (names && !em_az_name_eq(az, a->u.st.fields[i].name, b->u.st.fields[i].name)) return false;
      if (!compatible(az, a->u.st.fields[i].type, b->u.st.fields[i].type, names)) return false;
    }
    return true;
  default: return em_type_equal(a, b, true);
  }
}

/* unionByName: the right side reordered to the left's names. */
static em_lplan *by_name_right(em_az *az, const em_spec_rel *r, em_lplan *left, em_lplan *right, bool allow) {
  int cap = left->nout + right->nout;
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(cap + 1));
  char **names = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(cap + 1));
  bool *taken = em_arena_calloc(&az->plan->arena, sizeof(bool) * (size_t)(right->nout + 1));
  if (!xs || !names || !taken) return oom(az), NULL;
  int n = 0;
  for (int i = 0; i < left->nout; i++) {
    int found = -1;
    for (int j = 0; j < right->nout && found < 0; j++)
      if (em_az_name_eq(az, left->out[i].name, right->out[j].name)) found = j;
    if (found >= 0) {
      taken[found] = true;
      names[n] = right->out[found].name;
      if (!(xs[n++] = em_az_col(az, right, found))) return NULL;
    } else if (allow) {
      names[n] = left->out[i].name;
      if (!(xs[n++] = em_az_null_lit(az, left->out[i].type))) return NULL;
    } else {
      em_strbuf sb;
      em_strbuf_init(&sb);
      for (int j = 0; j < right->nout; j++) em_strbuf_printf(&sb, "%s%s", j ? ", " : "", right->out[j].name);
      em_error_set(az->err, EM_ERR_DF_UNRESOLVED_COLUMN_AMONG_FIELD_NAMES, "colName", left->out[i].name, "fieldNames",
                   sb.data ? sb.data : "", NULL);
      em_strbuf_free(&sb);
      return NULL;
    }
  }
  for (int j = 0; j < right->nout; j++)
    if (!taken[j]) {
      names[n] = right->out[j].name;
      if (!(xs[n++] = em_az_col(az, right, j))) return NULL;
    }
  em_lplan *p = em_az_project(az, NULL, right, xs, n);
  if (!p) return NULL;
  for (int i = 0; i < n; i++) p->out[i].name = names[i];
  (void)r;
  return p;
}

/* allowMissingColumns: the left side extended by the right side's extra
 * columns as NULLs (compareAndAddFields(right', left)). */
static em_lplan *by_name_left(em_az *az, em_lplan *left, em_lplan *right2) {
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(right2->nout + 1));
  char **names = em_arena_calloc(&az->plan->arena, sizeof(char *) * (size_t)(right2->nout + 1));
  if (!xs || !names) return oom(az), NULL;
  bool same = right2->nout == left->nout;
  for (int i = 0; i < right2->nout; i++) {
    int found = -1;
    for (int j = 0; j < left->nout && found < 0; j++)
      if (em_az_name_eq(az, right2->out[i].name, left->out[j].name)) found = j;
    if (found >= 0) {
      names[i] = left->out[found].name;
      xs[i] = em_az_col(az, left, found);
      same &= found == i;
    } else {
      names[i] = right2->out[i].name;
      xs[i] = em_az_null_lit(az, right2->out[i].type);
      same = false;
    }
    if (!xs[i]) return NULL;
  }
  if (same) return left;
  em_lplan *p = em_az_project(az, NULL, left, xs, right2->nout);
  if (!p) return NULL;
  for (int i = 0; i < right2->nout; i++) p->out[i].name = names[i];
  return p;
}

/* Casts the columns of side whose type is not target[i]. */
static em_lplan *cast_side(em_az *az, em_lplan *side, em_type **target) {
  bool need = false;
  for (int i = 0; i < side->nout; i++) need |= !em_type_equal(side->out[i].type, target[i], true);
  if (!need) return side;
  em_expr **xs = em_arena_calloc(&az->plan->arena, sizeof(em_expr *) * (size_t)(side->nout + 1));
  if (!xs) return oom(az), NULL;
  for (int i = 0; i < side->nout; i++) {
    em_expr *c = em_az_col(az, side, i);
    if (!c) return NULL;
    xs[i] = em_type_equal(side->out[i].type, target[i], true) ? c : em_az_cast(az, c, target[i], az->ctx->ansi);
    if (!xs[i]) return NULL;
  }
  em_lplan *p = em_az_project(az, NULL, side, xs, side->nout);
  if (!p) return NULL;
  for (int i = 0; i < side->nout; i++) {
    p->out[i].name = side->out[i].name;
    p->out[i].metadata = side->out[i].metadata;
    p->out[i].qualifier = side->out[i].qualifier;
  }
  return p;
}

static int type_text(em_az *az, const em_type *t, char **out) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_putc(&sb, '"');
  em_type_sql(t, &sb);
  em_strbuf_putc(&sb, '"');
  *out = em_arena_strdup(&az->plan->arena, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return *out ? 0 : oom(az);
}

em_lplan *em_az_resolve_set_op(em_az *az, const em_spec_rel *r, em_lplan *left, int depth) {
  em_lplan *right = em_az_resolve_rel(az, r->u.set_op.right, depth + 1);
  if (!right) return NULL;
  const char *opname = op_name(r);
  bool is_union = r->u.set_op.op == EM_SET_UNION;
  if (is_union && r->u.set_op.by_name) {
    if (!(right = by_name_right(az, r, left, right, r->u.set_op.allow_missing))) return NULL;
    if (r->u.set_op.allow_missing && !(left = by_name_left(az, left, right))) return NULL;
  }
  if (!is_union || !r->u.set_op.all) { /* a UNION DISTINCT deduplicates too */
    for (int i = 0; i < left->nout; i++) {
      const em_type *t = left->out[i].type;
      bool map = has_type(t, EM_T_MAP);
      if (map || has_type(t, EM_T_VARIANT)) {
        char *ty;
        if (type_text(az, t, &ty)) return NULL;
        em_error_set(az->err, map ? EM_ERR_SET_OPERATION_ON_MAP_TYPE : EM_ERR_SET_OPERATION_ON_VARIANT_TYPE,
                     "colName", em_arena_printf(&az->plan->arena, "`%s`", left->out[i].name), "dataType", ty, NULL);
        return NULL;
      }
    }
  }
  if (left->nout != right->nout) {
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", left->nout);
    snprintf(b, sizeof b, "%d", right->nout);
    em_error_set(az->err, EM_ERR_NUM_COLUMNS_MISMATCH, "operator", opname, "firstNumColumns", a, "invalidOrdinalNum",
                 "second", "invalidNumColumns", b, NULL);
    return NULL;
  }
  int n = left->nout;
  em_type **target = em_arena_calloc(&az->plan->arena, sizeof(em_type *) * (size_t)(n + 1));
  if (!target) return oom(az), NULL;
  /* WidenSetOperationTypes casts only when every column widens; otherwise
   * the check below reports the first column the sides disagree on. */
  bool widened = true;
  em_error_clear(az->err);
  for (int i = 0; i < n && widened; i++) {
    em_type *lt = left->out[i].type, *rt = right->out[i].type;
    target[i] = em_type_equal(lt, rt, true) ? lt : wider(az, lt, rt);
    if (!target[i]) {
      if (az->err->cls == EM_ERR_INTERNAL) return NULL;
      widened = false;
    }
  }
  if (widened) {
    if (!(left = cast_side(az, left, target)) || !(right = cast_side(az, right, target))) return NULL;
  }
  for (int i = 0; i < n; i++) {
    em_type *lt = left->out[i].type, *rt = right->out[i].type;
    if (!compatible(az, lt, rt, !is_union)) {
      char *t1, *t2;
      if (type_text(az, rt, &t1) || type_text(az, lt, &t2)) return NULL;
      em_error_set(az->err, EM_ERR_INCOMPATIBLE_COLUMN_TYPE, "operator", opname, "columnOrdinalNumber", ordinal(i),
                   "tableOrdinalNumber", "second", "dataType1", t1, "dataType2", t2, "hint", "", NULL);
      return NULL;
    }
  }

  em_lplan_kind kind = is_union ? EM_LP_UNION : EM_LP_SET_OP;
  em_lplan *node = em_az_new_node(az, kind, is_union && !r->u.set_op.all ? NULL : r, n);
  if (!node) return oom(az), NULL;
  node->child = left;
  node->u.set_op.right = right;
  node->u.set_op.all = r->u.set_op.all;
  node->u.set_op.op = r->u.set_op.op == EM_SET_INTERSECT ? EM_SETOP_INTERSECT : EM_SETOP_EXCEPT;
  for (int i = 0; i < n; i++) {
    const em_attr *la = &left->out[i], *ra = &right->out[i];
    node->out[i] = *la;
    if (is_union) {
      node->out[i].nullable = la->nullable || ra->nullable;
      em_type *m = merge_nullability(la->type, ra->type);
      if (!m || em_az_own_type(az, m)) {
        if (m) em_type_unref(m);
        return oom(az), NULL;
      }
      node->out[i].type = m;
    } else if (r->u.set_op.op == EM_SET_INTERSECT) {
      node->out[i].nullable = la->nullable && ra->nullable;
    }
  }
  if (is_union && !r->u.set_op.all) {
    /* UNION DISTINCT = Distinct(Union). */
    em_lplan *d = em_az_pass_through(az, EM_LP_SET_OP, r, node);
    if (!d) return NULL;
    d->u.set_op.op = EM_SETOP_DISTINCT;
    return d;
  }
  return node;
}
