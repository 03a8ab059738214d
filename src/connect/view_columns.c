/*
 * The column checks Spark makes when a temporary view is created from SQL:
 * a column list must name exactly the query's columns
 * (CREATE_VIEW_COLUMN_ARITY_MISMATCH), and the view's column names (the
 * list's, else the query's) must be unique, case-insensitively unless
 * spark.sql.caseSensitive (COLUMN_ALREADY_EXISTS).
 */
#include "connect_int.h"

#include <ctype.h>
#include <string.h>

static void join_names(em_strbuf *sb, char *const *names, int n) {
  for (int i = 0; i < n; i++) {
    if (i) em_strbuf_puts(sb, ", ");
    em_strbuf_puts(sb, names[i]);
  }
}

static bool same_name(const char *a, const char *b, bool case_sensitive) {
  return case_sensitive ? strcmp(a, b) == 0 : em_strcaseeq(a, b);
}

int em_view_check_columns(const em_plan *plan, const char *view_name, char *const *cols, int ncols,
                          bool case_sensitive, em_error *err) {
  const em_lplan *root = plan->root;
  int nout = 0;
  for (int i = 0; i < root->nout; i++)
    if (!root->out[i].hidden) nout++;
  char **names = em_calloc((size_t)(nout ? nout : 1), sizeof *names);
  if (!names) return em_error_internal(err, "out of memory");
  for (int i = 0, k = 0; i < root->nout; i++)
    if (!root->out[i].hidden) names[k++] = root->out[i].name;
  int rc = 0;
  if (ncols && ncols != nout) {
    em_strbuf vc, dc;
    em_strbuf_init(&vc);
    em_strbuf_init(&dc);
    join_names(&vc, cols, ncols);
    join_names(&dc, names, nout);
    rc = em_error_set(err,
                      ncols < nout ? EM_ERR_CREATE_VIEW_COLUMN_ARITY_MISMATCH_TOO_MANY_DATA_COLUMNS
                                   : EM_ERR_CREATE_VIEW_COLUMN_ARITY_MISMATCH_NOT_ENOUGH_DATA_COLUMNS,
                      "viewName", view_name, "viewColumns", vc.data ? vc.data : "", "dataColumns",
                      dc.data ? dc.data : "", NULL);
    em_strbuf_free(&vc);
    em_strbuf_free(&dc);
    em_free(names);
    return rc;
  }
  char *const *check = ncols ? cols : names;
  int n = ncols ? ncols : nout;
  for (int i = 0; i < n && !rc; i++)
    for (int j = 0; j < i; j++)
      if (same_name(check[i], check[j], case_sensitive)) {
        em_strbuf q;
        em_strbuf_init(&q);
        em_strbuf_putc(&q, '`');
        for (const char *c = check[i]; *c; c++) {
          if (*c == '`') em_strbuf_putc(&q, '`');
          em_strbuf_putc(&q, case_sensitive ? *c : (char)tolower((unsigned char)*c));
        }
        em_strbuf_putc(&q, '`');
        rc = em_error_set(err, EM_ERR_COLUMN_ALREADY_EXISTS, "columnName", q.data ? q.data : "", NULL);
        em_strbuf_free(&q);
        break;
      }
  em_free(names);
  return rc;
}
