/* A backend stand-in for bench/run.sh that answers every request at once
 * and counts what arrived (so the benchmark counts what the backend got,
 * not what was sent). One thread per connection, HTTP/1.1 keep-alive,
 * Content-Length bodies only (what libcurl sends).
 *
 *   otlpd_bench_sink loki       Loki push: answers 204, counts the entries
 *                               of protobuf+snappy pushes
 *   otlpd_bench_sink es PREFIX  Elasticsearch _bulk: answers a valid
 *                               all-created bulk response (one item per
 *                               action line, gzip bodies inflated), counts
 *                               the actions whose index starts with PREFIX
 *   otlpd_bench_sink otlp       OTLP/HTTP protobuf (uncompressed): answers
 *                               200 with an empty Export*ServiceResponse,
 *                               counts spans / log records / data points'
 *                               parents (the third level of nesting:
 *                               Resource* -> Scope* -> item, field 2 of
 *                               field 2 of field 1 for traces and logs)
 *
 * Prints its port (127.0.0.1, port 0), then at SIGTERM/SIGINT
 * "<items> <requests>" and exits. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <snappy-c.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "sink_count.h"

static atomic_ullong entries, pushes;
static const char *es_prefix; /* NULL: Loki or OTLP mode */
static int otlp_mode;

static uint64_t varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (int s = 0; *p < end && s < 64; s += 7) {
    uint8_t c = *(*p)++;
    v |= (uint64_t)(c & 0x7f) << s;
    if (c < 0x80) break;
  }
  return v;
}

/* Entries of a PushRequest: field 2 of each field-1 StreamAdapter. */
static uint64_t count_entries(const uint8_t *p, const uint8_t *end) {
  uint64_t n = 0;
  while (p < end) {
    uint64_t key = varint(&p, end);
    if ((key & 7) != 2) return n;
    uint64_t len = varint(&p, end);
    if (len > (uint64_t)(end - p)) return n;
    if (key >> 3 == 1) {
      const uint8_t *s = p, *se = p + len;
      while (s < se) {
        uint64_t k = varint(&s, se);
        if ((k & 7) != 2) break;
        uint64_t l = varint(&s, se);
        if (l > (uint64_t)(se - s)) break;
        if (k >> 3 == 2) n++;
        s += l;
      }
    }
    p += len;
  }
  return n;
}

static volatile sig_atomic_t stopping;
static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static char *find_crlf2(char *p, size_t n) {
  for (size_t i = 0; i + 4 <= n; i++)
    if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0) return p + i;
  return NULL;
}

static int grow(char **p, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  char *n = realloc(*p, need);
  if (!n) return -1;
  *p = n;
  *cap = need;
  return 0;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int answer_otlp(int fd, const char *body, size_t clen) {
  static const char reply[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
  atomic_fetch_add(&entries, sink_count_items((const uint8_t *)body, clen));
  atomic_fetch_add(&pushes, 1);
  return write_all(fd, reply, sizeof(reply) - 1);
}

static int answer_loki(int fd, const char *body, size_t clen, char **ubuf, size_t *ucap) {
  static const char reply[] = "HTTP/1.1 204 No Content\r\n\r\n";
  size_t ulen;
  if (snappy_uncompressed_length(body, clen, &ulen) == SNAPPY_OK && grow(ubuf, ucap, ulen + 1) == 0 &&
      snappy_uncompress(body, clen, *ubuf, &ulen) == SNAPPY_OK) {
    atomic_fetch_add(&entries, count_entries((uint8_t *)*ubuf, (uint8_t *)*ubuf + ulen));
    atomic_fetch_add(&pushes, 1);
  }
  return write_all(fd, reply, sizeof(reply) - 1);
}

/* Inflates a gzip body into *ubuf; returns its length or -1. */
static long gunzip(const char *in, size_t n, char **ubuf, size_t *ucap) {
  z_stream z = {0};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return -1;
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  size_t len = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (grow(ubuf, ucap, len + (n > 65536 ? 4 * n : 262144)) < 0) break;
    z.next_out = (Bytef *)*ubuf + len;
    z.avail_out = (uInt)(*ucap - len);
    rc = inflate(&z, Z_NO_FLUSH);
    len = *ucap - z.avail_out;
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? (long)len : -1;
}

static int answer_es(int fd, const char *buf, size_t hlen, size_t clen, char **ubuf, size_t *ucap,
                     char **out, size_t *ocap) {
  static const char item[] = "{\"create\":{\"_index\":\"x\",\"status\":201,\"result\":\"created\"}}";
  const char *body = buf + hlen;
  size_t blen = clen;
  if (memmem(buf, hlen, "Content-Encoding: gzip", 22) || memmem(buf, hlen, "content-encoding: gzip", 22)) {
    long ul = gunzip(body, clen, ubuf, ucap);
    if (ul < 0) return -1;
    body = *ubuf;
    blen = (size_t)ul;
  }
  /* ndjson: action line, source line; count actions and those of the prefix */
  uint64_t actions = 0, ours = 0;
  size_t plen = strlen(es_prefix);
  for (const char *p = body, *end = body + blen; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    const char *ix = memmem(p, (size_t)(nl - p), "\"_index\":\"", 10);
    if (ix && ix < nl) {
      actions++;
      if ((size_t)(nl - ix - 10) >= plen && memcmp(ix + 10, es_prefix, plen) == 0) ours++;
      /* skip the source line */
      const char *src_end = nl < end ? memchr(nl + 1, '\n', (size_t)(end - nl - 1)) : NULL;
      p = src_end ? src_end + 1 : end;
    } else {
      p = nl + 1;
    }
  }
  atomic_fetch_add(&entries, ours);
  atomic_fetch_add(&pushes, 1);
  size_t body_len = 34 + actions * (sizeof(item) - 1 + 1) + 2;
  if (grow(out, ocap, body_len + 256) < 0) return -1;
  int h = snprintf(*out, 256,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Elastic-Product: Elasticsearch\r\n"
                   "Content-Length: %010zu\r\n\r\n", (size_t)0);
  size_t n = (size_t)h;
  memcpy(*out + n, "{\"took\":0,\"errors\":false,\"items\":[", 34);
  n += 34;
  for (uint64_t i = 0; i < actions; i++) {
    if (i) (*out)[n++] = ',';
    memcpy(*out + n, item, sizeof(item) - 1);
    n += sizeof(item) - 1;
  }
  memcpy(*out + n, "]}", 2);
  n += 2;
  char cl[11];
  snprintf(cl, sizeof cl, "%010zu", n - (size_t)h);
  memcpy(strstr(*out, "Content-Length: ") + 16, cl, 10);
  return write_all(fd, *out, n);
}

static void *conn_main(void *arg) {
  int fd = (int)(intptr_t)arg;
  size_t cap = 1 << 20, len = 0, ucap = 0;
  char *buf = malloc(cap), *ubuf = NULL, *out = NULL;
  size_t ocap = 0;
  for (;;) {
    char *hend;
    while (!(hend = find_crlf2(buf, len))) {
      if (len == cap && !(buf = realloc(buf, cap *= 2))) goto out;
      ssize_t r = read(fd, buf + len, cap - len);
      if (r <= 0) goto out;
      len += (size_t)r;
    }
    size_t hlen = (size_t)(hend - buf) + 4, clen = 0;
    for (char *h = buf; h < hend; h = strstr(h, "\r\n") + 2)
      if (strncasecmp(h, "Content-Length:", 15) == 0) clen = strtoul(h + 15, NULL, 10);
    while (len < hlen + clen) {
      if (hlen + clen > cap && !(buf = realloc(buf, cap = hlen + clen))) goto out;
      ssize_t r = read(fd, buf + len, cap - len);
      if (r <= 0) goto out;
      len += (size_t)r;
    }
    int wrc = es_prefix ? answer_es(fd, buf, hlen, clen, &ubuf, &ucap, &out, &ocap)
              : otlp_mode ? answer_otlp(fd, buf + hlen, clen)
                          : answer_loki(fd, buf + hlen, clen, &ubuf, &ucap);
    if (wrc < 0) goto out;
    memmove(buf, buf + hlen + clen, len - hlen - clen);
    len -= hlen + clen;
  }
out:
  free(buf);
  free(ubuf);
  free(out);
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "loki") && strcmp(argv[1], "otlp") && (strcmp(argv[1], "es") || argc < 3))) {
    fprintf(stderr, "usage: otlpd_bench_sink loki | otlp | es INDEX_PREFIX\n");
    return 2;
  }
  otlp_mode = !strcmp(argv[1], "otlp");
  if (!strcmp(argv[1], "es")) es_prefix = argv[2];
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 128) < 0 ||
      getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
    perror("otlpd_bench_sink");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  /* Any thread may take the signal: the flag is what the loop checks. */
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  while (!stopping) {
    fd_set rf;
    FD_ZERO(&rf);
    FD_SET(ls, &rf);
    struct timeval tv = {0, 100000};
    int rc = select(ls + 1, &rf, NULL, NULL, &tv);
    if (rc <= 0) continue;
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, conn_main, (void *)(intptr_t)fd) == 0) pthread_detach(t);
    else close(fd);
  }
  printf("%llu %llu\n", (unsigned long long)atomic_load(&entries), (unsigned long long)atomic_load(&pushes));
  return 0;
}
