/*
 * spec: the one unresolved plan model. Spark Connect protobuf (connect/) and
 * Spark SQL text (sql/) both become a tree of em_spec_rel and em_spec_expr;
 * the analyzer (plan/) resolves it. Nodes live in the query's arena and are
 * never freed one by one; literal values and types they reference are
 * counted references released by em_spec_release.
 *
 * Every node keeps what the analyzer needs to reproduce Spark's behaviour:
 * the client's plan_id (for df["col"] references), the parts of multi-part
 * names as written, and the SQL text of the origin when there is one.
 */
#ifndef EM_SPEC_H
#define EM_SPEC_H

#include "../arrow/arrow.h"
#include "../base/base.h"
#include "../types/types.h"

typedef struct em_spec_expr em_spec_expr;
typedef struct em_spec_rel em_spec_rel;

/* ---- expressions ---- */

typedef enum em_spec_expr_kind {
  EM_SE_LITERAL,      /* lit.value: a 1-row vector of the literal's type */
  EM_SE_ATTR,         /* attr: unresolved (multi-part) name */
  EM_SE_FUNC,         /* func: unresolved function call by name */
  EM_SE_STAR,         /* star: `*` or `t.*` */
  EM_SE_ALIAS,        /* alias: child AS name (or names for multi-output) */
  EM_SE_CAST,         /* cast: child to a type */
  EM_SE_SORT_ORDER,   /* sort: child ASC|DESC NULLS FIRST|LAST */
  EM_SE_EXPR_STRING,  /* expr_string: SQL expression text (F.expr) */
  EM_SE_REGEX,        /* regex: colRegex */
  EM_SE_EXTRACT,      /* extract: child[extraction] (getItem/getField) */
  EM_SE_LAMBDA,       /* lambda: (vars) -> body */
  EM_SE_LAMBDA_VAR,   /* lambda_var: a named lambda variable */
  EM_SE_UPDATE_FIELDS,/* update_fields: withField / dropFields */
  EM_SE_WINDOW,       /* window: function OVER (...) */
  /* From SQL text (src/sql): */
  EM_SE_SUBQUERY,     /* subquery: scalar (SELECT ...), EXISTS (...), x IN (SELECT ...) */
  EM_SE_ORDINAL,      /* ordinal: the child's output column at a position (ORDER BY 1) */
} em_spec_expr_kind;

typedef enum em_subquery_kind { EM_SUBQUERY_SCALAR, EM_SUBQUERY_EXISTS, EM_SUBQUERY_IN } em_subquery_kind;

typedef enum em_cast_mode { EM_CAST_DEFAULT, EM_CAST_LEGACY, EM_CAST_ANSI, EM_CAST_TRY } em_cast_mode;
typedef enum em_null_order { EM_NULLS_DEFAULT, EM_NULLS_FIRST, EM_NULLS_LAST } em_null_order;

typedef struct em_spec_window_frame {
  bool present;
  bool is_rows;               /* ROWS vs RANGE */
  int lower_kind, upper_kind; /* 0 current row, 1 unbounded, 2 value */
  em_spec_expr *lower, *upper;
} em_spec_window_frame;

struct em_spec_expr {
  em_spec_expr_kind kind;
  /* Python call-site fragment from ExpressionCommon.origin, for errors. */
  const char *origin_fragment;
  const char *origin_call_site;
  /* SQL text origin (with origin_fragment the expression's text): line
   * from 1 and column from 0 where it starts; 0 when not from SQL. */
  int sql_line, sql_pos;
  /* SQL text origin: Spark's "== SQL (line, position) ==" excerpt for
   * runtime errors (NULL when not from SQL). */
  const char *sql_summary;
  union {
    struct { em_vec *value; } lit;
    struct {
      char **parts;
      int nparts;
      int64_t plan_id; /* -1 when absent */
      bool is_metadata;
    } attr;
    struct {
      char *name;
      em_spec_expr **args;
      int nargs;
      bool distinct;
      bool is_internal;
    } func;
    struct {
      char **target; /* qualifier parts, e.g. {"t"} for t.* */
      int ntarget;
      int64_t plan_id;
    } star;
    struct {
      em_spec_expr *child;
      char **names;
      int nnames;
      char *metadata; /* JSON or NULL */
    } alias;
    struct {
      em_spec_expr *child;
      em_type *type;    /* owned reference; NULL if type_str */
      char *type_str;   /* unparsed type (DDL) or NULL */
      em_cast_mode mode;
    } cast;
    struct {
      em_spec_expr *child;
      bool ascending;
      em_null_order nulls;
    } sort;
    struct { char *sql; } expr_string;
    struct {
      char *pattern;
      int64_t plan_id;
    } regex;
    struct {
      em_spec_expr *child;
      em_spec_expr *extraction;
    } extract;
    struct {
      em_spec_expr *body;
      char **vars;
      int nvars;
    } lambda;
    struct { char **parts; int nparts; } lambda_var;
    struct {
      em_spec_expr *child;
      char *field;          /* dotted field name */
      em_spec_expr *value;  /* NULL = drop */
    } update_fields;
    struct {
      em_spec_expr *func;
      em_spec_expr **partition;
      int npartition;
      em_spec_expr **order; /* SORT_ORDER nodes */
      int norder;
      em_spec_window_frame frame;
    } window;
    struct {
      em_spec_rel *rel;
      em_subquery_kind kind;
      em_spec_expr **values; /* IN: the left-hand values */
      int nvalues;
    } subquery;
    struct { int index; } ordinal; /* 0-based */
  } u;
};

/* ---- relations ---- */

typedef enum em_spec_rel_kind {
  EM_SR_RANGE,
  EM_SR_LOCAL,        /* local: schema + batches (inline or from the artifact cache) */
  EM_SR_PROJECT,
  EM_SR_FILTER,
  EM_SR_LIMIT,
  EM_SR_OFFSET,
  EM_SR_TAIL,
  EM_SR_TO_DF,
  EM_SR_SHOW_STRING,
  EM_SR_AGGREGATE,
  EM_SR_SORT,
  EM_SR_WITH_COLUMNS,
  EM_SR_WITH_COLUMNS_RENAMED,
  EM_SR_DROP,
  EM_SR_SUBQUERY_ALIAS,
  EM_SR_DEDUPLICATE,
  EM_SR_SQL,          /* sql: query text with parameters (parsed later) */
  EM_SR_HTML_STRING,
  EM_SR_JOIN,         /* join: input (left) JOIN right ON cond | USING (cols) */
  EM_SR_REPARTITION,  /* repartition: repartition(n) or coalesce(n) */
  EM_SR_REPARTITION_BY_EXPR, /* repart_expr: by hash, or by range when all are SORT_ORDER */
  EM_SR_HINT,         /* hint: df.hint(name, params...) */
  EM_SR_SET_OP,       /* set_op: union, intersect, except (input is the left side) */
  EM_SR_SAMPLE,       /* sample */
  EM_SR_TO_SCHEMA,    /* to_schema: Dataset.to(schema) */
  EM_SR_WITH_WATERMARK, /* watermark: a no-op for batch queries */
  EM_SR_FILL_NA,      /* na_fill: na.fill */
  EM_SR_DROP_NA,      /* na_drop: na.drop */
  EM_SR_REPLACE,      /* na_replace: na.replace */
  EM_SR_READ,         /* read: spark.read (data source or named table) */
  EM_SR_UNPIVOT,      /* unpivot: unpivot / melt */
  EM_SR_COLLECT_METRICS, /* metrics: df.observe */
  /* stat: df.summary / describe and df.stat.* (resolve_stat.c) */
  EM_SR_STAT_SUMMARY,
  EM_SR_STAT_DESCRIBE,
  EM_SR_STAT_CROSSTAB,
  EM_SR_STAT_COV,
  EM_SR_STAT_CORR,
  EM_SR_STAT_APPROX_QUANTILE,
  EM_SR_STAT_FREQ_ITEMS,
  EM_SR_STAT_SAMPLE_BY,
  EM_SR_NAMED_TABLE,  /* named_table: a table or view by name (SQL FROM t, spark.table) */
  EM_SR_CACHED_REMOTE, /* cached_remote: a checkpointed DataFrame by id */
} em_spec_rel_kind;

/* Join types, numbered as the protocol's Join.JoinType. */
typedef enum em_join_type {
  EM_JOIN_INNER = 1,
  EM_JOIN_FULL_OUTER,
  EM_JOIN_LEFT_OUTER,
  EM_JOIN_RIGHT_OUTER,
  EM_JOIN_LEFT_ANTI,
  EM_JOIN_LEFT_SEMI,
  EM_JOIN_CROSS,
} em_join_type;

typedef enum em_set_op_kind { EM_SET_UNION, EM_SET_INTERSECT, EM_SET_EXCEPT } em_set_op_kind;

typedef enum em_agg_group_type {
  EM_GROUP_BY = 1, EM_GROUP_ROLLUP, EM_GROUP_CUBE, EM_GROUP_PIVOT, EM_GROUP_SETS
} em_agg_group_type;

struct em_spec_rel {
  em_spec_rel_kind kind;
  int64_t plan_id; /* the client's plan_id, -1 when absent */
  em_spec_rel *input;
  union {
    struct {
      int64_t start, end, step;
      int num_partitions; /* 0 = default parallelism */
    } range;
    struct {
      em_type *schema; /* owned reference (may be NULL: no data, schema only) */
      em_batch **batches;
      int nbatches;
    } local;
    struct { em_spec_expr **exprs; int nexprs; } project;
    struct { em_spec_expr *cond; } filter;
    struct { int64_t n; } limit; /* LIMIT, OFFSET, TAIL */
    struct { char **names; int nnames; } to_df;
    struct { int num_rows; int truncate; bool vertical; bool html; } show; /* SHOW_STRING, HTML_STRING */
    struct {
      em_agg_group_type group_type;
      em_spec_expr **groups;
      int ngroups;
      em_spec_expr **aggs;
      int naggs;
      /* GROUPING SETS: nsets lists of expressions. */
      em_spec_expr ***sets;
      int *set_sizes;
      int nsets;
      /* PIVOT: the pivot column and its values (1-row literal vectors held
       * by the spec); pivot_values NULL when the client gave none. */
      em_spec_expr *pivot_col;
      em_vec **pivot_values;
      int npivot_values;
      bool select_only; /* SQL: output the aggs only, not the groups first */
    } aggregate;
    struct {
      em_spec_expr **orders; /* SORT_ORDER nodes */
      int norders;
      bool global;
    } sort;
    struct {
      em_spec_expr **aliases; /* ALIAS nodes */
      int naliases;
    } with_columns;
    struct {
      char **from, **to;
      int n;
    } renamed;
    struct {
      em_spec_expr **cols;
      char **names;
      int ncols, nnames;
    } drop;
    struct {
      char *alias;
      char **qualifier;
      int nqualifier;
    } subquery_alias;
    struct {
      char **cols;
      int ncols;
      bool all_columns;
      bool within_watermark;
    } dedup;
    struct {
      char *query;
    } sql;
    struct {
      em_spec_rel *right;  /* the left side is `input` */
      em_spec_expr *cond;  /* NULL: none */
      em_join_type type;
      char **using_cols;
      int nusing;
      bool natural;        /* NATURAL JOIN: USING the common column names */
    } join;
    struct {
      int num_partitions; /* -1 with shuffle false: the default parallelism */
      bool shuffle; /* false: coalesce */
    } repartition;
    struct {
      em_spec_expr **exprs;
      int nexprs;
      int num_partitions; /* 0 when not given */
    } repart_expr;
    struct {
      char *name;
      em_spec_expr **params;
      int nparams;
    } hint;
    struct {
      em_spec_rel *right;
      em_set_op_kind op;
      bool all, by_name, allow_missing;
    } set_op;
    struct {
      double lower, upper;
      bool with_replacement;
      bool has_seed;
      int64_t seed;
      bool deterministic_order; /* randomSplit: sort each partition first */
    } sample;
    struct {
      em_type *schema; /* owned reference (held by the spec) */
    } to_schema;
    struct {
      char *event_time, *delay;
    } watermark;
    struct {
      char **cols;
      int ncols;
      em_vec **values; /* 1-row literal vectors (held by the spec) */
      int nvalues;
    } na_fill;
    struct {
      char **cols;
      int ncols;
      int min_non_nulls; /* -1 when not given */
    } na_drop;
    struct {
      char **cols;
      int ncols;
      em_vec **olds, **news; /* 1-row literal vectors (held by the spec) */
      int n;
    } na_replace;
    struct {
      char *table;    /* NamedTable (spark.read.table); NULL for a data source */
      char *format;   /* NULL: spark.sql.sources.default */
      char *schema;   /* user schema (DDL or JSON) or NULL */
      char **keys, **values; /* options */
      int nopts;
      char **paths;
      int npaths;
      int npredicates; /* JDBC predicates (unsupported) */
    } read;
    struct {
      em_spec_expr **ids;
      int nids;
      em_spec_expr **values; /* NULL: every non-id column */
      int nvalues;
      char *variable_name, *value_name;
    } unpivot;
    struct {
      char *name;
      em_spec_expr **metrics;
      int nmetrics;
    } metrics;
    struct {
      char **cols;          /* summary: statistics; describe, approxQuantile, freqItems: columns */
      int ncols;
      char *col1, *col2;    /* crosstab, cov, corr */
      char *method;         /* corr (NULL: pearson) */
      double *probs;        /* approxQuantile */
      int nprobs;
      double relative_error;
      bool has_support;     /* freqItems */
      double support;
      em_spec_expr *col;    /* sampleBy */
      em_vec **strata;      /* 1-row literal vectors (held by the spec) */
      double *fractions;
      int nfractions;
      bool has_seed;
      int64_t seed;
    } stat;
    struct {
      char **parts;
      int nparts;
      /* Where the name stands in SQL text (sql_line 0: not from SQL). */
      const char *sql_fragment;
      int sql_line, sql_pos;
    } named_table;
    struct {
      char *relation_id;
    } cached_remote;
  } u;
};

/* A spec tree and the arena it lives in. */
typedef struct em_spec {
  em_arena arena;
  /* Counted references held by nodes (literal vectors, batches, types),
   * released by em_spec_release. */
  em_vec **vecs;
  int nvecs, capvecs;
  em_batch **batches;
  int nbatches, capbatches;
  em_type **types;
  int ntypes, captypes;
} em_spec;

void em_spec_init(em_spec *s);
/* Frees the arena and releases every reference the spec holds. */
void em_spec_release(em_spec *s);

/* Node constructors: zeroed node of a kind, plan_id -1. NULL on OOM. */
em_spec_rel *em_spec_rel_new(em_spec *s, em_spec_rel_kind kind);
em_spec_expr *em_spec_expr_new(em_spec *s, em_spec_expr_kind kind);
/* Arena arrays. */
void *em_spec_array(em_spec *s, size_t n, size_t elem_size);
char *em_spec_strdup(em_spec *s, const char *str);
char *em_spec_strndup(em_spec *s, const char *str, size_t n);
/* Records that the spec owns these references (released with it). -1 OOM. */
int em_spec_own_vec(em_spec *s, em_vec *v);
int em_spec_own_batch(em_spec *s, em_batch *b);
int em_spec_own_type(em_spec *s, em_type *t);

/* Kind names as the protocol calls them (for errors: "UNSUPPORTED ... range"). */
const char *em_spec_rel_kind_name(em_spec_rel_kind k);
/* The field number of the kind in the protocol's Relation.rel_type oneof. */
int em_spec_rel_kind_field(em_spec_rel_kind k);
const char *em_spec_expr_kind_name(em_spec_expr_kind k);
int em_spec_expr_kind_field(em_spec_expr_kind k);

/* A text form of an unresolved plan, one line per node ("'Project",
 * "+- 'Range ..."), as Spark appends to analysis errors. */
void em_spec_describe(const em_spec_rel *rel, em_strbuf *sb);

/* Splits a column name as Spark's parseAttributeName does: parts separated
 * by dots, `backquoted` parts may contain dots and `` for a backquote.
 * Parts are allocated in the spec arena. -1 with PARSE_SYNTAX_ERROR-like
 * INVALID_ATTRIBUTE_NAME_SYNTAX on a malformed name. */
int em_spec_parse_name(em_spec *s, const char *name, char ***parts, int *nparts, em_error *err);

#endif
