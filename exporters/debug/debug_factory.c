/* debug exporter lifecycle and consume(): sampling, the one-line summary
 * every verbosity prints, then the normal or detailed rendering. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "debug_exporter.h"

typedef void (*render_fn)(debug_out *o, const otlpd_batch *b);

/* [signal][verbosity - 1] */
static const render_fn renderers[OTLPD_SIGNAL_COUNT][2] = {
    {debug_traces_normal, debug_traces_detailed},
    {debug_metrics_normal, debug_metrics_detailed},
    {debug_logs_normal, debug_logs_detailed},
};

/* zap's sampler, which otelcol applies to this exporter's output: in each
 * second the first `initial` batches of a signal print, then every
 * `thereafter`-th (0: none). */
static bool sampled_in(debug_exporter *d, otlpd_signal s) {
  uint64_t sec = uv_now(d->host->loop) / 1000;
  if (sec != d->second[s]) {
    d->second[s] = sec;
    d->seen[s] = 0;
  }
  uint64_t n = ++d->seen[s];
  uint64_t initial = (uint64_t)d->cfg->sampling_initial;
  uint64_t thereafter = (uint64_t)d->cfg->sampling_thereafter;
  if (n <= initial || (thereafter && (n - initial) % thereafter == 0)) return true;
  d->sampled_out++;
  return false;
}

static size_t count_metrics(const otlpd_batch *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_metrics *rm = b->resources[i];
    for (size_t j = 0; j < rm->n_scope_metrics; j++) n += rm->scope_metrics[j]->n_metrics;
  }
  return n;
}

static void summary(const otlpd_batch *b, char *line, size_t len) {
  size_t items = 0;
  for (size_t i = 0; i < b->n; i++) items += otlpd_resource_items(b->signal, b->resources[i]);
  switch (b->signal) {
  case OTLPD_TRACES:
    snprintf(line, len, "Traces: resource spans: %zu, spans: %zu", b->n, items);
    break;
  case OTLPD_METRICS:
    snprintf(line, len, "Metrics: resource metrics: %zu, metrics: %zu, data points: %zu", b->n,
             count_metrics(b), items);
    break;
  default:
    snprintf(line, len, "Logs: resource logs: %zu, log records: %zu", b->n, items);
    break;
  }
}

static int consume(otlpd_consumer *self, otlpd_batch *b) {
  debug_exporter *d = (debug_exporter *)self;
  const otlpd_logger *lg = &d->host->log;
  bool via_log = d->cfg->use_internal_logger;
  if ((unsigned)b->signal < OTLPD_SIGNAL_COUNT) otlpd_count(&d->host->counters->sent[b->signal], b->items);
  /* Through the daemon's log, its level decides, as otelcol's logger does. */
  if (via_log && !otlpd_log_enabled(lg, OTLPD_LOG_INFO)) return OTLPD_OK;
  if ((unsigned)b->signal >= OTLPD_SIGNAL_COUNT || !sampled_in(d, b->signal)) return OTLPD_OK;
  char line[160];
  summary(b, line, sizeof(line));
  if (via_log)
    otlpd_info(lg, "%s", line);
  else
    dbg_printf(&d->out, "%s\n", line);
  int v = d->cfg->verbosity;
  if (v == DEBUG_NORMAL || v == DEBUG_DETAILED) renderers[b->signal][v - 1](&d->out, b);
  dbg_flush(&d->out);
  d->out.failed = false;
  return OTLPD_OK;
}

static int create(const otlpd_create_params *p, void **state) {
  debug_exporter *d = calloc(1, sizeof(*d));
  if (!d) return -ENOMEM;
  d->base.consume = consume;
  d->host = p->host;
  d->cfg = p->config;
  d->out.fd = d->cfg->use_internal_logger ? STDERR_FILENO : STDOUT_FILENO;
  *state = d;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((debug_exporter *)state)->base; }

static int start(void *state) { return 0; }

static void shutdown_(void *state) {
  debug_exporter *d = state;
  if (d->sampled_out)
    otlpd_debug(&d->host->log, "%llu batches were sampled out", (unsigned long long)d->sampled_out);
}

static void destroy(void *state) {
  debug_exporter *d = state;
  if (!d) return;
  otlpd_buf_free(&d->out.buf);
  free(d);
}

const otlpd_factory otlpd_exporter_debug = {
    .type = "debug",
    .kind = OTLPD_EXPORTER,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = debug_settings,
    .config_size = sizeof(debug_cfg),
    .doc = "prints a summary, one line per item, or every field of what arrives",
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
