/* One transfer: easy handle reuse, per-request options, response
 * collection and the completion callback. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_internal.h"

otlpd_http_xfer *otlpd_http_xfer_take(otlpd_http_client *c) {
  otlpd_http_xfer *x = c->idle;
  if (x) {
    c->idle = x->next;
    c->n_idle--;
    /* Forget the last request's options; connections and the DNS cache
     * live in the multi handle and are kept. */
    curl_easy_reset(x->easy);
  } else {
    x = calloc(1, sizeof(*x));
    if (!x) return NULL;
    x->easy = curl_easy_init();
    if (!x->easy) {
      free(x);
      return NULL;
    }
    x->c = c;
  }
  x->prev = x->next = NULL;
  otlpd_buf_clear(&x->body);
  otlpd_buf_clear(&x->resp_hdrs);
  x->body_truncated = false;
  x->abort_err = 0;
  x->errbuf[0] = '\0';
  return x;
}

static void xfer_clear(otlpd_http_xfer *x) {
  curl_slist_free_all(x->hdrs);
  x->hdrs = NULL;
  curl_slist_free_all(x->connect_to);
  x->connect_to = NULL;
  free(x->url_override);
  x->url_override = NULL;
}

void otlpd_http_xfer_free(otlpd_http_xfer *x) {
  xfer_clear(x);
  curl_easy_cleanup(x->easy);
  otlpd_buf_free(&x->body);
  otlpd_buf_free(&x->resp_hdrs);
  free(x);
}

void otlpd_http_xfer_put(otlpd_http_client *c, otlpd_http_xfer *x) {
  xfer_clear(x);
  /* A body buffer grown by one huge answer is not kept for the next. */
  if (x->body.cap > 4 * OTLPD_HTTP_DEFAULT_BODY_LIMIT) otlpd_buf_free(&x->body);
  if (c->closing || c->n_idle >= OTLPD_HTTP_IDLE_XFERS) {
    otlpd_http_xfer_free(x);
    return;
  }
  x->req = NULL;
  x->next = c->idle;
  c->idle = x;
  c->n_idle++;
}

/* Response headers: one "name: value" entry per line of the last response
 * (a 100 Continue or redirect starts over at its status line). */
static size_t on_header(char *p, size_t size, size_t n, void *userp) {
  otlpd_http_xfer *x = userp;
  size_t len = size * n, keep = len;
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    otlpd_buf_clear(&x->resp_hdrs);
    return len;
  }
  while (keep > 0 && (p[keep - 1] == '\r' || p[keep - 1] == '\n' || p[keep - 1] == ' ')) keep--;
  if (keep == 0 || x->resp_hdrs.len + keep > 64 * 1024) return len; /* bounded */
  if (otlpd_buf_append(&x->resp_hdrs, p, keep) < 0 || otlpd_buf_append(&x->resp_hdrs, "", 1) < 0)
    return 0; /* out of memory: abort the transfer */
  return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *userp) {
  otlpd_http_xfer *x = userp;
  size_t len = size * n;
  otlpd_http_req *req = x->req;
  if (req->on_body) {
    int rc = req->on_body(req, p, len);
    if (rc < 0) {
      x->abort_err = rc;
      return 0;
    }
    return len;
  }
  size_t room = x->body_limit > x->body.len ? x->body_limit - x->body.len : 0;
  size_t take = len < room ? len : room;
  if (take < len) x->body_truncated = true;
  /* One extra byte keeps the body NUL-terminated for the result. */
  if (take && otlpd_buf_reserve(&x->body, take + 1) < 0) {
    x->abort_err = -ENOMEM;
    return 0;
  }
  if (take) otlpd_buf_append(&x->body, p, take);
  return len;
}

static int add_header(otlpd_http_xfer *x, const char *line) {
  struct curl_slist *l = curl_slist_append(x->hdrs, line);
  if (!l) return -ENOMEM;
  x->hdrs = l;
  return 0;
}

static int set_headers(otlpd_http_xfer *x, const otlpd_http_req *req) {
  int rc = add_header(x, "Expect:"); /* no 100-continue round trip */
  if (rc == 0 && req->compression == OTLPD_HTTP_COMPRESS_GZIP)
    rc = add_header(x, "Content-Encoding: gzip");
  if (rc == 0 && req->compression == OTLPD_HTTP_COMPRESS_ZSTD)
    rc = add_header(x, "Content-Encoding: zstd");
  for (size_t i = 0; rc == 0 && req->headers && i < req->headers->n; i++) {
    const char *k = req->headers->keys[i], *v = req->headers->values[i];
    size_t n = strlen(k) + strlen(v) + 3;
    char *line = malloc(n);
    if (!line) return -ENOMEM;
    /* "Name;" is libcurl's way to send a header with an empty value. */
    if (*v) snprintf(line, n, "%s: %s", k, v);
    else snprintf(line, n, "%s;", k);
    rc = add_header(x, line);
    free(line);
  }
  for (const char *const *h = req->extra_headers; rc == 0 && h && *h; h++) rc = add_header(x, *h);
  return rc;
}

static long tls_version(int v) {
  switch (v) {
  case 10: return CURL_SSLVERSION_TLSv1_0;
  case 11: return CURL_SSLVERSION_TLSv1_1;
  case 13: return CURL_SSLVERSION_TLSv1_3;
  default: return CURL_SSLVERSION_TLSv1_2;
  }
}

static long tls_max_version(int v) {
  switch (v) {
  case 10: return CURL_SSLVERSION_MAX_TLSv1_0;
  case 11: return CURL_SSLVERSION_MAX_TLSv1_1;
  case 12: return CURL_SSLVERSION_MAX_TLSv1_2;
  case 13: return CURL_SSLVERSION_MAX_TLSv1_3;
  default: return CURL_SSLVERSION_MAX_DEFAULT;
  }
}

/* server_name_override: libcurl takes SNI and the verified name from the
 * URL's host, so the URL names the override and CONNECT_TO sends the
 * connection to the real host. The Host header carries the override too. */
static int override_name(otlpd_http_xfer *x, const char *url, const char *name) {
  CURLU *u = curl_url();
  char *host = NULL, *port = NULL;
  int rc = -EINVAL;
  if (!u) return -ENOMEM;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_HOST, name, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &x->url_override, 0) == CURLUE_OK) {
    size_t n = strlen(name) + strlen(host) + 2 * strlen(port) + 4;
    char *line = malloc(n);
    rc = -ENOMEM;
    if (line) {
      snprintf(line, n, "%s:%s:%s:%s", name, port, host, port);
      struct curl_slist *l = curl_slist_append(NULL, line);
      free(line);
      if (l) {
        x->connect_to = l;
        rc = 0;
      }
    }
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return rc;
}

static int set_tls(otlpd_http_xfer *x, const otlpd_tls_client_cfg *t, bool https) {
  CURL *e = x->easy;
  if (https) curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  if (!t) {
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    return 0;
  }
  int lo = otlpd_tls_version_parse(t->min_version), hi = otlpd_tls_version_parse(t->max_version);
  curl_easy_setopt(e, CURLOPT_SSLVERSION, tls_version(lo) | tls_max_version(hi));
  if (t->ca_file && *t->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
  if (t->cert_file && *t->cert_file) curl_easy_setopt(e, CURLOPT_SSLCERT, t->cert_file);
  if (t->key_file && *t->key_file) curl_easy_setopt(e, CURLOPT_SSLKEY, t->key_file);
  if (t->insecure_skip_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (https && t->server_name_override && *t->server_name_override) {
    int rc = override_name(x, x->req ? x->req->url : "", t->server_name_override);
    if (rc < 0) return rc;
    curl_easy_setopt(e, CURLOPT_URL, x->url_override);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, x->connect_to);
  }
  return 0;
}

static void set_method(CURL *e, const otlpd_http_req *req, const void *body, size_t len) {
  switch (req->method) {
  case OTLPD_HTTP_GET: curl_easy_setopt(e, CURLOPT_HTTPGET, 1L); return;
  case OTLPD_HTTP_HEAD: curl_easy_setopt(e, CURLOPT_NOBODY, 1L); return;
  case OTLPD_HTTP_PUT: curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT"); break;
  case OTLPD_HTTP_POST: break;
  }
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  /* Borrowed, not copied: the caller keeps the body until done. */
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, len ? body : "");
}

int otlpd_http_xfer_setup(otlpd_http_xfer *x, otlpd_http_req *req) {
  CURL *e = x->easy;
  x->req = req; /* set_tls reads the URL through it */
  x->body_limit = req->body_limit ? req->body_limit : OTLPD_HTTP_DEFAULT_BODY_LIMIT;
  bool https = strncasecmp(req->url, "https://", 8) == 0;
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                   (long)(req->h2c ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L); /* prefer multiplexing over a new connection */
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  if (req->timeout_ms > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  int rc = set_tls(x, req->tls, https);
  if (rc == 0) rc = set_headers(x, req);
  if (rc < 0) return rc;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
  bool packed = req->compression != OTLPD_HTTP_COMPRESS_NONE;
  set_method(e, req, packed ? (const void *)req->packed_.data : req->body_,
             packed ? req->packed_.len : req->body_len_);
  return 0;
}

int otlpd_http_error_from_curl(CURLcode code) {
  switch (code) {
  case CURLE_OK: return 0;
  case CURLE_COULDNT_CONNECT: return OTLPD_HTTP_E_REFUSED;
  case CURLE_OPERATION_TIMEDOUT: return OTLPD_HTTP_E_TIMEOUT;
  case CURLE_COULDNT_RESOLVE_HOST: return OTLPD_HTTP_E_RESOLVE;
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM: return OTLPD_HTTP_E_RESET;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_SHUTDOWN_FAILED: return OTLPD_HTTP_E_TLS;
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_BAD_FUNCTION_ARGUMENT: return OTLPD_HTTP_E_REQUEST;
  case CURLE_OUT_OF_MEMORY: return -ENOMEM;
  default: return -EIO;
  }
}

static void detach(otlpd_http_xfer *x) {
  otlpd_http_client *c = x->c;
  if (c->multi) curl_multi_remove_handle(c->multi, x->easy);
  if (x->prev) x->prev->next = x->next;
  else c->active = x->next;
  if (x->next) x->next->prev = x->prev;
  x->prev = x->next = NULL;
  c->n_active--;
  x->req->xfer_ = NULL;
}

static void report(otlpd_http_xfer *x, otlpd_http_result *res) {
  otlpd_http_req *req = x->req;
  res->xfer_ = x;
  if (!res->error_text) res->error_text = "";
  /* The request may be resent from done, with another transfer; this one
   * (and the result's pointers into it) lives until done returned. */
  detach(x);
  req->done(req, res);
  otlpd_http_xfer_put(x->c, x);
}

void otlpd_http_xfer_fail(otlpd_http_xfer *x, int err, const char *text) {
  otlpd_http_result res = {.error = err, .error_text = text, .retry_after_ms = -1, .body = ""};
  report(x, &res);
}

void otlpd_http_xfer_finish(otlpd_http_xfer *x, CURLcode code) {
  otlpd_http_result res = {.retry_after_ms = -1, .body = ""};
  if (code != CURLE_OK) {
    res.error = x->abort_err ? x->abort_err : otlpd_http_error_from_curl(code);
    res.error_text = x->errbuf[0] ? x->errbuf : curl_easy_strerror(code);
    report(x, &res);
    return;
  }
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &res.status);
  const char *ra = otlpd_http_result_header(&(otlpd_http_result){.xfer_ = x}, "Retry-After");
  if (ra) res.retry_after_ms = otlpd_retry_after_ms(ra, (int64_t)time(NULL));
  if (x->body.len) {
    x->body.data[x->body.len] = '\0'; /* on_write reserved the byte */
    res.body = (const char *)x->body.data;
    res.body_len = x->body.len;
  }
  res.body_truncated = x->body_truncated;
  report(x, &res);
}

const char *otlpd_http_result_header(const otlpd_http_result *r, const char *name) {
  const otlpd_http_xfer *x = r->xfer_;
  if (!x) return NULL;
  size_t n = strlen(name);
  const char *p = (const char *)x->resp_hdrs.data, *end = p + x->resp_hdrs.len;
  while (p && p < end) {
    size_t len = strlen(p);
    if (len > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
      const char *v = p + n + 1;
      while (*v == ' ' || *v == '\t') v++;
      return v;
    }
    p += len + 1;
  }
  return NULL;
}
