/* The open-file limit: raised to the hard limit at start, as the Go runtime
 * does for otelcol, so a node agent is not capped at a container's default
 * soft 1024 when the hard limit allows more. Every connection is an fd. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "daemon.h"

void otlpd_fdlimit_raise(const otlpd_logger *log) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    otlpd_warn(log, "open files limit: getrlimit failed: %s", strerror(errno));
    return;
  }
  rlim_t was = rl.rlim_cur;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      otlpd_warn(log, "open files limit: cannot raise %llu to %llu: %s", (unsigned long long)was,
                 (unsigned long long)rl.rlim_max, strerror(errno));
      rl.rlim_cur = was;
    }
  }
  if (rl.rlim_cur == RLIM_INFINITY)
    otlpd_info(log, "open files limit: unlimited");
  else
    otlpd_info(log, "open files limit: %llu%s (each connection takes one)", (unsigned long long)rl.rlim_cur,
               rl.rlim_cur != was ? " (raised from the soft limit to the hard limit)" : "");
}
