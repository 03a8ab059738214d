/*
 * A session's WASM functions: names bound to exports of uploaded modules.
 *
 * Entries are only ever added: re-registering a name adds a newer entry
 * that shadows the older one, and every entry lives until the registry is
 * freed with its session. So an analyzed plan may keep plain pointers to
 * the functions it calls while another request of the same session
 * re-registers them. All functions of one module share one binding id, the
 * key of the per-thread instance pool, so they run in the same instance.
 */
#include "wasm_int.h"

#include "../expr/func.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct mod_binding {
  em_wasm_module *module; /* counted reference */
  uint64_t binding;
} mod_binding;

struct em_udf_registry {
  pthread_mutex_t mu;
  em_wasm_fn **fns;
  int nfns, capfns;
  mod_binding *mods;
  int nmods, capmods;
  em_udf_registry *fallback; /* looked up after this one's own names (not owned) */
};

em_udf_registry *em_udf_registry_new(void) {
  em_udf_registry *r = em_calloc(1, sizeof *r);
  if (r) pthread_mutex_init(&r->mu, NULL);
  return r;
}

static void fn_free(em_wasm_fn *f) {
  if (!f) return;
  em_free(f->agg);
  em_free(f->init_state);
  if (f->table_out) em_type_unref(f->table_out);
  for (int i = 0; i < f->nargs; i++) em_type_unref(f->args[i]);
  em_free(f->args);
  if (f->ret) em_type_unref(f->ret);
  em_wasm_module_unref(f->module);
  em_free(f->name);
  em_free(f->export_name);
  em_free(f->label);
  em_free(f->signature);
  em_free(f->result);
  em_free(f);
}

void em_udf_registry_free(em_udf_registry *r) {
  if (!r) return;
  for (int i = 0; i < r->nfns; i++) fn_free(r->fns[i]);
  for (int i = 0; i < r->nmods; i++) em_wasm_module_unref(r->mods[i].module);
  em_free(r->fns);
  em_free(r->mods);
  pthread_mutex_destroy(&r->mu);
  em_free(r);
}

static char *lower_dup(const char *s) {
  char *d = em_strdup(s);
  for (char *p = d; p && *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return d;
}

/* "string, int" (or "..." when undeclared) and the result's simple string. */
static int describe(em_wasm_fn *f) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  if (f->nargs < 0) em_strbuf_puts(&sb, "...");
  for (int i = 0; i < f->nargs; i++) {
    if (i) em_strbuf_puts(&sb, ", ");
    em_type_simple_string(f->args[i], &sb);
  }
  f->signature = em_strbuf_take(&sb);
  em_type_simple_string(f->ret, &sb);
  f->result = em_strbuf_take(&sb);
  return f->signature && f->result ? 0 : -1;
}

/* The declared signature of export_name, if the module has an ember.udf
 * section naming it: 1 found, 0 not, -1 error. */
static int declared_sig(const uint8_t *bytes, size_t len, const char *export_name, em_wasm_fn *f, const char *label,
                        em_error *err) {
  const uint8_t *payload;
  size_t plen;
  int found = em_wasm_custom_section(bytes, len, EM_WASM_SECTION, &payload, &plen, err);
  if (found <= 0) return found;
  em_wasm_sig *sigs;
  int n;
  if (em_wasm_parse_sigs((const char *)payload, plen, &sigs, &n, err)) {
    /* Name the module and function in the parser's error. */
    char why[EM_ERROR_MSG_MAX];
    const char *tail = strstr(err->msg, " Bad `ember.udf`");
    snprintf(why, sizeof why, "%s", tail ? tail + 1 : "bad ember.udf section");
    char *dot = strstr(why, " SQLSTATE");
    if (dot) *dot = 0;
    return em_wasm_load_error(err, label, f->name, "%s", why);
  }
  int rc = 0;
  for (int i = 0; i < n; i++) {
    if (strcmp(sigs[i].export_name, export_name) != 0) continue;
    f->nargs = sigs[i].nargs;
    f->args = sigs[i].args;
    f->ret = sigs[i].ret;
    f->kind = (em_wasm_kind)sigs[i].kind;
    f->state_size = (size_t)sigs[i].state_size;
    sigs[i].args = NULL;
    sigs[i].nargs = 0;
    sigs[i].ret = NULL;
    rc = 1;
    break;
  }
  em_wasm_sigs_free(sigs, n);
  return rc;
}

/* Checks the exports a kind of function needs: the export itself for a
 * scalar or table function, <export>_init/_update/_merge/_finish for an
 * aggregate. */
static int check_exports(em_wasm_fn *f, const char *label, const char *name, em_error *err) {
  if (f->kind != EM_WASM_AGGREGATE) return em_wasm_module_check_export(f->module, f->export_name, label, name, err);
  static const char *const parts[] = {"init", "update", "merge", "finish"};
  for (int i = 0; i < 4; i++) {
    char ex[300];
    snprintf(ex, sizeof ex, "%s_%s", f->export_name, parts[i]);
    if (em_wasm_module_check_export(f->module, ex, label, name, err)) return -1;
  }
  return 0;
}

/* struct<parent int, the declared outputs...>. */
static em_type *table_out_type(em_type *outs) {
  int n = outs->u.st.nfields;
  em_type *t = em_type_struct_new(n + 1);
  if (!t) return NULL;
  if (em_type_struct_set(t, 0, "parent", em_type_int(), false, NULL)) goto fail;
  for (int i = 0; i < n; i++)
    if (em_type_struct_set(t, i + 1, outs->u.st.fields[i].name, em_type_ref(outs->u.st.fields[i].type), true, NULL))
      goto fail;
  return t;
fail:
  em_type_unref(t);
  return NULL;
}

/* Adds f to the registry, sharing the binding of an earlier function of
 * the same module (one instance per session and module). */
static int registry_add(em_udf_registry *r, em_wasm_fn *f, em_error *err);

int em_udf_register_wasm(em_udf_registry *r, const char *name, const char *label, const uint8_t *bytes, size_t len,
                         const char *export_name, em_type *ret, bool deterministic, em_error *err) {
  return em_udf_register_wasm_ex(r, name, label, bytes, len, export_name, ret, deterministic, false, err);
}

int em_udf_register_wasm_ex(em_udf_registry *r, const char *name, const char *label, const uint8_t *bytes, size_t len,
                            const char *export_name, em_type *ret, bool deterministic, bool aggregate, em_error *err) {
  em_wasm_fn *f = em_calloc(1, sizeof *f);
  if (!f) return em_error_internal(err, "out of memory");
  f->nargs = -1;
  f->deterministic = deterministic;
  if (!(f->name = lower_dup(name)) || !(f->export_name = em_strdup(export_name)) || !(f->label = em_strdup(label))) {
    fn_free(f);
    return em_error_internal(err, "out of memory");
  }
  if (em_wasm_module_get(bytes, len, label, name, &f->module, err) ||
      declared_sig(bytes, len, export_name, f, label, err) < 0 || check_exports(f, label, name, err)) {
    fn_free(f);
    return -1;
  }
  if (aggregate && f->kind != EM_WASM_AGGREGATE) {
    fn_free(f);
    return em_wasm_load_error(err, label, name,
                              "registerJavaUDAF needs an aggregate: declare `%s(types) -> type state N` in the "
                              "module's `ember.udf` section (N bytes of state; see docs/wasm-udf-abi.md).",
                              export_name);
  }
  if (ret && f->kind == EM_WASM_TABLE) {
    fn_free(f);
    return em_wasm_load_error(err, label, name, "A table function's output columns come from its `ember.udf` "
                                                "declaration, not from a registered return type.");
  }
  if (ret) {
    if (!em_wasm_type_supported(ret)) {
      em_strbuf sb;
      em_strbuf_init(&sb);
      em_type_simple_string(ret, &sb);
      em_wasm_load_error(err, label, name, "The return type %s cannot cross the WASM ABI v1.", sb.data ? sb.data : "?");
      em_strbuf_free(&sb);
      fn_free(f);
      return -1;
    }
    if (f->ret) em_type_unref(f->ret);
    f->ret = em_type_ref(ret);
  }
  if (!f->ret) {
    fn_free(f);
    return em_wasm_load_error(err, label, name,
                              "No return type: pass one to registerJavaFunction or declare `%s(...) -> type` in "
                              "the module's `ember.udf` section.",
                              export_name);
  }
  if (describe(f)) {
    fn_free(f);
    return em_error_internal(err, "out of memory");
  }
  /* An aggregate's initial state comes from the guest, once. */
  if (f->kind == EM_WASM_AGGREGATE && em_wasm_agg_prepare(f, err)) {
    if (err->cls == EM_ERR_FAILED_EXECUTE_UDF) {
      char why[EM_ERROR_MSG_MAX];
      snprintf(why, sizeof why, "%s", err->msg);
      em_wasm_load_error(err, label, name, "Its %s_init failed: %s", export_name, why);
    }
    fn_free(f);
    return -1;
  }
  if (f->kind == EM_WASM_TABLE && !(f->table_out = table_out_type(f->ret))) {
    fn_free(f);
    return em_error_internal(err, "out of memory");
  }
  f->deterministic = deterministic;
  int rc = registry_add(r, f, err);
  if (rc) fn_free(f);
  return rc;
}

static int registry_add(em_udf_registry *r, em_wasm_fn *f, em_error *err) {
  pthread_mutex_lock(&r->mu);
  int rc = 0;
  f->binding = 0;
  for (int i = 0; i < r->nmods; i++)
    if (r->mods[i].module == f->module) f->binding = r->mods[i].binding;
  if (!f->binding) {
    if (r->nmods == r->capmods) {
      int nc = r->capmods ? 2 * r->capmods : 4;
      mod_binding *nm = em_realloc(r->mods, sizeof *nm * (size_t)nc);
      if (!nm) rc = em_error_internal(err, "out of memory");
      else {
        r->mods = nm;
        r->capmods = nc;
      }
    }
    if (!rc) {
      f->binding = em_wasm_new_binding();
      r->mods[r->nmods].module = em_wasm_module_ref(f->module);
      r->mods[r->nmods].binding = f->binding;
      r->nmods++;
    }
  }
  if (!rc && r->nfns == r->capfns) {
    int nc = r->capfns ? 2 * r->capfns : 8;
    em_wasm_fn **nf = em_realloc(r->fns, sizeof *nf * (size_t)nc);
    if (!nf) rc = em_error_internal(err, "out of memory");
    else {
      r->fns = nf;
      r->capfns = nc;
    }
  }
  if (!rc) r->fns[r->nfns++] = f;
  pthread_mutex_unlock(&r->mu);
  return rc;
}

/* A copy of f for another registry (no binding yet). */
static em_wasm_fn *fn_clone(const em_wasm_fn *s, em_error *err) {
  em_wasm_fn *f = em_calloc(1, sizeof *f);
  if (!f) return em_error_internal(err, "out of memory"), NULL;
  f->module = em_wasm_module_ref(s->module);
  f->nargs = s->nargs;
  f->kind = s->kind;
  f->deterministic = s->deterministic;
  f->state_size = s->state_size;
  f->ret = em_type_ref(s->ret);
  if (s->table_out) f->table_out = em_type_ref(s->table_out);
  bool ok = (f->name = em_strdup(s->name)) && (f->export_name = em_strdup(s->export_name)) &&
            (f->label = em_strdup(s->label)) && (f->signature = em_strdup(s->signature)) &&
            (f->result = em_strdup(s->result));
  if (ok && s->nargs > 0) {
    ok = (f->args = em_calloc((size_t)s->nargs, sizeof *f->args)) != NULL;
    for (int i = 0; ok && i < s->nargs; i++) f->args[i] = em_type_ref(s->args[i]);
  }
  if (ok && s->agg) {
    ok = (f->agg = em_malloc(sizeof *f->agg)) && (f->init_state = em_malloc(s->state_size));
    if (ok) {
      *f->agg = *s->agg;
      memcpy(f->init_state, s->init_state, s->state_size);
    }
  }
  if (!ok) {
    if (f->nargs > 0 && !f->args) f->nargs = 0;
    fn_free(f);
    return em_error_internal(err, "out of memory"), NULL;
  }
  return f;
}

int em_udf_registry_copy(em_udf_registry *dst, em_udf_registry *src, em_error *err) {
  if (!src || !dst) return 0;
  /* A snapshot of src's entries (they live as long as src does). */
  pthread_mutex_lock(&src->mu);
  int n = src->nfns;
  em_wasm_fn **snap = em_malloc(sizeof *snap * (size_t)(n ? n : 1));
  if (snap) memcpy(snap, src->fns, sizeof *snap * (size_t)n);
  pthread_mutex_unlock(&src->mu);
  if (!snap) return em_error_internal(err, "out of memory");
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    if (snap[i]->dropped) continue;
    em_wasm_fn *f = fn_clone(snap[i], err);
    if (!f) rc = -1;
    else if ((rc = registry_add(dst, f, err))) fn_free(f);
  }
  em_free(snap);
  return rc;
}

const em_wasm_fn *em_udf_lookup(em_udf_registry *r, const char *name) {
  if (!r) return NULL;
  const em_wasm_fn *f = NULL;
  pthread_mutex_lock(&r->mu);
  for (int i = r->nfns - 1; i >= 0 && !f; i--)
    if (!r->fns[i]->dropped && em_strcaseeq(r->fns[i]->name, name)) f = r->fns[i];
  em_udf_registry *fb = r->fallback;
  pthread_mutex_unlock(&r->mu);
  return f ? f : em_udf_lookup(fb, name);
}

void em_udf_registry_set_fallback(em_udf_registry *r, em_udf_registry *fallback) {
  pthread_mutex_lock(&r->mu);
  r->fallback = fallback != r ? fallback : NULL;
  pthread_mutex_unlock(&r->mu);
}

bool em_udf_is_own(em_udf_registry *r, const char *name) {
  if (!r) return false;
  bool found = false;
  pthread_mutex_lock(&r->mu);
  for (int i = 0; i < r->nfns && !found; i++) found = !r->fns[i]->dropped && em_strcaseeq(r->fns[i]->name, name);
  pthread_mutex_unlock(&r->mu);
  return found;
}

bool em_udf_unregister(em_udf_registry *r, const char *name) {
  /* Only this registry's own bindings (never its fallback's). */
  if (!r) return false;
  bool found = false;
  pthread_mutex_lock(&r->mu);
  for (int i = 0; i < r->nfns; i++)
    if (!r->fns[i]->dropped && em_strcaseeq(r->fns[i]->name, name)) {
      r->fns[i]->dropped = true;
      found = true;
    }
  pthread_mutex_unlock(&r->mu);
  return found;
}

bool em_udf_binding(em_udf_registry *r, const char *name, const char **label, const char **export_name) {
  const em_wasm_fn *f = em_udf_lookup(r, name);
  if (!f) return false;
  *label = f->label;
  *export_name = f->export_name;
  return true;
}

const char *em_udf_name_at(em_udf_registry *r, int i) {
  if (!r) return NULL;
  const char *res = NULL;
  pthread_mutex_lock(&r->mu);
  int k = 0;
  for (int j = 0; j < r->nfns && !res; j++) {
    if (r->fns[j]->dropped) continue;
    bool later = false;
    for (int l = j + 1; l < r->nfns && !later; l++) later = strcmp(r->fns[l]->name, r->fns[j]->name) == 0;
    if (later) continue;
    if (k++ == i) res = r->fns[j]->name;
  }
  pthread_mutex_unlock(&r->mu);
  return res;
}

const char *em_wasm_fn_name(const em_wasm_fn *f) { return f->name; }
em_type *em_wasm_fn_ret(const em_wasm_fn *f) { return f->ret; }
int em_wasm_fn_nargs(const em_wasm_fn *f) { return f->nargs; }
em_type *em_wasm_fn_arg(const em_wasm_fn *f, int i) { return f->args[i]; }
bool em_wasm_fn_deterministic(const em_wasm_fn *f) { return f->deterministic; }
bool em_wasm_fn_is_aggregate(const em_wasm_fn *f) { return f->kind == EM_WASM_AGGREGATE; }
const em_agg_def *em_wasm_fn_agg(const em_wasm_fn *f) { return f->agg; }
bool em_wasm_fn_is_table(const em_wasm_fn *f) { return f->kind == EM_WASM_TABLE; }
