/*
 * Rendering values as text the way Spark's show() does: every cell is cast
 * to a string (Spark 4's ToPrettyString) and laid out by
 * Dataset.showString. Also the time-zone rules used to print TIMESTAMP
 * values in the session time zone.
 *
 * Time zones are read from the system tz database (/usr/share/zoneinfo)
 * once per zone and cached for the life of the process; lookups are
 * thread-safe and never touch the process-wide TZ.
 */
#ifndef EM_EXPR_FORMAT_H
#define EM_EXPR_FORMAT_H

#include "../arrow/arrow.h"
#include "../base/base.h"

/* ---- time zones ---- */

typedef struct em_tz em_tz;

/* The rules of a zone: a region id ("America/Los_Angeles"), "UTC"/"GMT"/"Z",
 * or a fixed offset ("+05:30", "-08:00", "UTC+8", "GMT-03:00"). The result
 * is cached and lives until exit (never free it). NULL with
 * INVALID_TIMEZONE-style errors in err for an unknown zone. */
const em_tz *em_tz_get(const char *zone, em_error *err);
/* Offset from UTC in seconds at the instant utc_seconds. */
int32_t em_tz_offset(const em_tz *tz, int64_t utc_seconds);

/* ---- numbers ---- */

/* Java's Double.toString / Float.toString: "1.0", "1.0E10", "1.0E-4",
 * "NaN", "-Infinity", "-0.0" (shortest digits that read back exactly). */
int em_format_double(double d, em_strbuf *out);
int em_format_float(float f, em_strbuf *out);

/* ---- values ---- */

typedef struct em_format_opts {
  const em_tz *tz; /* session zone for TIMESTAMP; NULL = UTC */
  /* Cast-to-string instead of show(): nested NULLs print as "null" and
   * binary values as their bytes (CAST(array(...) AS STRING)). */
  bool cast;
} em_format_opts;

/* Appends row i of v as Spark's show() casts it to a string: "NULL" for
 * null (also nested), [1, 2], {a -> 1}, {1, x}, dates yyyy-MM-dd,
 * timestamps "yyyy-MM-dd HH:mm:ss[.ffffff]" (trailing zeros trimmed),
 * binary as [0A FF], ANSI intervals as INTERVAL '...' ... . Control
 * characters are not escaped here (em_show_string does that per cell).
 * -1 on out-of-memory (out->oom) or for a type show() cannot print
 * (VARIANT), with err set. */
int em_format_value(const em_vec *v, int64_t i, const em_format_opts *opts, em_strbuf *out, em_error *err);

/* ---- show ---- */



#endif
