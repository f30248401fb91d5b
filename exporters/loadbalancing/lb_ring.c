/* otelcol's consistent hash ring (loadbalancingexporter/consistent_hashing.go):
 * 36000 positions; an endpoint takes the positions crc32(endpoint || i) mod
 * 36000 for i < 100; a key goes to the first position at or after
 * crc32(key) mod 36000, wrapping around. Same numbers as otelcol, so agents
 * of both kinds route a trace to the same gateway. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lb.h"

#define LB_POSITIONS 36000u
#define LB_WEIGHT 100

static int by_pos(const void *a, const void *b) {
  uint32_t x = ((const lb_ring_item *)a)->pos, y = ((const lb_ring_item *)b)->pos;
  return x < y ? -1 : x > y;
}

int lb_ring_build(lb_ring *r, const char *const *endpoints, size_t n) {
  lb_ring_item *items = malloc((n ? n : 1) * LB_WEIGHT * sizeof(*items));
  uint8_t *taken = calloc(LB_POSITIONS, 1);
  if (!items || !taken) {
    free(items);
    free(taken);
    return -ENOMEM;
  }
  size_t k = 0;
  for (size_t e = 0; e < n; e++) {
    uLong base = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)endpoints[e], (uInt)strlen(endpoints[e]));
    for (int i = 0; i < LB_WEIGHT; i++) {
      Bytef b = (Bytef)i;
      uint32_t pos = (uint32_t)(crc32(base, &b, 1) % LB_POSITIONS);
      if (taken[pos]) continue; /* the first endpoint keeps a shared position */
      taken[pos] = 1;
      items[k++] = (lb_ring_item){pos, (uint32_t)e};
    }
  }
  free(taken);
  qsort(items, k, sizeof(*items), by_pos);
  lb_ring_free(r);
  r->items = items;
  r->n = k;
  return 0;
}

void lb_ring_free(lb_ring *r) {
  free(r->items);
  r->items = NULL;
  r->n = 0;
}

uint32_t lb_ring_pick(const lb_ring *r, const void *key, size_t len) {
  uint32_t pos = (uint32_t)(crc32(crc32(0L, Z_NULL, 0), key, (uInt)len) % LB_POSITIONS);
  size_t lo = 0, hi = r->n; /* first item with item.pos >= pos */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->items[mid].pos < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return r->items[lo == r->n ? 0 : lo].backend;
}
