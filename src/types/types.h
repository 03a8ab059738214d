/*
 * Spark data types. An em_type is immutable once built and reference
 * counted; the primitive types are static singletons (em_type_long() etc.)
 * whose ref/unref are no-ops. Nested types own their children.
 *
 * Also here: the text forms Spark gives types (simpleString "bigint",
 * "struct<a:int>"; typeName "long"; DDL "BIGINT"; JSON), the DDL parser used
 * by AnalyzePlan.DdlParse and createDataFrame(schema="a int"), and the JSON
 * schema parser used by LocalRelation.schema.
 */
#ifndef EM_TYPES_H
#define EM_TYPES_H

#include "../base/base.h"

typedef enum em_type_id {
  EM_T_NULL,
  EM_T_BOOLEAN,
  EM_T_BYTE,
  EM_T_SHORT,
  EM_T_INT,
  EM_T_LONG,
  EM_T_FLOAT,
  EM_T_DOUBLE,
  EM_T_DECIMAL,        /* 128-bit, precision <= 38 */
  EM_T_STRING,
  EM_T_BINARY,
  EM_T_DATE,           /* int32 days since 1970-01-01 */
  EM_T_TIMESTAMP,      /* int64 microseconds UTC, shown in the session zone */
  EM_T_TIMESTAMP_NTZ,  /* int64 microseconds, no zone */
  EM_T_DT_INTERVAL,    /* int64 microseconds; start/end field */
  EM_T_YM_INTERVAL,    /* int32 months; start/end field */
  EM_T_CAL_INTERVAL,   /* {int32 months, int32 days, int64 nanoseconds} (Arrow month_day_nano) */
  EM_T_CHAR,           /* string with length */
  EM_T_VARCHAR,        /* string with length */
  EM_T_TIME,           /* int64 nanoseconds of the day; precision */
  EM_T_ARRAY,
  EM_T_MAP,
  EM_T_STRUCT,
  EM_T_VARIANT,
  EM_T__COUNT
} em_type_id;

/* Interval fields (Spark's DayTimeIntervalType / YearMonthIntervalType). */
enum { EM_DT_DAY = 0, EM_DT_HOUR = 1, EM_DT_MINUTE = 2, EM_DT_SECOND = 3 };
enum { EM_YM_YEAR = 0, EM_YM_MONTH = 1 };

typedef struct em_type em_type;

typedef struct em_field {
  char *name;
  em_type *type;
  bool nullable;
  char *metadata; /* JSON object text, or NULL for {} */
} em_field;

struct em_type {
  em_type_id id;
  _Atomic int refcnt; /* < 0: static, never freed */
  union {
    struct { uint8_t precision, scale; } dec;
    struct { uint8_t start, end; } interval;
    int32_t length;    /* CHAR, VARCHAR */
    int32_t precision; /* TIME */
    struct { em_type *elem; bool contains_null; } array;
    struct { em_type *key, *value; bool value_contains_null; } map;
    struct { int nfields; em_field *fields; } st;
  } u;
};

/* Static singletons. */
em_type *em_type_null(void);
em_type *em_type_boolean(void);
em_type *em_type_byte(void);
em_type *em_type_short(void);
em_type *em_type_int(void);
em_type *em_type_long(void);
em_type *em_type_float(void);
em_type *em_type_double(void);
em_type *em_type_string(void);
em_type *em_type_binary(void);
em_type *em_type_date(void);
em_type *em_type_timestamp(void);
em_type *em_type_timestamp_ntz(void);
em_type *em_type_cal_interval(void);
em_type *em_type_variant(void);
/* Singleton for a primitive id (one of the above); NULL for parameterised ids. */
em_type *em_type_primitive(em_type_id id);

/* Constructors: return a new reference or NULL on out-of-memory. Nested
 * constructors take ownership of the references passed in (also on failure). */
em_type *em_type_decimal(int precision, int scale);
em_type *em_type_dt_interval(int start, int end);
em_type *em_type_ym_interval(int start, int end);
em_type *em_type_char(int length);
em_type *em_type_varchar(int length);
em_type *em_type_time(int precision);
em_type *em_type_array(em_type *elem, bool contains_null);
em_type *em_type_map(em_type *key, em_type *value, bool value_contains_null);
/* An empty struct with room for n fields; fill with em_type_struct_set. */
em_type *em_type_struct_new(int n);
/* Sets field i (copies name and metadata, takes the type reference).
 * -1 on out-of-memory. */
int em_type_struct_set(em_type *st, int i, const char *name, em_type *type, bool nullable, const char *metadata);

em_type *em_type_ref(em_type *t);
void em_type_unref(em_type *t);

/* Structural equality; when ignore_nullability, nullable flags and metadata
 * are not compared. Field names compare exactly. */
bool em_type_equal(const em_type *a, const em_type *b, bool ignore_nullability);

/* Bytes per value in the Arrow layout's values buffer (booleans: 0, they are
 * bit-packed); 0 for types without a fixed-width values buffer. */
int em_type_fixed_width(const em_type *t);
bool em_type_is_numeric(const em_type *t);
bool em_type_is_integral(const em_type *t);
bool em_type_is_string_like(const em_type *t); /* STRING, CHAR, VARCHAR */
bool em_type_is_nested(const em_type *t);

/* Text forms. Each appends to sb; -1 on out-of-memory.
 * simpleString: "bigint", "decimal(10,2)", "array<int>", "struct<a:int,b:string>",
 *   "interval day to second", "timestamp_ntz".
 * typeName (printSchema leaf): "long", "integer", "decimal(10,2)", "array"...
 * sql (DDL): "BIGINT", "STRUCT<a: INT>", "ARRAY<INT>". */
int em_type_simple_string(const em_type *t, em_strbuf *sb);
int em_type_sql(const em_type *t, em_strbuf *sb);
/* JSON as Spark's DataType.json: "long", {"type":"struct","fields":[...]}. */
int em_type_json(const em_type *t, em_strbuf *sb);

/* printSchema text ("root\n |-- id: long (nullable = false)\n"); level <= 0
 * means unlimited depth (Spark's treeString(level)). */
int em_type_tree_string(const em_type *schema, int level, em_strbuf *sb);

/* Parses a DDL string as Spark's DataType.fromDDL / parseTableSchema does:
 * "a INT, b STRING NOT NULL" (a struct) or a single type "array<int>".
 * A lone type that is not a struct is returned as is. Returns a new
 * reference, or NULL with PARSE_SYNTAX_ERROR/other errors in err. */
em_type *em_type_parse_ddl(const char *ddl, em_error *err);
/* Parses one data type ("map<string, int>", "decimal(10,2)"), as SQL's
 * CAST(x AS type) does: no table-schema reading. */
em_type *em_type_parse_one(const char *text, em_error *err);
/* Parses Spark's DataType JSON. */
em_type *em_type_parse_json(const char *json, size_t len, em_error *err);

#endif
