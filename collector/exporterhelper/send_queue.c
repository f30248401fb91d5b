/* The sending queue's FIFO and its sizers. */
#include <errno.h>
#include <stdlib.h>

#include "sender_internal.h"

static int grow(send_queue *q) {
  size_t cap = q->cap ? q->cap * 2 : 16;
  send_queue_entry *v = malloc(cap * sizeof(*v));
  if (!v) return -ENOMEM;
  for (size_t i = 0; i < q->n; i++) v[i] = q->v[(q->head + i) % q->cap];
  free(q->v);
  q->v = v;
  q->cap = cap;
  q->head = 0;
  return 0;
}

int send_queue_push(send_queue *q, otlpd_batch *b, uint64_t size) {
  if (q->n == q->cap && grow(q) != 0) return -ENOMEM;
  q->v[(q->head + q->n) % q->cap] = (send_queue_entry){b, size};
  q->n++;
  q->used += size;
  return 0;
}

bool send_queue_pop(send_queue *q, send_queue_entry *out) {
  if (!q->n) return false;
  *out = q->v[q->head];
  q->head = (q->head + 1) % q->cap;
  q->n--;
  q->used -= out->size;
  return true;
}

void send_queue_free(send_queue *q) {
  send_queue_entry e;
  while (send_queue_pop(q, &e)) otlpd_batch_unref(e.batch);
  free(q->v);
  *q = (send_queue){0};
}

/* Bytes as on the wire: the client's encoding where it was kept, else
 * what protobuf-c would pack. */
static uint64_t measure_bytes(const otlpd_batch *b) {
  uint64_t n = 0;
  for (size_t i = 0; i < b->n; i++) {
    if (b->raw && b->raw[i].p)
      n += b->raw[i].len;
    else
      n += protobuf_c_message_get_packed_size((const ProtobufCMessage *)b->resources[i]);
  }
  return n;
}

uint64_t send_queue_measure(int sizer, const otlpd_batch *b) {
  switch (sizer) {
  case OTLPD_SIZER_ITEMS: return b->items;
  case OTLPD_SIZER_BYTES: return measure_bytes(b);
  default: return 1;
  }
}

bool send_ratelimit_hit(send_ratelimit *r, uint64_t now_ms, uint64_t items, uint64_t *total) {
  r->pending += items;
  if (r->logged && now_ms - r->last_ms < SEND_LOG_WINDOW_MS) return false;
  *total = r->pending;
  r->pending = 0;
  r->last_ms = now_ms;
  r->logged = true;
  return true;
}
