/* What each component did, logged once the daemon drained: an operator
 * reading "drained; exiting" learns what was accepted, written and lost. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"

static const char *const item_words[OTLPD_SIGNAL_COUNT] = {"spans", "metric points", "log records"};

/* Appends " <what> N spans, M log records" for the nonzero signals of c;
 * returns whether anything was written. */
static int put_counts(char *buf, size_t cap, size_t *len, const char *what, const otlpd_counter *c) {
  int any = 0;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    uint64_t v = otlpd_counter_get(&c[s]);
    if (!v) continue;
    int w = snprintf(buf + *len, cap - *len, "%s%s %llu %s", *len ? (any ? "," : ";") : "",
                     any ? "" : what, (unsigned long long)v, item_words[s]);
    if (w > 0 && (size_t)w < cap - *len) *len += (size_t)w;
    any = 1;
  }
  return any;
}

void otlpd_log_totals(otlpd_daemon *d) {
  for (size_t i = 0; i < d->n_inst; i++) {
    const otlpd_instance *in = &d->inst[i];
    const otlpd_counters *c = &in->counters;
    char buf[512];
    size_t len = 0;
    switch (in->f->kind) {
    case OTLPD_RECEIVER:
      put_counts(buf, sizeof buf, &len, "accepted", c->accepted);
      put_counts(buf, sizeof buf, &len, "refused", c->refused);
      break;
    case OTLPD_PROCESSOR:
      /* only what a processor removed on purpose or refused is news */
      put_counts(buf, sizeof buf, &len, "dropped", c->dropped);
      put_counts(buf, sizeof buf, &len, "refused", c->refused);
      break;
    case OTLPD_EXPORTER:
      put_counts(buf, sizeof buf, &len, "sent", c->sent);
      put_counts(buf, sizeof buf, &len, "failed (lost)", c->send_failed);
      put_counts(buf, sizeof buf, &len, "not queued (refused upstream)", c->enqueue_failed);
      break;
    default:
      break;
    }
    if (len) otlpd_info(&d->log, "totals %s: %s", in->name, buf);
  }
}
