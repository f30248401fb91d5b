/* FIFO ring of trace ids with a linear-probing index (backward-shift
 * deletion, so no tombstones). Only the head is ever removed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tail_sampling.h"

int tsamp_idset_init(tsamp_idset *s, size_t cap) {
  memset(s, 0, sizeof(*s));
  if (cap == 0) return 0;
  size_t slots = 4;
  while (slots < cap * 2) slots *= 2;
  s->ids = malloc(cap * sizeof(*s->ids));
  s->slots = calloc(slots, sizeof(*s->slots));
  if (!s->ids || !s->slots) {
    tsamp_idset_free(s);
    return -ENOMEM;
  }
  s->cap = cap;
  s->mask = slots - 1;
  return 0;
}

void tsamp_idset_free(tsamp_idset *s) {
  free(s->ids);
  free(s->slots);
  memset(s, 0, sizeof(*s));
}

/* Trace ids are random in theory only: some clients put counters or ASCII
 * in them, whose varying bytes sit anywhere. A full-avalanche mix of both
 * halves (splitmix64's finalizer) keeps the probe runs short for all. */
static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

static size_t home(const tsamp_idset *s, const uint8_t *id) {
  uint64_t a, b;
  memcpy(&a, id, 8);
  memcpy(&b, id + 8, 8);
  return (size_t)mix64(a ^ mix64(b)) & s->mask;
}

long tsamp_idset_find(const tsamp_idset *s, const uint8_t *id) {
  if (!s->cap) return -1;
  for (size_t i = home(s, id);; i = (i + 1) & s->mask) {
    uint32_t v = s->slots[i];
    if (!v) return -1;
    if (!memcmp(s->ids[v - 1], id, 16)) return (long)(v - 1);
  }
}

size_t tsamp_idset_push(tsamp_idset *s, const uint8_t *id) {
  size_t pos = (s->head + s->n) % s->cap;
  memcpy(s->ids[pos], id, 16);
  size_t i = home(s, id);
  while (s->slots[i]) i = (i + 1) & s->mask;
  s->slots[i] = (uint32_t)pos + 1;
  s->n++;
  return pos;
}

void tsamp_idset_pop(tsamp_idset *s) {
  if (!s->n) return;
  size_t i = home(s, s->ids[s->head]);
  while (s->slots[i] != s->head + 1) i = (i + 1) & s->mask;
  /* backward shift: pull later entries of the cluster into the hole
   * unless their home lies cyclically in (hole, j] */
  for (size_t j = (i + 1) & s->mask;; j = (j + 1) & s->mask) {
    uint32_t v = s->slots[j];
    if (!v) break;
    size_t h = home(s, s->ids[v - 1]);
    bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
    if (stays) continue;
    s->slots[i] = v;
    i = j;
  }
  s->slots[i] = 0;
  s->head = (s->head + 1) % s->cap;
  s->n--;
}

void tsamp_idset_remember(tsamp_idset *s, const uint8_t *id) {
  if (!s->cap || tsamp_idset_find(s, id) >= 0) return;
  if (tsamp_idset_full(s)) tsamp_idset_pop(s);
  tsamp_idset_push(s, id);
}
