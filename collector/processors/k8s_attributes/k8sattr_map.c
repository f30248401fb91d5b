/* The open-addressing string map behind the pod indexes and the side
 * tables: linear probing, backward-shift deletion (no tombstones), the
 * array charged to the table's memory accounting. Loop thread only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"

uint64_t k8sattr_hash(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
  return h ? h : 1; /* 0 marks an empty slot */
}

k8sattr_map_ent *k8sattr_map_find(const k8sattr_map *m, const char *k, size_t n) {
  if (!m->cap) return NULL;
  uint64_t h = k8sattr_hash(k, n);
  size_t mask = m->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    k8sattr_map_ent *e = &m->v[i];
    if (!e->hash) return NULL;
    if (e->hash == h && e->klen == n && !memcmp(e->key, k, n)) return e;
  }
}

static int grow(k8sattr_table *t, k8sattr_map *m, size_t first) {
  size_t cap = m->cap ? m->cap * 2 : first;
  k8sattr_map_ent *v = calloc(cap, sizeof(*v));
  if (!v) return -ENOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->v[i].hash) continue;
    size_t j = m->v[i].hash & (cap - 1);
    while (v[j].hash) j = (j + 1) & (cap - 1);
    v[j] = m->v[i];
  }
  free(m->v);
  k8sattr_table_charge(t, cap * sizeof(*v));
  k8sattr_table_release(t, m->cap * sizeof(*v));
  m->v = v;
  m->cap = cap;
  return 0;
}

int k8sattr_map_put(k8sattr_table *t, k8sattr_map *m, const char *k, size_t n, void *val, size_t first) {
  k8sattr_map_ent *e = k8sattr_map_find(m, k, n);
  if (e) {
    e->key = k; /* the new value's copy: the old one may be freed */
    e->val = val;
    return 0;
  }
  if ((m->n + 1) * 4 > m->cap * 3 && grow(t, m, first)) return -ENOMEM;
  uint64_t h = k8sattr_hash(k, n);
  size_t mask = m->cap - 1, i = h & mask;
  while (m->v[i].hash) i = (i + 1) & mask;
  m->v[i] = (k8sattr_map_ent){k, (uint32_t)n, h, val};
  m->n++;
  return 0;
}

void k8sattr_map_remove(k8sattr_map *m, k8sattr_map_ent *e) {
  size_t mask = m->cap - 1, i = (size_t)(e - m->v);
  /* shift later entries of the probe chain back so no chain breaks */
  for (size_t j = (i + 1) & mask; m->v[j].hash; j = (j + 1) & mask) {
    size_t home = m->v[j].hash & mask;
    if (((j - home) & mask) >= ((j - i) & mask)) {
      m->v[i] = m->v[j];
      i = j;
    }
  }
  m->v[i] = (k8sattr_map_ent){0};
  m->n--;
}
