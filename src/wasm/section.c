/*
 * Reading a module binary without the runtime: the walk over its sections
 * that finds the `ember.udf` custom section, and the parser of that
 * section's signature text. Both read hostile bytes: every length is
 * checked against what remains (fuzzed by tests/fuzz/fuzz_wasm.c).
 */
#include "wasm_int.h"

#include <string.h>

/* An unsigned LEB128 of at most 32 bits at *p (< end); advances *p. */
static bool leb_u32(const uint8_t **p, const uint8_t *end, uint32_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (*p >= end) return false;
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (v > UINT32_MAX) return false;
      *out = (uint32_t)v;
      return true;
    }
  }
  return false;
}

static int malformed(em_error *err, const char *why) {
  return em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", "wasm module", "functionName", "?",
                      NULL),
         em_error_append(err, " Malformed WebAssembly module: %s.", why), -1;
}

int em_wasm_custom_section(const uint8_t *bytes, size_t len, const char *name, const uint8_t **payload,
                           size_t *plen, em_error *err) {
  static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  if (len < 8 || memcmp(bytes, magic, 4) != 0) return malformed(err, "no \\0asm header");
  if (memcmp(bytes + 4, magic + 4, 4) != 0) return malformed(err, "not a version 1 core module");
  const uint8_t *p = bytes + 8, *end = bytes + len;
  size_t nlen = strlen(name);
  int found = 0;
  while (p < end) {
    uint8_t id = *p++;
    uint32_t size;
    if (!leb_u32(&p, end, &size) || size > (size_t)(end - p)) return malformed(err, "section size out of bounds");
    const uint8_t *s = p, *send = p + size;
    p = send;
    if (id != 0 || found) continue;
    uint32_t n;
    if (!leb_u32(&s, send, &n) || n > (size_t)(send - s)) return malformed(err, "custom section name out of bounds");
    if (n == nlen && memcmp(s, name, n) == 0) {
      *payload = s + n;
      *plen = (size_t)(send - (s + n));
      found = 1;
    }
  }
  return found;
}

void em_wasm_sigs_free(em_wasm_sig *sigs, int n) {
  for (int i = 0; sigs && i < n; i++) {
    for (int k = 0; k < sigs[i].nargs; k++) em_type_unref(sigs[i].args[k]);
    em_free(sigs[i].args);
    if (sigs[i].ret) em_type_unref(sigs[i].ret);
    em_free(sigs[i].export_name);
  }
  em_free(sigs);
}

static int sig_error(em_error *err, int line, const char *why) {
  em_error_set(err, EM_ERR_CANNOT_LOAD_FUNCTION_CLASS, "className", "wasm module", "functionName", "?", NULL);
  em_error_append(err, " Bad `ember.udf` section, line %d: %s.", line, why);
  return -1;
}

static char *trim_dup(const char *s, const char *e) {
  while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
  char *r = em_malloc((size_t)(e - s) + 1);
  if (!r) return NULL;
  memcpy(r, s, (size_t)(e - s));
  r[e - s] = 0;
  return r;
}

/* Parses one type in DDL form from [s, e); NULL with err set. */
static em_type *parse_type(const char *s, const char *e, int line, em_error *err) {
  char *t = trim_dup(s, e);
  if (!t) return em_error_internal(err, "out of memory"), NULL;
  if (!t[0]) {
    em_free(t);
    return sig_error(err, line, "empty type"), NULL;
  }
  em_error sub;
  em_error_clear(&sub);
  em_type *ty = em_type_parse_ddl(t, &sub);
  if (!ty) sig_error(err, line, "cannot parse a type");
  else if (!em_wasm_type_supported(ty)) {
    em_type_unref(ty);
    ty = NULL;
    sig_error(err, line, "a type the ABI cannot pass");
  }
  em_free(t);
  return ty;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The text after `->`: `type`, `type state N` (an aggregate whose state is
 * N bytes) or `table(name type, ...)` (a table function; a lone type is
 * one column named `col`, as explode's). */
static int parse_result(const char *s, const char *e, int line, em_wasm_sig *sig, em_error *err) {
  while (s < e && is_blank(*s)) s++;
  while (e > s && is_blank(e[-1])) e--;
  if ((size_t)(e - s) > 6 && strncmp(s, "table(", 6) == 0 && e[-1] == ')') {
    em_type *t = parse_type(s + 6, e - 1, line, err);
    if (!t) return -1;
    if (t->id != EM_T_STRUCT) {
      em_type *st = em_type_struct_new(1);
      if (!st || em_type_struct_set(st, 0, "col", t, true, NULL)) {
        if (st) em_type_unref(st);
        else em_type_unref(t);
        return em_error_internal(err, "out of memory");
      }
      t = st;
    }
    if (t->u.st.nfields == 0) {
      em_type_unref(t);
      return sig_error(err, line, "a table function needs at least one output column");
    }
    sig->ret = t;
    sig->kind = EM_WASM_TABLE;
    return 0;
  }
  /* `... state N`: the last two words. */
  const char *w = e;
  while (w > s && w[-1] >= '0' && w[-1] <= '9') w--;
  const char *num = w;
  if (num < e && w > s && is_blank(w[-1])) {
    while (w > s && is_blank(w[-1])) w--;
    if (w - s >= 5 && strncmp(w - 5, "state", 5) == 0 && (w - 5 == s || is_blank(w[-6]))) {
      int64_t n = 0;
      for (const char *c = num; c < e && n <= (1 << 20); c++) n = n * 10 + (*c - '0');
      if (n < 1 || n > 65536) return sig_error(err, line, "a state size from 1 to 65536 bytes");
      sig->kind = EM_WASM_AGGREGATE;
      sig->state_size = n;
      e = w - 5;
    }
  }
  if (!(sig->ret = parse_type(s, e, line, err))) return -1;
  return 0;
}

/* One line `name(t1, t2) -> t`; blank and comment lines give no entry. */
static int parse_line(const char *s, const char *e, int line, em_wasm_sig *sig, bool *any, em_error *err) {
  *any = false;
  const char *hash = memchr(s, '#', (size_t)(e - s));
  if (hash) e = hash;
  const char *q = s;
  while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
  if (q == e) return 0;
  const char *open = memchr(s, '(', (size_t)(e - s));
  if (!open) return sig_error(err, line, "expected `name(types) -> type`");
  /* The matching close parenthesis (types nest: decimal(10,2)). */
  int depth = 0;
  const char *close = NULL;
  for (const char *c = open; c < e; c++) {
    if (*c == '(') depth++;
    else if (*c == ')' && --depth == 0) {
      close = c;
      break;
    }
  }
  if (!close) return sig_error(err, line, "unbalanced parentheses");
  const char *arrow = NULL;
  for (const char *c = close + 1; c + 1 < e; c++)
    if (c[0] == '-' && c[1] == '>') {
      arrow = c;
      break;
    }
  if (!arrow) return sig_error(err, line, "expected `-> type`");
  for (const char *c = close + 1; c < arrow; c++)
    if (*c != ' ' && *c != '\t') return sig_error(err, line, "text between `)` and `->`");
  if (!(sig->export_name = trim_dup(s, open))) return em_error_internal(err, "out of memory");
  if (!sig->export_name[0]) return sig_error(err, line, "empty export name");
  *any = true;
  /* Arguments: split at top-level commas (not inside decimal(p,s) or
   * struct<a:int,b:int>). */
  const char *a = open + 1;
  bool empty = true;
  for (const char *c = a; c < close; c++)
    if (*c != ' ' && *c != '\t') empty = false;
  if (!empty) {
    depth = 0;
    const char *start = a;
    for (const char *c = a; c <= close; c++) {
      if (c < close && (*c == '(' || *c == '<')) depth++;
      else if (c < close && (*c == ')' || *c == '>')) depth--;
      else if (c == close || (*c == ',' && depth == 0)) {
        if (sig->nargs >= 64) return sig_error(err, line, "more than 64 arguments");
        em_type **na = em_realloc(sig->args, sizeof *na * (size_t)(sig->nargs + 1));
        if (!na) return em_error_internal(err, "out of memory");
        sig->args = na;
        if (!(sig->args[sig->nargs] = parse_type(start, c, line, err))) return -1;
        sig->nargs++;
        start = c + 1;
      }
    }
  }
  return parse_result(arrow + 2, e, line, sig, err);
}

int em_wasm_parse_sigs(const char *text, size_t len, em_wasm_sig **sigs, int *nsigs, em_error *err) {
  *sigs = NULL;
  *nsigs = 0;
  if (len > (1u << 20)) return sig_error(err, 0, "section larger than 1 MiB");
  if (memchr(text, 0, len)) return sig_error(err, 0, "NUL byte in the text");
  em_wasm_sig *out = NULL;
  int n = 0, line = 1;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    em_wasm_sig sig;
    memset(&sig, 0, sizeof sig);
    bool any = false;
    if (parse_line(p, le, line, &sig, &any, err)) {
      for (int k = 0; k < sig.nargs; k++) em_type_unref(sig.args[k]);
      em_free(sig.args);
      if (sig.ret) em_type_unref(sig.ret);
      em_free(sig.export_name);
      em_wasm_sigs_free(out, n);
      return -1;
    }
    if (any) {
      em_wasm_sig *no = em_realloc(out, sizeof *no * (size_t)(n + 1));
      if (!no) {
        for (int k = 0; k < sig.nargs; k++) em_type_unref(sig.args[k]);
        em_free(sig.args);
        em_type_unref(sig.ret);
        em_free(sig.export_name);
        em_wasm_sigs_free(out, n);
        return em_error_internal(err, "out of memory");
      }
      out = no;
      out[n++] = sig;
    } else {
      em_free(sig.export_name);
    }
    p = nl ? nl + 1 : end;
    line++;
  }
  *sigs = out;
  *nsigs = n;
  return 0;
}
