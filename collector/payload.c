/* Reference-counted decoded requests and process-wide byte accounting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/data.h"

static const char *const signal_names[OTLPD_SIGNAL_COUNT] = {"traces", "metrics", "logs"};

const char *otlpd_signal_name(otlpd_signal s) {
  return (unsigned)s < OTLPD_SIGNAL_COUNT ? signal_names[s] : "unknown";
}

int otlpd_signal_parse(const char *name, size_t len, otlpd_signal *out) {
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    if (strlen(signal_names[i]) == len && memcmp(signal_names[i], name, len) == 0) {
      *out = (otlpd_signal)i;
      return 0;
    }
  }
  return -EINVAL;
}

int otlpd_memacct_over(const otlpd_memacct *m) {
  return m && m->limit && otlpd_memacct_used(m) >= m->limit;
}

otlpd_payload *otlpd_payload_new(otlpd_signal s, otlpd_arena *arena, ProtobufCMessage *msg,
                                 otlpd_memacct *acct) {
  otlpd_payload *p = malloc(sizeof(*p));
  if (!p) return NULL;
  atomic_init(&p->refs, 1);
  p->signal = s;
  p->arena = arena;
  p->msg = msg;
  p->parent = NULL;
  p->client = NULL;
  p->durable = NULL;
  p->raw.v = NULL;
  p->raw.n = 0;
  p->acct = acct;
  p->accounted = arena ? otlpd_arena_footprint(arena) + sizeof(*p) : sizeof(*p);
  otlpd_memacct_charge(acct, p->accounted);
  return p;
}

void otlpd_payload_ref(otlpd_payload *p) {
  atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

void otlpd_payload_recharge(otlpd_payload *p) {
  size_t now = (p->arena ? otlpd_arena_footprint(p->arena) : 0) + sizeof(*p);
  if (now <= p->accounted) return;
  otlpd_memacct_charge(p->acct, now - p->accounted);
  p->accounted = now;
}

const otlpd_client_info *otlpd_payload_client(const otlpd_payload *p) {
  for (; p; p = p->parent)
    if (p->client) return p->client;
  return NULL;
}

const char *otlpd_client_meta(const otlpd_client_info *c, const char *key) {
  if (!c) return NULL;
  for (size_t i = 0; i < c->nmeta; i++)
    if (strcmp(c->keys[i], key) == 0) return c->values[i];
  return NULL;
}

void otlpd_payload_unref(otlpd_payload *p) {
  while (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) {
    otlpd_payload *parent = p->parent;
    otlpd_memacct_release(p->acct, p->accounted);
    otlpd_arena_free(p->arena);
    free(p);
    p = parent; /* drop the reference a split copy held on its source */
  }
}
