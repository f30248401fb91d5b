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
  char *from;  /* pod (default) | namespace */
} k8sattr_rule_cfg;

typedef struct k8sattr_extract_cfg {
  otlpd_strings metadata;
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
};

typedef struct k8sattr_rule {
  const char *tag_name;  /* NULL: k8s.pod.labels.<key> / k8s.pod.annotations.<key> */
  const char *key;       /* exact key, or NULL with re */
  pcre2_code *re;        /* key_regex, anchored */
  bool annotation;
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
} k8sattr_rules;

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
  bool host_network;  /* shares the node's IP: never found by IP */
  bool finished;      /* phase Succeeded or Failed: its IP is free again */
  k8sattr_attr *attrs; /* what a match adds, in order */
  size_t nattrs;
  size_t attr_bytes;   /* sum of key and value lengths */
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
  const char *key; /* points into the pod */
  uint32_t klen;
  uint64_t hash;
  k8sattr_pod *pod;
} k8sattr_map_ent;

/* Open-addressing map from a string to a pod (backward-shift deletion,
 * no tombstones). */
typedef struct k8sattr_map {
  k8sattr_map_ent *v;
  size_t cap, n; /* cap a power of two */
} k8sattr_map;

typedef struct k8sattr_table {
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

/* ---- the API watch (k8sattr_watch.c, k8sattr_stream.c) ---- */

/* Apply one watch event line ({"type":..,"object":..}) to the table.
 * Returns 0, K8SATTR_EV_GONE (410: relist), or -EBADMSG / -ENOMEM.
 * *rv receives the event's resourceVersion (malloc'd) when it has one. */
#define K8SATTR_EV_GONE 1
int k8sattr_apply_event(k8sattr_table *t, const k8sattr_rules *r, struct k8sattr_json *j,
                        const char *line, size_t len, char **rv);
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
                                 k8sattr_table *t, int *err);
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
