/*
 * The error table and message rendering. Nothing here allocates: messages
 * are rendered into the fixed buffers of em_error.
 */
#include "base.h"

#include <stdio.h>
#include <string.h>

typedef struct errclass_info {
  const char *name;
  const char *sqlstate;
  em_exc_kind exc;
  const char *tmpl;
} errclass_info;

static const errclass_info errclass_table[EM_ERR__COUNT] = {
    [EM_ERR_NONE] = {"", "", EM_EXC_SPARK, ""},
#define EM_ERRCLASS(id, name, sqlstate, exc, tmpl) [EM_ERR_##id] = {name, sqlstate, EM_EXC_##exc, tmpl},
#include "error_classes.def"
#undef EM_ERRCLASS
};

typedef struct exc_info {
  const char *reason;
  const char *classes;
} exc_info;

static const exc_info exc_table[EM_EXC__COUNT] = {
#define EM_EXC(id, reason, classes) [EM_EXC_##id] = {reason, classes},
#include "exc_kinds.def"
#undef EM_EXC
};

const char *em_errclass_name(em_errclass cls) {
  return (cls > 0 && cls < EM_ERR__COUNT) ? errclass_table[cls].name : "INTERNAL_ERROR";
}

const char *em_errclass_sqlstate(em_errclass cls) {
  return (cls > 0 && cls < EM_ERR__COUNT) ? errclass_table[cls].sqlstate : "XX000";
}

em_exc_kind em_errclass_exc(em_errclass cls) {
  return (cls > 0 && cls < EM_ERR__COUNT) ? errclass_table[cls].exc : EM_EXC_SPARK;
}

const char *em_exc_reason(em_exc_kind k) {
  return (k >= 0 && k < EM_EXC__COUNT) ? exc_table[k].reason : exc_table[EM_EXC_SPARK].reason;
}

const char *em_exc_classes_json(em_exc_kind k) {
  return (k >= 0 && k < EM_EXC__COUNT) ? exc_table[k].classes : exc_table[EM_EXC_SPARK].classes;
}

em_errclass em_errclass_lookup(const char *name) {
  for (int i = 1; i < EM_ERR__COUNT; i++)
    if (strcmp(errclass_table[i].name, name) == 0) return (em_errclass)i;
  return EM_ERR_NONE;
}

void em_error_clear(em_error *err) {
  if (!err) return;
  err->cls = EM_ERR_NONE;
  err->nparams = 0;
  err->msg[0] = '\0';
  err->has_context = false;
  err->context_none = false;
}

void em_error_no_context(em_error *err) {
  if (!err) return;
  err->has_context = true;
  err->context_none = true;
}

void em_error_set_sql_context(em_error *err, const char *fragment) {
  if (!err || err->has_context) return;
  err->has_context = true;
  err->context_none = false;
  err->context_is_sql = true;
  snprintf(err->context_fragment, sizeof err->context_fragment, "%s", fragment ? fragment : "");
  err->context_call_site[0] = '\0';
}

void em_error_set_context(em_error *err, const char *fragment, const char *call_site) {
  if (!err || err->has_context) return;
  err->has_context = true;
  err->context_none = false;
  err->context_is_sql = false;
  snprintf(err->context_fragment, sizeof err->context_fragment, "%s", fragment ? fragment : "");
  snprintf(err->context_call_site, sizeof err->context_call_site, "%s", call_site ? call_site : "");
}

/* Copies src into dst[*pos..cap), always NUL-terminating. */
static void put(char *dst, size_t cap, size_t *pos, const char *src, size_t n) {
  if (*pos + 1 >= cap) return;
  size_t room = cap - 1 - *pos;
  if (n > room) n = room;
  memcpy(dst + *pos, src, n);
  *pos += n;
  dst[*pos] = '\0';
}

static void render(em_error *err) {
  const errclass_info *ci = &errclass_table[err->cls];
  size_t pos = 0;
  char *m = err->msg;
  m[0] = '\0';
  /* Spark prints legacy classes' messages without the [CLASS] prefix. */
  if (ci->name[0] && strncmp(ci->name, "_LEGACY_ERROR_", 14) != 0) {
    put(m, sizeof err->msg, &pos, "[", 1);
    put(m, sizeof err->msg, &pos, ci->name, strlen(ci->name));
    put(m, sizeof err->msg, &pos, "] ", 2);
  }
  for (const char *t = ci->tmpl; *t;) {
    if (*t == '<') {
      const char *close = strchr(t, '>');
      if (close) {
        size_t klen = (size_t)(close - t - 1);
        int found = 0;
        for (int i = 0; i < err->nparams; i++) {
          if (strlen(err->keys[i]) == klen && memcmp(err->keys[i], t + 1, klen) == 0) {
            put(m, sizeof err->msg, &pos, err->vals[i], strlen(err->vals[i]));
            found = 1;
            break;
          }
        }
        if (found) {
          t = close + 1;
          continue;
        }
      }
    }
    put(m, sizeof err->msg, &pos, t, 1);
    t++;
  }
  if (ci->sqlstate[0]) {
    put(m, sizeof err->msg, &pos, " SQLSTATE: ", 11);
    put(m, sizeof err->msg, &pos, ci->sqlstate, strlen(ci->sqlstate));
  }
}

int em_error_setv(em_error *err, em_errclass cls, va_list ap) {
  if (!err) return -1;
  if (cls <= 0 || cls >= EM_ERR__COUNT) cls = EM_ERR_INTERNAL;
  err->cls = cls;
  err->has_context = false;
  err->context_none = false;
  err->nparams = 0;
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (!k) break;
    const char *v = va_arg(ap, const char *);
    if (err->nparams < EM_ERROR_PARAMS_MAX) {
      snprintf(err->keys[err->nparams], EM_ERROR_KEY_MAX, "%s", k);
      snprintf(err->vals[err->nparams], EM_ERROR_VAL_MAX, "%s", v ? v : "null");
      err->nparams++;
    }
  }
  render(err);
  return -1;
}

int em_error_set_(em_error *err, em_errclass cls, ...) {
  va_list ap;
  va_start(ap, cls);
  em_error_setv(err, cls, ap);
  va_end(ap);
  return -1;
}

int em_error_internal(em_error *err, const char *fmt, ...) {
  char buf[EM_ERROR_VAL_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return em_error_set(err, EM_ERR_INTERNAL, "message", buf, NULL);
}

void em_error_append(em_error *err, const char *fmt, ...) {
  if (!err) return;
  size_t n = strlen(err->msg);
  if (n + 1 >= sizeof err->msg) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
  va_end(ap);
}

/* Writes s as a JSON string body (without quotes). */
static void json_escape(char *dst, size_t cap, size_t *pos, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(dst, cap, pos, esc, 2);
    } else if (c < 0x20) {
      int n = snprintf(esc, sizeof esc, "\\u%04x", c);
      put(dst, cap, pos, esc, (size_t)n);
    } else {
      put(dst, cap, pos, (const char *)&c, 1);
    }
  }
}

size_t em_error_params_json(const em_error *err, char *buf, size_t cap) {
  size_t pos = 0;
  if (cap == 0) return 0;
  buf[0] = '\0';
  put(buf, cap, &pos, "{", 1);
  for (int i = 0; i < err->nparams; i++) {
    if (i) put(buf, cap, &pos, ",", 1);
    put(buf, cap, &pos, "\"", 1);
    json_escape(buf, cap, &pos, err->keys[i]);
    put(buf, cap, &pos, "\":\"", 3);
    json_escape(buf, cap, &pos, err->vals[i]);
    put(buf, cap, &pos, "\"", 1);
  }
  put(buf, cap, &pos, "}", 1);
  return pos;
}
