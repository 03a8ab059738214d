/*
 * The persistent catalog's statements: CREATE/DROP DATABASE, USE,
 * CREATE TABLE (USING, PARTITIONED BY, LOCATION, OPTIONS, COMMENT,
 * TBLPROPERTIES, AS query), INSERT INTO/OVERWRITE, SHOW DATABASES/TABLES/
 * VIEWS, TRUNCATE TABLE. What they do is src/connect/catalog_cmd.c's.
 */
#include "sql_int.h"

#include <string.h>

char *em_sql_string_lit(em_sqlp *p) {
  em_tok *t = em_sql_peek(p, 0);
  if (t->kind != EM_TK_STRING) em_sql_syntax_error(p, p->pos, "");
  em_sql_next(p);
  return t->str;
}

static bool accept_db_kw(em_sqlp *p) {
  return em_sql_accept_kw(p, "DATABASE") || em_sql_accept_kw(p, "SCHEMA") || em_sql_accept_kw(p, "NAMESPACE");
}

static void if_not_exists(em_sqlp *p, em_sql_stmt *out) {
  if (em_sql_is_kw(em_sql_peek(p, 0), "IF") && em_sql_is_kw(em_sql_peek(p, 1), "NOT")) {
    p->pos += 2;
    em_sql_expect_kw(p, "EXISTS");
    out->if_not_exists = true;
  }
}

/* A property key: a string or dotted identifiers. */
char *em_sql_prop_key(em_sqlp *p) {
  if (em_sql_peek(p, 0)->kind == EM_TK_STRING) return em_sql_string_lit(p);
  char **parts;
  int n = em_sql_multipart(p, &parts);
  size_t len = 0;
  for (int i = 0; i < n; i++) len += strlen(parts[i]) + 1;
  char *k = em_sql_alloc(p, len + 1, 1);
  k[0] = '\0';
  for (int i = 0; i < n; i++) {
    if (i) strcat(k, ".");
    strcat(k, parts[i]);
  }
  return k;
}

/* A property value: a string, number, boolean or identifier, as text. */
char *em_sql_prop_value(em_sqlp *p) {
  em_tok *t = em_sql_peek(p, 0);
  if (t->kind == EM_TK_STRING) return em_sql_string_lit(p);
  if (t->kind == EM_TK_EOF || em_sql_is_op(t, ")") || em_sql_is_op(t, ",")) em_sql_syntax_error(p, p->pos, "");
  em_sql_next(p);
  return em_sql_strndup(p, p->text + t->start, (size_t)(t->end - t->start));
}

/* (k [=] v, ...) */
static void kv_list(em_sqlp *p, char ***keys, char ***vals, int *n) {
  int capk = 0, capv = 0, nv = 0;
  em_sql_expect_op(p, "(");
  do {
    em_sql_push(p, (void ***)keys, n, &capk, em_sql_prop_key(p));
    em_sql_accept_op(p, "=");
    em_sql_push(p, (void ***)vals, &nv, &capv, em_sql_prop_value(p));
  } while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
}

static void ident_list(em_sqlp *p, char ***xs, int *n) {
  int cap = 0;
  em_sql_expect_op(p, "(");
  do em_sql_push(p, (void ***)xs, n, &cap, em_sql_ident(p));
  while (em_sql_accept_op(p, ","));
  em_sql_expect_op(p, ")");
}

/* "(a INT, b STRING)": the text between the parentheses. */
static char *columns_text(em_sqlp *p) {
  em_sql_expect_op(p, "(");
  int start = em_sql_peek(p, 0)->start, depth = 1;
  for (;;) {
    em_tok *t = em_sql_peek(p, 0);
    if (t->kind == EM_TK_EOF) em_sql_syntax_error(p, p->pos, "");
    if (em_sql_is_op(t, "(")) depth++;
    if (em_sql_is_op(t, ")") && --depth == 0) break;
    em_sql_next(p);
  }
  char *s = em_sql_strndup(p, p->text + start, (size_t)(em_sql_peek(p, 0)->start - start));
  em_sql_next(p);
  return s;
}

static void create_table(em_sqlp *p, em_sql_stmt *out) {
  out->kind = EM_SQL_CREATE_TABLE;
  if_not_exists(p, out);
  out->nname = em_sql_multipart(p, &out->name);
  if (em_sql_is_op(em_sql_peek(p, 0), "(")) out->columns_ddl = columns_text(p);
  for (;;) {
    if (em_sql_accept_kw(p, "USING")) {
      out->provider = em_sql_ident(p);
    } else if (em_sql_accept_kw(p, "PARTITIONED")) {
      em_sql_expect_kw(p, "BY");
      ident_list(p, &out->partcols, &out->npartcols);
    } else if (em_sql_accept_kw(p, "LOCATION")) {
      out->location = em_sql_string_lit(p);
    } else if (em_sql_accept_kw(p, "OPTIONS")) {
      kv_list(p, &out->opt_keys, &out->opt_vals, &out->nopts);
    } else if (em_sql_accept_kw(p, "COMMENT")) {
      out->comment = em_sql_string_lit(p);
    } else if (em_sql_accept_kw(p, "TBLPROPERTIES")) {
      kv_list(p, &out->prop_keys, &out->prop_vals, &out->nprops);
    } else {
      break;
    }
  }
  if (em_sql_accept_kw(p, "AS")) {
    int qstart = em_sql_peek(p, 0)->start;
    out->rel = em_sql_query(p);
    out->query_text = em_sql_strndup(p, p->text + qstart, (size_t)(em_sql_peek(p, 0)->start - qstart));
  } else if (em_sql_at_query_start(p)) {
    out->rel = em_sql_query(p);
  }
}

static void show_from(em_sqlp *p, em_sql_stmt *out) {
  if (em_sql_accept_kw(p, "FROM") || em_sql_accept_kw(p, "IN")) out->nname = em_sql_multipart(p, &out->name);
  if (em_sql_accept_kw(p, "LIKE") || em_sql_peek(p, 0)->kind == EM_TK_STRING) out->pattern = em_sql_string_lit(p);
}

bool em_sql_parse_ddl(em_sqlp *p, em_sql_stmt *out) {
  em_tok *t = em_sql_peek(p, 0), *t1 = em_sql_peek(p, 1);
  if (em_sql_is_kw(t, "CREATE") &&
      (em_sql_is_kw(t1, "DATABASE") || em_sql_is_kw(t1, "SCHEMA") || em_sql_is_kw(t1, "NAMESPACE"))) {
    p->pos += 2;
    out->kind = EM_SQL_CREATE_DB;
    if_not_exists(p, out);
    out->nname = em_sql_multipart(p, &out->name);
    for (;;) {
      if (em_sql_accept_kw(p, "COMMENT")) out->comment = em_sql_string_lit(p);
      else if (em_sql_accept_kw(p, "LOCATION")) out->location = em_sql_string_lit(p);
      else if (em_sql_accept_kw(p, "WITH")) {
        if (!em_sql_accept_kw(p, "DBPROPERTIES")) em_sql_expect_kw(p, "PROPERTIES");
        kv_list(p, &out->prop_keys, &out->prop_vals, &out->nprops);
      } else break;
    }
    return true;
  }
  if (em_sql_is_kw(t, "CREATE") && em_sql_is_kw(t1, "TABLE")) {
    p->pos += 2;
    create_table(p, out);
    return true;
  }
  if (em_sql_is_kw(t, "DROP") &&
      (em_sql_is_kw(t1, "DATABASE") || em_sql_is_kw(t1, "SCHEMA") || em_sql_is_kw(t1, "NAMESPACE"))) {
    p->pos += 2;
    out->kind = EM_SQL_DROP_DB;
    if (em_sql_accept_kw(p, "IF")) {
      em_sql_expect_kw(p, "EXISTS");
      out->if_exists = true;
    }
    out->nname = em_sql_multipart(p, &out->name);
    if (em_sql_accept_kw(p, "CASCADE")) out->cascade = true;
    else em_sql_accept_kw(p, "RESTRICT");
    return true;
  }
  if (em_sql_is_kw(t, "USE")) {
    em_sql_next(p);
    out->kind = EM_SQL_USE;
    accept_db_kw(p);
    out->nname = em_sql_multipart(p, &out->name);
    return true;
  }
  if (em_sql_is_kw(t, "INSERT")) {
    em_sql_next(p);
    out->kind = EM_SQL_INSERT;
    if (em_sql_accept_kw(p, "OVERWRITE")) out->overwrite = true;
    else em_sql_expect_kw(p, "INTO");
    em_sql_accept_kw(p, "TABLE");
    out->nname = em_sql_multipart(p, &out->name);
    if (em_sql_accept_kw(p, "PARTITION")) kv_list(p, &out->part_keys, &out->part_vals, &out->nparts);
    out->rel = em_sql_query(p);
    return true;
  }
  if (em_sql_is_kw(t, "SHOW") && (em_sql_is_kw(t1, "DATABASES") || em_sql_is_kw(t1, "SCHEMAS") ||
                                  em_sql_is_kw(t1, "NAMESPACES"))) {
    p->pos += 2;
    out->kind = EM_SQL_SHOW_DBS;
    if (em_sql_accept_kw(p, "LIKE") || em_sql_peek(p, 0)->kind == EM_TK_STRING) out->pattern = em_sql_string_lit(p);
    return true;
  }
  if (em_sql_is_kw(t, "SHOW") && (em_sql_is_kw(t1, "TABLES") || em_sql_is_kw(t1, "VIEWS"))) {
    p->pos += 2;
    out->kind = em_sql_is_kw(t1, "TABLES") ? EM_SQL_SHOW_TABLES : EM_SQL_SHOW_VIEWS;
    show_from(p, out);
    return true;
  }
  if (em_sql_is_kw(t, "TRUNCATE") && em_sql_is_kw(t1, "TABLE")) {
    p->pos += 2;
    out->kind = EM_SQL_TRUNCATE;
    out->nname = em_sql_multipart(p, &out->name);
    return true;
  }
  return false;
}
