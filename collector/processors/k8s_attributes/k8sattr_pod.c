/* One pod object of the API (v1.Pod) into what the table keeps: identity
 * (uid, IPs, namespace/name) and the attributes a match adds, computed
 * here once so the hot path only copies them. Labels and annotations no
 * rule asks for are skipped, so large annotations cost nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"
#include "k8sattr_json.h"

#define MAX_IPS 8
#define MAX_CONTAINERS 32

typedef struct owner {
  const char *kind, *name, *uid;
} owner;

/* What the parse collects before the attributes are laid out. */
typedef struct draft {
  k8sattr_pod *p;
  const char *node, *created, *hostname, *tmpl_hash;
  owner owners[4];
  size_t nowners;
  const char *ips[MAX_IPS];
  size_t nips;
  k8sattr_container cont[MAX_CONTAINERS];
  size_t ncont;
  k8sattr_attr *extra; /* label / annotation attributes (malloc'd) */
  size_t nextra, capextra;
} draft;

static const char *dup(draft *d, const k8sattr_jtok *t) {
  return otlpd_arena_strndup(d->p->arena, t->s, t->n);
}

/* The next token must be a string (or null: NULL). -EBADMSG otherwise. */
static int str_value(k8sattr_json *j, draft *d, const char **out) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_STRING) return k8sattr_json_skip(j, &t) ? -EBADMSG : 0; /* unexpected type: ignored */
  return (*out = dup(d, &t)) ? 0 : -ENOMEM;
}

static int add_extra(draft *d, const char *key, size_t klen, const char *val, size_t vlen) {
  if (d->nextra == d->capextra) {
    size_t cap = d->capextra ? d->capextra * 2 : 8;
    k8sattr_attr *n = realloc(d->extra, cap * sizeof(*n));
    if (!n) return -ENOMEM;
    d->extra = n;
    d->capextra = cap;
  }
  const char *k = otlpd_arena_strndup(d->p->arena, key, klen);
  const char *v = otlpd_arena_strndup(d->p->arena, val, vlen);
  if (!k || !v) return -ENOMEM;
  d->extra[d->nextra++] = (k8sattr_attr){k, v, (uint32_t)klen, (uint32_t)vlen};
  return 0;
}

static int put_extra(void *ctx, const char *k, size_t klen, const char *v, size_t vlen) {
  return add_extra(ctx, k, klen, v, vlen);
}

/* labels / annotations object. The value token is in a scratch buffer
 * the key's may share, so the key is copied first. */
static int string_map(k8sattr_json *j, draft *d, const k8sattr_rules *r, bool annotation) {
  k8sattr_jtok t, v;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_OBJ_BEGIN) return k8sattr_json_skip(j, &t);
  char key[320];
  while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
    size_t kl = t.n < sizeof(key) ? t.n : sizeof(key) - 1;
    memcpy(key, t.s, kl);
    key[kl] = '\0';
    k8sattr_jtok kt = {KJ_KEY, key, kl};
    if (k8sattr_json_next(j, &v) != KJ_STRING) {
      if (k8sattr_json_skip(j, &v)) return -EBADMSG;
      continue;
    }
    if (!annotation && KJ_IS(&kt, "pod-template-hash") && !(d->tmpl_hash = dup(d, &v))) return -ENOMEM;
    int rc = k8sattr_rules_extract(r, KR_POD, annotation, kt.s, kt.n, v.s, v.n, put_extra, d);
    if (rc) return rc;
  }
  return ty == KJ_OBJ_END ? 0 : -EBADMSG;
}

/* Iterate the elements of an array of objects: each() sees every key of
 * each element. */
typedef int (*member_fn)(k8sattr_json *j, draft *d, const k8sattr_jtok *key, void *elem);
static int object_array(k8sattr_json *j, draft *d, member_fn each, void *(*next_elem)(draft *d)) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_ARR_BEGIN) return k8sattr_json_skip(j, &t);
  while ((ty = k8sattr_json_next(j, &t)) != KJ_ARR_END) {
    if (ty == KJ_ERROR || ty == KJ_END) return -EBADMSG;
    if (ty != KJ_OBJ_BEGIN) { /* not an object: not ours to read */
      if (k8sattr_json_skip(j, &t)) return -EBADMSG;
      continue;
    }
    void *elem = next_elem(d);
    while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
      int rc = each(j, d, &t, elem);
      if (rc) return rc;
    }
    if (ty != KJ_OBJ_END) return -EBADMSG;
  }
  return 0;
}

static int skip_next(k8sattr_json *j) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_ERROR || ty == KJ_END || ty == KJ_OBJ_END || ty == KJ_ARR_END) return -EBADMSG;
  return k8sattr_json_skip(j, &t);
}

static void *next_owner(draft *d) {
  if (d->nowners < sizeof(d->owners) / sizeof(d->owners[0])) return &d->owners[d->nowners++];
  return NULL;
}
static int owner_member(k8sattr_json *j, draft *d, const k8sattr_jtok *k, void *elem) {
  owner *o = elem;
  if (!o) return skip_next(j);
  if (KJ_IS(k, "kind")) return str_value(j, d, &o->kind);
  if (KJ_IS(k, "name")) return str_value(j, d, &o->name);
  if (KJ_IS(k, "uid")) return str_value(j, d, &o->uid);
  return skip_next(j);
}

static void *next_ip(draft *d) { return d->nips < MAX_IPS ? &d->ips[d->nips++] : NULL; }
static int ip_member(k8sattr_json *j, draft *d, const k8sattr_jtok *k, void *elem) {
  if (elem && KJ_IS(k, "ip")) return str_value(j, d, elem);
  return skip_next(j);
}

static void *next_container(draft *d) { return d->ncont < MAX_CONTAINERS ? &d->cont[d->ncont++] : NULL; }
static int container_member(k8sattr_json *j, draft *d, const k8sattr_jtok *k, void *elem) {
  k8sattr_container *c = elem;
  if (!c) return skip_next(j);
  if (KJ_IS(k, "name")) return str_value(j, d, &c->name);
  if (KJ_IS(k, "image")) return str_value(j, d, &c->image_name);
  return skip_next(j);
}

/* An object's members, each handled by fn (NULL: the whole object skipped). */
typedef int (*section_fn)(k8sattr_json *j, draft *d, const k8sattr_rules *r, const k8sattr_jtok *key);
static int section(k8sattr_json *j, draft *d, const k8sattr_rules *r, section_fn fn) {
  k8sattr_jtok t;
  k8sattr_jtype ty = k8sattr_json_next(j, &t);
  if (ty == KJ_NULL) return 0;
  if (ty != KJ_OBJ_BEGIN) return k8sattr_json_skip(j, &t);
  while ((ty = k8sattr_json_next(j, &t)) == KJ_KEY) {
    int rc = fn(j, d, r, &t);
    if (rc) return rc;
  }
  return ty == KJ_OBJ_END ? 0 : -EBADMSG;
}

static int metadata_member(k8sattr_json *j, draft *d, const k8sattr_rules *r, const k8sattr_jtok *k) {
  k8sattr_pod *p = d->p;
  if (KJ_IS(k, "name")) return str_value(j, d, &p->name);
  if (KJ_IS(k, "namespace")) return str_value(j, d, &p->ns);
  if (KJ_IS(k, "uid")) return str_value(j, d, &p->uid);
  if (KJ_IS(k, "creationTimestamp")) return str_value(j, d, &d->created);
  if (KJ_IS(k, "resourceVersion")) return str_value(j, d, &p->rv);
  if (KJ_IS(k, "labels")) return string_map(j, d, r, false);
  if (KJ_IS(k, "annotations")) return string_map(j, d, r, true);
  if (KJ_IS(k, "ownerReferences")) return object_array(j, d, owner_member, next_owner);
  return skip_next(j);
}

static int spec_member(k8sattr_json *j, draft *d, const k8sattr_rules *r, const k8sattr_jtok *k) {
  (void)r;
  if (KJ_IS(k, "nodeName")) return str_value(j, d, &d->node);
  if (KJ_IS(k, "hostname")) return str_value(j, d, &d->hostname);
  if (KJ_IS(k, "containers")) return object_array(j, d, container_member, next_container);
  if (KJ_IS(k, "hostNetwork")) {
    k8sattr_jtok t;
    k8sattr_jtype ty = k8sattr_json_next(j, &t);
    d->p->host_network = ty == KJ_TRUE;
    return k8sattr_json_skip(j, &t);
  }
  return skip_next(j);
}

static int status_member(k8sattr_json *j, draft *d, const k8sattr_rules *r, const k8sattr_jtok *k) {
  (void)r;
  if (KJ_IS(k, "podIP")) return str_value(j, d, &d->p->ip);
  if (KJ_IS(k, "podIPs")) return object_array(j, d, ip_member, next_ip);
  if (KJ_IS(k, "phase")) {
    const char *phase = NULL;
    int rc = str_value(j, d, &phase);
    d->p->finished = phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
    return rc;
  }
  return skip_next(j);
}

static int pod_member(k8sattr_json *j, draft *d, const k8sattr_rules *r, const k8sattr_jtok *k) {
  if (KJ_IS(k, "metadata")) return section(j, d, r, metadata_member);
  if (KJ_IS(k, "spec")) return section(j, d, r, spec_member);
  if (KJ_IS(k, "status")) return section(j, d, r, status_member);
  if (KJ_IS(k, "code")) {
    k8sattr_jtok t;
    k8sattr_jtype ty = k8sattr_json_next(j, &t);
    if (ty == KJ_NUMBER) d->p->status_code = k8sattr_jtok_int(&t);
    return k8sattr_json_skip(j, &t);
  }
  return skip_next(j);
}

size_t k8sattr_deployment_of(const char *rs, const char *hash) {
  size_t n = strlen(rs);
  if (hash && *hash) {
    size_t h = strlen(hash);
    if (n > h + 1 && rs[n - h - 1] == '-' && !memcmp(rs + n - h, hash, h)) return n - h - 1;
    return 0;
  }
  size_t k = n;
  while (k > 0 && ((rs[k - 1] >= 'a' && rs[k - 1] <= 'z') || (rs[k - 1] >= '0' && rs[k - 1] <= '9'))) k--;
  return (k > 1 && k < n && rs[k - 1] == '-') ? k - 1 : 0;
}

/* A CronJob's Job is named <cronjob>-<scheduled time in minutes>. */
static size_t cronjob_of(const char *job) {
  size_t n = strlen(job), k = n;
  while (k > 0 && job[k - 1] >= '0' && job[k - 1] <= '9') k--;
  return (k > 1 && k < n && job[k - 1] == '-') ? k - 1 : 0;
}

static const char *last_of(const char *s, char c, size_t n) {
  while (n > 0)
    if (s[--n] == c) return s + n;
  return NULL;
}

/* "repo/name:tag" or "...@sha256:..." -> name, tag ("latest" if none). */
static void split_image(otlpd_arena *a, k8sattr_container *c) {
  const char *img = c->image_name;
  if (!img) return;
  const char *at = strchr(img, '@');
  size_t end = at ? (size_t)(at - img) : strlen(img);
  const char *slash = last_of(img, '/', end);
  const char *from = slash ? slash : img;
  const char *colon = last_of(from, ':', end - (size_t)(from - img));
  size_t name_len = colon ? (size_t)(colon - img) : end;
  c->image_tag = colon ? otlpd_arena_strndup(a, colon + 1, end - name_len - 1) : (at ? NULL : "latest");
  c->image_name = otlpd_arena_strndup(a, img, name_len);
}

typedef struct attr_list {
  k8sattr_attr v[24];
  size_t n;
} attr_list;

static void put(attr_list *l, unsigned want, unsigned bit, const char *key, const char *val, size_t vlen) {
  if (!(want & bit) || !val || l->n == sizeof(l->v) / sizeof(l->v[0])) return;
  l->v[l->n++] = (k8sattr_attr){key, val, (uint32_t)strlen(key), (uint32_t)vlen};
}

static void putz(attr_list *l, unsigned want, unsigned bit, const char *key, const char *val) {
  if (val) put(l, want, bit, key, val, strlen(val));
}

/* Lay out the attributes a match adds: metadata first, then rules. */
static int finish(draft *d, const k8sattr_rules *r) {
  k8sattr_pod *p = d->p;
  unsigned m = r->metadata;
  attr_list l = {.n = 0};
  putz(&l, m, KM_NAMESPACE, "k8s.namespace.name", p->ns);
  putz(&l, m, KM_POD_NAME, "k8s.pod.name", p->name);
  putz(&l, m, KM_POD_UID, "k8s.pod.uid", p->uid);
  putz(&l, m, KM_START_TIME, "k8s.pod.start_time", d->created);
  putz(&l, m, KM_POD_IP, "k8s.pod.ip", p->ip);
  putz(&l, m, KM_HOSTNAME, "k8s.pod.hostname", d->hostname);
  for (size_t i = 0; i < d->nowners; i++) {
    const owner *o = &d->owners[i];
    if (!o->kind || !o->name) continue;
    if (!strcmp(o->kind, "ReplicaSet")) {
      putz(&l, m, KM_REPLICASET, "k8s.replicaset.name", o->name);
      putz(&l, m, KM_REPLICASET_UID, "k8s.replicaset.uid", o->uid);
      if (o->uid && *o->uid) p->rs_uid = o->uid; /* its Deployment: from the ReplicaSet table (linked) */
      size_t dl = r->deployment_from_name ? k8sattr_deployment_of(o->name, d->tmpl_hash) : 0;
      if (dl) putz(&l, m, KM_DEPLOYMENT, "k8s.deployment.name", otlpd_arena_strndup(p->arena, o->name, dl));
    } else if (!strcmp(o->kind, "DaemonSet")) {
      putz(&l, m, KM_DAEMONSET, "k8s.daemonset.name", o->name);
    } else if (!strcmp(o->kind, "StatefulSet")) {
      putz(&l, m, KM_STATEFULSET, "k8s.statefulset.name", o->name);
    } else if (!strcmp(o->kind, "Job")) {
      putz(&l, m, KM_JOB, "k8s.job.name", o->name);
      size_t cl = cronjob_of(o->name);
      if (cl) putz(&l, m, KM_CRONJOB, "k8s.cronjob.name", otlpd_arena_strndup(p->arena, o->name, cl));
    }
  }
  putz(&l, m, KM_NODE, "k8s.node.name", d->node);
  if (d->ncont == 1) putz(&l, m, KM_CONTAINER_NAME, "k8s.container.name", d->cont[0].name);

  size_t n = l.n + d->nextra;
  p->own = otlpd_arena_alloc(p->arena, (n ? n : 1) * sizeof(*p->own));
  if (!p->own) return -ENOMEM;
  memcpy(p->own, l.v, l.n * sizeof(*p->own));
  if (d->nextra) memcpy(p->own + l.n, d->extra, d->nextra * sizeof(*p->own));
  p->nown = n;
  p->attrs = p->own; /* until the table links the side tables' part */
  p->nattrs = n;
  for (size_t i = 0; i < n; i++) p->attr_bytes += p->own[i].klen + p->own[i].vlen + 2;
  p->node = d->node;
  p->link = r->link;

  if (!p->ip && d->nips) p->ip = d->ips[0];
  if (p->ns && p->name) {
    size_t a = strlen(p->ns), b = strlen(p->name);
    char *k = otlpd_arena_alloc(p->arena, a + b + 2);
    if (!k) return -ENOMEM;
    memcpy(k, p->ns, a);
    k[a] = '/';
    memcpy(k + a + 1, p->name, b + 1);
    p->nskey = k;
  }
  if (d->nips) {
    p->ips = otlpd_arena_alloc(p->arena, d->nips * sizeof(*p->ips));
    if (!p->ips) return -ENOMEM;
    for (size_t i = 0; i < d->nips; i++)
      if (d->ips[i]) p->ips[p->nips++] = d->ips[i];
  }
  if ((m & (KM_IMAGE_NAME | KM_IMAGE_TAG)) && d->ncont) {
    p->containers = otlpd_arena_alloc(p->arena, d->ncont * sizeof(*p->containers));
    if (!p->containers) return -ENOMEM;
    for (size_t i = 0; i < d->ncont; i++) {
      p->containers[i] = d->cont[i];
      split_image(p->arena, &p->containers[i]);
    }
    p->ncontainers = d->ncont;
  }
  return 0;
}

k8sattr_pod *k8sattr_pod_parse(k8sattr_json *j, const k8sattr_rules *r, int *err) {
  draft d = {0};
  k8sattr_pod *p = calloc(1, sizeof(*p));
  if (!p || !(p->arena = otlpd_arena_new(2048))) {
    free(p);
    *err = -ENOMEM;
    return NULL;
  }
  d.p = p;
  k8sattr_jtok t;
  k8sattr_jtype ty = KJ_ERROR;
  int rc = 0;
  while (rc == 0 && (ty = k8sattr_json_next(j, &t)) == KJ_KEY) rc = pod_member(j, &d, r, &t);
  if (rc == 0 && ty != KJ_OBJ_END) rc = -EBADMSG;
  if (rc == 0 && p->uid && !*p->uid) p->uid = NULL;
  if (rc == 0) rc = finish(&d, r);
  free(d.extra);
  if (rc) {
    k8sattr_pod_free(p);
    *err = rc;
    return NULL;
  }
  return p;
}

void k8sattr_pod_free(k8sattr_pod *p) {
  if (!p) return;
  k8sattr_pod_unlink(p);
  otlpd_arena_free(p->arena);
  free(p);
}
