/* One TLS connection of a gRPC TLS endpoint, terminated on the loop.
 *
 *   client <-TLS-> [client tcp | SSL with memory BIOs | inner end] <-plain-> gRPC core
 *
 * The inner side is a socketpair whose other end gRPC core serves as a
 * plaintext connection (grpc_server_add_channel_from_fd). Bytes are moved
 * as they come; a side whose peer has more than FLOW_HIGH bytes queued
 * for writing stops being read until that drains, so neither a slow
 * client nor a slow server makes us buffer without bound. Whichever side
 * closes first ends the connection: the other side's queued writes are
 * flushed first when it is the server (gRPC's last reply). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <grpc/grpc_posix.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "grpc_server.h"

#define FLOW_HIGH (256 * 1024)
#define PLAIN_CHUNK (16 * 1024)

struct otlp_grpc_tls_conn {
  uv_tcp_t client;
  uv_pipe_t inner;
  SSL *ssl;
  BIO *rbio, *wbio;            /* owned by ssl */
  otlp_grpc_listener *l;       /* NULL once the listener let go of it */
  otlp_grpc_tls_conn *prev, *next;
  int handles;
  bool closing, draining;
  /* gRPC core writes its preface at once, before the TLS handshake is
   * done; it is kept here until SSL can carry it. */
  char *early;
  size_t early_len;
};

typedef struct wreq {
  uv_write_t req;
  otlp_grpc_tls_conn *c;
  char data[];
} wreq;

static void on_handle_closed(uv_handle_t *h) {
  otlp_grpc_tls_conn *c = h->data;
  if (--c->handles > 0) return;
  SSL_free(c->ssl);
  free(c->early);
  free(c);
}

static void conn_close(otlp_grpc_tls_conn *c) {
  if (c->closing) return;
  c->closing = true;
  if (c->l) {
    if (c->prev) c->prev->next = c->next;
    else c->l->tls_conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->l->n_tls_conns--;
  }
  uv_close((uv_handle_t *)&c->client, on_handle_closed);
  uv_close((uv_handle_t *)&c->inner, on_handle_closed);
}

static void on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static void on_inner_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void alloc_buf(uv_handle_t *h, size_t want, uv_buf_t *buf) {
  otlp_grpc_tls_conn *c = h->data;
  (void)want;
  /* Consumed within the read callback, so one buffer serves the listener. */
  *buf = uv_buf_init(c->l ? c->l->tls_buf : NULL, c->l ? sizeof(c->l->tls_buf) : 0);
}

/* Reads resume once the stream they feed has drained below FLOW_HIGH. */
static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  otlp_grpc_tls_conn *c = w->c;
  uv_stream_t *to = req->handle;
  free(w);
  if (c->closing) return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (uv_stream_get_write_queue_size(to) >= FLOW_HIGH) return;
  if (to == (uv_stream_t *)&c->client) {
    if (c->draining) {
      if (uv_stream_get_write_queue_size(to) == 0) conn_close(c);
      return;
    }
    uv_read_start((uv_stream_t *)&c->inner, alloc_buf, on_inner_read);
  } else {
    uv_read_start((uv_stream_t *)&c->client, alloc_buf, on_client_read);
  }
}

static int send_bytes(otlp_grpc_tls_conn *c, uv_stream_t *to, wreq *w, size_t len) {
  w->c = c;
  uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, to, &b, 1, on_written) != 0) {
    free(w);
    return -EIO;
  }
  return 0;
}

/* Encrypted bytes SSL produced (handshake, records) go to the client. */
static int flush_tls(otlp_grpc_tls_conn *c) {
  size_t pending;
  while ((pending = BIO_ctrl_pending(c->wbio)) > 0) {
    wreq *w = malloc(sizeof(*w) + pending);
    if (!w) return -ENOMEM;
    int got = BIO_read(c->wbio, w->data, (int)pending);
    if (got <= 0) {
      free(w);
      return -EIO;
    }
    if (send_bytes(c, (uv_stream_t *)&c->client, w, (size_t)got) != 0) return -EIO;
  }
  if (uv_stream_get_write_queue_size((uv_stream_t *)&c->client) >= FLOW_HIGH)
    uv_read_stop((uv_stream_t *)&c->inner);
  return 0;
}

/* Plaintext out of SSL goes to gRPC core. false: end the connection. */
static bool decrypt_to_inner(otlp_grpc_tls_conn *c) {
  for (;;) {
    wreq *w = malloc(sizeof(*w) + PLAIN_CHUNK);
    if (!w) return false;
    int r = SSL_read(c->ssl, w->data, PLAIN_CHUNK);
    if (r <= 0) {
      free(w);
      int e = SSL_get_error(c->ssl, r);
      ERR_clear_error();
      return e == SSL_ERROR_WANT_READ;
    }
    if (send_bytes(c, (uv_stream_t *)&c->inner, w, (size_t)r) != 0) return false;
  }
}

static void on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  otlp_grpc_tls_conn *c = s->data;
  if (n == 0) return;
  if (n < 0 || BIO_write(c->rbio, buf->base, (int)n) != (int)n) {
    conn_close(c);
    return;
  }
  bool ok = decrypt_to_inner(c);
  /* Alerts (a failed handshake) are still sent before closing. */
  if (flush_tls(c) != 0 || !ok) {
    conn_close(c);
    return;
  }
  if (uv_stream_get_write_queue_size((uv_stream_t *)&c->inner) >= FLOW_HIGH) uv_read_stop(s);
  if (c->early && SSL_is_init_finished(c->ssl)) {
    int n = SSL_write(c->ssl, c->early, (int)c->early_len);
    free(c->early);
    c->early = NULL;
    ERR_clear_error();
    if (n != (int)c->early_len || flush_tls(c) != 0) conn_close(c);
  }
}

/* What gRPC core wrote before the handshake finished (its preface). */
#define EARLY_MAX (64 * 1024)
static bool keep_early(otlp_grpc_tls_conn *c, const char *p, size_t n) {
  if (c->early_len + n > EARLY_MAX) return false;
  char *e = realloc(c->early, c->early_len + n);
  if (!e) return false;
  memcpy(e + c->early_len, p, n);
  c->early = e;
  c->early_len += n;
  return true;
}

static void on_inner_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  otlp_grpc_tls_conn *c = s->data;
  if (n == 0) return;
  if (n < 0 && !SSL_is_init_finished(c->ssl)) {
    /* gRPC core gave up on it (its handshake timeout: the TLS handshake
     * never finished). */
    conn_close(c);
    return;
  }
  if (n < 0) {
    /* gRPC core closed the connection: flush what it last wrote. */
    uv_read_stop(s);
    uv_read_stop((uv_stream_t *)&c->client);
    SSL_shutdown(c->ssl);
    ERR_clear_error();
    c->draining = true;
    if (flush_tls(c) != 0 || uv_stream_get_write_queue_size((uv_stream_t *)&c->client) == 0) conn_close(c);
    return;
  }
  if (!SSL_is_init_finished(c->ssl) || c->early) {
    if (!keep_early(c, buf->base, (size_t)n)) conn_close(c);
    return;
  }
  if (SSL_write(c->ssl, buf->base, (int)n) != (int)n) {
    ERR_clear_error();
    conn_close(c);
    return;
  }
  if (flush_tls(c) != 0) conn_close(c);
}

/* Both handles are initialised (c->handles = 2) whatever happens; an fd
 * a handle did not take is closed here. */
static int open_streams(otlp_grpc_tls_conn *c, uv_loop_t *loop, int fd, int inner_fd) {
  uv_tcp_init(loop, &c->client); /* cannot fail on Linux */
  uv_pipe_init(loop, &c->inner, 0);
  c->handles = 2;
  int rc = uv_tcp_open(&c->client, fd);
  if (rc) {
    close(fd);
    close(inner_fd);
    return rc;
  }
  if ((rc = uv_pipe_open(&c->inner, inner_fd)) != 0) close(inner_fd);
  return rc;
}

/* Takes fd (an accepted client). */
int otlp_grpc_tls_conn_start(otlp_grpc_listener *l, int fd) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  otlp_grpc_tls_conn *c = calloc(1, sizeof(*c));
  SSL *ssl = c ? SSL_new(otlp_tls_reload_ctx(l->tls)) : NULL;
  BIO *rb = ssl ? BIO_new(BIO_s_mem()) : NULL, *wb = rb ? BIO_new(BIO_s_mem()) : NULL;
  if (!wb) {
    BIO_free(rb);
    SSL_free(ssl);
    free(c);
    close(fd);
    close(sv[0]);
    close(sv[1]);
    return -ENOMEM;
  }
  SSL_set_bio(ssl, rb, wb);
  SSL_set_accept_state(ssl);
  c->ssl = ssl;
  c->rbio = rb;
  c->wbio = wb;
  c->client.data = c->inner.data = c;
  uv_loop_t *loop = l->poll.loop;
  int rc = open_streams(c, loop, fd, sv[1]);
  if (rc) {
    close(sv[0]);
    c->closing = true;
    uv_close((uv_handle_t *)&c->client, on_handle_closed);
    uv_close((uv_handle_t *)&c->inner, on_handle_closed);
    return rc;
  }
  uv_tcp_nodelay(&c->client, 1);
  c->l = l;
  c->next = l->tls_conns;
  if (c->next) c->next->prev = c;
  l->tls_conns = c;
  l->n_tls_conns++;
  otlp_grpc_listen_note_peer(l, sv[0], fd);
  grpc_server_add_channel_from_fd(l->g->server, sv[0], l->creds);
  uv_read_start((uv_stream_t *)&c->client, alloc_buf, on_client_read);
  uv_read_start((uv_stream_t *)&c->inner, alloc_buf, on_inner_read);
  return 0;
}

/* The receiver is going away: every connection is closed now (callbacks
 * still pending see `closing` and no longer touch the listener). */
void otlp_grpc_tls_conn_close_all(otlp_grpc_listener *l) {
  while (l->tls_conns) conn_close(l->tls_conns);
}
