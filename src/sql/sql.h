/*
 * sql: Spark SQL text to spec. A hand-written lexer and recursive-descent
 * parser (precedence climbing for operators) for the dialect of Spark 4.2's
 * SqlBaseLexer.g4 / SqlBaseParser.g4, producing the same em_spec relations
 * and expressions the protocol decoder produces, so that analysis and
 * execution are shared with the DataFrame path.
 *
 * Parse errors are Spark's ParseException classes (PARSE_SYNTAX_ERROR with
 * its `error` and `hint` parameters, PARSE_EMPTY_STATEMENT,
 * UNCLOSED_BRACKETED_COMMENT, ...), rendered with Spark's position suffix
 * and "== SQL ==" caret excerpt.
 */
#ifndef EM_SQL_H
#define EM_SQL_H

#include "../base/base.h"
#include "../spec/spec.h"

/* Parameters of spark.sql(q, args=...): named (`:name`) or positional
 * (`?`), already converted to spec expressions (literals, usually). */
typedef struct em_sql_params {
  char **names;
  em_spec_expr **named;
  int nnamed;
  em_spec_expr **pos;
  int npos;
} em_sql_params;

/* The output column names of a relation (strings in spec's arena), for
 * telling a subquery's own columns from outer references; -1 when they
 * cannot be known (the relation does not resolve on its own). */
typedef int (*em_sql_columns_fn)(void *user, em_spec *spec, const em_spec_rel *rel, char ***names, int *n);

/* Settings a parse depends on. */
typedef struct em_sql_opts {
  const char *timezone;     /* session time zone: TIMESTAMP '...' literals */
  const em_sql_params *params;
  em_sql_columns_fn columns; /* optional: without it, only qualified names are outer references */
  void *columns_user;
} em_sql_opts;

typedef enum em_sql_stmt_kind {
  EM_SQL_QUERY,        /* rel */
  EM_SQL_SET,          /* SET key=value (key, value), SET key (key), SET (neither), SET -v (verbose) */
  EM_SQL_RESET,        /* RESET [key] */
  EM_SQL_CREATE_VIEW,  /* CREATE [OR REPLACE] [GLOBAL] [TEMPORARY] VIEW name [(cols)] AS query (temporary) */
  EM_SQL_DROP_VIEW,    /* DROP VIEW [IF EXISTS] name */
  EM_SQL_DROP_TABLE,   /* DROP TABLE [IF EXISTS] name */
  /* The persistent catalog (parse_ddl.c). */
  EM_SQL_CREATE_DB,    /* CREATE DATABASE|SCHEMA [IF NOT EXISTS] name [COMMENT c] [LOCATION l] */
  EM_SQL_DROP_DB,      /* DROP DATABASE|SCHEMA [IF EXISTS] name [RESTRICT|CASCADE] (cascade) */
  EM_SQL_USE,          /* USE [DATABASE|SCHEMA|NAMESPACE] name */
  EM_SQL_CREATE_TABLE, /* CREATE TABLE ... (columns, provider, partcols, location, options, comment, props, rel) */
  EM_SQL_INSERT,       /* INSERT INTO|OVERWRITE [TABLE] name [PARTITION (k=v, ...)] query (overwrite) */
  EM_SQL_SHOW_DBS,     /* SHOW DATABASES|SCHEMAS [LIKE pattern] */
  EM_SQL_SHOW_TABLES,  /* SHOW TABLES [FROM|IN db] [LIKE pattern] */
  EM_SQL_SHOW_VIEWS,   /* SHOW VIEWS [FROM|IN db] [LIKE pattern] */
  EM_SQL_TRUNCATE,     /* TRUNCATE TABLE name */
  /* Functions and catalog introspection (parse_meta.c). */
  EM_SQL_CREATE_FUNCTION, /* CREATE [OR REPLACE] [TEMPORARY] FUNCTION [IF NOT EXISTS] name AS 'cls'
                           * [USING FILE|JAR|ARCHIVE 'uri'] (value: cls; location: uri; provider: the kind) */
  EM_SQL_DROP_FUNCTION,   /* DROP [TEMPORARY] FUNCTION [IF EXISTS] name */
  EM_SQL_SHOW_FUNCTIONS,  /* SHOW [USER|SYSTEM|ALL] FUNCTIONS [[FROM|IN] db] [[LIKE] pattern] (key: the scope) */
  EM_SQL_DESCRIBE_FUNCTION, /* DESCRIBE FUNCTION [EXTENDED] name (verbose) */
  EM_SQL_DESCRIBE_TABLE,  /* DESCRIBE [TABLE] [EXTENDED|FORMATTED] name [col] (verbose; key: the column,
                           * dotted when nested) */
  EM_SQL_SHOW_CREATE_TABLE, /* SHOW CREATE TABLE name [AS SERDE] */
  EM_SQL_SHOW_COLUMNS,    /* SHOW COLUMNS FROM|IN name [FROM|IN db] (value: the db) */
  EM_SQL_SHOW_TBLPROPERTIES, /* SHOW TBLPROPERTIES name [(key)] (key) */
  EM_SQL_ALTER_RENAME,    /* ALTER TABLE|VIEW name RENAME TO new (columns: the new name's parts) */
  EM_SQL_ALTER_ADD_COLUMNS, /* ALTER TABLE name ADD COLUMN[S] [(]cols[)] (columns_ddl) */
  EM_SQL_ALTER_SET_PROPS, /* ALTER TABLE|VIEW name SET TBLPROPERTIES (k = v, ...) */
  EM_SQL_ALTER_UNSET_PROPS, /* ALTER TABLE|VIEW name UNSET TBLPROPERTIES [IF EXISTS] (k, ...) (prop_keys) */
  EM_SQL_DESCRIBE_DB,     /* DESCRIBE DATABASE|SCHEMA|NAMESPACE [EXTENDED] name (verbose) */
} em_sql_stmt_kind;

typedef struct em_sql_stmt {
  em_sql_stmt_kind kind;
  em_spec_rel *rel;    /* QUERY; CREATE_VIEW: the view's query */
  char *key, *value;   /* SET / RESET */
  bool verbose;        /* SET -v */
  char **name;         /* view/table name parts */
  int nname;
  bool replace, global, if_exists, if_not_exists, temporary;
  char **columns;      /* CREATE VIEW v(a, b) */
  int ncolumns;
  char *query_text;    /* CREATE VIEW: the text of the query after AS */
  /* The persistent catalog's statements. */
  char *columns_ddl;   /* CREATE TABLE t (a INT, ...): "a INT, ..." */
  char *provider;      /* USING fmt */
  char **partcols;     /* PARTITIONED BY (a, b) */
  int npartcols;
  char *location, *comment, *pattern;
  char **opt_keys, **opt_vals; /* OPTIONS (k = v) */
  int nopts;
  char **prop_keys, **prop_vals; /* TBLPROPERTIES (k = v) */
  int nprops;
  char **part_keys, **part_vals; /* INSERT ... PARTITION (k = v) */
  int nparts;
  bool overwrite, cascade;
  char *name_text;     /* parse_meta.c: the name as written (error query contexts) */
} em_sql_stmt;

/* Parses one statement (a trailing `;` allowed). Nodes are allocated in
 * spec. -1 with a ParseException-class error on failure. */
int em_sql_parse_statement(em_spec *spec, const char *text, const em_sql_opts *opts, em_sql_stmt *out,
                           em_error *err);
/* Parses a query (a statement that must be a query). */
int em_sql_parse_query(em_spec *spec, const char *text, const em_sql_opts *opts, em_spec_rel **out, em_error *err);
/* Parses an expression string (F.expr, selectExpr, filter("...")):
 * Spark's singleExpression, a named expression (`a + 1 AS x` allowed). */
int em_sql_parse_expr(em_spec *spec, const char *text, const em_sql_opts *opts, em_spec_expr **out, em_error *err);
/* Parses a multi-part table name ("db.t", "`a.b`"): spark.table(name). */
int em_sql_parse_table_name(em_spec *spec, const char *text, char ***parts, int *nparts, em_error *err);

#endif
