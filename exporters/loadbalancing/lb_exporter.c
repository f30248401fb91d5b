/* loadbalancing exporter lifecycle and consumer. A batch is routed into one
 * batch per backend; every backend is asked first (admit) and all take
 * their part or none does, so an upstream retry never duplicates what a
 * backend already took. */
#include <stdlib.h>
#include <string.h>

#include "lb.h"

extern const otlpd_factory otlpd_exporter_otlp;

#define LB_FOLD_MS 1000
#define LB_DRAIN_POLL_MS 50

static void sync_deadlines(lb_exporter *e) {
  for (size_t i = 0; i < e->n_live; i++) e->live[i]->host.drain_deadline_ms = e->host->drain_deadline_ms;
}

static int lb_admit(otlpd_consumer *self, const otlpd_batch *b) {
  lb_exporter *e = (lb_exporter *)self;
  if (!e->n_live) return OTLPD_ERR_RETRY;
  sync_deadlines(e);
  /* a backend that takes the whole batch takes any part of it */
  for (size_t i = 0; i < e->n_live; i++)
    if (otlpd_admit(e->live[i]->consumer, b) != OTLPD_OK) return OTLPD_ERR_RETRY;
  return OTLPD_OK;
}

static void drop_parts(otlpd_batch **parts, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (parts[k]) otlpd_batch_unref(parts[k]);
}

static int lb_consume(otlpd_consumer *self, otlpd_batch *b) {
  lb_exporter *e = (lb_exporter *)self;
  if (!e->n_live) return OTLPD_ERR_RETRY; /* no backend resolved yet */
  sync_deadlines(e);
  otlpd_batch **parts = e->scratch;
  if (lb_route(&e->router, &e->ring, e->n_live, b, parts)) return OTLPD_ERR_RETRY;
  for (size_t k = 0; k < e->n_live; k++) {
    if (parts[k] && otlpd_admit(e->live[k]->consumer, parts[k]) != OTLPD_OK) {
      drop_parts(parts, e->n_live);
      return OTLPD_ERR_RETRY;
    }
  }
  int rc = OTLPD_OK;
  for (size_t k = 0; k < e->n_live; k++) {
    if (!parts[k]) continue;
    /* admitted: only ENOMEM can refuse now */
    int r = otlpd_consume(e->live[k]->consumer, parts[k]);
    if (r != OTLPD_OK) {
      otlpd_count(&e->host->counters->send_failed[b->signal], parts[k]->items);
      otlpd_error(&e->host->log, "backend %s refused %zu items after admitting them; lost",
                  e->live[k]->endpoint, parts[k]->items);
      rc = OTLPD_OK; /* the others have theirs: a retry would duplicate */
    }
    otlpd_batch_unref(parts[k]);
    parts[k] = NULL;
  }
  return rc;
}

static int create(const otlpd_create_params *p, void **state) {
  const lb_cfg *cfg = p->config;
  if ((p->signals & (OTLPD_SIGNAL_BIT(OTLPD_TRACES) | OTLPD_SIGNAL_BIT(OTLPD_LOGS))) &&
      (cfg->routing_key == LB_KEY_RESOURCE || cfg->routing_key == LB_KEY_METRIC)) {
    otlpd_error(&p->host->log, "routing_key %s applies to metrics only; traces and logs use "
                "traceID or service", cfg->routing_key == LB_KEY_RESOURCE ? "resource" : "metric");
    return -EINVAL;
  }
  lb_exporter *e = calloc(1, sizeof(*e));
  if (!e) return -ENOMEM;
  e->base.consume = lb_consume;
  e->base.admit = lb_admit;
  e->host = p->host;
  e->cfg = cfg;
  e->signals = p->signals;
  e->router.key = cfg->routing_key;
  int rc = lb_resolver_init(e);
  if (rc) {
    lb_backends_free(e);
    free(e);
    return rc;
  }
  *state = e;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((lb_exporter *)state)->base; }

static void fold_tick(uv_timer_t *t) { lb_counters_fold(t->data); }

static int start(void *state) {
  lb_exporter *e = state;
  e->running = true;
  int rc = lb_backends_start(e);
  if (rc) return rc;
  uv_timer_init(e->host->loop, &e->gauges);
  e->gauges.data = e;
  e->gauges_init = true;
  uv_timer_start(&e->gauges, fold_tick, LB_FOLD_MS, LB_FOLD_MS);
  uv_unref((uv_handle_t *)&e->gauges); /* never keeps the loop alive on its own */
  otlpd_info(&e->host->log, "%zu backends (%s resolver)", e->n_live,
             e->cfg->resolver.has_dns ? "dns" : "static");
  return lb_resolver_start(e);
}

static bool backends_idle(lb_exporter *e) {
  for (size_t i = 0; i < e->n_live + e->n_retired; i++) {
    lb_backend *b = i < e->n_live ? e->live[i] : e->retired[i - e->n_live];
    const otlpgrpc_exporter *x = b->state;
    if (b->started && (otlpd_sender_active(x->sender) || otlpd_counter_get(&b->counters.queue_size)))
      return false;
  }
  return true;
}

/* After shutdown the fold timer keeps the loop until the backends drained,
 * so the totals the daemon logs at exit are final. */
static void drain_tick(uv_timer_t *t) {
  lb_exporter *e = t->data;
  lb_counters_fold(e);
  if (backends_idle(e)) uv_close((uv_handle_t *)&e->gauges, NULL);
}

static void shutdown_(void *state) {
  lb_exporter *e = state;
  e->running = false;
  lb_resolver_stop(e);
  lb_backends_shutdown(e);
  if (e->gauges_init) {
    uv_ref((uv_handle_t *)&e->gauges);
    uv_timer_start(&e->gauges, drain_tick, 0, LB_DRAIN_POLL_MS);
  }
}

static int validate_refs(const void *config, const char *path, const struct otlpd_config *c,
                         struct otlpd_errors *errs) {
  const lb_cfg *cfg = config;
  char sub[256];
  snprintf(sub, sizeof(sub), "%s::protocol::otlp", path);
  return otlpd_exphelper_validate_refs(&cfg->protocol.otlp.helper, sub, c, errs);
}

static void destroy(void *state) {
  lb_exporter *e = state;
  lb_resolver_stop(e);
  if (e->gauges_init && !uv_is_closing((uv_handle_t *)&e->gauges))
    uv_close((uv_handle_t *)&e->gauges, NULL);
  lb_backends_free(e);
  free(e->router.picks);
  free(e);
}

const otlpd_factory otlpd_exporter_loadbalancing = {
    .type = "loadbalancing",
    .kind = OTLPD_EXPORTER,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = lb_settings,
    .config_size = sizeof(lb_cfg),
    .doc = "routes by trace id (or service/resource/metric) to OTLP/gRPC backends on a hash ring",
    .validate = lb_validate,
    .validate_refs = validate_refs,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
