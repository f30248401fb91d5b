/* Process figures for otelcol_process_* metrics. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "telemetry.h"

uint64_t otlpd_process_rss_bytes(void) {
  char buf[128];
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size, resident;
  if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  long page = sysconf(_SC_PAGESIZE);
  return (uint64_t)resident * (uint64_t)(page > 0 ? page : 4096);
}
