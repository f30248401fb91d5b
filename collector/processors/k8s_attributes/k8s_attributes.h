/* k8s_attributes processor: tags each resource with the metadata of the
 * Kubernetes pod it came from (otelcol-contrib's k8sattributes), for the
 * DaemonSet case. A watcher (k8sattr_watch.c) keeps a table of pods
 * (k8sattr_table.c) current through the API server's list + watch; the
 * processor looks each resource's pod up by IP, UID or name and adds the
 * pod's precomputed attributes. Everything runs on the loop thread: the
 * watcher's HTTP callbacks and the processor both touch the table there,
 * so it has no lock. See README.md. */
#ifndef K8S_ATTRIBUTES_H
#define K8S_ATTRIBUTES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/component.h"

/* ---- configuration (otelcol's keys) ---- */

typedef struct k8sattr_selector_cfg { /* filter::fields / filter::labels item */
  char *key;
  char *value;
  char *op; /* equals (default), not-equals; labels also exists, does-not-exist */
} k8sattr_selector_cfg;

typedef struct k8sattr_filter_cfg {
  char *node;
  char *node_from_env_var;
  char *namespace_;
  otlpd_sections fields; /* k8sattr_selector_cfg */
  otlpd_sections labels; /* k8sattr_selector_cfg */
} k8sattr_filter_cfg;

typedef struct k8sattr_rule_cfg { /* extract::labels / annotations item */
  char *tag_name;
  char *key;
  char *key_regex;
  char *regex; /* removed from otelcol: a config error naming key_regex */
  char *from;  /* pod (default) | namespace | node */
} k8sattr_rule_cfg;

typedef struct k8sattr_extract_cfg {
  otlpd_strings metadata;
  bool deployment_name_from_replicaset; /* trim the ReplicaSet's name instead of watching ReplicaSets */
  otlpd_sections labels;      /* k8sattr_rule_cfg */
  otlpd_sections annotations; /* k8sattr_rule_cfg */
} k8sattr_extract_cfg;

typedef struct k8sattr_source_cfg {
  char *from; /* resource_attribute | connection */
  char *name;
} k8sattr_source_cfg;

typedef struct k8sattr_assoc_cfg {
  otlpd_sections sources; /* k8sattr_source_cfg */
} k8sattr_assoc_cfg;

typedef struct k8sattr_cfg {
  char *auth_type;
  bool passthrough;
  k8sattr_filter_cfg filter;
  k8sattr_extract_cfg extract;
  otlpd_sections pod_association; /* k8sattr_assoc_cfg */
  bool wait_for_metadata;
  int64_t wait_for_metadata_timeout; /* ns */
} k8sattr_cfg;

extern const otlpd_setting k8sattr_settings[];
int k8sattr_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* ---- what the config compiles to (k8sattr_rules.c) ---- */

/* Metadata a pod yields, as bits of k8sattr_rules.metadata. */
enum {
  KM_NAMESPACE = 1u << 0,   /* k8s.namespace.name */
  KM_POD_NAME = 1u << 1,    /* k8s.pod.name */
  KM_POD_UID = 1u << 2,     /* k8s.pod.uid */
  KM_START_TIME = 1u << 3,  /* k8s.pod.start_time */
  KM_DEPLOYMENT = 1u << 4,  /* k8s.deployment.name */
  KM_NODE = 1u << 5,        /* k8s.node.name */
  KM_REPLICASET = 1u << 6,  /* k8s.replicaset.name */
  KM_POD_IP = 1u << 7,      /* k8s.pod.ip */
  KM_HOSTNAME = 1u << 8,    /* k8s.pod.hostname */
  KM_DAEMONSET = 1u << 9,   /* k8s.daemonset.name */
  KM_STATEFULSET = 1u << 10, /* k8s.statefulset.name */
  KM_JOB = 1u << 11,        /* k8s.job.name */
  KM_CRONJOB = 1u << 12,    /* k8s.cronjob.name (from the job's name) */
  KM_CONTAINER_NAME = 1u << 13, /* k8s.container.name (single-container pods) */
  KM_IMAGE_NAME = 1u << 14, /* container.image.name (by k8s.container.name) */
  KM_IMAGE_TAG = 1u << 15,  /* container.image.tag (by k8s.container.name) */
  KM_REPLICASET_UID = 1u << 16, /* k8s.replicaset.uid (the pod's owner reference) */
  KM_DEPLOYMENT_UID = 1u << 17, /* k8s.deployment.uid (from the ReplicaSet) */
};

/* The API resources the processor reads. Pods are the table's own;
 * the others are small side tables (k8sattr_objs.c) whose data is linked
 * into each pod's attributes when either side changes. */
typedef enum { KR_POD, KR_REPLICASET, KR_NAMESPACE, KR_NODE, KR_NKINDS } k8sattr_kind;

/* Which side tables a pod's attributes draw on (k8sattr_pod.link). */
enum {
  KL_DEPLOYMENT = 1u << 0,     /* k8s.deployment.name from the ReplicaSet's owner */
  KL_DEPLOYMENT_UID = 1u << 1, /* k8s.deployment.uid likewise */
  KL_NAMESPACE = 1u << 2,      /* from: namespace rules */
  KL_NODE = 1u << 3,           /* from: node rules */
};

typedef struct k8sattr_rule {
  const char *tag_name;  /* NULL: k8s.pod.labels.<key> / k8s.pod.annotations.<key> */
  const char *key;       /* exact key, or NULL with re */
  pcre2_code *re;        /* key_regex, anchored */
  bool annotation;
  k8sattr_kind from;     /* KR_POD, KR_NAMESPACE or KR_NODE */
} k8sattr_rule;

typedef enum { KS_CONNECTION, KS_POD_IP, KS_POD_UID, KS_POD_NAME, KS_NAMESPACE } k8sattr_src_kind;

typedef struct k8sattr_source {
  k8sattr_src_kind kind;
  const char *attr; /* resource attribute read (KS_POD_IP may be k8s.pod.ip, host.name, ip, ...) */
} k8sattr_source;

#define K8SATTR_MAX_SOURCES 4
typedef struct k8sattr_assoc {
  k8sattr_source src[K8SATTR_MAX_SOURCES];
  size_t n;
} k8sattr_assoc;

typedef struct k8sattr_rules {
  unsigned metadata;
  k8sattr_rule *rules;
  size_t nrules;
  k8sattr_assoc *assoc;
  size_t nassoc;
  bool default_assoc; /* none configured: k8s.pod.ip, ip, connection, host.name (as otelcol) */
  bool passthrough;
  bool deployment_from_name; /* extract::deployment_name_from_replicaset */
  unsigned link;             /* KL_*: what pods take from the side tables */
} k8sattr_rules;

/* Whether the processor must list + watch this kind (pods always). */
bool k8sattr_rules_need(const k8sattr_rules *r, k8sattr_kind kind);
/* Run the label (or annotation) rules of objects of kind `from` on one
 * key/value; put() receives each attribute a rule yields (tag, value).
 * 0, or put()'s error. */
typedef int (*k8sattr_put_fn)(void *ctx, const char *k, size_t klen, const char *v, size_t vlen);
int k8sattr_rules_extract(const k8sattr_rules *r, k8sattr_kind from, bool annotation, const char *key, size_t klen,
                          const char *val, size_t vlen, k8sattr_put_fn put, void *ctx);

/* KM_* bit of an extract::metadata name; 0 when not supported. */
unsigned k8sattr_metadata_bit(const char *name);
/* From a validated config. 0 or -ENOMEM / -EINVAL (bad regex). */
int k8sattr_rules_build(const k8sattr_cfg *c, k8sattr_rules *out);
void k8sattr_rules_free(k8sattr_rules *r);

/* ---- pods (k8sattr_pod.c, k8sattr_table.c) ---- */

typedef struct k8sattr_attr {
  const char *key, *value;
  uint32_t klen, vlen;
} k8sattr_attr;

typedef struct k8sattr_container {
  const char *name, *image_name, *image_tag;
} k8sattr_container;

/* One pod as the table keeps it: everything in its own arena. */
typedef struct k8sattr_pod {
  otlpd_arena *arena;
  const char *uid, *name, *ns, *ip;
  const char **ips; /* status.podIPs */
  size_t nips;
  const char *nskey;  /* "namespace/name" */
  const char *node;   /* spec.nodeName */
  const char *rs_uid; /* the owning ReplicaSet's uid */
  unsigned link;      /* KL_*: side-table data its attributes take */
  bool host_network;  /* shares the node's IP: never found by IP */
  bool finished;      /* phase Succeeded or Failed: its IP is free again */
  k8sattr_attr *own;   /* what the pod itself yields (in the arena) */
  size_t nown;
  k8sattr_attr *attrs; /* what a match adds, in order: own, then the side tables' (linked) */
  size_t nattrs;
  size_t attr_bytes;   /* sum of key and value lengths */
  size_t attrs_alloc;  /* bytes of attrs when malloc'd (linked), else 0 (attrs == own) */
  k8sattr_container *containers;
  size_t ncontainers;
  uint64_t seen;       /* table generation that last saw it (relist) */
  size_t charged;      /* bytes charged to the table's memacct for it */
  const char *rv;      /* metadata.resourceVersion */
  int status_code;     /* a Status object's "code" (watch ERROR events) */
} k8sattr_pod;

/* Parse one pod object whose '{' the tokenizer just returned. NULL with
 * *err set on malformed JSON (-EBADMSG) or ENOMEM. Any object parses (a
 * bookmark, a Status): uid is NULL when it is not a pod. */
struct k8sattr_json;
k8sattr_pod *k8sattr_pod_parse(struct k8sattr_json *j, const k8sattr_rules *r, int *err);
void k8sattr_pod_free(k8sattr_pod *p);
/* The deployment a ReplicaSet name belongs to: the name without its
 * "-<pod-template-hash>" suffix (hash may be NULL: strip the last
 * alphanumeric "-segment"). Length in *n; 0 when it is not one. */
size_t k8sattr_deployment_of(const char *rs, const char *hash);

typedef struct k8sattr_map_ent {
  const char *key; /* points into the value */
  uint32_t klen;
  uint64_t hash; /* 0: empty slot */
  void *val;     /* a k8sattr_pod (pod indexes) or a k8sattr_obj (side tables) */
} k8sattr_map_ent;

/* Open-addressing map from a string to a pod or an object (k8sattr_map.c). */
typedef struct k8sattr_map {
  k8sattr_map_ent *v;
  size_t cap, n; /* cap a power of two */
} k8sattr_map;

/* A ReplicaSet, Namespace or Node as a side table keeps it: only what
 * pods take from it, in its own arena. */
typedef struct k8sattr_obj {
  otlpd_arena *arena;
  const char *key;                      /* ReplicaSet: uid; Namespace, Node: name */
  const char *deploy_name, *deploy_uid; /* ReplicaSet: its Deployment owner's */
  k8sattr_attr *attrs;                  /* Namespace, Node: what the from: rules yield */
  size_t nattrs;
  uint64_t seen;   /* side table generation that last saw it (relist) */
  size_t charged;  /* bytes charged to the table's memacct for it */
  const char *rv;  /* metadata.resourceVersion */
  int status_code; /* a Status object's "code" (watch ERROR events) */
} k8sattr_obj;

/* Parse one object of kind (not KR_POD) whose '{' the tokenizer just
 * returned; key is NULL when it is not one (a bookmark, a Status). NULL
 * with *err set on malformed JSON (-EBADMSG) or ENOMEM. */
k8sattr_obj *k8sattr_obj_parse(struct k8sattr_json *j, const k8sattr_rules *r, k8sattr_kind kind, int *err);
void k8sattr_obj_free(k8sattr_obj *o);

/* A side table: objects by key, owning them. */
typedef struct k8sattr_omap {
  k8sattr_map map;
  uint64_t gen;
  bool listing; /* between a list's first and last page: new objects link pods at its end */
} k8sattr_omap;

typedef struct k8sattr_table {
  k8sattr_omap objs[KR_NKINDS]; /* side tables by kind (objs[KR_POD] unused) */
  k8sattr_map by_uid; /* owns the pods */
  k8sattr_map by_ip;
  k8sattr_map by_name; /* "namespace/name" */
  uint64_t gen;
  size_t npods;
  otlpd_memacct *mem; /* the daemon's accounting (host->mem), or NULL */
  size_t charged;     /* bytes charged to mem: pods and map arrays */
} k8sattr_table;

/* mem: where the table's bytes (each pod's arena, the maps' arrays) are
 * charged while held, as memory_limiter counts them; may be NULL. */
void k8sattr_table_init(k8sattr_table *t, otlpd_memacct *mem);
void k8sattr_table_free(k8sattr_table *t);
/* Takes p (replacing the pod of the same uid). 0 or -ENOMEM (p freed). */
int k8sattr_table_upsert(k8sattr_table *t, k8sattr_pod *p);
void k8sattr_table_delete(k8sattr_table *t, const char *uid, size_t len);
/* Relist: begin() a new generation, upsert what the list holds, end()
 * drops every pod the list did not have. */
void k8sattr_table_begin(k8sattr_table *t);
void k8sattr_table_end(k8sattr_table *t);
const k8sattr_pod *k8sattr_table_by_ip(const k8sattr_table *t, const char *ip, size_t len);
const k8sattr_pod *k8sattr_table_by_uid(const k8sattr_table *t, const char *uid, size_t len);
const k8sattr_pod *k8sattr_table_by_name(const k8sattr_table *t, const char *ns, size_t nslen,
                                         const char *name, size_t namelen);

/* Side tables (k8sattr_objs.c). Every change that alters what pods take
 * from an object re-links the pods that refer to it (their attrs are
 * rebuilt, on the loop); an object that comes again unchanged (a
 * ReplicaSet's status update) touches no pod. */
int k8sattr_table_obj_upsert(k8sattr_table *t, k8sattr_kind kind, k8sattr_obj *o); /* takes o; 0 or -ENOMEM */
void k8sattr_table_obj_delete(k8sattr_table *t, k8sattr_kind kind, const char *key, size_t len);
void k8sattr_table_obj_begin(k8sattr_table *t, k8sattr_kind kind);
void k8sattr_table_obj_end(k8sattr_table *t, k8sattr_kind kind);
const k8sattr_obj *k8sattr_table_obj(const k8sattr_table *t, k8sattr_kind kind, const char *key, size_t len);
void k8sattr_table_objs_free(k8sattr_table *t);
/* Rebuild p->attrs: its own, then what the side tables give (keys it
 * already has skipped). On ENOMEM it keeps only its own. Charges the
 * difference. Used by the table on upsert. */
void k8sattr_pod_link(k8sattr_table *t, k8sattr_pod *p);
void k8sattr_pod_unlink(k8sattr_pod *p);
uint64_t k8sattr_hash(const char *s, size_t n); /* FNV-1a, never 0 */
k8sattr_map_ent *k8sattr_map_find(const k8sattr_map *m, const char *k, size_t n);
/* Set k -> val, replacing what k held; the array starts at first slots. */
int k8sattr_map_put(k8sattr_table *t, k8sattr_map *m, const char *k, size_t n, void *val, size_t first);
void k8sattr_map_remove(k8sattr_map *m, k8sattr_map_ent *e);
/* Table-internal accounting, shared by k8sattr_table.c and k8sattr_objs.c. */
void k8sattr_table_charge(k8sattr_table *t, size_t n);
void k8sattr_table_release(k8sattr_table *t, size_t n);

/* ---- the API watch (k8sattr_watch.c, k8sattr_stream.c) ---- */

/* Apply one watch event line ({"type":..,"object":..}) to the table.
 * Returns 0, K8SATTR_EV_GONE (410: relist), or -EBADMSG / -ENOMEM.
 * *rv receives the event's resourceVersion (malloc'd) when it has one. */
#define K8SATTR_EV_GONE 1
int k8sattr_apply_event(k8sattr_table *t, const k8sattr_rules *r, struct k8sattr_json *j,
                        const char *line, size_t len, char **rv);
/* The same for any kind (KR_POD: the two above). */
int k8sattr_apply_kind_event(k8sattr_table *t, const k8sattr_rules *r, k8sattr_kind kind, struct k8sattr_json *j,
                             const char *line, size_t len, char **rv);
int k8sattr_apply_kind_list_page(k8sattr_table *t, const k8sattr_rules *r, k8sattr_kind kind,
                                 struct k8sattr_json *j, const char *body, size_t len, bool first, char **rv,
                                 char **cont);
/* Replace the table with a PodList body; *rv gets its resourceVersion. */
int k8sattr_apply_list(k8sattr_table *t, const k8sattr_rules *r, struct k8sattr_json *j,
                       const char *body, size_t len, char **rv);
/* One page of a paginated list (`limit` / `continue`): first starts a new
 * generation, every page adds its pods, and the page whose
 * metadata.continue is empty drops the pods no page had. *cont (NULL
 * before the call) receives the next page's token (malloc'd), or stays
 * NULL on the last page and on errors. */
int k8sattr_apply_list_page(k8sattr_table *t, const k8sattr_rules *r, struct k8sattr_json *j,
                            const char *body, size_t len, bool first, char **rv, char **cont);

typedef struct k8sattr_watch k8sattr_watch;
/* Where the API is and what to ask: from the config and the environment
 * (KUBERNETES_SERVICE_HOST/PORT, the service account's files). */
k8sattr_watch *k8sattr_watch_new(const otlpd_host *h, const k8sattr_cfg *c, const k8sattr_rules *r,
                                 k8sattr_table *t, k8sattr_kind kind, int *err);
int k8sattr_watch_start(k8sattr_watch *w);
/* true once the first list was applied. */
bool k8sattr_watch_synced(const k8sattr_watch *w);
/* Stop; closed(arg) once no handle is left. */
void k8sattr_watch_stop(k8sattr_watch *w, void (*closed)(void *), void *arg);
void k8sattr_watch_free(k8sattr_watch *w);

/* ---- association and the edit (k8sattr_assoc.c) ---- */

/* The pod a resource's attributes (and its client's address) point to,
 * or NULL. *conn_ip is set to the connection address when an association
 * used it (otelcol then adds k8s.pod.ip). */
const k8sattr_pod *k8sattr_associate(const k8sattr_rules *r, const k8sattr_table *t,
                                     size_t nkv, otlp_key_value *const *kv, const char *client_addr,
                                     const char **conn_ip);
/* Would adding the pod's attributes (and k8s.pod.ip = conn_ip) change kv? */
bool k8sattr_would_add(const k8sattr_pod *p, const char *conn_ip, size_t nkv,
                       otlp_key_value *const *kv);
/* Add what kv lacks, all in one allocation of entry i. 0 or -ENOMEM. */
int k8sattr_add_attrs(otlpd_batch *b, size_t i, const k8sattr_pod *p, const char *conn_ip,
                      size_t *nkv, otlp_key_value ***kv);

#endif
