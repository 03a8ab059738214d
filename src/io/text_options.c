/*
 * Options and value text shared by the text formats: boolean and mode
 * options as Spark reads them, and the text a writer gives a value
 * (numbers as Java prints them, dates and timestamps with the
 * dateFormat/timestampFormat/timestampNTZFormat options).
 */
#include "io_int.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

const char *em_opt_str(const em_options *o, const char *key, const char *dflt) {
  const char *v = em_options_get(o, key);
  return v ? v : dflt;
}

bool em_opt_bool(const em_options *o, const char *key, bool dflt, em_error *err, int *bad) {
  const char *v = em_options_get(o, key);
  if (!v) return dflt;
  if (strcasecmp(v, "true") == 0) return true;
  if (strcasecmp(v, "false") == 0) return false;
  if (bad && !*bad) {
    *bad = 1;
    em_error_set(err, EM_ERR_ILLEGAL_ARGUMENT, "message", "option must be true or false", NULL);
    em_error_append(err, ": %s=%s", key, v);
  }
  return dflt;
}

int em_opt_mode(const em_options *o) {
  const char *m = em_options_get(o, "mode");
  if (m && strcasecmp(m, "DROPMALFORMED") == 0) return 1;
  if (m && strcasecmp(m, "FAILFAST") == 0) return 2;
  return 0; /* PERMISSIVE, also for unknown names as Spark's ParseMode does */
}

int em_value_fmt_init(em_value_fmt *vf, const em_options *o, const char *session_tz, em_error *err) {
  memset(vf, 0, sizeof *vf);
  const char *tzname = em_options_get(o, "timeZone");
  vf->tz = em_tz_get(tzname ? tzname : session_tz ? session_tz : "UTC", err);
  if (!vf->tz) return -1;
  if (em_dtfmt_compile(em_opt_str(o, "dateFormat", "yyyy-MM-dd"), &vf->date, err)) return -1;
  if (em_dtfmt_compile(em_opt_str(o, "timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), &vf->ts, err)) return -1;
  if (em_dtfmt_compile(em_opt_str(o, "timestampNTZFormat", "yyyy-MM-dd'T'HH:mm:ss[.SSS]"), &vf->ts_ntz, err))
    return -1;
  return 0;
}

int em_value_text(const em_value_fmt *vf, const em_vec *v, int64_t i, em_strbuf *sb, em_error *err) {
  const void *vals = em_vec_values(v);
  switch (v->type->id) {
  case EM_T_BOOLEAN: em_strbuf_puts(sb, em_bit_get(vals, i) ? "true" : "false"); break;
  case EM_T_BYTE: em_strbuf_printf(sb, "%d", ((const int8_t *)vals)[i]); break;
  case EM_T_SHORT: em_strbuf_printf(sb, "%d", ((const int16_t *)vals)[i]); break;
  case EM_T_INT: em_strbuf_printf(sb, "%" PRId32, ((const int32_t *)vals)[i]); break;
  case EM_T_LONG: em_strbuf_printf(sb, "%" PRId64, ((const int64_t *)vals)[i]); break;
  case EM_T_FLOAT: em_format_float(((const float *)vals)[i], sb); break;
  case EM_T_DOUBLE: em_format_double(((const double *)vals)[i], sb); break;
  case EM_T_DECIMAL: {
    __int128 d;
    memcpy(&d, (const uint8_t *)vals + 16 * i, 16);
    em_io_fmt_decimal(d, v->type->u.dec.scale, sb);
    break;
  }
  case EM_T_STRING: case EM_T_CHAR: case EM_T_VARCHAR: {
    int32_t n;
    const char *s = em_vec_str(v, i, &n);
    em_strbuf_append(sb, s, (size_t)n);
    break;
  }
  case EM_T_DATE: em_dtfmt_format_date(&vf->date, ((const int32_t *)vals)[i], sb); break;
  case EM_T_TIMESTAMP: em_dtfmt_format_ts(&vf->ts, ((const int64_t *)vals)[i], vf->tz, sb); break;
  case EM_T_TIMESTAMP_NTZ: em_dtfmt_format_ts(&vf->ts_ntz, ((const int64_t *)vals)[i], NULL, sb); break;
  default: {
    em_strbuf t;
    em_strbuf_init(&t);
    em_type_simple_string(v->type, &t);
    em_error_set(err, EM_ERR_UNSUPPORTED_DATATYPE, "typeName", t.data ? t.data : "?", NULL);
    em_strbuf_free(&t);
    return -1;
  }
  }
  return sb->oom ? em_error_internal(err, "out of memory") : 0;
}

int em_malformed_error(em_error *err, const char *record, size_t n) {
  char buf[400];
  if (n >= sizeof buf) n = sizeof buf - 1;
  memcpy(buf, record, n);
  buf[n] = '\0';
  return em_error_set(err, EM_ERR_MALFORMED_RECORD_IN_PARSING_WITHOUT_SUGGESTION, "badRecord", buf, "failFastMode",
                      "FAILFAST", NULL);
}
