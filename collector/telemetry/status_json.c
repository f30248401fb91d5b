/* /status.json: the pipeline graph and raw counters; the page computes
 * rates from two polls, so the daemon keeps no history. */
#include <stdio.h>
#include <string.h>

#include "otlpd/json_write.h"
#include "status_json.h"

#define PUTS(b, s) otlpd_buf_append((b), (s), sizeof(s) - 1)

static int put_triple(otlpd_buf *b, const char *key, const otlpd_counter *c) {
  int rc = otlpd_buf_printf(b, ",\"%s\":[", key);
  for (int s = 0; s < OTLPD_SIGNAL_COUNT && rc == 0; s++) {
    if (s) rc = PUTS(b, ",");
    if (rc == 0) rc = otlpd_json_u64(b, otlpd_counter_get(&c[s]), 0);
  }
  return rc ? rc : PUTS(b, "]");
}

/* Processors are one instance per pipeline, named "id (pipeline)". */
static const char *instance_pipeline(const otlpd_instance *in) {
  const char *open = strchr(in->name, '(');
  return open && in->f->kind == OTLPD_PROCESSOR ? open : NULL;
}

static int put_component(otlpd_buf *b, const otlpd_instance *in, int first) {
  const otlpd_counters *c = &in->counters;
  int rc = first ? 0 : PUTS(b, ",");
  if (rc == 0) rc = PUTS(b, "{\"id\":");
  if (rc == 0) rc = otlpd_json_str(b, in->cc->id);
  if (rc == 0) rc = otlpd_buf_printf(b, ",\"kind\":\"%s\",\"pipeline\":", otlpd_kind_name(in->f->kind));
  const char *pl = instance_pipeline(in);
  if (rc == 0) rc = pl ? otlpd_json_strn(b, pl + 1, strlen(pl + 1) - 1) : PUTS(b, "null");
  switch (in->f->kind) {
  case OTLPD_RECEIVER:
    if (rc == 0) rc = put_triple(b, "accepted", c->accepted);
    if (rc == 0) rc = put_triple(b, "refused", c->refused);
    break;
  case OTLPD_PROCESSOR:
    if (rc == 0) rc = put_triple(b, "incoming", c->incoming);
    if (rc == 0) rc = put_triple(b, "outgoing", c->outgoing);
    if (rc == 0) rc = put_triple(b, "dropped", c->dropped);
    if (rc == 0) rc = put_triple(b, "refused", c->refused);
    break;
  case OTLPD_EXPORTER:
    if (rc == 0) rc = put_triple(b, "sent", c->sent);
    if (rc == 0) rc = put_triple(b, "send_failed", c->send_failed);
    if (rc == 0) rc = put_triple(b, "enqueue_failed", c->enqueue_failed);
    if (rc == 0) rc = put_triple(b, "dropped_oldest", c->dropped_oldest);
    if (rc == 0)
      rc = otlpd_buf_printf(b, ",\"queue_size\":%llu,\"queue_capacity\":%llu",
                            (unsigned long long)otlpd_counter_get(&c->queue_size),
                            (unsigned long long)otlpd_counter_get(&c->queue_capacity));
    break;
  default:
    break;
  }
  return rc ? rc : PUTS(b, "}");
}

static int put_ids(otlpd_buf *b, const char *key, otlpd_component_cfg *const *v, size_t n) {
  int rc = otlpd_buf_printf(b, ",\"%s\":[", key);
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (i) rc = PUTS(b, ",");
    if (rc == 0) rc = otlpd_json_str(b, v[i]->id);
  }
  return rc ? rc : PUTS(b, "]");
}

static int put_pipeline(otlpd_buf *b, const otlpd_pipeline_cfg *p, int first) {
  int rc = first ? 0 : PUTS(b, ",");
  if (rc == 0) rc = PUTS(b, "{\"id\":");
  if (rc == 0) rc = otlpd_json_str(b, p->id);
  if (rc == 0) rc = otlpd_buf_printf(b, ",\"signal\":\"%s\"", otlpd_signal_name(p->signal));
  if (rc == 0) rc = put_ids(b, "receivers", p->receivers, p->n_receivers);
  if (rc == 0) rc = put_ids(b, "processors", p->processors, p->n_processors);
  if (rc == 0) rc = put_ids(b, "exporters", p->exporters, p->n_exporters);
  return rc ? rc : PUTS(b, "}");
}

int otlpd_status_render(otlpd_buf *out, const otlpd_daemon *d, const otlpd_status_process *p) {
  otlpd_buf_clear(out);
  int rc = otlpd_buf_printf(out,
                            "{\"version\":\"%s\",\"uptime_s\":%.3f,\"rss_bytes\":%llu,"
                            "\"ready\":%s,\"memory\":{\"held\":%llu,\"limit\":%llu},\"pipelines\":[",
                            OTLPD_VERSION, p->uptime_s, (unsigned long long)p->rss_bytes,
                            d->started && !d->shutting_down ? "true" : "false",
                            (unsigned long long)otlpd_memacct_used(&d->mem),
                            (unsigned long long)d->mem.limit);
  for (size_t i = 0; i < d->cfg.n_pipelines && rc == 0; i++) rc = put_pipeline(out, &d->cfg.pipelines[i], i == 0);
  if (rc == 0) rc = PUTS(out, "],\"components\":[");
  int first = 1;
  for (size_t i = 0; i < d->n_inst && rc == 0; i++) {
    if (d->inst[i].f->kind == OTLPD_EXTENSION) continue;
    rc = put_component(out, &d->inst[i], first);
    first = 0;
  }
  return rc ? rc : PUTS(out, "]}");
}
