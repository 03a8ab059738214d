/*
 * WebAssembly UDFs without a client: the section walk and the `ember.udf`
 * signature parser (hand-made module bytes, malformed ones included), and
 * the registry's shadowing of re-registered names.
 */
#include "runner.h"

#include "wasm/wasm.h"

static size_t leb(uint8_t *out, uint32_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
  } while (v);
  return n;
}

/* A module header followed by one custom section `name` with `payload`. */
static size_t module_with(uint8_t *buf, const char *name, const char *payload) {
  static const uint8_t hdr[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  memcpy(buf, hdr, 8);
  size_t n = 8;
  uint8_t body[512];
  size_t b = leb(body, (uint32_t)strlen(name));
  memcpy(body + b, name, strlen(name));
  b += strlen(name);
  memcpy(body + b, payload, strlen(payload));
  b += strlen(payload);
  buf[n++] = 0;
  n += leb(buf + n, (uint32_t)b);
  memcpy(buf + n, body, b);
  return n + b;
}

TEST(custom_section_found) {
  uint8_t m[600];
  size_t n = module_with(m, "ember.udf", "f(int) -> string\n");
  const uint8_t *p;
  size_t plen;
  em_error err;
  CHECK_EQ_INT(em_wasm_custom_section(m, n, "ember.udf", &p, &plen, &err), 1);
  CHECK_EQ_INT(plen, 17);
  CHECK(memcmp(p, "f(int) -> string\n", 17) == 0);
  CHECK_EQ_INT(em_wasm_custom_section(m, n, "other", &p, &plen, &err), 0);
}

TEST(custom_section_malformed) {
  uint8_t m[600];
  size_t n = module_with(m, "ember.udf", "f(int) -> string\n");
  const uint8_t *p;
  size_t plen;
  em_error err;
  /* Every truncation is an error or a clean miss, never a read past the end. */
  for (size_t k = 0; k < n; k++) {
    int rc = em_wasm_custom_section(m, k, "ember.udf", &p, &plen, &err);
    CHECK(rc == -1 || rc == 0);
    if (rc == -1) CHECK(err.cls == EM_ERR_CANNOT_LOAD_FUNCTION_CLASS);
  }
  m[1] = 'x';
  CHECK_EQ_INT(em_wasm_custom_section(m, n, "ember.udf", &p, &plen, &err), -1);
  CHECK(strstr(err.msg, "Malformed WebAssembly module") != NULL);
}

TEST(signatures_parse) {
  const char *text = "# comment\n norm(string) -> string\n\nfmt(decimal(10, 2), bigint) -> decimal(12,2) # x\n"
                     "now() -> timestamp\n";
  em_wasm_sig *s;
  int n;
  em_error err;
  CHECK_EQ_INT(em_wasm_parse_sigs(text, strlen(text), &s, &n, &err), 0);
  CHECK_EQ_INT(n, 3);
  CHECK(strcmp(s[0].export_name, "norm") == 0);
  CHECK_EQ_INT(s[0].nargs, 1);
  CHECK(s[0].args[0]->id == EM_T_STRING && s[0].ret->id == EM_T_STRING);
  CHECK_EQ_INT(s[1].nargs, 2);
  CHECK(s[1].args[0]->id == EM_T_DECIMAL && s[1].args[0]->u.dec.precision == 10 && s[1].args[0]->u.dec.scale == 2);
  CHECK(s[1].args[1]->id == EM_T_LONG);
  CHECK(s[1].ret->id == EM_T_DECIMAL && s[1].ret->u.dec.precision == 12);
  CHECK_EQ_INT(s[2].nargs, 0);
  CHECK(s[2].ret->id == EM_T_TIMESTAMP);
  em_wasm_sigs_free(s, n);
}

TEST(signatures_malformed) {
  const char *bad[] = {"f(int -> string", "f(int) string", "(int) -> int", "f(int) -> nosuchtype",
                       "f(map<int,int>) -> int", "f(int) x -> int", "f(int,) -> int", "f(int) -> int state 0",
                       "f(int) -> int state 100000", "f(int) -> table()", "f(int) -> table(a nosuchtype)"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    em_wasm_sig *s = NULL;
    int n = 0;
    em_error err;
    CHECK_EQ_INT(em_wasm_parse_sigs(bad[i], strlen(bad[i]), &s, &n, &err), -1);
    CHECK(err.cls == EM_ERR_CANNOT_LOAD_FUNCTION_CLASS);
    CHECK(strstr(err.msg, "ember.udf") != NULL);
  }
}

TEST(signatures_of_v2_kinds) {
  const char *text = "avg(double) -> double state 12\n"
                     "tok(string) -> table(word string, pos int)\n"
                     "one(int) -> table(int)\n"
                     "pn(struct<s:string,n:bigint>, array<int>) -> array<struct<a:int,b:string>>\n"
                     "st(int) -> bigint state\n";
  em_wasm_sig *s;
  int n;
  em_error err;
  /* The last line has no size: `state` then reads as a type name. */
  CHECK_EQ_INT(em_wasm_parse_sigs(text, strlen(text), &s, &n, &err), -1);
  CHECK_EQ_INT(em_wasm_parse_sigs(text, strlen(text) - strlen("st(int) -> bigint state\n"), &s, &n, &err), 0);
  CHECK_EQ_INT(n, 4);
  CHECK(s[0].kind == 1 && s[0].state_size == 12 && s[0].ret->id == EM_T_DOUBLE);
  CHECK(s[1].kind == 2 && s[1].ret->id == EM_T_STRUCT && s[1].ret->u.st.nfields == 2);
  CHECK(strcmp(s[1].ret->u.st.fields[0].name, "word") == 0 && s[1].ret->u.st.fields[1].type->id == EM_T_INT);
  CHECK(s[2].kind == 2 && s[2].ret->u.st.nfields == 1 && strcmp(s[2].ret->u.st.fields[0].name, "col") == 0);
  CHECK(s[3].kind == 0 && s[3].nargs == 2 && s[3].args[0]->id == EM_T_STRUCT && s[3].args[1]->id == EM_T_ARRAY);
  CHECK(s[3].ret->id == EM_T_ARRAY && s[3].ret->u.array.elem->id == EM_T_STRUCT);
  em_wasm_sigs_free(s, n);
}

TEST(registry_rejects_garbage_and_keeps_names) {
  em_udf_registry *r = em_udf_registry_new();
  em_error err;
  const uint8_t junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 200};
  CHECK_EQ_INT(em_udf_register_wasm(r, "F", "junk.wasm", junk, sizeof junk, "f", em_type_int(), true, &err), -1);
  CHECK(err.cls == EM_ERR_CANNOT_LOAD_FUNCTION_CLASS || err.cls == EM_ERR_UNSUPPORTED_FEATURE);
  CHECK(em_udf_lookup(r, "f") == NULL);
  CHECK(em_udf_name_at(r, 0) == NULL);
  em_udf_registry_free(r);
}

TEST_LIST{
    TEST_ENTRY(custom_section_found),
    TEST_ENTRY(custom_section_malformed),
    TEST_ENTRY(signatures_parse),
    TEST_ENTRY(signatures_malformed),
    TEST_ENTRY(signatures_of_v2_kinds),
    TEST_ENTRY(registry_rejects_garbage_and_keeps_names),
    TEST_END,
};
