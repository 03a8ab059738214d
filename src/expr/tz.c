/*
 * Session time zones: our own reader of the system tz database (TZif files
 * under /usr/share/zoneinfo), so that printing a timestamp never calls
 * localtime_r with a changed process TZ and stays thread-safe.
 *
 * A zone is the list of transitions (UTC instant -> offset) from the 64-bit
 * block of a TZif v2+ file, the offset of time type 0 for instants before
 * the first transition (the zone's LMT, as java.time uses), and the POSIX
 * TZ footer ("PST8PDT,M3.2.0,M11.1.0") for instants after the last one.
 * Fixed offsets ("+05:30", "UTC", "GMT-3") need no file.
 *
 * Zones are loaded once and kept in a mutex-protected list until exit:
 * there are few distinct session zones in a process.
 */
#include "format.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tz_rule { /* POSIX "Mm.w.d/time" */
  int month, week, wday;
  int32_t secs; /* local time of day of the switch */
} tz_rule;

struct em_tz {
  char *name;
  int32_t fixed; /* offset when ntrans == 0 and !has_footer */
  int ntrans;
  int64_t *trans;   /* UTC seconds */
  int32_t *offsets; /* offset in effect from trans[i] */
  int32_t before;   /* offset before trans[0] */
  bool has_footer, footer_dst;
  int32_t std_off, dst_off; /* seconds east of UTC */
  tz_rule start, end;
  struct em_tz *next;
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static em_tz *tz_list;

static int64_t be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return (int64_t)v;
}

static int32_t be32(const uint8_t *p) { return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]); }

/* ---- POSIX TZ footer ---- */

static const char *posix_name(const char *p) {
  if (*p == '<') {
    while (*p && *p != '>') p++;
    return *p ? p + 1 : NULL;
  }
  const char *s = p;
  while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++;
  return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] -> seconds; POSIX offsets are west-positive. */
static const char *posix_time(const char *p, int32_t *out) {
  int sign = 1;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  if (*p < '0' || *p > '9') return NULL;
  int32_t v[3] = {0, 0, 0};
  for (int k = 0; k < 3; k++) {
    if (k && *p != ':') break;
    if (k) p++;
    if (*p < '0' || *p > '9') return NULL;
    while (*p >= '0' && *p <= '9') v[k] = v[k] * 10 + (*p++ - '0');
  }
  *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
  return p;
}

static const char *posix_rule(const char *p, tz_rule *r) {
  if (*p != 'M') return NULL; /* Julian-day forms are not used by current zones */
  p++;
  r->month = (int)strtol(p, (char **)&p, 10);
  if (*p++ != '.') return NULL;
  r->week = (int)strtol(p, (char **)&p, 10);
  if (*p++ != '.') return NULL;
  r->wday = (int)strtol(p, (char **)&p, 10);
  r->secs = 7200;
  if (*p == '/') p = posix_time(p + 1, &r->secs);
  if (!p || r->month < 1 || r->month > 12 || r->week < 1 || r->week > 5 || r->wday < 0 || r->wday > 6) return NULL;
  return p;
}

static bool parse_footer(em_tz *z, const char *s) {
  const char *p = posix_name(s);
  int32_t std;
  if (!p || !(p = posix_time(p, &std))) return false;
  z->std_off = -std;
  z->dst_off = z->std_off + 3600;
  z->footer_dst = false;
  if (*p == '\0') return true;
  if (!(p = posix_name(p))) return false;
  if (*p && *p != ',') {
    int32_t dst;
    if (!(p = posix_time(p, &dst))) return false;
    z->dst_off = -dst;
  }
  if (*p++ != ',' || !(p = posix_rule(p, &z->start)) || *p++ != ',' || !(p = posix_rule(p, &z->end))) return false;
  z->footer_dst = true;
  return *p == '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int64_t year_of(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  return yoe + era * 400 + (m <= 2);
}

/* Local-time seconds (since the epoch) of a rule's switch in year y. */
static int64_t rule_local(const tz_rule *r, int64_t y) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t first = days_from_civil(y, r->month, 1);
  int wd1 = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
  int day = 1 + (r->wday - wd1 + 7) % 7 + (r->week - 1) * 7;
  int len = mdays[r->month - 1] + (r->month == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  while (day > len) day -= 7;
  return (days_from_civil(y, r->month, day)) * 86400 + r->secs;
}

static int32_t footer_offset(const em_tz *z, int64_t t) {
  if (!z->footer_dst) return z->std_off;
  int64_t y = year_of((t + z->std_off) / 86400 - ((t + z->std_off) % 86400 < 0));
  /* DST starts at start.secs standard time and ends at end.secs DST time. */
  int64_t s = rule_local(&z->start, y) - z->std_off;
  int64_t e = rule_local(&z->end, y) - z->dst_off;
  bool in_dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
  return in_dst ? z->dst_off : z->std_off;
}

int32_t em_tz_offset(const em_tz *z, int64_t t) {
  if (!z) return 0;
  if (z->ntrans == 0) return z->has_footer ? footer_offset(z, t) : z->fixed;
  if (t < z->trans[0]) return z->before;
  if (t >= z->trans[z->ntrans - 1] && z->has_footer) return footer_offset(z, t);
  int lo = 0, hi = z->ntrans - 1; /* last transition <= t */
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if (z->trans[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return z->offsets[lo];
}

/* ---- loading ---- */

static em_tz *tz_free(em_tz *z) {
  if (z) {
    em_free(z->name);
    em_free(z->trans);
    em_free(z->offsets);
    em_free(z);
  }
  return NULL;
}

static em_tz *load_tzif(const uint8_t *d, size_t n) {
  if (n < 44 || memcmp(d, "TZif", 4) != 0) return NULL;
  size_t off = 0;
  int version = d[4];
  /* Skip the 32-bit block of a v2+ file. */
  for (int pass = 0; pass < (version >= '2' ? 2 : 1); pass++) {
    if (off + 44 > n) return NULL;
    const uint8_t *h = d + off;
    uint32_t isut = (uint32_t)be32(h + 20), isstd = (uint32_t)be32(h + 24), leap = (uint32_t)be32(h + 28),
             timecnt = (uint32_t)be32(h + 32), typecnt = (uint32_t)be32(h + 36), charcnt = (uint32_t)be32(h + 40);
    if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 100000 || leap > 100000 || isut > 256 ||
        isstd > 256)
      return NULL;
    size_t tsz = (pass == 0 && version >= '2') ? 4 : (version >= '2' ? 8 : 4);
    size_t body = timecnt * tsz + timecnt + typecnt * 6 + charcnt + leap * (tsz + 4) + isstd + isut;
    if (off + 44 + body > n) return NULL;
    if (pass == 0 && version >= '2') {
      off += 44 + body;
      continue;
    }
    em_tz *z = em_calloc(1, sizeof *z);
    if (!z) return NULL;
    const uint8_t *p = h + 44;
    const uint8_t *idx = p + timecnt * tsz;
    const uint8_t *types = idx + timecnt;
    z->ntrans = (int)timecnt;
    if (timecnt) {
      z->trans = em_malloc(sizeof(int64_t) * timecnt);
      z->offsets = em_malloc(sizeof(int32_t) * timecnt);
      if (!z->trans || !z->offsets) return tz_free(z);
    }
    for (uint32_t i = 0; i < timecnt; i++) {
      z->trans[i] = tsz == 8 ? be64(p + i * 8) : be32(p + i * 4);
      if (idx[i] >= typecnt) return tz_free(z);
      z->offsets[i] = be32(types + idx[i] * 6);
    }
    z->before = be32(types);
    z->fixed = z->before;
    /* The footer: "\n<POSIX TZ>\n" after the v2+ data block. */
    size_t end = off + 44 + body;
    if (version >= '2' && end < n && d[end] == '\n') {
      const uint8_t *nl = memchr(d + end + 1, '\n', n - end - 1);
      if (nl && nl > d + end + 1) {
        char buf[128];
        size_t len = (size_t)(nl - (d + end + 1));
        if (len < sizeof buf) {
          memcpy(buf, d + end + 1, len);
          buf[len] = '\0';
          z->has_footer = parse_footer(z, buf);
        }
      }
    }
    return z;
  }
  return NULL;
}

/* "+05:30", "-8", "+05:30:15" (also after UTC/GMT/UT); true when s is one. */
static bool parse_fixed(const char *s, int32_t *out) {
  if (!strcmp(s, "Z") || !strcmp(s, "UTC") || !strcmp(s, "GMT") || !strcmp(s, "UT")) {
    *out = 0;
    return true;
  }
  if (!strncmp(s, "UTC", 3) || !strncmp(s, "GMT", 3)) s += 3;
  else if (!strncmp(s, "UT", 2)) s += 2;
  if (*s != '+' && *s != '-') return false;
  int sign = *s++ == '-' ? -1 : 1;
  int parts[3] = {0, 0, 0}, np = 0;
  while (np < 3) {
    int digits = 0, v = 0;
    while (*s >= '0' && *s <= '9' && digits < 2) v = v * 10 + (*s++ - '0'), digits++;
    if (!digits) return false;
    parts[np++] = v;
    if (*s == ':') s++;
    else if (*s >= '0' && *s <= '9' && np < 3) continue;
    else break;
  }
  if (*s || parts[0] > 18 || parts[1] > 59 || parts[2] > 59) return false;
  int32_t v = parts[0] * 3600 + parts[1] * 60 + parts[2];
  if (v > 18 * 3600) return false;
  *out = sign * v;
  return true;
}

static em_tz *load_zone(const char *name) {
  int32_t fixed;
  if (parse_fixed(name, &fixed)) {
    em_tz *z = em_calloc(1, sizeof *z);
    if (z) z->fixed = fixed;
    return z;
  }
  /* Region ids only: no absolute paths, no "..", sane characters. */
  if (!name[0] || name[0] == '/' || strstr(name, "..") || strlen(name) > 200) return NULL;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("/_-+", *p)))
      return NULL;
  char path[512];
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      if (cap > (1u << 22)) break;
      uint8_t *nb = em_realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  fclose(f);
  em_tz *z = buf ? load_tzif(buf, len) : NULL;
  em_free(buf);
  return z;
}

const em_tz *em_tz_get(const char *zone, em_error *err) {
  if (!zone) zone = "UTC";
  pthread_mutex_lock(&tz_lock);
  em_tz *z = tz_list;
  while (z && strcmp(z->name, zone) != 0) z = z->next;
  if (!z) {
    z = load_zone(zone);
    if (z && !(z->name = em_strdup(zone))) z = tz_free(z);
    if (z) {
      z->next = tz_list;
      tz_list = z;
    }
  }
  pthread_mutex_unlock(&tz_lock);
  if (!z) em_error_set(err, EM_ERR_INVALID_TIMEZONE, "timeZone", zone, NULL);
  return z;
}
