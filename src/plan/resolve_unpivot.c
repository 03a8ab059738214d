/*
 * unpivot / melt (the Unpivot relation), as Spark resolves it: an Expand
 * with one projection per value column, [ids..., 'name', value], so every
 * input row yields one row per value column in the columns' order.
 *
 * Without explicit values, every column that is not an id is a value.
 * The value column's type is the values' least common type without string
 * promotion (Spark's findWiderTypeWithoutStringPromotion): INT and STRING
 * fail with UNPIVOT_VALUE_DATA_TYPE_MISMATCH. The variable column is a
 * non-null STRING holding each value column's name.
 */
#include "analyzer_int.h"
#include "../expr/func.h"

#include <string.h>

static int oom(em_az *az) { return em_error_internal(az->err, "out of memory during analysis"); }

static em_type *wider_no_string(em_type *a, em_type *b, bool ansi) {
  em_type *t = em_coerce_tightest(a, b, ansi);
  if (t) return t;
  if (em_type_is_numeric(a) && em_type_is_numeric(b)) return em_coerce_decimal_wider(a, b);
  return NULL;
}

static em_expr *string_lit(em_az *az, const char *s) {
  em_vec *v = em_vec_new(em_type_string(), 1);
  if (!v || em_vec_append_bytes(v, s, strlen(s))) {
    em_vec_unref(v);
    return oom(az), NULL;
  }
  em_expr *x = em_az_lit(az, v);
  em_vec_unref(v);
  return x;
}

em_lplan *em_az_resolve_unpivot(em_az *az, const em_spec_rel *r, em_lplan *child) {
  em_arena *A = &az->plan->arena;
  int ni = r->u.unpivot.nids, nc = child->nout;
  int cap = r->u.unpivot.values ? r->u.unpivot.nvalues : nc;
  em_expr **ids = em_arena_calloc(A, sizeof *ids * (size_t)(ni + 1));
  char **id_names = em_arena_calloc(A, sizeof *id_names * (size_t)(ni + 1));
  char **id_meta = em_arena_calloc(A, sizeof *id_meta * (size_t)(ni + 1));
  em_expr **vals = em_arena_calloc(A, sizeof *vals * (size_t)(cap + 1));
  char **val_names = em_arena_calloc(A, sizeof *val_names * (size_t)(cap + 1));
  if (!ids || !id_names || !id_meta || !vals || !val_names) return oom(az), NULL;
  for (int i = 0; i < ni; i++)
    if (!(ids[i] = em_az_resolve_expr(az, r->u.unpivot.ids[i], child, &id_names[i], &id_meta[i]))) return NULL;
  int nv = 0;
  if (r->u.unpivot.values) {
    for (int j = 0; j < r->u.unpivot.nvalues; j++) {
      char *meta = NULL;
      if (!(vals[nv] = em_az_resolve_expr(az, r->u.unpivot.values[j], child, &val_names[nv], &meta))) return NULL;
      nv++;
    }
  } else {
    for (int c = 0; c < nc; c++) {
      bool is_id = false;
      for (int i = 0; i < ni; i++) is_id |= ids[i]->kind == EM_EX_COLUMN && ids[i]->u.column == c;
      if (is_id || child->out[c].hidden) continue;
      if (!(vals[nv] = em_az_col(az, child, c))) return NULL;
      val_names[nv++] = child->out[c].name;
    }
  }
  if (nv == 0) {
    em_error_set(az->err, EM_ERR_UNPIVOT_REQUIRES_VALUE_COLUMNS, NULL);
    return NULL;
  }
  em_type *vt = vals[0]->type;
  bool vnull = false;
  for (int j = 0; j < nv && vt; j++) {
    vt = j ? wider_no_string(vt, vals[j]->type, az->ctx->ansi) : vt;
    vnull |= vals[j]->nullable;
  }
  if (!vt) {
    em_strbuf sb;
    em_strbuf_init(&sb);
    for (int j = 0; j < nv; j++) {
      if (j) em_strbuf_puts(&sb, ", ");
      em_strbuf_putc(&sb, '"');
      em_type_sql(vals[j]->type, &sb);
      em_strbuf_printf(&sb, "\" (`%s`)", val_names[j]);
    }
    em_error_set(az->err, EM_ERR_UNPIVOT_VALUE_DATA_TYPE_MISMATCH, "types", sb.data ? sb.data : "", NULL);
    em_strbuf_free(&sb);
    return NULL;
  }
  int nout = ni + 2;
  em_lplan *n = em_az_new_node(az, EM_LP_EXPAND, r, nout);
  if (!n) return oom(az), NULL;
  n->child = child;
  for (int i = 0; i < ni; i++) {
    em_attr *a = &n->out[i];
    if (ids[i]->kind == EM_EX_COLUMN && r->u.unpivot.ids[i]->kind == EM_SE_ATTR) {
      *a = child->out[ids[i]->u.column];
    } else {
      a->name = id_names[i];
      a->type = ids[i]->type;
      a->nullable = ids[i]->nullable;
      a->metadata = id_meta[i];
      a->id = em_az_next_id(az);
    }
  }
  n->out[ni] = (em_attr){.name = r->u.unpivot.variable_name, .type = em_type_string(), .id = em_az_next_id(az)};
  n->out[ni + 1] =
      (em_attr){.name = r->u.unpivot.value_name, .type = vt, .nullable = vnull, .id = em_az_next_id(az)};
  n->u.expand.nprojs = nv;
  n->u.expand.projs = em_arena_calloc(A, sizeof(em_expr **) * (size_t)(nv + 1));
  if (!n->u.expand.projs) return oom(az), NULL;
  for (int j = 0; j < nv; j++) {
    em_expr **p = em_arena_calloc(A, sizeof *p * (size_t)(nout + 1));
    if (!p) return oom(az), NULL;
    for (int i = 0; i < ni; i++) p[i] = ids[i];
    if (!(p[ni] = string_lit(az, val_names[j]))) return NULL;
    if (!(p[ni + 1] = em_az_cast(az, vals[j], vt, az->ctx->ansi))) return NULL;
    n->u.expand.projs[j] = p;
  }
  return n;
}
