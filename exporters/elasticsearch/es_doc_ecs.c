/* mapping::mode ecs: Elastic Common Schema documents as otelcol-contrib's
 * elasticsearchexporter writes them. Resource attributes are renamed by
 * contrib's conversion table (host.name -> host.hostname, k8s.* ->
 * kubernetes.*, telemetry.sdk.* dropped, ...), scope and record
 * attributes kept at the top level under their own names (a few record
 * ones renamed), then the ECS fields: @timestamp (RFC 3339), message,
 * log.level, event.severity, trace.id, span.id, agent.*, host.os.type;
 * spans: span.name, span.kind, parent.id, event.outcome, span.links.
 *
 * contrib builds a document of dotted keys, lets the last of two equal
 * keys win and writes it nested (dedotted). The same here without a DOM:
 * the fields are collected as (key, value reference) in a fixed array in
 * contrib's order, sorted by key (later one first among equals), and
 * written nested: keys sharing a dotted prefix are contiguous once
 * sorted, so each prefix opens one object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_doc.h"
#include "otlpd/json_write.h"

/* A document's fields beyond this are left out (a record with more than
 * ~500 attributes); the bound keeps the work per document on the stack. */
#define ECS_MAX_FIELDS 512
#define ECS_MAX_DEPTH 16

enum { F_ANY, F_STR, F_INT, F_TS, F_HEX, F_LINKS, F_METRIC };

typedef struct ecs_field {
  const char *key;
  int kind;
  int seq;
  union {
    const otlp_any_value *any;
    const char *str;
    int64_t i;
    uint64_t ts;
    ProtobufCBinaryData id;
    const otlp_span *links;
  } u;
} ecs_field;

typedef struct ecs_doc {
  ecs_field f[ECS_MAX_FIELDS];
  int n;
  const es_ecs_metrics *metrics; /* F_METRIC fields: u.i indexes its values */
} ecs_doc;

static ecs_field *add(ecs_doc *d, const char *key, int kind) {
  if (d->n == ECS_MAX_FIELDS) return NULL;
  ecs_field *f = &d->f[d->n];
  f->key = key;
  f->kind = kind;
  f->seq = d->n++;
  return f;
}

static void add_any(ecs_doc *d, const char *key, const otlp_any_value *v) {
  ecs_field *f = add(d, key, F_ANY);
  if (f) f->u.any = v;
}

static void add_str(ecs_doc *d, const char *key, const char *s) {
  if (!s || !*s) return; /* contrib's AddString leaves out empty strings */
  ecs_field *f = add(d, key, F_STR);
  if (f) f->u.str = s;
}

static void add_id(ecs_doc *d, const char *key, ProtobufCBinaryData id) {
  bool zero = true;
  for (size_t i = 0; i < id.len; i++) zero = zero && id.data[i] == 0;
  if (zero) return;
  ecs_field *f = add(d, key, F_HEX);
  if (f) f->u.id = id;
}

/* ---- attribute conversion (contrib's conversion maps) ---- */

enum { C_PRESERVE = 1, C_SKIP = 2, C_SKIP_IF_EXISTS = 4 };

typedef struct ecs_conv {
  const char *from, *to;
  int flags;
} ecs_conv;

static const ecs_conv resource_conv[] = {
    {"service.instance.id", "service.node.name", 0},
    {"deployment.environment", "service.environment", 0},
    {"deployment.environment.name", "service.environment", 0},
    {"telemetry.sdk.name", NULL, C_SKIP},
    {"telemetry.sdk.language", NULL, C_SKIP},
    {"telemetry.sdk.version", NULL, C_SKIP},
    {"telemetry.distro.name", NULL, C_SKIP},
    {"telemetry.distro.version", NULL, C_SKIP},
    {"cloud.platform", "cloud.service.name", 0},
    {"container.image.tags", "container.image.tag", 0},
    {"host.name", "host.hostname", C_PRESERVE | C_SKIP_IF_EXISTS},
    {"host.arch", "host.architecture", 0},
    {"process.parent_pid", "process.parent.pid", 0},
    {"process.executable.name", "process.title", 0},
    {"process.executable.path", "process.executable", 0},
    {"process.command_line", "process.args", 0},
    {"process.runtime.name", "service.runtime.name", 0},
    {"process.runtime.version", "service.runtime.version", 0},
    {"os.name", "host.os.name", 0},
    {"os.type", "host.os.platform", 0},
    {"os.description", "host.os.full", 0},
    {"os.version", "host.os.version", 0},
    {"client.address", "client.ip", 0},
    {"source.address", "source.ip", 0},
    {"k8s.deployment.name", "kubernetes.deployment.name", 0},
    {"k8s.namespace.name", "kubernetes.namespace", 0},
    {"k8s.node.name", "kubernetes.node.name", 0},
    {"k8s.pod.name", "kubernetes.pod.name", 0},
    {"k8s.pod.uid", "kubernetes.pod.uid", 0},
    {"k8s.job.name", "kubernetes.job.name", 0},
    {"k8s.cronjob.name", "kubernetes.cronjob.name", 0},
    {"k8s.statefulset.name", "kubernetes.statefulset.name", 0},
    {"k8s.replicaset.name", "kubernetes.replicaset.name", 0},
    {"k8s.daemonset.name", "kubernetes.daemonset.name", 0},
    {"k8s.container.name", "kubernetes.container.name", 0},
    {"k8s.cluster.name", "orchestrator.cluster.name", 0},
    {"faas.instance", "faas.id", 0},
    {"faas.trigger", "faas.trigger.type", 0},
    {NULL, NULL, 0},
};

static const ecs_conv log_conv[] = {
    {"event.name", "event.action", 0},
    {"exception.message", "error.message", 0},
    {"exception.stacktrace", "error.stacktrace", 0},
    {"exception.type", "error.type", 0},
    {"exception.escaped", "event.error.exception.handled", 0},
    {"http.response.body.size", "http.response.encoded_body_size", 0},
    {NULL, NULL, 0},
};

/* messaging.destination.name's target depends on processor.event; the
 * caller fills entry 0. */
#define SPAN_CONV_INIT                                                     \
  {                                                                        \
    {"messaging.destination.name", "span.message.queue.name", 0},          \
    {"messaging.operation.name", "span.action", 0},                        \
    {"db.system", "span.db.type", 0},                                      \
    {"db.namespace", "span.db.instance", 0},                               \
    {"db.query.text", "span.db.statement", 0},                             \
    {"http.response.body.size", "http.response.encoded_body_size", 0},     \
    {NULL, NULL, 0},                                                       \
  }

static const otlp_any_value *attr(otlp_key_value *const *kv, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (kv[i] && kv[i]->key && strcmp(kv[i]->key, key) == 0) return kv[i]->value;
  return NULL;
}

static const char *attr_str(otlp_key_value *const *kv, size_t n, const char *key) {
  const otlp_any_value *v = attr(kv, n, key);
  return v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
             ? v->string_value
             : NULL;
}

static void add_attrs(ecs_doc *d, otlp_key_value *const *kv, size_t n, const ecs_conv *conv) {
  for (size_t i = 0; i < n; i++) {
    if (!kv[i] || !kv[i]->key) continue;
    const char *k = kv[i]->key;
    if (es_routing_attr(k)) continue; /* data_stream.* is written from the route */
    const ecs_conv *c = conv;
    while (c && c->from && strcmp(c->from, k) != 0) c++;
    if (!c || !c->from) {
      add_any(d, k, kv[i]->value);
      continue;
    }
    if (c->flags & C_SKIP) continue;
    if (!(c->flags & C_SKIP_IF_EXISTS) || !attr(kv, n, c->to)) add_any(d, c->to, kv[i]->value);
    if (c->flags & C_PRESERVE) add_any(d, k, kv[i]->value);
  }
}

static void add_common(ecs_doc *d, const es_doc_ctx *c) {
  if (c->resource) add_attrs(d, c->resource->attributes, c->resource->n_attributes, resource_conv);
  if (c->scope) add_attrs(d, c->scope->attributes, c->scope->n_attributes, NULL);
}

static void add_data_stream(ecs_doc *d, const es_index *idx) {
  if (!idx || !idx->data_stream) return;
  add_str(d, "data_stream.type", idx->type);
  add_str(d, "data_stream.dataset", idx->dataset);
  add_str(d, "data_stream.namespace", idx->ns);
}

/* ECS os.type takes linux, macos, unix, windows (and android, ios). */
static void add_host_os_type(ecs_doc *d, const otlp_resource *r) {
  if (!r) return;
  const char *t = attr_str(r->attributes, r->n_attributes, "os.type");
  const char *name = attr_str(r->attributes, r->n_attributes, "os.name");
  const char *out = NULL;
  if (t && (strcmp(t, "windows") == 0 || strcmp(t, "linux") == 0)) out = t;
  else if (t && strcmp(t, "darwin") == 0) out = "macos";
  else if (t && (strcmp(t, "aix") == 0 || strcmp(t, "hpux") == 0 || strcmp(t, "solaris") == 0)) out = "unix";
  if (name && strcmp(name, "Android") == 0) out = "android";
  else if (name && strcmp(name, "iOS") == 0) out = "ios";
  add_str(d, "host.os.type", out);
}

/* agent.name: <sdk name or "otlp">[/<language>[/<distro>]]; an agent.name
 * resource attribute stays as it is. Written into name (cap bytes). */
static void add_agent(ecs_doc *d, const otlp_resource *r, char *name, size_t cap) {
  otlp_key_value *const *kv = r ? r->attributes : NULL;
  size_t n = r ? r->n_attributes : 0;
  if (!attr(kv, n, "agent.name")) {
    const char *sdk = attr_str(kv, n, "telemetry.sdk.name");
    const char *lang = attr_str(kv, n, "telemetry.sdk.language");
    const char *distro = attr_str(kv, n, "telemetry.distro.name");
    if (distro && (!lang || !*lang)) lang = "unknown";
    if (distro && *distro) snprintf(name, cap, "%s/%s/%s", sdk ? sdk : "otlp", lang, distro);
    else if (lang && *lang) snprintf(name, cap, "%s/%s", sdk ? sdk : "otlp", lang);
    else snprintf(name, cap, "%s", sdk ? sdk : "otlp");
    add_str(d, "agent.name", name);
  }
  if (attr(kv, n, "agent.version")) return;
  const char *v = attr_str(kv, n, "telemetry.distro.version");
  add_str(d, "agent.version", v ? v : attr_str(kv, n, "telemetry.sdk.version"));
}

/* ---- writing: sorted, last of equal keys, nested ---- */

static int by_key_then_later(const void *a, const void *b) {
  const ecs_field *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : y->seq - x->seq;
}

typedef struct seg {
  const char *p;
  size_t n;
} seg;

static int split(const char *key, seg *out) {
  int n = 0;
  const char *p = key;
  for (;;) {
    const char *dot = strchr(p, '.');
    /* a leading, trailing or doubled dot stays part of the segment */
    if (!dot || n == ECS_MAX_DEPTH - 1 || dot == p || dot[1] == 0 || dot[1] == '.') {
      out[n++] = (seg){p, strlen(p)};
      return n;
    }
    out[n++] = (seg){p, (size_t)(dot - p)};
    p = dot + 1;
  }
}

static int seg_key(otlpd_buf *b, bool *first, seg s) {
  if (!*first) ES_TRY(es_lit(b, ","));
  *first = false;
  ES_TRY(es_lit(b, "\""));
  ES_TRY(otlpd_json_escaped(b, s.p, s.n));
  return es_lit(b, "\":");
}

static int links(otlpd_buf *b, const otlp_span *s) {
  ES_TRY(es_lit(b, "["));
  bool first = true;
  for (size_t i = 0; i < s->n_links; i++) {
    const otlp_span_link *l = s->links[i];
    if (!l) continue;
    ES_TRY(es_lit(b, first ? "{\"span\":{\"id\":" : ",{\"span\":{\"id\":"));
    first = false;
    ES_TRY(es_hex(b, l->span_id.data, l->span_id.len));
    ES_TRY(es_lit(b, "},\"trace\":{\"id\":"));
    ES_TRY(es_hex(b, l->trace_id.data, l->trace_id.len));
    ES_TRY(es_lit(b, "}}"));
  }
  return es_lit(b, "]");
}

static int value(otlpd_buf *b, const ecs_doc *d, const ecs_field *f) {
  switch (f->kind) {
  case F_METRIC: return d->metrics->value(b, d->metrics->arg, (size_t)f->u.i);
  case F_ANY: return es_value(b, f->u.any);
  case F_STR: return otlpd_json_str(b, f->u.str);
  case F_INT: return otlpd_json_i64(b, f->u.i, 0);
  case F_TS: return es_ts_rfc3339(b, f->u.ts);
  case F_HEX: return es_hex(b, f->u.id.data, f->u.id.len);
  default: return links(b, f->u.links);
  }
}

static bool seg_eq(seg a, seg b) { return a.n == b.n && memcmp(a.p, b.p, a.n) == 0; }

static int write_doc(otlpd_buf *b, ecs_doc *d) {
  qsort(d->f, (size_t)d->n, sizeof(d->f[0]), by_key_then_later);
  seg open[ECS_MAX_DEPTH], parts[ECS_MAX_DEPTH];
  bool first[ECS_MAX_DEPTH + 1];
  int depth = 0;
  first[0] = true;
  ES_TRY(es_lit(b, "{"));
  for (int i = 0; i < d->n; i++) {
    if (i && strcmp(d->f[i].key, d->f[i - 1].key) == 0) continue; /* the later one was written */
    int np = split(d->f[i].key, parts), common = 0;
    while (common < depth && common < np - 1 && seg_eq(open[common], parts[common])) common++;
    for (; depth > common; depth--) ES_TRY(es_lit(b, "}"));
    for (; depth < np - 1; depth++) {
      ES_TRY(seg_key(b, &first[depth], parts[depth]));
      ES_TRY(es_lit(b, "{"));
      open[depth] = parts[depth];
      first[depth + 1] = true;
    }
    ES_TRY(seg_key(b, &first[depth], parts[np - 1]));
    ES_TRY(value(b, d, &d->f[i]));
  }
  for (; depth > 0; depth--) ES_TRY(es_lit(b, "}"));
  return es_lit(b, "}");
}

int es_doc_ecs_log(otlpd_buf *b, const es_doc_ctx *c, const otlp_log_record *lr) {
  ecs_doc d;
  char agent[256];
  d.n = 0;
  d.metrics = NULL;
  add_common(&d, c);
  add_attrs(&d, lr->attributes, lr->n_attributes, log_conv);
  add_data_stream(&d, c->idx);
  add_agent(&d, c->resource, agent, sizeof(agent));
  add_host_os_type(&d, c->resource);
  ecs_field *f = add(&d, "@timestamp", F_TS);
  if (f) f->u.ts = lr->time_unix_nano ? lr->time_unix_nano : lr->observed_time_unix_nano;
  add_id(&d, "trace.id", lr->trace_id);
  add_id(&d, "span.id", lr->span_id);
  if (lr->severity_number && (f = add(&d, "event.severity", F_INT))) f->u.i = lr->severity_number;
  add_str(&d, "log.level", lr->severity_text);
  if (lr->body && lr->body->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
    add_any(&d, "message", lr->body);
  return write_doc(b, &d);
}

static const char *span_kind(int k) {
  static const char *const names[] = {NULL, "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
  return k >= 1 && k <= 5 ? names[k] : NULL;
}

int es_doc_ecs_span(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s) {
  ecs_doc d;
  ecs_conv conv[] = SPAN_CONV_INIT;
  const char *proc = attr_str(s->attributes, s->n_attributes, "processor.event");
  if (proc && strcmp(proc, "transaction") == 0) conv[0].to = "transaction.message.queue.name";
  d.n = 0;
  d.metrics = NULL;
  add_common(&d, c);
  add_attrs(&d, s->attributes, s->n_attributes, conv);
  add_host_os_type(&d, c->resource);
  add_data_stream(&d, c->idx);
  ecs_field *f = add(&d, "@timestamp", F_TS);
  if (f) f->u.ts = s->start_time_unix_nano;
  add_id(&d, "trace.id", s->trace_id);
  add_id(&d, "span.id", s->span_id);
  add_str(&d, "span.name", s->name);
  add_id(&d, "parent.id", s->parent_span_id);
  int code = s->status ? (int)s->status->code : 0;
  add_str(&d, "event.outcome", code == 1 ? "success" : code == 2 ? "failure" : NULL);
  if (s->n_links && (f = add(&d, "span.links", F_LINKS))) f->u.links = s;
  add_str(&d, "span.kind", span_kind(s->kind));
  return write_doc(b, &d);
}

/* contrib's order: resource (converted; no agent.* or host.os.type for
 * metrics), scope, @timestamp, the data points' attributes, each metric
 * under its own (dotted, so nested) name, data_stream.*; the later of
 * two equal keys wins. */
int es_doc_ecs_metrics(otlpd_buf *b, const es_doc_ctx *c, const es_ecs_metrics *m) {
  ecs_doc d;
  d.n = 0;
  d.metrics = m;
  add_common(&d, c);
  ecs_field *f = add(&d, "@timestamp", F_TS);
  if (f) f->u.ts = m->ts;
  add_attrs(&d, m->attrs, m->n_attrs, NULL);
  for (size_t i = 0; i < m->n; i++) {
    const char *name = m->name(m->arg, i);
    if (name && (f = add(&d, name, F_METRIC))) f->u.i = (int64_t)i;
  }
  add_data_stream(&d, c->idx);
  return write_doc(b, &d);
}
