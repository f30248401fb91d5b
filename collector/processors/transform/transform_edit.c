/* Running one transform statement on one item. The item is read from the
 * batch in hand (or its edited copy); only when the statement would
 * change something is the item made private (copy-on-write API of
 * data.h) and written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transform.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag
#define MD(tag) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##tag

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint num_dp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint hist_dp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint exp_dp;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint sum_dp;

static const otlpd_batch *cur(const transform_proc *p) { return p->mine ? p->mine : p->in; }

static otlp_resource *resource_of(otlpd_signal s, void *res) {
  return s == OTLPD_TRACES ? ((otlp_resource_spans *)res)->resource
       : s == OTLPD_METRICS ? ((otlp_resource_metrics *)res)->resource : ((otlp_resource_logs *)res)->resource;
}

void tf_view(const transform_proc *p, ottl_context ctx, const tf_pos *pos, ottl_item *it) {
  void *res = cur(p)->resources[pos->i];
  memset(it, 0, sizeof(*it));
  it->resource = resource_of(p->signal, res);
  if (p->signal == OTLPD_TRACES) {
    const otlp_scope_spans *ss = ((otlp_resource_spans *)res)->scope_spans[pos->j];
    it->scope = ss->scope;
    it->span = ss->spans[pos->k];
    if (ctx == OTTL_SPANEVENT) it->event = it->span->events[pos->x];
  } else if (p->signal == OTLPD_METRICS) {
    const otlp_scope_metrics *sm = ((otlp_resource_metrics *)res)->scope_metrics[pos->j];
    it->scope = sm->scope;
    it->metric = sm->metrics[pos->k];
    if (ctx == OTTL_DATAPOINT) it->dp = ottl_metric_point(it->metric, pos->x);
  } else {
    const otlp_scope_logs *sl = ((otlp_resource_logs *)res)->scope_logs[pos->j];
    it->scope = sl->scope;
    it->log = sl->log_records[pos->k];
  }
}

/* ---- making things private ---- */

static bool is_owned(const transform_proc *p, const void *obj) {
  for (size_t i = 0; i < p->n_owned; i++)
    if (p->owned[i] == obj) return true;
  return false;
}

static int add_owned(transform_proc *p, void *obj) {
  if (p->n_owned == p->cap_owned) {
    size_t cap = p->cap_owned ? 2 * p->cap_owned : 16;
    void **v = realloc(p->owned, cap * sizeof(*v));
    if (!v) return -ENOMEM;
    p->owned = v;
    p->cap_owned = cap;
  }
  p->owned[p->n_owned++] = obj;
  return 0;
}

static int own_events(transform_proc *p, size_t i, otlp_span *sp) {
  if (is_owned(p, sp)) return 0;
  otlp_span_event **arr = otlpd_batch_alloc(p->mine, i, (sp->n_events ? sp->n_events : 1) * sizeof(*arr));
  if (!arr) return -ENOMEM;
  for (size_t e = 0; e < sp->n_events; e++) {
    if (!(arr[e] = otlpd_batch_alloc(p->mine, i, sizeof(*arr[e])))) return -ENOMEM;
    memcpy(arr[e], sp->events[e], sizeof(*arr[e]));
  }
  sp->events = arr;
  return add_owned(p, sp);
}

static size_t dp_size(const otlp_metric *m) {
  switch (m->data_case) {
  case MD(HISTOGRAM): return sizeof(hist_dp);
  case MD(EXPONENTIAL_HISTOGRAM): return sizeof(exp_dp);
  case MD(SUMMARY): return sizeof(sum_dp);
  default: return sizeof(num_dp);
  }
}

/* A private data container, point array and points for metric m. */
static int own_points(transform_proc *p, size_t i, otlp_metric *m) {
  if (is_owned(p, m)) return 0;
  size_t np = ottl_metric_points(m), sz = dp_size(m);
  void **arr = otlpd_batch_alloc(p->mine, i, (np ? np : 1) * sizeof(void *));
  if (!arr) return -ENOMEM;
  for (size_t x = 0; x < np; x++) {
    if (!(arr[x] = otlpd_batch_alloc(p->mine, i, sz))) return -ENOMEM;
    memcpy(arr[x], ottl_metric_point(m, x), sz);
  }
#define COPY(field, T)                                    \
  do {                                                    \
    T *c = otlpd_batch_alloc(p->mine, i, sizeof(*c));     \
    if (!c) return -ENOMEM;                               \
    memcpy(c, m->field, sizeof(*c));                      \
    c->data_points = (void *)arr;                         \
    m->field = c;                                         \
  } while (0)
  switch (m->data_case) {
  case MD(GAUGE): COPY(gauge, Opentelemetry__Proto__Metrics__V1__Gauge); break;
  case MD(SUM): COPY(sum, Opentelemetry__Proto__Metrics__V1__Sum); break;
  case MD(HISTOGRAM): COPY(histogram, Opentelemetry__Proto__Metrics__V1__Histogram); break;
  case MD(EXPONENTIAL_HISTOGRAM): COPY(exponential_histogram, Opentelemetry__Proto__Metrics__V1__ExponentialHistogram); break;
  case MD(SUMMARY): COPY(summary, Opentelemetry__Proto__Metrics__V1__Summary); break;
  default: break;
  }
#undef COPY
  return add_owned(p, m);
}

/* Attribute slots of a (private) data point. */
static void dp_slots(otlp_metric *m, void *dp, size_t **n, otlp_key_value ****kv) {
  switch (m->data_case) {
  case MD(HISTOGRAM): *n = &((hist_dp *)dp)->n_attributes; *kv = &((hist_dp *)dp)->attributes; break;
  case MD(EXPONENTIAL_HISTOGRAM): *n = &((exp_dp *)dp)->n_attributes; *kv = &((exp_dp *)dp)->attributes; break;
  case MD(SUMMARY): *n = &((sum_dp *)dp)->n_attributes; *kv = &((sum_dp *)dp)->attributes; break;
  default: *n = &((num_dp *)dp)->n_attributes; *kv = &((num_dp *)dp)->attributes; break;
  }
}

/* The private objects a statement writes. */
typedef struct tf_obj {
  size_t *n;             /* attribute list, when the target is one */
  otlp_key_value ***kv;
  otlp_span *span;
  otlp_span_event *event;
  otlp_log_record *log;
  otlp_metric *metric;
} tf_obj;

static bool resource_target(ottl_target t) { return t == OTTL_T_RES_ATTR || t == OTTL_T_RES_ATTRS; }
static bool attr_target(ottl_target t) {
  return t == OTTL_T_ATTR || t == OTTL_T_ATTRS || resource_target(t);
}

static int make_private(transform_proc *p, ottl_context ctx, const tf_pos *pos, ottl_target t, tf_obj *o) {
  memset(o, 0, sizeof(*o));
  if (!p->mine && !(p->mine = otlpd_batch_edit(p->host, p->in))) return -ENOMEM;
  otlpd_batch *b = p->mine;
  if (resource_target(t)) {
    void *res = otlpd_batch_mut_resource(b, pos->i);
    if (!res) return -ENOMEM;
    otlp_resource *r = resource_of(p->signal, res);
    o->n = &r->n_attributes;
    o->kv = &r->attributes;
    return 0; /* mut_resource made the list private */
  }
  void *sc = otlpd_batch_mut_items(b, pos->i, pos->j);
  if (!sc) return -ENOMEM;
  if (p->signal == OTLPD_TRACES) {
    o->span = ((otlp_scope_spans *)sc)->spans[pos->k];
    o->n = &o->span->n_attributes;
    o->kv = &o->span->attributes;
    if (ctx == OTTL_SPANEVENT) {
      if (own_events(p, pos->i, o->span)) return -ENOMEM;
      o->event = o->span->events[pos->x];
      o->n = &o->event->n_attributes;
      o->kv = &o->event->attributes;
    }
  } else if (p->signal == OTLPD_METRICS) {
    o->metric = ((otlp_scope_metrics *)sc)->metrics[pos->k];
    o->n = NULL;
    if (ctx == OTTL_DATAPOINT) {
      if (own_points(p, pos->i, o->metric)) return -ENOMEM;
      dp_slots(o->metric, (void *)ottl_metric_point(o->metric, pos->x), &o->n, &o->kv);
    }
  } else {
    o->log = ((otlp_scope_logs *)sc)->log_records[pos->k];
    o->n = &o->log->n_attributes;
    o->kv = &o->log->attributes;
  }
  if (attr_target(t) && o->n && otlpd_batch_own_attrs(b, pos->i, o->n, o->kv)) return -ENOMEM;
  return 0;
}

/* ---- writing values ---- */

static int fill_any(transform_proc *p, size_t i, otlp_any_value *av, const ottl_val *v) {
  opentelemetry__proto__common__v1__any_value__init(av);
  switch (v->t) {
  case V_STRING:
    av->value_case = ANY(STRING_VALUE);
    return (av->string_value = otlpd_batch_strdup(p->mine, i, v->p, v->len)) ? 0 : -ENOMEM;
  case V_INT: av->value_case = ANY(INT_VALUE); av->int_value = v->i; return 0;
  case V_DOUBLE: av->value_case = ANY(DOUBLE_VALUE); av->double_value = v->d; return 0;
  case V_BOOL: av->value_case = ANY(BOOL_VALUE); av->bool_value = v->b; return 0;
  case V_BYTES: /* shared: the bytes live in this entry's payloads */
    av->value_case = ANY(BYTES_VALUE);
    av->bytes_value.data = (uint8_t *)v->p;
    av->bytes_value.len = v->len;
    return 0;
  case V_MAP: {
    otlp_kvlist *l = otlpd_batch_alloc(p->mine, i, sizeof(*l));
    if (!l) return -ENOMEM;
    opentelemetry__proto__common__v1__key_value_list__init(l);
    l->values = (otlp_key_value **)v->p;
    l->n_values = v->len;
    av->value_case = ANY(KVLIST_VALUE);
    av->kvlist_value = l;
    return 0;
  }
  case V_SLICE: {
    otlp_array_value *a = otlpd_batch_alloc(p->mine, i, sizeof(*a));
    if (!a) return -ENOMEM;
    opentelemetry__proto__common__v1__array_value__init(a);
    a->values = (otlp_any_value **)v->p;
    a->n_values = v->len;
    av->value_case = ANY(ARRAY_VALUE);
    av->array_value = a;
    return 0;
  }
  default: return 0;
  }
}

static int set_attr(transform_proc *p, size_t i, size_t *n, otlp_key_value ***kv, const char *key, const ottl_val *v) {
  for (size_t x = 0; x < *n; x++) {
    otlp_key_value *e = (*kv)[x];
    if (!e->key || strcmp(e->key, key)) continue;
    if (!e->value && !(e->value = otlpd_batch_alloc(p->mine, i, sizeof(*e->value)))) return -ENOMEM;
    return fill_any(p, i, e->value, v);
  }
  otlp_key_value **arr = otlpd_batch_alloc(p->mine, i, (*n + 1) * sizeof(*arr));
  otlp_key_value *e = otlpd_batch_alloc(p->mine, i, sizeof(*e));
  otlp_any_value *av = otlpd_batch_alloc(p->mine, i, sizeof(*av));
  char *k = otlpd_batch_strdup(p->mine, i, key, strlen(key));
  if (!arr || !e || !av || !k) return -ENOMEM;
  opentelemetry__proto__common__v1__key_value__init(e);
  e->key = k;
  e->value = av;
  if (*n) memcpy(arr, *kv, *n * sizeof(*arr));
  arr[(*n)++] = e;
  *kv = arr;
  return fill_any(p, i, av, v);
}

/* Can target t hold v? Typed fields ignore other types, as otelcol's
 * setters do. */
static bool settable(ottl_target t, const ottl_val *v) {
  switch (t) {
  case OTTL_T_NAME:
  case OTTL_T_SEV_TEXT: return v->t == V_STRING;
  case OTTL_T_SEV_NUM:
  case OTTL_T_STATUS_CODE: return v->t == V_INT;
  default: return v->t != V_NIL;
  }
}

static int write_target(transform_proc *p, const ottl_stmt *s, const tf_pos *pos, tf_obj *o, const ottl_val *v) {
  size_t i = pos->i;
  char *str = NULL;
  if (v->t == V_STRING && s->target != OTTL_T_ATTR && s->target != OTTL_T_RES_ATTR && s->target != OTTL_T_BODY &&
      !(str = otlpd_batch_strdup(p->mine, i, v->p, v->len)))
    return -ENOMEM;
  switch (s->target) {
  case OTTL_T_ATTR:
  case OTTL_T_RES_ATTR:
    if (!o->n) return 0;
    return set_attr(p, i, o->n, o->kv, s->key, v);
  case OTTL_T_NAME:
    if (o->event) o->event->name = str;
    else if (o->span) o->span->name = str;
    else if (o->metric) o->metric->name = str;
    return 0;
  case OTTL_T_BODY: {
    otlp_any_value *av = otlpd_batch_alloc(p->mine, i, sizeof(*av));
    if (!av) return -ENOMEM;
    o->log->body = av;
    return fill_any(p, i, av, v);
  }
  case OTTL_T_SEV_TEXT: o->log->severity_text = str; return 0;
  case OTTL_T_SEV_NUM: o->log->severity_number = (Opentelemetry__Proto__Logs__V1__SeverityNumber)v->i; return 0;
  case OTTL_T_STATUS_CODE: {
    Opentelemetry__Proto__Trace__V1__Status *st = otlpd_batch_alloc(p->mine, i, sizeof(*st));
    if (!st) return -ENOMEM;
    if (o->span->status) memcpy(st, o->span->status, sizeof(*st));
    else opentelemetry__proto__trace__v1__status__init(st);
    st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode)v->i;
    o->span->status = st;
    return 0;
  }
  default: return 0;
  }
}

/* ---- map editors ---- */

static bool keep_key(const ottl_stmt *s, const otlp_key_value *e) {
  if (s->editor == OTTL_DELETE_KEY) return !e->key || strcmp(e->key, s->str);
  return !e->key || !ottl_stmt_match((ottl_stmt *)s, e->key, strlen(e->key));
}

static bool is_priority(const ottl_stmt *s, const char *key) {
  for (size_t k = 0; key && k < s->n_keys; k++)
    if (!strcmp(s->keys[k], key)) return true;
  return false;
}

/* Would the map editor change this list? */
static bool map_changes(ottl_stmt *s, const ottl_val *m) {
  otlp_key_value *const *kv = m->p;
  if (m->t != V_MAP) return false;
  if (s->editor == OTTL_LIMIT) return (int64_t)m->len > s->n;
  for (size_t x = 0; x < m->len; x++) {
    if (s->editor == OTTL_TRUNCATE_ALL) {
      const otlp_any_value *v = kv[x]->value;
      if (v && v->value_case == ANY(STRING_VALUE) && v->string_value && (int64_t)strlen(v->string_value) > s->n)
        return true;
    } else if (!keep_key(s, kv[x])) {
      return true;
    }
  }
  return false;
}

static int edit_map(transform_proc *p, ottl_stmt *s, size_t i, size_t *n, otlp_key_value **kv) {
  size_t w = 0;
  if (s->editor == OTTL_TRUNCATE_ALL) {
    for (size_t x = 0; x < *n; x++) {
      otlp_any_value *v = kv[x]->value;
      if (!v || v->value_case != ANY(STRING_VALUE) || !v->string_value) continue;
      if ((int64_t)strlen(v->string_value) <= s->n) continue;
      if (!(v->string_value = otlpd_batch_strdup(p->mine, i, v->string_value, (size_t)s->n))) return -ENOMEM;
    }
    return 0;
  }
  if (s->editor == OTTL_LIMIT) {
    /* priority keys first, then the others in order, up to the limit */
    size_t room = (size_t)s->n, taken = 0;
    for (size_t x = 0; x < *n && taken < room; x++) taken += is_priority(s, kv[x]->key);
    size_t others = room - taken;
    for (size_t x = 0; x < *n; x++) {
      bool pri = is_priority(s, kv[x]->key);
      if (pri && taken) {
        kv[w++] = kv[x];
        taken--;
      } else if (!pri && others) {
        kv[w++] = kv[x];
        others--;
      }
    }
    *n = w;
    return 0;
  }
  for (size_t x = 0; x < *n; x++)
    if (keep_key(s, kv[x])) kv[w++] = kv[x];
  *n = w;
  return 0;
}

/* ---- one statement ---- */

static int fail(transform_proc *p, const tf_group *g, const char *why) {
  if (g->error_mode == 0) {
    p->error = why ? why : "error";
    return -1;
  }
  if (g->error_mode == 1) otlpd_warn(&p->host->log, "failed to execute a statement, ignoring: %s", why ? why : "error");
  return 0;
}

/* The new value for the target, if the statement changes it: 1 with *v,
 * 0 no change, -1 error. */
static int new_value(transform_proc *p, const tf_group *g, ottl_stmt *s, const ottl_item *it, ottl_val *v) {
  ottl_val now;
  ottl_stmt_target(s, it, &now);
  if (s->editor == OTTL_SET) {
    const char *why;
    if (ottl_stmt_value(s, it, v, &why)) return fail(p, g, why) < 0 ? -1 : 0;
    if (!settable(s->target, v)) return 0;
    return !ottl_equal(&now, v);
  }
  /* replace_pattern: string values only */
  if (now.t != V_STRING) return 0;
  size_t len;
  const char *out = ottl_stmt_replace(s, now.p, now.len, &len);
  if (!out || (len == now.len && !memcmp(out, now.p, len))) return 0;
  memset(v, 0, sizeof(*v));
  v->t = V_STRING;
  v->p = out;
  v->len = len;
  return 1;
}

int tf_run(transform_proc *p, const tf_group *g, ottl_stmt *s, const tf_pos *pos) {
  ottl_item it;
  tf_view(p, g->ctx, pos, &it);
  if (s->where) {
    const char *why;
    int r = ottl_cond_eval(s->where, &it, &why);
    if (r < 0) return fail(p, g, why);
    if (!r) return 0;
  }
  tf_obj o;
  if (s->editor == OTTL_SET || s->editor == OTTL_REPLACE_PATTERN) {
    ottl_val v;
    int r = new_value(p, g, s, &it, &v);
    if (r <= 0) return r;
    if (make_private(p, g->ctx, pos, s->target, &o)) return -ENOMEM;
    return write_target(p, s, pos, &o, &v);
  }
  ottl_val m;
  ottl_stmt_target(s, &it, &m);
  if (!map_changes(s, &m)) return 0;
  if (make_private(p, g->ctx, pos, s->target, &o)) return -ENOMEM;
  return o.n ? edit_map(p, s, pos->i, o.n, *o.kv) : 0;
}
