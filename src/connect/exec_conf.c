/*
 * The execution settings of a session that are Ember's own: the query's
 * memory budget and where it spills (spark.ember.* keys, conf_keys.def).
 */
#include "connect_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t em_conf_parse_bytes(const char *v, int64_t dflt) {
  if (!v || !*v) return dflt;
  char *end;
  long long x = strtoll(v, &end, 10);
  if (end == v || x < 0) return dflt;
  while (*end == ' ') end++;
  int64_t mul = 1;
  switch (tolower((unsigned char)*end)) {
  case 'k': mul = 1024; break;
  case 'm': mul = 1024 * 1024; break;
  case 'g': mul = 1024LL * 1024 * 1024; break;
  case 't': mul = 1024LL * 1024 * 1024 * 1024; break;
  default: break;
  }
  return (int64_t)x * mul;
}

int64_t em_session_conf_bytes(em_session *sess, const char *key, int64_t dflt) {
  char *v = em_session_conf_dup(sess, key);
  int64_t r = em_conf_parse_bytes(v, dflt);
  em_free(v);
  return r;
}

int64_t em_session_cache_budget(em_session *sess) {
  char *v = em_session_conf_dup(sess, "spark.ember.cache.memoryBudget");
  int64_t r;
  size_t n = v ? strlen(v) : 0;
  if (n > 1 && v[n - 1] == '%') {
    /* A share of physical memory. */
    double pct = strtod(v, NULL);
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    double ram = pages > 0 && psize > 0 ? (double)pages * (double)psize : 4.0 * 1024 * 1024 * 1024;
    r = pct > 0 ? (int64_t)(ram * pct / 100.0) : 0;
  } else {
    r = em_conf_parse_bytes(v, 1024LL * 1024 * 1024);
  }
  em_free(v);
  return r;
}

char *em_session_spill_dir(em_session *sess) {
  if (!em_session_conf_bool(sess, "spark.ember.spill.enabled", true)) return NULL;
  char *d = em_session_conf_dup(sess, "spark.ember.spill.dir");
  if (d && *d) return d;
  em_free(d);
  d = em_session_conf_dup(sess, "spark.local.dir");
  if (d && *d) {
    /* spark.local.dir may list several directories: take the first. */
    char *comma = strchr(d, ',');
    if (comma) *comma = '\0';
    return d;
  }
  em_free(d);
  const char *t = getenv("TMPDIR");
  return em_strdup(t && *t ? t : "/tmp");
}
