/* Structured-enough logging to stderr: "ts level [component] message". */
#ifndef OTLPD_LOG_H
#define OTLPD_LOG_H

typedef enum {
  OTLPD_LOG_DEBUG = 0,
  OTLPD_LOG_INFO = 1,
  OTLPD_LOG_WARN = 2,
  OTLPD_LOG_ERROR = 3
} otlpd_log_level;

/* Each component gets its own logger naming it; level is the daemon's. */
typedef struct otlpd_logger {
  const char *component; /* "otlp", "file/x", NULL for the daemon */
  const otlpd_log_level *level;
} otlpd_logger;

#if defined(__GNUC__)
#define OTLPD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define OTLPD_PRINTF(a, b)
#endif

void otlpd_log(const otlpd_logger *lg, otlpd_log_level lvl, const char *fmt, ...) OTLPD_PRINTF(3, 4);
int otlpd_log_level_parse(const char *s, otlpd_log_level *out);

#define otlpd_debug(lg, ...) otlpd_log((lg), OTLPD_LOG_DEBUG, __VA_ARGS__)
#define otlpd_info(lg, ...) otlpd_log((lg), OTLPD_LOG_INFO, __VA_ARGS__)
#define otlpd_warn(lg, ...) otlpd_log((lg), OTLPD_LOG_WARN, __VA_ARGS__)
#define otlpd_error(lg, ...) otlpd_log((lg), OTLPD_LOG_ERROR, __VA_ARGS__)

#endif
