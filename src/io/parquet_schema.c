/*
 * A Parquet schema (the flat, depth-first list of SchemaElements in the
 * footer) as Spark sees it, and the read tree the assembler walks.
 *
 * Type mapping follows Spark's ParquetToSparkSchemaConverter (facts from
 * its documented behaviour): INT32 with INT(8/16) annotations -> byte /
 * short, unsigned ones widened (UINT8 -> short, UINT16 -> int, UINT32 ->
 * bigint, UINT64 -> decimal(20,0)), DATE -> date, DECIMAL -> decimal(p,s);
 * INT64 TIMESTAMP(MILLIS|MICROS) -> timestamp when adjusted to UTC, else
 * timestamp_ntz; INT96 -> timestamp; BYTE_ARRAY STRING/ENUM/JSON ->
 * string, other BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY -> binary (decimal when
 * annotated). LIST groups follow the backward-compatibility rules: the
 * repeated child is the element itself when it is a primitive, a group of
 * several fields, or a one-field group named "array" or "<list>_tuple";
 * a repeated field outside LIST/MAP is a non-null array of its type. Every
 * field of a file source is nullable to Spark (asNullable).
 */
#include "parquet_int.h"

#include <stdio.h>
#include <string.h>

typedef struct pnode {
  const em_pq_selem *e;
  int nchildren;
  struct pnode *children;
} pnode;

typedef struct sctx {
  em_pq_schema *s;
  const em_pq_meta *m;
  const char *path;
  em_error *err;
  int next_leaf;
  int pos;
} sctx;

static int parse_tree(sctx *c, pnode *out, int depth) {
  if (c->pos >= c->m->nelems || depth > 64) return em_pq_corrupt(c->err, c->path, "schema tree malformed");
  const em_pq_selem *e = &c->m->elems[c->pos++];
  out->e = e;
  if (e->type >= 0 && depth > 0) return 0; /* a primitive */
  int n = e->num_children;
  if (n < 0 || n > c->m->nelems - c->pos) return em_pq_corrupt(c->err, c->path, "schema tree malformed");
  if (depth > 0 && n == 0) return em_pq_corrupt(c->err, c->path, "a group without fields");
  out->nchildren = n;
  out->children = em_arena_calloc(&c->s->arena, sizeof(pnode) * (size_t)(n ? n : 1));
  if (!out->children) return em_error_internal(c->err, "out of memory");
  for (int i = 0; i < n; i++)
    if (parse_tree(c, &out->children[i], depth + 1)) return -1;
  return 0;
}

static int unsupported(sctx *c, const em_pq_selem *e, const char *what) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s (%s)", e->name, what);
  return em_error_set(c->err, EM_ERR_PARQUET_TYPE_NOT_SUPPORTED, "parquetType", buf, NULL);
}

static em_type *primitive_type(sctx *c, const em_pq_selem *e) {
  em_pq_logical l = e->logical;
  switch (e->type) {
  case EM_PQ_BOOLEAN: return em_type_boolean();
  case EM_PQ_FLOAT: return em_type_float();
  case EM_PQ_DOUBLE: return em_type_double();
  case EM_PQ_INT96: return em_type_timestamp();
  case EM_PQ_INT32:
    if (l == EM_PQL_DATE) return em_type_date();
    if (l == EM_PQL_DECIMAL) break;
    if (l == EM_PQL_INT) {
      if (e->is_signed) return e->bit_width == 8 ? em_type_byte() : e->bit_width == 16 ? em_type_short() : em_type_int();
      return e->bit_width == 8 ? em_type_short() : e->bit_width == 16 ? em_type_int() : em_type_long();
    }
    if (l == EM_PQL_TIME) return unsupported(c, e, "INT32 TIME"), NULL;
    return em_type_int();
  case EM_PQ_INT64:
    if (l == EM_PQL_DECIMAL) break;
    if (l == EM_PQL_INT && !e->is_signed) return em_type_decimal(20, 0);
    if (l == EM_PQL_TIMESTAMP) {
      if (e->unit == EM_PQ_NANOS) {
        em_error_set(c->err, EM_ERR_PARQUET_TYPE_ILLEGAL, "parquetType",
                     e->utc ? "INT64 (TIMESTAMP(NANOS,true))" : "INT64 (TIMESTAMP(NANOS,false))", NULL);
        return NULL;
      }
      return e->utc ? em_type_timestamp() : em_type_timestamp_ntz();
    }
    if (l == EM_PQL_TIME) return unsupported(c, e, "INT64 TIME"), NULL;
    return em_type_long();
  case EM_PQ_BYTE_ARRAY:
    if (l == EM_PQL_STRING || l == EM_PQL_ENUM || l == EM_PQL_JSON) return em_type_string();
    if (l == EM_PQL_DECIMAL) break;
    return em_type_binary();
  case EM_PQ_FLBA:
    if (e->type_length <= 0) return em_pq_corrupt(c->err, c->path, "FIXED_LEN_BYTE_ARRAY without a length"), NULL;
    if (l == EM_PQL_DECIMAL) break;
    if (l == EM_PQL_FLOAT16) {
      if (e->type_length != 2) return em_pq_corrupt(c->err, c->path, "FLOAT16 not 2 bytes"), NULL;
      return em_type_float();
    }
    if (l == EM_PQL_INTERVAL) return unsupported(c, e, "INTERVAL"), NULL;
    return em_type_binary();
  default:
    return em_pq_corrupt(c->err, c->path, "unknown physical type"), NULL;
  }
  /* DECIMAL */
  int p = e->precision, s = e->scale;
  if (p <= 0 || p > 38 || s < 0 || s > p) {
    char buf[64];
    snprintf(buf, sizeof buf, "DECIMAL(%d,%d)", p, s);
    return unsupported(c, e, buf), NULL;
  }
  if (e->type == EM_PQ_INT32 && p > 9) return em_pq_corrupt(c->err, c->path, "INT32 decimal precision > 9"), NULL;
  if (e->type == EM_PQ_INT64 && p > 18) return em_pq_corrupt(c->err, c->path, "INT64 decimal precision > 18"), NULL;
  if (e->type == EM_PQ_FLBA && e->type_length > 16 && p > 38) return unsupported(c, e, "wide decimal"), NULL;
  return em_type_decimal(p, s);
}

static em_pq_node *new_node(sctx *c, em_pq_node_kind k, const char *name, int nchildren) {
  em_pq_node *n = em_arena_calloc(&c->s->arena, sizeof *n);
  if (!n) return NULL;
  n->kind = k;
  n->name = name;
  n->leaf = -1;
  if (nchildren) {
    n->children = em_arena_calloc(&c->s->arena, sizeof(em_pq_node *) * (size_t)nchildren);
    if (!n->children) return NULL;
    n->nchildren = nchildren;
  }
  return n;
}

static em_pq_node *convert(sctx *c, const pnode *p, int def, int rep, int slot_def, bool as_element, int depth);

/* A group's fields as a struct node at the given levels. */
static em_pq_node *convert_struct(sctx *c, const pnode *p, int def, int rep, int slot_def, int depth) {
  em_pq_node *n = new_node(c, EM_PQN_STRUCT, p->e->name, p->nchildren);
  if (!n) return em_error_internal(c->err, "out of memory"), NULL;
  n->def = def;
  n->rep = rep;
  n->slot_def = slot_def;
  em_type *st = em_type_struct_new(p->nchildren);
  if (!st) return em_error_internal(c->err, "out of memory"), NULL;
  n->type = st;
  if (em_pq_schema_own(c->s, st)) return em_error_internal(c->err, "out of memory"), NULL;
  for (int i = 0; i < p->nchildren; i++) {
    em_pq_node *ch = convert(c, &p->children[i], def, rep, slot_def, false, depth + 1);
    if (!ch) return NULL;
    n->children[i] = ch;
    if (em_type_struct_set(st, i, ch->name, em_type_ref(ch->type), true, NULL))
      return em_error_internal(c->err, "out of memory"), NULL;
  }
  n->leaf = n->nchildren ? n->children[0]->leaf : -1;
  return n;
}

static bool is_element_type(const pnode *rg, const char *list_name) {
  if (rg->e->type >= 0) return true;
  if (rg->nchildren > 1) return true;
  if (rg->nchildren == 1 && strcmp(rg->e->name, "array") == 0) return true;
  char buf[512];
  snprintf(buf, sizeof buf, "%s_tuple", list_name);
  return rg->nchildren == 1 && strcmp(rg->e->name, buf) == 0;
}

/* The value of node p (a field, or a list element when as_element: then a
 * REPEATED p is the element itself and not a list). def/rep/slot_def are
 * the parent's levels. */
static em_pq_node *convert(sctx *c, const pnode *p, int pdef, int prep, int pslot, bool as_element, int depth) {
  const em_pq_selem *e = p->e;
  if (depth > 64) return em_pq_corrupt(c->err, c->path, "schema nested too deeply"), NULL;
  if (e->repetition < 0 || e->repetition > 2) return em_pq_corrupt(c->err, c->path, "bad repetition"), NULL;
  bool repeated = e->repetition == EM_PQ_REPEATED;
  if (repeated && !as_element) {
    /* A repeated field outside a LIST: array<elem> not null. */
    em_pq_node *l = new_node(c, EM_PQN_LIST, e->name, 1);
    if (!l) return em_error_internal(c->err, "out of memory"), NULL;
    l->def = pdef;
    l->rep = prep;
    l->slot_def = pslot;
    em_pq_node *el = convert(c, p, pdef, prep, pslot, true, depth + 1);
    if (!el) return NULL;
    l->children[0] = el;
    l->leaf = el->leaf;
    l->type = em_type_array(em_type_ref(el->type), true);
    if (!l->type || em_pq_schema_own(c->s, l->type)) return em_error_internal(c->err, "out of memory"), NULL;
    return l;
  }
  int def = pdef + (e->repetition != EM_PQ_REQUIRED);
  int rep = prep + repeated;
  int slot = repeated ? def : pslot;
  if (def > 0x7fff || rep > 0x7fff) return em_pq_corrupt(c->err, c->path, "levels too deep"), NULL;
  if (e->type >= 0) {
    em_pq_node *n = new_node(c, EM_PQN_LEAF, e->name, 0);
    if (!n) return em_error_internal(c->err, "out of memory"), NULL;
    n->def = def;
    n->rep = rep;
    n->slot_def = slot;
    n->elem = e;
    n->leaf = c->next_leaf++;
    if (!(n->type = primitive_type(c, e))) return NULL;
    if (em_pq_schema_own(c->s, n->type)) return em_error_internal(c->err, "out of memory"), NULL;
    return n;
  }
  if (e->logical == EM_PQL_LIST && p->nchildren == 1 && p->children[0].e->repetition == EM_PQ_REPEATED) {
    const pnode *rg = &p->children[0];
    em_pq_node *l = new_node(c, EM_PQN_LIST, e->name, 1);
    if (!l) return em_error_internal(c->err, "out of memory"), NULL;
    l->def = def;
    l->rep = rep;
    l->slot_def = slot;
    em_pq_node *el;
    if (is_element_type(rg, e->name)) {
      el = convert(c, rg, def, rep, slot, true, depth + 1);
    } else {
      int rdef = def + 1, rrep = rep + 1;
      el = convert(c, &rg->children[0], rdef, rrep, rdef, false, depth + 1);
    }
    if (!el) return NULL;
    l->children[0] = el;
    l->leaf = el->leaf;
    l->type = em_type_array(em_type_ref(el->type), true);
    if (!l->type || em_pq_schema_own(c->s, l->type)) return em_error_internal(c->err, "out of memory"), NULL;
    return l;
  }
  if ((e->logical == EM_PQL_MAP || e->logical == EM_PQL_MAP_KEY_VALUE) && p->nchildren == 1 &&
      p->children[0].e->repetition == EM_PQ_REPEATED && p->children[0].e->type < 0) {
    const pnode *kv = &p->children[0];
    if (kv->nchildren != 2) {
      char buf[600];
      snprintf(buf, sizeof buf, "%s (MAP whose key_value group has %d fields)", e->name, kv->nchildren);
      em_error_set(c->err, EM_ERR_PARQUET_TYPE_NOT_SUPPORTED, "parquetType", buf, NULL);
      return NULL;
    }
    em_pq_node *m = new_node(c, EM_PQN_MAP, e->name, 2);
    if (!m) return em_error_internal(c->err, "out of memory"), NULL;
    m->def = def;
    m->rep = rep;
    m->slot_def = slot;
    int rdef = def + 1, rrep = rep + 1;
    for (int i = 0; i < 2; i++)
      if (!(m->children[i] = convert(c, &kv->children[i], rdef, rrep, rdef, false, depth + 1))) return NULL;
    if (kv->children[0].e->repetition == EM_PQ_REPEATED || kv->children[1].e->repetition == EM_PQ_REPEATED) {
      /* Keys and values are single values of the entry. */
    }
    m->leaf = m->children[0]->leaf;
    m->type = em_type_map(em_type_ref(m->children[0]->type), em_type_ref(m->children[1]->type), true);
    if (!m->type || em_pq_schema_own(c->s, m->type)) return em_error_internal(c->err, "out of memory"), NULL;
    return m;
  }
  return convert_struct(c, p, def, rep, slot, depth);
}

int em_pq_schema_own(em_pq_schema *s, em_type *t) {
  if (s->ntypes == s->captypes) {
    int n = s->captypes ? s->captypes * 2 : 32;
    em_type **nt = em_realloc(s->types, sizeof *nt * (size_t)n);
    if (!nt) {
      em_type_unref(t);
      return -1;
    }
    s->types = nt;
    s->captypes = n;
  }
  s->types[s->ntypes++] = t;
  return 0;
}

static void collect_leaves(em_pq_node *n, em_pq_node **out) {
  if (n->kind == EM_PQN_LEAF) {
    out[n->leaf] = n;
    return;
  }
  for (int i = 0; i < n->nchildren; i++) collect_leaves(n->children[i], out);
}

void em_pq_schema_free(em_pq_schema *s) {
  if (!s) return;
  for (int i = 0; i < s->ntypes; i++) em_type_unref(s->types[i]);
  em_free(s->types);
  em_arena_destroy(&s->arena);
  em_free(s);
}

int em_pq_schema_build(const em_pq_meta *m, const char *path, em_pq_schema **out, em_error *err) {
  em_pq_schema *s = em_calloc(1, sizeof *s);
  if (!s) return em_error_internal(err, "out of memory");
  em_arena_init(&s->arena, 4096);
  sctx c = {.s = s, .m = m, .path = path, .err = err};
  pnode root;
  memset(&root, 0, sizeof root);
  if (parse_tree(&c, &root, 0)) goto fail;
  if (c.pos != m->nelems) {
    em_pq_corrupt(err, path, "schema elements left over");
    goto fail;
  }
  if (!(s->root = convert_struct(&c, &root, 0, 0, 0, 1))) goto fail;
  s->type = s->root->type;
  s->nleaves = c.next_leaf;
  s->leaves = em_arena_calloc(&s->arena, sizeof(em_pq_node *) * (size_t)(s->nleaves + 1));
  if (!s->leaves) {
    em_error_internal(err, "out of memory");
    goto fail;
  }
  collect_leaves(s->root, s->leaves);
  for (int i = 0; i < m->nrowgroups; i++)
    if (m->rowgroups[i].ncols != s->nleaves) {
      em_pq_corrupt(err, path, "row group column count differs from the schema");
      goto fail;
    }
  *out = s;
  return 0;
fail:
  em_pq_schema_free(s);
  return -1;
}
