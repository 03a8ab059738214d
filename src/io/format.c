/*
 * The registry of file formats and reader options.
 */
#include "format.h"

#include <strings.h>

#define X(name, sym) extern const em_format em_format_##sym;
#include "formats.def"
#undef X

static const em_format *const formats[] = {
#define X(name, sym) &em_format_##sym,
#include "formats.def"
#undef X
    NULL,
};

const em_format *em_format_find(const char *name) {
  for (int i = 0; formats[i]; i++)
    if (strcasecmp(formats[i]->name, name) == 0) return formats[i];
  return NULL;
}

const char *em_options_get(const em_options *o, const char *key) {
  if (!o) return NULL;
  for (int i = o->n - 1; i >= 0; i--) /* the last setting wins */
    if (strcasecmp(o->keys[i], key) == 0) return o->values[i];
  return NULL;
}
