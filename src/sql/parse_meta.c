/*
 * Statements about functions and about the catalog's objects themselves:
 * CREATE / DROP FUNCTION, SHOW FUNCTIONS, DESCRIBE FUNCTION, DESCRIBE
 * TABLE, SHOW CREATE TABLE, SHOW COLUMNS, SHOW TBLPROPERTIES and ALTER
 * TABLE / VIEW (RENAME TO, ADD COLUMNS, SET / UNSET TBLPROPERTIES), as
 * Spark 4.2's SqlBaseParser.g4 writes them. What they do is
 * src/connect/function_cmd.c's and src/connect/describe_cmd.c's.
 */
#include "sql_int.h"

#include <stdio.h>
#include <string.h>

static void if_exists(em_sqlp *p, em_sql_stmt *out) {
  if (em_sql_is_kw(em_sql_peek(p, 0), "IF") && em_sql_is_kw(em_sql_peek(p, 1), "EXISTS")) {
    p->pos += 2;
    out->if_exists = true;
  }
}

/* (k [=] v, ...), or (k, ...) when with_values is false. */
static void prop_list(em_sqlp *p, em_sql_stmt *out, bool with_values) {
  int capk = 0, capv = 0, nv = 0;
  em_sql_expect_op(p, "(");
  do {
    em_sql_push(p, (void ***)&out->prop_keys, &out->nprops, &capk, em_sql_prop_key(p));
    if (with_values) {
      em_sql_accept_op(p, "=");
      em_sql_push(p, (void ***)&out->prop_vals, &nv, &capv, em_sql_prop_value(p));
    }
  } while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
}

/* The text of a column list up to the end of the statement (or the
 * matching ')' when parenthesized). */
static char *columns_text(em_sqlp *p) {
  bool paren = em_sql_accept_op(p, "(");
  int start = em_sql_peek(p, 0)->start, depth = 1;
  for (;;) {
    em_tok *t = em_sql_peek(p, 0);
    if (t->kind == EM_TK_EOF) {
      if (paren) em_sql_syntax_error(p, p->pos, "");
      break;
    }
    if (em_sql_is_op(t, ";") && !paren) break;
    if (em_sql_is_op(t, "(")) depth++;
    if (em_sql_is_op(t, ")") && --depth == 0) break;
    em_sql_next(p);
  }
  int end = em_sql_peek(p, 0)->start;
  if (em_sql_peek(p, 0)->kind == EM_TK_EOF) end = (int)strlen(p->text);
  while (end > start && (p->text[end - 1] == ' ' || p->text[end - 1] == '\n' || p->text[end - 1] == ';')) end--;
  char *s = em_sql_strndup(p, p->text + start, (size_t)(end - start));
  if (paren) em_sql_expect_op(p, ")");
  if (!s[0]) em_sql_syntax_error(p, p->pos, "");
  return s;
}

/* A ParseException over the whole statement (Spark's checks after the
 * grammar). */
static _Noreturn void statement_error(em_sqlp *p) {
  int last = p->ntoks - 2;
  while (last > 0 && em_sql_is_op(&p->toks[last], ";")) last--;
  em_sql_span_error(p, 0, last > 0 ? last : 0);
}

static bool create_function(em_sqlp *p, em_sql_stmt *out) {
  int save = p->pos;
  em_sql_next(p); /* CREATE */
  if (em_sql_accept_kw(p, "OR")) {
    if (!em_sql_accept_kw(p, "REPLACE")) {
      p->pos = save;
      return false;
    }
    out->replace = true;
  }
  if (em_sql_accept_kw(p, "TEMPORARY") || em_sql_accept_kw(p, "TEMP")) out->temporary = true;
  if (!em_sql_accept_kw(p, "FUNCTION")) {
    p->pos = save;
    out->replace = out->temporary = false;
    return false;
  }
  out->kind = EM_SQL_CREATE_FUNCTION;
  if (em_sql_is_kw(em_sql_peek(p, 0), "IF") && em_sql_is_kw(em_sql_peek(p, 1), "NOT")) {
    p->pos += 2;
    em_sql_expect_kw(p, "EXISTS");
    out->if_not_exists = true;
  }
  out->nname = em_sql_multipart(p, &out->name);
  em_sql_expect_kw(p, "AS");
  out->value = em_sql_string_lit(p);
  if (em_sql_accept_kw(p, "USING")) {
    em_tok *k = em_sql_next(p);
    if (!em_sql_is_kw(k, "FILE") && !em_sql_is_kw(k, "JAR") && !em_sql_is_kw(k, "ARCHIVE"))
      em_sql_syntax_error(p, p->pos - 1, "");
    out->provider = em_sql_strdup(p, k->str);
    out->location = em_sql_string_lit(p);
    /* Spark takes a list of resources; Ember binds one module. */
    if (em_sql_is_op(em_sql_peek(p, 0), ",")) {
      em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "CREATE FUNCTION with several resources", NULL);
      em_sql_fail(p);
    }
  }
  if (out->temporary && out->if_not_exists) {
    em_error_set(p->err, EM_ERR_INVALID_SQL_SYNTAX_CREATE_TEMP_FUNC_WITH_IF_NOT_EXISTS, NULL);
    statement_error(p);
  }
  if (out->replace && out->if_not_exists) {
    em_error_set(p->err, EM_ERR_INVALID_SQL_SYNTAX_CREATE_ROUTINE_WITH_IF_NOT_EXISTS_AND_REPLACE, NULL);
    statement_error(p);
  }
  if (out->temporary && out->nname > 1) {
    char q[EM_ERROR_VAL_MAX], fn[EM_ERROR_VAL_MAX];
    size_t k = 0;
    q[0] = '\0';
    for (int i = 0; i + 1 < out->nname && k < sizeof q; i++)
      k += (size_t)snprintf(q + k, sizeof q - k, "%s`%s`", i ? "." : "", out->name[i]);
    snprintf(fn, sizeof fn, "`%s`", out->name[out->nname - 1]);
    em_error_set(p->err, EM_ERR_INVALID_TEMP_OBJ_QUALIFIER, "objectType", "FUNCTION", "objectName", fn, "qualifier", q,
                 NULL);
    statement_error(p);
  }
  return true;
}

static void table_name(em_sqlp *p, em_sql_stmt *out) {
  int start = em_sql_peek(p, 0)->start;
  out->nname = em_sql_multipart(p, &out->name);
  int end = em_sql_peek(p, -1)->end;
  out->name_text = em_sql_strndup(p, p->text + start, (size_t)(end > start ? end - start : 0));
}

static bool alter(em_sqlp *p, em_sql_stmt *out) {
  em_tok *t1 = em_sql_peek(p, 1);
  bool view = em_sql_is_kw(t1, "VIEW");
  if (!em_sql_is_kw(t1, "TABLE") && !view) return false;
  int save = p->pos;
  p->pos += 2;
  table_name(p, out);
  if (em_sql_accept_kw(p, "RENAME")) {
    if (!em_sql_accept_kw(p, "TO")) goto other;
    out->kind = EM_SQL_ALTER_RENAME;
    out->ncolumns = em_sql_multipart(p, &out->columns);
    return true;
  }
  if (!view && em_sql_accept_kw(p, "ADD")) {
    if (!em_sql_accept_kw(p, "COLUMNS") && !em_sql_accept_kw(p, "COLUMN")) goto other;
    out->kind = EM_SQL_ALTER_ADD_COLUMNS;
    out->columns_ddl = columns_text(p);
    return true;
  }
  if (em_sql_accept_kw(p, "SET")) {
    if (!em_sql_accept_kw(p, "TBLPROPERTIES")) goto other;
    out->kind = EM_SQL_ALTER_SET_PROPS;
    prop_list(p, out, true);
    return true;
  }
  if (em_sql_accept_kw(p, "UNSET")) {
    if (!em_sql_accept_kw(p, "TBLPROPERTIES")) goto other;
    out->kind = EM_SQL_ALTER_UNSET_PROPS;
    if_exists(p, out);
    prop_list(p, out, false);
    return true;
  }
other:
  p->pos = save;
  out->nname = 0;
  out->name = NULL;
  return false;
}

/* DESCRIBE ...: FUNCTION, or a table (QUERY / DATABASE are not handled
 * here). */
static bool describe(em_sqlp *p, em_sql_stmt *out) {
  int save = p->pos;
  em_sql_next(p);
  if (em_sql_accept_kw(p, "FUNCTION")) {
    out->kind = EM_SQL_DESCRIBE_FUNCTION;
    /* EXTENDED is the option unless it is the function's name. */
    if (em_sql_is_kw(em_sql_peek(p, 0), "EXTENDED") && em_sql_peek(p, 1)->kind != EM_TK_EOF &&
        !em_sql_is_op(em_sql_peek(p, 1), ";")) {
      em_sql_next(p);
      out->verbose = true;
    }
    em_tok *t = em_sql_peek(p, 0);
    if (t->kind == EM_TK_STRING || t->kind == EM_TK_OP) {
      /* DESCRIBE FUNCTION '+' / DESCRIBE FUNCTION + */
      em_sql_next(p);
      out->name = em_sql_alloc(p, 1, sizeof(char *));
      out->name[0] = t->kind == EM_TK_STRING ? t->str : em_sql_strndup(p, p->text + t->start, (size_t)(t->end - t->start));
      out->nname = 1;
    } else {
      table_name(p, out);
    }
    return true;
  }
  if (em_sql_accept_kw(p, "DATABASE") || em_sql_accept_kw(p, "SCHEMA") || em_sql_accept_kw(p, "NAMESPACE")) {
    out->kind = EM_SQL_DESCRIBE_DB;
    if (em_sql_is_kw(em_sql_peek(p, 0), "EXTENDED") && em_sql_peek(p, 1)->kind != EM_TK_EOF) {
      em_sql_next(p);
      out->verbose = true;
    }
    table_name(p, out);
    return true;
  }
  if (em_sql_is_kw(em_sql_peek(p, 0), "QUERY") ||
      em_sql_is_kw(em_sql_peek(p, 0), "CATALOG") || em_sql_is_kw(em_sql_peek(p, 0), "PROCEDURE")) {
    p->pos = save;
    return false;
  }
  em_sql_accept_kw(p, "TABLE");
  if ((em_sql_is_kw(em_sql_peek(p, 0), "EXTENDED") || em_sql_is_kw(em_sql_peek(p, 0), "FORMATTED")) &&
      em_sql_peek(p, 1)->kind != EM_TK_EOF) {
    em_sql_next(p);
    out->verbose = true;
  }
  if (em_sql_at_query_start(p)) {
    p->pos = save;
    return false;
  }
  out->kind = EM_SQL_DESCRIBE_TABLE;
  table_name(p, out);
  if (em_sql_is_kw(em_sql_peek(p, 0), "PARTITION")) {
    em_error_set(p->err, EM_ERR_UNSUPPORTED_FEATURE, "feature", "DESCRIBE TABLE ... PARTITION", NULL);
    em_sql_fail(p);
  }
  if (em_sql_peek(p, 0)->kind != EM_TK_EOF && !em_sql_is_op(em_sql_peek(p, 0), ";")) {
    char **col;
    int n = em_sql_multipart(p, &col);
    size_t len = 0;
    for (int i = 0; i < n; i++) len += strlen(col[i]) + 1;
    out->key = em_sql_alloc(p, len + 1, 1);
    out->key[0] = '\0';
    for (int i = 0; i < n; i++) {
      if (i) strcat(out->key, ".");
      strcat(out->key, col[i]);
    }
    /* A nested column (a.b) is refused when the statement runs, with the
     * statement as the error's context. */
    out->cascade = n > 1;
    int end = em_sql_peek(p, -1)->end;
    out->query_text = em_sql_strndup(p, p->text + p->toks[0].start, (size_t)(end - p->toks[0].start));
  }
  return true;
}

static bool show(em_sqlp *p, em_sql_stmt *out) {
  em_tok *t1 = em_sql_peek(p, 1);
  if (em_sql_is_kw(t1, "FUNCTIONS") ||
      ((em_sql_is_kw(t1, "USER") || em_sql_is_kw(t1, "SYSTEM") || em_sql_is_kw(t1, "ALL")) &&
       em_sql_is_kw(em_sql_peek(p, 2), "FUNCTIONS"))) {
    em_sql_next(p);
    out->kind = EM_SQL_SHOW_FUNCTIONS;
    out->key = em_sql_is_kw(t1, "FUNCTIONS") ? "ALL" : em_sql_strdup(p, t1->str);
    if (!em_sql_is_kw(t1, "FUNCTIONS")) em_sql_next(p);
    em_sql_next(p);
    if (em_sql_accept_kw(p, "FROM") || em_sql_accept_kw(p, "IN")) table_name(p, out);
    if (em_sql_accept_kw(p, "LIKE") || em_sql_peek(p, 0)->kind == EM_TK_STRING) {
      out->pattern = em_sql_string_lit(p);
    } else if (em_sql_peek(p, 0)->kind != EM_TK_EOF && !em_sql_is_op(em_sql_peek(p, 0), ";")) {
      /* SHOW FUNCTIONS name: the (possibly qualified) name as a pattern. */
      char **parts;
      int n = em_sql_multipart(p, &parts);
      out->pattern = parts[n - 1];
    }
    return true;
  }
  if (em_sql_is_kw(t1, "CREATE") && em_sql_is_kw(em_sql_peek(p, 2), "TABLE")) {
    p->pos += 3;
    out->kind = EM_SQL_SHOW_CREATE_TABLE;
    table_name(p, out);
    if (em_sql_accept_kw(p, "AS")) em_sql_expect_kw(p, "SERDE");
    return true;
  }
  if (em_sql_is_kw(t1, "COLUMNS")) {
    p->pos += 2;
    if (!em_sql_accept_kw(p, "FROM")) em_sql_expect_kw(p, "IN");
    out->kind = EM_SQL_SHOW_COLUMNS;
    table_name(p, out);
    if (em_sql_accept_kw(p, "FROM") || em_sql_accept_kw(p, "IN")) {
      char **parts;
      int n = em_sql_multipart(p, &parts);
      out->value = parts[n - 1];
    }
    return true;
  }
  if (em_sql_is_kw(t1, "TBLPROPERTIES")) {
    p->pos += 2;
    out->kind = EM_SQL_SHOW_TBLPROPERTIES;
    table_name(p, out);
    if (em_sql_accept_op(p, "(")) {
      out->key = em_sql_prop_key(p);
      em_sql_expect_op(p, ")");
    }
    return true;
  }
  return false;
}

bool em_sql_parse_meta(em_sqlp *p, em_sql_stmt *out);
bool em_sql_parse_meta(em_sqlp *p, em_sql_stmt *out) {
  em_tok *t = em_sql_peek(p, 0), *t1 = em_sql_peek(p, 1);
  if (em_sql_is_kw(t, "CREATE")) return create_function(p, out);
  if (em_sql_is_kw(t, "DROP")) {
    bool temp = em_sql_is_kw(t1, "TEMPORARY") || em_sql_is_kw(t1, "TEMP");
    if (!em_sql_is_kw(temp ? em_sql_peek(p, 2) : t1, "FUNCTION")) return false;
    p->pos += temp ? 3 : 2;
    out->kind = EM_SQL_DROP_FUNCTION;
    out->temporary = temp;
    if_exists(p, out);
    table_name(p, out);
    return true;
  }
  if (em_sql_is_kw(t, "DESCRIBE") || em_sql_is_kw(t, "DESC")) return describe(p, out);
  if (em_sql_is_kw(t, "SHOW")) return show(p, out);
  if (em_sql_is_kw(t, "ALTER")) return alter(p, out);
  return false;
}
