/* The hot path: which pod a resource belongs to, and adding its
 * attributes. No allocation but the one arena block of the edit. */
#include <errno.h>
#include <string.h>

#include "k8s_attributes.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

/* A string attribute's value (otelcol reads only strings), or NULL. */
static const char *str_attr(size_t n, otlp_key_value *const *kv, const char *key) {
  for (size_t i = 0; i < n; i++) {
    const otlp_key_value *e = kv[i];
    if (e->key && e->key[0] == key[0] && !strcmp(e->key, key)) {
      if (!e->value || e->value->value_case != ANY(STRING_VALUE) || !e->value->string_value) return NULL;
      return *e->value->string_value ? e->value->string_value : NULL;
    }
  }
  return NULL;
}

static bool has_key(size_t n, otlp_key_value *const *kv, const char *key, size_t klen) {
  for (size_t i = 0; i < n; i++) {
    const char *k = kv[i]->key;
    if (k && k[0] == key[0] && !strncmp(k, key, klen) && k[klen] == '\0') return true;
  }
  return false;
}

static bool has_ip(const k8sattr_pod *p, const char *ip) {
  if (p->ip && !strcmp(p->ip, ip)) return true;
  for (size_t i = 0; i < p->nips; i++)
    if (!strcmp(p->ips[i], ip)) return true;
  return false;
}

/* One association rule whose sources are all present: the pod they
 * name (the most specific key finds it, the others must agree). */
static const k8sattr_pod *lookup(const k8sattr_table *t, const k8sattr_assoc *a, const char *const *val) {
  const char *uid = NULL, *ip = NULL, *ns = NULL, *name = NULL;
  for (size_t k = 0; k < a->n; k++) {
    switch (a->src[k].kind) {
    case KS_POD_UID: uid = val[k]; break;
    case KS_NAMESPACE: ns = val[k]; break;
    case KS_POD_NAME: name = val[k]; break;
    default: ip = val[k]; break; /* connection or an IP attribute */
    }
  }
  const k8sattr_pod *p = uid ? k8sattr_table_by_uid(t, uid, strlen(uid))
                         : ip ? k8sattr_table_by_ip(t, ip, strlen(ip))
                         : (ns && name) ? k8sattr_table_by_name(t, ns, strlen(ns), name, strlen(name))
                                        : NULL;
  if (!p) return NULL;
  for (size_t k = 0; k < a->n; k++) {
    const char *v = val[k];
    switch (a->src[k].kind) {
    case KS_POD_UID: break;
    case KS_NAMESPACE: if (!p->ns || strcmp(p->ns, v)) return NULL; break;
    case KS_POD_NAME: if (!p->name || strcmp(p->name, v)) return NULL; break;
    default: if (!has_ip(p, v)) return NULL; break;
    }
  }
  return p;
}

/* otelcol's order without pod_association: k8s.pod.ip, ip, the
 * connection, host.name; the first one present decides. */
static const k8sattr_pod *default_assoc(const k8sattr_rules *r, const k8sattr_table *t, size_t nkv,
                                        otlp_key_value *const *kv, const char *addr, const char **conn_ip) {
  const char *ip = str_attr(nkv, kv, "k8s.pod.ip");
  if (!ip) ip = str_attr(nkv, kv, "ip");
  if (!ip && addr && *addr) ip = *conn_ip = addr;
  if (!ip) ip = str_attr(nkv, kv, "host.name");
  if (!ip || r->passthrough) return NULL;
  return k8sattr_table_by_ip(t, ip, strlen(ip));
}

const k8sattr_pod *k8sattr_associate(const k8sattr_rules *r, const k8sattr_table *t, size_t nkv,
                                     otlp_key_value *const *kv, const char *addr, const char **conn_ip) {
  *conn_ip = NULL;
  if (r->default_assoc) return default_assoc(r, t, nkv, kv, addr, conn_ip);
  for (size_t i = 0; i < r->nassoc; i++) {
    const k8sattr_assoc *a = &r->assoc[i];
    const char *val[K8SATTR_MAX_SOURCES];
    size_t k = 0;
    const char *conn = NULL;
    for (; k < a->n; k++) {
      if (a->src[k].kind == KS_CONNECTION) val[k] = conn = (addr && *addr) ? addr : NULL;
      else val[k] = str_attr(nkv, kv, a->src[k].attr);
      if (!val[k]) break;
    }
    if (k < a->n) continue; /* a source is missing: the next rule */
    *conn_ip = conn;
    return r->passthrough ? NULL : lookup(t, a, val);
  }
  return NULL;
}

/* Iterates what a match would add that kv lacks. */
typedef struct adds {
  const k8sattr_pod *p;
  const char *conn_ip;
  size_t nkv;
  otlp_key_value *const *kv;
  const k8sattr_container *cont; /* the resource's k8s.container.name, found in the pod */
  size_t pos;
} adds;

static void adds_init(adds *a, const k8sattr_pod *p, const char *conn_ip, size_t nkv, otlp_key_value *const *kv) {
  *a = (adds){p, conn_ip, nkv, kv, NULL, 0};
  if (p && p->ncontainers) {
    const char *cn = str_attr(nkv, kv, "k8s.container.name");
    for (size_t i = 0; cn && i < p->ncontainers; i++)
      if (p->containers[i].name && !strcmp(p->containers[i].name, cn)) a->cont = &p->containers[i];
  }
}

static bool adds_next(adds *a, const char **k, const char **v) {
  for (;;) {
    size_t i = a->pos++;
    size_t nattrs = a->p ? a->p->nattrs : 0;
    if (i == 0) { /* unless the pod's own k8s.pod.ip follows */
      *k = "k8s.pod.ip";
      *v = a->conn_ip;
      for (size_t j = 0; *v && j < nattrs; j++)
        if (!strcmp(a->p->attrs[j].key, "k8s.pod.ip")) *v = NULL;
    } else if (i <= nattrs) {
      *k = a->p->attrs[i - 1].key;
      *v = a->p->attrs[i - 1].value;
    } else if (i == nattrs + 1) {
      *k = "container.image.name";
      *v = a->cont ? a->cont->image_name : NULL;
    } else if (i == nattrs + 2) {
      *k = "container.image.tag";
      *v = a->cont ? a->cont->image_tag : NULL;
    } else {
      return false;
    }
    if (*v && !has_key(a->nkv, a->kv, *k, strlen(*k))) return true;
  }
}

bool k8sattr_would_add(const k8sattr_pod *p, const char *conn_ip, size_t nkv, otlp_key_value *const *kv) {
  adds a;
  const char *k, *v;
  adds_init(&a, p, conn_ip, nkv, kv);
  return adds_next(&a, &k, &v);
}

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

int k8sattr_add_attrs(otlpd_batch *b, size_t i, const k8sattr_pod *p, const char *conn_ip, size_t *nkv,
                      otlp_key_value ***kv) {
  adds a;
  const char *k, *v;
  size_t count = 0, bytes = 0;
  adds_init(&a, p, conn_ip, *nkv, *kv);
  while (adds_next(&a, &k, &v)) {
    count++;
    bytes += strlen(k) + strlen(v) + 2;
  }
  if (!count) return 0;
  /* one block: the new pointer array, the KeyValues, the AnyValues, the
   * strings (copied: the pod may be deleted while the batch lives) */
  size_t arr = ALIGN16((*nkv + count) * sizeof(otlp_key_value *));
  size_t kvs = ALIGN16(count * sizeof(otlp_key_value));
  size_t vals = ALIGN16(count * sizeof(otlp_any_value));
  char *mem = otlpd_batch_alloc(b, i, arr + kvs + vals + bytes);
  if (!mem) return -ENOMEM;
  otlp_key_value **nv = (otlp_key_value **)mem;
  otlp_key_value *e = (otlp_key_value *)(mem + arr);
  otlp_any_value *av = (otlp_any_value *)(mem + arr + kvs);
  char *s = mem + arr + kvs + vals;
  if (*nkv) memcpy(nv, *kv, *nkv * sizeof(*nv));
  size_t n = *nkv;
  adds_init(&a, p, conn_ip, *nkv, *kv);
  while (adds_next(&a, &k, &v)) {
    size_t kl = strlen(k) + 1, vl = strlen(v) + 1;
    opentelemetry__proto__common__v1__key_value__init(e);
    opentelemetry__proto__common__v1__any_value__init(av);
    memcpy(s, k, kl);
    e->key = s;
    s += kl;
    memcpy(s, v, vl);
    av->value_case = ANY(STRING_VALUE);
    av->string_value = s;
    s += vl;
    e->value = av;
    nv[n++] = e++;
    av++;
  }
  *nkv = n;
  *kv = nv;
  return 0;
}
