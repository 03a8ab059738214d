/*
 * libFuzzer target for the JSON reader: the option sets below, the
 * harness in fuzz_text_reader.h, and a fixed nested schema (partial
 * results of values that do not convert).
 */
#include <stddef.h>

#include "types/types.h"

/* a int, s struct<u:int,v:string>, arr array<struct<u:int>>,
 * m map<string,array<int>>, _corrupt_record string */
static em_type *fixed_schema(void) {
  em_type *s = em_type_struct_new(2), *e = em_type_struct_new(1), *t = em_type_struct_new(5);
  if (!s || !e || !t) {
    if (s) em_type_unref(s);
    if (e) em_type_unref(e);
    if (t) em_type_unref(t);
    return NULL;
  }
  em_type_struct_set(s, 0, "u", em_type_int(), true, NULL);
  em_type_struct_set(s, 1, "v", em_type_string(), true, NULL);
  em_type_struct_set(e, 0, "u", em_type_int(), true, NULL);
  em_type_struct_set(t, 0, "a", em_type_int(), true, NULL);
  em_type_struct_set(t, 1, "s", s, true, NULL);
  em_type_struct_set(t, 2, "arr", em_type_array(e, true), true, NULL);
  em_type_struct_set(t, 3, "m", em_type_map(em_type_string(), em_type_array(em_type_int(), true), true), true, NULL);
  em_type_struct_set(t, 4, "_corrupt_record", em_type_string(), true, NULL);
  return t;
}
#define FIXED_SCHEMA fixed_schema

#define FMT "json"

static const char *const OPTS[][2][6] = {
    {{NULL}, {NULL}},
    {{"multiLine", "prefersDecimal", NULL}, {"true", "true", NULL}},
    {{"allowComments", "allowUnquotedFieldNames", "allowNumericLeadingZeros", "primitivesAsString", NULL},
     {"true", "true", "true", "true", NULL}},
    {{"mode", "allowBackslashEscapingAnyCharacter", "allowUnquotedControlChars", NULL},
     {"DROPMALFORMED", "true", "true", NULL}},
};

#include "fuzz_text_reader.h"
