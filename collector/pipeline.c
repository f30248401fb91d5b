/* Builds the component graph from the configuration and runs its lifecycle.
 *
 * exporters (one per id) <- processors (one per pipeline and id, built back
 * to front) <- receivers (one per id, one consumer per signal, fanning out
 * to every pipeline that lists them). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "otlpd/auth.h"
#include "otlpd/storage.h"

/* host.storage: an enabled storage extension by id (extensions are built
 * first, so exporters find them at create). */
static const otlpd_storage *find_storage(const otlpd_host *h, const char *id) {
  otlpd_daemon *d = h->storage_ctx;
  for (size_t i = 0; id && i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (in->cc->kind == OTLPD_EXTENSION && otlpd_storage_type(in->f->type) && !strcmp(in->cc->id, id))
      return in->state;
  }
  return NULL;
}

/* host.auth: an enabled authenticator extension by id. */
static otlpd_auth *find_auth(const otlpd_host *h, const char *id) {
  otlpd_daemon *d = h->storage_ctx;
  for (size_t i = 0; id && i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (in->cc->kind == OTLPD_EXTENSION && otlpd_auth_type(in->f->type) && !strcmp(in->cc->id, id))
      return in->state;
  }
  return NULL;
}

/* The array is sized once for every instance (otlpd_pipelines_build) and
 * never moves: components keep pointers to their host and counters. */
static otlpd_instance *instance_add(otlpd_daemon *d, otlpd_component_cfg *cc, const char *pipeline) {
  if (d->n_inst == d->cap_inst) return NULL;
  otlpd_instance *in = &d->inst[d->n_inst];
  memset(in, 0, sizeof(*in));
  size_t len = strlen(cc->id) + (pipeline ? strlen(pipeline) + 4 : 0) + 1;
  in->name = malloc(len);
  if (!in->name) return NULL;
  if (pipeline)
    snprintf(in->name, len, "%s (%s)", cc->id, pipeline);
  else
    snprintf(in->name, len, "%s", cc->id);
  in->cc = cc;
  in->f = cc->factory;
  in->host.loop = &d->loop;
  in->host.mem = &d->mem;
  in->host.log.component = in->name;
  in->host.log.level = &d->log_level;
  in->host.id = cc->id;
  in->host.shutting_down = &d->shutting_down;
  in->host.started = &d->started;
  in->host.restarted = d->restarted;
  in->host.http = &d->http;
  in->host.storage = find_storage;
  in->host.report_status = otlpd_status_report;
  in->host.each_status = otlpd_status_each;
  in->host.status_ctx = d;
  in->host.listen_fds = &d->listen;
  in->host.grpc_pollers = &d->grpc_pollers;
  in->status = OTLPD_STATUS_OK;
  in->why[0] = 0;
  in->host.storage_ctx = d;
  in->host.auth = find_auth;
  in->host.counters = &in->counters;
  in->host.drain_deadline_ms = UINT64_MAX;
  in->host.mutates_data = cc->factory->mutates_data;
  d->n_inst++;
  return in;
}

static int instance_create(otlpd_daemon *d, otlpd_instance *in, otlpd_create_params *p) {
  p->host = &in->host;
  p->config = in->cc->config;
  int rc = in->f->create(p, &in->state);
  if (rc < 0) otlpd_error(&d->log, "cannot create %s: %s", in->name, strerror(-rc));
  return rc;
}

static size_t count_instances(const otlpd_config *c) {
  size_t n = 0;
  for (size_t i = 0; i < c->n_components; i++)
    if (c->components[i].signals_used && c->components[i].kind != OTLPD_PROCESSOR) n++;
  for (size_t i = 0; i < c->n_pipelines; i++) n += c->pipelines[i].n_processors;
  return n;
}

static otlpd_instance *find_instance(otlpd_daemon *d, const otlpd_component_cfg *cc) {
  for (size_t i = 0; i < d->n_inst; i++)
    if (d->inst[i].cc == cc) return &d->inst[i];
  return NULL;
}

/* Extensions (enabled: listed in service::extensions) and exporters are
 * built alike, one instance per id. */
static int build_kind(otlpd_daemon *d, otlpd_kind kind) {
  for (size_t i = 0; i < d->cfg.n_components; i++) {
    otlpd_component_cfg *cc = &d->cfg.components[i];
    if (cc->kind != kind || !cc->signals_used) continue;
    otlpd_instance *in = instance_add(d, cc, NULL);
    if (!in) return -ENOMEM;
    otlpd_create_params p = {.signals = cc->signals_used};
    int rc = instance_create(d, in, &p);
    if (rc < 0) return rc;
  }
  return 0;
}

static bool wire_only(const otlpd_component_cfg *cc) {
  return cc->factory->wire_only && cc->factory->wire_only(cc->config);
}

/* Returns the pipeline's entry consumer in *entry, and in *wire whether
 * none of its components reads items. */
static int build_pipeline(otlpd_daemon *d, otlpd_pipeline_cfg *pl, otlpd_consumer **entry, bool *wire) {
  otlpd_consumer *to[pl->n_exporters ? pl->n_exporters : 1];
  bool durable = false;
  *wire = true;
  for (size_t i = 0; i < pl->n_exporters; i++) {
    otlpd_instance *ex = find_instance(d, pl->exporters[i]);
    to[i] = ex->f->consumer(ex->state);
    durable |= to[i]->durable;
    *wire &= wire_only(pl->exporters[i]);
  }
  for (size_t i = 0; i < pl->n_processors; i++) *wire &= wire_only(pl->processors[i]);
  otlpd_consumer *next = otlpd_fanout_new(d, to, pl->n_exporters);
  if (!next) return -ENOMEM;
  for (size_t i = pl->n_processors; i-- > 0;) {
    otlpd_instance *in = instance_add(d, pl->processors[i], pl->id);
    if (!in) return -ENOMEM;
    otlpd_create_params p = {.signal = pl->signal, .signals = OTLPD_SIGNAL_BIT(pl->signal),
                             .durable_downstream = durable};
    p.next[pl->signal] = next;
    int rc = instance_create(d, in, &p);
    if (rc < 0) return rc;
    next = in->f->consumer(in->state);
  }
  *entry = next;
  return 0;
}

static int build_receiver(otlpd_daemon *d, otlpd_component_cfg *cc, otlpd_consumer **entries,
                          const bool *wire) {
  otlpd_instance *in = instance_add(d, cc, NULL);
  if (!in) return -ENOMEM;
  otlpd_create_params p = {.signals = cc->signals_used};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    otlpd_consumer *to[d->cfg.n_pipelines ? d->cfg.n_pipelines : 1];
    size_t n = 0;
    bool shallow_ok = true;
    for (size_t i = 0; i < d->cfg.n_pipelines; i++) {
      otlpd_pipeline_cfg *pl = &d->cfg.pipelines[i];
      if (pl->signal != (otlpd_signal)s) continue;
      for (size_t j = 0; j < pl->n_receivers; j++)
        if (pl->receivers[j] == cc) {
          to[n++] = entries[i];
          shallow_ok &= wire[i];
        }
    }
    p.shallow_ok[s] = n && shallow_ok;
    if (n && !(p.next[s] = otlpd_fanout_new(d, to, n))) return -ENOMEM;
  }
  return instance_create(d, in, &p);
}

int otlpd_pipelines_build(otlpd_daemon *d) {
  size_t total = count_instances(&d->cfg);
  d->inst = calloc(total ? total : 1, sizeof(*d->inst));
  if (!d->inst) return -ENOMEM;
  d->cap_inst = total ? total : 1;
  /* extensions first: they start before and stop after everything else */
  int rc = build_kind(d, OTLPD_EXTENSION);
  if (rc == 0) rc = build_kind(d, OTLPD_EXPORTER);
  if (rc < 0) return rc;
  otlpd_consumer **entries = calloc(d->cfg.n_pipelines + 1, sizeof(*entries));
  bool *wire = calloc(d->cfg.n_pipelines + 1, sizeof(*wire));
  if (!entries || !wire) rc = -ENOMEM;
  for (size_t i = 0; i < d->cfg.n_pipelines && rc == 0; i++)
    rc = build_pipeline(d, &d->cfg.pipelines[i], &entries[i], &wire[i]);
  for (size_t i = 0; i < d->cfg.n_components && rc == 0; i++) {
    otlpd_component_cfg *cc = &d->cfg.components[i];
    if (cc->kind == OTLPD_RECEIVER && cc->signals_used) rc = build_receiver(d, cc, entries, wire);
  }
  free(entries);
  free(wire);
  return rc;
}

int otlpd_pipelines_start(otlpd_daemon *d) {
  for (size_t i = 0; i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (!in->f->start) {
      in->started = true;
      continue;
    }
    int rc = in->f->start(in->state);
    if (rc < 0) {
      otlpd_error(&d->log, "cannot start %s: %s", in->name, strerror(-rc));
      return rc;
    }
    in->started = true;
  }
  return 0;
}

static void shutdown_kind(otlpd_daemon *d, otlpd_kind k) {
  for (size_t i = 0; i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (in->cc->kind == k && in->started && in->f->shutdown) in->f->shutdown(in->state);
  }
}

static bool processors_drained(otlpd_daemon *d) {
  for (size_t i = 0; i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (in->cc->kind == OTLPD_PROCESSOR && in->started && in->f->drained && !in->f->drained(in->state))
      return false;
  }
  return true;
}

static void shutdown_exporters(otlpd_daemon *d) {
  if (d->exporters_stopped) return;
  d->exporters_stopped = true;
  if (uv_is_active((uv_handle_t *)&d->stage_timer)) uv_timer_stop(&d->stage_timer);
  shutdown_kind(d, OTLPD_EXPORTER);
}

/* Processors still retrying what exporters refused keep the exporters
 * open until they are done (the daemon's shutdown_timeout bounds it). */
static void on_stage_timer(uv_timer_t *t) {
  otlpd_daemon *d = t->data;
  if (processors_drained(d)) shutdown_exporters(d);
}

/* Exporters give up a tenth before the daemon's hard deadline, so what
 * they lose is counted and said, and processors held back by them can
 * still drain into the others. */
static void set_drain_deadline(otlpd_daemon *d) {
  uint64_t deadline = UINT64_MAX;
  if (d->cfg.shutdown_timeout > 0) {
    uint64_t total = (uint64_t)(d->cfg.shutdown_timeout / OTLPD_NS_PER_MS);
    deadline = uv_now(&d->loop) + total - total / 10;
  }
  for (size_t i = 0; i < d->n_inst; i++) d->inst[i].host.drain_deadline_ms = deadline;
}

void otlpd_pipelines_shutdown(otlpd_daemon *d) {
  d->shutting_down = true;
  set_drain_deadline(d);
  shutdown_kind(d, OTLPD_RECEIVER);
  /* Processors were created back to front per pipeline, so walking the
   * array backwards flushes each pipeline front to back. */
  for (size_t i = d->n_inst; i-- > 0;) {
    otlpd_instance *in = &d->inst[i];
    if (in->cc->kind == OTLPD_PROCESSOR && in->started && in->f->shutdown) in->f->shutdown(in->state);
  }
  if (processors_drained(d)) {
    shutdown_exporters(d);
    return;
  }
  d->stage_timer.data = d;
  uv_timer_start(&d->stage_timer, on_stage_timer, 20, 20);
}

void otlpd_extensions_shutdown(otlpd_daemon *d) { shutdown_kind(d, OTLPD_EXTENSION); }

void otlpd_pipelines_destroy(otlpd_daemon *d) {
  /* Receivers first: they are last in the array. */
  for (size_t i = d->n_inst; i-- > 0;) {
    otlpd_instance *in = &d->inst[i];
    if (in->state && in->f->destroy) in->f->destroy(in->state);
    free(in->name);
  }
  free(d->inst);
  d->inst = NULL;
  d->n_inst = 0;
  for (size_t i = 0; i < d->n_fanouts; i++) free(d->fanouts[i]);
  free(d->fanouts);
  d->fanouts = NULL;
  d->n_fanouts = 0;
}
