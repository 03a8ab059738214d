/*
 * libFuzzer target for the CSV reader: the option sets below, the
 * harness in fuzz_text_reader.h.
 */
#include <stddef.h>

#define FMT "csv"

static const char *const OPTS[][2][6] = {
    {{"header", "inferSchema", NULL}, {"true", "true", NULL}},
    {{"inferSchema", "multiLine", "mode", NULL}, {"true", "true", "DROPMALFORMED", NULL}},
    {{"sep", "quote", "escape", "comment", "nullValue", NULL}, {"||", "'", "'", "#", "NA", NULL}},
    {{"inferSchema", "mode", "timestampFormat", "dateFormat", NULL},
     {"true", "FAILFAST", "yyyy-MM-dd HH:mm[:ss][.SSS]XXX", "dd/MM/yyyy", NULL}},
};

#include "fuzz_text_reader.h"
