/* Requests with resource attributes for the edit tests: built from OTLP
 * JSON, optionally sent through protobuf so that the payload keeps the
 * client's wire bytes (as the receivers do). */
#ifndef OTLPD_TEST_EDIT_FIXTURES_H
#define OTLPD_TEST_EDIT_FIXTURES_H

#include <string.h>

#include "otlpd/buf.h"
#include "otlpd/codec.h"
#include "otlpd/component.h"

/* resource attribute `key` of entry i as a string ("" when absent). */
static inline const char *ef_attr(const otlpd_batch *b, size_t i, const char *key) {
  static const size_t off[OTLPD_SIGNAL_COUNT] = {offsetof(otlp_resource_spans, resource),
                                                 offsetof(otlp_resource_metrics, resource),
                                                 offsetof(otlp_resource_logs, resource)};
  otlp_resource *r = *(otlp_resource **)(void *)((char *)b->resources[i] + off[b->signal]);
  for (size_t k = 0; r && k < r->n_attributes; k++)
    if (!strcmp(r->attributes[k]->key, key)) return r->attributes[k]->value->string_value;
  return "";
}

static inline otlp_key_value *ef_kv(const otlpd_batch *b, size_t i, const char *key) {
  static const size_t off[OTLPD_SIGNAL_COUNT] = {offsetof(otlp_resource_spans, resource),
                                                 offsetof(otlp_resource_metrics, resource),
                                                 offsetof(otlp_resource_logs, resource)};
  otlp_resource *r = *(otlp_resource **)(void *)((char *)b->resources[i] + off[b->signal]);
  for (size_t k = 0; r && k < r->n_attributes; k++)
    if (!strcmp(r->attributes[k]->key, key)) return r->attributes[k];
  return NULL;
}

/* The payload of `json`, re-encoded as protobuf and decoded keeping the
 * wire bytes when wire is true. refs = 1. */
static inline otlpd_payload *ef_payload(otlpd_signal s, const char *json, bool wire, otlpd_memacct *acct) {
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *m = otlpd_json_decode(otlpd_request_descriptor(s), json, strlen(json), a, err, sizeof(err));
  if (!m) fprintf(stderr, "fixture: %s\n", err);
  assert_non_null(m);
  if (!wire) return otlpd_payload_new(s, a, m, acct);
  otlpd_buf pb = {0};
  assert_int_equal(otlpd_pb_encode(m, &pb), 0);
  otlpd_arena_free(a);
  a = otlpd_arena_new(0);
  otlpd_raw raw;
  m = otlpd_pb_decode_keep(otlpd_request_descriptor(s), pb.data, pb.len, a, err, sizeof(err), &raw);
  otlpd_buf_free(&pb);
  assert_non_null(m);
  otlpd_payload *p = otlpd_payload_new(s, a, m, acct);
  p->raw = raw;
  return p;
}

/* b encoded as protobuf (raw bytes where kept), decoded again. */
static inline otlpd_batch *ef_roundtrip_pb(const otlpd_batch *b) {
  otlpd_buf out = {0};
  assert_int_equal(otlpd_batch_encode_pb(b, &out), 0);
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  ProtobufCMessage *m = otlpd_pb_decode(otlpd_request_descriptor(b->signal), out.data, out.len, a, err, sizeof(err));
  assert_non_null(m);
  otlpd_buf_free(&out);
  otlpd_payload *p = otlpd_payload_new(b->signal, a, m, NULL);
  otlpd_batch *back = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return back;
}

#endif
