/* Hand-off of decoded requests to the pipelines (loop thread). */
#include "otlp_receiver.h"

bool otlp_should_refuse(const otlp_receiver *r) {
  return *r->host->shutting_down || otlpd_memacct_over(r->host->mem);
}

otlp_ingest_result otlp_ingest(otlp_receiver *r, otlpd_signal s, otlpd_arena *arena,
                               ProtobufCMessage *req, const otlpd_raw *raw) {
  return otlp_ingest_client(r, s, arena, req, raw, NULL);
}

otlp_ingest_result otlp_ingest_client(otlp_receiver *r, otlpd_signal s, otlpd_arena *arena, ProtobufCMessage *req,
                                      const otlpd_raw *raw, const otlpd_client_info *client) {
  return otlp_ingest_wait(r, s, arena, req, raw, client, NULL);
}

otlp_ingest_result otlp_ingest_wait(otlp_receiver *r, otlpd_signal s, otlpd_arena *arena, ProtobufCMessage *req,
                                    const otlpd_raw *raw, const otlpd_client_info *client, otlpd_durable *wait) {
  otlp_ingest_result res = {OTLP_INGEST_OK, 0, NULL, 0};
  otlpd_consumer *next = r->next[s];
  if (!next) { /* no pipeline for this signal: accept and drop, as otelcol */
    otlpd_arena_free(arena);
    return res;
  }
  otlpd_counters *c = r->host->counters;
  if (otlp_should_refuse(r)) {
    otlpd_count(&c->refused[s], otlpd_request_items(s, req));
    otlpd_arena_free(arena);
    res.status = OTLP_INGEST_RETRY;
    res.message = *r->host->shutting_down ? "collector is shutting down" : "collector is over its memory limit";
    return res;
  }
  otlpd_payload *p = otlpd_payload_new(s, arena, req, r->host->mem);
  if (!p) {
    otlpd_arena_free(arena);
    res.status = OTLP_INGEST_RETRY;
    res.message = "out of memory";
    return res;
  }
  if (raw) p->raw = *raw;
  p->client = client;
  otlpd_batch *b = otlpd_batch_from_payload(p);
  if (!b) {
    otlpd_payload_unref(p);
    res.status = OTLP_INGEST_RETRY;
    res.message = "out of memory";
    return res;
  }
  size_t items = b->items;
  /* Our reference keeps p alive across consume(): a request with no
   * resources gives a batch that holds none. */
  p->durable = wait; /* durable exporters hold it while their write runs */
  int rc = otlpd_consume(next, b);
  p->durable = NULL;
  otlpd_batch_unref(b);
  otlpd_payload_unref(p);
  /* A deferred durable write may still be refused: count then. */
  if (rc == OTLPD_OK && wait && wait->holds > 1) res.waiting = items;
  else otlpd_count(rc == OTLPD_OK ? &c->accepted[s] : &c->refused[s], items);
  if (rc == OTLPD_ERR_PERMANENT) {
    res.status = OTLP_INGEST_INVALID;
    res.rejected = items;
    res.message = "data refused by the pipeline";
  } else if (rc != OTLPD_OK) {
    res.status = OTLP_INGEST_RETRY;
    res.message = "pipeline is full; retry later";
  }
  return res;
}

void otlp_ingest_settle(otlpd_counters *c, otlpd_signal s, size_t waiting, int err) {
  otlpd_count(err ? &c->refused[s] : &c->accepted[s], waiting);
}
