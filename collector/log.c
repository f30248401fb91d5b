/* Logging to stderr; one write per line so lines from threads don't mix. */
#include <errno.h>
#include "otlpd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

#define LINE_MAX_BYTES 2048

/* The message as a JSON string body: quotes, backslashes and control
 * characters escaped; the rest (UTF-8 included) as is. */
static int json_escape(char *out, int cap, const char *s) {
  static const char hexd[] = "0123456789abcdef";
  int n = 0;
  for (; *s && n < cap - 7; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      memcpy(out + n, "\\u00", 4);
      out[n + 4] = hexd[c >> 4];
      out[n + 5] = hexd[c & 15];
      n += 6;
    } else {
      out[n++] = (char)c;
    }
  }
  return n;
}

static int put_time(char *line, struct timespec *ts) {
  struct tm tm;
  gmtime_r(&ts->tv_sec, &tm);
  return snprintf(line, LINE_MAX_BYTES, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
}

/* otelcol's JSON log keys: level, ts, msg, otelcol.component.id. */
static int format_json(char *line, const otlpd_logger *lg, otlpd_log_level lvl, const char *msg) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char when[40];
  put_time(when, &ts);
  int n = snprintf(line, LINE_MAX_BYTES, "{\"level\":\"%s\",\"ts\":\"%s\"", level_names[lvl], when);
  if (lg && lg->component && n < LINE_MAX_BYTES) {
    n += snprintf(line + n, LINE_MAX_BYTES - n, ",\"otelcol.component.id\":\"");
    if (n < LINE_MAX_BYTES) n += json_escape(line + n, LINE_MAX_BYTES - n, lg->component);
    if (n < LINE_MAX_BYTES) line[n++] = '"';
  }
  if (n < LINE_MAX_BYTES - 10) {
    memcpy(line + n, ",\"msg\":\"", 8);
    n += 8;
    n += json_escape(line + n, LINE_MAX_BYTES - 4 - n, msg);
    line[n++] = '"';
    line[n++] = '}';
  }
  return n;
}

static int format_text(char *line, const otlpd_logger *lg, otlpd_log_level lvl, const char *msg) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int n = put_time(line, &ts);
  n += snprintf(line + n, LINE_MAX_BYTES - n, " %-5s ", level_names[lvl]);
  if (lg && lg->component && n < LINE_MAX_BYTES)
    n += snprintf(line + n, LINE_MAX_BYTES - n, "[%s] ", lg->component);
  if (n < LINE_MAX_BYTES) n += snprintf(line + n, LINE_MAX_BYTES - n, "%s", msg);
  return n;
}

void otlpd_log(const otlpd_logger *lg, otlpd_log_level lvl, const char *fmt, ...) {
  if (!otlpd_log_enabled(lg, lvl)) return;
  char msg[LINE_MAX_BYTES], line[LINE_MAX_BYTES + 1];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int json = lg && lg->level && ((int)*lg->level & OTLPD_LOG_JSON);
  int n = json ? format_json(line, lg, lvl, msg) : format_text(line, lg, lvl, msg);
  if (n >= LINE_MAX_BYTES) n = LINE_MAX_BYTES - 1;
  line[n++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, (size_t)n);
  (void)w;
}

int otlpd_log_level_parse(const char *s, otlpd_log_level *out) {
  for (int i = 0; i < 4; i++) {
    if (strcasecmp(s, level_names[i]) == 0) {
      *out = (otlpd_log_level)i;
      return 0;
    }
  }
  if (strcasecmp(s, "warning") == 0) {
    *out = OTLPD_LOG_WARN;
    return 0;
  }
  return -EINVAL;
}
