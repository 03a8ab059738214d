/*
 * A local path as Spark names a file in its errors, input_file_name() and
 * the _metadata column: Hadoop's Path.toUri(), i.e. java.net.URI's
 * quoting of a path (ASCII characters outside the URI grammar's path
 * characters become %XX; other characters are kept), behind "file://"
 * (input_file_name(), FAILED_READ_FILE) or "file:" (_metadata.file_path).
 */
#include "io_int.h"

#include <string.h>

static bool uri_path_char(unsigned char c) {
  if (c >= 0x80) return true; /* java.net.URI keeps "other" characters */
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c && strchr("_-!.~'()*,;:$&+=/@", c) != NULL;
}

int em_io_file_uri(const char *path, bool authority, em_strbuf *sb) {
  static const char hex[] = "0123456789ABCDEF";
  em_strbuf_puts(sb, authority ? "file://" : "file:");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (uri_path_char(*p)) {
      em_strbuf_putc(sb, (char)*p);
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      em_strbuf_append(sb, e, 3);
    }
  }
  return sb->oom ? -1 : 0;
}
