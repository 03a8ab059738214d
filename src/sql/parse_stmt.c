/*
 * SQL statements: queries, SET / RESET, CREATE [OR REPLACE] [GLOBAL]
 * [TEMPORARY] VIEW ... AS query (persistent without TEMPORARY), DROP VIEW /
 * DROP TABLE. Statements Ember does
 * not run yet are refused with UNSUPPORTED_FEATURE naming them (they are
 * valid Spark SQL, so not a ParseException).
 */
#include "sql_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char *trimmed(em_sqlp *p, int start, int end) {
  while (start < end && isspace((unsigned char)p->text[start])) start++;
  while (end > start && (isspace((unsigned char)p->text[end - 1]) || p->text[end - 1] == ';')) end--;
  return em_sql_strndup(p, p->text + start, (size_t)(end - start));
}

/* SET: the raw text up to '=' is the key, the rest the value (Spark's
 * SparkSqlAstBuilder.visitSetConfiguration works on the text too). */
static void set_stmt(em_sqlp *p, em_sql_stmt *out) {
  out->kind = EM_SQL_SET;
  int start = em_sql_peek(p, 0)->start;
  if (em_sql_peek(p, 0)->kind == EM_TK_EOF) return;
  if (em_sql_is_op(em_sql_peek(p, 0), "-") && em_sql_is_kw(em_sql_peek(p, 1), "v") &&
      em_sql_peek(p, 2)->kind == EM_TK_EOF) {
    out->verbose = true;
    p->pos += 2;
    return;
  }
  const char *text = p->text;
  int len = (int)strlen(text);
  const char *eq = strchr(text + start, '=');
  if (eq) {
    out->key = trimmed(p, start, (int)(eq - text));
    out->value = trimmed(p, (int)(eq - text) + 1, len);
  } else {
    out->key = trimmed(p, start, len);
  }
  /* Backquoted keys: SET `a.b`=1. */
  size_t kl = strlen(out->key);
  if (kl >= 2 && out->key[0] == '`' && out->key[kl - 1] == '`') out->key = em_sql_strndup(p, out->key + 1, kl - 2);
  if (!out->key[0] && eq) em_sql_syntax_error(p, p->pos, "");
  while (em_sql_peek(p, 0)->kind != EM_TK_EOF) em_sql_next(p);
}

static _Noreturn void unsupported(em_sqlp *p, const char *what) {
  em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", what, NULL);
  em_sql_fail(p);
}

int em_sql_parse_statement_(em_sqlp *p, em_sql_stmt *out);

int em_sql_parse_statement_(em_sqlp *p, em_sql_stmt *out) {
  em_tok *t = em_sql_peek(p, 0);
  if (em_sql_at_query_start(p)) {
    out->kind = EM_SQL_QUERY;
    out->rel = em_sql_query(p);
    return 0;
  }
  if (em_sql_accept_kw(p, "SET")) {
    set_stmt(p, out);
    return 0;
  }
  if (em_sql_accept_kw(p, "RESET")) {
    out->kind = EM_SQL_RESET;
    int start = em_sql_peek(p, 0)->start;
    if (em_sql_peek(p, 0)->kind != EM_TK_EOF) out->key = trimmed(p, start, (int)strlen(p->text));
    while (em_sql_peek(p, 0)->kind != EM_TK_EOF) em_sql_next(p);
    return 0;
  }
  if (em_sql_parse_ddl(p, out)) return 0;
  if (em_sql_parse_meta(p, out)) return 0;
  if (em_sql_is_kw(t, "CREATE")) {
    int save = p->pos;
    em_sql_next(p);
    if (em_sql_accept_kw(p, "OR")) {
      em_sql_expect_kw(p, "REPLACE");
      out->replace = true;
    }
    if (em_sql_accept_kw(p, "GLOBAL")) out->global = true;
    if (em_sql_accept_kw(p, "TEMPORARY") || em_sql_accept_kw(p, "TEMP")) out->temporary = true;
    if (!em_sql_accept_kw(p, "VIEW")) {
      p->pos = save;
      unsupported(p, "CREATE statements other than CREATE TEMPORARY VIEW");
    }
    if (em_sql_accept_kw(p, "IF")) {
      em_sql_expect_kw(p, "NOT");
      em_sql_expect_kw(p, "EXISTS");
      out->if_not_exists = true;
      if (out->temporary) {
        em_error_set(p->err, EM_ERR_TEMP_VIEW_IF_NOT_EXISTS, NULL);
        em_sql_fail(p);
      }
    }
    out->kind = EM_SQL_CREATE_VIEW;
    out->nname = em_sql_multipart(p, &out->name);
    if (em_sql_accept_op(p, "(")) {
      int cap = 0;
      do {
        em_sql_push(p, (void ***)&out->columns, &out->ncolumns, &cap, em_sql_ident(p));
        if (em_sql_accept_kw(p, "COMMENT")) {
          if (em_sql_peek(p, 0)->kind != EM_TK_STRING) em_sql_syntax_error(p, p->pos, "");
          em_sql_next(p);
        }
      } while (em_sql_accept_op(p, ","));
      em_sql_expect_op(p, ")");
    }
    for (;;) {
      if (em_sql_accept_kw(p, "COMMENT")) {
        if (em_sql_peek(p, 0)->kind != EM_TK_STRING) em_sql_syntax_error(p, p->pos, "");
        em_sql_next(p);
      } else if (em_sql_is_kw(em_sql_peek(p, 0), "TBLPROPERTIES")) {
        unsupported(p, "TBLPROPERTIES on views");
      } else {
        break;
      }
    }
    em_sql_expect_kw(p, "AS");
    int qstart = em_sql_peek(p, 0)->start;
    out->rel = em_sql_query(p);
    out->query_text = trimmed(p, qstart, em_sql_peek(p, 0)->start);
    return 0;
  }
  if (em_sql_is_kw(t, "DROP") && (em_sql_is_kw(em_sql_peek(p, 1), "VIEW") || em_sql_is_kw(em_sql_peek(p, 1), "TABLE"))) {
    em_sql_next(p);
    out->kind = em_sql_is_kw(em_sql_next(p), "VIEW") ? EM_SQL_DROP_VIEW : EM_SQL_DROP_TABLE;
    if (em_sql_accept_kw(p, "IF")) {
      em_sql_expect_kw(p, "EXISTS");
      out->if_exists = true;
    }
    out->nname = em_sql_multipart(p, &out->name);
    if (out->kind == EM_SQL_DROP_TABLE) em_sql_accept_kw(p, "PURGE");
    return 0;
  }
  static const char *const known[] = {"CREATE", "DROP", "ALTER", "INSERT", "SHOW", "DESCRIBE", "DESC", "USE",
                                      "EXPLAIN", "CACHE", "UNCACHE", "CLEAR", "REFRESH", "TRUNCATE", "ANALYZE",
                                      "MERGE", "UPDATE", "DELETE", "LOAD", "MSCK", "ADD", "LIST", "DECLARE",
                                      "EXECUTE", "CALL", "COMMENT", "REPAIR", "BEGIN"};
  for (size_t i = 0; i < EM_ARRAY_LEN(known); i++)
    if (em_sql_is_kw(t, known[i])) {
      char what[128];
      snprintf(what, sizeof what, "the %s statement", known[i]);
      for (char *c = what; *c; c++) *c = (char)toupper((unsigned char)*c);
      memcpy(what, "the", 3);
      unsupported(p, em_sql_strdup(p, what));
    }
  em_sql_syntax_error(p, p->pos, "");
}
