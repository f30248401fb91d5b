/* Component health (otlpd_host.report_status / each_status): each instance
 * keeps its last reported state; the health check reads them all. Loop
 * thread only. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"

static const char *const status_names[] = {"StatusOK", "StatusRecoverableError", "StatusPermanentError"};

const char *otlpd_status_name(otlpd_status s) {
  return (unsigned)s <= OTLPD_STATUS_PERMANENT ? status_names[s] : "StatusNone";
}

/* The host must be one the daemon made: a copy (a component's own
 * sub-instance) is not found and reports nothing. */
void otlpd_status_report(const otlpd_host *h, otlpd_status st, const char *why) {
  otlpd_daemon *d = h->status_ctx;
  for (size_t i = 0; d && i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (&in->host != h) continue;
    if (in->status == st && (st == OTLPD_STATUS_OK || strcmp(in->why, why ? why : "") == 0)) return;
    if (st == OTLPD_STATUS_PERMANENT)
      otlpd_error(&in->host.log, "failed permanently: %s; the health check answers 503", why ? why : "?");
    else if (st == OTLPD_STATUS_OK && in->status != OTLPD_STATUS_OK)
      otlpd_info(&in->host.log, "healthy again");
    in->status = st;
    snprintf(in->why, sizeof(in->why), "%s", st == OTLPD_STATUS_OK || !why ? "" : why);
    return;
  }
}

void otlpd_status_each(const otlpd_host *h, otlpd_status_fn fn, void *arg) {
  otlpd_daemon *d = h->status_ctx;
  for (size_t i = 0; d && i < d->n_inst; i++) {
    const otlpd_instance *in = &d->inst[i];
    fn(arg, in->cc->kind, in->name, in->status, in->why[0] ? in->why : NULL);
  }
}
