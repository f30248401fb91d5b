/* The side tables (ReplicaSets by uid, Namespaces and Nodes by name) and
 * the linking of their data into pods' attributes. The hot path never
 * reads these tables: a pod's attrs already hold what they give, rebuilt
 * here (on the loop, where the watches run) when the pod or an object it
 * refers to changes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"

const k8sattr_obj *k8sattr_table_obj(const k8sattr_table *t, k8sattr_kind kind, const char *key, size_t len) {
  if (kind <= KR_POD || kind >= KR_NKINDS) return NULL;
  k8sattr_map_ent *e = k8sattr_map_find(&t->objs[kind].map, key, len);
  return e ? e->val : NULL;
}

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* Would pods take the same from a as from b? */
static bool same(const k8sattr_obj *a, const k8sattr_obj *b) {
  if (!str_eq(a->deploy_name, b->deploy_name) || !str_eq(a->deploy_uid, b->deploy_uid) || a->nattrs != b->nattrs)
    return false;
  for (size_t i = 0; i < a->nattrs; i++)
    if (!str_eq(a->attrs[i].key, b->attrs[i].key) || !str_eq(a->attrs[i].value, b->attrs[i].value)) return false;
  return true;
}

static const char *ref_of(const k8sattr_pod *p, k8sattr_kind kind) {
  switch (kind) {
  case KR_REPLICASET: return p->link & (KL_DEPLOYMENT | KL_DEPLOYMENT_UID) ? p->rs_uid : NULL;
  case KR_NAMESPACE: return p->link & KL_NAMESPACE ? p->ns : NULL;
  case KR_NODE: return p->link & KL_NODE ? p->node : NULL;
  default: return NULL;
  }
}

/* Re-link every pod that refers to key (a DaemonSet's table: its node's
 * pods, so a scan is cheap next to the API round trip that caused it). */
static void relink(k8sattr_table *t, k8sattr_kind kind, const char *key) {
  for (size_t i = 0; i < t->by_uid.cap; i++) {
    if (!t->by_uid.v[i].hash) continue;
    k8sattr_pod *p = t->by_uid.v[i].val;
    const char *ref = ref_of(p, kind);
    if (ref && !strcmp(ref, key)) k8sattr_pod_link(t, p);
  }
}

static void drop_obj(k8sattr_table *t, k8sattr_obj *o) {
  k8sattr_table_release(t, o->charged);
  k8sattr_obj_free(o);
}

int k8sattr_table_obj_upsert(k8sattr_table *t, k8sattr_kind kind, k8sattr_obj *o) {
  k8sattr_omap *m = &t->objs[kind];
  size_t len = strlen(o->key);
  o->seen = m->gen;
  k8sattr_map_ent *e = k8sattr_map_find(&m->map, o->key, len);
  k8sattr_obj *old = e ? e->val : NULL;
  if (old && same(old, o)) { /* a status update: nothing pods see changed */
    old->seen = m->gen;
    k8sattr_obj_free(o);
    return 0;
  }
  o->charged = sizeof(*o) + otlpd_arena_footprint(o->arena);
  k8sattr_table_charge(t, o->charged);
  if (k8sattr_map_put(t, &m->map, o->key, len, o, 16)) {
    drop_obj(t, o);
    return -ENOMEM;
  }
  /* Relink before old goes (pods pointed into it); a list links all pods
   * once, at its end. */
  if (old || !m->listing) relink(t, kind, o->key);
  if (old) drop_obj(t, old);
  return 0;
}

void k8sattr_table_obj_delete(k8sattr_table *t, k8sattr_kind kind, const char *key, size_t len) {
  k8sattr_omap *m = &t->objs[kind];
  k8sattr_map_ent *e = k8sattr_map_find(&m->map, key, len);
  if (!e) return;
  k8sattr_obj *o = e->val;
  k8sattr_map_remove(&m->map, e);
  relink(t, kind, o->key); /* they no longer find it */
  drop_obj(t, o);
}

void k8sattr_table_obj_begin(k8sattr_table *t, k8sattr_kind kind) {
  t->objs[kind].gen++;
  t->objs[kind].listing = true;
}

void k8sattr_table_obj_end(k8sattr_table *t, k8sattr_kind kind) {
  k8sattr_omap *m = &t->objs[kind];
  for (size_t i = 0; i < m->map.cap;) {
    k8sattr_map_ent *e = &m->map.v[i];
    const k8sattr_obj *o = e->val;
    if (e->hash && o->seen != m->gen) {
      k8sattr_table_obj_delete(t, kind, o->key, strlen(o->key));
      continue; /* slot i now holds a shifted entry (or is empty) */
    }
    i++;
  }
  m->listing = false;
  for (size_t i = 0; i < t->by_uid.cap; i++)
    if (t->by_uid.v[i].hash && ref_of(t->by_uid.v[i].val, kind)) k8sattr_pod_link(t, t->by_uid.v[i].val);
}

void k8sattr_table_objs_free(k8sattr_table *t) {
  for (int k = 0; k < KR_NKINDS; k++) {
    k8sattr_omap *m = &t->objs[k];
    for (size_t i = 0; i < m->map.cap; i++)
      if (m->map.v[i].hash) k8sattr_obj_free(m->map.v[i].val);
    free(m->map.v);
    *m = (k8sattr_omap){0};
  }
}

void k8sattr_pod_unlink(k8sattr_pod *p) {
  if (p->attrs_alloc) free(p->attrs);
  p->attrs = p->own;
  p->nattrs = p->nown;
  p->attrs_alloc = 0;
}

static bool has(const k8sattr_attr *a, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(a[i].key, key)) return true;
  return false;
}

/* Append k = v unless a key of that name is there (otelcol inserts). */
static void add(k8sattr_attr *a, size_t *n, const char *k, const char *v) {
  if (!v || has(a, *n, k)) return;
  a[(*n)++] = (k8sattr_attr){k, v, (uint32_t)strlen(k), (uint32_t)strlen(v)};
}

static const k8sattr_obj *obj_of(const k8sattr_table *t, const k8sattr_pod *p, k8sattr_kind kind) {
  const char *ref = ref_of(p, kind);
  return ref ? k8sattr_table_obj(t, kind, ref, strlen(ref)) : NULL;
}

void k8sattr_pod_link(k8sattr_table *t, k8sattr_pod *p) {
  size_t before = p->attrs_alloc;
  k8sattr_pod_unlink(p);
  const k8sattr_obj *rs = obj_of(t, p, KR_REPLICASET), *ns = obj_of(t, p, KR_NAMESPACE),
                    *node = obj_of(t, p, KR_NODE);
  size_t extra = (rs ? 2 : 0) + (ns ? ns->nattrs : 0) + (node ? node->nattrs : 0);
  k8sattr_attr *a = extra ? malloc((p->nown + extra) * sizeof(*a)) : NULL;
  if (a) {
    size_t n = p->nown;
    if (n) memcpy(a, p->own, n * sizeof(*a));
    if (rs && (p->link & KL_DEPLOYMENT)) add(a, &n, "k8s.deployment.name", rs->deploy_name);
    if (rs && (p->link & KL_DEPLOYMENT_UID)) add(a, &n, "k8s.deployment.uid", rs->deploy_uid);
    for (size_t i = 0; ns && i < ns->nattrs; i++) add(a, &n, ns->attrs[i].key, ns->attrs[i].value);
    for (size_t i = 0; node && i < node->nattrs; i++) add(a, &n, node->attrs[i].key, node->attrs[i].value);
    if (n > p->nown) {
      p->attrs = a;
      p->nattrs = n;
      p->attrs_alloc = (p->nown + extra) * sizeof(*a);
    } else {
      free(a);
    }
  } /* else: no memory; the pod keeps its own attributes until the next link */
  p->attr_bytes = 0;
  for (size_t i = 0; i < p->nattrs; i++) p->attr_bytes += p->attrs[i].klen + p->attrs[i].vlen + 2;
  k8sattr_table_charge(t, p->attrs_alloc);
  k8sattr_table_release(t, before);
  p->charged += p->attrs_alloc;
  p->charged -= before;
}
