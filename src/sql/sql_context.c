/*
 * The excerpt Spark appends to runtime errors raised by expressions from
 * SQL text (SQLQueryContext.summary):
 *
 *   == SQL (line 1, position 8) ==
 *   SELECT 1/0 AS x
 *          ^^^
 *
 * The fragment's lines are shown with at most 32 characters before its
 * start and after its end ("..." marks a cut), each followed by a line of
 * carets under the fragment's characters.
 */
#include "sql_int.h"

#include <string.h>

#include "../base/strbuf.h"

#define EXTRA 32

char *em_sql_context_summary(em_sqlp *p, int line, int col, int start, int stop) {
  const char *text = p->text;
  int len = (int)strlen(text);
  if (start < 0 || start >= len) return NULL;
  if (stop >= len) stop = len - 1;
  if (stop < start) stop = start;
  /* The first character shown: back to the line start or EXTRA before. */
  int from = start;
  while (from > 0 && text[from - 1] != '\n' && start - (from - 1) <= EXTRA) from--;
  bool cut_front = from > 0 && text[from - 1] != '\n';
  /* One past the last character shown. */
  int to = stop + 1;
  while (to < len && text[to] != '\n' && to - stop <= EXTRA) to++;
  bool cut_back = to < len && text[to] != '\n';
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_strbuf_printf(&sb, "== SQL (line %d, position %d) ==\n", line, col + 1);
  int i = from;
  bool first = true;
  while (i <= to) {
    int e = i;
    while (e < to && text[e] != '\n') e++;
    /* the line text[i..e) */
    if (first && cut_front) em_strbuf_puts(&sb, "...");
    em_strbuf_append(&sb, text + i, (size_t)(e - i));
    if (e == to && cut_back) em_strbuf_puts(&sb, "...");
    em_strbuf_puts(&sb, "\n");
    if (first && cut_front) em_strbuf_puts(&sb, "   "); /* under the "..." */
    for (int k = i; k < e && k <= stop; k++) em_strbuf_puts(&sb, k < start ? " " : "^");
    em_strbuf_puts(&sb, "\n");
    first = false;
    if (e >= to) break;
    i = e + 1;
  }
  char *out = em_sql_strdup(p, sb.data ? sb.data : "");
  em_strbuf_free(&sb);
  return out;
}
