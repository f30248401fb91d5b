/* setup: at start, make sure the ILM policy, one index template per
 * configured plain index (logs_index, traces_index, metrics_index) and
 * that index's first write index exist. otlpd's own extension: contrib's
 * exporter has no such key.
 *
 * Each resource is one step: GET it; 200 -> exists, next step; 404 -> PUT
 * it, then next step. Anything else (connection error, 5xx, 401, a
 * refused PUT) is logged and the same step is tried again after a
 * backoff (setup::initial_interval doubling up to max_interval), on the
 * next endpoint. It runs beside the pipeline on the loop: data is sent
 * meanwhile, and a failed setup never fails the exporter. Existing
 * resources are never overwritten (idempotent across restarts).
 *
 * The write index of alias X (after X's template, so the template's
 * lifecycle settings apply to it): GET _alias/X; 404 -> PUT X-000001 with
 * X as its write alias. A PUT answered resource_already_exists_exception
 * (another collector got there first) is checked by GETting the alias
 * again: only an index that carries the alias counts as done. Until then
 * bulk actions to X carry require_alias, so Elasticsearch never
 * auto-creates a concrete index X (es_send.c holds their 404s). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es.h"
#include "otlpd/buf.h"
#include "otlpd/json_write.h"

#define ES_SETUP_MAX_STEPS (1 + 2 * OTLPD_SIGNAL_COUNT)
#define ES_SETUP_FIRST_INDEX "-000001" /* rollover's own numbering */
#define ES_SETUP_TRY(x)      \
  do {                       \
    int rc_ = (x);           \
    if (rc_ < 0) return rc_; \
  } while (0)

typedef struct es_setup_step {
  char *path;     /* GET: "_ilm/policy/<name>", "_index_template/<name>", "_alias/<name>" */
  char *put_path; /* PUT when it differs ("<alias>-000001"), else NULL */
  bool alias;     /* a write-index bootstrap: "already exists" is checked, not failed */
  otlpd_buf body;
} es_setup_step;

typedef struct es_setup {
  es_exporter *e;
  es_setup_step steps[ES_SETUP_MAX_STEPS];
  size_t n, at;
  bool putting; /* the GET said 404: the PUT of steps[at] is in flight */
  bool recheck; /* the PUT said the index exists: GET the alias once more */
  size_t created;
  size_t url;   /* endpoint in use */
  int64_t wait_ns;
  uv_timer_t timer;
  bool timer_init, stopped;
  otlpd_http_req req;
  char *cur_url;
  const char *headers[4];
} es_setup;

static int policy_body(otlpd_buf *b, const es_ilm_cfg *c) {
  int rc = otlpd_buf_printf(b, "{\"policy\":{\"_meta\":{\"managed_by\":\"otlpd\"},\"phases\":{\"hot\":{"
                               "\"min_age\":\"0ms\",\"actions\":{\"rollover\":{\"max_primary_shard_size\":");
  if (rc < 0) return rc;
  if ((rc = otlpd_json_str(b, c->rollover_max_size ? c->rollover_max_size : "50gb")) < 0) return rc;
  if ((rc = otlpd_buf_printf(b, ",\"max_age\":")) < 0) return rc;
  if ((rc = otlpd_json_str(b, c->rollover_max_age ? c->rollover_max_age : "7d")) < 0) return rc;
  if ((rc = otlpd_buf_printf(b, "}}}")) < 0) return rc;
  if (c->warm_after && *c->warm_after) {
    if ((rc = otlpd_buf_printf(b, ",\"warm\":{\"min_age\":")) < 0) return rc;
    if ((rc = otlpd_json_str(b, c->warm_after)) < 0) return rc;
    if ((rc = otlpd_buf_printf(b, ",\"actions\":{\"set_priority\":{\"priority\":50}}}")) < 0) return rc;
  }
  if (c->delete_after && *c->delete_after) {
    if ((rc = otlpd_buf_printf(b, ",\"delete\":{\"min_age\":")) < 0) return rc;
    if ((rc = otlpd_json_str(b, c->delete_after)) < 0) return rc;
    if ((rc = otlpd_buf_printf(b, ",\"actions\":{\"delete\":{}}}")) < 0) return rc;
  }
  return otlpd_buf_printf(b, "}}}");
}

/* Indices <index>-* written through the alias <index>, rolled over by
 * the policy. */
static int template_body(otlpd_buf *b, const char *index, const es_ilm_cfg *c) {
  int rc = otlpd_buf_printf(b, "{\"index_patterns\":[\"");
  if (rc < 0) return rc;
  if ((rc = otlpd_json_escaped(b, index, strlen(index))) < 0) return rc;
  if ((rc = otlpd_buf_printf(b, "-*\"],\"priority\":200,\"_meta\":{\"managed_by\":\"otlpd\"},\"template\":{"
                                "\"settings\":{")) < 0)
    return rc;
  if (c->enabled) {
    if ((rc = otlpd_buf_printf(b, "\"index.lifecycle.name\":")) < 0) return rc;
    if ((rc = otlpd_json_str(b, c->policy_name)) < 0) return rc;
    if ((rc = otlpd_buf_printf(b, ",\"index.lifecycle.rollover_alias\":")) < 0) return rc;
    if ((rc = otlpd_json_str(b, index)) < 0) return rc;
  }
  return otlpd_buf_printf(b, "}}}");
}

/* The first backing index of alias `index`, its write index. */
static int write_index_body(otlpd_buf *b, const char *index) {
  int rc = otlpd_buf_printf(b, "{\"aliases\":{");
  if (rc < 0) return rc;
  if ((rc = otlpd_json_str(b, index)) < 0) return rc;
  return otlpd_buf_printf(b, ":{\"is_write_index\":true}}}");
}

static char *join(const char *a, const char *b) {
  size_t len = strlen(a) + strlen(b) + 1;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%s%s", a, b);
  return p;
}

static int add_step(es_setup *s, const char *prefix, const char *name) {
  es_setup_step *st = &s->steps[s->n];
  if (!(st->path = join(prefix, name))) return -ENOMEM;
  s->n++;
  return 0;
}

static int add_alias_step(es_setup *s, const char *index) {
  ES_SETUP_TRY(add_step(s, "_alias/", index));
  es_setup_step *st = &s->steps[s->n - 1];
  st->alias = true;
  if (!(st->put_path = join(index, ES_SETUP_FIRST_INDEX))) return -ENOMEM;
  return write_index_body(&st->body, index);
}

static const char *endpoint(const es_exporter *e, size_t i) {
  const es_cfg *c = e->cfg;
  return c->endpoints.n ? c->endpoints.v[i % c->endpoints.n] : c->http.endpoint;
}

static void run_step(es_setup *s);

static void on_timer(uv_timer_t *t) { run_step(t->data); }

static void retry_later(es_setup *s, const char *what) {
  const es_setup_cfg *c = &s->e->cfg->setup;
  otlpd_warn(&s->e->host->log, "elasticsearch setup: %s %s failed (%s); retrying in %lld ms",
             s->putting ? "PUT" : "GET", s->steps[s->at].path, what, (long long)(s->wait_ns / OTLPD_NS_PER_MS));
  s->putting = false;
  s->recheck = false;
  s->url++;
  uint64_t ms = (uint64_t)(s->wait_ns / OTLPD_NS_PER_MS);
  s->wait_ns = s->wait_ns * 2 > c->max_interval ? c->max_interval : s->wait_ns * 2;
  if (!s->stopped) uv_timer_start(&s->timer, on_timer, ms ? ms : 1, 0);
}

static void on_done(otlpd_http_req *req, const otlpd_http_result *res) {
  es_setup *s = req->data;
  if (s->stopped) return;
  char what[160];
  if (res->error) {
    snprintf(what, sizeof(what), "%s", res->error_text && *res->error_text ? res->error_text : strerror(-res->error));
    retry_later(s, what);
    return;
  }
  es_setup_step *st = &s->steps[s->at];
  if (!s->putting && res->status == 404) { /* absent: create it */
    if (s->recheck) {
      snprintf(what, sizeof(what), "index %s exists but alias %s is missing", st->put_path,
               st->path + strlen("_alias/"));
      retry_later(s, what);
      return;
    }
    s->putting = true;
    run_step(s);
    return;
  }
  if (s->putting && st->alias && res->status == 400 && res->body &&
      strstr(res->body, "resource_already_exists_exception")) {
    s->putting = false; /* a concurrent creator: done if its index carries the alias */
    s->recheck = true;
    run_step(s);
    return;
  }
  if (res->status < 200 || res->status >= 300) {
    snprintf(what, sizeof(what), "HTTP %ld: %.120s", res->status, res->body ? res->body : "");
    retry_later(s, what);
    return;
  }
  if (s->putting) {
    s->created++;
    otlpd_info(&s->e->host->log, "elasticsearch setup: created %s", st->put_path ? st->put_path : st->path);
  }
  s->putting = false;
  s->recheck = false;
  s->at++;
  s->wait_ns = s->e->cfg->setup.initial_interval;
  if (s->at == s->n) {
    otlpd_info(&s->e->host->log, "elasticsearch setup: %zu resources in place (%zu created)", s->n, s->created);
    return;
  }
  run_step(s);
}

static void run_step(es_setup *s) {
  if (s->stopped || s->at >= s->n) return;
  es_setup_step *st = &s->steps[s->at];
  const char *base = endpoint(s->e, s->url);
  size_t bl = strlen(base);
  while (bl && base[bl - 1] == '/') bl--;
  free(s->cur_url);
  const char *path = s->putting && st->put_path ? st->put_path : st->path;
  size_t len = bl + 1 + strlen(path) + 1;
  if (!(s->cur_url = malloc(len))) {
    retry_later(s, "out of memory");
    return;
  }
  snprintf(s->cur_url, len, "%.*s/%s", (int)bl, base, path);
  s->req.url = s->cur_url;
  s->req.method = s->putting ? OTLPD_HTTP_PUT : OTLPD_HTTP_GET;
  if (s->putting) otlpd_http_req_set_body(&s->req, st->body.data, st->body.len);
  else otlpd_http_req_set_body(&s->req, NULL, 0);
  int rc = otlpd_http_send(s->e->client, &s->req);
  if (rc < 0 && rc != -ESHUTDOWN) retry_later(s, strerror(-rc));
}

static int build_steps(es_setup *s) {
  const es_cfg *c = s->e->cfg;
  const es_ilm_cfg *ilm = &c->setup.ilm;
  if (ilm->enabled) {
    ES_SETUP_TRY(add_step(s, "_ilm/policy/", ilm->policy_name));
    ES_SETUP_TRY(policy_body(&s->steps[s->n - 1].body, ilm));
  }
  for (int sig = 0; sig < OTLPD_SIGNAL_COUNT; sig++) {
    const char *idx = c->index[sig];
    if (!idx || !*idx) continue;
    ES_SETUP_TRY(add_step(s, "_index_template/", idx));
    ES_SETUP_TRY(template_body(&s->steps[s->n - 1].body, idx, ilm));
    ES_SETUP_TRY(add_alias_step(s, idx));
  }
  return 0;
}

int es_setup_start(es_exporter *e) {
  if (!e->cfg->setup.enabled) return 0;
  es_setup *s = calloc(1, sizeof(*s));
  if (!s) return -ENOMEM;
  s->e = e;
  e->setup = s;
  int rc = build_steps(s);
  if (rc < 0) return rc;
  if (!s->n) return 0;
  if ((rc = uv_timer_init(e->host->loop, &s->timer)) < 0) return rc;
  s->timer_init = true;
  s->timer.data = s;
  size_t h = 0;
  s->headers[h++] = "Content-Type: application/json";
  s->headers[h++] = "User-Agent: otlpd/" OTLPD_VERSION;
  if (e->auth_header) s->headers[h++] = e->auth_header;
  s->headers[h] = NULL;
  s->req.headers = &e->cfg->http.headers;
  s->req.extra_headers = s->headers;
  s->req.compression = OTLPD_HTTP_COMPRESS_NONE;
  s->req.timeout_ms = e->cfg->timeout / OTLPD_NS_PER_MS;
  s->req.tls = &e->cfg->http.tls;
  s->req.mem = e->host->mem;
  s->req.done = on_done;
  s->req.data = s;
  s->wait_ns = e->cfg->setup.initial_interval;
  run_step(s);
  return 0;
}

void es_setup_stop(es_exporter *e) {
  es_setup *s = e->setup;
  if (!s || s->stopped) return;
  s->stopped = true;
  if (otlpd_http_req_in_flight(&s->req)) otlpd_http_cancel(&s->req);
  if (s->timer_init) uv_close((uv_handle_t *)&s->timer, NULL);
}

void es_setup_free(es_exporter *e) {
  es_setup *s = e->setup;
  if (!s) return;
  otlpd_http_req_release(&s->req);
  for (size_t i = 0; i < s->n; i++) {
    free(s->steps[i].path);
    free(s->steps[i].put_path);
    otlpd_buf_free(&s->steps[i].body);
  }
  free(s->cur_url);
  free(s);
  e->setup = NULL;
}

bool es_setup_manages(const es_cfg *c, int sig) {
  return c->setup.enabled && c->index[sig] && *c->index[sig];
}

bool es_setup_done(const es_exporter *e) {
  const es_setup *s = e->setup;
  return !s || s->at >= s->n;
}

int64_t es_setup_wait_ns(const es_exporter *e) {
  const es_setup *s = e->setup;
  return s ? s->wait_ns : 0;
}
