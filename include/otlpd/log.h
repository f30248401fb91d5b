/* Logging to stderr: "ts level [component] message", or one JSON object
 * per line (service::telemetry::logs::encoding: json). */
#ifndef OTLPD_LOG_H
#define OTLPD_LOG_H

typedef enum {
  OTLPD_LOG_DEBUG = 0,
  OTLPD_LOG_INFO = 1,
  OTLPD_LOG_WARN = 2,
  OTLPD_LOG_ERROR = 3
} otlpd_log_level;

/* The daemon's level word also carries the encoding: OTLPD_LOG_JSON set
 * means JSON lines. Compare levels with otlpd_log_enabled(), never *level. */
#define OTLPD_LOG_JSON 0x100
#define OTLPD_LOG_LEVEL_MASK 0xff

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

static inline int otlpd_log_enabled(const otlpd_logger *lg, otlpd_log_level lvl) {
  return !lg || !lg->level || (int)lvl >= ((int)*lg->level & OTLPD_LOG_LEVEL_MASK);
}

void otlpd_log(const otlpd_logger *lg, otlpd_log_level lvl, const char *fmt, ...) OTLPD_PRINTF(3, 4);
int otlpd_log_level_parse(const char *s, otlpd_log_level *out);

#define otlpd_debug(lg, ...) otlpd_log((lg), OTLPD_LOG_DEBUG, __VA_ARGS__)
#define otlpd_info(lg, ...) otlpd_log((lg), OTLPD_LOG_INFO, __VA_ARGS__)
#define otlpd_warn(lg, ...) otlpd_log((lg), OTLPD_LOG_WARN, __VA_ARGS__)
#define otlpd_error(lg, ...) otlpd_log((lg), OTLPD_LOG_ERROR, __VA_ARGS__)

#endif
