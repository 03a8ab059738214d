/*
 * libFuzzer target for the JSON reader: the option sets below, the
 * harness in fuzz_text_reader.h.
 */
#include <stddef.h>

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
