/* The pod table: pods by UID (owning), by IP and by namespace/name.
 * Lookups are one hash and a short probe (k8sattr_map.c); no allocation. Runs on the
 * loop thread only (the watcher's callbacks and the processor). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"

void k8sattr_table_charge(k8sattr_table *t, size_t n) {
  otlpd_memacct_charge(t->mem, n);
  t->charged += n;
}

void k8sattr_table_release(k8sattr_table *t, size_t n) {
  otlpd_memacct_release(t->mem, n);
  t->charged -= n;
}

static void drop_pod(k8sattr_table *t, k8sattr_pod *p) {
  k8sattr_table_release(t, p->charged);
  k8sattr_pod_free(p);
}

static int map_put(k8sattr_table *t, k8sattr_map *m, const char *k, size_t n, k8sattr_pod *pod) {
  return k8sattr_map_put(t, m, k, n, pod, 64);
}

/* Remove k if it still points to pod (an IP may have moved on). */
static void map_del(k8sattr_map *m, const char *k, size_t n, const k8sattr_pod *pod) {
  k8sattr_map_ent *e = k8sattr_map_find(m, k, n);
  if (e && (!pod || e->val == pod)) k8sattr_map_remove(m, e);
}

static const k8sattr_pod *map_get(const k8sattr_map *m, const char *k, size_t n) {
  k8sattr_map_ent *e = k8sattr_map_find(m, k, n);
  return e ? e->val : NULL;
}

void k8sattr_table_init(k8sattr_table *t, otlpd_memacct *mem) {
  memset(t, 0, sizeof(*t));
  t->mem = mem;
}

void k8sattr_table_free(k8sattr_table *t) {
  for (size_t i = 0; i < t->by_uid.cap; i++)
    if (t->by_uid.v[i].hash) k8sattr_pod_free(t->by_uid.v[i].val);
  free(t->by_uid.v);
  free(t->by_ip.v);
  free(t->by_name.v);
  k8sattr_table_objs_free(t);
  otlpd_memacct_release(t->mem, t->charged);
  memset(t, 0, sizeof(*t));
}

static bool ip_indexed(const k8sattr_pod *p) { return !p->host_network && !p->finished; }

static void unindex(k8sattr_table *t, k8sattr_pod *p) {
  if (ip_indexed(p)) {
    if (p->ip) map_del(&t->by_ip, p->ip, strlen(p->ip), p);
    for (size_t i = 0; i < p->nips; i++) map_del(&t->by_ip, p->ips[i], strlen(p->ips[i]), p);
  }
  if (p->nskey) map_del(&t->by_name, p->nskey, strlen(p->nskey), p);
}

static int index_pod(k8sattr_table *t, k8sattr_pod *p) {
  int rc = map_put(t, &t->by_uid, p->uid, strlen(p->uid), p);
  if (!rc && p->nskey) rc = map_put(t, &t->by_name, p->nskey, strlen(p->nskey), p);
  if (!rc && ip_indexed(p) && p->ip) rc = map_put(t, &t->by_ip, p->ip, strlen(p->ip), p);
  for (size_t i = 0; !rc && ip_indexed(p) && i < p->nips; i++)
    rc = map_put(t, &t->by_ip, p->ips[i], strlen(p->ips[i]), p);
  return rc;
}

int k8sattr_table_upsert(k8sattr_table *t, k8sattr_pod *p) {
  p->seen = t->gen;
  k8sattr_pod_unlink(p);
  p->charged = sizeof(*p) + otlpd_arena_footprint(p->arena);
  k8sattr_table_charge(t, p->charged);
  k8sattr_pod_link(t, p); /* what its ReplicaSet, Namespace and Node give */
  k8sattr_pod *old = (k8sattr_pod *)map_get(&t->by_uid, p->uid, strlen(p->uid));
  if (old) unindex(t, old);
  else t->npods++;
  int rc = index_pod(t, p);
  if (old) drop_pod(t, old);
  if (rc) { /* keep the maps consistent: drop the pod entirely */
    unindex(t, p);
    map_del(&t->by_uid, p->uid, strlen(p->uid), p);
    t->npods--;
    drop_pod(t, p);
  }
  return rc;
}

void k8sattr_table_delete(k8sattr_table *t, const char *uid, size_t len) {
  k8sattr_pod *p = (k8sattr_pod *)map_get(&t->by_uid, uid, len);
  if (!p) return;
  unindex(t, p);
  map_del(&t->by_uid, p->uid, strlen(p->uid), p);
  t->npods--;
  drop_pod(t, p);
}

void k8sattr_table_begin(k8sattr_table *t) { t->gen++; }

void k8sattr_table_end(k8sattr_table *t) {
  /* deleting moves entries: restart the scan after each removal */
  for (size_t i = 0; i < t->by_uid.cap;) {
    k8sattr_map_ent *e = &t->by_uid.v[i];
    const k8sattr_pod *p = e->val;
    if (e->hash && p->seen != t->gen) {
      k8sattr_table_delete(t, p->uid, strlen(p->uid));
      continue; /* slot i now holds a shifted entry (or is empty) */
    }
    i++;
  }
}

const k8sattr_pod *k8sattr_table_by_ip(const k8sattr_table *t, const char *ip, size_t len) {
  return map_get(&t->by_ip, ip, len);
}

const k8sattr_pod *k8sattr_table_by_uid(const k8sattr_table *t, const char *uid, size_t len) {
  return map_get(&t->by_uid, uid, len);
}

const k8sattr_pod *k8sattr_table_by_name(const k8sattr_table *t, const char *ns, size_t nslen,
                                         const char *name, size_t namelen) {
  char key[512];
  if (nslen + namelen + 1 > sizeof(key)) return NULL;
  memcpy(key, ns, nslen);
  key[nslen] = '/';
  memcpy(key + nslen + 1, name, namelen);
  return map_get(&t->by_name, key, nslen + namelen + 1);
}
