/*
 * Encoding em_batches as Arrow IPC RecordBatch messages.
 *
 * Two passes over the column tree: the first lists the field nodes and the
 * buffers (pointers into the vectors, nothing copied) and lays the body out
 * with 8-byte aligned buffers; then the metadata flatbuffer is built and
 * the body is written with one memcpy per buffer. Our vectors are always
 * zero-based, so no buffer needs rewriting, except int32 offsets widened to
 * int64 for large_utf8/large_binary. Validity bitmaps are omitted (length
 * 0) when a column has no nulls, as Arrow allows.
 */
#include "ipc_int.h"

#include <string.h>

typedef struct wbuf {
  const uint8_t *p;
  int64_t len;     /* bytes in the body (before padding) */
  bool widen;      /* p holds int32 offsets to write as int64 */
  int64_t offset;  /* position in the body */
} wbuf;

typedef struct wctx {
  int64_t *nodes; /* pairs {length, null_count} */
  size_t nnodes, cap_nodes;
  wbuf *bufs;
  size_t nbufs, cap_bufs;
  bool large;
  bool oom;
  em_error *err;
} wctx;

static void add_node(wctx *w, int64_t len, int64_t nulls) {
  if (w->nnodes == w->cap_nodes) {
    size_t nc = w->cap_nodes ? w->cap_nodes * 2 : 16;
    int64_t *nn = em_realloc(w->nodes, nc * 2 * sizeof *nn);
    if (!nn) {
      w->oom = true;
      return;
    }
    w->nodes = nn;
    w->cap_nodes = nc;
  }
  w->nodes[2 * w->nnodes] = len;
  w->nodes[2 * w->nnodes + 1] = nulls;
  w->nnodes++;
}

static void add_buf(wctx *w, const void *p, int64_t len, bool widen) {
  if (w->nbufs == w->cap_bufs) {
    size_t nc = w->cap_bufs ? w->cap_bufs * 2 : 32;
    wbuf *nb = em_realloc(w->bufs, nc * sizeof *nb);
    if (!nb) {
      w->oom = true;
      return;
    }
    w->bufs = nb;
    w->cap_bufs = nc;
  }
  w->bufs[w->nbufs++] = (wbuf){p, p ? len : 0, widen, 0};
}

static int collect(wctx *w, const em_vec *v, const em_type *t, int depth) {
  if (depth > EM_IPC_MAX_DEPTH) return em_error_internal(w->err, "type nesting too deep for Arrow IPC");
  if (v->type->id != t->id && !(em_type_is_string_like(v->type) && em_type_is_string_like(t)))
    return em_error_internal(w->err, "Arrow IPC write: column type does not match the schema");
  int64_t n = v->len;
  if (t->id == EM_T_NULL) {
    add_node(w, n, n);
    return 0;
  }
  if (t->id == EM_T_VARIANT) return em_error_set(w->err, EM_ERR_UNSUPPORTED_DATATYPE, "typeName", "\"VARIANT\"", NULL);
  add_node(w, n, v->null_count);
  if (v->null_count > 0 && v->validity)
    add_buf(w, v->validity->data, (int64_t)((n + 7) >> 3), false);
  else
    add_buf(w, NULL, 0, false);
  switch (t->id) {
  case EM_T_BOOLEAN: add_buf(w, v->values->data, (n + 7) >> 3, false); break;
  case EM_T_STRING:
  case EM_T_CHAR:
  case EM_T_VARCHAR:
  case EM_T_BINARY: {
    const int32_t *o = em_vec_offsets(v);
    add_buf(w, o, (n + 1) * (w->large ? 8 : 4), w->large);
    add_buf(w, v->data ? v->data->data : NULL, o[n], false);
    break;
  }
  case EM_T_ARRAY:
    add_buf(w, em_vec_offsets(v), (n + 1) * 4, false);
    return collect(w, v->children[0], t->u.array.elem, depth + 1);
  case EM_T_MAP: {
    add_buf(w, em_vec_offsets(v), (n + 1) * 4, false);
    const em_vec *e = v->children[0];
    add_node(w, e->len, 0);
    add_buf(w, NULL, 0, false);
    if (e->nchildren != 2) return em_error_internal(w->err, "Arrow IPC write: malformed map vector");
    if (collect(w, e->children[0], t->u.map.key, depth + 2)) return -1;
    return collect(w, e->children[1], t->u.map.value, depth + 2);
  }
  case EM_T_STRUCT:
    if (v->nchildren != t->u.st.nfields) return em_error_internal(w->err, "Arrow IPC write: malformed struct vector");
    for (int i = 0; i < v->nchildren; i++)
      if (collect(w, v->children[i], t->u.st.fields[i].type, depth + 1)) return -1;
    break;
  default: {
    int fw = em_type_fixed_width(t);
    if (fw <= 0) return em_error_internal(w->err, "Arrow IPC write: unsupported column type");
    add_buf(w, v->values ? v->values->data : NULL, n * fw, false);
    break;
  }
  }
  return 0;
}

static int64_t pad8(int64_t n) { return (n + 7) & ~(int64_t)7; }

int em_ipc_put_message(em_strbuf *out, const em_fbb *b, em_error *err) {
  if (b->oom) return em_error_internal(err, "out of memory encoding Arrow IPC metadata");
  int64_t mlen = pad8((int64_t)b->len);
  if (mlen > INT32_MAX) return em_error_internal(err, "Arrow IPC metadata too large");
  uint32_t hdr[2] = {0xFFFFFFFFu, (uint32_t)mlen};
  em_strbuf_append(out, (const char *)hdr, 8);
  em_strbuf_append(out, (const char *)b->d, b->len);
  em_strbuf_repeat(out, 0, (size_t)(mlen - (int64_t)b->len));
  return out->oom ? em_error_internal(err, "out of memory writing an Arrow IPC stream") : 0;
}

int em_ipc_batch_encode(const em_type *schema, const em_batch *b, const em_ipc_write_opts *opts, em_strbuf *out,
                        em_error *err) {
  if (b->ncols != schema->u.st.nfields)
    return em_error_internal(err, "Arrow IPC write: batch has %d columns, schema %d", b->ncols, schema->u.st.nfields);
  wctx w = {0};
  w.large = opts->large_var_types;
  w.err = err;
  int rc = 0;
  for (int i = 0; rc == 0 && i < b->ncols; i++) {
    if (b->cols[i]->len != b->nrows) rc = em_error_internal(err, "Arrow IPC write: column length differs from the batch");
    else rc = collect(&w, b->cols[i], schema->u.st.fields[i].type, 1);
  }
  if (rc == 0 && w.oom) rc = em_error_internal(err, "out of memory writing an Arrow IPC stream");
  int64_t body = 0;
  for (size_t i = 0; rc == 0 && i < w.nbufs; i++) {
    w.bufs[i].offset = body;
    body += pad8(w.bufs[i].len);
  }
  em_fbb fb;
  em_ipc_fbb_init(&fb);
  if (rc == 0) {
    em_ipc_fbb_start(&fb);
    em_fbb_field m[EM_MSG__N] = {{0}};
    m[EM_MSG_VERSION] = (em_fbb_field){2, EM_MV_V5, 0};
    m[EM_MSG_HEADER_TYPE] = (em_fbb_field){1, EM_MH_RECORD_BATCH, 0};
    m[EM_MSG_HEADER].size = EM_FBB_REF;
    m[EM_MSG_BODY_LENGTH] = (em_fbb_field){8, (uint64_t)body, 0};
    uint32_t mp = em_ipc_fbb_table(&fb, EM_MSG__N, m);
    em_ipc_fbb_patch(&fb, 0, mp);
    em_fbb_field r[EM_RB__N] = {{0}};
    r[EM_RB_LENGTH] = (em_fbb_field){8, (uint64_t)b->nrows, 0};
    r[EM_RB_NODES].size = EM_FBB_REF;
    r[EM_RB_BUFFERS].size = EM_FBB_REF;
    uint32_t rp = em_ipc_fbb_table(&fb, EM_RB__N, r);
    em_ipc_fbb_patch(&fb, m[EM_MSG_HEADER].slot, rp);
    uint32_t nv = em_ipc_fbb_vector(&fb, (uint32_t)w.nnodes, 16, 8);
    em_ipc_fbb_patch(&fb, r[EM_RB_NODES].slot, nv);
    if (w.nnodes) em_ipc_fbb_put(&fb, nv + 4, w.nodes, w.nnodes * 16);
    uint32_t bv = em_ipc_fbb_vector(&fb, (uint32_t)w.nbufs, 16, 8);
    em_ipc_fbb_patch(&fb, r[EM_RB_BUFFERS].slot, bv);
    for (size_t i = 0; i < w.nbufs; i++) {
      int64_t ol[2] = {w.bufs[i].offset, w.bufs[i].len};
      em_ipc_fbb_put(&fb, bv + 4 + 16 * (uint32_t)i, ol, 16);
    }
    rc = em_ipc_put_message(out, &fb, err);
  }
  for (size_t i = 0; rc == 0 && i < w.nbufs; i++) {
    const wbuf *wb = &w.bufs[i];
    if (wb->widen) {
      size_t at = out->len;
      int64_t n = wb->len / 8;
      if (em_strbuf_repeat(out, 0, (size_t)pad8(wb->len))) break;
      const int32_t *o = (const int32_t *)wb->p;
      int64_t *d = (int64_t *)(void *)(out->data + at);
      for (int64_t k = 0; k < n; k++) {
        int64_t x = o[k];
        memcpy(d + k, &x, 8);
      }
      continue;
    }
    if (wb->len) em_strbuf_append(out, (const char *)wb->p, (size_t)wb->len);
    em_strbuf_repeat(out, 0, (size_t)(pad8(wb->len) - wb->len));
  }
  if (rc == 0 && out->oom) rc = em_error_internal(err, "out of memory writing an Arrow IPC stream");
  em_ipc_fbb_free(&fb);
  em_free(w.nodes);
  em_free(w.bufs);
  return rc;
}
