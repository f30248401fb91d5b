/* The shared HTTP client on a real loop against tests/lib/fault_server.py:
 * connection reuse, faults (status + Retry-After, reset, refused, timeout),
 * compression as the server decodes it, TLS verification, concurrency,
 * cancel and close. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <zstd.h>

#include "otlpd/component.h"
#include "otlpd/config.h"
#include "otlpd/http_client.h"

#define FAULT_SERVER OTLPD_SOURCE_DIR "/tests/lib/fault_server.py"

/* ---- the python server ---- */

typedef struct server {
  pid_t pid;
  int port;
} server;

static server server_start(const char *cert, const char *key) {
  int fds[2];
  server s = {0, 0};
  if (pipe(fds) < 0) fail_msg("pipe");
  s.pid = fork();
  if (s.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* a crashed test leaves no server behind */
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    if (cert) execlp("python3", "python3", FAULT_SERVER, "--tls", cert, key, (char *)NULL);
    else execlp("python3", "python3", FAULT_SERVER, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  if (!f || fscanf(f, "%d", &s.port) != 1) fail_msg("fault_server.py did not print its port");
  fclose(f);
  return s;
}

static void server_stop(server *s) {
  kill(s->pid, SIGTERM);
  waitpid(s->pid, NULL, 0);
}

/* ---- one request and what its done callback saw ---- */

typedef struct call {
  otlpd_http_req req;
  char url[256];
  int calls;
  int error;
  long status;
  int64_t retry_after_ms;
  char err_text[CURL_ERROR_SIZE];
  char *body;
  size_t body_len;
  bool truncated;
  char content_type[64];
  char encoding[32];
} call;

static void on_done(otlpd_http_req *req, const otlpd_http_result *r) {
  call *c = req->data;
  c->calls++;
  c->error = r->error;
  c->status = r->status;
  c->retry_after_ms = r->retry_after_ms;
  snprintf(c->err_text, sizeof(c->err_text), "%s", r->error_text);
  free(c->body);
  c->body = malloc(r->body_len + 1);
  memcpy(c->body, r->body, r->body_len + 1);
  c->body_len = r->body_len;
  c->truncated = r->body_truncated;
  const char *ct = otlpd_http_result_header(r, "content-type");
  snprintf(c->content_type, sizeof(c->content_type), "%s", ct ? ct : "");
  const char *xe = otlpd_http_result_header(r, "X-Content-Encoding");
  snprintf(c->encoding, sizeof(c->encoding), "%s", xe ? xe : "");
}

static void call_init(call *c, otlpd_http_method m, int port, const char *path) {
  memset(c, 0, sizeof(*c));
  snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d%s", port, path);
  c->req.method = m;
  c->req.url = c->url;
  c->req.timeout_ms = 20000; /* only to bound a hang */
  c->req.done = on_done;
  c->req.data = c;
}

static void call_free(call *c) {
  otlpd_http_req_release(&c->req);
  free(c->body);
  c->body = NULL;
}

typedef struct fixture {
  uv_loop_t loop;
  otlpd_http_client *client;
  server srv;
  otlpd_memacct mem;
} fixture;

/* The client unrefs its handles when idle, so uv_run returns once every
 * transfer completed. */
static void run_one(fixture *fx, call *c) {
  assert_int_equal(otlpd_http_send(fx->client, &c->req), 0);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(c->calls, 1);
}

static void control(fixture *fx, const char *path, const char *json) {
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, path);
  otlpd_http_req_set_body(&c.req, json, strlen(json));
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  call_free(&c);
}

static void fault(fixture *fx, const char *json) { control(fx, "/_fault", json); }

/* GET path; the caller frees the call. */
static void get(fixture *fx, call *c, const char *path) {
  call_init(c, OTLPD_HTTP_GET, fx->srv.port, path);
  run_one(fx, c);
  assert_int_equal(c->error, 0);
  assert_int_equal(c->status, 200);
}

static int stats_int(fixture *fx, const char *key) {
  call c;
  get(fx, &c, "/_stats");
  assert_string_equal(c.content_type, "application/json");
  char pat[64];
  snprintf(pat, sizeof(pat), "\"%s\": ", key);
  const char *p = strstr(c.body, pat);
  assert_non_null(p);
  int v = atoi(p + strlen(pat));
  call_free(&c);
  return v;
}

static int stats_requests(fixture *fx) {
  call c;
  get(fx, &c, "/_stats");
  int n = 0;
  for (const char *p = c.body; (p = strstr(p, "\"method\"")); p++) n++;
  call_free(&c);
  return n;
}

static int fixture_tls(void **state, const char *cert, const char *key) {
  fixture *fx = calloc(1, sizeof(*fx));
  assert_int_equal(uv_loop_init(&fx->loop), 0);
  fx->client = otlpd_http_client_new(&fx->loop, NULL);
  assert_non_null(fx->client);
  fx->srv = server_start(cert, key);
  *state = fx;
  return 0;
}

static int setup(void **state) { return fixture_tls(state, NULL, NULL); }

static void closed_cb(void *arg) { (*(int *)arg)++; }

static int teardown(void **state) {
  fixture *fx = *state;
  int closed = 0;
  if (fx->client) otlpd_http_client_close(fx->client, closed_cb, &closed);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  if (fx->client) assert_int_equal(closed, 1);
  /* Nothing of the client is left on the loop. */
  assert_int_equal(uv_loop_close(&fx->loop), 0);
  server_stop(&fx->srv);
  assert_int_equal(otlpd_memacct_used(&fx->mem), 0);
  free(fx);
  return 0;
}

/* ---- tests ---- */

static void sequential_requests_reuse_one_connection(void **state) {
  fixture *fx = *state;
  for (int i = 0; i < 20; i++) {
    call c;
    call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
    otlpd_http_req_set_body(&c.req, "payload", 7);
    run_one(fx, &c);
    assert_int_equal(c.error, 0);
    assert_int_equal(c.status, 200);
    call_free(&c);
  }
  assert_int_equal(stats_requests(fx), 20);
  /* Control requests went over the same connection too. */
  assert_int_equal(stats_int(fx, "connections"), 1);
}

static void status_and_retry_after_seconds(void **state) {
  fixture *fx = *state;
  fault(fx, "{\"status\":503,\"retry_after\":\"2\",\"body\":\"busy\"}");
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/logs");
  run_one(fx, &c);
  assert_int_equal(c.error, 0);
  assert_int_equal(c.status, 503);
  assert_int_equal(c.retry_after_ms, 2000);
  assert_string_equal(c.body, "busy");
  /* The fault was for one request only; no Retry-After then. */
  c.calls = 0;
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  assert_int_equal(c.retry_after_ms, -1);
  call_free(&c);
}

static void status_and_retry_after_date(void **state) {
  fixture *fx = *state;
  char date[64], json[160];
  time_t at = time(NULL) + 30;
  struct tm tm;
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
  snprintf(json, sizeof(json), "{\"status\":429,\"retry_after\":\"%s\",\"times\":2}", date);
  fault(fx, json);
  call c;
  call_init(&c, OTLPD_HTTP_PUT, fx->srv.port, "/x");
  run_one(fx, &c);
  assert_int_equal(c.status, 429);
  assert_true(c.retry_after_ms > 0 && c.retry_after_ms <= 30000);
  call_free(&c);
  /* A date in the past means "now". */
  at = time(NULL) - 60;
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
  control(fx, "/_clear", "{}");
  snprintf(json, sizeof(json), "{\"status\":503,\"retry_after\":\"%s\"}", date);
  fault(fx, json);
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/x");
  run_one(fx, &c);
  assert_int_equal(c.status, 503);
  assert_int_equal(c.retry_after_ms, 0);
  call_free(&c);
}

static void reset_is_a_transport_error(void **state) {
  fixture *fx = *state;
  /* Twice: libcurl resends once by itself when a reused connection dies
   * before any answer, and the fault must hit that resend too. */
  fault(fx, "{\"reset\":true,\"times\":2}");
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  otlpd_http_req_set_body(&c.req, "x", 1);
  run_one(fx, &c);
  assert_int_equal(c.error, OTLPD_HTTP_E_RESET);
  assert_int_equal(c.status, 0);
  assert_true(c.err_text[0] != '\0');
  /* The next request gets a fresh connection and goes through. */
  control(fx, "/_clear", "{}");
  c.calls = 0;
  run_one(fx, &c);
  assert_int_equal(c.error, 0);
  assert_int_equal(c.status, 200);
  call_free(&c);
}

static int unused_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(a);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd); /* bound, never listened: nobody accepts on it now */
  return ntohs(a.sin_port);
}

static void refused_is_a_transport_error(void **state) {
  fixture *fx = *state;
  call c;
  call_init(&c, OTLPD_HTTP_POST, unused_port(), "/v1/traces");
  run_one(fx, &c);
  assert_int_equal(c.error, OTLPD_HTTP_E_REFUSED);
  assert_non_null(strstr(c.err_text, "onnect"));
  call_free(&c);
}

static void timeout_then_loop_keeps_working(void **state) {
  fixture *fx = *state;
  fault(fx, "{\"delay_ms\":3000}");
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/slow");
  c.req.timeout_ms = 300;
  run_one(fx, &c);
  assert_int_equal(c.error, OTLPD_HTTP_E_TIMEOUT);
  c.calls = 0;
  c.req.timeout_ms = 20000;
  run_one(fx, &c);
  assert_int_equal(c.error, 0);
  assert_int_equal(c.status, 200);
  call_free(&c);
}

static char *pattern(size_t n) {
  char *p = malloc(n);
  for (size_t i = 0; i < n; i++) p[i] = (char)('a' + (i * 7 + i / 13) % 26);
  return p;
}

static void gzip_body_decodes_to_the_original(void **state) {
  fixture *fx = *state;
  size_t n = 100000;
  char *body = pattern(n);
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  c.req.compression = OTLPD_HTTP_COMPRESS_GZIP;
  c.req.mem = &fx->mem;
  otlpd_http_req_set_body(&c.req, body, n);
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  assert_true(otlpd_memacct_used(&fx->mem) > 0); /* the compressed copy is charged */
  /* A resend reuses the compressed copy. */
  c.calls = 0;
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  call last;
  get(fx, &last, "/_last");
  assert_string_equal(last.encoding, "gzip");
  assert_int_equal(last.body_len, 65536); /* default response bound */
  assert_true(last.truncated);
  call_free(&last);
  call_init(&last, OTLPD_HTTP_GET, fx->srv.port, "/_last");
  last.req.body_limit = 2 * n;
  run_one(fx, &last);
  assert_int_equal(last.body_len, n);
  assert_false(last.truncated);
  assert_memory_equal(last.body, body, n);
  call_free(&last);
  call_free(&c);
  free(body);
}

/* Level 1 goes through igzip, the others through libdeflate: both must
 * give gzip the server inflates back to the body, also for bytes that do
 * not compress (stored blocks, the output-bound case). */
static void gzip_level1_decodes_to_the_original(void **state) {
  fixture *fx = *state;
  size_t n = 300000;
  char *body = pattern(n);
  uint64_t x = 88172645463325252ull;
  for (size_t i = n / 2; i < n; i++) { /* xorshift: incompressible half */
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    body[i] = (char)x;
  }
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  c.req.compression = OTLPD_HTTP_COMPRESS_GZIP;
  c.req.compression_level = 1;
  c.req.mem = &fx->mem;
  otlpd_http_req_set_body(&c.req, body, n);
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  call last;
  call_init(&last, OTLPD_HTTP_GET, fx->srv.port, "/_last");
  last.req.body_limit = 2 * n;
  run_one(fx, &last);
  assert_string_equal(last.encoding, "gzip");
  assert_int_equal(last.body_len, n);
  assert_memory_equal(last.body, body, n);
  call_free(&last);
  call_free(&c);
  free(body);
}

static void zstd_body_is_a_valid_frame(void **state) {
  fixture *fx = *state;
  size_t n = 50000;
  char *body = pattern(n);
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  c.req.compression = OTLPD_HTTP_COMPRESS_ZSTD;
  otlpd_http_req_set_body(&c.req, body, n);
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  call raw;
  get(fx, &raw, "/_last?raw=1");
  assert_string_equal(raw.encoding, "zstd");
  assert_true(raw.body_len > 4 && raw.body_len < n);
  assert_memory_equal(raw.body, "\x28\xb5\x2f\xfd", 4);
  char *out = malloc(n);
  assert_int_equal(ZSTD_decompress(out, n, raw.body, raw.body_len), n);
  assert_memory_equal(out, body, n);
  free(out);
  call_free(&raw);
  call_free(&c);
  free(body);
}

#define CONCURRENT 50

static void concurrent_requests_complete_once(void **state) {
  fixture *fx = *state;
  call *cs = calloc(CONCURRENT, sizeof(call));
  for (int i = 0; i < CONCURRENT; i++) {
    call_init(&cs[i], OTLPD_HTTP_POST, fx->srv.port, "/v1/metrics");
    otlpd_http_req_set_body(&cs[i].req, "m", 1);
    assert_int_equal(otlpd_http_send(fx->client, &cs[i].req), 0);
  }
  assert_int_equal(otlpd_http_client_active(fx->client), CONCURRENT);
  /* Sending a request twice while in flight is refused. */
  assert_int_equal(otlpd_http_send(fx->client, &cs[0].req), -EBUSY);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  for (int i = 0; i < CONCURRENT; i++) {
    assert_int_equal(cs[i].calls, 1);
    assert_int_equal(cs[i].error, 0);
    assert_int_equal(cs[i].status, 200);
    call_free(&cs[i]);
  }
  free(cs);
  assert_int_equal(stats_requests(fx), CONCURRENT);
}

static void on_cancel_timer(uv_timer_t *t) {
  otlpd_http_cancel(t->data);
  uv_close((uv_handle_t *)t, NULL);
}

static void cancel_in_flight_calls_done_once(void **state) {
  fixture *fx = *state;
  fault(fx, "{\"delay_ms\":3000}");
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/slow");
  assert_int_equal(otlpd_http_send(fx->client, &c.req), 0);
  uv_timer_t t;
  uv_timer_init(&fx->loop, &t);
  t.data = &c.req;
  uv_timer_start(&t, on_cancel_timer, 100, 0);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(c.calls, 1);
  assert_int_equal(c.error, OTLPD_HTTP_E_CANCELLED);
  assert_false(otlpd_http_req_in_flight(&c.req));
  otlpd_http_cancel(&c.req); /* not in flight: nothing */
  assert_int_equal(c.calls, 1);
  call_free(&c);
}

static void close_cancels_what_is_in_flight(void **state) {
  fixture *fx = *state;
  fault(fx, "{\"delay_ms\":2000}");
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/slow");
  assert_int_equal(otlpd_http_send(fx->client, &c.req), 0);
  uv_run(&fx->loop, UV_RUN_NOWAIT);
  int closed = 0;
  otlpd_http_client_close(fx->client, closed_cb, &closed);
  fx->client = NULL;
  assert_int_equal(c.calls, 1);
  assert_int_equal(c.error, OTLPD_HTTP_E_CANCELLED);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(closed, 1);
  call_free(&c);
}

static int body_chunks;
static size_t body_bytes;
static int on_body(otlpd_http_req *req, const char *p, size_t n) {
  (void)req;
  (void)p;
  body_chunks++;
  body_bytes += n;
  return 0;
}

static void streaming_body(void **state) {
  fixture *fx = *state;
  size_t n = 300000;
  char *body = pattern(n);
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  otlpd_http_req_set_body(&c.req, body, n);
  run_one(fx, &c);
  call_free(&c);
  body_chunks = 0;
  body_bytes = 0;
  call_init(&c, OTLPD_HTTP_GET, fx->srv.port, "/_last");
  c.req.on_body = on_body;
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  assert_int_equal(body_bytes, n);
  assert_true(body_chunks >= 1);
  assert_int_equal(c.body_len, 0); /* nothing collected when streaming */
  call_free(&c);
  free(body);
}

static void headers_reach_the_server(void **state) {
  fixture *fx = *state;
  char *keys[] = {"X-Tenant", "Authorization"}, *values[] = {"t1", "Bearer abc"};
  otlpd_strmap cfg_headers = {keys, values, 2};
  const char *const extra[] = {"Content-Type: application/x-protobuf", NULL};
  call c;
  call_init(&c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  c.req.headers = &cfg_headers;
  c.req.extra_headers = extra;
  c.req.compression = OTLPD_HTTP_COMPRESS_GZIP;
  otlpd_http_req_set_body(&c.req, "abc", 3);
  run_one(fx, &c);
  assert_int_equal(c.status, 200);
  call_free(&c);
  call st;
  get(fx, &st, "/_stats");
  assert_non_null(strstr(st.body, "\"X-Tenant\": \"t1\""));
  assert_non_null(strstr(st.body, "\"Authorization\": \"Bearer abc\""));
  assert_non_null(strstr(st.body, "\"Content-Type\": \"application/x-protobuf\""));
  assert_non_null(strstr(st.body, "\"Content-Encoding\": \"gzip\""));
  assert_non_null(strstr(st.body, "\"body_length\": 3"));
  assert_null(strstr(st.body, "\"Expect\""));
  call_free(&st);
}

/* The daemon's slot: one client made on first use, closed through the slot. */
static void shared_client_is_made_once(void **state) {
  fixture *fx = *state;
  otlpd_http_slot slot = {0};
  otlpd_log_level lvl = OTLPD_LOG_ERROR;
  otlpd_host host = {.loop = &fx->loop, .log = {"test", &lvl}, .http = &slot};
  otlpd_http_client *a = otlpd_http_shared(&host);
  assert_non_null(a);
  assert_ptr_equal(otlpd_http_shared(&host), a);
  call c;
  call_init(&c, OTLPD_HTTP_GET, fx->srv.port, "/x");
  assert_int_equal(otlpd_http_send(a, &c.req), 0);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(c.status, 200);
  call_free(&c);
  slot.close(slot.client);
  assert_int_equal(otlpd_http_send(a, &c.req), -ESHUTDOWN);
  otlpd_host bare = {.loop = &fx->loop};
  assert_null(otlpd_http_shared(&bare));
}

static void settings_compression_names(void **state) {
  (void)state;
  otlpd_http_compression k;
  assert_int_equal(otlpd_http_compression_parse("gzip", &k), 0);
  assert_int_equal(k, OTLPD_HTTP_COMPRESS_GZIP);
  assert_int_equal(otlpd_http_compression_parse("zstd", &k), 0);
  assert_int_equal(k, OTLPD_HTTP_COMPRESS_ZSTD);
  assert_int_equal(otlpd_http_compression_parse("none", &k), 0);
  assert_int_equal(k, OTLPD_HTTP_COMPRESS_NONE);
  assert_int_equal(otlpd_http_compression_parse("snappy", &k), -EINVAL);

  otlpd_errors errs = {0};
  otlpd_http_client_cfg cfg = {.endpoint = "https://x:4318", .compression = "gzip",
                               .tls = {.min_version = "1.2", .max_version = "1.3"}};
  assert_int_equal(otlpd_http_client_cfg_validate(&cfg, "exporters::otlphttp", &errs), 0);
  cfg.compression = "lz4";
  cfg.endpoint = "x:4318";
  cfg.tls.min_version = "1.4";
  cfg.tls.cert_file = "c.pem";
  assert_int_equal(otlpd_http_client_cfg_validate(&cfg, "exporters::otlphttp", &errs), -EINVAL);
  assert_int_equal(errs.n, 4);
  assert_non_null(strstr(errs.msgs[3], "exporters::otlphttp::tls: cert_file and key_file"));
  otlpd_errors_free(&errs);
  cfg.tls = (otlpd_tls_client_cfg){.min_version = "1.3", .max_version = "1.2"};
  cfg.compression = NULL;
  cfg.endpoint = NULL;
  assert_int_equal(otlpd_http_client_cfg_validate(&cfg, "e", &errs), -EINVAL);
  assert_int_equal(errs.n, 1);
  assert_non_null(strstr(errs.msgs[0], "e::tls::max_version"));
  otlpd_errors_free(&errs);
}

/* ---- TLS, with certificates made now by the openssl CLI ---- */

static char tls_dir[64];

static void sh(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("failed: %s", cmd);
}

static int tls_group_setup(void **state) {
  (void)state;
  snprintf(tls_dir, sizeof(tls_dir), "/tmp/otlpd-httpc-XXXXXX");
  if (!mkdtemp(tls_dir)) return -1;
  const char *d = tls_dir;
  sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
     "-subj /CN=otlpd-test-ca 2>/dev/null", d);
  sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 "
     "-subj /CN=otlpd-other-ca 2>/dev/null", d);
  sh("cd %s && openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
     "-subj /CN=localhost 2>/dev/null", d);
  sh("cd %s && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:otlpd.test\\n' > ext.cnf && "
     "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 "
     "-extfile ext.cnf 2>/dev/null", d);
  return 0;
}

static int tls_group_teardown(void **state) {
  (void)state;
  sh("rm -rf %s", tls_dir);
  return 0;
}

static int tls_setup(void **state) {
  char cert[128], key[128];
  snprintf(cert, sizeof(cert), "%s/srv.pem", tls_dir);
  snprintf(key, sizeof(key), "%s/srv.key", tls_dir);
  return fixture_tls(state, cert, key);
}

static void https_call(fixture *fx, call *c, otlpd_tls_client_cfg *t) {
  call_init(c, OTLPD_HTTP_POST, fx->srv.port, "/v1/traces");
  snprintf(c->url, sizeof(c->url), "https://127.0.0.1:%d/v1/traces", fx->srv.port);
  c->req.tls = t;
  otlpd_http_req_set_body(&c->req, "secret", 6);
  run_one(fx, c);
}

static void tls_verifies_with_ca_file(void **state) {
  fixture *fx = *state;
  char ca[128];
  snprintf(ca, sizeof(ca), "%s/ca.pem", tls_dir);
  otlpd_tls_client_cfg t = {.ca_file = ca, .min_version = "1.2"};
  call c;
  https_call(fx, &c, &t);
  assert_int_equal(c.error, 0);
  assert_int_equal(c.status, 200);
  call_free(&c);
}

static void tls_wrong_ca_fails(void **state) {
  fixture *fx = *state;
  char ca[128];
  snprintf(ca, sizeof(ca), "%s/other.pem", tls_dir);
  otlpd_tls_client_cfg t = {.ca_file = ca};
  call c;
  https_call(fx, &c, &t);
  assert_int_equal(c.error, OTLPD_HTTP_E_TLS);
  assert_true(c.err_text[0] != '\0');
  call_free(&c);
  /* insecure_skip_verify accepts the same server. */
  t.insecure_skip_verify = true;
  https_call(fx, &c, &t);
  assert_int_equal(c.error, 0);
  assert_int_equal(c.status, 200);
  call_free(&c);
}

static void tls_server_name_override(void **state) {
  fixture *fx = *state;
  char ca[128];
  snprintf(ca, sizeof(ca), "%s/ca.pem", tls_dir);
  otlpd_tls_client_cfg t = {.ca_file = ca, .server_name_override = "otlpd.test"};
  call c;
  https_call(fx, &c, &t);
  assert_int_equal(c.error, 0);
  assert_int_equal(c.status, 200);
  call_free(&c);
  /* A name the certificate does not carry fails verification. */
  t.server_name_override = "elsewhere.test";
  https_call(fx, &c, &t);
  assert_int_equal(c.error, OTLPD_HTTP_E_TLS);
  call_free(&c);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest plain[] = {
      cmocka_unit_test_setup_teardown(sequential_requests_reuse_one_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(status_and_retry_after_seconds, setup, teardown),
      cmocka_unit_test_setup_teardown(status_and_retry_after_date, setup, teardown),
      cmocka_unit_test_setup_teardown(reset_is_a_transport_error, setup, teardown),
      cmocka_unit_test_setup_teardown(refused_is_a_transport_error, setup, teardown),
      cmocka_unit_test_setup_teardown(timeout_then_loop_keeps_working, setup, teardown),
      cmocka_unit_test_setup_teardown(gzip_body_decodes_to_the_original, setup, teardown),
      cmocka_unit_test_setup_teardown(gzip_level1_decodes_to_the_original, setup, teardown),
      cmocka_unit_test_setup_teardown(zstd_body_is_a_valid_frame, setup, teardown),
      cmocka_unit_test_setup_teardown(concurrent_requests_complete_once, setup, teardown),
      cmocka_unit_test_setup_teardown(cancel_in_flight_calls_done_once, setup, teardown),
      cmocka_unit_test_setup_teardown(close_cancels_what_is_in_flight, setup, teardown),
      cmocka_unit_test_setup_teardown(streaming_body, setup, teardown),
      cmocka_unit_test_setup_teardown(headers_reach_the_server, setup, teardown),
      cmocka_unit_test_setup_teardown(shared_client_is_made_once, setup, teardown),
      cmocka_unit_test(settings_compression_names),
  };
  const struct CMUnitTest tls[] = {
      cmocka_unit_test_setup_teardown(tls_verifies_with_ca_file, tls_setup, teardown),
      cmocka_unit_test_setup_teardown(tls_wrong_ca_fails, tls_setup, teardown),
      cmocka_unit_test_setup_teardown(tls_server_name_override, tls_setup, teardown),
  };
  int rc = cmocka_run_group_tests_name("http_client", plain, NULL, NULL);
  rc += cmocka_run_group_tests_name("http_client_tls", tls, tls_group_setup, tls_group_teardown);
  curl_global_cleanup();
  return rc;
}
