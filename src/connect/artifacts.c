/*
 * Artifacts: AddArtifacts (client streaming) and ArtifactStatus, and the
 * per-session store they fill. Artifacts are kept in memory per session:
 * `cache/<sha256>` blocks of large local relations, and the files a client
 * ships (`files/`, `pyfiles/`, `jars/`, `archives/`; later WASM modules).
 *
 * Spark's rules: a chunk whose CRC-32 does not match is dropped (reported
 * with is_crc_successful = false); names must be relative and must not
 * escape their folder (INVALID_ARTIFACT_PATH); the same name with different
 * content fails with ARTIFACT_ALREADY_EXISTS (same content is accepted).
 */
#include "connect_int.h"

#include <string.h>
#include <zlib.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)
/* Bounds that keep a misbehaving client from exhausting memory. */
#define ARTIFACT_MAX_BYTES (4LL << 30)

static bool valid_name(const char *name) {
  if (!name[0] || name[0] == '/' || strstr(name, "\\")) return false;
  /* No ".." path segment anywhere. */
  const char *p = name;
  while (*p) {
    const char *seg = p;
    while (*p && *p != '/') p++;
    size_t n = (size_t)(p - seg);
    if (n == 0 || (n == 2 && seg[0] == '.' && seg[1] == '.')) return false;
    if (*p == '/') p++;
  }
  return true;
}

int em_session_add_artifact(em_session *sess, const char *name, em_buf *data, em_error *err) {
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nartifacts; i++) {
    em_artifact *a = &sess->artifacts[i];
    if (strcmp(a->name, name) != 0) continue;
    bool same = a->data->len == data->len && (data->len == 0 || memcmp(a->data->data, data->data, data->len) == 0);
    pthread_mutex_unlock(&sess->mu);
    em_buf_unref(data);
    if (same) return 0;
    return em_error_set(err, EM_ERR_ARTIFACT_ALREADY_EXISTS, "normalizedRemoteRelativePath", name, NULL);
  }
  if (sess->nartifacts == sess->capartifacts) {
    int ncap = sess->capartifacts ? sess->capartifacts * 2 : 16;
    em_artifact *n = em_realloc(sess->artifacts, (size_t)ncap * sizeof *n);
    if (!n) {
      pthread_mutex_unlock(&sess->mu);
      em_buf_unref(data);
      return em_error_internal(err, "out of memory storing an artifact");
    }
    sess->artifacts = n;
    sess->capartifacts = ncap;
  }
  char *nm = em_strdup(name);
  if (!nm) {
    pthread_mutex_unlock(&sess->mu);
    em_buf_unref(data);
    return em_error_internal(err, "out of memory storing an artifact");
  }
  sess->artifacts[sess->nartifacts].name = nm;
  sess->artifacts[sess->nartifacts].data = data;
  sess->nartifacts++;
  pthread_mutex_unlock(&sess->mu);
  return 0;
}

em_buf *em_session_find_artifact(em_session *sess, const char *name) {
  em_buf *b = NULL;
  pthread_mutex_lock(&sess->mu);
  for (int i = 0; i < sess->nartifacts; i++)
    if (strcmp(sess->artifacts[i].name, name) == 0) {
      b = em_buf_ref(sess->artifacts[i].data);
      break;
    }
  pthread_mutex_unlock(&sess->mu);
  return b;
}

static bool crc_ok(const Spark__Connect__AddArtifactsRequest__ArtifactChunk *ch) {
  uLong crc = crc32(0L, Z_NULL, 0);
  /* zlib's crc32 takes uInt lengths: feed large chunks in pieces. */
  size_t off = 0;
  while (off < ch->data.len) {
    size_t n = ch->data.len - off;
    if (n > (1u << 30)) n = 1u << 30;
    crc = crc32(crc, ch->data.data + off, (uInt)n);
    off += n;
  }
  return (int64_t)crc == ch->crc;
}

typedef struct summary_list {
  Spark__Connect__AddArtifactsResponse__ArtifactSummary *items;
  Spark__Connect__AddArtifactsResponse__ArtifactSummary **ptrs;
  char **names;
  int n, cap;
} summary_list;

static int summary_add(summary_list *l, const char *name, bool ok) {
  if (l->n == l->cap) {
    int ncap = l->cap ? l->cap * 2 : 16;
    void *a = em_realloc(l->items, (size_t)ncap * sizeof *l->items);
    if (!a) return -1;
    l->items = a;
    void *b = em_realloc(l->names, (size_t)ncap * sizeof *l->names);
    if (!b) return -1;
    l->names = b;
    l->cap = ncap;
  }
  char *nm = em_strdup(name);
  if (!nm) return -1;
  spark__connect__add_artifacts_response__artifact_summary__init(&l->items[l->n]);
  l->names[l->n] = nm;
  l->items[l->n].is_crc_successful = ok;
  l->n++;
  return 0;
}

void em_handle_add_artifacts(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  em_session *sess = NULL;
  em_error err;
  int rc = 0;
  summary_list sums = {0};
  /* The chunked artifact being received, if any. */
  char *cur_name = NULL;
  em_buf *cur = NULL;
  int64_t cur_chunks_left = 0, cur_total = 0;
  bool cur_ok = true;
  for (;;) {
    uint8_t *buf = NULL;
    size_t len = 0;
    int r = em_rpc_recv(call, &buf, &len);
    if (r == 0) break;
    if (r < 0) {
      rc = -1;
      err.cls = EM_ERR_NONE;
      break;
    }
    Spark__Connect__AddArtifactsRequest *req = spark__connect__add_artifacts_request__unpack(NULL, len, buf);
    em_free(buf);
    if (!req) {
      rc = em_error_set(&err, EM_ERR_CONNECT_INVALID_PLAN_CANNOT_PARSE, "errorMsg", "invalid AddArtifactsRequest",
                        NULL);
      break;
    }
    if (!sess) {
      sess = em_session_get(svc, em_user_id(req->user_context), req->session_id, true,
                            HAS(req, client_observed_server_side_session_id) ? req->client_observed_server_side_session_id
                                                                             : NULL,
                            &err);
      if (!sess) rc = -1;
    }
    if (!rc) switch (req->payload_case) {
      case SPARK__CONNECT__ADD_ARTIFACTS_REQUEST__PAYLOAD_BATCH:
        for (size_t i = 0; !rc && i < req->batch->n_artifacts; i++) {
          const Spark__Connect__AddArtifactsRequest__SingleChunkArtifact *a = req->batch->artifacts[i];
          if (!valid_name(a->name)) {
            rc = em_error_set(&err, EM_ERR_INVALID_ARTIFACT_PATH, "name", a->name, NULL);
            break;
          }
          bool ok = a->data && crc_ok(a->data);
          if (ok) {
            em_buf *b = em_buf_new(a->data->data.len ? a->data->data.len : 1);
            if (!b) {
              rc = em_error_internal(&err, "out of memory");
              break;
            }
            if (a->data->data.len) memcpy(b->data, a->data->data.data, a->data->data.len);
            b->len = a->data->data.len;
            rc = em_session_add_artifact(sess, a->name, b, &err);
          }
          if (!rc && summary_add(&sums, a->name, ok)) rc = em_error_internal(&err, "out of memory");
        }
        break;
      case SPARK__CONNECT__ADD_ARTIFACTS_REQUEST__PAYLOAD_BEGIN_CHUNK: {
        const Spark__Connect__AddArtifactsRequest__BeginChunkedArtifact *b = req->begin_chunk;
        if (cur) {
          rc = em_error_internal(&err, "a chunked artifact began before the previous one ended");
          break;
        }
        if (!valid_name(b->name)) {
          rc = em_error_set(&err, EM_ERR_INVALID_ARTIFACT_PATH, "name", b->name, NULL);
          break;
        }
        if (b->total_bytes < 0 || b->total_bytes > ARTIFACT_MAX_BYTES || b->num_chunks < 1 || !b->initial_chunk) {
          rc = em_error_internal(&err, "invalid chunked artifact header for %s", b->name);
          break;
        }
        /* Grow with the data actually received, not the announced size. */
        cur = em_buf_new(b->initial_chunk->data.len ? b->initial_chunk->data.len : 1);
        cur_name = em_strdup(b->name);
        if (!cur || !cur_name) {
          rc = em_error_internal(&err, "out of memory");
          break;
        }
        cur_ok = crc_ok(b->initial_chunk);
        if (b->initial_chunk->data.len) memcpy(cur->data, b->initial_chunk->data.data, b->initial_chunk->data.len);
        cur->len = b->initial_chunk->data.len;
        cur_total = b->total_bytes;
        cur_chunks_left = b->num_chunks - 1;
        break;
      }
      case SPARK__CONNECT__ADD_ARTIFACTS_REQUEST__PAYLOAD_CHUNK: {
        const Spark__Connect__AddArtifactsRequest__ArtifactChunk *ch = req->chunk;
        if (!cur || cur_chunks_left <= 0) {
          rc = em_error_internal(&err, "artifact chunk without a chunked artifact in progress");
          break;
        }
        if ((int64_t)(cur->len + ch->data.len) > cur_total) {
          rc = em_error_internal(&err, "artifact %s is larger than announced", cur_name);
          break;
        }
        if (!crc_ok(ch)) cur_ok = false;
        /* Geometric growth (bounded by the announced size): chunks of a
         * large artifact must not be copied over and over. */
        size_t need = cur->len + ch->data.len, ncap = cur->cap * 2;
        if (ncap > (size_t)cur_total) ncap = (size_t)cur_total;
        if (ncap < need) ncap = need;
        if (need > cur->cap && em_buf_reserve(cur, ncap)) {
          rc = em_error_internal(&err, "out of memory");
          break;
        }
        if (ch->data.len) memcpy(cur->data + cur->len, ch->data.data, ch->data.len);
        cur->len += ch->data.len;
        cur_chunks_left--;
        break;
      }
      default:
        rc = em_error_set(&err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.AddArtifactsRequest", "name",
                          "payload", NULL);
        break;
      }
    /* A chunked artifact is complete once all its chunks arrived. */
    if (!rc && cur && cur_chunks_left == 0) {
      if ((int64_t)cur->len != cur_total) cur_ok = false;
      if (cur_ok) {
        rc = em_session_add_artifact(sess, cur_name, cur, &err);
      } else {
        em_buf_unref(cur);
      }
      cur = NULL;
      if (!rc && summary_add(&sums, cur_name, cur_ok)) rc = em_error_internal(&err, "out of memory");
      em_free(cur_name);
      cur_name = NULL;
    }
    spark__connect__add_artifacts_request__free_unpacked(req, NULL);
    if (rc) break;
  }
  if (!rc && cur) rc = em_error_internal(&err, "artifact %s ended before all its chunks arrived", cur_name);
  if (rc) {
    if (err.cls != EM_ERR_NONE)
      em_rpc_fail(call, sess, &err);
    else
      em_rpc_finish(call, EM_GRPC_CANCELLED, "cancelled", NULL, 0);
  } else {
    Spark__Connect__AddArtifactsResponse resp = SPARK__CONNECT__ADD_ARTIFACTS_RESPONSE__INIT;
    if (sess) {
      resp.session_id = sess->session_id;
      resp.server_side_session_id = sess->server_side_id;
    }
    sums.ptrs = em_calloc((size_t)(sums.n + 1), sizeof *sums.ptrs);
    for (int i = 0; sums.ptrs && i < sums.n; i++) {
      sums.items[i].name = sums.names[i];
      sums.ptrs[i] = &sums.items[i];
    }
    resp.n_artifacts = sums.ptrs ? (size_t)sums.n : 0;
    resp.artifacts = sums.ptrs;
    em_rpc_reply(call, &resp.base);
  }
  if (cur) em_buf_unref(cur);
  em_free(cur_name);
  for (int i = 0; i < sums.n; i++) em_free(sums.names[i]);
  em_free(sums.names);
  em_free(sums.items);
  em_free(sums.ptrs);
  em_session_release(svc, sess);
}

void em_handle_artifact_status(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  Spark__Connect__ArtifactStatusesRequest *req = (Spark__Connect__ArtifactStatusesRequest *)em_rpc_recv_msg(
      call, &spark__connect__artifact_statuses_request__descriptor);
  if (!req) return;
  em_error err;
  em_session *sess = em_rpc_session(call, svc, &req->base, req->user_context, req->session_id, true,
                                    HAS(req, client_observed_server_side_session_id) ? req->client_observed_server_side_session_id : NULL);
  if (!sess) return;
  size_t n = req->n_names;
  Spark__Connect__ArtifactStatusesResponse__StatusesEntry *ents = em_calloc(n + 1, sizeof *ents);
  Spark__Connect__ArtifactStatusesResponse__StatusesEntry **eptrs = em_calloc(n + 1, sizeof *eptrs);
  Spark__Connect__ArtifactStatusesResponse__ArtifactStatus *sts = em_calloc(n + 1, sizeof *sts);
  Spark__Connect__ArtifactStatusesResponse resp = SPARK__CONNECT__ARTIFACT_STATUSES_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  if (ents && eptrs && sts) {
    for (size_t i = 0; i < n; i++) {
      spark__connect__artifact_statuses_response__statuses_entry__init(&ents[i]);
      spark__connect__artifact_statuses_response__artifact_status__init(&sts[i]);
      em_buf *b = em_session_find_artifact(sess, req->names[i]);
      sts[i].exists = b != NULL;
      em_buf_unref(b);
      ents[i].key = req->names[i];
      ents[i].value = &sts[i];
      eptrs[i] = &ents[i];
    }
    resp.n_statuses = n;
    resp.statuses = eptrs;
    em_rpc_reply(call, &resp.base);
  } else {
    em_error_internal(&err, "out of memory");
    em_rpc_fail(call, sess, &err);
  }
  em_free(ents);
  em_free(eptrs);
  em_free(sts);
  em_session_release(svc, sess);
  protobuf_c_message_free_unpacked(&req->base, NULL);
}
