/*
 * The Config RPC.
 */
#include "connect_int.h"

#include <string.h>

#define HAS(msg, field) ((msg)->_##field##_case != 0)

typedef struct kv_list {
  Spark__Connect__KeyValue *items;
  Spark__Connect__KeyValue **ptrs;
  int n;
} kv_list;

static int kv_alloc(kv_list *l, int n) {
  l->items = em_calloc((size_t)(n ? n : 1), sizeof *l->items);
  l->ptrs = em_calloc((size_t)(n ? n : 1), sizeof *l->ptrs);
  l->n = 0;
  return l->items && l->ptrs ? 0 : -1;
}

/* Adds key = value (value NULL: unset). Strings are borrowed. */
static void kv_add(kv_list *l, const char *key, const char *value) {
  Spark__Connect__KeyValue *kv = &l->items[l->n];
  spark__connect__key_value__init(kv);
  kv->key = (char *)key;
  if (value) {
    kv->_value_case = SPARK__CONNECT__KEY_VALUE___VALUE_VALUE;
    kv->value = (char *)value;
  }
  l->ptrs[l->n] = kv;
  l->n++;
}

static void kv_free(kv_list *l) {
  em_free(l->items);
  em_free(l->ptrs);
}

/* Spark's toSQLConf: a key quoted with double quotes in messages. */
static const char *quoted(const char *key, char *buf, size_t cap) {
  snprintf(buf, cap, "\"%s\"", key);
  return buf;
}

static int conf_set(em_session *sess, const Spark__Connect__ConfigRequest__Set *set, em_strbuf *warn,
                    em_error *err) {
  bool silent = HAS(set, silent) && set->silent;
  for (size_t i = 0; i < set->n_pairs; i++) {
    const Spark__Connect__KeyValue *kv = set->pairs[i];
    const char *val = HAS(kv, value) ? kv->value : NULL;
    em_conf_kind kind;
    em_conf_default(kv->key, &kind);
    em_error e;
    int bad = 0;
    char qbuf[512];
    if (kind == EM_CONF_STATIC)
      bad = em_error_set(&e, EM_ERR_CANNOT_MODIFY_STATIC_CONFIG, "key", quoted(kv->key, qbuf, sizeof qbuf), NULL);
    else if (kind == EM_CONF_CORE)
      bad = em_error_set(&e, EM_ERR_CANNOT_MODIFY_CONFIG, "key", quoted(kv->key, qbuf, sizeof qbuf), "docroot",
                         "https://spark.apache.org/docs/latest", NULL);
    if (!bad && em_conf_check(kv->key, val, &e)) bad = -1;
    if (bad) {
      if (!silent) {
        *err = e;
        return -1;
      }
      continue;
    }
    pthread_mutex_lock(&sess->mu);
    int rc = val ? em_conf_put(&sess->conf, kv->key, val) : 0;
    if (!val) em_conf_remove(&sess->conf, kv->key);
    pthread_mutex_unlock(&sess->mu);
    if (rc) return em_error_internal(err, "out of memory setting a config");
    if (strcmp(kv->key, "spark.sql.execution.arrow.pyspark.enabled") == 0 ||
        strcmp(kv->key, "spark.sql.execution.arrow.pyspark.fallback.enabled") == 0 ||
        strcmp(kv->key, "spark.sql.execution.arrow.enabled") == 0)
      em_strbuf_printf(warn, "The SQL config '%s' is not supported in Spark Connect", kv->key);
  }
  return 0;
}

void em_handle_config(em_rpc *call, void *user) {
  em_connect_state *svc = user;
  uint8_t *buf = NULL;
  size_t len = 0;
  em_error err;
  if (em_rpc_recv(call, &buf, &len) != 1) {
    em_rpc_finish(call, EM_GRPC_CANCELLED, "request not received", NULL, 0);
    return;
  }
  Spark__Connect__ConfigRequest *req = spark__connect__config_request__unpack(NULL, len, buf);
  em_free(buf);
  if (!req) {
    em_rpc_finish(call, EM_GRPC_INVALID_ARGUMENT, "cannot parse ConfigRequest", NULL, 0);
    return;
  }
  em_session *sess =
      em_session_get(svc, em_user_id(req->user_context), req->session_id, true,
                     HAS(req, client_observed_server_side_session_id) ? req->client_observed_server_side_session_id
                                                                      : NULL,
                     &err);
  if (!sess) {
    em_rpc_fail(call, NULL, &err);
    spark__connect__config_request__free_unpacked(req, NULL);
    return;
  }
  Spark__Connect__ConfigResponse resp = SPARK__CONNECT__CONFIG_RESPONSE__INIT;
  resp.session_id = sess->session_id;
  resp.server_side_session_id = sess->server_side_id;
  kv_list kvs = {0};
  em_strbuf warn;
  em_strbuf_init(&warn);
  char *warnings[1];
  /* Values looked up under the session lock are copied here so they stay
   * valid after the lock is dropped. */
  char **owned = NULL;
  int nowned = 0;
  char qbuf[512];
  int rc = 0;
  const Spark__Connect__ConfigRequest__Operation *op = req->operation;
  if (!op) {
    rc = em_error_set(&err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.ConfigRequest", "name",
                      "operation", NULL);
    goto done;
  }
  switch (op->op_type_case) {
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_SET:
    rc = conf_set(sess, op->set, &warn, &err);
    break;
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_GET:
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_GET_OPTION: {
    bool is_get = op->op_type_case == SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_GET;
    size_t n = is_get ? op->get->n_keys : op->get_option->n_keys;
    char **keys = is_get ? op->get->keys : op->get_option->keys;
    if (kv_alloc(&kvs, (int)n) || !(owned = em_calloc(n + 1, sizeof *owned))) {
      rc = em_error_internal(&err, "out of memory");
      break;
    }
    for (size_t i = 0; i < n; i++) {
      char *c = em_session_conf_dup(sess, keys[i]);
      if (!c && is_get) {
        rc = em_error_set(&err, EM_ERR_SQL_CONF_NOT_FOUND, "sqlConf", quoted(keys[i], qbuf, sizeof qbuf), NULL);
        break;
      }
      if (c) owned[nowned++] = c;
      kv_add(&kvs, keys[i], c);
    }
    break;
  }
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_GET_WITH_DEFAULT: {
    const Spark__Connect__ConfigRequest__GetWithDefault *g = op->get_with_default;
    if (kv_alloc(&kvs, (int)g->n_pairs) || !(owned = em_calloc(g->n_pairs + 1, sizeof *owned))) {
      rc = em_error_internal(&err, "out of memory");
      break;
    }
    for (size_t i = 0; i < g->n_pairs; i++) {
      const Spark__Connect__KeyValue *kv = g->pairs[i];
      pthread_mutex_lock(&sess->mu);
      const char *v = em_conf_lookup(&sess->conf, kv->key);
      if (!v) v = em_conf_lookup(&svc->server_conf, kv->key);
      char *c = v ? em_strdup(v) : NULL;
      pthread_mutex_unlock(&sess->mu);
      if (c) owned[nowned++] = c;
      kv_add(&kvs, kv->key, c ? c : (HAS(kv, value) ? kv->value : NULL));
    }
    break;
  }
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_GET_ALL: {
    const char *prefix = HAS(op->get_all, prefix) ? op->get_all->prefix : NULL;
    size_t plen = prefix ? strlen(prefix) : 0;
    pthread_mutex_lock(&sess->mu);
    int n = sess->conf.n + svc->server_conf.n;
    if (kv_alloc(&kvs, n) || !(owned = em_calloc((size_t)(2 * n + 1), sizeof *owned))) {
      pthread_mutex_unlock(&sess->mu);
      rc = em_error_internal(&err, "out of memory");
      break;
    }
    for (int pass = 0; pass < 2; pass++) {
      const em_conf *c = pass == 0 ? &sess->conf : &svc->server_conf;
      for (int i = 0; i < c->n; i++) {
        if (prefix && strncmp(c->keys[i], prefix, plen) != 0) continue;
        if (pass == 1 && em_conf_lookup(&sess->conf, c->keys[i])) continue;
        char *k = em_strdup(c->keys[i] + plen), *v = em_strdup(c->vals[i]);
        if (k) owned[nowned++] = k;
        if (v) owned[nowned++] = v;
        if (k && v) kv_add(&kvs, k, v);
      }
    }
    pthread_mutex_unlock(&sess->mu);
    break;
  }
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_UNSET:
    pthread_mutex_lock(&sess->mu);
    for (size_t i = 0; i < op->unset->n_keys; i++) em_conf_remove(&sess->conf, op->unset->keys[i]);
    pthread_mutex_unlock(&sess->mu);
    break;
  case SPARK__CONNECT__CONFIG_REQUEST__OPERATION__OP_TYPE_IS_MODIFIABLE: {
    const Spark__Connect__ConfigRequest__IsModifiable *m = op->is_modifiable;
    if (kv_alloc(&kvs, (int)m->n_keys)) {
      rc = em_error_internal(&err, "out of memory");
      break;
    }
    for (size_t i = 0; i < m->n_keys; i++) {
      em_conf_kind kind;
      const char *d = em_conf_default(m->keys[i], &kind);
      /* Spark: only registered, non-static SQL configs are modifiable. */
      bool mod = d && kind == EM_CONF_SQL;
      kv_add(&kvs, m->keys[i], mod ? "true" : "false");
    }
    break;
  }
  default:
    rc = em_error_set(&err, EM_ERR_ONE_OF_FIELD_NOT_SET, "fullName", "spark.connect.ConfigRequest.Operation",
                      "name", "op_type", NULL);
    break;
  }
done:
  if (rc) {
    em_rpc_fail(call, sess, &err);
  } else {
    resp.n_pairs = (size_t)kvs.n;
    resp.pairs = kvs.ptrs;
    if (warn.len) {
      warnings[0] = warn.data;
      resp.n_warnings = 1;
      resp.warnings = warnings;
    }
    em_rpc_reply(call, &resp.base);
  }
  for (int i = 0; i < nowned; i++) em_free(owned[i]);
  em_free(owned);
  kv_free(&kvs);
  em_strbuf_free(&warn);
  em_session_release(svc, sess);
  spark__connect__config_request__free_unpacked(req, NULL);
}
