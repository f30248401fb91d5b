/* OTLP/HTTP server on a real loop with fake consumers.
 *
 * The server runs on a libuv loop in a second thread (as it runs on the
 * daemon's loop); the test thread is a plain blocking-socket HTTP/1.1
 * client, so what is asserted is what a client sees on the wire. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

#include "../../receivers/otlp/http_server.h"
#include "google/rpc/status.pb-c.h"
#include "otlpd/config.h"
#include "otlpd/otlp.h"

#define MAX_BODY (1024 * 1024)

typedef struct fake_consumer {
  otlpd_consumer c;
  atomic_int rc;
  atomic_size_t items, batches;
} fake_consumer;

static int fake_consume(otlpd_consumer *self, otlpd_batch *b) {
  fake_consumer *f = (fake_consumer *)self;
  int rc = atomic_load(&f->rc);
  if (rc) return rc;
  atomic_fetch_add(&f->items, b->items);
  atomic_fetch_add(&f->batches, 1);
  return OTLPD_OK;
}

typedef struct fixture {
  uv_loop_t loop;
  uv_async_t stop;
  otlpd_memacct mem;
  otlpd_log_level level;
  otlpd_host host;
  otlpd_counters counters;
  bool shutting_down;
  otlp_receiver_cfg cfg;
  otlp_receiver r;
  fake_consumer sinks[OTLPD_SIGNAL_COUNT];
  int port;
  pthread_t thread;
  atomic_bool loop_ended;
} fixture;

typedef struct response {
  int status;
  char head[4096];
  uint8_t body[65536];
  size_t body_len;
  bool closed; /* server closed the connection after the response */
  char hv[512]; /* header_value's result */
} response;

static const char *config_yaml =
    "protocols:\n"
    "  http:\n"
    "    endpoint: 127.0.0.1:0\n"
    "    max_request_body_size: 1048576\n"
    "    cors:\n"
    "      allowed_origins: [\"https://*.example.com\", \"http://exact.test\"]\n"
    "      allowed_headers: [X-Custom]\n"
    "      max_age: 600\n";

/* ---- server side ---- */

static void on_stop(uv_async_t *a) {
  fixture *f = a->data;
  f->shutting_down = true;
  otlp_http_shutdown(&f->r);
  uv_close((uv_handle_t *)a, NULL);
}

static void *loop_thread(void *arg) {
  fixture *f = arg;
  uv_run(&f->loop, UV_RUN_DEFAULT);
  atomic_store(&f->loop_ended, true);
  return NULL;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  f->level = OTLPD_LOG_ERROR; /* rejected requests are expected here */
  f->mem.limit = (size_t)1 << 40;
  f->host.loop = &f->loop;
  f->host.mem = &f->mem;
  f->host.log.component = "otlp";
  f->host.log.level = &f->level;
  f->host.id = "otlp";
  f->host.shutting_down = &f->shutting_down;
  f->host.counters = &f->counters;

  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_yaml_parse(config_yaml, strlen(config_yaml), "test", &errs);
  assert_non_null(root);
  otlpd_settings_defaults(otlp_receiver_settings, &f->cfg);
  assert_int_equal(otlpd_settings_apply(otlp_receiver_settings, &f->cfg, root, "receivers::otlp", &errs), 0);
  otlpd_node_free(root);
  assert_true(f->cfg.protocols.has_http);

  f->r.host = &f->host;
  f->r.cfg = &f->cfg;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    f->sinks[s].c.consume = fake_consume;
    f->r.next[s] = &f->sinks[s].c;
  }
  assert_int_equal(otlp_http_start(&f->r), 0);
  const char *colon = strrchr(f->r.http->addr, ':');
  assert_non_null(colon);
  f->port = atoi(colon + 1);
  assert_true(f->port > 0);

  assert_int_equal(uv_async_init(&f->loop, &f->stop, on_stop), 0);
  f->stop.data = f;
  assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
  *state = f;
  return 0;
}

/* Shuts the server down from its loop and expects the loop to end, i.e.
 * the server left no handle behind. */
static void stop_server(fixture *f) {
  uv_async_send(&f->stop);
  for (int i = 0; i < 1000 && !atomic_load(&f->loop_ended); i++) usleep(10 * 1000);
  assert_true(atomic_load(&f->loop_ended));
  pthread_join(f->thread, NULL);
}

static int teardown(void **state) {
  fixture *f = *state;
  if (!atomic_load(&f->loop_ended)) stop_server(f);
  otlp_http_destroy(&f->r);
  assert_null(f->r.http);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  otlpd_settings_free(otlp_receiver_settings, &f->cfg);
  free(f);
  return 0;
}

/* ---- client side ---- */

static int connect_to(const fixture *f) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)f->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

static void send_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* the server may close early (413): read its answer */
    c += w;
    n -= (size_t)w;
  }
}

/* The value of header name, or NULL; valid until the next call on r. */
static const char *header_value(response *r, const char *name) {
  char *v = r->hv;
  size_t nl = strlen(name);
  for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
    const char *line = p + 2;
    if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
      const char *s = line + nl + 1;
      while (*s == ' ') s++;
      const char *e = strstr(s, "\r\n");
      size_t len = e ? (size_t)(e - s) : strlen(s);
      if (len >= sizeof(r->hv)) len = sizeof(r->hv) - 1;
      memcpy(v, s, len);
      v[len] = '\0';
      return v;
    }
  }
  return NULL;
}

/* Reads one response; the server's Content-Length frames it. */
static void read_response(int fd, response *r) {
  memset(r, 0, sizeof(*r));
  char buf[70000];
  size_t have = 0;
  char *end = NULL;
  while (!end) {
    ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
    assert_true(n > 0);
    have += (size_t)n;
    buf[have] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  size_t head_len = (size_t)(end - buf) + 2;
  assert_true(head_len < sizeof(r->head));
  memcpy(r->head, buf, head_len);
  assert_int_equal(sscanf(r->head, "HTTP/1.%*d %d", &r->status), 1);
  const char *cl = header_value(r, "content-length");
  size_t want = cl ? (size_t)strtoul(cl, NULL, 10) : 0;
  assert_true(want <= sizeof(r->body));
  size_t got = have - (head_len + 2);
  memcpy(r->body, end + 4, got);
  while (got < want) {
    ssize_t n = recv(fd, r->body + got, want - got, 0);
    assert_true(n > 0);
    got += (size_t)n;
  }
  r->body_len = want;
  const char *conn = header_value(r, "connection");
  r->closed = conn && strcasecmp(conn, "close") == 0;
}

/* One request on fd. extra: more header lines, each ending in \r\n. */
static void request_on(int fd, const char *method, const char *path, const char *ctype, const char *extra,
                       const void *body, size_t len, bool chunked, response *out) {
  char head[2048];
  int n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: test\r\n%s%s%s%s", method, path,
                   ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "", extra ? extra : "");
  if (chunked)
    n += snprintf(head + n, sizeof(head) - (size_t)n, "Transfer-Encoding: chunked\r\n\r\n");
  else if (body)
    n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n\r\n", len);
  else
    n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
  send_all(fd, head, (size_t)n);
  if (chunked) {
    /* uneven chunks, as streaming exporters send them */
    const uint8_t *p = body;
    size_t left = len, step = 7;
    while (left) {
      size_t c = left < step ? left : step;
      char sz[32];
      int k = snprintf(sz, sizeof(sz), "%zx\r\n", c);
      send_all(fd, sz, (size_t)k);
      send_all(fd, p, c);
      send_all(fd, "\r\n", 2);
      p += c;
      left -= c;
      step = step * 3 + 1;
    }
    send_all(fd, "0\r\n\r\n", 5);
  } else if (body) {
    send_all(fd, body, len);
  }
  read_response(fd, out);
}

static void request(fixture *f, const char *method, const char *path, const char *ctype, const char *extra,
                    const void *body, size_t len, response *out) {
  int fd = connect_to(f);
  request_on(fd, method, path, ctype, extra, body, len, false, out);
  close(fd);
}

static bool contains_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; hay && *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0) return true;
  return false;
}

/* ---- OTLP payloads ---- */

/* An ExportTraceServiceRequest with n spans, packed. */
static uint8_t *trace_request(size_t n, size_t *len) {
  static uint8_t tid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  static uint8_t sid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  otlp_span *spans = calloc(n, sizeof(*spans));
  otlp_span **sp = calloc(n, sizeof(*sp));
  for (size_t i = 0; i < n; i++) {
    otlp_span s = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
    spans[i] = s;
    spans[i].trace_id.data = tid;
    spans[i].trace_id.len = 16;
    spans[i].span_id.data = sid;
    spans[i].span_id.len = 8;
    spans[i].name = "op";
    spans[i].start_time_unix_nano = 1000 + i;
    sp[i] = &spans[i];
  }
  otlp_scope_spans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
  ss.n_spans = n;
  ss.spans = sp;
  otlp_scope_spans *ssp = &ss;
  otlp_resource_spans rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
  rs.n_scope_spans = 1;
  rs.scope_spans = &ssp;
  otlp_resource_spans *rsp = &rs;
  otlp_trace_request req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
  req.n_resource_spans = 1;
  req.resource_spans = &rsp;
  *len = protobuf_c_message_get_packed_size(&req.base);
  uint8_t *out = malloc(*len ? *len : 1);
  protobuf_c_message_pack(&req.base, out);
  free(sp);
  free(spans);
  return out;
}

static const char *json_logs =
    "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
    "{\"timeUnixNano\":\"1\",\"body\":{\"stringValue\":\"a\"}},"
    "{\"timeUnixNano\":\"2\",\"body\":{\"stringValue\":\"b\"}}]}]}]}";

static uint8_t *gzip_bytes(const void *in, size_t len, size_t *out_len) {
  z_stream z = {0};
  assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  size_t cap = deflateBound(&z, len) + 64;
  uint8_t *out = malloc(cap);
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  *out_len = z.total_out;
  deflateEnd(&z);
  return out;
}

static Google__Rpc__Status *status_from(const response *r) {
  return google__rpc__status__unpack(NULL, r->body_len, r->body);
}

/* ---- tests ---- */

static void test_protobuf_traces_accepted(void **state) {
  fixture *f = *state;
  size_t len;
  uint8_t *body = trace_request(5, &len);
  response r;
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(header_value(&r, "content-type"), "application/x-protobuf");
  otlp_trace_response *resp =
      opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL, r.body_len, r.body);
  assert_non_null(resp);
  assert_null(resp->partial_success);
  protobuf_c_message_free_unpacked(&resp->base, NULL);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 5);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].batches), 1);
  free(body);
}

static void test_json_logs_with_charset(void **state) {
  fixture *f = *state;
  response r;
  request(f, "POST", "/v1/logs", "application/json; charset=utf-8", NULL, json_logs, strlen(json_logs), &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(header_value(&r, "content-type"), "application/json");
  assert_true(r.body_len >= 2 && r.body[0] == '{');
  assert_int_equal(atomic_load(&f->sinks[OTLPD_LOGS].items), 2);
}

static void test_keepalive_and_chunked(void **state) {
  fixture *f = *state;
  size_t len;
  uint8_t *body = trace_request(3, &len);
  int fd = connect_to(f);
  response r;
  for (int i = 0; i < 3; i++) {
    request_on(fd, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, i == 1, &r);
    assert_int_equal(r.status, 200);
    assert_false(r.closed);
  }
  close(fd);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 9);
  free(body);
}

static void test_bad_protobuf_is_400_with_status(void **state) {
  fixture *f = *state;
  static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01};
  response r;
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, junk, sizeof(junk), &r);
  assert_int_equal(r.status, 400);
  Google__Rpc__Status *st = status_from(&r);
  assert_non_null(st);
  assert_int_equal(st->code, 3);
  assert_true(strlen(st->message) > 0);
  protobuf_c_message_free_unpacked(&st->base, NULL);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].batches), 0);
}

static void test_bad_json_is_400_naming_reason(void **state) {
  fixture *f = *state;
  const char *bad = "{\"resourceSpans\": [ {\"scopeSpans\": 12 } ]}";
  response r;
  request(f, "POST", "/v1/traces", "application/json", NULL, bad, strlen(bad), &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(header_value(&r, "content-type"), "application/json");
  r.body[r.body_len] = '\0';
  assert_non_null(strstr((char *)r.body, "\"message\""));
  assert_non_null(strstr((char *)r.body, "scopeSpans"));
}

static void test_routing_and_method_errors(void **state) {
  fixture *f = *state;
  response r;
  request(f, "POST", "/v1/nothing", "application/json", NULL, "{}", 2, &r);
  assert_int_equal(r.status, 404);
  request(f, "GET", "/v1/traces", NULL, NULL, NULL, 0, &r);
  assert_int_equal(r.status, 405);
  assert_non_null(header_value(&r, "allow"));
  assert_non_null(strstr(header_value(&r, "allow"), "POST"));
  request(f, "POST", "/v1/traces", "text/plain", NULL, "x", 1, &r);
  assert_int_equal(r.status, 415);
  request(f, "POST", "/v1/traces", NULL, NULL, "x", 1, &r);
  assert_int_equal(r.status, 415);
  /* query strings do not change the route */
  request(f, "POST", "/v1/logs?x=1", "application/json", NULL, json_logs, strlen(json_logs), &r);
  assert_int_equal(r.status, 200);
}

static void test_too_large_bodies_are_413(void **state) {
  fixture *f = *state;
  size_t big = MAX_BODY + 1;
  uint8_t *zeros = calloc(1, 8 * MAX_BODY);
  response r;
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, zeros, big, &r);
  assert_int_equal(r.status, 413);

  int fd = connect_to(f);
  request_on(fd, "POST", "/v1/traces", "application/x-protobuf", NULL, zeros, big, true, &r);
  assert_int_equal(r.status, 413);
  close(fd);

  /* a gzip bomb: small on the wire, 8x the limit once inflated */
  size_t zlen;
  uint8_t *bomb = gzip_bytes(zeros, 8 * MAX_BODY, &zlen);
  assert_true(zlen < MAX_BODY);
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: gzip\r\n", bomb, zlen, &r);
  assert_int_equal(r.status, 413);
  free(bomb);

  size_t zs = ZSTD_compressBound(8 * MAX_BODY);
  uint8_t *zbomb = malloc(zs);
  zs = ZSTD_compress(zbomb, zs, zeros, 8 * MAX_BODY, 3);
  assert_false(ZSTD_isError(zs));
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: zstd\r\n", zbomb, zs, &r);
  assert_int_equal(r.status, 413);
  free(zbomb);
  free(zeros);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].batches), 0);

  /* still serving */
  size_t len;
  uint8_t *body = trace_request(1, &len);
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 200);
  free(body);
}

/* n empty spans: 2 bytes each on the wire, a whole Span struct decoded. */
static uint8_t *empty_spans_request(size_t n, size_t *len) {
  size_t spans_len = 2 * n;
  uint8_t ss_hdr[16], rs_hdr[16];
  size_t ss_n = 0, rs_n = 0;
  size_t scope_len = spans_len;
  ss_hdr[ss_n++] = 0x12; /* ResourceSpans.scope_spans */
  ss_n += otlpd_varint_put(ss_hdr + ss_n, scope_len);
  rs_hdr[rs_n++] = 0x0a; /* ExportTraceServiceRequest.resource_spans */
  rs_n += otlpd_varint_put(rs_hdr + rs_n, ss_n + scope_len);
  *len = rs_n + ss_n + spans_len;
  uint8_t *b = malloc(*len), *p = b;
  memcpy(p, rs_hdr, rs_n);
  p += rs_n;
  memcpy(p, ss_hdr, ss_n);
  p += ss_n;
  for (size_t i = 0; i < n; i++) {
    *p++ = 0x12; /* ScopeSpans.spans, empty */
    *p++ = 0x00;
  }
  return b;
}

static void test_decode_amplification_is_413(void **state) {
  fixture *f = *state;
  size_t len;
  uint8_t *body = empty_spans_request(200000, &len);
  assert_true(len < MAX_BODY);
  response r;
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 413);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].batches), 0);
  free(body);
  /* a modest number of them is fine */
  body = empty_spans_request(100, &len);
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 100);
  free(body);
}

static void test_compressed_bodies(void **state) {
  fixture *f = *state;
  size_t len, zlen;
  uint8_t *body = trace_request(4, &len);
  uint8_t *gz = gzip_bytes(body, len, &zlen);
  response r;
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: gzip\r\n", gz, zlen, &r);
  assert_int_equal(r.status, 200);
  size_t zs = ZSTD_compressBound(len);
  uint8_t *zb = malloc(zs);
  zs = ZSTD_compress(zb, zs, body, len, 3);
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: zstd\r\n", zb, zs, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 8);
  /* corrupt gzip: 400, unknown coding: 415 */
  gz[zlen / 2] ^= 0xff;
  gz[zlen / 2 + 1] ^= 0xff;
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: gzip\r\n", gz, zlen - 4, &r);
  assert_int_equal(r.status, 400);
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: br\r\n", body, len, &r);
  assert_int_equal(r.status, 415);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 8);
  free(zb);
  free(gz);
  free(body);
}

static void test_back_pressure_and_refusals(void **state) {
  fixture *f = *state;
  size_t len;
  uint8_t *body = trace_request(2, &len);
  response r;
  atomic_store(&f->mem.used, f->mem.limit); /* over the memory limit */
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 503);
  assert_string_equal(header_value(&r, "retry-after"), "1");
  Google__Rpc__Status *st = status_from(&r);
  assert_non_null(st);
  assert_int_equal(st->code, 14);
  protobuf_c_message_free_unpacked(&st->base, NULL);
  atomic_store(&f->mem.used, 0);

  atomic_store(&f->sinks[OTLPD_TRACES].rc, OTLPD_ERR_RETRY);
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 503);
  assert_non_null(header_value(&r, "retry-after"));
  atomic_store(&f->sinks[OTLPD_TRACES].rc, OTLPD_ERR_PERMANENT);
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 400);
  atomic_store(&f->sinks[OTLPD_TRACES].rc, 0);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 0);
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 2);
  /* otelcol_receiver_accepted_spans / refused_spans: the two decoded
   * refusals (pipeline full, bad data) and the one acceptance. The refusal
   * before decoding (memory) cannot know its item count. */
  assert_int_equal(otlpd_counter_get(&f->counters.accepted[OTLPD_TRACES]), 2);
  assert_int_equal(otlpd_counter_get(&f->counters.refused[OTLPD_TRACES]), 4);
  free(body);
}

/* Waits (bounded) until everything the server charged is given back. */
static void wait_mem_used(fixture *f, size_t want) {
  for (int i = 0; i < 500 && atomic_load(&f->mem.used) != want; i++) usleep(10 * 1000);
  assert_int_equal(atomic_load(&f->mem.used), want);
}

/* Issue #16 defect 3: a valid body that does not fit in what is left of
 * the memory budget is refused retryably (503), not as too large (413),
 * and the same body is accepted once memory was released. */
static void test_budget_too_low_is_503_then_accepted(void **state) {
  fixture *f = *state;
  size_t len, zlen;
  uint8_t *body = trace_request(20000, &len);
  assert_true(len < MAX_BODY);
  uint8_t *gz = gzip_bytes(body, len, &zlen);
  f->mem.limit = (size_t)64 << 20;
  size_t held = f->mem.limit - ((size_t)2 << 20); /* others hold all but 2 MiB */
  atomic_store(&f->mem.used, held);
  response r;
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 503);
  assert_string_equal(header_value(&r, "retry-after"), "1");
  Google__Rpc__Status *st = status_from(&r);
  assert_non_null(st);
  assert_int_equal(st->code, 14);
  protobuf_c_message_free_unpacked(&st->base, NULL);
  wait_mem_used(f, held);
  /* the decompressed body alone does not fit: 503 too */
  atomic_store(&f->mem.used, f->mem.limit - 200 * 1024);
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: gzip\r\n", gz, zlen, &r);
  assert_int_equal(r.status, 503);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 0);
  wait_mem_used(f, f->mem.limit - 200 * 1024 + f->r.http->inflater.charged);

  /* memory released: only the server's own (its inflater's buffer) is held */
  size_t own = f->r.http->inflater.charged;
  atomic_store(&f->mem.used, own);
  request(f, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 20000);
  wait_mem_used(f, own); /* body and decode charges are given back */
  request(f, "POST", "/v1/traces", "application/x-protobuf", "Content-Encoding: gzip\r\n", gz, zlen, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(atomic_load(&f->sinks[OTLPD_TRACES].items), 40000);
  /* the inflater's buffer, kept for the next request, stays charged */
  wait_mem_used(f, f->r.http->inflater.charged);
  assert_true(f->r.http->inflater.charged >= len);
  free(gz);
  free(body);
}

static void test_cors(void **state) {
  fixture *f = *state;
  response r;
  request(f, "OPTIONS", "/v1/traces", NULL,
          "Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n"
          "Access-Control-Request-Headers: content-type, x-custom\r\n",
          NULL, 0, &r);
  assert_true(r.status == 200 || r.status == 204);
  assert_string_equal(header_value(&r, "access-control-allow-origin"), "https://app.example.com");
  assert_non_null(strstr(header_value(&r, "access-control-allow-methods"), "POST"));
  const char *ah = header_value(&r, "access-control-allow-headers");
  assert_non_null(ah);
  assert_true(contains_nocase(ah, "content-type"));
  assert_true(contains_nocase(ah, "x-custom"));
  assert_string_equal(header_value(&r, "access-control-max-age"), "600");

  request(f, "OPTIONS", "/v1/traces", NULL, "Origin: https://evil.test\r\nAccess-Control-Request-Method: POST\r\n",
          NULL, 0, &r);
  assert_null(header_value(&r, "access-control-allow-origin"));

  request(f, "POST", "/v1/logs", "application/json", "Origin: http://exact.test\r\n", json_logs, strlen(json_logs),
          &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(header_value(&r, "access-control-allow-origin"), "http://exact.test");
  request(f, "POST", "/v1/logs", "application/json", "Origin: http://other.test\r\n", json_logs, strlen(json_logs),
          &r);
  assert_int_equal(r.status, 200);
  assert_null(header_value(&r, "access-control-allow-origin"));
}

static void test_shutdown_closes_idle_keepalive(void **state) {
  fixture *f = *state;
  size_t len;
  uint8_t *body = trace_request(1, &len);
  int fd = connect_to(f);
  response r;
  request_on(fd, "POST", "/v1/traces", "application/x-protobuf", NULL, body, len, false, &r);
  assert_int_equal(r.status, 200);
  assert_false(r.closed);
  /* the connection is idle and kept alive; shutdown must still end the loop */
  stop_server(f);
  char c;
  assert_int_equal(recv(fd, &c, 1, 0), 0); /* EOF */
  close(fd);
  free(body);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_protobuf_traces_accepted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_json_logs_with_charset, setup, teardown),
      cmocka_unit_test_setup_teardown(test_keepalive_and_chunked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_protobuf_is_400_with_status, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_json_is_400_naming_reason, setup, teardown),
      cmocka_unit_test_setup_teardown(test_routing_and_method_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_too_large_bodies_are_413, setup, teardown),
      cmocka_unit_test_setup_teardown(test_decode_amplification_is_413, setup, teardown),
      cmocka_unit_test_setup_teardown(test_compressed_bodies, setup, teardown),
      cmocka_unit_test_setup_teardown(test_back_pressure_and_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_budget_too_low_is_503_then_accepted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shutdown_closes_idle_keepalive, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
