/* What the health check says for a daemon state (pure, unit-tested). */
#include <stdio.h>
#include <string.h>

#include "health_check.h"

void otlpd_hc_duration(uint64_t ms, char *buf, size_t n) {
  if (ms == 0) {
    snprintf(buf, n, "0s");
    return;
  }
  if (ms < 1000) {
    snprintf(buf, n, "%llums", (unsigned long long)ms);
    return;
  }
  unsigned long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
  char sec[32];
  if (frac == 0)
    snprintf(sec, sizeof(sec), "%llus", s);
  else if (frac % 100 == 0)
    snprintf(sec, sizeof(sec), "%llu.%llus", s, frac / 100);
  else if (frac % 10 == 0)
    snprintf(sec, sizeof(sec), "%llu.%02llus", s, frac / 10);
  else
    snprintf(sec, sizeof(sec), "%llu.%03llus", s, frac);
  if (h)
    snprintf(buf, n, "%lluh%llum%s", h, m, sec);
  else if (m)
    snprintf(buf, n, "%llum%s", m, sec);
  else
    snprintf(buf, n, "%s", sec);
}

void otlpd_hc_answer(const otlpd_hc_cfg *cfg, bool ready, time_t up_since, uint64_t uptime_ms, char *buf,
                     size_t n, otlpd_tserver_reply *out) {
  out->status = ready ? 200 : 503;
  out->reason = ready ? "OK" : "Service Unavailable";
  const char *fixed = ready ? cfg->response_body.healthy : cfg->response_body.unhealthy;
  if (fixed) {
    out->ctype = "text/plain; charset=utf-8";
    out->body = fixed;
    out->len = strlen(fixed);
    return;
  }
  char since[40], up[48];
  struct tm tm;
  if (gmtime_r(&up_since, &tm) == NULL || strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(since, sizeof(since), "0001-01-01T00:00:00Z");
  otlpd_hc_duration(uptime_ms, up, sizeof(up));
  int len = snprintf(buf, n, "{\"status\":\"%s\",\"upSince\":\"%s\",\"uptime\":\"%s\"}",
                     ready ? "Server available" : "Server not available", since, up);
  out->ctype = "application/json";
  out->body = buf;
  out->len = len < 0 ? 0 : (size_t)len < n ? (size_t)len : n - 1;
}
