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

void otlpd_log(const otlpd_logger *lg, otlpd_log_level lvl, const char *fmt, ...) {
  if (lg && lg->level && lvl < *lg->level) return;
  char line[2048];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec, ts.tv_nsec / 1000000, level_names[lvl]);
  if (lg && lg->component && n < (int)sizeof(line))
    n += snprintf(line + n, sizeof(line) - n, "[%s] ", lg->component);
  if (n < (int)sizeof(line)) {
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
  }
  if (n >= (int)sizeof(line) - 1) n = sizeof(line) - 2;
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
