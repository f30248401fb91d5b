/* tail_sampling runtime (loop thread only).
 *
 * Held traces sit in a ring in arrival order; decision_wait is the same
 * for all, so the ring's head is always the next one due and one timer
 * armed for it suffices (no scan of held traces). A decision decodes the
 * trace's encoding into a fresh arena, runs the policies over it and
 * passes it on as one batch, or counts its spans dropped. Beyond
 * num_traces the head is decided early (otelcol drops it undecided). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlpd/codec.h"
#include "tsamp_proc.h"

static void release_held(tsamp_proc *ps, tsamp_held *h) {
  otlpd_memacct_release(ps->host->mem, h->cap);
  ps->charged -= h->cap;
  free(h->enc);
  h->enc = NULL;
  h->len = h->cap = h->spans = 0;
}

static otlpd_batch *decode(const tsamp_proc *ps, const tsamp_held *h) {
  otlpd_arena *a = otlpd_arena_new(h->len * 3 + 1024);
  if (!a) return NULL;
  char err[128];
  otlpd_raw raw = {0};
  ProtobufCMessage *m = otlpd_pb_decode_keep(otlpd_request_descriptor(OTLPD_TRACES), h->enc, h->len, a, err,
                                             sizeof(err), &raw);
  if (!m) {
    otlpd_arena_free(a);
    return NULL;
  }
  otlpd_payload *p = otlpd_payload_new(OTLPD_TRACES, a, m, ps->host->mem);
  if (!p) {
    otlpd_arena_free(a);
    return NULL;
  }
  p->raw = raw;
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

/* Spans we accepted are never refused afterwards: a downstream refusal
 * here can only be counted (and logged). */
static void forward(tsamp_proc *ps, otlpd_batch *b) {
  otlpd_counters *c = ps->host->counters;
  int rc = otlpd_consume(ps->next, b);
  if (rc == OTLPD_OK) {
    otlpd_count(&c->outgoing[OTLPD_TRACES], b->items);
    return;
  }
  otlpd_count(&c->dropped[OTLPD_TRACES], b->items);
  otlpd_warn(&ps->host->log, "downstream refused %zu kept spans (%d); dropped", b->items, rc);
}

void tsamp_emit(tsamp_proc *ps, const tsamp_held *h, bool keep) {
  if (!h->len) return;
  if (!keep) {
    otlpd_count(&ps->host->counters->dropped[OTLPD_TRACES], h->spans);
    return;
  }
  otlpd_batch *b = decode(ps, h);
  if (!b) {
    otlpd_count(&ps->host->counters->dropped[OTLPD_TRACES], h->spans);
    otlpd_error(&ps->host->log, "could not decode a held trace (out of memory); %u spans lost", h->spans);
    return;
  }
  forward(ps, b);
  otlpd_batch_unref(b);
}

static bool evaluate(tsamp_proc *ps, const uint8_t *id, const otlpd_batch *b, size_t spans, int64_t now_sec) {
  tsamp_trace_view v = {.req = NULL, .id = id, .spans = spans, .now_sec = now_sec};
  otlp_trace_request req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
  req.n_resource_spans = b->n;
  req.resource_spans = (otlp_resource_spans **)b->resources;
  v.req = &req;
  for (size_t i = 0; i < ps->n_pol; i++) ps->dec[i] = tsamp_policy_eval(&ps->pol[i], &v);
  return tsamp_final(ps->dec, ps->n_pol);
}

/* Decide the oldest held trace and forget it. */
void tsamp_decide_head(tsamp_proc *ps, int64_t now_sec) {
  size_t pos = ps->traces.head;
  tsamp_held *h = &ps->held[pos];
  const uint8_t *id = ps->traces.ids[pos];
  otlpd_batch *b = decode(ps, h);
  if (!b) {
    otlpd_count(&ps->host->counters->dropped[OTLPD_TRACES], h->spans);
    otlpd_error(&ps->host->log, "could not decode a held trace (out of memory); %u spans lost", h->spans);
  } else {
    bool keep = evaluate(ps, id, b, h->spans, now_sec);
    tsamp_idset_remember(keep ? &ps->sampled : &ps->not_sampled, id);
    if (keep) forward(ps, b);
    else otlpd_count(&ps->host->counters->dropped[OTLPD_TRACES], h->spans);
    otlpd_batch_unref(b);
  }
  release_held(ps, h);
  tsamp_idset_pop(&ps->traces);
}

static void arm(tsamp_proc *ps);

static void on_timer(uv_timer_t *t) {
  tsamp_proc *ps = t->data;
  uint64_t now = uv_now(ps->host->loop);
  int64_t sec = (int64_t)time(NULL);
  while (ps->traces.n && ps->held[ps->traces.head].first_ms + ps->wait_ms <= now) tsamp_decide_head(ps, sec);
  arm(ps);
}

static void arm(tsamp_proc *ps) {
  if (!ps->timer_open || ps->shut || !ps->traces.n) return;
  uint64_t due = ps->held[ps->traces.head].first_ms + ps->wait_ms, now = uv_now(ps->host->loop);
  uv_timer_start(&ps->timer, on_timer, due > now ? due - now : 0, 0);
}

static void decide_all(tsamp_proc *ps) {
  int64_t sec = (int64_t)time(NULL);
  while (ps->traces.n) tsamp_decide_head(ps, sec);
}

/* Late spans of kept traces go on as one batch. */
static void flush_late(tsamp_proc *ps) {
  tsamp_emit(ps, &ps->late, true);
  ps->late.len = 0;
  ps->late.spans = 0;
}

static bool over(const tsamp_proc *ps) { return otlpd_memacct_over(ps->host->mem) != 0; }

static int tsamp_admit(otlpd_consumer *self, const otlpd_batch *b) {
  (void)b;
  return over((tsamp_proc *)self) ? OTLPD_ERR_RETRY : OTLPD_OK;
}

static int tsamp_consume(otlpd_consumer *self, otlpd_batch *in) {
  tsamp_proc *ps = (tsamp_proc *)self;
  if (over(ps)) return OTLPD_ERR_RETRY;
  bool was_idle = ps->traces.n == 0;
  otlpd_count(&ps->host->counters->incoming[OTLPD_TRACES], in->items);
  if (tsamp_hold_batch(ps, in)) {
    /* spans already placed stay held and are decided as usual */
    otlpd_error(&ps->host->log, "out of memory holding spans; part of a batch was lost");
  }
  flush_late(ps);
  if (ps->shut) decide_all(ps);
  else if (was_idle) arm(ps);
  return OTLPD_OK;
}

static int create(const otlpd_create_params *p, void **state) {
  const tsamp_cfg *c = p->config;
  tsamp_proc *ps = calloc(1, sizeof(*ps));
  if (!ps) return -ENOMEM;
  ps->base.consume = tsamp_consume;
  ps->base.admit = tsamp_admit;
  ps->host = p->host;
  ps->next = p->next[OTLPD_TRACES];
  ps->cfg = c;
  ps->wait_ms = (uint64_t)(c->decision_wait_ns / OTLPD_NS_PER_MS);
  ps->n_pol = c->policies.n;
  ps->pol = calloc(ps->n_pol ? ps->n_pol : 1, sizeof(*ps->pol));
  ps->dec = calloc(ps->n_pol ? ps->n_pol : 1, sizeof(*ps->dec));
  ps->held = calloc((size_t)c->num_traces, sizeof(*ps->held));
  *state = ps;
  if (!ps->pol || !ps->dec || !ps->held) return -ENOMEM;
  if (tsamp_idset_init(&ps->traces, (size_t)c->num_traces) ||
      tsamp_idset_init(&ps->sampled, (size_t)c->decision_cache.sampled_cache_size) ||
      tsamp_idset_init(&ps->not_sampled, (size_t)c->decision_cache.non_sampled_cache_size))
    return -ENOMEM;
  const tsamp_policy_cfg *pc = c->policies.v;
  char err[256];
  for (size_t i = 0; i < ps->n_pol; i++) {
    if (tsamp_policy_init(&ps->pol[i], &pc[i], err, sizeof(err))) {
      otlpd_error(&ps->host->log, "policy %zu: %s", i, err);
      return -EINVAL;
    }
  }
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((tsamp_proc *)state)->base; }

static int start(void *state) {
  tsamp_proc *ps = state;
  int rc = uv_timer_init(ps->host->loop, &ps->timer);
  if (rc) return rc;
  ps->timer.data = ps;
  ps->timer_open = true;
  arm(ps);
  return 0;
}

static void on_closed(uv_handle_t *h) { ((tsamp_proc *)h->data)->timer_open = false; }

/* Nothing accepted is lost: every held trace is decided now. */
static void tsamp_shutdown(void *state) {
  tsamp_proc *ps = state;
  ps->shut = true;
  decide_all(ps);
  if (ps->timer_open && !uv_is_closing((uv_handle_t *)&ps->timer))
    uv_close((uv_handle_t *)&ps->timer, on_closed);
}

static bool drained(void *state) {
  tsamp_proc *ps = state;
  return ps->traces.n == 0 && !ps->timer_open;
}

static void destroy(void *state) {
  tsamp_proc *ps = state;
  if (!ps) return;
  for (size_t i = 0; ps->held && i < ps->traces.n; i++) {
    tsamp_held *h = &ps->held[(ps->traces.head + i) % ps->traces.cap];
    otlpd_count(&ps->host->counters->dropped[OTLPD_TRACES], h->spans);
    release_held(ps, h);
  }
  for (size_t i = 0; ps->pol && i < ps->n_pol; i++) tsamp_policy_fini(&ps->pol[i]);
  tsamp_idset_free(&ps->traces);
  tsamp_idset_free(&ps->sampled);
  tsamp_idset_free(&ps->not_sampled);
  free(ps->held);
  free(ps->pol);
  free(ps->dec);
  free(ps->refs);
  free(ps->spans);
  free(ps->scv);
  free(ps->scp);
  free(ps->late.enc);
  free(ps);
}

const otlpd_factory otlpd_processor_tail_sampling = {
    .type = "tail_sampling",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_SIGNAL_BIT(OTLPD_TRACES),
    .settings = tsamp_settings,
    .config_size = sizeof(tsamp_cfg),
    .doc = "holds spans per trace for decision_wait, then keeps or drops whole traces by policies",
    .validate = tsamp_validate,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = tsamp_shutdown,
    .drained = drained,
    .destroy = destroy,
};
