"""spark.sql: datetime +/- ANSI interval arithmetic (Spark's
BinaryArithmeticWithDatetimeResolver), EXTRACT and date_part, as the TPC-H
queries use them."""

from sqlcaselib import sql_cases, sql_error_cases

T = "FROM VALUES (DATE '2000-02-29', TIMESTAMP '2000-03-31 10:00:00'), (DATE '1999-01-31', NULL), (NULL, TIMESTAMP '1970-01-01 00:00:00') t(d, ts)"

sql_cases(globals(), {
    "date_minus_days": "SELECT DATE '1998-12-01' - INTERVAL '90' DAY",
    "date_plus_days": "SELECT DATE '1998-12-01' + INTERVAL '90' DAY, INTERVAL '2' DAY + DATE '2000-02-28'",
    "date_plus_months": "SELECT DATE '1996-01-31' + INTERVAL '1' MONTH, INTERVAL '3' MONTH + DATE '1996-01-01'",
    "date_minus_years": "SELECT DATE '1996-01-01' - INTERVAL '1' YEAR, DATE '1996-03-31' - INTERVAL '1-1' YEAR TO MONTH",
    "date_plus_hours_is_timestamp": "SELECT DATE '2000-01-01' + INTERVAL '1 2' DAY TO HOUR, DATE '2000-01-01' - INTERVAL '3' HOUR",
    "timestamp_plus_dt": "SELECT TIMESTAMP '2000-01-01 00:00:00' + INTERVAL '3' DAY, TIMESTAMP '2000-01-01 00:00:00' - INTERVAL '03' HOUR",
    "timestamp_plus_ym": "SELECT TIMESTAMP '2000-03-31 10:00:00' - INTERVAL '1' MONTH, TIMESTAMP_NTZ '2000-01-31 01:02:03' + INTERVAL '1-1' YEAR TO MONTH",
    "columns_and_nulls": "SELECT d + INTERVAL '1' MONTH, d - INTERVAL '2' YEAR, d - INTERVAL '30' DAY, ts + INTERVAL '1' MONTH, ts - INTERVAL '1' DAY " + T,
    "null_date_plus_day": "SELECT CAST(NULL AS DATE) + INTERVAL '1' DAY",
    "date_interval_in_where": "SELECT d FROM VALUES (DATE '1994-01-01'), (DATE '1994-12-31'), (DATE '1995-01-01') t(d) WHERE d >= DATE '1994-01-01' AND d < DATE '1994-01-01' + INTERVAL '1' YEAR ORDER BY d",
    "extract_date": "SELECT extract(year FROM d), extract(MONTH FROM d), extract(day FROM d), extract(y FROM d), extract(days FROM d) " + T,
    "extract_timestamp": "SELECT extract(year FROM ts), extract(month FROM ts) " + T,
    "date_part": "SELECT date_part('year', d), date_part('MON', d), date_part('d', d) " + T,
    "extract_group_by": "SELECT extract(year FROM d) AS y, count(*) FROM VALUES (DATE '1995-01-02'), (DATE '1995-07-08'), (DATE '1996-03-04') t(d) GROUP BY extract(year FROM d) ORDER BY y",
})

sql_error_cases(globals(), {
    "extract_unknown_field": "SELECT extract(foo FROM DATE '2000-01-01')",
    "interval_minus_date": "SELECT INTERVAL '1' DAY - DATE '2000-01-01'",
})
