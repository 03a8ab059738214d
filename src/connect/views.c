/*
 * Temp views: each session's own, and the global ones of the `global_temp`
 * database that every session sees. A view keeps its definition, not a
 * result: the serialized Relation of a DataFrame (createOrReplaceTempView)
 * or the query text of CREATE TEMPORARY VIEW, turned into spec and analyzed
 * again on every use. Names compare case-insensitively, as Spark's session
 * catalog does by default. Any other
 * name is looked up in the persistent catalog (catalog_cmd.c).
 */
#include "connect_int.h"

#include "../sql/sql.h"

#include <string.h>

#define SEARCH_PATH "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]"

void em_views_init(em_views *vs) {
  memset(vs, 0, sizeof *vs);
  pthread_mutex_init(&vs->mu, NULL);
}

void em_view_free(em_view *v) {
  em_free(v->name);
  em_free(v->sql);
  em_free(v->proto);
  for (int i = 0; i < v->ncolumns; i++) em_free(v->columns[i]);
  em_free(v->columns);
  memset(v, 0, sizeof *v);
}

void em_views_free(em_views *vs) {
  for (int i = 0; i < vs->n; i++) em_view_free(&vs->v[i]);
  em_free(vs->v);
  pthread_mutex_destroy(&vs->mu);
}

static int find(em_views *vs, const char *name) {
  for (int i = 0; i < vs->n; i++)
    if (em_strcaseeq(vs->v[i].name, name)) return i;
  return -1;
}

int em_views_put(em_views *vs, em_view *view, bool replace, em_error *err) {
  pthread_mutex_lock(&vs->mu);
  int i = find(vs, view->name);
  if (i >= 0 && !replace) {
    pthread_mutex_unlock(&vs->mu);
    char buf[EM_ERROR_VAL_MAX];
    snprintf(buf, sizeof buf, "`%s`", view->name);
    em_view_free(view);
    return em_error_set(err, EM_ERR_TEMP_TABLE_OR_VIEW_ALREADY_EXISTS, "relationName", buf, NULL);
  }
  if (i < 0 && vs->n == vs->cap) {
    int ncap = vs->cap ? vs->cap * 2 : 8;
    em_view *nv = em_realloc(vs->v, sizeof *nv * (size_t)ncap);
    if (!nv) {
      pthread_mutex_unlock(&vs->mu);
      em_view_free(view);
      return em_error_internal(err, "out of memory");
    }
    vs->v = nv;
    vs->cap = ncap;
  }
  if (i >= 0) em_view_free(&vs->v[i]);
  else i = vs->n++;
  vs->v[i] = *view;
  memset(view, 0, sizeof *view);
  pthread_mutex_unlock(&vs->mu);
  return 0;
}

bool em_views_drop(em_views *vs, const char *name) {
  pthread_mutex_lock(&vs->mu);
  int i = find(vs, name);
  if (i >= 0) {
    em_view_free(&vs->v[i]);
    vs->v[i] = vs->v[--vs->n];
  }
  pthread_mutex_unlock(&vs->mu);
  return i >= 0;
}

static char *dup_bytes(const void *p, size_t n) {
  char *d = em_malloc(n + 1);
  if (d) {
    if (n) memcpy(d, p, n);
    d[n] = '\0';
  }
  return d;
}

bool em_views_get(em_views *vs, const char *name, em_view *out) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&vs->mu);
  int i = find(vs, name);
  bool ok = i >= 0;
  if (ok) {
    const em_view *v = &vs->v[i];
    out->name = em_strdup(v->name);
    out->is_sql = v->is_sql;
    if (v->sql) out->sql = em_strdup(v->sql);
    if (v->proto) out->proto = (uint8_t *)dup_bytes(v->proto, v->proto_len);
    out->proto_len = v->proto_len;
    if (v->ncolumns) {
      out->columns = em_calloc((size_t)v->ncolumns, sizeof(char *));
      for (int k = 0; out->columns && k < v->ncolumns; k++) out->columns[k] = em_strdup(v->columns[k]);
      out->ncolumns = out->columns ? v->ncolumns : 0;
    }
  }
  pthread_mutex_unlock(&vs->mu);
  return ok;
}

static void quoted_name(char *const *parts, int n, char *buf, size_t cap) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && k < cap; i++)
    k += (size_t)snprintf(buf + k, cap - k, "%s`%s`", i ? "." : "", parts[i]);
}

int em_session_lookup_table(void *user, em_spec *spec, char *const *parts, int nparts, em_spec_rel **out,
                            em_error *err) {
  em_session *sess = user;
  char name[EM_ERROR_VAL_MAX];
  quoted_name(parts, nparts, name, sizeof name);
  if (nparts > 2 && !(nparts == 3 && em_strcaseeq(parts[0], "spark_catalog")))
    return em_error_set(err, EM_ERR_REQUIRES_SINGLE_PART_NAMESPACE, "sessionCatalog", "spark_catalog", "identifier",
                        name, NULL);
  em_views *vs = nparts == 1 ? sess->views : em_strcaseeq(parts[0], "global_temp") ? sess->svc->global_views : NULL;
  em_view v;
  if (!vs || !em_views_get(vs, parts[nparts - 1], &v)) {
    /* Then the persistent catalog (catalog_cmd.c). */
    if (!(nparts == 2 && em_strcaseeq(parts[0], "global_temp"))) {
      int crc = em_catalog_lookup(sess, spec, parts, nparts, out, err);
      if (crc <= 0) return crc;
    }
    return em_error_set(err, EM_ERR_TABLE_OR_VIEW_NOT_FOUND, "relationName", name, "searchPath", SEARCH_PATH, NULL);
  }
  int rc;
  em_spec_rel *r = NULL;
  if (v.is_sql) {
    em_sql_opts o;
    memset(&o, 0, sizeof o);
    char *tz = em_session_conf_dup(sess, "spark.sql.session.timeZone");
    o.timezone = tz ? em_spec_strdup(spec, tz) : NULL;
    em_free(tz);
    rc = em_sql_parse_query(spec, v.sql, &o, &r, err);
  } else {
    Spark__Connect__Relation *rel = spark__connect__relation__unpack(NULL, v.proto_len, v.proto);
    if (!rel) {
      rc = em_error_internal(err, "a stored view cannot be decoded");
    } else {
      rc = em_proto_to_spec(sess, rel, spec, &r, err);
      spark__connect__relation__free_unpacked(rel, NULL);
    }
  }
  if (!rc && v.ncolumns) {
    em_spec_rel *td = em_spec_rel_new(spec, EM_SR_TO_DF);
    char **names = em_spec_array(spec, (size_t)v.ncolumns, sizeof(char *));
    if (!td || !names) {
      rc = em_error_internal(err, "out of memory");
    } else {
      for (int i = 0; i < v.ncolumns; i++) names[i] = em_spec_strdup(spec, v.columns[i]);
      td->input = r;
      td->u.to_df.names = names;
      td->u.to_df.nnames = v.ncolumns;
      r = td;
    }
  }
  em_view_free(&v);
  if (!rc) *out = r;
  return rc;
}
