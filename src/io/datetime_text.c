/*
 * Dates and timestamps as text, for the text formats' dateFormat and
 * timestampFormat options: a subset of Java's DateTimeFormatter patterns
 * (the letters Spark documents for datetime patterns: y M d H h m s S a E
 * X x Z, quoted literals, [optional] sections) for formatting and strict
 * parsing, and Spark's lenient default parsers (DateTimeUtils'
 * stringToTimestamp and stringToDate) used when no pattern is given.
 */
#include "io_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void em_io_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int64_t em_io_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int month_days(int64_t y, int m) {
  static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : md[m - 1];
}

static size_t parse_date_prefix(const char *s, size_t n, int64_t *y, int *m, int *d);

static int64_t floordiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Local wall time (us) to UTC in zone tz (Java's earlier offset at a gap
 * or overlap is approximated by a two-step lookup). */
static int64_t local_to_utc(int64_t local_us, const em_tz *tz) {
  if (!tz) return local_us;
  int64_t secs = floordiv(local_us, 1000000);
  int32_t off = em_tz_offset(tz, secs);
  int32_t off2 = em_tz_offset(tz, secs - off);
  return local_us - (int64_t)off2 * 1000000;
}

/* ---- patterns ---- */

int em_dtfmt_compile(const char *p, em_dtfmt *f, em_error *err) {
  memset(f, 0, sizeof *f);
  if (!p) {
    f->lenient = true;
    return 0;
  }
  for (size_t i = 0; p[i];) {
    if (f->n == EM_DTFMT_MAX) goto bad;
    em_dtfmt_item *it = &f->items[f->n];
    char c = p[i];
    if (isalpha((unsigned char)c)) {
      if (!strchr("yuMLdHhmsSaEXxZzVOG", c)) goto bad;
      size_t j = i;
      while (p[j] == c) j++;
      it->letter = c == 'u' ? 'y' : c == 'L' ? 'M' : c;
      it->count = (uint8_t)(j - i > 9 ? 9 : j - i);
      i = j;
    } else if (c == '\'') {
      size_t k = 0;
      i++;
      if (p[i] == '\'') { /* '' is one quote */
        it->lit[k++] = '\'';
        i++;
      } else {
        while (p[i] && !(p[i] == '\'' && p[i + 1] != '\'')) {
          if (p[i] == '\'') i++;
          if (k + 1 >= sizeof it->lit) goto bad;
          it->lit[k++] = p[i++];
        }
        if (p[i] != '\'') goto bad;
        i++;
      }
      it->lit[k] = '\0';
    } else if (c == '[' || c == ']') {
      it->letter = c;
      i++;
    } else {
      it->lit[0] = c;
      it->lit[1] = '\0';
      i++;
    }
    f->n++;
  }
  return 0;
bad:
  return em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "Unsupported or invalid datetime pattern", NULL) ,
         em_error_append(err, ": %s", p), -1;
}

static const char *const MONTHS[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
static const char *const DAYS[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

typedef struct fields {
  int64_t year;
  int month, day, hour, minute, second, dow; /* dow 0 = Monday */
  int32_t nanos;
  int32_t offset; /* seconds */
  bool has_time, has_offset;
} fields;

static void put_num(em_strbuf *sb, int64_t v, int width) {
  if (v < 0) {
    em_strbuf_putc(sb, '-');
    v = -v;
  }
  em_strbuf_printf(sb, "%0*" PRId64, width, v);
}

static void put_offset(em_strbuf *sb, int32_t off, char letter, int count) {
  if (off == 0 && letter == 'X') {
    em_strbuf_putc(sb, 'Z');
    return;
  }
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  int h = off / 3600, m = off / 60 % 60;
  if (letter == 'Z' || letter == 'x' || letter == 'X') {
    if (letter == 'Z' && count <= 3) em_strbuf_printf(sb, "%c%02d%02d", sign, h, m);
    else if (count == 1) {
      em_strbuf_printf(sb, "%c%02d", sign, h);
      if (m) em_strbuf_printf(sb, "%02d", m);
    } else if (count == 2 || count == 4) em_strbuf_printf(sb, "%c%02d%02d", sign, h, m);
    else em_strbuf_printf(sb, "%c%02d:%02d", sign, h, m);
  } else {
    em_strbuf_printf(sb, "%c%02d:%02d", sign, h, m);
  }
}

static void format_fields(const em_dtfmt *f, const fields *x, em_strbuf *sb) {
  for (int i = 0; i < f->n; i++) {
    const em_dtfmt_item *it = &f->items[i];
    int c = it->count;
    switch (it->letter) {
    case 0: em_strbuf_puts(sb, it->lit); break;
    case '[': case ']': break;
    case 'y':
      if (c == 2) put_num(sb, ((x->year % 100) + 100) % 100, 2);
      else {
        if (x->year > 9999 && c >= 4) em_strbuf_putc(sb, '+');
        put_num(sb, x->year, c);
      }
      break;
    case 'G': em_strbuf_puts(sb, x->year > 0 ? "AD" : "BC"); break;
    case 'M':
      if (c >= 4) em_strbuf_puts(sb, MONTHS[x->month - 1]);
      else if (c == 3) em_strbuf_append(sb, MONTHS[x->month - 1], 3);
      else put_num(sb, x->month, c);
      break;
    case 'd': put_num(sb, x->day, c); break;
    case 'E':
      if (c >= 4) em_strbuf_puts(sb, DAYS[x->dow]);
      else em_strbuf_append(sb, DAYS[x->dow], 3);
      break;
    case 'H': put_num(sb, x->hour, c); break;
    case 'h': put_num(sb, x->hour % 12 == 0 ? 12 : x->hour % 12, c); break;
    case 'a': em_strbuf_puts(sb, x->hour < 12 ? "AM" : "PM"); break;
    case 'm': put_num(sb, x->minute, c); break;
    case 's': put_num(sb, x->second, c); break;
    case 'S': {
      char d[10];
      snprintf(d, sizeof d, "%09d", (int)x->nanos);
      em_strbuf_append(sb, d, (size_t)c);
      break;
    }
    case 'V': case 'z': case 'O':
      if (x->offset == 0) em_strbuf_puts(sb, "UTC");
      else put_offset(sb, x->offset, 'O', c);
      break;
    default: put_offset(sb, x->offset, it->letter, c); break;
    }
  }
}

static void fields_from_days(fields *x, int64_t days) {
  em_io_civil_from_days(days, &x->year, &x->month, &x->day);
  x->dow = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
}

int em_dtfmt_format_ts(const em_dtfmt *f, int64_t us, const em_tz *tz, em_strbuf *sb) {
  fields x = {0};
  int32_t off = tz ? em_tz_offset(tz, floordiv(us, 1000000)) : 0;
  int64_t local = us + (int64_t)off * 1000000;
  int64_t days = floordiv(local, 86400000000LL);
  int64_t rem = local - days * 86400000000LL;
  fields_from_days(&x, days);
  x.hour = (int)(rem / 3600000000LL);
  x.minute = (int)(rem / 60000000 % 60);
  x.second = (int)(rem / 1000000 % 60);
  x.nanos = (int32_t)(rem % 1000000) * 1000;
  x.offset = off;
  format_fields(f, &x, sb);
  return sb->oom ? -1 : 0;
}

int em_dtfmt_format_date(const em_dtfmt *f, int32_t days, em_strbuf *sb) {
  fields x = {0};
  fields_from_days(&x, days);
  format_fields(f, &x, sb);
  return sb->oom ? -1 : 0;
}

/* ---- strict parsing ---- */

static bool digits(const char *s, size_t n, size_t *i, int min, int max, int64_t *out) {
  int k = 0;
  int64_t v = 0;
  while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') v = v * 10 + (s[(*i)++] - '0'), k++;
  if (k < min) return false;
  *out = v;
  return true;
}

static bool parse_offset(const char *s, size_t n, size_t *i, char letter, int count, int32_t *off) {
  if (*i < n && s[*i] == 'Z' && letter != 'x' && letter != 'Z') {
    (*i)++;
    *off = 0;
    return true;
  }
  if (*i >= n || (s[*i] != '+' && s[*i] != '-')) return false;
  int sign = s[(*i)++] == '-' ? -1 : 1;
  int64_t h, m = 0;
  if (!digits(s, n, i, 2, 2, &h)) return false;
  if (*i < n && s[*i] == ':') {
    (*i)++;
    if (!digits(s, n, i, 2, 2, &m)) return false;
  } else if (count != 1 || (*i + 1 < n && isdigit((unsigned char)s[*i]))) {
    size_t save = *i;
    if (!digits(s, n, i, 2, 2, &m)) *i = save, m = 0;
  }
  if (h > 18 || m > 59) return false;
  *off = sign * (int32_t)(h * 3600 + m * 60);
  return true;
}

static bool match_name(const char *s, size_t n, size_t *i, const char *const *names, int count, int full, int *out) {
  for (int k = 0; k < count; k++) {
    size_t len = full ? strlen(names[k]) : 3;
    if (*i + len <= n && strncasecmp(s + *i, names[k], len) == 0) {
      *i += len;
      *out = k;
      return true;
    }
  }
  return false;
}

/* Parses items [from, to) of f; returns the index after the last item or
 * -1. Optional sections are tried and skipped on failure. */
static int parse_items(const em_dtfmt *f, int from, int to, const char *s, size_t n, size_t *i, fields *x,
                       bool *pm, bool *has_pm) {
  for (int k = from; k < to; k++) {
    const em_dtfmt_item *it = &f->items[k];
    int64_t v;
    int c = it->count;
    switch (it->letter) {
    case 0: {
      size_t len = strlen(it->lit);
      if (*i + len > n || memcmp(s + *i, it->lit, len) != 0) return -1;
      *i += len;
      break;
    }
    case '[': {
      int depth = 1, end = k + 1;
      while (end < to && depth) {
        if (f->items[end].letter == '[') depth++;
        if (f->items[end].letter == ']') depth--;
        end++;
      }
      size_t save = *i;
      fields sx = *x;
      if (parse_items(f, k + 1, end - 1, s, n, i, x, pm, has_pm) < 0) {
        *i = save;
        *x = sx;
      }
      k = end - 1;
      break;
    }
    case ']': break;
    case 'y':
      if (c == 2) {
        if (!digits(s, n, i, 2, 2, &v)) return -1;
        x->year = 2000 + v;
      } else {
        bool neg = false;
        if (*i < n && (s[*i] == '+' || s[*i] == '-')) neg = s[(*i)++] == '-';
        if (!digits(s, n, i, c < 4 ? c : 4, c < 4 ? 9 : (c == 4 ? 9 : c), &v)) return -1;
        x->year = neg ? -v : v;
      }
      break;
    case 'M':
      if (c >= 3) {
        int m;
        if (!match_name(s, n, i, MONTHS, 12, c >= 4, &m)) return -1;
        x->month = m + 1;
      } else {
        if (!digits(s, n, i, c, 2, &v)) return -1;
        x->month = (int)v;
      }
      break;
    case 'E': {
      int d;
      if (!match_name(s, n, i, DAYS, 7, c >= 4, &d)) return -1;
      break;
    }
    case 'G':
      if (*i + 2 > n) return -1;
      *i += 2;
      break;
    case 'd': if (!digits(s, n, i, c, 2, &v)) return -1; x->day = (int)v; break;
    case 'H': if (!digits(s, n, i, c, 2, &v)) return -1; x->hour = (int)v; x->has_time = true; break;
    case 'h': if (!digits(s, n, i, c, 2, &v)) return -1; x->hour = (int)v % 12; x->has_time = true; break;
    case 'm': if (!digits(s, n, i, c, 2, &v)) return -1; x->minute = (int)v; break;
    case 's': if (!digits(s, n, i, c, 2, &v)) return -1; x->second = (int)v; break;
    case 'S': {
      size_t st = *i;
      if (!digits(s, n, i, 1, c, &v)) return -1;
      for (size_t z = *i - st; z < 9; z++) v *= 10;
      x->nanos = (int32_t)v;
      break;
    }
    case 'a':
      if (*i + 2 > n) return -1;
      if (strncasecmp(s + *i, "AM", 2) == 0) *pm = false;
      else if (strncasecmp(s + *i, "PM", 2) == 0) *pm = true;
      else return -1;
      *has_pm = true;
      *i += 2;
      break;
    case 'V': case 'z': case 'O': {
      size_t st = *i;
      while (*i < n && (isalnum((unsigned char)s[*i]) || strchr("/_+-:", s[*i]))) (*i)++;
      char zone[64];
      size_t len = *i - st;
      if (len == 0 || len >= sizeof zone) return -1;
      memcpy(zone, s + st, len);
      zone[len] = '\0';
      const em_tz *z = em_tz_get(zone, NULL);
      if (!z) return -1;
      x->offset = em_tz_offset(z, 0); /* fixed zones only are exact here */
      x->has_offset = true;
      break;
    }
    default:
      if (!parse_offset(s, n, i, it->letter, c, &x->offset)) return -1;
      x->has_offset = true;
      break;
    }
  }
  return to;
}

static bool parse_fields(const em_dtfmt *f, const char *s, size_t n, fields *x) {
  memset(x, 0, sizeof *x);
  x->year = 1970;
  x->month = 1;
  x->day = 1;
  size_t i = 0;
  bool pm = false, has_pm = false;
  if (parse_items(f, 0, f->n, s, n, &i, x, &pm, &has_pm) < 0 || i != n) return false;
  if (has_pm && pm) x->hour += 12;
  if (x->month < 1 || x->month > 12 || x->day < 1 || x->day > month_days(x->year, x->month)) return false;
  if (x->hour > 23 || x->minute > 59 || x->second > 59) return false;
  return true;
}

bool em_dtfmt_parse_ts(const em_dtfmt *f, const char *s, size_t n, const em_tz *tz, int64_t *us) {
  if (f->lenient) return em_spark_parse_ts(s, n, tz, us);
  fields x;
  if (!parse_fields(f, s, n, &x)) return false;
  /* Years beyond what microseconds since 1970 can hold do not parse. */
  int64_t local, day_us;
  if (__builtin_mul_overflow(em_io_days_from_civil(x.year, x.month, x.day), 86400000000LL, &day_us) ||
      __builtin_add_overflow(day_us, ((int64_t)x.hour * 3600 + x.minute * 60 + x.second) * 1000000 + x.nanos / 1000,
                             &local) ||
      local > INT64_MAX / 2 || local < INT64_MIN / 2)
    return false;
  *us = x.has_offset ? local - (int64_t)x.offset * 1000000 : local_to_utc(local, tz);
  return true;
}

/* Without a pattern, dates parse as yyyy-[m]m-[d]d only (Spark's default
 * date formatter); the lenient stringToDate is the reader's fallback. */
static bool parse_date_strict(const char *s, size_t n, int32_t *days) {
  int64_t y;
  int m, d;
  size_t i = 0;
  int dashes = 0;
  for (size_t k = 0; k < n; k++) dashes += s[k] == '-';
  if (n == 0 || s[0] == '-' || s[0] == '+' || dashes != 2) return false;
  i = parse_date_prefix(s, n, &y, &m, &d);
  if (i != n) return false;
  *days = (int32_t)em_io_days_from_civil(y, m, d);
  return true;
}

bool em_dtfmt_parse_date(const em_dtfmt *f, const char *s, size_t n, int32_t *days) {
  if (f->lenient) return parse_date_strict(s, n, days);
  fields x;
  if (!parse_fields(f, s, n, &x)) return false;
  *days = (int32_t)em_io_days_from_civil(x.year, x.month, x.day);
  return true;
}

/* ---- Spark's lenient parsers ---- */

static void trim_all(const char **s, size_t *n) {
  while (*n > 0 && ((unsigned char)(*s)[0] <= ' ')) (*s)++, (*n)--;
  while (*n > 0 && ((unsigned char)(*s)[*n - 1] <= ' ')) (*n)--;
}

/* yyyy[-[m]m[-[d]d]]: returns the index after the date, or 0. */
static size_t parse_date_prefix(const char *s, size_t n, int64_t *y, int *m, int *d) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  int64_t v;
  size_t st = i;
  if (!digits(s, n, &i, 4, 7, &v)) return 0;
  if (i - st > 6 && v > 0) return 0;
  *y = neg ? -v : v;
  *m = 1;
  *d = 1;
  if (i < n && s[i] == '-') {
    i++;
    if (!digits(s, n, &i, 1, 2, &v)) return 0;
    *m = (int)v;
    if (i < n && s[i] == '-') {
      i++;
      if (!digits(s, n, &i, 1, 2, &v)) return 0;
      *d = (int)v;
    } else if (i < n) return 0;
  } else if (i < n && s[i] != ' ' && s[i] != 'T') {
    return 0;
  } else if (i < n) {
    return 0; /* a bare year followed by time is not a form Spark takes */
  }
  if (*m < 1 || *m > 12 || *d < 1 || *d > month_days(*y, *m)) return 0;
  return i;
}

bool em_spark_parse_date(const char *s, size_t n, int32_t *days) {
  trim_all(&s, &n);
  if (n == 0) return false;
  int64_t y;
  int m, d;
  size_t i = parse_date_prefix(s, n, &y, &m, &d);
  if (i == 0) return false;
  if (i < n && s[i] != ' ' && s[i] != 'T') return false;
  *days = (int32_t)em_io_days_from_civil(y, m, d);
  return true;
}

bool em_spark_parse_ts(const char *s, size_t n, const em_tz *tz, int64_t *us) {
  trim_all(&s, &n);
  if (n == 0) return false;
  int64_t y;
  int m, d;
  size_t i = parse_date_prefix(s, n, &y, &m, &d);
  if (i == 0) return false;
  int64_t hh = 0, mi = 0, ss = 0, frac = 0;
  bool has_zone = false;
  int32_t off = 0;
  const em_tz *zone = tz;
  if (i < n) {
    i++; /* ' ' or 'T' */
    if (i < n) {
      if (!digits(s, n, &i, 1, 2, &hh) || i >= n || s[i] != ':') return false;
      i++;
      if (!digits(s, n, &i, 1, 2, &mi)) return false;
      if (i < n && s[i] == ':') {
        i++;
        if (!digits(s, n, &i, 1, 2, &ss)) return false;
        if (i < n && s[i] == '.') {
          i++;
          int k = 0;
          while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (k < 6) frac = frac * 10 + (s[i] - '0');
            k++;
            i++;
          }
          if (k > 9) return false;
          for (; k < 6; k++) frac *= 10;
        }
      }
      if (i < n) {
        while (i < n && s[i] == ' ') i++;
        if (i >= n) return false;
        if (s[i] == 'Z' && i + 1 == n) {
          has_zone = true;
        } else if (s[i] == '+' || s[i] == '-') {
          size_t j = i;
          if (!parse_offset(s, n, &j, 'X', 3, &off) || j != n) return false;
          has_zone = true;
        } else {
          char zn[64];
          if (n - i >= sizeof zn) return false;
          memcpy(zn, s + i, n - i);
          zn[n - i] = '\0';
          zone = em_tz_get(zn, NULL);
          if (!zone) return false;
        }
      }
      if (hh > 23 || mi > 59 || ss > 59) return false;
    }
  }
  /* Years beyond the microsecond range do not parse (Spark's exact
   * arithmetic overflows on them). */
  int64_t local;
  if (__builtin_mul_overflow(em_io_days_from_civil(y, m, d), 86400000000LL, &local) ||
      __builtin_add_overflow(local, (int64_t)(hh * 3600 + mi * 60 + ss) * 1000000 + frac, &local) ||
      (has_zone && __builtin_sub_overflow(local, (int64_t)off * 1000000, &local)))
    return false;
  *us = has_zone ? local : local_to_utc(local, zone);
  return true;
}
