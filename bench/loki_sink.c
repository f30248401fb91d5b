/* A Loki push endpoint for bench/run.sh: answers every request 204 at once
 * and counts the entries of protobuf+snappy pushes (so the benchmark
 * counts what arrived, not what was sent). One thread per connection,
 * HTTP/1.1 keep-alive, Content-Length bodies only (what libcurl sends).
 *
 *   otlpd_bench_loki_sink     prints its port (127.0.0.1, port 0), then
 *                             at SIGTERM/SIGINT "<entries> <pushes>" and exits */
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

static atomic_ullong entries, pushes;

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

static void on_signal(int sig) { (void)sig; } /* only to interrupt pselect */

static char *find_crlf2(char *p, size_t n) {
  for (size_t i = 0; i + 4 <= n; i++)
    if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0) return p + i;
  return NULL;
}

static void *conn_main(void *arg) {
  int fd = (int)(intptr_t)arg;
  size_t cap = 1 << 20, len = 0, ucap = 0;
  char *buf = malloc(cap), *ubuf = NULL;
  static const char reply[] = "HTTP/1.1 204 No Content\r\n\r\n";
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
    size_t ulen;
    if (snappy_uncompressed_length(buf + hlen, clen, &ulen) == SNAPPY_OK) {
      if (ulen > ucap && !(ubuf = realloc(ubuf, ucap = ulen))) goto out;
      if (snappy_uncompress(buf + hlen, clen, ubuf, &ulen) == SNAPPY_OK) {
        atomic_fetch_add(&entries, count_entries((uint8_t *)ubuf, (uint8_t *)ubuf + ulen));
        atomic_fetch_add(&pushes, 1);
      }
    }
    if (write(fd, reply, sizeof(reply) - 1) < 0) goto out;
    memmove(buf, buf + hlen + clen, len - hlen - clen);
    len -= hlen + clen;
  }
out:
  free(buf);
  free(ubuf);
  close(fd);
  return NULL;
}

int main(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 128) < 0 ||
      getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
    perror("loki_sink");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit: only sigwait sees them */
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  for (;;) {
    fd_set rf;
    FD_ZERO(&rf);
    FD_SET(ls, &rf);
    struct timespec ts = {0, 100000000};
    sigset_t none;
    sigemptyset(&none);
    int rc = pselect(ls + 1, &rf, NULL, NULL, &ts, &none);
    if (rc < 0) break; /* a signal arrived */
    if (rc == 0) continue;
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, conn_main, (void *)(intptr_t)fd) == 0) pthread_detach(t);
    else close(fd);
  }
  printf("%llu %llu\n", (unsigned long long)atomic_load(&entries), (unsigned long long)atomic_load(&pushes));
  return 0;
}
