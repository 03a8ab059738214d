/*
 * Session configuration and the Config RPC, with Spark's semantics
 * (SparkConnectConfigHandler): get fails with SQL_CONF_NOT_FOUND for a key
 * that is neither set nor registered; get_with_default returns the caller's
 * default when the key is not set; get_option leaves the value unset;
 * get_all lists explicitly set values, filtered and stripped by a prefix;
 * set refuses static and core keys; is_modifiable answers "true" only for
 * session (SQL) keys.
 */
#include "connect_int.h"
#include "../expr/format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum conf_vtype { VT_STR, VT_BOOL, VT_INT, VT_LONG, VT_TZ } conf_vtype;

typedef struct conf_entry {
  const char *key;
  const char *dflt;
  em_conf_kind kind;
  conf_vtype type;
} conf_entry;

static const conf_entry conf_table[] = {
#define EM_CONF(k, d, kind, type) {k, d, EM_CONF_##kind, VT_##type},
#include "conf_keys.def"
#undef EM_CONF
};

void em_conf_init(em_conf *c) { memset(c, 0, sizeof *c); }

void em_conf_free(em_conf *c) {
  for (int i = 0; i < c->n; i++) {
    em_free(c->keys[i]);
    em_free(c->vals[i]);
  }
  em_free(c->keys);
  em_free(c->vals);
  em_conf_init(c);
}

const char *em_conf_lookup(const em_conf *c, const char *key) {
  for (int i = 0; i < c->n; i++)
    if (strcmp(c->keys[i], key) == 0) return c->vals[i];
  return NULL;
}

int em_conf_put(em_conf *c, const char *key, const char *val) {
  for (int i = 0; i < c->n; i++) {
    if (strcmp(c->keys[i], key) == 0) {
      char *v = em_strdup(val);
      if (!v) return -1;
      em_free(c->vals[i]);
      c->vals[i] = v;
      return 0;
    }
  }
  if (c->n == c->cap) {
    int ncap = c->cap ? c->cap * 2 : 16;
    char **nk = em_realloc(c->keys, (size_t)ncap * sizeof *nk);
    if (!nk) return -1;
    c->keys = nk;
    char **nv = em_realloc(c->vals, (size_t)ncap * sizeof *nv);
    if (!nv) return -1;
    c->vals = nv;
    c->cap = ncap;
  }
  char *k = em_strdup(key), *v = em_strdup(val);
  if (!k || !v) {
    em_free(k);
    em_free(v);
    return -1;
  }
  c->keys[c->n] = k;
  c->vals[c->n] = v;
  c->n++;
  return 0;
}

void em_conf_remove(em_conf *c, const char *key) {
  for (int i = 0; i < c->n; i++) {
    if (strcmp(c->keys[i], key) == 0) {
      em_free(c->keys[i]);
      em_free(c->vals[i]);
      c->keys[i] = c->keys[c->n - 1];
      c->vals[i] = c->vals[c->n - 1];
      c->n--;
      return;
    }
  }
}

int em_conf_copy(em_conf *dst, const em_conf *src) {
  em_conf_init(dst);
  for (int i = 0; i < src->n; i++)
    if (em_conf_put(dst, src->keys[i], src->vals[i])) return -1;
  return 0;
}

static char system_zone[256];
static pthread_once_t system_zone_once = PTHREAD_ONCE_INIT;

/* The JVM takes its default zone from TZ, else from /etc/localtime's link
 * target; Ember does the same so that both report the same name. */
static void init_system_zone(void) {
  const char *tz = getenv("TZ");
  char link[512];
  const char *name = NULL;
  if (tz && *tz) {
    if (*tz == ':') tz++;
    const char *z = strstr(tz, "zoneinfo/");
    name = z ? z + 9 : tz;
  } else {
    ssize_t n = readlink("/etc/localtime", link, sizeof link - 1);
    if (n > 0) {
      link[n] = '\0';
      const char *z = strstr(link, "zoneinfo/");
      if (z) name = z + 9;
    }
  }
  snprintf(system_zone, sizeof system_zone, "%s", name && *name ? name : "Etc/UTC");
}

const char *em_conf_system_timezone(void) {
  pthread_once(&system_zone_once, init_system_zone);
  return system_zone;
}

const char *em_conf_default(const char *key, em_conf_kind *kind) {
  for (size_t i = 0; i < EM_ARRAY_LEN(conf_table); i++) {
    if (strcmp(conf_table[i].key, key) == 0) {
      if (kind) *kind = conf_table[i].kind;
      if (strcmp(key, "spark.sql.session.timeZone") == 0) return em_conf_system_timezone();
      if (conf_table[i].kind == EM_CONF_CORE && conf_table[i].dflt[0] == '\0') return NULL;
      return conf_table[i].dflt;
    }
  }
  if (kind) *kind = EM_CONF_SQL;
  return NULL;
}

/* Spark's boolean conf parsing accepts true/false in any case (trimmed). */
static bool parse_bool(const char *v, bool *out) {
  if (em_strcaseeq(v, "true")) return *out = true, true;
  if (em_strcaseeq(v, "false")) return *out = false, true;
  return false;
}

static bool parse_long(const char *v, int64_t lo, int64_t hi) {
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (end == v || *end || errno) return false;
  return x >= lo && x <= hi;
}

int em_conf_check(const char *key, const char *val, em_error *err) {
  const conf_entry *e = NULL;
  for (size_t i = 0; i < EM_ARRAY_LEN(conf_table) && !e; i++)
    if (strcmp(conf_table[i].key, key) == 0) e = &conf_table[i];
  if (!e || !val) return 0;
  bool b;
  switch (e->type) {
  case VT_BOOL:
    if (!parse_bool(val, &b))
      return em_error_set(err, EM_ERR_INVALID_CONF_VALUE_TYPE_MISMATCH, "confName", key, "confType", "boolean",
                          "confValue", val, NULL);
    return 0;
  case VT_INT:
    if (!parse_long(val, INT32_MIN, INT32_MAX))
      return em_error_set(err, EM_ERR_INVALID_CONF_VALUE_TYPE_MISMATCH, "confName", key, "confType", "int",
                          "confValue", val, NULL);
    return 0;
  case VT_LONG:
    if (!parse_long(val, INT64_MIN, INT64_MAX))
      return em_error_set(err, EM_ERR_INVALID_CONF_VALUE_TYPE_MISMATCH, "confName", key, "confType", "long",
                          "confValue", val, NULL);
    return 0;
  case VT_TZ: {
    em_error tzerr;
    if (!em_tz_get(val, &tzerr))
      return em_error_set(err, EM_ERR_INVALID_CONF_VALUE_TIME_ZONE, "confName", key, "confValue", val, NULL);
    return 0;
  }
  case VT_STR:
    return 0;
  }
  return 0;
}
