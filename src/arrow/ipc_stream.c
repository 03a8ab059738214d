/*
 * Arrow IPC streaming format: message framing, and the public entry points
 * em_ipc_write_stream / em_ipc_read_stream / em_batches_free.
 *
 * A stream is a Schema message, then DictionaryBatch and RecordBatch
 * messages, then an end-of-stream marker. Each message is framed as
 * 0xFFFFFFFF, int32 metadata length (padded so the body starts 8-aligned),
 * the Message flatbuffer, the body. Streams from before Arrow 0.15 omit the
 * 0xFFFFFFFF continuation word; both forms are read. A stream that simply
 * ends after a message is accepted, as Arrow's readers do.
 */
#include "ipc_int.h"

#include <stdio.h>

#include <string.h>

int em_ipc_write_stream(const em_type *schema, em_batch *const *batches, int nbatches,
                        const em_ipc_write_opts *opts, em_strbuf *out, em_error *err) {
  em_ipc_write_opts dflt = {"UTC", false};
  if (!opts) opts = &dflt;
  em_fbb b;
  em_ipc_fbb_init(&b);
  int rc = em_ipc_schema_encode(schema, opts, &b, err);
  if (rc == 0) rc = em_ipc_put_message(out, &b, err);
  em_ipc_fbb_free(&b);
  for (int i = 0; rc == 0 && i < nbatches; i++) rc = em_ipc_batch_encode(schema, batches[i], opts, out, err);
  if (rc) return -1;
  static const uint32_t eos[2] = {0xFFFFFFFFu, 0};
  if (em_strbuf_append(out, (const char *)eos, 8)) return em_error_internal(err, "out of memory writing an Arrow IPC stream");
  return 0;
}

void em_batches_free(em_batch **batches, int n) {
  if (!batches) return;
  for (int i = 0; i < n; i++) em_batch_unref(batches[i]);
  em_free(batches);
}

static int bad_stream(em_error *err, const char *what) {
  return em_error_internal(err, "Invalid Arrow IPC stream: %s", what);
}

/* Registers every dictionary-encoded field (at any depth) with the reader. */
static int collect_dicts(em_ipc_reader *r, const em_ipc_field *fs, int n, em_error *err) {
  for (int i = 0; i < n; i++) {
    const em_ipc_field *f = &fs[i];
    if (f->dict_id >= 0) {
      int k;
      for (k = 0; k < r->ndicts; k++)
        if (r->dicts[k].id == f->dict_id) break;
      if (k < r->ndicts) {
        if (!em_type_equal(r->dicts[k].field->type, f->type, true))
          return bad_stream(err, "dictionary id shared by fields of different types");
      } else {
        em_ipc_dict *nd = em_realloc(r->dicts, (size_t)(r->ndicts + 1) * sizeof *nd);
        if (!nd) return em_error_internal(err, "out of memory");
        r->dicts = nd;
        r->dicts[r->ndicts++] = (em_ipc_dict){f->dict_id, f, NULL};
      }
    }
    if (collect_dicts(r, f->children, f->nchildren, err)) return -1;
  }
  return 0;
}

static void reader_free(em_ipc_reader *r) {
  for (int i = 0; i < r->ndicts; i++) em_vec_unref(r->dicts[i].values);
  em_free(r->dicts);
  em_ipc_fields_free(r->fields, r->nfields);
  em_type_unref(r->schema);
}

/* Spark's ArrowUtils refuses unsigned integers (client data must not be
 * widened silently): UNSUPPORTED_ARROWTYPE with Arrow's Java type name. */
static int reject_unsigned(const em_ipc_field *f, int n, em_error *err) {
  for (int i = 0; i < n; i++) {
    if (f[i].atype == EM_AT_INT && f[i].is_unsigned) {
      char name[32];
      snprintf(name, sizeof name, "Int(%d, false)", f[i].bit_width);
      return em_error_set(err, EM_ERR_UNSUPPORTED_ARROWTYPE, "typeName", name, NULL);
    }
    if (reject_unsigned(f[i].children, f[i].nchildren, err)) return -1;
  }
  return 0;
}

static int read_stream(const uint8_t *data, size_t len, bool spark, em_type **schema_out, em_batch ***batches_out,
                       int *nbatches_out, em_error *err);

int em_ipc_read_stream(const uint8_t *data, size_t len, em_type **schema_out, em_batch ***batches_out,
                       int *nbatches_out, em_error *err) {
  return read_stream(data, len, true, schema_out, batches_out, nbatches_out, err);
}

int em_ipc_read_stream_any(const uint8_t *data, size_t len, em_type **schema_out, em_batch ***batches_out,
                           int *nbatches_out, em_error *err) {
  return read_stream(data, len, false, schema_out, batches_out, nbatches_out, err);
}

static int read_stream(const uint8_t *data, size_t len, bool spark, em_type **schema_out, em_batch ***batches_out,
                       int *nbatches_out, em_error *err) {
  *schema_out = NULL;
  *batches_out = NULL;
  *nbatches_out = 0;
  em_ipc_reader r = {0};
  /* What hostile input may make us allocate: generous for compressed or
   * dictionary-encoded data, bounded for everything. */
  r.budget = ((int64_t)128 << 20) + (len < ((size_t)1 << 40) ? (int64_t)len * 64 : INT64_MAX / 2);
  em_batch **batches = NULL;
  int nb = 0, capb = 0;
  size_t pos = 0;
  int rc = 0;
  bool have_schema = false;
  while (rc == 0) {
    size_t rem = len - pos;
    if (rem == 0) break;
    if (rem < 4) {
      rc = bad_stream(err, "truncated message length");
      break;
    }
    uint32_t w;
    memcpy(&w, data + pos, 4);
    int32_t mlen;
    if (w == 0xFFFFFFFFu) {
      if (rem < 8) {
        rc = bad_stream(err, "truncated message length");
        break;
      }
      memcpy(&mlen, data + pos + 4, 4);
      pos += 8;
    } else {
      mlen = (int32_t)w; /* pre-0.15 framing */
      pos += 4;
    }
    if (mlen == 0) break; /* end of stream */
    if (mlen < 0 || (size_t)mlen > len - pos) {
      rc = bad_stream(err, "message length beyond the end of the data");
      break;
    }
    em_fb fb = {data + pos, (size_t)mlen, false};
    pos += (size_t)mlen;
    em_fbt msg = em_ipc_fb_root(&fb);
    int64_t version = em_ipc_fb_int(&fb, &msg, EM_MSG_VERSION, 2, 0);
    int htype = (int)(uint8_t)em_ipc_fb_int(&fb, &msg, EM_MSG_HEADER_TYPE, 1, 0);
    em_fbt hdr = em_ipc_fb_table(&fb, &msg, EM_MSG_HEADER);
    int64_t body_len = em_ipc_fb_int(&fb, &msg, EM_MSG_BODY_LENGTH, 8, 0);
    if (fb.bad || !hdr.ok) {
      rc = bad_stream(err, "malformed message metadata");
      break;
    }
    if (version < EM_MV_V4) {
      rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "Arrow IPC metadata versions before V4", NULL);
      break;
    }
    if (body_len < 0 || (uint64_t)body_len > len - pos) {
      rc = bad_stream(err, "message body beyond the end of the data");
      break;
    }
    const uint8_t *body = data + pos;
    pos += (size_t)body_len;
    switch (htype) {
    case EM_MH_SCHEMA:
      if (have_schema) {
        rc = bad_stream(err, "a second schema message");
        break;
      }
      rc = em_ipc_schema_decode(&fb, &hdr, &r.fields, &r.nfields, &r.schema, err);
      if (rc == 0 && spark) rc = reject_unsigned(r.fields, r.nfields, err);
      if (rc == 0) rc = collect_dicts(&r, r.fields, r.nfields, err);
      have_schema = true;
      break;
    case EM_MH_DICTIONARY:
      if (!have_schema) {
        rc = bad_stream(err, "dictionary before the schema");
        break;
      }
      rc = em_ipc_dict_decode(&r, &fb, &hdr, body, (size_t)body_len, err);
      break;
    case EM_MH_RECORD_BATCH: {
      if (!have_schema) {
        rc = bad_stream(err, "record batch before the schema");
        break;
      }
      em_batch *b = NULL;
      rc = em_ipc_batch_decode(&r, &fb, &hdr, body, (size_t)body_len, &b, err);
      if (rc) break;
      if (nb == capb) {
        int nc = capb ? capb * 2 : 8;
        em_batch **nbs = em_realloc(batches, (size_t)nc * sizeof *nbs);
        if (!nbs) {
          em_batch_unref(b);
          rc = em_error_internal(err, "out of memory");
          break;
        }
        batches = nbs;
        capb = nc;
      }
      batches[nb++] = b;
      break;
    }
    default: rc = em_error_set(err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "Arrow IPC tensor messages", NULL); break;
    }
  }
  if (rc == 0 && !have_schema) rc = bad_stream(err, "no schema message");
  if (rc) {
    em_batches_free(batches, nb);
    reader_free(&r);
    return -1;
  }
  *schema_out = em_type_ref(r.schema);
  *batches_out = batches;
  *nbatches_out = nb;
  reader_free(&r);
  return 0;
}
