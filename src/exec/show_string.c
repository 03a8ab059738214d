/*
 * Dataset.showString: the table (or, vertically, the records) that
 * df.show() prints, character for character as Spark 4.2 lays it out.
 *
 * Cells are formatted with em_format_value, control characters escaped
 * (\n, \t, ...), then cut to `truncate` UTF-16 units ("..." replaces the
 * last three when truncate >= 4). Column widths are at least 3 and count
 * East Asian wide characters twice (Spark's Utils.stringHalfWidth);
 * padding is computed from that width, so wide text lines up in a
 * terminal. Header names are escaped but never truncated.
 */
#include "exec_int.h"

#include <string.h>

typedef struct cell {
  char *s;
  size_t len;
  int64_t width; /* display width (half-width units) */
} cell;

/* Decodes one UTF-8 code point at s[*i] (lenient: bad bytes are single
 * units). */
static uint32_t next_cp(const char *s, size_t n, size_t *i) {
  unsigned char c = (unsigned char)s[*i];
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 3 ? c & 0x07 : extra == 2 ? c & 0x0F : extra == 1 ? c & 0x1F : c;
  size_t j = *i + 1;
  for (int k = 0; k < extra && j < n && ((unsigned char)s[j] & 0xC0) == 0x80; k++, j++)
    cp = (cp << 6) | ((unsigned char)s[j] & 0x3F);
  *i = j;
  return cp;
}

/* Spark's fullWidthRegex ranges. */
static bool full_width(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE10 && cp <= 0xFE19) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6);
}

static int64_t utf16_len(const char *s, size_t n) {
  int64_t units = 0;
  for (size_t i = 0; i < n;) units += next_cp(s, n, &i) >= 0x10000 ? 2 : 1;
  return units;
}

static int64_t half_width(const char *s, size_t n) {
  int64_t w = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp = next_cp(s, n, &i);
    w += (cp >= 0x10000 ? 2 : 1) + (full_width(cp) ? 1 : 0);
  }
  return w;
}

/* Spark's escapeMetaCharacters. */
static void escape_meta(em_strbuf *dst, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '\n': em_strbuf_puts(dst, "\\n"); break;
    case '\r': em_strbuf_puts(dst, "\\r"); break;
    case '\t': em_strbuf_puts(dst, "\\t"); break;
    case '\f': em_strbuf_puts(dst, "\\f"); break;
    case '\b': em_strbuf_puts(dst, "\\b"); break;
    case '\v': em_strbuf_puts(dst, "\\v"); break;
    case '\a': em_strbuf_puts(dst, "\\a"); break;
    default: em_strbuf_putc(dst, s[i]);
    }
  }
}

/* Byte length of the first `units` UTF-16 units of s. Java's substring
 * may cut a surrogate pair in half; the lone half then reaches the client
 * as "?" (what Java's UTF-8 encoder writes for it), so *half is set when
 * the cut falls inside a character outside the BMP. */
static size_t prefix_bytes(const char *s, size_t n, int64_t units, bool *half) {
  size_t i = 0;
  int64_t u = 0;
  *half = false;
  while (i < n) {
    size_t j = i;
    int64_t w = next_cp(s, n, &j) >= 0x10000 ? 2 : 1;
    if (u + w > units) {
      *half = u < units;
      break;
    }
    u += w;
    i = j;
  }
  return i;
}

/* Escapes, truncates and measures text into c. */
static int make_cell(cell *c, const char *s, size_t n, int truncate, bool cut) {
  em_strbuf sb;
  em_strbuf_init(&sb);
  escape_meta(&sb, s, n);
  if (cut && truncate > 0 && utf16_len(sb.data ? sb.data : "", sb.len) > truncate) {
    bool half;
    size_t keep = prefix_bytes(sb.data, sb.len, truncate < 4 ? truncate : truncate - 3, &half);
    sb.len = keep;
    sb.data[keep] = '\0';
    if (half) em_strbuf_putc(&sb, '?');
    if (truncate >= 4) em_strbuf_puts(&sb, "...");
  }
  if (sb.oom) {
    em_strbuf_free(&sb);
    return -1;
  }
  c->len = sb.len;
  c->s = em_strbuf_take(&sb);
  c->width = half_width(c->s, c->len);
  return c->s ? 0 : -1;
}

static void pad(em_strbuf *out, int64_t n, char ch) {
  if (n > 0) em_strbuf_repeat(out, ch, (size_t)n);
}

static void render_table(em_strbuf *out, cell *cells, int ncols, int64_t nrows, int64_t *widths, bool right) {
  em_strbuf sep;
  em_strbuf_init(&sep);
  /* Scala's addString(start "+", sep "+", end "+"): "++" with no columns. */
  em_strbuf_putc(&sep, '+');
  for (int c = 0; c < ncols; c++) {
    pad(&sep, widths[c], '-');
    em_strbuf_putc(&sep, '+');
  }
  if (ncols == 0) em_strbuf_putc(&sep, '+');
  em_strbuf_putc(&sep, '\n');
  em_strbuf_append(out, sep.data, sep.len);
  for (int64_t r = 0; r <= nrows; r++) { /* row 0 is the header */
    em_strbuf_putc(out, '|');
    if (ncols == 0) em_strbuf_putc(out, '|');
    for (int c = 0; c < ncols; c++) {
      const cell *x = &cells[r * ncols + c];
      if (right) pad(out, widths[c] - x->width, ' ');
      em_strbuf_append(out, x->s, x->len);
      if (!right) pad(out, widths[c] - x->width, ' ');
      em_strbuf_putc(out, '|');
    }
    em_strbuf_putc(out, '\n');
    if (r == 0) em_strbuf_append(out, sep.data, sep.len);
  }
  em_strbuf_append(out, sep.data, sep.len);
  if (sep.oom) out->oom = true;
  em_strbuf_free(&sep);
}

static void render_vertical(em_strbuf *out, cell *cells, int ncols, int64_t nrows) {
  int64_t name_w = 3, data_w = 3;
  for (int c = 0; c < ncols; c++) name_w = cells[c].width > name_w ? cells[c].width : name_w;
  for (int64_t k = ncols; k < (nrows + 1) * ncols; k++) data_w = cells[k].width > data_w ? cells[k].width : data_w;
  for (int64_t r = 1; r <= nrows; r++) {
    size_t start = out->len;
    em_strbuf_printf(out, "-RECORD %lld", (long long)(r - 1));
    pad(out, name_w + data_w + 5 - (int64_t)(out->len - start), '-');
    em_strbuf_putc(out, '\n');
    for (int c = 0; c < ncols; c++) {
      const cell *h = &cells[c], *x = &cells[r * ncols + c];
      em_strbuf_putc(out, ' ');
      em_strbuf_append(out, h->s, h->len);
      pad(out, name_w - h->width, ' ');
      em_strbuf_puts(out, " | ");
      em_strbuf_append(out, x->s, x->len);
      pad(out, data_w - x->width, ' ');
      em_strbuf_puts(out, " \n");
    }
  }
}

/* Appends s with HTML's special characters escaped (Apache Commons'
 * escapeHtml4 for the characters a cell can hold). */
static void html_escape(em_strbuf *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '<': em_strbuf_puts(out, "&lt;"); break;
    case '>': em_strbuf_puts(out, "&gt;"); break;
    case '&': em_strbuf_puts(out, "&amp;"); break;
    case '"': em_strbuf_puts(out, "&quot;"); break;
    default: em_strbuf_putc(out, s[i]);
    }
  }
}

/* Spark's Dataset.htmlString: the same cells as showString in an HTML table. */
static void render_html(em_strbuf *out, cell *cells, int ncols, int64_t nrows) {
  em_strbuf_puts(out, "<table border='1'>\n");
  for (int64_t r = 0; r <= nrows; r++) {
    const char *open = r == 0 ? "<th>" : "<td>", *close = r == 0 ? "</th>" : "</td>";
    em_strbuf_puts(out, "<tr>");
    em_strbuf_puts(out, open);
    for (int c = 0; c < ncols; c++) {
      if (c) {
        em_strbuf_puts(out, close);
        em_strbuf_puts(out, open);
      }
      html_escape(out, cells[r * ncols + c].s, cells[r * ncols + c].len);
    }
    em_strbuf_puts(out, close);
    em_strbuf_puts(out, "</tr>\n");
  }
  em_strbuf_puts(out, "</table>\n");
}

static int render(const em_type *schema, em_batch *const *batches, int nbatches, int64_t num_rows, int truncate,
                  bool vertical, bool html, const char *tz_name, int64_t total_rows, em_strbuf *out, em_error *err);

int em_show_string(const em_type *schema, em_batch *const *batches, int nbatches, int64_t num_rows, int truncate,
                   bool vertical, const char *tz_name, int64_t total_rows, em_strbuf *out, em_error *err) {
  return render(schema, batches, nbatches, num_rows, truncate, vertical, false, tz_name, total_rows, out, err);
}

int em_html_string(const em_type *schema, em_batch *const *batches, int nbatches, int64_t num_rows, int truncate,
                   const char *tz_name, int64_t total_rows, em_strbuf *out, em_error *err) {
  return render(schema, batches, nbatches, num_rows, truncate, false, true, tz_name, total_rows, out, err);
}

static int render(const em_type *schema, em_batch *const *batches, int nbatches, int64_t num_rows, int truncate,
                  bool vertical, bool html, const char *tz_name, int64_t total_rows, em_strbuf *out, em_error *err) {
  if (!schema || schema->id != EM_T_STRUCT || nbatches < 0 || (nbatches > 0 && !batches))
    return em_error_internal(err, "show: bad arguments");
  if (num_rows < 0) num_rows = 0;
  em_format_opts opts = {.tz = NULL};
  if (!(opts.tz = em_tz_get(tz_name ? tz_name : "UTC", err))) return -1;
  int ncols = schema->u.st.nfields;
  int64_t avail = 0;
  for (int b = 0; b < nbatches; b++) {
    if (!batches[b] || batches[b]->ncols != ncols) return em_error_internal(err, "show: batch does not match schema");
    avail += batches[b]->nrows;
  }
  int64_t nrows = avail < num_rows ? avail : num_rows;
  if (total_rows < avail) total_rows = avail;
  int rc = -1;
  size_t ncells = (size_t)(nrows + 1) * (size_t)(ncols ? ncols : 1);
  cell *cells = em_calloc(ncells, sizeof(cell));
  int64_t *widths = em_calloc((size_t)(ncols ? ncols : 1), sizeof(int64_t));
  em_strbuf text;
  em_strbuf_init(&text);
  if (!cells || !widths) goto oom;
  for (int c = 0; c < ncols; c++) {
    const char *name = schema->u.st.fields[c].name;
    if (make_cell(&cells[c], name, strlen(name), truncate, false)) goto oom;
  }
  int64_t r = 1;
  for (int b = 0; b < nbatches && r <= nrows; b++) {
    for (int64_t i = 0; i < batches[b]->nrows && r <= nrows; i++, r++) {
      for (int c = 0; c < ncols; c++) {
        em_strbuf_reset(&text);
        if (em_format_value(batches[b]->cols[c], i, &opts, &text, err)) goto fail;
        if (make_cell(&cells[r * ncols + c], text.data ? text.data : "", text.len, truncate, true)) goto oom;
      }
    }
  }
  if (html) {
    render_html(out, cells, ncols, nrows);
    if (total_rows > num_rows)
      em_strbuf_printf(out, "only showing top %lld %s\n", (long long)num_rows, num_rows == 1 ? "row" : "rows");
    if (out->oom) goto oom;
    rc = 0;
    goto fail;
  }
  if (!vertical) {
    for (int c = 0; c < ncols; c++) {
      widths[c] = 3;
      for (int64_t k = 0; k <= nrows; k++)
        if (cells[k * ncols + c].width > widths[c]) widths[c] = cells[k * ncols + c].width;
    }
    render_table(out, cells, ncols, nrows, widths, truncate > 0);
  } else {
    render_vertical(out, cells, ncols, nrows);
  }
  /* Spark 4.2 ends the footers without a newline. */
  if (vertical && nrows == 0) em_strbuf_puts(out, "(0 rows)");
  else if (total_rows > num_rows)
    em_strbuf_printf(out, "only showing top %lld %s", (long long)num_rows, num_rows == 1 ? "row" : "rows");
  if (out->oom) goto oom;
  rc = 0;
  goto fail;
oom:
  em_error_set(err, EM_ERR_MEMORY_LIMIT, "requestedBytes", "?", "receivedBytes", "0", NULL);
fail:
  if (cells)
    for (size_t k = 0; k < ncells; k++) em_free(cells[k].s);
  em_free(cells);
  em_free(widths);
  em_strbuf_free(&text);
  return rc;
}
