/* What the health check says for a daemon state (pure, unit-tested). */
#include <stdio.h>
#include <string.h>

#include "health_check.h"
#include "otlpd/json_write.h"

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

int otlpd_hc_component(otlpd_buf *b, bool first, const char *kind, const char *name, const char *status,
                       const char *why) {
  int rc = otlpd_buf_printf(b, "%s\"%s:", first ? "" : ",", kind);
  if (rc == 0) rc = otlpd_json_escaped(b, name, strlen(name));
  if (rc == 0) rc = otlpd_buf_printf(b, "\":{\"status\":\"%s\"", status);
  if (rc == 0 && why) {
    rc = otlpd_buf_printf(b, ",\"error\":");
    if (rc == 0) rc = otlpd_json_str(b, why);
  }
  return rc ? rc : otlpd_buf_printf(b, "}");
}

int otlpd_hc_answer(const otlpd_hc_cfg *cfg, const otlpd_hc_state *st, otlpd_buf *body,
                    otlpd_tserver_reply *out) {
  bool healthy = st->ready && !st->failed;
  out->status = healthy ? 200 : 503;
  out->reason = healthy ? "OK" : "Service Unavailable";
  const char *fixed = healthy ? cfg->response_body.healthy : cfg->response_body.unhealthy;
  if (fixed) {
    out->ctype = "text/plain; charset=utf-8";
    out->body = fixed;
    out->len = strlen(fixed);
    return 0;
  }
  char since[40], up[48];
  struct tm tm;
  if (gmtime_r(&st->up_since, &tm) == NULL || strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(since, sizeof(since), "0001-01-01T00:00:00Z");
  otlpd_hc_duration(st->uptime_ms, up, sizeof(up));
  otlpd_buf_clear(body);
  int rc = otlpd_buf_printf(body, "{\"status\":\"%s\",\"upSince\":\"%s\",\"uptime\":\"%s\"",
                            healthy ? "Server available" : "Server not available", since, up);
  if (rc == 0 && st->components) rc = otlpd_buf_printf(body, ",\"components\":{%s}", st->components);
  if (rc == 0) rc = otlpd_buf_printf(body, "}");
  out->ctype = "application/json";
  out->body = (const char *)body->data;
  out->len = rc ? 0 : body->len;
  return rc;
}
