/* The backend set: one otlp exporter instance per endpoint, created with
 * protocol::otlp and the endpoint, each with its own host (id, counters).
 * The exporter's counters are the sum of its backends' (folded by a timer
 * and once the backends drained), so otelcol_exporter_* name the
 * loadbalancing exporter as one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb.h"

extern const otlpd_factory otlpd_exporter_otlp;

static int by_endpoint(const void *a, const void *b) {
  return strcmp((*(lb_backend *const *)a)->endpoint, (*(lb_backend *const *)b)->endpoint);
}

static void backend_free(lb_backend *b) {
  if (!b) return;
  if (b->state) otlpd_exporter_otlp.destroy(b->state);
  free((char *)b->cfg.endpoint);
  free(b->endpoint);
  free(b->id);
  free(b);
}

static lb_backend *backend_new(lb_exporter *e, const char *endpoint) {
  lb_backend *b = calloc(1, sizeof(*b));
  if (!b) return NULL;
  size_t idlen = strlen(e->host->id) + strlen(endpoint) + 2;
  b->endpoint = strdup(endpoint);
  b->id = malloc(idlen);
  b->cfg = e->cfg->protocol.otlp;
  b->cfg.endpoint = lb_with_port(endpoint);
  if (!b->endpoint || !b->id || !b->cfg.endpoint) goto fail;
  snprintf(b->id, idlen, "%s/%s", e->host->id, endpoint);
  b->host = *e->host;
  b->host.id = b->id;
  b->host.log.component = b->id;
  b->host.counters = &b->counters;
  otlpd_create_params p = {.host = &b->host, .config = &b->cfg, .signals = e->signals};
  if (otlpd_exporter_otlp.create(&p, &b->state) < 0) {
    b->state = NULL;
    goto fail;
  }
  b->consumer = otlpd_exporter_otlp.consumer(b->state);
  return b;
fail:
  backend_free(b);
  return NULL;
}

static int backend_start(lb_exporter *e, lb_backend *b) {
  int rc = otlpd_exporter_otlp.start(b->state);
  if (rc < 0) {
    otlpd_error(&e->host->log, "backend %s: cannot start (%s)", b->endpoint, strerror(-rc));
    return rc;
  }
  b->started = true;
  return 0;
}

static void backend_retire(lb_exporter *e, lb_backend *b) {
  b->retired = true;
  b->host.drain_deadline_ms = e->host->drain_deadline_ms;
  if (b->started) otlpd_exporter_otlp.shutdown(b->state);
  e->retired[e->n_retired++] = b;
  otlpd_info(&e->host->log, "backend %s removed; draining what it holds", b->endpoint);
}

static lb_backend *find_live(lb_exporter *e, const char *endpoint) {
  for (size_t i = 0; i < e->n_live; i++)
    if (strcmp(e->live[i]->endpoint, endpoint) == 0) return e->live[i];
  return NULL;
}

static bool listed(char **endpoints, size_t n, const char *ep) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(endpoints[i], ep) == 0) return true;
  return false;
}

static int rebuild_ring(lb_exporter *e, lb_backend **set, size_t n) {
  const char **names = malloc((n ? n : 1) * sizeof(char *));
  if (!names) return -ENOMEM;
  for (size_t i = 0; i < n; i++) names[i] = set[i]->endpoint;
  lb_ring ring = {0};
  int rc = lb_ring_build(&ring, names, n);
  free(names);
  if (rc) return rc;
  lb_ring_free(&e->ring);
  e->ring = ring;
  return 0;
}

/* Everything that can fail happens before the live set changes. */
int lb_backends_set(lb_exporter *e, char **endpoints, size_t n) {
  lb_backend **set = calloc(n ? n : 1, sizeof(*set));
  otlpd_batch **scratch = calloc(n ? n : 1, sizeof(*scratch));
  lb_backend **retired = realloc(e->retired, (e->n_retired + e->n_live) * sizeof(*retired) + 1);
  if (retired) e->retired = retired;
  size_t k = 0;
  int rc = set && scratch && retired ? 0 : -ENOMEM;
  for (size_t i = 0; !rc && i < n; i++) {
    if (listed(endpoints, i, endpoints[i])) continue; /* duplicate */
    lb_backend *b = find_live(e, endpoints[i]);
    if (!b && !(b = backend_new(e, endpoints[i]))) {
      rc = -ENOMEM;
      break;
    }
    set[k++] = b; /* in the set even if its start fails: the error path frees it */
    if (!b->started && e->running) rc = backend_start(e, b);
  }
  if (!rc) {
    qsort(set, k, sizeof(*set), by_endpoint);
    rc = rebuild_ring(e, set, k);
  }
  if (rc) { /* free only what this call created */
    for (size_t i = 0; i < k; i++)
      if (!find_live(e, set[i]->endpoint)) backend_free(set[i]);
    free(set);
    free(scratch);
    return rc;
  }
  for (size_t i = 0; i < e->n_live; i++)
    if (!listed(endpoints, n, e->live[i]->endpoint)) backend_retire(e, e->live[i]);
  free(e->live);
  free(e->scratch);
  e->live = set;
  e->n_live = k;
  e->scratch = scratch;
  return 0;
}

int lb_backends_start(lb_exporter *e) {
  for (size_t i = 0; i < e->n_live; i++) {
    int rc = e->live[i]->started ? 0 : backend_start(e, e->live[i]);
    if (rc) return rc;
  }
  return 0;
}

static void fold_one(otlpd_counters *to, const otlpd_counters *b) {
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    otlpd_count(&to->sent[s], otlpd_counter_get(&b->sent[s]));
    otlpd_count(&to->send_failed[s], otlpd_counter_get(&b->send_failed[s]));
    otlpd_count(&to->enqueue_failed[s], otlpd_counter_get(&b->enqueue_failed[s]));
  }
  otlpd_count(&to->retries, otlpd_counter_get(&b->retries));
  otlpd_count(&to->queue_size, otlpd_counter_get(&b->queue_size));
  otlpd_count(&to->queue_capacity, otlpd_counter_get(&b->queue_capacity));
}

/* The exporter's counters := the sum over every backend, live or retired. */
void lb_counters_fold(lb_exporter *e) {
  otlpd_counters sum;
  memset(&sum, 0, sizeof(sum));
  for (size_t i = 0; i < e->n_live; i++) fold_one(&sum, &e->live[i]->counters);
  for (size_t i = 0; i < e->n_retired; i++) fold_one(&sum, &e->retired[i]->counters);
  otlpd_counters *c = e->host->counters;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    otlpd_gauge_set(&c->sent[s], otlpd_counter_get(&sum.sent[s]));
    otlpd_gauge_set(&c->send_failed[s], otlpd_counter_get(&sum.send_failed[s]));
    otlpd_gauge_set(&c->enqueue_failed[s], otlpd_counter_get(&sum.enqueue_failed[s]));
  }
  otlpd_gauge_set(&c->retries, otlpd_counter_get(&sum.retries));
  otlpd_gauge_set(&c->queue_size, otlpd_counter_get(&sum.queue_size));
  otlpd_gauge_set(&c->queue_capacity, otlpd_counter_get(&sum.queue_capacity));
}

void lb_backends_shutdown(lb_exporter *e) {
  for (size_t i = 0; i < e->n_live; i++) {
    lb_backend *b = e->live[i];
    b->host.drain_deadline_ms = e->host->drain_deadline_ms;
    if (b->started) otlpd_exporter_otlp.shutdown(b->state);
  }
}

void lb_backends_free(lb_exporter *e) {
  for (size_t i = 0; i < e->n_live; i++) backend_free(e->live[i]);
  for (size_t i = 0; i < e->n_retired; i++) backend_free(e->retired[i]);
  free(e->live);
  free(e->retired);
  free(e->scratch);
  e->live = e->retired = NULL;
  e->scratch = NULL;
  e->n_live = e->n_retired = 0;
  lb_ring_free(&e->ring);
}
