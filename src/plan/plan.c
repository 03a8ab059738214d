/*
 * Plan lifetime and output schemas.
 */
#include "plan.h"

void em_plan_free(em_plan *p) {
  if (!p) return;
  for (int i = 0; i < p->nvecs; i++) em_vec_unref(p->vecs[i]);
  for (int i = 0; i < p->nbatches; i++) em_batch_unref(p->batches[i]);
  for (int i = 0; i < p->ntypes; i++) em_type_unref(p->types[i]);
  for (int i = 0; i < p->nheld; i++) p->release(p->held[i]);
  em_free(p->held);
  em_type_unref(p->schema);
  if (p->spec) {
    em_spec_release(p->spec);
    em_free(p->spec);
  }
  em_free(p->vecs);
  em_free(p->batches);
  em_free(p->types);
  em_arena_destroy(&p->arena);
  if (p->views) {
    em_spec_release(p->views);
    em_free(p->views);
  }
  em_free(p);
}

int em_plan_hold_batch(em_plan *p, em_batch *b) {
  if (p->nbatches == p->capbatches) {
    int nc = p->capbatches ? p->capbatches * 2 : 16;
    em_batch **nb = em_realloc(p->batches, sizeof *nb * (size_t)nc);
    if (!nb) {
      em_batch_unref(b);
      return -1;
    }
    p->batches = nb;
    p->capbatches = nc;
  }
  p->batches[p->nbatches++] = b;
  return 0;
}

em_type *em_lplan_schema(const em_lplan *n) {
  em_type *st = em_type_struct_new(n->nout);
  if (!st) return NULL;
  for (int i = 0; i < n->nout; i++) {
    const em_attr *a = &n->out[i];
    if (em_type_struct_set(st, i, a->name, em_type_ref(a->type), a->nullable, a->metadata)) {
      em_type_unref(st);
      return NULL;
    }
  }
  return st;
}

int em_lplan_children(const em_lplan *n, em_lplan **out) {
  int k = 0;
  if (n->child) out[k++] = n->child;
  if (n->kind == EM_LP_JOIN && n->u.join.right) out[k++] = n->u.join.right;
  return k;
}

bool em_sort_type_supported(const em_type *t) {
  switch (t->id) {
  case EM_T_MAP:
  case EM_T_VARIANT:
  case EM_T_CAL_INTERVAL:
    return false;
  case EM_T_ARRAY:
    return em_sort_type_supported(t->u.array.elem);
  case EM_T_STRUCT:
    for (int i = 0; i < t->u.st.nfields; i++)
      if (!em_sort_type_supported(t->u.st.fields[i].type)) return false;
    return true;
  default:
    return true;
  }
}
