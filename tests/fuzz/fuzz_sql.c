/*
 * Fuzz target: the SQL parser and the analysis of what it produces. The
 * input is SQL text; it is parsed as a statement (and, separately, as an
 * expression string) into spec, and a query is analyzed (table names fail
 * to resolve and subqueries are refused: nothing runs). Any outcome but a
 * crash, a leak or an out-of-bounds access is fine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "sql/sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  em_error err;
  em_sql_opts opts = {.timezone = "UTC"};

  em_spec spec;
  em_spec_init(&spec);
  em_sql_stmt st;
  if (em_sql_parse_statement(&spec, text, &opts, &st, &err) == 0 && st.rel) {
    _Atomic int64_t ids = 1;
    em_analyze_ctx ctx = {.case_sensitive = false, .ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
    em_plan *plan = NULL;
    if (em_analyze(st.rel, &ctx, &plan, &err) == 0) em_plan_free(plan);
  }
  em_spec_release(&spec);

  em_spec_init(&spec);
  em_spec_expr *e = NULL;
  em_sql_parse_expr(&spec, text, &opts, &e, &err);
  em_spec_release(&spec);
  free(text);
  return 0;
}
